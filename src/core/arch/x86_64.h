/* arch/x86_64.h: x86-64's 16-byte primitives and feature detection.
 * cmpxchg16b (CPUID.01H:ECX bit 13, absent only on the first AMD64 parts) is
 * the 16-byte CAS; an aligned (v)movdqa is an atomic 16-byte load on Intel
 * and AMD processors with AVX. GNU inline assembly or MSVC intrinsics: the
 * compiler would send a 16-byte __atomic to libatomic, which may lock. */
#ifndef ATOMICS_ARCH_X86_64_H
#define ATOMICS_ARCH_X86_64_H

#define ATOMICS_ARCH_NAME "x86-64"

#if defined(__GNUC__)
#include <cpuid.h>
#else
#include <intrin.h>
#endif

#define ATOMICS_X86_CPUID_CMPXCHG16B (1u << 13) /* leaf 1, ecx */
#define ATOMICS_X86_CPUID_AVX (1u << 28)        /* leaf 1, ecx */

/* The features from cpuid: leaf 0's vendor (ebx, edx, ecx) and leaf 1's ecx.
 * Separate from the cpuid calls so the tests can feed it other processors. */
static inline unsigned atomics_x86_features(const unsigned vendor[3], unsigned leaf1_ecx) {
    unsigned found = 0;
    if (leaf1_ecx & ATOMICS_X86_CPUID_CMPXCHG16B) {
        found |= ATOMICS_FEATURE_CAS16;
        /* Only Intel (SDM vol. 3A 9.1.1) and AMD (APM vol. 2 7.3.2) document
         * that an aligned 16-byte (v)movdqa is one atomic access on every
         * processor that enumerates AVX. Other vendors with AVX (VIA/Centaur,
         * Zhaoxin, and Hygon, whose Dhyana is AMD-derived but documents
         * nothing of its own) make no such promise, so their 16-byte loads
         * go through cmpxchg16b and read-only 16-byte blocks are refused. */
        int intel = vendor[0] == 0x756e6547u && vendor[1] == 0x49656e69u &&
                    vendor[2] == 0x6c65746eu; /* "Genu" "ineI" "ntel" */
        int amd = vendor[0] == 0x68747541u && vendor[1] == 0x69746e65u &&
                  vendor[2] == 0x444d4163u; /* "Auth" "enti" "cAMD" */
        if ((leaf1_ecx & ATOMICS_X86_CPUID_AVX) && (intel || amd))
            found |= ATOMICS_FEATURE_LOAD16;
    }
    return found;
}

static inline unsigned atomics_arch_features(void) {
    unsigned vendor[3], ecx;
#if defined(__GNUC__)
    unsigned eax, ebx, edx;
    if (!__get_cpuid(0, &eax, &vendor[0], &vendor[2], &vendor[1]) ||
        !__get_cpuid(1, &eax, &ebx, &ecx, &edx))
        return 0;
#else
    int r[4]; /* eax, ebx, ecx, edx */
    __cpuid(r, 0);
    vendor[0] = (unsigned)r[1], vendor[1] = (unsigned)r[3], vendor[2] = (unsigned)r[2];
    if (r[0] < 1)
        return 0;
    __cpuid(r, 1);
    ecx = (unsigned)r[2];
#endif
    return atomics_x86_features(vendor, ecx);
}

/* lock cmpxchg16b is a full barrier, so it serves every memory order. */
static inline int atomics_arch_cas16(void *obj, atomics_wide *expected, atomics_wide desired) {
#if defined(__GNUC__)
    uint64_t lo = expected->lo, hi = expected->hi;
    unsigned char ok;
    __asm__ __volatile__("lock cmpxchg16b %1\n\tsete %0"
                         : "=q"(ok), "+m"(*(volatile uint64_t(*)[2])obj), "+a"(lo), "+d"(hi)
                         : "b"(desired.lo), "c"(desired.hi)
                         : "memory", "cc");
    expected->lo = lo, expected->hi = hi; /* unchanged on success */
    return ok;
#else
    __int64 seen[2] = {(__int64)expected->lo, (__int64)expected->hi};
    unsigned char ok = _InterlockedCompareExchange128((volatile __int64 *)obj, (__int64)desired.hi,
                                                      (__int64)desired.lo, seen);
    expected->lo = (uint64_t)seen[0], expected->hi = (uint64_t)seen[1];
    return ok;
#endif
}

/* x86 never reorders a load with older loads, and SEQ_CST stores are locked
 * instructions, so the plain load is already SEQ_CST on the load side. */
static inline atomics_wide atomics_arch_load16(const void *obj) {
    atomics_wide v;
#if defined(__GNUC__)
    uint64_t r[2];
    __asm__ __volatile__("movdqa %1, %%xmm0\n\tmovdqu %%xmm0, %0"
                         : "=m"(r)
                         : "m"(*(const volatile uint64_t(*)[2])obj)
                         : "xmm0", "memory");
    v.lo = r[0], v.hi = r[1];
#else
    /* no inline assembly on x64: the intrinsic is movdqa, one access */
    _ReadWriteBarrier();
    __m128i x = _mm_load_si128((const __m128i *)obj);
    _ReadWriteBarrier();
    _mm_storeu_si128((__m128i *)&v, x); /* lo first: little-endian */
#endif
    return v;
}

#endif /* ATOMICS_ARCH_X86_64_H */
