# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cdn.origin maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Purge provider `nginx_cache_purge`: nginx proxy_cache with ngx_cache_purge.

The module's separate-location form (https://github.com/FRiCKLE/ngx_cache_purge,
"location ~ /purge(/.*) { proxy_cache_purge zone $1$is_args$args; }"): one GET
of `<edge>/purge<path>` per URL, answered 200 when the entry was removed and 404
when it was not cached (both mean nothing stale is left). The same-location
`PURGE` form is not used: on Debian 12's libnginx-mod-http-cache-purge it
crashes the worker.

A prefix is one GET of `<edge>/purge<prefix path>*`, the partial-key form of
https://github.com/nginx-modules/ngx_cache_purge ("Partial key purge": a
trailing `*` removes every entry whose key starts with what precedes it; 200
when some were removed, 202 when queued, 412 or 404 when none matched).
ngx_cache_purge 2.3, the FRiCKLE release Debian 12 packages, has no partial keys:
it looks the `*` up as part of one key and answers 404, removing nothing. So only
200 and 202 mean a prefix was purged; a 404 or 412 fails it, since it cannot tell
"nothing was cached there" from "nothing was removed".
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.cdn.origin.plugins.module_utils.purge_transport import edge_requests, path_of

OPTIONS = ('endpoint', 'headers', 'host_header', 'token', 'token_header', 'status_code')
REQUIRED = ()
DEFAULTS = {'status_code': [200, 404]}
LOCATION = '/purge'
PARTIAL_KEY = '*'


def judge_partial(status, body):  # pylint: disable=unused-argument
    if status in (200, 202):
        return None
    if status in (404, 412):
        return ('HTTP %d: no entry below the prefix was removed; either none was cached, or the edge\'s ngx_cache_purge has '
                'no partial keys (Debian 12\'s 2.3 has none: list every URL instead)' % status)
    return 'HTTP %d' % status


def build(cfg, targets):
    return edge_requests(cfg, targets, 'GET', lambda url: LOCATION + path_of(url))


def build_prefixes(cfg, prefixes):
    return edge_requests(cfg, prefixes, 'GET', lambda url: LOCATION + path_of(url) + PARTIAL_KEY,
                         judge=judge_partial, prefix=True)
