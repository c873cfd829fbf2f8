#!/usr/bin/env bash
# Print the path of a fresh real copy of the collection at
# .tmp/ansible_collections/cdn/origin (what ansible-test and ansible-doc need).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
collection_tree "$@"
