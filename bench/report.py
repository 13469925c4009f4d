"""Turns a run's pyperf JSON (bench/run.py's folder: pyperf/*.json.gz, run.json)
into REPORT.md and bench.png: every ratio and target, all computed from one
run's measurements. Runs in the report venv (pyperf, matplotlib):

    python report.py FOLDER
"""
import glob
import json
import os
import statistics
import sys

import pyperf

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from impls import OP_NAMES, TYPES, WIDTHS  # noqa: E402

PEER_ORDER = ["atomics-1.0.3", "atomics2", "atomicshm", "cereggii", "ft_utils", "atomicx"]
SPEEDUP_TARGET = 50.0
VIEW_TARGET = 3.0
SIZE_TARGET = 64
HOT_OPS = ["inc", "load", "store", "fetch_add"]


# ---- aggregation ---------------------------------------------------------------------------

def load(folder):
    """The run (run.json) with `rows`: one per pyperf benchmark, its key (impl,
    op, width, type, call...) and its median, lowest and highest value in ns;
    a subject left out because it failed has `ns` None and its error."""
    with open(os.path.join(folder, "run.json")) as f:
        raw = json.load(f)
    rows, raw["pyperf"] = [], {}
    for path in sorted(glob.glob(os.path.join(folder, "pyperf", "*.json.gz"))):
        suite = pyperf.BenchmarkSuite.load(path)
        meta = suite.get_metadata()
        impl = meta.get("atomics_impl")
        raw["pyperf"][impl] = {"perf_version": meta.get("perf_version"),
                               "values": sum(b.get_nvalue() for b in suite)}
        for key in json.loads(meta.get("atomics_errors", "[]")):
            rows.append(dict(key, ns=None))
        for bench in suite:
            key = json.loads(bench.get_metadata()["atomics_key"])
            values = [v * 1e9 for v in bench.get_values()]
            key.update(ns=statistics.median(values), lo=min(values), hi=max(values),
                       n=len(values), loops=bench.get_metadata().get("loops"))
            rows.append(key)
    raw["rows"] = rows
    return raw


def _best(rows):
    """The fastest call per (impl, op, width, type)."""
    best = {}
    for row in rows:
        if row["ns"] is None:
            continue
        key = (row["impl"], row["op"], row["width"], row["type"])
        if key not in best or row["ns"] < best[key]["ns"]:
            best[key] = row
    return best


def _errors(rows):
    return {(r["impl"], r["op"], r["width"], r["type"]): r["error"]
            for r in rows if r["ns"] is None}


def summarize(raw):
    rows = [r for r in raw["rows"] if r["op"] != "contended"]
    best = _best(rows)
    errors = _errors(rows)

    def ns(impl, op, width, atype):
        row = best.get((impl, op, width, atype))
        return row["ns"] if row else None

    def ref(op, width=None):
        return ns("python", op, width, None)

    summary = {"rows": rows, "targets": []}
    targets = summary["targets"]

    # 1. every operation >= 50x faster than atomics 1.0.3
    vs103 = []
    for op in OP_NAMES:
        for atype in TYPES:
            for width in WIDTHS:
                ours = ns("ours", op, width, atype)
                old = ns("atomics-1.0.3", op, width, atype)
                if ours is None and old is None:
                    continue
                row = {"op": op, "type": atype, "width": width, "ours": ours,
                       "atomics-1.0.3": old, "atomics2": ns("atomics2", op, width, atype),
                       "speedup": old / ours if ours and old else None,
                       "old_error": errors.get(("atomics-1.0.3", op, width, atype))}
                vs103.append(row)
    summary["vs103"] = vs103
    measured = [r for r in vs103 if r["speedup"]]
    if measured:
        worst = min(measured, key=lambda r: r["speedup"])
        missing = [r for r in vs103 if r["ours"] and not r["atomics-1.0.3"]]
        targets.append({
            "target": "every operation >= %gx faster than atomics 1.0.3" % SPEEDUP_TARGET,
            "status": "PASS" if worst["speedup"] >= SPEEDUP_TARGET else "FAIL",
            "measured": "lowest %.0fx (%s, %s, width %d); %d of %d pairs >= %gx%s" % (
                worst["speedup"], worst["op"], worst["type"], worst["width"],
                sum(r["speedup"] >= SPEEDUP_TARGET for r in measured), len(measured),
                SPEEDUP_TARGET,
                "; %d not comparable (1.0.3 cannot run them)" % len(missing) if missing else ""),
            "value": worst["speedup"]})
    else:
        targets.append({"target": "every operation >= 50x faster than atomics 1.0.3",
                        "status": "N/A", "measured": "atomics 1.0.3 was not measured",
                        "value": None})

    # 2. hot operations at width 8 against x += 1 on a global, and the fastest peer
    hot = []
    g = ref("int_global")
    for op in HOT_OPS:
        ours = ns("ours", op, 8, "INT")
        peers = [(ns(p, op, 8, "INT"), p) for p in PEER_ORDER if ns(p, op, 8, "INT")]
        fastest = min(peers) if peers else (None, None)
        prow = best.get((fastest[1], op, 8, "INT")) if fastest[1] else None
        hot.append({"op": op, "ours": ours, "int_global": g,
                    "ratio_global": ours / g if ours and g else None,
                    "peer": fastest[1], "peer_ns": fastest[0],
                    "peer_call": prow["call"] if prow else None,
                    "ratio_peer": ours / fastest[0] if ours and fastest[0] else None,
                    "ours_lo": best[("ours", op, 8, "INT")]["lo"] if ours else None,
                    "ours_hi": best[("ours", op, 8, "INT")]["hi"] if ours else None})
    summary["hot"] = hot
    for h in hot:
        for what, key, ref_ns, label in (
                ("x += 1 on a global int", "ratio_global", h["int_global"], None),
                ("the fastest peer", "ratio_peer", h["peer_ns"], h["peer"])):
            ratio = h[key]
            targets.append({
                "target": "%s (width 8) no slower than %s" % (h["op"], what),
                "status": "N/A" if ratio is None else ("PASS" if ratio <= 1.0 else "FAIL"),
                "measured": "n/a" if ratio is None else "%.2fx (%.1f ns vs %.1f ns%s)" % (
                    ratio, h["ours"], ref_ns,
                    ", %s `%s`" % (label, h["peer_call"]) if label else ""),
                "value": ratio})

    # 3. atomicview enter+exit <= 3x memoryview(buf)
    views = []
    for atype in TYPES:
        for width in WIDTHS:
            ours = ns("ours", "view_enter_exit", width, atype)
            mv = ref("memoryview", width)
            if ours and mv:
                views.append({"type": atype, "width": width, "ours": ours, "memoryview": mv,
                              "memoryview_with": ref("memoryview_with", width),
                              "ratio": ours / mv})
    summary["views"] = views
    if views:
        worst = max(views, key=lambda v: v["ratio"])
        targets.append({
            "target": "atomicview enter+exit <= %gx memoryview(buf)" % VIEW_TARGET,
            "status": "PASS" if worst["ratio"] <= VIEW_TARGET else "FAIL",
            "measured": "highest %.2fx (%s, width %d: %.1f ns vs %.1f ns)" % (
                worst["ratio"], worst["type"], worst["width"], worst["ours"],
                worst["memoryview"]),
            "value": worst["ratio"]})

    # 4. size of an AtomicInt of width 8; 5. heap allocation per operation
    objects, alloc = [], []
    for impl, res in raw.get("memory", {}).items():
        if "error" not in res:
            objects.extend(res["objects"])
            if impl == "ours":
                alloc = res["alloc"]
    summary["objects"] = objects
    summary["alloc"] = alloc
    ours_obj = [o for o in objects if o.get("impl") == "ours" and "error" not in o]
    if ours_obj:
        o = ours_obj[0]
        total = max(o["getsizeof"], o["traced_per_object"])
        targets.append({
            "target": "AtomicInt of width 8 <= %d bytes in all" % SIZE_TARGET,
            "status": "PASS" if total <= SIZE_TARGET else "FAIL",
            "measured": "%g bytes (sys.getsizeof %d, heap bytes per object %.2f)" % (
                total, o["getsizeof"], o["traced_per_object"]),
            "value": total})
    int_rows = [a for a in alloc if a.get("type") in ("INT", "UINT") and "error" not in a]
    if int_rows:
        bad = [a for a in int_rows if a["extra"] > 0 or a["kept"] > 0]
        targets.append({
            "target": "no heap allocation per operation (widths 1-8) beyond the returned int",
            "status": "PASS" if not bad else "FAIL",
            "measured": "%d of %d calls allocate beyond their result%s (tracemalloc)" % (
                len(bad), len(int_rows),
                "; worst %d bytes (%s %s width %d)" % (
                    max(a["extra"] for a in bad), bad[0]["op"], bad[0]["type"],
                    bad[0]["width"]) if bad else ""),
            "value": len(bad)})

    # width 8 INT across every implementation, for the table and the plot
    impls = ["ours"] + [p for p in PEER_ORDER if any(k[0] == p for k in best)]
    summary["impls"] = impls
    width8 = []
    for op in OP_NAMES:
        cells = {}
        for impl in impls:
            row = best.get((impl, op, 8, "INT"))
            if row:
                cells[impl] = {"ns": row["ns"], "call": row["call"], "note": row["note"]}
        if cells:
            width8.append({"op": op, "cells": cells})
    summary["width8"] = width8
    summary["refs"] = [r for r in rows if r["impl"] == "python"]

    # contended runs: a value is the wall-clock span over the increments of both workers
    contended = [dict(r, ops_per_s=1e9 / r["ns"]) for r in raw["rows"]
                 if r["op"] == "contended" and r["ns"]]
    summary["contended"] = contended
    summary["int_global"] = g
    summary["title"] = "Python %s%s, %s, %s" % (
        raw["interpreter"]["version"].split()[0],
        "" if raw["interpreter"]["gil"] else " (free-threaded)",
        raw["machine"]["cpu"], raw["date"])
    return summary


# ---- rendering ------------------------------------------------------------------------------

def _f(x, digits=1):
    return "n/a" if x is None else ("%.*f" % (digits, x))


def _ops(x):
    if x is None:
        return "n/a"
    for unit, scale in (("M", 1e6), ("k", 1e3)):
        if x >= scale:
            return "%.2f %s" % (x / scale, unit)
    return "%.0f" % x


def _table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] * len(header)) + "|"]
    for r in rows:
        lines.append("| " + " | ".join(str(c) for c in r) + " |")
    return "\n".join(lines)


def _code(s):
    return "`%s`" % s.replace("\n", " ").replace("    ", " ").replace("|", "\\|")


def render(raw, summary, png):
    m = raw["machine"]
    interp = raw["interpreter"]
    gil = interp["gil"]
    perf = next(iter(raw["pyperf"].values()), {}).get("perf_version", "?")
    out = []
    w = out.append
    w("# Benchmark report\n")
    w("Generated by `%s` (bench/run.py, on pyperf %s); how to read it: bench/README.md.\n"
      % (raw["command"], perf))
    w(_table(["", ""], [
        ["date", raw["date"]],
        ["machine", "%s, %s cores, %s" % (m["cpu"], m["cores"], m["platform"])],
        ["Python (workers)", "%s %s%s" % (interp["implementation"], interp["version"],
                                          "" if gil else " free-threaded (GIL disabled)")],
        ["command", "`%s`" % raw["command"]],
        ["source built", "commit %s" % raw["source"]],
        ["profile", "%s: %d values in all, %s s" % (
            raw["profile"], sum(p["values"] for p in raw["pyperf"].values()), raw["seconds"])],
        ["load average (1, 5, 15 min)", "%s at start, %s at end" % (raw["loadavg_start"],
                                                                     raw["loadavg_end"])],
    ]))
    w("")
    if raw["loadavg_start"] and raw["loadavg_start"][0] > 0.5:
        w("> The machine was not idle during this run (load average above; it has %s cores "
          "and is shared). Single-thread figures are CPU time and move little with the load; "
          "the contended ones are wall-clock and move with it. Compare ratios within this "
          "report, not with other runs.\n" % m["cores"])

    w("## Targets\n")
    w("Ratios are between numbers measured in this run. Speed-ups are "
      "`their ns/op / our ns/op`; the other ratios are `our cost / the reference's`.\n")
    w(_table(["target", "status", "measured"],
             [[t["target"], "**%s**" % t["status"], t["measured"]]
              for t in summary["targets"]]))
    w("")

    w("## Implementations\n")
    envs = raw["environments"]
    rows = []
    for name, env in envs.items():
        req = ", ".join(r for r in env["requirements"] if not r.startswith("pyperf"))
        status = ("installed %s" % (env["version"] if name == "ours" else "")).strip()
        rows.append([name, req, status if env["ok"] and "error" not in env
                     else "**not measured**", env["reason"] or env.get("error", "")[:300]])
    w(_table(["implementation", "requirement", "status", "why not"], rows))
    w("")

    if png:
        w("![benchmark plot](%s)\n" % png)

    w("## Per-operation cost: ours against atomics 1.0.3\n")
    w("ns per call (median of pyperf's values), `atomic(width, atype)` objects unless the operation "
      "says view. Speed-up = 1.0.3 / ours.\n")
    rows = []
    for r in summary["vs103"]:
        old = _f(r["atomics-1.0.3"]) if r["atomics-1.0.3"] else (
            "unsupported" if r["old_error"] else "n/a")
        rows.append([r["op"], r["type"], r["width"], _f(r["ours"]), old,
                     ("%.0fx" % r["speedup"]) if r["speedup"] else "n/a",
                     _f(r["atomics2"])])
    w(_table(["operation", "type", "width", "ours ns", "atomics 1.0.3 ns", "speed-up",
              "atomics2 ns"], rows))
    w("")

    w("## Width 8, integers: every implementation\n")
    w("ns per call; where a peer offers several equivalent calls the fastest is shown. "
      "`x += 1` on a global int: %s ns.\n" % _f(summary["int_global"]))
    impls = summary["impls"]
    rows = []
    for r in summary["width8"]:
        rows.append([r["op"]] + [_f(r["cells"][i]["ns"]) if i in r["cells"] else "n/a"
                                 for i in impls])
    w(_table(["operation"] + impls, rows))
    w("")
    w("The calls timed, per implementation (statement as written in the timed loop):\n")
    rows = []
    for row in sorted(summary["rows"], key=lambda r: (
            impls.index(r["impl"]) if r["impl"] in impls else 99, OP_NAMES.index(r["op"])
            if r["op"] in OP_NAMES else 99)):
        if row["impl"] == "python" or row["width"] != 8 or row["type"] != "INT":
            continue
        meth = row.get("method")
        owner = "" if not meth else (meth["owner"] if meth["own_type"]
                                     else "%s (inherited)" % meth["owner"])
        rows.append([row["impl"], row["op"], _code(row["call"]),
                     _f(row["ns"]) if row["ns"] is not None else row.get("error", ""),
                     "%s-%s" % (_f(row.get("lo")), _f(row.get("hi"))) if row["ns"] else "",
                     owner, row["note"]])
    w(_table(["implementation", "operation", "statement", "ns", "lowest-highest value",
              "method defined on", "note"], rows))
    w("")

    w("## Python references\n")
    rows = []
    for r in summary["refs"]:
        rows.append([r["op"] + ("" if r["width"] is None else " (%d bytes)" % r["width"]),
                     _code(r["call"]), _f(r["ns"]),
                     "%s-%s" % (_f(r.get("lo")), _f(r.get("hi"))), r["note"]])
    w(_table(["reference", "statement", "ns", "lowest-highest value", "what"], rows))
    w("")
    w("`noop` is the cost of the timing loop itself per statement; it is included, not "
      "subtracted, in every number above. `call_floor` is about the cheapest a call to a C "
      "method can be on this interpreter.\n")

    w("## atomicview enter+exit against memoryview\n")
    rows = [[v["type"], v["width"], _f(v["ours"]), _f(v["memoryview"]),
             _f(v["memoryview_with"]), "%.2fx" % v["ratio"]] for v in summary["views"]]
    w(_table(["type", "width", "ours ns", "memoryview(buf) ns",
              "with memoryview(buf) ns", "ratio"], rows))
    w("")

    w("## Memory\n")
    rows = []
    for o in summary["objects"]:
        if "error" in o:
            rows.append([o["impl"], "", "error: %s" % o["error"], ""])
        else:
            rows.append([o["impl"], _code(o["constructor"]), o["getsizeof"],
                         _f(o["traced_per_object"])])
    w(_table(["implementation", "object", "sys.getsizeof", "heap bytes per object"], rows))
    w("")
    w("Heap bytes per object: tracemalloc's count for 2000 objects kept alive, divided by "
      "2000: the object and whatever it allocates for itself (not counted: memory a C "
      "library takes with plain malloc).\n")
    alloc = summary["alloc"]
    if alloc:
        w("### Heap allocation per operation (ours)\n")
        w("Bytes a call allocates beyond its result (`extra`, freed or not) and bytes it "
          "leaves allocated beyond its result (`kept`), the worst of 200 calls, from "
          "tracemalloc. *small*: values in CPython's small-int cache; *large*: values "
          "that need a new int or bytes object, which is the result and not counted.\n")
        rows = []
        for a in alloc:
            rows.append([a["type"], a["width"], a["values"], a["op"], a["extra"], a["kept"]])
        bad = [r for r in rows if r[4] or r[5]]
        w("%d calls measured, %d allocate beyond their result.%s\n" % (
            len(rows), len(bad), " Those:" if bad else ""))
        if bad:
            w(_table(["type", "width", "values", "operation", "extra", "kept"], bad))
            w("")
        w("<details><summary>every call</summary>\n")
        w(_table(["type", "width", "values", "operation", "extra", "kept"], rows))
        w("\n</details>\n")

    w("## Contended throughput\n")
    w("Two threads or two processes add 1 to one shared counter n times each (pyperf "
      "chooses n); total operations per second from the first start to the last finish "
      "on the wall clock (median of pyperf's values, lowest and highest beside it). Every "
      "value's final count was checked to be exactly 2n, except where the row says the "
      "call is not atomic.%s Wall-clock figures on a shared machine move with its load "
      "(header).\n" % (" On this GIL build the two threads take turns; the processes run "
                        "in parallel." if gil else ""))
    rows = []
    for c in sorted(summary["contended"], key=lambda c: (c["mode"], -c["ops_per_s"])):
        rows.append([c["impl"], c["mode"], _code(c["name"]), _ops(c["ops_per_s"]),
                     "%s-%s" % (_ops(1e9 / c["hi"]), _ops(1e9 / c["lo"])), c["note"]])
    w(_table(["implementation", "mode", "increment", "total ops/s", "spread", "note"], rows))
    w("")

    w("## Diagnostics\n")
    w("Measurements that help explain the gaps above (interpretation: bench/README.md).\n")
    exact = next((r for r in summary["refs"] if r["op"] == "call_floor_kw"), None)
    inherited = next((r for r in summary["refs"] if r["op"] == "call_inherited"), None)
    if exact and inherited and exact["ns"] and inherited["ns"]:
        w("- **Call path.** A near-empty C method that accepts keywords (`bytes.hex` of "
          "`b''`, METH_FASTCALL | METH_KEYWORDS) costs %s ns on a bytes object and %s ns on "
          "an instance of a subclass that inherits it: %s ns more per call when the method "
          "is not defined on the object's own type (CPython 3.11+ specialises the call only "
          "for the exact type). The column *method defined on* above shows where each "
          "implementation's methods live.\n" % (
              _f(exact["ns"]), _f(inherited["ns"]), _f(inherited["ns"] - exact["ns"])))
    widths = []
    for op in ("load", "store", "exchange", "cmpxchg_strong", "fetch_add", "inc"):
        for atype in TYPES:
            cells = [next((r["ours"] for r in summary["vs103"] if r["op"] == op and
                           r["type"] == atype and r["width"] == wd), None) for wd in WIDTHS]
            if all(c is not None for c in cells):
                widths.append([op, atype] + [_f(c) for c in cells])
    if widths:
        w("- **Width.** Our cost per width (ns). Widths 1 and 8 take the same path through "
          "the core and the same kind of instruction, so a difference between them comes "
          "from the code around it (except fetch_add, whose result at width 8 and 16 is a new "
          "int once the counter leaves the small-int cache, while width 1 wraps around):\n")
        w(_table(["operation", "type"] + ["width %d" % wd for wd in WIDTHS], widths))
        w("")
    w("- **Floors.** The loop alone costs %s ns per statement; a near-empty C method call "
      "%s ns without arguments (METH_NOARGS), %s ns when it accepts keywords; `x += 1` on a "
      "global %s ns (Python references above).\n" % (
          _f(next((r["ns"] for r in summary["refs"] if r["op"] == "noop"), None)),
          _f(next((r["ns"] for r in summary["refs"] if r["op"] == "call_floor"), None)),
          _f(exact["ns"] if exact else None),
          _f(summary["int_global"])))

    w("## Method\n")
    w("pyperf runs each statement in %s: it spawns the worker processes, calibrates the "
      "loop count, keeps every value and computes the statistics; bench/worker.py gives it "
      "each statement compiled into a loop that repeats it 10 times, the statement's names "
      "as the loop's locals (global only where the row says so), timed on the thread's CPU "
      "clock (time.thread_time_ns: time the machine gives to other processes is not "
      "counted) with the garbage collector off. Each implementation runs in its own virtual "
      "environment, one after the other. Construction rows include the new object's "
      "deallocation. The values are in `pyperf/*.json.gz` beside this report "
      "(`python -m pyperf stats` reads them).\n"
      % ("worker processes of its own (%s)" % ("4 processes x 3 values of 20 ms or more"
                                              if raw["profile"] == "full" else
                                              "2 processes x 2 values of 4 ms or more")))
    return "\n".join(out) + "\n"


def main(folder):
    raw = load(folder)
    summary = summarize(raw)
    png = os.path.join(folder, "bench.png")
    try:
        import plot
        plot.draw(summary, png)
    except ImportError as exc:
        print("no plot: %s" % exc)
        png = None
    with open(os.path.join(folder, "REPORT.md"), "w") as f:
        f.write(render(raw, summary, png and os.path.basename(png)))
    for row in summary["targets"]:
        print("  %-4s %s: %s" % (row["status"], row["target"], row["measured"]))


if __name__ == "__main__":
    main(sys.argv[1])
