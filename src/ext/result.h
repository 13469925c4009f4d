/* result.h: CmpxchgResult, what cmpxchg_weak/strong return (result.c). */
#ifndef ATOMICS_RESULT_H
#define ATOMICS_RESULT_H

#include "atomics_ext.h"

PyObject *atomics_cmpxchg_result(atomics_state *st, int success, PyObject *expected);

int atomics_add_result_type(PyObject *module, atomics_state *st);

#endif /* ATOMICS_RESULT_H */
