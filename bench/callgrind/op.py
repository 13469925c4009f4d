"""One operation N times, for instruction counting under callgrind:

    PYTHONHASHSEED=0 valgrind --tool=callgrind --callgrind-out-file=/dev/null \\
        python bench/callgrind/op.py MODE N

MODE is owned-OP, view-OP, shared-OP (an object in an Arena) or array-OP
(element 3 of an atomicarray: the call passes the index too) with OP one of
none, inc, load, fetch_add, fetch_max, add_fetch, fetch_update (fn: a lambda
adding 1), or view-enter_exit (a `with atomicview(...)` block around
nothing). Run
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
kind, op = mode.split("-", 1)
if kind == "shared":
    arena = atomics.Arena(4096)
    obj = arena.atomic(8, atomics.INT)
    arena.unlink()
elif kind == "array":
    arr = atomics.atomicarray(bytearray(64), 8, atomics.INT)
else:
    obj = owned if kind == "owned" else view
if kind == "array":
    if op == "none":
        for _ in range(n):
            pass
    elif op == "inc":
        for _ in range(n):
            arr.inc(3)
    elif op == "load":
        for _ in range(n):
            arr.load(3)
    elif op == "fetch_add":
        for _ in range(n):
            arr.fetch_add(3, 1)
    else:
        raise SystemExit(f"unknown mode {mode}")
elif op == "none":
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
