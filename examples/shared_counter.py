"""A counter in shared memory that a pool of worker processes increments.

atomics.shared() places the counter in this process's default arena (a
shared memory segment); the counter pickles to a small handle, so it goes to
the workers as an ordinary argument and each re-attaches the same 8 bytes.
Run:  python examples/shared_counter.py
"""
import multiprocessing

import atomics


def work(job):
    counter, n = job
    for _ in range(n):
        counter.inc()
    return n


def main() -> None:
    counter = atomics.shared(8, atomics.UINT)
    jobs = [(counter, 10_000)] * 8
    # "spawn" works everywhere; "fork" and "forkserver" work the same way
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        done = sum(pool.map(work, jobs))
    assert counter.load() == done == 80_000, counter.load()
    print(f"8 jobs on 4 workers counted {counter.load()}")
    # leaving: the default arena's segment is unlinked at this process's exit


if __name__ == "__main__":
    main()
