#!/usr/bin/env bash
# Stand-ins for the two images the Dockerfile starts from, made from
# Debian's own packages, for a machine that cannot reach Docker Hub but can
# reach a Debian mirror (an air-gapped CI, a locked-down build host):
#
#   debian:bookworm-slim    debootstrap --variant=minbase bookworm
#   rust:1-slim-bookworm    the same, with gcc, libc6-dev, ca-certificates
#                           and this machine's Rust toolchain (rustc --print
#                           sysroot) under /usr/local, as the official image
#                           lays it out, and this machine's extra CA
#                           certificates
#
# Both are imported under their Docker Hub names, so `docker build .` (or
# `podman build .`) finds them locally and pulls nothing.
#
#   bash scripts/local-base-images.sh [WORKDIR]     (DOCKER=podman to use podman)
set -euo pipefail
docker=${DOCKER:-docker}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
work=${1:-$(mktemp -d)}
mkdir -p "$work"

slim="$work/slim"
if [ ! -x "$slim/bin/sh" ]; then
  debootstrap --variant=minbase bookworm "$slim" "$mirror"
fi
rm -rf "$slim/var/lib/apt/lists/"* "$slim/var/cache/apt/"*.bin
tar -C "$slim" -c . | "$docker" import \
  --change 'CMD ["bash"]' - docker.io/library/debian:bookworm-slim

rust="$work/rust"
if [ ! -x "$rust/usr/bin/gcc" ]; then
  rm -rf "$rust"
  cp -a "$slim" "$rust"
  cp /etc/resolv.conf "$rust/etc/resolv.conf"
  chroot "$rust" apt-get update
  chroot "$rust" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends gcc libc6-dev ca-certificates
  rm -rf "$rust/var/lib/apt/lists/"*
fi
# This machine's own extra trust anchors (a TLS-inspecting proxy's CA, as
# on relpack's build machine): cargo in the image must reach crates.io
# through the same proxy.
if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
  cp /usr/local/share/ca-certificates/*.crt "$rust/usr/local/share/ca-certificates/"
  chroot "$rust" update-ca-certificates
fi
sysroot=$(rustc --print sysroot)
rm -rf "$rust/usr/local/rust" "$rust/usr/local/cargo"
mkdir -p "$rust/usr/local/cargo/bin"
cp -a "$sysroot" "$rust/usr/local/rust"
for tool in cargo rustc rustdoc; do
  ln -s "../../rust/bin/$tool" "$rust/usr/local/cargo/bin/$tool"
done
tar -C "$rust" -c . | "$docker" import \
  --change 'ENV CARGO_HOME=/usr/local/cargo' \
  --change 'ENV PATH=/usr/local/cargo/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'CMD ["bash"]' - docker.io/library/rust:1-slim-bookworm
chroot "$rust" /usr/local/cargo/bin/cargo --version
echo "base images ready (from $work)"
