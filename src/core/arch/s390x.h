/* arch/s390x.h: z/Architecture's 16-byte primitives. cdsg (compare double
 * and swap) and lpq (load pair from quadword) are part of every
 * z/Architecture processor, so both features are always present. Both work
 * on an even/odd register pair that GCC allocates for a 128-bit operand;
 * the even register holds the high half (big-endian: the lower address). */
#ifndef ATOMICS_ARCH_S390X_H
#define ATOMICS_ARCH_S390X_H

#define ATOMICS_ARCH_NAME "s390x"

__extension__ typedef unsigned __int128 atomics_s390x_u128;

static inline unsigned atomics_arch_features(void) {
    return ATOMICS_FEATURE_CAS16 | ATOMICS_FEATURE_LOAD16;
}

/* cdsg serializes before and after: a full barrier for every order. */
static inline int atomics_arch_cas16(void *obj, atomics_wide *expected, atomics_wide desired) {
    atomics_s390x_u128 e = ((atomics_s390x_u128)expected->hi << 64) | expected->lo;
    atomics_s390x_u128 d = ((atomics_s390x_u128)desired.hi << 64) | desired.lo;
    const atomics_s390x_u128 want = e;
    __asm__ __volatile__("cdsg %[e], %[d], %[mem]"
                         : [e] "+d"(e), [mem] "+QS"(*(volatile atomics_s390x_u128 *)obj)
                         : [d] "d"(d)
                         : "memory", "cc");
    expected->lo = (uint64_t)e, expected->hi = (uint64_t)(e >> 64);
    return e == want;
}

/* s390x orders loads with loads and stores with stores, and SEQ_CST stores
 * serialize, so the plain quadword load is SEQ_CST on the load side. */
static inline atomics_wide atomics_arch_load16(const void *obj) {
    atomics_s390x_u128 r;
    __asm__ __volatile__("lpq %[r], %[mem]"
                         : [r] "=d"(r)
                         : [mem] "RT"(*(const volatile atomics_s390x_u128 *)obj)
                         : "memory");
    atomics_wide v = {(uint64_t)r, (uint64_t)(r >> 64)};
    return v;
}

#endif /* ATOMICS_ARCH_S390X_H */
