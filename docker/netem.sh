#!/bin/sh
# Adds WAN-like delay, jitter and loss to the chat traffic leaving an interface, and to nothing else
# (the lab's control traffic keeps its speed, so "at the same moment" still is).
# Usage: chatmsg-netem <dev> <chat-port> <netem words...>   e.g. chatmsg-netem eth0 5151 delay 40ms 10ms loss 1%
set -eu
dev=$1
port=$2
shift 2
# netem and prio are kernel modules (sch_netem, sch_prio) the Docker host must have: a container cannot load them.
for kind in netem prio; do
  if ! tc qdisc add dev lo root handle 9: "$kind" >/dev/null 2>&1; then
    echo "chatmsg-netem: the Docker host's kernel has no $kind qdisc (kernel module sch_$kind): the wan option cannot work on this machine" >&2
    exit 1
  fi
  tc qdisc del dev lo root
done
# A prio qdisc puts ordinary traffic in bands 1 and 2; the filters send the chat port to band 3, behind netem.
tc qdisc replace dev "$dev" root handle 1: prio
tc qdisc replace dev "$dev" parent 1:3 handle 30: netem "$@"
tc filter add dev "$dev" parent 1: protocol ip prio 1 u32 match ip dport "$port" 0xffff flowid 1:3
tc filter add dev "$dev" parent 1: protocol ip prio 1 u32 match ip sport "$port" 0xffff flowid 1:3
echo "chatmsg-netem: $dev, tcp port $port: netem $*" >&2
