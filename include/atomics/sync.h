/* sync.h: synchronization primitives in shared memory (lock, recursive lock,
 * semaphore, event, condition, barrier, latch), the C side of atomics.Lock,
 * atomics.RLock, ... A C or C++ process that maps the same memory takes the
 * same lock as a Python one. No Python.h; link the atomics_core library.
 *
 * Layout. Every primitive starts with a 16-byte header, then its state
 * words; all fields are native-endian, the primitive 8-byte aligned:
 *   header   u32 magic 'ASYN' (0x4e595341) | u8 type (ATOMICS_SYNC_*) |
 *            u8 version (1) | u16 flags | u64 uid (random-ish, set at init;
 *            a Condition records its external lock's uid)
 *   lock     @16 u64 owner | @24 u32 died | @28 u32 reserved       (32 bytes)
 *   rlock    @16 u64 owner | @24 u32 tid | @28 u32 count | @32 u32 died (40)
 *   sem      @16 u32 count | @20 u32 nwait | @24 u32 max (0: unbounded) |
 *            (header flags bit 0 (ATOMICS_SEM_BOUNDED): a BoundedSemaphore,
 *            whose bound is max, 0 included: the binding refuses releases) |
 *            @28 u32 died | @32 16 slots {u64 holder; u32 units; u32 pad} (288)
 *   event    @16 u32 flag (bit 0: set; bits 1-31 count the sets, so a
 *            waiter sees a set even if a clear came before it woke) |
 *            @20 u32 nwait                                          (24)
 *   cond     @16 u32 seq | @20 u32 flags (1: external lock, 2: it is an rlock)
 *            | @24 u64 cv (waiters << 32 | tokens) | @32 u64 lock uid |
 *            @40 an embedded rlock (used unless external)           (80)
 *   barrier  @16 u64 st (bit 63 broken | generation << 32 | arrived) |
 *            @24 u32 parties | @28 u32 resets                      (32)
 *   latch    @16 u32 count | @20 u32 nwait                         (24)
 *
 * Owner identity: a process is the 64-bit value pid << 32 | tag << 1, where
 * tag is a non-zero 31-bit hash of the process's start time (Linux:
 * /proc/self/stat field 22; elsewhere a hash of the time it first asked), so
 * a reused pid carries another tag. A lock's owner word is 0 when free, else
 * the owner's identity with bit 0 set when waiters may sleep. Ownership and
 * identity change together, in one compare-and-swap of that word: a waiter
 * that finds the owner dead takes over with a CAS from the exact value it
 * judged, so a stale judgment (the lock changed hands meanwhile) fails.
 * An rlock adds the owning thread (tid, a per-process thread number, written
 * by the owner only, cleared before it releases) and the recursion count.
 *
 * Futex protocol. Waiters sleep on 4-byte words with atomics_wait_once (a
 * futex without FUTEX_PRIVATE_FLAG on Linux, so processes share it): the
 * lock's owner word's low half (the half that holds the waiters bit; it is
 * non-zero while locked and 0 when free), the semaphore's count, the
 * event's flag, the condition's seq, the barrier's high half (generation
 * and broken bit), the latch's count. Acquire: CAS 0 -> me; else a bounded
 * spin (ATOMICS_SYNC_SPIN), then set the waiters bit and sleep; release:
 * exchange 0, and wake one sleeper if the bit was set (no thundering herd;
 * a woken waiter takes the lock with the bit set). Condition: wait registers
 * (waiters + 1) holding the lock, reads seq, releases the lock and sleeps on
 * seq until it can consume a token; notify(n) adds min(n, waiters - tokens)
 * tokens, bumps seq and wakes that many: at most n waiters return.
 *
 * Owner death. A waiter sleeps in slices of at most ATOMICS_SYNC_CHECK_NS;
 * when a slice passes without the owner word changing it asks whether the
 * owner lives: kill(pid, 0) failing with ESRCH, or (Linux) a start time that
 * no longer hashes to the tag, means dead. The takeover returns
 * ATOMICS_SYNC_OWNER_DIED with the lock held, and `died` is set until the
 * next acquire that is not a takeover. So a dead holder is replaced within
 * about ATOMICS_SYNC_CHECK_NS (+ the check) of the first waiter arriving.
 * Semaphores record each acquiring process's units in one of 16 slots; a
 * waiter returns a dead process's units (units of a 17th concurrent process
 * are not tracked; a process killed between its count update and its slot
 * update can leak or return one unit). Windows: no death detection.
 *
 * Use from C:
 *     atomics_lock *l = (atomics_lock *)(shm + off);   // off % 8 == 0
 *     atomics_lock_init(l);                            // once, by one process
 *     // others: atomics_sync_check(l, ATOMICS_SYNC_LOCK) == 0
 *     int r = atomics_lock_acquire(l, -1);             // -1: no timeout
 *     if (r == ATOMICS_SYNC_OK || r == ATOMICS_SYNC_OWNER_DIED) {
 *         ... ; atomics_lock_release(l);
 *     }
 * Blocking calls take a timeout in nanoseconds (< 0: none) and return
 * ATOMICS_SYNC_OK, _OWNER_DIED (held, the last holder died), _TIMEDOUT,
 * _INTERRUPTED (a signal handler ran: call again with the time left),
 * _BROKEN (barrier); errors are negative. */
#ifndef ATOMICS_SYNC_H
#define ATOMICS_SYNC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ATOMICS_SYNC_MAGIC 0x4e595341u /* "ASYN" on little-endian machines */
#define ATOMICS_SYNC_VERSION 1

/* header types */
#define ATOMICS_SYNC_LOCK 1
#define ATOMICS_SYNC_RLOCK 2
#define ATOMICS_SYNC_SEMAPHORE 3
#define ATOMICS_SYNC_EVENT 4
#define ATOMICS_SYNC_CONDITION 5
#define ATOMICS_SYNC_BARRIER 6
#define ATOMICS_SYNC_LATCH 7

/* results */
#define ATOMICS_SYNC_OK 0
#define ATOMICS_SYNC_OWNER_DIED 1
#define ATOMICS_SYNC_TIMEDOUT 2
#define ATOMICS_SYNC_INTERRUPTED 3
#define ATOMICS_SYNC_BROKEN 4
#define ATOMICS_SYNC_EINVAL (-1)     /* bad argument or header */
#define ATOMICS_SYNC_NOT_OWNER (-2)  /* release of a lock not held / not owned */
#define ATOMICS_SYNC_OVERFLOW (-3)   /* a count would leave its range */

#define ATOMICS_SYNC_CHECK_NS INT64_C(100000000) /* owner liveness check interval */
#define ATOMICS_SYNC_SPIN 100                   /* spins before sleeping */
#define ATOMICS_SEM_SLOTS 16
#define ATOMICS_SEM_BOUNDED 1u /* header flags of a bounded semaphore */
#define ATOMICS_COND_EXTERNAL 1u
#define ATOMICS_COND_EXTERNAL_RLOCK 2u

typedef struct atomics_sync_header {
    uint32_t magic;
    uint8_t type;
    uint8_t version;
    uint16_t flags;
    uint64_t uid;
} atomics_sync_header;

typedef struct atomics_lock {
    atomics_sync_header h;
    uint64_t owner;
    uint32_t died;
    uint32_t reserved;
} atomics_lock;

typedef struct atomics_rlock {
    atomics_sync_header h;
    uint64_t owner;
    uint32_t tid;
    uint32_t count;
    uint32_t died;
    uint32_t reserved;
} atomics_rlock;

typedef struct atomics_sem_slot {
    uint64_t holder;
    uint32_t units;
    uint32_t reserved;
} atomics_sem_slot;

typedef struct atomics_semaphore {
    atomics_sync_header h;
    uint32_t count;
    uint32_t nwait;
    uint32_t max;
    uint32_t died;
    atomics_sem_slot slots[ATOMICS_SEM_SLOTS];
} atomics_semaphore;

typedef struct atomics_event {
    atomics_sync_header h;
    uint32_t flag;
    uint32_t nwait;
} atomics_event;

typedef struct atomics_condition {
    atomics_sync_header h;
    uint32_t seq;
    uint32_t flags;
    uint64_t cv;
    uint64_t lock_uid;
    atomics_rlock lock;
} atomics_condition;

typedef struct atomics_barrier {
    atomics_sync_header h;
    uint64_t st;
    uint32_t parties;
    uint32_t resets;
} atomics_barrier;

typedef struct atomics_latch {
    atomics_sync_header h;
    uint32_t count;
    uint32_t nwait;
} atomics_latch;

#define ATOMICS_SYNC_ALIGNMENT 8

/* 0 if `p` holds an initialised primitive of `type` (header checked), else
 * ATOMICS_SYNC_EINVAL. */
int atomics_sync_check(const void *p, int type);
/* The size a primitive of `type` needs, or 0. */
size_t atomics_sync_size(int type);
/* This process's identity (pid << 32 | tag << 1) and this thread's number. */
uint64_t atomics_sync_self(void);
uint32_t atomics_sync_thread(void);
/* 1 if the process `identity` names is alive (or cannot be judged), 0 if dead. */
int atomics_sync_alive(uint64_t identity);

void atomics_lock_init(atomics_lock *l);
int atomics_lock_try_acquire(atomics_lock *l); /* OK, OWNER_DIED never, TIMEDOUT if held */
int atomics_lock_acquire(atomics_lock *l, int64_t timeout_ns);
int atomics_lock_release(atomics_lock *l); /* NOT_OWNER if unlocked */
int atomics_lock_locked(const atomics_lock *l);

void atomics_rlock_init(atomics_rlock *l);
int atomics_rlock_acquire(atomics_rlock *l, int64_t timeout_ns); /* 0: try */
int atomics_rlock_release(atomics_rlock *l);                      /* NOT_OWNER */
int atomics_rlock_is_owned(const atomics_rlock *l);               /* by this thread */
/* Releases every level (count saved in *count); restores them. */
int atomics_rlock_release_all(atomics_rlock *l, uint32_t *count);
int atomics_rlock_acquire_restore(atomics_rlock *l, uint32_t count, int64_t timeout_ns);

/* max: 0 for unbounded, else the bound (BoundedSemaphore's initial value). */
int atomics_sem_init(atomics_semaphore *s, uint32_t value, uint32_t max);
int atomics_sem_acquire(atomics_semaphore *s, int64_t timeout_ns); /* 0: try */
int atomics_sem_release(atomics_semaphore *s, uint32_t n); /* OVERFLOW past max */
uint32_t atomics_sem_value(const atomics_semaphore *s);

void atomics_event_init(atomics_event *e);
void atomics_event_set(atomics_event *e);
void atomics_event_clear(atomics_event *e);
int atomics_event_is_set(const atomics_event *e);
int atomics_event_wait(atomics_event *e, int64_t timeout_ns); /* OK once set */
/* The flag word now, and a wait that ends (OK) once it is set or has been
 * set since the word held `seen` (for waits made of several calls). */
uint32_t atomics_event_state(const atomics_event *e);
int atomics_event_wait_since(atomics_event *e, uint32_t seen, int64_t timeout_ns);

/* external: 0 (the embedded rlock is the lock), or the uid of an external
 * lock with ATOMICS_COND_EXTERNAL[_RLOCK] in flags. */
void atomics_cond_init(atomics_condition *c, uint32_t flags, uint64_t lock_uid);
/* Waiting in steps, for callers that release and retake the lock
 * themselves: prepare (lock held) -> release the lock -> wait_step until OK
 * or the caller gives up -> cancel if it gave up -> retake the lock. */
void atomics_cond_prepare(atomics_condition *c);
int atomics_cond_wait_step(atomics_condition *c, int64_t timeout_ns); /* OK: notified */
int atomics_cond_cancel(atomics_condition *c); /* OK if notified meanwhile */
uint32_t atomics_cond_notify(atomics_condition *c, uint32_t n); /* lock held; woken */
/* The whole wait with the embedded rlock (held once or more by this thread). */
int atomics_cond_wait(atomics_condition *c, int64_t timeout_ns);

int atomics_barrier_init(atomics_barrier *b, uint32_t parties);
/* Arrival: *index, *gen; returns OK, BROKEN, or TIMEDOUT/INTERRUPTED
 * while waiting for a draining round. index == parties - 1: the caller is
 * last and must call complete (or abort). */
int atomics_barrier_arrive(atomics_barrier *b, uint32_t *index, uint32_t *gen,
                           uint32_t *resets, int64_t timeout_ns);
int atomics_barrier_await(atomics_barrier *b, uint32_t gen, uint32_t resets,
                          int64_t timeout_ns); /* OK, BROKEN, TIMEDOUT, INTERRUPTED */
void atomics_barrier_complete(atomics_barrier *b, uint32_t gen);
void atomics_barrier_abort(atomics_barrier *b);
void atomics_barrier_reset(atomics_barrier *b);
int atomics_barrier_broken(const atomics_barrier *b);
uint32_t atomics_barrier_n_waiting(const atomics_barrier *b);
/* The whole wait (timeout breaks the barrier, as threading's): the arrival
 * index in *index, or BROKEN. */
int atomics_barrier_wait(atomics_barrier *b, uint32_t *index, int64_t timeout_ns);

int atomics_latch_init(atomics_latch *l, uint32_t count);
int atomics_latch_count_down(atomics_latch *l, uint32_t n); /* OVERFLOW below 0 */
int atomics_latch_try_wait(const atomics_latch *l);
int atomics_latch_wait(atomics_latch *l, int64_t timeout_ns);

#ifdef __cplusplus
}
#endif

#endif /* ATOMICS_SYNC_H */
