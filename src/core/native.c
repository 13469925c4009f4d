/* native.c: widths 1, 2, 4 and 8 at natural alignment, straight onto the
 * compiler's __atomic builtins. One X-macro list of widths generates every
 * entry point and the two tables; nothing here is written per width. */
#include "internal.h"

/* X(width, aliasing integer type) */
#define ATOMICS_NATIVE_WIDTHS(X)                                               \
    X(1, atomics_u8)                                                           \
    X(2, atomics_u16)                                                          \
    X(4, atomics_u32)                                                          \
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
    static inline T bit_##N(unsigned i) { return (T)((T)1 << i); }                    \
                                                                                       \
    void atomics_store_##N(void *obj, const void *desired, atomics_order mo) {         \
        T v = get_##N(desired);                                                        \
        ATOMICS_SWITCH_STORE(mo, __atomic_store_n((T *)obj, v, MO))                    \
    }                                                                                  \
    void atomics_load_##N(const void *obj, void *ret, atomics_order mo) {              \
        T r;                                                                           \
        ATOMICS_SWITCH_LOAD(mo, r = __atomic_load_n((const T *)obj, MO))               \
        put_##N(ret, r);                                                               \
    }                                                                                  \
    void atomics_exchange_##N(void *obj, const void *desired, void *ret,               \
                              atomics_order mo) {                                      \
        T v = get_##N(desired), r;                                                     \
        ATOMICS_SWITCH_RMW(mo, r = __atomic_exchange_n((T *)obj, v, MO))               \
        put_##N(ret, r);                                                               \
    }                                                                                  \
    static inline int cmpxchg_##N(void *obj, void *expected, const void *desired,      \
                                  int weak, atomics_order succ, atomics_order fail) {  \
        T e = get_##N(expected), d = get_##N(desired);                                 \
        int ok;                                                                        \
        ATOMICS_SWITCH_CAS(succ, fail,                                                 \
                           ok = __atomic_compare_exchange_n((T *)obj, &e, d, weak, S, F)) \
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
        ATOMICS_SWITCH_LOAD(mo, r = __atomic_load_n((const T *)obj, MO))               \
        return (r & bit_##N(index)) != 0;                                              \
    }                                                                                  \
    int atomics_bit_test_compl_##N(void *obj, unsigned index, atomics_order mo) {      \
        T m = bit_##N(index), r;                                                       \
        ATOMICS_SWITCH_RMW(mo, r = __atomic_fetch_xor((T *)obj, m, MO))                \
        return (r & m) != 0;                                                           \
    }                                                                                  \
    int atomics_bit_test_set_##N(void *obj, unsigned index, atomics_order mo) {        \
        T m = bit_##N(index), r;                                                       \
        ATOMICS_SWITCH_RMW(mo, r = __atomic_fetch_or((T *)obj, m, MO))                 \
        return (r & m) != 0;                                                           \
    }                                                                                  \
    int atomics_bit_test_reset_##N(void *obj, unsigned index, atomics_order mo) {      \
        T m = bit_##N(index), r;                                                       \
        ATOMICS_SWITCH_RMW(mo, r = __atomic_fetch_and((T *)obj, (T)~m, MO))            \
        return (r & m) != 0;                                                           \
    }                                                                                  \
    ATOMICS_NATIVE_FETCH_(N, T, bin_fetch_or, bin_or, __atomic_fetch_or, v)            \
    ATOMICS_NATIVE_FETCH_(N, T, bin_fetch_xor, bin_xor, __atomic_fetch_xor, v)         \
    ATOMICS_NATIVE_FETCH_(N, T, bin_fetch_and, bin_and, __atomic_fetch_and, v)         \
    ATOMICS_NATIVE_FETCH_(N, T, fetch_add, add, __atomic_fetch_add, v)                 \
    ATOMICS_NATIVE_FETCH_(N, T, fetch_sub, sub, __atomic_fetch_sub, v)                 \
    ATOMICS_NATIVE_UNARY_(N, T, bin_fetch_not, bin_not, __atomic_fetch_xor, (T)~(T)0)  \
    ATOMICS_NATIVE_UNARY_(N, T, fetch_inc, inc, __atomic_fetch_add, (T)1)              \
    ATOMICS_NATIVE_UNARY_(N, T, fetch_dec, dec, __atomic_fetch_sub, (T)1)              \
    void atomics_fetch_neg_##N(void *obj, void *ret, atomics_order mo) {               \
        T old = __atomic_load_n((T *)obj, __ATOMIC_RELAXED);                           \
        /* no instruction negates in place: CAS until nobody wrote in between */       \
        ATOMICS_SWITCH_RMW(mo, while (!__atomic_compare_exchange_n(                    \
                                   (T *)obj, &old, (T)-old, 1, MO, __ATOMIC_RELAXED)) {}) \
        put_##N(ret, old);                                                             \
    }                                                                                  \
    void atomics_neg_##N(void *obj, atomics_order mo) {                                \
        T ignored;                                                                     \
        atomics_fetch_neg_##N(obj, &ignored, mo);                                      \
    }

/* fetch_OP(obj, arg, ret, mo) and OP(obj, arg, mo) over one builtin */
#define ATOMICS_NATIVE_FETCH_(N, T, fetch_name, name, builtin, v_unused)               \
    void atomics_##fetch_name##_##N(void *obj, const void *arg, void *ret,             \
                                    atomics_order mo) {                                \
        T v = get_##N(arg), r;                                                         \
        ATOMICS_SWITCH_RMW(mo, r = builtin((T *)obj, v, MO))                           \
        put_##N(ret, r);                                                               \
    }                                                                                  \
    void atomics_##name##_##N(void *obj, const void *arg, atomics_order mo) {          \
        T v = get_##N(arg);                                                            \
        ATOMICS_SWITCH_RMW(mo, (void)builtin((T *)obj, v, MO))                         \
    }

/* fetch_OP(obj, ret, mo) and OP(obj, mo) over one builtin with a fixed operand */
#define ATOMICS_NATIVE_UNARY_(N, T, fetch_name, name, builtin, operand)                \
    void atomics_##fetch_name##_##N(void *obj, void *ret, atomics_order mo) {          \
        T r;                                                                           \
        ATOMICS_SWITCH_RMW(mo, r = builtin((T *)obj, operand, MO))                     \
        put_##N(ret, r);                                                               \
    }                                                                                  \
    void atomics_##name##_##N(void *obj, atomics_order mo) {                           \
        ATOMICS_SWITCH_RMW(mo, (void)builtin((T *)obj, operand, MO))                   \
    }

ATOMICS_NATIVE_WIDTHS(ATOMICS_DEFINE_NATIVE)

#define ATOMICS_NATIVE_RW_(N, T) ATOMICS_OPS_INIT_RW(atomics_, N),
#define ATOMICS_NATIVE_RO_(N, T) ATOMICS_OPS_INIT_RO(atomics_, N),
const atomics_ops atomics__native_rw[4] = {ATOMICS_NATIVE_WIDTHS(ATOMICS_NATIVE_RW_)};
const atomics_ops atomics__native_ro[4] = {ATOMICS_NATIVE_WIDTHS(ATOMICS_NATIVE_RO_)};

#undef ATOMICS_NATIVE_RW_
#undef ATOMICS_NATIVE_RO_
#undef ATOMICS_DEFINE_NATIVE
#undef ATOMICS_NATIVE_FETCH_
#undef ATOMICS_NATIVE_UNARY_
#undef ATOMICS_NATIVE_WIDTHS
