"""Renders an API Gateway v2 event fixture for tests/contracts/lambda/emulator.sh.

Usage: render.py TEMPLATE OUT. Every `{{NAME}}` in a string of the template is replaced by
the environment variable NAME (a missing one is an error), except these, made here:
  {{UNIX_SECONDS}}      now, in Unix seconds (Discord's X-Signature-Timestamp)
  {{REQUEST_TIME}}      now, as API Gateway writes requestContext.time (21/Nov/2026:23:50:00 +0000)
  {{REQUEST_EPOCH_MS}}  now, in milliseconds (requestContext.timeEpoch; becomes a number)
  {{REQUEST_ID}}        a fresh request id, as API Gateway's (base64-like, 16 characters)
  {{TRACE_ID}}          a fresh X-Ray trace id (Root=1-<hex time>-<24 hex>)
  {{ED25519_SIGNATURE}} filled last: the hex Ed25519 signature of timestamp + body with the
                        PKCS#8 PEM private key at $SIGNING_KEY_FILE, as Discord signs
The content-length header is set to the body's length in bytes, as API Gateway passes it.
Nothing rendered is printed (events carry secrets); OUT is written 0600.
"""

import base64
import json
import os
import re
import secrets
import sys
import time

from cryptography.hazmat.primitives.serialization import load_pem_private_key

TEMPLATE, OUT = sys.argv[1], sys.argv[2]
NOW = time.time()
MADE = {
    "UNIX_SECONDS": str(int(NOW)),
    "REQUEST_TIME": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(NOW)),
    "REQUEST_EPOCH_MS": str(int(NOW * 1000)),
    "REQUEST_ID": base64.b64encode(secrets.token_bytes(11)).decode()[:15] + "=",
    "TRACE_ID": "Root=1-%08x-%s" % (int(NOW), secrets.token_hex(12)),
}
PLACEHOLDER = re.compile(r"\{\{([A-Z0-9_]+)\}\}")


def value(name):
    if name == "ED25519_SIGNATURE":
        return "{{ED25519_SIGNATURE}}"
    if name in MADE:
        return MADE[name]
    if name not in os.environ:
        sys.exit(f"render.py: {TEMPLATE} needs ${name}")
    return os.environ[name]


def fill(node):
    if isinstance(node, dict):
        return {k: fill(v) for k, v in node.items()}
    if isinstance(node, list):
        return [fill(v) for v in node]
    if isinstance(node, str):
        if node == "{{REQUEST_EPOCH_MS}}":
            return int(MADE["REQUEST_EPOCH_MS"])
        return PLACEHOLDER.sub(lambda m: value(m.group(1)), node)
    return node


with open(TEMPLATE, encoding="utf-8") as f:
    event = fill(json.load(f))
body = event.get("body") or ""
headers = event["headers"]
headers["content-length"] = str(len(body.encode("utf-8")))
if headers.get("x-signature-ed25519") == "{{ED25519_SIGNATURE}}":
    with open(os.environ["SIGNING_KEY_FILE"], "rb") as f:
        key = load_pem_private_key(f.read(), password=None)
    signed = (headers["x-signature-timestamp"] + body).encode("utf-8")
    headers["x-signature-ed25519"] = key.sign(signed).hex()
fd = os.open(OUT, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
with os.fdopen(fd, "w", encoding="utf-8") as f:
    json.dump(event, f)
