/* test_core.c: the C core's tests. Every operation of atomics_ops, at every
 * width from 1 to 16 and every placement inside a 16-byte block that
 * atomics_ops_for() accepts, under every memory order (and every cmpxchg
 * order pair, valid or not), is checked against a reference computed here
 * digit by digit on byte arrays, with guard bytes around the object and
 * around every operand and result buffer. Then: the placement and alignment
 * queries, the validators, the read-only tables on a PROT_READ mapping, the
 * feature fallbacks, multi-threaded exactness of every read-modify-write
 * operation, and release/acquire publication through the table (which TSan
 * builds turn into a check of the memory orders). Prints "N passed, M failed"
 * last, N counting checked calls and assertions; exits non-zero on failure.
 *
 * ATOMICS_STRESS_SCALE (default 1) scales the threaded iteration counts. */
#define _DEFAULT_SOURCE /* mmap's MAP_ANONYMOUS, sigsetjmp, sched_yield */
#if defined(_WIN32)
#define __USE_MINGW_ANSI_STDIO 1 /* C99 printf (%zu, %llu) on mingw-w64 */
#endif

#include "internal.h" /* atomics__set_features, ATOMICS_LITTLE_ENDIAN */

#include <pthread.h> /* winpthreads on mingw-w64 */
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#if defined(_WIN32)
#include <windows.h> /* VirtualAlloc, VirtualProtect */
#else
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>
#endif

/* printf-like checking that follows mingw-w64's C99 printf on Windows */
#if defined(__MINGW_PRINTF_FORMAT)
#define TEST_PRINTF_(f, a) __attribute__((format(__MINGW_PRINTF_FORMAT, f, a)))
#else
#define TEST_PRINTF_(f, a) __attribute__((format(printf, f, a)))
#endif

#if defined(__SANITIZE_THREAD__)
#define UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define UNDER_TSAN 1
#endif
#endif
#ifndef UNDER_TSAN
#define UNDER_TSAN 0
#endif

/* ---- checks ----------------------------------------------------------------- */

static unsigned long n_passed, n_failed;
#define MAX_REPORTS 50

static int check(int ok, const char *fmt, ...) TEST_PRINTF_(2, 3);
static int check(int ok, const char *fmt, ...) {
    if (ok) {
        n_passed++;
        return 1;
    }
    if (++n_failed <= MAX_REPORTS) {
        va_list ap;
        va_start(ap, fmt);
        fputs("FAIL: ", stdout);
        vprintf(fmt, ap);
        putchar('\n');
        va_end(ap);
        if (n_failed == MAX_REPORTS)
            puts("FAIL: (further failures are counted, not shown)");
        fflush(stdout);
    }
    return 0;
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ---- the reference: numbers as arrays of base-256 digits --------------------
 * Deliberately unlike the core (which works on 128-bit integers): d[0] is the
 * least significant digit, arithmetic is schoolbook with carries. Digits at
 * and beyond the width are always zero. */

typedef struct num {
    unsigned char d[ATOMICS_MAX_WIDTH];
} num;

static num num_zero(void) {
    num v;
    memset(&v, 0, sizeof v);
    return v;
}

/* memory holds the width bytes in native order */
static num num_get(const void *mem, unsigned w) {
    const unsigned char *p = mem;
    num v = num_zero();
    for (unsigned i = 0; i < w; i++)
        v.d[i] = p[ATOMICS_LITTLE_ENDIAN ? i : w - 1 - i];
    return v;
}

static void num_put(void *mem, num v, unsigned w) {
    unsigned char *p = mem;
    for (unsigned i = 0; i < w; i++)
        p[ATOMICS_LITTLE_ENDIAN ? i : w - 1 - i] = v.d[i];
}

/* a loop, not memcmp: GCC 12 for aarch64 and ppc64le took the inlined
 * memcmp in mt_run for a read of uninitialised memory (-Wmaybe-uninitialized) */
static int num_eq(num a, num b, unsigned w) {
    for (unsigned i = 0; i < w; i++)
        if (a.d[i] != b.d[i])
            return 0;
    return 1;
}

static num num_add(num a, num b, unsigned w) {
    unsigned carry = 0;
    for (unsigned i = 0; i < w; i++) {
        unsigned s = a.d[i] + b.d[i] + carry;
        a.d[i] = (unsigned char)s;
        carry = s >> 8;
    }
    return a;
}

static num num_sub(num a, num b, unsigned w) {
    unsigned borrow = 0;
    for (unsigned i = 0; i < w; i++) {
        unsigned s = 256u + a.d[i] - b.d[i] - borrow;
        a.d[i] = (unsigned char)s;
        borrow = s < 256u;
    }
    return a;
}

static num num_mul_small(num a, uint32_t k, unsigned w) {
    uint64_t carry = 0;
    for (unsigned i = 0; i < w; i++) {
        uint64_t s = (uint64_t)a.d[i] * k + carry;
        a.d[i] = (unsigned char)s;
        carry = s >> 8;
    }
    return a;
}

static num num_small(uint64_t x, unsigned w) {
    num v = num_zero();
    for (unsigned i = 0; i < w && i < 8; i++)
        v.d[i] = (unsigned char)(x >> (8 * i));
    return v;
}

static uint64_t num_low64(num v) {
    uint64_t x = 0;
    for (unsigned i = 0; i < 8; i++)
        x |= (uint64_t)v.d[i] << (8 * i);
    return x;
}

static int num_bit(num v, unsigned bit) { return (v.d[bit / 8] >> (bit % 8)) & 1; }

static num num_set_bit(num v, unsigned bit, int value) {
    unsigned char m = (unsigned char)(1u << (bit % 8));
    v.d[bit / 8] = (unsigned char)(value ? v.d[bit / 8] | m : v.d[bit / 8] & ~m);
    return v;
}

static num num_one_bit(unsigned bit) { return num_set_bit(num_zero(), bit, 1); }

static num num_not(num v, unsigned w) {
    for (unsigned i = 0; i < w; i++)
        v.d[i] = (unsigned char)~v.d[i];
    return v;
}

/* -1, 0, 1 as a is below, equal to or above b, unsigned */
static int num_cmp(num a, num b, unsigned w) {
    for (unsigned i = w; i-- > 0;)
        if (a.d[i] != b.d[i])
            return a.d[i] < b.d[i] ? -1 : 1;
    return 0;
}

/* the same as signed (two's complement) numbers: the top digit's sign bit flipped */
static int num_cmp_signed(num a, num b, unsigned w) {
    a.d[w - 1] ^= 0x80;
    b.d[w - 1] ^= 0x80;
    return num_cmp(a, b, w);
}

static const char *num_hex(num v, unsigned w, char buf[40]) {
    char *p = buf;
    p += sprintf(p, "0x");
    for (unsigned i = w; i-- > 0;)
        p += sprintf(p, "%02x", v.d[i]);
    return buf;
}

/* The interesting values of a width: 0, 1, all ones (max, and -1), the sign
 * boundary 0x80.., the signed maximum 0x7f.., and two irregular patterns. */
enum { NVALUES = 7 };

static num value_of(int k, unsigned w) {
    num v = num_zero();
    for (unsigned i = 0; i < w; i++) {
        switch (k) {
        case 1: v.d[i] = i == 0; break;
        case 2: v.d[i] = 0xff; break;
        case 3: v.d[i] = i == w - 1 ? 0x80 : 0; break;
        case 4: v.d[i] = i == w - 1 ? 0x7f : 0xff; break;
        case 5: v.d[i] = (unsigned char)(0x5a + 0x3b * i); break;
        case 6: v.d[i] = (unsigned char)(0xc3 ^ (0x11 * i) ^ (i << 5)); break;
        default: break; /* 0 */
        }
    }
    return v;
}

/* ---- memory orders -------------------------------------------------------------- */

/* every C11 order, then two that no operation accepts: they must act as SEQ_CST */
static const int test_orders[] = {ATOMICS_RELAXED, ATOMICS_CONSUME, ATOMICS_ACQUIRE,
                                  ATOMICS_RELEASE, ATOMICS_ACQ_REL, ATOMICS_SEQ_CST,
                                  6, 100};
enum { NORDERS = sizeof test_orders / sizeof test_orders[0] };

static const char *order_name(int mo) {
    static const char *const names[] = {"RELAXED", "CONSUME", "ACQUIRE",
                                        "RELEASE", "ACQ_REL", "SEQ_CST"};
    return mo >= 0 && mo <= 5 ? names[mo] : "invalid";
}

/* ---- the operations, as the test sees them ------------------------------------- */

enum kind {
    K_STORE, K_LOAD, K_EXCHANGE, K_CMPXCHG, K_BIT_TEST, K_BIT_MODIFY,
    K_BINARY, K_FETCH_BINARY, K_UNARY, K_FETCH_UNARY
};
enum ref {
    R_KEEP, R_SET, R_OR, R_XOR, R_AND, R_NOT, R_ADD, R_SUB, R_INC, R_DEC, R_NEG,
    R_BIT_COMPL, R_BIT_SET, R_BIT_RESET, R_MAX_S, R_MAX_U, R_MIN_S, R_MIN_U
};

/* X(NAME, field, kind, reference), in the order of ATOMICS_OP_LIST and then
 * ATOMICS_OP_LIST_MORE (test_op_table() holds the lists against each other). */
#define TEST_OPS(X)                                                            \
    X(STORE, store, K_STORE, R_SET)                                            \
    X(LOAD, load, K_LOAD, R_KEEP)                                              \
    X(EXCHANGE, exchange, K_EXCHANGE, R_SET)                                   \
    X(CMPXCHG_WEAK, cmpxchg_weak, K_CMPXCHG, R_SET)                            \
    X(CMPXCHG_STRONG, cmpxchg_strong, K_CMPXCHG, R_SET)                        \
    X(BIT_TEST, bit_test, K_BIT_TEST, R_KEEP)                                  \
    X(BIT_TEST_COMPL, bit_test_compl, K_BIT_MODIFY, R_BIT_COMPL)               \
    X(BIT_TEST_SET, bit_test_set, K_BIT_MODIFY, R_BIT_SET)                     \
    X(BIT_TEST_RESET, bit_test_reset, K_BIT_MODIFY, R_BIT_RESET)               \
    X(OR, bin_or, K_BINARY, R_OR)                                              \
    X(XOR, bin_xor, K_BINARY, R_XOR)                                           \
    X(AND, bin_and, K_BINARY, R_AND)                                           \
    X(NOT, bin_not, K_UNARY, R_NOT)                                            \
    X(FETCH_OR, bin_fetch_or, K_FETCH_BINARY, R_OR)                            \
    X(FETCH_XOR, bin_fetch_xor, K_FETCH_BINARY, R_XOR)                         \
    X(FETCH_AND, bin_fetch_and, K_FETCH_BINARY, R_AND)                         \
    X(FETCH_NOT, bin_fetch_not, K_FETCH_UNARY, R_NOT)                          \
    X(ADD, add, K_BINARY, R_ADD)                                               \
    X(SUB, sub, K_BINARY, R_SUB)                                               \
    X(INC, inc, K_UNARY, R_INC)                                                \
    X(DEC, dec, K_UNARY, R_DEC)                                                \
    X(NEG, neg, K_UNARY, R_NEG)                                                \
    X(FETCH_ADD, fetch_add, K_FETCH_BINARY, R_ADD)                             \
    X(FETCH_SUB, fetch_sub, K_FETCH_BINARY, R_SUB)                             \
    X(FETCH_INC, fetch_inc, K_FETCH_UNARY, R_INC)                              \
    X(FETCH_DEC, fetch_dec, K_FETCH_UNARY, R_DEC)                              \
    X(FETCH_NEG, fetch_neg, K_FETCH_UNARY, R_NEG)                              \
    X(MAX_S, max_s, K_BINARY, R_MAX_S)                                         \
    X(MAX_U, max_u, K_BINARY, R_MAX_U)                                         \
    X(MIN_S, min_s, K_BINARY, R_MIN_S)                                         \
    X(MIN_U, min_u, K_BINARY, R_MIN_U)                                         \
    X(FETCH_MAX_S, fetch_max_s, K_FETCH_BINARY, R_MAX_S)                       \
    X(FETCH_MAX_U, fetch_max_u, K_FETCH_BINARY, R_MAX_U)                       \
    X(FETCH_MIN_S, fetch_min_s, K_FETCH_BINARY, R_MIN_S)                       \
    X(FETCH_MIN_U, fetch_min_u, K_FETCH_BINARY, R_MIN_U)

struct op_info {
    int op;
    const char *name;
    size_t offset; /* of its function pointer in atomics_ops */
    enum kind kind;
    enum ref ref;
};

static const struct op_info op_table[] = {
#define TEST_OP_INFO_(NAME, field, kind, ref)                                  \
    {ATOMICS_OP_##NAME, #field, offsetof(atomics_ops, field), kind, ref},
    TEST_OPS(TEST_OP_INFO_)
#undef TEST_OP_INFO_
};
enum { NOPS = sizeof op_table / sizeof op_table[0] };
_Static_assert(NOPS == ATOMICS_OP_COUNT_ALL - 1, "the test must know every operation");

/* the 1.0 operations (atomics_ops_mask), and all of them (atomics_ops_mask64) */
#define ALL_OPS_MASK ((((uint32_t)1 << ATOMICS_OP_COUNT) - 1) & ~(uint32_t)1)
#define ALL_OPS_MASK64 ((((uint64_t)1 << ATOMICS_OP_COUNT_ALL) - 1) & ~(uint64_t)1)
#define RO_OPS_MASK (((uint32_t)1 << ATOMICS_OP_LOAD) | ((uint32_t)1 << ATOMICS_OP_BIT_TEST))

/* The entry of `op` in `ops`, as the function type its kind implies. */
#define OP_FN(ops, op, type, var)                                              \
    type var;                                                                  \
    memcpy(&var, (const char *)(ops) + (op)->offset, sizeof var)

static num reference(enum ref r, num old, num arg, unsigned bit, unsigned w) {
    switch (r) {
    case R_SET: return arg;
    case R_OR:
        for (unsigned i = 0; i < w; i++) old.d[i] |= arg.d[i];
        return old;
    case R_XOR:
        for (unsigned i = 0; i < w; i++) old.d[i] ^= arg.d[i];
        return old;
    case R_AND:
        for (unsigned i = 0; i < w; i++) old.d[i] &= arg.d[i];
        return old;
    case R_NOT: return num_not(old, w);
    case R_ADD: return num_add(old, arg, w);
    case R_SUB: return num_sub(old, arg, w);
    case R_INC: return num_add(old, num_small(1, w), w);
    case R_DEC: return num_sub(old, num_small(1, w), w);
    case R_NEG: return num_sub(num_zero(), old, w);
    case R_BIT_COMPL: return num_set_bit(old, bit, !num_bit(old, bit));
    case R_BIT_SET: return num_set_bit(old, bit, 1);
    case R_BIT_RESET: return num_set_bit(old, bit, 0);
    case R_MAX_S: return num_cmp_signed(old, arg, w) < 0 ? arg : old;
    case R_MAX_U: return num_cmp(old, arg, w) < 0 ? arg : old;
    case R_MIN_S: return num_cmp_signed(arg, old, w) < 0 ? arg : old;
    case R_MIN_U: return num_cmp(arg, old, w) < 0 ? arg : old;
    default: return old; /* R_KEEP */
    }
}

/* ---- one call, checked ------------------------------------------------------------ */

/* The object lives in `arena` at 16 + offset: 16 guard bytes below it and at
 * least 17 above. Operands and results live in their own guarded buffers, at
 * an odd address on purpose (they are plain byte strings). */
static _Alignas(64) unsigned char arena[64];
enum { ARENA_OBJ = 16, OPERAND_AT = 17, OPERAND_BUF = 48 };

static unsigned char pattern_byte(unsigned seed, size_t i) {
    return (unsigned char)(0xa5 ^ (seed * 0x3d) ^ (i * 0x1f) ^ (i >> 3));
}

static void fill(unsigned char *buf, size_t n, unsigned seed) {
    for (size_t i = 0; i < n; i++)
        buf[i] = pattern_byte(seed, i);
}

/* Index of the first byte of buf[0, n) outside [from, from + len) that no
 * longer holds the pattern, or -1. */
static long changed_byte(const unsigned char *buf, size_t n, unsigned seed, size_t from,
                         size_t len) {
    for (size_t i = 0; i < n; i++)
        if ((i < from || i >= from + len) && buf[i] != pattern_byte(seed, i))
            return (long)i;
    return -1;
}

struct call {
    const struct op_info *op;
    unsigned width;
    size_t offset; /* from a 16-aligned address */
    int mo, fail;  /* fail: cmpxchg only */
    num init;      /* the object's value before */
    num arg;       /* operand, or the desired value */
    num expected;  /* cmpxchg only */
    unsigned bit;  /* bit operations only */
};

struct report {
    char text[600];
    size_t len;
};

static void note(struct report *r, const char *fmt, ...) TEST_PRINTF_(2, 3);
static void note(struct report *r, const char *fmt, ...) {
    if (r->len >= sizeof r->text)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(r->text + r->len, sizeof r->text - r->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        r->len += (size_t)n;
}

static int run_call(const atomics_ops *ops, const struct call *c) {
    const unsigned w = c->width;
    unsigned char argbuf[OPERAND_BUF], retbuf[OPERAND_BUF], expbuf[OPERAND_BUF];
    unsigned char *obj = arena + ARENA_OBJ + c->offset;
    unsigned char *argp = argbuf + OPERAND_AT, *retp = retbuf + OPERAND_AT,
                  *expp = expbuf + OPERAND_AT;
    fill(arena, sizeof arena, 1);
    num_put(obj, c->init, w);
    fill(argbuf, sizeof argbuf, 2);
    num_put(argp, c->arg, w);
    fill(retbuf, sizeof retbuf, 3);
    fill(expbuf, sizeof expbuf, 4);
    num_put(expp, c->expected, w);

    const atomics_order mo = (atomics_order)c->mo;
    num want_obj = reference(c->op->ref, c->init, c->arg, c->bit, w);
    num want_exp = c->expected;
    int has_ret = 0, has_rv = 0, rv = 0, want_rv = 0;

    switch (c->op->kind) {
    case K_STORE:
    case K_BINARY: { /* atomics_store_fn is the same type */
        OP_FN(ops, c->op, atomics_binary_fn, fn);
        fn(obj, argp, mo);
        break;
    }
    case K_LOAD:
    case K_FETCH_UNARY: { /* both write the value as it was to retp; load's object is const */
        if (c->op->kind == K_LOAD) {
            OP_FN(ops, c->op, atomics_load_fn, fn);
            fn(obj, retp, mo);
        } else {
            OP_FN(ops, c->op, atomics_fetch_unary_fn, fn);
            fn(obj, retp, mo);
        }
        has_ret = 1;
        break;
    }
    case K_EXCHANGE:
    case K_FETCH_BINARY: { /* atomics_fetch_binary_fn is the same type */
        OP_FN(ops, c->op, atomics_exchange_fn, fn);
        fn(obj, argp, retp, mo);
        has_ret = 1;
        break;
    }
    case K_CMPXCHG: {
        OP_FN(ops, c->op, atomics_cmpxchg_fn, fn);
        int equal = num_eq(c->init, c->expected, w);
        /* weak may fail spuriously, leaving *expected as it was: retry that */
        for (int attempt = 0; attempt < 1000; attempt++) {
            rv = fn(obj, expp, argp, mo, (atomics_order)c->fail);
            if (rv || !equal || c->op->op != ATOMICS_OP_CMPXCHG_WEAK ||
                !num_eq(num_get(expp, w), c->expected, w))
                break;
        }
        has_rv = 1;
        want_rv = equal;
        if (!equal) {
            want_obj = c->init;
            want_exp = c->init;
        }
        break;
    }
    case K_BIT_TEST:
    case K_BIT_MODIFY: { /* both return the bit as it was; bit_test's object is const */
        if (c->op->kind == K_BIT_TEST) {
            OP_FN(ops, c->op, atomics_bit_test_fn, fn);
            rv = fn(obj, c->bit, mo);
        } else {
            OP_FN(ops, c->op, atomics_bit_modify_fn, fn);
            rv = fn(obj, c->bit, mo);
        }
        has_rv = 1;
        want_rv = num_bit(c->init, c->bit);
        break;
    }
    case K_UNARY: {
        OP_FN(ops, c->op, atomics_unary_fn, fn);
        fn(obj, mo);
        break;
    }
    }

    struct report r = {{0}, 0};
    char h1[40], h2[40];
    num got = num_get(obj, w);
    long at;
    if (!num_eq(got, want_obj, w))
        note(&r, "; object: expected %s got %s", num_hex(want_obj, w, h1), num_hex(got, w, h2));
    if ((at = changed_byte(arena, sizeof arena, 1, ARENA_OBJ + c->offset, w)) >= 0)
        note(&r, "; guard byte at object%+ld changed", at - (long)(ARENA_OBJ + c->offset));
    if (has_ret && !num_eq(num_get(retp, w), c->init, w))
        note(&r, "; result: expected %s got %s", num_hex(c->init, w, h1),
             num_hex(num_get(retp, w), w, h2));
    if ((at = changed_byte(retbuf, sizeof retbuf, 3, OPERAND_AT, has_ret ? w : 0)) >= 0)
        note(&r, "; result buffer written at %+ld", at - (long)OPERAND_AT);
    if ((at = changed_byte(argbuf, sizeof argbuf, 2, OPERAND_AT, w)) >= 0 ||
        !num_eq(num_get(argp, w), c->arg, w))
        note(&r, "; operand buffer written");
    if (!num_eq(num_get(expp, w), want_exp, w))
        note(&r, "; expected: should be %s got %s", num_hex(want_exp, w, h1),
             num_hex(num_get(expp, w), w, h2));
    if ((at = changed_byte(expbuf, sizeof expbuf, 4, OPERAND_AT, w)) >= 0)
        note(&r, "; expected buffer written at %+ld", at - (long)OPERAND_AT);
    if (has_rv && rv != want_rv)
        note(&r, "; returned %d, expected %d", rv, want_rv);

    if (r.len == 0)
        return check(1, "%s", "");
    char orders[48];
    if (c->op->kind == K_CMPXCHG)
        snprintf(orders, sizeof orders, "%s(%d)/%s(%d)", order_name(c->mo), c->mo,
                 order_name(c->fail), c->fail);
    else
        snprintf(orders, sizeof orders, "%s(%d)", order_name(c->mo), c->mo);
    char h3[40], h4[40];
    return check(0, "%s width=%u offset=%zu order=%s bit=%u init=%s arg=%s expected=%s%s",
                 c->op->name, w, c->offset, orders, c->bit, num_hex(c->init, w, h3),
                 num_hex(c->arg, w, h4), num_hex(c->expected, w, h1), r.text);
}

/* ---- the matrix ------------------------------------------------------------------------ */

/* Bit indexes to try: both ends and one inside, or all of them. */
static unsigned bit_list(unsigned w, int all, unsigned out[8 * ATOMICS_MAX_WIDTH]) {
    if (all) {
        for (unsigned i = 0; i < 8 * w; i++)
            out[i] = i;
        return 8 * w;
    }
    out[0] = 0;
    out[1] = 8 * w - 1;
    out[2] = 4 * w + 1;
    return 3;
}

/* Under TSan the matrix (single-threaded, so nothing for TSan to find) uses
 * four of the values: zero, max, the sign boundary and a pattern. */
static int value_used(int k) { return !UNDER_TSAN || k == 0 || k == 2 || k == 3 || k == 5; }

static void matrix_placement(const atomics_ops *ops, unsigned w, size_t offset) {
    struct call c;
    memset(&c, 0, sizeof c);
    c.width = w;
    c.offset = offset;
    for (int i = 0; i < NOPS; i++) {
        c.op = &op_table[i];
        c.arg = c.expected = num_zero();
        c.fail = 0;
        c.bit = 0;
        if (!check((atomics_ops_mask64(ops) >> c.op->op & 1) != 0,
                   "%s missing at width=%u offset=%zu", c.op->name, w, offset))
            continue;
        switch (c.op->kind) {
        case K_CMPXCHG:
            /* every (success, failure) pair; a pair no compiler accepts must
             * still compare and swap correctly */
            for (int s = 0; s < NORDERS; s++)
                for (int f = 0; f < NORDERS; f++)
                    for (int k = 0; k < NVALUES; k++)
                        for (int j = 0; j < NVALUES; j += (s == 5 && f == 5) ? 1 : 3)
                            for (int e = 0; e < 3 && value_used(k) && value_used(j); e++) {
                                c.mo = test_orders[s];
                                c.fail = test_orders[f];
                                c.init = value_of(k, w);
                                c.arg = value_of(j, w);
                                c.expected = e == 0   ? c.init
                                             : e == 1 ? num_set_bit(c.init, 8 * w - 1,
                                                                    !num_bit(c.init, 8 * w - 1))
                                                      : num_set_bit(c.init, 0, !num_bit(c.init, 0));
                                run_call(ops, &c);
                            }
            break;
        case K_BIT_TEST:
        case K_BIT_MODIFY:
            for (int m = 0; m < NORDERS; m++) {
                unsigned bits[8 * ATOMICS_MAX_WIDTH];
                unsigned nbits = bit_list(w, test_orders[m] == ATOMICS_SEQ_CST, bits);
                for (unsigned b = 0; b < nbits; b++)
                    for (int k = 0; k < NVALUES; k++) {
                        if (!value_used(k))
                            continue;
                        c.mo = test_orders[m];
                        c.bit = bits[b];
                        c.init = value_of(k, w);
                        run_call(ops, &c);
                    }
            }
            break;
        case K_LOAD:
        case K_UNARY:
        case K_FETCH_UNARY:
            for (int m = 0; m < NORDERS; m++)
                for (int k = 0; k < NVALUES; k++) {
                    if (!value_used(k))
                        continue;
                    c.mo = test_orders[m];
                    c.init = value_of(k, w);
                    run_call(ops, &c);
                }
            break;
        default: /* store, exchange, binary: every value against every operand */
            for (int m = 0; m < NORDERS; m++)
                for (int k = 0; k < NVALUES; k++)
                    for (int j = 0; j < NVALUES; j++) {
                        if (!value_used(k) || !value_used(j))
                            continue;
                        c.mo = test_orders[m];
                        c.init = value_of(k, w);
                        c.arg = value_of(j, w);
                        run_call(ops, &c);
                    }
            break;
        }
    }
}

/* Whether a width at an offset from a 64-aligned address is supported, from
 * the header's contract: inside one aligned block of the largest CAS. */
static int fits(size_t offset, size_t w, size_t max_block) {
    return w >= 1 && w <= max_block && (offset % max_block) + w <= max_block;
}

static size_t max_block(void) { return (atomics_features() & ATOMICS_FEATURE_CAS16) ? 16 : 8; }

/* Runs every operation at every placement inside a 16-byte block (only those
 * that need a 16-byte block with only_16). */
static void test_matrix(int only_16) {
    for (unsigned w = 1; w <= ATOMICS_MAX_WIDTH; w++)
        for (size_t offset = 0; offset < 16; offset++) {
            if (only_16 && offset % 8 + w <= 8)
                continue;
            const atomics_ops *ops = atomics_ops_for(arena + ARENA_OBJ + offset, w, 0);
            if (!check((ops != NULL) == fits(offset, w, max_block()),
                       "atomics_ops_for(width=%u, offset=%zu) is %s", w, offset,
                       ops ? "non-NULL" : "NULL") ||
                ops == NULL)
                continue;
            matrix_placement(ops, w, offset);
        }
}

/* A block entry point called at a placement no block holds (one that
 * crosses a 16-byte boundary, which atomics_ops_for refuses) must return
 * without touching memory: it once computed a "block" at the address rounded
 * down to 4 GiB and compare-and-swapped 16 bytes there. Debug builds stop at
 * a trap instead, so this runs where NDEBUG is defined. */
static void test_unsupported_placement(void) {
#ifdef NDEBUG
    static _Alignas(64) unsigned char buf[64], saved[64];
    for (unsigned w = 2; w <= ATOMICS_MAX_WIDTH; w++)
        for (size_t offset = 16 - w + 1; offset < 16; offset++) {
            const atomics_ops *ops = &atomics__block_rw[w];
            unsigned char *obj = buf + 16 + offset; /* crosses buf + 32 */
            check(atomics_ops_for(obj, w, 0) == NULL && atomics_ops_for(obj, w, ATOMICS_READONLY) == NULL,
                  "atomics_ops_for(width=%u, offset=%zu) accepts a placement across a block", w, offset);
            for (int i = 0; i < NOPS; i++) {
                const struct op_info *op = &op_table[i];
                unsigned char arg[16], ret[16], exp[16], exp_before[16];
                fill(buf, sizeof buf, 7);
                memcpy(saved, buf, sizeof buf);
                memcpy(exp, obj, w); /* the bytes it holds: a real CAS would succeed */
                memcpy(exp_before, exp, sizeof exp);
                memset(arg, 0x5a, sizeof arg);
                memset(ret, 0xa5, sizeof ret);
                int rv = 0;
                switch (op->kind) {
                case K_STORE: { OP_FN(ops, op, atomics_store_fn, fn); fn(obj, arg, ATOMICS_SEQ_CST); break; }
                case K_LOAD: { OP_FN(ops, op, atomics_load_fn, fn); fn(obj, ret, ATOMICS_SEQ_CST); break; }
                case K_EXCHANGE: { OP_FN(ops, op, atomics_exchange_fn, fn); fn(obj, arg, ret, ATOMICS_SEQ_CST); break; }
                case K_CMPXCHG: {
                    OP_FN(ops, op, atomics_cmpxchg_fn, fn);
                    rv = fn(obj, exp, arg, ATOMICS_SEQ_CST, ATOMICS_SEQ_CST);
                    check(memcmp(exp, exp_before, sizeof exp) == 0,
                          "%s (width %u, offset %zu) wrote *expected", op->name, w, offset);
                    break;
                }
                case K_BIT_TEST: { OP_FN(ops, op, atomics_bit_test_fn, fn); rv = fn(obj, 0, ATOMICS_SEQ_CST); break; }
                case K_BIT_MODIFY: { OP_FN(ops, op, atomics_bit_modify_fn, fn); rv = fn(obj, 0, ATOMICS_SEQ_CST); break; }
                case K_BINARY: { OP_FN(ops, op, atomics_binary_fn, fn); fn(obj, arg, ATOMICS_SEQ_CST); break; }
                case K_FETCH_BINARY: { OP_FN(ops, op, atomics_fetch_binary_fn, fn); fn(obj, arg, ret, ATOMICS_SEQ_CST); break; }
                case K_UNARY: { OP_FN(ops, op, atomics_unary_fn, fn); fn(obj, ATOMICS_SEQ_CST); break; }
                case K_FETCH_UNARY: { OP_FN(ops, op, atomics_fetch_unary_fn, fn); fn(obj, ret, ATOMICS_SEQ_CST); break; }
                }
                check(memcmp(buf, saved, sizeof buf) == 0 && rv == 0,
                      "%s at a placement across a block (width %u, offset %zu) touched memory or returned %d",
                      op->name, w, offset, rv);
            }
        }
#else
    printf("  (skipped: a debug build traps instead)\n");
#endif
}

/* ---- queries ------------------------------------------------------------------------------ */

static void test_op_table(void) {
    static const char *const header_names[] = {
#define TEST_NAME_(NAME, field) #field,
        ATOMICS_OP_LIST(TEST_NAME_) ATOMICS_OP_LIST_MORE(TEST_NAME_)
#undef TEST_NAME_
    };
    for (int i = 0; i < NOPS; i++) {
        check(op_table[i].op == i + 1 && strcmp(op_table[i].name, header_names[i]) == 0 &&
                  op_table[i].offset == (size_t)i * sizeof(atomics_store_fn),
              "test op table entry %d (%s) is out of step with atomics.h", i, op_table[i].name);
    }
    check(sizeof(atomics_ops) == NOPS * sizeof(atomics_store_fn),
          "atomics_ops has %zu bytes for %d operations", sizeof(atomics_ops), NOPS);
    check(atomics_ops_mask(NULL) == 0, "atomics_ops_mask(NULL) != 0");
    check(atomics_ops_mask64(NULL) == 0, "atomics_ops_mask64(NULL) != 0");
}

static size_t next_pow2(size_t w) {
    size_t p = 1;
    while (p < w)
        p *= 2;
    return p;
}

/* Placement, alignment and support queries under the current features. */
static void test_queries(const char *label) {
    static _Alignas(64) unsigned char big[128];
    const unsigned features = atomics_features();
    const size_t block = max_block();
    const int load16 = (features & ATOMICS_FEATURE_LOAD16) != 0;

    for (size_t w = 0; w <= ATOMICS_MAX_WIDTH + 1; w++) {
        /* the alignment contract */
        atomics_alignment a;
        memset(&a, 0xee, sizeof a);
        int rc = atomics_alignment_of(w, &a);
        int supported = w >= 1 && w <= block;
        if (check((rc == 0) == supported, "[%s] atomics_alignment_of(%zu) returned %d", label,
                  w, rc) &&
            supported) {
            size_t want_min = (w == 1) ? 1 : (w == block) ? block : 1;
            size_t want_within = (w == 1 || w == block) ? 0 : block;
            check(a.recommended == next_pow2(w) && a.minimum == want_min &&
                      a.size_within == want_within,
                  "[%s] atomics_alignment_of(%zu) = {%zu, %zu, %zu}, expected {%zu, %zu, %zu}",
                  label, w, a.recommended, a.minimum, a.size_within, next_pow2(w), want_min,
                  want_within);
        }

        /* atomics_ops_supported: at the recommended alignment */
        uint32_t want_rw = supported ? ALL_OPS_MASK : 0;
        uint32_t want_ro = !supported ? 0 : (next_pow2(w) <= 8 || load16) ? RO_OPS_MASK : 0;
        uint32_t got_rw = atomics_ops_supported(w, 0), got_ro = atomics_ops_supported(w, ATOMICS_READONLY);
        check(got_rw == want_rw && got_ro == want_ro,
              "[%s] atomics_ops_supported(%zu) = %#x / readonly %#x, expected %#x / %#x", label,
              w, (unsigned)got_rw, (unsigned)got_ro, (unsigned)want_rw, (unsigned)want_ro);
        uint64_t want_rw64 = supported ? ALL_OPS_MASK64 : 0;
        check(atomics_ops_supported64(w, 0) == want_rw64 &&
                  atomics_ops_supported64(w, ATOMICS_READONLY) == want_ro,
              "[%s] atomics_ops_supported64(%zu) = %#llx / readonly %#llx", label, w,
              (unsigned long long)atomics_ops_supported64(w, 0),
              (unsigned long long)atomics_ops_supported64(w, ATOMICS_READONLY));
        check(!!atomics_is_lock_free(w) == supported, "[%s] atomics_is_lock_free(%zu) = %d",
              label, w, atomics_is_lock_free(w));

        for (size_t offset = 0; offset < 64; offset++) {
            const void *p = big + offset;
            int ok = fits(offset, w, block);
            const atomics_ops *rw = atomics_ops_for(p, w, 0);
            const atomics_ops *ro = atomics_ops_for(p, w, ATOMICS_READONLY);
            int small = offset % 8 + w <= 8;
            uint32_t want_ro_mask = ok && (small || load16) ? RO_OPS_MASK : 0;
            check((rw != NULL) == ok && (ro != NULL) == ok &&
                      atomics_ops_mask(rw) == (ok ? ALL_OPS_MASK : 0) &&
                      atomics_ops_mask64(rw) == (ok ? ALL_OPS_MASK64 : 0) &&
                      atomics_ops_mask64(ro) == want_ro_mask &&
                      atomics_ops_mask(ro) == want_ro_mask,
                  "[%s] atomics_ops_for(width=%zu, offset=%zu): rw %s mask %#x, ro %s mask %#x "
                  "(expected %s, ro mask %#x)",
                  label, w, offset, rw ? "table" : "NULL", (unsigned)atomics_ops_mask(rw),
                  ro ? "table" : "NULL", (unsigned)atomics_ops_mask(ro), ok ? "tables" : "NULL",
                  (unsigned)want_ro_mask);
            check(atomics_is_aligned(p, w, 0) == ok,
                  "[%s] atomics_is_aligned(offset=%zu, width=%zu, 0) != %d", label, offset, w, ok);
            int rec_ok = supported && offset % next_pow2(w) == 0;
            check(atomics_is_aligned(p, w, 1) == rec_ok,
                  "[%s] atomics_is_aligned(offset=%zu, width=%zu, 1) != %d", label, offset, w,
                  rec_ok);
            /* the contract as stated in atomics_alignment agrees */
            if (supported && atomics_alignment_of(w, &a) == 0) {
                int by_contract = offset % a.minimum == 0 &&
                                  (a.size_within == 0 || offset % a.size_within + w <= a.size_within);
                check(by_contract == ok,
                      "[%s] atomics_alignment(%zu) contract says %d at offset %zu", label, w,
                      by_contract, offset);
            }
        }
    }

    /* the natural placements resolve to the exported entry points */
#define TEST_EXPORTS_(N)                                                        \
    if (N <= block) {                                                           \
        const atomics_ops *rw = atomics_ops_for(big + N, N, 0);                 \
        const atomics_ops *ro = atomics_ops_for(big + N, N, ATOMICS_READONLY);  \
        int same = rw != NULL && ro != NULL;                                    \
        TEST_OPS(TEST_EXPORT_FIELD_##N##_)                                      \
        if (same && (N <= 8 || load16))                                         \
            same = ro->load == atomics_load_##N && ro->bit_test == atomics_bit_test_##N; \
        check(same, "[%s] width %d at natural alignment is not atomics_<op>_%d", label, \
              N, N);                                                            \
    }
#define TEST_EXPORT_FIELD_1_(NAME, field, k, r) same = same && rw->field == atomics_##field##_1;
#define TEST_EXPORT_FIELD_2_(NAME, field, k, r) same = same && rw->field == atomics_##field##_2;
#define TEST_EXPORT_FIELD_4_(NAME, field, k, r) same = same && rw->field == atomics_##field##_4;
#define TEST_EXPORT_FIELD_8_(NAME, field, k, r) same = same && rw->field == atomics_##field##_8;
#define TEST_EXPORT_FIELD_16_(NAME, field, k, r) same = same && rw->field == atomics_##field##_16;
    TEST_EXPORTS_(1)
    TEST_EXPORTS_(2)
    TEST_EXPORTS_(4)
    TEST_EXPORTS_(8)
    TEST_EXPORTS_(16)
#undef TEST_EXPORT_FIELD_1_
#undef TEST_EXPORT_FIELD_2_
#undef TEST_EXPORT_FIELD_4_
#undef TEST_EXPORT_FIELD_8_
#undef TEST_EXPORT_FIELD_16_
#undef TEST_EXPORTS_
}

static void test_validators(void) {
    for (int o = -2; o <= 8; o++) {
        int valid = o >= 0 && o <= 5;
        int store = o == ATOMICS_RELAXED || o == ATOMICS_RELEASE || o == ATOMICS_SEQ_CST;
        int load = o == ATOMICS_RELAXED || o == ATOMICS_CONSUME || o == ATOMICS_ACQUIRE ||
                   o == ATOMICS_SEQ_CST;
        check(!!atomics_is_valid_order(o) == valid, "atomics_is_valid_order(%d)", o);
        check(!!atomics_is_valid_store_order(o) == store, "atomics_is_valid_store_order(%d)", o);
        check(!!atomics_is_valid_load_order(o) == load, "atomics_is_valid_load_order(%d)", o);
    }
    /* a failure order is a load order no stronger than success, where the
     * strength follows the enum: RELAXED < CONSUME < ACQUIRE < RELEASE < ACQ_REL < SEQ_CST */
    static const char strength_ok[6][6] = {
        /* fail:   RLX CON ACQ REL AR  SC       succ: */
        {1, 0, 0, 0, 0, 0}, /* RELAXED */
        {1, 1, 0, 0, 0, 0}, /* CONSUME */
        {1, 1, 1, 0, 0, 0}, /* ACQUIRE */
        {1, 1, 1, 0, 0, 0}, /* RELEASE */
        {1, 1, 1, 0, 0, 0}, /* ACQ_REL */
        {1, 1, 1, 0, 0, 1}, /* SEQ_CST */
    };
    for (int s = -1; s <= 7; s++)
        for (int f = -1; f <= 7; f++) {
            int want = s >= 0 && s <= 5 && f >= 0 && f <= 5 && strength_ok[s][f];
            check(!!atomics_is_valid_fail_order(s, f) == want,
                  "atomics_is_valid_fail_order(%d, %d) != %d", s, f, want);
        }
}

/* ---- x86-64 feature detection ------------------------------------------------------------
 * Plain 16-byte loads are trusted only where the vendor documents them atomic
 * (Intel, AMD) and the processor has AVX; everything else must fall back to
 * cmpxchg16b, which the "CAS16 without LOAD16" runs below exercise. */
#if defined(__x86_64__)
static void test_x86_features(void) {
    static const struct {
        const char *vendor;
        unsigned ecx;
        unsigned want;
    } cases[] = {
        {"GenuineIntel", ATOMICS_X86_CPUID_CMPXCHG16B | ATOMICS_X86_CPUID_AVX, ATOMICS_FEATURE_CAS16 | ATOMICS_FEATURE_LOAD16},
        {"AuthenticAMD", ATOMICS_X86_CPUID_CMPXCHG16B | ATOMICS_X86_CPUID_AVX, ATOMICS_FEATURE_CAS16 | ATOMICS_FEATURE_LOAD16},
        {"GenuineIntel", ATOMICS_X86_CPUID_CMPXCHG16B, ATOMICS_FEATURE_CAS16},
        {"AuthenticAMD", ATOMICS_X86_CPUID_AVX, 0},
        {"HygonGenuine", ATOMICS_X86_CPUID_CMPXCHG16B | ATOMICS_X86_CPUID_AVX, ATOMICS_FEATURE_CAS16},
        {"CentaurHauls", ATOMICS_X86_CPUID_CMPXCHG16B | ATOMICS_X86_CPUID_AVX, ATOMICS_FEATURE_CAS16},
        {"  Shanghai  ", ATOMICS_X86_CPUID_CMPXCHG16B | ATOMICS_X86_CPUID_AVX, ATOMICS_FEATURE_CAS16},
        {"GenuineIotel", ATOMICS_X86_CPUID_CMPXCHG16B | ATOMICS_X86_CPUID_AVX, ATOMICS_FEATURE_CAS16},
        {"AuthenticAMd", ATOMICS_X86_CPUID_CMPXCHG16B | ATOMICS_X86_CPUID_AVX, ATOMICS_FEATURE_CAS16},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        /* cpuid leaf 0 returns the name in ebx, edx, ecx, four bytes each */
        unsigned vendor[3];
        memcpy(vendor, cases[i].vendor, 12);
        unsigned got = atomics_x86_features(vendor, cases[i].ecx);
        check(got == cases[i].want, "x86 features of '%s' with ecx %#x: %#x, expected %#x",
              cases[i].vendor, cases[i].ecx, got, cases[i].want);
    }
}
#endif

/* ---- read-only memory --------------------------------------------------------------------- */

/* A page of read-only memory between two inaccessible ones, and a way to run
 * code on it that reports a fault instead of dying. On Windows (no signals)
 * a fault ends the process, which fails the test just the same. */
struct ro_map {
    unsigned char *map; /* three pages */
    size_t page;
};

#if defined(_WIN32)
static int ro_map_make(struct ro_map *m, unsigned seed) {
    SYSTEM_INFO si;
    DWORD old;
    GetSystemInfo(&si);
    m->page = si.dwPageSize;
    m->map = VirtualAlloc(NULL, 3 * m->page, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE);
    if (!m->map)
        return 0;
    fill(m->map + m->page, m->page, seed);
    return VirtualProtect(m->map, m->page, PAGE_NOACCESS, &old) &&
           VirtualProtect(m->map + 2 * m->page, m->page, PAGE_NOACCESS, &old) &&
           VirtualProtect(m->map + m->page, m->page, PAGE_READONLY, &old);
}
static void ro_map_free(struct ro_map *m) { VirtualFree(m->map, 0, MEM_RELEASE); }

enum { CATCHES_FAULTS = 0 };
static int without_fault(void (*fn)(void *), void *arg) {
    fn(arg);
    return 1;
}
#else
static int ro_map_make(struct ro_map *m, unsigned seed) {
    m->page = (size_t)sysconf(_SC_PAGESIZE);
    m->map = mmap(NULL, 3 * m->page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m->map == MAP_FAILED) {
        m->map = NULL;
        return 0;
    }
    fill(m->map + m->page, m->page, seed);
    return mprotect(m->map, m->page, PROT_NONE) == 0 &&
           mprotect(m->map + 2 * m->page, m->page, PROT_NONE) == 0 &&
           mprotect(m->map + m->page, m->page, PROT_READ) == 0;
}
static void ro_map_free(struct ro_map *m) { munmap(m->map, 3 * m->page); }

/* Sanitizer runtimes own SIGSEGV: only plain builds provoke a fault. */
#if defined(__SANITIZE_ADDRESS__) || UNDER_TSAN
enum { CATCHES_FAULTS = 0 };
#else
enum { CATCHES_FAULTS = 1 };
#endif

static sigjmp_buf fault_jump;
static volatile sig_atomic_t fault_armed;

static void on_fault(int sig) {
    if (fault_armed)
        siglongjmp(fault_jump, 1);
    signal(sig, SIG_DFL);
    raise(sig);
}

/* fn(arg), with SIGSEGV and SIGBUS caught: 1 if it returned, 0 if it
 * faulted. `ok` is the one local written after sigsetjmp: volatile, so its
 * value after a siglongjmp is defined (GCC for musl warned). */
static int without_fault(void (*fn)(void *), void *arg) {
    struct sigaction sa, old_segv, old_bus;
    volatile int ok = 0;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_fault;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, &old_segv);
    sigaction(SIGBUS, &sa, &old_bus);
    fault_armed = 1;
    if (sigsetjmp(fault_jump, 1) == 0) {
        fn(arg);
        ok = 1;
    }
    fault_armed = 0;
    sigaction(SIGSEGV, &old_segv, NULL);
    sigaction(SIGBUS, &old_bus, NULL);
    return ok;
}
#endif

struct ro_case {
    const char *label;
    const atomics_ops *ops;
    const unsigned char *p;
    unsigned w;
    size_t offset;
};

static void ro_loads(void *arg) {
    const struct ro_case *c = arg;
    num want = num_get(c->p, c->w);
    for (int m = 0; m < NORDERS; m++) {
        unsigned char retbuf[OPERAND_BUF];
        fill(retbuf, sizeof retbuf, 3);
        c->ops->load(c->p, retbuf + OPERAND_AT, (atomics_order)test_orders[m]);
        char h1[40], h2[40];
        check(num_eq(num_get(retbuf + OPERAND_AT, c->w), want, c->w) &&
                  changed_byte(retbuf, sizeof retbuf, 3, OPERAND_AT, c->w) < 0,
              "[%s] read-only load width=%u offset=%zu order=%d: expected %s got %s", c->label,
              c->w, c->offset, test_orders[m], num_hex(want, c->w, h1),
              num_hex(num_get(retbuf + OPERAND_AT, c->w), c->w, h2));
        int bits_ok = 1;
        for (unsigned b = 0; b < 8 * c->w; b++)
            bits_ok &= c->ops->bit_test(c->p, b, (atomics_order)test_orders[m]) == num_bit(want, b);
        check(bits_ok, "[%s] read-only bit_test width=%u offset=%zu order=%d", c->label, c->w,
              c->offset, test_orders[m]);
    }
}

static void rw_load16(void *arg) {
    const struct ro_case *c = arg;
    unsigned char ret[16];
    c->ops->load(c->p, ret, ATOMICS_SEQ_CST);
}

/* Loads and bit tests through the read-only table for every width at the
 * start and the end of a read-only page between two inaccessible pages. A
 * write, or a read beyond the block, faults and is reported. */
static void test_readonly(const char *label) {
    struct ro_map m;
    if (!check(ro_map_make(&m, 9), "[%s] could not map a read-only page", label)) {
        if (m.map)
            ro_map_free(&m);
        return;
    }
    unsigned char *ro_page = m.map + m.page;
    const size_t block = max_block();
    const int load16 = (atomics_features() & ATOMICS_FEATURE_LOAD16) != 0;
    for (unsigned w = 1; w <= ATOMICS_MAX_WIDTH; w++)
        for (size_t i = 0; i < 128; i++) {
            struct ro_case c;
            c.label = label;
            c.w = w;
            c.offset = i < 64 ? i : m.page - 128 + i;
            c.p = ro_page + c.offset;
            c.ops = atomics_ops_for(c.p, w, ATOMICS_READONLY);
            int ok = fits(c.offset, w, block);
            int small = c.offset % 8 + w <= 8;
            uint32_t want_mask = ok && (small || load16) ? RO_OPS_MASK : 0;
            if (!check((c.ops != NULL) == ok && atomics_ops_mask(c.ops) == want_mask,
                       "[%s] read-only table at width=%u offset=%zu: %s mask %#x, expected mask %#x",
                       label, w, c.offset, c.ops ? "table" : "NULL",
                       (unsigned)atomics_ops_mask(c.ops), (unsigned)want_mask) ||
                !c.ops || !c.ops->load)
                continue;
            check(without_fault(ro_loads, &c), "[%s] read-only load/bit_test faulted: width=%u offset=%zu",
                  label, w, c.offset);
        }

    /* The harness can see a write: a read-write 16-byte load on the page
     * faults unless it is a plain load. */
    if (CATCHES_FAULTS && (atomics_features() & ATOMICS_FEATURE_CAS16)) {
        struct ro_case c;
        memset(&c, 0, sizeof c);
        c.p = ro_page + 32;
        c.ops = atomics_ops_for(c.p, 16, 0);
        int returned = without_fault(rw_load16, &c);
        check(returned == load16,
              load16 ? "[%s] a 16-byte load with ATOMICS_FEATURE_LOAD16 faulted"
                     : "[%s] a CAS-based 16-byte load on read-only memory did not fault",
              label);
    }
    ro_map_free(&m);
}

/* ---- threads --------------------------------------------------------------------------------- */

enum { NTHREADS = 4 };

#define MT_KINDS(X)                                                            \
    X(ADD, "add")                                                              \
    X(SUB, "sub")                                                              \
    X(FETCH_ADD, "fetch_add")                                                  \
    X(FETCH_SUB, "fetch_sub")                                                  \
    X(INC, "inc")                                                              \
    X(DEC, "dec")                                                              \
    X(FETCH_INC, "fetch_inc")                                                  \
    X(FETCH_DEC, "fetch_dec")                                                  \
    X(NEG, "neg")                                                              \
    X(FETCH_NEG, "fetch_neg")                                                  \
    X(NOT, "bin_not")                                                          \
    X(FETCH_NOT, "bin_fetch_not")                                              \
    X(OR_AND, "bin_or+bin_and")                                                \
    X(FETCH_OR_AND, "bin_fetch_or+bin_fetch_and")                              \
    X(XOR, "bin_xor")                                                          \
    X(FETCH_XOR, "bin_fetch_xor")                                              \
    X(BIT_LOCK, "bit_test_set+bit_test_reset")                                 \
    X(BIT_COMPL, "bit_test_compl")                                             \
    X(EXCHANGE, "exchange+load")                                               \
    X(CAS_WEAK, "cmpxchg_weak")                                                \
    X(CAS_STRONG, "cmpxchg_strong")                                            \
    X(FETCH_MAX_U, "fetch_max_u")                                              \
    X(FETCH_MAX_S, "fetch_max_s")                                              \
    X(FETCH_MIN_U, "fetch_min_u")                                              \
    X(FETCH_MIN_S, "fetch_min_s")                                              \
    X(MAX_S, "max_s")                                                          \
    X(MIN_U, "min_u")

enum mt_kind {
#define MT_ENUM_(NAME, str) MT_##NAME,
    MT_KINDS(MT_ENUM_)
#undef MT_ENUM_
    MT_COUNT
};
static const char *const mt_names[] = {
#define MT_NAME_(NAME, str) str,
    MT_KINDS(MT_NAME_)
#undef MT_NAME_
};

struct mt_test {
    enum mt_kind kind;
    const atomics_ops *ops;
    unsigned char *obj;
    unsigned char *neighbor; /* a byte of the same block the threads also count up, or NULL */
    unsigned width;
    long iters;
    num init, arg;
    unsigned ready; /* threads at the start line; all go together */
    uint64_t counters[2]; /* guarded by the BIT_LOCK bits */
};

struct mt_thread {
    struct mt_test *t;
    num last_old; /* max/min: the last value fetched, in rising order (see mm_order) */
    pthread_t id;
    unsigned tid;
    uint64_t sum, count;
    unsigned long bad;
    char first_bad[120];
    num held; /* EXCHANGE: the token this thread holds */
};

static num token(unsigned k, unsigned w) {
    num v = num_zero();
    for (unsigned i = 0; i < w; i++)
        v.d[i] = (unsigned char)(((k + 1) * 0x21) ^ i);
    return v;
}

static int token_id(num v, unsigned w) {
    for (unsigned k = 0; k <= NTHREADS; k++)
        if (num_eq(v, token(k, w), w))
            return (int)k;
    return -1;
}

static void mt_bad(struct mt_thread *th, long k, const char *what) {
    if (th->bad++ == 0)
        snprintf(th->first_bad, sizeof th->first_bad, "thread %u iteration %ld: %s", th->tid, k, what);
}

/* For retry loops that only a broken core makes endless: true once the
 * current wait has lasted 10 s, so a lost update fails instead of hanging. */
static int stuck(unsigned long spins, double *since) {
    if (spins % 4096 != 0)
        return 0;
    if (spins == 4096)
        *since = now();
    return now() - *since > 10.0;
}

/* Max and min under contention. Each thread offers its own rising sequence,
 * interleaved with the others': value index k * NTHREADS + tid. mm_rising()
 * gives the index's value, rising with it as an unsigned number; widths 1
 * and 2 saturate, wider ones hold the index in their top three bytes and
 * vary the others. mm_order() maps a value so that the operation's order
 * (signed or unsigned, max or min) becomes rising unsigned order; it is its
 * own inverse. So the final value is the last index's, and the values a
 * thread fetches never fall in that order. */
static int mm_kind(enum mt_kind kind) {
    return kind == MT_FETCH_MAX_U || kind == MT_FETCH_MAX_S || kind == MT_FETCH_MIN_U ||
           kind == MT_FETCH_MIN_S || kind == MT_MAX_S || kind == MT_MIN_U;
}

static num mm_rising(uint64_t index, unsigned w) {
    if (w <= 2) {
        uint64_t top = w == 1 ? 0xff : 0xffff;
        return num_small(index < top ? index : top, w);
    }
    num v = num_zero();
    for (unsigned i = 0; i < w - 3; i++)
        v.d[i] = (unsigned char)(index * 7 + i);
    for (unsigned i = 0; i < 3; i++)
        v.d[w - 3 + i] = (unsigned char)(index >> (8 * i));
    return v;
}

static num mm_order(enum mt_kind kind, num v, unsigned w) {
    int is_min = kind == MT_FETCH_MIN_U || kind == MT_FETCH_MIN_S || kind == MT_MIN_U;
    int is_signed = kind == MT_FETCH_MAX_S || kind == MT_FETCH_MIN_S || kind == MT_MAX_S;
    if (is_min)
        v = num_not(v, w);
    if (is_signed)
        v.d[w - 1] ^= 0x80;
    return v;
}

/* Own bit of thread tid at iteration k: threads own interleaved bits. */
static unsigned own_bit(unsigned tid, long k, unsigned w) {
    return tid + NTHREADS * (unsigned)(k % (long)(8 * w / NTHREADS));
}

static void *mt_worker(void *arg_) {
    struct mt_thread *th = arg_;
    struct mt_test *t = th->t;
    const atomics_ops *ops = t->ops;
    const unsigned w = t->width;
    void *obj = t->obj;
    /* the orders differ between threads: atomicity must not depend on them */
    static const atomics_order rmw[NTHREADS] = {ATOMICS_SEQ_CST, ATOMICS_ACQ_REL, ATOMICS_RELAXED,
                                                ATOMICS_RELEASE};
    static const atomics_order fail[NTHREADS] = {ATOMICS_SEQ_CST, ATOMICS_ACQUIRE, ATOMICS_RELAXED,
                                                 ATOMICS_RELAXED};
    const atomics_order mo = rmw[th->tid % NTHREADS], mo_fail = fail[th->tid % NTHREADS];
    unsigned char argb[ATOMICS_MAX_WIDTH], ret[ATOMICS_MAX_WIDTH], tmp[ATOMICS_MAX_WIDTH];
    num_put(argb, t->arg, w);
    const num init_neg = num_sub(num_zero(), t->init, w), init_not = num_not(t->init, w);

    __atomic_add_fetch(&t->ready, 1, __ATOMIC_ACQ_REL);
    while (__atomic_load_n(&t->ready, __ATOMIC_ACQUIRE) < NTHREADS)
        sched_yield();
    for (long k = 0; k < t->iters; k++) {
        switch (t->kind) {
        case MT_ADD: ops->add(obj, argb, mo); break;
        case MT_SUB: ops->sub(obj, argb, mo); break;
        case MT_INC: ops->inc(obj, mo); break;
        case MT_DEC: ops->dec(obj, mo); break;
        case MT_NEG: ops->neg(obj, mo); break;
        case MT_NOT: ops->bin_not(obj, mo); break;
        case MT_FETCH_ADD: ops->fetch_add(obj, argb, ret, mo); th->sum += num_low64(num_get(ret, w)); break;
        case MT_FETCH_SUB: ops->fetch_sub(obj, argb, ret, mo); th->sum += num_low64(num_get(ret, w)); break;
        case MT_FETCH_INC: ops->fetch_inc(obj, ret, mo); th->sum += num_low64(num_get(ret, w)); break;
        case MT_FETCH_DEC: ops->fetch_dec(obj, ret, mo); th->sum += num_low64(num_get(ret, w)); break;
        case MT_FETCH_MAX_U:
        case MT_FETCH_MAX_S:
        case MT_FETCH_MIN_U:
        case MT_FETCH_MIN_S:
        case MT_MAX_S:
        case MT_MIN_U: {
            num_put(tmp, mm_order(t->kind, mm_rising((uint64_t)k * NTHREADS + th->tid, w), w), w);
            switch (t->kind) {
            case MT_FETCH_MAX_U: ops->fetch_max_u(obj, tmp, ret, mo); break;
            case MT_FETCH_MAX_S: ops->fetch_max_s(obj, tmp, ret, mo); break;
            case MT_FETCH_MIN_U: ops->fetch_min_u(obj, tmp, ret, mo); break;
            case MT_FETCH_MIN_S: ops->fetch_min_s(obj, tmp, ret, mo); break;
            case MT_MAX_S: ops->max_s(obj, tmp, mo); ops->load(obj, ret, ATOMICS_RELAXED); break;
            default: ops->min_u(obj, tmp, mo); ops->load(obj, ret, ATOMICS_RELAXED); break;
            }
            /* the object only rises: what a thread sees never falls */
            num seen = mm_order(t->kind, num_get(ret, w), w);
            if (num_cmp(seen, th->last_old, w) < 0)
                mt_bad(th, k, "a later fetch returned a lower value (lost update or torn value)");
            th->last_old = seen;
            break;
        }
        case MT_FETCH_NEG:
        case MT_FETCH_NOT: {
            if (t->kind == MT_FETCH_NEG)
                ops->fetch_neg(obj, ret, mo);
            else
                ops->bin_fetch_not(obj, ret, mo);
            num r = num_get(ret, w);
            if (num_eq(r, t->init, w))
                th->count++;
            else if (!num_eq(r, t->kind == MT_FETCH_NEG ? init_neg : init_not, w))
                mt_bad(th, k, "returned a value that was never stored");
            break;
        }
        case MT_OR_AND:
        case MT_FETCH_OR_AND:
        case MT_XOR:
        case MT_FETCH_XOR: {
            /* flip an own bit away from its initial state and back; nobody
             * else touches it, so its state is always known */
            unsigned b = own_bit(th->tid, k, w);
            int initial = num_bit(t->init, b);
            for (int step = 0; step < 2; step++) {
                int to = step == 0 ? !initial : initial;
                num m = (t->kind == MT_XOR || t->kind == MT_FETCH_XOR) ? num_one_bit(b)
                        : to ? num_one_bit(b) : num_not(num_one_bit(b), w);
                num_put(tmp, m, w);
                switch (t->kind) {
                case MT_OR_AND: to ? ops->bin_or(obj, tmp, mo) : ops->bin_and(obj, tmp, mo); break;
                case MT_XOR: ops->bin_xor(obj, tmp, mo); break;
                case MT_FETCH_OR_AND:
                    to ? ops->bin_fetch_or(obj, tmp, ret, mo) : ops->bin_fetch_and(obj, tmp, ret, mo);
                    break;
                default: ops->bin_fetch_xor(obj, tmp, ret, mo); break;
                }
                if (t->kind == MT_FETCH_OR_AND || t->kind == MT_FETCH_XOR) {
                    if (num_bit(num_get(ret, w), b) != !to)
                        mt_bad(th, k, "fetched own bit in the wrong state");
                } else if (ops->bit_test(obj, b, ATOMICS_SEQ_CST) != to) {
                    mt_bad(th, k, "own bit lost its update");
                }
            }
            break;
        }
        case MT_BIT_LOCK: {
            /* two spinlocks, at both ends of the object, two threads each */
            unsigned half = th->tid % 2, b = half ? 8 * w - 1 : 0;
            unsigned long spins = 0;
            double since = 0;
            while (ops->bit_test_set(obj, b, ATOMICS_ACQUIRE)) {
                if (++spins % 64 == 0)
                    sched_yield();
                if (stuck(spins, &since)) {
                    mt_bad(th, k, "lock bit never cleared (lost update?)");
                    return NULL;
                }
            }
            /* not an atomic increment: only mutual exclusion keeps it exact */
            uint64_t c = __atomic_load_n(&t->counters[half], __ATOMIC_RELAXED);
            __atomic_store_n(&t->counters[half], c + 1, __ATOMIC_RELAXED);
            if (!ops->bit_test_reset(obj, b, ATOMICS_RELEASE))
                mt_bad(th, k, "lock bit was clear while held");
            break;
        }
        case MT_BIT_COMPL:
            th->count += (unsigned)ops->bit_test_compl(obj, 8 * w - 1, mo);
            break;
        case MT_EXCHANGE: {
            num_put(tmp, th->held, w);
            ops->exchange(obj, tmp, ret, mo);
            num got = num_get(ret, w);
            int id = token_id(got, w);
            if (id < 0 || id == token_id(th->held, w))
                mt_bad(th, k, "exchange returned a torn or duplicated token");
            th->held = got;
            ops->load(obj, tmp, ATOMICS_ACQUIRE);
            if (token_id(num_get(tmp, w), w) < 0)
                mt_bad(th, k, "load returned a torn token");
            break;
        }
        case MT_CAS_WEAK:
        case MT_CAS_STRONG: {
            /* the value seen on failure feeds the next attempt: no reload */
            unsigned long spins = 0;
            double since = 0;
            ops->load(obj, tmp, ATOMICS_RELAXED);
            for (;;) {
                num_put(ret, num_add(num_get(tmp, w), t->arg, w), w);
                int ok = t->kind == MT_CAS_WEAK ? ops->cmpxchg_weak(obj, tmp, ret, mo, mo_fail)
                                                : ops->cmpxchg_strong(obj, tmp, ret, mo, mo_fail);
                if (ok)
                    break;
                /* strong fails only when the value differed; what it saw is
                 * then not what was expected (the neighbour's writes must not
                 * show through) */
                if (t->kind == MT_CAS_STRONG && num_eq(num_get(tmp, w), num_sub(num_get(ret, w), t->arg, w), w))
                    mt_bad(th, k, "cmpxchg_strong failed spuriously");
                th->count++;
                if (stuck(++spins, &since)) {
                    mt_bad(th, k, "cmpxchg never succeeds");
                    return NULL;
                }
            }
            break;
        }
        default: break;
        }
        if (t->neighbor)
            atomics_inc_1(t->neighbor, ATOMICS_RELAXED);
    }
    return NULL;
}

static _Alignas(64) unsigned char mt_arena[64];

static void mt_run(enum mt_kind kind, unsigned w, size_t offset, long iters) {
    struct mt_test t;
    struct mt_thread th[NTHREADS];
    memset(&t, 0, sizeof t);
    memset(th, 0, sizeof th);
    fill(mt_arena, sizeof mt_arena, 5);
    unsigned char *obj = mt_arena + ARENA_OBJ + offset;
    t.kind = kind;
    t.width = w;
    t.obj = obj;
    t.neighbor = offset % 16 ? obj - 1 : NULL; /* inside the object's block */
    t.iters = iters;
    t.ops = atomics_ops_for(obj, w, 0);
    const uint64_t total = (uint64_t)iters * NTHREADS;
    const char *name = mt_names[kind];
    if (!check(t.ops != NULL, "threads: no table for width=%u offset=%zu", w, offset))
        return;

    /* an operand that changes every byte; a start that wraps around halfway */
    int additive = kind == MT_ADD || kind == MT_SUB || kind == MT_FETCH_ADD ||
                   kind == MT_FETCH_SUB || kind == MT_CAS_WEAK || kind == MT_CAS_STRONG;
    t.arg = num_zero();
    for (unsigned i = 0; i < w; i++)
        t.arg.d[i] = 1;
    if (!additive)
        t.arg = num_small(1, w);
    int downward = kind == MT_SUB || kind == MT_FETCH_SUB || kind == MT_DEC || kind == MT_FETCH_DEC;
    num half_way = num_mul_small(t.arg, (uint32_t)(total / 2), w);
    t.init = downward ? half_way : num_sub(num_zero(), half_way, w);
    if (kind == MT_BIT_LOCK || kind == MT_BIT_COMPL)
        t.init = num_set_bit(num_set_bit(value_of(5, w), 0, 0), 8 * w - 1, 0);
    else if (kind == MT_NEG || kind == MT_FETCH_NEG || kind == MT_NOT || kind == MT_FETCH_NOT ||
             kind == MT_OR_AND || kind == MT_FETCH_OR_AND || kind == MT_XOR || kind == MT_FETCH_XOR)
        t.init = value_of(5, w);
    else if (kind == MT_EXCHANGE)
        t.init = token(0, w);
    else if (mm_kind(kind))
        t.init = mm_order(kind, num_zero(), w); /* below every value offered */
    num_put(obj, t.init, w);

    for (unsigned i = 0; i < NTHREADS; i++) {
        th[i].t = &t;
        th[i].tid = i;
        th[i].held = token(i + 1, w);
        if (pthread_create(&th[i].id, NULL, mt_worker, &th[i]) != 0) {
            fprintf(stderr, "pthread_create failed\n");
            exit(2);
        }
    }
    uint64_t sum = 0, count = 0;
    for (unsigned i = 0; i < NTHREADS; i++) {
        pthread_join(th[i].id, NULL);
        sum += th[i].sum;
        count += th[i].count;
        check(th[i].bad == 0, "threads %s width=%u offset=%zu: %lu violations, first: %s", name, w,
              offset, th[i].bad, th[i].first_bad);
    }

    /* the final value */
    num want = t.init;
    switch (kind) {
    case MT_ADD: case MT_FETCH_ADD: case MT_INC: case MT_FETCH_INC:
    case MT_CAS_WEAK: case MT_CAS_STRONG:
        want = num_add(t.init, num_mul_small(t.arg, (uint32_t)total, w), w);
        break;
    case MT_SUB: case MT_FETCH_SUB: case MT_DEC: case MT_FETCH_DEC:
        want = num_sub(t.init, num_mul_small(t.arg, (uint32_t)total, w), w);
        break;
    default:
        if (mm_kind(kind)) /* the largest value offered, in the operation's order */
            want = mm_order(kind, mm_rising(total - 1, w), w);
        break; /* every other kind returns to where it started */
    }
    char h1[40], h2[40];
    num got = num_get(obj, w);
    if (kind == MT_EXCHANGE) {
        /* the tokens held plus the one in the object are all the tokens */
        unsigned seen = 1u << (unsigned)(token_id(got, w) + 1);
        for (unsigned i = 0; i < NTHREADS; i++)
            seen |= 1u << (unsigned)(token_id(th[i].held, w) + 1);
        check(seen == ((1u << (NTHREADS + 1)) - 1) << 1,
              "threads %s width=%u offset=%zu: tokens lost or duplicated (%#x)", name, w, offset, seen);
    } else {
        check(num_eq(got, want, w), "threads %s width=%u offset=%zu: final %s, expected %s", name, w,
              offset, num_hex(got, w, h1), num_hex(want, w, h2));
    }

    /* what the fetches returned */
    if (kind == MT_FETCH_ADD || kind == MT_FETCH_SUB || kind == MT_FETCH_INC || kind == MT_FETCH_DEC) {
        /* each old value init +- k * arg, k < total, was returned exactly once */
        uint64_t want_sum = 0;
        num v = t.init;
        for (uint64_t k = 0; k < total; k++) {
            want_sum += num_low64(v);
            v = (kind == MT_FETCH_ADD || kind == MT_FETCH_INC) ? num_add(v, t.arg, w)
                                                              : num_sub(v, t.arg, w);
        }
        check(sum == want_sum, "threads %s width=%u offset=%zu: sum of fetched values %#llx, expected %#llx",
              name, w, offset, (unsigned long long)sum, (unsigned long long)want_sum);
    }
    if (kind == MT_FETCH_NEG || kind == MT_FETCH_NOT || kind == MT_BIT_COMPL)
        check(count == total / 2, "threads %s width=%u offset=%zu: %llu of %llu fetches saw the start, "
              "expected half", name, w, offset, (unsigned long long)count, (unsigned long long)total);
    if (mm_kind(kind)) {
        int ok = 1;
        for (unsigned i = 0; i < NTHREADS; i++) /* nothing fetched beyond the final value */
            ok &= num_cmp(th[i].last_old, mm_order(kind, got, w), w) <= 0;
        check(ok, "threads %s width=%u offset=%zu: a fetched value exceeds the final one", name,
              w, offset);
    }
    if (kind == MT_BIT_LOCK)
        check(t.counters[0] == total / 2 && t.counters[1] == total / 2,
              "threads %s width=%u offset=%zu: counters %llu and %llu, expected %llu each", name, w,
              offset, (unsigned long long)t.counters[0], (unsigned long long)t.counters[1],
              (unsigned long long)(total / 2));

    /* the rest of the block, and beyond */
    long at = -1;
    for (size_t i = 0; i < sizeof mt_arena && at < 0; i++) {
        unsigned char *p = mt_arena + i;
        if (p >= obj && p < obj + w)
            continue;
        unsigned char want_byte = pattern_byte(5, i);
        if (p == t.neighbor)
            want_byte = (unsigned char)(want_byte + total);
        if (*p != want_byte)
            at = (long)i - (long)(ARENA_OBJ + offset);
    }
    check(at < 0, "threads %s width=%u offset=%zu: byte at object%+ld is wrong afterwards", name, w,
          offset, at);
}

static long stress_iterations(void) {
    double scale = 1;
    const char *s = getenv("ATOMICS_STRESS_SCALE");
    if (s && *s) {
        char *end;
        scale = strtod(s, &end);
        if (*end || !(scale > 0)) {
            fprintf(stderr, "ATOMICS_STRESS_SCALE=%s is not a positive number; using 1\n", s);
            scale = 1;
        }
    }
    long base = UNDER_TSAN ? 2000 : 40000;
    long n = (long)(base * scale);
    return n < 2 ? 2 : n;
}

static void test_threads(void) {
    static const struct {
        unsigned width;
        size_t offset;
    } placements[] = {{1, 0}, {2, 0}, {4, 0}, {8, 0}, {16, 0},
                      {3, 1}, {2, 3}, {5, 9}, {8, 4}, {11, 2}};
    const long iters = stress_iterations();
    for (size_t p = 0; p < sizeof placements / sizeof placements[0]; p++) {
        if (!fits(placements[p].offset, placements[p].width, max_block()))
            continue;
        for (int kind = 0; kind < MT_COUNT; kind++)
            mt_run((enum mt_kind)kind, placements[p].width, placements[p].offset, iters);
    }
}

/* ---- publication: the orders reach the hardware (and TSan) -----------------------
 * A producer writes a plain payload, then publishes a round number through the
 * object; a consumer waits for it, reads the payload, and acknowledges. Every
 * publishing order except RELAXED and the acquire-only orders of a
 * read-modify-write must release (a store given ACQUIRE, say, must act as
 * SEQ_CST), and every waiting order except RELAXED must acquire. On x86 any
 * result is right; under ThreadSanitizer a missing release or acquire in the
 * core is reported as a race on the payload. (TSan cannot see the hand-written
 * cmpxchg16b/movdqa, so under TSan 16-byte blocks are left out.) */

enum { MP_STORE, MP_EXCHANGE, MP_FETCH_ADD };
enum { MP_ROUNDS = 100 };

struct mp_test {
    const atomics_ops *ops;
    unsigned char *obj;
    unsigned width;
    int publish, by_bit; /* by_bit: wait with bit_test, else with load */
    atomics_order pub, acq;
    long payload; /* plain on purpose */
    long ack;
    unsigned long bad;
};

static void *mp_producer(void *arg_) {
    struct mp_test *t = arg_;
    unsigned char v[ATOMICS_MAX_WIDTH], ret[ATOMICS_MAX_WIDTH];
    for (long r = 1; r <= MP_ROUNDS; r++) {
        unsigned long spins = 0;
        double since = 0;
        while (__atomic_load_n(&t->ack, __ATOMIC_ACQUIRE) != r - 1) {
            sched_yield();
            if (stuck(++spins, &since))
                return NULL;
        }
        t->payload = 7 * r + 1;
        switch (t->publish) {
        case MP_STORE:
            num_put(v, num_small((uint64_t)r, t->width), t->width);
            t->ops->store(t->obj, v, t->pub);
            break;
        case MP_EXCHANGE:
            num_put(v, num_small((uint64_t)r, t->width), t->width);
            t->ops->exchange(t->obj, v, ret, t->pub);
            break;
        default:
            num_put(v, num_small(1, t->width), t->width);
            t->ops->fetch_add(t->obj, v, ret, t->pub);
            break;
        }
    }
    return NULL;
}

static void *mp_consumer(void *arg_) {
    struct mp_test *t = arg_;
    unsigned char v[ATOMICS_MAX_WIDTH];
    for (long r = 1; r <= MP_ROUNDS; r++) {
        unsigned long spins = 0;
        double since = 0;
        for (;;) {
            int seen;
            if (t->by_bit) {
                seen = t->ops->bit_test(t->obj, 0, t->acq) == (int)(r & 1);
            } else {
                t->ops->load(t->obj, v, t->acq);
                seen = num_low64(num_get(v, t->width)) == (uint64_t)r;
            }
            if (seen)
                break;
            sched_yield();
            if (stuck(++spins, &since)) {
                t->bad++;
                return NULL;
            }
        }
        if (t->payload != 7 * r + 1)
            t->bad++;
        __atomic_store_n(&t->ack, r, __ATOMIC_RELEASE);
    }
    return NULL;
}

static void test_publication(void) {
    static const struct {
        unsigned width;
        size_t offset;
    } placements[] = {{1, 0}, {2, 0}, {4, 0}, {8, 0}, {16, 0}, {3, 1}, {2, 3}, {5, 9}, {8, 4}, {11, 2}};
    static const struct {
        int op;
        int order;
    } pubs[] = {
        {MP_STORE, ATOMICS_RELEASE}, {MP_STORE, ATOMICS_SEQ_CST}, {MP_STORE, ATOMICS_CONSUME},
        {MP_STORE, ATOMICS_ACQUIRE}, {MP_STORE, ATOMICS_ACQ_REL}, {MP_STORE, 6},
        {MP_STORE, 100}, {MP_EXCHANGE, ATOMICS_RELEASE}, {MP_EXCHANGE, ATOMICS_ACQ_REL},
        {MP_EXCHANGE, ATOMICS_SEQ_CST}, {MP_EXCHANGE, 6}, {MP_FETCH_ADD, ATOMICS_RELEASE},
        {MP_FETCH_ADD, ATOMICS_ACQ_REL}, {MP_FETCH_ADD, ATOMICS_SEQ_CST}, {MP_FETCH_ADD, 100},
    };
    static const char *const pub_names[] = {"store", "exchange", "fetch_add"};
    /* waiting orders: the load orders, and the ones a load does not accept */
    static const int acqs[] = {ATOMICS_ACQUIRE, ATOMICS_CONSUME, ATOMICS_SEQ_CST,
                               ATOMICS_RELEASE, ATOMICS_ACQ_REL, 6, 100};
    const int n_pubs = sizeof pubs / sizeof pubs[0], n_acqs = sizeof acqs / sizeof acqs[0];
    static _Alignas(64) unsigned char mp_arena[64];

    for (size_t p = 0; p < sizeof placements / sizeof placements[0]; p++) {
        unsigned w = placements[p].width;
        size_t offset = placements[p].offset;
        if (!fits(offset, w, max_block()) || (UNDER_TSAN && offset % 8 + w > 8))
            continue;
        /* every publisher, every waiting order, each through load and bit_test */
        for (int i = 0; i < 2 * n_pubs; i++) {
            struct mp_test t;
            memset(&t, 0, sizeof t);
            memset(mp_arena, 0, sizeof mp_arena);
            t.obj = mp_arena + ARENA_OBJ + offset;
            t.width = w;
            t.ops = atomics_ops_for(t.obj, w, 0);
            t.publish = pubs[i % n_pubs].op;
            t.pub = (atomics_order)pubs[i % n_pubs].order;
            t.acq = (atomics_order)acqs[i % n_acqs];
            t.by_bit = i >= n_pubs;
            if (!check(t.ops != NULL, "publication: no table for width=%u offset=%zu", w, offset))
                break;
            pthread_t a, b;
            if (pthread_create(&a, NULL, mp_producer, &t) != 0 ||
                pthread_create(&b, NULL, mp_consumer, &t) != 0) {
                fprintf(stderr, "pthread_create failed\n");
                exit(2);
            }
            pthread_join(a, NULL);
            pthread_join(b, NULL);
            check(t.bad == 0 && t.ack == MP_ROUNDS,
                  "publication width=%u offset=%zu: %s(%s %d) then %s(%s %d): %lu bad rounds, "
                  "%ld acknowledged",
                  w, offset, pub_names[t.publish], order_name(t.pub), (int)t.pub,
                  t.by_bit ? "bit_test" : "load", order_name(t.acq), (int)t.acq, t.bad, t.ack);
        }
    }
}

/* ---- fences and the spin hint -------------------------------------------------------------------
 * What a single thread can check: every order is accepted (invalid ones act
 * as SEQ_CST), nothing is written, and the hint returns. The orders
 * themselves are the compiler's (__atomic_thread_fence); the Python litmus
 * tests exercise a SEQ_CST fence between threads. */
static void test_fences(void) {
    static _Alignas(16) unsigned char guard[16];
    fill(guard, sizeof guard, 6);
    for (int m = 0; m < NORDERS; m++) {
        atomics_thread_fence((atomics_order)test_orders[m]);
        atomics_signal_fence((atomics_order)test_orders[m]);
    }
    double started = now();
    for (int i = 0; i < 1000; i++)
        atomics_spin_pause();
    check(changed_byte(guard, sizeof guard, 6, 0, 0) < 0, "a fence wrote memory");
    check(now() - started < 1.0, "1000 spin pauses took %.3f s", now() - started);
}

/* ---- main ------------------------------------------------------------------------------------ */

static void section(const char *name, double started, unsigned long before) {
    printf("%-52s %9lu checks %7.2f s\n", name, n_passed + n_failed - before, now() - started);
    fflush(stdout);
}

#define SECTION(name, stmt)                                                    \
    do {                                                                       \
        double started_ = now();                                               \
        unsigned long before_ = n_passed + n_failed;                           \
        stmt;                                                                  \
        section(name, started_, before_);                                      \
    } while (0)

int main(void) {
    const unsigned detected = atomics_features();
    printf("features: CAS16=%d LOAD16=%d (%s%s%s)%s\n", !!(detected & ATOMICS_FEATURE_CAS16),
           !!(detected & ATOMICS_FEATURE_LOAD16), ATOMICS_ARCH_NAME,
           ATOMICS_CC_SUBWORD ? "" : ", 1 and 2 bytes by 4-byte CAS",
#if defined(__aarch64__)
           atomics_aarch64_has_lse() ? ", CAS16 by caspal" : ", CAS16 by ldaxp/stlxp",
#else
           "",
#endif
           UNDER_TSAN ? " (TSan)" : "");

    SECTION("operation table", test_op_table());
    SECTION("validators", test_validators());
    SECTION("fences and the spin hint", test_fences());
#if defined(__x86_64__)
    SECTION("x86-64 feature detection (vendor and cpuid bits)", test_x86_features());
#endif
    SECTION("queries (detected features)", test_queries("detected"));
    SECTION("matrix (detected features)", test_matrix(0));
    SECTION("unsupported placements touch nothing", test_unsupported_placement());
    SECTION("read-only page (detected features)", test_readonly("detected"));

    if (detected & ATOMICS_FEATURE_CAS16) {
        /* no atomic 16-byte loads: the read-only table of a 16-byte block is
         * empty, and the read-write one reads by CAS */
        atomics__set_features(ATOMICS_FEATURE_CAS16);
        check(atomics_features() == ATOMICS_FEATURE_CAS16, "atomics__set_features(CAS16) ignored");
        SECTION("queries (CAS16 without LOAD16)", test_queries("CAS16"));
        SECTION("matrix, 16-byte blocks (CAS16 without LOAD16)", test_matrix(1));
        SECTION("read-only page (CAS16 without LOAD16)", test_readonly("CAS16"));
    }
#if defined(__aarch64__)
    if ((detected & ATOMICS_FEATURE_CAS16) && !(detected & ATOMICS_FEATURE_LOAD16)) {
        /* Without LSE2 (qemu 7 has none) the ldp load is never chosen. Run
         * its code once, single-threaded, where it returns right values
         * even if not atomically: this checks the path, not atomicity. */
        atomics__set_features(ATOMICS_FEATURE_CAS16 | ATOMICS_FEATURE_LOAD16);
        SECTION("matrix, 16-byte blocks (LOAD16 forced: ldp path)", test_matrix(1));
        SECTION("read-only page (LOAD16 forced: ldp path)", test_readonly("LOAD16 forced"));
    }
#endif
    /* no 16-byte CAS: widths 9 to 16 and 16-byte blocks are unsupported */
    atomics__set_features(0);
    check(atomics_features() == 0, "atomics__set_features(0) ignored");
    SECTION("queries (no 16-byte operations)", test_queries("none"));
    SECTION("read-only page (no 16-byte operations)", test_readonly("none"));
    atomics__set_features(~0u);
    check(atomics_features() == detected, "atomics__set_features(~0u) did not restore detection");

    SECTION("threads", test_threads());
    SECTION("publication (release/acquire through the table)", test_publication());

    printf("%lu passed, %lu failed\n", n_passed, n_failed);
    return n_failed ? 1 : 0;
}
