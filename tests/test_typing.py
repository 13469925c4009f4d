"""The type stubs: shipped with the package, consistent with the runtime,
and accepted by mypy --strict for typical code (tests/typing/examples.py,
which also runs) and by mypy for the README's examples as written.

mypy runs in an empty directory, so it sees the installed atomics (with its
py.typed and _atomics.pyi) and not the repository's src/."""
import ast
import importlib.util
import os
import pathlib
import re
import subprocess
import sys

import pytest

import atomics
import atomics._atomics as ext

HERE = pathlib.Path(__file__).resolve().parent
EXAMPLES = HERE / "typing" / "examples.py"
PACKAGE = pathlib.Path(atomics.__file__).resolve().parent
STUB = PACKAGE / "_atomics.pyi"

needs_mypy = pytest.mark.skipif(importlib.util.find_spec("mypy") is None,
                                reason="mypy is not installed")


def clean_env():
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "MYPYPATH")}


def run_mypy(args, cwd):
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(cwd / ".mypy_cache"),
         "--no-error-summary", "--show-error-codes", *args],
        cwd=cwd, env=clean_env(), capture_output=True, text=True, timeout=300)
    return proc.returncode, proc.stdout + proc.stderr


def test_stubs_and_marker_are_installed():
    assert (PACKAGE / "py.typed").is_file()
    assert STUB.is_file()


def stub_classes():
    tree = ast.parse(STUB.read_text(encoding="utf-8"))
    classes = {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            names = set()
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    names.add(item.name)
                elif isinstance(item, ast.Assign):
                    names.update(t.id for t in item.targets if isinstance(t, ast.Name))
                elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                    names.add(item.target.id)  # nbytes: ClassVar[int]
            # a generic base by its name: _Ops[SupportsIndex, int] is _Ops
            bases = [ast.unparse(b.value if isinstance(b, ast.Subscript) else b)
                     for b in node.bases]
            classes[node.name] = (bases, names)
    # the operation families (_Access, _ElemOps, ...) exist only in the stub
    top = {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))
           and not n.name.startswith("_")}
    top |= {n.target.id for n in tree.body if isinstance(n, ast.AnnAssign)}
    return classes, top


def stub_members(classes, name):
    """Names a stub class declares, its bases' included."""
    bases, names = classes.get(name, ([], set()))
    out = set(names)
    for b in bases:
        out |= stub_members(classes, b)
    return out


def test_stub_matches_the_runtime():
    classes, top = stub_classes()
    public = {n for n in dir(ext) if not n.startswith("_")}
    assert public == top, f"stub lacks {public - top}, runtime lacks {top - public}"
    for name, (bases, _) in classes.items():
        if name.startswith("_"):
            continue
        cls = getattr(ext, name)
        runtime_bases = [b.__name__ for b in cls.__bases__ if b is not object]
        stub_bases = [b for b in bases if b != "Generic" and not b.startswith("_")]
        assert runtime_bases == stub_bases, name
        declared = stub_members(classes, name)
        runtime = {n for n in vars(cls) if not n.startswith("_")}
        for base in cls.__mro__[1:]:
            if base is not object:
                runtime |= {n for n in vars(base) if not n.startswith("_")}
        # every runtime method and property is declared ...
        missing = runtime - declared
        assert not missing, f"{name}: not in the stub: {missing}"
        # ... and the stub declares nothing the concrete classes lack
        if name.startswith("Atomic") and not name.endswith("ViewContext"):
            extra = {n for n in declared if not n.startswith("_")} - runtime
            assert not extra, f"{name}: only in the stub: {extra}"


def test_element_forms_match_object_forms():
    """Each operation family is written twice in the stub, on an object
    (_Access.load(self, order)) and on an array element (_ElemAccess.load(self,
    i, /, order)); the two must list the same methods with the same parameters
    but for the leading index. (stubtest checks each form against its runtime
    classes; this keeps a family from gaining a method on one side only.)"""
    tree = ast.parse(STUB.read_text(encoding="utf-8"))
    classes = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}

    def methods(cls):
        return {f.name: f for f in cls.body if isinstance(f, ast.FunctionDef)}

    pairs = [(name, name.replace("_Elem", "_", 1)) for name in classes
             if name.startswith("_Elem") and name.replace("_Elem", "_", 1) in classes]
    assert len(pairs) >= 7, pairs  # access, bits, binary, arith, max/min, update, wait
    for elem_name, obj_name in pairs:
        elem, obj = methods(classes[elem_name]), methods(classes[obj_name])
        assert set(elem) == set(obj), (elem_name, set(elem) ^ set(obj))
        for name, f in elem.items():
            g = obj[name]
            assert [a.arg for a in f.args.posonlyargs] == ["self", "i"], (elem_name, name)
            assert ast.unparse(f.args.posonlyargs[1].annotation) == "SupportsIndex"
            # the object form's parameters after self, with the same annotations and defaults
            assert ast.dump(ast.arguments(posonlyargs=[], args=f.args.args, vararg=f.args.vararg,
                                          kwonlyargs=f.args.kwonlyargs,
                                          kw_defaults=f.args.kw_defaults,
                                          kwarg=f.args.kwarg, defaults=f.args.defaults)) == \
                ast.dump(ast.arguments(posonlyargs=[], args=g.args.args[1:], vararg=g.args.vararg,
                                       kwonlyargs=g.args.kwonlyargs,
                                       kw_defaults=g.args.kw_defaults,
                                       kwarg=g.args.kwarg, defaults=g.args.defaults)), \
                (elem_name, name)
            assert ast.unparse(f.returns) == ast.unparse(g.returns), (elem_name, name)
            # the docstring is the object form's (the docs show it on both)
            assert ast.get_docstring(f) is None and ast.get_docstring(g), (elem_name, name)


@needs_mypy
def test_mypy_strict_on_examples(tmp_path):
    code, out = run_mypy(["--strict", "--warn-unreachable", str(EXAMPLES)], tmp_path)
    assert code == 0, out


@needs_mypy
def test_mypy_sees_the_installed_stubs(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text(
        "import atomics\n"
        "reveal_type(atomics.atomic(width=4, atype=atomics.UINT))\n"
        "reveal_type(atomics.atomicview(buffer=b'', atype=atomics.BYTES).__enter__().load())\n",
        encoding="utf-8")
    code, out = run_mypy([str(probe)], tmp_path)
    assert code == 0, out
    assert 'Revealed type is "atomics._atomics.AtomicUint"' in out
    assert re.search(r'Revealed type is "(builtins\.)?bytes"', out), out


@needs_mypy
def test_mypy_on_the_readme_examples(tmp_path):
    """The README's code as written. Two of mypy's complaints concern the
    README's style, not our stubs: `t1.start(), t2.start()` uses the value
    of a None-returning call (func-returns-value) and typeshed types
    SharedMemory.buf as optional (index); and Construction reuses the name
    `a` for another type (allowed by --allow-redefinition)."""
    from test_readme_examples import EXAMPLES as README

    files = []
    for name, code in README.items():
        path = tmp_path / f"readme_{name}.py"
        path.write_text(code, encoding="utf-8")
        files.append(str(path))
    code, out = run_mypy(["--allow-redefinition", "--disable-error-code", "func-returns-value",
                          "--disable-error-code", "index", "--check-untyped-defs", *files],
                         tmp_path)
    assert code == 0, out


def test_examples_run(tmp_path):
    proc = subprocess.run([sys.executable, str(EXAMPLES)], cwd=tmp_path, env=clean_env(),
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-1] == "ok"
