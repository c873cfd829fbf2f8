"""Generate a deterministic synthetic CDN origin tree for the benchmarks.

The layout is the case the module exists for: a deployed site (`htdocs`,
the trusted `within` root) and a release tree (`build`) assembled from it.
Most entries of `build` are absolute symlinks into `htdocs` (unchanged
files, the module links them); the rest (`--outside`, default 10%) are
regular files modified for this release, outside every `within` root, so
the module must copy them.

    ROOT/htdocs/d0007/d0031/f000123.css   real file, 1-8 KiB
    ROOT/build/d0007/d0031/f000123.css -> ROOT/htdocs/d0007/d0031/f000123.css
    ROOT/build/d0002/f000042.js           regular file (modified copy)
    ROOT/touch.list                       1% of build's files, NUL-separated
    ROOT/tree.json                        parameters and counts

Directories number about 2% of the files, in three levels; with `--flat`
every file lies in `build/` itself (and `htdocs/`), one directory as wide
as the tree. With `--dedupe`, the files of `build/` that would be links are
regular files holding the same bytes as their original (a release tree of
copies, where only a compare tells which ones are modified): mirrored as
the layers `[htdocs, build]` with `dedupe: true`, they become links again. The same `--files`, `--seed` and `--flat` always give the same
names, sizes, contents and mtimes, and a tree already generated with the
same parameters is reused.
"""

import argparse
import json
import os
import random
import shutil
import sys

LEVELS = 3
DIR_SHARE = 0.02
TOUCH_SHARE = 0.01
MIN_SIZE, MAX_SIZE = 1024, 8192
# Fixed, so that reruns and other machines see identical metadata.
MTIME = 1767225600  # 2026-01-01T00:00:00Z
SUFFIXES = (".html", ".css", ".js", ".png", ".jpg", ".svg", ".woff2", ".json")


def plan_dirs(rng, count):
    """Return `count` relative directory paths spread over three levels."""
    dirs = []
    parents = [""]
    per_level = [max(1, round(count * share)) for share in (0.1, 0.3)]
    per_level.append(max(1, count - sum(per_level)))
    serial = 0
    for level in range(LEVELS):
        made = []
        for _serial in range(per_level[level]):
            parent = rng.choice(parents)
            path = os.path.join(parent, "d%05d" % serial)
            serial += 1
            made.append(path)
        dirs.extend(made)
        parents = made
    return dirs


def generate(root, files, seed, outside, flat=False, dedupe=False):
    rng = random.Random(seed)
    pool = rng.randbytes(MAX_SIZE * 8)
    dirs = [""] if flat else plan_dirs(rng, max(1, round(files * DIR_SHARE)))
    htdocs = os.path.join(root, "htdocs")
    build = os.path.join(root, "build")
    for rel in dirs:
        os.makedirs(os.path.join(htdocs, rel), exist_ok=flat)
        os.makedirs(os.path.join(build, rel), exist_ok=flat)

    def write(path, size):
        start = rng.randrange(len(pool) - size)
        with open(path, "wb") as handle:
            handle.write(pool[start:start + size])
        os.utime(path, (MTIME, MTIME))

    copied = []
    linked = 0
    every = []
    for serial in range(files):
        rel = os.path.join(rng.choice(dirs), "f%06d%s" % (serial, rng.choice(SUFFIXES)))
        original = os.path.join(htdocs, rel)
        write(original, rng.randint(MIN_SIZE, MAX_SIZE))
        target = os.path.join(build, rel)
        if rng.random() < outside:
            write(target, rng.randint(MIN_SIZE, MAX_SIZE))
            copied.append(rel)
        elif dedupe:
            shutil.copyfile(original, target)
            os.utime(target, (MTIME, MTIME))
            linked += 1
        else:
            os.symlink(original, target)
            linked += 1
        every.append(target)

    touched = rng.sample(every, max(1, round(files * TOUCH_SHARE)))
    with open(os.path.join(root, "touch.list"), "wb") as handle:
        handle.write(b"".join(os.fsencode(path) + b"\0" for path in touched))
    return {
        "files": files,
        "seed": seed,
        "outside": outside,
        "flat": flat,
        "dedupe": dedupe,
        "directories": len(dirs),
        # with --dedupe, identical regular files instead of links
        "identical" if dedupe else "symlinks": linked,
        "regular": len(copied),
        "touched": len(touched),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("root", help="directory to create (reused when it matches)")
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--outside", type=float, default=0.10,
                        help="share of build files that are regular files (copied)")
    parser.add_argument("--flat", action="store_true",
                        help="every file in one directory instead of three levels")
    parser.add_argument("--dedupe", action="store_true",
                        help="identical regular files instead of the links into htdocs")
    args = parser.parse_args(argv)
    root = os.path.abspath(args.root)
    stamp = os.path.join(root, "tree.json")
    wanted = {"files": args.files, "seed": args.seed, "outside": args.outside, "flat": args.flat,
              "dedupe": args.dedupe}
    if os.path.exists(stamp):
        with open(stamp) as handle:
            found = json.load(handle)
        # stamps from before --flat or --dedupe existed are of trees that are neither
        if {key: found.get(key, False) for key in wanted} == wanted:
            print("reusing %s (%d files)" % (root, args.files))
            return 0
        shutil.rmtree(root)
    elif os.path.exists(root):
        shutil.rmtree(root)
    print("generating %s: %d files, seed %d, %.0f%% outside within"
          % (root, args.files, args.seed, args.outside * 100))
    os.makedirs(root)
    info = generate(root, args.files, args.seed, args.outside, args.flat, args.dedupe)
    # Written last: a half-generated tree has no stamp and is regenerated.
    with open(stamp, "w") as handle:
        json.dump(info, handle, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
