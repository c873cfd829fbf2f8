# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cdn.origin maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Case 8: FIFOs, sockets, devices, hostile names and very deep trees.

A FIFO opened for reading blocks until a writer comes (cp -R and rsync
without --specials learned to skip them); names are bytes, not text; depth
must cost neither recursion nor one descriptor per level.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import resource
import socket
import stat

import pytest

from ansible_collections.cdn.origin.plugins.module_utils.engine import mirror

from adversarial_support import as_json, attack_after_listing, deadline, entries, nest, skipped, temps, write

HANG_GUARD = 20


def _mirror(*args, **kwargs):
    with deadline(HANG_GUARD):
        return as_json(mirror(*args, **kwargs))


def _special_files(src):
    """Every special file this host lets root create, by the reason the engine should give."""
    made = {'fifo': 'FIFO', 'fifo-link': 'FIFO'}
    os.mkfifo(os.path.join(src, 'fifo'))
    os.symlink('fifo', os.path.join(src, 'fifo-link'))
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(os.path.join(src, 'sock'))
    sock.close()
    made['sock'] = 'socket'
    for name, kind, dev, reason in (('null', stat.S_IFCHR, os.makedev(1, 3), 'character device'),
                                    ('loop', stat.S_IFBLK, os.makedev(7, 0), 'block device')):
        try:
            os.mknod(os.path.join(src, name), kind | 0o600, dev)
            made[name] = reason
        except PermissionError:
            pass
    return made


@pytest.mark.parametrize('options', [{}, {'within': ['{src}']}, {'checksum': True}], ids=['copy', 'link', 'checksum'])
def test_special_files_are_skipped_without_hanging(world, options):
    made = _special_files(world.src)
    write(os.path.join(world.src, 'ok.html'), b'ok')
    options = dict((k, [w.format(src=world.src) for w in v] if k == 'within' else v) for k, v in options.items())
    result = _mirror(world.src, world.dest, **options)
    assert not result.get('failed'), result
    reasons = skipped(result)
    assert set(reasons) == set(made)
    for name, what in made.items():
        assert what in reasons[name], (name, reasons[name])
        assert not os.path.lexists(os.path.join(world.dest, name))
    assert result['summary']['skipped'] == len(made)


def test_fifo_in_dest_is_replaced_not_read(world):
    write(os.path.join(world.src, 'page'), b'page')
    os.makedirs(world.dest)
    os.mkfifo(os.path.join(world.dest, 'page'))
    result = _mirror(world.src, world.dest, checksum=True)
    assert result['changes'] == [{'path': 'page', 'action': 'update'}]
    assert open(os.path.join(world.dest, 'page'), 'rb').read() == b'page'


def _fifo_instead(path):
    os.unlink(path)
    os.mkfifo(path)


@pytest.mark.parametrize('side', ['src', 'dest'])
def test_file_swapped_for_a_fifo_after_the_listing(world, monkeypatch, side):
    """`page` becomes a FIFO, in src or in dest, after its directory was listed and before it is compared."""
    write(os.path.join(world.src, 'a'), b'v1')
    # empty, like a FIFO's size: only reading the contents can tell them apart
    write(os.path.join(world.src, 'page'), b'')
    assert not mirror(world.src, world.dest).get('failed')
    top = world.src if side == 'src' else world.dest
    done = attack_after_listing(monkeypatch, top, lambda: _fifo_instead(os.path.join(top, 'page')))
    # the run takes milliseconds: a short guard keeps a hang cheap
    with deadline(3):
        result = as_json(mirror(world.src, world.dest, checksum=True))
    assert done == [top]
    if side == 'src':
        # seen as the FIFO it now is (skipped), or as the file it was (then its copy fails)
        if result.get('failed'):
            assert [e['path'] for e in result['errors']] == [os.path.join(world.dest, 'page')]
        else:
            assert 'FIFO' in skipped(result)['page'], result
    else:
        assert not result.get('failed'), result
        assert result['changes'] == [{'path': 'page', 'action': 'update'}]
    assert stat.S_ISREG(os.lstat(os.path.join(world.dest, 'page')).st_mode)
    assert temps(world.dest) == []


HOSTILE = [b'caf\xe9.html', b'\xff\xfe\xfd', b'new\nline.html', b'-rf', b'--help', b' lead and trail ',
           b'back\\slash', b'glob*?[x].html', b'x' * 255, b'\xc3\xa9t\xc3\xa9.html', b'tab\there']


@pytest.mark.parametrize('within', [False, True], ids=['copy', 'link'])
def test_hostile_names_round_trip_and_the_result_stays_valid_json(world, within):
    src = os.fsencode(world.src)
    for name in HOSTILE:
        write(os.path.join(src, name), name)
        write(os.path.join(src, b'dir-' + name[:200], name), name)
    os.makedirs(world.dest)
    write(os.path.join(os.fsencode(world.dest), b'y' * 255), b'pruned')
    write(os.path.join(os.fsencode(world.dest), b'stale\n\xff'), b'pruned')
    options = dict(within=[world.src] if within else [], prune=True)
    result = _mirror(world.src, world.dest, **options)
    assert not result.get('failed'), result
    assert sorted(entries(world.dest)) == sorted(entries(world.src))
    for rel in entries(world.src):
        path = os.path.join(os.fsencode(world.dest), rel)
        if os.path.isfile(os.path.join(src, rel)):
            assert open(path, 'rb').read() == os.path.basename(rel)
    assert result['summary']['removed'] == 2
    again = _mirror(world.src, world.dest, **options)
    assert (again['changed'], again['changes']) == (False, [])


def test_a_newline_in_a_name_cannot_forge_a_diff_line(world):
    write(os.path.join(world.src, 'innocent.html\n- remove  index.html'), b'x')
    write(os.path.join(world.src, 'tab\there'), b'x')
    result = _mirror(world.src, world.dest, diff=True)
    lines = result['diff']['prepared'].splitlines()
    assert len(lines) == len(result['changes']) == 3
    assert not any(line.startswith('- remove') for line in lines), lines


def test_thousand_levels_deep_with_few_descriptors(world):
    """1,000 nested directories, mirrored and pruned under a 256-descriptor limit: no recursion, no fd per level."""
    depth = 1000
    rel = '/'.join(['d'] * depth)
    nest(world.src, ['d'] * depth, 'leaf.html')
    os.makedirs(world.dest)
    nest(world.dest, ['junk'] + ['j'] * depth)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (256, hard))
    try:
        result = _mirror(world.src, world.dest, prune=True, directory_mode='0750')
        again = _mirror(world.src, world.dest, prune=True, directory_mode='0750')
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    assert not result.get('failed'), result
    assert result['summary']['directories_created'] == depth
    assert result['summary']['removed'] == depth + 1
    assert os.path.isfile(os.path.join(world.dest, rel, 'leaf.html'))
    assert not os.path.lexists(os.path.join(world.dest, 'junk'))
    assert (again['changed'], again['changes']) == (False, [])


def test_source_deeper_than_path_max_fails_cleanly(world):
    """Past PATH_MAX a path cannot even be named: the run fails naming where, and changes nothing."""
    nest(world.src, ['n' * 200] * 25, 'leaf')
    write(os.path.join(world.src, 'top.html'), b'top')
    os.makedirs(world.dest)
    result = _mirror(world.src, world.dest)
    assert result.get('failed'), result
    assert 'File name too long' in result['msg']
    assert os.listdir(world.dest) == []
