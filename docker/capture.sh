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
: >"$log"
tcpdump -i "$iface" -p -n -U -s 0 -w "$file" "tcp port $port" 2>"$log" &
tcpdump_pid=$!

finish() {
  kill -INT "$tcpdump_pid" 2>/dev/null || true
  wait "$tcpdump_pid" || true
  rm -f /tmp/capturing
  cat "$log" >&2
  [ -z "${CAPTURE_OWNER:-}" ] || chown "$CAPTURE_OWNER" "$file"
  echo "capture: saved captures/$(basename "$file")"
}
trap 'finish; exit 0' TERM INT

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
  sleep 0.5
  finish
  exit 0
fi
while :; do sleep 1 & wait $!; done
