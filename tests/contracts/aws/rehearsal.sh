#!/usr/bin/env bash
# The deploy rehearsal: infra/deploy.sh, run end to end twice against moto on loopback, with fake
# Telegram and Discord APIs. Checks that the stack is built from the SAM-transformed template,
# that the table is the store's definition, that the secrets hold the bot tokens, that the
# webhook, the Discord Interactions Endpoint URL and the slash commands were set; runs a campaign
# with the seller CLI against the stack's table; then deploys again and checks that nothing was
# made twice or lost its value.
#
# Usage: tests/contracts/aws/rehearsal.sh
#   PROMO_CLI       a built seller CLI (default target/debug/promo, as `cargo test` leaves it)
#   PROMO_DEPLOY_PROFILE  the functions' build profile (default dev here: a release build of
#                   six packages takes far longer, and moto never runs the code)
#   PROMO_TOOLS     where the pinned tools' venv is kept (default ~/.cache/promo-tools)
#   CARGO_LAMBDA_COMPILER  cargo lambda's compiler (default cargo here, see below)
# Nothing leaves loopback: every AWS client is pointed at moto with AWS_ENDPOINT_URL, and no
# credentials or config file of this user are read.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
# shellcheck source=tests/contracts/aws/venv.sh
source "$here/venv.sh"
fail() { echo "FAILED: $*" >&2; exit 1; }
started=$(date +%s)

bin="$(tool_venv aws-deploy-venv "moto[server]==5.2.5" "awscli==1.45.11" "aws-sam-cli==1.162.1" \
  "cargo-lambda==1.9.2")"
export PROMO_CLI="${PROMO_CLI:-$root/target/debug/promo}"
[ -x "$PROMO_CLI" ] || fail "no seller CLI at $PROMO_CLI (cargo build -p promo-cli, or set PROMO_CLI)"
export PROMO_DEPLOY_PROFILE="${PROMO_DEPLOY_PROFILE:-dev}"
# cargo lambda links with zig by default (for Lambda's older glibc); the host's own compiler
# built the six packages in 9.7 min against zig's 16.6 (one job, here). The binaries are never
# run by moto, so the rehearsal takes the faster one; a seller's deploy keeps zig.
export CARGO_LAMBDA_COMPILER="${CARGO_LAMBDA_COMPILER:-cargo}"

umask 077
work="$(mktemp -d "${TMPDIR:-/tmp}/promo-rehearsal.XXXXXX")"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_port() {
  for _ in $(seq 100); do
    python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1)' "$1" \
      2>/dev/null && return
    sleep 0.2
  done
  fail "$2 did not start on 127.0.0.1:$1 (see its log above)"
}

moto_port="$(free_port)"
"$bin/python" "$here/moto_cfn.py" "$moto_port" >"$work/moto.log" 2>&1 &
pids+=($!)
fake_port="$(free_port)"
touch "$work/platforms.jsonl"
python3 "$here/fake_platforms.py" "$fake_port" "$work/platforms.jsonl" >"$work/fakes.log" 2>&1 &
pids+=($!)
wait_port "$moto_port" moto || { cat "$work/moto.log" >&2; exit 1; }
wait_port "$fake_port" "the fake platforms"
echo "moto on 127.0.0.1:$moto_port, fake Telegram and Discord APIs on 127.0.0.1:$fake_port"

# Every AWS client (aws, sam, boto3, the Rust SDK in the CLI) honours AWS_ENDPOINT_URL. It names
# localhost, not 127.0.0.1: moto finds the bucket of a change set's TemplateURL in the path only
# for a localhost URL.
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_DEFAULT_PROFILE
export AWS_ENDPOINT_URL="http://localhost:$moto_port" AWS_ACCESS_KEY_ID=rehearsal \
  AWS_SECRET_ACCESS_KEY=rehearsal AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 \
  AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null SAM_CLI_TELEMETRY=0 \
  AWS_EC2_METADATA_DISABLED=true
# The bots, as a seller sets them, and where the CLI finds their APIs.
export PROMO_TELEGRAM_TOKEN="123456:rehearsal-telegram-token" PROMO_TELEGRAM_BOT=shop_bot \
  PROMO_DISCORD_TOKEN="rehearsal-discord-token" PROMO_DISCORD_APP_ID=1234567890 \
  PROMO_DISCORD_PUBLIC_KEY="$(python3 -c 'print("ab" * 32)')" \
  PROMO_TELEGRAM_API_URL="http://127.0.0.1:$fake_port" PROMO_DISCORD_API_URL="http://127.0.0.1:$fake_port"
export PATH="$bin:$PATH"
# sam asks PyPI for a newer version of itself once a week, unless its own metadata says it just
# did: a private config directory that says so keeps it on loopback too.
export __SAM_CLI_APP_DIR="$work/sam"
mkdir -p "$__SAM_CLI_APP_DIR"
python3 -c 'import json,sys,time; json.dump({"lastVersionCheck": time.time(), "telemetryEnabled": False}, open(sys.argv[1], "w"))' \
  "$__SAM_CLI_APP_DIR/metadata.json"
stack=promo-rehearsal

# The store's own table definition (schema.rs), made by the CLI, to compare the stack's with.
PROMO_TABLE=promo-schema-reference "$PROMO_CLI" table create >/dev/null \
  || fail "promo table create (the reference table)"

deploy() {
  local log="$work/deploy-$1.log" t0; t0=$(date +%s)
  echo "== deploy.sh ($1)"
  "$root/infra/deploy.sh" --stack "$stack" --region us-east-1 >"$log" 2>&1 \
    || { tail -40 "$log" >&2; echo "-- moto:" >&2; tail -30 "$work/moto.log" >&2
         fail "infra/deploy.sh ($1), logs above"; }
  grep -E '^\[[0-9]+\]|^promo is deployed' "$log"
  echo "   ($(( $(date +%s) - t0 )) s)"
}
checks() {
  "$bin/python" "$here/stack_checks.py" "$stack" promo-schema-reference "$work/platforms.jsonl" \
    "$work/state.json" "$1" || fail "the stack after the $1 deploy (see FAILED lines above)"
}

deploy first
checks first

echo "== a campaign with the seller CLI against the stack's table"
table="$(aws cloudformation describe-stacks --stack-name "$stack" \
  --query "Stacks[0].Outputs[?OutputKey=='TableName'].OutputValue" --output text)"
link_secret_id="$(aws cloudformation describe-stacks --stack-name "$stack" \
  --query "Stacks[0].Outputs[?OutputKey=='LinkSecretId'].OutputValue" --output text)"
python3 - "$work/codes.txt" <<'PY'
import random, sys
alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
rng = random.Random(2026)
with open(sys.argv[1], "w") as f:
    for _ in range(40):
        f.write("-".join("".join(rng.choice(alphabet) for _ in range(n)) for n in (4, 6, 6)) + "\n")
PY
promo() { PROMO_TABLE="$table" "$PROMO_CLI" "$@"; }
promo campaign create spring --name Spring --product B0EXAMPLE1 --discount "20% off" --days 14 \
  >/dev/null || fail "promo campaign create"
# Output is read whole, then matched: `promo ... | grep -q` would close the pipe at the first
# match while promo still writes (with pipefail, a failure that depends on timing).
imported="$(promo codes import spring "$work/codes.txt")" || fail "promo codes import"
grep -q '^imported: 40$' <<<"$imported" || fail "promo codes import: not 40 imported"
promo influencer add spring alice --name Alice --quota 10 >/dev/null || fail "promo influencer add"
# The link secret goes to the CLI in its environment only, from a 0600 file.
aws secretsmanager get-secret-value --secret-id "$link_secret_id" --query SecretString \
  --output text >"$work/link.json"
links="$(PROMO_LINK_SECRET="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["PROMO_LINK_SECRET"])' \
  "$work/link.json")" promo influencer link spring alice --base-url https://api.example.test)" \
  || fail "promo influencer link"
grep -q 'https://t.me/shop_bot?start=' <<<"$links" || fail "promo influencer link: no deep link"
promo stats spring --json >"$work/stats.json" || fail "promo stats"
python3 - "$work/stats.json" <<'PY' || fail "promo stats: not the campaign just made"
import json, sys
doc = json.load(open(sys.argv[1]))
alice = [i for i in doc["influencers"] if i["influencer"] == "alice"]
assert doc["campaign"] == "spring" and doc["pool_size"] == 40 and doc["available_now"] == 40, doc
assert alice and alice[0]["quota"] == 10 and alice[0]["remaining"] == 10, doc["influencers"]
print("  ok      campaign spring: 40 codes imported, alice with a quota of 10, links signed, stats read")
PY

deploy again
checks again
# The campaign is still there: the update kept the table and its items.
after="$(promo stats spring --json)" || fail "promo stats after the second deploy"
grep -q '"pool_size": 40' <<<"$after" || fail "the campaign after the second deploy"
echo "  ok      the campaign survived the update"

# A Discord-only seller: Telegram's variables unset, so its functions are not deployed at all
# (the template's HasTelegram condition) and nothing calls the Bot API.
echo "== deploy.sh (a Discord-only stack)"
solo=promo-rehearsal-discord
calls_before="$(wc -l <"$work/platforms.jsonl")"
env -u PROMO_TELEGRAM_TOKEN -u PROMO_TELEGRAM_BOT \
  "$root/infra/deploy.sh" --stack "$solo" --region us-east-1 >"$work/deploy-solo.log" 2>&1 \
  || { tail -40 "$work/deploy-solo.log" >&2; echo "-- moto:" >&2; tail -30 "$work/moto.log" >&2
       fail "infra/deploy.sh (Discord only), logs above"; }
grep -q 'Telegram skipped' "$work/deploy-solo.log" || fail "the Discord-only deploy did not skip Telegram"
functions="$(aws cloudformation list-stack-resources --stack-name "$solo" \
  --query "StackResourceSummaries[?ResourceType=='AWS::Lambda::Function'].LogicalResourceId" \
  --output text | tr '\t' '\n' | sort | paste -sd' ' -)"
[ "$functions" = "DiscordFunction ExpireFunction IssueFunction RedeemFunction StatsFunction" ] \
  || fail "Discord-only stack functions: $functions"
schedules="$(aws scheduler list-schedules --query "Schedules[].Name" --output text | tr '\t' '\n' | sort | paste -sd' ' -)"
[ "$schedules" = "$solo-expire $stack-expire $stack-notify" ] \
  || fail "schedules after the Discord-only deploy (each stack's own, no notifier for it): $schedules"
python3 - "$work/platforms.jsonl" "$calls_before" <<'PY' || fail "the Discord-only deploy's calls"
import json, sys
calls = [json.loads(l) for l in open(sys.argv[1])][int(sys.argv[2]):]
telegram = [c for c in calls if c["path"].startswith("/bot")]
discord = [c["method"] + " " + c["path"] for c in calls if c["path"].startswith("/api/v10/")]
assert not telegram, f"the Bot API was called: {[c['path'].rsplit('/', 1)[-1] for c in telegram]}"
assert len(discord) == 2 and discord[0] == "PATCH /api/v10/applications/@me", discord
PY
echo "  ok      Discord only: five functions and one schedule (no Telegram webhook or notifier), no Bot API call, the endpoint set"
echo "  ok      two stacks in one account: each stack's schedules named after it"
echo "deploy rehearsal: OK ($(( $(date +%s) - started )) s)"
