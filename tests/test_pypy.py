"""What works on PyPy, and what is refused there and how.

PyPy's C-API emulation (cpyext) gives a writable pointer on request, but it
does not hold the exporter's memory in place while the export lives: a
bytearray can be resized and an mmap closed under a view. A view of a
writable buffer could then write into freed memory, so every way to a view
(atomicview(), the view context classes) refuses writable buffers on PyPy
with a BufferError that says so; views of read-only buffers and owned
objects (atomic()) work, and Alignment, which only reads an address, takes
any buffer."""
import array
import ctypes
import mmap
import platform

import pytest

import atomics

pytestmark = pytest.mark.skipif(platform.python_implementation() != "PyPy",
                                reason="PyPy-only behaviour")

WRITABLE = {
    "bytearray": lambda: bytearray(8),
    "memoryview": lambda: memoryview(bytearray(8)),
    "array": lambda: array.array("q", [0]),
    "mmap": lambda: mmap.mmap(-1, 8),
    "ctypes": lambda: (ctypes.c_int64 * 1)(),
}


REFUSED = "writable buffers .* are not supported on PyPy"


@pytest.mark.parametrize("kind", sorted(WRITABLE))
def test_views_of_writable_buffers_are_refused(kind):
    with pytest.raises(BufferError, match=REFUSED):
        atomics.atomicview(WRITABLE[kind](), atype=atomics.INT)
    # the context classes take the same path
    with pytest.raises(BufferError, match="not supported on PyPy"):
        atomics.ctx.AtomicIntViewContext(buffer=WRITABLE[kind]())


def test_every_way_to_a_view_refuses_writable_buffers():
    with pytest.raises(BufferError, match=REFUSED):
        atomics.ctx.AtomicIntViewContext(buffer=bytearray(4))
    # an alignment check only reads the address
    assert atomics.Alignment(1).is_valid(bytearray(1))


def test_cmpxchg_result_takes_negative_indices():
    r = atomics.atomic(width=4, atype=atomics.INT).cmpxchg_strong(0, 5)
    assert r[-1] == 0 and r[-2] is True
    with pytest.raises(IndexError):
        r[-3]


def test_views_of_readonly_buffers_read():
    data = (0x01020304).to_bytes(4, "little")
    for offset in range(4):  # PyPy's bytes data need not be 4-aligned
        buf = memoryview(b"\0" * offset + data)[offset:]
        try:
            ctx = atomics.atomicview(buf, atype=atomics.UINT)
            with ctx as v:
                assert v.readonly
                assert v.load() == int.from_bytes(data, "little")
                with pytest.raises(atomics.exc.UnsupportedOperationException):
                    v.store(5)
            return
        except atomics.exc.AlignmentError:
            continue
    pytest.fail("no 4-aligned offset among four")


@pytest.mark.parametrize("width", [1, 2, 4, 8, 16, 3])
def test_owned_objects_work(width):
    a = atomics.atomic(width=width, atype=atomics.UINT)
    a.store(5)
    assert a.fetch_add(3) == 5
    assert a.exchange(1) == 8
    assert a.cmpxchg_strong(1, 2).success
    assert a.load() == 2
