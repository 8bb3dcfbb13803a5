#!/bin/sh
# The capture sidecar: tcpdump of the chat port on one interface into
# /captures/<CAPTURE_NAME>-<UTC time>.pcap, written packet by packet (-U) so the file is whole at any
# moment. It stops cleanly (SIGINT to tcpdump) on SIGTERM, or, with CAPTURE_UNTIL=server-exit, by
# itself once the server in the shared network namespace has stopped listening and its connections
# are closed. /tmp/capturing exists while tcpdump is capturing (the compose healthcheck).
set -eu
port=${CHAT_PORT:-5151}
iface=${CAPTURE_IFACE:-eth0}
name=${CAPTURE_NAME:-broadcast5}
until=${CAPTURE_UNTIL:-signal}
start_timeout=${CAPTURE_START_TIMEOUT:-300}
file=/captures/$name-$(date -u +%Y%m%dT%H%M%SZ).pcap
log=/tmp/tcpdump.log

# -p: no promiscuous mode (the server's own traffic is all we want, and it needs no NET_ADMIN).
# --immediate-mode: each packet reaches tcpdump at once; without it the kernel hands them over in
# blocks, and the packets of a block not yet handed over when tcpdump stops are lost.
# -B 32768: a 32 MiB kernel buffer, so a burst on a busy machine is not 'dropped by kernel'.
: >"$log"
tcpdump -i "$iface" -p -n -U --immediate-mode -B 32768 -s 0 -w "$file" "tcp port $port" 2>"$log" &
tcpdump_pid=$!

finish() {
  kill -INT "$tcpdump_pid" 2>/dev/null || true
  wait "$tcpdump_pid" || true
  rm -f /tmp/capturing
  cat "$log" >&2
  # The pcap belongs to whoever owns the captures folder on the host.
  chown "$(stat -c %u:%g /captures)" "$file" 2>/dev/null || true
  echo "capture: saved captures/$(basename "$file")"
}
trap 'finish; exit 0' TERM INT

# tcpdump may lag behind the traffic on a busy machine, and the packets it has not read when it
# stops are lost: wait until the file has stopped growing for a second (at most 10 s).
settle() {
  last=-1
  for _ in $(seq 20); do
    size=$(stat -c %s "$file")
    [ "$size" = "$last" ] && [ "$size" -gt 0 ] && return
    last=$size
    sleep 1 & wait $!
  done
}

while ! grep -q 'listening on' "$log"; do
  kill -0 "$tcpdump_pid" 2>/dev/null || { cat "$log" >&2; echo "capture: tcpdump failed" >&2; exit 1; }
  sleep 0.1
done
touch /tmp/capturing
echo "capture: tcpdump on $iface, tcp port $port -> captures/$(basename "$file")"

# /proc/net/tcp lists this namespace's sockets: local address, remote address, state (0A = LISTEN).
hex_port=$(printf '%04X' "$port")
listening() { grep -q ":$hex_port 00000000:0000 0A" /proc/net/tcp /proc/net/tcp6 2>/dev/null; }
connected() { grep -Eq "^ *[0-9]+: [0-9A-F]+:$hex_port [0-9A-F]+:[0-9A-F]{4} 0[1-57-9]" /proc/net/tcp 2>/dev/null; }

if [ "$until" = server-exit ]; then
  waited=0
  while ! listening; do
    sleep 0.2 & wait $!
    waited=$((waited + 1))
    if [ "$waited" -ge $((start_timeout * 5)) ]; then
      echo "capture: the server never listened on port $port" >&2
      finish
      exit 1
    fi
  done
  while listening; do sleep 0.2 & wait $!; done
  # Let the last FIN/ACK exchanges land in the file (at most 5 s).
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    connected || break
    sleep 0.5 & wait $!
  done
  settle
  finish
  exit 0
fi
while :; do sleep 1 & wait $!; done
