/* context.c: the view contexts (atomics.ctx). A context takes the buffer
 * export when it is made, hands out one view at __enter__, and gives the
 * export back exactly once, at release() or __exit__ (or when it dies).
 *
 * The phase lives in the low bits of `state` and moves only forward, by
 * compare-and-swap, so racing threads agree on a single winner:
 *     FRESH --__enter__--> OPEN --__exit__--> RELEASED
 *     FRESH --release()/__exit__--> RELEASED
 * On free-threaded builds the rest of `state` counts operations running on
 * the view; the winner that releases waits for them to finish first, so no
 * operation ever touches memory the exporter has taken back. */
#include "context.h"
#include "convert.h"
#include "module.h"
#include "object.h"
#include "wait.h"

#ifdef Py_GIL_DISABLED
#if defined(_WIN32)
#include <windows.h>
#define atomics_yield() SwitchToThread()
#else
#include <sched.h>
#define atomics_yield() sched_yield()
#endif
#if defined(__linux__)
#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

uint32_t atomics_have_membarrier;

/* The owner fast path needs a way to run a full barrier on every thread of
 * the process: membarrier(2) on Linux (registered once), and
 * FlushProcessWriteBuffers on Windows. Elsewhere (macOS) there is none and
 * every thread counts its operations on the shared state. */
void atomics_register_membarrier(void) {
    if (atomics_cc_load_4(&atomics_have_membarrier, ATOMICS_ACQUIRE))
        return;
#if defined(__linux__) && defined(SYS_membarrier)
    if (syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0)
        atomics_cc_store_4(&atomics_have_membarrier, 1, ATOMICS_RELEASE);
#elif defined(_WIN32)
    atomics_cc_store_4(&atomics_have_membarrier, 1, ATOMICS_RELEASE);
#endif
}

/* Makes the owner's plain announcement visible before we read it (or makes
 * it see our RELEASED). 0 on success; -1 if the kernel refused, after which
 * no new context uses the owner fast path. */
static int barrier_all_threads(void) {
#if defined(__linux__) && defined(SYS_membarrier)
    if (syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) == 0)
        return 0;
#elif defined(_WIN32)
    FlushProcessWriteBuffers();
    return 0;
#endif
    atomics_cc_store_4(&atomics_have_membarrier, 0, ATOMICS_RELAXED);
    return -1;
}
#endif

static PyObject *ctx_new(PyTypeObject *tp, PyObject *args, PyObject *kwargs) {
    (void)args, (void)kwargs;
    return tp->tp_alloc(tp, 0);
}

/* Takes the export of `buffer` and resolves the operations of the view of
 * `width` bytes at `offset` into it (width -1: the rest of the buffer). */
static int ctx_setup_at(atomics_state *st, atomics_ctx *ctx, PyObject *buffer, int kind,
                        unsigned flags, Py_ssize_t offset, Py_ssize_t width, int minimum) {
    Py_buffer view;
#ifdef PYPY_VERSION
    if (atomics_pypy_refuse_writable(buffer) < 0)
        return -1;
#endif
    if (atomics_get_buffer(buffer, &view) < 0)
        return -1;
    if (atomics_refuse_references(&view) < 0) {
        PyBuffer_Release(&view);
        return -1;
    }
    if (offset < 0 || offset > view.len || width < -1 ||
        (width >= 0 && width > view.len - offset)) {
        PyErr_Format(PyExc_ValueError,
                     "offset %zd and width %zd do not fit in a buffer of %zd bytes", offset,
                     width, view.len);
        PyBuffer_Release(&view);
        return -1;
    }
    if (width < 0)
        width = view.len - offset;
    unsigned char *addr = (unsigned char *)view.buf + offset;
    int readonly = view.readonly != 0;
    const atomics_ops *ops = atomics_resolve_aligned(st, addr, width, readonly, minimum);
    if (ops == NULL) {
        PyBuffer_Release(&view);
        return -1;
    }
    PyTypeObject *view_type;
    switch (kind) {
    case KIND_ANY: view_type = st->AtomicView; break;
    case KIND_BYTES: view_type = st->AtomicBytesView; break;
    default:
        if (PyType_IsSubtype(Py_TYPE(ctx), st->AtomicIntViewContext))
            view_type = st->AtomicIntView;
        else if (PyType_IsSubtype(Py_TYPE(ctx), st->AtomicUintViewContext))
            view_type = st->AtomicUintView;
        else
            view_type = st->AtomicIntegralView;
    }
    ctx->buffer = view;
    ctx->addr = addr;
    ctx->width = (uint8_t)width;
    ctx->kind = (uint8_t)kind;
    ctx->flags = (uint8_t)(flags | (readonly ? AF_READONLY : 0));
    ctx->ops = ops;
    ctx->view_type = view_type;
    atomics_cc_store_1(&ctx->init, 1, ATOMICS_RELEASE);
    return 0;
}

static int ctx_setup(atomics_state *st, atomics_ctx *ctx, PyObject *buffer, int kind,
                     unsigned flags) {
    return ctx_setup_at(st, ctx, buffer, kind, flags, 0, -1, 0);
}

PyObject *atomics_new_context_at(atomics_state *st, PyTypeObject *tp, PyObject *buffer, int kind,
                                 unsigned flags, Py_ssize_t offset, Py_ssize_t width,
                                 int minimum) {
    atomics_ctx *ctx = (atomics_ctx *)tp->tp_alloc(tp, 0);
    if (ctx == NULL)
        return NULL;
    ctx->init = 2; /* claimed */
    if (ctx_setup_at(st, ctx, buffer, kind, flags, offset, width, minimum) < 0) {
        Py_DECREF(ctx);
        return NULL;
    }
    return (PyObject *)ctx;
}

/* __init__ runs once: 0 -> 2 (claimed) -> 1 (ready). */
static int ctx_claim(atomics_ctx *ctx) {
    uint8_t expected = 0;
    if (atomics_cc_cas_1(&ctx->init, &expected, 2, 0, ATOMICS_ACQ_REL, ATOMICS_ACQUIRE))
        return 0;
    PyErr_Format(PyExc_ValueError, "%.100s object cannot be re-initialised.",
                 atomics_type_name(Py_TYPE(ctx)));
    return -1;
}

static int ctx_init_with(atomics_ctx *ctx, int kind, unsigned flags, PyObject *buffer) {
    if (ctx_claim(ctx) < 0)
        return -1;
    if (ctx_setup(atomics_state_of((PyObject *)ctx), ctx, buffer, kind, flags) < 0) {
        atomics_cc_store_1(&ctx->init, 0, ATOMICS_RELEASE);
        return -1;
    }
    return 0;
}

static const char *const names_any[] = {"buffer", "is_integral", "is_signed", NULL};
static const char *const names_integral[] = {"buffer", "is_signed", NULL};
static const char *const names_buffer[] = {"buffer", NULL};

static int AtomicViewContext_init(atomics_ctx *ctx, PyObject *args, PyObject *kwargs) {
    PyObject *a[3];
    int integral, is_signed;
    if (atomics_parse_kwargs("AtomicViewContext", args, kwargs, names_any, 3, a) < 0 ||
        atomics_parse_flag(a[1], "is_integral", &integral) < 0 ||
        atomics_parse_flag(a[2], "is_signed", &is_signed) < 0)
        return -1;
    return ctx_init_with(ctx, KIND_ANY, (integral ? AF_INTEGRAL : 0) | (is_signed ? AF_SIGNED : 0),
                         a[0]);
}

static int AtomicIntegralViewContext_init(atomics_ctx *ctx, PyObject *args, PyObject *kwargs) {
    PyObject *a[2];
    int is_signed;
    if (atomics_parse_kwargs("AtomicIntegralViewContext", args, kwargs, names_integral, 2, a) < 0 ||
        atomics_parse_flag(a[1], "is_signed", &is_signed) < 0)
        return -1;
    return ctx_init_with(ctx, is_signed ? KIND_INT : KIND_UINT,
                         AF_INTEGRAL | (is_signed ? AF_SIGNED : 0), a[0]);
}

#define ATOMICS_BUFFER_INIT_(Name, KIND, FLAGS)                                       \
    static int Name##_init(atomics_ctx *ctx, PyObject *args, PyObject *kwargs) {      \
        PyObject *a[1];                                                               \
        if (atomics_parse_kwargs(#Name, args, kwargs, names_buffer, 1, a) < 0)        \
            return -1;                                                                \
        return ctx_init_with(ctx, KIND, FLAGS, a[0]);                                 \
    }
ATOMICS_BUFFER_INIT_(AtomicBytesViewContext, KIND_BYTES, 0)
ATOMICS_BUFFER_INIT_(AtomicIntViewContext, KIND_INT, AF_INTEGRAL | AF_SIGNED)
ATOMICS_BUFFER_INIT_(AtomicUintViewContext, KIND_UINT, AF_INTEGRAL)
#undef ATOMICS_BUFFER_INIT_

static int ctx_ready(atomics_ctx *ctx) {
    if (atomics_cc_load_1(&ctx->init, ATOMICS_ACQUIRE) == 1)
        return 0;
    PyErr_Format(PyExc_ValueError, "%.100s object is not initialised",
                 atomics_type_name(Py_TYPE(ctx)));
    return -1;
}

/* Moves the phase from one of `from` (a bit set of phases) to `to`; returns
 * the phase seen, which is the old one when the move was made. */
static unsigned ctx_move(atomics_ctx *ctx, unsigned from, unsigned to, int *moved) {
    uint32_t s = atomics_cc_load_4(&ctx->state, ATOMICS_RELAXED);
    for (;;) {
        unsigned phase = s & CTX_PHASE;
        if (!(from & (1u << phase))) {
            *moved = 0;
            return phase;
        }
        if (atomics_cc_cas_4(&ctx->state, &s, (s & ~CTX_PHASE) | to, 1, ATOMICS_ACQ_REL,
                             ATOMICS_RELAXED)) {
            *moved = 1;
            return phase;
        }
    }
}

/* Wakes the threads blocked in wait() and waits for them to leave, waits
 * for the operations in flight from other threads (they never block, so the
 * wait is short), then gives the export back. */
static void ctx_drain_and_release(atomics_ctx *ctx) {
    atomics_wake_waiters(ctx);
#ifdef Py_GIL_DISABLED
    for (unsigned spins = 0; atomics_cc_load_4(&ctx->state, ATOMICS_ACQUIRE) >= CTX_USER ||
                             atomics_cc_load_4(&ctx->owner_busy, ATOMICS_ACQUIRE);
         spins++)
        if (spins > 64)
            atomics_yield();
#endif
    PyBuffer_Release(&ctx->buffer);
}

/* Run by the one thread that moved the phase to RELEASED. */
static void ctx_give_back(atomics_ctx *ctx) {
#ifdef Py_GIL_DISABLED
    uint64_t owner = atomics_cc_load_8(&ctx->owner, ATOMICS_ACQUIRE);
    if (owner != 0 && owner != atomics_thread_id() && barrier_all_threads() < 0) {
        /* Without the barrier we cannot know that the owner's announcement
         * is visible, so we must not give the buffer back here: the owner
         * does it when its next operation finds the context released
         * (its own earlier operations are finished by then), or the context
         * does when it dies (no view is left to operate). */
        atomics_cc_store_1(&ctx->give_back_pending, 1, ATOMICS_RELEASE);
        return;
    }
#endif
    ctx_drain_and_release(ctx);
}

#ifdef Py_GIL_DISABLED
/* Whether this thread takes over a give-back a release had to leave (one
 * taker, however many threads ask). */
static int take_pending_give_back(atomics_ctx *ctx) {
    uint8_t pending = 1;
    return atomics_cc_cas_1(&ctx->give_back_pending, &pending, 0, 0, ATOMICS_ACQ_REL,
                            ATOMICS_RELAXED);
}

void atomics_owner_saw_release(atomics_ctx *ctx) {
    if (take_pending_give_back(ctx))
        ctx_drain_and_release(ctx);
}
#endif

/* Gives the export back now if nobody has, or will: for the context's end
 * and for the garbage collector. Nothing can operate on a view any more. */
static void ctx_release_final(atomics_ctx *ctx) {
    if (atomics_cc_load_1(&ctx->init, ATOMICS_ACQUIRE) != 1)
        return;
    int moved;
    ctx_move(ctx, (1u << CTX_FRESH) | (1u << CTX_OPEN), CTX_RELEASED, &moved);
#ifdef Py_GIL_DISABLED
    if (!moved && take_pending_give_back(ctx))
        moved = 1;
#endif
    if (moved) {
        atomics_wake_waiters(ctx);
        PyBuffer_Release(&ctx->buffer);
    }
}

static PyObject *ctx_enter(atomics_ctx *ctx, PyObject *unused) {
    (void)unused;
    if (ctx_ready(ctx) < 0)
        return NULL;
#ifdef Py_GIL_DISABLED
    /* Claim the owner fast path before the context opens, so that a thread
     * that releases it (and so sees it open) also sees who may be using
     * plain stores. Set once: a thread that loses the race to open keeps the
     * claim, and the opener simply counts its operations like any other. */
    if (atomics_cc_load_4(&atomics_have_membarrier, ATOMICS_ACQUIRE)) {
        uint64_t none = 0;
        atomics_cc_cas_8(&ctx->owner, &none, atomics_thread_id(), 0, ATOMICS_RELEASE,
                         ATOMICS_RELAXED);
    }
#endif
    int moved;
    unsigned phase = ctx_move(ctx, 1u << CTX_FRESH, CTX_OPEN, &moved);
    if (!moved) {
        PyErr_SetString(PyExc_ValueError, phase == CTX_OPEN
                                              ? "Cannot open context multiple times."
                                              : "Cannot open context after calling 'release'.");
        return NULL;
    }
    return atomics_new_view(ctx);
}

PyObject *atomics_share(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    atomics_state *st = PyModule_GetState(module);
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "_share(context, handle) takes two arguments");
        return NULL;
    }
    if (!PyObject_TypeCheck(args[0], st->AtomicViewContext)) {
        PyErr_SetString(PyExc_TypeError, "_share() needs a view context");
        return NULL;
    }
    if (!PyTuple_Check(args[1]) || PyTuple_GET_SIZE(args[1]) != 2) {
        PyErr_SetString(PyExc_TypeError, "_share(): the handle must be a (callable, args) pair");
        return NULL;
    }
    atomics_ctx *ctx = (atomics_ctx *)args[0];
    if (ctx_ready(ctx) < 0)
        return NULL;
    /* set before the context opens, so every view that exists has it */
    Py_INCREF(args[1]);
#if SIZEOF_VOID_P == 8
    uint64_t none = 0;
    int won = atomics_cc_cas_8(&ctx->handle, &none, (uint64_t)(uintptr_t)args[1], 0,
                               ATOMICS_ACQ_REL, ATOMICS_ACQUIRE);
#else
    uint32_t none = 0;
    int won = atomics_cc_cas_4(&ctx->handle, &none, (uint32_t)(uintptr_t)args[1], 0,
                               ATOMICS_ACQ_REL, ATOMICS_ACQUIRE);
#endif
    if (!won) {
        Py_DECREF(args[1]);
        PyErr_SetString(PyExc_ValueError, "_share(): the context is already shared");
        return NULL;
    }
    PyObject *view = ctx_enter(ctx, NULL);
    if (view != NULL) {
        /* nobody else has the view yet: from now on it skips the checks
         * (ctx_exit, ctx_release and ctx_clear leave a shared context open) */
        AtomicObject *obj = (AtomicObject *)view;
        atomics_cc_store_1(&obj->flags, (uint8_t)((obj->flags & ~AF_VIEW) | AF_PINNED),
                           ATOMICS_RELEASE);
    }
    return view;
}

/* Shared contexts stay open until they die: their object operates without
 * checks (AF_PINNED). Only gc.get_referents can reach such a context. */
static int refuse_if_shared(atomics_ctx *ctx) {
    if (ctx->handle == NULL)
        return 0;
    PyErr_SetString(PyExc_ValueError,
                    "the context of a shared object stays open for the object's life");
    return -1;
}

static PyObject *ctx_exit(atomics_ctx *ctx, PyObject *const *args, Py_ssize_t nargs) {
    (void)args, (void)nargs; /* exception type, value, traceback: never suppressed */
    if (ctx_ready(ctx) < 0 || refuse_if_shared(ctx) < 0)
        return NULL;
    int moved;
    ctx_move(ctx, (1u << CTX_FRESH) | (1u << CTX_OPEN), CTX_RELEASED, &moved);
    if (moved)
        ctx_give_back(ctx);
    Py_RETURN_NONE;
}

static PyObject *ctx_release(atomics_ctx *ctx, PyObject *unused) {
    (void)unused;
    if (ctx_ready(ctx) < 0 || refuse_if_shared(ctx) < 0)
        return NULL;
    int moved;
    unsigned phase = ctx_move(ctx, 1u << CTX_FRESH, CTX_RELEASED, &moved);
    if (moved)
        ctx_give_back(ctx);
    else if (phase == CTX_OPEN) {
        PyErr_SetString(PyExc_ValueError, "Cannot call 'release' while context is open.");
        return NULL;
    }
    Py_RETURN_NONE;
}

static int ctx_traverse(atomics_ctx *ctx, visitproc visit, void *arg) {
    Py_VISIT(Py_TYPE(ctx));
    /* the exporter, while we hold its export */
    if (atomics_cc_load_1(&ctx->init, ATOMICS_ACQUIRE) == 1) {
        unsigned phase = atomics_cc_load_4(&ctx->state, ATOMICS_RELAXED) & CTX_PHASE;
        int held = phase != CTX_RELEASED;
#ifdef Py_GIL_DISABLED
        held = held || atomics_cc_load_1(&ctx->give_back_pending, ATOMICS_RELAXED);
#endif
        if (held && atomics_exporter_visible(ctx->buffer.obj))
            Py_VISIT(ctx->buffer.obj);
    }
    Py_VISIT(ctx->handle);
    return 0;
}

/* Breaks a cycle through the exporter: releases the export exactly once;
 * views of this context raise ValueError from then on. */
static int ctx_clear(atomics_ctx *ctx) {
    /* a shared context's exporter is the arena's mmap, which holds nothing:
     * no cycle runs through it, and its object may still run (a finalizer
     * in the same garbage): the export goes at dealloc */
    if (ctx->handle != NULL)
        return 0;
    ctx_release_final(ctx);
    return 0;
}

static void ctx_dealloc(atomics_ctx *ctx) {
    PyTypeObject *tp = Py_TYPE(ctx);
    PyObject_GC_UnTrack(ctx);
    /* a view keeps its context alive, so nothing can be using the buffer */
    ctx_release_final(ctx);
    Py_CLEAR(ctx->handle);
    tp->tp_free(ctx);
    Py_DECREF(tp);
}

static PyObject *ctx_repr(atomics_ctx *ctx) {
    static const char *const phases[] = {"not entered", "open", "released", "?"};
    const char *name = atomics_type_name(Py_TYPE(ctx));
    if (atomics_cc_load_1(&ctx->init, ATOMICS_ACQUIRE) != 1)
        return PyUnicode_FromFormat("<%s (uninitialised)>", name);
    return PyUnicode_FromFormat("<%s width=%d readonly=%s (%s)>", name, (int)ctx->width,
                                (ctx->flags & AF_READONLY) ? "True" : "False",
                                phases[atomics_cc_load_4(&ctx->state, ATOMICS_RELAXED) & CTX_PHASE]);
}

static PyMethodDef ctx_methods[] = {
    {"__enter__", (PyCFunction)ctx_enter, METH_NOARGS,
     "__enter__($self, /)\n--\n\nOpen the context and return its atomic view."},
    {"__exit__", (PyCFunction)(void (*)(void))ctx_exit, METH_FASTCALL,
     "__exit__($self, /, *args)\n--\n\nRelease the buffer. Exceptions are not suppressed."},
    {"release", (PyCFunction)ctx_release, METH_NOARGS,
     "release($self, /)\n--\n\nRelease the buffer without opening the context."},
    ATOMICS_NO_COPY_METHODS,
    {NULL, NULL, 0, NULL}};

typedef struct {
    const char *name;
    const char *doc;
    initproc init;
    int parent; /* index into the family, or -1 */
} ctx_info;

static const ctx_info ctx_classes[] = {
    {"atomics.ctx.AtomicViewContext", "Context of an atomic ANY view of a buffer.",
     (initproc)AtomicViewContext_init, -1},
    {"atomics.ctx.AtomicIntegralViewContext", "Context of an atomic INTEGRAL view of a buffer.",
     (initproc)AtomicIntegralViewContext_init, 0},
    {"atomics.ctx.AtomicBytesViewContext", "Context of an atomic BYTES view of a buffer.",
     (initproc)AtomicBytesViewContext_init, 0},
    {"atomics.ctx.AtomicIntViewContext", "Context of an atomic INT view of a buffer.",
     (initproc)AtomicIntViewContext_init, 1},
    {"atomics.ctx.AtomicUintViewContext", "Context of an atomic UINT view of a buffer.",
     (initproc)AtomicUintViewContext_init, 1},
};

int atomics_add_context_types(PyObject *module, atomics_state *st) {
    PyTypeObject **out[5] = {&st->AtomicViewContext, &st->AtomicIntegralViewContext,
                             &st->AtomicBytesViewContext, &st->AtomicIntViewContext,
                             &st->AtomicUintViewContext};
    for (int i = 0; i < 5; i++) {
        const ctx_info *info = &ctx_classes[i];
        PyType_Slot slots[] = {{Py_tp_doc, (void *)info->doc},
                               {Py_tp_new, (void *)ctx_new},
                               {Py_tp_init, (void *)info->init},
                               {Py_tp_dealloc, (void *)ctx_dealloc},
                               {Py_tp_traverse, (void *)ctx_traverse},
                               {Py_tp_clear, (void *)ctx_clear},
                               {Py_tp_repr, (void *)ctx_repr},
                               {Py_tp_methods, (void *)ctx_methods},
                               {0, NULL}};
        PyType_Spec spec = {info->name, (int)sizeof(atomics_ctx), 0,
                            Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC,
                            slots};
        PyObject *bases = info->parent < 0 ? NULL : PyTuple_Pack(1, (PyObject *)*out[info->parent]);
        if (info->parent >= 0 && bases == NULL)
            return -1;
        *out[i] = (PyTypeObject *)PyType_FromModuleAndSpec(module, &spec, bases);
        Py_XDECREF(bases);
        if (*out[i] == NULL || PyModule_AddType(module, *out[i]) < 0)
            return -1;
    }
    return 0;
}
