/* compiler.h: the one place where the core meets its compiler. Everything
 * else in src/core is ISO C11 plus what this file defines:
 *
 *   atomics_cc_<op>_<N>(obj, ..., mo)   N = 1, 2, 4, 8; op = load, store,
 *       exchange, cas, fetch_add, fetch_sub, fetch_or, fetch_xor, fetch_and.
 *       cas(obj, &expected, desired, weak, succ, fail) returns non-zero on
 *       success and otherwise stores the value seen in *expected. Orders are
 *       atomics_order values; callers pass constants (the ATOMICS_SWITCH_*
 *       macros in internal.h make them so).
 *   atomics_cc_signal_fence(), atomics_cc_thread_fence()   SEQ_CST fences
 *   atomics_cc_signal_fence_mo(mo), atomics_cc_thread_fence_mo(mo)
 *                           the same with an order (a constant, as above)
 *   atomics_cc_pause()      the processor's spin-wait hint, or nothing
 *   ATOMICS_CC_SUBWORD      1 if widths 1 and 2 have their own lock-free
 *                           atomics; 0 (riscv64) if the functions for them
 *                           compare-and-swap the containing 4-byte word
 *   ATOMICS_LITTLE_ENDIAN   1 or 0
 *   ATOMICS_LIKELY(x), ATOMICS_INLINE, ATOMICS_NO_ASAN, ATOMICS_TRAP()
 *   atomics_u8 .. atomics_u64   integers that may alias anything
 *
 * Two implementations: the __atomic builtins (GCC, Clang) and the MSVC
 * intrinsics (cl.exe, clang-cl; x86 and x64). Both map every order to
 * something at least as strong as asked. */
#ifndef ATOMICS_CORE_COMPILER_H
#define ATOMICS_CORE_COMPILER_H

#include <stddef.h>
#include <stdint.h>

#include "atomics/atomics.h" /* atomics_order */

#if defined(__GNUC__) /* GCC, and Clang outside its MSVC mode */

/* The object's memory belongs to someone else (a bytearray, an mmap): reach
 * it through types that may alias anything. */
typedef uint8_t __attribute__((may_alias)) atomics_u8;
typedef uint16_t __attribute__((may_alias)) atomics_u16;
typedef uint32_t __attribute__((may_alias)) atomics_u32;
typedef uint64_t __attribute__((may_alias)) atomics_u64;

#define ATOMICS_LIKELY(x) __builtin_expect(!!(x), 1)
/* always inlined, so the constant order reaches the builtin */
#define ATOMICS_INLINE static inline __attribute__((always_inline))
#define ATOMICS_TRAP() __builtin_trap()

#if !defined(__BYTE_ORDER__) || !defined(__ORDER_LITTLE_ENDIAN__)
#error "unknown byte order"
#endif
#define ATOMICS_LITTLE_ENDIAN (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__)

#if defined(__SANITIZE_ADDRESS__)
#define ATOMICS_NO_ASAN __attribute__((no_sanitize_address))
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ATOMICS_NO_ASAN __attribute__((no_sanitize_address))
#endif
#endif

_Static_assert(ATOMICS_RELAXED == __ATOMIC_RELAXED, "order mismatch");
_Static_assert(ATOMICS_CONSUME == __ATOMIC_CONSUME, "order mismatch");
_Static_assert(ATOMICS_ACQUIRE == __ATOMIC_ACQUIRE, "order mismatch");
_Static_assert(ATOMICS_RELEASE == __ATOMIC_RELEASE, "order mismatch");
_Static_assert(ATOMICS_ACQ_REL == __ATOMIC_ACQ_REL, "order mismatch");
_Static_assert(ATOMICS_SEQ_CST == __ATOMIC_SEQ_CST, "order mismatch");

/* 8 bytes must not go to libatomic, which may take a lock: i686 needs
 * cmpxchg8b (-march=i586 or later), 32-bit ARM ldrexd/strexd (armv7). */
#if __GCC_ATOMIC_LLONG_LOCK_FREE != 2 || __GCC_ATOMIC_INT_LOCK_FREE != 2
#error "the atomics core needs lock-free 4- and 8-byte atomics (i686: -march=i686; arm: -march=armv7-a)"
#endif
#if __GCC_ATOMIC_CHAR_LOCK_FREE == 2 && __GCC_ATOMIC_SHORT_LOCK_FREE == 2
#define ATOMICS_CC_SUBWORD 1
#else
#define ATOMICS_CC_SUBWORD 0
#endif

/* atomics_cc_fetch_OP_N(p, v, mo): __atomic_fetch_OP on a T */
#define ATOMICS_CC_FETCH_(N, T, OP)                                                            \
    ATOMICS_INLINE T atomics_cc_fetch_##OP##_##N(void *p, T v, int mo) {                       \
        return __atomic_fetch_##OP((T *)p, v, mo);                                             \
    }

#define ATOMICS_CC_FN_(N, T)                                                                   \
    ATOMICS_INLINE T atomics_cc_load_##N(const void *p, int mo) {                              \
        return __atomic_load_n((const T *)p, mo);                                              \
    }                                                                                          \
    ATOMICS_INLINE void atomics_cc_store_##N(void *p, T v, int mo) {                           \
        __atomic_store_n((T *)p, v, mo);                                                       \
    }                                                                                          \
    ATOMICS_INLINE T atomics_cc_exchange_##N(void *p, T v, int mo) {                           \
        return __atomic_exchange_n((T *)p, v, mo);                                             \
    }                                                                                          \
    ATOMICS_INLINE int atomics_cc_cas_##N(void *p, T *e, T d, int weak, int s, int f) {        \
        return __atomic_compare_exchange_n((T *)p, e, d, weak, s, f);                          \
    }                                                                                          \
    ATOMICS_CC_FETCH_(N, T, add)                                                               \
    ATOMICS_CC_FETCH_(N, T, sub)                                                               \
    ATOMICS_CC_FETCH_(N, T, or)                                                                \
    ATOMICS_CC_FETCH_(N, T, xor)                                                               \
    ATOMICS_CC_FETCH_(N, T, and)

/* fences: against the compiler only (the other thread is this one, or the
 * hardware is ordered by other means), and full */
ATOMICS_INLINE void atomics_cc_signal_fence(void) { __atomic_signal_fence(__ATOMIC_SEQ_CST); }
ATOMICS_INLINE void atomics_cc_thread_fence(void) { __atomic_thread_fence(__ATOMIC_SEQ_CST); }
ATOMICS_INLINE void atomics_cc_signal_fence_mo(int mo) { __atomic_signal_fence(mo); }
#if defined(__SANITIZE_THREAD__)
#define ATOMICS_CC_TSAN_ 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define ATOMICS_CC_TSAN_ 1
#endif
#endif
#if defined(ATOMICS_CC_TSAN_)
/* ThreadSanitizer has no model of fences (GCC refuses them: -Wtsan). An
 * read-modify-write with the fence's order on a location of its own is what
 * TSan can follow; on the hardware it is at least as strong a barrier. */
ATOMICS_INLINE void atomics_cc_thread_fence_mo(int mo) {
    static unsigned fence_word;
    (void)__atomic_fetch_add(&fence_word, 0u, mo);
}
#else
ATOMICS_INLINE void atomics_cc_thread_fence_mo(int mo) { __atomic_thread_fence(mo); }
#endif

/* The spin-wait hint is an instruction per architecture, not worth a file of
 * its own in arch/ (generic.h serves several architectures). */
ATOMICS_INLINE void atomics_cc_pause(void) {
#if defined(__x86_64__) || defined(__i386__)
    __asm__ __volatile__("pause" ::: "memory");
#elif defined(__aarch64__)
    /* isb stalls for a few tens of cycles; yield is a nop on most cores */
    __asm__ __volatile__("isb sy" ::: "memory");
#elif defined(__arm__) && defined(__ARM_ARCH) && __ARM_ARCH >= 7
    __asm__ __volatile__("yield" ::: "memory");
#elif defined(__powerpc64__) || defined(__powerpc__)
    /* low thread priority while spinning, then back to medium */
    __asm__ __volatile__("or 1,1,1\n\tor 2,2,2" ::: "memory");
#elif defined(__riscv)
    /* Zihintpause's pause, encoded as the fence it is (pred=w, succ=0), so
     * it assembles without the extension and is a no-op fence without it */
    __asm__ __volatile__(".4byte 0x0100000f" ::: "memory");
#else
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
#endif
}

ATOMICS_CC_FN_(4, atomics_u32)
ATOMICS_CC_FN_(8, atomics_u64)
#if ATOMICS_CC_SUBWORD
ATOMICS_CC_FN_(1, atomics_u8)
ATOMICS_CC_FN_(2, atomics_u16)
#else
/* No 1- and 2-byte atomics (riscv64 before GCC 13 sends them to libatomic):
 * they act on the naturally aligned 4-byte word that contains them, which
 * never crosses a page, by compare-and-swap of the whole word. Only the
 * object's bytes change; the word's others are written back as read. */
typedef struct atomics_cc_part_ {
    atomics_u32 *word;
    unsigned shift;  /* of the object's bits within the word's value */
    atomics_u32 mask; /* the object's bits, in place */
} atomics_cc_part_;

ATOMICS_INLINE atomics_cc_part_ atomics_cc_part_of_(const void *p, unsigned size) {
    atomics_cc_part_ r;
    unsigned offset = (unsigned)((uintptr_t)p & 3u);
    r.word = (atomics_u32 *)((uintptr_t)p - offset);
    r.shift = 8 * (ATOMICS_LITTLE_ENDIAN ? offset : 4 - offset - size);
    r.mask = (atomics_u32)(((1ull << (8 * size)) - 1) << r.shift);
    return r;
}

/* The word with the object's bits replaced by v. */
#define ATOMICS_CC_SPLICE_(w, v) (((w) & ~part.mask) | (((atomics_u32)(v) << part.shift) & part.mask))

#define ATOMICS_CC_RMW_(N, T, name, expr)                                                      \
    ATOMICS_INLINE T atomics_cc_##name##_##N(void *p, T v, int mo) {                           \
        atomics_cc_part_ part = atomics_cc_part_of_(p, N);                                     \
        atomics_u32 w = __atomic_load_n(part.word, __ATOMIC_RELAXED);                          \
        T old;                                                                                 \
        do                                                                                     \
            old = (T)(w >> part.shift);                                                        \
        while (!__atomic_compare_exchange_n(part.word, &w, ATOMICS_CC_SPLICE_(w, (expr)), 1,    \
                                            mo, __ATOMIC_RELAXED));                            \
        return old;                                                                            \
    }
#define ATOMICS_CC_FN_PART_(N, T)                                                              \
    ATOMICS_INLINE T atomics_cc_load_##N(const void *p, int mo) {                              \
        atomics_cc_part_ part = atomics_cc_part_of_(p, N);                                     \
        return (T)(__atomic_load_n(part.word, mo) >> part.shift);                              \
    }                                                                                          \
    ATOMICS_CC_RMW_(N, T, exchange, v)                                                         \
    ATOMICS_CC_RMW_(N, T, fetch_add, old + v)                                                  \
    ATOMICS_CC_RMW_(N, T, fetch_sub, old - v)                                                  \
    ATOMICS_CC_RMW_(N, T, fetch_or, old | v)                                                   \
    ATOMICS_CC_RMW_(N, T, fetch_xor, old ^ v)                                                  \
    ATOMICS_CC_RMW_(N, T, fetch_and, old & v)                                                  \
    ATOMICS_INLINE void atomics_cc_store_##N(void *p, T v, int mo) {                           \
        (void)atomics_cc_exchange_##N(p, v, mo == ATOMICS_RELAXED ? ATOMICS_RELAXED            \
                                            : mo == ATOMICS_RELEASE ? ATOMICS_RELEASE          \
                                                                    : ATOMICS_SEQ_CST);        \
    }                                                                                          \
    /* strong whatever `weak` says: a change of the other bytes is retried */                 \
    ATOMICS_INLINE int atomics_cc_cas_##N(void *p, T *e, T d, int weak, int s, int f) {        \
        atomics_cc_part_ part = atomics_cc_part_of_(p, N);                                     \
        atomics_u32 w = __atomic_load_n(part.word, f);                                         \
        (void)weak;                                                                            \
        for (;;) {                                                                             \
            T seen = (T)(w >> part.shift);                                                     \
            if (seen != *e) {                                                                  \
                *e = seen;                                                                     \
                return 0;                                                                      \
            }                                                                                  \
            if (__atomic_compare_exchange_n(part.word, &w, ATOMICS_CC_SPLICE_(w, d), 1, s, f)) \
                return 1;                                                                      \
        }                                                                                      \
    }
ATOMICS_CC_FN_PART_(1, atomics_u8)
ATOMICS_CC_FN_PART_(2, atomics_u16)
#undef ATOMICS_CC_FN_PART_
#undef ATOMICS_CC_RMW_
#undef ATOMICS_CC_SPLICE_
#endif
#undef ATOMICS_CC_FN_

#elif defined(_MSC_VER) /* cl.exe, clang-cl */

#if !defined(_M_X64) && !defined(_M_IX86)
#error "the atomics core supports MSVC on x86 and x64 only"
#endif
#if defined(_M_IX86) && (!defined(_M_IX86_FP) || _M_IX86_FP < 2)
#error "the atomics core needs /arch:SSE2 (MSVC's default) on 32-bit x86: 8-byte loads are movq"
#endif

#include <intrin.h>

/* MSVC makes no type-based aliasing assumptions. */
typedef uint8_t atomics_u8;
typedef uint16_t atomics_u16;
typedef uint32_t atomics_u32;
typedef uint64_t atomics_u64;

#define ATOMICS_LIKELY(x) (x)
#define ATOMICS_INLINE static __forceinline
#define ATOMICS_TRAP() __fastfail(7) /* FAST_FAIL_FATAL_APP_EXIT */
#define ATOMICS_LITTLE_ENDIAN 1      /* every Windows target */
#define ATOMICS_CC_SUBWORD 1
#if defined(__SANITIZE_ADDRESS__)
#define ATOMICS_NO_ASAN __declspec(no_sanitize_address)
#endif

/* On x86 and x64 every _Interlocked* intrinsic is a locked instruction, a
 * full barrier, so it serves every order. Plain aligned loads and stores
 * are atomic up to the register width; the hardware gives loads acquire and
 * stores release, so only the compiler must be kept from reordering
 * (_ReadWriteBarrier), and a SEQ_CST store is an exchange. */
#pragma warning(push)
#pragma warning(disable : 4996) /* _ReadWriteBarrier is "deprecated" but is what MSVC's <atomic> uses */
#define ATOMICS_CC_BARRIER_() _ReadWriteBarrier()

ATOMICS_INLINE void atomics_cc_signal_fence(void) { ATOMICS_CC_BARRIER_(); }
ATOMICS_INLINE void atomics_cc_thread_fence(void) { volatile long guard = 0; ATOMICS_CC_BARRIER_(); (void)_InterlockedIncrement(&guard); ATOMICS_CC_BARRIER_(); }
/* x86 orders everything but a store before a later load: only SEQ_CST needs
 * the locked instruction; the other orders need the compiler kept in line */
ATOMICS_INLINE void atomics_cc_signal_fence_mo(int mo) { if (mo != ATOMICS_RELAXED) ATOMICS_CC_BARRIER_(); }
ATOMICS_INLINE void atomics_cc_thread_fence_mo(int mo) { if (mo == ATOMICS_SEQ_CST) atomics_cc_thread_fence(); else if (mo != ATOMICS_RELAXED) ATOMICS_CC_BARRIER_(); }
ATOMICS_INLINE void atomics_cc_pause(void) { _mm_pause(); }

ATOMICS_INLINE atomics_u8 atomics_cc_load_1(const void *p, int mo) { atomics_u8 v = (atomics_u8)__iso_volatile_load8((const volatile __int8 *)p); (void)mo; ATOMICS_CC_BARRIER_(); return v; }
ATOMICS_INLINE atomics_u16 atomics_cc_load_2(const void *p, int mo) { atomics_u16 v = (atomics_u16)__iso_volatile_load16((const volatile __int16 *)p); (void)mo; ATOMICS_CC_BARRIER_(); return v; }
ATOMICS_INLINE atomics_u32 atomics_cc_load_4(const void *p, int mo) { atomics_u32 v = (atomics_u32)__iso_volatile_load32((const volatile __int32 *)p); (void)mo; ATOMICS_CC_BARRIER_(); return v; }

ATOMICS_INLINE void atomics_cc_store_1(void *p, atomics_u8 v, int mo) { if (mo == ATOMICS_SEQ_CST) { _InterlockedExchange8((volatile char *)p, (char)v); return; } ATOMICS_CC_BARRIER_(); __iso_volatile_store8((volatile __int8 *)p, (__int8)v); }
ATOMICS_INLINE void atomics_cc_store_2(void *p, atomics_u16 v, int mo) { if (mo == ATOMICS_SEQ_CST) { _InterlockedExchange16((volatile short *)p, (short)v); return; } ATOMICS_CC_BARRIER_(); __iso_volatile_store16((volatile __int16 *)p, (__int16)v); }
ATOMICS_INLINE void atomics_cc_store_4(void *p, atomics_u32 v, int mo) { if (mo == ATOMICS_SEQ_CST) { _InterlockedExchange((volatile long *)p, (long)v); return; } ATOMICS_CC_BARRIER_(); __iso_volatile_store32((volatile __int32 *)p, (__int32)v); }

ATOMICS_INLINE atomics_u8 atomics_cc_exchange_1(void *p, atomics_u8 v, int mo) { (void)mo; return (atomics_u8)_InterlockedExchange8((volatile char *)p, (char)v); }
ATOMICS_INLINE atomics_u16 atomics_cc_exchange_2(void *p, atomics_u16 v, int mo) { (void)mo; return (atomics_u16)_InterlockedExchange16((volatile short *)p, (short)v); }
ATOMICS_INLINE atomics_u32 atomics_cc_exchange_4(void *p, atomics_u32 v, int mo) { (void)mo; return (atomics_u32)_InterlockedExchange((volatile long *)p, (long)v); }

ATOMICS_INLINE int atomics_cc_cas_1(void *p, atomics_u8 *e, atomics_u8 d, int weak, int s, int f) { atomics_u8 old = (atomics_u8)_InterlockedCompareExchange8((volatile char *)p, (char)d, (char)*e); (void)weak, (void)s, (void)f; if (old == *e) return 1; *e = old; return 0; }
ATOMICS_INLINE int atomics_cc_cas_2(void *p, atomics_u16 *e, atomics_u16 d, int weak, int s, int f) { atomics_u16 old = (atomics_u16)_InterlockedCompareExchange16((volatile short *)p, (short)d, (short)*e); (void)weak, (void)s, (void)f; if (old == *e) return 1; *e = old; return 0; }
ATOMICS_INLINE int atomics_cc_cas_4(void *p, atomics_u32 *e, atomics_u32 d, int weak, int s, int f) { atomics_u32 old = (atomics_u32)_InterlockedCompareExchange((volatile long *)p, (long)d, (long)*e); (void)weak, (void)s, (void)f; if (old == *e) return 1; *e = old; return 0; }

ATOMICS_INLINE atomics_u8 atomics_cc_fetch_add_1(void *p, atomics_u8 v, int mo) { (void)mo; return (atomics_u8)_InterlockedExchangeAdd8((volatile char *)p, (char)v); }
ATOMICS_INLINE atomics_u16 atomics_cc_fetch_add_2(void *p, atomics_u16 v, int mo) { (void)mo; return (atomics_u16)_InterlockedExchangeAdd16((volatile short *)p, (short)v); }
ATOMICS_INLINE atomics_u32 atomics_cc_fetch_add_4(void *p, atomics_u32 v, int mo) { (void)mo; return (atomics_u32)_InterlockedExchangeAdd((volatile long *)p, (long)v); }
/* subtraction is addition of the two's complement, which wraps the same way */
ATOMICS_INLINE atomics_u8 atomics_cc_fetch_sub_1(void *p, atomics_u8 v, int mo) { return atomics_cc_fetch_add_1(p, (atomics_u8)(0u - v), mo); }
ATOMICS_INLINE atomics_u16 atomics_cc_fetch_sub_2(void *p, atomics_u16 v, int mo) { return atomics_cc_fetch_add_2(p, (atomics_u16)(0u - v), mo); }
ATOMICS_INLINE atomics_u32 atomics_cc_fetch_sub_4(void *p, atomics_u32 v, int mo) { return atomics_cc_fetch_add_4(p, 0u - v, mo); }

ATOMICS_INLINE atomics_u8 atomics_cc_fetch_or_1(void *p, atomics_u8 v, int mo) { (void)mo; return (atomics_u8)_InterlockedOr8((volatile char *)p, (char)v); }
ATOMICS_INLINE atomics_u16 atomics_cc_fetch_or_2(void *p, atomics_u16 v, int mo) { (void)mo; return (atomics_u16)_InterlockedOr16((volatile short *)p, (short)v); }
ATOMICS_INLINE atomics_u32 atomics_cc_fetch_or_4(void *p, atomics_u32 v, int mo) { (void)mo; return (atomics_u32)_InterlockedOr((volatile long *)p, (long)v); }
ATOMICS_INLINE atomics_u8 atomics_cc_fetch_xor_1(void *p, atomics_u8 v, int mo) { (void)mo; return (atomics_u8)_InterlockedXor8((volatile char *)p, (char)v); }
ATOMICS_INLINE atomics_u16 atomics_cc_fetch_xor_2(void *p, atomics_u16 v, int mo) { (void)mo; return (atomics_u16)_InterlockedXor16((volatile short *)p, (short)v); }
ATOMICS_INLINE atomics_u32 atomics_cc_fetch_xor_4(void *p, atomics_u32 v, int mo) { (void)mo; return (atomics_u32)_InterlockedXor((volatile long *)p, (long)v); }
ATOMICS_INLINE atomics_u8 atomics_cc_fetch_and_1(void *p, atomics_u8 v, int mo) { (void)mo; return (atomics_u8)_InterlockedAnd8((volatile char *)p, (char)v); }
ATOMICS_INLINE atomics_u16 atomics_cc_fetch_and_2(void *p, atomics_u16 v, int mo) { (void)mo; return (atomics_u16)_InterlockedAnd16((volatile short *)p, (short)v); }
ATOMICS_INLINE atomics_u32 atomics_cc_fetch_and_4(void *p, atomics_u32 v, int mo) { (void)mo; return (atomics_u32)_InterlockedAnd((volatile long *)p, (long)v); }

ATOMICS_INLINE int atomics_cc_cas_8(void *p, atomics_u64 *e, atomics_u64 d, int weak, int s, int f) { atomics_u64 old = (atomics_u64)_InterlockedCompareExchange64((volatile __int64 *)p, (__int64)d, (__int64)*e); (void)weak, (void)s, (void)f; if (old == *e) return 1; *e = old; return 0; }

#if defined(_M_X64)
ATOMICS_INLINE atomics_u64 atomics_cc_load_8(const void *p, int mo) { atomics_u64 v = (atomics_u64)__iso_volatile_load64((const volatile __int64 *)p); (void)mo; ATOMICS_CC_BARRIER_(); return v; }
ATOMICS_INLINE void atomics_cc_store_8(void *p, atomics_u64 v, int mo) { if (mo == ATOMICS_SEQ_CST) { _InterlockedExchange64((volatile __int64 *)p, (__int64)v); return; } ATOMICS_CC_BARRIER_(); __iso_volatile_store64((volatile __int64 *)p, (__int64)v); }
ATOMICS_INLINE atomics_u64 atomics_cc_exchange_8(void *p, atomics_u64 v, int mo) { (void)mo; return (atomics_u64)_InterlockedExchange64((volatile __int64 *)p, (__int64)v); }
ATOMICS_INLINE atomics_u64 atomics_cc_fetch_add_8(void *p, atomics_u64 v, int mo) { (void)mo; return (atomics_u64)_InterlockedExchangeAdd64((volatile __int64 *)p, (__int64)v); }
ATOMICS_INLINE atomics_u64 atomics_cc_fetch_or_8(void *p, atomics_u64 v, int mo) { (void)mo; return (atomics_u64)_InterlockedOr64((volatile __int64 *)p, (__int64)v); }
ATOMICS_INLINE atomics_u64 atomics_cc_fetch_xor_8(void *p, atomics_u64 v, int mo) { (void)mo; return (atomics_u64)_InterlockedXor64((volatile __int64 *)p, (__int64)v); }
ATOMICS_INLINE atomics_u64 atomics_cc_fetch_and_8(void *p, atomics_u64 v, int mo) { (void)mo; return (atomics_u64)_InterlockedAnd64((volatile __int64 *)p, (__int64)v); }
#else
/* 32-bit x86: cmpxchg8b (_InterlockedCompareExchange64) is the only 8-byte
 * read-modify-write, so the others loop on it; an aligned 8-byte SSE2 move
 * (movq) is an atomic load or store that never writes or reads twice. */
#include <emmintrin.h>
ATOMICS_INLINE atomics_u64 atomics_cc_load_8(const void *p, int mo) { atomics_u64 v; _mm_storel_epi64((__m128i *)&v, _mm_loadl_epi64((const __m128i *)p)); (void)mo; ATOMICS_CC_BARRIER_(); return v; }
#define ATOMICS_CC_RMW8_(name, expr)                                                           \
    ATOMICS_INLINE atomics_u64 atomics_cc_##name##_8(void *p, atomics_u64 v, int mo) {         \
        atomics_u64 old = atomics_cc_load_8(p, mo);                                            \
        while (!atomics_cc_cas_8(p, &old, (expr), 0, mo, mo)) {}                               \
        return old;                                                                            \
    }
ATOMICS_CC_RMW8_(exchange, v)
ATOMICS_CC_RMW8_(fetch_add, old + v)
ATOMICS_CC_RMW8_(fetch_or, old | v)
ATOMICS_CC_RMW8_(fetch_xor, old ^ v)
ATOMICS_CC_RMW8_(fetch_and, old & v)
#undef ATOMICS_CC_RMW8_
ATOMICS_INLINE void atomics_cc_store_8(void *p, atomics_u64 v, int mo) { if (mo == ATOMICS_SEQ_CST) { (void)atomics_cc_exchange_8(p, v, mo); return; } ATOMICS_CC_BARRIER_(); _mm_storel_epi64((__m128i *)p, _mm_loadl_epi64((const __m128i *)&v)); }
#endif
ATOMICS_INLINE atomics_u64 atomics_cc_fetch_sub_8(void *p, atomics_u64 v, int mo) { return atomics_cc_fetch_add_8(p, 0u - v, mo); }
#pragma warning(pop)

#else
#error "the atomics core needs GCC, Clang or MSVC"
#endif

#ifndef ATOMICS_NO_ASAN
#define ATOMICS_NO_ASAN
#endif

#endif /* ATOMICS_CORE_COMPILER_H */
