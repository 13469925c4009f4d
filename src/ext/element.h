/* element.h: the element methods, every operation written once over an
 * element (atomics_elem, atomics_ext.h; docs/design/binding.md). Objects,
 * views and shared objects (atomic.c) and array elements (array.c) make an
 * element and call these; nothing else implements an operation. */
#ifndef ATOMICS_ELEMENT_H
#define ATOMICS_ELEMENT_H

#include "context.h"
#include "module.h"

/* An operation with its arguments after the element: parses, converts,
 * checks, runs between the element's guard, returns the result. */
typedef PyObject *(*atomics_elem_method)(const atomics_elem *el, PyObject *const *args,
                                         Py_ssize_t nargs, PyObject *kwnames);

/* Every element method: X(name, signature class). Integral and bytes
 * elements have the value operations, integral ones the arithmetic too. */
#define ATOMICS_VALUE_OPS(X)                                                          \
    X(load, ORDER) X(store, DESIRED) X(exchange, DESIRED) X(cmpxchg_weak, CMPXCHG)    \
    X(cmpxchg_strong, CMPXCHG) X(bit_test, INDEX) X(bit_test_compl, INDEX)            \
    X(bit_test_set, INDEX) X(bit_test_reset, INDEX) X(bit_compl, INDEX)               \
    X(bit_set, INDEX) X(bit_reset, INDEX) X(bin_or, VALUE) X(bin_xor, VALUE)          \
    X(bin_and, VALUE) X(bin_not, ORDER) X(bin_fetch_or, VALUE) X(bin_fetch_xor, VALUE) \
    X(bin_fetch_and, VALUE) X(bin_fetch_not, ORDER)                                   \
    X(bin_or_fetch, VALUE) X(bin_xor_fetch, VALUE) X(bin_and_fetch, VALUE)            \
    X(bin_not_fetch, ORDER) X(fetch_update, UPDATE) X(wait, WAIT)
#define ATOMICS_ARITHMETIC_OPS(X)                                                     \
    X(add, VALUE) X(sub, VALUE) X(inc, ORDER) X(dec, ORDER) X(neg, ORDER)             \
    X(fetch_add, VALUE) X(fetch_sub, VALUE) X(fetch_inc, ORDER) X(fetch_dec, ORDER)   \
    X(fetch_neg, ORDER)                                                               \
    X(max, VALUE) X(min, VALUE) X(fetch_max, VALUE) X(fetch_min, VALUE)               \
    X(max_fetch, VALUE) X(min_fetch, VALUE) X(add_fetch, VALUE) X(sub_fetch, VALUE)   \
    X(inc_fetch, ORDER) X(dec_fetch, ORDER) X(neg_fetch, ORDER)

/* The 1.0 aliases are the same methods. */
#define atomics_e_bit_compl atomics_e_bit_test_compl
#define atomics_e_bit_set atomics_e_bit_test_set
#define atomics_e_bit_reset atomics_e_bit_test_reset

#define ATOMICS_X_(name, sig)                                                         \
    PyObject *atomics_e_##name(const atomics_elem *el, PyObject *const *args,         \
                               Py_ssize_t nargs, PyObject *kwnames);
ATOMICS_VALUE_OPS(ATOMICS_X_)
ATOMICS_ARITHMETIC_OPS(ATOMICS_X_)
#undef ATOMICS_X_

/* notify_one (all = 0) and notify_all (wait.c): no arguments. */
PyObject *atomics_e_notify(const atomics_elem *el, int all);

/* The wait entries of integral and bytes objects and views (atomic.c
 * defines m_wait, m_notify_one and m_notify_all). */
#define ATOMICS_WAIT_METHODS                                                          \
    {"wait", (PyCFunction)(void (*)(void))m_wait, METH_FASTCALL | METH_KEYWORDS,      \
     "wait($self, /, old, timeout=None, order=atomics.MemoryOrder.SEQ_CST)\n--\n\n"   \
     "Block while the value equals old. Returns True once it differs, False when "    \
     "timeout (seconds; None: no limit; 0: look once) runs out. Woken by "            \
     "notify_one/notify_all, from any thread or process sharing the memory; "         \
     "order is a load order."},                                                       \
    {"notify_one", (PyCFunction)m_notify_one, METH_NOARGS,                            \
     "notify_one($self, /)\n--\n\nWake at least one thread or process blocked in "     \
     "wait on this object (all of them for objects smaller than 4 bytes)."},          \
    {"notify_all", (PyCFunction)m_notify_all, METH_NOARGS,                            \
     "notify_all($self, /)\n--\n\nWake every thread or process blocked in wait on "    \
     "this object."}

/* ---- for the files that define element methods ------------------------------------- */

/* Looks up entry `field` of the element's table, raising UnsupportedOperationException
 * (optype: the OpType member OP) if it is missing. */
#define GET_FN(self, field, OP, fn)                                                   \
    do {                                                                              \
        fn = (self)->ops->field;                                                      \
        if (fn == NULL)                                                               \
            return atomics_raise_unsupported(self, ATOMICS_OP_##OP);                  \
    } while (0)

/* Parameter lists, named after the method for messages. */
#define SPEC_ORDER(name) {name, 0, 1, {"order"}, {NULL}, 0}
#define SPEC_VALUE(name) {name, 1, 2, {"value", "order"}, {NULL}, 0}
#define SPEC_DESIRED(name) {name, 1, 2, {"desired", "order"}, {NULL}, 0}
#define SPEC_INDEX(name) {name, 1, 2, {"index", "order"}, {NULL}, 0}
#define SPEC_CMPXCHG(name)                                                            \
    {name, 2, 4, {"expected", "desired", "success", "failure"}, {NULL, NULL, "succ", "fail"}, 0}

#define PARSE(SPEC, name, argv)                                                       \
    do {                                                                              \
        static const atomics_argspec spec_ = SPEC(name);                              \
        if (atomics_parse_args(&spec_, args, nargs, kwnames, argv) < 0)               \
            return NULL;                                                              \
    } while (0)

#define METHOD_ARGS const atomics_elem *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames

/* The prologue of an operation taking (value, order): parses the arguments
 * by `spec`, converts the value, parses the order and opens the element's
 * guard, in that order (the order of errors 1.0.3 programs see); on success
 * the caller runs the operation and closes the guard (atomics_elem_end). */
static inline int atomics_begin_value(METHOD_ARGS, const atomics_argspec *spec,
                                      unsigned char value[16], atomics_order *mo) {
    PyObject *argv[2];
    if (atomics_parse_args(spec, args, nargs, kwnames, argv) < 0 ||
        atomics_to_raw(self, argv[0], "value", value) < 0 ||
        atomics_parse_order(argv[1], "order", mo) < 0)
        return -1;
    return atomics_elem_begin(self);
}

/* The same for an operation taking (order) only. */
static inline int atomics_begin_order(METHOD_ARGS, const atomics_argspec *spec,
                                      atomics_order *mo) {
    PyObject *argv[1];
    if (atomics_parse_args(spec, args, nargs, kwnames, argv) < 0 ||
        atomics_parse_order(argv[0], "order", mo) < 0)
        return -1;
    return atomics_elem_begin(self);
}

/* A load order argument (NULL: SEQ_CST): MemoryOrderError naming `op` for
 * the orders a load cannot have (RELEASE, ACQ_REL). */
static inline int atomics_parse_load_order(const atomics_elem *el, PyObject *arg, atomics_op op,
                                           atomics_order *mo) {
    if (atomics_parse_order(arg, "order", mo) < 0)
        return -1;
    if (atomics_load_order_ok(*mo))
        return 0;
    atomics_raise_order(el, op, *mo, 0);
    return -1;
}

/* The same for operations OpType has no member for: the optype is `name`. */
#define GET_FN_NAMED(self, expr, name, fn)                                            \
    do {                                                                              \
        const atomics_ops *ops = (self)->ops;                                         \
        fn = (expr);                                                                  \
        if (fn == NULL)                                                               \
            return atomics_raise_unsupported_name(self, name);                        \
    } while (0)

/* The value an operation leaves behind, from the old value and the operand
 * (raw bytes of `width`), for the forms that return the new value (arith.c). */
enum atomics_newop { NEW_ADD, NEW_SUB, NEW_OR, NEW_XOR, NEW_AND, NEW_NOT, NEW_NEG, NEW_MAX, NEW_MIN };
void atomics_new_value(enum atomics_newop op, const unsigned char old_raw[16],
                       const unsigned char arg_raw[16], unsigned width, int is_signed,
                       unsigned char out[16]);

#endif /* ATOMICS_ELEMENT_H */
