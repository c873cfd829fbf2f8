# -*- coding: utf-8 -*-
# What a run reports: the workers option, warnings naming their tree, skip reasons check mode shares with the real run.
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import subprocess
import os

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.cdn.origin.plugins.module_utils import parallel, report
from ansible_collections.cdn.origin.plugins.modules import symlink_or_copy
from ansible_collections.cdn.origin.tests.unit.plugins.module_utils.mirror_support import check_then_real


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


@pytest.mark.parametrize('given, passed', [({}, 1000), ({'changes_limit': 0}, 0), ({'changes_limit': '25'}, 25)])
def test_the_module_passes_changes_limit_to_the_engine(site, monkeypatch, capsys, given, passed):
    seen = {}

    def fake_mirror(src, dest, check_mode=False, diff=False, **options):
        seen.update(options)
        return {'changed': False}
    monkeypatch.setattr(symlink_or_copy, 'mirror', fake_mirror)
    with patch_module_args(dict({'src': str(site / 'build'), 'dest': str(site / 'origin')}, **given)):
        with pytest.raises(SystemExit):
            symlink_or_copy.main()
    out = json.loads(capsys.readouterr().out)
    assert not out.get('failed'), out
    assert seen['changes_limit'] == passed


def test_changes_limit_caps_changes_and_the_diff_as_check_mode_predicts(tmp_path, run, write):
    for i in range(5):
        write('build/f%d' % i)
    result = check_then_real(run, changes_limit=3, diff=True)
    # dest's mkdir and five copies: three listed
    assert [c['path'] for c in result['changes']] == ['.', 'f0', 'f1'] and result['changes_truncated'] is True
    assert result['summary']['copied'] == 5
    assert result['diff']['prepared'].splitlines()[3:] == ['... 3 more changes not listed']


def test_changes_limit_0_lists_every_change(tmp_path, run, write):
    for i in range(1005):
        write('build/f%04d' % i)
    result = check_then_real(run, changes_limit=0, diff=True)
    assert len(result['changes']) == 1006 and result['changes_truncated'] is False
    assert result['changes'][-1] == {'path': 'f1004', 'action': 'copy'}
    assert 'more changes not listed' not in result['diff']['prepared']
    assert len(result['diff']['prepared'].splitlines()) == 1006


def test_changes_limit_caps_removals_pending(tmp_path, run, write):
    for i in range(4):
        write('build/f%d' % i)
    record = str(tmp_path / 'origin.state')
    options = dict(state_file=record, prune=True, prune_grace=3600, changes_limit=2)
    run(**options)
    for i in range(3):
        os.unlink(str(tmp_path / ('build/f%d' % i)))
    result = check_then_real(run, **options)
    assert [p['path'] for p in result['removals_pending']] == ['f0', 'f1']
    assert result['summary']['pending_removal'] == 3
    # nothing changed: nothing cut from changes
    assert result['changes'] == [] and result['changes_truncated'] is False


@pytest.mark.parametrize('limit', [-1, True, 'many', 2.5])
def test_a_negative_changes_limit_fails_naming_the_option_before_any_change(site, run, limit):
    result = run(changes_limit=limit)
    assert result['failed'] and result['msg'].startswith('changes_limit must be a whole number, 0'), result
    assert repr(limit) in result['msg']
    assert not os.path.lexists(str(site / 'origin'))


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
    result = run(diff=True, changes_limit=2)
    # the first change is the mkdir of dest, then f0 fits: f1 on are past the diff; skipped_entries keeps 2
    assert result['diff']['prepared'].splitlines()[:2] == ['+ mkdir   ./', '! skip    f0 (a FIFO)']
    assert result['warnings'] == ['%s: 1 skipped (listed in the diff and in skipped_entries)' % dest,
                                  '%s: skipped f1: a FIFO' % dest,
                                  '%s: 4 more entries skipped, see skipped_entries' % dest]
    monkeypatch.setattr(report, 'CHANGES_LIMIT', 1000)
    again = run(diff=False, check_mode=True)
    assert again['warnings'] == ['%s: skipped f0: a FIFO' % dest, '%s: skipped f1: a FIFO' % dest,
                                 '%s: 4 more entries skipped, see skipped_entries' % dest]


def test_a_skip_reason_does_not_depend_on_what_this_run_made_in_dest(tmp_path, run, write):
    """Links into dest entries this run creates: check mode (nothing made) and the real run (made on the way) agree.

    b/ is planned after a/ has been written, so the real run finds dest/a; a first check mode never does.
    """
    write('build/a/new.txt', b'new')
    os.makedirs(str(tmp_path / 'build/b'))
    os.symlink('../../origin/a/new.txt', str(tmp_path / 'build/b/alias'))
    os.symlink('../../origin/a/deeper/x', str(tmp_path / 'build/b/deep'))
    os.symlink(str(tmp_path / 'origin/a'), str(tmp_path / 'build/b/dirlink'))
    dest = str(tmp_path / 'origin')
    for _run in ('first, into a missing dest', 'rerun'):
        result = check_then_real(run, workers=1)
        assert result['skipped_entries'] == [
            {'path': 'b/alias', 'reason': 'symlink resolves into dest (%s/a/new.txt)' % dest},
            {'path': 'b/deep', 'reason': 'symlink resolves into dest (%s/a/deeper/x)' % dest},
            {'path': 'b/dirlink', 'reason': 'symlink resolves into dest (%s/a)' % dest}]


def test_dest_reached_through_a_followed_link_is_skipped_before_it_exists_too(tmp_path, run, write):
    """A link to the directory holding dest lists dest there: as skipped in a first check mode as in the real run."""
    write('site/index.html', b'home')
    write('build/own.txt', b'own')
    os.symlink('../site', str(tmp_path / 'build/site'))
    result = check_then_real(run, dest=str(tmp_path / 'site/origin'), within=[str(tmp_path / 'site')])
    assert {'path': 'site/origin', 'reason': 'this directory is dest itself (%s)' % (tmp_path / 'site/origin')} \
        in result['skipped_entries']
    check_then_real(run, dest=str(tmp_path / 'site/origin'), within=[str(tmp_path / 'site')])


def _files(top):
    """Relative paths of the files under `top`, links followed as a web server does (a dangling link is no file)."""
    found = set()
    for dirpath, _dirs, files in os.walk(top):
        found.update(os.path.relpath(os.path.join(dirpath, name), top) for name in files
                     if os.path.isfile(os.path.join(dirpath, name)))
    return found


@pytest.fixture
def parent_links(tmp_path, write):
    """/real/src named as /x/src, with sub/up -> .. (closes a cycle at once) and top -> .. (the directory above src)."""
    write('real/src/a.txt', b'a')
    write('real/src/sub/s.txt', b's')
    write('real/other.txt', b'o')
    write('real/more/m.txt', b'm')
    os.symlink('..', str(tmp_path / 'real/src/sub/up'))
    os.symlink('..', str(tmp_path / 'real/src/top'))
    os.makedirs(str(tmp_path / 'x'))
    os.symlink(str(tmp_path / 'real/src'), str(tmp_path / 'x/src'))
    return tmp_path


def test_a_link_to_a_parent_is_descended_until_the_cycle_closes_as_cp_RL_does(parent_links, run):
    tmp_path = parent_links
    options = dict(src=str(tmp_path / 'x/src'), within=[str(tmp_path / 'real')])
    result = check_then_real(run, **options)
    assert result['skipped_entries'] == [
        {'path': 'sub/up', 'reason': 'symlink loop back to %s' % (tmp_path / 'real/src')},
        {'path': 'top/src', 'reason': 'symlink loop back to %s' % (tmp_path / 'real/src')}]
    assert _files(str(tmp_path / 'origin')) == {'a.txt', 'sub/s.txt', 'top/other.txt', 'top/more/m.txt'}
    # GNU cp -RL copies exactly these, and refuses sub/up and top/src as cyclic
    done = subprocess.run(['cp', '-RL', str(tmp_path / 'x/src'), str(tmp_path / 'cp')], capture_output=True, check=False)
    assert _files(str(tmp_path / 'cp')) == _files(str(tmp_path / 'origin')), done.stderr
    assert not run(**options)['changed']


def test_workers_stop_parent_links_where_one_process_does(parent_links, run, monkeypatch):
    monkeypatch.setattr(parallel, 'FANOUT', 1)
    monkeypatch.setattr(parallel, 'MAX_CHUNKS', 2)
    monkeypatch.setattr(parallel, 'BATCH', 2)
    tmp_path = parent_links
    for d in ('b1', 'b2/c'):
        os.makedirs(str(tmp_path / 'real/src' / d))
        os.symlink('../..', str(tmp_path / 'real/src' / d / 'up2'))
        os.symlink('..', str(tmp_path / 'real/src' / d / 'up1'))
    options = dict(src=str(tmp_path / 'x/src'), within=[str(tmp_path / 'real')], check_mode=True)
    serial = run(workers=1, **options)
    assert {'path': 'b2/c/up2', 'reason': 'symlink loop back to %s' % (tmp_path / 'real/src')} in serial['skipped_entries']
    assert ('b1/up2/other.txt', 'symlink') in [(c['path'], c['action']) for c in serial['changes']]
    for workers in (2, 3):
        assert run(workers=workers, **options) == serial


def test_a_layer_nested_in_another_is_no_loop(tmp_path, run, write):
    """src: [site, site/overrides]: the first layer's overrides/ is the second layer, met twice but not a cycle."""
    write('site/index.html', b'home')
    write('site/overrides/index.html', b'override')
    result = check_then_real(run, src=[str(tmp_path / 'site'), str(tmp_path / 'site/overrides')])
    assert result['skipped_entries'] == []
    assert _files(str(tmp_path / 'origin')) == {'index.html', 'overrides/index.html'}
