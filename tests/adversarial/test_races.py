# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cdn.origin maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Case 4: a flipper process swaps a directory (or file) and a symlink while runs go on.

Mirrors the rsync 2024/2026 receiver races (CVE-2024-12087/12088 and the
chmod/rename/mkdir/delete follow-ups) and the Rust/Python rmtree symlink races
(CVE-2022-21658). The scratch dirs are not sticky, so fs.protected_symlinks
does not help: only fd-relative, no-follow operations do.
Each test runs the engine over and over for the flipper's bounded lifetime;
a run may fail (the tree changes under it), but it must fail cleanly and
nothing outside may be read into dest or changed.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest

from ansible_collections.cdn.origin.plugins.module_utils.engine import mirror

from adversarial_support import Flipper, as_json, attack_after_listing, leaks, repeat_while, temps, write

FLIP_SECONDS = 1.5
FILES = 60


def _converges(world, **kwargs):
    """After the attack: a clean run succeeds, a rerun is a no-op, nothing leaked or lingers."""
    result = as_json(mirror(world.src, world.dest, **kwargs))
    assert not result.get('failed'), result
    again = as_json(mirror(world.src, world.dest, **kwargs))
    assert (again['changed'], again['changes']) == (False, []), again
    assert leaks(world.dest, world.outside) == []
    assert temps(world.dest) == []
    assert world.outside_untouched()


def _survived(results, world):
    for result in results:
        as_json(result)
        if result.get('failed'):
            assert result['msg'] and result['errors'], result
    assert leaks(world.dest, world.outside) == []
    assert world.outside_untouched()


def _populate(top, names, data=b'public %d\n'):
    for i, name in enumerate(names):
        write(os.path.join(top, name), data % i)


def _flipper(world, path, target, seconds=FLIP_SECONDS):
    return Flipper(path, target, os.path.join(world.base, 'aside'), seconds)


def test_dest_directory_swapped_while_writing(world):
    names = ['passwd', 'index.html'] + ['f%03d' % i for i in range(FILES)]
    _populate(os.path.join(world.src, 'sub'), names)
    write(os.path.join(world.within, 'w.html'), b'w')
    os.symlink(os.path.join(world.within, 'w.html'), os.path.join(world.src, 'sub', 'w.html'))
    assert not mirror(world.src, world.dest, within=[world.within]).get('failed')
    rounds = []

    def run():
        rounds.append(None)
        # new content every round, so every round writes into dest/sub
        _populate(os.path.join(world.src, 'sub'), names, b'round %d ' % len(rounds) + b'%d\n')
        return mirror(world.src, world.dest, within=[world.within], mode='0644')

    with _flipper(world, os.path.join(world.dest, 'sub'), os.path.join(world.outside, 'etc')) as flipper:
        results = repeat_while(flipper, run)
    assert flipper.flips > 0
    _survived(results, world)
    _converges(world, within=[world.within], mode='0644')


def test_source_directory_swapped_between_scan_and_open(world):
    """src/sub flips with a link to outside/evil, which holds a `page` as src/sub does."""
    _populate(os.path.join(world.src, 'sub'), ['page'] + ['f%03d' % i for i in range(FILES)])
    held = os.open(os.path.join(world.src, 'sub', 'page'), os.O_RDONLY)
    rounds = []

    def run():
        rounds.append(None)
        # a new mtime every round, so every round copies src/sub/page again
        os.utime(held, ns=(len(rounds), len(rounds)))
        return mirror(world.src, world.dest)

    try:
        with _flipper(world, os.path.join(world.src, 'sub'), os.path.join(world.outside, 'evil')) as flipper:
            results = repeat_while(flipper, run)
    finally:
        os.close(held)
    assert flipper.flips > 0
    _survived(results, world)
    _converges(world)


def test_prune_while_a_directory_is_swapped(world):
    write(os.path.join(world.src, 'keep'), b'keep')
    extra = os.path.join(world.dest, 'extra')
    staged = []

    def run():
        # staged aside, then renamed in: writing into `extra` could follow the flipper's link
        stage = os.path.join(world.base, 'stage%d' % len(staged))
        staged.append(stage)
        # the same names as outside/etc: a prune that followed the link would delete those
        _populate(stage, ['passwd', 'index.html', 'sub/x'])
        try:
            os.rename(stage, extra)
        except OSError:
            pass  # the flipper's link or the last round's tree is there: prune that
        return mirror(world.src, world.dest, prune=True)

    with _flipper(world, extra, os.path.join(world.outside, 'etc')) as flipper:
        results = repeat_while(flipper, run)
    assert flipper.flips > 0
    _survived(results, world)
    _converges(world, prune=True)
    assert sorted(os.listdir(world.dest)) == ['keep']


def test_mode_and_owner_applied_while_a_file_is_swapped(world):
    """dest/page (wrong mode and owner) flips with a link to outside/shadow (0600, root); dest/newdir too."""
    write(os.path.join(world.src, 'page'), b'public page')
    os.chmod(os.path.join(world.src, 'page'), 0o644)
    os.makedirs(os.path.join(world.src, 'newdir'))
    assert not mirror(world.src, world.dest).get('failed')
    page = os.path.join(world.dest, 'page')
    newdir = os.path.join(world.dest, 'newdir')
    held = os.open(page, os.O_RDONLY)
    options = dict(mode='0640', owner=65534, group=65534, directory_mode='0777')

    def run():
        # undo what the last round fixed, so every round has attributes to apply
        os.fchmod(held, 0o600)
        os.fchown(held, 0, 0)
        try:
            os.rmdir(newdir)
        except OSError:
            pass
        return mirror(world.src, world.dest, **options)

    try:
        with _flipper(world, page, world.secret, FLIP_SECONDS / 2) as flipper:
            results = repeat_while(flipper, run)
        with _flipper(world, newdir, os.path.join(world.outside, 'etc'), FLIP_SECONDS / 2) as dir_flipper:
            results += repeat_while(dir_flipper, run)
    finally:
        os.close(held)
    assert flipper.flips > 0 and dir_flipper.flips > 0
    _survived(results, world)
    _converges(world, **options)


@pytest.mark.parametrize('side', ['src', 'dest'])
def test_entry_vanishing_mid_walk_fails_cleanly(world, monkeypatch, side):
    """The deterministic core of the races above: `page` disappears after it was listed, before it is looked at."""
    write(os.path.join(world.src, 'page'), b'page')
    assert not mirror(world.src, world.dest).get('failed')
    os.utime(os.path.join(world.src, 'page'), ns=(1, 1))
    top = world.src if side == 'src' else world.dest
    fired = attack_after_listing(monkeypatch, top, lambda: os.unlink(os.path.join(top, 'page')))
    result = as_json(mirror(world.src, world.dest))
    assert fired == [top]
    if result.get('failed'):
        assert [e['path'] for e in result['errors']] == [os.path.join(top, 'page')], result['errors']
    monkeypatch.undo()
    write(os.path.join(world.src, 'page'), b'page')
    _converges(world)
