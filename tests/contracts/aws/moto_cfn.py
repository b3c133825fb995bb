"""moto's server, with what the deploy rehearsal needs of CloudFormation that moto lacks.

Usage: moto_cfn.py PORT   (listens on 127.0.0.1 only)

1. The AWS::Serverless-2016-10-31 transform. CloudFormation runs it on its side when `sam deploy`
   hands it a SAM template; moto does not, and silently creates nothing for AWS::Serverless::*.
   Here a template with that Transform goes through aws-sam-translator, the transform's own
   code, before moto reads it, so the stack is built from what CloudFormation would build.
2. The outputs of a stack made or changed by a change set (moto keeps the old ones).
3. CloudFormation glue for four types whose service moto does emulate but whose CloudFormation
   resource it ignores: AWS::SecretsManager::Secret, AWS::ApiGatewayV2::Api (its OpenAPI Body
   imported as routes and integrations) and ::Stage, AWS::Scheduler::Schedule, and
   AWS::S3::BucketPolicy (in the stack `sam deploy --resolve-s3` makes for its artifacts;
   accepted, not enforced). Each
   calls moto's own backend as CloudFormation calls the service. AWS::CloudWatch::Alarm and
   AWS::SNS::Subscription stay unsupported: the rehearsal does not check them, checkov and
   cfn-lint do (template.sh).
"""
import json
import os
import sys

from moto.apigatewayv2.models import apigatewayv2_backends
from moto.cloudformation import models as cfn_models
from moto.core.common_models import CloudFormationModel
from moto.scheduler.models import scheduler_backends
from moto.secretsmanager.models import secretsmanager_backends
from moto.server import main
from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse

SAM = "AWS::Serverless-2016-10-31"


class NoManagedPolicies:
    def load(self):
        return {}


def sam_transformed(text, parsed):
    """The template as CloudFormation runs it: transformed when it names the SAM transform."""
    if not isinstance(parsed, dict) or parsed.get("Transform") != SAM:
        return parsed
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    return transform(yaml_parse(text), {}, NoManagedPolicies())


_stack_parse = cfn_models.Stack.parse_template
cfn_models.Stack.parse_template = staticmethod(lambda t: sam_transformed(t, _stack_parse(t)))
_change_set_parse = cfn_models.ChangeSet._parse_template


def _change_set_parse_sam(self):
    _change_set_parse(self)
    self.template_dict = sam_transformed(self.template, self.template_dict)


cfn_models.ChangeSet._parse_template = _change_set_parse_sam

# moto executes a change set without rebuilding the stack's outputs (they stay those of the
# template the stack had before: none for a new stack), and `sam deploy` reads its outputs.
_execute = cfn_models.CloudFormationBackend.execute_change_set


def _execute_with_outputs(self, change_set_name, stack_name=None):
    _execute(self, change_set_name, stack_name)
    change_set = self.change_sets.get(change_set_name) or next(
        c for c in self.change_sets.values() if c.change_set_name == change_set_name)
    stack = self.stacks[change_set.stack_id]
    stack.template_dict = change_set.template_dict
    stack.output_map = stack._create_output_map()


cfn_models.CloudFormationBackend.execute_change_set = _execute_with_outputs


class Glue:
    """A resource created through moto's backend; Ref gives `physical_resource_id`. Each type
    also derives from CloudFormationModel directly: moto finds the types it supports as that
    class's direct subclasses."""

    def __init__(self, physical_id, **attrs):
        self.physical_resource_id = physical_id
        self.attrs = attrs

    @staticmethod
    def cloudformation_name_type():
        return ""

    @classmethod
    def has_cfn_attr(cls, attr):
        return False

    @classmethod
    def update_from_cloudformation_json(cls, original_resource, new_resource_name,
                                        cloudformation_json, account_id, region_name):
        # What the rehearsal's update changes of these is nothing; CloudFormation, too, leaves
        # a resource whose properties are unchanged as it is (a secret keeps its value).
        return original_resource

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json,
                                        account_id, region_name):
        pass


class Secret(Glue, CloudFormationModel):
    __module__ = "moto.cloudformation.promo"  # moto tracks instances per module ("moto.<service>")
    @staticmethod
    def cloudformation_type():
        return "AWS::SecretsManager::Secret"

    @staticmethod
    def cloudformation_name_type():
        return "Name"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id,
                                        region_name, **kwargs):
        p = cloudformation_json["Properties"]
        backend = secretsmanager_backends[account_id][region_name]
        made = backend.create_secret(
            name=resource_name, secret_string=p.get("SecretString"), secret_binary=None,
            description=p.get("Description"), tags=p.get("Tags"), kms_key_id=p.get("KmsKeyId"),
            client_request_token=None, replica_regions=[], force_overwrite=False)
        # A secret's Ref is its ARN.
        return cls(json.loads(made)["ARN"])


class HttpApi(Glue, CloudFormationModel):
    __module__ = "moto.cloudformation.promo"  # moto tracks instances per module ("moto.<service>")
    @staticmethod
    def cloudformation_type():
        return "AWS::ApiGatewayV2::Api"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id,
                                        region_name, **kwargs):
        p = cloudformation_json["Properties"]
        body = p.get("Body") or {}
        backend = apigatewayv2_backends[account_id][region_name]
        api = backend.create_api(
            api_key_selection_expression=None, cors_configuration=None,
            description=p.get("Description"), disable_schema_validation=None,
            disable_execute_api_endpoint=p.get("DisableExecuteApiEndpoint"),
            name=p.get("Name") or body.get("info", {}).get("title") or resource_name,
            protocol_type=p.get("ProtocolType", "HTTP"), route_selection_expression=None,
            tags=p.get("Tags"), version=None)
        if body:
            backend.reimport_api(api.api_id, json.dumps(body), fail_on_warnings=False)
        return cls(api.api_id)


class HttpApiStage(Glue, CloudFormationModel):
    __module__ = "moto.cloudformation.promo"  # moto tracks instances per module ("moto.<service>")
    @staticmethod
    def cloudformation_type():
        return "AWS::ApiGatewayV2::Stage"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id,
                                        region_name, **kwargs):
        p = cloudformation_json["Properties"]
        api = apigatewayv2_backends[account_id][region_name].get_api(p["ApiId"])
        log = p.get("AccessLogSettings")
        stage = api.create_stage({
            "stageName": p["StageName"], "autoDeploy": p.get("AutoDeploy"),
            "defaultRouteSettings": p.get("DefaultRouteSettings"),
            "accessLogSettings": log and {"destinationArn": log["DestinationArn"],
                                          "format": log["Format"]},
        })
        return cls(stage.name)


class Schedule(Glue, CloudFormationModel):
    __module__ = "moto.cloudformation.promo"  # moto tracks instances per module ("moto.<service>")
    @staticmethod
    def cloudformation_type():
        return "AWS::Scheduler::Schedule"

    @staticmethod
    def cloudformation_name_type():
        return "Name"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id,
                                        region_name, **kwargs):
        p = cloudformation_json["Properties"]
        made = scheduler_backends[account_id][region_name].create_schedule(
            description=p.get("Description"), end_date=p.get("EndDate"),
            flexible_time_window=p.get("FlexibleTimeWindow"), group_name=p.get("GroupName"),
            kms_key_arn=p.get("KmsKeyArn"), name=resource_name,
            schedule_expression=p["ScheduleExpression"],
            schedule_expression_timezone=p.get("ScheduleExpressionTimezone"),
            start_date=p.get("StartDate"), state=p.get("State", "ENABLED"),
            target=p["Target"], action_after_completion=None)
        return cls(made.name)


class BucketPolicy(Glue, CloudFormationModel):
    __module__ = "moto.cloudformation.promo"  # moto tracks instances per module ("moto.<service>")
    # Accepted, not applied: the policy of SAM's artifact bucket refuses requests without TLS
    # (aws:SecureTransport), and the rehearsal speaks plain HTTP on loopback.
    @staticmethod
    def cloudformation_type():
        return "AWS::S3::BucketPolicy"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id,
                                        region_name, **kwargs):
        return cls(cloudformation_json["Properties"]["Bucket"])


if __name__ == "__main__":
    main(["-H", "127.0.0.1", "-p", sys.argv[1]])
