"""Reads one field of a Lambda answer to an API Gateway v2 event, for emulator.sh.

Usage: answer.py ANSWER_FILE FIELD, where FIELD is `status` (statusCode), `base64`
(isBase64Encoded, as true/false), `content-type` (the header), `body` (the body as text,
decoded when base64), or `body.<key>[.<key>...]` (a value of the JSON body; strings bare,
anything else as JSON). Prints nothing and exits 1 when the field is absent.
"""

import base64
import json
import sys

with open(sys.argv[1], encoding="utf-8") as f:
    answer = json.load(f)
field = sys.argv[2]


def show(value):
    print(value if isinstance(value, str) else json.dumps(value, separators=(",", ":")))


def body_text():
    body = answer.get("body") or ""
    if answer.get("isBase64Encoded"):
        body = base64.b64decode(body).decode("utf-8")
    return body


if field == "status":
    show(answer["statusCode"])
elif field == "base64":
    show(bool(answer.get("isBase64Encoded")))
elif field == "content-type":
    headers = {k.lower(): v for k, v in (answer.get("headers") or {}).items()}
    if "content-type" not in headers:
        sys.exit(1)
    show(headers["content-type"])
elif field == "body":
    show(body_text())
elif field.startswith("body."):
    value = json.loads(body_text())
    for key in field.split(".")[1:]:
        if not isinstance(value, dict) or key not in value:
            sys.exit(1)
        value = value[key]
    show(value)
else:
    sys.exit(f"answer.py: unknown field {field}")
