# -*- coding: utf-8 -*-
"""The documentation says what the code accepts and returns.

Every documented option is compared with the argument spec (name, type,
default, choices, elements, required), every documented result key with what
real runs on real trees return (success, check mode, single file, failures),
every action word with the planner's actions, and the role's argument spec
with its defaults, its tasks and its README. Nothing is listed by hand here:
a new option, result key, action or tree key that is not documented (or
documented and not there) fails one of these tests.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import importlib
import json
import os
import re

import pytest
import yaml

from ansible.module_utils import basic
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.cdn.origin.plugins.action import mirror_trees
from ansible_collections.cdn.origin.plugins.module_utils import plan, report
from ansible_collections.cdn.origin.plugins.module_utils.engine import DEFAULTS, mirror
from ansible_collections.cdn.origin.plugins.module_utils.purge import DEFAULTS as PURGE_DEFAULTS
from ansible_collections.cdn.origin.plugins.module_utils.purge import purge
from ansible_collections.cdn.origin.plugins.modules import purge as purge_module
from ansible_collections.cdn.origin.plugins.modules import symlink_or_copy

from ansible_collections.cdn.origin.tests.unit.plugins.purge_support import FAST, TOKEN, ZONE, urls

# a controller-side test (it reads the ansible doc fragments): ansible-test runs
# tests below tests/unit/plugins/modules only with what modules may import
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
ROLE = os.path.join(ROOT, 'roles', 'mirror')
# Keys every module may return, documented by Ansible itself.
STANDARD_KEYS = frozenset(('changed', 'failed', 'msg', 'warnings', 'diff', 'invocation'))
PYTHON_TYPES = {'dict': dict, 'list': list, 'bool': bool, 'str': str, 'int': int}


def _read(*parts):
    with open(os.path.join(ROOT, *parts)) as f:
        return f.read()


def _yaml(*parts):
    return yaml.safe_load(_read(*parts))


class _Captured(Exception):
    pass


def _argspec(module, monkeypatch):
    """The argument spec `module.main()` gives AnsibleModule, with the file arguments it asks to add."""
    seen = {}

    def fake(argument_spec, **kwargs):
        seen.update(argument_spec)
        if kwargs.get('add_file_common_args'):
            for name, spec in basic.FILE_COMMON_ARGUMENTS.items():
                seen.setdefault(name, spec)
        raise _Captured()

    monkeypatch.setattr(module, 'AnsibleModule', fake)
    with pytest.raises(_Captured):
        module.main()
    return seen


def _fragment(name):
    """The DOCUMENTATION of a doc fragment named as in extends_documentation_fragment."""
    parts = name.split('.')
    namespace, collection, fragment = parts[:3]
    variable = parts[3].upper() if len(parts) > 3 else 'DOCUMENTATION'
    if (namespace, collection) == ('ansible', 'builtin'):
        path = 'ansible.plugins.doc_fragments.%s' % fragment
    else:
        path = 'ansible_collections.%s.%s.plugins.doc_fragments.%s' % (namespace, collection, fragment)
    return yaml.safe_load(getattr(importlib.import_module(path).ModuleDocFragment, variable))


def _documentation(module):
    """DOCUMENTATION with the options of its fragments merged in (the module's own text winning), as ansible-doc shows it."""
    doc = yaml.safe_load(module.DOCUMENTATION)
    for name in doc.get('extends_documentation_fragment') or []:
        for option, spec in (_fragment(name).get('options') or {}).items():
            doc['options'][option] = dict(spec, **doc['options'].get(option, {}))
    return doc


def _normal(value):
    return list(value) if isinstance(value, tuple) else value


def _same(one, other, attr, default=None):
    """Whether two option specs agree on `attr`, `default` where it is left out (choices in any order)."""
    first, second = _normal(one.get(attr, default)), _normal(other.get(attr, default))
    if attr == 'choices' and first and second:
        return sorted(first) == sorted(second)
    return first == second


def _option_differences(documented, spec):
    """Where the documented options and the argument spec disagree, as readable lines."""
    found = []
    for name in sorted(set(documented) | set(spec)):
        if name not in spec:
            found.append('%s: documented, not in the argument spec' % name)
            continue
        if name not in documented:
            found.append('%s: in the argument spec, not documented' % name)
            continue
        doc, arg = documented[name], spec[name]
        for key, default in (('type', 'str'), ('default', None), ('choices', None), ('elements', None),
                             ('required', False), ('aliases', None)):
            if not _same(doc, arg, key, default):
                found.append('%s: %s is %r in the docs, %r in the argument spec'
                             % (name, key, doc.get(key, default), arg.get(key, default)))
    return found


# -- symlink_or_copy: options -------------------------------------------------

def test_module_options_are_the_argument_spec(monkeypatch):
    spec = _argspec(symlink_or_copy, monkeypatch)
    assert _option_differences(_documentation(symlink_or_copy)['options'], spec) == []


def test_module_option_defaults_are_the_engine_defaults(monkeypatch):
    spec = _argspec(symlink_or_copy, monkeypatch)
    documented = _documentation(symlink_or_copy)['options']
    wrong = ['%s: documented %r, engine %r' % (name, documented[name].get('default'), DEFAULTS[name])
             for name in sorted(set(documented) & set(DEFAULTS))
             if _normal(documented[name].get('default')) != _normal(DEFAULTS[name])]
    assert wrong == []
    # every option but the paths and the ignored one reaches the engine (main() passes DEFAULTS' names)
    assert sorted(set(spec) - set(DEFAULTS) - {'src', 'dest', 'unsafe_writes'}) == []


# -- symlink_or_copy: results of real runs --------------------------------------

def _tree(tmp_path):
    """Originals, a build tree with a link to one, a modified copy, an escaping link; a dest with a stale file."""
    for rel, data in (('htdocs/img/a.png', b'A' * 10), ('htdocs/index.html', b'<h1>x</h1>'),
                      ('build/css/site.css', b'body{}'), ('origin/stale.html', b'old')):
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    os.symlink(str(tmp_path / 'htdocs/img'), str(tmp_path / 'build/img'))
    os.symlink('/etc/passwd', str(tmp_path / 'build/leak'))
    return dict(src=str(tmp_path / 'build'), dest=str(tmp_path / 'origin'), within=[str(tmp_path / 'htdocs')],
                fsync=False)


def _runs(tmp_path):
    """{scenario: result} of real engine runs covering every kind of result the module returns."""
    opts = _tree(tmp_path)

    def run(**changes):
        options = dict(opts)
        options.update(changes)
        return mirror(**options)

    results = {'check mode': run(check_mode=True, diff=True, prune=True)}
    results['real run'] = run(diff=True, prune=True)
    results['no-op'] = run()
    (tmp_path / 'build/new.txt').write_bytes(b'new')
    results['max_delete in check mode'] = run(check_mode=True, diff=True, prune=True, max_delete=0, src=str(tmp_path / 'htdocs'))
    results['single file'] = run(src=str(tmp_path / 'htdocs/index.html'), dest=str(tmp_path / 'one.html'))
    results['missing parent of dest'] = run(diff=True, dest=str(tmp_path / 'srv/new/origin'))
    results['bad within'] = run(within=[str(tmp_path / 'nowhere')])
    # a record, an original edited in place and an entry kept for its grace: refreshed, removals_pending
    record = dict(prune=True, state_file=str(tmp_path / 'origin.state'))
    run(**record)
    with open(str(tmp_path / 'htdocs/img/a.png'), 'ab') as f:
        f.write(b'more')
    os.unlink(str(tmp_path / 'build/new.txt'))
    results['record'] = run(diff=True, prune_grace=60, purge_paths=True, **record)
    assert results['record']['summary']['refreshed'] == 1 and results['record']['removals_pending']
    assert results['record']['purge_paths']
    return results


def _keys(results):
    found = set()
    for result in results.values():
        found.update(result)
    return found - STANDARD_KEYS


def test_documented_result_keys_are_what_runs_return(tmp_path):
    results = _runs(tmp_path)
    documented = yaml.safe_load(symlink_or_copy.RETURN)
    assert sorted(set(documented) - STANDARD_KEYS) == sorted(_keys(results))


def test_result_samples_have_the_keys_and_types_of_real_results(tmp_path):
    results = _runs(tmp_path)
    wrong = []
    for name, doc in yaml.safe_load(symlink_or_copy.RETURN).items():
        for scenario, result in results.items():
            if name in result:
                wrong.extend('%s (%s): %s' % (name, scenario, w) for w in _sample_differences(doc, result[name]))
    assert wrong == []


def _sample_differences(doc, value):
    found = []
    kind = PYTHON_TYPES[doc['type']]
    if not isinstance(value, kind):
        found.append('documented as %s, returned %r' % (doc['type'], value))
    sample = doc.get('sample')
    if doc['type'] == 'dict' and isinstance(sample, dict) and sorted(sample) != sorted(value):
        found.append('sample keys %s, returned %s' % (sorted(sample), sorted(value)))
    if doc['type'] == 'list' and doc.get('elements') == 'dict' and isinstance(sample, list):
        sample_keys = set()
        for item in sample:
            sample_keys.update(item)
        for item in value:
            if set(item) != sample_keys:
                found.append('sample element keys %s, returned %s' % (sorted(sample_keys), sorted(item)))
    return found


# -- action words and counters ----------------------------------------------------

def _actions():
    """The planner's action words: its lower-case string constants."""
    return set(value for name, value in vars(plan).items()
               if name.isupper() and isinstance(value, str) and re.match(r'\A[a-z_]+\Z', value))


def _summary_keys(tmp_path):
    return set(mirror(**_tree(tmp_path))['summary'])


def test_report_counts_every_action_and_marks_it():
    assert set(report._COUNTER) == _actions()
    assert set(report._MARK) == _actions()


def _words(pattern, text, token=r'`([a-z_.]+)`'):
    """The word lists following each match of `pattern` (a regex with one group holding the list)."""
    lists = [re.findall(token, m.group(1)) for m in re.finditer(pattern, text)]
    assert lists, 'no match for %s' % pattern
    return lists


# "actions `symlink`, `copy`, ..." in running text, wrapped lines included; the purge's subset is checked apart
_MD_ACTIONS = r'(?<!Purged )[Aa]ctions:?\s+((?:`[a-z_]+`(?:,?\s+(?:and\s+)?)?)+)'


@pytest.mark.parametrize('path', ['README.md', 'roles/mirror/README.md'])
def test_readme_action_lists_are_the_planner_actions(path):
    for words in _words(_MD_ACTIONS, _read(path)):
        assert set(words) == _actions()


def _code_blocks(text):
    return re.findall(r'^```[a-z]*\n(.*?)^```', text, re.S | re.M)


@pytest.mark.parametrize('path', ['README.md', 'roles/mirror/README.md'])
def test_readme_diff_examples_use_real_actions_and_marks(path):
    lines = re.findall(r'^([-+~!]) ([a-z_]+) +\S', '\n'.join(_code_blocks(_read(path))), re.M)
    assert lines
    assert sorted(set(lines) - set((mark, action) for action, mark in report._MARK.items())) == []


def test_role_readme_purged_actions_are_the_roles():
    text = _read('roles/mirror/README.md')
    purged = re.search(r'^- Purged actions:(.*?)^- ', text, re.S | re.M)
    not_purged = re.search(r'^- Not purged:(.*?)^- ', text, re.S | re.M)
    assert purged and not_purged
    purged, not_purged = (set(re.findall(r'`([a-z_]+)`', m.group(1))) for m in (purged, not_purged))
    assert purged == set(_yaml('roles/mirror/vars/main.yml')['mirror_purge_actions'])
    assert not purged & not_purged and purged | not_purged == _actions()


def test_module_docs_name_only_real_actions_and_counters(tmp_path):
    returned = yaml.safe_load(symlink_or_copy.RETURN)
    listed = _words(r'Actions are ((?:V\([a-z_]+\)(?:, | and )?)+)', ' '.join(returned['changes']['description']),
                    token=r'V\(([a-z_]+)\)')
    assert [set(words) for words in listed] == [_actions()]
    mentioned = re.findall(r'action V\(([a-z_]+)\)', symlink_or_copy.DOCUMENTATION)
    assert set(mentioned) <= _actions()
    summary_words = set(re.findall(r'V\(([a-z_]+)\)', ' '.join(returned['summary']['description'])))
    assert summary_words <= _summary_keys(tmp_path) | _actions()


def test_readme_counters_are_the_summary_keys(tmp_path):
    keys = _summary_keys(tmp_path)
    top = re.findall(r'counts `\{([^}]*)\}`', _read('README.md'))
    assert top and [set(w.strip() for w in t.split(',')) for t in top] == [keys] * len(top)
    for words in _words(r'Counts: ((?:`[a-z_]+`(?:,? (?:and )?)?)+)', _read('roles/mirror/README.md')):
        assert set(words) == keys
    # the role's summary line (the mirror_trees action) names every count
    assert set(key for key, _words in mirror_trees.COUNTS + mirror_trees.ADDED_COUNTS + mirror_trees.LATE_COUNTS) == keys


# -- the role ------------------------------------------------------------------------

def _role_spec():
    return _yaml('roles/mirror/meta/argument_specs.yml')['argument_specs']['main']['options']


def _role_defaults():
    return _yaml('roles/mirror/defaults/main.yml')


def _tree_spec():
    return _role_spec()['mirror_trees']['options']


def test_role_argument_spec_is_the_defaults():
    spec, defaults = _role_spec(), _role_defaults()
    assert sorted(spec) == sorted(defaults)
    assert ['%s: %r in the spec, %r in defaults' % (n, spec[n].get('default'), defaults[n])
            for n in sorted(spec) if spec[n].get('default') != defaults[n]] == []
    validated = ArgumentSpecValidator(spec).validate(dict(defaults))
    assert validated.error_messages == []


def test_role_purge_fleet_entry_point_validates_the_purge_settings_as_main_does():
    specs = _yaml('roles/mirror/meta/argument_specs.yml')['argument_specs']
    fleet, main, defaults = specs['purge_fleet']['options'], specs['main']['options'], _role_defaults()
    assert sorted(n for n in fleet if fleet[n] != main.get(n)) == []
    assert ArgumentSpecValidator(fleet).validate(dict((n, defaults[n]) for n in fleet)).error_messages == []
    # every setting send_purge.yml reads, itself or through the role's vars (its requests, its sender), is validated
    # (base URL and index files only make per-tree webhook paths)
    sender = _read('roles/mirror/tasks/send_purge.yml') + _read('roles/mirror/vars/main.yml')
    read = set(re.findall(r'\bmirror_purge_[a-z_]+', sender)) & set(defaults)
    assert sorted(read - set(fleet) - {'mirror_purge_base_url', 'mirror_purge_index_files'}) == []


def test_every_optional_tree_key_has_its_fleet_default():
    optional = set(k for k, v in _tree_spec().items() if not v.get('required'))
    prefix = 'mirror_default_'
    assert optional == set(n[len(prefix):] for n in _role_defaults() if n.startswith(prefix))
    wrong = []
    for key in sorted(optional):
        tree, fleet = _tree_spec()[key], _role_spec()[prefix + key]
        for attr in ('type', 'choices', 'elements'):
            if not _same(tree, fleet, attr):
                wrong.append('%s: %s %r per tree, %r as %s%s' % (key, attr, tree.get(attr), fleet.get(attr), prefix, key))
    assert wrong == []


def _role_sources():
    texts = []
    for name in sorted(os.listdir(os.path.join(ROLE, 'tasks'))):
        texts.append(_read('roles', 'mirror', 'tasks', name))
    return '\n'.join(texts)


def test_tasks_use_exactly_the_documented_tree_keys():
    # the mirror_trees action passes the module's keys of each tree, the purge URLs read a tree's keys from the
    # mirror_tree each result carries
    in_urls = re.findall(r"get\('mirror_tree'\) or \{\}\)\.get\('([a-z_]+)'", _read('plugins', 'plugin_utils', 'purge_urls.py'))
    assert in_urls
    passed = set(mirror_trees.DEFAULTED) | {'src', 'dest'}
    assert set(re.findall(r'\bmirror_tree\.([a-z_]+)', _role_sources())) | passed | set(in_urls) == set(_tree_spec())


def _mirror_task():
    """The role's task that runs the trees, and the module arguments its action gives a tree."""
    for task in _yaml('roles/mirror/tasks/mirror.yml'):
        if 'cdn.origin.mirror_trees' in task:
            tree = {key: None for key in _tree_spec()}
            tree['prune'] = True
            return task, mirror_trees.module_args(tree, {}, '/var/lib/cdn-origin/x.state', complete='paths')
    raise AssertionError('no mirror_trees task in roles/mirror/tasks/mirror.yml')


def test_tree_keys_reach_the_module_with_its_choices(monkeypatch):
    module_spec, tree = _argspec(symlink_or_copy, monkeypatch), _tree_spec()
    task, passed = _mirror_task()
    assert task['cdn.origin.mirror_trees']['defaults_prefix'] == 'mirror_default_'
    assert sorted(set(passed) - set(module_spec)) == []
    # every tree key that is a module option is passed (a null owner, group, mode or directory_mode is left out)
    assert sorted(k for k in tree if k in module_spec and k not in passed
                  and k not in mirror_trees.UNMANAGED_WHEN_EMPTY + mirror_trees.MODULE_DEFAULT_WHEN_NULL) == []
    # every other option is the role's own choice, named in its README
    role_set = [k for k in passed if k not in tree]
    assert role_set == ['purge_paths'] and '`purge_paths`' in _read('roles/mirror/README.md')
    # every default a tree key falls back to is a role variable
    assert sorted(k for k in mirror_trees.DEFAULTED if 'mirror_default_' + k not in _role_defaults()) == []
    assert ['%s: %r in the role, %r in the module' % (k, tree[k].get('choices'), module_spec[k].get('choices'))
            for k in sorted(set(tree) & set(module_spec)) if not _same(tree[k], module_spec[k], 'choices')] == []


def _tables(text):
    """{heading: [row cells]} of every Markdown table, under the heading before it."""
    tables, heading, rows = {}, None, None
    for line in text.splitlines():
        if line.startswith('#'):
            heading, rows = line.lstrip('#').strip(), None
        elif line.startswith('|'):
            cells = [c.strip() for c in line.strip().strip('|').split('|')]
            if rows is None:
                rows = tables.setdefault(heading, [])
            elif not set(''.join(cells)) <= set('-: '):
                rows.append(cells)
        else:
            rows = None
    return tables


def _readme_tables():
    # a | inside a cell is written \| in Markdown
    return _tables(_read('roles/mirror/README.md').replace('\\|', '/'))


def _name(cell):
    match = re.match(r'\A`([a-z_.]+)`', cell)
    assert match, 'no `name` in table cell %r' % cell
    return match.group(1)


def test_role_readme_tree_table_is_the_tree_spec():
    rows = _readme_tables()['`mirror_trees` entries']
    assert sorted(_name(r[0]) for r in rows) == sorted(_tree_spec())
    defaults, wrong = _role_defaults(), []
    for row in rows:
        key, default_from = _name(row[0]), row[2]
        match = re.match(r'\A`(mirror_default_[a-z_]+)` \(`(.*)`\)\Z', default_from)
        if _tree_spec()[key].get('required'):
            if default_from:
                wrong.append('%s: required, but documented with a default %r' % (key, default_from))
        elif not match or match.group(1) != 'mirror_default_' + key:
            wrong.append('%s: default documented as %r, not `mirror_default_%s` (`value`)' % (key, default_from, key))
        elif yaml.safe_load(match.group(2)) != defaults[match.group(1)]:
            wrong.append('%s: default documented as %s, defaults/main.yml has %r' % (key, match.group(2), defaults[match.group(1)]))
    assert wrong == []


def test_role_readme_variable_table_has_every_other_variable_and_its_default():
    rows = _readme_tables()['Purge and role-wide variables']
    defaults = _role_defaults()
    documented = dict((_name(r[0]), r[1]) for r in rows)
    assert sorted(documented) == sorted(n for n in defaults if not n.startswith('mirror_default_'))
    assert ['%s: %s documented, %r in defaults' % (n, v, defaults[n]) for n, v in sorted(documented.items())
            if yaml.safe_load(v.strip('`')) != defaults[n]] == []


def test_role_readme_names_only_real_variables():
    tasks = _read('roles/mirror/tasks/main.yml')
    registered = set(re.findall(r'^\s*register: (mirror_\w+)', tasks, re.M))
    published = set(name for task in _yaml('roles/mirror/tasks/main.yml') for inner in task.get('block', []) + task.get('always', [])
                    for name in inner.get('ansible.builtin.set_fact', {}))
    assert published
    known = set(_role_defaults()) | registered | published | {'mirror_tree'}
    text = _read('roles/mirror/README.md')
    # the names the README gives as mistakes the role warns about
    typos = set(re.findall(r'`(mirror_\w+)`', text[text.index('A `mirror_*` variable the role does not know'):].split('\n\n')[0]))
    named = set(re.findall(r'\bmirror_[a-z_]*[a-z]\b', text))
    assert sorted(named - known - typos - {'mirror_default'}) == []


def _key_paths(result):
    paths = set()
    for key, value in result.items():
        paths.add(key)
        if isinstance(value, dict):
            paths.update('%s.%s' % (key, sub) for sub in value)
    return paths


def test_role_readme_result_keys_are_returned(tmp_path):
    returned = set()
    for result in _runs(tmp_path).values():
        returned |= _key_paths(result)
    rows = _readme_tables()['Results']
    named = [n for row in rows for n in re.findall(r'`([a-z_.]+)`', row[0])]
    assert sorted(set(named) - returned) == []
    # every key a module run returns is in the table (the standard ones Ansible documents aside)
    assert sorted(_keys(_runs(tmp_path / 'again')) - set(named)) == []


def test_role_readme_purge_body_is_what_the_role_sends():
    body = re.search(r'```http\n.*?\n\n(\{.*?\n\})\n```', _read('roles/mirror/README.md'), re.S)
    assert body, 'no JSON purge request in the role README'
    sent = purge(provider='webhook', check_mode=True, endpoint='https://purge.example/', paths=['/a'],
                 webhook_host='origin-a', webhook_dest='/var/www/site')['would_send'][0]['body']['json']
    assert list(json.loads(body.group(1))) == list(sent)


# -- the purge module ----------------------------------------------------------------

def test_purge_options_are_the_argument_spec(monkeypatch):
    assert _option_differences(_documentation(purge_module)['options'], _argspec(purge_module, monkeypatch)) == []


def test_purge_documented_result_keys_are_what_runs_return(standin):
    stand = standin('cloudflare', token='accepted-token', zone_id=ZONE)
    common = dict(zone_id=ZONE, base_url=stand.url, urls=urls(2), **FAST)
    results = {'check mode': purge('cloudflare', check_mode=True, token='accepted-token', **common),
               'real run': purge('cloudflare', token='accepted-token', **common),
               'refused': purge('cloudflare', token=TOKEN, retries=0, **common)}
    documented = yaml.safe_load(purge_module.RETURN)
    assert sorted(set(documented) - STANDARD_KEYS) == sorted(_keys(results))
    wrong = []
    for name, doc in documented.items():
        for scenario, result in results.items():
            if name in result:
                wrong.extend('%s (%s): %s' % (name, scenario, w) for w in _sample_differences(doc, result[name]))
    assert wrong == []
    assert set(PURGE_DEFAULTS) <= set(yaml.safe_load(purge_module.DOCUMENTATION)['options'])


# -- examples --------------------------------------------------------------------------

def _tasks_of(node):
    """Every mapping in a parsed YAML document, depth first."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _tasks_of(value)
    elif isinstance(node, list):
        for value in node:
            yield from _tasks_of(value)


def _yaml_blocks(path):
    return [yaml.safe_load(block) for block in re.findall(r'^```yaml\n(.*?)^```', _read(path), re.S | re.M)]


@pytest.mark.parametrize('source', ['symlink_or_copy EXAMPLES', 'purge EXAMPLES', 'README.md', 'roles/mirror/README.md'])
def test_examples_use_only_documented_options(source):
    modules = {'cdn.origin.symlink_or_copy': symlink_or_copy, 'cdn.origin.purge': purge_module}
    if source.endswith('EXAMPLES'):
        documents = [yaml.safe_load(modules['cdn.origin.' + source.split()[0]].EXAMPLES)]
    else:
        documents = _yaml_blocks(source)
    wrong = []
    for mapping in _tasks_of(documents):
        for fqcn, module in modules.items():
            if isinstance(mapping.get(fqcn), dict):
                options = _documentation(module)['options']
                wrong.extend('%s: %s is no option' % (fqcn, k) for k in sorted(set(mapping[fqcn]) - set(options)))
    assert wrong == []


def test_role_readme_inventory_examples_pass_the_argument_spec():
    spec, checked = _role_spec(), 0
    for block in _yaml_blocks('roles/mirror/README.md'):
        if isinstance(block, dict) and any(name.startswith('mirror_') for name in block):
            validated = ArgumentSpecValidator(spec).validate(dict(_role_defaults(), **block))
            assert (validated.error_messages, sorted(validated.unsupported_parameters)) == ([], [])
            checked += 1
    assert checked
