# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cdn.origin maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Case 11: `fsync` (default on) makes each copy durable before it becomes visible.

A rename is atomic for readers but not across a power cut: without fsync of
the data first, ext4/xfs may commit the rename and lose the data, leaving an
empty file under the final name (the classic ext4 delayed-allocation
zero-length-file reports). Each copy's temporary file is fsync'ed before its
rename, and each changed directory after its renames.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import stat

import pytest

from ansible_collections.cdn.origin.plugins.module_utils import apply as apply_mod
from ansible_collections.cdn.origin.plugins.module_utils.engine import mirror
from ansible_collections.cdn.origin.plugins.module_utils.policy import is_temp_name

from adversarial_support import as_json, link, write


@pytest.fixture
def syscalls(monkeypatch):
    """Records fsync, syncfs and rename calls as (call, kind, path) in order, and each copy written as
    ('written', temporary path), then lets them happen."""
    calls = []
    real_fsync, real_rename, real_syncfs, real_copy = os.fsync, os.rename, apply_mod._syncfs, apply_mod.Applier._copy

    def where(fd):
        return os.readlink('/proc/self/fd/%d' % fd)

    def fsync(fd):
        kind = 'file' if stat.S_ISREG(os.fstat(fd).st_mode) else 'dir'
        calls.append(('fsync', kind, where(fd)))
        return real_fsync(fd)

    def rename(src, dst, src_dir_fd=None, dst_dir_fd=None):
        calls.append(('rename', os.path.join(where(src_dir_fd), src), os.path.join(where(dst_dir_fd), dst)))
        return real_rename(src, dst, src_dir_fd=src_dir_fd, dst_dir_fd=dst_dir_fd)

    def syncfs(fd):
        calls.append(('syncfs', where(fd)))
        return real_syncfs(fd)

    def copy(self, fd, d, *args):
        temp = real_copy(self, fd, d, *args)
        calls.append(('written', os.path.join(where(fd), temp)))
        return temp

    monkeypatch.setattr(apply_mod.os, 'fsync', fsync)
    monkeypatch.setattr(apply_mod.os, 'rename', rename)
    monkeypatch.setattr(apply_mod, '_syncfs', syncfs)
    monkeypatch.setattr(apply_mod.Applier, '_copy', copy)
    return calls


def _durable_before(syscalls, temp, i):
    """Whether the copy written as `temp` was flushed before call i: an fsync of it, or a syncfs of dest's file
    system after it was written."""
    written = syscalls.index(('written', temp))
    return any(c == ('fsync', 'file', temp) or c[0] == 'syncfs' and j > written for j, c in enumerate(syscalls[:i]))


def _tree(world):
    for rel in ('index.html', 'sub/a.css', 'sub/deeper/b.js'):
        write(os.path.join(world.src, rel), rel.encode())
    write(os.path.join(world.within, 'w.png'), b'png')
    link(os.path.join(world.within, 'w.png'), os.path.join(world.src, 'sub', 'w.png'))
    write(os.path.join(world.dest, 'index.html'), b'old version')


def test_every_copy_is_synced_before_its_rename_and_every_directory_after(world, syscalls):
    _tree(world)
    result = as_json(mirror(world.src, world.dest, within=[world.within]))
    assert not result.get('failed'), result
    copies = [c['path'] for c in result['changes'] if c['action'] in ('copy', 'update')]
    assert sorted(copies) == ['index.html', 'sub/a.css', 'sub/deeper/b.js']
    renames = [(i, c) for i, c in enumerate(syscalls) if c[0] == 'rename']
    assert [os.path.relpath(c[2], world.dest) for _i, c in renames] == copies
    for i, (_call, temp, final) in renames:
        assert is_temp_name(os.path.basename(temp))
        assert _durable_before(syscalls, temp, i), (temp, syscalls)
        directory = os.path.dirname(final)
        later = [j for j, c in enumerate(syscalls) if c == ('fsync', 'dir', directory) and j > i]
        assert later, ('no fsync of %s after its rename' % directory, syscalls)
    # the link's directory changed too: sub holds the new w.png
    assert ('fsync', 'dir', os.path.join(world.dest, 'sub')) in syscalls


def test_fsync_false_skips_every_sync(world, syscalls):
    _tree(world)
    result = as_json(mirror(world.src, world.dest, within=[world.within], fsync=False))
    assert not result.get('failed'), result
    assert [c for c in syscalls if c[0] in ('fsync', 'syncfs')] == []
    assert len([c for c in syscalls if c[0] == 'rename']) == 3


def test_new_copies_are_flushed_with_one_syncfs_not_an_fsync_each(world, syscalls):
    # an fsync per file waits for a flush of the disk's cache per file: 10,000 copies on ext4 took 20-60 s instead of 5
    for i in range(5):
        write(os.path.join(world.src, 'f%d.css' % i), b'x')
    result = as_json(mirror(world.src, world.dest, within=[world.within]))
    assert not result.get('failed'), result
    assert [c for c in syscalls if c[0] == 'syncfs'] == [('syncfs', world.dest)]
    assert [c for c in syscalls if c[:2] == ('fsync', 'file')] == []
    assert len([c for c in syscalls if c[0] == 'rename']) == 5
