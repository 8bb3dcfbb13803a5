#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Renders the VM's cloud-init custom data from cloud-init.yaml.tpl: the single-file server (gzip + base64),
# its settings, the systemd unit with its drop-in, provision.sh and, for the secure variant, the server's
# TLS certificate and key. Fails when the result passes Azure's custom data limit.
# With --format script it renders the same files as one bash script instead, which deploy.sh runs on an
# existing VM (az vm run-command invoke) to apply a new port, options or server version.
# deploy.sh runs it; tests validate its output with `cloud-init schema` and apply it in a container.
#
# Usage: render-cloud-init.sh --server-bundle FILE [--port N] [--node-major N] [--server-options "..."]
#                             [--tls-cert FILE --tls-key FILE] [--format cloud-init|script] [--output FILE]
#   --server-bundle FILE    the bundled server (npm run bundle writes dist/bundle/chatmsg-server.mjs)
#   --port N                the chat port the server listens on (CHATMSG_PORT, default 5151; below 1024
#                           the service gets CAP_NET_BIND_SERVICE and nothing else)
#   --node-major N          the Node.js LTS line the VM installs (CHATMSG_NODE_MAJOR, default 24)
#   --server-options "..."  extra server options, e.g. "--max-clients 50" (CHATMSG_SERVER_OPTIONS)
#   --tls-cert FILE         the secure variant: TLS with this certificate (PEM) and --tls-key, and the
#   --tls-key FILE          identity registry kept in the service's StateDirectory (/var/lib/chatmsg)
#   --format F              cloud-init (default) or script
#   --output FILE           where to write it (default: stdout)
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
USAGE="$SCRIPT_NAME.sh --server-bundle FILE [--port N] [--node-major N] [--server-options \"...\"] [--tls-cert FILE --tls-key FILE] [--format cloud-init|script] [--output FILE]"

# Azure decodes the custom data into at most 65535 bytes.
readonly CUSTOM_DATA_LIMIT=65535
# az vm run-command invoke (the action run command) takes a script of at most 256 KB.
readonly RUN_COMMAND_SCRIPT_LIMIT=262144

bundle=''
output=''
tls_cert=''
tls_key=''
format=cloud-init
while (($#)); do
  case $1 in
    --server-bundle) need_value "$@" && bundle=$2 ;;
    --port) need_value "$@" && CHAT_PORT=$2 ;;
    --node-major) need_value "$@" && NODE_MAJOR=$2 ;;
    # The value may itself start with --.
    --server-options)
      [[ $# -ge 2 ]] || usage_error "$1 needs a value"
      SERVER_OPTIONS=$2
      ;;
    --output) need_value "$@" && output=$2 ;;
    --tls-cert) need_value "$@" && tls_cert=$2 ;;
    --tls-key) need_value "$@" && tls_key=$2 ;;
    --format) need_value "$@" && format=$2 ;;
    -h | --help)
      print_help
      exit 0
      ;;
    *) usage_error "unknown option '$1'" ;;
  esac
  shift 2
done

[[ -n $bundle ]] || usage_error "--server-bundle is required"
[[ -f $bundle ]] || die "no server bundle at $bundle (run: npm run bundle)"
is_port "$CHAT_PORT" || usage_error "bad port '$CHAT_PORT': expected 1-65535"
[[ $NODE_MAJOR =~ ^[0-9]{2,3}$ ]] || usage_error "bad Node.js major version '$NODE_MAJOR'"
# The options end up in a systemd EnvironmentFile and on the server's command line: plain words only.
[[ $SERVER_OPTIONS =~ ^[-A-Za-z0-9\ ._=]*$ ]] ||
  usage_error "bad server options '$SERVER_OPTIONS': only letters, digits, spaces and - . _ = are allowed"

[[ $format == cloud-init || $format == script ]] || usage_error "bad format '$format': expected cloud-init or script"
if [[ -n $tls_cert || -n $tls_key ]]; then
  [[ -n $tls_cert && -n $tls_key ]] || usage_error "--tls-cert and --tls-key go together"
  grep -q -- '-----BEGIN CERTIFICATE-----' "$tls_cert" 2>/dev/null ||
    die "no PEM certificate at $tls_cert (scripts/make-lab-ca.sh makes one)"
  grep -q -- '-----BEGIN .*PRIVATE KEY-----' "$tls_key" 2>/dev/null ||
    die "no PEM private key at $tls_key (scripts/make-lab-ca.sh makes one)"
fi

work=$WORK_DIR

readonly UNIT=chatmsg-server.service
readonly TLS_DIR=/etc/chatmsg/tls
# The secure variant: TLS only (and logins refused outside TLS, should a plain listener ever be added),
# and registered identity keys kept across restarts in the StateDirectory.
secure_options=''
if [[ -n $tls_cert ]]; then
  secure_options="--tls --cert $TLS_DIR/server.crt --key $TLS_DIR/server.key --registry /var/lib/chatmsg/registry.json --require-tls-login"
fi

# One line of base64 (tr, not base64 -w 0: macOS's base64 has no -w).
gzip -9 -n -c "$bundle" | base64 | tr -d '\n' >"$work/bundle.b64"
printf 'CHATMSG_PORT=%s\nCHATMSG_OPTIONS=%s\nCHATMSG_SECURE_OPTIONS=%s\nNODE_MAJOR=%s\n' \
  "$CHAT_PORT" "$SERVER_OPTIONS" "$secure_options" "$NODE_MAJOR" >"$work/server.env"

# What this deployment adds to the unit: only a port below 1024 needs a capability, and only that one.
{
  printf '# Written by render-cloud-init.sh for port %s.\n[Service]\n' "$CHAT_PORT"
  if ((10#$CHAT_PORT < 1024)); then
    printf 'AmbientCapabilities=CAP_NET_BIND_SERVICE\nCapabilityBoundingSet=CAP_NET_BIND_SERVICE\n'
  fi
} >"$work/drop-in.conf"

# The TLS entries of write_files (none without --tls-cert); the key is root's until provision.sh hands
# it to the service's group (the user does not exist yet when cloud-init writes the files).
: >"$work/tls-files.yaml"
if [[ -n $tls_cert ]]; then
  for pair in "server.crt:0644:$tls_cert" "server.key:0600:$tls_key"; do
    IFS=: read -r name mode source <<<"$pair"
    printf -- "- path: %s/%s\n  owner: root:root\n  permissions: '%s'\n  content: |\n" "$TLS_DIR" "$name" "$mode"
    sed 's/^/    /' "$source"
  done >"$work/tls-files.yaml"
fi

render_cloud_init() {
  # Each "@@NAME@@" line becomes the file PLACEHOLDER_NAME names, every line indented like the placeholder.
  PLACEHOLDER_SERVER_BUNDLE_GZ_B64=$work/bundle.b64 \
    PLACEHOLDER_SERVER_ENV=$work/server.env \
    PLACEHOLDER_TLS_FILES=$work/tls-files.yaml \
    PLACEHOLDER_SYSTEMD_UNIT=$AZURE_DIR/$UNIT \
    PLACEHOLDER_SYSTEMD_DROP_IN=$work/drop-in.conf \
    PLACEHOLDER_PROVISION_SCRIPT=$AZURE_DIR/provision.sh \
    awk '
      match($0, /^ *@@[A-Z0-9_]+@@$/) {
        indent = substr($0, 1, index($0, "@") - 1)
        name = substr($0, length(indent) + 3, length($0) - length(indent) - 4)
        file = ENVIRON["PLACEHOLDER_" name]
        if (file == "") { print "unknown placeholder " name > "/dev/stderr"; exit 1 }
        while ((getline line < file) > 0) print (line == "" ? "" : indent line)
        close(file)
        next
      }
      { print }
    ' "$AZURE_DIR/cloud-init.yaml.tpl"
}

# A here-document writing one file; the marker cannot occur in any of the files (checked).
readonly END_MARKER=CHATMSG_FILE_END
# $4 decodes the here-document ("base64 -d | gunzip"): its first command reads it, the last writes the file.
script_file() {
  local path=$1 mode=$2 source=$3 decode=${4:-cat} pipe=''
  if grep -qx "$END_MARKER" "$source"; then die "$source contains the line $END_MARKER"; fi
  if [[ $decode == *' | '* ]]; then pipe=" | ${decode#* | }" decode=${decode%% | *}; fi
  printf "%s <<'%s'%s >'%s'\n" "$decode" "$END_MARKER" "$pipe" "$path"
  cat "$source"
  # $(...) drops a final newline: empty means the file ends with one.
  if [[ -n $(tail -c 1 "$source") ]]; then echo; fi
  printf '%s\nchmod %s %s\n' "$END_MARKER" "$mode" "$path"
}

# The same files as the cloud-init payload, for a VM that already runs: written, then provision.sh again.
render_script() {
  printf '#!/bin/bash\n# CHAT-MSG Lab: re-provisions the server VM (deploy.sh runs it with az vm run-command invoke).\n'
  printf 'set -euo pipefail\numask 022\nmkdir -p /opt/chatmsg %s /etc/systemd/system/%s.d\n' "$TLS_DIR" "$UNIT"
  script_file /opt/chatmsg/chatmsg-server.mjs 0644 "$work/bundle.b64" 'base64 -d | gunzip'
  script_file /etc/chatmsg/server.env 0644 "$work/server.env"
  if [[ -n $tls_cert ]]; then
    script_file "$TLS_DIR/server.crt" 0644 "$tls_cert"
    script_file "$TLS_DIR/server.key" 0600 "$tls_key"
  else
    printf 'rm -f %s/server.crt %s/server.key\n' "$TLS_DIR" "$TLS_DIR"
  fi
  script_file "/etc/systemd/system/$UNIT" 0644 "$AZURE_DIR/$UNIT"
  script_file "/etc/systemd/system/$UNIT.d/deploy.conf" 0644 "$work/drop-in.conf"
  script_file /opt/chatmsg/provision.sh 0755 "$AZURE_DIR/provision.sh"
  # deploy.sh looks for this line: run-command reports success even when the script fails.
  printf 'bash /opt/chatmsg/provision.sh\necho "%s"\n' "$REPROVISIONED_MARKER"
}

if [[ $format == script ]]; then render_script >"$work/out"; else render_cloud_init >"$work/out"; fi

size=$(wc -c <"$work/out")
if [[ $format == cloud-init ]]; then
  ((size <= CUSTOM_DATA_LIMIT)) ||
    die "the custom data is $size bytes, over Azure's limit of $CUSTOM_DATA_LIMIT bytes: the server bundle is too big"
  log "custom data: $size of $CUSTOM_DATA_LIMIT bytes"
else
  ((size <= RUN_COMMAND_SCRIPT_LIMIT)) ||
    die "the re-provisioning script is $size bytes, over run-command's limit of $RUN_COMMAND_SCRIPT_LIMIT bytes"
fi

if [[ -n $output ]]; then
  mkdir -p "$(dirname "$output")"
  cp "$work/out" "$output"
else
  cat "$work/out"
fi
