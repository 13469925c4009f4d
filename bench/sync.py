"""The synchronization primitives (issue 16) against threading's and
multiprocessing's, every ratio measured in this one run.

Rows (ns per call pair unless said otherwise; ratio = ours / the reference):

  uncontended  `with lock:` for atomics.Lock, threading.Lock, multiprocessing.Lock;
               Semaphore acquire+release, Event set/clear/is_set against multiprocessing's
  contended    2 and 4 processes x N locked increments of a plain shared counter
               (the count is checked exact), increments per second, against multiprocessing.Lock
  wake-up      Event: time from just before set() to the sleeping process running again
               (median and p99), against multiprocessing.Event
  barrier      a 2-process Barrier round (µs per round) against multiprocessing.Barrier

Linux (fork). Not part of the test suite; it imports
`atomics` from the environment that runs it (a venv with this tree
installed, e.g. bench/.venvs/<tag>/ours/bin/python):

    python bench/sync.py [--quick] [--md bench/results/SYNC.md]
"""
import argparse
import multiprocessing as mp
import os
import platform
import statistics
import sys
import threading
import time

import atomics

HAVE = {n: hasattr(atomics, n) for n in ("Lock", "Semaphore", "Event", "Barrier")}
UNROLL = 10


def best_ns(stmt_fn, loops, repeat):
    """The lowest of `repeat` timings of `loops` x UNROLL calls, in ns per call."""
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter_ns()
        stmt_fn(loops)
        best = min(best, (time.perf_counter_ns() - t) / (loops * UNROLL))
    return best


def loop_of(body, **names):
    """A function running `body` UNROLL times per iteration, its names local."""
    src = "def run(n):\n" + "".join(f"    {k} = _{k}\n" for k in names)
    src += "    for _ in range(n):\n" + "".join(f"        {line}\n" for line in
                                                 [body] * UNROLL)
    ns = {f"_{k}": v for k, v in names.items()}
    exec(src, ns)
    return ns["run"]


def loop_of_with(obj):
    src = "def run(n):\n    o = _o\n    for _ in range(n):\n"
    src += "".join("        with o:\n            pass\n" for _ in range(UNROLL))
    ns = {"_o": obj}
    exec(src, ns)
    return ns["run"]


# ---- uncontended ----------------------------------------------------------------------------


def uncontended(loops, repeat):
    rows = []

    def row(what, makers, body):
        got = {}
        for name, make in makers:
            if make is None:
                got[name] = None
                continue
            o = make()
            fn = loop_of_with(o) if body == "with" else loop_of(body, o=o)
            got[name] = best_ns(fn, loops, repeat)
        rows.append((what, got))

    row("`with lock:`", [("atomics", atomics.Lock if HAVE["Lock"] else None),
                         ("threading", threading.Lock), ("multiprocessing", mp.Lock)], "with")
    row("Semaphore acquire(); release()",
        [("atomics", atomics.Semaphore if HAVE["Semaphore"] else None),
         ("threading", threading.Semaphore), ("multiprocessing", mp.Semaphore)],
        "o.acquire(); o.release()")
    row("Event set(); clear()",
        [("atomics", atomics.Event if HAVE["Event"] else None),
         ("threading", threading.Event), ("multiprocessing", mp.Event)], "o.set(); o.clear()")
    row("Event is_set()",
        [("atomics", atomics.Event if HAVE["Event"] else None),
         ("threading", threading.Event), ("multiprocessing", mp.Event)], "o.is_set()")
    return rows


# ---- contended ------------------------------------------------------------------------------


def _incrementer(lock, counter, n, go):
    go.wait()
    for _ in range(n):
        with lock:
            counter.value += 1  # a plain RawValue: only the lock makes it exact


def contended(procs, n, lock):
    ctx = mp.get_context("fork")
    counter = ctx.RawValue("q", 0)
    go = ctx.Event()
    ps = [ctx.Process(target=_incrementer, args=(lock, counter, n, go)) for _ in range(procs)]
    for p in ps:
        p.start()
    time.sleep(0.1)
    t = time.perf_counter()
    go.set()
    for p in ps:
        p.join()
    took = time.perf_counter() - t
    assert counter.value == procs * n, (counter.value, procs * n)
    return procs * n / took


# ---- Event wake-up latency ----------------------------------------------------------------


def _sleeper(ev, back, stamp, rounds):
    for _ in range(rounds):
        ev.wait()
        stamp.value = time.monotonic_ns()
        ev.clear()
        back.set()


def wakeup(make_event, rounds):
    ctx = mp.get_context("fork")
    ev, back = make_event(), ctx.Event()
    stamp = ctx.RawValue("q", 0)
    p = ctx.Process(target=_sleeper, args=(ev, back, stamp, rounds))
    p.start()
    lat = []
    for _ in range(rounds):
        time.sleep(0.002)  # let it fall asleep
        t = time.monotonic_ns()
        ev.set()
        assert back.wait(30)
        back.clear()
        lat.append((stamp.value - t) / 1e3)
    p.join()
    lat.sort()
    return statistics.median(lat), lat[min(len(lat) - 1, int(len(lat) * 0.99))]


# ---- Barrier round --------------------------------------------------------------------------


def _party(b, rounds):
    for _ in range(rounds):
        b.wait()


def barrier_round(make_barrier, rounds):
    ctx = mp.get_context("fork")
    b = make_barrier(2)
    p = ctx.Process(target=_party, args=(b, rounds + 1))
    p.start()
    b.wait()
    t = time.perf_counter()
    for _ in range(rounds):
        b.wait()
    took = time.perf_counter() - t
    p.join()
    return took / rounds * 1e6


# ---- the report -----------------------------------------------------------------------------


def fmt(x, unit=""):
    return "not built" if x is None else f"{x:,.1f}{unit}"


def ratio(ours, ref):
    return "-" if ours is None or ref is None else f"{ours / ref:.2f}x"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--md", help="write the tables to this Markdown file as well")
    args = ap.parse_args()
    q = args.quick
    loops, repeat = (2000, 5) if q else (20000, 15)
    n_incr = 5000 if q else 50000
    wakes = 50 if q else 400
    rounds = 500 if q else 5000

    out = [f"# Sync primitives: atomics against threading and multiprocessing\n",
           f"`python bench/sync.py{' --quick' if q else ''}` on {platform.python_implementation()} "
           f"{platform.python_version()}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
           f"load {os.getloadavg()[0]:.2f}, {os.cpu_count()} CPUs. Ratios are ours / the "
           "reference's, measured in this run (<= 1.00x: no slower).\n"]

    out.append("## Uncontended (ns per statement, the best of the repeats)\n")
    out.append("| statement | atomics | threading | multiprocessing | / threading | / multiprocessing |")
    out.append("| --- | ---: | ---: | ---: | ---: | ---: |")
    for what, got in uncontended(loops, repeat):
        a, t, m = got["atomics"], got["threading"], got["multiprocessing"]
        out.append(f"| {what} | {fmt(a)} | {fmt(t)} | {fmt(m)} | {ratio(a, t)} | {ratio(a, m)} |")

    out.append("\n## Contended: P processes x N locked increments (increments/s, exact)\n")
    out.append("| processes x N | atomics.Lock | multiprocessing.Lock | throughput ratio (ours/theirs) |")
    out.append("| --- | ---: | ---: | ---: |")
    for procs in (2, 4):
        ref = contended(procs, n_incr, mp.get_context("fork").Lock())
        ours = contended(procs, n_incr, atomics.Lock()) if HAVE["Lock"] else None
        r = "-" if ours is None else f"{ours / ref:.2f}x"
        out.append(f"| {procs} x {n_incr} | {fmt(ours)} | {fmt(ref)} | {r} |")

    out.append("\n## Event wake-up latency between two processes (µs)\n")
    out.append("| | atomics.Event | multiprocessing.Event | ratio |")
    out.append("| --- | ---: | ---: | ---: |")
    ref = wakeup(mp.get_context("fork").Event, wakes)
    ours = wakeup(atomics.Event, wakes) if HAVE["Event"] else (None, None)
    out.append(f"| median | {fmt(ours[0])} | {fmt(ref[0])} | {ratio(ours[0], ref[0])} |")
    out.append(f"| p99 | {fmt(ours[1])} | {fmt(ref[1])} | {ratio(ours[1], ref[1])} |")

    out.append("\n## 2-process Barrier round (µs per round)\n")
    out.append("| atomics.Barrier | multiprocessing.Barrier | ratio |")
    out.append("| ---: | ---: | ---: |")
    ref = barrier_round(mp.get_context("fork").Barrier, rounds)
    ours = barrier_round(atomics.Barrier, rounds) if HAVE["Barrier"] else None
    out.append(f"| {fmt(ours)} | {fmt(ref)} | {ratio(ours, ref)} |")

    text = "\n".join(out) + "\n"
    print(text)
    if args.md:
        with open(args.md, "w") as f:
            f.write(text)


if __name__ == "__main__":
    if sys.platform != "linux":
        sys.exit("bench/sync.py: Linux only (fork start method)")
    main()
