// test_header.cpp: atomics.h from C++: it must compile as C++11 with the
// project's warnings, give C linkage to the core, and its order enum must
// be the compiler's __ATOMIC_* values here too.
#include "atomics/atomics.h"

#include <cstdio>
#include <cstring>

static_assert(ATOMICS_RELAXED == __ATOMIC_RELAXED && ATOMICS_CONSUME == __ATOMIC_CONSUME &&
                  ATOMICS_ACQUIRE == __ATOMIC_ACQUIRE && ATOMICS_RELEASE == __ATOMIC_RELEASE &&
                  ATOMICS_ACQ_REL == __ATOMIC_ACQ_REL && ATOMICS_SEQ_CST == __ATOMIC_SEQ_CST,
              "memory orders must equal __ATOMIC_*");
static_assert(sizeof(atomics_ops) == (ATOMICS_OP_COUNT_ALL - 1) * sizeof(atomics_load_fn),
              "one entry per operation");

int main() {
    alignas(16) unsigned char buf[16];
    std::memset(buf, 0xee, sizeof buf);
    int passed = 0, failed = 0;
    auto check = [&](bool ok, const char *what) {
        if (ok) {
            ++passed;
        } else {
            ++failed;
            std::printf("FAIL: %s\n", what);
        }
    };

    const atomics_ops *ops = atomics_ops_for(buf, 4, 0);
    check(ops != nullptr && ops->fetch_add != nullptr, "table for width 4");
    if (ops != nullptr) {
        unsigned v = 41, one = 1, old = 0, now = 0;
        ops->store(buf, &v, ATOMICS_RELEASE);
        ops->fetch_add(buf, &one, &old, ATOMICS_SEQ_CST);
        ops->load(buf, &now, ATOMICS_ACQUIRE);
        check(old == 41 && now == 42, "store, fetch_add, load at width 4");
        unsigned expected = 42, desired = 7;
        check(ops->cmpxchg_strong(buf, &expected, &desired, ATOMICS_ACQ_REL, ATOMICS_ACQUIRE) == 1,
              "cmpxchg_strong at width 4");
        int minus_one = -1, seven = 0;
        ops->fetch_max_s(buf, &minus_one, &seven, ATOMICS_ACQ_REL);
        ops->fetch_max_u(buf, &minus_one, &old, ATOMICS_RELAXED);
        check(seven == 7 && old == 7 && ops->load != nullptr, "fetch_max_s, fetch_max_u at width 4");
        atomics_min_u_4(buf, &one, ATOMICS_SEQ_CST);
        ops->load(buf, &now, ATOMICS_SEQ_CST);
        check(now == 1, "atomics_min_u_4");
    }

    // five bytes at offset 9: the block path, guard bytes on both sides
    const atomics_ops *odd = atomics_ops_for(buf + 9, 5, 0);
    check(odd != nullptr && odd->bit_test_set != nullptr, "table for width 5 at offset 9");
    if (odd != nullptr) {
        unsigned char zero[5] = {0, 0, 0, 0, 0};
        odd->store(buf + 9, zero, ATOMICS_SEQ_CST);
        check(odd->bit_test_set(buf + 9, 39, ATOMICS_SEQ_CST) == 0 &&
                  odd->bit_test(buf + 9, 39, ATOMICS_SEQ_CST) == 1,
              "bit_test_set at width 5");
        check(buf[8] == 0xee && buf[14] == 0xee, "guard bytes around width 5");
    }
    atomics_thread_fence(ATOMICS_ACQ_REL);
    atomics_signal_fence(ATOMICS_SEQ_CST);
    atomics_spin_pause();
    check(atomics_is_lock_free(8) && !atomics_is_lock_free(0) &&
              (atomics_ops_supported64(8, 0) >> ATOMICS_OP_FETCH_MIN_U & 1) == 1,
          "is_lock_free, ops_supported64");
    check(atomics_is_valid_fail_order(ATOMICS_SEQ_CST, ATOMICS_ACQUIRE) &&
              !atomics_is_valid_store_order(ATOMICS_ACQUIRE),
          "validators");

    std::printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
