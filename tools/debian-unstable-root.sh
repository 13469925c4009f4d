#!/usr/bin/env bash
# A Debian unstable root (minbase) with CPython 3.14 and 3.15 and a C
# toolchain, built once with debootstrap and cached; prints its path.
#   ROOT=$(bash tools/debian-unstable-root.sh)
# Debian ships these interpreters only as binary packages in unstable (their
# source packages are not reachable from here), so we run them in a root of
# their own suite instead of building them. Cache: $ATOMICS_DEBROOT (default
# ~/.cache/atomics-debroot/unstable), about 1 GB. Needs root. The first call
# takes about a minute; later calls print the path at once. Delete the
# directory to refresh it. Messages go to stderr, only the path to stdout.
set -euo pipefail

root=${ATOMICS_DEBROOT:-$HOME/.cache/atomics-debroot/unstable}
packages=python3.14,python3.14-dev,python3.14-venv,python3.15,python3.15-dev,python3.15-venv,gcc,g++,cmake,make
stamp=$root/.atomics-root
ready() { [[ -f $stamp && $(cat "$stamp") == "$packages" ]]; }
if ready; then echo "$root"; exit 0; fi

mkdir -p "$(dirname "$root")"
exec 9>"$root.lock"
flock 9
if ready; then echo "$root"; exit 0; fi

if ! command -v debootstrap >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=600 debootstrap >&2
fi
# the mirror this machine already uses
mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
[[ -n $mirror ]] || mirror=$(awk '$1 == "deb" {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
[[ -n $mirror ]] || mirror=http://deb.debian.org/debian

# Build beside the cache and move it in place only when complete, so an
# interrupted run never leaves a half root that looks usable.
tmp=$root.new
rm -rf "$tmp"
echo "debian-unstable-root: debootstrap unstable into $root" >&2
if ! debootstrap --variant=minbase --include="$packages" unstable "$tmp" "$mirror" >"$root.log" 2>&1; then
  tail -n 20 "$root.log" >&2
  echo "debian-unstable-root: debootstrap failed (log: $root.log)" >&2
  exit 1
fi
echo "$packages" >"$tmp/.atomics-root"
rm -rf "$root"
mv "$tmp" "$root"
echo "$root"
