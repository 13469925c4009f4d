"""The child process of the attach benchmarks (bench/shared_attach.py and the
attach-* modes of bench/callgrind/op.py), which must never map the segments
they attach: it creates a counter in an Arena and a SharedMemory segment,
prints the counter's pickled handle (hex) and the segment's name, waits for
a line on stdin, then prints the counter's value and the INT at offset 64 of
the segment (what the parent's increments made them) and removes both.

    python bench/attach_creator.py"""
import pickle
import sys
from multiprocessing import shared_memory

import atomics

arena = atomics.Arena(4096)
counter = arena.atomic(8, atomics.INT)
shm = shared_memory.SharedMemory(create=True, size=4096)
print(pickle.dumps(counter).hex(), shm.name, flush=True)
sys.stdin.readline()
with atomics.atomicview(shm.buf[64:72], atomics.INT) as v:
    print(counter.load(), v.load(), flush=True)
shm.close()
shm.unlink()
arena.unlink()
