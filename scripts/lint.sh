#!/usr/bin/env bash
# ansible-lint, production profile, offline (settings in .ansible-lint).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
use_venv
ANSIBLE_COLLECTIONS_PATH=$(collection_link)
export ANSIBLE_COLLECTIONS_PATH
cd "$ROOT"
say "ansible-lint --offline --profile production (ANSIBLE_COLLECTIONS_PATH=$ANSIBLE_COLLECTIONS_PATH)"
ansible-lint --offline --profile production "$@"
