# -*- coding: utf-8 -*-
"""The module's own glue: what it hands to the engine."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pwd

import pytest

from ansible_collections.cdn.origin.plugins.modules.symlink_or_copy import _resolve_id


class _Module:
    def fail_json(self, **kwargs):
        raise AssertionError('the module failed: %s' % kwargs['msg'])


@pytest.mark.parametrize('text, number', [('0', 0), ('65534', 65534), ('4294967296', 4294967296), ('-1', -1), ('-5', -5)])
def test_numeric_ids_go_to_the_engine_as_given_for_it_to_judge(text, number):
    assert _resolve_id(_Module(), text, pwd.getpwnam, 'owner') == number


def test_names_are_looked_up():
    assert _resolve_id(_Module(), 'root', pwd.getpwnam, 'owner') == 0
    assert _resolve_id(_Module(), None, pwd.getpwnam, 'owner') is None


def test_a_name_that_is_no_number_is_looked_up_and_may_fail():
    with pytest.raises(AssertionError, match='owner --5 does not exist on this host'):
        _resolve_id(_Module(), '--5', pwd.getpwnam, 'owner')
