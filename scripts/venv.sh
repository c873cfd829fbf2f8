#!/usr/bin/env bash
# Create .venv with the pinned tools. "demo" installs ansible-core only,
# "test" everything the checks need. Re-running is cheap: pip skips what is there.
# Other kinds get a venv of their own, .tmp/venv-KIND from requirements/KIND.txt,
# keeping their dependencies out of the test venv: "nox" (nox and antsibull-nox;
# each nox session builds a venv of its own), "ee" (ansible-builder).
set -euo pipefail
cd "$(dirname "$0")/.."
kind=${1:-test}
py=${VENV_PYTHON:-}
if [ -z "$py" ]; then
  for cand in /root/.pyenv/versions/3.13.*/bin/python3.13 python3.13 python3.12 python3; do
    if command -v "$cand" >/dev/null 2>&1; then py=$cand; break; fi
  done
fi
case $kind in
  demo | test) venv=.venv ;;
  *) venv=.tmp/venv-$kind ;;
esac
if [ ! -x "$venv/bin/python" ]; then
  "$py" -m venv "$venv"
fi
stamp=$venv/.installed-$kind
if [ ! -f "$stamp" ] || [ "requirements/$kind.txt" -nt "$stamp" ] || [ requirements/demo.txt -nt "$stamp" ]; then
  "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "requirements/$kind.txt"
  touch "$stamp"
fi
