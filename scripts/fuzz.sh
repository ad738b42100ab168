#!/usr/bin/env bash
# Fuzz every parser relpack has (cargo-fuzz, libFuzzer; needs the nightly
# toolchain and `cargo install cargo-fuzz --locked`).
#   bash scripts/fuzz.sh                 # every target, 600 s each
#   bash scripts/fuzz.sh 60              # every target, 60 s each
#   bash scripts/fuzz.sh 600 junit sign  # some targets
# One target at a time, one fuzzing process, at nice 19: the runs share the
# machine. Corpora are seeded from tests/fixtures, sample-evidence and the
# templates at every run (fuzz/corpus/, not committed) and kept between runs;
# crashing inputs land in fuzz/artifacts/<target>/, logs in fuzz/logs/.
# Prints the executions of each target; exits 1 if any target found a crash.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-600}
shift || true
# Ordered so the targets most likely to find something run first.
all=(toml_items front_matter junit cyclonedx_xml sign markdown_pdf markdown_html packet_json cyclonedx_json config)
targets=("$@")
if [ $# -eq 0 ]; then targets=("${all[@]}"); fi

# -s none: relpack is safe Rust, so AddressSanitizer would find nothing a
# panic does not, at twice the build time and a third of the speed. Debug
# assertions stay on (integer overflow panics).
nice -n 19 cargo +nightly fuzz build -s none

bin_dir=fuzz/target/x86_64-unknown-linux-gnu/release
mkdir -p fuzz/logs

# seed TARGET FILE...: copy seeds into the target's corpus (named by content,
# so reseeding adds nothing twice).
seed() {
  local dir=fuzz/corpus/$1
  shift
  mkdir -p "$dir"
  local f
  for f in "$@"; do
    [ -f "$f" ] || continue
    cp "$f" "$dir/seed-$(sha1sum "$f" | cut -c1-16)"
  done
}
# The armored signatures inside the sample's approval records.
signatures() {
  local out=fuzz/corpus/.signatures
  rm -rf "$out"
  mkdir -p "$out"
  local f
  for f in sample-evidence/approvals/*.toml; do
    awk '/-----BEGIN SSH SIGNATURE-----/{p=1} p{print} /-----END SSH SIGNATURE-----/{p=0}' \
      "$f" >"$out/$(basename "$f" .toml).sig"
  done
  ls "$out"/*.sig
}
mapfile -t item_toml < <(find sample-evidence templates/init -name '*.toml' ! -name relpack.toml)
mapfile -t markdown < <(find sample-evidence templates/init tests/fixtures docs -name '*.md')
seed toml_items "${item_toml[@]}"
seed front_matter "${markdown[@]}"
seed config sample-evidence/relpack.toml templates/init/relpack.toml
seed junit $(find tests/fixtures/junit sample-evidence -name '*.xml')
seed cyclonedx_json $(find tests/fixtures/cyclonedx sample-evidence -name '*.cdx.json')
seed cyclonedx_xml $(find tests/fixtures/cyclonedx sample-evidence -name '*.cdx.xml')
seed sign sample-evidence/keys/allowed_signers $(signatures)
seed packet_json fuzz/seeds/packet_json/*.json $(find dist -name packet.json 2>/dev/null | head -3)
seed markdown_html "${markdown[@]}"
seed markdown_pdf "${markdown[@]}"

dict() {
  case $1 in
    toml_items | front_matter | config) echo fuzz/dict/toml.dict ;;
    junit | cyclonedx_xml) echo fuzz/dict/xml.dict ;;
    cyclonedx_json | packet_json) echo fuzz/dict/json.dict ;;
    sign) echo fuzz/dict/sign.dict ;;
    markdown_*) echo fuzz/dict/markdown.dict ;;
  esac
}
max_len() {
  case $1 in
    packet_json) echo 131072 ;;
    *) echo 65536 ;;
  esac
}

status=0
summary=()
for t in "${targets[@]}"; do
  mkdir -p "fuzz/artifacts/$t"
  log=fuzz/logs/$t.log
  : >"$log"
  echo "== $t: ${secs}s, log $log"
  # One fuzzing process, in the foreground. libFuzzer's -jobs and -fork
  # modes restart it and re-run part of the corpus every few seconds, which
  # cost up to 10x the executions here. A run that stops at a crash, a
  # timeout or an out-of-memory is started again for the time left (the
  # input that stopped it is in fuzz/artifacts/<target>/).
  start=$(date +%s)
  while :; do
    left=$((secs - ($(date +%s) - start)))
    [ "$left" -gt 5 ] || break
    RAYON_NUM_THREADS=1 nice -n 19 "$bin_dir/$t" "fuzz/corpus/$t" \
      -max_total_time="$left" -rss_limit_mb=4096 -timeout=10 \
      -max_len="$(max_len "$t")" -dict="$(dict "$t")" \
      -artifact_prefix="fuzz/artifacts/$t/" -print_final_stats=1 \
      >>"$log" 2>&1 || true
  done
  took=$(($(date +%s) - start))
  execs=$(awk '/^stat::number_of_executed_units:/ {n += $2} END {print n + 0}' "$log")
  stops=$(grep -c '^SUMMARY: libFuzzer' "$log" || true)
  crashes=$(find "fuzz/artifacts/$t" -type f | wc -l)
  line=$(printf '%-15s %12s executions %6ss  crashes/timeouts/OOMs %s  artifacts %s' \
    "$t" "$execs" "$took" "$stops" "$crashes")
  echo "$line"
  summary+=("$line")
  [ "$crashes" -eq 0 ] || status=1
done
echo
echo "== summary ($(date -u +%FT%TZ), $(nproc) cores)"
printf '%s\n' "${summary[@]}"
exit $status
