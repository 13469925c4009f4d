"""Quick start: the atomics 1.0 README examples, condensed.

Run after installing:  python examples/quickstart.py
"""
from multiprocessing import Process, shared_memory
from threading import Thread

import atomics


def count_in_thread(ai: atomics.INTEGRAL, n: int) -> None:
    for _ in range(n):
        ai.inc()


def count_in_process(shmem_name: str, width: int, n: int) -> None:
    shmem = shared_memory.SharedMemory(name=shmem_name)
    buf = shmem.buf[:width]
    with atomics.atomicview(buffer=buf, atype=atomics.INT) as a:
        for _ in range(n):
            a.inc()
    del buf
    shmem.close()


def main() -> None:
    total = 10_000

    # threads: one AtomicInt owning its memory
    a = atomics.atomic(width=4, atype=atomics.INT)
    threads = [Thread(target=count_in_thread, args=(a, total // 2)) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(f"threads:   a[{a.load()}] == total[{total}]")

    # processes: a view of shared memory
    width = 4
    shmem = shared_memory.SharedMemory(create=True, size=width)
    buf = shmem.buf[:width]
    procs = [Process(target=count_in_process, args=(shmem.name, width, total // 2)) for _ in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
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
