# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cdn.origin maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Local stand-ins for the CDN APIs the purge module talks to, on 127.0.0.1 only.

Each stand-in accepts exactly the request its vendor documents (the rules
below cite the page each comes from) and answers like the vendor; anything
else is answered 400 and recorded as a violation, so a test that sees no
violation has sent only documented requests. A stand-in can be told to answer
429 (with Retry-After) or 500 first, to answer 500 always, and to hold each
request until N are in flight and then a little longer (which makes the
concurrency bound observable without a timing assertion). It serves at most `max_requests` requests and stops with the
test; run as a script it also stops after `--lifetime` seconds.

Used by the unit tests (imported by path) and by the `purge` integration target
(run as a script).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import argparse
import base64
import calendar
import collections
import hashlib
import hmac
import json
import os
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

MAX_BODY = 1 << 20
# POST {"status": 500, "times": 1} here: the next `times` requests are answered `status` (a test's "fail now");
# not a vendor path, never recorded
CONTROL_PATH = '/__standin__/answer_next'
# what the stand-ins answer to a request the vendor's documentation does not allow
REFUSED = frozenset((400, 401, 403, 405))


def _absolute(url):
    parts = urlsplit(url) if isinstance(url, str) else None
    return bool(parts and parts.scheme in ('http', 'https') and parts.netloc)


def _json(body):
    try:
        return json.loads(body.decode('utf-8'))
    except ValueError:
        return None


def _prefix_errors(prefixes):
    """https://developers.cloudflare.com/cache/how-to/purge-cache/purge_by_prefix/: at most
    30 prefixes per call, each host and path without scheme ("www.example.com/foo"),
    at most 31 path separators, no query string or fragment."""
    errors = []
    if not 1 <= len(prefixes) <= 30:
        errors.append('%d prefixes, 1 to 30 per call' % len(prefixes))
    for prefix in prefixes:
        if not isinstance(prefix, str) or '://' in prefix or not prefix.split('/', 1)[0]:
            errors.append('prefix %r is not a host and path without scheme' % (prefix,))
        elif '?' in prefix or '#' in prefix:
            errors.append('prefix %r has a query string or fragment' % prefix)
        elif prefix.count('/') > 31:
            errors.append('prefix %r has more than 31 path separators' % prefix)
    return errors


def check_cloudflare(stand, req):
    """https://developers.cloudflare.com/api/resources/cache/methods/purge/ and
    https://developers.cloudflare.com/cache/how-to/purge-cache/purge-by-single-file/:
    POST /client/v4/zones/{zone_id}/purge_cache, Authorization: Bearer <token>,
    Content-Type: application/json, {"files": [url, ...]} with at most 30 (older
    plans), 100 (current plans) or 500 (Enterprise) URLs, or {"prefixes": [...]}
    (see _prefix_errors; one kind of purge per call); the answer is the
    {"success", "errors", "messages", "result"} envelope."""
    errors = []
    if req['method'] != 'POST':
        errors.append('method %s, not POST' % req['method'])
    if req['path'] != '/client/v4/zones/%s/purge_cache' % stand.zone_id:
        errors.append('path %s is not /client/v4/zones/<zone_id>/purge_cache' % req['path'])
    if req['headers'].get('authorization') != 'Bearer %s' % stand.token:
        return 403, {'success': False, 'errors': [{'code': 10000, 'message': 'Authentication error'}],
                     'messages': [], 'result': None}
    if not req['headers'].get('content-type', '').startswith('application/json'):
        errors.append('Content-Type is not application/json')
    body = _json(req['body'])
    if isinstance(body, dict) and set(body) == {'prefixes'} and isinstance(body['prefixes'], list):
        errors.extend(_prefix_errors(body['prefixes']))
    elif not isinstance(body, dict) or set(body) != {'files'} or not isinstance(body['files'], list):
        errors.append('body is not {"files": [...]} nor {"prefixes": [...]}')
    else:
        files = body['files']
        if not 1 <= len(files) <= stand.batch_limit:
            errors.append('%d files, the plan takes 1 to %d' % (len(files), stand.batch_limit))
        if not all(_absolute(f) for f in files):
            errors.append('files are not all absolute URLs')
    if errors:
        return 400, {'success': False, 'errors': [{'code': 1012, 'message': e} for e in errors], 'messages': [], 'result': None}
    return 200, {'success': True, 'errors': [], 'messages': [], 'result': {'id': uuid.uuid4().hex}}


def check_fastly_purge_all(stand, req):
    """https://www.fastly.com/documentation/reference/api/purging/#purge-all:
    POST /service/{service_id}/purge_all, Fastly-Key: <token> (a token with the
    purge_all scope), no body; it cannot be soft. The answer is {"status": "ok"}."""
    errors = []
    if req['method'] != 'POST':
        errors.append('method %s, not POST' % req['method'])
    if req['path'] != '/service/%s/purge_all' % stand.service_id:
        errors.append('path %s is not /service/<service_id>/purge_all' % req['path'])
    if req['headers'].get('fastly-key') != stand.token:
        return 401, {'msg': 'Provided credentials are missing or invalid'}
    if 'fastly-soft-purge' in req['headers']:
        errors.append('purge_all cannot be soft')
    if req['body']:
        errors.append('purge_all has no body')
    if errors:
        return 400, {'msg': '; '.join(errors)}
    return 200, {'status': 'ok'}


def check_fastly(stand, req):
    """https://www.fastly.com/documentation/reference/api/purging/#purge-single-url:
    POST /purge/{cached_url}, cached_url being host and path without scheme,
    Fastly-Key: <token>, optional Fastly-Soft-Purge: 1
    (https://www.fastly.com/documentation/guides/full-site-delivery/purging/soft-purges/);
    the answer is {"status": "ok", "id": ...}. /service/... is check_fastly_purge_all."""
    if req['path'].startswith('/service/'):
        return check_fastly_purge_all(stand, req)
    errors = []
    if req['method'] != 'POST':
        errors.append('method %s, not POST' % req['method'])
    cached = req['path'][len('/purge/'):] if req['path'].startswith('/purge/') else ''
    if not cached or '://' in cached or '/' not in cached:
        errors.append('path %s is not /purge/<host><path>' % req['path'])
    if stand.token is not None and req['headers'].get('fastly-key') != stand.token:
        return 401, {'msg': 'Provided credentials are missing or invalid'}
    soft = req['headers'].get('fastly-soft-purge')
    if soft not in (None, '1') or (stand.soft is not None and (soft == '1') != stand.soft):
        errors.append('Fastly-Soft-Purge %r, expected %s' % (soft, '1' if stand.soft else 'none'))
    if req['body']:
        errors.append('a URL purge has no body')
    if errors:
        return 400, {'msg': '; '.join(errors)}
    return 200, {'status': 'ok', 'id': uuid.uuid4().hex}


def check_akamai(stand, req):
    """https://techdocs.akamai.com/purge-cache/reference/post-invalidate-url:
    POST /ccu/v3/invalidate/url/{staging|production}, Content-Type:
    application/json, {"objects": [url, ...]} (optional "hostname"), body under
    50,000 bytes (https://techdocs.akamai.com/purge-cache/reference/rate-limiting);
    EdgeGrid EG1-HMAC-SHA256 Authorization with a current timestamp and a fresh
    nonce (https://techdocs.akamai.com/developer/docs/authenticate-with-edgegrid),
    verified here by an implementation of its own; answers 201 with a purgeId."""
    errors = []
    if req['method'] != 'POST':
        errors.append('method %s, not POST' % req['method'])
    network = req['path'].rsplit('/', 1)[-1]
    if not req['path'].startswith('/ccu/v3/invalidate/url/') or network not in ('staging', 'production'):
        errors.append('path %s is not /ccu/v3/invalidate/url/{staging|production}' % req['path'])
    elif stand.network and network != stand.network:
        errors.append('network %s, expected %s' % (network, stand.network))
    reason = _edgegrid_refusal(stand, req)
    if reason:
        return 401, {'type': 'https://problems.luna.akamaiapis.net/client-token/invalid-authorization', 'title': 'Not authorized',
                     'detail': reason, 'httpStatus': 401}
    if not req['headers'].get('content-type', '').startswith('application/json'):
        errors.append('Content-Type is not application/json')
    if len(req['body']) >= 50000:
        errors.append('body of %d bytes, 50,000 at most' % len(req['body']))
    body = _json(req['body'])
    if not isinstance(body, dict) or not set(body) <= {'objects', 'hostname'} or not isinstance(body.get('objects'), list) \
            or not body['objects'] or not all(_absolute(o) for o in body['objects']):
        errors.append('body is not {"objects": [absolute URL, ...]}')
    if errors:
        return 400, {'title': 'Bad request', 'detail': '; '.join(errors), 'httpStatus': 400}
    return 201, {'httpStatus': 201, 'detail': 'Request accepted', 'estimatedSeconds': 5,
                 'purgeId': uuid.uuid4().hex, 'supportId': uuid.uuid4().hex}


def _edgegrid_refusal(stand, req):
    header = req['headers'].get('authorization', '')
    scheme, _sep, rest = header.partition(' ')
    fields = dict(part.split('=', 1) for part in rest.split(';') if '=' in part)
    if scheme != 'EG1-HMAC-SHA256' or set(fields) != {'client_token', 'access_token', 'timestamp', 'nonce', 'signature'}:
        return 'not an EG1-HMAC-SHA256 authorization'
    if fields['client_token'] != stand.client_token or fields['access_token'] != stand.access_token:
        return 'unknown client or access token'
    try:
        signed_at = calendar.timegm(time.strptime(fields['timestamp'], '%Y%m%dT%H:%M:%S+0000'))
    except ValueError:
        return 'timestamp %s unreadable' % fields['timestamp']
    if abs(time.time() - signed_at) > 300:
        return 'timestamp %s is not current' % fields['timestamp']
    with stand.lock:
        if fields['nonce'] in stand.nonces:
            return 'nonce %s used before' % fields['nonce']
        stand.nonces.add(fields['nonce'])
    unsigned = header[:header.index('signature=')]
    body_hash = base64.b64encode(hashlib.sha256(req['body']).digest()).decode() if req['body'] else ''
    data = '\t'.join(['POST', 'http', req['headers'].get('host', ''), req['path'], '', body_hash, unsigned])
    key = base64.b64encode(hmac.new(stand.client_secret.encode(), fields['timestamp'].encode(), hashlib.sha256).digest())
    expected = base64.b64encode(hmac.new(key, data.encode(), hashlib.sha256).digest()).decode()
    if not hmac.compare_digest(expected, fields['signature']):
        return 'signature mismatch'
    return None


def check_http_purge(stand, req):
    """https://varnish-cache.org/docs/trunk/users-guide/purging.html: PURGE <path>
    with the cached object's Host; a VCL `return (purge)` answers 200 "Purged".
    BAN <path prefix> (the VCL of the purge module's examples, #bans on that page)
    answers 200 "Ban added"; an edge without it (ban_method None, as Traffic
    Server or Squid) refuses the method."""
    if req['method'] not in (stand.method, stand.ban_method):
        return 405, None
    if not req['headers'].get('host'):
        return 400, None
    return 200, None


def check_nginx_cache_purge(stand, req):
    """https://github.com/FRiCKLE/ngx_cache_purge, separate-location form
    `location ~ /purge(/.*)`: GET /purge<path>, 200 when the entry was removed,
    404 when it was not cached. A path ending in `*` is a partial key
    (https://github.com/nginx-modules/ngx_cache_purge#partial-key-purge): 200 when
    entries were removed, 412 when none matched (the not_cached paths); without
    partial keys (ngx_cache_purge 2.3, Debian 12's) the `*` is part of one key that
    is never cached: 404."""
    if req['method'] != 'GET' or not req['path'].startswith('/purge/'):
        return 400, None
    if req['path'].endswith('*') and not stand.partial_keys:
        return 404, None
    if req['path'] in stand.not_cached:
        return (412 if req['path'].endswith('*') else 404), None
    return 200, None


def check_webhook(stand, req):
    """The body of roles/mirror/tasks/purge.yml (ansible.builtin.uri, body_format
    json): {"host", "dest", "paths", "complete"} and nothing else; or, for prefixes
    (the purge module's docs), the same with empty "paths" and "prefixes", a
    non-empty list of absolute URLs, last."""
    body = _json(req['body'])
    keys = ['host', 'dest', 'paths', 'complete']
    if isinstance(body, dict) and 'prefixes' in body:
        keys.append('prefixes')
        prefixes = body['prefixes']
        if body.get('paths') != [] or not isinstance(prefixes, list) or not prefixes or not all(_absolute(p) for p in prefixes):
            return 400, {'error': 'prefixes is not a list of absolute URLs with empty paths'}
    if req['method'] != stand.method or not isinstance(body, dict) or list(body) != keys \
            or not isinstance(body['paths'], list) or not isinstance(body['complete'], bool):
        return 400, {'error': 'not the mirror role body'}
    if stand.token is not None and req['headers'].get(stand.token_header.lower()) != stand.token:
        return 403, {'error': 'bad token'}
    return 200, {'accepted': len(body['paths'])}


CHECKS = {
    'cloudflare': check_cloudflare,
    'fastly': check_fastly,
    'akamai': check_akamai,
    'http_purge': check_http_purge,
    'nginx_cache_purge': check_nginx_cache_purge,
    'webhook': check_webhook,
}


class StandIn:
    def __init__(self, provider, token=None, zone_id='zone-0123456789abcdef', batch_limit=30, soft=None, network=None,
                 client_token='akab-client-token', client_secret='akab-client-secret', access_token='akab-access-token',
                 method=None, token_header='Authorization', not_cached=(), hold=0, hold_timeout=2.0, linger=0.0,
                 max_requests=20000, service_id='svc0123456789abcdef', ban_method='BAN', partial_keys=True):
        self.provider = provider
        self.check = CHECKS[provider]
        self.token, self.zone_id, self.batch_limit, self.soft, self.network = token, zone_id, batch_limit, soft, network
        self.client_token, self.client_secret, self.access_token = client_token, client_secret, access_token
        self.method = method or {'http_purge': 'PURGE', 'webhook': 'POST'}.get(provider)
        self.service_id, self.ban_method, self.partial_keys = service_id, ban_method, partial_keys
        self.token_header = token_header
        self.not_cached = set(not_cached)
        self.hold, self.hold_timeout, self.linger, self.max_requests = hold, hold_timeout, linger, max_requests
        self.received = []
        self.violations = []
        self.nonces = set()
        self.script = collections.deque()
        self.fail_always = None
        self.inflight = self.max_inflight = 0
        self.lock = threading.Condition()
        self.server = None
        self.thread = None

    def answer_first(self, status, times=1, retry_after=None, answer=None):
        """Answer the next `times` requests with `status` (and Retry-After, and a JSON answer)."""
        headers = {'Retry-After': str(retry_after)} if retry_after is not None else {}
        self.script.extend([(status, headers, answer)] * times)

    def control(self, body):
        """A test's order through CONTROL_PATH: {"status", "times"} answers the next requests with that status."""
        order = _json(body)
        try:
            # numbers may come as strings: ansible-core before 2.19 templates them so in a uri body
            status, times = int(order['status']), int(order.get('times', 1))
        except (TypeError, KeyError, ValueError, AttributeError):
            return 400, {}, {'error': 'expected {"status": int, "times": int}'}
        with self.lock:
            self.answer_first(status, times)
        return 200, {}, {'queued': len(self.script)}

    @property
    def url(self):
        return 'http://127.0.0.1:%d' % self.server.server_address[1]

    def start(self):
        self.server = _Server(('127.0.0.1', 0), _handler(self))
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={'poll_interval': 0.05}, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def respond(self, req):
        with self.lock:
            self.inflight += 1
            self.max_inflight = max(self.max_inflight, self.inflight)
            self.lock.notify_all()
            # hold until `hold` requests are in flight together (bounded wait)
            self.lock.wait_for(lambda: self.inflight >= self.hold, timeout=self.hold_timeout if self.hold else 0)
            count = len(self.received)
            scripted = self.script.popleft() if self.script else None
        # stay in flight a little longer, so that a client sending more at once than it should is seen doing it
        time.sleep(self.linger)
        try:
            if count >= self.max_requests:
                status, headers, answer = 503, {}, None
            elif scripted:
                status, headers, answer = scripted
            elif self.fail_always:
                status, headers, answer = self.fail_always, {}, None
            else:
                status, answer = self.check(self, req)
                headers = {}
                if status in REFUSED:
                    self.violations.append({'path': req['path'], 'status': status, 'answer': answer})
            req['status'] = status
            with self.lock:
                self.received.append(req)
            return status, headers, answer
        finally:
            with self.lock:
                self.inflight -= 1


class _Server(ThreadingHTTPServer):
    # a listen backlog of 5 drops the SYNs of a burst of connections, which then come a second later
    request_queue_size = 128


def _handler(stand):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = 'HTTP/1.1'
        timeout = 10

        def handle_one_request(self):
            self.raw_requestline = self.rfile.readline(65537)
            if not self.raw_requestline:
                self.close_connection = True
                return
            if not self.parse_request():
                return
            length = int(self.headers.get('Content-Length') or 0)
            body = self.rfile.read(min(length, MAX_BODY)) if length else b''
            if self.path == CONTROL_PATH and self.command == 'POST':
                status, headers, answer = stand.control(body)
            else:
                req = {'method': self.command, 'path': self.path, 'body': body,
                       'headers': dict((k.lower(), v) for k, v in self.headers.items()), 'at': time.time()}
                status, headers, answer = stand.respond(req)
            payload = json.dumps(answer).encode() if answer is not None else b''
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header('Content-Type', 'application/json')
            self.send_header('Content-Length', str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            self.wfile.flush()

        def log_message(self, *args):  # pylint: disable=arguments-differ
            pass

    return Handler


def main():
    """Serve one stand-in on 127.0.0.1 until --lifetime passes or SIGTERM; write its port and a log."""
    parser = argparse.ArgumentParser()
    parser.add_argument('provider', choices=sorted(CHECKS))
    parser.add_argument('--port-file', required=True, help='gets {"port", "pid"} once the stand-in listens')
    parser.add_argument('--log', help='received requests as JSON, rewritten as they come')
    parser.add_argument('--lifetime', type=float, default=120)
    parser.add_argument('--token')
    parser.add_argument('--token-header', default='Authorization')
    parser.add_argument('--zone-id', default='zone-0123456789abcdef')
    parser.add_argument('--batch-limit', type=int, default=30)
    parser.add_argument('--service-id', default='svc0123456789abcdef')
    parser.add_argument('--fail-first', type=int, default=0, help='answer the first N requests 500')
    args = parser.parse_args()
    stand = StandIn(args.provider, token=args.token, zone_id=args.zone_id, batch_limit=args.batch_limit,
                    token_header=args.token_header, service_id=args.service_id)
    stand.answer_first(500, args.fail_first)
    stand.start()
    tmp = args.port_file + '.tmp'
    with open(tmp, 'w') as f:
        json.dump({'port': stand.server.server_address[1], 'pid': os.getpid()}, f)
    os.rename(tmp, args.port_file)
    deadline = time.time() + args.lifetime
    written = -1
    try:
        while time.time() < deadline:
            time.sleep(0.05)
            if args.log and len(stand.received) != written:
                with stand.lock:
                    log = [dict(r, body=r['body'].decode('utf-8', 'replace')) for r in stand.received]
                with open(args.log + '.tmp', 'w') as f:
                    json.dump({'received': log, 'violations': len(stand.violations), 'max_inflight': stand.max_inflight}, f)
                os.rename(args.log + '.tmp', args.log)
                written = len(log)
    finally:
        stand.stop()


if __name__ == '__main__':
    main()
