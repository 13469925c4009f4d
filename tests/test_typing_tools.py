"""The stubs against the runtime (mypy.stubtest, with the allowlist in
tests/typing/stubtest-allowlist.txt whose entries each say why), and pyright
in strict mode on tests/typing/examples.py where pyright is installed (it is
not a test dependency: .ci/docs-wheel.sh installs it).

Both run in an empty directory, so they see the installed atomics."""
import importlib.util
import json
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

HERE = pathlib.Path(__file__).resolve().parent
ALLOWLIST = HERE / "typing" / "stubtest-allowlist.txt"
EXAMPLES = HERE / "typing" / "examples.py"


def clean_env():
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "MYPYPATH")}


def test_allowlist_entries_say_why():
    """Every entry follows a comment paragraph."""
    lines = ALLOWLIST.read_text(encoding="utf-8").splitlines()
    for n, line in enumerate(lines):
        if line.strip() and not line.startswith("#"):
            assert n > 0 and lines[n - 1].startswith("#"), f"entry without a reason: {line}"


@pytest.mark.skipif(importlib.util.find_spec("mypy") is None, reason="mypy is not installed")
def test_stubtest(tmp_path):
    # --ignore-unused-allowlist: an entry may match nothing on some Python
    # versions; the CI leg (one interpreter) runs without it, so stale entries fail there
    (tmp_path / "empty.ini").write_text("[mypy]\n", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "mypy.stubtest", "atomics", "--allowlist", str(ALLOWLIST),
         "--ignore-unused-allowlist", "--mypy-config-file", str(tmp_path / "empty.ini")],
        cwd=tmp_path, env=clean_env(), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.skipif(shutil.which("pyright") is None or shutil.which("node") is None,
                    reason="pyright (pip install pyright) and node are not both on PATH")
def test_pyright_strict_on_examples(tmp_path):
    shutil.copy(EXAMPLES, tmp_path / "examples.py")
    (tmp_path / "pyrightconfig.json").write_text(json.dumps({
        "typeCheckingMode": "strict", "include": ["examples.py"],
        "reportUnusedFunction": False,  # _rejected() is never called on purpose
        "reportUnnecessaryTypeIgnoreComment": "error",  # each rejected line must be rejected
    }), encoding="utf-8")
    proc = subprocess.run(["pyright", "--pythonpath", sys.executable, "-p", "pyrightconfig.json"],
                          cwd=tmp_path, env=clean_env(), capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
