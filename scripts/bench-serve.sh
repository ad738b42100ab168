#!/usr/bin/env bash
# How long `relpack serve` takes to show an edit (a benchmark, not a test):
# the time from saving a changed requirement to the server's next
# generation, read from /__relpack/status. Usage:
#   bash scripts/bench-serve.sh [BIN] [TREE]
# BIN defaults to target/release/relpack; TREE to a generated 4.2k-item tree.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/release/relpack}
tree=${2:-}
if [ -z "$tree" ]; then
  gen=${GEN:-target/release/examples/gen_tree}
  tree=$(mktemp -d)/doorstop
  "$gen" "$tree" --requirements 1000 --tests 3000 --results 1000 --hazards 200 >/dev/null
fi
log=$(mktemp)
"$bin" serve "$tree" --port 0 2>"$log" &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
until grep -q http "$log"; do sleep 0.1; done
url=$(grep -o 'http://[^ ]*' "$log")
gen_of() { curl -s "${url}__relpack/status" | sed 's/.*"generation":\([0-9]*\).*/\1/'; }
file=$(grep -rl '^\[\[requirement\]\]' "$tree" | head -1)
for n in 1 2 3 4 5; do
  before=$(gen_of)
  start=$(date +%s.%N)
  sed -i "0,/^title = \"/s//title = \"edit $n /" "$file"
  while [ "$(gen_of)" = "$before" ]; do sleep 0.02; done
  end=$(date +%s.%N)
  printf 'edit %d shown after %.2f s\n' "$n" "$(echo "$end - $start" | bc)"
done
