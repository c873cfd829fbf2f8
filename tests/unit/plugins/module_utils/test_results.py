# -*- coding: utf-8 -*-
# What a run reports: the workers option, warnings naming their tree, skip reasons check mode shares with the real run.
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.cdn.origin.plugins.module_utils import parallel, report
from ansible_collections.cdn.origin.plugins.modules import symlink_or_copy


@pytest.mark.parametrize('workers', [0, -1, 'two', True, 1.5])
def test_workers_below_one_or_not_a_number_fail_naming_the_option(site, run, workers):
    result = run(workers=workers)
    assert result['failed'] and 'workers must be a whole number of 1 or more' in result['msg'], result
    assert repr(workers) in result['msg']
    assert not os.path.lexists(str(site / 'origin'))


def test_one_worker_never_forks(site, run, monkeypatch):
    run()

    def no_fork():
        raise AssertionError('forked with workers: 1')
    monkeypatch.setattr(os, 'fork', no_fork)
    monkeypatch.setattr(parallel, 'FANOUT', 1)
    assert run(workers=1, check_mode=True)['changed'] is False


def test_the_module_passes_workers_to_the_engine(site, monkeypatch, capsys):
    """The argument spec declares workers (a DEFAULTS name the module does not declare never reaches the engine)."""
    seen = {}

    def fake_mirror(src, dest, check_mode=False, diff=False, **given):
        seen.update(given)
        return {'changed': False}
    monkeypatch.setattr(symlink_or_copy, 'mirror', fake_mirror)
    with patch_module_args({'src': str(site / 'build'), 'dest': str(site / 'origin'), 'workers': 3}):
        with pytest.raises(SystemExit):
            symlink_or_copy.main()
    out = json.loads(capsys.readouterr().out)
    assert not out.get('failed'), out
    assert seen['workers'] == 3


def test_warnings_start_with_dest_so_two_trees_do_not_merge(tmp_path, write):
    from ansible_collections.cdn.origin.plugins.module_utils.engine import mirror
    warnings = []
    for tree in ('one', 'two'):
        write('%s/build/ok.txt' % tree)
        os.mkfifo(str(tmp_path / tree / 'build/fifo'))
        dest = str(tmp_path / tree / 'origin')
        result = mirror(str(tmp_path / tree / 'build'), dest, fsync=False)
        assert result['warnings'] == ['%s: skipped fifo: a FIFO' % dest]
        warnings.extend(result['warnings'])
    assert len(set(warnings)) == 2


def test_under_diff_a_skip_is_listed_once(tmp_path, run, write):
    write('build/ok.txt')
    for name in ('f1', 'f2'):
        os.mkfifo(str(tmp_path / 'build' / name))
    dest = str(tmp_path / 'origin')
    preview = run(check_mode=True, diff=True)
    result = run(diff=True)
    for got in (preview, result):
        lines = got['diff']['prepared'].splitlines()
        assert [line for line in lines if line.startswith('!')] == ['! skip    f1 (a FIFO)', '! skip    f2 (a FIFO)']
        # the diff names them; the warning only tells there are some, and names the tree
        assert got['warnings'] == ['%s: 2 skipped (listed in the diff and in skipped_entries)' % dest]
        assert [e['path'] for e in got['skipped_entries']] == ['f1', 'f2']


def test_past_the_diff_skips_are_warned_and_the_rest_counted(tmp_path, run, write, monkeypatch):
    """The diff lists the first changes only: later skips are warned about, then counted, as without --diff."""
    monkeypatch.setattr(report, 'CHANGES_LIMIT', 2)
    monkeypatch.setattr(report, 'WARNINGS_LIMIT', 2)
    os.makedirs(str(tmp_path / 'build'))
    for n in range(6):
        os.mkfifo(str(tmp_path / 'build' / ('f%d' % n)))
    dest = str(tmp_path / 'origin')
    result = run(diff=True)
    # the first change is the mkdir of dest, then f0 fits: f1 on are past the diff; skipped_entries keeps 2
    assert result['diff']['prepared'].splitlines()[:2] == ['+ mkdir   ./', '! skip    f0 (a FIFO)']
    assert result['warnings'] == ['%s: 1 skipped (listed in the diff and in skipped_entries)' % dest,
                                  '%s: skipped f1: a FIFO' % dest,
                                  '%s: 4 more entries skipped, see skipped_entries' % dest]
    monkeypatch.setattr(report, 'CHANGES_LIMIT', 1000)
    again = run(diff=False, check_mode=True)
    assert again['warnings'] == ['%s: skipped f0: a FIFO' % dest, '%s: skipped f1: a FIFO' % dest,
                                 '%s: 4 more entries skipped, see skipped_entries' % dest]
