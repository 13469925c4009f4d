"""The synchronization primitives (issue 16): atomics.Lock, RLock, Condition,
Semaphore, BoundedSemaphore, Event, Barrier and Latch, in one process.

Every semantic test runs against a reference (threading's class of the same
name, and multiprocessing's where it behaves the same) and against ours: a
test that passes on the reference is proven to say what threading does, and
atomics must then do the same. Latch has no reference: its
tests follow the contract (std::latch). Placement, attach, pickling and bad
input are atomics-only. Processes, killed holders and signals are in
test_sync_processes.py."""
import math
import multiprocessing
import pickle
import re
import subprocess
import sys
import textwrap
import threading
import time
import warnings

import pytest

import atomics

NAMES = ["Lock", "RLock", "Condition", "Semaphore", "BoundedSemaphore", "Event", "Barrier", "Latch"]


def ours(name):
    """A pytest.param of atomics.<name>."""
    return pytest.param(lambda *a, **k: getattr(atomics, name)(*a, **k), id=f"atomics.{name}")


PYPY = sys.implementation.name == "pypy"
# The reference rows check the tests against CPython's threading, whose
# messages and return values these tests pin; PyPy's differ in places
# (`with lock` gives the lock, other messages), and our types cannot be
# placed in PyPy's writable buffers at all (conftest's PyPy refusal hook).
REFERENCE = [pytest.mark.skipif(PYPY, reason="PyPy's threading differs from CPython's")]


def impls(name, mp=True):
    """threading's <name>, multiprocessing's (if mp) and ours."""
    rows = [pytest.param(getattr(threading, name), id=f"threading.{name}", marks=REFERENCE)]
    if mp:
        rows.append(pytest.param(getattr(multiprocessing, name), id=f"multiprocessing.{name}",
                                 marks=REFERENCE))
    rows.append(ours(name))
    return rows


def outcome(fn):
    """('ok', repr(result)) or (exception class name, message)."""
    try:
        return ("ok", repr(fn()))
    except Exception as e:  # noqa: BLE001 - what we compare is the exception itself
        return (type(e).__name__, str(e))


def in_thread(fn, *args):
    """Runs fn(*args) in a new thread and returns its result (or raises its exception)."""
    box = {}

    def run():
        try:
            box["r"] = fn(*args)
        except BaseException as e:  # noqa: BLE001
            box["e"] = e

    t = threading.Thread(target=run)
    t.start()
    t.join(30)
    assert not t.is_alive(), "the thread did not finish"
    if "e" in box:
        raise box["e"]
    return box["r"]


def start(fn, *args):
    t = threading.Thread(target=fn, args=args, daemon=True)
    t.start()
    return t


def elapsed(fn, *args, **kw):
    t = time.monotonic()
    r = fn(*args, **kw)
    return r, time.monotonic() - t


# ---- the names ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_the_class_is_exported(name):
    cls = getattr(atomics, name)
    assert isinstance(cls, type)
    assert cls.__name__ == name
    assert cls.__module__ in ("atomics", "atomics._atomics")
    assert name in getattr(atomics, "__all__", [name]) or hasattr(atomics, name)
    assert isinstance(cls.nbytes, int) and cls.nbytes > 0
    assert isinstance(cls.alignment, int) and cls.alignment > 0
    assert cls.alignment & (cls.alignment - 1) == 0


def test_broken_barrier_error_is_threadings():
    assert atomics.BrokenBarrierError is threading.BrokenBarrierError


# ---- Lock -------------------------------------------------------------------------------------


@pytest.mark.parametrize("Lock", impls("Lock"))
def test_lock_acquire_release_and_with(Lock):
    lock = Lock()
    assert lock.acquire() is True
    assert lock.acquire(False) is False
    assert lock.acquire(timeout=0) is False
    assert lock.release() is None
    assert lock.acquire(False) is True
    lock.release()
    with lock as entered:
        assert entered is True
        assert lock.acquire(False) is False
    assert lock.acquire(False) is True
    lock.release()


@pytest.mark.parametrize("Lock", impls("Lock", mp=False))
def test_lock_locked(Lock):
    lock = Lock()
    assert lock.locked() is False
    with lock:
        assert lock.locked() is True
    assert lock.locked() is False


@pytest.mark.parametrize("Lock", impls("Lock", mp=False))
def test_lock_release_unlocked_raises_runtime_error(Lock):
    lock = Lock()
    with pytest.raises(RuntimeError, match="^release unlocked lock$"):
        lock.release()
    lock.acquire()
    lock.release()
    with pytest.raises(RuntimeError, match="^release unlocked lock$"):
        lock.release()


@pytest.mark.parametrize("Lock", impls("Lock", mp=False))
def test_lock_may_be_released_by_another_thread(Lock):
    lock = Lock()
    lock.acquire()
    in_thread(lock.release)
    assert lock.acquire(False) is True
    lock.release()


@pytest.mark.parametrize("Lock", impls("Lock"))
def test_lock_blocked_acquire_wakes_at_release(Lock):
    lock = Lock()
    lock.acquire()
    got = []
    t = start(lambda: got.append(lock.acquire(timeout=30)))
    time.sleep(0.05)
    assert got == []
    lock.release()
    t.join(30)
    assert got == [True]
    lock.release()


@pytest.mark.parametrize("Lock", impls("Lock"))
def test_lock_timeout_expires(Lock):
    lock = Lock()
    lock.acquire()
    for timeout in (0.02, 0.1):
        r, took = in_thread(elapsed, lock.acquire, True, timeout)
        assert r is False
        assert timeout * 0.9 <= took < timeout + 1.0, took
    lock.release()


@pytest.mark.parametrize("Lock", impls("Lock", mp=False))
def test_lock_bad_timeouts(Lock):
    lock = Lock()
    with pytest.raises(ValueError, match="non-blocking"):
        lock.acquire(False, 1)
    with pytest.raises(ValueError, match="non-blocking"):
        lock.acquire(blocking=False, timeout=0)
    for bad in (-2, -0.5, -1.0001):
        with pytest.raises(ValueError, match="timeout"):
            lock.acquire(timeout=bad)
    with pytest.raises(ValueError):
        lock.acquire(timeout=math.nan)
    with pytest.raises(OverflowError):
        lock.acquire(timeout=1e300)
    with pytest.raises(TypeError):
        lock.acquire(timeout="1")
    if sys.version_info < (3, 12):
        with pytest.raises(TypeError):
            lock.acquire(blocking="yes")
    else:  # 3.12+ takes any object's truth for blocking (Argument Clinic's bool)
        assert lock.acquire(blocking="yes") is True
        lock.release()
    with pytest.raises(TypeError):
        lock.acquire(True, 1, 2)
    # nothing above left the lock taken
    assert lock.acquire(False) is True
    assert lock.acquire(timeout=-1, blocking=False) is False  # -1 is "no timeout"
    lock.release()


@pytest.mark.parametrize("Lock", impls("Lock", mp=False))
def test_lock_timeout_minus_one_waits_forever_and_big_timeouts_are_fine(Lock):
    lock = Lock()
    assert lock.acquire(timeout=-1) is True
    threading.Timer(0.05, lock.release).start()
    assert lock.acquire(True, -1) is True
    threading.Timer(0.05, lock.release).start()
    assert lock.acquire(timeout=1e6) is True
    lock.release()


def test_lock_errors_match_threading_exactly():
    ref, mine = threading.Lock(), atomics.Lock()
    calls = [lambda L: L.release(), lambda L: L.acquire(False, 1),
             lambda L: L.acquire(timeout=-2), lambda L: L.acquire(timeout=math.nan),
             lambda L: L.acquire(timeout=1e300), lambda L: L.acquire(timeout="x"),
             lambda L: L.acquire(blocking="x"), lambda L: L.acquire(1, 2, 3),
             lambda L: L.acquire(bogus=1)]
    for call in calls:
        a, b = outcome(lambda: call(ref)), outcome(lambda: call(mine))
        assert a[0] == b[0], (a, b)
        if a[0] in ("RuntimeError", "ValueError"):
            assert a[1] == b[1], (a, b)


def test_lock_repr():
    lock = atomics.Lock()
    assert re.fullmatch(r"<unlocked atomics\.Lock object at 0x[0-9a-f]+>", repr(lock)), repr(lock)
    with lock:
        assert re.fullmatch(r"<locked atomics\.Lock object at 0x[0-9a-f]+>", repr(lock))


def hammer(lock, threads=4, rounds=3000):
    """threads x rounds read-yield-write increments of a plain list cell under the lock."""
    cell = [0]
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        def work():
            for i in range(rounds):
                with lock:
                    v = cell[0]
                    if i % 64 == 0:
                        time.sleep(0)
                    cell[0] = v + 1
        ts = [threading.Thread(target=work) for _ in range(threads)]
        for t in ts:
            t.start()
        for t in ts:
            t.join(60)
    finally:
        sys.setswitchinterval(old)
    return cell[0]


@pytest.mark.parametrize("make", impls("Lock") + impls("RLock")
                         + [pytest.param(getattr(threading, "Semaphore"), id="threading.Semaphore"),
                            ours("Semaphore")])
def test_mutual_exclusion_across_threads(make):
    assert hammer(make()) == 4 * 3000


# ---- RLock ----------------------------------------------------------------------------------


@pytest.mark.parametrize("RLock", impls("RLock"))
def test_rlock_is_recursive_per_thread(RLock):
    lock = RLock()
    for _ in range(5):
        assert lock.acquire() is True
    assert in_thread(lock.acquire, False) is False
    for _ in range(4):
        lock.release()
    assert in_thread(lock.acquire, False) is False  # still held once
    lock.release()
    assert in_thread(lambda: (lock.acquire(False), lock.release())[0]) is True
    with lock:
        with lock:
            assert in_thread(lock.acquire, True, 0.02) is False


@pytest.mark.parametrize("RLock", impls("RLock", mp=False))
def test_rlock_release_by_non_owner(RLock):
    lock = RLock()
    with pytest.raises(RuntimeError, match="^cannot release un-acquired lock$"):
        lock.release()
    lock.acquire()
    with pytest.raises(RuntimeError, match="^cannot release un-acquired lock$"):
        in_thread(lock.release)
    lock.release()
    with pytest.raises(RuntimeError, match="^cannot release un-acquired lock$"):
        lock.release()


@pytest.mark.parametrize("RLock", impls("RLock", mp=False))
def test_rlock_private_protocol_of_condition(RLock):
    lock = RLock()
    assert lock._is_owned() is False
    lock.acquire()
    lock.acquire()
    assert lock._is_owned() is True
    assert in_thread(lock._is_owned) is False
    if sys.version_info >= (3, 12):
        assert lock._recursion_count() == 2
        assert in_thread(lock._recursion_count) == 0
    state = lock._release_save()
    assert lock._is_owned() is False
    assert in_thread(lambda: (lock.acquire(False), lock.release())[0]) is True
    lock._acquire_restore(state)
    assert lock._is_owned() is True
    if sys.version_info >= (3, 12):
        assert lock._recursion_count() == 2
    lock.release()
    lock.release()
    assert lock._is_owned() is False
    with pytest.raises(RuntimeError):
        lock._release_save()


@pytest.mark.parametrize("RLock", impls("RLock", mp=False))
def test_rlock_timeouts_and_bad_arguments(RLock):
    lock = RLock()
    with pytest.raises(ValueError):
        lock.acquire(False, 1)
    with pytest.raises(ValueError):
        lock.acquire(timeout=-2)
    with pytest.raises(ValueError):
        lock.acquire(timeout=math.nan)
    with pytest.raises(TypeError):
        lock.acquire(timeout="1")
    lock.acquire()
    r, took = in_thread(elapsed, lock.acquire, True, 0.05)
    assert r is False and 0.045 <= took < 1.05
    lock.release()


def test_rlock_errors_and_repr_match_threading():
    ref, mine = threading.RLock(), atomics.RLock()
    for call in (lambda L: L.release(), lambda L: L.acquire(False, 1),
                 lambda L: L.acquire(timeout=-2), lambda L: L.acquire(timeout=math.nan),
                 lambda L: L.acquire(timeout=1e300), lambda L: L.acquire(timeout="x")):
        a, b = outcome(lambda: call(ref)), outcome(lambda: call(mine))
        assert a[0] == b[0], (a, b)
        if a[0] in ("RuntimeError", "ValueError"):
            assert a[1] == b[1], (a, b)
    assert re.fullmatch(r"<unlocked atomics\.RLock object owner=0 count=0 at 0x[0-9a-f]+>",
                        repr(mine)), repr(mine)
    with mine, mine:
        assert re.fullmatch(r"<locked atomics\.RLock object owner=\d+ count=2 at 0x[0-9a-f]+>",
                            repr(mine)), repr(mine)


# ---- Condition ------------------------------------------------------------------------------


def cond_impls(mp=True):
    return impls("Condition", mp=mp)


@pytest.mark.parametrize("Condition", cond_impls(mp=False))
def test_condition_needs_the_lock(Condition):
    c = Condition()
    with pytest.raises(RuntimeError, match="^cannot wait on un-acquired lock$"):
        c.wait(0)
    with pytest.raises(RuntimeError, match="^cannot notify on un-acquired lock$"):
        c.notify()
    with pytest.raises(RuntimeError, match="^cannot notify on un-acquired lock$"):
        c.notify_all()
    with pytest.raises(RuntimeError):
        c.wait_for(lambda: True, 0) if False else c.wait_for(lambda: False, 0)


@pytest.mark.parametrize("Condition", cond_impls())
def test_condition_wait_times_out_and_returns_false(Condition):
    c = Condition()
    with c:
        r, took = elapsed(c.wait, 0.05)
        assert r is False and 0.045 <= took < 1.05
        assert c.wait(0) is False
    # the lock is held again after wait and released by with
    assert c.acquire(False) is True
    c.release()


@pytest.mark.parametrize("Condition", cond_impls())
def test_condition_notify_wakes_a_waiter(Condition):
    c = Condition()
    ready, got = threading.Event(), []

    def waiter():
        with c:
            ready.set()
            got.append(c.wait(30))

    t = start(waiter)
    ready.wait(30)
    with c:  # the waiter is inside wait() once we hold the lock
        c.notify()
    t.join(30)
    assert got == [True]


@pytest.mark.parametrize("Condition", cond_impls(mp=False))
def test_condition_notify_n_wakes_n(Condition):
    c = Condition()
    woken = []
    inside = [0]

    def waiter(i):
        with c:
            inside[0] += 1
            if c.wait(30):
                woken.append(i)

    ts = [start(waiter, i) for i in range(5)]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with c:
            if inside[0] == 5:
                break
        time.sleep(0.005)
    with c:
        c.notify(2)
    time.sleep(0.2)
    assert len(woken) == 2
    with c:
        c.notify(0)
    time.sleep(0.05)
    assert len(woken) == 2
    with c:
        c.notify_all()
    for t in ts:
        t.join(30)
    assert sorted(woken) == list(range(5))


@pytest.mark.parametrize("Condition", cond_impls(mp=False))
def test_condition_notify_all_alias(Condition):
    c = Condition()
    with c:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            c.notifyAll()  # nobody waits: nothing happens
        c.notify_all()
        c.notify(3)


@pytest.mark.parametrize("Condition", cond_impls())
def test_condition_wait_for(Condition):
    c = Condition()
    state = []
    with c:
        assert c.wait_for(lambda: 42) == 42  # already true: no wait
        r, took = elapsed(c.wait_for, lambda: len(state), 0.05)
        assert r == 0 and 0.045 <= took < 1.05

    def producer():
        for i in range(3):
            time.sleep(0.01)
            with c:
                state.append(i)
                c.notify_all()

    t = start(producer)
    with c:
        assert c.wait_for(lambda: len(state) == 3, 30) is True
    t.join(30)


@pytest.mark.parametrize("Condition,Lock", [
    pytest.param(threading.Condition, threading.Lock, id="threading"),
    pytest.param(threading.Condition, threading.RLock, id="threading-rlock"),
    pytest.param(lambda lock=None: atomics.Condition(lock), lambda: atomics.Lock(), id="atomics-lock"),
    pytest.param(lambda lock=None: atomics.Condition(lock), lambda: atomics.RLock(), id="atomics-rlock"),
])
def test_condition_delegates_to_its_lock(Condition, Lock):
    lock = Lock()
    c = Condition(lock)
    assert c.acquire() is True
    assert in_thread(lock.acquire, False) is False
    c.release()
    with c:
        assert in_thread(lock.acquire, False) is False
    assert lock.acquire(False) is True
    lock.release()


@pytest.mark.parametrize("Condition,Lock", [
    pytest.param(threading.Condition, threading.RLock, id="threading-rlock"),
    pytest.param(threading.Condition, threading.Lock, id="threading-lock"),
    pytest.param(lambda lock: atomics.Condition(lock), atomics.RLock, id="atomics-rlock"),
    pytest.param(lambda lock: atomics.Condition(lock), atomics.Lock, id="atomics-lock"),
])
def test_condition_release_save_and_acquire_restore(Condition, Lock):
    # the private protocol threading.Condition exposes from its lock
    lock = Lock()
    c = Condition(lock)
    with pytest.raises(RuntimeError):
        c._release_save()
    c.acquire()
    assert c._is_owned() is True
    state = c._release_save()
    assert c._is_owned() is False
    assert in_thread(lambda: (lock.acquire(False), lock.release())[0]) is True
    c._acquire_restore(state)
    assert c._is_owned() is True
    c.release()


def test_condition_refuses_a_lock_outside_shared_memory():
    for bad in (threading.Lock(), threading.RLock(), multiprocessing.Lock(), 5, "lock"):
        with pytest.raises(TypeError):
            atomics.Condition(bad)
    atomics.Condition(None)
    atomics.Condition(lock=atomics.Lock())


def test_condition_default_lock_is_reentrant():
    c = atomics.Condition()
    with c, c:  # an RLock by default, as threading's
        assert c.wait(0) is False


# ---- Semaphore, BoundedSemaphore ---------------------------------------------------------


SEMS = impls("Semaphore") + impls("BoundedSemaphore")


@pytest.mark.parametrize("Sem", SEMS)
def test_semaphore_counts(Sem):
    s = Sem(3)
    assert [s.acquire() for _ in range(3)] == [True] * 3
    assert s.acquire(False) is False
    assert s.acquire(timeout=0) is False
    s.release()
    assert s.acquire(False) is True
    for _ in range(3):
        s.release()
    with s:
        pass
    z = Sem(0)
    assert z.acquire(False) is False
    assert Sem().acquire(False) is True  # value=1 by default


@pytest.mark.parametrize("Sem", SEMS)
def test_semaphore_timeout(Sem):
    s = Sem(1)
    assert s.acquire() is True
    r, took = elapsed(s.acquire, timeout=0.05)
    assert r is False and 0.045 <= took < 1.05
    got = []
    t = start(lambda: got.append(s.acquire(timeout=30)))
    time.sleep(0.05)
    assert got == []
    s.release()
    t.join(30)
    assert got == [True]


@pytest.mark.parametrize("Sem", impls("Semaphore", mp=False) + impls("BoundedSemaphore", mp=False))
def test_semaphore_arguments(Sem):
    with pytest.raises(ValueError, match="^semaphore initial value must be >= 0$"):
        Sem(-1)
    s = Sem(2)
    with pytest.raises(ValueError, match="^can't specify timeout for non-blocking acquire$"):
        s.acquire(False, 1)
    with pytest.raises(TypeError):
        Sem("1")
    # threading's Semaphore takes a negative timeout as "do not wait"
    assert s.acquire(timeout=-1) is True
    assert s.acquire(timeout=-5) is True
    assert s.acquire(timeout=-5) is False
    with pytest.raises(TypeError):
        s.acquire(timeout="1")  # exhausted: the timeout is used


@pytest.mark.parametrize("Sem", impls("Semaphore", mp=False))
def test_semaphore_release_n(Sem):
    s = Sem(0)
    s.release(3)
    assert [s.acquire(False) for _ in range(4)] == [True, True, True, False]
    for bad in (0, -1):
        with pytest.raises(ValueError, match="^n must be one or more$"):
            s.release(bad)
    with pytest.raises(TypeError):
        s.release("2")
    s.release(n=2)
    assert [s.acquire(False) for _ in range(3)] == [True, True, False]


@pytest.mark.parametrize("Sem", impls("Semaphore", mp=False))
def test_semaphore_release_n_wakes_n(Sem):
    s = Sem(0)
    got = []
    ts = [start(lambda: got.append(s.acquire(timeout=30))) for _ in range(4)]
    time.sleep(0.05)
    s.release(3)
    time.sleep(0.2)
    assert got == [True] * 3
    s.release()
    for t in ts:
        t.join(30)
    assert got == [True] * 4


@pytest.mark.parametrize("Sem", impls("BoundedSemaphore", mp=False))
def test_bounded_semaphore_refuses_release_past_the_initial_value(Sem):
    s = Sem(2)
    with pytest.raises(ValueError, match="^Semaphore released too many times$"):
        s.release()
    s.acquire()
    s.release()
    with pytest.raises(ValueError, match="^Semaphore released too many times$"):
        s.release()
    s.acquire()
    with pytest.raises(ValueError, match="^Semaphore released too many times$"):
        s.release(2)
    # a refused release changes nothing
    assert s.acquire(False) is True
    assert s.acquire(False) is False


@pytest.mark.parametrize("Sem", impls("BoundedSemaphore", mp=False))
def test_bounded_semaphore_of_zero_refuses_every_release(Sem):
    s = Sem(0)
    with pytest.raises(ValueError, match="^Semaphore released too many times$"):
        s.release()
    assert s.acquire(False) is False


@pytest.mark.parametrize("Sem", [pytest.param(threading.Semaphore, id="threading.Semaphore"),
                                 ours("Semaphore")])
def test_semaphore_admits_at_most_value_threads(Sem):
    s = Sem(2)
    inside, peak = [0], [0]
    guard = threading.Lock()

    def work():
        for _ in range(200):
            with s:
                with guard:
                    inside[0] += 1
                    peak[0] = max(peak[0], inside[0])
                time.sleep(0)
                with guard:
                    inside[0] -= 1

    ts = [start(work) for _ in range(4)]
    for t in ts:
        t.join(60)
    assert inside[0] == 0 and peak[0] <= 2


def test_semaphore_repr_like_threading():
    s = atomics.Semaphore(2)
    assert re.fullmatch(r"<atomics\.Semaphore at 0x[0-9a-f]+: value=2>", repr(s)), repr(s)
    b = atomics.BoundedSemaphore(3)
    b.acquire()
    assert re.fullmatch(r"<atomics\.BoundedSemaphore at 0x[0-9a-f]+: value=2/3>", repr(b)), repr(b)


# ---- Event ----------------------------------------------------------------------------------


@pytest.mark.parametrize("Event", impls("Event"))
def test_event_flag(Event):
    e = Event()
    assert e.is_set() is False
    assert e.wait(0) is False
    r, took = elapsed(e.wait, 0.05)
    assert r is False and 0.045 <= took < 1.05
    assert e.set() is None
    assert e.is_set() is True
    assert e.wait() is True
    assert e.wait(0) is True
    e.set()
    assert e.clear() is None
    assert e.is_set() is False
    e.clear()
    assert e.is_set() is False


@pytest.mark.parametrize("Event", impls("Event", mp=False))
def test_event_isset_alias_and_odd_timeouts(Event):
    e = Event()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        assert e.isSet() is False
        e.set()
        assert e.isSet() is True
    e.clear()
    # threading's Event.wait takes a negative timeout as "do not wait", and
    # NaN too before 3.14 (3.14 hands it to the lock, which refuses it)
    assert e.wait(-1) is False
    if sys.version_info >= (3, 14) and not PYPY:
        with pytest.raises(ValueError, match="NaN"):
            e.wait(math.nan)
    else:
        assert e.wait(math.nan) is False
    with pytest.raises(TypeError):
        e.wait("1")


@pytest.mark.parametrize("Event", impls("Event", mp=False))
def test_event_set_then_clear_still_wakes_the_waiters(Event):
    # threading (gh-57711): a waiter blocked before set() returns True even if
    # clear() came before it woke
    e = Event()
    got = []
    ts = [start(lambda: got.append(e.wait(30))) for _ in range(3)]
    time.sleep(0.1)
    e.set()
    e.clear()
    for t in ts:
        t.join(30)
    assert got == [True] * 3


@pytest.mark.parametrize("Event", impls("Event"))
def test_event_set_wakes_every_waiter(Event):
    e = Event()
    got = []
    ts = [start(lambda: got.append(e.wait(30))) for _ in range(4)]
    time.sleep(0.05)
    assert got == []
    e.set()
    for t in ts:
        t.join(30)
    assert got == [True] * 4


def test_event_repr_like_threading():
    e = atomics.Event()
    assert re.fullmatch(r"<atomics\.Event at 0x[0-9a-f]+: unset>", repr(e)), repr(e)
    e.set()
    assert re.fullmatch(r"<atomics\.Event at 0x[0-9a-f]+: set>", repr(e)), repr(e)


# ---- Barrier --------------------------------------------------------------------------------


@pytest.mark.parametrize("Barrier", impls("Barrier"))
def test_barrier_round_indices_and_action(Barrier):
    ran = []
    b = Barrier(3, action=lambda: ran.append(threading.get_ident()))
    assert (b.parties, b.n_waiting, b.broken) == (3, 0, False)
    got = []
    ts = [start(lambda: got.append(b.wait(30))) for _ in range(2)]
    deadline = time.monotonic() + 30
    while b.n_waiting < 2 and time.monotonic() < deadline:
        time.sleep(0.005)
    assert b.n_waiting == 2
    got.append(b.wait(30))
    for t in ts:
        t.join(30)
    assert sorted(got) == [0, 1, 2]
    assert len(ran) == 1
    assert b.n_waiting == 0 and b.broken is False
    # reusable: a second round
    got.clear()
    ts = [start(lambda: got.append(b.wait(30))) for _ in range(3)]
    for t in ts:
        t.join(30)
    assert sorted(got) == [0, 1, 2] and len(ran) == 2


@pytest.mark.parametrize("Barrier", impls("Barrier"))
def test_barrier_abort_reset_and_timeout(Barrier):
    b = Barrier(2)
    errors = []

    def waiter():
        try:
            b.wait(30)
        except threading.BrokenBarrierError as e:
            errors.append(e)

    t = start(waiter)
    while b.n_waiting < 1:
        time.sleep(0.005)
    b.abort()
    t.join(30)
    assert len(errors) == 1 and b.broken is True
    with pytest.raises(threading.BrokenBarrierError):
        b.wait(0)
    b.reset()
    assert b.broken is False and b.n_waiting == 0
    # reset while a thread waits: it gets BrokenBarrierError, the barrier is usable after
    t = start(waiter)
    while b.n_waiting < 1:
        time.sleep(0.005)
    b.reset()
    t.join(30)
    assert len(errors) == 2
    # a timeout breaks the barrier
    r = outcome(lambda: elapsed(b.wait, 0.05))
    assert r[0] == "BrokenBarrierError"
    assert b.broken is True
    b.reset()
    ts = [start(lambda: errors.append(b.wait(30))) for _ in range(2)]
    for t in ts:
        t.join(30)
    assert sorted(errors[2:]) == [0, 1]


@pytest.mark.parametrize("Barrier", impls("Barrier"))
def test_barrier_default_timeout(Barrier):
    b = Barrier(2, timeout=0.05)
    t = time.monotonic()
    with pytest.raises(threading.BrokenBarrierError):
        b.wait()
    assert 0.045 <= time.monotonic() - t < 1.05


@pytest.mark.parametrize("Barrier", impls("Barrier", mp=False))
def test_barrier_failing_action_breaks_it(Barrier):
    def boom():
        raise ZeroDivisionError("in the action")

    b = Barrier(1, action=boom)
    with pytest.raises(ZeroDivisionError):
        b.wait(5)
    assert b.broken is True


def test_barrier_bad_parties():
    # the issue asks for an exception for Barrier(0) whatever threading's version accepts
    for bad in (0, -1):
        with pytest.raises(ValueError):
            atomics.Barrier(bad)
    with pytest.raises(TypeError):
        atomics.Barrier("2")
    with pytest.raises(TypeError):
        atomics.Barrier(2, action=5)


def test_barrier_repr_like_threading():
    b = atomics.Barrier(2)
    assert re.fullmatch(r"<atomics\.Barrier at 0x[0-9a-f]+: waiters=0/2>", repr(b)), repr(b)


# ---- Latch (the contract: std::latch) -------------------------------------------------------


def test_latch_counts_down():
    latch = atomics.Latch(3)
    assert latch.try_wait() is False
    assert latch.wait(0) is False
    r, took = elapsed(latch.wait, 0.05)
    assert r is False and 0.045 <= took < 1.05
    assert latch.count_down() is None
    latch.count_down(2)
    assert latch.try_wait() is True
    assert latch.wait() is True and latch.wait(0) is True
    with pytest.raises(ValueError):
        latch.count_down()  # below zero
    assert atomics.Latch(0).try_wait() is True


def test_latch_arrive_and_wait_across_threads():
    latch = atomics.Latch(4)
    got = []
    ts = [start(lambda: got.append(latch.arrive_and_wait(timeout=30))) for _ in range(3)]
    time.sleep(0.05)
    assert got == []
    assert latch.arrive_and_wait() is True
    for t in ts:
        t.join(30)
    assert got == [True] * 3
    l2 = atomics.Latch(3)
    assert l2.arrive_and_wait(2, timeout=0.02) is False  # counted down, then timed out
    l2.count_down()
    assert l2.try_wait() is True


def test_latch_bad_arguments():
    with pytest.raises(ValueError):
        atomics.Latch(-1)
    with pytest.raises(TypeError):
        atomics.Latch("3")
    latch = atomics.Latch(2)
    with pytest.raises(ValueError):
        latch.count_down(3)
    assert latch.try_wait() is False  # the refused count_down changed nothing
    for bad in (0, -1):
        with pytest.raises(ValueError):
            latch.count_down(bad)
    with pytest.raises(ValueError):
        latch.wait(-1)
    with pytest.raises(ValueError):
        latch.wait(math.nan)


# ---- placement, attach, pickling (atomics only) -------------------------------------------

ARGS = {"Lock": (), "RLock": (), "Condition": (), "Semaphore": (2,), "BoundedSemaphore": (2,),
        "Event": (), "Barrier": (2,), "Latch": (2,)}
FACTORY = {"Lock": "lock", "RLock": "rlock", "Condition": "condition", "Semaphore": "semaphore",
           "BoundedSemaphore": "bounded_semaphore", "Event": "event", "Barrier": "barrier",
           "Latch": "latch"}


def each_class():
    return NAMES


def exercise(name, obj, twin):
    """Something done through `obj` is seen through `twin` (the same memory)."""
    if name in ("Lock", "RLock"):
        assert obj.acquire(False) is True
        assert (in_thread(twin.acquire, False) if name == "RLock" else twin.acquire(False)) is False
        obj.release()
        assert in_thread(lambda: (twin.acquire(False), twin.release())[0]) is True
    elif name == "Condition":
        with obj:
            assert in_thread(twin.acquire, False) is False
    elif name in ("Semaphore", "BoundedSemaphore"):
        assert obj.acquire(False) and obj.acquire(False)
        assert twin.acquire(False) is False
        obj.release(2) if name == "Semaphore" else (obj.release(), obj.release())
        assert twin.acquire(False) is True
        twin.release()
    elif name == "Event":
        obj.set()
        assert twin.is_set() is True
        twin.clear()
        assert obj.is_set() is False
    elif name == "Barrier":
        got = []
        t = start(lambda: got.append(twin.wait(30)))
        got.append(obj.wait(30))
        t.join(30)
        assert sorted(got) == [0, 1]
    elif name == "Latch":
        if obj.try_wait():  # single-use: opened by an earlier exercise, open for both
            assert twin.try_wait() is True
            return
        obj.count_down()
        assert twin.try_wait() is False
        twin.count_down()
        assert obj.try_wait() is True


@pytest.mark.parametrize("name", each_class())
def test_default_arena_placement_pickles(name):
    cls = getattr(atomics, name)
    obj = cls(*ARGS[name])
    assert isinstance(obj, cls)
    twin = pickle.loads(pickle.dumps(obj))
    assert type(twin) is cls
    exercise(name, obj, twin)


@pytest.mark.parametrize("name", each_class())
def test_arena_placement_by_argument_and_by_method(name):
    cls = getattr(atomics, name)
    with atomics.Arena(1 << 14) as arena:
        used = arena.used
        a = cls(*ARGS[name], arena=arena)
        assert arena.used >= used + cls.nbytes
        b = getattr(arena, FACTORY[name])(*ARGS[name])
        assert type(a) is type(b) is cls
        exercise(name, a, pickle.loads(pickle.dumps(a)))
        exercise(name, b, pickle.loads(pickle.dumps(b)))


@pytest.mark.parametrize("name", each_class())
def test_buffer_placement_and_attach(name):
    cls = getattr(atomics, name)
    off = cls.alignment * 2
    buf = bytearray(off + cls.nbytes + 64)
    obj = cls(*ARGS[name], buffer=buf, offset=off)
    assert bytes(buf) != bytes(len(buf))  # it initialised a header there
    twin = cls.attach(buf, off)
    exercise(name, obj, twin)
    twin2 = cls.attach(buffer=buf, offset=off)
    exercise(name, twin2, obj)
    # buffer-placed: not picklable, and the message says what to do
    with pytest.raises(TypeError, match="attach"):
        pickle.dumps(obj)
    with pytest.raises(TypeError, match="attach"):
        pickle.dumps(twin)


@pytest.mark.parametrize("name", each_class())
def test_buffer_placement_in_shared_memory_and_mmap(name):
    import mmap
    from multiprocessing import shared_memory
    cls = getattr(atomics, name)
    shm = shared_memory.SharedMemory(create=True, size=cls.nbytes + cls.alignment)
    try:
        obj = cls(*ARGS[name], buffer=shm.buf, offset=0)
        exercise(name, obj, cls.attach(shm.buf))
        del obj
    finally:
        import gc
        gc.collect()
        try:
            shm.close()
        except BufferError:
            pass
        shm.unlink()
    m = mmap.mmap(-1, 4096)
    obj = cls(*ARGS[name], buffer=m, offset=cls.alignment)
    exercise(name, obj, cls.attach(m, cls.alignment))


@pytest.mark.parametrize("name", each_class())
def test_bad_buffers(name):
    cls = getattr(atomics, name)
    with pytest.raises(TypeError):
        cls(*ARGS[name], buffer=bytes(cls.nbytes + 64))  # read-only
    with pytest.raises(TypeError):
        cls(*ARGS[name], buffer=memoryview(bytearray(cls.nbytes + 64)).toreadonly())
    with pytest.raises(ValueError):
        cls(*ARGS[name], buffer=bytearray(cls.nbytes - 1))  # too small
    with pytest.raises(ValueError):
        # no room at that (aligned) offset: nbytes + 64 - (64 + alignment) < nbytes
        cls(*ARGS[name], buffer=bytearray(cls.nbytes + 64), offset=64 + cls.alignment)
    with pytest.raises(ValueError):
        cls(*ARGS[name], buffer=bytearray(cls.nbytes + 64), offset=-8)
    if cls.alignment > 1:
        with pytest.raises(atomics.exc.AlignmentError):
            cls(*ARGS[name], buffer=bytearray(cls.nbytes + 64), offset=1)  # misaligned
    with pytest.raises(TypeError):
        cls(*ARGS[name], buffer=12345)
    with pytest.raises(TypeError):
        cls(*ARGS[name], buffer=bytearray(cls.nbytes), offset="0")
    with pytest.raises((TypeError, ValueError)):
        cls(*ARGS[name], arena="not an arena")
    with pytest.raises((TypeError, ValueError)):
        with atomics.Arena(4096) as arena:
            cls(*ARGS[name], arena=arena, buffer=bytearray(cls.nbytes))  # both
    with pytest.raises(TypeError):
        cls.attach(bytes(cls.nbytes))  # read-only


@pytest.mark.parametrize("name", each_class())
def test_attach_validates_the_header(name):
    cls = getattr(atomics, name)
    with pytest.raises(ValueError):
        cls.attach(bytearray(cls.nbytes))  # zeros: nothing initialised here
    with pytest.raises(ValueError):
        cls.attach(bytearray(b"\xa5" * (cls.nbytes + 64)))  # garbage
    with pytest.raises(ValueError):
        cls.attach(bytearray(cls.nbytes - 1))
    buf = bytearray(cls.nbytes + 64)
    cls(*ARGS[name], buffer=buf)
    for other in NAMES:
        if other == name or {name, other} == {"Semaphore", "BoundedSemaphore"}:
            continue
        with pytest.raises(ValueError):
            getattr(atomics, other).attach(buf)
    # the valid one attaches after all that
    cls.attach(buf)


def test_condition_attach_with_external_lock():
    buf = bytearray(atomics.Condition.nbytes + 64)
    lock = atomics.Lock()
    c = atomics.Condition(lock, buffer=buf)
    c2 = atomics.Condition.attach(buf, 0, lock=lock)
    with c2:
        assert lock.acquire(False) is False
    with pytest.raises(ValueError):
        atomics.Condition.attach(buf, 0)  # made with an external lock: it must be given
    with pytest.raises(ValueError):
        atomics.Condition.attach(buf, 0, lock=atomics.Lock())  # not that lock
    del c


@pytest.mark.parametrize("name", each_class())
def test_forged_handles_raise(name, tmp_cwd):
    # every argument of the handle replaced by nonsense: an exception each time, no crash
    cls = getattr(atomics, name)
    code = textwrap.dedent(f"""
        import pickle, atomics
        arena = atomics.Arena(1 << 14)
        obj = atomics.{name}(*{ARGS[name]!r}, arena=arena)
        fn, args = obj.__reduce_ex__(4)[:2]
        bad = [None, -1, 0, 1, 2**70, "atomics_0000000000000000", "../x", b"", b"\\0" * 8,
               b"\\xff" * 64, (), 3.5]
        n = 0
        for i in range(len(args)):
            for b in bad:
                forged = args[:i] + (b,) + args[i + 1:]
                try:
                    fn(*forged)
                except Exception:
                    n += 1
                else:
                    if forged != args and b != args[i]:
                        # accepted: it must at least be the same object, not other memory
                        pass
        print(n)
        arena.unlink()
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert int(proc.stdout) > 0
    assert cls  # the class exists


@pytest.mark.parametrize("name", each_class())
def test_a_handle_over_other_memory_is_refused(name):
    # a handle whose offset now holds zeros (or another primitive) is a ValueError
    cls = getattr(atomics, name)
    with atomics.Arena(1 << 14) as arena:
        obj = cls(*ARGS[name], arena=arena)
        fn, args = obj.__reduce_ex__(4)[:2]
        data = pickle.dumps(obj)
        mm = arena._mm
        raw = bytes(mm)
        # find the primitive's bytes: the only non-zero bytes past the header
        start_ = next(i for i in range(64, len(raw)) if raw[i])
        saved = bytes(mm[start_:start_ + 8])
        mm[start_:start_ + 8] = bytes(8)
        try:
            with pytest.raises(ValueError):
                pickle.loads(data)
        finally:
            mm[start_:start_ + 8] = saved
        pickle.loads(data)


@pytest.mark.parametrize("name", each_class())
def test_stale_handle_after_unlink(name, tmp_cwd):
    cls = getattr(atomics, name)
    arena = atomics.Arena(1 << 14)
    data = pickle.dumps(cls(*ARGS[name], arena=arena))
    arena.unlink()
    code = f"import pickle, sys; pickle.loads({data!r})"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1, proc.stderr
    assert "FileNotFoundError" in proc.stderr and "no longer exists" in proc.stderr


@pytest.mark.parametrize("name", each_class())
def test_wrong_constructor_types(name):
    cls = getattr(atomics, name)
    with pytest.raises(TypeError):
        cls(*ARGS[name], bogus=1)
    with pytest.raises(TypeError):
        cls(*ARGS[name], offset="x", buffer=bytearray(cls.nbytes + 64))
    if ARGS[name]:
        with pytest.raises(TypeError):
            cls(1.5)
        with pytest.raises(TypeError):
            cls(None) if name != "Condition" else cls(5)


@pytest.mark.parametrize("name", ["Lock", "RLock", "Semaphore", "BoundedSemaphore"])
def test_owner_died_is_false_and_read_only(name):
    obj = getattr(atomics, name)(*ARGS[name])
    assert obj.owner_died is False
    obj.acquire()
    assert obj.owner_died is False
    with pytest.raises(AttributeError):
        obj.owner_died = True
    obj.release()


def test_released_buffer_while_waited_on_is_refused():
    # the buffer a primitive lives in cannot be released while the primitive uses it
    import mmap
    m = mmap.mmap(-1, 4096)
    lock = atomics.Lock(buffer=m)
    lock.acquire()
    got = []
    t = start(lambda: got.append(outcome(lambda: lock.acquire(timeout=0.3))))
    time.sleep(0.05)
    with pytest.raises(BufferError):
        m.close()
    t.join(30)
    assert got == [("ok", "False")]
    lock.release()
