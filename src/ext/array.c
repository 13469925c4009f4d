/* array.c: atomic arrays (atomics.array): n elements of one width and type
 * in one buffer, each operation taking the element index first
 * (arr.fetch_add(i, 1)). No Python object exists per element: a call makes
 * the element i (atomics_elem, on the stack, holding no reference) and calls
 * the element method single objects use (element.h), so an element
 * operation parses, converts, checks orders and raises exactly as the
 * object does. */
#include "array.h"
#include "element.h"
#include "batch.h"
#include "object.h"

#include <structmember.h>

/* ---- the element methods ---------------------------------------------------------------- */

static const char *const op_names[] = {
#define ATOMICS_X_(name, sig) #name,
    ATOMICS_VALUE_OPS(ATOMICS_X_) ATOMICS_ARITHMETIC_OPS(ATOMICS_X_)
#undef ATOMICS_X_
};

int atomics_element_index(ArrayObject *self, PyObject *arg, Py_ssize_t *out) {
    Py_ssize_t i;
    long long small;
    if (PyLong_CheckExact(arg) && atomics_small_int(arg, &small)) {
        i = (Py_ssize_t)small;
    } else {
        PyObject *v = atomics_as_int(arg, "i");
        if (v == NULL)
            return -1;
        i = PyLong_AsSsize_t(v);
        Py_DECREF(v);
        if (i == -1 && PyErr_Occurred()) {
            if (!PyErr_ExceptionMatches(PyExc_OverflowError))
                return -1;
            PyErr_Clear();
            i = PY_SSIZE_T_MAX; /* out of range either way */
        }
    }
    Py_ssize_t n = self->length;
    if (i < 0)
        i += n;
    if ((size_t)i >= (size_t)n) {
        PyErr_SetString(PyExc_IndexError, "atomic array index out of range");
        return -1;
    }
    *out = i;
    return 0;
}

/* The first argument as an element: the index, then the element there. */
static inline int element_arg(ArrayObject *self, int op, PyObject *const *args, Py_ssize_t nargs,
                              atomics_elem *el) {
    Py_ssize_t i;
    if (nargs < 1) {
        PyErr_Format(PyExc_TypeError, "%s() needs the element index as its first argument",
                     op_names[op]);
        return -1;
    }
    if (atomics_element_index(self, args[0], &i) < 0)
        return -1;
    atomics_element_at(self, i, el);
    return 0;
}

enum {
#define ATOMICS_X_(name, sig) OP_##name,
    ATOMICS_VALUE_OPS(ATOMICS_X_) ATOMICS_ARITHMETIC_OPS(ATOMICS_X_)
#undef ATOMICS_X_
    OP_COUNT
};

#define ATOMICS_X_(name, sig)                                                         \
    static PyObject *a_##name(ArrayObject *self, PyObject *const *args, Py_ssize_t nargs, \
                              PyObject *kwnames) {                                    \
        atomics_elem el;                                                              \
        if (element_arg(self, OP_##name, args, nargs, &el) < 0)                       \
            return NULL;                                                              \
        return atomics_e_##name(&el, args + 1, nargs - 1, kwnames);                   \
    }
ATOMICS_VALUE_OPS(ATOMICS_X_)
ATOMICS_ARITHMETIC_OPS(ATOMICS_X_)
#undef ATOMICS_X_

/* notify_one/notify_all take no arguments on objects (METH_NOARGS): here
 * exactly one, the element index. */
static PyObject *element_notify(ArrayObject *self, PyObject *const *args, Py_ssize_t nargs,
                                PyObject *kwnames, int all) {
    Py_ssize_t i;
    atomics_elem el;
    const char *name = all ? "notify_all" : "notify_one";
    if (nargs != 1 || (kwnames != NULL && PyTuple_GET_SIZE(kwnames) != 0)) {
        PyErr_Format(PyExc_TypeError, "%s() takes exactly one argument, the element index",
                     name);
        return NULL;
    }
    if (atomics_element_index(self, args[0], &i) < 0)
        return NULL;
    atomics_element_at(self, i, &el);
    return atomics_e_notify(&el, all);
}

static PyObject *a_notify_one(ArrayObject *self, PyObject *const *args, Py_ssize_t nargs,
                              PyObject *kwnames) {
    return element_notify(self, args, nargs, kwnames, 0);
}

static PyObject *a_notify_all(ArrayObject *self, PyObject *const *args, Py_ssize_t nargs,
                              PyObject *kwnames) {
    return element_notify(self, args, nargs, kwnames, 1);
}

/* ---- plain (per element) access ---------------------------------------------------------- */

static Py_ssize_t array_length(ArrayObject *self) { return self->length; }

/* arr[i]: a SEQ_CST load of element i. */
static PyObject *array_item(ArrayObject *self, Py_ssize_t i) {
    if (i < 0 || i >= self->length) {
        PyErr_SetString(PyExc_IndexError, "atomic array index out of range");
        return NULL;
    }
    atomics_elem el;
    atomics_element_at(self, i, &el);
    return atomics_e_load(&el, NULL, 0, NULL);
}

/* iter(arr): the sequence iterator over array_item (one SEQ_CST load per
 * element as it is reached); a real tp_iter so that type checkers, which
 * read __iter__ from the stubs, and the runtime agree. */
static PyObject *array_iter(PyObject *self) { return PySeqIter_New(self); }

/* arr[i] = v: a SEQ_CST store to element i. */
static int array_ass_item(ArrayObject *self, Py_ssize_t i, PyObject *value) {
    if (value == NULL) {
        PyErr_SetString(PyExc_TypeError, "atomic array elements cannot be deleted");
        return -1;
    }
    if (i < 0 || i >= self->length) {
        PyErr_SetString(PyExc_IndexError, "atomic array index out of range");
        return -1;
    }
    atomics_elem el;
    atomics_element_at(self, i, &el);
    PyObject *r = atomics_e_store(&el, &value, 1, NULL);
    Py_XDECREF(r);
    return r ? 0 : -1;
}

/* arr[a:b:c]: a list of SEQ_CST loads, one element at a time (not atomic
 * as a whole). */
static PyObject *array_subscript(ArrayObject *self, PyObject *key) {
    if (!PySlice_Check(key)) {
        Py_ssize_t i;
        if (atomics_element_index(self, key, &i) < 0)
            return NULL;
        return array_item(self, i);
    }
    Py_ssize_t start, stop, step;
    if (PySlice_Unpack(key, &start, &stop, &step) < 0)
        return NULL;
    Py_ssize_t n = PySlice_AdjustIndices(self->length, &start, &stop, step);
    PyObject *list = PyList_New(n);
    for (Py_ssize_t k = 0; list && k < n; k++) {
        PyObject *v = array_item(self, start + k * step);
        if (v == NULL)
            Py_CLEAR(list);
        else
            PyList_SET_ITEM(list, k, v);
    }
    return list;
}

static int array_ass_subscript(ArrayObject *self, PyObject *key, PyObject *value) {
    if (PySlice_Check(key)) {
        PyErr_SetString(PyExc_TypeError, "atomic arrays take one element at a time: arr[i] = v");
        return -1;
    }
    Py_ssize_t i;
    if (atomics_element_index(self, key, &i) < 0)
        return -1;
    return array_ass_item(self, i, value);
}

static PyObject *array_tolist(ArrayObject *self, PyObject *unused) {
    if (self->flags & AF_INTEGRAL)
        return atomics_batch_tolist((PyObject *)self, unused); /* one C loop (batch.c) */
    PyObject *all = PySlice_New(NULL, NULL, NULL);
    if (all == NULL)
        return NULL;
    PyObject *list = array_subscript(self, all);
    Py_DECREF(all);
    return list;
}

/* batch.c's view of an integral array (batch.h). */
void atomics_array_info_of(PyObject *array, atomics_array_info *out) {
    ArrayObject *self = (ArrayObject *)array;
    out->addr = self->addr;
    out->length = self->length;
    out->ops = self->ops;
    out->width = self->width;
    out->kind = self->kind;
    out->flags = self->flags;
    out->element_type = self->element_type;
}

/* ---- properties, pickling, lifetime ----------------------------------------------------- */

static PyObject *get_width(ArrayObject *self, void *closure) {
    (void)closure;
    return PyLong_FromLong(self->width);
}

static PyObject *get_readonly(ArrayObject *self, void *closure) {
    (void)closure;
    return PyBool_FromLong(self->flags & AF_READONLY);
}

static PyObject *get_signed(ArrayObject *self, void *closure) {
    (void)closure;
    return PyBool_FromLong(self->flags & AF_SIGNED);
}

static PyObject *array_reduce(ArrayObject *self, PyObject *unused) {
    if (self->handle != NULL) {
        Py_INCREF(self->handle);
        return self->handle;
    }
    return atomics_no_copy((PyObject *)self, unused);
}

static PyObject *array_repr(ArrayObject *self) {
    return PyUnicode_FromFormat("%s(length=%zd, width=%d, readonly=%s%s)",
                                atomics_type_name(Py_TYPE(self)), self->length, (int)self->width,
                                (self->flags & AF_READONLY) ? "True" : "False",
                                self->handle ? ", shared" : "");
}

static void array_release(ArrayObject *self) {
    self->length = 0; /* every index is out of range from now on */
    if (self->exported) {
        self->exported = 0;
        PyBuffer_Release(&self->buffer);
    }
}

static int array_traverse(ArrayObject *self, visitproc visit, void *arg) {
    Py_VISIT(Py_TYPE(self));
    if (self->exported && atomics_exporter_visible(self->buffer.obj))
        Py_VISIT(self->buffer.obj);
    Py_VISIT(self->handle);
    return 0;
}

static int array_clear(ArrayObject *self) {
    array_release(self);
    Py_CLEAR(self->handle);
    return 0;
}

static void array_dealloc(ArrayObject *self) {
    PyTypeObject *tp = Py_TYPE(self);
    PyObject_GC_UnTrack(self);
    if (self->weakrefs != NULL)
        PyObject_ClearWeakRefs((PyObject *)self);
    array_clear(self);
    tp->tp_free(self);
    Py_DECREF(tp);
}

static PyObject *array_new(PyTypeObject *tp, PyObject *args, PyObject *kwargs) {
    (void)args, (void)kwargs;
    PyErr_Format(PyExc_TypeError, "cannot create '%.100s' instances: use atomicarray(...)",
                 tp->tp_name);
    return NULL;
}

/* ---- atomicarray() ----------------------------------------------------------------------- */

/* The one table every element of the array uses: element 0's, once each
 * element is known to sit where that table serves it. Element placements
 * repeat every 16 bytes (widths are powers of two), so the first 16 elements
 * stand for all. At the minimum alignment an element past the first can
 * cross a block that element 0 does not (width 8 at offset 1: element 1 is
 * bytes 9-16): AlignmentError for it, as atomicview() would raise. */
static const atomics_ops *resolve_elements(atomics_state *st, unsigned char *addr,
                                           Py_ssize_t width, Py_ssize_t length, int readonly,
                                           int minimum) {
    const atomics_ops *ops = atomics_resolve_aligned(st, addr, width, readonly, minimum);
    for (Py_ssize_t i = 1; ops != NULL && i < length && i < 16; i++) {
        const atomics_ops *el = atomics_resolve_aligned(st, addr + i * width, width, readonly, minimum);
        if (el == NULL)
            return NULL;
        if (el != ops) {
            /* served, but by another table (a read-only element that needs
             * 16-byte loads where element 0 does not) */
            atomics_raise_width(st, width, readonly);
            return NULL;
        }
    }
    return ops;
}

PyObject *atomics_array_new(PyObject *module, PyObject *args, PyObject *kwargs) {
    static const char *const names[] = {"buffer", "width", "atype", "offset", "length",
                                        "is_signed", "align", NULL};
    atomics_state *st = PyModule_GetState(module);
    PyObject *a[7];
    Py_ssize_t width, offset = 0, length = -1;
    int is_signed = 0, minimum = 0;
    if (atomics_parse_kwargs("atomicarray", args, kwargs, names, 3, a) < 0 ||
        atomics_parse_width(st, a[1], &width) < 0)
        return NULL;
    PyObject *atype = a[2];
    if (a[5] == Py_None)
        a[5] = NULL;
    int kind;
    unsigned flags;
    PyTypeObject *tp, *element_type;
    if (atype == (PyObject *)st->INT || atype == (PyObject *)st->UINT ||
        atype == (PyObject *)st->INTEGRAL) {
        if (atype == (PyObject *)st->INTEGRAL) {
            if (a[5] == NULL) {
                PyErr_SetString(PyExc_TypeError, "atomicarray() with atype=INTEGRAL needs is_signed=");
                return NULL;
            }
            if (atomics_parse_flag(a[5], "is_signed", &is_signed) < 0)
                return NULL;
        } else if (a[5] != NULL) {
            PyErr_SetString(PyExc_TypeError, "atomicarray(): is_signed= goes with atype=INTEGRAL only");
            return NULL;
        } else {
            is_signed = atype == (PyObject *)st->INT;
        }
        kind = is_signed ? KIND_INT : KIND_UINT;
        flags = AF_INTEGRAL | (is_signed ? AF_SIGNED : 0);
        tp = st->AtomicIntegralArray;
        element_type = atype == (PyObject *)st->INT    ? st->AtomicIntView
                       : atype == (PyObject *)st->UINT ? st->AtomicUintView
                                                       : st->AtomicIntegralView;
    } else if (atype == (PyObject *)st->BYTES) {
        if (a[5] != NULL) {
            PyErr_SetString(PyExc_TypeError, "atomicarray(): is_signed= goes with atype=INTEGRAL only");
            return NULL;
        }
        kind = KIND_BYTES;
        flags = 0;
        tp = st->AtomicBytesArray;
        element_type = st->AtomicBytesView;
    } else {
        PyErr_SetString(PyExc_TypeError,
                        "atomicarray(): atype must be one of [INTEGRAL, BYTES, INT, UINT]");
        return NULL;
    }
    if (a[3] != NULL) {
        PyObject *v = atomics_as_int(a[3], "offset");
        if (v == NULL)
            return NULL;
        offset = PyLong_AsSsize_t(v);
        Py_DECREF(v);
        if (offset == -1 && PyErr_Occurred())
            return NULL;
    }
    if (a[4] != NULL && a[4] != Py_None) {
        PyObject *v = atomics_as_int(a[4], "length");
        if (v == NULL)
            return NULL;
        length = PyLong_AsSsize_t(v);
        Py_DECREF(v);
        if (length == -1 && PyErr_Occurred())
            return NULL;
        if (length < 0) {
            PyErr_SetString(PyExc_ValueError, "length must not be negative");
            return NULL;
        }
    }
    if (a[6] != NULL && a[6] != Py_None) {
        if (PyUnicode_Check(a[6]) && PyUnicode_CompareWithASCIIString(a[6], "minimum") == 0)
            minimum = 1;
        else if (!(PyUnicode_Check(a[6]) &&
                   PyUnicode_CompareWithASCIIString(a[6], "recommended") == 0)) {
            PyErr_SetString(PyExc_ValueError, "align must be 'recommended' or 'minimum'");
            return NULL;
        }
    }
    if (width < 1 || (width & (width - 1)) != 0) {
        /* elements side by side stay aligned only for powers of two */
        if (width >= 1 && width <= ATOMICS_MAX_WIDTH)
            PyErr_Format(PyExc_ValueError,
                         "atomicarray(): the width must be 1, 2, 4, 8 or 16, not %zd", width);
        else
            atomics_raise_width(st, width, 0);
        return NULL;
    }

    Py_buffer view;
#ifdef PYPY_VERSION
    if (atomics_pypy_refuse_writable(a[0]) < 0)
        return NULL;
#endif
    if (atomics_get_buffer(a[0], &view) < 0)
        return NULL;
    if (atomics_refuse_references(&view) < 0)
        goto error;
    if (offset < 0 || offset > view.len) {
        PyErr_Format(PyExc_ValueError, "offset %zd is outside a buffer of %zd bytes", offset,
                     view.len);
        goto error;
    }
    if (length < 0)
        length = (view.len - offset) / width;
    else if (length > (view.len - offset) / width) {
        PyErr_Format(PyExc_ValueError,
                     "%zd elements of %zd bytes do not fit in %zd bytes at offset %zd", length,
                     width, view.len - offset, offset);
        goto error;
    }
    unsigned char *addr = (unsigned char *)view.buf + offset;
    const atomics_ops *ops = resolve_elements(st, addr, width, length, view.readonly != 0, minimum);
    if (ops == NULL)
        goto error;
    ArrayObject *self = (ArrayObject *)tp->tp_alloc(tp, 0);
    if (self == NULL)
        goto error;
    self->buffer = view;
    self->exported = 1;
    self->addr = addr;
    self->length = length;
    self->ops = ops;
    self->width = (uint8_t)width;
    self->kind = (uint8_t)kind;
    self->flags = (uint8_t)(flags | (view.readonly ? AF_READONLY : 0));
    self->element_type = element_type;
    return (PyObject *)self;
error:
    PyBuffer_Release(&view);
    return NULL;
}

/* atomics._atomics._share_array(array, handle): the array pickles to handle. */
PyObject *atomics_share_array(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    atomics_state *st = PyModule_GetState(module);
    if (nargs != 2 || !(PyObject_TypeCheck(args[0], st->AtomicIntegralArray) ||
                        PyObject_TypeCheck(args[0], st->AtomicBytesArray)) ||
        !PyTuple_Check(args[1]) || PyTuple_GET_SIZE(args[1]) != 2) {
        PyErr_SetString(PyExc_TypeError, "_share_array(array, (callable, args))");
        return NULL;
    }
    ArrayObject *self = (ArrayObject *)args[0];
    if (self->handle != NULL) {
        PyErr_SetString(PyExc_ValueError, "_share_array(): the array is already shared");
        return NULL;
    }
    Py_INCREF(args[1]);
    self->handle = args[1]; /* before the array is handed out: no other thread sees it */
    Py_INCREF(self);
    return (PyObject *)self;
}

/* ---- the read-only buffer export of integral arrays --------------------------------------- */

/* memoryview(arr), numpy.asarray(arr): the elements as a read-only,
 * one-dimensional buffer of native integers, read in place with plain
 * (non-atomic) loads, for analysis once the writers are done or where a torn
 * or stale value does not matter. The export holds a reference to the array,
 * which holds its own export of the memory for its life. 16-byte elements
 * have no buffer format: BufferError. shape and strides live in a block the
 * release frees. */
static int array_getbuffer(ArrayObject *self, Py_buffer *view, int flags) {
    const char *fmt = NULL;
    int is_signed = (self->flags & AF_SIGNED) != 0;
    switch (self->width) {
    case 1: fmt = is_signed ? "b" : "B"; break;
    case 2: fmt = is_signed ? "h" : "H"; break;
    case 4: fmt = is_signed ? "i" : "I"; break;
    case 8: fmt = is_signed ? "q" : "Q"; break;
    default: break;
    }
    if (fmt == NULL) {
        PyErr_SetString(PyExc_BufferError,
                        "16-byte elements have no buffer format (use load_all())");
        return -1;
    }
    if (flags & PyBUF_WRITABLE) {
        PyErr_SetString(PyExc_BufferError,
                        "an atomic array exports its elements read-only: write through its "
                        "atomic operations");
        return -1;
    }
    Py_ssize_t *dims = PyMem_Malloc(2 * sizeof(Py_ssize_t));
    if (dims == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    dims[0] = self->length;
    dims[1] = self->width;
    view->buf = self->addr;
    view->obj = (PyObject *)self;
    Py_INCREF(self);
    view->len = self->length * self->width;
    view->readonly = 1;
    view->itemsize = self->width;
    view->format = (flags & PyBUF_FORMAT) ? (char *)fmt : NULL;
    view->ndim = 1;
    view->shape = (flags & PyBUF_ND) ? &dims[0] : NULL;
    view->strides = (flags & PyBUF_STRIDES) == PyBUF_STRIDES ? &dims[1] : NULL;
    view->suboffsets = NULL;
    view->internal = dims;
    return 0;
}

static void array_releasebuffer(ArrayObject *self, Py_buffer *view) {
    (void)self;
    PyMem_Free(view->internal);
    view->internal = NULL;
}

/* ---- the types ------------------------------------------------------------------------------ */

/* Signatures: the object method's, after the element index. */
#define SIG_ORDER "($self, i, /, order=atomics.MemoryOrder.SEQ_CST)\n--\n\n"
#define SIG_VALUE "($self, i, /, value, order=atomics.MemoryOrder.SEQ_CST)\n--\n\n"
#define SIG_DESIRED "($self, i, /, desired, order=atomics.MemoryOrder.SEQ_CST)\n--\n\n"
#define SIG_INDEX "($self, i, /, index, order=atomics.MemoryOrder.SEQ_CST)\n--\n\n"
#define SIG_CMPXCHG                                                                   \
    "($self, i, /, expected, desired, success=atomics.MemoryOrder.SEQ_CST, "          \
    "failure=atomics.MemoryOrder.SEQ_CST)\n--\n\n"
#define SIG_UPDATE                                                                    \
    "($self, i, /, fn, order=atomics.MemoryOrder.SEQ_CST, fail_order=None, *, "       \
    "max_retries=10000)\n--\n\n"
#define SIG_WAIT "($self, i, /, old, timeout=None, order=atomics.MemoryOrder.SEQ_CST)\n--\n\n"
#define FASTCALL (METH_FASTCALL | METH_KEYWORDS)

#define ATOMICS_X_(name, sig)                                                         \
    {#name, (PyCFunction)(void (*)(void))a_##name, FASTCALL,                          \
     #name SIG_##sig "The object operation " #name " on element i."},
#define COMMON_METHODS                                                                \
    {"notify_one", (PyCFunction)(void (*)(void))a_notify_one, FASTCALL,               \
     "notify_one($self, i, /)\n--\n\nThe object operation notify_one on element i."}, \
    {"notify_all", (PyCFunction)(void (*)(void))a_notify_all, FASTCALL,               \
     "notify_all($self, i, /)\n--\n\nThe object operation notify_all on element i."}, \
    {"tolist", (PyCFunction)array_tolist, METH_NOARGS,                                \
     "tolist($self, /)\n--\n\nThe values, one SEQ_CST load per element (not atomic as a whole)."}, \
    {"__copy__", atomics_no_copy, METH_NOARGS, "Atomic arrays cannot be copied."},    \
    {"__deepcopy__", atomics_no_copy, METH_O, "Atomic arrays cannot be copied."},     \
    {"__reduce__", (PyCFunction)array_reduce, METH_NOARGS,                            \
     "Shared arrays pickle to a handle that re-attaches them; others refuse."},       \
    {"__reduce_ex__", (PyCFunction)array_reduce, METH_O,                              \
     "Shared arrays pickle to a handle that re-attaches them; others refuse."}

static PyMethodDef integral_methods[] = {
    ATOMICS_VALUE_OPS(ATOMICS_X_) ATOMICS_ARITHMETIC_OPS(ATOMICS_X_)
    COMMON_METHODS,
    ATOMICS_BATCH_METHODS,
    {NULL, NULL, 0, NULL}};
static PyMethodDef bytes_methods[] = {
    ATOMICS_VALUE_OPS(ATOMICS_X_)
    COMMON_METHODS,
    {NULL, NULL, 0, NULL}};
#undef ATOMICS_X_

static PyGetSetDef bytes_getset[] = {
    {"width", (getter)get_width, NULL, "Width of one element in bytes.", NULL},
    {"readonly", (getter)get_readonly, NULL, "Whether the elements refuse modifying operations.",
     NULL},
    {NULL, NULL, NULL, NULL, NULL}};
static PyGetSetDef integral_getset[] = {
    {"width", (getter)get_width, NULL, "Width of one element in bytes.", NULL},
    {"readonly", (getter)get_readonly, NULL, "Whether the elements refuse modifying operations.",
     NULL},
    {"signed", (getter)get_signed, NULL, "Whether arithmetic is signed.", NULL},
    {NULL, NULL, NULL, NULL, NULL}};

static PyMemberDef array_members[] = {
    {"__weaklistoffset__", T_PYSSIZET, offsetof(ArrayObject, weakrefs), READONLY, NULL},
    {NULL, 0, 0, 0, NULL}};

static PyTypeObject *make_array_type(PyObject *module, const char *name, const char *doc,
                                     PyMethodDef *methods, PyGetSetDef *getset, int exports) {
    PyType_Slot slots[] = {{Py_tp_doc, (void *)doc},
                           {Py_tp_new, (void *)array_new},
                           {Py_tp_dealloc, (void *)array_dealloc},
                           {Py_tp_traverse, (void *)array_traverse},
                           {Py_tp_clear, (void *)array_clear},
                           {Py_tp_repr, (void *)array_repr},
                           {Py_tp_methods, (void *)methods},
                           {Py_tp_getset, (void *)getset},
                           {Py_tp_members, (void *)array_members},
                           {Py_tp_iter, (void *)array_iter},
                           {Py_sq_length, (void *)array_length},
                           {Py_sq_item, (void *)array_item},
                           {Py_sq_ass_item, (void *)array_ass_item},
                           {Py_mp_length, (void *)array_length},
                           {Py_mp_subscript, (void *)array_subscript},
                           {Py_mp_ass_subscript, (void *)array_ass_subscript},
                           /* integral arrays only: a 0 slot ends the list here */
                           {exports ? Py_bf_getbuffer : 0, (void *)array_getbuffer},
                           {exports ? Py_bf_releasebuffer : 0, (void *)array_releasebuffer},
                           {0, NULL}};
    PyType_Spec spec = {name, (int)sizeof(ArrayObject), 0,
                        Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC, slots};
    PyTypeObject *tp = (PyTypeObject *)PyType_FromModuleAndSpec(module, &spec, NULL);
    if (tp != NULL && PyModule_AddType(module, tp) < 0)
        Py_CLEAR(tp);
    return tp;
}

#define DOC_ARRAY(kind)                                                               \
    "An atomic array of " kind " elements in a buffer or a shared arena. Every object "   \
    "operation takes the element index first: arr.fetch_add(i, 1). len(), iteration, "   \
    "arr[i], arr[i] = v, slices and tolist() are one SEQ_CST operation per element, not " \
    "atomic as a whole. Create with atomicarray() or Arena.array()."

int atomics_add_array_type(PyObject *module, atomics_state *st) {
    st->AtomicIntegralArray = make_array_type(module, "atomics.array.AtomicIntegralArray",
                                              DOC_ARRAY("integer"), integral_methods,
                                              integral_getset, 1);
    if (st->AtomicIntegralArray == NULL)
        return -1;
    st->AtomicBytesArray = make_array_type(module, "atomics.array.AtomicBytesArray",
                                           DOC_ARRAY("bytes"), bytes_methods, bytes_getset, 0);
    return st->AtomicBytesArray ? 0 : -1;
}
