/* functions.h: the module functions (functions.c) and their method table
 * entries, for module.c. */
#ifndef ATOMICS_FUNCTIONS_H
#define ATOMICS_FUNCTIONS_H

#include "atomics_ext.h"

PyObject *atomics_thread_fence_py(PyObject *module, PyObject *const *args, Py_ssize_t nargs,
                                  PyObject *kwnames);
PyObject *atomics_signal_fence_py(PyObject *module, PyObject *const *args, Py_ssize_t nargs,
                                  PyObject *kwnames);
PyObject *atomics_spin_pause_py(PyObject *module, PyObject *unused);
PyObject *atomics_is_lock_free_py(PyObject *module, PyObject *width);
PyObject *atomics_supported_ops_py(PyObject *module, PyObject *const *args, Py_ssize_t nargs,
                                   PyObject *kwnames);

#define ATOMICS_FUNCTION_METHODS                                                            \
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

#endif /* ATOMICS_FUNCTIONS_H */
