#!/usr/bin/env bash
# antsibull-changelog: lint the fragments, then prove the committed
# changelogs/changelog.yaml and CHANGELOG.rst are exactly what releasing the
# galaxy.yml version from the fragments gives (rebuilt from scratch in a copy).
# `scripts/changelog.sh --update` rewrites the committed files after a new fragment.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
use_venv
cd "$ROOT"

say "antsibull-changelog lint"
antsibull-changelog lint

version=$(python -c 'import yaml; print(yaml.safe_load(open("galaxy.yml"))["version"])')
# Rebuilding keeps the recorded release date; a first release gets today's.
date=$(python - "$version" <<'PY'
import datetime, os, sys, yaml
path = 'changelogs/changelog.yaml'
releases = (yaml.safe_load(open(path)) or {}).get('releases', {}) if os.path.exists(path) else {}
print(releases.get(sys.argv[1], {}).get('release_date', datetime.date.today().isoformat()))
PY
)

# release: build the changelog for $version from scratch in the current directory.
# The plugin cache it leaves would only be an untracked file in the artifact.
release() {
  rm -f changelogs/changelog.yaml CHANGELOG.rst
  antsibull-changelog release --version "$version" --date "$date" --reload-plugins
  rm -f changelogs/.plugin-cache.yaml
}

if [ "${1:-}" = --update ]; then
  say "rewriting changelogs/changelog.yaml and CHANGELOG.rst for $version ($date)"
  release
  exit 0
fi

copy=$(collection_tree "$TMP/changelog")
say "rebuilding the $version changelog ($date) in $copy"
(cd "$copy" && release)
status=0
for f in changelogs/changelog.yaml CHANGELOG.rst; do
  if ! diff -u --label "committed $f" --label "rebuilt $f" "$f" "$copy/$f"; then status=1; fi
done
if [ $status -ne 0 ]; then
  echo "the committed changelog is stale: run scripts/changelog.sh --update and commit the result" >&2
  exit 1
fi
echo "CHANGELOG.rst for $version is up to date with the fragments"
