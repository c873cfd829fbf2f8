# -*- coding: utf-8 -*-
"""What each kind of run imports of the engine.

AnsiballZ compiles every module a module imports from its zip, on every run,
so a rerun that changes nothing must not import the code that writes
(apply.py), forks planners (parallel.py) or keeps a record (state.py). Each
case runs in a fresh interpreter, as a module run does.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import subprocess
import sys

import pytest

from ansible_collections.cdn.origin.plugins.module_utils import engine

# the directory that holds ansible_collections/
_ROOT = os.path.abspath(os.path.join(os.path.dirname(engine.__file__), *(['..'] * 5)))
_LAZY = ('apply', 'parallel', 'state')

_SCRIPT = """
import json, sys
sys.path.insert(0, sys.argv[1])
from ansible_collections.cdn.origin.plugins.module_utils.engine import mirror
result = mirror(**json.loads(sys.argv[2]))
assert not result.get('failed'), result
prefix = 'ansible_collections.cdn.origin.plugins.module_utils.'
print(json.dumps({'changed': result['changed'],
                  'imported': sorted(m[len(prefix):] for m in sys.modules if m.startswith(prefix))}))
"""


def _imported(**kwargs):
    """(changed, the lazily imported engine modules) of one mirror(**kwargs) in a fresh interpreter."""
    out = subprocess.run([sys.executable, '-c', _SCRIPT, _ROOT, json.dumps(kwargs)], check=True,
                         stdout=subprocess.PIPE, universal_newlines=True).stdout
    found = json.loads(out)
    return found['changed'], {name for name in found['imported'] if name in _LAZY}


@pytest.fixture
def tree(site):
    return dict(src=str(site / 'build'), dest=str(site / 'origin'), within=[str(site / 'htdocs')], workers=1)


def test_a_rerun_that_changes_nothing_imports_no_writer_no_workers_no_record(tree):
    assert not engine.mirror(**tree).get('failed')
    assert _imported(**tree) == (False, set())


def test_check_mode_imports_no_writer_even_with_changes_to_predict(tree):
    assert _imported(check_mode=True, **tree) == (True, set())


def test_a_run_that_writes_imports_the_writer(tree):
    assert _imported(**tree) == (True, {'apply'})


def test_planning_workers_import_parallel(tree):
    assert not engine.mirror(**tree).get('failed')
    assert _imported(**dict(tree, workers=2)) == (False, {'parallel'})


def test_a_record_imports_state(tree, tmp_path):
    tree['state_file'] = str(tmp_path / 'record')
    assert not engine.mirror(**tree).get('failed')
    assert os.path.isfile(tree['state_file'])
    assert _imported(**tree) == (False, {'state'})
