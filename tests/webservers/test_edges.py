# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cdn.origin maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Issue 14: a real origin-pull edge in front of the mirror, purged by the role.

Varnish 7 and Apache Traffic Server 9 from Debian's packages pull from an
nginx serving the mirror, all on 127.0.0.1 (ports 18000-18999), each started
by path with its own configuration and stopped by its pid (server_support).
Through ansible-playbook and the role (provider http_purge, the edge as
endpoint): v1 is converged and every URL fetched twice through the edge (the
second a hit, by the edge's own header), one URL not published yet is fetched
so that the edge caches its 404; v2 is deployed (updates, additions including
that URL, removals, an original edited in place under `within`, found through
the tree's state_file as a refresh) and the role purges what changed. Every
URL then answers exactly v2's bytes (404 for the removed), the cached 404 the
new file, and every URL v2 left alone is still a hit: the purge was exact, not
a flush. A prefix sent through the role's sender is a BAN that Varnish's VCL
applies to exactly the paths under it; Traffic Server has no ban, and the
prefix fails there, naming why. A PURGE or BAN from outside the edge's ACL is
refused and purges nothing.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re
import shutil
import tempfile

import pytest

from ansible_collections.cdn.origin.plugins.module_utils.purge import purge

from server_support import EDGE_PORTS as PORTS, nginx, request, traffic_server, varnish

HOST = 'www.example.test'
BASE_URL = 'http://%s/' % HOST
# the trusted originals (within) and the build (src): a file of src is copied, a link into htdocs symlinked
V1 = {
    'htdocs': {
        'img/a.png': b'A1' * 500,
        'img/b.png': b'B' * 2000,
        'fonts/f.woff': b'F' * 300,
    },
    'src': {
        'index.html': b'<h1>v1</h1>\n',
        'css/site.css': b'body{}\n',
        'js/old.js': b'old()\n',
        'docs/index.html': b'<p>docs v1</p>\n',
        'about/index.html': b'<p>about</p>\n',
    },
}
LINKED = ('img/a.png', 'img/b.png', 'fonts/f.woff')
# not in v1: fetched before v2 so that its 404 is cached
LATER = 'later.html'
# not in v1 either, and never fetched before v2
V2_SRC = {
    'index.html': b'<h1>v2</h1>\n',
    'docs/index.html': b'<p>docs v2</p>\n',
    LATER: b'<p>published later</p>\n',
    'js/new.js': b'new()\n',
}
REMOVED = ('js/old.js',)
# appended to its original under within: the link in dest stays the same, what it serves does not
EDITED = 'img/a.png'
# served by nginx's index, purged by the role when their index.html changed (mirror_purge_index_files)
DIRECTORIES = ('', 'docs/', 'about/')

PLAYBOOK = '''
- name: Deploy a version of the site and purge the edge
  hosts: localhost
  connection: local
  gather_facts: false
  vars:
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
    mirror_state_dir: %(state)s
    mirror_default_prune: true
    mirror_trees:
      - {src: %(src)s, dest: %(dest)s, within: [%(htdocs)s], state_file: always}
    mirror_purge_provider: http_purge
    mirror_purge_endpoint: http://127.0.0.1:%(edge)d
    mirror_purge_base_url: %(base_url)s
  roles:
    - cdn.origin.mirror
  post_tasks:
    - name: Tell the test what the role purged
      ansible.builtin.copy:
        content: "{{ {'changes': mirror_results.results | map(attribute='changes') | list,
                      'purged': mirror_purge_urls | default(none)} | to_json }}"
        dest: %(report)s
        mode: "0644"
'''


def _varnish_hit(headers):
    return headers.get('x-cache') == 'HIT'


# Traffic Server's Via (insert_response_via_str 2): [cH...] a fresh hit, [cR...] a fresh hit in RAM, [cW...] a
# read-while-writer hit (served from the object still being written, without going to the origin)
ATS_LOOKUP = re.compile(r'\[c([A-Z ])')


def _ats_hit(headers):
    match = ATS_LOOKUP.search(headers.get('via', ''))
    assert match, 'no cache verdict in Via: %r' % headers
    return match.group(1) in 'HRW'


EDGES = {
    'varnish': (lambda origin: varnish(origin, ports=PORTS), _varnish_hit),
    'traffic_server': (lambda origin: traffic_server(origin, HOST, ports=PORTS), _ats_hit),
}
# what each edge answers a purge from an address its ACL (VCL acl purgers, ip_allow.yaml) does not list
REFUSED = {'varnish': {'PURGE': 405, 'BAN': 405}, 'traffic_server': {'PURGE': 403}}
OUTSIDER = '127.0.0.2'

# The role's sender (tasks_from send_purge.yml, as a fleet purge uses it) with prefixes only: a cut change list's
# fallback. One prefix has a regex character: Varnish's ban must take it as written.
PREFIX_PLAYBOOK = '''
- name: Purge prefixes through the role's sender
  hosts: localhost
  connection: local
  gather_facts: false
  vars:
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
  tasks:
    - name: Send the prefixes
      ansible.builtin.include_role:
        name: cdn.origin.mirror
        tasks_from: send_purge.yml
      vars:
        mirror_purge_provider: http_purge
        mirror_purge_endpoint: http://127.0.0.1:%(edge)d
        mirror_purge_send_urls: []
        mirror_purge_send_prefixes: %(prefixes)s
'''
BANNED = ('img/', 'v1.0/')
# beside the banned prefixes: what a prefix matched as a regular expression (v1.0 ~ v1x0) or without its
# trailing slash (img ~ imgs) would take too
PREFIX_FILES = {'v1.0/app.js': b'app 1.0\n', 'v1x0/app.js': b'app 1x0\n', 'imgs/c.png': b'C' * 100}

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason='the edges run as root (Varnish and nginx drop to their own users)')


def _write(path, data, mode='wb'):
    os.makedirs(os.path.dirname(path), mode=0o755, exist_ok=True)
    with open(path, mode) as f:
        f.write(data)
    os.chmod(path, 0o644)


@pytest.fixture
def site():
    """v1 in top/src and top/htdocs; world-traversable, as nginx's worker (www-data) reads the mirror."""
    top = tempfile.mkdtemp(prefix='cdn-origin-edge-')
    os.chmod(top, 0o755)
    try:
        for base, files in V1.items():
            for rel, data in files.items():
                _write(os.path.join(top, base, rel), data)
        for rel in LINKED:
            os.makedirs(os.path.dirname(os.path.join(top, 'src', rel)), exist_ok=True)
            os.symlink(os.path.join(top, 'htdocs', rel), os.path.join(top, 'src', rel))
        yield top
    finally:
        shutil.rmtree(top)


def _to_v2(top):
    for rel, data in V2_SRC.items():
        _write(os.path.join(top, 'src', rel), data)
    for rel in REMOVED:
        os.unlink(os.path.join(top, 'src', rel))
    _write(os.path.join(top, 'htdocs', EDITED), b'edited in place\n', mode='ab')


def _served(top):
    """URL path -> the bytes the site serves there (None: 404), from what src and its links hold now."""
    served = {}
    for rel in [rel for files in V1.values() for rel in files] + list(V2_SRC):
        path = os.path.join(top, 'src', rel)
        if os.path.exists(path):
            with open(path, 'rb') as f:
                served[rel] = f.read()
        else:
            served[rel] = None
    for rel in DIRECTORIES:
        served[rel] = served[rel + 'index.html']
    return served


def _play(top, ansible_playbook, template, **values):
    playbook = os.path.join(top, 'play.yml')
    with open(playbook, 'w') as f:
        f.write(template % values)
    run = ansible_playbook(playbook)
    assert run.returncode == 0, run.stdout.decode(errors='replace')[-4000:]


def _deploy(top, edge_port, ansible_playbook):
    report = os.path.join(top, 'report.json')
    _play(top, ansible_playbook, PLAYBOOK, state=os.path.join(top, 'state'), src=os.path.join(top, 'src'),
          dest=os.path.join(top, 'dest'), htdocs=os.path.join(top, 'htdocs'), edge=edge_port, base_url=BASE_URL, report=report)
    with open(report) as f:
        return json.load(f)


def _fetch(port, hit, rel):
    """(status, body or None for a 404, hit) of GET /rel through the edge, as a browser asks for the site."""
    status, headers, body = request(port, rel, headers={'Host': HOST})
    assert status in (200, 404), (rel, status, headers)
    return status, body if status == 200 else None, hit(headers)


@pytest.mark.parametrize('edge', sorted(EDGES))
def test_the_role_purges_exactly_what_changed_at_a_real_edge(site, edge, ansible_playbook):
    start_edge, hit = EDGES[edge]
    with nginx(os.path.join(site, 'dest'), 'off', ports=PORTS) as origin, start_edge(origin) as port:
        _deploy(site, port, ansible_playbook)
        v1 = _served(site)
        assert v1[LATER] is None
        fetched_before = sorted(rel for rel, data in v1.items() if data is not None or rel == LATER)
        for rel in fetched_before:
            data = v1[rel]
            status, body, _hit = _fetch(port, hit, rel)
            assert (status, body) == ((200, data) if data is not None else (404, None)), rel
            assert _fetch(port, hit, rel) == (status, body, True), '%s: the second fetch was not a hit at %s' % (rel, edge)

        _to_v2(site)
        second = _deploy(site, port, ansible_playbook)
        v2 = _served(site)
        actions = dict((change['path'], change['action']) for change in second['changes'][0])
        assert actions[EDITED] == 'refresh', actions
        changed = set(rel for rel in v2 if v1.get(rel) != v2[rel])
        assert changed == set(V2_SRC) | set(REMOVED) | {EDITED, '', 'docs/'}, changed
        assert second['purged'] is None or sorted(second['purged']) == sorted(BASE_URL + rel for rel in changed), second
        fetched = dict((rel, _fetch(port, hit, rel)) for rel in sorted(v2))
        expected = dict((rel, ((200, data) if data is not None else (404, None), rel in fetched_before and rel not in changed))
                        for rel, data in v2.items())
        assert dict((rel, ((status, body), was_hit)) for rel, (status, body, was_hit) in fetched.items()) == expected, (
            'first of each (served, hit) after v2 at %s; the role purged %s' % (edge, second['purged']))


@pytest.mark.parametrize('edge', sorted(EDGES))
def test_a_purge_from_outside_the_acl_is_refused_and_purges_nothing(site, edge):
    start_edge, hit = EDGES[edge]
    src = os.path.join(site, 'src')
    with nginx(src, 'off', ports=PORTS) as origin, start_edge(origin) as port:
        assert _fetch(port, hit, 'index.html') == (200, V1['src']['index.html'], False)
        for method, status in sorted(REFUSED[edge].items()):
            assert request(port, 'index.html', method=method, headers={'Host': HOST}, source=OUTSIDER)[0] == status, method
            assert _fetch(port, hit, 'index.html') == (200, V1['src']['index.html'], True), method
        assert request(port, 'index.html', method='PURGE', headers={'Host': HOST})[0] == 200
        assert _fetch(port, hit, 'index.html') == (200, V1['src']['index.html'], False)


def test_the_role_bans_prefixes_at_varnish_and_nothing_else(site, ansible_playbook):
    for rel, data in PREFIX_FILES.items():
        _write(os.path.join(site, 'src', rel), data)
    with nginx(os.path.join(site, 'dest'), 'off', ports=PORTS) as origin, varnish(origin, ports=PORTS) as port:
        _deploy(site, port, ansible_playbook)
        served = dict((rel, data) for rel, data in _served(site).items() if data is not None)
        served.update(PREFIX_FILES)
        for rel in sorted(served):
            _fetch(port, _varnish_hit, rel)
            assert _fetch(port, _varnish_hit, rel) == (200, served[rel], True), rel
        _play(site, ansible_playbook, PREFIX_PLAYBOOK, edge=port, prefixes=json.dumps([BASE_URL + prefix for prefix in BANNED]))
        banned = set(rel for rel in served if rel.startswith(BANNED))
        assert banned == {'img/a.png', 'img/b.png', 'v1.0/app.js'}
        assert dict((rel, _fetch(port, _varnish_hit, rel)) for rel in served) == dict(
            (rel, (200, data, rel not in banned)) for rel, data in served.items())


def test_a_prefix_fails_at_traffic_server_which_has_no_ban(site):
    with nginx(os.path.join(site, 'src'), 'off', ports=PORTS) as origin, traffic_server(origin, HOST, ports=PORTS) as port:
        _fetch(port, _ats_hit, 'img/a.png')
        assert _fetch(port, _ats_hit, 'img/a.png')[2]
        result = purge('http_purge', endpoint='http://127.0.0.1:%d' % port, prefixes=[BASE_URL + 'img/'], retries=0)
        assert result['failed'] and not result['purged_prefixes'], result
        assert [failure['url'] for failure in result['failed_urls']] == [BASE_URL + 'img/'], result
        assert 'no ban' in result['failed_urls'][0]['msg'], result
        assert _fetch(port, _ats_hit, 'img/a.png') == (200, V1['htdocs']['img/a.png'], True)
