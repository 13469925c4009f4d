"""Property tests: random programs (sequences of operations with random
values, bit indices and memory orders, including invalid ones) on objects of
random width (1 to 16), type (INT, UINT, BYTES) and placement (owned, or a
view somewhere inside a larger buffer), checked step by step against a model
that is plain Python arithmetic on one unsigned integer.

After every step: the result equals the model's, the object's memory holds
the model's value (for views, read straight from the buffer), and the bytes
around a view are untouched. On failure Hypothesis shrinks the program and
prints the minimal one (the `program=` argument), and the failing step is
named in the assertion message."""
import functools
import mmap
import sys

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

import atomics
from atomics import MemoryOrder as MO
from atomics.exc import MemoryOrderError

from _stress import scaled

ORDERS = list(MO)
STORE_OK = [MO.RELAXED, MO.RELEASE, MO.SEQ_CST]
LOAD_OK = [MO.RELAXED, MO.ACQUIRE, MO.SEQ_CST]
BYTEORDER = sys.byteorder


def fail_order_ok(succ, fail):
    # a failed compare-exchange is a load, no stronger than the success order
    return fail in LOAD_OK and fail <= succ


# ---- programs -------------------------------------------------------------------------

VALUE_OPS = ["store", "exchange", "bin_or", "bin_xor", "bin_and", "bin_fetch_or",
             "bin_fetch_xor", "bin_fetch_and",
             "bin_or_fetch", "bin_xor_fetch", "bin_and_fetch"]  # beyond 1.0
ARITH_VALUE_OPS = ["add", "sub", "fetch_add", "fetch_sub",
                   # beyond 1.0
                   "max", "min", "fetch_max", "fetch_min", "max_fetch", "min_fetch",
                   "add_fetch", "sub_fetch"]
UNARY_OPS = ["bin_not", "bin_fetch_not", "bin_not_fetch"]
ARITH_UNARY_OPS = ["inc", "dec", "neg", "fetch_inc", "fetch_dec", "fetch_neg",
                   "inc_fetch", "dec_fetch", "neg_fetch"]
BIT_OPS = ["bit_test", "bit_test_compl", "bit_test_set", "bit_test_reset",
           "bit_compl", "bit_set", "bit_reset"]


@functools.lru_cache(maxsize=None)
def value_strategy(kind, width, valid=True):
    """Cached: Hypothesis validates every strategy object it is given anew,
    which cost more than running the programs."""
    bits = 8 * width
    if kind == "BYTES":
        if valid:
            return st.binary(min_size=width, max_size=width)
        return st.binary(max_size=width + 2).filter(lambda b: len(b) != width)
    if kind == "INT":
        lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    else:
        lo, hi = 0, (1 << bits) - 1
    if valid:
        edges = st.sampled_from(sorted({lo, hi, 0, 1, lo + 1, hi - 1, -1 if lo < 0 else 2}))
        return st.one_of(edges, st.integers(lo, hi))
    return st.one_of(st.integers(hi + 1, hi + (1 << bits) + 5), st.integers(lo - (1 << bits), lo - 1))


# Strategies made once (see value_strategy): orders of each kind, the
# operations per object kind, cmpxchg's failure order by success order and
# fetch_update's (which may also be None); None as the key: any order.
ANY_ORDER = st.sampled_from(ORDERS)
LOAD_ORDER = st.sampled_from(LOAD_OK)
STORE_ORDER = st.sampled_from(STORE_OK)
CAS_FAIL = {succ: st.sampled_from(ORDERS if succ is None else
                                  [o for o in ORDERS if fail_order_ok(succ, o)])
            for succ in [None, *ORDERS]}
COMMON_OPS = VALUE_OPS + UNARY_OPS + BIT_OPS + ["load", "cmpxchg_weak", "cmpxchg_strong",
                                                "special", "fetch_update"]
OPS_OF = {"BYTES": st.sampled_from(COMMON_OPS),
          "INT": st.sampled_from(COMMON_OPS + ARITH_VALUE_OPS + ARITH_UNARY_OPS)}
OPS_OF["UINT"] = OPS_OF["INT"]
FAIL_ORDERS = {
    succ: st.one_of(st.none(), st.sampled_from(
        ORDERS if succ is None else [o for o in ORDERS if fail_order_ok(succ, o)]))
    for succ in [None, *ORDERS]}


@st.composite
def step(draw, kind, width):
    op = draw(OPS_OF[kind])
    bad_order = draw(st.integers(0, 9)) == 0
    bad_value = not bad_order and draw(st.integers(0, 9)) == 0
    keywords = draw(st.booleans())
    if op == "load":
        order = draw(ANY_ORDER if bad_order else LOAD_ORDER)
        return (op, order, keywords)
    if op == "special":
        return (op,)
    if op == "fetch_update":
        # fail_order: None (derived from order), or one drawn (valid unless bad_order)
        order = draw(ANY_ORDER)
        fail = draw(FAIL_ORDERS[None if bad_order else order])
        return (op, draw(value_strategy(kind, width, not bad_value)), order, fail, keywords)
    if op == "store":
        order = draw(ANY_ORDER if bad_order else STORE_ORDER)
        return (op, draw(value_strategy(kind, width, not bad_value)), order, keywords)
    if op in VALUE_OPS or op in ARITH_VALUE_OPS:
        return (op, draw(value_strategy(kind, width, not bad_value)), draw(ANY_ORDER), keywords)
    if op in UNARY_OPS or op in ARITH_UNARY_OPS:
        return (op, draw(ANY_ORDER), keywords)
    if op in BIT_OPS:
        index = draw(st.integers(-2, 8 * width + 1) if bad_value else st.integers(0, 8 * width - 1))
        order = draw(ANY_ORDER if (bad_order or op != "bit_test") else LOAD_ORDER)
        return (op, index, order, keywords)
    # cmpxchg: expected is the current value (resolved at run time) or a guess
    hit = draw(st.booleans())
    expected = None if hit else draw(value_strategy(kind, width))
    succ = draw(ANY_ORDER)
    fail = draw(CAS_FAIL[None if bad_order else succ])
    return (op, expected, draw(value_strategy(kind, width, not bad_value)), succ, fail,
            keywords)


@st.composite
def programs(draw):
    width = draw(st.integers(1, 16))
    kind = draw(st.sampled_from(["INT", "UINT", "BYTES"]))
    placement = draw(st.sampled_from(["owned", "view"]))
    # a view sits at a multiple of its recommended alignment, after some guard bytes
    slot = draw(st.integers(0, 3))
    guard_seed = draw(st.integers(0, 255))
    # the length is drawn first so that programs are long on average, yet
    # shrink to the shortest failing one
    length = draw(st.integers(1, 60))
    steps = [draw(step(kind, width)) for _ in range(length)]
    return {"width": width, "kind": kind, "placement": placement, "slot": slot,
            "guard_seed": guard_seed, "steps": steps}


# ---- the model --------------------------------------------------------------------------


class Model:
    def __init__(self, kind, width):
        self.kind, self.width = kind, width
        self.bits = 8 * width
        self.mask = (1 << self.bits) - 1
        self.u = 0  # the object's value as an unsigned integer

    def enc(self, x):
        """A Python argument as the object's unsigned bits."""
        if self.kind == "BYTES":
            return int.from_bytes(x, BYTEORDER)
        return x & self.mask

    def dec(self, u):
        """The object's bits as the Python value an operation returns."""
        if self.kind == "BYTES":
            return u.to_bytes(self.width, BYTEORDER)
        if self.kind == "INT" and u >> (self.bits - 1):
            return u - (1 << self.bits)
        return u

    def valid(self, x):
        if self.kind == "BYTES":
            return len(x) == self.width
        if self.kind == "INT":
            return -(1 << (self.bits - 1)) <= x < (1 << (self.bits - 1))
        return 0 <= x <= self.mask

    def rmw(self, op, x):
        u, m = self.u, self.mask
        return {"store": lambda: x, "exchange": lambda: x, "or": lambda: u | x,
                "xor": lambda: u ^ x, "and": lambda: u & x, "not": lambda: u ^ m,
                "add": lambda: (u + x) & m, "sub": lambda: (u - x) & m,
                "inc": lambda: (u + 1) & m, "dec": lambda: (u - 1) & m,
                "neg": lambda: (-u) & m,
                "max": lambda: max(u, x, key=self.signed_key),
                "min": lambda: min(u, x, key=self.signed_key)}[op]()

    def signed_key(self, u):
        """Order of the object's values: signed for INT, unsigned otherwise."""
        return u - (1 << self.bits) if self.kind == "INT" and u >> (self.bits - 1) else u


RMW_OF = {"bin_or": "or", "bin_xor": "xor", "bin_and": "and", "bin_fetch_or": "or",
          "bin_fetch_xor": "xor", "bin_fetch_and": "and", "add": "add", "sub": "sub",
          "fetch_add": "add", "fetch_sub": "sub", "bin_not": "not", "bin_fetch_not": "not",
          "inc": "inc", "dec": "dec", "neg": "neg", "fetch_inc": "inc", "fetch_dec": "dec",
          "fetch_neg": "neg",
          # beyond 1.0: X_fetch returns the new value
          "fetch_max": "max", "fetch_min": "min", "max_fetch": "max", "min_fetch": "min",
          "add_fetch": "add", "sub_fetch": "sub", "inc_fetch": "inc", "dec_fetch": "dec",
          "neg_fetch": "neg", "bin_or_fetch": "or", "bin_xor_fetch": "xor",
          "bin_and_fetch": "and", "bin_not_fetch": "not"}


def result_of(op, model, old):
    """What op returns: the new value (X_fetch), the old one (fetch_X,
    exchange), or None."""
    if op.endswith("_fetch"):
        return model.dec(model.u)
    if op == "exchange" or "fetch" in op:
        return model.dec(old)
    return None


def call(obj, name, args, kwargs, keywords):
    fn = getattr(obj, name)
    return fn(**kwargs) if keywords else fn(*args)


def run_step(obj, model, s):
    """Runs one step; returns (what happened, what the model says)."""
    op = s[0]
    if op == "special":
        got = bytes(obj) if model.kind == "BYTES" else int(obj)
        return got, model.dec(model.u)
    if op == "load":
        _, order, kw = s
        if order not in LOAD_OK:
            return expect_raises(MemoryOrderError, obj.load, order), "MemoryOrderError"
        return call(obj, "load", (order,), {"order": order}, kw), model.dec(model.u)
    if op == "store":
        _, x, order, kw = s
        if order not in STORE_OK:
            return expect_raises(MemoryOrderError, obj.store, x, order), "MemoryOrderError"
        if not model.valid(x):
            return expect_raises(value_error(model), obj.store, x, order), "value error"
        got = call(obj, "store", (x, order), {"desired": x, "order": order}, kw)
        model.u = model.enc(x)
        return got, None
    if op in VALUE_OPS or op in ARITH_VALUE_OPS:
        _, x, order, kw = s
        if not model.valid(x):
            return expect_raises(value_error(model), getattr(obj, op), x, order), "value error"
        key = "desired" if op == "exchange" else "value"
        got = call(obj, op, (x, order), {key: x, "order": order}, kw)
        old = model.u
        model.u = model.rmw(RMW_OF.get(op, op), model.enc(x))
        return got, result_of(op, model, old)
    if op in UNARY_OPS or op in ARITH_UNARY_OPS:
        _, order, kw = s
        got = call(obj, op, (order,), {"order": order}, kw)
        old = model.u
        model.u = model.rmw(RMW_OF[op], None)
        return got, result_of(op, model, old)
    if op in BIT_OPS:
        _, i, order, kw = s
        if op == "bit_test" and order not in LOAD_OK:
            return expect_raises(MemoryOrderError, obj.bit_test, i, order), "MemoryOrderError"
        if not 0 <= i < model.bits:
            return expect_raises(ValueError, getattr(obj, op), i, order), "value error"
        got = call(obj, op, (i, order), {"index": i, "order": order}, kw)
        bit = 1 << i
        want = bool(model.u & bit)
        if op in ("bit_test_compl", "bit_compl"):
            model.u ^= bit
        elif op in ("bit_test_set", "bit_set"):
            model.u |= bit
        elif op in ("bit_test_reset", "bit_reset"):
            model.u &= ~bit
        return got, want
    if op == "fetch_update":
        _, x, order, fail, kw = s
        seen = []

        def fn(v):
            seen.append(v)
            return x
        args, kwargs = (fn, order, fail), {"fn": fn, "order": order, "fail_order": fail}
        if fail is not None and not fail_order_ok(order, fail):
            return expect_raises(MemoryOrderError, obj.fetch_update, *args), "MemoryOrderError"
        if not model.valid(x):
            bad = expect_raises(ValueError if model.kind == "BYTES" else OverflowError,
                                obj.fetch_update, *args)
            return (bad, seen), ("value error", [model.dec(model.u)])
        got = call(obj, op, args, kwargs, kw)
        old = model.u
        model.u = model.enc(x)
        # alone on the object: fn runs once, with the value, and the old value comes back
        return (got, seen), (model.dec(old), [model.dec(old)])
    # cmpxchg
    _, expected, desired, succ, fail, kw = s
    if expected is None:
        expected = model.dec(model.u)
    if not fail_order_ok(succ, fail):
        return (expect_raises(MemoryOrderError, getattr(obj, op), expected, desired, succ, fail),
                "MemoryOrderError")
    if not model.valid(desired):
        return (expect_raises(value_error(model), getattr(obj, op), expected, desired, succ, fail),
                "value error")
    kwargs = {"expected": expected, "desired": desired}
    if model.kind == "BYTES" and kw:
        kwargs.update(succ=succ, fail=fail)  # the spelling of atomics 1.0.3's bytes objects
    else:
        kwargs.update(success=succ, failure=fail)
    got = call(obj, op, (expected, desired, succ, fail), kwargs, kw)
    current = model.dec(model.u)
    if model.enc(expected) == model.u:
        if op == "cmpxchg_weak" and not got.success:
            # a weak exchange may fail spuriously; it must then change nothing
            return (got.success, got.expected), (False, current)
        model.u = model.enc(desired)
        return (got.success, got.expected), (True, current)
    return (got.success, got.expected), (False, current)


def value_error(model):
    return ValueError if model.kind == "BYTES" else OverflowError


def expect_raises(exc, fn, *args):
    try:
        fn(*args)
    except exc:
        return exc.__name__ if exc is MemoryOrderError else (
            "value error" if exc in (ValueError, OverflowError) else exc.__name__)
    except Exception as e:  # the wrong exception: show it
        return f"raised {type(e).__name__}: {e}"
    return "did not raise"


def guard_bytes(seed, size):
    return bytes((seed * 31 + 17 * i) & 0xFF for i in range(size))


@settings(max_examples=scaled(500), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(program=programs())
def test_random_programs_match_the_model(program):
    width, kind = program["width"], program["kind"]
    atype = getattr(atomics, kind)
    model = Model(kind, width)
    region = None
    if program["placement"] == "owned":
        obj = atomics.atomic(width=width, atype=atype)
        ctx = None
    else:
        region = mmap.mmap(-1, 256)
        align = atomics.Alignment(width).recommended
        offset = 32 + program["slot"] * align
        whole = memoryview(region)
        whole[:] = guard_bytes(program["guard_seed"], 256)
        whole[offset:offset + width] = bytes(width)
        part = whole[offset:offset + width]
        ctx = atomics.atomicview(buffer=part, atype=atype)
        obj = ctx.__enter__()
    try:
        for n, s in enumerate(program["steps"]):
            note(f"step {n}: {s!r}")
            got, want = run_step(obj, model, s)
            assert got == want, f"step {n} {s!r}: got {got!r}, model says {want!r}"
            if region is not None:
                raw = bytes(whole[offset:offset + width])
                assert raw == model.u.to_bytes(width, BYTEORDER), (
                    f"after step {n} {s!r}: memory holds {raw.hex()}, model says "
                    f"{model.u.to_bytes(width, BYTEORDER).hex()}")
                around = bytes(whole[:offset]) + bytes(whole[offset + width:])
                g = guard_bytes(program["guard_seed"], 256)
                assert around == g[:offset] + g[offset + width:], (
                    f"step {n} {s!r} changed bytes around the object")
        assert (obj.load() if kind != "BYTES" else obj.load()) == model.dec(model.u)
    finally:
        if ctx is not None:
            ctx.__exit__(None, None, None)
            part.release()
            whole.release()
            region.close()  # raises BufferError if the view kept its export


@settings(max_examples=scaled(100), deadline=None)
@given(width=st.integers(1, 16), data=st.data())
def test_views_of_the_same_memory_agree(width, data):
    """INT, UINT and BYTES views of the same bytes are three readings of one
    value; a write through one is seen by the others, converted."""
    region = mmap.mmap(-1, 64)
    whole = memoryview(region)
    parts = [whole[16:16 + width] for _ in range(3)]
    ctxs = [atomics.atomicview(buffer=p, atype=t)
            for p, t in zip(parts, (atomics.INT, atomics.UINT, atomics.BYTES))]
    try:
        vi, vu, vb = (c.__enter__() for c in ctxs)
        bits = 8 * width
        for _ in range(data.draw(st.integers(1, 10), label="writes")):
            u = data.draw(st.integers(0, (1 << bits) - 1), label="bits")
            writer = data.draw(st.sampled_from(["INT", "UINT", "BYTES"]), label="writer")
            if writer == "INT":
                vi.store(u - (1 << bits) if u >> (bits - 1) else u)
            elif writer == "UINT":
                vu.store(u)
            else:
                vb.store(u.to_bytes(width, BYTEORDER))
            assert vu.load() == u
            assert vi.load() == (u - (1 << bits) if u >> (bits - 1) else u)
            assert vb.load() == u.to_bytes(width, BYTEORDER)
            assert bytes(whole[16:16 + width]) == u.to_bytes(width, BYTEORDER)
            assert not any(whole[:16]) and not any(whole[16 + width:])
    finally:
        for c in ctxs:
            c.__exit__(None, None, None)
        for p in parts:
            p.release()
        whole.release()
        region.close()


if __name__ == "__main__":
    pytest.main([__file__, "-q"])
