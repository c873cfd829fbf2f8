#!/usr/bin/env bash
# The coverage gate of the pytest suites: scripts/pytest.sh (tests/unit) writes
# .tmp/pytest/.coverage and scripts/adversarial.sh (tests/adversarial) adds to it;
# lines run only in forked planning workers are counted (.coveragerc). Fails when
# the line coverage falls under the level of 2026-12-01 (measured before the
# workers' lines counted): plugins/module_utils 94.6%, and plugins/ as a whole
# (module_utils and every module, cdn.origin.purge and role_variables included) 94.1%.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
use_venv
cd "$ROOT"
export COVERAGE_FILE=$TMP/pytest/.coverage
[ -f "$COVERAGE_FILE" ] || { echo "no $COVERAGE_FILE: run scripts/pytest.sh and scripts/adversarial.sh first" >&2; exit 1; }
say "coverage of plugins/ by the unit and adversarial suites"
python -m coverage report --include='plugins/*' --precision 1 --show-missing --skip-covered
status=0
gate() {
  local what=$1 include=$2 floor=$3 total
  total=$(python -m coverage report --include="$include" --precision 1 --format=total)
  if python -m coverage report --include="$include" --precision 1 --fail-under="$floor" >/dev/null; then
    echo "coverage of $what (lines, unit + adversarial): ${total}% (at least ${floor}%)"
  else
    echo "coverage of $what (lines, unit + adversarial): ${total}%, under ${floor}%" >&2
    status=1
  fi
}
gate "the engine (plugins/module_utils)" 'plugins/module_utils/*' 94.6
gate "plugins/ (module_utils and modules)" 'plugins/*' 94.1
exit "$status"
