#!/usr/bin/env bash
# Builds every Lambda function as infra/deploy.sh does (release profile, by package, so without
# the seller CLI's embedded engine) and prints each binary's size and the size of its deployment
# zip (`bootstrap`, deflated at level 9, as `cargo lambda build --output-format zip` packs it).
# Exits 1 if any zip reaches the 8 MB budget.
#
# Usage: infra/function-sizes.sh [--no-build]
set -euo pipefail
cd "$(dirname "$0")/.."

source infra/functions.sh
budget=$((8 * 1024 * 1024))
if [ "${1:-}" != "--no-build" ]; then
  packages=()
  for package in "${FUNCTION_PACKAGES[@]}"; do packages+=(-p "$package"); done
  cargo build --release --locked "${packages[@]}"
fi

python3 - "$budget" "${FUNCTION_BINARIES[@]}" <<'PY'
import io, os, sys, zipfile

budget, names = int(sys.argv[1]), sys.argv[2:]
over = []
print(f"{'function':<22} {'binary':>9} {'zip':>9}")
for name in names:
    path = os.path.join("target", "release", name)
    if not os.path.exists(path):
        sys.exit(f"{path} is not built")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        info = zipfile.ZipInfo("bootstrap")
        info.external_attr = 0o755 << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        with open(path, "rb") as f:
            z.writestr(info, f.read(), compresslevel=9)
    size, packed = os.path.getsize(path), buf.tell()
    mb = lambda b: f"{b / 1048576:.2f} MB"
    print(f"{name:<22} {mb(size):>9} {mb(packed):>9}")
    if packed >= budget:
        over.append(name)
if over:
    sys.exit(f"over the 8 MB zip budget: {', '.join(over)}")
print("every zip is under 8 MB")
PY
