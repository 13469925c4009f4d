"""Atomic objects and arrays in POSIX shared memory (``atomics.shared``,
``atomics.Arena``).

An arena is one shared memory segment holding many objects. Its first 64
bytes are a header (a magic number, a random token that handles must match,
the size, and the next free offset, which every process bumps atomically),
so any process that has the arena can place more objects in it. An object
is an ordinary atomic view of its bytes in the segment; pickling it gives a
handle (segment name, token, offset, width, type) that re-attaches the same
memory in another process or interpreter. Nothing here is on the path of an
operation: an attached object is exactly the view any other buffer gets.

Lifetime (docs/shared.md, "Lifetime"): the process that created the arena
removes its name (shm_unlink) when it calls ``unlink()``, leaves a ``with``
block, or exits; if it is killed, multiprocessing's resource tracker removes
it once the last process sharing that tracker has exited. A name removed
never comes back, but memory already mapped stays valid in every process
that still holds an object or the arena: removing the name only stops new
attachments."""
from __future__ import annotations

import errno
import mmap
import operator
import os
import sys
import threading
import weakref
from typing import Any, Dict, Optional, Tuple, Type, overload

from . import _atomics
from ._atomics import ANY, BYTES, INT, INTEGRAL, UINT, Alignment, atomicarray, atomicview

# private hooks of the extension (not in its stubs, which list the public API)
_share: Any = getattr(_atomics, "_share")
_share_array: Any = getattr(_atomics, "_share_array")
_sync_share: Any = getattr(_atomics, "_sync_share")

_posixshmem: Any
try:  # CPython's own binding of shm_open/shm_unlink (what SharedMemory uses)
    import _posixshmem  # type: ignore
except ImportError:  # PyPy, or an isolated sub-interpreter that cannot load it
    _posixshmem = None

__all__ = ["Arena", "shared", "shared_array"]

_HEADER = 64
_MAGIC = b"atomics\x01"
_NEXT = 24  # offset of the next-free-offset word in the header
_DEFAULT_SIZE = 1 << 16
_PREFIX = "atomics_"
# ATOMICS_ARENA_TAG: letters, digits or '_' (at most 32) that new arena
# names carry after the prefix, so that a program, or a test, can tell the
# segments it and its children made from other programs' (any process that
# inherits the environment tags its arenas the same way).
_TAG_ENV = "ATOMICS_ARENA_TAG"


def _new_name() -> str:
    tag = os.environ.get(_TAG_ENV, "")
    if len(tag) > 32 or not all(c.isascii() and (c.isalnum() or c == "_") for c in tag):
        raise ValueError(f"{_TAG_ENV} must be at most 32 letters, digits or '_', not {tag!r}")
    return _PREFIX + tag + os.urandom(8).hex()

_ATYPES: Dict[str, Any] = {"ANY": ANY, "INTEGRAL": INTEGRAL, "BYTES": BYTES, "INT": INT, "UINT": UINT}
_NAMES = {id(v): k for k, v in _ATYPES.items()}


def _atype_name(atype: Any) -> str:
    name = _NAMES.get(id(atype))
    if name is None or _ATYPES[name] is not atype:
        raise TypeError("Type parameter 'atype' must be one of [ANY, INTEGRAL, BYTES, INT, UINT].")
    return name


def _shm_open(name: str, flags: int) -> int:
    if _posixshmem is not None:
        return _posixshmem.shm_open("/" + name, flags, mode=0o600)
    if not os.path.isdir("/dev/shm"):
        raise OSError("atomics arenas need POSIX shared memory (shm_open), which this "
                      "platform or interpreter does not offer")
    return os.open("/dev/shm/" + name, flags, 0o600)  # Linux keeps POSIX shm there


def _shm_unlink(name: str) -> None:
    if _posixshmem is not None:
        _posixshmem.shm_unlink("/" + name)
    else:
        os.unlink("/dev/shm/" + name)


# ---- segments mapped in this process --------------------------------------------------------

_lock = threading.Lock()
# name -> the mapping, while any object, array or arena of this process uses
# it: a thousand objects of one arena share one mapping (and no descriptor)
_mapped: "weakref.WeakValueDictionary[str, mmap.mmap]" = weakref.WeakValueDictionary()
# names this process created and has not unlinked yet
_created: set = set()
_creator_pid = os.getpid()
_exit_hooks_pid = 0


def _mmap(fd: int, size: int) -> mmap.mmap:
    """A shared mapping of `fd` that keeps no descriptor of its own where
    the interpreter allows (3.13+: trackfd=False); before 3.13 the mmap
    object holds a dup of the descriptor for its life (docs/shared.md)."""
    if sys.version_info >= (3, 13):
        return mmap.mmap(fd, size, trackfd=False)
    return mmap.mmap(fd, size)


def _reserve(fd: int, size: int) -> None:
    """Makes the segment's pages real now, so that a full /dev/shm is a
    clean OSError here rather than SIGBUS at the first touch of a page
    (ftruncate on tmpfs reserves nothing)."""
    fallocate = getattr(os, "posix_fallocate", None)
    if fallocate is not None:
        try:
            fallocate(fd, 0, size)
        except OSError as e:
            if e.errno not in (errno.EOPNOTSUPP, errno.EINVAL, errno.ENOSYS):
                raise OSError(e.errno, f"cannot reserve {size} bytes of shared memory: "
                                       f"{e.strerror}") from None
        else:
            # PyPy's posix_fallocate does not report the error it got
            if os.fstat(fd).st_size >= size:
                return
            raise OSError(errno.ENOSPC, f"cannot reserve {size} bytes of shared memory: "
                                        f"{os.strerror(errno.ENOSPC)}")
    os.ftruncate(fd, size)


def _index(value: Any, what: str) -> int:
    """An int argument (or one with __index__), TypeError naming it otherwise."""
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(f"{what} must be an int, not {type(value).__name__}") from None


def _length(value: Any) -> int:
    """An array length: an int >= 0."""
    length = _index(value, "length")
    if length < 0:
        raise ValueError("length must not be negative")
    return length


def _valid_name(name: object) -> bool:
    return (isinstance(name, str) and name.startswith(_PREFIX) and "/" not in name
            and "\0" not in name)


def _map(name: str, token: bytes) -> mmap.mmap:
    """The mapping of segment `name`, checked to be the arena `token` names."""
    if not _valid_name(name):
        raise ValueError(f"{name!r} is not the name of an atomics arena")
    with _lock:
        mm = _mapped.get(name)
        if mm is None:
            try:
                fd = _shm_open(name, os.O_RDWR)
            except FileNotFoundError:
                raise FileNotFoundError(
                    f"the shared memory segment {name!r} no longer exists: the process that "
                    "created it unlinked it (it called unlink() or exited)"
                ) from None
            try:
                size = os.fstat(fd).st_size
                if size < _HEADER:
                    raise ValueError(f"{name!r} is not an atomics arena (too small)")
                mm = _mmap(fd, size)
            finally:
                os.close(fd)
            if mm[:8] != _MAGIC:
                raise ValueError(f"{name!r} is not an atomics arena")
            _mapped[name] = mm
    if mm[8:16] != token:
        raise ValueError(f"the handle does not belong to the arena now named {name!r}")
    return mm


def _unlink_created() -> None:
    """At the creator's exit: remove the names it still owns."""
    if os.getpid() != _creator_pid:
        return  # a forked child inherited the set; the names are not its own
    with _lock:
        names = list(_created)
        _created.clear()
    for name in names:
        _unlink_name(name, registered=True)


def _unlink_name(name: str, registered: bool) -> None:
    try:
        _shm_unlink(name)
    except FileNotFoundError:
        pass
    if not registered:
        return
    try:
        from multiprocessing import resource_tracker

        resource_tracker.unregister("/" + name, "shared_memory")
    except Exception:  # no tracker (sub-interpreter, PyPy without it): nothing registered
        pass


def _after_fork_in_child() -> None:
    global _creator_pid, _exit_hooks_pid, _lock, _default_lock
    _lock = threading.Lock()  # the parent's may have been held by another thread
    _default_lock = threading.Lock()
    _created.clear()
    _creator_pid = os.getpid()
    _exit_hooks_pid = 0


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _install_exit_hooks() -> None:
    """Unlink at exit: atexit for a normal interpreter exit, and a
    multiprocessing finalizer for its children (a forked child leaves through
    os._exit, which skips atexit but runs those finalizers)."""
    global _exit_hooks_pid
    if _exit_hooks_pid == os.getpid():
        return
    _exit_hooks_pid = os.getpid()
    import atexit

    atexit.register(_unlink_created)
    try:
        from multiprocessing import util

        util.Finalize(None, _unlink_created, exitpriority=100)
    except Exception:
        pass


def _register(name: str) -> None:
    """The resource tracker removes the name if this process dies without
    doing it. Only the creator registers: an attaching process never does,
    so (unlike SharedMemory(name=...) before 3.13) its exit cannot remove a
    segment other processes still use."""
    try:
        from multiprocessing import resource_tracker

        resource_tracker.register("/" + name, "shared_memory")
    except Exception:  # pragma: no cover - no tracker here (sub-interpreter)
        pass


# ---- arenas -------------------------------------------------------------------------------


def _attach_arena(name: str, token: bytes) -> "Arena":
    return Arena._attach(name, token)


def _attach(name: str, token: bytes, offset: int, width: int, atype: str,
            flags: Tuple[Any, Any], align: str) -> Any:
    mm = _map(name, token)
    return _make(mm, name, token, offset, width, atype, flags, align)


def _attach_array(name: str, token: bytes, offset: int, length: int, width: int, atype: str,
                  is_signed: Any, align: str) -> Any:
    mm = _map(name, token)
    return _make_array(mm, name, token, offset, length, width, atype, is_signed, align)


def _make(mm: mmap.mmap, name: str, token: bytes, offset: int, width: int, atype: str,
          flags: Tuple[Any, Any], align: Any) -> Any:
    if not isinstance(atype, str) or atype not in _ATYPES:
        raise TypeError(f"not an atype name: {atype!r}")
    is_integral, is_signed = flags
    kwargs = {}
    if is_integral is not None:
        kwargs["is_integral"] = is_integral
    if is_signed is not None:
        kwargs["is_signed"] = is_signed
    if not isinstance(offset, int) or offset < _HEADER:
        raise ValueError(f"offset {offset!r} is not inside the arena's object space")
    ctx = atomicview(mm, _ATYPES[atype], offset=offset, width=width, align=align, **kwargs)
    handle = (_attach, (name, token, offset, width, atype, flags, align))
    return _share(ctx, handle)


def _make_array(mm: mmap.mmap, name: str, token: bytes, offset: int, length: int, width: int,
                atype: str, is_signed: Any, align: Any) -> Any:
    if not isinstance(atype, str) or atype not in _ATYPES:
        raise TypeError(f"not an atype name: {atype!r}")
    if not isinstance(offset, int) or offset < _HEADER:
        raise ValueError(f"offset {offset!r} is not inside the arena's object space")
    if not isinstance(length, int) or isinstance(length, bool) or length < 0:
        # None would make the array run to the end of the segment
        raise ValueError(f"not an array length: {length!r}")
    arr = atomicarray(mm, width, _ATYPES[atype], offset=offset, length=length,
                      is_signed=is_signed, align=align)
    handle = (_attach_array, (name, token, offset, length, width, atype, is_signed, align))
    return _share_array(arr, handle)


def _sync_place(arena: Any, nbytes: int, alignment: int) -> Tuple[mmap.mmap, int, str, bytes]:
    """Room for a synchronization primitive (atomics.Lock, ...): in `arena`,
    or in this process's default arena when it is None. Returns the mapping,
    the offset and what a handle names the arena by (name, token)."""
    if arena is None:
        return _default_arena_alloc(lambda a: _sync_place(a, nbytes, alignment), nbytes)
    if not isinstance(arena, Arena):
        raise TypeError(f"arena must be an atomics.Arena, not {type(arena).__name__}")
    return arena._mm, arena.allocate(nbytes, alignment), arena._name, arena._token


def _attach_sync(name: str, token: bytes, offset: int, cls: Any, extra: Tuple[Any, ...]) -> Any:
    """The handle of a synchronization primitive: the same primitive again."""
    mm = _map(name, token)
    if not isinstance(offset, int) or isinstance(offset, bool) or not _HEADER <= offset < len(mm):
        raise ValueError(f"offset {offset!r} is not inside the arena's object space")
    return _sync_share(cls, mm, offset, (_attach_sync, (name, token, offset, cls, extra)), extra)


class Arena:
    """One POSIX shared memory segment holding many atomic objects and arrays.

    ``Arena(size)`` creates a segment of `size` bytes (64 of them are the
    arena's header); ``arena.atomic(width, atype)`` and
    ``arena.array(length, width, atype)`` place objects in it, each at the
    alignment its width needs. Objects, arrays and the arena itself pickle to
    handles that re-attach the same memory in another process (any
    multiprocessing start method) or sub-interpreter; there, the arena can
    place more objects, which every process sees.

    The creating process removes the segment's name when it calls
    ``unlink()``, leaves a ``with`` block, or exits (the resource tracker
    does it if it is killed). Memory already attached stays valid until the
    last object using it is gone; only new attachments then fail, with
    FileNotFoundError."""

    __slots__ = ("_name", "_token", "_mm", "_next", "_next_ctx", "_creator", "__weakref__")

    def __getattr__(self, attr: str) -> Any:
        # reached when a lookup failed: in an Arena.__new__(Arena) that was
        # never initialised, slots and the properties reading them fail
        try:
            object.__getattribute__(self, "_mm")
        except AttributeError:
            raise AttributeError(
                "this Arena was never initialised: make one with Arena(size) or get one "
                "by unpickling an arena"
            ) from None
        raise AttributeError(f"'Arena' object has no attribute {attr!r}")

    def __init__(self, size: int = _DEFAULT_SIZE, *, name: Optional[str] = None) -> None:
        size = int(size)
        if size < _HEADER + 1:
            raise ValueError(f"an arena needs more than {_HEADER} bytes, not {size}")
        if name is None:
            name = _new_name()
        elif not _valid_name(name):
            raise ValueError(f"arena names start with {_PREFIX!r} and contain no '/' or NUL")
        token = os.urandom(8)
        _install_exit_hooks()
        fd = _shm_open(name, os.O_RDWR | os.O_CREAT | os.O_EXCL)
        try:
            with _lock:
                _created.add(name)
            _register(name)
            _reserve(fd, size)
            mm = _mmap(fd, size)
        except BaseException:
            with _lock:
                registered = name in _created
                _created.discard(name)
            _unlink_name(name, registered)
            raise
        finally:
            os.close(fd)
        mm[8:16] = token
        mm[16:24] = size.to_bytes(8, "little")
        # the bump pointer is an atomic word: native byte order, as _setup reads it
        mm[_NEXT:_NEXT + 8] = _HEADER.to_bytes(8, sys.byteorder)
        mm[:8] = _MAGIC  # last: an arena is recognisable only once complete
        try:
            self._setup(name, token, mm, creator=os.getpid())
        except BaseException:  # PyPy refuses views of writable memory, for one
            with _lock:
                _created.discard(name)
            _unlink_name(name, registered=True)
            raise
        with _lock:
            _mapped[name] = mm

    def _setup(self, name: str, token: bytes, mm: mmap.mmap, creator: int) -> None:
        self._name = name
        self._token = token
        self._mm = mm
        self._creator = creator  # the creating process's pid, 0 if attached
        # the shared bump pointer (native byte order, like every atomic object)
        ctx = atomicview(mm, UINT, offset=_NEXT, width=8)
        self._next_ctx = ctx
        self._next = ctx.__enter__()

    @classmethod
    def _attach(cls, name: str, token: bytes) -> "Arena":
        mm = _map(name, token)
        self = cls.__new__(cls)
        self._setup(name, token, mm, creator=0)
        return self

    def __reduce__(self) -> Tuple[Any, Tuple[str, bytes]]:
        return _attach_arena, (self._name, self._token)

    def __enter__(self) -> "Arena":
        return self

    def __exit__(self, *exc: object) -> None:
        self.unlink()

    def __repr__(self) -> str:
        return f"Arena(name={self._name!r}, size={self.size}, used={self.used})"

    @property
    def name(self) -> str:
        """The segment's name (a file under /dev/shm on Linux)."""
        return self._name

    @property
    def size(self) -> int:
        """Bytes in the segment, the 64-byte header included."""
        return len(self._mm)

    @property
    def used(self) -> int:
        """Bytes placed so far, by every process, the header included."""
        return int(self._next.load())

    @property
    def creator(self) -> bool:
        """Whether this process created the segment (and so unlinks it)."""
        return self._creator == os.getpid()

    def unlink(self) -> None:
        """Remove the segment's name now. Objects attached anywhere keep
        working; handles not yet attached can no longer be. Idempotent."""
        with _lock:
            registered = self._name in _created
            _created.discard(self._name)
        _unlink_name(self._name, registered)

    def allocate(self, size: int, alignment: int = 16, within: int = 0) -> int:
        """Reserve `size` bytes at a multiple of `alignment` (and, with
        `within`, inside one naturally aligned block of that many bytes);
        returns their offset in the segment. `alignment` is a power of two,
        `within` 0 or a power of two >= size. MemoryError when full."""
        size, alignment, within = (_index(size, "size"), _index(alignment, "alignment"),
                                   _index(within, "within"))
        if size < 1:
            raise ValueError(f"size must be positive, not {size}")
        if alignment < 1 or alignment & (alignment - 1):
            raise ValueError(f"alignment must be a power of two, not {alignment}")
        if within and (within < size or within & (within - 1)):
            raise ValueError(f"within must be 0 or a power of two >= size ({size}), not {within}")
        total = len(self._mm)
        cur = self._next.load()
        while True:
            start = -(-cur // alignment) * alignment
            if within and start // within != (start + size - 1) // within:
                start = -(-start // within) * within
            end = start + size
            if end > total:
                raise MemoryError(
                    f"arena {self._name!r} is full: {size} bytes do not fit in the "
                    f"{total - cur} left of {total}"
                )
            seen = self._next.cmpxchg_strong(cur, end)
            if seen.success:
                return start
            cur = seen.expected

    def _placed(self, offset: int, size: int, make: Any) -> Any:
        """make(): the object at `offset`; if it fails, the space goes back
        to the arena unless another allocation came after it meanwhile."""
        try:
            return make()
        except BaseException:
            self._next.cmpxchg_strong(offset + size, offset)
            raise

    def _place(self, width: int, align: str) -> int:
        al = Alignment(width)
        if align == "recommended":
            return self.allocate(width, al.recommended)
        if align == "minimum":
            return self.allocate(width, al.minimum, al.size_within)
        raise ValueError("align must be 'recommended' or 'minimum'")

    @overload
    def atomic(self, width: int, atype: Type[INT], *, is_integral: None = ...,
               is_signed: None = ..., align: str = ...) -> "_atomics.AtomicIntView": ...
    @overload
    def atomic(self, width: int, atype: Type[UINT], *, is_integral: None = ...,
               is_signed: None = ..., align: str = ...) -> "_atomics.AtomicUintView": ...
    @overload
    def atomic(self, width: int, atype: Type[BYTES], *, is_integral: None = ...,
               is_signed: None = ..., align: str = ...) -> "_atomics.AtomicBytesView": ...
    @overload
    def atomic(self, width: int, atype: Type[INTEGRAL], *, is_signed: bool,
               align: str = ...) -> "_atomics.AtomicIntegralView": ...
    @overload
    def atomic(self, width: int, atype: Type[ANY], *, is_integral: bool, is_signed: bool,
               align: str = ...) -> "_atomics.AtomicView": ...
    def atomic(self, width: int, atype: Any, *, is_integral: Any = None, is_signed: Any = None,
               align: str = "recommended") -> Any:
        """A new zeroed atomic object of `width` bytes in the arena (atype
        and its flags as for atomic()). It is an atomic view (AtomicIntView
        for INT, ...) that needs no ``with`` block and pickles to a handle.
        align="minimum" packs it at the core's minimum alignment."""
        name = _atype_name(atype)
        Alignment(width)  # UnsupportedWidthException before any space is taken
        offset = self._place(width, align)
        return self._placed(offset, width, lambda: _make(
            self._mm, self._name, self._token, offset, width, name, (is_integral, is_signed),
            align))

    @overload
    def array(self, length: int, width: int, atype: Type[BYTES], *,
              is_signed: None = ...) -> "_atomics.AtomicBytesArray": ...
    @overload
    def array(self, length: int, width: int, atype: Type[INTEGRAL], *,
              is_signed: Optional[bool] = ...) -> "_atomics.AtomicIntegralArray": ...
    def array(self, length: int, width: int, atype: Any, *, is_signed: Any = None) -> Any:
        """A new zeroed atomic array of `length` elements of `width` bytes
        (1, 2, 4, 8 or 16) in the arena; pickles to a handle."""
        name = _atype_name(atype)
        length = _length(length)
        al = Alignment(width)
        size = max(1, length * al.width)
        offset = self.allocate(size, al.recommended)
        return self._placed(offset, size, lambda: _make_array(
            self._mm, self._name, self._token, offset, length, width, name, is_signed,
            "recommended"))

    # ---- synchronization primitives placed in the arena (atomics.Lock(arena=...))

    def lock(self) -> "_atomics.Lock":
        """A new atomics.Lock in the arena."""
        return _atomics.Lock(arena=self)

    def rlock(self) -> "_atomics.RLock":
        """A new atomics.RLock in the arena."""
        return _atomics.RLock(arena=self)

    def condition(self, lock: "Optional[Any]" = None) -> "_atomics.Condition":
        """A new atomics.Condition in the arena (its lock: `lock`, or an embedded RLock)."""
        return _atomics.Condition(lock, arena=self)

    def semaphore(self, value: int = 1) -> "_atomics.Semaphore":
        """A new atomics.Semaphore in the arena."""
        return _atomics.Semaphore(value, arena=self)

    def bounded_semaphore(self, value: int = 1) -> "_atomics.BoundedSemaphore":
        """A new atomics.BoundedSemaphore in the arena."""
        return _atomics.BoundedSemaphore(value, arena=self)

    def event(self) -> "_atomics.Event":
        """A new atomics.Event in the arena."""
        return _atomics.Event(arena=self)

    def barrier(self, parties: int, action: "Optional[Any]" = None,
                timeout: "Optional[float]" = None) -> "_atomics.Barrier":
        """A new atomics.Barrier in the arena."""
        return _atomics.Barrier(parties, action, timeout, arena=self)

    def latch(self, count: int) -> "_atomics.Latch":
        """A new atomics.Latch in the arena."""
        return _atomics.Latch(count, arena=self)


# ---- the default arena ----------------------------------------------------------------------

_default: Optional[Arena] = None
_default_lock = threading.Lock()
_DEFAULT_ARENA_SIZE = 1 << 20  # reserved when made (_reserve)


def _default_arena_alloc(make: Any, need: int = 0) -> Any:
    """make(arena) in this process's default arena, a new one when it is
    full. A request of `need` bytes that an empty default arena could not
    hold gets an arena of its own, sized for it (with the same lifetime)."""
    global _default
    if need > _DEFAULT_ARENA_SIZE - _HEADER - 64:
        pages = -(-(need + _HEADER + 64) // mmap.PAGESIZE)
        own = Arena(pages * mmap.PAGESIZE)
        try:
            return make(own)
        except BaseException:
            own.unlink()
            raise
    with _default_lock:
        if _default is None or not _default.creator:
            _default = Arena(_DEFAULT_ARENA_SIZE)
        try:
            return make(_default)
        except MemoryError:
            _default = Arena(_DEFAULT_ARENA_SIZE)
            return make(_default)


@overload
def shared(width: int, atype: Type[INT], *, is_integral: None = ...,
           is_signed: None = ..., align: str = ...) -> "_atomics.AtomicIntView": ...
@overload
def shared(width: int, atype: Type[UINT], *, is_integral: None = ...,
           is_signed: None = ..., align: str = ...) -> "_atomics.AtomicUintView": ...
@overload
def shared(width: int, atype: Type[BYTES], *, is_integral: None = ...,
           is_signed: None = ..., align: str = ...) -> "_atomics.AtomicBytesView": ...
@overload
def shared(width: int, atype: Type[INTEGRAL], *, is_signed: bool,
           align: str = ...) -> "_atomics.AtomicIntegralView": ...
@overload
def shared(width: int, atype: Type[ANY], *, is_integral: bool, is_signed: bool,
           align: str = ...) -> "_atomics.AtomicView": ...
def shared(width: int, atype: Any, *, is_integral: Any = None, is_signed: Any = None,
           align: str = "recommended") -> Any:
    """A new zeroed atomic object in shared memory: ``atomic()`` whose
    object pickles to a handle that re-attaches it in other processes.
    Objects come from this process's default arena (a 1 MiB segment, a new
    one when full), which is unlinked when this process exits."""
    return _default_arena_alloc(
        lambda arena: arena.atomic(width, atype, is_integral=is_integral, is_signed=is_signed,
                                   align=align)
    )


@overload
def shared_array(length: int, width: int, atype: Type[BYTES], *,
                 is_signed: None = ...) -> "_atomics.AtomicBytesArray": ...
@overload
def shared_array(length: int, width: int, atype: Type[INTEGRAL], *,
                 is_signed: Optional[bool] = ...) -> "_atomics.AtomicIntegralArray": ...
def shared_array(length: int, width: int, atype: Any, *, is_signed: Any = None) -> Any:
    """A new zeroed atomic array in this process's default arena (see shared())."""
    length = _length(length)
    need = length * Alignment(width).width
    return _default_arena_alloc(lambda arena: arena.array(length, width, atype,
                                                          is_signed=is_signed), need)
