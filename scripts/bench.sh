#!/usr/bin/env bash
# Benchmarks on generated trees (not tests: numbers, not pass/fail).
#   bash scripts/bench.sh            # all
# Prints wall time and peak memory of each run; uses the release binary.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --bins --examples -q
bin=target/release/relpack
gen=target/release/examples/gen_tree
work=${BENCH_DIR:-/tmp/relpack-bench}
mkdir -p "$work"

# Packets go to a fresh folder each time (OUT, default on tmpfs, so the
# numbers measure relpack rather than this machine's file-creation speed;
# set OUT=/some/disk/folder to include it). Each build writes into a fresh
# folder, removed only at the end: right after 100k files are deleted, ext4
# skips their inodes for a minute or more and creating files is much slower.
base=${OUT:-/dev/shm/relpack-bench-out}
rm -rf "$base"
run() { # label, command...
  local label=$1; shift
  /usr/bin/time -f "%e s  %M KiB" -o "$work/time.txt" "$@" >/dev/null 2>&1 || true
  printf '%-58s %s\n' "$label" "$(cat "$work/time.txt")"
}

"$gen" "$work/big" >/dev/null                                     # 101k items, 80k JUnit cases
"$gen" "$work/pdf" --requirements 5000 --tests 15000 --results 5000 --hazards 250 >/dev/null
"$gen" "$work/doorstop" --requirements 1000 --tests 3000 --results 1000 --hazards 200 >/dev/null
"$gen" "$work/junit" --requirements 1000 --tests 50000 --results 0 --hazards 0 --junit-files 50 >/dev/null

run "check, 100k items (20k req, 60k tests, 20k results)" "$bin" check "$work/big" -q
run "check, 100k JUnit cases in 50 files (50k tests)" "$bin" check "$work/junit" -q
run "build --no-pdf, 100k items (site, JSON, CSV)" "$bin" build "$work/big" --out "$base/1" --no-pdf -q
run "build, 4.2k items (1k req, 3k tests) with PDF" "$bin" build "$work/doorstop" --out "$base/2" -q
run "build --no-pdf, 4.2k items" "$bin" build "$work/doorstop" --out "$base/3" --no-pdf -q
run "build, 5k requirements + 15k tests, with PDF" "$bin" build "$work/pdf" --out "$base/4" -q
pdfinfo "$base/4/SYN-1.0.0/packet.pdf" 2>/dev/null | grep Pages || true

# The phi gate's scan alone, against the whole check (the goal: under 10%).
# RELPACK_TIMINGS=1 prints the scan's own line, "phi scan (took)".
scan_share() { # label, dir
  local start end scan
  start=$(date +%s.%N)
  RELPACK_TIMINGS=1 "$bin" check "$2" -q 2>"$work/timings.txt" >/dev/null || true
  end=$(date +%s.%N)
  scan=$(awk '/phi scan \(took\)/ { gsub(/[][]/, ""); print $1 }' "$work/timings.txt")
  awk -v l="$1" -v s="$scan" -v a="$start" -v b="$end" \
    'BEGIN { t = b - a; printf "%-58s %.3f s of %.3f s check (%.1f%%)\n", l, s, t, 100 * s / t }'
}
scan_share "phi scan, 100k items" "$work/big"
scan_share "phi scan, 100k JUnit cases" "$work/junit"
rm -rf "$base"
