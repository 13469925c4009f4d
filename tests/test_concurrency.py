"""Exactness under contention: every read-modify-write operation whose
outcome can be checked (those beyond 1.0 too: fetch_max, fetch_min, fetch_update), run by N threads and by N processes (fork and spawn)
on one shared object, at widths 1, 2, 4, 8, 16 and the odd widths 3 and 11
placed inside a larger buffer. The final state must be exact, the values the
operations returned must fit one serial order, and the bytes around the
object (inside its compare-and-swap block and outside it) must be unchanged.

Workers start together (a barrier, then a spin on a shared counter) and each
keeps going, past its own quota, until every worker has done its quota, so
the runs overlap even when the scheduler serialises them. How much they
overlapped is reported ("interleaved": times another worker's operation
landed between two consecutive ones of the same worker; "retries": failed
compare-exchanges).

Also here: owned atomic() objects shared by threads, and a lock built from
cmpxchg_weak and store that protects a non-atomic record in shared memory
across processes (next to the same workers without the lock, which shows
the torn records and lost updates the lock prevents).

Each scenario runs in a subprocess with a timeout (tests/_stress.py)."""
import collections
import contextlib
import os
import sys
import time

import pytest

import _stress
from _stress import scaled, timeout_for

WIDTHS = (1, 2, 4, 8, 16, 3, 11)
METHODS = ("thread", "fork", "spawn")
NWORKERS = 4
CHUNK = 100         # operations between two looks at the shared quota counter
SLOT = 256          # bytes of shared memory per (operation, width)
AUX = 64            # [AUX, AUX + 64): plain memory (lock owner bytes)
START = AUX + 64    # 4-byte counters: workers started, workers past their quota
FINISHED = START + 8
GUARD_END = 192     # [GUARD_END, SLOT): guard bytes
BARRIER_TIMEOUT = 60


def obj_offset(width):
    # width 3 at 20: its 4-byte block [20, 24) holds one neighbour byte (23);
    # width 11 at 16: its 16-byte block [16, 32) holds five (27..31)
    return 20 if width == 3 else 16


def guard_pattern(size):
    return bytes((0xA5 + 7 * i) & 0xFF for i in range(size))


def orders():
    from atomics import MemoryOrder as MO
    rmw = [MO.SEQ_CST, MO.RELAXED, MO.ACQUIRE, MO.RELEASE, MO.ACQ_REL]
    cas = [(MO.SEQ_CST, MO.SEQ_CST), (MO.ACQ_REL, MO.ACQUIRE), (MO.RELAXED, MO.RELAXED),
           (MO.RELEASE, MO.RELAXED), (MO.ACQUIRE, MO.ACQUIRE), (MO.SEQ_CST, MO.RELAXED)]
    return rmw, cas


def mix(seed, width):
    """A width-bit value with every byte non-trivial (carries everywhere)."""
    x = (0x9E3779B97F4A7C15F39CC0605CEDC835 * (seed + 1)) ^ (0xD6E8FEB86659FD93 << (seed % 13))
    return x & ((1 << (8 * width)) - 1)


class Work:
    """What one worker knows about its part of one (operation, width) run."""

    def __init__(self, rank, n, iters, width, rng, aux, init, finished=None, salt=0):
        self.rank, self.n, self.iters, self.width = rank, n, iters, width
        self.bits = 8 * width
        self.mask = (1 << self.bits) - 1
        self.rng, self.aux, self.init, self.finished = rng, aux, init, finished
        # workers use different memory orders; `salt` rotates them per run
        rmw, cas = orders()
        self.order = rmw[(rank + salt) % len(rmw)]
        self.cas_orders = cas[(rank + salt) % len(cas)]
        self.done = 0

    def chunks(self):
        """Chunk sizes to run: at least `iters` operations in all, and more
        until every worker has done its `iters` (self.done counts them)."""
        counted = False
        while True:
            yield CHUNK
            self.done += CHUNK
            if self.done >= self.iters:
                if not counted:
                    self.finished.inc()
                    counted = True
                if self.finished.load() >= self.n:
                    return
                # let the workers still short of their quota have the CPU
                # (and the GIL) when there are fewer CPUs than workers
                os.sched_yield()

    def own_bits(self):
        return [b for b in range(self.bits) if b % self.n == self.rank]

    def resource_bits(self):
        # eight bits spread over the whole width, so every byte gets traffic
        return sorted({(j * (self.bits - 1)) // 7 for j in range(8)})


def _expect(errors, what, got, want, as_hex=True):
    if got != want:
        errors.append(f"{what}: got {got:#x}, want {want:#x}" if as_hex and isinstance(got, int)
                      else f"{what}: got {got!r}, want {want!r}")


def _count(reports):
    return sum(r["count"] for r in reports)


# ---- the operations ------------------------------------------------------------
# A kind has init(width, n, rng) -> the object's first value (unsigned),
# work(v, w) -> one worker's report, check(final, reports, w) -> errors.

KINDS = {}


def kind(name, atype="UINT", **attrs):
    """Register an instance of the class as the kind `name`, with `attrs`
    (the method it calls, its sign, ...) set on that instance: stacked, the
    decorator makes one class serve several kinds."""
    def register(cls):
        k = cls()
        k.name, k.atype = name, atype
        vars(k).update(attrs)
        KINDS[name] = k
        return cls
    return register


class Kind:
    def init(self, width, n, rng):
        return rng.getrandbits(8 * width)

    def extra_regions(self, width):
        """(offset, size) of slot bytes besides the object this kind changes."""
        return []


@kind("add", method="add")
@kind("sub", method="sub", sign=-1)
class _Arith(Kind):
    """Every worker adds its own operand over and over; the total is fixed
    by the counts alone."""
    sign = 1

    def init(self, width, n, rng):
        return ((1 << (8 * width)) - 5) if width > 1 else 250  # wraps early

    def operand(self, w):
        return mix(w.rank, w.width) | 1

    def work(self, v, w):
        op, val, mo = getattr(v, self.method), self.operand(w), w.order
        for c in w.chunks():
            for _ in range(c):
                op(val, mo)
        return {"val": val, "count": w.done}

    def check(self, final, reports, w):
        total = sum(self.sign * r["val"] * r["count"] for r in reports)
        errors = []
        _expect(errors, "final", final, (w.init + total) & w.mask)
        return errors


@kind("add_signed", atype="INT")
class AddSignedKind(_Arith):
    method = "add"

    def operand(self, w):
        # negative, within the signed range of the width
        return -((mix(w.rank, w.width) & (w.mask >> 1)) or 1)


@kind("inc", method="inc")
@kind("dec", method="dec", sign=-1)
class _Inc(_Arith):

    def work(self, v, w):
        op, mo = getattr(v, self.method), w.order
        for c in w.chunks():
            for _ in range(c):
                op(mo)
        return {"val": 1, "count": w.done}


@kind("fetch_add", method="fetch_add")
@kind("fetch_sub", method="fetch_sub", sign=-1)
class _Fetch(Kind):
    """All workers apply the same step; the old values returned must be
    exactly init, init + step, init + 2 step, ... (as a multiset)."""
    sign = 1

    def init(self, width, n, rng):
        return ((1 << (8 * width)) - 3 * n) & ((1 << (8 * width)) - 1)

    def step(self, w):
        return mix(0, w.width) | 1

    def run(self, v, w):
        op, val, mo = getattr(v, self.method), self.step(w), w.order
        olds = []
        for c in w.chunks():
            olds += [op(val, mo) for _ in range(c)]
        return olds

    def work(self, v, w):
        olds = self.run(v, w)
        step = self.sign * self.step(w)
        return {"olds": olds, "interleaved": _interleaved(olds, step, w.mask)}

    def check(self, final, reports, w):
        step = self.sign * self.step(w)
        count = sum(len(r["olds"]) for r in reports)
        errors = []
        _expect(errors, "final", final, (w.init + count * step) & w.mask)
        olds = collections.Counter(x for r in reports for x in r["olds"])
        want = collections.Counter((w.init + k * step) & w.mask for k in range(count))
        if olds != want:
            extra = sorted((olds - want).elements())[:5]
            missing = sorted((want - olds).elements())[:5]
            errors.append(f"returned old values fit no serial order: unexpected {extra}, "
                          f"missing {missing}")
        return errors


def _interleaved(olds, step, mask):
    """How often another worker's operation came between two of ours."""
    return sum(1 for a, b in zip(olds, olds[1:]) if b != (a + step) & mask)


@kind("fetch_inc", method="fetch_inc")
@kind("fetch_dec", method="fetch_dec", sign=-1)
class _FetchInc(_Fetch):

    def step(self, w):
        return 1

    def run(self, v, w):
        op, mo = getattr(v, self.method), w.order
        olds = []
        for c in w.chunks():
            olds += [op(mo) for _ in range(c)]
        return olds


class _OwnBits(Kind):
    """Worker r owns the bits b with b % n == r and flips only those, keeping
    a private shadow of them; the object's bits of r must always match r's
    shadow (checked through every fetch result, or a load every 8 ops)."""
    fetch = False

    def work(self, v, w):
        own = w.own_bits()
        own_mask = sum(1 << b for b in own)
        shadow = w.init & own_mask
        errors, mo, load, rng, flip = 0, w.order, v.load, w.rng, self.flip
        for c in w.chunks():
            for k in range(c):
                m = 1 << own[rng.randrange(len(own))]
                old = flip(v, w, m, shadow, mo)
                if old is not None and (old & own_mask) != shadow:
                    errors += 1
                shadow ^= m
                if not self.fetch and k % 8 == 7 and (load() & own_mask) != shadow:
                    errors += 1
        return {"shadow": shadow, "errors": errors}

    def check(self, final, reports, w):
        errors = [f"worker {i}: {r['errors']} times its own bits were not what it last wrote"
                  for i, r in enumerate(reports) if r["errors"]]
        _expect(errors, "final", final, sum(r["shadow"] for r in reports))
        return errors


@kind("or_and")
class OrAndKind(_OwnBits):
    def flip(self, v, w, m, shadow, mo):
        v.bin_and(w.mask ^ m, mo) if shadow & m else v.bin_or(m, mo)


@kind("xor")
class XorKind(_OwnBits):
    def flip(self, v, w, m, shadow, mo):
        v.bin_xor(m, mo)


@kind("fetch_or_and")
class FetchOrAndKind(_OwnBits):
    fetch = True

    def flip(self, v, w, m, shadow, mo):
        return v.bin_fetch_and(w.mask ^ m, mo) if shadow & m else v.bin_fetch_or(m, mo)


@kind("fetch_xor")
class FetchXorKind(_OwnBits):
    fetch = True

    def flip(self, v, w, m, shadow, mo):
        return v.bin_fetch_xor(m, mo)


class _Involution(Kind):
    """Everyone applies f with f(f(x)) == x: the final value depends only on
    the parity of the count, and the fetch form returns init exactly
    ceil(count / 2) times and f(init) the rest."""
    fetch_method = None

    def init(self, width, n, rng):
        return mix(5, width) if width > 1 else 0x5A

    def work(self, v, w):
        mo = w.order
        if self.fetch_method is None:
            op = getattr(v, self.method)
            for c in w.chunks():
                for _ in range(c):
                    op(mo)
            return {"count": w.done}
        op = getattr(v, self.fetch_method)
        olds = collections.Counter()
        for c in w.chunks():
            olds.update(op(mo) for _ in range(c))
        seen_init = olds.pop(w.init, 0)
        olds.pop(self.f(w.init, w.mask), 0)
        return {"count": w.done, "seen_init": seen_init, "strays": sorted(olds)[:5]}

    def check(self, final, reports, w):
        count = _count(reports)
        errors = []
        _expect(errors, "final", final, w.init if count % 2 == 0 else self.f(w.init, w.mask))
        if self.fetch_method is not None:
            _expect(errors, "old values equal to init", sum(r["seen_init"] for r in reports),
                    (count + 1) // 2, as_hex=False)
            strays = [x for r in reports for x in r["strays"]]
            if strays:
                errors.append(f"old values that are neither init nor f(init): {strays}")
        return errors


@kind("not", method="bin_not")
@kind("fetch_not", method="bin_not", fetch_method="bin_fetch_not")
class _Not(_Involution):
    def f(self, x, mask):
        return x ^ mask


@kind("neg", method="neg")
@kind("fetch_neg", method="neg", fetch_method="fetch_neg")
class _Neg(_Involution):
    def f(self, x, mask):
        return (-x) & mask


@kind("bit_ownership")
class BitOwnershipKind(Kind):
    """bit_test_set as try-lock, bit_test_reset as unlock, over eight bits;
    the holder of a bit writes its id into a plain byte, and nobody may find
    that byte taken when acquiring, or changed while holding the bit."""

    def init(self, width, n, rng):
        w = Work(0, n, 0, width, rng, None, 0)
        return rng.getrandbits(8 * width) & ~sum(1 << b for b in w.resource_bits())

    def work(self, v, w):
        bits = w.resource_bits()
        owner, me = w.aux, w.rank + 1
        acquired = busy = errors = 0
        test_set, test_reset, mo, rng = v.bit_test_set, v.bit_test_reset, w.order, w.rng
        for c in w.chunks():
            for _ in range(c):
                j = rng.randrange(len(bits))
                if test_set(bits[j], mo):
                    busy += 1
                    continue
                if owner[j] != 0:
                    errors += 1
                owner[j] = me
                for _ in range(rng.randrange(3)):
                    if owner[j] != me:
                        errors += 1
                if owner[j] != me:
                    errors += 1
                owner[j] = 0
                if not test_reset(bits[j], mo):
                    errors += 1
                acquired += 1
        return {"acquired": acquired, "busy": busy, "errors": errors}

    def check(self, final, reports, w):
        errors = [f"worker {i}: {r['errors']} ownership violations"
                  for i, r in enumerate(reports) if r["errors"]]
        _expect(errors, "final", final, w.init)
        if not any(r["acquired"] for r in reports):
            errors.append("nobody ever acquired a bit")
        owners = bytes(w.aux[:len(w.resource_bits())])
        if any(owners):
            errors.append(f"owner bytes not all released: {owners.hex()}")
        return errors


@kind("bit_compl")
class BitComplKind(Kind):
    """Everyone flips the same eight bits; per bit, the number of old values
    that were set is fixed by the flip count alone."""

    def work(self, v, w):
        bits = w.resource_bits()
        flips, ones = [0] * len(bits), [0] * len(bits)
        op, mo, rng = v.bit_test_compl, w.order, w.rng
        for c in w.chunks():
            for _ in range(c):
                j = rng.randrange(len(bits))
                flips[j] += 1
                ones[j] += op(bits[j], mo)
        return {"flips": flips, "ones": ones}

    def check(self, final, reports, w):
        errors, want = [], w.init
        for j, b in enumerate(w.resource_bits()):
            t = sum(r["flips"][j] for r in reports)
            ones = sum(r["ones"][j] for r in reports)
            start = (w.init >> b) & 1
            _expect(errors, f"bit {b}: old values that were set", ones,
                    t // 2 if start == 0 else (t + 1) // 2, as_hex=False)
            if t % 2:
                want ^= 1 << b
        _expect(errors, "final", final, want)
        return errors


@kind("exchange")
class ExchangeKind(Kind):
    """Token passing: each worker holds a unique token and swaps it with the
    object's; no token may be lost or duplicated."""

    def tokens(self, width, n):
        out, k = [], 0
        while len(out) < n + 1:
            t = mix(100 + k, width)
            if t not in out:
                out.append(t)
            k += 1
        return out

    def init(self, width, n, rng):
        return self.tokens(width, n)[n]

    def work(self, v, w):
        mine = self.tokens(w.width, w.n)[w.rank]
        op, mo = v.exchange, w.order
        for c in w.chunks():
            for _ in range(c):
                mine = op(mine, mo)
        return {"mine": mine}

    def check(self, final, reports, w):
        errors = []
        held = sorted([r["mine"] for r in reports] + [final])
        _expect(errors, "tokens", held, sorted(self.tokens(w.width, w.n)))
        return errors


@kind("cmpxchg_weak", method="cmpxchg_weak")
@kind("cmpxchg_strong", method="cmpxchg_strong")
class _CasLoop(_Fetch):
    """An increment written as a compare-exchange loop; the old values of the
    successful exchanges must form a serial order, as for fetch_add."""

    def run(self, v, w):
        cas = getattr(v, self.method)
        succ, fail = w.cas_orders
        step, mask = self.step(w), w.mask
        olds, retries = [], 0
        cur = v.load()
        for c in w.chunks():
            for k in range(c):
                while True:
                    if k % 2:
                        r = cas(cur, (cur + step) & mask, succ, fail)
                    else:
                        r = cas(expected=cur, desired=(cur + step) & mask, success=succ,
                                failure=fail)
                    if r.success:
                        olds.append(cur)
                        cur = (cur + step) & mask  # a guess; a failure corrects it
                        break
                    retries += 1
                    cur = r.expected
        w.retries = retries
        return olds

    def work(self, v, w):
        report = super().work(v, w)
        report["retries"] = w.retries
        return report


# ---- beyond 1.0 ------------------------------------------------------------------


@kind("fetch_max", method="fetch_max")
@kind("fetch_min_signed", atype="INT", method="fetch_min")
class _Extremum(Kind):
    """Max or min under contention. Worker r offers its own rising sequence,
    value index k * n + r (the index in the top three bytes, a pattern below
    it; widths 1 and 2 saturate). In the operation's order (signed or not,
    max or min: `rank_of`, its own inverse) the object only rises, so the
    values a worker gets back never fall, each is the start or an offered
    value (never torn), none exceeds the final value, and the final value is
    the highest offered."""
    CAP = (1 << 24) - 1

    def rank_of(self, u, w):
        """The unsigned value whose unsigned order is the operation's order of u."""
        if self.method.endswith("min"):
            u ^= w.mask
        if self.atype == "INT":
            u ^= 1 << (w.bits - 1)
        return u

    def rising(self, idx, w):
        if w.width <= 2:
            return min(idx, w.mask)
        low = w.bits - 24
        return (idx << low) | ((idx * 0x9D) & ((1 << low) - 1))

    def well_formed(self, r, w):
        return w.width <= 2 or r == self.rising(r >> (w.bits - 24), w)

    def init(self, width, n, rng):
        w = Work(0, n, 0, width, None, None, 0)
        return self.rank_of(0, w)  # below everything offered

    def work(self, v, w):
        op, mo, signed = getattr(v, self.method), w.order, self.atype == "INT"
        half, full = 1 << (w.bits - 1), 1 << w.bits
        last, falls, torn, idx = 0, 0, 0, w.rank
        for c in w.chunks():
            for _ in range(c):
                offered = self.rank_of(self.rising(min(idx, self.CAP), w), w)
                if signed and offered & half:
                    offered -= full
                seen = self.rank_of(op(offered, mo) & w.mask, w)
                falls += seen < last
                torn += not self.well_formed(seen, w)
                last = seen
                idx += w.n
        return {"count": w.done, "last_offered": self.rising(min(idx - w.n, self.CAP), w),
                "last_seen": last, "falls": falls, "torn": torn}

    def check(self, final, reports, w):
        errors, top = [], self.rank_of(final, w)
        _expect(errors, "final (in rising order)", top, max(r["last_offered"] for r in reports))
        for i, r in enumerate(reports):
            if r["falls"] or r["torn"]:
                errors.append(f"worker {i}: {r['falls']} fetched values fell, "
                              f"{r['torn']} were never offered (torn)")
            if r["last_seen"] > top:
                errors.append(f"worker {i} fetched {r['last_seen']:#x} above the final {top:#x}")
        return errors


@kind("fetch_update")
class FetchUpdateKind(_Fetch):
    """An increment through fetch_update (a CAS loop around a Python
    function): the old values must form a serial order, as for fetch_add."""

    def run(self, v, w):
        step, mask, mo = self.step(w), w.mask, w.order
        update, bump = v.fetch_update, (lambda x: (x + step) & mask)
        olds = []
        for c in w.chunks():
            olds += [update(bump, mo) for _ in range(c)]
        return olds


@kind("store_load", atype="BYTES")
class StoreLoadKind(Kind):
    """Stores of values whose bytes are all equal; a load that sees mixed
    bytes saw a torn value."""

    def init(self, width, n, rng):
        return 0

    def work(self, v, w):
        from atomics import MemoryOrder as MO
        store, load, width = v.store, v.load, w.width
        st = MO.RELEASE if w.rank % 2 else MO.SEQ_CST
        ld = MO.ACQUIRE if w.rank % 2 else MO.SEQ_CST
        patterns = [bytes([x]) * width for x in range(256)]
        torn, k = 0, w.rank * 37
        for c in w.chunks():
            for _ in range(c):
                k += 1
                store(patterns[k & 0xFF], st)
                x = load(ld)
                if x.count(x[:1]) != width:
                    torn += 1
        return {"torn": torn}

    def check(self, final, reports, w):
        errors = [f"worker {i}: {r['torn']} torn loads" for i, r in enumerate(reports)
                  if r["torn"]]
        b = final.to_bytes(w.width, sys.byteorder)
        if b.count(b[:1]) != w.width:
            errors.append(f"final value torn: {b.hex()}")
        return errors


@kind("neighbours")
class NeighboursKind(Kind):
    """The object and the bytes right next to it (one of them inside the
    object's compare-and-swap block for the odd widths, plus a native 4-byte
    object inside the 16-byte block of width 11) are separate counters, all
    incremented at once; every one must be exact."""

    def init(self, width, n, rng):
        return mix(9, width)

    def neighbours(self, width):
        off = obj_offset(width)
        out = [(off - 1, 1), (off + width, 1)]
        if width == 11:
            out.append((off + 12, 4))
        return out

    def extra_regions(self, width):
        return self.neighbours(width)

    def work(self, v, w):
        import atomics
        mo = w.order
        with contextlib.ExitStack() as stack:
            others = [stack.enter_context(_stress.view(w.slot, off, size, atomics.UINT)).inc
                      for off, size in self.neighbours(w.width)]
            inc = v.inc
            for c in w.chunks():
                for _ in range(c):
                    inc(mo)
                    for o in others:
                        o(mo)
        return {"count": w.done}

    def check(self, final, reports, w):
        count = _count(reports)
        errors = []
        _expect(errors, "final", final, (w.init + count) & w.mask)
        pattern = guard_pattern(SLOT)
        for off, size in self.neighbours(w.width):
            start = int.from_bytes(pattern[off:off + size], sys.byteorder)
            got = int.from_bytes(w.slot[off:off + size], sys.byteorder)
            _expect(errors, f"neighbour counter at {off}", got,
                    (start + count) & ((1 << (8 * size)) - 1))
        return errors


# ---- the scenario -------------------------------------------------------------------


def _exact_worker(rank, barrier, where, plan, nworkers, iters, seed):
    import atomics
    results = []
    with _stress.attach(where) as buf:
        for item in plan:
            k, width, base = KINDS[item["kind"]], item["width"], item["base"]
            slot = buf[base:base + SLOT]
            aux = slot[AUX:START]
            try:
                with _stress.view(slot, obj_offset(width), width, getattr(atomics, k.atype)) as v, \
                        _stress.view(slot, START, 4, atomics.UINT) as start, \
                        _stress.view(slot, FINISHED, 4, atomics.UINT) as finished:
                    w = Work(rank, nworkers, iters, width, _stress.rng_for(seed, rank), aux,
                             item["init"], finished, salt=item["salt"])
                    w.slot = slot
                    barrier.wait(BARRIER_TIMEOUT)
                    if where[0] == "shm":
                        # a barrier wakes processes one by one; spinning on a
                        # counter lines up those that are running
                        start.inc()
                        while start.load() < nworkers:
                            pass
                    results.append(k.work(v, w))
            finally:
                aux.release()
                slot.release()
    return results


def scenario_exactness(cfg):
    import atomics
    method, widths, n = cfg["method"], cfg["widths"], cfg["workers"]
    iters, seed = cfg["iters"], cfg["seed"]
    if method == "thread":
        sys.setswitchinterval(1e-5)  # interleave Python code as finely as we can
    plan = [{"kind": name, "width": width}
            for width in widths for name in (cfg.get("kinds") or KINDS)]
    shared = _stress.Shared(len(plan) * SLOT, method)
    stats, failures = {"interleaved": 0, "retries": 0}, []
    try:
        pattern = guard_pattern(SLOT)
        rng = _stress.rng_for(seed, 999)
        for i, item in enumerate(plan):
            k, width = KINDS[item["kind"]], item["width"]
            base = item["base"] = i * SLOT
            item["salt"] = i + width
            item["init"] = k.init(width, n, rng)
            shared.buf[base:base + SLOT] = pattern
            shared.buf[base + AUX:base + GUARD_END] = bytes(GUARD_END - AUX)
            off = base + obj_offset(width)
            shared.buf[off:off + width] = item["init"].to_bytes(width, sys.byteorder)
        t0 = time.perf_counter()
        # spread the processes over the CPUs, so that they run at the same
        # time even when other work keeps the machine busy
        cpus = sorted(os.sched_getaffinity(0))
        pin = None if method == "thread" else [cpus[r % len(cpus)] for r in range(n)]
        reports = _stress.launch(method, _exact_worker, n, (shared.where, plan, n, iters, seed),
                                 timeout=cfg["worker_timeout"], pin=pin)
        elapsed = time.perf_counter() - t0
        for i, item in enumerate(plan):
            k, width, base = KINDS[item["kind"]], item["width"], item["base"]
            slot = shared.buf[base:base + SLOT]
            aux = slot[AUX:START]
            try:
                w = Work(0, n, iters, width, None, aux, item["init"])
                w.slot = slot
                with _stress.view(slot, obj_offset(width), width, atomics.UINT) as v:
                    final = v.load()
                mine = [r[i] for r in reports]
                errors = k.check(final, mine, w)
                # the rest of the slot must still be the guard pattern
                keep = set(range(obj_offset(width), obj_offset(width) + width))
                keep.update(range(AUX, GUARD_END))
                for off, size in k.extra_regions(width):
                    keep.update(range(off, off + size))
                bad = [j for j in range(SLOT) if j not in keep and slot[j] != pattern[j]]
                if bad:
                    errors.append(f"neighbouring bytes changed at slot offsets {bad[:8]}")
                for key in ("interleaved", "retries"):
                    stats[key] += sum(r.get(key, 0) for r in mine)
                failures += [f"{item['kind']} width {width} ({method}): {e}" for e in errors]
            finally:
                aux.release()
                slot.release()
    finally:
        shared.close()
    return {"failures": failures, "stats": stats, "elapsed": elapsed, "runs": len(plan)}


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("method", METHODS)
def test_exact_under_contention(method, width):
    iters = scaled(2000 if method == "thread" else 10000)
    result = _stress.run_scenario("test_concurrency", "scenario_exactness",
                                  timeout=timeout_for(120), method=method, widths=[width],
                                  workers=NWORKERS, iters=iters, seed=width,
                                  worker_timeout=timeout_for(100))
    _stress.report(f"exactness {method} width {width}",
                   {"runs": result["runs"], "quota per worker and run": iters,
                    "seconds": round(result["elapsed"], 3), **result["stats"]})
    assert not result["failures"], "\n".join(result["failures"])


# ---- owned atomic() objects shared by threads --------------------------------------


def _owned_worker(rank, barrier, objects, plan, nworkers, iters, seed):
    results = []
    for item, (obj, aux, finished) in zip(plan, objects):
        k = KINDS[item["kind"]]
        w = Work(rank, nworkers, iters, item["width"], _stress.rng_for(seed, rank), aux,
                 item["init"], finished, salt=item["salt"])
        barrier.wait(BARRIER_TIMEOUT)
        results.append(k.work(obj, w))
    return results


def _unsigned(value, width):
    if isinstance(value, bytes):
        return int.from_bytes(value, sys.byteorder)
    return value & ((1 << (8 * width)) - 1)


def scenario_owned_threads(cfg):
    import atomics
    n, iters, seed = cfg["workers"], cfg["iters"], cfg["seed"]
    sys.setswitchinterval(1e-5)
    rng = _stress.rng_for(seed, 999)
    plan, objects = [], []
    for width in cfg["widths"]:
        for name, k in KINDS.items():
            if name == "neighbours":
                continue  # owned objects have no neighbours to look at
            init = k.init(width, n, rng)
            obj = atomics.atomic(width=width, atype=getattr(atomics, k.atype))
            raw = init.to_bytes(width, sys.byteorder)
            obj.store(raw if k.atype == "BYTES" else
                      int.from_bytes(raw, sys.byteorder, signed=k.atype == "INT"))
            plan.append({"kind": name, "width": width, "init": init, "salt": len(plan)})
            objects.append((obj, bytearray(8), atomics.atomic(width=4, atype=atomics.UINT)))
    t0 = time.perf_counter()
    reports = _stress.launch("thread", _owned_worker, n, (objects, plan, n, iters, seed),
                             timeout=cfg["worker_timeout"])
    elapsed = time.perf_counter() - t0
    failures, stats = [], {"interleaved": 0, "retries": 0}
    for i, (item, (obj, aux, _)) in enumerate(zip(plan, objects)):
        w = Work(0, n, iters, item["width"], None, aux, item["init"])
        mine = [r[i] for r in reports]
        errors = KINDS[item["kind"]].check(_unsigned(obj.load(), item["width"]), mine, w)
        for key in stats:
            stats[key] += sum(r.get(key, 0) for r in mine)
        failures += [f"owned {item['kind']} width {item['width']}: {e}" for e in errors]
    return {"failures": failures, "stats": stats, "elapsed": elapsed, "runs": len(plan)}


def test_owned_objects_shared_by_threads():
    iters = scaled(500)
    result = _stress.run_scenario("test_concurrency", "scenario_owned_threads",
                                  timeout=timeout_for(120), widths=list(WIDTHS),
                                  workers=NWORKERS, iters=iters, seed=7,
                                  worker_timeout=timeout_for(100))
    _stress.report("owned objects, threads",
                   {"runs": result["runs"], "quota per worker and run": iters,
                    "seconds": round(result["elapsed"], 3), **result["stats"]})
    assert not result["failures"], "\n".join(result["failures"])


# ---- a lock from cmpxchg_weak and store --------------------------------------------
# Shared memory: the lock word at LOCK_AT, and a record of RECORD_FIELDS
# 8-byte fields at RECORD_AT, written with plain (non-atomic) memory writes.
# Field k holds seq * (k + 1) + k; the lock holder checks that all fields
# agree on one seq, then writes seq + 1 field by field.

LOCK_AT, RECORD_AT, RECORD_FIELDS = 0, 64, 8


def _record_seq(rec):
    """The record's seq, or None if its fields disagree (a torn record)."""
    fields = [int.from_bytes(rec[8 * k:8 * k + 8], sys.byteorder) for k in range(RECORD_FIELDS)]
    seq = fields[0]
    ok = all(f == (seq * (k + 1) + k) & 0xFFFFFFFFFFFFFFFF for k, f in enumerate(fields))
    return seq if ok else None


def _write_record(rec, seq):
    for k in range(RECORD_FIELDS):
        rec[8 * k:8 * k + 8] = ((seq * (k + 1) + k) & 0xFFFFFFFFFFFFFFFF).to_bytes(8, sys.byteorder)


def _lock_worker(rank, barrier, where, runs, iters):
    import atomics
    from atomics import MemoryOrder as MO
    me = rank + 1
    reports = []
    with _stress.attach(where) as buf:
        for base, width, use_lock in runs:
            torn = acquired = spins = 0
            rec = buf[base + RECORD_AT:base + RECORD_AT + 8 * RECORD_FIELDS]
            try:
                with _stress.view(buf, base + LOCK_AT, width, atomics.UINT) as lock:
                    cas, load, store = lock.cmpxchg_weak, lock.load, lock.store
                    barrier.wait(BARRIER_TIMEOUT)
                    for _ in range(iters):
                        if use_lock:
                            n = 0
                            # test and test-and-set: spin on loads, then try to take it
                            while load(MO.RELAXED) != 0 or not cas(0, me, MO.ACQUIRE,
                                                                    MO.RELAXED):
                                n += 1
                                if n % 64 == 0:
                                    os.sched_yield()  # the holder may want this CPU
                            spins += n
                        seq = _record_seq(rec)
                        if seq is None:
                            torn += 1
                            seq = int.from_bytes(rec[0:8], sys.byteorder)
                        _write_record(rec, seq + 1)
                        acquired += 1
                        if use_lock:
                            if load(MO.RELAXED) != me:
                                torn += 1  # someone else thinks they hold it too
                            store(0, MO.RELEASE)
            finally:
                rec.release()
            reports.append({"torn": torn, "acquired": acquired, "spins": spins})
    return reports


def scenario_lock(cfg):
    method, n, iters = cfg["method"], cfg["workers"], cfg["iters"]
    runs = [(i * 256, width, use_lock) for i, (width, use_lock) in
            enumerate((w, u) for w in cfg["widths"] for u in (True, False))]
    shared = _stress.Shared(len(runs) * 256, method)
    out = {}
    try:
        for base, _, _ in runs:
            _write_record(shared.buf[base + RECORD_AT:base + RECORD_AT + 8 * RECORD_FIELDS], 0)
        cpus = sorted(os.sched_getaffinity(0))
        t0 = time.perf_counter()
        reports = _stress.launch(method, _lock_worker, n, (shared.where, runs, iters),
                                 timeout=cfg["worker_timeout"],
                                 pin=[cpus[r % len(cpus)] for r in range(n)])
        out["seconds"] = round(time.perf_counter() - t0, 3)
        for i, (base, width, use_lock) in enumerate(runs):
            mine = [r[i] for r in reports]
            rec = shared.buf[base + RECORD_AT:base + RECORD_AT + 8 * RECORD_FIELDS]
            out[f"{'locked' if use_lock else 'unlocked'} width {width}"] = {
                "acquisitions": sum(r["acquired"] for r in mine),
                "torn records seen": sum(r["torn"] for r in mine),
                "final seq": _record_seq(rec),
                "lock word left": bytes(shared.buf[base + LOCK_AT:base + LOCK_AT + width]).hex(),
                "spins": sum(r["spins"] for r in mine)}
            rec.release()
    finally:
        shared.close()
    return out


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_cmpxchg_lock_protects_a_record_across_processes(method):
    iters = scaled(1500)
    result = _stress.run_scenario("test_concurrency", "scenario_lock", timeout=timeout_for(150),
                                  method=method, widths=[4, 1, 16, 3], workers=NWORKERS,
                                  iters=iters, worker_timeout=timeout_for(120))
    result.pop("stderr", None)
    _stress.report(f"cmpxchg_weak lock, {method}", result)
    for name, r in result.items():
        if not name.startswith("locked "):
            continue  # the unlocked runs only show what the lock prevents
        assert r["torn records seen"] == 0, (name, r)
        assert r["final seq"] == NWORKERS * iters, (name, r)  # no update lost
        assert set(r["lock word left"]) == {"0"}, (name, r)


# ---- read-only views of memory another process writes -------------------------------
# The reader maps the shared memory with PROT_READ only: a load that wrote (a
# compare-and-swap of the block, say) would crash it. The writer stores
# values whose bytes are all equal; the reader must never see mixed bytes.

RO_WIDTHS = (1, 2, 4, 8, 16, 3, 5, 7, 11, 13)


def _ro_offset(i, width):
    # each object in its own 64-byte line, at its recommended alignment, with
    # neighbours in its block for the odd widths
    return 64 * i + (4 if width == 3 else 0)


def _ro_writer(rank, barrier, where, widths, stores):
    import atomics
    with _stress.attach(where) as buf, contextlib.ExitStack() as stack:
        views = [stack.enter_context(_stress.view(buf, _ro_offset(i, w), w, atomics.BYTES))
                 for i, w in enumerate(widths)]
        patterns = [[bytes([x]) * w for x in range(256)] for w in widths]
        barrier.wait(BARRIER_TIMEOUT)
        for k in range(stores):
            for v, p in zip(views, patterns):
                v.store(p[k & 0xFF])
        return stores


def _ro_reader(rank, barrier, where, widths, stores):
    import mmap

    import atomics
    from atomics import OpType
    fd = os.open("/dev/shm/" + where[1].lstrip("/"), os.O_RDONLY)
    try:
        region = mmap.mmap(fd, 64 * len(widths), access=mmap.ACCESS_READ)
    finally:
        os.close(fd)
    whole = memoryview(region)
    torn, changes, loads, skipped = 0, 0, 0, []
    try:
        with contextlib.ExitStack() as stack:
            views = []
            for i, w in enumerate(widths):
                v = stack.enter_context(_stress.view(whole, _ro_offset(i, w), w, atomics.BYTES))
                assert v.readonly
                if OpType.LOAD in v.ops_supported:
                    views.append((v.load, w))
                else:
                    skipped.append(w)  # e.g. 16 bytes without atomic 16-byte loads
            barrier.wait(BARRIER_TIMEOUT)
            last = [None] * len(views)
            for _ in range(stores):
                for j, (load, w) in enumerate(views):
                    x = load()
                    loads += 1
                    if x.count(x[:1]) != w:
                        torn += 1
                    changes += x != last[j]
                    last[j] = x
    finally:
        whole.release()
        region.close()
    return {"loads": loads, "torn": torn, "changes seen": changes, "skipped widths": skipped}


def _ro_worker(rank, barrier, *args):
    return (_ro_writer if rank == 0 else _ro_reader)(rank, barrier, *args)


def scenario_readonly(cfg):
    widths = cfg["widths"]
    shared = _stress.Shared(64 * len(widths), "fork")
    try:
        cpus = sorted(os.sched_getaffinity(0))
        t0 = time.perf_counter()
        writer, reader = _stress.launch("fork", _ro_worker, 2,
                                        (shared.where, widths, cfg["stores"]),
                                        timeout=cfg["worker_timeout"],
                                        pin=[cpus[0], cpus[-1]])
        return {"seconds": round(time.perf_counter() - t0, 3), **reader}
    finally:
        shared.close()


def test_readonly_views_of_memory_another_process_writes():
    r = _stress.run_scenario("test_concurrency", "scenario_readonly", timeout=timeout_for(120),
                             widths=list(RO_WIDTHS), stores=scaled(20000),
                             worker_timeout=timeout_for(100))
    r.pop("stderr", None)
    _stress.report("read-only views (PROT_READ) while another process stores", r)
    assert r["torn"] == 0, r
    assert r["changes seen"] > 0, r


# ---- the harness itself --------------------------------------------------------------


def _hang_worker(rank, barrier, pidfile):
    with open(pidfile, "a") as f:
        f.write(f"{os.getpid()}\n")
    barrier.wait(BARRIER_TIMEOUT)
    while True:  # a deadlock, as far as anyone can tell
        pass


def scenario_hang(cfg):
    shared = _stress.Shared(64, "fork")  # never closed: the harness removes it
    with open(cfg["pidfile"] + ".shm", "w") as f:
        f.write(shared.shm.name)
    with open(cfg["pidfile"], "a") as f:
        f.write(f"{os.getpid()}\n")
    _stress.launch("fork", _hang_worker, 2, (cfg["pidfile"],), timeout=3600)
    return {}


def test_a_hanging_scenario_fails_and_leaves_no_process(tmp_path):
    """What every thread and process test here relies on: a deadlock fails
    the test after its timeout, the scenario's processes are killed and its
    shared memory is removed."""
    pidfile = str(tmp_path / "pids")
    with pytest.raises(_stress.ScenarioFailed, match="timed out"):
        _stress.run_scenario("test_concurrency", "scenario_hang", timeout=4, pidfile=pidfile)
    with open(pidfile) as f:
        pids = [int(line) for line in f if line.strip()]
    assert len(pids) == 3  # the scenario and its two workers
    deadline = time.monotonic() + 10
    alive = pids
    while alive and time.monotonic() < deadline:
        alive = [p for p in alive if _alive(p)]
        time.sleep(0.05)
    assert not alive, f"left running: {alive}"
    with open(pidfile + ".shm") as f:
        name = f.read().strip().lstrip("/")
    assert not os.path.exists(f"/dev/shm/{name}")


def _alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"  # a zombie is dead
    except FileNotFoundError:
        return False
