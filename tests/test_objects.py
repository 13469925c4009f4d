"""The objects themselves: public names and type relations, properties,
ops_supported, str/repr, special methods (and the deliberate lack of
others), CmpxchgResult, Alignment, the exceptions and the enums."""
import copy
import gc
import inspect
import operator
import pickle
import sys
import textwrap

import pytest

import atomics
from atomics import ANY, BYTES, INT, INTEGRAL, UINT, Alignment, CmpxchgResult, MemoryOrder, OpType
from atomics.base import Atomic, AtomicBytes, AtomicInt, AtomicIntegral, AtomicUint
from atomics.ctx import (
    AtomicBytesViewContext, AtomicIntegralViewContext, AtomicIntViewContext,
    AtomicUintViewContext, AtomicViewContext,
)
from atomics.exc import (
    AlignmentError, MemoryOrderError, UnsupportedOperationException, UnsupportedWidthException,
)
from atomics.view import (
    AtomicBytesView, AtomicIntegralView, AtomicIntView, AtomicUintView, AtomicView,
)

from api_support import (
    ARITHMETIC_OPS, ATYPE_IDS, ATYPES, INTEGRAL_OPS, VALUE_OPS, WIDTHS, Model, address_of,
    guarded_view, make_owned,
)

ALL_OPS = list(OpType)
BYTES_OPS = [op for op in OpType if op <= OpType.FETCH_NOT]


# ---- names and types ----------------------------------------------------------


def test_public_names():
    expected = {
        "atomics": ["atomic", "atomicview", "ANY", "INTEGRAL", "BYTES", "INT", "UINT",
                    "Alignment", "CmpxchgResult", "MemoryOrder", "OpType",
                    "atomicarray", "shared", "shared_array", "Arena",
                    # beyond 1.0 (tests/test_ops_beyond.py)
                    "thread_fence", "signal_fence", "spin_pause", "is_lock_free", "supported_ops",
                    # synchronization primitives (tests/test_sync.py)
                    "Lock", "RLock", "Condition", "Semaphore", "BoundedSemaphore", "Event",
                    "Barrier", "Latch", "BrokenBarrierError"],
        "atomics.array": ["AtomicIntegralArray", "AtomicBytesArray"],
        "atomics.base": ["Atomic", "AtomicIntegral", "AtomicBytes", "AtomicInt", "AtomicUint"],
        "atomics.view": ["AtomicView", "AtomicIntegralView", "AtomicBytesView", "AtomicIntView",
                         "AtomicUintView"],
        "atomics.ctx": ["AtomicViewContext", "AtomicIntegralViewContext",
                        "AtomicBytesViewContext", "AtomicIntViewContext",
                        "AtomicUintViewContext"],
        "atomics.exc": ["AlignmentError", "MemoryOrderError", "UnsupportedWidthException",
                        "UnsupportedOperationException"],
    }
    for module_name, names in expected.items():
        module = sys.modules[module_name]
        for name in names:
            assert hasattr(module, name), (module_name, name)
        assert sorted(module.__all__) == sorted(names)


def test_class_names_are_where_the_readme_says():
    for module_name in ("base", "view", "ctx", "array"):
        module = getattr(atomics, module_name)
        for name in module.__all__:
            cls = getattr(module, name)
            assert cls.__name__ == name
            assert cls.__module__ == f"atomics.{module_name}"
    for helper in (ANY, INTEGRAL, BYTES, INT, UINT):
        assert helper.__module__ == "atomics"


FAMILIES = [
    (Atomic, AtomicIntegral, AtomicBytes, AtomicInt, AtomicUint),
    (AtomicView, AtomicIntegralView, AtomicBytesView, AtomicIntView, AtomicUintView),
]


def test_type_relations():
    assert issubclass(BYTES, ANY) and issubclass(INTEGRAL, ANY)
    assert issubclass(INT, INTEGRAL) and issubclass(UINT, INTEGRAL)
    assert not issubclass(INT, UINT) and not issubclass(BYTES, INTEGRAL)
    for base, integral, bytes_, int_, uint in FAMILIES:
        for cls, helper in ((base, ANY), (integral, INTEGRAL), (bytes_, BYTES), (int_, INT),
                            (uint, UINT)):
            assert issubclass(cls, helper) and issubclass(cls, ANY) and issubclass(cls, base)
        for cls in (int_, uint):
            assert issubclass(cls, integral) and issubclass(cls, INTEGRAL)
        assert not issubclass(bytes_, INTEGRAL) and not issubclass(int_, UINT)
    a = atomics.atomic(width=4, atype=INT)
    assert all(isinstance(a, c) for c in (Atomic, AtomicIntegral, INT, INTEGRAL, ANY))
    ctxs = (AtomicViewContext, AtomicIntegralViewContext, AtomicBytesViewContext,
            AtomicIntViewContext, AtomicUintViewContext)
    assert issubclass(AtomicIntViewContext, AtomicIntegralViewContext)
    assert issubclass(AtomicUintViewContext, AtomicIntegralViewContext)
    assert issubclass(AtomicBytesViewContext, AtomicViewContext)
    assert issubclass(AtomicIntegralViewContext, AtomicViewContext)
    for ctx in ctxs:
        assert not issubclass(ctx, ANY)


@pytest.mark.parametrize("atype,kwargs,cls", [
    (INT, {}, AtomicInt), (UINT, {}, AtomicUint), (BYTES, {}, AtomicBytes),
    (INTEGRAL, {"is_signed": True}, AtomicIntegral),
    (ANY, {"is_integral": False, "is_signed": False}, Atomic),
], ids=["INT", "UINT", "BYTES", "INTEGRAL", "ANY"])
def test_factories_return_the_matching_class(atype, kwargs, cls):
    assert type(atomics.atomic(width=8, atype=atype, **kwargs)) is cls
    assert type(atomics.atomic(8, atype, **kwargs)) is cls  # positional too
    ctx_cls = {AtomicInt: AtomicIntViewContext, AtomicUint: AtomicUintViewContext,
               AtomicBytes: AtomicBytesViewContext, AtomicIntegral: AtomicIntegralViewContext,
               Atomic: AtomicViewContext}[cls]
    assert type(atomics.atomicview(buffer=bytearray(8), atype=atype, **kwargs)) is ctx_cls
    assert type(atomics.atomicview(bytearray(8), atype, **kwargs)) is ctx_cls


def test_constructors_take_keywords_and_positions():
    assert AtomicInt(width=2).width == 2
    assert AtomicUint(2).width == 2
    assert AtomicIntegral(width=2, is_signed=False).signed is False
    assert AtomicIntegral(2, True).signed is True
    assert Atomic(width=2, is_integral=True, is_signed=True).width == 2
    with AtomicBytesViewContext(buffer=bytearray(2)) as v:
        assert type(v) is AtomicBytesView
    with AtomicIntegralViewContext(bytearray(2), False) as v:
        assert type(v) is AtomicIntegralView and v.signed is False
    with AtomicViewContext(buffer=bytearray(2), is_integral=False, is_signed=False) as v:
        assert type(v) is AtomicView


# ---- properties ---------------------------------------------------------------------


@pytest.mark.parametrize("atype", ATYPES, ids=ATYPE_IDS)
@pytest.mark.parametrize("width", WIDTHS)
def test_properties_and_ops_supported(width, atype):
    with guarded_view(width, atype) as (v, _, _):
        for a in (make_owned(width, atype), v):
            assert a.width == width
            assert a.readonly is False
            ops = a.ops_supported
            assert type(ops) is list and all(type(op) is OpType for op in ops)
            assert ops == (BYTES_OPS if atype is BYTES else ALL_OPS)
            assert a.ops_supported is not ops  # a fresh list each time
            if atype is BYTES:
                assert not hasattr(a, "signed")
            else:
                assert a.signed is (atype is INT)
            for prop in ("width", "readonly", "ops_supported", "signed"):
                if hasattr(a, prop):
                    with pytest.raises(AttributeError):
                        setattr(a, prop, 1)


@pytest.mark.parametrize("is_integral", [True, False])
@pytest.mark.parametrize("width", [1, 2, 3, 8, 16])
def test_any_objects_have_properties_only(width, is_integral):
    for a in (atomics.atomic(width=width, atype=ANY, is_integral=is_integral, is_signed=True),
              Atomic(width=width, is_integral=is_integral, is_signed=False)):
        assert a.width == width and a.readonly is False
        assert a.ops_supported == (ALL_OPS if is_integral else BYTES_OPS)
        for name in INTEGRAL_OPS + ["signed", "__int__", "__bytes__"]:
            assert not hasattr(a, name), name
        assert str(a) == f"Atomic(width={width}, readonly=False)"
        with pytest.raises(TypeError):
            int(a)
    with atomics.atomicview(buffer=bytes(width), atype=ANY, is_integral=is_integral,
                            is_signed=False) as v:
        assert v.readonly is True
        assert set(v.ops_supported) <= {OpType.LOAD, OpType.BIT_TEST}
        assert str(v) == f"AtomicView(width={width}, readonly=True)"


def test_method_sets():
    for cls in (AtomicInt, AtomicUint, AtomicIntegral, AtomicIntView, AtomicUintView,
                AtomicIntegralView):
        for name in INTEGRAL_OPS:
            assert callable(getattr(cls, name)), (cls, name)
    for cls in (AtomicBytes, AtomicBytesView):
        for name in VALUE_OPS:
            assert callable(getattr(cls, name))
        for name in ARITHMETIC_OPS:
            assert not hasattr(cls, name)
    # the README's names and 1.0.3's names act on the same bit
    a = atomics.atomic(width=1, atype=UINT)
    assert a.bit_set(3) is False and a.bit_test_set(3) is True
    assert a.bit_reset(3) is True and a.bit_test_reset(3) is False
    assert a.bit_compl(3) is False and a.bit_test_compl(3) is True
    assert a.load() == 0


def test_signatures_are_introspectable():
    a = atomics.atomic(width=4, atype=INT)
    sig = inspect.signature(a.cmpxchg_weak)
    assert list(sig.parameters) == ["expected", "desired", "success", "failure"]
    assert list(inspect.signature(a.load).parameters) == ["order"]
    assert list(inspect.signature(a.store).parameters) == ["desired", "order"]
    assert list(inspect.signature(a.bit_set).parameters) == ["index", "order"]
    assert list(inspect.signature(atomics.atomic).parameters)[:2] == ["width", "atype"]
    assert list(inspect.signature(atomics.atomicview).parameters)[:2] == ["buffer", "atype"]


# ---- str and repr ------------------------------------------------------------------------


def test_str_formats():
    a = atomics.atomic(width=4, atype=INT)
    assert str(a) == "AtomicInt(value=0, width=4, readonly=False, signed=True)"
    assert repr(a) == str(a)  # COMPAT fix: 1.0.3 had __str__ only
    a.store(-5)
    assert str(a) == "AtomicInt(value=-5, width=4, readonly=False, signed=True)"
    u = atomics.atomic(width=16, atype=UINT)
    u.dec()
    assert str(u) == (f"AtomicUint(value={2**128 - 1}, width=16, readonly=False, "
                      f"signed=False)")
    b = atomics.atomic(width=2, atype=BYTES)
    assert str(b) == "AtomicBytes(value=b'\\x00\\x00', width=2, readonly=False)"
    b.store(b"'\"")
    assert repr(b) == "AtomicBytes(value=b'\\'\"', width=2, readonly=False)"
    i = atomics.atomic(width=3, atype=INTEGRAL, is_signed=False)
    assert str(i) == "AtomicIntegral(value=0, width=3, readonly=False, signed=False)"
    buf = bytearray(2)
    with atomics.atomicview(buffer=buf, atype=BYTES) as v:
        # the README prints readonly=True here: a typo (COMPAT)
        assert str(v) == "AtomicBytesView(value=b'\\x00\\x00', width=2, readonly=False)"
    with atomics.atomicview(buffer=b"\x01\x00\x00\x00", atype=UINT) as v:
        value = 1 if sys.byteorder == "little" else 2**24
        assert repr(v) == f"AtomicUintView(value={value}, width=4, readonly=True, signed=False)"


# ---- special methods ------------------------------------------------------------------------


@pytest.mark.parametrize("atype", ATYPES, ids=ATYPE_IDS)
def test_special_methods(atype):
    m = Model(8, atype)
    with guarded_view(8, atype) as (v, _, _):
        for a in (make_owned(8, atype), v):
            a.store(m.to_py(0x0102030405060708))
            if atype is BYTES:
                assert bytes(a) == a.load()
                assert not hasattr(a, "__int__")
                with pytest.raises(TypeError):
                    int(a)
            else:
                assert int(a) == a.load() == m.to_py(0x0102030405060708)
                assert not hasattr(a, "__bytes__")
                # deliberately no __index__
                assert not hasattr(a, "__index__")
                for use in (operator.index, hex, bin, lambda x: [0][x], lambda x: range(x)):
                    with pytest.raises(TypeError):
                        use(a)
            assert not hasattr(a, "__float__")
            # no operators: assignment must not look like arithmetic
            for op in (operator.add, operator.sub, operator.or_, operator.and_, operator.lt,
                       operator.mul):
                with pytest.raises(TypeError):
                    op(a, a.load())
            with pytest.raises(TypeError):
                -a
            assert (a == a.load()) is False and (a != a.load()) is True
            x = a
            with pytest.raises(TypeError):
                x += 1 if atype is not BYTES else b"x"
            assert bool(a) is True  # plain objects: truthy, no __len__


# ---- CmpxchgResult ---------------------------------------------------------------------------


def test_cmpxchg_result():
    r = CmpxchgResult(success=True, expected=5)
    assert r.success is True and r.expected == 5
    assert bool(r) is True and tuple(r) == (True, 5) and len(r) == 2
    ok, seen = r
    assert (ok, seen) == (True, 5)
    assert r[0] is True and r[1] == 5 and r[-1] == 5 and r[-2] is True
    with pytest.raises(IndexError):
        r[2]
    f = CmpxchgResult(False, b"ab")
    assert not f and f.expected == b"ab"
    assert repr(f) == "CmpxchgResult(success=False, expected=b'ab')"
    assert CmpxchgResult(1, 2).success is True  # success is a bool
    assert CmpxchgResult(success=0, expected=None).success is False
    assert r == CmpxchgResult(True, 5) and r != CmpxchgResult(True, 6)
    assert r != (True, 5)
    assert hash(r) == hash(CmpxchgResult(True, 5))
    for attr in ("success", "expected"):
        with pytest.raises(AttributeError):
            setattr(r, attr, 0)
    if sys.version_info >= (3, 10):  # pattern matching via __match_args__
        scope = {"r": r, "CmpxchgResult": CmpxchgResult}
        exec(textwrap.dedent("""
            match r:
                case CmpxchgResult(True, value):
                    seen = value
            """), scope)
        assert scope["seen"] == 5
    assert CmpxchgResult[int] is not None and CmpxchgResult[bytes].__origin__ is CmpxchgResult


def test_cmpxchg_result_copies_and_pickles():
    """A plain value (a dataclass in 1.0.3): copy and pickle keep it whole,
    so results can travel through multiprocessing queues."""
    for r in (CmpxchgResult(True, 5), CmpxchgResult(False, b"\x00\x01"),
              CmpxchgResult(success=True, expected=[1, 2])):
        for clone in (copy.copy(r), copy.deepcopy(r), pickle.loads(pickle.dumps(r)),
                      pickle.loads(pickle.dumps(r, protocol=0))):
            assert type(clone) is CmpxchgResult
            assert clone == r and clone.success is r.success
        assert copy.deepcopy(r).expected is not r.expected or not isinstance(r.expected, list)


def test_cmpxchg_result_from_operations():
    a = atomics.atomic(width=8, atype=UINT)
    a.store(10)
    expected = 10
    r = a.cmpxchg_strong(expected, 11)
    assert r.success and r.expected == 10 and type(r) is CmpxchgResult
    r = a.cmpxchg_strong(10, 12)
    assert not r.success and r.expected == 11
    b = atomics.atomic(width=2, atype=BYTES)
    r = b.cmpxchg_strong(bytearray(2), b"xy")
    assert r.success and r.expected == b"\x00\x00" and type(r.expected) is bytes


# ---- Alignment ---------------------------------------------------------------------------------


def next_pow2(n):
    p = 1
    while p < n:
        p *= 2
    return p


@pytest.mark.parametrize("width", WIDTHS)
def test_alignment_values(width):
    al = Alignment(width)
    assert al.width == width
    assert al.recommended == next_pow2(width)
    assert al.minimum >= 1 and al.recommended % al.minimum == 0
    assert al.size_within == 0 or (al.size_within % al.recommended == 0
                                   and al.size_within >= width)
    assert Alignment(width=width).recommended == al.recommended
    assert repr(al) == (f"Alignment(width={width}, recommended={al.recommended}, "
                        f"minimum={al.minimum}, size_within={al.size_within})")
    for attr in ("width", "recommended", "minimum", "size_within"):
        with pytest.raises(AttributeError):
            setattr(al, attr, 1)


@pytest.mark.parametrize("width", WIDTHS)
def test_alignment_checks(width):
    al = Alignment(width)
    buf = bytearray(96)
    base = address_of(buf)
    for off in range(64):
        mv = memoryview(buf)[off:off + width]
        addr = base + off
        rec = addr % al.recommended == 0
        minimum = addr % al.minimum == 0 and (
            al.size_within == 0 or addr // al.size_within == (addr + width - 1) // al.size_within)
        assert al.is_valid(mv) is rec
        assert al.is_valid(mv, using_recommended=True) is rec
        assert al.is_valid_recommended(mv) is rec
        assert al.is_valid(mv, using_recommended=False) is minimum
        assert al.is_valid_minimum(mv) is minimum
        if rec:
            assert minimum  # recommended always meets the minimum
        assert al.is_valid(mv.toreadonly()) is rec
        mv.release()
    buf.append(0)  # every check gave its export back


def test_alignment_buffer_of_the_wrong_width():
    al = Alignment(4)
    for bad in (bytearray(3), bytearray(5), b"", bytes(8)):
        for check in (al.is_valid, al.is_valid_recommended, al.is_valid_minimum):
            with pytest.raises(ValueError):
                check(bad)
    with pytest.raises(TypeError):
        al.is_valid(bytearray(4), True)  # using_recommended is keyword-only


def test_alignment_copies_and_pickles():
    for width in WIDTHS:
        al = Alignment(width)
        for clone in (copy.copy(al), copy.deepcopy(al), pickle.loads(pickle.dumps(al))):
            assert type(clone) is Alignment and repr(clone) == repr(al)


def test_alignment_readme_example():
    buf = bytearray(8)
    align = Alignment(len(buf))
    assert align.is_valid(buf)


# ---- exceptions ------------------------------------------------------------------------------


EXCEPTIONS = [
    (AlignmentError(8, 0x1001, True), ("width", "address", "using_recommended"),
     "AlignmentError(width=8, address=4097, using_recommended=True)",
     "The alignment of address 0x1001 does not meet the recommended alignment requirements "
     "for atomic operations on objects with a width of 8."),
    (AlignmentError(4, 2, using_recommended=False), ("width", "address", "using_recommended"),
     "AlignmentError(width=4, address=2, using_recommended=False)",
     "The alignment of address 0x2 does not meet the minimum alignment requirements for "
     "atomic operations on objects with a width of 4."),
    (MemoryOrderError(OpType.LOAD, MemoryOrder.RELEASE), ("optype", "order", "is_fail"),
     "MemoryOrderError(optype=OpType.LOAD, order=MemoryOrder.RELEASE, is_fail=False)",
     "RELEASE is not a valid memory order for a LOAD operation."),
    (MemoryOrderError(OpType.CMPXCHG_WEAK, MemoryOrder.ACQ_REL, is_fail=True),
     ("optype", "order", "is_fail"),
     "MemoryOrderError(optype=OpType.CMPXCHG_WEAK, order=MemoryOrder.ACQ_REL, is_fail=True)",
     "ACQ_REL is not a valid fail memory order for a CMPXCHG_WEAK operation."),
    (UnsupportedWidthException(3), ("width", "readonly"),
     "UnsupportedWidthException(width=3, readonly=False)",
     "No operations are supported on objects with a width of 3."),
    (UnsupportedWidthException(32, readonly=True), ("width", "readonly"),
     "UnsupportedWidthException(width=32, readonly=True)",
     "No operations are supported on readonly objects with a width of 32."),
    (UnsupportedOperationException(OpType.ADD, 4), ("optype", "width", "readonly"),
     "UnsupportedOperationException(optype=OpType.ADD, width=4, readonly=False)",
     "Operation ADD is not supported on objects with a width of 4."),
    (UnsupportedOperationException(OpType.STORE, 2, True), ("optype", "width", "readonly"),
     "UnsupportedOperationException(optype=OpType.STORE, width=2, readonly=True)",
     "Operation STORE is not supported on readonly objects with a width of 2."),
]


@pytest.mark.parametrize("exc,attrs,text_repr,message", EXCEPTIONS,
                         ids=[type(e[0]).__name__ for e in EXCEPTIONS])
def test_exceptions(exc, attrs, text_repr, message):
    assert isinstance(exc, Exception)
    assert repr(exc) == text_repr
    assert str(exc) == message
    assert "  " not in str(exc)  # COMPAT: 1.0.3 had stray double spaces
    clone = pickle.loads(pickle.dumps(exc))
    assert type(clone) is type(exc)
    assert [getattr(clone, a) for a in attrs] == [getattr(exc, a) for a in attrs]
    assert str(clone) == message
    with pytest.raises(type(exc)):
        raise exc


def test_exception_hierarchy():
    for cls in (AlignmentError, MemoryOrderError, UnsupportedWidthException,
                UnsupportedOperationException):
        assert issubclass(cls, Exception)
        assert cls.__module__ == "atomics.exc"


# ---- enums ----------------------------------------------------------------------------------------


def test_optype_values():
    names = ["STORE", "LOAD", "EXCHANGE", "CMPXCHG_WEAK", "CMPXCHG_STRONG", "BIT_TEST",
             "BIT_TEST_COMPL", "BIT_TEST_SET", "BIT_TEST_RESET", "OR", "XOR", "AND", "NOT",
             "FETCH_OR", "FETCH_XOR", "FETCH_AND", "FETCH_NOT", "ADD", "SUB", "INC", "DEC",
             "NEG", "FETCH_ADD", "FETCH_SUB", "FETCH_INC", "FETCH_DEC", "FETCH_NEG"]
    assert [op.name for op in OpType] == names
    assert [op.value for op in OpType] == list(range(1, 28))
    assert OpType.STORE == 1 and OpType.FETCH_NEG == 27


# ---- reference counting ------------------------------------------------------------------------


def test_no_reference_leaks():
    """Arguments, exporters and types keep their reference counts through
    every kind of call, successful or failing."""
    big = 2**20 + 77  # not a cached small int
    raw = bytes(range(8))
    buf = bytearray(16)
    types = [AtomicInt, AtomicUint, AtomicBytes, AtomicIntView, AtomicBytesViewContext,
             AtomicIntViewContext, CmpxchgResult, Alignment]

    def work():
        for width in (4, 8, 16):
            for o in (atomics.atomic(width=width, atype=INT),
                      atomics.atomic(width=width, atype=UINT)):
                o.store(big)
                o.exchange(big)
                o.cmpxchg_strong(big, big)
                o.cmpxchg_weak(0, big)
                o.fetch_add(big)
                for bad_call in (lambda: o.store(2**200), lambda: o.store(1.5),
                                 lambda: o.load(big), lambda: o.load(3),
                                 lambda: o.cmpxchg_strong(big, big, 0, 5),
                                 lambda: o.bit_test(big), lambda: copy.copy(o)):
                    with pytest.raises(Exception):
                        bad_call()
                str(o), int(o), o.ops_supported
            b = atomics.atomic(width=8, atype=BYTES)
            b.store(raw)
            b.cmpxchg_strong(raw, raw)
            tuple(b.cmpxchg_strong(bytearray(8), raw))
            with pytest.raises(ValueError):
                b.store(raw + b"x")
            with atomics.atomicview(buffer=memoryview(buf)[:width], atype=INT) as v:
                v.store(big)
                str(v)
            with pytest.raises(ValueError):
                v.load()
            with atomics.atomicview(buffer=buf, atype=BYTES) as bv:
                bv.exchange(bytes(16))
            with pytest.raises(AlignmentError):
                atomics.atomicview(buffer=memoryview(buf)[1:5], atype=INT)
            with atomics.atomicview(buffer=raw[:4], atype=INT) as ro:
                with pytest.raises(UnsupportedOperationException):
                    ro.store(1)
            Alignment(width).is_valid(bytearray(width))
            CmpxchgResult(True, big)

    work()
    gc.collect()
    before = ([sys.getrefcount(t) for t in types], sys.getrefcount(big), sys.getrefcount(raw),
              sys.getrefcount(buf))
    for _ in range(20):
        work()
    gc.collect()
    after = ([sys.getrefcount(t) for t in types], sys.getrefcount(big), sys.getrefcount(raw),
             sys.getrefcount(buf))
    assert after == before
