"""Transforms a SAM template as CloudFormation's AWS::Serverless-2016-10-31 transform does
(aws-sam-translator is that transform's own code), offline: no AWS call is made.

Usage: transform.py TEMPLATE OUT.json [Name=Value ...]

Each function's local CodeUri is swapped for an S3 location first, as `sam package` (inside
`sam deploy`) swaps it for the zip it uploads: the transform accepts only S3 code. Parameters
given as Name=Value override the template's defaults for the transform's intrinsics.
"""
import json
import os
import sys

# The transform reads the region (for AWS::Region and the partition) from a boto3 session; it
# makes no call with it.
os.environ.setdefault("AWS_DEFAULT_REGION", os.environ.get("AWS_REGION", "us-east-1"))

from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse


class NoManagedPolicies:
    """The template names no managed policy (each function has its own role), so the map the
    transform would fetch from IAM is empty; a template that needs one fails loudly here."""

    def load(self):
        return {}


def main(source, out, overrides):
    with open(source) as f:
        template = yaml_parse(f.read())
    for name, resource in template.get("Resources", {}).items():
        props = resource.get("Properties") or {}
        if resource.get("Type") == "AWS::Serverless::Function" and isinstance(props.get("CodeUri"), str):
            props["CodeUri"] = f"s3://promo-artifacts/{name}.zip"
    params = dict(kv.split("=", 1) for kv in overrides)
    result = transform(template, params, NoManagedPolicies())
    with open(out, "w") as f:
        json.dump(result, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2], sys.argv[3:])
