# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cdn.origin maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Case 14: a sparse source (`truncate -s 1T` by a source author) must not fill the dest disk.

Copies keep the holes, as cp does by default (SEEK_DATA/SEEK_HOLE): only the
data segments are written and the copy is extended to the source's size.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import hashlib
import os

import pytest

from ansible_collections.cdn.origin.plugins.module_utils.engine import mirror

from adversarial_support import as_json

SIZE = 64 << 20
BLOCK = b'data block\n' * 4096
# name -> offsets of the data blocks written into a SIZE-byte file of holes
SPARSE = {
    'holes-only.img': (),
    'data-in-the-middle.img': (16 << 20,),
    'data-at-both-ends.img': (0, SIZE - len(BLOCK)),
}
ROOM = 1 << 20


def _sparse_sources(src):
    os.mkdir(src)
    for name, offsets in SPARSE.items():
        fd = os.open(os.path.join(src, name), os.O_WRONLY | os.O_CREAT, 0o644)
        try:
            os.ftruncate(fd, SIZE)
            for offset in offsets:
                os.pwrite(fd, BLOCK, offset)
        finally:
            os.close(fd)
        if os.stat(os.path.join(src, name)).st_blocks * 512 > ROOM:
            pytest.skip('%s does not keep holes' % src)


def _digest(path):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            h.update(block)
    return h.hexdigest()


def _mirrored_sparse(src, dest):
    result = as_json(mirror(src, dest))
    assert not result.get('failed'), result
    assert result['summary']['copied'] == len(SPARSE)
    for name in SPARSE:
        copy = os.stat(os.path.join(dest, name))
        assert copy.st_size == SIZE, name
        assert _digest(os.path.join(dest, name)) == _digest(os.path.join(src, name)), name
        yield name, copy.st_blocks * 512
    again = as_json(mirror(src, dest))
    assert (again['changed'], again['changes']) == (False, [])


@pytest.mark.parametrize('copier', ['copy_file_range', 'read_write'])
def test_sparse_source_stays_sparse(shm, monkeypatch, copier):
    src, dest = os.path.join(shm, 'src'), os.path.join(shm, 'dest')
    _sparse_sources(src)
    if copier == 'read_write':
        # as on a kernel or file system pair without copy_file_range
        monkeypatch.delattr(os, 'copy_file_range')
    allocated = dict(_mirrored_sparse(src, dest))
    assert all(size <= ROOM for size in allocated.values()), allocated


def test_without_seek_data_sparse_sources_are_copied_whole(shm, monkeypatch):
    """A file system that cannot tell holes (SEEK_DATA refused) gets full copies, byte for byte equal."""
    src, dest = os.path.join(shm, 'src'), os.path.join(shm, 'dest')
    _sparse_sources(src)
    lseek = os.lseek
    refused = []

    def no_seek_data(fd, offset, whence):
        if whence in (os.SEEK_DATA, os.SEEK_HOLE):
            refused.append(fd)
            raise OSError(errno.EINVAL, 'Invalid argument')
        return lseek(fd, offset, whence)

    monkeypatch.setattr(os, 'lseek', no_seek_data)
    allocated = dict(_mirrored_sparse(src, dest))
    assert refused
    assert all(size >= SIZE for size in allocated.values()), allocated
