# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cdn.origin maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The mirror role's work for one host in one task: check the trees, run the module for each, report.

Every task costs each host of a play one round of the controller (a worker fork, its variables, its result),
about 1 s for 50 origins at forks 10, whatever the task does. The role used to spend eight of them per host;
the checks, the unknown-variable warning, the records directory, the module runs, the summaries and the URLs
to purge are one here, worked out in Python on the controller between the module runs.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import os
import pickle
import re
from collections.abc import Mapping, Sequence

import yaml

from ansible import constants as C
from ansible.errors import AnsibleConnectionFailure
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase

from ansible_collections.cdn.origin.plugins.module_utils.role_variables import unknown_names, warning
from ansible_collections.cdn.origin.plugins.plugin_utils.purge_urls import PURGED_ACTIONS, cut_trees, cut_warning, purge_urls

MODULE = 'cdn.origin.symlink_or_copy'
# Tree keys passed to the module as the tree gives them, else as the default of the same name gives them.
PASSED = ('within', 'prune', 'prune_mounts', 'exclude', 'link_style', 'link_owner', 'link_target', 'checksum',
          'force', 'fsync', 'parents')
# A null (or empty) value, in the tree or as the default, leaves the attribute alone: a tree cancels a default.
UNMANAGED_WHEN_EMPTY = ('owner', 'group', 'mode', 'directory_mode')
# Null is the module's own default; 0 is a value (max_delete 0 deletes nothing, workers 0 is refused).
MODULE_DEFAULT_WHEN_NULL = ('max_delete', 'workers')
# Every tree key a default may stand for (purge_prefix is the purge's default_prefix).
DEFAULTED = PASSED + UNMANAGED_WHEN_EMPTY + MODULE_DEFAULT_WHEN_NULL + ('prune_grace', 'state_file')
# The counts every summary line gives, in its order, and the ones it adds when they are not 0.
COUNTS = (('symlinked', 'symlinked'), ('copied', 'copied'), ('updated', 'updated'), ('removed', 'removed'),
          ('directories_created', 'directories created'), ('skipped', 'skipped'), ('unchanged', 'unchanged'))
ADDED_COUNTS = (('hardlinked', 'hardlinked'), ('deduplicated', 'deduplicated'))
# after the parents created
LATE_COUNTS = (('refreshed', 'refreshed'), ('pending_removal', 'kept for their prune grace'))

ARGUMENT_SPEC = dict(
    trees=dict(type='list', elements='raw', required=True),
    defaults=dict(type='dict', default={}),
    defaults_prefix=dict(type='str'),
    state_dir=dict(type='str', default='/var/lib/cdn-origin'),
    keep_changes=dict(type='bool', default=True),
    purge=dict(type='dict', default={}, options=dict(
        provider=dict(type='str', default=''),
        base_url=dict(type='str', default=''),
        index_files=dict(type='list', elements='str', default=['index.html']),
        default_prefix=dict(type='str', default=''),
        quote=dict(type='bool', default=True),
        keep_paths=dict(type='bool', default=True),
        joined=dict(type='bool', default=False),
        complete=dict(type='str', default='paths', choices=['paths', 'changes']),
    )),
    check_variables=dict(type='dict', options=dict(
        role=dict(type='str', required=True),
        prefix=dict(type='str', required=True),
        role_path=dict(type='path'),
        known=dict(type='list', elements='str', default=[]),
        validate=dict(type='str'),
    )),
)


def _given(tree, defaults, key):
    """A tree's key as `mirror_tree.KEY | default(mirror_default_KEY)` reads it: the default only when it is missing."""
    return tree[key] if key in tree else defaults.get(key)


def _number(value):
    """An int as Jinja's `int` filter makes it: 0 for what is not one."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _flag(value):
    return boolean(value, strict=False)


def _state_file(tree, defaults, state_dir):
    """(the tree's state_file, or '' for none; whether it is the default record under state_dir)."""
    choice = _given(tree, defaults, 'state_file') or ''
    grace = _number(_given(tree, defaults, 'prune_grace'))
    if choice == 'always' or (choice == 'auto' and grace > 0):
        dest = str(tree['dest'])
        # a readable part (every run of other characters one _) and a hash: two dests never share a record
        readable = re.sub('^_+', '', re.sub('[^A-Za-z0-9._-]+', '_', dest))[-80:]
        return '%s/%s-%s.state' % (state_dir, readable, hashlib.sha1(dest.encode('utf-8')).hexdigest()[:8]), True
    return ('' if choice in ('auto', 'always') else str(choice)).strip(), False


def _src_valid(src):
    return isinstance(src, str) or (isinstance(src, Sequence) and not isinstance(src, Mapping)
                                    and all(isinstance(item, str) for item in src))


def _shown(value):
    return json.dumps(value, default=str)


def tree_problem(tree, defaults, purge):
    """Why the tree cannot be mirrored, or None: caught for every tree before any tree is mirrored."""
    provider, base_url = purge['provider'], purge['base_url']
    # every provider but webhook purges absolute URLs (a host without trees purges nothing)
    if provider not in ('', 'webhook') and not re.match('https?://[^/]', base_url or ''):
        return ('mirror_purge_provider %s purges absolute URLs: set mirror_purge_base_url (for example'
                ' https://www.example.com), got %s' % (provider, _shown(base_url)))
    if not isinstance(tree, Mapping) or 'dest' not in tree:
        return 'mirror_trees entry %s is not a mapping with a dest' % _shown(tree)
    prefix = 'mirror_trees entry with dest %s: ' % tree['dest']
    if not _src_valid(tree.get('src')):
        return prefix + 'src %s is neither a path nor a list of paths' % _shown(tree.get('src'))
    within = _given(tree, defaults, 'within')
    # the module splits a within string on colons: a comma in it is almost always a list written the wrong way
    if isinstance(within, str) and ',' in within:
        return prefix + ('within %s holds a comma; a within string is split on colons (/srv/htdocs:/srv/static),'
                         ' or give a list' % _shown(within))
    return None


def module_args(tree, defaults, state_file, complete=None):
    """The module's arguments for one tree: its keys, else the defaults, as the role documents them.

    `complete` is how a purge gets every changed path (None without a purge): `paths`, the module's purge_paths
    (plain strings, `changes` cut as usual), or `changes`, every change entry (changes_limit 0).
    """
    args = dict(src=tree['src'], dest=tree['dest'])
    for key in PASSED:
        # a key neither the tree nor the defaults give is the module's own default
        if key in tree or key in defaults:
            args[key] = _given(tree, defaults, key)
    for key in UNMANAGED_WHEN_EMPTY:
        value = _given(tree, defaults, key)
        if value:
            args[key] = value
    for key in MODULE_DEFAULT_WHEN_NULL:
        value = _given(tree, defaults, key)
        if value not in (None, ''):
            args[key] = value
    # the module refuses a grace where nothing is pruned; the role applies it to pruned trees only
    if _flag(args.get('prune', False)):
        args['prune_grace'] = _number(_given(tree, defaults, 'prune_grace'))
    if state_file:
        args['state_file'] = state_file
    # a purge needs every changed path: a cut list would leave stale URLs in the cache
    if complete == 'paths':
        args['purge_paths'] = True
    elif complete == 'changes':
        args['changes_limit'] = 0
    return args


def _counted(counts, named):
    return ''.join(', %d %s' % (counts[key], words) for key, words in named if counts.get(key))


def summary_line(result, check_mode):
    """One readable line for a tree: what changed (or would), counted, or why it failed."""
    dest = result['mirror_tree'].get('dest')
    if result.get('failed') or result.get('unreachable'):
        return '%s FAILED: %s' % (dest, result.get('msg') or 'see the task result')
    counts = result.get('summary') or {}
    if result.get('changed'):
        state = 'would change' if check_mode else 'changed'
    else:
        state = 'unchanged'
    line = '%s %s: %s' % (dest, state, ', '.join('%d %s' % (counts.get(key, 0), words) for key, words in COUNTS))
    line += _counted(counts, ADDED_COUNTS)
    if result.get('parents_created'):
        line += ', parents created: ' + ', '.join(result['parents_created'])
    line += _counted(counts, LATE_COUNTS)
    if result.get('changes_truncated'):
        line += ' (only the first changes are listed)'
    return line


def _with_urls(report, purge, urls):
    """The URLs as a list, or (purge.joined) as one string, each URL ended by a NUL (no URL holds one).

    ansible-core 2.19 and later convert every element of a task's result for its callbacks, in the controller's one
    main process, one host after the other: 10,000 URLs cost about 25 ms per host there, one string nothing.
    """
    if purge.get('joined'):
        report['purge_urls_joined'] = ''.join(url + '\0' for url in urls)
    else:
        report['purge_urls'] = urls
    return report


def _parsed(path):
    """The YAML file `path` as libyaml's plain loader reads it (Ansible's, with its tags and origins, took 10 ms
    per host), parsed once per ansible-playbook run.

    Each host's task runs in a worker of its own, forked for it: the first leaves a pickle of what it parsed in
    the run's private temporary directory (DEFAULT_LOCAL_TMP, mode 0700, gone with the run), keyed by the file's
    inode, size and mtime, and the others read that (0.1 ms instead of the 3 to 10 ms the role's three files
    took each worker).
    """
    st = os.stat(path)
    key = hashlib.sha1(('%s\0%d\0%d\0%d' % (path, st.st_ino, st.st_size, st.st_mtime_ns))
                       .encode('utf-8', 'surrogateescape')).hexdigest()
    cache = os.path.join(C.DEFAULT_LOCAL_TMP, 'cdn-origin-yaml-%s.pickle' % key)
    try:
        with open(cache, 'rb') as f:
            return pickle.load(f)
    except (OSError, EOFError, pickle.UnpicklingError):
        pass
    with open(path, 'rb') as f:
        data = yaml.load(f, Loader=getattr(yaml, 'CSafeLoader', yaml.SafeLoader))
    try:
        # renamed into place: a worker reading at the same time sees the whole pickle or none
        partial = '%s.%d' % (cache, os.getpid())
        with open(partial, 'wb') as f:
            pickle.dump(data, f, pickle.HIGHEST_PROTOCOL)
        os.replace(partial, cache)
    except OSError:
        pass
    return data


def _without_empty_warnings(report):
    if not report['warnings']:
        del report['warnings']
    return report


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = True
    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp=None, task_vars=None):
        super(ActionModule, self).run(tmp, task_vars)
        task_vars = task_vars or {}
        _validation, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        trees, purge = args['trees'], args['purge']
        defaults = self._defaults(args, task_vars)
        report = {'changed': False, 'results': [], 'warnings': [], 'unknown_variables': []}
        if args['check_variables']:
            self._check_variables(args['check_variables'], task_vars, report)
            if report.get('failed'):
                return self._reported(report, purge, args['keep_changes'])
        problems = [tree_problem(tree, defaults, purge) for tree in trees]
        if any(problems):
            return self._refused(report, trees, problems, purge)
        plans = []
        for tree in trees:
            state_file, default_record = _state_file(tree, defaults, args['state_dir'])
            plans.append((tree, state_file, default_record))
        complete = purge['complete'] if purge['provider'] or purge['base_url'] else None
        try:
            if any(default_record for _tree, _path, default_record in plans):
                self._records_dir(args['state_dir'], task_vars, report)
            if not report.get('failed'):
                for tree, state_file, _default_record in plans:
                    self._mirror(tree, module_args(tree, defaults, state_file, complete), task_vars, report)
        finally:
            if not report.get('unreachable'):
                self._remove_tmp_path(self._connection._shell.tmpdir)
        return self._reported(report, purge, args['keep_changes'])

    def _defaults(self, args, task_vars):
        """O(defaults), completed from the variables named defaults_prefix + key (mirror_default_prune, ...).

        Read here rather than written as one template per key in the role's task: DEFAULTED is the one place a tree
        key is declared.
        """
        defaults = dict(args['defaults'])
        prefix = args['defaults_prefix']
        if prefix:
            for key in DEFAULTED:
                name = prefix + key
                if key not in defaults and name in task_vars:
                    defaults[key] = self._templar.template(task_vars[name])
        return defaults

    def _check_variables(self, check, task_vars, report):
        """Warn about every variable of the role's prefix that the role does not know (a top-level mirror_tree),
        and validate the role's variables against an entry point's argument spec when asked."""
        given = [name for name in task_vars if name.startswith(check['prefix'])]
        known = set(check['known'])
        specs = {}
        if check['role_path']:
            for part in ('defaults', 'vars'):
                known.update(self._yaml(os.path.join(check['role_path'], part, 'main.yml')))
            specs = self._yaml(os.path.join(check['role_path'], 'meta', 'argument_specs.yml')).get('argument_specs') or {}
            for entry in specs.values():
                known.update((entry or {}).get('options') or {})
        found = unknown_names(given, known)
        if found:
            report['warnings'].append(warning(check['role'], found))
        report['unknown_variables'] = [name for name, _hint in found]
        if check['validate']:
            self._validate(check, specs, task_vars, report)

    def _validate(self, check, specs, task_vars, report):
        """What ansible.builtin.validate_argument_spec does before an entry point with a spec, in this task."""
        entry = specs.get(check['validate'])
        if not isinstance(entry, Mapping):
            report.update(failed=True, msg='%s has no entry point %s in meta/argument_specs.yml'
                          % (check['role_path'], check['validate']))
            return
        spec = entry.get('options') or {}
        given = self._templar.template({name: task_vars[name] for name in spec if name in task_vars})
        errors = ArgumentSpecValidator(spec).validate(given, validate_role_argument_spec=True).error_messages
        if errors:
            report.update(failed=True, argument_errors=errors, msg='Validation of the arguments of %s (entry point %s)'
                          ' failed:\n%s' % (check['role'], check['validate'], '\n'.join(errors)))

    def _yaml(self, path):
        """The mapping of the YAML file `path`, {} when it is absent or holds none."""
        try:
            data = _parsed(path)
        except FileNotFoundError:
            data = None
        except yaml.YAMLError:
            # an Ansible tag (!vault, !unsafe): Ansible's loader knows them
            data = self._loader.load_from_file(path)
        return data if isinstance(data, Mapping) else {}

    @staticmethod
    def _refused(report, trees, problems, purge):
        for tree, problem in zip(trees, problems):
            entry = {'changed': False, 'mirror_tree': tree if isinstance(tree, Mapping) else {'dest': None}}
            if problem:
                entry.update(failed=True, msg=problem)
            else:
                entry.update(skipped=True, skip_reason='another tree was refused: no tree is mirrored')
            report['results'].append(entry)
        report.update(failed=True, msg='; '.join(p for p in problems if p), purge_prefixes=[], summaries=[])
        return _without_empty_warnings(_with_urls(report, purge, []))

    def _records_dir(self, state_dir, task_vars, report):
        """Only the user the module runs as may write a tree's record: a forged one could delay removals."""
        created = self._execute_module(module_name='ansible.builtin.file', task_vars=task_vars,
                                       module_args=dict(path=state_dir, state='directory', mode='0700'))
        report['changed'] = report['changed'] or bool(created.get('changed'))
        if created.get('failed'):
            report.update(failed=True, msg='cannot create the directory of the trees\' records %s: %s'
                          % (state_dir, created.get('msg', 'failed')))

    def _mirror(self, tree, module_args_, task_vars, report):
        if report.get('unreachable'):
            report['results'].append({'changed': False, 'skipped': True, 'mirror_tree': tree,
                                      'skip_reason': 'the host could not be reached for an earlier tree'})
            return
        try:
            result = self._execute_module(module_name=MODULE, module_args=module_args_, task_vars=task_vars)
        except AnsibleConnectionFailure as exc:
            result = {'unreachable': True, 'changed': False, 'msg': str(exc)}
            report['unreachable'] = True
        report['warnings'].extend(result.pop('warnings', None) or ())
        result['mirror_tree'] = tree
        report['results'].append(result)
        report['changed'] = report['changed'] or bool(result.get('changed'))

    def _reported(self, report, purge, keep_changes):
        results = report['results']
        ran = [r for r in results if not r.get('skipped')]
        lines = [summary_line(r, self._play_context.check_mode) for r in ran]
        report['summaries'] = [{'dest': r['mirror_tree'].get('dest'), 'msg': line, 'changed': bool(r.get('changed')),
                                'failed': bool(r.get('failed') or r.get('unreachable'))} for r, line in zip(ran, lines)]
        failed = [s['msg'] for s in report['summaries'] if s['failed']]
        if failed:
            report['failed'] = not report.get('unreachable')
        if report.get('msg') is None:
            report['msg'] = '; '.join(failed or lines)
        diffs = [r['diff'] for r in results if r.get('changed') and r.get('diff')]
        if diffs:
            report['diff'] = diffs
        # also in check mode: the URLs are then what a real run would purge
        _with_urls(report, purge, purge_urls(results, base_url=purge['base_url'], index_files=purge['index_files'],
                                             default_prefix=purge['default_prefix'], actions=PURGED_ACTIONS,
                                             quote=purge['quote']))
        cut = cut_trees(results, base_url=purge['base_url'], default_prefix=purge['default_prefix'])
        report['purge_prefixes'] = [prefix for prefix, _dest in cut]
        if purge['provider']:
            report['warnings'].extend(cut_warning(prefix, dest) for prefix, dest in cut)
        # worked out: what crosses to the controller's main process is converted there, host after host
        dropped = (() if purge['keep_paths'] else ('purge_paths',)) + (() if keep_changes else ('changes',))
        for result in results:
            for key in dropped:
                result.pop(key, None)
        return _without_empty_warnings(report)
