/* result.c: CmpxchgResult, what cmpxchg_weak and cmpxchg_strong return:
 * .success and .expected (the value seen), truthy iff success, unpacks as
 * `ok, seen = result`, and generic for type hints (CmpxchgResult[int]). */
#include "result.h"
#include "convert.h"

#include <structmember.h>

typedef struct {
    PyObject_HEAD
    PyObject *success; /* Py_True or Py_False */
    PyObject *expected;
} ResultObject;

PyObject *atomics_cmpxchg_result(atomics_state *st, int success, PyObject *expected) {
    /* every cmpxchg makes one: no zero-fill (both fields are set here), and
     * tracked only once complete */
    ResultObject *r = PyObject_GC_New(ResultObject, st->CmpxchgResult);
    if (r == NULL)
        return NULL;
    r->success = PyBool_FromLong(success);
    Py_INCREF(expected);
    r->expected = expected;
    PyObject_GC_Track(r);
    return (PyObject *)r;
}

static PyObject *result_new(PyTypeObject *tp, PyObject *args, PyObject *kwargs) {
    static const char *const names[] = {"success", "expected", NULL};
    PyObject *a[2];
    if (atomics_parse_kwargs("CmpxchgResult", args, kwargs, names, 2, a) < 0)
        return NULL;
    int ok = PyObject_IsTrue(a[0]);
    if (ok < 0)
        return NULL;
    ResultObject *r = (ResultObject *)tp->tp_alloc(tp, 0);
    if (r == NULL)
        return NULL;
    r->success = PyBool_FromLong(ok);
    Py_INCREF(a[1]);
    r->expected = a[1];
    return (PyObject *)r;
}

/* `expected` can be any object (CmpxchgResult(True, some_list)), so a
 * result can be part of a cycle: the collector must see it. */
static int result_traverse(ResultObject *r, visitproc visit, void *arg) {
    Py_VISIT(Py_TYPE(r));
    Py_VISIT(r->expected);
    return 0;
}

static int result_clear(ResultObject *r) {
    Py_CLEAR(r->expected);
    return 0;
}

/* None once the collector has cleared the result (seen only from a
 * finaliser that resurrects it). */
static PyObject *expected_of(ResultObject *r) {
    return r->expected ? r->expected : Py_None;
}

static void result_dealloc(ResultObject *r) {
    PyTypeObject *tp = Py_TYPE(r);
    PyObject_GC_UnTrack(r);
    Py_XDECREF(r->success);
    Py_XDECREF(r->expected);
    tp->tp_free(r);
    Py_DECREF(tp);
}

static int result_bool(ResultObject *r) { return r->success == Py_True; }

static Py_ssize_t result_len(PyObject *r) {
    (void)r;
    return 2;
}

static PyObject *result_item(ResultObject *r, Py_ssize_t i) {
#ifdef PYPY_VERSION
    /* CPython adds the length to a negative index before calling sq_item;
     * PyPy's cpyext passes it through */
    if (i < 0)
        i += 2;
#endif
    if (i < 0 || i > 1) {
        PyErr_SetString(PyExc_IndexError, "CmpxchgResult index out of range");
        return NULL;
    }
    PyObject *v = i == 0 ? r->success : expected_of(r);
    Py_INCREF(v);
    return v;
}

static PyObject *result_as_tuple(ResultObject *r) {
    return PyTuple_Pack(2, r->success, expected_of(r));
}

static PyObject *result_iter(ResultObject *r) {
    PyObject *t = result_as_tuple(r);
    if (t == NULL)
        return NULL;
    PyObject *it = PyObject_GetIter(t);
    Py_DECREF(t);
    return it;
}

static PyObject *result_richcompare(PyObject *a, PyObject *b, int op) {
    if ((op != Py_EQ && op != Py_NE) || Py_TYPE(b) != Py_TYPE(a))
        Py_RETURN_NOTIMPLEMENTED;
    PyObject *ta = result_as_tuple((ResultObject *)a);
    PyObject *tb = ta ? result_as_tuple((ResultObject *)b) : NULL;
    PyObject *res = tb ? PyObject_RichCompare(ta, tb, op) : NULL;
    Py_XDECREF(ta);
    Py_XDECREF(tb);
    return res;
}

static Py_hash_t result_hash(ResultObject *r) {
    PyObject *t = result_as_tuple(r);
    if (t == NULL)
        return -1;
    Py_hash_t h = PyObject_Hash(t);
    Py_DECREF(t);
    return h;
}

static PyObject *result_repr(ResultObject *r) {
    return PyUnicode_FromFormat("CmpxchgResult(success=%R, expected=%R)", r->success,
                                expected_of(r));
}

/* A plain value: copy and pickle rebuild it from its two fields. */
static PyObject *result_reduce(ResultObject *r, PyObject *unused) {
    (void)unused;
    return Py_BuildValue("(O(OO))", (PyObject *)Py_TYPE(r), r->success, expected_of(r));
}

static PyMemberDef result_members[] = {
    {"success", T_OBJECT, offsetof(ResultObject, success), READONLY,
     "Whether the exchange took place."},
    {"expected", T_OBJECT, offsetof(ResultObject, expected), READONLY,
     "The value seen in the object (the old value on success, the current one on failure)."},
    {NULL, 0, 0, 0, NULL}};

static PyMethodDef result_methods[] = {
    {"__class_getitem__", Py_GenericAlias, METH_O | METH_CLASS,
     "CmpxchgResult[T] for type hints."},
    {"__reduce__", (PyCFunction)result_reduce, METH_NOARGS, "For copy and pickle."},
    {NULL, NULL, 0, NULL}};

int atomics_add_result_type(PyObject *module, atomics_state *st) {
    PyType_Slot slots[] = {
        {Py_tp_doc, (void *)"CmpxchgResult(success, expected)\n--\n\n"
                            "Outcome of a compare-exchange: .success and .expected "
                            "(the value seen). Truthy iff success; unpacks as "
                            "(success, expected)."},
        {Py_tp_new, (void *)result_new},
        {Py_tp_dealloc, (void *)result_dealloc},
        {Py_tp_traverse, (void *)result_traverse},
        {Py_tp_clear, (void *)result_clear},
        {Py_tp_repr, (void *)result_repr},
        {Py_tp_richcompare, (void *)result_richcompare},
        {Py_tp_hash, (void *)result_hash},
        {Py_tp_iter, (void *)result_iter},
        {Py_tp_members, (void *)result_members},
        {Py_tp_methods, (void *)result_methods},
        {Py_nb_bool, (void *)result_bool},
        {Py_sq_length, (void *)result_len},
        {Py_sq_item, (void *)result_item},
        {0, NULL}};
    PyType_Spec spec = {"atomics.CmpxchgResult", (int)sizeof(ResultObject), 0,
                        Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC, slots};
    st->CmpxchgResult = (PyTypeObject *)PyType_FromModuleAndSpec(module, &spec, NULL);
    if (st->CmpxchgResult == NULL || PyModule_AddType(module, st->CmpxchgResult) < 0)
        return -1;
    PyObject *match = Py_BuildValue("(ss)", "success", "expected");
    int rc = match ? PyObject_SetAttrString((PyObject *)st->CmpxchgResult, "__match_args__", match)
                   : -1;
    Py_XDECREF(match);
    return rc;
}
