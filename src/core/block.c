/* block.c: every width from 2 to 16 at any placement that fits inside one
 * naturally aligned 2, 4, 8 or 16-byte block, including 16 bytes at natural
 * alignment. Loads read the whole block atomically; writes compare-and-swap
 * it, splicing the object's new bytes between the untouched neighbours. The
 * algorithms are written once over a 128-bit block value; an X-macro over
 * the widths instantiates them with the width as a constant. */
#include "internal.h"

/* ---- 16-byte primitives ----------------------------------------------------- */

#if defined(__x86_64__)
int atomics__cas16(void *obj, atomics_u128 *expected, atomics_u128 desired) {
    uint64_t lo = (uint64_t)*expected, hi = (uint64_t)(*expected >> 64);
    unsigned char ok;
    /* Written by hand: the compiler would send a 16-byte __atomic through
     * libatomic, which may take a lock. lock cmpxchg16b is a full barrier, so
     * it serves every memory order. */
    __asm__ __volatile__("lock cmpxchg16b %1\n\tsete %0"
                         : "=q"(ok), "+m"(*(volatile atomics_u128 *)obj), "+a"(lo), "+d"(hi)
                         : "b"((uint64_t)desired), "c"((uint64_t)(desired >> 64))
                         : "memory", "cc");
    if (!ok)
        *expected = ((atomics_u128)hi << 64) | lo;
    return ok;
}

atomics_u128 atomics__load16(const void *obj) {
    if (atomics_features() & ATOMICS_FEATURE_LOAD16) {
        /* Processors that enumerate AVX guarantee that an aligned 16-byte
         * (v)movdqa is a single atomic access (Intel SDM vol. 3A 9.1.1; AMD
         * APM vol. 2 7.3.2). x86 loads are never reordered with older loads,
         * so the plain instruction is already SEQ_CST on the load side. */
        atomics_u128 v;
        __asm__ __volatile__("movdqa %1, %%xmm0\n\tmovdqu %%xmm0, %0"
                             : "=m"(v)
                             : "m"(*(const volatile atomics_u128 *)obj)
                             : "xmm0", "memory");
        return v;
    }
    atomics_u128 v = 0;
    atomics__cas16((void *)obj, &v, 0); /* writes back what it read */
    return v;
}
#else
int atomics__cas16(void *obj, atomics_u128 *expected, atomics_u128 desired) {
    (void)obj, (void)expected, (void)desired;
    __builtin_trap(); /* unreachable: ATOMICS_FEATURE_CAS16 is never reported */
}
atomics_u128 atomics__load16(const void *obj) {
    (void)obj;
    __builtin_trap();
}
#endif

/* ---- blocks ------------------------------------------------------------------- */

typedef struct block {
    void *base;         /* naturally aligned */
    unsigned size;      /* 2, 4, 8 or 16 */
    unsigned shift;     /* bit position of the object inside the block value */
    atomics_u128 mask;  /* the object's bits, before shifting */
} block;

/* The smallest aligned block holding [addr, addr + width), or 0. */
static inline unsigned block_size(uintptr_t addr, unsigned width) {
    for (unsigned size = 2; size <= 16; size *= 2)
        if (size >= width && (addr & (size - 1)) + width <= size)
            return size;
    return 0;
}

static inline block locate(const void *obj, unsigned width) {
    uintptr_t addr = (uintptr_t)obj;
    block b;
    b.size = block_size(addr, width);
    unsigned offset = (unsigned)(addr & (b.size - 1));
    b.base = (void *)(addr - offset);
    b.shift = 8 * (ATOMICS_LITTLE_ENDIAN ? offset : b.size - offset - width);
    b.mask = width == 16 ? ~(atomics_u128)0 : (((atomics_u128)1 << (8 * width)) - 1);
    return b;
}

/* The block may reach past the end of the buffer that holds the object (a
 * 5-byte bytearray lives in 6 bytes, its block has 8). That is by design: an
 * aligned block never crosses a page, and the bytes outside the object are
 * only read, or written back unchanged by a successful CAS. AddressSanitizer
 * would report those accesses as overflows, so the two functions that touch
 * the block are not instrumented. */
#if defined(__SANITIZE_ADDRESS__)
#define ATOMICS_BLOCK_ACCESS_ __attribute__((no_sanitize_address))
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ATOMICS_BLOCK_ACCESS_ __attribute__((no_sanitize_address))
#endif
#endif
#ifndef ATOMICS_BLOCK_ACCESS_
#define ATOMICS_BLOCK_ACCESS_
#endif

ATOMICS_BLOCK_ACCESS_
static inline atomics_u128 block_load(const block *b, atomics_order mo) {
    switch (b->size) {
    case 2: {
        atomics_u16 v;
        ATOMICS_SWITCH_LOAD(mo, v = __atomic_load_n((const atomics_u16 *)b->base, MO))
        return v;
    }
    case 4: {
        atomics_u32 v;
        ATOMICS_SWITCH_LOAD(mo, v = __atomic_load_n((const atomics_u32 *)b->base, MO))
        return v;
    }
    case 8: {
        atomics_u64 v;
        ATOMICS_SWITCH_LOAD(mo, v = __atomic_load_n((const atomics_u64 *)b->base, MO))
        return v;
    }
    default:
        return atomics__load16(b->base);
    }
}

#define ATOMICS_BLOCK_CAS_(T)                                                  \
    {                                                                          \
        T e = (T)*expected;                                                    \
        int ok;                                                                \
        ATOMICS_SWITCH_CAS(succ, fail,                                         \
                           ok = __atomic_compare_exchange_n((T *)b->base, &e,  \
                                                            (T)desired, 0, S, F)) \
        *expected = e;                                                         \
        return ok;                                                             \
    }

/* Strong CAS of the whole block; on failure *expected is the block seen. */
ATOMICS_BLOCK_ACCESS_
static inline int block_cas(const block *b, atomics_u128 *expected, atomics_u128 desired,
                            atomics_order succ, atomics_order fail) {
    switch (b->size) {
    case 2:
        ATOMICS_BLOCK_CAS_(atomics_u16)
    case 4:
        ATOMICS_BLOCK_CAS_(atomics_u32)
    case 8:
        ATOMICS_BLOCK_CAS_(atomics_u64)
    default:
        return atomics__cas16(b->base, expected, desired);
    }
}
#undef ATOMICS_BLOCK_CAS_
#undef ATOMICS_BLOCK_ACCESS_

static inline atomics_u128 block_get(const block *b, atomics_u128 whole) {
    return (whole >> b->shift) & b->mask;
}

static inline atomics_u128 block_put(const block *b, atomics_u128 whole, atomics_u128 value) {
    return (whole & ~(b->mask << b->shift)) | ((value & b->mask) << b->shift);
}

/* ---- values as `width` native-endian bytes -------------------------------- */

static inline atomics_u128 get_value(const void *p, unsigned width) {
    atomics_u128 v = 0;
    memcpy((unsigned char *)&v + (ATOMICS_LITTLE_ENDIAN ? 0 : 16 - width), p, width);
    return v;
}

static inline void put_value(void *p, atomics_u128 v, unsigned width) {
    memcpy(p, (const unsigned char *)&v + (ATOMICS_LITTLE_ENDIAN ? 0 : 16 - width), width);
}

/* ---- the algorithms ----------------------------------------------------------- */

enum rmw { RMW_SET, RMW_OR, RMW_XOR, RMW_AND, RMW_NOT, RMW_ADD, RMW_SUB, RMW_NEG };

static inline atomics_u128 apply(enum rmw op, atomics_u128 old, atomics_u128 arg) {
    switch (op) {
    case RMW_SET: return arg;
    case RMW_OR: return old | arg;
    case RMW_XOR: return old ^ arg;
    case RMW_AND: return old & arg;
    case RMW_NOT: return ~old;
    case RMW_ADD: return old + arg;
    case RMW_SUB: return old - arg;
    default: return -old; /* RMW_NEG */
    }
}

/* Replaces the object's value by apply(op, old, arg) and returns old. */
static inline atomics_u128 block_rmw(void *obj, unsigned width, enum rmw op,
                                     atomics_u128 arg, atomics_order mo) {
    block b = locate(obj, width);
    atomics_u128 whole = block_load(&b, ATOMICS_RELAXED), old;
    do {
        old = block_get(&b, whole);
    } while (!block_cas(&b, &whole, block_put(&b, whole, apply(op, old, arg)), mo,
                        ATOMICS_RELAXED));
    return old;
}

static inline int block_cmpxchg(void *obj, unsigned width, void *expected,
                                const void *desired, atomics_order succ, atomics_order fail) {
    block b = locate(obj, width);
    atomics_u128 want = get_value(expected, width), value = get_value(desired, width);
    atomics_u128 whole = block_load(&b, fail);
    for (;;) {
        atomics_u128 seen = block_get(&b, whole);
        if (seen != want) {
            put_value(expected, seen, width);
            return 0;
        }
        /* a failure caused only by the neighbours is retried, so weak never
         * fails spuriously here */
        if (block_cas(&b, &whole, block_put(&b, whole, value), succ, fail))
            return 1;
    }
}

static inline atomics_u128 bit_mask(unsigned index) {
    return (atomics_u128)1 << index;
}

/* Defines the 27 entry points of width W as SC PREFIX<op>_W (SC: storage class). */
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
        put_value(ret, block_get(&b, block_load(&b, mo)), W);                          \
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
        return (block_get(&b, block_load(&b, mo)) & bit_mask(index)) != 0;          \
    }                                                                                  \
    SC int P##bit_test_compl_##W(void *obj, unsigned index, atomics_order mo) {        \
        return (block_rmw(obj, W, RMW_XOR, bit_mask(index), mo) & bit_mask(index)) != 0; \
    }                                                                                  \
    SC int P##bit_test_set_##W(void *obj, unsigned index, atomics_order mo) {          \
        return (block_rmw(obj, W, RMW_OR, bit_mask(index), mo) & bit_mask(index)) != 0; \
    }                                                                                  \
    SC int P##bit_test_reset_##W(void *obj, unsigned index, atomics_order mo) {        \
        return (block_rmw(obj, W, RMW_AND, ~bit_mask(index), mo) & bit_mask(index)) != 0; \
    }                                                                                  \
    ATOMICS_BLOCK_BINARY_(SC, P, W, bin_fetch_or, bin_or, RMW_OR)                      \
    ATOMICS_BLOCK_BINARY_(SC, P, W, bin_fetch_xor, bin_xor, RMW_XOR)                   \
    ATOMICS_BLOCK_BINARY_(SC, P, W, bin_fetch_and, bin_and, RMW_AND)                   \
    ATOMICS_BLOCK_BINARY_(SC, P, W, fetch_add, add, RMW_ADD)                           \
    ATOMICS_BLOCK_BINARY_(SC, P, W, fetch_sub, sub, RMW_SUB)                           \
    ATOMICS_BLOCK_UNARY_(SC, P, W, bin_fetch_not, bin_not, RMW_NOT, 0)                 \
    ATOMICS_BLOCK_UNARY_(SC, P, W, fetch_inc, inc, RMW_ADD, 1)                         \
    ATOMICS_BLOCK_UNARY_(SC, P, W, fetch_dec, dec, RMW_SUB, 1)                         \
    ATOMICS_BLOCK_UNARY_(SC, P, W, fetch_neg, neg, RMW_NEG, 0)

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

/* Widths 2 to 15 exist only behind the table; 16 is also exported by name. */
#define ATOMICS_BLOCK_WIDTHS(X)                                                        \
    X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) X(13) X(14) X(15)

#define ATOMICS_DEFINE_BLOCK_STATIC_(W) ATOMICS_DEFINE_BLOCK(static, block_, W)
ATOMICS_BLOCK_WIDTHS(ATOMICS_DEFINE_BLOCK_STATIC_)
ATOMICS_DEFINE_BLOCK(, atomics_, 16)

#define ATOMICS_BLOCK_RW_(W) [W] = ATOMICS_OPS_INIT_RW(block_, W),
#define ATOMICS_BLOCK_RO_(W) [W] = ATOMICS_OPS_INIT_RO(block_, W),
const atomics_ops atomics__block_rw[ATOMICS_MAX_WIDTH + 1] = {
    ATOMICS_BLOCK_WIDTHS(ATOMICS_BLOCK_RW_)[16] = ATOMICS_OPS_INIT_RW(atomics_, 16)};
const atomics_ops atomics__block_ro[ATOMICS_MAX_WIDTH + 1] = {
    ATOMICS_BLOCK_WIDTHS(ATOMICS_BLOCK_RO_)[16] = ATOMICS_OPS_INIT_RO(atomics_, 16)};

#undef ATOMICS_BLOCK_RW_
#undef ATOMICS_BLOCK_RO_
#undef ATOMICS_DEFINE_BLOCK_STATIC_
#undef ATOMICS_BLOCK_WIDTHS
#undef ATOMICS_BLOCK_UNARY_
#undef ATOMICS_BLOCK_BINARY_
#undef ATOMICS_DEFINE_BLOCK
