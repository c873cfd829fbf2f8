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
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.cdn.origin.plugins.module_utils.purge_transport import edge_requests, path_of

OPTIONS = ('endpoint', 'headers', 'host_header', 'token', 'token_header', 'status_code')
REQUIRED = ()
DEFAULTS = {'status_code': [200, 404]}
LOCATION = '/purge'


def build(cfg, targets):
    return edge_requests(cfg, targets, 'GET', lambda url: LOCATION + path_of(url))
