# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cdn.origin maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Also: prune does not cross file systems (rsync without -x does).

A file system mounted inside dest (a cache, a log volume, a bind mount of
someone else's tree) is not the mirror's to delete: prune and force stop
there and fail naming it, before any change, unless prune_mounts allows it;
even then the mount point itself stays. Bind mounts share the st_dev of what
they mount, so the mount points come from /proc/self/mountinfo.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest

from ansible_collections.cdn.origin.plugins.module_utils.engine import mirror

from adversarial_support import as_json, change_paths, state, write

REFUSED = 'a file system is mounted here: prune and force remove nothing on it (prune_mounts: true allows it)'


def _mirrored(world):
    write(os.path.join(world.src, 'page.html'), b'page')
    write(os.path.join(world.src, 'data', 'kept.txt'), b'kept')
    assert not mirror(world.src, world.dest, prune=True).get('failed')
    write(os.path.join(world.dest, 'stale.html'), b'stale')


def _fill(top):
    write(os.path.join(top, 'blob.bin'), b'not the mirror\'s')
    write(os.path.join(top, 'sub', 'x'), b'not the mirror\'s either')


@pytest.mark.parametrize('check_mode', [False, True], ids=['real', 'check'])
@pytest.mark.parametrize('kind', ['tmpfs', 'bind'])
def test_prune_stops_at_a_mount_point_and_fails_naming_it(world, check_mode, kind, mounted):
    _mirrored(world)
    cache = os.path.join(world.dest, 'cache')
    # a bind mount of `outside` (secrets and all) shares its st_dev: only mountinfo tells
    args = ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs'] if kind == 'tmpfs' else ['--bind', world.outside]
    with mounted(args, cache):
        if kind == 'tmpfs':
            _fill(cache)
        before = state(world.dest)
        result = as_json(mirror(world.src, world.dest, prune=True, check_mode=check_mode))
        assert result.get('failed'), result
        assert result['errors'] == [{'path': cache, 'msg': REFUSED}]
        assert cache in result['msg'] and 'prune_mounts' in result['msg']
        # the stale file outside the mount waits for a run that can prune everything
        assert state(world.dest) == before
        assert world.outside_untouched()


def test_a_mount_point_deep_in_a_pruned_directory_fails_the_run(world, mounted):
    _mirrored(world)
    write(os.path.join(world.dest, 'old', 'page.html'), b'stale')
    cache = os.path.join(world.dest, 'old', 'deeper', 'cache')
    with mounted(['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs'], cache):
        _fill(cache)
        before = state(world.dest)
        result = as_json(mirror(world.src, world.dest, prune=True))
        assert result['errors'] == [{'path': cache, 'msg': REFUSED}]
        assert state(world.dest) == before


def test_prune_mounts_empties_the_mounted_file_system_and_keeps_its_mount_point(world, mounted):
    _mirrored(world)
    cache = os.path.join(world.dest, 'old', 'cache')
    with mounted(['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs'], cache):
        _fill(cache)
        predicted = as_json(mirror(world.src, world.dest, prune=True, prune_mounts=True, check_mode=True))
        result = as_json(mirror(world.src, world.dest, prune=True, prune_mounts=True))
        assert not result.get('failed'), result
        assert result['changes'] == predicted['changes']
        assert sorted(change_paths(result)) == ['old/cache/blob.bin', 'old/cache/sub', 'old/cache/sub/x', 'stale.html']
        # the mount point stays, mounted and empty, and so does the directory holding it
        assert os.listdir(cache) == [] and os.path.ismount(cache)
        again = as_json(mirror(world.src, world.dest, prune=True, prune_mounts=True))
        assert (again['changed'], again['changes']) == (False, [])


def test_a_mounted_directory_that_mirrors_a_source_directory(world, mounted):
    """Copies go into it as into any directory; pruning on it waits for prune_mounts."""
    _mirrored(world)
    data = os.path.join(world.dest, 'data')
    with mounted(['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs'], data):
        write(os.path.join(data, 'foreign.txt'), b'someone else\'s')
        result = as_json(mirror(world.src, world.dest))
        assert not result.get('failed'), result
        assert open(os.path.join(data, 'kept.txt'), 'rb').read() == b'kept'
        before = state(world.dest)
        pruned = as_json(mirror(world.src, world.dest, prune=True))
        assert pruned['errors'] == [{'path': data, 'msg': REFUSED}]
        assert state(world.dest) == before
        allowed = as_json(mirror(world.src, world.dest, prune=True, prune_mounts=True))
        assert sorted(change_paths(allowed)) == ['data/foreign.txt', 'stale.html']


def test_an_excluded_mount_point_inside_a_pruned_directory_stays(world, mounted):
    """The excludes keep a mount point, and the directories holding it, as they keep any entry."""
    _mirrored(world)
    write(os.path.join(world.dest, 'old', 'page.html'), b'stale')
    cache = os.path.join(world.dest, 'old', 'cache')
    with mounted(['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs'], cache):
        _fill(cache)
        kept = state(cache)
        result = as_json(mirror(world.src, world.dest, prune=True, exclude=['cache']))
        assert not result.get('failed'), result
        assert sorted(change_paths(result)) == ['old/page.html', 'stale.html']
        assert state(cache) == kept


@pytest.mark.parametrize('prune_mounts', [False, True])
def test_a_mount_point_never_makes_way_for_a_file(world, prune_mounts, mounted):
    _mirrored(world)
    cache = os.path.join(world.dest, 'cache')
    write(os.path.join(world.src, 'cache'), b'a file now')
    with mounted(['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs'], cache):
        _fill(cache)
        before = state(world.dest)
        result = as_json(mirror(world.src, world.dest, force=True, prune_mounts=prune_mounts))
        assert result.get('failed'), result
        assert result['errors'] == [{'path': cache,
                                     'msg': 'a file system is mounted here: it cannot make way for a file or link'}]
        assert state(world.dest) == before
