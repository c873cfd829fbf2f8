# -*- coding: utf-8 -*-
# Shared by the purge tests: the provider stand-ins (tests/integration/targets/
# setup_purge_standin/files/purge_standin.py, loaded by path so that the
# integration target and the unit tests use the same one) and test credentials.
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import importlib.util
import json
import os

_STANDIN = os.path.join(os.path.dirname(__file__), '..', '..', 'integration', 'targets',
                        'setup_purge_standin', 'files', 'purge_standin.py')
_spec = importlib.util.spec_from_file_location('purge_standin', _STANDIN)
standin_module = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(standin_module)

TOKEN = 'tok-5f2b9c0e-never-printed'
ZONE = 'zone-8d1e77aa0c'
SERVICE = 'svc3b7e11d04f'
AKAMAI = dict(akamai_client_token='akab-ct-4e1f', akamai_client_secret='akab-secret-9c3d0b2a', akamai_access_token='akab-at-77e0')
FAST = dict(backoff=0.01)


def urls(count, host='www.example.com', prefix='/site/f'):
    return ['https://%s%s%05d.html' % (host, prefix, i) for i in range(count)]


def secrets_absent(result):
    text = json.dumps(result)
    return not any(secret in text for secret in [TOKEN, ZONE, SERVICE] + list(AKAMAI.values()))
