# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cdn.origin maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Case 13: dest on a file system that cannot store what the source holds.

ext4 keeps times up to 2446-05-10 (with 256-byte inodes) and from 1901-12-13:
the kernel clamps a time beyond that, so a copy's mtime never equals a
source's dated 3000, and a size+mtime comparison would copy it on every run.
The file system is a real one: an ext4 image, loop-mounted.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import calendar
import os
import shutil
import subprocess
import tempfile

import pytest

from ansible_collections.cdn.origin.plugins.module_utils.engine import mirror

from adversarial_support import as_json, write


def _epoch(year):
    return calendar.timegm((year, 1, 1, 0, 0, 0))


@pytest.fixture
def ext4(mounted):
    """A directory on a freshly made 16 MiB ext4 file system, unmounted afterwards."""
    if os.geteuid() != 0:
        pytest.skip('mounting an ext4 image needs root')
    mkfs = shutil.which('mkfs.ext4') or shutil.which('mkfs.ext4', path='/sbin:/usr/sbin')
    if mkfs is None:
        pytest.skip('mkfs.ext4 is not installed')
    base = tempfile.mkdtemp(prefix='cdn-ext4-')
    image = os.path.join(base, 'image')
    try:
        with open(image, 'wb') as f:
            f.truncate(16 << 20)
        subprocess.run([mkfs, '-q', '-F', '-I', '256', image], check=True, capture_output=True)
        with mounted(['-o', 'loop', image], os.path.join(base, 'mnt')) as point:
            yield point
    finally:
        shutil.rmtree(base)


@pytest.mark.parametrize('year', [3000, 1800])
def test_an_mtime_dest_cannot_store_is_copied_once(world, ext4, year):
    page = write(os.path.join(world.src, 'page.html'), b'far from now')
    os.utime(page, ns=(0, _epoch(year) * 10 ** 9 + 123456789))
    dest = os.path.join(ext4, 'dest')
    first = as_json(mirror(world.src, dest, fsync=False))
    assert first['summary']['copied'] == 1, first
    assert os.stat(os.path.join(dest, 'page.html')).st_mtime_ns != os.stat(page).st_mtime_ns
    preview = as_json(mirror(world.src, dest, check_mode=True, fsync=False))
    again = as_json(mirror(world.src, dest, fsync=False))
    for result in (preview, again):
        assert (result['changed'], result['summary']['unchanged']) == (False, 1), result


def test_an_mtime_dest_stores_exactly_still_updates_when_it_changes(world, ext4):
    page = write(os.path.join(world.src, 'page.html'), b'2030')
    os.utime(page, ns=(0, _epoch(2030) * 10 ** 9 + 5))
    dest = os.path.join(ext4, 'dest')
    assert as_json(mirror(world.src, dest, fsync=False))['summary']['copied'] == 1
    assert os.stat(os.path.join(dest, 'page.html')).st_mtime_ns == os.stat(page).st_mtime_ns
    assert not as_json(mirror(world.src, dest, fsync=False))['changed']
    with open(page, 'wb') as f:
        f.write(b'2031')
    os.utime(page, ns=(0, _epoch(2031) * 10 ** 9))
    result = as_json(mirror(world.src, dest, fsync=False, diff=True))
    assert result['summary']['updated'] == 1, result
    assert '(mtime)' in result['diff']['prepared']
    with open(os.path.join(dest, 'page.html'), 'rb') as f:
        assert f.read() == b'2031'
