"""Nothing held forever: reference cycles that pass through a view's
context, a view or a CmpxchgResult are found and broken by the garbage
collector, and breaking one gives the buffer export back exactly once.

Before atomics 1.2.0 these types were not GC-tracked: such a cycle kept the
export alive for the life of the process (mmap.close() raised "cannot close
exported pointers exist", a bytearray could never be resized again)."""
import ctypes
import gc
import mmap
import os
import sys
import weakref

import pytest

import atomics
from atomics import INT, UINT, CmpxchgResult


class OwnBytes(bytearray):
    """A bytearray that can hold attributes (and so its own context)."""


class OwnMmap(mmap.mmap):
    """An anonymous mapping that can hold attributes."""


def collected(make_cycle):
    """Builds a cycle, drops it, and tells whether gc.collect() freed it."""
    gc.collect()
    probe = make_cycle()
    del make_cycle
    gc.collect()
    return probe() is None


# Before CPython 3.13 a memoryview's tp_clear dropped its managed buffer even
# while exported, so the collector clearing it before the view's context gave
# the export back crashed the interpreter. There the extension hides
# memoryview exporters from the collector: a cycle that runs through the
# memoryview itself is not collected (the view keeps it, as before 1.2.0).
MEMORYVIEW_CYCLES = sys.version_info >= (3, 13) or hasattr(sys, "pypy_version_info")
needs_memoryview_cycles = pytest.mark.skipif(
    not MEMORYVIEW_CYCLES, reason="before 3.13 cycles through a memoryview exporter are kept "
    "(CPython's memoryview tp_clear is unsafe while exported)")


@pytest.mark.parametrize("holder", ["view", "array"])
def test_cycle_beside_a_memoryview_exporter_is_collected_without_crashing(holder):
    """The crash this guards against: a view (or array) over a memoryview
    slice, both held by a frame that an exception's traceback keeps (what
    every `except ... as e` in a test does). A subprocess, since the
    failure was a segmentation fault inside gc.collect()."""
    make = ("ctx = atomics.atomicview(mv, atomics.UINT); v = ctx.__enter__(); v.store(7)"
            if holder == "view" else "arr = atomics.atomicarray(mv, 2, atomics.UINT); arr.inc(1)")
    code = "\n".join([
        "import gc, weakref, atomics",
        "class Box: pass",
        "def f():",
        "    raw = bytearray(16)",
        "    mv = memoryview(raw)[0:8]",
        "    " + make,
        "    box = Box()",
        "    try:",
        "        raise ValueError",
        "    except ValueError as e:",
        "        err = e",
        "    return weakref.ref(box)",
        "probe = f()",
        "gc.collect()",
        "assert probe() is None, 'the frame cycle was not collected'",
        "print('ok')",
    ])
    import subprocess
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and r.stdout.strip() == "ok", (r.returncode, r.stdout, r.stderr)


@needs_memoryview_cycles
def test_bytearray_holding_its_context():
    def cycle():
        b = OwnBytes(8)
        b.ctx = atomics.atomicview(buffer=memoryview(b)[:8], atype=INT)
        return weakref.ref(b)
    assert collected(cycle)


def test_bytearray_holding_its_open_view():
    def cycle():
        b = OwnBytes(8)
        b.ctx = atomics.atomicview(buffer=b, atype=UINT)
        b.view = b.ctx.__enter__()
        b.view.inc()
        return weakref.ref(b)
    assert collected(cycle)


@needs_memoryview_cycles
def test_mmap_holding_its_context_and_view():
    def cycle():
        m = OwnMmap(-1, mmap.PAGESIZE)
        m.ctx = atomics.atomicview(buffer=memoryview(m)[:8], atype=INT)
        m.view = m.ctx.__enter__()
        m.view.store(7)
        return weakref.ref(m)
    assert collected(cycle)


@pytest.mark.skipif(sys.version_info < (3, 12), reason="__buffer__ is Python 3.12+")
def test_buffer_class_keeping_its_view():
    data = bytearray(8)

    class Exporter:
        def __buffer__(self, flags):
            return memoryview(data)

    def cycle():
        e = Exporter()
        e.ctx = atomics.atomicview(buffer=e, atype=INT)
        e.view = e.ctx.__enter__()
        e.view.store(-1)
        return weakref.ref(e)
    assert collected(cycle)
    assert data == b"\xff" * 8
    data.extend(b"resizable again")


def test_cmpxchg_result_holding_itself():
    class Sentinel:
        pass

    def cycle():
        s = Sentinel()
        r = CmpxchgResult(success=True, expected=[s])
        r.expected.append(r)
        return weakref.ref(s)
    assert collected(cycle)


def test_cmpxchg_results_from_operations_are_collectable_too():
    a = atomics.atomic(width=8, atype=INT)
    r = a.cmpxchg_strong(0, 1)
    assert gc.is_tracked(r)
    assert r.success and r.expected == 0


def rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs /proc")
def test_hundred_cycles_over_one_mib_buffers_leave_rss_flat():
    def cycles(n, through_atomics):
        probes = []
        gcstate = gc.isenabled()
        gc.disable()  # no collection until we ask: the cycles must not leak
        try:
            for _ in range(n):
                b = OwnBytes(1 << 20)
                b[:] = b"\x01" * len(b)  # touch every page
                if through_atomics:
                    # part of the bytearray by offset= (a memoryview slice would
                    # stay uncollected before 3.13: see MEMORYVIEW_CYCLES)
                    b.ctx = atomics.atomicview(buffer=b, atype=INT, offset=0, width=8)
                    b.view = b.ctx.__enter__()
                    b.view.inc()
                else:
                    b.me = b
                probes.append(weakref.ref(b))
                del b
        finally:
            gc.collect()
            if gcstate:
                gc.enable()
        return probes

    # The allocators keep some freed memory for reuse (glibc raises its mmap
    # threshold after the first large free; mimalloc on free-threaded builds
    # holds pages): let plain cycles of the same size settle that first.
    cycles(100, through_atomics=False)
    before = rss_bytes()
    probes = cycles(100, through_atomics=True)
    grown = rss_bytes() - before
    assert sum(p() is not None for p in probes) == 0
    # 100 leaked cycles would keep 100 MiB
    assert grown < 16 << 20, f"RSS grew by {grown / 2**20:.1f} MiB"


# ---- what the collector's clear leaves behind ----------------------------------------


def type_slot(tp, index):
    """The function pointer in slot `index` of a static PyTypeObject layout,
    checked against tp_flags (slot 18) so that a layout we do not know is a
    skip, not a wrong call."""
    head = 3 * ctypes.sizeof(ctypes.c_void_p)  # ob_refcnt, ob_type, ob_size
    words = (ctypes.c_void_p * 24).from_address(id(tp) + head)
    if ctypes.c_ulong.from_address(id(tp) + head + 18 * ctypes.sizeof(ctypes.c_void_p)).value \
            != tp.__flags__:
        pytest.skip("unknown PyTypeObject layout")
    return words[index]


@pytest.mark.skipif(sys.implementation.name != "cpython" or hasattr(sys, "_is_gil_enabled"),
                    reason="reads the PyTypeObject layout of GIL builds of CPython")
def test_clear_releases_the_export_once_and_leaves_the_view_raising():
    buf = bytearray(8)
    ctx = atomics.atomicview(buffer=buf, atype=INT)
    view = ctx.__enter__()
    view.inc()
    clear = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.py_object)(type_slot(type(ctx), 21))
    assert clear(ctx) == 0
    buf.extend(b"grown")  # the export is back
    with pytest.raises(ValueError):
        view.load()
    with pytest.raises(ValueError):
        view.width
    assert clear(ctx) == 0  # a second clear gives nothing back twice
    ctx.__exit__(None, None, None)
    ctx.release()
    del view, ctx
    gc.collect()
    buf.extend(b"again")
