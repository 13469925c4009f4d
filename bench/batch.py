"""Whole-batch operations (issue 17): a shared histogram filled with add_at
against a Python loop of arr.inc(i) and numpy's (non-atomic) np.add.at on
the same indexes, every ratio measured in this one run; then one histogram
filled by 2 processes (and 2 threads) at once: exact totals and the speed-up
over one process doing the same work alone.

Rows:

  one process  10^6 random increments into a 4096-bin INT64 shared array:
               hist.add_at(idx) (idx an int64 buffer), the same from a list,
               `for i in idx: hist.inc(i)` and the same with inc = hist.inc
               looked up once (idx a list of ints),
               np.add.at(counts, idx, 1) on a plain numpy array; the median of
               the repeats, ms per 10^6, and each against add_at
  2 workers    2 x 10 x 10^6 increments (each worker adds its 10^6 indexes
               10 times, so that starting a process is small beside the
               work) split between 2 processes (fork) or 2 threads started
               together, against 1 process doing all of them:
               wall time from the first start to the last finish (median of the
               repeats); every repeat checks the histogram's total is exact

Linux (fork). Not part of the test suite; it imports `atomics` (and numpy,
for the np.add.at row and the indexes, when installed) from the environment
that runs it (a venv with this tree installed):

    python bench/batch.py [--quick] [--md bench/results/BATCH.md]
"""
import argparse
import array
import multiprocessing as mp
import os
import platform
import random
import statistics
import sys
import threading
import time

import atomics

try:
    import numpy as np
except ImportError:
    np = None

BINS = 4096
N = 10**6
ROUNDS = 10  # batches per worker in the 2-worker rows


def median_ms(fn, repeat):
    """The median of `repeat` timings of fn(), in ms."""
    times = []
    for _ in range(repeat):
        t = time.perf_counter_ns()
        fn()
        times.append((time.perf_counter_ns() - t) / 1e6)
    return statistics.median(times)


def indexes(n, seed):
    rng = random.Random(seed)
    return array.array("q", (rng.randrange(BINS) for _ in range(n)))


# ---- one process ------------------------------------------------------------------------------


def one_process(repeat, loop_repeat):
    hist = atomics.shared_array(BINS, 8, atomics.INT)
    idx = indexes(N, 1)
    idx_list = idx.tolist()
    rows = []
    done = 0

    def add_at():
        hist.add_at(idx)

    def add_at_list():
        hist.add_at(idx_list)

    def loop():
        inc = hist.inc
        for i in idx_list:
            inc(i)

    def loop_attr():
        for i in idx_list:
            hist.inc(i)

    t_add = median_ms(add_at, repeat)
    done += repeat
    rows.append(("`hist.add_at(idx)` (int64 buffer)", t_add))
    rows.append(("`hist.add_at(idx_list)` (a list of ints)", median_ms(add_at_list, repeat)))
    done += repeat
    rows.append(("`for i in idx_list: hist.inc(i)`", median_ms(loop_attr, loop_repeat)))
    rows.append(("`for i in idx_list: inc(i)` (inc = hist.inc)", median_ms(loop, loop_repeat)))
    done += 2 * loop_repeat
    want = [done * c for c in bincount(idx)]
    assert hist.tolist() == want, "lost updates"
    if np is not None:
        counts = np.zeros(BINS, dtype=np.int64)
        nidx = np.frombuffer(idx, dtype=np.int64)
        rows.append(("`np.add.at(counts, idx, 1)` (numpy, not atomic)",
                     median_ms(lambda: np.add.at(counts, nidx, 1), repeat)))
        assert counts.tolist() == [repeat * c for c in bincount(idx)]
        rows.append(("`np.bincount(idx, minlength=4096)` (numpy, a new array)",
                     median_ms(lambda: np.bincount(nidx, minlength=BINS), repeat)))
    return t_add, rows


def bincount(idx):
    c = [0] * BINS
    for i in idx:
        c[i] += 1
    return c


# ---- 2 workers on one histogram --------------------------------------------------------------


def _proc(hist, chunks, start, q):
    start.wait()
    t0 = time.perf_counter_ns()  # CLOCK_MONOTONIC: one clock for every process
    for c in chunks:
        hist.add_at(c)
    q.put((t0, time.perf_counter_ns()))


def processes(hist, parts, repeat):
    """Wall ms for len(parts) processes, each adding its list of chunks."""
    ctx = mp.get_context("fork")
    times = []
    total = sum(len(c) for p in parts for c in p)
    for _ in range(repeat):
        hist.fill(0)
        start, q = ctx.Barrier(len(parts)), ctx.Queue()
        ps = [ctx.Process(target=_proc, args=(hist, p, start, q)) for p in parts]
        for p in ps:
            p.start()
        spans = [q.get() for _ in ps]
        for p in ps:
            p.join()
            assert p.exitcode == 0
        assert sum(hist.tolist()) == total, "lost updates"
        times.append((max(e for _, e in spans) - min(s for s, _ in spans)) / 1e6)
    return statistics.median(times)


def threads(hist, parts, repeat):
    times = []
    total = sum(len(c) for p in parts for c in p)
    for _ in range(repeat):
        hist.fill(0)
        start = threading.Barrier(len(parts))
        spans = [None] * len(parts)

        def work(k):
            start.wait()
            t0 = time.perf_counter_ns()
            for c in parts[k]:
                hist.add_at(c)
            spans[k] = (t0, time.perf_counter_ns())

        ts = [threading.Thread(target=work, args=(k,)) for k in range(len(parts))]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        assert sum(hist.tolist()) == total, "lost updates"
        times.append((max(e for _, e in spans) - min(s for s, _ in spans)) / 1e6)
    return statistics.median(times)


def two_workers(repeat):
    hist = atomics.shared_array(BINS, 8, atomics.INT)
    a, b = indexes(N, 2), indexes(N, 3)
    exact = [ROUNDS * (x + y) for x, y in zip(bincount(a), bincount(b))]
    pa, pb = [a] * ROUNDS, [b] * ROUNDS
    one = processes(hist, [pa + pb], repeat)
    two = processes(hist, [pa, pb], repeat)
    assert hist.tolist() == exact
    th1 = threads(hist, [pa + pb], repeat)
    th = threads(hist, [pa, pb], repeat)
    assert hist.tolist() == exact
    return one, two, th1, th


def gil_note():
    enabled = getattr(sys, "_is_gil_enabled", lambda: True)()
    return "GIL enabled" if enabled else "free-threaded, GIL disabled"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--md", help="write the tables to this Markdown file as well")
    args = ap.parse_args()
    repeat, loop_repeat, par_repeat = (3, 1, 3) if args.quick else (11, 5, 9)
    load0 = os.getloadavg()[0]
    t_add, rows = one_process(repeat, loop_repeat)
    one, two, th1, th = two_workers(par_repeat)
    load1 = os.getloadavg()[0]

    cmd = "python bench/batch.py" + (" --quick" if args.quick else "")
    if args.md:
        cmd += f" --md {args.md}"
    out = ["# Batch operations: add_at against a Python loop and np.add.at\n",
           f"`{cmd}` on {platform.python_implementation()} {platform.python_version()} "
           f"({gil_note()}), {platform.machine()}, atomics {atomics.__version__}"
           + (f", numpy {np.__version__}" if np is not None else ", no numpy")
           + f", {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load {load0:.2f} at the "
           f"start and {load1:.2f} at the end, {os.cpu_count()} CPUs. Every ratio is from "
           "this run; the machine is shared, so compare ratios, not times across runs.\n",
           f"## {N:,} random increments into a {BINS}-bin INT64 shared histogram\n",
           f"Median of {repeat} runs ({loop_repeat} for the Python loop); each result checked "
           "exact.\n",
           "| statement | ms per 10^6 | ns per increment | time / add_at's |",
           "| --- | ---: | ---: | ---: |"]
    for what, ms in rows:
        out.append(f"| {what} | {ms:.2f} | {ms * 1e6 / N:.1f} | {ms / t_add:.2f}x |")
    loop_ms = dict(rows)["`for i in idx_list: hist.inc(i)`"]
    fast_ms = dict(rows)["`for i in idx_list: inc(i)` (inc = hist.inc)"]
    out.append(f"\nadd_at is **{loop_ms / t_add:.0f}x** faster than the Python loop of "
               f"`hist.inc(i)` ({fast_ms / t_add:.0f}x with the method looked up once)"
               + (f" and takes **{t_add / dict(rows)['`np.add.at(counts, idx, 1)` (numpy, not atomic)']:.2f}x**"
                  " the time of np.add.at" if np is not None else "") + ".\n")
    out.append(f"## 2 x {ROUNDS} x {N:,} increments on one histogram (wall ms, median of {par_repeat})\n")
    out.append("| who | wall ms | speed-up | total |")
    out.append("| --- | ---: | ---: | --- |")
    out.append(f"| 1 process, all 2 x {ROUNDS} batches | {one:.2f} | 1.00x | exact |")
    out.append(f"| 2 processes, {ROUNDS} batches each | {two:.2f} | {one / two:.2f}x | exact |")
    out.append(f"| 1 thread (this process), all 2 x {ROUNDS} batches | {th1:.2f} | - | exact |")
    out.append(f"| 2 threads, {ROUNDS} batches each ({gil_note()}) | {th:.2f} | {th1 / th:.2f}x over 1 thread "
               f"| exact |")
    out.append("\nadd_at releases the GIL for batches of 2048 or more, so the threads run the "
               "loop in parallel on a GIL build too. Two workers share the machine's 2 cores "
               "with whatever else it runs, and the bins' cache lines move between cores.")
    text = "\n".join(out) + "\n"
    print(text)
    if args.md:
        with open(args.md, "w") as f:
            f.write(text)


if __name__ == "__main__":
    if sys.platform != "linux":
        sys.exit("bench/batch.py: Linux only (fork start method)")
    main()
