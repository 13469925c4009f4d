/* module.h: the module definition and its per-interpreter state (module.c). */
#ifndef ATOMICS_MODULE_H
#define ATOMICS_MODULE_H

#include "atomics_ext.h"

extern PyModuleDef atomics_module;

/* The module state of the type that defined a method, found from any
 * instance or subclass instance. */
atomics_state *atomics_state_of_type(PyTypeObject *tp);
static inline atomics_state *atomics_state_of(PyObject *self) {
    return atomics_state_of_type(Py_TYPE(self));
}


#endif /* ATOMICS_MODULE_H */
