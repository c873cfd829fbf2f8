# shellcheck shell=bash
# Shared by the release-gate scripts (sourced, never run): the collection copy
# ansible-test needs, the offline ansible-test set-up, small prerequisites.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TMP=$ROOT/.tmp
PYENV_ROOT=${PYENV_ROOT:-/root/.pyenv}

say() { printf '\n--- %s\n' "$*" >&2; }

# The test venv, first on PATH. venv.sh is a no-op when it is up to date.
use_venv() {
  "$ROOT/scripts/venv.sh" test
  export PATH="$ROOT/.venv/bin:$PATH"
}

# need_apt COMMAND PACKAGE...: install the Debian packages when COMMAND is missing.
need_apt() {
  local cmd=$1; shift
  command -v "$cmd" >/dev/null 2>&1 && return 0
  say "installing $* (for $cmd)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# real_servers WHAT: the set-up the suites of real servers share (nginx serves the mirror in
# each); they run as root, since the servers drop to users of their own.
real_servers() {
  use_venv
  cd "$ROOT" || return
  [ "$(id -u)" -eq 0 ] || echo "not root: the $1 tests will skip" >&2
  export PATH="$PATH:/usr/sbin:/sbin"
  need_apt nginx nginx-light
}

# collection_tree [ROOT_DIR]: a fresh real copy of the working tree (tracked files plus
# untracked, not ignored ones) at ROOT_DIR/ansible_collections/cdn/origin; prints it.
# ansible-test wants that layout and resolves symlinks, and it lists files with git
# from the nearest .git upwards: in .tmp that would be the checkout's, where the copy
# is ignored, hence a git repository of its own (untracked files are listed too).
# Each step passes its own ROOT_DIR so that steps run side by side do not clobber each other.
# The venvs ansible-test builds under tests/output/.tmp/delegation survive the
# refresh: rebuilding five of them costs minutes; the previous results do not.
collection_tree() {
  local dest=${1:-$TMP}/ansible_collections/cdn/origin
  local venvs=tests/output/.tmp/delegation kept=${1:-$TMP}/delegation
  need_apt rsync rsync
  rm -rf "$kept"
  if [ -d "$dest/$venvs" ]; then mv "$dest/$venvs" "$kept"; fi
  rm -rf "$dest"
  mkdir -p "$dest"
  git -C "$ROOT" ls-files -z --cached --others --exclude-standard \
    | rsync -a --from0 --files-from=- --ignore-missing-args "$ROOT/" "$dest/"
  git -C "$dest" init -q
  if [ -d "$kept" ]; then mkdir -p "$dest/${venvs%/*}" && mv "$kept" "$dest/$venvs"; fi
  echo "$dest"
}

# pip_version_for PYTHON: the pip version the ansible-test next to PYTHON bootstraps.
pip_version_for() {
  "$1" - <<'PY'
import os, re, ansible_test
src = os.path.join(os.path.dirname(ansible_test.__file__), '_internal', 'python_requirements.py')
with open(src) as f:
    match = re.search(r"""pip=['"]([0-9.]+)['"]""", f.read())
if not match:
    raise SystemExit('cannot find the pip version ansible-test pins in ' + src)
print(match.group(1))
PY
}

# ansible_test_env [PYTHON]: make `ansible-test --venv` work offline for the
# ansible-core installed with PYTHON (default: the test venv's).
# --venv bootstraps pip with get-pip.py from ci-files.testing.ansible.com, which is
# not reachable; a cached ~/.ansible/test/cache/get_pip_<version>.py is used first.
# The stand-in installs the interpreter's bundled pip, then what ansible-test asked
# for from PyPI (get-pip's own --no-setuptools/--no-wheel mean nothing to pip).
ansible_test_env() {
  local python=${1:-$ROOT/.venv/bin/python} version cache
  version=$(pip_version_for "$python")
  cache=$HOME/.ansible/test/cache/get_pip_${version//./_}.py
  if [ ! -f "$cache" ]; then
    say "writing the offline get-pip stand-in $cache"
    mkdir -p "$(dirname "$cache")"
    cat >"$cache" <<'PY'
"""Offline stand-in for get-pip.py (written by cdn.origin scripts/lib.sh)."""
import subprocess
import sys

subprocess.check_call([sys.executable, '-m', 'ensurepip', '--upgrade'])
args = [arg for arg in sys.argv[1:] if arg not in ('--no-setuptools', '--no-wheel')]
subprocess.check_call([sys.executable, '-m', 'pip', 'install'] + args)
PY
  fi
  pythons_on_path
}

# pythons_on_path: pyenv's interpreters first on PATH, by versioned name only
# (python3.9 ...): pyenv's shims fail for versions not selected, and its plain
# `python` and `pip` must not shadow the venv's.
pythons_on_path() {
  local bin=$TMP/pythons exe
  mkdir -p "$bin"
  for exe in "$PYENV_ROOT"/versions/3.*/bin/python3.*; do
    if [[ $exe =~ /python3\.[0-9]+$ ]]; then ln -sfn "$exe" "$bin/${exe##*/}"; fi
  done
  export PATH="$bin:$PATH"
}

# target_pythons: the versions 3.9-3.13 whose interpreter runs here (a pyenv shim
# for a version that is not installed is on PATH but fails).
target_pythons() {
  local v
  for v in 3.9 3.10 3.11 3.12 3.13; do
    if "python$v" -c '' >/dev/null 2>&1; then echo "$v"; fi
  done
}

# coverage_report WHAT: in a collection copy where ansible-test ran with --coverage,
# the line coverage of plugins/ and the figure for the engine (plugins/module_utils).
# ansible-test pins its own coverage version, hence its venv for the report.
coverage_report() {
  say "coverage of plugins/ ($1)"
  ansible-test coverage report --venv --python 3.13 --color no --show-missing --include 'plugins/*'
  ansible-test coverage report --venv --python 3.13 --color no --include 'plugins/module_utils/*' 2>/dev/null \
    | awk -v what="$1" '$1 == "TOTAL" {
        printf "coverage of the engine (plugins/module_utils) by %s, lines: %.1f%% of %d\n", what, 100 * ($2 - $3) / $2, $2 }'
}

# collection_link: a collections path holding cdn.origin as a symlink to the
# checkout (enough for ansible-playbook and ansible-lint); prints the path.
collection_link() {
  local top=$TMP/collections
  mkdir -p "$top/ansible_collections/cdn"
  ln -sfn "$ROOT" "$top/ansible_collections/cdn/origin"
  echo "$top"
}

# nox_tarball: the collection tarball that the build-import-check nox session built
# and galaxy-importer passed; prints its path. The session runs first when there is
# none yet or a file of the tree changed since, so each step checks this tree's build.
nox_tarball() {
  local dir=$TMP/nox/build-import-check/tmp/collection tarball
  tarball=$(find "$dir" -maxdepth 1 -name 'cdn-origin-*.tar.gz' -print -quit 2>/dev/null)
  # shellcheck disable=SC2185 # the paths to look at come from git, through -files0-from
  if [ -z "$tarball" ] || [ -n "$(cd "$ROOT" && git ls-files -z --cached --others --exclude-standard \
      | find -files0-from - -newer "$tarball" -print -quit 2>/dev/null)" ]; then
    "$ROOT/scripts/nox.sh" build-import-check >&2
    tarball=$(find "$dir" -maxdepth 1 -name 'cdn-origin-*.tar.gz' -print -quit)
  fi
  echo "$tarball"
}
