# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cdn.origin maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Case 1: source symlinks that lead out of every root are never followed.

Mirrors rsync CVE-2024-12088 (--safe-links bypass) and CPython tarfile
CVE-2025-4517 (a lexically clean `..` path resolving elsewhere).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest

from ansible_collections.cdn.origin.plugins.module_utils.engine import mirror

from adversarial_support import as_json, attack_at, change_paths, leaks, link, nest, skipped, temps, write


def _escape_is_refused(world, names, within=()):
    result = as_json(mirror(world.src, world.dest, within=within))
    assert not result.get('failed'), result
    for name in names:
        assert not os.path.lexists(os.path.join(world.dest, name)), name
        assert name in skipped(result), (name, result['skipped_entries'])
        assert name not in [c['path'] for c in result['changes'] if c['action'] != 'skip']
    assert result['summary']['skipped'] == len(names)
    assert any(names[0] in w for w in result['warnings'])
    assert leaks(world.dest, world.outside) == []
    assert world.outside_untouched()
    return result


@pytest.mark.parametrize('within', [(), ('{src}',)], ids=['copy-branch', 'link-branch'])
def test_absolute_and_relative_links_out_are_skipped(world, within):
    write(os.path.join(world.src, 'ok.html'), b'public')
    link(world.secret, os.path.join(world.src, 'abs'))
    link('../outside/shadow', os.path.join(world.src, 'rel'))
    link('../../outside/etc/passwd', os.path.join(world.src, 'sub', 'deeper'))
    link(os.path.join(world.outside, 'etc'), os.path.join(world.src, 'etcdir'))
    within = [w.format(src=world.src) for w in within]
    result = _escape_is_refused(world, ['abs', 'rel', 'sub/deeper', 'etcdir'], within)
    assert os.path.isfile(os.path.join(world.dest, 'ok.html')) or os.path.islink(os.path.join(world.dest, 'ok.html'))
    for name in ('abs', 'rel', 'sub/deeper'):
        assert 'outside' in skipped(result)[name]


def test_lexically_inside_but_physically_outside(world):
    """`lnk/../shadow` reads as src/shadow, but the kernel resolves `..` after following lnk."""
    write(os.path.join(world.src, 'shadow'), b'harmless twin')
    link(os.path.join(world.outside, 'etc'), os.path.join(world.src, 'lnk'))
    link('lnk/../shadow', os.path.join(world.src, 'twisted'))
    _escape_is_refused(world, ['lnk', 'twisted'], within=[world.src])
    assert open(os.path.join(world.dest, 'shadow'), 'rb').read() == b'harmless twin'


def _swap_before_applying(monkeypatch, world, rel):
    """Just before `rel` is applied, the attacker turns src/d1/d2 into a link out of the tree."""
    write(os.path.join(world.src, 'd1', 'd2', 'page'), b'public page')
    link('d1/d2/page', os.path.join(world.src, 'alias'))
    d2 = os.path.join(world.src, 'd1', 'd2')

    def attack():
        os.rename(d2, d2 + '.moved')
        os.symlink(os.path.join(world.outside, 'evil'), d2)

    return attack_at(monkeypatch, rel, attack, before=True)


def test_chain_component_swapped_for_a_link_before_the_copy(world, monkeypatch):
    swapped = _swap_before_applying(monkeypatch, world, 'alias')
    result = as_json(mirror(world.src, world.dest))
    assert swapped == ['alias']
    assert result.get('failed'), result
    assert any(e['path'].endswith('/alias') for e in result['errors']), result['errors']
    assert not os.path.lexists(os.path.join(world.dest, 'alias'))
    assert leaks(world.dest, world.outside) == []
    assert temps(world.dest) == []
    assert world.outside_untouched()


def test_link_names_the_checked_real_path_not_the_chain(world, monkeypatch):
    """A link is made to the real path whose containment was checked, never to the chain that led there."""
    swapped = _swap_before_applying(monkeypatch, world, 'alias')
    result = as_json(mirror(world.src, world.dest, within=[world.src]))
    assert swapped == ['alias']
    assert not result.get('failed'), result
    assert os.readlink(os.path.join(world.dest, 'alias')) == os.path.join(world.src, 'd1', 'd2', 'page')
    assert world.outside_untouched()


def test_link_loops_terminate_and_are_skipped(world):
    link('loop2', os.path.join(world.src, 'loop1'))
    link('loop1', os.path.join(world.src, 'loop2'))
    link('self', os.path.join(world.src, 'self'))
    write(os.path.join(world.src, 'dir', 'file'), b'x')
    link('..', os.path.join(world.src, 'dir', 'up'))
    link(world.src, os.path.join(world.src, 'dir', 'root'))
    result = as_json(mirror(world.src, world.dest, within=[world.src]))
    assert not result.get('failed'), result
    reasons = skipped(result)
    assert set(reasons) == {'loop1', 'loop2', 'self', 'dir/up', 'dir/root'}, reasons
    assert all('loop' in reason for reason in reasons.values()), reasons
    assert sorted(os.listdir(os.path.join(world.dest, 'dir'))) == ['file']


def test_chain_longer_than_40_hops_leading_out(world):
    """The kernel gives up after 40 hops (ELOOP); a resolver must not be more generous outward."""
    hops = 45
    for i in range(hops):
        link('hop%d' % (i + 1), os.path.join(world.src, 'hop%d' % i))
    link(world.secret, os.path.join(world.src, 'hop%d' % hops))
    result = as_json(mirror(world.src, world.dest, within=[world.src]))
    assert not result.get('failed'), result
    assert set(skipped(result)) == set('hop%d' % i for i in range(hops + 1))
    assert os.listdir(world.dest) == []
    assert world.outside_untouched()


def test_resolved_path_beyond_path_max(world):
    """A chain whose real path is longer than PATH_MAX cannot be checked: it is skipped, nothing crashes."""
    name = 'n' * 250
    nest(world.outside, [name] * 12)
    os.symlink('/'.join([name] * 6) + '/shadow', os.path.join(world.outside, *([name] * 12 + ['further'])))
    link(os.path.join(world.outside, *([name] * 12)) + '/further', os.path.join(world.src, 'long'))
    link('x/' + '../' * 1300 + world.secret.lstrip('/'), os.path.join(world.src, 'dots'))
    os.mkdir(os.path.join(world.src, 'x'))
    result = as_json(mirror(world.src, world.dest))
    assert not result.get('failed'), result
    assert {'long', 'dots'} <= set(skipped(result)), result['skipped_entries']
    assert not os.path.lexists(os.path.join(world.dest, 'long'))
    assert not os.path.lexists(os.path.join(world.dest, 'dots'))
    assert leaks(world.dest, world.outside) == []


def test_links_between_source_roots_and_within_are_followed(world):
    """The positive side of the rule: a link to a real file inside a root is mirrored, as its real path."""
    write(os.path.join(world.within, 'img', 'logo.png'), b'png')
    link(os.path.join(world.within, 'img', 'logo.png'), os.path.join(world.src, 'logo.png'))
    write(os.path.join(world.src, 'real.css'), b'css')
    link('real.css', os.path.join(world.src, 'alias.css'))
    result = as_json(mirror(world.src, world.dest, within=[world.within]))
    assert not result.get('failed'), result
    assert os.readlink(os.path.join(world.dest, 'logo.png')) == os.path.join(world.within, 'img', 'logo.png')
    with open(os.path.join(world.dest, 'alias.css'), 'rb') as f:
        assert f.read() == b'css'
    assert not os.path.islink(os.path.join(world.dest, 'alias.css'))
    assert sorted(change_paths(result)) == ['.', 'alias.css', 'logo.png', 'real.css']


def test_source_directory_swapped_between_listing_and_copy(world, monkeypatch):
    """After `a` is applied and before src/sub is listed, sub becomes a link to outside/evil.

    The walk then lists outside/evil under the name sub: its `page` must not be copied.
    """
    write(os.path.join(world.src, 'a'), b'a')
    write(os.path.join(world.src, 'sub', 'page'), b'public page')
    sub = os.path.join(world.src, 'sub')

    def attack():
        os.rename(sub, world.path('sub.moved'))
        os.symlink(os.path.join(world.outside, 'evil'), sub)

    swapped = attack_at(monkeypatch, 'a', attack)
    result = as_json(mirror(world.src, world.dest))
    assert swapped == ['a']
    assert leaks(world.dest, world.outside) == []
    assert temps(world.dest) == []
    assert world.outside_untouched()
    assert result.get('failed'), result
    assert any(e['path'].endswith('/sub/page') for e in result['errors']), result['errors']
