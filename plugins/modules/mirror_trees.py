#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cdn.origin maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: mirror_trees
short_description: Mirror several trees of a host in one task, with summaries and the URLs to purge
version_added: 0.3.0
description:
  - The per-host step of the role C(cdn.origin.mirror), as an action on the controller that runs
    M(cdn.origin.symlink_or_copy) on the host once per tree of O(trees), in order.
  - Before any tree is mirrored, checks every tree (a C(src) that is neither a path nor a list of paths, a C(within)
    string with a comma, a purge O(purge.provider) other than V(webhook) without an absolute O(purge.base_url)); one
    refused tree fails the task and no tree is mirrored.
  - Creates O(state_dir) (mode C(0700)) when a tree uses its default record there.
  - A tree that fails does not stop the next ones; the task fails after the last, naming each failed tree.
  - Returns one summary line per tree and the URLs a cache may hold stale (as the filters
    P(cdn.origin.purge_urls#filter) and P(cdn.origin.purge_prefixes#filter) give them), worked out in Python.
  - One task per host instead of one per step, since every task costs each host of a play one round of the
    controller, whatever it does.
author:
  - cdn.origin maintainers (@cdn-origin)
options:
  trees:
    description:
      - The trees, as the role's C(mirror_trees) entries; every key but C(purge_prefix) is the module option of
        the same name (C(state_file) is the role's V(auto), V(always), a path or V("")).
      - A key that is left out takes its value from O(defaults).
    type: list
    elements: dict
    required: true
  defaults:
    description:
      - The value of each key a tree leaves out, by key (C(within), C(prune), C(max_delete), C(state_file)...).
      - V(null) or V("") for C(owner), C(group), C(mode) and C(directory_mode) leaves the attribute alone (so a
        tree's V(null) cancels a default); V(null) for C(max_delete) and C(workers) is the module's own default.
      - C(prune_grace) is passed to pruned trees only.
    type: dict
    default: {}
  defaults_prefix:
    description:
      - Take the default of each key that O(defaults) does not give from the variable of that name after this
        prefix, when the host has it (with V(mirror_default_), C(mirror_default_prune) for C(prune)), templated
        as any variable.
      - The role uses it, so that a key added here needs no line in the role's task.
    type: str
  state_dir:
    description:
      - Where the default record of a tree goes (C(state_file) V(always), or V(auto) with a C(prune_grace) above
        V(0)), as a file named from C(dest) (each run of other characters than letters, digits, C(.), C(_) and
        C(-) turned into one C(_), at most 80 characters, and 8 hex digits of the SHA-1 of C(dest)).
    type: str
    default: /var/lib/cdn-origin
  keep_changes:
    description:
      - Keep each tree's C(changes) in RV(results). V(false) drops them once the task has what it reports (the
        summaries, the URLs), for a caller that reads neither, as the role's C(tasks_from=publish) does; C(--diff)
        still shows them.
      - Each entry is an object the controller's main process converts for the callbacks, one host after the
        other (1,000 per tree about 12 ms per host on ansible-core 2.21).
    type: bool
    default: true
  purge:
    description: What the URLs to purge are made of.
    type: dict
    default: {}
    suboptions:
      provider:
        description:
          - The purge provider that will send them; any but V(webhook) needs an absolute O(purge.base_url), and a
            tree whose change list is cut is then named in a warning.
          - With a provider or a base URL, each tree's complete list of changed paths is asked for
            (O(cdn.origin.symlink_or_copy#module:purge_paths)).
        type: str
        default: ''
      base_url:
        description: Put before each tree's C(purge_prefix) and path, for example C(https://www.example.com).
        type: str
        default: ''
      index_files:
        description: File names whose directory is purged with them.
        type: list
        elements: str
        default: [index.html]
      default_prefix:
        description: The C(purge_prefix) of a tree without one.
        type: str
        default: ''
      quote:
        description: Percent-encode the paths (V(false) for the V(webhook) body, which carries paths).
        type: bool
        default: true
      complete:
        description:
          - How a purge (a O(purge.provider) or a O(purge.base_url)) gets the path of every change, since a cut list
            would leave stale URLs in the cache.
          - V(paths) asks each tree for O(cdn.origin.symlink_or_copy#module:purge_paths), plain strings that cost the
            controller a fraction of the change entries; each RV(results) entry's C(changes) stays cut at 1000.
          - V(changes) asks for every change entry (O(cdn.origin.symlink_or_copy#module:changes_limit=0)), for a
            caller that reads the C(changes) of RV(results) whole (the role's main entry point).
        type: str
        choices: [paths, changes]
        default: paths
      joined:
        description:
          - Register the URLs as one string, RV(purge_urls_joined), each URL ended by a NUL character, instead of the
            list RV(purge_urls).
          - For big fleets, since ansible-core 2.19 and later convert every element of a task's result for the
            callbacks, one host after the other in the controller's main process (10,000 URLs about 25 ms per host,
            one string nothing); the role does so, and splits it again where it needs the list.
        type: bool
        default: false
      keep_paths:
        description:
          - Keep each tree's C(purge_paths) in its result once the URLs are worked out, for a caller that builds
            something per tree from them.
          - V(false) drops them, so that the paths do not cross to the controller's main process a second time as
            their URLs do (the role, which reads only the URLs).
        type: bool
        default: true
  check_variables:
    description:
      - Warn, in one warning, about every variable whose name starts with O(check_variables.prefix) that the role
        does not know, each with the known name it most likely stands for.
    type: dict
    suboptions:
      role:
        description: The role named in the warning.
        type: str
        required: true
      prefix:
        description: The prefix of the role's variables, for example C(mirror_).
        type: str
        required: true
      role_path:
        description: A role whose C(defaults/main.yml), C(vars/main.yml) and entry points' options are known names.
        type: path
      known:
        description: More known names (the ones the role registers).
        type: list
        elements: str
        default: []
attributes:
  check_mode:
    support: full
    details: Runs every tree in check mode; the summaries say V(would change) and the URLs are what a real run purges.
  diff_mode:
    support: full
    details: The itemized diff of each changed tree.
  platform:
    platforms: posix
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
notes:
  - The role C(cdn.origin.mirror) is the usual way to use it; its README documents the tree keys and defaults.
  - An action on the controller (it runs the module on the host through the task's connection); it does not
    support C(async).
seealso:
  - module: cdn.origin.symlink_or_copy
  - module: cdn.origin.purge
'''

EXAMPLES = r'''
- name: Mirror two trees, the static one without pruning
  cdn.origin.mirror_trees:
    trees:
      - {dest: /srv/origin/site, src: /srv/build/site, within: [/srv/htdocs]}
      - {dest: /srv/origin/static, src: /srv/build/static, prune: false, purge_prefix: /static/}
    defaults:
      prune: true
      max_delete: "50%"
    purge:
      base_url: https://www.example.com
  register: mirrored

- name: Show what changed
  ansible.builtin.debug:
    msg: "{{ mirrored.summaries | map(attribute='msg') | list }}"

- name: Purge it
  cdn.origin.purge:
    provider: http_purge
    endpoint: http://127.0.0.1:6081
    urls: "{{ mirrored.purge_urls }}"
  when: mirrored.purge_urls | length > 0
'''

RETURN = r'''
results:
  description:
    - One entry per tree, in order, the result of M(cdn.origin.symlink_or_copy) for it (see its return values)
      with the tree as C(mirror_tree).
    - A tree refused by the checks has C(failed) and C(msg), the others C(skipped); a tree not run because the
      host could no longer be reached has C(skipped).
  returned: always
  type: list
  elements: dict
summaries:
  description:
    - "For each tree that ran, its C(dest), whether it C(changed) or C(failed), and one readable line (C(msg)), for
      example V(/srv/origin changed: 1 symlinked, 0 copied, 1 updated, 4 removed, 1 directories created, 0 skipped,
      7 unchanged), V(would change) in check mode, V(DEST FAILED: reason) for a tree that failed."
  returned: always
  type: list
  elements: dict
  sample:
    - dest: /srv/origin
      changed: false
      failed: false
      msg: "/srv/origin unchanged: 0 symlinked, 0 copied, 0 updated, 0 removed, 0 directories created, 0 skipped, 12 unchanged"
purge_urls:
  description: The URLs to purge, each once, in the order of the changes (see P(cdn.origin.purge_urls#filter)).
  returned: always, unless O(purge.joined)
  type: list
  elements: str
  sample: [https://www.example.com/index.html, https://www.example.com/]
purge_urls_joined:
  description: With O(purge.joined), the URLs of RV(purge_urls) as one string, each URL ended by a NUL character.
  returned: with O(purge.joined)
  type: str
  sample: "https://www.example.com/index.html\0https://www.example.com/\0"
purge_prefixes:
  description:
    - The prefix URL of each changed tree whose change list was cut (without O(purge.provider) or
      O(purge.base_url), at 1000 changes), to purge as a whole (see P(cdn.origin.purge_prefixes#filter)).
  returned: always
  type: list
  elements: str
  sample: []
unknown_variables:
  description: The names warned about by O(check_variables), sorted.
  returned: always
  type: list
  elements: str
  sample: [mirror_tree]
'''
