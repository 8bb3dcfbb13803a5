#!/bin/sh
# Entry point of the lab's node containers. With CHATMSG_NETEM set (the wan option, which runs the
# container as root with NET_ADMIN), it first adds the netem delay/loss on eth0, then runs the
# command as the unprivileged user node. Otherwise it runs the command as the container's user.
set -eu
if [ -n "${CHATMSG_NETEM:-}" ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "chatmsg-entrypoint: CHATMSG_NETEM needs the container to start as root with cap NET_ADMIN" >&2
    exit 1
  fi
  # shellcheck disable=SC2086 # CHATMSG_NETEM is a list of netem words: delay 40ms 10ms loss 1%
  chatmsg-netem eth0 "${CHAT_PORT:-5151}" $CHATMSG_NETEM
  # Root was only needed for tc: the program runs as node.
  exec setpriv --reuid=node --regid=node --init-groups env HOME=/home/node "$@"
fi
exec "$@"
