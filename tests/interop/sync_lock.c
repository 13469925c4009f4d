/* sync_lock.c: a C process that takes the same atomics.Lock as Python
 * processes (tests/test_sync_interop.py). It maps the file argv[1], finds the
 * lock a Python process initialised at offset argv[2] (atomics_sync_check),
 * and makes argv[3] increments of the plain (non-atomic) 64-bit counter
 * 64 bytes past the lock, each under the lock: read, yield now and then,
 * write. Without mutual exclusion between C and Python increments are lost.
 * Prints the number of takeovers it saw (0 expected). Links the core. */
#define _POSIX_C_SOURCE 200809L
#include "atomics/sync.h"

#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s FILE OFFSET ROUNDS\n", argv[0]);
        return 2;
    }
    long offset = strtol(argv[2], NULL, 10), rounds = strtol(argv[3], NULL, 10);
    int fd = open(argv[1], O_RDWR);
    if (fd < 0) {
        perror("open");
        return 2;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || st.st_size < offset + 128) {
        fprintf(stderr, "the file is too small\n");
        return 2;
    }
    char *base = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (base == MAP_FAILED) {
        perror("mmap");
        return 2;
    }
    atomics_lock *lock = (atomics_lock *)(base + offset);
    if (atomics_sync_check(lock, ATOMICS_SYNC_LOCK) != 0) {
        fprintf(stderr, "no atomics lock at offset %ld\n", offset);
        return 3;
    }
    volatile uint64_t *counter = (volatile uint64_t *)(base + offset + 64);
    long died = 0;
    for (long i = 0; i < rounds; i++) {
        int r;
        do
            r = atomics_lock_acquire(lock, -1);
        while (r == ATOMICS_SYNC_INTERRUPTED);
        if (r == ATOMICS_SYNC_OWNER_DIED)
            died++;
        else if (r != ATOMICS_SYNC_OK) {
            fprintf(stderr, "acquire: %d\n", r);
            return 4;
        }
        uint64_t v = *counter;
        if (i % 64 == 0)
            sched_yield();
        *counter = v + 1;
        if (atomics_lock_release(lock) != ATOMICS_SYNC_OK) {
            fprintf(stderr, "release: not held\n");
            return 4;
        }
    }
    printf("%ld\n", died);
    return 0;
}
