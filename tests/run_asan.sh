#!/bin/sh
# run_asan.sh: the Python test suite against an AddressSanitizer +
# UndefinedBehaviorSanitizer build of the extension.
#
#   tests/run_asan.sh [pytest arguments]      (no test path given: all of tests/)
#
# Builds the package with CMAKE_ARGS=-DATOMICS_SANITIZE=address,undefined into
# its own venv and build directory, then runs pytest with the ASan runtime
# preloaded (the interpreter itself is not instrumented) and PYTHONMALLOC=malloc
# so that ASan sees every Python object allocation. Every process the tests
# start inherits the same settings. Reports are written to a log directory;
# the script exits non-zero if pytest fails or if any process wrote a report.
#
# Environment: ATOMICS_ASAN_DIR (default build/asan in the repository) holds
# the venv, the build directory and the reports; ASAN_VENV and ASAN_BUILD_DIR
# override the first two; PYTHON (default python3) makes the venv;
# ATOMICS_STRESS_SCALE as usual.
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIR=${ATOMICS_ASAN_DIR:-$ROOT/build/asan}
VENV=${ASAN_VENV:-$DIR/venv}
BUILD=${ASAN_BUILD_DIR:-$DIR/build}
PYTHON=${PYTHON:-python3}
CC=${CC:-gcc}

LIBASAN=$("$CC" -print-file-name=libasan.so)
case "$LIBASAN" in
    /*) ;;
    *) echo "run_asan.sh: $CC has no libasan.so" >&2; exit 2 ;;
esac

if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV" || exit 2
fi
echo "run_asan.sh: building into $VENV (build dir $BUILD)"
# the test dependencies, then the package itself rebuilt whatever pip thinks
export CMAKE_ARGS="-DATOMICS_SANITIZE=address,undefined"
"$VENV/bin/pip" install -q -C build-dir="$BUILD" "$ROOT[test]" || exit 2
"$VENV/bin/pip" install -q --force-reinstall --no-deps -C build-dir="$BUILD" "$ROOT" || exit 2
unset CMAKE_ARGS

# The extension must really be instrumented (a stale build would prove nothing).
# It cannot be imported to find it: without the preload, ASan refuses to load.
EXT=$(ls "$VENV"/lib/python*/site-packages/atomics/_atomics*.so 2>/dev/null | head -n 1)
if [ -z "$EXT" ] || ! nm -D "$EXT" | grep -q "__asan_report"; then
    echo "run_asan.sh: $EXT is not built with ASan" >&2
    exit 2
fi
if ! nm -D "$EXT" | grep -q "__ubsan_handle"; then
    echo "run_asan.sh: $EXT is not built with UBSan" >&2
    exit 2
fi

mkdir -p "$DIR"
LOGS=$(mktemp -d "$DIR/reports.XXXXXX")
echo "run_asan.sh: extension $EXT"
echo "run_asan.sh: sanitizer reports go to $LOGS"

# Test paths among the arguments become absolute (pytest runs elsewhere);
# with none at all, the whole suite runs.
has_path=0
n=$#
while [ "$n" -gt 0 ]; do
    arg=$1
    shift
    n=$((n - 1))
    case "$arg" in
        -*) ;;
        *)
            if [ -e "${arg%%::*}" ]; then
                has_path=1
                case "$arg" in /*) ;; *) arg="$PWD/$arg" ;; esac
            fi
            ;;
    esac
    set -- "$@" "$arg"
done
[ $has_path -eq 1 ] || set -- "$@" "$ROOT/tests"

# Run from an empty directory so that the installed package is imported.
WORK=$(mktemp -d /tmp/atomics-asan-run.XXXXXX)
cd "$WORK" || exit 2
LD_PRELOAD="$LIBASAN" \
PYTHONMALLOC=malloc \
ASAN_OPTIONS="detect_leaks=0:halt_on_error=1:abort_on_error=1:log_path=$LOGS/asan:detect_stack_use_after_return=1" \
UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$LOGS/ubsan" \
    "$VENV/bin/python" -m pytest -p no:cacheprovider -q "$@"
status=$?

reports=$(ls "$LOGS" 2>/dev/null)
if [ -n "$reports" ]; then
    echo "run_asan.sh: SANITIZER REPORTS:" >&2
    for f in "$LOGS"/*; do
        echo "---- $f" >&2
        cat "$f" >&2
    done
    [ $status -eq 0 ] && status=1
else
    echo "run_asan.sh: no sanitizer reports"
    rmdir "$LOGS"
fi
rm -rf "$WORK"
echo "run_asan.sh: pytest exit status $status"
exit $status
