"""Whole-batch operations of integral arrays (src/ext/batch.c): add_at ...
min_at, fetch_*_at, the bulk bit operations, load_all/store_all/fill and
tolist(), against a plain Python model of the elements, for every width,
signed and unsigned, in the three placements (an array over a buffer of its
own, one at an offset into a user's buffer, one in shared memory); the
inputs they take (buffers of every integer format and byte order, strided,
sequences, ranges, scalars); every bad input, with the exact exception and
nothing changed; exactness when threads and processes share an array."""
import array
import gc
import mmap
import multiprocessing
import os
import platform
import random
import threading
from collections import Counter

import pytest

import atomics
from atomics import INT, UINT, MemoryOrder
from atomics.exc import AlignmentError, MemoryOrderError, UnsupportedOperationException

try:
    import numpy as np
except ImportError:  # the test extra installs it on CPython only
    np = None

needs_numpy = pytest.mark.skipif(np is None, reason="numpy is not installed")
needs_shm = pytest.mark.skipif(not os.path.isdir("/dev/shm"), reason="arenas need POSIX shared memory")
PYPY = platform.python_implementation() == "PyPy"

WIDTHS = [w for w in (1, 2, 4, 8, 16) if atomics.atomic(w, atomics.BYTES).ops_supported]
PLACEMENTS = ["own", "view", "shared"]
N = 12  # elements per array in the model tests
GUARD = 16  # bytes before and after a "view" placement, checked untouched

BINARY = ["add", "sub", "and", "or", "xor", "max", "min"]
BITS = ["bit_set", "bit_reset", "bit_compl"]
BIT_FETCH = ["bit_test", "bit_test_set", "bit_test_reset", "bit_test_compl"]


def aligned(nbytes, align=16):
    """A writable memoryview of nbytes starting at a multiple of align."""
    raw = bytearray(nbytes + align)
    from ctypes import addressof, c_char
    skip = -addressof(c_char.from_buffer(raw)) % align
    return memoryview(raw)[skip:skip + nbytes]


class Placed:
    """An array of n elements in one placement, and what lies beside it."""

    def __init__(self, placement, n, width, signed):
        atype = INT if signed else UINT
        self.buf = None
        if placement == "own":
            self.arr = atomics.atomicarray(aligned(n * width), width, atype)
        elif placement == "view":
            self.buf = mmap.mmap(-1, n * width + 2 * GUARD)
            self.buf[:] = b"\xa5" * len(self.buf)
            self.arr = atomics.atomicarray(self.buf, width, atype, offset=GUARD, length=n)
        else:
            if not os.path.isdir("/dev/shm"):
                pytest.skip("arenas need POSIX shared memory")
            self.arr = atomics.shared_array(n, width, atype)
        assert len(self.arr) == n

    def guards_intact(self):
        return self.buf is None or (self.buf[:GUARD] == b"\xa5" * GUARD
                                    and self.buf[-GUARD:] == b"\xa5" * GUARD)


class Model:
    """The elements as Python ints, with the array's wrap-around."""

    def __init__(self, n, width, signed):
        self.bits, self.signed = 8 * width, signed
        self.v = [0] * n

    def wrap(self, x):
        x &= (1 << self.bits) - 1
        return x - (1 << self.bits) if self.signed and x >> (self.bits - 1) else x

    def lo_hi(self):
        if self.signed:
            return -(1 << (self.bits - 1)), (1 << (self.bits - 1)) - 1
        return 0, (1 << self.bits) - 1

    def apply(self, op, i, x):
        old = self.v[i]
        new = {"add": old + x, "sub": old - x, "and": old & x, "or": old | x, "xor": old ^ x,
               "max": max(old, x), "min": min(old, x)}[op]
        self.v[i] = self.wrap(new)
        return old

    def bit(self, op, b):
        i, k = divmod(b, self.bits)
        u = self.v[i] & ((1 << self.bits) - 1)
        old = (u >> k) & 1
        if op.endswith("reset"):
            u &= ~(1 << k)
        elif op.endswith("set"):
            u |= 1 << k
        elif op.endswith("compl"):
            u ^= 1 << k
        self.v[i] = self.wrap(u)
        return old


def random_values(rng, model, count):
    lo, hi = model.lo_hi()
    edges = [lo, hi, 0, 1, lo + 1, hi - 1]
    return [rng.choice(edges) if rng.random() < 0.3 else rng.randint(lo, hi) for _ in range(count)]


def filled(placement, n, width, signed, seed):
    """An array and its model, both holding the same random values."""
    rng = random.Random(seed)
    p = Placed(placement, n, width, signed)
    m = Model(n, width, signed)
    m.v = random_values(rng, m, n)
    p.arr.store_all(m.v)
    assert p.arr.tolist() == m.v
    return p, m, rng


def random_indexes(rng, n, count):
    """With repeats, and negative ones counting from the end."""
    idx = [rng.randrange(n) for _ in range(count)]
    idx += [idx[0], idx[0], idx[-1]]  # certainly repeated
    return [i - n if rng.random() < 0.25 else i for i in idx]


COMBOS = [(w, s, p) for w in WIDTHS for s in (True, False) for p in PLACEMENTS]
COMBO_IDS = [f"{w}-{'s' if s else 'u'}-{p}" for w, s, p in COMBOS]


# ---- every operation against the model ------------------------------------------------------

@pytest.mark.parametrize("width,signed,placement", COMBOS, ids=COMBO_IDS)
@pytest.mark.parametrize("op", BINARY)
def test_indexed_ops_match_model(op, width, signed, placement):
    p, m, rng = filled(placement, N, width, signed, hash((op, width, signed, placement)) & 0xFFFF)
    arr = p.arr
    # values one per index, then one value for all
    idx = random_indexes(rng, N, 40)
    vals = random_values(rng, m, len(idx))
    assert getattr(arr, f"{op}_at")(idx, vals) is None
    for i, x in zip(idx, vals):
        m.apply(op, i, x)
    assert arr.tolist() == m.v
    x = random_values(rng, m, 1)[0]
    getattr(arr, f"{op}_at")(idx, x, MemoryOrder.RELAXED)
    for i in idx:
        m.apply(op, i, x)
    assert arr.tolist() == m.v
    # fetch_*_at: the old value each one saw, in batch order
    idx = random_indexes(rng, N, 30)
    vals = random_values(rng, m, len(idx))
    got = getattr(arr, f"fetch_{op}_at")(idx, values=vals, order=MemoryOrder.ACQ_REL)
    want = [m.apply(op, i, x) for i, x in zip(idx, vals)]
    assert list(got) == want
    assert arr.tolist() == m.v
    assert p.guards_intact()


@pytest.mark.parametrize("width,signed,placement", COMBOS, ids=COMBO_IDS)
@pytest.mark.parametrize("op", BINARY)
def test_long_batches_match_model(op, width, signed, placement):
    """Batches of 256 or more, at least as long as the array: add_at ... min_at
    merge the values per element first, then make one atomic operation per
    element touched. The elements end as with one operation per index."""
    p, m, rng = filled(placement, N, width, signed, hash((op, width, signed)) & 0xFFFF)
    arr = p.arr
    for form in ("list", "buffer", "scalar"):
        idx = random_indexes(rng, N - 2, 600)  # two elements never touched
        if form == "scalar":
            vals = random_values(rng, m, 1)[0]
            getattr(arr, f"{op}_at")(array.array("q", idx), vals)
            for i in idx:
                m.apply(op, i, vals)
        else:
            vals = random_values(rng, m, len(idx))
            if form == "buffer" and width <= 8:
                lo, _ = m.lo_hi()
                code = {1: "b", 2: "h", 4: "i", 8: "q"}[width]
                vals_in = array.array(code if signed else code.upper(), vals)
            else:
                vals_in = vals
            getattr(arr, f"{op}_at")(idx, vals_in)
            for i, x in zip(idx, vals):
                m.apply(op, i, x)
        assert arr.tolist() == m.v, form
    # all or nothing on this path too
    before = arr.tolist()
    with pytest.raises(IndexError, match=r"indexes\[599\] = 12 is out of range"):
        getattr(arr, f"{op}_at")([0] * 599 + [N], 1)
    if width < 8:
        _, hi = m.lo_hi()
        with pytest.raises(OverflowError, match=r"values\[599\] = %d does not fit" % (hi + 1)):
            getattr(arr, f"{op}_at")([0] * 600, array.array("q", [1] * 599 + [hi + 1]))
    assert arr.tolist() == before
    assert p.guards_intact()


@pytest.mark.parametrize("width,signed,placement", COMBOS, ids=COMBO_IDS)
def test_add_and_sub_default_to_one(width, signed, placement):
    p, m, rng = filled(placement, N, width, signed, width)
    idx = random_indexes(rng, N, 20)
    p.arr.add_at(idx)
    p.arr.sub_at(idx[:5])
    old = p.arr.fetch_add_at(idx[:3])
    old2 = p.arr.fetch_sub_at(idx[:3])
    want = []
    for i in idx:
        m.apply("add", i, 1)
    for i in idx[:5]:
        m.apply("sub", i, 1)
    want = [m.apply("add", i, 1) for i in idx[:3]]
    want2 = [m.apply("sub", i, 1) for i in idx[:3]]
    assert list(old) == want and list(old2) == want2
    assert p.arr.tolist() == m.v


@pytest.mark.parametrize("width,signed,placement", COMBOS, ids=COMBO_IDS)
def test_bit_ops_match_model(width, signed, placement):
    p, m, rng = filled(placement, N, width, signed, 7 * width)
    arr, nbits = p.arr, N * 8 * width
    for op in BITS + BIT_FETCH:
        bits = [rng.randrange(nbits) for _ in range(25)] + [0, nbits - 1, -1, -nbits]
        bits += bits[:3]  # repeats
        got = getattr(arr, f"{op}_at")(bits)
        want = [m.bit(op, b % nbits) for b in bits]
        if op in BITS:
            assert got is None
        else:
            assert isinstance(got, array.array) and got.typecode == "B"
            assert list(got) == want, op
        assert arr.tolist() == m.v, op
    assert p.guards_intact()


@pytest.mark.parametrize("width,signed,placement", COMBOS, ids=COMBO_IDS)
def test_load_all_store_all_fill(width, signed, placement):
    p, m, rng = filled(placement, N, width, signed, 3 * width)
    arr = p.arr
    got = arr.load_all()
    if width == 16:
        assert isinstance(got, list)
    else:
        assert isinstance(got, array.array)
        assert got.itemsize == width and (got.typecode.islower() == signed)
    assert list(got) == m.v == arr.tolist() == list(arr)
    assert list(arr.load_all(MemoryOrder.ACQUIRE)) == m.v
    new = random_values(rng, m, N)
    assert arr.store_all(new, MemoryOrder.RELEASE) is None
    assert arr.tolist() == new
    arr.store_all(tuple(reversed(new)))
    assert arr.tolist() == new[::-1]
    lo, hi = m.lo_hi()
    for x in (lo, hi, 0):
        assert arr.fill(x) is None
        assert arr.tolist() == [x] * N
    arr.fill(value=5, order=MemoryOrder.RELAXED)
    assert arr.tolist() == [5] * N
    assert p.guards_intact()


def test_empty_batches_and_empty_arrays():
    arr = atomics.atomicarray(aligned(32), 8, INT)
    arr.add_at([])
    assert list(arr.fetch_add_at([], 1)) == [] and list(arr.bit_test_set_at([])) == []
    assert arr.tolist() == [0] * 4
    empty = atomics.atomicarray(aligned(16), 8, INT, length=0)
    assert list(empty.load_all()) == [] and empty.tolist() == []
    empty.store_all([])
    empty.fill(3)
    with pytest.raises(IndexError):
        empty.add_at([0])


def test_large_batches_release_the_gil_and_stay_exact():
    """Batches of 2048 elements and more run the loop without the GIL."""
    n = 64
    arr = atomics.atomicarray(aligned(n * 8), 8, INT)
    rng = random.Random(5)
    idx = array.array("q", (rng.randrange(-n, n) for _ in range(50_000)))
    arr.add_at(idx, 3)
    want = Counter(i % n for i in idx)
    assert arr.tolist() == [3 * want[i] for i in range(n)]
    old = arr.fetch_sub_at(idx, 1)
    assert len(old) == len(idx)
    assert arr.tolist() == [2 * want[i] for i in range(n)]
    bad = array.array("q", idx)
    bad[-1] = n
    before = arr.tolist()
    with pytest.raises(IndexError, match=r"indexes\[49999\] = 64 is out of range for 64 "
                                         r"elements \(nothing was changed\)"):
        arr.add_at(bad)
    assert arr.tolist() == before
    big = atomics.atomicarray(aligned(4096 * 8), 8, UINT)
    big.store_all(range(4096))
    assert list(big.load_all()) == list(range(4096))
    big.fill(7)
    assert set(big.tolist()) == {7}


# ---- the inputs ------------------------------------------------------------------------------

def int8_array(n=8):
    return atomics.atomicarray(aligned(n * 8), 8, INT)


def test_sequences_ranges_tuples_iterables():
    arr = int8_array()
    arr.add_at(range(0, 8, 2), range(4))
    arr.add_at((1, -1), [10, 20])
    arr.add_at(iter([3, 3]), (1, 1))
    arr.add_at([True, False])  # bools are ints
    assert arr.tolist() == [1, 11, 1, 2, 2, 0, 3, 20]


def test_index_like_objects():
    class Idx:
        def __init__(self, v):
            self.v = v

        def __index__(self):
            return self.v

    arr = int8_array()
    arr.add_at([Idx(2), Idx(-1)], [Idx(5), 6])
    arr.fill(Idx(4))
    assert arr.tolist() == [4] * 8


@pytest.mark.parametrize("code", list("bBhHiIlLqQ"))
def test_array_array_of_every_code(code):
    arr = int8_array()
    arr.add_at(array.array(code, [1, 2, 2, 7]), array.array(code, [1, 2, 3, 4]))
    assert arr.tolist() == [0, 1, 5, 0, 0, 0, 0, 4]
    arr.store_all(array.array(code, range(8)))
    assert arr.tolist() == list(range(8))


def test_memoryview_casts_and_strides():
    arr = int8_array()
    raw = bytearray(array.array("i", [1, 100, 3, 100, 5, 100]).tobytes())
    idx = memoryview(raw).cast("i")[::2]  # strided: 1, 3, 5
    arr.add_at(idx, memoryview(bytearray(array.array("H", [7, 8, 9]).tobytes())).cast("H"))
    arr.add_at(memoryview(raw).cast("i")[-2::-2], 1)  # negative stride: 5, 3, 1
    assert arr.tolist() == [0, 8, 0, 9, 0, 10, 0, 0]
    with pytest.raises(IndexError, match=r"indexes\[0\] = 100"):
        arr.add_at(memoryview(raw).cast("i")[::-2])


@needs_numpy
@pytest.mark.parametrize("dtype", ["i1", "u1", "<i2", ">i2", "<u2", ">u2", "<i4", ">i4", "<u4",
                                   ">u4", "<i8", ">i8", "<u8", ">u8"])
def test_numpy_inputs_of_every_dtype_and_byte_order(dtype):
    arr = int8_array()
    idx = np.array([1, 2, 2, 7, 0], dtype=dtype)
    vals = np.array([1, 2, 3, 4, 5], dtype=dtype)
    arr.add_at(idx, vals)
    assert arr.tolist() == [5, 1, 5, 0, 0, 0, 0, 4]
    old = arr.fetch_add_at(idx, 1, out=np.zeros(5, dtype=">i8"))
    assert list(old) == [1, 5, 6, 4, 5]
    arr.store_all(np.arange(8, dtype=dtype)[::-1])
    assert arr.tolist() == list(range(7, -1, -1))
    out = np.zeros(8, dtype=">i8" if dtype.startswith("<") else "<i8")
    assert arr.load_all(out=out) is out and list(out) == list(range(7, -1, -1))
    if dtype.lstrip("<>")[0] == "i":
        arr.sub_at(np.array([-1, -8], dtype=dtype), np.array([-1, -2], dtype=dtype))
        assert arr.tolist()[0] == 7 + 2 and arr.tolist()[-1] == 1


@needs_numpy
def test_numpy_strided_and_scalars():
    arr = int8_array()
    base = np.arange(32, dtype=">i4")
    arr.add_at(base[::4] // 4, base[1::4])  # indexes 0..7, values 1, 5, 9...
    assert arr.tolist() == list(range(1, 32, 4))
    arr.add_at(np.arange(8)[::-1], np.int16(-1))  # a numpy scalar broadcasts
    assert arr.tolist() == list(range(0, 31, 4))
    arr.fill(np.uint8(9))
    arr.add_at(np.array([3], dtype=np.int64), np.array(2))  # a 0-d array is one value
    assert arr.tolist() == [9, 9, 9, 11, 9, 9, 9, 9]
    out = np.zeros(16, dtype=np.int64)[::2]
    arr.fetch_add_at(np.arange(8), 0, out=out)
    assert list(out) == arr.tolist()
    bits = arr.bit_test_at(np.array([0, 1, 3 * 64 + 1], dtype=np.uint16), out=np.zeros(3, "u1"))
    assert list(bits) == [1, 0, 1]
    with pytest.raises(TypeError):
        arr.add_at(np.int64(3))  # one element: the element operation


def test_out_buffers():
    arr = atomics.atomicarray(aligned(4), 1, INT)
    arr.store_all([-3, 5, -128, 127])
    out = array.array("h", [0] * 4)
    assert arr.fetch_add_at([0, 1, 2, 3], 0, out=out) is out
    assert list(out) == [-3, 5, -128, 127]
    assert list(arr.load_all(out=array.array("q", [0] * 4))) == [-3, 5, -128, 127]
    u = atomics.atomicarray(aligned(4), 1, UINT)
    u.store_all([255, 0, 1, 2])
    for code in "BhHiq":  # every item that holds 0..255
        got = u.load_all(out=array.array(code, [0] * 4))
        assert list(got) == [255, 0, 1, 2]
    bits = u.bit_test_at([0, 8, 7], out=array.array("q", [9, 9, 9]))
    assert list(bits) == [1, 0, 1]


# ---- bad input: the exact exception, and nothing changed -------------------------------------

@pytest.fixture
def target():
    p = Placed("view", 8, 8, True)
    p.arr.store_all(range(10, 18))
    yield p
    assert p.arr.tolist() == list(range(10, 18)), "something was changed"
    assert p.guards_intact()


def single(name):
    """The element operation a batch operation repeats."""
    base = name[:-3]
    return {"and": "bin_and", "or": "bin_or", "xor": "bin_xor", "fetch_and": "bin_fetch_and",
            "fetch_or": "bin_fetch_or", "fetch_xor": "bin_fetch_xor"}.get(base, base)


WRITERS = ["add_at", "sub_at", "and_at", "or_at", "xor_at", "max_at", "min_at", "fetch_add_at",
           "fetch_sub_at", "fetch_and_at", "fetch_or_at", "fetch_xor_at", "fetch_max_at",
           "fetch_min_at"]


@pytest.mark.parametrize("name", WRITERS)
def test_bad_indexes(target, name):
    f = getattr(target.arr, name)
    msg = r"is out of range for 8 elements \(nothing was changed\)"
    with pytest.raises(IndexError, match=r"indexes\[3\] = 8 " + msg):
        f([0, 1, 2, 8], 1)
    with pytest.raises(IndexError, match=r"indexes\[1\] = -9 " + msg):
        f([7, -9], 1)
    with pytest.raises(IndexError, match=r"indexes\[0\] = 18446744073709551615 " + msg):
        f(array.array("Q", [2**64 - 1]), 1)
    with pytest.raises(IndexError):
        f([2**70], 1)
    with pytest.raises(TypeError, match="must be an int, not float"):
        f([0, 1.0], 1)
    with pytest.raises(TypeError, match="'indexes' must be an int, not str"):
        f([0, "1"], 1)
    with pytest.raises(TypeError, match=r"indexes must hold integers \(buffer format 'd'"):
        f(array.array("d", [0.0]), 1)
    with pytest.raises(TypeError, match="indexes must be a buffer or a sequence of ints, not int"):
        f(3, 1)
    with pytest.raises(TypeError, match="not str"):
        f("01", 1)
    with pytest.raises(TypeError, match="not NoneType"):
        f(None, 1)
    with pytest.raises(ValueError, match="3 values for 2 indexes"):
        f([0, 1], [1, 2, 3])
    with pytest.raises(ValueError, match="1 values for 2 indexes"):
        f([0, 1], array.array("q", [1]))


@needs_numpy
def test_bad_numpy_indexes(target):
    arr = target.arr
    for bad in (np.array([0.0, 1.0]), np.array([0, 1], dtype=object), np.array([True]),
                np.array([1 + 0j]), np.array(["a"])):
        with pytest.raises(TypeError, match="indexes must hold integers"):
            arr.add_at(bad)
    with pytest.raises(ValueError, match="indexes must be one-dimensional, not 2-dimensional"):
        arr.add_at(np.zeros((2, 2), dtype=np.int64))
    with pytest.raises(TypeError, match="values must hold integers"):
        arr.add_at([0], np.array([1.5]))
    with pytest.raises(IndexError, match=r"indexes\[2\] = -9 is out of range"):
        arr.add_at(np.array([0, 1, -9], dtype=">i2"))


@pytest.mark.parametrize("width,signed", [(w, s) for w in WIDTHS for s in (True, False)])
def test_values_out_of_range(width, signed):
    p = Placed("own", 4, width, signed)
    m = Model(4, width, signed)
    lo, hi = m.lo_hi()
    p.arr.store_all([1, 2, 3, 4])
    for name in ("add_at", "fetch_or_at", "max_at"):
        f = getattr(p.arr, name)
        for bad in (lo - 1, hi + 1):
            # the same exception as the element operation's
            one = getattr(p.arr, single(name))
            with pytest.raises(Exception) as e1:
                one(0, bad)
            with pytest.raises(type(e1.value)):
                f([0, 1], bad)
            with pytest.raises(type(e1.value)):
                f([0, 1], [1, bad])
        if width < 8:  # a buffer of 8-byte ints holds values out of range
            kind = "signed" if signed else "unsigned"
            for bad in (lo - 1, hi + 1):
                with pytest.raises(OverflowError, match=r"values\[1\] = %d does not fit a "
                                   r"%d-byte %s element \(nothing was changed\)" % (bad, width, kind)):
                    f([0, 1], array.array("q", [1, bad]))
    if not signed:
        with pytest.raises(OverflowError, match=r"values\[0\] = -1 does not fit"):
            p.arr.add_at([0], array.array("b", [-1]))
        with pytest.raises(OverflowError):
            p.arr.store_all(array.array("b", [1, 2, -3, 4]))
    assert p.arr.tolist() == [1, 2, 3, 4]
    p.arr.store_all([lo, hi, lo, hi])  # the extremes themselves fit
    assert p.arr.tolist() == [lo, hi, lo, hi]


def test_bad_bits(target):
    arr = target.arr
    with pytest.raises(IndexError, match=r"bits\[1\] = 512 is out of range for 512 bits "
                                         r"\(nothing was changed\)"):
        arr.bit_set_at([0, 512])
    with pytest.raises(IndexError, match=r"bits\[0\] = -513"):
        arr.bit_test_compl_at([-513])
    with pytest.raises(TypeError):
        arr.bit_reset_at([1.5])
    with pytest.raises(TypeError):
        arr.bit_set_at([1], values=2)  # no values
    with pytest.raises(ValueError, match="out has 1 items for 2 results"):
        arr.bit_test_set_at([0, 1], out=array.array("B", [0]))


def test_bad_store_all_and_fill(target):
    arr = target.arr
    with pytest.raises(ValueError, match="7 values for 8 elements"):
        arr.store_all(range(7))
    with pytest.raises(ValueError, match="9 values for 8 elements"):
        arr.store_all(array.array("q", range(9)))
    with pytest.raises(TypeError, match="fill\\(value\\) stores one value everywhere"):
        arr.store_all(5)
    if np is not None:  # a numpy scalar or 0-d array is one value too (a regression:
        # numpy arrays have __index__, and store_all refused every one of them)
        for one in (np.int64(5), np.array(5)):
            with pytest.raises(TypeError, match="fill\\(value\\)"):
                arr.store_all(one)
    with pytest.raises(OverflowError):
        arr.store_all([0] * 7 + [2**63])
    with pytest.raises(TypeError):
        arr.store_all([0] * 7 + [1.0])
    with pytest.raises(OverflowError):
        arr.fill(2**63)
    with pytest.raises(TypeError):
        arr.fill([1])
    with pytest.raises(TypeError):
        arr.fill(None)


def test_bad_orders(target):
    arr = target.arr
    with pytest.raises(MemoryOrderError):
        arr.load_all(MemoryOrder.RELEASE)
    with pytest.raises(MemoryOrderError):
        arr.load_all(order=MemoryOrder.ACQ_REL)
    with pytest.raises(MemoryOrderError):
        arr.store_all(range(8), MemoryOrder.ACQUIRE)
    with pytest.raises(MemoryOrderError):
        arr.fill(0, MemoryOrder.ACQ_REL)
    with pytest.raises(MemoryOrderError):
        arr.bit_test_at([0], MemoryOrder.RELEASE)
    with pytest.raises(TypeError):
        arr.add_at([0], 1, "seq_cst")
    with pytest.raises(TypeError):
        arr.add_at([0], 1, order=5.0)


def test_bad_arguments(target):
    arr = target.arr
    with pytest.raises(TypeError):
        arr.and_at([0])  # and_at has no default value
    with pytest.raises(TypeError):
        arr.add_at()
    with pytest.raises(TypeError):
        arr.add_at([0], 1, MemoryOrder.SEQ_CST, None)  # no out= for add_at
    with pytest.raises(TypeError):
        arr.add_at([0], nonsense=1)
    with pytest.raises(TypeError):
        arr.load_all(MemoryOrder.SEQ_CST, None, None)


def test_bad_out(target):
    arr = target.arr
    with pytest.raises(ValueError, match="out has 1 items for 2 results"):
        arr.fetch_add_at([0, 1], 1, out=array.array("q", [0]))
    with pytest.raises(TypeError, match=r"out's items \(4 bytes, signed\) cannot hold every "
                                        r"8-byte signed value"):
        arr.fetch_add_at([0, 1], 1, out=array.array("i", [0, 0]))
    with pytest.raises(TypeError, match=r"out's items \(8 bytes, unsigned\)"):
        arr.load_all(out=array.array("Q", [0] * 8))
    with pytest.raises(TypeError, match="out must hold integers"):
        arr.load_all(out=array.array("d", [0] * 8))
    with pytest.raises(BufferError):
        arr.load_all(out=bytes(64))  # read-only
    with pytest.raises(TypeError, match="out must be a writable buffer of integers, not list"):
        arr.load_all(out=[0] * 8)


def test_out_may_not_hold_signed_values_in_unsigned_items():
    """A regression: wider unsigned items were taken for signed elements
    (-3 from a 1-byte element came back as 65533)."""
    arr = atomics.atomicarray(aligned(2), 1, INT)
    arr.store_all([-3, 4])
    for code in "BHIQ":
        with pytest.raises(TypeError, match=r"out's items .* cannot hold every 1-byte signed"):
            arr.fetch_add_at([0, 1], 0, out=array.array(code, [0, 0]))
        with pytest.raises(TypeError):
            arr.load_all(out=array.array(code, [0, 0]))
    assert list(arr.load_all(out=array.array("h", [0, 0]))) == [-3, 4]
    u = atomics.atomicarray(aligned(2), 1, UINT)
    u.store_all([200, 4])
    assert list(u.load_all(out=array.array("h", [0, 0]))) == [200, 4]
    with pytest.raises(TypeError):
        u.load_all(out=array.array("b", [0, 0]))


def test_out_overlapping_the_array_or_the_inputs(target):
    arr, buf = target.arr, target.buf
    own = memoryview(buf)[GUARD:GUARD + 64].cast("q")
    with pytest.raises(ValueError, match="out must not share memory with the array, the "
                                         "indexes or the values"):
        arr.fetch_add_at([0, 1], 1, out=own[2:4])
    with pytest.raises(ValueError, match="out must not share memory"):
        arr.load_all(out=own)
    idx = array.array("q", [0, 1])
    with pytest.raises(ValueError, match="out must not share memory"):
        arr.fetch_add_at(idx, 1, out=idx)
    vals = array.array("q", [1, 1])
    with pytest.raises(ValueError, match="out must not share memory"):
        arr.fetch_xor_at(idx, vals, out=vals)
    with pytest.raises(ValueError, match="out must not share memory"):
        arr.bit_test_set_at(idx, out=idx)
    del own


def test_inputs_in_the_arrays_own_memory_are_read_as_they_were():
    """An index or value buffer that is the array's own memory is copied
    first: the batch uses what it held at the call."""
    buf = aligned(64)
    arr = atomics.atomicarray(buf, 8, INT)
    arr.store_all([3, 0, 1, 1, 5, 6, 7, 2])
    own = buf.cast("q")
    arr.add_at(own, own)  # element own[k] += own[k], with the values of the call
    m = [3, 0, 1, 1, 5, 6, 7, 2]
    want = list(m)
    for i, x in zip(m, m):
        want[i] += x
    assert arr.tolist() == want
    before = arr.tolist()
    arr.store_all(own[::-1])
    assert arr.tolist() == before[::-1]
    # each index read from the copy, not from elements the batch changed
    arr.store_all([1, 1, 0, 0, 0, 0, 0, 0])
    arr.add_at(own[:3])
    assert arr.tolist() == [2, 3, 0, 0, 0, 0, 0, 0]
    old = arr.fetch_add_at(own[:2], own[1:3], out=array.array("q", [0, 0]))
    assert list(old) == [0, 0] and arr.tolist() == [2, 3, 3, 0, 0, 0, 0, 0]
    del own


def test_readonly_arrays_refuse_writes_and_allow_reads():
    """A regression: the refusal once crashed (a stand-in object of the
    wrong type was passed to the exception's helper)."""
    data = array.array("q", [1, 2, 3, -4]).tobytes()
    # bytes promise no alignment of their data (PyPy's sit at 4 mod 8): copy
    # the values to an 8-aligned read-only window of a larger bytes object.
    for skew in range(8):
        room = bytes(skew) + data + bytes(8 - skew)
        window = memoryview(room)[skew:skew + len(data)]
        try:
            arr = atomics.atomicarray(window, 8, INT)
            break
        except AlignmentError:
            continue
    else:
        pytest.fail("no 8-aligned window in 16 spare bytes")
    data = window
    assert arr.readonly
    for name in WRITERS:
        args = ([0], 1)
        with pytest.raises(UnsupportedOperationException) as e:
            getattr(arr, name)(*args)
        with pytest.raises(type(e.value)) as e1:
            getattr(arr, single(name))(0, 1)
        assert str(e.value) == str(e1.value)
    for name in ("bit_set_at", "bit_reset_at", "bit_compl_at", "bit_test_set_at",
                 "bit_test_reset_at", "bit_test_compl_at"):
        with pytest.raises(UnsupportedOperationException, match="readonly"):
            getattr(arr, name)([0])
    with pytest.raises(UnsupportedOperationException, match="STORE"):
        arr.store_all([0] * 4)
    with pytest.raises(UnsupportedOperationException, match="STORE"):
        arr.fill(0)
    assert list(arr.load_all()) == [1, 2, 3, -4] == arr.tolist()
    assert list(arr.bit_test_at([0, 1, 64, 255])) == [1, 0, 0, 1]
    assert data == array.array("q", [1, 2, 3, -4]).tobytes()


def test_16_byte_elements_take_no_out():
    if 16 not in WIDTHS:
        pytest.skip("no 16-byte atomics here")
    arr = atomics.atomicarray(aligned(64), 16, UINT)
    with pytest.raises(TypeError, match="out= needs elements of 8 bytes or less"):
        arr.fetch_add_at([0], 1, out=array.array("Q", [0]))
    with pytest.raises(TypeError, match="out= needs elements of 8 bytes or less"):
        arr.load_all(out=array.array("Q", [0] * 4))
    arr.add_at([0, 0], [2**127, 2**127 - 1])
    assert arr.fetch_add_at([0], 1) == [2**128 - 1]
    assert arr.tolist() == [0, 0, 0, 0]
    arr.add_at(array.array("Q", [1]), array.array("Q", [2**64 - 1]))  # 64-bit inputs widen
    assert arr[1] == 2**64 - 1


def test_a_list_shrinking_under_index_is_safe():
    """A regression: a list was read in place while __index__ of one of its
    items could empty it (a read past its end)."""
    arr = int8_array()
    items = []

    class Shrink:
        def __index__(self):
            items.clear()
            return 0

    items.extend([Shrink()] + [object()] * 1000)
    with pytest.raises(TypeError, match="must be an int, not object"):
        arr.add_at(items)
    values = [Shrink(), 1]
    items.extend(values)
    arr.add_at([2, 3], values)  # values: the same, converted from a copy
    assert arr.tolist() == [0, 0, 0, 1, 0, 0, 0, 0]
    values = [Shrink()] + [object()] * 1000
    items = values
    with pytest.raises(TypeError):
        arr.add_at([0] * 1001, values)
    assert arr.tolist() == [0, 0, 0, 1, 0, 0, 0, 0]


def test_exports_are_given_back():
    """Every input and out= buffer is released at the end of the call, also
    after an error: the bytearrays behind them can be resized again."""
    arr = int8_array()
    idx = bytearray(array.array("q", [0, 1]).tobytes())
    vals = bytearray(array.array("q", [5, 6]).tobytes())
    out = bytearray(16)
    arr.fetch_add_at(memoryview(idx).cast("q"), memoryview(vals).cast("q"),
                     out=memoryview(out).cast("q"))
    with pytest.raises(IndexError):
        arr.fetch_add_at(memoryview(idx).cast("q").tolist() + [99], 1)
    bad = bytearray(array.array("q", [0, 99]).tobytes())
    with pytest.raises(IndexError):
        arr.add_at(memoryview(bad).cast("q"), memoryview(vals).cast("q"))
    gc.collect()
    for b in (idx, vals, out, bad):
        b.extend(b"12345678")  # BufferError if an export were still held
    assert arr.tolist()[:2] == [5, 6]


def test_signatures_and_docs():
    arr = int8_array()
    assert "Repeated indexes each count" in type(arr).add_at.__doc__
    assert "not a snapshot" in type(arr).load_all.__doc__
    if not PYPY:
        import inspect
        assert list(inspect.signature(arr.fetch_add_at).parameters) == ["indexes", "values",
                                                                         "order", "out"]
        assert inspect.signature(arr.add_at).parameters["values"].default == 1


# ---- contention ----------------------------------------------------------------------------

def test_threads_lose_no_update():
    n, per, threads = 16, 20_000, 4
    arr = atomics.atomicarray(aligned(n * 8), 8, INT)
    counter = atomics.atomicarray(aligned(8), 8, UINT)
    seeds = list(range(threads))
    olds = [None] * threads
    idxs = [array.array("q", (random.Random(s).randrange(n) for _ in range(per))) for s in seeds]
    start = threading.Barrier(threads)

    def work(t):
        start.wait()
        arr.add_at(idxs[t])
        olds[t] = counter.fetch_add_at(array.array("q", [0]) * per)

    ts = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    want = Counter()
    for idx in idxs:
        want.update(idx)
    assert arr.tolist() == [want[i] for i in range(n)]
    # every fetch_add on the one counter saw a different old value
    assert sorted(v for o in olds for v in o) == list(range(threads * per))


def test_threads_flip_bits_exactly():
    arr = atomics.atomicarray(aligned(64), 8, UINT)
    bits = array.array("q", range(512)) * 10  # each bit flipped 10 times per thread

    def work():
        arr.bit_compl_at(bits)

    ts = [threading.Thread(target=work) for _ in range(3)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert arr.tolist() == [0] * 8  # 30 flips of each bit
    arr.bit_compl_at(bits[:512])
    assert arr.tolist() == [2**64 - 1] * 8


def _process_work(hist, seed, count, done):
    rng = random.Random(seed)
    idx = array.array("q", (rng.randrange(len(hist)) for _ in range(count)))
    for _ in range(5):
        hist.add_at(idx)
    done.add_at([0], count * 5)
    return Counter(idx)


@needs_shm
@pytest.mark.skipif(PYPY, reason="PyPy: makes arenas in a child process, which refuses them "
                                 "on PyPy (see tests/pypy_support.py, ARENAS)")
def test_two_processes_on_one_shared_array():
    with atomics.Arena(1 << 16) as arena:
        hist = arena.array(256, 8, UINT)
        done = arena.array(1, 8, UINT)
        ctx = multiprocessing.get_context("spawn")
        with ctx.Pool(2) as pool:
            counts = pool.starmap(_process_work, [(hist, s, 20_000, done) for s in (1, 2)])
        want = Counter()
        for c in counts:
            for k, v in c.items():
                want[k] += 5 * v
        assert hist.tolist() == [want[i] for i in range(256)]
        assert done.tolist() == [200_000] == [sum(hist.tolist())]


# ---- the read-only buffer export ------------------------------------------------------------

@pytest.mark.parametrize("width,signed", [(w, s) for w in (1, 2, 4, 8) for s in (True, False)])
def test_integral_arrays_export_their_elements_read_only(width, signed):
    p = Placed("view", 6, width, signed)
    arr = p.arr
    lo, hi = Model(6, width, signed).lo_hi()
    arr.store_all([lo, hi, 0, 1, lo + 1, hi - 1])
    view = memoryview(arr)
    code = {1: "b", 2: "h", 4: "i", 8: "q"}[width]
    assert view.format == (code if signed else code.upper())
    assert view.readonly and view.ndim == 1 and view.shape == (6,) and view.strides == (width,)
    assert view.itemsize == width and view.nbytes == 6 * width and view.obj is arr
    assert view.tolist() == arr.tolist()
    arr.add_at([2])  # read in place: no copy
    assert view[2] == 1
    with pytest.raises(TypeError):
        view[0] = 0
    from ctypes import c_char
    with pytest.raises(TypeError, match="not writable"):  # a writable export is refused
        (c_char * width).from_buffer(arr)
    # an array over the export is a read-only array of the same memory
    ro = atomics.atomicarray(arr, width, INT if signed else UINT)
    assert ro.readonly and ro.tolist() == arr.tolist()
    # the export as indexes: the array's own memory, read as it was at the call
    small = atomics.atomicarray(aligned(32), 8, INT)
    small.store_all([1, 1, 0, 0])
    small.add_at(memoryview(small)[:3])
    assert small.tolist() == [2, 3, 0, 0]
    view.release()
    del ro
    assert p.guards_intact()


def test_export_outlives_the_name_and_refuses_16_bytes():
    arr = atomics.atomicarray(aligned(32), 8, UINT)
    arr.store_all([1, 2, 3, 4])
    view = memoryview(arr)
    del arr
    gc.collect()
    assert view.tolist() == [1, 2, 3, 4]  # the export holds the array
    if 16 in WIDTHS:
        with pytest.raises(BufferError, match="16-byte elements have no buffer format"):
            memoryview(atomics.atomicarray(aligned(32), 16, INT))
    with pytest.raises(TypeError):
        memoryview(atomics.atomicarray(aligned(32), 8, atomics.BYTES))  # bytes arrays: none


@needs_numpy
def test_numpy_reads_the_elements_without_copying():
    arr = atomics.atomicarray(aligned(64), 8, INT)
    arr.add_at(np.array([1, 1, 7]), np.array([5, 6, -1]))
    a = np.asarray(arr)
    assert a.dtype == np.int64 and not a.flags.writeable and list(a) == [0, 11, 0, 0, 0, 0, 0, -1]
    arr.fill(2)
    assert a.sum() == 16
