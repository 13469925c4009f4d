/* internal.h: what the core's source files share and the public header hides:
 * the compiler layer (compiler.h), the memory-order switches, the two-halves
 * value of the block path, the architecture's 16-byte primitives (arch/<name>.h)
 * and the per-width tables. Also included by the C tests. */
#ifndef ATOMICS_CORE_INTERNAL_H
#define ATOMICS_CORE_INTERNAL_H

#include "atomics/atomics.h"

#include "compiler.h"

#include <string.h>

_Static_assert(ATOMICS_OP_FETCH_NEG == 27, "atomics_op must match the Python OpType");
_Static_assert(ATOMICS_OP_MAX_S == 28 && ATOMICS_OP_COUNT_ALL == 36,
               "the operations since 1.0 follow them, numbered on");
_Static_assert(ATOMICS_OP_COUNT_ALL <= 64, "atomics_ops_mask64 holds every operation");

/* A value of up to 16 bytes as two 64-bit halves: what the block path
 * computes with, and what the 16-byte primitives exchange. Plain C, so it
 * exists on every target, with or without a 128-bit integer type. */
typedef struct atomics_wide {
    uint64_t lo, hi;
} atomics_wide;

/* ---- memory orders: runtime value to compile-time constant --------------
 * Each switch runs STMT once with the enum constant MO (or S and F) bound to
 * the atomics_order constant; GCC would otherwise turn a non-constant order into
 * SEQ_CST without a word. Orders the operation does not accept become
 * SEQ_CST, never weaker. SEQ_CST, the default almost every caller passes,
 * is tested first so it costs one compare. */

#define ATOMICS_CASE_(label, value, STMT)                                      \
    case label: {                                                              \
        enum { MO = value };                                                   \
        STMT;                                                                  \
    } break;

/* SEQ_CST first, then the CASES the operation accepts; anything else is
 * SEQ_CST. */
#define ATOMICS_SWITCH_(mo, CASES, STMT)                                       \
    if (ATOMICS_LIKELY((mo) == ATOMICS_SEQ_CST)) {                             \
        enum { MO = ATOMICS_SEQ_CST };                                         \
        STMT;                                                                  \
    } else                                                                     \
        switch (mo) {                                                          \
        CASES(STMT)                                                            \
    default: {                                                                 \
        enum { MO = ATOMICS_SEQ_CST };                                         \
        STMT;                                                                  \
    } break;                                                                   \
    }

#define ATOMICS_RMW_CASES_(STMT)                                               \
    ATOMICS_CASE_(ATOMICS_RELAXED, ATOMICS_RELAXED, STMT)                      \
    ATOMICS_CASE_(ATOMICS_CONSUME, ATOMICS_ACQUIRE, STMT)                      \
    ATOMICS_CASE_(ATOMICS_ACQUIRE, ATOMICS_ACQUIRE, STMT)                      \
    ATOMICS_CASE_(ATOMICS_RELEASE, ATOMICS_RELEASE, STMT)                      \
    ATOMICS_CASE_(ATOMICS_ACQ_REL, ATOMICS_ACQ_REL, STMT)

#define ATOMICS_LOAD_CASES_(STMT)                                              \
    ATOMICS_CASE_(ATOMICS_RELAXED, ATOMICS_RELAXED, STMT)                      \
    ATOMICS_CASE_(ATOMICS_CONSUME, ATOMICS_ACQUIRE, STMT)                      \
    ATOMICS_CASE_(ATOMICS_ACQUIRE, ATOMICS_ACQUIRE, STMT)

#define ATOMICS_STORE_CASES_(STMT)                                             \
    ATOMICS_CASE_(ATOMICS_RELAXED, ATOMICS_RELAXED, STMT)                      \
    ATOMICS_CASE_(ATOMICS_RELEASE, ATOMICS_RELEASE, STMT)

#define ATOMICS_SWITCH_RMW(mo, STMT) ATOMICS_SWITCH_(mo, ATOMICS_RMW_CASES_, STMT)
#define ATOMICS_SWITCH_LOAD(mo, STMT) ATOMICS_SWITCH_(mo, ATOMICS_LOAD_CASES_, STMT)
#define ATOMICS_SWITCH_STORE(mo, STMT) ATOMICS_SWITCH_(mo, ATOMICS_STORE_CASES_, STMT)

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
    if (ATOMICS_LIKELY((succ) == ATOMICS_SEQ_CST && (fail) == ATOMICS_SEQ_CST)) { \
        enum { S = ATOMICS_SEQ_CST, F = ATOMICS_SEQ_CST };                     \
        STMT;                                                                  \
    } else                                                                     \
        switch (atomics_cas_pair(succ, fail)) {                                \
        ATOMICS_PAIR_CASE_(ATOMICS_PAIR_RLX_RLX, ATOMICS_RELAXED, ATOMICS_RELAXED, STMT) \
        ATOMICS_PAIR_CASE_(ATOMICS_PAIR_ACQ_RLX, ATOMICS_ACQUIRE, ATOMICS_RELAXED, STMT) \
        ATOMICS_PAIR_CASE_(ATOMICS_PAIR_ACQ_ACQ, ATOMICS_ACQUIRE, ATOMICS_ACQUIRE, STMT) \
        ATOMICS_PAIR_CASE_(ATOMICS_PAIR_REL_RLX, ATOMICS_RELEASE, ATOMICS_RELAXED, STMT) \
        ATOMICS_PAIR_CASE_(ATOMICS_PAIR_AR_RLX, ATOMICS_ACQ_REL, ATOMICS_RELAXED, STMT) \
        ATOMICS_PAIR_CASE_(ATOMICS_PAIR_AR_ACQ, ATOMICS_ACQ_REL, ATOMICS_ACQUIRE, STMT) \
        ATOMICS_PAIR_CASE_(ATOMICS_PAIR_SC_RLX, ATOMICS_SEQ_CST, ATOMICS_RELAXED, STMT) \
        ATOMICS_PAIR_CASE_(ATOMICS_PAIR_SC_ACQ, ATOMICS_SEQ_CST, ATOMICS_ACQUIRE, STMT) \
    default: {                                                                 \
        enum { S = ATOMICS_SEQ_CST, F = ATOMICS_SEQ_CST };                     \
        STMT;                                                                  \
    } break;                                                                   \
    }

/* ---- processor features ---------------------------------------------------- */

/* Overrides what atomics_features() reports (tests use it to reach the
 * fallback paths); ~0u restores detection. */
void atomics__set_features(unsigned features);


/* ---- 16-byte primitives ------------------------------------------------------
 * One file per architecture, each defining:
 *   ATOMICS_ARCH_NAME                    for messages
 *   unsigned atomics_arch_features(void) the ATOMICS_FEATURE_* bits it finds
 *   int atomics_arch_cas16(obj, &expected, desired)
 *       lock-free 16-byte strong CAS on a 16-aligned address; full barrier;
 *       only called when ATOMICS_FEATURE_CAS16 was found
 *   atomics_wide atomics_arch_load16(obj)
 *       atomic 16-byte load that never writes; SEQ_CST; only called when
 *       ATOMICS_FEATURE_LOAD16 was found
 * Values are numbers (lo holds the low 64 bits), whatever the byte order. */
#if defined(__x86_64__) || defined(_M_X64)
#include "arch/x86_64.h"
#elif defined(__aarch64__)
#include "arch/aarch64.h"
#elif defined(__s390x__)
#include "arch/s390x.h"
#else
#include "arch/generic.h"
#endif

/* ---- tables (dispatch.c builds them from native.c and block.c) ----------- */

/* Index 0, 1, 2, 3 for widths 1, 2, 4, 8 at natural alignment: the exported
 * atomics_<op>_<N> of native.c. */
extern const atomics_ops atomics__native_rw[4];
extern const atomics_ops atomics__native_ro[4];
/* Index = width, 2 to 16; any placement inside an aligned block of <= 16 bytes. */
extern const atomics_ops atomics__block_rw[ATOMICS_MAX_WIDTH + 1];
extern const atomics_ops atomics__block_ro[ATOMICS_MAX_WIDTH + 1];

/* The 35 entry points of one width in atomics_ops field order: P is the name
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
        P##fetch_dec_##N, P##fetch_neg_##N, P##max_s_##N, P##max_u_##N,        \
        P##min_s_##N, P##min_u_##N, P##fetch_max_s_##N, P##fetch_max_u_##N,    \
        P##fetch_min_s_##N, P##fetch_min_u_##N                                 \
    }
#define ATOMICS_OPS_INIT_RO(P, N)                                              \
    {                                                                          \
        .load = P##load_##N, .bit_test = P##bit_test_##N                       \
    }

#endif /* ATOMICS_CORE_INTERNAL_H */
