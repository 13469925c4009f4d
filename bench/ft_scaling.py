"""Free-threaded scaling and the cost of view safety.

    PY=$(../shared/tools/freethreaded-python.sh)
    $PY -m venv /tmp/venv-ft && /tmp/venv-ft/bin/pip install . cereggii ft_utils
    /tmp/venv-ft/bin/python bench/ft_scaling.py [--seconds 0.5] [--out bench/results/FT_SCALING.md]

Measures, on the interpreter that runs it (meant for 3.13t, works on any):
- the hot-path cost of a view (whose context may be released by another
  thread) against an owned object, single thread: median ns/op and ratio;
- total ops/s with 1 and 2 threads, each on its own object and all on one
  shared object, for atomics (owned and view), a threading.Lock-protected int
  and, where installed, cereggii.AtomicInt64 and ft_utils' AtomicInt64.
Every threaded run checks that the final count is exact.
"""
import argparse
import os
import platform
import statistics
import sys
import sysconfig
import threading
import time
import timeit

import atomics


def single_thread_costs(repeat: int = 9, number: int = 300_000) -> dict:
    owned = atomics.atomic(width=8, atype=atomics.INT)
    buf = bytearray(8)
    ctx = atomics.atomicview(buffer=buf, atype=atomics.INT)
    view = ctx.__enter__()
    out = {}
    for op in ("inc", "load", "fetch_add"):
        for name, obj in (("owned", owned), ("view", view)):
            fn = getattr(obj, op)
            stmt = "f(1)" if op == "fetch_add" else "f()"
            times = timeit.repeat(stmt, globals={"f": fn}, number=number, repeat=repeat)
            out[(op, name)] = statistics.median(times) / number * 1e9
    ctx.__exit__(None, None, None)
    return out


class LockedInt:
    def __init__(self) -> None:
        self.value = 0
        self.lock = threading.Lock()

    def inc(self) -> None:
        with self.lock:
            self.value += 1

    def get(self) -> int:
        return self.value


def counters():
    """name -> (factory returning (inc, read, cleanup))"""
    def owned():
        a = atomics.atomic(width=8, atype=atomics.INT)
        return a.inc, a.load, lambda: None

    def view():
        buf = bytearray(8)
        ctx = atomics.atomicview(buffer=buf, atype=atomics.INT)
        v = ctx.__enter__()
        return v.inc, v.load, lambda: ctx.__exit__(None, None, None)

    def locked():
        c = LockedInt()
        return c.inc, c.get, lambda: None

    made = {"atomics atomic()": owned, "atomics view": view, "threading.Lock int": locked}
    try:
        import cereggii

        def cer():
            c = cereggii.AtomicInt64(0)
            return c.increment_and_get, c.get, lambda: None

        made["cereggii.AtomicInt64"] = cer
    except ImportError:
        pass
    try:
        from ft_utils.concurrency import AtomicInt64

        def ftu():
            c = AtomicInt64(0)
            return c.incr, c.get, lambda: None

        made["ft_utils AtomicInt64"] = ftu
    except ImportError:
        pass
    return made


def throughput(factory, threads: int, shared: bool, seconds: float) -> float:
    """Total increments per second; checks the count is exact."""
    objs = [factory()] if shared else [factory() for _ in range(threads)]
    done = [0] * threads
    stop = threading.Event()
    barrier = threading.Barrier(threads + 1)

    def work(i: int) -> None:
        inc = objs[0 if shared else i][0]
        n = 0
        barrier.wait()
        while not stop.is_set():
            for _ in range(1000):
                inc()
            n += 1000
        done[i] = n

    ts = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    for t in ts:
        t.start()
    barrier.wait()
    t0 = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    for t in ts:
        t.join()
    elapsed = time.perf_counter() - t0
    total = sum(done)
    counted = sum(o[1]() for o in objs)
    for o in objs:
        o[2]()
    assert counted == total, (counted, total)
    return total / elapsed


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=0.5)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    ft = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))
    gil = getattr(sys, "_is_gil_enabled", lambda: True)()
    lines = [
        "# Free-threaded scaling",
        "",
        f"- Python {platform.python_version()} ({'free-threaded' if ft else 'GIL build'}, "
        f"GIL {'enabled' if gil else 'disabled'}), {os.cpu_count()} CPUs, {platform.processor() or platform.machine()}",
        f"- command: `python bench/ft_scaling.py --seconds {args.seconds} --rounds {args.rounds}`",
        f"- date: {time.strftime('%Y-%m-%d')}",
        "",
        "## Cost of view safety (single thread, median ns/op)",
        "",
        "| op | atomic() | view | view / atomic() |",
        "| --- | ---: | ---: | ---: |",
    ]
    costs = single_thread_costs()
    for op in ("inc", "load", "fetch_add"):
        o, v = costs[(op, "owned")], costs[(op, "view")]
        lines.append(f"| {op} | {o:.1f} | {v:.1f} | {v / o:.3f} |")
    lines += [
        "",
        f"## Increments per second (median of {args.rounds} runs of {args.seconds} s, exact totals checked)",
        "",
        "| counter | 1 thread | 2 threads, own objects | scaling | 2 threads, one shared object |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for name, factory in counters().items():
        def med(threads: int, shared: bool) -> float:
            return statistics.median(
                throughput(factory, threads, shared, args.seconds) for _ in range(args.rounds)
            )

        one, two, both = med(1, False), med(2, False), med(2, True)
        lines.append(
            f"| {name} | {one / 1e6:.2f} M | {two / 1e6:.2f} M | {two / one:.2f}x | {both / 1e6:.2f} M |"
        )
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
