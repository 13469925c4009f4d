"""What `import atomics` costs a program, measured in fresh interpreters.

    python bench/import_cost.py [--rounds N] [--python PATH]

Three numbers, each the median over N rounds run interleaved (so a busy
machine slows all of them alike):

- wall: `python -c "import atomics"` minus `python -c "pass"` (what a
  command-line tool that imports atomics pays at start-up);
- importtime: the cumulative microseconds `python -X importtime` reports for
  the `atomics` package itself;
- shared on first use: the same for `atomics.shared`, the shared-memory layer
  that `import atomics` leaves unloaded until a program asks for it.

It also checks that `import atomics` alone leaves `atomics._shared` and
`typing` unimported. Run it from anywhere except the source tree (whose
src/atomics has no compiled extension)."""
import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time


def wall(python, code, cwd):
    start = time.perf_counter()
    subprocess.run([python, "-c", code], cwd=cwd, check=True)
    return time.perf_counter() - start


def importtime(python, code, module, cwd):
    proc = subprocess.run([python, "-X", "importtime", "-c", code], cwd=cwd, check=True,
                          capture_output=True, text=True)
    for line in proc.stderr.splitlines():
        m = re.match(r"import time:\s+\d+ \|\s+(\d+) \|\s*(\S+)$", line)
        if m and m.group(2) == module:
            return int(m.group(1))
    raise SystemExit(f"{module} not in -X importtime output:\n{proc.stderr}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--python", default=sys.executable)
    args = ap.parse_args()
    cwd = tempfile.mkdtemp()  # never the source tree
    env_ok = subprocess.run(
        [args.python, "-c", "import sys, atomics; "
         "print(int('atomics._shared' in sys.modules), int('typing' in sys.modules))"],
        cwd=cwd, check=True, capture_output=True, text=True).stdout.split()
    bare, imp, itime, shared = [], [], [], []
    for _ in range(args.rounds):
        bare.append(wall(args.python, "pass", cwd))
        imp.append(wall(args.python, "import atomics", cwd))
        itime.append(importtime(args.python, "import atomics", "atomics", cwd))
        shared.append(importtime(args.python, "import atomics; atomics.shared",
                                 "atomics._shared", cwd))
    med = statistics.median
    over = [b - a for a, b in zip(bare, imp)]
    print(f"python: {args.python} ({os.path.basename(args.python)}), {args.rounds} rounds")
    print(f"wall, import atomics over bare python: {med(over) * 1e3:.1f} ms "
          f"(bare {med(bare) * 1e3:.1f} ms)")
    print(f"-X importtime, atomics (cumulative): {med(itime) / 1e3:.1f} ms")
    print(f"-X importtime, atomics._shared on first use of atomics.shared: "
          f"{med(shared) / 1e3:.1f} ms")
    print(f"after `import atomics`: atomics._shared loaded: {env_ok[0] == '1'}, "
          f"typing loaded: {env_ok[1] == '1'}")


if __name__ == "__main__":
    main()
