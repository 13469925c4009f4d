/* more_ops.c: the operations beyond atomics 1.0. Max and min are core
 * operations (signed for INT, unsigned for UINT); the forms that return the
 * new value compute it here from the old value a fetch_* returned (no core
 * operation of their own); fetch_update is a compare-and-swap loop around a
 * Python function; and the module functions: fences, the spin hint and the
 * support queries. Like every operation, these touch the object's memory
 * only between atomics_op_begin and atomics_op_end, and run no Python code
 * in between. */
#include "more_ops.h"

#define ATOMICS_MORE_ARGS_ const atomics_elem *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames

/* ---- shared pieces ------------------------------------------------------------ */

/* The table, or NULL with ValueError for an object not initialised. */
/* UnsupportedOperationException for an operation OpType (fixed by 1.0) has
 * no member for: its optype is the method's name. A released view raises
 * ValueError instead, as for every other operation. */
static PyObject *raise_unsupported(const atomics_elem *self, const char *name) {
    if (atomics_elem_begin(self) < 0)
        return NULL;
    atomics_elem_end(self);
    atomics_state *st = atomics_state_of_type(self->type);
    if (st == NULL)
        return NULL;
    PyObject *exc = PyObject_CallFunction(st->UnsupportedOperationException, "siO", name,
                                          (int)self->width,
                                          (self->flags & AF_READONLY) ? Py_True : Py_False);
    if (exc != NULL) {
        PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
        Py_DECREF(exc);
    }
    return NULL;
}

/* Looks up a table entry, raising for a missing one under the method's name. */
#define GET_FN(self, expr, name, fn)                                                  \
    do {                                                                              \
        const atomics_ops *ops = (self)->ops;                                         \
        fn = (expr);                                                                  \
        if (fn == NULL)                                                               \
            return raise_unsupported(self, name);                                     \
    } while (0)

/* Values as two 64-bit halves (atomics_wide, atomics_ext.h), zero-extended,
 * for computing a new value from an old one. */
typedef atomics_wide wide;
#define get_wide(raw, width) atomics_get_wide(raw, width, 0)
#define put_wide atomics_put_wide

/* a < b as unsigned numbers, or as signed ones of `width` bytes (the sign
 * bit flipped makes signed order unsigned order) */
static int wide_lt(wide a, wide b, unsigned width, int is_signed) {
    if (is_signed) {
        unsigned bit = 8 * width - 1;
        if (bit < 64)
            a.lo ^= (uint64_t)1 << bit, b.lo ^= (uint64_t)1 << bit;
        else
            a.hi ^= (uint64_t)1 << (bit - 64), b.hi ^= (uint64_t)1 << (bit - 64);
    }
    return a.hi < b.hi || (a.hi == b.hi && a.lo < b.lo);
}

enum newop { NEW_ADD, NEW_SUB, NEW_OR, NEW_XOR, NEW_AND, NEW_NOT, NEW_NEG, NEW_MAX, NEW_MIN };

/* The value `op` leaves behind, from the old value and the operand (raw
 * bytes of `width`); bytes beyond the width are left to put_wide to drop. */
static void new_value(enum newop op, const unsigned char old_raw[16], const unsigned char arg_raw[16],
                      unsigned width, int is_signed, unsigned char out[16]) {
    wide a = get_wide(old_raw, width), b = get_wide(arg_raw, width), r;
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
    put_wide(out, r, width);
}

#define SPEC_VALUE(name) {name, 1, 2, {"value", "order"}, {NULL}, 0}
#define SPEC_ORDER(name) {name, 0, 1, {"order"}, {NULL}, 0}

/* ---- max and min ------------------------------------------------------------------ */

enum result { RESULT_NONE, RESULT_OLD, RESULT_NEW };

static PyObject *minmax(ATOMICS_MORE_ARGS_, int is_max, enum result want, const char *name,
                        const atomics_argspec *spec) {
    PyObject *argv[2];
    atomics_fetch_binary_fn fn;
    atomics_order mo;
    unsigned char value[16], ret[16], now[16];
    int is_signed = self->kind == KIND_INT;
    GET_FN(self,
           is_max ? (is_signed ? ops->fetch_max_s : ops->fetch_max_u)
                  : (is_signed ? ops->fetch_min_s : ops->fetch_min_u),
           name, fn);
    if (atomics_parse_args(spec, args, nargs, kwnames, argv) < 0 ||
        atomics_to_raw(self, argv[0], "value", value) < 0 ||
        atomics_parse_order(argv[1], "order", &mo) < 0 || atomics_elem_begin(self) < 0)
        return NULL;
    fn(self->addr, value, ret, mo);
    atomics_elem_end(self);
    if (want == RESULT_NONE)
        Py_RETURN_NONE;
    if (want == RESULT_NEW) {
        new_value(is_max ? NEW_MAX : NEW_MIN, ret, value, self->width, is_signed, now);
        return atomics_from_raw(self, now);
    }
    return atomics_from_raw(self, ret);
}

#define MINMAX_METHOD(name, is_max, want)                                             \
    PyObject *atomics_e_##name(ATOMICS_MORE_ARGS_) {                                  \
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

/* ---- forms that return the new value -------------------------------------------------
 * X_fetch runs the core's fetch_X and computes X(old, operand) at the
 * object's width: the value the operation stored, whatever happened after. */

static PyObject *binary_fetch(ATOMICS_MORE_ARGS_, atomics_fetch_binary_fn fn, enum newop op,
                              const atomics_argspec *spec) {
    PyObject *argv[2];
    atomics_order mo;
    unsigned char value[16], ret[16], now[16];
    if (atomics_parse_args(spec, args, nargs, kwnames, argv) < 0 ||
        atomics_to_raw(self, argv[0], "value", value) < 0 ||
        atomics_parse_order(argv[1], "order", &mo) < 0 || atomics_elem_begin(self) < 0)
        return NULL;
    fn(self->addr, value, ret, mo);
    atomics_elem_end(self);
    new_value(op, ret, value, self->width, self->kind == KIND_INT, now);
    return atomics_from_raw(self, now);
}

static PyObject *unary_fetch(ATOMICS_MORE_ARGS_, atomics_fetch_unary_fn fn, enum newop op,
                             const atomics_argspec *spec) {
    PyObject *argv[1];
    atomics_order mo;
    unsigned char ret[16], now[16], one[16] = {0};
    if (atomics_parse_args(spec, args, nargs, kwnames, argv) < 0 ||
        atomics_parse_order(argv[0], "order", &mo) < 0 || atomics_elem_begin(self) < 0)
        return NULL;
    fn(self->addr, ret, mo);
    atomics_elem_end(self);
    put_wide(one, (wide){1, 0}, self->width);
    new_value(op, ret, one, self->width, self->kind == KIND_INT, now);
    return atomics_from_raw(self, now);
}

#define BINARY_FETCH_METHOD(name, field, op)                                          \
    PyObject *atomics_e_##name(ATOMICS_MORE_ARGS_) {                                  \
        static const atomics_argspec spec = SPEC_VALUE(#name);                        \
        atomics_fetch_binary_fn fn;                                                   \
        GET_FN(self, ops->field, #name, fn);                                          \
        return binary_fetch(self, args, nargs, kwnames, fn, op, &spec);               \
    }
#define UNARY_FETCH_METHOD(name, field, op)                                           \
    PyObject *atomics_e_##name(ATOMICS_MORE_ARGS_) {                                  \
        static const atomics_argspec spec = SPEC_ORDER(#name);                        \
        atomics_fetch_unary_fn fn;                                                    \
        GET_FN(self, ops->field, #name, fn);                                          \
        return unary_fetch(self, args, nargs, kwnames, fn, op, &spec);                \
    }
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

PyObject *atomics_e_fetch_update(ATOMICS_MORE_ARGS_) {
    static const atomics_argspec spec = {
        "fetch_update", 1, 4, {"fn", "order", "fail_order", "max_retries"}, {NULL}, 3};
    PyObject *argv[4];
    atomics_load_fn load;
    atomics_cmpxchg_fn cas;
    atomics_order mo, fail;
    long long max_retries = DEFAULT_MAX_RETRIES;
    unsigned char seen[16], desired[16];
    GET_FN(self, ops->load, "fetch_update", load);
    GET_FN(self, ops->cmpxchg_strong, "fetch_update", cas);
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

/* ---- module functions ------------------------------------------------------------------- */

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
