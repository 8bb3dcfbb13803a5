#!/usr/bin/env bash
# Installs the system packages the test suite needs on a fresh Debian machine (CI runs as root): every
# tool a test asks for with requireTool (test/helpers/tools.ts), which CI=true makes compulsory.
# Safe to run again: it installs only what is missing.
set -euo pipefail

packages=(tcpdump tshark docker.io docker-compose debootstrap shellcheck cloud-init openssl chromium poppler-utils python3-jmespath)

# cloud-init is here only for `cloud-init schema` (test/infra): keep it from ever configuring this machine
# at boot. Only when we are the ones installing it; a cloud machine's own cloud-init is left alone.
if ! dpkg-query -W -f='${Status}' cloud-init 2>/dev/null | grep -q 'install ok installed'; then
  mkdir -p /etc/cloud && touch /etc/cloud/cloud-init.disabled
fi

missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "setup-machine: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The bench's peers (test/bench: the same workload against Redis and ngIRCd). Both packages start
# a daemon when installed; the bench starts its own on free ports, so a policy-rc.d that refuses
# service starts is in place while they install (only when none exists already).
peers=()
for pkg in redis-server ngircd; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || peers+=("$pkg")
done
if ((${#peers[@]})); then
  echo "setup-machine: installing ${peers[*]} (their services are not started)"
  policy=/usr/sbin/policy-rc.d
  ours=''
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod +x "$policy"
    ours=yes
    trap 'rm -f "$policy"' EXIT
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${peers[@]}" >/dev/null
  if [ -n "$ours" ]; then
    rm -f "$policy"
    trap - EXIT
  fi
fi

# The Docker lab: an engine and its base images (pulled, or built offline when Docker Hub is unreachable).
bash "$(dirname "$0")/setup-docker.sh"

# tshark 4.4 beside the machine's 4.0: the wireshark and analyze tests run on both (vitest.config.ts).
bash "$(dirname "$0")/build-tshark-trixie.sh"
