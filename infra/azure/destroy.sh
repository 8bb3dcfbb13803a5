#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Deletes everything deploy.sh created: its resource group, with the VM, disk, network interface,
# public IP, virtual network, NSG and auto-shutdown schedule inside. Asks first; --yes does not.
# Refuses to delete a group deploy.sh did not create. Nothing to delete is not an error.
#
# Usage: destroy.sh [options]
#   -g, --resource-group NAME  CHATMSG_RESOURCE_GROUP  chatmsg-lab
#   -y, --yes                  do not ask (for scripts)
#   --no-wait                  return at once; Azure goes on deleting in the background
#   --dry-run                  print the az commands instead of running them
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
USAGE="$SCRIPT_NAME.sh [-g GROUP] [--yes] [--no-wait] [--dry-run]"

yes=false
no_wait=()
while (($#)); do
  case $1 in
    -y | --yes) yes=true ;;
    --no-wait) no_wait=(--no-wait) ;;
    *)
      take_common_option "$@" || usage_error "unknown option '$1'"
      shift "$SHIFT_BY"
      continue
      ;;
  esac
  shift
done
check_common_options

require_az
exists=$(az_query true group exists --name "$RESOURCE_GROUP" -o json)
if [[ $exists != true ]]; then
  log "resource group $RESOURCE_GROUP does not exist: nothing to delete"
  exit 0
fi
tag=$(az_query "$GROUP_TAG_VALUE" group show --name "$RESOURCE_GROUP" --query "tags.$GROUP_TAG_KEY" -o tsv)
[[ $tag == "$GROUP_TAG_VALUE" ]] ||
  die "resource group $RESOURCE_GROUP was not created by deploy.sh (no tag $GROUP_TAG_KEY=$GROUP_TAG_VALUE): delete what you need by hand"

if ! $yes && ! $DRY_RUN; then
  [[ -t 0 ]] || die "not asking without a terminal: run with --yes to delete resource group $RESOURCE_GROUP"
  az_do resource list --resource-group "$RESOURCE_GROUP" --query '[].[type, name]' -o tsv >&2
  read -r -p "Delete resource group $RESOURCE_GROUP and everything above? [y/N] " answer
  [[ $answer == [yY] || $answer == [yY][eE][sS] ]] || { log "nothing deleted"; exit 1; }
fi

log "deleting resource group $RESOURCE_GROUP (a few minutes)"
# ${a[@]+...}: an empty array under set -u, also in macOS's bash 3.2.
az_do group delete --name "$RESOURCE_GROUP" --yes ${no_wait[@]+"${no_wait[@]}"}
if ! $DRY_RUN; then log "deleted: nothing of the lab is left to pay for"; fi
