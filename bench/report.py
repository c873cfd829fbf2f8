"""Render a run's results.json as RESULTS.md and bench.png.

    report.py [RESULTS_DIR]    (default: bench/results)

run.py calls this at the end of a run; run it by hand to re-render after
changing the report without timing everything again.
"""

import json
import os
import sys

SCENARIO_LABELS = {
    "first": "first mirror",
    "noop": "no-op rerun",
    "touch": "rerun, 1% touched",
    "check": "check mode, 1% pending",
}
TARGET_SIZE = 100000
MODULE_TOOLS = ("module", "engine")
RSS_LIMIT_KIB = 100 * 1024
# One directory of 200,000 entries (issue 12): its listings, not a DirEntry per name.
RSS_WIDE_LIMIT_KIB = 60 * 1024
# "Flat" RSS: the largest tree may cost at most this much more than the smallest.
RSS_FLAT_KIB = 10 * 1024
LOOP_FACTOR = 100


def loop_seconds(loop, size):
    """The file loop's extrapolated first mirror of `size` files."""
    return loop["fixed"] + loop["per_file"] * size


def index(results):
    return {(row["size"], row["tool"], row.get("scenario")): row
            for row in results["timings"] if not row.get("error")}


def spread(*rows):
    """The larger relative standard deviation of two timings: how far apart noise alone puts them."""
    return "+/-%.1f%%" % max(100 * row["stddev"] / row["mean"] for row in rows)


def verdict(ok, detail):
    return "%s (%s)" % ("met" if ok else "**not met**", detail)


def target_for(row, rows, results):
    """The issue's target for this row, if it has one: (met, text) or None."""
    size, tool, scenario = row["size"], row["tool"], row["scenario"]
    if tool not in MODULE_TOOLS:
        return None
    if scenario == "first":
        peer = rows.get((size, "cp-as", "first"))
        loop = results.get("loop")
        parts = []
        ok = True
        if peer:
            ratio = row["median"] / peer["median"]
            ok = ok and ratio <= 2
            parts.append("%.2fx cp -as, target <= 2x" % ratio)
        if loop and tool == "module":
            speedup = loop_seconds(loop, size) / row["median"]
            ok = ok and speedup >= LOOP_FACTOR
            parts.append("%.0fx faster than file loop, target >= %dx" % (speedup, LOOP_FACTOR))
        return verdict(ok, "; ".join(parts)) if parts else None
    if scenario == "noop":
        peer = rows.get((size, "rsync", "noop"))
        if peer:
            ratio = row["median"] / peer["median"]
            detail = "%.2fx rsync -a no-op, target <= 1x; run-to-run spread %s" % (ratio, spread(row, peer))
            floor = rows.get((size, "floor", "noop"))
            if floor and tool == "module":
                detail += ("; ansible-playbook running one ping task takes %.2f s = %.2fx rsync -a alone"
                           % (floor["median"], floor["median"] / peer["median"]))
            return verdict(ratio <= 1, detail)
    if scenario == "check":
        own = rows.get((size, tool, "noop"))
        if own:
            ratio = row["median"] / own["median"]
            return verdict(ratio <= 1, "%.2fx own no-op rerun, target <= 1x; run-to-run spread %s"
                           % (ratio, spread(row, own)))
    return None


def timing_table(size, results, rows):
    cp_as = rows.get((size, "cp-as", "first"))
    rsync = rows.get((size, "rsync", "noop"))
    lines = [
        "| contender | scenario | median s | min s | files/s | x cp -as first | x rsync no-op | target |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for row in results["timings"]:
        if row["size"] != size:
            continue
        if row.get("error"):
            lines.append("| %s | %s: **failed**, see the log | | | | | | |" % (
                row["label"], SCENARIO_LABELS.get(row.get("scenario"), "every scenario")))
            continue
        lines.append("| %s | %s | %.3f | %.3f | %s | %s | %s | %s |" % (
            row["label"], SCENARIO_LABELS[row["scenario"]], row["median"], row["min"],
            "{:,.0f}".format(size / row["median"]),
            "%.2f" % (row["median"] / cp_as["median"]) if cp_as else "",
            "%.2f" % (row["median"] / rsync["median"]) if rsync and row["scenario"] != "first" else "",
            target_for(row, rows, results) or ""))
    loop = results.get("loop")
    if loop:
        seconds = loop_seconds(loop, size)
        lines.append("| ansible.builtin.file loop | first mirror, **extrapolated** (%.1f s + "
                     "%.0f ms per file, measured on %d files) | %.1f | | %s | %s | | |" % (
                         loop["fixed"], loop["per_file"] * 1000, loop["size"], seconds,
                         "{:,.0f}".format(size / seconds),
                         "%.0f" % (seconds / cp_as["median"]) if cp_as else ""))
    return "\n".join(lines)


def rss_table(results):
    sizes = sorted(results["rss"], key=int)
    if not sizes:
        return "Not measured in this run."
    lines = ["| process | " + " | ".join("%s files" % "{:,}".format(int(s)) for s in sizes)
             + " | target |",
             "| --- |" + " ---: |" * len(sizes) + " --- |"]
    for tool, label in (("engine", "engine in-process"), ("module", "module process under ansible-playbook")):
        peaks = [max(results["rss"][s][tool].values()) for s in sizes]
        growth = peaks[-1] - peaks[0]
        ok = max(peaks) < RSS_LIMIT_KIB and growth < RSS_FLAT_KIB
        lines.append("| %s | %s | %s |" % (
            label, " | ".join("%.1f MB" % (p / 1024) for p in peaks),
            verdict(ok, "peak %.1f MB, +%.1f MB from smallest to largest tree; "
                        "target < 100 MB, growth < %d MB" % (max(peaks) / 1024, growth / 1024,
                                                             RSS_FLAT_KIB // 1024))))
    wide = results.get("rss_wide")
    if wide:
        lines += ["", "| process | one directory of %s entries: first mirror | no-op rerun | target |"
                  % "{:,}".format(wide["entries"]), "| --- | ---: | ---: | --- |"]
        for tool, label in (("engine", "engine in-process"), ("module", "module process under ansible-playbook")):
            first, noop = wide[tool]["first_kib"], wide[tool]["noop_kib"]
            lines.append("| %s | %.1f MB | %.1f MB | %s |" % (
                label, first / 1024, noop / 1024,
                verdict(max(first, noop) < RSS_WIDE_LIMIT_KIB, "peak %.1f MB; target < %d MB" % (
                    max(first, noop) / 1024, RSS_WIDE_LIMIT_KIB // 1024))))
    return "\n".join(lines)


def summary(results, rows):
    """The issue's targets at 100k files, one line each."""
    size = TARGET_SIZE if any(r["size"] == TARGET_SIZE for r in rows.values()) else None
    if size is None:
        return ("This run did not reach %s files, where the targets are defined; the "
                "target column below applies them to the sizes measured." % "{:,}".format(TARGET_SIZE))
    lines = []
    for tool in MODULE_TOOLS:
        for scenario in ("first", "noop", "check"):
            row = rows.get((size, tool, scenario))
            if row:
                lines.append("- %s, %s: %s" % (row["label"], SCENARIO_LABELS[scenario],
                                               target_for(row, rows, results)))
    if results["rss"]:
        lines.append("- peak RSS: see the table below")
    return "\n".join(lines)


def dedupe_section(dedupe):
    """The cost of dedupe: the same layers mirrored with it and without."""
    tree = dedupe["tree"]
    rows = {(row["tool"], row.get("scenario")): row for row in dedupe["timings"]}
    lines = [
        "## dedupe, %s files, %d%% identical" % ("{:,}".format(tree["files"]), round(100 * (1 - tree["outside"]))),
        "",
        "`gen_tree.py --dedupe`: `build/` holds regular files only, %s of them the same bytes as their original "
        "in `htdocs/`, %s modified; the engine mirrors the layers `[htdocs, build]` (`within: htdocs`). With "
        "`dedupe: true` the identical ones become links to `htdocs/` after a compare (sizes, then bytes); without "
        "it every file of `build/` is copied. A no-op rerun with dedupe compares every same-size pair again."
        % ("{:,}".format(tree["identical"]), "{:,}".format(tree["regular"])),
        "",
        "| run | scenario | median s | min s | files/s | x without dedupe |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for row in dedupe["timings"]:
        if row.get("error"):
            lines.append("| %s | **failed**, see the log | | | | |" % row["label"])
            continue
        base = rows.get(("layers", row["scenario"]))
        lines.append("| %s | %s | %.3f | %.3f | %s | %s |" % (
            row["label"], SCENARIO_LABELS[row["scenario"]], row["median"], row["min"],
            "{:,.0f}".format(tree["files"] / row["median"]),
            "%.2f" % (row["median"] / base["median"]) if base and row["tool"] != "layers" else ""))
    return "\n".join(lines)


def markdown(results):
    machine = results["machine"]
    rows = index(results)
    sizes = sorted({row["size"] for row in results["timings"]})
    trees = results["trees"]
    out = [
        "# Benchmark results",
        "",
        "`scripts/bench.sh %s` on %s, commit %s, %d s in all. Generated by "
        "`bench/run.py`; raw hyperfine timings of every run in `results.json`."
        % (results["mode"], machine["date"], machine["commit"], results["seconds"]),
        "",
        "## Machine",
        "",
        "- %s, kernel %s, %s" % (machine["os"], machine["kernel"], machine["cpu"]),
        "- %d CPUs, %.1f GiB memory; trees and mirrors on %s" % (
            machine["nproc"], machine["memory_gib"], machine["fs"]),
        "- load average at start %.2f, at end %.2f (the machine is shared: absolute times "
        "are noisy, ratios taken in one run are what to compare)" % (
            results["load_start"][0], results["load_end"][0]),
        "- Python %s; %s" % (machine["python"], "; ".join(
            "%s: %s" % item for item in machine["versions"].items())),
        "",
        "## Trees",
        "",
        "`bench/gen_tree.py` (seed 5): `build/` mirrors `htdocs/` (the `within` root); "
        "about 90% of its files are absolute symlinks into `htdocs/` (the module links "
        "them), 10% are regular files (the module copies them); 1-8 KiB files in 2% as "
        "many directories, three levels deep. Every contender mirrors `build/` into its "
        "own empty directory. \"1% touched\" runs `touch` on 1% of `build/`'s files "
        "(through the links, so 10% of those touched are copies that must be refreshed).",
        "",
        "| files | directories | symlinks | regular files | touched |",
        "| ---: | ---: | ---: | ---: | ---: |",
    ]
    for size in sorted(trees, key=int):
        tree = trees[size]
        out.append("| %s | %s | %s | %s | %s |" % tuple("{:,}".format(tree[key]) for key in (
            "files", "directories", "symlinks", "regular", "touched")))
    out += [
        "",
        "## Targets at %s files" % "{:,}".format(TARGET_SIZE),
        "",
        summary(results, rows),
        "",
    ]
    for size in sizes:
        out += ["## %s files" % "{:,}".format(size), "", timing_table(size, results, rows), ""]
    if results.get("dedupe"):
        out += [dedupe_section(results["dedupe"]), ""]
    out += ["## Peak RSS", "", rss_table(results), "", "## Notes", "",
            "- Peers do not do the same job: `cp -as`, `lndir` and `stow` link every file "
            "(none copies the 10% outside `within`), `cp -a` and `rsync -a` copy the links "
            "as links and the regular files as files; none of them checks where a link "
            "points. `cp -as` and `cp -a` have no rerun mode.",
            "- A no-op rerun and check mode walk the same two trees and write nothing; "
            "the gap between them is mostly run-to-run noise, which the load average above "
            "sizes.",
            "- The module runs with its defaults (`fsync: true`, no prune); ansible-playbook "
            "times include starting Ansible (pipelining on, connection local), which the "
            "\"one ping task\" row (`bench/playbooks/floor.yml`) measures on its own.",
            "- When dest exists (no-op, touched and check-mode runs) the engine plans with one "
            "forked process per CPU; a first mirror plans and writes in one process.",
            "- The `ansible.builtin.file` loop (`bench/playbooks/file_loop.yml`: `find`, then "
            "one `file` task item per directory and per file) is timed on a one-file tree "
            "and on a small tree; the fixed and per-file costs fitted to those two are "
            "extrapolated to the tree size.",
            "- Peak RSS: maximum resident set of the process running the engine or of one of "
            "its planning workers, first mirror and no-op rerun (`/usr/bin/time` around the "
            "module's interpreter for the ansible-playbook run).", ""]
    return "\n".join(out)


def plot(results, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = {}
    series = {}
    for row in results["timings"]:
        if row.get("error"):
            continue
        labels[row["tool"]] = row["label"]
        series.setdefault((row["tool"], row["scenario"]), []).append((row["size"], row["median"]))
    # one colour per contender in every panel; the first panel's legend names them all
    colours = dict(zip(labels, plt.get_cmap("tab10").colors))
    figure, axes = plt.subplots(2, 3, figsize=(16, 9))
    panels = list(axes.flat)
    for panel, scenario in zip(panels, ("first", "noop", "touch", "check")):
        for tool, label in labels.items():
            points = sorted(series.get((tool, scenario), []))
            if points:
                panel.plot(*zip(*points), marker="o", label=label, color=colours[tool])
        loop = results.get("loop")
        if scenario == "first" and loop:
            sizes = sorted({row["size"] for row in results["timings"]})
            panel.plot(sizes, [loop_seconds(loop, s) for s in sizes], linestyle="--",
                       color="grey", label="file loop (extrapolated)")
        panel.set_title(SCENARIO_LABELS[scenario])
        panel.set_xlabel("files")
        panel.set_ylabel("median seconds")
        panel.set_xscale("log")
        panel.set_yscale("log")
        panel.grid(True, which="both", alpha=0.3)
    # one legend naming every contender, the ones missing from the first panel too
    named = {}
    for panel in panels[:4]:
        for handle, label in zip(*panel.get_legend_handles_labels()):
            named.setdefault(label, handle)
    panels[0].legend(list(named.values()), list(named), fontsize=8)
    rss = panels[4]
    sizes = sorted(results["rss"], key=int)
    for tool, label in (("engine", "engine in-process"), ("module", "module under ansible-playbook")):
        if sizes:
            rss.plot([int(s) for s in sizes],
                     [max(results["rss"][s][tool].values()) / 1024 for s in sizes],
                     marker="o", label=label, color=colours.get(tool))
    rss.axhline(RSS_LIMIT_KIB / 1024, color="red", linestyle=":", label="target")
    rss.set_title("peak RSS")
    rss.set_xlabel("files")
    rss.set_ylabel("MB")
    rss.set_xscale("log")
    rss.set_ylim(bottom=0)
    rss.legend(fontsize=8)
    panels[5].axis("off")
    panels[5].text(0, 0.5, "%s\n%d CPUs, %s\n%s\nmode %s, commit %s" % (
        results["machine"]["date"], results["machine"]["nproc"], results["machine"]["fs"],
        results["machine"]["kernel"], results["mode"], results["machine"]["commit"]),
        fontsize=10, va="center")
    figure.suptitle("cdn.origin.symlink_or_copy vs peers (lower is better)")
    figure.tight_layout()
    figure.savefig(path, dpi=90)
    plt.close(figure)


def render(results, out):
    with open(os.path.join(out, "RESULTS.md"), "w") as handle:
        handle.write(markdown(results))
    plot(results, os.path.join(out, "bench.png"))


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    out = argv[0] if argv else os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")
    with open(os.path.join(out, "results.json")) as handle:
        render(json.load(handle), out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
