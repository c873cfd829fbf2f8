# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cdn.origin maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Case 9: a mirror that contains its source, or a source that reaches its mirror.

`cp -r dir dir/sub` and `rsync -a src/ src/dst/` recurse into their own
output; with prune, a source inside dest is deleted by its own mirror.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest

from ansible_collections.cdn.origin.plugins.module_utils.engine import mirror

from adversarial_support import as_json, entries, link, skipped, state, write


@pytest.mark.parametrize('layout', ['dest-in-src', 'dest-is-src', 'dest-in-src-via-link', 'src-in-dest',
                                    'src-in-dest-via-link', 'second-layer-in-dest'])
def test_overlapping_roots_are_refused_before_anything_changes(world, layout):
    write(os.path.join(world.src, 'page.html'), b'page')
    write(os.path.join(world.dest, 'old.html'), b'old')
    link(world.src, world.path('srclink'))
    link(world.dest, world.path('destlink'))
    src, dest, kind = {
        'dest-in-src': (world.src, os.path.join(world.src, 'mirror'), 'inside src'),
        'dest-is-src': (world.src, world.path('srclink'), 'inside src'),
        'dest-in-src-via-link': (world.src, world.path('srclink', 'mirror'), 'inside src'),
        'src-in-dest': (os.path.join(world.dest, 'inner'), world.dest, 'inside dest'),
        'src-in-dest-via-link': (world.path('destlink', 'inner'), world.dest, 'inside dest'),
        'second-layer-in-dest': ([world.src, os.path.join(world.dest, 'inner')], world.dest, 'inside dest'),
    }[layout]
    os.makedirs(os.path.join(world.dest, 'inner'))
    before = state(world.base)
    for prune in (False, True):
        result = as_json(mirror(src, dest, prune=prune))
        assert result.get('failed'), result
        assert kind in result['msg'], result['msg']
    assert state(world.base) == before


def test_source_link_to_the_dest_root_or_into_it_is_skipped(world):
    write(os.path.join(world.dest, 'published.html'), b'already there')
    link(world.dest, os.path.join(world.src, 'to-dest'))
    link(os.path.join(world.dest, 'published.html'), os.path.join(world.src, 'into-dest.html'))
    result = as_json(mirror(world.src, world.dest, within=[world.base]))
    assert not result.get('failed'), result
    reasons = skipped(result)
    assert set(reasons) == {'to-dest', 'into-dest.html'}
    assert all('dest' in reason for reason in reasons.values())
    assert sorted(os.listdir(world.dest)) == ['published.html']


def test_source_link_to_a_directory_holding_both_src_and_dest_stops_at_src_and_dest(world):
    """up -> the directory holding src and dest is descended (as cp -RL does), and stopped where the cycle
    closes (up/src) and at dest itself: neither is mirrored into dest."""
    link(world.base, os.path.join(world.src, 'up'))
    preview = as_json(mirror(world.src, world.dest, within=[world.base], check_mode=True))
    result = as_json(mirror(world.src, world.dest, within=[world.base]))
    assert not result.get('failed'), result
    assert (preview['changes'], preview['skipped_entries']) == (result['changes'], result['skipped_entries'])
    reasons = skipped(result)
    assert set(reasons) == {'up/src', 'up/dest'}
    assert 'loop' in reasons['up/src'] and 'dest itself' in reasons['up/dest']
    assert sorted(os.listdir(os.path.join(world.dest, 'up'))) == ['htdocs', 'outside']
    assert not as_json(mirror(world.src, world.dest, within=[world.base]))['changed']


def test_source_link_to_a_directory_holding_dest_does_not_mirror_dest_into_itself(world):
    """src/up -> pub, and dest is pub/dest: following the link must stop at dest."""
    write(os.path.join(world.src, 'page.html'), b'page')
    write(world.path('pub', 'other', 'o.html'), b'other')
    dest = world.path('pub', 'dest')
    link(world.path('pub'), os.path.join(world.src, 'up'))
    options = dict(within=[world.base], prune=True)
    first = as_json(mirror(world.src, dest, **options))
    assert not first.get('failed'), first['msg']
    assert 'dest' in skipped(first)['up/dest']
    assert sorted(entries(dest)) == [b'page.html', b'up', b'up/other', b'up/other/o.html']
    again = as_json(mirror(world.src, dest, **options))
    assert (again['changed'], again['changes']) == (False, [{'path': 'up/dest', 'action': 'skip'}])


@pytest.mark.parametrize('target', ['../dest/page.html', '../dest/../src/page.html', '../destlink/page.html'],
                         ids=['through-own-link', 'through-dest-and-out', 'through-a-link-to-dest'])
def test_source_link_through_dest_is_skipped_on_every_run(world, target):
    """src/alias -> ../dest/page.html: dangling on the first run, then dest/page.html is the module's own link.

    Whatever dest holds, a resolution that passes through it is refused, on every run alike.
    """
    write(os.path.join(world.src, 'page.html'), b'page')
    link(world.dest, world.path('destlink'))
    link(target, os.path.join(world.src, 'alias'))
    options = dict(within=[world.src], fsync=False)
    for run in ('first', 'second', 'third'):
        result = as_json(mirror(world.src, world.dest, **options))
        assert not result.get('failed'), (run, result['msg'])
        assert 'symlink resolves into dest' in skipped(result).get('alias', ''), (run, result['skipped_entries'])
        assert sorted(os.listdir(world.dest)) == ['page.html'], run
        assert result['changed'] == (run == 'first'), (run, result['changes'])
