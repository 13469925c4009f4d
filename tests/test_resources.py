"""Resource safety: long loops of create / view / release, of every operation
(and of every error an operation can raise) leave no memory behind (traced
Python allocations and the process RSS) and no buffer export held: after
each loop every exporter can be resized, closed or released again, and its
reference count is back where it started.

Loop sizes scale with ATOMICS_STRESS_SCALE."""
import copy
import gc
import mmap
import os
import pickle
import sys
import tracemalloc
from multiprocessing import shared_memory

import pytest

import atomics
from atomics import BYTES, INT, UINT, MemoryOrder as MO
from atomics.exc import (
    AlignmentError, MemoryOrderError, UnsupportedOperationException, UnsupportedWidthException,
)

import _stress
from _stress import scaled

WIDTHS = (1, 2, 3, 4, 8, 11, 16)
TRACED_SLACK = 64 * 1024      # bytes of traced growth tolerated after a warm-up
RSS_SLACK = 4 * 1024 * 1024


def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def witnesses():
    """Objects the binding hands out or takes references to over and over
    (enum members, the exception classes): a reference leaked on them frees
    no memory, so their reference counts are watched instead."""
    return list(MO) + list(atomics.OpType) + [
        AlignmentError, MemoryOrderError, UnsupportedOperationException,
        UnsupportedWidthException, atomics.CmpxchgResult, INT, UINT, BYTES]


def assert_no_growth(label, fn, n):
    """Runs fn(n) after a warm-up; traced Python memory must not grow, and
    neither may the reference counts of the witnesses."""
    fn(max(1, n // 10))  # caches, free lists, interned names
    gc.collect()
    tracemalloc.start()
    try:
        fn(max(1, n // 10))
        gc.collect()
        watched = witnesses()
        refs = [sys.getrefcount(w) for w in watched]
        before = tracemalloc.get_traced_memory()[0]
        fn(n)
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - before
        after = [sys.getrefcount(w) for w in watched]
        leaked = [(w, a - r) for w, r, a in zip(watched, refs, after) if a != r]
    finally:
        tracemalloc.stop()
    assert grown < TRACED_SLACK, f"{label}: traced memory grew by {grown} bytes over {n} rounds"
    assert not leaked, f"{label}: reference counts changed over {n} rounds: {leaked}"


# AddressSanitizer keeps freed memory in quarantine: RSS says nothing then
UNDER_ASAN = _stress.UNDER_ASAN


def assert_no_rss_growth(label, fn, n):
    """Runs fn(n) untraced (C allocations included); RSS must not grow."""
    if UNDER_ASAN:
        fn(max(1, n // 10))  # still run it: ASan watches every access
        return
    fn(max(1, n // 5))
    gc.collect()
    before = rss()
    fn(n)
    gc.collect()
    grown = rss() - before
    assert grown < RSS_SLACK, f"{label}: RSS grew by {grown} bytes over {n} rounds"


def assert_unexported(buf, label=""):
    """No buffer export of `buf` is left: it can change size / be released.
    (mmap and shared memory are checked by closing them.)"""
    if isinstance(buf, bytearray):
        buf.append(0)  # BufferError while an export exists
        buf.pop()
    elif isinstance(buf, memoryview):
        # a memoryview with exports refuses release(); test on a fresh one
        probe = memoryview(buf)
        probe.release()


def values(width, atype):
    if atype is BYTES:
        return bytes(range(1, width + 1)), bytes(width)
    if atype is INT:
        return -(1 << (8 * width - 1)), 1
    return (1 << (8 * width)) - 1, 1


def every_operation(obj, width, atype):
    """Zero-argument calls covering every operation (aliases, keywords and
    special methods included) with valid arguments."""
    a, b = values(width, atype)
    top = 8 * width - 1
    calls = [
        lambda: obj.load(), lambda: obj.load(MO.ACQUIRE), lambda: obj.store(a),
        lambda: obj.store(desired=b, order=MO.RELEASE), lambda: obj.exchange(a),
        lambda: obj.cmpxchg_weak(a, b), lambda: obj.cmpxchg_strong(b, a, MO.ACQ_REL, MO.ACQUIRE),
        lambda: obj.cmpxchg_strong(expected=b, desired=a),  # fails: value is a
        lambda: obj.cmpxchg_weak(expected=a, desired=b, succ=MO.SEQ_CST, fail=MO.RELAXED),
        lambda: obj.bit_test(top), lambda: obj.bit_test_compl(0), lambda: obj.bit_test_set(top),
        lambda: obj.bit_test_reset(top), lambda: obj.bit_compl(1), lambda: obj.bit_set(0),
        lambda: obj.bit_reset(index=0, order=MO.RELAXED),
        lambda: obj.bin_or(b), lambda: obj.bin_xor(a), lambda: obj.bin_and(a), lambda: obj.bin_not(),
        lambda: obj.bin_fetch_or(b), lambda: obj.bin_fetch_xor(a), lambda: obj.bin_fetch_and(a),
        lambda: obj.bin_fetch_not(), lambda: obj.width, lambda: obj.readonly,
        lambda: obj.ops_supported, lambda: str(obj), lambda: repr(obj),
    ]
    if atype is BYTES:
        calls.append(lambda: bytes(obj))
    else:
        calls += [
            lambda: obj.add(b), lambda: obj.sub(b), lambda: obj.inc(), lambda: obj.dec(),
            lambda: obj.neg(), lambda: obj.fetch_add(b), lambda: obj.fetch_sub(value=b),
            lambda: obj.fetch_inc(), lambda: obj.fetch_dec(), lambda: obj.fetch_neg(),
            lambda: int(obj), lambda: obj.signed,
        ]
    return calls


def every_error(obj, width, atype):
    """(call, exception) pairs: each call must raise that exception."""
    a, _ = values(width, atype)
    too_big = bytes(width + 1) if atype is BYTES else 1 << (8 * width)
    out = [
        (lambda: obj.store(a, MO.ACQUIRE), MemoryOrderError),
        (lambda: obj.load(MO.RELEASE), MemoryOrderError),
        (lambda: obj.bit_test(0, MO.ACQ_REL), MemoryOrderError),
        (lambda: obj.cmpxchg_strong(a, a, MO.RELAXED, MO.SEQ_CST), MemoryOrderError),
        (lambda: obj.store(too_big), ValueError if atype is BYTES else OverflowError),
        (lambda: obj.exchange(1.5), TypeError),
        (lambda: obj.bin_or(None), TypeError),
        (lambda: obj.bit_test_set(8 * width), ValueError),
        (lambda: obj.bit_test(-1), ValueError),
        (lambda: obj.load(7), ValueError),
        (lambda: obj.load(order="SEQ_CST"), TypeError),
        (lambda: obj.store(), TypeError),
        (lambda: obj.store(a, a, a), TypeError),
        (lambda: obj.store(a, bogus=1), TypeError),
        (lambda: copy.copy(obj), TypeError),
        (lambda: pickle.dumps(obj), TypeError),
    ]
    if atype is not BYTES:
        out.append((lambda: obj.add(-(1 << (8 * width)) - 1), OverflowError))
    return out


def run_errors(pairs, n):
    for _ in range(n):
        for call, exc in pairs:
            try:
                call()
            except exc:
                pass
            else:
                raise AssertionError(f"{call} did not raise {exc.__name__}")


def assert_operations_leak_nothing(label, calls, errors):
    """Repeats every call, and a quarter as often every (call, exception)
    pair of `errors`: neither traced allocations nor the RSS may grow."""
    def loop(n):
        for _ in range(n):
            for c in calls:
                c()
        run_errors(errors, max(1, n // 4))
    assert_no_growth(label, loop, scaled(400))
    assert_no_rss_growth(label, loop, scaled(2000))


# ---- owned objects --------------------------------------------------------------------


def test_create_and_drop_owned_objects():
    def loop(n):
        for _ in range(n):
            for width in WIDTHS:
                for atype in (INT, UINT, BYTES):
                    atomics.atomic(width=width, atype=atype)
                atomics.atomic(width=width, atype=atomics.INTEGRAL, is_signed=True)
                atomics.atomic(width=width, atype=atomics.ANY, is_integral=False, is_signed=False)
                atomics.base.AtomicUint(width=width)
    assert_no_growth("atomic()", loop, scaled(2000))
    assert_no_rss_growth("atomic()", loop, scaled(10000))


@pytest.mark.parametrize("atype", [INT, UINT, BYTES], ids=["INT", "UINT", "BYTES"])
def test_every_operation_on_owned_objects(atype):
    objs = [(atomics.atomic(width=w, atype=atype), w) for w in WIDTHS]
    calls = [c for obj, w in objs for c in every_operation(obj, w, atype)]
    errors = [e for obj, w in objs for e in every_error(obj, w, atype)]
    assert_operations_leak_nothing("operations", calls, errors)


def test_construction_errors_leak_nothing():
    def loop(n):
        for _ in range(n):
            for call, exc in [
                (lambda: atomics.atomic(width=0, atype=INT), UnsupportedWidthException),
                (lambda: atomics.atomic(width=17, atype=UINT), UnsupportedWidthException),
                (lambda: atomics.atomic(width=4.0, atype=INT), TypeError),
                (lambda: atomics.atomic(width=4, atype=int), TypeError),
                (lambda: atomics.atomic(width=4, atype=atomics.INTEGRAL), TypeError),
                (lambda: atomics.atomic(width=4), TypeError),
                (lambda: atomics.Alignment(99), UnsupportedWidthException),
            ]:
                try:
                    call()
                except exc:
                    pass
            obj = atomics.atomic(width=4, atype=INT)
            try:
                obj.__init__(width=8)
            except ValueError:
                pass
    assert_no_growth("construction errors", loop, scaled(3000))


# ---- views ----------------------------------------------------------------------------


def exporters():
    """(name, factory) of writable buffers, each 64 bytes, page or 16 aligned."""
    def shm():
        s = shared_memory.SharedMemory(create=True, size=64)
        return s, s.buf, lambda: (s.close(), s.unlink())

    def anon_mmap():
        m = mmap.mmap(-1, 64)
        return m, m, m.close

    def view_of_mmap():
        m = mmap.mmap(-1, 64)
        mv = memoryview(m)
        return mv, mv, lambda: (mv.release(), m.close())

    def array_of_bytes():
        b = bytearray(64)
        return b, b, lambda: None
    return [("shared_memory", shm), ("mmap", anon_mmap), ("memoryview", view_of_mmap),
            ("bytearray", array_of_bytes)]


def view_lifecycles(buf, width, offset):
    """Every way a view's life can go, on buf[offset:offset + width]."""
    mv = memoryview(buf)
    part = mv[offset:offset + width]
    try:
        with atomics.atomicview(buffer=part, atype=UINT) as v:
            v.inc()
            v.load()
            str(v)
        ctx = atomics.atomicview(buffer=part, atype=INT)
        ctx.release()
        ctx.release()
        ctx = atomics.atomicview(buffer=part, atype=BYTES)
        del ctx  # never entered: dropping it gives the export back
        ctx = atomics.atomicview(buffer=part, atype=atomics.INTEGRAL, is_signed=False)
        v = ctx.__enter__()
        for call, exc in [(ctx.release, ValueError), (ctx.__enter__, ValueError)]:
            try:
                call()
            except exc:
                pass
        ctx.__exit__(None, None, None)
        ctx.__exit__(None, None, None)
        try:
            v.load()  # a released view
        except ValueError:
            pass
        str(v), repr(v)
        del v, ctx
        ctx = atomics.atomicview(buffer=part, atype=UINT)
        v = ctx.__enter__()
        del v  # the context still owns the export...
        ctx.__exit__(None, None, None)  # ...until here
        ctx = atomics.ctx.AtomicUintViewContext(buffer=part)
        try:
            ctx.__init__(buffer=part)
        except ValueError:
            pass
        ctx.release()
    finally:
        part.release()
        mv.release()


@pytest.mark.parametrize("name,factory", exporters(), ids=[e[0] for e in exporters()])
def test_view_lifecycle_loops_hold_no_export(name, factory):
    owner, buf, close = factory()
    try:
        refs = sys.getrefcount(owner)

        def loop(n):
            for _ in range(n):
                for width in WIDTHS:
                    view_lifecycles(buf, width, 16)
        assert_no_growth(f"views of {name}", loop, scaled(300))
        assert_no_rss_growth(f"views of {name}", loop, scaled(1000))
        gc.collect()
        assert sys.getrefcount(owner) == refs, "a reference to the exporter was kept"
        assert_unexported(owner)
    finally:
        buf = None
        close()  # BufferError here means an export was never given back


@pytest.mark.parametrize("atype", [INT, UINT, BYTES], ids=["INT", "UINT", "BYTES"])
def test_every_operation_on_views(atype):
    region = mmap.mmap(-1, 4096)
    whole = memoryview(region)
    ctxs, parts, calls, errors = [], [], [], []
    try:
        for i, width in enumerate(WIDTHS):
            parts.append(whole[64 * i + 16:64 * i + 16 + width])
            ctx = atomics.atomicview(buffer=parts[-1], atype=atype)
            v = ctx.__enter__()
            ctxs.append(ctx)
            calls += every_operation(v, width, atype)
            errors += every_error(v, width, atype)
        assert_operations_leak_nothing("view operations", calls, errors)
    finally:
        for ctx in ctxs:
            ctx.__exit__(None, None, None)
        for part in parts:
            part.release()  # BufferError if an exit kept its export
        calls = errors = None
        whole.release()
        region.close()


def test_view_construction_errors_give_the_export_back():
    """Every way atomicview() can refuse a buffer must release the export it
    took: the exporter can be resized (bytearray) or closed (mmap) afterwards."""
    region = mmap.mmap(-1, 4096)
    ba = bytearray(64)
    ro = bytes(16)

    def loop(n):
        whole = memoryview(region)
        try:
            for _ in range(n):
                for buf, exc in [
                    (whole[1:9], AlignmentError),          # width 8 at an odd address
                    (whole[2:6], AlignmentError),
                    (whole[0:17], UnsupportedWidthException),
                    (whole[0:0], UnsupportedWidthException),
                    (whole[0:32:2], BufferError),           # not contiguous
                    (memoryview(ba)[3:7], AlignmentError),
                    (42, TypeError),
                ]:
                    try:
                        atomics.atomicview(buffer=buf, atype=UINT)
                    except exc:
                        pass
                    else:
                        raise AssertionError(f"{buf!r} accepted")
                    if isinstance(buf, memoryview):
                        buf.release()  # raises BufferError if an export leaked
                with atomics.atomicview(buffer=ro, atype=UINT) as v:  # read-only
                    try:
                        v.store(1)
                    except UnsupportedOperationException:
                        pass
        finally:
            whole.release()
    try:
        assert_no_growth("view construction errors", loop, scaled(2000))
        assert_unexported(ba)
    finally:
        region.close()


def test_numpy_exporter_is_given_back():
    np = pytest.importorskip("numpy")
    arr = np.zeros(8, dtype=np.uint64)
    refs = sys.getrefcount(arr)
    for _ in range(scaled(2000)):
        with atomics.atomicview(buffer=arr[2:3], atype=UINT) as v:
            v.inc()
    gc.collect()
    assert arr[2] == scaled(2000)
    assert sys.getrefcount(arr) == refs
    arr.resize(16, refcheck=True)  # ValueError if anything still referenced it


# ---- objects at the very end of an allocation ------------------------------------------


@pytest.mark.parametrize("width", [3, 5, 6, 7, 9, 12, 15])
def test_odd_widths_at_the_end_of_an_allocation(width):
    """An odd-width object is reached through the aligned block around it,
    which can extend past the end of the exporter's allocation (a bytearray
    of exactly `width` bytes; the data of a bytes object). That is by design
    and harmless: an aligned block never crosses a page, and bytes outside the
    object are only ever written back unchanged by a compare-and-swap. Under
    tests/run_asan.sh this also checks that those deliberate accesses are not
    reported as overflows."""
    buf = bytearray(range(1, width + 1))
    try:
        ctx = atomics.atomicview(buffer=buf, atype=UINT)
    except AlignmentError:
        pytest.skip("this bytearray's data is not aligned for the width")
    mask = (1 << (8 * width)) - 1
    with ctx as v:
        u = int.from_bytes(bytes(range(1, width + 1)), sys.byteorder)
        assert v.load() == u
        v.store(mask)
        v.inc()
        assert v.fetch_add(5) == 0
        assert v.cmpxchg_strong(5, 7).success
        assert v.exchange(u) == 7
        assert v.bit_test_set(8 * width - 1) == bool(u >> (8 * width - 1))
    # the top bit lives in the most significant byte: the last one on a
    # little-endian machine, the first on a big-endian one; the rest is as
    # it was
    if sys.byteorder == "little":
        assert bytes(buf[:width - 1]) == bytes(range(1, width))
    else:
        assert bytes(buf[1:]) == bytes(range(2, width + 1))
    data = bytes(range(2, width + 2))
    try:
        ctx = atomics.atomicview(buffer=data, atype=BYTES)  # read-only
    except AlignmentError:
        return
    with ctx as v:
        if atomics.OpType.LOAD in v.ops_supported:
            assert v.load() == data
        if atomics.OpType.BIT_TEST in v.ops_supported:
            # bit indexes count in the value as a native-endian integer
            assert v.bit_test(1) == bool(int.from_bytes(data, sys.byteorder) & 2)
