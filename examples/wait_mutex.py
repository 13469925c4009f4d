"""A mutex shared by processes that already share memory of their own: an
atomics.Lock placed in a SharedMemory block, beside the data it guards.

The parent initialises the lock at offset 0 (Lock(buffer=..., offset=0));
each worker maps the block by name and attaches to the same lock
(Lock.attach). An uncontended acquire/release makes no system call; a
contended one sleeps in the kernel until the holder releases.

Three processes each add 1 to a plain (non-atomic) 8-byte counter in the
same shared memory 2000 times under the lock: without mutual exclusion
increments would be lost. (examples/spin_lock.py builds a lock by hand out
of compare-and-swap, as a lesson in what atomics.Lock does for you.)"""
import multiprocessing as mp
import sys
from multiprocessing import shared_memory

import atomics

PROCESSES, ROUNDS = 3, 2000
COUNTER = 64  # the counter's offset: after the lock (atomics.Lock.nbytes bytes)


def worker(name):
    shm = shared_memory.SharedMemory(name=name)
    try:
        lock = atomics.Lock.attach(shm.buf, 0)
        for _ in range(ROUNDS):
            with lock:
                n = int.from_bytes(shm.buf[COUNTER:COUNTER + 8], "little")  # not atomic:
                shm.buf[COUNTER:COUNTER + 8] = (n + 1).to_bytes(8, "little")  # the lock protects it
        del lock  # it views shm.buf: drop it before close()
    finally:
        shm.close()


if __name__ == "__main__":
    mp.set_start_method("fork" if sys.platform == "linux" else "spawn")
    assert atomics.Lock.nbytes <= COUNTER
    shm = shared_memory.SharedMemory(create=True, size=COUNTER + 8)
    try:
        shm.buf[:] = bytes(len(shm.buf))
        lock = atomics.Lock(buffer=shm.buf, offset=0)
        procs = [mp.Process(target=worker, args=(shm.name,)) for _ in range(PROCESSES)]
        for p in procs:
            p.start()
        for p in procs:
            p.join()
        assert all(p.exitcode == 0 for p in procs)
        assert not lock.locked()
        total = int.from_bytes(shm.buf[COUNTER:COUNTER + 8], "little")
        assert total == PROCESSES * ROUNDS, total
        print(f"{PROCESSES} processes x {ROUNDS} increments under the lock: {total} ok")
        del lock
    finally:
        shm.close()
        shm.unlink()
