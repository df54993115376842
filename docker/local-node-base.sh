#!/usr/bin/env bash
# Makes a stand-in for the official node image on a machine that cannot pull from a registry (the
# development machines of this project reach only Debian's apt mirror and the npm registry):
# a Debian bookworm root made with debootstrap, this machine's own node and npm copied in, and the
# `node` user (uid 1000) the official image has. Normally the Dockerfile's default base,
# node:24-bookworm-slim, is pulled instead and this script is not needed.
#
#   docker/local-node-base.sh [tag]       # default tag: pickgraph/node-base:local
#   docker build --network host --build-arg NODE_IMAGE=pickgraph/node-base:local -t pickgraph .
#
# Needs root, debootstrap and a running Docker engine. Nothing it makes is kept in git.
set -euo pipefail
tag="${1:-pickgraph/node-base:local}"
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
# mktemp makes the folder 0700, and it becomes the image's /: the non-root user the Dockerfile
# switches to could then open nothing ("stat /bin/ls: permission denied").
chmod 0755 "$root"
debootstrap --variant=minbase bookworm "$root" http://deb.debian.org/debian >/dev/null
node_bin=$(command -v node)
npm_dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
install -D -m 0755 "$node_bin" "$root/usr/local/bin/node"
mkdir -p "$root/usr/local/lib/node_modules"
cp -a "$npm_dir" "$root/usr/local/lib/node_modules/npm"
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
# This machine's trust store, so npm inside the build reaches the registry through the same
# TLS-inspecting proxy the host trusts (the official image trusts the public CAs only).
install -D -m 0644 /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
chroot "$root" useradd --create-home --uid 1000 --shell /bin/bash node
rm -rf "$root/var/cache/apt/archives"/*.deb "$root/var/lib/apt/lists"/*
tar -C "$root" -c . | docker import --change 'ENV PATH=/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' \
  --change 'CMD ["node"]' - "$tag"
echo "made $tag with node $("$node_bin" --version)"
