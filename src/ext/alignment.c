/* alignment.c: the Alignment class, the alignment contract of one width as
 * the core reports it, and checks of buffers against it. */
#include "alignment.h"
#include "convert.h"
#include "module.h"

#include <structmember.h>

typedef struct {
    PyObject_HEAD
    Py_ssize_t width, recommended, minimum, size_within;
} AlignmentObject;

static PyObject *alignment_new(PyTypeObject *tp, PyObject *args, PyObject *kwargs) {
    static const char *const names[] = {"width", NULL};
    PyObject *a[1];
    Py_ssize_t width;
    atomics_alignment al;
    if (atomics_parse_kwargs("Alignment", args, kwargs, names, 1, a) < 0 ||
        atomics_parse_width(atomics_state_of_type(tp), a[0], &width) < 0)
        return NULL;
    if (width < 1 || width > ATOMICS_MAX_WIDTH || atomics_alignment_of((size_t)width, &al) != 0) {
        atomics_raise_width(atomics_state_of_type(tp), width, 0);
        return NULL;
    }
    AlignmentObject *self = (AlignmentObject *)tp->tp_alloc(tp, 0);
    if (self == NULL)
        return NULL;
    self->width = width;
    self->recommended = (Py_ssize_t)al.recommended;
    self->minimum = (Py_ssize_t)al.minimum;
    self->size_within = (Py_ssize_t)al.size_within;
    return (PyObject *)self;
}

static void alignment_dealloc(PyObject *self) {
    PyTypeObject *tp = Py_TYPE(self);
    tp->tp_free(self);
    Py_DECREF(tp);
}

/* The address of `buffer`, checked to be `width` bytes; -1 with an exception. */
static int buffer_address(AlignmentObject *self, PyObject *buffer, uintptr_t *addr) {
    Py_buffer view;
    if (atomics_get_buffer(buffer, &view) < 0)
        return -1;
    *addr = (uintptr_t)view.buf;
    Py_ssize_t len = view.len;
    PyBuffer_Release(&view);
    if (len != self->width) {
        PyErr_Format(PyExc_ValueError, "buffer of %zd bytes does not match the width %zd", len,
                     self->width);
        return -1;
    }
    return 0;
}

static PyObject *check(AlignmentObject *self, PyObject *buffer, int recommended) {
    uintptr_t addr;
    if (buffer_address(self, buffer, &addr) < 0)
        return NULL;
    if (recommended)
        return PyBool_FromLong(addr % (uintptr_t)self->recommended == 0);
    return PyBool_FromLong(atomics_is_aligned((const void *)addr, (size_t)self->width, 0));
}

static PyObject *is_valid(AlignmentObject *self, PyObject *const *args, Py_ssize_t nargs,
                          PyObject *kwnames) {
    static const atomics_argspec spec = {
        "is_valid", 1, 2, {"buffer", "using_recommended"}, {NULL}, 1};
    PyObject *argv[2];
    if (atomics_parse_args(&spec, args, nargs, kwnames, argv) < 0)
        return NULL;
    int recommended = 1;
    if (argv[1] && atomics_parse_flag(argv[1], "using_recommended", &recommended) < 0)
        return NULL;
    return check(self, argv[0], recommended);
}

static PyObject *is_valid_recommended(AlignmentObject *self, PyObject *buffer) {
    return check(self, buffer, 1);
}

static PyObject *is_valid_minimum(AlignmentObject *self, PyObject *buffer) {
    return check(self, buffer, 0);
}

static PyObject *alignment_repr(AlignmentObject *self) {
    return PyUnicode_FromFormat("Alignment(width=%zd, recommended=%zd, minimum=%zd, size_within=%zd)",
                                self->width, self->recommended, self->minimum, self->size_within);
}

/* copy and pickle rebuild it from its width. */
static PyObject *alignment_reduce(AlignmentObject *self, PyObject *unused) {
    (void)unused;
    return Py_BuildValue("(O(n))", (PyObject *)Py_TYPE(self), self->width);
}

static PyMemberDef alignment_members[] = {
    {"width", T_PYSSIZET, offsetof(AlignmentObject, width), READONLY, "The width in bytes."},
    {"recommended", T_PYSSIZET, offsetof(AlignmentObject, recommended), READONLY,
     "Alignment that every atomic object of this width accepts (and the fastest)."},
    {"minimum", T_PYSSIZET, offsetof(AlignmentObject, minimum), READONLY,
     "The smallest alignment the core can operate at."},
    {"size_within", T_PYSSIZET, offsetof(AlignmentObject, size_within), READONLY,
     "If non-zero, a minimum-aligned object must also lie wholly inside one naturally "
     "aligned block of this many bytes."},
    {NULL, 0, 0, 0, NULL}};

static PyMethodDef alignment_methods[] = {
    {"is_valid", (PyCFunction)(void (*)(void))is_valid, METH_FASTCALL | METH_KEYWORDS,
     "is_valid($self, /, buffer, *, using_recommended=True)\n--\n\n"
     "Whether the buffer meets the recommended (or, with using_recommended=False, the "
     "minimum) alignment."},
    {"is_valid_recommended", (PyCFunction)is_valid_recommended, METH_O,
     "is_valid_recommended($self, buffer, /)\n--\n\n"
     "Whether the buffer's address is a multiple of the recommended alignment."},
    {"is_valid_minimum", (PyCFunction)is_valid_minimum, METH_O,
     "is_valid_minimum($self, buffer, /)\n--\n\n"
     "Whether the buffer meets the minimum alignment (and lies inside one block of "
     "size_within bytes, where that is non-zero)."},
    {"__reduce__", (PyCFunction)alignment_reduce, METH_NOARGS, "For copy and pickle."},
    {NULL, NULL, 0, NULL}};

int atomics_add_alignment_type(PyObject *module, atomics_state *st) {
    PyType_Slot slots[] = {
        {Py_tp_doc, (void *)"Alignment(width)\n--\n\nThe alignment contract of atomic objects "
                            "of one width on this machine."},
        {Py_tp_new, (void *)alignment_new},
        {Py_tp_dealloc, (void *)alignment_dealloc},
        {Py_tp_repr, (void *)alignment_repr},
        {Py_tp_members, (void *)alignment_members},
        {Py_tp_methods, (void *)alignment_methods},
        {0, NULL}};
    PyType_Spec spec = {"atomics.Alignment", (int)sizeof(AlignmentObject), 0, Py_TPFLAGS_DEFAULT,
                        slots};
    st->Alignment = (PyTypeObject *)PyType_FromModuleAndSpec(module, &spec, NULL);
    if (st->Alignment == NULL || PyModule_AddType(module, st->Alignment) < 0)
        return -1;
    return 0;
}
