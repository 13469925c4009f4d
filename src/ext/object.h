/* object.h: the object types (object.c): owned objects, views and shared
 * objects, their lifetime, repr and pickling. */
#ifndef ATOMICS_OBJECT_H
#define ATOMICS_OBJECT_H

#include "atomics_ext.h"

/* The operations for `width` bytes at `addr` (NULL: owned memory, which is
 * always aligned), or NULL with UnsupportedWidthException or AlignmentError. */
const atomics_ops *atomics_resolve(atomics_state *st, const void *addr, Py_ssize_t width,
                                   int readonly);
/* The same, accepting the core's minimum alignment when `minimum` is set. */
const atomics_ops *atomics_resolve_aligned(atomics_state *st, const void *addr, Py_ssize_t width,
                                           int readonly, int minimum);

/* Creates an owned object of type tp (used by atomic()). */
PyObject *atomics_new_owned(atomics_state *st, PyTypeObject *tp, Py_ssize_t width,
                            int kind, unsigned flags);

/* Creates the view object of an opened context. */
PyObject *atomics_new_view(atomics_ctx *ctx);

/* str()/repr() text shared by objects and views. */
PyObject *atomics_object_repr(AtomicObject *self);

int atomics_add_object_types(PyObject *module, atomics_state *st);

#endif /* ATOMICS_OBJECT_H */
