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
