"""A spin-then-yield lock in shared memory, guarding plain (non-atomic) data.

The lock is one 4-byte word in an Arena: acquire spins on a relaxed load and
takes the lock with a compare-and-swap (ACQUIRE), yielding the CPU after a
few failed rounds; release stores 0 (RELEASE). The guarded data is a pair of
counters that each process updates with separate relaxed load and store, not
atomic together: only the lock keeps the pair consistent and the totals
exact.

A teaching piece: it shows what a lock is made of. Real programs use
atomics.Lock (docs/guide/sync.md), which sleeps instead of spinning, times
out, and survives a holder that dies.
Run:  python examples/spin_lock.py
"""
import multiprocessing
import os
import time

import atomics
from atomics import MemoryOrder

SPINS = 64
# give the CPU away after SPINS failed rounds (sched_yield where there is one)
relax = getattr(os, "sched_yield", lambda: time.sleep(0))


class SpinLock:
    """Mutual exclusion across processes through one shared word."""

    def __init__(self, word) -> None:
        self.word = word  # an AtomicUintView in an arena: it pickles to a handle

    def acquire(self) -> None:
        spins = 0
        while True:
            if self.word.load(MemoryOrder.RELAXED) == 0 and self.word.cmpxchg_weak(
                0, 1, MemoryOrder.ACQUIRE, MemoryOrder.RELAXED
            ):
                return
            spins += 1
            if spins == SPINS:
                spins = 0
                relax()

    def release(self) -> None:
        self.word.store(0, MemoryOrder.RELEASE)

    def __enter__(self) -> "SpinLock":
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def worker(lock: SpinLock, pair, n: int) -> None:
    for _ in range(n):
        with lock:
            a = pair.load(0, MemoryOrder.RELAXED)
            b = pair.load(1, MemoryOrder.RELAXED)
            assert a == b, "two holders at once"
            pair.store(0, a + 1, MemoryOrder.RELAXED)
            pair.store(1, b + 1, MemoryOrder.RELAXED)


def main() -> None:
    with atomics.Arena(4096) as arena:
        lock = SpinLock(arena.atomic(4, atomics.UINT))
        pair = arena.array(2, 8, atomics.UINT)
        ctx = multiprocessing.get_context("spawn")
        procs = [ctx.Process(target=worker, args=(lock, pair, 2_000)) for _ in range(4)]
        for p in procs:
            p.start()
        for p in procs:
            p.join()
        assert [p.exitcode for p in procs] == [0] * 4
        assert pair.tolist() == [8_000, 8_000], pair.tolist()
        print(f"4 processes, 8000 critical sections: pair = {pair.tolist()}")


if __name__ == "__main__":
    main()
