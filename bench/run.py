"""Time cdn.origin.symlink_or_copy against its peers on the same trees, in one run.

For every tree size, each contender is timed with hyperfine on: the first
mirror into an empty directory, a no-op rerun, a rerun after touching 1% of
the files, and a check-mode run with those 1% pending (contenders without a
check mode or a meaningful rerun only get the scenarios they support). The
ansible.builtin.file loop idiom is timed on one small tree only and its
per-file cost extrapolated. Peak RSS of the module process is measured
apart from the timings. Results: results.json, RESULTS.md and bench.png in
--out (see report.py).

Trees live on tmpfs (/dev/shm) by default: on this kind of virtual disk, a
run that creates many entries right after deleting the last ones swings by
an order of magnitude, which would drown the comparison.
"""

import argparse
import datetime
import json
import os
import platform
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

import report

BENCH = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(BENCH)
PYTHON = sys.executable
SCENARIOS = ("first", "noop", "touch", "check")
# Contenders that mirror into an existing directory only; the others get
# none, as a first deployment does.
NEEDS_DEST_DIR = ("lndir", "stow")
MODES = {
    # runs per tree size; the loop idiom's tree sizes (a one-file tree
    # measures its fixed cost) and runs; the entries of the one wide
    # directory whose peak RSS is measured (0: none)
    # the files of the --dedupe tree whose dedupe cost is timed (0: none)
    "quick": {"sizes": {1000: 3}, "loop": ((1, 10), 1), "wide": 0, "dedupe": 0},
    "full": {"sizes": {1000: 10, 10000: 5, 100000: 10}, "loop": ((1, 1000), 1), "wide": 200000,
             "dedupe": 100000},
}
# Runs of each dedupe timing: a first mirror of the 100k tree reads 180k files.
DEDUPE_RUNS = 3


def sh(*commands):
    """One hyperfine -N command running `commands` in sequence."""
    return shlex.join(["bash", "-c", " && ".join(commands)])


class Tree:
    def __init__(self, workdir, files, flat=False, dedupe=False):
        self.files = files
        self.flat = flat
        self.dedupe = dedupe
        self.root = os.path.join(workdir, "trees", "%d%s%s" % (files, "-flat" if flat else "",
                                                               "-dedupe" if dedupe else ""))
        self.src = os.path.join(self.root, "build")
        self.within = os.path.join(self.root, "htdocs")
        self.touch = shlex.join(["xargs", "-0", "-a", os.path.join(self.root, "touch.list"),
                                 "touch", "--"])

    def generate(self):
        subprocess.run([PYTHON, os.path.join(BENCH, "gen_tree.py"), self.root,
                        "--files", str(self.files)] + (["--flat"] if self.flat else [])
                       + (["--dedupe"] if self.dedupe else []), check=True)
        with open(os.path.join(self.root, "tree.json")) as handle:
            return json.load(handle)


def contenders(collections, tree, outdir):
    """name -> (label, dest, {scenario: command}) for every contender installed
    here, each mirroring into its own directory under `outdir`."""
    dest = {name: os.path.join(outdir, name)
            for name in ("module", "engine", "cp-as", "cp-a", "rsync", "lndir", "stow", "floor")}
    playbook = [shutil.which("ansible-playbook", path=os.path.dirname(PYTHON)),
                os.path.join(BENCH, "playbooks", "mirror.yml"),
                "-e", "bench_src=" + tree.src, "-e", "bench_dest=" + dest["module"],
                "-e", "bench_within=" + tree.within,
                "-e", "ansible_python_interpreter=" + PYTHON]
    engine = [PYTHON, os.path.join(BENCH, "engine_run.py"), collections,
              tree.src, dest["engine"], "--within", tree.within]
    floor = [playbook[0], os.path.join(BENCH, "playbooks", "floor.yml"),
             "-e", "ansible_python_interpreter=" + PYTHON]
    rsync = shlex.join(["rsync", "-a", tree.src + "/", dest["rsync"] + "/"])
    found = {
        "module": ("symlink_or_copy (ansible-playbook)", {
            "first": shlex.join(playbook), "noop": shlex.join(playbook),
            "touch": shlex.join(playbook), "check": shlex.join(playbook + ["--check"])}),
        "engine": ("engine in-process", {
            "first": shlex.join(engine), "noop": shlex.join(engine),
            "touch": shlex.join(engine), "check": shlex.join(engine + ["--check"])}),
        "cp-as": ("cp -as", {"first": shlex.join(["cp", "-as", tree.src + "/.", dest["cp-as"]])}),
        "cp-a": ("cp -a", {"first": shlex.join(["cp", "-a", tree.src + "/.", dest["cp-a"]])}),
        "rsync": ("rsync -a", {"first": rsync, "noop": rsync, "touch": rsync}),
        "floor": ("ansible-playbook, one ping task", {"noop": shlex.join(floor)}),
    }
    if shutil.which("lndir"):
        lndir = shlex.join(["lndir", "-silent", tree.src, dest["lndir"]])
        found["lndir"] = ("lndir", {"first": lndir, "noop": lndir})
    if shutil.which("stow"):
        stow = shlex.join(["stow", "-d", tree.root, "-t", dest["stow"], "--no-folding", "build"])
        found["stow"] = ("stow --no-folding", {"first": stow, "noop": stow})
    return {name: (label, dest[name], commands) for name, (label, commands) in found.items()}


def loop_contender(tree, dest):
    return shlex.join([shutil.which("ansible-playbook", path=os.path.dirname(PYTHON)),
                       os.path.join(BENCH, "playbooks", "file_loop.yml"),
                       "-e", "bench_src=" + tree.src, "-e", "bench_dest=" + dest,
                       "-e", "ansible_python_interpreter=" + PYTHON])


def hyperfine(name, command, runs, raw_json, prepare=None, setup=None, warmup=0):
    cmd = ["hyperfine", "-N", "--style", "basic", "--runs", str(runs),
           "--warmup", str(warmup), "--export-json", raw_json,
           "--command-name", name]
    if prepare:
        cmd += ["--prepare", prepare]
    if setup:
        cmd += ["--setup", setup]
    cmd.append(command)
    if subprocess.run(cmd, check=False).returncode:
        return None
    with open(raw_json) as handle:
        result = json.load(handle)["results"][0]
    return {key: result[key] for key in ("median", "min", "mean", "stddev", "times")}


def check_runs(command, prepare):
    """Run a contender once outside hyperfine, so a failure shows its output."""
    subprocess.run(shlex.split(prepare), check=True)
    done = subprocess.run(shlex.split(command), capture_output=True, text=True, check=False)
    if done.returncode:
        print(done.stdout[-3000:], done.stderr[-3000:], sep="\n", file=sys.stderr)
    return done.returncode == 0


def time_tree(tree, runs, collections, workdir, raw, only):
    rows = []
    for name, (label, dest, commands) in contenders(collections, tree, os.path.join(workdir, "out")).items():
        if only and name not in only:
            continue
        reset = shlex.join(["rm", "-rf", dest])
        if name in NEEDS_DEST_DIR:
            reset = sh(reset, shlex.join(["mkdir", dest]))
        if not check_runs(commands.get("first") or commands["noop"], reset):
            rows.append({"size": tree.files, "tool": name, "label": label, "error": True})
            continue
        # Scenario order matters: each one leaves dest converged for the next.
        plan = {"first": {"prepare": reset}, "noop": {}, "touch": {"prepare": tree.touch},
                "check": {"setup": tree.touch}}
        for scenario in SCENARIOS:
            if scenario not in commands:
                continue
            raw_json = os.path.join(raw, "%d-%s-%s.json" % (tree.files, name, scenario))
            print("\n== %d files: %s, %s" % (tree.files, label, scenario), flush=True)
            # A warm-up run fills Python's bytecode caches; at 100k files it
            # would cost more than it evens out.
            stats = hyperfine("%s %s" % (name, scenario), commands[scenario], runs, raw_json,
                              warmup=int(tree.files <= 10000), **plan[scenario])
            row = {"size": tree.files, "tool": name, "label": label, "scenario": scenario}
            rows.append(dict(stats, **row) if stats else dict(row, error=True))
        shutil.rmtree(dest, ignore_errors=True)
    return rows


def time_dedupe(tree, collections, workdir, raw):
    """Time the engine on the layers [htdocs, build] of a --dedupe tree (90% of build identical to htdocs),
    with dedupe (90% linked after a compare) and without (everything copied), first mirror and no-op rerun:
    a rerun with dedupe compares every same-size pair again."""
    rows = []
    for name, label, extra in (("dedupe", "engine, dedupe", ["--dedupe"]),
                               ("layers", "engine, same layers without dedupe", [])):
        dest = os.path.join(workdir, "out", name)
        command = shlex.join([PYTHON, os.path.join(BENCH, "engine_run.py"), collections, tree.src, dest,
                              "--within", tree.within, "--layer", tree.within] + extra)
        reset = shlex.join(["rm", "-rf", dest])
        if not check_runs(command, reset):
            rows.append({"size": tree.files, "tool": name, "label": label, "error": True})
            continue
        for scenario, plan in (("first", {"prepare": reset}), ("noop", {})):
            raw_json = os.path.join(raw, "%d-%s-%s.json" % (tree.files, name, scenario))
            print("\n== %d files, 90%% identical: %s, %s" % (tree.files, label, scenario), flush=True)
            stats = hyperfine("%s %s" % (name, scenario), command, DEDUPE_RUNS, raw_json,
                              warmup=int(tree.files <= 10000), **plan)
            row = {"size": tree.files, "tool": name, "label": label, "scenario": scenario}
            rows.append(dict(stats, **row) if stats else dict(row, error=True))
        shutil.rmtree(dest, ignore_errors=True)
    return rows


def time_loop(sizes, runs, workdir, raw, keep):
    """Time the file loop idiom's first mirror on two small trees and fit
    fixed + per-file cost, for extrapolating to trees too big to run it on."""
    dest = os.path.join(workdir, "out", "loop")
    measured = {}
    trees = {}
    for files in sizes:
        tree = Tree(workdir, files)
        trees[str(files)] = tree.generate()
        print("\n== %d files: ansible.builtin.file loop, first" % files, flush=True)
        measured[files] = hyperfine("file loop first", loop_contender(tree, dest), runs,
                                    os.path.join(raw, "%d-loop-first.json" % files),
                                    prepare=shlex.join(["rm", "-rf", dest]))
        shutil.rmtree(dest, ignore_errors=True)
        if not keep:
            shutil.rmtree(tree.root)
        if measured[files] is None:
            print("the file loop failed on %d files: not extrapolated" % files, file=sys.stderr)
            return None, trees
    small, big = sizes
    per_file = (measured[big]["median"] - measured[small]["median"]) / (big - small)
    return dict(measured[big], size=big, per_file=per_file,
                fixed=measured[small]["median"] - per_file * small), trees


def peak_rss(tree, collections, workdir):
    """Peak RSS (KiB) of the engine process and of the module's process on
    ansible-playbook runs, for a first mirror and a no-op rerun."""
    log = os.path.join(workdir, "rss.log")
    # ansible_python_interpreter is one executable, so /usr/bin/time goes in a wrapper.
    wrapper = os.path.join(workdir, "rss-python")
    with open(wrapper, "w") as handle:
        handle.write('#!/bin/sh\nexec /usr/bin/time -f %%M -a -o %s %s "$@"\n'
                     % (shlex.quote(log), shlex.quote(PYTHON)))
    os.chmod(wrapper, 0o755)
    found = contenders(collections, tree, os.path.join(workdir, "out"))
    measured = {}
    for name in ("engine", "module"):
        dest, commands = found[name][1:]
        command = shlex.split(commands["first"])
        if name == "engine":
            command += ["--rss-to", log]
        else:
            command[-1] = "ansible_python_interpreter=" + wrapper
        shutil.rmtree(dest, ignore_errors=True)
        if os.path.exists(log):
            os.unlink(log)
        for _run in ("first", "noop"):
            subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        with open(log) as handle:
            first, noop = (int(line) for line in handle.read().split())
        measured[name] = {"first_kib": first, "noop_kib": noop}
        shutil.rmtree(dest)
    return measured


def output(*command):
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        return "not installed"
    return (done.stdout or done.stderr).strip().splitlines()[0] if done.returncode == 0 else "not installed"


def machine(workdir):
    with open("/proc/meminfo") as handle:
        mem_kib = int(handle.readline().split()[1])
    cpu = "unknown"
    with open("/proc/cpuinfo") as handle:
        for line in handle:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "os": platform.freedesktop_os_release().get("PRETTY_NAME", "unknown"),
        "kernel": platform.release(),
        "cpu": cpu,
        "nproc": len(os.sched_getaffinity(0)),
        "memory_gib": round(mem_kib / 1024 / 1024, 1),
        "fs": "%s (%s)" % (output("stat", "-f", "-c", "%T", workdir), workdir),
        "python": platform.python_version(),
        "commit": output("git", "-C", REPO, "rev-parse", "--short", "HEAD") + (
            " with uncommitted changes to plugins/" if subprocess.run(
                ["git", "-C", REPO, "diff", "--quiet", "HEAD", "--", "plugins"], check=False).returncode else ""),
        "versions": {
            "ansible-core": output(os.path.join(os.path.dirname(PYTHON), "ansible"), "--version"),
            "hyperfine": output("hyperfine", "--version"),
            "cp": output("cp", "--version"),
            "rsync": output("rsync", "--version"),
            "lndir": output("dpkg-query", "-W", "-f", "xutils-dev ${Version}", "xutils-dev"),
            "stow": output("stow", "--version"),
        },
    }


def default_workdir():
    if os.access("/dev/shm", os.W_OK):
        return "/dev/shm"
    return os.path.join(REPO, ".tmp", "bench")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("mode", choices=sorted(MODES))
    parser.add_argument("--workdir", default=default_workdir(),
                        help="where this run's directory of trees and mirrors goes "
                        "(default: tmpfs)")
    parser.add_argument("--out", help="results directory (default: bench/results for "
                        "full, .tmp/bench/results-quick for quick)")
    parser.add_argument("--collection", default=REPO,
                        help="the cdn.origin checkout to time (default: this one)")
    parser.add_argument("--sizes", help="comma-separated file counts instead of the mode's")
    parser.add_argument("--only", help="comma-separated contenders to time (default: all)")
    parser.add_argument("--wide", type=int,
                        help="entries of the one wide directory whose peak RSS is measured "
                        "(default: the mode's; 0: none)")
    parser.add_argument("--dedupe", type=int,
                        help="files of the tree (90%% of its modified layer identical) on which dedupe "
                        "is timed (default: the mode's; 0: none)")
    parser.add_argument("--keep", action="store_true",
                        help="keep this run's directory of trees and mirrors")
    args = parser.parse_args(argv)

    mode = MODES[args.mode]
    sizes = mode["sizes"]
    if args.sizes:
        sizes = {int(size): sizes.get(int(size), 3) for size in args.sizes.split(",")}
    only = set(args.only.split(",")) if args.only else set()
    out = args.out or (os.path.join(BENCH, "results") if args.mode == "full"
                       else os.path.join(REPO, ".tmp", "bench", "results-quick"))
    raw = os.path.join(out, "raw")
    os.makedirs(raw, exist_ok=True)
    os.makedirs(args.workdir, exist_ok=True)
    # Private to this run: a quick run (make test) next to a full one must not
    # regenerate or delete the trees the other is timing.
    workdir = tempfile.mkdtemp(prefix="cdn-origin-bench-", dir=os.path.abspath(args.workdir))
    os.mkdir(os.path.join(workdir, "out"))

    collections = os.path.join(workdir, "collections")
    link = os.path.join(collections, "ansible_collections", "cdn", "origin")
    os.makedirs(os.path.dirname(link), exist_ok=True)
    os.symlink(os.path.abspath(args.collection), link)
    # The in-process contender imports the engine at every run: time it from
    # byte-compiled modules, as an installed package runs, not the compiler
    # (PYTHONDONTWRITEBYTECODE would otherwise compile them afresh each time).
    subprocess.run([PYTHON, "-m", "compileall", "-q", os.path.join(link, "plugins")], check=True)
    os.environ.update({
        "ANSIBLE_COLLECTIONS_PATH": collections,
        "ANSIBLE_PIPELINING": "True",
        "ANSIBLE_LOCALHOST_WARNING": "False",
        "ANSIBLE_INVENTORY_UNPARSED_WARNING": "False",
    })

    started = time.time()
    results = {"mode": args.mode, "machine": machine(workdir), "load_start": os.getloadavg(),
               "trees": {}, "timings": [], "rss": {}, "rss_wide": None, "loop": None, "dedupe": None}
    for files, runs in sorted(sizes.items()):
        tree = Tree(workdir, files)
        results["trees"][str(files)] = tree.generate()
        results["timings"] += time_tree(tree, runs, collections, workdir, raw, only)
        if not only or {"engine", "module"} <= only:
            results["rss"][str(files)] = peak_rss(tree, collections, workdir)
        if not args.keep:
            shutil.rmtree(tree.root)

    wide = mode["wide"] if args.wide is None else args.wide
    if wide and (not only or {"engine", "module"} <= only):
        # a flat directory is what costs memory: one level's listings are held at once
        tree = Tree(workdir, wide, flat=True)
        tree.generate()
        results["rss_wide"] = dict(peak_rss(tree, collections, workdir), entries=wide)
        if not args.keep:
            shutil.rmtree(tree.root)

    dedupe = mode["dedupe"] if args.dedupe is None else args.dedupe
    if dedupe and (not only or "engine" in only):
        tree = Tree(workdir, dedupe, dedupe=True)
        results["dedupe"] = {"tree": tree.generate(), "timings": time_dedupe(tree, collections, workdir, raw)}
        if not args.keep:
            shutil.rmtree(tree.root)

    if not only or "loop" in only:
        results["loop"], trees = time_loop(*mode["loop"], workdir, raw, args.keep)
        results["trees"].update(trees)
    if args.keep:
        print("kept %s" % workdir)
    else:
        shutil.rmtree(workdir)

    results["load_end"] = os.getloadavg()
    results["seconds"] = round(time.time() - started)
    with open(os.path.join(out, "results.json"), "w") as handle:
        json.dump(results, handle, indent=1)
    report.render(results, out)
    print("\nwrote %s/RESULTS.md, bench.png, results.json (%d s)" % (out, results["seconds"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
