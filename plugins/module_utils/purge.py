# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cdn.origin maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The purge module's engine: validate, build each provider's requests, send them.

Importable without Ansible. DEFAULTS names every option and its default; an
option only one provider uses defaults to None here and takes that provider's
default (its DEFAULTS), and naming it for a provider that does not use it is an
error rather than a silent no-op. A provider is one file (purge_<name>.py)
whose build(cfg, targets) returns the requests of the URLs (or webhook paths)
and build_prefixes(cfg, prefixes) those of the prefixes, each with that
provider's broadest exact tool (raising ValueError where it has none);
purge_transport sends them. With a pending_file, what failed is kept there and
sent first by the next run (see purge_pending).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re
from urllib.parse import urlsplit

from ansible_collections.cdn.origin.plugins.module_utils import (
    purge_akamai, purge_cloudflare, purge_fastly, purge_http_purge, purge_nginx_cache_purge, purge_webhook,
)
from ansible_collections.cdn.origin.plugins.module_utils.purge_pending import Pending, PendingError
from ansible_collections.cdn.origin.plugins.module_utils.purge_transport import Transport

PROVIDERS = {
    'webhook': purge_webhook,
    'http_purge': purge_http_purge,
    'nginx_cache_purge': purge_nginx_cache_purge,
    'cloudflare': purge_cloudflare,
    'fastly': purge_fastly,
    'akamai': purge_akamai,
}

DEFAULTS = {
    'urls': [],
    'prefixes': [],
    'pending_file': None,
    'concurrency': 10,
    'retries': 3,
    'timeout': 30,
    'total_timeout': 600,
    'validate_certs': True,
    # used by some providers only: see each provider's OPTIONS and DEFAULTS
    'endpoint': None,
    'base_url': None,
    'method': None,
    'ban_method': None,
    'headers': None,
    'host_header': None,
    'status_code': None,
    'token': None,
    'token_header': None,
    'zone_id': None,
    'service_id': None,
    'soft': None,
    'network': None,
    'batch_size': None,
    'paths': None,
    'webhook_host': None,
    'webhook_dest': None,
    'webhook_complete': None,
    'akamai_host': None,
    'akamai_client_token': None,
    'akamai_client_secret': None,
    'akamai_access_token': None,
}
COMMON = ('urls', 'prefixes', 'pending_file', 'concurrency', 'retries', 'timeout', 'total_timeout', 'validate_certs')
LIMITS = {'concurrency': (1, 64), 'retries': (0, 10), 'timeout': (1, 3600), 'total_timeout': (1, 86400)}
NETWORKS = ('staging', 'production')
# headers whose value is shown in a check-mode report; every other value is masked
SHOWN_HEADERS = frozenset(('host', 'content-type', 'accept', 'fastly-soft-purge', 'user-agent'))
MASK = '********'
# RFC 9110 field-name
HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")


class PurgeError(Exception):
    def __init__(self, msg):
        super(PurgeError, self).__init__(msg)
        self.msg = msg


class Config:
    def __init__(self, **kwargs):
        self.__dict__.update(kwargs)


def _bad_char(text):
    return any(ord(c) < 33 or ord(c) == 127 for c in text)


def check_url(url, what='urls'):
    """The reason an absolute http(s) URL is unusable, or None."""
    if not isinstance(url, str) or not url:
        return '%s: %r is not a URL' % (what, url)
    if _bad_char(url):
        return '%s: %r contains whitespace or a control character (percent-encode it)' % (what, url)
    try:
        parts = urlsplit(url)
        parts.port  # pylint: disable=pointless-statement
    except ValueError as e:
        return '%s: %r is not a valid URL: %s' % (what, url, e)
    if parts.scheme not in ('http', 'https') or not parts.netloc or not parts.hostname:
        return '%s: %r is not an absolute http:// or https:// URL' % (what, url)
    if parts.fragment or url.endswith('#'):
        return '%s: %r has a fragment, which never reaches a cache' % (what, url)
    if parts.username or parts.password:
        return '%s: %r carries credentials; use the token options' % (what, url)
    return None


def _unique(items):
    seen = set()
    return [x for x in items if not (x in seen or seen.add(x))]


def configure(provider, **given):
    """A validated Config; PurgeError names the first bad option and why."""
    if provider not in PROVIDERS:
        raise PurgeError('provider: %r is not one of %s' % (provider, ', '.join(sorted(PROVIDERS))))
    unknown = sorted(set(given) - set(DEFAULTS))
    if unknown:
        raise PurgeError('unknown options: %s' % ', '.join(unknown))
    impl = PROVIDERS[provider]
    misplaced = sorted(name for name, value in given.items()
                       if value is not None and name not in COMMON and name not in impl.OPTIONS)
    if misplaced:
        raise PurgeError('%s: not used by provider %s%s' % (
            ', '.join(misplaced), provider, ' (one request per URL)' if 'batch_size' in misplaced else ''))
    values = dict(DEFAULTS)
    values.update(impl.DEFAULTS)
    values.update((name, value) for name, value in given.items() if value is not None)
    cfg = Config(provider=provider, impl=impl, **values)
    cfg.headers = dict(cfg.headers or {})

    missing = [name for name in impl.REQUIRED if not values.get(name)]
    if provider == 'akamai' and not (cfg.akamai_host or cfg.base_url):
        missing.append('akamai_host')
    if missing:
        raise PurgeError('provider %s needs %s' % (provider, ', '.join(missing)))
    for name, (low, high) in LIMITS.items():
        value = getattr(cfg, name)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise PurgeError('%s: %r is not an integer from %d to %d' % (name, value, low, high))
    _check_batch(cfg)
    for name in ('endpoint', 'base_url'):
        value = getattr(cfg, name)
        reason = value and check_url(value, name)
        if reason:
            raise PurgeError(reason)
    if cfg.akamai_host and (_bad_char(cfg.akamai_host) or '/' in cfg.akamai_host):
        raise PurgeError('akamai_host: %r is not a host name (the "host" of the API client credentials)' % cfg.akamai_host)
    if cfg.network is not None and cfg.network not in NETWORKS:
        raise PurgeError('network: %r is not one of %s' % (cfg.network, ', '.join(NETWORKS)))
    for name in ('method', 'ban_method'):
        value = getattr(cfg, name)
        if value is not None and (not value.isalpha() or not value.isupper()):
            raise PurgeError('%s: %r is not an upper-case HTTP method name' % (name, value))
    for name, value in list(cfg.headers.items()) + ([('Host', cfg.host_header)] if cfg.host_header else []):
        if not HEADER_NAME.match(str(name)):
            raise PurgeError('headers: %r is not a header name' % (name,))
        if not isinstance(value, str) or '\r' in value or '\n' in value:
            raise PurgeError('headers: the value of %r must be a single-line string' % name)
    if cfg.token_header is not None and not HEADER_NAME.match(cfg.token_header):
        raise PurgeError('token_header: %r is not a header name' % cfg.token_header)
    cfg.targets = _targets(cfg)
    cfg.prefixes = _prefixes(cfg.prefixes)
    if cfg.pending_file is not None:
        if not isinstance(cfg.pending_file, str) or not cfg.pending_file.strip():
            raise PurgeError('pending_file: %r is not a path' % (cfg.pending_file,))
        cfg.pending_file = os.path.abspath(os.path.expanduser(cfg.pending_file))
    return cfg


def _check_batch(cfg):
    impl = cfg.impl
    size = cfg.batch_size
    if size is None:
        return
    low = 0 if impl.ZERO_BATCH else 1
    if not isinstance(size, int) or size < low or (impl.MAX_BATCH and size > impl.MAX_BATCH):
        raise PurgeError('batch_size: %r is not from %d to %s for provider %s' % (
            size, low, impl.MAX_BATCH or 'any', cfg.provider))


def _targets(cfg):
    if cfg.paths is not None:
        if cfg.urls:
            raise PurgeError('urls and paths are mutually exclusive')
        for path in cfg.paths:
            # a JSON body carries a space as it is, as the role's ansible.builtin.uri body always did
            if not isinstance(path, str) or not path or any(ord(c) < 32 or ord(c) == 127 for c in path):
                raise PurgeError('paths: %r is not a path without control characters' % (path,))
        return _unique(cfg.paths)
    if not isinstance(cfg.urls, list):
        raise PurgeError('urls: a list of absolute URLs is needed')
    for url in cfg.urls:
        reason = check_url(url)
        if reason:
            raise PurgeError(reason)
    return _unique(cfg.urls)


def check_prefix(prefix):
    """The reason an absolute URL prefix is unusable, or None."""
    reason = check_url(prefix, 'prefixes')
    if reason is None and (urlsplit(prefix).query or '?' in prefix):
        reason = 'prefixes: %r has a query string; a prefix is a scheme, a host and a path' % prefix
    return reason


def _prefixes(prefixes):
    if not isinstance(prefixes, list):
        raise PurgeError('prefixes: a list of absolute URL prefixes is needed')
    for prefix in prefixes:
        reason = check_prefix(prefix)
        if reason:
            raise PurgeError(reason)
    return _unique(prefixes)


def _shown(request):
    """A request as a check-mode report shows it: no credential, bodies summarised."""
    headers = dict((name, value if name.lower() in SHOWN_HEADERS else MASK) for name, value in request.headers.items())
    if request.sign is not None:
        headers['Authorization'] = MASK
    body = None
    if request.body is not None:
        body = {'bytes': len(request.body)}
        try:
            fields = json.loads(request.body.decode('utf-8'))
        except ValueError:
            fields = None
        if isinstance(fields, dict):
            body['json'] = dict((k, '%d entries' % len(v) if isinstance(v, list) else v) for k, v in fields.items())
    return {'method': request.method, 'url': request.shown_url, 'headers': headers, 'body': body,
            ('prefixes' if request.prefix else 'urls'): list(request.targets)}


def _read_pending(cfg, pending):
    """The pending file's entries [(kind, value)], checked as the options are."""
    try:
        entries = pending.read()
    except PendingError as e:
        raise PurgeError(e.msg)
    for kind, value in entries:
        if kind == 'paths':
            # only the webhook body carries paths; another provider needs the URL
            reason = None if cfg.provider == 'webhook' else 'paths of a webhook run, which provider %s cannot purge' % cfg.provider
        else:
            reason = (check_prefix if kind == 'prefixes' else check_url)(value)
        if reason:
            raise PurgeError('pending_file %s holds %s: %s. Nothing was sent; repair or remove the file'
                             % (pending.path, value if kind == 'paths' else 'an entry that cannot be sent', reason))
    return entries


def _plan(cfg, taken):
    """The requests, pending entries first, and the (kind, value) of each target and prefix."""
    own = 'paths' if cfg.paths is not None else 'urls'
    kinds = {}
    for kind, value in taken + [(own, t) for t in cfg.targets] + [('prefixes', p) for p in cfg.prefixes]:
        kinds.setdefault((kind == 'prefixes', value), kind)
    targets = [value for (prefix, value) in kinds if not prefix]
    prefixes = [value for (prefix, value) in kinds if prefix]
    try:
        # nothing to send needs no request (webhook's batch_size 0 would cut an empty list into slices of 0)
        requests = cfg.impl.build(cfg, targets) if targets else []
        requests += cfg.impl.build_prefixes(cfg, prefixes) if prefixes else []
    except ValueError as e:
        raise PurgeError(str(e))
    return requests, kinds


def purge(provider, check_mode=False, backoff=0.5, **given):
    """Purge every target and prefix, pending ones first; a result dict (changed, requests, purged, failed_urls,
    pending, ...), `failed` when any is left."""
    cfg = configure(provider, **given)
    pending = Pending(cfg.pending_file) if cfg.pending_file else None
    taken = _read_pending(cfg, pending) if pending else []
    requests, kinds = _plan(cfg, taken)
    taken = set(taken)
    result = {'changed': bool(requests), 'provider': provider, 'requests': len(requests),
              'purged': [], 'purged_prefixes': [], 'failed_urls': [], 'pending': len(taken), 'pending_sent': len(taken)}
    if check_mode:
        result['would_send'] = [_shown(r) for r in requests]
        result['sent'] = 0
        return result
    transport = Transport(concurrency=cfg.concurrency, retries=cfg.retries, timeout=cfg.timeout,
                          total_timeout=cfg.total_timeout, validate_certs=cfg.validate_certs, backoff=backoff)
    outcomes = transport.send(requests)
    result['sent'] = sum(o.attempts for o in outcomes)
    result['changed'] = result['sent'] > 0
    done, failed = [], []
    sent = 0
    for outcome in outcomes:
        request = outcome.request
        entries = [kinds[(request.prefix, value)] for value in request.targets]
        entries = list(zip(entries, request.targets))
        if outcome.attempts:
            sent += len(taken.intersection(entries))
        if outcome.ok:
            result['purged_prefixes' if request.prefix else 'purged'].extend(request.targets)
            done.extend(entries)
        else:
            failed.extend(entries)
            result['failed_urls'].extend(dict({'url': url, 'status': outcome.status, 'msg': outcome.msg},
                                              **({'prefix': True} if request.prefix else {}))
                                         for url in request.targets)
    result['pending_sent'] = sent
    msgs = []
    unrecorded = False
    if result['failed_urls']:
        first = result['failed_urls'][0]
        msgs.append('%d of %d %s not purged through %s; first: %s: %s' % (
            len(result['failed_urls']), len(kinds), 'URLs and prefixes' if any(p for p, _v in kinds) else 'URLs',
            provider, first['url'], first['msg']))
    if pending:
        try:
            result['pending'] = pending.update(done, failed)
        except (OSError, PendingError) as e:
            # the file is as it was: replaced by a rename, or not at all
            unrecorded = True
            msgs.append('pending_file %s not updated: %s; %s' % (
                pending.path, getattr(e, 'msg', None) or getattr(e, 'strerror', None) or e,
                'the purges listed in failed_urls are kept nowhere' if failed else 'the next run sends its entries again'))
        else:
            if failed:
                msgs.append('kept in pending_file %s for the next run' % pending.path)
    if result['failed_urls'] or unrecorded:
        result['failed'] = True
        result['msg'] = '; '.join(msgs)
    return result
