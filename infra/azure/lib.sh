# shellcheck shell=bash
# shellcheck disable=SC2034 # the variables are read by the scripts that source this file
# Shared by deploy.sh, status.sh, destroy.sh and render-cloud-init.sh (sourced, never run):
# the defaults, option checks, and the az wrapper that --dry-run turns into printing.

AZURE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$AZURE_DIR/../.." && pwd)
SCRIPT_NAME=$(basename "$0" .sh)

# Defaults; each one can be changed with an environment variable or an option of the scripts.
RESOURCE_GROUP=${CHATMSG_RESOURCE_GROUP:-chatmsg-lab}
VM_NAME=${CHATMSG_VM_NAME:-chatmsg-server}
LOCATION=${CHATMSG_LOCATION:-westeurope}
# In the students' free hours, and not under the B1s capacity limits.
VM_SIZE=${CHATMSG_VM_SIZE:-Standard_B2ats_v2}
# There is no Ubuntu 24.04 alias: the full URN.
readonly DEFAULT_IMAGE=Canonical:ubuntu-24_04-lts:server:latest
# The same Ubuntu for Arm64 sizes (a "p" in the size's features, e.g. Standard_B2pts_v2).
readonly DEFAULT_ARM64_IMAGE=Canonical:ubuntu-24_04-lts:server-arm64:latest
IMAGE=${CHATMSG_IMAGE:-}
CHAT_PORT=${CHATMSG_PORT:-5151}
ADMIN_USER=${CHATMSG_ADMIN_USER:-azureuser}
SSH_SOURCE=${CHATMSG_SSH_SOURCE:-}
SSH_PUBLIC_KEY=${CHATMSG_SSH_PUBLIC_KEY:-}
# Daily auto-shutdown, UTC hhmm.
SHUTDOWN_TIME=${CHATMSG_SHUTDOWN_TIME:-2200}
NODE_MAJOR=${CHATMSG_NODE_MAJOR:-24}
SERVER_OPTIONS=${CHATMSG_SERVER_OPTIONS:-}
# Two NSG rules must never share a priority (SecurityRuleConflict).
CHAT_RULE_PRIORITY=${CHATMSG_CHAT_RULE_PRIORITY:-1000}
SSH_RULE_PRIORITY=${CHATMSG_SSH_RULE_PRIORITY:-1010}
# The tag deploy.sh puts on the group it creates; destroy.sh deletes only a group carrying it.
readonly GROUP_TAG_KEY=purpose
readonly GROUP_TAG_VALUE=chatmsg-lab
# The last line of a successful re-provisioning (render-cloud-init.sh --format script writes it).
readonly REPROVISIONED_MARKER='chatmsg: re-provisioned'
DRY_RUN=false

# Printed commands go to the script's own stdout even from inside $(...).
exec 3>&1

# Scratch files of this run, deleted on exit. EXIT_HOOK runs first, with the exit status (deploy.sh
# reports there what a failed run leaves behind).
WORK_DIR=$(mktemp -d "${TMPDIR:-/tmp}/chatmsg-azure.XXXXXX")
# What az wrote on stderr in its last call: az_error_code reads the error code from it.
AZ_ERROR_FILE=$WORK_DIR/az-stderr
EXIT_HOOK=:
on_exit() {
  local status=$?
  "$EXIT_HOOK" "$status"
  rm -rf "$WORK_DIR"
}
trap on_exit EXIT

log() { printf '%s: %s\n' "$SCRIPT_NAME" "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}
usage_error() {
  log "$*"
  printf 'usage: %s (see --help)\n' "$USAGE" >&2
  exit 2
}
# Prints the comment block at the top of the running script (lines 2.. up to the first non-comment).
print_help() { awk 'NR > 1 && !/^#/ { exit } NR > 1 && !/^# shellcheck/ { sub(/^# ?/, ""); print }' "$0"; }

# The names Azure derives from the VM's name.
nsg_name() { echo "$VM_NAME-nsg"; }
public_ip_name() { echo "$VM_NAME-ip"; }
readonly CHAT_RULE_NAME=allow-chatmsg
readonly SSH_RULE_NAME=allow-ssh-from-caller

# A command as a shell would read it back, one line: plain words as they are, others in single quotes.
print_command() {
  local word line=''
  for word in "$@"; do
    if [[ ! $word =~ ^[-A-Za-z0-9_@%+=:,./]+$ ]]; then
      word="'${word//\'/\'\\\'\'}'"
    fi
    line+="${line:+ }$word"
  done
  printf '%s\n' "$line" >&3
}

# Runs az, shows what it wrote on stderr and keeps a copy of it for az_error_code.
az_run() {
  local status=0
  az "$@" 2>"$AZ_ERROR_FILE" || status=$?
  cat "$AZ_ERROR_FILE" >&2
  return "$status"
}

# The ARM error code of the last failed az call, the most telling one first: az prints the outer code
# ("(InvalidTemplateDeployment) ...") and the inner ones ("Exception Details: (SkuNotAvailable) ...").
az_error_code() {
  local codes known
  codes=$(grep -oE '\([A-Z][A-Za-z]+\)|Code: [A-Z][A-Za-z]+|"code": ?"[A-Z][A-Za-z]+"' "$AZ_ERROR_FILE" 2>/dev/null |
    sed -E 's/^Code: //; s/^"code": ?"(.*)"$/\1/; s/[()]//g') || true
  # Quota errors come as OperationNotAllowed ("... exceeding approved ... Cores quota") or QuotaExceeded.
  if grep -qi 'quota' "$AZ_ERROR_FILE" 2>/dev/null && grep -qx 'OperationNotAllowed' <<<"$codes"; then codes+=$'\nQuotaExceeded'; fi
  for known in SkuNotAvailable RequestDisallowedByAzure RequestDisallowedByPolicy QuotaExceeded InvalidResourceLocation \
    AuthorizationFailed ResourceGroupNotFound; do
    if grep -qx "$known" <<<"$codes"; then
      echo "$known"
      return
    fi
  done
  head -n 1 <<<"$codes"
}

# Runs an az command; with --dry-run prints it instead.
az_do() {
  if $DRY_RUN; then print_command az "$@"; else az_run "$@"; fi
}

# Runs an az command whose output the caller reads; with --dry-run prints it and outputs $1 instead.
az_query() {
  local stand_in=$1
  shift
  if $DRY_RUN; then
    print_command az "$@"
    printf '%s\n' "$stand_in"
  else
    az_run "$@"
  fi
}

require_az() {
  if $DRY_RUN; then
    print_command az account show -o none
    return
  fi
  command -v az >/dev/null ||
    die "the Azure CLI (az) is not installed: see infra/README.md, Prerequisites (or use --dry-run)"
  # `az account list` exits 0 even when logged out; `az account show` does not.
  az account show -o none 2>/dev/null ||
    die "not logged in to Azure: run 'az login' (then 'az account set --subscription <id>' if you have several)"
}

# A usage error unless the option $1 is followed by a value.
need_value() {
  [[ $# -ge 2 && -n $2 && $2 != --* ]] || usage_error "$1 needs a value"
}

# Options every script takes. Sets SHIFT_BY to the number of arguments used; returns 1 when $1 is not one.
take_common_option() {
  SHIFT_BY=2
  case $1 in
    -g | --resource-group) need_value "$@" && RESOURCE_GROUP=$2 ;;
    -n | --name) need_value "$@" && VM_NAME=$2 ;;
    --dry-run) DRY_RUN=true SHIFT_BY=1 ;;
    -h | --help)
      print_help
      exit 0
      ;;
    *) return 1 ;;
  esac
}

is_port() { [[ $1 =~ ^[0-9]{1,5}$ ]] && ((10#$1 >= 1 && 10#$1 <= 65535)); }
is_ipv4() {
  local IFS=. octet
  [[ $1 =~ ^[0-9]{1,3}(\.[0-9]{1,3}){3}$ ]] || return 1
  for octet in $1; do ((10#$octet <= 255)) || return 1; done
}

check_common_options() {
  # Resource group names: letters, digits, - _ . ( ), not ending in a dot.
  [[ $RESOURCE_GROUP =~ ^[-A-Za-z0-9_.()]{1,90}$ && $RESOURCE_GROUP != *. ]] ||
    usage_error "bad resource group name '$RESOURCE_GROUP'"
  # Linux VM names: letters, digits and hyphens, starting with a letter or digit.
  [[ $VM_NAME =~ ^[A-Za-z0-9][-A-Za-z0-9]{0,63}$ ]] || usage_error "bad VM name '$VM_NAME'"
  is_port "$CHAT_PORT" || usage_error "bad port '$CHAT_PORT': expected 1-65535"
}

# The probe (src/cli/probe.ts): a real CHAT-MSG/1 check from this machine. Builds dist/ when missing.
run_probe() {
  if [[ ! -f $REPO_ROOT/dist/cli/probe.js ]]; then
    log "building the project (npm run build) for the probe"
    (cd "$REPO_ROOT" && npm run -s build) >&2
  fi
  node "$REPO_ROOT/dist/cli/probe.js" "$@"
}
