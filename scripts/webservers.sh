#!/usr/bin/env bash
# The mirror behind real web servers (issue 15): Debian's nginx and Apache on
# 127.0.0.1, each started by path with its own configuration under a
# temporary directory and stopped by its pid (never through systemd):
# owner-match checks (nginx disable_symlinks if_not_owner, Apache
# SymLinksIfOwnerMatch) with link_owner: target, and nginx disable_symlinks on
# with link_style: hard. Runs as root (links are chowned, workers run as www-data).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
real_servers "web server"
need_apt apache2 apache2
say "pytest tests/webservers/test_webservers.py (nginx $(nginx -v 2>&1 | sed 's/.*\///'), $(apache2 -v | sed -n 's/^Server version: //p'))"
python -m pytest tests/webservers/test_webservers.py -q -p no:cacheprovider -rsxX "$@"
