# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cdn.origin maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The URLs a mirror run leaves stale in a cache, worked out on the controller from the module's results.

Shared by the purge filters and the mirror_trees action (which works them out once per host, in the same task
as the mirror runs).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import posixpath
from collections.abc import Mapping
from urllib.parse import quote as url_quote

from ansible.errors import AnsibleFilterError

PURGED_ACTIONS = ('symlink', 'hardlink', 'copy', 'update', 'relink', 'refresh', 'remove')
# RFC 3986 sub-delims, ':' and '@' are allowed in a path segment as they are
SAFE = "/!$&'()*+,;=:@~"


def _raw(value):
    """`value` without the lazy templating ansible-core 2.19 and later wrap around each element read from a variable.

    Registered module results are never templates, and reading 10,000 changes through that wrapping costs about
    half a second per host, the Python loop here milliseconds. Older ansible-core passes plain containers.
    """
    copy = getattr(value, '_non_lazy_copy', None)
    return copy() if callable(copy) else value


class _Once:
    """Items in the order first given, each once (a URL two trees or two hosts name is purged once)."""

    def __init__(self):
        self.items = []
        self._seen = set()

    def add(self, item):
        if item not in self._seen:
            self._seen.add(item)
            self.items.append(item)


def _results(value):
    value = _raw(value)
    if isinstance(value, dict):
        value = _raw(value.get('results', [value]))
    if not isinstance(value, (list, tuple)):
        raise AnsibleFilterError('purge_urls: registered results (a list of dicts) are needed, not %s' % type(value).__name__)
    return [r for r in value if isinstance(r, dict) and r.get('changed')]


def tree_root(base_url, result, default_prefix):
    """base_url + the tree's purge_prefix: what every path of the tree is appended to.

    With a base URL the two are joined by exactly one slash and the root ends in one, so that
    https://www.example.com and /site, or https://www.example.com/ and /site/, give https://www.example.com/site/
    (never https://www.example.comsite or ...com//site/). Without one, the prefix is used as given: the webhook
    body has always carried purge_prefix + path.
    """
    prefix = (result.get('mirror_tree') or {}).get('purge_prefix')
    prefix = (default_prefix if prefix is None else prefix) or ''
    if not base_url:
        return prefix
    return directory_url(base_url.rstrip('/') + '/' + prefix.lstrip('/'))


def directory_url(root):
    """The URL of the directory `root` names, ending in a slash."""
    return root if root.endswith('/') else root + '/'


def purge_urls(results, base_url='', index_files=('index.html',), default_prefix='', actions=PURGED_ACTIONS, quote=True):
    wanted = frozenset(actions)
    index_files = frozenset(index_files or ())
    urls = _Once()
    add = urls.add
    # a result's purge_paths are the paths of every action purged by default, complete: used when those are wanted
    complete = wanted >= frozenset(PURGED_ACTIONS)
    for result in _results(results):
        root = tree_root(base_url, result, default_prefix)
        for path in _paths(result, wanted, complete):
            if path == '.':
                add(root)
                continue
            shown = url_quote(path, safe=SAFE) if quote else path
            add(root + shown)
            if posixpath.basename(path) in index_files:
                parent = posixpath.dirname(shown)
                add(root + parent + '/' if parent else directory_url(root))
    return urls.items


def _paths(result, wanted, complete):
    paths = result.get('purge_paths') if complete else None
    if paths is not None:
        return _raw(paths)
    return (change['path'] for change in result.get('changes') or () if change.get('action') in wanted)


def cut_trees(results, base_url='', default_prefix=''):
    """(prefix URL, dest) of each changed tree whose change list was cut (changes_truncated), each prefix once."""
    cut = {}
    for result in _results(results):
        # purge_paths is never cut
        if result.get('changes_truncated') and result.get('purge_paths') is None:
            prefix = directory_url(tree_root(base_url, result, default_prefix))
            # the first tree under a prefix names it
            cut.setdefault(prefix, (result.get('mirror_tree') or {}).get('dest', 'a tree'))
    return list(cut.items())


def cut_warning(prefix, dest):
    return ('cdn.origin.purge_prefixes: the change list of %s was cut, so everything under %s is purged'
            ' instead of its changed URLs' % (dest, prefix))


def host_vars(hostvars, host):
    """The variables of `host` as they were set (HostVars.raw_get), or None for a host the inventory does not have."""
    raw_get = getattr(hostvars, 'raw_get', None)
    if raw_get is None:
        return hostvars.get(host)
    # raw_get gives an undefined marker for an unknown host, which fails as soon as it is looked at
    return raw_get(host) if host in hostvars else None


def purge_union(hosts, hostvars, name, key=None, joined=False):
    """Every item of the list variable `name` (or of its `key`) of each of `hosts`, each once, in the order of the hosts.

    With `joined`, each value is one string whose items each end with a NUL (mirror_trees' purge_urls_joined).

    Read through HostVars.raw_get: hostvars[host][name] templates each of the list's strings again, and Jinja then
    iterates them through lazy wrappers (9 s for 50 hosts of 10,000 URLs); the facts and results the role
    publishes are already rendered. A value that is not a list (a template set in inventory, say) is read
    templated, as Jinja would.
    """
    union = _Once()
    shown = name if key is None else '%s.%s' % (name, key)
    for host in _raw(hosts):
        found = host_vars(hostvars, host)
        if not isinstance(found, Mapping) or name not in found:
            continue
        value = _raw(found[name])
        if not isinstance(value, (list, tuple, Mapping)):
            value = _raw(hostvars[host][name])
        if key is not None:
            if not isinstance(value, Mapping) or key not in value:
                continue
            value = _raw(value[key])
        if joined and isinstance(value, str):
            value = value.split('\0')[:-1]
        if not isinstance(value, (list, tuple)):
            raise AnsibleFilterError('purge_union: %s of host %s is a %s, not a list' % (shown, host, type(value).__name__))
        for item in value:
            union.add(item)
    return union.items
