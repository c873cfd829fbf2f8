#!/usr/bin/env bash
# `make test`: every gate, each step named in the output with its duration.
# All steps run; the exit status is non-zero when any of them failed.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
export PATH="$PWD/.venv/bin:$PATH"

failed=()
passed=0
step() {
  local name=$1; shift
  local t0=$SECONDS
  echo
  echo "==> [$name] $*"
  if "$@"; then
    echo "<== [$name] ok ($((SECONDS - t0)) s)"
    passed=$((passed + 1))
  else
    echo "<== [$name] FAILED ($((SECONDS - t0)) s)"
    failed+=("$name")
  fi
}

step venv          scripts/venv.sh test
step pytest        scripts/pytest.sh
step sanity        scripts/sanity.sh
step units         scripts/units.sh
step integration   scripts/integration.sh
step matrix        scripts/matrix.sh
step lint          scripts/lint.sh
step changelog     scripts/changelog.sh
step build         scripts/build.sh
step docs          scripts/docs.sh
step adversarial   scripts/adversarial.sh
step webservers    scripts/webservers.sh
step edges         scripts/edges.sh
step molecule      scripts/molecule.sh
step bench-quick   scripts/bench.sh quick

echo
[ ${#failed[@]} -eq 0 ] || echo "FAILED steps: ${failed[*]}"
echo "make test ($((SECONDS / 60)) min):"
echo "steps: ${passed} passed, ${#failed[@]} failed"
[ ${#failed[@]} -eq 0 ]
