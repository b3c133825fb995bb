#!/usr/bin/env bash
# Deploys promo into the seller's AWS account in one command:
#   build (cargo lambda) -> deploy (SAM) -> fill the secrets (Secrets Manager) -> Telegram
#   webhook -> Discord endpoint URL and commands -> print the endpoints and the invite link.
#
# Usage: infra/deploy.sh --stack NAME --region REGION [--arm64] [--alarm-email ADDR]
#                        [--reserved-concurrency auto|0|TELEGRAM,DISCORD,STATS] [--dry-run]
#
# Bot settings come from the environment: a bot with none of its variables set is skipped, a
# bot with only some of them is refused (naming the missing ones):
#   PROMO_TELEGRAM_TOKEN, PROMO_TELEGRAM_BOT (username)
#   PROMO_DISCORD_TOKEN, PROMO_DISCORD_APP_ID, PROMO_DISCORD_PUBLIC_KEY
# --reserved-concurrency: auto (default) reserves 40,100,10 for the Telegram webhook, the
# Discord endpoint and the dashboards when the account's Lambda limit allows it, else none.
# --dry-run prints every step and runs none; secret values are never printed, and never put on
# a command line: they go through files only this user can read, removed on exit.
# For the deploy rehearsal (tests/contracts/aws/rehearsal.sh): PROMO_DEPLOY_PROFILE=dev builds
# the functions unoptimised (minutes sooner); PROMO_CLI=<a built promo binary> runs that
# instead of `cargo run --release -p promo-cli`.
set -euo pipefail

usage() {
  sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

stack="" region="" arch="x86_64" alarm_email="" dry_run=0 reserved="auto"
while [ $# -gt 0 ]; do
  case "$1" in
    --stack) stack="${2:-}"; shift 2 ;;
    --region) region="${2:-}"; shift 2 ;;
    --arm64) arch="arm64"; shift ;;
    --alarm-email) alarm_email="${2:-}"; shift 2 ;;
    --reserved-concurrency) reserved="${2:-}"; shift 2 ;;
    --dry-run) dry_run=1; shift ;;
    -h|--help) usage ;;
    *) echo "unknown argument: $1" >&2; usage ;;
  esac
done
[ -n "$stack" ] && [ -n "$region" ] || { echo "--stack and --region are required" >&2; usage; }
# CloudFormation takes 128 characters; 57 leave room for the schedules' names (`<stack>-expire`,
# within EventBridge Scheduler's 64).
[[ "$stack" =~ ^[A-Za-z][A-Za-z0-9-]{0,56}$ ]] \
  || { echo "invalid stack name: $stack (a letter, then letters, digits and -, at most 57)" >&2; exit 2; }
[[ "$reserved" =~ ^(auto|0|[0-9]{1,4},[0-9]{1,4},[0-9]{1,4})$ ]] \
  || { echo "--reserved-concurrency must be auto, 0 or TELEGRAM,DISCORD,STATS" >&2; exit 2; }

# A bot is deployed with all of its variables or none: a token without its username (or an app
# without its public key) would deploy a bot that fails on its first update.
bot_vars() {
  local bot="$1" set=() missing=() name; shift
  for name in "$@"; do
    if [ -n "${!name:-}" ]; then set+=("$name"); else missing+=("$name"); fi
  done
  if [ "${#set[@]}" -gt 0 ] && [ "${#missing[@]}" -gt 0 ]; then
    echo "$bot is half set: ${missing[*]} not set (${set[*]} set). Set all of them, or none to deploy without $bot." >&2
    exit 2
  fi
}
bot_vars Telegram PROMO_TELEGRAM_TOKEN PROMO_TELEGRAM_BOT
bot_vars Discord PROMO_DISCORD_TOKEN PROMO_DISCORD_APP_ID PROMO_DISCORD_PUBLIC_KEY

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
step_no=0

# Secret values only ever pass through files in this directory: created 0700 (files 0600 by
# the umask), removed however the script ends.
umask 077
work="$(mktemp -d "${TMPDIR:-/tmp}/promo-deploy.XXXXXX")"
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
scratch() { mktemp "$work/$1.XXXXXX"; }

# Prints a step; runs it unless --dry-run. Arguments are the command, quoted as given.
step() {
  local what="$1"; shift
  step_no=$((step_no + 1))
  printf '[%d] %s\n    $ %s\n' "$step_no" "$what" "$*"
  if [ "$dry_run" -eq 0 ]; then "$@"; fi
}

# Like step, for commands that handle secrets: prints `shown` instead of the command.
secret_step() {
  local what="$1" shown="$2"; shift 2
  step_no=$((step_no + 1))
  printf '[%d] %s\n    $ %s\n' "$step_no" "$what" "$shown"
  if [ "$dry_run" -eq 0 ]; then "$@"; fi
}

# The stack's outputs as `key<TAB>value` lines (nothing if the stack does not exist yet).
stack_outputs() {
  aws cloudformation describe-stacks --region "$region" --stack-name "$stack" \
    --query "Stacks[0].Outputs[].[OutputKey,OutputValue]" --output text 2>/dev/null || true
}
outputs=""
output() {
  if [ "$dry_run" -eq 1 ]; then echo "<$1 from stack outputs>"; return; fi
  local value
  value="$(printf '%s\n' "$outputs" | awk -F '\t' -v k="$1" '$1 == k { print $2 }')"
  [ -n "$value" ] || { echo "the stack has no output $1" >&2; exit 1; }
  printf '%s\n' "$value"
}

if [ "$dry_run" -eq 0 ]; then
  for tool in cargo-lambda sam aws python3; do
    command -v "$tool" >/dev/null || { echo "missing tool: $tool (see README, Deploy)" >&2; exit 1; }
  done
fi

# shellcheck source=infra/functions.sh
source "$root/infra/functions.sh"
# release unless the rehearsal asks for dev: what a seller deploys is always optimised.
case "${PROMO_DEPLOY_PROFILE:-release}" in
  release) build_flags=(--release) ;;
  dev) build_flags=() ;;
  *) echo "PROMO_DEPLOY_PROFILE must be release or dev" >&2; exit 2 ;;
esac
[ "$arch" = "arm64" ] && build_flags+=(--arm64)
for package in "${FUNCTION_PACKAGES[@]}"; do build_flags+=(-p "$package"); done
step "build every function for provided.al2023 ($arch)" \
  cargo lambda build "${build_flags[@]}"

# Reserved concurrency for the public functions (Telegram, Discord, dashboards). Lambda refuses
# a reservation that leaves less than 100 of the account's limit unreserved, and a new account
# may have a limit of 10: there, deploy unreserved and say how to raise the limit.
wanted=(40 100 10)
case "$reserved" in
  0) concurrency=(0 0 0) ;;
  auto)
    concurrency=("${wanted[@]}")
    if [ "$dry_run" -eq 0 ]; then
      limit="$(aws lambda get-account-settings --region "$region" \
        --query AccountLimit.ConcurrentExecutions --output text 2>/dev/null || true)"
      need=$((wanted[0] + wanted[1] + wanted[2] + 100))
      if [[ "$limit" =~ ^[0-9]+$ ]] && [ "$limit" -lt "$need" ]; then
        concurrency=(0 0 0)
        cat >&2 <<EOF
note: this account's Lambda concurrency limit is $limit; reserving ${wanted[*]} for the
      Telegram webhook, the Discord endpoint and the dashboards needs at least $need. Deploying
      without reservations: a flood on those routes can then take the claims' capacity.
      Ask for more (Service Quotas > AWS Lambda > Concurrent executions) and deploy again.
EOF
      fi
    fi
    ;;
  *) IFS=, read -r -a concurrency <<<"$reserved" ;;
esac

reserved_note=""
if [ "$reserved" = auto ] && [ "$dry_run" -eq 1 ]; then
  reserved_note=" if the account's limit allows, else 0"
fi

# A stack from before the secrets were split had one secret (output SecretId) holding every
# value. Its API key, link secret and webhook secret are carried over, so that the seller's
# integrations, the links already posted and the webhook keep working.
legacy=""
if [ "$dry_run" -eq 0 ]; then
  legacy_id="$(stack_outputs | awk -F '\t' '$1 == "SecretId" { print $2 }')"
  if [ -n "$legacy_id" ]; then
    legacy="$(scratch legacy)"
    aws secretsmanager get-secret-value --region "$region" --secret-id "$legacy_id" \
      --query SecretString --output text >"$legacy"
    echo "    (carrying the values of $legacy_id over to the new secrets)"
  fi
fi

# NAME=VALUE for --parameter-overrides. sam refuses a bare `NAME=` ("not a valid format"), so an
# empty value is passed quoted, `NAME=""`, which sam reads as empty (found by the rehearsal).
param() { if [ -n "$2" ]; then printf '%s=%s' "$1" "$2"; else printf '%s=""' "$1"; fi; }
step "deploy the stack $stack to $region" \
  sam deploy --template-file infra/template.yaml --stack-name "$stack" --region "$region" \
    --capabilities CAPABILITY_IAM --resolve-s3 --no-fail-on-empty-changeset \
    --parameter-overrides "Architecture=$arch" "$(param AlarmEmail "$alarm_email")" \
      "$(param TelegramBotUsername "${PROMO_TELEGRAM_BOT:-}")" \
      "$(param DiscordApplicationId "${PROMO_DISCORD_APP_ID:-}")" \
      "TelegramReservedConcurrency=${concurrency[0]}" "DiscordReservedConcurrency=${concurrency[1]}" \
      "StatsReservedConcurrency=${concurrency[2]}"

if [ "$dry_run" -eq 0 ]; then outputs="$(stack_outputs)"; fi
api_url="$(output ApiUrl)"
table="$(output TableName)"
api_key_secret="$(output ApiKeySecretId)"
link_secret="$(output LinkSecretId)"
telegram_secret="$(output TelegramSecretId)"
discord_secret="$(output DiscordSecretId)"

# Fills secret `id`: each NAME=rule keeps the secret's current value, else the legacy one, else
# `generate`s one, or, for `env`, takes the deploy's environment variable NAME when it is set.
# The merged JSON goes to a 0600 file that `--secret-string file://` reads; a secret whose
# values did not change gets no new version.
fill_secret() {
  local id="$1"; shift
  local current merged
  current="$(scratch current)"
  merged="$(scratch merged)"
  aws secretsmanager get-secret-value --region "$region" --secret-id "$id" \
    --query SecretString --output text >"$current"
  if python3 - "$current" "${legacy:-}" "$merged" "$@" <<'PY'
import json, os, secrets, sys
current_path, legacy_path, out_path, rules = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
def load(path):
    try:
        with open(path) as f:
            doc = json.load(f)
    except (OSError, ValueError):
        return {}
    return doc if isinstance(doc, dict) else {}
current, legacy = load(current_path), (load(legacy_path) if legacy_path else {})
doc = {k: v for k, v in current.items() if isinstance(v, str)}
for rule in rules:
    name, how = rule.split("=", 1)
    value = os.environ.get(name, "").strip() if how == "env" else ""
    value = value or doc.get(name, "").strip() or str(legacy.get(name, "")).strip()
    if not value and how == "generate":
        value = secrets.token_urlsafe(32)
    doc[name] = value
with open(out_path, "w") as f:
    json.dump(doc, f)
sys.exit(0 if doc != current else 3)
PY
  then
    aws secretsmanager put-secret-value --region "$region" --secret-id "$id" \
      --secret-string "file://$merged" >/dev/null
  else
    [ $? -eq 3 ] || { echo "could not fill $id" >&2; exit 1; }
  fi
  rm -f "$current" "$merged"
}
fill_secrets() {
  fill_secret "$api_key_secret" PROMO_API_KEY=generate
  fill_secret "$link_secret" PROMO_LINK_SECRET=generate
  fill_secret "$telegram_secret" PROMO_TELEGRAM_TOKEN=env PROMO_TELEGRAM_SECRET=generate
  fill_secret "$discord_secret" PROMO_DISCORD_TOKEN=env PROMO_DISCORD_PUBLIC_KEY=env
}
secret_step "fill the secrets: generated keys (kept once made), the bot tokens from the environment" \
  "aws secretsmanager put-secret-value --secret-id <each secret> --secret-string file://<0600 file>" \
  fill_secrets

if [ -n "${PROMO_CLI:-}" ]; then cli=("$PROMO_CLI"); else cli=(cargo run --quiet --release -p promo-cli --); fi
promo=(env "PROMO_TABLE=$table" "AWS_REGION=$region" "${cli[@]}")
if [ -n "${PROMO_TELEGRAM_TOKEN:-}" ]; then
  # The webhook's secret token reaches the CLI in its environment, not its arguments; the CLI
  # prints the secret after its first line, which is all that is shown here.
  set_webhook() {
    local file hook
    file="$(scratch telegram)"
    aws secretsmanager get-secret-value --region "$region" --secret-id "$telegram_secret" \
      --query SecretString --output text >"$file"
    hook="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["PROMO_TELEGRAM_SECRET"])' "$file")"
    rm -f "$file"
    PROMO_TELEGRAM_SECRET="$hook" "${promo[@]}" telegram set-webhook --url "$api_url" | sed -n 1p
  }
  secret_step "point the Telegram bot at $api_url/telegram/webhook" \
    "promo telegram set-webhook --url $api_url  (token and secret token in its environment)" \
    set_webhook
else
  echo "    (PROMO_TELEGRAM_TOKEN unset: Telegram skipped)"
fi

# The invite link, from the CLI (its scopes and permissions are defined there, once).
discord_invite() {
  if [ "$dry_run" -eq 1 ]; then echo '(promo discord invite)'; else "${promo[@]}" discord invite; fi
}
discord_lines="  Discord             not deployed (PROMO_DISCORD_TOKEN unset)"
if [ -n "${PROMO_DISCORD_TOKEN:-}" ]; then
  # The token reaches the CLI in its environment (PROMO_DISCORD_TOKEN), not its arguments.
  # Discord checks the endpoint with a signed PING before it takes the URL: the function is up
  # and its public key is in its secret by now.
  step "point the Discord application at $api_url/discord/interactions and register the slash commands" \
    "${promo[@]}" discord setup --url "$api_url"
  discord_lines="  Discord endpoint    $api_url/discord/interactions  (set as the application's Interactions Endpoint URL)
  Discord invite      $(discord_invite)"
else
  echo "    (PROMO_DISCORD_TOKEN unset: Discord skipped)"
fi

cat <<EOF

promo is deployed: stack $stack in $region.
  API                 $api_url  (header x-api-key: the PROMO_API_KEY in $api_key_secret)
  claims              POST $api_url/v1/campaigns/{campaign}/claims
  redemptions         POST $api_url/v1/redemptions
  Telegram webhook    $api_url/telegram/webhook
$discord_lines
  link secret         $link_secret  (PROMO_LINK_SECRET for \`promo influencer link\`)
  reserved            Telegram ${concurrency[0]}, Discord ${concurrency[1]}, dashboards ${concurrency[2]} (0: unreserved)$reserved_note
  seller CLI          PROMO_TABLE=$table AWS_REGION=$region promo campaign list
EOF
