# -*- coding: utf-8 -*-
"""The mirror_trees action: checks before any tree, one module run per tree (here the engine on real trees), reports."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import os
from unittest import mock

import pytest

from ansible.errors import AnsibleConnectionFailure
from ansible.parsing.dataloader import DataLoader

from ansible_collections.cdn.origin.plugins.action import mirror_trees
from ansible_collections.cdn.origin.plugins.module_utils.engine import mirror

ROLE_PATH = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', 'roles', 'mirror')


def _write(path, data=b'x'):
    os.makedirs(os.path.dirname(str(path)), exist_ok=True)
    with open(str(path), 'wb') as f:
        f.write(data)


class Host:
    """The action with a host whose module runs are the engine's, in this process; `calls` records each."""

    def __init__(self, check_mode=False, unreachable_at=None):
        self.calls = []
        self.check_mode = check_mode
        self.unreachable_at = unreachable_at

    def execute(self, module_name=None, module_args=None, task_vars=None, **_kwargs):
        self.calls.append((module_name, dict(module_args)))
        if module_name == 'ansible.builtin.file':
            existed = os.path.isdir(module_args['path'])
            os.makedirs(module_args['path'], mode=0o700, exist_ok=True)
            return {'changed': not existed, 'path': module_args['path']}
        if self.unreachable_at is not None and len(self.calls) > self.unreachable_at:
            raise AnsibleConnectionFailure('ssh: connect to host o1 port 22: Connection refused')
        given = {k: v for k, v in module_args.items() if k not in ('src', 'dest') and v is not None}
        result = mirror(module_args['src'], module_args['dest'], check_mode=self.check_mode, diff=True, fsync=False, **given)
        result.setdefault('warnings', [])
        return result

    def run(self, args, task_vars=None):
        task = mock.MagicMock()
        task.args = args
        task.async_val = 0
        task.check_mode = self.check_mode
        play_context = mock.MagicMock()
        play_context.check_mode = self.check_mode
        connection = mock.MagicMock()
        connection._shell.tmpdir = None
        # the variables given here are already what templating gives
        templar = mock.MagicMock()
        templar.template.side_effect = lambda value: value
        action = mirror_trees.ActionModule(task, connection, play_context, DataLoader(), templar, mock.MagicMock())
        with mock.patch.object(action, '_execute_module', side_effect=self.execute):
            return action.run(task_vars=task_vars or {})


@pytest.fixture
def site(tmp_path):
    """Two source trees, one with links into htdocs, and where they are mirrored."""
    _write(tmp_path / 'htdocs' / 'a.txt')
    os.makedirs(str(tmp_path / 'src' / 'news'))
    os.symlink(str(tmp_path / 'htdocs' / 'a.txt'), str(tmp_path / 'src' / 'a.txt'))
    _write(tmp_path / 'src' / 'news' / 'index.html')
    _write(tmp_path / 'static' / 'site.css')
    return tmp_path


def _trees(site):
    return [{'dest': str(site / 'www' / 'site'), 'src': str(site / 'src'), 'within': [str(site / 'htdocs')]},
            {'dest': str(site / 'www' / 'static'), 'src': str(site / 'static'), 'purge_prefix': '/static/'}]


def test_every_tree_is_mirrored_summarised_and_its_urls_worked_out(site):
    host = Host()
    result = host.run({'trees': _trees(site), 'defaults': {'prune': True},
                       'purge': {'provider': 'http_purge', 'base_url': 'https://www.example.com'}})
    assert result['changed'] and not result.get('failed')
    assert os.readlink(str(site / 'www' / 'site' / 'a.txt')) == str(site / 'htdocs' / 'a.txt')
    assert os.path.isfile(str(site / 'www' / 'static' / 'site.css'))
    assert [args['purge_paths'] for _name, args in host.calls] == [True, True]
    assert [args['prune'] for _name, args in host.calls] == [True, True]
    assert result['purge_urls'] == ['https://www.example.com/a.txt', 'https://www.example.com/news/index.html',
                                    'https://www.example.com/news/', 'https://www.example.com/static/site.css']
    assert result['purge_prefixes'] == []
    assert [s['msg'] for s in result['summaries']] == [
        '%s changed: 1 symlinked, 1 copied, 0 updated, 0 removed, 2 directories created, 0 skipped, 0 unchanged, '
        'parents created: %s' % (site / 'www' / 'site', site / 'www'),
        '%s changed: 0 symlinked, 1 copied, 0 updated, 0 removed, 1 directories created, 0 skipped, 0 unchanged'
        % (site / 'www' / 'static')]
    assert [r['mirror_tree']['dest'] for r in result['results']] == [str(site / 'www' / 'site'), str(site / 'www' / 'static')]
    assert len(result['diff']) == 2 and '+ symlink a.txt -> ' in result['diff'][0]['prepared']

    again = Host().run({'trees': _trees(site), 'defaults': {'prune': True}})
    assert not again['changed'] and again['purge_urls'] == []
    assert again['summaries'][1]['msg'].startswith('%s unchanged: ' % (site / 'www' / 'static'))
    assert 'diff' not in again


def test_check_mode_says_would_change_and_gives_the_urls_a_real_run_purges(site):
    host = Host(check_mode=True)
    result = host.run({'trees': _trees(site)[:1], 'purge': {'base_url': 'https://cdn.example.net/'}})
    assert result['changed'] and not os.path.exists(str(site / 'www'))
    assert result['summaries'][0]['msg'].startswith('%s would change: 1 symlinked' % (site / 'www' / 'site'))
    assert result['purge_urls'] == ['https://cdn.example.net/a.txt', 'https://cdn.example.net/news/index.html',
                                    'https://cdn.example.net/news/']


@pytest.mark.parametrize('tree, defaults, purge, why', [
    ({'src': 5}, {}, {}, 'src 5 is neither a path nor a list of paths'),
    ({'src': ['/a', {'b': 1}]}, {}, {}, 'is neither a path nor a list of paths'),
    ({'src': '/srv/build', 'within': '/srv/a,/srv/b'}, {}, {}, 'within "/srv/a,/srv/b" holds a comma'),
    ({'src': '/srv/build'}, {'within': '/srv/a,/srv/b'}, {}, 'holds a comma; a within string is split on colons'),
    ({'src': '/srv/build'}, {}, {'provider': 'cloudflare', 'base_url': 'www.example.com'},
     'mirror_purge_provider cloudflare purges absolute URLs: set mirror_purge_base_url (for example'
     ' https://www.example.com), got "www.example.com"'),
])
def test_a_refused_tree_stops_every_tree_before_any_is_mirrored(site, tree, defaults, purge, why):
    host = Host()
    good = _trees(site)[0]
    result = host.run({'trees': [good, dict(tree, dest='/srv/origin')], 'defaults': defaults, 'purge': purge})
    assert result['failed'] and why in result['msg'] and host.calls == []
    assert not os.path.exists(str(site / 'www'))
    refused = [r for r in result['results'] if r.get('failed')]
    assert refused[-1]['mirror_tree']['dest'] == '/srv/origin' and why in refused[-1]['msg']
    if 'purges absolute URLs' not in why:
        assert refused[-1]['msg'].startswith('mirror_trees entry with dest /srv/origin: ')
        assert result['results'][0]['skipped']


def test_a_failed_tree_does_not_stop_the_next_and_fails_the_task_naming_it(site):
    trees = [dict(_trees(site)[0], within=[str(site / 'htdcos')]), _trees(site)[1]]
    result = Host().run({'trees': trees})
    assert result['failed'] and 'within %s does not exist' % (site / 'htdcos') in result['msg']
    assert result['msg'].startswith('%s FAILED: ' % (site / 'www' / 'site'))
    assert result['changed'] and os.path.isfile(str(site / 'www' / 'static' / 'site.css'))
    assert [s['failed'] for s in result['summaries']] == [True, False]
    assert result['purge_urls'] == ['/static/site.css']


def test_an_unreachable_host_keeps_what_ran_and_skips_the_rest(site):
    trees = _trees(site) + [dict(_trees(site)[1], dest=str(site / 'www' / 'third'))]
    result = Host(unreachable_at=1).run({'trees': trees})
    assert result['unreachable'] and not result.get('failed')
    assert result['results'][1]['unreachable'] and 'Connection refused' in result['results'][1]['msg']
    assert result['results'][2]['skipped'] and not os.path.exists(str(site / 'www' / 'third'))
    assert result['purge_urls'][0] == 'a.txt' and len(result['summaries']) == 2
    assert result['summaries'][1]['msg'] == '%s FAILED: ssh: connect to host o1 port 22: Connection refused' % (site / 'www' / 'static')


def test_a_grace_makes_the_default_record_under_a_private_state_dir(site):
    state_dir = site / 'state'
    host = Host()
    result = host.run({'trees': _trees(site), 'defaults': {'prune': True, 'prune_grace': 3600, 'state_file': 'auto'},
                       'state_dir': str(state_dir)})
    assert not result.get('failed') and result['changed']
    assert host.calls[0] == ('ansible.builtin.file', {'path': str(state_dir), 'state': 'directory', 'mode': '0700'})
    dest = str(site / 'www' / 'site')
    readable = dest.replace('/', '_').lstrip('_')[-80:]
    assert host.calls[1][1]['state_file'] == '%s/%s-%s.state' % (state_dir, readable, hashlib.sha1(dest.encode()).hexdigest()[:8])
    assert host.calls[1][1]['prune_grace'] == 3600
    assert os.path.isfile(host.calls[1][1]['state_file'])


def test_module_args_follow_the_defaults_as_the_role_documents_them():
    defaults = {'prune': False, 'owner': 'www-data', 'mode': '0644', 'max_delete': '50%', 'workers': None,
                'prune_grace': 60, 'state_file': 'auto', 'within': ['/srv/htdocs']}
    tree = {'dest': '/srv/origin', 'src': '/srv/build', 'owner': None, 'max_delete': 0}
    state_file, default_record = mirror_trees._state_file(tree, defaults, '/var/lib/cdn-origin')
    args = mirror_trees.module_args(tree, defaults, state_file)
    # a null owner cancels the default, 0 is a limit, null workers is the module's default, no grace without prune
    assert 'owner' not in args and args['mode'] == '0644' and args['max_delete'] == 0 and 'workers' not in args
    assert 'prune_grace' not in args and 'purge_paths' not in args and args['within'] == ['/srv/htdocs']
    # a grace turns the default record on, but only prune applies it
    assert default_record and state_file.startswith('/var/lib/cdn-origin/srv_origin-')
    assert mirror_trees._state_file(dict(tree, state_file=''), defaults, '/s') == ('', False)
    assert mirror_trees._state_file(dict(tree, state_file='/run/x.state'), defaults, '/s') == ('/run/x.state', False)
    assert mirror_trees._state_file(dict(tree, prune_grace=0), defaults, '/s') == ('', False)
    pruned = mirror_trees.module_args(dict(tree, prune='yes'), defaults, '', complete='paths')
    assert pruned['prune_grace'] == 60 and pruned['purge_paths'] is True and 'state_file' not in pruned
    assert 'changes_limit' not in pruned
    whole = mirror_trees.module_args(tree, defaults, '', complete='changes')
    assert whole['changes_limit'] == 0 and 'purge_paths' not in whole


def test_unknown_role_variables_are_warned_about_once(site):
    task_vars = {'mirror_trees': [], 'mirror_tree': {}, 'mirror_default_prnue': True, 'mirror_results': {},
                 'mirror_default_prune': False, 'other': 1}
    result = Host().run({'trees': [], 'check_variables': {'role': 'cdn.origin.mirror', 'prefix': 'mirror_',
                                                          'role_path': ROLE_PATH, 'known': ['mirror_results']}},
                        task_vars=task_vars)
    assert result['unknown_variables'] == ['mirror_default_prnue', 'mirror_tree']
    assert result['warnings'] == ['cdn.origin.mirror: unknown variable(s), ignored by the role: mirror_default_prnue '
                                  '(did you mean mirror_default_prune?), mirror_tree (did you mean mirror_trees?)']
    assert not result['changed'] and result['results'] == [] and result['summaries'] == []
    quiet = Host().run({'trees': [], 'check_variables': {'role': 'r', 'prefix': 'mirror_', 'role_path': ROLE_PATH}},
                       task_vars={'mirror_trees': [], 'mirror_purge_scope': 'fleet'})
    assert quiet['unknown_variables'] == [] and 'warnings' not in quiet


def test_a_cut_change_list_purges_its_prefix_with_a_warning(site):
    for i in range(5):
        _write(site / 'static' / ('f%d.css' % i))
    tree = dict(_trees(site)[1], changes_limit=2)
    with mock.patch.object(mirror_trees, 'module_args', side_effect=lambda t, d, s, p: {
            'src': t['src'], 'dest': t['dest'], 'changes_limit': 2}):
        result = Host().run({'trees': [tree], 'purge': {'provider': 'webhook', 'base_url': 'https://w.example'}})
    assert result['purge_prefixes'] == ['https://w.example/static/']
    assert result['warnings'] == ['cdn.origin.purge_prefixes: the change list of %s was cut, so everything under'
                                  ' https://w.example/static/ is purged instead of its changed URLs' % tree['dest']]
    assert result['summaries'][0]['msg'].endswith(' (only the first changes are listed)')


def test_a_role_file_with_an_ansible_tag_is_read_by_ansibles_loader(tmp_path):
    role = tmp_path / 'role'
    (role / 'defaults').mkdir(parents=True)
    (role / 'defaults' / 'main.yml').write_text("mirror_known: !unsafe '{{ raw }}'\n")
    result = Host().run({'trees': [], 'check_variables': {'role': 'r', 'prefix': 'mirror_', 'role_path': str(role)}},
                        task_vars={'mirror_known': 1, 'mirror_unknown': 2})
    assert result['unknown_variables'] == ['mirror_unknown']


def test_validation_against_an_entry_point_fails_before_any_tree(site):
    host = Host()
    check = {'role': 'cdn.origin.mirror', 'prefix': 'mirror_', 'role_path': ROLE_PATH, 'validate': 'main'}
    result = host.run({'trees': _trees(site), 'check_variables': check},
                      task_vars={'mirror_trees': _trees(site), 'mirror_default_link_style': 'soft'})
    assert result['failed'] and host.calls == [] and result['purge_urls'] == []
    assert result['argument_errors'] == ['value of mirror_default_link_style must be one of: absolute, relative, hard, got: soft']
    assert result['msg'].startswith('Validation of the arguments of cdn.origin.mirror (entry point main) failed:\n')
    missing = Host().run({'trees': [], 'check_variables': dict(check, validate='nowhere')})
    assert missing['failed'] and 'has no entry point nowhere' in missing['msg']
    assert not Host().run({'trees': _trees(site), 'check_variables': check},
                          task_vars={'mirror_trees': _trees(site)}).get('failed')


def test_defaults_come_from_the_prefixed_variables_unless_given(site):
    host = Host()
    task_vars = {'mirror_default_prune': True, 'mirror_default_max_delete': '10%', 'mirror_default_link_style': 'relative',
                 'mirror_default_purge_prefix': '/ignored/'}
    host.run({'trees': _trees(site)[:1], 'defaults': {'link_style': 'absolute'}, 'defaults_prefix': 'mirror_default_'},
             task_vars=task_vars)
    args = host.calls[0][1]
    assert args['prune'] is True and args['max_delete'] == '10%' and args['link_style'] == 'absolute'
    assert 'purge_prefix' not in args


def test_paths_can_be_dropped_once_worked_out_and_a_cut_list_still_gives_its_prefix(site):
    for i in range(5):
        _write(site / 'static' / ('f%d.css' % i))
    trees = _trees(site)
    kept = Host().run({'trees': trees[:1], 'purge': {'base_url': 'https://w.example'}})
    assert kept['results'][0]['purge_paths'] == ['a.txt', 'news/index.html']
    dropped = Host().run({'trees': [dict(trees[0], dest=str(site / 'www' / 'again'))],
                          'purge': {'base_url': 'https://w.example', 'keep_paths': False}})
    assert 'purge_paths' not in dropped['results'][0] and dropped['purge_urls'] == kept['purge_urls']
    assert dropped['purge_prefixes'] == []
    with mock.patch.object(mirror_trees, 'module_args', side_effect=lambda t, d, s, p: {
            'src': t['src'], 'dest': t['dest'], 'changes_limit': 2}):
        cut = Host().run({'trees': [trees[1]], 'purge': {'base_url': 'https://w.example', 'keep_paths': False}})
    assert cut['purge_prefixes'] == ['https://w.example/static/']


def test_joined_urls_are_one_string_each_url_ended_by_a_nul(site):
    purge = {'base_url': 'https://w.example', 'joined': True}
    result = Host(check_mode=True).run({'trees': _trees(site), 'purge': purge})
    assert 'purge_urls' not in result
    assert result['purge_urls_joined'].split('\0')[:-1] == Host(check_mode=True).run(
        {'trees': _trees(site), 'purge': dict(purge, joined=False)})['purge_urls']
    assert result['purge_urls_joined'].endswith('\0')
    refused = Host().run({'trees': [{'dest': '/srv/o', 'src': 5}], 'purge': purge})
    assert refused['failed'] and refused['purge_urls_joined'] == ''


def test_a_purge_asking_for_every_change_gets_the_whole_change_list(site):
    for i in range(5):
        _write(site / 'static' / ('f%d.css' % i))
    host = Host()
    result = host.run({'trees': [_trees(site)[1]], 'purge': {'base_url': 'https://w.example', 'complete': 'changes'}})
    assert host.calls[0][1]['changes_limit'] == 0 and 'purge_paths' not in host.calls[0][1]
    tree = result['results'][0]
    assert not tree['changes_truncated'] and 'purge_paths' not in tree
    assert len(result['purge_urls']) == 6 and result['purge_prefixes'] == []
    # without a purge nothing more is asked for
    plain = Host()
    plain.run({'trees': [dict(_trees(site)[1], dest=str(site / 'www' / 'plain'))], 'purge': {'complete': 'changes'}})
    assert 'changes_limit' not in plain.calls[0][1] and 'purge_paths' not in plain.calls[0][1]


def test_the_change_lists_can_be_dropped_once_the_urls_are_worked_out_from_them(site):
    kept = Host().run({'trees': _trees(site)[:1]})
    assert kept['results'][0]['changes'] and kept['purge_urls'] == ['a.txt', 'news/index.html', 'news/']
    dropped = Host().run({'trees': [dict(_trees(site)[0], dest=str(site / 'www' / 'again'))], 'keep_changes': False})
    assert 'changes' not in dropped['results'][0] and dropped['purge_urls'] == kept['purge_urls']
    assert dropped['results'][0]['summary'] == kept['results'][0]['summary']


def test_a_role_file_is_parsed_once_per_run_and_again_once_it_changes(tmp_path, monkeypatch):
    local = tmp_path / 'ansible-local'
    local.mkdir(mode=0o700)
    monkeypatch.setattr(mirror_trees.C, 'DEFAULT_LOCAL_TMP', str(local))
    path = str(tmp_path / 'defaults.yml')
    _write(path, b'mirror_a: 1\n')
    assert mirror_trees._parsed(path) == {'mirror_a': 1}
    assert [name.endswith('.pickle') for name in os.listdir(str(local))] == [True]
    # the next worker reads the pickle, without parsing
    with mock.patch.object(mirror_trees.yaml, 'load', side_effect=AssertionError('parsed again')):
        assert mirror_trees._parsed(path) == {'mirror_a': 1}
    # an edited file is another key (its size and mtime): parsed, never the old pickle
    _write(path, b'mirror_a: 1\nmirror_b: 2\n')
    assert mirror_trees._parsed(path) == {'mirror_a': 1, 'mirror_b': 2}
    assert len(os.listdir(str(local))) == 2
    # a pickle that cannot be read is parsed around
    for name in os.listdir(str(local)):
        _write(str(local / name), b'')
    assert mirror_trees._parsed(path) == {'mirror_a': 1, 'mirror_b': 2}
