"""Atomic arrays: n elements of one width and type in one buffer (what
``atomicarray()``, ``Arena.array()`` and ``shared_array()`` return)."""
from ._atomics import AtomicBytesArray, AtomicIntegralArray
from ._enums import MemoryOrder  # for the defaults in method signatures

__all__ = ["AtomicIntegralArray", "AtomicBytesArray"]
