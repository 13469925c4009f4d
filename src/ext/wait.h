/* wait.h: what the rest of the binding needs of blocking wait and notify
 * (wait.c; the element methods themselves are in element.h). */
#ifndef ATOMICS_WAIT_H
#define ATOMICS_WAIT_H

#include "atomics_ext.h"

/* A wait's timeout: None or a real number of seconds >= 0 (ValueError
 * otherwise) to nanoseconds, rounded up; -1: no limit (None, or about 292
 * years and more). */
int atomics_parse_timeout(PyObject *arg, int64_t *out);

/* Runs pending signal handlers (PyErr_CheckSignals, or PyPy's way of
 * running them); -1 with the exception one raised. */
int atomics_check_signals(void);

/* Run by a release before the export is given back, once the phase is
 * RELEASED: wakes the threads waiting on the view until none is left. */
void atomics_wake_waiters(atomics_ctx *ctx);

#endif /* ATOMICS_WAIT_H */
