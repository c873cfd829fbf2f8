# -*- coding: utf-8 -*-
"""Wall time of each task (from its start to the next task's), slowest first, at the end of the run.

ansible-core has no profile_tasks (that is ansible.posix); bench/fleet_bench.py enables this one instead.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = '''
name: task_times
type: aggregate
short_description: wall time per task, slowest first
description: Prints each task's wall time (until the next task starts) at the end of the run.
requirements: [enable in configuration]
'''


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'task_times'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super(CallbackModule, self).__init__()
        self._times = []

    def _start(self, name):
        now = time.monotonic()
        if self._times:
            self._times[-1][1] = now - self._times[-1][1]
        self._times.append([name, now])

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._start(task.get_name())

    def v2_playbook_on_handler_task_start(self, task):
        self._start(task.get_name())

    def v2_playbook_on_stats(self, stats):
        self._start(None)
        self._times.pop()
        for name, seconds in sorted(self._times, key=lambda t: -t[1]):
            self._display.display('task_times: %s ---- %.2fs' % (name, seconds))
