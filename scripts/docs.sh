#!/usr/bin/env bash
# Documentation gate, offline:
#  1. `ansible-doc` renders the module and the role with nothing on stderr;
#  2. an HTML site (antsibull-docs sphinx-init + Sphinx, warnings are errors) is built
#     into docs/build/html and loads nothing from outside itself;
#  3. headless Chromium renders the module and role pages (title and every option
#     present) and the guides: the role README, docs/security.md and the changelog
#     (title and every heading, linked from the index page); nothing on the browser
#     console, no network request; a screenshot of the module page is taken.
# `antsibull-docs lint-collection-docs` is the docs-check nox session (scripts/nox.sh).
# Usage: scripts/docs.sh [check|screenshot]
#   check (default, `make docs`, `make test`): the screenshot goes to docs/build/;
#   screenshot: also replaces the committed docs/symlink_or_copy.png with it.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
mode=${1:-check}
case $mode in
  check | screenshot) ;;
  *) echo "usage: $0 [check|screenshot]" >&2; exit 2 ;;
esac
cd "$ROOT"
work=$TMP/docs
out=$ROOT/docs/build

use_venv
# fonts-dejavu-core: glyphs for text the site's bundled web fonts do not cover (code).
need_apt chromium chromium fonts-dejavu-core
# ansible-doc and antsibull-docs --use-current find the collection on a collections path.
ANSIBLE_COLLECTIONS_PATH=$(collection_link)
export ANSIBLE_COLLECTIONS_PATH ANSIBLE_NOCOLOR=1
rm -rf "$work" "$out"
mkdir -p "$work" "$out"

# ansible-core 2.21 warns about its own bundled ansible._protomatter collection
# whenever it lists collections (`-t role` does); not ours, not fixable here:
# https://github.com/ansible/ansible/issues/85689. Any other line fails the check.
upstream_warning="^\[WARNING\]: Collection at '[^']*/ansible/_internal/ansible_collections/ansible/_protomatter' does not have a MANIFEST\.json file, nor has it galaxy\.yml: cannot detect version\.$"

# run_quiet LOG COMMAND...: run COMMAND with its stdout in LOG; fail on a non-zero
# exit or on anything it prints to stderr.
run_quiet() {
  local log=$1 status=0
  shift
  "$@" >"$log" 2>"$log.stderr" || status=$?
  if [ "$status" -ne 0 ] || grep -q -v -E -x "$upstream_warning" "$log.stderr"; then
    echo "FAILED (exit $status, stderr below): $*" >&2
    cat "$log.stderr" >&2
    return 1
  fi
}

# logged LOG COMMAND...: run COMMAND with all its output in LOG, shown only if it fails.
logged() {
  local log=$1
  shift
  "$@" >"$log" 2>&1 || { cat "$log" >&2; echo "FAILED: $*" >&2; return 1; }
}

for plugin in "module cdn.origin.symlink_or_copy" "module cdn.origin.purge" "module cdn.origin.mirror_trees" "role cdn.origin.mirror"; do
  read -r type name <<<"$plugin"
  say "ansible-doc -t $type $name"
  run_quiet "$work/$name.txt" ansible-doc -t "$type" "$name"
  run_quiet "$work/$name.json" ansible-doc -t "$type" --json "$name"
  grep -q -F "$name" "$work/$name.txt" || { echo "ansible-doc printed no docs for $name" >&2; exit 1; }
done

say "building the HTML site (antsibull-docs sphinx-init, sphinx-build -W)"
mkdir -m 755 "$work/sphinx"
logged "$work/sphinx-init.log" antsibull-docs sphinx-init --use-current --squash-hierarchy --fail-on-error \
  --project cdn.origin --copyright "cdn.origin maintainers" --title "cdn.origin collection" \
  --dest-dir "$work/sphinx" cdn.origin
cat >>"$work/sphinx/conf.py" <<EOF

# Added by scripts/docs.sh: no inventories fetched, ansible-core links resolved offline.
import sys
sys.path.insert(0, '$ROOT/docs/_ext')
extensions.append('offline_docsite')
# The guides in Markdown (the role README, docs/security.md), read as they are in the
# repository; their links to their own headings (#results) become anchors.
extensions.append('myst_parser')
myst_heading_anchors = 3
EOF
# The guides (docs/_ext/guide_pages.py) go into rst/ after antsibull-docs rewrote it.
python - "$work/sphinx/build.sh" "$ROOT" <<'PY'
import shlex, sys
path, root = sys.argv[1:]
text = open(path).read()
marker = '# Build Sphinx site\n'
if text.count(marker) != 1:
    raise SystemExit('%s: no single %r line to add the guides before' % (path, marker.strip()))
step = 'python %s %s rst\n\n' % (shlex.quote(root + '/docs/_ext/guide_pages.py'), shlex.quote(root))
open(path, 'w').write(text.replace(marker, step + marker))
PY
logged "$work/sphinx-build.log" "$work/sphinx/build.sh"
mv "$work/sphinx/build/html" "$out/html"
python scripts/check_docs_site.py assets "$out/html"

# browse LOG CHROMIUM_ARGS...: one headless session (--dump-dom and --screenshot are
# one each), its log in LOG. Host names resolve nowhere, so a page that reaches
# for the internet fails instead of waiting.
browse() {
  local log=$1
  shift
  chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$(mktemp -d "$work/chromium.XXXXXX")" \
    --host-resolver-rules="MAP * ~NOTFOUND" --enable-logging=stderr --v=0 "$@" 2>"$log" \
    || { cat "$log" >&2; echo "FAILED: chromium $*" >&2; return 1; }
}
# render FILE: FILE.html of the site in headless Chromium; its DOM, network log and console log go to $work.
render() {
  say "rendering $1.html in headless Chromium"
  browse "$work/$1.browser.log" --log-net-log="$work/$1.netlog.json" \
    --dump-dom "file://$out/html/$1.html" >"$work/$1.dom.html"
}
for page in "symlink_or_copy_module cdn.origin.symlink_or_copy" "purge_module cdn.origin.purge" "mirror_role cdn.origin.mirror"; do
  read -r file name <<<"$page"
  render "$file"
  python scripts/check_docs_site.py page "$work/$file.dom.html" "$work/$file.netlog.json" \
    "$work/$file.browser.log" "$work/$name.json"
done
render index
# the site documents the version galaxy.yml releases, not the one its tarball was last built as
version=$(sed -n 's/^version: *//p' galaxy.yml)
grep -q "Collection version $version" "$work/index.dom.html" \
  || { echo "FAILED: the site's index page does not say 'Collection version $version'" >&2; exit 1; }
for page in "mirror_role_guide roles/mirror/README.md" "security docs/security.md" "changelog CHANGELOG.rst"; do
  read -r file source <<<"$page"
  render "$file"
  python scripts/check_docs_site.py guide "$work/$file.dom.html" "$work/$file.netlog.json" \
    "$work/$file.browser.log" "$source" "$work/index.dom.html"
done

say "screenshot of the module page"
browse "$work/screenshot.browser.log" --hide-scrollbars --window-size=1280,2000 \
  --screenshot="$out/symlink_or_copy.png" "file://$out/html/symlink_or_copy_module.html" >/dev/null
[ -s "$out/symlink_or_copy.png" ] || { cat "$work/screenshot.browser.log" >&2; exit 1; }
if [ "$mode" = screenshot ]; then
  cp "$out/symlink_or_copy.png" docs/symlink_or_copy.png
  say "docs/symlink_or_copy.png updated"
fi
say "docs passed in ${SECONDS}s; site: $out/html/index.html"
