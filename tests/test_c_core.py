"""The C tier: builds tests/c with CMake into a temporary directory and runs
it, so the one pytest command also covers the C core (every operation x width
x placement x order with guard bytes, the queries, read-only memory, feature
fallbacks, threaded exactness, release/acquire publication).

Needs the source tree next to this file, cmake and a C compiler; skips with
the reason otherwise (an installed-only run has no src/core to build).
ATOMICS_STRESS_SCALE, if set, reaches the C test binary unchanged."""
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BUILD_TIMEOUT = 240  # normally ~10 s on two cores
RUN_TIMEOUT = 240  # normally ~5 s


def _c_compiler():
    cc = os.environ.get("CC")
    names = [cc.split()[0]] if cc else ["cc", "gcc", "clang"]
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    return None


def _skip_reason():
    if sys.platform == "win32":
        return "the C tests use POSIX threads and mmap"
    for needed in ("CMakeLists.txt", "tests/c/CMakeLists.txt", "src/core/block.c"):
        if not (ROOT / needed).is_file():
            return f"no source tree at {ROOT} (missing {needed}); installed-only run"
    if shutil.which("cmake") is None:
        return "cmake not found on PATH"
    if _c_compiler() is None:
        return "no C compiler found (CC, cc, gcc, clang)"
    return None


def _run(cmd, timeout, **kwargs):
    try:
        return subprocess.run(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            timeout=timeout, **kwargs)
    except subprocess.TimeoutExpired as e:
        out = e.stdout if isinstance(e.stdout, str) else (e.stdout or b"").decode(errors="replace")
        pytest.fail(f"{' '.join(map(str, cmd))} took over {timeout} s:\n{out[-4000:]}")


@pytest.fixture(scope="module")
def c_build(tmp_path_factory):
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    build = tmp_path_factory.mktemp("c-build")
    configure = _run(
        ["cmake", "-S", str(ROOT), "-B", str(build), "-DATOMICS_BUILD_TESTS=ON",
         "-DATOMICS_WERROR=ON", "-DCMAKE_BUILD_TYPE=Release"],
        BUILD_TIMEOUT)
    assert configure.returncode == 0, f"cmake configure failed:\n{configure.stdout[-6000:]}"
    # the test targets only: the benchmark is not a test
    compile_ = _run(
        ["cmake", "--build", str(build), "--target", "atomics_c_tests", "--parallel", "2"],
        BUILD_TIMEOUT)
    assert compile_.returncode == 0, f"cmake build failed:\n{compile_.stdout[-6000:]}"
    return build


def test_c_core(c_build):
    binary = next((p for p in c_build.rglob("test_core") if p.is_file()), None)
    assert binary is not None, "test_core was not built"
    result = _run([str(binary)], RUN_TIMEOUT)
    out = result.stdout
    lines = out.strip().splitlines()
    summary = lines[-1] if lines else ""
    assert result.returncode == 0, f"C core tests failed (exit {result.returncode}):\n{out[-8000:]}"
    match = re.fullmatch(r"(\d+) passed, 0 failed", summary)
    assert match and int(match.group(1)) > 0, f"unexpected summary {summary!r}:\n{out[-4000:]}"


def test_c_header(c_build):
    """atomics.h compiled as strict C99 and (with a C++ compiler) as C++."""
    if shutil.which("ctest") is None:
        pytest.skip("ctest not found on PATH")
    result = _run(["ctest", "--output-on-failure", "-R", "^header_"], RUN_TIMEOUT, cwd=c_build)
    assert result.returncode == 0, f"header tests failed:\n{result.stdout[-4000:]}"
    assert "header_c99" in result.stdout
