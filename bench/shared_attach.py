"""What attaching one shared counter costs, plus its first operation, in a
process that has not mapped the segment yet:

- atomics handle:  pickle.loads(handle); counter.inc()
- SharedMemory + atomicview:  SharedMemory(name=...); atomicview(buf[o:o+8], INT)
  entered; inc(); then release and close (what 1.0.3 programs hand-roll)
- SharedMemory + atomicshm (when installed):  SharedMemory(name=...);
  AtomicView(buf) entered; fetch_add_u64(o, 1); then close

Each round drops everything it attached, so every attach maps the segment
anew; the last case keeps one object alive, so handles re-attach from the
mapping this process already has (a pool worker receiving many handles). A child process creates the segments (so this process never holds a
mapping of its own) and counts the increments at the end as a check.

    python bench/shared_attach.py [ROUNDS]

Prints microseconds per attach + first operation (median of 5 runs)."""
import os
import pickle
import statistics
import subprocess
import sys
import time
from multiprocessing import shared_memory

import atomics

try:
    import atomicshm
except ImportError:
    atomicshm = None

# the child that creates the segments (this process never maps them itself)
CREATOR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "attach_creator.py")


def attach_handle(data, n):
    t = time.perf_counter()
    for _ in range(n):
        c = pickle.loads(data)
        c.inc()
        del c
    return time.perf_counter() - t


def attach_shm_view(name, n):
    t = time.perf_counter()
    for _ in range(n):
        shm = shared_memory.SharedMemory(name=name)
        buf = shm.buf[64:72]
        with atomics.atomicview(buf, atomics.INT) as v:
            v.inc()
        buf.release()
        shm.close()
    return time.perf_counter() - t


def attach_shm_atomicshm(name, n):
    t = time.perf_counter()
    for _ in range(n):
        shm = shared_memory.SharedMemory(name=name)
        with atomicshm.AtomicView(shm.buf) as view:
            view.fetch_add_u64(128, 1)
        shm.close()
    return time.perf_counter() - t


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    creator = subprocess.Popen([sys.executable, CREATOR], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True)
    handle_hex, name = creator.stdout.readline().split()
    data = bytes.fromhex(handle_hex)
    if sys.version_info >= (3, 13):
        # 3.13+: attach without registering with the resource tracker, as the
        # documentation recommends for processes that do not own the segment
        import functools
        shared_memory.SharedMemory = functools.partial(shared_memory.SharedMemory, track=False)
    keep = []

    def warm(n):
        if not keep:
            keep.append(pickle.loads(data))  # holds the mapping: later attaches reuse it
        return attach_handle(data, n)

    cases = [("atomics handle (pickle.loads + inc)", lambda n: attach_handle(data, n)),
             ("SharedMemory(name) + atomicview + inc", lambda n: attach_shm_view(name, n))]
    if atomicshm is not None:
        cases.append(("SharedMemory(name) + atomicshm.AtomicView + fetch_add",
                      lambda n: attach_shm_atomicshm(name, n)))
    cases.append(("atomics handle, segment already mapped here", warm))
    print(f"Python {sys.version.split()[0]}, {rounds} attaches per run, median of 5 runs")
    for label, fn in cases:
        fn(50)  # warm up (imports, the resource tracker)
        runs = [fn(rounds) / rounds * 1e6 for _ in range(5)]
        print(f"{label:55} {statistics.median(runs):8.2f} us")
    creator.stdin.write("\n")
    creator.stdin.flush()
    counts = creator.stdout.readline().split()
    creator.wait()
    expected = 5 * rounds + 50  # per case that counts in each place
    keep.clear()
    assert int(counts[0]) == 2 * expected and int(counts[1]) == expected, (counts, expected)
    if os.environ.get("VERBOSE"):
        print("counts", counts)


if __name__ == "__main__":
    main()
