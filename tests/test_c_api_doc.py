"""The C API reference page (docs/hooks.py generates it from
include/atomics/atomics.h): one entry per public function, with its
signature, and no private names. Skipped where docs/ is absent."""
import importlib.util
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
HOOKS = ROOT / "docs" / "hooks.py"
HEADER = ROOT / "include" / "atomics" / "atomics.h"
pytestmark = pytest.mark.skipif(not (HOOKS.is_file() and HEADER.is_file()),
                                reason="no docs/ and include/ beside tests/ (installed-only run)")


@pytest.fixture(scope="module")
def page():
    spec = importlib.util.spec_from_file_location("atomics_docs_hooks", HOOKS)
    hooks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hooks)
    return hooks.c_api_page()


def declared_functions():
    header = HEADER.read_text(encoding="utf-8")
    names = set(re.findall(r"^\w[\w\s\*]*?\b(atomics_\w+)\(", header, re.M))
    # the width-specific ones, declared through ATOMICS_DECLARE_WIDTH_(N)
    names |= {n + "N" for n in re.findall(r"\b(atomics_\w+_)##N\(", header)}
    return names


def test_one_entry_per_function_with_its_signature(page):
    names = declared_functions()
    assert len(names) > 50  # the per-width operations alone are 35
    entries = re.findall(r"^### `(\w+)`\n\n```c\n(.*?)\n```", page, re.M | re.S)
    signatures = {name: sig for name, sig in entries}
    for name in names:
        assert name in signatures, f"{name} has no entry"
        assert re.match(r"[\w\s\*]+\b" + name + r"\(", signatures[name]), signatures[name]
        assert signatures[name].endswith(");")
    headings = re.findall(r"^### `(\w+)", page, re.M)
    assert len(headings) == len(set(headings)), "an entry appears twice"


def test_no_private_names(page):
    for private in ("ATOMICS_X_", "ATOMICS_DECLARE_WIDTH_", "ATOMICS_OP_MORE_BEFORE_",
                    "ATOMICS_ATOMICS_H", "##N"):
        assert private not in page


def test_types_and_constants_are_listed(page):
    for name in ("atomics_order", "atomics_ops", "atomics_alignment", "atomics_op",
                 "atomics_load_fn"):
        assert f"### `{name}`" in page
    assert "| `ATOMICS_WAIT_POLL_NS` | `1000000` |" in page
    assert "| `ATOMICS_FEATURE_CAS16` | `0x1u` |" in page
    # the operation enum with its values, the 1.2 operations after ATOMICS_OP_COUNT
    assert "ATOMICS_OP_STORE = 1," in page and "ATOMICS_OP_COUNT = 28," in page
    assert "ATOMICS_OP_MAX_S = 28," in page
