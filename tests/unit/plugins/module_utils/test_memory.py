# -*- coding: utf-8 -*-
# What the planner holds for one wide directory: its listings' names and little more.
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import tracemalloc

import pytest

ENTRIES = 10000
# Two copies of a short name (in the merged listing and the link targets'
# listing) and their table slots come to about 250 bytes: a DirEntry per
# name and tree, or a Decision per new file held to the level's end, to 600
# and more.
BYTES_PER_ENTRY = 400


@pytest.fixture
def wide(tmp_path):
    """One build directory of ENTRIES names: links to htdocs files, every tenth a file of its own."""
    for d in ('htdocs', 'build'):
        os.mkdir(str(tmp_path / d))
    for i in range(ENTRIES):
        name = 'f%06d.css' % i
        original = str(tmp_path / 'htdocs' / name)
        with open(original, 'wb') as f:
            f.write(b'o')
        if i % 10:
            os.symlink(original, str(tmp_path / 'build' / name))
        else:
            with open(str(tmp_path / 'build' / name), 'wb') as f:
                f.write(b'm')
    return tmp_path


def _peak_per_entry(run, **options):
    tracemalloc.start()
    try:
        result = run(workers=1, diff=False, **options)
        return result, tracemalloc.get_traced_memory()[1] // ENTRIES
    finally:
        tracemalloc.stop()


def test_a_wide_directory_is_planned_in_little_memory_per_entry(wide, run):
    first, peak = _peak_per_entry(run)
    assert first['summary']['symlinked'] == ENTRIES * 9 // 10
    assert peak < BYTES_PER_ENTRY, 'first mirror: %d bytes per entry' % peak
    again, peak = _peak_per_entry(run)
    assert again['summary']['unchanged'] == ENTRIES and not again['changed']
    assert peak < BYTES_PER_ENTRY, 'no-op rerun: %d bytes per entry' % peak
