# Type stubs for the C extension atomics._atomics.
#
# Layout. Each operation family is written once, as a private generic class,
# in two forms: on a single object (`_Access`: `load(order)`) and on an array
# element (`_ElemAccess`: `load(i, /, order)`, the same with the index first;
# the arrays' docstring says so once, so the element forms carry none). The
# families are generic in the value: `_Value` is what reads return (int or
# bytes), `_ValueArg` what writes accept (SupportsIndex or a bytes-like
# object). `_Ops`/`_ElemOps` gather the families every type has; INTEGRAL and
# AtomicIntegralArray add the integer-only ones (`_Arith`, `_MaxMin`). A new
# family is one pair of classes in "operation families" plus one name in the
# base list of `_Ops` (or of the types that have it). The families exist only
# here: at run time INTEGRAL and BYTES are empty marker classes and the
# concrete classes (AtomicInt, AtomicBytesView, ...) hold the methods. The
# stubs declare them on the helper types so that code annotated with them (as
# the README does: `def fn(ai: atomics.INTEGRAL)`) type-checks; every
# concrete class derives from its helper type, so nothing is lost.
#
# Unpacking a CmpxchgResult (`ok, seen = res`) gives Any for both names: the
# runtime object is no tuple, and claiming it were one would let a type
# checker accept tuple methods that fail at run time.
from collections.abc import Callable, Iterator
from typing import (Any, ClassVar, Final, Generic, Literal, NoReturn, SupportsIndex, TypeVar, final,
                    overload)

from _typeshed import ReadableBuffer, WriteableBuffer
from typing_extensions import Self, disjoint_base

from ._enums import MemoryOrder, OpType
from ._shared import Arena

_T = TypeVar("_T")
# What a read returns (int, bytes) and what a write accepts (SupportsIndex, a bytes-like object).
_Value = TypeVar("_Value")
_ValueArg = TypeVar("_ValueArg")

# An order is a MemoryOrder, or its int value (0, 2, 3, 4 or 5).
_Order = MemoryOrder | int
# Placement: the recommended alignment (the default) or the core's minimum.
_Align = Literal["recommended", "minimum"] | None

FEATURES: Final[int]
"""Processor features found at import: a mask of ATOMICS_FEATURE_* bits
(0x1: lock-free 16-byte CAS, 0x2: atomic 16-byte loads); see `python -m atomics`."""

# ---- operation families: each once on an object, once on an array element ----

class _Access(Generic[_ValueArg, _Value]):
    def load(self, order: _Order = ...) -> _Value:
        """Atomically read the value.

        A load order: RELAXED, ACQUIRE or SEQ_CST."""
    def store(self, desired: _ValueArg, order: _Order = ...) -> None:
        """Atomically write `desired`.

        A store order: RELAXED, RELEASE or SEQ_CST."""
    def exchange(self, desired: _ValueArg, order: _Order = ...) -> _Value:
        """Atomically write `desired` and return the value it replaced."""
    # success=/failure= and succ=/fail= are the same parameters
    def cmpxchg_weak(self, expected: _ValueArg, desired: _ValueArg, success: _Order = ...,
                     failure: _Order = ..., *, succ: _Order = ..., fail: _Order = ...
                     ) -> CmpxchgResult[_Value]:
        """Compare-and-swap that may fail spuriously; use it in a retry loop.

        If the value equals `expected`, write `desired`. Returns a `CmpxchgResult`:
        `success`, and `expected` = the value seen (what to retry with). `success`
        orders the read-modify-write, `failure` (a load order no stronger than
        `success`) the plain read when it fails; `succ=`/`fail=` are the same
        parameters under the names atomics 1.0.3 used on views."""
    def cmpxchg_strong(self, expected: _ValueArg, desired: _ValueArg, success: _Order = ...,
                       failure: _Order = ..., *, succ: _Order = ..., fail: _Order = ...
                       ) -> CmpxchgResult[_Value]:
        """Compare-and-swap that fails only when the value differs from `expected`.

        As `cmpxchg_weak`, without spurious failures (a loop inside on machines
        without a single-instruction CAS)."""

class _ElemAccess(Generic[_ValueArg, _Value]):
    def load(self, i: SupportsIndex, /, order: _Order = ...) -> _Value: ...
    def store(self, i: SupportsIndex, /, desired: _ValueArg, order: _Order = ...) -> None: ...
    def exchange(self, i: SupportsIndex, /, desired: _ValueArg, order: _Order = ...) -> _Value: ...
    def cmpxchg_weak(self, i: SupportsIndex, /, expected: _ValueArg, desired: _ValueArg,
                     success: _Order = ..., failure: _Order = ..., *, succ: _Order = ...,
                     fail: _Order = ...) -> CmpxchgResult[_Value]: ...
    def cmpxchg_strong(self, i: SupportsIndex, /, expected: _ValueArg, desired: _ValueArg,
                       success: _Order = ..., failure: _Order = ..., *, succ: _Order = ...,
                       fail: _Order = ...) -> CmpxchgResult[_Value]: ...

class _Bits:
    def bit_test(self, index: SupportsIndex, order: _Order = ...) -> bool:
        """Return bit `index` (0 = least significant bit) (a load order)."""
    def bit_test_compl(self, index: SupportsIndex, order: _Order = ...) -> bool:
        """Flip bit `index` and return its old value."""
    def bit_test_set(self, index: SupportsIndex, order: _Order = ...) -> bool:
        """Set bit `index` and return its old value."""
    def bit_test_reset(self, index: SupportsIndex, order: _Order = ...) -> bool:
        """Clear bit `index` and return its old value."""
    def bit_compl(self, index: SupportsIndex, order: _Order = ...) -> bool:
        """Flip bit `index` and return its old value (same as `bit_test_compl`)."""
    def bit_set(self, index: SupportsIndex, order: _Order = ...) -> bool:
        """Set bit `index` and return its old value (same as `bit_test_set`)."""
    def bit_reset(self, index: SupportsIndex, order: _Order = ...) -> bool:
        """Clear bit `index` and return its old value (same as `bit_test_reset`)."""

class _ElemBits:
    def bit_test(self, i: SupportsIndex, /, index: SupportsIndex, order: _Order = ...) -> bool: ...
    def bit_test_compl(self, i: SupportsIndex, /, index: SupportsIndex, order: _Order = ...) -> bool: ...
    def bit_test_set(self, i: SupportsIndex, /, index: SupportsIndex, order: _Order = ...) -> bool: ...
    def bit_test_reset(self, i: SupportsIndex, /, index: SupportsIndex, order: _Order = ...) -> bool: ...
    def bit_compl(self, i: SupportsIndex, /, index: SupportsIndex, order: _Order = ...) -> bool: ...
    def bit_set(self, i: SupportsIndex, /, index: SupportsIndex, order: _Order = ...) -> bool: ...
    def bit_reset(self, i: SupportsIndex, /, index: SupportsIndex, order: _Order = ...) -> bool: ...

class _Binary(Generic[_ValueArg, _Value]):
    def bin_or(self, value: _ValueArg, order: _Order = ...) -> None:
        """Atomically OR `value` into the object."""
    def bin_xor(self, value: _ValueArg, order: _Order = ...) -> None:
        """Atomically XOR `value` into the object."""
    def bin_and(self, value: _ValueArg, order: _Order = ...) -> None:
        """Atomically AND `value` into the object."""
    def bin_not(self, order: _Order = ...) -> None:
        """Atomically invert every bit."""
    def bin_fetch_or(self, value: _ValueArg, order: _Order = ...) -> _Value:
        """Atomically OR `value` into the object; return the old value."""
    def bin_fetch_xor(self, value: _ValueArg, order: _Order = ...) -> _Value:
        """Atomically XOR `value` into the object; return the old value."""
    def bin_fetch_and(self, value: _ValueArg, order: _Order = ...) -> _Value:
        """Atomically AND `value` into the object; return the old value."""
    def bin_fetch_not(self, order: _Order = ...) -> _Value:
        """Atomically invert every bit; return the old value."""
    # beyond 1.0: the new value (X_fetch is fetch_X returning what X stored)
    def bin_or_fetch(self, value: _ValueArg, order: _Order = ...) -> _Value:
        """Atomically OR `value` into the object; return the new value."""
    def bin_xor_fetch(self, value: _ValueArg, order: _Order = ...) -> _Value:
        """Atomically XOR `value` into the object; return the new value."""
    def bin_and_fetch(self, value: _ValueArg, order: _Order = ...) -> _Value:
        """Atomically AND `value` into the object; return the new value."""
    def bin_not_fetch(self, order: _Order = ...) -> _Value:
        """Atomically invert every bit; return the new value."""

class _ElemBinary(Generic[_ValueArg, _Value]):
    def bin_or(self, i: SupportsIndex, /, value: _ValueArg, order: _Order = ...) -> None: ...
    def bin_xor(self, i: SupportsIndex, /, value: _ValueArg, order: _Order = ...) -> None: ...
    def bin_and(self, i: SupportsIndex, /, value: _ValueArg, order: _Order = ...) -> None: ...
    def bin_not(self, i: SupportsIndex, /, order: _Order = ...) -> None: ...
    def bin_fetch_or(self, i: SupportsIndex, /, value: _ValueArg, order: _Order = ...) -> _Value: ...
    def bin_fetch_xor(self, i: SupportsIndex, /, value: _ValueArg, order: _Order = ...) -> _Value: ...
    def bin_fetch_and(self, i: SupportsIndex, /, value: _ValueArg, order: _Order = ...) -> _Value: ...
    def bin_fetch_not(self, i: SupportsIndex, /, order: _Order = ...) -> _Value: ...
    def bin_or_fetch(self, i: SupportsIndex, /, value: _ValueArg, order: _Order = ...) -> _Value: ...
    def bin_xor_fetch(self, i: SupportsIndex, /, value: _ValueArg, order: _Order = ...) -> _Value: ...
    def bin_and_fetch(self, i: SupportsIndex, /, value: _ValueArg, order: _Order = ...) -> _Value: ...
    def bin_not_fetch(self, i: SupportsIndex, /, order: _Order = ...) -> _Value: ...

class _Arith:
    def add(self, value: SupportsIndex, order: _Order = ...) -> None:
        """Atomically add `value` (wrapping around at the width)."""
    def sub(self, value: SupportsIndex, order: _Order = ...) -> None:
        """Atomically subtract `value` (wrapping around at the width)."""
    def inc(self, order: _Order = ...) -> None:
        """Atomically add 1 (wrapping around at the width)."""
    def dec(self, order: _Order = ...) -> None:
        """Atomically subtract 1 (wrapping around at the width)."""
    def neg(self, order: _Order = ...) -> None:
        """Atomically negate the value (two's complement)."""
    def fetch_add(self, value: SupportsIndex, order: _Order = ...) -> int:
        """Atomically add `value`; return the old value."""
    def fetch_sub(self, value: SupportsIndex, order: _Order = ...) -> int:
        """Atomically subtract `value`; return the old value."""
    def fetch_inc(self, order: _Order = ...) -> int:
        """Atomically add 1; return the old value."""
    def fetch_dec(self, order: _Order = ...) -> int:
        """Atomically subtract 1; return the old value."""
    def fetch_neg(self, order: _Order = ...) -> int:
        """Atomically negate the value; return the old value."""
    # beyond 1.0
    def add_fetch(self, value: SupportsIndex, order: _Order = ...) -> int:
        """Atomically add `value`; return the new value (wrapped at the width)."""
    def sub_fetch(self, value: SupportsIndex, order: _Order = ...) -> int:
        """Atomically subtract `value`; return the new value (wrapped at the width)."""
    def inc_fetch(self, order: _Order = ...) -> int:
        """Atomically add 1; return the new value."""
    def dec_fetch(self, order: _Order = ...) -> int:
        """Atomically subtract 1; return the new value."""
    def neg_fetch(self, order: _Order = ...) -> int:
        """Atomically negate the value; return the new value."""

class _ElemArith:
    def add(self, i: SupportsIndex, /, value: SupportsIndex, order: _Order = ...) -> None: ...
    def sub(self, i: SupportsIndex, /, value: SupportsIndex, order: _Order = ...) -> None: ...
    def inc(self, i: SupportsIndex, /, order: _Order = ...) -> None: ...
    def dec(self, i: SupportsIndex, /, order: _Order = ...) -> None: ...
    def neg(self, i: SupportsIndex, /, order: _Order = ...) -> None: ...
    def fetch_add(self, i: SupportsIndex, /, value: SupportsIndex, order: _Order = ...) -> int: ...
    def fetch_sub(self, i: SupportsIndex, /, value: SupportsIndex, order: _Order = ...) -> int: ...
    def fetch_inc(self, i: SupportsIndex, /, order: _Order = ...) -> int: ...
    def fetch_dec(self, i: SupportsIndex, /, order: _Order = ...) -> int: ...
    def fetch_neg(self, i: SupportsIndex, /, order: _Order = ...) -> int: ...
    def add_fetch(self, i: SupportsIndex, /, value: SupportsIndex, order: _Order = ...) -> int: ...
    def sub_fetch(self, i: SupportsIndex, /, value: SupportsIndex, order: _Order = ...) -> int: ...
    def inc_fetch(self, i: SupportsIndex, /, order: _Order = ...) -> int: ...
    def dec_fetch(self, i: SupportsIndex, /, order: _Order = ...) -> int: ...
    def neg_fetch(self, i: SupportsIndex, /, order: _Order = ...) -> int: ...

# beyond 1.0: max and min (signed on INT, unsigned on UINT)
class _MaxMin:
    def max(self, value: SupportsIndex, order: _Order = ...) -> None:
        """Atomically replace the value by the larger of it and `value`."""
    def min(self, value: SupportsIndex, order: _Order = ...) -> None:
        """Atomically replace the value by the smaller of it and `value`."""
    def fetch_max(self, value: SupportsIndex, order: _Order = ...) -> int:
        """Atomically replace the value by the larger of it and `value`; return the old value."""
    def fetch_min(self, value: SupportsIndex, order: _Order = ...) -> int:
        """Atomically replace the value by the smaller of it and `value`; return the old value."""
    def max_fetch(self, value: SupportsIndex, order: _Order = ...) -> int:
        """As `fetch_max`; return the new value (the larger of the old one and `value`)."""
    def min_fetch(self, value: SupportsIndex, order: _Order = ...) -> int:
        """As `fetch_min`; return the new value (the smaller of the old one and `value`)."""

class _ElemMaxMin:
    def max(self, i: SupportsIndex, /, value: SupportsIndex, order: _Order = ...) -> None: ...
    def min(self, i: SupportsIndex, /, value: SupportsIndex, order: _Order = ...) -> None: ...
    def fetch_max(self, i: SupportsIndex, /, value: SupportsIndex, order: _Order = ...) -> int: ...
    def fetch_min(self, i: SupportsIndex, /, value: SupportsIndex, order: _Order = ...) -> int: ...
    def max_fetch(self, i: SupportsIndex, /, value: SupportsIndex, order: _Order = ...) -> int: ...
    def min_fetch(self, i: SupportsIndex, /, value: SupportsIndex, order: _Order = ...) -> int: ...

# beyond 1.0
class _Update(Generic[_ValueArg, _Value]):
    def fetch_update(self, fn: Callable[[_Value], _ValueArg], order: _Order = ...,
                     fail_order: _Order | None = None, *, max_retries: int | None = 10000
                     ) -> _Value:
        """Replace the value by `fn(value)` in a compare-and-swap loop; return the old value.

        `fn` gets the value seen (an int, or `width` bytes) and returns the new
        one. It is called with nothing held (it may run more than once, and
        should have no side effects); an exception from it propagates and
        leaves the object unchanged. `order` is the successful update's order,
        `fail_order` the loads' (default: the strongest load order `order`
        allows). After `max_retries` failed attempts (None: no limit)
        `RuntimeError` is raised, the object unchanged by this call."""

class _ElemUpdate(Generic[_ValueArg, _Value]):
    def fetch_update(self, i: SupportsIndex, /, fn: Callable[[_Value], _ValueArg],
                     order: _Order = ..., fail_order: _Order | None = None, *,
                     max_retries: int | None = 10000) -> _Value: ...

# blocking wait and notify
class _Wait(Generic[_ValueArg]):
    def wait(self, old: _ValueArg, timeout: float | None = None, order: _Order = ...) -> bool:
        """Block while the value equals `old`; True once it differs, False on timeout.

        Returns at once (True) if the value already differs. `timeout` is in
        seconds (None: no limit; 0: look once and return); negative or NaN
        raises ValueError. Woken by `notify_one`/`notify_all` from any thread,
        or from any process that maps the same memory (Linux, macOS 14.4+;
        Windows: one process). Wake-ups that leave the value equal to `old`
        are absorbed. The GIL is released while blocked; signal handlers run
        (and may raise, e.g. KeyboardInterrupt) within 50 ms. A store without
        a notify is also seen within 50 ms. If the view is released while
        waiting, raises ValueError. `order` is a load order."""
    def notify_one(self) -> None:
        """Wake one thread or process blocked in `wait` on this memory (at least one).

        For objects that do not cover whole aligned 4-byte words (widths 1 and
        2, odd widths) every waiter of the word is woken. Writes nothing, so
        read-only objects may notify too."""
    def notify_all(self) -> None:
        """Wake every thread or process blocked in `wait` on this memory.

        Writes nothing, so read-only objects may notify too."""

class _ElemWait(Generic[_ValueArg]):
    def wait(self, i: SupportsIndex, /, old: _ValueArg, timeout: float | None = None,
             order: _Order = ...) -> bool: ...
    def notify_one(self, i: SupportsIndex, /) -> None: ...
    def notify_all(self, i: SupportsIndex, /) -> None: ...

# What every atomic type has, on objects and on array elements.
class _Ops(_Access[_ValueArg, _Value], _Bits, _Binary[_ValueArg, _Value],
           _Update[_ValueArg, _Value], _Wait[_ValueArg]): ...
class _ElemOps(_ElemAccess[_ValueArg, _Value], _ElemBits, _ElemBinary[_ValueArg, _Value],
               _ElemUpdate[_ValueArg, _Value], _ElemWait[_ValueArg]): ...

class _NoCopy:
    def __copy__(self) -> NoReturn:
        """Raises `TypeError`: copying would share (or free) memory by accident."""
    def __deepcopy__(self, memo: Any, /) -> NoReturn:
        """Raises `TypeError`: copying would share (or free) memory by accident."""

# ---- helper types ------------------------------------------------------------

class ANY:
    """Every atomic object; pass `atype=ANY` (with `is_integral=`, `is_signed=`) to choose at run time.

    Every operation takes an optional memory `order`: a `MemoryOrder` or its
    int value, `SEQ_CST` by default. Loads accept RELAXED, ACQUIRE and SEQ_CST;
    stores RELAXED, RELEASE and SEQ_CST; read-modify-write operations all five.
    Anything else raises `MemoryOrderError`."""

    @property
    def width(self) -> int:
        """The object's size in bytes (1 to 16)."""
    @property
    def readonly(self) -> bool:
        """True for views of read-only buffers: only `load` and `bit_test` work."""
    @property
    def ops_supported(self) -> list[OpType]:
        """The operations this object supports, in `OpType` order."""

class INTEGRAL(ANY, _Ops[SupportsIndex, int], _Arith, _MaxMin):
    """An atomic integer; `atype=INTEGRAL` picks signedness with `is_signed=`.

    Values are Python ints converted at the object's width and signedness
    (`OverflowError` when they do not fit); arithmetic wraps around."""

    @property
    def signed(self) -> bool:
        """Whether the value reads as a two's-complement signed integer."""
    def __int__(self) -> int:
        """The value, read with SEQ_CST (`int(a)` is `a.load()`)."""

class BYTES(ANY, _Ops[ReadableBuffer, bytes]):
    """An atomic run of `width` raw bytes (native byte order for bit indices).

    Values are bytes-like objects of exactly `width` bytes; results are `bytes`.
    Bit `index` counts from the least significant bit of the bytes read as a
    native-endian unsigned integer."""

    def __bytes__(self) -> bytes:
        """The value, read with SEQ_CST (`bytes(a)` is `a.load()`)."""

class INT(INTEGRAL):
    """Atomic signed integer: `atomics.atomic(width=8, atype=atomics.INT)`."""

class UINT(INTEGRAL):
    """Atomic unsigned integer: `atomics.atomic(width=8, atype=atomics.UINT)`."""

# ---- objects owning their memory (atomics.base) --------------------------------

@disjoint_base
class Atomic(ANY, _NoCopy):
    """An atomic object that owns its zeroed, always aligned memory (made by `atomic()`).

    It cannot be copied or pickled: `copy.copy`, `copy.deepcopy` and `pickle`
    raise `TypeError`, so nothing shares or frees memory by accident."""

    def __init__(self, width: SupportsIndex, is_integral: bool, is_signed: bool) -> None: ...

class AtomicIntegral(Atomic, INTEGRAL):
    """An owned atomic integer whose signedness was chosen at run time."""

    def __init__(self, width: SupportsIndex, is_signed: bool) -> None: ...

class AtomicBytes(Atomic, BYTES):
    """An owned atomic run of bytes: `atomic(width=16, atype=BYTES)`."""

    def __init__(self, width: SupportsIndex) -> None: ...

class AtomicInt(AtomicIntegral, INT):
    """An owned atomic signed integer: `atomic(width=8, atype=INT)`."""

    def __init__(self, width: SupportsIndex) -> None: ...

class AtomicUint(AtomicIntegral, UINT):
    """An owned atomic unsigned integer: `atomic(width=8, atype=UINT)`."""

    def __init__(self, width: SupportsIndex) -> None: ...

# ---- views (atomics.view): only ever made by a context's __enter__ -------------

@disjoint_base
class AtomicView(ANY, _NoCopy):
    """An atomic view of someone else's memory, valid inside its context's `with` block.

    Operations after the context is released raise `ValueError`; views
    cannot be copied or pickled."""

class AtomicIntegralView(AtomicView, INTEGRAL):
    """A view of memory as an integer whose signedness was chosen at run time."""

class AtomicBytesView(AtomicView, BYTES):
    """A view of memory as raw bytes."""

class AtomicIntView(AtomicIntegralView, INT):
    """A view of memory as a signed integer."""

class AtomicUintView(AtomicIntegralView, UINT):
    """A view of memory as an unsigned integer."""

# ---- view contexts (atomics.ctx) --------------------------------------------------

@disjoint_base
class AtomicViewContext(_NoCopy):
    """What `atomicview()` returns: holds the buffer export; `with` gives the view.

    The buffer's width and alignment are checked here, once. The context owns
    the buffer export until `release()` or the end of the `with` block, even if
    the view is deleted; a context can be entered once."""

    def __init__(self, buffer: ReadableBuffer, is_integral: bool, is_signed: bool) -> None: ...
    def __enter__(self) -> AtomicView:
        """Return the view. Raises `ValueError` when already open or released."""
    def __exit__(self, *args: object) -> None:
        """Release the buffer export (never suppresses an exception)."""
    def release(self) -> None:
        """Give the buffer export back before the context is entered, or after it closed.

        Raises `ValueError` inside the `with` block."""

class AtomicIntegralViewContext(AtomicViewContext):
    """Context for `atomicview(buffer, INTEGRAL, is_signed=...)`."""

    def __init__(self, buffer: ReadableBuffer, is_signed: bool) -> None: ...
    def __enter__(self) -> AtomicIntegralView: ...

class AtomicBytesViewContext(AtomicViewContext):
    """Context for `atomicview(buffer, BYTES)`."""

    def __init__(self, buffer: ReadableBuffer) -> None: ...
    def __enter__(self) -> AtomicBytesView: ...

class AtomicIntViewContext(AtomicIntegralViewContext):
    """Context for `atomicview(buffer, INT)`."""

    def __init__(self, buffer: ReadableBuffer) -> None: ...
    def __enter__(self) -> AtomicIntView: ...

class AtomicUintViewContext(AtomicIntegralViewContext):
    """Context for `atomicview(buffer, UINT)`."""

    def __init__(self, buffer: ReadableBuffer) -> None: ...
    def __enter__(self) -> AtomicUintView: ...

# ---- results and alignment ----------------------------------------------------------

@final
class CmpxchgResult(Generic[_T]):
    """The outcome of a compare-exchange: `success` and `expected` (the value seen).

    Truthy when it succeeded; `ok, seen = res` unpacks it; it compares equal by
    value, has `len()` 2 and indexes like a pair."""

    __match_args__ = ("success", "expected")
    def __new__(cls, success: bool, expected: _T) -> CmpxchgResult[_T]: ...
    @property
    def success(self) -> bool:
        """Whether the value equalled `expected` and was replaced."""
    @property
    def expected(self) -> _T:
        """The value seen: on failure, what to retry with."""
    def __bool__(self) -> bool: ...
    def __len__(self) -> Literal[2]: ...
    @overload
    def __getitem__(self, index: Literal[0, -2]) -> bool: ...
    @overload
    def __getitem__(self, index: Literal[1, -1]) -> _T: ...
    @overload
    def __getitem__(self, index: SupportsIndex) -> Any: ...
    def __iter__(self) -> Iterator[Any]: ...
    def __hash__(self) -> int: ...

@final
class Alignment:
    """The alignment contract of atomic objects of one `width` on this machine.

    `recommended` (the smallest power of two >= width) always works and is
    fastest; Python objects require it. `minimum` and `size_within` say what
    the C core accepts: an address that is a multiple of `minimum` and, when
    `size_within` is not 0, an object wholly inside one aligned block of that
    many bytes. Raises `UnsupportedWidthException` for widths with no
    operation on this machine."""

    def __new__(cls, width: SupportsIndex) -> Alignment: ...
    @property
    def width(self) -> int:
        """The width this contract is for."""
    @property
    def recommended(self) -> int:
        """The alignment that always works and gives the fastest code."""
    @property
    def minimum(self) -> int:
        """The smallest alignment any operation accepts (see `size_within`)."""
    @property
    def size_within(self) -> int:
        """The block an object must not straddle (0: no such constraint)."""
    def is_valid(self, buffer: ReadableBuffer, *, using_recommended: bool = True) -> bool:
        """Whether `buffer` (exactly `width` bytes) meets the recommended or the minimum contract."""
    def is_valid_recommended(self, buffer: ReadableBuffer, /) -> bool:
        """Whether `buffer`'s address is a multiple of `recommended`."""
    def is_valid_minimum(self, buffer: ReadableBuffer, /) -> bool:
        """Whether `buffer` meets `minimum` and `size_within`."""

# ---- arrays (atomics.array) ------------------------------------------------------------


class _Array(_NoCopy, Generic[_ValueArg, _Value]):
    def __len__(self) -> int:
        """The number of elements."""
    def __iter__(self) -> Iterator[_Value]:
        """The values in order, one SEQ_CST load per element as it is reached."""
    def tolist(self) -> list[_Value]:
        """The values, one SEQ_CST load per element: not atomic as a whole."""
    @property
    def width(self) -> int:
        """Width of one element in bytes (1, 2, 4, 8 or 16)."""
    @property
    def readonly(self) -> bool:
        """True over a read-only buffer: only `load` and `bit_test` work."""
    @overload
    def __getitem__(self, i: SupportsIndex) -> _Value:
        """`arr[i]` is `arr.load(i)` (SEQ_CST); a slice gives a list, one load per element."""
    @overload
    def __getitem__(self, i: slice) -> list[_Value]: ...
    def __setitem__(self, i: SupportsIndex, value: _ValueArg) -> None:
        """`arr[i] = v` is `arr.store(i, v)` (SEQ_CST)."""

# ---- the batch operations of integral arrays (src/ext/batch.c) --------------------------
import sys
from array import array as _PyArray
from collections.abc import Iterable, MutableSequence

from _typeshed import WriteableBuffer

# Indexes (or bit numbers): a one-dimensional buffer of integers (array.array,
# numpy arrays of any integer dtype, memoryview casts) read in place, or any
# iterable of ints. Values: the same, or one int for every index.
_Indexes = ReadableBuffer | Iterable[SupportsIndex]
_BatchValues = SupportsIndex | ReadableBuffer | Iterable[SupportsIndex]
# out=: a writable one-dimensional buffer of integers, returned as given.
_Out = TypeVar("_Out", bound=WriteableBuffer)

@final
class AtomicIntegralArray(_Array[SupportsIndex, int], _ElemOps[SupportsIndex, int], _ElemArith,
                          _ElemMaxMin):
    """An atomic array of integers: `atomicarray(buffer, 8, INT)`, `Arena.array(n, 8, INT)`.

    Every operation of single integer objects (see `INTEGRAL`), with the
    element index `i` first (`arr.fetch_add(i, 1)`, negative `i` counting
    from the end, `IndexError` outside); values, orders, results and errors
    as for single objects. No Python object exists per element. `len()`,
    iteration, `arr[i]`, slices and `tolist()` are one SEQ_CST operation per
    element, never atomic as a whole. Arrays in an arena pickle to a handle;
    others refuse."""

    @property
    def signed(self) -> bool:
        """Whether the elements read as two's-complement signed integers."""
    def add_at(self, indexes: _Indexes, values: _BatchValues = ..., order: _Order = ...) -> None:
        """For each k, atomically `element[indexes[k]] += values[k]` (`values` defaults to 1).

        Like `numpy.add.at`: repeated indexes each count. `values` is one int for
        every index or as many as `indexes`. Every index and value is checked
        before any element is touched (`IndexError`, `OverflowError`: nothing
        changed). Negative indexes count from the end. A batch at least as long
        as the array merges repeated indexes first: one atomic operation per
        element that changes, in index order (the same final values)."""
    def sub_at(self, indexes: _Indexes, values: _BatchValues = ..., order: _Order = ...) -> None:
        """For each k, atomically `element[indexes[k]] -= values[k]` (`values` defaults to 1).

        Like `numpy.add.at`: repeated indexes each count. `values` is one int for
        every index or as many as `indexes`. Every index and value is checked
        before any element is touched (`IndexError`, `OverflowError`: nothing
        changed). Negative indexes count from the end. A batch at least as long
        as the array merges repeated indexes first: one atomic operation per
        element that changes, in index order (the same final values)."""
    def and_at(self, indexes: _Indexes, values: _BatchValues, order: _Order = ...) -> None:
        """For each k, atomically `element[indexes[k]] &= values[k]`.

        Like `numpy.add.at`: repeated indexes each count. `values` is one int for
        every index or as many as `indexes`. Every index and value is checked
        before any element is touched (`IndexError`, `OverflowError`: nothing
        changed). Negative indexes count from the end. A batch at least as long
        as the array merges repeated indexes first: one atomic operation per
        element that changes, in index order (the same final values)."""
    def or_at(self, indexes: _Indexes, values: _BatchValues, order: _Order = ...) -> None:
        """For each k, atomically `element[indexes[k]] |= values[k]`.

        Like `numpy.add.at`: repeated indexes each count. `values` is one int for
        every index or as many as `indexes`. Every index and value is checked
        before any element is touched (`IndexError`, `OverflowError`: nothing
        changed). Negative indexes count from the end. A batch at least as long
        as the array merges repeated indexes first: one atomic operation per
        element that changes, in index order (the same final values)."""
    def xor_at(self, indexes: _Indexes, values: _BatchValues, order: _Order = ...) -> None:
        """For each k, atomically `element[indexes[k]] ^= values[k]`.

        Like `numpy.add.at`: repeated indexes each count. `values` is one int for
        every index or as many as `indexes`. Every index and value is checked
        before any element is touched (`IndexError`, `OverflowError`: nothing
        changed). Negative indexes count from the end. A batch at least as long
        as the array merges repeated indexes first: one atomic operation per
        element that changes, in index order (the same final values)."""
    def max_at(self, indexes: _Indexes, values: _BatchValues, order: _Order = ...) -> None:
        """For each k, atomically `element[indexes[k]] = max(element[indexes[k]], values[k])`.

        Like `numpy.add.at`: repeated indexes each count. `values` is one int for
        every index or as many as `indexes`. Every index and value is checked
        before any element is touched (`IndexError`, `OverflowError`: nothing
        changed). Negative indexes count from the end. A batch at least as long
        as the array merges repeated indexes first: one atomic operation per
        element that changes, in index order (the same final values)."""
    def min_at(self, indexes: _Indexes, values: _BatchValues, order: _Order = ...) -> None:
        """For each k, atomically `element[indexes[k]] = min(element[indexes[k]], values[k])`.

        Like `numpy.add.at`: repeated indexes each count. `values` is one int for
        every index or as many as `indexes`. Every index and value is checked
        before any element is touched (`IndexError`, `OverflowError`: nothing
        changed). Negative indexes count from the end. A batch at least as long
        as the array merges repeated indexes first: one atomic operation per
        element that changes, in index order (the same final values)."""
    @overload
    def fetch_add_at(
        self, indexes: _Indexes, values: _BatchValues = ..., order: _Order = ..., out: None = ...
    ) -> MutableSequence[int]:
        """As `add_at`, returning the old value each one saw, in batch order.

        Into `out=` if given (a writable buffer of integers that holds every
        value of the element type; it is returned), else a new `array.array`
        of the element type (a `list` for 16-byte elements)."""
    @overload
    def fetch_add_at(self, indexes: _Indexes, values: _BatchValues, order: _Order, out: _Out) -> _Out: ...
    @overload
    def fetch_add_at(
        self, indexes: _Indexes, values: _BatchValues = ..., order: _Order = ..., *, out: _Out
    ) -> _Out: ...
    @overload
    def fetch_sub_at(
        self, indexes: _Indexes, values: _BatchValues = ..., order: _Order = ..., out: None = ...
    ) -> MutableSequence[int]:
        """As `sub_at`, returning the old value each one saw, in batch order.

        Into `out=` if given (a writable buffer of integers that holds every
        value of the element type; it is returned), else a new `array.array`
        of the element type (a `list` for 16-byte elements)."""
    @overload
    def fetch_sub_at(self, indexes: _Indexes, values: _BatchValues, order: _Order, out: _Out) -> _Out: ...
    @overload
    def fetch_sub_at(
        self, indexes: _Indexes, values: _BatchValues = ..., order: _Order = ..., *, out: _Out
    ) -> _Out: ...
    @overload
    def fetch_and_at(
        self, indexes: _Indexes, values: _BatchValues, order: _Order = ..., out: None = ...
    ) -> MutableSequence[int]:
        """As `and_at`, returning the old value each one saw, in batch order.

        Into `out=` if given (a writable buffer of integers that holds every
        value of the element type; it is returned), else a new `array.array`
        of the element type (a `list` for 16-byte elements)."""
    @overload
    def fetch_and_at(self, indexes: _Indexes, values: _BatchValues, order: _Order, out: _Out) -> _Out: ...
    @overload
    def fetch_and_at(
        self, indexes: _Indexes, values: _BatchValues, order: _Order = ..., *, out: _Out
    ) -> _Out: ...
    @overload
    def fetch_or_at(
        self, indexes: _Indexes, values: _BatchValues, order: _Order = ..., out: None = ...
    ) -> MutableSequence[int]:
        """As `or_at`, returning the old value each one saw, in batch order.

        Into `out=` if given (a writable buffer of integers that holds every
        value of the element type; it is returned), else a new `array.array`
        of the element type (a `list` for 16-byte elements)."""
    @overload
    def fetch_or_at(self, indexes: _Indexes, values: _BatchValues, order: _Order, out: _Out) -> _Out: ...
    @overload
    def fetch_or_at(
        self, indexes: _Indexes, values: _BatchValues, order: _Order = ..., *, out: _Out
    ) -> _Out: ...
    @overload
    def fetch_xor_at(
        self, indexes: _Indexes, values: _BatchValues, order: _Order = ..., out: None = ...
    ) -> MutableSequence[int]:
        """As `xor_at`, returning the old value each one saw, in batch order.

        Into `out=` if given (a writable buffer of integers that holds every
        value of the element type; it is returned), else a new `array.array`
        of the element type (a `list` for 16-byte elements)."""
    @overload
    def fetch_xor_at(self, indexes: _Indexes, values: _BatchValues, order: _Order, out: _Out) -> _Out: ...
    @overload
    def fetch_xor_at(
        self, indexes: _Indexes, values: _BatchValues, order: _Order = ..., *, out: _Out
    ) -> _Out: ...
    @overload
    def fetch_max_at(
        self, indexes: _Indexes, values: _BatchValues, order: _Order = ..., out: None = ...
    ) -> MutableSequence[int]:
        """As `max_at`, returning the old value each one saw, in batch order.

        Into `out=` if given (a writable buffer of integers that holds every
        value of the element type; it is returned), else a new `array.array`
        of the element type (a `list` for 16-byte elements)."""
    @overload
    def fetch_max_at(self, indexes: _Indexes, values: _BatchValues, order: _Order, out: _Out) -> _Out: ...
    @overload
    def fetch_max_at(
        self, indexes: _Indexes, values: _BatchValues, order: _Order = ..., *, out: _Out
    ) -> _Out: ...
    @overload
    def fetch_min_at(
        self, indexes: _Indexes, values: _BatchValues, order: _Order = ..., out: None = ...
    ) -> MutableSequence[int]:
        """As `min_at`, returning the old value each one saw, in batch order.

        Into `out=` if given (a writable buffer of integers that holds every
        value of the element type; it is returned), else a new `array.array`
        of the element type (a `list` for 16-byte elements)."""
    @overload
    def fetch_min_at(self, indexes: _Indexes, values: _BatchValues, order: _Order, out: _Out) -> _Out: ...
    @overload
    def fetch_min_at(
        self, indexes: _Indexes, values: _BatchValues, order: _Order = ..., *, out: _Out
    ) -> _Out: ...
    def bit_set_at(self, bits: _Indexes, order: _Order = ...) -> None:
        """For each bit number `b` of `bits` (bit `b % (8 * width)` of element
        `b // (8 * width)`, negative counting from the end), atomically set it.
        Every bit number is checked first."""
    def bit_reset_at(self, bits: _Indexes, order: _Order = ...) -> None:
        """For each bit number `b` of `bits` (bit `b % (8 * width)` of element
        `b // (8 * width)`, negative counting from the end), atomically clear it.
        Every bit number is checked first."""
    def bit_compl_at(self, bits: _Indexes, order: _Order = ...) -> None:
        """For each bit number `b` of `bits` (bit `b % (8 * width)` of element
        `b // (8 * width)`, negative counting from the end), atomically flip it.
        Every bit number is checked first."""
    @overload
    def bit_test_at(self, bits: _Indexes, order: _Order = ..., out: None = ...) -> _PyArray[int]:
        """For each bit number `b` of `bits`, atomically read bit `b % (8 * width)`
        of element `b // (8 * width)`; returns the old bits (0 or 1) as
        `array.array('B')`, or into `out=` (a writable buffer of integers)."""
    @overload
    def bit_test_at(self, bits: _Indexes, order: _Order, out: _Out) -> _Out: ...
    @overload
    def bit_test_at(self, bits: _Indexes, order: _Order = ..., *, out: _Out) -> _Out: ...
    @overload
    def bit_test_set_at(self, bits: _Indexes, order: _Order = ..., out: None = ...) -> _PyArray[int]:
        """For each bit number `b` of `bits`, atomically set bit `b % (8 * width)`
        of element `b // (8 * width)`; returns the old bits (0 or 1) as
        `array.array('B')`, or into `out=` (a writable buffer of integers)."""
    @overload
    def bit_test_set_at(self, bits: _Indexes, order: _Order, out: _Out) -> _Out: ...
    @overload
    def bit_test_set_at(self, bits: _Indexes, order: _Order = ..., *, out: _Out) -> _Out: ...
    @overload
    def bit_test_reset_at(self, bits: _Indexes, order: _Order = ..., out: None = ...) -> _PyArray[int]:
        """For each bit number `b` of `bits`, atomically clear bit `b % (8 * width)`
        of element `b // (8 * width)`; returns the old bits (0 or 1) as
        `array.array('B')`, or into `out=` (a writable buffer of integers)."""
    @overload
    def bit_test_reset_at(self, bits: _Indexes, order: _Order, out: _Out) -> _Out: ...
    @overload
    def bit_test_reset_at(self, bits: _Indexes, order: _Order = ..., *, out: _Out) -> _Out: ...
    @overload
    def bit_test_compl_at(self, bits: _Indexes, order: _Order = ..., out: None = ...) -> _PyArray[int]:
        """For each bit number `b` of `bits`, atomically flip bit `b % (8 * width)`
        of element `b // (8 * width)`; returns the old bits (0 or 1) as
        `array.array('B')`, or into `out=` (a writable buffer of integers)."""
    @overload
    def bit_test_compl_at(self, bits: _Indexes, order: _Order, out: _Out) -> _Out: ...
    @overload
    def bit_test_compl_at(self, bits: _Indexes, order: _Order = ..., *, out: _Out) -> _Out: ...
    @overload
    def load_all(self, order: _Order = ..., out: None = ...) -> MutableSequence[int]:
        """Every element, one atomic load each, in one C loop: a new `array.array`
        of the element type (a `list` for 16-byte elements), or into `out=`.

        Element-wise atomic, **not a snapshot**: another thread or process may
        change element 5 while element 2 is read."""
    @overload
    def load_all(self, order: _Order, out: _Out) -> _Out: ...
    @overload
    def load_all(self, order: _Order = ..., *, out: _Out) -> _Out: ...
    def store_all(self, values: ReadableBuffer | Iterable[SupportsIndex], order: _Order = ...) -> None:
        """Element `i` = `values[i]` for every `i` (`len(values) == len(arr)`), one
        atomic store each: element-wise atomic, not atomic as a whole. Every
        value is checked before the first store."""
    def fill(self, value: SupportsIndex, order: _Order = ...) -> None:
        """Every element = `value`, one atomic store each (not atomic as a whole)."""
    if sys.version_info >= (3, 12):
        def __buffer__(self, flags: int, /) -> memoryview:
            """`memoryview(arr)`, `numpy.asarray(arr)`: the elements (widths 1 to 8) as a
            read-only one-dimensional buffer of native integers, read in place with
            plain, **non-atomic** loads: for analysis once the writers are done."""
        def __release_buffer__(self, buffer: memoryview, /) -> None: ...

@final
class AtomicBytesArray(_Array[ReadableBuffer, bytes], _ElemOps[ReadableBuffer, bytes]):
    """An atomic array of `width`-byte values: `atomicarray(buffer, 16, BYTES)`.

    As `AtomicIntegralArray`, with the operations of single bytes objects (see
    `BYTES`): bytes values and no arithmetic."""

# ---- factories --------------------------------------------------------------------------
# INT, UINT and BYTES ignore is_integral= and is_signed=, as atomics 1.0.3 did.

@overload
def atomic(
    width: SupportsIndex, atype: type[INT], *, is_integral: bool = ..., is_signed: bool = ...
) -> AtomicInt: ...
@overload
def atomic(
    width: SupportsIndex, atype: type[UINT], *, is_integral: bool = ..., is_signed: bool = ...
) -> AtomicUint: ...
@overload
def atomic(
    width: SupportsIndex, atype: type[BYTES], *, is_integral: bool = ..., is_signed: bool = ...
) -> AtomicBytes: ...
@overload
def atomic(
    width: SupportsIndex, atype: type[INTEGRAL], *, is_integral: bool = ..., is_signed: bool
) -> AtomicIntegral: ...
@overload
def atomic(width: SupportsIndex, atype: type[ANY], *, is_integral: bool, is_signed: bool) -> Atomic:
    """Create an atomic object of `width` bytes that owns its zeroed, aligned memory.

    `atype` is `INT`, `UINT`, `BYTES`, `INTEGRAL` (needs `is_signed=`) or `ANY`
    (needs `is_integral=` and `is_signed=`). Raises `UnsupportedWidthException`
    for a width with no operations on this machine."""
@overload
def atomicview(
    buffer: ReadableBuffer,
    atype: type[INT],
    *,
    is_integral: bool = ...,
    is_signed: bool = ...,
    offset: SupportsIndex = ...,
    width: SupportsIndex | None = ...,
    align: _Align = ...,
) -> AtomicIntViewContext: ...
@overload
def atomicview(
    buffer: ReadableBuffer,
    atype: type[UINT],
    *,
    is_integral: bool = ...,
    is_signed: bool = ...,
    offset: SupportsIndex = ...,
    width: SupportsIndex | None = ...,
    align: _Align = ...,
) -> AtomicUintViewContext: ...
@overload
def atomicview(
    buffer: ReadableBuffer,
    atype: type[BYTES],
    *,
    is_integral: bool = ...,
    is_signed: bool = ...,
    offset: SupportsIndex = ...,
    width: SupportsIndex | None = ...,
    align: _Align = ...,
) -> AtomicBytesViewContext: ...
@overload
def atomicview(
    buffer: ReadableBuffer,
    atype: type[INTEGRAL],
    *,
    is_integral: bool = ...,
    is_signed: bool,
    offset: SupportsIndex = ...,
    width: SupportsIndex | None = ...,
    align: _Align = ...,
) -> AtomicIntegralViewContext: ...
@overload
def atomicview(
    buffer: ReadableBuffer,
    atype: type[ANY],
    *,
    is_integral: bool,
    is_signed: bool,
    offset: SupportsIndex = ...,
    width: SupportsIndex | None = ...,
    align: _Align = ...,
) -> AtomicViewContext:
    """A context whose `with` block gives an atomic view of `buffer`.

    `buffer` is any object with the buffer protocol (bytearray, memoryview
    slice, mmap, shared memory, numpy array, bytes for read-only); its size
    is the width. Raises `AlignmentError` when its address misses the
    recommended alignment. `atype` as for `atomic()`.

    With `offset=N` the view covers `width=` bytes (default: the rest)
    starting N bytes into `buffer`, and `align="minimum"` accepts an address
    that meets only the core's minimum alignment. `width=` and `align=` count
    only beside `offset=`: INT, UINT and BYTES ignore them otherwise, as
    atomics 1.0.3 did."""

# ---- beyond 1.0: fences, the spin hint, support queries ------------------------------------

def thread_fence(order: _Order = ...) -> None:
    """A memory fence (C11 `atomic_thread_fence`): orders this thread's memory
    accesses around it as `order` says, against other threads and processes.
    RELAXED does nothing."""

def signal_fence(order: _Order = ...) -> None:
    """A fence against compiler reordering only (C11 `atomic_signal_fence`)."""

def spin_pause() -> None:
    """The processor's spin-wait hint (x86 `pause`, aarch64 `isb`, ...), for busy-wait loops."""

def is_lock_free(width: SupportsIndex, /) -> bool:
    """Whether atomic objects of `width` bytes exist on this processor.

    Every operation on them is then lock-free; nothing is ever done with a
    lock. False for widths beyond 16 (and for 9 to 16 without a 16-byte CAS)."""

def supported_ops(width: SupportsIndex, *, readonly: bool = False) -> tuple[str, ...]:
    """The names of the methods an integral object of `width` bytes supports here.

    At the recommended alignment, on writable memory (or read-only with
    `readonly=True`); `()` for an unsupported width. Bytes objects have the
    non-arithmetic ones. The operations beyond 1.0 have no `OpType` member, so
    this is how to ask for them."""
@overload
def atomicarray(
    buffer: ReadableBuffer,
    width: SupportsIndex,
    atype: type[BYTES],
    offset: SupportsIndex = ...,
    length: SupportsIndex | None = ...,
    is_signed: None = ...,
    align: _Align = ...,
) -> AtomicBytesArray: ...
@overload
def atomicarray(
    buffer: ReadableBuffer,
    width: SupportsIndex,
    atype: type[INTEGRAL],
    offset: SupportsIndex = ...,
    length: SupportsIndex | None = ...,
    is_signed: bool | None = ...,
    align: _Align = ...,
) -> AtomicIntegralArray:
    """An atomic array of `length` elements of `width` bytes (1, 2, 4, 8 or 16)
    starting `offset` bytes into `buffer` (default: as many as fit).

    `atype` is `INT`, `UINT`, `BYTES` or `INTEGRAL` (with `is_signed=`). The
    array holds the buffer's export for its whole life. `align="minimum"`
    accepts a start that meets only the core's minimum alignment."""

# ---- synchronization primitives in shared memory ------------------------------
#
# Each takes, after threading's own parameters, the keyword-only placement
# arena= (an atomics.Arena), buffer= and offset= (a writable buffer the caller
# owns); with neither it lives in this process's default arena. Arena-placed
# primitives pickle to a handle (other processes, pools, sub-interpreters);
# buffer-placed ones refuse (TypeError) and are reached with attach().

class _Placed:
    nbytes: ClassVar[int]
    """Bytes the primitive needs at its offset."""
    alignment: ClassVar[int]
    """The alignment its offset needs."""
    def __copy__(self) -> NoReturn: ...
    def __deepcopy__(self, memo: Any, /) -> NoReturn: ...

@disjoint_base
class Lock(_Placed):
    """A lock in shared memory, as `threading.Lock` (any thread or process may
    release it); a holder that dies is taken over (see `owner_died`)."""

    def __new__(cls, *, arena: Arena | None = None, buffer: WriteableBuffer | None = None,
                offset: SupportsIndex = 0) -> Self: ...
    @classmethod
    def attach(cls, buffer: WriteableBuffer, offset: SupportsIndex = 0) -> Self:
        """The Lock another thread or process initialised at `offset` in `buffer`."""
    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        """Take the lock; True if taken (False: non-blocking or timed out)."""
    def release(self) -> None:
        """Release the lock (RuntimeError if it is not held)."""
    def locked(self) -> bool:
        """Whether the lock is held."""
    def __enter__(self) -> bool: ...
    def __exit__(self, *args: object) -> None: ...
    @property
    def owner_died(self) -> bool:
        """True while the current acquisition took the lock over from a holder that died."""

@disjoint_base
class RLock(_Placed):
    """A reentrant lock in shared memory, as `threading.RLock`: owned by one
    thread of one process."""

    def __new__(cls, *, arena: Arena | None = None, buffer: WriteableBuffer | None = None,
                offset: SupportsIndex = 0) -> Self: ...
    @classmethod
    def attach(cls, buffer: WriteableBuffer, offset: SupportsIndex = 0) -> Self:
        """The RLock another thread or process initialised at `offset` in `buffer`."""
    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        """Take the lock, or once more if this thread holds it."""
    def release(self) -> None:
        """Release one level (RuntimeError unless this thread holds it)."""
    def locked(self) -> bool:
        """Whether the lock is held."""
    def __enter__(self) -> bool: ...
    def __exit__(self, *args: object) -> None: ...
    @property
    def owner_died(self) -> bool:
        """True while the current acquisition took the lock over from a holder that died."""

@disjoint_base
class Condition(_Placed):
    """A condition variable in shared memory, as `threading.Condition`; its lock
    is an atomics `Lock` or `RLock` (default: an `RLock` embedded in it)."""

    def __new__(cls, lock: Lock | RLock | None = None, *, arena: Arena | None = None,
                buffer: WriteableBuffer | None = None, offset: SupportsIndex = 0) -> Self: ...
    @classmethod
    def attach(cls, buffer: WriteableBuffer, offset: SupportsIndex = 0,
               lock: Lock | RLock | None = None) -> Self:
        """The Condition initialised at `offset` in `buffer` (`lock`: the external
        lock it was made with, if any)."""
    def acquire(self, *args: Any, **kwargs: Any) -> bool:
        """Acquire the condition's lock."""
    def release(self) -> None:
        """Release the condition's lock."""
    def __enter__(self) -> bool: ...
    def __exit__(self, *args: object) -> None: ...
    def wait(self, timeout: float | None = None) -> bool:
        """Release the lock, sleep until notified (or timed out), take it again."""
    def wait_for(self, predicate: Callable[[], _T], timeout: float | None = None) -> _T:
        """Wait until `predicate()` is true; its last result."""
    def notify(self, n: int = 1) -> None:
        """Wake up to `n` waiters."""
    def notify_all(self) -> None:
        """Wake every waiter."""
    def notifyAll(self) -> None:
        """Deprecated alias of `notify_all()`."""

@disjoint_base
class Semaphore(_Placed):
    """A counting semaphore in shared memory, as `threading.Semaphore`; the
    units a process that dies held come back."""

    def __new__(cls, value: SupportsIndex = 1, *, arena: Arena | None = None,
                buffer: WriteableBuffer | None = None, offset: SupportsIndex = 0) -> Self: ...
    @classmethod
    def attach(cls, buffer: WriteableBuffer, offset: SupportsIndex = 0) -> Self:
        """The semaphore initialised at `offset` in `buffer`."""
    def acquire(self, blocking: bool = True, timeout: float | None = None) -> bool:
        """Take one unit; True if taken."""
    def release(self, n: SupportsIndex = 1) -> None:
        """Return `n` units."""
    def __enter__(self) -> bool: ...
    def __exit__(self, *args: object) -> None: ...
    @property
    def owner_died(self) -> bool:
        """True while the current acquisition got units back from a holder that died."""

class BoundedSemaphore(Semaphore):
    """A semaphore whose `release()` refuses to pass the initial value (ValueError)."""

@disjoint_base
class Event(_Placed):
    """An event flag in shared memory, as `threading.Event`."""

    def __new__(cls, *, arena: Arena | None = None, buffer: WriteableBuffer | None = None,
                offset: SupportsIndex = 0) -> Self: ...
    @classmethod
    def attach(cls, buffer: WriteableBuffer, offset: SupportsIndex = 0) -> Self:
        """The Event initialised at `offset` in `buffer`."""
    def is_set(self) -> bool:
        """Whether the flag is set."""
    def isSet(self) -> bool:
        """Deprecated alias of `is_set()`."""
    def set(self) -> None:
        """Set the flag and wake every waiter."""
    def clear(self) -> None:
        """Clear the flag."""
    def wait(self, timeout: float | None = None) -> bool:
        """Wait until the flag is set; the flag (False on timeout)."""

@disjoint_base
class Barrier(_Placed):
    """A barrier in shared memory, as `threading.Barrier`; `action` runs in the
    process of the last thread to arrive."""

    def __new__(cls, parties: SupportsIndex, action: Callable[[], object] | None = None,
                timeout: float | None = None, *, arena: Arena | None = None,
                buffer: WriteableBuffer | None = None, offset: SupportsIndex = 0) -> Self: ...
    @classmethod
    def attach(cls, buffer: WriteableBuffer, offset: SupportsIndex = 0) -> Self:
        """The Barrier initialised at `offset` in `buffer` (with no action)."""
    def wait(self, timeout: float | None = None) -> int:
        """Wait for the other parties; the arrival index (BrokenBarrierError if broken)."""
    def reset(self) -> None:
        """Back to the empty state; waiting threads get BrokenBarrierError."""
    def abort(self) -> None:
        """Break the barrier."""
    @property
    def parties(self) -> int:
        """The number of parties."""
    @property
    def n_waiting(self) -> int:
        """Parties waiting now."""
    @property
    def broken(self) -> bool:
        """Whether the barrier is broken."""

@disjoint_base
class Latch(_Placed):
    """A single-use countdown latch in shared memory (C++20 `std::latch`)."""

    def __new__(cls, count: SupportsIndex, *, arena: Arena | None = None,
                buffer: WriteableBuffer | None = None, offset: SupportsIndex = 0) -> Self: ...
    @classmethod
    def attach(cls, buffer: WriteableBuffer, offset: SupportsIndex = 0) -> Self:
        """The Latch initialised at `offset` in `buffer`."""
    def count_down(self, n: SupportsIndex = 1) -> None:
        """Decrease the count by `n` (ValueError below zero)."""
    def try_wait(self) -> bool:
        """Whether the count is zero."""
    def wait(self, timeout: float | None = None) -> bool:
        """Wait until the count is zero; False on timeout."""
    def arrive_and_wait(self, n: SupportsIndex = 1, timeout: float | None = None) -> bool:
        """`count_down(n)`, then `wait(timeout)`."""
