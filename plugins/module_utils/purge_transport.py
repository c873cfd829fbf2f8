# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cdn.origin maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""HTTP transport of the purge module: a bounded pool, retries, one deadline.

Standard library only. Each worker thread keeps one persistent connection per
origin (HTTP/1.1 keep-alive): a purge of 10,000 URLs, one request each, must
not pay a TCP (and TLS) handshake per URL. Redirects are never followed (a
POST silently turned into a GET purges nothing) and no proxy is used.

A request is retried, with exponential backoff, after a connection error, a
timeout, a 5xx answer or a 429; a 429's Retry-After holds back every worker,
not only the one that got it, since the rate limit is the account's. No
attempt starts after the run's deadline, so the total time is bounded by
`total_timeout` plus one request's `timeout`.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import http.client
import json
import socket
import ssl
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

# A Retry-After longer than this is not waited for: the request fails instead
# of stalling the play (the deadline caps it as well).
MAX_RETRY_AFTER = 120
MAX_BACKOFF = 30
# Bytes of an answer kept for the provider's verdict and the error message.
MAX_ANSWER = 65536
USER_AGENT = 'cdn.origin.purge'


class Request:
    """One HTTP request and the purge targets it covers.

    `sign(request)` returns headers computed per attempt (a fresh EdgeGrid
    timestamp and nonce); `judge(status, body)` returns None when the answer
    means purged, else the reason. The targets of a `prefix` request are
    prefixes, each standing for every URL below it.
    """

    def __init__(self, method, url, targets, headers=None, body=None, judge=None, sign=None, shown_url=None, prefix=False):
        self.method = method
        self.url = url
        self.targets = targets
        self.prefix = prefix
        self.headers = headers or {}
        self.body = body
        self.judge = judge or accept_2xx
        self.sign = sign
        # the URL as reported, credentials in it replaced
        self.shown_url = shown_url or url


class Outcome:
    def __init__(self, request, status, msg, attempts):
        self.request = request
        self.status = status
        self.msg = msg
        self.attempts = attempts

    @property
    def ok(self):
        return self.msg is None


def accept_2xx(status, body):  # pylint: disable=unused-argument
    return None if 200 <= status < 300 else 'HTTP %d' % status


def accept_statuses(statuses):
    def judge(status, body):  # pylint: disable=unused-argument
        return None if status in statuses else 'HTTP %d, expected one of %s' % (status, ', '.join(str(s) for s in sorted(statuses)))
    return judge


def retry_after(value, now=None):
    """Seconds a Retry-After header asks for (delta-seconds or an HTTP date), None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class _Gate:
    """The earliest time any worker may send again (raised by a 429)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._not_before = 0.0

    def hold(self, seconds):
        with self._lock:
            self._not_before = max(self._not_before, time.monotonic() + seconds)

    def wait(self, deadline):
        while True:
            with self._lock:
                delay = self._not_before - time.monotonic()
            if delay <= 0:
                return True
            if time.monotonic() + delay > deadline:
                return False
            time.sleep(delay)


class Transport:
    def __init__(self, concurrency=10, retries=3, timeout=30, total_timeout=600, validate_certs=True, backoff=0.5):
        self.concurrency = concurrency
        self.retries = retries
        self.timeout = timeout
        self.total_timeout = total_timeout
        self.backoff = backoff
        self._ssl = ssl.create_default_context()
        if not validate_certs:
            self._ssl.check_hostname = False
            self._ssl.verify_mode = ssl.CERT_NONE
        self._local = threading.local()
        self._opened = []
        self._opened_lock = threading.Lock()
        self._gate = _Gate()
        self._deadline = None

    def send(self, requests):
        """Send every request, at most `concurrency` at a time; one Outcome per request, in order."""
        self._deadline = time.monotonic() + self.total_timeout
        if not requests:
            return []
        workers = max(1, min(self.concurrency, len(requests)))
        try:
            with ThreadPoolExecutor(max_workers=workers) as pool:
                return list(pool.map(self._attempts, requests))
        finally:
            with self._opened_lock:
                for conn in self._opened:
                    conn.close()
                del self._opened[:]

    def _attempts(self, request):
        status, msg, attempt = None, None, 0
        while attempt <= self.retries:
            if not self._gate.wait(self._deadline) or time.monotonic() >= self._deadline:
                return Outcome(request, status, 'total_timeout of %ss reached%s' % (
                    self.total_timeout, ', last answer: %s' % msg if msg else ''), attempt)
            attempt += 1
            status, headers, body, msg = self._exchange(request)
            if msg is None:
                msg = request.judge(status, body)
                if msg is None:
                    return Outcome(request, status, None, attempt)
                if status != 429 and status < 500:
                    return Outcome(request, status, msg, attempt)
            if attempt > self.retries:
                break
            wait = retry_after(headers.get('Retry-After')) if status == 429 else None
            if wait is None:
                wait = min(MAX_BACKOFF, self.backoff * (2 ** (attempt - 1)))
            elif wait > MAX_RETRY_AFTER:
                return Outcome(request, status, '%s; Retry-After of %ds is longer than %ds' % (msg, wait, MAX_RETRY_AFTER), attempt)
            if status == 429:
                self._gate.hold(wait)
            else:
                time.sleep(min(wait, max(0.0, self._deadline - time.monotonic())))
        return Outcome(request, status, '%s (after %d attempts)' % (msg, attempt), attempt)

    def _connection(self, scheme, netloc, fresh):
        pool = getattr(self._local, 'connections', None)
        if pool is None:
            pool = self._local.connections = {}
        conn = pool.get((scheme, netloc))
        if conn is not None and fresh:
            conn.close()
            conn = None
        if conn is None:
            if scheme == 'https':
                conn = http.client.HTTPSConnection(netloc, timeout=self.timeout, context=self._ssl)
            else:
                conn = http.client.HTTPConnection(netloc, timeout=self.timeout)
            pool[(scheme, netloc)] = conn
            with self._opened_lock:
                self._opened.append(conn)
        return conn

    def _exchange(self, request):
        """(status, headers, body, error): error is a message when no answer came."""
        parts = urlsplit(request.url)
        target = parts.path or '/'
        if parts.query:
            target += '?' + parts.query
        headers = {'User-Agent': USER_AGENT}
        headers.update(request.headers)
        if request.sign is not None:
            headers.update(request.sign(request))
        # a kept-alive connection the server closed meanwhile fails on first use:
        # that one is retried at once on a new connection, not counted as an attempt
        for fresh in (False, True):
            conn = self._connection(parts.scheme, parts.netloc, fresh)
            conn.timeout = max(0.1, min(self.timeout, self._deadline - time.monotonic()))
            if conn.sock is not None:
                conn.sock.settimeout(conn.timeout)
            try:
                conn.request(request.method, target, body=request.body, headers=headers)
                answer = conn.getresponse()
                body = answer.read(MAX_ANSWER)
                if not answer.isclosed():
                    # drain what exceeds MAX_ANSWER so the connection stays usable
                    while answer.read(MAX_ANSWER):
                        pass
                if answer.getheader('Connection', '').lower() == 'close':
                    conn.close()
                return answer.status, answer.headers, body, None
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as e:
                conn.close()
                if fresh:
                    return None, {}, b'', 'connection to %s failed: %s' % (request.shown_url, e)
            except (socket.timeout, TimeoutError):
                conn.close()
                return None, {}, b'', 'no answer from %s within %ss' % (request.shown_url, self.timeout)
            except (OSError, http.client.HTTPException) as e:
                conn.close()
                return None, {}, b'', 'request to %s failed: %s' % (request.shown_url, e)
        return None, {}, b'', 'unreachable'  # pragma: no cover


def path_of(url):
    """The request target of an absolute URL: path (at least /) and query."""
    parts = urlsplit(url)
    return (parts.path or '/') + ('?' + parts.query if parts.query else '')


def credential_headers(token, token_header):
    """The header carrying `token` for the generic providers: Bearer by default, the raw value under `token_header`."""
    if not token:
        return {}
    if token_header:
        return {token_header: token}
    return {'Authorization': 'Bearer ' + token}


def edge_requests(cfg, targets, method, target_path, judge=None, prefix=False):
    """One request per URL to `endpoint` (or the URL's own origin) at target_path(url), with the URL's Host.

    `judge` defaults to the statuses of `status_code`.
    """
    judge = judge or accept_statuses(frozenset(cfg.status_code))
    common = dict(cfg.headers)
    common.update(credential_headers(cfg.token, cfg.token_header))
    edge = cfg.endpoint.rstrip('/') if cfg.endpoint else None
    requests = []
    for url in targets:
        parts = urlsplit(url)
        headers = dict(common)
        host = cfg.host_header or (parts.netloc if edge else None)
        if host:
            headers['Host'] = host
        base = edge or '%s://%s' % (parts.scheme, parts.netloc)
        requests.append(Request(method, base + target_path(url), [url], headers=headers, judge=judge, prefix=prefix))
    return requests


def json_answer(body):
    """The JSON object of an answer, or None when it is not one."""
    try:
        answer = json.loads(body.decode('utf-8'))
    except (UnicodeDecodeError, ValueError):
        return None
    return answer if isinstance(answer, dict) else None
