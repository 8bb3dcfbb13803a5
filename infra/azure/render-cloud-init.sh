#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Renders the VM's cloud-init custom data from cloud-init.yaml.tpl: the single-file server (gzip + base64),
# its settings, the systemd unit and provision.sh. Fails when the result passes Azure's custom data limit.
# deploy.sh runs it; tests validate its output with `cloud-init schema` and apply it in a container.
#
# Usage: render-cloud-init.sh --server-bundle FILE [--port N] [--node-major N] [--server-options "..."]
#                             [--output FILE]
#   --server-bundle FILE    the bundled server (npm run bundle writes dist/bundle/chatmsg-server.mjs)
#   --port N                the chat port the server listens on (CHATMSG_PORT, default 5151)
#   --node-major N          the Node.js LTS line the VM installs (CHATMSG_NODE_MAJOR, default 24)
#   --server-options "..."  extra server options, e.g. "--max-clients 50" (CHATMSG_SERVER_OPTIONS)
#   --output FILE           where to write it (default: stdout)
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
USAGE="$SCRIPT_NAME.sh --server-bundle FILE [--port N] [--node-major N] [--server-options \"...\"] [--output FILE]"

# Azure decodes the custom data into at most 65535 bytes.
readonly CUSTOM_DATA_LIMIT=65535

bundle=''
output=''
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

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# One line of base64 (tr, not base64 -w 0: macOS's base64 has no -w).
gzip -9 -n -c "$bundle" | base64 | tr -d '\n' >"$work/bundle.b64"
printf 'CHATMSG_PORT=%s\nCHATMSG_OPTIONS=%s\nNODE_MAJOR=%s\n' "$CHAT_PORT" "$SERVER_OPTIONS" "$NODE_MAJOR" >"$work/server.env"

# Each "@@NAME@@" line becomes the file PLACEHOLDER_NAME names, every line indented like the placeholder.
PLACEHOLDER_SERVER_BUNDLE_GZ_B64=$work/bundle.b64 \
  PLACEHOLDER_SERVER_ENV=$work/server.env \
  PLACEHOLDER_SYSTEMD_UNIT=$AZURE_DIR/chatmsg-server.service \
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
  ' "$AZURE_DIR/cloud-init.yaml.tpl" >"$work/cloud-init.yaml"

size=$(wc -c <"$work/cloud-init.yaml")
((size <= CUSTOM_DATA_LIMIT)) ||
  die "the custom data is $size bytes, over Azure's limit of $CUSTOM_DATA_LIMIT bytes: the server bundle is too big"
log "custom data: $size of $CUSTOM_DATA_LIMIT bytes"

if [[ -n $output ]]; then
  mkdir -p "$(dirname "$output")"
  cp "$work/cloud-init.yaml" "$output"
else
  cat "$work/cloud-init.yaml"
fi
