# -*- coding: utf-8 -*-
"""How links are made for the web server in front: link_owner, owner/group on links, hard links, link_target."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import os
import stat
import tempfile

import pytest

from ansible_collections.cdn.origin.plugins.module_utils.apply import Applier
from ansible_collections.cdn.origin.plugins.module_utils.engine import configure
from ansible_collections.cdn.origin.plugins.module_utils.plan import Planner
from ansible_collections.cdn.origin.plugins.module_utils.policy import is_temp_name
from ansible_collections.cdn.origin.tests.unit.plugins.module_utils.mirror_support import check_then_real

NOBODY = 65534
LINKS = ('img/a.png', 'img/b.png', 'index.html')

root_only = pytest.mark.skipif(os.geteuid() != 0, reason='chown and lchown to another user need root')


def _actions(result):
    return [(c['path'], c['action']) for c in result['changes']]


def _ids(path):
    st = os.lstat(str(path))
    return st.st_uid, st.st_gid


def _originals_owned_by_nobody(site):
    for rel in ('htdocs/index.html', 'htdocs/img/a.png', 'htdocs/img/b.png'):
        os.chown(str(site / rel), NOBODY, NOBODY + 1)


def _inode(path):
    st = os.lstat(str(path))
    return st.st_dev, st.st_ino


# -- link_owner and owner/group on links ------------------------------------


@root_only
def test_link_owner_target_gives_each_link_its_targets_owner(site, run):
    _originals_owned_by_nobody(site)
    check_then_real(run, link_owner='target')
    for rel in LINKS:
        assert os.path.islink(str(site / 'origin' / rel))
        assert _ids(site / 'origin' / rel) == (NOBODY, NOBODY + 1)
    # copies are not links: they keep the process's owner
    assert _ids(site / 'origin/css/site.css') == (0, 0)
    assert run(link_owner='target')['changed'] is False


@root_only
def test_a_link_with_the_wrong_owner_is_an_update(site, run):
    _originals_owned_by_nobody(site)
    run()
    before = dict((rel, os.readlink(str(site / 'origin' / rel))) for rel in LINKS)
    result = check_then_real(run, link_owner='target')
    assert _actions(result) == [(rel, 'update') for rel in LINKS]
    assert result['summary']['updated'] == 3
    assert '~ update  img/a.png (owner, group)' in result['diff']['prepared']
    for rel in LINKS:
        assert os.readlink(str(site / 'origin' / rel)) == before[rel]
        assert _ids(site / 'origin' / rel) == (NOBODY, NOBODY + 1)
    assert run(link_owner='target')['changed'] is False
    # back to the process's owner: links are left as they are (nothing asks for an owner)
    assert run()['changed'] is False


@root_only
def test_owner_and_group_apply_to_links_unless_link_owner_is_target(site, run):
    _originals_owned_by_nobody(site)
    check_then_real(run, owner=1234)
    for rel in LINKS:
        assert _ids(site / 'origin' / rel) == (1234, 0)
    result = check_then_real(run, owner=1234, group=4321)
    assert [c['action'] for c in result['changes'] if c['path'] in LINKS] == ['update'] * 3
    for rel in LINKS:
        assert _ids(site / 'origin' / rel) == (1234, 4321)
    # target wins over owner and group for links; copies still take owner and group
    check_then_real(run, owner=1234, group=4321, link_owner='target')
    for rel in LINKS:
        assert _ids(site / 'origin' / rel) == (NOBODY, NOBODY + 1)
    assert _ids(site / 'origin/css/site.css') == (1234, 4321)
    assert run(owner=1234, group=4321, link_owner='target')['changed'] is False


@root_only
def test_an_owned_link_is_made_under_a_temporary_name_and_renamed(site, run, monkeypatch):
    _originals_owned_by_nobody(site)
    made = []
    real_symlink = os.symlink

    def symlink(target, name, *args, **kwargs):
        made.append(name)
        return real_symlink(target, name, *args, **kwargs)
    monkeypatch.setattr(os, 'symlink', symlink)
    run(link_owner='target')
    # never under its final name with the process's owner, not even for a moment
    assert made and all(is_temp_name(name) for name in made)
    assert sorted(os.listdir(str(site / 'origin/img'))) == ['a.png', 'b.png']


def test_link_owner_and_link_target_are_checked(run):
    assert 'link_owner must be process or target' in run(link_owner='root')['msg']
    assert 'link_target must be real or given' in run(link_target='current')['msg']
    assert 'link_target: given needs symlinks' in run(link_target='given', link_style='hard')['msg']


# -- hard links --------------------------------------------------------------


def test_hard_links_files_of_within_and_copies_the_rest(site, run):
    result = check_then_real(run, link_style='hard')
    origin = site / 'origin'
    for rel in LINKS:
        assert not os.path.islink(str(origin / rel))
        assert _inode(origin / rel) == _inode(site / 'htdocs' / rel)
    assert _inode(origin / 'css/site.css') != _inode(site / 'build/css/site.css')
    assert result['summary']['hardlinked'] == 3 and result['summary']['copied'] == 1
    assert ('+ hardlink img/a.png => %s\n' % (site / 'htdocs/img/a.png')) in result['diff']['prepared']
    assert ('img/a.png', 'hardlink') in _actions(result)
    assert run(link_style='hard')['changed'] is False


def test_a_replaced_original_is_relinked_atomically(site, run, write, snapshot):
    run(link_style='hard')
    old = _inode(site / 'origin/img/a.png')
    # a deploy writes a new file and renames it over the original: a new inode
    write('htdocs/img/a.png.new', b'new A')
    os.rename(str(site / 'htdocs/img/a.png.new'), str(site / 'htdocs/img/a.png'))
    result = check_then_real(run, link_style='hard')
    assert _actions(result) == [('img/a.png', 'relink')]
    assert '~ relink  img/a.png => %s (replaces another file)' % (site / 'htdocs/img/a.png') in result['diff']['prepared']
    assert _inode(site / 'origin/img/a.png') == _inode(site / 'htdocs/img/a.png') != old
    assert (site / 'origin/img/a.png').read_bytes() == b'new A'
    assert not [n for n in os.listdir(str(site / 'origin/img')) if is_temp_name(n)]


def test_symlinks_become_hard_links_and_back(site, run):
    run()
    result = check_then_real(run, link_style='hard')
    assert _actions(result) == [(rel, 'relink') for rel in LINKS]
    assert 'replaces a symlink' in result['diff']['prepared']
    result = check_then_real(run)
    assert _actions(result) == [(rel, 'relink') for rel in LINKS]
    for rel in LINKS:
        assert os.readlink(str(site / 'origin' / rel)) == str(site / 'htdocs' / rel)
    # the originals are untouched: the hard links were replaced, not written into
    assert (site / 'htdocs/img/a.png').read_bytes() == b'A' * 100
    assert os.lstat(str(site / 'htdocs/img/a.png')).st_nlink == 1


@root_only
def test_mode_and_owner_never_reach_a_hard_linked_original(site, run):
    os.chmod(str(site / 'htdocs/img/a.png'), 0o640)
    before = os.lstat(str(site / 'htdocs/img/a.png'))
    options = dict(link_style='hard', mode='0600', owner=1234, group=4321, link_owner='target')
    check_then_real(run, **options)
    assert run(**options)['changed'] is False
    after = os.lstat(str(site / 'htdocs/img/a.png'))
    assert (after.st_mode, after.st_uid, after.st_gid) == (before.st_mode, before.st_uid, before.st_gid)
    assert after.st_nlink == 2
    # the copy takes them
    st = os.lstat(str(site / 'origin/css/site.css'))
    assert (stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid) == (0o600, 1234, 4321)


def test_a_file_of_within_on_another_device_is_copied_with_a_warning(site, run):
    shm = '/dev/shm'
    if not os.path.isdir(shm) or os.stat(shm).st_dev == os.stat(str(site)).st_dev:
        pytest.skip('needs /dev/shm on another file system than the temporary directory')
    other = tempfile.mkdtemp(dir=shm)
    try:
        with open(os.path.join(other, 'far.png'), 'wb') as f:
            f.write(b'far')
        os.symlink(os.path.join(other, 'far.png'), str(site / 'build/far.png'))
        result = check_then_real(run, link_style='hard', within=[str(site / 'htdocs'), other])
        assert ('far.png', 'copy') in _actions(result)
        assert _inode(site / 'origin/far.png') != _inode(os.path.join(other, 'far.png'))
        assert result['summary']['hardlinked'] == 3
        assert [w for w in result['warnings'] if 'copied instead of hard-linked' in w] == [
            str(site / 'origin') + ': 1 file(s) of within copied instead of hard-linked, the first far.png: '
            'not hard-linked: on another file system than dest, copied']
        assert run(link_style='hard', within=[str(site / 'htdocs'), other])['changed'] is False
        # a symlink mirror turned hard: the link to the far file is replaced by a copy, with the warning again
        run(within=[str(site / 'htdocs'), other])
        result = check_then_real(run, link_style='hard', within=[str(site / 'htdocs'), other])
        assert ('far.png', 'update') in _actions(result)
        assert [w for w in result['warnings'] if 'copied instead of hard-linked' in w]
    finally:
        for name in os.listdir(other):
            os.unlink(os.path.join(other, name))
        os.rmdir(other)


def test_a_directory_created_on_a_file_system_mounted_in_dest_gets_copies(site, run, write, mounted):
    run(link_style='hard')
    os.makedirs(str(site / 'build/cache/new'))
    os.symlink(str(site / 'htdocs/img/a.png'), str(site / 'build/cache/new/a.png'))
    with mounted(['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs'], str(site / 'origin/cache')):
        # cache/new does not exist yet: it will be made on the tmpfs, not on dest's file system
        result = check_then_real(run, link_style='hard')
        assert _actions(result) == [('cache/new', 'mkdir'), ('cache/new/a.png', 'copy')]
        assert (site / 'origin/cache/new/a.png').read_bytes() == b'A' * 100
        assert run(link_style='hard')['changed'] is False


def test_a_within_on_another_mount_of_the_same_device_is_copied(site, run, tmp_path, mounted):
    # link(2) fails with EXDEV across mounts even where st_dev is the same (a bind mount)
    with mounted(['--bind', str(site / 'htdocs')], str(tmp_path / 'bound')) as bound:
        os.symlink(os.path.join(bound, 'img/a.png'), str(site / 'build/bound.png'))
        result = check_then_real(run, link_style='hard', within=[bound])
        assert ('bound.png', 'copy') in _actions(result)
        assert any('under another mount than dest' in w for w in result['warnings'])
        assert not result.get('failed')


def test_a_hard_link_refused_at_run_time_is_a_copy_with_a_warning(site, run, monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError(errno.EXDEV, os.strerror(errno.EXDEV))
    monkeypatch.setattr(os, 'link', refuse)
    result = run(link_style='hard')
    assert not result.get('failed')
    assert [c['action'] for c in result['changes'] if c['path'] in LINKS] == ['copy'] * 3
    assert (site / 'origin/img/a.png').read_bytes() == b'A' * 100
    assert _inode(site / 'origin/img/a.png') != _inode(site / 'htdocs/img/a.png')
    assert [w for w in result['warnings'] if 'refuses hard links' in w]


def _apply_each(cfg, decisions):
    """Apply a plan made earlier, decision by decision; the (rel, errno) of those that failed."""
    applier = Applier(cfg)
    failed = []
    try:
        for d in decisions:
            try:
                applier.apply(d)
            except OSError as exc:
                failed.append((d.rel, exc.errno))
    finally:
        applier.unlock()
    return failed


def test_a_source_swapped_after_planning_is_never_hard_linked(site, tmp_path):
    os.makedirs(str(tmp_path / 'origin'))
    cfg = configure(str(site / 'build'), str(tmp_path / 'origin'), within=[str(site / 'htdocs')], link_style='hard',
                    fsync=False)
    planner = Planner(cfg)
    decisions = list(planner.entries())
    # after planning, the original becomes a link to a file outside within
    secret = tmp_path / 'secret'
    secret.write_bytes(b'secret')
    os.unlink(str(site / 'htdocs/img/a.png'))
    os.symlink(str(secret), str(site / 'htdocs/img/a.png'))
    assert _apply_each(cfg, decisions) == [('img/a.png', errno.ESTALE)]
    assert sorted(os.listdir(str(tmp_path / 'origin/img'))) == ['b.png']
    assert os.lstat(str(secret)).st_nlink == 1


def test_a_source_directory_swapped_after_planning_is_never_hard_linked_through(site, tmp_path):
    os.makedirs(str(tmp_path / 'origin'))
    cfg = configure(str(site / 'build'), str(tmp_path / 'origin'), within=[str(site / 'htdocs')], link_style='hard',
                    fsync=False)
    decisions = list(Planner(cfg).entries())
    # the directory of the originals becomes a link to a directory outside within, same names in it
    outside = tmp_path / 'outside'
    outside.mkdir()
    for name in ('a.png', 'b.png'):
        (outside / name).write_bytes(b'secret')
    os.rename(str(site / 'htdocs/img'), str(tmp_path / 'moved'))
    os.symlink(str(outside), str(site / 'htdocs/img'))
    assert [rel for rel, _errno in _apply_each(cfg, decisions)] == ['img/a.png', 'img/b.png']
    assert os.listdir(str(tmp_path / 'origin/img')) == []
    assert [os.lstat(str(outside / name)).st_nlink for name in ('a.png', 'b.png')] == [1, 1]


def test_single_file_hard_link(site, run):
    src = str(site / 'htdocs/img/a.png')
    dest = str(site / 'a.png')
    result = run(src=src, dest=dest, link_style='hard')
    assert result['action'] == 'hardlinked'
    assert _inode(dest) == _inode(src)
    assert run(src=src, dest=dest, link_style='hard')['action'] == 'unchanged'


def test_prune_and_updates_never_write_into_a_hard_linked_original(site, run, write):
    layers = [str(site / 'htdocs'), str(site / 'build')]
    run(src=layers, link_style='hard')
    mode = stat.S_IMODE(os.lstat(str(site / 'htdocs/img/a.png')).st_mode)
    # the originals leave within and build gets a file of its own: the hard links are replaced by copies,
    # never rewritten or chmodded in place
    os.unlink(str(site / 'build/index.html'))
    write('build/index.html', b'built home')
    result = run(src=layers, link_style='hard', within=[], mode='0600', prune=True)
    assert [c['action'] for c in result['changes'] if c['path'] in LINKS] == ['update'] * 3
    assert (site / 'htdocs/index.html').read_bytes() == b'<h1>home</h1>'
    assert (site / 'origin/index.html').read_bytes() == b'built home'
    assert stat.S_IMODE(os.lstat(str(site / 'htdocs/img/a.png')).st_mode) == mode
    assert stat.S_IMODE(os.lstat(str(site / 'origin/img/a.png')).st_mode) == 0o600
    # pruned hard links are unlinked: the originals stay whole
    run(link_style='hard')
    os.unlink(str(site / 'build/img'))
    result = run(link_style='hard', prune=True)
    assert ('img/a.png', 'remove') in _actions(result)
    assert (site / 'htdocs/img/a.png').read_bytes() == b'A' * 100
    for rel in LINKS:
        assert os.lstat(str(site / 'htdocs' / rel)).st_nlink == 1


# -- link_target -------------------------------------------------------------


@pytest.fixture
def release(tmp_path, write):
    """/app/current -> releases/41, the mirror's source and its within."""
    for number in ('41', '42'):
        write('app/releases/%s/img/a.png' % number, b'A')
        write('app/releases/%s/index.html' % number, b'home')
    os.symlink('releases/41', str(tmp_path / 'app/current'))

    def switch(number):
        os.symlink('releases/' + number, str(tmp_path / 'app/next'))
        os.rename(str(tmp_path / 'app/next'), str(tmp_path / 'app/current'))
    return switch


def _release_run(run, tmp_path, **options):
    current = str(tmp_path / 'app/current')
    return check_then_real(run, src=current, within=[current], **options)


@pytest.mark.parametrize('style', ['absolute', 'relative'])
def test_link_target_given_points_through_the_within_path(tmp_path, run, release, style):
    origin = tmp_path / 'origin'
    _release_run(run, tmp_path, link_target='given', link_style=style)
    given = str(tmp_path / 'app/current/img/a.png')
    want = given if style == 'absolute' else os.path.relpath(given, str(origin / 'img'))
    assert os.readlink(str(origin / 'img/a.png')) == want
    # a new release behind `current`: nothing to relink, nothing to purge
    release('42')
    result = _release_run(run, tmp_path, link_target='given', link_style=style)
    assert result['changed'] is False
    assert os.path.realpath(str(origin / 'img/a.png')) == str(tmp_path / 'app/releases/42/img/a.png')


def test_link_target_real_relinks_when_the_release_switches(tmp_path, run, release):
    _release_run(run, tmp_path)
    assert os.readlink(str(tmp_path / 'origin/img/a.png')) == str(tmp_path / 'app/releases/41/img/a.png')
    release('42')
    result = _release_run(run, tmp_path)
    assert _actions(result) == [('img/a.png', 'relink'), ('index.html', 'relink')]
    # and from real to given: the links are rewritten once
    result = _release_run(run, tmp_path, link_target='given')
    assert _actions(result) == [('img/a.png', 'relink'), ('index.html', 'relink')]


def test_link_target_given_still_checks_containment_on_real_paths(tmp_path, run, release, write):
    write('secret', b'secret')
    os.symlink(str(tmp_path / 'secret'), str(tmp_path / 'app/releases/41/leak'))
    result = _release_run(run, tmp_path, link_target='given')
    assert ('leak', 'skip') in _actions(result)
    assert not os.path.lexists(str(tmp_path / 'origin/leak'))


def test_link_target_given_uses_the_closest_within_root(tmp_path, run, release):
    current = str(tmp_path / 'app/current')
    result = check_then_real(run, src=current, within=[str(tmp_path / 'app'), current], link_target='given')
    assert not result.get('failed')
    assert os.readlink(str(tmp_path / 'origin/img/a.png')) == current + '/img/a.png'


@root_only
def test_single_file_link_owner_update_is_reported_as_symlinked(site, run):
    _originals_owned_by_nobody(site)
    src = str(site / 'htdocs/img/a.png')
    dest = str(site / 'a.png')
    run(src=src, dest=dest)
    result = run(src=src, dest=dest, link_owner='target')
    assert (result['action'], _actions(result)) == ('symlinked', [('a.png', 'update')])
    assert _ids(dest) == (NOBODY, NOBODY + 1)
    # a replaced original: the hard link is replaced too
    run(src=src, dest=dest, link_style='hard')
    os.rename(str(site / 'htdocs/img/b.png'), src)
    assert run(src=src, dest=dest, link_style='hard')['action'] == 'hardlinked'
    assert _inode(dest) == _inode(src)
