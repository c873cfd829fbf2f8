#!/usr/bin/env bash
# `make molecule`: the mirror role on three podman containers (scenario in
# extensions/molecule/default), then the playbook cdn.origin.deploy on three
# more (extensions/molecule/fleet). Installs podman, builds the offline image and
# provides the collections itself. Skips, saying why, only where containers
# cannot run at all (no podman and no way to install it, or podman refuses).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$ROOT"
t0=$SECONDS

skip() {
  echo "molecule: SKIP: $*"
  exit 0
}

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  scripts/podman-setup.sh
elif ! command -v podman >/dev/null 2>&1; then
  skip "podman is not installed and this is not a root Debian machine that could install it"
fi
if ! podman info >/dev/null 2>&1; then
  skip "podman cannot run here: $(podman info 2>&1 | tail -n 1)"
fi
if ! podman image exists localhost/debian-python:12 && ! command -v debootstrap >/dev/null 2>&1; then
  skip "the image localhost/debian-python:12 is missing and debootstrap, which builds it, is not installed"
fi
scripts/image.sh
if ! probe=$(podman run --rm localhost/debian-python:12 true 2>&1); then
  skip "podman cannot start a container here: $probe"
fi

use_venv
scripts/podman-collection.sh
# The collection under test is this checkout, not an installed copy; the same
# directory holds containers.podman.
ANSIBLE_COLLECTIONS_PATH=$(collection_link)
export ANSIBLE_COLLECTIONS_PATH

cd extensions
status=0
# default: the role on three origins; fleet: cdn.origin.deploy, one purge for the three
for scenario in default fleet; do
  echo "molecule: molecule test -s $scenario (extensions/molecule/$scenario, three instances)"
  log=$TMP/molecule-$scenario.log
  step=0
  molecule test -s "$scenario" 2>&1 | tee "$log" || step=$?
  # Molecule exits 0 when a step of the sequence found no playbook: that is a
  # test that did not run, so it fails here.
  if [ "$step" -eq 0 ] && grep -Eq 'missing=[1-9]' "$log"; then
    echo "molecule: a step of the $scenario sequence did not run (missing playbook), see above"
    step=1
  fi
  echo "molecule: $scenario finished with status $step"
  [ "$step" -eq 0 ] || status=$step
done
echo "molecule: finished with status $status in $((SECONDS - t0)) s"
exit "$status"
