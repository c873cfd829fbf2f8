#!/usr/bin/env bash
# The purge throughput report of `make bench` (bench/purge_bench.py): 10,000
# URLs through http_purge to a Python listener and to Debian's Varnish (started
# by the bench on 127.0.0.1 and stopped by its pid), and through the Cloudflare
# stand-in. Prints URLs/s; asserts nothing.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
use_venv
cd "$ROOT"
export PATH="$PATH:/usr/sbin:/sbin"
need_apt varnishd varnish
say "bench/purge_bench.py ($(varnishd -V 2>&1 | sed -n "s/^varnishd (\([^ ]*\) .*/\1/p"))"
python bench/purge_bench.py "$@"
