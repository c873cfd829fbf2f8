#!/usr/bin/env bash
# The antsibull-nox sessions (noxfile.py, configured in antsibull-nox.toml):
#   ansible-lint        ansible-lint --offline, production profile (.ansible-lint)
#   docs-check          antsibull-docs lint-collection-docs
#   license-check       reuse lint (REUSE.toml, LICENSES/)
#   extra-checks        unwanted files, trailing whitespace, unwanted characters, action groups
#   build-import-check  ansible-galaxy collection build + galaxy-importer on the tarball
#   yamllint            yamllint on the YAML files and the plugins' YAML documentation
#   codeqa              flake8 on every Python file (pylint and pep8: ansible-test sanity)
#   antsibull-nox-config  antsibull-nox.toml against its schema
# Usage: scripts/nox.sh SESSION... (no argument: every default session).
# nox and antsibull-nox come from requirements/nox.txt (scripts/venv.sh nox), each
# session's tools from PyPI into .tmp/nox/SESSION, kept between runs. No collection
# is fetched from Galaxy or git: the collection depends on none (galaxy.yml).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
"$ROOT/scripts/venv.sh" nox
cd "$ROOT"
export ANTSIBULL_NOX_INSTALL_COLLECTIONS=never
# Session venvs are reused without installing again (-R): their packages are pinned
# (name==version) in antsibull-nox.toml, so when a pin changes they are all made anew.
pins=$(grep -h '==' antsibull-nox.toml requirements/nox.txt | sha256sum)
if [ "$(cat "$TMP/nox/.pins" 2>/dev/null)" != "$pins" ]; then
  rm -rf "$TMP/nox"
  mkdir -p "$TMP/nox"
  echo "$pins" >"$TMP/nox/.pins"
fi
# nox takes the sessions after one -s (a second -s would replace the first list)
sessions=()
if [ $# -gt 0 ]; then sessions=(-s "$@"); fi
say "nox ${*:-(default sessions)}"
log=$TMP/nox/output.log
"$TMP/venv-nox/bin/nox" --envdir "$TMP/nox" -R "${sessions[@]}" 2>&1 | tee "$log"
# antsibull-nox passes galaxy-importer's ERROR lines on as a nox warning and its
# WARNING lines not at all; either fails here, so that no finding Galaxy would
# show on upload goes unseen.
if awk '/^ *Importing with galaxy-importer/ { on = 1 } on && /^ *(WARNING|ERROR): / { print; found = 1 }
        /^ *Importer processing completed/ { on = 0 } END { exit !found }' "$log" >&2; then
  echo "galaxy-importer reported the findings above" >&2
  exit 1
fi
