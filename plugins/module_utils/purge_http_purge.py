# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cdn.origin maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Purge provider `http_purge`: one PURGE per URL, the edge caches' own protocol.

Varnish (https://varnish-cache.org/docs/trunk/users-guide/purging.html, a VCL
`return (purge)` answering 200), Apache Traffic Server (PURGE built in, 200 or
404 when the object was not cached, https://docs.trafficserver.apache.org/en/latest/admin-guide/storage/index.en.html),
Squid (200, or 404 when not cached) and Fastly's unauthenticated URL purge all
take `PURGE /path` with the cached object's Host. 404 counts as purged by
default: nothing stale is left at the edge.

Without `endpoint` the request goes to the URL itself; with it, to the edge at
`endpoint` with the URL's path and Host.

A prefix is sent as one BAN (`ban_method`) of its path with its Host, which a
Varnish VCL turns into a ban of every object of that host whose URL starts with
the path (https://varnish-cache.org/docs/trunk/users-guide/purging.html#bans;
the VCL is in the module's notes). Only a 2xx answer means the ban was added: an
edge without the VCL, Traffic Server and Squid (none has a prefix purge over
HTTP) answer 4xx or 5xx, and the prefix fails.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.cdn.origin.plugins.module_utils.purge_transport import edge_requests, path_of

OPTIONS = ('endpoint', 'method', 'ban_method', 'headers', 'host_header', 'token', 'token_header', 'status_code')
REQUIRED = ()
DEFAULTS = {'method': 'PURGE', 'ban_method': 'BAN', 'status_code': [200, 201, 202, 204, 404]}


def judge_ban(status, body):  # pylint: disable=unused-argument
    if 200 <= status < 300:
        return None
    return ('HTTP %d: the edge added no ban (Varnish needs the VCL of the module notes; Traffic Server and Squid have no '
            'prefix purge: list every URL instead)' % status)


def build(cfg, targets):
    return edge_requests(cfg, targets, cfg.method, path_of)


def build_prefixes(cfg, prefixes):
    return edge_requests(cfg, prefixes, cfg.ban_method, path_of, judge=judge_ban, prefix=True)
