/* sync.c: the synchronization primitives of include/atomics/sync.h (layout,
 * futex protocol and owner-death rules are described there). Waiting goes
 * through wait.c's atomics_wait_once on 4-byte words; every shared field is
 * accessed with the compiler layer's atomics. */
#if defined(__linux__) && !defined(_DEFAULT_SOURCE)
#define _DEFAULT_SOURCE
#endif
#if !defined(_WIN32) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif

#include "atomics/sync.h"
#include "internal.h"

#if defined(_WIN32)
#include <windows.h>
#if defined(_MSC_VER)
#define SYNC_TLS __declspec(thread)
#else /* mingw */
#define SYNC_TLS __thread
#endif
#else
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/types.h>
#include <unistd.h>
#define SYNC_TLS _Thread_local
#endif

#define W_BIT UINT64_C(1)
#define LO32(v) ((uint32_t)(v))
#define HI32(v) ((uint32_t)((v) >> 32))
#define BROKEN_BIT (UINT64_C(1) << 63)
#define GEN_OF(v) ((uint32_t)((v) >> 32) & 0x7fffffffu)
#define RECLAIMING UINT64_C(1) /* a semaphore slot being returned (no real identity is odd) */

/* The 4-byte half of a 64-bit word holding its low / high 32 bits. */
static void *low_half(void *w) { return (char *)w + (ATOMICS_LITTLE_ENDIAN ? 0 : 4); }
static void *high_half(void *w) { return (char *)w + (ATOMICS_LITTLE_ENDIAN ? 4 : 0); }

static uint32_t ld4(const void *p) { return atomics_cc_load_4(p, ATOMICS_SEQ_CST); }
static uint64_t ld8(const void *p) { return atomics_cc_load_8(p, ATOMICS_SEQ_CST); }
static void st4(void *p, uint32_t v) { atomics_cc_store_4(p, v, ATOMICS_SEQ_CST); }
static void st8(void *p, uint64_t v) { atomics_cc_store_8(p, v, ATOMICS_SEQ_CST); }
static int cas4(void *p, uint32_t *e, uint32_t d) {
    atomics_u32 x = *e;
    int ok = atomics_cc_cas_4(p, &x, d, 0, ATOMICS_SEQ_CST, ATOMICS_SEQ_CST);
    *e = x;
    return ok;
}
static int cas8(void *p, uint64_t *e, uint64_t d) {
    atomics_u64 x = *e;
    int ok = atomics_cc_cas_8(p, &x, d, 0, ATOMICS_SEQ_CST, ATOMICS_SEQ_CST);
    *e = x;
    return ok;
}

static int64_t deadline_of(int64_t timeout_ns) {
    if (timeout_ns < 0)
        return INT64_MAX;
    int64_t now = atomics_monotonic_ns();
    return timeout_ns > INT64_MAX - now ? INT64_MAX : now + timeout_ns;
}

/* Sleeps while the 4-byte word holds `expect`, until `until` at most.
 * 1 if a signal handler interrupted the sleep, else 0. */
static int sleep_until(void *word, uint32_t expect, int64_t until) {
    int64_t left = until == INT64_MAX ? -1 : until - atomics_monotonic_ns();
    if (left == 0 || (left < 0 && until != INT64_MAX))
        return 0;
    int r = atomics_wait_once(atomics_load_4, word, 4, &expect, ATOMICS_SEQ_CST, left);
    return r == ATOMICS_WAIT_INTERRUPTED;
}

static void wake(void *word, uint32_t n) {
    if (n == 1)
        atomics_notify_one(word, 4);
    else if (n > 1)
        atomics_notify_all(word, 4);
}

/* ---- identities ----------------------------------------------------------------- */

static uint64_t self_ident; /* 0 until computed; reset in a forked child */
static uint32_t thread_counter;
static SYNC_TLS uint32_t my_thread;

static uint64_t mix64(uint64_t x) {
    x ^= x >> 33;
    x *= UINT64_C(0xff51afd7ed558ccd);
    x ^= x >> 33;
    x *= UINT64_C(0xc4ceb9fe1a85ec53);
    x ^= x >> 33;
    return x;
}

#if defined(__linux__)
/* The tag: bit 30 set when it is the hash of the start time (others can
 * verify it), clear when it is a per-process generation. Never 0. */
static uint32_t tag_of_start(uint64_t start) {
    return (uint32_t)(mix64(start) & 0x3fffffffu) | 0x40000000u;
}

/* Field 22 (start time) and field 3 (state) of /proc/<pid>/stat; 0 if unreadable. */
static int proc_stat(long pid, uint64_t *start, char *state) {
    char path[64], buf[1024];
    snprintf(path, sizeof path, pid ? "/proc/%ld/stat" : "/proc/self/stat", pid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *p = strrchr(buf, ')');
    if (p == NULL || p[1] != ' ')
        return 0;
    p += 2; /* field 3 */
    *state = *p;
    for (int field = 3; field < 22; field++) {
        p = strchr(p, ' ');
        if (p == NULL)
            return 0;
        p++;
    }
    uint64_t v = 0;
    if (*p < '0' || *p > '9')
        return 0;
    while (*p >= '0' && *p <= '9')
        v = v * 10 + (uint64_t)(*p++ - '0');
    *start = v;
    return 1;
}
#endif

#if !defined(_WIN32)
static void forget_identity(void) { atomics_cc_store_8(&self_ident, 0, ATOMICS_SEQ_CST); }
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;
static void install_atfork(void) { pthread_atfork(NULL, NULL, forget_identity); }
#endif

static uint64_t compute_identity(void) {
    uint32_t tag;
#if defined(_WIN32)
    uint64_t pid = (uint64_t)GetCurrentProcessId();
    tag = (uint32_t)(mix64((uint64_t)atomics_monotonic_ns() ^ pid) & 0x3fffffffu);
#else
    pthread_once(&atfork_once, install_atfork);
    uint64_t pid = (uint64_t)(uint32_t)getpid();
    tag = 0;
#if defined(__linux__)
    uint64_t start;
    char state;
    if (proc_stat(0, &start, &state))
        tag = tag_of_start(start);
#endif
    if (tag == 0)
        tag = (uint32_t)(mix64((uint64_t)atomics_monotonic_ns() ^ (pid << 20)) & 0x3fffffffu);
#endif
    if (tag == 0)
        tag = 1;
    return pid << 32 | (uint64_t)tag << 1;
}

uint64_t atomics_sync_self(void) {
    uint64_t v = atomics_cc_load_8(&self_ident, ATOMICS_ACQUIRE);
    if (ATOMICS_LIKELY(v != 0))
        return v;
    v = compute_identity();
    atomics_cc_store_8(&self_ident, v, ATOMICS_RELEASE);
    return v;
}

uint32_t atomics_sync_thread(void) {
    uint32_t t = my_thread;
    if (ATOMICS_LIKELY(t != 0))
        return t;
    do
        t = atomics_cc_fetch_add_4(&thread_counter, 1, ATOMICS_RELAXED) + 1;
    while (t == 0);
    my_thread = t;
    return t;
}

int atomics_sync_alive(uint64_t ident) {
    ident &= ~W_BIT;
    if (ident == 0)
        return 0;
    if (ident == atomics_sync_self())
        return 1;
#if defined(_WIN32)
    return 1; /* no owner-death detection on Windows */
#else
    long pid = (long)(ident >> 32);
    uint32_t tag = (uint32_t)(ident >> 1) & 0x7fffffffu;
    if (pid <= 0)
        return 0;
    if (kill((pid_t)pid, 0) != 0 && errno == ESRCH)
        return 0;
#if defined(__linux__)
    uint64_t start;
    char state;
    if (proc_stat(pid, &start, &state)) {
        if (state == 'Z' || state == 'X') /* killed, not yet reaped */
            return 0;
        if ((tag & 0x40000000u) && tag_of_start(start) != tag)
            return 0; /* the pid was reused */
    }
#else
    (void)tag;
#endif
    return 1;
#endif
}

/* ---- headers ------------------------------------------------------------------------ */

static uint32_t uid_counter;

static void header_init(atomics_sync_header *h, int type, uint16_t flags) {
    uint64_t uid = mix64(atomics_sync_self() ^ (uint64_t)atomics_monotonic_ns() ^
                         ((uint64_t)(uintptr_t)h << 7) ^
                         atomics_cc_fetch_add_4(&uid_counter, 1, ATOMICS_RELAXED));
    st8(&h->uid, uid ? uid : 1);
    h->type = (uint8_t)type;
    h->version = ATOMICS_SYNC_VERSION;
    h->flags = flags;
    atomics_cc_store_4(&h->magic, ATOMICS_SYNC_MAGIC, ATOMICS_SEQ_CST); /* last */
}

int atomics_sync_check(const void *p, int type) {
    const atomics_sync_header *h = (const atomics_sync_header *)p;
    if (p == NULL || (uintptr_t)p % ATOMICS_SYNC_ALIGNMENT != 0)
        return ATOMICS_SYNC_EINVAL;
    if (atomics_cc_load_4(&h->magic, ATOMICS_ACQUIRE) != ATOMICS_SYNC_MAGIC ||
        atomics_cc_load_1(&h->type, ATOMICS_RELAXED) != type ||
        atomics_cc_load_1(&h->version, ATOMICS_RELAXED) != ATOMICS_SYNC_VERSION)
        return ATOMICS_SYNC_EINVAL;
    return 0;
}

size_t atomics_sync_size(int type) {
    switch (type) {
    case ATOMICS_SYNC_LOCK: return sizeof(atomics_lock);
    case ATOMICS_SYNC_RLOCK: return sizeof(atomics_rlock);
    case ATOMICS_SYNC_SEMAPHORE: return sizeof(atomics_semaphore);
    case ATOMICS_SYNC_EVENT: return sizeof(atomics_event);
    case ATOMICS_SYNC_CONDITION: return sizeof(atomics_condition);
    case ATOMICS_SYNC_BARRIER: return sizeof(atomics_barrier);
    case ATOMICS_SYNC_LATCH: return sizeof(atomics_latch);
    default: return 0;
    }
}

_Static_assert(sizeof(atomics_sync_header) == 16, "layout");
_Static_assert(sizeof(atomics_lock) == 32, "layout");
_Static_assert(sizeof(atomics_rlock) == 40, "layout");
_Static_assert(sizeof(atomics_semaphore) == 288, "layout");
_Static_assert(sizeof(atomics_event) == 24, "layout");
_Static_assert(offsetof(atomics_condition, lock) == 40 && sizeof(atomics_condition) == 80,
               "layout");
_Static_assert(sizeof(atomics_barrier) == 32, "layout");
_Static_assert(sizeof(atomics_latch) == 24, "layout");

/* ---- the owner word (lock, rlock) ------------------------------------------------------ */

static void clear_died(uint32_t *died) {
    if (atomics_cc_load_4(died, ATOMICS_RELAXED) != 0)
        st4(died, 0);
}

static int own_acquire(uint64_t *word, uint32_t *died, int64_t timeout_ns) {
    uint64_t me = atomics_sync_self();
    uint64_t v = 0;
    if (ATOMICS_LIKELY(cas8(word, &v, me))) {
        clear_died(died);
        return ATOMICS_SYNC_OK;
    }
    if (timeout_ns == 0)
        return ATOMICS_SYNC_TIMEDOUT;
    for (int i = 0; i < ATOMICS_SYNC_SPIN; i++) {
        atomics_cc_pause();
        v = atomics_cc_load_8(word, ATOMICS_RELAXED);
        if (v == 0 && cas8(word, &v, me)) {
            clear_died(died);
            return ATOMICS_SYNC_OK;
        }
    }
    int64_t deadline = deadline_of(timeout_ns);
    for (;;) {
        v = ld8(word);
        if (v == 0) {
            /* others may sleep: keep the bit so that our release wakes one */
            if (cas8(word, &v, me | W_BIT)) {
                clear_died(died);
                return ATOMICS_SYNC_OK;
            }
            continue;
        }
        if (!(v & W_BIT)) {
            if (!cas8(word, &v, v | W_BIT))
                continue;
            v |= W_BIT;
        }
        int64_t now = atomics_monotonic_ns();
        if (now >= deadline)
            return ATOMICS_SYNC_TIMEDOUT;
        int64_t slice_end = now > INT64_MAX - ATOMICS_SYNC_CHECK_NS ? INT64_MAX
                                                                    : now + ATOMICS_SYNC_CHECK_NS;
        int64_t until = deadline < slice_end ? deadline : slice_end;
        if (sleep_until(low_half(word), LO32(v), until))
            return ATOMICS_SYNC_INTERRUPTED;
        /* a whole slice with the same owner: is it alive? */
        if (ld8(word) == v && atomics_monotonic_ns() >= until && !atomics_sync_alive(v)) {
            if (cas8(word, &v, me | W_BIT)) {
                st4(died, 1);
                return ATOMICS_SYNC_OWNER_DIED;
            }
        }
    }
}

static int own_release(uint64_t *word) {
    uint64_t v = atomics_cc_exchange_8(word, 0, ATOMICS_SEQ_CST);
    if (v == 0)
        return ATOMICS_SYNC_NOT_OWNER;
    if (v & W_BIT)
        atomics_notify_one(low_half(word), 4);
    return ATOMICS_SYNC_OK;
}

/* ---- lock ------------------------------------------------------------------------------ */

void atomics_lock_init(atomics_lock *l) {
    st8(&l->owner, 0);
    st4(&l->died, 0);
    st4(&l->reserved, 0);
    header_init(&l->h, ATOMICS_SYNC_LOCK, 0);
}

int atomics_lock_try_acquire(atomics_lock *l) { return own_acquire(&l->owner, &l->died, 0); }

int atomics_lock_acquire(atomics_lock *l, int64_t timeout_ns) {
    return own_acquire(&l->owner, &l->died, timeout_ns);
}

int atomics_lock_release(atomics_lock *l) { return own_release(&l->owner); }

int atomics_lock_locked(const atomics_lock *l) { return ld8(&l->owner) != 0; }

/* ---- rlock ------------------------------------------------------------------------------ */

void atomics_rlock_init(atomics_rlock *l) {
    st8(&l->owner, 0);
    st4(&l->tid, 0);
    st4(&l->count, 0);
    st4(&l->died, 0);
    st4(&l->reserved, 0);
    header_init(&l->h, ATOMICS_SYNC_RLOCK, 0);
}

int atomics_rlock_is_owned(const atomics_rlock *l) {
    return (ld8(&l->owner) & ~W_BIT) == atomics_sync_self() &&
           ld4(&l->tid) == atomics_sync_thread();
}

int atomics_rlock_acquire(atomics_rlock *l, int64_t timeout_ns) {
    if (atomics_rlock_is_owned(l)) {
        uint32_t c = atomics_cc_load_4(&l->count, ATOMICS_RELAXED);
        if (c == UINT32_MAX)
            return ATOMICS_SYNC_OVERFLOW;
        atomics_cc_store_4(&l->count, c + 1, ATOMICS_RELAXED);
        return ATOMICS_SYNC_OK;
    }
    int r = own_acquire(&l->owner, &l->died, timeout_ns);
    if (r == ATOMICS_SYNC_OK || r == ATOMICS_SYNC_OWNER_DIED) {
        atomics_cc_store_4(&l->count, 1, ATOMICS_RELAXED);
        st4(&l->tid, atomics_sync_thread());
    }
    return r;
}

int atomics_rlock_release(atomics_rlock *l) {
    if (!atomics_rlock_is_owned(l))
        return ATOMICS_SYNC_NOT_OWNER;
    uint32_t c = atomics_cc_load_4(&l->count, ATOMICS_RELAXED) - 1;
    atomics_cc_store_4(&l->count, c, ATOMICS_RELAXED);
    if (c == 0) {
        st4(&l->tid, 0);
        own_release(&l->owner);
    }
    return ATOMICS_SYNC_OK;
}

int atomics_rlock_release_all(atomics_rlock *l, uint32_t *count) {
    if (!atomics_rlock_is_owned(l))
        return ATOMICS_SYNC_NOT_OWNER;
    *count = atomics_cc_load_4(&l->count, ATOMICS_RELAXED);
    atomics_cc_store_4(&l->count, 0, ATOMICS_RELAXED);
    st4(&l->tid, 0);
    own_release(&l->owner);
    return ATOMICS_SYNC_OK;
}

int atomics_rlock_acquire_restore(atomics_rlock *l, uint32_t count, int64_t timeout_ns) {
    if (count == 0)
        return ATOMICS_SYNC_EINVAL;
    int r = own_acquire(&l->owner, &l->died, timeout_ns);
    if (r == ATOMICS_SYNC_OK || r == ATOMICS_SYNC_OWNER_DIED) {
        atomics_cc_store_4(&l->count, count, ATOMICS_RELAXED);
        st4(&l->tid, atomics_sync_thread());
    }
    return r;
}

/* ---- semaphore ----------------------------------------------------------------------- */

int atomics_sem_init(atomics_semaphore *s, uint32_t value, uint32_t max) {
    if (max != 0 && value > max)
        return ATOMICS_SYNC_EINVAL;
    st4(&s->count, value);
    st4(&s->nwait, 0);
    st4(&s->max, max);
    st4(&s->died, 0);
    for (int i = 0; i < ATOMICS_SEM_SLOTS; i++) {
        st8(&s->slots[i].holder, 0);
        st4(&s->slots[i].units, 0);
        st4(&s->slots[i].reserved, 0);
    }
    header_init(&s->h, ATOMICS_SYNC_SEMAPHORE, max != 0 ? ATOMICS_SEM_BOUNDED : 0);
    return 0;
}

/* This process's units: +1 for an acquire (claiming a slot), -n for a release. */
static void sem_record(atomics_semaphore *s) {
    uint64_t me = atomics_sync_self();
    int free_slot = -1;
    for (int i = 0; i < ATOMICS_SEM_SLOTS; i++) {
        uint64_t h = ld8(&s->slots[i].holder);
        if (h == me) {
            atomics_cc_fetch_add_4(&s->slots[i].units, 1, ATOMICS_SEQ_CST);
            return;
        }
        if (h == 0 && free_slot < 0)
            free_slot = i;
    }
    for (int i = free_slot < 0 ? ATOMICS_SEM_SLOTS : free_slot; i < ATOMICS_SEM_SLOTS; i++) {
        uint64_t h = 0;
        if (cas8(&s->slots[i].holder, &h, me)) {
            atomics_cc_fetch_add_4(&s->slots[i].units, 1, ATOMICS_SEQ_CST);
            return;
        }
    }
    /* more than ATOMICS_SEM_SLOTS processes hold units: this one is untracked */
}

static void sem_unrecord(atomics_semaphore *s, uint32_t n) {
    uint64_t me = atomics_sync_self();
    for (int i = 0; i < ATOMICS_SEM_SLOTS; i++) {
        if (ld8(&s->slots[i].holder) != me)
            continue;
        uint32_t u = ld4(&s->slots[i].units);
        uint32_t take = u < n ? u : n;
        if (take == u) {
            st4(&s->slots[i].units, 0);
            st8(&s->slots[i].holder, 0);
        } else {
            atomics_cc_fetch_sub_4(&s->slots[i].units, take, ATOMICS_SEQ_CST);
        }
        return;
    }
}

/* Returns the units of dead holders to the count; non-zero if any. */
static int sem_recover(atomics_semaphore *s) {
    int any = 0;
    uint64_t me = atomics_sync_self();
    for (int i = 0; i < ATOMICS_SEM_SLOTS; i++) {
        uint64_t h = ld8(&s->slots[i].holder);
        if (h == 0 || h == RECLAIMING || h == me || atomics_sync_alive(h))
            continue;
        if (!cas8(&s->slots[i].holder, &h, RECLAIMING))
            continue;
        uint32_t u = atomics_cc_exchange_4(&s->slots[i].units, 0, ATOMICS_SEQ_CST);
        st8(&s->slots[i].holder, 0);
        if (u) {
            atomics_cc_fetch_add_4(&s->count, u, ATOMICS_SEQ_CST);
            any = 1;
        }
    }
    return any;
}

static int sem_try(atomics_semaphore *s) {
    uint32_t c = atomics_cc_load_4(&s->count, ATOMICS_RELAXED);
    while (c > 0) {
        if (cas4(&s->count, &c, c - 1)) {
            sem_record(s);
            return 1;
        }
    }
    return 0;
}

int atomics_sem_acquire(atomics_semaphore *s, int64_t timeout_ns) {
    if (ATOMICS_LIKELY(sem_try(s))) {
        clear_died(&s->died);
        return ATOMICS_SYNC_OK;
    }
    if (timeout_ns == 0)
        return ATOMICS_SYNC_TIMEDOUT;
    int64_t deadline = deadline_of(timeout_ns);
    int recovered = 0, r;
    atomics_cc_fetch_add_4(&s->nwait, 1, ATOMICS_SEQ_CST);
    for (;;) {
        if (sem_try(s)) {
            r = recovered ? ATOMICS_SYNC_OWNER_DIED : ATOMICS_SYNC_OK;
            break;
        }
        int64_t now = atomics_monotonic_ns();
        if (now >= deadline) {
            r = ATOMICS_SYNC_TIMEDOUT;
            break;
        }
        int64_t slice_end = now > INT64_MAX - ATOMICS_SYNC_CHECK_NS ? INT64_MAX
                                                                    : now + ATOMICS_SYNC_CHECK_NS;
        int64_t until = deadline < slice_end ? deadline : slice_end;
        if (sleep_until(&s->count, 0, until)) {
            r = ATOMICS_SYNC_INTERRUPTED;
            break;
        }
        if (ld4(&s->count) == 0 && atomics_monotonic_ns() >= until && sem_recover(s))
            recovered = 1;
    }
    atomics_cc_fetch_sub_4(&s->nwait, 1, ATOMICS_SEQ_CST);
    if (r == ATOMICS_SYNC_OK)
        clear_died(&s->died);
    else if (r == ATOMICS_SYNC_OWNER_DIED)
        st4(&s->died, 1);
    else if (recovered) /* returned units we did not take: wake who can */
        atomics_notify_all(&s->count, 4);
    return r;
}

int atomics_sem_release(atomics_semaphore *s, uint32_t n) {
    if (n == 0)
        return ATOMICS_SYNC_EINVAL;
    uint32_t max = ld4(&s->max);
    uint32_t c = ld4(&s->count);
    for (;;) {
        if (c > UINT32_MAX - n || (max != 0 && c + n > max))
            return ATOMICS_SYNC_OVERFLOW;
        if (cas4(&s->count, &c, c + n))
            break;
    }
    sem_unrecord(s, n);
    if (ld4(&s->nwait) != 0)
        wake(&s->count, n);
    return ATOMICS_SYNC_OK;
}

uint32_t atomics_sem_value(const atomics_semaphore *s) { return ld4(&s->count); }

/* ---- event ------------------------------------------------------------------------------- */

void atomics_event_init(atomics_event *e) {
    st4(&e->flag, 0);
    st4(&e->nwait, 0);
    header_init(&e->h, ATOMICS_SYNC_EVENT, 0);
}

/* The flag word: bit 0 set, bits 1-31 count the sets, so that a waiter
 * that sees the word change from an unset value knows a set happened even
 * if a clear followed before it woke (threading's Event.wait returns True
 * then). */
void atomics_event_set(atomics_event *e) {
    uint32_t v = ld4(&e->flag);
    while (!(v & 1u))
        if (cas4(&e->flag, &v, (v + 2u) | 1u)) {
            if (ld4(&e->nwait) != 0)
                atomics_notify_all(&e->flag, 4);
            return;
        }
}

void atomics_event_clear(atomics_event *e) { atomics_cc_fetch_and_4(&e->flag, ~1u, ATOMICS_SEQ_CST); }

int atomics_event_is_set(const atomics_event *e) { return (ld4(&e->flag) & 1u) != 0; }

/* Waits while the 4-byte *word != 0 (done_if_zero) or == 0 (else), with
 * nwait counting sleepers. */
static int wait_word(uint32_t *word, uint32_t *nwait, int done_if_zero, int64_t timeout_ns) {
    uint32_t v = ld4(word);
    if ((v == 0) == done_if_zero)
        return ATOMICS_SYNC_OK;
    if (timeout_ns == 0)
        return ATOMICS_SYNC_TIMEDOUT;
    int64_t deadline = deadline_of(timeout_ns);
    int r;
    atomics_cc_fetch_add_4(nwait, 1, ATOMICS_SEQ_CST);
    for (;;) {
        v = ld4(word);
        if ((v == 0) == done_if_zero) {
            r = ATOMICS_SYNC_OK;
            break;
        }
        if (atomics_monotonic_ns() >= deadline) {
            r = ATOMICS_SYNC_TIMEDOUT;
            break;
        }
        if (sleep_until(word, v, deadline)) {
            r = ATOMICS_SYNC_INTERRUPTED;
            break;
        }
    }
    atomics_cc_fetch_sub_4(nwait, 1, ATOMICS_SEQ_CST);
    return r;
}

uint32_t atomics_event_state(const atomics_event *e) { return ld4(&e->flag); }

int atomics_event_wait(atomics_event *e, int64_t timeout_ns) {
    return atomics_event_wait_since(e, ld4(&e->flag), timeout_ns);
}

int atomics_event_wait_since(atomics_event *e, uint32_t v, int64_t timeout_ns) {
    if (v & 1u || ld4(&e->flag) != v)
        return ATOMICS_SYNC_OK;
    if (timeout_ns == 0)
        return ATOMICS_SYNC_TIMEDOUT;
    int64_t deadline = deadline_of(timeout_ns);
    int r;
    atomics_cc_fetch_add_4(&e->nwait, 1, ATOMICS_SEQ_CST);
    for (;;) {
        if (ld4(&e->flag) != v) { /* set since (perhaps cleared again) */
            r = ATOMICS_SYNC_OK;
            break;
        }
        if (atomics_monotonic_ns() >= deadline) {
            r = ATOMICS_SYNC_TIMEDOUT;
            break;
        }
        if (sleep_until(&e->flag, v, deadline)) {
            r = ATOMICS_SYNC_INTERRUPTED;
            break;
        }
    }
    atomics_cc_fetch_sub_4(&e->nwait, 1, ATOMICS_SEQ_CST);
    return r;
}

/* ---- condition ------------------------------------------------------------------------- */

#define CV_WAITER (UINT64_C(1) << 32)

void atomics_cond_init(atomics_condition *c, uint32_t flags, uint64_t lock_uid) {
    st4(&c->seq, 0);
    st4(&c->flags, flags & (ATOMICS_COND_EXTERNAL | ATOMICS_COND_EXTERNAL_RLOCK));
    st8(&c->cv, 0);
    atomics_rlock_init(&c->lock);
    st8(&c->lock_uid, (flags & ATOMICS_COND_EXTERNAL) ? lock_uid : ld8(&c->lock.h.uid));
    header_init(&c->h, ATOMICS_SYNC_CONDITION, 0);
}

void atomics_cond_prepare(atomics_condition *c) {
    atomics_cc_fetch_add_8(&c->cv, CV_WAITER, ATOMICS_SEQ_CST);
}

static int cond_take_token(atomics_condition *c) {
    uint64_t v = ld8(&c->cv);
    while (LO32(v) != 0)
        if (cas8(&c->cv, &v, v - CV_WAITER - 1))
            return 1;
    return 0;
}

int atomics_cond_wait_step(atomics_condition *c, int64_t timeout_ns) {
    int64_t deadline = deadline_of(timeout_ns);
    for (;;) {
        uint32_t s = ld4(&c->seq); /* before the look: a later notify changes it */
        if (cond_take_token(c))
            return ATOMICS_SYNC_OK;
        if (atomics_monotonic_ns() >= deadline)
            return ATOMICS_SYNC_TIMEDOUT;
        if (sleep_until(&c->seq, s, deadline))
            return ATOMICS_SYNC_INTERRUPTED;
    }
}

int atomics_cond_cancel(atomics_condition *c) {
    uint64_t v = ld8(&c->cv);
    for (;;) {
        if (LO32(v) != 0) {
            if (cas8(&c->cv, &v, v - CV_WAITER - 1))
                return ATOMICS_SYNC_OK;
        } else if (HI32(v) == 0) {
            return ATOMICS_SYNC_EINVAL; /* not waiting */
        } else if (cas8(&c->cv, &v, v - CV_WAITER)) {
            return ATOMICS_SYNC_TIMEDOUT;
        }
    }
}

uint32_t atomics_cond_notify(atomics_condition *c, uint32_t n) {
    uint64_t v = ld8(&c->cv);
    uint32_t k;
    for (;;) {
        uint32_t pending = HI32(v) - LO32(v);
        k = n < pending ? n : pending;
        if (k == 0)
            return 0;
        if (cas8(&c->cv, &v, v + k))
            break;
    }
    atomics_cc_fetch_add_4(&c->seq, 1, ATOMICS_SEQ_CST);
    wake(&c->seq, k);
    return k;
}

int atomics_cond_wait(atomics_condition *c, int64_t timeout_ns) {
    uint32_t count;
    int64_t deadline = deadline_of(timeout_ns);
    if (!atomics_rlock_is_owned(&c->lock))
        return ATOMICS_SYNC_NOT_OWNER;
    atomics_cond_prepare(c);
    atomics_rlock_release_all(&c->lock, &count);
    int r;
    for (;;) {
        int64_t left = deadline == INT64_MAX ? -1 : deadline - atomics_monotonic_ns();
        r = atomics_cond_wait_step(c, left < 0 && deadline != INT64_MAX ? 0 : left);
        if (r != ATOMICS_SYNC_INTERRUPTED)
            break;
    }
    if (r == ATOMICS_SYNC_TIMEDOUT)
        r = atomics_cond_cancel(c);
    int a;
    do
        a = atomics_rlock_acquire_restore(&c->lock, count, -1);
    while (a == ATOMICS_SYNC_INTERRUPTED);
    return r;
}

/* ---- barrier ------------------------------------------------------------------------------ */

int atomics_barrier_init(atomics_barrier *b, uint32_t parties) {
    if (parties == 0)
        return ATOMICS_SYNC_EINVAL;
    st8(&b->st, 0);
    st4(&b->parties, parties);
    st4(&b->resets, 0);
    header_init(&b->h, ATOMICS_SYNC_BARRIER, 0);
    return 0;
}

int atomics_barrier_arrive(atomics_barrier *b, uint32_t *index, uint32_t *gen, uint32_t *resets,
                           int64_t timeout_ns) {
    uint32_t parties = ld4(&b->parties);
    int64_t deadline = deadline_of(timeout_ns);
    for (;;) {
        uint64_t v = ld8(&b->st);
        if (v & BROKEN_BIT)
            return ATOMICS_SYNC_BROKEN;
        uint32_t n = LO32(v);
        if (n >= parties) { /* the last one is finishing the round: wait for the next */
            if (atomics_monotonic_ns() >= deadline)
                return ATOMICS_SYNC_TIMEDOUT;
            if (sleep_until(high_half(&b->st), HI32(v), deadline))
                return ATOMICS_SYNC_INTERRUPTED;
            continue;
        }
        uint32_t r = ld4(&b->resets);
        if (cas8(&b->st, &v, v + 1)) {
            *index = n;
            *gen = GEN_OF(v);
            *resets = r;
            return ATOMICS_SYNC_OK;
        }
    }
}

int atomics_barrier_await(atomics_barrier *b, uint32_t gen, uint32_t resets, int64_t timeout_ns) {
    int64_t deadline = deadline_of(timeout_ns);
    for (;;) {
        uint64_t v = ld8(&b->st);
        if (ld4(&b->resets) != resets)
            return ATOMICS_SYNC_BROKEN;
        if (GEN_OF(v) != gen)
            return ATOMICS_SYNC_OK;
        if (v & BROKEN_BIT)
            return ATOMICS_SYNC_BROKEN;
        if (atomics_monotonic_ns() >= deadline)
            return ATOMICS_SYNC_TIMEDOUT;
        if (sleep_until(high_half(&b->st), HI32(v), deadline))
            return ATOMICS_SYNC_INTERRUPTED;
    }
}

void atomics_barrier_complete(atomics_barrier *b, uint32_t gen) {
    uint64_t v = ld8(&b->st);
    while (!(v & BROKEN_BIT) && GEN_OF(v) == gen)
        if (cas8(&b->st, &v, (uint64_t)((gen + 1) & 0x7fffffffu) << 32))
            break;
    atomics_notify_all(high_half(&b->st), 4);
}

void atomics_barrier_abort(atomics_barrier *b) {
    atomics_cc_fetch_or_8(&b->st, BROKEN_BIT, ATOMICS_SEQ_CST);
    atomics_notify_all(high_half(&b->st), 4);
}

void atomics_barrier_reset(atomics_barrier *b) {
    atomics_cc_fetch_add_4(&b->resets, 1, ATOMICS_SEQ_CST);
    uint64_t v = ld8(&b->st);
    while (!cas8(&b->st, &v, (uint64_t)((GEN_OF(v) + 1) & 0x7fffffffu) << 32)) {
    }
    atomics_notify_all(high_half(&b->st), 4);
}

int atomics_barrier_broken(const atomics_barrier *b) { return (ld8(&b->st) & BROKEN_BIT) != 0; }

uint32_t atomics_barrier_n_waiting(const atomics_barrier *b) {
    uint64_t v = ld8(&b->st);
    uint32_t n = LO32(v);
    return (v & BROKEN_BIT) || n >= ld4(&b->parties) ? 0 : n;
}

int atomics_barrier_wait(atomics_barrier *b, uint32_t *index, int64_t timeout_ns) {
    uint32_t gen, resets;
    int64_t deadline = deadline_of(timeout_ns);
    int r;
    do
        r = atomics_barrier_arrive(b, index, &gen, &resets, timeout_ns);
    while (r == ATOMICS_SYNC_INTERRUPTED);
    if (r == ATOMICS_SYNC_TIMEDOUT) {
        atomics_barrier_abort(b);
        return ATOMICS_SYNC_BROKEN;
    }
    if (r != ATOMICS_SYNC_OK)
        return r;
    if (*index == ld4(&b->parties) - 1) {
        atomics_barrier_complete(b, gen);
        return ATOMICS_SYNC_OK;
    }
    for (;;) {
        int64_t left = deadline == INT64_MAX ? -1 : deadline - atomics_monotonic_ns();
        r = atomics_barrier_await(b, gen, resets, left < 0 && deadline != INT64_MAX ? 0 : left);
        if (r != ATOMICS_SYNC_INTERRUPTED)
            break;
    }
    if (r == ATOMICS_SYNC_TIMEDOUT) {
        atomics_barrier_abort(b);
        return ATOMICS_SYNC_BROKEN;
    }
    return r;
}

/* ---- latch --------------------------------------------------------------------------------- */

int atomics_latch_init(atomics_latch *l, uint32_t count) {
    st4(&l->count, count);
    st4(&l->nwait, 0);
    header_init(&l->h, ATOMICS_SYNC_LATCH, 0);
    return 0;
}

int atomics_latch_count_down(atomics_latch *l, uint32_t n) {
    uint32_t c = ld4(&l->count);
    for (;;) {
        if (n > c)
            return ATOMICS_SYNC_OVERFLOW;
        if (cas4(&l->count, &c, c - n))
            break;
    }
    if (c == n && n != 0 && ld4(&l->nwait) != 0)
        atomics_notify_all(&l->count, 4);
    return ATOMICS_SYNC_OK;
}

int atomics_latch_try_wait(const atomics_latch *l) { return ld4(&l->count) == 0; }

int atomics_latch_wait(atomics_latch *l, int64_t timeout_ns) {
    return wait_word(&l->count, &l->nwait, 1, timeout_ns);
}
