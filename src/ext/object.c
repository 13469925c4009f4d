/* object.c: the atomic object types, owned (atomics.base) and views
 * (atomics.view): construction, lifetime, GC, repr, properties, copying and
 * pickling, and the method tables. Both share one layout and one set of
 * methods; each method makes the object's element and calls the element
 * method (element.h); a view's element carries its context as the guard. */
#include "object.h"
#include "element.h"

#include <structmember.h>

/* ---- construction ------------------------------------------------------------ */

const atomics_ops *atomics_resolve(atomics_state *st, const void *addr, Py_ssize_t width,
                                   int readonly) {
    return atomics_resolve_aligned(st, addr, width, readonly, 0);
}

const atomics_ops *atomics_resolve_aligned(atomics_state *st, const void *addr, Py_ssize_t width,
                                           int readonly, int minimum) {
    atomics_alignment al;
    if (width < 1 || width > ATOMICS_MAX_WIDTH || atomics_alignment_of((size_t)width, &al) != 0) {
        atomics_raise_width(st, width, readonly);
        return NULL;
    }
    if (minimum ? !atomics_is_aligned(addr, (size_t)width, 0)
                : (uintptr_t)addr % al.recommended != 0) {
        PyObject *args = Py_BuildValue("(nKO)", width, (unsigned long long)(uintptr_t)addr,
                                       minimum ? Py_False : Py_True);
        PyObject *exc = args ? PyObject_Call(st->AlignmentError, args, NULL) : NULL;
        Py_XDECREF(args);
        if (exc) {
            PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
            Py_DECREF(exc);
        }
        return NULL;
    }
    const atomics_ops *ops = atomics_ops_for(addr, (size_t)width, readonly ? ATOMICS_READONLY : 0);
    if (ops == NULL)
        atomics_raise_width(st, width, readonly);
    return ops;
}

/* Points an owned object at its own zeroed memory and resolves its table. */
static int setup_owned(atomics_state *st, AtomicObject *self, Py_ssize_t width, int kind,
                       unsigned flags) {
    unsigned char *addr = self->u.storage;
    void *block = NULL;
    if ((uintptr_t)addr % 16 != 0) {
        /* an allocator without 16-byte alignment: take memory of our own,
         * and keep where the block starts in the storage it replaces */
        block = PyMem_RawMalloc(16 + 15);
        if (block == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        addr = (unsigned char *)(((uintptr_t)block + 15) & ~(uintptr_t)15);
        memcpy(self->u.storage, &block, sizeof block);
    }
    memset(addr, 0, 16);
    const atomics_ops *ops = atomics_resolve(st, addr, width, 0);
    if (ops == NULL) {
        PyMem_RawFree(block);
        return -1;
    }
    self->addr = addr;
    self->width = (uint8_t)width;
    self->kind = (uint8_t)kind;
    self->ops = ops;
    /* publish: a thread that sees AF_INIT sees every field above */
    atomics_cc_fetch_or_1(&self->flags, (uint8_t)(flags | AF_INIT), ATOMICS_RELEASE);
    return 0;
}

PyObject *atomics_new_owned(atomics_state *st, PyTypeObject *tp, Py_ssize_t width, int kind,
                            unsigned flags) {
    AtomicObject *self = (AtomicObject *)tp->tp_alloc(tp, 0);
    if (self == NULL)
        return NULL;
    if (setup_owned(st, self, width, kind, flags) < 0) {
        Py_DECREF(self);
        return NULL;
    }
    return (PyObject *)self;
}

PyObject *atomics_new_view(atomics_ctx *ctx) {
    PyTypeObject *tp = ctx->view_type;
    AtomicObject *self = (AtomicObject *)tp->tp_alloc(tp, 0);
    if (self == NULL)
        return NULL;
    self->addr = ctx->addr;
    self->ops = ctx->ops;
    self->width = ctx->width;
    self->kind = ctx->kind;
    Py_INCREF(ctx);
    self->u.ctx = ctx;
    self->flags = (uint8_t)(ctx->flags | AF_VIEW | AF_INIT);
    return (PyObject *)self;
}

static PyObject *object_new(PyTypeObject *tp, PyObject *args, PyObject *kwargs) {
    (void)args, (void)kwargs;
    return tp->tp_alloc(tp, 0); /* zeroed: not initialised until __init__ */
}

static void object_dealloc(AtomicObject *self) {
    PyTypeObject *tp = Py_TYPE(self);
    if (PyType_IS_GC(tp))
        PyObject_GC_UnTrack(self);
    if (self->weakrefs != NULL)
        PyObject_ClearWeakRefs((PyObject *)self);
    if (self->flags & AF_HAS_CTX)
        Py_DECREF(self->u.ctx);
    else if (self->addr != NULL && self->addr != self->u.storage) {
        void *block;
        memcpy(&block, self->u.storage, sizeof block);
        PyMem_RawFree(block);
    }
    tp->tp_free(self);
    Py_DECREF(tp);
}

/* Views are collectable: a cycle through their context (an exporter that
 * keeps the view, say) is found by the collector, and the context's clear
 * releases the export. The view itself keeps its context to the end, so it
 * never points at memory it does not hold. */
static int view_traverse(AtomicObject *self, visitproc visit, void *arg) {
    Py_VISIT(Py_TYPE(self));
    if (self->flags & AF_HAS_CTX)
        Py_VISIT(self->u.ctx);
    return 0;
}

/* Runs __init__ once; a second call raises ValueError. */
static int init_owned(AtomicObject *self, Py_ssize_t width, int kind, unsigned flags) {
    /* one winner, even among threads racing to initialise the same object */
    uint8_t before = atomics_cc_fetch_or_1(&self->flags, AF_CLAIMED, ATOMICS_ACQ_REL);
    if (before & (AF_INIT | AF_CLAIMED)) {
        PyErr_Format(PyExc_ValueError, "%.100s object cannot be re-initialised.",
                     atomics_type_name(Py_TYPE(self)));
        return -1;
    }
    int rc = setup_owned(atomics_state_of((PyObject *)self), self, width, kind, flags);
    if (rc < 0)
        atomics_cc_store_1(&self->flags, 0, ATOMICS_RELEASE);
    return rc;
}

static const char *const init_names_any[] = {"width", "is_integral", "is_signed", NULL};
static const char *const init_names_integral[] = {"width", "is_signed", NULL};
static const char *const init_names_width[] = {"width", NULL};

static int Atomic_init(AtomicObject *self, PyObject *args, PyObject *kwargs) {
    PyObject *a[3];
    Py_ssize_t width;
    int integral, is_signed;
    if (atomics_parse_kwargs("Atomic", args, kwargs, init_names_any, 3, a) < 0 ||
        atomics_parse_width(atomics_state_of((PyObject *)self), a[0], &width) < 0 ||
        atomics_parse_flag(a[1], "is_integral", &integral) < 0 ||
        atomics_parse_flag(a[2], "is_signed", &is_signed) < 0)
        return -1;
    return init_owned(self, width, KIND_ANY,
                      (integral ? AF_INTEGRAL : 0) | (is_signed ? AF_SIGNED : 0));
}

static int AtomicIntegral_init(AtomicObject *self, PyObject *args, PyObject *kwargs) {
    PyObject *a[2];
    Py_ssize_t width;
    int is_signed;
    if (atomics_parse_kwargs("AtomicIntegral", args, kwargs, init_names_integral, 2, a) < 0 ||
        atomics_parse_width(atomics_state_of((PyObject *)self), a[0], &width) < 0 ||
        atomics_parse_flag(a[1], "is_signed", &is_signed) < 0)
        return -1;
    return init_owned(self, width, is_signed ? KIND_INT : KIND_UINT,
                      AF_INTEGRAL | (is_signed ? AF_SIGNED : 0));
}

#define ATOMICS_WIDTH_INIT_(Name, KIND, FLAGS)                                        \
    static int Name##_init(AtomicObject *self, PyObject *args, PyObject *kwargs) {    \
        PyObject *a[1];                                                               \
        Py_ssize_t width;                                                             \
        if (atomics_parse_kwargs(#Name, args, kwargs, init_names_width, 1, a) < 0 ||  \
            atomics_parse_width(atomics_state_of((PyObject *)self), a[0], &width) < 0) \
            return -1;                                                                \
        return init_owned(self, width, KIND, FLAGS);                                  \
    }
ATOMICS_WIDTH_INIT_(AtomicBytes, KIND_BYTES, 0)
ATOMICS_WIDTH_INIT_(AtomicInt, KIND_INT, AF_INTEGRAL | AF_SIGNED)
ATOMICS_WIDTH_INIT_(AtomicUint, KIND_UINT, AF_INTEGRAL)
#undef ATOMICS_WIDTH_INIT_

static PyObject *view_new(PyTypeObject *tp, PyObject *args, PyObject *kwargs) {
    (void)args, (void)kwargs;
    PyErr_Format(PyExc_TypeError,
                 "cannot create '%.100s' instances: use atomicview(...) in a with statement",
                 tp->tp_name);
    return NULL;
}

/* ---- state checks ----------------------------------------------------------------- */

/* The operation table, or NULL with ValueError for an object that is not
 * initialised. */
/* For properties: 0 if the object may be looked at, else -1 with ValueError. */
static int check_usable(AtomicObject *self) {
    atomics_elem el;
    if (atomics_elem_of_object(self, &el) < 0)
        return -1;
    if (atomics_op_begin(self) < 0)
        return -1;
    atomics_op_end(self);
    return 0;
}

/* ---- special methods ------------------------------------------------------------------ */

/* A SEQ_CST load, or NULL with the exception an explicit load() would raise. */
static PyObject *load_value(AtomicObject *self) {
    atomics_elem el;
    if (atomics_elem_of_object(self, &el) < 0)
        return NULL;
    return atomics_e_load(&el, NULL, 0, NULL);
}

static PyObject *nb_int(PyObject *self) { return load_value((AtomicObject *)self); }

static PyObject *m_bytes(AtomicObject *self, PyObject *unused) {
    (void)unused;
    return load_value(self);
}

PyObject *atomics_object_repr(AtomicObject *self) {
    const char *name = atomics_type_name(Py_TYPE(self));
    if (!(atomics_cc_load_1(&self->flags, ATOMICS_ACQUIRE) & AF_INIT))
        return PyUnicode_FromFormat("<%s (uninitialised)>", name);
    if (atomics_op_begin(self) < 0) {
        PyErr_Clear();
        return PyUnicode_FromFormat("<%s (released)>", name);
    }
    atomics_op_end(self);
    const char *readonly = (self->flags & AF_READONLY) ? "True" : "False";
    if (self->kind == KIND_ANY)
        return PyUnicode_FromFormat("%s(width=%d, readonly=%s)", name, (int)self->width, readonly);
    PyObject *value;
    if (self->ops->load == NULL) {
        value = PyUnicode_FromString("LOAD_NOT_SUPPORTED");
    } else {
        PyObject *v = load_value(self);
        value = v ? PyObject_Repr(v) : NULL;
        Py_XDECREF(v);
    }
    if (value == NULL)
        return NULL;
    PyObject *text;
    if (self->kind == KIND_BYTES)
        text = PyUnicode_FromFormat("%s(value=%U, width=%d, readonly=%s)", name, value,
                                    (int)self->width, readonly);
    else
        text = PyUnicode_FromFormat("%s(value=%U, width=%d, readonly=%s, signed=%s)", name, value,
                                    (int)self->width, readonly,
                                    self->kind == KIND_INT ? "True" : "False");
    Py_DECREF(value);
    return text;
}

/* ---- properties -------------------------------------------------------------------------- */

static PyObject *get_width(AtomicObject *self, void *closure) {
    (void)closure;
    if (check_usable(self) < 0)
        return NULL;
    return PyLong_FromLong(self->width);
}

static PyObject *get_readonly(AtomicObject *self, void *closure) {
    (void)closure;
    if (check_usable(self) < 0)
        return NULL;
    return PyBool_FromLong(self->flags & AF_READONLY);
}

static PyObject *get_signed(AtomicObject *self, void *closure) {
    (void)closure;
    if (check_usable(self) < 0)
        return NULL;
    return PyBool_FromLong(self->flags & AF_SIGNED);
}

/* Operations only integral objects have. */
#define ARITHMETIC_OPS                                                                \
    ((1u << ATOMICS_OP_ADD) | (1u << ATOMICS_OP_SUB) | (1u << ATOMICS_OP_INC) |       \
     (1u << ATOMICS_OP_DEC) | (1u << ATOMICS_OP_NEG) | (1u << ATOMICS_OP_FETCH_ADD) | \
     (1u << ATOMICS_OP_FETCH_SUB) | (1u << ATOMICS_OP_FETCH_INC) |                    \
     (1u << ATOMICS_OP_FETCH_DEC) | (1u << ATOMICS_OP_FETCH_NEG))

static PyObject *get_ops_supported(AtomicObject *self, void *closure) {
    (void)closure;
    if (check_usable(self) < 0)
        return NULL;
    uint32_t mask = atomics_ops_mask(self->ops);
    if (!(self->flags & AF_INTEGRAL))
        mask &= ~ARITHMETIC_OPS;
    atomics_state *st = atomics_state_of((PyObject *)self);
    PyObject *list = PyList_New(0);
    for (int op = 1; list && op < ATOMICS_OP_COUNT; op++) {
        if (!(mask & (1u << op)))
            continue;
        PyObject *member = PyObject_CallFunction(st->OpType, "i", op);
        if (member == NULL || PyList_Append(list, member) < 0)
            Py_CLEAR(list);
        Py_XDECREF(member);
    }
    return list;
}

/* ---- copying and pickling ----------------------------------------------------------------- */

/* Shared objects (a view whose context carries a handle) pickle to that
 * handle, which re-attaches the same memory; everything else refuses. */
static PyObject *object_reduce(AtomicObject *self, PyObject *unused) {
    if (atomics_cc_load_1(&self->flags, ATOMICS_ACQUIRE) & AF_HAS_CTX) {
        PyObject *handle = self->u.ctx->handle;
        if (handle != NULL) {
            Py_INCREF(handle);
            return handle;
        }
    }
    return atomics_no_copy((PyObject *)self, unused);
}

#define OBJECT_COPY_METHODS                                                           \
    {"__copy__", atomics_no_copy, METH_NOARGS, "Atomic objects cannot be copied."},   \
    {"__deepcopy__", atomics_no_copy, METH_O, "Atomic objects cannot be copied."},    \
    {"__reduce__", (PyCFunction)object_reduce, METH_NOARGS,                           \
     "Shared objects pickle to a handle that re-attaches them; others refuse."},      \
    {"__reduce_ex__", (PyCFunction)object_reduce, METH_O,                             \
     "Shared objects pickle to a handle that re-attaches them; others refuse."}

/* ---- object entry points ---------------------------------------------------------------
 * Each makes the object's element and calls the element method (element.h). */

#define ATOMICS_X_(name, sig)                                                         \
    static PyObject *m_##name(AtomicObject *self, PyObject *const *args, Py_ssize_t nargs, \
                              PyObject *kwnames) {                                    \
        atomics_elem el;                                                              \
        if (atomics_elem_of_object(self, &el) < 0)                                    \
            return NULL;                                                              \
        return atomics_e_##name(&el, args, nargs, kwnames);                           \
    }
ATOMICS_VALUE_OPS(ATOMICS_X_)
ATOMICS_ARITHMETIC_OPS(ATOMICS_X_)
#undef ATOMICS_X_

static PyObject *notify(AtomicObject *self, int all) {
    atomics_elem el;
    if (atomics_elem_of_object(self, &el) < 0)
        return NULL;
    return atomics_e_notify(&el, all);
}

static PyObject *m_notify_one(AtomicObject *self, PyObject *unused) {
    (void)unused;
    return notify(self, 0);
}

static PyObject *m_notify_all(AtomicObject *self, PyObject *unused) {
    (void)unused;
    return notify(self, 1);
}

/* The entries of the operations beyond 1.0. */
#define SIG_ORDER_ "($self, /, order=atomics.MemoryOrder.SEQ_CST)\n--\n\n"
#define SIG_VALUE_ "($self, /, value, order=atomics.MemoryOrder.SEQ_CST)\n--\n\n"
#define METHOD_(name, sig, doc)                                                        \
    {#name, (PyCFunction)(void (*)(void))m_##name, METH_FASTCALL | METH_KEYWORDS,      \
     #name sig doc}

/* Every object with a value: integral and bytes. */
#define LATER_VALUE_METHODS                                                             \
    METHOD_(bin_or_fetch, SIG_VALUE_,                                     \
                    "Atomically value |= operand; return the new value."),                     \
    METHOD_(bin_xor_fetch, SIG_VALUE_,                                    \
                    "Atomically value ^= operand; return the new value."),                     \
    METHOD_(bin_and_fetch, SIG_VALUE_,                                    \
                    "Atomically value &= operand; return the new value."),                     \
    METHOD_(bin_not_fetch, SIG_ORDER_,                                    \
                    "Atomically value = ~value; return the new value."),                       \
    METHOD_(fetch_update,                                                              \
                    "($self, /, fn, order=atomics.MemoryOrder.SEQ_CST, fail_order=None, *, "   \
                    "max_retries=10000)\n--\n\n",                                              \
                    "Replace the value by fn(value) with a compare-and-swap loop; return the " \
                    "value fn was given on the successful attempt. fn runs with nothing held " \
                    "and may run more than once; an exception from it propagates and leaves "  \
                    "the value as it is. fail_order (the loads' order) defaults to the "       \
                    "strongest load order order allows. After max_retries failed attempts "    \
                    "(None: no limit) RuntimeError is raised.")

/* Integral objects only (INT compares signed, UINT unsigned). */
#define LATER_INTEGRAL_METHODS                                                          \
    METHOD_(max, SIG_VALUE_,                                              \
                    "Atomically value = max(value, operand)."),                                \
    METHOD_(min, SIG_VALUE_,                                              \
                    "Atomically value = min(value, operand)."),                                \
    METHOD_(fetch_max, SIG_VALUE_,                                        \
                    "Atomically value = max(value, operand); return the old value."),          \
    METHOD_(fetch_min, SIG_VALUE_,                                        \
                    "Atomically value = min(value, operand); return the old value."),          \
    METHOD_(max_fetch, SIG_VALUE_,                                        \
                    "Atomically value = max(value, operand); return the new value."),          \
    METHOD_(min_fetch, SIG_VALUE_,                                        \
                    "Atomically value = min(value, operand); return the new value."),          \
    METHOD_(add_fetch, SIG_VALUE_,                                        \
                    "Atomically add value (wraps around); return the new value."),             \
    METHOD_(sub_fetch, SIG_VALUE_,                                        \
                    "Atomically subtract value (wraps around); return the new value."),        \
    METHOD_(inc_fetch, SIG_ORDER_,                                        \
                    "Atomically add 1 (wraps around); return the new value."),                 \
    METHOD_(dec_fetch, SIG_ORDER_,                                        \
                    "Atomically subtract 1 (wraps around); return the new value."),            \
    METHOD_(neg_fetch, SIG_ORDER_,                                        \
                    "Atomically negate (wraps around); return the new value.")

/* ---- type specs ---------------------------------------------------------------------------- */

#define SIG_ORDER "($self, /, order=atomics.MemoryOrder.SEQ_CST)\n--\n\n"
#define SIG_VALUE "($self, /, value, order=atomics.MemoryOrder.SEQ_CST)\n--\n\n"
#define SIG_DESIRED "($self, /, desired, order=atomics.MemoryOrder.SEQ_CST)\n--\n\n"
#define SIG_INDEX "($self, /, index, order=atomics.MemoryOrder.SEQ_CST)\n--\n\n"
#define SIG_CMPXCHG                                                                   \
    "($self, /, expected, desired, success=atomics.MemoryOrder.SEQ_CST, "                     \
    "failure=atomics.MemoryOrder.SEQ_CST)\n--\n\n"
#define FASTCALL (METH_FASTCALL | METH_KEYWORDS)
#define METHOD(name, func, sig, doc) {name, (PyCFunction)(void (*)(void))func, FASTCALL, name sig doc}

/* Shared by everything that has values: integral and bytes objects and views. */
#define VALUE_METHODS                                                                 \
    METHOD("load", m_load, SIG_ORDER, "Atomically read and return the value."),       \
    METHOD("store", m_store, SIG_DESIRED, "Atomically replace the value by desired."),\
    METHOD("exchange", m_exchange, SIG_DESIRED,                                       \
           "Atomically replace the value by desired and return the old value."),      \
    METHOD("cmpxchg_weak", m_cmpxchg_weak, SIG_CMPXCHG,                               \
           "If the value equals expected, replace it by desired. Returns "            \
           "CmpxchgResult(success, expected=value seen). May fail spuriously; "       \
           "also accepts succ=/fail= for the orders."),                               \
    METHOD("cmpxchg_strong", m_cmpxchg_strong, SIG_CMPXCHG,                           \
           "If the value equals expected, replace it by desired. Returns "            \
           "CmpxchgResult(success, expected=value seen). Never fails spuriously; "    \
           "also accepts succ=/fail= for the orders."),                               \
    METHOD("bit_test", m_bit_test, SIG_INDEX, "Return bit index of the value."),      \
    METHOD("bit_test_compl", m_bit_test_compl, SIG_INDEX,                             \
           "Atomically flip bit index and return its old value."),                    \
    METHOD("bit_test_set", m_bit_test_set, SIG_INDEX,                                 \
           "Atomically set bit index and return its old value."),                     \
    METHOD("bit_test_reset", m_bit_test_reset, SIG_INDEX,                             \
           "Atomically clear bit index and return its old value."),                   \
    METHOD("bit_compl", m_bit_compl, SIG_INDEX, "Same as bit_test_compl."),      \
    METHOD("bit_set", m_bit_set, SIG_INDEX, "Same as bit_test_set."),            \
    METHOD("bit_reset", m_bit_reset, SIG_INDEX, "Same as bit_test_reset."),      \
    METHOD("bin_or", m_bin_or, SIG_VALUE, "Atomically value |= operand."),            \
    METHOD("bin_xor", m_bin_xor, SIG_VALUE, "Atomically value ^= operand."),          \
    METHOD("bin_and", m_bin_and, SIG_VALUE, "Atomically value &= operand."),          \
    METHOD("bin_not", m_bin_not, SIG_ORDER, "Atomically value = ~value."),            \
    METHOD("bin_fetch_or", m_bin_fetch_or, SIG_VALUE,                                 \
           "Atomically value |= operand; return the old value."),                     \
    METHOD("bin_fetch_xor", m_bin_fetch_xor, SIG_VALUE,                               \
           "Atomically value ^= operand; return the old value."),                     \
    METHOD("bin_fetch_and", m_bin_fetch_and, SIG_VALUE,                               \
           "Atomically value &= operand; return the old value."),                     \
    METHOD("bin_fetch_not", m_bin_fetch_not, SIG_ORDER,                               \
           "Atomically value = ~value; return the old value."),                       \
    OBJECT_COPY_METHODS

#define ARITHMETIC_METHODS                                                            \
    METHOD("add", m_add, SIG_VALUE, "Atomically add value (wraps around)."),          \
    METHOD("sub", m_sub, SIG_VALUE, "Atomically subtract value (wraps around)."),     \
    METHOD("inc", m_inc, SIG_ORDER, "Atomically add 1 (wraps around)."),              \
    METHOD("dec", m_dec, SIG_ORDER, "Atomically subtract 1 (wraps around)."),         \
    METHOD("neg", m_neg, SIG_ORDER, "Atomically negate (wraps around)."),             \
    METHOD("fetch_add", m_fetch_add, SIG_VALUE, "Atomically add value; return the old value."), \
    METHOD("fetch_sub", m_fetch_sub, SIG_VALUE,                                       \
           "Atomically subtract value; return the old value."),                       \
    METHOD("fetch_inc", m_fetch_inc, SIG_ORDER, "Atomically add 1; return the old value."), \
    METHOD("fetch_dec", m_fetch_dec, SIG_ORDER,                                       \
           "Atomically subtract 1; return the old value."),                           \
    METHOD("fetch_neg", m_fetch_neg, SIG_ORDER, "Atomically negate; return the old value.")

static PyMethodDef any_methods[] = {
    OBJECT_COPY_METHODS,
    {NULL, NULL, 0, NULL}};
static PyMethodDef integral_methods[] = {VALUE_METHODS, ARITHMETIC_METHODS,
                                         LATER_VALUE_METHODS, LATER_INTEGRAL_METHODS,
                                         ATOMICS_WAIT_METHODS, {NULL, NULL, 0, NULL}};
static PyMethodDef bytes_methods[] = {
    VALUE_METHODS,
    LATER_VALUE_METHODS,
    ATOMICS_WAIT_METHODS,
    {"__bytes__", (PyCFunction)m_bytes, METH_NOARGS,
     "__bytes__($self, /)\n--\n\nA SEQ_CST load of the value."},
    {NULL, NULL, 0, NULL}};

static PyGetSetDef any_getset[] = {
    {"width", (getter)get_width, NULL, "Width of the object in bytes.", NULL},
    {"readonly", (getter)get_readonly, NULL, "Whether the object refuses modifying operations.",
     NULL},
    {"ops_supported", (getter)get_ops_supported, NULL,
     "Sorted list of the OpType values of the operations this object supports.", NULL},
    {NULL, NULL, NULL, NULL, NULL}};
static PyGetSetDef integral_getset[] = {
    {"signed", (getter)get_signed, NULL, "Whether arithmetic is signed.", NULL},
    {NULL, NULL, NULL, NULL, NULL}};

static PyMemberDef object_members[] = {
    {"__weaklistoffset__", T_PYSSIZET, offsetof(AtomicObject, weakrefs), READONLY, NULL},
    {NULL, 0, 0, 0, NULL}};

/* Describes one class of the hierarchy: its name, doc, slots and bases. */
typedef struct {
    const char *name;
    const char *doc;
    PyMethodDef *methods;
    PyGetSetDef *getset;
    initproc init; /* NULL for views */
    int has_int;   /* __int__ */
} class_info;

static PyType_Spec make_spec(const class_info *info, PyType_Slot *slots) {
    int n = 0;
    slots[n++] = (PyType_Slot){Py_tp_doc, (void *)info->doc};
    slots[n++] = (PyType_Slot){Py_tp_dealloc, (void *)object_dealloc};
    slots[n++] = (PyType_Slot){Py_tp_repr, (void *)atomics_object_repr};
    slots[n++] = (PyType_Slot){Py_tp_methods, (void *)info->methods};
    if (info->getset)
        slots[n++] = (PyType_Slot){Py_tp_getset, (void *)info->getset};
    if (info->init) {
        slots[n++] = (PyType_Slot){Py_tp_new, (void *)object_new};
        slots[n++] = (PyType_Slot){Py_tp_init, (void *)info->init};
    } else {
        slots[n++] = (PyType_Slot){Py_tp_new, (void *)view_new};
        slots[n++] = (PyType_Slot){Py_tp_traverse, (void *)view_traverse};
    }
    slots[n++] = (PyType_Slot){Py_tp_members, (void *)object_members};
    if (info->has_int)
        slots[n++] = (PyType_Slot){Py_nb_int, (void *)nb_int};
    slots[n] = (PyType_Slot){0, NULL};
    unsigned flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE;
    if (!info->init)
        flags |= Py_TPFLAGS_HAVE_GC;
    PyType_Spec spec = {info->name, (int)sizeof(AtomicObject), 0, flags, slots};
    return spec;
}

static PyTypeObject *make_type(PyObject *module, const class_info *info, PyObject *bases) {
    PyType_Slot slots[12];
    PyType_Spec spec = make_spec(info, slots);
    return (PyTypeObject *)PyType_FromModuleAndSpec(module, &spec, bases);
}

/* bases: a tuple of the given types */
static PyObject *bases_of(PyTypeObject *a, PyTypeObject *b) {
    return b ? PyTuple_Pack(2, (PyObject *)a, (PyObject *)b) : PyTuple_Pack(1, (PyObject *)a);
}

#define DOC_OWNED(kind) \
    "An atomic " kind " object owning its own (always aligned) memory. Prefer atomic()."
#define DOC_VIEW(kind) \
    "An atomic " kind " view of a buffer, obtained from the context of atomicview()."

static const class_info owned_classes[] = {
    {"atomics.base.Atomic", DOC_OWNED("ANY"), any_methods, any_getset, (initproc)Atomic_init, 0},
    {"atomics.base.AtomicIntegral", DOC_OWNED("INTEGRAL"), integral_methods, integral_getset,
     (initproc)AtomicIntegral_init, 1},
    {"atomics.base.AtomicBytes", DOC_OWNED("BYTES"), bytes_methods, NULL,
     (initproc)AtomicBytes_init, 0},
    /* INT and UINT repeat the integral methods: CPython only takes its fast
     * path for a method defined on the object's exact type */
    {"atomics.base.AtomicInt", DOC_OWNED("INT"), integral_methods, integral_getset,
     (initproc)AtomicInt_init, 1},
    {"atomics.base.AtomicUint", DOC_OWNED("UINT"), integral_methods, integral_getset,
     (initproc)AtomicUint_init, 1},
};

static const class_info view_classes[] = {
    {"atomics.view.AtomicView", DOC_VIEW("ANY"), any_methods, any_getset, NULL, 0},
    {"atomics.view.AtomicIntegralView", DOC_VIEW("INTEGRAL"), integral_methods, integral_getset,
     NULL, 1},
    {"atomics.view.AtomicBytesView", DOC_VIEW("BYTES"), bytes_methods, NULL, NULL, 0},
    {"atomics.view.AtomicIntView", DOC_VIEW("INT"), integral_methods, integral_getset, NULL, 1},
    {"atomics.view.AtomicUintView", DOC_VIEW("UINT"), integral_methods, integral_getset, NULL, 1},
};

/* Builds one family (owned or views) over the helper types:
 * [0] ANY <- [1] INTEGRAL, [2] BYTES; [1] <- [3] INT, [4] UINT. */
static int make_family(PyObject *module, atomics_state *st, const class_info *classes,
                       PyTypeObject **out[5]) {
    PyTypeObject *helpers[5] = {st->ANY, st->INTEGRAL, st->BYTES, st->INT, st->UINT};
    static const int parent[5] = {-1, 0, 0, 1, 1};
    for (int i = 0; i < 5; i++) {
        PyObject *bases = parent[i] < 0 ? bases_of(helpers[i], NULL)
                                        : bases_of(*out[parent[i]], helpers[i]);
        if (bases == NULL)
            return -1;
        *out[i] = make_type(module, &classes[i], bases);
        Py_DECREF(bases);
        if (*out[i] == NULL || PyModule_AddType(module, *out[i]) < 0)
            return -1;
    }
    return 0;
}

/* The helper types: abstract classes that exist for atype= and isinstance. */
static PyObject *helper_new(PyTypeObject *tp, PyObject *args, PyObject *kwargs) {
    (void)args, (void)kwargs;
    PyErr_Format(PyExc_TypeError,
                 "'%.100s' is an abstract helper type: construct objects with atomic() or "
                 "atomicview()",
                 atomics_type_name(tp));
    return NULL;
}

static PyObject *helper_type(PyObject *module, const char *name, const char *doc,
                             PyTypeObject *base) {
    PyType_Slot slots[] = {{Py_tp_new, (void *)helper_new}, {Py_tp_doc, (void *)doc}, {0, NULL}};
    PyType_Spec spec = {name, (int)sizeof(PyObject), 0, Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
                        slots};
    PyObject *bases = base ? PyTuple_Pack(1, (PyObject *)base) : NULL;
    if (base && !bases)
        return NULL;
    PyObject *tp = PyType_FromModuleAndSpec(module, &spec, bases);
    Py_XDECREF(bases);
    if (tp && PyModule_AddType(module, (PyTypeObject *)tp) < 0)
        Py_CLEAR(tp);
    return tp;
}

int atomics_add_object_types(PyObject *module, atomics_state *st) {
    if (!(st->ANY = (PyTypeObject *)helper_type(module, "atomics.ANY",
                                                "Any atomic object (helper type).", NULL)) ||
        !(st->INTEGRAL = (PyTypeObject *)helper_type(
              module, "atomics.INTEGRAL", "Atomic integer objects (helper type).", st->ANY)) ||
        !(st->BYTES = (PyTypeObject *)helper_type(
              module, "atomics.BYTES", "Atomic bytes objects (helper type).", st->ANY)) ||
        !(st->INT = (PyTypeObject *)helper_type(
              module, "atomics.INT", "Atomic signed integers (helper type).", st->INTEGRAL)) ||
        !(st->UINT = (PyTypeObject *)helper_type(
              module, "atomics.UINT", "Atomic unsigned integers (helper type).", st->INTEGRAL)))
        return -1;
    PyTypeObject **owned[5] = {&st->Atomic, &st->AtomicIntegral, &st->AtomicBytes,
                               &st->AtomicInt, &st->AtomicUint};
    PyTypeObject **views[5] = {&st->AtomicView, &st->AtomicIntegralView, &st->AtomicBytesView,
                               &st->AtomicIntView, &st->AtomicUintView};
    if (make_family(module, st, owned_classes, owned) < 0 ||
        make_family(module, st, view_classes, views) < 0)
        return -1;
    return 0;
}
