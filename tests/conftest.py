"""pytest configuration shared by the whole suite.

The tests exercise the INSTALLED package (`pip install .`): src/atomics has
no compiled extension, so putting src/ on sys.path cannot work. The report
header says which copy of atomics is under test."""
import importlib.util
import os
import platform

import pytest

# Every arena this run and the processes it starts create carries this tag
# in its name (ATOMICS_ARENA_TAG), so the tests that look for leftover
# segments in /dev/shm count only their own, not another program's.
os.environ["ATOMICS_ARENA_TAG"] = f"t{os.getpid()}_"

if platform.python_implementation() == "PyPy":
    # what cannot run on PyPy is skipped with its reason (pypy_support.py)
    from pypy_support import (pytest_collection_modifyitems, pytest_ignore_collect,  # noqa: F401
                              pytest_runtest_makereport)


# The expensive property, stress and litmus files run once per CI run, in
# the main leg (the README's plain `pytest`). The other legs (every other
# interpreter, the installed wheel) set ATOMICS_STRESS_ONCE=1 and run the API
# suite: the same sources already passed these there, and what differs
# between interpreters (the binding) is what the API suite covers. The C
# core's own test binary runs in the C legs as well.
STRESS_FILES = {
    "test_concurrency.py": "stress scenarios across processes",
    "test_concurrency_litmus.py": "memory-order litmus tests",
    "test_concurrency_interop.py": "C-and-Python stress",
    "test_properties.py": "Hypothesis programs against the model",
    "test_resources.py": "long loops looking for leaks",
    "test_c_core.py": "the C core test binary (also run by the C legs)",
    "test_sync_processes.py": "sync primitives across processes, killed holders, Ctrl-C",
    "test_sync_interop.py": "a C program and Python processes sharing one lock",
}


def pytest_runtest_setup(item):
    what = STRESS_FILES.get(item.path.name) if hasattr(item, "path") else None
    if what and os.environ.get("ATOMICS_STRESS_ONCE") == "1":
        pytest.skip(f"{what}: run once per CI run, in the main leg (ATOMICS_STRESS_ONCE=1)")


def pytest_report_header(config):
    spec = importlib.util.find_spec("atomics")
    where = spec.origin if spec else "NOT INSTALLED"
    return [f"atomics under test: {where}"]


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "slow: long-running; skipped unless ATOMICS_SLOW_TESTS=1"
    )


@pytest.fixture
def tmp_cwd(tmp_path, monkeypatch):
    """Run in an empty directory, so subprocesses import the installed
    atomics rather than anything in the repository."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


# The API tests (test_operations.py, test_ops_beyond.py) parametrize width,
# atype and kind; these two fixtures build what such a test works on.
@pytest.fixture
def m(width, atype):
    """The plain-Python model (api_support.Model) of the test's width and atype."""
    from api_support import Model
    return Model(width, atype)


@pytest.fixture
def a(kind, width, atype):
    """The object under test: an owned object, or a guarded view of the
    test's kind, whose neighbouring bytes are checked on teardown."""
    from api_support import atomic_object
    with atomic_object(kind, width, atype) as obj:
        yield obj
