#!/usr/bin/env bash
# The artifact as users get it: the tarball that the build-import-check nox session
# built (ansible-galaxy collection build) and galaxy-importer passed. Prove nothing
# from tests, benchmarks, venvs or caches is inside, install it offline into an
# empty collections path, then run the integration targets against that INSTALLED
# copy only: a file missing from the artifact fails here, not on a user's machine.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
use_venv
cd "$ROOT"

tarball=$(nox_tarball)
out=$TMP/artifact
rm -rf "$out"
mkdir -p "$out"
echo "artifact: $tarball, $(stat -c %s "$tarball") bytes ($(du -h "$tarball" | cut -f1)), $(tar -tzf "$tarball" | grep -vc '/$') files"
tar -tzf "$tarball" | awk -F/ 'NF > 1 { print $1 "/" } NF == 1 { print }' | sort | uniq -c

forbidden='^(tests|bench|scripts|requirements|noxfile\.py|antsibull-nox\.toml|\.nox|\.venv|\.tmp|\.git|\.ci|\.ansible|\.cache|docs/build)(/|$)|(^|/)(__pycache__|\.pytest_cache|\.hypothesis|\.mypy_cache|\.coverage[^/]*)(/|$)|\.pyc$'
if tar -tzf "$tarball" | grep -E "$forbidden"; then
  echo "the artifact holds the files above: add them to build_ignore in galaxy.yml" >&2
  exit 1
fi

# Only the installed copy may be found: no other collections path, no sys.path scan.
installed=$out/collections
export ANSIBLE_COLLECTIONS_PATH=$installed ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false
say "ansible-galaxy collection install --offline into the empty $installed"
ansible-galaxy collection install --offline --force -p "$installed" "$tarball"
module=$(ansible-doc --json cdn.origin.symlink_or_copy \
  | python -c 'import json, sys; print(json.load(sys.stdin)["cdn.origin.symlink_or_copy"]["doc"]["filename"])')
case $module in
  "$installed"/*) echo "the module resolves to the installed copy: $module" ;;
  *) echo "the module resolves to $module, not to the installed copy" >&2; exit 1 ;;
esac

mapfile -t targets < <(cd tests/integration/targets && ls -d symlink_or_copy_*)
playbook=$out/integration.yml
{
  echo '---'
  echo '- name: Integration targets against the installed collection'
  echo '  hosts: localhost'
  echo '  connection: local'
  echo '  gather_facts: false'
  echo '  vars:'
  echo '    ansible_python_interpreter: "{{ ansible_playbook_python }}"'
  echo '  roles:'
  printf '    - %s\n' "${targets[@]}"
} >"$playbook"
say "ansible-playbook of ${targets[*]} against $installed"
ANSIBLE_ROLES_PATH=$ROOT/tests/integration/targets ansible-playbook -i localhost, "$playbook"
