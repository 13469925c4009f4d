"""A histogram in shared memory, filled by worker processes.

One Arena holds an atomic array of 16 buckets. Each worker draws its samples,
works out their buckets, and adds them all with one call:
hist.add_at(buckets), one C loop of atomic increments (repeated buckets each
count, as with numpy's np.add.at, but no update is lost when several
processes add at once). The `with` block unlinks the segment at its end.
Run:  python examples/shared_histogram.py
"""
import array
import concurrent.futures
import multiprocessing
import random

import atomics

BUCKETS = 16


def fill(hist, seed: int, samples: int) -> int:
    rng = random.Random(seed)
    buckets = array.array("q")
    for _ in range(samples):
        x = min(rng.gauss(0.5, 0.15), 0.999999)
        buckets.append(max(0, int(x * BUCKETS)))
    hist.add_at(buckets)  # one atomic increment per sample, in one call
    return samples


def main() -> None:
    with atomics.Arena(4096) as arena:
        hist = arena.array(BUCKETS, 8, atomics.UINT)
        ctx = multiprocessing.get_context("spawn")
        with concurrent.futures.ProcessPoolExecutor(4, mp_context=ctx) as pool:
            total = sum(pool.map(fill, [hist] * 8, range(8), [5_000] * 8))
        # one atomic load per bucket (not a snapshot): read after the workers finished
        counts = list(hist.load_all())
    assert sum(counts) == total == 40_000, counts
    peak = max(counts)
    for b, c in enumerate(counts):
        print(f"{b / BUCKETS:4.2f} {'#' * (50 * c // peak):50} {c}")


if __name__ == "__main__":
    main()
