#!/usr/bin/env bash
# `make bench-quick` / `make bench`: time the module against its peers.
#   scripts/bench.sh quick   CI smoke run: 1k files, 3 runs each (about a minute)
#   scripts/bench.sh full    1k, 10k and 100k files; writes bench/results/; then bench/deploy_bench.py
#   scripts/bench.sh deploy  bench/deploy_bench.py alone (deploy consistency, phased apply, state_file, ext4):
#                            writes bench/results-consistency.md (about 15 minutes)
# Extra arguments go to bench/run.py (e.g. --sizes 10000 --only engine,rsync), or with deploy to
# bench/deploy_bench.py (e.g. --only consistency --sizes 10000).
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

if [ "$mode" = deploy ]; then
  echo "==> bench/deploy_bench.py $*"
  exec .venv/bin/python bench/deploy_bench.py "$@"
fi
echo "==> bench/run.py $mode $*"
.venv/bin/python bench/run.py "$mode" "$@"
if [ "$mode" = full ]; then
  echo "==> bench/deploy_bench.py"
  .venv/bin/python bench/deploy_bench.py
fi
