"""The shared-memory examples in examples/ run as written (each checks its
own result with asserts), and leave no segment behind in /dev/shm."""
import os
import pathlib
import subprocess
import sys

import pytest

EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "examples"
NAMES = ["shared_counter", "shared_histogram", "spin_lock"]


def segments():
    return {n for n in os.listdir("/dev/shm") if n.startswith("atomics_")}


@pytest.mark.skipif(not EXAMPLES.is_dir(), reason="no examples/ beside tests/")
@pytest.mark.skipif(not os.path.isdir("/dev/shm"), reason="the examples list /dev/shm")
@pytest.mark.parametrize("name", NAMES)
def test_example_runs(name, tmp_cwd):
    before = segments()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run([sys.executable, str(EXAMPLES / f"{name}.py")], capture_output=True,
                          text=True, timeout=120, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.strip()
    assert segments() <= before
