"""What real programs written for atomics 1.0.3 rely on beyond its README:
keywords it ignored, integer-like arguments, which error wins when a call has
two, huge widths, buffers of object references, weak references.

Each expectation was read off the 1.0.3 wheel (run in a venv of its own);
where 1.0.3 leaked an AttributeError from its internals, we raise TypeError.
"""
import ctypes
import sys
import warnings
import weakref

import pytest

import atomics
from atomics import ANY, BYTES, INT, INTEGRAL, UINT, MemoryOrder
from atomics.base import AtomicInt
from atomics.ctx import AtomicIntViewContext
from atomics.exc import MemoryOrderError, UnsupportedWidthException

from api_support import OnlyIndex

try:
    import numpy as np
except ImportError:  # PyPy legs run without numpy
    np = None

needs_numpy = pytest.mark.skipif(np is None, reason="numpy is not installed")

MO = MemoryOrder
IGNORING = [INT, UINT, BYTES]


def no_warnings(fn):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = fn()
    assert [str(w.message) for w in caught] == []
    return result


def ignored_names(fn):
    """The keywords a call reports as ignored, in order; and its result."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = fn()
    for w in caught:
        assert w.category is DeprecationWarning
        assert w.filename == __file__  # points at the caller's line
    return [str(w.message).split("'")[1] for w in caught], result


# ---- keywords 1.0.3 ignored --------------------------------------------------------


@pytest.mark.parametrize("atype", IGNORING, ids=["INT", "UINT", "BYTES"])
def test_published_calls_run_and_warn_about_each_ignored_keyword(atype):
    # atomicview(buffer=..., width=8, atype=UINT) is how published packages call it
    buf = bytearray(8)
    names, ctx = ignored_names(lambda: atomics.atomicview(buffer=buf, width=8, atype=atype))
    assert names == ["width"]
    with ctx as v:
        v.store(v.load())
        assert v.width == 8
    names, a = ignored_names(lambda: atomics.atomic(width=8, atype=atype, init=5, buffer=buf))
    assert names == ["init", "buffer"]
    assert a.width == 8
    # ignored means ignored: init= does not set the value, as in 1.0.3
    assert a.load() == (0 if atype is not BYTES else bytes(8))
    names, _ = ignored_names(
        lambda: atomics.atomic(width=4, atype=atype, is_signed=False, is_integral=False, x=1))
    assert names == ["is_integral", "is_signed", "x"]
    buf.append(0)  # no export was left behind


@pytest.mark.parametrize("atype", [*IGNORING, INTEGRAL, ANY], ids=str)
def test_calls_without_extra_keywords_do_not_warn(atype):
    flags = {INTEGRAL: {"is_signed": True},
             ANY: {"is_integral": True, "is_signed": False}}.get(atype, {})
    no_warnings(lambda: atomics.atomic(width=4, atype=atype, **flags))
    no_warnings(lambda: atomics.atomic(4, atype, **flags))
    with no_warnings(lambda: atomics.atomicview(buffer=bytearray(4), atype=atype, **flags)):
        pass


@pytest.mark.parametrize("factory, first", [(atomics.atomic, 4),
                                            (atomics.atomicview, bytearray(4))],
                         ids=["atomic", "atomicview"])
def test_keywords_1_0_3_rejected_stay_rejected(factory, first):
    name = factory.__name__
    with pytest.raises(TypeError, match=rf"^{name}\(\) got an unexpected keyword argument 'init'$"):
        factory(first, INTEGRAL, is_signed=True, init=1)
    # INTEGRAL takes is_signed= only: 1.0.3 refused is_integral= there
    with pytest.raises(TypeError, match="'is_integral'"):
        factory(first, INTEGRAL, is_signed=True, is_integral=True)
    with pytest.raises(TypeError, match="'foo'"):
        factory(first, ANY, is_integral=True, is_signed=True, foo=1)
    # the classes themselves never took extra keywords
    with pytest.raises(TypeError, match="'foo'"):
        AtomicInt(width=4, foo=1)
    with pytest.raises(TypeError, match="'foo'"):
        AtomicIntViewContext(buffer=bytearray(4), foo=1)
    # a keyword that is also given by position is still an error, not ignored
    with pytest.raises(TypeError, match="multiple values"):
        factory(first, INT, **{"atype": INT})


def test_ignored_keywords_can_be_turned_into_errors():
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        with pytest.raises(DeprecationWarning, match="'init'"):
            atomics.atomic(width=4, atype=INT, init=1)
        buf = bytearray(4)
        with pytest.raises(DeprecationWarning, match="'width'"):
            atomics.atomicview(buffer=buf, atype=INT, width=4)
        buf.append(0)  # the failed call took no export


# ---- integer-like arguments ----------------------------------------------------------


def integer_likes():
    values = [OnlyIndex(3), True]
    if np is not None:
        values += [np.int64(3), np.uint8(3), np.intp(3)]
    return values


@pytest.mark.parametrize("index", integer_likes(), ids=repr)
def test_bit_index_takes_integer_likes(index):
    a = atomics.atomic(width=2, atype=UINT)
    i = int(index)
    assert a.bit_test_set(index) is False
    assert a.load() == 1 << i
    assert a.bit_test(index) is True
    assert a.bit_test_compl(index) is True
    assert a.bit_test_reset(index) is False
    assert a.bit_set(index) is False and a.bit_reset(index) is True
    assert a.load() == 0
    with pytest.raises(ValueError, match="out of range"):
        a.bit_test(OnlyIndex(16))


@pytest.mark.parametrize("value", integer_likes(), ids=repr)
def test_values_and_widths_take_integer_likes(value):
    v = int(value)
    a = atomics.atomic(width=OnlyIndex(4), atype=INT)
    a.store(value)
    assert a.load() == v
    a.add(value)
    assert a.fetch_sub(value) == 2 * v
    assert a.exchange(value) == v
    assert a.cmpxchg_strong(expected=value, desired=value).success
    assert a.load() == v
    with pytest.raises(OverflowError):
        a.store(OnlyIndex(2**31))
    assert atomics.Alignment(OnlyIndex(8)).recommended == 8


@pytest.mark.parametrize("bad", [OnlyIndex(5)] + ([np.int64(5)] if np is not None else []),
                         ids=repr)
def test_memory_orders_stay_memory_orders(bad):
    a = atomics.atomic(width=4, atype=INT)
    with pytest.raises(TypeError, match="'order'"):
        a.load(order=bad)
    with pytest.raises(TypeError, match="'failure'"):
        a.cmpxchg_weak(0, 1, failure=bad)


# ---- which error wins ------------------------------------------------------------------

TOO_BIG = 1000  # does not fit an INT of width 1
BAD_ORDER_TYPE = "x"


def raised(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the type is what we compare
        return type(e)
    return None


def test_value_errors_win_over_order_errors_on_integral_objects():
    a = atomics.atomic(width=1, atype=INT)
    for order in (MO.ACQUIRE, MO.ACQ_REL, BAD_ORDER_TYPE, 7, None):
        for name in ("store", "exchange", "bin_or", "bin_xor", "bin_and", "bin_fetch_or",
                     "bin_fetch_xor", "bin_fetch_and", "add", "sub", "fetch_add", "fetch_sub"):
            assert raised(lambda: getattr(a, name)(TOO_BIG, order)) is OverflowError, (name, order)
            assert raised(lambda: getattr(a, name)("s", order)) is TypeError
        for ok_first in (True, False):
            args = (TOO_BIG, 0) if ok_first else (0, TOO_BIG)
            assert raised(lambda: a.cmpxchg_weak(*args, order, order)) is OverflowError
            assert raised(lambda: a.cmpxchg_strong(*args, order, order)) is OverflowError
    assert a.load() == 0


def test_bytes_store_checks_its_order_first():
    b = atomics.atomic(width=2, atype=BYTES)
    # as 1.0.3: the order of a bytes store is judged before its value ...
    assert raised(lambda: b.store(b"xxx", MO.ACQUIRE)) is MemoryOrderError
    assert raised(lambda: b.store(b"xxx", BAD_ORDER_TYPE)) is TypeError
    assert raised(lambda: b.store(b"xxx", MO.RELEASE)) is ValueError
    # ... but every other bytes operation judges the value first
    for name in ("exchange", "bin_or", "bin_fetch_and"):
        assert raised(lambda: getattr(b, name)(b"xxx", BAD_ORDER_TYPE)) is ValueError
    assert raised(lambda: b.cmpxchg_weak(b"x", b"xx", BAD_ORDER_TYPE, MO.SEQ_CST)) is ValueError


def test_bit_test_checks_its_order_first_and_modifiers_their_index_first():
    a = atomics.atomic(width=1, atype=INT)
    assert raised(lambda: a.bit_test(100, MO.RELEASE)) is MemoryOrderError
    assert raised(lambda: a.bit_test(100, BAD_ORDER_TYPE)) is TypeError
    assert raised(lambda: a.bit_test("s", MO.RELEASE)) is MemoryOrderError
    assert raised(lambda: a.bit_test(100, MO.ACQUIRE)) is ValueError
    for name in ("bit_test_set", "bit_test_compl", "bit_test_reset"):
        for order in (MO.ACQUIRE, BAD_ORDER_TYPE, 7, None):
            assert raised(lambda: getattr(a, name)(100, order)) is ValueError
            assert raised(lambda: getattr(a, name)(-1, order)) is ValueError
            assert raised(lambda: getattr(a, name)("s", order)) is TypeError


def test_cmpxchg_judges_the_failure_order_before_the_success_order():
    a = atomics.atomic(width=4, atype=INT)
    with pytest.raises(TypeError, match="'failure'"):
        a.cmpxchg_weak(0, 0, BAD_ORDER_TYPE, BAD_ORDER_TYPE)
    with pytest.raises(TypeError, match="'success'"):
        a.cmpxchg_weak(0, 0, BAD_ORDER_TYPE, MO.ACQUIRE)
    with pytest.raises(MemoryOrderError):
        a.cmpxchg_weak(0, 0, MO.ACQUIRE, MO.RELEASE)


# ---- buffers of object references ------------------------------------------------------


def reference_buffers():
    bufs = [("cast P", lambda: memoryview(bytearray(8)).cast("P")),
            ("ctypes py_object", lambda: (ctypes.py_object * 1)())]
    if np is not None:
        bufs += [("numpy object", lambda: np.zeros(1, dtype=object)),
                 ("numpy record with an object field",
                  lambda: np.zeros(1, dtype=[("a", "i4"), ("b", "O")]))]
    return bufs


@pytest.mark.parametrize("name, make", reference_buffers(), ids=[n for n, _ in reference_buffers()])
def test_buffers_of_object_references_are_refused(name, make):
    buf = make()
    for atype in (INT, UINT, BYTES):
        # refused before anything reads or writes the memory: a store over a
        # PyObject* used to crash the interpreter
        with pytest.raises(TypeError, match="object references or pointers"):
            atomics.atomicview(buffer=buf, atype=atype)


@needs_numpy
def test_buffers_of_plain_numbers_whose_field_names_look_like_formats_are_fine():
    arr = np.zeros(1, dtype=[("POS", "i8")])  # format 'T{<q:POS:}'
    with atomics.atomicview(buffer=arr, atype=INT) as v:
        v.store(-5)
    assert arr["POS"][0] == -5


# ---- huge widths ---------------------------------------------------------------------------


@pytest.mark.parametrize("width", [2**63 - 1, 2**63, 2**64 + 3, 2**200])
def test_huge_widths_are_reported_as_passed(width):
    with pytest.raises(UnsupportedWidthException) as exc_info:
        atomics.atomic(width=width, atype=INT)
    assert exc_info.value.width == width
    assert f"width of {width}." in str(exc_info.value)


# ---- weak references and attributes -------------------------------------------------------


def test_weak_references_to_objects_and_views():
    a = atomics.atomic(width=8, atype=INT)
    gone = []
    r = weakref.ref(a, gone.append)
    assert r() is a
    del a
    assert r() is None and len(gone) == 1
    buf = bytearray(8)
    with atomics.atomicview(buffer=buf, atype=UINT) as v:
        rv = weakref.ref(v)
        assert rv() is v
        proxy = weakref.proxy(v)
        proxy.inc()
        assert v.load() == 1
    del v
    assert rv() is None
    buf.append(0)


@pytest.mark.skipif(hasattr(sys, "_is_gil_enabled") or sys.implementation.name != "cpython",
                    reason="the 64-byte budget is for GIL builds of CPython")
def test_owned_objects_stay_64_bytes_with_weakref_support():
    for width in (1, 8, 16):
        assert sys.getsizeof(atomics.atomic(width=width, atype=INT)) == 64


def test_instance_attributes_need_a_subclass():
    a = atomics.atomic(width=4, atype=INT)
    with pytest.raises(AttributeError):
        a.label = "requests"

    class Labelled(AtomicInt):
        pass

    b = Labelled(width=4)
    b.label = "requests"
    b.inc()
    assert (b.label, b.load()) == ("requests", 1)
    assert weakref.ref(b)() is b
