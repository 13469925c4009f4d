/* fence.c: fences and the spin-wait hint of the public header, over the
 * compiler layer. */
#include "internal.h"

void atomics_thread_fence(atomics_order mo) {
    if (mo == ATOMICS_RELAXED)
        return; /* C11: a relaxed fence has no effect */
    ATOMICS_SWITCH_RMW(mo, atomics_cc_thread_fence_mo(MO))
}

void atomics_signal_fence(atomics_order mo) {
    if (mo == ATOMICS_RELAXED)
        return;
    ATOMICS_SWITCH_RMW(mo, atomics_cc_signal_fence_mo(MO))
}

void atomics_spin_pause(void) { atomics_cc_pause(); }
