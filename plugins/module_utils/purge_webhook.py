# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cdn.origin maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Purge provider `webhook`: the mirror role's JSON body, for custom receivers.

The body is the one roles/mirror/tasks/purge.yml sends with ansible.builtin.uri
(body_format json): {"host", "dest", "paths", "complete"}, in batches of
`batch_size` paths (0: one request), so a receiver written for the role keeps
working unchanged. Prefixes go in requests of their own, whose body adds
"prefixes" (absolute URL prefixes, everything below each to purge) to empty
"paths"; a body without prefixes has no such key.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.cdn.origin.plugins.module_utils.purge_transport import Request, accept_statuses, credential_headers

OPTIONS = ('endpoint', 'method', 'headers', 'token', 'token_header', 'status_code', 'batch_size',
           'paths', 'webhook_host', 'webhook_dest', 'webhook_complete')
REQUIRED = ('endpoint',)
# the role's defaults: mirror_purge_method, mirror_purge_batch_size, mirror_purge_status_code
DEFAULTS = {'method': 'POST', 'batch_size': 100, 'status_code': [200, 201, 202, 204], 'webhook_complete': True}
ZERO_BATCH = True
MAX_BATCH = None


def _posts(cfg, items, prefix):
    size = cfg.batch_size or len(items)
    headers = {'Content-Type': 'application/json'}
    headers.update(cfg.headers)
    headers.update(credential_headers(cfg.token, cfg.token_header))
    judge = accept_statuses(frozenset(cfg.status_code))
    requests = []
    for start in range(0, len(items), size):
        batch = items[start:start + size]
        fields = {'host': cfg.webhook_host, 'dest': cfg.webhook_dest, 'paths': [] if prefix else batch,
                  'complete': cfg.webhook_complete}
        if prefix:
            fields['prefixes'] = batch
        # json.dumps' default separators, as uri's body_format json sends it
        body = json.dumps(fields).encode('utf-8')
        requests.append(Request(cfg.method, cfg.endpoint, batch, headers=headers, body=body, judge=judge, prefix=prefix))
    return requests


def build(cfg, targets):
    return _posts(cfg, targets, False)


def build_prefixes(cfg, prefixes):
    return _posts(cfg, prefixes, True)
