/* test_wait.c: the core's blocking wait and notify (src/core/wait.c).
 * Timeouts (never early), polling, values already changed, thread ping-pong
 * with exact hand-offs at widths 1 to 16 and odd widths off word boundaries
 * (the counter lives in the object's last bytes, so for wide objects it
 * changes words the first-word fallback does not watch), one notifier and
 * many waiters, two objects sharing one word (notify_one must not wake the
 * wrong one only), interruption by a signal and ping-pong between processes
 * through a shared mapping (POSIX). Prints "N passed, M failed" last. */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS, usleep */
#if defined(_WIN32)
#define __USE_MINGW_ANSI_STDIO 1
#endif

#include "internal.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#if defined(_WIN32)
#include <windows.h> /* Sleep */
#else
#include <signal.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>
#endif

static unsigned long n_passed, n_failed;

static void check(int ok, const char *fmt, ...) {
    if (ok) {
        n_passed++;
        return;
    }
    n_failed++;
    va_list ap;
    va_start(ap, fmt);
    printf("FAIL: ");
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
}

static double now_s(void) { return (double)atomics_monotonic_ns() / 1e9; }

static _Alignas(64) unsigned char arena[64];

/* The counter k in the last min(2, width) bytes of a width-byte value. */
static void encode(unsigned char *v, size_t width, unsigned k) {
    memset(v, 0xA5, width);
    v[width - 1] = (unsigned char)k;
    if (width > 1)
        v[width - 2] = (unsigned char)(k >> 8);
}
static unsigned decode(const unsigned char *v, size_t width) {
    return v[width - 1] | (width > 1 ? (unsigned)v[width - 2] << 8 : 0);
}

/* ---- timeouts and polling ---------------------------------------------------- */

static void test_timeouts(void) {
    uint32_t *x = (uint32_t *)(void *)arena;
    uint32_t old = 7, other = 8;
    *x = 7;
    double t = now_s();
    int r = atomics_wait(x, 4, &old, ATOMICS_SEQ_CST, 30000000);
    double took = now_s() - t;
    check(r == ATOMICS_WAIT_TIMEDOUT, "wait with a 30 ms timeout returned %d", r);
    check(took >= 0.029 && took < 2.0, "30 ms timeout took %.4f s", took);
    t = now_s();
    r = atomics_wait(x, 4, &old, ATOMICS_SEQ_CST, 0);
    check(r == ATOMICS_WAIT_TIMEDOUT && now_s() - t < 0.5, "timeout 0 polls (%d)", r);
    r = atomics_wait(x, 4, &other, ATOMICS_ACQUIRE, -1);
    check(r == ATOMICS_WAIT_CHANGED, "a value already different returns at once (%d)", r);
    r = atomics_wait_once(NULL, x, 4, &old, ATOMICS_SEQ_CST, 0);
    check(r == ATOMICS_WAIT_UNSUPPORTED, "wait_once without a load (%d)", r);
    r = atomics_wait(x, 0, &old, ATOMICS_SEQ_CST, 0);
    check(r == ATOMICS_WAIT_UNSUPPORTED, "width 0 (%d)", r);
    /* notify with nobody waiting is harmless */
    atomics_notify_one(x, 4);
    atomics_notify_all(x, 4);
    /* an 8-byte value whose change is confined to the second word */
    uint64_t *y = (uint64_t *)(void *)(arena + 8);
    unsigned char o8[8];
    encode(o8, 8, 1);
    memcpy(y, o8, 8);
    r = atomics_wait(y, 8, o8, ATOMICS_SEQ_CST, 10000000);
    check(r == ATOMICS_WAIT_TIMEDOUT, "8-byte wait timed out (%d)", r);
}

/* ---- thread ping-pong ---------------------------------------------------------------- */

enum { ROUNDS = 120 }; /* 2 * ROUNDS fits one byte */

struct pingpong {
    unsigned char *obj;
    size_t width;
    const atomics_ops *ops;
    int parity;
    unsigned errors;
};

/* Each side owns the counter values of its parity: it waits while the
 * counter is the other side's, then advances it by one and notifies. */
static void *pingpong_side(void *arg) {
    struct pingpong *p = arg;
    unsigned char cur[ATOMICS_MAX_WIDTH], next[ATOMICS_MAX_WIDTH];
    for (;;) {
        p->ops->load(p->obj, cur, ATOMICS_ACQUIRE);
        unsigned k = decode(cur, p->width);
        if (k >= 2 * ROUNDS)
            return NULL;
        if ((int)(k % 2) != p->parity) {
            int r = atomics_wait_once(p->ops->load, p->obj, p->width, cur, ATOMICS_ACQUIRE,
                                      2000000000);
            if (r == ATOMICS_WAIT_UNSUPPORTED)
                p->errors++;
            continue;
        }
        encode(next, p->width, k + 1);
        /* exact hand-off: nobody else may have moved the counter */
        if (!p->ops->cmpxchg_strong(p->obj, cur, next, ATOMICS_SEQ_CST, ATOMICS_SEQ_CST)) {
            p->errors++;
            return NULL;
        }
        atomics_notify_one(p->obj, p->width);
    }
}

static void pingpong_at(size_t offset, size_t width) {
    unsigned char *obj = arena + offset;
    const atomics_ops *ops = atomics_ops_for(obj, width, 0);
    if (ops == NULL)
        return; /* e.g. 16-byte blocks without a 16-byte CAS */
    unsigned char v[ATOMICS_MAX_WIDTH];
    memset(arena, 0x5A, sizeof arena);
    encode(v, width, 0);
    ops->store(obj, v, ATOMICS_SEQ_CST);
    struct pingpong a = {obj, width, ops, 0, 0}, b = {obj, width, ops, 1, 0};
    pthread_t ta, tb;
    double t = now_s();
    pthread_create(&ta, NULL, pingpong_side, &a);
    pthread_create(&tb, NULL, pingpong_side, &b);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    ops->load(obj, v, ATOMICS_SEQ_CST);
    check(a.errors == 0 && b.errors == 0 && decode(v, width) == 2 * ROUNDS,
          "ping-pong width %zu at +%zu: errors %u/%u, counter %u", width, offset, a.errors,
          b.errors, decode(v, width));
    /* neighbours untouched */
    int clean = 1;
    for (size_t i = 0; i < sizeof arena; i++)
        if ((i < offset || i >= offset + width) && arena[i] != 0x5A)
            clean = 0;
    check(clean, "ping-pong width %zu at +%zu changed bytes next to the object", width, offset);
    printf("ping-pong width %2zu at +%zu: %d round trips in %.3f s\n", width, offset, ROUNDS,
           now_s() - t);
}

static void test_pingpong(void) {
    static const size_t cases[][2] = {{0, 1}, {3, 1}, {2, 2}, {0, 4}, {0, 8}, {1, 3},
                                      {8, 5}, {4, 12}, {0, 16}, {16, 7}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        pingpong_at(cases[i][0], cases[i][1]);
}

/* ---- many waiters ------------------------------------------------------------------- */

struct waiter {
    unsigned char *obj;
    size_t width;
    unsigned char old[ATOMICS_MAX_WIDTH];
    int result;
    double woke;
};

static void *waiter_main(void *arg) {
    struct waiter *w = arg;
    w->result = atomics_wait(w->obj, w->width, w->old, ATOMICS_SEQ_CST, 5000000000);
    w->woke = now_s();
    return NULL;
}

static void sleep_ms(unsigned ms) {
#if defined(_WIN32)
    Sleep(ms);
#else
    usleep(ms * 1000);
#endif
}

static void test_many_waiters(void) {
    enum { N = 6 };
    uint32_t *x = (uint32_t *)(void *)arena;
    *x = 0;
    struct waiter w[N];
    pthread_t t[N];
    for (int i = 0; i < N; i++) {
        w[i] = (struct waiter){arena, 4, {0}, -9, 0};
        pthread_create(&t[i], NULL, waiter_main, &w[i]);
    }
    sleep_ms(50);
    uint32_t one = 1;
    atomics_store_4(x, &one, ATOMICS_SEQ_CST);
    double t0 = now_s();
    atomics_notify_all(x, 4);
    double latest = 0;
    int all = 1;
    for (int i = 0; i < N; i++) {
        pthread_join(t[i], NULL);
        all = all && w[i].result == ATOMICS_WAIT_CHANGED;
        if (w[i].woke - t0 > latest)
            latest = w[i].woke - t0;
    }
    check(all && latest < 1.0, "notify_all woke every waiter (latest after %.4f s)", latest);

    /* two 1-byte objects in one word: notify_one on the second must reach
     * its waiter even though the first's waiters watch the same word */
    memset(arena, 0, 4);
    struct waiter first[2], second;
    pthread_t tf[2], ts;
    for (int i = 0; i < 2; i++) {
        first[i] = (struct waiter){arena, 1, {0}, -9, 0};
        pthread_create(&tf[i], NULL, waiter_main, &first[i]);
    }
    second = (struct waiter){arena + 1, 1, {0}, -9, 0};
    pthread_create(&ts, NULL, waiter_main, &second);
    sleep_ms(50);
    unsigned char b = 1;
    atomics_store_1(arena + 1, &b, ATOMICS_SEQ_CST);
    t0 = now_s();
    atomics_notify_one(arena + 1, 1);
    pthread_join(ts, NULL);
    check(second.result == ATOMICS_WAIT_CHANGED && second.woke - t0 < 1.0,
          "notify_one on a shared word woke its waiter (%d after %.4f s)", second.result,
          second.woke - t0);
    atomics_store_1(arena, &b, ATOMICS_SEQ_CST);
    atomics_notify_all(arena, 1);
    for (int i = 0; i < 2; i++) {
        pthread_join(tf[i], NULL);
        check(first[i].result == ATOMICS_WAIT_CHANGED, "first-byte waiter %d: %d", i,
              first[i].result);
    }
}

/* ---- signals and processes (POSIX) ------------------------------------------------------ */

#if !defined(_WIN32)
static volatile sig_atomic_t got_alarm;
static void on_alarm(int sig) {
    (void)sig;
    got_alarm = 1;
}

static void test_interrupt(void) {
    struct sigaction sa, old_sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm; /* no SA_RESTART: the sleep returns EINTR */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, &old_sa);
    struct itimerval it = {{0, 0}, {0, 30000}};
    setitimer(ITIMER_REAL, &it, NULL);
    uint32_t *x = (uint32_t *)(void *)arena, old = 3;
    *x = 3;
    double t = now_s();
    int r = atomics_wait(x, 4, &old, ATOMICS_SEQ_CST, 3000000000);
    double took = now_s() - t;
    check(r == ATOMICS_WAIT_INTERRUPTED && got_alarm && took < 1.5,
          "a signal interrupts the wait (%d, alarm %d, %.3f s)", r, (int)got_alarm, took);
    sigaction(SIGALRM, &old_sa, NULL);
}

static void process_side(unsigned char *obj, size_t width, int parity, unsigned *errors) {
    struct pingpong p = {obj, width, atomics_ops_for(obj, width, 0), parity, 0};
    pingpong_side(&p);
    *errors = p.errors;
}

static void test_processes(void) {
    static const size_t widths[] = {4, 8, 2};
    unsigned char *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                                 -1, 0);
    if (shared == MAP_FAILED) {
        check(0, "mmap failed");
        return;
    }
    for (size_t i = 0; i < sizeof widths / sizeof widths[0]; i++) {
        size_t width = widths[i];
        unsigned char v[8];
        encode(v, width, 0);
        memcpy(shared, v, width);
        double t = now_s();
        pid_t child = fork();
        if (child == 0) {
            unsigned errors;
            process_side(shared, width, 1, &errors);
            _exit(errors == 0 ? 0 : 1);
        }
        unsigned errors;
        process_side(shared, width, 0, &errors);
        int status = 0;
        waitpid(child, &status, 0);
        check(child > 0 && errors == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
                  decode(shared, width) == 2 * ROUNDS,
              "process ping-pong width %zu (status %d, counter %u)", width, status,
              decode(shared, width));
        printf("process ping-pong width %zu: %d round trips in %.3f s\n", width, ROUNDS,
               now_s() - t);
    }
    munmap(shared, 4096);
}
#endif

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    test_timeouts();
    test_pingpong();
    test_many_waiters();
#if !defined(_WIN32)
    test_interrupt();
    test_processes();
#endif
    printf("%lu passed, %lu failed\n", n_passed, n_failed);
    return n_failed != 0;
}
