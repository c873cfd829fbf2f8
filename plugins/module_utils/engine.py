# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cdn.origin maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The engine's entry point: validate, plan, and (unless in check mode) apply.

A run plans the whole tree once without writing: conflicts, planning errors
and `max_delete` fail the task there, before anything changed, and a no-op
or check-mode run ends there. A plan of up to KEEP_DECISIONS changes is then
applied as it stands; a larger one is planned again, streaming each decision
straight into the executor, so memory stays bounded, and either way
prediction and action come from the same code. A second plan deletes no
more than the first one counted, and prunes only when it is the first one
again: what max_delete checked is what is deleted. The run holds the dest
lock from its planning to its end.

A real run applies its plan in three phases (see _Order), and reports each
change, check mode too, in the order it is applied: additions (new
directories, files and links, which no reader can already see) in walk
order, their copies staged and renamed into place a batch at a time (see
_add); then replacements, each staged beside its final name and all
of a batch renamed into place in one burst, then changes of type; then
removals (stale temporary files, prune). What waits for a later phase is
spooled (see _Spool), so memory stays flat however large the plan.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import hashlib
import os
import re
import stat
import tempfile
from fractions import Fraction

from ansible_collections.cdn.origin.plugins.module_utils.lock import Overtaken, lock_dir
from ansible_collections.cdn.origin.plugins.module_utils.plan import COPY, MKDIR, RELINK, REMOVE, UPDATE, Planner, guarded, parent_mkdirs
from ansible_collections.cdn.origin.plugins.module_utils.policy import (
    Excluder, ModeSpec, Roots, display, inside, is_temp_name, split_paths,
)
from ansible_collections.cdn.origin.plugins.module_utils.report import CHANGES_LIMIT, Report, diff_line

ERRORS_LIMIT = 50
# Errors after which no further write can succeed: stop at once.
FATAL_ERRNOS = frozenset((errno.ENOSPC, errno.EDQUOT, errno.EROFS))
# Deletions named in the message of a max_delete failure (`errors` lists more).
DELETIONS_SHOWN = 10
# A rerun that changes little applies the decisions kept from its planning
# pass instead of walking both trees again; past this many the walk is
# repeated, streaming, so memory stays bounded whatever the tree.
KEEP_DECISIONS = 20000
# Replacements staged at once at most (temporary files beside their final
# names, no descriptor held): a larger plan stages and renames them into
# place in bursts of this many, so dest never holds more temporaries.
STAGED_AT_ONCE = 10000
# Additions held at once at most (see _add): the new copies among them are
# made durable together and renamed into place, then the batch is reported.
ADDED_AT_ONCE = 1024
# Decisions a spool for a later phase keeps in memory; past it they go to an
# unnamed temporary file outside dest (see _Spool).
SPOOL_KEPT = 4096
# File systems that cannot hold symlinks: links are planned as copies there,
# so check mode predicts the fallback and reruns stay idempotent.
NO_SYMLINK_FS = frozenset(('vfat', 'msdos', 'exfat', 'fat', 'umsdos'))
# uid_t and gid_t: (uid_t) -1, the largest, tells chown to leave the id alone.
ID_LIMIT = 1 << 32
_PERCENT = re.compile(r'\A(\d+(?:\.\d+)?)\s*%\Z')
# In a batch of additions (see _add), the mark of an entry applied at once (a directory, a link): only reported there.
_APPLIED = object()


class MirrorError(Exception):
    """A refusal before anything changed; `preview` keeps the plan in check mode's result."""

    def __init__(self, msg, errors=None, preview=False):
        super(MirrorError, self).__init__(msg)
        self.msg = msg
        self.errors = errors or []
        self.preview = preview


class Config:
    """Validated options plus what was found out about the roots."""

    def __init__(self, **kwargs):
        self.__dict__.update(kwargs)


def _abs(path):
    return os.path.abspath(os.path.expanduser(str(path)))


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


_MOUNTINFO = '/proc/self/mountinfo'
# mountinfo writes a space, tab, newline or backslash in a path as \ and three octal digits
_ESCAPED = re.compile(br'\\([0-7]{3})')


def mount_table(mountinfo=_MOUNTINFO):
    """[(mount point, file system type)] of every mount this process sees; [] where that is unknown."""
    found = []
    try:
        with open(mountinfo, 'rb') as f:
            for line in f:
                fields = line.split()
                sep = fields.index(b'-')
                point = os.fsdecode(_ESCAPED.sub(lambda m: bytes((int(m.group(1), 8),)), fields[4]))
                found.append((point, os.fsdecode(fields[sep + 1])))
    except (OSError, ValueError, IndexError):
        return []
    return found


def _mount_entry(path, table):
    """(mount point, file system type) of the mount holding `path` in `table`; (None, None) where unknown."""
    best = (None, None)
    for point, fstype in table:
        if inside(path, point) and (best[0] is None or len(point) >= len(best[0])):
            best = (point, fstype)
    return best


def fs_type(path, mountinfo=_MOUNTINFO):
    """File system type of the mount holding `path`, or None where unknown."""
    return _mount_entry(path, mount_table(mountinfo))[1]


def mounts_inside(root, mountinfo=_MOUNTINFO):
    """The mount points strictly inside `root`, as Roots (empty where mountinfo cannot be read)."""
    return Roots(point for point, _fstype in mount_table(mountinfo) if point != root and inside(point, root))


def _existing_dir(path, what):
    try:
        st = os.stat(path)
    except NotADirectoryError:
        blocker = path
        while not os.path.lexists(blocker):
            blocker = os.path.dirname(blocker)
        raise MirrorError('%s %s does not exist: %s exists and is not a directory'
                          % (what, display(path), display(blocker)))
    except FileNotFoundError:
        raise MirrorError('%s %s does not exist' % (what, display(path)))
    except OSError as exc:
        raise MirrorError('%s %s cannot be read: %s' % (what, display(path), exc.strerror))
    if not stat.S_ISDIR(st.st_mode):
        raise MirrorError('%s %s exists and is not a directory' % (what, display(path)))


# Every option of a mirror run and its default: the one place an option is
# declared for the engine (the module adds its argument spec, nothing else).
DEFAULTS = dict(within=(), link_style='absolute', prune=False, exclude=(), checksum=False, force=False, mode=None,
                owner=None, group=None, directory_mode=None, fsync=True, max_delete=None, workers=None,
                prune_mounts=False, link_owner='process', link_target='real', dedupe=False, parents=True,
                state_file=None, prune_grace=0, changes_limit=CHANGES_LIMIT, purge_paths=False)


def _missing_parents(directory, what):
    """The directories missing down to `directory` (a real path, the parent of dest), outermost first.

    Fails naming the path where one of them exists and is not a directory.
    """
    missing = []
    path = directory
    while True:
        try:
            st = os.lstat(path)
        except (FileNotFoundError, NotADirectoryError):
            missing.insert(0, path)
            path = os.path.dirname(path)
            continue
        except OSError as exc:
            raise MirrorError('%s %s cannot be read: %s' % (what, display(path), exc.strerror))
        break
    if not stat.S_ISDIR(st.st_mode):
        if not missing:
            raise MirrorError('%s %s exists and is not a directory' % (what, display(path)))
        raise MirrorError('%s %s does not exist: %s exists and is not a directory'
                          % (what, display(directory), display(path)))
    return missing


def _parent(cfg, path, what):
    """The real path of `path`, the directory dest goes in, and what is missing of it (cfg.parents)."""
    if not cfg.create_parents:
        _existing_dir(path, what)
    real = os.path.realpath(path)
    cfg.parents = _missing_parents(real, what) if cfg.create_parents else []
    return real


def options(given):
    """`given` completed with the defaults; a name the engine does not know is a caller's bug."""
    unknown = sorted(set(given) - set(DEFAULTS))
    if unknown:
        raise TypeError('unknown mirror option(s): %s' % ', '.join(unknown))
    opts = dict(DEFAULTS)
    opts.update(given)
    return Config(**opts)


def _blank(value):
    return value is None or not str(value).strip()


def _max_delete(value):
    """max_delete as (count, percent), at most one of them set."""
    if value is None:
        return None, None
    text = str(value).strip()
    match = _PERCENT.match(text)
    if match and Fraction(match.group(1)) <= 100:
        return None, Fraction(match.group(1))
    if not isinstance(value, bool) and text.isdigit():
        return int(text), None
    raise MirrorError('max_delete must be 0 or more, or a percentage from 0%% to 100%% of the entries in dest '
                      '(like "50%%"), not %r' % (value,))


def _changes_limit(value):
    """How many changes (and pending removals) a result lists: None for all of them (changes_limit 0)."""
    if isinstance(value, bool) or not str(value).strip().isdigit():
        raise MirrorError('changes_limit must be a whole number, 0 (list every change) or more, not %r' % (value,))
    return int(value) or None


def _id(value, what):
    """A numeric owner or group that chown can set, or None."""
    if value is None:
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise MirrorError('%s must be a numeric id, not %r' % (what, value))
    if not 0 <= number < ID_LIMIT - 1:
        raise MirrorError('%s %s is out of range: an id goes from 0 to %d (%d means "leave unchanged" to chown)'
                          % (what, value, ID_LIMIT - 2, ID_LIMIT - 1))
    return number


def worker_count():
    """One planning process per CPU this process may run on and that is not busy already, at most 8, at least 1.

    Busy as `make -l` judges it, by the 1-minute load average: where every CPU is taken (a web server at work,
    ten origins of a test fleet on two cores), more planners only add forks and context switches to the same
    work, and the serial walk finishes as soon.
    """
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    try:
        # this process is one of the runnable ones the load counts
        idle = int(cpus - os.getloadavg()[0] + 1)
    except OSError:
        idle = cpus
    return max(1, min(cpus, idle, 8))


def _workers(value):
    """The planning processes: one per idle CPU (at most 8) when not given; 1 plans in this process alone."""
    if value is None:
        return worker_count()
    if isinstance(value, bool) or not str(value).strip().isdigit() or int(value) < 1:
        raise MirrorError('workers must be a whole number of 1 or more (1: plan in this process, without forking), '
                          'not %r' % (value,))
    return int(value)


def _within(value):
    """The `within` roots: existing directories named by absolute paths.

    A mistyped root would leave every link into it outside every root, and
    prune would then delete what those links mirrored.
    """
    paths = split_paths(value)
    for path in paths:
        if _blank(path):
            raise MirrorError('within %r has an empty entry (an empty string, or a colon doubled or at an end): '
                              'give absolute directories, or [] for none' % (value,))
        full = os.path.expanduser(path)
        if not os.path.isabs(full):
            raise MirrorError('within %s is not an absolute path' % display(path))
        _existing_dir(full, 'within')
    return Roots.resolve(paths)


def configure(src, dest, check_mode=False, **given):
    """Check every option and the roots; raises MirrorError naming the path and the reason."""
    opt = options(given)
    link_style, mode, directory_mode = opt.link_style, opt.mode, opt.directory_mode
    if link_style not in ('absolute', 'relative', 'hard'):
        raise MirrorError('link_style must be absolute, relative or hard, not %r' % (link_style,))
    _links_valid(opt)
    max_delete, max_delete_percent = _max_delete(opt.max_delete)
    uid, gid = _id(opt.owner, 'owner'), _id(opt.group, 'group')
    srcs = src if isinstance(src, (list, tuple)) else [src]
    if not srcs:
        raise MirrorError('src is empty: give a file, a directory or a list of directories')
    # an empty path is the working directory: the playbook's, or the remote user's home
    if any(_blank(p) for p in srcs):
        raise MirrorError('src %r has an empty entry: give a file, a directory or a list of directories' % (src,))
    if _blank(dest):
        raise MirrorError('dest %r is empty: give the path of the mirror' % (dest,))
    try:
        mode_spec = None if mode is None else ModeSpec(mode, 'mode')
        dir_spec = None if directory_mode is None else ModeSpec(directory_mode, 'directory_mode')
    except ValueError as exc:
        raise MirrorError(str(exc))
    dest_path = _abs(dest)
    within_roots = _within(opt.within)
    sources = []
    for path in (_abs(p) for p in srcs):
        try:
            st = os.stat(path)
        except FileNotFoundError:
            raise MirrorError('src %s does not exist' % display(path))
        except OSError as exc:
            raise MirrorError('src %s cannot be read: %s' % (display(path), exc.strerror))
        sources.append((path, os.path.realpath(path), st))
    cfg = Config(within=within_roots, link_style=link_style, prune=bool(opt.prune),
                 excluded=Excluder(opt.exclude) if any(opt.exclude or ()) else None,
                 checksum=bool(opt.checksum), force=bool(opt.force), mode=mode_spec, directory_mode=dir_spec,
                 uid=uid, gid=gid, fsync=bool(opt.fsync), max_delete=max_delete, max_delete_percent=max_delete_percent,
                 default_dir_mode=0o777 & ~_umask(), single=None, single_name=None,
                 workers=_workers(opt.workers), create_parents=bool(opt.parents), parents=[],
                 changes_limit=_changes_limit(opt.changes_limit), purge_paths=bool(opt.purge_paths))
    if len(sources) == 1 and not stat.S_ISDIR(sources[0][2].st_mode):
        _configure_single(cfg, sources[0], dest_path, dest)
    else:
        _configure_tree(cfg, sources, dest_path)
    cfg.dest_roots = Roots((cfg.dest_real,))
    cfg.allowed = Roots(tuple(within_roots.reals) + tuple(real for _path, real in cfg.sources))
    cfg.root_reals = frozenset(cfg.allowed.reals + cfg.dest_roots.reals)
    cfg.symlinks = fs_type(cfg.dest_real) not in NO_SYMLINK_FS
    _configure_links(cfg, opt)
    # where dest holds no links, a file is copied whatever it equals: no compare
    cfg.dedupe = bool(opt.dedupe) and cfg.symlinks
    # what prune and force must not cross, found before any change
    cfg.prune_mounts = bool(opt.prune_mounts)
    cfg.mounts = mounts_inside(cfg.dest_real) if cfg.prune or cfg.force else Roots(())
    cfg.state = _state(cfg, opt, check_mode)
    return cfg


def _grace(opt):
    value = opt.prune_grace
    if isinstance(value, bool) or not str(value).strip().isdigit():
        raise MirrorError('prune_grace must be a whole number of seconds, 0 or more, not %r' % (value,))
    grace = int(value)
    if grace and opt.state_file is None:
        raise MirrorError('prune_grace needs a state_file: the time an entry was first seen absent is kept there')
    if grace and not opt.prune:
        raise MirrorError('prune_grace needs prune: true: without prune nothing is removed, after a grace or not')
    return grace


def _state(cfg, opt, check_mode):
    """The served-tree record of this run (state.Run), or None without state_file."""
    grace = _grace(opt)
    if opt.state_file is None:
        return None
    if _blank(opt.state_file):
        raise MirrorError('state_file %r is empty: give the path of a file outside dest' % (opt.state_file,))
    path = _abs(opt.state_file)
    parent, name = os.path.split(path)
    real = os.path.join(os.path.realpath(parent), name)
    served = os.path.join(cfg.dest_real, cfg.single_name) if cfg.single else cfg.dest_real
    for where in (path, real):
        if inside(where, served) or inside(served, where):
            raise MirrorError('state_file %s lies inside dest %s%s: the mirror would prune or serve its own record'
                              % (display(path), display(cfg.label), '' if where == path else ' (as %s)' % display(real)))
        for source, source_real in cfg.sources:
            if inside(where, source_real):
                raise MirrorError('state_file %s lies inside src %s: it would be mirrored' % (display(path), display(source)))
    if os.path.isdir(real):
        raise MirrorError('state_file %s is a directory: give the path of a file' % display(path))
    if not os.path.isdir(os.path.dirname(real)) and not check_mode:
        # check mode writes nothing: a directory the play creates before the real run is no error there
        raise MirrorError('the parent directory of state_file %s does not exist: create it (the mirror role does)'
                          % display(path))
    # imported here, for a run that keeps a record: AnsiballZ compiles every module a module imports, on every run
    from ansible_collections.cdn.origin.plugins.module_utils import state

    return state.Run(real, cfg.dest_real, grace, state.clock())


def _links_valid(opt):
    if opt.link_owner not in ('process', 'target'):
        raise MirrorError('link_owner must be process or target, not %r' % (opt.link_owner,))
    if opt.link_target not in ('real', 'given'):
        raise MirrorError('link_target must be real or given, not %r' % (opt.link_target,))
    if opt.link_target == 'given' and opt.link_style == 'hard':
        # a hard link is the inode found now: switching a release link would relink it anyway
        raise MirrorError('link_target: given needs symlinks: a hard link (link_style: hard) is to the file itself, '
                          'not through a path')


def _configure_links(cfg, opt):
    """What links need beyond the roots: the given within paths, and where hard links can be made."""
    cfg.link_owner = opt.link_owner
    # (real root as a prefix, the within path as given), longest first: a file links through its closest root
    cfg.given = None
    if opt.link_target == 'given':
        given = [(_child_prefix(os.path.realpath(path)), path) for path in (_abs(w) for w in split_paths(opt.within))]
        cfg.given = sorted(given, key=lambda pair: -len(pair[0]))
    if cfg.link_style != 'hard':
        return
    nearest = cfg.dest_real
    while not os.path.lexists(nearest):
        nearest = os.path.dirname(nearest)
    # link(2) fails with EXDEV across mounts, bind mounts of one device too: compare mount points, not just devices
    table = mount_table()
    dest_mount = _mount_entry(nearest, table)[0]
    cfg.hard_roots = Roots(real for real in cfg.within.reals if _mount_entry(real, table)[0] == dest_mount)
    cfg.euid = os.geteuid()
    cfg.protected_hardlinks = cfg.euid != 0 and _sysctl('/proc/sys/fs/protected_hardlinks') != '0'


def _child_prefix(real):
    return real if real.endswith('/') else real + '/'


def _sysctl(path):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return None


def _configure_single(cfg, source, dest_path, dest_given):
    path, real, st = source
    if not stat.S_ISREG(st.st_mode):
        raise MirrorError('src %s is not a regular file or a directory' % display(path))
    if str(dest_given).endswith('/') or os.path.isdir(dest_path):
        dest_path = os.path.join(dest_path, os.path.basename(path))
    parent, name = os.path.split(dest_path)
    parent_real = _parent(cfg, parent, 'the parent directory')
    if os.path.join(parent_real, name) == real:
        raise MirrorError('src %s and dest %s are the same file' % (display(path), display(dest_path)))
    cfg.single = (real, st)
    cfg.single_name = name
    cfg.sources = [(path, real)]
    cfg.dest_real = parent_real
    cfg.dest_exists = not cfg.parents
    cfg.label = dest_path


def _configure_tree(cfg, sources, dest_path):
    for path, _real, st in sources:
        if not stat.S_ISDIR(st.st_mode):
            raise MirrorError('src %s is not a directory: layers must all be directories' % display(path))
    dest_real = os.path.realpath(dest_path)
    for path, real, _st in sources:
        if inside(dest_real, real):
            raise MirrorError('dest %s lies inside src %s: the mirror would copy itself'
                              % (display(dest_path), display(path)))
        if inside(real, dest_real):
            raise MirrorError('src %s lies inside dest %s: prune and updates would eat the source'
                              % (display(path), display(dest_path)))
    try:
        st = os.stat(dest_real)
    except (FileNotFoundError, NotADirectoryError):
        if os.path.islink(dest_path):
            # mkdir would create the link's target, wherever it points
            raise MirrorError('dest %s is a symlink to %s, which does not exist: create that directory or remove '
                              'the link' % (display(dest_path), display(os.readlink(dest_path))))
        _parent(cfg, os.path.dirname(dest_real), 'the parent directory of dest')
        st = None
    if st is not None and not stat.S_ISDIR(st.st_mode):
        raise MirrorError('dest %s exists and is not a directory' % display(dest_path))
    cfg.sources = [(path, real) for path, real, _st in sources]
    cfg.dest_real = dest_real
    cfg.dest_exists = st is not None
    cfg.label = dest_path


class _Phase:
    """One phase of a plan (its entries, then its removals) as it goes by: a digest of its
    decisions, how many there are and how many delete, and the decisions themselves while few."""

    def __init__(self, keep):
        self._digest = hashlib.sha256()
        self.count = 0
        self.deletions = 0
        self.kept = [] if keep else None

    def add(self, d):
        self._digest.update(os.fsencode('%s %s\0' % (d.action, d.rel)))
        self.count += 1
        if d.deletes:
            self.deletions += 1
        if self.kept is not None:
            self.kept.append(d)
            if len(self.kept) > KEEP_DECISIONS:
                self.kept = None

    def digest(self):
        return self._digest.digest()


class _Spool:
    """Items put aside for a later phase, read back once in the order added: in memory while
    few, then pickled in chunks to an unnamed temporary file of the system's temporary
    directory (never in dest; gone with the process, however it ends). A spool of a plan
    already held in memory (`spill` false) only holds it."""

    def __init__(self, spill):
        self._items = []
        self._file = None
        self._spill = spill
        self.count = 0

    def add(self, item):
        self.count += 1
        self._items.append(item)
        if self._spill and len(self._items) >= SPOOL_KEPT:
            # imported by the spools that spill, and only then: AnsiballZ runs start a fresh interpreter each
            import pickle

            if self._file is None:
                self._file = tempfile.TemporaryFile(prefix='cdn-origin-plan-')
            pickle.dump(self._items, self._file, pickle.HIGHEST_PROTOCOL)
            self._items = []

    def __iter__(self):
        if self._file is not None:
            import pickle

            self._file.seek(0)
            while True:
                try:
                    chunk = pickle.load(self._file)
                except EOFError:
                    break
                yield from chunk
        yield from self._items

    def close(self):
        self._items = []
        if self._file is not None:
            self._file.close()
            self._file = None


class _Order:
    """The phase each decision of the entries' walk is applied in, the same for check mode and a real run.

    now(d), given the decisions in walk order, is true for an addition,
    applied (and reported) as it comes: a mkdir, a new file or link, a skip.
    The others are put aside, in walk order: `replacements` (an update or
    relink of an existing entry, staged and renamed into place in a burst,
    or an attribute fix made in that burst), `retyped` (a change between a
    directory and anything else: no rename can make it, so the old entry and
    everything below it is removed first, then the new one is made, with
    what lies below it) and `repairs` (stale temporary files).
    """

    def __init__(self, spill=True):
        self.replacements = _Spool(spill)
        self.retyped = _Spool(spill)
        self.repairs = _Spool(spill)
        # the path of the last removal of a change of type: the next decision there completes it
        self._removed = None
        # directories replacing a file: what is made below them comes with their change of type
        self._new_dirs = set()

    def now(self, d):
        if d.action == REMOVE and is_temp_name(d.name):
            self.repairs.add(d)
        elif d.action == REMOVE or d.rel == self._removed or self._new_dirs and self._below_new_dir(d.parent):
            if d.action == REMOVE:
                self._removed = d.rel
            elif d.rel == self._removed:
                self._removed = None
                if d.action == MKDIR:
                    self._new_dirs.add(d.rel)
            self.retyped.add(d)
        elif d.action in (UPDATE, RELINK):
            self.replacements.add(d)
        else:
            return True
        return False

    def _below_new_dir(self, parent):
        while parent:
            if parent in self._new_dirs:
                return True
            parent = parent.rpartition('/')[0]
        return False

    def later(self):
        """What was put aside, in the order it is applied."""
        for spool in (self.replacements, self.retyped, self.repairs):
            yield from spool

    def close(self):
        for spool in (self.replacements, self.retyped, self.repairs):
            spool.close()


def _plan_all(cfg, report, ordered):
    """Plan without writing; returns the planner and its (entries, removals) phases. The report
    lists the changes in the order they are applied when `ordered` (check mode's report is the
    result; a real run reports what it applies, and its plan's report only counts)."""
    planner = Planner(cfg)
    entries = guarded(_entries(planner, cfg.workers), planner.errors, cfg.label)
    entries = _report_entries(entries, report) if ordered else _report_all(entries, report)
    removals = _Phase(keep=True)
    if not planner.errors and not planner.conflicts:
        removals = _report_all(guarded(planner.removals(), planner.errors, cfg.label), report)
    return planner, (entries, removals)


def _entries(planner, workers):
    if workers < 2 or planner.cfg.single:
        return planner.entries()
    # imported only to fork planners: AnsiballZ compiles every module a module imports, on every run
    from ansible_collections.cdn.origin.plugins.module_utils import parallel

    return parallel.entries(planner, workers)


def _report_entries(decisions, report):
    """Add every decision to the report in the order a real run applies them (see _Order), and to
    the phase returned in walk order."""
    phase = _Phase(keep=True)
    order = _Order()
    try:
        for d in decisions:
            phase.add(d)
            if order.now(d):
                report.add(d)
        for d in order.later():
            report.add(d)
    finally:
        order.close()
    return phase


def _report_all(decisions, report):
    """Add every decision to the report and to the phase returned."""
    phase = _Phase(keep=True)
    for d in decisions:
        report.add(d)
        phase.add(d)
    return phase


def _delete_limit(cfg, dest_entries):
    """The most deletions a run may plan, or None: max_delete, or its percentage of the dest entries."""
    if cfg.max_delete_percent is not None:
        return int(cfg.max_delete_percent * dest_entries / 100)
    return cfg.max_delete


def _check(cfg, planner, report):
    if planner.errors:
        raise MirrorError('planning failed, nothing was changed: %s'
                          % '; '.join('%s: %s' % (display(p), m) for p, m in planner.errors[:ERRORS_LIMIT]),
                          errors=_error_list(planner.errors))
    if planner.conflicts:
        conflicts = _conflicts(cfg, planner)
        raise MirrorError('non-empty directories in dest where a file or link must go (force: true replaces '
                          'them), nothing was changed: %s' % ', '.join(display(p) for p, _m in conflicts[:ERRORS_LIMIT]),
                          errors=_error_list(conflicts))
    limit = _delete_limit(cfg, planner.dest_entries)
    if limit is not None and report.deletions > limit:
        if cfg.max_delete_percent is None:
            allowed = 'max_delete=%d' % limit
        else:
            allowed = 'max_delete=%g%% of the %d entries in dest (%d)' % (float(cfg.max_delete_percent),
                                                                          planner.dest_entries, limit)
        first = report.first_deletions
        raise MirrorError('%d deletions planned in %s, more than %s: nothing was changed (is a source empty or '
                          'unmounted, a within or src mistyped?); the first: %s%s'
                          % (report.deletions, display(cfg.label), allowed,
                             ', '.join(display(rel) for rel in first[:DELETIONS_SHOWN]),
                             ', ...' if report.deletions > DELETIONS_SHOWN else ''),
                          errors=_error_list([(os.path.join(cfg.dest_real, rel), 'would be deleted') for rel in first]),
                          preview=True)


def _conflicts(cfg, planner):
    # relative to the directory the planner walked: dest itself, or the parent of a single file
    return [(os.path.join(cfg.dest_real, c), 'non-empty directory in the way') for c in planner.conflicts]


def _error_list(errors):
    return [{'path': display(p), 'msg': m} for p, m in errors[:ERRORS_LIMIT]]


def _apply_all(cfg, applier, report, errors, planner=None, plan=None):
    """Apply the kept decisions of `planner`'s `plan`, or plan again while applying.

    Returns the planner and whether the removals ran. No phase deletes more
    than the first plan counted (without one, than max_delete allows in an
    empty dest).
    """
    again = plan is None or plan[0].kept is None or plan[1].kept is None
    if again:
        planner = Planner(cfg)
        entries = guarded(planner.entries(), planner.errors, cfg.label)
    else:
        entries = plan[0].kept
    budgets = (_delete_limit(cfg, 0),) * 2 if plan is None else (plan[0].deletions, plan[1].deletions)
    removed = False
    try:
        seen = _apply_entries(cfg, entries, applier, report, errors, budgets[0], planner, again)
        errors.extend(planner.errors)
        errors.extend(_conflicts(cfg, planner))
        removals = None
        if not errors:
            removals = _removals_again(cfg, planner, plan, seen, errors) if again else plan[1].kept
        if removals is not None:
            removed = True
            _apply_stream(cfg, removals, applier, report, errors, budgets[1])
            errors.extend(planner.errors)
    finally:
        applier.close()
    return planner, removed


def _removals_again(cfg, planner, plan, seen, errors):
    """The removals of a second plan, or None (and an error) when they must not run.

    They run only when the second plan, `seen` applied and its removals
    listed once more, is the first one: a source emptied or unmounted since
    it was planned fails the run here, before anything is removed.
    """
    if plan is None:
        return guarded(planner.removals(), errors, cfg.label)
    listed = _Phase(keep=False)
    for d in guarded(planner.removals(), planner.errors, cfg.label):
        listed.add(d)
    if planner.errors:
        errors.extend(planner.errors)
        return None
    if listed.count and (seen.digest() != plan[0].digest() or listed.digest() != plan[1].digest()):
        errors.append((cfg.label, 'the trees changed since this run planned them: nothing was removed, run again'))
        return None
    return guarded(planner.removals(), errors, cfg.label)


def _apply_entries(cfg, decisions, applier, report, errors, budget, planner, spill):
    """Apply the entries' decisions in their phases (see _Order): the additions as the walk
    yields them, then (unless one of them, or the walk, failed) the replacements (_replace) and the changes of
    type, then the stale temporary files. What waits is spooled to disk when `spill` (a plan
    walked again, not held in memory). Stops at a fatal error or a deletion past `budget`;
    returns the phase seen, in walk order."""
    seen = _Phase(keep=False)
    order = _Order(spill)
    failed = len(errors)
    # the additions applied or staged since the last burst (see _add)
    added = []
    try:
        for d in decisions:
            seen.add(d)
            if _over_budget(cfg, d, seen, budget, errors):
                return seen
            if order.now(d) and not _add(cfg, d, added, applier, report, errors):
                return seen
        if added and not _burst(cfg, added, applier, report, errors):
            return seen
        if len(errors) > failed or planner.errors or planner.conflicts:
            # a replaced page could name what failed to be added: the old entries stay, all of them
            if order.replacements.count or order.retyped.count:
                errors.append((cfg.label, '%d replacement(s) held back, nothing that existed was changed: an addition '
                                          'or the walk failed; the next run makes them'
                                          % (order.replacements.count + order.retyped.count)))
            spools = (order.repairs,)
        else:
            spools = (order.retyped, order.repairs) if _replace(cfg, order.replacements, applier, report, errors) else ()
        for spool in spools:
            if not all(_apply_one(cfg, d, applier, report, errors) for d in spool):
                break
    finally:
        order.close()
        _drop(applier, report, added)
    return seen


def _add(cfg, d, added, applier, report, errors):
    """Apply the addition `d`, or stage it when it is a copy. Additions are reported in walk order, a
    batch of at most ADDED_AT_ONCE at a time, once its copies are durable (one syncfs for all of
    them, see Applier.sync_batch) and renamed into place. False when the run must stop."""
    try:
        added.append(applier.stage(d) if d.action == COPY else (applier.apply(d), _APPLIED))
    except OSError as exc:
        errors.append((_path(cfg, d), exc.strerror or str(exc)))
        return exc.errno not in FATAL_ERRNOS
    return len(added) < ADDED_AT_ONCE or _burst(cfg, added, applier, report, errors)


def _drop(applier, report, batch):
    """Remove the staged entries of `batch` that will not be renamed into place, and report the ones it
    holds already applied."""
    for done, temp in batch:
        if temp is _APPLIED:
            report.add(done)
        else:
            applier.discard(done, temp)
    del batch[:]


def _path(cfg, d):
    return os.path.join(cfg.dest_real, d.rel)


def _over_budget(cfg, d, seen, budget, errors):
    """Whether `d`, just seen, deletes past `budget` (noted in `errors`): the run stops before it."""
    if budget is None or seen.deletions <= budget:
        return False
    errors.append((_path(cfg, d), 'not deleted: the run would delete more than the %d entries its plan counted '
                                  '(the trees changed while it ran), stopped here' % budget))
    return True


def _apply_one(cfg, d, applier, report, errors):
    """Apply `d` and report it, or note its error; False after an error that stops the run."""
    try:
        report.add(applier.apply(d))
    except OSError as exc:
        errors.append((_path(cfg, d), exc.strerror or str(exc)))
        return exc.errno not in FATAL_ERRNOS
    return True


def _replace(cfg, replacements, applier, report, errors):
    """Stage every replacement beside its final name, then rename them into place in one burst
    (one per STAGED_AT_ONCE). A replacement that cannot be staged keeps its old entry; an error
    that stops the run removes what is staged, unseen. False when the run must stop."""
    batch = []
    try:
        for d in replacements:
            try:
                batch.append(applier.stage(d))
            except OSError as exc:
                errors.append((_path(cfg, d), exc.strerror or str(exc)))
                if exc.errno in FATAL_ERRNOS:
                    return False
                continue
            if len(batch) >= STAGED_AT_ONCE and not _burst(cfg, batch, applier, report, errors):
                return False
        return _burst(cfg, batch, applier, report, errors)
    finally:
        _drop(applier, report, batch)


def _burst(cfg, batch, applier, report, errors):
    """Make the staged `batch` durable, then rename it into place, back to back, and empty it; after
    an error that stops the run, what was not renamed yet stays in it, for the caller to drop.
    An entry whose fsync fails is not renamed, as one that cannot be staged."""
    synced = []
    applier.sync_batch(batch)
    for done, temp in batch:
        try:
            applier.sync(done, temp)
        except OSError as exc:
            errors.append((_path(cfg, done), exc.strerror or str(exc)))
            if exc.errno in FATAL_ERRNOS:
                return False
            applier.discard(done, temp)
            continue
        synced.append((done, temp))
    batch[:] = synced
    for i, (done, temp) in enumerate(batch):
        try:
            report.add(done if temp is _APPLIED else applier.commit(done, temp))
        except OSError as exc:
            errors.append((_path(cfg, done), exc.strerror or str(exc)))
            if exc.errno in FATAL_ERRNOS:
                del batch[:i + 1]
                return False
    del batch[:]
    return True


def _apply_stream(cfg, decisions, applier, report, errors, budget):
    """Apply `decisions` in order until a fatal error or a deletion past `budget`; returns the phase seen."""
    seen = _Phase(keep=False)
    for d in decisions:
        seen.add(d)
        if _over_budget(cfg, d, seen, budget, errors) or not _apply_one(cfg, d, applier, report, errors):
            return seen
    return seen


def _planned(cfg, planner, report):
    result = _with_parents(report.result(planner.unchanged, single=cfg.single is not None), parent_mkdirs(cfg))
    result['warnings'] = report.warnings()
    return _with_state(cfg, planner, result)


def _with_state(cfg, planner, result):
    """The result with what prune_grace keeps (`removals_pending`) and the record's warnings."""
    pending = planner.pending if planner is not None else []
    result['summary']['pending_removal'] = len(pending)
    # entries are kept for their grace only by a run with a record
    result['removals_pending'] = cfg.state.pending(pending[:cfg.changes_limit]) if pending else []
    if cfg.state is not None:
        result['warnings'] = cfg.state.warnings() + result['warnings']
    return result


def _record(cfg, result):
    """Write the record of a successful run; a record that cannot be written is a warning, dest is done."""
    if cfg.state is None or result.get('failed'):
        return result
    try:
        cfg.state.commit()
    except OSError as exc:
        result['warnings'].append('state_file %s not written: %s; the next run finds the same refreshes again and '
                                  'starts the grace of what is absent anew' % (display(cfg.state.path), exc.strerror or exc))
    return result


def _with_parents(result, parents):
    """`result` with the parents of dest created (or to create), in `parents_created` and first in the diff."""
    result['parents_created'] = [display(d.rel) for d in parents]
    if parents:
        result['changed'] = True
        if 'diff' in result:
            result['diff']['prepared'] = ''.join(diff_line(d) + '\n' for d in parents) + result['diff']['prepared']
    return result


def mirror(src, dest, check_mode=False, diff=False, **given):
    """Mirror `src` into `dest`; returns the module result as a dict (failed=True on failure)."""
    try:
        cfg = configure(src, dest, check_mode=check_mode, **given)
    except MirrorError as exc:
        return _failure(exc)
    # one run at a time on a dest, from its planning to its end (see lock.py)
    dest_lock = _DestLock(cfg)
    try:
        try:
            return _run(cfg, dest_lock, check_mode, diff, ())
        except Overtaken as exc:
            # another run created dest while this one was about to: wait for it, then plan what it left
            cfg.dest_exists = True
            return _run(cfg, dest_lock, check_mode, diff, [d for d in (exc.created,) if d is not None])
    finally:
        dest_lock.unlock()
        if cfg.state is not None:
            cfg.state.close()


class _DestLock:
    """dest's lock for one run, and the Applier that writes under it.

    The Applier is made, and apply.py imported, when the run has something to
    apply: a rerun that changes nothing, or a check-mode run, never compiles it
    (AnsiballZ compiles every module a module imports, on every run). It takes
    the locked descriptor over, or locks dest itself once it has created it.
    """

    def __init__(self, cfg):
        self.cfg = cfg
        self._root = None
        self._applier = None

    def lock(self, shared):
        if self._applier is not None:
            self._applier.lock(shared)
        elif self._root is None:
            self._root = lock_dir(self.cfg.dest_real, shared)

    def applier(self):
        if self._applier is None:
            from ansible_collections.cdn.origin.plugins.module_utils.apply import Applier

            self._applier, self._root = Applier(self.cfg, self._root), None
        return self._applier

    def unlock(self):
        if self._applier is not None:
            self._applier.unlock()
        elif self._root is not None:
            os.close(self._root)
            self._root = None


def _failure(exc):
    return {'failed': True, 'changed': False, 'msg': exc.msg, 'errors': exc.errors}


def _report(cfg, diff, done):
    report = Report(cfg.label, diff, cfg.changes_limit, cfg.purge_paths)
    for d in done:
        report.add(d)
    return report


def _lock(cfg, dest_lock, check_mode):
    try:
        dest_lock.lock(shared=check_mode)
    except OSError as exc:
        raise MirrorError('cannot lock dest %s: %s' % (display(cfg.dest_real), exc.strerror or exc))


def _run(cfg, dest_lock, check_mode, diff, done):
    """One run under the dest lock, from planning to the end; `done` is what an overtaken first attempt did."""
    report = _report(cfg, diff, done)
    planner = plan = None
    try:
        if cfg.dest_exists:
            _lock(cfg, dest_lock, check_mode)
        _start_record(cfg, check_mode)
        # a dest that does not exist yet has nothing to conflict with or lose:
        # no need to plan twice (a real run locks it once created, before writing into it)
        if cfg.dest_exists or check_mode:
            planner, plan = _plan_all(cfg, report, check_mode)
            _check(cfg, planner, report)
    except MirrorError as exc:
        if check_mode and exc.preview:
            # what the guard stopped, for the operator to look at
            return dict(_planned(cfg, planner, report), **_failure(exc))
        return _failure(exc)
    if check_mode:
        return _planned(cfg, planner, report)
    if cfg.dest_exists and not report.changed:
        # nothing to apply; the record may still learn something (an entry newly absent, a first record)
        return _record(cfg, _planned(cfg, planner, report))
    applier = dest_lock.applier()
    try:
        applier.make_parents(parent_mkdirs(cfg))
    except OSError as exc:
        return dict(_failure(MirrorError('cannot create %s, the parent directory of %s: %s; nothing else was changed'
                                         % (display(exc.filename), display(cfg.label), exc.strerror or exc))),
                    parents_created=[display(d.rel) for d in applier.parents_made])
    report = _report(cfg, diff, done)
    errors = []
    planner, removed = _apply_all(cfg, applier, report, errors, planner, plan)
    result = _with_parents(report.result(planner.unchanged, single=cfg.single is not None), applier.parents_made)
    result['warnings'] = report.warnings() + applier.warnings
    if errors:
        if not cfg.prune:
            pruning = ''
        elif removed:
            pruning = ', while pruning (the other removals were done)'
        else:
            pruning = ', prune skipped'
        result['failed'] = True
        result['errors'] = _error_list(errors)
        result['msg'] = ('%d error(s) while mirroring into %s%s: %s' % (
            len(errors), display(cfg.label), pruning, '; '.join('%s: %s' % (display(p), m) for p, m in errors[:10])))
    # a failed run records nothing: the old record stays, and the next run sees again what this one changed
    return _record(cfg, _with_state(cfg, planner, result))


def _start_record(cfg, check_mode):
    """Read the record once the dest lock is held; a real run starts the new one."""
    if cfg.state is None:
        return
    try:
        cfg.state.open(not check_mode, cfg.fsync)
    except OSError as exc:
        raise MirrorError('cannot write state_file %s: %s' % (display(cfg.state.path), exc.strerror or exc))
