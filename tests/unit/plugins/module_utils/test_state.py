# -*- coding: utf-8 -*-
# The served-tree record (state_file): refresh, prune_grace, and a record that is never trusted to delete.
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import shutil

import pytest

from ansible_collections.cdn.origin.plugins.module_utils import state
from ansible_collections.cdn.origin.tests.unit.plugins.module_utils.mirror_support import check_then_real

HOUR = 3600
T0 = 1800000000


@pytest.fixture
def clock(monkeypatch):
    """The run's clock, set by the test: now[0] seconds."""
    now = [T0]
    monkeypatch.setattr(state, 'clock', lambda: now[0])
    return now


@pytest.fixture
def record(tmp_path, site, run):
    """run() with a state_file in tmp_path/var, and the site mirrored once with it."""
    (tmp_path / 'var').mkdir()
    path = str(tmp_path / 'var' / 'origin.state')

    def with_record(**kwargs):
        kwargs.setdefault('state_file', path)
        return run(**kwargs)
    with_record.path = path
    return with_record


def _touch(path, data, mtime=None):
    with open(str(path), 'ab') as f:
        f.write(data)
    if mtime is not None:
        os.utime(str(path), (mtime, mtime))


def test_an_original_edited_in_place_is_refreshed_once(site, record):
    first = record()
    assert first['summary']['refreshed'] == 0
    assert not record()['changed']
    _touch(site / 'htdocs/img/a.png', b'more', mtime=T0)
    done = check_then_real(record)
    assert done['changed'] and done['summary']['refreshed'] == 1 and done['summary']['unchanged'] == 3
    assert done['changes'] == [{'path': 'img/a.png', 'action': 'refresh'}]
    assert done['diff']['prepared'] == '~ refresh img/a.png -> %s (size, mtime)\n' % (site / 'htdocs/img/a.png')
    assert os.readlink(str(site / 'origin/img/a.png')) == str(site / 'htdocs/img/a.png')
    again = record()
    assert not again['changed'] and again['summary']['refreshed'] == 0


def test_an_original_replaced_by_another_file_of_the_same_size_and_mtime_is_refreshed(site, record):
    original = site / 'htdocs/img/b.png'
    os.utime(str(original), (T0, T0))
    record()
    os.rename(str(original), str(site / 'b.old'))
    original.write_bytes(b'C' * 200)
    os.utime(str(original), (T0, T0))
    done = check_then_real(record)
    assert done['changes'] == [{'path': 'img/b.png', 'action': 'refresh'}]
    assert done['diff']['prepared'].endswith('(inode)\n')


def test_a_first_record_and_an_unchanged_rerun_refresh_nothing_and_write_nothing(site, record, run):
    run()
    first = check_then_real(record)
    assert not first['changed'] and first['summary']['refreshed'] == 0 and first['summary']['unchanged'] == 4
    st = os.stat(record.path)
    again = check_then_real(record)
    assert not again['changed'] and again['summary']['refreshed'] == 0
    # the same record: not rewritten (no temporary file, no rename)
    assert os.stat(record.path).st_ino == st.st_ino
    assert os.listdir(os.path.dirname(record.path)) == ['origin.state']


def test_refresh_is_found_by_forked_workers_as_by_one_process(site, record, write):
    for i in range(40):
        write('htdocs/d%02d/f.txt' % i, b'x')
        os.makedirs(str(site / ('build/d%02d' % i)))
        os.symlink(str(site / ('htdocs/d%02d/f.txt' % i)), str(site / ('build/d%02d/f.txt' % i)))
    record(workers=2)
    for i in (3, 17, 38):
        _touch(site / ('htdocs/d%02d/f.txt' % i), b'y')
    serial = record(check_mode=True, workers=1)
    forked = check_then_real(record, workers=2)
    assert serial['changes'] == forked['changes'] == [{'path': 'd%02d/f.txt' % i, 'action': 'refresh'} for i in (3, 17, 38)]
    again = record(workers=2)
    assert not again['changed'] and again['warnings'] == []
    # the record rewritten around the changed blocks reads back whole
    for i in (0, 20, 39):
        _touch(site / ('htdocs/d%02d/f.txt' % i), b'zz')
    assert [c['path'] for c in record(workers=1)['changes']] == ['d%02d/f.txt' % i for i in (0, 20, 39)]


@pytest.mark.parametrize('name', ['tab\there', 'new\nline', 'back\\slash', 'all\t\n\\three'])
def test_a_name_and_target_with_record_separators_read_back_and_refresh(site, record, write, name):
    # a name is escaped only when its block is written: an unchanged rerun compares the raw names
    original = write('htdocs/%s/%s' % (name, name), b'x')
    os.makedirs(str(site / 'build' / name))
    os.symlink(str(original), str(site / 'build' / name / name))
    record()
    st = os.stat(record.path)
    again = check_then_real(record)
    assert not again['changed'] and again['warnings'] == []
    assert os.stat(record.path).st_ino == st.st_ino
    _touch(original, b'y')
    done = check_then_real(record)
    assert done['changes'] == [{'path': '%s/%s' % (name, name), 'action': 'refresh'}]
    assert not record()['changed']


def test_a_hard_link_whose_original_is_edited_in_place_is_refreshed(site, record):
    record(link_style='hard')
    _touch(site / 'htdocs/index.html', b'<p>new</p>')
    done = check_then_real(record, link_style='hard')
    assert done['changes'] == [{'path': 'index.html', 'action': 'refresh'}]
    assert ' => ' in done['diff']['prepared']


@pytest.mark.parametrize('content', [
    b'garbage\n',
    b'{"format": "cdn.origin.state/1", "dest": "DEST"}\nD\t\t00000000000000ff\t00000000000000ff\nimg\tl\t',
    b'{"format": "cdn.origin.state/1", "dest": "/elsewhere"}\n',
    b'{"format": "cdn.origin.state/9", "dest": "DEST"}\n',
], ids=['garbage', 'cut short', 'another dest', 'another format'])
def test_a_corrupt_or_foreign_record_is_nothing_known_with_a_warning(site, record, content, clock):
    record(prune=True)
    _touch(site / 'htdocs/img/a.png', b'more')
    os.unlink(str(site / 'htdocs/index.html'))
    os.unlink(str(site / 'build/index.html'))
    with open(record.path, 'wb') as f:
        f.write(content.replace(b'DEST', os.fsencode(str(site / 'origin'))))
    done = check_then_real(record, prune=True, prune_grace=HOUR)
    # no refresh found in it, and the absent entry starts its grace now: nothing deleted
    assert done['summary']['refreshed'] == 0 and done['summary']['removed'] == 0
    assert done['removals_pending'] == [{'path': 'index.html', 'absent_since': state.iso(T0),
                                         'remove_after': state.iso(T0 + HOUR)}]
    assert (site / 'origin/index.html').is_symlink()
    assert any('nothing known' in w for w in done['warnings'])
    assert not record(prune=True, prune_grace=HOUR)['warnings']


def test_a_missing_record_is_nothing_known_without_a_warning(site, record):
    done = record()
    assert done['warnings'] == [] and os.path.isfile(record.path)


def test_a_state_file_inside_dest_or_src_is_refused(site, record, tmp_path):
    (site / 'origin').mkdir()
    os.symlink(str(site / 'origin'), str(tmp_path / 'var/through'))
    for path, said in ((site / 'origin/.state', 'lies inside dest'), (tmp_path / 'var/through/x', 'lies inside dest'),
                       (site / 'build/.state', 'lies inside src')):
        done = record(state_file=str(path))
        assert done['failed'] and said in done['msg'] and str(path) in done['msg']
    assert os.listdir(str(site / 'origin')) == []


def test_a_missing_parent_is_refused_in_a_real_run_and_nothing_known_in_check_mode(site, record, tmp_path):
    path = str(tmp_path / 'nowhere/origin.state')
    done = record(state_file=path)
    assert done['failed'] and 'parent directory of state_file' in done['msg'] and not (site / 'origin').exists()
    checked = record(state_file=path, check_mode=True)
    assert not checked.get('failed') and checked['changed']


def test_prune_grace_needs_a_state_file_and_prune(site, run, record):
    done = run(prune=True, prune_grace=60)
    assert done['failed'] and 'prune_grace needs a state_file' in done['msg']
    done = record(prune_grace=60)
    assert done['failed'] and 'prune_grace needs prune: true' in done['msg']
    for bad in (-1, 'soon', True):
        done = record(prune=True, prune_grace=bad)
        assert done['failed'] and 'prune_grace must be a whole number' in done['msg']


def test_the_record_is_replaced_atomically_and_a_crash_before_the_rename_keeps_the_old(site, record, monkeypatch):
    record()
    with open(record.path, 'rb') as f:
        before = f.read()
    _touch(site / 'htdocs/img/a.png', b'more')

    def crash(*args, **kwargs):
        raise OSError(5, 'Input/output error')
    monkeypatch.setattr(os, 'rename', crash)
    done = record()
    monkeypatch.undo()
    assert done['changes'] == [{'path': 'img/a.png', 'action': 'refresh'}]
    assert any('not written' in w for w in done['warnings'])
    with open(record.path, 'rb') as f:
        assert f.read() == before
    # the old record still knows the old target: the next run refreshes again, and records it
    assert record()['changes'] == [{'path': 'img/a.png', 'action': 'refresh'}]
    assert not record()['changed']
    assert os.listdir(os.path.dirname(record.path)) == ['origin.state']


def test_a_temporary_record_left_by_a_killed_run_is_removed(site, record):
    record()
    left = os.path.join(os.path.dirname(record.path), '.origin.state' + state.TEMP_MARK + 'dead')
    with open(left, 'wb') as f:
        f.write(b'half')
    _touch(site / 'htdocs/img/a.png', b'more')
    record()
    assert os.listdir(os.path.dirname(record.path)) == ['origin.state']


def _retire(site, rel):
    """Take rel out of the build (as a release drops an asset)."""
    path = str(site / 'build' / rel)
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    else:
        os.unlink(path)


def test_an_absent_entry_stays_for_its_grace_then_goes(site, record, clock):
    options = dict(prune=True, prune_grace=HOUR)
    record(**options)
    _retire(site, 'index.html')
    kept = check_then_real(record, **options)
    # recording the newly absent entry is not a change
    assert not kept['changed'] and kept['changes'] == [] and kept['summary']['pending_removal'] == 1
    assert kept['removals_pending'] == [{'path': 'index.html', 'absent_since': state.iso(T0),
                                         'remove_after': state.iso(T0 + HOUR)}]
    assert (site / 'origin/index.html').is_symlink()
    clock[0] = T0 + HOUR - 1
    still = check_then_real(record, **options)
    assert still['removals_pending'][0]['absent_since'] == state.iso(T0) and (site / 'origin/index.html').is_symlink()
    clock[0] = T0 + HOUR
    # the guard counts only the removals due now
    gone = check_then_real(record, max_delete=1, **options)
    assert gone['changes'] == [{'path': 'index.html', 'action': 'remove'}]
    assert gone['removals_pending'] == [] and gone['summary']['pending_removal'] == 0
    assert not os.path.lexists(str(site / 'origin/index.html'))


def test_max_delete_counts_only_the_removals_due(site, record, clock):
    options = dict(prune=True, prune_grace=HOUR)
    record(**options)
    _retire(site, 'index.html')
    record(**options)
    clock[0] = T0 + 10
    _retire(site, 'img')
    done = check_then_real(record, max_delete=0, **options)
    assert not done.get('failed') and done['summary']['pending_removal'] == 2
    clock[0] = T0 + HOUR
    refused = record(max_delete=0, **options)
    assert refused['failed'] and '1 deletions planned' in refused['msg']


def test_an_entry_back_during_its_grace_is_kept_and_its_clock_forgotten(site, record, clock):
    options = dict(prune=True, prune_grace=HOUR)
    record(**options)
    os.rename(str(site / 'build/index.html'), str(site / 'index.link'))
    record(**options)
    clock[0] = T0 + 100
    os.rename(str(site / 'index.link'), str(site / 'build/index.html'))
    back = check_then_real(record, **options)
    assert not back['changed'] and back['removals_pending'] == []
    clock[0] = T0 + HOUR + 200
    _retire(site, 'index.html')
    again = check_then_real(record, **options)
    assert again['removals_pending'][0]['absent_since'] == state.iso(T0 + HOUR + 200)
    assert (site / 'origin/index.html').is_symlink()


def test_a_zero_grace_prunes_at_once_as_without_a_record(site, record):
    record(prune=True)
    _retire(site, 'index.html')
    done = check_then_real(record, prune=True, prune_grace=0)
    assert done['changes'] == [{'path': 'index.html', 'action': 'remove'}] and done['removals_pending'] == []


def test_a_forged_record_cannot_remove_before_prune_would(site, record, clock):
    """Whatever the record says, an entry a source still has is never removed, and an absent one at most as
    early as prune without a grace removes it."""
    options = dict(prune=True, prune_grace=HOUR)
    record(**options)
    body = b'css\ta\t0\nindex.html\ta\t0\n'
    with open(record.path, 'wb') as f:
        f.write(b'{"dest": "%s", "format": "cdn.origin.state/1"}\n' % os.fsencode(str(site / 'origin')))
        f.write(b'D\t\t%016x\t%016x\n' % (len(body), 0) + body)
    with open(record.path, 'r+b') as f:
        size = os.fstat(f.fileno()).st_size
        f.seek(size - len(body) - 17)
        f.write(b'%016x' % size)
    assert not check_then_real(record, **options)['changed']
    assert (site / 'origin/index.html').is_symlink() and (site / 'origin/css/site.css').is_file()


def test_a_record_line_without_a_field_is_nothing_known_not_a_traceback(site, record, clock):
    """Block headers are checked when the record is opened, a block's lines only when its directory is planned."""
    record(prune=True)
    _touch(site / 'htdocs/img/a.png', b'more')
    body = b'no tab on this line\n'
    with open(record.path, 'wb') as f:
        header = b'{"dest": "%s", "format": "cdn.origin.state/1"}\n' % os.fsencode(str(site / 'origin'))
        f.write(header + b'D\timg\t%016x\t%016x\n' % (len(body), len(header) + 40 + len(body)) + body)
    done = check_then_real(record, prune=True)
    assert not done.get('failed') and done['changes'] == []
    assert (site / 'origin/img/a.png').is_symlink() and (site / 'origin/index.html').is_symlink()
    _touch(site / 'htdocs/img/a.png', b'again')
    assert record(prune=True)['changes'] == [{'path': 'img/a.png', 'action': 'refresh'}]


def test_a_large_record_is_read_a_directory_at_a_time(tmp_path, monkeypatch):
    """A lookup reads block headers and the one block asked for, never the whole record."""
    dest = str(tmp_path / 'dest')
    writer = state.Writer(str(tmp_path / 'big.state'), dest, False, state.Record(str(tmp_path / 'none'), dest))
    st = os.stat(str(tmp_path))
    for d in range(1000):
        lines = ['f%03d\t%s' % (i, state.link_line('l', '/srv/htdocs/d%04d/f%03d' % (d, i), st)) for i in range(100)]
        writer.block('d%04d' % d, ('\n'.join(lines) + '\n').encode())
    writer.commit()
    size = os.stat(str(tmp_path / 'big.state')).st_size
    assert size > 5000000
    read = []
    real_pread = os.pread
    monkeypatch.setattr(os, 'pread', lambda fd, n, at: read.append(n) or real_pread(fd, n, at))
    found = state.Record(str(tmp_path / 'big.state'), dest)
    opened = sum(read)
    del read[:]
    assert len(found.level('d0500')) == 100 and found.level('d0500x') == {}
    assert found.level('d0999')['f099'].startswith('l\t/srv/htdocs/d0999/f099\t')
    # the walk's own order: one header and one block per directory
    del read[:]
    for d in range(1000):
        found.level('d%04d' % d)
    assert len(read) == 2000
    assert opened < size // 4


def test_a_plan_too_large_to_keep_is_planned_again_to_the_same_refreshes_and_graces(site, record, clock, monkeypatch):
    from ansible_collections.cdn.origin.plugins.module_utils import engine
    options = dict(prune=True, prune_grace=HOUR)
    record(**options)
    _retire(site, 'index.html')
    record(**options)
    monkeypatch.setattr(engine, 'KEEP_DECISIONS', 0)
    clock[0] = T0 + HOUR
    _retire(site, 'css')
    _touch(site / 'htdocs/img/a.png', b'more')
    done = check_then_real(record, **options)
    assert done['changes'] == [{'path': 'img/a.png', 'action': 'refresh'}, {'path': 'index.html', 'action': 'remove'}]
    assert [p['path'] for p in done['removals_pending']] == ['css']
    assert not os.path.lexists(str(site / 'origin/index.html')) and (site / 'origin/css/site.css').is_file()
    assert not record(**options)['changed']
