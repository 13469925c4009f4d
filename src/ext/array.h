/* array.h: the atomic array object (array.c) and its elements, for the
 * files that operate on arrays (element methods, whole-array operations). */
#ifndef ATOMICS_ARRAY_H
#define ATOMICS_ARRAY_H

#include "atomics_ext.h"

typedef struct {
    PyObject_HEAD
    unsigned char *addr;    /* element 0 */
    Py_ssize_t length;      /* elements; 0 once cleared */
    const atomics_ops *ops; /* the same for every element */
    uint8_t width;
    uint8_t kind;
    uint8_t flags; /* AF_READONLY | AF_INTEGRAL | AF_SIGNED */
    uint8_t exported;
    PyTypeObject *element_type; /* named in the elements' messages */
    PyObject *handle;           /* shared arrays: what pickling returns */
    PyObject *weakrefs;
    Py_buffer buffer; /* the export, held for the array's life */
} ArrayObject;

/* The element index: an int (or __index__ object), negative counting from
 * the end as for lists; IndexError outside the array. */
int atomics_element_index(ArrayObject *self, PyObject *arg, Py_ssize_t *out);

/* Element i (0 <= i < length) as an element (atomics_ext.h): no guard, the
 * array holds its buffer export for its whole life. */
static inline void atomics_element_at(ArrayObject *self, Py_ssize_t i, atomics_elem *el) {
    el->addr = self->addr + (size_t)i * self->width;
    el->ops = self->ops;
    el->guard = NULL;
    el->type = self->element_type;
    el->width = self->width;
    el->kind = self->kind;
    el->flags = (uint8_t)(self->flags | AF_INIT);
}

/* atomicarray(buffer, width, atype, offset=0, length=None, is_signed=None, align=None) */
PyObject *atomics_array_new(PyObject *module, PyObject *args, PyObject *kwargs);
/* _share_array(array, handle): the array pickles to handle from now on. */
PyObject *atomics_share_array(PyObject *module, PyObject *const *args, Py_ssize_t nargs);

int atomics_add_array_type(PyObject *module, atomics_state *st);

#endif /* ATOMICS_ARRAY_H */
