#!/usr/bin/env bash
# Whole-run scale benchmark. Usage: benches/scale.sh [N ...]   (default: 10000 100000)
# For each N and input format (csv, xlsx): generate a workspace, time
# `paybatch run` end to end with peak RSS (/usr/bin/time -v), time the I/O
# floor (read the same inputs, write the same outputs with their formats,
# nothing else; on all cores, and on one for reference), and print the
# table; then the calc kernel's employee-months per second per core.
# FORMATS="csv" (default "csv xlsx"): the input formats to bench.
# REPEAT=n (default 3): n pairs of a timed run and the all-cores floor
# right after it; the table has the median run, the median floor parts and
# the median of the pairs' ratios (the shared 2-core VM's speed drifts by
# up to a third within minutes, which a run timed apart from its floor
# would read as a change in b/a). CPU b/a: the same median ratio of CPU
# time (user + system), steadier than wall time on a drifting machine;
# user b/a: the same for user time alone, which the kernel's share (on
# this VM, page-cache writes whose cost moves by a third between benches)
# does not touch.
# Dirty pages are synced (untimed) before each half of a pair. Peak RSS is
# from one more run.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/paybatch-target}"
cargo build --release --quiet --bin paybatch --example io_floor
B="$CARGO_TARGET_DIR/release/paybatch"
FLOOR="$CARGO_TARGET_DIR/release/examples/io_floor"
[ $# -gt 0 ] || set -- 10000 100000
REPEAT="${REPEAT:-3}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf '| employees | inputs | I/O floor a, all cores (s) | floor, 1 core (s) | paybatch run b (s) | b/a | CPU b/a | user b/a | peak RSS (MB) |\n|---:|---|---:|---:|---:|---:|---:|---:|---:|\n'
for n in "$@"; do
  for fmt in ${FORMATS:-csv xlsx}; do
    ws="$work/ws-$n-$fmt"
    "$B" -q gen -n "$n" -p 2026-01 -o "$ws" --input-format "$fmt"
    # The generated files go to disk first, so that the first timed run
    # does not pay for their writeback.
    sync
    # One run for the peak RSS (and the outputs the floor rewrites)...
    rm -rf "$ws/ledger/2026-01"
    /usr/bin/time -v "$B" -q -w "$ws" run -p 2026-01 2> "$work/time.txt" || true
    rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$work/time.txt")
    # ...then REPEAT pairs: a timed run, then the all-cores floor right
    # after it; b/a is the median of the pairs' ratios.
    read -r r1 w1 rp wp b ratio cpu user < <("$FLOOR" "$ws" 2026-01 "$REPEAT" "$B")
    a=$(echo "$rp + $wp" | bc -l)
    a1=$(echo "$r1 + $w1" | bc -l)
    printf '| %s | %s | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %s |\n' "$n" "$fmt" "$a" "$a1" "$b" "$ratio" "$cpu" "$user" "$rss"
    rm -rf "$ws"
  done
done
[ -n "${SKIP_KERNEL:-}" ] && exit 0   # SKIP_KERNEL=1: the table only
echo
cargo bench --quiet --bench calc -- --noplot 2>/dev/null | awk '/thrpt:/ {print "calc kernel (one core): " $4 " " $5 " employee-months/s (median)"; exit}'
