# -*- coding: utf-8 -*-
# Makes `ansible_collections.cdn.origin` importable under plain pytest, so the
# engine is tested without ansible-test (which sets this path up itself).
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import sys

try:
    import ansible_collections.cdn.origin  # noqa: F401  pylint: disable=unused-import
except ImportError:
    _REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    _ROOT = os.path.join(_REPO, '.tmp', 'collections')
    _LINK = os.path.join(_ROOT, 'ansible_collections', 'cdn', 'origin')
    if not os.path.islink(_LINK):
        os.makedirs(os.path.dirname(_LINK), exist_ok=True)
        os.symlink(_REPO, _LINK)
    sys.path.insert(0, _ROOT)
