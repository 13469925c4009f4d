"""Measures one implementation inside its own virtual environment and prints
JSON; run.py starts it once per implementation and round. Standard library
only, and Python 3.9 syntax, so it runs under any interpreter being tested.

    python worker.py IMPL PHASE [--quick] [--out FILE]

PHASE is one of:
  ops        ns/op of every statement of impls.ADAPTERS[IMPL].subjects()
  memory     bytes per object, and heap bytes per operation (tracemalloc)
  contended  total ops/s of 2 threads / 2 processes adding to one counter

Timing: each statement is compiled into a loop, written out UNROLL times in
the loop body so the loop's own cost is small, run for about TARGET seconds
per repeat; the result is the median over REPEATS repeats of elapsed /
(loops * UNROLL). Nothing is subtracted: the loop's cost per statement is
measured as the `noop` row of the Python references. The garbage collector is
off while a statement is timed.
"""
import argparse
import gc
import itertools
import json
import os
import platform
import statistics
import sys
import textwrap
import threading
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import impls  # noqa: E402

UNROLL = 10
PROFILES = {
    # seconds per repeat, repeats per statement
    "full": {"target": 0.02, "repeats": 7},
    "quick": {"target": 0.004, "repeats": 3},
}


# ---- loops ---------------------------------------------------------------------------

_LOOP_NAMES = {"_ns", "_perf", "_repeat", "_loop"}


def compile_loop(stmt, ns, global_names=(), unroll=UNROLL, clock=time.perf_counter_ns):
    """A function loop(n) -> (t0, t1), readings of `clock` in ns, running
    `stmt` n * unroll times. Names of `ns` become locals, except
    `global_names`, which stay in `ns`, used as the loop's globals."""
    body = textwrap.indent(stmt, " " * 8) + "\n"
    lines = ["def _loop(_n):"]
    if global_names:
        lines.append("    global " + ", ".join(global_names))
    for name in ns:
        if name not in global_names and name not in _LOOP_NAMES and name.isidentifier() \
                and not name.startswith("__"):
            lines.append("    %s = _ns[%r]" % (name, name))
    lines.append("    _t0 = _perf()")
    lines.append("    for _ in _repeat(None, _n):")
    src = "\n".join(lines) + "\n" + body * unroll + "    return _t0, _perf()\n"
    g = ns if global_names else {}
    g.update({"_ns": ns, "_perf": clock, "_repeat": itertools.repeat})
    exec(compile(src, "<bench %s>" % stmt.splitlines()[0], "exec"), g)
    return g["_loop"]


def time_statement(subject, profile):
    """ns per statement: median, min, max over the repeats, and the loop count."""
    ns = subject.setup()
    # CPU time of this thread: time the machine gave to other processes is
    # not counted (the statements timed here never block)
    loop = compile_loop(subject.stmt, ns, subject.global_names, clock=time.thread_time_ns)
    target_ns = profile["target"] * 1e9
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    try:
        loop(1)  # warm up: specialise the bytecode, fill caches
        n = 1
        while True:
            t0, t1 = loop(n)
            if t1 - t0 >= target_ns / 8 or n >= 1 << 30:
                break
            n *= 4
        n = max(1, int(n * target_ns / max(t1 - t0, 1)))
        runs = []
        for _ in range(profile["repeats"]):
            t0, t1 = loop(n)
            runs.append((t1 - t0) / (n * UNROLL))
    finally:
        if enabled:
            gc.enable()
    return {"ns": statistics.median(runs), "min": min(runs), "max": max(runs),
            "loops": n, "unroll": UNROLL, "runs": runs}


def method_owner(subject):
    """For a statement `a.name(...)`: the class that defines `name`, and
    whether it is the object's own type. CPython 3.11+ specialises a call to
    a C method only when the object's type is exactly the type defining it;
    a method inherited from a base class takes the generic, slower path."""
    stmt = subject.stmt
    if not stmt.startswith("a.") or "(" not in stmt:
        return None
    name = stmt[2:stmt.index("(")]
    obj = subject.setup()["a"]
    for cls in type(obj).__mro__:
        if name in vars(cls):
            return {"name": name, "owner": cls.__name__, "own_type": cls is type(obj)}
    return None


def phase_ops(adapter, profile):
    out = []
    for subject in adapter.subjects():
        row = subject.key()
        row["stmt"] = subject.stmt
        row["note"] = subject.note
        try:
            row.update(time_statement(subject, profile))
            row["method"] = method_owner(subject)
        except Exception as exc:  # an unsupported width, a peer's bug: keep going
            row["error"] = "%s: %s" % (type(exc).__name__, exc)
        out.append(row)
    return out


# ---- memory ----------------------------------------------------------------------------

def _is_cached(value):
    """True for results CPython hands out without allocating."""
    if value is None or value is True or value is False:
        return True
    if type(value) is int:
        return -5 <= value <= 256
    if type(value) is bytes:
        return len(value) <= 1
    return False


def object_size(adapter, count=2000):
    """sys.getsizeof of one object, and the heap bytes tracemalloc sees per
    object kept alive (the object plus whatever it holds): the difference
    between keeping 2 * count and count objects, divided by count, so that
    fixed costs of the measuring itself cancel out."""
    import tracemalloc
    ns = adapter.constructor_ns()
    make = eval("lambda: " + adapter.constructor, dict(ns))
    sample = make()

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
            del keep

    per_object = (traced(2 * count) - traced(count)) / count
    return {"impl": adapter.impl, "constructor": adapter.constructor,
            "getsizeof": sys.getsizeof(sample), "traced_per_object": per_object}


class AllocProbe:
    """Heap bytes an operation allocates, beyond the object it returns.

    For one call: reset the object's value (before the window), read the
    traced total, open a window with reset_peak(), call, then read the
    current and peak totals. `base` is the total before plus what reading it
    left allocated (the int holding it), calibrated with a call known to
    allocate nothing, which must then read 0 on both counts.

      extra = peak - current: bytes allocated during the call and freed
              before it returned. With the "small" values every result comes
              from CPython's caches, so any temporary allocation shows here.
      kept  = current - base - sys.getsizeof(result) (0 for cached results):
              bytes left allocated beyond the result itself, a leak if not 0.
              (CPython allocates some one-digit ints as a whole PyLongObject,
              4 bytes more than getsizeof reports: those 4 bytes are the
              result's, not kept.)
    """

    def __init__(self):
        import tracemalloc
        self.tm = tracemalloc
        self.offset = 0
        # a C method returning a cached int: called exactly as the operations
        # are, and known to allocate nothing
        calibrate = (5).bit_length
        readings = [self._once(calibrate, ())[1] for _ in range(60)][10:]
        self.offset = statistics.median(readings)
        self.check = self.measure(calibrate, (), lambda: None)

    def _once(self, fn, args):
        gtm = self.tm.get_traced_memory
        before = gtm()[0]
        self.tm.reset_peak()
        result = fn(*args)
        current, peak = gtm()
        kept = current - before - self.offset
        if not _is_cached(result):
            kept -= sys.getsizeof(result)
            if type(result) is int and -(1 << 30) < result < (1 << 30) and 0 < kept <= 4:
                kept = 0
        del result
        return peak - current, kept

    def measure(self, fn, args, reset, times=200):
        extras, kept = [], []
        for i in range(times + 20):
            reset()
            e, k = self._once(fn, args)
            if i >= 20:  # the first calls warm caches up, here and in CPython
                extras.append(e)
                kept.append(k)
        return max(extras), max(kept, key=abs)


def phase_memory(adapter, profile):
    import tracemalloc
    out = {"objects": [], "alloc": []}
    if adapter.constructor:
        try:
            out["objects"].append(object_size(adapter))
        except Exception as exc:
            out["objects"].append({"impl": adapter.impl, "error": repr(exc)})
    if not isinstance(adapter, impls.AtomicsApi):
        return out
    m = adapter.module()
    gc.collect()
    gc.disable()
    tracemalloc.start()
    try:
        probe = AllocProbe()
        out["calibration_offset"] = probe.offset
        out["calibration_check"] = probe.check
        for atype in ("INT", "UINT", "BYTES"):
            for width in (1, 2, 4, 8):
                for view in (False, True):
                    if view and width != 8:
                        continue
                    try:
                        rows = _alloc_rows(m, probe, atype, width, view)
                    except Exception as exc:
                        rows = [{"type": atype, "width": width, "view": view,
                                 "error": "%s: %s" % (type(exc).__name__, exc)}]
                    out["alloc"].extend(rows)
    finally:
        tracemalloc.stop()
        gc.enable()
    return out


def _alloc_rows(m, probe, atype, width, view):
    helper = getattr(m, atype)
    ctx = None
    if view:
        buf = bytearray(width)
        ctx = m.atomicview(buffer=buf, atype=helper)
        a = ctx.__enter__()
    else:
        a = m.atomic(width=width, atype=helper)
    rows = []
    integral = atype != "BYTES"
    bits = 8 * width
    if integral:
        # small: results stay in CPython's small-int cache; large: they do not
        small = 0
        large = (1 << (bits - 2)) + 12345 if bits > 8 else 100
        one = 1
    else:
        small = bytes(width)
        large = bytes(range(1, width + 1))
        one = b"\x01" * width
    for label, start in (("small", small), ("large", large)):
        calls = [("load", a.load, ()), ("store", a.store, (start,)),
                 ("exchange", a.exchange, (start,)),
                 ("cmpxchg_strong", a.cmpxchg_strong, (start, start)),
                 ("bit_test_set", a.bit_test_set, (0,))]
        if integral:
            calls += [("inc", a.inc, ()), ("fetch_add", a.fetch_add, (one,))]
        for op, fn, args in calls:
            extra, kept = probe.measure(fn, args, lambda: a.store(start))
            rows.append({"type": atype, "width": width, "view": view, "values": label,
                         "op": op, "extra": extra, "kept": kept,
                         "result_type": type(fn(*args)).__name__})
    if ctx is not None:
        del a
        ctx.__exit__(None, None, None)
    return rows


# ---- contended throughput -------------------------------------------------------------------

# Processes start together at a deadline set when the barrier trips: a
# process woken from the barrier can lag the other by milliseconds on a busy
# machine, longer than a fast run takes, so each spins until the deadline.
START_DELAY_NS = 20_000_000
_deadline = None


def _set_deadline():
    _deadline.value = time.perf_counter_ns() + START_DELAY_NS


def _run_attached(impl, name, mode, handle, n, barrier, results, deadline=None):
    """Body of one thread or process: attach, wait for the other, loop, report."""
    global _deadline
    _deadline = deadline
    bench = _find_contended(impl, name, mode)
    stmt, ns, detach = bench.attach(handle)
    global_names = tuple(k for k in ns if k in impls.GLOBAL_CONTENDED)
    loop = compile_loop(stmt, ns, global_names, unroll=1)
    loop(1)  # warm up (its increment is counted by the caller)
    barrier.wait()
    if deadline is not None:
        while time.perf_counter_ns() < deadline.value:
            pass
    c0 = time.thread_time_ns()
    t0, t1 = loop(n - 1)
    c1 = time.thread_time_ns()
    detach()
    results.put((t0, t1, c1 - c0))


def _find_contended(impl, name, mode):
    for bench in impls.ADAPTERS[impl].contended():
        if bench.name == name and bench.mode == mode:
            return bench
    raise LookupError("%s: no contended run %r (%s)" % (impl, name, mode))


def run_contended(adapter, bench, n, workers=2):
    import multiprocessing
    import queue
    handle = bench.create()
    try:
        if bench.mode == "threads":
            barrier = threading.Barrier(workers)
            results = queue.Queue()
            runners = [threading.Thread(target=_run_attached,
                                        args=(adapter.impl, bench.name, bench.mode, handle, n,
                                              barrier, results)) for _ in range(workers)]
        else:
            ctx = multiprocessing.get_context("spawn")
            barrier = ctx.Barrier(workers, action=_set_deadline)
            deadline = ctx.Value("q", 0, lock=False)
            results = ctx.Queue()
            runners = [ctx.Process(target=_run_attached,
                                   args=(adapter.impl, bench.name, bench.mode, handle, n,
                                         barrier, results, deadline))
                       for _ in range(workers)]
        for r in runners:
            r.start()
        spans = [results.get(timeout=600) for _ in runners]
        for r in runners:
            r.join()
            if getattr(r, "exitcode", 0):
                raise RuntimeError("worker process exited with %s" % r.exitcode)
        total = bench.total(handle)
    finally:
        bench.destroy(handle)
    start = min(s[0] for s in spans)
    end = max(s[1] for s in spans)
    seconds = (end - start) / 1e9
    # each worker made one warm-up increment outside its timed span
    timed_ops = workers * (n - 1)
    # the share of the span the workers were actually running: low when the
    # machine was busy with other work (or, for threads, waiting for the GIL)
    cpu_share = sum(s[2] for s in spans) / 1e9 / (workers * seconds)
    cpu_seconds = sum(s[2] for s in spans) / 1e9
    return {"seconds": seconds, "ops_per_s": timed_ops / seconds, "total": total,
            "expected": workers * n, "exact": total == workers * n, "cpu_share": cpu_share,
            "ops_per_cpu_s": timed_ops / cpu_seconds if cpu_seconds else None}


def phase_contended(adapter, profile_name):
    sizes = impls.CONTENDED_N[profile_name]
    repeats = 5 if profile_name == "full" else 1
    out = []
    for bench in adapter.contended():
        n = sizes[bench.size]
        row = {"impl": adapter.impl, "name": bench.name, "mode": bench.mode, "n": n,
               "workers": 2, "note": bench.note}
        try:
            runs = [run_contended(adapter, bench, n) for _ in range(repeats)]
            row["runs"] = runs
            row["ops_per_s"] = statistics.median(r["ops_per_s"] for r in runs)
            row["exact"] = all(r["exact"] for r in runs)
            row["totals"] = [r["total"] for r in runs]
            row["cpu_share"] = statistics.median(r["cpu_share"] for r in runs)
            row["ops_per_cpu_s"] = statistics.median(r["ops_per_cpu_s"] or 0 for r in runs)
        except Exception as exc:
            row["error"] = "%s: %s" % (type(exc).__name__, exc)
            row["traceback"] = traceback.format_exc()
        out.append(row)
    return out


# ---- main ------------------------------------------------------------------------------------

def meta(adapter):
    info = {"impl": adapter.impl, "python": sys.version, "executable": sys.executable,
            "implementation": platform.python_implementation(),
            "gil": getattr(sys, "_is_gil_enabled", lambda: True)()}
    dist = getattr(adapter, "dist", None)
    if dist:
        try:
            from importlib.metadata import version
            info["version"] = version(dist)
        except Exception as exc:
            info["version"] = "unknown (%s)" % exc
    return info


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("impl", choices=sorted(impls.ADAPTERS))
    ap.add_argument("phase", choices=["ops", "memory", "contended"])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--out", help="write JSON here instead of stdout")
    args = ap.parse_args()
    profile_name = "quick" if args.quick else "full"
    adapter = impls.ADAPTERS[args.impl]
    result = {"meta": meta(adapter), "phase": args.phase}
    if args.phase == "ops":
        result["results"] = phase_ops(adapter, PROFILES[profile_name])
    elif args.phase == "memory":
        result["results"] = phase_memory(adapter, PROFILES[profile_name])
    else:
        result["results"] = phase_contended(adapter, profile_name)
    text = json.dumps(result, indent=1)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)
    else:
        print(text)


if __name__ == "__main__":
    main()
