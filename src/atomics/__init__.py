"""atomics: lock-free, address-free atomic operations on memory shared by
threads, processes and native code. The operations live in the C extension
``atomics._atomics``; this package only re-exports them beside the enums and
exceptions, which are plain Python."""
from ._enums import MemoryOrder, OpType
from . import exc
from ._atomics import (
    ANY,
    BYTES,
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
from ._shared import Arena, shared, shared_array

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
]
