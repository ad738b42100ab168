# relpack in a container: `docker build -t relpack .`, then
#   docker run --rm --user "$(id -u):$(id -g)" -v "$PWD:/work" relpack check evidence
# (scripts/docker-smoke.sh builds it and checks the sample evidence).
#
# Two stages: the Rust toolchain builds the binary; the runtime image is
# Debian slim with that binary alone. relpack embeds its fonts, templates
# and schemas, reads git through libgit2 (built in: no git needed), makes no
# network connection (no CA certificates needed) and links only glibc and
# zlib, which every Debian image has.

ARG RUST_VERSION=1
ARG DEBIAN=bookworm

FROM rust:${RUST_VERSION}-slim-${DEBIAN} AS build
WORKDIR /src
COPY . .
# BuildKit cache mounts keep the registry and the compiled dependencies
# between builds of the image: a rebuild after a change to relpack's own
# code takes a minute or two, not the 20 of a cold build on two cores.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bin relpack \
    && install -m 0755 target/release/relpack /usr/local/bin/relpack \
    && /usr/local/bin/relpack --version

FROM debian:${DEBIAN}-slim
# libgit2 refuses a repository owned by another user (a bind-mounted
# checkout, a CI runner's workspace) unless safe.directory allows it: the
# container only ever reads the evidence it is given.
RUN printf '[safe]\n\tdirectory = *\n' > /etc/gitconfig
COPY --from=build /usr/local/bin/relpack /usr/local/bin/relpack
WORKDIR /work
ENTRYPOINT ["relpack"]
CMD ["--help"]
