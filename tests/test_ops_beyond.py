"""The operations beyond atomics 1.0: max/min and their fetch forms, the
X_fetch forms that return the new value, fetch_update, the fences, the spin
hint and the support queries. Each against a plain-Python model over width
(1..16) x INT/UINT (BYTES where it applies) x memory order x (owned object,
guarded view), then the argument errors in the order the 1.0 operations
raise them, read-only and released views, and fetch_update's retry limit and
its view released while fn runs."""
import sys
import threading

import pytest

import atomics
from atomics import BYTES, INT, UINT, MemoryOrder
from atomics.exc import MemoryOrderError, UnsupportedOperationException

from api_support import (
    BAD_INT_VALUES, BAD_ORDERS, KINDS, ORDERS, WIDTHS, Model, OnlyIndex,
    guarded_view, make_owned,
)

matrix = pytest.mark.parametrize
by_width = matrix("width", WIDTHS)
by_int_atype = matrix("atype", [INT, UINT], ids=["INT", "UINT"])
by_kind = matrix("kind", KINDS)

MINMAX = ["max", "min", "fetch_max", "fetch_min", "max_fetch", "min_fetch"]
# X_fetch -> (fetch_X it is built on, the new value from (old, operand, mask))
NEW_VALUE_BINARY = {
    "add_fetch": ("fetch_add", lambda u, x, m: (u + x) & m),
    "sub_fetch": ("fetch_sub", lambda u, x, m: (u - x) & m),
    "bin_or_fetch": ("bin_fetch_or", lambda u, x, m: u | x),
    "bin_xor_fetch": ("bin_fetch_xor", lambda u, x, m: u ^ x),
    "bin_and_fetch": ("bin_fetch_and", lambda u, x, m: u & x),
}
NEW_VALUE_UNARY = {
    "inc_fetch": ("fetch_inc", lambda u, m: (u + 1) & m),
    "dec_fetch": ("fetch_dec", lambda u, m: (u - 1) & m),
    "neg_fetch": ("fetch_neg", lambda u, m: -u & m),
    "bin_not_fetch": ("bin_fetch_not", lambda u, m: u ^ m),
}
BYTES_NEW = ["bin_or_fetch", "bin_xor_fetch", "bin_and_fetch", "bin_not_fetch", "fetch_update"]
INTEGRAL_NEW = MINMAX + list(NEW_VALUE_BINARY) + list(NEW_VALUE_UNARY) + ["fetch_update"]
WAIT_NOTIFY = ["wait", "notify_one", "notify_all"]
VALUE_TAKING = MINMAX + list(NEW_VALUE_BINARY)
ORDER_ONLY = list(NEW_VALUE_UNARY)


def key(m, u):
    """The order max/min compare in: signed for INT, unsigned for UINT."""
    return m.to_py(u)


# ---- max and min -----------------------------------------------------------------------


@by_kind
@by_int_atype
@by_width
def test_max_min_against_the_model(m, a):
    samples = m.samples()
    for mo in [*ORDERS, *map(int, ORDERS)]:
        for u in samples:
            for x in samples:  # includes x == u: the value stays, still an RMW
                best = {"max": max, "min": min}
                for name in MINMAX:
                    a.store(m.to_py(u))
                    pick = best[name[:3] if name.startswith(("max", "min")) else name[-3:]]
                    new = pick(m.to_py(u), m.to_py(x))
                    got = getattr(a, name)(m.to_py(x), mo)
                    want = {"max": None, "min": None, "fetch_max": m.to_py(u),
                            "fetch_min": m.to_py(u)}.get(name, new)
                    assert got == want, (name, hex(u), hex(x))
                    assert a.load() == new, (name, hex(u), hex(x))


@by_int_atype
@by_width
def test_max_min_keywords_and_extremes(width, atype):
    m = Model(width, atype)
    lo = -(1 << (m.bits - 1)) if atype is INT else 0
    hi = (1 << (m.bits - 1)) - 1 if atype is INT else m.mask
    a = make_owned(width, atype)
    a.store(0)
    assert a.fetch_max(value=hi, order=MemoryOrder.RELAXED) == 0
    assert a.fetch_max(lo) == hi and a.load() == hi
    assert a.fetch_min(value=lo) == hi and a.load() == lo
    assert a.max_fetch(lo) == lo and a.min_fetch(hi) == lo
    a.max(hi)
    a.min(value=hi, order=MemoryOrder.ACQ_REL)
    assert a.load() == hi
    if atype is INT:  # -1 is below 0 when signed; the same bits are the maximum unsigned
        a.store(-1)
        assert a.max_fetch(0) == 0
        with guarded_view(width, UINT) as (u, _, _):
            u.store(m.mask)
            assert u.max_fetch(0) == m.mask


def test_max_min_signed_and_unsigned_views_of_the_same_bytes():
    buf = bytearray(16)
    with atomics.atomicview(buffer=memoryview(buf)[:8], atype=INT) as s, \
            atomics.atomicview(buffer=memoryview(buf)[8:], atype=UINT) as u:
        s.store(-5)
        u.store(2**64 - 5)
        assert s.fetch_max(3) == -5 and s.load() == 3
        assert u.fetch_max(3) == 2**64 - 5 and u.load() == 2**64 - 5


# ---- forms returning the new value ------------------------------------------------------


@by_kind
@matrix("atype", [INT, UINT, BYTES], ids=["INT", "UINT", "BYTES"])
@by_width
def test_new_value_forms_against_the_model(m, a, atype):
    samples = m.samples()
    for k, u in enumerate(samples):
        order = ORDERS[k % len(ORDERS)]  # every order, across the samples
        for name, (fetch_name, fn) in NEW_VALUE_BINARY.items():
            if atype is BYTES and not name.startswith("bin_"):
                continue
            for x in samples[::3]:
                a.store(m.to_py(u))
                assert getattr(a, name)(m.to_py(x), order) == m.to_py(fn(u, x, m.mask))
                # the same value fetch_X leaves behind
                a.store(m.to_py(u))
                getattr(a, fetch_name)(value=m.to_py(x), order=order)
                assert a.load() == m.to_py(fn(u, x, m.mask)), name
        for name, (fetch_name, fn) in NEW_VALUE_UNARY.items():
            if atype is BYTES and not name.startswith("bin_"):
                continue
            a.store(m.to_py(u))
            assert getattr(a, name)(order=order) == m.to_py(fn(u, m.mask)), name
            assert a.load() == m.to_py(fn(u, m.mask)), name


def test_which_objects_have_which_methods():
    for width in (1, 3, 8, 16):
        if not atomics.is_lock_free(width):
            continue
        for atype in (INT, UINT):
            a = make_owned(width, atype)
            for name in INTEGRAL_NEW:
                assert callable(getattr(a, name)), name
        b = make_owned(width, BYTES)
        for name in INTEGRAL_NEW:  # bytes have no order, no arithmetic: as add/fetch_add
            assert hasattr(b, name) == (name in BYTES_NEW), name
        any_obj = atomics.atomic(width=width, atype=atomics.ANY, is_integral=True, is_signed=True)
        assert not any(hasattr(any_obj, name) for name in INTEGRAL_NEW)


# ---- argument errors, in 1.0's order ------------------------------------------------------


@by_int_atype
@matrix("width", [1, 3, 8, 9, 16])
def test_argument_errors(width, atype):
    if not atomics.is_lock_free(width):
        pytest.skip("no 16-byte CAS")
    m = Model(width, atype)
    a = make_owned(width, atype)
    a.store(m.to_py(0x5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A))
    before = a.load()
    too_big = [1 << m.bits, -(1 << 200)] + ([-(1 << (m.bits - 1)) - 1] if atype is INT else [-1])
    for name in VALUE_TAKING:
        fn = getattr(a, name)
        for bad in BAD_INT_VALUES:
            with pytest.raises(TypeError, match="'value'"):
                fn(bad)
        for bad in too_big:
            with pytest.raises(OverflowError):
                fn(bad)
            with pytest.raises(OverflowError):  # the value is checked before the order
                fn(bad, 1)
            with pytest.raises(OverflowError):
                fn(bad, "not an order")
        fn(OnlyIndex(1), MemoryOrder.RELAXED)  # __index__ values work
        a.store(before)
        for bad in BAD_ORDERS:
            with pytest.raises(TypeError, match="'order'"):
                fn(0, bad)
        for bad in (1, 6, -1, 2**70):
            with pytest.raises(ValueError, match="'order'"):
                fn(0, bad)
        with pytest.raises(TypeError):
            fn()
        with pytest.raises(TypeError):
            fn(0, MemoryOrder.SEQ_CST, 1)
        with pytest.raises(TypeError, match="unexpected keyword"):
            fn(0, ordr=MemoryOrder.SEQ_CST)
        a.store(before)
    for name in ORDER_ONLY:
        fn = getattr(a, name)
        for bad in BAD_ORDERS:
            with pytest.raises(TypeError, match="'order'"):
                fn(bad)
        with pytest.raises(ValueError):
            fn(1)
        with pytest.raises(TypeError):
            fn(MemoryOrder.SEQ_CST, 1)
    assert a.load() == before


@matrix("width", [1, 4, 8])
@matrix("atype", [INT, UINT, BYTES], ids=["INT", "UINT", "BYTES"])
def test_readonly_objects_refuse_by_method_name(width, atype):
    # a read-only view of a bytearray: PyPy aligns the data of bytes objects
    # to 4 only, which an 8-byte view refuses
    readonly = memoryview(bytearray(width)).toreadonly()
    with atomics.atomicview(buffer=readonly, atype=atype) as r:
        for name in (BYTES_NEW if atype is BYTES else INTEGRAL_NEW):
            args = {"fetch_update": (lambda v: v,)}.get(
                name, () if name in ORDER_ONLY or name == "bin_not_fetch" else
                (bytes(width) if atype is BYTES else 0,))
            with pytest.raises(UnsupportedOperationException) as info:
                getattr(r, name)(*args)
            assert info.value.optype == name
            assert info.value.width == width and info.value.readonly is True
            assert name in str(info.value)


@matrix("atype", [INT, UINT, BYTES], ids=["INT", "UINT", "BYTES"])
def test_released_views_raise_value_error(atype):
    ctx = atomics.atomicview(buffer=bytearray(8), atype=atype)
    with ctx as v:
        pass
    for name in (BYTES_NEW if atype is BYTES else INTEGRAL_NEW):
        args = {"fetch_update": (lambda x: x,)}.get(
            name, () if name in ORDER_ONLY or name == "bin_not_fetch" else
            (bytes(8) if atype is BYTES else 0,))
        with pytest.raises(ValueError, match="released"):
            getattr(v, name)(*args)


# ---- fetch_update ------------------------------------------------------------------------


@by_kind
@by_int_atype
@by_width
def test_fetch_update_returns_the_old_value(m, a):
    for u in m.samples():
        a.store(m.to_py(u))
        seen = []

        def double(v):
            seen.append(v)
            return m.to_py(2 * u)
        assert a.fetch_update(double) == m.to_py(u)
        assert seen == [m.to_py(u)] and a.load() == m.to_py(2 * u)


@by_width
def test_fetch_update_on_bytes(width):
    with guarded_view(width, BYTES) as (v, _, _):
        v.store(bytes(range(width)))
        assert v.fetch_update(lambda b: bytes(reversed(b))) == bytes(range(width))
        assert v.load() == bytes(reversed(range(width)))
        assert v.fetch_update(bytearray) == bytes(reversed(range(width)))  # any bytes-like
        with pytest.raises(ValueError):
            v.fetch_update(lambda b: b + b"x")
        assert v.load() == bytes(reversed(range(width)))


def test_fetch_update_orders():
    a = make_owned(8, INT)
    for order in MemoryOrder:
        # the default fail_order follows order; every valid explicit pair works
        a.fetch_update(lambda v: v + 1, order)
        a.fetch_update(lambda v: v + 1, order=int(order), fail_order=None)
        for fail in MemoryOrder:
            if fail.is_valid_fail_order(order):
                a.fetch_update(lambda v: v + 1, order, fail)
            else:
                with pytest.raises(MemoryOrderError) as info:
                    a.fetch_update(lambda v: v + 1, order, fail)
                assert info.value.optype == "fetch_update" and info.value.is_fail is True
                assert info.value.order is fail
    assert a.load() == 5 * 2 + sum(
        1 for o in MemoryOrder for f in MemoryOrder if f.is_valid_fail_order(o))


def test_fetch_update_errors_leave_the_object_unchanged():
    a = make_owned(2, UINT)
    a.store(7)

    class Boom(Exception):
        pass

    def boom(v):
        raise Boom(v)
    with pytest.raises(Boom):
        a.fetch_update(boom)
    for bad_result, exc in ((None, TypeError), (1.5, TypeError), (-1, OverflowError),
                            (2**16, OverflowError)):
        with pytest.raises(exc):
            a.fetch_update(lambda v, r=bad_result: r)
    assert a.fetch_update(lambda v: OnlyIndex(9)) == 7 and a.load() == 9  # __index__ results
    for bad_fn in (None, 1, "fn"):
        with pytest.raises(TypeError, match="callable"):
            a.fetch_update(bad_fn)
    for bad in BAD_ORDERS:
        with pytest.raises(TypeError, match="'order'"):
            a.fetch_update(lambda v: v, bad)
        if bad is not None:  # fail_order=None is the default
            with pytest.raises(TypeError, match="'fail_order'"):
                a.fetch_update(lambda v: v, MemoryOrder.SEQ_CST, bad)
    for bad in (1.5, "3"):
        with pytest.raises(TypeError, match="max_retries"):
            a.fetch_update(lambda v: v, max_retries=bad)
    for negative in (-1, -2**100):
        with pytest.raises(ValueError, match="must not be negative"):
            a.fetch_update(lambda v: v, max_retries=negative)
    # more retries than a long long holds is no limit, not "negative"
    assert a.fetch_update(lambda v: v, max_retries=2**100) == 9
    assert a.fetch_update(lambda v: v, max_retries=2**63) == 9
    with pytest.raises(TypeError):  # max_retries is keyword-only
        a.fetch_update(lambda v: v, MemoryOrder.SEQ_CST, None, 3)
    assert a.load() == 9


def test_fetch_update_retry_limit():
    a = make_owned(8, UINT)
    calls = []

    def meddle(v):
        calls.append(v)
        a.inc()  # the value changes under fn every time: every CAS fails
        return v + 100
    for limit in (0, 1, 5):
        calls.clear()
        before = a.load()
        with pytest.raises(RuntimeError, match=f"max_retries={limit}"):
            a.fetch_update(meddle, max_retries=limit)
        assert len(calls) == limit + 1
        assert calls == list(range(before, before + limit + 1))  # each retry sees the new value
        assert a.load() == before + limit + 1  # only fn's own increments
    # no limit: it succeeds once fn stops meddling
    calls.clear()

    def meddle_a_while(v):
        calls.append(v)
        if len(calls) < 50:
            a.inc()
        return 0
    a.store(1)
    assert a.fetch_update(meddle_a_while, max_retries=None) == 50
    assert a.load() == 0 and len(calls) == 50
    calls.clear()
    a.store(1)
    with pytest.raises(RuntimeError, match="10000"):  # the default limit
        a.fetch_update(meddle)
    assert len(calls) == 10001


def test_fetch_update_view_released_while_fn_runs():
    buf = bytearray(8)
    ctx = atomics.atomicview(buffer=buf, atype=UINT)
    with ctx as v:
        v.store(3)

        def release_then_answer(x):
            ctx.__exit__(None, None, None)  # gives the buffer back
            buf.extend(b"\x00" * 4096)      # the memory may move: nothing may touch it now
            return x + 1
        with pytest.raises(ValueError, match="released"):
            v.fetch_update(release_then_answer)
    assert int.from_bytes(buf[:8], sys.byteorder) == 3  # unchanged by the failed call


def test_fetch_update_is_exact_under_threads():
    a = make_owned(8, UINT)
    n_threads, n = 4, 500

    def work():
        for _ in range(n):
            a.fetch_update(lambda v: v + 3)
    threads = [threading.Thread(target=work) for _ in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert a.load() == 3 * n_threads * n


# ---- module functions ------------------------------------------------------------------------


def test_fences_and_spin_pause():
    for order in MemoryOrder:
        assert atomics.thread_fence(order) is None
        assert atomics.thread_fence(order=int(order)) is None
        assert atomics.signal_fence(order) is None
    assert atomics.thread_fence() is None and atomics.signal_fence() is None
    for fn in (atomics.thread_fence, atomics.signal_fence):
        for bad in BAD_ORDERS:
            with pytest.raises(TypeError, match="'order'"):
                fn(bad)
        for bad in (1, 6, -1):
            with pytest.raises(ValueError, match="'order'"):
                fn(bad)
    for _ in range(100):
        assert atomics.spin_pause() is None
    with pytest.raises(TypeError):
        atomics.spin_pause(1)


def test_is_lock_free():
    cas16 = atomics.is_lock_free(16)
    for width in WIDTHS:
        assert atomics.is_lock_free(width) is (width <= 8 or cas16)
        try:
            atomics.Alignment(width)
            exists = True
        except atomics.exc.UnsupportedWidthException:
            exists = False
        assert atomics.is_lock_free(width) is exists
    for width in (0, 17, 2**70):
        assert atomics.is_lock_free(width) is False
    assert atomics.is_lock_free(OnlyIndex(4)) is True
    for bad in (1.5, None, "4"):
        with pytest.raises(TypeError):
            atomics.is_lock_free(bad)
    with pytest.raises(ValueError):
        atomics.is_lock_free(-1)


def test_supported_ops():
    from atomics.__main__ import op_name
    for width in WIDTHS:
        names = atomics.supported_ops(width)
        if not atomics.is_lock_free(width):
            assert names == ()
            continue
        a = make_owned(width, INT)
        for name in names:
            assert callable(getattr(a, name)), name
        # the 1.0 operations as ops_supported reports them, then every new one
        assert list(names[:27]) == [op_name(op) for op in a.ops_supported]
        assert set(names[27:]) == set(INTEGRAL_NEW + WAIT_NOTIFY)
        ro = atomics.supported_ops(width, readonly=True)
        assert ro in ((), ("load", "bit_test", *WAIT_NOTIFY))
        if width <= 8:
            assert ro == ("load", "bit_test", *WAIT_NOTIFY)
            # a read-only object really has them
            buf = memoryview(bytearray(16)).toreadonly()
            with atomics.atomicview(buf[:width], INT) as v:
                assert v.wait(1, timeout=0) is True
                v.notify_one(), v.notify_all()
    assert atomics.supported_ops(17) == () and atomics.supported_ops(0) == ()
    assert atomics.supported_ops(OnlyIndex(8)) == atomics.supported_ops(8)
    with pytest.raises(TypeError):
        atomics.supported_ops(8, True)  # readonly is keyword-only
    with pytest.raises(TypeError):
        atomics.supported_ops("8")
    with pytest.raises(ValueError):
        atomics.supported_ops(-1)


def test_python_m_atomics_lists_them(tmp_path):
    import json
    import subprocess
    proc = subprocess.run([sys.executable, "-m", "atomics", "--json"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    report = json.loads(proc.stdout)
    assert set(report["all_more_ops"]) == set(INTEGRAL_NEW + WAIT_NOTIFY)
    for w in report["widths"]:
        assert w["more_ops"] == [n for n in atomics.supported_ops(w["width"])
                                 if n in report["all_more_ops"]]
    table = subprocess.run([sys.executable, "-m", "atomics"], cwd=tmp_path,
                           capture_output=True, text=True, timeout=60).stdout
    assert ("Beyond 1.0, on widths 1-16" if atomics.is_lock_free(16) else
            "Beyond 1.0, on widths 1-8") in table
    assert "fetch_update" in table


RELEASE_RACE = r'''
import mmap, sys, threading, time
import atomics
sys.setswitchinterval(1e-5)
released_during_fn = 0
for _ in range(30):
    region = mmap.mmap(-1, 4096)
    part = memoryview(region)[64:72]
    ctx = atomics.atomicview(buffer=part, atype=atomics.UINT)
    view = ctx.__enter__()
    started, outcome = threading.Event(), []

    def slow_plus_one(v):
        started.set()
        for _ in range(200):  # Python work: the releasing thread gets its turn
            pass
        return v + 1

    def worker():
        try:
            while True:
                view.fetch_update(slow_plus_one, max_retries=None)
        except ValueError as e:
            outcome.append(str(e))

    t = threading.Thread(target=worker)
    t.start()
    started.wait(10)
    ctx.__exit__(None, None, None)
    part.release()
    region.close()  # unmapped: an access through the view now would crash
    t.join(10)
    assert not t.is_alive() and outcome and "released" in outcome[0], outcome
print("ok")
'''


def test_fetch_update_while_another_thread_releases_the_view(tmp_path):
    """A view released (and its memory unmapped) while fetch_update's fn runs
    in another thread: the next attempt raises ValueError, nothing touches the
    unmapped memory (that would kill the subprocess)."""
    import subprocess
    proc = subprocess.run([sys.executable, "-X", "faulthandler", "-c", RELEASE_RACE],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stdout + proc.stderr
