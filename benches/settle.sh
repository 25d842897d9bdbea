#!/usr/bin/env bash
# `paybatch settle` on a generated year: N employees (default 100,000),
# the same month's inputs for January–December, each month run and closed,
# then the annual settlement preview timed (wall, peak RSS).
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-100000}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/paybatch-target}"
cargo build --release --quiet --bin paybatch
B="$CARGO_TARGET_DIR/release/paybatch"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$B" -q gen --employees "$n" --period 2026-01 --out "$work/ws" >/dev/null
for m in 02 03 04 05 06 07 08 09 10 11 12; do
  cp -r "$work/ws/inputs/2026-01" "$work/ws/inputs/2026-$m"
done
start=$(date +%s)
for m in 01 02 03 04 05 06 07 08 09 10 11 12; do
  "$B" -q -w "$work/ws" run -p "2026-$m" >/dev/null || [ $? -eq 0 ]
  "$B" -q -w "$work/ws" close -p "2026-$m" >/dev/null
done
echo "12 months run and closed: $(( $(date +%s) - start )) s"
/usr/bin/time -f "settle: %e s wall, peak RSS %M KiB" "$B" -q -w "$work/ws" settle --year 2026 >/dev/null
/usr/bin/time -f "settle --format json: %e s wall, peak RSS %M KiB" "$B" -q -w "$work/ws" --format json settle --year 2026 > "$work/settle.json"
python3 - "$work/settle.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
t = doc.get("totals", {})
print("employees:", len(doc.get("employees", [])), "totals:", {k: t[k] for k in list(t)[:8]})
PY
