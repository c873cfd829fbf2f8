# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cdn.origin maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The purge module's pending file: purges that failed, kept for the next run.

A JSON object {"format": FORMAT, "urls": [...], "paths": [...], "prefixes": [...]}
on the host that runs the module. It is replaced atomically (a temporary file
beside it, mode 0600, renamed over it; the directory is created 0700 when
missing) and removed once empty, so a reader sees the old list or the new one,
and a missing file is nothing pending. What cannot be read as such a list is
an error naming the path, never an empty list: it may be the only record of a
purge that failed.

Several runs may share the file (the hosts of a play purging from the
controller at once). A run reads it without a lock and sends what it holds; it
then rewrites it under an exclusive lock on its directory, starting from what
the file holds at that moment: the entries this run purged leave it, the ones
that failed are added, and what another run added meanwhile stays. Every
writer holds that lock while its temporary file exists, so one found under the
lock was left by a run that died: it is removed.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import fcntl
import json
import os
import stat
import tempfile

FORMAT = 'cdn.origin.purge.pending/1'
KINDS = ('urls', 'paths', 'prefixes')


class PendingError(Exception):
    def __init__(self, msg):
        super(PendingError, self).__init__(msg)
        self.msg = msg


def _parse(data):
    """[(kind, value)] of a file's bytes, or the reason they are not a pending list."""
    try:
        doc = json.loads(data.decode('utf-8'))
    except (UnicodeDecodeError, ValueError) as e:
        return None, 'not JSON (%s)' % e
    if not isinstance(doc, dict) or doc.get('format') != FORMAT:
        return None, 'not a pending list of cdn.origin.purge (no "format": "%s")' % FORMAT
    unknown = sorted(set(doc) - set(KINDS) - {'format'})
    if unknown:
        return None, 'unknown keys %s' % ', '.join(unknown)
    entries = []
    for kind in KINDS:
        values = doc.get(kind, [])
        if not isinstance(values, list) or not all(isinstance(v, str) and v for v in values):
            return None, '"%s" is not a list of strings' % kind
        entries.extend((kind, value) for value in values)
    return entries, None


class Pending:
    def __init__(self, path):
        self.path = path
        self.dir = os.path.dirname(path)
        self._temp = ('.%s.' % os.path.basename(path), '.tmp')

    def read(self):
        """[(kind, value)] the file holds, in its order; [] when it does not exist."""
        try:
            fd = os.open(self.path, os.O_RDONLY | getattr(os, 'O_NOFOLLOW', 0) | getattr(os, 'O_CLOEXEC', 0))
        except FileNotFoundError:
            return []
        except OSError as e:
            if e.errno == errno.ELOOP:
                raise PendingError('pending_file %s is a symlink: give the path of the file itself' % self.path)
            raise PendingError('pending_file %s cannot be read: %s' % (self.path, e.strerror or e))
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise PendingError('pending_file %s is not a regular file' % self.path)
            chunks = []
            while True:
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    break
                chunks.append(chunk)
        except OSError as e:
            raise PendingError('pending_file %s cannot be read: %s' % (self.path, e.strerror or e))
        finally:
            os.close(fd)
        entries, reason = _parse(b''.join(chunks))
        if reason:
            raise PendingError('pending_file %s is corrupt: %s. Nothing was sent. It may list purges that failed before: '
                               'purge those, then remove it, or repair it' % (self.path, reason))
        return entries

    def update(self, done, failed, fsync=True):
        """Rewrite the file as it is now minus `done` plus `failed` ([(kind, value)]); how many entries it keeps."""
        if not failed and not os.path.isdir(self.dir):
            return 0
        if failed:
            self._make_dir()
        dfd = os.open(self.dir, os.O_RDONLY | getattr(os, 'O_DIRECTORY', 0) | getattr(os, 'O_CLOEXEC', 0))
        try:
            fcntl.flock(dfd, fcntl.LOCK_EX)
            self._remove_stale()
            current = self.read()
            done = set(done)
            entries = [e for e in current if e not in done]
            kept = set(entries)
            entries.extend(e for e in failed if not (e in kept or kept.add(e)))
            if entries == current:
                return len(entries)
            if entries:
                self._write(entries, fsync)
            else:
                os.unlink(self.path)
            if fsync:
                # the rename or the removal itself, through the directory
                os.fsync(dfd)
            return len(entries)
        finally:
            os.close(dfd)

    def _remove_stale(self):
        start, end = self._temp
        for name in os.listdir(self.dir):
            if name.startswith(start) and name.endswith(end):
                try:
                    os.unlink(os.path.join(self.dir, name))
                except FileNotFoundError:
                    pass

    def _make_dir(self):
        try:
            os.makedirs(self.dir, 0o700)
        except FileExistsError:
            return
        # not the umask's to decide: the list names what the origin serves
        os.chmod(self.dir, 0o700)

    def _write(self, entries, fsync):
        doc = {'format': FORMAT}
        for kind in KINDS:
            doc[kind] = [value for k, value in entries if k == kind]
        data = (json.dumps(doc, indent=1) + '\n').encode('utf-8')
        # mkstemp creates the file with mode 0600
        fd, tmp = tempfile.mkstemp(prefix=self._temp[0], suffix=self._temp[1], dir=self.dir)
        try:
            with os.fdopen(fd, 'wb') as f:
                f.write(data)
                f.flush()
                if fsync:
                    os.fsync(f.fileno())
            os.rename(tmp, self.path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
