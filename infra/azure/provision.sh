#!/usr/bin/env bash
# Provisions the CHAT-MSG server on a fresh Ubuntu/Debian machine, as root. cloud-init runs it on the
# Azure VM after writing the files below (see cloud-init.yaml.tpl); test/infra runs the very same script
# in a systemd container. Safe to run again.
#
# Expects (written by cloud-init):
#   /opt/chatmsg/chatmsg-server.mjs                  the single-file server (scripts/bundle-server.mjs)
#   /etc/chatmsg/server.env                          CHATMSG_PORT=..., CHATMSG_OPTIONS=..., NODE_MAJOR=...
#   /etc/systemd/system/chatmsg-server.service       the unit
#   /etc/systemd/system/chatmsg-server.service.d/deploy.conf   its drop-in (CAP_NET_BIND_SERVICE below 1024)
#   /etc/chatmsg/tls/server.crt, server.key          the secure variant only (deploy.sh --secure)
# Environment:
#   CHATMSG_NODE_BINARY  install this node binary instead of downloading Node.js (tests, offline labs)
#   NODE_DIST_URL        where Node.js releases are downloaded from (default https://nodejs.org/dist)
set -euo pipefail

readonly SERVICE=chatmsg-server
readonly SERVICE_USER=chatmsg
readonly NODE_BIN=/usr/local/bin/node
readonly ENV_FILE=/etc/chatmsg/server.env
readonly SERVER_FILE=/opt/chatmsg/chatmsg-server.mjs
readonly TLS_KEY=/etc/chatmsg/tls/server.key

log() { echo "provision: $*" >&2; }
die() { log "error: $*"; exit 1; }

[[ $(id -u) == 0 ]] || die "run as root"
[[ -f $SERVER_FILE ]] || die "$SERVER_FILE is missing"
[[ -f $ENV_FILE ]] || die "$ENV_FILE is missing"

# NODE_MAJOR comes from the env file deploy.sh rendered (the Node.js LTS line to install).
NODE_MAJOR=$(sed -n 's/^NODE_MAJOR=\([0-9][0-9]*\)$/\1/p' "$ENV_FILE")
[[ -n $NODE_MAJOR ]] || die "NODE_MAJOR missing from $ENV_FILE"

node_major_installed() {
  [[ -x $NODE_BIN ]] || return 1
  local version
  version=$("$NODE_BIN" --version 2>/dev/null) || return 1
  version=${version#v}
  echo "${version%%.*}"
}

node_arch() {
  case $(uname -m) in
    x86_64) echo x64 ;;
    aarch64) echo arm64 ;;
    *) die "no Node.js build for $(uname -m)" ;;
  esac
}

# Node.js from the official release tarball, checked against the release's SHASUMS256.txt.
# Ubuntu's own nodejs package is older than the server's minimum (Node 20).
download_node() {
  local base=${NODE_DIST_URL:-https://nodejs.org/dist}/latest-v${NODE_MAJOR}.x
  local tmp tarball
  tmp=$(mktemp -d)
  # shellcheck disable=SC2064 # expand now: $tmp is local
  trap "rm -rf '$tmp'" RETURN
  curl -fsSL --retry 5 --retry-connrefused "$base/SHASUMS256.txt" -o "$tmp/SHASUMS256.txt"
  tarball=$(awk -v want="linux-$(node_arch).tar.xz" '$2 ~ want"$" { print $2; exit }' "$tmp/SHASUMS256.txt")
  [[ -n $tarball ]] || die "no linux-$(node_arch) tarball listed in $base/SHASUMS256.txt"
  log "downloading $tarball"
  curl -fsSL --retry 5 --retry-connrefused "$base/$tarball" -o "$tmp/$tarball"
  (cd "$tmp" && grep " $tarball\$" SHASUMS256.txt | sha256sum -c --quiet - >&2) ||
    die "checksum mismatch for $tarball: the download is damaged or not the release, nothing installed"
  tar -xJf "$tmp/$tarball" -C /usr/local --strip-components=1 --no-same-owner \
    --exclude='*/CHANGELOG.md' --exclude='*/README.md' --exclude='*/LICENSE'
}

install_node() {
  if [[ -n ${CHATMSG_NODE_BINARY:-} ]]; then
    log "installing node from $CHATMSG_NODE_BINARY"
    install -m 0755 "$CHATMSG_NODE_BINARY" "$NODE_BIN"
  elif [[ $(node_major_installed || true) == "$NODE_MAJOR" ]]; then
    log "node $("$NODE_BIN" --version) already installed"
  else
    download_node
  fi
  log "node $("$NODE_BIN" --version)"
}

create_user() {
  if id "$SERVICE_USER" >/dev/null 2>&1; then return; fi
  useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$SERVICE_USER"
  log "created system user $SERVICE_USER"
}

# The service user reads the server file but can change nothing of it; of the TLS key it gets read
# access through its group, nobody else any.
fix_permissions() {
  chown -R root:root /opt/chatmsg /etc/chatmsg
  chmod 0755 /opt/chatmsg
  chmod 0644 "$SERVER_FILE" "$ENV_FILE" "/etc/systemd/system/$SERVICE.service"
  if [[ -f $TLS_KEY ]]; then
    chmod 0750 "$(dirname "$TLS_KEY")"
    chgrp "$SERVICE_USER" "$(dirname "$TLS_KEY")" "$TLS_KEY"
    chmod 0640 "$TLS_KEY"
  fi
}

start_service() {
  systemctl daemon-reload
  systemctl enable "$SERVICE.service"
  # restart, not start: a second run picks up a new server file or options.
  systemctl restart "$SERVICE.service"
  systemctl is-active --quiet "$SERVICE.service" || {
    journalctl -u "$SERVICE" --no-pager -n 20 >&2 || true
    die "$SERVICE did not start"
  }
  log "$SERVICE is running (journalctl -u $SERVICE)"
}

install_node
create_user
fix_permissions
start_service
