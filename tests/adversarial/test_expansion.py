# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cdn.origin maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Case 12: source links that make the planner's work grow without end.

A link target deep enough to exhaust a recursive resolver, and directory
links that fan out (each level linking twice to the next), which a walk
guarding only against ancestors expands into 2**levels copies (`cp -rL`
and `rsync -L` do the same).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.cdn.origin.plugins.module_utils import plan
from ansible_collections.cdn.origin.plugins.module_utils.engine import mirror

from adversarial_support import as_json, deadline, entries, link, nest, skipped, write


def test_a_link_to_a_file_1100_directories_deep_is_mirrored(world):
    """The real path stays under PATH_MAX; resolving it must not recurse once per directory."""
    nest(world.within, ['d'] * 1100, leaf='leaf')
    leaf = os.path.join(world.within, *(['d'] * 1100 + ['leaf']))
    link(leaf, os.path.join(world.src, 'deep'))
    link('../htdocs/' + '/'.join(['d'] * 1100) + '/leaf', os.path.join(world.src, 'deep-relative'))
    write(os.path.join(world.src, 'page.html'), b'page')
    options = dict(within=[world.within], fsync=False)
    first = as_json(mirror(world.src, world.dest, **options))
    assert not first.get('failed'), first['msg']
    assert os.readlink(os.path.join(world.dest, 'deep')) == leaf
    assert os.readlink(os.path.join(world.dest, 'deep-relative')) == leaf
    again = as_json(mirror(world.src, world.dest, **options))
    assert (again['changed'], again['summary']['unchanged']) == (False, 3)


def _fan_out(world, levels):
    """L{i}/a and L{i}/b both link to ../L{i+1}: 2**levels copies of the last level without a bound."""
    for i in range(levels):
        write(os.path.join(world.src, 'L%d' % i, 'page'), b'level %d' % i)
        if i + 1 < levels:
            for name in ('a', 'b'):
                link('../L%d' % (i + 1), os.path.join(world.src, 'L%d' % i, name))


def test_directory_links_that_fan_out_are_bounded(world):
    levels = 20
    _fan_out(world, levels)
    options = dict(within=[world.src], fsync=False)
    with deadline(20):
        preview = as_json(mirror(world.src, world.dest, check_mode=True, **options))
        result = as_json(mirror(world.src, world.dest, **options))
        again = as_json(mirror(world.src, world.dest, **options))
    assert not result.get('failed'), result['msg']
    assert (preview['changes'], preview['summary']) == (result['changes'], result['summary'])
    assert not again['changed'] and again['skipped_entries'] == result['skipped_entries']
    # below each followed link, at most LINKED_ENTRIES copies of each deeper level
    pages = [rel for rel in entries(world.dest) if rel.endswith(b'/page')]
    assert len(pages) <= levels + 2 * levels * levels * plan.LINKED_ENTRIES
    reasons = skipped(result)
    assert reasons and all('fan-out' in reason and os.path.join(world.src, 'L') in reason
                           for reason in reasons.values()), reasons
    assert any('fan-out' in warning for warning in result['warnings'])


def test_a_directory_shared_by_a_few_links_is_mirrored_at_each(world):
    """The ordinary case the bound must leave alone, at the top of the source and below a followed link."""
    write(os.path.join(world.within, 'shared', 'lib.js'), b'lib')
    for app in ('one', 'two', 'three'):
        link('../../shared', os.path.join(world.within, 'apps', app, 'lib'))
        link(os.path.join(world.within, 'shared'), os.path.join(world.src, 'lib-' + app))
    link(os.path.join(world.within, 'apps'), os.path.join(world.src, 'apps'))
    result = as_json(mirror(world.src, world.dest, within=[world.within], fsync=False))
    assert not result.get('failed'), result['msg']
    assert result['skipped_entries'] == []
    mirrored = sorted(rel for rel in entries(world.dest) if rel.endswith(b'lib.js'))
    assert mirrored == [b'apps/one/lib/lib.js', b'apps/three/lib/lib.js', b'apps/two/lib/lib.js',
                        b'lib-one/lib.js', b'lib-three/lib.js', b'lib-two/lib.js']


def test_links_to_parents_below_a_fan_out_stay_bounded(world):
    """Links to a parent are descended until the cycle closes (as cp -RL): with every level also linking back up
    (L{i}/x/up -> .., L{i} holding x and its page), the fan-out bound must still hold, in every process."""
    levels = 12
    for i in range(levels):
        write(os.path.join(world.src, 'L%d' % i, 'page'), b'level %d' % i)
        os.makedirs(os.path.join(world.src, 'L%d' % i, 'x'))
        link('..', os.path.join(world.src, 'L%d' % i, 'x', 'up'))
        if i + 1 < levels:
            for name in ('a', 'b'):
                link('../../L%d/x' % (i + 1), os.path.join(world.src, 'L%d' % i, 'x', name))
    options = dict(within=[world.src], fsync=False)
    with deadline(30):
        preview = as_json(mirror(world.src, world.dest, check_mode=True, workers=1, **options))
        forked = as_json(mirror(world.src, world.dest, check_mode=True, workers=2, **options))
        result = as_json(mirror(world.src, world.dest, **options))
    assert not result.get('failed'), result['msg']
    assert preview == forked
    assert (preview['changes'], preview['summary']) == (result['changes'], result['summary'])
    pages = [rel for rel in entries(world.dest) if rel.endswith(b'/page')]
    assert len(pages) <= levels + 2 * levels * levels * plan.LINKED_ENTRIES
    reasons = skipped(result)
    assert any('fan-out' in reason for reason in reasons.values())
    assert any('loop back' in reason for reason in reasons.values())
