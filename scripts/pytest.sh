#!/usr/bin/env bash
# The quick developer loop: plain pytest on tests/unit with the venv's Python,
# line coverage of plugins/ and the figure for the engine (plugins/module_utils).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
use_venv
cd "$ROOT"
mkdir -p "$TMP/pytest"
export COVERAGE_FILE=$TMP/pytest/.coverage
say "pytest tests/unit with coverage of plugins/"
python -m pytest tests/unit -q -p no:cacheprovider --cov=plugins --cov-report=term-missing "$@"
engine=$(python -m coverage report --include='*/plugins/module_utils/*' --format=total)
echo "coverage of the engine (plugins/module_utils), lines: ${engine}%"
