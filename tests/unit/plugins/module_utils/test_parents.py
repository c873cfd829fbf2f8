# -*- coding: utf-8 -*-
"""`parents`: the missing parents of dest are created, as the original backend's os.makedirs did."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import stat

import pytest


def _diff(result):
    return result['diff']['prepared'].splitlines()


def test_missing_parents_of_dest_are_created_and_reported(site, run, snapshot):
    dest = site / 'srv/www/origin'
    before = snapshot(str(site))
    preview = run(dest=str(dest), check_mode=True)
    assert snapshot(str(site)) == before
    result = run(dest=str(dest))
    assert not result.get('failed'), result
    parents = [str(site / 'srv'), str(site / 'srv/www')]
    assert preview['parents_created'] == result['parents_created'] == parents
    assert preview['changed'] is result['changed'] is True
    assert _diff(result)[:3] == ['+ mkdir   %s/ (parent of dest)' % parents[0],
                                 '+ mkdir   %s/ (parent of dest)' % parents[1], '+ mkdir   ./']
    assert _diff(preview) == _diff(result)
    assert preview['changes'] == result['changes'] and preview['summary'] == result['summary']
    assert os.readlink(str(dest / 'index.html')) == str(site / 'htdocs/index.html')
    again = run(dest=str(dest))
    assert again['changed'] is False and again['parents_created'] == []


def test_created_parents_get_directory_mode_and_owner(site, run):
    owner = {} if os.geteuid() else dict(owner=1234, group=2345)
    result = run(dest=str(site / 'srv/www/origin'), directory_mode='0750', **owner)
    assert not result.get('failed'), result
    for path in ('srv', 'srv/www', 'srv/www/origin'):
        st = os.lstat(str(site / path))
        assert stat.S_IMODE(st.st_mode) == 0o750
        if owner:
            assert (st.st_uid, st.st_gid) == (1234, 2345)


def test_created_parents_follow_the_umask_without_directory_mode(site, run):
    old = os.umask(0o027)
    try:
        assert not run(dest=str(site / 'srv/origin')).get('failed')
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.lstat(str(site / 'srv')).st_mode) == 0o750


def test_parents_false_keeps_the_failure(site, run, snapshot):
    before = snapshot(str(site))
    result = run(dest=str(site / 'srv/www/origin'), parents=False)
    assert result['failed'] is True and 'srv/www does not exist' in result['msg']
    assert snapshot(str(site)) == before


@pytest.mark.parametrize('parents', [True, False])
def test_a_parent_that_is_a_file_fails_naming_it(site, run, write, snapshot, parents):
    write('srv', b'a file')
    before = snapshot(str(site))
    result = run(dest=str(site / 'srv/www/origin'), parents=parents)
    assert result['failed'] is True
    assert '%s exists and is not a directory' % (site / 'srv') in result['msg']
    assert snapshot(str(site)) == before


@pytest.mark.parametrize('dest', ['build/new/origin', 'alias/new/origin'])
def test_parents_are_never_created_inside_a_source(site, run, snapshot, dest):
    os.symlink(str(site / 'build/css'), str(site / 'alias'))
    before = snapshot(str(site))
    for check_mode in (True, False):
        result = run(dest=str(site / dest), check_mode=check_mode)
        assert result['failed'] is True and 'lies inside src' in result['msg']
    assert snapshot(str(site)) == before


@pytest.mark.parametrize('dest', ['new/dir/out.html', 'new/dir/'])
def test_single_file_with_a_missing_parent(site, run, snapshot, dest):
    target = str(site) + '/' + dest
    before = snapshot(str(site))
    preview = run(src=str(site / 'htdocs/index.html'), dest=target, check_mode=True)
    assert snapshot(str(site)) == before
    result = run(src=str(site / 'htdocs/index.html'), dest=target)
    assert not result.get('failed'), result
    parents = [str(site / 'new'), str(site / 'new/dir')]
    assert preview['parents_created'] == result['parents_created'] == parents
    assert _diff(preview) == _diff(result) and _diff(result)[0] == '+ mkdir   %s/ (parent of dest)' % parents[0]
    assert preview['changes'] == result['changes'] and result['action'] == 'symlinked'
    placed = target + ('index.html' if dest.endswith('/') else '')
    assert os.readlink(placed) == str(site / 'htdocs/index.html')
    again = run(src=str(site / 'htdocs/index.html'), dest=target)
    assert again['changed'] is False and again['action'] == 'unchanged' and again['parents_created'] == []


def test_single_file_parents_false_fails(site, run, snapshot):
    before = snapshot(str(site))
    result = run(src=str(site / 'htdocs/index.html'), dest=str(site / 'new/out.html'), parents=False)
    assert result['failed'] is True and 'does not exist' in result['msg']
    assert snapshot(str(site)) == before


def test_a_parent_made_by_another_run_meanwhile_is_used_not_reported(site, run, monkeypatch):
    from ansible_collections.cdn.origin.plugins.module_utils import apply as apply_mod
    real_mkdir = os.mkdir

    def racing(path, *args, **kwargs):
        if path == 'www' and kwargs.get('dir_fd') is not None:
            real_mkdir(path, *args, **kwargs)
        return real_mkdir(path, *args, **kwargs)
    monkeypatch.setattr(apply_mod.os, 'mkdir', racing)
    result = run(dest=str(site / 'srv/www/origin'))
    assert not result.get('failed'), result
    assert result['parents_created'] == [str(site / 'srv')]
    assert (site / 'srv/www/origin/css/site.css').read_bytes() == b'body{}'
