# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cdn.origin maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Case 12: two runs at once on one dest (two playbooks, a cron job and an operator).

The dest lock is held from planning to the end, so the run that waits plans
what the other one left instead of applying a stale plan ("File exists").
Each test holds the first run at its first change until the second one
waits for the lock (as /proc/locks shows), so the runs really overlap.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import fcntl
import os
import threading
import time

import pytest

from ansible_collections.cdn.origin.plugins.module_utils import apply as apply_mod
from ansible_collections.cdn.origin.plugins.module_utils import engine
from ansible_collections.cdn.origin.plugins.module_utils.engine import mirror

from adversarial_support import as_json, state, write

WAIT = 10
# time for a run to go from calling flock to holding or waiting for the lock, where /proc/locks cannot tell
SETTLE = 0.2


def _tree(src, version):
    for d in range(4):
        for f in range(5):
            write(os.path.join(src, 'd%d' % d, 'f%d.txt' % f), b'v%d %d %d\n' % (version, d, f))
    if version == 2:
        write(os.path.join(src, 'new', 'deeper', 'page.html'), b'new')
        os.unlink(os.path.join(src, 'd0', 'f0.txt'))


def _wait_until_blocked(path):
    """Return once a flock request on `path` is waiting (a `->` line of /proc/locks), or after a pause."""
    ino = os.stat(path).st_ino
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        try:
            with open('/proc/locks') as f:
                lines = [line.split() for line in f]
        except OSError:
            break
        if any('->' in fields and fields[-3].endswith(':%d' % ino) for fields in lines):
            return
        time.sleep(0.01)
    time.sleep(SETTLE)


class _Overlap:
    """Runs `first` and `second` in threads; `first` waits at its first change until `second` waits for the lock."""

    def __init__(self, monkeypatch, dest):
        self.second_at_lock = threading.Event()
        self.first_changing = threading.Event()
        self.results = {}
        real_apply = apply_mod.Applier.apply
        real_flock = fcntl.flock

        def apply(applier, d):
            if threading.current_thread().name == 'first' and d.parent is not None and not self.first_changing.is_set():
                self.first_changing.set()
                assert self.second_at_lock.wait(WAIT), 'the second run never reached the lock'
                _wait_until_blocked(dest)
            return real_apply(applier, d)

        def flock(fd, how):
            if threading.current_thread().name == 'second':
                self.second_at_lock.set()
            return real_flock(fd, how)

        monkeypatch.setattr(apply_mod.Applier, 'apply', apply)
        monkeypatch.setattr(fcntl, 'flock', flock)

    def thread(self, name, run):
        def body():
            self.results[name] = as_json(run())
        thread = threading.Thread(target=body, name=name)
        thread.start()
        return thread

    def join(self, *threads):
        for thread in threads:
            thread.join(WAIT * 2)
            assert not thread.is_alive(), '%s still running: the runs deadlock' % thread.name
        return self.results['first'], self.results['second']


def _succeeded(*results):
    for result in results:
        assert not result.get('failed'), result
        assert 'File exists' not in repr(result)


def test_a_run_waiting_for_another_plans_what_that_one_left(shm, monkeypatch):
    src, dest, reference = (os.path.join(shm, name) for name in ('src', 'dest', 'reference'))
    options = dict(prune=True, workers=1)
    _tree(src, 1)
    assert not mirror(src, dest, **options).get('failed')
    _tree(src, 2)
    predicted = as_json(mirror(src, dest, check_mode=True, **options))
    assert predicted['changed']
    overlap = _Overlap(monkeypatch, dest)
    first = overlap.thread('first', lambda: mirror(src, dest, **options))
    assert overlap.first_changing.wait(WAIT)
    second = overlap.thread('second', lambda: mirror(src, dest, **options))
    first, second = overlap.join(first, second)
    _succeeded(first, second)
    assert first['changes'] == predicted['changes']
    assert (second['changed'], second['changes']) == (False, [])
    monkeypatch.undo()
    assert not mirror(src, reference, **options).get('failed')
    assert state(dest) == state(reference)


def test_two_first_runs_at_once_both_succeed(shm, monkeypatch):
    """Both find dest missing; one creates and fills it, the other waits and finds nothing left to do."""
    src, dest, reference = (os.path.join(shm, name) for name in ('src', 'dest', 'reference'))
    _tree(src, 2)
    overlap = _Overlap(monkeypatch, dest)
    configured = threading.Event()
    real_configure = engine.configure

    def configure(*args, **kwargs):
        cfg = real_configure(*args, **kwargs)
        if threading.current_thread().name == 'second':
            # dest is still missing: hold on until the first run has made it and is writing into it
            configured.set()
            assert overlap.first_changing.wait(WAIT)
        return cfg

    monkeypatch.setattr(engine, 'configure', configure)
    second = overlap.thread('second', lambda: mirror(src, dest, workers=1))
    assert configured.wait(WAIT)
    first = overlap.thread('first', lambda: mirror(src, dest, workers=1))
    first, second = overlap.join(first, second)
    _succeeded(first, second)
    assert first['changes'][0] == {'path': '.', 'action': 'mkdir'}
    assert (second['changed'], second['changes']) == (False, [])
    monkeypatch.undo()
    assert not mirror(src, reference, workers=1).get('failed')
    assert state(dest) == state(reference)


def test_a_run_that_locks_the_dest_another_just_created_goes_first(shm, monkeypatch):
    """The creator loses the race to the lock: it then finds dest filled, and plans against it."""
    src, dest, reference = (os.path.join(shm, name) for name in ('src', 'dest', 'reference'))
    _tree(src, 2)
    made = threading.Event()
    second_changing = threading.Event()
    results = {}
    real_apply = apply_mod.Applier.apply
    real_flock = fcntl.flock

    def flock(fd, how):
        if threading.current_thread().name == 'first' and not made.is_set():
            # dest exists now, not yet locked: let the second run lock it and start writing
            made.set()
            assert second_changing.wait(WAIT), 'the second run never started writing'
            time.sleep(SETTLE)
        return real_flock(fd, how)

    def apply(applier, d):
        if threading.current_thread().name == 'second':
            second_changing.set()
        return real_apply(applier, d)

    monkeypatch.setattr(fcntl, 'flock', flock)
    monkeypatch.setattr(apply_mod.Applier, 'apply', apply)

    def run(name):
        results[name] = as_json(mirror(src, dest, workers=1, diff=True))

    first = threading.Thread(target=run, args=('first',), name='first')
    first.start()
    assert made.wait(WAIT)
    second = threading.Thread(target=run, args=('second',), name='second')
    second.start()
    for thread in (first, second):
        thread.join(WAIT * 2)
        assert not thread.is_alive(), '%s still running: the runs deadlock' % thread.name
    _succeeded(results['first'], results['second'])
    # the first run made dest and says so; the second filled it
    assert results['first']['changes'] == [{'path': '.', 'action': 'mkdir'}]
    assert results['second']['changes'][0] != {'path': '.', 'action': 'mkdir'}
    monkeypatch.undo()
    assert not mirror(src, reference, workers=1).get('failed')
    assert state(dest) == state(reference)


@pytest.mark.parametrize('check_mode', [False, True], ids=['real', 'check'])
def test_forked_planning_workers_leave_the_lock_held(shm, monkeypatch, check_mode):
    """The lock is taken before planning; workers share its descriptor, and their exit does not release it."""
    src, dest = os.path.join(shm, 'src'), os.path.join(shm, 'dest')
    for d in range(12):
        write(os.path.join(src, 'd%02d' % d, 'page.html'), b'page')
    assert not mirror(src, dest).get('failed')
    write(os.path.join(src, 'd00', 'new.html'), b'new')
    forks = []
    real_fork = os.fork

    def fork():
        pid = real_fork()
        if pid:
            forks.append(pid)
        return pid

    probes = []
    real_check = engine._check

    def check(*args):
        # planning is over and every worker has exited: who may lock dest now?
        fd = os.open(dest, os.O_RDONLY | os.O_DIRECTORY)
        try:
            probes.extend(_can_lock(fd, how) for how in (fcntl.LOCK_SH, fcntl.LOCK_EX))
        finally:
            os.close(fd)
        return real_check(*args)

    monkeypatch.setattr(os, 'fork', fork)
    monkeypatch.setattr(engine, '_check', check)
    result = as_json(mirror(src, dest, workers=2, check_mode=check_mode))
    assert not result.get('failed'), result
    assert result['changes'] == [{'path': 'd00/new.html', 'action': 'copy'}]
    assert len(forks) == 2
    # a check-mode run shares the lock with other check-mode runs; a real run shares it with nobody
    assert probes == [check_mode, False]
    fd = os.open(dest, os.O_RDONLY | os.O_DIRECTORY)
    try:
        assert _can_lock(fd, fcntl.LOCK_EX), 'the run ended without releasing the lock'
    finally:
        os.close(fd)


def _can_lock(fd, how):
    try:
        fcntl.flock(fd, how | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    fcntl.flock(fd, fcntl.LOCK_UN)
    return True
