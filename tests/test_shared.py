"""Shared objects (atomics.shared, atomics.Arena): they pickle to handles that
re-attach the same memory with every start method, through Process args,
Queue, ProcessPoolExecutor and Pool.map (exact counts prove it); the
lifetime rules hold, checked by listing /dev/shm before and after; bad
handles fail clearly; objects that are not shared still refuse pickling."""
import json
import multiprocessing
import os
import pickle
import signal
import subprocess
import sys
import textwrap
import time

import pytest

import atomics

HERE = os.path.dirname(os.path.abspath(__file__))
SCENARIOS = os.path.join(HERE, "_shared_scenarios.py")

pytestmark = pytest.mark.skipif(
    not os.path.isdir("/dev/shm"), reason="arenas are POSIX shared memory; tests list /dev/shm"
)

METHODS = [m for m in ("fork", "spawn", "forkserver")
           if m in multiprocessing.get_all_start_methods()]


def segments():
    """This run's arenas in /dev/shm (conftest.py tags them)."""
    mine = "atomics_" + os.environ.get("ATOMICS_ARENA_TAG", "")
    return {n for n in os.listdir("/dev/shm") if n.startswith(mine)}


def run(code, timeout=60, **kwargs):
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=timeout, **kwargs)


def wait_gone(name, seconds=15.0):
    deadline = time.monotonic() + seconds
    while name in segments() and time.monotonic() < deadline:
        time.sleep(0.05)
    return name not in segments()


# ---- travelling: every start method, every channel ---------------------------------------------

@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("scenario", ["process_args", "queue", "executor", "pool"])
def test_objects_travel(scenario, method):
    proc = subprocess.run([sys.executable, SCENARIOS, scenario, method], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert set(result["exitcodes"]) == {0}, result
    workers = {"process_args": 4, "queue": 2, "executor": 4, "pool": 4}[scenario]
    assert result["count"] == workers * 2000, result
    assert result["sum"] == workers * 2000, result
    if scenario == "queue":
        assert result["back"] == [12345, 12345]  # objects placed by the children
    # `with Arena()` unlinked the arena; the default arena went at exit
    assert result["arena"] not in result["segments"]
    assert result["arena"] not in segments()
    assert not set(result["segments"]) & segments(), "the default arena outlived its creator"
    assert "leaked" not in proc.stderr, proc.stderr


def test_handle_reattaches_the_same_memory_in_process():
    with atomics.Arena(4096) as arena:
        a = arena.atomic(8, atomics.INT)
        a.store(-5)
        b = pickle.loads(pickle.dumps(a))
        assert b is not a and type(b) is type(a)
        b.add(6)
        assert a.load() == 1
        arr = arena.array(5, 2, atomics.UINT)
        arr2 = pickle.loads(pickle.dumps(arr))
        arr2.fetch_add(4, 3)
        assert arr[4] == 3 and arr.tolist() == [0, 0, 0, 0, 3]
        again = pickle.loads(pickle.dumps(arena))
        assert again.name == arena.name and not again.creator and arena.creator
        c = again.atomic(4, atomics.UINT)
        assert arena.used == again.used


def test_types_and_flags_survive_the_trip():
    with atomics.Arena(4096) as arena:
        made = [
            arena.atomic(4, atomics.INT),
            arena.atomic(4, atomics.UINT),
            arena.atomic(3, atomics.BYTES),
            arena.atomic(2, atomics.INTEGRAL, is_signed=False),
            arena.atomic(8, atomics.ANY, is_integral=True, is_signed=True),
            arena.array(3, 8, atomics.INTEGRAL, is_signed=True),
            arena.array(3, 4, atomics.BYTES),
        ]
        for obj in made:
            back = pickle.loads(pickle.dumps(obj))
            assert type(back) is type(obj)
            assert back.width == obj.width
            if hasattr(obj, "signed"):
                assert back.signed == obj.signed


def test_a_new_arena_has_used_only_its_header():
    """A regression: the next-free word was written little-endian and read
    in native order, so on big-endian machines a new arena was 'full'."""
    with atomics.Arena(4096) as arena:
        assert arena.used == 64
        assert repr(arena).endswith("size=4096, used=64)")
        arr = arena.array(12, 4, atomics.UINT)
        assert arr.tolist() == [0] * 12 and arena.used >= 64 + 48


def test_placement_respects_alignment():
    with atomics.Arena(4096) as arena:
        base = arena.allocate(1, 1)  # the byte right after the header
        assert base == 64
        for width in (1, 2, 3, 4, 5, 8, 16, 7, 2):
            off = arena._place(width, "recommended")
            assert off % atomics.Alignment(width).recommended == 0
        # minimum alignment packs objects side by side, never across a block
        arena.allocate(1, 64)
        start = arena.used
        offs = [arena._place(2, "minimum") for _ in range(3)]
        assert offs == [start, start + 2, start + 4]
        a = arena.atomic(2, atomics.UINT, align="minimum")
        b = arena.atomic(2, atomics.UINT, align="minimum")
        a.store(0xFFFF)
        assert b.load() == 0
        # a width-3 object at minimum alignment stays inside one 16-byte block
        arena.allocate(1, 16)
        arena.allocate(13, 1)
        off = arena._place(3, "minimum")
        assert off // 16 == (off + 2) // 16


def test_full_arena_raises_memory_error():
    with atomics.Arena(64 + 16) as arena:
        arena.atomic(16, atomics.BYTES)
        with pytest.raises(MemoryError, match="full"):
            arena.atomic(1, atomics.UINT)
        with pytest.raises(ValueError):
            atomics.Arena(64)


def test_default_arena_grows_when_full():
    objs = [atomics.shared(16, atomics.BYTES) for _ in range(3)]
    assert len({pickle.loads(pickle.dumps(o)).width for o in objs}) == 1


def test_shared_objects_cannot_be_released_from_under_them():
    """A shared object operates without the view checks, so its context
    (reachable only through gc.get_referents) refuses to be released, and
    the collector leaves its export to the end: a finalizer in the same
    garbage may still use the object."""
    import gc
    with atomics.Arena(4096) as arena:
        obj = arena.atomic(8, atomics.INT)
        ctx = [r for r in gc.get_referents(obj) if "Context" in type(r).__name__][0]
        with pytest.raises(ValueError, match="stays open"):
            ctx.release()
        with pytest.raises(ValueError, match="stays open"):
            ctx.__exit__(None, None, None)
        del ctx
        obj.inc()
        seen = []

        class Holder:
            def __del__(self):
                seen.append(self.obj.fetch_add(1))

        h = Holder()
        h.obj = obj
        h.me = h
        h.ctx = [r for r in gc.get_referents(obj) if "Context" in type(r).__name__][0]
        twin = pickle.loads(pickle.dumps(obj))
        del h, obj  # the object and its context are garbage with the holder
        gc.collect()
        assert seen == [1] and twin.load() == 2


# ---- objects that are not shared ----------------------------------------------------------------

def test_unshared_objects_still_refuse_pickling():
    owned = atomics.atomic(8, atomics.INT)
    with pytest.raises(TypeError, match="pickle"):
        pickle.dumps(owned)
    buf = bytearray(16)
    with atomics.atomicview(buf, atomics.INT, offset=8, width=8) as v:
        with pytest.raises(TypeError, match="pickle"):
            pickle.dumps(v)
    arr = atomics.atomicarray(bytearray(16), 4, atomics.UINT)
    with pytest.raises(TypeError, match="pickle"):
        pickle.dumps(arr)
    import copy
    with atomics.Arena(4096) as arena:
        s = arena.atomic(8, atomics.INT)
        with pytest.raises(TypeError):
            copy.copy(s)


# ---- bad handles ---------------------------------------------------------------------------------

def test_bad_handles():
    from atomics import _shared
    with atomics.Arena(4096) as arena:
        obj = arena.atomic(8, atomics.INT)
        fn, args = obj.__reduce_ex__(4)
        name, token, offset, width, atype, flags, align = args
        with pytest.raises(ValueError, match="does not belong"):
            fn(name, b"\0" * 8, offset, width, atype, flags, align)
        with pytest.raises(FileNotFoundError, match="no longer exists"):
            fn("atomics_0000000000000000", token, offset, width, atype, flags, align)
        with pytest.raises(ValueError, match="not the name"):
            fn("../etc/passwd", token, offset, width, atype, flags, align)
        with pytest.raises(ValueError, match="not the name"):
            fn(42, token, offset, width, atype, flags, align)
        with pytest.raises(TypeError, match="atype"):
            fn(name, token, offset, width, "FLOAT", flags, align)
        with pytest.raises(ValueError, match="offset"):
            fn(name, token, 0, width, atype, flags, align)  # the header is not an object
        with pytest.raises(ValueError, match="fit"):
            fn(name, token, 4096, width, atype, flags, align)
        with pytest.raises(atomics.exc.AlignmentError):
            fn(name, token, offset + 1, width, atype, flags, align)
        with pytest.raises(atomics.exc.UnsupportedWidthException):
            fn(name, token, offset, 17, atype, flags, align)
        with pytest.raises(TypeError):
            _shared._attach_array(name, token, offset, 2, 8, "UINT", "yes", "recommended")
        # wrong types to the public constructors
        with pytest.raises(TypeError, match="atype"):
            arena.atomic(8, int)
        with pytest.raises(ValueError, match="align"):
            arena.atomic(8, atomics.INT, align="page")
        with pytest.raises(atomics.exc.UnsupportedWidthException):
            arena.atomic(17, atomics.INT)
        with pytest.raises(TypeError):
            arena.atomic(8, atomics.INTEGRAL)  # needs is_signed=
    with pytest.raises(ValueError):
        atomics.Arena(4096, name="/tmp/x")


def test_allocate_refuses_bad_arguments_without_moving_the_pointer():
    """A negative `within` moved the shared bump pointer backwards (later
    allocations overlapped earlier ones in every process), within=3 broke
    the alignment, and allocate(8.5) complained about an argument named
    'desired'."""
    with atomics.Arena(4096) as arena:
        first = arena.allocate(8, 8)
        used = arena.used
        for within in (-8, -1, 3, 4, 12):
            with pytest.raises(ValueError, match="within"):
                arena.allocate(8, 8, within)
        for bad in (8.5, "8", None):
            with pytest.raises(TypeError, match="size must be an int"):
                arena.allocate(bad)
        with pytest.raises(TypeError, match="alignment must be an int"):
            arena.allocate(8, 2.0)
        with pytest.raises(ValueError, match="alignment"):
            arena.allocate(8, 3)
        with pytest.raises(ValueError, match="size"):
            arena.allocate(0)
        assert arena.used == used
        # within=16 keeps a 12-byte object inside one 16-byte block
        for _ in range(5):
            at = arena.allocate(12, 1, 16)
            assert at // 16 == (at + 11) // 16 and at > first


def test_failed_placements_take_no_space():
    with atomics.Arena(4096) as arena:
        used = arena.used
        for _ in range(100):
            with pytest.raises(TypeError):
                arena.atomic(8, atomics.INTEGRAL)  # needs is_signed=
            with pytest.raises(TypeError):
                arena.array(4, 8, atomics.INTEGRAL)  # needs is_signed=
        with pytest.raises(ValueError):
            arena.array(4, 3, atomics.UINT)  # arrays take powers of two
        assert arena.used == used
        x = arena.atomic(8, atomics.UINT)
        x.store(5)
        assert x.load() == 5


def test_arena_names_with_nul_are_refused():
    """shm_open cut the name at the NUL: two names collided, and the name
    reported was not the segment's."""
    for name in ("atomics_\x00x", "atomics_a\x00"):
        with pytest.raises(ValueError, match="NUL"):
            atomics.Arena(4096, name=name)


def test_shared_array_larger_than_the_default_arena():
    """1.2.0: always MemoryError past about 1 MiB, and each call left a new
    1 MiB segment behind."""
    before = segments()
    n = 300_000  # 2.4 MB of UINT64
    arr = atomics.shared_array(n, 8, atomics.UINT)
    arr.store(n - 1, 41)
    arr.inc(n - 1)
    assert len(arr) == n and arr.load(n - 1) == 42
    clone = pickle.loads(pickle.dumps(arr))
    assert clone.load(n - 1) == 42
    made = segments() - before
    assert len(made) <= 2  # the array's own arena (and perhaps the default one)


def test_an_arena_larger_than_shared_memory_is_refused():
    """Arena(1 TiB) on a smaller /dev/shm was accepted (ftruncate reserves
    nothing) and the first touch of a page past the free space died of
    SIGBUS. Its pages are reserved at creation now: OSError, and nothing
    left behind."""
    free = os.statvfs("/dev/shm")
    if free.f_bavail * free.f_frsize >= 1 << 40 or not hasattr(os, "posix_fallocate"):
        pytest.skip("needs /dev/shm smaller than 1 TiB and posix_fallocate")
    before = segments()
    with pytest.raises(OSError, match="cannot reserve"):
        atomics.Arena(1 << 40)
    assert segments() == before


def test_handle_from_a_finished_creator():
    proc = run("""
        import pickle, atomics
        obj = atomics.shared(8, atomics.INT)
        obj.store(7)
        print(pickle.dumps(obj).hex())
    """)
    assert proc.returncode == 0, proc.stderr
    data = bytes.fromhex(proc.stdout.strip())
    with pytest.raises(FileNotFoundError, match="no longer exists"):
        pickle.loads(data)


# ---- lifetime: /dev/shm before and after ---------------------------------------------------------

def test_normal_exit_unlinks():
    before = segments()
    proc = run("""
        import atomics
        a = atomics.Arena(4096)           # never unlinked explicitly
        x = a.atomic(8, atomics.INT)
        s = atomics.shared(8, atomics.UINT)
        import os
        print(a.name, sorted(n for n in os.listdir('/dev/shm') if n.startswith('atomics_')))
    """)
    assert proc.returncode == 0, proc.stderr
    name = proc.stdout.split()[0]
    assert name in proc.stdout.split(" ", 1)[1]  # it existed while the creator ran
    assert segments() <= before
    assert "leaked" not in proc.stderr


def test_unlink_keeps_attached_objects_working():
    arena = atomics.Arena(4096)
    obj = arena.atomic(8, atomics.INT)
    data = pickle.dumps(obj)
    early = pickle.loads(data)
    arena.unlink()
    arena.unlink()  # idempotent
    assert arena.name not in segments()
    early.add(3)
    obj.add(4)
    assert obj.load() == 7 == early.load()
    # a process that already has the mapping re-attaches from it
    assert pickle.loads(data).load() == 7
    more = arena.atomic(8, atomics.INT)  # the mapping still places objects
    more.inc()
    assert more.load() == 1


def test_killed_child_leaks_nothing(tmp_path):
    before = segments()
    script = tmp_path / "killed_child.py"  # a file: spawn children import it
    script.write_text(textwrap.dedent("""
        import multiprocessing as mp, os, signal, time, atomics
        def child(obj, ready):
            obj.inc()
            ready.set()
            time.sleep(60)
        if __name__ == '__main__':
            ctx = mp.get_context('spawn')
            arena = atomics.Arena(4096)
            obj = arena.atomic(8, atomics.INT)
            ready = ctx.Event()
            p = ctx.Process(target=child, args=(obj, ready))
            p.start()
            assert ready.wait(60)
            os.kill(p.pid, signal.SIGKILL)
            p.join()
            print(arena.name, obj.load(), p.exitcode)
    """))
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    name, count, code = proc.stdout.split()
    assert count == "1" and code == str(-signal.SIGKILL)
    assert wait_gone(name)
    assert segments() <= before


@pytest.mark.parametrize("method", METHODS)
def test_arenas_a_child_creates_go_when_it_exits(tmp_path, method):
    """A child started by multiprocessing leaves through os._exit (fork) or
    sys.exit (spawn); either way the arenas it created are unlinked, and the
    parent's are not touched by the child's exit."""
    before = segments()
    script = tmp_path / "child_creates.py"
    script.write_text(textwrap.dedent(f"""
        import multiprocessing as mp, os, atomics
        MINE = 'atomics_' + os.environ.get('ATOMICS_ARENA_TAG', '')  # not another program's
        def child(q, parent_obj):
            parent_obj.inc()
            a = atomics.Arena(4096)
            s = atomics.shared(8, atomics.INT)
            q.put((a.name, [n for n in __import__('os').listdir('/dev/shm')
                            if n.startswith(MINE)]))
        if __name__ == '__main__':
            ctx = mp.get_context({method!r})
            mine = atomics.Arena(4096)
            obj = mine.atomic(8, atomics.INT)
            q = ctx.Queue()
            p = ctx.Process(target=child, args=(q, obj))
            p.start()
            name, seen = q.get(timeout=60)
            p.join()
            import os
            now = [n for n in os.listdir('/dev/shm') if n.startswith(MINE)]
            print(p.exitcode, obj.load(), name in seen, name in now, mine.name in now,
                  len(seen) - len(now))
    """))
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    # exit code, count, the child's arena existed, it is gone, ours is not, two went
    assert proc.stdout.split() == ["0", "1", "True", "False", "True", "2"], proc.stdout
    assert segments() <= before
    assert "leaked" not in proc.stderr, proc.stderr


def test_killed_creator_is_cleaned_by_the_resource_tracker():
    before = segments()
    p = subprocess.Popen([sys.executable, "-c", textwrap.dedent("""
        import sys, time, atomics
        a = atomics.Arena(4096)
        a.atomic(8, atomics.INT).store(1)
        print(a.name, flush=True)
        time.sleep(60)
    """)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        name = p.stdout.readline().strip()
        if not name:
            pytest.fail(p.stderr.read())
        assert name in segments()
        p.send_signal(signal.SIGKILL)
        p.wait(30)
        # the tracker notices its last client is gone and unlinks
        assert wait_gone(name), "the resource tracker did not remove the segment"
    finally:
        p.kill()
        p.wait()
        p.stdout.close()
        p.stderr.close()
    assert segments() <= before


def test_child_after_the_creator_exits(tmp_path):
    """The creator exits (which unlinks the name) while a child that already
    attached an object keeps using it; a handle the child had not attached
    yet fails with FileNotFoundError."""
    before = segments()
    out = tmp_path / "child.out"
    creator = textwrap.dedent("""
        import pickle, subprocess, sys, atomics
        obj = atomics.shared(8, atomics.INT)
        obj.store(5)
        later = atomics.Arena(4096).atomic(8, atomics.INT)  # a segment the child never maps
        child = subprocess.Popen(
            [sys.executable, '-c', sys.argv[1], sys.argv[2]], stdin=subprocess.PIPE, text=True)
        child.stdin.write(pickle.dumps(obj).hex() + '\\n')
        child.stdin.write(pickle.dumps(later).hex() + '\\n')
        child.stdin.flush()
        import time
        while 'attached' not in open(sys.argv[2]).read():
            time.sleep(0.01)
    """)
    child = textwrap.dedent("""
        import os, pickle, sys, time, atomics
        out = open(sys.argv[1], 'w', buffering=1)
        obj = pickle.loads(bytes.fromhex(sys.stdin.readline()))
        later = bytes.fromhex(sys.stdin.readline())
        out.write('attached\\n')
        sys.stdin.read()             # EOF: the creator has exited
        time.sleep(0.2)
        obj.add(10)
        out.write('%d\\n' % obj.load())
        try:
            pickle.loads(later)
            out.write('attached again\\n')
        except FileNotFoundError:
            out.write('gone\\n')
        out.write('done\\n')
    """)
    out.write_text("")
    proc = subprocess.run([sys.executable, "-c", creator, child, str(out)], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    deadline = time.monotonic() + 30
    while "done" not in out.read_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert out.read_text().split() == ["attached", "15", "gone", "done"]
    assert segments() <= before


# ---- sub-interpreters --------------------------------------------------------------------------

try:
    import _interpreters  # noqa: F401  (CPython 3.13+)
except ImportError:
    _interpreters = None


@pytest.mark.skipif(_interpreters is None, reason="needs CPython 3.13+ (_interpreters)")
def test_handles_reattach_in_subinterpreters():
    proc = run(r"""
        import pickle, threading, _interpreters, atomics
        arena = atomics.Arena(4096)
        counter = arena.atomic(8, atomics.INT)
        hist = arena.array(4, 8, atomics.UINT)
        data = pickle.dumps((counter, hist))
        worker = ("import pickle, atomics\n"
                  f"counter, hist = pickle.loads({data!r})\n"
                  "for i in range(20000):\n"
                  "    counter.inc()\n"
                  "    hist.inc(i % 4)\n")
        ids = [_interpreters.create("isolated") for _ in range(2)]
        ts = [threading.Thread(target=_interpreters.exec, args=(i, worker)) for i in ids]
        for t in ts: t.start()
        for t in ts: t.join()
        for i in ids:
            _interpreters.destroy(i)
        print(counter.load(), hist.tolist())
        arena.unlink()
    """, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split("\n")[0] == "40000 [10000, 10000, 10000, 10000]", proc.stdout + proc.stderr


try:
    import concurrent.interpreters as _concurrent_interpreters  # CPython 3.14+
except ImportError:
    _concurrent_interpreters = None


@pytest.mark.skipif(_concurrent_interpreters is None,
                    reason="needs CPython 3.14+ (concurrent.interpreters)")
def test_objects_travel_through_a_concurrent_interpreters_queue():
    """3.14's public API: the objects go through an interpreters queue
    (which pickles them to their handles) and the workers count on the
    same memory as the main interpreter."""
    proc = run(r"""
        import threading, atomics
        from concurrent import interpreters
        arena = atomics.Arena(4096)
        counter = arena.atomic(8, atomics.INT)
        hist = arena.array(4, 8, atomics.UINT)
        queue = interpreters.create_queue()
        workers = [interpreters.create() for _ in range(2)]
        for w in workers:
            w.prepare_main(queue=queue)
            queue.put((counter, hist))
        code = ("counter, hist = queue.get()\n"
                "for i in range(20000):\n"
                "    counter.inc()\n"
                "    hist.inc(i % 4)\n")
        ts = [threading.Thread(target=w.exec, args=(code,)) for w in workers]
        for t in ts: t.start()
        for t in ts: t.join()
        for w in workers:
            w.close()
        print(counter.load(), hist.tolist())
        arena.unlink()
    """, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split("\n")[0] == "40000 [10000, 10000, 10000, 10000]", proc.stdout + proc.stderr


def test_full_shared_memory_is_an_error_not_sigbus(tmp_path):
    """On a 1 MiB /dev/shm (a private mount namespace), arenas past the free
    space raise OSError at creation; 1.2.0's first touch of such a page
    killed the interpreter with SIGBUS."""
    import shutil
    unshare = shutil.which("unshare")
    if unshare is None or os.geteuid() != 0 or not hasattr(os, "posix_fallocate"):
        pytest.skip("needs root, unshare(1) and posix_fallocate for a private small /dev/shm")
    script = tmp_path / "fill.py"
    script.write_text(textwrap.dedent("""
        import atomics
        arenas = []
        try:
            while True:
                a = atomics.Arena(256 * 1024)
                x = a.atomic(8, atomics.UINT)
                x.inc()
                arenas.append(a)
        except OSError as e:
            print("refused", len(arenas), e.errno)
        for a in arenas:  # what was made still works
            assert a.atomic(8, atomics.UINT).fetch_inc() == 0
        try:
            atomics.Arena(4 << 20)
        except OSError:
            print("big refused")
    """))
    private = [unshare, "-m", "--propagation", "private", "sh", "-c"]
    mount = "mount -t tmpfs -o size=1m tmpfs /dev/shm"
    probe = subprocess.run(private + [mount], capture_output=True, text=True, timeout=60)
    if probe.returncode != 0:  # a container or chroot that cannot do it
        pytest.skip(f"cannot mount a private tmpfs here: {probe.stderr.strip()[:200]}")
    proc = subprocess.run(private + [f"{mount} && exec {sys.executable} {script}"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, (proc.returncode, proc.stdout, proc.stderr)
    lines = proc.stdout.split("\n")
    refused = lines[0].split()
    assert refused[0] == "refused" and 1 <= int(refused[1]) <= 4 and int(refused[2]) == 28
    assert "big refused" in proc.stdout


@pytest.mark.skipif(sys.version_info < (3, 13) or not os.path.isdir("/proc/self/fd"),
                    reason="mmap(trackfd=False) is 3.13+; counts /proc/self/fd")
def test_mapped_arenas_keep_no_file_descriptor():
    """Each mapped arena kept a descriptor (mmap's dup): the 250th live
    arena failed with EMFILE under a limit of 256."""
    before = len(os.listdir("/proc/self/fd"))
    arenas = [atomics.Arena(4096) for _ in range(20)]
    assert len(os.listdir("/proc/self/fd")) - before < 3
    for a in arenas:
        a.atomic(8, atomics.UINT).inc()
        a.unlink()


def test_forged_array_handle_without_a_length_is_refused():
    """length=None made the array run to the end of the segment."""
    from atomics import _shared
    with atomics.Arena(4096) as arena:
        for bad in (None, -1, 2.0, True):
            with pytest.raises(ValueError, match="length"):
                _shared._attach_array(arena.name, arena._token, 64, bad, 8, "UINT", None,
                                      "recommended")


def test_an_uninitialised_arena_says_so():
    bare = atomics.Arena.__new__(atomics.Arena)
    for call in (bare.unlink, lambda: pickle.dumps(bare), lambda: bare.name,
                 lambda: bare.allocate(8), lambda: bare.atomic(8, atomics.UINT)):
        with pytest.raises(AttributeError, match="never initialised"):
            call()
    assert not hasattr(bare, "_mm")
    with atomics.Arena(4096) as real:
        with pytest.raises(AttributeError, match="no attribute 'nope'"):
            real.nope
