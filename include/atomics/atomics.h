/* atomics.h: lock-free, address-free atomic operations on raw memory.
 *
 * The C core of the `atomics` Python package, usable on its own from C99 and
 * C++. No Python.h. Every operation works on memory that other threads,
 * processes (shared memory, mmap) or programs access at the same time, and
 * never takes a lock: what the hardware cannot do lock-free is reported
 * unsupported, never emulated.
 *
 * Objects are 1 to 16 bytes of native-endian memory. Operands and results are
 * passed by pointer to `width` bytes of the same representation, so one
 * signature serves every width. Integers are two's complement; arithmetic
 * wraps around, so signed and unsigned give the same bits.
 *
 * Operation families (obj is the object, *x means its `width` bytes):
 *
 *   store(obj, desired, mo)            *obj = *desired
 *   load(obj, ret, mo)                 *ret = *obj
 *   exchange(obj, desired, ret, mo)    *ret = *obj; *obj = *desired
 *   cmpxchg_weak/strong(obj, expected, desired, succ, fail)
 *                                      if (*obj == *expected) { *obj = *desired; return 1; }
 *                                      else { *expected = *obj; return 0; }
 *                                      (weak may fail spuriously, leaving
 *                                      *expected equal to what it was)
 *   bit_test(obj, i, mo)               return bit i of *obj
 *   bit_test_compl/set/reset(obj, i, mo)
 *                                      old = bit i; flip / set / clear it; return old
 *   bin_or/xor/and(obj, v, mo)         *obj = *obj | ^ & *v
 *   bin_not(obj, mo)                   *obj = ~*obj
 *   bin_fetch_or/xor/and(obj, v, ret, mo), bin_fetch_not(obj, ret, mo)
 *                                      *ret = *obj, then as above
 *   add/sub(obj, v, mo)                *obj = *obj + - *v       (mod 2^(8*width))
 *   inc/dec/neg(obj, mo)               *obj = *obj + 1, - 1, -*obj
 *   fetch_add/sub(obj, v, ret, mo), fetch_inc/dec/neg(obj, ret, mo)
 *                                      *ret = *obj, then as above
 *   max_s/max_u/min_s/min_u(obj, v, mo)
 *                                      *obj = max or min of *obj and *v, compared
 *                                      as signed (_s) or unsigned (_u) integers
 *   fetch_max_s/max_u/min_s/min_u(obj, v, ret, mo)
 *                                      *ret = *obj, then as above
 *
 * Max and min are compare-and-swap loops that always end with a successful
 * CAS, even when the value does not change (it is written back as read): they
 * are read-modify-writes in every case, with the order given, as C++26's
 * fetch_max and LLVM's atomicrmw max are.
 *
 * Beside the operations on objects:
 *   atomics_thread_fence(mo)           a fence between threads (C11 atomic_thread_fence)
 *   atomics_signal_fence(mo)           a fence against the compiler only, for a
 *                                      signal handler on the same thread
 *   atomics_spin_pause()               the processor's spin-wait hint (x86 pause,
 *                                      aarch64 isb, ...): call it in busy-wait loops
 *   atomics_is_lock_free(width)        non-zero if objects of that width are supported;
 *                                      all operations are then lock-free
 *
 * Bit i counts from the least significant bit of the object read as a
 * native-endian unsigned integer, 0 <= i < 8 * width (callers check).
 *
 * Widths and placement. Widths 1, 2, 4 and 8 at their natural alignment use
 * the processor's atomic instructions directly. Every other width from 2 to
 * 16, and every width placed off its natural alignment, is handled through
 * the smallest naturally aligned 2, 4, 8 or 16-byte block that wholly
 * contains the object: loads read the block, writes compare-and-swap it, and
 * bytes of the block outside the object are never changed. 16-byte blocks need
 * a double-width CAS (x86-64: cmpxchg16b, detected at run time).
 *
 * Read-only memory is never written: load and bit_test never store, not even
 * the value just read. Where reading a block atomically would need a CAS
 * (16-byte blocks on an x86-64 without AVX), the read-only table leaves load
 * and bit_test out.
 *
 * Alignment contract (atomics_alignment): an object of width w is supported
 * at an address when that address is a multiple of `minimum` and, if
 * `size_within` is non-zero, the object lies wholly inside one naturally
 * aligned block of `size_within` bytes. `recommended` (the smallest power of
 * two >= w) always satisfies that and gives the fastest code.
 *
 * Dispatch. atomics_ops_for() resolves an object (address, width, read-only or
 * not) to a table of function pointers once; afterwards every operation is one
 * direct call through it. A NULL entry means the operation is unsupported for
 * that object. The width-specific entry points are also exported by name,
 * atomics_<op>_<width> for widths 1, 2, 4, 8 and 16 at natural alignment.
 *
 * Memory orders are the C11 ones, equal to the compiler's __ATOMIC_* values.
 * Callers validate them (atomics_is_valid_*_order); an operation given an
 * order it does not accept (a store with ACQUIRE, say) uses SEQ_CST, never
 * something weaker.
 */
#ifndef ATOMICS_ATOMICS_H
#define ATOMICS_ATOMICS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ATOMICS_VERSION_MAJOR 1
#define ATOMICS_VERSION_MINOR 2
#define ATOMICS_VERSION_PATCH 0

/* ---- memory orders ------------------------------------------------------ */

typedef enum atomics_order {
    ATOMICS_RELAXED = 0,
    ATOMICS_CONSUME = 1, /* treated as ACQUIRE */
    ATOMICS_ACQUIRE = 2,
    ATOMICS_RELEASE = 3,
    ATOMICS_ACQ_REL = 4,
    ATOMICS_SEQ_CST = 5
} atomics_order;

int atomics_is_valid_order(int order);
int atomics_is_valid_store_order(int order);
int atomics_is_valid_load_order(int order);
/* A cmpxchg failure order: a valid load order no stronger than `succ`. */
int atomics_is_valid_fail_order(int succ, int fail);

/* ---- operations ----------------------------------------------------------- */

/* X(ENUM_NAME, field_name): the operations of atomics 1.0, in the order of
 * atomics_op. The values equal the Python package's OpType. */
#define ATOMICS_OP_LIST(X)                                                      \
    X(STORE, store)                                                             \
    X(LOAD, load)                                                               \
    X(EXCHANGE, exchange)                                                       \
    X(CMPXCHG_WEAK, cmpxchg_weak)                                               \
    X(CMPXCHG_STRONG, cmpxchg_strong)                                           \
    X(BIT_TEST, bit_test)                                                       \
    X(BIT_TEST_COMPL, bit_test_compl)                                           \
    X(BIT_TEST_SET, bit_test_set)                                               \
    X(BIT_TEST_RESET, bit_test_reset)                                           \
    X(OR, bin_or)                                                               \
    X(XOR, bin_xor)                                                             \
    X(AND, bin_and)                                                             \
    X(NOT, bin_not)                                                             \
    X(FETCH_OR, bin_fetch_or)                                                   \
    X(FETCH_XOR, bin_fetch_xor)                                                 \
    X(FETCH_AND, bin_fetch_and)                                                 \
    X(FETCH_NOT, bin_fetch_not)                                                 \
    X(ADD, add)                                                                 \
    X(SUB, sub)                                                                 \
    X(INC, inc)                                                                 \
    X(DEC, dec)                                                                 \
    X(NEG, neg)                                                                 \
    X(FETCH_ADD, fetch_add)                                                     \
    X(FETCH_SUB, fetch_sub)                                                     \
    X(FETCH_INC, fetch_inc)                                                     \
    X(FETCH_DEC, fetch_dec)                                                     \
    X(FETCH_NEG, fetch_neg)

/* X(ENUM_NAME, field_name): the operations added in 1.2, numbered after
 * the 1.0 ones. Signedness is part of the name: _s compares as signed, _u as
 * unsigned integers. Python's OpType (fixed by 1.0) has no members for them. */
#define ATOMICS_OP_LIST_MORE(X)                                                 \
    X(MAX_S, max_s)                                                             \
    X(MAX_U, max_u)                                                             \
    X(MIN_S, min_s)                                                             \
    X(MIN_U, min_u)                                                             \
    X(FETCH_MAX_S, fetch_max_s)                                                 \
    X(FETCH_MAX_U, fetch_max_u)                                                 \
    X(FETCH_MIN_S, fetch_min_s)                                                 \
    X(FETCH_MIN_U, fetch_min_u)

typedef enum atomics_op {
    ATOMICS_OP_NONE = 0,
#define ATOMICS_X_(NAME, field) ATOMICS_OP_##NAME,
    ATOMICS_OP_LIST(ATOMICS_X_)
    ATOMICS_OP_COUNT, /* one past the last 1.0 operation (= len(OpType) + 1) */
    ATOMICS_OP_MORE_BEFORE_ = ATOMICS_OP_COUNT - 1,
    ATOMICS_OP_LIST_MORE(ATOMICS_X_)
#undef ATOMICS_X_
    ATOMICS_OP_COUNT_ALL /* one past the last operation */
} atomics_op;

typedef void (*atomics_store_fn)(void *obj, const void *desired, atomics_order mo);
typedef void (*atomics_load_fn)(const void *obj, void *ret, atomics_order mo);
typedef void (*atomics_exchange_fn)(void *obj, const void *desired, void *ret,
                                    atomics_order mo);
typedef int (*atomics_cmpxchg_fn)(void *obj, void *expected, const void *desired,
                                  atomics_order succ, atomics_order fail);
typedef int (*atomics_bit_test_fn)(const void *obj, unsigned index, atomics_order mo);
typedef int (*atomics_bit_modify_fn)(void *obj, unsigned index, atomics_order mo);
typedef void (*atomics_binary_fn)(void *obj, const void *arg, atomics_order mo);
typedef void (*atomics_fetch_binary_fn)(void *obj, const void *arg, void *ret,
                                        atomics_order mo);
typedef void (*atomics_unary_fn)(void *obj, atomics_order mo);
typedef void (*atomics_fetch_unary_fn)(void *obj, void *ret, atomics_order mo);

/* One object's operations; NULL where unsupported. Field order = atomics_op. */
typedef struct atomics_ops {
    atomics_store_fn store;
    atomics_load_fn load;
    atomics_exchange_fn exchange;
    atomics_cmpxchg_fn cmpxchg_weak;
    atomics_cmpxchg_fn cmpxchg_strong;
    atomics_bit_test_fn bit_test;
    atomics_bit_modify_fn bit_test_compl;
    atomics_bit_modify_fn bit_test_set;
    atomics_bit_modify_fn bit_test_reset;
    atomics_binary_fn bin_or;
    atomics_binary_fn bin_xor;
    atomics_binary_fn bin_and;
    atomics_unary_fn bin_not;
    atomics_fetch_binary_fn bin_fetch_or;
    atomics_fetch_binary_fn bin_fetch_xor;
    atomics_fetch_binary_fn bin_fetch_and;
    atomics_fetch_unary_fn bin_fetch_not;
    atomics_binary_fn add;
    atomics_binary_fn sub;
    atomics_unary_fn inc;
    atomics_unary_fn dec;
    atomics_unary_fn neg;
    atomics_fetch_binary_fn fetch_add;
    atomics_fetch_binary_fn fetch_sub;
    atomics_fetch_unary_fn fetch_inc;
    atomics_fetch_unary_fn fetch_dec;
    atomics_fetch_unary_fn fetch_neg;
    /* since 1.2 (ATOMICS_OP_LIST_MORE); appended, so older callers still fit */
    atomics_binary_fn max_s;
    atomics_binary_fn max_u;
    atomics_binary_fn min_s;
    atomics_binary_fn min_u;
    atomics_fetch_binary_fn fetch_max_s;
    atomics_fetch_binary_fn fetch_max_u;
    atomics_fetch_binary_fn fetch_min_s;
    atomics_fetch_binary_fn fetch_min_u;
} atomics_ops;

/* ---- queries ---------------------------------------------------------------- */

#define ATOMICS_MAX_WIDTH 16

/* Flags for atomics_ops_for / atomics_ops_supported. */
#define ATOMICS_READONLY 0x1u

/* Processor features found at run time (atomics_features).
 *   CAS16   x86-64 with cmpxchg16b; every aarch64 (LSE caspal, else an
 *           ldaxp/stlxp loop); s390x (cdsg)
 *   LOAD16  x86-64 from Intel or AMD with AVX; aarch64 with LSE2; s390x (lpq)
 * Neither on 32-bit targets, riscv64 or ppc64le: widths 9 to 16 are then
 * unsupported, and without LOAD16 so is reading a 16-byte block read-only. */
#define ATOMICS_FEATURE_CAS16 0x1u  /* lock-free 16-byte compare-and-swap */
#define ATOMICS_FEATURE_LOAD16 0x2u /* plain aligned 16-byte loads are atomic */

unsigned atomics_features(void);

typedef struct atomics_alignment {
    size_t recommended;
    size_t minimum;
    size_t size_within; /* 0: no block constraint */
} atomics_alignment;

/* 0 and *out filled, or -1 if no operation supports `width`. */
int atomics_alignment_of(size_t width, atomics_alignment *out);

/* Non-zero if an object of `width` bytes at `obj` meets the minimum
 * (or, with `recommended` non-zero, the recommended) alignment. */
int atomics_is_aligned(const void *obj, size_t width, int recommended);

/* The operations for the object of `width` bytes at `obj`, or NULL if the
 * width or the placement is unsupported. With ATOMICS_READONLY only load and
 * bit_test are filled in (where possible without writing). The table stays
 * valid for that object for the life of the process. */
const atomics_ops *atomics_ops_for(const void *obj, size_t width, unsigned flags);

/* Bit (1u << op) is set for each non-NULL entry of `ops` (NULL gives 0);
 * the 1.0 operations only (op < ATOMICS_OP_COUNT). */
uint32_t atomics_ops_mask(const atomics_ops *ops);

/* The mask for an object of `width` at its recommended alignment. */
uint32_t atomics_ops_supported(size_t width, unsigned flags);

/* The same over every operation (op < ATOMICS_OP_COUNT_ALL). */
uint64_t atomics_ops_mask64(const atomics_ops *ops);
uint64_t atomics_ops_supported64(size_t width, unsigned flags);

/* Non-zero if objects of `width` bytes are supported on this processor (at
 * their recommended alignment; every operation is then lock-free). */
int atomics_is_lock_free(size_t width);

/* ---- fences and spinning ------------------------------------------------------ */

/* C11's atomic_thread_fence and atomic_signal_fence; RELAXED does nothing,
 * an invalid order acts as SEQ_CST. */
void atomics_thread_fence(atomics_order mo);
void atomics_signal_fence(atomics_order mo);

/* The processor's hint for a busy-wait loop: x86 pause, aarch64 isb, armv7
 * yield, ppc64 or 1,1,1 / or 2,2,2, riscv64 pause (a no-op fence elsewhere);
 * nothing (a compiler barrier) where there is no such hint. */
void atomics_spin_pause(void);
/* ---- blocking wait and notify -----------------------------------------------
 *
 *   wait(obj, width, old, mo, timeout_ns)
 *       while (*obj == *old) sleep until notified, timed out or interrupted;
 *       the value is read with `mo` (a load order). timeout_ns < 0: forever.
 *       Returns ATOMICS_WAIT_CHANGED, _TIMEDOUT, _INTERRUPTED (a signal
 *       handler ran: EINTR) or _UNSUPPORTED (no read-only load for the
 *       object: use atomics_wait_once with a read-write table's load).
 *       Wake-ups that leave the value equal to *old are absorbed.
 *   wait_once(load, obj, width, old, mo, timeout_ns)
 *       one step of wait, for callers that check their own conditions
 *       between sleeps: _CHANGED if *obj != *old (read with load and mo),
 *       else _TIMEDOUT if timeout_ns == 0, else sleeps once (at most
 *       timeout_ns, < 0: unbounded) and returns _WOKEN (a notify, a
 *       timeout, or a spurious wake-up: the caller re-checks) or
 *       _INTERRUPTED.
 *   notify_one(obj, width), notify_all(obj, width)
 *       wake one / every thread or process waiting on obj. notify_one
 *       wakes every waiter of the word when obj does not cover whole
 *       aligned 4-byte words (objects sharing a word cannot be told apart).
 *
 * Works between threads and between processes mapping the same memory.
 * The kernel watches aligned 4-byte words: the words the object overlaps
 * (widths 1 and 2: the one word that contains them; the other bytes of the
 * word may change freely, a waiter re-checks its own). Linux: futex without
 * FUTEX_PRIVATE_FLAG; objects over more than one word use futex_waitv
 * (Linux 5.16+) on all their words, so no change is missed. Without
 * futex_waitv, on Windows (WaitOnAddress: one process only) and on macOS
 * 14.4+ (os_sync_wait_on_address, shared) the first word is watched
 * (aligned 8-byte objects: all 8 bytes on Windows and macOS), and a change
 * confined to the other words that races the waiter's check is seen after
 * at most ATOMICS_WAIT_POLL_NS. Elsewhere (older macOS, BSDs) wait polls
 * every ATOMICS_WAIT_POLL_NS. The notify of a store, as in C++, is what
 * wakes a sleeper: a store without notify is seen at the next wake-up. */

#define ATOMICS_WAIT_UNSUPPORTED (-1)
#define ATOMICS_WAIT_CHANGED 0
#define ATOMICS_WAIT_WOKEN 1
#define ATOMICS_WAIT_TIMEDOUT 2
#define ATOMICS_WAIT_INTERRUPTED 3

/* The longest single sleep when the platform cannot watch the whole object. */
#define ATOMICS_WAIT_POLL_NS 1000000

int atomics_wait(const void *obj, size_t width, const void *old, atomics_order mo,
                 int64_t timeout_ns);
int atomics_wait_once(atomics_load_fn load, const void *obj, size_t width, const void *old,
                      atomics_order mo, int64_t timeout_ns);
void atomics_notify_one(const void *obj, size_t width);
void atomics_notify_all(const void *obj, size_t width);
/* The clock wait's timeouts are measured on, in nanoseconds. */
int64_t atomics_monotonic_ns(void);

/* ---- width-specific entry points ---------------------------------------------
 * atomics_<op>_<N> for N in 1, 2, 4, 8, 16; the object must be aligned to N
 * (and, for N == 16, ATOMICS_FEATURE_CAS16 must be present). */

#define ATOMICS_DECLARE_WIDTH_(N)                                                       \
    void atomics_store_##N(void *obj, const void *desired, atomics_order mo);           \
    void atomics_load_##N(const void *obj, void *ret, atomics_order mo);                \
    void atomics_exchange_##N(void *obj, const void *desired, void *ret,                \
                              atomics_order mo);                                        \
    int atomics_cmpxchg_weak_##N(void *obj, void *expected, const void *desired,        \
                                 atomics_order succ, atomics_order fail);               \
    int atomics_cmpxchg_strong_##N(void *obj, void *expected, const void *desired,      \
                                   atomics_order succ, atomics_order fail);             \
    int atomics_bit_test_##N(const void *obj, unsigned index, atomics_order mo);        \
    int atomics_bit_test_compl_##N(void *obj, unsigned index, atomics_order mo);        \
    int atomics_bit_test_set_##N(void *obj, unsigned index, atomics_order mo);          \
    int atomics_bit_test_reset_##N(void *obj, unsigned index, atomics_order mo);        \
    void atomics_bin_or_##N(void *obj, const void *arg, atomics_order mo);              \
    void atomics_bin_xor_##N(void *obj, const void *arg, atomics_order mo);             \
    void atomics_bin_and_##N(void *obj, const void *arg, atomics_order mo);             \
    void atomics_bin_not_##N(void *obj, atomics_order mo);                              \
    void atomics_bin_fetch_or_##N(void *obj, const void *arg, void *ret,                \
                                  atomics_order mo);                                    \
    void atomics_bin_fetch_xor_##N(void *obj, const void *arg, void *ret,               \
                                   atomics_order mo);                                   \
    void atomics_bin_fetch_and_##N(void *obj, const void *arg, void *ret,               \
                                   atomics_order mo);                                   \
    void atomics_bin_fetch_not_##N(void *obj, void *ret, atomics_order mo);             \
    void atomics_add_##N(void *obj, const void *arg, atomics_order mo);                 \
    void atomics_sub_##N(void *obj, const void *arg, atomics_order mo);                 \
    void atomics_inc_##N(void *obj, atomics_order mo);                                  \
    void atomics_dec_##N(void *obj, atomics_order mo);                                  \
    void atomics_neg_##N(void *obj, atomics_order mo);                                  \
    void atomics_fetch_add_##N(void *obj, const void *arg, void *ret, atomics_order mo); \
    void atomics_fetch_sub_##N(void *obj, const void *arg, void *ret, atomics_order mo); \
    void atomics_fetch_inc_##N(void *obj, void *ret, atomics_order mo);                 \
    void atomics_fetch_dec_##N(void *obj, void *ret, atomics_order mo);                 \
    void atomics_fetch_neg_##N(void *obj, void *ret, atomics_order mo);                 \
    void atomics_max_s_##N(void *obj, const void *arg, atomics_order mo);               \
    void atomics_max_u_##N(void *obj, const void *arg, atomics_order mo);               \
    void atomics_min_s_##N(void *obj, const void *arg, atomics_order mo);               \
    void atomics_min_u_##N(void *obj, const void *arg, atomics_order mo);               \
    void atomics_fetch_max_s_##N(void *obj, const void *arg, void *ret, atomics_order mo); \
    void atomics_fetch_max_u_##N(void *obj, const void *arg, void *ret, atomics_order mo); \
    void atomics_fetch_min_s_##N(void *obj, const void *arg, void *ret, atomics_order mo); \
    void atomics_fetch_min_u_##N(void *obj, const void *arg, void *ret, atomics_order mo);

ATOMICS_DECLARE_WIDTH_(1)
ATOMICS_DECLARE_WIDTH_(2)
ATOMICS_DECLARE_WIDTH_(4)
ATOMICS_DECLARE_WIDTH_(8)
ATOMICS_DECLARE_WIDTH_(16)
#undef ATOMICS_DECLARE_WIDTH_

#ifdef __cplusplus
}
#endif

#endif /* ATOMICS_ATOMICS_H */
