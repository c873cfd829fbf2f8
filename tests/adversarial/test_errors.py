# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cdn.origin maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Case 7: disk full, unreadable sources, and an empty source against a pruned mirror.

Each failure names the path, keeps the old files, leaves no temporary file,
and stops prune (rsync's --delete after an I/O error, guarded there by
--ignore-errors being off and --max-delete).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import subprocess

import pytest

from ansible_collections.cdn.origin.plugins.module_utils.engine import mirror

from adversarial_support import as_json, state, temps, write

NOBODY = 65534


@pytest.fixture
def small_fs(shm):
    """A 1 MiB tmpfs of our own: filling it hurts nobody else."""
    mnt = os.path.join(shm, 'small')
    os.mkdir(mnt)
    proc = subprocess.run(['mount', '-t', 'tmpfs', '-o', 'size=1m,mode=0755', 'tmpfs', mnt],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False)
    if proc.returncode:
        pytest.skip('cannot mount a small tmpfs here (needs root and CAP_SYS_ADMIN): %s'
                    % proc.stdout.decode(errors='replace').strip())
    yield mnt
    subprocess.run(['umount', mnt], check=True)


def _free(path):
    st = os.statvfs(path)
    return st.f_bavail * st.f_frsize


def test_disk_full_fails_naming_the_file_and_keeps_the_old_one(shm, small_fs):
    src = os.path.join(shm, 'src')
    dest = os.path.join(small_fs, 'dest')
    for name in ('a.html', 'b.html'):
        write(os.path.join(src, name), b'v1 ' + name.encode())
    write(os.path.join(src, 'big.bin'), b'o' * 100000)
    assert not mirror(src, dest, prune=True).get('failed')
    write(os.path.join(dest, 'stale.html'), b'must survive a failed run')
    free = _free(small_fs)
    before = state(dest)
    write(os.path.join(src, 'big.bin'), b'n' * (2 << 20))
    result = as_json(mirror(src, dest, prune=True))
    assert result.get('failed'), result
    assert os.path.join(dest, 'big.bin') in result['msg'] and 'No space left on device' in result['msg']
    assert result['errors'][0] == {'path': os.path.join(dest, 'big.bin'), 'msg': 'No space left on device'}
    assert 'prune skipped' in result['msg']
    assert state(dest) == before
    assert temps(dest) == []
    assert _free(small_fs) == free


def _as_nobody(fn):
    """Run fn() in a child with uid/gid nobody (root reads through permission bits); returns its JSON."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        status = 1
        try:
            os.close(read_end)
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            with os.fdopen(write_end, 'w') as out:
                json.dump(fn(), out)
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    with os.fdopen(read_end) as f:
        text = f.read()
    _pid, status = os.waitpid(pid, 0)
    assert status == 0 and text, 'the child running as nobody failed'
    return json.loads(text)


@pytest.fixture
def nobody_tree(shm):
    """src readable by nobody except where a test locks it; dest owned by nobody, mirrored once."""
    if os.geteuid() != 0:
        pytest.skip('needs root, to run the engine as nobody against root-owned files')
    src, dest = os.path.join(shm, 'src'), os.path.join(shm, 'dest')
    write(os.path.join(src, 'public', 'a.html'), b'a', mode=0o644)
    write(os.path.join(src, 'private', 'b.html'), b'b', mode=0o644)
    write(os.path.join(src, 'z.html'), b'z', mode=0o644)
    assert not mirror(src, dest).get('failed')
    write(os.path.join(dest, 'stale.html'), b'pruned only when all went well')
    write(os.path.join(src, 'public', 'new.html'), b'new', mode=0o644)
    write(os.path.join(src, 'z.html'), b'zz', mode=0o644)
    for path in [dest] + [os.path.join(dest, rel) for rel in os.listdir(dest)]:
        os.chown(path, NOBODY, NOBODY)
    for rel in ('public', 'private'):
        for name in os.listdir(os.path.join(dest, rel)):
            os.chown(os.path.join(dest, rel, name), NOBODY, NOBODY)
    return src, dest


def test_unreadable_source_directory_fails_before_any_change(nobody_tree):
    src, dest = nobody_tree
    os.chmod(os.path.join(src, 'private'), 0o700)
    before = state(dest)
    result = _as_nobody(lambda: mirror(src, dest, prune=True))
    assert result.get('failed'), result
    assert os.path.join(src, 'private') in result['msg'] and 'Permission denied' in result['msg']
    assert result['errors'] == [{'path': os.path.join(src, 'private'), 'msg': 'Permission denied'}]
    assert state(dest) == before


def test_unreadable_source_file_fails_the_run_and_stops_prune(nobody_tree):
    src, dest = nobody_tree
    os.chmod(os.path.join(src, 'z.html'), 0o600)
    result = _as_nobody(lambda: mirror(src, dest, prune=True))
    assert result.get('failed'), result
    assert [e['path'] for e in result['errors']] == [os.path.join(dest, 'z.html')]
    assert 'Permission denied' in result['msg'] and 'prune skipped' in result['msg']
    # the rest went on; only prune waits for a clean run
    assert open(os.path.join(dest, 'public', 'new.html'), 'rb').read() == b'new'
    assert open(os.path.join(dest, 'z.html'), 'rb').read() == b'z'
    assert os.path.exists(os.path.join(dest, 'stale.html'))
    assert temps(dest) == []


@pytest.mark.parametrize('check_mode', [False, True], ids=['real', 'check'])
def test_max_delete_stops_an_empty_source_from_wiping_the_mirror(shm, check_mode):
    src, dest = os.path.join(shm, 'src'), os.path.join(shm, 'dest')
    for i in range(12):
        write(os.path.join(src, 'page%02d.html' % i), b'page')
    assert not mirror(src, dest).get('failed')
    for i in range(12):
        os.unlink(os.path.join(src, 'page%02d.html' % i))
    # an unmounted source looks like this: an empty directory
    before = state(dest)
    result = as_json(mirror(src, dest, prune=True, max_delete=11, check_mode=check_mode))
    assert result.get('failed'), result
    assert '12 deletions' in result['msg'] and 'max_delete=11' in result['msg']
    assert state(dest) == before
    at_limit = as_json(mirror(src, dest, prune=True, max_delete=12, check_mode=check_mode))
    assert not at_limit.get('failed'), at_limit
    assert at_limit['summary']['removed'] == 12
    assert (state(dest) == before) == check_mode
