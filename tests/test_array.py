"""Atomic arrays (atomicarray) and views of part of a buffer
(atomicview(offset=, width=, align=)): each element operation behaves
exactly as the same operation on a single view of that element (values,
orders, errors), indexes are bounds-checked, bytes beside the target stay
untouched, and the buffer export is held for the array's life."""
import gc
import pickle
import sys
import threading
import warnings

import pytest

import atomics
from atomics import BYTES, INT, INTEGRAL, UINT, MemoryOrder
from atomics.exc import AlignmentError, MemoryOrderError, UnsupportedOperationException

WIDTHS = [w for w in (1, 2, 4, 8, 16) if atomics.atomic(w, atomics.BYTES).ops_supported]


def aligned_buffer(nbytes, align=16):
    """A bytearray-backed memoryview of nbytes starting at a multiple of align."""
    raw = bytearray(nbytes + align)
    from ctypes import addressof, c_char
    base = addressof(c_char.from_buffer(raw))
    skip = -base % align
    return memoryview(raw)[skip:skip + nbytes]


def value_for(atype, width, k):
    if atype is BYTES:
        return bytes((k + j) % 256 for j in range(width))
    return k % 100 - (50 if atype is INT else 0)


# ---- the same behaviour as single objects ---------------------------------------------------

CALLS = [
    ("load", ()), ("store", ("V",)), ("exchange", ("V",)), ("cmpxchg_weak", ("V", "V")),
    ("cmpxchg_strong", ("V", "V")), ("bit_test", (3,)), ("bit_test_set", (1,)),
    ("bit_test_reset", (1,)), ("bit_test_compl", (2,)), ("bin_or", ("V",)),
    ("bin_fetch_xor", ("V",)), ("bin_fetch_and", ("V",)), ("bin_not", ()),
    ("bin_fetch_not", ()),
    # beyond 1.0
    ("bin_or_fetch", ("V",)), ("bin_xor_fetch", ("V",)), ("bin_and_fetch", ("V",)),
    ("bin_not_fetch", ()), ("wait", ("V", 0)),
]
ARITH = [("add", (3,)), ("sub", (1,)), ("inc", ()), ("dec", ()), ("neg", ()),
         ("fetch_add", (5,)), ("fetch_sub", (2,)), ("fetch_inc", ()), ("fetch_dec", ()),
         ("fetch_neg", ()),
         # beyond 1.0
         ("max", ("V",)), ("min", ("V",)), ("fetch_max", ("V",)), ("fetch_min", ("V",)),
         ("max_fetch", ("V",)), ("min_fetch", ("V",)), ("add_fetch", (7,)),
         ("sub_fetch", (3,)), ("inc_fetch", ()), ("dec_fetch", ()), ("neg_fetch", ())]


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("atype", [INT, UINT, BYTES], ids=["INT", "UINT", "BYTES"])
def test_element_ops_match_single_views(width, atype):
    n = 4
    a_buf = aligned_buffer(n * width)
    b_buf = aligned_buffer(n * width)
    arr = atomics.atomicarray(a_buf, width, atype)
    assert len(arr) == n and arr.width == width
    calls = CALLS + ([] if atype is BYTES else ARITH)
    for k, (name, args) in enumerate(calls):
        i = k % n
        real = tuple(value_for(atype, width, k + j) if a == "V" else a for j, a in enumerate(args))
        if atype is not BYTES and name in ("bin_or", "bin_fetch_xor", "bin_fetch_and",
                                           "bin_or_fetch", "bin_xor_fetch", "bin_and_fetch"):
            real = (abs(real[0]),) if atype is UINT else real
        with atomics.atomicview(b_buf, atype, offset=i * width, width=width) as v:
            try:
                want = getattr(v, name)(*real)
            except Exception as e:  # noqa: BLE001 - the same exception is what we compare
                with pytest.raises(type(e)):
                    getattr(arr, name)(i, *real)
                continue
        got = getattr(arr, name)(i, *real)
        assert got == want, (name, i)
        assert bytes(a_buf) == bytes(b_buf), name
    if atype is BYTES:
        assert not hasattr(arr, "add")
        assert type(arr).__name__ == "AtomicBytesArray"
    else:
        assert arr.signed == (atype is INT)


@pytest.mark.parametrize("atype", [INT, BYTES], ids=["INT", "BYTES"])
def test_fetch_update_and_notify_on_elements(atype):
    width = 8
    arr = atomics.atomicarray(aligned_buffer(3 * width), width, atype)
    if atype is BYTES:
        assert arr.fetch_update(1, lambda v: bytes(reversed(b"abcdefgh"))) == bytes(width)
        assert arr.load(1) == b"hgfedcba" and arr.load(0) == bytes(width) == arr.load(2)
    else:
        arr.store(1, 5)
        assert arr.fetch_update(1, lambda v: v * 3) == 5
        assert arr.tolist() == [0, 15, 0]
        with pytest.raises(ZeroDivisionError):
            arr.fetch_update(1, lambda v: v // 0)
        assert arr.load(1) == 15
    # notify takes the index only, bounds-checked like every other operation
    arr.notify_one(0)
    arr.notify_all(-1)
    with pytest.raises(IndexError):
        arr.notify_all(3)
    with pytest.raises(TypeError):
        arr.notify_one()
    with pytest.raises(TypeError):
        arr.notify_one(0, 1)


def test_wait_on_an_element_wakes_on_notify():
    arr = atomics.atomicarray(aligned_buffer(4 * 4), 4, UINT)
    woke = []
    t = threading.Thread(target=lambda: woke.append(arr.wait(2, 0, timeout=10)))
    t.start()
    arr.store(3, 9)          # a neighbour changing wakes nobody for good
    arr.notify_all(3)
    arr.store(2, 1)
    arr.notify_all(2)
    t.join(10)
    assert woke == [True]
    assert arr.wait(2, 0, timeout=0) is True and arr.wait(2, 1, timeout=0.01) is False


def test_orders_and_argument_rules_are_the_objects():
    arr = atomics.atomicarray(aligned_buffer(32), 8, INT)
    arr.store(1, 5, MemoryOrder.RELEASE)
    assert arr.load(1, order=MemoryOrder.ACQUIRE) == 5
    assert arr.fetch_add(1, value=2, order=MemoryOrder.RELAXED) == 5
    with pytest.raises(MemoryOrderError):
        arr.load(1, MemoryOrder.RELEASE)
    with pytest.raises(MemoryOrderError):
        arr.store(1, 1, MemoryOrder.ACQUIRE)
    with pytest.raises(MemoryOrderError):
        arr.cmpxchg_strong(1, 7, 8, MemoryOrder.RELAXED, MemoryOrder.SEQ_CST)
    res = arr.cmpxchg_strong(1, 7, 9, succ=MemoryOrder.SEQ_CST, fail=MemoryOrder.RELAXED)
    assert res.success and res.expected == 7 and arr[1] == 9
    # 1.0.3's order of checks: the value error first
    with pytest.raises(OverflowError):
        arr.store(1, 2**70, MemoryOrder.ACQUIRE)
    with pytest.raises(TypeError):
        arr.fetch_add(1)  # value missing
    with pytest.raises(TypeError):
        arr.fetch_add(1, "x")
    with pytest.raises(TypeError, match="index"):
        arr.fetch_add()
    with pytest.raises(ValueError):
        arr.bit_test(0, 64)  # bit index out of range, as on objects
    uarr = atomics.atomicarray(aligned_buffer(4), 1, UINT)
    uarr.store(0, 255)
    with pytest.raises(OverflowError):
        uarr.store(1, 256)
    uarr.inc(0)
    assert uarr[0] == 0  # wraps around like objects


@pytest.mark.parametrize("atype", [INT, UINT, BYTES], ids=["INT", "UINT", "BYTES"])
def test_short_calls_raise_what_objects_raise(atype):
    """`arr.inc(i)`, `arr.load(i)`, `arr.store(i, v)`, `arr.add(i, v)` and
    `arr.fetch_add(i, v)` go straight to the core; their errors must be the
    objects' errors, word for word."""
    width = 2
    arr = atomics.atomicarray(aligned_buffer(4 * width), width, atype)
    bad_values = [2**70, -2**70, 1 << 16, -1, "x", 1.5, None, b"\x01", b"\x01\x02\x03"]
    with atomics.atomicview(aligned_buffer(width), atype) as one:
        names = ("store",) if atype is BYTES else ("store", "add", "sub", "fetch_add", "fetch_sub")
        for name in names:
            for value in bad_values:
                try:
                    getattr(one, name)(value)
                except Exception as e:  # noqa: BLE001 - compared with the array's
                    with pytest.raises(type(e)) as got:
                        getattr(arr, name)(1, value)
                    assert str(got.value) == str(e), (name, value)
                else:
                    # the view ran it once; the array runs it once, from the same value
                    arr.store(1, one.load())
                    getattr(one, name)(value)
                    got = getattr(arr, name)(1, value)
                    want = getattr(one, name)(value)
                    arr_got = getattr(arr, name)(1, value)
                    assert arr_got == want and (got is None) == (want is None), (name, value)
                    assert arr.load(1) == one.load(), (name, value)
    for i in (4, -5, 2**70, "0", 1.0):
        calls = ((("load", ()), ("store", (bytes(width),))) if atype is BYTES else
                 (("inc", ()), ("load", ()), ("store", (1,)), ("fetch_add", (1,))))
        for name, args in calls:
            with pytest.raises((IndexError, TypeError)):
                getattr(arr, name)(i, *args)
    # read-only memory: the operation is unsupported, as on a read-only view
    ro = atomics.atomicarray(bytes(8), 8, UINT) if atype is not BYTES else None
    if ro is not None:
        with pytest.raises(UnsupportedOperationException):
            ro.inc(0)
        with pytest.raises(UnsupportedOperationException):
            ro.store(0, 1)


def test_bounds_and_index_types():
    arr = atomics.atomicarray(aligned_buffer(40), 8, UINT)
    assert len(arr) == 5
    arr.store(-1, 7)
    assert arr.load(4) == 7
    for bad in (5, -6, 2**64, -(2**64), 10**100):
        with pytest.raises(IndexError):
            arr.load(bad)
        with pytest.raises(IndexError):
            arr.inc(bad)
    with pytest.raises(IndexError):
        arr[5]
    with pytest.raises(IndexError):
        arr[5] = 1
    for bad in (1.0, "1", None, b"\x01"):
        with pytest.raises(TypeError):
            arr.load(bad)

    class Idx:
        def __index__(self):
            return 2

    arr.store(Idx(), 9)
    assert arr[2] == 9 and arr[Idx()] == 9
    np = pytest.importorskip("numpy")
    assert arr.load(np.int64(2)) == 9


def test_plain_access_len_iter_slices():
    arr = atomics.atomicarray(aligned_buffer(16), 2, INT)
    for i in range(len(arr)):
        arr[i] = i - 4
    assert list(arr) == [-4, -3, -2, -1, 0, 1, 2, 3]
    assert arr.tolist() == list(arr)
    assert arr[2:5] == [-2, -1, 0]
    assert arr[::-3] == [3, 0, -3]
    with pytest.raises(TypeError):
        arr[0:2] = [1, 2]
    with pytest.raises(TypeError):
        del arr[0]
    assert "AtomicIntegralArray(length=8, width=2" in repr(arr)


def test_neighbours_stay_untouched():
    buf = aligned_buffer(48)
    buf[:] = b"\xaa" * 48
    arr = atomics.atomicarray(buf, 8, UINT, offset=16, length=2)
    arr.store(0, 0)
    arr.fetch_add(1, 1)
    assert bytes(buf[:16]) == b"\xaa" * 16 and bytes(buf[32:]) == b"\xaa" * 16


def test_construction_errors():
    buf = aligned_buffer(64)
    with pytest.raises(ValueError, match="width"):
        atomics.atomicarray(buf, 3, INT)
    with pytest.raises(atomics.exc.UnsupportedWidthException):
        atomics.atomicarray(buf, 32, INT)
    with pytest.raises(ValueError):
        atomics.atomicarray(buf, 8, INT, length=9)
    with pytest.raises(ValueError):
        atomics.atomicarray(buf, 8, INT, offset=65)
    with pytest.raises(ValueError):
        atomics.atomicarray(buf, 8, INT, offset=-1)
    with pytest.raises(AlignmentError):
        atomics.atomicarray(buf, 8, INT, offset=4)
    with pytest.raises(TypeError):
        atomics.atomicarray(buf, 8, atomics.ANY)
    with pytest.raises(TypeError):
        atomics.atomicarray(buf, 8, INTEGRAL)  # needs is_signed=
    with pytest.raises(TypeError):
        atomics.atomicarray(buf, 8, INT, is_signed=True)
    with pytest.raises(TypeError):
        atomics.atomicarray(object(), 8, INT)
    with pytest.raises(ValueError, match="align"):
        atomics.atomicarray(buf, 8, INT, align="page")
    with pytest.raises(TypeError):
        type(atomics.atomicarray(buf, 8, INT))()
    signed = atomics.atomicarray(buf, 4, INTEGRAL, is_signed=True)
    signed.store(0, -1)
    assert signed.load(0) == -1 and signed.signed
    assert len(atomics.atomicarray(buf, 8, INT, offset=8)) == 7
    assert len(atomics.atomicarray(buf, 8, INT, length=0)) == 0
    # minimum alignment: 2-byte elements at an odd address are fine where supported
    odd = atomics.atomicarray(buf, 2, UINT, offset=1, length=7, align="minimum")
    odd.store(0, 0xFFFF)
    assert bytes(buf[1:3]) == b"\xff\xff"


def test_readonly_buffers():
    ro = atomics.atomicarray(aligned_buffer(32).toreadonly(), 8, UINT)
    assert ro.readonly and ro.load(3) == 0 and list(ro) == [0, 0, 0, 0]
    with pytest.raises(UnsupportedOperationException):
        ro.store(0, 1)
    with pytest.raises(UnsupportedOperationException):
        ro.fetch_add(0, 1)


def test_export_held_for_the_arrays_life_and_pickling_refused():
    buf = bytearray(64)
    arr = atomics.atomicarray(buf, 8, INT)
    with pytest.raises(BufferError):
        buf.append(0)
    with pytest.raises(TypeError, match="pickle"):
        pickle.dumps(arr)
    del arr
    gc.collect()
    buf.append(0)


@pytest.mark.skipif(sys.implementation.name != "cpython", reason="CPython's cycle collector")
def test_cycles_through_arrays_are_collected():
    class Holder(bytearray):
        pass

    buf = Holder(64)
    buf.arr = atomics.atomicarray(buf, 8, INT)
    ref = __import__("weakref").ref(buf.arr)
    del buf
    gc.collect()
    assert ref() is None


def test_threads_count_exactly():
    arr = atomics.atomicarray(aligned_buffer(64), 8, UINT)
    n = 20000

    def work(k):
        for j in range(n):
            arr.inc((j + k) % 8)

    ts = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert sum(arr) == 4 * n and all(x == n // 2 for x in arr)


# ---- views of part of a buffer -----------------------------------------------------------------

def test_offset_views():
    buf = aligned_buffer(32)
    with atomics.atomicview(buf, INT, offset=8, width=8) as v:
        v.store(-1)
        assert v.width == 8
    assert bytes(buf) == bytes(8) + b"\xff" * 8 + bytes(16)
    with atomics.atomicview(buf, UINT, offset=16) as v:  # the rest: 16 bytes
        assert v.width == 16
    with atomics.atomicview(buffer=buf, atype=INTEGRAL, is_signed=False, offset=24,
                            width=4) as v:
        v.store(7)
    with atomics.atomicview(buf, atomics.ANY, is_integral=True, is_signed=True, offset=0,
                            width=2) as v:
        assert v.width == 2
    assert int.from_bytes(buf[24:28], sys.byteorder) == 7  # native byte order (s390x too)
    with pytest.raises(ValueError):
        atomics.atomicview(buf, INT, offset=30, width=8)
    with pytest.raises(ValueError):
        atomics.atomicview(buf, INT, offset=-1, width=8)
    with pytest.raises(TypeError):
        atomics.atomicview(buf, INT, offset="8", width=8)
    with pytest.raises(AlignmentError):
        atomics.atomicview(buf, INT, offset=4, width=8)
    with pytest.raises(ValueError, match="align"):
        atomics.atomicview(buf, INT, offset=8, width=8, align="huge")


def test_width_without_offset_keeps_its_1_0_3_meaning():
    """1.0.3 ignored width= (published programs pass it): without offset=
    it is still ignored, with the DeprecationWarning of the compatibility layer."""
    buf = aligned_buffer(8)
    with pytest.warns(DeprecationWarning, match="'width'"):
        ctx = atomics.atomicview(buffer=buf, width=4, atype=UINT)
    with ctx as v:
        assert v.width == 8
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with atomics.atomicview(buffer=buf, width=4, atype=UINT, offset=0) as v:
            assert v.width == 4
    with pytest.raises(TypeError):
        atomics.atomicview(buf, INTEGRAL, is_signed=True, width=4)  # rejected, as in 1.0.3


def test_minimum_alignment_on_request():
    buf = aligned_buffer(32)
    for width in (2, 4, 8):
        with pytest.raises(AlignmentError) as e:
            atomics.atomicview(buf, UINT, offset=1, width=width)
        assert e.value.using_recommended
    al = atomics.Alignment(2)
    if al.minimum == 1 and al.size_within:
        with atomics.atomicview(buf, UINT, offset=1, width=2, align="minimum") as v:
            v.store(0x0102)
            assert v.load() == 0x0102
        # straddling a size_within block is refused even at minimum alignment
        with pytest.raises(AlignmentError) as e:
            atomics.atomicview(buf, UINT, offset=al.size_within - 1, width=2, align="minimum")
        assert not e.value.using_recommended


def test_alignment_reports_the_truth_for_every_width():
    """For every width and every placement in a 32-byte window: a view at
    minimum alignment is accepted exactly where Alignment says the minimum
    contract holds, works there (store, load, neighbours untouched), and
    the recommended alignment is always accepted."""
    buf = aligned_buffer(48)
    for width in range(1, 17):
        try:
            al = atomics.Alignment(width)
        except atomics.exc.UnsupportedWidthException:
            continue
        assert al.recommended >= width and al.recommended & (al.recommended - 1) == 0
        for off in range(0, 33 - width):
            ok = off % al.minimum == 0 and (
                not al.size_within or off // al.size_within == (off + width - 1) // al.size_within)
            try:
                ctx = atomics.atomicview(buf, BYTES, offset=off, width=width, align="minimum")
            except (AlignmentError, atomics.exc.UnsupportedWidthException):
                assert not ok, (width, off)
                continue
            assert ok, (width, off)
            buf[:] = b"\x55" * 48
            with ctx as v:
                if "STORE" in {o.name for o in v.ops_supported}:
                    v.store(bytes(range(1, width + 1)))
                    assert v.load() == bytes(range(1, width + 1))
                    assert bytes(buf[:off]) == b"\x55" * off
                    assert bytes(buf[off + width:]) == b"\x55" * (48 - off - width)
            if off % al.recommended == 0:
                with atomics.atomicview(buf, BYTES, offset=off, width=width):
                    pass


# ---- every element where the contract says (issue: an element crossing its block) ------------

def _fits(addr, width, align):
    """The alignment contract for one object at `addr`."""
    al = atomics.Alignment(width)
    if align == "recommended":
        return addr % al.recommended == 0
    return addr % al.minimum == 0 and (
        al.size_within == 0 or addr % al.size_within + width <= al.size_within)


@pytest.mark.parametrize("align", ["recommended", "minimum"])
def test_every_element_is_placed_or_the_array_is_refused(align):
    """Widths 1-16 x offsets 0-15 x lengths 1-8: atomicarray() either refuses
    (AlignmentError, or ValueError for a width that is not a power of two)
    or every element is where the contract allows and every operation on
    every element stays inside that element's bytes. With align="minimum",
    1.2.0 checked element 0 only: element 1 of a width-8 array at offset 1
    straddled a 16-byte block and a store to it wrote 16 bytes elsewhere."""
    import mmap
    guard = 64
    mm = mmap.mmap(-1, 4096)  # page-aligned: offset k is address k mod 16
    pattern = bytes((i * 7 + 3) % 256 for i in range(len(mm)))
    for width in range(1, 17):
        if not atomics.is_lock_free(width):
            continue
        for offset in range(16):
            for length in range(1, 9):
                mm[:] = pattern
                start = guard + offset
                elements_fit = width & (width - 1) == 0 and all(
                    _fits(start + i * width, width, align) for i in range(length))
                try:
                    arr = atomics.atomicarray(mm, width, UINT, offset=start, length=length,
                                              align=align)
                except (AlignmentError, ValueError) as e:
                    assert not elements_fit, (width, offset, length, align, e)
                    if width & (width - 1) == 0:
                        assert isinstance(e, AlignmentError), e
                    continue
                assert elements_fit, f"accepted width={width} offset={offset} length={length} {align}"
                expect = bytearray(pattern)
                for i in range(length):
                    value = (0x0102030405060708090A0B0C0D0E0F10 + i) % (1 << (8 * width))
                    arr.store(i, value)
                    assert arr.load(i) == value
                    arr.inc(i)
                    assert arr.fetch_add(i, 2) == (value + 1) % (1 << (8 * width))
                    got = arr.cmpxchg_strong(i, (value + 3) % (1 << (8 * width)), value)
                    assert got.success
                    assert arr.exchange(i, value) == value
                    assert arr.bit_test_set(i, 0) == bool(value & 1)
                    arr.bit_test_reset(i, 0)
                    value &= ~1
                    expect[start + i * width:start + (i + 1) * width] = value.to_bytes(
                        width, sys.byteorder)
                assert arr.tolist() == [int.from_bytes(expect[start + i * width:start + (i + 1) * width],
                                                       sys.byteorder) for i in range(length)]
                del arr
                assert mm[:] == bytes(expect), (width, offset, length, align)
    mm.close()


def test_forged_array_handle_with_an_element_across_a_block_is_refused():
    """A handle re-checks every element on attach: align="minimum" with an
    odd offset makes element 1 of a width-8 array cross a 16-byte block."""
    if not hasattr(atomics, "Arena"):
        pytest.skip("no arenas here")
    from atomics import _shared
    try:
        arena = atomics.Arena(4096)
    except OSError as e:
        pytest.skip(f"no shared memory here: {e}")
    with arena:
        forged = (arena.name, arena._token, 64 + 1, 2, 8, "UINT", None, "minimum")
        with pytest.raises(AlignmentError):
            _shared._attach_array(*forged)
        # the same handle with one element is fine: element 0 fits at offset 1
        one = _shared._attach_array(arena.name, arena._token, 64 + 1, 1, 8, "UINT", None, "minimum")
        one.store(0, 7)
        assert one.load(0) == 7
