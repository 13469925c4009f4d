"""An event shared by processes, like multiprocessing.Event but one 4-byte
word of shared memory: set() stores 1 and wakes every waiter, wait() sleeps
until the flag is set (or the timeout runs out).

Four processes wait for the event; the parent sets it, and each reports how
long it took to wake."""
import multiprocessing as mp
import sys
import time
from multiprocessing import shared_memory

import atomics


class SharedEvent:
    def __init__(self, flag):
        self.flag = flag  # a 4-byte UINT view of shared memory

    def is_set(self):
        return self.flag.load() == 1

    def set(self):
        self.flag.store(1)
        self.flag.notify_all()

    def clear(self):
        self.flag.store(0)

    def wait(self, timeout=None):
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self.is_set():
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            if not self.flag.wait(0, timeout=left):
                return False  # timed out
        return True


def waiter(name, results):
    shm = shared_memory.SharedMemory(name=name)
    try:
        with atomics.atomicview(buffer=shm.buf[0:4], atype=atomics.UINT) as flag:
            event = SharedEvent(flag)
            assert event.wait(timeout=30)
            woke = time.time()
        results.put(woke)
    finally:
        shm.close()


if __name__ == "__main__":
    mp.set_start_method("fork" if sys.platform == "linux" else "spawn")
    shm = shared_memory.SharedMemory(create=True, size=4)
    try:
        shm.buf[:4] = bytes(4)
        results = mp.Queue()
        procs = [mp.Process(target=waiter, args=(shm.name, results)) for _ in range(4)]
        for p in procs:
            p.start()
        with atomics.atomicview(buffer=shm.buf[0:4], atype=atomics.UINT) as flag:
            event = SharedEvent(flag)
            assert not event.wait(timeout=0.01)  # nobody set it yet
            time.sleep(0.2)  # let the waiters fall asleep
            set_at = time.time()
            event.set()
        delays = [results.get(timeout=30) - set_at for _ in procs]
        for p in procs:
            p.join()
        assert all(p.exitcode == 0 for p in procs)
        print(f"4 processes woke {max(delays) * 1e3:.2f} ms after set() at the latest: ok")
    finally:
        shm.close()
        shm.unlink()
