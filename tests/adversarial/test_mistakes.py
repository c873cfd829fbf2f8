# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cdn.origin maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Operator mistakes: a typo in an option must fail the run before anything changes.

A mistyped `within`, an empty `dest` or `src` (an unset variable), an id
chown cannot set, a dangling `dest` link: each fails naming the culprit, with
the live mirror intact. `max_delete` stops mass deletions, whatever path the
run takes, and counts only deletions of mirrored content.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import os
import shutil

import pytest

from ansible_collections.cdn.origin.plugins.module_utils import apply as apply_mod
from ansible_collections.cdn.origin.plugins.module_utils import engine
from ansible_collections.cdn.origin.plugins.module_utils.engine import mirror

from adversarial_support import as_json, attack_at, link, state, temps, write


@pytest.fixture
def origin(world):
    """A live origin: a linked part (within htdocs) and a copied part, mirrored with prune."""
    for name in ('a', 'b', 'c'):
        write(os.path.join(world.within, 'img', name + '.png'), name * 10)
        link(os.path.join(world.within, 'img', name + '.png'), os.path.join(world.src, 'img', name + '.png'))
    write(os.path.join(world.src, 'site.css'), b'body{}')
    write(os.path.join(world.base, 'afile'), b'not a directory')
    result = mirror(world.src, world.dest, within=[world.within], prune=True)
    assert not result.get('failed') and result['summary']['symlinked'] == 3, result
    return world


@pytest.mark.parametrize('within, named', [
    ('{base}/htdcos', '{base}/htdcos does not exist'),
    ('htdocs', 'within htdocs is not an absolute path'),
    ('{base}/afile', '{base}/afile exists and is not a directory'),
    ('{base}/afile/sub', '{base}/afile exists and is not a directory'),
    (['{within}', ''], 'has an empty entry'),
    (['{within}', '  '], 'has an empty entry'),
    ('', 'has an empty entry'),
    ('{within}:', 'has an empty entry'),
    ('{within}::{base}/outside', 'has an empty entry'),
], ids=['typo', 'relative', 'file', 'below-a-file', 'empty-item', 'blank-item', 'empty-string', 'trailing-colon',
        'doubled-colon'])
def test_a_mistyped_within_fails_before_prune_deletes_the_linked_part(origin, within, named, monkeypatch):
    monkeypatch.chdir(origin.base)

    def spell(text):
        return text.format(base=origin.base, within=origin.within)
    within = [spell(w) for w in within] if isinstance(within, list) else spell(within)
    before = state(origin.dest)
    for check_mode in (True, False):
        result = as_json(mirror(origin.src, origin.dest, within=within, prune=True, check_mode=check_mode))
        assert result.get('failed') and not result['changed'], result
        assert spell(named) in result['msg']
        assert state(origin.dest) == before


@pytest.mark.parametrize('option', ['dest', 'src', 'src-item'])
@pytest.mark.parametrize('blank', ['', '   '], ids=['empty', 'blank'])
def test_an_empty_dest_or_src_is_refused_not_the_working_directory(origin, option, blank, monkeypatch):
    """`dest: "{{ mirror_dest }}"` with an unset variable: the playbook directory must not become the mirror."""
    playbook = os.path.join(origin.base, 'playbook')
    write(os.path.join(playbook, 'vault.yml'), b'secret: 1')
    monkeypatch.chdir(playbook)
    options = {'dest': dict(src=origin.src, dest=blank),
               'src': dict(src=blank, dest=origin.dest),
               'src-item': dict(src=[origin.src, blank], dest=origin.dest)}[option]
    before, dest_before = state(playbook), state(origin.dest)
    result = as_json(mirror(prune=True, **options))
    assert result.get('failed'), result
    assert ('dest %r is empty' % blank if option == 'dest' else 'has an empty entry') in result['msg']
    assert state(playbook) == before and state(origin.dest) == dest_before


@pytest.mark.parametrize('option', ['owner', 'group'])
@pytest.mark.parametrize('value', [4294967296, 4294967295, -1, -5, 'www-data'])
def test_ids_chown_cannot_set_fail_before_dest_is_created(world, option, value):
    write(os.path.join(world.src, 'a.html'), b'a')
    result = as_json(mirror(world.src, world.dest, **{option: value}))
    assert result.get('failed') and not result['changed'], result
    assert result['msg'].startswith(option) and str(value) in result['msg']
    assert not os.path.lexists(world.dest)


def test_a_dangling_dest_link_is_refused_and_its_target_not_created(world):
    write(os.path.join(world.src, 'a.html'), b'a')
    elsewhere = world.path('elsewhere')
    os.mkdir(elsewhere)
    link(os.path.join(elsewhere, 'x'), world.dest)
    result = as_json(mirror(world.src, world.dest))
    assert result.get('failed'), result
    assert result['msg'] == 'dest %s is a symlink to %s, which does not exist: create that directory or remove the link' % (
        world.dest, os.path.join(elsewhere, 'x'))
    assert os.listdir(elsewhere) == [] and os.readlink(world.dest) == os.path.join(elsewhere, 'x')
    # a link to a directory stays the operator's choice
    os.mkdir(os.path.join(elsewhere, 'x'))
    assert not mirror(world.src, world.dest).get('failed')
    assert open(os.path.join(elsewhere, 'x', 'a.html'), 'rb').read() == b'a'


def _emptied(world, pages=10):
    """A mirrored tree of `pages` files whose source is then emptied (unmounted)."""
    for i in range(pages):
        write(os.path.join(world.src, 'docs', 'p%02d.html' % i), b'page')
    write(os.path.join(world.src, 'index.html'), b'home')
    assert not mirror(world.src, world.dest).get('failed')
    shutil.rmtree(os.path.join(world.src, 'docs'))
    os.mkdir(os.path.join(world.src, 'docs'))


def test_a_percentage_guard_names_the_first_deletions_and_check_mode_shows_the_plan(world):
    _emptied(world)
    before = state(world.dest)
    # 12 entries in dest (index.html, docs/, ten pages): 50% is 6, the plan deletes 10
    real = as_json(mirror(world.src, world.dest, prune=True, max_delete='50%'))
    assert real.get('failed') and not real['changed'], real
    assert real['msg'].startswith('10 deletions planned in %s, more than max_delete=50%% of the 12 entries in dest (6)'
                                  % world.dest)
    assert 'the first: docs/p00.html, docs/p01.html' in real['msg']
    assert real['errors'][:2] == [{'path': os.path.join(world.dest, 'docs', 'p00.html'), 'msg': 'would be deleted'},
                                  {'path': os.path.join(world.dest, 'docs', 'p01.html'), 'msg': 'would be deleted'}]
    assert len(real['errors']) == 10 and 'summary' not in real
    assert state(world.dest) == before
    check = as_json(mirror(world.src, world.dest, prune=True, max_delete='50%', check_mode=True, diff=True))
    unguarded = as_json(mirror(world.src, world.dest, prune=True, check_mode=True, diff=True))
    assert check['failed'] and check['msg'] == real['msg'] and check['errors'] == real['errors']
    for key in ('summary', 'changes', 'diff', 'skipped_entries'):
        assert check[key] == unguarded[key]
    assert check['summary']['removed'] == 10 and '- remove  docs/p09.html' in check['diff']['prepared']
    assert state(world.dest) == before
    assert 'max_delete=12.5% of the 12 entries in dest (1)' in mirror(world.src, world.dest, prune=True, max_delete='12.5%')['msg']
    assert not mirror(world.src, world.dest, prune=True, max_delete='90%').get('failed')
    assert sorted(os.listdir(world.dest)) == ['docs', 'index.html']


@pytest.mark.parametrize('value', ['101%', '-1', -1, '-5%', 'ten', '5 entries', '', True, 2.5])
def test_a_bad_max_delete_fails_clearly(world, value):
    write(os.path.join(world.src, 'a.html'), b'a')
    result = mirror(world.src, world.dest, max_delete=value)
    assert result.get('failed') and 'max_delete must be 0 or more, or a percentage' in result['msg'], result
    assert not os.path.lexists(world.dest)


@pytest.fixture
def large(world, monkeypatch):
    """A run with more changes than are kept: five new files over a mirrored `old/` of five files."""
    for i in range(5):
        write(os.path.join(world.src, 'old', 'o%d.html' % i), b'old')
    write(os.path.join(world.src, 'w', 'zdir', 'inner.html'), b'inner')
    assert not mirror(world.src, world.dest, prune=True).get('failed')
    for i in range(5):
        write(os.path.join(world.src, 'new', 'n%d.html' % i), b'new')
    monkeypatch.setattr(engine, 'KEEP_DECISIONS', 2)
    return world


@pytest.mark.parametrize('max_delete', [2, None], ids=['guarded', 'unguarded'])
def test_a_source_emptied_between_the_two_plans_of_a_large_run_removes_nothing(large, monkeypatch, max_delete):
    old = os.path.join(large.src, 'old')
    # once the first new file landed: the second plan sees old/ empty, the first did not
    fired = attack_at(monkeypatch, 'new/n0.html', lambda: [os.unlink(os.path.join(old, n)) for n in os.listdir(old)])
    before = state(os.path.join(large.dest, 'old'))
    result = as_json(mirror(large.src, large.dest, prune=True, max_delete=max_delete))
    assert fired and result.get('failed'), result
    assert 'the trees changed since this run planned them: nothing was removed' in result['msg']
    assert state(os.path.join(large.dest, 'old')) == before
    assert sorted(os.listdir(os.path.join(large.dest, 'new'))) == ['n%d.html' % i for i in range(5)]
    monkeypatch.undo()
    again = as_json(mirror(large.src, large.dest, prune=True, max_delete=max_delete))
    assert bool(again.get('failed')) == (max_delete is not None)


def test_force_deletions_of_a_large_run_stop_at_what_its_first_plan_counted(large, monkeypatch):
    """Between the plans a source directory becomes a file: its mirrored directory must not go."""
    # w/ is listed after new/ is written: the second plan sees the file, the first the directory
    zdir = os.path.join(large.src, 'w', 'zdir')

    def to_file():
        shutil.rmtree(zdir)
        write(zdir, b'now a file')
    fired = attack_at(monkeypatch, 'new/n0.html', to_file)
    before = state(os.path.join(large.dest, 'w', 'zdir'))
    result = as_json(mirror(large.src, large.dest, prune=True, force=True, max_delete=100))
    assert fired and result.get('failed'), result
    assert result['errors'][0]['path'] == os.path.join(large.dest, 'w', 'zdir', 'inner.html')
    assert 'more than the 0 entries its plan counted' in result['errors'][0]['msg']
    assert 'prune skipped' in result['msg']
    assert state(os.path.join(large.dest, 'w', 'zdir')) == before


def test_a_large_run_without_changes_between_its_plans_prunes_as_planned(large):
    for i in range(3):
        os.unlink(os.path.join(large.src, 'old', 'o%d.html' % i))
    expected = as_json(mirror(large.src, large.dest, prune=True, max_delete=3, check_mode=True))
    result = as_json(mirror(large.src, large.dest, prune=True, max_delete=3))
    assert not result.get('failed'), result
    assert result['changes'] == expected['changes']
    assert sorted(os.listdir(os.path.join(large.dest, 'old'))) == ['o3.html', 'o4.html']


def test_repairs_are_not_deletions_a_crashed_mirror_recovers_with_max_delete_0(world):
    write(os.path.join(world.src, 'a.html'), b'a')
    write(os.path.join(world.src, 'sub', 'b.html'), b'b')
    write(os.path.join(world.src, 'file', 'c.html'), b'c')
    assert not mirror(world.src, world.dest).get('failed')
    # what a killed run leaves, and sources whose type changed since
    write(os.path.join(world.dest, 'sub', '.cdn-origin-tmp-0123456789abcdef'), b'half a fi')
    shutil.rmtree(os.path.join(world.src, 'sub'))
    write(os.path.join(world.src, 'sub', 'b.html', 'deeper.html'), b'a directory now')
    shutil.rmtree(os.path.join(world.src, 'file'))
    write(os.path.join(world.src, 'file'), b'a file now')
    os.unlink(os.path.join(world.dest, 'file', 'c.html'))
    result = as_json(mirror(world.src, world.dest, prune=True, max_delete=0))
    assert not result.get('failed'), result
    assert result['summary']['removed'] == 3
    assert temps(world.dest) == []
    assert open(os.path.join(world.dest, 'sub', 'b.html', 'deeper.html'), 'rb').read() == b'a directory now'
    assert open(os.path.join(world.dest, 'file'), 'rb').read() == b'a file now'


def test_a_failed_removal_says_prune_ran_not_that_it_was_skipped(world, monkeypatch):
    write(os.path.join(world.src, 'a.html'), b'a')
    assert not mirror(world.src, world.dest).get('failed')
    for name in ('stale1', 'stale2', 'stale3'):
        write(os.path.join(world.dest, name), b'no source')
    real_unlink = os.unlink

    def immutable(name, *args, **kwargs):
        if name == 'stale2':
            raise PermissionError(errno.EPERM, 'Operation not permitted')
        return real_unlink(name, *args, **kwargs)
    monkeypatch.setattr(apply_mod.os, 'unlink', immutable)
    result = as_json(mirror(world.src, world.dest, prune=True))
    assert result.get('failed'), result
    assert 'prune skipped' not in result['msg']
    assert result['msg'] == '1 error(s) while mirroring into %s, while pruning (the other removals were done): %s: ' \
        'Operation not permitted' % (world.dest, os.path.join(world.dest, 'stale2'))
    assert sorted(os.listdir(world.dest)) == ['a.html', 'stale2']
