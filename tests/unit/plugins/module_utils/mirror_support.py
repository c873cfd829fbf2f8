# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cdn.origin maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Helpers shared by the engine's unit tests."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

# Everything a check-mode run must predict of the real run that follows it.
PREDICTED = ('changed', 'changes', 'summary', 'diff', 'skipped_entries', 'warnings', 'removals_pending',
             'parents_created')


def check_then_real(run, **options):
    """The real run's result, after asserting that check mode predicted it exactly."""
    preview = run(check_mode=True, **options)
    result = run(**options)
    assert not result.get('failed'), result
    for key in PREDICTED:
        assert preview.get(key) == result.get(key), key
    return result
