/* batch.h: whole-array operations of integral arrays (batch.c): one C loop
 * over a batch of element indexes (add_at, fetch_add_at, bit_set_at...) or
 * over every element (load_all, store_all, fill), each element operation the
 * core's own, through the array's operation table. */
#ifndef ATOMICS_BATCH_H
#define ATOMICS_BATCH_H

#include "atomics_ext.h"

/* What batch.c needs of an array (array.c fills it): the elements and how
 * to operate on them. Stable for the array's life while a reference to it
 * is held (only its tp_clear changes it, and then length is 0). */
typedef struct {
    unsigned char *addr;        /* element 0 */
    Py_ssize_t length;          /* elements */
    const atomics_ops *ops;     /* every element's table; NULL: none */
    unsigned width;             /* 1, 2, 4, 8 or 16 */
    int kind;                   /* KIND_INT or KIND_UINT */
    unsigned flags;             /* AF_READONLY | AF_INTEGRAL | AF_SIGNED */
    PyTypeObject *element_type; /* named in the elements' messages */
} atomics_array_info;

/* array.c: `array` is an atomic integral array. */
void atomics_array_info_of(PyObject *array, atomics_array_info *out);

#define ATOMICS_BATCH_ARGS_ PyObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames

#define ATOMICS_BATCH_LIST_(X)                                                                  \
    X(add_at) X(sub_at) X(and_at) X(or_at) X(xor_at) X(max_at) X(min_at)                          \
    X(fetch_add_at) X(fetch_sub_at) X(fetch_and_at) X(fetch_or_at) X(fetch_xor_at)               \
    X(fetch_max_at) X(fetch_min_at)                                                             \
    X(bit_set_at) X(bit_reset_at) X(bit_compl_at) X(bit_test_at) X(bit_test_set_at)             \
    X(bit_test_reset_at) X(bit_test_compl_at)                                                   \
    X(load_all) X(store_all) X(fill)

#define ATOMICS_X_(name) PyObject *atomics_batch_##name(ATOMICS_BATCH_ARGS_);
ATOMICS_BATCH_LIST_(ATOMICS_X_)
#undef ATOMICS_X_

/* tolist() of integral arrays: load_all's loop, as a list. */
PyObject *atomics_batch_tolist(PyObject *self, PyObject *unused);

#define ATOMICS_BATCH_SIG_AT_ "($self, indexes, values, order=atomics.MemoryOrder.SEQ_CST)\n--\n\n"
#define ATOMICS_BATCH_SIG_AT1_ "($self, indexes, values=1, order=atomics.MemoryOrder.SEQ_CST)\n--\n\n"
#define ATOMICS_BATCH_SIG_FETCH_                                                                \
    "($self, indexes, values, order=atomics.MemoryOrder.SEQ_CST, out=None)\n--\n\n"
#define ATOMICS_BATCH_SIG_FETCH1_                                                               \
    "($self, indexes, values=1, order=atomics.MemoryOrder.SEQ_CST, out=None)\n--\n\n"
#define ATOMICS_BATCH_SIG_BITS_ "($self, bits, order=atomics.MemoryOrder.SEQ_CST)\n--\n\n"
#define ATOMICS_BATCH_SIG_BITS_OUT_                                                             \
    "($self, bits, order=atomics.MemoryOrder.SEQ_CST, out=None)\n--\n\n"

#define ATOMICS_BATCH_M_(name, sig, doc)                                                        \
    {#name, (PyCFunction)(void (*)(void))atomics_batch_##name, METH_FASTCALL | METH_KEYWORDS,    \
     #name sig doc}

#define ATOMICS_BATCH_AT_DOC_(what)                                                             \
    "For each k, atomically element[indexes[k]] " what " values[k] (values: one int for "        \
    "all, or as many as indexes). Repeated indexes each count. Every index and value is "       \
    "checked before any element is touched. A batch at least as long as the array merges "    \
    "repeated indexes first: one atomic operation per element that changes."
#define ATOMICS_BATCH_FETCH_DOC_(what)                                                          \
    ATOMICS_BATCH_AT_DOC_(what) " Returns the old values: into out= if given (an integer "      \
    "buffer), else a new array.array of the element type (a list for 16-byte elements)."
#define ATOMICS_BATCH_BITS_DOC_(what)                                                           \
    "For each bit number b of bits (bit b % (8 * width) of element b // (8 * width)), "          \
    "atomically " what " that bit. Every bit number is checked first."

/* The entries of AtomicIntegralArray's method table. */
#define ATOMICS_BATCH_METHODS                                                                   \
    ATOMICS_BATCH_M_(add_at, ATOMICS_BATCH_SIG_AT1_, ATOMICS_BATCH_AT_DOC_("+=")),              \
    ATOMICS_BATCH_M_(sub_at, ATOMICS_BATCH_SIG_AT1_, ATOMICS_BATCH_AT_DOC_("-=")),              \
    ATOMICS_BATCH_M_(and_at, ATOMICS_BATCH_SIG_AT_, ATOMICS_BATCH_AT_DOC_("&=")),               \
    ATOMICS_BATCH_M_(or_at, ATOMICS_BATCH_SIG_AT_, ATOMICS_BATCH_AT_DOC_("|=")),                \
    ATOMICS_BATCH_M_(xor_at, ATOMICS_BATCH_SIG_AT_, ATOMICS_BATCH_AT_DOC_("^=")),               \
    ATOMICS_BATCH_M_(max_at, ATOMICS_BATCH_SIG_AT_, ATOMICS_BATCH_AT_DOC_("= max of itself and")), \
    ATOMICS_BATCH_M_(min_at, ATOMICS_BATCH_SIG_AT_, ATOMICS_BATCH_AT_DOC_("= min of itself and")), \
    ATOMICS_BATCH_M_(fetch_add_at, ATOMICS_BATCH_SIG_FETCH1_, ATOMICS_BATCH_FETCH_DOC_("+=")),  \
    ATOMICS_BATCH_M_(fetch_sub_at, ATOMICS_BATCH_SIG_FETCH1_, ATOMICS_BATCH_FETCH_DOC_("-=")),  \
    ATOMICS_BATCH_M_(fetch_and_at, ATOMICS_BATCH_SIG_FETCH_, ATOMICS_BATCH_FETCH_DOC_("&=")),   \
    ATOMICS_BATCH_M_(fetch_or_at, ATOMICS_BATCH_SIG_FETCH_, ATOMICS_BATCH_FETCH_DOC_("|=")),    \
    ATOMICS_BATCH_M_(fetch_xor_at, ATOMICS_BATCH_SIG_FETCH_, ATOMICS_BATCH_FETCH_DOC_("^=")),   \
    ATOMICS_BATCH_M_(fetch_max_at, ATOMICS_BATCH_SIG_FETCH_,                                    \
                     ATOMICS_BATCH_FETCH_DOC_("= max of itself and")),                          \
    ATOMICS_BATCH_M_(fetch_min_at, ATOMICS_BATCH_SIG_FETCH_,                                    \
                     ATOMICS_BATCH_FETCH_DOC_("= min of itself and")),                          \
    ATOMICS_BATCH_M_(bit_set_at, ATOMICS_BATCH_SIG_BITS_, ATOMICS_BATCH_BITS_DOC_("set")),      \
    ATOMICS_BATCH_M_(bit_reset_at, ATOMICS_BATCH_SIG_BITS_, ATOMICS_BATCH_BITS_DOC_("clear")),  \
    ATOMICS_BATCH_M_(bit_compl_at, ATOMICS_BATCH_SIG_BITS_, ATOMICS_BATCH_BITS_DOC_("flip")),   \
    ATOMICS_BATCH_M_(bit_test_at, ATOMICS_BATCH_SIG_BITS_OUT_,                                  \
                     ATOMICS_BATCH_BITS_DOC_("read") " Returns the bits (0 or 1) as "            \
                     "array.array('B'), or into out=."),                                        \
    ATOMICS_BATCH_M_(bit_test_set_at, ATOMICS_BATCH_SIG_BITS_OUT_,                              \
                     ATOMICS_BATCH_BITS_DOC_("set") " Returns the old bits (0 or 1) as "         \
                     "array.array('B'), or into out=."),                                        \
    ATOMICS_BATCH_M_(bit_test_reset_at, ATOMICS_BATCH_SIG_BITS_OUT_,                            \
                     ATOMICS_BATCH_BITS_DOC_("clear") " Returns the old bits (0 or 1) as "       \
                     "array.array('B'), or into out=."),                                        \
    ATOMICS_BATCH_M_(bit_test_compl_at, ATOMICS_BATCH_SIG_BITS_OUT_,                            \
                     ATOMICS_BATCH_BITS_DOC_("flip") " Returns the old bits (0 or 1) as "        \
                     "array.array('B'), or into out=."),                                        \
    ATOMICS_BATCH_M_(load_all, "($self, /, order=atomics.MemoryOrder.SEQ_CST, out=None)\n--\n\n", \
                     "Every element, one atomic load each (not a snapshot of the whole array): " \
                     "into out= if given, else a new array.array of the element type (a list "   \
                     "for 16-byte elements)."),                                                 \
    ATOMICS_BATCH_M_(store_all, "($self, values, order=atomics.MemoryOrder.SEQ_CST)\n--\n\n", \
                     "Element i = values[i] for every i, one atomic store each (not atomic as "  \
                     "a whole); values has len(arr) ints, all checked before the first store."), \
    ATOMICS_BATCH_M_(fill, "($self, value, order=atomics.MemoryOrder.SEQ_CST)\n--\n\n",     \
                     "Every element = value, one atomic store each (not atomic as a whole).")

#endif /* ATOMICS_BATCH_H */
