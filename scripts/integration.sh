#!/usr/bin/env bash
# ansible-test integration on localhost for tests/integration/targets/, from
# ansible-test's own venv (--venv works offline with the get-pip stand-in).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
use_venv
ansible_test_env "$ROOT/.venv/bin/python"
tree=$(collection_tree "$TMP/integration")
say "ansible-test integration --venv --python 3.13 in $tree"
cd "$tree"
ansible-test integration --venv --python 3.13 --color no "$@"
