#!/usr/bin/env bash
# CI legs for every interpreter besides the main one (.ci/run tests CPython
# 3.11 through the README's own commands):
#   3.9 3.10 3.12 3.13   pyenv's CPython on this machine
#   3.13t                free-threaded, built by tools/ft-python.sh
#   tsan                 tests/run_tsan_ft.sh (TSan-built 3.13t, TSan extension)
#   3.14 3.15            Debian unstable's packages in a debootstrap root
#                        (tools/debian-unstable-root.sh, tools/run-suite-in-root.sh)
#   pypy                 Debian's pypy3 (PyPy 7.3, Python 3.9)
# Each leg: a fresh venv, pip install '.[test]' with its own build directory,
# pytest -q -p no:cacheprovider. Prints a table of outcomes and times.
#   bash .ci/interpreters.sh              # every leg
#   bash .ci/interpreters.sh 3.10 3.14    # some legs
# A leg whose interpreter is missing fails under CI=true and is skipped
# otherwise. Needs root for the 3.13t build, the Debian root and pypy3 (apt).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
work=${ATOMICS_INTERP_DIR:-$root/build/interp}
mkdir -p "$work"
legs=("$@")
((${#legs[@]})) || legs=(3.9 3.10 3.12 3.13 3.13t tsan 3.14 3.15 pypy)
pytest_args=(-q -p no:cacheprovider)
# The memory-order litmus tests' positive controls must see a store
# reordered, which needs both CPUs free at once: the main leg (.ci/run)
# runs them; here they would only measure how busy the machine is.
export ATOMICS_LITMUS_CONTROLS=0
# The property, stress and litmus files run once, in the main leg; these
# legs run the API suite (tests/conftest.py, STRESS_FILES). The TSan leg
# names its own files and is not affected.
export ATOMICS_STRESS_ONCE=1

step() { printf '\n=== %s (%s)\n' "$*" "$(date +%T)"; }

missing() { # leg, why
  if [[ ${CI:-} == true ]]; then
    echo "$1: $2" >&2
    return 1
  fi
  echo "$1: $2; leg skipped" >&2
  return 0
}

install() { # name, interpreter: a fresh venv with '.[test]' installed
  local venv=$work/venv-$1
  rm -rf "$venv"
  "$2" -m venv "$venv" || return 1
  # --config-settings rather than -C: the pip bundled with 3.9 and 3.10 predates -C.
  # numpy only as a wheel: its newest release has no wheel for 3.13t, and
  # building it from source takes over 15 minutes here; an older one has.
  "$venv/bin/pip" install -q --only-binary numpy --config-settings=build-dir="$work/skb-$1" '.[test]' 2>&1 |
    { grep -v "^WARNING: Location .* is ignored" || true; }
  return "${PIPESTATUS[0]}"
}

suite() { "$work/venv-$1/bin/python" -m pytest "${pytest_args[@]}"; }

leg_pyenv() { # 3.N
  local py
  py=$(ls -d "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$1".*/bin/python3 2>/dev/null | sort -V | tail -n 1 || true)
  [[ -n $py ]] || { missing "CPython $1" "not in pyenv"; return; }
  echo "interpreter: $py"
  install "$1" "$py" && suite "$1"
}

leg_ft() {
  local py
  py=$(bash tools/ft-python.sh) || return 1
  install 3.13t "$py" || return 1
  "$work/venv-3.13t/bin/python" -c 'import sys, atomics; assert not sys._is_gil_enabled(), "GIL came back"' || return 1
  suite 3.13t
}

leg_tsan() { ATOMICS_TSAN_DIR=$work/tsan-ft bash tests/run_tsan_ft.sh; }

leg_debian() { ATOMICS_DEBROOT=${ATOMICS_DEBROOT:-$HOME/.cache/atomics-debroot/unstable} \
  bash tools/run-suite-in-root.sh "$1" "${pytest_args[@]}"; }

leg_pypy() {
  if ! command -v pypy3 >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=600 \
      pypy3 pypy3-dev pypy3-venv >/dev/null || { missing PyPy "apt-get install pypy3 failed"; return; }
  fi
  install pypy "$(command -v pypy3)" && suite pypy
}

declare -a table=()
status=0
for leg in "${legs[@]}"; do
  step "interpreter leg: $leg"
  start=$SECONDS
  log=$work/leg-$leg.log
  set +e
  case $leg in
    3.9 | 3.10 | 3.11 | 3.12 | 3.13) leg_pyenv "$leg" ;;
    3.13t) leg_ft ;;
    tsan) leg_tsan ;;
    3.14 | 3.15) leg_debian "$leg" ;;
    pypy) leg_pypy ;;
    *) echo "unknown leg $leg" >&2; false ;;
  esac 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  set -e
  summary=$(grep -E '^[0-9]+ (passed|failed)|^=+ .*(passed|failed).* =+$| (passed|failed)(,| in )' "$log" | tail -n 1 | tr -d '=')
  table+=("$(printf '%-6s %-5s %4ss  %s' "$leg" "$([[ $rc == 0 ]] && echo ok || echo FAIL)" \
    $((SECONDS - start)) "${summary# }")")
  [[ $rc == 0 ]] || status=1
done

step "interpreter legs"
printf '%s\n' "${table[@]}"
exit $status
