"""The benchmarks' virtual environments, one per implementation and interpreter.

This package and the published atomics 1.0.3 share an import name, and each
peer is pinned to the version its adapter (impls.py) was written against, so
each runs from a venv of its own under bench/.venvs/<interpreter tag>/<name>
(git-ignored). A peer's venv is made once; a failure is remembered, with
pip's reason, until `reinstall`. Ours is reinstalled on every call unless
`build=False`, through a persistent build directory (build/bench-<tag>), so a
rebuild compiles only what changed. Standard library only."""
import json
import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BASE = os.path.join(HERE, ".venvs")
PYPERF = "pyperf==2.10.0"  # in every venv of ours: bench/run.py's workers need it


def run(cmd, timeout=None, **kwargs):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, timeout=timeout, **kwargs)


def log(msg):
    print("[bench] " + msg, file=sys.stderr, flush=True)


def interpreter(python):
    """tag (cpython-311, cpython-313t...), version, executable, gil of `python`."""
    code = ("import json, sys, sysconfig; print(json.dumps({'tag': sys.implementation."
            "cache_tag + ('t' if sysconfig.get_config_var('Py_GIL_DISABLED') else ''),"
            "'version': sys.version.split()[0], 'executable': sys.executable,"
            "'gil': not sysconfig.get_config_var('Py_GIL_DISABLED'),"
            "'implementation': sys.implementation.name}))")
    out = run([python, "-c", code], timeout=60)
    if out.returncode != 0:
        sys.exit("cannot run %s: %s" % (python, out.stdout.strip()))
    return json.loads(out.stdout)


def pip_errors(output):
    """The lines of pip's output that say why it failed, without pip's wrapping."""
    found = []
    for line in (ln.strip() for ln in output.splitlines()):
        if (line.startswith("ERROR: ") or re.match(r"^[A-Za-z_.]*Error: ", line)) and \
                "subprocess-exited-with-error" not in line and line not in found:
            found.append(line.replace("ERROR: ", ""))
    return ("; ".join(found) or " ".join(output.split()[-40:]))[:400]


class Env:
    def __init__(self, name, path):
        self.name, self.path = name, path
        self.ok, self.reason, self.version, self.requirements = False, "", "", []

    @property
    def python(self):
        return os.path.join(self.path, "bin", "python")

    def as_dict(self):
        return {"name": self.name, "requirements": self.requirements, "ok": self.ok,
                "reason": self.reason, "version": self.version}


def _pip(env, args):
    return run([env.python, "-m", "pip", "install", "--disable-pip-version-check", "-q"] + args,
               timeout=1800)


def ensure(python, name, requirements, ours=False, rev=None, build=True, reinstall=False):
    """The venv `name` for `python` with `requirements` (pip specifiers) and,
    with `ours`, this repository (or, with `rev`, that git revision of it)."""
    tag = interpreter(python)["tag"]
    env = Env(name, os.path.join(BASE, tag, name))
    env.requirements = list(requirements) + (["this repository" + (" at " + rev if rev else "")]
                                             if ours else [])
    stamp = os.path.join(env.path, ".bench-stamp.json")
    if reinstall and os.path.exists(env.path):
        shutil.rmtree(env.path)
    saved = {}
    if os.path.exists(stamp):
        with open(stamp) as f:
            saved = json.load(f)
    # a peer that failed to install stays failed until `reinstall`
    same = saved.get("requirements") == env.requirements and (saved.get("ok") or not ours)
    rebuild = ours and (build and not rev or not saved.get("built"))
    if same and not rebuild:
        env.ok, env.reason, env.version = saved["ok"], saved["reason"], saved["version"]
        return env
    if not os.path.exists(env.python):
        out = run([python, "-m", "venv", env.path], timeout=300)
        if out.returncode != 0:
            env.reason = "venv failed: " + out.stdout.strip()[-300:]
            return env
    if requirements and not same:
        log("installing %s into %s" % (" ".join(requirements), os.path.relpath(env.path, ROOT)))
        out = _pip(env, list(requirements))
        if out.returncode != 0:
            env.reason = "pip install failed: " + pip_errors(out.stdout)
    built = saved.get("built", False)
    if ours and not env.reason and rebuild:
        source, build_dir = ROOT, os.path.join(ROOT, "build", "bench-" + tag)
        if rev:
            source = _export(rev)
            build_dir += "-" + os.path.basename(source)
        log("building %s into %s" % (rev or "this tree", os.path.relpath(env.path, ROOT)))
        out = _pip(env, ["--force-reinstall", "--no-deps", "-C", "build-dir=" + build_dir,
                         source])
        if out.returncode != 0:
            sys.exit("cannot build %s:\n%s" % (rev or "this repository", out.stdout[-3000:]))
        built = True
    if not env.reason:
        env.ok = True
        env.version = ", ".join(r for r in requirements) if not ours else _version(env)
    with open(stamp, "w") as f:
        json.dump(dict(env.as_dict(), built=built), f)
    if not env.ok:
        log("%s unavailable: %s" % (name, env.reason))
    return env


def _version(env):
    out = run([env.python, "-c", "import atomics; print(atomics.__version__)"], timeout=120)
    return out.stdout.strip()


def commit(rev):
    """The short hash of git revision `rev` (a branch, a tag, HEAD~2...)."""
    sha = run(["git", "-C", ROOT, "rev-parse", "--short=10", rev + "^{commit}"])
    if sha.returncode != 0:
        sys.exit("unknown revision %s: %s" % (rev, sha.stdout.strip()))
    return sha.stdout.strip()


def _export(rev):
    """The tree of git revision `rev`, extracted under build/ (once)."""
    sha = commit(rev)
    dest = os.path.join(ROOT, "build", "src-" + sha)
    if not os.path.exists(os.path.join(dest, "pyproject.toml")):
        os.makedirs(dest, exist_ok=True)
        archive = subprocess.Popen(["git", "-C", ROOT, "archive", sha], stdout=subprocess.PIPE)
        subprocess.run(["tar", "-x", "-C", dest], stdin=archive.stdout, check=True)
        archive.wait()
    return dest


def git_describe():
    """The commit measured, and whether the sources it builds from differ from it."""
    head = run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"])
    if head.returncode != 0:
        return "unknown"
    dirty = run(["git", "-C", ROOT, "status", "--porcelain", "--", "src", "include",
                 "CMakeLists.txt", "pyproject.toml"]).stdout.strip()
    return head.stdout.strip() + (" with uncommitted changes" if dirty else "")
