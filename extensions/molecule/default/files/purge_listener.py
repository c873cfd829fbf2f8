"""A stand-in for a CDN purge API on loopback: every request becomes one
JSON line in the log (method, path, token header, parsed body), answered 202.
Threaded, since cdn.origin.purge sends up to 10 requests at once.
"""

import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()


class Server(ThreadingHTTPServer):
    daemon_threads = True
    # a backlog of 5 would drop the SYNs of a burst of connections, which then come a second later
    request_queue_size = 128


class Recorder(BaseHTTPRequestHandler):
    log_path = None

    def _record(self):
        raw = self.rfile.read(int(self.headers.get('Content-Length') or 0))
        try:
            body = json.loads(raw.decode('utf-8'))
        except ValueError:
            # kept verbatim so that the test fails showing what arrived
            body = raw.decode('utf-8', 'replace')
        entry = {
            'method': self.command,
            'path': self.path,
            'token': self.headers.get('X-Purge-Token'),
            'content_type': self.headers.get('Content-Type'),
            'body': body,
        }
        with LOCK, open(self.log_path, 'a') as log:
            log.write(json.dumps(entry) + '\n')
        self.send_response(202)
        self.send_header('Content-Length', '0')
        self.end_headers()

    do_POST = do_PUT = do_PURGE = do_DELETE = _record

    def log_message(self, *args):
        pass


def main():
    port, Recorder.log_path = int(sys.argv[1]), sys.argv[2]
    open(Recorder.log_path, 'a').close()
    server = Server(('127.0.0.1', port), Recorder)
    server.serve_forever()


if __name__ == '__main__':
    main()
