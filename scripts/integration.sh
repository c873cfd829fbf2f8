#!/usr/bin/env bash
# ansible-test integration on localhost for tests/integration/targets/, from
# ansible-test's own venv (--venv works offline with the get-pip stand-in), with
# coverage: the only gate that runs plugins/modules/ as Ansible does.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
use_venv
ansible_test_env "$ROOT/.venv/bin/python"
tree=$(collection_tree "$TMP/integration")
say "ansible-test integration --venv --python 3.13 --coverage in $tree"
cd "$tree"
ansible-test integration --venv --python 3.13 --coverage --color no "$@"
coverage_report integration
