# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cdn.origin maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# Documented in purge_urls.yml, purge_prefixes.yml and purge_union.yml, one file per filter as ansible-doc reads
# them; the work is in plugin_utils/purge_urls.py, which the mirror_trees action shares.

from ansible.utils.display import Display

from ansible_collections.cdn.origin.plugins.plugin_utils.purge_urls import cut_trees, cut_warning, purge_union, purge_urls


def purge_prefixes(results, base_url='', default_prefix='', warn=True):
    """The prefix URL of each changed tree whose change list was cut (changes_truncated): purged as a whole."""
    cut = cut_trees(results, base_url, default_prefix)
    if warn:
        for prefix, dest in cut:
            Display().warning(cut_warning(prefix, dest))
    return [prefix for prefix, _dest in cut]


class FilterModule(object):
    def filters(self):
        return {'purge_urls': purge_urls, 'purge_prefixes': purge_prefixes, 'purge_union': purge_union}
