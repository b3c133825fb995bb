"""Holds what the tests exchanged with the fake Bot API to Telegram's own definition.

aiogram keeps a pydantic model of every Bot API method and type, current with each Bot API
release. Every call a bot made in the test suite (telegram-calls.jsonl) must validate as its
method, and every update a test sent (telegram-updates.jsonl) as an `Update`:
- the method exists, with the documented (case-sensitive) name;
- every parameter and nested field is one Telegram defines (aiogram allows unknown fields: they
  are looked for here), with its type (strict validation: no "5" for 5);
- the limits the Bot API documents in words, which no model carries (tg_limits.py);
- an update's entities lie inside its text.

Usage: check.py RECORDS_DIR            validate the suite's records
       check.py --must-fail FILE.jsonl  every record of FILE must be refused (the negative control)
Exit 1 names each failing method or update, field and test.
"""

import json
import sys
from collections import Counter
from pathlib import Path

from aiogram import methods, types
from aiogram.methods.base import TelegramMethod
from pydantic import BaseModel, ValidationError

import tg_limits

METHODS = {
    cls.__api_method__: cls
    for cls in vars(methods).values()
    if isinstance(cls, type) and issubclass(cls, TelegramMethod) and cls is not TelegramMethod
}

# The methods the product calls (bots/telegram/src, functions/expire/src/notify): each must
# have been exercised by at least one test, so that a method no test reaches is noticed.
USED = ["sendMessage", "answerCallbackQuery", "getChatMember", "getUpdates", "setWebhook",
        "setMyCommands", "deleteWebhook"]


def where(loc):
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path.lstrip(".")


TYPE_NAMES = {name for name, cls in vars(types).items() if isinstance(cls, type)}


def unix_date(err):
    """A strict error that is only Telegram's Unix-seconds date (aiogram's DateTime takes
    seconds, but only when validating lax)."""
    return err["type"] == "datetime_type" and isinstance(err.get("input"), int)


def strict_errors(errors):
    """The strict errors that are real: Unix dates dropped, and a union (its branches are named
    in the path) that one branch matched but for such dates dropped whole."""
    branches = {}
    for err in errors:
        loc = err["loc"]
        at = next((i for i, part in enumerate(loc) if part in TYPE_NAMES), None)
        if at is not None:
            branches.setdefault(loc[:at], {}).setdefault(loc[at], []).append(err)
    matched = {prefix for prefix, by in branches.items()
               if any(all(unix_date(e) for e in errs) for errs in by.values())}
    return [e for e in errors
            if not unix_date(e) and not any(e["loc"][:len(p)] == p for p in matched)]


def validate(model, value):
    """Errors of `value` as `model`: strict types, then unknown fields, as (path, message)."""
    raw = json.dumps(value)
    try:
        model.model_validate_json(raw, strict=True)
    except ValidationError as e:
        real = strict_errors(e.errors())
        if real:
            return [(where(err["loc"]), f'{err["msg"]} (got {json.dumps(err.get("input"))[:80]})')
                    for err in real]
    parsed = model.model_validate_json(raw)
    return [(path, f"{field!r} is not a field Telegram defines here") for path, field in unknown(parsed, "")]


def unknown(node, path):
    """The fields aiogram kept as extras (not in Telegram's definition), anywhere in `node`."""
    if isinstance(node, BaseModel):
        for field in (node.model_extra or {}):
            yield (path or "(top)", field)
        for name in type(node).model_fields:
            yield from unknown(getattr(node, name, None), f"{path}.{name}".lstrip("."))
    elif isinstance(node, (list, tuple)):
        for i, item in enumerate(node):
            yield from unknown(item, f"{path}[{i}]")


def check_call(record):
    method, params = record.get("method"), record.get("params")
    model = METHODS.get(method)
    if model is None:
        return method or "?", [("", "no such Bot API method")]
    if not isinstance(params, dict):
        return method, [("", "parameters are not a JSON object")]
    return method, validate(model, params) + tg_limits.call(method, params)


def check_update(record):
    update = record.get("update")
    if not isinstance(update, dict):
        return "Update", [("", "not a JSON object")]
    kind = next((k for k in update if k != "update_id"), "?")
    return f"Update.{kind}", validate(types.Update, update) + tg_limits.update(update)


def read(path):
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def report(failures):
    seen = Counter()
    for name, path, message, test in failures:
        seen[(name, path, message)] += 1
        if seen[(name, path, message)] == 1:
            print(f"  {name}: {path or '(top)'}: {message}  [test {test}]")
    return len(seen)


def main(argv):
    if len(argv) == 3 and argv[1] == "--must-fail":
        records = read(Path(argv[2]))
        passed = []
        for r in records:
            name, errors = check_call(r) if "method" in r else check_update(r)
            if not errors:
                passed.append(r.get("why", name))
        for why in passed:
            print(f"telegram negative control: accepted what must be refused: {why}")
        print(f"telegram negative control: {len(records) - len(passed)} of {len(records)} refused")
        return 1 if passed or not records else 0

    folder = Path(argv[1])
    calls, updates = read(folder / "telegram-calls.jsonl"), read(folder / "telegram-updates.jsonl")
    failures = []
    by_method = Counter()
    for r in calls:
        name, errors = check_call(r)
        by_method[name] += 1
        failures += [(name, p, m, r.get("test", "?")) for p, m in errors]
    for r in updates:
        name, errors = check_update(r)
        by_method[name] += 1
        failures += [(name, p, m, r.get("test", "?")) for p, m in errors]
    print(f"telegram: {len(calls)} Bot API calls and {len(updates)} updates, against aiogram "
          f"(Bot API {__import__('aiogram').__api_version__}):")
    print("  " + ", ".join(f"{k} {v}" for k, v in sorted(by_method.items())))
    missing = [m for m in USED if by_method[m] == 0]
    if missing or not updates:
        print(f"  no test exercised: {', '.join(missing) or 'any update'}")
        return 1
    if failures:
        distinct = report(failures)
        print(f"telegram: {distinct} distinct contract failures ({len(failures)} in all)")
        return 1
    print("telegram: every call and update matches Telegram's definition")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
