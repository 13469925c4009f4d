#!/usr/bin/env python3
"""The benchmark suite's one command.

    python bench/run.py [--quick] [--python PATH ...] [--out DIR | --update-committed]

For each interpreter (default: this one) makes or reuses one venv per
implementation (bench/venvs.py: this tree, the published atomics 1.0.3, each
peer of impls.py that installs there, each with pyperf), runs bench/worker.py
in each, a pyperf script that writes every value as JSON, then
bench/report.py, which reads them with pyperf and writes REPORT.md and
bench.png. Into --out (default bench/results/local/, git-ignored), or with
--update-committed into bench/results/ for CPython 3.11 and
bench/results/<tag>/ for any other interpreter:

  REPORT.md        the tables and targets, the machine, its load, the command
  bench.png        ns per call at width 8 and the contended throughput
  pyperf/*.json.gz every value pyperf measured, per implementation
                   (`python -m pyperf stats|compare_to` read them)
  run.json         the run: command, date, load, venvs, memory figures

The driver needs only the standard library; see bench/README.md.
"""
import argparse
import datetime
import gzip
import json
import os
import platform
import shutil
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import venvs  # noqa: E402

PYPERF = venvs.PYPERF
# Peers, pinned to the versions the adapters in impls.py were written against.
PEERS = {
    "atomics-1.0.3": "atomics==1.0.3",
    "atomics2": "atomics2==1.1.0",
    "atomicshm": "atomicshm==0.1.0",
    "cereggii": "cereggii==1.0.1",
    "ft_utils": "ft_utils==0.2.0",
    "atomicx": "atomicx==0.0.15",
}
REPORT_REQUIREMENTS = [PYPERF, "matplotlib"]
COMMITTED = os.path.join(HERE, "results")
# pyperf options per profile: worker processes, values per process, seconds per value
PROFILES = {"full": ["--processes", "4", "--values", "3", "--min-time", "0.02"],
            "quick": ["--processes", "2", "--values", "2", "--min-time", "0.004"]}
# pyperf metadata that names this machine's paths or host: not committed
PRIVATE = {"hostname", "python_executable", "python_config_args", "python_cflags",
           "boot_time"}


def loadavg():
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def machine():
    info = {"platform": platform.platform(), "cores": os.cpu_count(), "cpu": platform.machine()}
    try:
        with open("/proc/cpuinfo") as f:
            info["cpu"] = next(ln.split(":", 1)[1].strip() for ln in f
                               if ln.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return info


def scrub(path):
    """Rewrites pyperf's JSON at `path` gzipped, without PRIVATE metadata."""
    with open(path) as f:
        data = json.load(f)

    def clean(obj):
        if isinstance(obj, dict):
            return {k: clean(v) for k, v in obj.items() if k not in PRIVATE}
        if isinstance(obj, list):
            return [clean(v) for v in obj]
        return obj
    with gzip.open(path + ".gz", "wt") as f:
        json.dump(clean(data), f)
    os.unlink(path)


def measure(python, out, profile, only, reinstall, build):
    """Every implementation under `python`, into `out`; returns run.json's content."""
    info = venvs.interpreter(python)
    venvs.log("workers run under %s %s (%s)" % (info["implementation"], info["version"],
                                                 info["tag"]))
    source = venvs.git_describe()
    envs = {"ours": venvs.ensure(python, "ours", [PYPERF], ours=True, build=build)}
    for impl, requirement in PEERS.items():
        if not only or impl in only:
            envs[impl] = venvs.ensure(python, impl, [requirement, PYPERF], reinstall=reinstall)
    run = {"command": None, "date": datetime.datetime.now(datetime.timezone.utc)
           .strftime("%Y-%m-%d %H:%M UTC"), "profile": profile, "machine": machine(),
           "interpreter": {k: info[k] for k in ("implementation", "version", "tag", "gil")},
           "source": source, "loadavg_start": loadavg(),
           "environments": {k: v.as_dict() for k, v in envs.items()}, "memory": {}}
    shutil.rmtree(os.path.join(out, "pyperf"), ignore_errors=True)
    os.makedirs(os.path.join(out, "pyperf"))
    started = time.time()
    impls = [i for i in ["ours", "python"] + list(PEERS)
             if (not only or i in only) and envs.get(i, envs["ours"]).ok]
    for impl in impls:
        env = envs.get(impl, envs["ours"])  # the Python references run in ours' venv
        dest = os.path.join(out, "pyperf", impl + ".json")
        venvs.log("timing %s" % impl)
        res = venvs.run([env.python, os.path.join(HERE, "worker.py"), impl, "--quiet",
                         "-o", dest] + PROFILES[profile], timeout=3600, cwd=HERE)
        if res.returncode != 0:
            run["environments"].setdefault(impl, {})["error"] = res.stdout[-2000:]
            venvs.log("  %s failed: %s" % (impl, res.stdout[-500:]))
            continue
        scrub(dest)
        if impl != "python":
            mem = os.path.join(out, "memory.tmp.json")
            res = venvs.run([env.python, os.path.join(HERE, "worker.py"), "--memory", impl, mem],
                            timeout=600, cwd=HERE)
            if res.returncode == 0:
                with open(mem) as f:
                    run["memory"][impl] = json.load(f)
                os.unlink(mem)
            else:
                run["memory"][impl] = {"error": res.stdout[-1000:]}
    run["seconds"] = round(time.time() - started)
    run["loadavg_end"] = loadavg()
    if venvs.git_describe() != source:
        run["source"] += " (the sources changed during the run)"
    return run


def main():
    ap = argparse.ArgumentParser(description="Run the atomics benchmark suite.")
    ap.add_argument("--quick", action="store_true", help="about a minute per interpreter")
    ap.add_argument("--python", action="append", help="interpreter the workers run under "
                    "(repeat for several; default: this one)")
    ap.add_argument("--out", help="folder for the results (default bench/results/local)")
    ap.add_argument("--update-committed", action="store_true",
                    help="write the committed results in bench/results instead")
    ap.add_argument("--only", default="", help="comma-separated implementations")
    ap.add_argument("--no-build", action="store_true", help="reuse the installed build of ours")
    ap.add_argument("--reinstall", action="store_true", help="recreate the peers' venvs")
    ap.add_argument("--report-only", action="store_true",
                    help="only rewrite REPORT.md and bench.png from the folder's JSON")
    args = ap.parse_args()
    if args.out and args.update_committed:
        ap.error("--out and --update-committed exclude each other")
    pythons = args.python or [sys.executable]
    if args.out and len(pythons) > 1:
        ap.error("--out takes one --python")
    only = [s for s in args.only.split(",") if s]
    report_env = venvs.ensure(sys.executable, "report", REPORT_REQUIREMENTS)
    if not report_env.ok:
        sys.exit("cannot install %s: %s" % (" ".join(REPORT_REQUIREMENTS), report_env.reason))
    for python in pythons:
        info = venvs.interpreter(python)
        if args.out:
            out = args.out
        elif args.update_committed:
            out = COMMITTED if info["tag"] == "cpython-311" else os.path.join(COMMITTED,
                                                                             _folder(info))
        else:
            out = os.path.join(COMMITTED, "local", info["tag"])
        os.makedirs(out, exist_ok=True)
        if not args.report_only:
            run = measure(python, out, "quick" if args.quick else "full", only,
                          args.reinstall, not args.no_build)
            run["command"] = " ".join(["python bench/run.py"] + [
                a if os.sep not in a else os.path.basename(a) for a in sys.argv[1:]])
            with open(os.path.join(out, "run.json"), "w") as f:
                json.dump(run, f, indent=1)
        res = venvs.run([report_env.python, os.path.join(HERE, "report.py"), out], timeout=600)
        sys.stderr.write(res.stdout)
        if res.returncode != 0:
            sys.exit("report failed")
        venvs.log("wrote %s" % os.path.relpath(os.path.join(out, "REPORT.md"), os.getcwd()))


def _folder(info):
    """cpython-313 -> cpython-3.13 (the committed folder's name)."""
    tag = info["tag"]
    name, digits = tag.split("-", 1)
    return "%s-%s.%s" % (name, digits[0], digits[1:])


if __name__ == "__main__":
    main()
