# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cdn.origin maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# Documented in fleet_summary.yml and fleet_failures.yml.

from collections.abc import Mapping

from ansible_collections.cdn.origin.plugins.plugin_utils.purge_urls import _raw, host_vars


def _registered(hosts, hostvars, name):
    """(host, result) for each of `hosts` that registered the mapping `name`, read as it was registered."""
    for host in _raw(hosts):
        found = host_vars(hostvars, host)
        result = _raw(found.get(name)) if isinstance(found, Mapping) else None
        if isinstance(result, Mapping):
            yield host, result


def fleet_summary(hosts, hostvars, name='mirror_results'):
    """One line per tree that changed or failed, "host: summary", then how many origins changed nothing.

    In Python, through HostVars.raw_get, as purge_union reads: Jinja over 50 origins' registered results
    templates each of them again.
    """
    lines, quiet, ran = [], 0, 0
    for host, result in _registered(hosts, hostvars, name):
        ran += 1
        summaries = [s for s in _raw(result.get('summaries') or ()) if s.get('changed') or s.get('failed')]
        lines.extend('%s: %s' % (host, s.get('msg')) for s in summaries)
        if not summaries and (result.get('unreachable') or result.get('failed')):
            lines.append('%s: %s: %s' % (host, 'unreachable' if result.get('unreachable') else 'FAILED',
                                         result.get('msg') or 'see the task result'))
        elif not summaries:
            quiet += 1
    lines.append('%d of %d origin(s) changed nothing' % (quiet, ran))
    return lines


def fleet_failures(hosts, hostvars, name='mirror_results'):
    """"host: dest: why" for each tree that failed, "host: unreachable: why", "host: why" for a host refused whole."""
    failures = []
    for host, result in _registered(hosts, hostvars, name):
        trees = [r for r in _raw(result.get('results') or ()) if r.get('failed') or r.get('unreachable')]
        for tree in trees:
            dest = (tree.get('mirror_tree') or {}).get('dest')
            why = tree.get('msg') or 'failed'
            failures.append('%s: %s' % (host, 'unreachable: %s' % why if tree.get('unreachable') else '%s: %s' % (dest, why)))
        if not trees and (result.get('failed') or result.get('unreachable')):
            why = result.get('msg') or 'failed'
            failures.append('%s: %s' % (host, 'unreachable: %s' % why if result.get('unreachable') else why))
    return failures


class FilterModule(object):
    def filters(self):
        return {'fleet_summary': fleet_summary, 'fleet_failures': fleet_failures}
