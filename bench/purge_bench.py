"""Throughput of cdn.origin.purge: 10,000 URLs through http_purge (to a Python listener and to a real Varnish)
and through the Cloudflare stand-in.

    .venv/bin/python bench/purge_bench.py [--urls 10000] [--concurrency 10] [--varnish HOST:PORT]

Each listener runs in a process of its own on 127.0.0.1 (the stand-ins of
tests/integration/targets/setup_purge_standin, which check every request as
the tests do), so the client's threads do not share a GIL with the server; the
Python http_purge listener bounds its figure as much as the module does.
The Varnish row is Debian's varnishd with the edge tests' VCL
(tests/webservers/server_support.py: PURGE from 127.0.0.1 behind an ACL),
started here on 127.0.0.1 and stopped by its pid (scripts/purge_bench.sh
installs it; without varnishd the row is skipped, saying so); `--varnish`
points that row at a running Varnish instead. The URLs are not in Varnish's
cache: each PURGE is a hash lookup that finds nothing, as for most URLs of a
deploy (an edge holds what was asked for). The engine runs in-process, as the
module runs it, with the module's default retries and timeouts. A report, not a
test: nothing asserts a time.
"""

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STANDIN = os.path.join(ROOT, 'tests', 'integration', 'targets', 'setup_purge_standin', 'files', 'purge_standin.py')
SERVERS = os.path.join(ROOT, 'tests', 'webservers')
TOKEN = 'bench-token'
ZONE = 'bench-zone'


def collections_dir():
    """A directory holding ansible_collections/cdn/origin -> this checkout (as tests/conftest.py sets it up)."""
    top = os.path.join(ROOT, '.tmp', 'collections')
    link = os.path.join(top, 'ansible_collections', 'cdn', 'origin')
    if not os.path.islink(link):
        os.makedirs(os.path.dirname(link), exist_ok=True)
        os.symlink(ROOT, link)
    return top


def start_standin(provider, scratch, *extra):
    port_file = os.path.join(scratch, provider + '.port')
    proc = subprocess.Popen([sys.executable, STANDIN, provider, '--port-file', port_file, '--lifetime', '300'] + list(extra))
    deadline = time.time() + 20
    while not os.path.exists(port_file):
        if time.time() > deadline or proc.poll() is not None:
            proc.kill()
            raise SystemExit('the %s stand-in did not start' % provider)
        time.sleep(0.05)
    with open(port_file) as f:
        return proc, 'http://127.0.0.1:%d' % json.load(f)['port']


def timed(purge, label, count, **options):
    urls = ['https://www.example.com/bench/f%06d.html' % i for i in range(count)]
    started = time.monotonic()
    result = purge(urls=urls, **options)
    elapsed = time.monotonic() - started
    failed = len(result['failed_urls'])
    print('%-44s %6d URLs %6d requests %8.2f s %9.0f URLs/s%s' % (
        label, len(result['purged']), result['requests'], elapsed, len(result['purged']) / elapsed,
        '  (%d failed: %s)' % (failed, result['msg']) if failed else ''))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--urls', type=int, default=10000)
    parser.add_argument('--concurrency', type=int, default=10)
    parser.add_argument('--varnish', help='HOST:PORT of a running Varnish that accepts PURGE (default: one started here)')
    args = parser.parse_args()
    sys.path[:0] = [collections_dir(), SERVERS]
    from ansible_collections.cdn.origin.plugins.module_utils.purge import purge
    import server_support

    procs = []
    with tempfile.TemporaryDirectory(prefix='purge-bench.') as scratch, contextlib.ExitStack() as edges:
        try:
            proc, listener = start_standin('http_purge', scratch)
            procs.append(proc)
            proc, api = start_standin('cloudflare', scratch, '--token', TOKEN, '--zone-id', ZONE)
            procs.append(proc)
            if args.varnish:
                varnish = 'http://' + args.varnish
            elif os.path.exists(server_support.VARNISHD):
                # its backend is the discard port, where nothing listens: a PURGE never reaches the backend
                varnish = 'http://127.0.0.1:%d' % edges.enter_context(server_support.varnish(9, ports=server_support.EDGE_PORTS))
            else:
                varnish = None
            print('concurrency %d, one process per listener, 127.0.0.1 only' % args.concurrency)
            timed(purge, 'http_purge -> Python listener', args.urls, provider='http_purge', endpoint=listener,
                  concurrency=args.concurrency)
            if varnish:
                timed(purge, 'http_purge -> Varnish %s' % (args.varnish or '7 (started here)'), args.urls,
                      provider='http_purge', endpoint=varnish, concurrency=args.concurrency)
            else:
                print('http_purge -> Varnish: skipped, %s is not installed (scripts/purge_bench.sh installs it)' % server_support.VARNISHD)
            timed(purge, 'cloudflare stand-in, batches of 30', args.urls, provider='cloudflare', base_url=api,
                  token=TOKEN, zone_id=ZONE, concurrency=args.concurrency)
        finally:
            for proc in procs:
                proc.terminate()
                proc.wait(10)


if __name__ == '__main__':
    main()
