/* convert.h: value conversion, argument parsing and the errors every
 * operation raises (convert.c); the common cases stay inline here. */
#ifndef ATOMICS_CONVERT_H
#define ATOMICS_CONVERT_H

#include "atomics_ext.h"

/* Raises ValueError for a view whose context is no longer open. */
int atomics_raise_released(void);


/* The general conversions (any width, any int, bytes-like values). */
int atomics_to_raw_slow(const atomics_elem *self, PyObject *value, const char *argname,
                        unsigned char raw[16]);
PyObject *atomics_from_raw_slow(const atomics_elem *self, const unsigned char raw[16]);

/* A Python value to the object's raw native-endian bytes; TypeError,
 * OverflowError or ValueError when it is not a value of the object. The
 * common case (an int that fits 64 bits, width <= 8) stays inline. */
static inline int atomics_to_raw(const atomics_elem *self, PyObject *value, const char *argname,
                                 unsigned char raw[16]) {
    unsigned width = self->width;
    if (self->kind != KIND_BYTES && width <= 8 && PyLong_Check(value)) {
        int overflow = 0;
        long long v;
        if (atomics_small_int(value, &v)) {
            /* read in place, no call */
        } else {
            v = PyLong_AsLongLongAndOverflow(value, &overflow);
            if (v == -1 && PyErr_Occurred())
                overflow = 1;
        }
        if (!overflow) {
            int in_range;
            if (self->kind == KIND_INT)
                in_range = width == 8 || (v >= -(1LL << (8 * width - 1)) &&
                                          v < (1LL << (8 * width - 1)));
            else
                in_range = v >= 0 && (width == 8 || (unsigned long long)v >> (8 * width) == 0);
            if (in_range) {
                uint64_t u = (uint64_t)v;
                atomics_copy(raw, (const unsigned char *)&u + ATOMICS_RAW64_OFFSET(width), width);
                return 0;
            }
        }
        PyErr_Clear(); /* the general path raises the right error */
    }
    return atomics_to_raw_slow(self, value, argname, raw);
}

/* Raw native-endian bytes to a Python value of the object's kind. */
static inline PyObject *atomics_from_raw(const atomics_elem *self, const unsigned char raw[16]) {
    unsigned width = self->width;
    if (self->kind == KIND_BYTES || width > 8)
        return atomics_from_raw_slow(self, raw);
    uint64_t u = 0;
    atomics_copy((unsigned char *)&u + ATOMICS_RAW64_OFFSET(width), raw, width);
    if (self->kind == KIND_UINT)
        return PyLong_FromUnsignedLongLong(u);
    if (width < 8 && (u >> (8 * width - 1)) & 1)
        u |= ~(uint64_t)0 << (8 * width); /* sign-extend */
    return PyLong_FromLongLong((long long)u);
}

/* A memory order argument (NULL: SEQ_CST) to its value; raises TypeError or
 * ValueError naming `argname` for what is no MemoryOrder. */
int atomics_parse_order_slow(PyObject *arg, const char *argname, atomics_order *out);
static inline int atomics_parse_order(PyObject *arg, const char *argname, atomics_order *out) {
    if (arg == NULL) {
        *out = ATOMICS_SEQ_CST;
        return 0;
    }
    return atomics_parse_order_slow(arg, argname, out);
}

/* Raises UnsupportedOperationException, or ValueError for a released view. */
PyObject *atomics_raise_unsupported(const atomics_elem *el, atomics_op op);
/* The same for an operation OpType (fixed by 1.0) has no member for: its
 * optype is the method's name. */
PyObject *atomics_raise_unsupported_name(const atomics_elem *el, const char *name);
/* Raises MemoryOrderError(optype, order, is_fail). */
PyObject *atomics_raise_order(const atomics_elem *el, atomics_op op, atomics_order order, int is_fail);
/* Raises UnsupportedWidthException(width, readonly). */
int atomics_raise_width(atomics_state *st, Py_ssize_t width, int readonly);

/* Vectorcall arguments to out[0 .. spec->total), NULL where omitted. Calls
 * with positional arguments only never leave this inline part. */
int atomics_parse_args_slow(const atomics_argspec *spec, PyObject *const *args,
                            Py_ssize_t nargs, PyObject *kwnames, PyObject **out);
static inline int atomics_parse_args(const atomics_argspec *spec, PyObject *const *args,
                                     Py_ssize_t nargs, PyObject *kwnames, PyObject **out) {
    int positional = spec->positional ? spec->positional : spec->total;
    if (kwnames == NULL && nargs >= spec->required && nargs <= positional) {
        for (int i = 0; i < spec->total; i++)
            out[i] = i < nargs ? args[i] : NULL;
        return 0;
    }
    return atomics_parse_args_slow(spec, args, nargs, kwnames, out);
}

/* The parameter a keyword names (its name or alias), or -1. */
int atomics_keyword_index(const atomics_argspec *spec, PyObject *key);

/* Keyword-only parsing for constructors (tuple + dict). */
int atomics_parse_kwargs(const char *fname, PyObject *args, PyObject *kwargs,
                         const char *const *names, int required, PyObject **out);

/* An int, or the int an object with __index__ stands for (new reference);
 * TypeError naming `argname` otherwise. */
PyObject *atomics_as_int(PyObject *value, const char *argname);

/* Width from a constructor argument: an int or __index__ object (else
 * TypeError), not negative (ValueError), at most ATOMICS_MAX_WIDTH (else
 * UnsupportedWidthException naming the width as given). */
int atomics_parse_width(atomics_state *st, PyObject *arg, Py_ssize_t *out);
/* bool() of a constructor flag. */
int atomics_parse_flag(PyObject *arg, const char *name, int *out);

/* The export of `buffer`, which must be contiguous; TypeError for an object
 * without the buffer protocol, BufferError for a non-contiguous one. */
int atomics_get_buffer(PyObject *buffer, Py_buffer *view);
/* TypeError for an export whose items hold object references or pointers
 * (numpy dtype=object, format 'O', 'P' or '&'). */
int atomics_refuse_references(const Py_buffer *view);
#ifdef PYPY_VERSION
/* BufferError for a writable buffer: PyPy cannot pin it for a view. */
int atomics_pypy_refuse_writable(PyObject *buffer);
#endif

/* __copy__, __deepcopy__, __reduce__ and __reduce_ex__ of atomic objects
 * and contexts: TypeError, since a copy would share or lose the memory. */
PyObject *atomics_no_copy(PyObject *self, PyObject *unused);
#define ATOMICS_NO_COPY_METHODS                                                       \
    {"__copy__", atomics_no_copy, METH_NOARGS, "Atomic objects cannot be copied."},   \
    {"__deepcopy__", atomics_no_copy, METH_O, "Atomic objects cannot be copied."},    \
    {"__reduce__", atomics_no_copy, METH_NOARGS, "Atomic objects cannot be pickled."},\
    {"__reduce_ex__", atomics_no_copy, METH_O, "Atomic objects cannot be pickled."}


#endif /* ATOMICS_CONVERT_H */
