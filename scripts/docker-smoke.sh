#!/usr/bin/env bash
# Build the relpack image and check that it runs: `relpack check` on the
# sample evidence, mounted as a team would mount its repository. The sample
# is valid (exit 0 or 1: a gate may fail on purpose); exit 2 or 3 is a
# broken image.
#
# (docker build, then docker run ... check /work)
# Usage: scripts/docker-smoke.sh [IMAGE]   (default relpack:smoke)
# DOCKER=podman runs it with podman; DOCKER_BUILD_FLAGS are added to the
# build (e.g. "--network host"). Without Docker Hub, make the base images
# first with scripts/local-base-images.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
image="${1:-relpack:smoke}"
docker=${DOCKER:-docker}

# shellcheck disable=SC2086 # the flags are words on purpose
/usr/bin/time -f "image built in %e s" "$docker" build ${DOCKER_BUILD_FLAGS:-} -t "$image" .
"$docker" image ls "$image"

# Where containers can be built but not run (a sandbox that forbids the
# runtime's setrlimit, as on relpack's own build machine: build with
# DOCKER_BUILD_FLAGS="--isolation chroot"), SMOKE_IN_BUILD=1 runs the same
# checks as the steps of an image built on top of this one: the image's
# own files, libraries and user, the sample copied in rather than mounted.
if [ -n "${SMOKE_IN_BUILD:-}" ]; then
  smoke=$(mktemp)
  trap 'rm -f "$smoke"' EXIT
  cat > "$smoke" <<DOCKERFILE
FROM $image
COPY --chown=65534:65534 sample-evidence /srv/sample
USER 65534:65534
ENV SOURCE_DATE_EPOCH=1763600000
RUN relpack --version && relpack check /srv/sample \\
 && relpack build /srv/sample --out /tmp/out \\
 && ls /tmp/out/*/packet.pdf /tmp/out/*/packet.json
DOCKERFILE
  # shellcheck disable=SC2086
  "$docker" build ${DOCKER_BUILD_FLAGS:-} -f "$smoke" -t "$image-smoke" .
  echo "docker smoke test passed ($image, checks run as build steps)"
  exit 0
fi

"$docker" run --rm "$image" --version

set +e
"$docker" run --rm --user "$(id -u):$(id -g)" -v "$PWD/sample-evidence:/work:ro" \
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
"$docker" run --rm --user "$(id -u):$(id -g)" -e SOURCE_DATE_EPOCH=1763600000 \
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
