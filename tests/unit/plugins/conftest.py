# -*- coding: utf-8 -*-
# The `standin` fixture: start(provider, **rules) gives a started stand-in on 127.0.0.1, stopped after the test.
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.cdn.origin.tests.unit.plugins.purge_support import standin_module


@pytest.fixture
def standin():
    started = []

    def start(provider, **kwargs):
        stand = standin_module.StandIn(provider, **kwargs).start()
        started.append(stand)
        return stand

    yield start
    for stand in started:
        stand.stop()
