"""The shared-memory examples in examples/ run as written (each checks its
own result with asserts), and leave no segment behind in /dev/shm.

Each run sets ATOMICS_ARENA_TAG, which every arena the example and its
children create carries in its name, and counts only segments with that
tag: another program's arenas, created or removed meanwhile, are not this
test's business (they once made it fail)."""
import os
import pathlib
import subprocess
import sys
import textwrap
import uuid

import pytest

EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "examples"
NAMES = ["shared_counter", "shared_histogram", "spin_lock"]


def segments(tag=""):
    return {n for n in os.listdir("/dev/shm") if n.startswith("atomics_" + tag)}


def run_example(name, tag):
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["ATOMICS_ARENA_TAG"] = tag
    return subprocess.run([sys.executable, str(EXAMPLES / f"{name}.py")], capture_output=True,
                          text=True, timeout=120, env=env)


needs_examples = pytest.mark.skipif(not EXAMPLES.is_dir(), reason="no examples/ beside tests/")
needs_shm = pytest.mark.skipif(not os.path.isdir("/dev/shm"), reason="the examples list /dev/shm")


@needs_examples
@needs_shm
@pytest.mark.parametrize("name", NAMES)
def test_example_runs(name, tmp_cwd):
    tag = f"t{uuid.uuid4().hex[:12]}_"
    proc = run_example(name, tag)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.strip()
    assert segments(tag) == set()


@needs_shm
def test_arena_tag_names_new_arenas(tmp_cwd):
    code = textwrap.dedent("""
        import atomics
        a = atomics.Arena(4096)
        print(a.name)
        a.unlink()
    """)
    env = dict(os.environ, ATOMICS_ARENA_TAG="mytag_1")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, env=env, check=True).stdout.strip()
    assert out.startswith("atomics_mytag_1") and len(out) == len("atomics_mytag_1") + 16
    env["ATOMICS_ARENA_TAG"] = "no/slash"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, env=env)
    assert proc.returncode != 0 and "ATOMICS_ARENA_TAG" in proc.stderr


CHURN = textwrap.dedent("""
    import os, sys, time, atomics
    deadline = time.monotonic() + float(sys.argv[1])
    print("started", flush=True)
    while time.monotonic() < deadline and not os.path.exists(sys.argv[2]):
        a = atomics.Arena(4096)
        x = a.atomic(8, atomics.UINT)
        x.inc()
        time.sleep(0.002)
        a.unlink()
""")


@needs_examples
@needs_shm
def test_examples_pass_while_another_program_makes_arenas(tmp_cwd):
    """Another atomics program creating and unlinking arenas in a loop
    beside the examples changes nothing in their results."""
    stop = tmp_cwd / "stop"
    churn = subprocess.Popen([sys.executable, "-c", CHURN, "60", str(stop)],
                             stdout=subprocess.PIPE, text=True)
    try:
        assert churn.stdout.readline().strip() == "started"
        for name in NAMES:
            tag = f"t{uuid.uuid4().hex[:12]}_"
            proc = run_example(name, tag)
            assert proc.returncode == 0, proc.stdout + proc.stderr
            assert segments(tag) == set()
        assert churn.poll() is None, "the churning program stopped early"
    finally:
        stop.touch()  # it ends its loop and unlinks its last arena
        try:
            assert churn.wait(30) == 0
        finally:
            churn.kill()
