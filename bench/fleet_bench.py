"""`make bench-fleet`: a fleet of origins reached over real SSH, converged and purged once.

One sshd of our own on 127.0.0.1 (a port in 22200-22299), N inventory hosts that all
reach it, each with its own `ansible_control_path` (otherwise Ansible keys the
ControlMaster on host/port/user and the N "hosts" share one connection, which flatters
a real fleet), pipelining on, forks 10. Every origin mirrors the same generated
10k-file tree (bench/gen_tree.py: 90% links into `htdocs`, 10% copies) into its own
dest under /dev/shm. The purge goes to a stand-in listener on 127.0.0.1 (19000-19999)
that counts the URLs it receives.

Measured, each as a whole `ansible-playbook` run (wall clock, median of --repeat where
repeated): a one-task `ping` play; `cdn.origin.deploy` from empty dests (converge and
one fleet purge); a deploy that adds 100 files; a no-op deploy. Reported: the ratios
to the ping play (goals: converge + purge within 2x, no-op within 1.5x), what the
listener received per run, and the slowest tasks of each run (bench/callback_plugins/task_times.py).

Bounded: every run has a timeout, the listener and sshd are ours and stopped at the
end (sshd by its pid, each ControlMaster with `ssh -O exit`), the directory removed.
"""

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
ADDED = 100


def free_port(first, last):
    for port in range(first, last + 1):
        with socket.socket() as probe:
            try:
                probe.bind(('127.0.0.1', port))
            except OSError:
                continue
            return port
    raise SystemExit('no free port on 127.0.0.1 in %d-%d' % (first, last))


class _Server(ThreadingHTTPServer):
    # socketserver's backlog of 5 can drop the SYNs of a purge's concurrent connections while this process waits
    # for a CPU (the kernel sends them again a second later); the project's purge stand-in keeps 128 too
    request_queue_size = 128


class Listener:
    """A webhook receiver that counts the URLs of every request (the body's `paths`)."""

    def __init__(self, port):
        self.lock = threading.Lock()
        self.reset()
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # pylint: disable=invalid-name
                raw = self.rfile.read(int(self.headers.get('Content-Length') or 0))
                paths = json.loads(raw.decode('utf-8')).get('paths') or []
                with listener.lock:
                    listener.requests += 1
                    listener.at.append(time.time())
                    for url in paths:
                        listener.urls[url] = listener.urls.get(url, 0) + 1
                self.send_response(202)
                self.send_header('Content-Length', '0')
                self.end_headers()

            def log_message(self, *args):  # pylint: disable=arguments-differ
                pass

        self.server = _Server(('127.0.0.1', port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def reset(self):
        with self.lock:
            self.requests, self.urls, self.at = 0, {}, []

    def take(self):
        with self.lock:
            counts = self.urls.values()
            taken = {'requests': self.requests, 'urls': sum(counts), 'unique_urls': len(self.urls),
                     'most_per_url': max(counts) if counts else 0,
                     'first_at': min(self.at) if self.at else None, 'last_at': max(self.at) if self.at else None}
        self.reset()
        return taken

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def sh(*argv, **kwargs):
    return subprocess.run(argv, check=True, **kwargs)


class Fleet:
    def __init__(self, args):
        self.args, self.dir = args, args.dir
        self.ssh_port = free_port(22200, 22299)
        self.listen_port = free_port(19000, 19999)
        self.hosts = ['h%02d' % i for i in range(1, args.hosts + 1)]
        self.sshd_pid = None
        self.listener = None

    def path(self, *parts):
        return os.path.join(self.dir, *parts)

    def setup(self):
        shutil.rmtree(self.dir, ignore_errors=True)
        for sub in ('cp', 'origin', 'inventory/group_vars', 'log'):
            os.makedirs(self.path(sub))
        sh(sys.executable, os.path.join(HERE, 'gen_tree.py'), self.path('tree'), '--files', str(self.args.files),
           stdout=subprocess.DEVNULL)
        for key in ('id_ed25519', 'host_ed25519'):
            sh('ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f', self.path(key))
        shutil.copy(self.path('id_ed25519.pub'), self.path('authorized_keys'))
        with open(self.path('sshd_config'), 'w') as f:
            f.write('\n'.join([
                'Port %d' % self.ssh_port, 'ListenAddress 127.0.0.1', 'HostKey %s' % self.path('host_ed25519'),
                'PidFile %s' % self.path('sshd.pid'), 'PermitRootLogin prohibit-password',
                'PasswordAuthentication no', 'KbdInteractiveAuthentication no',
                'AuthorizedKeysFile %s' % self.path('authorized_keys'), 'StrictModes no', 'UsePAM no',
                'MaxStartups 200:30:300', 'MaxSessions 200', 'Subsystem sftp internal-sftp', '']))
        os.makedirs('/run/sshd', exist_ok=True)
        sh('/usr/sbin/sshd', '-f', self.path('sshd_config'))
        for _attempt in range(100):
            if os.path.exists(self.path('sshd.pid')):
                break
            time.sleep(0.05)
        with open(self.path('sshd.pid')) as f:
            self.sshd_pid = int(f.read())
        self.listener = Listener(self.listen_port)
        self.write_inventory()

    def write_inventory(self):
        lines = ['[origins]']
        for host in self.hosts:
            lines.append('%s ansible_host=127.0.0.1 ansible_port=%d ansible_user=root ansible_ssh_private_key_file=%s '
                         'ansible_control_path=%s ansible_python_interpreter=/usr/bin/python3'
                         % (host, self.ssh_port, self.path('id_ed25519'), self.path('cp', host)))
        with open(self.path('inventory', 'hosts.ini'), 'w') as f:
            f.write('\n'.join(lines) + '\n')
        # group_vars/all: the controller's purge play (localhost) reads the purge settings too
        purge = {
            'mirror_purge_provider': 'webhook',
            'mirror_purge_endpoint': 'http://127.0.0.1:%d/purge' % self.listen_port,
            'mirror_purge_base_url': 'https://cdn.example.net',
            'mirror_purge_batch_size': 1000,
            'mirror_purge_pending_file': self.path('purge-pending.json'),
        }
        origins = {
            'mirror_trees': [{'dest': self.path('origin', '{{ inventory_hostname }}'), 'src': self.path('tree', 'build'),
                              'within': [self.path('tree', 'htdocs')], 'prune': True, 'purge_prefix': '/site/'}],
        }
        for name, data in (('all', purge), ('origins', origins)):
            with open(self.path('inventory', 'group_vars', name + '.yml'), 'w') as f:
                json.dump(data, f, indent=1)
        with open(self.path('ping.yml'), 'w') as f:
            f.write('- name: Ping every origin\n  hosts: origins\n  gather_facts: false\n  tasks:\n'
                    '    - name: Ping\n      ansible.builtin.ping:\n')

    def env(self):
        env = dict(os.environ, ANSIBLE_FORKS=str(self.args.forks), ANSIBLE_PIPELINING='True',
                   ANSIBLE_HOST_KEY_CHECKING='False', ANSIBLE_CALLBACKS_ENABLED='task_times',
                   ANSIBLE_CALLBACK_PLUGINS=os.path.join(HERE, 'callback_plugins'), ANSIBLE_NOCOLOR='1', ANSIBLE_RETRY_FILES_ENABLED='False')
        env.pop('ANSIBLE_CONFIG', None)
        return env

    def play(self, label, playbook, *extra):
        log = self.path('log', label + '.log')
        argv = ['ansible-playbook', playbook, '-i', self.path('inventory')] + list(extra)
        t0 = time.monotonic()
        with open(log, 'w') as out:
            proc = subprocess.run(argv, env=self.env(), stdout=out, stderr=subprocess.STDOUT, timeout=self.args.timeout,
                                  cwd=self.dir, check=False)
        seconds = time.monotonic() - t0
        with open(log) as f:
            text = f.read()
        keep = os.path.join(self.args.logs, label + '.log')
        shutil.copy(log, keep)
        recap = re.findall(r'^(\S+)\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)', text, re.M)
        return {'label': label, 'seconds': round(seconds, 2), 'rc': proc.returncode,
                'changed_hosts': sum(1 for r in recap if r[0] != 'localhost' and int(r[2]) > 0),
                'failed_hosts': sum(1 for r in recap if int(r[4]) or int(r[3])),
                'slowest_tasks': profile(text), 'log': os.path.relpath(keep, ROOT)}

    def add_files(self):
        new = self.path('tree', 'build', 'added')
        os.makedirs(new)
        for i in range(ADDED):
            with open(os.path.join(new, 'n%03d.html' % i), 'w') as f:
                f.write('<p>added %d</p>\n' % i)

    def teardown(self):
        for host in self.hosts:
            control = self.path('cp', host)
            if os.path.exists(control):
                subprocess.run(['ssh', '-o', 'ControlPath=' + control, '-O', 'exit', '-p', str(self.ssh_port), 'root@127.0.0.1'],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=10, check=False)
        if self.sshd_pid:
            try:
                os.kill(self.sshd_pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        if self.listener:
            self.listener.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def profile(text):
    """The task_times lines at the end of a run: [(task, seconds)], slowest first."""
    found = re.findall(r'^task_times: (.+?) -+ (\d+\.\d+)s$', text, re.M)
    return [(name.strip(), float(sec)) for name, sec in found][:8]


def median_run(fleet, label, playbook, repeat, *extra):
    runs = [fleet.play('%s-%d' % (label, i + 1), playbook, *extra) for i in range(repeat)]
    for run in runs:
        run['received'] = fleet.listener.take()
    best = sorted(runs, key=lambda r: r['seconds'])[len(runs) // 2]
    return dict(best, all_seconds=[r['seconds'] for r in runs], label=label)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('--hosts', type=int, default=50)
    parser.add_argument('--files', type=int, default=10000)
    parser.add_argument('--forks', type=int, default=10)
    parser.add_argument('--repeat', type=int, default=3, help='runs of the ping and no-op plays (median)')
    parser.add_argument('--timeout', type=int, default=900, help='seconds any one ansible-playbook run may take')
    parser.add_argument('--dir', default='/dev/shm/cdn-origin-fleet-bench')
    parser.add_argument('--out', default=os.path.join(ROOT, 'bench', 'results', 'fleet.json'))
    parser.add_argument('--logs', default=os.path.join(ROOT, '.tmp', 'bench-fleet'))
    args = parser.parse_args(argv)
    os.makedirs(args.logs, exist_ok=True)
    fleet = Fleet(args)
    started = time.time()
    try:
        fleet.setup()
        ping = median_run(fleet, 'ping', fleet.path('ping.yml'), args.repeat)
        converge = fleet.play('converge', 'cdn.origin.deploy')
        converge['received'] = fleet.listener.take()
        fleet.add_files()
        deploy = fleet.play('deploy-100', 'cdn.origin.deploy')
        deploy['received'] = fleet.listener.take()
        noop = median_run(fleet, 'noop', 'cdn.origin.deploy', args.repeat)
    finally:
        fleet.teardown()
    runs = [ping, converge, deploy, noop]
    result = {
        'when': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(started)),
        'commit': subprocess.run(['git', '-C', ROOT, 'rev-parse', '--short', 'HEAD'], capture_output=True, text=True,
                                 check=False).stdout.strip(),
        'hosts': args.hosts, 'files_per_tree': args.files, 'forks': args.forks, 'load_before': os.getloadavg(),
        'runs': runs,
        'ratios': {'converge_purge_to_ping': round(converge['seconds'] / ping['seconds'], 2),
                   'deploy_100_to_ping': round(deploy['seconds'] / ping['seconds'], 2),
                   'noop_to_ping': round(noop['seconds'] / ping['seconds'], 2)},
        'goals': {'converge_purge_to_ping': 2.0, 'noop_to_ping': 1.5},
    }
    with open(args.out, 'w') as f:
        json.dump(result, f, indent=1)
    print('| run | seconds | rc | changed hosts | URLs received (unique, most per URL) | requests |')
    print('| --- | --- | --- | --- | --- | --- |')
    for run in runs:
        rec = run['received']
        seconds = '/'.join(str(s) for s in run.get('all_seconds', [run['seconds']]))
        cells = (run['label'], seconds, run['rc'], run['changed_hosts'], rec['urls'], rec['unique_urls'], rec['most_per_url'],
                 rec['requests'])
        print('| %s | %s | %d | %d | %d (%d, %d) | %d |' % cells)
    print('ratios: %s (goals %s)' % (result['ratios'], result['goals']))
    for run in runs:
        print('%s slowest tasks: %s' % (run['label'], '; '.join('%s %.2fs' % t for t in run['slowest_tasks'][:5])))
    print('written: %s; logs in %s' % (args.out, args.logs))
    failed = [run['label'] for run in runs if run['rc'] != 0]
    if failed:
        print('runs that failed: %s' % ', '.join(failed))
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
