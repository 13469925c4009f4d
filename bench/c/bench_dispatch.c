/* bench_dispatch.c: what the runtime dispatch costs a single thread. Each row
 * times one operation called the way the Python binding calls it -- through
 * the table from atomics_ops_for(), with the memory order a runtime value --
 * against the same operation written directly: the __atomic builtin of the
 * same width and order, inline in the loop. Prints a markdown table of the
 * median ns/op over REPS runs and the ratio table/direct.
 *
 * Width 16 has no honest inline builtin: GCC sends a 16-byte __atomic to
 * libatomic (an out-of-line call that may take a lock). Its "direct" column
 * is therefore the exported atomics_<op>_16 called by name with a constant
 * order, which isolates the table's own cost (indirect call + order switch);
 * an extra row compares against lock cmpxchg16b / movdqa written inline here,
 * the floor the hardware allows.
 *
 * Build: cmake -S . -B build -DATOMICS_BUILD_TESTS=ON && cmake --build build
 *        --target bench_dispatch && build/bench/c/bench_dispatch */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */

#include "atomics/atomics.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

enum { REPS = 15, ITERS = 1 << 20 };

/* The orders the table path receives: read from memory at every call, as a
 * binding receives them from its caller. */
static volatile int order_seq_cst = ATOMICS_SEQ_CST;
static volatile int order_relaxed = ATOMICS_RELAXED;

/* The objects, each at its natural alignment. */
static _Alignas(64) uint8_t obj1;
static _Alignas(64) uint64_t obj8;
static _Alignas(64) unsigned char obj16[16];

/* Results are summed into acc and acc is forced into a register every
 * iteration, so no load or call can be dropped, merged or hoisted; the sum is
 * published at the end. (The __atomic builtins are never elided by GCC or
 * Clang anyway; this also keeps the table loop's results alive.) */
#define KEEP(x) __asm__ __volatile__("" : "+r"(x))
#define ACCUMULATE(acc, x) \
    do {                   \
        (acc) += (x);      \
        KEEP(acc);         \
    } while (0)
static volatile uint64_t sink;

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return 1e9 * (double)ts.tv_sec + (double)ts.tv_nsec;
}

/* ns per iteration of a loop of ITERS started at t0; acc, what the loop
 * computed, goes to the sink so that none of it is dead */
static double per_op(double t0, uint64_t acc) {
    double t = now_ns() - t0;
    sink += acc;
    return t / ITERS;
}

static uint64_t low64(const unsigned char *p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

/* ---- through the table ----------------------------------------------------------- */

static double table_load(void *obj, unsigned w, volatile int *order) {
    const atomics_ops *ops = atomics_ops_for(obj, w, 0);
    unsigned char ret[16] = {0};
    uint64_t acc = 0;
    double t0 = now_ns();
    for (long i = 0; i < ITERS; i++) {
        ops->load(obj, ret, (atomics_order)*order);
        ACCUMULATE(acc, ret[0]);
    }
    return per_op(t0, acc);
}

static double table_fetch_add(void *obj, unsigned w, volatile int *order) {
    const atomics_ops *ops = atomics_ops_for(obj, w, 0);
    unsigned char one[16] = {1}, ret[16] = {0};
    uint64_t acc = 0;
    double t0 = now_ns();
    for (long i = 0; i < ITERS; i++) {
        ops->fetch_add(obj, one, ret, (atomics_order)*order);
        ACCUMULATE(acc, ret[0]);
    }
    return per_op(t0, acc);
}

/* Every attempt succeeds (one thread); the next expected value is the
 * previous desired one, a dependency chain through memory like the direct
 * loop's. */
static double table_cmpxchg(void *obj, unsigned w, volatile int *order) {
    const atomics_ops *ops = atomics_ops_for(obj, w, 0);
    unsigned char expected[16] = {0}, desired[16] = {0};
    uint64_t acc = 0;
    ops->load(obj, expected, ATOMICS_RELAXED);
    double t0 = now_ns();
    for (long i = 0; i < ITERS; i++) {
        for (unsigned b = 0; b < 16; b++)
            desired[b] = expected[b];
        desired[0]++;
        atomics_order mo = (atomics_order)*order;
        if (ops->cmpxchg_strong(obj, expected, desired, mo, mo))
            for (unsigned b = 0; b < 16; b++)
                expected[b] = desired[b];
        ACCUMULATE(acc, expected[0]);
    }
    return per_op(t0, acc + low64(expected));
}

/* ---- direct: inline builtins for widths 1 and 8 --------------------------------- */

/* X(N, object, type): the widths with an inline builtin */
#define BENCH_WIDTHS(X) X(1, obj1, uint8_t) X(8, obj8, uint64_t)

#define BENCH_DIRECT_(N, OBJ, T)                                               \
    static double direct_load_##N(int relaxed) {                               \
        uint64_t acc = 0;                                                      \
        double t0 = now_ns();                                                  \
        if (relaxed) {                                                         \
            for (long i = 0; i < ITERS; i++) {                                 \
                ACCUMULATE(acc, __atomic_load_n(&OBJ, __ATOMIC_RELAXED));      \
            }                                                                  \
        } else {                                                               \
            for (long i = 0; i < ITERS; i++) {                                 \
                ACCUMULATE(acc, __atomic_load_n(&OBJ, __ATOMIC_SEQ_CST));      \
            }                                                                  \
        }                                                                      \
        return per_op(t0, acc);                                                \
    }                                                                          \
    static double direct_fetch_add_##N(int relaxed) {                          \
        uint64_t acc = 0;                                                      \
        (void)relaxed;                                                         \
        double t0 = now_ns();                                                  \
        for (long i = 0; i < ITERS; i++) {                                     \
            ACCUMULATE(acc, __atomic_fetch_add(&OBJ, 1, __ATOMIC_SEQ_CST));    \
        }                                                                      \
        return per_op(t0, acc);                                                \
    }                                                                          \
    static double direct_cmpxchg_##N(int relaxed) {                            \
        uint64_t acc = 0;                                                      \
        (void)relaxed;                                                         \
        T expected = __atomic_load_n(&OBJ, __ATOMIC_RELAXED);                  \
        double t0 = now_ns();                                                  \
        for (long i = 0; i < ITERS; i++) {                                     \
            T desired = (T)(expected + 1);                                     \
            if (__atomic_compare_exchange_n(&OBJ, &expected, desired, 0,       \
                                            __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) \
                expected = desired;                                            \
            ACCUMULATE(acc, expected);                                         \
        }                                                                      \
        return per_op(t0, acc);                                                \
    }
BENCH_WIDTHS(BENCH_DIRECT_)
#undef BENCH_DIRECT_

/* ---- direct for width 16: the exported entry points, by name ------------------------ */

static double direct_load_16(int relaxed) {
    unsigned char ret[16];
    uint64_t acc = 0;
    double t0 = now_ns();
    for (long i = 0; i < ITERS; i++) {
        atomics_load_16(obj16, ret, relaxed ? ATOMICS_RELAXED : ATOMICS_SEQ_CST);
        ACCUMULATE(acc, ret[0]);
    }
    return per_op(t0, acc);
}

static double direct_fetch_add_16(int relaxed) {
    unsigned char one[16] = {1}, ret[16];
    uint64_t acc = 0;
    (void)relaxed;
    double t0 = now_ns();
    for (long i = 0; i < ITERS; i++) {
        atomics_fetch_add_16(obj16, one, ret, ATOMICS_SEQ_CST);
        ACCUMULATE(acc, ret[0]);
    }
    return per_op(t0, acc);
}

static double direct_cmpxchg_16(int relaxed) {
    unsigned char expected[16] = {0}, desired[16] = {0};
    uint64_t acc = 0;
    (void)relaxed;
    atomics_load_16(obj16, expected, ATOMICS_RELAXED);
    double t0 = now_ns();
    for (long i = 0; i < ITERS; i++) {
        for (unsigned b = 0; b < 16; b++)
            desired[b] = expected[b];
        desired[0]++;
        if (atomics_cmpxchg_strong_16(obj16, expected, desired, ATOMICS_SEQ_CST, ATOMICS_SEQ_CST))
            for (unsigned b = 0; b < 16; b++)
                expected[b] = desired[b];
        ACCUMULATE(acc, expected[0]);
    }
    return per_op(t0, acc + low64(expected));
}

/* ---- inline asm for width 16: the hardware floor ------------------------------------- */

#if defined(__x86_64__)
#define BENCH_HAVE_ASM16 1
/* lock cmpxchg16b on a 16-aligned address: the same instruction the core uses */
static inline int asm_cas16(void *obj, uint64_t *lo, uint64_t *hi, uint64_t new_lo, uint64_t new_hi) {
    unsigned char ok;
    __asm__ __volatile__("lock cmpxchg16b %1\n\tsete %0"
                         : "=q"(ok), "+m"(*(volatile unsigned char(*)[16])obj), "+a"(*lo), "+d"(*hi)
                         : "b"(new_lo), "c"(new_hi)
                         : "memory", "cc");
    return ok;
}

/* movdqa is atomic on AVX processors (what ATOMICS_FEATURE_LOAD16 reports) */
static double asm_load_16(int relaxed) {
    uint64_t acc = 0;
    (void)relaxed;
    double t0 = now_ns();
    for (long i = 0; i < ITERS; i++) {
        uint64_t lo;
        __asm__ __volatile__("movdqa %1, %%xmm0\n\tmovq %%xmm0, %0"
                             : "=r"(lo)
                             : "m"(*(const volatile unsigned char(*)[16])obj16)
                             : "xmm0", "memory");
        ACCUMULATE(acc, lo);
    }
    return per_op(t0, acc);
}

static double asm_fetch_add_16(int relaxed) {
    uint64_t acc = 0, lo = 0, hi = 0;
    (void)relaxed;
    double t0 = now_ns();
    for (long i = 0; i < ITERS; i++) {
        /* a CAS loop, as there is no 16-byte xadd; lo:hi holds the last value seen */
        for (;;) {
            uint64_t new_lo = lo + 1, new_hi = hi + (new_lo == 0);
            uint64_t old_lo = lo;
            if (asm_cas16(obj16, &lo, &hi, new_lo, new_hi)) {
                acc += old_lo;
                lo = new_lo, hi = new_hi;
                break;
            }
        }
        KEEP(acc);
    }
    return per_op(t0, acc);
}

static double asm_cmpxchg_16(int relaxed) {
    uint64_t acc = 0, lo = 0, hi = 0;
    (void)relaxed;
    asm_cas16(obj16, &lo, &hi, 0, 0); /* learn the current value */
    double t0 = now_ns();
    for (long i = 0; i < ITERS; i++) {
        uint64_t new_lo = lo + 1, new_hi = hi;
        if (asm_cas16(obj16, &lo, &hi, new_lo, new_hi))
            lo = new_lo, hi = new_hi;
        ACCUMULATE(acc, lo);
    }
    return per_op(t0, acc);
}
#else
#define BENCH_HAVE_ASM16 0
#endif

/* ---- driver ----------------------------------------------------------------------------- */

typedef double (*table_bench)(void *obj, unsigned w, volatile int *order);
typedef double (*direct_bench)(int relaxed);

static int compare_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v) {
    qsort(v, REPS, sizeof *v, compare_double);
    return v[REPS / 2];
}

/* One row of the table: the operation through the table on obj (w bytes)
 * against `direct`, with the order RELAXED or SEQ_CST; `needs`, the
 * ATOMICS_FEATURE_* bits the row needs. */
struct bench_row {
    const char *op, *width;
    table_bench table;
    void *obj;
    unsigned w;
    direct_bench direct;
    int relaxed;
    unsigned needs;
};

static const struct bench_row ROWS[] = {
    {"load", "1 (builtin)", table_load, &obj1, 1, direct_load_1, 1, 0},
    {"load", "1 (builtin)", table_load, &obj1, 1, direct_load_1, 0, 0},
    {"load", "8 (builtin)", table_load, &obj8, 8, direct_load_8, 1, 0},
    {"load", "8 (builtin)", table_load, &obj8, 8, direct_load_8, 0, 0},
    {"load", "16 (atomics_load_16)", table_load, obj16, 16, direct_load_16, 1,
     ATOMICS_FEATURE_CAS16},
    {"load", "16 (atomics_load_16)", table_load, obj16, 16, direct_load_16, 0,
     ATOMICS_FEATURE_CAS16},
#if BENCH_HAVE_ASM16
    {"load", "16 (inline movdqa)", table_load, obj16, 16, asm_load_16, 0,
     ATOMICS_FEATURE_CAS16 | ATOMICS_FEATURE_LOAD16},
#endif
    {"fetch_add", "1 (builtin)", table_fetch_add, &obj1, 1, direct_fetch_add_1, 0, 0},
    {"fetch_add", "8 (builtin)", table_fetch_add, &obj8, 8, direct_fetch_add_8, 0, 0},
    {"fetch_add", "16 (atomics_*_16)", table_fetch_add, obj16, 16, direct_fetch_add_16, 0,
     ATOMICS_FEATURE_CAS16},
#if BENCH_HAVE_ASM16
    {"fetch_add", "16 (inline cmpxchg16b)", table_fetch_add, obj16, 16, asm_fetch_add_16, 0,
     ATOMICS_FEATURE_CAS16},
#endif
    {"cmpxchg_strong", "1 (builtin)", table_cmpxchg, &obj1, 1, direct_cmpxchg_1, 0, 0},
    {"cmpxchg_strong", "8 (builtin)", table_cmpxchg, &obj8, 8, direct_cmpxchg_8, 0, 0},
    {"cmpxchg_strong", "16 (atomics_*_16)", table_cmpxchg, obj16, 16, direct_cmpxchg_16, 0,
     ATOMICS_FEATURE_CAS16},
#if BENCH_HAVE_ASM16
    {"cmpxchg_strong", "16 (inline cmpxchg16b)", table_cmpxchg, obj16, 16, asm_cmpxchg_16, 0,
     ATOMICS_FEATURE_CAS16},
#endif
};

static void run_row(const struct bench_row *b) {
    double t[REPS], d[REPS];
    volatile int *order = b->relaxed ? &order_relaxed : &order_seq_cst;
    b->table(b->obj, b->w, order); /* warm up caches, branch predictors and the clock */
    b->direct(b->relaxed);
    for (int r = 0; r < REPS; r++) { /* interleaved, so drift hits both alike */
        t[r] = b->table(b->obj, b->w, order);
        d[r] = b->direct(b->relaxed);
    }
    double mt = median(t), md = median(d);
    printf("| %-14s | %-22s | %-7s | %8.2f | %8.2f | %6.2f |\n", b->op, b->width,
           b->relaxed ? "RELAXED" : "SEQ_CST", mt, md, mt / md);
    fflush(stdout);
}

int main(void) {
    unsigned features = atomics_features();

    printf("dispatch cost, one thread: median of %d runs x %d calls; "
           "table = atomics_ops_for() table with a runtime order\n\n",
           REPS, ITERS);
    printf("| %-14s | %-22s | %-7s | %8s | %8s | %6s |\n", "operation", "width (direct is)",
           "order", "table ns", "direct ns", "ratio");
    printf("|%s|%s|%s|%s|%s|%s|\n", "----------------", "------------------------", "---------",
           "---------:", "---------:", "-------:");
    for (size_t i = 0; i < sizeof ROWS / sizeof ROWS[0]; i++)
        if ((features & ROWS[i].needs) == ROWS[i].needs)
            run_row(&ROWS[i]);
    printf("\n(sink %llu)\n", (unsigned long long)sink);
    return 0;
}
