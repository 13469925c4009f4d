/* test_header_c99.c: atomics.h must stand alone (it is included first, with
 * nothing before it) and compile as strict C99 with -Wpedantic, so C users on
 * older standards can use the core. A short run proves it also links. */
#include "atomics/atomics.h"

#include <stdio.h>
#include <string.h>

int main(void) {
    union {
        uint64_t align;
        unsigned char bytes[8];
    } buf;
    const atomics_ops *ops;
    /* {1,0,0} doubled is {2,0,0} in either byte order: no carry crosses a byte */
    unsigned char one[3] = {1, 0, 0}, two[3] = {2, 0, 0}, got[3];
    int failed = 0;

    memset(&buf, 0xee, sizeof buf);
    /* three bytes at offset 1 of an 8-aligned buffer: the block path */
    ops = atomics_ops_for(buf.bytes + 1, 3, 0);
    if (ops == NULL || ops->store == NULL || ops->fetch_add == NULL || ops->load == NULL) {
        puts("FAIL: no table for width 3 at offset 1");
        return 1;
    }
    ops->store(buf.bytes + 1, one, ATOMICS_SEQ_CST);
    ops->fetch_add(buf.bytes + 1, one, got, ATOMICS_ACQ_REL);
    failed += memcmp(got, one, 3) != 0;
    ops->load(buf.bytes + 1, got, ATOMICS_ACQUIRE);
    failed += memcmp(got, two, 3) != 0;
    failed += buf.bytes[0] != 0xee || buf.bytes[4] != 0xee;
    failed += !atomics_is_valid_store_order(ATOMICS_RELEASE);
    failed += atomics_ops_supported(4, ATOMICS_READONLY) !=
              ((1u << ATOMICS_OP_LOAD) | (1u << ATOMICS_OP_BIT_TEST));
    if (failed) {
        printf("FAIL: %d of 5 checks\n", failed);
        return 1;
    }
    puts("5 passed, 0 failed");
    return 0;
}
