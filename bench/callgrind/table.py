"""The instruction-count table (bench/results/CALLGRIND.md), in one command:

    python3.11 bench/callgrind/table.py --attach-python PYTHON3.13 [--baseline REV]

Builds this tree (incrementally) into bench/.venvs/<tag>/ours for the
interpreter running this script and, for the cold-attach rows, for
--attach-python; installs cereggii into a venv of its own; with --baseline,
builds git revision REV too, as a column beside this tree's. Then runs
bench/callgrind/op.py under callgrind once per venv: every mode of op.py, with
callgrind dumping its counts at each marker, so one process measures all of
them. Counts are exact and do not move with the machine's load; a run takes
a few minutes (one build, then about 20 s per column). Writes the table to
--out (default bench/results/CALLGRIND.md; `-` prints it).
"""
import argparse
import datetime
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
BENCH = os.path.dirname(HERE)
ROOT = os.path.dirname(BENCH)
sys.path.insert(0, BENCH)
sys.path.insert(0, HERE)
import op  # noqa: E402
import venvs  # noqa: E402

JOBS = 2
CEREGGII = "cereggii==1.0.1"  # wheels for CPython 3.10-3.14 (and 3.14t)

# The operations of the targets, and what each is compared with.
HOT = ["inc", "load", "store", "fetch_add", "cmpxchg_strong"]
PEER_OF = {"load": "cereggii-get", "store": "cereggii-set", "inc": "cereggii-iadd",
           "fetch_add": "cereggii-get_and_increment",
           "cmpxchg_strong": "cereggii-compare_and_set"}


# batch mode: the single element call it replaces
BATCH_VS = [("batch-add_at", "array-inc"), ("batch-add_at_short", "array-inc"),
            ("batch-fetch_add_at", "array-fetch_add"), ("batch-load_all", "array-load"),
            ("batch-store_all", "array-store")]


def callgrind_one(python, mode):
    """Instructions per statement of `mode`, in a process of its own (what
    ran before in the same process would move the counts by a few percent:
    the allocator's state)."""
    out_dir = tempfile.mkdtemp(prefix="atomics-callgrind-")
    try:
        cmd = ["valgrind", "--tool=callgrind", "--dump-before=getppid",
               "--callgrind-out-file=" + os.path.join(out_dir, "cg.out"),
               python, os.path.join(HERE, "op.py"), mode]
        env = dict(os.environ, PYTHONHASHSEED="0")  # dict layouts, so counts, repeat exactly
        res = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                             universal_newlines=True, timeout=1800)
        if res.returncode != 0:
            sys.exit("callgrind run of %s failed:\n%s" % (mode, res.stderr[-3000:]))
        statements = json.loads(res.stdout.strip().splitlines()[-1])[mode]
        totals = {}
        for path in glob.glob(os.path.join(out_dir, "cg.out.*")):
            with open(path) as f:
                for line in f:
                    if line.startswith("totals:"):
                        totals[int(path.rsplit(".", 1)[1])] = int(line.split()[1])
                        break
        if sorted(totals) != [1, 2, 3]:
            sys.exit("%s: expected 3 callgrind dumps, got %d: something else called getppid()"
                     % (mode, len(totals)))
        # dump k holds the counts since marker k-1: dump 2 is the run of n1
        # iterations, dump 3 the run of n2
        return (totals[3] - totals[2]) / statements
    finally:
        shutil.rmtree(out_dir, ignore_errors=True)


def callgrind(python, modes):
    """{mode: instructions per statement}, JOBS valgrind processes at a time."""
    with ThreadPoolExecutor(JOBS) as pool:
        return dict(zip(modes, pool.map(lambda m: callgrind_one(python, m), modes)))


def modes_needing(*needs):
    return [m for m, (n, _, _) in op.MODES.items() if n in needs and not m.startswith("attach-")]


def measure_column(python, label, attach_python=None, batch=True):
    """Our modes under `python` (and the attach modes under `attach_python`);
    batch=False leaves out the batch-* modes (a revision before issue 17)."""
    venvs.log("callgrind: %s (%s)" % (label, os.path.relpath(python, ROOT)))
    counts = callgrind(python, [m for m in modes_needing("", "atomics")
                                if batch or not m.startswith("batch-")])
    if attach_python:
        venvs.log("callgrind: %s, attach (%s)" % (label, os.path.relpath(attach_python, ROOT)))
        counts.update(callgrind(attach_python, ["attach-handle", "attach-shm_view"]))
    return counts


def fmt(x):
    return "n/a" if x is None else "{:,.0f}".format(x)


def ratio(a, b):
    return "n/a" if a is None or b is None else "%.2f" % (a / b)


def render(args, info, attach_info, columns, peer, peer_reason):
    main_label = columns[-1][0]
    cur = columns[-1][1]
    g = cur["ref-g_inc"]
    out = []
    w = out.append
    w("# Instructions per call (callgrind)\n")
    w("Made by `%s` on %s (CPython %s, x86-64%s; valgrind %s). Counts are exact "
      "and do not move with the machine's load: rerun it to check a change "
      "(bench/README.md).\n" % (args.command, args.date, info["version"],
                                ", cold attach on CPython %s" % attach_info["version"]
                                if attach_info else "", args.valgrind))
    w("Each number is the instructions one statement costs, in a loop that repeats it 10 "
      "times per iteration with its names as locals (a tenth of the loop's own cost is in "
      "every row: `pass` is the loop alone), the difference between a run of 10,000 and "
      "one of 30,000 statements; the ratios divide two such numbers of this run. "
      "`g += 1` is a global int incremented (%s instructions). Columns: %s.\n"
      % (fmt(g), ", ".join("**%s**" % c[0] for c in columns)))

    w("## Targets (issue 18), %s\n" % main_label)
    rows = []
    for opname in HOT:
        ours = cur.get("owned-" + opname)
        rows.append(["`a.%s`" % op.MODES["owned-" + opname][2][2:], fmt(ours), ratio(ours, g)]
                    + ([ratio(c[1].get("owned-" + opname), c[1]["ref-g_inc"])
                        for c in columns[:-1]]))
    w(_table(["call", "instructions", "vs `g += 1`"]
             + ["vs `g += 1`, %s" % c[0] for c in columns[:-1]], rows))
    w("")
    if peer:
        rows = []
        for opname, pmode in PEER_OF.items():
            ours, theirs = cur.get("owned-" + opname), peer.get(pmode)
            rows.append(["`a.%s`" % op.MODES["owned-" + opname][2][2:], fmt(ours),
                         "`%s`" % op.MODES[pmode][2], fmt(theirs), ratio(ours, theirs)])
        w("Against cereggii %s (`AtomicInt64`, measured the same way in this run, its own "
          "venv; its `g += 1`: %s):\n" % (CEREGGII.split("==")[1], fmt(peer["ref-g_inc"])))
        w(_table(["ours", "instructions", "cereggii", "instructions", "ours / cereggii"], rows))
        w("")
    else:
        w("cereggii: not measured (%s).\n" % peer_reason)
    rows = []
    for opname in ["inc", "load", "store", "fetch_add", "cmpxchg_strong"]:
        a, o = cur.get("array-" + opname), cur.get("owned-" + opname)
        rows.append(["`%s`" % op.MODES["array-" + opname][2], fmt(a), fmt(o), ratio(a, o)])
    w("Array element calls against a single object's (`atomicarray(bytearray(64), 8, INT)`, "
      "element 3):\n")
    w(_table(["call", "instructions", "single object", "array / single"], rows))
    w("")
    rows = []
    for mode, single in BATCH_VS:
        if mode not in cur:
            continue
        n = op.BATCH_ELEMENTS[mode]
        per = cur[mode] / n
        rows.append(["`%s`" % op.MODES[mode][2], "{:,}".format(n), fmt(cur[mode]),
                     "%.1f" % per, "`%s`" % op.MODES[single][2], fmt(cur.get(single)),
                     ratio(per, cur.get(single))])
    if rows:
        w("Batch operations (issue 17) per element, against the single element call, on a "
          "4096-element INT64 `atomicarray` (`idx`: 4096 pseudo-random bins, `short`: the "
          "first 256 of them; a batch at least as long as the array merges repeated indexes "
          "before its atomic operations):\n")
        w(_table(["batch call", "elements", "instructions per call", "per element",
                  "single call", "instructions", "per element / single"], rows))
        w("")
    if "attach-handle" in cur:
        h, s = cur["attach-handle"], cur["attach-shm_view"]
        w("Cold attach on CPython %s: a shared counter attached in a process that has not "
          "mapped its segment (a child process made it), incremented once and dropped; "
          "user-space instructions only (the system calls, `shm_open`, `mmap`, `munmap`, "
          "and the page faults are not counted; `bench/shared_attach.py` times the whole "
          "path on the wall clock):\n" % attach_info["version"])
        w(_table(["path", "instructions per attach", "vs SharedMemory + atomicview"], [
            ["`pickle.loads(handle).inc()`", fmt(h), ratio(h, s)],
            ["`SharedMemory(name=..., track=False)` + `atomicview(shm.buf[64:72], INT)` + "
             "`inc()` + release + close", fmt(s), "1.00"]]))
        w("")

    w("## Every mode\n")
    header = ["mode", "statement"] + ["%s" % c[0] for c in columns] + ["vs `g += 1`"]
    rows = []
    for mode, (needs, _, stmt) in op.MODES.items():
        if needs == "cereggii" or mode.startswith("attach-"):
            continue
        rows.append([mode, _code(stmt)] + [fmt(c[1].get(mode)) for c in columns]
                    + [ratio(cur.get(mode), g)])
    if peer:
        for mode in modes_needing("cereggii"):
            rows.append([mode, _code(op.MODES[mode][2])] + ["" for _ in columns[:-1]]
                        + [fmt(peer[mode]), ratio(peer[mode], g)])
    w(_table(header, rows))
    w("")
    if len(columns) > 1:
        w("(cereggii rows: in the last column.)\n")
    return "\n".join(out)


def _code(stmt):
    return "`%s`" % stmt.replace("\n    ", " ").replace("\n", "; ").replace("|", "\\|")


def _table(header, rows):
    lines = ["| " + " | ".join(header) + " |",
             "| " + " | ".join(["---"] + ["---:"] * (len(header) - 1)) + " |"]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def main():
    global JOBS
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--attach-python", help="a CPython 3.13+ for the cold-attach rows")
    ap.add_argument("--baseline", metavar="REV", help="also measure this git revision")
    ap.add_argument("--no-build", action="store_true", help="reuse the installed build")
    ap.add_argument("--jobs", type=int, default=JOBS,
                    help="valgrind processes at a time (default %(default)s)")
    ap.add_argument("--out", default=os.path.join(BENCH, "results", "CALLGRIND.md"))
    args = ap.parse_args()
    JOBS = args.jobs
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed (Debian: apt-get install valgrind)")
    args.valgrind = subprocess.run(["valgrind", "--version"], stdout=subprocess.PIPE,
                                   universal_newlines=True).stdout.strip().split("-")[-1]
    args.command = " ".join(["python%d.%d" % sys.version_info[:2],
                             os.path.relpath(os.path.abspath(sys.argv[0]), ROOT)]
                            + [re.sub(r"^/.*/(python[\w.]*)$", r"\1", a) for a in sys.argv[1:]])
    args.date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
    info = venvs.interpreter(sys.executable)

    ours = venvs.ensure(sys.executable, "ours", [venvs.PYPERF], ours=True,
                        build=not args.no_build)
    attach = attach_info = None
    if args.attach_python:
        attach_info = venvs.interpreter(args.attach_python)
        attach = venvs.ensure(args.attach_python, "ours", [venvs.PYPERF], ours=True,
                              build=not args.no_build).python
    columns = []
    if args.baseline:
        sha = venvs.commit(args.baseline)
        base = venvs.ensure(sys.executable, "ours-" + sha, [], ours=True, rev=sha)
        base_attach = venvs.ensure(args.attach_python, "ours-" + sha, [], ours=True,
                                   rev=sha).python if attach else None
        label = sha if sha.startswith(args.baseline) else "%s (%s)" % (args.baseline, sha)
        batch = subprocess.run([base.python, "-c", "import atomics; atomics.atomicarray.add_at"],
                               stderr=subprocess.DEVNULL).returncode == 0
        columns.append((label, measure_column(base.python, label, base_attach, batch)))
    label = "this tree (%s, %s)" % (venvs.git_describe(), ours.version)
    columns.append((label, measure_column(ours.python, "this tree", attach)))
    peer_env = venvs.ensure(sys.executable, "cereggii", [CEREGGII, venvs.PYPERF])
    peer = None
    if peer_env.ok:
        venvs.log("callgrind: cereggii")
        peer = callgrind(peer_env.python, ["ref-g_inc"] + modes_needing("cereggii"))
    text = render(args, info, attach_info, columns, peer, peer_env.reason)
    if args.out == "-":
        print(text)
    else:
        with open(args.out, "w") as f:
            f.write(text + "\n")
        venvs.log("wrote %s" % os.path.relpath(args.out, ROOT))


if __name__ == "__main__":
    main()
