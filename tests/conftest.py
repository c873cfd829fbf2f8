# -*- coding: utf-8 -*-
# Makes `ansible_collections.cdn.origin` importable under plain pytest, so the
# engine is tested without ansible-test (which sets this path up itself).
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import os
import subprocess
import sys

import pytest

try:
    import ansible_collections.cdn.origin  # noqa: F401  pylint: disable=unused-import
except ImportError:
    _REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    _ROOT = os.path.join(_REPO, '.tmp', 'collections')
    _LINK = os.path.join(_ROOT, 'ansible_collections', 'cdn', 'origin')
    if not os.path.islink(_LINK):
        os.makedirs(os.path.dirname(_LINK), exist_ok=True)
        os.symlink(_REPO, _LINK)
    sys.path.insert(0, _ROOT)


@contextlib.contextmanager
def _mounted(args, point):
    """`mount ARGS POINT` for the length of the block (POINT is made first); the test is skipped where that fails."""
    os.makedirs(point, exist_ok=True)
    proc = subprocess.run(['mount'] + args + [point], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False)
    if proc.returncode:
        pytest.skip('cannot mount here (needs root and CAP_SYS_ADMIN): %s' % proc.stdout.decode(errors='replace').strip())
    try:
        yield point
    finally:
        # a lazy unmount when something (a test's leftover descriptor) still holds it
        if subprocess.run(['umount', point], check=False).returncode:
            subprocess.run(['umount', '-l', point], check=True)


@pytest.fixture
def mounted():
    """mounted(args, point): a context manager mounting a file system at `point` (a tmpfs, a bind mount, an image)."""
    return _mounted


def _collections_path():
    import ansible_collections.cdn.origin as collection
    # .../ansible_collections/cdn/origin as imported, links not resolved: the root three levels up
    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(list(collection.__path__)[0]))))


@pytest.fixture
def ansible_playbook():
    """ansible_playbook(playbook, *args): the CompletedProcess (output in stdout) of ansible-playbook, the one
    next to this Python, with this checkout as cdn.origin on an inventory of localhost alone; skips without it."""
    binary = os.path.join(os.path.dirname(sys.executable), 'ansible-playbook')
    if not os.access(binary, os.X_OK):
        pytest.skip('ansible-playbook is not installed next to %s' % sys.executable)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=_collections_path(), ANSIBLE_COLLECTIONS_SCAN_SYS_PATH='false',
               ANSIBLE_NOCOLOR='1', ANSIBLE_RETRY_FILES_ENABLED='false')

    def run(playbook, *args):
        return subprocess.run([binary, '-i', 'localhost,', playbook] + list(args), env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, check=False)
    return run
