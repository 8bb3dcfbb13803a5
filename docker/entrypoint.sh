#!/bin/sh
# Entry point of the lab's node containers. Programs run as an unprivileged user; a container
# starts as root only for one of these, and this script drops root before the program starts:
#   CHATMSG_NETEM=<netem words>      (the wan option, needs cap NET_ADMIN) adds the netem
#                                    delay/loss on eth0, then runs the program as the user node;
#   CHATMSG_RUN_AS_OWNER_OF=<folder> runs the program as the owner of that bind-mounted folder, so
#                                    the evidence it writes on the host belongs to whoever owns captures/.
set -eu
if [ "$(id -u)" != 0 ]; then
  if [ -n "${CHATMSG_NETEM:-}" ]; then
    echo "chatmsg-entrypoint: CHATMSG_NETEM needs the container to start as root with cap NET_ADMIN" >&2
    exit 1
  fi
  exec "$@"
fi
if [ -n "${CHATMSG_NETEM:-}" ]; then
  # shellcheck disable=SC2086 # CHATMSG_NETEM is a list of netem words: delay 40ms 10ms loss 1%
  chatmsg-netem eth0 "${CHAT_PORT:-5151}" $CHATMSG_NETEM
fi
if [ -n "${CHATMSG_RUN_AS_OWNER_OF:-}" ]; then
  uid=$(stat -c %u "$CHATMSG_RUN_AS_OWNER_OF")
  gid=$(stat -c %g "$CHATMSG_RUN_AS_OWNER_OF")
else
  uid=$(id -u node)
  gid=$(id -g node)
fi
if [ "$uid" = 0 ]; then
  # The folder belongs to root on the host: writing as root is what the host expects there.
  exec "$@"
fi
exec setpriv --reuid="$uid" --regid="$gid" --clear-groups env HOME=/tmp "$@"
