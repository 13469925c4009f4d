"""Every code block of the documentation site (docs/**/*.md) and of the
README runs:

- ```python blocks run as scripts in a subprocess (with a timeout), in an
  empty directory so the installed atomics is what they import; they carry
  their own asserts. A block whose first line is `# requires: numpy` is
  skipped when numpy is not installed.
- ```c blocks with a main() are compiled (and run when they take no
  arguments) against include/ and the C core in src/core.
- ```shell and ```text blocks are commands and sample output: not run.

Skipped where docs/ is absent (an installed-only run from a copy of tests/)."""
import os
import pathlib
import re
import shutil
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
FENCE = re.compile(r"^```(\w+)[^\n]*\n(.*?)^```", re.M | re.S)
RUN_LANGS = {"python", "c"}
SKIP_LANGS = {"shell", "text", "console"}


def blocks():
    if not DOCS.is_dir():
        return []
    found = []
    for md in [ROOT / "README.md", *sorted(DOCS.rglob("*.md"))]:
        text = md.read_text(encoding="utf-8")
        for m in FENCE.finditer(text):
            lang, code = m.group(1), m.group(2)
            line = text.count("\n", 0, m.start()) + 1
            found.append(pytest.param(lang, code, id=f"{md.relative_to(ROOT)}:{line}"))
    return found


BLOCKS = blocks()
pytestmark = pytest.mark.skipif(not BLOCKS, reason="no docs/ beside tests/ (installed-only run)")


def test_every_block_has_a_known_language():
    for p in BLOCKS:
        lang = p.values[0]
        assert lang in RUN_LANGS | SKIP_LANGS, f"{p.id}: ```{lang} is neither run nor skipped"


def clean_env():
    return {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}


@pytest.mark.parametrize("lang,code", [p for p in BLOCKS if p.values[0] == "python"])
def test_python_block(lang, code, tmp_path):
    first = code.splitlines()[0] if code else ""
    m = re.match(r"#\s*requires:\s*(.+)", first)
    if m:
        for mod in m.group(1).split(","):
            pytest.importorskip(mod.strip())
    script = tmp_path / "block.py"
    script.write_text(code, encoding="utf-8")
    proc = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=clean_env(),
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"


def _cc():
    cc = os.environ.get("CC", "cc").split()[0]
    return shutil.which(cc) or shutil.which("gcc") or shutil.which("clang")


@pytest.mark.parametrize("lang,code", [p for p in BLOCKS if p.values[0] == "c"])
def test_c_block(lang, code, tmp_path):
    if "int main" not in code:
        pytest.skip("a fragment, not a program")
    cc = _cc()
    if cc is None or sys.platform == "win32":
        pytest.skip("no C compiler (or Windows)")
    core = sorted((ROOT / "src" / "core").glob("*.c"))
    if not core:
        pytest.skip("no src/core beside tests/")
    src = tmp_path / "block.c"
    src.write_text(code, encoding="utf-8")
    exe = tmp_path / "block"
    proc = subprocess.run([cc, "-std=c11", "-D_DEFAULT_SOURCE", "-Wall", "-Wextra", "-Werror",
                           "-O1", "-I", str(ROOT / "include"), "-I", str(ROOT / "src" / "core"),
                           str(src), *map(str, core), "-o", str(exe), "-lpthread"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    if "argc" in code:  # needs arguments (a shared file): compiling is the test
        return
    run = subprocess.run([str(exe)], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stdout + run.stderr
