# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cdn.origin maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A CDN edge pulling from dest during a deploy: the reader of test_deploy_consistency.py and bench/deploy_bench.py.

    python deploy_reader.py DEST STOP [PAGE]...

Reads each PAGE (a path relative to DEST, default index.html) in turn and
looks up every asset it names (whitespace-separated paths relative to
DEST/static) until the file STOP exists (or a bound is reached), and then
once more; creates
STOP.ready once every page has been read once, so a deploy started after it
is watched from its first change. A page whose assets are missing is broken,
unless the page changed meanwhile: the reader then held the page before,
whose assets a prune removes after the switch (that is prune_grace's matter),
and the read counts as stale. Prints one JSON object: reads, broken, stale,
pages (distinct page contents seen), first (the first missing asset), sweeps,
changed (pages seen with another content than at the start) and window (the
seconds from the first page seen changed to the last, to within one sweep,
whose median length is sweep_seconds).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import sys
import time

SECONDS = 120
MAX_READS = 2000000


def main(argv):
    dest, stop = argv[0], argv[1]
    pages = [os.path.join(dest, page) for page in (argv[2:] or ['index.html'])]
    static = os.path.join(dest, 'static')
    reads = broken = stale = sweeps = 0
    contents = set()
    first_broken = None
    initial = {}
    changed_at = {}
    sweep_times = []
    end = time.monotonic() + SECONDS
    last = False
    while not last:
        # one more sweep once told to stop: a change made just before the end is seen, at most a sweep late
        last = os.path.exists(stop) or time.monotonic() >= end or reads >= MAX_READS
        started = time.monotonic()
        for index in pages:
            with open(index) as f:
                page = f.read()
            names = page.split()
            missing = [n for n in names if not os.path.exists(os.path.join(static, n))]
            reads += 1
            contents.add(page)
            if index not in initial:
                initial[index] = page
            elif index not in changed_at and page != initial[index]:
                changed_at[index] = time.monotonic()
            if missing:
                with open(index) as f:
                    if f.read() == page:
                        broken += 1
                        first_broken = first_broken or missing[0]
                    else:
                        stale += 1
        sweeps += 1
        sweep_times.append(time.monotonic() - started)
        if sweeps == 1:
            with open(stop + '.ready', 'w'):
                pass
    sweep_times.sort()
    seen = sorted(changed_at.values())
    print(json.dumps({'reads': reads, 'broken': broken, 'stale': stale, 'pages': len(contents), 'first': first_broken,
                      'sweeps': sweeps, 'changed': len(seen), 'window': seen[-1] - seen[0] if seen else None,
                      'sweep_seconds': sweep_times[len(sweep_times) // 2] if sweep_times else None}))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
