/* wait.c: wait(), notify_one() and notify_all() of integral and bytes
 * objects and views, over the core's atomics_wait_once / atomics_notify_*.
 *
 * A wait looks at the value once with the GIL held; if it must block, it
 * lets the GIL go and sleeps in slices of at most SLICE_NS, so that signals
 * (Ctrl-C) are handled within one slice even when the kernel delivers them
 * to another thread; a signal that reaches this thread ends the slice at
 * once (EINTR). Between slices it takes the GIL back, runs the signal
 * handlers, and sleeps again.
 *
 * Views: a thread that sleeps on a view's memory is counted in its context
 * (ctx->waiters) for as long as it may touch that memory, and holds nothing
 * else. A release moves the phase to RELEASED, then wakes the memory until
 * the count is zero (atomics_wake_waiters), and only then gives the export
 * back: a woken waiter sees the phase, leaves the count before it asks for
 * the GIL (which the releasing thread may hold), and raises ValueError. The
 * count and the phase form a Dekker pair: each side writes its own, fences,
 * and reads the other's, so one of them always sees the other. */
#include "wait.h"
#include "element.h"

#include <math.h>
#if defined(_WIN32)
#include <windows.h>
#define wait_yield() SwitchToThread()
#define this_process() ((uint64_t)GetCurrentProcessId())
#else
#include <sched.h>
#include <unistd.h>
#define wait_yield() sched_yield()
#define this_process() ((uint64_t)(uint32_t)getpid())
#endif

/* Longest sleep between two looks at pending signals. */
#define SLICE_NS INT64_C(50000000)

static int64_t add_sat(int64_t a, int64_t b) {
    return b > INT64_MAX - a ? INT64_MAX : a + b;
}

/* ---- views: the waiter count --------------------------------------------------- */

static int view_open(atomics_ctx *ctx) {
    return (atomics_cc_load_4(&ctx->state, ATOMICS_ACQUIRE) & CTX_PHASE) == CTX_OPEN;
}

/* ctx->waiters: (process id << 32) | threads of that process counted in.
 * A count made by another process is one a fork copied into this one: its
 * threads did not come along, so it counts as zero here. */
#define WAITERS_COUNT(w) ((uint32_t)(w))
#define WAITERS_PROCESS(w) ((w) >> 32)

static uint32_t waiters_here(atomics_ctx *ctx) {
    uint64_t w = atomics_cc_load_8(&ctx->waiters, ATOMICS_ACQUIRE);
    return WAITERS_PROCESS(w) == this_process() ? WAITERS_COUNT(w) : 0;
}

/* Counts this thread in; -1 (not counted) if the view is no longer open. */
static int enter_wait(atomics_ctx *ctx) {
    if (ctx == NULL)
        return 0;
    /* a count a fork copied from another process starts over at 1 */
    uint64_t me = this_process();
    uint64_t w = atomics_cc_load_8(&ctx->waiters, ATOMICS_RELAXED);
    while (!atomics_cc_cas_8(&ctx->waiters, &w, WAITERS_PROCESS(w) == me ? w + 1 : (me << 32) + 1,
                             0, ATOMICS_SEQ_CST, ATOMICS_RELAXED)) {
    }
    atomics_cc_thread_fence();
    if (view_open(ctx))
        return 0;
    atomics_cc_fetch_sub_8(&ctx->waiters, 1, ATOMICS_RELEASE);
    return -1;
}

/* Only the process that counted a thread in counts it out, so the low half
 * never borrows from the process id. */
static void leave_wait(atomics_ctx *ctx) {
    if (ctx != NULL)
        atomics_cc_fetch_sub_8(&ctx->waiters, 1, ATOMICS_RELEASE);
}

void atomics_wake_waiters(atomics_ctx *ctx) {
    atomics_cc_thread_fence(); /* the phase is RELEASED: the other half of enter_wait */
    while (waiters_here(ctx) != 0) {
        /* again and again: a waiter between its count and its sleep would
         * miss a single wake-up */
        atomics_notify_all(ctx->addr, ctx->width);
        wait_yield();
    }
}

/* ---- wait ------------------------------------------------------------------------- */

int atomics_parse_timeout(PyObject *arg, int64_t *out) {
    if (arg == NULL || arg == Py_None) {
        *out = -1;
        return 0;
    }
    double t = PyFloat_AsDouble(arg);
    if (t == -1.0 && PyErr_Occurred()) {
        /* an int too large for a double: as long as inf, or as negative */
        int overflow = 0;
        if (!PyLong_Check(arg) || !PyErr_ExceptionMatches(PyExc_OverflowError))
            return -1;
        PyErr_Clear();
        (void)PyLong_AsLongLongAndOverflow(arg, &overflow);
        t = overflow < 0 ? -1.0 : HUGE_VAL;
    }
    if (isnan(t) || t < 0) {
        PyErr_Format(PyExc_ValueError,
                     "timeout must be None or a number of seconds >= 0, not %R", arg);
        return -1;
    }
    double ns = ceil(t * 1e9);
    *out = ns >= 9.2e18 ? -1 : (int64_t)ns; /* about 292 years: no limit */
    return 0;
}

#ifdef PYPY_VERSION
/* PyPy's C API does not run signal handlers (its PyErr_CheckSignals does
 * nothing); running a little Python code does. PyPy has one interpreter per
 * process, so the function can live in a static. */
static PyObject *pypy_tick;
int atomics_check_signals(void) {
    if (pypy_tick == NULL) {
        PyObject *ns = PyDict_New();
        if (ns == NULL)
            return -1;
        if (PyDict_SetItemString(ns, "__builtins__", PyEval_GetBuiltins()) == 0)
            pypy_tick = PyRun_String("lambda: None", Py_eval_input, ns, ns);
        Py_DECREF(ns);
        if (pypy_tick == NULL)
            return -1;
    }
    PyObject *r = PyObject_CallObject(pypy_tick, NULL);
    Py_XDECREF(r);
    return r == NULL ? -1 : 0;
}
#else
int atomics_check_signals(void) { return PyErr_CheckSignals(); }
#endif

/* Sleeps without the GIL until the value differs from *old, the deadline
 * passes, the view is released, or a signal handler must run. */
static PyObject *block(const atomics_elem *self, atomics_load_fn load, const unsigned char *old,
                       atomics_order mo, int64_t deadline) {
    atomics_ctx *ctx = self->guard;
    for (;;) {
        int r = ATOMICS_WAIT_WOKEN, released = 0;
        Py_BEGIN_ALLOW_THREADS
        if (enter_wait(ctx) < 0) {
            released = 1;
        } else {
            int64_t slice_end = add_sat(atomics_monotonic_ns(), SLICE_NS);
            int64_t until = deadline < slice_end ? deadline : slice_end;
            for (;;) {
                int64_t left = until - atomics_monotonic_ns();
                r = atomics_wait_once(load, self->addr, self->width, old, mo, left > 0 ? left : 0);
                if (r == ATOMICS_WAIT_CHANGED)
                    break;
                if (ctx != NULL && !view_open(ctx)) {
                    released = 1;
                    break;
                }
                if (r != ATOMICS_WAIT_WOKEN) /* timed out (the slice or all), interrupted */
                    break;
            }
            leave_wait(ctx); /* before the GIL: the releasing thread may hold it */
        }
        Py_END_ALLOW_THREADS
        if (released) {
            atomics_raise_released();
            return NULL;
        }
        if (r == ATOMICS_WAIT_CHANGED)
            Py_RETURN_TRUE;
        if (deadline != INT64_MAX && atomics_monotonic_ns() >= deadline)
            Py_RETURN_FALSE;
        if (atomics_check_signals() < 0)
            return NULL;
    }
}

PyObject *atomics_e_wait(const atomics_elem *self, PyObject *const *args, Py_ssize_t nargs,
                         PyObject *kwnames) {
    static const atomics_argspec spec = {"wait", 1, 3, {"old", "timeout", "order"}, {NULL}, 0};
    PyObject *argv[3];
    unsigned char old[16];
    int64_t timeout;
    atomics_order mo;
    const atomics_ops *ops = self->ops;
    if (ops->load == NULL) /* read-only 16 bytes without an atomic 16-byte load */
        return atomics_raise_unsupported(self, ATOMICS_OP_LOAD);
    if (atomics_parse_args(&spec, args, nargs, kwnames, argv) < 0 ||
        atomics_to_raw(self, argv[0], "old", old) < 0 || atomics_parse_timeout(argv[1], &timeout) < 0 ||
        atomics_parse_load_order(self, argv[2], ATOMICS_OP_LOAD, &mo) < 0)
        return NULL;
    /* the first look, with the GIL: most waits find the value changed */
    if (atomics_elem_begin(self) < 0)
        return NULL;
    int r = atomics_wait_once(ops->load, self->addr, self->width, old, mo, 0);
    atomics_elem_end(self);
    if (r == ATOMICS_WAIT_CHANGED)
        Py_RETURN_TRUE;
    if (timeout == 0)
        Py_RETURN_FALSE;
    int64_t deadline = timeout < 0 ? INT64_MAX : add_sat(atomics_monotonic_ns(), timeout);
    return block(self, ops->load, old, mo, deadline);
}

/* ---- notify ------------------------------------------------------------------------ */

PyObject *atomics_e_notify(const atomics_elem *self, int all) {
    if (atomics_elem_begin(self) < 0)
        return NULL;
    if (all)
        atomics_notify_all(self->addr, self->width);
    else
        atomics_notify_one(self->addr, self->width);
    atomics_elem_end(self);
    Py_RETURN_NONE;
}
