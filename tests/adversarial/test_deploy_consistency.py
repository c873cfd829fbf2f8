# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cdn.origin maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Issue 13: a CDN edge pulling during a deploy never gets a page naming an asset that is not there.

A content-hashed site goes from v1 to v2 through ansible-playbook with
prune: true while a reader process keeps reading dest/index.html and looking
up each asset it names, as an edge does. Phased apply adds v2's assets before
index.html is replaced and prunes v1's after it: a read of either page finds
its assets. (Applied in walk order, as before, index.html at the root came
ahead of static/: 63% of such reads were broken in the issue's try, and this
test counts thousands of broken reads on that code.)
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import os
import subprocess
import sys

import pytest

from ansible_collections.cdn.origin.plugins.module_utils.engine import mirror

from adversarial_support import link, temps, write

# The site: 20,000 assets (both deploys, copies and links, take about 8 s on two shared cores, 4 s with 5,000).
ASSETS = int(os.environ.get('DEPLOY_ASSETS', '20000'))
NAMED = 8
MIN_READS = 20

# The edge: reads dest/index.html and looks up every asset it names, in a process of its own (bench/deploy_bench.py
# runs the same reader against rsync).
READER = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'deploy_reader.py')

_PLAYBOOK = '''
- hosts: localhost
  connection: local
  gather_facts: false
  vars:
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
  tasks:
    - name: Deploy the site
      cdn.origin.symlink_or_copy:
        src: %(src)s
        dest: %(dest)s
        within: %(within)s
        prune: true
      register: deployed
    - name: Tell the test what it did
      ansible.builtin.copy:
        content: "{{ deployed.summary | to_json }}"
        dest: %(summary)s
'''


def _site(base, version, linked):
    """Version `version` of the site in base/src (assets as links into base/htdocs when `linked`)."""
    src, htdocs = os.path.join(base, 'src'), os.path.join(base, 'htdocs')
    names = []
    for i in range(ASSETS):
        body = b'/* asset %d of v%d */\n' % (i, version)
        name = 'a%s.js' % hashlib.sha256(body).hexdigest()[:16]
        names.append(name)
        if linked:
            original = write(os.path.join(htdocs, 'static', name), body)
            link(original, os.path.join(src, 'static', name))
        else:
            write(os.path.join(src, 'static', name), body)
    write(os.path.join(src, 'index.html'), ' '.join(names[i * (ASSETS // NAMED)] for i in range(NAMED)) + '\n')
    return set(names)


def _drop(base, names):
    """v1's assets out of the build; their originals in htdocs stay, for what still serves v1."""
    for name in names:
        os.unlink(os.path.join(base, 'src', 'static', name))


@pytest.mark.parametrize('linked', [False, True], ids=['copies', 'links'])
def test_a_reader_during_a_deploy_never_finds_a_page_naming_a_missing_asset(shm, linked, ansible_playbook):
    src, dest, htdocs = (os.path.join(shm, name) for name in ('src', 'dest', 'htdocs'))
    os.makedirs(htdocs)
    v1 = _site(shm, 1, linked)
    assert not mirror(src, dest, within=[htdocs], prune=True).get('failed')
    _drop(shm, v1)
    v2 = _site(shm, 2, linked)
    playbook, stop, summary = (os.path.join(shm, name) for name in ('deploy.yml', 'stop', 'summary.json'))
    with open(playbook, 'w') as f:
        f.write(_PLAYBOOK % dict(src=src, dest=dest, within=htdocs, summary=summary))
    reader = subprocess.Popen([sys.executable, READER, dest, stop], stdout=subprocess.PIPE)
    try:
        deploy = ansible_playbook(playbook)
    finally:
        write(stop)
        out, _err = reader.communicate(timeout=180)
    assert deploy.returncode == 0, deploy.stdout.decode(errors='replace')[-3000:]
    seen = json.loads(out)
    print('%d assets (%s): %s' % (ASSETS, 'links' if linked else 'copies', seen))
    with open(summary) as f:
        done = json.load(f)
    assert (done['removed'], done['updated']) == (ASSETS, 1), done
    assert done['symlinked' if linked else 'copied'] == ASSETS, done
    assert sorted(os.listdir(os.path.join(dest, 'static'))) == sorted(v2)
    assert temps(dest) == []
    assert seen['broken'] == 0, seen
    # the reader must have watched the deploy, not only what was there before it
    assert seen['reads'] >= MIN_READS and seen['pages'] == 2, seen
