/* sync.c: atomics.Lock, RLock, Condition, Semaphore, BoundedSemaphore,
 * Event, Barrier and Latch: Python types over the core's primitives
 * (include/atomics/sync.h holds their layout and protocol).
 *
 * An object is the address of its primitive plus the buffer export that
 * keeps that memory alive (and its exporter from being closed or resized)
 * for the object's whole life. Where the memory is: an arena (the default
 * one or arena=; atomics._shared allocates it and the object pickles to a
 * handle that re-attaches it) or the caller's buffer (buffer=, offset=; it
 * refuses pickling and names attach()).
 *
 * Semantics, arguments and messages follow threading's classes of the same
 * names on the running interpreter. Lock and RLock check acquire()'s
 * arguments as _thread's locks do: the common calls are checked here, and
 * any other call is first made on a fresh _thread lock (which never blocks:
 * it is free), so that every error, and its message, is the one the running
 * interpreter's threading gives.
 *
 * Blocking: the first attempt runs with the GIL held and makes no system
 * call when it succeeds; otherwise the wait lets the GIL go and sleeps in
 * the core in slices of at most SLICE_NS, taking the GIL back between
 * slices to run signal handlers (KeyboardInterrupt within one slice). The
 * core checks a lock's holder for death at the end of each slice with the
 * same owner, so a dead holder is taken over within about one slice. */
#include "sync.h"

#include "atomics/sync.h"
#include "convert.h"
#include "module.h"
#include "wait.h"

#include <math.h>
#include <structmember.h>

/* Longest sleep between two looks at pending signals. */
#define SLICE_NS INT64_C(20000000)
#define FOREVER INT64_MAX

/* sem header flags: a BoundedSemaphore (the bound is `max`, 0 included) */
#define SEM_BOUNDED ATOMICS_SEM_BOUNDED

typedef struct {
    PyObject_HEAD
    void *addr;         /* the primitive */
    Py_buffer buffer;   /* the export that keeps the memory (buffer.obj: the exporter) */
    PyObject *handle;   /* (callable, args) pickling returns; NULL: placed in a buffer */
    PyObject *lock;     /* Condition: the lock (external, or the embedded RLock's object) */
    PyObject *action;   /* Barrier: a callable or NULL */
    PyObject *timeout;  /* Barrier: the default timeout (None or a number) */
    PyObject *weakrefs;
    int has_buffer;
} SyncObject;

#define ADDR(self, T) ((T *)((SyncObject *)(self))->addr)

static int64_t add_sat(int64_t a, int64_t b) { return b > INT64_MAX - a ? INT64_MAX : a + b; }

static atomics_state *state_of(PyObject *self) { return atomics_state_of(self); }

/* ---- timeouts ------------------------------------------------------------------------------ */

/* Seconds (finite, >= 0) to nanoseconds, rounded up, saturating. */
static int64_t ns_of(double t) {
    double ns = ceil(t * 1e9);
    return ns >= 9.2e18 ? FOREVER : (int64_t)ns;
}

/* Raises what _thread's lock.acquire(True, timeout) raises for this
 * timeout (OverflowError for one past TIMEOUT_MAX, ...); 0 if it accepts it. */
static int check_like_lock(atomics_state *st, PyObject *timeout) {
    PyObject *scratch = PyObject_CallNoArgs(st->allocate_lock);
    if (scratch == NULL)
        return -1;
    PyObject *r = PyObject_CallMethod(scratch, "acquire", "OO", Py_True, timeout);
    Py_DECREF(scratch);
    if (r == NULL)
        return -1;
    Py_DECREF(r);
    return 0;
}

/* A threading-style timeout of Condition.wait / Event.wait: None: forever;
 * not > 0 (negative, NaN before 3.14): 0, no wait; else the value (OverflowError past
 * TIMEOUT_MAX, as the lock threading waits on raises). */
static int cond_timeout(atomics_state *st, PyObject *timeout, int64_t *out) {
    if (timeout == NULL || timeout == Py_None) {
        *out = FOREVER;
        return 0;
    }
    double t;
    if (PyFloat_CheckExact(timeout)) {
        t = PyFloat_AS_DOUBLE(timeout);
    } else {
        PyObject *zero = PyLong_FromLong(0);
        int gt = zero ? PyObject_RichCompareBool(timeout, zero, Py_GT) : -1;
        Py_XDECREF(zero);
        if (gt < 0)
            return -1;
        if (!gt) {
            *out = 0;
            return 0;
        }
        t = PyFloat_AsDouble(timeout);
        if (t == -1.0 && PyErr_Occurred()) {
            if (!PyErr_ExceptionMatches(PyExc_OverflowError))
                return -1;
            PyErr_Clear();
            t = HUGE_VAL;
        }
    }
#if PY_VERSION_HEX >= 0x030E0000
    /* 3.14's Condition.wait hands NaN to the lock, which refuses it */
    if (isnan(t) && check_like_lock(st, timeout) < 0)
        return -1;
#endif
    if (!(t > 0)) {
        *out = 0;
        return 0;
    }
    if (t > st->timeout_max && check_like_lock(st, timeout) < 0)
        return -1;
    *out = t > st->timeout_max ? FOREVER : ns_of(t);
    return 0;
}

/* The timeout of Semaphore.acquire and Barrier.wait, which threading turns
 * into a deadline first (time + timeout: TypeError for what is no number)
 * and then waits on with Condition.wait's rules. NaN never ends (threading
 * spins on it forever). */
static int deadline_timeout(atomics_state *st, PyObject *timeout, int64_t *out) {
    if (timeout == NULL || timeout == Py_None) {
        *out = FOREVER;
        return 0;
    }
    if (!PyFloat_CheckExact(timeout) && !PyLong_CheckExact(timeout)) {
        PyObject *now = PyFloat_FromDouble((double)atomics_monotonic_ns() / 1e9);
        PyObject *end = now ? PyNumber_Add(now, timeout) : NULL;
        Py_XDECREF(now);
        if (end == NULL)
            return -1;
        Py_DECREF(end);
    }
    double t = PyFloat_AsDouble(timeout);
    if (t == -1.0 && PyErr_Occurred()) {
        if (!PyErr_ExceptionMatches(PyExc_OverflowError))
            return -1;
        PyErr_Clear();
        t = PyObject_RichCompareBool(timeout, Py_False, Py_GT) > 0 ? HUGE_VAL : -1.0;
    }
    if (isnan(t)) {
        *out = FOREVER;
        return 0;
    }
    if (t <= 0) {
        *out = 0;
        return 0;
    }
    if (t > st->timeout_max && check_like_lock(st, timeout) < 0)
        return -1;
    *out = t > st->timeout_max ? FOREVER : ns_of(t);
    return 0;
}

/* The timeout of Latch (the contract's, as atomic wait()): None or >= 0. */
static int latch_timeout(PyObject *arg, int64_t *out) {
    if (atomics_parse_timeout(arg, out) < 0)
        return -1;
    if (*out < 0)
        *out = FOREVER;
    return 0;
}

/* ---- blocking ---------------------------------------------------------------------------- */

/* One bounded attempt of a blocking call: the core's result (OK, OWNER_DIED,
 * BROKEN, or TIMEDOUT / INTERRUPTED to try again). Runs without the GIL. */
typedef int (*step_fn)(void *addr, void *arg, int64_t slice_ns);

/* Runs step in slices until it ends or `timeout_ns` (FOREVER: none) has
 * passed; between slices, with the GIL, runs signal handlers. 0 with the
 * core's result in *result (TIMEDOUT once the time is up), -1 with the
 * exception a signal handler raised. */
static int block(void *addr, step_fn step, void *arg, int64_t timeout_ns, int *result) {
    int64_t deadline = timeout_ns == FOREVER ? FOREVER : add_sat(atomics_monotonic_ns(), timeout_ns);
    for (;;) {
        int r;
        Py_BEGIN_ALLOW_THREADS
        int64_t left = deadline == FOREVER ? SLICE_NS : deadline - atomics_monotonic_ns();
        if (left < 0)
            left = 0;
        r = step(addr, arg, left < SLICE_NS ? left : SLICE_NS);
        Py_END_ALLOW_THREADS
        if (r != ATOMICS_SYNC_TIMEDOUT && r != ATOMICS_SYNC_INTERRUPTED) {
            *result = r;
            return 0;
        }
        if (atomics_check_signals() < 0)
            return -1;
        if (deadline != FOREVER && atomics_monotonic_ns() >= deadline) {
            *result = ATOMICS_SYNC_TIMEDOUT;
            return 0;
        }
    }
}

/* The same without signal handlers and without end (a Condition retaking
 * its lock, as threading's _acquire_restore does). */
static int block_hard(void *addr, step_fn step, void *arg) {
    int r;
    Py_BEGIN_ALLOW_THREADS
    do
        r = step(addr, arg, SLICE_NS);
    while (r == ATOMICS_SYNC_TIMEDOUT || r == ATOMICS_SYNC_INTERRUPTED);
    Py_END_ALLOW_THREADS
    return r;
}

static int step_lock(void *addr, void *arg, int64_t ns) {
    (void)arg;
    return atomics_lock_acquire((atomics_lock *)addr, ns);
}
static int step_rlock(void *addr, void *arg, int64_t ns) {
    (void)arg;
    return atomics_rlock_acquire((atomics_rlock *)addr, ns);
}
static int step_rlock_restore(void *addr, void *arg, int64_t ns) {
    return atomics_rlock_acquire_restore((atomics_rlock *)addr, *(uint32_t *)arg, ns);
}
static int step_sem(void *addr, void *arg, int64_t ns) {
    (void)arg;
    return atomics_sem_acquire((atomics_semaphore *)addr, ns);
}
static int step_event(void *addr, void *arg, int64_t ns) {
    return atomics_event_wait_since((atomics_event *)addr, *(uint32_t *)arg, ns);
}
static int step_cond(void *addr, void *arg, int64_t ns) {
    (void)arg;
    return atomics_cond_wait_step((atomics_condition *)addr, ns);
}
static int step_latch(void *addr, void *arg, int64_t ns) {
    (void)arg;
    return atomics_latch_wait((atomics_latch *)addr, ns);
}
typedef struct {
    uint32_t index, gen, resets;
} arrival;
static int step_arrive(void *addr, void *arg, int64_t ns) {
    arrival *a = arg;
    return atomics_barrier_arrive((atomics_barrier *)addr, &a->index, &a->gen, &a->resets, ns);
}
static int step_await(void *addr, void *arg, int64_t ns) {
    arrival *a = arg;
    return atomics_barrier_await((atomics_barrier *)addr, a->gen, a->resets, ns);
}

/* ---- placement ------------------------------------------------------------------------- */

static int kind_of(atomics_state *st, PyTypeObject *tp) {
    if (PyType_IsSubtype(tp, st->Lock))
        return ATOMICS_SYNC_LOCK;
    if (PyType_IsSubtype(tp, st->RLock))
        return ATOMICS_SYNC_RLOCK;
    if (PyType_IsSubtype(tp, st->Semaphore))
        return ATOMICS_SYNC_SEMAPHORE;
    if (PyType_IsSubtype(tp, st->Event))
        return ATOMICS_SYNC_EVENT;
    if (PyType_IsSubtype(tp, st->Condition))
        return ATOMICS_SYNC_CONDITION;
    if (PyType_IsSubtype(tp, st->Barrier))
        return ATOMICS_SYNC_BARRIER;
    if (PyType_IsSubtype(tp, st->Latch))
        return ATOMICS_SYNC_LATCH;
    return 0;
}

static SyncObject *alloc_object(PyTypeObject *tp) {
    SyncObject *self = (SyncObject *)PyType_GenericAlloc(tp, 0);
    return self; /* every field zero */
}

/* The export of `nbytes` writable bytes at `offset` into `buffer`, aligned
 * for the primitive: TypeError (no buffer, read-only), ValueError (does not
 * fit), AlignmentError (misaligned). */
static int export_at(atomics_state *st, SyncObject *self, PyObject *buffer, PyObject *offset_obj,
                     size_t nbytes) {
    Py_ssize_t offset = 0;
    if (offset_obj != NULL && offset_obj != Py_None) {
        PyObject *v = atomics_as_int(offset_obj, "offset");
        if (v == NULL)
            return -1;
        offset = PyLong_AsSsize_t(v);
        Py_DECREF(v);
        if (offset == -1 && PyErr_Occurred()) {
            if (PyErr_ExceptionMatches(PyExc_OverflowError)) {
                PyErr_Clear();
                PyErr_SetString(PyExc_ValueError, "offset is out of the buffer's range");
            }
            return -1;
        }
        if (offset < 0) {
            PyErr_SetString(PyExc_ValueError, "offset must not be negative");
            return -1;
        }
    }
#ifdef PYPY_VERSION
    if (atomics_pypy_refuse_writable(buffer) < 0)
        return -1;
#endif
    Py_buffer view;
    if (atomics_get_buffer(buffer, &view) < 0)
        return -1;
    if (view.readonly) {
        PyBuffer_Release(&view);
        PyErr_Format(PyExc_TypeError, "%s needs writable memory: the %.100s buffer is read-only",
                     atomics_type_name(Py_TYPE(self)), Py_TYPE(buffer)->tp_name);
        return -1;
    }
    if (atomics_refuse_references(&view) < 0) {
        PyBuffer_Release(&view);
        return -1;
    }
    if (offset > view.len || (size_t)(view.len - offset) < nbytes) {
        PyErr_Format(PyExc_ValueError,
                     "%s needs %zu bytes at offset %zd: the buffer has %zd bytes",
                     atomics_type_name(Py_TYPE(self)), nbytes, offset, view.len);
        PyBuffer_Release(&view);
        return -1;
    }
    char *addr = (char *)view.buf + offset;
    if ((uintptr_t)addr % ATOMICS_SYNC_ALIGNMENT != 0) {
        PyObject *args = Py_BuildValue("(iKO)", ATOMICS_SYNC_ALIGNMENT,
                                       (unsigned long long)(uintptr_t)addr, Py_True);
        PyObject *exc = args ? PyObject_Call(st->AlignmentError, args, NULL) : NULL;
        Py_XDECREF(args);
        if (exc) {
            PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
            Py_DECREF(exc);
        }
        PyBuffer_Release(&view);
        return -1;
    }
    self->buffer = view;
    self->has_buffer = 1;
    self->addr = addr;
    return 0;
}

/* arena (None: the default one) -> (mapping, offset, name, token), new reference. */
static PyObject *arena_place(PyObject *arena, size_t nbytes) {
    PyObject *mod = PyImport_ImportModule("atomics._shared");
    if (mod == NULL)
        return NULL;
    PyObject *r = PyObject_CallMethod(mod, "_sync_place", "OnI", arena ? arena : Py_None,
                                      (Py_ssize_t)nbytes, (unsigned)ATOMICS_SYNC_ALIGNMENT);
    Py_DECREF(mod);
    if (r != NULL && (!PyTuple_Check(r) || PyTuple_GET_SIZE(r) != 4)) {
        Py_DECREF(r);
        PyErr_SetString(PyExc_SystemError, "_sync_place returned no 4-tuple");
        return NULL;
    }
    return r;
}

/* Places a new object: in `buffer` at `offset`, or in `arena`/the default
 * arena. *placed: the arena's (mapping, offset, name, token) or NULL. */
static int place(atomics_state *st, SyncObject *self, PyObject *arena, PyObject *buffer,
                 PyObject *offset, size_t nbytes, PyObject **placed) {
    *placed = NULL;
    if (arena == Py_None)
        arena = NULL;
    if (buffer == Py_None)
        buffer = NULL;
    if (buffer != NULL) {
        if (arena != NULL) {
            PyErr_SetString(PyExc_ValueError, "give arena= or buffer=, not both");
            return -1;
        }
        return export_at(st, self, buffer, offset, nbytes);
    }
    if (offset != NULL && offset != Py_None) {
        PyErr_SetString(PyExc_TypeError, "offset= needs buffer=");
        return -1;
    }
    PyObject *r = arena_place(arena, nbytes);
    if (r == NULL)
        return -1;
    if (export_at(st, self, PyTuple_GET_ITEM(r, 0), PyTuple_GET_ITEM(r, 1), nbytes) < 0) {
        Py_DECREF(r);
        return -1;
    }
    *placed = r;
    return 0;
}

/* The handle of an arena-placed object: (atomics._shared._attach_sync,
 * (name, token, offset, type, extra)). Steals extra (NULL: ()). */
static int set_handle(SyncObject *self, PyObject *placed, PyObject *extra) {
    PyObject *mod = PyImport_ImportModule("atomics._shared");
    PyObject *fn = mod ? PyObject_GetAttrString(mod, "_attach_sync") : NULL;
    Py_XDECREF(mod);
    if (fn == NULL) {
        Py_XDECREF(extra);
        return -1;
    }
    PyObject *h = Py_BuildValue("(N(OOOON))", fn, PyTuple_GET_ITEM(placed, 2),
                                PyTuple_GET_ITEM(placed, 3), PyTuple_GET_ITEM(placed, 1),
                                (PyObject *)Py_TYPE(self), extra ? extra : PyTuple_New(0));
    if (h == NULL)
        return -1;
    self->handle = h;
    return 0;
}

/* ---- lifetime, pickling ----------------------------------------------------------------- */

static int sync_traverse(SyncObject *self, visitproc visit, void *arg) {
    Py_VISIT(Py_TYPE(self));
    Py_VISIT(self->handle);
    Py_VISIT(self->lock);
    Py_VISIT(self->action);
    Py_VISIT(self->timeout);
    return 0;
}

static int sync_clear(SyncObject *self) {
    Py_CLEAR(self->handle);
    Py_CLEAR(self->lock);
    Py_CLEAR(self->action);
    Py_CLEAR(self->timeout);
    return 0;
}

static void sync_dealloc(SyncObject *self) {
    PyTypeObject *tp = Py_TYPE(self);
    PyObject_GC_UnTrack(self);
    if (self->weakrefs != NULL)
        PyObject_ClearWeakRefs((PyObject *)self);
    sync_clear(self);
    if (self->has_buffer) {
        self->has_buffer = 0;
        PyBuffer_Release(&self->buffer);
    }
    tp->tp_free((PyObject *)self);
    Py_DECREF(tp);
}

static PyObject *sync_reduce(SyncObject *self, PyObject *unused) {
    (void)unused;
    if (self->handle != NULL) {
        Py_INCREF(self->handle);
        return self->handle;
    }
    const char *name = atomics_type_name(Py_TYPE(self));
    PyErr_Format(PyExc_TypeError,
                 "cannot pickle this %s: it lives in a buffer the caller placed it in, which "
                 "pickling cannot carry; in the other process, map the same memory and use "
                 "%s.attach(buffer, offset) (or make it in an arena, which pickles)",
                 name, name);
    return NULL;
}

static PyObject *sync_no_copy(SyncObject *self, PyObject *unused) {
    (void)unused;
    PyErr_Format(PyExc_TypeError, "%s objects cannot be copied (a copy would be another lock)",
                 atomics_type_name(Py_TYPE(self)));
    return NULL;
}

#define SYNC_COMMON_METHODS                                                                \
    {"__reduce__", (PyCFunction)sync_reduce, METH_NOARGS,                                  \
     "Arena-placed primitives pickle to a handle; buffer-placed ones refuse."},            \
    {"__reduce_ex__", (PyCFunction)sync_reduce, METH_O,                                    \
     "Arena-placed primitives pickle to a handle; buffer-placed ones refuse."},            \
    {"__copy__", (PyCFunction)sync_no_copy, METH_NOARGS, "Primitives cannot be copied."},  \
    {"__deepcopy__", (PyCFunction)sync_no_copy, METH_O, "Primitives cannot be copied."}

static PyMemberDef sync_members[] = {
    {"__weaklistoffset__", T_PYSSIZET, offsetof(SyncObject, weakrefs), READONLY, NULL},
    {NULL, 0, 0, 0, NULL}};

/* ---- attach ----------------------------------------------------------------------------- */

static PyObject *make_embedded_rlock(atomics_state *st, SyncObject *cond);

/* Checks the header and the class's own conditions, with the memory exported. */
static int check_attached(atomics_state *st, SyncObject *self, int kind) {
    if (atomics_sync_check(self->addr, kind) != 0) {
        PyErr_Format(PyExc_ValueError,
                     "no %s at this offset: the memory holds no initialised primitive of this "
                     "type (attach() finds one that %s(..., buffer=, offset=) made)",
                     atomics_type_name(Py_TYPE(self)), atomics_type_name(Py_TYPE(self)));
        return -1;
    }
    if (kind == ATOMICS_SYNC_SEMAPHORE) {
        atomics_semaphore *s = self->addr;
        int bounded = (atomics_cc_load_2(&s->h.flags, ATOMICS_RELAXED) & SEM_BOUNDED) ||
                      atomics_cc_load_4(&s->max, ATOMICS_RELAXED) != 0;
        int want = PyType_IsSubtype(Py_TYPE(self), st->BoundedSemaphore);
        if (bounded != want) {
            PyErr_Format(PyExc_ValueError, "the semaphore at this offset is %s: attach it with %s",
                         bounded ? "bounded" : "not bounded",
                         bounded ? "BoundedSemaphore.attach" : "Semaphore.attach");
            return -1;
        }
    }
    return 0;
}

static int condition_set_lock(atomics_state *st, SyncObject *self, PyObject *lock, int attaching);

/* Attaches an object of class tp to the primitive at offset in buffer. */
static PyObject *attach_to(atomics_state *st, PyTypeObject *tp, PyObject *buffer, PyObject *offset,
                           PyObject *lock) {
    int kind = kind_of(st, tp);
    if (kind == 0) {
        PyErr_SetString(PyExc_TypeError, "not a synchronization primitive class");
        return NULL;
    }
    SyncObject *self = alloc_object(tp);
    if (self == NULL)
        return NULL;
    if (export_at(st, self, buffer, offset, atomics_sync_size(kind)) < 0 ||
        check_attached(st, self, kind) < 0)
        goto fail;
    if (kind == ATOMICS_SYNC_CONDITION) {
        if (condition_set_lock(st, self, lock, 1) < 0)
            goto fail;
    } else if (kind == ATOMICS_SYNC_BARRIER) {
        Py_INCREF(Py_None);
        self->timeout = Py_None;
    }
    return (PyObject *)self;
fail:
    Py_DECREF(self);
    return NULL;
}

static PyObject *sync_attach(PyObject *cls, PyObject *const *args, Py_ssize_t nargs,
                             PyObject *kwnames) {
    static const atomics_argspec spec = {"attach", 1, 2, {"buffer", "offset"}, {NULL}, 0};
    PyObject *argv[2];
    atomics_state *st = atomics_state_of_type((PyTypeObject *)cls);
    if (st == NULL || atomics_parse_args(&spec, args, nargs, kwnames, argv) < 0)
        return NULL;
    return attach_to(st, (PyTypeObject *)cls, argv[0], argv[1], NULL);
}

static PyObject *condition_attach(PyObject *cls, PyObject *const *args, Py_ssize_t nargs,
                                  PyObject *kwnames) {
    static const atomics_argspec spec = {"attach", 1, 3, {"buffer", "offset", "lock"}, {NULL}, 0};
    PyObject *argv[3];
    atomics_state *st = atomics_state_of_type((PyTypeObject *)cls);
    if (st == NULL || atomics_parse_args(&spec, args, nargs, kwnames, argv) < 0)
        return NULL;
    return attach_to(st, (PyTypeObject *)cls, argv[0], argv[1], argv[2]);
}

#define ATTACH_METHOD                                                                      \
    {"attach", (PyCFunction)(void (*)(void))sync_attach,                                   \
     METH_FASTCALL | METH_KEYWORDS | METH_CLASS,                                           \
     "attach($cls, /, buffer, offset=0)\n--\n\n"                                          \
     "Attach to the primitive of this class that another thread or process initialised\n" \
     "at `offset` in `buffer` (ValueError if the memory holds none)."}

static int barrier_set_action(SyncObject *self, PyObject *action, PyObject *timeout);

PyObject *atomics_sync_share(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    atomics_state *st = PyModule_GetState(module);
    if (nargs != 5) {
        PyErr_SetString(PyExc_TypeError, "_sync_share(cls, buffer, offset, handle, extra)");
        return NULL;
    }
    PyObject *cls = args[0], *extra = args[4];
    if (!PyType_Check(cls) || kind_of(st, (PyTypeObject *)cls) == 0) {
        PyErr_SetString(PyExc_TypeError, "the handle names no synchronization primitive class");
        return NULL;
    }
    int kind = kind_of(st, (PyTypeObject *)cls);
    Py_ssize_t want = kind == ATOMICS_SYNC_CONDITION ? 1 : kind == ATOMICS_SYNC_BARRIER ? 2 : 0;
    if (!PyTuple_Check(extra) || PyTuple_GET_SIZE(extra) != want) {
        PyErr_SetString(PyExc_ValueError, "the handle's extra arguments do not fit its class");
        return NULL;
    }
    if (!PyTuple_Check(args[3]) || PyTuple_GET_SIZE(args[3]) != 2) {
        PyErr_SetString(PyExc_TypeError, "a handle is a (callable, args) pair");
        return NULL;
    }
    PyObject *lock = kind == ATOMICS_SYNC_CONDITION ? PyTuple_GET_ITEM(extra, 0) : NULL;
    SyncObject *self = (SyncObject *)attach_to(st, (PyTypeObject *)cls, args[1], args[2], lock);
    if (self == NULL)
        return NULL;
    if (kind == ATOMICS_SYNC_BARRIER &&
        barrier_set_action(self, PyTuple_GET_ITEM(extra, 0), PyTuple_GET_ITEM(extra, 1)) < 0) {
        Py_DECREF(self);
        return NULL;
    }
    Py_INCREF(args[3]);
    self->handle = args[3];
    return (PyObject *)self;
}

/* The common constructor tail: placement by keyword. */
typedef struct {
    PyObject *arena, *buffer, *offset;
} where;

/* ---- Lock ------------------------------------------------------------------------------- */

/* acquire(blocking=True, timeout=-1) as _thread's locks check it; the
 * timeout in ns (FOREVER, 0 for a non-blocking call). */
static int lock_args(atomics_state *st, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames,
                     int64_t *out) {
    static const atomics_argspec spec = {"acquire", 0, 2, {"blocking", "timeout"}, {NULL}, 0};
    PyObject *argv[2];
    if (kwnames == NULL && nargs <= 2) {
        /* the common calls, checked here */
        PyObject *b = nargs > 0 ? args[0] : NULL, *t = nargs > 1 ? args[1] : NULL;
        int blocking = 1;
        if (b == NULL || PyBool_Check(b) || PyLong_CheckExact(b)) {
            if (b != NULL && (blocking = PyObject_IsTrue(b)) < 0)
                return -1;
            if (t == NULL) {
                *out = blocking ? FOREVER : 0;
                return 0;
            }
            double v = PyFloat_CheckExact(t) ? PyFloat_AS_DOUBLE(t) : -2.0;
            if (PyLong_CheckExact(t)) {
                int overflow = 0;
                long long i = PyLong_AsLongLongAndOverflow(t, &overflow);
                v = overflow ? -2.0 : (double)i;
            }
            if (blocking && v == -1.0) {
                *out = FOREVER;
                return 0;
            }
            if (blocking && v >= 0 && v <= st->timeout_max) {
                *out = ns_of(v);
                return 0;
            }
        }
    }
    /* anything else: the running interpreter's own lock judges the call
     * first (a free lock: it returns at once), then it is read here */
    PyObject *scratch = PyObject_CallNoArgs(st->allocate_lock);
    if (scratch == NULL)
        return -1;
    PyObject *meth = PyObject_GetAttrString(scratch, "acquire");
    PyObject *r = meth ? PyObject_Vectorcall(meth, args, (size_t)nargs, kwnames) : NULL;
    Py_XDECREF(meth);
    Py_DECREF(scratch);
    if (r == NULL)
        return -1;
    Py_DECREF(r);
    if (atomics_parse_args(&spec, args, nargs, kwnames, argv) < 0)
        return -1;
    int blocking = argv[0] ? PyObject_IsTrue(argv[0]) : 1;
    if (blocking < 0)
        return -1;
    if (!blocking) {
        *out = 0;
        return 0;
    }
    if (argv[1] == NULL) {
        *out = FOREVER;
        return 0;
    }
    double v = PyFloat_AsDouble(argv[1]);
    if (v == -1.0 && PyErr_Occurred())
        return -1;
    *out = v < 0 ? FOREVER : v > st->timeout_max ? FOREVER : ns_of(v);
    return 0;
}

/* Acquires a lock or rlock with the given timeout: 1 (got it), 0 (timed
 * out), -1 (exception). */
static int own_acquire(SyncObject *self, int rlock, int64_t timeout_ns) {
    int r = rlock ? atomics_rlock_acquire(self->addr, 0) : atomics_lock_acquire(self->addr, 0);
    if (ATOMICS_LIKELY(r == ATOMICS_SYNC_OK))
        return 1;
    if (r == ATOMICS_SYNC_OVERFLOW) {
        PyErr_SetString(PyExc_OverflowError, "Internal lock count overflowed");
        return -1;
    }
    if (r == ATOMICS_SYNC_OWNER_DIED)
        return 1;
    if (timeout_ns == 0)
        return 0;
    if (block(self->addr, rlock ? step_rlock : step_lock, NULL, timeout_ns, &r) < 0)
        return -1;
    return r == ATOMICS_SYNC_OK || r == ATOMICS_SYNC_OWNER_DIED;
}

static PyObject *lock_acquire(SyncObject *self, PyObject *const *args, Py_ssize_t nargs,
                              PyObject *kwnames) {
    int64_t timeout;
    if (ATOMICS_LIKELY(nargs == 0 && kwnames == NULL)) {
        if (ATOMICS_LIKELY(atomics_lock_acquire(self->addr, 0) == ATOMICS_SYNC_OK))
            Py_RETURN_TRUE;
        timeout = FOREVER;
    } else if (lock_args(state_of((PyObject *)self), args, nargs, kwnames, &timeout) < 0) {
        return NULL;
    }
    int r = own_acquire(self, 0, timeout);
    if (r < 0)
        return NULL;
    return PyBool_FromLong(r);
}

static PyObject *lock_enter(SyncObject *self, PyObject *unused) {
    (void)unused;
    if (ATOMICS_LIKELY(atomics_lock_acquire(self->addr, 0) == ATOMICS_SYNC_OK))
        Py_RETURN_TRUE;
    if (own_acquire(self, 0, FOREVER) < 0)
        return NULL;
    Py_RETURN_TRUE;
}

static PyObject *lock_release(SyncObject *self, PyObject *unused) {
    (void)unused;
    if (atomics_lock_release(self->addr) != ATOMICS_SYNC_OK) {
        PyErr_SetString(PyExc_RuntimeError, "release unlocked lock");
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *lock_exit(SyncObject *self, PyObject *const *args, Py_ssize_t nargs) {
    (void)args, (void)nargs;
    return lock_release(self, NULL);
}

static PyObject *lock_locked(SyncObject *self, PyObject *unused) {
    (void)unused;
    return PyBool_FromLong(atomics_lock_locked(self->addr));
}

static PyObject *lock_at_fork_reinit(SyncObject *self, PyObject *unused) {
    (void)unused;
    atomics_lock *l = self->addr;
    atomics_cc_store_8(&l->owner, 0, ATOMICS_SEQ_CST);
    atomics_notify_all(&l->owner, 4);
    Py_RETURN_NONE;
}

static PyObject *lock_repr(SyncObject *self) {
    return PyUnicode_FromFormat("<%s %s object at %p>",
                                atomics_lock_locked(self->addr) ? "locked" : "unlocked",
                                Py_TYPE(self)->tp_name, (void *)self);
}

static PyObject *died_of(const uint32_t *died) {
    return PyBool_FromLong(atomics_cc_load_4(died, ATOMICS_SEQ_CST) != 0);
}

static PyObject *lock_owner_died(SyncObject *self, void *c) {
    (void)c;
    return died_of(&ADDR(self, atomics_lock)->died);
}

/* Makes the object and places its memory; the caller initialises it. */
static SyncObject *new_placed(PyTypeObject *tp, where *w, int kind, PyObject **placed) {
    atomics_state *st = atomics_state_of_type(tp);
    if (st == NULL)
        return NULL;
    SyncObject *self = alloc_object(tp);
    if (self == NULL)
        return NULL;
    if (place(st, self, w->arena, w->buffer, w->offset, atomics_sync_size(kind), placed) < 0) {
        Py_DECREF(self);
        return NULL;
    }
    return self;
}

/* extra: a new reference (or NULL: ()), stolen. */
static PyObject *finish(SyncObject *self, PyObject *placed, PyObject *extra) {
    if (placed == NULL) {
        Py_XDECREF(extra);
    } else {
        int rc = set_handle(self, placed, extra);
        Py_DECREF(placed);
        if (rc < 0) {
            Py_DECREF(self);
            return NULL;
        }
    }
    return (PyObject *)self;
}

static PyObject *lock_new(PyTypeObject *tp, PyObject *args, PyObject *kwargs) {
    static char *kwlist[] = {"arena", "buffer", "offset", NULL};
    where w = {NULL, NULL, NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|$OOO:Lock", kwlist, &w.arena, &w.buffer,
                                     &w.offset))
        return NULL;
    PyObject *placed;
    SyncObject *self = new_placed(tp, &w, ATOMICS_SYNC_LOCK, &placed);
    if (self == NULL)
        return NULL;
    atomics_lock_init(self->addr);
    return finish(self, placed, NULL);
}

/* ---- RLock ------------------------------------------------------------------------------ */

static PyObject *rlock_acquire(SyncObject *self, PyObject *const *args, Py_ssize_t nargs,
                               PyObject *kwnames) {
    int64_t timeout = FOREVER;
    if (!(nargs == 0 && kwnames == NULL) &&
        lock_args(state_of((PyObject *)self), args, nargs, kwnames, &timeout) < 0)
        return NULL;
    int r = own_acquire(self, 1, timeout);
    if (r < 0)
        return NULL;
    return PyBool_FromLong(r);
}

static PyObject *rlock_enter(SyncObject *self, PyObject *unused) {
    (void)unused;
    if (own_acquire(self, 1, FOREVER) < 0)
        return NULL;
    Py_RETURN_TRUE;
}

static PyObject *rlock_release(SyncObject *self, PyObject *unused) {
    (void)unused;
    if (atomics_rlock_release(self->addr) != ATOMICS_SYNC_OK) {
        PyErr_SetString(PyExc_RuntimeError, "cannot release un-acquired lock");
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *rlock_exit(SyncObject *self, PyObject *const *args, Py_ssize_t nargs) {
    (void)args, (void)nargs;
    return rlock_release(self, NULL);
}

static PyObject *rlock_is_owned(SyncObject *self, PyObject *unused) {
    (void)unused;
    return PyBool_FromLong(atomics_rlock_is_owned(self->addr));
}

static PyObject *rlock_locked(SyncObject *self, PyObject *unused) {
    (void)unused;
    return PyBool_FromLong(atomics_cc_load_8(&ADDR(self, atomics_rlock)->owner, ATOMICS_SEQ_CST) != 0);
}

static PyObject *rlock_recursion_count(SyncObject *self, PyObject *unused) {
    (void)unused;
    atomics_rlock *l = self->addr;
    if (!atomics_rlock_is_owned(l))
        return PyLong_FromLong(0);
    return PyLong_FromUnsignedLong(atomics_cc_load_4(&l->count, ATOMICS_RELAXED));
}

/* (count, owner) as _thread.RLock's: owner is this thread's ident */
static PyObject *rlock_release_save(SyncObject *self, PyObject *unused) {
    (void)unused;
    uint32_t count;
    if (atomics_rlock_release_all(self->addr, &count) != ATOMICS_SYNC_OK) {
        PyErr_SetString(PyExc_RuntimeError, "cannot release un-acquired lock");
        return NULL;
    }
    return Py_BuildValue("(kk)", (unsigned long)count, PyThread_get_thread_ident());
}

static int restore_rlock(atomics_rlock *l, uint32_t count) {
    int r = atomics_rlock_acquire_restore(l, count, 0);
    if (r == ATOMICS_SYNC_TIMEDOUT)
        r = block_hard(l, step_rlock_restore, &count);
    return r;
}

static PyObject *rlock_acquire_restore(SyncObject *self, PyObject *state) {
    unsigned long count;
    PyObject *owner;
    if (!PyArg_ParseTuple(state, "kO:_acquire_restore", &count, &owner))
        return NULL;
    if (count == 0 || count > UINT32_MAX) {
        PyErr_SetString(PyExc_ValueError, "_acquire_restore: the count must be 1 .. 2**32 - 1");
        return NULL;
    }
    restore_rlock(self->addr, (uint32_t)count);
    Py_RETURN_NONE;
}

static PyObject *rlock_owner_died(SyncObject *self, void *c) {
    (void)c;
    return died_of(&ADDR(self, atomics_rlock)->died);
}

static PyObject *rlock_repr(SyncObject *self) {
    atomics_rlock *l = self->addr;
    uint64_t owner = atomics_cc_load_8(&l->owner, ATOMICS_SEQ_CST);
    int mine = atomics_rlock_is_owned(l);
    /* the owner as threading shows it: this thread's ident when it is this
     * thread; another thread's number (per process) otherwise */
    unsigned long who = owner == 0 ? 0
                        : mine     ? PyThread_get_thread_ident()
                                   : (unsigned long)atomics_cc_load_4(&l->tid, ATOMICS_RELAXED);
    unsigned long count = owner == 0 ? 0 : (unsigned long)atomics_cc_load_4(&l->count, ATOMICS_RELAXED);
    return PyUnicode_FromFormat("<%s %s object owner=%lu count=%lu at %p>",
                                owner ? "locked" : "unlocked", Py_TYPE(self)->tp_name, who, count,
                                (void *)self);
}

static PyObject *rlock_new(PyTypeObject *tp, PyObject *args, PyObject *kwargs) {
    static char *kwlist[] = {"arena", "buffer", "offset", NULL};
    where w = {NULL, NULL, NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|$OOO:RLock", kwlist, &w.arena, &w.buffer,
                                     &w.offset))
        return NULL;
    PyObject *placed;
    SyncObject *self = new_placed(tp, &w, ATOMICS_SYNC_RLOCK, &placed);
    if (self == NULL)
        return NULL;
    atomics_rlock_init(self->addr);
    return finish(self, placed, NULL);
}

/* ---- Condition -------------------------------------------------------------------------- */

static int is_rlock(atomics_state *st, PyObject *lock) {
    return PyType_IsSubtype(Py_TYPE(lock), st->RLock);
}

/* The embedded rlock's object: its own export of the condition's memory. */
static PyObject *make_embedded_rlock(atomics_state *st, SyncObject *cond) {
    SyncObject *l = alloc_object(st->RLock);
    if (l == NULL)
        return NULL;
    if (PyObject_GetBuffer(cond->buffer.obj, &l->buffer, PyBUF_RECORDS_RO) < 0) {
        Py_DECREF(l);
        return NULL;
    }
    l->has_buffer = 1;
    l->addr = &ADDR(cond, atomics_condition)->lock;
    return (PyObject *)l;
}

static uint64_t uid_of(PyObject *lock) {
    return atomics_cc_load_8(&((atomics_sync_header *)((SyncObject *)lock)->addr)->uid,
                             ATOMICS_RELAXED);
}

/* Sets the condition's lock: `lock` (None/NULL: the embedded rlock). When
 * attaching, it must be the one the condition was made with. */
static int condition_set_lock(atomics_state *st, SyncObject *self, PyObject *lock, int attaching) {
    atomics_condition *c = self->addr;
    if (lock == Py_None)
        lock = NULL;
    if (lock != NULL && !PyType_IsSubtype(Py_TYPE(lock), st->Lock) && !is_rlock(st, lock)) {
        PyErr_Format(PyExc_TypeError,
                     "the lock of an atomics.Condition must be an atomics.Lock or atomics.RLock "
                     "(it must live in shared memory), not %.100s",
                     Py_TYPE(lock)->tp_name);
        return -1;
    }
    if (attaching) {
        uint32_t flags = atomics_cc_load_4(&c->flags, ATOMICS_RELAXED);
        if ((flags & ATOMICS_COND_EXTERNAL) && lock == NULL) {
            PyErr_SetString(PyExc_ValueError,
                             "this Condition was made with a lock of its own choosing: pass that "
                             "lock to attach(buffer, offset, lock=...)");
            return -1;
        }
        if (!(flags & ATOMICS_COND_EXTERNAL) && lock != NULL) {
            PyErr_SetString(PyExc_ValueError,
                             "this Condition uses its embedded lock: attach it without lock=");
            return -1;
        }
        if (lock != NULL &&
            (uid_of(lock) != atomics_cc_load_8(&c->lock_uid, ATOMICS_RELAXED) ||
             !(flags & ATOMICS_COND_EXTERNAL_RLOCK) != !is_rlock(st, lock))) {
            PyErr_SetString(PyExc_ValueError,
                             "this is not the lock the Condition was made with");
            return -1;
        }
    } else {
        uint32_t flags = lock == NULL ? 0
                                      : ATOMICS_COND_EXTERNAL |
                                            (is_rlock(st, lock) ? ATOMICS_COND_EXTERNAL_RLOCK : 0);
        atomics_cond_init(c, flags, lock ? uid_of(lock) : 0);
    }
    if (lock == NULL) {
        lock = make_embedded_rlock(st, self);
        if (lock == NULL)
            return -1;
    } else {
        Py_INCREF(lock);
    }
    self->lock = lock;
    return 0;
}

static PyObject *condition_new(PyTypeObject *tp, PyObject *args, PyObject *kwargs) {
    static char *kwlist[] = {"lock", "arena", "buffer", "offset", NULL};
    where w = {NULL, NULL, NULL};
    PyObject *lock = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|O$OOO:Condition", kwlist, &lock, &w.arena,
                                     &w.buffer, &w.offset))
        return NULL;
    atomics_state *st = atomics_state_of_type(tp);
    if (st == NULL)
        return NULL;
    if (lock != NULL && lock != Py_None && !PyType_IsSubtype(Py_TYPE(lock), st->Lock) &&
        !is_rlock(st, lock)) {
        PyErr_Format(PyExc_TypeError,
                     "the lock of an atomics.Condition must be an atomics.Lock or atomics.RLock "
                     "(it must live in shared memory), not %.100s",
                     Py_TYPE(lock)->tp_name);
        return NULL;
    }
    PyObject *placed;
    SyncObject *self = new_placed(tp, &w, ATOMICS_SYNC_CONDITION, &placed);
    if (self == NULL)
        return NULL;
    if (condition_set_lock(st, self, lock, 0) < 0) {
        Py_XDECREF(placed);
        Py_DECREF(self);
        return NULL;
    }
    return finish(self, placed, Py_BuildValue("(O)", lock ? lock : Py_None));
}

/* Whether this thread holds the condition's lock (threading's _is_owned:
 * for a plain Lock, "held by anyone"). -1 on error. */
static int cond_owned(atomics_state *st, SyncObject *self) {
    SyncObject *lock = (SyncObject *)self->lock;
    if (is_rlock(st, (PyObject *)lock))
        return atomics_rlock_is_owned(lock->addr);
    if (atomics_lock_try_acquire(lock->addr) == ATOMICS_SYNC_OK) {
        atomics_lock_release(lock->addr);
        return 0;
    }
    return 1;
}

static PyObject *cond_acquire(SyncObject *self, PyObject *const *args, Py_ssize_t nargs,
                              PyObject *kwnames) {
    atomics_state *st = state_of((PyObject *)self);
    if (is_rlock(st, self->lock))
        return rlock_acquire((SyncObject *)self->lock, args, nargs, kwnames);
    return lock_acquire((SyncObject *)self->lock, args, nargs, kwnames);
}

static PyObject *cond_enter(SyncObject *self, PyObject *unused) {
    atomics_state *st = state_of((PyObject *)self);
    if (is_rlock(st, self->lock))
        return rlock_enter((SyncObject *)self->lock, unused);
    return lock_enter((SyncObject *)self->lock, unused);
}

static PyObject *cond_release(SyncObject *self, PyObject *unused) {
    atomics_state *st = state_of((PyObject *)self);
    if (is_rlock(st, self->lock))
        return rlock_release((SyncObject *)self->lock, unused);
    return lock_release((SyncObject *)self->lock, unused);
}

static PyObject *cond_exit(SyncObject *self, PyObject *const *args, Py_ssize_t nargs) {
    (void)args, (void)nargs;
    return cond_release(self, NULL);
}

/* threading.Condition's: the lock's own for an RLock; release()/acquire() for a Lock */
static PyObject *cond_release_save(SyncObject *self, PyObject *unused) {
    if (is_rlock(state_of((PyObject *)self), self->lock))
        return rlock_release_save((SyncObject *)self->lock, unused);
    return lock_release((SyncObject *)self->lock, unused);
}

static PyObject *cond_acquire_restore(SyncObject *self, PyObject *state) {
    if (is_rlock(state_of((PyObject *)self), self->lock))
        return rlock_acquire_restore((SyncObject *)self->lock, state);
    PyObject *r = lock_enter((SyncObject *)self->lock, NULL);
    if (r == NULL)
        return NULL;
    Py_DECREF(r);
    Py_RETURN_NONE;
}

static PyObject *cond_is_owned(SyncObject *self, PyObject *unused) {
    (void)unused;
    return PyBool_FromLong(cond_owned(state_of((PyObject *)self), self));
}

/* The wait itself: 1 notified, 0 timed out, -1 exception (lock held again
 * in every case). */
static int cond_wait_ns(atomics_state *st, SyncObject *self, int64_t timeout) {
    atomics_condition *c = self->addr;
    SyncObject *lock = (SyncObject *)self->lock;
    int rl = is_rlock(st, (PyObject *)lock);
    uint32_t count = 0;
    atomics_cond_prepare(c);
    if (rl)
        atomics_rlock_release_all(lock->addr, &count);
    else
        atomics_lock_release(lock->addr);
    int r = atomics_cond_wait_step(c, 0), rc;
    if (r == ATOMICS_SYNC_OK)
        rc = 1;
    else if (timeout == 0)
        rc = 0;
    else if (block(c, step_cond, NULL, timeout, &r) < 0)
        rc = -1;
    else
        rc = r == ATOMICS_SYNC_OK;
    int passed_on = 0;
    if (rc != 1 && atomics_cond_cancel(c) == ATOMICS_SYNC_OK) {
        if (rc == 0)
            rc = 1; /* notified after all */
        else
            passed_on = 1; /* a signal ended the wait: give the notification to another */
    }
    /* threading retakes the lock whatever happened, without signals */
    if (rl) {
        restore_rlock(lock->addr, count);
    } else if (atomics_lock_acquire(lock->addr, 0) == ATOMICS_SYNC_TIMEDOUT) {
        block_hard(lock->addr, step_lock, NULL);
    }
    if (passed_on)
        atomics_cond_notify(c, 1);
    return rc;
}

static PyObject *cond_wait(SyncObject *self, PyObject *const *args, Py_ssize_t nargs,
                           PyObject *kwnames) {
    static const atomics_argspec spec = {"wait", 0, 1, {"timeout"}, {NULL}, 0};
    PyObject *argv[1];
    atomics_state *st = state_of((PyObject *)self);
    int64_t timeout;
    if (atomics_parse_args(&spec, args, nargs, kwnames, argv) < 0)
        return NULL;
    int owned = cond_owned(st, self);
    if (owned <= 0) {
        PyErr_SetString(PyExc_RuntimeError, "cannot wait on un-acquired lock");
        return NULL;
    }
    if (cond_timeout(st, argv[0], &timeout) < 0)
        return NULL;
    int r = cond_wait_ns(st, self, timeout);
    if (r < 0)
        return NULL;
    return PyBool_FromLong(r);
}

static PyObject *cond_wait_for(SyncObject *self, PyObject *const *args, Py_ssize_t nargs,
                               PyObject *kwnames) {
    static const atomics_argspec spec = {"wait_for", 1, 2, {"predicate", "timeout"}, {NULL}, 0};
    PyObject *argv[2];
    atomics_state *st = state_of((PyObject *)self);
    if (atomics_parse_args(&spec, args, nargs, kwnames, argv) < 0)
        return NULL;
    PyObject *predicate = argv[0], *timeout = argv[1] == Py_None ? NULL : argv[1];
    double endtime = 0;
    int have_end = 0;
    PyObject *result = PyObject_CallNoArgs(predicate);
    while (result != NULL) {
        int truth = PyObject_IsTrue(result);
        if (truth != 0) {
            if (truth < 0)
                Py_CLEAR(result);
            break;
        }
        PyObject *waittime = NULL; /* NULL: no timeout */
        if (timeout != NULL) {
            double now = (double)atomics_monotonic_ns() / 1e9;
            if (!have_end) {
                PyObject *n = PyFloat_FromDouble(now);
                PyObject *end = n ? PyNumber_Add(n, timeout) : NULL;
                Py_XDECREF(n);
                endtime = end ? PyFloat_AsDouble(end) : -1.0;
                Py_XDECREF(end);
                if (end == NULL || (endtime == -1.0 && PyErr_Occurred())) {
                    Py_CLEAR(result);
                    break;
                }
                have_end = 1;
                Py_INCREF(timeout);
                waittime = timeout;
            } else {
                double left = endtime - now;
                if (left <= 0)
                    break;
                waittime = PyFloat_FromDouble(left);
                if (waittime == NULL) {
                    Py_CLEAR(result);
                    break;
                }
            }
        }
        int owned = cond_owned(st, self);
        int64_t ns = FOREVER;
        int r = -1;
        if (owned <= 0)
            PyErr_SetString(PyExc_RuntimeError, "cannot wait on un-acquired lock");
        else if (cond_timeout(st, waittime, &ns) == 0)
            r = cond_wait_ns(st, self, ns);
        Py_XDECREF(waittime);
        Py_DECREF(result);
        result = r < 0 ? NULL : PyObject_CallNoArgs(predicate);
    }
    return result;
}

/* notify(n): how many of n (an int, or a number threading counts down by
 * ones while it is > 0). */
static int notify_count(PyObject *n, uint32_t *out) {
    if (PyLong_Check(n)) {
        int overflow = 0;
        long long v = PyLong_AsLongLongAndOverflow(n, &overflow);
        if (v == -1 && PyErr_Occurred())
            return -1;
        *out = overflow > 0 || v > (long long)UINT32_MAX ? UINT32_MAX
               : overflow < 0 || v <= 0                  ? 0
                                                         : (uint32_t)v;
        return 0;
    }
    PyObject *zero = PyLong_FromLong(0);
    int gt = zero ? PyObject_RichCompareBool(n, zero, Py_GT) : -1;
    Py_XDECREF(zero);
    if (gt <= 0) {
        *out = 0;
        return gt;
    }
    double d = PyFloat_AsDouble(n);
    if (d == -1.0 && PyErr_Occurred())
        return -1;
    d = ceil(d);
    *out = d >= (double)UINT32_MAX ? UINT32_MAX : (uint32_t)d;
    return 0;
}

static PyObject *cond_notify(SyncObject *self, PyObject *const *args, Py_ssize_t nargs,
                             PyObject *kwnames) {
    static const atomics_argspec spec = {"notify", 0, 1, {"n"}, {NULL}, 0};
    PyObject *argv[1];
    uint32_t n = 1;
    if (atomics_parse_args(&spec, args, nargs, kwnames, argv) < 0)
        return NULL;
    if (cond_owned(state_of((PyObject *)self), self) <= 0) {
        PyErr_SetString(PyExc_RuntimeError, "cannot notify on un-acquired lock");
        return NULL;
    }
    if (argv[0] != NULL && notify_count(argv[0], &n) < 0)
        return NULL;
    if (n > 0)
        atomics_cond_notify(self->addr, n);
    Py_RETURN_NONE;
}

static PyObject *cond_notify_all(SyncObject *self, PyObject *unused) {
    (void)unused;
    if (cond_owned(state_of((PyObject *)self), self) <= 0) {
        PyErr_SetString(PyExc_RuntimeError, "cannot notify on un-acquired lock");
        return NULL;
    }
    atomics_cond_notify(self->addr, UINT32_MAX);
    Py_RETURN_NONE;
}

static PyObject *cond_notifyAll(SyncObject *self, PyObject *unused) {
#if PY_VERSION_HEX >= 0x030A0000
    if (PyErr_WarnEx(PyExc_DeprecationWarning, "notifyAll() is deprecated, use notify_all() instead",
                     1) < 0)
        return NULL;
#endif
    return cond_notify_all(self, unused);
}

static PyObject *cond_repr(SyncObject *self) {
    atomics_condition *c = self->addr;
    uint64_t cv = atomics_cc_load_8(&c->cv, ATOMICS_RELAXED);
    unsigned long waiting = (unsigned long)((uint32_t)(cv >> 32) - (uint32_t)cv);
    return PyUnicode_FromFormat("<%s(%R, %lu)>", Py_TYPE(self)->tp_name, self->lock, waiting);
}

static PyObject *cond_get_lock(SyncObject *self, void *c) {
    (void)c;
    Py_INCREF(self->lock);
    return self->lock;
}

/* ---- Semaphore, BoundedSemaphore ---------------------------------------------------------- */

static int sem_bounded(const atomics_semaphore *s) {
    return (atomics_cc_load_2(&s->h.flags, ATOMICS_RELAXED) & SEM_BOUNDED) != 0;
}

static PyObject *sem_acquire(SyncObject *self, PyObject *const *args, Py_ssize_t nargs,
                             PyObject *kwnames) {
    static const atomics_argspec spec = {"acquire", 0, 2, {"blocking", "timeout"}, {NULL}, 0};
    PyObject *argv[2];
    atomics_semaphore *s = self->addr;
    int blocking = 1;
    if (ATOMICS_LIKELY(nargs == 0 && kwnames == NULL)) {
        argv[0] = argv[1] = NULL;
    } else {
        if (atomics_parse_args(&spec, args, nargs, kwnames, argv) < 0)
            return NULL;
        if (argv[0] != NULL && (blocking = PyObject_IsTrue(argv[0])) < 0)
            return NULL;
        if (!blocking && argv[1] != NULL && argv[1] != Py_None) {
            PyErr_SetString(PyExc_ValueError, "can't specify timeout for non-blocking acquire");
            return NULL;
        }
    }
    if (ATOMICS_LIKELY(atomics_sem_acquire(s, 0) == ATOMICS_SYNC_OK))
        Py_RETURN_TRUE;
    if (!blocking)
        Py_RETURN_FALSE;
    int64_t timeout;
    if (deadline_timeout(state_of((PyObject *)self), argv[1], &timeout) < 0)
        return NULL;
    if (timeout == 0)
        Py_RETURN_FALSE;
    int r;
    if (block(s, step_sem, NULL, timeout, &r) < 0)
        return NULL;
    return PyBool_FromLong(r == ATOMICS_SYNC_OK || r == ATOMICS_SYNC_OWNER_DIED);
}

static PyObject *sem_enter(SyncObject *self, PyObject *unused) {
    (void)unused;
    return sem_acquire(self, NULL, 0, NULL);
}

static PyObject *sem_release_n(SyncObject *self, uint32_t n) {
    atomics_semaphore *s = self->addr;
    if (sem_bounded(s) && atomics_cc_load_4(&s->max, ATOMICS_RELAXED) == 0) {
        PyErr_SetString(PyExc_ValueError, "Semaphore released too many times");
        return NULL;
    }
    int r = atomics_sem_release(s, n);
    if (r == ATOMICS_SYNC_OVERFLOW) {
        if (sem_bounded(s))
            PyErr_SetString(PyExc_ValueError, "Semaphore released too many times");
        else
            PyErr_SetString(PyExc_OverflowError, "the semaphore's value would pass 2**32 - 1");
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *sem_release(SyncObject *self, PyObject *const *args, Py_ssize_t nargs,
                             PyObject *kwnames) {
    static const atomics_argspec spec = {"release", 0, 1, {"n"}, {NULL}, 0};
    PyObject *argv[1];
    if (ATOMICS_LIKELY(nargs == 0 && kwnames == NULL))
        return sem_release_n(self, 1);
    if (atomics_parse_args(&spec, args, nargs, kwnames, argv) < 0)
        return NULL;
    if (argv[0] == NULL)
        return sem_release_n(self, 1);
    PyObject *v = atomics_as_int(argv[0], "n");
    if (v == NULL)
        return NULL;
    int overflow = 0;
    long long n = PyLong_AsLongLongAndOverflow(v, &overflow);
    Py_DECREF(v);
    if (n == -1 && PyErr_Occurred())
        return NULL;
    if (overflow < 0 || (!overflow && n < 1)) {
        PyErr_SetString(PyExc_ValueError, "n must be one or more");
        return NULL;
    }
    if (overflow > 0 || n > (long long)UINT32_MAX) {
        if (sem_bounded(self->addr))
            PyErr_SetString(PyExc_ValueError, "Semaphore released too many times");
        else
            PyErr_SetString(PyExc_OverflowError, "the semaphore's value would pass 2**32 - 1");
        return NULL;
    }
    return sem_release_n(self, (uint32_t)n);
}

static PyObject *sem_exit(SyncObject *self, PyObject *const *args, Py_ssize_t nargs) {
    (void)args, (void)nargs;
    return sem_release_n(self, 1);
}

static PyObject *sem_owner_died(SyncObject *self, void *c) {
    (void)c;
    return died_of(&ADDR(self, atomics_semaphore)->died);
}

static PyObject *sem_value(SyncObject *self, void *c) {
    (void)c;
    return PyLong_FromUnsignedLong(atomics_sem_value(self->addr));
}

static PyObject *sem_repr(SyncObject *self) {
    atomics_semaphore *s = self->addr;
    if (sem_bounded(s))
        return PyUnicode_FromFormat("<%s at %p: value=%lu/%lu>", Py_TYPE(self)->tp_name,
                                    (void *)self, (unsigned long)atomics_sem_value(s),
                                    (unsigned long)atomics_cc_load_4(&s->max, ATOMICS_RELAXED));
    return PyUnicode_FromFormat("<%s at %p: value=%lu>", Py_TYPE(self)->tp_name, (void *)self,
                                (unsigned long)atomics_sem_value(s));
}

static PyObject *sem_new(PyTypeObject *tp, PyObject *args, PyObject *kwargs) {
    static char *kwlist[] = {"value", "arena", "buffer", "offset", NULL};
    where w = {NULL, NULL, NULL};
    PyObject *value = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|O$OOO", kwlist, &value, &w.arena, &w.buffer,
                                     &w.offset))
        return NULL;
    atomics_state *st = atomics_state_of_type(tp);
    if (st == NULL)
        return NULL;
    int bounded = PyType_IsSubtype(tp, st->BoundedSemaphore);
    unsigned long long v = 1;
    if (value != NULL) {
        PyObject *i = atomics_as_int(value, "value");
        if (i == NULL)
            return NULL;
        int overflow = 0;
        long long x = PyLong_AsLongLongAndOverflow(i, &overflow);
        Py_DECREF(i);
        if (x == -1 && PyErr_Occurred())
            return NULL;
        if (overflow < 0 || (!overflow && x < 0)) {
            PyErr_SetString(PyExc_ValueError, "semaphore initial value must be >= 0");
            return NULL;
        }
        if (overflow > 0 || x > (long long)UINT32_MAX) {
            PyErr_SetString(PyExc_OverflowError, "a semaphore's value must be below 2**32");
            return NULL;
        }
        v = (unsigned long long)x;
    }
    PyObject *placed;
    SyncObject *self = new_placed(tp, &w, ATOMICS_SYNC_SEMAPHORE, &placed);
    if (self == NULL)
        return NULL;
    atomics_semaphore *s = self->addr;
    atomics_sem_init(s, (uint32_t)v, bounded ? (uint32_t)v : 0);
    if (bounded && v == 0) /* the core marks bounds > 0 itself */
        atomics_cc_store_2(&s->h.flags, SEM_BOUNDED, ATOMICS_SEQ_CST);
    return finish(self, placed, NULL);
}

/* ---- Event --------------------------------------------------------------------------------- */

static PyObject *event_is_set(SyncObject *self, PyObject *unused) {
    (void)unused;
    return PyBool_FromLong(atomics_event_is_set(self->addr));
}

static PyObject *event_isSet(SyncObject *self, PyObject *unused) {
#if PY_VERSION_HEX >= 0x030A0000
    if (PyErr_WarnEx(PyExc_DeprecationWarning, "isSet() is deprecated, use is_set() instead", 1) < 0)
        return NULL;
#endif
    return event_is_set(self, unused);
}

static PyObject *event_set(SyncObject *self, PyObject *unused) {
    (void)unused;
    atomics_event_set(self->addr);
    Py_RETURN_NONE;
}

static PyObject *event_clear(SyncObject *self, PyObject *unused) {
    (void)unused;
    atomics_event_clear(self->addr);
    Py_RETURN_NONE;
}

static PyObject *event_wait(SyncObject *self, PyObject *const *args, Py_ssize_t nargs,
                            PyObject *kwnames) {
    static const atomics_argspec spec = {"wait", 0, 1, {"timeout"}, {NULL}, 0};
    PyObject *argv[1];
    uint32_t seen = atomics_event_state(self->addr);
    if (seen & 1u)
        Py_RETURN_TRUE;
    int64_t timeout;
    if (atomics_parse_args(&spec, args, nargs, kwnames, argv) < 0 ||
        cond_timeout(state_of((PyObject *)self), argv[0], &timeout) < 0)
        return NULL;
    if (timeout == 0)
        return PyBool_FromLong(atomics_event_state(self->addr) != seen);
    int r;
    if (block(self->addr, step_event, &seen, timeout, &r) < 0)
        return NULL;
    return PyBool_FromLong(r == ATOMICS_SYNC_OK);
}

static PyObject *event_repr(SyncObject *self) {
    return PyUnicode_FromFormat("<%s at %p: %s>", Py_TYPE(self)->tp_name, (void *)self,
                                atomics_event_is_set(self->addr) ? "set" : "unset");
}

static PyObject *event_new(PyTypeObject *tp, PyObject *args, PyObject *kwargs) {
    static char *kwlist[] = {"arena", "buffer", "offset", NULL};
    where w = {NULL, NULL, NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|$OOO:Event", kwlist, &w.arena, &w.buffer,
                                     &w.offset))
        return NULL;
    PyObject *placed;
    SyncObject *self = new_placed(tp, &w, ATOMICS_SYNC_EVENT, &placed);
    if (self == NULL)
        return NULL;
    atomics_event_init(self->addr);
    return finish(self, placed, NULL);
}

/* ---- Barrier ------------------------------------------------------------------------------- */

static int barrier_set_action(SyncObject *self, PyObject *action, PyObject *timeout) {
    if (action == Py_None)
        action = NULL;
    if (action != NULL && !PyCallable_Check(action)) {
        PyErr_Format(PyExc_TypeError, "action must be callable or None, not %.100s",
                     Py_TYPE(action)->tp_name);
        return -1;
    }
    if (timeout == NULL)
        timeout = Py_None;
    if (timeout != Py_None && !PyNumber_Check(timeout)) {
        PyErr_Format(PyExc_TypeError, "timeout must be None or a number, not %.100s",
                     Py_TYPE(timeout)->tp_name);
        return -1;
    }
    Py_XINCREF(action);
    Py_XSETREF(self->action, action);
    Py_INCREF(timeout);
    Py_XSETREF(self->timeout, timeout);
    return 0;
}

static PyObject *broken_error(void) {
    PyObject *mod = PyImport_ImportModule("threading");
    PyObject *cls = mod ? PyObject_GetAttrString(mod, "BrokenBarrierError") : NULL;
    Py_XDECREF(mod);
    if (cls != NULL) {
        PyErr_SetNone(cls);
        Py_DECREF(cls);
    }
    return NULL;
}

static PyObject *barrier_wait(SyncObject *self, PyObject *const *args, Py_ssize_t nargs,
                              PyObject *kwnames) {
    static const atomics_argspec spec = {"wait", 0, 1, {"timeout"}, {NULL}, 0};
    PyObject *argv[1];
    atomics_barrier *b = self->addr;
    atomics_state *st = state_of((PyObject *)self);
    if (atomics_parse_args(&spec, args, nargs, kwnames, argv) < 0)
        return NULL;
    PyObject *t = argv[0] == NULL || argv[0] == Py_None ? self->timeout : argv[0];
    int64_t timeout;
    if (deadline_timeout(st, t, &timeout) < 0)
        return NULL;
    int64_t deadline = timeout == FOREVER ? FOREVER : add_sat(atomics_monotonic_ns(), timeout);
    arrival a;
    int r = atomics_barrier_arrive(b, &a.index, &a.gen, &a.resets, 0);
    if (r == ATOMICS_SYNC_TIMEDOUT) { /* the last round is still draining */
        if (block(b, step_arrive, &a, timeout, &r) < 0) {
            atomics_barrier_abort(b);
            return NULL;
        }
    }
    if (r == ATOMICS_SYNC_TIMEDOUT) {
        atomics_barrier_abort(b);
        return broken_error();
    }
    if (r != ATOMICS_SYNC_OK)
        return broken_error();
    if (a.index + 1 == atomics_cc_load_4(&b->parties, ATOMICS_RELAXED)) {
        if (self->action != NULL) {
            PyObject *res = PyObject_CallNoArgs(self->action);
            if (res == NULL) {
                atomics_barrier_abort(b);
                return NULL;
            }
            Py_DECREF(res);
        }
        atomics_barrier_complete(b, a.gen);
        return PyLong_FromUnsignedLong(a.index);
    }
    int64_t left = deadline == FOREVER ? FOREVER : deadline - atomics_monotonic_ns();
    if (left < 0)
        left = 0;
    if (block(b, step_await, &a, left, &r) < 0) {
        atomics_barrier_abort(b); /* it cannot leave the round: the others must not hang */
        return NULL;
    }
    if (r == ATOMICS_SYNC_OK)
        return PyLong_FromUnsignedLong(a.index);
    if (r == ATOMICS_SYNC_TIMEDOUT)
        atomics_barrier_abort(b);
    return broken_error();
}

static PyObject *barrier_reset(SyncObject *self, PyObject *unused) {
    (void)unused;
    atomics_barrier_reset(self->addr);
    Py_RETURN_NONE;
}

static PyObject *barrier_abort(SyncObject *self, PyObject *unused) {
    (void)unused;
    atomics_barrier_abort(self->addr);
    Py_RETURN_NONE;
}

static PyObject *barrier_parties(SyncObject *self, void *c) {
    (void)c;
    return PyLong_FromUnsignedLong(atomics_cc_load_4(&ADDR(self, atomics_barrier)->parties,
                                                     ATOMICS_RELAXED));
}

static PyObject *barrier_n_waiting(SyncObject *self, void *c) {
    (void)c;
    return PyLong_FromUnsignedLong(atomics_barrier_n_waiting(self->addr));
}

static PyObject *barrier_broken(SyncObject *self, void *c) {
    (void)c;
    return PyBool_FromLong(atomics_barrier_broken(self->addr));
}

static PyObject *barrier_repr(SyncObject *self) {
    if (atomics_barrier_broken(self->addr))
        return PyUnicode_FromFormat("<%s at %p: broken>", Py_TYPE(self)->tp_name, (void *)self);
    return PyUnicode_FromFormat(
        "<%s at %p: waiters=%lu/%lu>", Py_TYPE(self)->tp_name, (void *)self,
        (unsigned long)atomics_barrier_n_waiting(self->addr),
        (unsigned long)atomics_cc_load_4(&ADDR(self, atomics_barrier)->parties, ATOMICS_RELAXED));
}

static PyObject *barrier_new(PyTypeObject *tp, PyObject *args, PyObject *kwargs) {
    static char *kwlist[] = {"parties", "action", "timeout", "arena", "buffer", "offset", NULL};
    where w = {NULL, NULL, NULL};
    PyObject *parties, *action = Py_None, *timeout = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O|OO$OOO:Barrier", kwlist, &parties, &action,
                                     &timeout, &w.arena, &w.buffer, &w.offset))
        return NULL;
    PyObject *i = atomics_as_int(parties, "parties");
    if (i == NULL)
        return NULL;
    int overflow = 0;
    long long n = PyLong_AsLongLongAndOverflow(i, &overflow);
    Py_DECREF(i);
    if (n == -1 && PyErr_Occurred())
        return NULL;
    if (overflow < 0 || (!overflow && n < 1)) {
        PyErr_SetString(PyExc_ValueError, "parties must be > 0");
        return NULL;
    }
    if (overflow > 0 || n > 0x7fffffffLL) {
        PyErr_SetString(PyExc_OverflowError, "parties must be below 2**31");
        return NULL;
    }
    PyObject *placed;
    SyncObject *self = new_placed(tp, &w, ATOMICS_SYNC_BARRIER, &placed);
    if (self == NULL)
        return NULL;
    if (barrier_set_action(self, action, timeout) < 0) {
        Py_XDECREF(placed);
        Py_DECREF(self);
        return NULL;
    }
    atomics_barrier_init(self->addr, (uint32_t)n);
    return finish(self, placed, Py_BuildValue("(OO)", action, timeout));
}

/* ---- Latch --------------------------------------------------------------------------------- */

static int latch_n(PyObject *arg, uint32_t *out) {
    if (arg == NULL) {
        *out = 1;
        return 0;
    }
    PyObject *i = atomics_as_int(arg, "n");
    if (i == NULL)
        return -1;
    int overflow = 0;
    long long n = PyLong_AsLongLongAndOverflow(i, &overflow);
    Py_DECREF(i);
    if (n == -1 && PyErr_Occurred())
        return -1;
    if (overflow < 0 || (!overflow && n < 1)) {
        PyErr_SetString(PyExc_ValueError, "n must be one or more");
        return -1;
    }
    if (overflow > 0 || n > (long long)UINT32_MAX) {
        PyErr_SetString(PyExc_ValueError, "count_down would take the latch below zero");
        return -1;
    }
    *out = (uint32_t)n;
    return 0;
}

static int latch_down(SyncObject *self, uint32_t n) {
    if (atomics_latch_count_down(self->addr, n) != ATOMICS_SYNC_OK) {
        PyErr_SetString(PyExc_ValueError, "count_down would take the latch below zero");
        return -1;
    }
    return 0;
}

static PyObject *latch_count_down(SyncObject *self, PyObject *const *args, Py_ssize_t nargs,
                                  PyObject *kwnames) {
    static const atomics_argspec spec = {"count_down", 0, 1, {"n"}, {NULL}, 0};
    PyObject *argv[1];
    uint32_t n;
    if (atomics_parse_args(&spec, args, nargs, kwnames, argv) < 0 || latch_n(argv[0], &n) < 0 ||
        latch_down(self, n) < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *latch_try_wait(SyncObject *self, PyObject *unused) {
    (void)unused;
    return PyBool_FromLong(atomics_latch_try_wait(self->addr));
}

static PyObject *latch_block(SyncObject *self, int64_t timeout) {
    if (atomics_latch_try_wait(self->addr))
        Py_RETURN_TRUE;
    if (timeout == 0)
        Py_RETURN_FALSE;
    int r;
    if (block(self->addr, step_latch, NULL, timeout, &r) < 0)
        return NULL;
    return PyBool_FromLong(r == ATOMICS_SYNC_OK);
}

static PyObject *latch_wait(SyncObject *self, PyObject *const *args, Py_ssize_t nargs,
                            PyObject *kwnames) {
    static const atomics_argspec spec = {"wait", 0, 1, {"timeout"}, {NULL}, 0};
    PyObject *argv[1];
    int64_t timeout;
    if (atomics_parse_args(&spec, args, nargs, kwnames, argv) < 0 ||
        latch_timeout(argv[0], &timeout) < 0)
        return NULL;
    return latch_block(self, timeout);
}

static PyObject *latch_arrive_and_wait(SyncObject *self, PyObject *const *args, Py_ssize_t nargs,
                                       PyObject *kwnames) {
    static const atomics_argspec spec = {"arrive_and_wait", 0, 2, {"n", "timeout"}, {NULL}, 0};
    PyObject *argv[2];
    int64_t timeout;
    uint32_t n;
    if (atomics_parse_args(&spec, args, nargs, kwnames, argv) < 0 || latch_n(argv[0], &n) < 0 ||
        latch_timeout(argv[1], &timeout) < 0 || latch_down(self, n) < 0)
        return NULL;
    return latch_block(self, timeout);
}

static PyObject *latch_repr(SyncObject *self) {
    return PyUnicode_FromFormat(
        "<%s at %p: count=%lu>", Py_TYPE(self)->tp_name, (void *)self,
        (unsigned long)atomics_cc_load_4(&ADDR(self, atomics_latch)->count, ATOMICS_SEQ_CST));
}

static PyObject *latch_new(PyTypeObject *tp, PyObject *args, PyObject *kwargs) {
    static char *kwlist[] = {"count", "arena", "buffer", "offset", NULL};
    where w = {NULL, NULL, NULL};
    PyObject *count;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O|$OOO:Latch", kwlist, &count, &w.arena,
                                     &w.buffer, &w.offset))
        return NULL;
    PyObject *i = atomics_as_int(count, "count");
    if (i == NULL)
        return NULL;
    int overflow = 0;
    long long n = PyLong_AsLongLongAndOverflow(i, &overflow);
    Py_DECREF(i);
    if (n == -1 && PyErr_Occurred())
        return NULL;
    if (overflow < 0 || (!overflow && n < 0)) {
        PyErr_SetString(PyExc_ValueError, "count must be >= 0");
        return NULL;
    }
    if (overflow > 0 || n > (long long)UINT32_MAX) {
        PyErr_SetString(PyExc_OverflowError, "count must be below 2**32");
        return NULL;
    }
    PyObject *placed;
    SyncObject *self = new_placed(tp, &w, ATOMICS_SYNC_LATCH, &placed);
    if (self == NULL)
        return NULL;
    atomics_latch_init(self->addr, (uint32_t)n);
    return finish(self, placed, NULL);
}

/* ---- types ---------------------------------------------------------------------------------- */

#define FAST (METH_FASTCALL | METH_KEYWORDS)
#define FN(f) ((PyCFunction)(void (*)(void))(f))

static PyMethodDef lock_methods[] = {
    {"acquire", FN(lock_acquire), FAST,
     "acquire($self, /, blocking=True, timeout=-1)\n--\n\n"
     "Take the lock (as threading.Lock.acquire); True if it was taken."},
    {"release", FN(lock_release), METH_NOARGS,
     "release($self, /)\n--\n\nRelease the lock (any thread or process may)."},
    {"locked", FN(lock_locked), METH_NOARGS, "locked($self, /)\n--\n\nWhether the lock is held."},
    {"__enter__", FN(lock_enter), METH_NOARGS, "__enter__($self, /)\n--\n\nacquire()."},
    {"__exit__", FN(lock_exit), METH_FASTCALL, "__exit__($self, /, *args)\n--\n\nrelease()."},
    {"_at_fork_reinit", FN(lock_at_fork_reinit), METH_NOARGS,
     "_at_fork_reinit($self, /)\n--\n\nMark the lock free (threading's private protocol)."},
    ATTACH_METHOD,
    SYNC_COMMON_METHODS,
    {NULL, NULL, 0, NULL}};

static PyGetSetDef lock_getset[] = {
    {"owner_died", (getter)lock_owner_died, NULL,
     "True while the current acquisition took the lock over from a holder that died.", NULL},
    {NULL, NULL, NULL, NULL, NULL}};

static PyMethodDef rlock_methods[] = {
    {"acquire", FN(rlock_acquire), FAST,
     "acquire($self, /, blocking=True, timeout=-1)\n--\n\n"
     "Take the lock, or take it once more if this thread holds it."},
    {"release", FN(rlock_release), METH_NOARGS,
     "release($self, /)\n--\n\nRelease one level (the owning thread only)."},
    {"locked", FN(rlock_locked), METH_NOARGS, "locked($self, /)\n--\n\nWhether the lock is held."},
    {"__enter__", FN(rlock_enter), METH_NOARGS, "__enter__($self, /)\n--\n\nacquire()."},
    {"__exit__", FN(rlock_exit), METH_FASTCALL, "__exit__($self, /, *args)\n--\n\nrelease()."},
    {"_is_owned", FN(rlock_is_owned), METH_NOARGS, NULL},
    {"_release_save", FN(rlock_release_save), METH_NOARGS, NULL},
    {"_acquire_restore", FN(rlock_acquire_restore), METH_O, NULL},
    {"_recursion_count", FN(rlock_recursion_count), METH_NOARGS, NULL},
    ATTACH_METHOD,
    SYNC_COMMON_METHODS,
    {NULL, NULL, 0, NULL}};

static PyGetSetDef rlock_getset[] = {
    {"owner_died", (getter)rlock_owner_died, NULL,
     "True while the current acquisition took the lock over from a holder that died.", NULL},
    {NULL, NULL, NULL, NULL, NULL}};

static PyMethodDef cond_methods[] = {
    {"acquire", FN(cond_acquire), FAST,
     "acquire($self, /, *args, **kwargs)\n--\n\nAcquire the condition's lock."},
    {"release", FN(cond_release), METH_NOARGS, "release($self, /)\n--\n\nRelease the lock."},
    {"__enter__", FN(cond_enter), METH_NOARGS, "__enter__($self, /)\n--\n\nacquire()."},
    {"__exit__", FN(cond_exit), METH_FASTCALL, "__exit__($self, /, *args)\n--\n\nrelease()."},
    {"_is_owned", FN(cond_is_owned), METH_NOARGS, NULL},
    {"_release_save", FN(cond_release_save), METH_NOARGS, NULL},
    {"_acquire_restore", FN(cond_acquire_restore), METH_O, NULL},
    {"wait", FN(cond_wait), FAST,
     "wait($self, /, timeout=None)\n--\n\n"
     "Release the lock, sleep until notified or timed out, take the lock again.\n"
     "False if the timeout expired."},
    {"wait_for", FN(cond_wait_for), FAST,
     "wait_for($self, /, predicate, timeout=None)\n--\n\n"
     "Wait until predicate() is true; its last result."},
    {"notify", FN(cond_notify), FAST, "notify($self, /, n=1)\n--\n\nWake up to n waiters."},
    {"notify_all", FN(cond_notify_all), METH_NOARGS,
     "notify_all($self, /)\n--\n\nWake every waiter."},
    {"notifyAll", FN(cond_notifyAll), METH_NOARGS,
     "notifyAll($self, /)\n--\n\nDeprecated alias of notify_all()."},
    {"attach", FN(condition_attach), FAST | METH_CLASS,
     "attach($cls, /, buffer, offset=0, lock=None)\n--\n\n"
     "Attach to a Condition initialised at `offset` in `buffer`; `lock`: the external\n"
     "lock it was made with, if any."},
    SYNC_COMMON_METHODS,
    {NULL, NULL, 0, NULL}};

static PyGetSetDef cond_getset[] = {
    {"_lock", (getter)cond_get_lock, NULL, "The condition's lock.", NULL},
    {NULL, NULL, NULL, NULL, NULL}};

static PyMethodDef sem_methods[] = {
    {"acquire", FN(sem_acquire), FAST,
     "acquire($self, /, blocking=True, timeout=None)\n--\n\n"
     "Take one unit; True if taken (as threading.Semaphore.acquire)."},
    {"release", FN(sem_release), FAST, "release($self, /, n=1)\n--\n\nReturn n units."},
    {"__enter__", FN(sem_enter), METH_NOARGS, "__enter__($self, /)\n--\n\nacquire()."},
    {"__exit__", FN(sem_exit), METH_FASTCALL, "__exit__($self, /, *args)\n--\n\nrelease()."},
    ATTACH_METHOD,
    SYNC_COMMON_METHODS,
    {NULL, NULL, 0, NULL}};

static PyGetSetDef sem_getset[] = {
    {"owner_died", (getter)sem_owner_died, NULL,
     "True while the current acquisition got units back from a holder that died.", NULL},
    {"_value", (getter)sem_value, NULL, "The units available now.", NULL},
    {NULL, NULL, NULL, NULL, NULL}};

static PyMethodDef event_methods[] = {
    {"is_set", FN(event_is_set), METH_NOARGS, "is_set($self, /)\n--\n\nWhether the flag is set."},
    {"isSet", FN(event_isSet), METH_NOARGS, "isSet($self, /)\n--\n\nDeprecated alias of is_set()."},
    {"set", FN(event_set), METH_NOARGS, "set($self, /)\n--\n\nSet the flag; wake every waiter."},
    {"clear", FN(event_clear), METH_NOARGS, "clear($self, /)\n--\n\nClear the flag."},
    {"wait", FN(event_wait), FAST,
     "wait($self, /, timeout=None)\n--\n\nWait until the flag is set; the flag."},
    ATTACH_METHOD,
    SYNC_COMMON_METHODS,
    {NULL, NULL, 0, NULL}};

static PyMethodDef barrier_methods[] = {
    {"wait", FN(barrier_wait), FAST,
     "wait($self, /, timeout=None)\n--\n\n"
     "Wait for the other parties; the arrival index (0 .. parties - 1)."},
    {"reset", FN(barrier_reset), METH_NOARGS,
     "reset($self, /)\n--\n\nBack to the empty state; waiters get BrokenBarrierError."},
    {"abort", FN(barrier_abort), METH_NOARGS,
     "abort($self, /)\n--\n\nBreak the barrier; waiters get BrokenBarrierError."},
    ATTACH_METHOD,
    SYNC_COMMON_METHODS,
    {NULL, NULL, 0, NULL}};

static PyGetSetDef barrier_getset[] = {
    {"parties", (getter)barrier_parties, NULL, "The number of parties.", NULL},
    {"n_waiting", (getter)barrier_n_waiting, NULL, "Parties waiting now.", NULL},
    {"broken", (getter)barrier_broken, NULL, "Whether the barrier is broken.", NULL},
    {NULL, NULL, NULL, NULL, NULL}};

static PyMethodDef latch_methods[] = {
    {"count_down", FN(latch_count_down), FAST,
     "count_down($self, /, n=1)\n--\n\nDecrease the count by n (ValueError below zero)."},
    {"try_wait", FN(latch_try_wait), METH_NOARGS,
     "try_wait($self, /)\n--\n\nWhether the count is zero."},
    {"wait", FN(latch_wait), FAST,
     "wait($self, /, timeout=None)\n--\n\nWait until the count is zero; False on timeout."},
    {"arrive_and_wait", FN(latch_arrive_and_wait), FAST,
     "arrive_and_wait($self, /, n=1, timeout=None)\n--\n\ncount_down(n), then wait(timeout)."},
    ATTACH_METHOD,
    SYNC_COMMON_METHODS,
    {NULL, NULL, 0, NULL}};

static PyTypeObject *make_type(PyObject *module, const char *name, const char *doc,
                               newfunc tp_new, reprfunc repr, PyMethodDef *methods,
                               PyGetSetDef *getset, PyTypeObject *base, int kind) {
    PyType_Slot slots[] = {
        {Py_tp_doc, (void *)doc},
        {Py_tp_new, (void *)tp_new},
        {Py_tp_repr, (void *)repr},
        {Py_tp_methods, methods},
        {Py_tp_members, sync_members},
        {Py_tp_dealloc, (void *)sync_dealloc},
        {Py_tp_traverse, (void *)sync_traverse},
        {Py_tp_clear, (void *)sync_clear},
        {getset ? Py_tp_getset : 0, getset},
        {0, NULL}};
    PyType_Spec spec = {name, (int)sizeof(SyncObject), 0,
                        Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC, slots};
    PyObject *bases = base ? PyTuple_Pack(1, (PyObject *)base) : NULL;
    if (base && bases == NULL)
        return NULL;
    PyTypeObject *tp = (PyTypeObject *)PyType_FromModuleAndSpec(module, &spec, bases);
    Py_XDECREF(bases);
    if (tp == NULL)
        return NULL;
    PyObject *nbytes = PyLong_FromSize_t(atomics_sync_size(kind));
    PyObject *alignment = PyLong_FromLong(ATOMICS_SYNC_ALIGNMENT);
    int rc = nbytes && alignment ? 0 : -1;
    if (rc == 0)
        rc = PyObject_SetAttrString((PyObject *)tp, "nbytes", nbytes);
    if (rc == 0)
        rc = PyObject_SetAttrString((PyObject *)tp, "alignment", alignment);
    Py_XDECREF(nbytes);
    Py_XDECREF(alignment);
    if (rc == 0)
        rc = PyModule_AddType(module, tp);
    if (rc < 0) {
        Py_DECREF(tp);
        return NULL;
    }
    return tp;
}

int atomics_add_sync_types(PyObject *module, atomics_state *st) {
    PyObject *thread = PyImport_ImportModule("_thread");
    if (thread == NULL)
        return -1;
    st->allocate_lock = PyObject_GetAttrString(thread, "allocate_lock");
    PyObject *tmax = PyObject_GetAttrString(thread, "TIMEOUT_MAX");
    Py_DECREF(thread);
    if (st->allocate_lock == NULL || tmax == NULL) {
        Py_XDECREF(tmax);
        return -1;
    }
    st->timeout_max = PyFloat_AsDouble(tmax);
    Py_DECREF(tmax);
    if (st->timeout_max == -1.0 && PyErr_Occurred())
        return -1;
#define DOC(cls, sig, text) cls sig "\n--\n\n" text
    if (!(st->Lock = make_type(
              module, "atomics.Lock",
              DOC("Lock", "(*, arena=None, buffer=None, offset=0)",
                  "A lock in shared memory, as threading.Lock (any thread or process may\n"
                  "release it); a holder that dies is taken over (see owner_died)."),
              lock_new, (reprfunc)lock_repr, lock_methods, lock_getset, NULL, ATOMICS_SYNC_LOCK)) ||
        !(st->RLock = make_type(
              module, "atomics.RLock",
              DOC("RLock", "(*, arena=None, buffer=None, offset=0)",
                  "A reentrant lock in shared memory, as threading.RLock: owned by one\n"
                  "thread of one process."),
              rlock_new, (reprfunc)rlock_repr, rlock_methods, rlock_getset, NULL,
              ATOMICS_SYNC_RLOCK)) ||
        !(st->Condition = make_type(
              module, "atomics.Condition",
              DOC("Condition", "(lock=None, *, arena=None, buffer=None, offset=0)",
                  "A condition variable in shared memory, as threading.Condition; its lock\n"
                  "is an atomics.Lock or RLock (default: an RLock embedded in it)."),
              condition_new, (reprfunc)cond_repr, cond_methods, cond_getset, NULL,
              ATOMICS_SYNC_CONDITION)) ||
        !(st->Semaphore = make_type(
              module, "atomics.Semaphore",
              DOC("Semaphore", "(value=1, *, arena=None, buffer=None, offset=0)",
                  "A counting semaphore in shared memory, as threading.Semaphore."),
              sem_new, (reprfunc)sem_repr, sem_methods, sem_getset, NULL,
              ATOMICS_SYNC_SEMAPHORE)) ||
        !(st->BoundedSemaphore = make_type(
              module, "atomics.BoundedSemaphore",
              DOC("BoundedSemaphore", "(value=1, *, arena=None, buffer=None, offset=0)",
                  "A semaphore that refuses to be released past its initial value."),
              sem_new, (reprfunc)sem_repr, sem_methods, sem_getset, st->Semaphore,
              ATOMICS_SYNC_SEMAPHORE)) ||
        !(st->Event = make_type(
              module, "atomics.Event",
              DOC("Event", "(*, arena=None, buffer=None, offset=0)",
                  "An event flag in shared memory, as threading.Event."),
              event_new, (reprfunc)event_repr, event_methods, NULL, NULL, ATOMICS_SYNC_EVENT)) ||
        !(st->Barrier = make_type(
              module, "atomics.Barrier",
              DOC("Barrier", "(parties, action=None, timeout=None, *, arena=None, buffer=None, offset=0)",
                  "A barrier in shared memory, as threading.Barrier; `action` runs in the\n"
                  "process of the last thread to arrive."),
              barrier_new, (reprfunc)barrier_repr, barrier_methods, barrier_getset, NULL,
              ATOMICS_SYNC_BARRIER)) ||
        !(st->Latch = make_type(
              module, "atomics.Latch",
              DOC("Latch", "(count, *, arena=None, buffer=None, offset=0)",
                  "A single-use countdown latch in shared memory (C++20 std::latch)."),
              latch_new, (reprfunc)latch_repr, latch_methods, NULL, NULL, ATOMICS_SYNC_LATCH)))
        return -1;
#undef DOC
    return 0;
}
