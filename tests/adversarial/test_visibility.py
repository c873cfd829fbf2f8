# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cdn.origin maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Case 5: a reader of dest never sees a partial file, a gap, or a file before its final mode.

Mirrors ansible-core CVE-2020-1736 (a file readable with the wrong mode for a
window) and CVE-2020-1733 (a temporary name an attacker plants in advance).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import subprocess
import sys
import time

from ansible_collections.cdn.origin.plugins.module_utils import apply as apply_mod
from ansible_collections.cdn.origin.plugins.module_utils.engine import mirror

from adversarial_support import as_json, link, temps, write

BIG = {b'a': 12 << 20, b'b': 8 << 20}
RUN_SECONDS = 1.5

# Reads dest/big and dest/page.link until told to stop; prints what it saw as JSON.
_POLLER = r'''
import json, os, stat, sys, time
dest, stop, ready, mode, uid, targets = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4], 8), int(sys.argv[5]), sys.argv[6:]
sizes = {ord('a'): 12 << 20, ord('b'): 8 << 20}
seen, bad = {}, []
end = time.monotonic() + 30
while not os.path.exists(stop) and time.monotonic() < end:
    try:
        fd = os.open(os.path.join(dest, 'big'), os.O_RDONLY)
    except FileNotFoundError:
        bad.append('big vanished')
        continue
    try:
        st = os.fstat(fd)
        data = b''
        while True:
            block = os.read(fd, 1 << 22)
            if not block:
                break
            data += block
    finally:
        os.close(fd)
    kind = data[:1]
    if not kind or data.count(kind) != len(data) or sizes.get(kind[0]) != len(data):
        bad.append('partial or mixed big: %d bytes starting %r' % (len(data), data[:8]))
    elif (stat.S_IMODE(st.st_mode), st.st_uid) != (mode, uid):
        bad.append('big visible with mode %o uid %d' % (stat.S_IMODE(st.st_mode), st.st_uid))
    else:
        seen[kind.decode()] = seen.get(kind.decode(), 0) + 1
    try:
        target = os.readlink(os.path.join(dest, 'page.link'))
    except OSError as exc:
        bad.append('page.link: %s' % exc.strerror)
    else:
        if target not in targets:
            bad.append('page.link -> %s' % target)
        else:
            seen[target] = seen.get(target, 0) + 1
    if not os.path.exists(ready):
        # the first round is read: the flips may start
        open(ready, 'w').close()
print(json.dumps({'seen': seen, 'bad': bad[:20]}))
'''


def _set_big(world, byte):
    write(os.path.join(world.src, 'big'), byte * BIG[byte], mode=0o644)


def _set_link(world, which):
    path = os.path.join(world.src, 'page.link')
    if os.path.lexists(path):
        os.unlink(path)
    link(os.path.join(world.within, which), path)


def test_readers_see_old_or_new_complete_entries(world):
    for name in ('x.html', 'y.html'):
        write(os.path.join(world.within, name), name.encode())
    options = dict(within=[world.within], mode='0640', owner=65534)
    _set_big(world, b'a')
    _set_link(world, 'x.html')
    assert not mirror(world.src, world.dest, **options).get('failed')
    stop, ready = os.path.join(world.base, 'stop'), os.path.join(world.base, 'ready')
    poller = subprocess.Popen([sys.executable, '-c', _POLLER, world.dest, stop, ready, '640', '65534',
                               os.path.join(world.within, 'x.html'), os.path.join(world.within, 'y.html')],
                              stdout=subprocess.PIPE)
    results = []
    try:
        # on a loaded machine the poller's start-up alone can outlast RUN_SECONDS: flip once it reads
        started = time.monotonic() + 30
        while not os.path.exists(ready) and poller.poll() is None and time.monotonic() < started:
            time.sleep(0.01)
        end = time.monotonic() + RUN_SECONDS
        while time.monotonic() < end or len(results) < 4:
            flip = (len(results) + 1) % 2
            _set_big(world, b'b' if flip else b'a')
            _set_link(world, 'y.html' if flip else 'x.html')
            results.append(as_json(mirror(world.src, world.dest, **options)))
    finally:
        write(stop)
        out, _err = poller.communicate(timeout=60)
    seen = json.loads(out)
    assert seen['bad'] == []
    # the poller must have watched both versions of both entries, or it proved nothing
    assert len(seen['seen']) == 4, seen
    for result in results:
        assert not result.get('failed'), result
        assert sorted(c['path'] for c in result['changes']) == ['big', 'page.link']
    assert temps(world.dest) == []


def test_planted_temporary_name_is_never_opened(world, monkeypatch):
    """Names an attacker predicted and planted: a link out and a file it keeps open. O_EXCL skips both."""
    write(os.path.join(world.src, 'page'), b'fresh page')
    write(os.path.join(world.within, 'w.html'), b'w')
    link(os.path.join(world.within, 'w.html'), os.path.join(world.src, 'w.html'))
    os.makedirs(world.dest)
    write(os.path.join(world.dest, 'w.html'), b'to be replaced by a link')
    planted = ['.cdn-origin-tmp-%016x' % n for n in range(4)]
    link(os.path.join(world.outside, 'etc', 'passwd'), os.path.join(world.dest, planted[0]))
    spy = write(os.path.join(world.dest, planted[1]), b'', mode=0o666)
    link(os.path.join(world.outside, 'created-through-temp'), os.path.join(world.dest, planted[2]))
    write(os.path.join(world.dest, planted[3]), b'', mode=0o666)
    spy_fd = os.open(spy, os.O_RDONLY)
    queue = list(planted)
    real_temp_name = apply_mod._temp_name
    monkeypatch.setattr(apply_mod, '_temp_name', lambda: queue.pop(0) if queue else real_temp_name())
    try:
        result = as_json(mirror(world.src, world.dest, within=[world.within]))
        assert not result.get('failed'), result
        assert queue == [], 'every planted name was tried'
        assert os.fstat(spy_fd).st_size == 0
    finally:
        os.close(spy_fd)
    with open(os.path.join(world.dest, 'page'), 'rb') as f:
        assert f.read() == b'fresh page'
    assert os.stat(os.path.join(world.dest, 'page')).st_mode & 0o777 != 0o666
    assert os.readlink(os.path.join(world.dest, 'w.html')) == os.path.join(world.within, 'w.html')
    assert not os.path.lexists(os.path.join(world.outside, 'created-through-temp'))
    assert world.outside_untouched()
    # the planted names look like our own leftovers: removed, as stale temporary files are
    assert temps(world.dest) == []
    assert sorted(c['path'] for c in result['changes'] if c['action'] == 'remove') == planted


def test_directories_are_never_wider_open_than_directory_mode(world, monkeypatch):
    """What a reader can see between mkdir and the chmod that follows must not exceed the final mode."""
    write(os.path.join(world.src, 'private', 'deeper', 'page.html'), b'page')
    seen = []
    real_mkdir = os.mkdir

    def mkdir_and_look(path, mode=0o777, dir_fd=None):
        real_mkdir(path, mode, dir_fd=dir_fd)
        seen.append(os.stat(path, dir_fd=dir_fd).st_mode & 0o7777)

    monkeypatch.setattr(apply_mod.os, 'mkdir', mkdir_and_look)
    result = as_json(mirror(world.src, world.dest, directory_mode='0700'))
    assert not result.get('failed'), result
    assert len(seen) == 3
    assert all(mode & ~0o700 == 0 for mode in seen), ['%o' % m for m in seen]
    assert os.stat(os.path.join(world.dest, 'private')).st_mode & 0o7777 == 0o700
