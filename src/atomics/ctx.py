"""Contexts that hold a buffer export for a view (what ``atomicview()`` returns)."""
from ._atomics import (
    AtomicBytesViewContext,
    AtomicIntegralViewContext,
    AtomicIntViewContext,
    AtomicUintViewContext,
    AtomicViewContext,
)

__all__ = [
    "AtomicViewContext",
    "AtomicIntegralViewContext",
    "AtomicBytesViewContext",
    "AtomicIntViewContext",
    "AtomicUintViewContext",
]
