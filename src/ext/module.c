/* module.c: the atomics._atomics extension module: module state, multi-phase
 * initialisation, and the factory functions atomic() and atomicview(). It
 * keeps no global mutable state, so every interpreter gets its own copy and
 * no operation needs the GIL. */
#include "atomics_ext.h"
#include "more_ops.h"

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
} factory_args;

static int parse_factory(const atomics_argspec *spec, PyObject *const *args, Py_ssize_t nargs,
                         PyObject *kwnames, factory_args *out) {
    out->unknown = NULL;
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
    int rc = -1;
    if (known_args == NULL || known_names == NULL || out->unknown == NULL) {
        if (known_args == NULL)
            PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t i = 0; i < nargs; i++)
        known_args[i] = args[i];
    for (Py_ssize_t k = 0, j = 0; k < nkw; k++) {
        PyObject *key = PyTuple_GET_ITEM(kwnames, k);
        if (atomics_keyword_index(spec, key) < 0) {
            if (PyList_Append(out->unknown, key) < 0)
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
    if (rc < 0)
        Py_CLEAR(out->unknown);
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
    if (parse_factory(&spec, args, nargs, kwnames, &fa) < 0)
        return NULL;
    int rc = choose(st, &fa, "atomicview", &c);
    Py_XDECREF(fa.unknown);
    if (rc < 0)
        return NULL;
    return atomics_new_context(st, c.context, fa.argv[0], c.kind, c.flags);
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
     "with the buffer protocol; its width is the buffer's size). atype as for atomic()."},
    ATOMICS_MORE_MODULE_METHODS,
    {NULL, NULL, 0, NULL}};

/* ---- module lifecycle ---------------------------------------------------------- */

#define ATOMICS_STATE_FIELDS(X)                                                       \
    X(ANY) X(INTEGRAL) X(BYTES) X(INT) X(UINT)                                        \
    X(Atomic) X(AtomicIntegral) X(AtomicBytes) X(AtomicInt) X(AtomicUint)             \
    X(AtomicView) X(AtomicIntegralView) X(AtomicBytesView) X(AtomicIntView)           \
    X(AtomicUintView) X(AtomicViewContext) X(AtomicIntegralViewContext)               \
    X(AtomicBytesViewContext) X(AtomicIntViewContext) X(AtomicUintViewContext)        \
    X(CmpxchgResult) X(Alignment) X(MemoryOrder) X(OpType) X(AlignmentError)          \
    X(MemoryOrderError) X(UnsupportedWidthException) X(UnsupportedOperationException)

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
        atomics_add_result_type(module, st) < 0 || atomics_add_alignment_type(module, st) < 0)
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

PyMODINIT_FUNC PyInit__atomics(void) { return PyModuleDef_Init(&atomics_module); }
