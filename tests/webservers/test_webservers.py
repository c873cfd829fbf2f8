# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cdn.origin maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The mirror as real web servers serve it: Debian's nginx and Apache on loopback.

Owner-match checks (nginx `disable_symlinks if_not_owner`, Apache
`Options SymLinksIfOwnerMatch`) compare a link's owner (lstat) with its
target's: with link_owner: target every file is served, without it every
symlinked file is refused. nginx `disable_symlinks on` refuses every symlink
and serves a `link_style: hard` mirror whole. Each server runs in the
foreground with its own configuration in a temporary directory, on 127.0.0.1
and a free port, and is stopped by its pid when the test ends.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import shutil
import tempfile

import pytest

from ansible_collections.cdn.origin.plugins.module_utils.engine import mirror

from server_support import get, nginx, run_server

APACHE = shutil.which('apache2') or '/usr/sbin/apache2'
APACHE_MODULES = '/usr/lib/apache2/modules'
# the owner of the originals, not the process's (root) nor the servers' (www-data)
OWNER = 65534
FILES = {
    'index.html': b'<h1>home</h1>\n',
    'img/a.png': b'A' * 1000,
    'img/b.png': b'B' * 2000,
    'css/site.css': b'body{}\n',
}
# the build's own file: copied, so served by every server whatever its symlink setting
COPIED = 'css/site.css'

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason='servers switch to www-data and links are chowned: needs root')


@pytest.fixture
def origin():
    """htdocs (originals owned by OWNER), build (links into htdocs, one file of its own) and the mirror's parent.

    World-traversable, unlike pytest's tmp_path: the servers' workers read it as www-data.
    """
    top = tempfile.mkdtemp(prefix='cdn-origin-web-')
    os.chmod(top, 0o755)
    try:
        for rel, data in FILES.items():
            base = 'build' if rel == COPIED else 'htdocs'
            path = os.path.join(top, base, rel)
            os.makedirs(os.path.dirname(path), mode=0o755, exist_ok=True)
            with open(path, 'wb') as f:
                f.write(data)
            os.chmod(path, 0o644)
        for dirpath, _dirs, files in os.walk(os.path.join(top, 'htdocs')):
            os.chown(dirpath, OWNER, OWNER)
            for name in files:
                os.chown(os.path.join(dirpath, name), OWNER, OWNER)
        os.symlink('../htdocs/index.html', os.path.join(top, 'build/index.html'))
        os.symlink(os.path.join(top, 'htdocs/img'), os.path.join(top, 'build/img'))
        # a release link (owned by root) for link_target: given
        os.symlink('htdocs', os.path.join(top, 'current'))
        yield top
    finally:
        shutil.rmtree(top)


def _mirror(top, name, within='htdocs', **options):
    dest = os.path.join(top, name)
    result = mirror(os.path.join(top, 'build'), dest, within=[os.path.join(top, within)], fsync=False, **options)
    assert not result.get('failed'), result
    return dest


APACHE_CONF = '''ServerRoot "%(work)s"
DefaultRuntimeDir "%(work)s"
PidFile "%(work)s/apache2.pid"
ErrorLog "%(work)s/error.log"
LogLevel warn
ServerName 127.0.0.1
Listen 127.0.0.1:%(port)d
%(modules)sUser %(user)s
Group %(user)s
TypesConfig /etc/mime.types
DocumentRoot "%(root)s"
<Directory />
    Options None
    AllowOverride None
    Require all denied
</Directory>
<Directory "%(root)s">
    Options %(options)s
    AllowOverride None
    Require all granted
</Directory>
'''
APACHE_LOADS = ''.join('LoadModule %s_module %s/mod_%s.so\n' % (name, APACHE_MODULES, name)
                       for name in ('mpm_event', 'authz_core', 'mime'))


def apache(root, options):
    return run_server(APACHE, {'apache2.conf': APACHE_CONF},
                      lambda work, _port: ['-f', os.path.join(work, 'apache2.conf'), '-DFOREGROUND'],
                      root=root, options=options, modules=APACHE_LOADS)


def _answers(port):
    return dict((rel, get(port, rel)) for rel in FILES)


def _served_whole(answers):
    assert answers == dict((rel, (200, data)) for rel, data in FILES.items())


def _links_refused(answers):
    assert answers[COPIED] == (200, FILES[COPIED])
    assert dict((rel, status) for rel, (status, _body) in answers.items() if rel != COPIED) == dict(
        (rel, 403) for rel in FILES if rel != COPIED)


SERVERS = {
    'nginx if_not_owner': lambda root: nginx(root, 'if_not_owner'),
    'apache SymLinksIfOwnerMatch': lambda root: apache(root, 'SymLinksIfOwnerMatch'),
}


@pytest.mark.parametrize('server', sorted(SERVERS))
def test_owner_match_servers_serve_links_owned_like_their_targets(origin, server):
    owned = _mirror(origin, 'owned', link_owner='target')
    given = _mirror(origin, 'given', within='current', link_owner='target', link_target='given', link_style='relative')
    assert os.readlink(os.path.join(given, 'img/a.png')) == '../../current/img/a.png'
    plain = _mirror(origin, 'plain')
    for dest in (owned, given):
        assert os.lstat(os.path.join(dest, 'img/a.png')).st_uid == OWNER
        with SERVERS[server](dest) as port:
            _served_whole(_answers(port))
    # the same tree with links owned by the process (root): every link refused
    assert os.lstat(os.path.join(plain, 'img/a.png')).st_uid == 0
    with SERVERS[server](plain) as port:
        _links_refused(_answers(port))


def test_nginx_refusing_symlinks_serves_a_hard_link_mirror(origin):
    hard = _mirror(origin, 'hard', link_style='hard')
    assert not os.path.islink(os.path.join(hard, 'img/a.png'))
    with nginx(hard, 'on') as port:
        _served_whole(_answers(port))
    # what it refuses: the same tree with symlinks, owned right or not
    with nginx(_mirror(origin, 'owned', link_owner='target'), 'on') as port:
        _links_refused(_answers(port))
