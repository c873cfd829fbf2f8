"""Run the engine in-process, once, as the benchmark's "engine" contender.

    engine_run.py COLLECTIONS_DIR SRC DEST --within DIR [--check] [--rss-to FILE]

COLLECTIONS_DIR holds ansible_collections/cdn/origin. Exits 1 when the
engine reports a failure, so hyperfine stops instead of timing an error.
With --rss-to, appends this process's peak RSS in KiB to FILE.
"""

import argparse
import resource
import sys


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("collections")
    parser.add_argument("src")
    parser.add_argument("dest")
    parser.add_argument("--within", action="append", default=[])
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--rss-to")
    args = parser.parse_args(argv)
    sys.path.insert(0, args.collections)
    from ansible_collections.cdn.origin.plugins.module_utils.engine import mirror

    result = mirror(args.src, args.dest, within=args.within, check_mode=args.check)
    if args.rss_to:
        with open(args.rss_to, "a") as handle:
            handle.write("%d\n" % resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    if result.get("failed"):
        print("engine failed: %s" % result.get("msg"), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
