/* arch/aarch64.h: AArch64's 16-byte primitives and feature detection.
 *   CAS: with LSE (ARMv8.1), caspal; without it, an ldaxp/stlxp loop. The
 *        loop always ends with a successful store-exclusive, writing back
 *        what it read when the comparison fails: ldaxp alone is not a
 *        single-copy atomic 16-byte read, only a successful pair is (a loop
 *        that gives up after a mismatch, as GCC's 16-byte __sync does, was
 *        seen returning torn values on a CPU without LSE).
 *   load: with LSE2 (ARMv8.4), an aligned ldp is single-copy atomic and
 *        never writes. Without LSE2 there is no atomic 16-byte read that
 *        leaves the memory alone, so read-only 16-byte blocks are refused.
 * GNU assembly only (GCC, Clang): AArch64 with MSVC is not supported. */
#ifndef ATOMICS_ARCH_AARCH64_H
#define ATOMICS_ARCH_AARCH64_H

#define ATOMICS_ARCH_NAME "aarch64"

#if defined(__linux__)
#include <sys/auxv.h>
#define ATOMICS_HWCAP_ATOMICS (1ul << 8) /* LSE */
#define ATOMICS_HWCAP_USCAT (1ul << 25)  /* LSE2 */
#endif

#define ATOMICS_AARCH64_LSE 0x100u /* private to this file, beside the public bits */

static inline unsigned atomics_aarch64_found(void) {
    unsigned found = ATOMICS_FEATURE_CAS16; /* the exclusive-pair loop is ARMv8.0 */
#if defined(__linux__)
    unsigned long hwcap = getauxval(AT_HWCAP);
    if (hwcap & ATOMICS_HWCAP_ATOMICS)
        found |= ATOMICS_AARCH64_LSE;
    if (hwcap & ATOMICS_HWCAP_USCAT)
        found |= ATOMICS_FEATURE_LOAD16;
#elif defined(__APPLE__)
    /* every Apple arm64 processor (A14/M1 and later; macOS needs M1) is
     * ARMv8.4 or later, so has LSE and LSE2 */
    found |= ATOMICS_AARCH64_LSE | ATOMICS_FEATURE_LOAD16;
#endif
    return found;
}

static inline unsigned atomics_arch_features(void) {
    return atomics_aarch64_found() & (ATOMICS_FEATURE_CAS16 | ATOMICS_FEATURE_LOAD16);
}

/* LSE as found, whatever the tests force the public bits to: the choice of
 * instruction stays the hardware's. */
static inline int atomics_aarch64_has_lse(void) {
    static uint32_t cached; /* 0 unknown, 1 no, 2 yes; detection is idempotent */
    uint32_t c = atomics_cc_load_4(&cached, ATOMICS_RELAXED);
    if (c == 0) {
        c = (atomics_aarch64_found() & ATOMICS_AARCH64_LSE) ? 2 : 1;
        atomics_cc_store_4(&cached, c, ATOMICS_RELAXED);
    }
    return c == 2;
}

/* Full barrier either way: caspal, and the acquire/release exclusive pair
 * (the AArch64 mapping of a SEQ_CST read-modify-write). */
static inline int atomics_arch_cas16(void *obj, atomics_wide *expected, atomics_wide desired) {
    uint64_t elo = expected->lo, ehi = expected->hi, lo, hi;
    if (atomics_aarch64_has_lse()) {
        /* casp needs even-numbered consecutive register pairs */
        register uint64_t x0 __asm__("x0") = elo, x1 __asm__("x1") = ehi;
        register uint64_t x2 __asm__("x2") = desired.lo, x3 __asm__("x3") = desired.hi;
        __asm__ __volatile__(".arch_extension lse\n\tcaspal x0, x1, x2, x3, %[mem]"
                             : "+r"(x0), "+r"(x1), [mem] "+Q"(*(volatile uint64_t(*)[2])obj)
                             : "r"(x2), "r"(x3)
                             : "memory");
        lo = x0, hi = x1;
    } else {
        uint64_t slo, shi;
        unsigned failed;
        __asm__ __volatile__("1:\tldaxp %[lo], %[hi], %[mem]\n\t"
                             "cmp %[lo], %[elo]\n\t"
                             "ccmp %[hi], %[ehi], #0, eq\n\t"
                             "csel %[slo], %[dlo], %[lo], eq\n\t"
                             "csel %[shi], %[dhi], %[hi], eq\n\t"
                             "stlxp %w[failed], %[slo], %[shi], %[mem]\n\t"
                             "cbnz %w[failed], 1b"
                             : [lo] "=&r"(lo), [hi] "=&r"(hi), [slo] "=&r"(slo), [shi] "=&r"(shi),
                               [failed] "=&r"(failed), [mem] "+Q"(*(volatile uint64_t(*)[2])obj)
                             : [elo] "r"(elo), [ehi] "r"(ehi), [dlo] "r"(desired.lo),
                               [dhi] "r"(desired.hi)
                             : "memory", "cc");
    }
    int ok = lo == elo && hi == ehi;
    expected->lo = lo, expected->hi = hi;
    return ok;
}

/* LSE2 only. The barrier before keeps it after every earlier access (as a
 * SEQ_CST load must be, including after a store-release); the one after
 * keeps later accesses after it. */
static inline atomics_wide atomics_arch_load16(const void *obj) {
    atomics_wide v;
    __asm__ __volatile__("dmb ish\n\tldp %[lo], %[hi], %[mem]\n\tdmb ish"
                         : [lo] "=r"(v.lo), [hi] "=r"(v.hi)
                         : [mem] "Q"(*(const volatile uint64_t(*)[2])obj)
                         : "memory");
    return v;
}

#endif /* ATOMICS_ARCH_AARCH64_H */
