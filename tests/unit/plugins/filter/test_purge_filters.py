# -*- coding: utf-8 -*-
"""The filters cdn.origin.purge_urls and purge_prefixes on results of real runs over real trees."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import shutil

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.cdn.origin.plugins.filter import purge as purge_filters
from ansible_collections.cdn.origin.plugins.filter.fleet import FilterModule as FleetFilters
from ansible_collections.cdn.origin.plugins.filter.fleet import fleet_failures, fleet_summary
from ansible_collections.cdn.origin.plugins.filter.purge import FilterModule, purge_prefixes, purge_union, purge_urls
from ansible_collections.cdn.origin.plugins.module_utils.engine import mirror

BASE = 'https://www.example.com'


def _write(root, rel, data=b'x'):
    path = os.path.join(str(root), rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'wb') as f:
        f.write(data)


@pytest.fixture
def tree(tmp_path):
    """run(**tree_keys): the result of mirroring tmp_path/src into tmp_path/dest, carrying its tree as the role's loop does."""
    src, dest = tmp_path / 'src', tmp_path / 'dest'
    for rel in ('index.html', 'news/index.html', 'news/today.html', 'docs/a b%.txt', 'docs/é.txt', 'legacy/a.txt'):
        _write(src, rel)

    def run(changes_limit=1000, **tree_keys):
        result = mirror(src=str(src), dest=str(dest), within=[], fsync=False, prune=True, max_delete=None,
                        changes_limit=changes_limit)
        result['mirror_tree'] = dict(tree_keys, dest=str(dest), src=str(src))
        return result
    run.src = src
    return run


def test_every_purged_change_is_one_url_and_a_changed_index_purges_its_directory(tree):
    urls = purge_urls([tree(purge_prefix='/site/')], base_url=BASE)
    assert sorted(urls) == sorted([
        BASE + '/site/docs/a%20b%25.txt', BASE + '/site/docs/%C3%A9.txt',
        BASE + '/site/index.html', BASE + '/site/',
        BASE + '/site/legacy/a.txt',
        BASE + '/site/news/index.html', BASE + '/site/news/', BASE + '/site/news/today.html',
    ])
    assert len(urls) == len(set(urls))


def test_removals_and_updates_are_purged_with_their_directories_and_an_unchanged_tree_gives_nothing(tree):
    tree()
    assert purge_urls([tree(purge_prefix='/site/')], base_url=BASE) == []
    shutil.rmtree(str(tree.src / 'legacy'))
    _write(tree.src, 'news/index.html', b'new')
    urls = purge_urls({'results': [tree(purge_prefix='/site/')]}, base_url=BASE)
    assert sorted(urls) == sorted([BASE + '/site/legacy/a.txt', BASE + '/site/legacy',
                                   BASE + '/site/news/index.html', BASE + '/site/news/'])


def test_the_root_index_gives_the_prefix_url_ending_in_a_slash(tree):
    assert BASE + '/' in purge_urls([tree()], base_url=BASE)
    shutil.rmtree(str(tree.src.parent / 'dest'))
    assert BASE + '/' in purge_urls([tree(purge_prefix='/')], base_url=BASE)


def test_the_default_prefix_applies_where_a_tree_has_none_and_index_files_can_be_turned_off(tree):
    urls = purge_urls([tree()], base_url=BASE, default_prefix='/static/', index_files=[])
    assert BASE + '/static/index.html' in urls
    assert not [u for u in urls if u.endswith('/')]


def test_without_quoting_the_paths_are_as_the_webhook_body_always_had_them(tree):
    paths = purge_urls([tree(purge_prefix='/site/')], quote=False, index_files=[])
    assert '/site/docs/a b%.txt' in paths and '/site/docs/é.txt' in paths
    assert all(p.startswith('/site/') for p in paths)


def test_only_the_given_actions_are_purged(tree):
    assert purge_urls([tree()], base_url=BASE, actions=['remove']) == []


def test_dest_itself_is_the_prefix_url(tree):
    result = tree(purge_prefix='/site/')
    result['changes'] = [{'path': '.', 'action': 'update'}]
    assert purge_urls([result], base_url=BASE) == [BASE + '/site/']


def test_a_cut_list_gives_the_tree_prefix_and_a_warning(tree, monkeypatch):
    warned = []
    monkeypatch.setattr(purge_filters.Display, 'warning', lambda self, msg, *a, **k: warned.append(msg))
    cut = tree(changes_limit=2, purge_prefix='/site')
    assert cut['changes_truncated'] and len(cut['changes']) == 2
    assert purge_prefixes([cut], base_url=BASE) == [BASE + '/site/']
    assert len(warned) == 1 and cut['mirror_tree']['dest'] in warned[0] and BASE + '/site/' in warned[0]
    assert purge_prefixes([cut], base_url=BASE, warn=False) == [BASE + '/site/'] and len(warned) == 1


def test_a_complete_list_gives_no_prefix(tree):
    assert purge_prefixes([tree(changes_limit=0)], base_url=BASE) == []


def test_results_that_are_not_a_list_are_refused():
    with pytest.raises(AnsibleFilterError, match='registered results'):
        purge_urls('not results')


def test_the_filters_are_registered():
    assert FilterModule().filters() == {'purge_urls': purge_urls, 'purge_prefixes': purge_prefixes, 'purge_union': purge_union}


@pytest.mark.parametrize('base_url, prefix', [
    (BASE, '/site/'), (BASE + '/', '/site/'), (BASE, 'site'), (BASE + '/', 'site/'), (BASE, '/site'),
])
def test_the_base_url_and_the_prefix_are_joined_by_one_slash(tree, base_url, prefix):
    urls = purge_urls([tree(purge_prefix=prefix)], base_url=base_url)
    assert BASE + '/site/index.html' in urls and BASE + '/site/' in urls
    assert not [u for u in urls if '//' in u[len('https://'):] or not u.startswith(BASE + '/site/')]


def test_a_tree_without_prefix_is_purged_under_the_base_url(tree):
    urls = purge_urls([tree()], base_url=BASE)
    assert BASE + '/index.html' in urls and BASE + '/' in urls and all(u.startswith(BASE + '/') for u in urls)


@pytest.fixture
def fleet(tmp_path):
    """hostvars of a real inventory of h1, h2, h3 (h3 with a templated list in inventory), with set_fact-like facts set by the test."""
    from ansible.inventory.manager import InventoryManager
    from ansible.parsing.dataloader import DataLoader
    from ansible.vars.hostvars import HostVars
    from ansible.vars.manager import VariableManager

    inventory_file = tmp_path / 'hosts.ini'
    inventory_file.write_text("h1\nh2\nh3 mirror_purge_urls=\"{{ ['https://a/3', 'https://a/' ~ (1 + 1)] }}\"\n")
    loader = DataLoader()
    inventory = InventoryManager(loader=loader, sources=[str(inventory_file)])
    variables = VariableManager(loader=loader, inventory=inventory)
    hostvars = HostVars(inventory=inventory, variable_manager=variables, loader=loader)

    def publish(host, **facts):
        variables.set_nonpersistent_facts(host, facts)
    publish.hostvars = hostvars
    return publish


def test_the_union_over_hosts_lists_each_item_once_in_host_order(fleet):
    fleet('h1', mirror_purge_urls=['https://a/1', 'https://a/2', 'https://a/1'], mirror_purge_prefixes=[])
    fleet('h2', mirror_purge_urls=['https://a/2', 'https://a/{{ not_a_template }}'], mirror_purge_prefixes=['https://a/p/'])
    assert purge_union(['h2', 'h1'], fleet.hostvars, 'mirror_purge_urls') == [
        'https://a/2', 'https://a/{{ not_a_template }}', 'https://a/1']
    assert purge_union(['h1', 'h2'], fleet.hostvars, 'mirror_purge_prefixes') == ['https://a/p/']


def test_a_host_without_the_list_adds_nothing_and_a_template_from_inventory_is_rendered(fleet):
    fleet('h1', mirror_purge_urls=['https://a/2'])
    assert purge_union(['h1', 'h2', 'h3'], fleet.hostvars, 'mirror_purge_urls') == ['https://a/2', 'https://a/3']
    assert purge_union([], fleet.hostvars, 'mirror_purge_urls') == []


def test_a_variable_that_is_not_a_list_is_refused_naming_the_host(fleet):
    fleet('h2', mirror_purge_urls='https://a/1')
    with pytest.raises(AnsibleFilterError, match='mirror_purge_urls of host h2 is a str, not a list'):
        purge_union(['h1', 'h2'], fleet.hostvars, 'mirror_purge_urls')


def test_the_union_of_a_key_of_what_each_host_registered(fleet):
    fleet('h1', mirror_results={'purge_urls': ['https://a/1', 'https://a/2'], 'purge_prefixes': []})
    fleet('h2', mirror_results={'purge_urls': ['https://a/2', 'https://a/3'], 'purge_prefixes': ['https://a/p/']})
    fleet('h3', mirror_results={'unreachable': True, 'msg': 'no route'})
    assert purge_union(['h1', 'h2', 'h3', 'not-in-inventory'], fleet.hostvars, 'mirror_results', 'purge_urls') == [
        'https://a/1', 'https://a/2', 'https://a/3']
    assert purge_union(['h1', 'h2'], fleet.hostvars, 'mirror_results', 'purge_prefixes') == ['https://a/p/']
    fleet('h1', mirror_results={'purge_urls': 'https://a/1'})
    with pytest.raises(AnsibleFilterError, match='mirror_results.purge_urls of host h1 is a str, not a list'):
        purge_union(['h1'], fleet.hostvars, 'mirror_results', 'purge_urls')


def test_the_fleet_summary_names_each_changed_or_failed_tree_and_counts_the_quiet_origins(fleet):
    def tree(dest, changed=False, failed=False):
        return {'dest': dest, 'changed': changed, 'failed': failed, 'msg': '%s %s' % (dest, 'FAILED' if failed else 'x')}
    fleet('h1', mirror_results={'summaries': [tree('/a'), tree('/b', changed=True)]})
    fleet('h2', mirror_results={'summaries': [tree('/a')]})
    fleet('h3', mirror_results={'summaries': [tree('/a', failed=True)], 'failed': True})
    assert fleet_summary(['h1', 'h2', 'h3'], fleet.hostvars) == ['h1: /b x', 'h3: /a FAILED', '1 of 3 origin(s) changed nothing']
    # a host refused before any tree, one that could not be reached, one that never ran the role
    fleet('h1', mirror_results={'summaries': [], 'failed': True, 'msg': 'Validation of the arguments failed'})
    fleet('h2', mirror_results={'unreachable': True, 'msg': 'ssh: Connection refused'})
    assert fleet_summary(['h1', 'h2', 'h4'], fleet.hostvars) == [
        'h1: FAILED: Validation of the arguments failed', 'h2: unreachable: ssh: Connection refused',
        '0 of 2 origin(s) changed nothing']
    assert FleetFilters().filters() == {'fleet_summary': fleet_summary, 'fleet_failures': fleet_failures}


def test_the_fleet_failures_name_each_failed_tree_and_each_unreachable_or_refused_origin(fleet):
    fleet('h1', mirror_results={'results': [{'mirror_tree': {'dest': '/a'}, 'changed': True},
                                            {'mirror_tree': {'dest': '/b'}, 'failed': True, 'msg': 'within /x does not exist'}],
                                'failed': True, 'msg': '/b FAILED: within /x does not exist'})
    fleet('h2', mirror_results={'results': [{'mirror_tree': {'dest': '/a'}, 'unreachable': True, 'msg': 'Connection refused'},
                                            {'mirror_tree': {'dest': '/b'}, 'skipped': True}], 'unreachable': True})
    fleet('h3', mirror_results={'results': [], 'failed': True, 'msg': 'Validation of the arguments failed'})
    assert fleet_failures(['h1', 'h2', 'h3', 'not-in-inventory'], fleet.hostvars) == [
        'h1: /b: within /x does not exist', 'h2: unreachable: Connection refused', 'h3: Validation of the arguments failed']
    fleet('h1', mirror_results={'results': [{'mirror_tree': {'dest': '/a'}, 'changed': False}]})
    assert fleet_failures(['h1'], fleet.hostvars) == []


def test_the_union_of_joined_strings(fleet):
    fleet('h1', mirror_results={'purge_urls_joined': 'https://a/1\0https://a/2\0'})
    fleet('h2', mirror_results={'purge_urls_joined': ''})
    fleet('h3', mirror_results={'purge_urls_joined': 'https://a/2\0https://a/b c\0'})
    assert purge_union(['h1', 'h2', 'h3'], fleet.hostvars, 'mirror_results', 'purge_urls_joined', joined=True) == [
        'https://a/1', 'https://a/2', 'https://a/b c']
