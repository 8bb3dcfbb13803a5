#!/usr/bin/env bash
# Makes a lab certificate authority and a server certificate signed by it, for
# `chatmsg-server --tls --cert <dir>/server.crt --key <dir>/server.key` and
# `chatmsg-client --tls --ca <dir>/ca.crt`.
#
# usage: scripts/make-lab-ca.sh <out-dir> [extra-ip-or-dns ...]
#
# The server certificate names localhost, 127.0.0.1 and ::1, plus every extra argument
# (an IP such as 172.28.0.10 or 20.1.2.3, or a DNS name), so clients can verify it by the
# address they connect to. Keys are EC P-256, created with mode 0600. Lab use only: the
# CA key sits next to the certificates; keep the directory out of git (captures/ and *.key are ignored).
set -euo pipefail

if [[ $# -lt 1 || $1 == -h || $1 == --help ]]; then
  echo "usage: $0 <out-dir> [extra-ip-or-dns ...]" >&2
  exit 2
fi
out=$1
shift
command -v openssl >/dev/null || { echo "$0: openssl is not installed" >&2; exit 1; }

mkdir -p "$out"
umask 077

san="DNS:localhost,IP:127.0.0.1,IP:::1"
for name in "$@"; do
  if [[ $name =~ ^[0-9.]+$ || $name == *:* ]]; then
    san+=",IP:$name"
  elif [[ $name =~ ^[A-Za-z0-9.-]+$ ]]; then
    san+=",DNS:$name"
  else
    echo "$0: bad name '$name': expected an IP address or a DNS name" >&2
    exit 2
  fi
done

openssl req -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
  -keyout "$out/ca.key" -out "$out/ca.crt" -days 30 \
  -subj "/CN=CHAT-MSG Lab CA" \
  -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null

openssl req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
  -keyout "$out/server.key" -out "$out/server.csr" \
  -subj "/CN=chatmsg-server" 2>/dev/null

openssl x509 -req -in "$out/server.csr" -CA "$out/ca.crt" -CAkey "$out/ca.key" -CAcreateserial \
  -out "$out/server.crt" -days 30 \
  -extfile <(printf 'subjectAltName=%s\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n' "$san") 2>/dev/null

rm -f "$out/server.csr" "$out/ca.srl"
chmod 644 "$out/ca.crt" "$out/server.crt"
echo "lab CA:             $out/ca.crt (give this to clients: --ca)"
echo "server certificate: $out/server.crt ($san)"
echo "server key:         $out/server.key"
