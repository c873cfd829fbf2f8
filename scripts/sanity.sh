#!/usr/bin/env bash
# ansible-test sanity on the controller Python (3.13) in ansible-test's own venv,
# on a copy of the collection. No tests/sanity/ignore-*.txt entries are allowed:
# a finding gets fixed, not silenced.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
use_venv
ansible_test_env "$ROOT/.venv/bin/python"
need_apt shellcheck shellcheck

if grep -Hnv '^\s*\(#\|$\)' "$ROOT"/tests/sanity/ignore-*.txt 2>/dev/null; then
  echo "the tests/sanity/ignore-*.txt entries above silence findings: fix them instead" >&2
  exit 1
fi

tree=$(collection_tree "$TMP/sanity")
say "ansible-test sanity --venv --python 3.13 in $tree"
cd "$tree"
ansible-test sanity --venv --python 3.13 --color no "$@"
