"""Every operation against a plain-Python model of its result, over width
(1..16) x INT/UINT/BYTES x memory order x (owned object, view into a larger
buffer). Orders are passed both as MemoryOrder and as int; an order the
operation does not accept must raise MemoryOrderError and change nothing.
Views check on exit that no neighbouring byte was touched."""
import pytest

import atomics
from atomics import BYTES, INT, UINT, CmpxchgResult, MemoryOrder, OpType
from atomics.exc import MemoryOrderError

from api_support import (
    ATYPE_IDS, ATYPES, KINDS, ORDER_IDS, ORDERS, WIDTHS, Model, guarded_view,
    make_owned,
)

matrix = pytest.mark.parametrize
by_width = matrix("width", WIDTHS)
by_atype = matrix("atype", ATYPES, ids=ATYPE_IDS)
by_order = matrix("order", ORDERS, ids=ORDER_IDS)
by_kind = matrix("kind", KINDS)


def every_case(test):
    """Parametrize a test over width x atype x memory order x kind; the m and
    a fixtures (conftest.py) give it the model and the object."""
    return by_kind(by_order(by_atype(by_width(test))))


def forms(order):
    """The two ways to pass an order."""
    return (order, int(order))


def expect_order_error(exc_info, optype, order, is_fail=False):
    e = exc_info.value
    assert e.optype is optype
    assert e.order is MemoryOrder(order)
    assert e.is_fail is is_fail


@every_case
def test_store_and_load(m, a, order):
    for mo in forms(order):
        for u in m.samples():
            a.store(m.to_py(u))  # SEQ_CST
            if order.is_valid_load_order():
                assert a.load(mo) == m.to_py(u)
                assert a.load(order=mo) == m.to_py(u)
            else:
                with pytest.raises(MemoryOrderError) as exc_info:
                    a.load(mo)
                expect_order_error(exc_info, OpType.LOAD, order)
            new = m.to_py(~u)
            if order.is_valid_store_order():
                assert a.store(new, mo) is None
                assert a.load() == new
                a.store(desired=m.to_py(u), order=mo)
                assert a.load() == m.to_py(u)
            else:
                with pytest.raises(MemoryOrderError) as exc_info:
                    a.store(new, mo)
                expect_order_error(exc_info, OpType.STORE, order)
                assert a.load() == m.to_py(u), "a refused store wrote"


@every_case
def test_exchange(m, a, order):
    samples = m.samples()
    for mo in forms(order):
        a.store(m.to_py(samples[-1]))
        prev = samples[-1]
        for u in samples:
            assert a.exchange(m.to_py(u), mo) == m.to_py(prev)
            assert a.load() == m.to_py(u)
            prev = u
        assert a.exchange(desired=m.to_py(0), order=mo) == m.to_py(prev)


def cmpxchg_call(a, method, expected, desired, succ, fail, spelling):
    fn = getattr(a, method)
    if spelling == "positional":
        return fn(expected, desired, succ, fail)
    if spelling == "success/failure":
        return fn(expected=expected, desired=desired, success=succ, failure=fail)
    return fn(expected=expected, desired=desired, succ=succ, fail=fail)


SPELLINGS = ["positional", "success/failure", "succ/fail"]


@every_case
@matrix("method", ["cmpxchg_strong", "cmpxchg_weak"])
def test_cmpxchg(m, a, order, method):
    """`order` is the success order; every failure order is tried with it."""
    optype = OpType[method.upper()]
    samples = m.samples()
    for fail in ORDERS:
        for spelling in SPELLINGS:
            for succ_arg, fail_arg in [(order, fail), (int(order), int(fail))]:
                cur = samples[0]
                a.store(m.to_py(cur))
                if not fail.is_valid_fail_order(order):
                    with pytest.raises(MemoryOrderError) as exc_info:
                        cmpxchg_call(a, method, m.to_py(cur), m.to_py(~cur),
                                     succ_arg, fail_arg, spelling)
                    expect_order_error(exc_info, optype, fail, is_fail=True)
                    assert a.load() == m.to_py(cur)
                    continue
                for new in samples:
                    # failure: expected differs; the value seen comes back
                    wrong = m.to_py(cur ^ 1)
                    res = cmpxchg_call(a, method, wrong, m.to_py(new), succ_arg, fail_arg,
                                       spelling)
                    assert isinstance(res, CmpxchgResult)
                    assert res.success is False and not res
                    assert res.expected == m.to_py(cur)
                    assert a.load() == m.to_py(cur)
                    # success (weak: in a loop, it may fail spuriously)
                    for _ in range(1000):
                        res = cmpxchg_call(a, method, m.to_py(cur), m.to_py(new),
                                           succ_arg, fail_arg, spelling)
                        if res or method == "cmpxchg_strong":
                            break
                        assert res.expected == m.to_py(cur)
                    assert res.success is True and res
                    assert res.expected == m.to_py(cur)
                    assert a.load() == m.to_py(new)
                    cur = new


@by_kind
@by_atype
@by_width
def test_cmpxchg_defaults_and_weak_loop(m, a):
    """Default orders, and the README's weak loop (multiply with wraparound)."""
    a.store(m.to_py(3))
    res = a.cmpxchg_strong(m.to_py(3), m.to_py(5))
    assert tuple(res) == (True, m.to_py(3))
    ok, seen = a.cmpxchg_strong(m.to_py(3), m.to_py(7))
    assert (ok, seen) == (False, m.to_py(5))
    # weak loop: value = value * 3 (mod 2**bits)
    res = CmpxchgResult(success=False, expected=a.load())
    while not res:
        desired = m.to_py(m.from_py(res.expected) * 3)
        res = a.cmpxchg_weak(expected=res.expected, desired=desired)
    assert a.load() == m.to_py(15)


BIT_MODIFIERS = {
    # method: (new bit from old bit)
    "bit_test_set": lambda old: 1,
    "bit_set": lambda old: 1,
    "bit_test_reset": lambda old: 0,
    "bit_reset": lambda old: 0,
    "bit_test_compl": lambda old: old ^ 1,
    "bit_compl": lambda old: old ^ 1,
}


@every_case
def test_bit_operations(m, a, order):
    for mo in forms(order):
        for u in (0, m.mask, m.samples()[-2]):
            for i in m.bit_indices():
                a.store(m.to_py(u))
                old = (u >> i) & 1
                if order.is_valid_load_order():
                    r = a.bit_test(i, mo)
                    assert r is bool(old)
                    assert a.bit_test(index=i, order=mo) is bool(old)
                else:
                    with pytest.raises(MemoryOrderError) as exc_info:
                        a.bit_test(i, mo)
                    expect_order_error(exc_info, OpType.BIT_TEST, order)
                for method, rule in BIT_MODIFIERS.items():
                    a.store(m.to_py(u))
                    r = getattr(a, method)(i, mo)
                    assert r is bool(old), method
                    expected = (u & ~(1 << i)) | (rule(old) << i)
                    assert a.load() == m.to_py(expected), method
                    # keyword form
                    a.store(m.to_py(u))
                    assert getattr(a, method)(index=i, order=mo) is bool(old)
                    assert a.load() == m.to_py(expected)


@by_atype
@by_width
def test_bit_test_every_index(width, atype):
    """Each bit, alone, is seen at its index and nowhere else."""
    m = Model(width, atype)
    a = make_owned(width, atype)
    for i in range(m.bits):
        a.store(m.to_py(1 << i))
        assert [a.bit_test(j) for j in range(m.bits)] == [j == i for j in range(m.bits)]
        assert a.bit_reset(i) is True
        assert a.load() == m.to_py(0)
        assert a.bit_set(i) is False
        assert a.load() == m.to_py(1 << i)


BINARY = {
    "bin_or": lambda x, y: x | y,
    "bin_xor": lambda x, y: x ^ y,
    "bin_and": lambda x, y: x & y,
}


@every_case
def test_binary_operations(m, a, order):
    samples = m.samples()
    for mo in forms(order):
        for u in samples:
            for v in samples:
                for name, op in BINARY.items():
                    result = op(u, v) & m.mask
                    a.store(m.to_py(u))
                    assert getattr(a, name)(m.to_py(v), mo) is None
                    assert a.load() == m.to_py(result), name
                    a.store(m.to_py(u))
                    assert getattr(a, "bin_fetch_" + name[4:])(value=m.to_py(v), order=mo) \
                        == m.to_py(u)
                    assert a.load() == m.to_py(result)
            a.store(m.to_py(u))
            assert a.bin_not(mo) is None
            assert a.load() == m.to_py(~u)
            assert a.bin_fetch_not(order=mo) == m.to_py(~u)
            assert a.load() == m.to_py(u)


def arithmetic_operands(m):
    """Operands that fit the object, including those that wrap it around."""
    if m.atype is INT:
        lo, hi = -(1 << (m.bits - 1)), (1 << (m.bits - 1)) - 1
        return sorted({0, 1, -1, 2, lo, hi, lo + 1, hi - 1})
    return sorted({0, 1, 2, m.mask, m.mask - 1, 1 << (m.bits - 1)})


@by_kind
@by_order
@matrix("atype", [INT, UINT], ids=["INT", "UINT"])
@by_width
def test_arithmetic(m, a, order):
    for mo in forms(order):
        for u in m.samples():
            start = m.to_py(u)
            for v in arithmetic_operands(m):
                for name, sign in (("add", 1), ("sub", -1)):
                    a.store(start)
                    assert getattr(a, name)(v, mo) is None
                    assert a.load() == m.to_py(u + sign * v), (name, start, v)
                    a.store(start)
                    assert getattr(a, "fetch_" + name)(value=v, order=mo) == start
                    assert a.load() == m.to_py(u + sign * v)
            for name, rule in (("inc", lambda x: x + 1), ("dec", lambda x: x - 1),
                               ("neg", lambda x: -x)):
                a.store(start)
                assert getattr(a, name)(mo) is None
                assert a.load() == m.to_py(rule(u)), (name, start)
                a.store(start)
                assert getattr(a, "fetch_" + name)(order=mo) == start
                assert a.load() == m.to_py(rule(u))


@by_kind
@matrix("atype", [INT, UINT], ids=["INT", "UINT"])
@by_width
def test_wraparound_at_the_extremes(m, a, atype):
    lo = -(1 << (m.bits - 1)) if atype is INT else 0
    hi = (1 << (m.bits - 1)) - 1 if atype is INT else m.mask
    a.store(hi)
    a.inc()
    assert a.load() == lo
    a.dec()
    assert a.load() == hi
    assert a.fetch_add(1) == hi
    assert a.load() == lo
    assert a.fetch_sub(1) == lo
    assert a.load() == hi
    a.store(lo)
    a.neg()
    assert a.load() == lo  # -min wraps to min (and -0 == 0 unsigned)
    if atype is UINT:
        a.store(1)
        a.neg()
        assert a.load() == m.mask
    assert int(a) == a.load()


@matrix("atype", [INT, UINT], ids=["INT", "UINT"])
def test_signedness_of_the_same_bits(atype):
    """INT and UINT views of the same bytes read the same bits."""
    buf = bytearray(b"\xff" * 8)
    with atomics.atomicview(buffer=buf, atype=atype) as v:
        assert v.load() == (-1 if atype is INT else 2**64 - 1)
        assert v.signed is (atype is INT)


@by_width
def test_integral_helper_type_follows_is_signed(width):
    for signed, atype in ((True, INT), (False, UINT)):
        a = atomics.atomic(width=width, atype=atomics.INTEGRAL, is_signed=signed)
        m = Model(width, atype)
        a.store(m.to_py(m.mask))
        assert a.load() == m.to_py(m.mask)
        assert a.signed is signed
        a.inc()
        assert a.load() == 0
        with guarded_view(width, atomics.INTEGRAL, is_signed=signed) as (v, _, _):
            assert v.signed is signed
            v.store(m.to_py(m.mask))
            assert v.load() == m.to_py(m.mask)


@by_width
def test_bytes_values_accept_any_bytes_like(width):
    import array

    m = Model(width, BYTES)
    a = make_owned(width, BYTES)
    raw = bytes(range(1, width + 1))
    for value in (raw, bytearray(raw), memoryview(raw), memoryview(bytearray(raw))):
        a.store(bytes(width))
        a.store(value)
        assert a.load() == raw
        assert isinstance(a.load(), bytes)
    if width % 2 == 0:
        a.store(array.array("H", raw))  # any format: its bytes count
        assert a.load() == raw
    assert a.exchange(bytearray(width)) == raw
    assert a.cmpxchg_strong(bytearray(width), memoryview(raw)) == CmpxchgResult(True, bytes(width))
    assert m.from_py(a.load()) == m.from_py(raw)
