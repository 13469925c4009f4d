"""Atomic objects that own their memory (what ``atomic()`` returns)."""
from ._atomics import Atomic, AtomicBytes, AtomicInt, AtomicIntegral, AtomicUint
from ._enums import MemoryOrder  # for the defaults in method signatures

__all__ = ["Atomic", "AtomicIntegral", "AtomicBytes", "AtomicInt", "AtomicUint"]
