"""Times one implementation inside its own virtual environment, with pyperf.

    python worker.py IMPL [pyperf options: -o FILE.json --processes N ...]
    python worker.py --memory IMPL FILE.json

The first form is a pyperf script: pyperf spawns the worker processes,
calibrates the loop counts, keeps every value and writes them as JSON. Each
subject of impls.ADAPTERS[IMPL] is a pyperf benchmark whose metadata
`atomics_key` (JSON) says which implementation, operation, width and type it
is. A statement is compiled into a loop that repeats it UNROLL times, its
names bound as locals, and timed on the thread's CPU clock
(time.thread_time_ns), so time the machine gives to other work is not
counted; the garbage collector is off while it runs. The contended subjects
(two threads or two processes adding to one counter) use the wall clock, as
they must.

The second form measures memory (bytes per object; heap bytes each operation
allocates, ours only) and writes plain JSON. Standard library and pyperf only;
Python 3.9 syntax.
"""
import gc
import itertools
import json
import os
import statistics
import sys
import textwrap
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import impls  # noqa: E402

UNROLL = 10


def compile_loop(stmt, ns, global_names=(), unroll=UNROLL):
    """loop(n): run `stmt` n * unroll times. Names of `ns` are locals, except
    `global_names`, which stay in `ns`, used as the loop's globals."""
    lines = ["def _loop(_n):"]
    if global_names:
        lines.append("    global " + ", ".join(global_names))
    lines += ["    %s = _ns[%r]" % (k, k) for k in ns
              if k not in global_names and k.isidentifier() and not k.startswith("_")]
    lines.append("    for _ in _repeat(None, _n):")
    src = "\n".join(lines) + "\n" + (textwrap.indent(stmt, " " * 8) + "\n") * unroll
    g = ns if global_names else {}
    g.update({"_ns": ns, "_repeat": itertools.repeat})
    exec(compile(src, "<bench %s>" % stmt.splitlines()[0], "exec"), g)
    return g["_loop"]


def cpu_timer(subject):
    """pyperf's time_func for a subject: CPU seconds for `loops` iterations."""
    state = {}

    def time_func(loops):
        if "loop" not in state:  # only in the process that runs this subject
            state["loop"] = compile_loop(subject.stmt, subject.setup(), subject.global_names)
        loop = state["loop"]
        gc.collect()
        gc.disable()
        try:
            t0 = time.thread_time_ns()
            loop(loops)
            return (time.thread_time_ns() - t0) / 1e9
        finally:
            gc.enable()
    return time_func


def method_owner(subject):
    """For `a.name(...)`: the class defining `name`, and whether it is the
    object's own type (CPython 3.11+ specialises a call to a C method only
    when it is; an inherited method takes the generic, slower path)."""
    stmt = subject.stmt
    if not stmt.startswith("a.") or "(" not in stmt:
        return None
    name = stmt[2:stmt.index("(")]
    for cls in type(subject.setup()["a"]).__mro__:
        if name in vars(cls):
            return {"owner": cls.__name__, "own_type": cls is type(subject.setup()["a"])}
    return None


# ---- contended: two threads or two processes, one counter -----------------------------

# Processes start together at a deadline set when the barrier trips: a process
# woken from a barrier can lag the other by milliseconds on a busy machine.
START_DELAY_NS = 20_000_000
# Increments per worker per pyperf loop: a span of a few increments would be
# all start-up skew, and pyperf's calibration would stop at it.
CONTENDED_BATCH = 50_000


def _attached(bench, handle, n, barrier, results, deadline):
    stmt, ns, detach = bench.attach(handle)
    global_names = tuple(k for k in ns if k in impls.GLOBAL_CONTENDED)
    loop = compile_loop(stmt, ns, global_names, unroll=1)
    barrier.wait()
    if deadline is not None:
        while time.perf_counter_ns() < deadline.value:
            pass
    t0 = time.perf_counter_ns()
    loop(n)
    t1 = time.perf_counter_ns()
    detach()
    results.put((t0, t1))


def contended_timer(bench):
    """Wall-clock seconds from the first worker's start to the last one's end
    for 2 workers adding 1 `loops` * CONTENDED_BATCH times each; refuses an
    inexact total."""
    import multiprocessing
    import queue

    def time_func(loops):
        n = loops * CONTENDED_BATCH
        handle = bench.create()
        try:
            if bench.mode == "threads":
                barrier, results, deadline = threading.Barrier(2), queue.Queue(), None
                runners = [threading.Thread(target=_attached, args=(
                    bench, handle, n, barrier, results, None)) for _ in range(2)]
            else:
                ctx = multiprocessing.get_context("fork")
                deadline = ctx.Value("q", 0, lock=False)

                def set_deadline():
                    deadline.value = time.perf_counter_ns() + START_DELAY_NS
                barrier, results = ctx.Barrier(2, action=set_deadline), ctx.Queue()
                runners = [ctx.Process(target=_attached, args=(
                    bench, handle, n, barrier, results, deadline)) for _ in range(2)]
            for r in runners:
                r.start()
            spans = [results.get(timeout=600) for _ in runners]
            for r in runners:
                r.join()
            total = bench.total(handle)
        finally:
            bench.destroy(handle)
        if total != 2 * n and bench.atomic:
            raise RuntimeError("%s: count %d after 2 x %d increments" % (bench.name, total, n))
        return (max(s[1] for s in spans) - min(s[0] for s in spans)) / 1e9
    return time_func


# ---- memory --------------------------------------------------------------------------

def _is_cached(value):
    """True for results CPython hands out without allocating."""
    if value is None or value is True or value is False:
        return True
    if type(value) is int:
        return -5 <= value <= 256
    return type(value) is bytes and len(value) <= 1


def object_size(adapter, count=2000):
    """sys.getsizeof of one object, and the heap bytes tracemalloc sees per
    object kept alive: (bytes for 2 * count objects - for count) / count."""
    import tracemalloc
    make = eval("lambda: " + adapter.constructor, dict(adapter.constructor_ns()))

    def traced(n):
        keep = [None] * n
        gc.collect()
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            for i in range(n):
                keep[i] = make()
            return tracemalloc.get_traced_memory()[0] - before
        finally:
            tracemalloc.stop()
    return {"impl": adapter.impl, "constructor": adapter.constructor,
            "getsizeof": sys.getsizeof(make()),
            "traced_per_object": (traced(2 * count) - traced(count)) / count}


def allocations(m, times=200):
    """Heap bytes each operation allocates beyond its result, ours only.

    One call: the value reset, tracemalloc's total read, its peak reset, the
    call, then current and peak read. extra = peak - current (allocated and
    freed during the call); kept = current - before - the result's size
    (left allocated: a leak unless 0). The reading itself leaves an int
    behind: its size is calibrated on a call known to allocate nothing.
    The worst of `times` calls."""
    import tracemalloc
    gtm = tracemalloc.get_traced_memory

    def once(fn, args, offset):
        before = gtm()[0]
        tracemalloc.reset_peak()
        result = fn(*args)
        current, peak = gtm()
        kept = current - before - offset
        if not _is_cached(result):
            kept -= sys.getsizeof(result)
            # CPython allocates some one-digit ints whole: 4 bytes more than getsizeof
            if type(result) is int and -(1 << 30) < result < (1 << 30) and 0 < kept <= 4:
                kept = 0
        return peak - current, kept

    rows = []
    gc.collect()
    gc.disable()
    tracemalloc.start()
    try:
        calibrate = (5).bit_length  # a C method returning a cached int, allocating nothing
        offset = statistics.median([once(calibrate, (), 0)[1] for _ in range(60)][10:])
        for atype in ("INT", "UINT", "BYTES"):
            for width in (1, 2, 4, 8):
                helper, integral = getattr(m, atype), atype != "BYTES"
                a = m.atomic(width=width, atype=helper)
                if integral:
                    values = {"small": 0, "large": (1 << (8 * width - 2)) + 12345
                              if width > 1 else 100}
                    one = 1
                else:
                    values = {"small": bytes(width), "large": bytes(range(1, width + 1))}
                    one = b"\x01" * width
                for label, start in values.items():
                    calls = [("load", a.load, ()), ("store", a.store, (start,)),
                             ("exchange", a.exchange, (start,)),
                             ("cmpxchg_strong", a.cmpxchg_strong, (start, start)),
                             ("bit_test_set", a.bit_test_set, (0,))]
                    if integral:
                        calls += [("inc", a.inc, ()), ("fetch_add", a.fetch_add, (one,))]
                    for op, fn, args in calls:
                        # two lists of ints, not a list of once()'s tuples: kept
                        # alive, those would drain the tuple free list that the
                        # readings inside the window draw from (3.13 then counts
                        # a fresh 56-byte tuple in every call)
                        extras, kepts = [], []
                        for i in range(times + 20):
                            a.store(start)
                            extra, kept = once(fn, args, offset)
                            if i >= 20:  # the first calls warm caches, here and in CPython
                                extras.append(extra)
                                kepts.append(kept)
                        rows.append({"type": atype, "width": width, "values": label, "op": op,
                                     "extra": max(extras), "kept": max(kepts, key=abs)})
    finally:
        tracemalloc.stop()
        gc.enable()
    return rows


def memory(impl, path):
    adapter = impls.ADAPTERS[impl]
    out = {"objects": [], "alloc": []}
    if adapter.constructor:
        out["objects"].append(object_size(adapter))
    if impl == "ours":
        out["alloc"] = allocations(adapter.module())
    with open(path, "w") as f:
        json.dump(out, f, indent=1)


# ---- main --------------------------------------------------------------------------------

def main():
    if sys.argv[1:2] == ["--memory"]:
        return memory(sys.argv[2], sys.argv[3])
    import pyperf
    runner = pyperf.Runner(values=3, processes=4, min_time=0.02,
                           add_cmdline_args=lambda cmd, args: cmd.append(args.impl))
    runner.argparser.add_argument("impl", choices=sorted(impls.ADAPTERS))
    args = runner.parse_args()
    adapter = impls.ADAPTERS[args.impl]
    # Every process (pyperf's main one and each worker) lists the same
    # subjects in the same order; one whose setup fails (1.0.3 has no width
    # 16 here) is left out of all of them and named in the metadata.
    subjects, errors = [], []
    for subject in adapter.subjects():
        key = subject.key()
        key.update(stmt=subject.stmt, note=subject.note)
        try:
            key["method"] = method_owner(subject)
            subject.setup()
        except Exception as exc:
            key["error"] = "%s: %s" % (type(exc).__name__, exc)
            errors.append(key)
            continue
        subjects.append((subject, key))
    runner.metadata["atomics_impl"] = adapter.impl
    runner.metadata["atomics_errors"] = json.dumps(errors)
    for subject, key in subjects:
        name = "%s %s %s %s %s" % (key["impl"], key["op"], key["width"], key["type"],
                                   " ".join(subject.call.split()))
        runner.bench_time_func(name, cpu_timer(subject), inner_loops=UNROLL,
                               metadata={"atomics_key": json.dumps(key)})
    for bench in adapter.contended():
        key = {"impl": adapter.impl, "op": "contended", "mode": bench.mode,
               "name": bench.name, "note": bench.note}
        runner.bench_time_func("%s contended %s %s" % (adapter.impl, bench.mode, bench.name),
                               contended_timer(bench), inner_loops=2 * CONTENDED_BATCH,
                               metadata={"atomics_key": json.dumps(key)})


if __name__ == "__main__":
    main()
