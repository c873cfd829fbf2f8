# -*- coding: utf-8 -*-
# Fixtures for engine tests on real temporary trees.
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import os
import stat

import pytest

from ansible_collections.cdn.origin.plugins.module_utils.engine import mirror


def _snapshot(root):
    """rel -> (kind, payload, mode) for everything under root, links not followed."""
    found = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, root)
            st = os.lstat(path)
            if stat.S_ISLNK(st.st_mode):
                found[rel] = ('link', os.readlink(path), None)
            elif stat.S_ISDIR(st.st_mode):
                found[rel] = ('dir', None, stat.S_IMODE(st.st_mode))
            elif stat.S_ISREG(st.st_mode):
                with open(path, 'rb') as f:
                    found[rel] = ('file', f.read(), stat.S_IMODE(st.st_mode))
            else:
                found[rel] = ('special', None, None)
    return found


@pytest.fixture
def snapshot():
    return _snapshot


@pytest.fixture
def site(tmp_path):
    """A typical origin: htdocs originals, a build tree linking to them, modified files of its own."""
    root = tmp_path
    write = _writer(root)
    write('htdocs/index.html', b'<h1>home</h1>')
    write('htdocs/img/a.png', b'A' * 100)
    write('htdocs/img/b.png', b'B' * 200)
    write('build/css/site.css', b'body{}')
    os.symlink('../htdocs/index.html', str(root / 'build/index.html'))
    os.symlink(str(root / 'htdocs/img'), str(root / 'build/img'))
    return root


def _writer(root):
    def write(rel, data=b'x', mtime=None):
        path = os.path.join(str(root), rel)
        parent = os.path.dirname(path)
        if not os.path.isdir(parent):
            os.makedirs(parent)
        with open(path, 'wb') as f:
            f.write(data)
        if mtime is not None:
            os.utime(path, (mtime, mtime))
        return path
    return write


@pytest.fixture
def write(tmp_path):
    return _writer(tmp_path)


@pytest.fixture
def run(tmp_path):
    """mirror() with the site's defaults; keyword arguments override them."""
    def _run(**kwargs):
        # a within that does not exist fails the run: trees without htdocs trust nothing
        within = [str(tmp_path / 'htdocs')] if (tmp_path / 'htdocs').is_dir() else []
        options = dict(src=str(tmp_path / 'build'), dest=str(tmp_path / 'origin'), within=within,
                       fsync=False, diff=True)
        options.update(kwargs)
        return mirror(**options)
    return _run


@pytest.fixture
def unreadable(monkeypatch):
    """unreadable(*paths): opening those directories fails with EACCES, as for a user without read access."""
    def block(*paths):
        real_open = os.open

        def opener(path, *args, **kwargs):
            if path in paths:
                raise PermissionError(errno.EACCES, 'Permission denied', path)
            return real_open(path, *args, **kwargs)
        monkeypatch.setattr(os, 'open', opener)
    return block
