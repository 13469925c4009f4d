"""The shared-memory examples in examples/ run as written (each checks its
own result with asserts), and leave no segment behind in /dev/shm.

Each run sets ATOMICS_ARENA_TAG, which every arena the example and its
children create carries in its name, and counts only segments with that
tag: another program's arenas, created or removed meanwhile, are not this
test's business (they once made it fail)."""
import contextlib
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


# Another atomics program: it creates and unlinks arenas in a loop, holding
# between 0 and 6 at a time, untagged, until the file named by argv[2] appears
# (or argv[1] seconds pass); then it unlinks the rest and prints how many it
# made.
CHURN = textwrap.dedent("""
    import collections, os, random, sys, time, atomics
    deadline = time.monotonic() + float(sys.argv[1])
    alive = collections.deque()
    made = 0
    print("started", flush=True)
    while time.monotonic() < deadline and not os.path.exists(sys.argv[2]):
        # a random walk between 0 and 6 segments: any listing may see more
        # or fewer of them than the one before
        if len(alive) < 6 and (not alive or random.random() < 0.5):
            a = atomics.Arena(4096)
            a.atomic(8, atomics.UINT).inc()
            alive.append(a)
            made += 1
        else:
            alive.popleft().unlink()
        time.sleep(0.002)
    for a in alive:
        a.unlink()
    print(made, flush=True)
""")


@contextlib.contextmanager
def another_program(tmp_path):
    """Runs CHURN beside the body, as a program that is not this suite
    (no ATOMICS_ARENA_TAG), and checks that it really ran all along."""
    stop = tmp_path / "stop-churn"
    env = {k: v for k, v in os.environ.items() if k not in ("ATOMICS_ARENA_TAG", "PYTHONPATH")}
    churn = subprocess.Popen([sys.executable, "-c", CHURN, "600", str(stop)],
                             stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert churn.stdout.readline().strip() == "started"
        yield
        assert churn.poll() is None, "the churning program stopped early"
    finally:
        stop.touch()  # it ends its loop and unlinks what it still holds
        try:
            out, _ = churn.communicate(timeout=30)
            assert churn.returncode == 0
            assert int(out) > 0
        finally:
            churn.kill()


@needs_examples
@needs_shm
def test_examples_pass_while_another_program_makes_arenas(tmp_cwd):
    """Another atomics program creating and unlinking arenas in a loop
    beside the examples changes nothing in their results."""
    with another_program(tmp_cwd):
        for name in NAMES:
            tag = f"t{uuid.uuid4().hex[:12]}_"
            proc = run_example(name, tag)
            assert proc.returncode == 0, proc.stdout + proc.stderr
            assert segments(tag) == set()


@needs_examples
@needs_shm
def test_shared_object_tests_pass_while_another_program_makes_arenas(tmp_cwd):
    """Issue 20's check: the shared-object tests (test_shared.py) and the
    examples' tests, in a pytest of their own, all pass while another
    program creates and unlinks arenas beside them (before, their /dev/shm
    listings counted its segments as leaks)."""
    here = pathlib.Path(__file__).resolve().parent
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
           str(here / "test_shared.py"), str(here / "test_examples.py"),
           "-k", "not while_another_program"]
    env = {k: v for k, v in os.environ.items() if k not in ("ATOMICS_ARENA_TAG", "PYTHONPATH")}
    with another_program(tmp_cwd):
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=env)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-3000:]
    assert " passed" in proc.stdout and " failed" not in proc.stdout, proc.stdout[-2000:]
