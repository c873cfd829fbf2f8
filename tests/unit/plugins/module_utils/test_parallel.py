# -*- coding: utf-8 -*-
# The planning pass spread over worker processes must answer exactly as one process does.
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import os
import shutil

import pytest

from ansible_collections.cdn.origin.plugins.module_utils import engine, parallel
from ansible_collections.cdn.origin.plugins.module_utils.plan import Planner


@pytest.fixture
def split_fine(monkeypatch):
    """Fork for any tree with two subdirectories, in chunks of several subtrees, streamed in tiny batches."""
    monkeypatch.setattr(parallel, 'FANOUT', 1)
    monkeypatch.setattr(parallel, 'MAX_CHUNKS', 2)
    monkeypatch.setattr(parallel, 'BATCH', 2)


def _no_children_left():
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)


@pytest.fixture
def busy(tmp_path, write):
    """A site with work of every kind: links, copies, a linked directory, skips, extras, a stale temp."""
    for d in ('a', 'b', 'c', 'd/e', 'd/f'):
        for n in range(3):
            write('htdocs/%s/f%d.css' % (d, n), b'original %s %d' % (d.encode(), n))
            os.makedirs(str(tmp_path / 'build' / d), exist_ok=True)
            os.symlink(str(tmp_path / 'htdocs' / d / ('f%d.css' % n)), str(tmp_path / 'build' / d / ('f%d.css' % n)))
        write('build/%s/modified.js' % d, b'modified in %s' % d.encode())
    write('outside/secret', b'secret')
    os.symlink(str(tmp_path / 'outside/secret'), str(tmp_path / 'build/b/leak'))
    os.symlink('..', str(tmp_path / 'build/c/loop'))
    os.symlink(str(tmp_path / 'htdocs/d'), str(tmp_path / 'build/linked'))
    os.mkfifo(str(tmp_path / 'build/a/fifo'))
    write('build/a/skip.tmp', b'excluded')
    return tmp_path


def _dest_changes(tmp_path, write):
    """Turn a mirrored dest into one that needs every kind of decision."""
    dest = tmp_path / 'origin'
    os.unlink(str(dest / 'a/f0.css'))
    os.symlink('/nowhere', str(dest / 'a/f0.css'))
    write('origin/b/modified.js', b'stale copy')
    write('origin/c/extra/deep.txt', b'not in the source')
    write('origin/d/e/.cdn-origin-tmp-0123456789abcdef', b'left by a killed run')
    os.unlink(str(dest / 'd/f/f1.css'))
    os.mkdir(str(dest / 'd/f/f1.css'))


@pytest.mark.parametrize('options', [
    dict(),
    dict(prune=True, exclude=['*.tmp']),
    dict(prune=True, link_style='relative', checksum=True),
    dict(prune=True, force=True, max_delete=1),
    # the percentage is of the dest entries the workers listed: tripped, and not
    dict(prune=True, max_delete='5%'),
    dict(prune=True, max_delete='50%'),
])
def test_workers_plan_exactly_what_one_process_plans(busy, run, write, split_fine, options):
    run(fsync=False)
    _dest_changes(busy, write)
    serial = run(check_mode=True, workers=1, **options)
    for workers in (2, 3):
        assert run(check_mode=True, workers=workers, **options) == serial
    _no_children_left()


def test_a_real_run_from_a_parallel_plan_ends_as_a_serial_one(busy, run, write, snapshot, split_fine):
    run()
    _dest_changes(busy, write)
    pristine = str(busy / 'pristine')
    shutil.copytree(str(busy / 'origin'), pristine, symlinks=True)
    serial = run(workers=1, prune=True, force=True)
    after_serial = snapshot(str(busy / 'origin'))
    shutil.rmtree(str(busy / 'origin'))
    shutil.copytree(pristine, str(busy / 'origin'), symlinks=True)
    assert run(workers=3, prune=True, force=True) == serial
    assert snapshot(str(busy / 'origin')) == after_serial
    assert serial['changed'] and serial['summary']['removed']


def test_a_conflict_found_by_a_worker_fails_before_any_change(busy, run, write, snapshot, split_fine):
    run()
    os.unlink(str(busy / 'origin/d/e/f2.css'))
    write('origin/d/e/f2.css/keep.txt', b'operator data')
    before = snapshot(str(busy / 'origin'))
    result = run(workers=2)
    assert result['failed'] and str(busy / 'origin/d/e/f2.css') in result['msg']
    assert result == run(workers=1)
    assert snapshot(str(busy / 'origin')) == before


def test_a_worker_that_dies_fails_the_run_and_changes_nothing(busy, run, write, snapshot, split_fine, monkeypatch):
    run()
    _dest_changes(busy, write)
    before = snapshot(str(busy / 'origin'))
    plan_task = parallel._plan_task

    def dying(planner, index, task, out):
        if index == 1:
            os._exit(3)
        plan_task(planner, index, task, out)

    monkeypatch.setattr(parallel, '_plan_task', dying)
    result = run(workers=2, prune=True)
    assert result['failed'] and 'nothing was changed' in result['msg']
    assert 'ended without an answer' in result['msg']
    assert snapshot(str(busy / 'origin')) == before
    _no_children_left()


def test_without_processes_to_fork_the_plan_is_made_here(busy, run, write, split_fine, monkeypatch):
    run()
    _dest_changes(busy, write)
    serial = run(check_mode=True, workers=1, prune=True)

    def no_fork():
        raise OSError(errno.EAGAIN, 'Resource temporarily unavailable')

    monkeypatch.setattr(os, 'fork', no_fork)
    assert run(check_mode=True, workers=2, prune=True) == serial


def test_an_unreadable_directory_is_reported_in_walk_order(busy, run, split_fine, unreadable):
    run()
    blocked = [str(busy / 'build/b'), str(busy / 'build/d/f')]
    unreadable(*blocked)
    result = run(workers=3)
    assert [e['path'] for e in result['errors']] == blocked
    assert result == run(workers=1)


def test_one_worker_per_idle_cpu_at_most_eight(monkeypatch):
    monkeypatch.setattr(os, 'getloadavg', lambda: (0.2, 0.2, 0.2))
    monkeypatch.setattr(os, 'sched_getaffinity', lambda pid: {0}, raising=False)
    assert engine.worker_count() == 1
    monkeypatch.setattr(os, 'sched_getaffinity', lambda pid: set(range(64)), raising=False)
    assert engine.worker_count() == 8
    # as make -l: the CPUs the load average keeps busy are not planned on (this process counts as one)
    monkeypatch.setattr(os, 'sched_getaffinity', lambda pid: {0, 1, 2, 3}, raising=False)
    for load, workers in ((1.0, 4), (2.0, 3), (3.5, 1), (10.0, 1)):
        monkeypatch.setattr(os, 'getloadavg', lambda load=load: (load, 0.0, 0.0))
        assert engine.worker_count() == workers, load

    def unavailable():
        raise OSError('no load average here')
    monkeypatch.setattr(os, 'getloadavg', unavailable)
    assert engine.worker_count() == 4


def test_a_single_deep_chain_is_planned_without_forking(tmp_path, write, run, monkeypatch):
    """A tree that does not split within a few levels is planned serially, not a level at a time and then alone."""
    chain = '/'.join('d%d' % i for i in range(60))
    write('htdocs/%s/leaf.css' % chain, b'leaf')
    write('build/%s/page.html' % chain, b'page')
    os.symlink(str(tmp_path / 'htdocs' / chain / 'leaf.css'), str(tmp_path / 'build' / chain / 'leaf.css'))
    run()
    serial = run(check_mode=True, workers=1)
    levels = []
    level = Planner.level

    def counted(planner, task):
        levels.append(task[0])
        return level(planner, task)

    def no_fork():
        raise AssertionError('forked for a tree that cannot be split')

    monkeypatch.setattr(Planner, 'level', counted)
    monkeypatch.setattr(os, 'fork', no_fork)
    assert run(check_mode=True, workers=2) == serial
    assert len(levels) <= parallel.FRONTIER_LEVELS


def test_a_fan_out_of_directory_links_is_bounded_alike_in_every_process(tmp_path, write, run, split_fine):
    """The fan-out count is taken in walk order inside each followed link's subtree, which one process plans whole."""
    for i in range(8):
        write('build/L%d/page' % i, b'level %d' % i)
        if i < 7:
            for name in ('a', 'b', 'c'):
                os.symlink('../L%d' % (i + 1), str(tmp_path / 'build' / ('L%d' % i) / name))
    write('htdocs/shared/x/f', b'f')
    for half in ('p', 'q'):
        os.mkdir(str(tmp_path / 'htdocs' / half))
        for name in ('x1', 'x2', 'x3', 'x4', 'x5'):
            os.symlink('../shared', str(tmp_path / 'htdocs' / half / name))
    os.symlink(str(tmp_path / 'htdocs'), str(tmp_path / 'build/top'))
    serial = run(check_mode=True, workers=1, within=[str(tmp_path / 'build'), str(tmp_path / 'htdocs')])
    assert any('fan-out' in s['reason'] for s in serial['skipped_entries'])
    assert any(s['path'].startswith('top/') for s in serial['skipped_entries'])
    for workers in (2, 3):
        assert run(check_mode=True, workers=workers, within=[str(tmp_path / 'build'), str(tmp_path / 'htdocs')]) == serial
    _no_children_left()
