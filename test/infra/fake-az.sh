#!/usr/bin/env bash
# A stand-in for the Azure CLI in tests (no test can reach Azure): appends each call to $FAKE_AZ_LOG
# and answers the few queries the infra/azure scripts read, from FAKE_AZ_* variables.
set -euo pipefail
printf '%s\n' "$*" >>"${FAKE_AZ_LOG:?}"
case "$1 $2" in
  'account show')
    if [[ ${FAKE_AZ_LOGGED_OUT:-} == 1 ]]; then
      echo "ERROR: Please run 'az login' to setup account." >&2
      exit 1
    fi
    ;;
  'group exists') echo "${FAKE_AZ_GROUP_EXISTS:-false}" ;;
  'group show') echo "${FAKE_AZ_GROUP_TAG-chatmsg-lab}" ;;
  'vm list') echo "${FAKE_AZ_VM_ID:-}" ;;
  'vm show')
    if [[ ${FAKE_AZ_NO_VM:-} == 1 ]]; then
      echo "ERROR: (ResourceNotFound) The Resource was not found." >&2
      exit 3
    fi
    if [[ $* == *powerState* ]]; then
      printf '%s\t%s\n' "${FAKE_AZ_POWER_STATE:-VM running}" "${FAKE_AZ_PUBLIC_IP:-None}"
    else
      echo "${FAKE_AZ_PUBLIC_IP:-}"
    fi
    ;;
  'resource list') printf 'Microsoft.Compute/virtualMachines\tchatmsg-server\n' ;;
esac
