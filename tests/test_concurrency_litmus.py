"""Memory-order litmus tests across two processes on shared memory.

SB (store buffering):          P0: x = 1; r1 = y        P1: y = 1; r2 = x
    With SEQ_CST stores and loads, r1 == r2 == 0 is forbidden. With RELAXED
    (plain x86 stores and loads), or RELEASE stores and SEQ_CST loads, the
    store buffer allows it, and these positive controls must see it at least
    once: they show that the harness can see reordering at all, and that on
    x86 the fence comes from the SEQ_CST store.
MP (message passing):          P0: data = 1; flag = 1   P1: r1 = flag; r2 = data
    With a RELEASE store of the flag and an ACQUIRE load of it, r1 == 1 and
    r2 == 0 is forbidden. The data are several objects (native, 16-byte,
    odd-width and plain non-atomic memory). x86 never reorders stores with
    stores or loads with loads, so MP has no positive control on this machine.

Trial t: P0 waits until P1 has finished trial t - 1, publishes t in `go` and
runs its two operations; P1 spins until it sees go == t and runs its two.
Each operation is one Python call, so the two sides overlap within a few
hundred nanoseconds. Values are trial numbers (mod 2**(8 * width)), so no
reset is needed between trials, and the cache lines of x and y move between
the CPUs every trial, which keeps stores in the store buffer long enough to
be seen late. The processes are pinned to two different CPUs.

Trial counts are bounded by ATOMICS_STRESS_SCALE and by time; the outcome
histograms are printed (pytest -rA or -s) and appended to
$ATOMICS_STRESS_REPORT when it is set."""
import json
import os
import time

import pytest

import _stress
from _stress import scaled, timeout_for

LINE = 128  # one object per pair of cache lines (the adjacent-line prefetcher pairs them)
GO, DONE, STOP, X, Y, FLAG = (i * LINE for i in range(6))
DATA = 6 * LINE  # MP data objects from here, one per line
MP_WIDTHS = (8, 16, 3, 1, 4, 2)
RECORD = DATA + LINE * len(MP_WIDTHS)  # plain 8-byte record
SIZE = RECORD + LINE


def _order(name):
    from atomics import MemoryOrder
    return MemoryOrder[name]


def _spin_views(buf, stack):
    import atomics
    go = stack.enter_context(_stress.view(buf, GO, 8, atomics.UINT))
    done = stack.enter_context(_stress.view(buf, DONE, 8, atomics.UINT))
    stop = stack.enter_context(_stress.view(buf, STOP, 1, atomics.UINT))
    return go, done, stop


def _wait_for(load, value, order):
    """Spins until load(order) == value, in a loop as tight as Python allows;
    yields the CPU now and then, for when the other side waits for this CPU."""
    while True:
        for _ in range(4096):
            if load(order) == value:
                return
        os.sched_yield()


# The leader sweeps a short delay between `go` and its first operation, so
# that in some trials the follower's reaction time is matched exactly.
DELAYS = (0, 1, 2, 3, 4, 5, 6, 8)


def _leader_trials(first, trials, deadline, done, go, stop):
    """Trial numbers for the leader; stops (and releases the follower for
    one last, discarded trial) when the deadline passes."""
    from atomics import MemoryOrder as MO
    done_load, go_store = done.load, go.store
    for t in range(first, first + trials):
        _wait_for(done_load, t - 1, MO.ACQUIRE)
        if t % 256 == 0 and time.monotonic() > deadline:
            stop.store(1)
            go_store(t, MO.RELEASE)
            return
        go_store(t, MO.RELEASE)
        yield t


def _sb_side(rank, barrier, where, first, trials, deadline, width, store_order, load_order):
    import contextlib

    import atomics
    from atomics import MemoryOrder as MO
    st_mo, ld_mo, acq = _order(store_order), _order(load_order), MO.ACQUIRE
    mask = (1 << (8 * width)) - 1
    seen = bytearray()
    with _stress.attach(where) as buf, contextlib.ExitStack() as stack:
        go, done, stop = _spin_views(buf, stack)
        x = stack.enter_context(_stress.view(buf, X, width, atomics.UINT))
        y = stack.enter_context(_stress.view(buf, Y, width, atomics.UINT))
        mine, other = (x, y) if rank == 0 else (y, x)
        store, load, append = mine.store, other.load, seen.append
        barrier.wait(60)
        if rank == 0:
            for t in _leader_trials(first, trials, deadline, done, go, stop):
                for _ in range(DELAYS[t % len(DELAYS)]):
                    pass
                store(t & mask, st_mo)
                append(load(ld_mo) == t & mask)
        else:
            go_load, done_store, stop_load = go.load, done.store, stop.load
            for t in range(first, first + trials):
                _wait_for(go_load, t, acq)
                store(t & mask, st_mo)
                append(load(ld_mo) == t & mask)
                if stop_load():
                    break
                done_store(t, MO.RELEASE)
    return bytes(seen)


def _mp_side(rank, barrier, where, first, trials, deadline, store_order, load_order):
    import contextlib

    import atomics
    from atomics import MemoryOrder as MO
    st_mo, ld_mo, acq, relaxed = (_order(store_order), _order(load_order), MO.ACQUIRE,
                                  MO.RELAXED)
    outcomes = []
    with _stress.attach(where) as buf, contextlib.ExitStack() as stack:
        go, done, stop = _spin_views(buf, stack)
        flag = stack.enter_context(_stress.view(buf, FLAG, 8, atomics.UINT))
        data = [stack.enter_context(_stress.view(buf, DATA + i * LINE, w, atomics.UINT))
                for i, w in enumerate(MP_WIDTHS)]
        masks = [(1 << (8 * w)) - 1 for w in MP_WIDTHS]
        record = buf[RECORD:RECORD + 8]
        stack.callback(record.release)
        barrier.wait(60)
        if rank == 0:
            stores = [d.store for d in data]
            for t in _leader_trials(first, trials, deadline, done, go, stop):
                for store, m in zip(stores, masks):
                    store(t & m, relaxed)
                record[:] = t.to_bytes(8, "little")  # plain memory, no atomics at all
                flag.store(t, st_mo)
                outcomes.append(None)
        else:
            go_load, done_store, flag_load, stop_load = go.load, done.store, flag.load, stop.load
            loads = [d.load for d in data]
            delay = 0
            for t in range(first, first + trials):
                _wait_for(go_load, t, acq)
                # The reader's delay tracks the moment the flag turns: later
                # after a trial that missed the flag, earlier after one that
                # saw it, so the reads keep landing on the writer's stores.
                for _ in range(delay + (t & 3)):
                    pass
                f = flag_load(ld_mo) == t
                delay = max(0, delay - 1) if f else delay + 1
                stale = [ld(relaxed) != t & m for ld, m in zip(loads, masks)]
                stale.append(int.from_bytes(record, "little") != t)
                outcomes.append((f, stale))
                if stop_load():
                    break
                done_store(t, MO.RELEASE)
    return outcomes


def _run_batches(side, args_of, trials, budget, batch, stop=None):
    """Runs fresh pinned process pairs over batches of trials until `trials`
    are done, `budget` seconds have passed, or stop(results) says so."""
    cpus = _stress.two_cpus()
    shared = _stress.Shared(SIZE, "fork")
    results, done, t0 = [], 0, time.perf_counter()
    deadline = time.monotonic() + budget
    try:
        while done < trials and time.monotonic() < deadline:
            n = min(batch, trials - done)
            pair = _stress.launch("fork", side, 2, (shared.where, done + 1, n, deadline) + args_of,
                                  timeout=budget + 60, pin=list(cpus))
            n = min(len(pair[0]), len(pair[1]))
            results.append([p[:n] for p in pair])
            done += n
            if n == 0 or (stop and stop(results)):
                break
            # the next batch starts where this one stopped
            shared.buf[GO:GO + 8] = done.to_bytes(8, "little")
            shared.buf[DONE:DONE + 8] = done.to_bytes(8, "little")
            shared.buf[STOP] = 0
    finally:
        shared.close()
    return results, done, time.perf_counter() - t0


def scenario_sb(cfg):
    width, store_order, load_order = cfg["width"], cfg["store_order"], cfg["load_order"]
    hist = {"r1=0 r2=0": 0, "r1=0 r2=1": 0, "r1=1 r2=0": 0, "r1=1 r2=1": 0}

    def count(results):
        a, b = results[-1]
        for r1, r2 in zip(a, b):
            hist[f"r1={r1} r2={r2}"] += 1
        return cfg.get("stop_after_weak") and hist["r1=0 r2=0"] >= cfg["stop_after_weak"]

    _, trials, seconds = _run_batches(
        _sb_side, (width, store_order, load_order), cfg["trials"], cfg["budget"], 20000, count)
    return {"trials": trials, "seconds": round(seconds, 2), "histogram": hist}


def scenario_mp(cfg):
    names = [f"width {w}" for w in MP_WIDTHS] + ["plain record"]
    hist = {"flag=0 data=old": 0, "flag=0 data=new": 0, "flag=0 data=mixed": 0,
            "flag=1 data=new": 0, "flag=1 data=stale (forbidden)": 0}
    stale_after_flag = dict.fromkeys(names, 0)
    results, trials, seconds = _run_batches(
        _mp_side, (cfg["store_order"], cfg["load_order"]), cfg["trials"], cfg["budget"], 20000)
    for _, outcomes in results:
        for f, stale in outcomes:
            if f:
                if any(stale):
                    hist["flag=1 data=stale (forbidden)"] += 1
                    for name, s in zip(names, stale):
                        stale_after_flag[name] += s
                else:
                    hist["flag=1 data=new"] += 1
            else:
                key = "old" if all(stale) else "new" if not any(stale) else "mixed"
                hist[f"flag=0 data={key}"] += 1
    return {"trials": trials, "seconds": round(seconds, 2), "histogram": hist,
            "stale objects after the flag": stale_after_flag}


def _need_two_cpus():
    if _stress.two_cpus() is None:
        pytest.skip("needs two CPUs: one CPU cannot reorder a store with a later load "
                    "as seen by another")


def _record(record_testsuite_property, title, result):
    shown = {k: v for k, v in result.items() if k != "stderr"}
    _stress.report(title, shown)
    # and into the test-suite properties of a --junitxml report
    record_testsuite_property(f"litmus: {title}", json.dumps(shown, sort_keys=True))


@pytest.mark.parametrize("width", [8, 4, 1, 16, 3])
def test_sb_seq_cst_never_shows_both_zero(width, record_testsuite_property):
    _need_two_cpus()
    trials = scaled(300000 if width == 8 else 100000)
    r = _stress.run_scenario("test_concurrency_litmus", "scenario_sb", timeout=timeout_for(150),
                             width=width, store_order="SEQ_CST", load_order="SEQ_CST",
                             trials=trials, budget=timeout_for(40))
    _record(record_testsuite_property, f"SB litmus, SEQ_CST, width {width}", r)
    assert r["trials"] >= min(trials, 20000), r
    assert r["histogram"]["r1=0 r2=0"] == 0, r["histogram"]


@pytest.mark.parametrize("store_order,load_order,width", [
    ("RELAXED", "RELAXED", 8), ("RELAXED", "RELAXED", 1),
    # a store without SEQ_CST's fence next to SEQ_CST loads: what a broken
    # SEQ_CST store would look like, and why the fence belongs to the store
    ("RELEASE", "SEQ_CST", 8)])
def test_sb_positive_control(store_order, load_order, width, record_testsuite_property):
    """The harness must be able to see a store reordered with a later load:
    without a SEQ_CST store the store-buffering outcome shows up. Runs until
    it is seen a few times or the time budget is spent."""
    _need_two_cpus()
    if _stress.UNDER_ASAN:
        pytest.skip("under ASan the interpreter is too slow to catch a store in the store "
                    "buffer; the control is meaningful only in normal runs")
    if os.environ.get("ATOMICS_LITMUS_CONTROLS") == "0":
        pytest.skip("positive controls off (ATOMICS_LITMUS_CONTROLS=0): they need both CPUs "
                    "idle, so CI runs them in its main leg only")
    # Seeing the reordering needs both processes on a CPU at the same moment;
    # another process taking one of the two CPUs for a while can hide it for
    # a whole attempt, so a control gets three.
    for _attempt in range(3):
        r = _stress.run_scenario("test_concurrency_litmus", "scenario_sb",
                                 timeout=timeout_for(150), width=width,
                                 store_order=store_order, load_order=load_order,
                                 trials=scaled(400000), budget=timeout_for(60),
                                 stop_after_weak=scaled(20, minimum=5))
        if r["histogram"]["r1=0 r2=0"] > 0:
            break
    _record(record_testsuite_property,
            f"SB litmus, store {store_order} / load {load_order} (positive control), "
            f"width {width}", r)
    if r["histogram"]["r1=0 r2=0"] == 0:
        message = ("the store-buffering outcome never showed without SEQ_CST stores: this "
                   "machine did not run the two processes closely enough together to show "
                   f"reordering, so the SEQ_CST result proves little here: {r}")
        # Whether two processes overlap closely enough is the machine's doing
        # (a VM whose two vCPUs rarely run at once never shows it), not the
        # library's: by default that is reported as a skip with the evidence;
        # ATOMICS_LITMUS_CONTROLS=strict makes it a failure.
        if os.environ.get("ATOMICS_LITMUS_CONTROLS") == "strict":
            pytest.fail(message)
        pytest.skip(message)


@pytest.mark.parametrize("orders", [("RELEASE", "ACQUIRE"), ("SEQ_CST", "SEQ_CST")])
def test_mp_release_acquire_never_shows_flag_without_data(orders, record_testsuite_property):
    _need_two_cpus()
    trials = scaled(100000)
    r = _stress.run_scenario("test_concurrency_litmus", "scenario_mp", timeout=timeout_for(150),
                             store_order=orders[0], load_order=orders[1], trials=trials,
                             budget=timeout_for(40))
    _record(record_testsuite_property, f"MP litmus, flag {orders[0]}/{orders[1]}, data RELAXED", r)
    assert r["trials"] >= min(trials, 20000), r
    assert r["histogram"]["flag=1 data=stale (forbidden)"] == 0, r


def test_mp_relaxed_for_reference(record_testsuite_property):
    """RELAXED flag: C11 allows the stale outcome, x86 (TSO) does not produce
    it. Reported, not asserted."""
    _need_two_cpus()
    r = _stress.run_scenario("test_concurrency_litmus", "scenario_mp", timeout=timeout_for(150),
                             store_order="RELAXED", load_order="RELAXED",
                             trials=scaled(40000), budget=timeout_for(30))
    _record(record_testsuite_property, "MP litmus, flag RELAXED/RELAXED (reference, not asserted)", r)
    assert r["trials"] > 0
