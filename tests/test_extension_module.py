"""The built extension module as a shared object.

Faults of the C-API kind (CPython 3.10 once failed to import the module:
`undefined symbol: PyType_GetModuleByDef`, a name 3.10 spells with an
underscore) show only on the interpreter concerned; CI runs the suite on
every minor version for that (.ci/interpreters.sh)."""
import shutil
import subprocess
import sys

import pytest

import atomics._atomics as ext

ELF = sys.platform.startswith("linux")


def _dynamic_symbols(*flags):
    nm = shutil.which("nm")
    if not ELF or nm is None:
        pytest.skip("needs an ELF extension and binutils' nm")
    out = subprocess.run([nm, "-D", *flags, ext.__file__], check=True, capture_output=True,
                         text=True).stdout
    return {line.split()[-1].split("@")[0] for line in out.splitlines() if line.strip()}


def test_only_the_module_init_is_exported():
    """Built with hidden visibility: the extension's functions and the C core
    linked into it are not part of any interface, and must not be able to
    collide with another library's symbols of the same name."""
    exported = _dynamic_symbols("--defined-only")
    # the linker may add its own markers (_init, _fini, __bss_start, ...)
    ours = {s for s in exported if not s.startswith("_")}
    assert ours == {"PyInit__atomics"}, sorted(ours)

