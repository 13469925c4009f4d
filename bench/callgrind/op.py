"""One operation N times, for instruction counting under callgrind:

    PYTHONHASHSEED=0 valgrind --tool=callgrind --callgrind-out-file=/dev/null \\
        python bench/callgrind/op.py MODE N

MODE is owned-OP or view-OP with OP one of none, inc, load, fetch_add,
fetch_max, add_fetch, fetch_update (fn: a lambda adding 1), or
view-enter_exit (a `with atomicview(...)` block around nothing). Run
it for two N and divide the difference by the difference of N: the
instructions one call costs, with start-up cancelled out. Counts do not
move with machine load (bench/callgrind/run.sh does all of it)."""
import sys

import atomics

mode, n = sys.argv[1], int(sys.argv[2])
owned = atomics.atomic(width=8, atype=atomics.INT)
buf = bytearray(8)
ctx = atomics.atomicview(buffer=buf, atype=atomics.INT)
view = ctx.__enter__()
obj = owned if mode.startswith("owned") else view
op = mode.split("-", 1)[1]
if op == "none":
    for _ in range(n):
        pass
elif op == "inc":
    for _ in range(n):
        obj.inc()
elif op == "load":
    for _ in range(n):
        obj.load()
elif op == "fetch_add":
    for _ in range(n):
        obj.fetch_add(1)
elif op == "fetch_max":
    obj.store(1 << 20)  # a fresh one-digit int every time, as fetch_add returns
    for _ in range(n):
        obj.fetch_max(1)
elif op == "add_fetch":
    for _ in range(n):
        obj.add_fetch(1)
elif op == "fetch_update":
    def plus_one(v):
        return v + 1
    obj.store(0)
    for _ in range(n):
        obj.fetch_update(plus_one)
elif op == "enter_exit":
    for _ in range(n):
        with atomics.atomicview(buffer=buf, atype=atomics.BYTES):
            pass
else:
    raise SystemExit(f"unknown mode {mode}")
