"""C and Python take the same lock (issue 16): a C program linked with the
core (tests/interop/sync_lock.c, built here from src/core) and Python
processes make locked read-yield-write increments of one plain counter in a
shared file mapping; the total is exact only if the lock excludes across
both. Needs the source tree and a C compiler (skips otherwise)."""
import mmap
import multiprocessing
import os
import shutil
import subprocess
import sys

import pytest

import atomics

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SOURCE = os.path.join(HERE, "interop", "sync_lock.c")
CORE = os.path.join(ROOT, "src", "core")
ROUNDS = 3000
OFFSET = 64  # the lock's offset in the file; the counter is 64 bytes past it

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX file mappings and fork")


@pytest.fixture(scope="module")
def sync_exe(tmp_path_factory):
    cc = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
    if not cc:
        pytest.skip("no C compiler")
    if not os.path.isfile(os.path.join(CORE, "sync.c")):
        pytest.skip("needs the source tree (src/core) next to the tests")
    core = sorted(os.path.join(CORE, f) for f in os.listdir(CORE) if f.endswith(".c"))
    exe = str(tmp_path_factory.mktemp("sync_interop") / "sync_lock")
    cmd = [*cc.split(), "-std=c11", "-O2", "-Wall", "-Wextra", "-Werror", "-fno-strict-aliasing",
           "-I", os.path.join(ROOT, "include"), "-I", CORE, SOURCE, *core, "-o", exe, "-pthread"]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, f"{' '.join(cmd)}\n{r.stderr}"
    return exe


def _python_worker(path, rounds):
    with open(path, "r+b") as f:
        m = mmap.mmap(f.fileno(), 0)
    lock = atomics.Lock.attach(m, OFFSET)
    at = OFFSET + 64
    for i in range(rounds):
        with lock:
            v = int.from_bytes(m[at:at + 8], sys.byteorder)
            if i % 64 == 0:
                os.sched_yield()
            m[at:at + 8] = (v + 1).to_bytes(8, sys.byteorder)
    del lock
    m.close()


def test_c_and_python_processes_share_one_lock(sync_exe, tmp_path):
    path = str(tmp_path / "shared.bin")
    with open(path, "wb") as f:
        f.write(bytes(4096))
    with open(path, "r+b") as f:
        m = mmap.mmap(f.fileno(), 0)
    lock = atomics.Lock(buffer=m, offset=OFFSET)  # Python initialises it; C attaches
    ctx = multiprocessing.get_context("fork")
    # the parent holds the lock while everyone starts, so they all contend
    lock.acquire()
    cs = [subprocess.Popen([sync_exe, path, str(OFFSET), str(ROUNDS)], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True) for _ in range(2)]
    ps = [ctx.Process(target=_python_worker, args=(path, ROUNDS)) for _ in range(2)]
    for p in ps:
        p.start()
    lock.release()
    outs = [c.communicate(timeout=120) for c in cs]
    for p in ps:
        p.join(120)
    assert [c.returncode for c in cs] == [0, 0], outs
    assert [p.exitcode for p in ps] == [0, 0]
    assert [o[0].strip() for o in outs] == ["0", "0"]  # no takeover: every holder lived
    counter = int.from_bytes(m[OFFSET + 64:OFFSET + 72], sys.byteorder)
    assert counter == 4 * ROUNDS
    assert lock.locked() is False
    del lock
    m.close()


def test_c_refuses_memory_with_no_lock(sync_exe, tmp_path):
    path = str(tmp_path / "empty.bin")
    with open(path, "wb") as f:
        f.write(bytes(4096))
    r = subprocess.run([sync_exe, path, str(OFFSET), "1"], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 3 and "no atomics lock" in r.stderr
