# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cdn.origin maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Purge provider `fastly`: the API's single-URL purge.

As documented in https://www.fastly.com/documentation/reference/api/purging/#purge-single-url:
POST {base_url}/purge/{cached_url}, cached_url being the URL without its scheme
(host and path), "Fastly-Key: <API token>" (URL purges are unauthenticated
unless the service sets Fastly-Purge-Requires-Auth, so the token is optional),
"Fastly-Soft-Purge: 1" to mark the object stale instead of removing it
(https://www.fastly.com/documentation/guides/full-site-delivery/purging/soft-purges/).
The answer is {"status": "ok", "id": "<purge id>"}.

Fastly has no prefix purge: a prefix is purged with "purge everything from a
service" (https://www.fastly.com/documentation/reference/api/purging/#purge-all),
POST {base_url}/service/{service_id}/purge_all with Fastly-Key (a token with the
purge_all scope), answered {"status": "ok"}: a flush of the whole service, one
call whatever the number of prefixes. It cannot be a soft purge.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from urllib.parse import urlsplit

from ansible_collections.cdn.origin.plugins.module_utils.purge_transport import Request, json_answer, path_of

OPTIONS = ('base_url', 'token', 'soft', 'service_id')
REQUIRED = ()
DEFAULTS = {'base_url': 'https://api.fastly.com', 'soft': False}


def judge(status, body):
    if not 200 <= status < 300:
        return 'HTTP %d' % status
    answer = json_answer(body)
    if answer is not None and answer.get('status') not in (None, 'ok'):
        return 'HTTP %d, status: %s' % (status, answer.get('status'))
    return None


def build(cfg, targets):
    headers = {'Accept': 'application/json'}
    if cfg.token:
        headers['Fastly-Key'] = cfg.token
    if cfg.soft:
        headers['Fastly-Soft-Purge'] = '1'
    base = cfg.base_url.rstrip('/') + '/purge/'
    return [Request('POST', base + urlsplit(url).netloc + path_of(url), [url], headers=headers, judge=judge)
            for url in targets]


def build_prefixes(cfg, prefixes):
    if not prefixes:
        return []
    if not (cfg.service_id and cfg.token):
        raise ValueError('prefixes: Fastly has no prefix purge; they are purged by purging everything from the service, '
                         'which needs service_id and a token with the purge_all scope')
    if not cfg.service_id.isalnum():
        raise ValueError('service_id: not a Fastly service ID (letters and digits)')
    path = '/service/%s/purge_all'
    base = cfg.base_url.rstrip('/')
    return [Request('POST', base + path % cfg.service_id, list(prefixes), judge=judge, prefix=True,
                    headers={'Accept': 'application/json', 'Fastly-Key': cfg.token}, shown_url=base + path % '********')]
