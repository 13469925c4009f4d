/* wait.c: blocking wait and notify on an object's memory (atomics.h,
 * "blocking wait and notify"). The kernel primitives watch aligned 4-byte
 * words, so an object is watched through the words it overlaps: a waiter
 * tells the kernel what each word holds while the object equals *old (its
 * own bytes from *old, the word's other bytes as just read), so a change
 * anywhere in those words before it sleeps makes the sleep return at once.
 * A notify wakes the first word, which every waiter of the object watches.
 *
 * One file per concern would split three short platform blocks; they stay
 * here, each behind one #if, in the same order: clock, sleep, wake. */
#if defined(__linux__) && !defined(_DEFAULT_SOURCE)
#define _DEFAULT_SOURCE /* syscall() */
#elif defined(__APPLE__) && !defined(_DARWIN_C_SOURCE)
#define _DARWIN_C_SOURCE
#endif
#if !defined(_WIN32) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L /* clock_gettime, nanosleep */
#endif

#include "internal.h"

#if defined(_WIN32)
#if !defined(_WIN32_WINNT) || _WIN32_WINNT < 0x0602
#undef _WIN32_WINNT
#define _WIN32_WINNT 0x0602 /* WaitOnAddress: Windows 8 */
#endif
#include <windows.h>
#if defined(_MSC_VER)
#pragma comment(lib, "synchronization.lib")
#endif
#else
#include <errno.h>
#include <time.h>
#if defined(__linux__)
#include <limits.h>
#include <sys/syscall.h>
#include <unistd.h>
#elif defined(__APPLE__)
#include <dlfcn.h>
#include <pthread.h>
#endif
#endif

#define WAIT_MAX_WORDS_ 5 /* 16 bytes at any offset overlap at most 5 words */

/* ---- the clock ------------------------------------------------------------------ */

int64_t atomics_monotonic_ns(void) {
#if defined(_WIN32)
    LARGE_INTEGER freq, count;
    QueryPerformanceFrequency(&freq); /* fixed at boot; cheap to ask */
    QueryPerformanceCounter(&count);
    int64_t f = (int64_t)freq.QuadPart, c = (int64_t)count.QuadPart;
    return (c / f) * 1000000000 + (c % f) * 1000000000 / f;
#else
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + (int64_t)ts.tv_nsec;
#endif
}

/* ---- the words an object overlaps ------------------------------------------------ */

typedef struct {
    uintptr_t first;  /* the first word's address */
    unsigned n;       /* how many words */
} words_;

static words_ words_of(const void *obj, size_t width) {
    words_ w;
    uintptr_t a = (uintptr_t)obj;
    w.first = a & ~(uintptr_t)3;
    w.n = (unsigned)((((a + width - 1) & ~(uintptr_t)3) - w.first) / 4 + 1);
    return w;
}

/* What the word at `word` holds while the object equals *old. The word may
 * reach outside the object's buffer (a 1-byte bytearray): an aligned word
 * never crosses a page, and those bytes are only read, so AddressSanitizer
 * is kept out as in block.c. */
ATOMICS_NO_ASAN
static uint32_t expected_word(uintptr_t word, const void *obj, size_t width,
                              const unsigned char *old) {
    uint32_t v = atomics_cc_load_4((const void *)word, ATOMICS_RELAXED);
    unsigned char b[4];
    uintptr_t a = (uintptr_t)obj;
    memcpy(b, &v, 4);
    for (unsigned j = 0; j < 4; j++)
        if (word + j >= a && word + j < a + width)
            b[j] = old[word + j - a];
    memcpy(&v, b, 4);
    return v;
}

/* Whether a wake-up of the first word reaches only this object's waiters. */
static int covers_words(const void *obj, size_t width) {
    return (uintptr_t)obj % 4 == 0 && width % 4 == 0;
}

/* Aligned 8-byte objects: Windows and macOS compare all 8 bytes at once. */
#if defined(_WIN32) || defined(__APPLE__)
static int whole_8(const void *obj, size_t width) {
    return width == 8 && (uintptr_t)obj % 8 == 0;
}
#endif

static int64_t min_ns(int64_t timeout_ns, int64_t cap) {
    return timeout_ns < 0 || timeout_ns > cap ? cap : timeout_ns;
}

/* ---- sleeping ----------------------------------------------------------------------
 * sleep_(obj, width, old, timeout_ns): sleeps once while the watched words
 * hold what they hold when the object equals *old; at most timeout_ns
 * (< 0: no limit, unless only part of the object is watched). Returns
 * ATOMICS_WAIT_WOKEN or ATOMICS_WAIT_INTERRUPTED. */

#if !defined(_WIN32) && !defined(__linux__)
/* A plain sleep of at most ATOMICS_WAIT_POLL_NS, for what nothing watches. */
static int poll_sleep(int64_t timeout_ns) {
    int64_t ns = min_ns(timeout_ns, ATOMICS_WAIT_POLL_NS);
    struct timespec ts;
    ts.tv_sec = (time_t)(ns / 1000000000);
    ts.tv_nsec = (long)(ns % 1000000000);
    if (nanosleep(&ts, NULL) != 0 && errno == EINTR)
        return ATOMICS_WAIT_INTERRUPTED;
    return ATOMICS_WAIT_WOKEN;
}
#endif

#if defined(__linux__)

#define FUTEX_WAIT_ 0 /* no FUTEX_PRIVATE_FLAG (128): shared mappings work */
#define FUTEX_WAKE_ 1
#define FUTEX_32_ 2   /* futex_waitv: a 4-byte word, shared */

/* The kernel's types, spelled out so that old headers (and musl's, which
 * have no <linux/futex.h>) do: the time for SYS_futex is `long` seconds and
 * nanoseconds (the 32-bit ABI's original call; relative, so 2038 is no
 * concern), futex_waitv takes a 64-bit absolute time. */
struct futex_ts_ {
    long tv_sec, tv_nsec;
};
struct futex_waitv_ {
    uint64_t val, uaddr;
    uint32_t flags, reserved;
};
struct kernel_ts_ {
    int64_t tv_sec, tv_nsec;
};

#if defined(SYS_futex_waitv)
#define SYS_FUTEX_WAITV_ SYS_futex_waitv
#elif defined(__NR_futex_waitv)
#define SYS_FUTEX_WAITV_ __NR_futex_waitv
#endif

static int futex_result(long rc) {
    return rc != 0 && errno == EINTR ? ATOMICS_WAIT_INTERRUPTED : ATOMICS_WAIT_WOKEN;
}

static int futex_wait1(uintptr_t word, uint32_t expect, int64_t timeout_ns) {
    struct futex_ts_ ts, *tsp = NULL;
    if (timeout_ns >= 0) {
        int64_t sec = timeout_ns / 1000000000;
        ts.tv_sec = sec > LONG_MAX ? LONG_MAX : (long)sec; /* 68 years with a 32-bit long */
        ts.tv_nsec = (long)(timeout_ns % 1000000000);
        tsp = &ts;
    }
    return futex_result(syscall(SYS_futex, (void *)word, FUTEX_WAIT_, expect, tsp, NULL, 0));
}

#if defined(SYS_FUTEX_WAITV_)
/* Set for good when the kernel (before 5.16), qemu-user or a seccomp filter
 * refuses futex_waitv. */
static uint32_t no_waitv;
#endif

static int sleep_(const void *obj, size_t width, const unsigned char *old, int64_t timeout_ns) {
    words_ w = words_of(obj, width);
    if (w.n == 1)
        return futex_wait1(w.first, expected_word(w.first, obj, width, old), timeout_ns);
#if defined(SYS_FUTEX_WAITV_)
    if (!atomics_cc_load_4(&no_waitv, ATOMICS_RELAXED)) {
        struct futex_waitv_ v[WAIT_MAX_WORDS_];
        memset(v, 0, sizeof v);
        for (unsigned i = 0; i < w.n && i < WAIT_MAX_WORDS_; i++) {
            uintptr_t word = w.first + 4 * i;
            v[i].val = expected_word(word, obj, width, old);
            v[i].uaddr = (uint64_t)word;
            v[i].flags = FUTEX_32_;
        }
        struct kernel_ts_ ts, *tsp = NULL;
        if (timeout_ns >= 0) {
            int64_t at = atomics_monotonic_ns();
            at = timeout_ns > INT64_MAX - at ? INT64_MAX : at + timeout_ns;
            ts.tv_sec = at / 1000000000;
            ts.tv_nsec = at % 1000000000;
            tsp = &ts;
        }
        long rc = syscall(SYS_FUTEX_WAITV_, v, w.n < WAIT_MAX_WORDS_ ? w.n : WAIT_MAX_WORDS_, 0,
                          tsp, CLOCK_MONOTONIC);
        if (rc >= 0 || errno == EAGAIN || errno == ETIMEDOUT || errno == EINTR)
            return futex_result(rc >= 0 ? 0 : rc);
        atomics_cc_store_4(&no_waitv, 1, ATOMICS_RELAXED); /* ENOSYS, EPERM, ... */
    }
#endif
    /* the first word only, and no sleep longer than the bound */
    return futex_wait1(w.first, expected_word(w.first, obj, width, old),
                       min_ns(timeout_ns, ATOMICS_WAIT_POLL_NS));
}

static void wake_(const void *obj, size_t width, int all) {
    words_ w = words_of(obj, width);
    if (!covers_words(obj, width))
        all = 1;
    syscall(SYS_futex, (void *)w.first, FUTEX_WAKE_, all ? INT_MAX : 1, NULL, NULL, 0);
}

#elif defined(_WIN32)

static int sleep_(const void *obj, size_t width, const unsigned char *old, int64_t timeout_ns) {
    words_ w = words_of(obj, width);
    int whole = w.n == 1 || whole_8(obj, width);
    if (!whole)
        timeout_ns = min_ns(timeout_ns, ATOMICS_WAIT_POLL_NS);
    DWORD ms = INFINITE;
    if (timeout_ns >= 0) {
        int64_t m = (timeout_ns + 999999) / 1000000; /* never shorter than asked */
        ms = m >= (int64_t)INFINITE ? INFINITE - 1 : (DWORD)m;
    }
    if (whole_8(obj, width)) {
        unsigned char expect[8];
        memcpy(expect, old, 8);
        WaitOnAddress((volatile VOID *)obj, expect, 8, ms);
    } else {
        uint32_t expect = expected_word(w.first, obj, width, old);
        WaitOnAddress((volatile VOID *)w.first, &expect, 4, ms);
    }
    return ATOMICS_WAIT_WOKEN; /* Windows has no signals to interrupt it */
}

static void wake_(const void *obj, size_t width, int all) {
    words_ w = words_of(obj, width);
    if (all || !covers_words(obj, width))
        WakeByAddressAll((PVOID)w.first);
    else
        WakeByAddressSingle((PVOID)w.first);
}

#elif defined(__APPLE__)

/* os_sync_wait_on_address and friends (macOS 14.4+), found at run time so
 * that one build runs on older systems too (they poll). Their prototypes
 * and constants, from <os/os_sync_wait_on_address.h> and <os/clock.h>. */
typedef int (*os_wait_fn_)(void *addr, uint64_t value, size_t size, uint32_t flags);
typedef int (*os_wait_timeout_fn_)(void *addr, uint64_t value, size_t size, uint32_t flags,
                                   uint32_t clockid, uint64_t timeout_ns);
typedef int (*os_wake_fn_)(void *addr, size_t size, uint32_t flags);
#define OS_SYNC_SHARED_ 1u          /* OS_SYNC_{WAIT_ON,WAKE_BY}_ADDRESS_SHARED */
#define OS_CLOCK_MACH_ABSOLUTE_ 32u /* OS_CLOCK_MACH_ABSOLUTE_TIME */
#ifndef RTLD_DEFAULT
#define RTLD_DEFAULT ((void *)-2) /* Apple's value */
#endif

static struct {
    os_wait_fn_ wait;
    os_wait_timeout_fn_ wait_timeout;
    os_wake_fn_ wake_any, wake_all;
} os_sync;
static pthread_once_t os_sync_once = PTHREAD_ONCE_INIT;

static void os_sync_resolve(void) {
    /* function pointers through void *: what POSIX promises dlsym gives */
    void *p[4] = {dlsym(RTLD_DEFAULT, "os_sync_wait_on_address"),
                  dlsym(RTLD_DEFAULT, "os_sync_wait_on_address_with_timeout"),
                  dlsym(RTLD_DEFAULT, "os_sync_wake_by_address_any"),
                  dlsym(RTLD_DEFAULT, "os_sync_wake_by_address_all")};
    if (p[0] && p[1] && p[2] && p[3]) {
        memcpy(&os_sync.wait, &p[0], sizeof p[0]);
        memcpy(&os_sync.wait_timeout, &p[1], sizeof p[1]);
        memcpy(&os_sync.wake_any, &p[2], sizeof p[2]);
        memcpy(&os_sync.wake_all, &p[3], sizeof p[3]);
    }
}

static int have_os_sync(void) {
    pthread_once(&os_sync_once, os_sync_resolve);
    return os_sync.wait != NULL;
}

static int sleep_(const void *obj, size_t width, const unsigned char *old, int64_t timeout_ns) {
    if (!have_os_sync())
        return poll_sleep(timeout_ns);
    words_ w = words_of(obj, width);
    int whole = w.n == 1 || whole_8(obj, width);
    if (!whole)
        timeout_ns = min_ns(timeout_ns, ATOMICS_WAIT_POLL_NS);
    void *addr = (void *)w.first;
    uint64_t value;
    size_t size = 4;
    if (whole_8(obj, width)) {
        memcpy(&value, old, 8);
        size = 8;
    } else {
        value = expected_word(w.first, obj, width, old);
    }
    int rc = timeout_ns < 0
                 ? os_sync.wait(addr, value, size, OS_SYNC_SHARED_)
                 : os_sync.wait_timeout(addr, value, size, OS_SYNC_SHARED_,
                                        OS_CLOCK_MACH_ABSOLUTE_, (uint64_t)timeout_ns);
    return rc < 0 && errno == EINTR ? ATOMICS_WAIT_INTERRUPTED : ATOMICS_WAIT_WOKEN;
}

static void wake_(const void *obj, size_t width, int all) {
    if (!have_os_sync())
        return;
    words_ w = words_of(obj, width);
    size_t size = whole_8(obj, width) ? 8 : 4;
    if (all || !covers_words(obj, width))
        os_sync.wake_all((void *)w.first, size, OS_SYNC_SHARED_);
    else
        os_sync.wake_any((void *)w.first, size, OS_SYNC_SHARED_);
}

#else /* no primitive: poll */

static int sleep_(const void *obj, size_t width, const unsigned char *old, int64_t timeout_ns) {
    (void)obj, (void)width, (void)old;
    return poll_sleep(timeout_ns);
}

static void wake_(const void *obj, size_t width, int all) {
    (void)obj, (void)width, (void)all;
}

#endif

/* ---- the API ---------------------------------------------------------------------- */

int atomics_wait_once(atomics_load_fn load, const void *obj, size_t width, const void *old,
                      atomics_order mo, int64_t timeout_ns) {
    unsigned char now[ATOMICS_MAX_WIDTH];
    if (load == NULL || width == 0 || width > ATOMICS_MAX_WIDTH)
        return ATOMICS_WAIT_UNSUPPORTED;
    load(obj, now, mo);
    if (memcmp(now, old, width) != 0)
        return ATOMICS_WAIT_CHANGED;
    if (timeout_ns == 0)
        return ATOMICS_WAIT_TIMEDOUT;
    return sleep_(obj, width, (const unsigned char *)old, timeout_ns);
}

int atomics_wait(const void *obj, size_t width, const void *old, atomics_order mo,
                 int64_t timeout_ns) {
    const atomics_ops *ops = atomics_ops_for(obj, width, ATOMICS_READONLY);
    if (ops == NULL || ops->load == NULL)
        return ATOMICS_WAIT_UNSUPPORTED;
    int64_t deadline = 0;
    if (timeout_ns > 0) {
        int64_t t = atomics_monotonic_ns();
        deadline = timeout_ns > INT64_MAX - t ? INT64_MAX : t + timeout_ns;
    }
    for (;;) {
        int64_t left = timeout_ns < 0 ? -1 : 0;
        if (timeout_ns > 0) {
            left = deadline - atomics_monotonic_ns();
            if (left < 0)
                left = 0;
        }
        int r = atomics_wait_once(ops->load, obj, width, old, mo, left);
        if (r != ATOMICS_WAIT_WOKEN)
            return r;
    }
}

void atomics_notify_one(const void *obj, size_t width) {
    if (width >= 1 && width <= ATOMICS_MAX_WIDTH)
        wake_(obj, width, 0);
}

void atomics_notify_all(const void *obj, size_t width) {
    if (width >= 1 && width <= ATOMICS_MAX_WIDTH)
        wake_(obj, width, 1);
}
