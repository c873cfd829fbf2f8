# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cdn.origin maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The planner: sources + dest -> a stream of decisions. It never writes.

The walk holds one sorted directory listing per level and no more, so memory
stays flat however large the tree is, and a listing is its names and a few
bits each, so a wide directory costs little more than its names. Real paths
are derived from the parent directory's real path (known once per directory)
instead of calling `os.path.realpath` per file; only symlinks are resolved,
a component at a time in a loop, and their parent directories' real paths
are cached.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import functools
import itertools
import os
import stat

from ansible_collections.cdn.origin.plugins.module_utils.policy import TEMP_PREFIX, copy_mode, inside, is_temp_name

SYMLINK = 'symlink'
HARDLINK = 'hardlink'
COPY = 'copy'
UPDATE = 'update'
RELINK = 'relink'
REMOVE = 'remove'
MKDIR = 'mkdir'
SKIP = 'skip'
# a link left as it is whose target's content changed since the run the state_file records
REFRESH = 'refresh'

# Listings of link-target directories kept at once: links in one source
# directory usually point into one original directory, so one listing
# answers all of them without a stat call per link.
_TARGET_DIRS_CACHED = 256
# Real paths of directories, for the parents of the ones above.
_REALS_CACHED = 4096
# Names of regular files kept from link-target listings, in all: a larger
# directory is not kept (its links cost an lstat each), so memory stays flat
# however wide it is.
_TARGET_NAMES_CACHED = 1 << 14
# Decisions a level holds at most before the first of its subdirectories:
# past it they are yielded while the level is still being planned, so a
# directory of a million new files streams them instead of holding them.
_LEVEL_CHUNK = 1024
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC
# Links followed while resolving one source link at most, as the kernel allows (ELOOP past it).
_MAX_HOPS = 40
# Below a followed directory link, how many times each real directory may be
# entered through further links (see Planner._enter): a directory shared
# by a few places is mirrored at each, a fan-out of links cannot multiply the
# tree without end.
LINKED_ENTRIES = 8
# The seconds file systems clamp a modification time to (dropping the
# nanoseconds) when it lies beyond what their inodes hold: 32-bit times
# (ext2/3, ext4 with 128-byte inodes, XFS without bigtime), ext4's extra
# bits (2446-05-10), XFS bigtime (2486-07-02); and 1901-12-13 below.
_TIME_MAX = frozenset((2 ** 31 - 1, 15032385535, 16299260415))
_TIME_MIN = frozenset((-2 ** 31,))
_NS = 1000000000
# Where a file of `within` is copied although link_style is hard, the detail
# of its copy says so, starting with this (report.py warns about those).
NOT_HARD_LINKED = 'not hard-linked: '
# What a directory listing tells of an entry without a stat call. A level's
# listings are held as one small int per name (see Planner._merge): 3 bits
# for each source layer, then 3 for dest, instead of a DirEntry per name and
# tree; an _Entry is made for a dest name only while it is planned.
_FILE, _DIR, _LINK, _OTHER = 1, 2, 3, 4
_BITS = 3
_MASK = 7


class Decision:
    """One change for one dest entry; `parent` is None only for the dest root itself."""

    __slots__ = ('action', 'parent', 'name', 'target', 'source', 'expect', 'mode', 'inplace', 'is_dir', 'detail',
                 'repair', 'ids', 'deduped')

    def __init__(self, action, parent, name, target=None, source=None, expect=None, mode=None,
                 inplace=False, is_dir=False, detail='', repair=False, ids=None):
        self.action = action
        self.parent = parent
        self.name = name
        self.target = target
        self.source = source
        # (device, inode) of the source a copy is made from, or a hard link is; None for a symlink
        self.expect = expect
        self.mode = mode
        self.inplace = inplace
        self.is_dir = is_dir
        self.detail = detail
        # a removal that repairs dest (a stale temporary file, a file where a
        # directory goes, an empty directory where a file goes) rather than
        # deleting what it mirrors
        self.repair = repair
        # (uid, gid) a symlink is given before its rename (-1 leaves one alone), None for the process's
        self.ids = ids
        # a link made instead of a copy because the file is an earlier layer's original (dedupe)
        self.deduped = False

    @property
    def deletes(self):
        """Whether this deletes mirrored content (by prune or force): what max_delete counts."""
        return self.action == REMOVE and not self.repair

    @property
    def rel(self):
        if self.parent is None:
            return '.'
        return self.parent + '/' + self.name if self.parent else self.name

    def __repr__(self):
        return 'Decision(%s %r%s)' % (self.action, self.rel, ' ' + self.detail if self.detail else '')


class _Layer:
    """A source directory taking part in the merge at one relative path.

    `fd` is open only while its directory is being planned: links are read
    relative to it, so the kernel resolves one name instead of a whole path.
    `scope` is the relative path of the outermost followed directory link on
    the way here, None when no link was followed.
    """

    __slots__ = ('path', 'real', 'within', 'fd', 'scope')

    def __init__(self, path, real, within, scope=None):
        self.path = path
        self.real = real
        self.within = within
        self.fd = None
        self.scope = scope


class _Entry:
    """The DirEntry subset the decisions use, for one name of a listing held as kinds; it never follows a link."""

    __slots__ = ('name', 'kind', 'fd')

    def __init__(self, name, kind, fd):
        self.name = name
        self.kind = kind
        self.fd = fd

    def is_symlink(self):
        return self.kind == _LINK

    def is_dir(self, follow_symlinks=False):
        return self.kind == _DIR

    def is_file(self, follow_symlinks=False):
        return self.kind == _FILE

    def stat(self, follow_symlinks=False):
        return os.stat(self.name, dir_fd=self.fd, follow_symlinks=False)


def _kind(entry):
    if entry.is_symlink():
        return _LINK
    if entry.is_file(follow_symlinks=False):
        return _FILE
    return _DIR if entry.is_dir(follow_symlinks=False) else _OTHER


class _File:
    """A regular source file; its stat is only taken when a copy needs it.

    `identical` is set on an earlier layer's original that a later layer's
    file is linked to instead of copied (dedupe): the original as named.
    """

    __slots__ = ('real', 'within', '_entry', '_st', 'identical')

    def __init__(self, real, within, entry=None, st=None):
        self.real = real
        self.within = within
        self._entry = entry
        self._st = st
        self.identical = None

    def stat(self):
        if self._st is None:
            self._st = os.lstat(self.real) if self._entry is None else _named_stat(self._entry, self.real)
        return self._st


class _TargetDir:
    """A directory that source links point into: its real path (as a prefix), regular files and containment.

    `via` is the first path inside dest met while resolving it (see Planner._walk), or None.
    """

    __slots__ = ('prefix', 'files', 'within', 'allowed', 'via', 'followed')

    def __init__(self, real, via, files, cfg):
        self.prefix = _child_real(real, '')
        self.files = files
        self.within = cfg.within.contains(real)
        self.allowed = cfg.allowed.contains(real)
        self.via = via
        # whether links to its files may be followed: _refused's answer, the same for every file here
        self.followed = via is None and self.allowed

    def holds(self, name):
        """Whether `name` is a regular file here, for a directory too large to keep its listing: one lstat."""
        try:
            return stat.S_ISREG(os.lstat(self.prefix + name).st_mode)
        except OSError:
            return False


class _LstatEntry:
    """The DirEntry subset the decisions use, for a path found by lstat (single-file mode)."""

    def __init__(self, name, st):
        self.name = name
        self._st = st

    def is_symlink(self):
        return stat.S_ISLNK(self._st.st_mode)

    def is_dir(self, follow_symlinks=True):
        return stat.S_ISDIR(self._st.st_mode)

    def is_file(self, follow_symlinks=True):
        return stat.S_ISREG(self._st.st_mode)

    def stat(self, follow_symlinks=True):
        return self._st


def _join(parent, name):
    return parent + '/' + name if parent else name


def _child_real(real, name):
    return real + name if real.endswith('/') else real + '/' + name


def _describe(mode):
    for test, what in ((stat.S_ISFIFO, 'a FIFO'), (stat.S_ISSOCK, 'a socket'), (stat.S_ISCHR, 'a character device'),
                       (stat.S_ISBLK, 'a block device')):
        if test(mode):
            return what
    return 'not a regular file, directory or symlink'


class Planner:
    """Walks the merged sources and dest and yields Decisions.

    `entries()` covers every source path; `removals()` yields what `prune`
    deletes and is only asked for when everything before it went well.
    Counters and problems are collected on the instance: `unchanged`,
    `dest_entries` (the dest entries listed, which a max_delete percentage
    is taken of), `errors` [(path, message)] and `conflicts` [rel].
    """

    def __init__(self, cfg):
        self.cfg = cfg
        self.unchanged = 0
        self.dest_entries = 0
        self.errors = []
        self.conflicts = []
        self._prune = []
        self._active = set()
        self._heads = {}
        self._reals = {}
        self._rel = ''
        self._entered = {}
        self._target_names = 0
        self._created_dev = (None, None)
        self._dest_parent = os.path.split(cfg.dest_real)
        # the state_file's side (see state.py): the old record of the level being planned, its new lines
        self.state = cfg.state.walk() if cfg.state is not None else None
        self.pending = []
        self._old = self._new = self._found = None
        self._same = 0
        # what _symlink can tell once for the run: whether a link's target is other than its file's real path, and
        # whether links get ids of their own (_link_ids)
        self._rewritten = cfg.given is not None or cfg.link_style == 'relative'
        self._plain_ids = cfg.link_owner != 'target' and cfg.uid is None and cfg.gid is None

    # -- the walk ---------------------------------------------------------

    def entries(self):
        if self.cfg.single:
            return self._single()
        return self._tree()

    def start(self):
        """Where the walk begins: the dest root's mkdir when it is missing, then the root as a task.

        A task is (rel, layers, dest_exists, ancestors): a directory to plan,
        with the real paths of the source directories above it, so that a
        link looping back to one of them is refused wherever it is planned.
        """
        cfg = self.cfg
        if cfg.dest_exists:
            first = self._dir_attrs(None, '.', cfg.dest_real, None)
        else:
            first = [Decision(MKDIR, None, '.', mode=dir_mode(self.cfg), is_dir=True)]
        layers = [_Layer(path, real, cfg.within.contains(real)) for path, real in cfg.sources]
        return first + [('', layers, cfg.dest_exists, ())]

    def _tree(self):
        for item in self.start():
            if isinstance(item, Decision):
                yield item
            else:
                yield from self.subtree(item)

    def subtree(self, task):
        """Every decision for the directory `task` names and everything below it, in walk order."""
        rel, layers, dest_exists, ancestors = task
        self._active = set(ancestors)
        stack = [self._directory(rel, layers, dest_exists)]
        state = self.state
        while stack:
            item = next(stack[-1], None)
            if state is not None and state.blocks:
                state.flush()
            if item is None:
                stack.pop()
            elif isinstance(item, Decision):
                yield item
            else:
                stack.append(self._directory(*item))

    def level(self, task):
        """The decisions of one directory alone, its subdirectories returned as tasks to plan apart."""
        rel, layers, dest_exists, ancestors = task
        self._active = set(ancestors)
        inner = ancestors + tuple(layer.real for layer in layers)
        return [item if isinstance(item, Decision) else item + (inner,)
                for item in self._directory(rel, layers, dest_exists)]

    def take_notes(self):
        """Hand over (and forget) the errors, conflicts, prune roots, entries kept for their grace and record
        blocks found so far."""
        notes = (self.errors[:], self.conflicts[:], self._prune[:], self.pending[:],
                 self.state.take() if self.state is not None else [])
        for kept in (self.errors, self.conflicts, self._prune, self.pending):
            del kept[:]
        return notes

    def add_notes(self, notes):
        for kept, more in zip((self.errors, self.conflicts, self._prune, self.pending), notes):
            kept.extend(more)
        if self.state is not None:
            self.state.put(notes[4])

    def _directory(self, rel, layers, dest_exists):
        """One directory level: yields Decisions, and (rel, layers, dest_exists) to descend.

        The level is planned whole, with its directories open, before any
        subdirectory is yielded: no descriptor stays open below it, however
        deep the tree.
        """
        reals = [layer.real for layer in layers]
        self._active.update(reals)
        try:
            yield from self._plan_level(rel, layers, dest_exists)
        finally:
            self._active.difference_update(reals)

    def _plan_level(self, rel, layers, dest_exists):
        """The level's decisions before its first subdirectory may stream out with its directories open
        (see _LEVEL_CHUNK); the rest comes once they are closed, so nothing below is planned meanwhile."""
        dest_fd = None
        try:
            merged = self._merge(layers)
            if dest_exists:
                dest_fd = self._scan_dest(rel, layers, merged)
            items = yield from self._plan_entries(rel, layers, merged, dest_fd)
        finally:
            for layer in layers:
                if layer.fd is not None:
                    os.close(layer.fd)
                    layer.fd = None
            if dest_fd is not None:
                os.close(dest_fd)
        yield from items

    def _plan_entries(self, rel, layers, merged, dest_fd):
        """Plan one level: yields decisions early (see _plan_level), returns the ones held."""
        items = []
        add = items.append
        chunk = _LEVEL_CHUNK
        self._rel = rel
        excluded = self.cfg.excluded
        only_in_dest = []
        dest_bits = len(layers) * _BITS
        sources = (1 << dest_bits) - 1
        # most trees have one layer: resolved here, without a call per name
        single = layers[0] if len(layers) == 1 else None
        self._record_level(rel)
        for name in sorted(merged):
            code = merged[name]
            if not code & sources:
                only_in_dest.append(name)
                continue
            if excluded is not None and excluded(_join(rel, name), name, functools.partial(_source_is_dir, layers, code, name)):
                continue
            de = _Entry(name, code >> dest_bits, dest_fd) if code > sources else None
            if name.startswith(TEMP_PREFIX) and is_temp_name(name):
                kind, source = 'skip', 'the name is reserved for temporary files'
            elif single is not None:
                kind, source = self._resolve(single, name, code & _MASK)
                if kind == 'dir':
                    source = [source]
            else:
                kind, source = self._resolve_chain(layers, code, name)
            if kind == 'file':
                decisions = self._file(rel, name, source, de, dest_fd)
                if decisions:
                    if source.identical is not None:
                        _mark_identical(decisions[-1], source.identical)
                    items.extend(decisions)
            elif kind == 'dir':
                chunk = None
                items.extend(self._dir(rel, name, source, de))
            else:
                add(Decision(SKIP, rel, name, detail=source))
                if de is not None and self.cfg.prune:
                    # whatever dest holds under this name (an older mirror, a planted link)
                    # mirrors nothing any more
                    self._prune_root(rel, name, de.is_dir(follow_symlinks=False))
            if chunk is not None and len(items) >= chunk:
                yield from items
                del items[:]
        for name in only_in_dest:
            de = _Entry(name, merged[name] >> dest_bits, dest_fd)
            if is_temp_name(name) and not de.is_dir(follow_symlinks=False):
                add(Decision(REMOVE, rel, name, detail='stale temporary file', repair=True))
            elif self.cfg.prune and (excluded is None or not excluded(_join(rel, name), name, de.is_dir())):
                self._prune_root(rel, name, de.is_dir(follow_symlinks=False))
        self._recorded(rel)
        return items

    # -- the served-tree record (state_file) -------------------------------

    def _record_level(self, rel):
        if self.state is not None:
            self._old, self._new = self.state.record.level(rel), []
            # where the old block lies, and how many of its lines this level keeps as they are
            self._found, self._same = self.state.record.found, 0

    def _recorded(self, rel):
        if self._new:
            if self._same == len(self._new) == len(self._old) and self._found is not None:
                self.state.emit_same(rel, self._found)
            else:
                self.state.emit(rel, self._new)
        self._old = self._new = None

    def _prune_root(self, rel, name, is_dir):
        """An entry of dest that mirrors nothing any more: pruned, or kept while its prune_grace lasts."""
        state = self.state
        if state is None or not state.grace:
            self._prune.append((rel, name, is_dir))
            return
        since = state.absent_since(self._old.get(name))
        if state.now - since >= state.grace:
            self._prune.append((rel, name, is_dir))
            return
        self.pending.append((_join(rel, name), since))
        line = state.absent_line(since)
        # the name is escaped only if the block is written (see Walk.emit): most levels are the old record's
        self._new.append((name, line))
        if self._old.get(name) == line:
            self._same += 1

    def _served(self, parent, name, kind, target, src, de, decisions):
        """Record the link `name` made or kept (decisions None); a kept one whose target's content changed
        since the record is refreshed. A link that cannot be made (a conflict) is not recorded."""
        new = self._new
        if new is None or decisions is None and de.is_dir(follow_symlinks=False):
            return decisions
        try:
            st = src.stat()
        except OSError:
            return decisions
        line = self.state.link_line(kind, target, st)
        new.append((name, line))
        old = self._old.get(name)
        if old == line:
            self._same += 1
            return decisions
        # only a link recorded as one tells what it served (an entry back from its grace does not)
        if decisions is not None or old is None or not old.startswith(line[:2]):
            return decisions
        self.unchanged -= 1
        return [Decision(REFRESH, parent, name, target=target, source=src.real,
                         expect=None if kind == 'l' else (st.st_dev, st.st_ino),
                         detail=self.state.differences(old, line))]

    def _merge(self, layers):
        """name -> the kinds of its entries (see _Entry): layer i's at bit 3i, dest's (added by _scan_dest) above."""
        merged = {}
        for index, layer in enumerate(layers):
            bits = index * _BITS
            try:
                layer.fd = os.open(layer.path, _DIR_FLAGS)
                with os.scandir(layer.fd) as it:
                    # a comprehension for the first layer, the only one of most trees: the walk's hottest loop
                    if merged:
                        get = merged.get
                        for entry in it:
                            merged[entry.name] = get(entry.name, 0) | _kind(entry) << bits
                    else:
                        # links inline: most entries of a release tree are
                        merged = {entry.name: _LINK if entry.is_symlink() else _kind(entry) for entry in it}
            except OSError as exc:
                self._error(layer.path, exc)
            if layer.real == self._dest_parent[0]:
                # reached through a followed link: dest is listed (and skipped) whether this run has made it yet or not
                name = self._dest_parent[1]
                merged[name] = merged.get(name, 0) | _DIR << bits
        return merged

    def _scan_dest(self, rel, layers, merged):
        """Add dest's kinds to `merged`; returns dest's descriptor, for readlink and stat."""
        path = self._dest_path(rel)
        fd = None
        try:
            # below the root, dest directories are real ones: never follow a link planted since
            fd = os.open(path, _DIR_FLAGS | os.O_NOFOLLOW)
            get = merged.get
            bits = len(layers) * _BITS
            listed = 0
            with os.scandir(fd) as it:
                # a name already there keeps its string: one copy of it for both trees
                for entry in it:
                    name = entry.name
                    merged[name] = get(name, 0) | (_LINK if entry.is_symlink() else _kind(entry)) << bits
                    listed += 1
            self.dest_entries += listed
        except OSError as exc:
            self._error(path, exc)
        return fd

    def _dest_path(self, rel):
        return os.path.join(self.cfg.dest_real, rel) if rel else self.cfg.dest_real

    # -- sources -----------------------------------------------------------

    def _resolve_chain(self, layers, code, name):
        """The winning (last) layer's entry; for a directory, every layer's directory behind it."""
        dirs = []
        for index in range(len(layers) - 1, -1, -1):
            kind = code >> index * _BITS & _MASK
            if not kind:
                continue
            layer = layers[index]
            found, source = self._resolve(layer, name, kind)
            if found != 'dir':
                if dirs:
                    break
                if found == 'file' and self.cfg.dedupe and not source.within:
                    source = self._original(layers, code, index, name, source)
                return found, source
            dirs.append(source)
        dirs.reverse()
        return 'dir', dirs

    def _original(self, layers, code, top, name, src):
        """The file `src` overrides, when it lies inside within and holds the same bytes; else `src` (dedupe).

        The original is the entry at the same relative path in the nearest
        earlier layer holding one, resolved and checked as any source entry
        (a link in that layer is followed and its containment checked). The
        bytes are compared on every run whose sizes match: a later edit of
        `src` that keeps its size must turn the link back into a copy, and
        nothing in a link tells when `src` last matched.
        """
        for index in range(top - 1, -1, -1):
            kind = code >> index * _BITS & _MASK
            if kind:
                break
        else:
            return src
        layer = layers[index]
        found, original = self._resolve(layer, name, kind)
        if found != 'file' or not original.within or not _identical(src, original):
            return src
        original.identical = _child_real(layer.path, name)
        return original

    def _resolve(self, layer, name, kind):
        """('file', _File) | ('dir', _Layer) | ('skip', reason) for one source entry."""
        try:
            if kind == _LINK:
                return self._follow(layer, name)
            if kind == _FILE:
                return 'file', _File(_child_real(layer.real, name), layer.within, entry=_Entry(name, kind, layer.fd))
            if kind == _DIR:
                real = _child_real(layer.real, name)
                if real == self.cfg.dest_real:
                    # reached through a followed link to a directory holding dest: never mirror dest into itself
                    return 'skip', 'this directory is dest itself (%s)' % real
                if layer.scope is not None and real in self._active:
                    # below a link to a parent (see _classify): where the cycle closes; without a followed link
                    # above, a directory met twice is a layer nested in another, not a cycle
                    return 'skip', 'symlink loop back to %s' % real
                return 'dir', _Layer(_child_real(layer.path, name), real,
                                     layer.within or self.cfg.within.contains(real), layer.scope)
            return 'skip', _describe(os.stat(name, dir_fd=layer.fd, follow_symlinks=False).st_mode)
        except OSError as exc:
            return 'skip', 'cannot be read: %s' % (exc.strerror or exc)

    def _follow(self, layer, name):
        """Resolve a source symlink and decide whether it may be followed at all."""
        target = os.readlink(name, dir_fd=layer.fd)
        joined = target if target.startswith('/') else _child_real(layer.real, target)
        cut = joined.rfind('/')
        tail = joined[cut + 1:]
        head = joined[:cut] or '/'
        if tail and tail != '.' and tail != '..':
            where = self._heads.get(head) or self._target_dir(head)
            files = where.files
            if (tail in files) if files is not None else where.holds(tail):
                real = where.prefix + tail
                if real not in self.cfg.root_reals:
                    # the directory's containment is the file's, roots themselves aside
                    if where.followed:
                        return 'file', _File(real, where.within)
                    return 'skip', _refused(real, where.via, where.allowed)
        try:
            real, st, via = self._walk(tail, *self._real_dir(head))
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                return 'skip', 'symlink loop (%s)' % joined
            return 'skip', 'dangling symlink (%s): %s' % (joined, exc.strerror)
        refused = _refused(real, via, self.cfg.allowed.contains(real))
        if refused:
            return 'skip', refused
        return self._classify(layer, name, real, st)

    def _target_dir(self, head):
        """List a directory links point into, for `_follow` to look up (it checks the cache first)."""
        if len(self._heads) >= _TARGET_DIRS_CACHED or self._target_names >= _TARGET_NAMES_CACHED:
            self._heads.clear()
            self._target_names = 0
        files = frozenset()
        try:
            real, via = self._real_dir(head)
            if via is None:
                files = _regular_files(real)
        except OSError:
            # a missing directory: `_follow` finds nothing here and says why
            real, via = head, None
        self._target_names += len(files or ())
        where = self._heads[head] = _TargetDir(real, via, files, self.cfg)
        return where

    def _real_dir(self, path):
        """(real path, via) of a directory, as `_walk` finds them, in one lstat instead of one per component.

        The directories met on the way are cached; the ones not yet known are
        climbed in a loop, not by recursion, however deep the path.
        """
        known = self._reals.get(path)
        if known is not None:
            return known
        below = []
        while True:
            parent, _sep, last = path.rpartition('/')
            try:
                plain = parent and last not in ('', '.', '..') and not stat.S_ISLNK(os.lstat(path).st_mode)
            except OSError:
                plain = False
            if not plain:
                real, _st, via = self._walk(path, '/', None)
                self._remember(path, (real, via))
                break
            below.append((path, last))
            path = parent
            known = self._reals.get(path)
            if known is not None:
                real, via = known
                break
        in_dest = self.cfg.dest_roots.contains
        while below:
            path, last = below.pop()
            real = _child_real(real, last)
            if via is None and in_dest(real):
                via = real
            self._remember(path, (real, via))
        return real, via

    def _remember(self, path, known):
        if len(self._reals) >= _REALS_CACHED:
            self._reals.clear()
        self._reals[path] = known

    def _walk(self, rest, real, via):
        """Resolve `rest`, a path relative to the real directory `real`, as the kernel does.

        A component and a link at a time, in a loop (no recursion, whatever
        the source holds), at most _MAX_HOPS links. Returns (real path, its
        lstat, via): `via` is the first path inside dest met on the way, where
        the walk stops (lstat None). A link is refused when any step of its
        resolution enters dest, not only its end: what dest holds (the
        module's own links) changes from run to run, and so would the answer.
        The path returned then is `via` and the rest as written, nothing in
        dest looked at: the same in check mode and in a run that has created
        part of dest by the time it gets here.
        """
        if via is not None:
            return _lexical(real, rest.split('/')), None, via
        in_dest = self.cfg.dest_roots.contains
        pending = rest.split('/')
        pending.reverse()
        st = None
        hops = 0
        while pending:
            part = pending.pop()
            if not part or part == '.':
                continue
            if part == '..':
                real = real.rpartition('/')[0] or '/'
                st = None
                continue
            here = _child_real(real, part)
            if in_dest(here):
                pending.reverse()
                return _lexical(here, pending), None, here
            st = os.lstat(here)
            if not stat.S_ISLNK(st.st_mode):
                real = here
                continue
            hops += 1
            if hops > _MAX_HOPS:
                raise OSError(errno.ELOOP, os.strerror(errno.ELOOP), here)
            target = os.readlink(here)
            if target.startswith('/'):
                real = '/'
            more = target.split('/')
            more.reverse()
            pending.extend(more)
            st = None
        if st is None:
            st = os.lstat(real)
        return real, st, None

    def _classify(self, layer, name, real, st):
        """What a followed link leads to, its containment already checked."""
        cfg = self.cfg
        if stat.S_ISREG(st.st_mode):
            return 'file', _File(real, cfg.within.contains(real), st=st)
        if stat.S_ISDIR(st.st_mode):
            # as cp -RL and du -L do, a link is refused where the cycle closes (a directory on the walk's
            # chain): a link to a parent further up is descended, and its content down to there mirrored once
            if real in self._active:
                return 'skip', 'symlink loop back to %s' % real
            return self._enter(layer, name, real)
        return 'skip', 'symlink to %s (%s)' % (_describe(st.st_mode), real)

    def _enter(self, layer, name, real):
        """A followed directory link, unless it fans out.

        Below the outermost followed directory link on the way from the root
        (its scope), each real directory is entered through links at most
        LINKED_ENTRIES times, counted in walk order. The count depends only on
        the entries inside that one link's subtree, which one process always
        plans whole (parallel.py never splits it), so serial, forked and
        check-mode runs decide alike. Links in the source trees themselves
        (no followed link above them) are not counted: there are only as many
        as the source has entries.
        """
        scope = layer.scope
        if scope is None:
            scope = _join(self._rel, name)
        else:
            key = (scope, real)
            seen = self._entered.get(key, 0)
            if seen >= LINKED_ENTRIES:
                return 'skip', ('symlink fan-out: %s is already entered %d times through links below %s'
                                % (real, seen, scope))
            self._entered[key] = seen + 1
        return 'dir', _Layer(real, real, self.cfg.within.contains(real), scope)

    # -- decisions ---------------------------------------------------------

    def _file(self, parent, name, src, de, dest_fd):
        """The decisions for one source file: None when the dest entry is already right."""
        cfg = self.cfg
        unlinked = ''
        if src.within and cfg.symlinks and cfg.link_style == 'hard':
            unlinked = self._hard_refusal(src, parent, dest_fd)
            if not unlinked:
                return self._hard_link(parent, name, src, de)
        elif src.within and cfg.symlinks:
            return self._symlink(parent, name, src, de, dest_fd)
        st = src.stat()
        mode = copy_mode(st.st_mode, cfg.mode)
        expect = (st.st_dev, st.st_ino)
        if de is None:
            return [Decision(COPY, parent, name, source=src.real, expect=expect, mode=mode, detail=unlinked)]
        if de.is_file(follow_symlinks=False):
            dest_path = os.path.join(self._dest_path(parent), name)
            dst = _named_stat(de, dest_path)
            what = self._content_differs(src, st, dest_path, dst)
            if what:
                return [Decision(UPDATE, parent, name, source=src.real, expect=expect, mode=mode,
                                 detail=_also(what, unlinked))]
            attrs = self._attrs_differ(dst, mode)
            if not attrs:
                self.unchanged += 1
                return None
            if dst.st_nlink == 1:
                return [Decision(UPDATE, parent, name, expect=(dst.st_dev, dst.st_ino), mode=mode, inplace=True,
                                 detail=attrs)]
            # never chmod in place a file that also lives elsewhere
            return [Decision(UPDATE, parent, name, source=src.real, expect=expect, mode=mode,
                             detail=_also(attrs + ', hard link', unlinked))]
        if de.is_dir(follow_symlinks=False):
            return self._instead_of_dir(parent, name, Decision(COPY, parent, name, source=src.real, expect=expect,
                                                               mode=mode, detail=unlinked))
        return [Decision(UPDATE, parent, name, source=src.real, expect=expect, mode=mode,
                         detail=_also('replaces a symlink' if de.is_symlink() else 'replaces a special file', unlinked))]

    def _symlink(self, parent, name, src, de, dest_fd):
        """The decisions for a symlink to the file `src` of within: None when the dest entry is already right."""
        target = self._link_target(parent, src.real) if self._rewritten else src.real
        current = os.readlink(de.name, dir_fd=dest_fd) if de is not None and de.is_symlink() else None
        if current == target and self._new is None and self._plain_ids:
            # most links of a rerun: the same target, nothing to check or record about it
            self.unchanged += 1
            return None
        decisions = self._symlink_decisions(parent, name, src, de, current, target)
        return self._served(parent, name, 'l', target, src, de, decisions)

    def _symlink_decisions(self, parent, name, src, de, current, target):
        ids = self._link_ids(src)
        if de is None:
            return [Decision(SYMLINK, parent, name, target=target, source=src.real, ids=ids)]
        if current is not None:
            if current != target:
                return [Decision(RELINK, parent, name, target=target, source=src.real, detail='was -> %s' % current,
                                 ids=ids)]
            attrs = '' if ids is None else _ids_differ(_named_stat(de, self._dest_path(_join(parent, name))), ids)
            if not attrs:
                self.unchanged += 1
                return None
            # replaced by a link owned right, as a new one is made: never a moment without the link
            return [Decision(UPDATE, parent, name, target=target, source=src.real, detail=attrs, ids=ids)]
        if de.is_dir(follow_symlinks=False):
            return self._instead_of_dir(parent, name, Decision(SYMLINK, parent, name, target=target,
                                                               source=src.real, ids=ids))
        return [Decision(RELINK, parent, name, target=target, source=src.real, detail='replaces a file', ids=ids)]

    def _link_target(self, parent, real):
        """What a symlink to the file `real` of within holds: its real path, or (link_target given) its path
        through the within root as the operator wrote it; made relative to the link's directory for relative."""
        cfg = self.cfg
        target = real
        if cfg.given is not None:
            for prefix, given in cfg.given:
                if real.startswith(prefix):
                    target = _child_real(given, real[len(prefix):])
                    break
        if cfg.link_style == 'relative':
            target = os.path.relpath(target, self._dest_path(parent))
        return target

    def _link_ids(self, src):
        """(uid, gid) for a symlink to `src` (-1: left alone), or None when links keep the process's."""
        cfg = self.cfg
        if cfg.link_owner == 'target':
            st = src.stat()
            return st.st_uid, st.st_gid
        if cfg.uid is None and cfg.gid is None:
            return None
        return (-1 if cfg.uid is None else cfg.uid), (-1 if cfg.gid is None else cfg.gid)

    def _hard_refusal(self, src, parent, dest_fd):
        """Why the file `src` of within cannot be hard-linked into the dest directory `parent`, or ''."""
        cfg = self.cfg
        st = src.stat()
        if st.st_dev != self._dest_dev(parent, dest_fd):
            return NOT_HARD_LINKED + 'on another file system than dest, copied'
        if not cfg.hard_roots.contains(src.real):
            return NOT_HARD_LINKED + 'under another mount than dest, copied'
        if cfg.protected_hardlinks and st.st_uid != cfg.euid:
            return NOT_HARD_LINKED + 'fs.protected_hardlinks and the file is not owned by this user, copied'
        return ''

    def _dest_dev(self, parent, dest_fd):
        """The device of dest directory `parent` (open as `dest_fd`), or of the closest one that exists, for one
        this run creates: it is made on its parent's."""
        if dest_fd is not None:
            return os.fstat(dest_fd).st_dev
        if self._created_dev[0] != parent:
            path = self._dest_path(parent)
            while not os.path.lexists(path):
                path = os.path.dirname(path)
            self._created_dev = (parent, os.lstat(path).st_dev)
        return self._created_dev[1]

    def _hard_link(self, parent, name, src, de):
        """The decisions for a hard link to the file `src` of within: None when dest already is that inode."""
        return self._served(parent, name, 'h', src.real, src, de, self._hard_link_decisions(parent, name, src, de))

    def _hard_link_decisions(self, parent, name, src, de):
        st = src.stat()
        expect = (st.st_dev, st.st_ino)
        link = Decision(HARDLINK, parent, name, target=src.real, source=src.real, expect=expect)
        if de is None:
            return [link]
        if de.is_dir(follow_symlinks=False):
            return self._instead_of_dir(parent, name, link)
        if de.is_file(follow_symlinks=False):
            dst = _named_stat(de, self._dest_path(_join(parent, name)))
            if (dst.st_dev, dst.st_ino) == expect:
                self.unchanged += 1
                return None
            detail = 'replaces another file'
        else:
            detail = 'replaces a symlink' if de.is_symlink() else 'replaces a special file'
        return [Decision(RELINK, parent, name, target=src.real, source=src.real, expect=expect, detail=detail)]

    def _content_differs(self, src, st, dest_path, dst):
        if dst.st_size != st.st_size:
            return 'size'
        if self.cfg.checksum:
            return '' if _same_content(src.real, dest_path) else 'checksum'
        if dst.st_mtime_ns == st.st_mtime_ns or _stored_as(st.st_mtime_ns, dst.st_mtime_ns):
            return ''
        return 'mtime'

    def _attrs_differ(self, dst, mode):
        cfg = self.cfg
        what = []
        if mode is not None and stat.S_IMODE(dst.st_mode) != mode:
            what.append('perms')
        if cfg.uid is not None and dst.st_uid != cfg.uid:
            what.append('owner')
        if cfg.gid is not None and dst.st_gid != cfg.gid:
            what.append('group')
        return ', '.join(what)

    def _dir(self, parent, name, layers, de):
        child = _join(parent, name)
        if de is not None and de.is_dir(follow_symlinks=False):
            yield from self._dir_attrs(parent, name, os.path.join(self._dest_path(parent), name), de)
            yield (child, layers, True)
            return
        if de is not None:
            yield Decision(REMOVE, parent, name, detail='replaced by a directory', repair=True)
        yield Decision(MKDIR, parent, name, mode=dir_mode(self.cfg), is_dir=True)
        yield (child, layers, False)

    def _dir_attrs(self, parent, name, path, de):
        """[an in-place update] for an existing dest directory whose mode, owner or group is not the configured one, or [].

        A run killed between a mkdir and its chown or chmod, or a chmod by
        hand, would otherwise leave the directory wrong on every later run.
        """
        cfg = self.cfg
        mode = dir_mode(self.cfg)
        if mode is None and cfg.uid is None and cfg.gid is None:
            return []
        st = _named_stat(de, path) if de is not None else os.lstat(path)
        what = self._attrs_differ(st, mode)
        if not what:
            return []
        return [Decision(UPDATE, parent, name, expect=(st.st_dev, st.st_ino), mode=mode, inplace=True, is_dir=True,
                         detail=what)]

    def _instead_of_dir(self, parent, name, decision):
        """A directory where a file or link must go: its removals then `decision`, or a conflict.

        An empty directory loses nothing and goes without `force`, and so does
        one that `prune` would empty anyway: its removals are prune's, which
        keeps what the excludes match (then the directory stays a conflict).
        """
        cfg = self.cfg
        child = _join(parent, name)
        held = self._list_dest(child)
        if held and not cfg.force and not cfg.prune:
            self.conflicts.append(child)
            return None
        if self._crosses_mount(parent, name, replace=True, contents=bool(held)):
            return None
        # _remove_tree lists it again: its entries count once in dest_entries
        self.dest_entries -= len(held)
        removals = list(self._remove_tree(parent, name, keep=None if cfg.force else cfg.excluded))
        if not removals or removals[-1].rel != child:
            self.conflicts.append(child)
            return None
        if not held:
            # the directory alone: an empty one, as a file replaced by a directory, loses nothing
            removals[0].repair = True
        return removals + [decision]

    # -- removals ----------------------------------------------------------

    def removals(self):
        for parent, name, is_dir in self._prune:
            if self._crosses_mount(parent, name, replace=False, contents=True):
                continue
            if is_dir:
                yield from self._remove_tree(parent, name, keep=self.cfg.excluded)
            elif not self._is_mount(parent, name):
                yield Decision(REMOVE, parent, name)

    def _crosses_mount(self, parent, name, replace, contents):
        """Whether dest/parent/name must stay for a file system mounted inside dest; the run then fails naming it.

        A mount point cannot be removed, so neither it nor a directory holding
        one can make way for a file or a link (`replace`); what a mounted file
        system holds (`contents`) is removed only with prune_mounts, the mount
        point itself never. Mount points further down are checked as the
        removal walk meets them, after the excludes.
        """
        cfg = self.cfg
        if not cfg.mounts:
            return False
        path = os.path.join(self._dest_path(parent), name)
        for point in cfg.mounts.reals:
            if replace and inside(point, path):
                why = 'a file system is mounted here: it cannot make way for a file or link'
            elif contents and not cfg.prune_mounts and inside(path, point):
                why = 'a file system is mounted here: prune and force remove nothing on it (prune_mounts: true allows it)'
            else:
                continue
            if (point, why) not in self.errors:
                self.errors.append((point, why))
            return True
        return False

    def _is_mount(self, parent, name):
        mounts = self.cfg.mounts
        return bool(mounts) and os.path.join(self._dest_path(parent), name) in mounts.reals

    def _list_dest(self, rel):
        path = self._dest_path(rel)
        try:
            with os.scandir(path) as it:
                listing = sorted((entry.name, entry.is_dir(follow_symlinks=False)) for entry in it)
            # a directory in the way is listed twice, and counted once (see _instead_of_dir)
            self.dest_entries += len(listing)
            return listing
        except OSError as exc:
            self._error(path, exc)
            return []

    def _remove_tree(self, parent, name, keep=None):
        """Children before their directory, never following a symlink.

        Entries matching `keep` (the excludes, when pruning) stay, and so do
        the directories holding them, as rsync's --delete leaves them. So do
        mount points, emptied with prune_mounts (the run fails without it).
        """
        stack = [[parent, name, iter(self._list_dest(_join(parent, name))), self._is_mount(parent, name)]]
        while stack:
            frame = stack[-1]
            top_parent, top_name, children, kept = frame
            child = next(children, None)
            here = _join(top_parent, top_name)
            if child is None:
                stack.pop()
                if kept:
                    if stack:
                        stack[-1][3] = True
                else:
                    yield Decision(REMOVE, top_parent, top_name, is_dir=True)
            elif keep is not None and keep(_join(here, child[0]), child[0], child[1]):
                frame[3] = True
            elif self._is_mount(here, child[0]):
                frame[3] = True
                if not self._crosses_mount(here, child[0], replace=False, contents=True) and child[1]:
                    stack.append([here, child[0], iter(self._list_dest(_join(here, child[0]))), True])
            elif child[1]:
                stack.append([here, child[0], iter(self._list_dest(_join(here, child[0]))), False])
            else:
                yield Decision(REMOVE, here, child[0])

    # -- single-file mode ---------------------------------------------------

    def _single(self):
        cfg = self.cfg
        name = cfg.single_name
        dest_fd = de = None
        try:
            # a directory still to be made (see parents) holds nothing yet
            if not cfg.parents:
                dest_fd = os.open(cfg.dest_real, _DIR_FLAGS)
                try:
                    de = _LstatEntry(name, os.lstat(name, dir_fd=dest_fd))
                except FileNotFoundError:
                    pass
            src_real, src_st = cfg.single
            source = _File(src_real, cfg.within.contains(src_real), st=src_st)
            self._record_level('')
            decisions = self._file('', name, source, de, dest_fd) or ()
            self._recorded('')
            if self.state is not None:
                self.state.flush()
        except OSError as exc:
            self._error(os.path.join(cfg.dest_real, name), exc)
            decisions = ()
        finally:
            if dest_fd is not None:
                os.close(dest_fd)
        yield from decisions

    def _error(self, path, exc):
        self.errors.append((path, exc.strerror or str(exc)))


def _lexical(path, parts):
    """`path` and then `parts` joined as written (empty and `.` parts dropped), nothing resolved."""
    for part in parts:
        if part and part != '.':
            path = _child_real(path, part)
    return path


def _regular_files(real):
    """The names of the regular files in directory `real`; None past _TARGET_NAMES_CACHED."""
    files = set()
    with os.scandir(real) as it:
        while True:
            chunk = list(itertools.islice(it, 4096))
            if not chunk:
                return files
            files.update([entry.name for entry in chunk if entry.is_file(follow_symlinks=False)])
            if len(files) > _TARGET_NAMES_CACHED:
                return None


def _source_is_dir(layers, code, name):
    """Whether the winning source entry `name` of a level (see Planner._merge) is a directory or a link to one."""
    for index in range(len(layers) - 1, -1, -1):
        kind = code >> index * _BITS & _MASK
        if kind == _LINK:
            try:
                return stat.S_ISDIR(os.stat(name, dir_fd=layers[index].fd).st_mode)
            except OSError:
                return False
        if kind:
            return kind == _DIR
    return False


def dir_mode(cfg):
    """The mode a created directory is given, or None for the umask's."""
    spec = cfg.directory_mode
    return None if spec is None else spec.apply(cfg.default_dir_mode, is_dir=True)


def parent_mkdirs(cfg):
    """The missing parents of dest (or of the file, in single-file mode) as mkdirs, outermost first.

    Their `rel` is their absolute path: they lie outside dest, and are made
    by Applier.make_parents before anything else.
    """
    mode = dir_mode(cfg)
    made = []
    for path in cfg.parents:
        parent, name = os.path.split(path)
        made.append(Decision(MKDIR, parent if parent != '/' else '', name if parent != '/' else path, mode=mode,
                             is_dir=True, detail='parent of dest'))
    return made


def guarded(decisions, errors, label):
    """A walk, ended with an error instead of a traceback when the tree changes under it."""
    try:
        yield from decisions
    except OSError as exc:
        errors.append((exc.filename or label, exc.strerror or str(exc)))


def _named_stat(entry, path):
    """entry.stat() without following links; an error names the whole path, not just the entry."""
    try:
        return entry.stat(follow_symlinks=False)
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, path)


def _also(detail, more):
    return detail + ', ' + more if more else detail


def _ids_differ(st, ids):
    """'owner', 'group' or both where the lstat `st` of a link has not the (uid, gid) `ids` asks for (-1: any)."""
    uid, gid = ids
    return ', '.join(what for what, want, have in (('owner', uid, st.st_uid), ('group', gid, st.st_gid))
                     if want != -1 and want != have)


def _stored_as(src_ns, dst_ns):
    """Whether `dst_ns` is what a file system that clamps times stores for a source mtime of `src_ns`.

    A copy is given its source's mtime; where dest cannot hold it, the kernel
    stores the bound instead (seconds only), so the copy's mtime is that bound
    with 0 ns while the source's lies beyond it. Counting that as equal keeps
    a rerun from copying the file again every time.
    """
    if dst_ns % _NS:
        return False
    bounds = _TIME_MAX if src_ns > dst_ns else _TIME_MIN
    return dst_ns // _NS in bounds


def _refused(real, via, allowed):
    """Why a source link to `real` (through `via` in dest, or None) must not be followed, or None."""
    if via is not None:
        return 'symlink resolves into dest (%s)' % (real if inside(real, via) else 'through ' + via)
    if not allowed:
        return 'symlink points outside every source and within root (%s)' % real
    return None


def _identical(a, b):
    """Whether the source files `a` and `b` hold the same bytes: sizes first, then a streamed compare."""
    try:
        sa, sb = a.stat(), b.stat()
    except OSError:
        return False
    if sa.st_size != sb.st_size:
        return False
    if (sa.st_dev, sa.st_ino) == (sb.st_dev, sb.st_ino):
        return True
    return _same_content(a.real, b.real)


def _mark_identical(decision, original):
    """Tell in `decision`, the link to the original, that it is one because of dedupe."""
    decision.deduped = True
    decision.detail = 'identical to %s%s' % (original, ', ' + decision.detail if decision.detail else '')


def _same_content(a, b, chunk=1 << 20):
    """Whether two regular files hold the same bytes.

    A name that is no longer a regular file counts as different: a FIFO put
    there since the listing would block the read forever, a symlink would
    compare (and so reveal) a file elsewhere.
    """
    fa, fb = _open_regular(a), _open_regular(b)
    try:
        if fa is None or fb is None:
            return False
        while True:
            block = fa.read(chunk)
            if block != fb.read(chunk):
                return False
            if not block:
                return True
    finally:
        for f in (fa, fb):
            if f is not None:
                f.close()


def _open_regular(path):
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        return None
    return os.fdopen(fd, 'rb')
