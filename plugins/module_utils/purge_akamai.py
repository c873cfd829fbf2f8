# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cdn.origin maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Purge provider `akamai`: Fast Purge v3 invalidation by URL, EdgeGrid-signed.

Request, as documented in https://techdocs.akamai.com/purge-cache/reference/post-invalidate-url:
POST https://{akamai_host}/ccu/v3/invalidate/url/{network} (network: staging or
production), JSON body {"objects": [url, ...]}, at most 50,000 bytes per body
(https://techdocs.akamai.com/purge-cache/reference/rate-limiting), answered 201
with {"httpStatus": 201, "detail": "Request accepted", "purgeId": ...}.

Signature, as documented in https://techdocs.akamai.com/developer/docs/authenticate-with-edgegrid
(and implemented by akamai/AkamaiOPEN-edgegrid-python, whose test vectors the
unit tests reproduce): Authorization: EG1-HMAC-SHA256 client_token=..;
access_token=..;timestamp=..;nonce=..;signature=.., the signature being
base64(HMAC-SHA256(signing key, data)) over the tab-joined method, scheme, host,
path and query, canonical signed headers, the base64 SHA-256 of a POST body (its
first max_body bytes) and the header up to "signature=", with the signing key
base64(HMAC-SHA256(client_secret, timestamp)). Each attempt is signed anew:
Akamai refuses a timestamp that is not current and a nonce seen before.

Fast Purge has no prefix purge: it takes URLs, CP codes and cache tags
(https://techdocs.akamai.com/purge-cache/reference), and a CP code covers
whatever is served under it, not a path. Akamai purges a directory only through
the Enhanced Content Control Utility, a separate API of property-wide rules that
"may take up to 40 minutes" (https://techdocs.akamai.com/purge-cache/docs/purge-content-dir-exts),
no purge for a deploy to wait for. Prefixes fail before anything is sent.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import hashlib
import hmac
import json
import time
import uuid
from urllib.parse import urlsplit

from ansible_collections.cdn.origin.plugins.module_utils.purge_transport import Request, json_answer, path_of

OPTIONS = ('base_url', 'akamai_host', 'akamai_client_token', 'akamai_client_secret', 'akamai_access_token',
           'network', 'batch_size')
REQUIRED = ('akamai_client_token', 'akamai_client_secret', 'akamai_access_token')
DEFAULTS = {'network': 'production'}
ZERO_BATCH = False
MAX_BATCH = None
# Fast Purge refuses a body of 50,000 bytes or more
MAX_BODY_BYTES = 50000
# EdgeGrid hashes at most this much of a POST body (the client's default max_body)
MAX_SIGNED_BODY = 131072
_ENVELOPE = len(json.dumps({'objects': []}, separators=(',', ':')))


class PurgeBuildError(ValueError):
    pass


def _b64_hmac(key, message):
    return base64.b64encode(hmac.new(key, message.encode('utf-8'), hashlib.sha256).digest()).decode('ascii')


def edgegrid_authorization(client_token, client_secret, access_token, method, url, body=b'', headers=None,
                           headers_to_sign=(), timestamp=None, nonce=None, max_body=MAX_SIGNED_BODY):
    """The Authorization header value of one EdgeGrid (EG1-HMAC-SHA256) request."""
    timestamp = timestamp or time.strftime('%Y%m%dT%H:%M:%S+0000', time.gmtime())
    nonce = nonce or str(uuid.uuid4())
    header = 'EG1-HMAC-SHA256 client_token=%s;access_token=%s;timestamp=%s;nonce=%s;' % (
        client_token, access_token, timestamp, nonce)
    given = dict((name.lower(), value) for name, value in (headers or {}).items())
    canonical = '\t'.join('%s:%s' % (name.lower(), ' '.join(given[name.lower()].strip().split()))
                          for name in headers_to_sign if name.lower() in given)
    content_hash = ''
    if method.upper() == 'POST' and body:
        content_hash = base64.b64encode(hashlib.sha256(body[:max_body]).digest()).decode('ascii')
    parts = urlsplit(url)
    data = '\t'.join((method.upper(), parts.scheme, parts.netloc, path_of(url), canonical, content_hash, header))
    signing_key = _b64_hmac(client_secret.encode('utf-8'), timestamp)
    return header + 'signature=' + _b64_hmac(signing_key.encode('utf-8'), data)


def judge(status, body):
    if 200 <= status < 300:
        return None
    answer = json_answer(body) or {}
    detail = answer.get('detail') or answer.get('title')
    return 'HTTP %d%s' % (status, ', ' + str(detail) if detail else '')


def batches(targets, limit):
    """Runs of targets whose {"objects": [...]} body stays under MAX_BODY_BYTES, at most `limit` each."""
    batch, size = [], _ENVELOPE
    for url in targets:
        cost = len(json.dumps(url)) + (1 if batch else 0)
        if batch and (size + cost >= MAX_BODY_BYTES or (limit and len(batch) >= limit)):
            yield batch
            batch, size = [], _ENVELOPE
            cost = len(json.dumps(url))
        if _ENVELOPE + cost >= MAX_BODY_BYTES:
            raise PurgeBuildError('%s...: a URL this long does not fit in one Fast Purge request (%d bytes at most)' % (
                url[:80], MAX_BODY_BYTES - 1))
        batch.append(url)
        size += cost
    if batch:
        yield batch


def build(cfg, targets):
    base = (cfg.base_url or 'https://' + cfg.akamai_host).rstrip('/')
    url = '%s/ccu/v3/invalidate/url/%s' % (base, cfg.network)

    def sign(request):
        return {'Authorization': edgegrid_authorization(
            cfg.akamai_client_token, cfg.akamai_client_secret, cfg.akamai_access_token,
            request.method, request.url, request.body)}

    headers = {'Content-Type': 'application/json', 'Accept': 'application/json'}
    return [Request('POST', url, batch, headers=headers, body=json.dumps({'objects': batch}, separators=(',', ':')).encode('utf-8'),
                    judge=judge, sign=sign)
            for batch in batches(targets, cfg.batch_size)]


def build_prefixes(cfg, prefixes):  # pylint: disable=unused-argument
    if prefixes:
        raise PurgeBuildError('prefixes: Akamai Fast Purge has no prefix purge (URLs, CP codes and cache tags only; a CP '
                              'code is not limited to a path, and the directory purge of ECCU takes up to 40 minutes): nothing '
                              'was sent. Purge every URL instead, from a complete list (cdn.origin.symlink_or_copy changes_limit: 0)')
    return []
