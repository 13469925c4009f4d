/* arith.c: the arithmetic and bit operations of elements: add, sub, inc,
 * dec, neg and their fetch_ forms, bit_test*, bin_*, and the *_fetch forms
 * that return the new value, computed here from the old value the core's
 * fetch_* returned (element.h). */
#include "element.h"

/* ---- the new value from the old ---------------------------------------------------- */

/* a < b as unsigned numbers, or as signed ones of `width` bytes (the sign
 * bit flipped makes signed order unsigned order) */
static int wide_lt(atomics_wide a, atomics_wide b, unsigned width, int is_signed) {
    if (is_signed) {
        unsigned bit = 8 * width - 1;
        if (bit < 64)
            a.lo ^= (uint64_t)1 << bit, b.lo ^= (uint64_t)1 << bit;
        else
            a.hi ^= (uint64_t)1 << (bit - 64), b.hi ^= (uint64_t)1 << (bit - 64);
    }
    return a.hi < b.hi || (a.hi == b.hi && a.lo < b.lo);
}

/* Bytes beyond the width are left to atomics_put_wide to drop. */
void atomics_new_value(enum atomics_newop op, const unsigned char old_raw[16], const unsigned char arg_raw[16],
                      unsigned width, int is_signed, unsigned char out[16]) {
    atomics_wide a = atomics_get_wide(old_raw, width, 0), b = atomics_get_wide(arg_raw, width, 0), r;
    switch (op) {
    case NEW_ADD:
        r.lo = a.lo + b.lo;
        r.hi = a.hi + b.hi + (r.lo < a.lo);
        break;
    case NEW_SUB:
        r.lo = a.lo - b.lo;
        r.hi = a.hi - b.hi - (a.lo < b.lo);
        break;
    case NEW_OR: r.lo = a.lo | b.lo, r.hi = a.hi | b.hi; break;
    case NEW_XOR: r.lo = a.lo ^ b.lo, r.hi = a.hi ^ b.hi; break;
    case NEW_AND: r.lo = a.lo & b.lo, r.hi = a.hi & b.hi; break;
    case NEW_NOT: r.lo = ~a.lo, r.hi = ~a.hi; break;
    case NEW_NEG:
        r.lo = 0 - a.lo;
        r.hi = 0 - a.hi - (a.lo != 0);
        break;
    case NEW_MAX: r = wide_lt(a, b, width, is_signed) ? b : a; break;
    default: r = wide_lt(b, a, width, is_signed) ? b : a; break; /* NEW_MIN */
    }
    atomics_put_wide(out, r, width);
}

/* ---- bit and arithmetic operations ------------------------------------------------- */

/* A bit index: an int or an __index__ object (numpy integers, as 1.0.3
 * took them), 0 <= index < 8 * width. */
static int parse_index(const atomics_elem *self, PyObject *arg, unsigned *out) {
    PyObject *v = atomics_as_int(arg, "index");
    if (v == NULL)
        return -1;
    int overflow, rc = 0;
    long long i = PyLong_AsLongLongAndOverflow(v, &overflow);
    if (i == -1 && PyErr_Occurred()) {
        rc = -1;
    } else if (overflow || i < 0 || i >= 8 * (long long)self->width) {
        PyErr_Format(PyExc_ValueError, "bit index %R out of range for width %d (0 <= index < %d)",
                     v, (int)self->width, 8 * (int)self->width);
        rc = -1;
    } else {
        *out = (unsigned)i;
    }
    Py_DECREF(v);
    return rc;
}

PyObject *atomics_e_bit_test(METHOD_ARGS) {
    PyObject *argv[2];
    atomics_bit_test_fn fn;
    atomics_order mo;
    unsigned index;
    GET_FN(self, bit_test, BIT_TEST, fn);
    PARSE(SPEC_INDEX, "bit_test", argv);
    if (atomics_parse_load_order(self, argv[1], ATOMICS_OP_BIT_TEST, &mo) < 0 ||
        parse_index(self, argv[0], &index) < 0 || atomics_elem_begin(self) < 0)
        return NULL;
    int r = fn(self->addr, index, mo);
    atomics_elem_end(self);
    return PyBool_FromLong(r);
}

/* bit_test_compl / bit_test_set / bit_test_reset */
#define BIT_MODIFY_METHOD(field, OP)                                                  \
    PyObject *atomics_e_##field(METHOD_ARGS) {                                         \
        PyObject *argv[2];                                                            \
        atomics_bit_modify_fn fn;                                                     \
        atomics_order mo;                                                             \
        unsigned index;                                                               \
        GET_FN(self, field, OP, fn);                                                  \
        PARSE(SPEC_INDEX, #field, argv);                                              \
        if (parse_index(self, argv[0], &index) < 0 ||                                 \
            atomics_parse_order(argv[1], "order", &mo) < 0 || atomics_elem_begin(self) < 0) \
            return NULL;                                                              \
        int r = fn(self->addr, index, mo);                                            \
        atomics_elem_end(self);                                                         \
        return PyBool_FromLong(r);                                                    \
    }

/* The four shapes of the core's arithmetic and bitwise operations, each
 * written once; the methods below differ only in their table entry. */
static inline PyObject *binary(METHOD_ARGS, const atomics_argspec *spec, atomics_binary_fn fn) {
    atomics_order mo;
    unsigned char value[16];
    if (atomics_begin_value(self, args, nargs, kwnames, spec, value, &mo) < 0)
        return NULL;
    fn(self->addr, value, mo);
    atomics_elem_end(self);
    Py_RETURN_NONE;
}

static inline PyObject *fetch_binary(METHOD_ARGS, const atomics_argspec *spec,
                                     atomics_fetch_binary_fn fn) {
    atomics_order mo;
    unsigned char value[16], ret[16];
    if (atomics_begin_value(self, args, nargs, kwnames, spec, value, &mo) < 0)
        return NULL;
    fn(self->addr, value, ret, mo);
    atomics_elem_end(self);
    return atomics_from_raw(self, ret);
}

static inline PyObject *unary(METHOD_ARGS, const atomics_argspec *spec, atomics_unary_fn fn) {
    atomics_order mo;
    if (atomics_begin_order(self, args, nargs, kwnames, spec, &mo) < 0)
        return NULL;
    fn(self->addr, mo);
    atomics_elem_end(self);
    Py_RETURN_NONE;
}

static inline PyObject *fetch_unary(METHOD_ARGS, const atomics_argspec *spec,
                                    atomics_fetch_unary_fn fn) {
    atomics_order mo;
    unsigned char ret[16];
    if (atomics_begin_order(self, args, nargs, kwnames, spec, &mo) < 0)
        return NULL;
    fn(self->addr, ret, mo);
    atomics_elem_end(self);
    return atomics_from_raw(self, ret);
}

/* atomics_e_FIELD: the table's entry FIELD (OpType member OP) in its shape,
 * with SPEC's parameters: SPEC_VALUE for binary shapes, SPEC_ORDER for unary. */
#define SHAPED_METHOD(shape, SPEC, field, OP)                                         \
    PyObject *atomics_e_##field(METHOD_ARGS) {                                        \
        static const atomics_argspec spec = SPEC(#field);                             \
        if (self->ops->field == NULL)                                                 \
            return atomics_raise_unsupported(self, ATOMICS_OP_##OP);                  \
        return shape(self, args, nargs, kwnames, &spec, self->ops->field);            \
    }
#define BINARY_METHOD(field, OP) SHAPED_METHOD(binary, SPEC_VALUE, field, OP)
#define FETCH_BINARY_METHOD(field, OP) SHAPED_METHOD(fetch_binary, SPEC_VALUE, field, OP)
#define UNARY_METHOD(field, OP) SHAPED_METHOD(unary, SPEC_ORDER, field, OP)
#define FETCH_UNARY_METHOD(field, OP) SHAPED_METHOD(fetch_unary, SPEC_ORDER, field, OP)

BIT_MODIFY_METHOD(bit_test_compl, BIT_TEST_COMPL)
BIT_MODIFY_METHOD(bit_test_set, BIT_TEST_SET)
BIT_MODIFY_METHOD(bit_test_reset, BIT_TEST_RESET)
BINARY_METHOD(bin_or, OR)
BINARY_METHOD(bin_xor, XOR)
BINARY_METHOD(bin_and, AND)
UNARY_METHOD(bin_not, NOT)
FETCH_BINARY_METHOD(bin_fetch_or, FETCH_OR)
FETCH_BINARY_METHOD(bin_fetch_xor, FETCH_XOR)
FETCH_BINARY_METHOD(bin_fetch_and, FETCH_AND)
FETCH_UNARY_METHOD(bin_fetch_not, FETCH_NOT)
BINARY_METHOD(add, ADD)
BINARY_METHOD(sub, SUB)
UNARY_METHOD(inc, INC)
UNARY_METHOD(dec, DEC)
UNARY_METHOD(neg, NEG)
FETCH_BINARY_METHOD(fetch_add, FETCH_ADD)
FETCH_BINARY_METHOD(fetch_sub, FETCH_SUB)
FETCH_UNARY_METHOD(fetch_inc, FETCH_INC)
FETCH_UNARY_METHOD(fetch_dec, FETCH_DEC)
FETCH_UNARY_METHOD(fetch_neg, FETCH_NEG)

/* ---- forms that return the new value -------------------------------------------------
 * X_fetch runs the core's fetch_X and computes X(old, operand) at the
 * object's width: the value the operation stored, whatever happened after. */

static PyObject *binary_fetch(METHOD_ARGS, atomics_fetch_binary_fn fn, enum atomics_newop op,
                              const atomics_argspec *spec) {
    atomics_order mo;
    unsigned char value[16], ret[16], now[16];
    if (atomics_begin_value(self, args, nargs, kwnames, spec, value, &mo) < 0)
        return NULL;
    fn(self->addr, value, ret, mo);
    atomics_elem_end(self);
    atomics_new_value(op, ret, value, self->width, self->kind == KIND_INT, now);
    return atomics_from_raw(self, now);
}

static PyObject *unary_fetch(METHOD_ARGS, atomics_fetch_unary_fn fn, enum atomics_newop op,
                             const atomics_argspec *spec) {
    atomics_order mo;
    unsigned char ret[16], now[16], one[16] = {0};
    if (atomics_begin_order(self, args, nargs, kwnames, spec, &mo) < 0)
        return NULL;
    fn(self->addr, ret, mo);
    atomics_elem_end(self);
    atomics_put_wide(one, (atomics_wide){1, 0}, self->width);
    atomics_new_value(op, ret, one, self->width, self->kind == KIND_INT, now);
    return atomics_from_raw(self, now);
}

/* atomics_e_NAME: the core's entry FIELD in a shape above, returning the
 * new value by OP (the optype of its errors is NAME: OpType has none). */
#define NEW_VALUE_METHOD(shape, SPEC, name, field, op)                                \
    PyObject *atomics_e_##name(METHOD_ARGS) {                                         \
        static const atomics_argspec spec = SPEC(#name);                              \
        if (self->ops->field == NULL)                                                 \
            return atomics_raise_unsupported_name(self, #name);                       \
        return shape(self, args, nargs, kwnames, self->ops->field, op, &spec);        \
    }
#define BINARY_FETCH_METHOD(name, field, op) NEW_VALUE_METHOD(binary_fetch, SPEC_VALUE, name, field, op)
#define UNARY_FETCH_METHOD(name, field, op) NEW_VALUE_METHOD(unary_fetch, SPEC_ORDER, name, field, op)
BINARY_FETCH_METHOD(add_fetch, fetch_add, NEW_ADD)
BINARY_FETCH_METHOD(sub_fetch, fetch_sub, NEW_SUB)
BINARY_FETCH_METHOD(bin_or_fetch, bin_fetch_or, NEW_OR)
BINARY_FETCH_METHOD(bin_xor_fetch, bin_fetch_xor, NEW_XOR)
BINARY_FETCH_METHOD(bin_and_fetch, bin_fetch_and, NEW_AND)
UNARY_FETCH_METHOD(inc_fetch, fetch_inc, NEW_ADD)
UNARY_FETCH_METHOD(dec_fetch, fetch_dec, NEW_SUB)
UNARY_FETCH_METHOD(neg_fetch, fetch_neg, NEW_NEG)
UNARY_FETCH_METHOD(bin_not_fetch, bin_fetch_not, NEW_NOT)
#undef BINARY_FETCH_METHOD
#undef UNARY_FETCH_METHOD
#undef NEW_VALUE_METHOD
