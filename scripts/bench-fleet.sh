#!/usr/bin/env bash
# `make bench-fleet`: 50 origins over real SSH (one sshd of our own on 127.0.0.1,
# a port in 22200-22299), converged and purged once by cdn.origin.deploy; see
# bench/fleet_bench.py. Extra arguments go to it (e.g. --hosts 10 --repeat 1).
# Uses two cores for a few minutes: run it on a quiet machine.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
need_apt sshd openssh-server
need_apt ssh openssh-client
use_venv
ANSIBLE_COLLECTIONS_PATH=$(collection_link)
export ANSIBLE_COLLECTIONS_PATH
cd "$ROOT"
say "bench/fleet_bench.py $*"
exec .venv/bin/python bench/fleet_bench.py "$@"
