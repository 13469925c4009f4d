/* internal.h: what the core's source files share and the public header hides:
 * the memory-order switches, aliasing-safe integer types, 16-byte primitives
 * and the per-width tables. Also included by the C tests. */
#ifndef ATOMICS_CORE_INTERNAL_H
#define ATOMICS_CORE_INTERNAL_H

#include "atomics/atomics.h"

#include <string.h>

#if !defined(__GNUC__) && !defined(__clang__)
#error "the atomics core needs GCC or Clang (__atomic builtins)"
#endif

_Static_assert(ATOMICS_RELAXED == __ATOMIC_RELAXED, "order mismatch");
_Static_assert(ATOMICS_CONSUME == __ATOMIC_CONSUME, "order mismatch");
_Static_assert(ATOMICS_ACQUIRE == __ATOMIC_ACQUIRE, "order mismatch");
_Static_assert(ATOMICS_RELEASE == __ATOMIC_RELEASE, "order mismatch");
_Static_assert(ATOMICS_ACQ_REL == __ATOMIC_ACQ_REL, "order mismatch");
_Static_assert(ATOMICS_SEQ_CST == __ATOMIC_SEQ_CST, "order mismatch");
_Static_assert(ATOMICS_OP_FETCH_NEG == 27, "atomics_op must match the Python OpType");

/* The object's memory belongs to someone else (a bytearray, an mmap): reach it
 * through types that may alias anything, so no strict-aliasing assumption
 * is ever made about it. */
typedef uint8_t __attribute__((may_alias)) atomics_u8;
typedef uint16_t __attribute__((may_alias)) atomics_u16;
typedef uint32_t __attribute__((may_alias)) atomics_u32;
typedef uint64_t __attribute__((may_alias)) atomics_u64;

#ifndef __SIZEOF_INT128__
#error "the atomics core needs a 128-bit integer type for widths 9 to 16"
#endif
__extension__ typedef unsigned __int128 atomics_u128;

#if !defined(__BYTE_ORDER__) || !defined(__ORDER_LITTLE_ENDIAN__)
#error "unknown byte order"
#endif
#define ATOMICS_LITTLE_ENDIAN (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__)

/* ---- memory orders: runtime value to compile-time constant --------------
 * Each switch runs STMT once with the enum constant MO (or S and F) bound to
 * the __ATOMIC_* value; GCC would otherwise turn a non-constant order into
 * SEQ_CST without a word. Orders the operation does not accept become
 * SEQ_CST, never weaker. SEQ_CST, the default almost every caller passes,
 * is tested first so it costs one compare. */

#define ATOMICS_CASE_(label, value, STMT)                                      \
    case label: {                                                              \
        enum { MO = value };                                                   \
        STMT;                                                                  \
    } break;

#define ATOMICS_SWITCH_RMW(mo, STMT)                                           \
    if (__builtin_expect((mo) == ATOMICS_SEQ_CST, 1)) {                          \
        enum { MO = __ATOMIC_SEQ_CST };                                        \
        STMT;                                                                  \
    } else                                                                     \
        switch (mo) {                                                              \
        ATOMICS_CASE_(ATOMICS_RELAXED, __ATOMIC_RELAXED, STMT)                 \
        ATOMICS_CASE_(ATOMICS_CONSUME, __ATOMIC_ACQUIRE, STMT)                 \
        ATOMICS_CASE_(ATOMICS_ACQUIRE, __ATOMIC_ACQUIRE, STMT)                 \
        ATOMICS_CASE_(ATOMICS_RELEASE, __ATOMIC_RELEASE, STMT)                 \
        ATOMICS_CASE_(ATOMICS_ACQ_REL, __ATOMIC_ACQ_REL, STMT)                 \
    default: {                                                                 \
        enum { MO = __ATOMIC_SEQ_CST };                                        \
        STMT;                                                                  \
    } break;                                                                   \
    }

#define ATOMICS_SWITCH_LOAD(mo, STMT)                                          \
    if (__builtin_expect((mo) == ATOMICS_SEQ_CST, 1)) {                          \
        enum { MO = __ATOMIC_SEQ_CST };                                        \
        STMT;                                                                  \
    } else                                                                     \
        switch (mo) {                                                              \
        ATOMICS_CASE_(ATOMICS_RELAXED, __ATOMIC_RELAXED, STMT)                 \
        ATOMICS_CASE_(ATOMICS_CONSUME, __ATOMIC_ACQUIRE, STMT)                 \
        ATOMICS_CASE_(ATOMICS_ACQUIRE, __ATOMIC_ACQUIRE, STMT)                 \
    default: {                                                                 \
        enum { MO = __ATOMIC_SEQ_CST };                                        \
        STMT;                                                                  \
    } break;                                                                   \
    }

#define ATOMICS_SWITCH_STORE(mo, STMT)                                         \
    if (__builtin_expect((mo) == ATOMICS_SEQ_CST, 1)) {                          \
        enum { MO = __ATOMIC_SEQ_CST };                                        \
        STMT;                                                                  \
    } else                                                                     \
        switch (mo) {                                                              \
        ATOMICS_CASE_(ATOMICS_RELAXED, __ATOMIC_RELAXED, STMT)                 \
        ATOMICS_CASE_(ATOMICS_RELEASE, __ATOMIC_RELEASE, STMT)                 \
    default: {                                                                 \
        enum { MO = __ATOMIC_SEQ_CST };                                        \
        STMT;                                                                  \
    } break;                                                                   \
    }

/* A (success, failure) pair folded into one of the nine pairs every compiler
 * accepts: the failure order is a load order, and success is strengthened
 * until it is at least as strong (RELEASE + ACQUIRE becomes ACQ_REL + ACQUIRE). */
enum {
    ATOMICS_PAIR_RLX_RLX, ATOMICS_PAIR_ACQ_RLX, ATOMICS_PAIR_ACQ_ACQ,
    ATOMICS_PAIR_REL_RLX, ATOMICS_PAIR_AR_RLX, ATOMICS_PAIR_AR_ACQ,
    ATOMICS_PAIR_SC_RLX, ATOMICS_PAIR_SC_ACQ, ATOMICS_PAIR_SC_SC
};

static inline int atomics_cas_pair(atomics_order succ, atomics_order fail) {
    int f = fail == ATOMICS_RELAXED ? 0
            : (fail == ATOMICS_ACQUIRE || fail == ATOMICS_CONSUME) ? 1 : 2;
    switch (succ) {
    case ATOMICS_RELAXED:
        return f == 0 ? ATOMICS_PAIR_RLX_RLX : f == 1 ? ATOMICS_PAIR_ACQ_ACQ : ATOMICS_PAIR_SC_SC;
    case ATOMICS_CONSUME:
    case ATOMICS_ACQUIRE:
        return f == 0 ? ATOMICS_PAIR_ACQ_RLX : f == 1 ? ATOMICS_PAIR_ACQ_ACQ : ATOMICS_PAIR_SC_SC;
    case ATOMICS_RELEASE:
        return f == 0 ? ATOMICS_PAIR_REL_RLX : f == 1 ? ATOMICS_PAIR_AR_ACQ : ATOMICS_PAIR_SC_SC;
    case ATOMICS_ACQ_REL:
        return f == 0 ? ATOMICS_PAIR_AR_RLX : f == 1 ? ATOMICS_PAIR_AR_ACQ : ATOMICS_PAIR_SC_SC;
    default:
        return f == 0 ? ATOMICS_PAIR_SC_RLX : f == 1 ? ATOMICS_PAIR_SC_ACQ : ATOMICS_PAIR_SC_SC;
    }
}

#define ATOMICS_PAIR_CASE_(label, s, f, STMT)                                  \
    case label: {                                                              \
        enum { S = s, F = f };                                                 \
        STMT;                                                                  \
    } break;

#define ATOMICS_SWITCH_CAS(succ, fail, STMT)                                   \
    if (__builtin_expect((succ) == ATOMICS_SEQ_CST && (fail) == ATOMICS_SEQ_CST, 1)) { \
        enum { S = __ATOMIC_SEQ_CST, F = __ATOMIC_SEQ_CST };                   \
        STMT;                                                                  \
    } else                                                                     \
        switch (atomics_cas_pair(succ, fail)) {                                    \
        ATOMICS_PAIR_CASE_(ATOMICS_PAIR_RLX_RLX, __ATOMIC_RELAXED, __ATOMIC_RELAXED, STMT) \
        ATOMICS_PAIR_CASE_(ATOMICS_PAIR_ACQ_RLX, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED, STMT) \
        ATOMICS_PAIR_CASE_(ATOMICS_PAIR_ACQ_ACQ, __ATOMIC_ACQUIRE, __ATOMIC_ACQUIRE, STMT) \
        ATOMICS_PAIR_CASE_(ATOMICS_PAIR_REL_RLX, __ATOMIC_RELEASE, __ATOMIC_RELAXED, STMT) \
        ATOMICS_PAIR_CASE_(ATOMICS_PAIR_AR_RLX, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED, STMT)  \
        ATOMICS_PAIR_CASE_(ATOMICS_PAIR_AR_ACQ, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE, STMT)  \
        ATOMICS_PAIR_CASE_(ATOMICS_PAIR_SC_RLX, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED, STMT)  \
        ATOMICS_PAIR_CASE_(ATOMICS_PAIR_SC_ACQ, __ATOMIC_SEQ_CST, __ATOMIC_ACQUIRE, STMT)  \
    default: {                                                                 \
        enum { S = __ATOMIC_SEQ_CST, F = __ATOMIC_SEQ_CST };                   \
        STMT;                                                                  \
    } break;                                                                   \
    }

/* ---- processor features ---------------------------------------------------- */

/* Overrides what atomics_features() reports (tests use it to reach the
 * fallback paths); ~0u restores detection. */
void atomics__set_features(unsigned features);

#if defined(__x86_64__)
/* The features of an x86-64 processor from its cpuid: leaf 0's vendor
 * (ebx, edx, ecx) and leaf 1's ecx. Separate so tests can feed it others. */
unsigned atomics__x86_features(const unsigned vendor[3], unsigned leaf1_ecx);
#endif

/* ---- 16-byte primitives (block.c) ------------------------------------------ */

/* Lock-free 16-byte CAS on a 16-aligned address; full barrier. Only called
 * when ATOMICS_FEATURE_CAS16 is present. */
int atomics__cas16(void *obj, atomics_u128 *expected, atomics_u128 desired);
/* Atomic 16-byte load; never writes when ATOMICS_FEATURE_LOAD16 is present,
 * otherwise a CAS that writes back the value it read (writable memory only). */
atomics_u128 atomics__load16(const void *obj);

/* ---- tables (dispatch.c builds them from native.c and block.c) ----------- */

/* Index 0, 1, 2, 3 for widths 1, 2, 4, 8. */
extern const atomics_ops atomics__native_rw[4];
extern const atomics_ops atomics__native_ro[4];
/* Index = width, 2 to 16; any placement inside an aligned block of <= 16 bytes. */
extern const atomics_ops atomics__block_rw[ATOMICS_MAX_WIDTH + 1];
extern const atomics_ops atomics__block_ro[ATOMICS_MAX_WIDTH + 1];

/* The 27 entry points of one width in atomics_ops field order: P is the name
 * prefix, N the width suffix. */
#define ATOMICS_OPS_INIT_RW(P, N)                                              \
    {                                                                          \
        P##store_##N, P##load_##N, P##exchange_##N, P##cmpxchg_weak_##N,       \
        P##cmpxchg_strong_##N, P##bit_test_##N, P##bit_test_compl_##N,         \
        P##bit_test_set_##N, P##bit_test_reset_##N, P##bin_or_##N,             \
        P##bin_xor_##N, P##bin_and_##N, P##bin_not_##N, P##bin_fetch_or_##N,   \
        P##bin_fetch_xor_##N, P##bin_fetch_and_##N, P##bin_fetch_not_##N,      \
        P##add_##N, P##sub_##N, P##inc_##N, P##dec_##N, P##neg_##N,            \
        P##fetch_add_##N, P##fetch_sub_##N, P##fetch_inc_##N,                  \
        P##fetch_dec_##N, P##fetch_neg_##N                                     \
    }
#define ATOMICS_OPS_INIT_RO(P, N)                                              \
    {                                                                          \
        .load = P##load_##N, .bit_test = P##bit_test_##N                       \
    }

#endif /* ATOMICS_CORE_INTERNAL_H */
