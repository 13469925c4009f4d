#!/usr/bin/env bash
# Free-threaded CPython (--disable-gil) for CI and for tests/run_tsan_ft.sh,
# built once from Debian's source package and cached; prints the interpreter.
#   PY=$(bash tools/ft-python.sh)              # 3.13t
#   PY=$(bash tools/ft-python.sh --tsan)       # 3.13t built with ThreadSanitizer
#   PY=$(bash tools/ft-python.sh 3.14)         # try another minor (needs its source)
# Cache: $ATOMICS_PY_CACHE (default ~/.cache/atomics-python): the source
# tarball in src/, each build in py3XX-ft or py3XX-ft-tsan. A cached build is
# reused when it starts and reports the GIL off. The first build needs root
# (apt: a deb-src entry for the Debian suite that carries the minor) and takes
# about 10 minutes on 2 cores; messages go to stderr, only the path to stdout.
set -euo pipefail

tsan=0
minor=3.13
for arg; do
  case $arg in
    --tsan) tsan=1 ;;
    3.[0-9]*) minor=$arg ;;
    *) echo "usage: $0 [--tsan] [3.N]" >&2; exit 2 ;;
  esac
done
variant=ft
configure_tsan=()
if ((tsan)); then
  variant=ft-tsan
  configure_tsan=(--with-thread-sanitizer)
fi
# The Debian suite whose sources carry this minor, and a version known to be
# in its pool (the index sometimes names a newer upload the pool lacks).
case $minor in
  3.13) suite=trixie; known=3.13.5-2+deb13u5 ;;
  *) suite=unstable; known= ;;
esac

cache=${ATOMICS_PY_CACHE:-$HOME/.cache/atomics-python}
prefix=$cache/py${minor/./}-$variant
py=$prefix/bin/python${minor}t
usable() { [[ -x $py ]] && "$py" -c 'import sys; sys.exit(sys._is_gil_enabled())' 2>/dev/null; }
if usable; then echo "$py"; exit 0; fi

mkdir -p "$cache/src"
# One builder at a time: CI legs and helpers may ask for the same build.
exec 9>"$cache/.lock-py${minor/./}-$variant"
flock 9
if usable; then echo "$py"; exit 0; fi

tarball() { ls "$cache/src/python${minor}_${minor}".*.orig.tar.xz 2>/dev/null | sort -V | tail -n 1; }
if [[ -z $(tarball) ]]; then
  # A sources list of our own, for this suite's source packages from the
  # mirror the machine already uses; the machine's apt configuration is not
  # touched.
  mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
  [[ -n $mirror ]] || mirror=$(awk '$1 == "deb" {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
  [[ -n $mirror ]] || { echo "ft-python: no Debian mirror in the apt sources" >&2; exit 1; }
  mkdir -p "$cache/apt"
  list=$cache/apt/$suite-src.sources
  printf '%s\n' 'Types: deb-src' "URIs: $mirror" "Suites: $suite" 'Components: main' \
    'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' >"$list"
  apt_src=(-o Dir::Etc::sourcelist="$list" -o Dir::Etc::sourceparts=- -o APT::Get::List-Cleanup=0)
  apt-get "${apt_src[@]}" update -qq >&2
  # The index can name an upload the pool lacks (then fall back to a version
  # known to be there); for 3.14 and 3.15 the pool had no sources at all.
  (cd "$cache/src" &&
    { apt-get "${apt_src[@]}" source -qq --download-only "python$minor" >&2 2>/dev/null ||
      { [[ -n $known ]] && apt-get "${apt_src[@]}" source -qq --download-only "python$minor=$known" >&2; }; }) ||
    { echo "ft-python: no source package python$minor reachable from Debian $suite" >&2; exit 1; }
  [[ -n $(tarball) ]] || { echo "ft-python: python$minor source has no orig tarball" >&2; exit 1; }
fi

# Headers CPython needs for ssl (pip), zlib, ctypes, lzma, bz2, sqlite, readline.
need=(build-essential libssl-dev zlib1g-dev libffi-dev liblzma-dev libbz2-dev libsqlite3-dev libreadline-dev uuid-dev)
missing=()
for p in "${need[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if ((${#missing[@]})); then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=600 "${missing[@]}" >&2
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tar -xf "$(tarball)" -C "$work"
cd "$work"/Python-"$minor".*
echo "ft-python: building CPython ${minor}t ($variant) into $prefix" >&2
rm -rf "$prefix"
./configure -q --disable-gil --prefix="$prefix" "${configure_tsan[@]}" >&2
make -s -j"$(nproc)" >/dev/null 2>"$work/make.log" || { tail -n 30 "$work/make.log" >&2; exit 1; }
make -s install >/dev/null 2>"$work/install.log" || { tail -n 30 "$work/install.log" >&2; exit 1; }
usable || { echo "ft-python: $py does not run free-threaded" >&2; exit 1; }
echo "$py"
