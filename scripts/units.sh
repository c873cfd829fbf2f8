#!/usr/bin/env bash
# ansible-test units with coverage on every target Python 3.9-3.13 present, each
# in a venv ansible-test builds (offline-capable with the get-pip stand-in), then
# the coverage report of plugins/ and the line figure of the engine.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
use_venv
ansible_test_env "$ROOT/.venv/bin/python"

mapfile -t versions < <(target_pythons)
if [ ${#versions[@]} -eq 0 ]; then
  echo "no Python 3.9-3.13 found (looked in $PYENV_ROOT/versions and on PATH)" >&2
  exit 1
fi
targets=()
for v in "${versions[@]}"; do targets+=(--target-python "venv/$v"); done

tree=$(collection_tree "$TMP/units")
cd "$tree"
say "ansible-test units --coverage on Python ${versions[*]} in $tree"
ansible-test units --coverage --color no "${targets[@]}" "$@"

coverage_report "units, all Pythons combined"
