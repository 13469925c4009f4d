/* native.c: widths 1, 2, 4 and 8 at natural alignment, straight onto the
 * compiler layer (compiler.h). One X-macro list of widths generates every
 * entry point; nothing here is written per width. */
#include "internal.h"

/* X(width, aliasing integer type) */
#define ATOMICS_NATIVE_WIDTHS(X)                                                       \
    X(1, atomics_u8)                                                                   \
    X(2, atomics_u16)                                                                  \
    X(4, atomics_u32)                                                                  \
    X(8, atomics_u64)

/* Operands and results travel as `width` native-endian bytes, which for these
 * widths is exactly the integer's own representation. */
#define ATOMICS_DEFINE_NATIVE(N, T)                                                    \
    static inline T get_##N(const void *p) {                                           \
        T v;                                                                           \
        memcpy(&v, p, N);                                                              \
        return v;                                                                      \
    }                                                                                  \
    static inline void put_##N(void *p, T v) { memcpy(p, &v, N); }                     \
    static inline T bit_##N(unsigned i) { return (T)((T)1 << i); }                     \
    /* signed order is unsigned order with the sign bit flipped */                     \
    static inline T max_s_##N(T a, T b) {                                              \
        return (T)(a ^ bit_##N(8 * N - 1)) >= (T)(b ^ bit_##N(8 * N - 1)) ? a : b;     \
    }                                                                                  \
    static inline T min_s_##N(T a, T b) {                                              \
        return (T)(a ^ bit_##N(8 * N - 1)) <= (T)(b ^ bit_##N(8 * N - 1)) ? a : b;     \
    }                                                                                  \
    static inline T max_u_##N(T a, T b) { return a >= b ? a : b; }                     \
    static inline T min_u_##N(T a, T b) { return a <= b ? a : b; }                     \
                                                                                       \
    void atomics_store_##N(void *obj, const void *desired, atomics_order mo) {         \
        T v = get_##N(desired);                                                        \
        ATOMICS_SWITCH_STORE(mo, atomics_cc_store_##N(obj, v, MO))                     \
    }                                                                                  \
    void atomics_load_##N(const void *obj, void *ret, atomics_order mo) {              \
        T r;                                                                           \
        ATOMICS_SWITCH_LOAD(mo, r = atomics_cc_load_##N(obj, MO))                      \
        put_##N(ret, r);                                                               \
    }                                                                                  \
    void atomics_exchange_##N(void *obj, const void *desired, void *ret,               \
                              atomics_order mo) {                                      \
        T v = get_##N(desired), r;                                                     \
        ATOMICS_SWITCH_RMW(mo, r = atomics_cc_exchange_##N(obj, v, MO))                \
        put_##N(ret, r);                                                               \
    }                                                                                  \
    static inline int cmpxchg_##N(void *obj, void *expected, const void *desired,      \
                                  int weak, atomics_order succ, atomics_order fail) {  \
        T e = get_##N(expected), d = get_##N(desired);                                 \
        int ok;                                                                        \
        ATOMICS_SWITCH_CAS(succ, fail,                                                 \
                           ok = atomics_cc_cas_##N(obj, &e, d, weak, S, F))            \
        if (!ok)                                                                       \
            put_##N(expected, e);                                                      \
        return ok;                                                                     \
    }                                                                                  \
    int atomics_cmpxchg_weak_##N(void *obj, void *expected, const void *desired,       \
                                 atomics_order succ, atomics_order fail) {             \
        return cmpxchg_##N(obj, expected, desired, 1, succ, fail);                     \
    }                                                                                  \
    int atomics_cmpxchg_strong_##N(void *obj, void *expected, const void *desired,     \
                                   atomics_order succ, atomics_order fail) {           \
        return cmpxchg_##N(obj, expected, desired, 0, succ, fail);                     \
    }                                                                                  \
    int atomics_bit_test_##N(const void *obj, unsigned index, atomics_order mo) {      \
        T r;                                                                           \
        ATOMICS_SWITCH_LOAD(mo, r = atomics_cc_load_##N(obj, MO))                      \
        return (r & bit_##N(index)) != 0;                                              \
    }                                                                                  \
    int atomics_bit_test_compl_##N(void *obj, unsigned index, atomics_order mo) {      \
        T m = bit_##N(index), r;                                                       \
        ATOMICS_SWITCH_RMW(mo, r = atomics_cc_fetch_xor_##N(obj, m, MO))               \
        return (r & m) != 0;                                                           \
    }                                                                                  \
    int atomics_bit_test_set_##N(void *obj, unsigned index, atomics_order mo) {        \
        T m = bit_##N(index), r;                                                       \
        ATOMICS_SWITCH_RMW(mo, r = atomics_cc_fetch_or_##N(obj, m, MO))                \
        return (r & m) != 0;                                                           \
    }                                                                                  \
    int atomics_bit_test_reset_##N(void *obj, unsigned index, atomics_order mo) {      \
        T m = bit_##N(index), r;                                                       \
        ATOMICS_SWITCH_RMW(mo, r = atomics_cc_fetch_and_##N(obj, (T)~m, MO))           \
        return (r & m) != 0;                                                           \
    }                                                                                  \
    ATOMICS_NATIVE_FETCH_(N, T, bin_fetch_or, bin_or, fetch_or)                        \
    ATOMICS_NATIVE_FETCH_(N, T, bin_fetch_xor, bin_xor, fetch_xor)                     \
    ATOMICS_NATIVE_FETCH_(N, T, bin_fetch_and, bin_and, fetch_and)                     \
    ATOMICS_NATIVE_FETCH_(N, T, fetch_add, add, fetch_add)                             \
    ATOMICS_NATIVE_FETCH_(N, T, fetch_sub, sub, fetch_sub)                             \
    ATOMICS_NATIVE_UNARY_(N, T, bin_fetch_not, bin_not, fetch_xor, (T)~(T)0)           \
    ATOMICS_NATIVE_UNARY_(N, T, fetch_inc, inc, fetch_add, (T)1)                       \
    ATOMICS_NATIVE_UNARY_(N, T, fetch_dec, dec, fetch_sub, (T)1)                       \
    void atomics_fetch_neg_##N(void *obj, void *ret, atomics_order mo) {               \
        T old = atomics_cc_load_##N(obj, ATOMICS_RELAXED);                             \
        /* no instruction negates in place: CAS until nobody wrote in between */       \
        ATOMICS_SWITCH_RMW(mo, while (!atomics_cc_cas_##N(obj, &old, (T)(0u - old), 1, MO, \
                                                          ATOMICS_RELAXED)) {})        \
        put_##N(ret, old);                                                             \
    }                                                                                  \
    void atomics_neg_##N(void *obj, atomics_order mo) {                                \
        T ignored;                                                                     \
        atomics_fetch_neg_##N(obj, &ignored, mo);                                      \
    }                                                                                  \
    ATOMICS_NATIVE_CAS_LOOP_(N, T, max_s)                                              \
    ATOMICS_NATIVE_CAS_LOOP_(N, T, max_u)                                              \
    ATOMICS_NATIVE_CAS_LOOP_(N, T, min_s)                                              \
    ATOMICS_NATIVE_CAS_LOOP_(N, T, min_u)

/* fetch_OP(obj, arg, ret, mo) and OP(obj, arg, mo) by a CAS loop over OP_N(old,
 * arg): no instruction the compiler layer offers does max or min. The loop
 * ends with a successful CAS even when the value stays, so the operation is a
 * read-modify-write with order mo in every case. */
#define ATOMICS_NATIVE_CAS_LOOP_(N, T, name)                                           \
    void atomics_fetch_##name##_##N(void *obj, const void *arg, void *ret,             \
                                    atomics_order mo) {                                \
        T v = get_##N(arg), old = atomics_cc_load_##N(obj, ATOMICS_RELAXED);           \
        ATOMICS_SWITCH_RMW(mo, while (!atomics_cc_cas_##N(obj, &old, name##_##N(old, v), 1, \
                                                          MO, ATOMICS_RELAXED)) {})    \
        put_##N(ret, old);                                                             \
    }                                                                                  \
    void atomics_##name##_##N(void *obj, const void *arg, atomics_order mo) {          \
        T ignored;                                                                     \
        atomics_fetch_##name##_##N(obj, arg, &ignored, mo);                            \
    }

/* fetch_OP(obj, arg, ret, mo) and OP(obj, arg, mo) over atomics_cc_<cc_op>_N */
#define ATOMICS_NATIVE_FETCH_(N, T, fetch_name, name, cc_op)                           \
    void atomics_##fetch_name##_##N(void *obj, const void *arg, void *ret,             \
                                    atomics_order mo) {                                \
        T v = get_##N(arg), r;                                                         \
        ATOMICS_SWITCH_RMW(mo, r = atomics_cc_##cc_op##_##N(obj, v, MO))               \
        put_##N(ret, r);                                                               \
    }                                                                                  \
    void atomics_##name##_##N(void *obj, const void *arg, atomics_order mo) {          \
        T v = get_##N(arg);                                                            \
        ATOMICS_SWITCH_RMW(mo, (void)atomics_cc_##cc_op##_##N(obj, v, MO))             \
    }

/* fetch_OP(obj, ret, mo) and OP(obj, mo) over atomics_cc_<cc_op>_N with a fixed operand */
#define ATOMICS_NATIVE_UNARY_(N, T, fetch_name, name, cc_op, operand)                  \
    void atomics_##fetch_name##_##N(void *obj, void *ret, atomics_order mo) {          \
        T r;                                                                           \
        ATOMICS_SWITCH_RMW(mo, r = atomics_cc_##cc_op##_##N(obj, operand, MO))         \
        put_##N(ret, r);                                                               \
    }                                                                                  \
    void atomics_##name##_##N(void *obj, atomics_order mo) {                           \
        ATOMICS_SWITCH_RMW(mo, (void)atomics_cc_##cc_op##_##N(obj, operand, MO))       \
    }

ATOMICS_NATIVE_WIDTHS(ATOMICS_DEFINE_NATIVE)

#undef ATOMICS_DEFINE_NATIVE
#undef ATOMICS_NATIVE_FETCH_
#undef ATOMICS_NATIVE_UNARY_
#undef ATOMICS_NATIVE_CAS_LOOP_
#undef ATOMICS_NATIVE_WIDTHS
