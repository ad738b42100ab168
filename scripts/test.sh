#!/usr/bin/env bash
# Run every relpack test on a fresh Debian machine: installs the tools the
# tests drive (poppler-utils, qpdf, chromium, openssh-client, the browser
# test's npm packages) when they are missing, then runs the suite.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v pdftotext >/dev/null || need+=(poppler-utils)
command -v qpdf >/dev/null || need+=(qpdf)
command -v chromium >/dev/null || need+=(chromium)
command -v ssh-keygen >/dev/null || need+=(openssh-client)
command -v node >/dev/null || need+=(nodejs npm)
command -v xmllint >/dev/null || need+=(libxml2-utils)
command -v python3 >/dev/null || need+=(python3 python3-venv)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# The browser test drives Debian's chromium with playwright-core and runs
# axe-core in it (both from the npm registry, pinned by the lock file).
if [ ! -d tests/browser/node_modules ]; then
  (cd tests/browser && npm ci --no-audit --no-fund --silent)
fi

# The ReqIF round trip reads relpack's export with the StrictDoc authors'
# ReqIF parser (PyPI `reqif`, pinned) and validates it against the XSD that
# package ships.
if [ ! -x target/reqif-venv/bin/python ]; then
  python3 -m venv target/reqif-venv
  target/reqif-venv/bin/pip install -q reqif==0.1.0
fi
export RELPACK_REQIF_PYTHON="$PWD/target/reqif-venv/bin/python"

# One integration test binary; dependencies are optimized once (Cargo.toml).
# The closing line sums every test binary's results.
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
cargo test --all-targets "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
     END { printf "relpack: %d passed, %d failed\n", p, f }' "$log"
exit "$status"
