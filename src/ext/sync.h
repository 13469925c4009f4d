/* sync.h: the synchronization primitives' Python types (sync.c):
 * atomics.Lock, RLock, Condition, Semaphore, BoundedSemaphore, Event,
 * Barrier and Latch over the core's include/atomics/sync.h. */
#ifndef ATOMICS_EXT_SYNC_H
#define ATOMICS_EXT_SYNC_H

#include "atomics_ext.h"

/* Creates the eight types, adds them to the module and to its state. */
int atomics_add_sync_types(PyObject *module, atomics_state *st);

/* atomics._atomics._sync_share(cls, buffer, offset, handle, extra): attaches
 * a primitive of class cls at offset in buffer (an arena's mapping) that
 * pickles to handle from now on; extra: (lock,) for a Condition, (action,
 * timeout) for a Barrier, () otherwise (atomics._shared._attach_sync). */
PyObject *atomics_sync_share(PyObject *module, PyObject *const *args, Py_ssize_t nargs);

#define ATOMICS_SYNC_METHODS                                                            \
    {"_sync_share", (PyCFunction)(void (*)(void))atomics_sync_share, METH_FASTCALL,     \
     "_sync_share($module, cls, buffer, offset, handle, extra, /)\n--\n\n"              \
     "Attach a primitive in an arena's mapping that pickles to handle (atomics._shared)."}

#endif /* ATOMICS_EXT_SYNC_H */
