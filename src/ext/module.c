/* module.c: the atomics._atomics extension module: module state, multi-phase
 * initialisation, and the factory functions atomic() and atomicview(). It
 * keeps no global mutable state, so every interpreter gets its own copy and
 * no operation needs the GIL. */
#include "atomics_ext.h"

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

static int choose(atomics_state *st, PyObject *atype, PyObject *is_integral, PyObject *is_signed,
                  const char *fname, choice *out) {
    int integral = 0, sign = 0;
    if (atype == (PyObject *)st->INT) {
        *out = (choice){st->AtomicInt, st->AtomicIntViewContext, KIND_INT, AF_INTEGRAL | AF_SIGNED};
    } else if (atype == (PyObject *)st->UINT) {
        *out = (choice){st->AtomicUint, st->AtomicUintViewContext, KIND_UINT, AF_INTEGRAL};
    } else if (atype == (PyObject *)st->BYTES) {
        *out = (choice){st->AtomicBytes, st->AtomicBytesViewContext, KIND_BYTES, 0};
    } else if (atype == (PyObject *)st->INTEGRAL) {
        if (is_signed == NULL) {
            PyErr_Format(PyExc_TypeError, "%s() with atype=INTEGRAL needs is_signed=", fname);
            return -1;
        }
        if (atomics_parse_flag(is_signed, "is_signed", &sign) < 0)
            return -1;
        *out = (choice){st->AtomicIntegral, st->AtomicIntegralViewContext,
                        sign ? KIND_INT : KIND_UINT, AF_INTEGRAL | (sign ? AF_SIGNED : 0)};
    } else if (atype == (PyObject *)st->ANY) {
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
    } else {
        PyErr_SetString(PyExc_TypeError,
                        "Type parameter 'atype' must be one of [ANY, INTEGRAL, BYTES, INT, UINT].");
        return -1;
    }
    /* INT, UINT and BYTES ignore is_signed= and is_integral=, as atomics 1.0.3 did */
    return 0;
}

static PyObject *atomic(PyObject *module, PyObject *const *args, Py_ssize_t nargs,
                        PyObject *kwnames) {
    static const atomics_argspec spec = {
        "atomic", 2, 4, {"width", "atype", "is_integral", "is_signed"}, {NULL}, 2};
    atomics_state *st = PyModule_GetState(module);
    PyObject *argv[4];
    Py_ssize_t width;
    choice c;
    if (atomics_parse_args(&spec, args, nargs, kwnames, argv) < 0 ||
        choose(st, argv[1], argv[2], argv[3], "atomic", &c) < 0 ||
        atomics_parse_width(argv[0], &width) < 0)
        return NULL;
    return atomics_new_owned(st, c.owned, width, c.kind, c.flags);
}

static PyObject *atomicview(PyObject *module, PyObject *const *args, Py_ssize_t nargs,
                            PyObject *kwnames) {
    static const atomics_argspec spec = {
        "atomicview", 2, 4, {"buffer", "atype", "is_integral", "is_signed"}, {NULL}, 2};
    atomics_state *st = PyModule_GetState(module);
    PyObject *argv[4];
    choice c;
    if (atomics_parse_args(&spec, args, nargs, kwnames, argv) < 0 ||
        choose(st, argv[1], argv[2], argv[3], "atomicview", &c) < 0)
        return NULL;
    return atomics_new_context(st, c.context, argv[0], c.kind, c.flags);
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
