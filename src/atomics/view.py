"""Atomic views of external buffers (what ``with atomicview(...) as v`` gives)."""
from ._atomics import (
    AtomicBytesView,
    AtomicIntegralView,
    AtomicIntView,
    AtomicUintView,
    AtomicView,
)
from ._enums import MemoryOrder  # for the defaults in method signatures

__all__ = [
    "AtomicView",
    "AtomicIntegralView",
    "AtomicBytesView",
    "AtomicIntView",
    "AtomicUintView",
]
