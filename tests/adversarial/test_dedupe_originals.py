# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cdn.origin maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""dedupe links a later layer's file to an earlier layer's original: that original must be one any link may point at.

The earlier layer is as untrusted as any source: its entry at the path is
resolved and checked as any source link, so equal bytes never buy a link
outside `within`, into dest, or a read of something that is not a regular file.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.cdn.origin.plugins.module_utils.engine import mirror

from adversarial_support import as_json, attack_after_listing, deadline, link, write


def _layers(world):
    base, top = world.path('base'), world.path('top')
    os.mkdir(base)
    os.mkdir(top)
    return base, top


def _is_copy(path):
    return os.path.isfile(path) and not os.path.islink(path)


def test_an_original_linking_outside_within_buys_no_link(world):
    """base/a.txt -> a public file outside within, top/a.txt the same bytes: a copy, not a link out."""
    base, top = _layers(world)
    write(world.path('elsewhere', 'public.txt'), b'same bytes')
    link(world.path('elsewhere', 'public.txt'), os.path.join(base, 'a.txt'))
    write(os.path.join(top, 'a.txt'), b'same bytes')
    result = as_json(mirror([base, top], world.dest, within=[world.within], dedupe=True, fsync=False))
    assert not result.get('failed'), result
    assert _is_copy(os.path.join(world.dest, 'a.txt'))
    assert result['summary']['deduplicated'] == 0


def test_an_original_resolving_into_dest_buys_no_link(world):
    """base/a.txt -> dest/a.txt (the copy the first run made): never a link into dest, whatever it holds."""
    base, top = _layers(world)
    write(os.path.join(top, 'a.txt'), b'same bytes')
    link(os.path.join(world.dest, 'a.txt'), os.path.join(base, 'a.txt'))
    options = dict(within=[world.within], dedupe=True, fsync=False)
    first = as_json(mirror([base, top], world.dest, **options))
    again = as_json(mirror([base, top], world.dest, **options))
    for result in (first, again):
        assert not result.get('failed'), result
        assert result['summary']['deduplicated'] == 0
    assert _is_copy(os.path.join(world.dest, 'a.txt'))
    assert not again['changed']


def test_an_original_swapped_for_a_fifo_is_not_read(world, monkeypatch):
    """Empty files compare by size alone; a FIFO put in the original's place after the listing must not hang the run."""
    base = os.path.join(world.within, 'base')
    top = world.path('top')
    os.mkdir(top)
    write(os.path.join(base, 'empty.txt'), b'')
    write(os.path.join(top, 'empty.txt'), b'')

    def swap():
        os.unlink(os.path.join(base, 'empty.txt'))
        os.mkfifo(os.path.join(base, 'empty.txt'))
    fired = attack_after_listing(monkeypatch, base, swap)
    with deadline(20):
        result = as_json(mirror([base, top], world.dest, within=[world.within], dedupe=True, fsync=False, workers=1))
    assert fired
    assert not result.get('failed'), result
    assert _is_copy(os.path.join(world.dest, 'empty.txt'))
    assert result['summary']['deduplicated'] == 0
