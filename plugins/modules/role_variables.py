#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cdn.origin maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: role_variables
short_description: Warn about variables of a role's prefix that the role does not know
version_added: 0.2.0
description:
  - Compares the variables defined for a host (O(given)) with the ones a role knows (O(known)) and issues one
    warning listing every unknown name, each with the known name it most likely stands for.
  - The role C(cdn.origin.mirror) uses it, so a top-level C(mirror_tree) (for
    C(mirror_trees)) or C(mirror_default_prnue) is reported instead of silently ignored.
  - Changes nothing and never fails on unknown names.
author:
  - cdn.origin maintainers (@cdn-origin)
options:
  role:
    description: The role the variables are for, named in the warning.
    type: str
    required: true
  given:
    description: The names defined, for example C(query('ansible.builtin.varnames', '^mirror_')).
    type: list
    elements: str
    default: []
  known:
    description: The names the role knows (its defaults, vars, argument spec options and registered results).
    type: list
    elements: str
    default: []
attributes:
  check_mode:
    support: full
    details: Changes nothing in any mode.
  diff_mode:
    support: none
  platform:
    platforms: posix
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
'''

EXAMPLES = r'''
- name: Warn about unknown mirror_* variables
  cdn.origin.role_variables:
    role: cdn.origin.mirror
    given: "{{ query('ansible.builtin.varnames', '^mirror_') }}"
    known: [mirror_trees, mirror_default_prune]
'''

RETURN = r'''
unknown:
  description: The names of O(given) that are not in O(known), sorted.
  returned: always
  type: list
  elements: str
  sample: [mirror_tree]
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.cdn.origin.plugins.module_utils.role_variables import unknown_names, warning


def main():
    module = AnsibleModule(
        argument_spec=dict(
            role=dict(type='str', required=True),
            given=dict(type='list', elements='str', default=[]),
            known=dict(type='list', elements='str', default=[]),
        ),
        supports_check_mode=True,
    )
    found = unknown_names(module.params['given'], module.params['known'])
    if found:
        module.warn(warning(module.params['role'], found))
    module.exit_json(changed=False, unknown=[name for name, _hint in found])


if __name__ == '__main__':
    main()
