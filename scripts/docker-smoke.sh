#!/usr/bin/env bash
# Build the relpack image and check that it runs: `relpack check` on the
# sample evidence, mounted as a team would mount its repository. The sample
# is valid (exit 0 or 1: a gate may fail on purpose); exit 2 or 3 is a
# broken image.
#
# Usage: scripts/docker-smoke.sh [IMAGE]   (default relpack:smoke)
set -euo pipefail
cd "$(dirname "$0")/.."
image="${1:-relpack:smoke}"

docker build -t "$image" .
docker run --rm "$image" --version

set +e
docker run --rm --user "$(id -u):$(id -g)" -v "$PWD/sample-evidence:/work:ro" \
    "$image" check /work
code=$?
set -e
if [ "$code" -ne 0 ] && [ "$code" -ne 1 ]; then
    echo "relpack check sample-evidence in $image exited $code" >&2
    exit 1
fi

# A build writes the packet (PDF included: the fonts are in the binary).
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
set +e
docker run --rm --user "$(id -u):$(id -g)" -e SOURCE_DATE_EPOCH=1763600000 \
    -v "$PWD/sample-evidence:/work:ro" -v "$out:/out" \
    "$image" build /work --out /out
code=$?
set -e
if [ "$code" -ne 0 ] && [ "$code" -ne 1 ]; then
    echo "relpack build in $image exited $code" >&2
    exit 1
fi
ls "$out"/*/packet.pdf "$out"/*/packet.json >/dev/null
echo "docker smoke test passed ($image)"
