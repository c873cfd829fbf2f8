#!/usr/bin/env bash
# The version matrix: the integration targets under the OLDEST ansible-core that
# meta/runtime.yml claims (requires_ansible ">=X.Y.Z": the latest X.Y patch release,
# in its own venv). The newest ansible-core is the test venv's, which
# scripts/integration.sh already runs, so it is not repeated here.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
use_venv
pythons_on_path
cd "$ROOT"

oldest=$(python -c 'import re, yaml
spec = yaml.safe_load(open("meta/runtime.yml"))["requires_ansible"]
print(re.fullmatch(r">=\s*(\d+\.\d+)(\.\d+)?", spec.strip()).group(1))')
venv=$TMP/venv-core-$oldest
spec="ansible-core~=$oldest.0"

# Controller Pythons an older ansible-core supports end earlier than ours: take
# the newest interpreter its wheel installs on (MATRIX_PYTHON overrides).
if [ ! -f "$venv/.installed" ] || [ "$(cat "$venv/.installed")" != "$spec" ]; then
  rm -rf "$venv"
  for py in ${MATRIX_PYTHON:-python3.12 python3.11 python3.10}; do
    exe=$(command -v "$py") || continue
    say "creating $venv with $exe and $spec"
    "$exe" -m venv "$venv"
    if "$venv/bin/pip" install -q --disable-pip-version-check "$spec"; then
      echo "$spec" >"$venv/.installed"
      break
    fi
    rm -rf "$venv"
  done
fi
[ -f "$venv/.installed" ] || { echo "no Python could install $spec" >&2; exit 1; }

ansible_test_env "$venv/bin/python"
export PATH="$venv/bin:$PATH"
pyver=$("$venv/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
tree=$(collection_tree "$TMP/matrix")
say "$(ansible --version | sed -n 1p): ansible-test integration --venv --python $pyver in $tree"
cd "$tree"
ansible-test integration --venv --python "$pyver" --color no "$@"
