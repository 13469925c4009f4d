/* dispatch.c: the queries of the public header. Feature detection, memory
 * order validators, the alignment contract, and atomics_ops_for(), which
 * resolves an object to its table once so every later call is direct. */
#include "internal.h"

/* ---- features ------------------------------------------------------------ */

/* 0 until detected; detection is idempotent, so racing threads agree. */
static unsigned features_cache;
#define ATOMICS_FEATURES_KNOWN_ 0x80000000u

unsigned atomics_features(void) {
    unsigned f = atomics_cc_load_4(&features_cache, ATOMICS_RELAXED);
    if (!(f & ATOMICS_FEATURES_KNOWN_)) {
        f = atomics_arch_features() | ATOMICS_FEATURES_KNOWN_;
        atomics_cc_store_4(&features_cache, f, ATOMICS_RELAXED);
    }
    return f & ~ATOMICS_FEATURES_KNOWN_;
}

void atomics__set_features(unsigned features) {
    unsigned f = features == ~0u ? 0 : (features | ATOMICS_FEATURES_KNOWN_);
    atomics_cc_store_4(&features_cache, f, ATOMICS_RELAXED);
}

/* ---- memory orders ---------------------------------------------------------- */

int atomics_is_valid_order(int order) {
    return order >= ATOMICS_RELAXED && order <= ATOMICS_SEQ_CST;
}

int atomics_is_valid_store_order(int order) {
    return order == ATOMICS_RELAXED || order == ATOMICS_RELEASE || order == ATOMICS_SEQ_CST;
}

int atomics_is_valid_load_order(int order) {
    return order == ATOMICS_RELAXED || order == ATOMICS_CONSUME ||
           order == ATOMICS_ACQUIRE || order == ATOMICS_SEQ_CST;
}

int atomics_is_valid_fail_order(int succ, int fail) {
    return atomics_is_valid_order(succ) && atomics_is_valid_load_order(fail) && fail <= succ;
}

/* ---- alignment ---------------------------------------------------------------- */

/* The largest block that can be compare-and-swapped. */
static size_t max_block(void) {
    return (atomics_features() & ATOMICS_FEATURE_CAS16) ? 16 : 8;
}

int atomics_alignment_of(size_t width, atomics_alignment *out) {
    size_t block = max_block();
    if (width == 0 || width > block)
        return -1;
    size_t recommended = 1;
    while (recommended < width)
        recommended *= 2;
    out->recommended = recommended;
    if (width == 1) {
        out->minimum = 1, out->size_within = 0;
    } else if (width == block) {
        /* the block is the object: only its natural placement fits */
        out->minimum = width, out->size_within = 0;
    } else {
        /* any placement that stays inside one block of the largest CAS */
        out->minimum = 1, out->size_within = block;
    }
    return 0;
}

int atomics_is_aligned(const void *obj, size_t width, int recommended) {
    atomics_alignment a;
    if (atomics_alignment_of(width, &a) != 0)
        return 0;
    uintptr_t addr = (uintptr_t)obj;
    if (recommended)
        return addr % a.recommended == 0;
    if (addr % a.minimum != 0)
        return 0;
    return a.size_within == 0 || (addr % a.size_within) + width <= a.size_within;
}

/* ---- dispatch ------------------------------------------------------------------ */

static const atomics_ops empty_ops;

/* natural alignment: the exported atomics_<op>_<N> */
#define ATOMICS_NATIVE_RW_(N) ATOMICS_OPS_INIT_RW(atomics_, N),
#define ATOMICS_NATIVE_RO_(N) ATOMICS_OPS_INIT_RO(atomics_, N),
const atomics_ops atomics__native_rw[4] = {ATOMICS_NATIVE_RW_(1) ATOMICS_NATIVE_RW_(2)
                                               ATOMICS_NATIVE_RW_(4) ATOMICS_NATIVE_RW_(8)};
const atomics_ops atomics__native_ro[4] = {ATOMICS_NATIVE_RO_(1) ATOMICS_NATIVE_RO_(2)
                                               ATOMICS_NATIVE_RO_(4) ATOMICS_NATIVE_RO_(8)};
#undef ATOMICS_NATIVE_RW_
#undef ATOMICS_NATIVE_RO_

const atomics_ops *atomics_ops_for(const void *obj, size_t width, unsigned flags) {
    int readonly = (flags & ATOMICS_READONLY) != 0;
    uintptr_t addr = (uintptr_t)obj;
    if (!atomics_is_aligned(obj, width, 0))
        return NULL;
    switch (width) {
    case 1: return readonly ? &atomics__native_ro[0] : &atomics__native_rw[0];
    case 2: if (addr % 2 == 0) return readonly ? &atomics__native_ro[1] : &atomics__native_rw[1]; break;
    case 4: if (addr % 4 == 0) return readonly ? &atomics__native_ro[2] : &atomics__native_rw[2]; break;
    case 8: if (addr % 8 == 0) return readonly ? &atomics__native_ro[3] : &atomics__native_rw[3]; break;
    default: break;
    }
    if (!readonly)
        return &atomics__block_rw[width];
    /* Reading a block that does not fit in 8 bytes without writing to it
     * needs atomic 16-byte loads. */
    int in_small_block = (addr % 8) + width <= 8;
    if (in_small_block || (atomics_features() & ATOMICS_FEATURE_LOAD16))
        return &atomics__block_ro[width];
    return &empty_ops;
}

uint64_t atomics_ops_mask64(const atomics_ops *ops) {
    uint64_t mask = 0;
    if (ops == NULL)
        return 0;
#define ATOMICS_X_(NAME, field)                                                \
    if (ops->field)                                                            \
        mask |= (uint64_t)1 << ATOMICS_OP_##NAME;
    ATOMICS_OP_LIST(ATOMICS_X_)
    ATOMICS_OP_LIST_MORE(ATOMICS_X_)
#undef ATOMICS_X_
    return mask;
}

uint32_t atomics_ops_mask(const atomics_ops *ops) {
    /* the bits of the 1.0 operations, all below ATOMICS_OP_COUNT */
    return (uint32_t)(atomics_ops_mask64(ops) & (((uint64_t)1 << ATOMICS_OP_COUNT) - 1));
}

/* Any non-null address with the recommended alignment stands for them all. */
static const atomics_ops *ops_at_recommended(size_t width, unsigned flags) {
    atomics_alignment a;
    if (atomics_alignment_of(width, &a) != 0)
        return NULL;
    return atomics_ops_for((const void *)(uintptr_t)a.recommended, width, flags);
}

uint64_t atomics_ops_supported64(size_t width, unsigned flags) {
    return atomics_ops_mask64(ops_at_recommended(width, flags));
}

int atomics_is_lock_free(size_t width) {
    atomics_alignment a;
    return atomics_alignment_of(width, &a) == 0;
}

uint32_t atomics_ops_supported(size_t width, unsigned flags) {
    return atomics_ops_mask(ops_at_recommended(width, flags));
}
