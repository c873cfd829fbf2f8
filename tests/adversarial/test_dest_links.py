# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cdn.origin maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Case 3: links planted in `dest` are replaced, never written through.

Mirrors rsync CVE-2024-12087 (receiver writes through a planted symlinked
directory) and ansible-core CVE-2020-1736 (attributes applied to the wrong file).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest

from ansible_collections.cdn.origin.plugins.module_utils.engine import mirror

from adversarial_support import as_json, leaks, link, skipped, temps, write


def _run(world, **kwargs):
    result = as_json(mirror(world.src, world.dest, **kwargs))
    assert not result.get('failed'), result
    assert world.outside_untouched()
    assert temps(world.dest) == []
    return result


def _regular(path, data):
    assert not os.path.islink(path), path
    with open(path, 'rb') as f:
        assert f.read() == data


@pytest.mark.parametrize('options', [{}, {'checksum': True}, {'mode': '0644'}], ids=['plain', 'checksum', 'mode'])
def test_planted_leaf_link_looking_up_to_date(world, options):
    """dest/index.html -> outside file with the source's size and mtime: a stat() that follows would call it done."""
    page = write(os.path.join(world.src, 'index.html'), b'x' * len(open(world.secret, 'rb').read()))
    target = os.path.join(world.outside, 'etc', 'index.html')
    st = os.stat(page)
    os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))
    os.makedirs(world.dest)
    link(target, os.path.join(world.dest, 'index.html'))
    before = os.stat(target)
    result = as_json(mirror(world.src, world.dest, **options))
    assert not result.get('failed'), result
    assert result['changes'] == [{'path': 'index.html', 'action': 'update'}]
    _regular(os.path.join(world.dest, 'index.html'), open(page, 'rb').read())
    after = os.stat(target)
    assert (after.st_mode, after.st_mtime_ns, after.st_ino) == (before.st_mode, before.st_mtime_ns, before.st_ino)


def test_dangling_planted_link_is_not_created_through(world):
    write(os.path.join(world.src, 'authorized_keys'), b'ssh-ed25519 AAAA public')
    write(os.path.join(world.src, 'x'), b'x')
    os.makedirs(world.dest)
    keys = os.path.join(world.outside, 'ssh', 'authorized_keys')
    link(keys, os.path.join(world.dest, 'authorized_keys'))
    link(os.path.join(world.outside, 'created-through-x'), os.path.join(world.dest, 'x'))
    result = _run(world)
    assert sorted(c['action'] for c in result['changes']) == ['update', 'update']
    assert not os.path.lexists(keys)
    assert not os.path.lexists(os.path.dirname(keys))
    assert not os.path.lexists(os.path.join(world.outside, 'created-through-x'))
    _regular(os.path.join(world.dest, 'authorized_keys'), b'ssh-ed25519 AAAA public')


@pytest.mark.parametrize('within', [False, True], ids=['copies', 'links'])
def test_planted_parent_directory_link(world, within):
    """dest/sub -> outside/etc: the mirror's sub/passwd and sub/new.html must land in dest, not in etc."""
    write(os.path.join(world.src, 'sub', 'passwd'), b'mirror passwd')
    write(os.path.join(world.src, 'sub', 'new.html'), b'new')
    write(os.path.join(world.src, 'sub', 'deeper', 'x'), b'deeper')
    os.makedirs(world.dest)
    link(os.path.join(world.outside, 'etc'), os.path.join(world.dest, 'sub'))
    _run(world, within=[world.src] if within else [], mode='0600', directory_mode='0700')
    assert os.path.isdir(os.path.join(world.dest, 'sub')) and not os.path.islink(os.path.join(world.dest, 'sub'))
    placed = os.path.join(world.dest, 'sub', 'passwd')
    if within:
        assert os.readlink(placed) == os.path.join(world.src, 'sub', 'passwd')
    else:
        _regular(placed, b'mirror passwd')
    assert not os.path.lexists(os.path.join(world.outside, 'etc', 'new.html'))


def test_prune_removes_planted_links_not_their_targets(world):
    write(os.path.join(world.src, 'keep'), b'keep')
    os.makedirs(os.path.join(world.dest, 'olddir'))
    link(os.path.join(world.outside, 'etc'), os.path.join(world.dest, 'junkdir'))
    link(world.secret, os.path.join(world.dest, 'junkfile'))
    link(os.path.join(world.outside, 'etc'), os.path.join(world.dest, 'olddir', 'inner'))
    result = _run(world, prune=True)
    assert sorted(os.listdir(world.dest)) == ['keep']
    assert result['summary']['removed'] == 4


def test_hard_linked_dest_file_is_replaced_not_chmodded(world):
    """dest/passwd shares its inode with outside/etc/passwd: fixing its mode in place would change the outside file."""
    target = os.path.join(world.outside, 'etc', 'passwd')
    page = write(os.path.join(world.src, 'passwd'), open(target, 'rb').read())
    os.chmod(page, 0o600)
    st = os.stat(target)
    os.utime(page, ns=(st.st_atime_ns, st.st_mtime_ns))
    os.makedirs(world.dest)
    os.link(target, os.path.join(world.dest, 'passwd'))
    result = as_json(mirror(world.src, world.dest, owner=65534))
    assert not result.get('failed'), result
    # dest itself takes the owner too
    assert result['changes'] == [{'path': '.', 'action': 'update'}, {'path': 'passwd', 'action': 'update'}]
    after = os.stat(target)
    assert (after.st_mode & 0o7777, after.st_uid) == (0o644, st.st_uid)
    placed = os.stat(os.path.join(world.dest, 'passwd'))
    assert (placed.st_ino != after.st_ino, placed.st_mode & 0o7777, placed.st_uid) == (True, 0o600, 65534)
    assert world.outside_untouched()


@pytest.mark.parametrize('spelling', ['{base}/www', '{base}/www/', '{base}/wwwlink2'])
def test_operators_own_link_to_dest_still_works(world, spelling):
    """`dest` itself may be a link (/var/www -> /srv/www): that link is the operator's and is followed."""
    real = os.path.join(world.base, 'srv_www')
    os.mkdir(real)
    link(real, os.path.join(world.base, 'www'))
    link('www', os.path.join(world.base, 'wwwlink2'))
    write(os.path.join(world.src, 'a', 'b.html'), b'b')
    dest = spelling.format(base=world.base)
    first = as_json(mirror(world.src, dest))
    assert not first.get('failed'), first
    assert os.path.islink(os.path.join(world.base, 'www'))
    _regular(os.path.join(real, 'a', 'b.html'), b'b')
    again = as_json(mirror(world.src, dest))
    assert (again['changed'], again['changes']) == (False, [])


def test_prune_removes_what_a_skipped_source_left_behind(world):
    """page.html was mirrored, then became a link out; leak.html is a planted link under a skipped name."""
    write(os.path.join(world.src, 'page.html'), b'old public page')
    assert not mirror(world.src, world.dest, prune=True).get('failed')
    os.unlink(os.path.join(world.src, 'page.html'))
    link(world.secret, os.path.join(world.src, 'page.html'))
    link(world.secret, os.path.join(world.src, 'leak.html'))
    link(world.secret, os.path.join(world.dest, 'leak.html'))
    result = _run(world, prune=True)
    assert sorted(skipped(result)) == ['leak.html', 'page.html']
    assert os.listdir(world.dest) == []
    assert leaks(world.dest, world.outside) == []
