# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cdn.origin maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Purge provider `cloudflare`: purge cached content by URL.

As documented in https://developers.cloudflare.com/api/resources/cache/methods/purge/
and https://developers.cloudflare.com/cache/how-to/purge-cache/purge-by-single-file/:
POST {base_url}/client/v4/zones/{zone_id}/purge_cache, "Authorization: Bearer
<API token>", JSON body {"files": [url, ...]}. The number of URLs per call is
limited by plan: 30 was the limit of older plans (the default here), current
Free/Pro/Business plans take 100, Enterprise 500. The answer is Cloudflare's
envelope {"success": bool, "errors": [{"code", "message"}], ...}: a 200 with
success false is a failure too. Rate limiting answers 429 with Retry-After.

Prefixes, as documented in https://developers.cloudflare.com/cache/how-to/purge-cache/purge_by_prefix/
(available on every plan, https://developers.cloudflare.com/cache/how-to/purge-cache/):
the same call with {"prefixes": [prefix, ...]}, each prefix the host and path
without scheme ("www.example.com/foo"), at most 30 prefixes per call, at most 31
path separators in a prefix, and no query string or fragment.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
from urllib.parse import urlsplit

from ansible_collections.cdn.origin.plugins.module_utils.purge_transport import Request, json_answer

OPTIONS = ('base_url', 'token', 'zone_id', 'batch_size')
REQUIRED = ('token', 'zone_id')
DEFAULTS = {'base_url': 'https://api.cloudflare.com', 'batch_size': 30}
ZERO_BATCH = False
MAX_BATCH = 500
PREFIXES_PER_CALL = 30
MAX_SEPARATORS = 31


def judge(status, body):
    answer = json_answer(body)
    if answer is None:
        return 'HTTP %d, not a Cloudflare API answer' % status
    errors = '; '.join('%s %s' % (e.get('code', ''), e.get('message', '')) if isinstance(e, dict) else str(e)
                       for e in answer.get('errors') or [])
    if 200 <= status < 300 and answer.get('success') is True:
        return None
    return 'HTTP %d, success: %s%s' % (status, json.dumps(answer.get('success')), ', errors: ' + errors if errors else '')


def _calls(cfg, field, items, values, size):
    """POSTs of `values` (what the body lists for `items`) in the body's `field`, `size` a call."""
    path = '/client/v4/zones/%s/purge_cache'
    url = cfg.base_url.rstrip('/') + path % cfg.zone_id
    shown = cfg.base_url.rstrip('/') + path % '********'
    headers = {'Authorization': 'Bearer ' + cfg.token, 'Content-Type': 'application/json'}
    requests = []
    for start in range(0, len(items), size):
        body = json.dumps({field: values[start:start + size]}).encode('utf-8')
        requests.append(Request('POST', url, items[start:start + size], headers=headers, body=body, judge=judge,
                                shown_url=shown, prefix=field == 'prefixes'))
    return requests


def build(cfg, targets):
    return _calls(cfg, 'files', targets, targets, cfg.batch_size)


def build_prefixes(cfg, prefixes):
    values = []
    for prefix in prefixes:
        parts = urlsplit(prefix)
        value = parts.netloc + parts.path
        if value.count('/') > MAX_SEPARATORS:
            raise ValueError('prefixes: %s has more than the %d path separators Cloudflare takes in a prefix'
                             % (prefix, MAX_SEPARATORS))
        values.append(value)
    return _calls(cfg, 'prefixes', prefixes, values, PREFIXES_PER_CALL)
