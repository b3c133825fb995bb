"""Fake Telegram Bot API and Discord API on loopback, for the deploy rehearsal.

Usage: fake_platforms.py PORT RECORD.jsonl

Telegram: POST /bot<token>/<method> answers {"ok": true, "result": true}. Discord: PUT
/api/v10/applications/<app>/commands answers the commands back with ids, as Discord does, and
PATCH /api/v10/applications/@me answers the application with the endpoint URL it was sent. Every
request is appended to RECORD as one JSON line (method, path, body, the Authorization scheme
only); nothing is printed, since paths and headers carry the bot tokens.
"""
import json
import sys
from email.parser import BytesParser
from email.policy import default
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def parse(content_type, raw):
    """A JSON body, or a multipart form (teloxide sends some methods so) as a dict of fields."""
    if content_type.startswith("multipart/form-data"):
        form = BytesParser(policy=default).parsebytes(
            b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + raw)
        return {part.get_param("name", header="content-disposition"): part.get_content()
                for part in form.iter_parts()}
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return raw.decode("utf-8", "replace")


class Fake(BaseHTTPRequestHandler):
    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        body = parse(self.headers.get("Content-Type") or "", raw)
        auth = self.headers.get("Authorization") or ""
        # The Discord token is checked by the rehearsal, so it is kept in the (private) record.
        with open(RECORD, "a") as f:
            f.write(json.dumps({"method": self.command, "path": self.path, "body": body,
                                "authorization": auth}) + "\n")
        if self.path.startswith("/bot"):
            reply = {"ok": True, "result": True}
        elif self.path.startswith("/api/v10/applications/") and self.path.endswith("/commands"):
            app = self.path.split("/")[4]
            reply = [dict(c, id=str(1000 + i), application_id=app, version="1",
                          type=c.get("type", 1),
                          default_member_permissions=c.get("default_member_permissions"))
                     for i, c in enumerate(body or [])]
        elif self.command == "PATCH" and self.path == "/api/v10/applications/@me":
            reply = {"id": "1234567890", "name": "rehearsal", "flags": 0,
                     "interactions_endpoint_url": (body or {}).get("interactions_endpoint_url")}
        else:
            self.send_response(404)
            self.end_headers()
            return
        data = json.dumps(reply).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_PATCH = _answer

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    RECORD = sys.argv[2]
    ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Fake).serve_forever()
