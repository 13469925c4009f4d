#!/usr/bin/env bash
# ThreadSanitizer leg: the threaded tests (free-threading, sub-interpreters,
# wait/notify with its release-while-waiting handshake, the sync primitives)
# on a free-threaded CPython built with TSan (tools/ft-python.sh --tsan),
# against a TSan build of the extension. Any TSan report fails the run (TSan exits 66).
#   bash tests/run_tsan_ft.sh [pytest args...]   (args: instead of the default files)
#
# Everything pip does runs under the TSan interpreter, 5-15 times slower than
# a plain one: a fresh venv with pip, pytest and an isolated build took about
# 5 minutes of this leg's 6. So pytest, pip and the build backend live in a
# tools venv made once beside the interpreter and cached like it
# ($ATOMICS_TSAN_TOOLS, default <interpreter prefix>-tools; delete it to
# refresh); each run makes its own venv without pip, reaches the tools
# through a .pth file (the tools venv is never written after it is made), and
# builds the extension into it from scratch (~30 s).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=${ATOMICS_TSAN_DIR:-$root/build/tsan-ft}
py=$(bash "$root/tools/ft-python.sh" --tsan)
tools=${ATOMICS_TSAN_TOOLS:-$(dirname "$(dirname "$py")")-tools}
# Installing runs pip and the build backend under the TSan interpreter, whose
# own start-up races (CPython's, not ours) are not what this leg checks.
quiet="report_bugs=0 exitcode=0"
want="$py pytest scikit-build-core>=0.11"
purelib() { "$1" -c 'import sysconfig; print(sysconfig.get_path("purelib"))'; }
if [[ ! -f $tools/.atomics-tools || $(cat "$tools/.atomics-tools") != "$want" ]]; then
  echo "run_tsan_ft.sh: making the tools venv $tools (once)"
  rm -rf "$tools.new"  # made aside and moved: a half-made one is never used
  "$py" -m venv "$tools.new"
  TSAN_OPTIONS=$quiet "$tools.new/bin/python" -m pip install -q pytest 'scikit-build-core>=0.11'
  echo "$want" >"$tools.new/.atomics-tools"
  rm -rf "$tools"
  mv "$tools.new" "$tools"
fi
rm -rf "$work/venv" "$work/build"
"$py" -m venv --without-pip "$work/venv"
tools_site=$(purelib "$tools/bin/python")
[[ -d $tools_site ]] || { echo "run_tsan_ft.sh: no $tools_site" >&2; exit 1; }
echo "$tools_site" >"$(purelib "$work/venv/bin/python")/atomics-tsan-tools.pth"
TSAN_OPTIONS=$quiet CMAKE_ARGS="-DATOMICS_SANITIZE=thread" "$work/venv/bin/python" -m pip install -q \
  --no-deps --no-build-isolation -C build-dir="$work/build" "$root"
ext=$(ls "$(purelib "$work/venv/bin/python")"/atomics/_atomics*.so)
[[ $(nm -D "$ext") == *__tsan_* ]] || { echo "run_tsan_ft.sh: $ext is not built with TSan" >&2; exit 1; }
cd "$work"
export TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1 suppressions=$root/tests/tsan-suppressions.txt"
if (($#)); then  # the caller's selection
  exec "$work/venv/bin/python" -m pytest -p no:cacheprovider -q "$@"
fi
"$work/venv/bin/python" -m pytest -p no:cacheprovider -q \
  "$root/tests/test_freethreading.py" "$root/tests/test_subinterpreters.py" \
  "$root/tests/test_wait.py"
# The sync primitives with threads (the GIL off: acquire/release, Condition,
# Barrier, owner checks); their multiprocessing rows fork, which TSan does
# not follow, and test_sync_processes.py covers them elsewhere.
"$work/venv/bin/python" -m pytest -p no:cacheprovider -q \
  "$root/tests/test_sync.py" -k "not multiprocessing"
