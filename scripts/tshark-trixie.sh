#!/usr/bin/env bash
# Runs Debian trixie's tshark (Wireshark 4.4, from the root that build-tshark-trixie.sh builds) as if
# it were installed here: `TSHARK=scripts/tshark-trixie.sh npm run analyze -- x.pcap`. It runs as the
# same user as its caller (root stays root, anyone else stays themselves, so Wireshark's rules for
# root apply as they would on a trixie machine), sees this machine's /tmp and /dev at the same paths,
# and passes standard input and output through. It needs no privilege: a user namespace (root
# inside, the caller outside) may bind-mount and chroot; a second one inside it maps the caller's
# own uid back, so tshark sees who really runs it.
set -euo pipefail

ROOT=${TSHARK_TRIXIE_ROOT:-/var/lib/chatmsg/tshark-trixie}
if [ ! -x "$ROOT/usr/bin/tshark" ]; then
  echo "tshark-trixie: no tshark in $ROOT: run scripts/build-tshark-trixie.sh (as root) first" >&2
  exit 1
fi

# Callers hand tshark files in their temporary folder (the analysis's private home): only /tmp is shared.
case "${TMPDIR:-/tmp}" in
  /tmp | /tmp/*) ;;
  *) echo "tshark-trixie: TMPDIR=$TMPDIR is not seen inside the trixie root: unset it or use a folder under /tmp" >&2; exit 1 ;;
esac

uid=$(id -u)
gid=$(id -g)
# shellcheck disable=SC2016 # expanded by the inner shell
inside='
  set -e
  root=$1 uid=$2 gid=$3
  shift 3
  mount --rbind /tmp "$root/tmp"
  mount --rbind /dev "$root/dev"
  if [ "$uid" -eq 0 ]; then
    exec chroot "$root" tshark "$@"
  fi
  exec unshare --user --map-user="$uid" --map-group="$gid" --root="$root" tshark "$@"
'
if [ "$uid" -eq 0 ]; then
  exec unshare --mount --propagation private bash -c "$inside" tshark-trixie "$ROOT" "$uid" "$gid" "$@"
fi
exec unshare --user --map-root-user --mount --propagation private bash -c "$inside" tshark-trixie "$ROOT" "$uid" "$gid" "$@"
