# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cdn.origin maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Real servers from Debian's packages on loopback, for the tests and the purge bench.

Each server runs in the foreground (so it is the process started here, and is
stopped by its pid) with its own configuration in a fresh directory, on
127.0.0.1; never through systemd. `server()` writes the configuration from
templates, starts the binary and waits, bounded, until it accepts
connections (and until its own readiness check passes); the block's end
stops it and removes the directory.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import http.client
import os
import random
import shutil
import socket
import subprocess
import tempfile
import time

import pytest

NGINX = shutil.which('nginx') or '/usr/sbin/nginx'
SERVER_USER = 'www-data'
READY_TRIES = 400
READY_PAUSE = 0.025
LOGS = ('console.log', 'error.log')
# the edges' ports (tests and the purge bench): a range of their own, apart from other suites' listeners
EDGE_PORTS = range(18000, 19000)


def free_port(ports=None):
    """A port of 127.0.0.1 nothing listens on: any (the kernel's choice), or the first free one of `ports`
    (tried from a random place, so runs side by side rarely collide)."""
    if ports is None:
        with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as s:
            s.bind(('127.0.0.1', 0))
            return s.getsockname()[1]
    ports = list(ports)
    start = random.randrange(len(ports))
    for port in ports[start:] + ports[:start]:
        with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as s:
            try:
                s.bind(('127.0.0.1', port))
            except OSError:
                continue
            return port
    raise RuntimeError('no free port of 127.0.0.1 in %d-%d' % (ports[0], ports[-1]))


def request(port, rel, method='GET', headers=None, source=None):
    """(status, headers with lower-case names, body) of METHOD /rel on 127.0.0.1:port, sent from `source` (an address)."""
    conn = http.client.HTTPConnection('127.0.0.1', port, timeout=10, source_address=(source, 0) if source else None)
    try:
        conn.request(method, '/' + rel, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict((name.lower(), value) for name, value in response.getheaders()), response.read()
    finally:
        conn.close()


def get(port, rel):
    """(status, body) of GET /rel."""
    status, _headers, body = request(port, rel)
    return status, body


def logs(workdir, names=LOGS):
    """The tail of each log a server left in workdir, for a failure's message."""
    found = []
    for name in names:
        path = os.path.join(workdir, name)
        if os.path.exists(path):
            with open(path, 'rb') as f:
                found.append('%s: %s' % (name, f.read()[-2000:].decode(errors='replace')))
    return '; '.join(found)


@contextlib.contextmanager
def serving(command, port, workdir, ready=None, log_names=LOGS):
    """Run a server in the foreground until the block ends; waits (bounded) until it accepts connections
    and `ready()` (when given) is true."""
    log = open(os.path.join(workdir, 'console.log'), 'wb')
    proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        for _try in range(READY_TRIES):
            if proc.poll() is not None:
                break
            with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as s:
                if s.connect_ex(('127.0.0.1', port)) == 0 and (ready is None or ready()):
                    break
            time.sleep(READY_PAUSE)
        else:
            pytest.fail('%s was not ready on 127.0.0.1:%d: %s' % (command[0], port, logs(workdir, log_names)))
        if proc.poll() is not None:
            pytest.fail('%s exited with %s: %s' % (command[0], proc.returncode, logs(workdir, log_names)))
        yield
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        log.close()


@contextlib.contextmanager
def run_server(binary, files, argv, ports=None, prepare=None, ready=None, log_names=LOGS, **values):
    """`binary` in the foreground in a fresh work directory; yields its port (free, of `ports` when given).

    `files` maps a path under the work directory to a template, filled with `values`, `work` (the
    directory), `port` and `user` (the server user); `prepare(work)` runs first (a layout to copy);
    `argv(work, port)` is the command line after the binary; `ready(work)` an extra readiness check.
    """
    name = os.path.basename(binary)
    if not os.path.exists(binary):
        pytest.skip('%s is not installed (the scripts/ step that runs this test installs it)' % name)
    work = tempfile.mkdtemp(prefix='cdn-origin-%s-' % name)
    # Varnish's and nginx's workers drop to their own users and must reach their files in here
    os.chmod(work, 0o755)
    port = free_port(ports)
    try:
        if prepare:
            prepare(work)
        for rel, template in files.items():
            path = os.path.join(work, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, 'w') as f:
                f.write(template % dict(values, work=work, port=port, user=SERVER_USER))
        with serving([binary] + argv(work, port), port, work, ready=ready and (lambda: ready(work)), log_names=log_names):
            yield port
    finally:
        shutil.rmtree(work)


NGINX_CONF = '''daemon off;
master_process on;
worker_processes 1;
user %(user)s;
pid %(work)s/nginx.pid;
error_log %(work)s/error.log;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path %(work)s/body;
    proxy_temp_path %(work)s/proxy;
    fastcgi_temp_path %(work)s/fastcgi;
    uwsgi_temp_path %(work)s/uwsgi;
    scgi_temp_path %(work)s/scgi;
    server {
        listen 127.0.0.1:%(port)d;
        root %(root)s;
        disable_symlinks %(setting)s;
    }
}
'''


def nginx(root, setting, ports=None):
    """nginx serving `root` with `disable_symlinks SETTING`; yields its port."""
    return run_server(NGINX, {'nginx.conf': NGINX_CONF}, lambda work, _port: ['-c', os.path.join(work, 'nginx.conf'), '-p', work],
                      ports=ports, root=root, setting=setting)


VARNISHD = shutil.which('varnishd') or '/usr/sbin/varnishd'
# The VCL a user puts in front of the mirror: 200 and 404 cached (a 404
# for 120 s: long enough for a page published later to be served stale, had the role not purged it), PURGE
# and BAN accepted from the purgers ACL only (405 otherwise), X-Cache from obj.hits. BAN /prefix drops every
# object of that Host whose path starts with it: the path's regex characters are escaped, so a prefix
# matches as written and nothing more; the ban is on obj.* only, so the ban lurker applies it too.
VARNISH_VCL = r'''vcl 4.1;

backend origin {
    .host = "127.0.0.1";
    .port = "%(origin)d";
}

acl purgers {
    "127.0.0.1";
}

sub vcl_recv {
    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(405, "PURGE not allowed"));
        }
        return (purge);
    }
    if (req.method == "BAN") {
        if (client.ip !~ purgers) {
            return (synth(405, "BAN not allowed"));
        }
        ban("obj.http.x-host == " + req.http.host + " && obj.http.x-url ~ ^"
            + regsuball(req.url, "([][\\.^$|?*+(){}])", "\\\1"));
        return (synth(200, "Banned"));
    }
}

sub vcl_backend_response {
    set beresp.http.x-url = bereq.url;
    set beresp.http.x-host = bereq.http.host;
    if (beresp.status == 404) {
        set beresp.ttl = 120s;
    } elsif (beresp.status == 200) {
        set beresp.ttl = 1h;
    }
}

sub vcl_deliver {
    if (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
    set resp.http.X-Cache-Hits = obj.hits;
    unset resp.http.x-url;
    unset resp.http.x-host;
}
'''


def varnish(origin_port, ports=None):
    """Varnish 7 in front of 127.0.0.1:origin_port with VARNISH_VCL (no admin port); yields its port."""
    return run_server(VARNISHD, {'default.vcl': VARNISH_VCL},
                      lambda work, port: ['-F', '-a', '127.0.0.1:%d' % port, '-f', os.path.join(work, 'default.vcl'),
                                          '-n', os.path.join(work, 'varnish'), '-s', 'malloc,64m', '-T', 'none'],
                      ports=ports, origin=origin_port)


TRAFFIC_SERVER = shutil.which('traffic_server') or '/usr/bin/traffic_server'
ATS_SYSCONF = '/etc/trafficserver'
# A run root of its own: the binaries and plugins are Debian's, configuration, cache, logs and runtime files
# are in the work directory.
ATS_RUNROOT = '''prefix: %(work)s/ats
exec_prefix: /usr
bindir: /usr/bin
sbindir: /usr/sbin
includedir: /usr/include
libdir: /usr/lib/trafficserver
libexecdir: /usr/lib/trafficserver/modules
sysconfdir: %(work)s/ats/etc
datadir: %(work)s/ats/var
localstatedir: %(work)s/ats/var
runtimedir: %(work)s/ats/run
logdir: %(work)s/ats/log
cachedir: %(work)s/ats/cache
'''
# records.config of its own, built-in defaults but for: the port, the reverse proxy, run as root, objects
# without Cache-Control cached (nginx sends Last-Modified only), 404 cached for 120 s (negative caching is
# off by default), the Via header with the cache's verdict ([cH..], [cR..], [cW..] for a hit), and no
# traffic_crashlog helper (as root it writes a "crash log" at start-up and outlives the server).
ATS_RECORDS = '''CONFIG proxy.config.http.server_ports STRING %(port)d
CONFIG proxy.config.admin.user_id STRING #-1
CONFIG proxy.config.reverse_proxy.enabled INT 1
CONFIG proxy.config.url_remap.remap_required INT 1
CONFIG proxy.config.http.cache.required_headers INT 0
CONFIG proxy.config.http.negative_caching_enabled INT 1
CONFIG proxy.config.http.negative_caching_lifetime INT 120
CONFIG proxy.config.http.insert_response_via_str INT 2
CONFIG proxy.config.crash_log_helper STRING NULL
'''
# PURGE is built in; ip_allow.yaml decides who may send it, and the first rule that matches wins.
ATS_IP_ALLOW = '''ip_allow:
  - apply: in
    ip_addrs: 127.0.0.1
    action: allow
    methods: ALL
  - apply: in
    ip_addrs: 0/0
    action: deny
    methods: [PURGE, PUSH, DELETE]
'''
ATS_READY = 'Traffic Server is fully initialized'


def _ats_layout(work):
    shutil.copytree(ATS_SYSCONF, os.path.join(work, 'ats', 'etc'))
    for name in ('var', 'run', 'log', 'cache'):
        os.makedirs(os.path.join(work, 'ats', name))


def _ats_ready(work):
    try:
        with open(os.path.join(work, 'ats', 'log', 'diags.log')) as f:
            return ATS_READY in f.read()
    except FileNotFoundError:
        return False


def traffic_server(origin_port, host, ports=None):
    """Apache Traffic Server 9 as the reverse proxy of http://HOST/ to 127.0.0.1:origin_port; yields its port."""
    files = {
        'ats/runroot.yaml': ATS_RUNROOT,
        'ats/etc/records.config': ATS_RECORDS,
        'ats/etc/remap.config': 'map http://%(host)s/ http://127.0.0.1:%(origin)d/\n',
        'ats/etc/storage.config': '%(work)s/ats/cache 64M\n',
        'ats/etc/ip_allow.yaml': ATS_IP_ALLOW,
    }
    return run_server(TRAFFIC_SERVER, files, lambda work, _port: ['--run-root=' + os.path.join(work, 'ats', 'runroot.yaml')],
                      ports=ports, prepare=_ats_layout, ready=_ats_ready,
                      log_names=('console.log', 'ats/log/diags.log', 'ats/log/error.log'), origin=origin_port, host=host)
