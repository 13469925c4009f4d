"""Views of external buffers: every kind of exporter, every aligned placement
inside a larger buffer with the neighbouring bytes untouched, the lifetime
contract of the README (with COMPAT's fixes), and the buffer export, which
must be held from construction to release() / __exit__ and given back
exactly once."""
import array
import gc
import mmap
import sys

import pytest

import atomics
from atomics import ANY, BYTES, INT, INTEGRAL, UINT, Alignment, OpType
from atomics.ctx import AtomicIntViewContext
from atomics.view import (
    AtomicBytesView, AtomicIntegralView, AtomicIntView, AtomicUintView, AtomicView,
)

from api_support import (
    ATYPE_IDS, ATYPES, INTEGRAL_OPS, VALUE_PARAMS, WIDTHS, Model, address_of,
    aligned_offset, guarded_view,
)

try:
    import numpy as np
except ImportError:  # numpy is optional
    np = None

OPEN_TWICE = "Cannot open context multiple times."
AFTER_RELEASE = "Cannot open context after calling 'release'."
RELEASE_WHILE_OPEN = "Cannot call 'release' while context is open."


# ---- placement ----------------------------------------------------------------


@pytest.mark.parametrize("atype", ATYPES, ids=ATYPE_IDS)
@pytest.mark.parametrize("width", WIDTHS)
def test_every_aligned_placement_leaves_neighbours_alone(width, atype):
    m = Model(width, atype)
    rec = Alignment(width).recommended
    for position in range(0, 32, rec):
        with guarded_view(width, atype, position=position) as (v, buf, start):
            for u in m.samples():
                v.store(m.to_py(u))
                assert buf[start:start + width] == m.raw(u)
                v.bin_not()
                v.bit_test_compl(0)
                v.exchange(m.to_py(u))
                v.cmpxchg_strong(m.to_py(u), m.to_py(~u))
                assert buf[start:start + width] == m.raw(~u)
                if atype is not BYTES:
                    v.fetch_add(m.to_py(1))
                    v.neg()
                    v.dec()


def test_values_are_native_endian():
    buf = bytearray(16)
    off = aligned_offset(buf, 16)
    with atomics.atomicview(buffer=memoryview(buf)[off:off + 4], atype=INT) as v:
        v.store(-2)
        assert buf[off:off + 4] == (-2).to_bytes(4, sys.byteorder, signed=True)
        buf[off:off + 4] = (123456).to_bytes(4, sys.byteorder)
        assert v.load() == 123456


# ---- exporters -----------------------------------------------------------------


def exercise(v, raw_of):
    """Stores through the view and checks the exporter's bytes."""
    m = Model(v.width, INT if v.signed else UINT)
    for u in m.samples():
        v.store(m.to_py(u))
        assert raw_of() == m.raw(u)
        assert v.fetch_inc() == m.to_py(u)
        assert raw_of() == m.raw(u + 1)


def test_bytearray_exporter():
    buf = bytearray(b"\x11" * 48)
    off = aligned_offset(buf, 16) + 16
    with atomics.atomicview(buffer=memoryview(buf)[off:off + 8], atype=INT) as v:
        exercise(v, lambda: bytes(buf[off:off + 8]))
        with pytest.raises(BufferError):
            buf.append(0)
        with pytest.raises(BufferError):
            buf.extend(b"12")
        with pytest.raises(BufferError):
            del buf[:2]
        with pytest.raises(BufferError):
            buf[0:1] = b"ab"
        buf[0] = 0x22  # same-size writes are fine
    assert buf[:off] == b"\x22" + b"\x11" * (off - 1)
    assert buf[off + 8:] == b"\x11" * (48 - off - 8)
    buf.append(0)
    del buf[:2]


def test_whole_bytearray_exporter():
    for width in WIDTHS:
        buf = bytearray(width)
        try:
            ctx = atomics.atomicview(buffer=buf, atype=UINT)
        except atomics.exc.AlignmentError:
            continue
        with ctx as v:
            v.store(1)
            assert buf == (1).to_bytes(width, sys.byteorder)
            with pytest.raises(BufferError):
                buf.append(0)
        buf.append(0)


def test_memoryview_slice_exporter():
    buf = bytearray(64)
    whole = memoryview(buf)
    off = aligned_offset(buf, 16)
    part = whole[off + 16:off + 32]
    with atomics.atomicview(buffer=part, atype=UINT) as v:
        assert v.width == 16
        exercise(v, lambda: bytes(buf[off + 16:off + 32]))
        with pytest.raises(BufferError):
            part.release()
        with pytest.raises(BufferError):
            buf.append(0)
    part.release()
    whole.release()
    buf.append(0)


def test_memoryview_of_other_formats():
    """width is memoryview(buf).nbytes, whatever the format and shape."""
    if np is None:
        arr = array.array("q", [0, 0])
        cases = [(arr, 16)]
    else:
        cases = [(np.zeros(2, dtype=np.int64), 16), (np.zeros((2, 2), dtype=np.int16), 8),
                 (np.zeros((1, 3), dtype=np.uint8), 3)]
    for obj, nbytes in cases:
        assert memoryview(obj).nbytes == nbytes
        try:
            ctx = atomics.atomicview(buffer=obj, atype=UINT)
        except atomics.exc.AlignmentError:
            continue
        with ctx as v:
            assert v.width == nbytes


def test_mmap_exporter():
    m = mmap.mmap(-1, mmap.PAGESIZE)
    try:
        for off in (0, 8, 16, 64, mmap.PAGESIZE - 16, mmap.PAGESIZE - 8):
            m[:] = b"\x5a" * mmap.PAGESIZE
            with atomics.atomicview(buffer=memoryview(m)[off:off + 8], atype=INT) as v:
                exercise(v, lambda: m[off:off + 8])
                with pytest.raises(BufferError):
                    m.close()
                with pytest.raises(BufferError):
                    m.resize(2 * mmap.PAGESIZE)
            assert m[:off] + m[off + 8:] == b"\x5a" * (mmap.PAGESIZE - 8)
        with atomics.atomicview(buffer=memoryview(m)[:16], atype=BYTES) as b:
            b.store(b"0123456789abcdef")
        assert m[:16] == b"0123456789abcdef"
        whole = mmap.mmap(-1, 8)
        ctx = atomics.atomicview(buffer=whole, atype=UINT)
        with pytest.raises(BufferError):
            whole.close()
        ctx.release()
        whole.close()
    finally:
        m.close()
    assert m.closed


def test_shared_memory_exporter():
    from multiprocessing import shared_memory

    shm = shared_memory.SharedMemory(create=True, size=64)
    try:
        buf = shm.buf[8:16]
        ctx = atomics.atomicview(buffer=buf, atype=INT)
        with ctx as v:
            v.store(-3)
            assert bytes(shm.buf[8:16]) == (-3).to_bytes(8, sys.byteorder, signed=True)
            assert bytes(shm.buf[:8]) == bytes(8) and bytes(shm.buf[16:]) == bytes(48)
        del buf
        # closing while a view exists (the README's Contract) raises
        ctx2 = atomics.atomicview(buffer=shm.buf[16:24], atype=UINT)
        with pytest.raises(BufferError):
            shm.close()
        ctx2.release()
        shm.close()
    finally:
        shm.unlink()


def test_array_exporter():
    arr = array.array("q", [0] * 8)
    off = aligned_offset(arr, 16)
    assert off % 8 == 0
    idx = off // 8
    with atomics.atomicview(buffer=memoryview(arr)[idx:idx + 2], atype=UINT) as v:
        assert v.width == 16
        v.store(2**64 + 5)
        with pytest.raises(BufferError):
            arr.append(1)
    assert arr[idx:idx + 2].tolist() == ([5, 1] if sys.byteorder == "little" else [1, 5])
    assert sum(arr) == 6
    arr.append(1)


@pytest.mark.skipif(np is None, reason="numpy is not installed")
def test_numpy_exporter():
    arr = np.zeros(8, dtype=np.int64)
    for i in range(8):
        with atomics.atomicview(buffer=arr[i:i + 1], atype=INT) as v:
            v.store(-i)
            v.dec()
    assert arr.tolist() == [-i - 1 for i in range(8)]
    arr32 = np.zeros(8, dtype=np.uint32)
    with atomics.atomicview(buffer=arr32[2:4], atype=UINT) as v:
        v.store(0x1_0000_0002)  # low word first on little-endian machines
        with pytest.raises(ValueError):
            arr32.resize(16)
    if sys.byteorder == "little":
        assert arr32.tolist() == [0, 0, 2, 1, 0, 0, 0, 0]
    ro = np.arange(4, dtype=np.int32)
    ro.flags.writeable = False
    with atomics.atomicview(buffer=ro[1:2], atype=INT) as v:
        assert v.readonly and v.load() == 1
        assert v.ops_supported == [OpType.LOAD, OpType.BIT_TEST]


def test_ctypes_exporter():
    import ctypes

    # ctypes aligns arrays to their item's needs only (8 bytes on s390x), so
    # take 16 bytes at a 16-aligned offset of a larger array
    backing = (ctypes.c_uint16 * 16)()
    off = -ctypes.addressof(backing) % 16
    arr = (ctypes.c_uint16 * 8).from_buffer(backing, off)
    with atomics.atomicview(buffer=arr, atype=BYTES) as v:
        v.store(bytes(range(16)))
    assert bytes(arr) == bytes(range(16))


# ---- types of the view ---------------------------------------------------------------


@pytest.mark.parametrize("atype,kwargs,view_type", [
    (INT, {}, AtomicIntView),
    (UINT, {}, AtomicUintView),
    (BYTES, {}, AtomicBytesView),
    (INTEGRAL, {"is_signed": True}, AtomicIntegralView),
    (ANY, {"is_integral": True, "is_signed": False}, AtomicView),
], ids=["INT", "UINT", "BYTES", "INTEGRAL", "ANY"])
def test_view_types(atype, kwargs, view_type):
    ctx = atomics.atomicview(buffer=bytearray(8), atype=atype, **kwargs)
    assert not isinstance(ctx, atomics.ANY)
    with ctx as v:
        assert type(v) is view_type
        assert isinstance(v, atype) and isinstance(v, AtomicView)
        assert v.width == 8 and v.readonly is False


# ---- the lifetime contract ----------------------------------------------------------------


def message(exc_info):
    return str(exc_info.value)


def test_readme_contract_messages():
    buf = bytearray(4)
    ctx = atomics.atomicview(buffer=buf, atype=INT)
    with ctx as a:
        with pytest.raises(ValueError) as e:
            ctx.release()
        assert message(e) == RELEASE_WHILE_OPEN
        with pytest.raises(ValueError) as e:
            ctx.__enter__()
        assert message(e) == OPEN_TWICE
        assert a.load() == 0
    with pytest.raises(ValueError) as e:
        ctx.__enter__()
    assert message(e) == AFTER_RELEASE  # COMPAT: not the "multiple times" of 1.0.3
    buf.extend(b"safe to invalidate now")


def test_enter_after_release():
    ctx = atomics.atomicview(buffer=bytearray(4), atype=INT)
    ctx.release()
    with pytest.raises(ValueError) as e:
        ctx.__enter__()
    assert message(e) == AFTER_RELEASE
    with pytest.raises(ValueError) as e:
        with ctx:
            pass
    assert message(e) == AFTER_RELEASE


def test_release_and_exit_may_be_repeated():
    buf = bytearray(4)
    ctx = atomics.atomicview(buffer=buf, atype=INT)
    ctx.release()
    ctx.release()
    ctx.__exit__(None, None, None)
    ctx.__exit__()
    buf.append(1)
    ctx2 = atomics.atomicview(buffer=buf[:4], atype=INT)
    with ctx2:
        pass
    ctx2.release()
    ctx2.__exit__(None, None, None)


def test_manual_exit_inside_with():
    buf = bytearray(8)
    ctx = atomics.atomicview(buffer=buf, atype=UINT)
    with ctx as v:
        v.store(5)
        ctx.__exit__(None, None, None)  # "as a last resort"
        buf.extend(b"resized inside the with")  # allowed now
        with pytest.raises(ValueError):
            v.load()
        ctx.release()  # not open any more: no error
    # the with statement's own __exit__ ran again, harmlessly
    assert buf[:1] == b"\x05" or buf[7:8] == b"\x05"


def test_exceptions_inside_with_propagate_and_release():
    buf = bytearray(4)
    ctx = atomics.atomicview(buffer=buf, atype=INT)
    with pytest.raises(KeyError):
        with ctx as v:
            raise KeyError("boom")
    buf.append(0)
    with pytest.raises(ValueError):
        v.load()


def view_uses(v):
    """Every use of a view, as callables."""
    uses = [lambda: v.width, lambda: v.readonly, lambda: v.ops_supported]
    if isinstance(v, atomics.INTEGRAL):
        uses += [lambda: v.signed, lambda: int(v)]
    if isinstance(v, atomics.BYTES):
        uses.append(lambda: bytes(v))
    if not isinstance(v, (atomics.INTEGRAL, atomics.BYTES)):
        return uses
    value = bytes(v.width) if isinstance(v, atomics.BYTES) else 0
    names = [n for n in INTEGRAL_OPS if hasattr(v, n)]
    for name in names:
        args = [0 if p == "index" else value for p in VALUE_PARAMS[name]]
        uses.append(lambda name=name, args=args: getattr(v, name)(*args))
    return uses


@pytest.mark.parametrize("atype,kwargs", [
    (INT, {}), (UINT, {}), (BYTES, {}), (INTEGRAL, {"is_signed": False}),
    (ANY, {"is_integral": True, "is_signed": True}),
], ids=["INT", "UINT", "BYTES", "INTEGRAL", "ANY"])
@pytest.mark.parametrize("how", ["with", "exit", "exit-with-exception"])
def test_every_use_of_a_released_view_raises(atype, kwargs, how):
    buf = bytearray(8)
    ctx = atomics.atomicview(buffer=buf, atype=atype, **kwargs)
    if how == "with":
        with ctx as v:
            uses = view_uses(v)
            for use in uses:
                use()  # all fine while open
    else:
        v = ctx.__enter__()
        uses = view_uses(v)
        ctx.__exit__(*((ValueError, ValueError(), None) if "exception" in how else ()))
    buf.extend(b"the memory may be gone")
    for use in uses:
        with pytest.raises(ValueError):
            use()
    # str()/repr() say so instead of raising (COMPAT fix)
    for text in (str(v), repr(v)):
        assert "released" in text and len(text) < 60
    assert "released" in repr(ctx)


def test_deleting_the_view_inside_with_does_not_release():
    buf = bytearray(8)
    with atomics.atomicview(buffer=buf, atype=INT) as v:
        v.store(1)
        del v
        gc.collect()
        with pytest.raises(BufferError):
            buf.append(0)
    buf.append(0)


def test_view_outlives_its_context_object():
    """A view keeps its context alive; only release()/__exit__ ends the export."""
    buf = bytearray(8)

    def open_view():
        return atomics.atomicview(buffer=buf, atype=UINT).__enter__()

    v = open_view()
    gc.collect()
    v.store(7)
    with pytest.raises(BufferError):
        buf.append(0)
    assert v.load() == 7
    del v
    gc.collect()
    buf.append(0)  # the context died with the view and gave the export back


def test_context_never_entered_releases_on_del():
    buf = bytearray(8)
    ctx = atomics.atomicview(buffer=buf, atype=UINT)
    with pytest.raises(BufferError):
        buf.append(0)
    del ctx
    gc.collect()
    buf.append(0)


def test_context_repr():
    ctx = atomics.atomicview(buffer=bytes(4), atype=INT)
    assert repr(ctx) == "<AtomicIntViewContext width=4 readonly=True (not entered)>"
    with ctx:
        assert repr(ctx) == "<AtomicIntViewContext width=4 readonly=True (open)>"
    assert repr(ctx) == "<AtomicIntViewContext width=4 readonly=True (released)>"


# ---- the export is given back exactly once --------------------------------------------------


def scenarios(buf):
    """Ways to use a context on `buf`, each ending with it released."""

    def with_block():
        with atomics.atomicview(buffer=buf, atype=INT) as v:
            v.inc()

    def release_only():
        atomics.atomicview(buffer=buf, atype=INT).release()

    def release_then_del():
        ctx = atomics.atomicview(buffer=buf, atype=INT)
        ctx.release()
        ctx.release()
        del ctx

    def never_used():
        atomics.atomicview(buffer=buf, atype=BYTES)

    def exit_twice():
        ctx = atomics.atomicview(buffer=buf, atype=UINT)
        v = ctx.__enter__()
        ctx.__exit__(None, None, None)
        ctx.__exit__(None, None, None)
        del v

    def view_kept():
        with atomics.atomicview(buffer=buf, atype=INT) as v:
            pass
        return v  # released view kept alive past the block

    def failed_enter():
        ctx = atomics.atomicview(buffer=buf, atype=INT)
        ctx.release()
        try:
            ctx.__enter__()
        except ValueError:
            pass

    def direct_context():
        with AtomicIntViewContext(buffer=buf) as v:
            v.dec()

    return [with_block, release_only, release_then_del, never_used, exit_twice, view_kept,
            failed_enter, direct_context]


@pytest.mark.parametrize("index", range(8))
def test_export_released_exactly_once(index):
    buf = bytearray(8)
    gc.collect()
    baseline = sys.getrefcount(buf)
    kept = [scenarios(buf)[index]() for _ in range(50)]
    gc.collect()
    assert sys.getrefcount(buf) == baseline
    buf.extend(b"resizable again")  # no export left
    del kept


def test_export_released_after_failed_construction():
    buf = bytearray(64)
    baseline = sys.getrefcount(buf)
    off = aligned_offset(buf, 16)
    for bad in (memoryview(buf)[off + 1:off + 5], memoryview(buf)[off:off + 17],
                memoryview(buf)[::2][:8], memoryview(buf)[off:off]):
        with pytest.raises((atomics.exc.AlignmentError, atomics.exc.UnsupportedWidthException,
                            BufferError)):
            atomics.atomicview(buffer=bad, atype=INT)
        bad.release()  # raises BufferError if the context kept an export
    gc.collect()
    assert sys.getrefcount(buf) == baseline
    buf.append(0)


def test_shared_buffer_between_views():
    """Two contexts on the same memory see each other's writes."""
    buf = bytearray(32)
    off = aligned_offset(buf, 16)
    mv = memoryview(buf)[off:off + 8]
    with atomics.atomicview(buffer=mv, atype=INT) as a, \
            atomics.atomicview(buffer=mv, atype=UINT) as b:
        a.store(-1)
        assert b.load() == 2**64 - 1
        b.fetch_add(2)
        assert a.load() == 1
    mv.release()
    buf.append(0)


def test_owned_address_checked_with_alignment():
    """Alignment.is_valid agrees with what atomicview accepts."""
    buf = bytearray(64)
    base = address_of(buf)
    for width in WIDTHS:
        al = Alignment(width)
        for off in range(0, 32):
            mv = memoryview(buf)[off:off + width]
            ok = al.is_valid(mv)
            assert ok == ((base + off) % al.recommended == 0)
            try:
                with atomics.atomicview(buffer=mv, atype=UINT):
                    accepted = True
            except atomics.exc.AlignmentError:
                accepted = False
            assert accepted == ok
            mv.release()
