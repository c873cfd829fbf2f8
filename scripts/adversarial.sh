#!/usr/bin/env bash
# The adversarial suite (issue 6): symlink escapes, planted links, races with a
# flipper process, kill -9 mid-run, disk full, odd entries, nesting and a
# property-based state machine, all on real trees, as root (some cases mount a
# small tmpfs or switch to nobody, and skip saying why when they cannot).
# CI: a fixed Hypothesis search (derandomized, bounded) and bounded races/kills.
# FUZZ=long (make fuzz): a long random Hypothesis search and many more kills;
# CRASH_SEED=N picks another sequence of kill points.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
use_venv
cd "$ROOT"
[ "$(id -u)" -eq 0 ] || echo "not root: the tmpfs, nobody and device-node cases will skip" >&2
args=(-q -p no:cacheprovider -rsxX --durations=5)
if [ "${FUZZ:-}" = long ]; then
  args+=(--hypothesis-show-statistics)
fi
# appends to the unit tests' coverage data (scripts/pytest.sh runs first in make test);
# scripts/coverage.sh reports and gates the coverage by both suites
mkdir -p "$TMP/pytest"
export COVERAGE_FILE=$TMP/pytest/.coverage
say "pytest tests/adversarial (Hypothesis profile: ${FUZZ:-ci})"
python -m pytest tests/adversarial "${args[@]}" --cov=plugins --cov-append --cov-report= "$@"
