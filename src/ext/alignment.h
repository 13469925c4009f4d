/* alignment.h: atomics.Alignment, the alignment queries (alignment.c). */
#ifndef ATOMICS_ALIGNMENT_H
#define ATOMICS_ALIGNMENT_H

#include "atomics_ext.h"

int atomics_add_alignment_type(PyObject *module, atomics_state *st);

#endif /* ATOMICS_ALIGNMENT_H */
