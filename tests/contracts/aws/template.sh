#!/usr/bin/env bash
# The SAM template as AWS sees it: transforms infra/template.yaml with aws-sam-translator (the
# code of CloudFormation's own AWS::Serverless transform, run offline), lints the result with
# cfn-lint, and runs checkov on the raw and the transformed template. Zero errors, warnings and
# failed checks, except the reasoned skips in checkov-skips.txt beside this script.
#
# Usage: tests/contracts/aws/template.sh [OUT_DIR]   (the transformed template is written there,
# default a temporary directory removed on exit). The tools are pinned, in their own venv under
# ${PROMO_TOOLS:-$HOME/.cache/promo-tools}, reused while the pins match.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
# shellcheck source=tests/contracts/aws/venv.sh
source "$here/venv.sh"

bin="$(tool_venv aws-lint-venv "aws-sam-translator==1.115.0" "cfn-lint==1.51.0" "checkov==3.3.30")"

if [ $# -gt 0 ]; then out="$1"; mkdir -p "$out"
else out="$(mktemp -d "${TMPDIR:-/tmp}/promo-template.XXXXXX")"; trap 'rm -rf "$out"' EXIT; fi
transformed="$out/template.json"

fail() { echo "FAILED: $*" >&2; exit 1; }

"$bin/python" "$here/transform.py" "$root/infra/template.yaml" "$transformed" \
  || fail "aws-sam-translator could not transform infra/template.yaml"
echo "transform: $(grep -c '"Type": "AWS::' "$transformed") resources in $transformed"

# cfn-lint exits non-zero on any error or warning.
"$bin/cfn-lint" "$root/infra/template.yaml" || fail "cfn-lint on infra/template.yaml"
"$bin/cfn-lint" "$transformed" || fail "cfn-lint on the transformed template"
echo "cfn-lint: raw and transformed template clean"

skips="$(awk '/^CKV/ { print $1 }' "$here/checkov-skips.txt" | paste -sd, -)"
checkov() {
  local file="$1" report="$out/checkov-$(basename "$1").json"
  # --soft-fail: the verdict is read from the JSON below, which names each failed check.
  nice -n 19 "$bin/checkov" --quiet --compact --soft-fail --framework cloudformation \
    --skip-check "$skips" -f "$file" -o json >"$report" 2>"$report.log" \
    || { cat "$report.log" >&2; fail "checkov did not run on $file"; }
  "$bin/python" - "$report" "$file" <<'PY' || fail "checkov on $file"
import json, sys
doc = json.load(open(sys.argv[1]))
docs = doc if isinstance(doc, list) else [doc]
if not docs or "summary" not in docs[0]:
    sys.exit(f"checkov found nothing to check in {sys.argv[2]}")
failed = [c for d in docs for c in d["results"]["failed_checks"]]
summary = docs[0]["summary"]
if summary.get("parsing_errors"):
    sys.exit(f"checkov could not parse {sys.argv[2]}")
for c in failed:
    print(f"  {c['check_id']} {c['resource']}: {c['check_name']}", file=sys.stderr)
print(f"checkov {sys.argv[2]}: {summary['passed']} passed, {len(failed)} failed, {summary['skipped']} skipped")
sys.exit(1 if failed else 0)
PY
}
checkov "$root/infra/template.yaml"
checkov "$transformed"

# Negative controls: the same tools, run as above, must refuse a template broken on purpose, or
# the clean verdicts above would prove nothing.
broken="$out/broken"; mkdir -p "$broken"
sed 's/Runtime: provided.al2023/Runtime: provided.al2099/' "$root/infra/template.yaml" >"$broken/runtime.yaml"
sed 's/PointInTimeRecoveryEnabled: true/PointInTimeRecoveryEnabled: false/' "$root/infra/template.yaml" >"$broken/pitr.yaml"
cmp -s "$broken/runtime.yaml" "$root/infra/template.yaml" && fail "negative control: no Runtime line to break"
cmp -s "$broken/pitr.yaml" "$root/infra/template.yaml" && fail "negative control: no PITR line to break"
if "$bin/cfn-lint" "$broken/runtime.yaml" >/dev/null 2>&1; then
  fail "negative control: cfn-lint accepted an unknown Lambda runtime"
fi
if (checkov "$broken/pitr.yaml") >/dev/null 2>&1; then
  fail "negative control: checkov accepted a table without point-in-time recovery"
fi
echo "negative controls: cfn-lint refuses an unknown runtime, checkov a table without PITR"
echo "template contracts: OK (checkov skips, each with its reason: $skips)"
