# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cdn.origin maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared tools of the adversarial suite: tree snapshots, leak scans, a flipper.

Paths are handled as bytes wherever a tree is walked, so names that are not
UTF-8 are compared exactly instead of through a lossy decoding.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import hashlib
import json
import os
import signal
import stat
import subprocess
import sys
import tempfile
import types

from ansible_collections.cdn.origin.plugins.module_utils import apply as apply_mod
from ansible_collections.cdn.origin.plugins.module_utils import plan as plan_mod
from ansible_collections.cdn.origin.plugins.module_utils.policy import is_temp_name

SECRET = b'TOP-SECRET-0xC0FFEE: this must never be published\n'


def fresh_dir(prefix):
    """A world-traversable scratch dir, on tmpfs when there is one (races and crashes need speed)."""
    base = '/dev/shm' if os.path.isdir('/dev/shm') and os.access('/dev/shm', os.W_OK) else None
    path = tempfile.mkdtemp(prefix=prefix, dir=base)
    os.chmod(path, 0o755)
    return path


def write(path, data=b'', mode=None):
    path = os.fsencode(path)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'wb') as f:
        f.write(data if isinstance(data, bytes) else data.encode())
    if mode is not None:
        os.chmod(path, mode)
    return path


def link(target, path):
    path = os.fsencode(path)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    os.symlink(os.fsencode(target), path)
    return path


def nest(top, names, leaf=None):
    """Directories top/names[0]/names[1]/..., made through descriptors: deeper than PATH_MAX
    and os.makedirs' recursion limit allow. `leaf` is an empty file made at the bottom."""
    fd = os.open(top, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for name in names:
            os.mkdir(name, dir_fd=fd)
            fd, parent = os.open(name, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd), fd
            os.close(parent)
        if leaf is not None:
            os.close(os.open(leaf, os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd))
    finally:
        os.close(fd)


def snapshot(top):
    """rel -> what an attacker could have changed about it (not atime, not ctime)."""
    top = os.fsencode(top)
    found = {}
    try:
        st = os.lstat(top)
    except FileNotFoundError:
        return found
    found[b'.'] = _entry(top, st)
    for parent, dirs, files in os.walk(top):
        for name in dirs + files:
            path = os.path.join(parent, name)
            found[os.path.relpath(path, top)] = _entry(path, os.lstat(path))
    return found


def _entry(path, st):
    kind = stat.S_IFMT(st.st_mode)
    extra = None
    if stat.S_ISREG(st.st_mode):
        with open(path, 'rb') as f:
            extra = hashlib.sha256(f.read()).hexdigest()
    elif stat.S_ISLNK(st.st_mode):
        extra = os.readlink(path)
    return (kind, stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid, st.st_size, st.st_mtime_ns, extra)


def state(top):
    """A snapshot without what changes by itself: for a directory its size and mtime (they
    follow its children), for a link its mtime (its creation time)."""
    found = {}
    for rel, (kind, mode, uid, gid, size, mtime, extra) in snapshot(top).items():
        if kind == stat.S_IFDIR:
            size = mtime = None
        elif kind == stat.S_IFLNK:
            mtime = None
        found[rel] = (kind, mode, uid, gid, size, mtime, extra)
    return found


def entries(top):
    """Every path under `top` (bytes, relative), never following a symlink."""
    top = os.fsencode(top)
    for parent, dirs, files in os.walk(top):
        for name in dirs + files:
            yield os.path.relpath(os.path.join(parent, name), top)


def temps(top):
    return [rel for rel in entries(top) if is_temp_name(os.fsdecode(os.path.basename(rel)))]


def leaks(dest, outside):
    """Dest entries that publish something from `outside`: SECRET bytes, or a link resolving there."""
    dest = os.fsencode(dest)
    outside = os.path.realpath(os.fsencode(outside))
    found = []
    for rel in entries(dest):
        path = os.path.join(dest, rel)
        st = os.lstat(path)
        if stat.S_ISLNK(st.st_mode):
            real = os.path.realpath(path)
            if real == outside or real.startswith(outside + b'/'):
                found.append((rel, real))
        elif stat.S_ISREG(st.st_mode):
            with open(path, 'rb') as f:
                if SECRET in f.read():
                    found.append((rel, 'secret content'))
    return found


def as_json(result):
    """The result as the module would emit it: it must survive strict UTF-8 JSON."""
    text = json.dumps(result, ensure_ascii=False)
    text.encode('utf-8')
    return json.loads(text)


def change_paths(result):
    return [c['path'] for c in result['changes']]


def skipped(result):
    return dict((s['path'], s['reason']) for s in result['skipped_entries'])


def attack_at(monkeypatch, rel, attack, before=False):
    """Run `attack()` once, at the worst moment: right after (or before) the executor applies `rel`.

    The planner streams into the executor, so this lands between the listing
    of a directory and the use of what it listed. A new copy is written when
    it is staged (its rename comes with the next ones), so staging it counts
    as applying it. Returns the list of the decisions it fired at, for the
    test to check that the attack happened.
    """
    fired = []

    def hook(original):
        def attacker(self, d):
            if d.rel != rel or fired:
                return original(self, d)
            fired.append(rel)
            if before:
                attack()
                return original(self, d)
            done = original(self, d)
            attack()
            return done
        return attacker

    for name in ('apply', 'stage'):
        monkeypatch.setattr(apply_mod.Applier, name, hook(getattr(apply_mod.Applier, name)))
    return fired


class _Listing(list):
    """A directory listing already read, usable as os.scandir's result is."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def close(self):
        pass


class _OsSeenByThePlanner(types.ModuleType):
    """The `os` module as the planner sees it, but for `scandir`."""

    def __init__(self, scandir):
        super(_OsSeenByThePlanner, self).__init__('os')
        self.scandir = scandir

    def __getattr__(self, name):
        return getattr(os, name)


def attack_after_listing(monkeypatch, directory, attack):
    """Run `attack()` once, right after the planner has read the listing of `directory`
    and before it uses any entry of it, however the planner batches its work."""
    st = os.stat(directory)
    wanted = (st.st_dev, st.st_ino)
    fired = []

    def scandir(where):
        with os.scandir(where) as it:
            listing = _Listing(it)
        st = os.fstat(where) if isinstance(where, int) else os.stat(where)
        if (st.st_dev, st.st_ino) == wanted and not fired:
            fired.append(directory)
            attack()
        return listing

    monkeypatch.setattr(plan_mod, 'os', _OsSeenByThePlanner(scandir))
    return fired


class Hang(Exception):
    """Not an OSError (as TimeoutError is), so the engine's error handling cannot swallow it."""


@contextlib.contextmanager
def deadline(seconds):
    """Turn a hang (a FIFO opened for reading, an endless walk) into a failure."""
    def expired(signum, frame):
        raise Hang('still running after %s s: the engine hangs' % seconds)

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


_FLIP = r'''
import os, sys, time
path, aside_dir, target, seconds = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
end = time.monotonic() + seconds
flips = n = 0
while time.monotonic() < end:
    aside = os.path.join(aside_dir, str(n))
    try:
        os.rename(path, aside)
    except OSError:
        continue
    try:
        os.symlink(target, path)
        flips += 1
        os.unlink(path)
    except OSError:
        pass
    try:
        os.rename(aside, path)
    except OSError:
        # the victim recreated `path` meanwhile: leave ours aside, flip the new one
        n += 1
print(flips, n)
'''


class Flipper:
    """A process that keeps swapping `path` (a directory or file) with a symlink to `target`.

    The real entry is moved to `aside_dir` (same file system, outside the trees
    under test) and back. It runs for at most `seconds`; on exit the real
    entry is put back, so the final state can be checked.
    """

    def __init__(self, path, target, aside_dir, seconds=2.0):
        self.path = os.fsdecode(path)
        self.aside_dir = os.fsdecode(aside_dir)
        self.target = os.fsdecode(target)
        self.seconds = seconds
        self.proc = None
        self.flips = 0

    def __enter__(self):
        os.makedirs(self.aside_dir, exist_ok=True)
        self.proc = subprocess.Popen([sys.executable, '-c', _FLIP, self.path, self.aside_dir, self.target,
                                      str(self.seconds)], stdout=subprocess.PIPE)
        return self

    def running(self):
        return self.proc.poll() is None

    def __exit__(self, *exc):
        try:
            out, _err = self.proc.communicate(timeout=self.seconds + 10)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
        self.flips, last = (int(n) for n in out.split())
        aside = os.path.join(self.aside_dir, str(last))
        if os.path.lexists(aside) and (os.path.islink(self.path) or not os.path.lexists(self.path)):
            if os.path.islink(self.path):
                os.unlink(self.path)
            os.rename(aside, self.path)


def repeat_while(flipper, run, minimum=3):
    """Call `run` until the flipper has stopped (and at least `minimum` times); returns the results."""
    results = []
    while flipper.running() or len(results) < minimum:
        results.append(run())
    return results
