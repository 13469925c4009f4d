"""_shared_scenarios.py: multi-process scenarios for tests/test_shared.py.

Each runs in a fresh interpreter (the test starts it with a timeout), so
every start method, the resource tracker and the /dev/shm bookkeeping start
clean:

    python tests/_shared_scenarios.py SCENARIO START_METHOD

prints one JSON line: the counts seen and the segment names it created."""
import concurrent.futures
import json
import multiprocessing
import os
import pickle
import sys

import atomics

N = 2000  # increments per worker


def bump(obj, arr, k):
    for i in range(N):
        obj.inc()
        arr.fetch_add(i % len(arr), 1)
    return k


def bump_one(args):
    obj, arr, k = args
    return bump(obj, arr, k)


def via_queue(inbox, outbox):
    obj, arr, arena = inbox.get()
    bump(obj, arr, 0)
    # an object placed by this process in the parent's arena travels back
    mine = arena.atomic(8, atomics.UINT)
    mine.store(12345)
    # one message per child: two puts from two children could interleave
    outbox.put((mine, arena.used))


def scenario_process_args(ctx, arena):
    obj = arena.atomic(8, atomics.INT)
    arr = arena.array(16, 4, atomics.UINT)
    procs = [ctx.Process(target=bump, args=(obj, arr, k)) for k in range(3)]
    for p in procs:
        p.start()
    bump(obj, arr, -1)
    for p in procs:
        p.join()
    return {"exitcodes": [p.exitcode for p in procs], "count": obj.load(), "sum": sum(arr)}


def scenario_queue(ctx, arena):
    obj = arena.atomic(8, atomics.INT)
    arr = arena.array(16, 4, atomics.UINT)
    inbox, outbox = ctx.Queue(), ctx.Queue()
    procs = [ctx.Process(target=via_queue, args=(inbox, outbox)) for _ in range(2)]
    for p in procs:
        p.start()
    for _ in procs:
        inbox.put((obj, arr, arena))
    back = []
    for _ in procs:
        mine, _used = outbox.get(timeout=60)
        back.append(mine)
    for p in procs:
        p.join()
    return {"exitcodes": [p.exitcode for p in procs], "count": obj.load(), "sum": sum(arr),
            "back": [b.load() for b in back], "used": arena.used}


def scenario_executor(ctx, arena):
    obj = arena.atomic(8, atomics.INT)
    arr = arena.array(16, 4, atomics.UINT)
    with concurrent.futures.ProcessPoolExecutor(max_workers=2, mp_context=ctx) as ex:
        done = list(ex.map(bump, [obj] * 4, [arr] * 4, range(4)))
    return {"exitcodes": [0], "done": done, "count": obj.load(), "sum": sum(arr)}


def scenario_pool(ctx, arena):
    obj = atomics.shared(8, atomics.INT)  # the default arena this time
    arr = atomics.shared_array(16, 4, atomics.UINT)
    with ctx.Pool(2) as pool:
        done = pool.map(bump_one, [(obj, arr, k) for k in range(4)])
    return {"exitcodes": [0], "done": done, "count": obj.load(), "sum": sum(arr),
            "default": pickle.loads(pickle.dumps(obj)).load()}


def _segments():
    """This run's arenas in /dev/shm (conftest.py tags them)."""
    mine = "atomics_" + os.environ.get("ATOMICS_ARENA_TAG", "")
    return {n for n in os.listdir("/dev/shm") if n.startswith(mine)}


def main():
    name, method = sys.argv[1], sys.argv[2]
    ctx = multiprocessing.get_context(method)
    before = _segments()  # another program's arenas are not this run's
    with atomics.Arena(1 << 14) as arena:
        result = globals()["scenario_" + name](ctx, arena)
        result["arena"] = arena.name
    result["segments"] = sorted(_segments() - before)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
