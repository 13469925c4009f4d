"""Quick start: the atomics 1.0 README examples, condensed.

Run after installing:  python examples/quickstart.py
"""
from multiprocessing import Process, shared_memory
from threading import Thread
from typing import Sequence, Union

import atomics


def count(ai: atomics.INTEGRAL, n: int) -> None:
    """The same counting code runs in threads (on an atomic object) and in
    processes (on a view of shared memory)."""
    for _ in range(n):
        ai.inc()


def count_in_process(shmem_name: str, width: int, n: int) -> None:
    shmem = shared_memory.SharedMemory(name=shmem_name)
    buf = shmem.buf[:width]
    with atomics.atomicview(buffer=buf, atype=atomics.INT) as a:
        count(a, n)
    del buf  # close() refuses while a slice of shmem.buf is alive
    shmem.close()


def run_to_completion(workers: Sequence[Union[Thread, Process]]) -> None:
    for w in workers:
        w.start()
    for w in workers:
        w.join()


def main() -> None:
    total = 10_000

    # threads: one AtomicInt owning its memory
    a = atomics.atomic(width=4, atype=atomics.INT)
    run_to_completion([Thread(target=count, args=(a, total // 2)) for _ in range(2)])
    print(f"threads:   a[{a.load()}] == total[{total}]")

    # processes: a view of shared memory
    width = 4
    shmem = shared_memory.SharedMemory(create=True, size=width)
    buf = shmem.buf[:width]
    run_to_completion([Process(target=count_in_process, args=(shmem.name, width, total // 2))
                       for _ in range(2)])
    with atomics.atomicview(buffer=buf, atype=atomics.INT) as v:
        print(f"processes: a[{v.load()}] == total[{total}]")
    del buf
    shmem.close()
    shmem.unlink()

    # compare-and-swap
    res = a.cmpxchg_strong(expected=total, desired=-1)
    ok, seen = res
    print(f"cmpxchg:   success={ok} expected={seen} now={a.load()}")


if __name__ == "__main__":
    main()
