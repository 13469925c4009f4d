"""Blocking wait/notify between two processes against the standard library.

Two measurements, each for five mechanisms:

  ping-pong   two processes hand a turn back and forth; round trips per second
  wake-up     one process sleeps, the other wakes it; time from just before
              the wake-up call to the sleeper running again (median, p90, p99),
              both read on CLOCK_MONOTONIC, which every process shares

Mechanisms: atomics wait/notify (a 4-byte word of shared memory),
multiprocessing.Event, a multiprocessing Pipe, a multiprocessing.Condition
(with a shared Value), and a spin-only loop on an atomics load (no sleeping:
the latency floor, at the price of a busy core).

Linux (fork start method). Not part of the test suite:

    python bench/wait_latency.py [--rounds N] [--wakes N] [--md bench/results/WAIT.md]
"""
import argparse
import json
import multiprocessing as mp
import os
import platform
import statistics
import struct
import sys
import time
from multiprocessing import shared_memory

import atomics

MECHANISMS = ["atomics wait/notify", "multiprocessing.Event", "Pipe", "multiprocessing.Condition",
              "spin (atomics load)"]


# ---- one side of each mechanism, built after fork ---------------------------------------


class Atomics:
    """turn: a 4-byte counter; the side whose parity it is may move it."""

    def __init__(self, shm, spin=False):
        self.ctx = atomics.atomicview(buffer=shm.buf[0:4], atype=atomics.UINT)
        self.word = self.ctx.__enter__()
        self.spin = spin

    def wait_for(self, value):
        word = self.word
        if self.spin:
            while word.load() != value:
                pass
        else:
            v = word.load()
            while v != value:
                word.wait(v)
                v = word.load()

    def post(self, value):
        self.word.store(value)
        if not self.spin:
            self.word.notify_one()

    def close(self):
        self.ctx.__exit__(None, None, None)


class EventPair:
    def __init__(self, events, side):
        self.mine, self.theirs = (events[0], events[1]) if side == 0 else (events[1], events[0])

    def wait_for(self, value):
        self.mine.wait()
        self.mine.clear()

    def post(self, value):
        self.theirs.set()

    def close(self):
        pass


class PipeEnd:
    def __init__(self, conn):
        self.conn = conn

    def wait_for(self, value):
        self.conn.recv_bytes()

    def post(self, value):
        self.conn.send_bytes(b"x")

    def close(self):
        pass


class CondValue:
    def __init__(self, cond, value):
        self.cond, self.value = cond, value

    def wait_for(self, value):
        with self.cond:
            while self.value.value != value:
                self.cond.wait()

    def post(self, value):
        with self.cond:
            self.value.value = value
            self.cond.notify()

    def close(self):
        pass


def make_shared(name):
    """What both processes share, made before fork; side(i) builds side i."""
    if name == "multiprocessing.Event":
        events = (mp.Event(), mp.Event())
        return lambda side, shm: EventPair(events, side)
    if name == "Pipe":
        a, b = mp.Pipe()
        return lambda side, shm: PipeEnd(a if side == 0 else b)
    if name == "multiprocessing.Condition":
        cond, value = mp.Condition(), mp.Value("q", 0, lock=False)
        return lambda side, shm: CondValue(cond, value)
    spin = name.startswith("spin")
    return lambda side, shm: Atomics(shm, spin)


# ---- ping-pong ------------------------------------------------------------------------------


def pingpong_child(make, shm_name, rounds):
    shm = shared_memory.SharedMemory(name=shm_name)
    me = make(1, shm)
    for i in range(rounds):
        me.wait_for(2 * i + 1)
        me.post(2 * i + 2)
    me.close()
    shm.close()


def pingpong(name, rounds):
    shm = shared_memory.SharedMemory(create=True, size=64)
    shm.buf[:64] = bytes(64)
    try:
        make = make_shared(name)
        child = mp.Process(target=pingpong_child, args=(make, shm.name, rounds))
        child.start()
        me = make(0, shm)
        time.sleep(0.05)
        start = time.perf_counter()
        for i in range(rounds):
            me.post(2 * i + 1)
            me.wait_for(2 * i + 2)
        took = time.perf_counter() - start
        me.close()
        child.join()
        assert child.exitcode == 0
        return rounds / took
    finally:
        shm.close()
        shm.unlink()


# ---- wake-up latency ----------------------------------------------------------------------------
# shm layout: [0:4] the mechanism's word (atomics), [8:12] ready counter,
# [16:24] the time the waker stamped just before waking


def sleeper(make, shm_name, wakes, out):
    shm = shared_memory.SharedMemory(name=shm_name)
    me = make(1, shm)
    with atomics.atomicview(buffer=shm.buf[8:12], atype=atomics.UINT) as ready:
        lat = []
        for i in range(1, wakes + 1):
            ready.store(i)
            ready.notify_one()
            me.wait_for(i)
            woke = time.monotonic_ns()
            lat.append(woke - struct.unpack_from("q", shm.buf, 16)[0])
    me.close()
    shm.close()
    out.send(lat)


def wake_latency(name, wakes):
    shm = shared_memory.SharedMemory(create=True, size=64)
    shm.buf[:64] = bytes(64)
    try:
        make = make_shared(name)
        rx, tx = mp.Pipe(duplex=False)
        child = mp.Process(target=sleeper, args=(make, shm.name, wakes, tx))
        child.start()
        me = make(0, shm)
        with atomics.atomicview(buffer=shm.buf[8:12], atype=atomics.UINT) as ready:
            for i in range(1, wakes + 1):
                v = ready.load()
                while v != i:
                    ready.wait(v)
                    v = ready.load()
                time.sleep(0.002)  # let it fall asleep (the spinner keeps spinning)
                struct.pack_into("q", shm.buf, 16, time.monotonic_ns())
                me.post(i)
        lat = rx.recv()
        me.close()
        child.join()
        assert child.exitcode == 0
        lat.sort()
        pick = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] / 1e3  # noqa: E731
        return {"median_us": statistics.median(lat) / 1e3, "p90_us": pick(0.9),
                "p99_us": pick(0.99)}
    finally:
        shm.close()
        shm.unlink()


# ---- report ---------------------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=20000, help="ping-pong round trips per run")
    ap.add_argument("--wakes", type=int, default=300, help="wake-ups measured per mechanism")
    ap.add_argument("--repeat", type=int, default=3, help="ping-pong runs (the best is kept)")
    ap.add_argument("--md", help="write a markdown report here")
    ap.add_argument("--json", help="write the raw results here")
    args = ap.parse_args()
    if sys.platform != "linux":
        sys.exit("bench/wait_latency.py runs on Linux (fork start method)")
    mp.set_start_method("fork")
    results = {}
    for name in MECHANISMS:
        rt = max(pingpong(name, args.rounds) for _ in range(args.repeat))
        wl = wake_latency(name, args.wakes)
        results[name] = {"round_trips_per_s": rt, **wl}
        print(f"{name:28} {rt:10.0f} round trips/s   wake-up median {wl['median_us']:7.1f} us"
              f"  p90 {wl['p90_us']:7.1f}  p99 {wl['p99_us']:7.1f}", flush=True)
    env = {"python": platform.python_version(), "implementation": platform.python_implementation(),
           "machine": platform.machine(), "kernel": platform.release(), "cpus": os.cpu_count(),
           "atomics": atomics.__version__, "rounds": args.rounds, "wakes": args.wakes}
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"env": env, "results": results}, f, indent=1)
    if args.md:
        base = results["atomics wait/notify"]
        lines = [
            "# Blocking wait/notify between two processes",
            "",
            "Produced by `python bench/wait_latency.py " + " ".join(sys.argv[1:]) + "` "
            f"(CPython {env['python']}, {env['machine']}, Linux {env['kernel']}, "
            f"{env['cpus']} CPUs, atomics {env['atomics']}). Ping-pong: the best of "
            f"{args.repeat} runs of {args.rounds} round trips; wake-up: {args.wakes} wake-ups "
            "of a process that has been asleep for 2 ms.",
            "",
            "| mechanism | round trips/s | vs atomics | wake-up median (µs) | p90 (µs) | p99 (µs) |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for name, r in results.items():
            lines.append(f"| {name} | {r['round_trips_per_s']:,.0f} | "
                         f"{r['round_trips_per_s'] / base['round_trips_per_s']:.2f}x | "
                         f"{r['median_us']:.1f} | {r['p90_us']:.1f} | {r['p99_us']:.1f} |")
        lines += ["", "The spin-only loop keeps a core busy the whole time; the others sleep "
                  "in the kernel. Shared machine: numbers vary from run to run.", ""]
        with open(args.md, "w") as f:
            f.write("\n".join(lines))


if __name__ == "__main__":
    main()
