/* minmax.c: max and min (core operations: signed for INT, unsigned for
 * UINT) in their three forms, and fetch_update, a compare-and-swap loop
 * around a Python function (element.h). Like every operation these touch
 * the memory only between the element's guard, and run no Python code in
 * between. */
#include "element.h"

/* ---- max and min ------------------------------------------------------------------ */

enum result { RESULT_NONE, RESULT_OLD, RESULT_NEW };

static PyObject *minmax(METHOD_ARGS, int is_max, enum result want, const char *name,
                        const atomics_argspec *spec) {
    atomics_fetch_binary_fn fn;
    atomics_order mo;
    unsigned char value[16], ret[16], now[16];
    int is_signed = self->kind == KIND_INT;
    GET_FN_NAMED(self,
                 is_max ? (is_signed ? ops->fetch_max_s : ops->fetch_max_u)
                        : (is_signed ? ops->fetch_min_s : ops->fetch_min_u),
                 name, fn);
    if (atomics_begin_value(self, args, nargs, kwnames, spec, value, &mo) < 0)
        return NULL;
    fn(self->addr, value, ret, mo);
    atomics_elem_end(self);
    if (want == RESULT_NONE)
        Py_RETURN_NONE;
    if (want == RESULT_NEW) {
        atomics_new_value(is_max ? NEW_MAX : NEW_MIN, ret, value, self->width, is_signed, now);
        return atomics_from_raw(self, now);
    }
    return atomics_from_raw(self, ret);
}

#define MINMAX_METHOD(name, is_max, want)                                             \
    PyObject *atomics_e_##name(METHOD_ARGS) {                                  \
        static const atomics_argspec spec = SPEC_VALUE(#name);                        \
        return minmax(self, args, nargs, kwnames, is_max, want, #name, &spec);        \
    }
MINMAX_METHOD(max, 1, RESULT_NONE)
MINMAX_METHOD(min, 0, RESULT_NONE)
MINMAX_METHOD(fetch_max, 1, RESULT_OLD)
MINMAX_METHOD(fetch_min, 0, RESULT_OLD)
MINMAX_METHOD(max_fetch, 1, RESULT_NEW)
MINMAX_METHOD(min_fetch, 0, RESULT_NEW)
#undef MINMAX_METHOD

/* ---- fetch_update -------------------------------------------------------------------- */

/* The strongest load order a read-modify-write with order `mo` allows for
 * its failure (C++'s single-order compare_exchange does the same). */
static atomics_order fail_order_for(atomics_order mo) {
    switch (mo) {
    case ATOMICS_RELAXED:
    case ATOMICS_RELEASE: return ATOMICS_RELAXED;
    case ATOMICS_ACQUIRE:
    case ATOMICS_ACQ_REL: return ATOMICS_ACQUIRE;
    default: return ATOMICS_SEQ_CST;
    }
}

#define DEFAULT_MAX_RETRIES 10000

PyObject *atomics_e_fetch_update(METHOD_ARGS) {
    static const atomics_argspec spec = {
        "fetch_update", 1, 4, {"fn", "order", "fail_order", "max_retries"}, {NULL}, 3};
    PyObject *argv[4];
    atomics_load_fn load;
    atomics_cmpxchg_fn cas;
    atomics_order mo, fail;
    long long max_retries = DEFAULT_MAX_RETRIES;
    unsigned char seen[16], desired[16];
    GET_FN_NAMED(self, ops->load, "fetch_update", load);
    GET_FN_NAMED(self, ops->cmpxchg_strong, "fetch_update", cas);
    if (atomics_parse_args(&spec, args, nargs, kwnames, argv) < 0)
        return NULL;
    PyObject *fn = argv[0];
    if (!PyCallable_Check(fn)) {
        PyErr_Format(PyExc_TypeError, "fetch_update(): 'fn' must be callable, not %.100s",
                     Py_TYPE(fn)->tp_name);
        return NULL;
    }
    /* as cmpxchg checks them: the failure order, then the success order */
    if (argv[2] != NULL && argv[2] != Py_None) {
        if (atomics_parse_order(argv[2], "fail_order", &fail) < 0)
            return NULL;
    }
    if (atomics_parse_order(argv[1], "order", &mo) < 0)
        return NULL;
    if (argv[2] == NULL || argv[2] == Py_None)
        fail = fail_order_for(mo);
    else if (!atomics_is_valid_fail_order(mo, fail)) {
        atomics_state *st = atomics_state_of_type(self->type);
        PyObject *order = st ? PyObject_CallFunction(st->MemoryOrder, "i", (int)fail) : NULL;
        PyObject *exc = order ? PyObject_CallFunction(st->MemoryOrderError, "sOO", "fetch_update",
                                                      order, Py_True)
                              : NULL;
        if (exc != NULL) {
            PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
            Py_DECREF(exc);
        }
        Py_XDECREF(order);
        return NULL;
    }
    if (argv[3] == Py_None) {
        max_retries = -1; /* no limit */
    } else if (argv[3] != NULL) {
        if (!PyLong_Check(argv[3])) {
            PyErr_Format(PyExc_TypeError, "fetch_update(): 'max_retries' must be an int or None, "
                         "not %.100s", Py_TYPE(argv[3])->tp_name);
            return NULL;
        }
        int overflow;
        max_retries = PyLong_AsLongLongAndOverflow(argv[3], &overflow);
        if (max_retries == -1 && PyErr_Occurred())
            return NULL;
        if (overflow > 0) {
            max_retries = -1; /* more retries than can ever run: no limit */
        } else if (overflow < 0 || max_retries < 0) {
            PyErr_SetString(PyExc_ValueError, "fetch_update(): 'max_retries' must not be negative");
            return NULL;
        }
    }

    if (atomics_elem_begin(self) < 0)
        return NULL;
    load(self->addr, seen, fail);
    atomics_elem_end(self);
    for (long long retries = 0;; retries++) {
        /* fn runs with nothing held: the view may be released meanwhile, and
         * the next atomics_op_begin then raises instead of touching memory */
        PyObject *old = atomics_from_raw(self, seen);
        if (old == NULL)
            return NULL;
        PyObject *result = PyObject_CallFunctionObjArgs(fn, old, NULL);
        if (result == NULL || atomics_to_raw(self, result, "the result of fn", desired) < 0 ||
            atomics_elem_begin(self) < 0) {
            Py_XDECREF(result);
            Py_DECREF(old);
            return NULL;
        }
        Py_DECREF(result);
        int ok = cas(self->addr, seen, desired, mo, fail);
        atomics_elem_end(self);
        if (ok)
            return old;
        Py_DECREF(old);
        /* `seen` now holds the value found instead: fn's next argument */
        if (max_retries >= 0 && retries >= max_retries) {
            PyErr_Format(PyExc_RuntimeError,
                         "fetch_update(): the value changed under fn %lld times in a row "
                         "(max_retries=%lld); the object is unchanged by this call",
                         retries + 1, max_retries);
            return NULL;
        }
        if (PyErr_CheckSignals() < 0)
            return NULL;
    }
}
