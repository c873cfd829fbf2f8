# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cdn.origin maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The served-tree record (`state_file`): what dest served at the end of the last run.

The file is a header line (JSON: format and dest) and then one block per
directory of dest that holds recorded entries, in the order the planner
plans directories (depth first, names sorted: the walk order of their
paths as tuples). A block is a header line

    D <TAB> rel <TAB> body length <TAB> end of its subtree's blocks

(the lengths as 16 hex digits) and one line per entry of that directory:

    name <TAB> l|h <TAB> link target <TAB> size <TAB> mtime_ns <TAB> inode    a link (l) or hard link (h)
    name <TAB> a <TAB> absent since (epoch seconds)                         kept for prune_grace

Names and targets are bytes as the file system has them, with backslash,
tab and newline escaped. Nothing is loaded whole: a planner asks for one
directory's block at a time (`Record.level`), found from the previous one by
reading block headers only, a subtree it does not need skipped in one seek
(its end offset), so any order of asking works and the walk's own order costs
one header per block. Each planning process reads with pread on its own
offsets, so forked workers share the descriptor safely.

A missing, corrupt or foreign record (another dest, another format) is
nothing known: no refresh is found in it, and every absent entry starts its
grace now, so it can delay a removal, never cause one that prune without a
grace would not make.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re
import stat
import time

from ansible_collections.cdn.origin.plugins.module_utils.policy import display

FORMAT = 'cdn.origin.state/1'
TEMP_MARK = '.cdn-origin-tmp-'
# New blocks a planning worker holds before shipping them to the writing process.
SEND_BYTES = 1 << 20
# A block header holds a path of dest, escaped: a little more than PATH_MAX
_HEADER_READ = 16384
# most headers are short: read this much first
_HEADER_GUESS = 256
_COPY = 1 << 20
_ESCAPES = {'\\': '\\\\', '\t': '\\t', '\n': '\\n'}
_UNESCAPES = {'\\\\': '\\', '\\t': '\t', '\\n': '\n'}
_SPECIAL = re.compile('[\\\\\t\n]')
_UNESCAPE = re.compile('\\\\[\\\\tn]')


def clock():
    """The run's time in whole epoch seconds (tests replace it)."""
    return int(time.time())


def iso(seconds):
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(seconds))


def escape(text):
    """`text` (a name or a link target) as a field of a record line."""
    # three substring tests cost a quarter of a regular expression search, and almost every text has none
    if '\\' not in text and '\t' not in text and '\n' not in text:
        return text
    return _SPECIAL.sub(lambda m: _ESCAPES[m.group()], text)


def _unescape(field):
    return _UNESCAPE.sub(lambda m: _UNESCAPES[m.group()], field) if '\\' in field else field


def _text(raw):
    return raw.decode('utf-8', 'surrogateescape')


def _key(rel):
    return tuple(rel.split('/')) if rel else ()


class Corrupt(ValueError):
    pass


class Record:
    """The previous run's record, read a directory block at a time; empty where nothing is known."""

    def __init__(self, path, dest):
        self.path = path
        self.fd = None
        self.problem = None
        self._start = self._end = 0
        self._pos = 0
        self._prev = None
        self.found = None
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        except FileNotFoundError:
            return
        except OSError as exc:
            self.problem = 'cannot be read: %s' % (exc.strerror or exc)
            return
        try:
            self._open(fd, dest)
        except (Corrupt, OSError) as exc:
            os.close(fd)
            self.fd = None
            self.problem = str(exc) if isinstance(exc, Corrupt) else 'cannot be read: %s' % (exc.strerror or exc)

    def _open(self, fd, dest):
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise Corrupt('is not a regular file')
        first = os.pread(fd, _HEADER_READ, 0)
        cut = first.find(b'\n')
        try:
            header = json.loads(first[:cut].decode('utf-8')) if cut > 0 else None
        except ValueError:
            header = None
        if not isinstance(header, dict) or header.get('format') != FORMAT:
            raise Corrupt('is not a %s record' % FORMAT)
        if header.get('dest') != dest:
            raise Corrupt('records another dest (%s)' % header.get('dest'))
        self.fd = fd
        self._start = self._pos = cut + 1
        self._end = st.st_size
        # every block header in place: a cut or garbled file is known as such before anything is read from it
        pos = self._start
        while pos < self._end:
            _key_, start, body, _sub = self._block_at(pos)
            pos = start + body

    def close(self):
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def _block_at(self, pos):
        """(key, offset of the body, body length, end of the subtree) of the block whose header is at `pos`."""
        head = os.pread(self.fd, _HEADER_GUESS, pos)
        cut = head.find(b'\n')
        if cut < 0:
            head = os.pread(self.fd, _HEADER_READ, pos)
            cut = head.find(b'\n')
        fields = head[:cut].split(b'\t') if cut > 0 else ()
        if len(fields) != 4 or fields[0] != b'D':
            raise Corrupt('has a garbled block at byte %d' % pos)
        try:
            body, sub = int(fields[2], 16), int(fields[3], 16)
        except ValueError:
            raise Corrupt('has a garbled block at byte %d' % pos)
        start = pos + cut + 1
        if start + body > self._end or not start + body <= sub <= self._end:
            raise Corrupt('is cut short (a block at byte %d ends past its end)' % pos)
        return _key(_unescape(_text(fields[1]))), start, body, sub

    def level(self, rel):
        """{name: the rest of its line} of directory `rel`, {} when nothing is recorded there.

        `found` is then (header offset, body offset, body length) of its block, or None.
        """
        self.found = None
        if self.fd is None:
            return {}
        want = _key(rel)
        if self._prev is not None and want <= self._prev:
            self._pos, self._prev = self._start, None
        pos = self._pos
        try:
            while pos < self._end:
                key, start, body, sub = self._block_at(pos)
                if key == want:
                    self._pos, self._prev = start + body, key
                    self.found = (pos, start, body)
                    return _parse(os.pread(self.fd, body, start))
                if key > want:
                    break
                # inside this block's subtree: its first child block is next; else past the subtree at once
                pos = start + body if want[:len(key)] == key else sub
                self._pos, self._prev = pos, key
        except (ValueError, OSError):
            # a garbled block or line (Corrupt is a ValueError, and so is a line without a tab): nothing known here
            return {}
        return {}


def _parse(body):
    text = _text(body)
    lines = text.split('\n')
    if '\\' not in text:
        return dict(line.split('\t', 1) for line in lines if line)
    entries = {}
    for line in lines:
        if line:
            name, _tab, rest = line.partition('\t')
            entries[_unescape(name)] = rest
    return entries


def link_line(kind, target, st):
    """What a line records of a link (kind l) or hard link (kind h) to `target`, whose stat is `st`."""
    return '%s\t%s\t%d\t%d\t%d' % (kind, escape(target), st.st_size, st.st_mtime_ns, st.st_ino)


def absent_line(since):
    """What a line records of an entry kept for its grace, absent since `since`."""
    return 'a\t%d' % since


def absent_since(rest, now):
    """When the entry recorded as `rest` was first seen absent, `now` when it was not (or in the future)."""
    if rest is None or not rest.startswith('a\t'):
        return now
    try:
        return min(int(rest[2:]), now)
    except ValueError:
        return now


def differences(old, new):
    """What differs between two link lines of one name: 'target', 'size', 'mtime', 'inode'."""
    a, b = old.split('\t'), new.split('\t')
    if len(a) != len(b) or a[0] != b[0]:
        return 'target'
    return ', '.join(what for what, x, y in zip(('target', 'size', 'mtime', 'inode'), a[1:], b[1:]) if x != y)


class Writer:
    """The new record: a temporary file beside the state file, renamed over it by commit()."""

    def __init__(self, path, dest, fsync, previous):
        self.path = path
        self.fsync = fsync
        self.previous = previous
        directory, name = os.path.split(path)
        self._dir = directory or '.'
        self._clean(name)
        self.temp = os.path.join(self._dir, '.%s%s%s' % (name, TEMP_MARK, os.urandom(6).hex()))
        self.fd = os.open(self.temp, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        self._offset = 0
        self._open = []
        # while every block is the old record's at the same offset nothing is written (see block())
        self._same = True
        self._write(json.dumps({'format': FORMAT, 'dest': dest}, sort_keys=True).encode('utf-8') + b'\n')

    def _clean(self, name):
        """Remove the temporary files a killed run left beside the state file."""
        prefix = '.%s%s' % (name, TEMP_MARK)
        for entry in os.scandir(self._dir):
            if entry.name.startswith(prefix) and entry.is_file(follow_symlinks=False):
                try:
                    os.unlink(os.path.join(self._dir, entry.name))
                except OSError:
                    pass

    def _write(self, data):
        if self._same:
            old = self.previous.fd
            if old is not None and os.pread(old, len(data), self._offset) == data:
                self._offset += len(data)
                return
            self._differ()
        view = memoryview(data)
        while view:
            done = os.pwrite(self.fd, view, self._offset)
            view = view[done:]
            self._offset += done

    def _differ(self):
        """The new record parts from the old one here: write out the part that is the same."""
        self._same = False
        if self._offset:
            self._copy(0, self._offset, 0)

    def _copy(self, start, length, at):
        old = self.previous.fd
        while length:
            chunk = os.pread(old, min(length, _COPY), start)
            if not chunk:
                raise OSError(5, 'state_file changed while it was read')
            os.pwrite(self.fd, chunk, at)
            start, at, length = start + len(chunk), at + len(chunk), length - len(chunk)

    def block(self, rel, body):
        """Add the block of directory `rel`: its lines, or (header offset, body offset, length) of the old
        record's block when they are the same."""
        key = _key(rel)
        self._close_until(key)
        if isinstance(body, tuple):
            at, start, length = body
            if self._same and at == self._offset:
                self._open.append((key, start - 17))
                self._offset = start + length
                return
            if self._same:
                self._differ()
            head = ('D\t%s\t%016x\t%s\n' % (escape(rel), length, '0' * 16)).encode('utf-8', 'surrogateescape')
            self._open.append((key, self._offset + len(head) - 17))
            self._write(head)
            self._copy(start, length, self._offset)
            self._offset += length
            return
        head = ('D\t%s\t%016x\t%s\n' % (escape(rel), len(body), '0' * 16)).encode('utf-8', 'surrogateescape')
        if self._same:
            self._differ()
        self._open.append((key, self._offset + len(head) - 17))
        self._write(head)
        self._write(body)

    def _close_until(self, key):
        """Give the blocks whose subtree ends before `key` (None: all) their end offset."""
        while self._open and (key is None or key[:len(self._open[-1][0])] != self._open[-1][0]):
            _key_, at = self._open.pop()
            end = b'%016x' % self._offset
            if self._same and os.pread(self.previous.fd, 16, at) != end:
                self._differ()
            if not self._same:
                os.pwrite(self.fd, end, at)

    def commit(self):
        """Rename the new record into place, unless it is the one there already."""
        self._close_until(None)
        if self._same and self.previous.fd is not None and os.fstat(self.previous.fd).st_size == self._offset:
            self.discard()
            return
        if self._same:
            self._differ()
        if self.fsync:
            os.fsync(self.fd)
        os.close(self.fd)
        self.fd = None
        try:
            os.rename(self.temp, self.path)
        except BaseException:
            self.discard()
            raise
        self.temp = None
        if self.fsync:
            dir_fd = os.open(self._dir, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)

    def discard(self):
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
        if self.temp is not None:
            try:
                os.unlink(self.temp)
            except OSError:
                pass
            self.temp = None


class Walk:
    """One planner's side of the record: the old record to read, the new blocks it makes.

    In the process that writes the record, blocks go to the writer as soon as
    they are in walk order; a forked worker ships them (`send`) with its notes.
    """

    # The record's line formats, for the planner, which meets them only through its Walk: plan.py does not
    # import this module, so a run without a record never compiles it (AnsiballZ compiles what it imports).
    link_line = staticmethod(link_line)
    absent_line = staticmethod(absent_line)
    differences = staticmethod(differences)

    def __init__(self, run, writer):
        self.record = run.record
        self.grace = run.grace
        self.now = run.now
        self.writer = writer
        self.send = None
        self.blocks = []
        self.size = 0

    def absent_since(self, rest):
        return absent_since(rest, self.now)

    def emit(self, rel, lines):
        """The block of `rel`: its lines as (name, the rest of the line) pairs."""
        body = ''.join([escape(name) + '\t' + rest + '\n' for name, rest in lines]).encode('utf-8', 'surrogateescape')
        self.blocks.append((rel, body))
        self.size += len(body)

    def emit_same(self, rel, found):
        """The block of `rel` is the old record's, found at (header offset, body offset, length)."""
        self.blocks.append((rel, found))

    def take(self):
        blocks = self.blocks
        self.blocks, self.size = [], 0
        return blocks

    def put(self, blocks):
        if self.writer is not None:
            for rel, body in blocks:
                self.writer.block(rel, body)

    def flush(self):
        """Called where the blocks made so far are in walk order."""
        if self.send is None:
            self.put(self.take())
        elif self.size >= SEND_BYTES:
            self.send()


class Run:
    """The record side of one run: the old record, and the writer while the run records (not in check mode)."""

    def __init__(self, path, dest, grace, now):
        self.path = path
        self.dest = dest
        self.grace = grace
        self.now = now
        self.record = None
        self.writer = None
        self._given = False

    def open(self, write, fsync):
        """Read the old record (under the dest lock: what the run before wrote) and, when `write`, start a new one."""
        self.close()
        self.record = Record(self.path, self.dest)
        if write:
            self.writer = Writer(self.path, self.dest, fsync, self.record)
        self._given = False

    def pending(self, entries):
        """`removals_pending` of the result, for the (rel, absent since) of entries kept for their grace."""
        return [{'path': display(rel), 'absent_since': iso(since), 'remove_after': iso(since + self.grace)}
                for rel, since in entries]

    def warnings(self):
        if self.record is None or self.record.problem is None:
            return []
        return ['state_file %s %s: nothing known from it, it is written anew' % (self.path, self.record.problem)]

    def walk(self):
        """The Walk of a new planner: the first planner of an attempt records, later ones only read."""
        writer = None if self._given else self.writer
        self._given = True
        return Walk(self, writer)

    def commit(self):
        if self.writer is not None:
            writer, self.writer = self.writer, None
            writer.commit()

    def discard(self):
        if self.writer is not None:
            self.writer.discard()
            self.writer = None

    def close(self):
        self.discard()
        if self.record is not None:
            self.record.close()
