# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cdn.origin maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Case 6: kill -9 at seeded random points while a run updates a few thousand entries.

After every kill each dest entry is its old complete self or its new one;
the next run removes the stale temporary files and converges; the one after
is a no-op. Mirrors the partial-transfer states rsync's --partial/--delay-updates
and ansible's atomic_move exist to avoid.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import random
import shutil
import signal
import stat
import subprocess
import sys
import time

from ansible_collections.cdn.origin.plugins.module_utils.engine import mirror

import pytest

from adversarial_support import as_json, change_paths, state, temps, write

DIRS = 30
FILES_PER_DIR = 100
LINKED_DIRS = 8
# FUZZ=long (make fuzz) kills many more runs than CI does
KILLS = 40 if os.environ.get('FUZZ') == 'long' else 6
SEED = int(os.environ.get('CRASH_SEED', '20261127'))

_CHILD = r'''
import sys
from ansible_collections.cdn.origin.plugins.module_utils.engine import mirror
src, dest, within = sys.argv[1:4]
sys.stdout.write('go\n')
sys.stdout.flush()
result = mirror(src, dest, within=[within], prune=True, force=True)
sys.stdout.write('failed\n' if result.get('failed') else 'done\n')
'''


def _tree(src, rng, version):
    """Version 1, or version 2: a third of the files rewritten, some removed, added, retyped or chmodded."""
    for d in range(DIRS):
        for f in range(FILES_PER_DIR):
            path = os.path.join(src, 'd%02d' % d, 'f%03d.txt' % f)
            if version == 1:
                write(path, b'v1 %d %d\n' % (d, f) * rng.randint(1, 40), mode=0o644)
                continue
            roll = rng.random()
            if roll < 0.3:
                write(path, b'v2 %d %d\n' % (d, f) * rng.randint(1, 40))
            elif roll < 0.35:
                os.unlink(path)
            elif roll < 0.4:
                os.chmod(path, 0o600)
            elif roll < 0.45:
                os.utime(path, ns=(1, rng.randint(1, 10 ** 18)))
        if version == 2:
            write(os.path.join(src, 'd%02d' % d, 'new', 'added.txt'), b'added %d\n' % d)
    if version == 2:
        # a directory replaced by a file and a file by a directory: these may pass through absence
        os.rename(os.path.join(src, 'd29'), os.path.join(src, 'd29.old'))
        write(os.path.join(src, 'd29'), b'was a directory')
        if os.path.exists(os.path.join(src, 'd28', 'f000.txt')):
            os.unlink(os.path.join(src, 'd28', 'f000.txt'))
        write(os.path.join(src, 'd28', 'f000.txt', 'inside'), b'was a file')


def _retyped(rel, old, new):
    """Entries whose type changes between a directory and a file cannot change in one rename."""
    parts = rel.split(b'/')
    for i in range(1, len(parts) + 1):
        prefix = b'/'.join(parts[:i])
        kinds = set(s[prefix][0] == stat.S_IFDIR for s in (old, new) if prefix in s)
        if len(kinds) == 2:
            return True
    return False


def _assert_old_or_new(dest, old, new, when):
    now = state(dest)
    for rel in set(now) | set(old) | set(new):
        if rel == b'.' or rel.split(b'/')[-1].startswith(b'.cdn-origin-tmp-'):
            continue
        allowed = [old.get(rel), new.get(rel)]
        if _retyped(rel, old, new):
            allowed.append(None)
        assert now.get(rel) in allowed, (when, rel, now.get(rel), allowed)


def test_kill_minus_nine_then_rerun(shm):
    rng = random.Random(SEED)
    src, dest, reference = (os.path.join(shm, name) for name in ('src', 'dest', 'reference'))
    within = os.path.join(src, 'linked')
    os.makedirs(within)
    _tree(src, rng, 1)
    for d in range(LINKED_DIRS):
        os.rename(os.path.join(src, 'd%02d' % d), os.path.join(within, 'd%02d' % d))
        os.symlink(os.path.join(within, 'd%02d' % d), os.path.join(src, 'd%02d' % d))
    assert not mirror(src, dest, within=[within], prune=True, force=True).get('failed')
    old = state(dest)
    pristine = os.path.join(shm, 'pristine')
    shutil.copytree(dest, pristine, symlinks=True)
    _tree(src, rng, 2)
    started = time.monotonic()
    assert not mirror(src, reference, within=[within], prune=True, force=True).get('failed')
    full_run = time.monotonic() - started
    new = state(reference)
    assert old != new

    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    leftovers = interrupted = 0
    # an update touches fewer entries than the reference's full copy: aim at the first half
    aim = full_run / 2
    for kill in range(KILLS):
        child = subprocess.Popen([sys.executable, '-c', _CHILD, src, dest, within], stdout=subprocess.PIPE, env=env)
        assert child.stdout.readline() == b'go\n'
        went = time.monotonic()
        time.sleep(rng.uniform(0, aim))
        child.send_signal(signal.SIGKILL)
        out, _err = child.communicate()
        interrupted += not out
        if out:
            # The run ended before the kill: every later run would be a no-op, so the next kill
            # starts again from version 1 and aims within the time this whole update took.
            aim = min(aim, (time.monotonic() - went) / 2)
            _assert_old_or_new(dest, old, new, 'after a run the kill missed')
            shutil.rmtree(dest)
            shutil.copytree(pristine, dest, symlinks=True)
            assert state(dest) == old
            continue
        _assert_old_or_new(dest, old, new, 'after kill %d of %d' % (kill + 1, KILLS))
        leftovers += len(temps(dest))

    # a kill that always came after the end would prove nothing
    assert interrupted
    result = as_json(mirror(src, dest, within=[within], prune=True, force=True))
    assert not result.get('failed'), result
    assert temps(dest) == []
    assert state(dest) == new
    again = as_json(mirror(src, dest, within=[within], prune=True, force=True))
    assert (again['changed'], again['changes']) == (False, []), again['changes'][:10]
    print('%d kills, %d mid-run, %d temporary files left behind, full run %.2f s'
          % (KILLS, interrupted, leftovers, full_run))


# Killed at the chown of the n-th directory it creates: after its mkdir, before its owner and mode are set.
_KILLED_AT_CHOWN = r'''
import os, signal, stat, sys
from ansible_collections.cdn.origin.plugins.module_utils.engine import mirror
src, dest, nth = sys.argv[1], sys.argv[2], int(sys.argv[3])
fchown = os.fchown
dirs = []
os.umask(0o022)

def dying_fchown(fd, uid, gid):
    if stat.S_ISDIR(os.fstat(fd).st_mode):
        dirs.append(fd)
        if len(dirs) == nth:
            os.kill(os.getpid(), signal.SIGKILL)
    return fchown(fd, uid, gid)

os.fchown = dying_fchown
mirror(src, dest, owner=65534, group=65534, directory_mode='0775')
'''


@pytest.mark.parametrize('nth, rel', [(1, '.'), (2, 'sub')], ids=['dest', 'subdirectory'])
def test_kill_between_mkdir_and_chown_is_repaired_by_the_next_run(shm, nth, rel):
    """owner/group/directory_mode of a directory a killed run created are set by the next run, not left wrong."""
    if os.geteuid() != 0:
        pytest.skip('needs root, to give directories to another owner')
    src, dest = os.path.join(shm, 'src'), os.path.join(shm, 'dest')
    write(os.path.join(src, 'a.txt'), b'a')
    write(os.path.join(src, 'sub', 'deeper', 'b.txt'), b'b')
    options = dict(owner=65534, group=65534, directory_mode='0775')
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    child = subprocess.run([sys.executable, '-c', _KILLED_AT_CHOWN, src, dest, str(nth)], env=env, check=False)
    assert child.returncode == -signal.SIGKILL
    st = os.stat(os.path.join(dest, rel))
    # what the kill left: the mkdir's mode under the umask, the run's own owner
    assert (stat.S_IMODE(st.st_mode), st.st_uid) == (0o755, os.geteuid())
    predicted = as_json(mirror(src, dest, check_mode=True, diff=True, **options))
    assert rel in change_paths(predicted), predicted['changes']
    assert '~ update  %s/ (perms, owner, group)' % rel in predicted['diff']['prepared']
    result = as_json(mirror(src, dest, diff=True, **options))
    assert not result.get('failed'), result
    assert (result['changes'], result['diff']) == (predicted['changes'], predicted['diff'])
    for top, dirs, _files in os.walk(dest):
        for path in [top] + [os.path.join(top, name) for name in dirs]:
            st = os.stat(path)
            assert (stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid) == (0o775, 65534, 65534), path
    again = as_json(mirror(src, dest, **options))
    assert (again['changed'], again['changes']) == (False, [])
