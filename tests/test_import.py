"""What `import atomics` loads: the shared-memory layer (Arena, shared,
shared_array) only on first use, and not `typing`, yet every public name is
in `__all__` and `dir()` and resolves (bench/import_cost.py measures the cost)."""
import os
import subprocess
import sys
import textwrap

import atomics

LAZY = {"Arena", "shared", "shared_array"}


def run(code):
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_import_leaves_the_shared_layer_and_typing_unloaded():
    # typing only where the bare interpreter has not loaded it already
    bare = run("import sys; print('typing' in sys.modules)").split()
    out = run("""
        import sys, atomics
        print('atomics._shared' in sys.modules, 'typing' in sys.modules)
    """)
    assert out.split() == ["False", bare[0]]


def test_lazy_names_resolve_on_first_use():
    out = run("""
        import sys, atomics
        names = sorted(n for n in ('Arena', 'shared', 'shared_array') if n in dir(atomics))
        a = atomics.shared(8, atomics.UINT)
        a.inc()
        from atomics import Arena, shared_array
        print(names, 'atomics._shared' in sys.modules, a.load(),
              Arena is atomics._shared.Arena, shared_array is atomics.shared_array)
    """)
    assert out.split() == ["['Arena',", "'shared',", "'shared_array']", "True", "1", "True",
                           "True"]


def test_every_public_name_is_listed_and_resolves():
    assert LAZY <= set(atomics.__all__)
    assert set(atomics.__all__) <= set(dir(atomics))
    for name in atomics.__all__:
        assert getattr(atomics, name) is not None
    from atomics import _shared
    assert atomics.Arena is _shared.Arena and atomics.shared is _shared.shared


def test_unknown_attribute_still_raises():
    try:
        atomics.no_such_name
    except AttributeError as e:
        assert "no_such_name" in str(e)
    else:
        raise AssertionError("atomics.no_such_name resolved")
