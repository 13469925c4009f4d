/* interop.c: the C side of tests/test_concurrency_interop.py. A C11 program
 * (<stdatomic.h> only, no atomics headers of ours) that attaches to the same
 * POSIX shared memory as Python processes using atomics.atomicview and works
 * on the same objects at the same time:
 *
 *   interop count   NAME ITERS   increment the shared counters ITERS times
 *   interop publish NAME N       publish t = 1, 2, ...: data, then flag (release),
 *                                until the readers set STOP_PUBLISH or t = N
 *   interop consume NAME N       read flag (acquire), then data, until N
 *
 * The offsets below are the layout the Python side uses. Every wait is bounded
 * in time, so a missing partner makes this exit instead of spinning forever.
 * Prints one JSON line; exits non-zero on any inconsistency it can see. */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

enum {
    GO_COUNT = 0, GO_PUBLISH = 4, GO_CONSUME = 8, /* uint32 start flags */
    STOP_PUBLISH = 12,                            /* uint32: the readers are done */
    C64 = 64, C32 = 128, C16 = 192, C8 = 256,     /* counters */
    ODD = 320,      /* a 3-byte counter (bytes 320..322) inside the 4-byte block at 320 */
    NB = 323,       /* a 1-byte counter: the odd counter's neighbour in that block */
    FLAG = 448, D64 = 512, D32 = 576, REC = 640,   /* C publishes, Python reads */
    FLAG2 = 1024, E64 = 1088, E32 = 1152, REC2 = 1216, /* Python publishes, C reads */
    SIZE = 4096
};

/* Sharing atomics with another program needs them lock-free (and so
 * address-free): a lock would live in this process only. */
#if ATOMIC_CHAR_LOCK_FREE != 2 || ATOMIC_SHORT_LOCK_FREE != 2 || ATOMIC_INT_LOCK_FREE != 2 || \
    ATOMIC_LLONG_LOCK_FREE != 2
#error "C11 atomics of 1, 2, 4 and 8 bytes are not always lock-free here"
#endif

#define WAIT_SECONDS 60.0

struct record { uint64_t a, b, c; }; /* published with plain, non-atomic writes */

static unsigned char *mem;

#define AT(type, off) ((_Atomic type *)(void *)(mem + (off)))

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Spins until the uint32 at `off` is non-zero; 0 on timeout. */
static int wait_go(size_t off) {
    double limit = now() + WAIT_SECONDS;
    for (unsigned long spins = 0;; spins++) {
        if (atomic_load_explicit(AT(uint32_t, off), memory_order_acquire) != 0)
            return 1;
        if (spins % 4096 == 4095) {
            if (now() > limit)
                return 0;
            sched_yield();
        }
    }
}

static int cmd_count(long iters) {
    if (!wait_go(GO_COUNT))
        return 2;
    unsigned long cas_retries = 0;
    for (long i = 0; i < iters; i++) {
        atomic_fetch_add(AT(uint64_t, C64), 1); /* seq_cst */
        atomic_fetch_add_explicit(AT(uint32_t, C32), 1, memory_order_relaxed);
        atomic_fetch_add_explicit(AT(uint16_t, C16), 1, memory_order_acq_rel);
        atomic_fetch_add_explicit(AT(uint8_t, C8), 1, memory_order_release);
        /* The 3-byte counter the way atomics does it: compare-and-swap the
         * whole aligned 4-byte block, keeping the fourth byte as it is. */
        _Atomic uint32_t *block = AT(uint32_t, ODD);
        uint32_t old = atomic_load_explicit(block, memory_order_relaxed);
        for (;;) {
            uint32_t next = (old & 0xFF000000u) | ((old + 1u) & 0x00FFFFFFu);
            if (atomic_compare_exchange_weak(block, &old, next))
                break;
            cas_retries++; /* `old` now holds the block as it is */
        }
        /* ...while the fourth byte is a counter of its own */
        atomic_fetch_add_explicit(AT(uint8_t, NB), 1, memory_order_relaxed);
    }
    printf("{\"iters\": %ld, \"cas_retries\": %lu}\n", iters, cas_retries);
    return 0;
}

static int cmd_publish(uint64_t n) {
    if (!wait_go(GO_PUBLISH))
        return 2;
    double limit = now() + WAIT_SECONDS;
    uint64_t t;
    for (t = 1; t <= n; t++) {
        if ((t & 1023) == 0 &&
            (atomic_load_explicit(AT(uint32_t, STOP_PUBLISH), memory_order_relaxed) ||
             now() > limit))
            break;
        atomic_store_explicit(AT(uint64_t, D64), t, memory_order_relaxed);
        atomic_store_explicit(AT(uint64_t, D64 + 8), t, memory_order_relaxed);
        atomic_store_explicit(AT(uint32_t, D32), (uint32_t)t, memory_order_relaxed);
        struct record r = {t, t, t};
        memcpy(mem + REC, &r, sizeof r);
        atomic_store_explicit(AT(uint64_t, FLAG), t, memory_order_release);
    }
    printf("{\"published\": %llu}\n", (unsigned long long)(t - 1));
    return 0;
}

static int cmd_consume(uint64_t n) {
    if (!wait_go(GO_CONSUME))
        return 2;
    unsigned long long reads = 0, stale = 0, newer = 0, advanced = 0;
    uint64_t last = 0;
    double limit = now() + WAIT_SECONDS;
    while (last < n) {
        uint64_t f = atomic_load_explicit(AT(uint64_t, FLAG2), memory_order_acquire);
        uint64_t d[3];
        d[0] = atomic_load_explicit(AT(uint64_t, E64), memory_order_relaxed);
        d[1] = atomic_load_explicit(AT(uint32_t, E32), memory_order_relaxed);
        struct record r;
        memcpy(&r, mem + REC2, sizeof r);
        d[2] = r.a;
        reads++;
        advanced += f != last;
        last = f;
        for (int i = 0; i < 3; i++) {
            uint64_t want = i == 1 ? (uint32_t)f : f;
            if (d[i] < want)
                stale++;
            else if (d[i] > want)
                newer++;
        }
        if ((reads & 4095) == 0 && now() > limit) {
            fprintf(stderr, "gave up at flag %llu of %llu\n", (unsigned long long)last,
                    (unsigned long long)n);
            return 2;
        }
    }
    printf("{\"reads\": %llu, \"flag_changes_seen\": %llu, \"stale\": %llu, \"newer\": %llu}\n",
           reads, advanced, stale, newer);
    return stale != 0;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s count|publish|consume SHM_NAME N\n", argv[0]);
        return 64;
    }
    char name[256];
    snprintf(name, sizeof name, "%s%s", argv[2][0] == '/' ? "" : "/", argv[2]);
    int fd = shm_open(name, O_RDWR, 0);
    if (fd < 0) {
        perror("shm_open");
        return 1;
    }
    mem = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (mem == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    long long n = atoll(argv[3]);
    int rc;
    if (strcmp(argv[1], "count") == 0)
        rc = cmd_count((long)n);
    else if (strcmp(argv[1], "publish") == 0)
        rc = cmd_publish((uint64_t)n);
    else if (strcmp(argv[1], "consume") == 0)
        rc = cmd_consume((uint64_t)n);
    else
        rc = 64;
    munmap(mem, SIZE);
    return rc;
}
