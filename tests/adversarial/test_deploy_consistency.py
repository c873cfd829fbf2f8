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

# The site has 20,000 assets: 5,000 keep the test to a few seconds on two shared cores.
ASSETS = int(os.environ.get('DEPLOY_ASSETS', '5000'))
NAMED = 8
MIN_READS = 20

# Reads dest/index.html and stats every asset it names until told to stop (or a bound is reached).
# A page whose assets are missing is broken, unless index.html changed meanwhile: the reader then
# held the page before, whose assets prune removes after the switch (that is prune_grace's matter).
_READER = r'''
import json, os, sys, time
dest, stop = sys.argv[1], sys.argv[2]
index = os.path.join(dest, 'index.html')
reads = broken = stale = 0
pages = set()
first_broken = None
end = time.monotonic() + 120
while not os.path.exists(stop) and time.monotonic() < end and reads < 2000000:
    with open(index) as f:
        page = f.read()
    names = page.split()
    missing = [n for n in names if not os.path.exists(os.path.join(dest, 'static', n))]
    reads += 1
    pages.add(page)
    if missing:
        with open(index) as f:
            if f.read() == page:
                broken += 1
                first_broken = first_broken or missing[0]
            else:
                stale += 1
print(json.dumps({'reads': reads, 'broken': broken, 'stale': stale, 'pages': len(pages), 'first': first_broken}))
'''

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
    reader = subprocess.Popen([sys.executable, '-c', _READER, dest, stop], stdout=subprocess.PIPE)
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
