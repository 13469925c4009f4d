"""A histogram in shared memory, filled by worker processes.

One Arena holds an atomic array of 16 buckets; each worker adds its samples
with arr.inc(bucket), an atomic increment of one element, with no lock and
no Python object per bucket. The `with` block unlinks the segment at its end.
Run:  python examples/shared_histogram.py
"""
import concurrent.futures
import multiprocessing
import random

import atomics

BUCKETS = 16


def fill(hist, seed: int, samples: int) -> int:
    rng = random.Random(seed)
    for _ in range(samples):
        x = min(rng.gauss(0.5, 0.15), 0.999999)
        hist.inc(max(0, int(x * BUCKETS)))
    return samples


def main() -> None:
    with atomics.Arena(4096) as arena:
        hist = arena.array(BUCKETS, 8, atomics.UINT)
        ctx = multiprocessing.get_context("spawn")
        with concurrent.futures.ProcessPoolExecutor(4, mp_context=ctx) as pool:
            total = sum(pool.map(fill, [hist] * 8, range(8), [5_000] * 8))
        counts = hist.tolist()  # one load per bucket: read after the workers finished
    assert sum(counts) == total == 40_000, counts
    peak = max(counts)
    for b, c in enumerate(counts):
        print(f"{b / BUCKETS:4.2f} {'#' * (50 * c // peak):50} {c}")


if __name__ == "__main__":
    main()
