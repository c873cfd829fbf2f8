"""Run the engine in-process, once, as the benchmark's "engine" contender.

    engine_run.py COLLECTIONS_DIR SRC DEST [--within DIR]... [--layer DIR]... [--dedupe] [--check] [--rss-to FILE]
                  [--state-file FILE] [--prune] [--no-fsync]

COLLECTIONS_DIR holds ansible_collections/cdn/origin. Each --layer is an
earlier layer, before SRC; --dedupe, --state-file, --prune and --no-fsync
(fsync: false) set those options. Exits 1 when the
engine reports a failure, so hyperfine stops instead of timing an error.
With --rss-to, appends the peak RSS in KiB of this process or of its
planning workers, whichever is larger, to FILE.

The arguments are read by hand: importing argparse would add about 7 ms to
every timed run, a cost of this harness and not of the engine.
"""

import resource
import sys


def parse(argv):
    positional, options = [], {"within": [], "layers": [], "check": False, "rss_to": None, "given": {}}
    args = iter(argv)
    for arg in args:
        if arg == "--within":
            options["within"].append(next(args))
        elif arg == "--rss-to":
            options["rss_to"] = next(args)
        elif arg == "--layer":
            options["layers"].append(next(args))
        elif arg == "--check":
            options["check"] = True
        elif arg == "--dedupe":
            options["given"]["dedupe"] = True
        elif arg == "--state-file":
            options["given"]["state_file"] = next(args)
        elif arg == "--prune":
            options["given"]["prune"] = True
        elif arg == "--no-fsync":
            options["given"]["fsync"] = False
        elif arg.startswith("--"):
            raise SystemExit("engine_run.py: unknown option %s" % arg)
        else:
            positional.append(arg)
    if len(positional) != 3:
        raise SystemExit(__doc__)
    return positional, options


def main(argv=None):
    (collections, src, dest), options = parse(sys.argv[1:] if argv is None else argv)
    sys.path.insert(0, collections)
    from ansible_collections.cdn.origin.plugins.module_utils.engine import mirror

    src = options["layers"] + [src] if options["layers"] else src
    result = mirror(src, dest, within=options["within"], check_mode=options["check"], **options["given"])
    if options["rss_to"]:
        with open(options["rss_to"], "a") as handle:
            peak = max(resource.getrusage(who).ru_maxrss
                       for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
            handle.write("%d\n" % peak)
    if result.get("failed"):
        print("engine failed: %s" % result.get("msg"), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
