/* access.c: the access operations of integral and bytes elements: load,
 * store, exchange, cmpxchg_weak and cmpxchg_strong (element.h). */
#include "element.h"
#include "result.h"

PyObject *atomics_e_load(METHOD_ARGS) {
    PyObject *argv[1];
    atomics_load_fn fn;
    atomics_order mo;
    unsigned char ret[16];
    GET_FN(self, load, LOAD, fn);
    PARSE(SPEC_ORDER, "load", argv);
    if (atomics_parse_load_order(self, argv[0], ATOMICS_OP_LOAD, &mo) < 0 ||
        atomics_elem_begin(self) < 0)
        return NULL;
    fn(self->addr, ret, mo);
    atomics_elem_end(self);
    return atomics_from_raw(self, ret);
}

PyObject *atomics_e_store(METHOD_ARGS) {
    PyObject *argv[2];
    atomics_store_fn fn;
    atomics_order mo;
    unsigned char desired[16];
    GET_FN(self, store, STORE, fn);
    PARSE(SPEC_DESIRED, "store", argv);
    /* 1.0.3's order of checks, which programs see when both are wrong: an
     * integer value before the order, but a bytes object's order first */
    int value_first = self->kind != KIND_BYTES;
    if (value_first && atomics_to_raw(self, argv[0], "desired", desired) < 0)
        return NULL;
    if (atomics_parse_order(argv[1], "order", &mo) < 0)
        return NULL;
    if (!atomics_store_order_ok(mo))
        return atomics_raise_order(self, ATOMICS_OP_STORE, mo, 0);
    if (!value_first && atomics_to_raw(self, argv[0], "desired", desired) < 0)
        return NULL;
    if (atomics_elem_begin(self) < 0)
        return NULL;
    fn(self->addr, desired, mo);
    atomics_elem_end(self);
    Py_RETURN_NONE;
}

PyObject *atomics_e_exchange(METHOD_ARGS) {
    PyObject *argv[2];
    atomics_exchange_fn fn;
    atomics_order mo;
    unsigned char desired[16], ret[16];
    GET_FN(self, exchange, EXCHANGE, fn);
    PARSE(SPEC_DESIRED, "exchange", argv);
    if (atomics_to_raw(self, argv[0], "desired", desired) < 0 ||
        atomics_parse_order(argv[1], "order", &mo) < 0 || atomics_elem_begin(self) < 0)
        return NULL;
    fn(self->addr, desired, ret, mo);
    atomics_elem_end(self);
    return atomics_from_raw(self, ret);
}

static PyObject *cmpxchg(const atomics_elem *self, atomics_cmpxchg_fn fn, atomics_op op,
                         PyObject *const *argv) {
    atomics_order succ, fail;
    unsigned char expected[16], desired[16];
    /* 1.0.3's order of checks: the values, then the failure order, then the
     * success order */
    if (atomics_to_raw(self, argv[0], "expected", expected) < 0 ||
        atomics_to_raw(self, argv[1], "desired", desired) < 0 ||
        atomics_parse_order(argv[3], "failure", &fail) < 0 ||
        atomics_parse_order(argv[2], "success", &succ) < 0)
        return NULL;
    if (!atomics_is_valid_fail_order(succ, fail))
        return atomics_raise_order(self, op, fail, 1);
    if (atomics_elem_begin(self) < 0)
        return NULL;
    int ok = fn(self->addr, expected, desired, succ, fail);
    atomics_elem_end(self);
    PyObject *seen;
    if (ok) {
        /* the value seen was the one expected: hand back the caller's object */
        int exact = self->kind == KIND_BYTES ? PyBytes_CheckExact(argv[0])
                                             : PyLong_CheckExact(argv[0]);
        if (exact) {
            seen = argv[0];
            Py_INCREF(seen);
        } else {
            seen = atomics_from_raw(self, expected);
        }
    } else {
        seen = atomics_from_raw(self, expected);
    }
    if (seen == NULL)
        return NULL;
    PyObject *result = atomics_cmpxchg_result(atomics_state_of_type(self->type), ok, seen);
    Py_DECREF(seen);
    return result;
}

PyObject *atomics_e_cmpxchg_weak(METHOD_ARGS) {
    PyObject *argv[4];
    atomics_cmpxchg_fn fn;
    GET_FN(self, cmpxchg_weak, CMPXCHG_WEAK, fn);
    PARSE(SPEC_CMPXCHG, "cmpxchg_weak", argv);
    return cmpxchg(self, fn, ATOMICS_OP_CMPXCHG_WEAK, argv);
}

PyObject *atomics_e_cmpxchg_strong(METHOD_ARGS) {
    PyObject *argv[4];
    atomics_cmpxchg_fn fn;
    GET_FN(self, cmpxchg_strong, CMPXCHG_STRONG, fn);
    PARSE(SPEC_CMPXCHG, "cmpxchg_strong", argv);
    return cmpxchg(self, fn, ATOMICS_OP_CMPXCHG_STRONG, argv);
}
