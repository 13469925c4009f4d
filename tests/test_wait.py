"""Blocking wait(old, timeout=None, order=SEQ_CST), notify_one() and
notify_all(): arguments, timeouts, hand-offs between threads and between
processes, many waiters, signals, views released while a thread waits, the
GIL released while blocked, and the two examples (cross-process mutex and
event). Scenarios with threads or processes run in a subprocess with a
timeout, so a lost wake-up fails the test instead of hanging the run."""
import math
import os
import pathlib
import subprocess
import sys
import sysconfig
import textwrap
import threading
import time

import pytest

import atomics
import atomics.base
from atomics.exc import MemoryOrderError

ROOT = pathlib.Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
FREE_THREADED = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))
POSIX = os.name == "posix"


def run(code, timeout=60):
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=timeout)
    assert proc.returncode == 0, f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def int_obj(width=4, value=0):
    a = atomics.atomic(width=width, atype=atomics.INT)
    a.store(value)
    return a


# ---- the methods and their arguments ---------------------------------------------------


@pytest.mark.parametrize("atype", [atomics.INT, atomics.UINT, atomics.BYTES])
def test_integral_and_bytes_objects_have_the_methods(atype):
    a = atomics.atomic(width=4, atype=atype)
    for name in ("wait", "notify_one", "notify_all"):
        assert callable(getattr(a, name))
    assert not hasattr(atomics.base.Atomic, "wait")  # ANY objects have no values


def test_poll_with_timeout_zero():
    a = int_obj(value=5)
    assert a.wait(4, timeout=0) is True
    assert a.wait(5, timeout=0) is False
    assert a.wait(5, 0) is False  # positional, an int
    assert a.wait(4) is True  # no timeout, already different: at once
    assert a.wait(old=4, timeout=0.0, order=atomics.MemoryOrder.ACQUIRE) is True
    b = atomics.atomic(width=3, atype=atomics.BYTES)
    assert b.wait(b"\0\0\0", timeout=0) is False
    assert b.wait(b"\0\0\1", timeout=0) is True


@pytest.mark.parametrize("bad", [-1, -0.001, float("nan"), float("-inf"), pytest.param(-10**400, id="-10**400")])
def test_bad_timeouts_raise_value_error(bad):
    with pytest.raises(ValueError, match="timeout"):
        int_obj().wait(0, timeout=bad)


def test_bad_arguments():
    a = int_obj()
    with pytest.raises(TypeError):
        a.wait(0, timeout="1")
    with pytest.raises(TypeError):
        a.wait("0")
    with pytest.raises(OverflowError):
        a.wait(2**40, timeout=0)
    with pytest.raises(TypeError):
        a.wait()
    with pytest.raises(TypeError):
        a.notify_one(1)
    with pytest.raises(MemoryOrderError):
        a.wait(0, timeout=0, order=atomics.MemoryOrder.RELEASE)
    with pytest.raises(ValueError):
        atomics.atomic(width=3, atype=atomics.BYTES).wait(b"\0", timeout=0)


def test_infinite_timeout_and_int_timeout_are_accepted():
    a = int_obj(value=1)
    assert a.wait(0, timeout=math.inf) is True
    assert a.wait(0, timeout=10**30) is True
    # an int too large for a float is as unlimited as inf, not an OverflowError
    assert a.wait(0, timeout=10**400) is True
    assert a.wait(1, timeout=0) is False
    t = threading.Timer(0.05, lambda: (a.store(2), a.notify_all()))
    t.start()
    try:
        assert a.wait(1, timeout=10**400) is True
    finally:
        t.join()
    a.store(1)
    assert a.wait(1, timeout=0) is False


def test_timeout_returns_after_the_timeout_not_before():
    a = int_obj()
    for timeout in (0.02, 0.12):
        t = time.monotonic()
        assert a.wait(0, timeout=timeout) is False
        took = time.monotonic() - t
        assert timeout <= took < timeout + 1.0, (timeout, took)


def test_readonly_views_wait_and_notify():
    data = bytes(4)  # (PyPy aligns the data of bytes objects to 4 only)
    with atomics.atomicview(buffer=data, atype=atomics.UINT) as v:
        assert v.readonly
        assert v.wait(0, timeout=0) is False
        assert v.wait(1, timeout=0) is True
        assert v.wait(0, timeout=0.01) is False
        v.notify_one()  # writes nothing: wakes waiters of the memory
        v.notify_all()


def test_released_view_raises():
    buf = bytearray(8)
    with atomics.atomicview(buffer=buf, atype=atomics.INT) as v:
        pass
    for call in (lambda: v.wait(0, timeout=0), v.notify_one, v.notify_all):
        with pytest.raises(ValueError, match="released"):
            call()


# ---- threads ------------------------------------------------------------------------------


def pingpong_side(a, parity, rounds, log):
    """Owns the counter values of its parity: waits while the counter is the
    other side's, then moves it on by exactly one."""
    while True:
        v = a.load()
        if v >= 2 * rounds:
            return
        if v % 2 != parity:
            if not a.wait(v, timeout=10):
                log.append(f"timed out at {v}")
                return
            continue
        if not a.cmpxchg_strong(v, v + 1).success:
            log.append(f"lost hand-off at {v}")
            return
        a.notify_all()


@pytest.mark.parametrize("width", [1, 2, 3, 4, 8, 16])
def test_thread_ping_pong_exact_hand_offs(width):
    try:
        a = atomics.atomic(width=width, atype=atomics.UINT)
    except atomics.UnsupportedWidthException:
        pytest.skip(f"width {width} is not lock-free here")
    rounds = 120  # 2 * rounds fits one byte
    log = []
    ts = [threading.Thread(target=pingpong_side, args=(a, p, rounds, log)) for p in (0, 1)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(30)
    assert not any(t.is_alive() for t in ts), "ping-pong hung"
    assert log == [] and a.load() == 2 * rounds


def test_change_in_the_high_word_of_a_wide_value_wakes():
    for width in (8, 16):
        try:
            a = atomics.atomic(width=width, atype=atomics.UINT)
        except atomics.UnsupportedWidthException:
            continue
        results = []
        t = threading.Thread(target=lambda: results.append(a.wait(0, timeout=10)))
        t.start()
        time.sleep(0.05)
        start = time.monotonic()
        a.store(1 << (8 * width - 8))  # the last byte only
        a.notify_all()
        t.join(10)
        assert results == [True] and time.monotonic() - start < 1.0


def test_store_without_notify_is_seen_within_a_slice():
    # a notify is what wakes a sleeper; without one the binding still looks
    # again every 50 ms (its slice)
    a = int_obj()
    results = []
    t = threading.Thread(target=lambda: results.append((a.wait(0, timeout=10), time.monotonic())))
    t.start()
    time.sleep(0.05)
    start = time.monotonic()
    a.store(1)
    t.join(10)
    assert results and results[0][0] is True and results[0][1] - start < 0.5


def test_gil_is_released_while_blocked():
    a = int_obj()
    count = [0]
    stop = []

    def spin():
        while not stop:
            count[0] += 1

    t = threading.Thread(target=spin)
    t.start()
    time.sleep(0.02)
    before = count[0]
    assert a.wait(0, timeout=0.2) is False
    during = count[0] - before
    stop.append(1)
    t.join()
    assert during > 1000, during


def wake_waiters(n, wake, latency):
    """In a subprocess, n threads wait for an int to leave 0; the main thread
    stores 1 and runs the statements `wake`, then every waiter must have
    woken (wait returned True). Returns the expression `latency` (seconds,
    from `start`, the time of the store) evaluated after the joins."""
    return float(run(textwrap.dedent("""
        import threading, time, atomics
        a = atomics.atomic(width=4, atype=atomics.INT)
        woke = []
        def waiter():
            woke.append((a.wait(0, timeout=10), time.monotonic()))
        ts = [threading.Thread(target=waiter) for _ in range({n})]
        for t in ts: t.start()
        time.sleep(0.1)
        start = time.monotonic()
        a.store(1)
        {wake}
        for t in ts: t.join()
        assert len(woke) == {n} and all(r for r, _ in woke), woke
        print({latency})
    """).format(n=n, wake=textwrap.dedent(wake).strip(), latency=latency)))


def test_notify_all_wakes_every_waiter():
    assert wake_waiters(6, "a.notify_all()", "max(w for _, w in woke) - start") < 1.0


def test_notify_one_wakes_at_least_one():
    assert wake_waiters(3, """
        a.notify_one()
        while not woke and time.monotonic() - start < 5:
            time.sleep(0.001)
        first = woke[0][1] - start if woke else 99
        a.notify_all()  # the others (each also sees the value within a slice)
    """, "first") < 1.0


def test_notify_one_on_a_byte_sharing_a_word():
    # waiters of byte 0 and byte 1 watch the same 4-byte word: notify_one on
    # byte 1 must still reach byte 1's waiter
    buf = bytearray(4)
    with atomics.atomicview(buffer=memoryview(buf)[0:1], atype=atomics.UINT) as b0, \
         atomics.atomicview(buffer=memoryview(buf)[1:2], atype=atomics.UINT) as b1:
        woke = []
        ts = [threading.Thread(target=lambda: woke.append(("b0", b0.wait(0, timeout=10))))
              for _ in range(2)]
        ts.append(threading.Thread(target=lambda: woke.append(("b1", b1.wait(0, timeout=10)))))
        for t in ts:
            t.start()
        time.sleep(0.1)
        start = time.monotonic()
        b1.store(1)
        b1.notify_one()
        ts[2].join(10)
        assert ("b1", True) in woke and time.monotonic() - start < 0.5
        b0.store(1)
        b0.notify_all()
        for t in ts:
            t.join(10)
        assert sorted(woke) == [("b0", True), ("b0", True), ("b1", True)]


# ---- views released while a thread waits ---------------------------------------------------


@pytest.mark.parametrize("atype, old", [(atomics.INT, 0), (atomics.BYTES, bytes(8))])
def test_release_wakes_the_waiter_with_value_error(atype, old):
    out = run(f"""
        import threading, time, atomics
        buf = bytearray(8)
        ctx = atomics.atomicview(buffer=buf, atype=atomics.{atype.__name__})
        v = ctx.__enter__()
        errors = []
        def waiter():
            try:
                v.wait({old!r})
            except ValueError as e:
                errors.append((str(e), time.monotonic()))
        ts = [threading.Thread(target=waiter) for _ in range(3)]
        for t in ts: t.start()
        time.sleep(0.1)
        start = time.monotonic()
        ctx.__exit__(None, None, None)
        released = time.monotonic() - start
        for t in ts: t.join(10)
        assert not any(t.is_alive() for t in ts)
        assert len(errors) == 3 and all("released" in e for e, _ in errors), errors
        buf.append(1)  # the export was given back
        print(released, max(w for _, w in errors) - start)
    """)
    released, woke = map(float, out.split())
    assert released < 0.5 and woke < 0.5


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_fork_while_another_thread_waits_does_not_strand_the_child():
    """The child of a fork inherits the view's waiter count but not the
    waiting thread: 1.2.0's release in the child spun forever waiting for a
    thread that does not exist there. Its release now returns at once, and
    so does the parent's once its own waiter has left."""
    out = run("""
        import os, threading, time, warnings, atomics
        warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads (3.12+)
        buf = bytearray(8)
        ctx = atomics.atomicview(buffer=buf, atype=atomics.UINT)
        v = ctx.__enter__()
        errors = []
        def waiter():
            try:
                v.wait(0)
            except ValueError as e:
                errors.append(str(e))
        t = threading.Thread(target=waiter, daemon=True)
        t.start()
        time.sleep(0.1)
        pid = os.fork()
        if pid == 0:
            start = time.monotonic()
            ctx.__exit__(None, None, None)  # hung here in 1.2.0
            buf.append(1)  # the child's export was given back
            os._exit(0 if time.monotonic() - start < 1 else 3)
        deadline = time.monotonic() + 20
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            if time.monotonic() > deadline:
                os.kill(pid, 9)
                os.waitpid(pid, 0)
                raise SystemExit("the child's release hung")
            time.sleep(0.01)
        assert os.waitstatus_to_exitcode(status) == 0, status
        ctx.__exit__(None, None, None)  # wakes the parent's waiter
        t.join(10)
        assert not t.is_alive() and len(errors) == 1 and "released" in errors[0], errors
        print("ok")
    """)
    assert out.strip() == "ok"


def test_release_racing_waits_never_crashes():
    run("""
        import threading, atomics
        for _ in range(30):
            buf = bytearray(4)
            ctx = atomics.atomicview(buffer=buf, atype=atomics.UINT)
            v = ctx.__enter__()
            def waiter():
                for _ in range(20):
                    try:
                        v.wait(0, timeout=0.005)
                        v.notify_all()
                    except ValueError:
                        return
            ts = [threading.Thread(target=waiter) for _ in range(3)]
            for t in ts: t.start()
            ctx.__exit__(None, None, None)
            for t in ts: t.join()
            buf.append(0)
    """)


# ---- signals ------------------------------------------------------------------------------------


@pytest.mark.skipif(not POSIX, reason="POSIX signals")
def test_signal_handler_exception_interrupts_the_wait():
    out = run("""
        import signal, time, atomics
        class Alarm(Exception): pass
        def handler(*_): raise Alarm
        signal.signal(signal.SIGALRM, handler)
        a = atomics.atomic(width=8, atype=atomics.INT)
        signal.setitimer(signal.ITIMER_REAL, 0.05)
        start = time.monotonic()
        try:
            a.wait(0)
        except Alarm:
            print(time.monotonic() - start)
    """)
    assert 0.04 < float(out) < 0.05 + 0.1


@pytest.mark.skipif(not POSIX, reason="POSIX signals")
def test_ctrl_c_from_another_thread_interrupts_within_100_ms():
    # SIGINT sent while the main thread waits, the way Ctrl-C arrives; a
    # handler that returns lets the wait go on
    out = run("""
        import os, signal, threading, time, atomics
        a = atomics.atomic(width=4, atype=atomics.INT)
        calls = []
        signal.signal(signal.SIGUSR1, lambda *_: calls.append(1))
        threading.Timer(0.03, os.kill, (os.getpid(), signal.SIGUSR1)).start()
        assert a.wait(0, timeout=0.15) is False and calls == [1]
        signal.signal(signal.SIGINT, signal.default_int_handler)
        sent = []
        def ctrl_c():
            sent.append(time.monotonic())
            os.kill(os.getpid(), signal.SIGINT)
        threading.Timer(0.05, ctrl_c).start()
        try:
            a.wait(0)
        except KeyboardInterrupt:
            print(time.monotonic() - sent[0])
    """)
    assert float(out) < 0.1


# ---- processes -------------------------------------------------------------------------------------

PROCESS_PINGPONG = """
    import multiprocessing as mp, sys, time
    from multiprocessing import shared_memory
    import atomics

    ROUNDS = 300

    def side(name, parity, offset, width):
        shm = shared_memory.SharedMemory(name=name)
        try:
            with atomics.atomicview(buffer=shm.buf[offset:offset + width],
                                    atype=atomics.UINT) as a:
                while True:
                    v = a.load()
                    if v >= 2 * ROUNDS:
                        return
                    if v % 2 != parity:
                        assert a.wait(v, timeout=10), f"timed out at {v}"
                        continue
                    assert a.cmpxchg_strong(v, v + 1).success, f"lost hand-off at {v}"
                    a.notify_one()
        finally:
            shm.close()

    if __name__ == "__main__":
        mp.set_start_method("spawn" if sys.platform != "linux" else "fork")
        shm = shared_memory.SharedMemory(create=True, size=64)
        try:
            for offset, width in ((0, 4), (8, 8), (18, 2), (32, 16)):
                try:
                    with atomics.atomicview(buffer=shm.buf[offset:offset + width],
                                            atype=atomics.UINT) as a:
                        a.store(0)
                except atomics.UnsupportedWidthException:
                    continue
                start = time.monotonic()
                ps = [mp.Process(target=side, args=(shm.name, p, offset, width)) for p in (0, 1)]
                for p in ps: p.start()
                for p in ps: p.join(60)
                assert all(p.exitcode == 0 for p in ps), [p.exitcode for p in ps]
                with atomics.atomicview(buffer=shm.buf[offset:offset + width],
                                        atype=atomics.UINT) as a:
                    assert a.load() == 2 * ROUNDS
                print(width, ROUNDS / (time.monotonic() - start))
        finally:
            shm.close()
            shm.unlink()
"""


def test_process_ping_pong_exact_hand_offs(tmp_path):
    script = tmp_path / "pingpong.py"
    script.write_text(textwrap.dedent(PROCESS_PINGPONG))
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, f"{proc.stdout}\n{proc.stderr}"
    assert proc.stdout.split()[0::2][:3] == ["4", "8", "2"]


# ---- the examples ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["wait_mutex.py", "wait_event.py"])
def test_examples_run(name):
    path = EXAMPLES / name
    if not path.is_file():
        pytest.skip("no examples/ beside tests/ (installed-only run)")
    proc = subprocess.run([sys.executable, str(path)], capture_output=True, text=True,
                          timeout=120, cwd=path.parent)
    assert proc.returncode == 0, f"{proc.stdout}\n{proc.stderr}"
    assert "ok" in proc.stdout


# ---- free-threaded CPython ------------------------------------------------------------------------------


def test_many_threads_wait_and_notify_without_the_gil():
    # on 3.13t every thread runs at once: a counter handed round a ring of
    # threads, each waiting for its turn
    out = run("""
        import sys, threading, atomics
        N, ROUNDS = 6, 150
        a = atomics.atomic(width=8, atype=atomics.UINT)
        errors = []
        def member(i):
            while True:
                v = a.load()
                if v >= N * ROUNDS:
                    return
                if v % N != i:
                    if not a.wait(v, timeout=10):
                        errors.append(v); return
                    continue
                if not a.cmpxchg_strong(v, v + 1).success:
                    errors.append(("lost", v)); return
                a.notify_all()
        ts = [threading.Thread(target=member, args=(i,)) for i in range(N)]
        for t in ts: t.start()
        for t in ts: t.join()
        assert errors == [] and a.load() == N * ROUNDS, (errors, a.load())
        print(getattr(sys, "_is_gil_enabled", lambda: True)())
    """)
    if FREE_THREADED:
        assert out.strip() == "False"
