"""Free-threaded CPython: the module keeps the GIL off, and Python-level state
(a view's context) stays safe when threads race to use and release it.

Every threaded scenario runs in a subprocess with a timeout, so a deadlock
fails the test instead of hanging the run. On a GIL build the same code runs
(and must pass), it just proves less."""
import os
import subprocess
import sys
import sysconfig
import textwrap

import pytest

FREE_THREADED = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))
SCALE = int(os.environ.get("ATOMICS_STRESS_SCALE", "1"))


def run(code: str, timeout: float = 120) -> str:
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert proc.returncode == 0, f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


@pytest.mark.skipif(not FREE_THREADED, reason="needs a free-threaded (3.13t) interpreter")
def test_import_keeps_the_gil_off():
    out = run(
        """
        import sys
        assert not sys._is_gil_enabled()
        import atomics
        a = atomics.atomic(width=8, atype=atomics.INT)
        a.inc()
        print(sys._is_gil_enabled())
        """
    )
    assert out.strip() == "False"


def test_every_rmw_operation_is_exact_across_threads():
    # 4 threads hammer one shared object with each checkable read-modify-write
    # operation; totals must come out exact at every width.
    run(
        f"""
        import threading, atomics
        N = 20_000 * {SCALE}
        T = 4

        def hammer(fn):
            barrier = threading.Barrier(T)
            def work(i):
                barrier.wait()
                for _ in range(N):
                    fn(i)
            ts = [threading.Thread(target=work, args=(i,)) for i in range(T)]
            for t in ts: t.start()
            for t in ts: t.join()

        for width in (1, 2, 4, 8, 16, 3, 11):
            mod = 1 << (8 * width)
            a = atomics.atomic(width=width, atype=atomics.UINT)
            hammer(lambda i: a.inc()); assert a.load() == (T * N) % mod, ("inc", width)
            hammer(lambda i: a.dec()); assert a.load() == 0, ("dec", width)
            hammer(lambda i: a.add(3)); assert a.load() == (3 * T * N) % mod, ("add", width)
            hammer(lambda i: a.sub(3)); assert a.load() == 0, ("sub", width)
            hammer(lambda i: a.fetch_add(5)); assert a.load() == (5 * T * N) % mod
            hammer(lambda i: a.fetch_sub(5)); assert a.load() == 0
            hammer(lambda i: a.fetch_inc()); assert a.load() == (T * N) % mod
            hammer(lambda i: a.fetch_dec()); assert a.load() == 0
            # disjoint bits: thread i toggles bit i an even number of times
            hammer(lambda i: a.bin_xor(1 << i)); assert a.load() == 0, ("xor", width)
            hammer(lambda i: a.bin_fetch_xor(1 << i)); assert a.load() == 0
            hammer(lambda i: a.bit_test_compl(i)); assert a.load() == 0
            a.store(0)
            hammer(lambda i: (a.bin_or(1 << i), a.bin_and(~(1 << i) % mod)))
            assert a.load() == 0, ("or/and", width)

            def cas_inc(i):
                seen = a.load()
                while True:
                    ok, seen = a.cmpxchg_weak(seen, (seen + 1) % mod)
                    if ok:
                        return
            a.store(0)
            hammer(cas_inc); assert a.load() == (T * N) % mod, ("cmpxchg_weak", width)
        print("ok")
        """,
        timeout=600,
    )


def test_release_racing_operations_never_crashes():
    # One thread releases the context while others operate on the view: every
    # operation either completes on valid memory or raises ValueError.
    out = run(
        f"""
        import threading, atomics
        rounds = 300 * {SCALE}
        completed = raised = 0
        for r in range(rounds):
            buf = bytearray(8)
            ctx = atomics.atomicview(buffer=buf, atype=atomics.INT)
            view = ctx.__enter__()
            start = threading.Barrier(3)
            counts = [0, 0]
            def user(k):
                start.wait()
                for _ in range(200):
                    try:
                        view.inc()
                        counts[k] += 1
                    except ValueError:
                        break
            ts = [threading.Thread(target=user, args=(k,)) for k in range(2)]
            for t in ts: t.start()
            start.wait()
            while sum(counts) < r % 40:  # vary where in their loops the release lands
                pass
            ctx.__exit__(None, None, None)
            buf.extend(b"x" * 4096)   # the exporter may reallocate once released
            for t in ts: t.join()
            # every increment that completed landed in the buffer before release
            assert int.from_bytes(buf[:8], "little", signed=True) == sum(counts), r
            completed += sum(counts)
            raised += sum(1 for c in counts if c < 200)
        print(completed, raised)
        """,
        timeout=600,
    )
    completed, raised = map(int, out.split())
    assert completed > 0


def test_context_transitions_have_exactly_one_winner():
    out = run(
        f"""
        import threading, atomics
        rounds = 500 * {SCALE}
        for r in range(rounds):
            ctx = atomics.atomicview(buffer=bytearray(4), atype=atomics.UINT)
            start = threading.Barrier(4)
            entered = []
            def enter():
                start.wait()
                try:
                    entered.append(ctx.__enter__())
                except ValueError:
                    pass
            ts = [threading.Thread(target=enter) for _ in range(4)]
            for t in ts: t.start()
            for t in ts: t.join()
            assert len(entered) == 1, len(entered)
            # racing __exit__ calls: the buffer is given back exactly once
            start = threading.Barrier(4)
            def leave():
                start.wait()
                ctx.__exit__(None, None, None)
            ts = [threading.Thread(target=leave) for _ in range(4)]
            for t in ts: t.start()
            for t in ts: t.join()
            try:
                entered[0].load()
            except ValueError:
                pass
            else:
                raise AssertionError("view usable after exit")
        print("ok")
        """,
        timeout=600,
    )
    assert out.strip() == "ok"


def test_racing_release_and_enter():
    # release() from one thread against __enter__ from another: either the
    # context opens (and release raises) or it is released (and enter raises).
    run(
        f"""
        import threading, atomics
        for r in range(1000 * {SCALE}):
            buf = bytearray(8)
            ctx = atomics.atomicview(buffer=buf, atype=atomics.INT)
            start = threading.Barrier(2)
            result = {{}}
            def enter():
                start.wait()
                try:
                    result["view"] = ctx.__enter__()
                except ValueError as e:
                    result["enter_error"] = str(e)
            def release():
                start.wait()
                try:
                    ctx.release()
                    result["released"] = True
                except ValueError as e:
                    result["release_error"] = str(e)
            ts = [threading.Thread(target=enter), threading.Thread(target=release)]
            for t in ts: t.start()
            for t in ts: t.join()
            if "view" in result:
                assert result.get("release_error") == "Cannot call 'release' while context is open.", result
                ctx.__exit__(None, None, None)
            else:
                assert result["enter_error"] == "Cannot open context after calling 'release'.", result
            buf.append(0)  # export given back in both cases
        print("ok")
        """,
        timeout=600,
    )


def test_exit_racing_the_owners_first_operations():
    # __enter__ on one thread against __exit__ on another, again and again:
    # the opener starts operating at once, the other thread releases as soon
    # as it can and then grows the buffer (which may move it). Every
    # increment the opener saw complete must be in the buffer; none may land
    # after the release. Before 1.2.0 the opener published itself as the
    # owner only after the context opened, so a release in that gap skipped
    # the barrier that makes the owner's first operation visible.
    out = run(
        f"""
        import threading, atomics
        rounds = {2000 if FREE_THREADED else 300} * {SCALE}
        opened = 0
        for r in range(rounds):
            buf = bytearray(8)
            ctx = atomics.atomicview(buffer=buf, atype=atomics.INT)
            start = threading.Barrier(2)
            done = [0]
            going = [False]
            def owner():
                start.wait()
                going[0] = True
                try:
                    view = ctx.__enter__()
                except ValueError:
                    return  # the release came first
                while True:
                    try:
                        view.inc()
                    except ValueError:
                        return
                    done[0] += 1
            def releaser():
                start.wait()
                while not going[0]:
                    pass
                for _ in range(r % 50):  # vary where the release lands
                    pass
                ctx.__exit__(None, None, None)
                before = bytes(buf[:8])
                buf.extend(b"x" * 65536)  # the export is back: may move
                assert bytes(buf[:8]) == before
            ts = [threading.Thread(target=owner), threading.Thread(target=releaser)]
            for t in ts: t.start()
            for t in ts: t.join()
            assert int.from_bytes(buf[:8], "little", signed=True) == done[0], (r, done)
            opened += done[0] > 0
        print(opened)
        """,
        timeout=600,
    )
    if FREE_THREADED:  # with a GIL the releaser tends to run first every time
        assert int(out) > 0  # some rounds did open before the release


SECCOMP_DENY_MEMBARRIER = """
import ctypes, platform
NR = {"x86_64": 324, "aarch64": 283}[platform.machine()]

class Insn(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint16), ("jt", ctypes.c_uint8), ("jf", ctypes.c_uint8),
                ("k", ctypes.c_uint32)]

class Prog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(Insn))]

def deny_membarrier():
    # load the syscall number; if membarrier, fail it with EPERM; else allow
    insns = (Insn * 4)(Insn(0x20, 0, 0, 0), Insn(0x15, 0, 1, NR),
                       Insn(0x06, 0, 0, 0x00050000 | 1), Insn(0x06, 0, 0, 0x7FFF0000))
    prog = Prog(4, insns)
    libc = ctypes.CDLL(None, use_errno=True)
    assert libc.prctl(38, 1, 0, 0, 0) == 0  # PR_SET_NO_NEW_PRIVS
    assert libc.prctl(22, 2, ctypes.byref(prog), 0, 0) == 0, ctypes.get_errno()  # SECCOMP filter
"""


@pytest.mark.skipif(not FREE_THREADED, reason="the owner fast path exists on free-threaded builds")
@pytest.mark.skipif(not sys.platform.startswith("linux") or
                    __import__("platform").machine() not in ("x86_64", "aarch64"),
                    reason="seccomp filter written for Linux x86-64 and aarch64")
def test_membarrier_refused_after_import_does_not_abort():
    # A seccomp filter installed after import makes membarrier(2) fail. A
    # release from another thread must then neither abort the process (1.1.0
    # called Py_FatalError) nor give the buffer back while the owner may
    # still be operating: the owner's next operation gives it back.
    out = run(
        SECCOMP_DENY_MEMBARRIER + """
import threading, atomics

def release_from_another_thread(ctx):
    t = threading.Thread(target=ctx.__exit__, args=(None, None, None))
    t.start(); t.join()

buf = bytearray(8)
ctx = atomics.atomicview(buffer=buf, atype=atomics.INT)
view = ctx.__enter__()          # this thread owns the fast path
view.inc(); view.inc()
buf3 = bytearray(8)
ctx3 = atomics.atomicview(buffer=buf3, atype=atomics.UINT)
v3 = ctx3.__enter__()           # this one too
deny_membarrier()               # threads started from now on inherit it
release_from_another_thread(ctx)
release_from_another_thread(ctx3)
try:
    view.inc()
except ValueError:
    print("view released")
buf.extend(b"x" * 4096)        # the owner's operation gave the export back
print(int.from_bytes(buf[:8], "little"))

# a context whose owner never operates again gives it back when it dies
try:
    buf3.extend(b"x")
except BufferError:
    pass  # still held: the owner may have been operating
else:
    raise AssertionError("export given back without a barrier")
del v3, ctx3
buf3.extend(b"x")
print("third context given back")

# later contexts count every operation, so a release from another thread
# gives the buffer back at once
buf2 = bytearray(8)
ctx2 = atomics.atomicview(buffer=buf2, atype=atomics.UINT)
v2 = ctx2.__enter__()
v2.inc()
release_from_another_thread(ctx2)
buf2.extend(b"x")
print("second context given back")
"""
    )
    assert out.split("\n")[:4] == ["view released", "2", "third context given back",
                                   "second context given back"]
