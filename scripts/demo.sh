#!/usr/bin/env bash
# `make demo`: build an example site under .tmp/demo, mirror it with the module
# on localhost three times and show changed, ok, and a --check --diff preview.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
export PATH="$repo/.venv/bin:$PATH"
mkdir -p .tmp/collections/ansible_collections/cdn
ln -sfn "$repo" .tmp/collections/ansible_collections/cdn/origin
export ANSIBLE_COLLECTIONS_PATH="$repo/.tmp/collections"
export ANSIBLE_LOCALHOST_WARNING=false ANSIBLE_INVENTORY_UNPARSED_WARNING=false
export DEMO_ROOT="$repo/.tmp/demo"

rm -rf "$DEMO_ROOT"
mkdir -p "$DEMO_ROOT"/{htdocs/img,htdocs/css,build,resized/img}
cd "$DEMO_ROOT"
for i in 1 2 3; do head -c 2048 /dev/urandom > "htdocs/img/photo$i.jpg"; done
echo 'body { color: #333 }' > htdocs/css/site.css
echo '<h1>hello</h1>' > htdocs/index.html
# the build tree links to the originals, plus one rewritten asset of its own
ln -s ../htdocs/img build/img
ln -s ../htdocs/index.html build/index.html
mkdir build/css && echo 'body{color:#333}' > build/css/site.min.css
head -c 1024 /dev/urandom > resized/img/photo2.jpg   # a modified copy wins over the original
ln -s /etc/passwd build/leak                          # escapes every root: skipped with a warning
cd "$repo"

# run TITLE ARGS...: one titled ansible-playbook run of the demo play
run() {
  local title=$1
  shift
  echo
  echo "=== $title"
  echo "    ansible-playbook -i localhost, demo/demo.yml${*:+ $*}"
  ansible-playbook -i localhost, demo/demo.yml "$@"
}
run "1/3 first run: creates the mirror (changed)"
run "2/3 rerun: nothing to do (ok, changed=0)"
echo 'body{color:#000}' > "$DEMO_ROOT/build/css/site.min.css"
run "3/3 --check --diff after an edit of build/css/site.min.css: the exact changes, nothing written" --check --diff
echo
echo "The mirror is in $DEMO_ROOT/origin:"
find "$DEMO_ROOT/origin" -printf '%y %P %l\n' | sort -k2
