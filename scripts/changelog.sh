#!/usr/bin/env bash
# antsibull-changelog, with released versions kept fixed:
#  - changelogs/changelog.yaml holds the released versions only, each with its
#    date and the list of fragments it was released from;
#  - CHANGELOG.rst shows them, and above them the fragments no release lists
#    yet, as the next version "(not released yet)" (antsibull-changelog has no
#    unreleased section of its own: the next version is released in a scratch
#    copy, and its heading marked).
# Usage: scripts/changelog.sh [--update | --release]
#   (no argument, `make changelog`, `make test`): lint the fragments, rebuild
#     changelog.yaml from scratch in a copy, release by release, from each
#     release's own fragments, and CHANGELOG.rst from it; both must be the
#     committed files (a released fragment edited afterwards fails here).
#   --update: rewrite CHANGELOG.rst after a new fragment (changelog.yaml is not touched).
#   --release: release the galaxy.yml version (after bumping it) from every fragment
#     no release lists yet, dated today, and rewrite CHANGELOG.rst.
# NEXT_VERSION names the upcoming version (default: the last release with its minor
# number raised, 0.1.0 -> 0.2.0).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
use_venv
cd "$ROOT"
mode=${1:-check}
case $mode in
  check | --update | --release) ;;
  *) echo "usage: $0 [--update | --release]" >&2; exit 2 ;;
esac

say "antsibull-changelog lint"
antsibull-changelog lint

# releases: "VERSION DATE" per released version, oldest first; fragments_of VERSION: its fragments.
releases() {
  python - <<'PY'
import yaml
from packaging.version import Version
data = yaml.safe_load(open('changelogs/changelog.yaml')) or {}
for version, release in sorted((data.get('releases') or {}).items(), key=lambda item: Version(item[0])):
    print(version, release['release_date'])
PY
}
fragments_of() {
  python - "$1" <<'PY'
import sys, yaml
release = yaml.safe_load(open('changelogs/changelog.yaml'))['releases'][sys.argv[1]]
print('\n'.join(release.get('fragments') or []))
PY
}
# unreleased: the fragments of changelogs/fragments that no release lists.
unreleased() {
  python - <<'PY'
import os, yaml
data = yaml.safe_load(open('changelogs/changelog.yaml')) or {}
known = set(f for release in (data.get('releases') or {}).values() for f in release.get('fragments') or [])
print('\n'.join(sorted(f for f in os.listdir('changelogs/fragments') if f.endswith(('.yml', '.yaml')) and f not in known)))
PY
}
next_version() {
  if [ -n "${NEXT_VERSION:-}" ]; then echo "$NEXT_VERSION"; return; fi
  releases | tail -n 1 | python -c 'import sys; v = sys.stdin.read().split()[0].split("."); print("%s.%d.0" % (v[0], int(v[1]) + 1))'
}

# release_in DIR VERSION DATE: release VERSION in DIR from its fragments not yet released.
# The plugin cache it leaves would only be an untracked file in the artifact.
release_in() {
  (cd "$1" && antsibull-changelog release --version "$2" --date "$3" --reload-plugins >/dev/null \
    && rm -f changelogs/.plugin-cache.yaml)
}

# render DIR: CHANGELOG.rst of DIR's changelog.yaml, with DIR's unreleased fragments (if
# any) shown as the next version, not released yet; DIR's changelog.yaml is left as it was.
render() {
  local dir=$1 next
  next=$(next_version)
  if [ -z "$(cd "$dir" && unreleased)" ]; then
    (cd "$dir" && antsibull-changelog generate --reload-plugins >/dev/null && rm -f changelogs/.plugin-cache.yaml)
    return
  fi
  cp "$dir/changelogs/changelog.yaml" "$dir/changelogs/changelog.yaml.released"
  release_in "$dir" "$next" 9999-12-31
  mv "$dir/changelogs/changelog.yaml.released" "$dir/changelogs/changelog.yaml"
  python - "$dir/CHANGELOG.rst" "$next" <<'PY'
import sys
path, version = sys.argv[1:]
text = open(path).read()
heading = 'v%s\n%s\n' % (version, '=' * len('v' + version))
title = 'v%s (not released yet)' % version
note = ('The fragments in ``changelogs/fragments`` that no release lists yet. The release of %s dates this '
        'section and fixes its content; until then it grows with every change.\n' % version)
if text.count(heading) != 1:
    raise SystemExit('no single heading for %s in %s' % (version, path))
open(path, 'w').write(text.replace(heading, '%s\n%s\n\n%s' % (title, '=' * len(title), note)))
PY
}

case $mode in
  --update)
    copy=$(collection_tree "$TMP/changelog")
    say "rendering CHANGELOG.rst: the releases of changelogs/changelog.yaml, then $(next_version) (not released yet)"
    render "$copy"
    cp "$copy/CHANGELOG.rst" CHANGELOG.rst
    exit 0
    ;;
  --release)
    version=$(python -c 'import yaml; print(yaml.safe_load(open("galaxy.yml"))["version"])')
    if releases | grep -q "^$version "; then
      echo "$version is released already: bump the version in galaxy.yml first" >&2
      exit 1
    fi
    say "releasing $version from: $(unreleased | tr '\n' ' ')"
    release_in . "$version" "$(date -u +%F)"
    copy=$(collection_tree "$TMP/changelog")
    render "$copy"
    cp "$copy/CHANGELOG.rst" CHANGELOG.rst
    exit 0
    ;;
esac

# check: rebuild from scratch. Release N is made with the fragments of releases 1..N in
# place, so that it takes exactly its own (keep_fragments: the earlier ones are known).
copy=$(collection_tree "$TMP/changelog")
say "rebuilding changelogs/changelog.yaml from each release's fragments in $copy"
mkdir "$copy/changelogs/all-fragments"
mv "$copy/changelogs/fragments/"* "$copy/changelogs/all-fragments/"
rm -f "$copy/changelogs/changelog.yaml" "$copy/CHANGELOG.rst"
while read -r version date; do
  while read -r fragment; do
    [ -n "$fragment" ] || continue
    mv "$copy/changelogs/all-fragments/$fragment" "$copy/changelogs/fragments/" \
      || { echo "release $version lists $fragment, which is not in changelogs/fragments" >&2; exit 1; }
  done < <(fragments_of "$version")
  release_in "$copy" "$version" "$date"
done < <(releases)
mv "$copy/changelogs/all-fragments/"* "$copy/changelogs/fragments/" 2>/dev/null || true
rmdir "$copy/changelogs/all-fragments"
render "$copy"
status=0
for f in changelogs/changelog.yaml CHANGELOG.rst; do
  if ! diff -u --label "committed $f" --label "rebuilt $f" "$f" "$copy/$f"; then status=1; fi
done
if [ $status -ne 0 ]; then
  echo "the committed changelog is not what the fragments give: after a new fragment run scripts/changelog.sh --update" \
    "and commit CHANGELOG.rst; a difference in changelog.yaml means a released fragment was edited (restore it:" \
    "a release is fixed)" >&2
  exit 1
fi
echo "changelog.yaml is its releases' fragments; CHANGELOG.rst shows them and $(unreleased | sed "/^$/d" | wc -l) unreleased fragment(s)"
