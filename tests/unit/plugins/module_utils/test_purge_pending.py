# -*- coding: utf-8 -*-
# The purge module's pending_file: failed purges kept on disk and sent first by the next run (stand-ins on 127.0.0.1).
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import json
import multiprocessing
import os
import stat

import pytest

from ansible_collections.cdn.origin.plugins.module_utils import purge_pending
from ansible_collections.cdn.origin.plugins.module_utils.purge import PurgeError, purge
from ansible_collections.cdn.origin.plugins.module_utils.purge_pending import FORMAT, Pending
from ansible_collections.cdn.origin.tests.unit.plugins.purge_support import FAST, TOKEN, ZONE, urls


@pytest.fixture
def cloudflare(standin, tmp_path):
    """purge() through a Cloudflare stand-in with a pending file in a directory that does not exist yet."""
    stand = standin('cloudflare', token=TOKEN, zone_id=ZONE)
    path = str(tmp_path / 'state' / 'purge-pending.json')

    def run(**options):
        options.setdefault('pending_file', path)
        options.setdefault('retries', 0)
        return purge('cloudflare', token=TOKEN, zone_id=ZONE, base_url=stand.url, **dict(FAST, **options))
    run.stand, run.path = stand, path
    return run


def _files_sent(stand, first=0):
    return [u for r in stand.received[first:] for u in json.loads(r['body'])['files']]


def _held(path):
    with open(path) as f:
        return json.load(f)


def test_a_purge_answered_500_is_kept_and_sent_first_by_the_next_run_even_without_urls(cloudflare):
    stand = cloudflare.stand
    stand.answer_first(500)
    lost = cloudflare(urls=urls(3))
    assert lost['failed'] and lost['pending'] == 3 and lost['pending_sent'] == 0
    assert 'kept in pending_file %s' % cloudflare.path in lost['msg']
    assert _held(cloudflare.path) == {'format': FORMAT, 'urls': urls(3), 'paths': [], 'prefixes': []}
    assert stat.S_IMODE(os.stat(cloudflare.path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(os.path.dirname(cloudflare.path)).st_mode) == 0o700
    # the next run has nothing new to purge: it sends exactly what failed, then forgets it
    again = cloudflare(urls=[])
    assert not again.get('failed') and again['changed'] and again['purged'] == urls(3)
    assert _files_sent(stand, 1) == urls(3)
    assert (again['pending'], again['pending_sent']) == (0, 3)
    assert os.listdir(os.path.dirname(cloudflare.path)) == []
    quiet = cloudflare(urls=[])
    assert not quiet['changed'] and quiet['requests'] == 0 and len(stand.received) == 2


def test_pending_entries_go_first_and_a_new_failure_joins_those_left(cloudflare):
    stand = cloudflare.stand
    u0, u1, u2, u3 = urls(4)
    stand.answer_first(500)
    cloudflare(urls=[u0, u1], batch_size=1, concurrency=1)
    assert _held(cloudflare.path)['urls'] == [u0]
    accepted = {'success': True, 'errors': [], 'messages': [], 'result': {'id': 'x'}}
    stand.answer_first(200, times=2, answer=accepted)
    stand.answer_first(500)
    # one request at a time, in order: the pending one first, then this run's, the last answered 500
    later = cloudflare(urls=[u2, u3], batch_size=1, concurrency=1)
    assert _files_sent(stand, 2) == [u0, u2, u3]
    assert (later['pending'], later['pending_sent']) == (1, 1) and later['purged'] == [u0, u2]
    assert _held(cloudflare.path)['urls'] == [u3]


def test_check_mode_sends_nothing_writes_nothing_and_lists_the_pending_requests(cloudflare):
    cloudflare.stand.answer_first(500)
    cloudflare(urls=urls(2))
    before = os.stat(cloudflare.path)
    with open(cloudflare.path, 'rb') as f:
        data = f.read()
    preview = cloudflare(urls=urls(3)[2:], check_mode=True)
    assert len(cloudflare.stand.received) == 1
    assert [r['urls'] for r in preview['would_send']] == [urls(3)]
    assert preview['changed'] and (preview['pending'], preview['pending_sent'], preview['sent']) == (2, 2, 0)
    after = os.stat(cloudflare.path)
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    with open(cloudflare.path, 'rb') as f:
        assert f.read() == data


def test_check_mode_with_a_missing_pending_file_creates_nothing(cloudflare):
    preview = cloudflare(urls=urls(1), check_mode=True)
    assert (preview['pending'], preview['pending_sent']) == (0, 0)
    assert not os.path.lexists(os.path.dirname(cloudflare.path))


def test_a_run_that_purges_everything_creates_no_file(cloudflare):
    done = cloudflare(urls=urls(2))
    assert (done['pending'], done['pending_sent']) == (0, 0) and not done.get('failed')
    assert not os.path.lexists(os.path.dirname(cloudflare.path))


@pytest.mark.parametrize('content, reason', [
    (b'', 'not JSON'),
    (b'https://www.example.com/a\n', 'not JSON'),
    (b'{"urls": ["https://www.example.com/a"]}', 'not a pending list'),
    (b'{"format": "cdn.origin.purge.pending/1", "urls": "https://www.example.com/a"}', '"urls" is not a list'),
    (b'{"format": "cdn.origin.purge.pending/1", "urls": [], "more": []}', 'unknown keys more'),
    (b'{"format": "cdn.origin.purge.pending/1", "urls": ["/not/absolute"]}', 'cannot be sent'),
    (b'{"format": "cdn.origin.purge.pending/1", "prefixes": ["https://www.example.com/?q"]}', 'query string'),
], ids=['empty', 'a list of lines', 'no format', 'not a list', 'an unknown key', 'a relative URL', 'a prefix with a query'])
def test_a_corrupt_pending_file_fails_naming_it_and_nothing_is_sent(cloudflare, content, reason):
    os.makedirs(os.path.dirname(cloudflare.path))
    with open(cloudflare.path, 'wb') as f:
        f.write(content)
    with pytest.raises(PurgeError) as e:
        cloudflare(urls=urls(2))
    assert cloudflare.path in e.value.msg and reason in e.value.msg and 'Nothing was sent' in e.value.msg
    assert cloudflare.stand.received == []
    with open(cloudflare.path, 'rb') as f:
        assert f.read() == content


def test_a_symlink_as_pending_file_is_refused(cloudflare, tmp_path):
    os.makedirs(os.path.dirname(cloudflare.path))
    (tmp_path / 'elsewhere.json').write_text(json.dumps({'format': FORMAT, 'urls': urls(1)}))
    os.symlink(str(tmp_path / 'elsewhere.json'), cloudflare.path)
    with pytest.raises(PurgeError) as e:
        cloudflare(urls=urls(2))
    assert 'is a symlink' in e.value.msg and cloudflare.stand.received == []


def test_webhook_paths_left_pending_are_refused_by_another_provider(standin, tmp_path):
    path = str(tmp_path / 'pending.json')
    hook = standin('webhook')
    hook.answer_first(500)
    purge('webhook', paths=['/site/a'], endpoint=hook.url, pending_file=path, retries=0, **FAST)
    assert _held(path)['paths'] == ['/site/a']
    edge = standin('http_purge')
    with pytest.raises(PurgeError) as e:
        purge('http_purge', urls=urls(1), endpoint=edge.url, pending_file=path, **FAST)
    assert 'paths of a webhook run' in e.value.msg and edge.received == []
    back = purge('webhook', urls=['https://www.example.com/b'], endpoint=hook.url, pending_file=path, **FAST)
    assert json.loads(hook.received[-1]['body'])['paths'] == ['/site/a', 'https://www.example.com/b']
    assert back['pending'] == 0 and not os.path.exists(path)


def test_a_prefix_that_failed_is_kept_and_banned_by_the_next_run(standin, tmp_path):
    path = str(tmp_path / 'pending.json')
    no_bans = standin('http_purge', ban_method=None)
    first = purge('http_purge', urls=urls(1), prefixes=['https://www.example.com/site/'], endpoint=no_bans.url,
                  pending_file=path, **FAST)
    assert first['failed'] and first['purged'] == urls(1)
    assert _held(path) == {'format': FORMAT, 'urls': [], 'paths': [], 'prefixes': ['https://www.example.com/site/']}
    varnish = standin('http_purge')
    again = purge('http_purge', endpoint=varnish.url, pending_file=path, **FAST)
    assert [(r['method'], r['path']) for r in varnish.received] == [('BAN', '/site/')]
    assert again['purged_prefixes'] == ['https://www.example.com/site/'] and (again['pending'], again['pending_sent']) == (0, 1)


def test_an_unwritable_pending_file_fails_the_task_saying_what_is_lost(cloudflare, monkeypatch):
    cloudflare.stand.answer_first(500)

    def full(src, dst):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    monkeypatch.setattr(purge_pending.os, 'rename', full)
    result = cloudflare(urls=urls(2))
    assert result['failed'] and len(result['failed_urls']) == 2
    assert 'pending_file %s not updated: No space left on device; the purges listed in failed_urls are kept nowhere' \
        % cloudflare.path in result['msg']
    # the temporary file is not left behind
    assert os.listdir(os.path.dirname(cloudflare.path)) == []


def test_an_update_keeps_what_another_run_added_meanwhile(tmp_path):
    pending = Pending(str(tmp_path / 'p.json'))
    assert pending.update([], [('urls', 'https://a.example/1'), ('urls', 'https://a.example/2')]) == 2
    # another run, meanwhile, took 1 and 2 and failed 3
    assert pending.update([], [('urls', 'https://a.example/3')]) == 3
    # this run purged 1, failed 2 again and a prefix
    assert pending.update([('urls', 'https://a.example/1')], [('urls', 'https://a.example/2'), ('prefixes', 'https://a.example/p/')]) == 3
    assert pending.read() == [('urls', 'https://a.example/2'), ('urls', 'https://a.example/3'), ('prefixes', 'https://a.example/p/')]
    assert os.listdir(str(tmp_path)) == ['p.json']


def test_a_temporary_file_left_by_a_run_that_died_is_removed(tmp_path):
    pending = Pending(str(tmp_path / 'p.json'))
    stale = tmp_path / '.p.json.k3j2_x.tmp'
    stale.write_text('{"format": "cdn.origin.purge.pending/1", "urls": ["https://a.example/ha')
    (tmp_path / 'other.tmp').write_text('not ours')
    assert pending.update([], [('urls', 'https://a.example/1')]) == 1
    assert sorted(os.listdir(str(tmp_path))) == ['other.tmp', 'p.json']


def _fail_one(path, n, barrier):
    barrier.wait(5)
    Pending(path).update([], [('urls', 'https://a.example/%02d' % n)])


def test_runs_updating_the_file_at_once_lose_none_of_each_others_entries(tmp_path):
    # the hosts of a play purging from the controller at the same moment, each with a failure of its own
    path = str(tmp_path / 'p.json')
    context = multiprocessing.get_context('fork')
    barrier = context.Barrier(12)
    workers = [context.Process(target=_fail_one, args=(path, n, barrier)) for n in range(12)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(10)
    assert [w.exitcode for w in workers] == [0] * 12
    assert sorted(v for _k, v in Pending(path).read()) == ['https://a.example/%02d' % n for n in range(12)]
    assert os.listdir(str(tmp_path)) == ['p.json']
