/* batch.c: whole-array operations of integral arrays. One call runs one C
 * loop over a batch: arr.add_at(indexes, values) is, for each k,
 * arr.add(indexes[k], values[k]) as the core does it (the array's operation
 * table), with no Python object per element.
 *
 * Inputs. Indexes and values are read in place from any one-dimensional
 * buffer of integers (array.array, numpy arrays of any integer dtype and
 * byte order, strided slices, memoryview casts), or converted from a Python
 * sequence (a list, a tuple, a range...) into a private C array first.
 * Values may also be one int for every index.
 *
 * All or nothing. A first pass reads every index and value and checks it
 * (IndexError, OverflowError) before any element is touched. The second pass
 * reads each again into a local, checks it again and only then operates: a
 * buffer that another thread or process changes between the passes can make
 * the second check fail (ValueError: changed during the call, the earlier
 * elements done), never make the loop touch memory outside the array. An
 * index or value buffer that overlaps the array's own memory is copied
 * before the first pass, so the batch reads what it held at the call. An
 * out= buffer overlapping the array or an input is refused. add_at ...
 * min_at on a batch at least as long as the array take one pass instead
 * (combine_all): values merged per element, then one atomic operation per
 * element that changes.
 *
 * The GIL. Batches of BATCH_NOGIL elements or more run with the GIL released
 * (on free-threaded builds: detached), so threads of one process scale. The
 * loop runs no Python code and holds, for the whole call, the export of
 * every buffer it reads or writes (the array holds its own for its life):
 * none of them can be resized or closed under it (the exporter raises
 * BufferError in the thread that tries). */
#include "batch.h"
#include "convert.h"

/* Batches this long release the GIL around the loops. */
#define BATCH_NOGIL 2048
/* add_at ... min_at combine repeated indexes first (combine_all) in batches
 * this long that are at least as long as the array. */
#define BATCH_COMBINE 256

/* ---- integers in buffers -------------------------------------------------------- */

/* A buffer's item format: its size (1, 2, 4 or 8) | FMT_SIGNED | FMT_SWAP
 * (stored in the other byte order than this machine's). */
#define FMT_SIZE 0x0f
#define FMT_SIGNED 0x10
#define FMT_SWAP 0x20

/* The format of a buffer of integers, or -1: struct codes b B h H i I l L q
 * Q n N, optionally after a byte order character. */
static int int_format(const Py_buffer *view) {
    const char *f = view->format ? view->format : "B";
    int swap = 0;
    switch (*f) {
    case '@':
    case '=':
        f++;
        break;
    case '<':
        swap = ATOMICS_BIG_ENDIAN;
        f++;
        break;
    case '>':
    case '!':
        swap = !ATOMICS_BIG_ENDIAN;
        f++;
        break;
    default:
        break;
    }
    if (f[0] == '\0' || f[1] != '\0' || strchr("bBhHiIlLqQnN", f[0]) == NULL)
        return -1;
    Py_ssize_t size = view->itemsize;
    if (size != 1 && size != 2 && size != 4 && size != 8)
        return -1;
    return (int)size | (f[0] >= 'a' ? FMT_SIGNED : 0) | (swap && size > 1 ? FMT_SWAP : 0);
}

/* An integer read from a buffer: `u` its two's complement bits, `neg`
 * whether it is negative (then u is the value as an int64_t). */
typedef struct {
    uint64_t u;
    int neg;
} bint;

static inline uint16_t bswap16(uint16_t v) { return (uint16_t)((v >> 8) | (v << 8)); }
static inline uint32_t bswap32(uint32_t v) {
    return ((v & 0xffu) << 24) | ((v & 0xff00u) << 8) | ((v >> 8) & 0xff00u) | (v >> 24);
}
static inline uint64_t bswap64(uint64_t v) {
    return ((uint64_t)bswap32((uint32_t)v) << 32) | bswap32((uint32_t)(v >> 32));
}

static inline bint read_int(const char *p, int fmt) {
    bint r;
    int is_signed = fmt & FMT_SIGNED, swap = fmt & FMT_SWAP;
    switch (fmt & FMT_SIZE) {
    case 1: {
        uint8_t v;
        memcpy(&v, p, 1);
        r.u = is_signed ? (uint64_t)(int64_t)(int8_t)v : v;
        break;
    }
    case 2: {
        uint16_t v;
        memcpy(&v, p, 2);
        if (swap)
            v = bswap16(v);
        r.u = is_signed ? (uint64_t)(int64_t)(int16_t)v : v;
        break;
    }
    case 4: {
        uint32_t v;
        memcpy(&v, p, 4);
        if (swap)
            v = bswap32(v);
        r.u = is_signed ? (uint64_t)(int64_t)(int32_t)v : v;
        break;
    }
    default: {
        uint64_t v;
        memcpy(&v, p, 8);
        if (swap)
            v = bswap64(v);
        r.u = v;
        break;
    }
    }
    r.neg = is_signed && (r.u >> 63) != 0;
    return r;
}

/* The low size bytes of u, stored in the format's byte order. */
static inline void write_int(char *p, int fmt, uint64_t u) {
    int swap = fmt & FMT_SWAP;
    switch (fmt & FMT_SIZE) {
    case 1: {
        uint8_t v = (uint8_t)u;
        memcpy(p, &v, 1);
        break;
    }
    case 2: {
        uint16_t v = (uint16_t)u;
        if (swap)
            v = bswap16(v);
        memcpy(p, &v, 2);
        break;
    }
    case 4: {
        uint32_t v = (uint32_t)u;
        if (swap)
            v = bswap32(v);
        memcpy(p, &v, 4);
        break;
    }
    default:
        if (swap)
            u = bswap64(u);
        memcpy(p, &u, 8);
        break;
    }
}

/* ---- sources: indexes and values --------------------------------------------------- */

/* Where a batch's integers come from: a buffer read in place (`held`), a
 * private copy (`owned`: a sequence converted, or an overlapping buffer
 * copied), or, for values, one raw value for all (`scalar`). */
typedef struct {
    Py_buffer view;
    int held;
    const char *base;
    Py_ssize_t stride, n;
    int fmt;
    char *owned;             /* PyMem_Malloc'd copy, or NULL */
    int raw;                 /* items are raw element values (width bytes), not buffer ints */
    int scalar;              /* one value for all: raw1 */
    unsigned char raw1[16];
} source;

static void source_release(source *s) {
    if (s->held) {
        PyBuffer_Release(&s->view);
        s->held = 0;
    }
    PyMem_Free(s->owned);
    s->owned = NULL;
}

/* The bytes a strided buffer's items span. */
static void span_of(const char *base, Py_ssize_t stride, Py_ssize_t n, Py_ssize_t itemsize,
                    const char **lo, const char **hi) {
    if (n == 0) {
        *lo = *hi = base;
        return;
    }
    const char *last = base + (n - 1) * stride;
    *lo = stride < 0 ? last : base;
    *hi = (stride < 0 ? base : last) + itemsize;
}

static int spans_overlap(const char *a0, const char *a1, const char *b0, const char *b1) {
    return (uintptr_t)a0 < (uintptr_t)b1 && (uintptr_t)b0 < (uintptr_t)a1 && a0 != a1 && b0 != b1;
}

/* A one-dimensional buffer of integers from `obj` (0), or 1 if obj has no
 * buffer protocol (nothing raised), 2 if it is a zero-dimensional buffer
 * (one number; nothing held), or -1 with TypeError/ValueError. */
static int source_buffer(PyObject *obj, const char *what, int writable, source *s) {
    if (!PyObject_CheckBuffer(obj))
        return 1;
    if (PyObject_GetBuffer(obj, &s->view,
                           PyBUF_FORMAT | PyBUF_STRIDES | (writable ? PyBUF_WRITABLE : 0)) < 0)
        return -1;
    s->held = 1;
    if (s->view.ndim > 1) {
        PyErr_Format(PyExc_ValueError, "%s must be one-dimensional, not %d-dimensional", what,
                     s->view.ndim);
        return -1;
    }
    s->fmt = int_format(&s->view);
    if (s->fmt < 0) {
        PyErr_Format(PyExc_TypeError, "%s must hold integers (buffer format '%s' does not)",
                     what, s->view.format ? s->view.format : "B");
        return -1;
    }
    s->base = s->view.buf;
    if (s->view.ndim == 0) {
        /* one number (a numpy scalar or 0-d array): the caller decides */
        PyBuffer_Release(&s->view);
        s->held = 0;
        return 2;
    } else {
        s->n = s->view.shape ? s->view.shape[0] : s->view.len / s->view.itemsize;
        s->stride = s->view.strides ? s->view.strides[0] : s->view.itemsize;
    }
    return 0;
}

/* Copies a held buffer source whose items overlap [lo, hi) into private
 * memory, so the batch reads what it held at the call. */
static int source_unalias(source *s, const unsigned char *lo, const unsigned char *hi) {
    const char *a, *b;
    if (!s->held)
        return 0;
    Py_ssize_t size = s->fmt & FMT_SIZE;
    span_of(s->base, s->stride, s->n, size, &a, &b);
    if (!spans_overlap(a, b, (const char *)lo, (const char *)hi))
        return 0;
    char *copy = PyMem_Malloc(s->n ? (size_t)s->n * (size_t)size : 1);
    if (copy == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t k = 0; k < s->n; k++)
        memcpy(copy + k * size, s->base + k * s->stride, (size_t)size);
    s->owned = copy;
    s->base = copy;
    s->stride = size;
    return 0;
}

/* Indexes (or bit numbers) from a buffer or a sequence of ints. */
static int source_indexes(PyObject *obj, const char *what, source *s) {
    int r = source_buffer(obj, what, 0, s);
    if (r <= 0)
        return r;
    if (r == 2 || PyLong_Check(obj) || PyIndex_Check(obj) || PyUnicode_Check(obj)) {
        PyErr_Format(PyExc_TypeError,
                     "%s must be a buffer or a sequence of ints, not %.100s (one element: use "
                     "the element operation)",
                     what, Py_TYPE(obj)->tp_name);
        return -1;
    }
    PyObject *seq = PySequence_Tuple(obj) /* a list could shrink under an __index__ */;
    if (seq == NULL) {
        if (PyErr_ExceptionMatches(PyExc_TypeError)) /* not iterable; else the iterator's error */
            PyErr_Format(PyExc_TypeError, "%s must be a buffer or a sequence of ints, not %.100s",
                         what, Py_TYPE(obj)->tp_name);
        return -1;
    }
    Py_ssize_t n = PyTuple_GET_SIZE(seq);
    int64_t *v = PyMem_Malloc(n ? (size_t)n * sizeof(int64_t) : 1);
    if (v == NULL) {
        Py_DECREF(seq);
        PyErr_NoMemory();
        return -1;
    }
    s->owned = (char *)v;
    for (Py_ssize_t k = 0; k < n; k++) {
        PyObject *item = PyTuple_GET_ITEM(seq, k);
        PyObject *i = atomics_as_int(item, what);
        if (i == NULL) {
            Py_DECREF(seq);
            return -1;
        }
        int overflow;
        long long x = PyLong_AsLongLongAndOverflow(i, &overflow);
        Py_DECREF(i);
        if (overflow)
            x = overflow < 0 ? INT64_MIN : INT64_MAX; /* out of range either way */
        v[k] = (int64_t)x;
    }
    Py_DECREF(seq);
    s->base = (const char *)v;
    s->n = n;
    s->stride = 8;
    s->fmt = 8 | FMT_SIGNED;
    return 0;
}

/* ---- the elements ------------------------------------------------------------------ */

/* The array's element 0 as an element (atomics_ext.h), for the conversions
 * and the exceptions the element operations raise: no guard, the array
 * holds its buffer export for its whole life. */
static void elem_of(const atomics_array_info *info, atomics_elem *el) {
    el->addr = info->addr;
    el->ops = info->ops;
    el->guard = NULL;
    el->type = info->element_type;
    el->width = (uint8_t)info->width;
    el->kind = (uint8_t)info->kind;
    el->flags = (uint8_t)(info->flags | AF_INIT);
}

/* What the loops know of the array's elements. */
typedef struct {
    unsigned char *addr;
    Py_ssize_t length;
    unsigned width;
    int is_signed;
    /* the range of values a buffer integer may have: negative ones down to
     * min_neg (none if !is_signed), others up to max_u */
    int64_t min_neg;
    uint64_t max_u;
} elements;

static void elements_of(const atomics_array_info *info, elements *e) {
    e->addr = info->addr;
    e->length = info->length;
    e->width = info->width;
    e->is_signed = (info->flags & AF_SIGNED) != 0;
    unsigned bits = 8 * info->width;
    if (e->is_signed) {
        e->min_neg = bits >= 64 ? INT64_MIN : -((int64_t)1 << (bits - 1));
        e->max_u = bits > 64 ? UINT64_MAX : bits == 64 ? (uint64_t)INT64_MAX
                                                       : ((uint64_t)1 << (bits - 1)) - 1;
    } else {
        e->min_neg = 0;
        e->max_u = bits >= 64 ? UINT64_MAX : ((uint64_t)1 << bits) - 1;
    }
}

static inline int value_fits(const elements *e, bint v) {
    return v.neg ? e->is_signed && (int64_t)v.u >= e->min_neg : v.u <= e->max_u;
}

/* A checked integer as the element's raw native-endian bytes. */
static inline void value_to_raw(const elements *e, bint v, unsigned char raw[16]) {
    if (e->width <= 8) {
        atomics_copy(raw, (const unsigned char *)&v.u + ATOMICS_RAW64_OFFSET(e->width), e->width);
    } else {
        atomics_wide w;
        w.lo = v.u;
        w.hi = v.neg ? UINT64_MAX : 0;
        atomics_put_wide(raw, w, e->width);
    }
}

/* Raw element bytes (width <= 8) as 64 bits, sign-extended for signed elements. */
static inline uint64_t raw_to_u64(const elements *e, const unsigned char raw[16]) {
    uint64_t u = 0;
    unsigned w = e->width;
    unsigned char *p = (unsigned char *)&u;
    /* constant lengths, each within u (atomics_copy's 16-byte case is not) */
    switch (w) {
    case 1: memcpy(p + ATOMICS_RAW64_OFFSET(1), raw, 1); break;
    case 2: memcpy(p + ATOMICS_RAW64_OFFSET(2), raw, 2); break;
    case 4: memcpy(p + ATOMICS_RAW64_OFFSET(4), raw, 4); break;
    default: memcpy(p, raw, 8); break;
    }
    if (e->is_signed && w < 8 && (u >> (8 * w - 1)) & 1)
        u |= ~(uint64_t)0 << (8 * w);
    return u;
}

/* One Python value as the element's raw bytes (the element operations'
 * conversion and errors). */
static int scalar_to_raw(const atomics_array_info *info, PyObject *obj, const char *argname,
                         unsigned char raw[16]) {
    atomics_elem el;
    elem_of(info, &el);
    if (el.width > 8) /* what atomics_to_raw does; said here, GCC 12 sees the range */
        return atomics_to_raw_slow(&el, obj, argname, raw);
    return atomics_to_raw(&el, obj, argname, raw);
}

/* Values: one int, or a buffer or sequence of as many as `n`. */
static int source_values(PyObject *obj, const atomics_array_info *info, Py_ssize_t n,
                         const char *noun, source *s) {
    if (obj == NULL || PyLong_Check(obj) || (PyIndex_Check(obj) && !PyObject_CheckBuffer(obj))) {
        /* one value for every index */
        s->scalar = 1;
        s->raw = 1;
        if (obj == NULL) {
            PyObject *one = PyLong_FromLong(1);
            int r = one ? scalar_to_raw(info, one, "values", s->raw1) : -1;
            Py_XDECREF(one);
            return r;
        }
        return scalar_to_raw(info, obj, "values", s->raw1);
    }
    int r = source_buffer(obj, "values", 0, s);
    if (r < 0)
        return -1;
    if (r == 2) {
        s->scalar = 1;
        s->raw = 1;
        return scalar_to_raw(info, obj, "values", s->raw1);
    }
    if (r == 1) {
        if (PyUnicode_Check(obj)) {
            PyErr_SetString(PyExc_TypeError, "values must be an int, a buffer or a sequence of ints");
            return -1;
        }
        PyObject *seq = PySequence_Tuple(obj) /* a list could shrink under an __index__ */;
        if (seq == NULL) {
            if (PyErr_ExceptionMatches(PyExc_TypeError))
                PyErr_Format(PyExc_TypeError,
                             "values must be an int, a buffer or a sequence of ints, not %.100s",
                             Py_TYPE(obj)->tp_name);
            return -1;
        }
        Py_ssize_t m = PyTuple_GET_SIZE(seq);
        if (m != n) {
            Py_DECREF(seq);
            PyErr_Format(PyExc_ValueError, "%zd values for %zd %s", m, n, noun);
            return -1;
        }
        unsigned w = info->width;
        unsigned char *raw = PyMem_Malloc(m ? (size_t)m * w : 1);
        if (raw == NULL) {
            Py_DECREF(seq);
            PyErr_NoMemory();
            return -1;
        }
        s->owned = (char *)raw;
        for (Py_ssize_t k = 0; k < m; k++) {
            unsigned char one[16];
            if (scalar_to_raw(info, PyTuple_GET_ITEM(seq, k), "values", one) < 0) {
                Py_DECREF(seq);
                return -1;
            }
            memcpy(raw + (size_t)k * w, one, w);
        }
        Py_DECREF(seq);
        s->raw = 1;
        s->base = (const char *)raw;
        s->stride = w;
        s->n = m;
        return 0;
    }
    if (s->n != n) {
        PyErr_Format(PyExc_ValueError, "%zd values for %zd %s", s->n, n, noun);
        return -1;
    }
    return 0;
}

/* ---- outputs ------------------------------------------------------------------------ */

/* Where old values go: a caller's buffer (out=) or a new array.array, both
 * held as `view`; for 16-byte elements without out=, a private raw array
 * turned into a list at the end. */
typedef struct {
    Py_buffer view;
    int held;
    char *base;
    Py_ssize_t stride;
    int fmt;
    PyObject *result;       /* what the call returns (new reference) */
    unsigned char *wide;    /* 16-byte elements: n raw values */
} output;

static void output_release(output *o) {
    if (o->held) {
        PyBuffer_Release(&o->view);
        o->held = 0;
    }
    PyMem_Free(o->wide);
    o->wide = NULL;
    Py_CLEAR(o->result);
}

/* array.array's typecode for n-byte integers, or 0. */
static char typecode(unsigned width, int is_signed) {
    char c = 0;
    switch (width) {
    case 1: c = 'b'; break;
    case 2: c = 'h'; break;
    case 4: c = sizeof(int) == 4 ? 'i' : sizeof(long) == 4 ? 'l' : 0; break;
    case 8: c = sizeof(long long) == 8 ? 'q' : 0; break;
    default: break;
    }
    return c && !is_signed ? (char)(c - 'a' + 'A') : c;
}

/* A zeroed array.array('c') of n items (new reference). */
static PyObject *new_array(char c, Py_ssize_t n) {
    PyObject *mod = PyImport_ImportModule("array");
    if (mod == NULL)
        return NULL;
    PyObject *one = PyObject_CallMethod(mod, "array", "C[i]", (int)c, 0);
    Py_DECREF(mod);
    if (one == NULL)
        return NULL;
    PyObject *all = PySequence_Repeat(one, n);
    Py_DECREF(one);
    return all;
}

/* Sets up `o` for n results of `width` bytes (signed or not; is_signed < 0:
 * bits, which any integer holds): out= when given (writable,
 * one-dimensional, n integers that hold every result), else a new
 * array.array (a list for 16 bytes). */
static int output_open(PyObject *out, Py_ssize_t n, unsigned width, int is_signed,
                       output *o) {
    source s;
    memset(&s, 0, sizeof s);
    if (out != NULL && out != Py_None) {
        if (width > 8) {
            PyErr_SetString(PyExc_TypeError,
                            "out= needs elements of 8 bytes or less: no buffer format holds "
                            "16-byte integers (leave it out for a list)");
            return -1;
        }
        int r = source_buffer(out, "out", 1, &s);
        if (r == 1 || r == 2) {
            PyErr_Format(PyExc_TypeError, "out must be a writable buffer of integers, not %.100s",
                         Py_TYPE(out)->tp_name);
            return -1;
        }
        if (r < 0) {
            source_release(&s);
            return -1;
        }
        unsigned size = (unsigned)(s.fmt & FMT_SIZE);
        int out_signed = (s.fmt & FMT_SIGNED) != 0;
        /* every value fits: as wide and as signed, or wider and signed (the
         * unsigned ones); never negative values into unsigned items */
        if (is_signed >= 0 && (size < width || (is_signed && !out_signed) ||
                               (size == width && out_signed != is_signed))) {
            PyErr_Format(PyExc_TypeError,
                         "out's items (%u bytes, %s) cannot hold every %u-byte %s value",
                         size, out_signed ? "signed" : "unsigned", width,
                         is_signed ? "signed" : "unsigned");
            source_release(&s);
            return -1;
        }
        if (s.n != n) {
            PyErr_Format(PyExc_ValueError, "out has %zd items for %zd results", s.n, n);
            source_release(&s);
            return -1;
        }
        o->view = s.view;
        o->held = 1;
        o->base = (char *)s.base;
        o->stride = s.stride;
        o->fmt = s.fmt;
        Py_INCREF(out);
        o->result = out;
        return 0;
    }
    if (width > 8) {
        o->wide = PyMem_Malloc(n ? (size_t)n * 16 : 1);
        if (o->wide == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        return 0;
    }
    char c = typecode(width, is_signed > 0);
    o->result = c ? new_array(c, n) : NULL;
    if (o->result == NULL) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_SystemError, "no array.array typecode for this width");
        return -1;
    }
    if (source_buffer(o->result, "out", 1, &s) != 0) {
        source_release(&s);
        return -1;
    }
    o->view = s.view;
    o->held = 1;
    o->base = (char *)s.base;
    o->stride = s.stride;
    o->fmt = s.fmt;
    return 0;
}

/* The call's result, once the loop has filled `o` (new reference). */
static PyObject *output_finish(output *o, Py_ssize_t n, const atomics_array_info *info) {
    if (o->wide != NULL) {
        atomics_elem el;
        elem_of(info, &el);
        PyObject *list = PyList_New(n);
        for (Py_ssize_t k = 0; list && k < n; k++) {
            PyObject *v = atomics_from_raw(&el, o->wide + (size_t)k * 16);
            if (v == NULL)
                Py_CLEAR(list);
            else
                PyList_SET_ITEM(list, k, v);
        }
        return list;
    }
    PyObject *r = o->result;
    o->result = NULL;
    return r;
}

/* ---- the loops ---------------------------------------------------------------------- */

enum batch_kind {
    K_BINARY,       /* fn(obj, value, mo) */
    K_FETCH,        /* fn(obj, value, ret, mo), ret to the output */
    K_BIT,          /* bit_modify(obj, bit, mo), result dropped */
    K_BIT_FETCH,    /* bit_modify(obj, bit, mo) to the output */
    K_BIT_TEST,     /* bit_test(obj, bit, mo) to the output */
    K_LOAD,         /* load(obj, ret, mo), every element in order */
    K_STORE         /* store(obj, value, mo), every element in order */
};

typedef struct {
    int kind;
    void (*fn)(void);
    atomics_order mo;
    elements e;
    const source *idx;  /* NULL: every element in order */
    const source *val;  /* NULL: none */
    output *out;        /* NULL: none */
    Py_ssize_t n;
    Py_ssize_t limit;   /* indexes: elements, or bits for the bit operations */
    unsigned bit_shift; /* log2(8 * width) */
    /* combining (combine_all): how repeated indexes merge (C_*; C_NONE: no
     * combining), one accumulator per element */
    int combine;
    uint64_t *acc;
    /* the failure, if any */
    int err;
    Py_ssize_t at;
    bint bad;
} job;

enum { E_NONE, E_INDEX, E_VALUE, E_INDEX_CHANGED, E_VALUE_CHANGED };
enum { C_NONE, C_ADD, C_AND, C_OR, C_XOR, C_MAX, C_MIN };

/* index k, normalised (negative counts from the end), or -1 if out of range */
static inline Py_ssize_t index_at(const job *j, Py_ssize_t k, bint *r) {
    *r = read_int(j->idx->base + k * j->idx->stride, j->idx->fmt);
    if (r->neg) {
        int64_t i = (int64_t)r->u + (int64_t)j->limit;
        return i >= 0 ? (Py_ssize_t)i : -1;
    }
    return r->u < (uint64_t)j->limit ? (Py_ssize_t)r->u : -1;
}

/* value k as raw element bytes (checked: 0, else -1), or the scalar */
static inline int value_at(const job *j, Py_ssize_t k, const unsigned char **raw,
                           unsigned char tmp[16], bint *r) {
    const source *v = j->val;
    if (v->scalar) {
        *raw = v->raw1;
        return 0;
    }
    if (v->raw) {
        *raw = (const unsigned char *)v->base + (size_t)k * j->e.width;
        return 0;
    }
    *r = read_int(v->base + k * v->stride, v->fmt);
    if (!value_fits(&j->e, *r))
        return -1;
    value_to_raw(&j->e, *r, tmp);
    *raw = tmp;
    return 0;
}

static inline void put_result(const job *j, Py_ssize_t k, const unsigned char ret[16]) {
    output *o = j->out;
    if (o->wide != NULL)
        memcpy(o->wide + (size_t)k * 16, ret, 16);
    else
        write_int(o->base + k * o->stride, o->fmt, raw_to_u64(&j->e, ret));
}

/* The first pass: every index and value checked, nothing touched. */
static void check_all(job *j) {
    bint r;
    if (j->idx != NULL) {
        for (Py_ssize_t k = 0; k < j->n; k++) {
            if (index_at(j, k, &r) < 0) {
                j->err = E_INDEX, j->at = k, j->bad = r;
                return;
            }
        }
    }
    if (j->val != NULL && !j->val->scalar && !j->val->raw) {
        for (Py_ssize_t k = 0; k < j->n; k++) {
            r = read_int(j->val->base + k * j->val->stride, j->val->fmt);
            if (!value_fits(&j->e, r)) {
                j->err = E_VALUE, j->at = k, j->bad = r;
                return;
            }
        }
    }
}

/* The second pass: each index and value read once more, checked, used. */
static void run_all(job *j) {
    unsigned char tmp[16], ret[16];
    const unsigned char *raw = NULL;
    bint r;
    const unsigned w = j->e.width;
    unsigned char *const addr = j->e.addr;
    const atomics_order mo = j->mo;
    for (Py_ssize_t k = 0; k < j->n; k++) {
        Py_ssize_t i = k;
        if (j->idx != NULL && (i = index_at(j, k, &r)) < 0) {
            j->err = E_INDEX_CHANGED, j->at = k, j->bad = r;
            return;
        }
        if (j->val != NULL && value_at(j, k, &raw, tmp, &r) < 0) {
            j->err = E_VALUE_CHANGED, j->at = k, j->bad = r;
            return;
        }
        switch (j->kind) {
        case K_BINARY:
            ((atomics_binary_fn)j->fn)(addr + (size_t)i * w, raw, mo);
            break;
        case K_FETCH:
            ((atomics_fetch_binary_fn)j->fn)(addr + (size_t)i * w, raw, ret, mo);
            put_result(j, k, ret);
            break;
        case K_STORE:
            ((atomics_store_fn)j->fn)(addr + (size_t)i * w, raw, mo);
            break;
        case K_LOAD:
            ((atomics_load_fn)j->fn)(addr + (size_t)i * w, ret, mo);
            put_result(j, k, ret);
            break;
        default: {
            /* the bit operations: bit i of the whole array */
            unsigned char *obj = addr + ((size_t)i >> j->bit_shift) * w;
            unsigned bit = (unsigned)((size_t)i & ((1u << j->bit_shift) - 1));
            int old = j->kind == K_BIT_TEST ? ((atomics_bit_test_fn)j->fn)(obj, bit, mo)
                                            : ((atomics_bit_modify_fn)j->fn)(obj, bit, mo);
            if (j->kind != K_BIT)
                write_int(j->out->base + k * j->out->stride, j->out->fmt, (uint64_t)(old != 0));
            break;
        }
        }
    }
}

/* The indexed operations without results (add_at ... min_at) on a batch at
 * least as long as the array: one pass reads and checks each index and value
 * once and merges the values per element in private memory (add and sub:
 * their sum, modulo 2^64, which is the same modulo the element's width; and,
 * or, xor, max, min: those of the values), then each element that changes
 * gets one atomic operation. The elements end exactly as with one operation per index;
 * what differs is what another thread can watch meanwhile: no element's
 * intermediate values, and the elements change in index order, not batch
 * order (the batch is not atomic as a whole either way). A locked
 * read-modify-write per index is what bounds the plain loop (about 20 cycles
 * on x86-64); this one costs a plain add per index. Nothing is touched on
 * an error. */
ATOMICS_INLINE void combine_loop(job *j, const int op, const int ifmt, const Py_ssize_t istride,
                                 const int scalar) {
    const elements *e = &j->e;
    const source *v = j->val;
    const int signed_cmp = e->is_signed;
    /* each accumulator starts at the operation's identity: an element left
     * at it needs no operation (or one that changes nothing) */
    uint64_t id = 0;
    if (op == C_AND)
        id = UINT64_MAX;
    else if (op == C_MAX)
        id = signed_cmp ? (uint64_t)INT64_MIN : 0;
    else if (op == C_MIN)
        id = signed_cmp ? (uint64_t)INT64_MAX : UINT64_MAX;
    /* locals: the accumulators' stores cannot then alias what the loop reads */
    uint64_t *const acc = j->acc;
    const Py_ssize_t n = j->n, length = e->length, vstride = v->stride;
    const unsigned w = e->width;
    const int raw = v->raw, vfmt = v->fmt;
    const char *const ibase = j->idx->base, *const vbase = v->base;
    const uint64_t x1 = scalar ? raw_to_u64(e, v->raw1) : 0;
    for (Py_ssize_t i = 0; i < length; i++)
        acc[i] = id;
    for (Py_ssize_t k = 0; k < n; k++) {
        bint r = read_int(ibase + k * istride, ifmt);
        Py_ssize_t i;
        if (r.neg) {
            int64_t t = (int64_t)r.u + (int64_t)length;
            i = t >= 0 ? (Py_ssize_t)t : -1;
        } else {
            i = r.u < (uint64_t)length ? (Py_ssize_t)r.u : -1;
        }
        if (i < 0) {
            j->err = E_INDEX, j->at = k, j->bad = r;
            return;
        }
        uint64_t x;
        if (scalar) {
            x = x1;
        } else if (raw) {
            x = raw_to_u64(e, (const unsigned char *)vbase + (size_t)k * w);
        } else {
            bint b = read_int(vbase + k * vstride, vfmt);
            if (!value_fits(e, b)) {
                j->err = E_VALUE, j->at = k, j->bad = b;
                return;
            }
            x = b.u; /* sign-extended: what raw_to_u64 gives for the same value */
        }
        uint64_t a = acc[i];
        switch (op) {
        case C_ADD: a += x; break;
        case C_AND: a &= x; break;
        case C_OR: a |= x; break;
        case C_XOR: a ^= x; break;
        case C_MAX:
            if (signed_cmp ? (int64_t)x > (int64_t)a : x > a)
                a = x;
            break;
        default: /* C_MIN */
            if (signed_cmp ? (int64_t)x < (int64_t)a : x < a)
                a = x;
            break;
        }
        acc[i] = a;
    }
    atomics_binary_fn fn = (atomics_binary_fn)j->fn;
    for (Py_ssize_t i = 0; i < length; i++) {
        if (acc[i] == id)
            continue;
        unsigned char bytes[16];
        memcpy(bytes, (const unsigned char *)&acc[i] + ATOMICS_RAW64_OFFSET(w), w);
        fn(e->addr + (size_t)i * w, bytes, j->mo);
    }
}

/* combine_loop, with the common histogram case (a contiguous int64 or
 * intptr buffer of indexes, one value for all) as its own copy: the
 * constants take the format and operation switches out of its loop
 * (3-4x faster on 10^6 indexes into 4096 bins). */
static void combine_all(job *j) {
    const int ifmt = j->idx->fmt;
    const Py_ssize_t istride = j->idx->stride;
    if (j->combine == C_ADD && j->val->scalar && ifmt == (8 | FMT_SIGNED) && istride == 8)
        combine_loop(j, C_ADD, 8 | FMT_SIGNED, 8, 1);
    else
        combine_loop(j, j->combine, ifmt, istride, j->val->scalar);
}

static void run_steps(job *j) {
    if (j->combine != C_NONE) {
        combine_all(j);
        return;
    }
    check_all(j);
    if (j->err == E_NONE)
        run_all(j);
}

static void run_job(job *j) {
    if (j->n >= BATCH_NOGIL) {
        Py_BEGIN_ALLOW_THREADS
        run_steps(j);
        Py_END_ALLOW_THREADS
    } else {
        run_steps(j);
    }
}

static void format_rint(char *buf, size_t size, bint r) {
    if (r.neg)
        PyOS_snprintf(buf, size, "%lld", (long long)(int64_t)r.u);
    else
        PyOS_snprintf(buf, size, "%llu", (unsigned long long)r.u);
}

/* The exception for a failed job. */
static void raise_job(const job *j, const char *what) {
    char v[32];
    format_rint(v, sizeof v, j->bad);
    switch (j->err) {
    case E_INDEX:
        PyErr_Format(PyExc_IndexError,
                     "%s[%zd] = %s is out of range for %zd %s (nothing was changed)", what, j->at,
                     v, j->limit, j->bit_shift ? "bits" : "elements");
        break;
    case E_VALUE:
        PyErr_Format(PyExc_OverflowError,
                     "values[%zd] = %s does not fit a %u-byte %s element (nothing was changed)",
                     j->at, v, j->e.width, j->e.is_signed ? "signed" : "unsigned");
        break;
    case E_INDEX_CHANGED:
    case E_VALUE_CHANGED:
        PyErr_Format(PyExc_ValueError,
                     "%s[%zd] changed to %s during the call, which is out of range; the "
                     "elements before it were done",
                     j->err == E_INDEX_CHANGED ? what : "values", j->at, v);
        break;
    default:
        break;
    }
}

/* ---- the methods ------------------------------------------------------------------- */

/* UnsupportedOperationException as the element operation raises it (a
 * read-only array, or a width this memory cannot do it at): op, or the
 * element operation's name when OpType has no member for it. */
static PyObject *raise_unsupported(const atomics_array_info *info, atomics_op op,
                                   const char *name) {
    atomics_elem el;
    elem_of(info, &el);
    if (op != ATOMICS_OP_NONE)
        return atomics_raise_unsupported(&el, op);
    return atomics_raise_unsupported_name(&el, name);
}

/* MemoryOrderError as the element operation raises it. */
static PyObject *raise_order(const atomics_array_info *info, atomics_op op, atomics_order mo) {
    atomics_elem el;
    elem_of(info, &el);
    return atomics_raise_order(&el, op, mo, 0);
}

/* Refuses an out= buffer overlapping the array or an input. */
static int check_out_alone(const output *o, Py_ssize_t n, const atomics_array_info *info,
                           const source *idx, const source *val) {
    const char *a, *b, *c, *d;
    if (!o->held || o->result == NULL)
        return 0;
    span_of(o->base, o->stride, n, o->fmt & FMT_SIZE, &a, &b);
    const char *lo = (const char *)info->addr, *hi = lo + (size_t)info->length * info->width;
    int clash = spans_overlap(a, b, lo, hi);
    const source *srcs[2] = {idx, val};
    for (int s = 0; s < 2 && !clash; s++) {
        const source *x = srcs[s];
        if (x == NULL || x->scalar || x->owned != NULL || !x->held)
            continue;
        span_of(x->base, x->stride, x->n, x->fmt & FMT_SIZE, &c, &d);
        clash = spans_overlap(a, b, c, d);
    }
    if (clash) {
        PyErr_SetString(PyExc_ValueError,
                        "out must not share memory with the array, the indexes or the values");
        return -1;
    }
    return 0;
}

/* What each indexed operation is. */
typedef struct {
    const char *name;
    int kind;
    atomics_op op;       /* for UnsupportedOperationException; NONE: by name */
    const char *op_name; /* the element operation's name when op is NONE */
    size_t offset;       /* of the function in atomics_ops; signed variant */
    size_t offset_u;     /* unsigned variant (max/min), else = offset */
    int values_default;  /* values may be left out (1) */
    int combine;         /* how repeated indexes merge (combine_all), or C_NONE */
} batch_op;

#define OFF(f) offsetof(atomics_ops, f)
enum {
    B_ADD, B_SUB, B_AND, B_OR, B_XOR, B_MAX, B_MIN,
    B_FADD, B_FSUB, B_FAND, B_FOR, B_FXOR, B_FMAX, B_FMIN,
    B_BSET, B_BRESET, B_BCOMPL, B_BTEST, B_BTSET, B_BTRESET, B_BTCOMPL
};
static const batch_op batch_ops[] = {
    [B_ADD] = {"add_at", K_BINARY, ATOMICS_OP_ADD, NULL, OFF(add), OFF(add), 1, C_ADD},
    [B_SUB] = {"sub_at", K_BINARY, ATOMICS_OP_SUB, NULL, OFF(sub), OFF(sub), 1, C_ADD},
    [B_AND] = {"and_at", K_BINARY, ATOMICS_OP_AND, NULL, OFF(bin_and), OFF(bin_and), 0, C_AND},
    [B_OR] = {"or_at", K_BINARY, ATOMICS_OP_OR, NULL, OFF(bin_or), OFF(bin_or), 0, C_OR},
    [B_XOR] = {"xor_at", K_BINARY, ATOMICS_OP_XOR, NULL, OFF(bin_xor), OFF(bin_xor), 0, C_XOR},
    [B_MAX] = {"max_at", K_BINARY, ATOMICS_OP_NONE, "max", OFF(max_s), OFF(max_u), 0, C_MAX},
    [B_MIN] = {"min_at", K_BINARY, ATOMICS_OP_NONE, "min", OFF(min_s), OFF(min_u), 0, C_MIN},
    [B_FADD] = {"fetch_add_at", K_FETCH, ATOMICS_OP_FETCH_ADD, NULL, OFF(fetch_add), OFF(fetch_add), 1, C_NONE},
    [B_FSUB] = {"fetch_sub_at", K_FETCH, ATOMICS_OP_FETCH_SUB, NULL, OFF(fetch_sub), OFF(fetch_sub), 1, C_NONE},
    [B_FAND] = {"fetch_and_at", K_FETCH, ATOMICS_OP_FETCH_AND, NULL, OFF(bin_fetch_and), OFF(bin_fetch_and), 0, C_NONE},
    [B_FOR] = {"fetch_or_at", K_FETCH, ATOMICS_OP_FETCH_OR, NULL, OFF(bin_fetch_or), OFF(bin_fetch_or), 0, C_NONE},
    [B_FXOR] = {"fetch_xor_at", K_FETCH, ATOMICS_OP_FETCH_XOR, NULL, OFF(bin_fetch_xor), OFF(bin_fetch_xor), 0, C_NONE},
    [B_FMAX] = {"fetch_max_at", K_FETCH, ATOMICS_OP_NONE, "fetch_max", OFF(fetch_max_s), OFF(fetch_max_u), 0, C_NONE},
    [B_FMIN] = {"fetch_min_at", K_FETCH, ATOMICS_OP_NONE, "fetch_min", OFF(fetch_min_s), OFF(fetch_min_u), 0, C_NONE},
    [B_BSET] = {"bit_set_at", K_BIT, ATOMICS_OP_BIT_TEST_SET, NULL, OFF(bit_test_set), OFF(bit_test_set), 0, C_NONE},
    [B_BRESET] = {"bit_reset_at", K_BIT, ATOMICS_OP_BIT_TEST_RESET, NULL, OFF(bit_test_reset), OFF(bit_test_reset), 0, C_NONE},
    [B_BCOMPL] = {"bit_compl_at", K_BIT, ATOMICS_OP_BIT_TEST_COMPL, NULL, OFF(bit_test_compl), OFF(bit_test_compl), 0, C_NONE},
    [B_BTEST] = {"bit_test_at", K_BIT_TEST, ATOMICS_OP_BIT_TEST, NULL, OFF(bit_test), OFF(bit_test), 0, C_NONE},
    [B_BTSET] = {"bit_test_set_at", K_BIT_FETCH, ATOMICS_OP_BIT_TEST_SET, NULL, OFF(bit_test_set), OFF(bit_test_set), 0, C_NONE},
    [B_BTRESET] = {"bit_test_reset_at", K_BIT_FETCH, ATOMICS_OP_BIT_TEST_RESET, NULL, OFF(bit_test_reset), OFF(bit_test_reset), 0, C_NONE},
    [B_BTCOMPL] = {"bit_test_compl_at", K_BIT_FETCH, ATOMICS_OP_BIT_TEST_COMPL, NULL, OFF(bit_test_compl), OFF(bit_test_compl), 0, C_NONE},
};
#undef OFF

static void (*table_fn(const atomics_ops *ops, size_t offset))(void) {
    void (*fn)(void);
    memcpy(&fn, (const char *)ops + offset, sizeof fn);
    return fn;
}

static unsigned log2u(unsigned v) {
    unsigned s = 0;
    while ((1u << s) < v)
        s++;
    return s;
}

/* Every indexed operation: parse, resolve, gather the inputs, run. */
static PyObject *batch_indexed(int which, PyObject *self, PyObject *const *args,
                               Py_ssize_t nargs, PyObject *kwnames) {
    const batch_op *bop = &batch_ops[which];
    int is_bit = bop->kind == K_BIT || bop->kind == K_BIT_FETCH || bop->kind == K_BIT_TEST;
    int has_values = !is_bit, has_out = bop->kind == K_FETCH || bop->kind == K_BIT_FETCH ||
                                        bop->kind == K_BIT_TEST;
    atomics_array_info info;
    atomics_array_info_of(self, &info);
    void (*fn)(void) = info.ops == NULL ? NULL
                       : table_fn(info.ops, (info.flags & AF_SIGNED) ? bop->offset : bop->offset_u);
    if (fn == NULL)
        return raise_unsupported(&info, bop->op, bop->op_name);

    /* indexes, values, order, out (those the operation has) */
    PyObject *argv[4] = {NULL, NULL, NULL, NULL};
    atomics_argspec spec;
    memset(&spec, 0, sizeof spec);
    spec.fname = bop->name;
    spec.required = has_values && !bop->values_default ? 2 : 1;
    int t = 0;
    spec.names[t++] = is_bit ? "bits" : "indexes";
    if (has_values)
        spec.names[t++] = "values";
    spec.names[t++] = "order";
    if (has_out)
        spec.names[t++] = "out";
    spec.total = t;
    PyObject *got[4] = {NULL, NULL, NULL, NULL};
    if (atomics_parse_args(&spec, args, nargs, kwnames, got) < 0)
        return NULL;
    t = 0;
    argv[0] = got[t++];
    if (has_values)
        argv[1] = got[t++];
    argv[2] = got[t++];
    if (has_out)
        argv[3] = got[t++];

    job j;
    memset(&j, 0, sizeof j);
    if (atomics_parse_order(argv[2], "order", &j.mo) < 0)
        return NULL;
    if (bop->kind == K_BIT_TEST && !atomics_load_order_ok(j.mo))
        return raise_order(&info, ATOMICS_OP_BIT_TEST, j.mo);

    source idx, val;
    output out;
    memset(&idx, 0, sizeof idx);
    memset(&val, 0, sizeof val);
    memset(&out, 0, sizeof out);
    PyObject *result = NULL;
    const unsigned char *lo = info.addr, *hi = info.addr + (size_t)info.length * info.width;
    const char *what = is_bit ? "bits" : "indexes";
    if (source_indexes(argv[0], what, &idx) < 0 || source_unalias(&idx, lo, hi) < 0)
        goto done;
    if (has_values &&
        (source_values(argv[1], &info, idx.n, "indexes", &val) < 0 || source_unalias(&val, lo, hi) < 0))
        goto done;
    if (has_out) {
        int sign = is_bit ? -1 : (info.flags & AF_SIGNED) != 0;
        if (output_open(argv[3], idx.n, is_bit ? 1 : info.width, sign, &out) < 0 ||
            check_out_alone(&out, idx.n, &info, &idx, has_values ? &val : NULL) < 0)
            goto done;
    }
    j.kind = bop->kind;
    j.fn = fn;
    elements_of(&info, &j.e);
    j.idx = &idx;
    j.val = has_values ? &val : NULL;
    j.out = has_out ? &out : NULL;
    j.n = idx.n;
    j.limit = info.length;
    if (is_bit) {
        j.bit_shift = log2u(8 * info.width);
        if (info.length > (PY_SSIZE_T_MAX >> j.bit_shift)) {
            PyErr_SetString(PyExc_OverflowError, "the array has too many bits to number");
            goto done;
        }
        j.limit = info.length << j.bit_shift;
    }
    if (bop->combine != C_NONE && info.width <= 8 && j.n >= BATCH_COMBINE &&
        info.length <= j.n) {
        /* the private memory is at most 8 bytes per index; without it, the
         * operations run one per index */
        j.acc = PyMem_Malloc(info.length ? (size_t)info.length * sizeof(uint64_t) : 1);
        if (j.acc != NULL)
            j.combine = bop->combine;
        else
            PyErr_Clear();
    }
    run_job(&j);
    PyMem_Free(j.acc);
    if (j.err != E_NONE) {
        raise_job(&j, what);
        goto done;
    }
    if (has_out)
        result = output_finish(&out, j.n, &info);
    else {
        Py_INCREF(Py_None);
        result = Py_None;
    }
done:
    source_release(&idx);
    source_release(&val);
    output_release(&out);
    return result;
}

#define ATOMICS_X_(name, B)                                                           \
    PyObject *atomics_batch_##name(ATOMICS_BATCH_ARGS_) {                            \
        return batch_indexed(B, self, args, nargs, kwnames);                         \
    }
ATOMICS_X_(add_at, B_ADD)
ATOMICS_X_(sub_at, B_SUB)
ATOMICS_X_(and_at, B_AND)
ATOMICS_X_(or_at, B_OR)
ATOMICS_X_(xor_at, B_XOR)
ATOMICS_X_(max_at, B_MAX)
ATOMICS_X_(min_at, B_MIN)
ATOMICS_X_(fetch_add_at, B_FADD)
ATOMICS_X_(fetch_sub_at, B_FSUB)
ATOMICS_X_(fetch_and_at, B_FAND)
ATOMICS_X_(fetch_or_at, B_FOR)
ATOMICS_X_(fetch_xor_at, B_FXOR)
ATOMICS_X_(fetch_max_at, B_FMAX)
ATOMICS_X_(fetch_min_at, B_FMIN)
ATOMICS_X_(bit_set_at, B_BSET)
ATOMICS_X_(bit_reset_at, B_BRESET)
ATOMICS_X_(bit_compl_at, B_BCOMPL)
ATOMICS_X_(bit_test_at, B_BTEST)
ATOMICS_X_(bit_test_set_at, B_BTSET)
ATOMICS_X_(bit_test_reset_at, B_BTRESET)
ATOMICS_X_(bit_test_compl_at, B_BTCOMPL)
#undef ATOMICS_X_

/* load_all(order, out) and tolist(): every element, one load each. */
static PyObject *load_all(PyObject *self, PyObject *order_arg, PyObject *out_arg) {
    atomics_array_info info;
    atomics_array_info_of(self, &info);
    if (info.ops == NULL || info.ops->load == NULL)
        return raise_unsupported(&info, ATOMICS_OP_LOAD, NULL);
    job j;
    memset(&j, 0, sizeof j);
    if (atomics_parse_order(order_arg, "order", &j.mo) < 0)
        return NULL;
    if (!atomics_load_order_ok(j.mo))
        return raise_order(&info, ATOMICS_OP_LOAD, j.mo);
    output out;
    memset(&out, 0, sizeof out);
    PyObject *result = NULL;
    if (output_open(out_arg, info.length, info.width, (info.flags & AF_SIGNED) != 0, &out) < 0 ||
        check_out_alone(&out, info.length, &info, NULL, NULL) < 0)
        goto done;
    j.kind = K_LOAD;
    j.fn = (void (*)(void))info.ops->load;
    elements_of(&info, &j.e);
    j.out = &out;
    j.n = info.length;
    j.limit = info.length;
    run_job(&j);
    result = output_finish(&out, j.n, &info);
done:
    output_release(&out);
    return result;
}

PyObject *atomics_batch_load_all(ATOMICS_BATCH_ARGS_) {
    static const atomics_argspec spec = {"load_all", 0, 2, {"order", "out"}, {NULL}, 0};
    PyObject *argv[2];
    if (atomics_parse_args(&spec, args, nargs, kwnames, argv) < 0)
        return NULL;
    return load_all(self, argv[0], argv[1]);
}

PyObject *atomics_batch_tolist(PyObject *self, PyObject *unused) {
    (void)unused;
    PyObject *values = load_all(self, NULL, NULL);
    if (values == NULL || PyList_CheckExact(values))
        return values;
    PyObject *list = PySequence_List(values);
    Py_DECREF(values);
    return list;
}

/* store_all(values, order) and fill(value, order). */
static PyObject *store_all(PyObject *self, PyObject *const *args, Py_ssize_t nargs,
                           PyObject *kwnames, int broadcast) {
    static const atomics_argspec spec_all = {"store_all", 1, 2, {"values", "order"}, {NULL}, 0};
    static const atomics_argspec spec_fill = {"fill", 1, 2, {"value", "order"}, {NULL}, 0};
    atomics_array_info info;
    atomics_array_info_of(self, &info);
    if (info.ops == NULL || info.ops->store == NULL)
        return raise_unsupported(&info, ATOMICS_OP_STORE, NULL);
    PyObject *argv[2];
    if (atomics_parse_args(broadcast ? &spec_fill : &spec_all, args, nargs, kwnames, argv) < 0)
        return NULL;
    job j;
    memset(&j, 0, sizeof j);
    if (atomics_parse_order(argv[1], "order", &j.mo) < 0)
        return NULL;
    if (!atomics_store_order_ok(j.mo))
        return raise_order(&info, ATOMICS_OP_STORE, j.mo);
    source val;
    memset(&val, 0, sizeof val);
    PyObject *result = NULL;
    if (broadcast) {
        val.scalar = val.raw = 1;
        if (scalar_to_raw(&info, argv[0], "value", val.raw1) < 0)
            return NULL;
    } else {
        /* numpy arrays have __index__ too: only a buffer-less int is one value */
        if (PyLong_Check(argv[0]) || (PyIndex_Check(argv[0]) && !PyObject_CheckBuffer(argv[0]))) {
            PyErr_SetString(PyExc_TypeError,
                            "store_all() takes one value per element (a buffer or a sequence); "
                            "fill(value) stores one value everywhere");
            return NULL;
        }
        const unsigned char *lo = info.addr, *hi = lo + (size_t)info.length * info.width;
        if (source_values(argv[0], &info, info.length, "elements", &val) < 0 ||
            source_unalias(&val, lo, hi) < 0)
            goto done;
        if (val.scalar) { /* a zero-dimensional buffer: one number */
            PyErr_SetString(PyExc_TypeError,
                            "store_all() takes one value per element (a buffer or a sequence); "
                            "fill(value) stores one value everywhere");
            goto done;
        }
    }
    j.kind = K_STORE;
    j.fn = (void (*)(void))info.ops->store;
    elements_of(&info, &j.e);
    j.val = &val;
    j.n = info.length;
    j.limit = info.length;
    run_job(&j);
    if (j.err != E_NONE) {
        raise_job(&j, "values");
        goto done;
    }
    Py_INCREF(Py_None);
    result = Py_None;
done:
    source_release(&val);
    return result;
}

PyObject *atomics_batch_store_all(ATOMICS_BATCH_ARGS_) {
    return store_all(self, args, nargs, kwnames, 0);
}

PyObject *atomics_batch_fill(ATOMICS_BATCH_ARGS_) {
    return store_all(self, args, nargs, kwnames, 1);
}
