# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cdn.origin maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import shutil

import pytest
from hypothesis import HealthCheck, Phase, settings

from adversarial_support import SECRET, fresh_dir, snapshot, write

# CI: a fixed, bounded search (derandomize => the same examples every run) that
# reports a failing example as found: shrinking it can take minutes, so that is
# left to FUZZ=long (make fuzz), a long search with fresh randomness each time.
settings.register_profile('ci', max_examples=200, stateful_step_count=25, derandomize=True, deadline=None,
                          phases=[Phase.explicit, Phase.generate], suppress_health_check=[HealthCheck.too_slow])
settings.register_profile('long', max_examples=5000, stateful_step_count=50, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile('long' if os.environ.get('FUZZ') == 'long' else 'ci')


@pytest.fixture
def shm():
    path = fresh_dir('cdn-adv-')
    yield path
    shutil.rmtree(path)


class World:
    """src (the untrusted tree), a trusted `within` tree, `outside` (secrets), dest."""

    def __init__(self, base):
        self.base = base
        self.src = os.path.join(base, 'src')
        self.within = os.path.join(base, 'htdocs')
        self.outside = os.path.join(base, 'outside')
        self.dest = os.path.join(base, 'dest')
        self.secret = os.path.join(self.outside, 'shadow')
        for path in (self.src, self.within, self.outside):
            os.mkdir(path)
        write(self.secret, SECRET, mode=0o600)
        write(os.path.join(self.outside, 'etc', 'passwd'), SECRET, mode=0o644)
        write(os.path.join(self.outside, 'etc', 'index.html'), SECRET, mode=0o644)
        write(os.path.join(self.outside, 'evil', 'page'), SECRET, mode=0o644)
        self._outside_before = snapshot(self.outside)

    def path(self, *parts):
        return os.path.join(self.base, *parts)

    def outside_untouched(self):
        return snapshot(self.outside) == self._outside_before


@pytest.fixture
def world(shm):
    return World(shm)
