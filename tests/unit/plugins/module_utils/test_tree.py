# -*- coding: utf-8 -*-
"""Directory mode: what ends up in dest, and what the result says about it."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import stat

import pytest


def _actions(result):
    return [(c['path'], c['action']) for c in result['changes']]


def test_links_what_lies_within_and_copies_the_rest(site, run):
    result = run()
    origin = site / 'origin'
    assert result['changed'] is True and not result.get('failed')
    assert os.readlink(str(origin / 'index.html')) == str(site / 'htdocs/index.html')
    assert os.readlink(str(origin / 'img/a.png')) == str(site / 'htdocs/img/a.png')
    assert (origin / 'img').is_dir() and not (origin / 'img').is_symlink()
    assert (origin / 'css/site.css').read_bytes() == b'body{}'
    assert not (origin / 'css/site.css').is_symlink()
    assert result['summary'] == {'symlinked': 3, 'copied': 1, 'updated': 0, 'unchanged': 0, 'removed': 0,
                                 'skipped': 0, 'directories_created': 3, 'hardlinked': 0, 'deduplicated': 0,
                                 'refreshed': 0, 'pending_removal': 0}
    assert _actions(result) == [('.', 'mkdir'), ('css', 'mkdir'), ('css/site.css', 'copy'), ('img', 'mkdir'),
                                ('img/a.png', 'symlink'), ('img/b.png', 'symlink'), ('index.html', 'symlink')]


def test_a_sibling_sharing_the_prefix_is_not_within(site, run, write):
    write('htdocs-evil/x.js', b'alert(1)')
    os.symlink('../htdocs-evil/x.js', str(site / 'build/x.js'))
    result = run(src=[str(site / 'build'), str(site / 'htdocs-evil')])
    assert not (site / 'origin/x.js').is_symlink()
    assert (site / 'origin/x.js').read_bytes() == b'alert(1)'
    assert ('x.js', 'copy') in _actions(result)


def test_second_run_changes_nothing(site, run, snapshot):
    run()
    before = snapshot(str(site / 'origin'))
    result = run()
    assert result['changed'] is False
    assert result['changes'] == []
    assert result['summary']['unchanged'] == 4
    assert result['diff']['prepared'] == ''
    assert snapshot(str(site / 'origin')) == before


def test_check_mode_touches_nothing_and_predicts_the_real_run(site, run, snapshot, write):
    run()
    write('build/css/site.css', b'body{color:red}')
    write('build/new/page.html', b'new')
    os.remove(str(site / 'origin/img/b.png'))
    os.symlink('/elsewhere', str(site / 'origin/img/b.png'))
    write('origin/stale.txt', b'old')
    before = snapshot(str(site))
    predicted = run(check_mode=True, prune=True)
    assert snapshot(str(site)) == before
    real = run(prune=True)
    assert predicted['changes'] == real['changes']
    assert predicted['summary'] == real['summary']
    assert predicted['diff'] == real['diff']
    assert set(_actions(real)) == {('css/site.css', 'update'), ('img/b.png', 'relink'), ('new', 'mkdir'),
                                   ('new/page.html', 'copy'), ('stale.txt', 'remove')}
    assert run(prune=True)['changed'] is False


def test_copies_keep_content_mtime_and_mode(site, run, write):
    path = write('build/run.sh', b'#!/bin/sh\n', mtime=1500000000)
    os.chmod(path, 0o4755)
    run()
    copy = site / 'origin/run.sh'
    st = copy.lstat()
    assert stat.S_ISREG(st.st_mode)
    assert copy.read_bytes() == b'#!/bin/sh\n'
    assert st.st_mtime == 1500000000
    assert stat.S_IMODE(st.st_mode) == 0o755  # setuid dropped


def test_stale_copy_is_updated_by_size_or_mtime(site, run, write):
    run()
    write('build/css/site.css', b'body{}', mtime=1000)
    result = run()
    assert _actions(result) == [('css/site.css', 'update')]
    assert 'update  css/site.css (mtime)' in result['diff']['prepared']
    write('build/css/site.css', b'body{x}')
    assert _actions(run()) == [('css/site.css', 'update')]
    assert (site / 'origin/css/site.css').read_bytes() == b'body{x}'


def test_checksum_compares_contents(site, run, write):
    run()
    origin_css = str(site / 'origin/css/site.css')
    st = os.stat(origin_css)
    with open(origin_css, 'wb') as f:  # same size and mtime, other bytes
        f.write(b'BODY{}')
    os.utime(origin_css, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert run()['changed'] is False
    result = run(checksum=True)
    assert _actions(result) == [('css/site.css', 'update')]
    assert (site / 'origin/css/site.css').read_bytes() == b'body{}'
    # equal content under checksum is left alone even when the mtime differs
    os.utime(origin_css, (1000, 1000))
    assert run(checksum=True)['changed'] is False


def test_mode_and_owner_changes_fix_attributes_in_place(site, run):
    run()
    inode = os.lstat(str(site / 'origin/css/site.css')).st_ino
    result = run(mode='0600', owner=65534, group=65534)
    # the directories and the links take the owner and group too
    assert _actions(result) == [('.', 'update'), ('css', 'update'), ('css/site.css', 'update'), ('img', 'update'),
                                ('img/a.png', 'update'), ('img/b.png', 'update'), ('index.html', 'update')]
    assert '(perms, owner, group)' in result['diff']['prepared']
    st = os.lstat(str(site / 'origin/css/site.css'))
    assert (stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid, st.st_ino) == (0o600, 65534, 65534, inode)
    assert run(mode='0600', owner=65534, group=65534)['changed'] is False


def test_hard_linked_copy_is_rewritten_not_chmodded(site, run, tmp_path):
    run()
    outside = str(tmp_path / 'outside')
    os.link(str(site / 'origin/css/site.css'), outside)
    os.chmod(outside, 0o600)
    result = run()
    assert _actions(result) == [('css/site.css', 'update')]
    assert stat.S_IMODE(os.stat(outside).st_mode) == 0o600
    assert os.stat(outside).st_ino != os.stat(str(site / 'origin/css/site.css')).st_ino


def test_directory_mode_and_owner_repair_existing_directories(site, run, tmp_path):
    """dest and its directories get the configured attributes, created or not: a chmod by hand is undone."""
    os.makedirs(str(tmp_path / 'origin/css'))
    os.chmod(str(tmp_path / 'origin/css'), 0o700)
    options = dict(directory_mode='0750', owner=65534)
    predicted = run(check_mode=True, **options)
    result = run(**options)
    assert (predicted['changes'], predicted['diff']) == (result['changes'], result['diff'])
    # attribute fixes are replacements: after the additions, in walk order
    assert _actions(result)[-2:] == [('.', 'update'), ('css', 'update')]
    assert '~ update  css/ (perms, owner)' in result['diff']['prepared']
    for rel in ('', 'css', 'img'):
        st = os.stat(str(tmp_path / 'origin' / rel))
        assert (stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid) == (0o750, 65534, 0), rel
    assert run(**options)['changed'] is False
    os.chmod(str(tmp_path / 'origin/img'), 0o755)
    assert _actions(run(**options)) == [('img', 'update')]
    assert stat.S_IMODE(os.stat(str(tmp_path / 'origin/img')).st_mode) == 0o750
    # without directory_mode, owner or group an existing directory is left as it is
    os.chmod(str(tmp_path / 'origin/img'), 0o700)
    assert run()['changed'] is False


def test_relative_links_resolve_to_the_checked_real_path(site, run):
    os.symlink(str(site / 'htdocs'), str(site / 'alias'))
    run(within=[str(site / 'alias')], link_style='relative')
    link = site / 'origin/img/a.png'
    assert not os.path.isabs(os.readlink(str(link)))
    assert os.path.realpath(str(link)) == str(site / 'htdocs/img/a.png')
    assert link.read_bytes() == b'A' * 100
    assert run(within=[str(site / 'alias')], link_style='relative')['changed'] is False


def test_within_through_a_symlink_and_colon_string(site, run):
    os.symlink(str(site / 'htdocs'), str(site / 'alias'))
    os.mkdir(str(site / 'static'))
    run(within='%s:%s' % (site / 'static', site / 'alias'))
    assert os.readlink(str(site / 'origin/index.html')) == str(site / 'htdocs/index.html')


def test_without_within_everything_is_copied(site, run):
    run(src=str(site / 'htdocs'), within=[])
    for rel in ('index.html', 'img/a.png'):
        assert not (site / 'origin' / rel).is_symlink()
    assert (site / 'origin/img/a.png').read_bytes() == b'A' * 100


def test_layers_later_wins_and_directories_merge(site, run, write):
    write('resized/img/a.png', b'small')
    write('resized/img/c.png', b'new')
    write('resized/index.html/inner.txt', b'a directory now')
    result = run(src=[str(site / 'build'), str(site / 'resized')])
    origin = site / 'origin'
    assert (origin / 'img/a.png').read_bytes() == b'small' and not (origin / 'img/a.png').is_symlink()
    assert os.readlink(str(origin / 'img/b.png')) == str(site / 'htdocs/img/b.png')
    assert (origin / 'img/c.png').read_bytes() == b'new'
    assert (origin / 'index.html/inner.txt').read_bytes() == b'a directory now'
    assert ('img/a.png', 'copy') in _actions(result)
    assert run(src=[str(site / 'build'), str(site / 'resized')])['changed'] is False


def test_a_file_layer_hides_an_earlier_directory(site, run, write):
    write('resized/img', b'not a dir any more')
    run(src=[str(site / 'build'), str(site / 'resized')])
    assert (site / 'origin/img').read_bytes() == b'not a dir any more'


def test_source_directory_links_are_descended_with_loop_protection(site, run):
    os.symlink('..', str(site / 'htdocs/img/loop'))
    os.symlink('.', str(site / 'build/css/self'))
    result = run()
    assert ('css/self', 'skip') in _actions(result)
    # img/loop leads to htdocs, not a directory being walked: descended, and refused where the cycle closes
    assert ('img/loop', 'mkdir') in _actions(result)
    assert ('img/loop/index.html', 'symlink') in _actions(result)
    assert ('img/loop/img', 'skip') in _actions(result)
    assert 'symlink loop' in result['diff']['prepared']
    assert run()['changed'] is False


def test_prune_removes_extras_without_following_links(site, run, write, tmp_path):
    run()
    write('outside/keep.txt', b'keep')
    write('origin/old/deep/file.txt', b'old')
    os.symlink(str(tmp_path / 'outside'), str(site / 'origin/old/link'))
    write('origin/cache/x', b'cached')
    result = run(prune=True, exclude=['cache'])
    assert _actions(result)[-4:] == [('old/deep/file.txt', 'remove'), ('old/deep', 'remove'),
                                     ('old/link', 'remove'), ('old', 'remove')]
    assert (tmp_path / 'outside/keep.txt').read_bytes() == b'keep'
    assert (site / 'origin/cache/x').exists()
    assert not (site / 'origin/old').exists()


def test_prune_keeps_excluded_entries_inside_a_removed_directory(site, run, write):
    write('origin/logs/app.log', b'kept')
    write('origin/logs/other.txt', b'pruned')
    result = run(prune=True, exclude=['logs/*.log'])
    assert ('logs/other.txt', 'remove') in _actions(result)
    assert ('logs', 'remove') not in _actions(result)
    assert (site / 'origin/logs/app.log').read_bytes() == b'kept'
    assert not (site / 'origin/logs/other.txt').exists()
    assert run(prune=True, exclude=['logs/*.log'])['changed'] is False


def test_exclude_is_neither_mirrored_nor_pruned(site, run, write):
    write('build/secret.key', b'k')
    write('origin/css/local.key', b'mine')
    run(prune=True, exclude=['*.key'])
    assert not (site / 'origin/secret.key').exists()
    assert (site / 'origin/css/local.key').read_bytes() == b'mine'


def test_without_prune_extras_stay(site, run, write):
    write('origin/extra.txt', b'e')
    assert ('extra.txt', 'remove') not in _actions(run())
    assert (site / 'origin/extra.txt').exists()


def test_max_delete_refuses_before_deleting(site, run, write):
    run()
    for i in range(5):
        write('origin/extra%d' % i)
    result = run(prune=True, max_delete=3)
    assert result['failed'] and 'more than max_delete=3' in result['msg']
    assert len(os.listdir(str(site / 'origin'))) == 3 + 5
    assert run(prune=True, max_delete=5)['summary']['removed'] == 5


def test_changes_are_capped_with_truncation_flag(tmp_path, run, write):
    for i in range(1005):
        write('big/f%04d' % i)
    result = run(src=str(tmp_path / 'big'))
    assert len(result['changes']) == 1000 and result['changes_truncated'] is True
    assert result['summary']['copied'] == 1005
    assert result['diff']['prepared'].endswith('... 6 more changes not listed\n')
    assert run(src=str(tmp_path / 'big'))['changes_truncated'] is False


def test_non_utf8_names_are_mirrored_and_reported_as_json(tmp_path, run):
    name = os.fsdecode(b'caf\xe9.txt')
    os.makedirs(str(tmp_path / 'build'))
    with open(os.path.join(str(tmp_path / 'build'), name), 'wb') as f:
        f.write(b'bytes')
    result = run()
    with open(os.path.join(str(tmp_path / 'origin'), name), 'rb') as f:
        assert f.read() == b'bytes'
    assert ('caf\\xe9.txt', 'copy') in _actions(result)
    json.dumps(result)


def test_special_files_are_skipped(tmp_path, run, write):
    write('build/ok.txt')
    os.mkfifo(str(tmp_path / 'build/fifo'))
    result = run(diff=False)
    assert result['skipped_entries'] == [{'path': 'fifo', 'reason': 'a FIFO'}]
    assert '%s: skipped fifo: a FIFO' % (tmp_path / 'origin') in result['warnings']
    assert not os.path.lexists(str(tmp_path / 'origin/fifo'))


@pytest.mark.parametrize('target', ['/etc/passwd', '../../../../../../etc/passwd', 'missing'])
def test_escaping_and_dangling_source_links_are_skipped(site, run, target):
    os.symlink(target, str(site / 'build/leak'))
    result = run(diff=False)
    assert [e['path'] for e in result['skipped_entries']] == ['leak']
    assert not os.path.lexists(str(site / 'origin/leak'))
    assert any(w.startswith('%s: skipped leak: ' % (site / 'origin')) for w in result['warnings'])


def test_source_link_into_dest_is_refused(site, run):
    os.makedirs(str(site / 'origin'))
    os.symlink(str(site / 'origin'), str(site / 'build/me'))
    result = run(within=[str(site)])
    assert ('me', 'skip') in _actions(result)
    assert 'resolves into dest' in result['skipped_entries'][0]['reason']


def test_links_through_linked_directories_are_judged_by_the_real_path(site, run, write):
    """htdocs/img is listed (and its real path kept) first; htdocs/img/evil leads outside, img/alias back in."""
    write('outside/secret.txt', b'secret')
    os.symlink(str(site / 'outside'), str(site / 'htdocs/img/evil'))
    os.symlink(str(site / 'htdocs'), str(site / 'htdocs/img/alias'))
    os.symlink(str(site / 'htdocs/img/a.png'), str(site / 'build/first.png'))
    os.symlink(str(site / 'htdocs/img/evil/secret.txt'), str(site / 'build/secret.txt'))
    os.symlink(str(site / 'htdocs/img/alias/index.html'), str(site / 'build/home.html'))
    result = run()
    # refused: the link's text runs through htdocs, its real path does not
    assert [(e['path'], e['reason']) for e in result['skipped_entries'] if e['path'] == 'secret.txt'] == [
        ('secret.txt', 'symlink points outside every source and within root (%s)' % (site / 'outside/secret.txt'))]
    assert not os.path.lexists(str(site / 'origin/secret.txt'))
    assert os.readlink(str(site / 'origin/home.html')) == str(site / 'htdocs/index.html')
    assert os.readlink(str(site / 'origin/first.png')) == str(site / 'htdocs/img/a.png')
    assert not result.get('failed')


def test_exclude_anchors_and_directory_patterns_in_a_tree(site, run, write, tmp_path):
    write('build/robots.txt', b'top')
    write('build/docs/robots.txt', b'nested')
    write('build/tmp/a', b'a dir named tmp')
    write('build/img/tmp', b'a file named tmp')
    write('build/css/v2/site.css', b'nested css')
    write('elsewhere/x', b'x')
    os.symlink(str(site / 'htdocs/img'), str(site / 'build/linked'))
    write('origin/stale/tmp/keep', b'a dest directory named tmp')
    write('origin/stale/gone', b'pruned')
    patterns = ['/robots.txt', 'tmp/', 'linked/', 'css/*.css']
    preview = run(prune=True, exclude=patterns, check_mode=True)
    result = run(prune=True, exclude=patterns)
    assert not result.get('failed'), result
    assert preview['changes'] == result['changes']
    origin = site / 'origin'
    assert not (origin / 'robots.txt').exists() and (origin / 'docs/robots.txt').read_bytes() == b'nested'
    assert not (origin / 'tmp').exists() and (origin / 'img/tmp').read_bytes() == b'a file named tmp'
    assert not os.path.lexists(str(origin / 'linked'))
    # css/*.css matches css/site.css, not a file in a directory below css
    assert not (origin / 'css/site.css').exists()
    assert (origin / 'css/v2/site.css').read_bytes() == b'nested css'
    assert (origin / 'stale/tmp/keep').exists() and not (origin / 'stale/gone').exists()
    assert run(prune=True, exclude=patterns)['changed'] is False
