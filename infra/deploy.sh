#!/usr/bin/env bash
# Deploys promo into the seller's AWS account in one command:
#   build (cargo lambda) -> deploy (SAM) -> store secrets (Secrets Manager) -> Telegram webhook
#   -> Discord commands -> print the endpoints.
#
# Usage: infra/deploy.sh --stack NAME --region REGION [--arm64] [--alarm-email ADDR] [--dry-run]
#
# Bot settings come from the environment (a bot whose token is unset is skipped):
#   PROMO_TELEGRAM_TOKEN, PROMO_TELEGRAM_BOT (username)
#   PROMO_DISCORD_TOKEN, PROMO_DISCORD_APP_ID, PROMO_DISCORD_PUBLIC_KEY
# --dry-run prints every step and runs none; secret values are never printed.
set -euo pipefail

usage() {
  sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

stack="" region="" arch="x86_64" alarm_email="" dry_run=0
while [ $# -gt 0 ]; do
  case "$1" in
    --stack) stack="${2:-}"; shift 2 ;;
    --region) region="${2:-}"; shift 2 ;;
    --arm64) arch="arm64"; shift ;;
    --alarm-email) alarm_email="${2:-}"; shift 2 ;;
    --dry-run) dry_run=1; shift ;;
    -h|--help) usage ;;
    *) echo "unknown argument: $1" >&2; usage ;;
  esac
done
[ -n "$stack" ] && [ -n "$region" ] || { echo "--stack and --region are required" >&2; usage; }
[[ "$stack" =~ ^[A-Za-z][A-Za-z0-9-]{0,127}$ ]] || { echo "invalid stack name: $stack" >&2; exit 2; }

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
step_no=0

# Prints a step; runs it unless --dry-run. Arguments are the command, quoted as given.
step() {
  local what="$1"; shift
  step_no=$((step_no + 1))
  printf '[%d] %s\n    $ %s\n' "$step_no" "$what" "$*"
  if [ "$dry_run" -eq 0 ]; then "$@"; fi
}

# Like step, for commands whose arguments carry secrets: prints `shown` instead of them.
secret_step() {
  local what="$1" shown="$2"; shift 2
  step_no=$((step_no + 1))
  printf '[%d] %s\n    $ %s\n' "$step_no" "$what" "$shown"
  if [ "$dry_run" -eq 0 ]; then "$@"; fi
}

output() {
  if [ "$dry_run" -eq 1 ]; then echo "<$1 from stack outputs>"; return; fi
  aws cloudformation describe-stacks --region "$region" --stack-name "$stack" \
    --query "Stacks[0].Outputs[?OutputKey=='$1'].OutputValue" --output text
}

if [ "$dry_run" -eq 0 ]; then
  for tool in cargo-lambda sam aws python3; do
    command -v "$tool" >/dev/null || { echo "missing tool: $tool (see README, Deploy)" >&2; exit 1; }
  done
fi

# shellcheck source=infra/functions.sh
source "$root/infra/functions.sh"
build_flags=(--release)
[ "$arch" = "arm64" ] && build_flags+=(--arm64)
for package in "${FUNCTION_PACKAGES[@]}"; do build_flags+=(-p "$package"); done
step "build every function for provided.al2023 ($arch)" \
  cargo lambda build "${build_flags[@]}"

step "deploy the stack $stack to $region" \
  sam deploy --template-file infra/template.yaml --stack-name "$stack" --region "$region" \
    --capabilities CAPABILITY_IAM --resolve-s3 --no-fail-on-empty-changeset \
    --parameter-overrides "Architecture=$arch" "AlarmEmail=$alarm_email" \
      "TelegramBotUsername=${PROMO_TELEGRAM_BOT:-}" "DiscordApplicationId=${PROMO_DISCORD_APP_ID:-}"

api_url="$(output ApiUrl)"
table="$(output TableName)"
secret_id="$(output SecretId)"

# Merges the bot tokens into the stack's secret; keeps the generated API key, and generates the
# link secret and the Telegram webhook secret once (kept on later deploys).
merge_secrets() {
  local current
  current="$(aws secretsmanager get-secret-value --region "$region" --secret-id "$secret_id" \
    --query SecretString --output text)"
  CURRENT="$current" python3 - "$region" "$secret_id" <<'PY'
import json, os, secrets, subprocess, sys
region, secret_id = sys.argv[1], sys.argv[2]
doc = json.loads(os.environ["CURRENT"])
for name in ("PROMO_LINK_SECRET", "PROMO_TELEGRAM_SECRET"):
    if not doc.get(name):
        doc[name] = secrets.token_urlsafe(32)
for name in ("PROMO_TELEGRAM_TOKEN", "PROMO_DISCORD_TOKEN", "PROMO_DISCORD_PUBLIC_KEY"):
    if os.environ.get(name):
        doc[name] = os.environ[name]
subprocess.run(["aws", "secretsmanager", "put-secret-value", "--region", region,
                "--secret-id", secret_id, "--secret-string", json.dumps(doc)],
               check=True, stdout=subprocess.DEVNULL)
PY
}
secret_step "store the bot tokens and generated secrets in $secret_id" \
  "aws secretsmanager put-secret-value --secret-id $secret_id --secret-string <redacted>" \
  merge_secrets

secret_value() {
  aws secretsmanager get-secret-value --region "$region" --secret-id "$secret_id" \
    --query SecretString --output text | python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"
}

promo=(env "PROMO_TABLE=$table" "AWS_REGION=$region" cargo run --quiet --release -p promo-cli --)
if [ -n "${PROMO_TELEGRAM_TOKEN:-}" ]; then
  set_webhook() {
    PROMO_TELEGRAM_SECRET="$(secret_value PROMO_TELEGRAM_SECRET)" \
      "${promo[@]}" telegram set-webhook --url "$api_url"
  }
  secret_step "point the Telegram bot at $api_url/telegram/webhook" \
    "promo telegram set-webhook --url $api_url --secret <from the stack's secret>" set_webhook
else
  echo "    (PROMO_TELEGRAM_TOKEN unset: Telegram skipped)"
fi

if [ -n "${PROMO_DISCORD_TOKEN:-}" ]; then
  step "register the Discord slash commands" "${promo[@]}" discord register-commands
else
  echo "    (PROMO_DISCORD_TOKEN unset: Discord skipped)"
fi

cat <<EOF

promo is deployed: stack $stack in $region.
  API                 $api_url  (header x-api-key: the PROMO_API_KEY in $secret_id)
  claims              POST $api_url/v1/campaigns/{campaign}/claims
  redemptions         POST $api_url/v1/redemptions
  Telegram webhook    $api_url/telegram/webhook
  Discord endpoint    $api_url/discord/interactions  (paste into the developer portal)
  seller CLI          PROMO_TABLE=$table AWS_REGION=$region promo campaign list
EOF
