/* atomics_ext.h: what the files of the CPython binding share: the module
 * state, the object layouts, value conversion and the argument parser. */
#ifndef ATOMICS_EXT_H
#define ATOMICS_EXT_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "atomics/atomics.h"
#include "compiler.h" /* the core's compiler layer: atomics_cc_* */

#include <stddef.h>
#include <string.h>

/* ---- module state --------------------------------------------------------- */

typedef struct {
    /* helper (abstract) types */
    PyTypeObject *ANY, *INTEGRAL, *BYTES, *INT, *UINT;
    /* owned objects (atomics.base) */
    PyTypeObject *Atomic, *AtomicIntegral, *AtomicBytes, *AtomicInt, *AtomicUint;
    /* views (atomics.view) */
    PyTypeObject *AtomicView, *AtomicIntegralView, *AtomicBytesView, *AtomicIntView,
        *AtomicUintView;
    /* contexts (atomics.ctx) */
    PyTypeObject *AtomicViewContext, *AtomicIntegralViewContext, *AtomicBytesViewContext,
        *AtomicIntViewContext, *AtomicUintViewContext;
    PyTypeObject *CmpxchgResult;
    PyTypeObject *Alignment;
    /* arrays (atomics.array) */
    PyTypeObject *AtomicIntegralArray, *AtomicBytesArray;
    /* from the Python layer */
    PyObject *MemoryOrder, *OpType;
    PyObject *AlignmentError, *MemoryOrderError, *UnsupportedWidthException,
        *UnsupportedOperationException;
    /* synchronization primitives (sync.c) */
    PyTypeObject *Lock, *RLock, *Condition, *Semaphore, *BoundedSemaphore, *Event, *Barrier,
        *Latch;
    PyObject *allocate_lock; /* _thread.allocate_lock: checks timeouts as threading does */
    double timeout_max;      /* _thread.TIMEOUT_MAX */
} atomics_state;

extern PyModuleDef atomics_module;

/* The module state of the type that defined a method, found from any
 * instance or subclass instance. */
atomics_state *atomics_state_of_type(PyTypeObject *tp);
static inline atomics_state *atomics_state_of(PyObject *self) {
    return atomics_state_of_type(Py_TYPE(self));
}

/* ---- objects -------------------------------------------------------------- */

/* What an object's values are. */
enum atomics_kind { KIND_ANY, KIND_BYTES, KIND_INT, KIND_UINT };

/* Object flags. */
#define AF_READONLY 0x01u
#define AF_INTEGRAL 0x02u /* ANY objects remember is_integral */
#define AF_SIGNED 0x04u
#define AF_VIEW 0x08u    /* a view: u.ctx is set (else u.storage is the memory) */
#define AF_INIT 0x10u    /* ready: every field is set */
#define AF_CLAIMED 0x20u /* __init__ has started */
/* A shared object (atomics.shared): u.ctx is set, as for a view, but the
 * context is opened for good and never released before the object dies, so
 * operations need no check (AF_VIEW is clear) and cost what owned ones do. */
#define AF_PINNED 0x40u
#define AF_HAS_CTX (AF_VIEW | AF_PINNED)

typedef struct atomics_ctx atomics_ctx;

/* One layout for owned objects and views: they differ only in who owns the
 * memory, so every operation is written once for both. 64 bytes with the
 * weak reference list on a GIL build: an owned object needs its storage and
 * no context, a view the reverse, so the two share their place. */
typedef struct {
    PyObject_HEAD
    unsigned char *addr;     /* the object's memory */
    const atomics_ops *ops;  /* resolved once; NULL until initialised */
    uint8_t width;
    uint8_t kind;            /* enum atomics_kind */
    uint8_t flags;           /* AF_* */
    PyObject *weakrefs;      /* weakref support */
    union {
        /* owned objects: the memory itself, aligned for every width up to 16 */
        _Alignas(16) unsigned char storage[16];
        /* views and shared objects (AF_HAS_CTX): the context owning the
         * buffer export */
        atomics_ctx *ctx;
    } u;
} AtomicObject;

/* Context phases. The low two bits of `state`; on free-threaded builds the
 * rest counts operations in progress on the view from threads other than
 * the owner (CTX_USER each). */
#define CTX_FRESH 0u
#define CTX_OPEN 1u
#define CTX_RELEASED 2u
#define CTX_PHASE 3u
#define CTX_USER 4u

struct atomics_ctx {
    PyObject_HEAD
    uint32_t state;
    uint8_t width;
    uint8_t kind;
    uint8_t flags; /* AF_READONLY | AF_SIGNED | AF_INTEGRAL */
    uint8_t init;  /* __init__ has run */
#ifdef Py_GIL_DISABLED
    /* The one thread allowed to mark its operations with plain stores to
     * owner_busy instead of read-modify-writes (see atomics_op_begin). Set
     * at most once, by __enter__ before the context opens, and never
     * changed; 0 when there is none. */
    uint64_t owner; /* a _Py_ThreadId() */
    uint32_t owner_busy;
    /* The export still waits to be given back: a release from another
     * thread could not fence the owner (membarrier failed), so the owner's
     * next operation, or the context's end, gives it back instead. */
    uint8_t give_back_pending;
#endif
    /* Threads blocked in wait() on the view (wait.c): a release wakes them
     * and waits for them to leave before giving the export back. The high
     * 32 bits name the process that counted them (a fork copies the count
     * but not the threads: the child's release must not wait for them). */
    uint64_t waiters;
    unsigned char *addr;
    const atomics_ops *ops;
    PyTypeObject *view_type;
    Py_buffer buffer; /* the export, held from construction to release */
    /* Shared objects (atomics.shared): what pickling the view returns, a
     * (callable, args) pair that re-attaches it; NULL for other views. */
    PyObject *handle;
};

/* This thread, as the owner field holds it. */
#define atomics_thread_id() ((uint64_t)_Py_ThreadId())

/* Raises ValueError for a view whose context is no longer open. */
int atomics_raise_released(void);

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

/* ---- elements (docs/design/binding.md) --------------------------------------------- */

/* Where an operation acts: the memory, its table, what its values are, and
 * the guard to check around the access. A plain struct on the caller's
 * stack, holding no reference: objects, views, shared objects and array
 * elements each make one and call the same element methods (element.h). */
typedef struct {
    unsigned char *addr;
    const atomics_ops *ops;
    atomics_ctx *guard;   /* a view's context; NULL: no check */
    PyTypeObject *type;   /* names the element in messages; leads to the module state */
    uint8_t width;
    uint8_t kind;         /* enum atomics_kind */
    uint8_t flags;        /* AF_* */
} atomics_elem;

static inline int atomics_elem_begin(const atomics_elem *el) { return atomics_guard_begin(el->guard); }
static inline void atomics_elem_end(const atomics_elem *el) { atomics_guard_end(el->guard); }

/* The element of an object, or -1 with ValueError if __init__ has not run. */
static inline int atomics_elem_of_object(AtomicObject *self, atomics_elem *el) {
    uint8_t flags = atomics_cc_load_1(&self->flags, ATOMICS_ACQUIRE);
    if (!(flags & AF_INIT)) {
        PyErr_Format(PyExc_ValueError, "%.100s object is not initialised", Py_TYPE(self)->tp_name);
        return -1;
    }
    el->addr = self->addr;
    el->ops = self->ops;
    el->guard = (flags & AF_VIEW) ? self->u.ctx : NULL;
    el->type = Py_TYPE(self);
    el->width = self->width;
    el->kind = self->kind;
    el->flags = flags;
    return 0;
}

/* ---- blocking wait and notify (wait.c) ------------------------------------------ */

/* Runs pending signal handlers (PyErr_CheckSignals, or PyPy's way of
 * running them); -1 with the exception one raised. */
int atomics_check_signals(void);

/* Run by a release before the export is given back, once the phase is
 * RELEASED: wakes the threads waiting on the view until none is left. */
void atomics_wake_waiters(atomics_ctx *ctx);

/* The operations for `width` bytes at `addr` (NULL: owned memory, which is
 * always aligned), or NULL with UnsupportedWidthException or AlignmentError. */
const atomics_ops *atomics_resolve(atomics_state *st, const void *addr, Py_ssize_t width,
                                   int readonly);
/* The same, accepting the core's minimum alignment when `minimum` is set. */
const atomics_ops *atomics_resolve_aligned(atomics_state *st, const void *addr, Py_ssize_t width,
                                           int readonly, int minimum);

/* Creates an owned object of type tp (used by atomic()). */
PyObject *atomics_new_owned(atomics_state *st, PyTypeObject *tp, Py_ssize_t width,
                            int kind, unsigned flags);

/* Creates the view object of an opened context. */
PyObject *atomics_new_view(atomics_ctx *ctx);

/* Creates a context of type tp for `width` bytes at `offset` into `buffer`
 * (offset 0, width -1: the whole buffer); `minimum`: the core's minimum
 * alignment suffices (else the recommended one is required). */
PyObject *atomics_new_context_at(atomics_state *st, PyTypeObject *tp, PyObject *buffer, int kind,
                                 unsigned flags, Py_ssize_t offset, Py_ssize_t width,
                                 int minimum);
/* atomics._atomics._share(context, handle): opens a fresh context for good
 * and returns its view, which pickles to `handle` (context.c). */
PyObject *atomics_share(PyObject *module, PyObject *const *args, Py_ssize_t nargs);

PyObject *atomics_cmpxchg_result(atomics_state *st, int success, PyObject *expected);

/* ---- type specs (one file each) ---------------------------------------------- */

int atomics_add_object_types(PyObject *module, atomics_state *st);
int atomics_add_context_types(PyObject *module, atomics_state *st);
int atomics_add_result_type(PyObject *module, atomics_state *st);
int atomics_add_alignment_type(PyObject *module, atomics_state *st);
int atomics_add_array_type(PyObject *module, atomics_state *st);

/* ---- arrays (array.c) ------------------------------------------------------------- */

/* atomicarray(buffer, width, atype, offset=0, length=None, is_signed=None, align=None) */
PyObject *atomics_array_new(PyObject *module, PyObject *args, PyObject *kwargs);
/* _share_array(array, handle): the array pickles to handle from now on. */
PyObject *atomics_share_array(PyObject *module, PyObject *const *args, Py_ssize_t nargs);
/* ---- conversion (convert.c) ---------------------------------------------------- */

/* Values travel as native-endian bytes in a 16-byte buffer; for widths up
 * to 8 that is the low end of a uint64_t on little-endian machines. MSVC
 * targets are all little-endian and define neither macro. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define ATOMICS_BIG_ENDIAN 1
#define ATOMICS_RAW64_OFFSET(width) (8 - (width))
#else
#define ATOMICS_BIG_ENDIAN 0
#define ATOMICS_RAW64_OFFSET(width) 0
#endif

/* memcpy with a constant length for the common widths: a run-time length
 * turns into a rep movs, the slowest part of a conversion. */
static inline void atomics_copy(void *dst, const void *src, unsigned width) {
    switch (width) {
    case 1: memcpy(dst, src, 1); break;
    case 2: memcpy(dst, src, 2); break;
    case 4: memcpy(dst, src, 4); break;
    case 8: memcpy(dst, src, 8); break;
    case 16: memcpy(dst, src, 16); break;
    default: memcpy(dst, src, width); break;
    }
}

/* Values wider than 64 bits are computed on as two 64-bit halves of a
 * 128-bit two's complement number, so the same code serves compilers
 * without __int128 (MSVC, 32-bit targets). In memory a value is `width`
 * native-endian bytes: the low end of 16 on little-endian machines, the
 * high end on big-endian (convert.c, more_ops.c). */
typedef struct {
    uint64_t lo, hi;
} atomics_wide;

#if ATOMICS_BIG_ENDIAN
#define ATOMICS_WIDE_OFFSET(width) (16 - (width))
#define ATOMICS_WIDE_HI_AT 0
#define ATOMICS_WIDE_LO_AT 8
#else
#define ATOMICS_WIDE_OFFSET(width) 0
#define ATOMICS_WIDE_HI_AT 8
#define ATOMICS_WIDE_LO_AT 0
#endif

/* The `width` bytes at raw as a number: sign-extended if is_signed, else
 * zero-extended. */
static inline atomics_wide atomics_get_wide(const unsigned char raw[16], unsigned width,
                                            int is_signed) {
    /* the most significant byte of the value decides the sign fill */
    unsigned char top = ATOMICS_BIG_ENDIAN ? raw[0] : raw[width - 1];
    unsigned char full[16];
    atomics_wide v;
    memset(full, is_signed && (top & 0x80) ? 0xff : 0, 16);
    atomics_copy(full + ATOMICS_WIDE_OFFSET(width), raw, width);
    memcpy(&v.hi, full + ATOMICS_WIDE_HI_AT, 8);
    memcpy(&v.lo, full + ATOMICS_WIDE_LO_AT, 8);
    return v;
}

/* The low `width` bytes of v to raw. */
static inline void atomics_put_wide(unsigned char raw[16], atomics_wide v, unsigned width) {
    unsigned char full[16];
    memcpy(full + ATOMICS_WIDE_HI_AT, &v.hi, 8);
    memcpy(full + ATOMICS_WIDE_LO_AT, &v.lo, 8);
    atomics_copy(raw, full + ATOMICS_WIDE_OFFSET(width), width);
}

/* Whether a traverse function may show the collector the exporter of a
 * buffer it holds. Before CPython 3.13 a memoryview's tp_clear drops its
 * managed buffer even while one of its exports is still held; if the
 * collector cleared the memoryview before the holder released that export,
 * the memoryview's deallocation then dereferenced NULL (a crash seen with a
 * view over a memoryview slice in a frame/traceback cycle). There the
 * memoryview stays hidden, so it is never garbage while exported: a cycle
 * through it is not collected (as before 1.2.0), one through the holder is. */
static inline int atomics_exporter_visible(PyObject *exporter) {
#if PY_VERSION_HEX < 0x030D0000
    if (exporter != NULL && PyMemoryView_Check(exporter))
        return 0;
#endif
    return exporter != NULL;
}

/* Reads an int that fits one internal digit straight from the object (most
 * values passed to atomics do); 0 if it does not, and the caller converts. */
static inline int atomics_small_int(PyObject *v, long long *out) {
#if PY_VERSION_HEX >= 0x030C0000
    if (!PyUnstable_Long_IsCompact((PyLongObject *)v))
        return 0;
    *out = (long long)PyUnstable_Long_CompactValue((PyLongObject *)v);
    return 1;
#elif defined(PYPY_VERSION)
    /* PyPy's cpyext ints have no ob_digit: always take the general path */
    (void)v, (void)out;
    return 0;
#else
    Py_ssize_t size = Py_SIZE(v);
    if (size < -1 || size > 1)
        return 0;
    *out = (long long)size * (long long)((PyLongObject *)v)->ob_digit[0];
    return 1;
#endif
}

/* The general conversions (any width, any int, bytes-like values). */
int atomics_to_raw_slow(const atomics_elem *self, PyObject *value, const char *argname,
                        unsigned char raw[16]);
PyObject *atomics_from_raw_slow(const atomics_elem *self, const unsigned char raw[16]);

/* A Python value to the object's raw native-endian bytes; TypeError,
 * OverflowError or ValueError when it is not a value of the object. The
 * common case (an int that fits 64 bits, width <= 8) stays inline. */
static inline int atomics_to_raw(const atomics_elem *self, PyObject *value, const char *argname,
                                 unsigned char raw[16]) {
    unsigned width = self->width;
    if (self->kind != KIND_BYTES && width <= 8 && PyLong_Check(value)) {
        int overflow = 0;
        long long v;
        if (atomics_small_int(value, &v)) {
            /* read in place, no call */
        } else {
            v = PyLong_AsLongLongAndOverflow(value, &overflow);
            if (v == -1 && PyErr_Occurred())
                overflow = 1;
        }
        if (!overflow) {
            int in_range;
            if (self->kind == KIND_INT)
                in_range = width == 8 || (v >= -(1LL << (8 * width - 1)) &&
                                          v < (1LL << (8 * width - 1)));
            else
                in_range = v >= 0 && (width == 8 || (unsigned long long)v >> (8 * width) == 0);
            if (in_range) {
                uint64_t u = (uint64_t)v;
                atomics_copy(raw, (const unsigned char *)&u + ATOMICS_RAW64_OFFSET(width), width);
                return 0;
            }
        }
        PyErr_Clear(); /* the general path raises the right error */
    }
    return atomics_to_raw_slow(self, value, argname, raw);
}

/* Raw native-endian bytes to a Python value of the object's kind. */
static inline PyObject *atomics_from_raw(const atomics_elem *self, const unsigned char raw[16]) {
    unsigned width = self->width;
    if (self->kind == KIND_BYTES || width > 8)
        return atomics_from_raw_slow(self, raw);
    uint64_t u = 0;
    atomics_copy((unsigned char *)&u + ATOMICS_RAW64_OFFSET(width), raw, width);
    if (self->kind == KIND_UINT)
        return PyLong_FromUnsignedLongLong(u);
    if (width < 8 && (u >> (8 * width - 1)) & 1)
        u |= ~(uint64_t)0 << (8 * width); /* sign-extend */
    return PyLong_FromLongLong((long long)u);
}

/* A memory order argument (NULL: SEQ_CST) to its value; raises TypeError or
 * ValueError naming `argname` for what is no MemoryOrder. */
int atomics_parse_order_slow(PyObject *arg, const char *argname, atomics_order *out);
static inline int atomics_parse_order(PyObject *arg, const char *argname, atomics_order *out) {
    if (arg == NULL) {
        *out = ATOMICS_SEQ_CST;
        return 0;
    }
    return atomics_parse_order_slow(arg, argname, out);
}

/* Validators for orders already known to be MemoryOrder values. */
static inline int atomics_store_order_ok(atomics_order mo) {
    return mo != ATOMICS_ACQUIRE && mo != ATOMICS_ACQ_REL;
}
static inline int atomics_load_order_ok(atomics_order mo) {
    return mo != ATOMICS_RELEASE && mo != ATOMICS_ACQ_REL;
}

/* Raises UnsupportedOperationException, or ValueError for a released view. */
PyObject *atomics_raise_unsupported(const atomics_elem *el, atomics_op op);
/* The same for an operation OpType (fixed by 1.0) has no member for: its
 * optype is the method's name. */
PyObject *atomics_raise_unsupported_name(const atomics_elem *el, const char *name);
/* Raises MemoryOrderError(optype, order, is_fail). */
PyObject *atomics_raise_order(const atomics_elem *el, atomics_op op, atomics_order order, int is_fail);
/* Raises UnsupportedWidthException(width, readonly). */
int atomics_raise_width(atomics_state *st, Py_ssize_t width, int readonly);

/* ---- argument parsing (convert.c) ------------------------------------------------ */

#define ATOMICS_MAX_ARGS 4

typedef struct {
    const char *fname;                       /* for messages */
    int required;                            /* leading positional-or-keyword */
    int total;                               /* all parameters */
    const char *names[ATOMICS_MAX_ARGS];     /* in positional order */
    const char *aliases[ATOMICS_MAX_ARGS];   /* a second keyword name, or NULL */
    int positional;                          /* most given by position; 0: total */
} atomics_argspec;

/* Vectorcall arguments to out[0 .. spec->total), NULL where omitted. Calls
 * with positional arguments only never leave this inline part. */
int atomics_parse_args_slow(const atomics_argspec *spec, PyObject *const *args,
                            Py_ssize_t nargs, PyObject *kwnames, PyObject **out);
static inline int atomics_parse_args(const atomics_argspec *spec, PyObject *const *args,
                                     Py_ssize_t nargs, PyObject *kwnames, PyObject **out) {
    int positional = spec->positional ? spec->positional : spec->total;
    if (kwnames == NULL && nargs >= spec->required && nargs <= positional) {
        for (int i = 0; i < spec->total; i++)
            out[i] = i < nargs ? args[i] : NULL;
        return 0;
    }
    return atomics_parse_args_slow(spec, args, nargs, kwnames, out);
}

/* The parameter a keyword names (its name or alias), or -1. */
int atomics_keyword_index(const atomics_argspec *spec, PyObject *key);

/* Keyword-only parsing for constructors (tuple + dict). */
int atomics_parse_kwargs(const char *fname, PyObject *args, PyObject *kwargs,
                         const char *const *names, int required, PyObject **out);

/* An int, or the int an object with __index__ stands for (new reference);
 * TypeError naming `argname` otherwise. */
PyObject *atomics_as_int(PyObject *value, const char *argname);

/* Width from a constructor argument: an int or __index__ object (else
 * TypeError), not negative (ValueError), at most ATOMICS_MAX_WIDTH (else
 * UnsupportedWidthException naming the width as given). */
int atomics_parse_width(atomics_state *st, PyObject *arg, Py_ssize_t *out);
/* bool() of a constructor flag. */
int atomics_parse_flag(PyObject *arg, const char *name, int *out);

/* The export of `buffer`, which must be contiguous; TypeError for an object
 * without the buffer protocol, BufferError for a non-contiguous one. */
int atomics_get_buffer(PyObject *buffer, Py_buffer *view);
/* TypeError for an export whose items hold object references or pointers
 * (numpy dtype=object, format 'O', 'P' or '&'). */
int atomics_refuse_references(const Py_buffer *view);
#ifdef PYPY_VERSION
/* BufferError for a writable buffer: PyPy cannot pin it for a view. */
int atomics_pypy_refuse_writable(PyObject *buffer);
#endif

/* __copy__, __deepcopy__, __reduce__ and __reduce_ex__ of atomic objects
 * and contexts: TypeError, since a copy would share or lose the memory. */
PyObject *atomics_no_copy(PyObject *self, PyObject *unused);
#define ATOMICS_NO_COPY_METHODS                                                       \
    {"__copy__", atomics_no_copy, METH_NOARGS, "Atomic objects cannot be copied."},   \
    {"__deepcopy__", atomics_no_copy, METH_O, "Atomic objects cannot be copied."},    \
    {"__reduce__", atomics_no_copy, METH_NOARGS, "Atomic objects cannot be pickled."},\
    {"__reduce_ex__", atomics_no_copy, METH_O, "Atomic objects cannot be pickled."}

/* "AtomicInt" for atomics.base.AtomicInt */
static inline const char *atomics_type_name(PyTypeObject *tp) {
    const char *dot = strrchr(tp->tp_name, '.');
    return dot ? dot + 1 : tp->tp_name;
}

/* str()/repr() text shared by objects and views. */
PyObject *atomics_object_repr(AtomicObject *self);

#endif /* ATOMICS_EXT_H */
