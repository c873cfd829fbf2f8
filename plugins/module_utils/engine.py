# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cdn.origin maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The engine's entry point: validate, plan, and (unless in check mode) apply.

A run plans the whole tree once without writing: conflicts, planning errors
and `max_delete` fail the task there, before anything changed, and a no-op
or check-mode run ends there. A plan of up to KEEP_DECISIONS changes is then
applied as it stands; a larger one is planned again, streaming each decision
straight into the executor, so memory stays bounded, and either way
prediction and action come from the same code. The run holds the dest lock
from its planning to its end.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
import stat

from ansible_collections.cdn.origin.plugins.module_utils import parallel
from ansible_collections.cdn.origin.plugins.module_utils.apply import FATAL_ERRNOS, Applier, Overtaken
from ansible_collections.cdn.origin.plugins.module_utils.plan import Planner, guarded
from ansible_collections.cdn.origin.plugins.module_utils.policy import (
    Excluder, ModeSpec, Roots, display, inside, split_paths,
)
from ansible_collections.cdn.origin.plugins.module_utils.report import Report

ERRORS_LIMIT = 50
# A rerun that changes little applies the decisions kept from its planning
# pass instead of walking both trees again; past this many the walk is
# repeated, streaming, so memory stays bounded whatever the tree.
KEEP_DECISIONS = 20000
# File systems that cannot hold symlinks: links are planned as copies there,
# so check mode predicts the fallback and reruns stay idempotent.
NO_SYMLINK_FS = frozenset(('vfat', 'msdos', 'exfat', 'fat', 'umsdos'))


class MirrorError(Exception):
    def __init__(self, msg, errors=None):
        super(MirrorError, self).__init__(msg)
        self.msg = msg
        self.errors = errors or []


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


def fs_type(path, mountinfo=_MOUNTINFO):
    """File system type of the mount holding `path`, or None where unknown."""
    best, kind = '', None
    for point, fstype in mount_table(mountinfo):
        if inside(path, point) and len(point) >= len(best):
            best, kind = point, fstype
    return kind


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
        raise MirrorError('%s %s cannot be created: %s exists and is not a directory'
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
                prune_mounts=False)


def options(given):
    """`given` completed with the defaults; a name the engine does not know is a caller's bug."""
    unknown = sorted(set(given) - set(DEFAULTS))
    if unknown:
        raise TypeError('unknown mirror option(s): %s' % ', '.join(unknown))
    opts = dict(DEFAULTS)
    opts.update(given)
    return Config(**opts)


def configure(src, dest, **given):
    """Check every option and the roots; raises MirrorError naming the path and the reason."""
    opt = options(given)
    link_style, max_delete, mode, directory_mode = opt.link_style, opt.max_delete, opt.mode, opt.directory_mode
    if link_style not in ('absolute', 'relative'):
        raise MirrorError('link_style must be absolute or relative, not %r' % (link_style,))
    if max_delete is not None and int(max_delete) < 0:
        raise MirrorError('max_delete must be 0 or more')
    srcs = src if isinstance(src, (list, tuple)) else [src]
    if not srcs:
        raise MirrorError('src is empty: give a file, a directory or a list of directories')
    try:
        mode_spec = None if mode is None else ModeSpec(mode, 'mode')
        dir_spec = None if directory_mode is None else ModeSpec(directory_mode, 'directory_mode')
    except ValueError as exc:
        raise MirrorError(str(exc))
    dest_path = _abs(dest)
    within_roots = Roots.resolve(split_paths(opt.within))
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
                 uid=opt.owner, gid=opt.group, fsync=bool(opt.fsync),
                 max_delete=None if max_delete is None else int(max_delete),
                 default_dir_mode=0o777 & ~_umask(), single=None, single_name=None,
                 workers=parallel.worker_count() if opt.workers is None else int(opt.workers))
    if len(sources) == 1 and not stat.S_ISDIR(sources[0][2].st_mode):
        _configure_single(cfg, sources[0], dest_path, dest)
    else:
        _configure_tree(cfg, sources, dest_path)
    cfg.dest_roots = Roots((cfg.dest_real,))
    cfg.allowed = Roots(tuple(within_roots.reals) + tuple(real for _path, real in cfg.sources))
    cfg.root_reals = frozenset(cfg.allowed.reals + cfg.dest_roots.reals)
    cfg.symlinks = fs_type(cfg.dest_real) not in NO_SYMLINK_FS
    # what prune and force must not cross, found before any change
    cfg.prune_mounts = bool(opt.prune_mounts)
    cfg.mounts = mounts_inside(cfg.dest_real) if cfg.prune or cfg.force else Roots(())
    return cfg


def _configure_single(cfg, source, dest_path, dest_given):
    path, real, st = source
    if not stat.S_ISREG(st.st_mode):
        raise MirrorError('src %s is not a regular file or a directory' % display(path))
    if str(dest_given).endswith('/') or os.path.isdir(dest_path):
        dest_path = os.path.join(dest_path, os.path.basename(path))
    parent, name = os.path.split(dest_path)
    _existing_dir(parent, 'the parent directory')
    parent_real = os.path.realpath(parent)
    if os.path.join(parent_real, name) == real:
        raise MirrorError('src %s and dest %s are the same file' % (display(path), display(dest_path)))
    cfg.single = (real, st)
    cfg.single_name = name
    cfg.sources = [(path, real)]
    cfg.dest_real = parent_real
    cfg.dest_exists = True
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
        _existing_dir(os.path.dirname(dest_real), 'the parent directory of dest')
        st = None
    if st is not None and not stat.S_ISDIR(st.st_mode):
        raise MirrorError('dest %s exists and is not a directory' % display(dest_path))
    cfg.sources = [(path, real) for path, real, _st in sources]
    cfg.dest_real = dest_real
    cfg.dest_exists = st is not None
    cfg.label = dest_path


def _plan_all(cfg, report):
    """Plan without writing; returns the planner and (entries, removals) when few enough to keep."""
    planner = Planner(cfg)
    entries = _report_all(guarded(parallel.entries(planner, cfg.workers), planner.errors, cfg.label), report)
    removals = []
    if not planner.errors and not planner.conflicts:
        removals = _report_all(guarded(planner.removals(), planner.errors, cfg.label), report)
    return planner, None if entries is None or removals is None else (entries, removals)


def _report_all(decisions, report):
    """Add every decision to the report; return them, or None past KEEP_DECISIONS."""
    kept = []
    for d in decisions:
        report.add(d)
        if kept is not None:
            kept.append(d)
            if len(kept) > KEEP_DECISIONS:
                kept = None
    return kept


def _check(cfg, planner, report):
    if planner.errors:
        raise MirrorError('cannot read the trees, nothing was changed: %s'
                          % '; '.join('%s: %s' % (display(p), m) for p, m in planner.errors[:ERRORS_LIMIT]),
                          errors=_error_list(planner.errors))
    if planner.conflicts:
        conflicts = _conflicts(cfg, planner)
        raise MirrorError('non-empty directories in dest where a file or link must go (force: true replaces '
                          'them), nothing was changed: %s' % ', '.join(display(p) for p, _m in conflicts[:ERRORS_LIMIT]),
                          errors=_error_list(conflicts))
    if cfg.max_delete is not None and report.removed > cfg.max_delete:
        raise MirrorError('%d deletions planned in %s, more than max_delete=%d: nothing was changed (is a source '
                          'empty or unmounted?)' % (report.removed, display(cfg.label), cfg.max_delete))


def _conflicts(cfg, planner):
    # relative to the directory the planner walked: dest itself, or the parent of a single file
    return [(os.path.join(cfg.dest_real, c), 'non-empty directory in the way') for c in planner.conflicts]


def _error_list(errors):
    return [{'path': display(p), 'msg': m} for p, m in errors[:ERRORS_LIMIT]]


def _apply_all(cfg, applier, report, errors, planner=None, kept=None):
    """Apply `kept` decisions of `planner`, or plan again while applying."""
    if kept is None:
        planner = Planner(cfg)
        entries = guarded(planner.entries(), planner.errors, cfg.label)
    else:
        entries = kept[0]
    try:
        _apply_stream(cfg, entries, applier, report, errors)
        errors.extend(planner.errors)
        errors.extend(_conflicts(cfg, planner))
        if not errors:
            removals = kept[1] if kept is not None else guarded(planner.removals(), errors, cfg.label)
            _apply_stream(cfg, removals, applier, report, errors)
    finally:
        applier.close()
    return planner


def _apply_stream(cfg, decisions, applier, report, errors):
    for d in decisions:
        try:
            done = applier.apply(d)
        except OSError as exc:
            errors.append((os.path.join(cfg.dest_real, d.rel), exc.strerror or str(exc)))
            if exc.errno in FATAL_ERRNOS:
                return
            continue
        report.add(done)


def mirror(src, dest, check_mode=False, diff=False, **given):
    """Mirror `src` into `dest`; returns the module result as a dict (failed=True on failure)."""
    try:
        cfg = configure(src, dest, **given)
    except MirrorError as exc:
        return {'failed': True, 'changed': False, 'msg': exc.msg, 'errors': exc.errors}
    # one run at a time on a dest, from its planning to its end (see Applier.lock)
    applier = Applier(cfg)
    try:
        try:
            return _run(cfg, applier, check_mode, diff, ())
        except Overtaken as exc:
            # another run created dest while this one was about to: wait for it, then plan what it left
            cfg.dest_exists = True
            return _run(cfg, applier, check_mode, diff, [d for d in (exc.created,) if d is not None])
    finally:
        applier.unlock()


def _report(cfg, diff, done):
    report = Report(cfg.label, diff)
    for d in done:
        report.add(d)
    return report


def _lock(cfg, applier, check_mode):
    try:
        applier.lock(shared=check_mode)
    except OSError as exc:
        raise MirrorError('cannot lock dest %s: %s' % (display(cfg.dest_real), exc.strerror or exc))


def _run(cfg, applier, check_mode, diff, done):
    """One run under the dest lock, from planning to the end; `done` is what an overtaken first attempt did."""
    try:
        report = _report(cfg, diff, done)
        planner = kept = None
        if cfg.dest_exists:
            _lock(cfg, applier, check_mode)
        # a dest that does not exist yet has nothing to conflict with or lose:
        # no need to plan twice (a real run locks it once created, before writing into it)
        if cfg.dest_exists or check_mode:
            planner, kept = _plan_all(cfg, report)
            _check(cfg, planner, report)
    except MirrorError as exc:
        return {'failed': True, 'changed': False, 'msg': exc.msg, 'errors': exc.errors}
    if check_mode or (cfg.dest_exists and not report.changed):
        result = report.result(planner.unchanged, single=cfg.single is not None)
        result['warnings'] = report.warnings()
        return result
    report = _report(cfg, diff, done)
    errors = []
    planner = _apply_all(cfg, applier, report, errors, planner, kept)
    result = report.result(planner.unchanged, single=cfg.single is not None)
    result['warnings'] = report.warnings() + applier.warnings
    if errors:
        result['failed'] = True
        result['errors'] = _error_list(errors)
        result['msg'] = ('%d error(s) while mirroring into %s%s: %s' % (
            len(errors), display(cfg.label), '' if not cfg.prune else ', prune skipped',
            '; '.join('%s: %s' % (display(p), m) for p, m in errors[:10])))
    return result
