#!/usr/bin/env bash
# Puts the Dockerfile's base image (docker.io/library/node:20-bookworm-slim) into
# local container storage on machines that cannot pull from a registry: a
# minimal Debian bookworm made with debootstrap plus this machine's node and npm.
# Where the image is already present this does nothing, so a pipeline that can
# pull uses the real image instead.
set -euo pipefail
IMAGE=docker.io/library/node:20-bookworm-slim
if podman image exists "$IMAGE" 2>/dev/null; then exit 0; fi
for tool in podman debootstrap node; do
  command -v "$tool" >/dev/null || { echo "seed-base-image: missing '$tool' (apt-get install podman debootstrap)" >&2; exit 1; }
done
node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" != 20 ]; then
  echo "seed-base-image: this machine's node is v$node_major; the image is named for node 20" >&2
  exit 1
fi
rootfs=$(mktemp -d)
trap 'rm -rf "$rootfs"' EXIT
echo "seed-base-image: building $IMAGE with debootstrap (about a minute)..." >&2
debootstrap --variant=minbase bookworm "$rootfs" >/dev/null
install -m 0755 "$(command -v node)" "$rootfs/usr/local/bin/node"
npm_root=$(npm root -g)/npm
mkdir -p "$rootfs/usr/local/lib/node_modules"
cp -a "$npm_root" "$rootfs/usr/local/lib/node_modules/npm"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
# The real image runs as root by default and has a "node" user (uid 1000); keep both true.
chroot "$rootfs" useradd --uid 1000 --create-home --shell /bin/bash node
changes=(--change 'CMD ["node"]')
# Where this machine reaches registries through a TLS-inspecting gateway, builds in
# the image must trust the same extra certificates the machine does.
if [ -n "${NODE_EXTRA_CA_CERTS:-}" ] && [ -f "$NODE_EXTRA_CA_CERTS" ]; then
  mkdir -p "$rootfs$(dirname "$NODE_EXTRA_CA_CERTS")"
  cp "$NODE_EXTRA_CA_CERTS" "$rootfs$NODE_EXTRA_CA_CERTS"
  changes+=(--change "ENV NODE_EXTRA_CA_CERTS=$NODE_EXTRA_CA_CERTS")
fi
tar -C "$rootfs" -c . | podman import "${changes[@]}" - "$IMAGE" >/dev/null
echo "seed-base-image: $IMAGE ready" >&2
