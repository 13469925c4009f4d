/* context.h: view contexts (context.c) and the guard that brackets every
 * operation on a view's memory. */
#ifndef ATOMICS_CONTEXT_H
#define ATOMICS_CONTEXT_H

#include "convert.h"

#ifdef Py_GIL_DISABLED
/* Non-zero while membarrier(2) is registered and works: the owner fast path
 * relies on it (context.c). Set once at import; cleared for good if a later
 * call fails (a seccomp filter installed after import, for example). */
extern uint32_t atomics_have_membarrier;
void atomics_register_membarrier(void);
/* Run by the owner thread when it finds its context released: gives the
 * export back if a release from another thread had to leave that to it. */
void atomics_owner_saw_release(atomics_ctx *ctx);
#endif

/* Brackets every operation on the object's memory. For owned objects both
 * are free. For views, begin fails once the context is released. On
 * free-threaded builds an operation also announces itself, so that release()
 * waits for it before giving the buffer back: the thread that opened the
 * context with a plain store to owner_busy (an asymmetric Dekker handshake:
 * the releasing thread pays with a process-wide membarrier instead), any
 * other thread with an atomic add on the shared state. */
/* The guard itself, on a view's context (NULL: nothing to check). */
static inline int atomics_guard_begin(atomics_ctx *ctx) {
    if (ctx == NULL)
        return 0;
#ifdef Py_GIL_DISABLED
    if (atomics_cc_load_8(&ctx->owner, ATOMICS_RELAXED) == atomics_thread_id()) {
        atomics_cc_store_4(&ctx->owner_busy, 1, ATOMICS_RELAXED);
        atomics_cc_signal_fence(); /* the other half is membarrier() */
        if ((atomics_cc_load_4(&ctx->state, ATOMICS_RELAXED) & CTX_PHASE) == CTX_OPEN)
            return 0;
        atomics_cc_store_4(&ctx->owner_busy, 0, ATOMICS_RELEASE);
        atomics_owner_saw_release(ctx);
        return atomics_raise_released();
    }
    uint32_t s = atomics_cc_fetch_add_4(&ctx->state, CTX_USER, ATOMICS_SEQ_CST) + CTX_USER;
    if ((s & CTX_PHASE) == CTX_OPEN)
        return 0;
    atomics_cc_fetch_sub_4(&ctx->state, CTX_USER, ATOMICS_RELEASE);
#else
    if ((atomics_cc_load_4(&ctx->state, ATOMICS_RELAXED) & CTX_PHASE) == CTX_OPEN)
        return 0;
#endif
    return atomics_raise_released();
}

static inline void atomics_guard_end(atomics_ctx *ctx) {
#ifdef Py_GIL_DISABLED
    if (ctx == NULL)
        return;
    if (atomics_cc_load_8(&ctx->owner, ATOMICS_RELAXED) == atomics_thread_id())
        atomics_cc_store_4(&ctx->owner_busy, 0, ATOMICS_RELEASE);
    else
        atomics_cc_fetch_sub_4(&ctx->state, CTX_USER, ATOMICS_RELEASE);
#else
    (void)ctx;
#endif
}

static inline int atomics_op_begin(AtomicObject *self) {
    if (!(atomics_cc_load_1(&self->flags, ATOMICS_RELAXED) & AF_VIEW))
        return 0;
    return atomics_guard_begin(self->u.ctx);
}

static inline void atomics_op_end(AtomicObject *self) {
#ifdef Py_GIL_DISABLED
    if (atomics_cc_load_1(&self->flags, ATOMICS_RELAXED) & AF_VIEW)
        atomics_guard_end(self->u.ctx);
#else
    (void)self;
#endif
}

static inline int atomics_elem_begin(const atomics_elem *el) { return atomics_guard_begin(el->guard); }
static inline void atomics_elem_end(const atomics_elem *el) { atomics_guard_end(el->guard); }


/* Creates a context of type tp for `width` bytes at `offset` into `buffer`
 * (offset 0, width -1: the whole buffer); `minimum`: the core's minimum
 * alignment suffices (else the recommended one is required). */
PyObject *atomics_new_context_at(atomics_state *st, PyTypeObject *tp, PyObject *buffer, int kind,
                                 unsigned flags, Py_ssize_t offset, Py_ssize_t width,
                                 int minimum);
/* atomics._atomics._share(context, handle): opens a fresh context for good
 * and returns its view, which pickles to `handle`. */
PyObject *atomics_share(PyObject *module, PyObject *const *args, Py_ssize_t nargs);

int atomics_add_context_types(PyObject *module, atomics_state *st);

#endif /* ATOMICS_CONTEXT_H */
