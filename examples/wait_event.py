"""An event shared by processes: atomics.Event, with multiprocessing.Event's
methods, passed to the workers as an ordinary argument (it pickles to a
handle of its shared memory, so any start method works).

Four processes wait for the event; the parent sets it, and each reports how
long it took to wake."""
import multiprocessing as mp
import sys
import time

import atomics


def waiter(event, results):
    assert event.wait(timeout=30)
    results.put(time.time())


if __name__ == "__main__":
    mp.set_start_method("fork" if sys.platform == "linux" else "spawn")
    event = atomics.Event()
    results = mp.Queue()
    procs = [mp.Process(target=waiter, args=(event, results)) for _ in range(4)]
    for p in procs:
        p.start()
    assert not event.wait(timeout=0.01)  # nobody set it yet
    time.sleep(0.2)  # let the waiters fall asleep
    set_at = time.time()
    event.set()
    delays = [results.get(timeout=30) - set_at for _ in procs]
    for p in procs:
        p.join()
    assert all(p.exitcode == 0 for p in procs)
    print(f"4 processes woke {max(delays) * 1e3:.2f} ms after set() at the latest: ok")
