/* convert.c: Python values to raw memory and back, memory-order arguments,
 * the one argument parser every operation shares, and the exceptions the
 * binding raises. */
#include "convert.h"
#include "context.h"
#include "module.h"

/* ---- integers ---------------------------------------------------------------- */

/* Values wider than 64 bits: two 64-bit halves (atomics_wide, atomics_ext.h). */
typedef atomics_wide wide;
#define get_wide atomics_get_wide
#define put_wide atomics_put_wide

static int raise_too_big(void) {
    PyErr_SetString(PyExc_OverflowError, "int too big to convert");
    return -1;
}

static int raise_negative(void) {
    PyErr_SetString(PyExc_OverflowError, "can't convert negative int to unsigned");
    return -1;
}

/* An int beyond 64 bits, split into its halves: the low 64 bits and the
 * rest, which must fit 64 bits (signed, or unsigned for unsigned objects). */
static int split_wide(PyObject *value, int is_signed, wide *out) {
    PyObject *mask = NULL, *lo_obj = NULL, *sixty_four = NULL, *hi_obj = NULL;
    int rc = -1;
    if (!(mask = PyLong_FromUnsignedLongLong(~0ULL)) ||
        !(lo_obj = PyNumber_And(value, mask)) || !(sixty_four = PyLong_FromLong(64)) ||
        !(hi_obj = PyNumber_Rshift(value, sixty_four)))
        goto done;
    unsigned long long lo = PyLong_AsUnsignedLongLong(lo_obj);
    if (lo == (unsigned long long)-1 && PyErr_Occurred())
        goto done;
    int overflow;
    long long shi = PyLong_AsLongLongAndOverflow(hi_obj, &overflow);
    if (shi == -1 && PyErr_Occurred())
        goto done;
    if (overflow < 0 || (overflow > 0 && is_signed)) {
        raise_too_big();
        goto done;
    }
    if (overflow > 0) { /* unsigned, high half >= 2**63 */
        unsigned long long uhi = PyLong_AsUnsignedLongLong(hi_obj);
        if (uhi == (unsigned long long)-1 && PyErr_Occurred()) {
            PyErr_Clear();
            raise_too_big();
            goto done;
        }
        out->hi = uhi;
    } else {
        out->hi = (uint64_t)shi;
    }
    out->lo = lo;
    rc = 0;
done:
    Py_XDECREF(mask);
    Py_XDECREF(lo_obj);
    Py_XDECREF(sixty_four);
    Py_XDECREF(hi_obj);
    return rc;
}

/* Whether v fits `width` bytes of the given signedness. */
static int fits(wide v, unsigned width, int is_signed) {
    if (width == 16)
        return 1;
    if (width > 8) { /* the high half holds bits - 64 bits */
        unsigned hb = 8 * width - 64;
        if (!is_signed)
            return v.hi >> hb == 0;
        int64_t h = (int64_t)v.hi, lim = (int64_t)1 << (hb - 1);
        return h >= -lim && h < lim;
    }
    /* width <= 8: the high half is only the sign of the low one */
    if (is_signed) {
        int64_t l = (int64_t)v.lo;
        if (v.hi != (l < 0 ? ~(uint64_t)0 : 0))
            return 0;
        if (width == 8)
            return 1;
        int64_t lim = (int64_t)1 << (8 * width - 1);
        return l >= -lim && l < lim;
    }
    return v.hi == 0 && (width == 8 || v.lo >> (8 * width) == 0);
}

/* An int or an __index__ object (numpy integers, say), as a new reference;
 * TypeError naming `argname` for anything else. */
PyObject *atomics_as_int(PyObject *value, const char *argname) {
    if (PyLong_Check(value)) {
        Py_INCREF(value);
        return value;
    }
    if (PyIndex_Check(value))
        return PyNumber_Index(value);
    PyErr_Format(PyExc_TypeError, "'%s' must be an int, not %.100s", argname,
                 Py_TYPE(value)->tp_name);
    return NULL;
}

static int int_to_raw_exact(PyObject *value, unsigned width, int is_signed,
                            unsigned char raw[16]) {
    int overflow;
    long long small = PyLong_AsLongLongAndOverflow(value, &overflow);
    if (small == -1 && PyErr_Occurred())
        return -1;
    wide v;
    if (overflow == 0) {
        if (!is_signed && small < 0)
            return raise_negative();
        v.lo = (uint64_t)small;
        v.hi = small < 0 ? ~(uint64_t)0 : 0;
    } else if (overflow < 0 && !is_signed) {
        return raise_negative();
    } else if (width <= 8) {
        if (overflow < 0 || is_signed || width < 8)
            return raise_too_big();
        unsigned long long u = PyLong_AsUnsignedLongLong(value);
        if (u == (unsigned long long)-1 && PyErr_Occurred()) {
            PyErr_Clear();
            return raise_too_big();
        }
        v.lo = u;
        v.hi = 0;
    } else if (split_wide(value, is_signed, &v) < 0) {
        return -1;
    }
    if (!fits(v, width, is_signed))
        return raise_too_big();
    put_wide(raw, v, width);
    return 0;
}

static int int_to_raw(PyObject *value, unsigned width, int is_signed, const char *argname,
                      unsigned char raw[16]) {
    if (PyLong_Check(value))
        return int_to_raw_exact(value, width, is_signed, raw);
    PyObject *v = atomics_as_int(value, argname);
    if (v == NULL)
        return -1;
    int rc = int_to_raw_exact(v, width, is_signed, raw);
    Py_DECREF(v);
    return rc;
}

static PyObject *raw_to_int(const unsigned char raw[16], unsigned width, int is_signed) {
    wide v = get_wide(raw, width, is_signed);
    if (is_signed) {
        if (v.hi == ((int64_t)v.lo < 0 ? ~(uint64_t)0 : 0))
            return PyLong_FromLongLong((long long)(int64_t)v.lo);
    } else if (v.hi == 0) {
        return PyLong_FromUnsignedLongLong((unsigned long long)v.lo);
    }
    /* beyond 64 bits: high half << 64 | low half */
    PyObject *hi = NULL, *sixty_four = NULL, *shifted = NULL, *lo = NULL, *result = NULL;
    if (is_signed)
        hi = PyLong_FromLongLong((long long)(int64_t)v.hi);
    else
        hi = PyLong_FromUnsignedLongLong((unsigned long long)v.hi);
    if (hi && (sixty_four = PyLong_FromLong(64)) &&
        (shifted = PyNumber_Lshift(hi, sixty_four)) &&
        (lo = PyLong_FromUnsignedLongLong((unsigned long long)v.lo)))
        result = PyNumber_Or(shifted, lo);
    Py_XDECREF(hi);
    Py_XDECREF(sixty_four);
    Py_XDECREF(shifted);
    Py_XDECREF(lo);
    return result;
}

/* ---- bytes ------------------------------------------------------------------------ */

static int bytes_to_raw(PyObject *value, unsigned width, const char *argname,
                        unsigned char raw[16]) {
    if (PyBytes_Check(value)) {
        if (PyBytes_GET_SIZE(value) != (Py_ssize_t)width)
            goto wrong_length;
        atomics_copy(raw, PyBytes_AS_STRING(value), width);
        return 0;
    }
    if (!PyObject_CheckBuffer(value)) {
        PyErr_Format(PyExc_TypeError, "'%s' must be a bytes-like object, not %.100s", argname,
                     Py_TYPE(value)->tp_name);
        return -1;
    }
    Py_buffer view;
    if (PyObject_GetBuffer(value, &view, PyBUF_C_CONTIGUOUS) < 0)
        return -1;
    int ok = view.len == (Py_ssize_t)width;
    if (ok)
        atomics_copy(raw, view.buf, width);
    PyBuffer_Release(&view);
    if (ok)
        return 0;
wrong_length:
    PyErr_Format(PyExc_ValueError, "'%s' must be exactly %u bytes long", argname, width);
    return -1;
}

int atomics_to_raw_slow(const atomics_elem *self, PyObject *value, const char *argname,
                        unsigned char raw[16]) {
    if (self->kind == KIND_BYTES)
        return bytes_to_raw(value, self->width, argname, raw);
    return int_to_raw(value, self->width, self->kind == KIND_INT, argname, raw);
}

PyObject *atomics_from_raw_slow(const atomics_elem *self, const unsigned char raw[16]) {
    if (self->kind == KIND_BYTES)
        return PyBytes_FromStringAndSize((const char *)raw, self->width);
    return raw_to_int(raw, self->width, self->kind == KIND_INT);
}

/* ---- buffers -------------------------------------------------------------------- */

/* Whether a struct-module format describes items that are more than plain
 * bytes and numbers: Python object references ('O') or pointers ('P', '&').
 * Field names (between colons) are skipped. */
static int format_has_references(const char *format) {
    for (const char *c = format; c != NULL && *c; c++) {
        if (*c == ':') {
            c = strchr(c + 1, ':');
            if (c == NULL)
                return 0;
        } else if (*c == 'O' || *c == 'P' || *c == '&') {
            return 1;
        }
    }
    return 0;
}

#ifdef PYPY_VERSION
/* PyPy's cpyext gives a writable pointer when asked, but does not hold the
 * exporter's memory in place while exported (a bytearray can be resized, an
 * mmap closed, under a view), and it leaves `readonly` unset in some
 * exports. A view could write into freed memory: writable buffers are
 * refused for views, never quietly made read-only. (Alignment checks, which
 * only look at the address, take any buffer.) */
int atomics_pypy_refuse_writable(PyObject *buffer) {
    Py_buffer probe;
    if (!PyObject_CheckBuffer(buffer))
        return 0; /* atomics_get_buffer reports it */
    if (PyObject_GetBuffer(buffer, &probe, PyBUF_WRITABLE) < 0) {
        PyErr_Clear(); /* read-only: fine */
        return 0;
    }
    PyBuffer_Release(&probe);
    PyErr_Format(PyExc_BufferError,
                 "writable buffers (%.100s) are not supported on PyPy: its C API cannot "
                 "give one that stays valid while in use (the owner may resize or close "
                 "it); use atomics.atomic() for memory of its own",
                 Py_TYPE(buffer)->tp_name);
    return -1;
}
#endif

int atomics_get_buffer(PyObject *buffer, Py_buffer *view) {
    if (!PyObject_CheckBuffer(buffer)) {
        PyErr_Format(PyExc_TypeError, "'buffer' must support the buffer protocol, not %.100s",
                     Py_TYPE(buffer)->tp_name);
        return -1;
    }
    if (PyObject_GetBuffer(buffer, view, PyBUF_RECORDS_RO) < 0)
        return -1;
#ifdef PYPY_VERSION
    view->readonly = 1;
#endif
    if (!PyBuffer_IsContiguous(view, 'A')) {
        PyBuffer_Release(view);
        PyErr_SetString(PyExc_BufferError, "'buffer' must be contiguous");
        return -1;
    }
    return 0;
}

int atomics_refuse_references(const Py_buffer *view) {
    /* an atomic write over a PyObject* would corrupt reference counts */
    if (!format_has_references(view->format))
        return 0;
    PyErr_Format(PyExc_TypeError,
                 "'buffer' holds object references or pointers (format '%.50s'): atomic "
                 "objects need memory of plain bytes or numbers",
                 view->format);
    return -1;
}

/* Atomic objects and contexts refuse copy.copy, copy.deepcopy and pickle. */
PyObject *atomics_no_copy(PyObject *self, PyObject *unused) {
    (void)unused;
    PyErr_Format(PyExc_TypeError,
                 "cannot copy or pickle '%.100s' objects: they refer to memory (or a buffer "
                 "export) that a copy would either share by accident or lose",
                 atomics_type_name(Py_TYPE(self)));
    return NULL;
}

/* ---- memory orders ------------------------------------------------------------- */

int atomics_parse_order_slow(PyObject *arg, const char *argname, atomics_order *out) {
    if (!PyLong_Check(arg)) {
        PyErr_Format(PyExc_TypeError, "'%s' must be a MemoryOrder or an int, not %.100s",
                     argname, Py_TYPE(arg)->tp_name);
        return -1;
    }
    int overflow;
    long v = PyLong_AsLongAndOverflow(arg, &overflow);
    if (v == -1 && PyErr_Occurred())
        return -1;
    /* CONSUME (1) is deliberately not one of the Python MemoryOrders */
    if (overflow || !atomics_is_valid_order((int)v) || v == ATOMICS_CONSUME) {
        PyErr_Format(PyExc_ValueError, "'%s': %R is not a valid MemoryOrder", argname, arg);
        return -1;
    }
    *out = (atomics_order)v;
    return 0;
}

/* ---- exceptions -------------------------------------------------------------------- */

int atomics_raise_released(void) {
    PyErr_SetString(PyExc_ValueError,
                    "the view has been released (its context was exited or released)");
    return -1;
}

/* Instantiates one of the Python-level exceptions and raises it. */
static void raise_exc(PyObject *exc_type, PyObject *args /* stolen */) {
    if (args == NULL)
        return;
    PyObject *exc = PyObject_Call(exc_type, args, NULL);
    Py_DECREF(args);
    if (exc) {
        PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
        Py_DECREF(exc);
    }
}

static PyObject *enum_member(PyObject *enum_type, long value) {
    return PyObject_CallFunction(enum_type, "l", value);
}

/* UnsupportedOperationException(optype, width, readonly), or ValueError for
 * a released view; optype is a new reference, NULL if making it failed. */
static PyObject *raise_unsupported(const atomics_elem *el, PyObject *optype) {
    if (optype == NULL)
        return NULL;
    if (atomics_elem_begin(el) < 0) {
        Py_DECREF(optype);
        return NULL; /* a released view: ValueError */
    }
    atomics_elem_end(el);
    atomics_state *st = atomics_state_of_type(el->type);
    if (st == NULL) {
        Py_DECREF(optype);
        return NULL;
    }
    raise_exc(st->UnsupportedOperationException,
              Py_BuildValue("(NiO)", optype, (int)el->width,
                            (el->flags & AF_READONLY) ? Py_True : Py_False));
    return NULL;
}

PyObject *atomics_raise_unsupported(const atomics_elem *el, atomics_op op) {
    atomics_state *st = atomics_state_of_type(el->type);
    return st ? raise_unsupported(el, enum_member(st->OpType, op)) : NULL;
}

PyObject *atomics_raise_unsupported_name(const atomics_elem *el, const char *name) {
    return raise_unsupported(el, PyUnicode_FromString(name));
}

PyObject *atomics_raise_order(const atomics_elem *el, atomics_op op, atomics_order order,
                              int is_fail) {
    atomics_state *st = atomics_state_of_type(el->type);
    if (st == NULL)
        return NULL;
    PyObject *optype = enum_member(st->OpType, op);
    PyObject *mo = optype ? enum_member(st->MemoryOrder, order) : NULL;
    if (mo)
        raise_exc(st->MemoryOrderError,
                  Py_BuildValue("(OOO)", optype, mo, is_fail ? Py_True : Py_False));
    Py_XDECREF(optype);
    Py_XDECREF(mo);
    return NULL;
}

int atomics_raise_width(atomics_state *st, Py_ssize_t width, int readonly) {
    raise_exc(st->UnsupportedWidthException,
              Py_BuildValue("(nO)", width, readonly ? Py_True : Py_False));
    return -1;
}

/* ---- arguments ------------------------------------------------------------------------ */

int atomics_keyword_index(const atomics_argspec *spec, PyObject *key) {
    for (int i = 0; i < spec->total; i++) {
        if (PyUnicode_CompareWithASCIIString(key, spec->names[i]) == 0)
            return i;
        if (spec->aliases[i] && PyUnicode_CompareWithASCIIString(key, spec->aliases[i]) == 0)
            return i;
    }
    return -1;
}

int atomics_parse_args_slow(const atomics_argspec *spec, PyObject *const *args,
                            Py_ssize_t nargs, PyObject *kwnames, PyObject **out) {
    int positional = spec->positional ? spec->positional : spec->total;
    if (nargs > positional) {
        PyErr_Format(PyExc_TypeError, "%s() takes at most %d positional argument%s (%zd given)",
                     spec->fname, positional, positional == 1 ? "" : "s", nargs);
        return -1;
    }
    for (int i = 0; i < spec->total; i++)
        out[i] = i < nargs ? args[i] : NULL;
    if (kwnames != NULL) {
        Py_ssize_t nkw = PyTuple_GET_SIZE(kwnames);
        for (Py_ssize_t k = 0; k < nkw; k++) {
            PyObject *key = PyTuple_GET_ITEM(kwnames, k);
            int i = atomics_keyword_index(spec, key);
            if (i < 0) {
                PyErr_Format(PyExc_TypeError, "%s() got an unexpected keyword argument '%U'",
                             spec->fname, key);
                return -1;
            }
            if (out[i] != NULL) {
                PyErr_Format(PyExc_TypeError, "%s() got multiple values for argument '%s'",
                             spec->fname, spec->names[i]);
                return -1;
            }
            out[i] = args[nargs + k];
        }
    }
    for (int i = 0; i < spec->required; i++) {
        if (out[i] == NULL) {
            PyErr_Format(PyExc_TypeError, "%s() missing required argument '%s'", spec->fname,
                         spec->names[i]);
            return -1;
        }
    }
    return 0;
}

int atomics_parse_kwargs(const char *fname, PyObject *args, PyObject *kwargs,
                         const char *const *names, int required, PyObject **out) {
    int n = 0;
    while (names[n])
        n++;
    Py_ssize_t nargs = args ? PyTuple_GET_SIZE(args) : 0;
    if (nargs > n) {
        PyErr_Format(PyExc_TypeError, "%s() takes at most %d arguments (%zd given)", fname, n,
                     nargs);
        return -1;
    }
    for (int i = 0; i < n; i++)
        out[i] = i < nargs ? PyTuple_GET_ITEM(args, i) : NULL;
    if (kwargs) {
        PyObject *key, *value;
        Py_ssize_t pos = 0;
        while (PyDict_Next(kwargs, &pos, &key, &value)) {
            int i = -1;
            for (int j = 0; j < n && i < 0; j++)
                if (PyUnicode_Check(key) && PyUnicode_CompareWithASCIIString(key, names[j]) == 0)
                    i = j;
            if (i < 0) {
                PyErr_Format(PyExc_TypeError, "%s() got an unexpected keyword argument '%S'",
                             fname, key);
                return -1;
            }
            if (out[i]) {
                PyErr_Format(PyExc_TypeError, "%s() got multiple values for argument '%s'",
                             fname, names[i]);
                return -1;
            }
            out[i] = value;
        }
    }
    for (int i = 0; i < required; i++) {
        if (!out[i]) {
            PyErr_Format(PyExc_TypeError, "%s() missing required argument '%s'", fname,
                         names[i]);
            return -1;
        }
    }
    return 0;
}

int atomics_parse_width(atomics_state *st, PyObject *arg, Py_ssize_t *out) {
    PyObject *w = atomics_as_int(arg, "width");
    if (w == NULL)
        return -1;
    int overflow, rc = 0;
    long long v = PyLong_AsLongLongAndOverflow(w, &overflow);
    if (v == -1 && PyErr_Occurred()) {
        rc = -1;
    } else if (overflow < 0 || (!overflow && v < 0)) {
        PyErr_SetString(PyExc_ValueError, "Negative width");
        rc = -1;
    } else if (overflow || v > ATOMICS_MAX_WIDTH) {
        /* report the width as given, however large */
        raise_exc(st->UnsupportedWidthException, Py_BuildValue("(OO)", w, Py_False));
        rc = -1;
    } else {
        *out = (Py_ssize_t)v;
    }
    Py_DECREF(w);
    return rc;
}

int atomics_parse_flag(PyObject *arg, const char *name, int *out) {
    if (!PyBool_Check(arg) && !PyLong_Check(arg)) {
        PyErr_Format(PyExc_TypeError, "'%s' must be a bool, not %.100s", name,
                     Py_TYPE(arg)->tp_name);
        return -1;
    }
    int v = PyObject_IsTrue(arg);
    if (v < 0)
        return -1;
    *out = v;
    return 0;
}
