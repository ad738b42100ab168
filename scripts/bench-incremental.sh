#!/usr/bin/env bash
# Incremental builds (a benchmark, not a test): a full build into a fresh
# OUT on this machine's disk, then a one-item edit rebuilt into the same OUT
# (incremental: unchanged files linked from the earlier build), then the
# same edit with --clean (everything written again), each timed.
#   bash scripts/bench-incremental.sh [BIN] [GEN] [-- gen_tree options]
# BIN defaults to target/release/relpack, GEN to the release gen_tree. The
# tree is the 101k-item generated one unless options are given after --.
# From the second check on, relpack.toml names a parse cache folder beside
# the tree, which the builds then use too.
# OUT is a fresh folder on disk (under BENCH_DIR, default target/),
# never one where many files were just deleted: on this disk creating files
# right after deleting many is about ten times slower.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/release/relpack}
gen=${2:-target/release/examples/gen_tree}
shift $(( $# >= 2 ? 2 : $# ))
[ "${1:-}" = "--" ] && shift
work=$(mktemp -d "${BENCH_DIR:-$PWD/target}/relpack-bench-inc-XXXX")
trap 'rm -rf "$work"' EXIT
"$gen" "$work/tree" "$@" >/dev/null
out="$work/out"
t() { # label, command...
  local label=$1; shift
  /usr/bin/time -f "%e s  %M KiB" -o "$work/time.txt" "$@" >/dev/null 2>&1 || true
  printf '%-52s %s\n' "$label" "$(cat "$work/time.txt")"
}
file=$(grep -rl '^\[\[requirement\]\]' "$work/tree" | head -1 || true)
edit() { sed -i "0,/^title = \"/s//title = \"edit $1 /" "$file"; }
export SOURCE_DATE_EPOCH=1763600000
t "check" "$bin" check "$work/tree" -q
# The parse cache (relpack.toml [cache] folder, outside the tree): the
# first check fills it, the next read from it.
printf '\n[cache]\nfolder = "../parse-cache"\n' >> "$work/tree/relpack.toml"
t "check, filling the parse cache" "$bin" check "$work/tree" -q
for i in 1 2 3; do t "check from the parse cache ($i)" "$bin" check "$work/tree" -q; done
t "build --no-pdf, fresh OUT" "$bin" build "$work/tree" --out "$out" --no-pdf -q
sync; sleep 2
edit 1
t "one edit, build --no-pdf into the same OUT" "$bin" build "$work/tree" --out "$out" --no-pdf -q
# From the second rebuild on, the folder replaced the time before is kept
# as the spare that the next build starts from (see src/reuse.rs). Five,
# as the shared host's timings vary by a third.
for i in 2 3 4 5 6; do
  edit "$i"
  t "one edit, same OUT again ($i)" "$bin" build "$work/tree" --out "$out" --no-pdf -q
done
edit 7
t "one edit, build --no-pdf --clean into the same OUT" "$bin" build "$work/tree" --out "$out" --no-pdf --clean -q
