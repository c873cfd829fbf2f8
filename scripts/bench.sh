#!/usr/bin/env bash
# `make bench-quick` / `make bench`: time the module against its peers.
#   scripts/bench.sh quick   CI smoke run: 1k files, 3 runs each (about a minute)
#   scripts/bench.sh full    1k, 10k and 100k files; writes bench/results/
# Extra arguments go to bench/run.py (e.g. --sizes 10000 --only engine,rsync).
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-quick}
shift || true

# hyperfine, the peers and /usr/bin/time (peak RSS) come from Debian.
need=()
for pair in hyperfine:hyperfine rsync:rsync stow:stow lndir:xutils-dev time:time; do
  tool=${pair%%:*} pkg=${pair#*:}
  if [ "$tool" = time ]; then [ -x /usr/bin/time ] || need+=("$pkg"); continue; fi
  command -v "$tool" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "==> apt-get install ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

echo "==> venv (ansible-core, matplotlib)"
scripts/venv.sh test

echo "==> bench/run.py $mode $*"
exec .venv/bin/python bench/run.py "$mode" "$@"
