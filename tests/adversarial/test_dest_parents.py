# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cdn.origin maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The missing parents of dest (`parents`): a link planted on the way while they are made is never followed."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest

from ansible_collections.cdn.origin.plugins.module_utils import apply as apply_mod
from ansible_collections.cdn.origin.plugins.module_utils.engine import mirror

from adversarial_support import as_json, write


def _plant_before_mkdir(monkeypatch, name, target):
    """Plant `name` -> `target` in the directory a parent named `name` is about to be made in."""
    real_mkdir = os.mkdir
    fired = []

    def mkdir(path, *args, **kwargs):
        if path == name and kwargs.get('dir_fd') is not None and not fired:
            fired.append(path)
            os.symlink(target, path, dir_fd=kwargs['dir_fd'])
        return real_mkdir(path, *args, **kwargs)
    monkeypatch.setattr(apply_mod.os, 'mkdir', mkdir)
    return fired


@pytest.mark.parametrize('planted', ['srv', 'www', 'dest'])
@pytest.mark.parametrize('single', [False, True], ids=['tree', 'single'])
def test_a_link_planted_where_a_parent_goes_is_not_followed(world, monkeypatch, planted, single):
    write(os.path.join(world.src, 'page.html'), b'page')
    dest = world.path('srv', 'www', 'dest')
    fired = _plant_before_mkdir(monkeypatch, planted, world.outside)
    src = os.path.join(world.src, 'page.html') if single else world.src
    result = as_json(mirror(src, dest + '/' if single else dest, fsync=False))
    assert fired == [planted]
    assert result['failed'] is True, result
    assert world.outside_untouched()
    planted_at = {'srv': world.path('srv'), 'www': world.path('srv', 'www'), 'dest': dest}[planted]
    assert planted_at in result['msg'] or any(planted_at in e['path'] for e in result['errors'])
    assert os.path.islink(planted_at)
