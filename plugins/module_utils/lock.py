# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cdn.origin maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One run at a time on a dest: its root directory's descriptor, flocked from planning to the end of the run.

Two runs on one dest would remove each other's temporary files, and a run that
waited must plan what the other one left instead of applying a stale plan. A
flock belongs to the open file description: the planning workers' copies of
the descriptor, closed when they exit, neither hold it longer nor release it.
Kept apart from apply.py, which a run imports only when it has something to
write: a rerun that changes nothing locks dest too.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import fcntl
import os


class Overtaken(Exception):
    """Another run got to a dest this run was creating: plan again, against what that run left.

    `created` is the dest root's mkdir when this run made it, else None.
    """

    def __init__(self, created):
        super(Overtaken, self).__init__('dest created by another run')
        self.created = created


def locked(fd, shared=False):
    """`fd` once flocked, shared (a check-mode run, which writes nothing) or exclusive; closed if that fails."""
    try:
        fcntl.flock(fd, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
    except BaseException:
        os.close(fd)
        raise
    return fd


def lock_dir(path, shared=False):
    """A descriptor of the directory `path` (the operator's path: links on the way to it are theirs), locked."""
    return locked(os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC), shared)
