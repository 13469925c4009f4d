"""Sub-interpreters with their own GIL each import the module and increment
one counter in shared memory (a MAP_SHARED mapping of one file); the total is
exact."""
import subprocess
import sys
import textwrap

import pytest

try:
    import _interpreters  # noqa: F401  (CPython 3.13+)
except ImportError:
    _interpreters = None


@pytest.mark.skipif(_interpreters is None, reason="needs CPython 3.13+ (_interpreters)")
def test_two_subinterpreters_increment_one_counter(tmp_path):
    path = tmp_path / "counter"
    path.write_bytes(bytes(8))
    worker = textwrap.dedent(
        f"""
        import mmap, atomics
        with open({str(path)!r}, "r+b") as f:
            m = mmap.mmap(f.fileno(), 8)
        with atomics.atomicview(buffer=m, atype=atomics.INT) as a:
            for _ in range(50_000):
                a.inc()
        m.close()
        """
    )
    code = textwrap.dedent(
        f"""
        import threading, _interpreters
        ids = [_interpreters.create("isolated") for _ in range(2)]
        ts = [threading.Thread(target=_interpreters.exec, args=(i, {worker!r})) for i in ids]
        for t in ts: t.start()
        for t in ts: t.join()
        for i in ids:
            _interpreters.destroy(i)
        import atomics, mmap
        with open({str(path)!r}, "r+b") as f:
            m = mmap.mmap(f.fileno(), 8)
        with atomics.atomicview(buffer=m, atype=atomics.INT) as a:
            print(a.load())
        m.close()
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "100000", proc.stdout + proc.stderr
