# -*- coding: utf-8 -*-
# dedupe: a later layer's file identical to the earlier layer's original is linked to it instead of copied.
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest

from ansible_collections.cdn.origin.plugins.module_utils import parallel


@pytest.fixture
def layers(tmp_path, write):
    """htdocs (within) holds the originals; modified holds a file per case, at the same relative paths."""
    write('htdocs/css/same.css', b'body{color:red}')
    write('htdocs/css/edited.css', b'body{color:red}')
    write('htdocs/css/longer.css', b'body{}')
    write('htdocs/img/a.png', b'A' * 5000)
    write('modified/css/same.css', b'body{color:red}')
    write('modified/css/edited.css', b'body{color:RED}')
    write('modified/css/longer.css', b'body{margin:0}')
    write('modified/img/a.png', b'A' * 5000)
    write('modified/new.txt', b'only here')
    return tmp_path


def _run(run, tmp_path, **options):
    return run(src=[str(tmp_path / 'htdocs'), str(tmp_path / 'modified')], **options)


def _kinds(dest):
    found = {}
    for dirpath, _dirs, files in os.walk(dest):
        for name in files:
            path = os.path.join(dirpath, name)
            found[os.path.relpath(path, dest)] = os.readlink(path) if os.path.islink(path) else 'copy'
    return found


def test_identical_files_link_to_the_original_the_rest_is_copied(layers, run):
    preview = _run(run, layers, dedupe=True, check_mode=True)
    result = _run(run, layers, dedupe=True)
    assert (preview['changes'], preview['summary'], preview['diff']) == (result['changes'], result['summary'],
                                                                         result['diff'])
    htdocs = str(layers / 'htdocs')
    assert _kinds(str(layers / 'origin')) == {
        'css/same.css': htdocs + '/css/same.css', 'img/a.png': htdocs + '/img/a.png',
        'css/edited.css': 'copy', 'css/longer.css': 'copy', 'new.txt': 'copy'}
    assert result['summary']['deduplicated'] == 2
    assert result['summary']['symlinked'] == 2 and result['summary']['copied'] == 3
    assert ('+ symlink css/same.css -> %s/css/same.css (identical to %s/css/same.css)' % (htdocs, htdocs)
            in result['diff']['prepared'].splitlines())
    again = _run(run, layers, dedupe=True)
    assert not again['changed'] and again['summary']['unchanged'] == 5 and again['summary']['deduplicated'] == 0


def test_without_dedupe_identical_files_are_copied(layers, run):
    result = _run(run, layers)
    assert set(_kinds(str(layers / 'origin')).values()) == {'copy'}
    assert result['summary']['deduplicated'] == 0


def test_an_edit_of_the_later_file_turns_the_link_back_into_a_copy_and_back(layers, run, write):
    _run(run, layers, dedupe=True)
    dest = layers / 'origin'
    # same size, same mtime: only comparing the bytes again tells
    stat = os.stat(str(layers / 'modified/css/same.css'))
    write('modified/css/same.css', b'body{color:RRR}')
    os.utime(str(layers / 'modified/css/same.css'), ns=(stat.st_atime_ns, stat.st_mtime_ns))
    preview = _run(run, layers, dedupe=True, check_mode=True)
    result = _run(run, layers, dedupe=True)
    assert preview['changes'] == result['changes'] == [{'path': 'css/same.css', 'action': 'update'}]
    assert _kinds(str(dest))['css/same.css'] == 'copy'
    with open(str(dest / 'css/same.css'), 'rb') as f:
        assert f.read() == b'body{color:RRR}'
    assert result['summary']['deduplicated'] == 0
    write('modified/css/same.css', b'body{color:red}')
    back = _run(run, layers, dedupe=True)
    assert back['changes'] == [{'path': 'css/same.css', 'action': 'relink'}]
    assert back['summary']['deduplicated'] == 1
    htdocs = str(layers / 'htdocs')
    assert ('~ relink  css/same.css -> %s/css/same.css (identical to %s/css/same.css, replaces a file)'
            % (htdocs, htdocs)) in back['diff']['prepared'].splitlines()


def test_the_nearest_earlier_layer_is_the_original(tmp_path, run, write):
    write('htdocs/page.html', b'v1')
    write('middle/page.html', b'v2')
    write('top/page.html', b'v1')
    result = run(src=[str(tmp_path / d) for d in ('htdocs', 'middle', 'top')], dedupe=True)
    # top overrides middle, which differs: a copy, though the bottom layer holds the same bytes
    assert _kinds(str(tmp_path / 'origin')) == {'page.html': 'copy'}
    assert result['summary']['deduplicated'] == 0


def test_an_original_reached_through_a_link_is_linked_at_its_real_path(tmp_path, run, write):
    """The earlier layer is a build tree linking into htdocs: the link points at the checked real path."""
    write('htdocs/img/logo.png', b'logo')
    os.makedirs(str(tmp_path / 'build'))
    os.symlink('../htdocs/img', str(tmp_path / 'build/img'))
    write('resized/img/logo.png', b'logo')
    write('resized/img/other.png', b'other')
    write('htdocs/index.html', b'home')
    os.symlink('../htdocs/index.html', str(tmp_path / 'build/index.html'))
    write('resized/index.html', b'home')
    result = run(src=[str(tmp_path / 'build'), str(tmp_path / 'resized')], dedupe=True, link_style='relative')
    dest = tmp_path / 'origin'
    assert os.readlink(str(dest / 'index.html')) == '../htdocs/index.html'
    assert os.readlink(str(dest / 'img/logo.png')) == '../../htdocs/img/logo.png'
    assert os.path.realpath(str(dest / 'img/logo.png')) == str(tmp_path / 'htdocs/img/logo.png')
    assert _kinds(str(dest))['img/other.png'] == 'copy'
    assert result['summary']['deduplicated'] == 2
    assert '(identical to %s/img/logo.png)' % (tmp_path / 'htdocs') in result['diff']['prepared']
    # a file link in the earlier layer is named as that layer holds it
    assert '(identical to %s/index.html)' % (tmp_path / 'build') in result['diff']['prepared']


def test_an_original_outside_within_is_not_linked(tmp_path, run, write):
    write('htdocs/keep.txt', b'k')
    write('base/a.txt', b'same')
    write('top/a.txt', b'same')
    result = run(src=[str(tmp_path / 'base'), str(tmp_path / 'top')], dedupe=True)
    assert _kinds(str(tmp_path / 'origin')) == {'a.txt': 'copy'}
    assert result['summary']['deduplicated'] == 0


def test_a_hard_link_of_the_original_is_linked_without_reading(layers, run, monkeypatch):
    os.unlink(str(layers / 'modified/img/a.png'))
    os.link(str(layers / 'htdocs/img/a.png'), str(layers / 'modified/img/a.png'))
    from ansible_collections.cdn.origin.plugins.module_utils import plan
    compared = []
    real = plan._same_content
    monkeypatch.setattr(plan, '_same_content', lambda a, b: compared.append(b) or real(a, b))
    result = _run(run, layers, dedupe=True, workers=1)
    assert result['summary']['deduplicated'] == 2
    # sizes first: the longer file is never read; the same inode needs no read either
    assert sorted(os.path.basename(p) for p in compared) == ['edited.css', 'same.css']


def test_workers_dedupe_exactly_as_one_process(tmp_path, run, write, monkeypatch):
    monkeypatch.setattr(parallel, 'FANOUT', 1)
    monkeypatch.setattr(parallel, 'MAX_CHUNKS', 2)
    monkeypatch.setattr(parallel, 'BATCH', 2)
    for d in ('a', 'b', 'c/d', 'c/e'):
        for n in range(4):
            write('htdocs/%s/f%d' % (d, n), b'original %d' % n)
            write('modified/%s/f%d' % (d, n), b'original %d' % n if n % 2 else b'modified %d' % n)
    run(src=[str(tmp_path / 'htdocs'), str(tmp_path / 'modified')], dedupe=True, workers=1)
    write('modified/a/f1', b'original X')
    write('modified/c/e/f0', b'original 0')
    serial = run(src=[str(tmp_path / 'htdocs'), str(tmp_path / 'modified')], dedupe=True, workers=1,
                 check_mode=True)
    assert serial['summary']['deduplicated'] == 1
    for workers in (2, 3):
        assert run(src=[str(tmp_path / 'htdocs'), str(tmp_path / 'modified')], dedupe=True, workers=workers,
                   check_mode=True) == serial
