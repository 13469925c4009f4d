/* functions.c: the module functions: fences, the spin hint and the
 * support queries (functions.h). */
#include "functions.h"
#include "convert.h"

static int parse_fence_order(const char *fname, PyObject *const *args, Py_ssize_t nargs,
                             PyObject *kwnames, atomics_order *mo) {
    const atomics_argspec spec = {fname, 0, 1, {"order"}, {NULL}, 0};
    PyObject *argv[1];
    if (atomics_parse_args(&spec, args, nargs, kwnames, argv) < 0)
        return -1;
    return atomics_parse_order(argv[0], "order", mo);
}

PyObject *atomics_thread_fence_py(PyObject *module, PyObject *const *args, Py_ssize_t nargs,
                                  PyObject *kwnames) {
    atomics_order mo;
    (void)module;
    if (parse_fence_order("thread_fence", args, nargs, kwnames, &mo) < 0)
        return NULL;
    atomics_thread_fence(mo);
    Py_RETURN_NONE;
}

PyObject *atomics_signal_fence_py(PyObject *module, PyObject *const *args, Py_ssize_t nargs,
                                  PyObject *kwnames) {
    atomics_order mo;
    (void)module;
    if (parse_fence_order("signal_fence", args, nargs, kwnames, &mo) < 0)
        return NULL;
    atomics_signal_fence(mo);
    Py_RETURN_NONE;
}

PyObject *atomics_spin_pause_py(PyObject *module, PyObject *unused) {
    (void)module, (void)unused;
    atomics_spin_pause();
    Py_RETURN_NONE;
}

/* A width for the queries: an int or __index__ object (else TypeError), not
 * negative (ValueError); 0 where it is beyond every width (no error: the
 * answer is "not supported"). */
static int query_width(PyObject *arg, size_t *out) {
    PyObject *w = atomics_as_int(arg, "width");
    if (w == NULL)
        return -1;
    int overflow;
    long long v = PyLong_AsLongLongAndOverflow(w, &overflow);
    Py_DECREF(w);
    if (v == -1 && PyErr_Occurred())
        return -1;
    if (overflow < 0 || (!overflow && v < 0)) {
        PyErr_SetString(PyExc_ValueError, "Negative width");
        return -1;
    }
    *out = (overflow || v > ATOMICS_MAX_WIDTH) ? 0 : (size_t)v;
    return 0;
}

PyObject *atomics_is_lock_free_py(PyObject *module, PyObject *width) {
    size_t w;
    (void)module;
    if (query_width(width, &w) < 0)
        return NULL;
    return PyBool_FromLong(w != 0 && atomics_is_lock_free(w));
}

/* The methods of an integral object, each with the core operations it
 * needs (bits of atomics_ops_mask64), in the order supported_ops lists them. */
#define BIT(op) ((uint64_t)1 << ATOMICS_OP_##op)
static const struct {
    const char *name;
    uint64_t needs;
} method_needs[] = {
    {"store", BIT(STORE)}, {"load", BIT(LOAD)}, {"exchange", BIT(EXCHANGE)},
    {"cmpxchg_weak", BIT(CMPXCHG_WEAK)}, {"cmpxchg_strong", BIT(CMPXCHG_STRONG)},
    {"bit_test", BIT(BIT_TEST)}, {"bit_test_compl", BIT(BIT_TEST_COMPL)},
    {"bit_test_set", BIT(BIT_TEST_SET)}, {"bit_test_reset", BIT(BIT_TEST_RESET)},
    {"bin_or", BIT(OR)}, {"bin_xor", BIT(XOR)}, {"bin_and", BIT(AND)}, {"bin_not", BIT(NOT)},
    {"bin_fetch_or", BIT(FETCH_OR)}, {"bin_fetch_xor", BIT(FETCH_XOR)},
    {"bin_fetch_and", BIT(FETCH_AND)}, {"bin_fetch_not", BIT(FETCH_NOT)},
    {"add", BIT(ADD)}, {"sub", BIT(SUB)}, {"inc", BIT(INC)}, {"dec", BIT(DEC)},
    {"neg", BIT(NEG)}, {"fetch_add", BIT(FETCH_ADD)}, {"fetch_sub", BIT(FETCH_SUB)},
    {"fetch_inc", BIT(FETCH_INC)}, {"fetch_dec", BIT(FETCH_DEC)}, {"fetch_neg", BIT(FETCH_NEG)},
    /* beyond 1.0 */
    {"max", BIT(MAX_S) | BIT(MAX_U)}, {"min", BIT(MIN_S) | BIT(MIN_U)},
    {"fetch_max", BIT(FETCH_MAX_S) | BIT(FETCH_MAX_U)},
    {"fetch_min", BIT(FETCH_MIN_S) | BIT(FETCH_MIN_U)},
    {"max_fetch", BIT(FETCH_MAX_S) | BIT(FETCH_MAX_U)},
    {"min_fetch", BIT(FETCH_MIN_S) | BIT(FETCH_MIN_U)},
    {"add_fetch", BIT(FETCH_ADD)}, {"sub_fetch", BIT(FETCH_SUB)},
    {"inc_fetch", BIT(FETCH_INC)}, {"dec_fetch", BIT(FETCH_DEC)}, {"neg_fetch", BIT(FETCH_NEG)},
    {"bin_or_fetch", BIT(FETCH_OR)}, {"bin_xor_fetch", BIT(FETCH_XOR)},
    {"bin_and_fetch", BIT(FETCH_AND)}, {"bin_not_fetch", BIT(FETCH_NOT)},
    {"fetch_update", BIT(LOAD) | BIT(CMPXCHG_STRONG)},
    {"wait", BIT(LOAD)}, {"notify_one", BIT(LOAD)}, {"notify_all", BIT(LOAD)},
};
#undef BIT

PyObject *atomics_supported_ops_py(PyObject *module, PyObject *const *args, Py_ssize_t nargs,
                                   PyObject *kwnames) {
    static const atomics_argspec spec = {"supported_ops", 1, 2, {"width", "readonly"}, {NULL}, 1};
    PyObject *argv[2];
    size_t w;
    int readonly = 0;
    (void)module;
    if (atomics_parse_args(&spec, args, nargs, kwnames, argv) < 0 || query_width(argv[0], &w) < 0 ||
        (argv[1] != NULL && atomics_parse_flag(argv[1], "readonly", &readonly) < 0))
        return NULL;
    uint64_t mask = w == 0 ? 0 : atomics_ops_supported64(w, readonly ? ATOMICS_READONLY : 0);
    size_t n = sizeof method_needs / sizeof method_needs[0], count = 0;
    const char *names[sizeof method_needs / sizeof method_needs[0]];
    for (size_t i = 0; i < n; i++)
        if ((mask & method_needs[i].needs) == method_needs[i].needs)
            names[count++] = method_needs[i].name;
    PyObject *result = PyTuple_New((Py_ssize_t)count);
    for (size_t i = 0; result != NULL && i < count; i++) {
        PyObject *s = PyUnicode_InternFromString(names[i]);
        if (s == NULL)
            Py_CLEAR(result);
        else
            PyTuple_SET_ITEM(result, (Py_ssize_t)i, s);
    }
    return result;
}
