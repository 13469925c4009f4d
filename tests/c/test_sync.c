/* test_sync.c: the primitives of atomics/sync.h from C: exact counters under
 * a lock from threads and from processes (shared mmap), recursion, the
 * semaphore's count and bound, event, condition notify counts, barrier
 * rounds and breaking, latch, timeouts, and a SIGKILLed holder taken over. */
#define _DEFAULT_SOURCE
#include "atomics/atomics.h"
#include "atomics/sync.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static int failures;
#define CHECK(cond)                                                                   \
    do {                                                                              \
        if (!(cond)) {                                                                \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
            failures++;                                                               \
        }                                                                             \
    } while (0)

#define MS INT64_C(1000000)

static void *shared_pages(size_t n) {
    void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        perror("mmap");
        exit(2);
    }
    memset(p, 0, n);
    return p;
}

/* ---- lock: exact counter from threads ------------------------------------------- */

#define THREADS 4
#define ITERS 100000

static atomics_lock *g_lock;
static atomics_rlock *g_rlock;
static volatile long g_counter;

static void *lock_worker(void *arg) {
    (void)arg;
    for (int i = 0; i < ITERS; i++) {
        int r = atomics_lock_acquire(g_lock, -1);
        if (r != ATOMICS_SYNC_OK)
            abort();
        g_counter = g_counter + 1;
        atomics_lock_release(g_lock);
    }
    return NULL;
}

static void *rlock_worker(void *arg) {
    (void)arg;
    for (int i = 0; i < ITERS / 4; i++) {
        if (atomics_rlock_acquire(g_rlock, -1) != ATOMICS_SYNC_OK ||
            atomics_rlock_acquire(g_rlock, -1) != ATOMICS_SYNC_OK)
            abort();
        g_counter = g_counter + 1;
        atomics_rlock_release(g_rlock);
        atomics_rlock_release(g_rlock);
    }
    return NULL;
}

static void test_lock_threads(void) {
    pthread_t t[THREADS];
    g_lock = shared_pages(4096);
    atomics_lock_init(g_lock);
    CHECK(atomics_sync_check(g_lock, ATOMICS_SYNC_LOCK) == 0);
    CHECK(atomics_sync_check(g_lock, ATOMICS_SYNC_RLOCK) != 0);
    g_counter = 0;
    for (int i = 0; i < THREADS; i++)
        pthread_create(&t[i], NULL, lock_worker, NULL);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    CHECK(g_counter == (long)THREADS * ITERS);
    CHECK(!atomics_lock_locked(g_lock));
    /* basics */
    CHECK(atomics_lock_try_acquire(g_lock) == ATOMICS_SYNC_OK);
    CHECK(atomics_lock_locked(g_lock));
    CHECK(atomics_lock_try_acquire(g_lock) == ATOMICS_SYNC_TIMEDOUT);
    int64_t t0 = atomics_monotonic_ns();
    CHECK(atomics_lock_acquire(g_lock, 30 * MS) == ATOMICS_SYNC_TIMEDOUT);
    CHECK(atomics_monotonic_ns() - t0 >= 30 * MS);
    CHECK(atomics_lock_release(g_lock) == ATOMICS_SYNC_OK);
    CHECK(atomics_lock_release(g_lock) == ATOMICS_SYNC_NOT_OWNER);
    munmap(g_lock, 4096);
}

static void test_rlock_threads(void) {
    pthread_t t[THREADS];
    g_rlock = shared_pages(4096);
    atomics_rlock_init(g_rlock);
    g_counter = 0;
    for (int i = 0; i < THREADS; i++)
        pthread_create(&t[i], NULL, rlock_worker, NULL);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    CHECK(g_counter == (long)THREADS * (ITERS / 4));
    CHECK(atomics_rlock_release(g_rlock) == ATOMICS_SYNC_NOT_OWNER);
    CHECK(atomics_rlock_acquire(g_rlock, 0) == ATOMICS_SYNC_OK);
    CHECK(atomics_rlock_is_owned(g_rlock));
    uint32_t count = 0;
    CHECK(atomics_rlock_acquire(g_rlock, 0) == ATOMICS_SYNC_OK);
    CHECK(atomics_rlock_release_all(g_rlock, &count) == ATOMICS_SYNC_OK && count == 2);
    CHECK(!atomics_rlock_is_owned(g_rlock));
    CHECK(atomics_rlock_acquire_restore(g_rlock, count, -1) == ATOMICS_SYNC_OK);
    CHECK(atomics_rlock_release(g_rlock) == ATOMICS_SYNC_OK);
    CHECK(atomics_rlock_is_owned(g_rlock));
    CHECK(atomics_rlock_release(g_rlock) == ATOMICS_SYNC_OK);
    CHECK(!atomics_rlock_is_owned(g_rlock));
    munmap(g_rlock, 4096);
}

/* ---- lock: exact counter from processes ------------------------------------------ */

static void test_lock_processes(void) {
    unsigned char *mem = shared_pages(4096);
    atomics_lock *l = (atomics_lock *)mem;
    volatile long *counter = (volatile long *)(mem + 64);
    atomics_lock_init(l);
    pid_t kids[THREADS];
    for (int k = 0; k < THREADS; k++) {
        kids[k] = fork();
        if (kids[k] == 0) {
            for (int i = 0; i < ITERS / 2; i++) {
                if (atomics_lock_acquire(l, -1) != ATOMICS_SYNC_OK)
                    _exit(3);
                *counter = *counter + 1;
                atomics_lock_release(l);
            }
            _exit(0);
        }
    }
    for (int k = 0; k < THREADS; k++) {
        int status = 0;
        waitpid(kids[k], &status, 0);
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    CHECK(*counter == (long)THREADS * (ITERS / 2));
    munmap(mem, 4096);
}

/* ---- owner death ---------------------------------------------------------------------- */

static void test_owner_death(void) {
    unsigned char *mem = shared_pages(4096);
    atomics_lock *l = (atomics_lock *)mem;
    atomics_rlock *rl = (atomics_rlock *)(mem + 64);
    atomics_semaphore *s = (atomics_semaphore *)(mem + 128);
    volatile uint32_t *ready = (volatile uint32_t *)(mem + 1024);
    atomics_lock_init(l);
    atomics_rlock_init(rl);
    atomics_sem_init(s, 2, 0);
    pid_t kid = fork();
    if (kid == 0) {
        atomics_lock_acquire(l, -1);
        atomics_rlock_acquire(rl, -1);
        atomics_rlock_acquire(rl, -1);
        atomics_sem_acquire(s, -1);
        atomics_sem_acquire(s, -1);
        __atomic_store_n(ready, 1, __ATOMIC_SEQ_CST);
        for (;;)
            pause();
    }
    while (__atomic_load_n(ready, __ATOMIC_SEQ_CST) == 0)
        usleep(1000);
    CHECK(atomics_lock_acquire(l, 20 * MS) == ATOMICS_SYNC_TIMEDOUT); /* alive: no takeover */
    kill(kid, SIGKILL);
    usleep(20000); /* a zombie until reaped: dead all the same */
    int64_t t0 = atomics_monotonic_ns();
    CHECK(atomics_lock_acquire(l, 2000 * MS) == ATOMICS_SYNC_OWNER_DIED);
    CHECK(atomics_monotonic_ns() - t0 < 1000 * MS);
    CHECK(l->died == 1);
    CHECK(atomics_lock_release(l) == ATOMICS_SYNC_OK);
    CHECK(atomics_lock_acquire(l, 0) == ATOMICS_SYNC_OK);
    CHECK(l->died == 0);
    atomics_lock_release(l);
    CHECK(atomics_rlock_acquire(rl, 2000 * MS) == ATOMICS_SYNC_OWNER_DIED);
    CHECK(atomics_rlock_is_owned(rl) && rl->count == 1);
    CHECK(atomics_rlock_release(rl) == ATOMICS_SYNC_OK && !atomics_rlock_is_owned(rl));
    CHECK(atomics_sem_value(s) == 0);
    CHECK(atomics_sem_acquire(s, 2000 * MS) == ATOMICS_SYNC_OWNER_DIED);
    CHECK(atomics_sem_value(s) == 1); /* both units came back; one is ours */
    CHECK(atomics_sem_acquire(s, 0) == ATOMICS_SYNC_OK);
    CHECK(atomics_sem_release(s, 2) == ATOMICS_SYNC_OK && atomics_sem_value(s) == 2);
    waitpid(kid, NULL, 0);
    /* a pid that lives with another start time is not the dead owner */
    uint64_t me = atomics_sync_self();
    CHECK(atomics_sync_alive(me));
    CHECK(!atomics_sync_alive(me ^ (UINT64_C(0x3) << 2)));
    munmap(mem, 4096);
}

/* ---- semaphore, event, latch ----------------------------------------------------------- */

static atomics_semaphore *g_sem;
static volatile long g_inside, g_max_inside;

static void *sem_worker(void *arg) {
    (void)arg;
    for (int i = 0; i < 2000; i++) {
        atomics_sem_acquire(g_sem, -1);
        long n = __atomic_add_fetch(&g_inside, 1, __ATOMIC_SEQ_CST);
        long m = __atomic_load_n(&g_max_inside, __ATOMIC_SEQ_CST);
        while (n > m && !__atomic_compare_exchange_n(&g_max_inside, &m, n, 0, __ATOMIC_SEQ_CST,
                                                     __ATOMIC_SEQ_CST)) {
        }
        __atomic_sub_fetch(&g_inside, 1, __ATOMIC_SEQ_CST);
        atomics_sem_release(g_sem, 1);
    }
    return NULL;
}

static atomics_event *g_event;
static void *event_setter(void *arg) {
    (void)arg;
    usleep(20000);
    atomics_event_set(g_event);
    return NULL;
}

static atomics_latch *g_latch;
static void *latch_worker(void *arg) {
    (void)arg;
    atomics_latch_count_down(g_latch, 1);
    return NULL;
}

static void test_sem_event_latch(void) {
    unsigned char *mem = shared_pages(4096);
    g_sem = (atomics_semaphore *)mem;
    g_event = (atomics_event *)(mem + 512);
    g_latch = (atomics_latch *)(mem + 1024);
    CHECK(atomics_sem_init(g_sem, 3, 2) == ATOMICS_SYNC_EINVAL);
    atomics_sem_init(g_sem, 2, 0);
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++)
        pthread_create(&t[i], NULL, sem_worker, NULL);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    CHECK(g_max_inside <= 2 && g_max_inside >= 1);
    CHECK(atomics_sem_value(g_sem) == 2);
    atomics_sem_init(g_sem, 1, 1); /* bounded */
    CHECK(atomics_sem_release(g_sem, 1) == ATOMICS_SYNC_OVERFLOW);
    CHECK(atomics_sem_acquire(g_sem, 0) == ATOMICS_SYNC_OK);
    CHECK(atomics_sem_acquire(g_sem, 10 * MS) == ATOMICS_SYNC_TIMEDOUT);
    CHECK(atomics_sem_release(g_sem, 1) == ATOMICS_SYNC_OK);

    atomics_event_init(g_event);
    CHECK(!atomics_event_is_set(g_event));
    CHECK(atomics_event_wait(g_event, 10 * MS) == ATOMICS_SYNC_TIMEDOUT);
    pthread_create(&t[0], NULL, event_setter, NULL);
    CHECK(atomics_event_wait(g_event, -1) == ATOMICS_SYNC_OK);
    pthread_join(t[0], NULL);
    atomics_event_clear(g_event);
    CHECK(!atomics_event_is_set(g_event));

    atomics_latch_init(g_latch, THREADS);
    CHECK(!atomics_latch_try_wait(g_latch));
    CHECK(atomics_latch_wait(g_latch, 5 * MS) == ATOMICS_SYNC_TIMEDOUT);
    for (int i = 0; i < THREADS; i++)
        pthread_create(&t[i], NULL, latch_worker, NULL);
    CHECK(atomics_latch_wait(g_latch, -1) == ATOMICS_SYNC_OK);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    CHECK(atomics_latch_try_wait(g_latch));
    CHECK(atomics_latch_count_down(g_latch, 1) == ATOMICS_SYNC_OVERFLOW);
    munmap(mem, 4096);
}

/* ---- condition ------------------------------------------------------------------------- */

static atomics_condition *g_cond;
static volatile int g_woken;

static void *cond_waiter(void *arg) {
    (void)arg;
    atomics_rlock_acquire(&g_cond->lock, -1);
    int r = atomics_cond_wait(g_cond, 2000 * MS);
    if (r == ATOMICS_SYNC_OK)
        g_woken++;
    atomics_rlock_release(&g_cond->lock);
    return NULL;
}

static void test_condition(void) {
    unsigned char *mem = shared_pages(4096);
    g_cond = (atomics_condition *)mem;
    atomics_cond_init(g_cond, 0, 0);
    CHECK(atomics_cond_wait(g_cond, 0) == ATOMICS_SYNC_NOT_OWNER);
    atomics_rlock_acquire(&g_cond->lock, -1);
    CHECK(atomics_cond_wait(g_cond, 10 * MS) == ATOMICS_SYNC_TIMEDOUT);
    CHECK(atomics_rlock_is_owned(&g_cond->lock));
    CHECK(atomics_cond_notify(g_cond, 1) == 0); /* nobody waits */
    atomics_rlock_release(&g_cond->lock);
    pthread_t t[THREADS];
    g_woken = 0;
    for (int i = 0; i < THREADS; i++)
        pthread_create(&t[i], NULL, cond_waiter, NULL);
    for (;;) { /* all four are waiting */
        atomics_rlock_acquire(&g_cond->lock, -1);
        uint32_t w = (uint32_t)(g_cond->cv >> 32);
        atomics_rlock_release(&g_cond->lock);
        if (w == THREADS)
            break;
        usleep(1000);
    }
    atomics_rlock_acquire(&g_cond->lock, -1);
    CHECK(atomics_cond_notify(g_cond, 1) == 1);
    atomics_rlock_release(&g_cond->lock);
    usleep(50000);
    atomics_rlock_acquire(&g_cond->lock, -1);
    CHECK(g_woken == 1);
    CHECK(atomics_cond_notify(g_cond, 10) == 3);
    atomics_rlock_release(&g_cond->lock);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    CHECK(g_woken == THREADS);
    munmap(mem, 4096);
}

/* ---- barrier ------------------------------------------------------------------------------ */

static atomics_barrier *g_bar;
static volatile int g_index_seen[THREADS * 8];

static void *barrier_worker(void *arg) {
    (void)arg;
    for (int round = 0; round < 8; round++) {
        uint32_t index;
        if (atomics_barrier_wait(g_bar, &index, -1) != ATOMICS_SYNC_OK)
            abort();
        __atomic_add_fetch(&g_index_seen[round * THREADS + index], 1, __ATOMIC_SEQ_CST);
    }
    return NULL;
}

static void test_barrier(void) {
    unsigned char *mem = shared_pages(4096);
    g_bar = (atomics_barrier *)mem;
    CHECK(atomics_barrier_init(g_bar, 0) == ATOMICS_SYNC_EINVAL);
    atomics_barrier_init(g_bar, THREADS);
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++)
        pthread_create(&t[i], NULL, barrier_worker, NULL);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    for (int i = 0; i < THREADS * 8; i++)
        CHECK(g_index_seen[i] == 1);
    uint32_t index;
    CHECK(atomics_barrier_wait(g_bar, &index, 10 * MS) == ATOMICS_SYNC_BROKEN);
    CHECK(atomics_barrier_broken(g_bar));
    CHECK(atomics_barrier_wait(g_bar, &index, -1) == ATOMICS_SYNC_BROKEN);
    atomics_barrier_reset(g_bar);
    CHECK(!atomics_barrier_broken(g_bar) && atomics_barrier_n_waiting(g_bar) == 0);
    munmap(mem, 4096);
}

int main(void) {
    CHECK(atomics_sync_size(ATOMICS_SYNC_LOCK) == 32 && atomics_sync_size(99) == 0);
    test_lock_threads();
    test_rlock_threads();
    test_lock_processes();
    test_owner_death();
    test_sem_event_latch();
    test_condition();
    test_barrier();
    if (failures) {
        fprintf(stderr, "%d failure(s)\n", failures);
        return 1;
    }
    printf("test_sync: ok\n");
    return 0;
}
