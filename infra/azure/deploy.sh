#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Deploys the CHAT-MSG server of this checkout to a small Azure VM reachable from the Internet:
# a resource group of its own, an NSG opening the chat port to everyone and SSH to your address only,
# an Ubuntu 24.04 VM provisioned by cloud-init (Node.js LTS, the bundled server, a systemd service),
# a daily auto-shutdown. Waits until the server answers HELLO, then prints the commands to use it.
# Safe to run again: it updates the rules (your address may have changed) and keeps an existing VM.
#
# Usage: deploy.sh [options]                       (option / environment variable / default)
#   -g, --resource-group NAME  CHATMSG_RESOURCE_GROUP  chatmsg-lab
#   -n, --name NAME            CHATMSG_VM_NAME         chatmsg-server
#   -l, --location REGION      CHATMSG_LOCATION        westeurope
#   --size SIZE                CHATMSG_VM_SIZE         Standard_B2ats_v2
#   --image URN                CHATMSG_IMAGE           Canonical:ubuntu-24_04-lts:server:latest
#                                                      (server-arm64 for Arm64 sizes such as Standard_B2pts_v2)
#   --port N                   CHATMSG_PORT            5151
#   --ssh-source IPV4          CHATMSG_SSH_SOURCE      your public address, asked from the Internet
#   --ssh-key FILE             CHATMSG_SSH_PUBLIC_KEY  ~/.ssh/id_ed25519.pub or id_rsa.pub, else az generates one
#   --admin-user NAME          CHATMSG_ADMIN_USER      azureuser
#   --shutdown-time HHMM       CHATMSG_SHUTDOWN_TIME   2200 (UTC, daily)
#   --node-major N             CHATMSG_NODE_MAJOR      24 (Node.js LTS line installed on the VM)
#   --server-options "..."     CHATMSG_SERVER_OPTIONS  none (extra server options, e.g. "--max-clients 50")
#   --chat-priority N          CHATMSG_CHAT_RULE_PRIORITY  1000
#   --ssh-priority N           CHATMSG_SSH_RULE_PRIORITY   1010
#   --server-bundle FILE       use this bundled server instead of running npm run bundle
#   --wait-timeout S           how long to wait for the server to answer (default 900)
#   --dry-run                  print every az command instead of running it (no Azure account needed)
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
USAGE="$SCRIPT_NAME.sh [-g GROUP] [-n VM] [-l REGION] [--size SIZE] [--port N] [--ssh-source IP] [--dry-run] ..."

server_bundle=''
wait_timeout=900
while (($#)); do
  case $1 in
    -l | --location) need_value "$@" && LOCATION=$2 ;;
    --size) need_value "$@" && VM_SIZE=$2 ;;
    --image) need_value "$@" && IMAGE=$2 ;;
    --port) need_value "$@" && CHAT_PORT=$2 ;;
    --ssh-source) need_value "$@" && SSH_SOURCE=$2 ;;
    --ssh-key) need_value "$@" && SSH_PUBLIC_KEY=$2 ;;
    --admin-user) need_value "$@" && ADMIN_USER=$2 ;;
    --shutdown-time) need_value "$@" && SHUTDOWN_TIME=$2 ;;
    --node-major) need_value "$@" && NODE_MAJOR=$2 ;;
    --server-options)
      [[ $# -ge 2 ]] || usage_error "$1 needs a value"
      SERVER_OPTIONS=$2
      ;;
    --chat-priority) need_value "$@" && CHAT_RULE_PRIORITY=$2 ;;
    --ssh-priority) need_value "$@" && SSH_RULE_PRIORITY=$2 ;;
    --server-bundle) need_value "$@" && server_bundle=$2 ;;
    --wait-timeout) need_value "$@" && wait_timeout=$2 ;;
    *)
      take_common_option "$@" || usage_error "unknown option '$1'"
      shift "$SHIFT_BY"
      continue
      ;;
  esac
  shift 2
done

check_common_options
if [[ -z $IMAGE ]]; then
  IMAGE=$DEFAULT_IMAGE
  if [[ $VM_SIZE =~ ^Standard_[A-Z]+[0-9]+[a-z]*p[a-z]*_v[0-9]+$ ]]; then IMAGE=$DEFAULT_ARM64_IMAGE; fi
fi
[[ $LOCATION =~ ^[a-z0-9]+$ ]] || usage_error "bad location '$LOCATION': a region name such as westeurope (az account list-locations -o table)"
[[ $VM_SIZE =~ ^[A-Za-z0-9_]+$ ]] || usage_error "bad VM size '$VM_SIZE'"
[[ $IMAGE =~ ^[^:]+:[^:]+:[^:]+:[^:]+$ ]] || usage_error "bad image '$IMAGE': expected a URN publisher:offer:sku:version"
[[ $ADMIN_USER =~ ^[a-z_][a-z0-9_-]{0,31}$ ]] || usage_error "bad admin user '$ADMIN_USER'"
# az vm auto-shutdown --time takes UTC hhmm.
[[ $SHUTDOWN_TIME =~ ^([01][0-9]|2[0-3])[0-5][0-9]$ ]] || usage_error "bad shutdown time '$SHUTDOWN_TIME': expected UTC hhmm, e.g. 2200"
is_priority() { [[ $1 =~ ^[0-9]{3,4}$ ]] && ((10#$1 >= 100 && 10#$1 <= 4096)); }
for priority in "$CHAT_RULE_PRIORITY" "$SSH_RULE_PRIORITY"; do
  is_priority "$priority" || usage_error "bad rule priority '$priority': expected 100-4096"
done
((10#$CHAT_RULE_PRIORITY != 10#$SSH_RULE_PRIORITY)) ||
  usage_error "the chat and SSH rules need different priorities (Azure refuses two rules with one: SecurityRuleConflict)"
# The service runs without any privilege, so it cannot bind ports below 1024 (that includes SSH's 22).
((10#$CHAT_PORT >= 1024)) || usage_error "port $CHAT_PORT is below 1024: the server runs unprivileged, pick 1024-65535"
[[ $wait_timeout =~ ^[0-9]+$ ]] || usage_error "bad wait timeout '$wait_timeout': expected seconds"
[[ -z $SSH_PUBLIC_KEY || -f $SSH_PUBLIC_KEY ]] || usage_error "no SSH public key at '$SSH_PUBLIC_KEY'"
[[ -z $SSH_SOURCE ]] || is_ipv4 "$SSH_SOURCE" || usage_error "bad SSH source '$SSH_SOURCE': expected an IPv4 address"

# Your public IPv4 address, as the Internet sees it: the only source allowed to reach SSH.
discover_ssh_source() {
  local url address
  for url in https://api.ipify.org https://ifconfig.me/ip https://icanhazip.com; do
    address=$(curl -4 -fsS --max-time 10 "$url" 2>/dev/null | tr -d '[:space:]') || continue
    if is_ipv4 "$address"; then
      echo "$address"
      return
    fi
  done
  die "could not find your public IPv4 address: pass it with --ssh-source <ip>"
}

build_custom_data() {
  local custom_data=$REPO_ROOT/dist/azure/cloud-init.yaml
  if [[ -z $server_bundle ]]; then
    server_bundle=$REPO_ROOT/dist/bundle/chatmsg-server.mjs
    log "bundling the server (npm run bundle)"
    (cd "$REPO_ROOT" && npm run -s bundle) >&2
  fi
  "$AZURE_DIR/render-cloud-init.sh" --server-bundle "$server_bundle" --port "$CHAT_PORT" \
    --node-major "$NODE_MAJOR" --server-options "$SERVER_OPTIONS" --output "$custom_data"
  echo "$custom_data"
}

# A group of our own: destroy.sh deletes the whole group, so never reuse someone else's.
create_group() {
  local exists tag
  exists=$(az_query false group exists --name "$RESOURCE_GROUP")
  if [[ $exists == true ]]; then
    tag=$(az_query "$GROUP_TAG_VALUE" group show --name "$RESOURCE_GROUP" --query "tags.$GROUP_TAG_KEY" -o tsv)
    [[ $tag == "$GROUP_TAG_VALUE" ]] ||
      die "resource group $RESOURCE_GROUP exists and was not made by deploy.sh (no tag $GROUP_TAG_KEY=$GROUP_TAG_VALUE): pick another name with -g"
    log "resource group $RESOURCE_GROUP exists (made by deploy.sh), kept"
  else
    az_do group create --name "$RESOURCE_GROUP" --location "$LOCATION" \
      --tags "$GROUP_TAG_KEY=$GROUP_TAG_VALUE" -o none
  fi
}

# The NSG and its two inbound rules exist before the VM, so the port is open when the server starts.
# `nsg rule create` replaces a rule of the same name, so running again updates your SSH address.
create_firewall() {
  az_do network nsg create --resource-group "$RESOURCE_GROUP" --name "$(nsg_name)" --location "$LOCATION" -o none
  az_do network nsg rule create --resource-group "$RESOURCE_GROUP" --nsg-name "$(nsg_name)" \
    --name "$CHAT_RULE_NAME" --priority "$CHAT_RULE_PRIORITY" --direction Inbound --access Allow \
    --protocol Tcp --source-address-prefixes Internet --source-port-ranges '*' \
    --destination-address-prefixes '*' --destination-port-ranges "$CHAT_PORT" \
    --description "CHAT-MSG from anywhere" -o none
  az_do network nsg rule create --resource-group "$RESOURCE_GROUP" --nsg-name "$(nsg_name)" \
    --name "$SSH_RULE_NAME" --priority "$SSH_RULE_PRIORITY" --direction Inbound --access Allow \
    --protocol Tcp --source-address-prefixes "$SSH_SOURCE/32" --source-port-ranges '*' \
    --destination-address-prefixes '*' --destination-port-ranges 22 \
    --description "SSH from the deployer address only" -o none
}

create_vm() {
  local custom_data=$1 existing
  local ssh_args=(--generate-ssh-keys)
  if [[ -n $SSH_PUBLIC_KEY ]]; then ssh_args=(--ssh-key-values "$SSH_PUBLIC_KEY"); fi
  existing=$(az_query '' vm list --resource-group "$RESOURCE_GROUP" --query "[?name=='$VM_NAME'].id" -o tsv)
  if [[ -n $existing ]]; then
    log "VM $VM_NAME exists, kept (to deploy new server code: destroy.sh, then deploy.sh)"
    return
  fi
  az_do vm create --resource-group "$RESOURCE_GROUP" --name "$VM_NAME" --location "$LOCATION" \
    --image "$IMAGE" --size "$VM_SIZE" --admin-username "$ADMIN_USER" "${ssh_args[@]}" \
    --authentication-type ssh --public-ip-sku Standard --public-ip-address "$(public_ip_name)" \
    --nsg "$(nsg_name)" --nsg-rule NONE --custom-data "$custom_data" -o none
}

default_ssh_key() {
  local key
  for key in "$HOME/.ssh/id_ed25519.pub" "$HOME/.ssh/id_rsa.pub"; do
    if [[ -f $key ]]; then
      echo "$key"
      return
    fi
  done
}

print_next_steps() {
  local ip=$1 where="$1:$CHAT_PORT"
  cat <<EOF

CHAT-MSG server: $where   (VM $VM_NAME in $RESOURCE_GROUP, $LOCATION, $VM_SIZE)
  npm run client -- $ip $CHAT_PORT
  npm run compose -- broadcast5 --remote $where
  npm run scenario basic -- --server $where
  ssh $ADMIN_USER@$ip            (from $SSH_SOURCE only; then: journalctl -u chatmsg-server -f)
  infra/azure/status.sh -g $RESOURCE_GROUP -n $VM_NAME
  infra/azure/destroy.sh -g $RESOURCE_GROUP
The VM shuts down every day at $SHUTDOWN_TIME UTC (az vm start -g $RESOURCE_GROUP -n $VM_NAME brings it back).
A stopped VM still costs its disk and address: run destroy.sh when the lab is over.
EOF
}

require_az
[[ -n $SSH_PUBLIC_KEY ]] || SSH_PUBLIC_KEY=$(default_ssh_key)
if [[ -z $SSH_SOURCE ]]; then
  log "asking the Internet for your public address (skip with --ssh-source)"
  SSH_SOURCE=$(discover_ssh_source)
fi

custom_data=$(build_custom_data)
create_group
create_firewall
create_vm "$custom_data"
az_do vm auto-shutdown --resource-group "$RESOURCE_GROUP" --name "$VM_NAME" --time "$SHUTDOWN_TIME" -o none
public_ip=$(az_query '<public-ip>' vm show --show-details --resource-group "$RESOURCE_GROUP" --name "$VM_NAME" \
  --query publicIps -o tsv)

if $DRY_RUN; then
  log "dry run: would wait until $public_ip:$CHAT_PORT answers (chatmsg-probe --wait $wait_timeout)"
else
  [[ -n $public_ip ]] || die "the VM has no public IP address (az vm show --show-details -g $RESOURCE_GROUP -n $VM_NAME)"
  # cloud-init keeps installing after `az vm create` returns: wait for the server itself.
  log "waiting for the server at $public_ip:$CHAT_PORT (cloud-init installs Node.js and the service, a few minutes)"
  run_probe "$public_ip" "$CHAT_PORT" --wait "$wait_timeout" --interval 10 ||
    die "the server did not answer within $wait_timeout s: see infra/README.md, Troubleshooting (ssh $ADMIN_USER@$public_ip, then sudo cat /var/log/cloud-init-output.log)"
fi
print_next_steps "$public_ip"
