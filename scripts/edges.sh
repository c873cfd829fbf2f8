#!/usr/bin/env bash
# Real origin-pull edges in front of the mirror (issue 14): Debian's Varnish 7
# and Apache Traffic Server 9 pull from nginx serving the mirror, all on
# 127.0.0.1 (ports 18000-18999), each started by path with its own
# configuration under a temporary directory and stopped by its pid (never
# through systemd). Through ansible-playbook and the role (provider
# http_purge): after a deploy every changed URL is fresh at the edge and every
# other one still a hit. Runs as root (Varnish and nginx drop to their users).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
real_servers "edge"
need_apt varnishd varnish
need_apt traffic_server trafficserver
say "pytest tests/webservers/test_edges.py ($(varnishd -V 2>&1 | sed -n 's/^varnishd (\([^ ]*\) .*/\1/p'), $(traffic_server --version 2>/dev/null | sed -n 's/^\(Traffic Server [0-9.]*\).*/\1/p'))"
python -m pytest tests/webservers/test_edges.py -q -p no:cacheprovider -rsxX "$@"
