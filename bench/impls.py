"""What "the same call" is for every implementation the benchmark compares.

Each implementation gives:
- ``subjects()``: single-thread timings, each a statement (``stmt``) run in a
  loop over names bound from a fresh namespace (``setup()``), labelled with the
  operation it stands for (an ``OPS`` key), the width and the value type;
- ``contended()``: shared counters incremented from 2 threads or 2 processes;
- ``constructor``: an expression making one width-8 integer object, for the
  memory measurements.

The package under test and the published ``atomics`` 1.0.3 share one import
name, so every implementation runs in a worker process of its own virtual
environment (see run.py); this module imports nothing outside the standard
library at import time, only inside the adapter that needs it.

Where a peer has no call for an operation it is left out (shown as n/a), and
where its nearest call does something slightly different the ``note`` says so.
"""
import importlib

# Operations, in the order of the report.
OPS = [
    ("construct", "construction with atomic() (and the object's deallocation)"),
    ("view_enter_exit", "atomicview(buffer, atype) + __enter__ + __exit__"),
    ("load", "load()"),
    ("store", "store(v)"),
    ("inc", "inc()"),
    ("fetch_add", "fetch_add(1)"),
    ("exchange", "exchange(v)"),
    ("cmpxchg_strong", "cmpxchg_strong(expected, desired), succeeding"),
    ("bit_test_set", "bit_test_set(0)"),
    ("view_load", "load() on an atomicview"),
    ("view_inc", "inc() on an atomicview"),
]
OP_NAMES = [name for name, _ in OPS]

WIDTHS = (1, 8, 16)
TYPES = ("INT", "BYTES")

class Subject:
    """One timed statement."""

    def __init__(self, impl, op, width, atype, stmt, setup, call=None, note="",
                 global_names=()):
        self.impl = impl
        self.op = op
        self.width = width
        self.atype = atype
        self.stmt = stmt
        self.setup = setup
        self.call = call or stmt
        self.note = note
        self.global_names = tuple(global_names)

    def key(self):
        return {"impl": self.impl, "op": self.op, "width": self.width,
                "type": self.atype, "call": self.call}


class Contended:
    """A counter shared by two threads or two processes.

    ``create()`` runs in the parent and returns a picklable handle;
    ``attach(handle)`` runs in each thread or process and returns
    ``(stmt, namespace, detach)``: the statement that adds 1 once, the names
    it uses, and a callable undoing the attach; ``total(handle)`` reads the
    final count; ``destroy(handle)`` frees what ``create()`` made.
    """

    name = ""
    mode = "threads"
    note = ""
    atomic = True  # the final count must be exact

    def create(self):
        raise NotImplementedError

    def attach(self, handle):
        raise NotImplementedError

    def total(self, handle):
        raise NotImplementedError

    def destroy(self, handle):
        pass


# ---- helpers for shared memory ---------------------------------------------------

def _shm_create(size=8):
    from multiprocessing import shared_memory
    shm = shared_memory.SharedMemory(create=True, size=size)
    shm.buf[:size] = bytes(size)
    name = shm.name
    shm.close()
    return name


def _shm_open(name):
    from multiprocessing import shared_memory
    return shared_memory.SharedMemory(name=name)


def _shm_read_i64(name):
    shm = _shm_open(name)
    try:
        return int.from_bytes(bytes(shm.buf[:8]), "little", signed=True)
    finally:
        shm.close()


def _shm_destroy(name):
    shm = _shm_open(name)
    shm.close()
    shm.unlink()


class ShmProcesses(Contended):
    """Processes adding to one int64 at the start of a SharedMemory segment,
    each through a view of its own: ``open_view(buf)`` returns the object
    ``stmt`` works on and what closes it."""

    mode = "processes"
    stmt = ""

    def open_view(self, buf):
        raise NotImplementedError

    def create(self):
        return _shm_create(8)

    def attach(self, handle):
        shm = _shm_open(handle)
        buf = shm.buf[:8]
        a, close = self.open_view(buf)
        ns = {"a": a}

        def detach():
            ns.clear()
            close()
            buf.release()
            shm.close()
        return self.stmt, ns, detach

    def total(self, handle):
        return _shm_read_i64(handle)

    def destroy(self, handle):
        _shm_destroy(handle)


# ---- the atomics API: ours, atomics 1.0.3, atomics2 ----------------------------------

class AtomicsApi:
    """The package under test and its forks share one API."""

    def __init__(self, impl, module_name, dist):
        self.impl = impl
        self.module_name = module_name
        self.dist = dist
        self.constructor = "atomic(width=8, atype=INT)"

    def module(self):
        return importlib.import_module(self.module_name)

    def constructor_ns(self):
        m = self.module()
        return {"atomic": m.atomic, "INT": m.INT}

    def subjects(self, widths=WIDTHS, types=TYPES):
        m = self.module()
        out = []
        for atype in types:
            for width in widths:
                out.extend(self._subjects_for(m, width, atype))
        return out

    def _subjects_for(self, m, width, atype):
        helper = getattr(m, atype)
        integral = atype != "BYTES"

        def setup(view=False):
            def make():
                ns = {"atomic": m.atomic, "atomicview": m.atomicview, "T": helper, "W": width,
                      "buf": bytearray(width),
                      "v": 1 if integral else b"\x01" * width,
                      "z": 0 if integral else bytes(width)}
                if view:
                    ctx = m.atomicview(buffer=ns["buf"], atype=helper)
                    ns["a"] = ctx.__enter__()
                    ns["_ctx"] = ctx  # keeps the context (and its export) alive
                else:
                    ns["a"] = m.atomic(width=width, atype=helper)
                return ns
            return make

        def add(op, stmt, view=False, note=""):
            out.append(Subject(self.impl, op, width, atype, stmt, setup(view), note=note))

        out = []
        add("construct", "atomic(width=W, atype=T)")
        add("view_enter_exit", "with atomicview(buffer=buf, atype=T) as _v:\n    pass",
            note="a new context each time: a context opens once")
        add("load", "a.load()")
        add("store", "a.store(v)")
        if integral:
            add("inc", "a.inc()")
            add("fetch_add", "a.fetch_add(v)")
        add("exchange", "a.exchange(v)")
        add("cmpxchg_strong", "a.cmpxchg_strong(z, z)")
        add("bit_test_set", "a.bit_test_set(0)")
        if integral and width == 8:
            add("view_load", "a.load()", view=True)
            add("view_inc", "a.inc()", view=True)
        return out

    def contended(self):
        api = self

        class Threads(Contended):
            name = "atomic(8, INT).inc()"
            mode = "threads"

            def create(self):
                m = api.module()
                return m.atomic(width=8, atype=m.INT)

            def attach(self, handle):
                return "a.inc()", {"a": handle}, lambda: None

            def total(self, handle):
                return handle.load()

        class Processes(ShmProcesses):
            name = "atomicview(shm, INT).inc()"
            stmt = "a.inc()"

            def open_view(self, buf):
                m = api.module()
                ctx = m.atomicview(buffer=buf, atype=m.INT)
                return ctx.__enter__(), lambda: ctx.__exit__(None, None, None)

        return [Threads(), Processes()]


# ---- peers with their own APIs -----------------------------------------------------------

class Peer:
    """A peer with a width-8 integer type and calls named its own way.

    ``calls`` maps an operation to a list of (statement, note); the first is
    the nearest equivalent, later ones are alternatives the peer also offers
    (the report keeps the fastest for the targets)."""

    impl = ""
    module_name = ""
    dist = ""
    widths = (8,)
    type_name = ""  # the module's integer type: `a` is type_name(0)
    read_method = "get"  # the method that reads a value
    calls = {}
    thread_stmt = None

    @property
    def constructor(self):
        return self.type_name + "(0)"

    def module(self):
        return importlib.import_module(self.module_name)

    def names(self, width):
        """Names the statements use, for one object of `width` bytes."""
        cls = getattr(self.module(), self.type_name)
        return {self.type_name: cls, "a": cls(0)}

    def constructor_ns(self):
        return {k: v for k, v in self.names(8).items() if k != "a"}

    def subjects(self):
        out = []
        for width in self.widths:
            for op, variants in self.calls.items():
                for stmt, note in variants:
                    out.append(Subject(self.impl, op, width, "INT",
                                       stmt.replace("{w}", str(8 * width)),
                                       (lambda width=width: self.names(width)), note=note))
        return out

    def contended(self):
        peer = self
        if peer.thread_stmt is None:
            return []

        class Threads(Contended):
            name = peer.thread_stmt
            mode = "threads"

            def create(self):
                return peer.names(8)["a"]

            def attach(self, handle):
                return peer.thread_stmt, {"a": handle}, lambda: None

            def total(self, handle):
                return peer.read(handle)

        return [Threads()]

    def read(self, obj):
        return getattr(obj, self.read_method)()


class Cereggii(Peer):
    impl = "cereggii"
    module_name = "cereggii"
    dist = "cereggii"
    type_name = "AtomicInt64"
    calls = {
        "construct": [("AtomicInt64(0)", "")],
        "load": [("a.get()", "")],
        "store": [("a.set(1)", "")],
        "inc": [("a.increment_and_get()", "returns the new value"),
                ("a += 1", "in-place operator")],
        "fetch_add": [("a.get_and_increment(1)", "")],
        "exchange": [("a.get_and_set(1)", "")],
        "cmpxchg_strong": [("a.compare_and_set(0, 0)", "returns a bool")],
    }
    thread_stmt = "a.increment_and_get()"


class FtUtils(Peer):
    impl = "ft_utils"
    module_name = "ft_utils.concurrency"
    dist = "ft_utils"
    type_name = "AtomicInt64"
    calls = {
        "construct": [("AtomicInt64(0)", "")],
        "load": [("a.get()", "")],
        "store": [("a.set(1)", "")],
        "inc": [("a.incr()", "returns the new value"), ("a += 1", "in-place operator")],
    }
    thread_stmt = "a.incr()"


class Atomicx(Peer):
    impl = "atomicx"
    module_name = "atomicx"
    dist = "atomicx"
    type_name = "AtomicInt"
    read_method = "load"
    calls = {
        "construct": [("AtomicInt(0)", "")],
        "load": [("a.load()", "")],
        "store": [("a.store(1)", "")],
        "inc": [("a.inc()", "returns the old value")],
        "fetch_add": [("a.add(1)", "returns the old value")],
        "exchange": [("a.swap(1)", "")],
        "cmpxchg_strong": [("a.compare_exchange(0, 0)", "returns (bool, old)")],
        "bit_test_set": [("a.fetch_or(1)", "returns the old value, not the bit")],
    }
    thread_stmt = "a.inc()"


class Atomicshm(Peer):
    """Unsigned cells of a buffer view; widths 1, 2, 4, 8."""

    impl = "atomicshm"
    module_name = "atomicshm"
    dist = "atomicshm"
    widths = (1, 8)
    constructor = "AtomicView(bytearray(8)).cell_u64(0)"
    read_method = "load"
    calls = {
        "construct": [("AtomicView(bytearray(W)).cell_u{w}(0)",
                       "no owned objects: a view of a new bytearray and a cell of it")],
        "view_enter_exit": [("with AtomicView(buf) as _v:\n    pass", "")],
        "load": [("a.load()", "unsigned")],
        "store": [("a.store(1)", "")],
        "inc": [("a.fetch_add(1)", "no inc(): fetch_add(1), returns the old value")],
        "fetch_add": [("a.fetch_add(1)", "")],
        "exchange": [("a.exchange(1)", "")],
        "cmpxchg_strong": [("a.cas(0, 0)", "returns the old value")],
        "bit_test_set": [("a.fetch_or(1)", "returns the old value, not the bit")],
    }
    thread_stmt = "a.fetch_add(1)"

    def names(self, width):
        m = self.module()
        buf = bytearray(width)
        view = m.AtomicView(buf)
        return {"AtomicView": m.AtomicView, "W": width, "buf": bytearray(width), "_view": view,
                "a": getattr(view, "cell_u%d" % (8 * width))(0)}

    def contended(self):
        out = super().contended()
        peer = self

        class Processes(ShmProcesses):
            name = "AtomicView(shm).cell_u64(0).fetch_add(1)"
            stmt = "a.fetch_add(1)"

            def open_view(self, buf):
                view = peer.module().AtomicView(buf)
                return view.cell_u64(0), view.close

        out.append(Processes())
        return out


# ---- the plain-Python references ---------------------------------------------------------

class PythonRefs:
    """Baselines from the standard library, run by the interpreter under test."""

    impl = "python"
    dist = None
    constructor = None

    REFS = [
        # (op, stmt, globals, note)
        ("noop", "pass", (), "the loop alone: what every other row also pays"),
        ("call_floor", "n.bit_length()", (),
         "a near-empty METH_NOARGS method of the object's own type: the cheapest C call"),
        ("call_floor_kw", "e.hex()", (),
         "a near-empty METH_FASTCALL|METH_KEYWORDS method (bytes.hex of b'') of the "
         "object's own type: the cheapest call that accepts keywords"),
        ("call_inherited", "s.hex()", (),
         "the same on an instance of a subclass without __dict__: the method is inherited, "
         "as atomics' are"),
        ("int_local", "x += 1", (), "x += 1 on a local int"),
        ("int_global", "x += 1", ("x",), "x += 1 on a global int"),
        ("lock_local", "with lock:\n    x += 1", (), "x += 1 on a local under threading.Lock"),
        ("lock_global", "with lock:\n    x += 1", ("x",),
         "x += 1 on a global under threading.Lock"),
        ("mp_value", "with v.get_lock():\n    v.value += 1", (),
         "multiprocessing.Value('q') with its lock"),
    ]

    def subjects(self):
        import multiprocessing
        import threading

        class Sub(bytes):
            __slots__ = ()

        def setup():
            return {"x": 0, "n": 12345, "lock": threading.Lock(),
                    "v": multiprocessing.Value("q", 0, lock=True),
                    "e": b"", "s": Sub(b"")}

        out = [Subject("python", op, None, None, stmt, setup, note=note, global_names=g)
               for op, stmt, g, note in self.REFS]
        for width in WIDTHS:
            def mv_setup(width=width):
                return {"buf": bytearray(width)}
            out.append(Subject("python", "memoryview", width, None, "memoryview(buf)", mv_setup,
                               note="memoryview(buf) on the bytearray atomicview gets"))
            out.append(Subject("python", "memoryview_with", width, None,
                               "with memoryview(buf) as _m:\n    pass", mv_setup,
                               note="the same, entered and exited"))
        return out

    def contended(self):
        class LockInt(Contended):
            name = "with lock: x += 1 (global int)"
            mode = "threads"

            def create(self):
                import threading
                return {"x": 0, "lock": threading.Lock()}

            def attach(self, handle):
                return "with lock:\n    x += 1", handle, lambda: None

            def total(self, handle):
                return handle["x"]

        class Racy(Contended):
            name = "x += 1 (global int, no lock)"
            mode = "threads"
            note = "not atomic: may lose updates (rarely under the GIL, often without it)"
            atomic = False

            def create(self):
                return {"x": 0}

            def attach(self, handle):
                return "x += 1", handle, lambda: None

            def total(self, handle):
                return handle["x"]

        class ValueThreads(Contended):
            name = "with v.get_lock(): v.value += 1"
            mode = "threads"

            def create(self):
                import multiprocessing
                return multiprocessing.Value("q", 0, lock=True)

            def attach(self, handle):
                return "with v.get_lock():\n    v.value += 1", {"v": handle}, lambda: None

            def total(self, handle):
                return handle.value

        class ValueProcesses(ValueThreads):
            mode = "processes"

            def create(self):
                import multiprocessing
                return multiprocessing.get_context("spawn").Value("q", 0, lock=True)

        return [LockInt(), Racy(), ValueThreads(), ValueProcesses()]


# ---- the registry --------------------------------------------------------------------------

ADAPTERS = {
    "ours": AtomicsApi("ours", "atomics", "atomics"),
    "atomics-1.0.3": AtomicsApi("atomics-1.0.3", "atomics", "atomics"),
    "atomics2": AtomicsApi("atomics2", "atomics2", "atomics2"),
    "atomicshm": Atomicshm(),
    "cereggii": Cereggii(),
    "ft_utils": FtUtils(),
    "atomicx": Atomicx(),
    "python": PythonRefs(),
}

# Global names whose statements rebind them (the shared counter of the
# global-int rows) live in the compiled loop's globals, not its locals.
GLOBAL_CONTENDED = {"x"}
