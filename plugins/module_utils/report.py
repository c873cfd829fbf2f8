# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cdn.origin maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a run tells its caller: summary counts, the changes list and the diff.

Check mode and a real run feed the same Report from the same planner, which
is why the prediction is exact.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.cdn.origin.plugins.module_utils.plan import (
    COPY, HARDLINK, MKDIR, NOT_HARD_LINKED, REFRESH, RELINK, REMOVE, SKIP, SYMLINK, UPDATE,
)
from ansible_collections.cdn.origin.plugins.module_utils.policy import display

# The default of changes_limit (what RV(changes) and removals_pending list), and
# how many skipped entries are listed whatever it is.
CHANGES_LIMIT = 1000
# The deletions a max_delete failure names, as many as a failure lists errors.
DELETIONS_LISTED = 50
_CONTROL = re.compile('[\x00-\x1f\x7f]')
WARNINGS_LIMIT = 20

_COUNTER = {SYMLINK: 'symlinked', COPY: 'copied', UPDATE: 'updated', RELINK: 'updated', REMOVE: 'removed',
            SKIP: 'skipped', MKDIR: 'directories_created', HARDLINK: 'hardlinked', REFRESH: 'refreshed'}
_MARK = {SYMLINK: '+', COPY: '+', MKDIR: '+', UPDATE: '~', RELINK: '~', REMOVE: '-', SKIP: '!', HARDLINK: '+',
         REFRESH: '~'}
# counts of the summary that are no changes
_NOT_CHANGES = ('unchanged', 'deduplicated', 'pending_removal')
# single-file mode speaks of what became of the one file
_SINGLE_ACTION = {SYMLINK: 'symlinked', RELINK: 'symlinked', COPY: 'copied', UPDATE: 'copied', HARDLINK: 'hardlinked'}


def diff_line(d):
    """One itemized line, rsync -i style: mark, action, path and what it is about."""
    path = display(d.rel)
    if d.is_dir and d.action != REMOVE:
        path += '/'
    if d.action in (SYMLINK, RELINK, HARDLINK, REFRESH):
        # a hard link (its decision names the inode it must be) is the file itself, not a pointer to it
        path += (' => ' if d.expect is not None else ' -> ') + display(d.target)
    if d.is_dir and d.action == REMOVE:
        path += '/'
    detail = ' (%s)' % display(d.detail) if d.detail else ''
    # a newline in a file name must not forge a line of its own
    return _CONTROL.sub(lambda m: '\\x%02x' % ord(m.group()), '%s %-7s %s%s' % (_MARK[d.action], d.action, path, detail))


def _single_action(d):
    if d is None:
        return 'unchanged'
    if d.target is not None and d.action in (RELINK, UPDATE):
        # a link replaced, or given its owner: a hard link names the inode it must be
        return 'hardlinked' if d.expect is not None else 'symlinked'
    return _SINGLE_ACTION.get(d.action, 'unchanged')


class Report:
    def __init__(self, label, want_diff, limit=CHANGES_LIMIT, purge_paths=False):
        self.label = label
        self.want_diff = want_diff
        # the changes listed (and itemized in the diff) at most; None lists them all
        self.limit = limit
        self.summary = dict.fromkeys(('symlinked', 'copied', 'updated', 'unchanged', 'removed', 'skipped',
                                      'directories_created', 'deduplicated'), 0)
        self.summary['hardlinked'] = 0
        # what the state_file adds: links whose target changed, entries kept for their prune_grace
        self.summary['refreshed'] = 0
        self.summary['pending_removal'] = 0
        # files of within copied although link_style is hard: how many, and the first
        self.not_hard_linked = [0, None]
        self.changes = []
        # every path whose URL serves something else now, whatever the limit: plain strings cost the controller a
        # fraction of the change dicts (10,000 dicts about 0.35 s of CPU per host on ansible-core 2.21)
        self.purge_paths = [] if purge_paths else None
        self.skipped = []
        self.lines = []
        self.changed = False
        self.last = None
        # what max_delete counts: summary['removed'] also counts repairs (a stale temporary file)
        self.deletions = 0
        self.first_deletions = []
        # the skips listed in the diff: always the first ones (the diff lists the first changes)
        self.skips_in_diff = 0

    def add(self, d):
        self.summary[_COUNTER[d.action]] += 1
        if d.deduped:
            self.summary['deduplicated'] += 1
        self.last = d
        if d.deletes:
            self.deletions += 1
            if len(self.first_deletions) < DELETIONS_LISTED:
                self.first_deletions.append(d.rel)
        if d.action in (COPY, UPDATE) and NOT_HARD_LINKED in d.detail:
            self.not_hard_linked[0] += 1
            self.not_hard_linked[1] = self.not_hard_linked[1] or d
        if d.action == SKIP:
            if len(self.skipped) < CHANGES_LIMIT:
                self.skipped.append({'path': display(d.rel), 'reason': display(d.detail)})
        else:
            self.changed = True
            if self.purge_paths is not None and d.action != MKDIR:
                self.purge_paths.append(display(d.rel))
        if self.limit is None or len(self.changes) < self.limit:
            self.changes.append({'path': display(d.rel), 'action': d.action})
            if self.want_diff:
                self.lines.append(diff_line(d))
                if d.action == SKIP:
                    self.skips_in_diff += 1

    def warnings(self):
        """One warning per skipped entry, up to WARNINGS_LIMIT, each starting with dest.

        Ansible shows a warning text once per run, however many hosts or
        trees raise it: naming dest keeps two trees' skips apart. A skip the
        diff lists already is counted in one warning instead of repeated.
        """
        n = self.summary['skipped']
        label = display(self.label)
        listed = self.skips_in_diff
        shown = ['%s: skipped %s: %s' % (label, s['path'], s['reason'])
                 for s in self.skipped[listed:listed + WARNINGS_LIMIT]]
        more = n - listed - len(shown)
        if listed:
            shown.insert(0, '%s: %d skipped (listed in the diff and in skipped_entries)' % (label, listed))
        if more > 0:
            shown.append('%s: %d more entries skipped, see skipped_entries' % (label, more))
        count, first = self.not_hard_linked
        if count:
            shown.append('%s: %d file(s) of within copied instead of hard-linked, the first %s: %s'
                         % (label, count, display(first.rel), display(first.detail[first.detail.index(NOT_HARD_LINKED):])))
        return shown

    def result(self, unchanged, single=False):
        self.summary['unchanged'] = unchanged
        # deduplicated links are counted as symlinked or updated too
        total = sum(v for k, v in self.summary.items() if k not in _NOT_CHANGES)
        result = {
            'changed': self.changed,
            'summary': dict(self.summary),
            'changes': self.changes,
            'changes_truncated': total > len(self.changes),
            'skipped_entries': self.skipped,
        }
        if self.purge_paths is not None:
            result['purge_paths'] = self.purge_paths
        if single:
            result['action'] = _single_action(self.last)
        if self.want_diff:
            lines = list(self.lines)
            if total > len(self.changes):
                lines.append('... %d more changes not listed' % (total - len(self.changes)))
            result['diff'] = {
                'before_header': self.label,
                'after_header': self.label,
                'prepared': ''.join(line + '\n' for line in lines),
            }
        return result
