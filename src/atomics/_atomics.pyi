# Type stubs for the C extension atomics._atomics.
#
# The runtime keeps the operations on the concrete classes (AtomicInt,
# AtomicBytesView, ...); the stubs declare them on the helper types INTEGRAL
# and BYTES instead, so that code annotated with the helper types (as the
# README does: `def fn(ai: atomics.INTEGRAL)`) type-checks. Every concrete
# class derives from its helper type, so nothing is lost.
#
# Unpacking a CmpxchgResult (`ok, seen = res`) gives Any for both names: the
# runtime object is no tuple, and claiming it were one would let a type
# checker accept tuple methods that fail at run time.
from collections.abc import Callable, Iterator
from typing import Any, Final, Generic, Literal, NoReturn, SupportsIndex, TypeVar, final, overload

from _typeshed import ReadableBuffer
from typing_extensions import disjoint_base

from ._enums import MemoryOrder, OpType

_T = TypeVar("_T")

# An order is a MemoryOrder, or its int value (0, 2, 3, 4 or 5).
_Order = MemoryOrder | int
# Placement: the recommended alignment (the default) or the core's minimum.
_Align = Literal["recommended", "minimum"] | None

FEATURES: Final[int]
"""Processor features found at import: a mask of ATOMICS_FEATURE_* bits
(0x1: lock-free 16-byte CAS, 0x2: atomic 16-byte loads); see `python -m atomics`."""

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

class INTEGRAL(ANY):
    """An atomic integer; `atype=INTEGRAL` picks signedness with `is_signed=`.

    Values are Python ints converted at the object's width and signedness
    (`OverflowError` when they do not fit); arithmetic wraps around."""

    @property
    def signed(self) -> bool:
        """Whether the value reads as a two's-complement signed integer."""
    def __int__(self) -> int:
        """The value, read with SEQ_CST (`int(a)` is `a.load()`)."""
    # base
    def load(self, order: _Order = ...) -> int:
        """Atomically read the value.

        A load order: RELAXED, ACQUIRE or SEQ_CST."""
    def store(self, desired: SupportsIndex, order: _Order = ...) -> None:
        """Atomically write `desired`.

        A store order: RELAXED, RELEASE or SEQ_CST."""
    # xchg (success=/failure= and succ=/fail= are the same parameters)
    def exchange(self, desired: SupportsIndex, order: _Order = ...) -> int:
        """Atomically write `desired` and return the value it replaced."""
    def cmpxchg_weak(
        self,
        expected: SupportsIndex,
        desired: SupportsIndex,
        success: _Order = ...,
        failure: _Order = ...,
        *,
        succ: _Order = ...,
        fail: _Order = ...,
    ) -> CmpxchgResult[int]:
        """Compare-and-swap that may fail spuriously; use it in a retry loop.

        If the value equals `expected`, write `desired`. Returns a `CmpxchgResult`:
        `success`, and `expected` = the value seen (what to retry with). `success`
        orders the read-modify-write, `failure` (a load order no stronger than
        `success`) the plain read when it fails; `succ=`/`fail=` are the same
        parameters under the names atomics 1.0.3 used on views."""
    def cmpxchg_strong(
        self,
        expected: SupportsIndex,
        desired: SupportsIndex,
        success: _Order = ...,
        failure: _Order = ...,
        *,
        succ: _Order = ...,
        fail: _Order = ...,
    ) -> CmpxchgResult[int]:
        """Compare-and-swap that fails only when the value differs from `expected`.

        As `cmpxchg_weak`, without spurious failures (a loop inside on machines
        without a single-instruction CAS)."""
    # bitwise
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
    # binary
    def bin_or(self, value: SupportsIndex, order: _Order = ...) -> None:
        """Atomically OR `value` into the object."""
    def bin_xor(self, value: SupportsIndex, order: _Order = ...) -> None:
        """Atomically XOR `value` into the object."""
    def bin_and(self, value: SupportsIndex, order: _Order = ...) -> None:
        """Atomically AND `value` into the object."""
    def bin_not(self, order: _Order = ...) -> None:
        """Atomically invert every bit."""
    def bin_fetch_or(self, value: SupportsIndex, order: _Order = ...) -> int:
        """Atomically OR `value` into the object; return the old value."""
    def bin_fetch_xor(self, value: SupportsIndex, order: _Order = ...) -> int:
        """Atomically XOR `value` into the object; return the old value."""
    def bin_fetch_and(self, value: SupportsIndex, order: _Order = ...) -> int:
        """Atomically AND `value` into the object; return the old value."""
    def bin_fetch_not(self, order: _Order = ...) -> int:
        """Atomically invert every bit; return the old value."""
    # arithmetic
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
    # beyond 1.0: max and min (signed on INT, unsigned on UINT)
    def max(self, value: SupportsIndex, order: _Order = ...) -> None:
        """Atomically replace the value by the larger of it and `value`."""
    def min(self, value: SupportsIndex, order: _Order = ...) -> None:
        """Atomically replace the value by the smaller of it and `value`."""
    def fetch_max(self, value: SupportsIndex, order: _Order = ...) -> int:
        """Atomically replace the value by the larger of it and `value`; return the old value."""
    def fetch_min(self, value: SupportsIndex, order: _Order = ...) -> int:
        """Atomically replace the value by the smaller of it and `value`; return the old value."""
    # beyond 1.0: the new value (X_fetch is fetch_X returning what X stored)
    def max_fetch(self, value: SupportsIndex, order: _Order = ...) -> int:
        """As `fetch_max`; return the new value (the larger of the old one and `value`)."""
    def min_fetch(self, value: SupportsIndex, order: _Order = ...) -> int:
        """As `fetch_min`; return the new value (the smaller of the old one and `value`)."""
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
    def bin_or_fetch(self, value: SupportsIndex, order: _Order = ...) -> int:
        """Atomically OR `value` into the object; return the new value."""
    def bin_xor_fetch(self, value: SupportsIndex, order: _Order = ...) -> int:
        """Atomically XOR `value` into the object; return the new value."""
    def bin_and_fetch(self, value: SupportsIndex, order: _Order = ...) -> int:
        """Atomically AND `value` into the object; return the new value."""
    def bin_not_fetch(self, order: _Order = ...) -> int:
        """Atomically invert every bit; return the new value."""
    def fetch_update(
        self,
        fn: Callable[[int], SupportsIndex],
        order: _Order = ...,
        fail_order: _Order | None = None,
        *,
        max_retries: int | None = 10000,
    ) -> int:
        """Replace the value by `fn(value)` in a compare-and-swap loop; return the old value.

        `fn` is called with nothing held (it may run more than once, and
        should have no side effects); an exception from it propagates and
        leaves the object unchanged. `order` is the successful update's order,
        `fail_order` the loads' (default: the strongest load order `order`
        allows). After `max_retries` failed attempts (None: no limit)
        `RuntimeError` is raised, the object unchanged by this call."""
    # blocking wait and notify
    def wait(self, old: SupportsIndex, timeout: float | None = None, order: _Order = ...) -> bool:
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

class BYTES(ANY):
    """An atomic run of `width` raw bytes (native byte order for bit indices).

    Values are bytes-like objects of exactly `width` bytes; results are `bytes`.
    Bit `index` counts from the least significant bit of the bytes read as a
    native-endian unsigned integer."""

    def __bytes__(self) -> bytes:
        """The value, read with SEQ_CST (`bytes(a)` is `a.load()`)."""
    # base
    def load(self, order: _Order = ...) -> bytes:
        """Atomically read the value.

        A load order: RELAXED, ACQUIRE or SEQ_CST."""
    def store(self, desired: ReadableBuffer, order: _Order = ...) -> None:
        """Atomically write `desired`.

        A store order: RELAXED, RELEASE or SEQ_CST."""
    # xchg (success=/failure= and succ=/fail= are the same parameters)
    def exchange(self, desired: ReadableBuffer, order: _Order = ...) -> bytes:
        """Atomically write `desired` and return the value it replaced."""
    def cmpxchg_weak(
        self,
        expected: ReadableBuffer,
        desired: ReadableBuffer,
        success: _Order = ...,
        failure: _Order = ...,
        *,
        succ: _Order = ...,
        fail: _Order = ...,
    ) -> CmpxchgResult[bytes]:
        """Compare-and-swap that may fail spuriously; use it in a retry loop.

        If the value equals `expected`, write `desired`. Returns a `CmpxchgResult`:
        `success`, and `expected` = the value seen (what to retry with). `success`
        orders the read-modify-write, `failure` (a load order no stronger than
        `success`) the plain read when it fails; `succ=`/`fail=` are the same
        parameters under the names atomics 1.0.3 used on views."""
    def cmpxchg_strong(
        self,
        expected: ReadableBuffer,
        desired: ReadableBuffer,
        success: _Order = ...,
        failure: _Order = ...,
        *,
        succ: _Order = ...,
        fail: _Order = ...,
    ) -> CmpxchgResult[bytes]:
        """Compare-and-swap that fails only when the value differs from `expected`.

        As `cmpxchg_weak`, without spurious failures (a loop inside on machines
        without a single-instruction CAS)."""
    # bitwise
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
    # binary
    def bin_or(self, value: ReadableBuffer, order: _Order = ...) -> None:
        """Atomically OR `value` into the object."""
    def bin_xor(self, value: ReadableBuffer, order: _Order = ...) -> None:
        """Atomically XOR `value` into the object."""
    def bin_and(self, value: ReadableBuffer, order: _Order = ...) -> None:
        """Atomically AND `value` into the object."""
    def bin_not(self, order: _Order = ...) -> None:
        """Atomically invert every bit."""
    def bin_fetch_or(self, value: ReadableBuffer, order: _Order = ...) -> bytes:
        """Atomically OR `value` into the object; return the old value."""
    def bin_fetch_xor(self, value: ReadableBuffer, order: _Order = ...) -> bytes:
        """Atomically XOR `value` into the object; return the old value."""
    def bin_fetch_and(self, value: ReadableBuffer, order: _Order = ...) -> bytes:
        """Atomically AND `value` into the object; return the old value."""
    def bin_fetch_not(self, order: _Order = ...) -> bytes:
        """Atomically invert every bit; return the old value."""
    # beyond 1.0
    def bin_or_fetch(self, value: ReadableBuffer, order: _Order = ...) -> bytes:
        """Atomically OR `value` into the object; return the new value."""
    def bin_xor_fetch(self, value: ReadableBuffer, order: _Order = ...) -> bytes:
        """Atomically XOR `value` into the object; return the new value."""
    def bin_and_fetch(self, value: ReadableBuffer, order: _Order = ...) -> bytes:
        """Atomically AND `value` into the object; return the new value."""
    def bin_not_fetch(self, order: _Order = ...) -> bytes:
        """Atomically invert every bit; return the new value."""
    def fetch_update(
        self,
        fn: Callable[[bytes], ReadableBuffer],
        order: _Order = ...,
        fail_order: _Order | None = None,
        *,
        max_retries: int | None = 10000,
    ) -> bytes:
        """Replace the value by `fn(value)` in a compare-and-swap loop; return the old value.

        As on integral objects: `fn` gets the `bytes` seen and returns `width` bytes."""
    # blocking wait and notify
    def wait(self, old: ReadableBuffer, timeout: float | None = None, order: _Order = ...) -> bool:
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

class INT(INTEGRAL):
    """Atomic signed integer: `atomics.atomic(width=8, atype=atomics.INT)`."""

class UINT(INTEGRAL):
    """Atomic unsigned integer: `atomics.atomic(width=8, atype=atomics.UINT)`."""

# ---- objects owning their memory (atomics.base) --------------------------------

@disjoint_base
class Atomic(ANY):
    """An atomic object that owns its zeroed, always aligned memory (made by `atomic()`).

    It cannot be copied or pickled: `copy.copy`, `copy.deepcopy` and `pickle`
    raise `TypeError`, so nothing shares or frees memory by accident."""

    def __init__(self, width: SupportsIndex, is_integral: bool, is_signed: bool) -> None: ...
    def __copy__(self) -> NoReturn:
        """Raises `TypeError`: atomic objects cannot be copied."""
    def __deepcopy__(self, memo: Any, /) -> NoReturn:
        """Raises `TypeError`: atomic objects cannot be copied."""

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
class AtomicView(ANY):
    """An atomic view of someone else's memory, valid inside its context's `with` block.

    Operations after the context is released raise `ValueError`; views
    cannot be copied or pickled."""

    def __copy__(self) -> NoReturn:
        """Raises `TypeError`: atomic views cannot be copied."""
    def __deepcopy__(self, memo: Any, /) -> NoReturn:
        """Raises `TypeError`: atomic views cannot be copied."""

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
class AtomicViewContext:
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
    def __copy__(self) -> NoReturn:
        """Raises `TypeError`: contexts cannot be copied."""
    def __deepcopy__(self, memo: Any, /) -> NoReturn:
        """Raises `TypeError`: contexts cannot be copied."""

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

@final
class AtomicIntegralArray:
    """An atomic array of integers: `atomicarray(buffer, 8, INT)`, `Arena.array(n, 8, INT)`.

    Every operation of single integer objects, with the element index `i`
    first (`arr.fetch_add(i, 1)`, negative `i` counting from the end,
    `IndexError` outside); values, orders and errors as for single objects.
    No Python object exists per element. `len()`, iteration, `arr[i]`,
    slices and `tolist()` are one SEQ_CST operation per element, never atomic
    as a whole. Arrays in an arena pickle to a handle; others refuse."""

    def __len__(self) -> int:
        """The number of elements."""
    def __iter__(self) -> Iterator[int]:
        """The values in order, one SEQ_CST load per element as it is reached."""
    def tolist(self) -> list[int]:
        """The values, one SEQ_CST load per element: not atomic as a whole."""
    @property
    def width(self) -> int:
        """Width of one element in bytes (1, 2, 4, 8 or 16)."""
    @property
    def readonly(self) -> bool:
        """True over a read-only buffer: only `load` and `bit_test` work."""
    @overload
    def __getitem__(self, i: SupportsIndex) -> int:
        """`arr[i]` is `arr.load(i)` (SEQ_CST); a slice gives a list, one load per element."""
    @overload
    def __getitem__(self, i: slice) -> list[int]: ...
    def __setitem__(self, i: SupportsIndex, value: SupportsIndex) -> None:
        """`arr[i] = v` is `arr.store(i, v)` (SEQ_CST)."""
    def __copy__(self) -> NoReturn:
        """Raises `TypeError`: atomic arrays cannot be copied."""
    def __deepcopy__(self, memo: Any, /) -> NoReturn:
        """Raises `TypeError`: atomic arrays cannot be copied."""
    @property
    def signed(self) -> bool:
        """Whether the elements read as two's-complement signed integers."""
    # base
    def load(self, i: SupportsIndex, /, order: _Order = ...) -> int:
        """Atomically read the value.

        A load order: RELAXED, ACQUIRE or SEQ_CST."""
    def store(self, i: SupportsIndex, /, desired: SupportsIndex, order: _Order = ...) -> None:
        """Atomically write `desired`.

        A store order: RELAXED, RELEASE or SEQ_CST."""
    # xchg (success=/failure= and succ=/fail= are the same parameters)
    def exchange(self, i: SupportsIndex, /, desired: SupportsIndex, order: _Order = ...) -> int:
        """Atomically write `desired` and return the value it replaced."""
    def cmpxchg_weak(
        self,
        i: SupportsIndex,
        /,
        expected: SupportsIndex,
        desired: SupportsIndex,
        success: _Order = ...,
        failure: _Order = ...,
        *,
        succ: _Order = ...,
        fail: _Order = ...,
    ) -> CmpxchgResult[int]:
        """Compare-and-swap that may fail spuriously; use it in a retry loop.

        If the value equals `expected`, write `desired`. Returns a `CmpxchgResult`:
        `success`, and `expected` = the value seen (what to retry with). `success`
        orders the read-modify-write, `failure` (a load order no stronger than
        `success`) the plain read when it fails; `succ=`/`fail=` are the same
        parameters under the names atomics 1.0.3 used on views."""
    def cmpxchg_strong(
        self,
        i: SupportsIndex,
        /,
        expected: SupportsIndex,
        desired: SupportsIndex,
        success: _Order = ...,
        failure: _Order = ...,
        *,
        succ: _Order = ...,
        fail: _Order = ...,
    ) -> CmpxchgResult[int]:
        """Compare-and-swap that fails only when the value differs from `expected`.

        As `cmpxchg_weak`, without spurious failures (a loop inside on machines
        without a single-instruction CAS)."""
    # bitwise
    def bit_test(self, i: SupportsIndex, /, index: SupportsIndex, order: _Order = ...) -> bool:
        """Return bit `index` (0 = least significant bit) (a load order)."""
    def bit_test_compl(self, i: SupportsIndex, /, index: SupportsIndex, order: _Order = ...) -> bool:
        """Flip bit `index` and return its old value."""
    def bit_test_set(self, i: SupportsIndex, /, index: SupportsIndex, order: _Order = ...) -> bool:
        """Set bit `index` and return its old value."""
    def bit_test_reset(self, i: SupportsIndex, /, index: SupportsIndex, order: _Order = ...) -> bool:
        """Clear bit `index` and return its old value."""
    def bit_compl(self, i: SupportsIndex, /, index: SupportsIndex, order: _Order = ...) -> bool:
        """Flip bit `index` and return its old value (same as `bit_test_compl`)."""
    def bit_set(self, i: SupportsIndex, /, index: SupportsIndex, order: _Order = ...) -> bool:
        """Set bit `index` and return its old value (same as `bit_test_set`)."""
    def bit_reset(self, i: SupportsIndex, /, index: SupportsIndex, order: _Order = ...) -> bool:
        """Clear bit `index` and return its old value (same as `bit_test_reset`)."""
    # binary
    def bin_or(self, i: SupportsIndex, /, value: SupportsIndex, order: _Order = ...) -> None:
        """Atomically OR `value` into the object."""
    def bin_xor(self, i: SupportsIndex, /, value: SupportsIndex, order: _Order = ...) -> None:
        """Atomically XOR `value` into the object."""
    def bin_and(self, i: SupportsIndex, /, value: SupportsIndex, order: _Order = ...) -> None:
        """Atomically AND `value` into the object."""
    def bin_not(self, i: SupportsIndex, /, order: _Order = ...) -> None:
        """Atomically invert every bit."""
    def bin_fetch_or(self, i: SupportsIndex, /, value: SupportsIndex, order: _Order = ...) -> int:
        """Atomically OR `value` into the object; return the old value."""
    def bin_fetch_xor(self, i: SupportsIndex, /, value: SupportsIndex, order: _Order = ...) -> int:
        """Atomically XOR `value` into the object; return the old value."""
    def bin_fetch_and(self, i: SupportsIndex, /, value: SupportsIndex, order: _Order = ...) -> int:
        """Atomically AND `value` into the object; return the old value."""
    def bin_fetch_not(self, i: SupportsIndex, /, order: _Order = ...) -> int:
        """Atomically invert every bit; return the old value."""
    # arithmetic
    def add(self, i: SupportsIndex, /, value: SupportsIndex, order: _Order = ...) -> None:
        """Atomically add `value` (wrapping around at the width)."""
    def sub(self, i: SupportsIndex, /, value: SupportsIndex, order: _Order = ...) -> None:
        """Atomically subtract `value` (wrapping around at the width)."""
    def inc(self, i: SupportsIndex, /, order: _Order = ...) -> None:
        """Atomically add 1 (wrapping around at the width)."""
    def dec(self, i: SupportsIndex, /, order: _Order = ...) -> None:
        """Atomically subtract 1 (wrapping around at the width)."""
    def neg(self, i: SupportsIndex, /, order: _Order = ...) -> None:
        """Atomically negate the value (two's complement)."""
    def fetch_add(self, i: SupportsIndex, /, value: SupportsIndex, order: _Order = ...) -> int:
        """Atomically add `value`; return the old value."""
    def fetch_sub(self, i: SupportsIndex, /, value: SupportsIndex, order: _Order = ...) -> int:
        """Atomically subtract `value`; return the old value."""
    def fetch_inc(self, i: SupportsIndex, /, order: _Order = ...) -> int:
        """Atomically add 1; return the old value."""
    def fetch_dec(self, i: SupportsIndex, /, order: _Order = ...) -> int:
        """Atomically subtract 1; return the old value."""
    def fetch_neg(self, i: SupportsIndex, /, order: _Order = ...) -> int:
        """Atomically negate the value; return the old value."""
    # beyond 1.0 (as on single objects; see INTEGRAL)
    def bin_or_fetch(self, i: SupportsIndex, /, value: SupportsIndex, order: _Order = ...) -> int:
        """Atomically OR `value` into element i; return the new value."""
    def bin_xor_fetch(self, i: SupportsIndex, /, value: SupportsIndex, order: _Order = ...) -> int:
        """Atomically XOR `value` into element i; return the new value."""
    def bin_and_fetch(self, i: SupportsIndex, /, value: SupportsIndex, order: _Order = ...) -> int:
        """Atomically AND `value` into element i; return the new value."""
    def bin_not_fetch(self, i: SupportsIndex, /, order: _Order = ...) -> int:
        """Atomically invert every bit of element i; return the new value."""
    def max(self, i: SupportsIndex, /, value: SupportsIndex, order: _Order = ...) -> None:
        """Atomically replace element i by the larger of it and `value`."""
    def min(self, i: SupportsIndex, /, value: SupportsIndex, order: _Order = ...) -> None:
        """Atomically replace element i by the smaller of it and `value`."""
    def fetch_max(self, i: SupportsIndex, /, value: SupportsIndex, order: _Order = ...) -> int:
        """As `max`; return the old value."""
    def fetch_min(self, i: SupportsIndex, /, value: SupportsIndex, order: _Order = ...) -> int:
        """As `min`; return the old value."""
    def max_fetch(self, i: SupportsIndex, /, value: SupportsIndex, order: _Order = ...) -> int:
        """As `max`; return the new value."""
    def min_fetch(self, i: SupportsIndex, /, value: SupportsIndex, order: _Order = ...) -> int:
        """As `min`; return the new value."""
    def add_fetch(self, i: SupportsIndex, /, value: SupportsIndex, order: _Order = ...) -> int:
        """Atomically add `value`; return the new value (wrapped at the width)."""
    def sub_fetch(self, i: SupportsIndex, /, value: SupportsIndex, order: _Order = ...) -> int:
        """Atomically subtract `value`; return the new value (wrapped at the width)."""
    def inc_fetch(self, i: SupportsIndex, /, order: _Order = ...) -> int:
        """Atomically add 1; return the new value."""
    def dec_fetch(self, i: SupportsIndex, /, order: _Order = ...) -> int:
        """Atomically subtract 1; return the new value."""
    def neg_fetch(self, i: SupportsIndex, /, order: _Order = ...) -> int:
        """Atomically negate element i; return the new value."""
    def fetch_update(
        self,
        i: SupportsIndex, /,
        fn: Callable[[int], SupportsIndex],
        order: _Order = ...,
        fail_order: _Order | None = None,
        *,
        max_retries: int | None = 10000,
    ) -> int:
        """Replace element i by `fn(value)` in a compare-and-swap loop; return the old value."""
    def wait(self, i: SupportsIndex, /, old: SupportsIndex, timeout: float | None = None, order: _Order = ...) -> bool:
        """Block while element i equals `old`; True once it differs, False on timeout."""
    def notify_one(self, i: SupportsIndex, /) -> None:
        """Wake at least one waiter blocked in `wait` on element i."""
    def notify_all(self, i: SupportsIndex, /) -> None:
        """Wake every waiter blocked in `wait` on element i."""

@final
class AtomicBytesArray:
    """An atomic array of `width`-byte values: `atomicarray(buffer, 16, BYTES)`.

    As `AtomicIntegralArray`, with bytes values and no arithmetic."""

    def __len__(self) -> int:
        """The number of elements."""
    def __iter__(self) -> Iterator[bytes]:
        """The values in order, one SEQ_CST load per element as it is reached."""
    def tolist(self) -> list[bytes]:
        """The values, one SEQ_CST load per element: not atomic as a whole."""
    @property
    def width(self) -> int:
        """Width of one element in bytes (1, 2, 4, 8 or 16)."""
    @property
    def readonly(self) -> bool:
        """True over a read-only buffer: only `load` and `bit_test` work."""
    @overload
    def __getitem__(self, i: SupportsIndex) -> bytes:
        """`arr[i]` is `arr.load(i)` (SEQ_CST); a slice gives a list, one load per element."""
    @overload
    def __getitem__(self, i: slice) -> list[bytes]: ...
    def __setitem__(self, i: SupportsIndex, value: ReadableBuffer) -> None:
        """`arr[i] = v` is `arr.store(i, v)` (SEQ_CST)."""
    def __copy__(self) -> NoReturn:
        """Raises `TypeError`: atomic arrays cannot be copied."""
    def __deepcopy__(self, memo: Any, /) -> NoReturn:
        """Raises `TypeError`: atomic arrays cannot be copied."""
    # base
    def load(self, i: SupportsIndex, /, order: _Order = ...) -> bytes:
        """Atomically read the value.

        A load order: RELAXED, ACQUIRE or SEQ_CST."""
    def store(self, i: SupportsIndex, /, desired: ReadableBuffer, order: _Order = ...) -> None:
        """Atomically write `desired`.

        A store order: RELAXED, RELEASE or SEQ_CST."""
    # xchg (success=/failure= and succ=/fail= are the same parameters)
    def exchange(self, i: SupportsIndex, /, desired: ReadableBuffer, order: _Order = ...) -> bytes:
        """Atomically write `desired` and return the value it replaced."""
    def cmpxchg_weak(
        self,
        i: SupportsIndex,
        /,
        expected: ReadableBuffer,
        desired: ReadableBuffer,
        success: _Order = ...,
        failure: _Order = ...,
        *,
        succ: _Order = ...,
        fail: _Order = ...,
    ) -> CmpxchgResult[bytes]:
        """Compare-and-swap that may fail spuriously; use it in a retry loop.

        If the value equals `expected`, write `desired`. Returns a `CmpxchgResult`:
        `success`, and `expected` = the value seen (what to retry with). `success`
        orders the read-modify-write, `failure` (a load order no stronger than
        `success`) the plain read when it fails; `succ=`/`fail=` are the same
        parameters under the names atomics 1.0.3 used on views."""
    def cmpxchg_strong(
        self,
        i: SupportsIndex,
        /,
        expected: ReadableBuffer,
        desired: ReadableBuffer,
        success: _Order = ...,
        failure: _Order = ...,
        *,
        succ: _Order = ...,
        fail: _Order = ...,
    ) -> CmpxchgResult[bytes]:
        """Compare-and-swap that fails only when the value differs from `expected`.

        As `cmpxchg_weak`, without spurious failures (a loop inside on machines
        without a single-instruction CAS)."""
    # bitwise
    def bit_test(self, i: SupportsIndex, /, index: SupportsIndex, order: _Order = ...) -> bool:
        """Return bit `index` (0 = least significant bit) (a load order)."""
    def bit_test_compl(self, i: SupportsIndex, /, index: SupportsIndex, order: _Order = ...) -> bool:
        """Flip bit `index` and return its old value."""
    def bit_test_set(self, i: SupportsIndex, /, index: SupportsIndex, order: _Order = ...) -> bool:
        """Set bit `index` and return its old value."""
    def bit_test_reset(self, i: SupportsIndex, /, index: SupportsIndex, order: _Order = ...) -> bool:
        """Clear bit `index` and return its old value."""
    def bit_compl(self, i: SupportsIndex, /, index: SupportsIndex, order: _Order = ...) -> bool:
        """Flip bit `index` and return its old value (same as `bit_test_compl`)."""
    def bit_set(self, i: SupportsIndex, /, index: SupportsIndex, order: _Order = ...) -> bool:
        """Set bit `index` and return its old value (same as `bit_test_set`)."""
    def bit_reset(self, i: SupportsIndex, /, index: SupportsIndex, order: _Order = ...) -> bool:
        """Clear bit `index` and return its old value (same as `bit_test_reset`)."""
    # binary
    def bin_or(self, i: SupportsIndex, /, value: ReadableBuffer, order: _Order = ...) -> None:
        """Atomically OR `value` into the object."""
    def bin_xor(self, i: SupportsIndex, /, value: ReadableBuffer, order: _Order = ...) -> None:
        """Atomically XOR `value` into the object."""
    def bin_and(self, i: SupportsIndex, /, value: ReadableBuffer, order: _Order = ...) -> None:
        """Atomically AND `value` into the object."""
    def bin_not(self, i: SupportsIndex, /, order: _Order = ...) -> None:
        """Atomically invert every bit."""
    def bin_fetch_or(self, i: SupportsIndex, /, value: ReadableBuffer, order: _Order = ...) -> bytes:
        """Atomically OR `value` into the object; return the old value."""
    def bin_fetch_xor(self, i: SupportsIndex, /, value: ReadableBuffer, order: _Order = ...) -> bytes:
        """Atomically XOR `value` into the object; return the old value."""
    def bin_fetch_and(self, i: SupportsIndex, /, value: ReadableBuffer, order: _Order = ...) -> bytes:
        """Atomically AND `value` into the object; return the old value."""
    def bin_fetch_not(self, i: SupportsIndex, /, order: _Order = ...) -> bytes:
        """Atomically invert every bit; return the old value."""
    # beyond 1.0 (as on single objects; see BYTES)
    def bin_or_fetch(self, i: SupportsIndex, /, value: ReadableBuffer, order: _Order = ...) -> bytes:
        """Atomically OR `value` into element i; return the new value."""
    def bin_xor_fetch(self, i: SupportsIndex, /, value: ReadableBuffer, order: _Order = ...) -> bytes:
        """Atomically XOR `value` into element i; return the new value."""
    def bin_and_fetch(self, i: SupportsIndex, /, value: ReadableBuffer, order: _Order = ...) -> bytes:
        """Atomically AND `value` into element i; return the new value."""
    def bin_not_fetch(self, i: SupportsIndex, /, order: _Order = ...) -> bytes:
        """Atomically invert every bit of element i; return the new value."""
    def fetch_update(
        self,
        i: SupportsIndex, /,
        fn: Callable[[bytes], ReadableBuffer],
        order: _Order = ...,
        fail_order: _Order | None = None,
        *,
        max_retries: int | None = 10000,
    ) -> bytes:
        """Replace element i by `fn(value)` in a compare-and-swap loop; return the old value."""
    def wait(self, i: SupportsIndex, /, old: ReadableBuffer, timeout: float | None = None, order: _Order = ...) -> bool:
        """Block while element i equals `old`; True once it differs, False on timeout."""
    def notify_one(self, i: SupportsIndex, /) -> None:
        """Wake at least one waiter blocked in `wait` on element i."""
    def notify_all(self, i: SupportsIndex, /) -> None:
        """Wake every waiter blocked in `wait` on element i."""

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
