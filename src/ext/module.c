/* module.c: the atomics._atomics extension module: module state, multi-phase
 * initialisation, and the factory functions atomic() and atomicview(). It
 * keeps no global mutable state, so every interpreter gets its own copy and
 * no operation needs the GIL. */
#include "module.h"
#include "functions.h"
#include "alignment.h"
#include "array.h"
#include "context.h"
#include "convert.h"
#include "object.h"
#include "result.h"
#include "sync.h"

atomics_state *atomics_state_of_type(PyTypeObject *tp) {
#if PY_VERSION_HEX >= 0x030B0000
    PyObject *module = PyType_GetModuleByDef(tp, &atomics_module);
    return module ? (atomics_state *)PyModule_GetState(module) : NULL;
#elif PY_VERSION_HEX >= 0x030A0000
    /* 3.10 has the function only under its provisional, underscored name */
    PyObject *module = _PyType_GetModuleByDef(tp, &atomics_module);
    return module ? (atomics_state *)PyModule_GetState(module) : NULL;
#else
    /* 3.9: walk the MRO for the first class this module defined */
    PyObject *mro = tp->tp_mro;
    for (Py_ssize_t i = 0; mro && i < PyTuple_GET_SIZE(mro); i++) {
        PyTypeObject *base = (PyTypeObject *)PyTuple_GET_ITEM(mro, i);
        if (!(base->tp_flags & Py_TPFLAGS_HEAPTYPE))
            continue;
        PyObject *module = ((PyHeapTypeObject *)base)->ht_module;
        if (module && PyModule_GetDef(module) == &atomics_module)
            return (atomics_state *)PyModule_GetState(module);
    }
    PyErr_SetString(PyExc_TypeError, "not an atomics type");
    return NULL;
#endif
}

/* ---- atomic() and atomicview() ---------------------------------------------- */

/* Which classes atype= selects, with the flags it needs. */
typedef struct {
    PyTypeObject *owned, *context;
    int kind;
    unsigned flags;
} choice;

/* The arguments of atomic() and atomicview(). 1.0.3 passed their keyword
 * arguments on to the class atype selects: INT, UINT and BYTES took any
 * keyword and ignored it, INTEGRAL took is_signed=, ANY is_integral= and
 * is_signed=; anything else was a TypeError. Published programs rely on the
 * ignored ones (atomicview(buffer=b, width=8, atype=UINT)), so they are
 * collected here and judged once atype is known. */
typedef struct {
    PyObject *argv[4];  /* first, atype, is_integral, is_signed (NULL: omitted) */
    PyObject *unknown;  /* names of other keywords, or NULL */
    PyObject *unknown_values; /* their values, in the same order */
} factory_args;

static int parse_factory(const atomics_argspec *spec, PyObject *const *args, Py_ssize_t nargs,
                         PyObject *kwnames, factory_args *out) {
    out->unknown = out->unknown_values = NULL;
    /* the common call names nothing else: parse it as always */
    if (atomics_parse_args(spec, args, nargs, kwnames, out->argv) == 0)
        return 0;
    if (kwnames == NULL || !PyErr_ExceptionMatches(PyExc_TypeError))
        return -1;
    PyErr_Clear(); /* raised again below if no unknown keyword explains it */
    Py_ssize_t nkw = PyTuple_GET_SIZE(kwnames), nknown = 0;
    for (Py_ssize_t k = 0; k < nkw; k++)
        nknown += (atomics_keyword_index(spec, PyTuple_GET_ITEM(kwnames, k)) >= 0);
    if (nknown == nkw)
        return atomics_parse_args(spec, args, nargs, kwnames, out->argv);
    /* the rare call with unknown keywords: parse the known ones alone */
    PyObject **known_args = PyMem_Malloc((size_t)(nargs + nknown + 1) * sizeof(PyObject *));
    PyObject *known_names = PyTuple_New(nknown);
    out->unknown = PyList_New(0);
    out->unknown_values = PyList_New(0);
    int rc = -1;
    if (known_args == NULL || known_names == NULL || out->unknown == NULL ||
        out->unknown_values == NULL) {
        if (known_args == NULL)
            PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t i = 0; i < nargs; i++)
        known_args[i] = args[i];
    for (Py_ssize_t k = 0, j = 0; k < nkw; k++) {
        PyObject *key = PyTuple_GET_ITEM(kwnames, k);
        if (atomics_keyword_index(spec, key) < 0) {
            if (PyList_Append(out->unknown, key) < 0 ||
                PyList_Append(out->unknown_values, args[nargs + k]) < 0)
                goto done;
            continue;
        }
        known_args[nargs + j] = args[nargs + k];
        Py_INCREF(key);
        PyTuple_SET_ITEM(known_names, j, key);
        j++;
    }
    rc = atomics_parse_args(spec, known_args, nargs, nknown ? known_names : NULL, out->argv);
done:
    PyMem_Free(known_args);
    Py_XDECREF(known_names);
    if (rc < 0) {
        Py_CLEAR(out->unknown);
        Py_CLEAR(out->unknown_values);
    }
    return rc;
}

static int reject_keyword(const char *fname, PyObject *name) {
    PyErr_Format(PyExc_TypeError, "%s() got an unexpected keyword argument '%U'", fname, name);
    return -1;
}

static int warn_ignored(const char *fname, PyObject *name) {
    return PyErr_WarnFormat(PyExc_DeprecationWarning, 1,
                            "%s(): the keyword argument '%U' is ignored (atomics 1.0.3 ignored "
                            "it too); remove it",
                            fname, name);
}

/* Judges the keywords atype does not use: ignored with a DeprecationWarning
 * for INT, UINT and BYTES, a TypeError for INTEGRAL and ANY. */
static int judge_extras(atomics_state *st, const char *fname, const factory_args *fa) {
    PyObject *atype = fa->argv[1];
    int ignoring = atype == (PyObject *)st->INT || atype == (PyObject *)st->UINT ||
                   atype == (PyObject *)st->BYTES;
    if (ignoring) {
        static const char *const flag_names[2] = {"is_integral", "is_signed"};
        for (int i = 0; i < 2; i++) {
            if (fa->argv[2 + i] == NULL)
                continue;
            PyObject *name = PyUnicode_FromString(flag_names[i]);
            int rc = name ? warn_ignored(fname, name) : -1;
            Py_XDECREF(name);
            if (rc < 0)
                return -1;
        }
    }
    Py_ssize_t n = fa->unknown ? PyList_GET_SIZE(fa->unknown) : 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *name = PyList_GET_ITEM(fa->unknown, i);
        if ((ignoring ? warn_ignored(fname, name) : reject_keyword(fname, name)) < 0)
            return -1;
    }
    if (atype == (PyObject *)st->INTEGRAL && fa->argv[2] != NULL) {
        PyObject *name = PyUnicode_FromString("is_integral");
        if (name)
            reject_keyword(fname, name);
        Py_XDECREF(name);
        return -1;
    }
    return 0;
}

static int choose(atomics_state *st, const factory_args *fa, const char *fname, choice *out) {
    PyObject *atype = fa->argv[1], *is_integral = fa->argv[2], *is_signed = fa->argv[3];
    int integral = 0, sign = 0;
    if (atype == (PyObject *)st->INT) {
        *out = (choice){st->AtomicInt, st->AtomicIntViewContext, KIND_INT, AF_INTEGRAL | AF_SIGNED};
    } else if (atype == (PyObject *)st->UINT) {
        *out = (choice){st->AtomicUint, st->AtomicUintViewContext, KIND_UINT, AF_INTEGRAL};
    } else if (atype == (PyObject *)st->BYTES) {
        *out = (choice){st->AtomicBytes, st->AtomicBytesViewContext, KIND_BYTES, 0};
    } else if (atype == (PyObject *)st->INTEGRAL) {
        if (judge_extras(st, fname, fa) < 0)
            return -1;
        if (is_signed == NULL) {
            PyErr_Format(PyExc_TypeError, "%s() with atype=INTEGRAL needs is_signed=", fname);
            return -1;
        }
        if (atomics_parse_flag(is_signed, "is_signed", &sign) < 0)
            return -1;
        *out = (choice){st->AtomicIntegral, st->AtomicIntegralViewContext,
                        sign ? KIND_INT : KIND_UINT, AF_INTEGRAL | (sign ? AF_SIGNED : 0)};
        return 0;
    } else if (atype == (PyObject *)st->ANY) {
        if (judge_extras(st, fname, fa) < 0)
            return -1;
        if (is_signed == NULL || is_integral == NULL) {
            PyErr_Format(PyExc_TypeError, "%s() with atype=ANY needs is_integral= and is_signed=",
                         fname);
            return -1;
        }
        if (atomics_parse_flag(is_integral, "is_integral", &integral) < 0 ||
            atomics_parse_flag(is_signed, "is_signed", &sign) < 0)
            return -1;
        *out = (choice){st->Atomic, st->AtomicViewContext, KIND_ANY,
                        (integral ? AF_INTEGRAL : 0) | (sign ? AF_SIGNED : 0)};
        return 0;
    } else {
        PyErr_SetString(PyExc_TypeError,
                        "Type parameter 'atype' must be one of [ANY, INTEGRAL, BYTES, INT, UINT].");
        return -1;
    }
    /* INT, UINT and BYTES: warn about what they ignore (the common call
     * passes nothing more and pays two compares) */
    if ((fa->unknown || is_integral || is_signed) && judge_extras(st, fname, fa) < 0)
        return -1;
    return 0;
}

/* atomicview(..., offset=, width=, align=): a view of part of a buffer.
 * 1.0.3 ignored every keyword it did not know for INT, UINT and BYTES, and
 * published programs pass it width= (with the whole buffer meant), so
 * width= and align= only count in a call that also passes offset=, which no
 * program written for 1.0.3 does. */
typedef struct {
    Py_ssize_t offset, width; /* width -1: up to the end of the buffer */
    int minimum;              /* align="minimum" */
} placement;

/* Removes keyword `name` from the unknown ones; its value (new reference)
 * or NULL if it is not there. */
static PyObject *take_keyword(factory_args *fa, const char *name) {
    Py_ssize_t n = PyList_GET_SIZE(fa->unknown);
    for (Py_ssize_t i = 0; i < n; i++) {
        if (PyUnicode_CompareWithASCIIString(PyList_GET_ITEM(fa->unknown, i), name) != 0)
            continue;
        PyObject *value = PyList_GET_ITEM(fa->unknown_values, i);
        Py_INCREF(value);
        if (PySequence_DelItem(fa->unknown, i) < 0 ||
            PySequence_DelItem(fa->unknown_values, i) < 0) {
            Py_DECREF(value);
            return NULL;
        }
        return value;
    }
    return NULL;
}

static int take_placement(atomics_state *st, factory_args *fa, placement *out) {
    PyObject *offset = take_keyword(fa, "offset");
    if (offset == NULL)
        return PyErr_Occurred() ? -1 : 0;
    PyObject *width = take_keyword(fa, "width");
    PyObject *align = PyErr_Occurred() ? NULL : take_keyword(fa, "align");
    int rc = -1;
    if (PyErr_Occurred())
        goto done;
    PyObject *v = atomics_as_int(offset, "offset");
    if (v == NULL)
        goto done;
    out->offset = PyLong_AsSsize_t(v);
    Py_DECREF(v);
    if (out->offset == -1 && PyErr_Occurred())
        goto done;
    if (out->offset < 0) {
        PyErr_SetString(PyExc_ValueError, "offset must not be negative");
        goto done;
    }
    if (width != NULL && width != Py_None && atomics_parse_width(st, width, &out->width) < 0)
        goto done;
    if (align != NULL && align != Py_None) {
        if (PyUnicode_Check(align) && PyUnicode_CompareWithASCIIString(align, "minimum") == 0)
            out->minimum = 1;
        else if (!(PyUnicode_Check(align) &&
                   PyUnicode_CompareWithASCIIString(align, "recommended") == 0)) {
            PyErr_SetString(PyExc_ValueError, "align must be 'recommended' or 'minimum'");
            goto done;
        }
    }
    rc = 0;
    if (PyList_GET_SIZE(fa->unknown) == 0)
        Py_CLEAR(fa->unknown); /* nothing left for judge_extras */
done:
    Py_DECREF(offset);
    Py_XDECREF(width);
    Py_XDECREF(align);
    return rc;
}

static PyObject *atomic(PyObject *module, PyObject *const *args, Py_ssize_t nargs,
                        PyObject *kwnames) {
    static const atomics_argspec spec = {
        "atomic", 2, 4, {"width", "atype", "is_integral", "is_signed"}, {NULL}, 2};
    atomics_state *st = PyModule_GetState(module);
    factory_args fa;
    Py_ssize_t width;
    choice c;
    if (parse_factory(&spec, args, nargs, kwnames, &fa) < 0)
        return NULL;
    int rc = choose(st, &fa, "atomic", &c);
    Py_XDECREF(fa.unknown);
    Py_XDECREF(fa.unknown_values);
    if (rc < 0 || atomics_parse_width(st, fa.argv[0], &width) < 0)
        return NULL;
    return atomics_new_owned(st, c.owned, width, c.kind, c.flags);
}

static PyObject *atomicview(PyObject *module, PyObject *const *args, Py_ssize_t nargs,
                            PyObject *kwnames) {
    static const atomics_argspec spec = {
        "atomicview", 2, 4, {"buffer", "atype", "is_integral", "is_signed"}, {NULL}, 2};
    atomics_state *st = PyModule_GetState(module);
    factory_args fa;
    choice c;
    placement at = {0, -1, 0};
    if (parse_factory(&spec, args, nargs, kwnames, &fa) < 0)
        return NULL;
    int rc = fa.unknown ? take_placement(st, &fa, &at) : 0;
    if (rc == 0)
        rc = choose(st, &fa, "atomicview", &c);
    Py_XDECREF(fa.unknown);
    Py_XDECREF(fa.unknown_values);
    if (rc < 0)
        return NULL;
    return atomics_new_context_at(st, c.context, fa.argv[0], c.kind, c.flags, at.offset,
                                  at.width, at.minimum);
}

static PyMethodDef module_methods[] = {
    {"atomic", (PyCFunction)(void (*)(void))atomic, METH_FASTCALL | METH_KEYWORDS,
     "atomic($module, /, width, atype, **kwargs)\n--\n\n"
     "Create an atomic object of `width` bytes owning its own zeroed, aligned memory.\n"
     "atype is one of INT, UINT, BYTES, INTEGRAL (needs is_signed=) or ANY (needs\n"
     "is_integral= and is_signed=)."},
    {"atomicview", (PyCFunction)(void (*)(void))atomicview, METH_FASTCALL | METH_KEYWORDS,
     "atomicview($module, /, buffer, atype, **kwargs)\n--\n\n"
     "Create a context whose `with` block gives an atomic view of `buffer` (any object\n"
     "with the buffer protocol; its width is the buffer's size). atype as for atomic().\n"
     "With offset=N the view starts N bytes into the buffer and is width= bytes wide\n"
     "(default: up to the end); align='minimum' accepts the core's minimum alignment."},
    ATOMICS_FUNCTION_METHODS,
    {"atomicarray", (PyCFunction)(void (*)(void))atomics_array_new, METH_VARARGS | METH_KEYWORDS,
     "atomicarray($module, /, buffer, width, atype, offset=0, length=None, is_signed=None,\n"
     "            align='recommended')\n--\n\n"
     "An atomic array of `length` elements of `width` bytes (1, 2, 4, 8 or 16) at `offset`\n"
     "into `buffer` (default: as many as fit). atype is INT, UINT, BYTES or INTEGRAL (with\n"
     "is_signed=). Every operation of single objects takes the element index first."},
    {"_share_array", (PyCFunction)(void (*)(void))atomics_share_array, METH_FASTCALL,
     "_share_array($module, array, handle, /)\n--\n\nThe array pickles to handle from now on."},
    ATOMICS_SYNC_METHODS,
    {"_share", (PyCFunction)(void (*)(void))atomics_share, METH_FASTCALL,
     "_share($module, context, handle, /)\n--\n\n"
     "Open a fresh context for good; its view pickles to handle (atomics.shared uses it)."},
    {NULL, NULL, 0, NULL}};

/* ---- module lifecycle ---------------------------------------------------------- */

#define ATOMICS_STATE_FIELDS(X)                                                       \
    X(ANY) X(INTEGRAL) X(BYTES) X(INT) X(UINT)                                        \
    X(Atomic) X(AtomicIntegral) X(AtomicBytes) X(AtomicInt) X(AtomicUint)             \
    X(AtomicView) X(AtomicIntegralView) X(AtomicBytesView) X(AtomicIntView)           \
    X(AtomicUintView) X(AtomicViewContext) X(AtomicIntegralViewContext)               \
    X(AtomicBytesViewContext) X(AtomicIntViewContext) X(AtomicUintViewContext)        \
    X(CmpxchgResult) X(Alignment) X(AtomicIntegralArray) X(AtomicBytesArray) X(MemoryOrder) X(OpType) X(AlignmentError)          \
    X(MemoryOrderError) X(UnsupportedWidthException) X(UnsupportedOperationException)        \
    X(Lock) X(RLock) X(Condition) X(Semaphore) X(BoundedSemaphore) X(Event) X(Barrier)         \
    X(Latch) X(allocate_lock)

static int module_traverse(PyObject *module, visitproc visit, void *arg) {
    atomics_state *st = PyModule_GetState(module);
#define ATOMICS_X_(field) Py_VISIT(st->field);
    ATOMICS_STATE_FIELDS(ATOMICS_X_)
#undef ATOMICS_X_
    return 0;
}

static int module_clear(PyObject *module) {
    atomics_state *st = PyModule_GetState(module);
#define ATOMICS_X_(field) Py_CLEAR(st->field);
    ATOMICS_STATE_FIELDS(ATOMICS_X_)
#undef ATOMICS_X_
    return 0;
}

static void module_free(void *module) { module_clear((PyObject *)module); }

static PyObject *import_attr(const char *module_name, const char *name) {
    PyObject *mod = PyImport_ImportModule(module_name);
    if (mod == NULL)
        return NULL;
    PyObject *attr = PyObject_GetAttrString(mod, name);
    Py_DECREF(mod);
    return attr;
}

static int module_exec(PyObject *module) {
    atomics_state *st = PyModule_GetState(module);
    if (!(st->MemoryOrder = import_attr("atomics._enums", "MemoryOrder")) ||
        !(st->OpType = import_attr("atomics._enums", "OpType")) ||
        !(st->AlignmentError = import_attr("atomics.exc", "AlignmentError")) ||
        !(st->MemoryOrderError = import_attr("atomics.exc", "MemoryOrderError")) ||
        !(st->UnsupportedWidthException = import_attr("atomics.exc", "UnsupportedWidthException")) ||
        !(st->UnsupportedOperationException =
              import_attr("atomics.exc", "UnsupportedOperationException")))
        return -1;
    if (atomics_add_object_types(module, st) < 0 || atomics_add_context_types(module, st) < 0 ||
        atomics_add_result_type(module, st) < 0 || atomics_add_alignment_type(module, st) < 0 ||
        atomics_add_array_type(module, st) < 0 || atomics_add_sync_types(module, st) < 0)
        return -1;
#ifdef Py_GIL_DISABLED
    atomics_register_membarrier();
#endif
    if (PyModule_AddIntConstant(module, "FEATURES", (long)atomics_features()) < 0)
        return -1;
    return 0;
}

static PyModuleDef_Slot module_slots[] = {
    {Py_mod_exec, (void *)module_exec},
#if PY_VERSION_HEX >= 0x030C0000
    {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},
#endif
#if PY_VERSION_HEX >= 0x030D0000
    {Py_mod_gil, Py_MOD_GIL_NOT_USED},
#endif
    {0, NULL}};

PyModuleDef atomics_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "atomics._atomics",
    .m_doc = "C implementation of the atomics package (import atomics instead).",
    .m_size = sizeof(atomics_state),
    .m_methods = module_methods,
    .m_slots = module_slots,
    .m_traverse = module_traverse,
    .m_clear = module_clear,
    .m_free = module_free,
};

PyMODINIT_FUNC PyInit__atomics(void); /* the one name the module exports */
PyMODINIT_FUNC PyInit__atomics(void) { return PyModuleDef_Init(&atomics_module); }
