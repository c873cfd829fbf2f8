# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cdn.origin maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Appends {host, end} to $MOLECULE_EPHEMERAL_DIRECTORY/mirror-times.jsonl when a host's
mirror task ends (cdn.origin.mirror_trees, all its trees), so the scenario can check that the fleet
purge came after the last origin finished mirroring (the stand-in records when each request came).
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = '''
name: mirror_times
type: aggregate
short_description: when each host's mirror task ended
description: Appends one JSON line per host and mirror task to MOLECULE_EPHEMERAL_DIRECTORY/mirror-times.jsonl.
requirements: [enable in configuration]
'''

MIRROR_ACTIONS = ('cdn.origin.mirror_trees', 'mirror_trees')


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'mirror_times'
    CALLBACK_NEEDS_ENABLED = True

    def _record(self, result):
        task = result._task  # pylint: disable=protected-access
        if task.action not in MIRROR_ACTIONS:
            return
        entry = {'host': result._host.get_name(), 'end': time.time()}  # pylint: disable=protected-access
        with open(os.path.join(os.environ['MOLECULE_EPHEMERAL_DIRECTORY'], 'mirror-times.jsonl'), 'a') as f:
            f.write(json.dumps(entry) + '\n')

    def v2_runner_on_ok(self, result):
        self._record(result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result)
