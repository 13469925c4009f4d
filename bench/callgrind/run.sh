#!/usr/bin/env bash
# Instructions per call (callgrind), for each Python given:
#   bash bench/callgrind/run.sh PYTHON [PYTHON...]
# Each PYTHON must import the atomics to measure. Prints one row per mode:
# the loop alone (none) and each operation, loop included.
# ATOMICS_CALLGRIND_MODES="owned-none owned-fetch_max" picks the modes.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export PYTHONHASHSEED=0  # dict layouts, and so counts, repeat exactly
count() {
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$1" "$here/op.py" "$2" "$3" 2>&1 |
    awk '/Collected/ {print $4}'
}
for py in "$@"; do
  for mode in ${ATOMICS_CALLGRIND_MODES:-owned-none owned-inc owned-load owned-fetch_add \
               owned-fetch_max owned-add_fetch owned-fetch_update view-inc view-load view-fetch_add \
               view-enter_exit shared-inc shared-fetch_add array-inc array-load array-fetch_add}; do
    a=$(count "$py" "$mode" 100000)
    b=$(count "$py" "$mode" 300000)
    printf '%-40s %-16s %6d\n' "$py" "$mode" $(((b - a) / 200000))
  done
done
