# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cdn.origin maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""`ansible-playbook cdn.origin.deploy` on four local origins, one purge stand-in (webhook) on 127.0.0.1.

Origin o2 has a tree whose `within` does not exist (the tree fails, nothing changes) and o4
is unreachable (ssh to a closed port); serial is 1, so each of them is a batch of its own
that fails whole, which would end a plain playbook before any purge. Checked:
1. the run goes on, the fleet purge sends the union of what o1 and o3 changed, each URL once,
   and the run fails naming o2 and o4 with their reasons;
2. o2 fixed, o4 left out (--limit): the rerun changes only o2 and purges o2's URLs, once;
3. a no-op run sends nothing; 4. a check-mode run after a source edit sends nothing and
   changes nothing, and the real run after it purges the edited URL once.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
STANDIN = os.path.join(HERE, '..', 'setup_purge_standin', 'files', 'purge_standin.py')
BASE = 'https://cdn.example.net'
FILES = {'a.html': '<p>a</p>\n', 'b.css': 'b {}\n', 'sub/c.txt': 'c\n'}


def closed_port():
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


class Scenario:
    def __init__(self, work):
        self.work = work
        self.log = os.path.join(work, 'standin.log')
        self.seen = 0

    def path(self, *parts):
        return os.path.join(self.work, *parts)

    def write(self, rel, text):
        path = self.path(rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w') as f:
            f.write(text)

    def start_standin(self):
        port_file = self.path('standin.port')
        self.standin = subprocess.Popen([sys.executable, STANDIN, 'webhook', '--port-file', port_file, '--log', self.log,
                                         '--lifetime', '300'])
        for _attempt in range(200):
            if os.path.exists(port_file):
                break
            time.sleep(0.05)
        with open(port_file) as f:
            return json.load(f)['port']

    def inventory(self, port, o2_within):
        site = {'dest': self.path('origin', '{{ inventory_hostname }}', 'site'), 'src': self.path('src', 'site'),
                'purge_prefix': '/site/'}
        hosts = dict((name, {'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable})
                     for name in ('o1', 'o2', 'o3'))
        hosts['o2']['mirror_default_within'] = o2_within
        hosts['o4'] = {'ansible_host': '127.0.0.1', 'ansible_port': closed_port(), 'ansible_connection': 'ssh',
                       'ansible_ssh_common_args': '-o ConnectTimeout=3 -o BatchMode=yes'}
        inventory = {
            'all': {'vars': {'mirror_purge_provider': 'webhook', 'mirror_purge_endpoint': 'http://127.0.0.1:%d/purge' % port,
                             'mirror_purge_base_url': BASE, 'ansible_python_interpreter': sys.executable,
                             'mirror_purge_pending_file': self.path('purge-pending.json')}},
            'origins': {'hosts': hosts, 'vars': {'mirror_trees': [site]}},
        }
        with open(self.path('inventory.json'), 'w') as f:
            json.dump(inventory, f)

    def deploy(self, *extra):
        argv = ['ansible-playbook', 'cdn.origin.deploy', '-i', self.path('inventory.json'),
                '-e', 'cdn_origin_deploy_serial=1'] + list(extra)
        run = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False,
                             env=dict(os.environ, ANSIBLE_HOST_KEY_CHECKING='False', ANSIBLE_NOCOLOR='1'))
        return run.returncode, run.stdout

    def received(self):
        """The URLs the stand-in received since the last call, as a list (a URL twice is there twice)."""
        time.sleep(0.3)  # the stand-in rewrites its log every 50 ms
        if not os.path.exists(self.log):
            return []
        with open(self.log) as f:
            log = json.load(f)
        assert log['violations'] == 0, 'the stand-in refused a request: %s' % log
        new, self.seen = log['received'][self.seen:], len(log['received'])
        return [url for req in new for url in json.loads(req['body'])['paths']]


def expect(condition, what, output=''):
    if not condition:
        sys.stdout.write(output[-6000:])
        raise SystemExit('FAILED: ' + what)
    print('ok: ' + what)


def main():
    work = tempfile.mkdtemp(prefix='deploy_fleet-')
    scenario = Scenario(work)
    try:
        for rel, text in FILES.items():
            scenario.write(os.path.join('src', 'site', rel), text)
        port = scenario.start_standin()
        urls = sorted(BASE + '/site/' + rel for rel in FILES)

        scenario.inventory(port, [scenario.path('missing')])
        rc, out = scenario.deploy()
        got = scenario.received()
        expect(rc != 0, 'a deploy with a failed and an unreachable origin fails', out)
        expect(sorted(got) == urls, 'its purge sent the URLs o1 and o3 changed, each once: %s' % got, out)
        purge_task = out.split('Purge the changed URLs through webhook]')[-1].split('TASK [')[0]
        expect(out.count('Purge the changed URLs through webhook]') == 1 and '[o1 -> localhost]' in purge_task,
               'in one task, from the controller', out)
        expect('2 origin(s) did not converge' in out and 'o4: unreachable' in out
               and 'o2: %s: within %s does not exist' % (scenario.path('origin', 'o2', 'site'), scenario.path('missing')) in out,
               'the failure names o2 (its tree and why) and o4', out)
        expect(all(os.path.exists(scenario.path('origin', h, 'site', 'sub', 'c.txt')) for h in ('o1', 'o3'))
               and not os.path.exists(scenario.path('origin', 'o2', 'site', 'a.html')),
               'o1 and o3 converged, o2 is untouched', out)

        scenario.inventory(port, [])
        rc, out = scenario.deploy('--limit', 'o1,o2,o3')
        got = scenario.received()
        expect(rc == 0, 'the rerun with o2 fixed succeeds', out)
        expect(sorted(got) == urls, 'and purges o2\'s changes once: %s' % got, out)
        expect('o2: ' + scenario.path('origin', 'o2', 'site') + ' changed: ' in out and '2 of 3 origin(s) changed nothing' in out
               and 'o1: ' not in out.split('Report what the origins changed]')[-1].split('TASK [')[0],
               'only o2 changed in the rerun, as the fleet\'s report says', out)

        rc, out = scenario.deploy('--limit', 'o1,o2,o3')
        expect(rc == 0 and scenario.received() == [], 'a no-op deploy purges nothing', out)
        # nothing new and nothing pending on the controller, which sends: the purge tasks are not even included
        include = out.split('Purge what the origins changed, once for the fleet]')[-1].split('TASK [')[0]
        expect(not os.path.exists(scenario.path('purge-pending.json')) and 'skipping: [o1]' in include
               and 'Purge the changed URLs through webhook]' not in out,
               'nor runs the purge module for an absent pending file', out)

        scenario.write('src/site/b.css', 'b { color: red }\n')
        rc, out = scenario.deploy('--limit', 'o1,o2,o3', '--check')
        expect(rc == 0 and scenario.received() == [], 'a check-mode deploy sends nothing', out)
        with open(scenario.path('origin', 'o1', 'site', 'b.css')) as f:
            expect(f.read() == FILES['b.css'], 'and changes nothing')
        rc, out = scenario.deploy('--limit', 'o1,o2,o3')
        expect(rc == 0 and scenario.received() == [BASE + '/site/b.css'], 'the real deploy purges the edit once', out)
    finally:
        if getattr(scenario, 'standin', None):
            scenario.standin.terminate()
            scenario.standin.wait(10)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    main()
