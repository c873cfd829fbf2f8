# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cdn.origin maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The read-only planning pass, spread over forked worker processes.

A rerun that changes nothing still reads every entry of both trees; its
cost is system calls and the interpreter's time per entry, not the disk, and
one process uses one CPU (rsync runs a sender and a receiver for the same
reason). The first levels are planned here until there are a few subtrees
per worker. Workers, forked with the planner as it stands, take chunks of
subtrees off a shared queue as they become free, plan them with their own
copy of the Planner and stream the decisions back in batches. This process
reads them back in walk order, with each subtree's errors, conflicts and
prune roots, so its caller sees exactly what the serial walk would yield.
Nothing writes while this runs: only the read-only planning pass uses it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import pickle
import struct

from ansible_collections.cdn.origin.plugins.module_utils.plan import Decision, guarded

# Subtrees wanted per worker before forking: workers that finish a small one
# take the next, so a few each even out subtrees of any size.
FANOUT = 4
# Decisions and subtrees held here before forking at most; past it the tree
# is split as it stands, so a huge flat directory costs no memory.
FRONTIER_LIMIT = 20000
# Levels planned here at most before forking: a tree that has not split into
# two subtrees by then (a single deep chain) is planned by this process alone,
# as a serial walk is, instead of a level at a time here first.
FRONTIER_LEVELS = 8
BATCH = 512
# Subtrees are queued in at most this many chunks: their numbers fit the one
# page a pipe is guaranteed to hold, so queueing them never blocks.
MAX_CHUNKS = 1024
_CHUNK = struct.Struct('=I')
_CLAIM = struct.Struct('=II')


class _Notes(tuple):
    """A level's errors, conflicts and prune roots, kept at its place in walk order."""


def entries(planner, workers):
    """The planner's decisions in walk order, planned by up to `workers` processes (2 or more; a tree, not a single
    file: engine._entries plans the rest alone); its counters and notes end up as the serial walk leaves them."""
    items = _frontier(planner, workers * FANOUT)
    tasks = [item for item in items if _is_task(item)]
    if len(tasks) < 2:
        yield from _serial(planner, items)
    else:
        yield from _forked(planner, items, tasks, workers)


def _is_task(item):
    return not isinstance(item, (Decision, _Notes))


def _frontier(planner, want):
    """Plan level after level until there are `want` subtrees left, they are all planned, or FRONTIER_LEVELS are.

    A subtree below a followed directory link is left whole: the fan-out
    count (Planner._enter) is taken in its walk order, by one process.
    """
    items = planner.start()
    for _level in range(FRONTIER_LEVELS):
        tasks = sum(1 for item in items if _is_task(item))
        if tasks >= want or len(items) > FRONTIER_LIMIT or not any(_splittable(item) for item in items):
            break
        expanded = []
        for item in items:
            if _splittable(item):
                inner = planner.level(item)
                expanded.append(_Notes(planner.take_notes()))
                expanded.extend(inner)
            else:
                expanded.append(item)
        items = expanded
    return items


def _splittable(item):
    return _is_task(item) and all(layer.scope is None for layer in item[1])


def _in_order(planner, items, plan_subtree):
    """Replay `items`: decisions out, notes onto the planner, and each subtree from plan_subtree(index, task)."""
    index = 0
    for item in items:
        if isinstance(item, Decision):
            yield item
        elif isinstance(item, _Notes):
            planner.add_notes(item)
        else:
            # a subtree's notes land on the planner after what came before it
            yield from plan_subtree(index, item)
            index += 1


def _serial(planner, items):
    return _in_order(planner, items, lambda _index, task: planner.subtree(task))


def _forked(planner, items, tasks, workers):
    per_chunk = -(-len(tasks) // MAX_CHUNKS)
    chunks = -(-len(tasks) // per_chunk)
    queue_r, queue_w = os.pipe()
    os.write(queue_w, b''.join(_CHUNK.pack(c) for c in range(chunks)))
    os.close(queue_w)
    claims_r, claims_w = os.pipe()
    readers, pids = [], []
    try:
        for k in range(workers):
            read_fd, write_fd = os.pipe()
            try:
                pid = os.fork()
            except OSError:
                # out of processes: those forked so far take every chunk
                os.close(read_fd)
                os.close(write_fd)
                break
            if pid == 0:
                for fd in [read_fd, claims_r] + [reader.fileno() for reader in readers]:
                    os.close(fd)
                _work(planner, k, tasks, per_chunk, queue_r, claims_w, write_fd)
            pids.append(pid)
            os.close(write_fd)
            readers.append(os.fdopen(read_fd, 'rb'))
        os.close(claims_w)
        claims_w = None
        if not pids:
            yield from _serial(planner, items)
            return
        owners = {}

        def answer(index, task):
            owner = _owner(claims_r, owners, index // per_chunk)
            whole = False
            if owner is not None:
                whole = yield from _receive(planner, readers[owner], index)
            if not whole:
                planner.errors.append((task[1][-1].path, 'the process planning this directory ended without an answer'))

        yield from _in_order(planner, items, answer)
    finally:
        for fd in (queue_r, claims_r, claims_w):
            if fd is not None:
                os.close(fd)
        # a worker still writing sees its pipe closed and exits
        for reader in readers:
            reader.close()
        for pid in pids:
            os.waitpid(pid, 0)


def _owner(claims_r, owners, chunk):
    """The worker that took `chunk` off the queue, or None when every worker is gone without it."""
    while chunk not in owners:
        record = _read_exact(claims_r, _CLAIM.size)
        if record is None:
            return None
        claimed, worker = _CLAIM.unpack(record)
        owners[claimed] = worker
    return owners[chunk]


def _read_exact(fd, size):
    data = b''
    while len(data) < size:
        more = os.read(fd, size - len(data))
        if not more:
            return None
        data += more
    return data


def _receive(planner, reader, index):
    """Yield one subtree's decisions as they arrive; return whether it arrived whole."""
    while True:
        try:
            got, batch, notes, unchanged, dest_entries, done = pickle.load(reader)
        except (EOFError, pickle.UnpicklingError):
            return False
        if got != index:
            return False
        planner.add_notes(notes)
        planner.unchanged += unchanged
        planner.dest_entries += dest_entries
        yield from batch
        if done:
            return True


def _work(planner, worker, tasks, per_chunk, queue_r, claims_w, fd):
    """A worker's life: take chunks of subtrees off the queue, plan and stream them, exit without returning."""
    status = 1
    try:
        out = os.fdopen(fd, 'wb')
        # the parent has counted what it planned itself; each answer carries the worker's own counts
        planner.unchanged = planner.dest_entries = 0
        while True:
            record = os.read(queue_r, _CHUNK.size)
            if len(record) < _CHUNK.size:
                break
            chunk, = _CHUNK.unpack(record)
            os.write(claims_w, _CLAIM.pack(chunk, worker))
            for index in range(chunk * per_chunk, min(len(tasks), (chunk + 1) * per_chunk)):
                _plan_task(planner, index, tasks[index], out)
        out.close()
        status = 0
    finally:
        # never return into the caller's code, nor run its exit handlers, from a forked child
        os._exit(status)


def _plan_task(planner, index, task, out):
    batch = []
    if planner.state is not None:
        # the served-tree record's blocks go to the process that writes it, a bounded amount at a time
        planner.state.send = lambda: _send(out, index, [], planner, False)
    # the serial walk would stop at such an error; the run fails on it either way
    for decision in guarded(planner.subtree(task), planner.errors, task[1][-1].path):
        batch.append(decision)
        if len(batch) >= BATCH:
            _send(out, index, batch, planner, False)
            batch = []
    _send(out, index, batch, planner, True)


def _send(out, index, batch, planner, done):
    pickle.dump((index, batch, planner.take_notes(), planner.unchanged, planner.dest_entries, done), out,
                pickle.HIGHEST_PROTOCOL)
    planner.unchanged = planner.dest_entries = 0
