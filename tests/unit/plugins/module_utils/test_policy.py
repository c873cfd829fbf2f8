# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest

from ansible_collections.cdn.origin.plugins.module_utils.engine import fs_type, mounts_inside
from ansible_collections.cdn.origin.plugins.module_utils.policy import (
    Excluder, ModeSpec, Roots, copy_mode, display, is_temp_name, split_paths,
)


@pytest.mark.parametrize('path, expected', [
    ('/srv/htdocs', True),
    ('/srv/htdocs/a/b.png', True),
    ('/srv/htdocs-evil/x', False),
    ('/srv/htdocsx', False),
    ('/srv', False),
    ('/srv/other/htdocs/a', False),
])
def test_containment_is_by_path_components(path, expected):
    assert Roots(['/srv/htdocs']).contains(path) is expected


def test_root_directory_contains_everything():
    assert Roots(['/']).contains('/etc/passwd')


def test_roots_are_resolved_through_symlinks_and_dots(tmp_path):
    (tmp_path / 'real').mkdir()
    os.symlink(str(tmp_path / 'real'), str(tmp_path / 'alias'))
    roots = Roots.resolve([str(tmp_path / 'alias') + '//', str(tmp_path / 'x' / '..' / 'alias' / '.')])
    assert roots.reals == (str(tmp_path / 'real'),)
    assert roots.contains(str(tmp_path / 'real' / 'f'))
    assert not roots.contains(str(tmp_path / 'alias' / 'f'))


def test_within_accepts_colon_string_and_lists():
    assert split_paths('/srv/htdocs:/srv/static') == ['/srv/htdocs', '/srv/static']
    assert split_paths(['/a', '/b:/c']) == ['/a', '/b', '/c']
    assert split_paths(None) == [] and split_paths([]) == []


def test_within_keeps_empty_entries_for_configure_to_refuse():
    assert split_paths('') == [''] and split_paths('/a::/b:') == ['/a', '', '/b', '']


def test_excluder_matches_relative_path_and_basename():
    excluded = Excluder(['*.tmp', 'cache', 'img/private/*'])
    assert excluded('a/b/x.tmp', 'x.tmp')
    assert excluded('deep/cache', 'cache')
    assert excluded('img/private/p.png', 'p.png')
    assert not excluded('img/public/p.png', 'p.png')
    assert not Excluder([])('anything', 'anything')


@pytest.mark.parametrize('pattern, rel, is_dir, expected', [
    # a leading / anchors at the tree root
    ('/cache', 'cache', True, True),
    ('/cache', 'img/cache', True, False),
    ('/img/private', 'img/private', True, True),
    ('/img/private', 'x/img/private', True, False),
    # a trailing / matches directories only
    ('tmp/', 'tmp', True, True),
    ('tmp/', 'tmp', False, False),
    ('tmp/', 'a/b/tmp', True, True),
    ('/tmp/', 'tmp', True, True),
    ('/tmp/', 'a/tmp', True, False),
    # * ? and [...] never cross a /, ** does
    ('css/*.css', 'css/site.css', False, True),
    ('css/*.css', 'css/print.css/index.css', False, False),
    ('css/**', 'css/print.css/index.css', False, True),
    ('css/**', 'css', True, False),
    ('a?c', 'a/c', False, False),
    ('a?c', 'abc', False, True),
    ('a[/]c', 'a/c', False, False),
    ('a[!x]c', 'a/c', False, False),
    ('a[!x]c', 'abc', False, True),
    ('a[bc]d', 'x/acd', False, True),
    ('**.tmp', 'a/b/c.tmp', False, True),
    # no inner /: the base name at any depth
    ('*.tmp', 'a/b/x.tmp', False, True),
    ('cache', 'deep/er/cache', False, True),
    ('cache', 'cache/file', False, False),
    ('cache', 'xcache', False, False),
    # an inner /: the end of the path, at a /
    ('img/private', 'site/img/private', True, True),
    ('img/private', 'site/ximg/private', True, False),
    ('private/*.png', 'img/private/p.png', False, True),
    # dir/*** is the directory and everything below it
    ('/logs/***', 'logs', True, True),
    ('/logs/***', 'logs/2026/a.log', False, True),
    ('/logs/***', 'logsx', True, False),
    # a backslash makes a wildcard literal
    ('a\\*b', 'a*b', False, True),
    ('a\\*b', 'axb', False, False),
])
def test_exclude_follows_rsync_pattern_rules(pattern, rel, is_dir, expected):
    assert Excluder([pattern])(rel, rel.rsplit('/', 1)[-1], is_dir) is expected


def test_exclude_asks_whether_an_entry_is_a_directory_only_for_a_directory_pattern():
    asked = []

    def is_dir():
        asked.append(True)
        return True
    excluded = Excluder(['*.tmp', 'cache/'])
    assert excluded('a.tmp', 'a.tmp', is_dir) and not asked
    assert not excluded('x/y', 'y', is_dir) and not asked
    assert excluded('x/cache', 'cache', is_dir) and asked


@pytest.mark.parametrize('spec, base, is_dir, expected', [
    ('0644', 0o600, False, 0o644),
    ('644', 0o600, False, 0o644),
    (0o640, 0o777, False, 0o640),
    ('u=rw,go=r', 0o777, False, 0o644),
    ('go-w', 0o666, False, 0o644),
    ('a+X', 0o644, True, 0o755),
    ('a+X', 0o644, False, 0o644),
    ('u+x,g+s', 0o644, False, 0o2744),
])
def test_mode_spec(spec, base, is_dir, expected):
    assert ModeSpec(spec).apply(base, is_dir) == expected


def test_mode_spec_rejects_garbage():
    with pytest.raises(ValueError, match='neither octal nor symbolic'):
        ModeSpec('rwxr-xr-x')


def test_copies_drop_setuid_and_setgid_unless_asked():
    assert copy_mode(0o104755, None) == 0o755
    assert copy_mode(0o102755, None) == 0o755
    assert copy_mode(0o101755, None) == 0o1755
    assert copy_mode(0o100755, ModeSpec('4755')) == 0o4755


def test_temp_names():
    assert is_temp_name('.cdn-origin-tmp-0123456789abcdef')
    assert not is_temp_name('.cdn-origin-tmp-0123')
    assert not is_temp_name('.cdn-origin-tmp-0123456789abcdef.png')


def test_display_keeps_undecodable_bytes_readable():
    assert display(os.fsdecode(b'caf\xe9.txt')) == 'caf\\xe9.txt'
    assert display(u'caf\u00e9') == u'caf\u00e9'


def test_fs_type_picks_longest_mount(tmp_path):
    info = tmp_path / 'mountinfo'
    info.write_text(
        '22 1 8:1 / / rw - ext4 /dev/sda1 rw\n'
        '30 22 8:2 / /mnt/usb rw - vfat /dev/sdb1 rw\n'
        '31 22 0:5 / /mnt/usb2 rw shared:1 - tmpfs tmpfs rw\n'
        '32 22 0:6 / /mnt/my\\040disk rw - exfat /dev/sdc1 rw\n')
    assert fs_type('/mnt/usb/site', str(info)) == 'vfat'
    assert fs_type('/mnt/usb2/site', str(info)) == 'tmpfs'
    assert fs_type('/mnt/usbx', str(info)) == 'ext4'
    assert fs_type('/mnt/my disk/x', str(info)) == 'exfat'
    assert fs_type('/x', str(tmp_path / 'missing')) is None


def test_mounts_inside_dest_come_from_mountinfo_with_escaped_names(tmp_path):
    info = tmp_path / 'mountinfo'
    info.write_text(
        '22 1 8:1 / / rw - ext4 /dev/sda1 rw\n'
        '30 22 8:1 / /srv/www rw - ext4 /dev/sda1 rw\n'
        '31 30 0:5 / /srv/www/cache rw shared:1 - tmpfs tmpfs rw\n'
        '32 30 8:1 /data /srv/www/a\\011tab\\134back\\040space rw - ext4 /dev/sda1 rw\n'
        '33 22 0:6 / /srv/www-other rw - tmpfs tmpfs rw\n')
    # dest itself is no mount point inside dest; a sibling sharing its prefix is not inside it
    assert mounts_inside('/srv/www', str(info)).reals == ('/srv/www/a\ttab\\back space', '/srv/www/cache')
    assert not mounts_inside('/srv/www', str(tmp_path / 'missing'))
