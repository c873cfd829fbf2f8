# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cdn.origin maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Case 10: random trees of files, directories and links, inside and outside `within`.

Each sync runs check mode, a real run and a rerun, and checks that check
mode touched nothing and predicted the real changes exactly, that the rerun
is a no-op, that every dest entry is a link to an allowed real path or a
byte-identical copy, and that nothing outside dest changed.
CI runs a fixed, bounded search; FUZZ=long (make fuzz) a long random one.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import os
import shutil
import stat

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, rule

from ansible_collections.cdn.origin.plugins.module_utils import parallel
from ansible_collections.cdn.origin.plugins.module_utils.engine import mirror
from ansible_collections.cdn.origin.plugins.module_utils.policy import copy_mode

from adversarial_support import SECRET, as_json, fresh_dir, leaks, state, temps, write

NAMES = st.sampled_from([b'a', b'b', b'c.html', b'-x', b'\xff', b'sp ace', b'n\nl'])
TREES = st.sampled_from([b'src', b'src', b'within', b'outside'])
MODES = st.sampled_from([0o644, 0o600, 0o755, 0o4755])


@contextlib.contextmanager
def split_finely():
    """Hand out any two subdirectories to workers, in chunks, streamed in tiny batches: these trees are small."""
    saved = parallel.FANOUT, parallel.MAX_CHUNKS, parallel.BATCH
    parallel.FANOUT, parallel.MAX_CHUNKS, parallel.BATCH = 1, 2, 2
    try:
        yield
    finally:
        parallel.FANOUT, parallel.MAX_CHUNKS, parallel.BATCH = saved


def _inside(path, root):
    return path == root or path.startswith(root.rstrip(b'/') + b'/')


def _walk(top, dirs_only=False):
    """Every path under `top`, top included when listing directories; never following links."""
    found = [top] if dirs_only else []
    for parent, dirs, files in os.walk(top):
        found.extend(os.path.join(parent, n) for n in dirs)
        if not dirs_only:
            found.extend(os.path.join(parent, n) for n in files)
    return sorted(found)


class MirrorMachine(RuleBasedStateMachine):

    def __init__(self):
        super(MirrorMachine, self).__init__()
        self.base = os.fsencode(fresh_dir('cdn-prop-'))
        self.trees = dict((t, os.path.join(self.base, t)) for t in (b'src', b'within', b'outside'))
        for path in self.trees.values():
            os.mkdir(path)
        self.dest = os.path.join(self.base, b'dest')
        write(os.path.join(self.trees[b'outside'], b'secret'), SECRET)
        self.options = dict(within=[os.fsdecode(self.trees[b'within'])], prune=True, force=True)
        self.clock = 10 ** 18

    def teardown(self):
        try:
            self.sync()
        finally:
            shutil.rmtree(self.base)

    def _tick(self, path):
        """A fresh mtime for every edit: two writes within one clock tick would look alike."""
        self.clock += 1000
        os.utime(path, ns=(self.clock, self.clock), follow_symlinks=False)

    # -- building the trees --------------------------------------------------

    @rule(data=st.data(), tree=TREES, name=NAMES, content=st.binary(max_size=32), mode=MODES)
    def add_file(self, data, tree, name, content, mode):
        parent = data.draw(st.sampled_from(_walk(self.trees[tree], dirs_only=True)))
        path = os.path.join(parent, name)
        if not os.path.lexists(path):
            write(path, content, mode=mode)
            self._tick(path)

    @rule(data=st.data(), tree=TREES, name=NAMES)
    def add_dir(self, data, tree, name):
        parent = data.draw(st.sampled_from(_walk(self.trees[tree], dirs_only=True)))
        if not os.path.lexists(os.path.join(parent, name)):
            os.mkdir(os.path.join(parent, name))

    @rule(data=st.data(), tree=st.sampled_from([b'src', b'src', b'within']), name=NAMES,
          goal_kind=st.sampled_from(['entry', 'entry', 'dest', 'dangling', 'self']), relative=st.booleans())
    def add_link(self, data, tree, name, goal_kind, relative):
        parent = data.draw(st.sampled_from(_walk(self.trees[tree], dirs_only=True)))
        path = os.path.join(parent, name)
        if os.path.lexists(path):
            return
        if goal_kind == 'entry':
            candidates = [p for t in (b'src', b'within', b'outside') for p in _walk(self.trees[t], dirs_only=False)]
            goal = data.draw(st.sampled_from(candidates + [self.trees[b'within'], self.trees[b'outside']]))
        else:
            goal = {'dest': self.dest, 'dangling': os.path.join(self.base, b'nowhere'), 'self': path}[goal_kind]
        os.symlink(os.path.relpath(goal, parent) if relative else goal, path)

    @rule(data=st.data(), tree=st.sampled_from([b'src', b'within']), content=st.binary(max_size=32), mode=MODES)
    def edit_file(self, data, tree, content, mode):
        files = [p for p in _walk(self.trees[tree]) if stat.S_ISREG(os.lstat(p).st_mode)]
        if files:
            path = data.draw(st.sampled_from(files))
            write(path, content, mode=mode)
            self._tick(path)

    @rule(data=st.data(), tree=st.sampled_from([b'src', b'within']))
    def remove(self, data, tree):
        paths = _walk(self.trees[tree])
        if paths:
            path = data.draw(st.sampled_from(paths))
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path)
            else:
                os.unlink(path)

    @rule(name=NAMES, kind=st.sampled_from(['file', 'link-out', 'dir']))
    def plant_in_dest(self, name, kind):
        if not os.path.isdir(self.dest):
            return
        path = os.path.join(self.dest, name)
        if os.path.lexists(path):
            return
        if kind == 'file':
            write(path, b'planted')
        elif kind == 'link-out':
            os.symlink(os.path.join(self.trees[b'outside'], b'secret'), path)
        else:
            write(os.path.join(path, b'inner'), b'planted')

    @rule(link_style=st.sampled_from(['absolute', 'relative']), checksum=st.booleans(), force=st.booleans())
    def set_options(self, link_style, checksum, force):
        self.options.update(link_style=link_style, checksum=checksum, force=force)

    # -- the property --------------------------------------------------------

    @rule()
    def sync(self):
        src = os.fsdecode(self.trees[b'src'])
        dest = os.fsdecode(self.dest)
        before = state(self.base)
        check = as_json(mirror(src, dest, check_mode=True, **self.options))
        assert state(self.base) == before, 'check mode changed the disk'
        with split_finely():
            forked = as_json(mirror(src, dest, check_mode=True, workers=2, **self.options))
        assert forked == check, 'planning in worker processes answered differently'
        outside_dest = dict((t, state(p)) for t, p in self.trees.items())
        real = as_json(mirror(src, dest, **self.options))
        assert dict((t, state(p)) for t, p in self.trees.items()) == outside_dest, 'a run changed a source'
        if check.get('failed'):
            assert real.get('failed') and real['msg'] == check['msg'], (check, real)
            assert state(self.base) == before
            return
        assert not real.get('failed'), real
        for key in ('changed', 'summary', 'changes'):
            assert real[key] == check[key], (key, check[key], real[key])
        # the reasons may differ: a link to a dest not made yet dangles in check mode only
        assert [s['path'] for s in real['skipped_entries']] == [s['path'] for s in check['skipped_entries']]
        again = as_json(mirror(src, dest, **self.options))
        assert not again['changed'], again['changes']
        assert [c for c in again['changes'] if c['action'] != 'skip'] == []
        self._dest_is_a_faithful_mirror(real)

    def _dest_is_a_faithful_mirror(self, result):
        src, dest = self.trees[b'src'], self.dest
        within = os.path.realpath(self.trees[b'within'])
        allowed = (os.path.realpath(src), within)
        assert leaks(dest, self.trees[b'outside']) == []
        assert temps(dest) == []
        skipped = set(os.fsencode(s['path']) for s in result['skipped_entries'] if '\\' not in s['path'])
        for path in _walk(dest):
            rel = os.path.relpath(path, dest)
            assert rel not in skipped, rel
            origin = os.path.join(src, rel)
            real = os.path.realpath(origin)
            assert any(_inside(real, root) for root in allowed), (rel, real)
            st_dest = os.lstat(path)
            if stat.S_ISLNK(st_dest.st_mode):
                assert _inside(real, within), (rel, real)
                assert os.path.realpath(path) == real
                if self.options.get('link_style', 'absolute') == 'absolute':
                    assert os.readlink(path) == real
            elif stat.S_ISREG(st_dest.st_mode):
                st_src = os.stat(origin)
                with open(path, 'rb') as f, open(origin, 'rb') as g:
                    assert f.read() == g.read(), rel
                assert stat.S_IMODE(st_dest.st_mode) == copy_mode(st_src.st_mode, None), rel
                if not self.options.get('checksum'):
                    # with checksum, equal bytes are up to date whatever their mtime (by design)
                    assert st_dest.st_mtime_ns == st_src.st_mtime_ns, rel
            else:
                assert stat.S_ISDIR(st_dest.st_mode) and os.path.isdir(origin), rel


TestMirrorMachine = MirrorMachine.TestCase
