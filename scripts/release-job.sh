#!/usr/bin/env bash
# The steps of the release workflow's build job (.github/workflows/release.yml
# calls this script, so a local run is the workflow's own run for the host):
#   bash scripts/release-job.sh build   TARGET
#   bash scripts/release-job.sh smoke   TARGET
#   bash scripts/release-job.sh package TARGET VERSION   (prints the archive)
#   bash scripts/release-job.sh all     TARGET VERSION   (the three, timed)
# Run locally for this machine: bash scripts/release-job.sh all "$(rustc -vV | sed -n 's/^host: //p')" 0.0.0-local
# CARGO_TARGET_DIR is honoured (a fresh one measures a clean build).
set -euo pipefail
cd "$(dirname "$0")/.."
step=${1:?build, smoke, package or all}
target=${2:?a target triple}
target_dir=${CARGO_TARGET_DIR:-target}
exe=relpack
[[ $target == *windows* ]] && exe=relpack.exe
bin="$target_dir/$target/release/$exe"

build() {
  cargo build --release --locked --bin relpack --target "$target"
}

smoke() {
  "$bin" --version
  local code=0
  "$bin" check sample-evidence >/dev/null || code=$?
  # The sample is valid evidence: 0 or 1 (a gate may fail), never 2 or 3.
  if [ "$code" -gt 1 ]; then
    echo "relpack check sample-evidence exited $code" >&2
    exit 1
  fi
}

package() {
  local version=${1:?a version}
  local name="relpack-${version}-${target}"
  rm -rf "pkg/$name"
  mkdir -p "pkg/$name"
  cp README.md "pkg/$name/"
  cp "$bin" "pkg/$name/"
  local archive
  if [[ $target == *windows* ]]; then
    (cd pkg && 7z a "$name.zip" "$name" >/dev/null)
    archive="pkg/$name.zip"
  else
    if tar --version 2>/dev/null | grep -q GNU; then
      # Reproducible with GNU tar: sorted names, fixed owner and times.
      tar -C pkg --sort=name --owner=0 --group=0 --numeric-owner \
        --mtime="@${SOURCE_DATE_EPOCH:-0}" -cf - "$name" | gzip -n > "pkg/$name.tar.gz"
    else
      tar -C pkg -czf "pkg/$name.tar.gz" "$name"   # macOS: bsdtar
    fi
    archive="pkg/$name.tar.gz"
  fi
  local sum="sha256sum"
  command -v sha256sum >/dev/null || sum="shasum -a 256"   # macOS
  (cd pkg && $sum "$(basename "$archive")" > "$(basename "$archive").sha256")
  echo "$archive"
}

case $step in
  build) build ;;
  smoke) smoke ;;
  package) package "${3:-}" ;;
  all)
    start=$(date +%s)
    build
    echo "build: $(( $(date +%s) - start )) s" >&2
    smoke
    package "${3:-}"
    ;;
  *) echo "unknown step $step" >&2; exit 2 ;;
esac
