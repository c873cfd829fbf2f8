# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cdn.origin maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which variables of a role's prefix the role does not know: for the role_variables module and the mirror_trees action."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import difflib


def unknown_names(given, known):
    """The names of `given` not in `known`, sorted, each with the known name it most likely stands for, or None."""
    # names share the role prefix: only a close match is a likely meaning
    known = sorted(set(known))
    return [(name, next(iter(difflib.get_close_matches(name, known, n=1, cutoff=0.8)), None))
            for name in sorted(set(given) - set(known))]


def warning(role, found):
    shown = ', '.join('%s (did you mean %s?)' % (name, hint) if hint else name for name, hint in found)
    return '%s: unknown variable(s), ignored by the role: %s' % (role, shown)
