#!/usr/bin/env bash
# Builds a Debian trixie root filesystem with tshark from Debian's packages (Wireshark 4.4), the way
# build-base-images.sh builds the offline base images: debootstrap, then apt-get inside it. The test
# suite runs the wireshark and analyze tests a second time with TSHARK=scripts/tshark-trixie.sh, so
# a change in a newer Wireshark fails a test here instead of a student's report.
# A root that already has tshark is kept (debootstrap takes minutes); --force rebuilds it.
# Usage: scripts/build-tshark-trixie.sh [--force]   (as root: debootstrap and chroot need it)
set -euo pipefail

ROOT=${TSHARK_TRIXIE_ROOT:-/var/lib/chatmsg/tshark-trixie}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
HOST_CA=${HOST_CA:-/etc/ssl/certs/ca-certificates.crt}

force=false
case "${1:-}" in
  --force) force=true ;;
  '') ;;
  *) echo "usage: $0 [--force]" >&2; exit 2 ;;
esac

[ "$(id -u)" -eq 0 ] || { echo "build-tshark-trixie: run as root (debootstrap and chroot need it)" >&2; exit 1; }
command -v debootstrap >/dev/null || { echo "build-tshark-trixie: debootstrap is missing (apt-get install debootstrap)" >&2; exit 1; }

if ! $force && [ -x "$ROOT/usr/bin/tshark" ]; then
  echo "build-tshark-trixie: $ROOT has $(chroot "$ROOT" tshark --version 2>/dev/null | head -1), kept"
  exit 0
fi

# Built next to its final place and renamed at the end: an interrupted build leaves no half root
# that a later run would take for a finished one.
parent=$(dirname "$ROOT")
mkdir -p "$parent"
work=$(mktemp -d "$parent/.tshark-trixie.XXXXXX")
# mktemp makes it 0700: apt's sandbox user and the unprivileged users the tests run tshark as need in.
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT

echo "build-tshark-trixie: debootstrap trixie (a few minutes)"
debootstrap --variant=minbase --arch=amd64 trixie "$work" "$MIRROR" >"$parent/debootstrap-trixie.log" 2>&1 \
  || { tail -20 "$parent/debootstrap-trixie.log" >&2; exit 1; }
printf 'deb %s trixie main\ndeb %s trixie-updates main\n' "$MIRROR" "$MIRROR" >"$work/etc/apt/sources.list"
printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' >"$work/etc/apt/apt.conf.d/90chatmsg-slim"
cp "$HOST_CA" "$work/etc/ssl/certs/ca-certificates.crt" 2>/dev/null || true
cp /etc/resolv.conf "$work/etc/resolv.conf" 2>/dev/null || true

echo "build-tshark-trixie: apt-get install tshark"
# wireshark-common asks whether non-root users may capture: answer no, non-interactively.
chroot "$work" sh -c 'echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections'
chroot "$work" apt-get update -qq
DEBIAN_FRONTEND=noninteractive chroot "$work" apt-get install -y -qq tshark >"$parent/apt-trixie.log" 2>&1 \
  || { tail -20 "$parent/apt-trixie.log" >&2; exit 1; }
chroot "$work" apt-get clean
rm -rf "$work"/var/lib/apt/lists/* "$work"/usr/share/doc/* "$work"/usr/share/man/*

rm -rf "$ROOT"
mv "$work" "$ROOT"
trap - EXIT
echo "build-tshark-trixie: built $ROOT with $(chroot "$ROOT" tshark --version 2>/dev/null | head -1)"
