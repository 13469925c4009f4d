#!/usr/bin/env bash
# ThreadSanitizer leg: the threaded tests (free-threading, sub-interpreters,
# wait/notify with its release-while-waiting handshake) on a free-threaded CPython built
# with TSan (tools/ft-python.sh --tsan), against a TSan build of the
# extension. Any TSan report fails the run (TSan exits 66).
#   bash tests/run_tsan_ft.sh [pytest args...]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=${ATOMICS_TSAN_DIR:-$root/build/tsan-ft}
py=$(bash "$root/tools/ft-python.sh" --tsan)
rm -rf "$work/venv"
"$py" -m venv "$work/venv"
# Installing runs pip and the build backend under the TSan interpreter, whose
# own start-up races (CPython's, not ours) are not what this leg checks.
quiet="report_bugs=0 exitcode=0"
TSAN_OPTIONS=$quiet "$work/venv/bin/python" -m pip install -q --upgrade pip
TSAN_OPTIONS=$quiet "$work/venv/bin/python" -m pip install -q pytest
TSAN_OPTIONS=$quiet CMAKE_ARGS="-DATOMICS_SANITIZE=thread" "$work/venv/bin/python" -m pip install -q \
  -C build-dir="$work/build" "$root"
cd "$work"
export TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1 suppressions=$root/tests/tsan-suppressions.txt"
"$work/venv/bin/python" -m pytest -p no:cacheprovider -q \
  "$root/tests/test_freethreading.py" "$root/tests/test_subinterpreters.py" \
  "$root/tests/test_wait.py" "$@"
