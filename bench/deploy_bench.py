"""Issue 13's tables: deploy consistency, the cost of phased apply and of state_file, and the disk (ext4) rows.

    deploy_bench.py [--only consistency,phases,state,ext4] [--sizes 10000,100000] [--runs N] [--disk-runs N]
                    [--baseline COMMIT] [--disk DIR] [--workdir DIR] [--out FILE]

Every comparison runs its contenders in turn, A B A B ..., each after the
same preparation, and takes the ratio pair by pair: the machines are shared,
and a ratio of two runs side by side moves less than either time. Each
figure is given as min / median / max of its runs. Writes FILE (default
bench/results-consistency.md) and FILE's .json with every run.

- consistency: a content-hashed site (assets under static/, pages under
  pages/ naming four assets each) deployed v1 -> v2 -> v1 ... (1% of the files
  changed each time: half of them pages rewritten, half assets replaced by
  ones of another name) by the engine (prune: true), `rsync -a --delete` and
  `rsync -a --delay-updates --delete-delay`, while the reader of
  tests/adversarial/deploy_reader.py reads every changed page and looks up
  its assets. Broken reads, and the window from the first page seen changed
  to the last.
- phases: this checkout's engine against the one before phased apply landed
  (--baseline, default 1b7d53b^), first mirror and 1%-touched rerun.
- state: a no-op rerun with state_file against one without, engine and
  module (ansible-playbook).
- ext4: on a disk file system (--disk, default the first ext4 directory
  found), first mirror, first mirror of a tree of 99% copies, and its no-op
  rerun, the engine with fsync on and off beside `cp -a` and `rsync -a`.
"""

import argparse
import datetime
import hashlib
import json
import os
import platform
import resource
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(BENCH)
PYTHON = sys.executable
READER = os.path.join(REPO, 'tests', 'adversarial', 'deploy_reader.py')
# the last commit before "apply in phases" (1b7d53b) changed the engine
BASELINE = '1b7d53b^'
MTIME = 1767225600
NAMED = 4
# ext4 keeps an inode it freed less than 5 s ago (10 s while its block is dirty) from reuse, and scans for
# another: a tree created right after one was deleted is slowed by that scan, not by its writer (perf: most
# of the time in recently_deleted() under ext4_create). The disk rows sync and wait this long before a first mirror.
EXT4_SETTLE = 11


def run_timed(command, **kwargs):
    """(wall seconds, cpu seconds of the children) of one command, which must succeed."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False, **kwargs)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode:
        raise SystemExit('failed (%d): %s\n%s' % (done.returncode, shlex.join(command), done.stderr.decode()[-2000:]))
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def spread(values, fmt='%.3f'):
    values = sorted(v for v in values if v is not None)
    if not values:
        return 'n/a'
    return '%s / %s / %s' % (fmt % values[0], fmt % values[len(values) // 2], fmt % values[-1])


def median(values):
    values = sorted(values)
    return values[len(values) // 2]


def sureness(ratios, goal=None):
    """How sure a ratio is: its pairs' range, and where that range lies against 1 (and the goal)."""
    low, high = min(ratios), max(ratios)
    if high < 1:
        where = 'every pair below 1x'
    elif low > 1:
        where = 'every pair above 1x'
    else:
        where = 'pairs on both sides of 1x: no difference shown'
    if goal is not None:
        if high <= goal:
            where += '; every pair within the goal (%.2fx)' % goal
        elif low > goal:
            where += '; every pair past the goal (%.2fx)' % goal
        else:
            where += '; goal (%.2fx) inside the range' % goal
    return where


def paired(contenders, runs, prepare=None, log=None):
    """{name: [(wall, cpu)]} with the contenders [(name, command)] run in turn, each after prepare(name)."""
    times = {name: [] for name, _command in contenders}
    for index in range(runs):
        for name, command in contenders:
            if prepare:
                prepare(name)
            times[name].append(run_timed(command))
            if log:
                print('  %s run %d: %.3f s wall, %.3f s cpu' % ((name, index + 1) + times[name][-1]), flush=True)
    return times


def ratios(times, a, b, which=0):
    return [x[which] / y[which] for x, y in zip(times[a], times[b])]


# -- the collections timed ---------------------------------------------------------------

def collection(workdir, name, commit=None):
    """A collections directory holding ansible_collections/cdn/origin: this checkout, or `commit`'s plugins."""
    root = os.path.join(workdir, 'collections-' + name)
    place = os.path.join(root, 'ansible_collections', 'cdn', 'origin')
    os.makedirs(os.path.dirname(place), exist_ok=True)
    if commit is None:
        os.symlink(REPO, place)
    else:
        os.makedirs(place)
        archive = subprocess.run(['git', '-C', REPO, 'archive', commit, 'plugins'], stdout=subprocess.PIPE, check=True)
        subprocess.run(['tar', '-x', '-C', place], input=archive.stdout, check=True)
    subprocess.run([PYTHON, '-m', 'compileall', '-q', os.path.join(place, 'plugins')], check=True)
    return root


def engine(collections, src, dest, *extra):
    return [PYTHON, os.path.join(BENCH, 'engine_run.py'), collections, src, dest] + list(extra)


def gen_tree(root, files, outside=None):
    command = [PYTHON, os.path.join(BENCH, 'gen_tree.py'), root, '--files', str(files)]
    if outside is not None:
        command += ['--outside', str(outside)]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return os.path.join(root, 'build'), os.path.join(root, 'htdocs'), os.path.join(root, 'touch.list')


def touch(listing):
    subprocess.run(['xargs', '-0', '-a', listing, 'touch', '--'], check=True)


# -- consistency ---------------------------------------------------------------------------

def _asset(i, version):
    body = b'/* asset %d version %d */\n' % (i, version)
    return 'd%03d/a%s.js' % (i % 500, hashlib.sha256(body).hexdigest()[:16]), body


def site(root, files):
    """Trees v1 and v2 of a site of `files` files, 1% of them changed from one to the other.

    Returns the changed pages (relative to dest), which the reader watches.
    """
    pages = max(files // 20, 40)
    assets = files - pages
    changed = max(files // 200, 10)
    for version in (1, 2):
        src = os.path.join(root, 'v%d' % version)
        if os.path.exists(src):
            shutil.rmtree(src)
        names = []
        for i in range(assets):
            # the first `changed` assets have a new version (a new name) in v2
            name, body = _asset(i, version if i < changed else 1)
            names.append(name)
            path = os.path.join(src, 'static', name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, 'wb') as f:
                f.write(body)
            os.utime(path, (MTIME, MTIME))
        for p in range(pages):
            # page p names asset p (one of the changed ones for the first `changed` pages) and three that never change
            named = [names[p % assets]] + [names[changed + (p * 7 + k) % (assets - changed)] for k in range(1, NAMED)]
            path = os.path.join(src, 'pages', 'd%03d' % (p % 100), 'p%05d.html' % p)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, 'w') as f:
                f.write(' '.join(named) + '\n')
            # a rewritten page of the same size must still look changed to a size-and-mtime check
            stamp = MTIME + (version if p < changed else 0)
            os.utime(path, (stamp, stamp))
    return [os.path.join('pages', 'd%03d' % (p % 100), 'p%05d.html' % p) for p in range(changed)], changed


def watched_deploy(command, dest, watch, stop):
    """Run one deploy while the reader watches `watch`; (wall seconds, the reader's counts)."""
    for path in (stop, stop + '.ready'):
        if os.path.exists(path):
            os.unlink(path)
    reader = subprocess.Popen([PYTHON, READER, dest, stop] + watch, stdout=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while not os.path.exists(stop + '.ready'):
            if reader.poll() is not None or time.monotonic() > deadline:
                raise SystemExit('the reader did not start')
            time.sleep(0.01)
        wall, _cpu = run_timed(command)
    finally:
        with open(stop, 'w'):
            pass
        out, _err = reader.communicate(timeout=180)
    return wall, json.loads(out)


def consistency(workdir, collections, sizes, runs):
    rows = []
    for files in sizes:
        root = os.path.join(workdir, 'site-%d' % files)
        watch, changed = site(root, files)
        stop = os.path.join(root, 'stop')
        tools = [
            ('module', 'symlink_or_copy engine, prune: true',
             lambda src, dest: engine(collections, src, dest, '--prune')),
            ('rsync', 'rsync -a --delete', lambda src, dest: ['rsync', '-a', '--delete', src + '/', dest + '/']),
            ('rsync-delay', 'rsync -a --delay-updates --delete-delay',
             lambda src, dest: ['rsync', '-a', '--delay-updates', '--delete-delay', src + '/', dest + '/']),
        ]
        results = {name: [] for name, _label, _command in tools}
        for name, _label, command in tools:
            dest = os.path.join(root, 'dest-' + name)
            shutil.rmtree(dest, ignore_errors=True)
            run_timed(command(os.path.join(root, 'v1'), dest))
        print('== consistency, %d files: %d pages and %d assets changed per deploy' % (files, changed, changed),
              flush=True)
        for index in range(runs):
            version = 2 if index % 2 == 0 else 1
            for name, _label, command in tools:
                dest = os.path.join(root, 'dest-' + name)
                wall, seen = watched_deploy(command(os.path.join(root, 'v%d' % version), dest), dest, watch, stop)
                if seen['changed'] != len(watch):
                    print('  warning: %s run %d: the reader saw %d of %d pages change'
                          % (name, index + 1, seen['changed'], len(watch)))
                results[name].append(dict(seen, wall=wall))
                print('  %s run %d: %.2f s, %d reads, %d broken, window %s s' % (
                    name, index + 1, wall, seen['reads'], seen['broken'],
                    '%.4f' % seen['window'] if seen['window'] is not None else '-'), flush=True)
        for name, label, _command in tools:
            rows.append({'size': files, 'tool': name, 'label': label, 'changed': changed, 'runs': results[name]})
        shutil.rmtree(root)
    return rows


def consistency_table(rows):
    lines = ['| files | deployer | deploys | reads (min / median / max) | broken reads, all deploys | broken reads '
             'per deploy (min / median / max) | window s (min / median / max) | x rsync --delay-updates window '
             '(median of pairs) | deploy s (min / median / max) | reader sweep s (median) |',
             '| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |']
    by = {(row['size'], row['tool']): row for row in rows}
    for row in rows:
        runs = row['runs']
        delay = by.get((row['size'], 'rsync-delay'))
        versus = ''
        if delay and row['tool'] != 'rsync-delay':
            pairs = [a['window'] / b['window'] for a, b in zip(runs, delay['runs'])
                     if a['window'] is not None and b['window']]
            versus = '%.2fx' % median(pairs) if pairs else ''
        lines.append('| {:,} | {} | {} | {} | {} | {} | {} | {} | {} | {} |'.format(
            row['size'], row['label'], len(runs), spread([r['reads'] for r in runs], '%d'),
            sum(r['broken'] for r in runs), spread([r['broken'] for r in runs], '%d'),
            spread([r['window'] for r in runs], '%.4f'), versus, spread([r['wall'] for r in runs], '%.2f'),
            '%.4f' % median([r['sweep_seconds'] for r in runs])))
    return '\n'.join(lines)


# -- phased apply, state_file ---------------------------------------------------------------

def phases(workdir, current, baseline, sizes, runs):
    rows = []
    for files in sizes:
        src, within, listing = gen_tree(os.path.join(workdir, 'tree-%d' % files), files)
        dests = {'phased': os.path.join(workdir, 'out-phased'), 'before': os.path.join(workdir, 'out-before')}
        contenders = [(name, engine(coll, src, dests[name], '--within', within))
                      for name, coll in (('phased', current), ('before', baseline))]
        print('== phased apply, %d files: first mirror' % files, flush=True)
        first = paired(contenders, runs, lambda name: shutil.rmtree(dests[name], ignore_errors=True), log=True)
        print('== phased apply, %d files: rerun, 1%% touched' % files, flush=True)
        rerun = paired(contenders, runs, lambda name: touch(listing), log=True)
        for scenario, times in (('first mirror', first), ('rerun, 1% touched', rerun)):
            rows.append({'size': files, 'scenario': scenario, 'times': times})
        for dest in dests.values():
            shutil.rmtree(dest, ignore_errors=True)
    return rows


def ratio_table(rows, a, b, a_label, b_label, goal):
    lines = ['| files | scenario | runs | %s s (min / median / max) | %s s (min / median / max) | wall ratio pair by pair '
             '(min / median / max) | cpu ratio (min / median / max) | how sure |' % (a_label, b_label),
             '| ---: | --- | ---: | ---: | ---: | ---: | ---: | --- |']
    for row in rows:
        times = row['times']
        wall = ratios(times, a, b)
        cpu = ratios(times, a, b, 1)
        lines.append('| {:,} | {} | {} | {} | {} | {} | {} | {} |'.format(
            row['size'], row['scenario'], len(wall), spread([t[0] for t in times[a]]), spread([t[0] for t in times[b]]),
            spread(wall, '%.2fx'), spread(cpu, '%.2fx'), 'wall: %s; cpu: %s' % (sureness(wall, goal), sureness(cpu, goal))))
    return '\n'.join(lines)


def state_cost(workdir, collections, sizes, runs, playbook):
    rows = []
    for files in sizes:
        src, within, _listing = gen_tree(os.path.join(workdir, 'tree-%d' % files), files)
        dest = os.path.join(workdir, 'out-state')
        record = os.path.join(workdir, 'state-%d.record' % files)
        shutil.rmtree(dest, ignore_errors=True)
        base = engine(collections, src, dest, '--within', within)
        run_timed(base + ['--state-file', record])
        run_timed(base + ['--state-file', record])
        print('== state_file, %d files: no-op rerun, engine' % files, flush=True)
        rows.append({'size': files, 'scenario': 'no-op rerun, engine in-process',
                     'times': paired([('with', base + ['--state-file', record]), ('without', base)], runs, log=True)})
        if playbook:
            module = playbook + ['-e', 'bench_src=' + src, '-e', 'bench_dest=' + dest, '-e', 'bench_within=' + within]
            print('== state_file, %d files: no-op rerun, module through ansible-playbook' % files, flush=True)
            rows.append({'size': files, 'scenario': 'no-op rerun, module through ansible-playbook',
                         'times': paired([('with', module + ['-e', 'bench_state_file=' + record]), ('without', module)],
                                         runs, log=True)})
        shutil.rmtree(dest, ignore_errors=True)
    return rows


# -- ext4 ----------------------------------------------------------------------------------

def fs_type(path):
    # findmnt names the driver (ext4); stat -f only the superblock magic, which ext2, ext3 and ext4 share
    return subprocess.run(['findmnt', '-n', '-o', 'FSTYPE', '--target', path], capture_output=True, text=True,
                          check=False).stdout.strip()


def find_disk():
    """A writable directory on ext4: the checkout's .tmp first."""
    os.makedirs(os.path.join(REPO, '.tmp'), exist_ok=True)
    for path in (os.path.join(REPO, '.tmp'), '/var/tmp', '/tmp', os.path.expanduser('~')):
        if os.path.isdir(path) and os.access(path, os.W_OK) and fs_type(path) == 'ext4':
            return path
    return None


def disk_rows(disk, collections, files, runs, settle):
    workdir = tempfile.mkdtemp(prefix='cdn-origin-disk-bench-', dir=disk)
    rows = []
    try:
        for label, outside in (('first mirror (10% copies, 90% links)', None), ('first mirror, 99% copies', 0.99)):
            src, within, _listing = gen_tree(os.path.join(workdir, 'tree-%s' % (outside or 'default')), files, outside)
            dests = {name: os.path.join(workdir, 'out-' + name) for name in ('fsync', 'nofsync', 'cp', 'rsync')}
            contenders = [
                ('fsync', engine(collections, src, dests['fsync'], '--within', within)),
                ('nofsync', engine(collections, src, dests['nofsync'], '--within', within, '--no-fsync')),
                ('cp', ['cp', '-a', src + '/.', dests['cp']]),
                ('rsync', ['rsync', '-a', src + '/', dests['rsync'] + '/']),
            ]

            def reset(name):
                shutil.rmtree(dests[name], ignore_errors=True)
                subprocess.run(['sync'], check=True)
                time.sleep(settle)
            print('== ext4, %d files: %s' % (files, label), flush=True)
            rows.append({'size': files, 'scenario': label, 'times': paired(contenders, runs, reset, log=True)})
            if outside:
                print('== ext4, %d files: no-op rerun, 99%% copies' % files, flush=True)
                noop = [item for item in contenders if item[0] != 'cp']
                rows.append({'size': files, 'scenario': 'no-op rerun, 99% copies', 'times': paired(noop, runs, log=True)})
            for dest in dests.values():
                shutil.rmtree(dest, ignore_errors=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return rows


def disk_table(rows):
    lines = ['| files | scenario | contender | s (min / median / max) | x cp -a, pair by pair (min / median / max) | '
             'x rsync -a, pair by pair (min / median / max) | how sure (against rsync -a) |',
             '| ---: | --- | --- | ---: | ---: | ---: | --- |']
    labels = {'fsync': 'engine, fsync: true', 'nofsync': 'engine, fsync: false', 'cp': 'cp -a', 'rsync': 'rsync -a'}
    for row in rows:
        times = row['times']
        for name in times:
            walls = [t[0] for t in times[name]]
            cp = spread(ratios(times, name, 'cp'), '%.2fx') if 'cp' in times and name != 'cp' else ''
            rs = ratios(times, name, 'rsync') if name != 'rsync' else None
            lines.append('| {:,} | {} | {} | {} | {} | {} | {} |'.format(
                row['size'], row['scenario'], labels[name], spread(walls), cp, spread(rs, '%.2fx') if rs else '',
                sureness(rs) if rs else ''))
    return '\n'.join(lines)


# -- the report ----------------------------------------------------------------------------

def machine(workdir, disk):
    def output(*command):
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        return (done.stdout or done.stderr).strip().splitlines()[0] if done.returncode == 0 else 'unknown'
    dirty = subprocess.run(['git', '-C', REPO, 'diff', '--quiet', 'HEAD', '--', 'plugins', 'bench'], check=False).returncode
    return {
        'date': datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC'),
        'kernel': platform.release(), 'nproc': len(os.sched_getaffinity(0)), 'python': platform.python_version(),
        'commit': output('git', '-C', REPO, 'rev-parse', '--short', 'HEAD') + (' with uncommitted changes' if dirty else ''),
        'workdir': '%s (%s)' % (workdir, fs_type(workdir)), 'disk': '%s (%s)' % (disk, fs_type(disk)) if disk else None,
        'rsync': output('rsync', '--version'), 'cp': output('cp', '--version'),
    }


def markdown(results):
    m = results['machine']
    out = ['# Deploy consistency and the cost of phased apply, state_file and the disk',
           '',
           '`bench/deploy_bench.py` (run by `make bench` after `bench/run.py`), %s, commit %s, %d s in all; every run '
           'is in `%s`.' % (m['date'], m['commit'], results['seconds'], os.path.basename(results['json'])),
           '',
           '- %d CPUs shared with other work (load average %.2f at start, %.2f at end): absolute times drift, so '
           'contenders run in turn (A B A B ...) and ratios are taken pair by pair; each figure is min / median / max.'
           % (m['nproc'], results['load_start'][0], results['load_end'][0]),
           '- kernel %s, Python %s, %s, %s; trees on %s%s.' % (
               m['kernel'], m['python'], m['rsync'], m['cp'], m['workdir'],
               ', disk rows on %s' % m['disk'] if m['disk'] else ''),
           '']
    if results.get('consistency'):
        out += ['## Deploy consistency', '',
                'A content-hashed site: assets `static/dNNN/a<hash>.js`, pages `pages/dNNN/pNNNNN.html` (5% of the '
                'files) naming four assets each. Each deploy goes v1 -> v2 or back, changing 1% of the files: half of '
                'them pages rewritten, each naming one asset that is new in this version (a new name), half of them '
                'those assets, whose other version is deleted (prune / `--delete`). While it runs, '
                '`tests/adversarial/deploy_reader.py` (the reader of the consistency test) reads every changed page '
                'and looks up each asset it names: a **broken read** is a page read whole that names an asset that is '
                'not there. The **window** runs from the first changed page seen changed to the last (to within one '
                'sweep of the reader over the pages: its median length is the last column): how long readers see old '
                'and new pages mixed. The engine runs in-process (`bench/engine_run.py --prune`, fsync on), on tmpfs.',
                '', consistency_table(results['consistency']), '']
    if results.get('phases'):
        out += ['## Phased apply: cost', '',
                'The engine of this checkout (phased apply, the default) against the engine of commit %s (the last '
                'before phased apply landed; also without state_file and later changes), in-process on the trees of '
                '`bench/gen_tree.py` (90%% links, 10%% copies); goal: within 10%%.' % results['baseline'],
                '', ratio_table(results['phases'], 'phased', 'before', 'phased', 'before phases', 1.10), '']
    if results.get('state'):
        out += ['## state_file: cost', '',
                'A no-op rerun with `state_file` (the record exists and is up to date: it is read, compared and not '
                'written) against the same rerun without it; goal: within 15%.',
                '', ratio_table(results['state'], 'with', 'without', 'with state_file', 'without', 1.15), '']
    if results.get('disk'):
        out += ['## On disk (ext4)', '',
                'Before each first mirror its destination is removed, `sync` runs and the bench waits %d s: ext4 scans '
                'past inodes freed in the last 5-10 s when it allocates one (perf shows most of a run made right after '
                '`rm -rf` in `recently_deleted()` under `ext4_create`, for `cp -a` and rsync as well), which would '
                'otherwise swing every row by several times.' % results['settle'],
                '', disk_table(results['disk']), '']
    return '\n'.join(out)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', 1)[0])
    parser.add_argument('--only', default='consistency,phases,state,ext4')
    parser.add_argument('--sizes', default='10000,100000', help='file counts of the consistency, phases and state tables')
    parser.add_argument('--runs', type=int, default=5, help='runs of each contender (pairs) on tmpfs')
    parser.add_argument('--disk-runs', type=int, default=5, help='runs of each contender on disk')
    parser.add_argument('--disk-files', type=int, default=10000)
    parser.add_argument('--settle', type=int, default=EXT4_SETTLE)
    parser.add_argument('--baseline', default=BASELINE, help='the commit whose engine the phases table compares with')
    parser.add_argument('--disk', help='a directory on the disk file system (default: the first ext4 one found)')
    parser.add_argument('--workdir', default='/dev/shm' if os.access('/dev/shm', os.W_OK) else os.path.join(REPO, '.tmp'))
    parser.add_argument('--out', default=os.path.join(BENCH, 'results-consistency.md'))
    args = parser.parse_args(argv)
    only = set(args.only.split(','))
    sizes = [int(size) for size in args.sizes.split(',')]
    workdir = tempfile.mkdtemp(prefix='cdn-origin-deploy-bench-', dir=args.workdir)
    disk = (args.disk or find_disk()) if 'ext4' in only else None
    started = time.time()
    results = {'machine': machine(args.workdir, disk), 'load_start': os.getloadavg(), 'baseline': args.baseline,
               'settle': args.settle}
    try:
        current = collection(workdir, 'current')
        os.environ.update({'ANSIBLE_COLLECTIONS_PATH': current, 'ANSIBLE_PIPELINING': 'True',
                           'ANSIBLE_LOCALHOST_WARNING': 'False', 'ANSIBLE_INVENTORY_UNPARSED_WARNING': 'False'})
        if 'consistency' in only:
            results['consistency'] = consistency(workdir, current, sizes, args.runs)
        if 'phases' in only:
            results['phases'] = phases(workdir, current, collection(workdir, 'baseline', args.baseline), sizes, args.runs)
        if 'state' in only:
            playbook = [shutil.which('ansible-playbook', path=os.path.dirname(PYTHON)),
                        os.path.join(BENCH, 'playbooks', 'mirror.yml'), '-e', 'ansible_python_interpreter=' + PYTHON]
            results['state'] = state_cost(workdir, current, [size for size in sizes if size >= 10000] or sizes,
                                          args.runs, playbook if playbook[0] else None)
        if 'ext4' in only:
            if disk is None:
                print('no ext4 directory found: the disk rows are left out', file=sys.stderr)
            else:
                results['disk'] = disk_rows(disk, current, args.disk_files, args.disk_runs, args.settle)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    results['load_end'] = os.getloadavg()
    results['seconds'] = round(time.time() - started)
    results['json'] = os.path.splitext(args.out)[0] + '.json'
    with open(results['json'], 'w') as f:
        json.dump(results, f, indent=1)
    with open(args.out, 'w') as f:
        f.write(markdown(results))
    print('\nwrote %s and %s (%d s)' % (args.out, results['json'], results['seconds']))
    return 0


if __name__ == '__main__':
    sys.exit(main())
