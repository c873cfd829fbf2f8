# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cdn.origin maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The executor: the only code that writes.

Every operation is relative to a directory file descriptor opened with
O_NOFOLLOW from the dest root down, so a symlink planted anywhere below
`dest` is never written through: opening it as a directory fails instead.
Every change appears under its final name in one rename (or one symlink),
so a reader of dest/REL sees the old complete entry or the new one. A
replacement can be staged (stage) and renamed into place later (commit), so
that the engine shows a whole batch of them in one burst of renames.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import os
import stat

from ansible_collections.cdn.origin.plugins.module_utils.lock import Overtaken, lock_dir, locked
from ansible_collections.cdn.origin.plugins.module_utils.plan import (
    COPY, HARDLINK, MKDIR, REFRESH, RELINK, REMOVE, SKIP, SYMLINK, UPDATE, Decision,
)
from ansible_collections.cdn.origin.plugins.module_utils.policy import TEMP_PREFIX, copy_mode, inside

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_READ_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
_TEMP_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
# Deep trees would otherwise hold one descriptor per level; beyond this many
# the oldest are closed and reopened (again with O_NOFOLLOW) when needed.
_FD_WINDOW = 64
_NO_SYMLINKS = frozenset((errno.EPERM, errno.EOPNOTSUPP, errno.ENOSYS))
# link(2) refused for reasons planning cannot see (a bind mount inside dest, a file system without hard links)
_NO_HARD_LINKS = frozenset((errno.EXDEV, errno.EPERM, errno.EMLINK, errno.EOPNOTSUPP))
_NO_COPY_FILE_RANGE = frozenset((errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.EPERM))
# SEEK_DATA refused: a file system (or kernel) that cannot tell holes, copied whole instead
_NO_SEEK_DATA = frozenset((errno.EINVAL, errno.EOPNOTSUPP, errno.ENOSYS))


class SourceChanged(OSError):
    """The file opened for copying is not the one the plan looked at."""


def _temp_name():
    return TEMP_PREFIX + os.urandom(8).hex()


class Applier:
    """Applies Decisions in the order given; returns the Decision actually applied."""

    def __init__(self, cfg, root=None):
        """`root`: dest's descriptor, already locked (lock.lock_dir), which this Applier then holds until unlock()."""
        self.cfg = cfg
        self.warnings = []
        self._parts = []
        self._fds = [] if root is None else [root]
        self._dirty = [False] * len(self._fds)
        self._current = None
        self._source_dir = (None, None)
        self._copy_file_range = hasattr(os, 'copy_file_range')
        # (parent, temporary name) of the staged copies whose fsync waits for sync()
        self._unsynced = set()
        # the parents of dest this run made, and (path, descriptor) of the innermost one dest goes in
        self.parents_made = []
        self._made = None

    # -- directory descriptors ----------------------------------------------

    def lock(self, shared=False):
        """Lock dest until unlock() (see lock.py), unless this Applier holds its lock already."""
        self._root(shared)

    def make_parents(self, decisions):
        """Make the missing parents of dest (Planner.parents), outermost first, once per run.

        Each is made relative to a descriptor of the one above, opened with
        O_NOFOLLOW from the deepest directory that existed: a symlink planted
        on the way since the run looked fails the run instead of being
        followed. One that another run made meanwhile is used as it is.
        """
        if not decisions or self._made is not None:
            return
        top = os.path.dirname(decisions[0].rel)
        fd = os.open(top, _DIR_FLAGS)
        path = top
        try:
            for d in decisions:
                path = d.rel
                name = os.path.basename(path)
                try:
                    os.mkdir(name, _creation_mode(d.mode), dir_fd=fd)
                    made = True
                except FileExistsError:
                    made = False
                fd, parent_fd = os.open(name, _DIR_FLAGS, dir_fd=fd), fd
                try:
                    if made and self.cfg.fsync:
                        os.fsync(parent_fd)
                finally:
                    os.close(parent_fd)
                if made:
                    self.parents_made.append(d)
                    self._chown_chmod(fd, d.mode)
        except OSError as exc:
            os.close(fd)
            raise OSError(exc.errno, exc.strerror, path) from exc
        self._made = (path, fd)

    def _open_root(self, shared):
        if self._made is None:
            return lock_dir(self.cfg.dest_real, shared)
        # below parents this run made, nothing on the way is the operator's
        path, fd = self._made
        if path == self.cfg.dest_real:
            return locked(os.dup(fd), shared)
        return locked(os.open(os.path.basename(self.cfg.dest_real), _DIR_FLAGS, dir_fd=fd), shared)

    def _root(self, shared=False):
        if not self._fds:
            self._fds.append(self._open_root(shared))
            self._dirty.append(False)
        return self._fds[0]

    def _dirfd(self, parent):
        if parent == self._current and self._fds and self._fds[-1] is not None:
            return self._fds[-1]
        self._current = parent
        self._root()
        parts = parent.split('/') if parent else []
        keep = 0
        limit = min(len(parts), len(self._parts))
        while keep < limit and parts[keep] == self._parts[keep]:
            keep += 1
        while len(self._parts) > keep:
            self._parts.pop()
            self._release(self._fds.pop(), self._dirty.pop())
        if self._fds[-1] is None:
            self._reopen()
        for part in parts[keep:]:
            self._fds.append(os.open(part, _DIR_FLAGS, dir_fd=self._fds[-1]))
            self._dirty.append(False)
            self._parts.append(part)
            self._narrow()
        self._dirty[-1] = True
        return self._fds[-1]

    def _narrow(self):
        open_levels = [i for i, fd in enumerate(self._fds) if fd is not None and i]
        for i in open_levels[:-_FD_WINDOW]:
            self._release(self._fds[i], self._dirty[i])
            self._fds[i] = None
            self._dirty[i] = False

    def _reopen(self):
        start = max(i for i, fd in enumerate(self._fds) if fd is not None)
        for i in range(start + 1, len(self._fds)):
            self._fds[i] = os.open(self._parts[i - 1], _DIR_FLAGS, dir_fd=self._fds[i - 1])
            # climbing back up a deep tree reopens every level: keep within the window on the way
            self._narrow()

    def _release(self, fd, dirty):
        if fd is None:
            return
        try:
            if dirty and self.cfg.fsync:
                # makes the renames done in this directory durable, once per directory
                os.fsync(fd)
        finally:
            os.close(fd)

    def close(self):
        """Flush and close every descriptor but the root's, which keeps the lock until unlock()."""
        while len(self._fds) > 1:
            self._release(self._fds.pop(), self._dirty.pop())
        if self._fds and self._dirty[0]:
            self._dirty[0] = False
            if self.cfg.fsync:
                os.fsync(self._fds[0])
        self._parts = []
        self._current = None
        self._forget_source_dir()

    def unlock(self):
        self.close()
        if self._fds:
            self._dirty.pop()
            os.close(self._fds.pop())
        if self._made is not None:
            os.close(self._made[1])
            self._made = None

    # -- operations ---------------------------------------------------------

    def apply(self, d):
        # a refresh changes nothing in dest: what the link serves changed by itself
        if d.action == SKIP or d.action == REFRESH:
            return d
        if d.parent is None and d.action == MKDIR:
            return self._make_root(d)
        fd = self._fd(d)
        if d.action == REMOVE:
            if d.is_dir:
                os.rmdir(d.name, dir_fd=fd)
            else:
                os.unlink(d.name, dir_fd=fd)
            return d
        if d.action == MKDIR:
            os.mkdir(d.name, _creation_mode(d.mode), dir_fd=fd)
            self._dir_attrs(fd, d)
            return d
        if d.inplace:
            self._fix_attrs(fd, d)
            return d
        done, temp = self._make(fd, d)
        if temp is not None:
            self._put(fd, done, temp)
        return done

    def stage(self, d):
        """The first half of a replacement: its new entry made complete under a temporary name beside
        its final one (mode, owner, mtime and fsync as apply() gives them), nothing a reader sees changed.

        Returns (the Decision made, its temporary name) for sync(), then commit() or discard(); the
        name is None for an attribute fix in place, which commit() makes. A copy's fsync is left to
        sync(): called for a whole batch after all of it is written, the first fsync commits the
        file system's journal with every file of the batch in it, and the others find their data
        already on disk, where an fsync after each file waits for one journal commit per file.
        """
        if d.inplace:
            return d, None
        return self._make(self._fd(d), d, sync=False)

    def sync_batch(self, staged):
        """Make the copies of `staged` (stage() results) durable with one syncfs(2) of dest's file system
        instead of an fsync each, which costs a flush of the disk's cache each; where syncfs cannot be
        called or fails, sync() fsyncs each, naming the path of an error."""
        keys = [(done.parent, temp) for done, temp in staged if (done.parent, temp) in self._unsynced]
        if len(keys) > 1 and _syncfs(self._root()):
            self._unsynced.difference_update(keys)

    def sync(self, done, temp):
        """The fsync that stage() left out, for a staged copy (else nothing)."""
        key = (done.parent, temp)
        if key not in self._unsynced:
            return
        self._unsynced.discard(key)
        fd = os.open(temp, _READ_FLAGS, dir_fd=self._fd(done))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def commit(self, done, temp):
        """The second half: the staged entry renamed over its final name (its temporary name is gone
        after, whatever happens), or the attribute fix made."""
        if temp is None:
            return self.apply(done)
        self._put(self._fd(done), done, temp)
        return done

    def discard(self, done, temp):
        """Remove a staged entry that will not be committed."""
        if temp is not None:
            self._unsynced.discard((done.parent, temp))
            try:
                _unlink_quietly(self._fd(done), temp)
            except OSError:
                # its directory cannot be opened any more: the next run removes it as a stale temporary file
                pass

    def _fd(self, d):
        return self._root() if d.parent is None else self._dirfd(d.parent)

    def _make(self, fd, d, sync=True):
        """(Decision made, temporary name to rename into place, or None when it already is in place); a copy
        made without `sync` is fsynced by sync()."""
        action = d.action
        if action == HARDLINK or action == RELINK and d.expect is not None:
            return self._hard_link(fd, d)
        if action == SYMLINK or action == RELINK or action == UPDATE and d.target is not None:
            # an update of a link is of its owner: replaced by one owned right
            return self._link(fd, d, replace=action != SYMLINK)
        if action == COPY or action == UPDATE:
            return d, self._copy(fd, d, sync)
        raise ValueError('cannot apply %r' % (d,))

    def _put(self, fd, done, temp):
        self._rename(fd, temp, done.name)
        if done.expect is not None and done.action in (HARDLINK, RELINK):
            # rename does nothing when both names already are links to one inode: the temporary one stays
            _unlink_quietly(fd, temp)

    def _make_root(self, d):
        try:
            if self._made is None:
                os.mkdir(self.cfg.dest_real, _creation_mode(d.mode))
            else:
                os.mkdir(os.path.basename(self.cfg.dest_real), _creation_mode(d.mode), dir_fd=self._made[1])
        except FileExistsError:
            raise Overtaken(None)
        # a run that found dest just made may have locked it first: then it has filled it
        with os.scandir(self._root()) as it:
            if next(it, None) is not None:
                raise Overtaken(d)
        if self._made is None:
            parent_fd = os.open(os.path.dirname(self.cfg.dest_real) or '/', os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        else:
            parent_fd = os.dup(self._made[1])
        try:
            self._dir_attrs(parent_fd, Decision(MKDIR, '', os.path.basename(self.cfg.dest_real), mode=d.mode))
        finally:
            os.close(parent_fd)
        return d

    def _dir_attrs(self, parent_fd, d):
        cfg = self.cfg
        if d.mode is None and cfg.uid is None and cfg.gid is None:
            return
        fd = os.open(d.name, _DIR_FLAGS, dir_fd=parent_fd)
        try:
            self._chown_chmod(fd, d.mode)
        finally:
            os.close(fd)

    def _chown_chmod(self, fd, mode):
        cfg = self.cfg
        if cfg.uid is not None or cfg.gid is not None:
            os.fchown(fd, -1 if cfg.uid is None else cfg.uid, -1 if cfg.gid is None else cfg.gid)
        if mode is not None:
            # after chown, which may clear setuid/setgid bits the mode asks for
            os.fchmod(fd, mode)

    def _link(self, fd, d, replace):
        if not self.cfg.symlinks:
            return self._copy_instead(fd, d)
        try:
            # a link to be owned by someone is made under a temporary name: never seen with the process's owner
            if not replace and d.ids is None:
                try:
                    os.symlink(d.target, d.name, dir_fd=fd)
                    return d, None
                except FileExistsError:
                    pass
            temp = self._temp_symlink(fd, d.target)
        except OSError as exc:
            if exc.errno not in _NO_SYMLINKS:
                raise
            self.cfg.symlinks = False
            self.warnings.append('%s refuses symlinks (%s): copying instead of linking'
                                 % (self.cfg.dest_real, exc.strerror))
            return self._copy_instead(fd, d)
        if d.ids is not None:
            try:
                os.chown(temp, d.ids[0], d.ids[1], dir_fd=fd, follow_symlinks=False)
            except BaseException:
                _unlink_quietly(fd, temp)
                raise
        return d, temp

    def _hard_link(self, fd, d):
        """A hard link to the checked file d.source, made under a temporary name, to be renamed into place.

        The source's directory is opened from its root without following a
        link, and the new link is checked to be the planned inode before it
        gets its final name: a name swapped since planning (for a symlink to
        anywhere, or another file) is never linked into dest.
        """
        parent, name = d.source.rsplit('/', 1)
        src_fd = self._source_dir_fd(parent or '/')
        while True:
            temp = _temp_name()
            try:
                os.link(name, temp, src_dir_fd=src_fd, dst_dir_fd=fd, follow_symlinks=False)
                break
            except FileExistsError:
                continue
            except OSError as exc:
                if exc.errno not in _NO_HARD_LINKS:
                    raise
                warning = '%s refuses hard links (%s): copying instead' % (self.cfg.dest_real, exc.strerror)
                if warning not in self.warnings:
                    self.warnings.append(warning)
                return self._copy_instead(fd, d, detail='hard link refused')
        try:
            st = os.stat(temp, dir_fd=fd, follow_symlinks=False)
            if not stat.S_ISREG(st.st_mode) or (st.st_dev, st.st_ino) != d.expect:
                raise SourceChanged(errno.ESTALE, 'source %s changed during the run' % d.source)
        except BaseException:
            _unlink_quietly(fd, temp)
            raise
        return d, temp

    def _temp_symlink(self, fd, target):
        while True:
            name = _temp_name()
            try:
                os.symlink(target, name, dir_fd=fd)
                return name
            except FileExistsError:
                continue

    def _copy_instead(self, fd, d, detail='symlinks refused'):
        st = os.stat(d.source)
        copy = Decision(COPY if d.action in (SYMLINK, HARDLINK) else UPDATE, d.parent, d.name, source=d.source,
                        expect=(st.st_dev, st.st_ino), mode=copy_mode(st.st_mode, self.cfg.mode),
                        detail=detail)
        return copy, self._copy(fd, copy)

    def _copy(self, fd, d, sync=True):
        """The copy made complete under a temporary name, which is returned (fsynced later when not `sync`)."""
        src = self._open_source(d.source)
        try:
            st = os.fstat(src)
            if not stat.S_ISREG(st.st_mode) or (st.st_dev, st.st_ino) != d.expect:
                raise SourceChanged(errno.ESTALE, 'source %s changed during the run' % d.source)
            temp, out = self._temp_file(fd)
            try:
                try:
                    self._copy_data(src, out, st)
                    self._chown_chmod(out, d.mode)
                    os.utime(out, ns=(st.st_atime_ns, st.st_mtime_ns))
                    if self.cfg.fsync and sync:
                        os.fsync(out)
                finally:
                    os.close(out)
            except BaseException:
                _unlink_quietly(fd, temp)
                raise
            if self.cfg.fsync and not sync:
                self._unsynced.add((d.parent, temp))
            return temp
        finally:
            os.close(src)

    def _open_source(self, real):
        """Open the source file at `real`, a component at a time from the root holding it, never following a link.

        The plan's paths can be stale: a directory on the way may have become a
        symlink to anywhere since it was listed. Opening each component with
        O_NOFOLLOW makes the file read lie really at `real`, inside its root.
        """
        if real in self.cfg.allowed.reals:
            # single-file mode: the source file is its own root
            return os.open(real, _READ_FLAGS)
        parent, name = real.rsplit('/', 1)
        return os.open(name, _READ_FLAGS, dir_fd=self._source_dir_fd(parent or '/'))

    def _source_dir_fd(self, parent):
        """The source directory `parent`, opened beneath its root (see _open_beneath), the last one kept open."""
        cached, fd = self._source_dir
        if cached != parent:
            self._forget_source_dir()
            fd = self._open_beneath(parent)
            self._source_dir = (parent, fd)
        return fd

    def _open_beneath(self, path):
        root = max((r for r in self.cfg.allowed.reals if inside(path, r)), key=len, default=None)
        if root is None:
            raise SourceChanged(errno.EACCES, '%s is outside every source and within root' % path)
        fd = os.open(root, _DIR_FLAGS & ~os.O_NOFOLLOW)
        try:
            for part in path[len(root):].split('/'):
                if part:
                    fd, parent_fd = os.open(part, _DIR_FLAGS, dir_fd=fd), fd
                    os.close(parent_fd)
        except BaseException:
            os.close(fd)
            raise
        return fd

    def _forget_source_dir(self):
        fd = self._source_dir[1]
        self._source_dir = (None, None)
        if fd is not None:
            os.close(fd)

    def _temp_file(self, fd):
        while True:
            name = _temp_name()
            try:
                return name, os.open(name, _TEMP_FLAGS, 0o600, dir_fd=fd)
            except FileExistsError:
                continue

    def _copy_data(self, src, out, st):
        """Copy the open source `src`, whose fstat is `st`, to `out`."""
        # fewer blocks than the size needs: it has holes (cp's test), kept as holes instead of written out
        if st.st_blocks * 512 < st.st_size and hasattr(os, 'SEEK_DATA') and self._copy_sparse(src, out):
            return
        # a file that reports no size (as /proc's do) is read to its end; any other, to the size its mtime goes with,
        # which spares the call that finds the end of the file
        self._copy_range(src, out, 0, st.st_size or None)

    def _copy_sparse(self, src, out):
        """Copy the data segments alone and end the copy at the source's size; False where holes cannot be found."""
        offset = 0
        while True:
            try:
                start = os.lseek(src, offset, os.SEEK_DATA)
            except OSError as exc:
                if exc.errno == errno.ENXIO:
                    # no data past offset: the rest is one hole
                    break
                if offset == 0 and exc.errno in _NO_SEEK_DATA:
                    return False
                raise
            offset = os.lseek(src, start, os.SEEK_HOLE)
            self._copy_range(src, out, start, offset)
        os.ftruncate(out, os.fstat(src).st_size)
        return True

    def _copy_range(self, src, out, offset, end):
        """Copy the bytes from offset to end (None: to the end of the file) to the same offsets of out."""
        while end is None or offset < end:
            count = 1 << 30 if end is None else min(end - offset, 1 << 30)
            if self._copy_file_range:
                try:
                    done = os.copy_file_range(src, out, count, offset, offset)
                except OSError as exc:
                    if exc.errno not in _NO_COPY_FILE_RANGE:
                        raise
                    self._copy_file_range = False
                    continue
            else:
                block = os.pread(src, min(count, 1 << 20), offset)
                done = len(block)
                view = memoryview(block)
                at = offset
                while view:
                    written = os.pwrite(out, view, at)
                    view, at = view[written:], at + written
            if not done:
                return
            offset += done

    def _rename(self, fd, temp, name):
        try:
            os.rename(temp, name, src_dir_fd=fd, dst_dir_fd=fd)
        except BaseException:
            _unlink_quietly(fd, temp)
            raise

    def _fix_attrs(self, fd, d):
        out = os.open(d.name, _DIR_FLAGS if d.is_dir else _READ_FLAGS, dir_fd=fd)
        try:
            st = os.fstat(out)
            if (st.st_dev, st.st_ino) != d.expect or not d.is_dir and (not stat.S_ISREG(st.st_mode) or st.st_nlink != 1):
                raise SourceChanged(errno.ESTALE, 'changed during the run')
            self._chown_chmod(out, d.mode)
        finally:
            os.close(out)


def _syncfs(fd):
    """syncfs(2) on the file system holding `fd`: whether it was called and succeeded."""
    try:
        import ctypes
        call = ctypes.CDLL(None, use_errno=True).syncfs
    except (ImportError, OSError, AttributeError):
        return False
    return call(fd) == 0


def _creation_mode(mode):
    """Created with no more permissions than it will end with: no window where it is wider open."""
    return 0o777 if mode is None else mode & 0o777


def _unlink_quietly(fd, name):
    try:
        os.unlink(name, dir_fd=fd)
    except OSError:
        pass
