#!/usr/bin/env bash
# The issue, Telegram and Discord Lambda binaries under cargo-lambda's Runtime API emulator
# (`cargo lambda watch`, which builds and starts each function with plain cargo for the host),
# answering API Gateway HTTP API events (payload format 2.0, `$default` stage as the template's
# HttpApi has) sent with `cargo lambda invoke --data-file`. Offline: everything on loopback.
#
#   tests/contracts/lambda/emulator.sh
#
# What runs, each on a free loopback port, all stopped on exit:
#   - the embedded dynoxide engine (`promo-testkit`'s `engine` example), the functions' DynamoDB
#     through AWS_ENDPOINT_URL_DYNAMODB as on AWS (PROMO_TABLE set, no embedded engine in them);
#   - the seller CLI `promo` creates the table, a campaign, its codes and an influencer, and
#     prints the influencer's signed Telegram deep link;
#   - a fake Telegram Bot API (fake_bot_api.py) that the bot's replies go to;
#   - `cargo lambda watch`, the functions' secrets in an env file (0600) as on one machine.
# The events are the fixtures in events/, rendered by render.py (fresh times and request ids, the
# run's secrets, Discord's Ed25519 signature made with a key pair generated here).
#
# Environment: PROMO_TOOLS (default ~/.cache/promo-tools) holds the pinned tool's venv;
# PROMO_CLI, a `promo` binary already built (default: built here); PROMO_EMULATOR_LOGS, a
# directory to keep the run's logs in (the emulator's, with the functions' own); CARGO_TARGET_DIR
# is honoured.
set -euo pipefail
cd "$(dirname "$0")/../../.."
ROOT=$PWD
HERE=$ROOT/tests/contracts/lambda
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}

CARGO_LAMBDA_VERSION=1.9.2
CRYPTOGRAPHY_VERSION=50.0.2
TOOLS=${PROMO_TOOLS:-$HOME/.cache/promo-tools}
VENV=$TOOLS/lambda-venv
CAMPAIGN=emulator
BOT=promo_emulator_bot

started=$(date +%s)
step() { printf '== %s (%ss)\n' "$*" "$(($(date +%s) - started))"; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/promo-lambda-emulator.XXXXXX")
chmod 700 "$WORK"
groups=()
cleanup() {
  local status=$?
  for pgid in "${groups[@]}"; do
    kill -TERM -- "-$pgid" 2>/dev/null || true
  done
  for pgid in "${groups[@]}"; do
    for _ in $(seq 50); do
      kill -0 -- "-$pgid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL -- "-$pgid" 2>/dev/null || true
  done
  if [ -n "${PROMO_EMULATOR_LOGS:-}" ]; then
    mkdir -p "$PROMO_EMULATOR_LOGS" && cp "$WORK"/*.log "$PROMO_EMULATOR_LOGS"/ 2>/dev/null || true
  fi
  if [ "$status" -ne 0 ]; then
    for log in "$WORK"/*.log; do
      [ -f "$log" ] || continue
      echo "---- $(basename "$log") (last 40 lines)" >&2
      tail -n 40 "$log" >&2
    done
  fi
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# Starts "$@" in a process group of its own (so that it and every child it spawns are stopped
# on exit), output to $WORK/<name>.log.
spawn() {
  local name=$1
  shift
  setsid "$@" >"$WORK/$name.log" 2>&1 &
  groups+=("$!")
}

wait_for_file() {
  local file=$1 what=$2
  for _ in $(seq 600); do
    [ -s "$file" ] && return 0
    sleep 0.1
  done
  fail "$what did not start within 60 s"
}

wait_for_port() {
  local port=$1 what=$2 seconds=${3:-60}
  for _ in $(seq $((seconds * 10))); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
    sleep 0.1
  done
  fail "$what is not listening on 127.0.0.1:$port after $seconds s"
}

step "tools: cargo-lambda $CARGO_LAMBDA_VERSION, cryptography $CRYPTOGRAPHY_VERSION in $VENV"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
  "cargo-lambda==$CARGO_LAMBDA_VERSION" "cryptography==$CRYPTOGRAPHY_VERSION"
export PATH=$VENV/bin:$PATH
PY=$VENV/bin/python
cargo lambda --version | grep -q "^cargo-lambda $CARGO_LAMBDA_VERSION " ||
  fail "cargo lambda --version is not $CARGO_LAMBDA_VERSION: $(cargo lambda --version)"

# `cargo lambda watch` starts a function with `cargo run --bin <name>`: built the same way here,
# that run only checks that the binary is fresh.
step "build: promo-issue, promo-telegram, promo-discord, the engine example and the CLI"
for bin in promo-issue promo-telegram promo-discord; do
  cargo build --locked --quiet --bin "$bin"
done
cargo build --locked --quiet -p promo-testkit --example engine
if [ -n "${PROMO_CLI:-}" ]; then
  CLI=$PROMO_CLI
else
  cargo build --locked --quiet --bin promo
  CLI=$TARGET/debug/promo
fi
[ -x "$CLI" ] || fail "no seller CLI at $CLI"

free_port() {
  "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

step "engine"
spawn engine "$TARGET/debug/examples/engine"
wait_for_file "$WORK/engine.log" "the engine"
ENGINE=$(head -n 1 "$WORK/engine.log")
case $ENGINE in http://127.0.0.1:*) ;; *) fail "the engine printed no loopback endpoint: $ENGINE" ;; esac

# The run's secrets: fresh, never printed, in files only readable here.
secret() { "$PY" -c 'import secrets; print(secrets.token_urlsafe(24))'; }
PROMO_API_KEY=$(secret)
PROMO_TELEGRAM_SECRET=$(secret)
WRONG_TELEGRAM_SECRET=$(secret)
PROMO_LINK_SECRET=$(secret)
PROMO_TELEGRAM_TOKEN="1234567:$(secret)"
PROMO_DISCORD_APP_ID=1312000000000000000
"$PY" - "$WORK" <<'EOF'
import os, sys
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives import serialization as s
work = sys.argv[1]
for name in ("discord", "stranger"):
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(s.Encoding.PEM, s.PrivateFormat.PKCS8, s.NoEncryption())
    fd = os.open(f"{work}/{name}.pem", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.write(fd, pem)
    os.close(fd)
    public = key.public_key().public_bytes(s.Encoding.Raw, s.PublicFormat.Raw).hex()
    with open(f"{work}/{name}.pub", "w") as f:
        f.write(public)
EOF
PROMO_DISCORD_PUBLIC_KEY=$(cat "$WORK/discord.pub")

# The store, as the functions see it on AWS (a table name, the standard AWS configuration).
unset PROMO_SECRET_IDS PROMO_SECRET_ID PROMO_DATA AWS_PROFILE AWS_SESSION_TOKEN
export PROMO_TABLE=promo-emulator
export AWS_ENDPOINT_URL_DYNAMODB=$ENGINE
export AWS_REGION=us-east-1
export AWS_ACCESS_KEY_ID=emulator
export AWS_SECRET_ACCESS_KEY=emulator
export AWS_EC2_METADATA_DISABLED=true

step "seller CLI: table, campaign, codes, influencer"
cli() { "$CLI" "$@" >>"$WORK/cli.log" 2>&1 || fail "promo $* failed (see cli.log)"; }
cli table create
cli campaign create "$CAMPAIGN" --name "Emulator contract" --product B0EMULATOR \
  --discount "20% off" --days 1 --platforms telegram,discord,web
CODES=(EMULATOR-CODE-0001 EMULATOR-CODE-0002 EMULATOR-CODE-0003 EMULATOR-CODE-0004)
printf '%s\n' "${CODES[@]}" >"$WORK/codes.txt"
cli codes import "$CAMPAIGN" "$WORK/codes.txt"
cli influencer add "$CAMPAIGN" alice --name Alice
LINKS=$(PROMO_LINK_SECRET=$PROMO_LINK_SECRET "$CLI" influencer link "$CAMPAIGN" alice --bot "$BOT" 2>>"$WORK/cli.log") ||
  fail "promo influencer link failed (see cli.log)"
START_PAYLOAD=$(printf '%s\n' "$LINKS" | sed -n "s|.*https://t.me/$BOT?start=\([A-Za-z0-9_-]*\).*|\1|p" | head -n 1)
[ -n "$START_PAYLOAD" ] || fail "promo influencer link printed no Telegram deep link"

step "fake Telegram Bot API"
spawn bot-api "$PY" "$HERE/fake_bot_api.py" "$WORK/bot-api.port" "$WORK/bot-api.calls"
wait_for_file "$WORK/bot-api.port" "the fake Bot API"
BOT_API=http://127.0.0.1:$(cat "$WORK/bot-api.port")/
touch "$WORK/bot-api.calls"

step "cargo lambda watch"
umask 077
cat >"$WORK/functions.env" <<EOF
PROMO_TABLE=$PROMO_TABLE
AWS_ENDPOINT_URL_DYNAMODB=$AWS_ENDPOINT_URL_DYNAMODB
AWS_REGION=$AWS_REGION
AWS_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID
AWS_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY
AWS_EC2_METADATA_DISABLED=true
PROMO_API_KEY=$PROMO_API_KEY
PROMO_LINK_SECRET=$PROMO_LINK_SECRET
PROMO_TELEGRAM_TOKEN=$PROMO_TELEGRAM_TOKEN
PROMO_TELEGRAM_SECRET=$PROMO_TELEGRAM_SECRET
PROMO_TELEGRAM_BOT=$BOT
PROMO_TELEGRAM_API_URL=$BOT_API
PROMO_DISCORD_PUBLIC_KEY=$PROMO_DISCORD_PUBLIC_KEY
PROMO_DISCORD_APP_ID=$PROMO_DISCORD_APP_ID
EOF
umask 022
WATCH_PORT=$(free_port)
spawn watch cargo lambda watch --ignore-changes --invoke-address 127.0.0.1 \
  --invoke-port "$WATCH_PORT" --env-file "$WORK/functions.env"
wait_for_port "$WATCH_PORT" "cargo lambda watch"

# invoke FUNCTION FIXTURE NAME [SIGNING_KEY]: renders events/FIXTURE and sends it to FUNCTION;
# the answer is in $WORK/NAME.answer.
invoke() {
  local function=$1 fixture=$2 name=$3 key=${4:-}
  export PROMO_API_KEY PROMO_TELEGRAM_SECRET WRONG_TELEGRAM_SECRET START_PAYLOAD PROMO_DISCORD_APP_ID
  SIGNING_KEY_FILE=$key "$PY" "$HERE/render.py" "$HERE/events/$fixture" "$WORK/$name.event" ||
    fail "$name: events/$fixture did not render"
  local t0 t1
  t0=$(date +%s%N)
  cargo lambda invoke --invoke-address 127.0.0.1 --invoke-port "$WATCH_PORT" \
    --data-file "$WORK/$name.event" --output-format json "$function" \
    >"$WORK/$name.answer" 2>>"$WORK/invoke.log" ||
    fail "$name: cargo lambda invoke $function failed (see invoke.log)"
  t1=$(date +%s%N)
  printf '   %-28s %5d ms  -> %s\n' "$name" $(((t1 - t0) / 1000000)) "$(answer "$name" status)"
}

# answer NAME FIELD: a field of the answer to NAME (see answer.py); empty when absent.
answer() { "$PY" "$HERE/answer.py" "$WORK/$1.answer" "$2" 2>/dev/null || true; }

expect() {
  local name=$1 field=$2 want=$3 got
  got=$(answer "$name" "$field")
  [ "$got" = "$want" ] || fail "$name: $field is '$got', expected '$want'; the answer: $(answer "$name" body)"
}

# A JSON answer, as API Gateway passes it on: a JSON content type, the body as text.
expect_json() {
  local name=$1
  expect "$name" base64 false
  case $(answer "$name" content-type) in
    application/json*) ;;
    *) fail "$name: content-type is '$(answer "$name" content-type)', expected application/json" ;;
  esac
}

is_code() {
  local c
  for c in "${CODES[@]}"; do [ "$c" = "$1" ] && return 0; done
  return 1
}

sent_messages() { grep -c '"method": "sendMessage"' "$WORK/bot-api.calls" || true; }

step "issue: POST /v1/campaigns/$CAMPAIGN/claims with the API key"
invoke promo-issue issue-claim.json issue-first
expect issue-first status 201
expect_json issue-first
CODE=$(answer issue-first body.code)
is_code "$CODE" || fail "issue-first: body.code '$CODE' is not one of the imported codes"
expect issue-first body.new true
invoke promo-issue issue-claim.json issue-again
expect issue-again status 200
expect issue-again body.code "$CODE"
expect issue-again body.new false

step "telegram: POST /telegram/webhook, a /start deep link"
invoke promo-telegram telegram-start-wrong-secret.json telegram-wrong-secret
expect telegram-wrong-secret status 401
[ "$(sent_messages)" = 0 ] || fail "telegram-wrong-secret: the bot sent a message for a refused update"
invoke promo-telegram telegram-start.json telegram-start
expect telegram-start status 200
[ "$(sent_messages)" = 1 ] ||
  fail "telegram-start: expected one sendMessage to the Bot API, saw $(sent_messages)"
TG_CODE=$("$PY" - "$WORK/bot-api.calls" "${CODES[@]}" <<'EOF'
import json, sys
calls = [json.loads(line) for line in open(sys.argv[1])]
sent = [c["params"] for c in calls if c["method"] == "sendMessage"]
text = sent[0].get("text", "") if sent and str(sent[0].get("chat_id")) == "5151" else ""
print(next((c for c in sys.argv[2:] if c in text), ""))
EOF
)
[ -n "$TG_CODE" ] || fail "telegram-start: the private reply to chat 5151 holds no imported code"
[ "$TG_CODE" != "$CODE" ] || fail "telegram-start: the Telegram follower got the web follower's code"
invoke promo-telegram telegram-start.json telegram-redelivered
expect telegram-redelivered status 200
[ "$(sent_messages)" = 1 ] ||
  fail "telegram-redelivered: the same update_id again sent another message"

step "discord: POST /discord/interactions, PING signed with Ed25519"
invoke promo-discord discord-ping.json discord-bad-signature "$WORK/stranger.pem"
expect discord-bad-signature status 401
invoke promo-discord discord-ping.json discord-ping "$WORK/discord.pem"
expect discord-ping status 200
expect_json discord-ping
expect discord-ping body.type 1
[ "$(answer discord-ping body)" = '{"type":1}' ] || fail "discord-ping: the body is $(answer discord-ping body), expected exactly {\"type\":1}"

step "discord: POST /discord/interactions, /claim in the bot's DM"
invoke promo-discord discord-claim.json discord-claim "$WORK/discord.pem"
expect discord-claim status 200
expect_json discord-claim
expect discord-claim body.type 4
expect discord-claim body.data.flags 64
DC_TEXT=$(answer discord-claim body.data.content)
DC_CODE=""
for c in "${CODES[@]}"; do case $DC_TEXT in *"$c"*) DC_CODE=$c ;; esac; done
[ -n "$DC_CODE" ] || fail "discord-claim: the ephemeral reply holds no imported code: $DC_TEXT"
[ "$DC_CODE" != "$CODE" ] && [ "$DC_CODE" != "$TG_CODE" ] ||
  fail "discord-claim: the Discord follower got a code already issued to another follower"

step "passed: issue, Telegram and Discord under cargo lambda watch $CARGO_LAMBDA_VERSION"
