/* more_ops.h: the operations beyond atomics 1.0 (more_ops.c), as method
 * table entries for atomic.c and module functions for module.c. */
#ifndef ATOMICS_MORE_OPS_H
#define ATOMICS_MORE_OPS_H

#include "element.h"

#define ATOMICS_MORE_SIG_ORDER_ "($self, /, order=atomics.MemoryOrder.SEQ_CST)\n--\n\n"
#define ATOMICS_MORE_SIG_VALUE_ "($self, /, value, order=atomics.MemoryOrder.SEQ_CST)\n--\n\n"
#define ATOMICS_MORE_M_(name, sig, doc)                                                        \
    {#name, (PyCFunction)(void (*)(void))m_##name, METH_FASTCALL | METH_KEYWORDS,      \
     #name sig doc}

/* Every object with a value: integral and bytes. */
#define ATOMICS_MORE_VALUE_METHODS                                                             \
    ATOMICS_MORE_M_(bin_or_fetch, ATOMICS_MORE_SIG_VALUE_,                                     \
                    "Atomically value |= operand; return the new value."),                     \
    ATOMICS_MORE_M_(bin_xor_fetch, ATOMICS_MORE_SIG_VALUE_,                                    \
                    "Atomically value ^= operand; return the new value."),                     \
    ATOMICS_MORE_M_(bin_and_fetch, ATOMICS_MORE_SIG_VALUE_,                                    \
                    "Atomically value &= operand; return the new value."),                     \
    ATOMICS_MORE_M_(bin_not_fetch, ATOMICS_MORE_SIG_ORDER_,                                    \
                    "Atomically value = ~value; return the new value."),                       \
    ATOMICS_MORE_M_(fetch_update,                                                              \
                    "($self, /, fn, order=atomics.MemoryOrder.SEQ_CST, fail_order=None, *, "   \
                    "max_retries=10000)\n--\n\n",                                              \
                    "Replace the value by fn(value) with a compare-and-swap loop; return the " \
                    "value fn was given on the successful attempt. fn runs with nothing held " \
                    "and may run more than once; an exception from it propagates and leaves "  \
                    "the value as it is. fail_order (the loads' order) defaults to the "       \
                    "strongest load order order allows. After max_retries failed attempts "    \
                    "(None: no limit) RuntimeError is raised.")

/* Integral objects only (INT compares signed, UINT unsigned). */
#define ATOMICS_MORE_INTEGRAL_METHODS                                                          \
    ATOMICS_MORE_M_(max, ATOMICS_MORE_SIG_VALUE_,                                              \
                    "Atomically value = max(value, operand)."),                                \
    ATOMICS_MORE_M_(min, ATOMICS_MORE_SIG_VALUE_,                                              \
                    "Atomically value = min(value, operand)."),                                \
    ATOMICS_MORE_M_(fetch_max, ATOMICS_MORE_SIG_VALUE_,                                        \
                    "Atomically value = max(value, operand); return the old value."),          \
    ATOMICS_MORE_M_(fetch_min, ATOMICS_MORE_SIG_VALUE_,                                        \
                    "Atomically value = min(value, operand); return the old value."),          \
    ATOMICS_MORE_M_(max_fetch, ATOMICS_MORE_SIG_VALUE_,                                        \
                    "Atomically value = max(value, operand); return the new value."),          \
    ATOMICS_MORE_M_(min_fetch, ATOMICS_MORE_SIG_VALUE_,                                        \
                    "Atomically value = min(value, operand); return the new value."),          \
    ATOMICS_MORE_M_(add_fetch, ATOMICS_MORE_SIG_VALUE_,                                        \
                    "Atomically add value (wraps around); return the new value."),             \
    ATOMICS_MORE_M_(sub_fetch, ATOMICS_MORE_SIG_VALUE_,                                        \
                    "Atomically subtract value (wraps around); return the new value."),        \
    ATOMICS_MORE_M_(inc_fetch, ATOMICS_MORE_SIG_ORDER_,                                        \
                    "Atomically add 1 (wraps around); return the new value."),                 \
    ATOMICS_MORE_M_(dec_fetch, ATOMICS_MORE_SIG_ORDER_,                                        \
                    "Atomically subtract 1 (wraps around); return the new value."),            \
    ATOMICS_MORE_M_(neg_fetch, ATOMICS_MORE_SIG_ORDER_,                                        \
                    "Atomically negate (wraps around); return the new value.")

/* Module functions. */
PyObject *atomics_thread_fence_py(PyObject *module, PyObject *const *args, Py_ssize_t nargs,
                                  PyObject *kwnames);
PyObject *atomics_signal_fence_py(PyObject *module, PyObject *const *args, Py_ssize_t nargs,
                                  PyObject *kwnames);
PyObject *atomics_spin_pause_py(PyObject *module, PyObject *unused);
PyObject *atomics_is_lock_free_py(PyObject *module, PyObject *width);
PyObject *atomics_supported_ops_py(PyObject *module, PyObject *const *args, Py_ssize_t nargs,
                                   PyObject *kwnames);

#define ATOMICS_MORE_MODULE_METHODS                                                            \
    {"thread_fence", (PyCFunction)(void (*)(void))atomics_thread_fence_py,                     \
     METH_FASTCALL | METH_KEYWORDS,                                                            \
     "thread_fence($module, /, order=atomics.MemoryOrder.SEQ_CST)\n--\n\n"                      \
     "A memory fence between threads and processes (C11 atomic_thread_fence); "                \
     "RELAXED does nothing."},                                                                 \
    {"signal_fence", (PyCFunction)(void (*)(void))atomics_signal_fence_py,                     \
     METH_FASTCALL | METH_KEYWORDS,                                                            \
     "signal_fence($module, /, order=atomics.MemoryOrder.SEQ_CST)\n--\n\n"                      \
     "A fence against compiler reordering only (C11 atomic_signal_fence)."},                   \
    {"spin_pause", (PyCFunction)atomics_spin_pause_py, METH_NOARGS,                            \
     "spin_pause($module, /)\n--\n\n"                                                          \
     "The processor's spin-wait hint (x86 pause, aarch64 isb), for busy-wait loops."},         \
    {"is_lock_free", (PyCFunction)atomics_is_lock_free_py, METH_O,                             \
     "is_lock_free($module, width, /)\n--\n\n"                                                 \
     "Whether atomic objects of this width exist on this processor (every operation "          \
     "on them is then lock-free: nothing is ever done with a lock)."},                         \
    {"supported_ops", (PyCFunction)(void (*)(void))atomics_supported_ops_py,                   \
     METH_FASTCALL | METH_KEYWORDS,                                                            \
     "supported_ops($module, /, width, *, readonly=False)\n--\n\n"                              \
     "The names of the operations (methods) an integral object of this width supports "       \
     "here, at its recommended alignment; () for an unsupported width."}

#endif /* ATOMICS_MORE_OPS_H */
