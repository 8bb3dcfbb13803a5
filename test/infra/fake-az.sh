#!/usr/bin/env bash
# The `az` of the tests: fake_az.py next to this file (see there). A shell wrapper, so the tests can put
# it on PATH as `az` through a symlink, as the real CLI's own `az` is a shell script too.
set -euo pipefail
exec python3 "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/fake_az.py" "$@"
