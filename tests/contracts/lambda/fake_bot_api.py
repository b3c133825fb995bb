"""A fake Telegram Bot API on loopback for tests/contracts/lambda/emulator.sh.

Answers POST /bot<token>/<method> as Telegram does ({"ok": true, "result": ...}) and appends
each call (method and JSON parameters, never the token) as one JSON line to the log file.
Usage: fake_bot_api.py PORT_FILE CALLS_FILE. Binds 127.0.0.1 on a free port and writes the
port to PORT_FILE once it listens.
"""

import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT_FILE, CALLS_FILE = sys.argv[1], sys.argv[2]
LOCK = threading.Lock()
NEXT_MESSAGE_ID = [0]
BOT = {"id": 999, "is_bot": True, "first_name": "Promo", "username": "promo_emulator_bot"}


def result_for(method, params):
    if method == "sendmessage":
        with LOCK:
            NEXT_MESSAGE_ID[0] += 1
            message_id = NEXT_MESSAGE_ID[0]
        chat = params.get("chat_id", 0)
        return {
            "message_id": message_id,
            "from": BOT,
            "chat": {"id": chat, "first_name": "Ann", "type": "private"},
            "date": 1795309200,
            "text": params.get("text", ""),
        }
    if method == "getme":
        return BOT
    if method == "getchatmember":
        user = params.get("user_id", 0)
        return {"status": "member", "user": {"id": user, "is_bot": False, "first_name": "Ann"}}
    return True


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        parts = self.path.strip("/").split("/")
        method = parts[-1] if parts else ""
        # teloxide names methods `SendMessage`; Telegram's names are case-insensitive.
        method = method[:1].lower() + method[1:]
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            params = json.loads(raw) if raw else {}
        except ValueError:
            params = {"_unparsed": raw.decode("utf-8", "replace")}
        with LOCK, open(CALLS_FILE, "a", encoding="utf-8") as log:
            log.write(json.dumps({"method": method, "params": params}) + "\n")
        body = json.dumps({"ok": True, "result": result_for(method.lower(), params)}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass  # the request line carries the bot token: never logged


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(PORT_FILE + ".tmp", "w", encoding="utf-8") as f:
    f.write(str(server.server_address[1]))
os.replace(PORT_FILE + ".tmp", PORT_FILE)
server.serve_forever()
