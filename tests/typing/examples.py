"""Type-checked usage of atomics: every README example (with the annotations
`mypy --strict` asks for) and typical code. tests/test_typing.py runs mypy
--strict on this file and also runs it, so each line is both well-typed and
correct at run time.

Lines marked `# type: ignore[code]` must be rejected by the stubs: mypy's
--warn-unused-ignores (part of --strict) fails if they are accepted. They sit
in functions that are never called.
"""
from __future__ import annotations

import mmap
import sys
from multiprocessing import Process, shared_memory
from threading import Thread
from typing import List, MutableSequence, Tuple

import atomics
from atomics import Alignment, CmpxchgResult, MemoryOrder, OpType
from atomics.base import Atomic, AtomicBytes, AtomicInt, AtomicIntegral, AtomicUint
from atomics.ctx import (
    AtomicBytesViewContext,
    AtomicIntegralViewContext,
    AtomicIntViewContext,
    AtomicUintViewContext,
    AtomicViewContext,
)
from atomics.exc import (
    AlignmentError,
    MemoryOrderError,
    UnsupportedOperationException,
    UnsupportedWidthException,
)
from atomics.view import (
    AtomicBytesView,
    AtomicIntegralView,
    AtomicIntView,
    AtomicUintView,
    AtomicView,
)

if sys.version_info >= (3, 11):
    from typing import assert_type
else:  # only the branch for the running Python is type-checked
    # mypy understands typing_extensions.assert_type as it does typing's; it
    # comes with mypy (a dependency of it)
    from typing_extensions import assert_type


# ---- README: Multi-Threading ------------------------------------------------


def fn_threads(ai: atomics.INTEGRAL, n: int) -> None:
    for _ in range(n):
        ai.inc()


def readme_multithreading() -> None:
    a = atomics.atomic(width=4, atype=atomics.INT)
    total = 10_000
    t1 = Thread(target=fn_threads, args=(a, total // 2))
    t2 = Thread(target=fn_threads, args=(a, total // 2))
    # (the README writes `t1.start(), t2.start()`: mypy --strict wants statements)
    t1.start()
    t2.start()
    t1.join()
    t2.join()
    print(f"a[{a.load()}] == total[{total}]")
    assert a.load() == total


# ---- README: Multi-Processing -------------------------------------------------


def fn_processes(shmem_name: str, width: int, n: int) -> None:
    shmem = shared_memory.SharedMemory(name=shmem_name)
    assert shmem.buf is not None  # typeshed: None once closed
    buf = shmem.buf[:width]
    with atomics.atomicview(buffer=buf, atype=atomics.INT) as a:
        for _ in range(n):
            a.inc()
    del buf
    shmem.close()


def readme_multiprocessing() -> None:
    width = 4
    shmem = shared_memory.SharedMemory(create=True, size=width)
    assert shmem.buf is not None
    buf = shmem.buf[:width]
    total = 1_000
    p1 = Process(target=fn_processes, args=(shmem.name, width, total // 2))
    p2 = Process(target=fn_processes, args=(shmem.name, width, total // 2))
    p1.start()
    p2.start()
    p1.join()
    p2.join()
    with atomics.atomicview(buffer=buf, atype=atomics.INT) as a:
        print(f"a[{a.load()}] == total[{total}]")
        assert a.load() == total
    del buf
    shmem.close()
    shmem.unlink()


# ---- README: Construction -----------------------------------------------------


def readme_construction() -> None:
    a = atomics.atomic(width=4, atype=atomics.INT)
    assert_type(a, AtomicInt)
    print(a)

    buf = bytearray(2)
    # (the README reuses the name `a`; a checker keeps one type per name)
    with atomics.atomicview(buffer=buf, atype=atomics.BYTES) as b:
        assert_type(b, AtomicBytesView)
        print(b)


# ---- README: Contract --------------------------------------------------------


def readme_contract() -> None:
    buf = bytearray(4)
    ctx = atomics.atomicview(buffer=buf, atype=atomics.INT)
    assert_type(ctx, AtomicIntViewContext)
    with ctx as a:
        assert_type(a, AtomicIntView)
        print(a.load())
    try:
        ctx.__enter__()
    except ValueError as e:
        assert str(e) == "Cannot open context after calling 'release'."


# ---- README: Alignment ----------------------------------------------------------


def readme_alignment() -> None:
    buf = bytearray(8)
    align = Alignment(len(buf))
    assert align.is_valid(buf)
    assert_type(align.is_valid_recommended(buf), bool)
    assert_type(align.is_valid_minimum(buf), bool)
    assert_type(align.recommended, int)
    assert_type(align.minimum, int)
    assert_type(align.size_within, int)


# ---- README: Compare Exchange ----------------------------------------------------


def atomic_mul(a: atomics.INTEGRAL, operand: int) -> None:
    res = atomics.CmpxchgResult(success=False, expected=a.load())
    while not res:
        desired = res.expected * operand
        res = a.cmpxchg_weak(expected=res.expected, desired=desired)


def readme_cmpxchg() -> None:
    a = atomics.atomic(width=8, atype=atomics.UINT)
    a.store(3)
    atomic_mul(a, 7)
    assert a.load() == 21


# ---- typical usage ------------------------------------------------------------------


def factories() -> None:
    assert_type(atomics.atomic(width=8, atype=atomics.INT), AtomicInt)
    assert_type(atomics.atomic(8, atomics.UINT), AtomicUint)
    assert_type(atomics.atomic(width=8, atype=atomics.BYTES), AtomicBytes)
    assert_type(
        atomics.atomic(width=8, atype=atomics.INTEGRAL, is_signed=False), AtomicIntegral
    )
    assert_type(
        atomics.atomic(width=8, atype=atomics.ANY, is_integral=True, is_signed=True), Atomic
    )
    # INT, UINT and BYTES accept (and ignore) the flags
    assert_type(atomics.atomic(width=8, atype=atomics.INT, is_signed=False), AtomicInt)

    buf = bytearray(8)
    assert_type(atomics.atomicview(buffer=buf, atype=atomics.INT), AtomicIntViewContext)
    assert_type(atomics.atomicview(buf, atomics.UINT), AtomicUintViewContext)
    assert_type(atomics.atomicview(buffer=buf, atype=atomics.BYTES), AtomicBytesViewContext)
    assert_type(
        atomics.atomicview(buffer=buf, atype=atomics.INTEGRAL, is_signed=True),
        AtomicIntegralViewContext,
    )
    assert_type(
        atomics.atomicview(buffer=buf, atype=atomics.ANY, is_integral=False, is_signed=False),
        AtomicViewContext,
    )
    # any buffer: bytes, memoryview, mmap
    with atomics.atomicview(buffer=bytes(8), atype=atomics.UINT) as ro:
        assert ro.readonly
    with atomics.atomicview(buffer=memoryview(buf)[:4], atype=atomics.INT) as v4:
        assert v4.width == 4
    m = mmap.mmap(-1, 16)
    with atomics.atomicview(buffer=m, atype=atomics.BYTES) as mb:
        assert_type(mb.load(), bytes)
    m.close()


def contexts() -> None:
    buf = bytearray(8)
    with AtomicIntegralViewContext(buffer=buf, is_signed=False) as iv:
        assert_type(iv, AtomicIntegralView)
    with AtomicViewContext(buffer=buf, is_integral=True, is_signed=True) as av:
        assert_type(av, AtomicView)
    with AtomicUintViewContext(buffer=buf) as uv:
        assert_type(uv, AtomicUintView)
    ctx = AtomicBytesViewContext(buffer=buf)
    ctx.release()
    ctx.release()
    ctx.__exit__(None, None, None)


def integral_ops(a: atomics.INTEGRAL) -> None:
    o = MemoryOrder.RELAXED
    assert_type(a.load(), int)
    assert_type(a.load(o), int)
    assert_type(a.load(order=0), int)
    assert_type(a.store(1, MemoryOrder.RELEASE), None)
    assert_type(a.exchange(2), int)
    r = a.cmpxchg_strong(expected=2, desired=3, success=MemoryOrder.SEQ_CST, failure=o)
    assert_type(r, CmpxchgResult[int])
    assert_type(r.success, bool)
    assert_type(r.expected, int)
    r = a.cmpxchg_weak(3, 4, succ=5, fail=0)
    ok, seen = a.cmpxchg_strong(4, 5)
    assert ok and seen == 4
    assert_type(r[0], bool)
    assert_type(r[1], int)
    assert_type(a.bit_test(0), bool)
    assert_type(a.bit_test_set(1), bool)
    assert_type(a.bit_set(1), bool)
    assert_type(a.bit_test_reset(1, order=o), bool)
    assert_type(a.bit_reset(1), bool)
    assert_type(a.bit_test_compl(2), bool)
    assert_type(a.bit_compl(2), bool)
    a.bin_or(1)
    a.bin_xor(1, o)
    a.bin_and(3, order=o)
    a.bin_not()
    assert_type(a.bin_fetch_or(1), int)
    assert_type(a.bin_fetch_xor(1), int)
    assert_type(a.bin_fetch_and(1), int)
    assert_type(a.bin_fetch_not(), int)
    a.add(1)
    a.sub(1)
    a.inc()
    a.dec()
    a.neg()
    assert_type(a.fetch_add(1), int)
    assert_type(a.fetch_sub(1), int)
    assert_type(a.fetch_inc(), int)
    assert_type(a.fetch_dec(), int)
    assert_type(a.fetch_neg(), int)
    assert_type(int(a), int)
    assert_type(a.signed, bool)
    assert_type(a.width, int)
    assert_type(a.readonly, bool)
    assert_type(a.ops_supported, List[OpType])
    # beyond 1.0
    a.max(1)
    a.min(1, o)
    assert_type(a.fetch_max(1), int)
    assert_type(a.fetch_min(value=1, order=o), int)
    assert_type(a.max_fetch(1), int)
    assert_type(a.min_fetch(1), int)
    assert_type(a.add_fetch(1), int)
    assert_type(a.sub_fetch(1), int)
    assert_type(a.inc_fetch(), int)
    assert_type(a.dec_fetch(o), int)
    assert_type(a.neg_fetch(), int)
    assert_type(a.bin_or_fetch(1), int)
    assert_type(a.bin_xor_fetch(1), int)
    assert_type(a.bin_and_fetch(1), int)
    assert_type(a.bin_not_fetch(), int)
    assert_type(a.fetch_update(lambda v: v // 2), int)
    assert_type(a.fetch_update(lambda v: v, o, None, max_retries=None), int)


def bytes_ops(b: atomics.BYTES) -> None:
    w = b.width
    zeros, ones = bytes(w), b"\xff" * w
    assert_type(b.load(), bytes)
    b.store(zeros)
    b.store(bytearray(w))
    b.store(memoryview(zeros))
    assert_type(b.exchange(ones), bytes)
    r = b.cmpxchg_strong(ones, zeros, succ=MemoryOrder.ACQ_REL, fail=MemoryOrder.ACQUIRE)
    assert_type(r, CmpxchgResult[bytes])
    assert_type(r.expected, bytes)
    r = b.cmpxchg_weak(expected=zeros, desired=zeros, success=5, failure=5)
    assert_type(b.bit_test(0), bool)
    assert_type(b.bit_set(0), bool)
    assert_type(b.bit_test_reset(0), bool)
    b.bin_or(ones)
    b.bin_not()
    assert_type(b.bin_fetch_and(zeros), bytes)
    assert_type(b.bin_or_fetch(zeros), bytes)
    assert_type(b.bin_not_fetch(), bytes)
    assert_type(b.fetch_update(lambda v: v[::-1], max_retries=3), bytes)
    assert_type(bytes(b), bytes)


def views_and_owned() -> None:
    integral_ops(atomics.atomic(width=8, atype=atomics.INT))
    integral_ops(atomics.atomic(width=16, atype=atomics.UINT))
    bytes_ops(atomics.atomic(width=3, atype=atomics.BYTES))
    buf = bytearray(16)
    with atomics.atomicview(buffer=buf, atype=atomics.INT) as v:
        integral_ops(v)
    with atomics.atomicview(buffer=buf, atype=atomics.BYTES) as bv:
        bytes_ops(bv)


def exceptions() -> None:
    a = atomics.atomic(width=4, atype=atomics.INT)
    try:
        a.store(1, MemoryOrder.ACQUIRE)
    except MemoryOrderError as e:
        assert_type(e.optype, OpType)
        assert_type(e.order, MemoryOrder)
        assert_type(e.is_fail, bool)
    try:
        atomics.atomic(width=17, atype=atomics.INT)
    except UnsupportedWidthException as e:
        assert_type(e.width, int)
        assert_type(e.readonly, bool)
    try:
        with atomics.atomicview(buffer=memoryview(bytearray(16))[1:5], atype=atomics.INT):
            pass
    except AlignmentError as e:
        assert_type(e.address, int)
        assert_type(e.using_recommended, bool)
    with atomics.atomicview(buffer=bytes(4), atype=atomics.INT) as ro:
        try:
            ro.store(1)
        except UnsupportedOperationException as e:
            assert_type(e.optype, OpType)
            assert e.readonly


def module_functions() -> None:
    atomics.thread_fence(MemoryOrder.ACQ_REL)
    atomics.thread_fence()
    atomics.signal_fence(5)
    atomics.spin_pause()
    assert_type(atomics.is_lock_free(8), bool)
    assert_type(atomics.supported_ops(8), Tuple[str, ...])
    assert_type(atomics.supported_ops(8, readonly=True), Tuple[str, ...])


def orders() -> None:
    for mo in MemoryOrder:
        assert_type(mo.is_valid_store_order(), bool)
        assert_type(mo.is_valid_load_order(), bool)
        assert_type(mo.is_valid_fail_order(MemoryOrder.SEQ_CST), bool)


def hierarchy(x: AtomicInt, y: AtomicIntView, z: AtomicBytes) -> None:
    i: atomics.INT = x
    j: atomics.INTEGRAL = y
    k: atomics.ANY = z
    l: Atomic = x
    m: AtomicIntegralView = y
    assert i and j and k and l and m


# ---- what the stubs must reject ------------------------------------------------------


def _rejected() -> None:  # never called
    b = atomics.atomic(width=4, atype=atomics.BYTES)
    i = atomics.atomic(width=4, atype=atomics.INT)
    any_ = atomics.atomic(width=4, atype=atomics.ANY, is_integral=True, is_signed=True)
    b.store(1)  # type: ignore[arg-type]
    i.store(b"\x00" * 4)  # type: ignore[arg-type]
    b.add(b"\x00" * 4)  # type: ignore[attr-defined]
    b.fetch_max(b"\x00" * 4)  # type: ignore[attr-defined]
    i.fetch_update(lambda v: b"\x00")  # type: ignore[arg-type, return-value]
    atomics.supported_ops(8, True)  # type: ignore[misc]
    b.signed  # type: ignore[attr-defined]
    any_.load()  # type: ignore[attr-defined]
    any_.signed  # type: ignore[attr-defined]
    i.load(order="SEQ_CST")  # type: ignore[arg-type]
    i.__index__()  # type: ignore[attr-defined]
    atomics.atomic(width=4, atype=int)  # type: ignore[arg-type]
    atomics.atomic(width=4, atype=atomics.INTEGRAL)  # type: ignore[arg-type]
    atomics.atomic(width=4, atype=atomics.ANY, is_signed=True)  # type: ignore[arg-type]
    atomics.atomicview(buffer="text", atype=atomics.INT)  # type: ignore[call-overload]
    Alignment(4).is_valid(bytearray(4), True)  # type: ignore[misc]


def shared_objects() -> None:
    with atomics.Arena(4096) as arena:
        c: atomics.view.AtomicIntView = arena.atomic(8, atomics.INT)
        c.inc()
        arr: atomics.array.AtomicIntegralArray = arena.array(4, 8, atomics.UINT)
        n: int = arr.fetch_add(1, 2)
        b: bytes = arena.array(2, 4, atomics.BYTES).load(0)
        packed = arena.atomic(2, atomics.INTEGRAL, is_signed=True, align="minimum")
        packed.store(-1)
    s = atomics.shared(4, atomics.UINT)
    assert s.load() == 0 and n == 0 and b == bytes(4) and c.load() == 1
    with atomics.atomicview(bytearray(16), atomics.INT, offset=8, width=8) as v:
        v.store(1)
    a = atomics.atomicarray(bytearray(16), 8, atomics.INT)
    values: List[int] = a[0:1]
    assert a[1] == 0 and values == [0] and len(a) == 2


def arrays() -> None:
    ia = atomics.atomicarray(bytearray(32), 8, atomics.INT)
    assert_type(ia, atomics.array.AtomicIntegralArray)
    assert_type(next(iter(ia)), int)
    assert_type(list(ia), List[int])
    assert_type(ia.load(0), int)
    ia.store(-1, 5, MemoryOrder.RELEASE)
    assert_type(ia.exchange(0, 6), int)
    r = ia.cmpxchg_strong(0, 6, 7, success=MemoryOrder.SEQ_CST, failure=MemoryOrder.RELAXED)
    assert_type(r, CmpxchgResult[int])
    assert_type(ia.cmpxchg_weak(0, 7, 8, succ=5, fail=0).expected, int)
    assert_type(ia.bit_test_set(1, 3), bool)
    assert_type(ia.bin_fetch_or(1, 4), int)
    assert_type(ia.bin_not_fetch(1), int)
    assert_type(ia.fetch_add(2, 1), int)
    assert_type(ia.inc_fetch(2, MemoryOrder.ACQ_REL), int)
    ia.max(3, 9)
    assert_type(ia.min_fetch(3, value=4), int)
    assert_type(ia.fetch_update(3, lambda v: v + 1, max_retries=None), int)
    assert_type(ia.wait(3, old=0, timeout=0), bool)
    ia.notify_all(3)
    assert_type(ia.signed, bool)
    assert_type(ia.tolist(), List[int])
    assert ia[0] == 8 and ia[3] == 5

    ba = atomics.atomicarray(bytearray(8), 4, atomics.BYTES)
    assert_type(ba, atomics.array.AtomicBytesArray)
    assert_type(next(iter(ba)), bytes)
    assert_type(ba[0], bytes)
    assert_type(ba[:], List[bytes])
    ba[1] = b"\x01" * 4
    assert_type(ba.cmpxchg_strong(1, bytes(4), b"\x02" * 4), CmpxchgResult[bytes])
    assert_type(ba.bin_fetch_and(1, bytearray(b"\xff" * 4)), bytes)
    assert_type(ba.fetch_update(0, lambda v: v[::-1]), bytes)
    assert_type(ba.wait(0, bytes(4), 0), bool)
    assert ba.tolist() == [bytes(4), b"\x01" * 4] and len(ba) == 2 and ba.width == 4


def _rejected_arrays() -> None:  # never called
    ia = atomics.atomicarray(bytearray(16), 8, atomics.UINT)
    ba = atomics.atomicarray(bytearray(16), 8, atomics.BYTES)
    ia.load()  # type: ignore[call-arg]
    ia.store(0, b"\x00" * 8)  # type: ignore[arg-type]
    ba.store(0, 1)  # type: ignore[arg-type]
    ba.fetch_add(0, 1)  # type: ignore[attr-defined]
    ba.max(0, b"\x00" * 8)  # type: ignore[attr-defined]
    ba.signed  # type: ignore[attr-defined]
    ia[0] = b"\x00" * 8  # type: ignore[assignment]


def array_iteration() -> None:
    """`for e in arr` over both array kinds (issue 22: mypy --strict refused it
    before the stubs declared __iter__)."""
    ints = atomics.atomicarray(bytearray(16), 8, atomics.INT)
    ints.store(1, -3)
    total: int = 0
    for e in ints:
        total += e
    chunks = atomics.atomicarray(bytearray(8), 4, atomics.BYTES)
    got: List[bytes] = []
    for chunk in chunks:
        got.append(chunk)
    assert total == -3 and got == [bytes(4)] * 2
    assert list(ints) == [0, -3] and sorted(ints) == [-3, 0]


def batch_operations() -> None:
    """The whole-batch operations of integral arrays: the result type follows out=."""
    import array

    ia = atomics.atomicarray(bytearray(64), 8, atomics.INT)
    ia.add_at([1, 2, 2])
    ia.sub_at(range(2), 3, MemoryOrder.RELAXED)
    ia.max_at(array.array("q", [0, 1]), [5, 6])
    old = ia.fetch_add_at([0, 1], values=1)
    assert_type(old, MutableSequence[int])
    out = array.array("q", [0, 0])
    assert_type(ia.fetch_xor_at([0, 1], 3, out=out), "array.array[int]")
    assert_type(ia.fetch_min_at([0, 1], [0, 0], MemoryOrder.SEQ_CST, out), "array.array[int]")
    assert_type(ia.bit_test_set_at([0, 65]), "array.array[int]")
    ia.bit_compl_at([3])
    assert_type(ia.load_all(), MutableSequence[int])
    assert_type(ia.load_all(MemoryOrder.ACQUIRE, out=array.array("q", [0] * 8)), "array.array[int]")
    ia.store_all(range(8))
    ia.fill(-1, order=MemoryOrder.RELEASE)
    assert ia.tolist() == [-1] * 8 and list(old) == [5, 6]


def _rejected_batches() -> None:  # never called
    ia = atomics.atomicarray(bytearray(16), 8, atomics.INT)
    ba = atomics.atomicarray(bytearray(16), 8, atomics.BYTES)
    ia.and_at([0])  # type: ignore[call-arg]
    ia.fill([1, 2])  # type: ignore[arg-type]
    ia.add_at([0], 1, MemoryOrder.SEQ_CST, None)  # type: ignore[call-arg]
    ba.add_at([0])  # type: ignore[attr-defined]


def main() -> None:
    readme_multithreading()
    readme_multiprocessing()
    readme_construction()
    readme_contract()
    readme_alignment()
    readme_cmpxchg()
    factories()
    contexts()
    views_and_owned()
    exceptions()
    module_functions()
    orders()
    shared_objects()
    arrays()
    array_iteration()
    batch_operations()
    hierarchy(
        atomics.atomic(width=1, atype=atomics.INT),
        atomics.atomicview(buffer=bytearray(1), atype=atomics.INT).__enter__(),
        atomics.atomic(width=1, atype=atomics.BYTES),
    )
    print("ok")


if __name__ == "__main__":
    main()
