#!/usr/bin/env bash
# Puts the Dockerfile's base images into local container storage on machines that
# cannot pull from a registry: a minimal Debian bookworm made with debootstrap,
# plus Node (docker.io/library/node:24-bookworm-slim: the release pinned in
# scripts/ensure-node.js, from its npm package, and this machine's npm) or this
# machine's Go toolchain (docker.io/library/golang:<major.minor>-bookworm).
# Images already present are left alone, so a pipeline that can pull uses the
# real ones. Prints nothing on success when there is nothing to do.
set -euo pipefail
NODE_IMAGE=docker.io/library/node:24-bookworm-slim
for tool in podman debootstrap node npm go; do
  command -v "$tool" >/dev/null || { echo "seed-base-image: missing '$tool' (apt-get install podman debootstrap; node, npm and go come with the machine)" >&2; exit 1; }
done
go_minor=$(go env GOVERSION | sed -E 's/^go([0-9]+\.[0-9]+).*/\1/')
GO_IMAGE=docker.io/library/golang:${go_minor}-bookworm
wanted=()
podman image exists "$NODE_IMAGE" 2>/dev/null || wanted+=("$NODE_IMAGE")
podman image exists "$GO_IMAGE" 2>/dev/null || wanted+=("$GO_IMAGE")
[ ${#wanted[@]} -eq 0 ] && exit 0

base=$(mktemp -d)
trap 'rm -rf "$base"' EXIT
echo "seed-base-image: making ${wanted[*]} with debootstrap (about a minute)..." >&2
debootstrap --variant=minbase bookworm "$base/rootfs" >/dev/null
# The real images run as root by default; keep that true.
changes=()
# Where this machine reaches registries through a TLS-inspecting gateway, builds in
# the image must trust the same extra certificates the machine does.
if [ -n "${NODE_EXTRA_CA_CERTS:-}" ] && [ -f "$NODE_EXTRA_CA_CERTS" ]; then
  mkdir -p "$base/rootfs$(dirname "$NODE_EXTRA_CA_CERTS")"
  cp "$NODE_EXTRA_CA_CERTS" "$base/rootfs$NODE_EXTRA_CA_CERTS"
  changes+=(--change "ENV NODE_EXTRA_CA_CERTS=$NODE_EXTRA_CA_CERTS" --change "ENV SSL_CERT_FILE=$NODE_EXTRA_CA_CERTS")
fi

for image in "${wanted[@]}"; do
  rootfs="$base/$(basename "$image" | tr ':' '-')"
  cp -a "$base/rootfs" "$rootfs"
  if [ "$image" = "$NODE_IMAGE" ]; then
    node_bin=$(node "$(dirname "$0")/ensure-node.js" --packaged)
    node_major=$("$node_bin" -p 'process.versions.node.split(".")[0]')
    if [ "$NODE_IMAGE" != "docker.io/library/node:${node_major}-bookworm-slim" ]; then
      echo "seed-base-image: scripts/ensure-node.js pins node $node_major; $NODE_IMAGE wants another" >&2
      exit 1
    fi
    install -m 0755 "$node_bin" "$rootfs/usr/local/bin/node"
    mkdir -p "$rootfs/usr/local/lib/node_modules"
    # npm's own directory (not `npm root -g`, which follows whichever node runs npm).
    cp -a "$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")" "$rootfs/usr/local/lib/node_modules/npm"
    ln -s ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
    ln -s ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
    # The real image has a "node" user (uid 1000).
    chroot "$rootfs" useradd --uid 1000 --create-home --shell /bin/bash node
    tar -C "$rootfs" -c . | podman import "${changes[@]}" --change 'CMD ["node"]' - "$image" >/dev/null
  else
    cp -a "$(go env GOROOT)" "$rootfs/usr/local/go"
    tar -C "$rootfs" -c . | podman import "${changes[@]}" --change 'ENV PATH=/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' --change 'CMD ["bash"]' - "$image" >/dev/null
  fi
  echo "seed-base-image: $image ready" >&2
done
