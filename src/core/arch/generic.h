/* arch/generic.h: architectures without a 16-byte primitive the core can
 * use: 32-bit targets (i686, armhf, win32), riscv64, and ppc64le, whose
 * lqarx/stqcx. pair hangs under every qemu CPU model, so it could not be
 * verified here and stays unused. Widths 9 to 16 are reported unsupported;
 * the functions below are never reached. */
#ifndef ATOMICS_ARCH_GENERIC_H
#define ATOMICS_ARCH_GENERIC_H

#define ATOMICS_ARCH_NAME "generic"

static inline unsigned atomics_arch_features(void) { return 0; }

static inline int atomics_arch_cas16(void *obj, atomics_wide *expected, atomics_wide desired) {
    (void)obj, (void)expected, (void)desired;
    ATOMICS_TRAP(); /* ATOMICS_FEATURE_CAS16 is never reported */
    return 0;
}

static inline atomics_wide atomics_arch_load16(const void *obj) {
    atomics_wide v = {0, 0};
    (void)obj;
    ATOMICS_TRAP();
    return v;
}

#endif /* ATOMICS_ARCH_GENERIC_H */
