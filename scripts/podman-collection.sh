#!/usr/bin/env bash
# Provide the containers.podman collection that Molecule's podman driver
# needs, without Ansible Galaxy (unreachable here): it ships inside the
# `ansible` wheel on PyPI, so that wheel is downloaded once (no dependencies)
# and only ansible_collections/containers/podman is unpacked from it.
# Result: .tmp/collections/ansible_collections/containers/podman
set -euo pipefail
cd "$(dirname "$0")/.."

version=${ANSIBLE_WHEEL_VERSION:-14.5.0}
dest=.tmp/collections
target=$dest/ansible_collections/containers/podman
stamp=$target/.from-ansible-$version

if [ -f "$stamp" ]; then
  echo "podman-collection: containers.podman from ansible $version already in $dest"
  exit 0
fi

wheels=.tmp/wheels
mkdir -p "$wheels"
shopt -s nullglob
found=("$wheels"/ansible-"$version"-*.whl)
if [ ${#found[@]} -eq 0 ]; then
  echo "podman-collection: downloading the ansible $version wheel from PyPI"
  .venv/bin/python -m pip download -q --disable-pip-version-check --no-deps \
    --only-binary=:all: -d "$wheels" "ansible==$version"
  found=("$wheels"/ansible-"$version"-*.whl)
fi
wheel=${found[0]}

echo "podman-collection: extracting containers.podman from $(basename "$wheel")"
rm -rf "$target"
mkdir -p "$dest"
.venv/bin/python - "$wheel" "$dest" <<'PY'
import json
import sys
import zipfile

wheel, dest = sys.argv[1:]
prefix = 'ansible_collections/containers/podman/'
with zipfile.ZipFile(wheel) as zf:
    members = [name for name in zf.namelist() if name.startswith(prefix)]
    if not members:
        sys.exit('%s holds no %s' % (wheel, prefix))
    zf.extractall(dest, members)
    info = json.loads(zf.read(prefix + 'MANIFEST.json'))['collection_info']
print('podman-collection: containers.podman %s in %s' % (info['version'], dest))
PY
touch "$stamp"
