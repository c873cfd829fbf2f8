#!/usr/bin/env bash
# Execution environment check, offline (building the image needs a registry for
# its base image, out of reach here):
#  1. ansible-builder create accepts a version 3 definition that installs the
#     built collection tarball (the one galaxy-importer passed), offline, and
#     writes its build context: the tarball, the requirements naming it and a
#     Containerfile that installs them; the context is checked for each;
#  2. the image's galaxy stage, run here: ansible-galaxy installs the context's
#     requirements offline;
#  3. the builder stage's ansible-builder introspect of that install finds what
#     meta/execution-environment.yml says: no Python and no system package.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
use_venv
"$ROOT/scripts/venv.sh" ee
builder=$TMP/venv-ee/bin/ansible-builder
cd "$ROOT"

tarball=$(nox_tarball)
name=$(basename "$tarball")
work=$TMP/ee
rm -rf "$work"
mkdir -p "$work/definition"

core=$(sed -n 's/^ansible-core==//p' requirements/demo.txt)
cp "$tarball" "$work/definition/"
cat >"$work/definition/execution-environment.yml" <<YAML
---
version: 3
images:
  base_image:
    name: registry.fedoraproject.org/fedora-minimal:latest
options:
  package_manager_path: /usr/bin/microdnf
dependencies:
  python_interpreter:
    package_system: python3
    python_path: /usr/bin/python3
  ansible_core:
    package_pip: ansible-core==$core
  ansible_runner:
    package_pip: ansible-runner
  galaxy:
    collections:
      # relative to /build, the galaxy stage's working directory
      - name: collections/$name
        type: file
additional_build_files:
  - src: $name
    dest: collections
build_arg_defaults:
  ANSIBLE_GALAXY_CLI_COLLECTION_OPTS: --offline
YAML
say "ansible-builder create (version 3 definition with $name) into $work/context"
"$builder" create --file "$work/definition/execution-environment.yml" --context "$work/context" -v 2

context=$work/context
cmp "$tarball" "$context/_build/collections/$name"
grep -q -F "name: collections/$name" "$context/_build/requirements.yml" \
  || { echo "the build context's requirements.yml does not name $name" >&2; exit 1; }
# shellcheck disable=SC2016 # the Containerfile's own words, its build argument unexpanded
grep -q -F 'ansible-galaxy collection install $ANSIBLE_GALAXY_CLI_COLLECTION_OPTS -r requirements.yml' "$context/Containerfile" \
  || { echo "the Containerfile does not install the collection requirements" >&2; exit 1; }
# The galaxy stage, here: the context's requirements.yml from its own directory, offline.
say "ansible-galaxy collection install --offline -r requirements.yml in $context/_build (the galaxy stage)"
installed=$work/collections
(cd "$context/_build" && ANSIBLE_COLLECTIONS_PATH=$installed ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false \
  ansible-galaxy collection install --offline -r requirements.yml -p "$installed")
[ -f "$installed/ansible_collections/cdn/origin/meta/execution-environment.yml" ] \
  || { echo "the installed collection has no meta/execution-environment.yml" >&2; exit 1; }
# The builder stage's introspection of what the galaxy stage installed.
say "ansible-builder introspect $installed"
"$builder" introspect --write-pip "$work/python.txt" --write-bindep "$work/system.txt" "$installed"
for kind in python system; do
  if [ -s "$work/$kind.txt" ]; then
    echo "the collection asks for $kind packages, which meta/execution-environment.yml should not:" >&2
    cat "$work/$kind.txt" >&2
    exit 1
  fi
done
echo "ee: the build context $context installs $name, which needs no Python or system package (image not built)"
