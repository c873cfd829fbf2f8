# -*- coding: utf-8 -*-
"""The role_variables module: which names are unknown, and how the warning names them."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.cdn.origin.plugins.modules.role_variables import unknown_names, warning


def test_unknown_names_are_sorted_with_their_likely_meaning():
    found = unknown_names(['mirror_trees', 'mirror_tree', 'mirror_default_prnue', 'mirror_zzz'],
                          ['mirror_trees', 'mirror_default_prune'])
    assert found == [('mirror_default_prnue', 'mirror_default_prune'), ('mirror_tree', 'mirror_trees'),
                     ('mirror_zzz', None)]
    assert warning('cdn.origin.mirror', found) == (
        'cdn.origin.mirror: unknown variable(s), ignored by the role: mirror_default_prnue (did you mean '
        'mirror_default_prune?), mirror_tree (did you mean mirror_trees?), mirror_zzz')


def test_known_names_alone_give_nothing():
    assert unknown_names(['mirror_trees'], ['mirror_trees', 'mirror_results']) == []
