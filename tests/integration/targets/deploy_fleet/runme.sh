#!/usr/bin/env bash
# The playbook cdn.origin.deploy on a fleet of local origins (see fleet_check.py).
set -eu
exec "${ANSIBLE_TEST_PYTHON_INTERPRETER:-python}" "$(dirname "$0")/fleet_check.py"
