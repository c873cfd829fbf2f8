# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cdn.origin maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Case 2: `within` containment is decided by path components, on real paths.

Mirrors the `startswith` prefix bug of many Zip Slip fixes and the path
confusions of rsync CVE-2024-12086/12087: `/srv/htdocs-evil` is not in `/srv/htdocs`.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest

from ansible_collections.cdn.origin.plugins.module_utils.engine import mirror

from adversarial_support import as_json, link, skipped, write


def test_sibling_with_a_common_prefix_is_not_inside(world):
    evil = world.within + '-evil'
    write(os.path.join(evil, 'x.html'), b'evil sibling')
    write(os.path.join(world.within, 'ok.html'), b'trusted')
    link(os.path.join(evil, 'x.html'), os.path.join(world.src, 'x.html'))
    link(os.path.join(world.within, 'ok.html'), os.path.join(world.src, 'ok.html'))
    result = as_json(mirror(world.src, world.dest, within=[world.within]))
    assert not result.get('failed'), result
    assert 'x.html' in skipped(result)
    assert not os.path.lexists(os.path.join(world.dest, 'x.html'))
    assert os.readlink(os.path.join(world.dest, 'ok.html')) == os.path.join(world.within, 'ok.html')


def test_within_root_is_not_inside_its_prefix_sibling(world):
    """Neither a prefix of the root (`htdoc`) nor an extension of it (`htdocsx`) trusts /srv/htdocs."""
    write(os.path.join(world.within, 'page.html'), b'trusted')
    os.mkdir(world.within + 'x')
    os.mkdir(world.within[:-1])
    result = as_json(mirror(world.within, world.dest, within=[world.within + 'x', world.within[:-1]]))
    assert not result.get('failed'), result
    assert not os.path.islink(os.path.join(world.dest, 'page.html'))


@pytest.mark.parametrize('spelling', [
    '{w}/', '{w}//', '{base}//htdocs', '{base}/./htdocs/.', '{base}/outside/../htdocs', '{base}/wlink', '{base}/wlink/',
    '{base}/empty:{w}',
], ids=['trailing-slash', 'double-trailing', 'double-inner', 'dots', 'dotdot', 'through-symlink',
        'symlink-trailing', 'colon-list'])
def test_within_spellings_all_mean_the_same_real_dir(world, spelling):
    write(os.path.join(world.within, 'a', 'page.html'), b'trusted')
    write(os.path.join(world.within + '-evil', 'page.html'), b'evil')
    link(os.path.join(world.within, 'a', 'page.html'), os.path.join(world.src, 'page.html'))
    link(os.path.join(world.within + '-evil', 'page.html'), os.path.join(world.src, 'evil.html'))
    link(world.within, os.path.join(world.base, 'wlink'))
    os.mkdir(os.path.join(world.base, 'empty'))
    within = spelling.format(w=world.within, base=world.base)
    result = as_json(mirror(world.src, world.dest, within=within))
    assert not result.get('failed'), result
    # the link names the real path, not the spelling (nor the symlink) it was configured through
    assert os.readlink(os.path.join(world.dest, 'page.html')) == os.path.join(world.within, 'a', 'page.html')
    assert 'evil.html' in skipped(result)
    assert not os.path.lexists(os.path.join(world.dest, 'evil.html'))


def test_within_through_a_symlink_contains_only_its_target(world):
    """`within` is resolved: a path under the link's own directory is not trusted by it."""
    write(os.path.join(world.base, 'public', 'f.html'), b'public, but not trusted')
    link(world.within, os.path.join(world.base, 'public', 'trusted'))
    write(os.path.join(world.within, 'g.html'), b'trusted')
    link(os.path.join(world.base, 'public', 'f.html'), os.path.join(world.src, 'f.html'))
    link(os.path.join(world.base, 'public', 'trusted', 'g.html'), os.path.join(world.src, 'g.html'))
    result = as_json(mirror(world.src, world.dest, within=[os.path.join(world.base, 'public', 'trusted')]))
    assert not result.get('failed'), result
    assert 'f.html' in skipped(result)
    assert os.readlink(os.path.join(world.dest, 'g.html')) == os.path.join(world.within, 'g.html')


def test_relative_links_point_at_the_checked_real_path(world):
    write(os.path.join(world.within, 'css', 'site.css'), b'css')
    link(os.path.join(world.base, 'wlink', 'css', 'site.css'), os.path.join(world.src, 'deep', 'site.css'))
    link(world.within, os.path.join(world.base, 'wlink'))
    link(world.base + '/', os.path.join(world.base, 'dlink'))
    result = as_json(mirror(world.src, os.path.join(world.base, 'dlink', 'dest'), within=[world.within],
                            link_style='relative'))
    assert not result.get('failed'), result
    placed = os.path.join(world.dest, 'deep', 'site.css')
    assert os.readlink(placed) == '../../htdocs/css/site.css'
    assert os.path.realpath(placed) == os.path.join(world.within, 'css', 'site.css')
