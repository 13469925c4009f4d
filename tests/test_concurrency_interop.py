"""C interop: a C11 program (tests/interop/interop.c, <stdatomic.h> only,
compiled here) attaches to the same POSIX shared memory as Python processes
that use atomics.atomicview, and they work on the same objects at once:

- C and Python processes increment the same counters (widths 8, 4, 2, 1; a
  3-byte counter that C updates by compare-and-swap of its 4-byte block, the
  way atomics does, and the 1-byte counter beside it in that block): every
  total is exact.
- A C writer publishes data (relaxed atomics and a plain record) and then a
  flag with memory_order_release; Python reads the flag with ACQUIRE and then
  the data: never older than the flag.
- The reverse: Python publishes with RELEASE, C reads with acquire.

Each scenario runs in a subprocess with a timeout (tests/_stress.py)."""
import json
import os
import shutil
import subprocess
import sys
import time

import pytest

import _stress
from _stress import scaled, timeout_for

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.join(HERE, "interop", "interop.c")

# the layout of interop.c
GO_COUNT, GO_PUBLISH, GO_CONSUME, STOP_PUBLISH = 0, 4, 8, 12
C64, C32, C16, C8, ODD, NB = 64, 128, 192, 256, 320, 323
FLAG, D64, D32, REC = 448, 512, 576, 640
FLAG2, E64, E32, REC2 = 1024, 1088, 1152, 1216
SIZE = 4096
COUNTERS = [("u64", C64, 8), ("u32", C32, 4), ("u16", C16, 2), ("u8", C8, 1),
            ("3-byte", ODD, 3), ("neighbour byte", NB, 1)]


@pytest.fixture(scope="module")
def interop_exe(tmp_path_factory):
    cc = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
    if not cc:
        pytest.skip("no C compiler")
    exe = str(tmp_path_factory.mktemp("interop") / "interop")
    cmd = [cc, "-std=c11", "-O2", "-Wall", "-Wextra", "-Wpedantic", "-Werror", SOURCE,
           "-o", exe, "-lrt"]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, f"{' '.join(cmd)}\n{r.stderr}"
    return exe


def _start_c(exe, mode, name, n, cpu):
    return subprocess.Popen([exe, mode, name, str(n)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: os.sched_setaffinity(0, {cpu}))


def _finish_c(procs, timeout):
    out = []
    for p in procs:
        try:
            stdout, stderr = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            stdout, stderr = p.communicate()
        if p.returncode != 0:
            raise RuntimeError(f"C side {p.args} exited with {p.returncode}: {stderr}{stdout}")
        out.append(json.loads(stdout.strip().splitlines()[-1]))
    return out


def _go(buf, offset):
    import atomics
    with _stress.view(buf, offset, 4, atomics.UINT) as go:
        go.store(1)


# ---- one counter, C and Python ---------------------------------------------------


def _py_counter(rank, barrier, where, iters):
    import contextlib

    import atomics
    from atomics import MemoryOrder as MO
    with _stress.attach(where) as buf, contextlib.ExitStack() as stack:
        views = [stack.enter_context(_stress.view(buf, off, width, atomics.UINT))
                 for _, off, width in COUNTERS]
        incs = [v.inc for v in views]
        orders = [MO.SEQ_CST, MO.RELAXED, MO.ACQ_REL, MO.RELEASE, MO.SEQ_CST, MO.RELAXED]
        barrier.wait(60)
        if rank == 0:
            _go(buf, GO_COUNT)
        with _stress.view(buf, GO_COUNT, 4, atomics.UINT) as go:
            while go.load() == 0:
                pass
        t0 = time.perf_counter()
        for _ in range(iters):
            for inc, mo in zip(incs, orders):
                inc(mo)
        return time.perf_counter() - t0


def scenario_counter(cfg):
    exe, n_c, n_py, c_iters, py_iters = (cfg["exe"], cfg["c_procs"], cfg["py_procs"],
                                         cfg["c_iters"], cfg["py_iters"])
    shared = _stress.Shared(SIZE, "fork")
    try:
        name = shared.shm.name
        cpus = sorted(os.sched_getaffinity(0))
        c_procs = [_start_c(exe, "count", name, c_iters, cpus[i % len(cpus)])
                   for i in range(n_c)]
        try:
            t0 = time.perf_counter()
            py_seconds = _stress.launch("fork", _py_counter, n_py, (shared.where, py_iters),
                                        timeout=cfg["worker_timeout"],
                                        pin=[cpus[(i + 1) % len(cpus)] for i in range(n_py)])
        finally:
            c_out = _finish_c(c_procs, cfg["worker_timeout"])
        seconds = time.perf_counter() - t0
        import atomics
        totals, failures = {}, []
        for label, off, width in COUNTERS:
            with _stress.view(shared.buf, off, width, atomics.UINT) as v:
                got = v.load()
            want = (n_c * c_iters + n_py * py_iters) % (1 << (8 * width))
            totals[label] = got
            if got != want:
                failures.append(f"{label} counter: got {got}, want {want}")
    finally:
        shared.close()
    return {"failures": failures, "totals": totals, "seconds": round(seconds, 3),
            "python seconds": [round(s, 3) for s in py_seconds],
            "c cas retries": sum(o["cas_retries"] for o in c_out)}


def test_c_and_python_increment_the_same_counters(interop_exe):
    c_iters, py_iters = scaled(300000), scaled(30000)
    r = _stress.run_scenario("test_concurrency_interop", "scenario_counter",
                             timeout=timeout_for(150), exe=interop_exe, c_procs=2, py_procs=2,
                             c_iters=c_iters, py_iters=py_iters,
                             worker_timeout=timeout_for(120))
    _stress.report("C + Python counters", {k: v for k, v in r.items() if k != "stderr"})
    assert not r["failures"], r


# ---- C publishes, Python reads ------------------------------------------------------


def _py_reader(rank, barrier, where, nreads, deadline):
    import contextlib

    import atomics
    from atomics import MemoryOrder as MO
    acq, rlx = MO.ACQUIRE, MO.RELAXED
    reads = stale = newer = changes = 0
    with _stress.attach(where) as buf, contextlib.ExitStack() as stack:
        flag = stack.enter_context(_stress.view(buf, FLAG, 8, atomics.UINT)).load
        d0 = stack.enter_context(_stress.view(buf, D64, 8, atomics.UINT)).load
        d1 = stack.enter_context(_stress.view(buf, D64 + 8, 8, atomics.UINT)).load
        d32 = stack.enter_context(_stress.view(buf, D32, 4, atomics.UINT)).load
        rec = buf[REC:REC + 24]
        stack.callback(rec.release)
        barrier.wait(60)
        if rank == 0:
            _go(buf, GO_PUBLISH)
        while flag(acq) == 0:  # the writer has started
            if time.monotonic() > deadline:
                raise RuntimeError("the C writer never started")
        last = 0
        while reads < nreads:
            f = flag(acq)
            data = (d0(rlx), d1(rlx), d32(rlx), int.from_bytes(rec[0:8], sys.byteorder),
                    int.from_bytes(rec[16:24], sys.byteorder))
            reads += 1
            changes += f != last
            last = f
            for i, d in enumerate(data):
                want = f & 0xFFFFFFFF if i == 2 else f
                stale += d < want
                newer += d > want
            if reads % 1024 == 0 and time.monotonic() > deadline:
                raise RuntimeError(f"reader gave up after {reads} reads")
        if barrier.wait(60) == 0:
            _go(buf, STOP_PUBLISH)  # every reader is done: the writer may stop
    return {"reads": reads, "flag changes seen": changes, "stale": stale,
            "data newer than flag": newer}


def scenario_c_publishes(cfg):
    exe, nreads, readers = cfg["exe"], cfg["reads"], cfg["readers"]
    n = 1 << 62  # the readers say when to stop
    shared = _stress.Shared(SIZE, "fork")
    try:
        cpus = sorted(os.sched_getaffinity(0))
        writer = _start_c(exe, "publish", shared.shm.name, n, cpus[0])
        try:
            t0 = time.perf_counter()
            reports = _stress.launch(
                "fork", _py_reader, readers,
                (shared.where, nreads, time.monotonic() + cfg["worker_timeout"]),
                timeout=cfg["worker_timeout"] + 10,
                pin=[cpus[-1 - i % len(cpus)] for i in range(readers)])
        finally:
            _go(shared.buf, STOP_PUBLISH)
            out = _finish_c([writer], cfg["worker_timeout"])
        seconds = time.perf_counter() - t0
    finally:
        shared.close()
    total = {k: sum(r[k] for r in reports) for k in reports[0]}
    return {"published": out[0]["published"], "seconds": round(seconds, 3), **total}


def test_c_release_python_acquire(interop_exe):
    r = _stress.run_scenario("test_concurrency_interop", "scenario_c_publishes",
                             timeout=timeout_for(150), exe=interop_exe, reads=scaled(50_000),
                             readers=2, worker_timeout=timeout_for(120))
    r.pop("stderr", None)
    _stress.report("C publishes (release), Python reads (ACQUIRE)", r)
    assert r["stale"] == 0, r
    assert r["flag changes seen"] > 100, r  # the reads did overlap the writes


# ---- Python publishes, C reads -------------------------------------------------------


def _py_writer(rank, barrier, where, n):
    import contextlib

    import atomics
    from atomics import MemoryOrder as MO
    rel, rlx = MO.RELEASE, MO.RELAXED
    with _stress.attach(where) as buf, contextlib.ExitStack() as stack:
        flag = stack.enter_context(_stress.view(buf, FLAG2, 8, atomics.UINT)).store
        e0 = stack.enter_context(_stress.view(buf, E64, 8, atomics.UINT)).store
        e32 = stack.enter_context(_stress.view(buf, E32, 4, atomics.UINT)).store
        rec = buf[REC2:REC2 + 24]
        stack.callback(rec.release)
        barrier.wait(60)
        _go(buf, GO_CONSUME)
        for t in range(1, n + 1):
            e0(t, rlx)
            e32(t & 0xFFFFFFFF, rlx)
            rec[:] = t.to_bytes(8, sys.byteorder) * 3  # plain memory
            flag(t, rel)
    return n


def scenario_python_publishes(cfg):
    exe, n = cfg["exe"], cfg["n"]
    shared = _stress.Shared(SIZE, "fork")
    try:
        cpus = sorted(os.sched_getaffinity(0))
        readers = [_start_c(exe, "consume", shared.shm.name, n, cpus[-1])]
        try:
            t0 = time.perf_counter()
            _stress.launch("fork", _py_writer, 1, (shared.where, n),
                           timeout=cfg["worker_timeout"], pin=[cpus[0]])
        finally:
            out = _finish_c(readers, cfg["worker_timeout"])
        seconds = time.perf_counter() - t0
    finally:
        shared.close()
    return {"published": n, "seconds": round(seconds, 3), **out[0]}


def test_python_release_c_acquire(interop_exe):
    n = scaled(150_000)
    # The reader must overlap the writer for the run to prove anything; on a
    # busy machine it can be kept off its CPU for a whole run, so a run that
    # saw too few changes is tried again (never a stale read, in any run).
    for _attempt in range(3):
        r = _stress.run_scenario("test_concurrency_interop", "scenario_python_publishes",
                                 timeout=timeout_for(150), exe=interop_exe, n=n,
                                 worker_timeout=timeout_for(120))
        r.pop("stderr", None)
        _stress.report("Python publishes (RELEASE), C reads (acquire)", r)
        assert r["stale"] == 0, r
        if r["flag_changes_seen"] > 100:
            break
    assert r["flag_changes_seen"] > 100, r
