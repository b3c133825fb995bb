"""The Bot API's limits that its documentation states in words and aiogram's models do not
carry (https://core.telegram.org/bots/api). Each check returns (path, message) pairs."""

import re
from html.parser import HTMLParser

from aiogram import types

# Formatting options, HTML style: the tags Telegram accepts, and their attributes.
HTML_TAGS = {
    "b": set(), "strong": set(), "i": set(), "em": set(), "u": set(), "ins": set(),
    "s": set(), "strike": set(), "del": set(), "tg-spoiler": set(), "span": {"class"},
    "a": {"href"}, "tg-emoji": {"emoji-id"}, "code": {"class"}, "pre": set(),
    "blockquote": {"expandable"}, "tg-time": {"unix", "format"},
}
ENTITY = re.compile(r"&(lt|gt|amp|quot|#[0-9]+|#x[0-9a-fA-F]+);")
UPDATE_KINDS = set(types.Update.model_fields) - {"update_id"}
BUTTON_ACTIONS = ["url", "callback_data", "web_app", "login_url", "switch_inline_query",
                  "switch_inline_query_current_chat", "switch_inline_query_chosen_chat",
                  "copy_text", "callback_game", "pay"]
START = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def utf16_len(text):
    return len(text.encode("utf-16-le")) // 2


class _Html(HTMLParser):
    """Telegram's HTML: known tags only, balanced, and every other <, > and & escaped."""

    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.errors, self.open, self.text = [], [], []

    def handle_starttag(self, tag, attrs):
        if tag not in HTML_TAGS:
            self.errors.append(f"<{tag}> is not a tag Telegram's HTML supports")
            return
        for name, _ in attrs:
            if name not in HTML_TAGS[tag]:
                self.errors.append(f"<{tag} {name}=...> is not an attribute Telegram supports")
        if tag == "span" and dict(attrs).get("class") != "tg-spoiler":
            self.errors.append('<span> needs class="tg-spoiler"')
        self.open.append(tag)

    def handle_endtag(self, tag):
        if not self.open or self.open[-1] != tag:
            self.errors.append(f"</{tag}> closes no open <{tag}>")
        else:
            self.open.pop()

    def handle_data(self, data):
        if "<" in data or ">" in data:
            self.errors.append("a bare < or > (must be &lt; &gt;)")
        self.text.append(data)

    def handle_entityref(self, name):
        if name not in ("lt", "gt", "amp", "quot"):
            self.errors.append(f"&{name}; is not one of the entities Telegram knows")
        self.text.append({"lt": "<", "gt": ">", "amp": "&", "quot": '"'}.get(name, "?"))

    def handle_charref(self, name):
        self.text.append("?")


def parsed_text(text, parse_mode):
    """The text as Telegram shows it, and the formatting errors."""
    if parse_mode != "HTML":
        return text, [] if parse_mode in (None, "") else [f"parse_mode {parse_mode!r} is not checked here"]
    bare_amp = [m for m in re.finditer("&", text) if not ENTITY.match(text, m.start())]
    p = _Html()
    p.feed(text)
    p.close()
    errors = p.errors + (["a bare & (must be &amp;)"] if bare_amp else [])
    errors += [f"<{t}> is never closed" for t in p.open]
    return "".join(p.text), errors


def message_text(params, field, low, high):
    text = params.get(field)
    if not isinstance(text, str):
        return []
    shown, errors = parsed_text(text, params.get("parse_mode"))
    out = [(field, e) for e in errors]
    n = utf16_len(shown)
    if not low <= n <= high:
        out.append((field, f"{n} characters after entity parsing; Telegram allows {low}-{high}"))
    return out


def keyboard(markup, path):
    out = []
    if not isinstance(markup, dict):
        return out
    for r, row in enumerate(markup.get("inline_keyboard") or []):
        for c, button in enumerate(row if isinstance(row, list) else []):
            at = f"{path}.inline_keyboard[{r}][{c}]"
            if not isinstance(button, dict):
                continue
            actions = [a for a in BUTTON_ACTIONS if a in button]
            if len(actions) != 1:
                out.append((at, f"exactly one of the optional fields must be used, has {actions}"))
            data = button.get("callback_data")
            if isinstance(data, str) and not 1 <= len(data.encode()) <= 64:
                out.append((at + ".callback_data", f"{len(data.encode())} bytes; Telegram allows 1-64"))
            copy = button.get("copy_text")
            if isinstance(copy, dict) and not 1 <= len(copy.get("text", "")) <= 256:
                out.append((at + ".copy_text.text", "Telegram allows 1-256 characters"))
            url = button.get("url")
            if isinstance(url, str):
                out += link(url, at + ".url")
    return out


def link(url, at):
    if not re.match(r"^(https?|tg)://", url):
        return [(at, "a button URL must be http(s):// or tg://")]
    m = re.match(r"^https://t\.me/[A-Za-z0-9_]+\?(start|startgroup)=(.*)$", url)
    if m and not START.match(m.group(2)):
        return [(at, "a start parameter is 1-64 characters of A-Za-z0-9_-")]
    return []


def call(method, params):
    out = []
    if method in ("sendMessage", "editMessageText"):
        out += message_text(params, "text", 1, 4096)
    if method == "answerCallbackQuery":
        text = params.get("text")
        if isinstance(text, str) and utf16_len(text) > 200:
            out.append(("text", f"{utf16_len(text)} characters; Telegram allows 0-200"))
    if "reply_markup" in params:
        out += keyboard(params["reply_markup"], "reply_markup")
    if method == "setMyCommands":
        commands = params.get("commands") or []
        if len(commands) > 100:
            out.append(("commands", "at most 100 commands"))
        for i, cmd in enumerate(commands):
            if not re.match(r"^[a-z0-9_]{1,32}$", str(cmd.get("command", ""))):
                out.append((f"commands[{i}].command", "1-32 characters of a-z, 0-9 and _"))
            if not 1 <= len(str(cmd.get("description", ""))) <= 256:
                out.append((f"commands[{i}].description", "1-256 characters"))
    if method == "setWebhook":
        if not str(params.get("url", "")).startswith("https://"):
            out.append(("url", "Telegram delivers webhooks to https URLs only"))
        secret = params.get("secret_token")
        if secret is not None and not re.match(r"^[A-Za-z0-9_-]{1,256}$", str(secret)):
            out.append(("secret_token", "1-256 characters of A-Za-z0-9_-"))
    if method in ("setWebhook", "getUpdates"):
        for kind in params.get("allowed_updates") or []:
            if kind not in UPDATE_KINDS:
                out.append(("allowed_updates", f"{kind!r} is not an update kind"))
    if method == "getUpdates" and not 1 <= params.get("limit", 100) <= 100:
        out.append(("limit", "Telegram allows 1-100"))
    return out


def update(update):
    out = []
    for kind, body in update.items():
        if not isinstance(body, dict):
            continue
        text = body.get("text")
        entities = body.get("entities") or []
        if entities and not isinstance(text, str):
            out.append((f"{kind}.entities", "entities without a text"))
            continue
        for i, e in enumerate(entities):
            offset, length = e.get("offset", -1), e.get("length", 0)
            if offset < 0 or length < 1 or offset + length > utf16_len(text or ""):
                out.append((f"{kind}.entities[{i}]", "lies outside the text (UTF-16 units)"))
            elif e.get("type") == "bot_command":
                units = (text or "").encode("utf-16-le")[2 * offset:2 * (offset + length)]
                if not units.decode("utf-16-le").startswith("/"):
                    out.append((f"{kind}.entities[{i}]", "a bot_command must start with /"))
    return out
