"""Statements to count instructions of under callgrind, one process per mode:

    PYTHONHASHSEED=0 valgrind --tool=callgrind --dump-before=getppid \\
        --callgrind-out-file=/tmp/cg.out python bench/callgrind/op.py MODE

MODE is a key of MODES (`python bench/callgrind/op.py --list`). The statement
is written UNROLL times in the body of a loop inside a function, with its
names as locals (`g` alone is a global: `g += 1` on a global int is the
reference), so the loop's own cost is a tenth of an iteration per statement,
as in the wall-clock harness. Around a run of N1 and one of N2 iterations
the script calls os.getppid(), where callgrind dumps its counts: the
difference of the two runs' counts over the statements between them (printed
as JSON) is what one statement costs, start-up and warm-up left out.
bench/callgrind/table.py does all of it and writes the table. Counts do not
move with machine load.

`attach-*` modes are not unrolled: each iteration attaches a shared counter
in a process that has no mapping of its segment (a child process made it),
increments it once and drops it, so the next iteration maps it anew.
"""
import os
import sys

UNROLL = 10
N1, N2 = 1000, 3000  # loop iterations: 20,000 statements apart
ATTACH_N1, ATTACH_N2 = 20, 60

# mode: (needs, setup, statement). `needs` names the module the mode imports
# (a mode whose module is missing is skipped by table.py); setup runs once
# and binds the statement's names.
_OWNED = "import atomics\na = atomics.atomic(width=8, atype=atomics.INT)\n"
_VIEW = ("import atomics\nbuf = bytearray(8)\n"
         "ctx = atomics.atomicview(buffer=buf, atype=atomics.INT)\na = ctx.__enter__()\n")
_SHARED = ("import atomics\narena = atomics.Arena(4096)\n"
           "a = arena.atomic(8, atomics.INT)\narena.unlink()\n")
_ARRAY = "import atomics\narr = atomics.atomicarray(bytearray(64), 8, atomics.INT)\n"
_CEREGGII = "import cereggii\nc = cereggii.AtomicInt64(0)\n"
# batch-*: one call over a whole batch, against a 4096-element INT64 array
# (BATCH_ELEMENTS says how many elements one statement handles; table.py
# divides by it). The indexes are fixed pseudo-random bins, as a histogram's.
_BATCH = ("import atomics, array, random\n"
          "arr = atomics.atomicarray(bytearray(8 * 4096), 8, atomics.INT)\n"
          "_r = random.Random(1)\n"
          "idx = array.array('q', (_r.randrange(4096) for _ in range(4096)))\n"
          "short = idx[:256]\n"
          "vals = array.array('q', range(4096))\n")
BATCH_ELEMENTS = {"batch-add_at": 4096, "batch-add_at_short": 256, "batch-load_all": 4096,
                  "batch-store_all": 4096, "batch-fetch_add_at": 256}

MODES = {
    "ref-loop": ("", "", "pass"),
    "ref-g_inc": ("", "", "g += 1"),
    "ref-memoryview": ("", "buf = bytearray(8)\n", "memoryview(buf)"),
    "owned-inc": ("atomics", _OWNED, "a.inc()"),
    "owned-load": ("atomics", _OWNED, "a.load()"),
    "owned-store": ("atomics", _OWNED, "a.store(1)"),
    "owned-fetch_add": ("atomics", _OWNED, "a.fetch_add(1)"),
    "owned-exchange": ("atomics", _OWNED, "a.exchange(0)"),
    "owned-cmpxchg_strong": ("atomics", _OWNED, "a.cmpxchg_strong(0, 0)"),
    "owned-load_order": ("atomics", _OWNED + "o = atomics.MemoryOrder.ACQUIRE\n",
                         "a.load(order=o)"),
    # a one-digit int result that is not cached, as fetch_add's past 256
    "owned-fetch_max": ("atomics", _OWNED + "a.store(1 << 20)\n", "a.fetch_max(1)"),
    "owned-add_fetch": ("atomics", _OWNED, "a.add_fetch(1)"),
    "owned-fetch_update": ("atomics", _OWNED + "def f(v):\n    return v + 1\n",
                           "a.fetch_update(f)"),
    "view-inc": ("atomics", _VIEW, "a.inc()"),
    "view-load": ("atomics", _VIEW, "a.load()"),
    "view-store": ("atomics", _VIEW, "a.store(1)"),
    "view-fetch_add": ("atomics", _VIEW, "a.fetch_add(1)"),
    "view-enter_exit": ("atomics", "import atomics\nbuf = bytearray(8)\nT = atomics.BYTES\n",
                        "with atomics.atomicview(buffer=buf, atype=T):\n    pass"),
    "shared-inc": ("atomics", _SHARED, "a.inc()"),
    "shared-load": ("atomics", _SHARED, "a.load()"),
    "shared-fetch_add": ("atomics", _SHARED, "a.fetch_add(1)"),
    "array-inc": ("atomics", _ARRAY, "arr.inc(3)"),
    "array-load": ("atomics", _ARRAY, "arr.load(3)"),
    "array-store": ("atomics", _ARRAY, "arr.store(3, 1)"),
    "array-fetch_add": ("atomics", _ARRAY, "arr.fetch_add(3, 1)"),
    "array-cmpxchg_strong": ("atomics", _ARRAY, "arr.cmpxchg_strong(3, 0, 0)"),
    # merged: a batch as long as the array adds per bin, then one atomic add each
    "batch-add_at": ("atomics", _BATCH, "arr.add_at(idx)"),
    # shorter than the array: one atomic add per index
    "batch-add_at_short": ("atomics", _BATCH, "arr.add_at(short)"),
    "batch-fetch_add_at": ("atomics", _BATCH, "arr.fetch_add_at(short)"),
    "batch-load_all": ("atomics", _BATCH, "arr.load_all()"),
    "batch-store_all": ("atomics", _BATCH, "arr.store_all(vals)"),
    "cereggii-get": ("cereggii", _CEREGGII, "c.get()"),
    "cereggii-set": ("cereggii", _CEREGGII, "c.set(1)"),
    "cereggii-increment_and_get": ("cereggii", _CEREGGII, "c.increment_and_get()"),
    "cereggii-iadd": ("cereggii", _CEREGGII, "c += 1"),
    "cereggii-get_and_increment": ("cereggii", _CEREGGII, "c.get_and_increment(1)"),
    "cereggii-compare_and_set": ("cereggii", _CEREGGII, "c.compare_and_set(0, 0)"),
    "attach-handle": ("atomics", "import atomics\n", "c = pickle.loads(handle)\nc.inc()\ndel c"),
    "attach-shm_view": (
        "atomics", "import atomics\n",
        "shm = SharedMemory(name=name, **track)\nb = shm.buf[64:72]\n"
        "with atomics.atomicview(b, atomics.INT) as v:\n    v.inc()\n"
        "b.release()\nshm.close()"),
}

# The child that owns the segments of the attach modes: this process must
# never have mapped them itself.
CREATOR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "attach_creator.py")


def compile_mode(mode, ns):
    """loop(n): the statement of `mode` run n * UNROLL times (n for attach-*)."""
    _, setup, stmt = MODES[mode]
    unroll = 1 if mode.startswith("attach-") else UNROLL
    exec(setup, ns)
    body = "".join("        " + line + "\n" for line in stmt.splitlines()) * unroll
    local = "".join("    %s = _ns[%r]\n" % (k, k) for k in ns
                    if k.isidentifier() and not k.startswith("_") and k != "g")
    src = ("def loop(_n):\n    global g\n" + local + "    for _ in _repeat(None, _n):\n"
           + body)
    ns.update({"_ns": ns, "g": 0})
    exec("from itertools import repeat as _repeat\n" + src, ns)
    return ns["loop"], unroll


def main():
    """Measures each MODE given: markers (os.getppid(), which calls getppid(),
    where table.py has callgrind dump its counts) around a run of n1 and one
    of n2 iterations, three per mode; prints what each mode's difference of
    the two counts stands for (statements run)."""
    import json
    import os
    if sys.argv[1:] == ["--list"]:
        for mode, (needs, _, stmt) in MODES.items():
            print("%s\t%s\t%s" % (mode, needs, stmt.replace("\n", "; ")))
        return
    modes = sys.argv[1:]  # table.py gives one: a process per mode
    creator = None
    if any(m.startswith("attach-") for m in modes):
        import pickle
        import subprocess
        from multiprocessing.shared_memory import SharedMemory
        creator = subprocess.Popen([sys.executable, CREATOR], stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, text=True)
        handle, name = creator.stdout.readline().split()
        # 3.13+: a process that does not own the segment need not register it
        # with the resource tracker (the documented way since track= exists)
        attach = dict(pickle=pickle, SharedMemory=SharedMemory, name=name,
                      handle=bytes.fromhex(handle),
                      track={"track": False} if sys.version_info >= (3, 13) else {})
    done = {}
    for mode in modes:
        ns = dict(attach) if mode.startswith("attach-") else {}
        loop, unroll = compile_mode(mode, ns)
        n1, n2 = (N1, N2) if unroll > 1 else (ATTACH_N1, ATTACH_N2)
        loop(2)  # warm up: imports, the specialising interpreter, caches
        os.getppid()
        loop(n1)
        os.getppid()
        loop(n2)
        os.getppid()
        done[mode] = (n2 - n1) * unroll
    if creator is not None:
        if sys.version_info < (3, 13):  # it was registered at each attach: once is enough
            from multiprocessing import resource_tracker
            resource_tracker.unregister("/" + attach["name"], "shared_memory")
        creator.communicate("\n")
    print(json.dumps(done))


if __name__ == "__main__":
    main()
