/* block.c: every width from 2 to 16 at any placement that fits inside one
 * naturally aligned 2, 4, 8 or 16-byte block, including 16 bytes at natural
 * alignment. Loads read the whole block atomically; writes
 * compare-and-swap it, splicing the object's new bytes between the
 * untouched neighbours. The algorithms are written once over a 128-bit block
 * value held in two halves (no 128-bit integer type is needed); an X-macro
 * over the widths instantiates them with the width as a constant. */
#include "internal.h"

/* Debug builds stop where a caller broke the placement contract (no
 * <assert.h>: the freestanding compile checks for MSVC and macOS have none). */
#ifdef NDEBUG
#define ATOMICS_CONTRACT_BROKEN() ((void)0)
#elif defined(_MSC_VER)
#define ATOMICS_CONTRACT_BROKEN() __debugbreak()
#else
#define ATOMICS_CONTRACT_BROKEN() __builtin_trap()
#endif

/* ---- 128-bit arithmetic on two halves ------------------------------------- */

static inline atomics_wide wide(uint64_t lo, uint64_t hi) {
    atomics_wide r;
    r.lo = lo, r.hi = hi;
    return r;
}
static inline int wide_eq(atomics_wide a, atomics_wide b) { return a.lo == b.lo && a.hi == b.hi; }
static inline atomics_wide wide_or(atomics_wide a, atomics_wide b) { return wide(a.lo | b.lo, a.hi | b.hi); }
static inline atomics_wide wide_xor(atomics_wide a, atomics_wide b) { return wide(a.lo ^ b.lo, a.hi ^ b.hi); }
static inline atomics_wide wide_and(atomics_wide a, atomics_wide b) { return wide(a.lo & b.lo, a.hi & b.hi); }
static inline atomics_wide wide_not(atomics_wide a) { return wide(~a.lo, ~a.hi); }
static inline atomics_wide wide_add(atomics_wide a, atomics_wide b) {
    uint64_t lo = a.lo + b.lo;
    return wide(lo, a.hi + b.hi + (lo < a.lo));
}
static inline atomics_wide wide_sub(atomics_wide a, atomics_wide b) {
    return wide(a.lo - b.lo, a.hi - b.hi - (a.lo < b.lo));
}
/* n < 128 */
static inline atomics_wide wide_shl(atomics_wide a, unsigned n) {
    if (n == 0)
        return a;
    return n < 64 ? wide(a.lo << n, (a.hi << n) | (a.lo >> (64 - n))) : wide(0, a.lo << (n - 64));
}
static inline atomics_wide wide_shr(atomics_wide a, unsigned n) {
    if (n == 0)
        return a;
    return n < 64 ? wide((a.lo >> n) | (a.hi << (64 - n)), a.hi >> n) : wide(a.hi >> (n - 64), 0);
}
/* the low `bits` bits set, 0 < bits <= 128 */
static inline atomics_wide wide_ones(unsigned bits) {
    return bits <= 64 ? wide(~(uint64_t)0 >> (64 - bits), 0)
                      : wide(~(uint64_t)0, ~(uint64_t)0 >> (128 - bits));
}
static inline atomics_wide wide_bit(unsigned index) {
    return index < 64 ? wide((uint64_t)1 << index, 0) : wide(0, (uint64_t)1 << (index - 64));
}

/* ---- 16-byte blocks over the architecture's primitives ---------------------- */

static inline atomics_wide load16(const void *base) {
    if (atomics_features() & ATOMICS_FEATURE_LOAD16)
        return atomics_arch_load16(base);
    /* a CAS that finds anything but zero writes back what it read, so it
     * reads atomically; only for writable memory (the read-only tables of
     * 16-byte blocks are empty without LOAD16) */
    atomics_wide v = wide(0, 0);
    atomics_arch_cas16((void *)base, &v, v);
    return v;
}

/* ---- blocks ------------------------------------------------------------------- */

typedef struct block {
    void *base;          /* naturally aligned */
    unsigned size;       /* 2, 4, 8 or 16 */
    unsigned shift;      /* bit position of the object inside the block value */
    atomics_wide mask;   /* the object's bits, before shifting */
    atomics_wide placed; /* the object's bits inside the block value */
} block;

/* The smallest aligned block holding [addr, addr + width), or 0 when the
 * object crosses every block (a placement atomics_ops_for refuses). */
static inline unsigned block_size(uintptr_t addr, unsigned width) {
    for (unsigned size = 2; size <= 16; size *= 2)
        if (size >= width && (addr & (size - 1)) + width <= size)
            return size;
    return 0;
}

/* The object's block. A placement no block holds yields size 0 and a null
 * base: every entry point below then returns at once without touching
 * memory (and a debug build stops here), because no address derived from
 * such a placement is the object's. Callers reach this only by calling a
 * table entry at an address atomics_ops_for would have refused. */
static inline block locate(const void *obj, unsigned width) {
    uintptr_t addr = (uintptr_t)obj;
    block b;
    b.size = block_size(addr, width);
    if (b.size == 0) {
        ATOMICS_CONTRACT_BROKEN(); /* an object across every block reached the block path */
        memset(&b, 0, sizeof b);
        return b;
    }
    unsigned offset = (unsigned)(addr & (b.size - 1));
    b.base = (void *)(addr - offset);
    b.shift = 8 * (ATOMICS_LITTLE_ENDIAN ? offset : b.size - offset - width);
    b.mask = wide_ones(8 * width);
    b.placed = wide_shl(b.mask, b.shift);
    return b;
}

/* The block may reach past the end of the buffer that holds the object (a
 * 5-byte bytearray lives in 6 bytes, its block has 8). That is by design: an
 * aligned block never crosses a page, and the bytes outside the object are
 * only read, or written back unchanged by a successful CAS. AddressSanitizer
 * would report those accesses as overflows, so the two functions that touch
 * the block are not instrumented. */
ATOMICS_NO_ASAN
static inline atomics_wide block_load(const block *b, atomics_order mo) {
    switch (b->size) {
    case 2: {
        atomics_u16 v;
        ATOMICS_SWITCH_LOAD(mo, v = atomics_cc_load_2(b->base, MO))
        return wide(v, 0);
    }
    case 4: {
        atomics_u32 v;
        ATOMICS_SWITCH_LOAD(mo, v = atomics_cc_load_4(b->base, MO))
        return wide(v, 0);
    }
    case 8: {
        atomics_u64 v;
        ATOMICS_SWITCH_LOAD(mo, v = atomics_cc_load_8(b->base, MO))
        return wide(v, 0);
    }
    default:
        return load16(b->base);
    }
}

#define ATOMICS_BLOCK_CAS_(N, T)                                               \
    {                                                                          \
        T e = (T)expected->lo;                                                 \
        int ok;                                                                \
        ATOMICS_SWITCH_CAS(succ, fail,                                         \
                           ok = atomics_cc_cas_##N(b->base, &e, (T)desired.lo, 0, S, F)) \
        *expected = wide(e, 0);                                                \
        return ok;                                                             \
    }

/* Strong CAS of the whole block; on failure *expected is the block seen. */
ATOMICS_NO_ASAN
static inline int block_cas(const block *b, atomics_wide *expected, atomics_wide desired,
                            atomics_order succ, atomics_order fail) {
    switch (b->size) {
    case 2:
        ATOMICS_BLOCK_CAS_(2, atomics_u16)
    case 4:
        ATOMICS_BLOCK_CAS_(4, atomics_u32)
    case 8:
        ATOMICS_BLOCK_CAS_(8, atomics_u64)
    default:
        return atomics_arch_cas16(b->base, expected, desired);
    }
}
#undef ATOMICS_BLOCK_CAS_

static inline atomics_wide block_get(const block *b, atomics_wide whole) {
    return wide_and(wide_shr(whole, b->shift), b->mask);
}

static inline atomics_wide block_put(const block *b, atomics_wide whole, atomics_wide value) {
    return wide_or(wide_and(whole, wide_not(b->placed)),
                   wide_shl(wide_and(value, b->mask), b->shift));
}

/* ---- values as `width` native-endian bytes -------------------------------- */

static inline atomics_wide get_value(const void *p, unsigned width) {
    unsigned char buf[16] = {0};
    uint64_t first, second;
    memcpy(buf + (ATOMICS_LITTLE_ENDIAN ? 0 : 16 - width), p, width);
    memcpy(&first, buf, 8);
    memcpy(&second, buf + 8, 8);
    return ATOMICS_LITTLE_ENDIAN ? wide(first, second) : wide(second, first);
}

static inline void put_value(void *p, atomics_wide v, unsigned width) {
    unsigned char buf[16];
    uint64_t first = ATOMICS_LITTLE_ENDIAN ? v.lo : v.hi, second = ATOMICS_LITTLE_ENDIAN ? v.hi : v.lo;
    memcpy(buf, &first, 8);
    memcpy(buf + 8, &second, 8);
    memcpy(p, buf + (ATOMICS_LITTLE_ENDIAN ? 0 : 16 - width), width);
}

/* ---- the algorithms ----------------------------------------------------------- */

enum rmw {
    RMW_SET, RMW_OR, RMW_XOR, RMW_AND, RMW_NOT, RMW_ADD, RMW_SUB, RMW_NEG,
    RMW_MAX_S, RMW_MAX_U, RMW_MIN_S, RMW_MIN_U
};

static inline int wide_lt(atomics_wide a, atomics_wide b) {
    return a.hi < b.hi || (a.hi == b.hi && a.lo < b.lo);
}

/* a < b for values of `width` bytes (zero above), as signed integers: the
 * unsigned order once the sign bit is flipped */
static inline int wide_lt_signed(atomics_wide a, atomics_wide b, unsigned width) {
    atomics_wide sign = wide_bit(8 * width - 1);
    return wide_lt(wide_xor(a, sign), wide_xor(b, sign));
}

static inline atomics_wide apply(enum rmw op, atomics_wide old, atomics_wide arg, unsigned width) {
    switch (op) {
    case RMW_MAX_S: return wide_lt_signed(old, arg, width) ? arg : old;
    case RMW_MAX_U: return wide_lt(old, arg) ? arg : old;
    case RMW_MIN_S: return wide_lt_signed(arg, old, width) ? arg : old;
    case RMW_MIN_U: return wide_lt(arg, old) ? arg : old;
    case RMW_SET: return arg;
    case RMW_OR: return wide_or(old, arg);
    case RMW_XOR: return wide_xor(old, arg);
    case RMW_AND: return wide_and(old, arg);
    case RMW_NOT: return wide_not(old);
    case RMW_ADD: return wide_add(old, arg);
    case RMW_SUB: return wide_sub(old, arg);
    default: return wide_sub(wide(0, 0), old); /* RMW_NEG */
    }
}

/* Replaces the object's value by apply(op, old, arg) and returns old. */
static inline atomics_wide block_rmw(void *obj, unsigned width, enum rmw op,
                                     atomics_wide arg, atomics_order mo) {
    block b = locate(obj, width);
    if (b.size == 0)
        return wide(0, 0);
    atomics_wide whole = block_load(&b, ATOMICS_RELAXED), old;
    do {
        old = block_get(&b, whole);
    } while (!block_cas(&b, &whole, block_put(&b, whole, apply(op, old, arg, width)), mo,
                        ATOMICS_RELAXED));
    return old;
}

static inline int block_cmpxchg(void *obj, unsigned width, void *expected,
                                const void *desired, atomics_order succ, atomics_order fail) {
    block b = locate(obj, width);
    if (b.size == 0)
        return 0; /* nothing compared, nothing written: `expected` stays */
    atomics_wide want = get_value(expected, width), value = get_value(desired, width);
    atomics_wide whole = block_load(&b, fail);
    for (;;) {
        atomics_wide seen = block_get(&b, whole);
        if (!wide_eq(seen, want)) {
            put_value(expected, seen, width);
            return 0;
        }
        /* a failure caused only by the neighbours is retried, so weak never
         * fails spuriously here */
        if (block_cas(&b, &whole, block_put(&b, whole, value), succ, fail))
            return 1;
    }
}

/* bit `index` of the value returned by block_rmw or block_get */
static inline int bit_of(atomics_wide v, unsigned index) {
    return ((index < 64 ? v.lo >> index : v.hi >> (index - 64)) & 1) != 0;
}

/* Defines the 35 entry points of width W as SC PREFIX<op>_W (SC: storage class). */
#define ATOMICS_DEFINE_BLOCK(SC, P, W)                                                 \
    SC void P##store_##W(void *obj, const void *desired, atomics_order mo) {           \
        /* a CAS would take CONSUME or ACQUIRE as an acquire-only RMW,                 \
         * which does not release at all: any order a store does not                   \
         * accept becomes SEQ_CST, as ATOMICS_SWITCH_STORE does */                     \
        if (mo != ATOMICS_RELAXED && mo != ATOMICS_RELEASE)                            \
            mo = ATOMICS_SEQ_CST;                                                      \
        block_rmw(obj, W, RMW_SET, get_value(desired, W), mo);                         \
    }                                                                                  \
    SC void P##load_##W(const void *obj, void *ret, atomics_order mo) {                \
        block b = locate(obj, W);                                                      \
        put_value(ret, b.size ? block_get(&b, block_load(&b, mo)) : wide(0, 0), W);    \
    }                                                                                  \
    SC void P##exchange_##W(void *obj, const void *desired, void *ret,                 \
                            atomics_order mo) {                                        \
        put_value(ret, block_rmw(obj, W, RMW_SET, get_value(desired, W), mo), W);      \
    }                                                                                  \
    SC int P##cmpxchg_weak_##W(void *obj, void *expected, const void *desired,         \
                               atomics_order succ, atomics_order fail) {               \
        return block_cmpxchg(obj, W, expected, desired, succ, fail);                   \
    }                                                                                  \
    SC int P##cmpxchg_strong_##W(void *obj, void *expected, const void *desired,       \
                                 atomics_order succ, atomics_order fail) {             \
        return block_cmpxchg(obj, W, expected, desired, succ, fail);                   \
    }                                                                                  \
    SC int P##bit_test_##W(const void *obj, unsigned index, atomics_order mo) {        \
        block b = locate(obj, W);                                                      \
        return b.size && bit_of(block_get(&b, block_load(&b, mo)), index);             \
    }                                                                                  \
    SC int P##bit_test_compl_##W(void *obj, unsigned index, atomics_order mo) {        \
        return bit_of(block_rmw(obj, W, RMW_XOR, wide_bit(index), mo), index); \
    }                                                                                  \
    SC int P##bit_test_set_##W(void *obj, unsigned index, atomics_order mo) {          \
        return bit_of(block_rmw(obj, W, RMW_OR, wide_bit(index), mo), index); \
    }                                                                                  \
    SC int P##bit_test_reset_##W(void *obj, unsigned index, atomics_order mo) {        \
        return bit_of(block_rmw(obj, W, RMW_AND, wide_not(wide_bit(index)), mo), index); \
    }                                                                                  \
    ATOMICS_BLOCK_BINARY_(SC, P, W, bin_fetch_or, bin_or, RMW_OR)                      \
    ATOMICS_BLOCK_BINARY_(SC, P, W, bin_fetch_xor, bin_xor, RMW_XOR)                   \
    ATOMICS_BLOCK_BINARY_(SC, P, W, bin_fetch_and, bin_and, RMW_AND)                   \
    ATOMICS_BLOCK_BINARY_(SC, P, W, fetch_add, add, RMW_ADD)                           \
    ATOMICS_BLOCK_BINARY_(SC, P, W, fetch_sub, sub, RMW_SUB)                           \
    ATOMICS_BLOCK_UNARY_(SC, P, W, bin_fetch_not, bin_not, RMW_NOT, wide(0, 0))                 \
    ATOMICS_BLOCK_UNARY_(SC, P, W, fetch_inc, inc, RMW_ADD, wide(1, 0))                         \
    ATOMICS_BLOCK_UNARY_(SC, P, W, fetch_dec, dec, RMW_SUB, wide(1, 0))                         \
    ATOMICS_BLOCK_UNARY_(SC, P, W, fetch_neg, neg, RMW_NEG, wide(0, 0))                         \
    ATOMICS_BLOCK_BINARY_(SC, P, W, fetch_max_s, max_s, RMW_MAX_S)                     \
    ATOMICS_BLOCK_BINARY_(SC, P, W, fetch_max_u, max_u, RMW_MAX_U)                     \
    ATOMICS_BLOCK_BINARY_(SC, P, W, fetch_min_s, min_s, RMW_MIN_S)                     \
    ATOMICS_BLOCK_BINARY_(SC, P, W, fetch_min_u, min_u, RMW_MIN_U)

#define ATOMICS_BLOCK_BINARY_(SC, P, W, fetch_name, name, op)                          \
    SC void P##fetch_name##_##W(void *obj, const void *arg, void *ret,                 \
                                atomics_order mo) {                                    \
        put_value(ret, block_rmw(obj, W, op, get_value(arg, W), mo), W);               \
    }                                                                                  \
    SC void P##name##_##W(void *obj, const void *arg, atomics_order mo) {              \
        block_rmw(obj, W, op, get_value(arg, W), mo);                                  \
    }

#define ATOMICS_BLOCK_UNARY_(SC, P, W, fetch_name, name, op, operand)                  \
    SC void P##fetch_name##_##W(void *obj, void *ret, atomics_order mo) {              \
        put_value(ret, block_rmw(obj, W, op, operand, mo), W);                         \
    }                                                                                  \
    SC void P##name##_##W(void *obj, atomics_order mo) { block_rmw(obj, W, op, operand, mo); }

/* X(storage class, name prefix, width) for every block width: static
 * block_<op>_W behind the table, and 16 also exported as atomics_<op>_16. */
#define ATOMICS_BLOCK_WIDTHS(X)                                                        \
    X(static, block_, 2) X(static, block_, 3) X(static, block_, 4)                     \
    X(static, block_, 5) X(static, block_, 6) X(static, block_, 7)                     \
    X(static, block_, 8) X(static, block_, 9) X(static, block_, 10)                    \
    X(static, block_, 11) X(static, block_, 12) X(static, block_, 13)                  \
    X(static, block_, 14) X(static, block_, 15) X(, atomics_, 16)

ATOMICS_BLOCK_WIDTHS(ATOMICS_DEFINE_BLOCK)

#define ATOMICS_BLOCK_RW_(SC, P, W) [W] = ATOMICS_OPS_INIT_RW(P, W),
#define ATOMICS_BLOCK_RO_(SC, P, W) [W] = ATOMICS_OPS_INIT_RO(P, W),
const atomics_ops atomics__block_rw[ATOMICS_MAX_WIDTH + 1] = {ATOMICS_BLOCK_WIDTHS(ATOMICS_BLOCK_RW_)};
const atomics_ops atomics__block_ro[ATOMICS_MAX_WIDTH + 1] = {ATOMICS_BLOCK_WIDTHS(ATOMICS_BLOCK_RO_)};

#undef ATOMICS_BLOCK_RW_
#undef ATOMICS_BLOCK_RO_
#undef ATOMICS_BLOCK_WIDTHS
#undef ATOMICS_BLOCK_UNARY_
#undef ATOMICS_BLOCK_BINARY_
#undef ATOMICS_DEFINE_BLOCK
