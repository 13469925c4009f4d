#!/usr/bin/env python3
"""The benchmark suite's one command.

    python bench/run.py [--quick] [--out DIR | --update-committed] [--python PATH]

Makes (or reuses) one virtual environment per implementation under
bench/.venvs/<interpreter tag>/ -- this repository built with pip, the
published atomics 1.0.3 (whose import name clashes with ours), and each peer
that installs on the interpreter -- runs bench/worker.py inside each, several
rounds in turns, and writes into --out (default bench/results/local/, which
git ignores; --update-committed writes the committed bench/results/ instead):

  raw.json    every measurement, the machine, the command
  REPORT.md   the tables and the targets (PASS/FAIL), from raw.json
  bench.png   the plot (matplotlib, installed into a venv of its own)

--python runs the workers under another interpreter (for instance a
free-threaded 3.13t); the driver itself needs only the standard library.
See bench/README.md for how to read the report.
"""
import argparse
import datetime
import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import report  # noqa: E402

# Peers, pinned to the versions the adapters in impls.py were written against.
PEERS = {
    "atomics-1.0.3": "atomics==1.0.3",
    "atomics2": "atomics2==1.1.0",
    "atomicshm": "atomicshm==0.1.0",
    "cereggii": "cereggii==1.0.1",
    "ft_utils": "ft_utils==0.2.0",
    "atomicx": "atomicx==0.0.15",
}
IMPORTS = {"ours": "atomics", "atomics-1.0.3": "atomics", "atomics2": "atomics2",
           "atomicshm": "atomicshm", "cereggii": "cereggii",
           "ft_utils": "ft_utils.concurrency", "atomicx": "atomicx"}
PLOT_REQUIREMENT = "matplotlib"
COMMITTED = os.path.join(ROOT, "bench", "results")
ROUNDS = {"full": 5, "quick": 1}
WORKER_TIMEOUT = 900


def log(msg):
    print("[bench %s] %s" % (time.strftime("%H:%M:%S"), msg), flush=True)


def run(cmd, timeout=None, **kwargs):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, timeout=timeout, **kwargs)


# ---- interpreters and virtual environments --------------------------------------------

def interpreter_info(python):
    code = ("import json, sys, sysconfig, platform; print(json.dumps({"
            "'tag': sys.implementation.cache_tag + "
            "('t' if sysconfig.get_config_var('Py_GIL_DISABLED') else ''),"
            "'version': sys.version, 'executable': sys.executable,"
            "'implementation': platform.python_implementation()}))")
    out = run([python, "-c", code], timeout=60)
    if out.returncode != 0:
        sys.exit("cannot run %s: %s" % (python, out.stdout))
    return json.loads(out.stdout)


def venv_python(path):
    return os.path.join(path, "bin", "python")


_PIP_NOISE = ("subprocess-exited-with-error", "See above for output", "This error originates",
              "did not run successfully", "CalledProcessError", "FormattedErrorMessage",
              "Subprocess failed", "metadata-generation-failed", "Could not find a version")


def pip_errors(output):
    """The few lines of pip's output that say why it failed: an exception
    raised by a build backend, a CMake error's message, pip's own ERROR
    lines; the generic wrapping lines are dropped."""
    lines = [ln.strip() for ln in output.splitlines() if ln.strip()]
    found = []
    for i, ln in enumerate(lines):
        if any(noise in ln for noise in _PIP_NOISE):
            continue
        if re.match(r"^[A-Za-z_.]*Error: ", ln) or ln.startswith("ERROR: "):
            found.append(ln.replace("ERROR: ", ""))
        elif ln.startswith("CMake Error") and i + 1 < len(lines):
            found.append("CMake: " + " ".join(lines[i + 1:i + 3]))
    seen = []
    for ln in found:
        if ln not in seen:
            seen.append(ln)
    text = "; ".join(seen) if seen else " ".join(lines[-3:])
    return text[:400]


def make_venv(python, path):
    if os.path.exists(venv_python(path)):
        return None
    out = run([python, "-m", "venv", path], timeout=300)
    if out.returncode != 0:
        return "venv failed: " + out.stdout.strip()[-300:]
    return None


class Env:
    """One virtual environment: what was asked for, whether it works, why not."""

    def __init__(self, name, path, requirement):
        self.name = name
        self.path = path
        self.requirement = requirement
        self.ok = False
        self.reason = ""
        self.version = ""

    @property
    def python(self):
        return venv_python(self.path)

    def as_dict(self):
        return {"name": self.name, "requirement": self.requirement, "ok": self.ok,
                "reason": self.reason, "version": self.version}


def stamp_path(path):
    return os.path.join(path, ".bench-stamp.json")


def ensure_peer(python, base, name, requirement, module, reinstall):
    """A venv with `requirement` installed; a failure is remembered (with its
    reason) until --reinstall, so a run does not ask PyPI again each time."""
    env = Env(name, os.path.join(base, name), requirement)
    stamp = stamp_path(env.path)
    if not reinstall and os.path.exists(stamp):
        with open(stamp) as f:
            saved = json.load(f)
        if saved.get("requirement") == requirement:
            env.ok, env.reason, env.version = saved["ok"], saved["reason"], saved["version"]
            return env
    if reinstall and os.path.exists(env.path):
        shutil.rmtree(env.path)
    log("installing %s into %s" % (requirement, os.path.relpath(env.path, ROOT)))
    env.reason = make_venv(python, env.path) or ""
    if not env.reason:
        out = run([env.python, "-m", "pip", "install", "--disable-pip-version-check", "-q",
                   requirement], timeout=900)
        if out.returncode != 0:
            env.reason = "pip install failed: " + pip_errors(out.stdout)
        else:
            check = run([env.python, "-c", "import %s" % module], timeout=120)
            if check.returncode != 0:
                env.reason = "installed but import fails: " + check.stdout.strip()[-300:]
            else:
                env.ok = True
                env.version = requirement.split("==")[-1]
    with open(stamp, "w") as f:
        json.dump(env.as_dict(), f)
    if not env.ok:
        log("  %s unavailable: %s" % (name, env.reason))
    return env


def ensure_ours(python, base, tag, build):
    """A venv with this repository installed by pip (rebuilt each run unless
    --no-build, so the numbers are those of the tree as it is)."""
    env = Env("ours", os.path.join(base, "ours"), ROOT)
    env.reason = make_venv(python, env.path) or ""
    if env.reason:
        return env
    if build or run([env.python, "-c", "import atomics._atomics"]).returncode != 0:
        log("building and installing this repository into %s"
            % os.path.relpath(env.path, ROOT))
        build_dir = os.path.join(tempfile.gettempdir(), "skb-bench-" + tag)
        out = run([env.python, "-m", "pip", "install", "--disable-pip-version-check", "-q",
                   "--force-reinstall", "--no-deps", "-C", "build-dir=" + build_dir, ROOT],
                  timeout=1800)
        if out.returncode != 0:
            sys.exit("cannot build this repository:\n" + out.stdout[-3000:])
    env.ok = True
    out = run([env.python, "-c", "import atomics; print(atomics.__version__)"], timeout=120)
    env.version = out.stdout.strip()
    return env


def ensure_plot_env(base, reinstall):
    """matplotlib, for the driver's interpreter, in a venv of its own."""
    env = ensure_peer(sys.executable, base, "plot", PLOT_REQUIREMENT, "matplotlib", reinstall)
    return env


# ---- running the workers -----------------------------------------------------------------

def run_worker(env, impl, phase, quick):
    fd, out_path = tempfile.mkstemp(prefix="bench-%s-%s-" % (impl, phase), suffix=".json")
    os.close(fd)
    cmd = [env.python, os.path.join(HERE, "worker.py"), impl, phase, "--out", out_path]
    if quick:
        cmd.append("--quick")
    try:
        out = run(cmd, timeout=WORKER_TIMEOUT, cwd=HERE)
        if out.returncode != 0:
            return {"error": "worker failed (%d): %s" % (out.returncode, out.stdout[-2000:])}
        with open(out_path) as f:
            return json.load(f)
    except subprocess.TimeoutExpired:
        return {"error": "worker timed out after %d s" % WORKER_TIMEOUT}
    finally:
        os.unlink(out_path)


# ---- machine ----------------------------------------------------------------------------------

def machine_info():
    info = {"platform": platform.platform(), "machine": platform.machine(),
            "cores": os.cpu_count(), "cpu": platform.processor() or "unknown"}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal"):
                    info["memory_gib"] = round(int(line.split()[1]) / 2 ** 20, 1)
                    break
    except OSError:
        pass
    return info


SOURCES = ["src", "include", "CMakeLists.txt", "pyproject.toml"]


def source_hash():
    """A hash of the files the build reads, so a report names exactly the
    source it measured, committed or not."""
    digest = hashlib.sha256()
    for top in SOURCES:
        path = os.path.join(ROOT, top)
        files = [path] if os.path.isfile(path) else sorted(
            os.path.join(d, f) for d, _, fs in os.walk(path) for f in fs
            if "__pycache__" not in d)
        for name in files:
            digest.update(os.path.relpath(name, ROOT).encode() + b"\0")
            with open(name, "rb") as f:
                digest.update(f.read())
    return digest.hexdigest()[:12]


def git_info():
    head = run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"])
    if head.returncode != 0:
        return "unknown (source hash %s)" % source_hash()
    status = run(["git", "-C", ROOT, "status", "--porcelain", "--"] + SOURCES)
    changed = [ln[3:] for ln in status.stdout.splitlines() if ln.strip()]
    text = head.stdout.strip()
    if changed:
        text += " + uncommitted changes to %s" % ", ".join(changed[:8])
        if len(changed) > 8:
            text += " and %d more" % (len(changed) - 8)
    return text + " (source hash %s)" % source_hash()


def loadavg():
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


# ---- main -------------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description="Run the atomics benchmark suite.")
    ap.add_argument("--quick", action="store_true",
                    help="about a minute: one round, short repeats, small contended runs")
    ap.add_argument("--out", default=None,
                    help="folder for raw.json, REPORT.md, bench.png "
                         "(default bench/results/local, ignored by git)")
    ap.add_argument("--update-committed", action="store_true",
                    help="write the committed results in bench/results instead")
    ap.add_argument("--python", default=sys.executable,
                    help="interpreter the workers run under (default: this one)")
    ap.add_argument("--only", default="",
                    help="comma-separated implementations to run (default: all)")
    ap.add_argument("--rounds", type=int, help="rounds of single-thread timings")
    ap.add_argument("--no-build", action="store_true",
                    help="reuse the installed build of this repository")
    ap.add_argument("--reinstall", action="store_true",
                    help="recreate the peers' venvs (and retry the ones that failed)")
    ap.add_argument("--report-only", action="store_true",
                    help="only rewrite REPORT.md and bench.png from --out/raw.json")
    args = ap.parse_args()
    if args.out is not None and args.update_committed:
        ap.error("--out and --update-committed exclude each other")
    if args.out is None:
        args.out = COMMITTED if args.update_committed else os.path.join(COMMITTED, "local")
    os.makedirs(args.out, exist_ok=True)
    raw_path = os.path.join(args.out, "raw.json")
    venv_root = os.path.join(HERE, ".venvs")

    if args.report_only:
        with open(raw_path) as f:
            raw = json.load(f)
        finish(raw, args.out, ensure_plot_env(os.path.join(venv_root, "driver"), False))
        return

    started = time.time()
    profile = "quick" if args.quick else "full"
    python = os.path.abspath(args.python) if os.sep in args.python else \
        shutil.which(args.python) or args.python
    interp = interpreter_info(python)
    base = os.path.join(venv_root, interp["tag"])
    os.makedirs(base, exist_ok=True)
    log("workers run under %s (%s)" % (interp["executable"], interp["version"].split()[0]))

    source = git_info()  # before the build: what it compiles
    envs = {"ours": ensure_ours(python, base, interp["tag"], not args.no_build)}
    for impl, requirement in PEERS.items():
        envs[impl] = ensure_peer(python, base, impl, requirement, IMPORTS[impl], args.reinstall)
    envs["python"] = envs["ours"]
    plot_env = ensure_plot_env(os.path.join(venv_root, "driver"), args.reinstall)

    wanted = [s for s in args.only.split(",") if s] or list(envs)
    impls = [i for i in ["ours", "python"] + list(PEERS) if i in wanted and envs[i].ok]

    raw = {
        "command": " ".join(["python", os.path.relpath(os.path.abspath(sys.argv[0]), ROOT)]
                            + sys.argv[1:]),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "profile": profile,
        "machine": machine_info(),
        "interpreter": interp,
        "driver_python": sys.version,
        "git": source,
        "loadavg_start": loadavg(),
        "environments": {k: v.as_dict() for k, v in envs.items() if k != "python"},
        "rounds": [],
        "memory": {},
        "contended": {},
        "meta": {},
    }

    rounds = args.rounds or ROUNDS[profile]
    for r in range(rounds):
        # a different order each round spreads any drift of the machine
        order = impls[r % len(impls):] + impls[:r % len(impls)]
        log("round %d/%d: %s" % (r + 1, rounds, ", ".join(order)))
        results = {}
        for impl in order:
            res = run_worker(envs[impl], impl, "ops", args.quick)
            if "error" in res:
                log("  %s: %s" % (impl, res["error"][:300]))
            else:
                raw["meta"][impl] = res["meta"]
            results[impl] = res.get("results", res)
        raw["rounds"].append(results)

    for impl in impls:
        log("memory: %s" % impl)
        raw["memory"][impl] = run_worker(envs[impl], impl, "memory", args.quick)
    for impl in impls:
        log("contended: %s" % impl)
        raw["contended"][impl] = run_worker(envs[impl], impl, "contended", args.quick)

    raw["loadavg_end"] = loadavg()
    now = git_info()
    if now != source:
        if now.split("source hash")[-1] == source.split("source hash")[-1]:
            raw["git"] = now  # the same files, committed meanwhile
        else:
            raw["git_after"] = now
            log("the sources changed during the run: %s" % now)
    raw["seconds"] = round(time.time() - started, 1)
    with open(raw_path, "w") as f:
        json.dump(raw, f, indent=1)
    log("wrote %s" % os.path.relpath(raw_path, ROOT))
    finish(raw, args.out, plot_env)
    log("done in %.0f s" % (time.time() - started))


def finish(raw, out_dir, plot_env):
    summary = report.summarize(raw)
    summary_path = os.path.join(out_dir, "summary.json")
    with open(summary_path, "w") as f:
        json.dump(summary, f, indent=1)
    png = os.path.join(out_dir, "bench.png")
    if plot_env.ok:
        out = run([plot_env.python, os.path.join(HERE, "plot.py"), summary_path, png],
                  timeout=300)
        if out.returncode != 0:
            log("plot failed: " + out.stdout[-1000:])
            png = None
    else:
        log("no plot: matplotlib unavailable (%s)" % plot_env.reason)
        png = None
    text = report.render(raw, summary, png and os.path.basename(png))
    with open(os.path.join(out_dir, "REPORT.md"), "w") as f:
        f.write(text)
    log("wrote %s" % os.path.relpath(os.path.join(out_dir, "REPORT.md"), ROOT))
    for row in summary["targets"]:
        log("  %-4s %s: %s" % (row["status"], row["target"], row["measured"]))


if __name__ == "__main__":
    main()
