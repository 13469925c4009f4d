"""A mutex shared by processes: one 4-byte word of shared memory.

0 = unlocked, 1 = locked, 2 = locked and a process may be sleeping on it.
acquire() spins briefly with compare-and-swap, then marks the lock contended
and sleeps in wait(); release() notifies only when someone may be asleep, so
an uncontended lock/unlock pair makes no system call.

Three processes each add 1 to a plain (non-atomic) 8-byte counter in the
same shared memory 2000 times under the mutex: without mutual exclusion
increments would be lost."""
import multiprocessing as mp
import sys
from multiprocessing import shared_memory

import atomics

SPINS = 100
PROCESSES, ROUNDS = 3, 2000


class SharedMutex:
    def __init__(self, word):
        self.word = word  # a 4-byte UINT view of shared memory

    def acquire(self):
        for _ in range(SPINS):
            if self.word.cmpxchg_weak(0, 1).success:
                return
        # contended: say so, and sleep while the lock stays taken
        while self.word.exchange(2) != 0:
            self.word.wait(2)

    def release(self):
        if self.word.exchange(0) == 2:
            self.word.notify_one()

    def __enter__(self):
        self.acquire()
        return self

    def __exit__(self, *exc):
        self.release()


def worker(name):
    shm = shared_memory.SharedMemory(name=name)
    try:
        with atomics.atomicview(buffer=shm.buf[0:4], atype=atomics.UINT) as word:
            mutex = SharedMutex(word)
            for _ in range(ROUNDS):
                with mutex:
                    n = int.from_bytes(shm.buf[8:16], "little")  # not atomic:
                    shm.buf[8:16] = (n + 1).to_bytes(8, "little")  # the mutex protects it
    finally:
        shm.close()


if __name__ == "__main__":
    mp.set_start_method("fork" if sys.platform == "linux" else "spawn")
    shm = shared_memory.SharedMemory(create=True, size=16)
    try:
        shm.buf[:16] = bytes(16)
        procs = [mp.Process(target=worker, args=(shm.name,)) for _ in range(PROCESSES)]
        for p in procs:
            p.start()
        for p in procs:
            p.join()
        assert all(p.exitcode == 0 for p in procs)
        total = int.from_bytes(shm.buf[8:16], "little")
        assert total == PROCESSES * ROUNDS, total
        print(f"{PROCESSES} processes x {ROUNDS} increments under the mutex: {total} ok")
    finally:
        shm.close()
        shm.unlink()
