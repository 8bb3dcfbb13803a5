#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Is the lab's Azure server up? Shows the VM's power state and public IP, then checks the server from
# this machine the way a client would (connect, HELLO, PING/PONG) and prints a PASS/FAIL verdict.
# Exit 0 when the server answers, 1 otherwise.
#
# Usage: status.sh [options]
#   -g, --resource-group NAME  CHATMSG_RESOURCE_GROUP  chatmsg-lab
#   -n, --name NAME            CHATMSG_VM_NAME         chatmsg-server
#   --port N                   CHATMSG_PORT            the port deploy.sh tagged the VM with, else 5151
#   --tls-dir DIR              CHATMSG_TLS_DIR         .chatmsg-tls/<group> (its ca.crt checks a --secure server)
#   --server HOST:PORT         skip Azure and only check this server (any CHAT-MSG/1 server)
#   --timeout S                seconds allowed for each step of the check (default 5)
#   --wait S                   keep trying for up to S seconds (after az vm start, say; default 0)
#   --dry-run                  print the az commands instead of running them
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
USAGE="$SCRIPT_NAME.sh [-g GROUP] [-n VM] [--port N] [--tls-dir DIR] [--server HOST:PORT] [--timeout S] [--wait S] [--dry-run]"

server=''
timeout=5
wait=0
port_given=false
[[ -z ${CHATMSG_PORT:-} ]] || port_given=true
tls_dir=${CHATMSG_TLS_DIR:-}
probe_tls=()
while (($#)); do
  case $1 in
    --port) need_value "$@" && CHAT_PORT=$2 port_given=true ;;
    --tls-dir) need_value "$@" && tls_dir=$2 ;;
    --server) need_value "$@" && server=$2 ;;
    --timeout) need_value "$@" && timeout=$2 ;;
    --wait) need_value "$@" && wait=$2 ;;
    *)
      take_common_option "$@" || usage_error "unknown option '$1'"
      shift "$SHIFT_BY"
      continue
      ;;
  esac
  shift 2
done

check_common_options
[[ $timeout =~ ^[1-9][0-9]*$ ]] || usage_error "bad timeout '$timeout': expected whole seconds > 0"
[[ $wait =~ ^[0-9]+$ ]] || usage_error "bad wait '$wait': expected whole seconds"

# The check itself: chatmsg-probe prints the PASS/FAIL line.
check_server() {
  local host=$1 port=$2
  if $DRY_RUN; then
    log "dry run: would check $host:$port (chatmsg-probe: connect, HELLO, PING/PONG)"
    return
  fi
  run_probe "$host" "$port" --timeout "$timeout" --wait "$wait" ${probe_tls[@]+"${probe_tls[@]}"}
}

if [[ -n $server ]]; then
  host=${server%:*} port=${server##*:}
  if [[ $server != *:* || -z $host ]] || ! is_port "$port"; then usage_error "bad server '$server': expected HOST:PORT"; fi
  check_server "$host" "$port"
  exit
fi

require_az
# One tab-separated row; az writes a missing value as None. deploy.sh tags the VM with its port and variant.
vm=$(az_query $'VM running\t<public-ip>\tNone\tNone' vm show --show-details --resource-group "$RESOURCE_GROUP" --name "$VM_NAME" \
  --query '[[powerState, publicIps, tags.chatmsg_port, tags.chatmsg_secure]]' -o tsv 2>/dev/null) ||
  { echo "FAIL no VM $VM_NAME in resource group $RESOURCE_GROUP (deploy it with infra/azure/deploy.sh)"; exit 1; }
IFS=$'\t' read -r power_state public_ip tagged_port secure <<<"$vm"
[[ $power_state != None ]] || power_state=''
[[ $public_ip != None ]] || public_ip=''
if ! $port_given && is_port "$tagged_port"; then CHAT_PORT=$tagged_port; fi
echo "VM $VM_NAME ($RESOURCE_GROUP): ${power_state:-unknown state}, public IP ${public_ip:-none}, port $CHAT_PORT$([[ $secure != true ]] || echo ', TLS only')"
if [[ $power_state != 'VM running' ]]; then
  echo "FAIL the VM is not running: start it with az vm start -g $RESOURCE_GROUP -n $VM_NAME"
  exit 1
fi
[[ -n $public_ip ]] || { echo "FAIL the VM has no public IP address"; exit 1; }
if [[ $secure == true ]]; then
  ca=${tls_dir:-$REPO_ROOT/.chatmsg-tls/$RESOURCE_GROUP}/ca.crt
  [[ -f $ca ]] || {
    echo "FAIL the server is TLS only (deploy.sh --secure) and there is no lab CA at $ca: copy ca.crt from the machine that deployed, or give --tls-dir"
    exit 1
  }
  probe_tls=(--tls --ca "$ca")
fi
check_server "$public_ip" "$CHAT_PORT"
