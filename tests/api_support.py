"""Helpers shared by the API tests (test_operations, test_orders, test_errors,
test_views, test_objects): the parameter axes, a plain-Python model of an
atomic object's value, and aligned placement of views inside larger buffers."""
import contextlib
import ctypes
import sys

import atomics
from atomics import BYTES, INT, UINT, MemoryOrder, OpType

WIDTHS = list(range(1, 17))
ATYPES = [INT, UINT, BYTES]
ATYPE_IDS = ["INT", "UINT", "BYTES"]
ORDERS = list(MemoryOrder)
ORDER_IDS = [o.name for o in ORDERS]
KINDS = ["owned", "view"]

# Operations by the family they belong to (runtime method names).
BASE_OPS = ["load", "store"]
XCHG_OPS = ["exchange", "cmpxchg_weak", "cmpxchg_strong"]
BIT_OPS = ["bit_test", "bit_test_compl", "bit_test_set", "bit_test_reset"]
BIT_ALIASES = {"bit_compl": "bit_test_compl", "bit_set": "bit_test_set", "bit_reset": "bit_test_reset"}
BINARY_OPS = ["bin_or", "bin_xor", "bin_and", "bin_not",
              "bin_fetch_or", "bin_fetch_xor", "bin_fetch_and", "bin_fetch_not"]
ARITHMETIC_OPS = ["add", "sub", "inc", "dec", "neg",
                  "fetch_add", "fetch_sub", "fetch_inc", "fetch_dec", "fetch_neg"]
VALUE_OPS = BASE_OPS + XCHG_OPS + BIT_OPS + list(BIT_ALIASES) + BINARY_OPS
INTEGRAL_OPS = VALUE_OPS + ARITHMETIC_OPS

# method name -> OpType
OPTYPE = {
    "store": OpType.STORE, "load": OpType.LOAD, "exchange": OpType.EXCHANGE,
    "cmpxchg_weak": OpType.CMPXCHG_WEAK, "cmpxchg_strong": OpType.CMPXCHG_STRONG,
    "bit_test": OpType.BIT_TEST, "bit_test_compl": OpType.BIT_TEST_COMPL,
    "bit_test_set": OpType.BIT_TEST_SET, "bit_test_reset": OpType.BIT_TEST_RESET,
    "bit_compl": OpType.BIT_TEST_COMPL, "bit_set": OpType.BIT_TEST_SET,
    "bit_reset": OpType.BIT_TEST_RESET,
    "bin_or": OpType.OR, "bin_xor": OpType.XOR, "bin_and": OpType.AND, "bin_not": OpType.NOT,
    "bin_fetch_or": OpType.FETCH_OR, "bin_fetch_xor": OpType.FETCH_XOR,
    "bin_fetch_and": OpType.FETCH_AND, "bin_fetch_not": OpType.FETCH_NOT,
    "add": OpType.ADD, "sub": OpType.SUB, "inc": OpType.INC, "dec": OpType.DEC,
    "neg": OpType.NEG, "fetch_add": OpType.FETCH_ADD, "fetch_sub": OpType.FETCH_SUB,
    "fetch_inc": OpType.FETCH_INC, "fetch_dec": OpType.FETCH_DEC, "fetch_neg": OpType.FETCH_NEG,
}

# method name -> the names of its value parameters (before the order(s))
VALUE_PARAMS = {
    "load": [], "store": ["desired"], "exchange": ["desired"],
    "cmpxchg_weak": ["expected", "desired"], "cmpxchg_strong": ["expected", "desired"],
    **{name: ["index"] for name in BIT_OPS + list(BIT_ALIASES)},
    "bin_or": ["value"], "bin_xor": ["value"], "bin_and": ["value"], "bin_not": [],
    "bin_fetch_or": ["value"], "bin_fetch_xor": ["value"], "bin_fetch_and": ["value"],
    "bin_fetch_not": [],
    "add": ["value"], "sub": ["value"], "inc": [], "dec": [], "neg": [],
    "fetch_add": ["value"], "fetch_sub": ["value"], "fetch_inc": [], "fetch_dec": [],
    "fetch_neg": [],
}


def order_params(name):
    """The names of a method's memory-order parameters."""
    return ["success", "failure"] if name.startswith("cmpxchg") else ["order"]


class Model:
    """The value of an atomic object of one width and atype, kept as the
    unsigned integer its native-endian bytes spell."""

    def __init__(self, width, atype):
        self.width = width
        self.atype = atype
        self.bits = 8 * width
        self.mask = (1 << self.bits) - 1

    @property
    def integral(self):
        return self.atype is not BYTES

    def to_py(self, u):
        """The Python value (int or bytes) the object shows for `u`."""
        u &= self.mask
        if self.atype is BYTES:
            return u.to_bytes(self.width, sys.byteorder)
        if self.atype is INT and u >> (self.bits - 1):
            return u - (1 << self.bits)
        return u

    def from_py(self, v):
        if self.atype is BYTES:
            return int.from_bytes(bytes(v), sys.byteorder)
        return v & self.mask

    def raw(self, u):
        return (u & self.mask).to_bytes(self.width, sys.byteorder)

    def samples(self):
        """Unsigned values at the interesting places: both ends, the sign
        boundary, and patterns that differ in every byte."""
        b = self.bits
        values = [0, 1, 2, self.mask, self.mask - 1, 1 << (b - 1), (1 << (b - 1)) - 1,
                  (1 << (b - 1)) + 1, 0x0123456789ABCDEF_FEDCBA9876543210 & self.mask,
                  int.from_bytes(bytes([0xA5] * self.width), "little"), 0x80 << (b - 8)]
        return sorted(set(v & self.mask for v in values))

    def bit_indices(self):
        return sorted({0, 1, 7, self.bits // 2, self.bits - 8, self.bits - 1} & set(range(self.bits)))

    def fits(self, v):
        """Whether the int `v` is representable at this width and signedness."""
        if self.atype is INT:
            return -(1 << (self.bits - 1)) <= v < (1 << (self.bits - 1))
        return 0 <= v <= self.mask


def make_owned(width, atype):
    return atomics.atomic(width=width, atype=atype)


def address_of(buffer):
    """The address of a writable contiguous buffer's first byte."""
    mv = memoryview(buffer).cast("B")
    holder = (ctypes.c_char * len(mv)).from_buffer(mv)
    try:
        return ctypes.addressof(holder)
    finally:
        del holder
        mv.release()


def aligned_offset(buffer, alignment=16, misalign=0):
    """The smallest offset into `buffer` whose address is `misalign` past a
    multiple of `alignment`."""
    addr = address_of(buffer)
    return (misalign - addr) % alignment


GUARD = 0xA5


@contextlib.contextmanager
def guarded_view(width, atype, position=0, **kwargs):
    """A view of `width` bytes at `position` past a 16-byte boundary inside a
    larger bytearray filled with GUARD bytes; on exit, checks that no byte
    outside the view changed. Yields (view, buffer, offset)."""
    buf = bytearray([GUARD]) * 96
    start = aligned_offset(buf) + 32 + position
    mv = memoryview(buf)[start:start + width]
    with atomics.atomicview(buffer=mv, atype=atype, **kwargs) as view:
        yield view, buf, start
    mv.release()
    assert buf[:start] == bytearray([GUARD]) * start, "bytes before the view changed"
    assert buf[start + width:] == bytearray([GUARD]) * (len(buf) - start - width), (
        "bytes after the view changed")


@contextlib.contextmanager
def atomic_object(kind, width, atype):
    """An owned object (kind "owned") or a guarded view (kind "view")."""
    if kind == "owned":
        yield make_owned(width, atype)
    else:
        with guarded_view(width, atype) as (view, _, _):
            yield view


class OnlyIndex:
    """An object with __index__ and nothing else: an integer (numpy integers
    behave the same), but no int and no memory order."""

    def __init__(self, value=1):
        self.value = value

    def __index__(self):
        return self.value


# Arguments of the wrong type for int parameters (index, width): nothing
# with __index__ ...
BAD_INTS = [1.5, None, "1", b"\x00"]
# ... for memory orders (a MemoryOrder or its int value, nothing else) ...
BAD_ORDERS = BAD_INTS + [OnlyIndex()]
# ... and for value parameters of integral and bytes objects.
BAD_INT_VALUES = [1.5, None, "1", b"\x00", [1]]
BAD_BYTES_VALUES = [1.5, None, "ab", OnlyIndex(), 1, [1]]
