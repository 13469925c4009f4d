"""Which tests cannot run on PyPy, and why. conftest.py imports these hooks
on PyPy only; on CPython nothing here is active.

1. Writable views. atomicview() refuses writable buffers on PyPy with a
   BufferError (tests/test_pypy.py says why). A test that makes such a view,
   in the test process or in a child it starts, is reported as skipped with
   that reason: the refusal itself marks the test, so no list can drift.
   Tests that mix owned objects and views are skipped whole.
2. The tests listed in SKIPS below, each with its reason.
"""
import pytest

REFUSAL = "not supported on PyPy"
VIEW_REASON = ("needs a view of a writable buffer, which atomics refuses on PyPy: cpyext cannot give a "
               "writable buffer that stays valid (tests/test_pypy.py)")

# module, or module::test (without parameters) -> reason
MYPY = ("mypy under PyPy takes minutes per run; the stubs do not depend on the "
        "interpreter and every CPython leg checks them")
STRESS = ("the stress harness (_stress.py) pins its processes with os.sched_getaffinity, "
          "which PyPy's os lacks, and its scenarios share memory through writable views")
CPYTHON_GC = ("checks CPython's reference counting and cycle collector (objects freed at "
              "del, gc.is_tracked); PyPy frees at its own collector's pace")
ARENAS = ("makes arenas in a child process, which refuses them on PyPy (their objects are "
          "views of a writable mmap: see VIEW_REASON)")
SKIPS = {
    "test_lifetime_gc.py": CPYTHON_GC,
    "test_compat_1_0_3.py::test_weak_references_to_objects_and_views": CPYTHON_GC,
    "test_compat_1_0_3.py::test_instance_attributes_need_a_subclass":
        "cpyext gives every extension object a __dict__",
    "test_typing_tools.py": MYPY,
    "test_concurrency.py": STRESS,
    "test_concurrency_litmus.py": STRESS,
    "test_concurrency_interop.py": STRESS,
    "test_resources.py": "needs tracemalloc and sys.getrefcount, which PyPy lacks",
    "test_typing.py::test_mypy_strict_on_examples": MYPY,
    "test_typing.py::test_mypy_sees_the_installed_stubs": MYPY,
    "test_typing.py::test_mypy_on_the_readme_examples": MYPY,
    "test_views.py::test_export_released_exactly_once": "needs sys.getrefcount, which PyPy lacks",
    "test_views.py::test_export_released_after_failed_construction":
        "needs sys.getrefcount, which PyPy lacks",
    "test_objects.py::test_no_reference_leaks": "needs sys.getrefcount, which PyPy lacks",
    "test_objects.py::test_signatures_are_introspectable":
        "PyPy's built-in methods do not read __text_signature__, so inspect.signature fails",
    "test_objects.py::test_any_objects_have_properties_only":
        "makes 8- and 16-byte views of bytes objects, whose data PyPy aligns to 4 bytes only",
    "test_examples.py::test_arena_tag_names_new_arenas": ARENAS,
    "test_examples.py::test_examples_pass_while_another_program_makes_arenas": ARENAS,
    "test_examples.py::test_shared_object_tests_pass_while_another_program_makes_arenas": ARENAS,
    "test_shared.py::test_full_shared_memory_is_an_error_not_sigbus": ARENAS,
    # the sync primitives live in arenas, which children refuse on PyPy
    "test_sync_processes.py": ARENAS,
    "test_errors.py::test_readonly_mmap":
        "PyPy lets an mmap be closed while a view holds its export (CPython raises "
        "BufferError): there a view must not outlive its mmap",
}


def _skip_reason(nodeid):
    path, _, rest = nodeid.partition("::")
    module = path.rsplit("/", 1)[-1]
    name = rest.split("[", 1)[0]
    return SKIPS.get(f"{module}::{name}") or SKIPS.get(module)


def pytest_ignore_collect(collection_path, config):
    # a module that cannot even be imported on PyPy
    if collection_path.name == "test_resources.py":
        return True
    return None


def pytest_collection_modifyitems(config, items):
    for item in items:
        reason = _skip_reason(item.nodeid)
        if reason:
            item.add_marker(pytest.mark.skip(reason=f"PyPy: {reason}"))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.failed and call.excinfo is not None and REFUSAL in str(call.excinfo.value):
        report.outcome = "skipped"
        report.longrepr = (str(item.path), item.location[1] or 0, f"Skipped: PyPy: {VIEW_REASON}")
