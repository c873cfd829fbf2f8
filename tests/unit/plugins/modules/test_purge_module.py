# -*- coding: utf-8 -*-
# The purge module as Ansible runs it: its argument spec, and its output, from a subprocess.
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import subprocess
import sys

import ansible
import pytest

from ansible_collections.cdn.origin.plugins.module_utils.purge import DEFAULTS
from ansible_collections.cdn.origin.plugins.modules import purge as purge_module

from ansible_collections.cdn.origin.tests.unit.plugins.purge_support import AKAMAI, TOKEN, ZONE, secrets_absent, urls

CREDENTIALS = ('token', 'zone_id', 'service_id', 'akamai_client_token', 'akamai_client_secret', 'akamai_access_token')


class _Captured(Exception):
    pass


def test_credentials_are_no_log_and_every_engine_option_is_in_the_spec(monkeypatch):
    seen = {}

    def fake(argument_spec, **kwargs):
        seen.update(argument_spec)
        raise _Captured()

    monkeypatch.setattr(purge_module, 'AnsibleModule', fake)
    with pytest.raises(_Captured):
        purge_module.main()
    assert [name for name in CREDENTIALS if seen[name].get('no_log') is True] == list(CREDENTIALS)
    assert set(seen) == set(DEFAULTS) | {'provider'}
    assert not [name for name, spec in seen.items() if name not in CREDENTIALS and spec.get('no_log')]


def run_module(tmp_path, args):
    path = tmp_path / 'args.json'
    path.write_text(json.dumps({'ANSIBLE_MODULE_ARGS': args}))
    # the collection's and ansible's locations as this process has them (ansible-test injects ansible by path)
    collection = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(purge_module.__file__))))
    paths = [os.path.dirname(os.path.dirname(os.path.dirname(collection))), os.path.dirname(os.path.dirname(ansible.__file__))]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(paths + [os.environ.get('PYTHONPATH', '')]))
    done = subprocess.run([sys.executable, '-m', 'ansible_collections.cdn.origin.plugins.modules.purge', str(path)],
                          capture_output=True, text=True, env=env, timeout=60, check=False)
    return done, json.loads(done.stdout)


@pytest.mark.parametrize('check_mode', [False, True])
def test_module_output_never_contains_credentials(tmp_path, standin, check_mode):
    stand = standin('cloudflare', token='accepted-token', zone_id=ZONE)
    done, result = run_module(tmp_path, dict(provider='cloudflare', base_url=stand.url, token=TOKEN, zone_id=ZONE,
                                             urls=urls(3), retries=0, _ansible_check_mode=check_mode))
    assert TOKEN not in done.stdout + done.stderr and ZONE not in done.stdout + done.stderr
    if check_mode:
        assert done.returncode == 0 and stand.received == [] and len(result['would_send']) == 1
    else:
        assert done.returncode == 1 and result['failed'] and len(result['failed_urls']) == 3
        assert [r['headers']['authorization'] for r in stand.received] == ['Bearer ' + TOKEN]


def test_module_akamai_run_prints_no_credential(tmp_path, standin):
    stand = standin('akamai', client_token=AKAMAI['akamai_client_token'], client_secret=AKAMAI['akamai_client_secret'],
                    access_token=AKAMAI['akamai_access_token'])
    done, result = run_module(tmp_path, dict(AKAMAI, provider='akamai', base_url=stand.url, urls=urls(2)))
    assert done.returncode == 0 and result['purged'] == urls(2) and stand.violations == []
    assert secrets_absent(result) and not any(v in done.stdout + done.stderr for v in AKAMAI.values())


def test_bad_option_fails_the_module_with_the_reason(tmp_path):
    done, result = run_module(tmp_path, dict(provider='fastly', urls=['https://e.example/a b']))
    assert done.returncode == 1 and 'whitespace' in result['msg']


def test_module_keeps_a_failed_purge_in_pending_file_and_sends_it_on_the_next_run(tmp_path, standin):
    stand = standin('cloudflare', token=TOKEN, zone_id=ZONE)
    stand.answer_first(500)
    pending = tmp_path / 'var' / 'pending.json'
    args = dict(provider='cloudflare', base_url=stand.url, token=TOKEN, zone_id=ZONE, retries=0, pending_file=str(pending))
    done, result = run_module(tmp_path, dict(args, urls=urls(2)))
    assert done.returncode == 1 and result['pending'] == 2 and str(pending) in result['msg']
    done, result = run_module(tmp_path, dict(args, _ansible_check_mode=True))
    assert done.returncode == 0 and result['pending_sent'] == 2 and [r['urls'] for r in result['would_send']] == [urls(2)]
    done, result = run_module(tmp_path, args)
    assert done.returncode == 0 and result['changed'] and (result['pending'], result['pending_sent']) == (0, 2)
    assert result['purged'] == urls(2) and not pending.exists() and secrets_absent(result)
