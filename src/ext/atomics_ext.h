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

/* Validators for orders already known to be MemoryOrder values. */
static inline int atomics_store_order_ok(atomics_order mo) {
    return mo != ATOMICS_ACQUIRE && mo != ATOMICS_ACQ_REL;
}
static inline int atomics_load_order_ok(atomics_order mo) {
    return mo != ATOMICS_RELEASE && mo != ATOMICS_ACQ_REL;
}

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

/* "AtomicInt" for atomics.base.AtomicInt */
static inline const char *atomics_type_name(PyTypeObject *tp) {
    const char *dot = strrchr(tp->tp_name, '.');
    return dot ? dot + 1 : tp->tp_name;
}

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

#endif /* ATOMICS_EXT_H */
