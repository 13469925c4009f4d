"""atomics: lock-free, address-free atomic operations on memory shared by
threads, processes and native code. The operations live in the C extension
``atomics._atomics``; this package only re-exports them beside the enums and
exceptions, which are plain Python.

The shared-memory layer (``Arena``, ``shared``, ``shared_array``) loads on
first use: it imports mmap, threading and weakref machinery that a program
using only ``atomic()`` and views never needs (about two thirds of the
package's import time; ``python bench/import_cost.py`` measures it)."""
# not typing.TYPE_CHECKING: importing typing would cost more than the lazy
# loading saves (mypy and pyright know the name)
TYPE_CHECKING = False

from ._enums import MemoryOrder, OpType
from . import exc
from ._atomics import (
    ANY,
    BYTES,
    Barrier,
    BoundedSemaphore,
    Condition,
    Event,
    Latch,
    Lock,
    RLock,
    Semaphore,
    INT,
    INTEGRAL,
    UINT,
    Alignment,
    CmpxchgResult,
    atomic,
    atomicarray,
    atomicview,
    is_lock_free,
    signal_fence,
    spin_pause,
    supported_ops,
    thread_fence,
)
from . import array, base, ctx, view

if TYPE_CHECKING:
    from threading import BrokenBarrierError

    from ._shared import Arena, shared, shared_array
else:
    _LAZY = frozenset({"Arena", "shared", "shared_array"})

    def __getattr__(name):
        if name in _LAZY:
            from . import _shared

            value = getattr(_shared, name)
            globals()[name] = value  # later lookups skip this function
            return value
        if name == "BrokenBarrierError":  # threading's own class (imported when asked for)
            from threading import BrokenBarrierError

            globals()[name] = BrokenBarrierError
            return BrokenBarrierError
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

    def __dir__():
        return sorted(set(globals()) | _LAZY | {"BrokenBarrierError"})

__version__ = "1.2.0"

__all__ = [
    "atomic",
    "atomicview",
    "atomicarray",
    "shared",
    "shared_array",
    "Arena",
    "ANY",
    "INTEGRAL",
    "BYTES",
    "INT",
    "UINT",
    "Alignment",
    "CmpxchgResult",
    "MemoryOrder",
    "OpType",
    # beyond 1.0
    "thread_fence",
    "signal_fence",
    "spin_pause",
    "is_lock_free",
    "supported_ops",
    # synchronization primitives in shared memory
    "Lock",
    "RLock",
    "Condition",
    "Semaphore",
    "BoundedSemaphore",
    "Event",
    "Barrier",
    "Latch",
    "BrokenBarrierError",
]
