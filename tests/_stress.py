"""_stress.py: shared machinery of the concurrency tier (tests/test_concurrency*.py).

Every thread or process test runs its scenario in a fresh interpreter, in its
own session, under a timeout: a deadlock or a crash fails the test instead of
hanging CI, and the whole process group (workers included) is killed. The
scenario itself is a plain function `scenario_<name>(config) -> dict` in a test
module; this file is also the script that runs it:

    python tests/_stress.py MODULE FUNCTION '{"json": "config"}'

Sizes scale with the environment variable ATOMICS_STRESS_SCALE (default 1):
iteration counts are multiplied by it and timeouts grow with it. Results
(operation counts, contention seen, litmus histograms) are printed, so
`pytest -rA` shows them, and appended as JSON lines to the file named by
ATOMICS_STRESS_REPORT when that is set.

    ATOMICS_STRESS_SCALE=20 ATOMICS_STRESS_REPORT=/tmp/stress.jsonl \
        python -m pytest tests/test_concurrency*.py -rA
"""
import contextlib
import importlib
import json
import mmap
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback

RESULT_MARK = "@@atomics-stress-result@@"


def _scale():
    try:
        return max(0.01, float(os.environ.get("ATOMICS_STRESS_SCALE", "1") or "1"))
    except ValueError:
        return 1.0


SCALE = _scale()


# tests/run_asan.sh preloads the ASan runtime: everything is slower, and
# timing-based expectations (the litmus positive control) do not hold
UNDER_ASAN = "libasan" in os.environ.get("LD_PRELOAD", "")


def scaled(n, minimum=1):
    """n multiplied by ATOMICS_STRESS_SCALE (at least `minimum`)."""
    return max(minimum, int(n * SCALE))


def timeout_for(seconds):
    """A timeout that grows with the scale (never shrinks below `seconds`)."""
    return seconds * max(1.0, SCALE)


# ---- running a scenario in a subprocess ---------------------------------------


class ScenarioFailed(AssertionError):
    pass


def run_scenario(module, function, *, timeout, **config):
    """Runs `module.function(config)` in a new interpreter (and a new session)
    and returns its dict. Raises ScenarioFailed on timeout, crash or a
    non-zero exit, with the child's stderr attached."""
    cmd = [sys.executable, "-X", "faulthandler", os.path.abspath(__file__), module, function,
           json.dumps(config)]
    env = dict(os.environ)
    env["ATOMICS_STRESS_TIMEOUT"] = str(timeout)
    env["ATOMICS_STRESS_PARENT"] = str(os.getpid())
    # shared memory the scenario makes is named after it, so that what a
    # killed scenario leaves in /dev/shm can be removed
    shm_prefix = f"atomics-stress-{os.getpid()}-{random.getrandbits(32):08x}-"
    env["ATOMICS_STRESS_SHM"] = shm_prefix
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=tempfile.gettempdir(), env=env, start_new_session=True)
    timed_out = False
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        _kill_group(proc.pid)
        out, err = proc.communicate()
    finally:
        if proc.returncode != 0:
            _kill_group(proc.pid)  # workers left behind by a crash
        _remove_shm(shm_prefix)
    where = f"{module}.{function}({config})"
    if timed_out:
        raise ScenarioFailed(f"{where} timed out after {timeout:.0f}s (deadlock?)\n"
                             f"--- stderr ---\n{err[-6000:]}\n--- stdout ---\n{out[-2000:]}")
    if proc.returncode != 0:
        raise ScenarioFailed(f"{where} exited with {proc.returncode}\n"
                             f"--- stderr ---\n{err[-6000:]}\n--- stdout ---\n{out[-2000:]}")
    for line in reversed(out.splitlines()):
        if line.startswith(RESULT_MARK):
            result = json.loads(line[len(RESULT_MARK):])
            result.setdefault("stderr", err[-4000:])
            return result
    raise ScenarioFailed(f"{where} printed no result\n--- stderr ---\n{err[-6000:]}")


def _remove_shm(prefix):
    with contextlib.suppress(OSError):
        for name in os.listdir("/dev/shm"):
            if name.startswith(prefix):
                with contextlib.suppress(OSError):
                    os.unlink(os.path.join("/dev/shm", name))


def _kill_group(pgid):
    """Kills the session this module started for one scenario (and only it)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def die_with_parent(parent=None):
    """Asks Linux to kill this process when its parent dies, so that a killed
    test run (or scenario) leaves no spinning workers behind. `parent`: the
    pid the parent had, to catch a parent that died before the request."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(Exception):
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    if parent is not None and os.getppid() != parent:
        os._exit(1)  # the parent is already gone


def _main(argv):
    parent = os.environ.pop("ATOMICS_STRESS_PARENT", "")
    die_with_parent(int(parent) if parent.isdigit() else None)
    module, function, config = argv[1], argv[2], json.loads(argv[3])
    timeout = float(os.environ.get("ATOMICS_STRESS_TIMEOUT", "0") or 0)
    if timeout > 2:
        # a hang shows where everyone is stuck before the parent kills us
        import faulthandler
        faulthandler.dump_traceback_later(timeout * 0.9, exit=False)
    mod = importlib.import_module(module)
    result = getattr(mod, function)(config)
    sys.stdout.flush()
    print(RESULT_MARK + json.dumps(result), flush=True)


# ---- shared memory ---------------------------------------------------------------


class Shared:
    """A zeroed buffer that every worker can reach. Processes attach to POSIX
    shared memory (multiprocessing.shared_memory) by name. Threads each map
    one shared file of their own (a memfd where there is one), so that the
    same memory sits behind a different mmap object, and address, in every
    thread: no Python object is exported from two threads at once.

    That matters on free-threaded CPython 3.13: mmap, bytearray and
    memoryview count their buffer exports with plain increments, so exports
    of one object made concurrently from threads can leave the count wrong,
    and close() then fails with "cannot close exported pointers exist" long
    after every export was released. It happens without atomics: 4 threads
    each taking and releasing 2,000 memoryviews of one anonymous mmap left a
    stuck count in 21 of 200 rounds on 3.13.5t. Giving each thread its own
    mapping keeps this harness independent of it (and covers the same
    memory at different addresses, which atomics must handle anyway).

    `where` is what a worker passes to attach()."""
    _made = 0

    def __init__(self, size, method):
        self.size = size
        if method == "thread":
            if hasattr(os, "memfd_create"):
                self._fd = os.memfd_create("atomics-stress")
            else:
                import tempfile
                self._fd, path = tempfile.mkstemp(prefix="atomics-stress-")
                os.unlink(path)
            os.ftruncate(self._fd, size)
            self._mmap = mmap.mmap(self._fd, size)
            self.shm = None
            self.buf = memoryview(self._mmap)
            self.where = ("fd", self._fd, size)
        else:
            from multiprocessing import shared_memory
            name = None
            if os.environ.get("ATOMICS_STRESS_SHM"):
                Shared._made += 1
                name = f"{os.environ['ATOMICS_STRESS_SHM']}{Shared._made}"
            self.shm = shared_memory.SharedMemory(name=name, create=True, size=size)
            self.buf = self.shm.buf
            self.where = ("shm", self.shm.name)

    def close(self):
        if self.shm is not None:
            self.buf = None
            try:
                self.shm.close()  # BufferError if a view still holds an export
            finally:
                self.shm.unlink()
        else:
            self.buf.release()
            try:
                self._mmap.close()  # BufferError if a view still holds an export
            finally:
                os.close(self._fd)


@contextlib.contextmanager
def attach(where):
    """The memoryview of a Shared buffer, inside a worker."""
    if where[0] == "fd":
        m = mmap.mmap(where[1], where[2])
        mv = memoryview(m)
        try:
            yield mv
        finally:
            mv.release()
            m.close()
    else:
        from multiprocessing import shared_memory
        shm = shared_memory.SharedMemory(name=where[1])
        try:
            yield shm.buf
        finally:
            shm.close()


@contextlib.contextmanager
def view(buf, offset, width, atype):
    """An atomic view of buf[offset:offset + width]; the slice is released
    with the view so the exporter can be closed afterwards."""
    import atomics
    part = buf[offset:offset + width]
    try:
        with atomics.atomicview(buffer=part, atype=atype) as v:
            yield v
    finally:
        part.release()


# ---- workers ------------------------------------------------------------------------


def _worker_entry(target, rank, args, barrier, out):
    try:
        result = target(rank, barrier, *args)
        out.put((rank, "ok", result))
    except BaseException:  # report everything, even KeyboardInterrupt
        with contextlib.suppress(Exception):
            barrier.abort()
        out.put((rank, "error", traceback.format_exc()))


def launch(method, target, nworkers, args, timeout, pin=None):
    """Runs target(rank, barrier, *args) in `nworkers` threads or processes
    ("thread", "fork", "spawn") and returns their results by rank. A worker
    that raises aborts the barrier (so the others stop waiting) and the
    traceback is raised here. `pin`: CPU per rank, for processes."""
    import multiprocessing
    import queue as queue_mod
    if method == "thread":
        barrier = threading.Barrier(nworkers)
        out = queue_mod.Queue()
        workers = [threading.Thread(target=_worker_entry, args=(target, r, args, barrier, out),
                                    daemon=True) for r in range(nworkers)]
    else:
        ctx = multiprocessing.get_context(method)
        barrier = ctx.Barrier(nworkers)
        out = ctx.Queue()
        workers = [ctx.Process(target=_pinned_entry,
                               args=(target, r, args, barrier, out,
                                     None if pin is None else pin[r], os.getpid()))
                   for r in range(nworkers)]
    for w in workers:
        w.start()
    deadline = time.monotonic() + timeout
    results, errors, reported = {}, [], set()
    while len(reported) < nworkers:
        try:
            rank, status, payload = out.get(timeout=0.5)
        except queue_mod.Empty:
            # a worker that died without a word (a crash: a signal, say)
            # fails the run now, not at the deadline
            dead = [(r, getattr(w, "exitcode", None)) for r, w in enumerate(workers)
                    if r not in reported and not w.is_alive()]
            if dead and method != "thread":
                time.sleep(0.5)  # its last words may still be in the pipe
                if out.empty():
                    raise RuntimeError(f"workers died: (rank, exit code) {dead}; "
                                       f"errors so far: {errors}") from None
            if time.monotonic() > deadline:
                raise RuntimeError(f"workers did not finish within {timeout:.0f}s "
                                   f"(finished: {sorted(reported)}; errors: {errors})") from None
            continue
        reported.add(rank)
        if status == "ok":
            results[rank] = payload
        else:
            errors.append(f"worker {rank}:\n{payload}")
    for w in workers:
        w.join(max(0.1, deadline - time.monotonic()))
    if errors:
        raise RuntimeError("\n".join(errors))
    return [results[r] for r in range(nworkers)]


def _pinned_entry(target, rank, args, barrier, out, cpu, parent):
    die_with_parent(parent)
    if cpu is not None:
        os.sched_setaffinity(0, {cpu})
    _worker_entry(target, rank, args, barrier, out)


def two_cpus():
    """Two distinct CPUs this process may run on, or None."""
    cpus = sorted(os.sched_getaffinity(0))
    return (cpus[0], cpus[-1]) if len(cpus) >= 2 else None


# ---- reporting ----------------------------------------------------------------------


def report(title, data):
    """Prints a result block (pytest -rA and -s show it) and appends it to the
    JSON-lines file named by ATOMICS_STRESS_REPORT, if set."""
    text = json.dumps(data, indent=1, sort_keys=True)
    print(f"== {title} ==\n{text}")
    path = os.environ.get("ATOMICS_STRESS_REPORT")
    if path:
        with open(path, "a") as f:
            f.write(json.dumps({"title": title, "scale": SCALE, "data": data}) + "\n")


def rng_for(seed, rank):
    return random.Random(seed * 7919 + rank)


if __name__ == "__main__":
    _main(sys.argv)
