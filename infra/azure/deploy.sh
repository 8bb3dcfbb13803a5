#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Deploys the CHAT-MSG server of this checkout to a small Azure VM reachable from the Internet:
# a resource group of its own, an NSG opening the chat port to everyone and SSH to your address only,
# a static public IP with a DNS name, an Ubuntu 24.04 VM provisioned by cloud-init (Node.js LTS, the
# bundled server, a systemd service), a daily auto-shutdown. Waits until the server answers HELLO, then
# prints the commands to use it.
# Checks first, creates after: your login, the bundle and the custom data, the region your subscription's
# policy allows, the size's availability there and your vCPU quota. Any failure stops it with one line
# saying what failed and what to do; if resources exist by then, it says which (--cleanup-on-failure
# deletes a group this run created).
# Safe to run again: a stopped VM is started, the rules updated (your address may have changed), and a
# changed port, server options, Node.js line, server code or --secure applied to the running VM.
#
# Usage: deploy.sh [options]                       (option / environment variable / default)
#   -g, --resource-group NAME  CHATMSG_RESOURCE_GROUP  chatmsg-lab
#   -n, --name NAME            CHATMSG_VM_NAME         chatmsg-server
#   -l, --location REGION      CHATMSG_LOCATION        westeurope, or the first region your policy allows
#   --size SIZE                CHATMSG_VM_SIZE         Standard_B2ats_v2
#   --image URN                CHATMSG_IMAGE           Canonical:ubuntu-24_04-lts:server:latest
#                                                      (server-arm64 for Arm64 sizes such as Standard_B2pts_v2)
#   --port N                   CHATMSG_PORT            5151 (443 passes most campus firewalls; not 22)
#   --secure                   CHATMSG_SECURE=1        TLS only, with a certificate for the VM's IP and DNS
#                                                      name from scripts/make-lab-ca.sh, and the identity
#                                                      registry kept on the VM
#   --tls-dir DIR              CHATMSG_TLS_DIR         .chatmsg-tls/<group> (the lab CA; its key stays here)
#   --dns-label LABEL          CHATMSG_DNS_LABEL       <vm name>-<random>: LABEL.<region>.cloudapp.azure.com
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
#   --cleanup-on-failure       if the deploy fails, delete the resource group this run created
#                              CHATMSG_OUTPUT_DIR      dist/azure (where the rendered cloud-init.yaml is kept)
#   --dry-run                  print every az command instead of running it (no Azure account needed)
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
USAGE="$SCRIPT_NAME.sh [-g GROUP] [-n VM] [-l REGION] [--size SIZE] [--port N] [--secure] [--ssh-source IP] [--dry-run] ..."

server_bundle=''
wait_timeout=900
cleanup_on_failure=false
secure=false
[[ ${CHATMSG_SECURE:-} != 1 ]] || secure=true
tls_dir=${CHATMSG_TLS_DIR:-}
dns_label=${CHATMSG_DNS_LABEL:-}
# What the caller chose, as opposed to defaults an existing group or VM may override.
location_given=false size_given=false image_given=false port_given=false secure_given=$secure
[[ -z ${CHATMSG_LOCATION:-} ]] || location_given=true
[[ -z ${CHATMSG_PORT:-} ]] || port_given=true
[[ -z ${CHATMSG_VM_SIZE:-} ]] || size_given=true
[[ -z $IMAGE ]] || image_given=true
while (($#)); do
  case $1 in
    -l | --location) need_value "$@" && LOCATION=$2 location_given=true ;;
    --size) need_value "$@" && VM_SIZE=$2 size_given=true ;;
    --image) need_value "$@" && IMAGE=$2 image_given=true ;;
    --port) need_value "$@" && CHAT_PORT=$2 port_given=true ;;
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
    --tls-dir) need_value "$@" && tls_dir=$2 ;;
    --dns-label) need_value "$@" && dns_label=$2 ;;
    --secure | --cleanup-on-failure)
      if [[ $1 == --secure ]]; then secure=true secure_given=true; else cleanup_on_failure=true; fi
      shift
      continue
      ;;
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
((10#$CHAT_PORT != 22)) || usage_error "port 22 is the VM's SSH: pick another, e.g. 443 or 5151"
[[ $wait_timeout =~ ^[0-9]+$ ]] || usage_error "bad wait timeout '$wait_timeout': expected seconds"
[[ -z $SSH_PUBLIC_KEY || -f $SSH_PUBLIC_KEY ]] || usage_error "no SSH public key at '$SSH_PUBLIC_KEY'"
[[ -z $SSH_SOURCE ]] || is_ipv4 "$SSH_SOURCE" || usage_error "bad SSH source '$SSH_SOURCE': expected an IPv4 address"
# Azure's rule for public IP DNS labels.
[[ -z $dns_label || $dns_label =~ ^[a-z][a-z0-9-]{1,61}[a-z0-9]$ ]] ||
  usage_error "bad DNS label '$dns_label': 3-63 lower-case letters, digits and hyphens, starting with a letter"
[[ -n $tls_dir ]] || tls_dir=$REPO_ROOT/.chatmsg-tls/$RESOURCE_GROUP

# What this run found and made; the steps below fill these in.
group_exists=false group_created=false vm_exists=false
vm_tags_config='' created=()
# Kept after the run (git-ignored), to read what the VM got; private (with --secure it holds the server key).
custom_data=${CHATMSG_OUTPUT_DIR:-$REPO_ROOT/dist/azure}/cloud-init.yaml
umask 077
public_ip='' fqdn=''
# The certificate and key the VM gets (--secure), as render-cloud-init.sh options.
tls_files='' tls_args=()

# The one line after a failed az call: what failed, the error code, and what to do about it.
az_failed() {
  local what=$1 code hint
  code=$(az_error_code)
  case $code in
    SkuNotAvailable)
      hint="size $VM_SIZE has no capacity for your subscription in $LOCATION: deploy with --size <another size> or -l <another region> (az vm list-skus -l $LOCATION --size Standard_B --resource-type virtualMachines -o table)" ;;
    RequestDisallowedByAzure | RequestDisallowedByPolicy)
      hint="your subscription's policy does not allow region $LOCATION: deploy with -l <an allowed region> (az policy assignment list, see infra/README.md, Allowed regions)" ;;
    QuotaExceeded)
      hint="not enough vCPU quota for $VM_SIZE in $LOCATION: delete a VM you no longer need (az vm list -o table), pick a smaller --size or deploy with -l <another region>" ;;
    InvalidResourceLocation)
      hint="a resource of that name exists in another region: run infra/azure/destroy.sh -g $RESOURCE_GROUP first, or use another -g" ;;
    AuthorizationFailed)
      hint="your account may not do this in the current subscription: pick one where you are Owner or Contributor (az account set --subscription <id>)" ;;
    *) hint="see az's message above; fix its cause and run deploy.sh again" ;;
  esac
  die "$what failed${code:+ ($code)}: $hint"
}

# A failed run says what it leaves behind, so nothing is paid for unknowingly.
report_leftovers() {
  local status=$1 made=''
  ((status != 0)) && ! $DRY_RUN || return 0
  if ((${#created[@]})); then made=$(printf '%s, ' "${created[@]}") && made=${made%, }; fi
  if $group_created && $cleanup_on_failure; then
    log "--cleanup-on-failure: deleting resource group $RESOURCE_GROUP, created by this run${made:+ ($made)}"
    az_run group delete --name "$RESOURCE_GROUP" --yes --no-wait ||
      log "the cleanup failed too: run infra/azure/destroy.sh -g $RESOURCE_GROUP"
  elif $group_created; then
    log "left behind: resource group $RESOURCE_GROUP ($LOCATION) with ${made:-nothing in it yet}: run deploy.sh again once fixed, or delete it with infra/azure/destroy.sh -g $RESOURCE_GROUP"
  elif $group_exists; then
    log "resource group $RESOURCE_GROUP existed before this run and is kept${made:+ (this run added $made)}: infra/azure/destroy.sh -g $RESOURCE_GROUP deletes it"
  fi
}
EXIT_HOOK=report_leftovers

# Your public IPv4 address, as the Internet sees it: the only source allowed to reach SSH.
find_ssh_source() {
  [[ -z $SSH_SOURCE ]] || return 0
  if $DRY_RUN; then
    SSH_SOURCE='<your-ip>'
    log "dry run: SSH source left as $SSH_SOURCE (give --ssh-source to see it filled in)"
    return
  fi
  log "asking the Internet for your public address (skip with --ssh-source)"
  local url address
  for url in https://api.ipify.org https://ifconfig.me/ip https://icanhazip.com; do
    address=$(curl -4 -fsS --max-time 10 "$url" 2>/dev/null | tr -d '[:space:]') || continue
    if is_ipv4 "$address"; then
      SSH_SOURCE=$address
      return
    fi
  done
  die "could not find your public IPv4 address: pass it with --ssh-source <ip>"
}

find_ssh_key() {
  local key
  [[ -z $SSH_PUBLIC_KEY ]] || return 0
  for key in "$HOME/.ssh/id_ed25519.pub" "$HOME/.ssh/id_rsa.pub"; do
    if [[ -f $key ]]; then
      SSH_PUBLIC_KEY=$key
      return
    fi
  done
}

render() {
  "$AZURE_DIR/render-cloud-init.sh" --server-bundle "$server_bundle" --port "$CHAT_PORT" \
    --node-major "$NODE_MAJOR" --server-options "$SERVER_OPTIONS" "$@"
}

# The bundle, built before anything else (a failed build stops everything).
build_bundle() {
  if [[ -z $server_bundle ]]; then
    # A fresh file of this run: a failed build leaves no stale bundle to deploy.
    server_bundle=$WORK_DIR/chatmsg-server.mjs
    log "bundling the server (npm run bundle)"
    (cd "$REPO_ROOT" && npm run -s bundle -- --outfile "$server_bundle") >&2 ||
      die "npm run bundle failed (see above): fix the build, or pass --server-bundle FILE; nothing was created"
  fi
  [[ -f $server_bundle ]] || die "no server bundle at $server_bundle: run npm run bundle, or pass --server-bundle FILE; nothing was created"
}

# The custom data, rendered (and its size checked) before anything is created. The secure variant
# renders again once the certificate exists; the certificate and key add about 1.5 KB.
render_payload() {
  rm -f "$custom_data"
  render --output "$custom_data" ||
    die "rendering the cloud-init custom data failed (see above); nothing was created"
}

check_group() {
  local exists tag_and_location tag location
  exists=$(az_query false group exists --name "$RESOURCE_GROUP" -o json) || az_failed "checking resource group $RESOURCE_GROUP"
  [[ $exists == true ]] || return 0
  group_exists=true
  tag_and_location=$(az_query "$GROUP_TAG_VALUE	$LOCATION" group show --name "$RESOURCE_GROUP" \
    --query "[[tags.$GROUP_TAG_KEY, location]]" -o tsv) || az_failed "reading resource group $RESOURCE_GROUP"
  IFS=$'\t' read -r tag location <<<"$tag_and_location"
  # A group of our own: destroy.sh deletes the whole group, so never reuse someone else's.
  [[ $tag == "$GROUP_TAG_VALUE" ]] ||
    die "resource group $RESOURCE_GROUP exists and was not made by deploy.sh (no tag $GROUP_TAG_KEY=$GROUP_TAG_VALUE): pick another name with -g"
  [[ $location != "$LOCATION" ]] || return 0
  if $location_given; then
    die "resource group $RESOURCE_GROUP is in $location, not $LOCATION: run infra/azure/destroy.sh -g $RESOURCE_GROUP first, or deploy with -l $location or another -g"
  fi
  log "resource group $RESOURCE_GROUP exists in $location: deploying there, not in $LOCATION"
  LOCATION=$location
}

# A VM of an earlier run: its size and image stay; what it runs is compared with this run's payload.
check_existing_vm() {
  $group_exists || return 0
  local row size port config image was_secure
  row=$(az_query '' vm list --resource-group "$RESOURCE_GROUP" --query \
    "[?name=='$VM_NAME'].[hardwareProfile.vmSize, tags.chatmsg_port, tags.chatmsg_config, tags.chatmsg_image, tags.chatmsg_secure]" \
    -o tsv) || az_failed "looking for VM $VM_NAME"
  [[ -n $row ]] || return 0
  vm_exists=true
  IFS=$'\t' read -r size port config image was_secure <<<"$row"
  [[ $config != None ]] || config=''
  [[ $image != None ]] || image=''
  vm_tags_config=$config
  # Without --port or --secure, a re-run keeps what the VM serves (after the auto-shutdown, say).
  if ! $port_given && is_port "$port" && [[ $port != "$CHAT_PORT" ]]; then
    log "VM $VM_NAME serves port $port: kept (--port to change it)"
    CHAT_PORT=$port
  fi
  if ! $secure_given && [[ $was_secure == true ]]; then
    log "VM $VM_NAME serves the secure variant: kept"
    secure=true
  fi
  if [[ $size != "$VM_SIZE" ]]; then
    $size_given && die "VM $VM_NAME exists with size $size; --size $VM_SIZE needs a new VM: run infra/azure/destroy.sh -g $RESOURCE_GROUP first, or leave --size out"
    log "VM $VM_NAME exists with size $size: kept"
    VM_SIZE=$size
  fi
  if [[ -n $image && $image != "$IMAGE" ]]; then
    $image_given && die "VM $VM_NAME exists with image $image; --image $IMAGE needs a new VM: run infra/azure/destroy.sh -g $RESOURCE_GROUP first, or leave --image out"
    IMAGE=$image
  fi
}

# Azure for Students allows a few regions only (the policy assignment sys.regionrestriction). Without
# --disable-scope-strict-match the CLI lists only assignments made at the subscription itself.
allowed_regions() {
  az_query "$LOCATION" policy assignment list --disable-scope-strict-match \
    --query "[?name=='sys.regionrestriction'] | [0].parameters.listOfAllowedLocations.value" -o tsv
}

# The size in a region: "family<TAB>vCPUs<TAB>restrictions", empty when the region does not offer it.
size_in_region() {
  az_query "standardBasv2Family	2	" vm list-skus --location "$1" --size "$VM_SIZE" --resource-type virtualMachines \
    --query "[?name=='$VM_SIZE'].[family, capabilities[?name=='vCPUs'].value | [0], join(',', restrictions[?type=='Location'].reasonCode)]" \
    -o tsv
}

size_available() {
  local row family vcpus restrictions
  row=$(size_in_region "$1") || az_failed "listing the sizes of region $1 (az vm list-skus)"
  IFS=$'\t' read -r family vcpus restrictions <<<"$row"
  [[ -n $family && -z $restrictions ]]
}

check_region() {
  local allowed region
  allowed=$(allowed_regions) || az_failed "reading your subscription's allowed regions (az policy assignment list)"
  [[ -n $allowed ]] || return 0
  if grep -qx "$LOCATION" <<<"$allowed"; then return; fi
  allowed=$(tr '\n' ' ' <<<"$allowed")
  allowed=${allowed% }
  if $location_given || $group_exists; then
    die "region $LOCATION is not allowed by your subscription's policy (allowed: $allowed): deploy with -l <one of them>"
  fi
  for region in $allowed; do
    if size_available "$region"; then
      log "region $LOCATION is not allowed by your subscription's policy (allowed: $allowed): using $region, which offers $VM_SIZE (choose with -l)"
      LOCATION=$region
      return
    fi
  done
  die "none of the regions your subscription allows ($allowed) offers $VM_SIZE to you: deploy with --size <another size> (az vm list-skus -l <region> --size Standard_B --resource-type virtualMachines -o table)"
}

check_size_and_quota() {
  $vm_exists && return 0
  local row family vcpus restrictions usage name current limit
  row=$(size_in_region "$LOCATION") || az_failed "listing the sizes of region $LOCATION (az vm list-skus)"
  IFS=$'\t' read -r family vcpus restrictions <<<"$row"
  [[ -n $family ]] ||
    die "size $VM_SIZE is not offered in $LOCATION: deploy with --size <another size> or -l <another region> (az vm list-skus -l $LOCATION --size Standard_B --resource-type virtualMachines -o table)"
  [[ -z $restrictions ]] ||
    die "size $VM_SIZE is not available to your subscription in $LOCATION ($restrictions): deploy with --size <another size> or -l <another region>"
  usage=$(az_query "$family	0	10" vm list-usage --location "$LOCATION" \
    --query "[?name.value=='$family' || name.value=='cores'].[name.value, currentValue, limit]" -o tsv) ||
    az_failed "reading your vCPU quota in $LOCATION (az vm list-usage)"
  while IFS=$'\t' read -r name current limit; do
    [[ -n $name ]] || continue
    [[ $current =~ ^[0-9]+$ && $limit =~ ^[0-9]+$ && $vcpus =~ ^[0-9]+$ ]] || continue
    ((current + vcpus <= limit)) ||
      die "not enough vCPU quota in $LOCATION: $name uses $current of $limit vCPUs and $VM_SIZE needs $vcpus: delete a VM you no longer need (az vm list -o table), pick a smaller --size or deploy with -l <another region>"
  done <<<"$usage"
}

ensure_group() {
  if $group_exists; then
    log "resource group $RESOURCE_GROUP exists (made by deploy.sh), kept"
    return
  fi
  az_do group create --name "$RESOURCE_GROUP" --location "$LOCATION" \
    --tags "$GROUP_TAG_KEY=$GROUP_TAG_VALUE" -o none || az_failed "creating resource group $RESOURCE_GROUP in $LOCATION"
  group_created=true
}

# The NSG and its two inbound rules exist before the VM, so the port is open when the server starts.
# `nsg rule create` replaces a rule of the same name, so running again updates your SSH address and the port.
ensure_firewall() {
  local location
  location=$(az_query '' network nsg list --resource-group "$RESOURCE_GROUP" --query "[?name=='$(nsg_name)'].location" -o tsv) ||
    az_failed "looking for NSG $(nsg_name)"
  if [[ -n $location && $location != "$LOCATION" ]]; then
    die "NSG $(nsg_name) exists in $location, not $LOCATION: run infra/azure/destroy.sh -g $RESOURCE_GROUP first"
  elif [[ -z $location ]]; then
    az_do network nsg create --resource-group "$RESOURCE_GROUP" --name "$(nsg_name)" --location "$LOCATION" -o none ||
      az_failed "creating NSG $(nsg_name)"
    created+=("NSG $(nsg_name)")
  fi
  az_do network nsg rule create --resource-group "$RESOURCE_GROUP" --nsg-name "$(nsg_name)" \
    --name "$CHAT_RULE_NAME" --priority "$CHAT_RULE_PRIORITY" --direction Inbound --access Allow \
    --protocol Tcp --source-address-prefixes Internet --source-port-ranges '*' \
    --destination-address-prefixes '*' --destination-port-ranges "$CHAT_PORT" \
    --description "CHAT-MSG from anywhere" -o none || az_failed "opening port $CHAT_PORT (NSG rule $CHAT_RULE_NAME)"
  az_do network nsg rule create --resource-group "$RESOURCE_GROUP" --nsg-name "$(nsg_name)" \
    --name "$SSH_RULE_NAME" --priority "$SSH_RULE_PRIORITY" --direction Inbound --access Allow \
    --protocol Tcp --source-address-prefixes "$SSH_SOURCE/32" --source-port-ranges '*' \
    --destination-address-prefixes '*' --destination-port-ranges 22 \
    --description "SSH from the deployer address only" -o none || az_failed "opening SSH to $SSH_SOURCE (NSG rule $SSH_RULE_NAME)"
}

# Sets public_ip and fqdn; $1 is what a dry run pretends.
read_public_ip() {
  local row
  row=$(az_query "$1" network public-ip list \
    --resource-group "$RESOURCE_GROUP" --query "[?name=='$(public_ip_name)'].[ipAddress, dnsSettings.fqdn]" -o tsv) ||
    az_failed "reading public IP $(public_ip_name)"
  IFS=$'\t' read -r public_ip fqdn <<<"$row"
  [[ $fqdn != None ]] || fqdn=''
}

# The address exists before the VM, so the secure variant's certificate can name it.
ensure_public_ip() {
  read_public_ip ''
  [[ -z $public_ip ]] || return 0
  [[ -n $dns_label ]] || dns_label=$(printf '%s-%s' "$VM_NAME" "$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')" | tr '[:upper:]' '[:lower:]')
  az_do network public-ip create --resource-group "$RESOURCE_GROUP" --name "$(public_ip_name)" --location "$LOCATION" \
    --sku Standard --allocation-method Static --dns-name "$dns_label" -o none ||
    az_failed "creating public IP $(public_ip_name) (DNS name $dns_label)"
  created+=("public IP $(public_ip_name)")
  read_public_ip "<public-ip>	$dns_label.$LOCATION.cloudapp.azure.com"
  [[ -n $public_ip ]] || die "public IP $(public_ip_name) has no address (az network public-ip show -g $RESOURCE_GROUP -n $(public_ip_name))"
}

# The certificate names the VM's address and DNS name; the CA's key never leaves this machine.
cert_covers() {
  local cert=$tls_dir/server.crt name names
  [[ -f $cert && -f $tls_dir/server.key && -f $tls_dir/ca.crt ]] || return 1
  openssl x509 -in "$cert" -noout -checkend 86400 >/dev/null || return 1
  # -text, not -ext subjectAltName: LibreSSL (macOS) has no -ext.
  names=$(openssl x509 -in "$cert" -noout -text | grep -A1 'Subject Alternative Name' | tail -n 1)
  for name in "$public_ip" ${fqdn:+"$fqdn"}; do
    grep -Eq "(IP Address|DNS):$name(,|\$)" <<<"$names" || return 1
  done
}

make_certificate() {
  $secure || return 0
  tls_files=$tls_dir
  if $DRY_RUN; then
    log "dry run: would make the lab CA and a certificate for $public_ip${fqdn:+ and $fqdn} in $tls_dir (scripts/make-lab-ca.sh)"
    # A stand-in pair, so the dry run renders what deploy.sh would send.
    tls_files=$WORK_DIR/tls
    "$REPO_ROOT/scripts/make-lab-ca.sh" "$tls_files" >/dev/null || die "scripts/make-lab-ca.sh failed (see above): is openssl installed?"
  elif cert_covers; then
    log "TLS certificate for $public_ip${fqdn:+ and $fqdn} in $tls_dir: kept"
  else
    log "making the lab CA and a certificate for $public_ip${fqdn:+ and $fqdn} in $tls_dir"
    "$REPO_ROOT/scripts/make-lab-ca.sh" "$tls_dir" "$public_ip" ${fqdn:+"$fqdn"} >&2 ||
      die "scripts/make-lab-ca.sh failed (see above): is openssl installed?"
  fi
  tls_args=(--tls-cert "$tls_files/server.crt" --tls-key "$tls_files/server.key")
  render "${tls_args[@]}" --output "$custom_data" ||
    die "rendering the cloud-init custom data with the TLS certificate failed (see above)"
}

# What the VM runs, as one tag: a changed port, options, Node.js line, server code or certificate changes it.
payload_config() {
  if command -v sha256sum >/dev/null; then sha256sum <"$custom_data"; else shasum -a 256 <"$custom_data"; fi | cut -c 1-16
}

start_if_stopped() {
  local state
  state=$(az_query 'VM running' vm get-instance-view --resource-group "$RESOURCE_GROUP" --name "$VM_NAME" \
    --query "instanceView.statuses[?starts_with(code, 'PowerState/')].displayStatus | [0]" -o tsv) ||
    az_failed "reading the power state of VM $VM_NAME"
  [[ $state != 'VM running' ]] || return 0
  local shown=${state#VM }
  [[ -n $shown && $shown != None ]] || shown='not running'
  log "VM $VM_NAME is $shown: starting it (the daily auto-shutdown deallocates it)"
  az_do vm start --resource-group "$RESOURCE_GROUP" --name "$VM_NAME" -o none || az_failed "starting VM $VM_NAME"
}

# The running VM gets this run's files and provision.sh again (run-command needs no SSH).
reprovision() {
  local script=$WORK_DIR/reprovision.sh output
  render ${tls_args[@]+"${tls_args[@]}"} --format script --output "$script" ||
    die "rendering the re-provisioning script failed (see above)"
  log "VM $VM_NAME runs other settings or server code: applying port $CHAT_PORT, the options and this checkout's server (az vm run-command invoke, a minute or two)"
  output=$(az_query "$REPROVISIONED_MARKER" vm run-command invoke --resource-group "$RESOURCE_GROUP" --name "$VM_NAME" \
    --command-id RunShellScript --scripts "@$script" --query 'value[0].message' -o tsv) ||
    az_failed "re-provisioning VM $VM_NAME (az vm run-command invoke)"
  # run-command succeeds even when the script fails: its output tells.
  grep -qF "$REPROVISIONED_MARKER" <<<"$output" || {
    printf '%s\n' "$output" >&2
    die "re-provisioning VM $VM_NAME failed (its output above): ssh $ADMIN_USER@$public_ip, then journalctl -u chatmsg-server -n 50"
  }
}

ensure_vm() {
  local config ssh_args=(--generate-ssh-keys) tags
  config=$(payload_config)
  tags=("chatmsg_port=$CHAT_PORT" "chatmsg_config=$config" "chatmsg_image=$IMAGE" "chatmsg_secure=$secure")
  if $vm_exists; then
    start_if_stopped
    if [[ $vm_tags_config == "$config" ]]; then
      log "VM $VM_NAME exists and runs this port, these options and this server: kept"
      return
    fi
    reprovision
    local sets=() tag
    for tag in "${tags[@]}"; do sets+=("tags.$tag"); done
    az_do vm update --resource-group "$RESOURCE_GROUP" --name "$VM_NAME" --set "${sets[@]}" -o none ||
      az_failed "tagging VM $VM_NAME with its new settings"
    return
  fi
  if [[ -n $SSH_PUBLIC_KEY ]]; then ssh_args=(--ssh-key-values "$SSH_PUBLIC_KEY"); fi
  az_do vm create --resource-group "$RESOURCE_GROUP" --name "$VM_NAME" --location "$LOCATION" \
    --image "$IMAGE" --size "$VM_SIZE" --admin-username "$ADMIN_USER" "${ssh_args[@]}" \
    --authentication-type ssh --public-ip-address "$(public_ip_name)" \
    --nsg "$(nsg_name)" --nsg-rule NONE --custom-data "$custom_data" --tags "${tags[@]}" -o none ||
    az_failed "creating VM $VM_NAME ($VM_SIZE in $LOCATION)"
  created+=("VM $VM_NAME")
}

set_auto_shutdown() {
  az_do vm auto-shutdown --resource-group "$RESOURCE_GROUP" --name "$VM_NAME" --time "$SHUTDOWN_TIME" -o none ||
    az_failed "setting the daily auto-shutdown of VM $VM_NAME"
}

wait_for_server() {
  if $DRY_RUN; then
    log "dry run: would wait until $public_ip:$CHAT_PORT answers (chatmsg-probe --wait $wait_timeout)"
    return
  fi
  local args=()
  if $secure; then args=(--tls --ca "$tls_dir/ca.crt"); fi
  # cloud-init keeps installing after `az vm create` returns: wait for the server itself.
  log "waiting for the server at $public_ip:$CHAT_PORT (cloud-init installs Node.js and the service, a few minutes)"
  run_probe "$public_ip" "$CHAT_PORT" --wait "$wait_timeout" --interval 10 ${args[@]+"${args[@]}"} ||
    die "the server did not answer within $wait_timeout s: see infra/README.md, Troubleshooting (ssh $ADMIN_USER@$public_ip, then sudo cat /var/log/cloud-init-output.log)"
}

print_next_steps() {
  local ip=$public_ip where="$public_ip:$CHAT_PORT" host=$public_ip
  printf '\nCHAT-MSG server: %s   (VM %s in %s, %s, %s%s)\n' "$where" "$VM_NAME" "$RESOURCE_GROUP" "$LOCATION" "$VM_SIZE" \
    "$($secure && echo ', TLS only')"
  [[ -z $fqdn ]] || printf '  DNS name: %s\n' "$fqdn"
  if $secure; then
    cat <<EOF
  npm run client -- $host $CHAT_PORT --tls --ca $tls_dir/ca.crt
  (give $tls_dir/ca.crt to the other clients; never ca.key. The Docker lab and the scenarios speak plain
   TCP: deploy without --secure for them)
EOF
  else
    cat <<EOF
  npm run client -- $host $CHAT_PORT
  npm run compose -- broadcast5 --remote $where
  npm run scenario basic -- --server $where
EOF
  fi
  cat <<EOF
  ssh $ADMIN_USER@$ip            (from $SSH_SOURCE only; then: journalctl -u chatmsg-server -f)
  infra/azure/status.sh -g $RESOURCE_GROUP -n $VM_NAME
  infra/azure/destroy.sh -g $RESOURCE_GROUP
The VM shuts down every day at $SHUTDOWN_TIME UTC (deploy.sh again, or az vm start -g $RESOURCE_GROUP -n $VM_NAME, brings it back).
A stopped VM still costs its disk and address: run destroy.sh when the lab is over.
EOF
}

# Checks before anything is created, then each resource in order.
steps=(
  require_az find_ssh_source find_ssh_key build_bundle
  check_group check_existing_vm check_region check_size_and_quota render_payload
  ensure_group ensure_firewall ensure_public_ip make_certificate ensure_vm set_auto_shutdown
  wait_for_server print_next_steps
)
for step in "${steps[@]}"; do "$step"; done
