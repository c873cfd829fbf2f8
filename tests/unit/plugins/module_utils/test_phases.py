# -*- coding: utf-8 -*-
# Phased apply (issue 13): additions, then replacements staged and renamed in one burst, then removals.
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import os
import signal
import subprocess
import sys

import pytest

from ansible_collections.cdn.origin.plugins.module_utils import apply as apply_mod
from ansible_collections.cdn.origin.plugins.module_utils import engine
from ansible_collections.cdn.origin.plugins.module_utils.policy import is_temp_name

STALE = '.cdn-origin-tmp-0123456789abcdef'
ADDITIONS = ('mkdir', 'symlink', 'copy', 'hardlink')
REPLACEMENTS = ('update', 'relink')


@pytest.fixture
def deploy(tmp_path, write, run):
    """v1 mirrored with prune, then v2 in build/: every kind of change at once (no change of type)."""
    for name in ('a', 'b', 'c'):
        write('htdocs/img/%s.png' % name, name.encode() * 10)
    write('build/index.html', b'v1')
    write('build/css/site.css', b'body{}')
    write('build/old.html', b'old')
    write('build/keep/mode.txt', b'mode')
    os.makedirs(str(tmp_path / 'build/img'))
    for name in ('a', 'b'):
        os.symlink(str(tmp_path / ('htdocs/img/%s.png' % name)), str(tmp_path / ('build/img/%s.png' % name)))
    assert not run(prune=True).get('failed')
    write('build/index.html', b'v2, longer')
    write('build/css/site.css', b'body{color:red}')
    os.unlink(str(tmp_path / 'build/img/b.png'))
    os.symlink(str(tmp_path / 'htdocs/img/c.png'), str(tmp_path / 'build/img/b.png'))
    os.symlink(str(tmp_path / 'htdocs/img/c.png'), str(tmp_path / 'build/img/d.png'))
    os.chmod(str(tmp_path / 'build/keep/mode.txt'), 0o600)
    write('build/new/deeper/page.html', b'new page')
    os.unlink(str(tmp_path / 'build/old.html'))
    write('origin/css/' + STALE, b'half a fi')
    write('origin/img/planted.png', b'no source')
    return tmp_path


def _fd_path(fd):
    return os.readlink('/proc/self/fd/%d' % fd)


class _Recorder:
    """Every system call of the executor that changes what a reader of dest sees, in order:
    the dest path it makes, replaces, fixes or removes (temporary names are invisible)."""

    def __init__(self, monkeypatch, dest):
        self.dest = dest
        self.seen = []
        osm = apply_mod.os

        def named(call, where):
            def wrapper(*args, **kwargs):
                result = call(*args, **kwargs)
                self._note(*where(*args, **kwargs))
                return result
            return wrapper

        def at(name_arg, fd_key):
            def where(*args, **kwargs):
                return kwargs.get(fd_key), args[name_arg]
            return where

        for name, where in (('rename', at(1, 'dst_dir_fd')), ('symlink', at(1, 'dir_fd')), ('link', at(1, 'dst_dir_fd')),
                            ('mkdir', at(0, 'dir_fd')), ('unlink', at(0, 'dir_fd')), ('rmdir', at(0, 'dir_fd'))):
            monkeypatch.setattr(osm, name, named(getattr(os, name), where))
        for name in ('fchmod', 'fchown'):
            monkeypatch.setattr(osm, name, named(getattr(os, name), lambda fd, *args: (None, _fd_path(fd))))

    def _note(self, dir_fd, name):
        path = os.path.join(_fd_path(dir_fd), name) if dir_fd is not None else name
        if is_temp_name(os.path.basename(path)) or not (path == self.dest or path.startswith(self.dest + '/')):
            return
        rel = os.path.relpath(path, self.dest)
        if not self.seen or self.seen[-1] != rel:
            self.seen.append(rel)


def _kind(action):
    return 0 if action in ADDITIONS else 1 if action in REPLACEMENTS else 2


def _in_phases(recorder, result):
    """The kinds of the visible changes, in the order a reader saw them; and that each change was seen."""
    actions = dict((c['path'], c['action']) for c in result['changes'])
    assert sorted(set(recorder.seen)) == sorted(rel for rel, action in actions.items()
                                                if action != 'skip' and not is_temp_name(os.path.basename(rel)))
    return [_kind(actions[rel]) for rel in recorder.seen]


@pytest.mark.parametrize('size', ['small', 'large'])
def test_every_addition_is_visible_before_any_replacement_and_every_replacement_before_any_removal(
        deploy, run, monkeypatch, size):
    if size == 'large':
        # planned again while applied, replacements staged two at a time, spools on disk
        for name, value in (('KEEP_DECISIONS', 2), ('STAGED_AT_ONCE', 2), ('SPOOL_KEPT', 2)):
            monkeypatch.setattr(engine, name, value)
    predicted = run(prune=True, check_mode=True)
    recorder = _Recorder(monkeypatch, str(deploy / 'origin'))
    result = run(prune=True)
    monkeypatch.undo()
    assert not result.get('failed'), result
    assert (result['changes'], result['diff'], result['summary']) == (
        predicted['changes'], predicted['diff'], predicted['summary'])
    kinds = _in_phases(recorder, result)
    assert kinds == sorted(kinds), recorder.seen
    assert set(kinds) == {0, 1, 2}
    # changes lists them as they were applied: additions, replacements in walk order, removals
    assert [(c['path'], c['action']) for c in result['changes']] == [
        ('img/d.png', 'symlink'), ('new', 'mkdir'), ('new/deeper', 'mkdir'), ('new/deeper/page.html', 'copy'),
        ('css/site.css', 'update'), ('img/b.png', 'relink'), ('index.html', 'update'), ('keep/mode.txt', 'update'),
        ('css/' + STALE, 'remove'), ('old.html', 'remove'), ('img/planted.png', 'remove')]
    assert run(prune=True)['changed'] is False


def test_replacements_are_renamed_into_place_back_to_back(deploy, run, monkeypatch):
    """Between the first replacement made visible and the last, the executor does nothing but renames."""
    calls = []

    def spy(name, real):
        def call(*args, **kwargs):
            calls.append(name)
            return real(*args, **kwargs)
        return call
    for name in ('rename', 'open', 'symlink', 'fsync', 'fchmod', 'utime', 'copy_file_range'):
        monkeypatch.setattr(apply_mod.os, name, spy(name, getattr(os, name)))
    result = run(prune=True)
    monkeypatch.undo()
    assert not result.get('failed'), result
    renames = [i for i, name in enumerate(calls) if name == 'rename']
    # the last three renames are the burst (index.html, css/site.css, img/b.png); keep/mode.txt is fixed in place
    burst = calls[renames[-3]:renames[-1] + 1]
    assert set(burst) <= {'rename', 'open'}, burst


def _failing_while_staging(monkeypatch, errno_, nth):
    """The nth copy staged for a replacement fails with errno_ (the disk fills up while staging)."""
    staged = []
    real_stage, real_copy = apply_mod.Applier.stage, apply_mod.Applier._copy_data

    def stage(self, d):
        # new copies are staged too (to be made durable together): only the replacements are counted
        if d.action != 'copy':
            staged.append(d.rel)
        return real_stage(self, d)

    def copy_data(self, src, out, st):
        if len(staged) >= nth:
            raise OSError(errno_, os.strerror(errno_))
        return real_copy(self, src, out, st)
    monkeypatch.setattr(apply_mod.Applier, 'stage', stage)
    monkeypatch.setattr(apply_mod.Applier, '_copy_data', copy_data)
    return staged


def _existing(snapshot, before, after):
    """The entries that existed before, as they are after."""
    return dict((rel, after.get(rel)) for rel in before)


def test_a_disk_full_while_staging_changes_no_existing_entry(deploy, run, monkeypatch, snapshot):
    dest = str(deploy / 'origin')
    before = snapshot(dest)
    staged = _failing_while_staging(monkeypatch, errno.ENOSPC, 2)
    result = run(prune=True)
    monkeypatch.undo()
    assert result.get('failed'), result
    # css/site.css was staged, index.html failed: neither replaced, nor anything after them
    assert staged == ['css/site.css', 'img/b.png', 'index.html']
    assert result['errors'] == [{'path': os.path.join(dest, 'index.html'), 'msg': 'No space left on device'}]
    assert 'prune skipped' in result['msg']
    after = snapshot(dest)
    assert _existing(snapshot, before, after) == before
    assert [rel for rel in after if is_temp_name(os.path.basename(rel))] == ['css/' + STALE]
    # the additions are there: nothing a reader saw changed for them
    assert after['new/deeper/page.html'][1] == b'new page'
    predicted = run(prune=True, check_mode=True)
    again = run(prune=True)
    assert not again.get('failed'), again
    assert (again['changes'], again['diff']) == (predicted['changes'], predicted['diff'])
    assert [rel for rel in snapshot(dest) if is_temp_name(os.path.basename(rel))] == []
    assert run(prune=True)['changed'] is False


def test_an_entry_that_cannot_be_staged_keeps_its_old_self_and_the_others_go_on(deploy, run, monkeypatch, snapshot):
    dest = str(deploy / 'origin')
    before = snapshot(dest)
    _failing_while_staging(monkeypatch, errno.EACCES, 3)
    result = run(prune=True)
    monkeypatch.undo()
    assert result.get('failed'), result
    assert result['errors'] == [{'path': os.path.join(dest, 'index.html'), 'msg': 'Permission denied'}]
    after = snapshot(dest)
    assert after['index.html'] == before['index.html']
    assert after['css/site.css'][1] == b'body{color:red}'
    assert 'prune skipped' in result['msg'] and 'old.html' in after
    assert [rel for rel in after if is_temp_name(os.path.basename(rel))] == []


@pytest.mark.parametrize('errno_', [errno.EPERM, errno.EROFS], ids=['one-entry', 'fatal'])
def test_a_failure_during_the_burst_names_the_path_and_the_next_run_converges(deploy, run, monkeypatch, snapshot,
                                                                              errno_):
    dest = str(deploy / 'origin')
    before = snapshot(dest)
    real_rename = os.rename

    def rename(src, dst, *args, **kwargs):
        if dst == 'img' or dst == 'b.png':
            raise OSError(errno_, os.strerror(errno_))
        return real_rename(src, dst, *args, **kwargs)
    monkeypatch.setattr(apply_mod.os, 'rename', rename)
    result = run(prune=True)
    monkeypatch.undo()
    assert result.get('failed'), result
    assert result['errors'][0] == {'path': os.path.join(dest, 'img/b.png'), 'msg': os.strerror(errno_)}
    after = snapshot(dest)
    assert after['img/b.png'] == before['img/b.png'] and 'old.html' in after
    # css/site.css came before it in the burst; index.html after it, unless the error stopped the run
    assert after['css/site.css'][1] == b'body{color:red}'
    assert (after['index.html'] == before['index.html']) == (errno_ == errno.EROFS)
    assert [rel for rel in after if is_temp_name(os.path.basename(rel))] == (
        ['css/' + STALE] if errno_ == errno.EROFS else [])
    predicted = run(prune=True, check_mode=True)
    again = run(prune=True)
    assert not again.get('failed'), again
    assert (again['changes'], again['diff']) == (predicted['changes'], predicted['diff'])
    assert run(prune=True)['changed'] is False


def test_a_change_of_type_comes_after_the_burst_and_before_prune(tmp_path, write, run):
    write('build/a.html', b'a')
    write('build/page', b'a file')
    write('build/dir/inner.html', b'inner')
    write('build/z.html', b'z')
    assert not run(prune=True).get('failed')
    os.unlink(str(tmp_path / 'build/page'))
    write('build/page/index.html', b'a directory now')
    os.unlink(str(tmp_path / 'build/dir/inner.html'))
    os.rmdir(str(tmp_path / 'build/dir'))
    write('build/dir', b'a file now')
    write('build/a.html', b'a2')
    write('build/new.html', b'new')
    os.unlink(str(tmp_path / 'build/z.html'))
    predicted = run(prune=True, force=True, check_mode=True)
    result = run(prune=True, force=True)
    assert not result.get('failed'), result
    assert (result['changes'], result['diff']) == (predicted['changes'], predicted['diff'])
    assert [(c['path'], c['action']) for c in result['changes']] == [
        ('new.html', 'copy'), ('a.html', 'update'),
        ('dir/inner.html', 'remove'), ('dir', 'remove'), ('dir', 'copy'),
        ('page', 'remove'), ('page', 'mkdir'), ('page/index.html', 'copy'),
        ('z.html', 'remove')]


_KILLED = r'''
import os, signal, sys
from ansible_collections.cdn.origin.plugins.module_utils import apply as apply_mod
from ansible_collections.cdn.origin.plugins.module_utils.engine import mirror
src, dest, within, where, nth = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
real = getattr(apply_mod.Applier, where)
calls = []

def dying(self, *args):
    # the replacements' stagings and renames (new copies are staged and renamed in a batch of their own first)
    if args[0].action != 'copy':
        calls.append(args)
    if len(calls) == nth:
        os.kill(os.getpid(), signal.SIGKILL)
    return real(self, *args)

setattr(apply_mod.Applier, where, dying)
mirror(src, dest, within=[within], prune=True, fsync=False)
'''


@pytest.mark.parametrize('where, nth', [('stage', 2), ('commit', 1), ('commit', 3)],
                         ids=['staging', 'burst-start', 'burst-middle'])
def test_a_kill_while_staging_or_in_the_burst_then_rerun_converges(deploy, run, snapshot, where, nth):
    dest = str(deploy / 'origin')
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    child = subprocess.run([sys.executable, '-c', _KILLED, str(deploy / 'build'), dest, str(deploy / 'htdocs'),
                            where, str(nth)], env=env, check=False)
    assert child.returncode == -signal.SIGKILL
    left = [rel for rel in snapshot(dest) if is_temp_name(os.path.basename(rel))]
    assert len(left) > 1, 'the kill left nothing staged: it proved nothing'
    predicted = run(prune=True, check_mode=True)
    result = run(prune=True)
    assert not result.get('failed'), result
    assert (result['changes'], result['diff']) == (predicted['changes'], predicted['diff'])
    assert [rel for rel in snapshot(dest) if is_temp_name(os.path.basename(rel))] == []
    run(src=str(deploy / 'build'), dest=str(deploy / 'reference'), prune=True)
    assert snapshot(dest) == snapshot(str(deploy / 'reference'))
    assert run(prune=True)['changed'] is False


def test_an_addition_that_fails_holds_every_replacement_back(deploy, run, monkeypatch, snapshot):
    """A new page could name the asset that failed to be added: no existing entry changes."""
    dest = str(deploy / 'origin')
    before = snapshot(dest)
    real_copy = apply_mod.Applier._copy

    def copy(self, fd, d, sync=True):
        if d.name == 'page.html':
            raise OSError(errno.EACCES, os.strerror(errno.EACCES))
        return real_copy(self, fd, d, sync)
    monkeypatch.setattr(apply_mod.Applier, '_copy', copy)
    result = run(prune=True)
    monkeypatch.undo()
    assert result.get('failed'), result
    assert result['errors'] == [
        {'path': os.path.join(dest, 'new/deeper/page.html'), 'msg': 'Permission denied'},
        {'path': dest, 'msg': '4 replacement(s) held back, nothing that existed was changed: an addition or the walk '
                              'failed; the next run makes them'}]
    after = snapshot(dest)
    assert _existing(snapshot, before, after) == dict(before, **{'css/' + STALE: None})
    assert 'img/d.png' in after and 'prune skipped' in result['msg']
    assert [(c['path'], c['action']) for c in result['changes']] == [
        ('img/d.png', 'symlink'), ('new', 'mkdir'), ('new/deeper', 'mkdir'), ('css/' + STALE, 'remove')]
    again = run(prune=True)
    assert not again.get('failed') and again['summary']['updated'] == 4, again
