# -*- coding: utf-8 -*-
"""Conflicts, attacker links in dest, failures and interrupted runs."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import os

import pytest

from ansible_collections.cdn.origin.plugins.module_utils import apply as apply_mod
from ansible_collections.cdn.origin.plugins.module_utils import engine


def _actions(result):
    return [(c['path'], c['action']) for c in result['changes']]


def _temps(root):
    return [n for _d, dirs, files in os.walk(str(root)) for n in dirs + files if n.startswith('.cdn-origin-tmp-')]


def test_non_empty_directory_in_the_way_fails_before_any_change(site, run, write, snapshot):
    write('origin/index.html/keep.txt', b'data')
    write('origin/img/a.png/keep.txt', b'data')
    before = snapshot(str(site / 'origin'))
    result = run()
    assert result['failed'] is True
    assert 'index.html' in result['msg'] and 'img/a.png' in result['msg'] and 'force' in result['msg']
    assert sorted(e['path'] for e in result['errors']) == sorted([str(site / 'origin/img/a.png'),
                                                                  str(site / 'origin/index.html')])
    assert snapshot(str(site / 'origin')) == before  # css/ was not created either


def test_force_replaces_the_directory(site, run, write):
    write('origin/index.html/keep.txt', b'data')
    result = run(force=True)
    assert not result.get('failed')
    assert _actions(result)[-3:] == [('index.html/keep.txt', 'remove'), ('index.html', 'remove'),
                                     ('index.html', 'symlink')]
    assert os.readlink(str(site / 'origin/index.html')) == str(site / 'htdocs/index.html')


def test_empty_directory_and_plain_file_converge_without_force(site, run, write):
    os.makedirs(str(site / 'origin/index.html'))
    write('origin/img/a.png', b'a stale copy')
    result = run()
    assert not result.get('failed')
    assert ('index.html', 'symlink') in _actions(result) and ('img/a.png', 'relink') in _actions(result)
    assert os.readlink(str(site / 'origin/img/a.png')) == str(site / 'htdocs/img/a.png')


def test_file_where_a_directory_must_go_is_replaced(site, run, write):
    write('origin/css', b'a file')
    # a change of type comes after the additions: the file goes, then the directory and its content come
    assert _actions(run())[-3:] == [('css', 'remove'), ('css', 'mkdir'), ('css/site.css', 'copy')]
    assert (site / 'origin/css/site.css').read_bytes() == b'body{}'


def test_planted_links_in_dest_are_replaced_never_written_through(site, run, write, tmp_path, snapshot):
    write('victim/index.html', b'victim page')
    write('victim/site.css', b'victim css')
    os.makedirs(str(site / 'origin'))
    os.symlink(str(tmp_path / 'victim/index.html'), str(site / 'origin/index.html'))
    os.symlink(str(tmp_path / 'victim'), str(site / 'origin/css'))
    os.symlink(str(tmp_path / 'victim/new-file'), str(site / 'origin/img'))
    before = snapshot(str(tmp_path / 'victim'))
    result = run(prune=True)
    assert not result.get('failed'), result
    assert snapshot(str(tmp_path / 'victim')) == before
    assert not (tmp_path / 'victim/new-file').exists()
    origin = site / 'origin'
    assert os.readlink(str(origin / 'index.html')) == str(site / 'htdocs/index.html')
    assert origin.joinpath('css').is_dir() and not origin.joinpath('css').is_symlink()
    assert origin.joinpath('css/site.css').read_bytes() == b'body{}'
    assert origin.joinpath('img').is_dir() and not origin.joinpath('img').is_symlink()


def test_dest_root_reached_through_an_operator_link_works(site, run, tmp_path):
    os.makedirs(str(tmp_path / 'srv/www'))
    os.symlink(str(tmp_path / 'srv/www'), str(tmp_path / 'www'))
    run(dest=str(tmp_path / 'www'))
    assert os.readlink(str(tmp_path / 'srv/www/index.html')) == str(site / 'htdocs/index.html')
    assert os.path.islink(str(tmp_path / 'www'))
    assert run(dest=str(tmp_path / 'www'))['changed'] is False


def test_interrupted_write_leaves_old_file_and_no_temp(site, run, write, monkeypatch):
    run()
    write('build/css/site.css', b'new content, longer')

    def crash(*args, **kwargs):
        raise KeyboardInterrupt('killed between write and rename')
    monkeypatch.setattr(apply_mod.os, 'rename', crash)
    with pytest.raises(KeyboardInterrupt):
        run()
    monkeypatch.undo()
    assert (site / 'origin/css/site.css').read_bytes() == b'body{}'
    assert _temps(site / 'origin') == []
    assert _actions(run()) == [('css/site.css', 'update')]


def test_stale_temporaries_of_a_killed_run_are_removed(site, run, write):
    run()
    write('origin/css/.cdn-origin-tmp-0123456789abcdef', b'half a fi')
    os.symlink('/x', str(site / 'origin/.cdn-origin-tmp-fedcba9876543210'))
    result = run()
    # a directory's own leftovers come after its subdirectories
    assert _actions(result) == [('css/.cdn-origin-tmp-0123456789abcdef', 'remove'),
                                ('.cdn-origin-tmp-fedcba9876543210', 'remove')]
    assert _temps(site / 'origin') == []
    assert run()['changed'] is False


@pytest.mark.parametrize('err', [errno.ENOSPC, errno.EACCES])
def test_write_errors_name_the_path_keep_old_files_and_skip_prune(site, run, write, monkeypatch, err):
    run()
    write('build/css/site.css', b'a new version')
    write('origin/extra.txt', b'would be pruned')

    def failing(self, src, out, st):
        os.write(out, b'partial')
        raise OSError(err, os.strerror(err))
    monkeypatch.setattr(apply_mod.Applier, '_copy_data', failing)
    result = run(prune=True)
    assert result['failed'] is True
    assert str(site / 'origin/css/site.css') in result['msg'] and os.strerror(err) in result['msg']
    assert 'prune skipped' in result['msg']
    assert (site / 'origin/css/site.css').read_bytes() == b'body{}'
    assert (site / 'origin/extra.txt').exists()
    assert _temps(site / 'origin') == []


def test_fatal_errors_stop_the_run(tmp_path, run, write, monkeypatch):
    for i in range(5):
        write('build/f%d' % i)
    calls = []

    def full(self, src, out, st):
        calls.append(out)
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    monkeypatch.setattr(apply_mod.Applier, '_copy_data', full)
    result = run()
    assert result['failed'] and len(calls) == 1 and len(result['errors']) == 1


def test_unreadable_source_directory_fails_before_any_change(site, run, write, snapshot, unreadable):
    run()
    write('build/new.txt')
    write('origin/extra.txt')
    before = snapshot(str(site / 'origin'))
    blocked = str(site / 'build/css')
    unreadable(blocked)
    result = run(prune=True)
    assert result['failed'] and blocked in result['msg'] and 'Permission denied' in result['msg']
    assert 'nothing was changed' in result['msg']
    assert snapshot(str(site / 'origin')) == before


def test_unreadable_source_directory_on_a_first_run_fails_naming_it(site, run, unreadable):
    blocked = str(site / 'build/css')
    unreadable(blocked)
    result = run()
    assert result['failed'] and blocked in result['msg'] and 'Permission denied' in result['msg']
    # a new dest has nothing to lose: what could be read is mirrored in the same pass
    assert os.readlink(str(site / 'origin/index.html')) == str(site / 'htdocs/index.html')


def test_symlinks_refused_by_dest_fall_back_to_copies(site, run, monkeypatch):
    monkeypatch.setattr(engine, 'fs_type', lambda path: 'vfat')
    result = run()
    assert not (site / 'origin/index.html').is_symlink()
    assert (site / 'origin/index.html').read_bytes() == b'<h1>home</h1>'
    assert result['summary']['symlinked'] == 0 and result['summary']['copied'] == 4
    assert run()['changed'] is False


def test_symlink_error_at_apply_time_falls_back_with_a_warning(site, run, monkeypatch):
    real_symlink = os.symlink

    def refuse(src, dst, *args, **kwargs):
        if kwargs.get('dir_fd') is not None:
            raise OSError(errno.EPERM, 'Operation not permitted')
        return real_symlink(src, dst, *args, **kwargs)
    monkeypatch.setattr(apply_mod.os, 'symlink', refuse)
    result = run()
    assert any('refuses symlinks' in w for w in result['warnings'])
    assert (site / 'origin/img/a.png').read_bytes() == b'A' * 100
    assert ('img/a.png', 'copy') in _actions(result)


@pytest.mark.parametrize('case, message', [
    ('missing', 'does not exist'),
    ('dest_in_src', 'lies inside src'),
    ('src_in_dest', 'lies inside dest'),
    ('parent_is_file', 'exists and is not a directory'),
    ('parent_missing', 'does not exist'),
    ('layer_is_file', 'layers must all be directories'),
    ('bad_mode', 'neither octal nor symbolic'),
    ('deep_parent_is_file', 'file.txt exists and is not a directory'),
    ('dest_is_file', 'exists and is not a directory'),
    ('src_is_fifo', 'is not a regular file or a directory'),
    ('empty_src', 'src is empty'),
    ('bad_link_style', 'link_style must be absolute, relative or hard'),
    ('negative_max_delete', 'max_delete must be 0 or more'),
])
def test_bad_input_fails_clearly_naming_the_path(site, run, write, case, message):
    write('file.txt')
    kwargs = {
        'missing': dict(src=str(site / 'nope')),
        'dest_in_src': dict(dest=str(site / 'build/mirror')),
        'src_in_dest': dict(src=str(site / 'origin/sub'), dest=str(site / 'origin')),
        'parent_is_file': dict(dest=str(site / 'file.txt/origin')),
        'parent_missing': dict(dest=str(site / 'no/such/origin'), parents=False),
        'layer_is_file': dict(src=[str(site / 'build'), str(site / 'file.txt')]),
        'bad_mode': dict(mode='rwx'),
        'deep_parent_is_file': dict(dest=str(site / 'file.txt/a/origin')),
        'dest_is_file': dict(dest=str(site / 'file.txt')),
        'src_is_fifo': dict(src=str(site / 'fifo')),
        'empty_src': dict(src=[]),
        'bad_link_style': dict(link_style='sideways'),
        'negative_max_delete': dict(max_delete=-1),
    }[case]
    if case == 'src_is_fifo':
        os.mkfifo(str(site / 'fifo'))
    if case == 'src_in_dest':
        write('origin/sub/x')
    result = run(**kwargs)
    assert result['failed'] is True and message in result['msg']
    assert not (site / 'build/mirror').exists()


def test_single_file_link_copy_and_unchanged(site, run, tmp_path):
    dest = str(tmp_path / 'out.html')
    first = run(src=str(site / 'htdocs/index.html'), dest=dest)
    assert first['action'] == 'symlinked' and os.readlink(dest) == str(site / 'htdocs/index.html')
    assert first['changes'] == [{'path': 'out.html', 'action': 'symlink'}]
    assert run(src=str(site / 'htdocs/index.html'), dest=dest)['action'] == 'unchanged'
    copied = run(src=str(site / 'build/css/site.css'), dest=dest)
    assert copied['action'] == 'copied' and not os.path.islink(dest)
    assert open(dest, 'rb').read() == b'body{}'
    assert run(src=str(site / 'build/css/site.css'), dest=dest)['changed'] is False


def test_single_file_into_a_directory_and_through_a_source_link(site, run, tmp_path):
    os.makedirs(str(tmp_path / 'outdir'))
    result = run(src=str(site / 'build/index.html'), dest=str(tmp_path / 'outdir'))
    assert result['action'] == 'symlinked'
    assert os.readlink(str(tmp_path / 'outdir/index.html')) == str(site / 'htdocs/index.html')
    same = run(src=str(site / 'htdocs/index.html'), dest=str(site / 'htdocs/index.html'))
    assert same['failed'] and 'same file' in same['msg']


def test_a_large_change_is_planned_again_while_applying(site, run, write, monkeypatch):
    run()
    for i in range(5):
        write('build/new/f%d' % i)
    write('origin/stale.txt')
    expected = run(check_mode=True, prune=True)
    monkeypatch.setattr(engine, 'KEEP_DECISIONS', 2)
    result = run(prune=True)
    assert result['changes'] == expected['changes'] and result['summary'] == expected['summary']
    assert sorted(os.listdir(str(site / 'origin/new'))) == ['f%d' % i for i in range(5)]
    assert run(prune=True)['changed'] is False


def test_single_file_conflict_names_the_directory_in_the_way(site, run, write, tmp_path):
    write('outdir/index.html/keep.txt', b'data')
    result = run(src=str(site / 'htdocs/index.html'), dest=str(tmp_path / 'outdir'))
    assert result['failed'] is True
    assert result['errors'] == [{'path': str(tmp_path / 'outdir/index.html'), 'msg': 'non-empty directory in the way'}]
    assert (tmp_path / 'outdir/index.html/keep.txt').read_bytes() == b'data'


def test_prune_replaces_a_non_empty_directory_without_force(site, run, write, snapshot):
    write('origin/index.html/old/page.html', b'an older mirror')
    preview = run(prune=True, check_mode=True)
    result = run(prune=True)
    assert not result.get('failed'), result
    assert preview['changes'] == result['changes']
    assert _actions(result)[-4:] == [('index.html/old/page.html', 'remove'), ('index.html/old', 'remove'),
                                     ('index.html', 'remove'), ('index.html', 'symlink')]
    assert os.readlink(str(site / 'origin/index.html')) == str(site / 'htdocs/index.html')


def test_prune_still_needs_force_for_a_directory_holding_an_excluded_entry(site, run, write, snapshot):
    write('origin/index.html/keep.log', b'excluded: prune keeps it')
    write('origin/index.html/other.txt', b'x')
    before = snapshot(str(site / 'origin'))
    result = run(prune=True, exclude=['*.log'])
    assert result['failed'] is True and 'force' in result['msg'] and 'index.html' in result['msg']
    assert snapshot(str(site / 'origin')) == before


def test_directory_emptied_by_prune_counts_against_max_delete(site, run, write, snapshot):
    run()
    for n in range(3):
        write('origin/index.html.d/%d' % n, b'x')
    os.unlink(str(site / 'origin/index.html'))
    os.rename(str(site / 'origin/index.html.d'), str(site / 'origin/index.html'))
    before = snapshot(str(site / 'origin'))
    result = run(prune=True, max_delete=2)
    assert result['failed'] is True and '4 deletions planned' in result['msg']
    assert snapshot(str(site / 'origin')) == before


@pytest.mark.parametrize('options', [dict(force=True), dict(prune=True)], ids=['force', 'prune'])
def test_a_directory_replaced_by_a_file_counts_its_entries_once_for_max_delete(site, run, write, options):
    run()
    os.unlink(str(site / 'origin/index.html'))
    for n in range(3):
        write('origin/index.html/%d' % n, b'x')
    result = run(max_delete='0%', **options)
    # dest, img/ and css/ list 3 + 2 + 1 entries, index.html/ 3 more
    assert result['failed'] is True and 'of the 9 entries in dest' in result['msg'], result['msg']
