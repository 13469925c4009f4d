#!/usr/bin/env bash
# tests/cross/python-s390x.sh: the CPython extension and the Python package,
# big-endian, on s390x under qemu-user. tests/cross/run.sh runs the C core
# there; this runs the Python layer (int/bytes conversion at every width,
# the containing-block widths 3, 5-7 and 9-15, views at every recommended
# offset of larger buffers and at the very end of their allocation) in a
# real s390x CPython:
#   root      a Debian root for s390x (python3, its -dev headers, pytest,
#             hypothesis, numpy), made once with `debootstrap --foreign` and
#             cached. No chroot and no binfmt_misc: the packages are unpacked
#             with the host's dpkg-deb (their maintainer scripts never run)
#             and the interpreter runs as `qemu-s390x -L ROOT`.
#   build     src/core + src/ext with s390x-linux-gnu-gcc (-Werror; asserts
#             kept), into _atomics.<EXT_SUFFIX> next to a copy of src/atomics
#   control   proves the run is big-endian: sys.byteorder, platform.machine(),
#             our own extension loaded, b"\0\0\0\1" loads as 1, bytes of
#             stores land most significant first
#   pytest    the API suite (see `files` below) under qemu
# ROOT/usr/bin/python3-qemu is a host shell script that starts the root's
# interpreter under qemu with itself as argv[0], so sys.executable names it
# and tests that start `sys.executable` in a subprocess work too.
# Prints the time of every phase; exits non-zero if anything failed.
#
#   bash tests/cross/python-s390x.sh [pytest args...]   default: the files below
#   ATOMICS_S390X_ROOT     cached root (default ~/.cache/atomics-debroot/s390x)
#   ATOMICS_S390X_SUITE    Debian suite (default unstable: this machine's
#                          mirror lacks trixie's point-release s390x debs)
#   ATOMICS_S390X_DIR      build directory (default build/cross/python-s390x)
#   ATOMICS_STRESS_SCALE   Hypothesis example counts (default 0.25 here)
# Needs root the first time (apt-get for missing tools, debootstrap); about
# 330 MB cached. Delete the root's directory to refresh it.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
out=${ATOMICS_S390X_DIR:-$repo/build/cross/python-s390x}
root=${ATOMICS_S390X_ROOT:-$HOME/.cache/atomics-debroot/s390x}
suite=${ATOMICS_S390X_SUITE:-unstable}
export ATOMICS_STRESS_SCALE=${ATOMICS_STRESS_SCALE:-0.25}
packages=python3,python3-dev,python3-pytest,python3-hypothesis,python3-numpy
triplet=s390x-linux-gnu

# The API suite: every width/type/order against a model, placements in
# larger buffers, errors, the 1.0.3 compatibility surface, and the
# Hypothesis programs on random widths and placements.
files=(tests/test_operations.py tests/test_objects.py tests/test_views.py tests/test_errors.py
       tests/test_compat_1_0_3.py tests/test_orders.py tests/test_properties.py
       tests/test_resources.py tests/test_ops_beyond.py tests/test_array.py
       tests/test_shared.py tests/test_batch.py)
# Under `qemu-s390x -L ROOT` a directory listing shows the root's copy of a
# directory (ROOT/tmp, ROOT/dev), not the host's: os.listdir("/dev/shm") is
# empty while os.path.exists() sees the segment. The tests that count this
# run's segments by listing /dev/shm therefore cannot run here; everything
# else runs as it does on x86-64.
deselect=(--deselect tests/test_shared.py::test_normal_exit_unlinks
          --deselect tests/test_shared.py::test_arenas_a_child_creates_go_when_it_exits
          --deselect tests/test_shared.py::test_killed_creator_is_cleaned_by_the_resource_tracker)

declare -a phases=()
phase_start=$SECONDS
phase() { # NAME: ends the current phase under NAME
  phases+=("$(printf '%-10s %5ss' "$1" "$((SECONDS - phase_start))")")
  phase_start=$SECONDS
}
summary() {
  echo
  printf '%s\n' "${phases[@]}"
  echo "total ${SECONDS}s"
}
die() { echo "python-s390x: $*" >&2; summary >&2; exit 1; }

# ---- tools -------------------------------------------------------------------------
need=()
command -v debootstrap >/dev/null || need+=(debootstrap)
command -v qemu-s390x >/dev/null || need+=(qemu-user)
command -v $triplet-gcc >/dev/null || need+=(gcc-$triplet)
[ -e /usr/$triplet/include/stdio.h ] || need+=(libc6-dev-s390x-cross)
if ((${#need[@]})); then
  echo "installing ${need[*]} (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=600 "${need[@]}" >/dev/null ||
    { apt-get update -q >/dev/null &&
      apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=600 "${need[@]}" >/dev/null; }
fi
qemu=$(command -v qemu-s390x)
phase tools

# ---- the root ------------------------------------------------------------------------
stamp=$root/.atomics-root
want="$suite $packages"
ready() { [[ -f $stamp && $(cat "$stamp") == "$want" ]]; }
if ! ready; then
  mkdir -p "$(dirname "$root")"
  exec 9>"$root.lock"
  flock 9
  if ! ready; then
    mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
    [[ -n $mirror ]] || mirror=$(awk '$1 == "deb" {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
    [[ -n $mirror ]] || mirror=http://deb.debian.org/debian
    tmp=$root.new
    rm -rf "$tmp"
    echo "debootstrap --foreign $suite for s390x into $root ($mirror)"
    debootstrap --arch=s390x --foreign --variant=minbase --include="$packages" \
      "$suite" "$tmp" "$mirror" >"$root.log" 2>&1 ||
      { tail -n 20 "$root.log" >&2; die "debootstrap failed (log: $root.log)"; }
    # The first stage unpacked only the required packages; unpack them all
    # (the second stage would need to run s390x code as root in a chroot).
    for deb in "$tmp"/var/cache/apt/archives/*.deb; do
      dpkg-deb --fsys-tarfile "$deb" | tar -x --keep-directory-symlink -C "$tmp" ||
        die "unpacking $deb"
    done
    rm -f "$tmp"/var/cache/apt/archives/*.deb
    # what update-alternatives would have linked (numpy needs BLAS/LAPACK)
    for lib in "$tmp"/usr/lib/$triplet/{blas,lapack}/lib*.so.3; do
      [ -e "$lib" ] || continue
      ln -sfn "${lib#"$tmp/usr/lib/$triplet/"}" "$tmp/usr/lib/$triplet/${lib##*/}"
    done
    echo "$want" >"$tmp/.atomics-root"
    rm -rf "$root"
    mv "$tmp" "$root"
  fi
  exec 9>&-
fi
pyver=$(readlink "$root/usr/bin/python3")  # python3.N
[[ $pyver == python3.* && -x $root/usr/bin/$pyver ]] || die "no python3.N in $root"
python=$root/usr/bin/python3-qemu
# (written on every run: it names this machine's qemu and the root's place)
printf '#!/bin/sh\nexec "%s" -L "%s" -0 "$0" "%s" "$@"\n' "$qemu" "$root" "$root/usr/bin/$pyver" \
  >"$python.tmp"
chmod +x "$python.tmp"
mv "$python.tmp" "$python"
suffix=$("$python" -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))') ||
  die "the s390x interpreter does not start under qemu"
phase root

# ---- the extension ---------------------------------------------------------------------
rm -rf "$out"
mkdir -p "$out/obj" "$out/pkg/atomics"
cp src/atomics/*.py src/atomics/*.pyi src/atomics/py.typed "$out/pkg/atomics/"
so=$out/pkg/atomics/_atomics$suffix
# the flags of tests/cross/run.sh: the core pedantic, the extension as its
# ext-* checks (CPython's API casts function pointers to void *)
cflags=(-std=c11 -O2 -fPIC -fvisibility=hidden -Wall -Wextra -Wshadow -Werror -Iinclude
        -Isrc/core -Isrc/ext -isystem "$root/usr/include/$pyver" -idirafter "$root/usr/include")
objs=()
# the sources CMakeLists.txt builds: the core's library, then the extension's
core_srcs=$(sed -n '/^add_library(atomics_core/,/)/p' CMakeLists.txt | grep -o 'src/core/[a-z_]*\.c')
ext_srcs=$(sed -n '/python_add_library(_atomics/,/)/p' CMakeLists.txt | grep -o 'src/ext/[a-z_]*\.c')
[ -n "$core_srcs" ] && [ -n "$ext_srcs" ] || die "no source list in CMakeLists.txt"
for f in $core_srcs; do
  $triplet-gcc "${cflags[@]}" -Wpedantic -Wstrict-prototypes -fno-strict-aliasing \
    -c "$f" -o "$out/obj/core-${f##*/}.o" ||
    die "compiling $f"
  objs+=("$out/obj/core-${f##*/}.o")
done
for f in $ext_srcs; do
  $triplet-gcc "${cflags[@]}" -c "$f" -o "$out/obj/ext-${f##*/}.o" || die "compiling $f"
  objs+=("$out/obj/ext-${f##*/}.o")
done
$triplet-gcc -shared -pthread "${objs[@]}" -o "$so" || die "linking $so"
calls=$($triplet-nm -u "$so" | grep -E '__atomic_|__sync_' || true)
[ -z "$calls" ] || die "libatomic calls in the extension: $calls"
exported=$($triplet-nm -D --defined-only "$so" | awk '{print $3}')
[ "$exported" = PyInit__atomics ] || die "the extension exports more than PyInit__atomics: $exported"
phase build

# ---- positive control: this really is big-endian s390x, with our extension --------------
PYTHONPATH=$out/pkg "$python" - "$so" <<'EOF' || die "positive control failed"
import ctypes, platform, sys
import atomics, atomics._atomics

assert sys.byteorder == "big", sys.byteorder
assert platform.machine() == "s390x", platform.machine()
assert atomics._atomics.__file__ == sys.argv[1], atomics._atomics.__file__
with atomics.atomicview(buffer=bytearray(b"\x00\x00\x00\x01"), atype=atomics.UINT) as v:
    assert v.load() == 1, v.load()
# most significant byte first, at every width, in the containing-block
# widths too, placed at each recommended offset inside a 16-byte block
region = bytearray(64)
mv = memoryview(region)
base = -ctypes.addressof((ctypes.c_char * len(region)).from_buffer(mv)) % 16 + 16
for width in range(1, 17):
    pattern = bytes(range(1, width + 1))
    rec = atomics.Alignment(width).recommended
    for pos in range(0, 16, rec):
        region[:] = b"\xa5" * len(region)
        start = base + pos
        with atomics.atomicview(buffer=mv[start:start + width], atype=atomics.UINT) as v:
            v.store(int.from_bytes(pattern, "big"))
            assert region[start:start + width] == pattern, (width, pos, region.hex())
            v.inc()
            assert v.load() == int.from_bytes(pattern, "big") + 1, (width, pos)
        assert region[:start] + region[start + width:] == b"\xa5" * (len(region) - width), (width, pos)
    a = atomics.atomic(width=width, atype=atomics.BYTES)
    a.store(pattern)
    assert a.load() == pattern
# an odd width at the very end of its allocation (a bytearray of exactly
# `width` bytes): the containing block reaches past the buffer; the byte that
# holds the top bit is byte 0 here (test_resources.py checks the same per
# byte order)
at_end = []
for width in (3, 5, 6, 7, 9, 10, 11, 12, 13, 14, 15):
    buf = bytearray(range(1, width + 1))
    try:
        ctx = atomics.atomicview(buffer=buf, atype=atomics.UINT)
    except atomics.exc.AlignmentError:
        continue
    at_end.append(width)
    with ctx as v:
        u = int.from_bytes(bytes(range(1, width + 1)), "big")
        assert v.load() == u, (width, v.load())
        v.store((1 << 8 * width) - 1)
        v.inc()
        assert v.fetch_add(5) == 0
        assert v.cmpxchg_strong(5, 7).success
        assert v.exchange(u) == 7
        assert v.bit_test_set(8 * width - 1) is False
        assert v.bit_test_reset(0) is bool(width & 1), width  # bit 0: in the last byte
    assert buf == bytes([0x81]) + bytes(range(2, width)) + bytes([width & ~1]), (width, buf.hex())
with atomics.atomicview(buffer=mv[base:base + 16], atype=atomics.INT) as v:
    v.store(-2)
    assert region[base:base + 16] == b"\xff" * 15 + b"\xfe", region.hex()
    assert v.fetch_sub(1 << 120) == -2
    assert region[base:base + 16] == b"\xfe" + b"\xff" * 14 + b"\xfe", region.hex()
print(f"control: {platform.machine()}, byteorder {sys.byteorder}, {sys.version.split()[0]},"
      f" extension {sys.argv[1].rsplit('/', 1)[1]}; at the end of an allocation: widths {at_end}")
EOF
phase control

# ---- the suite ---------------------------------------------------------------------------
args=("$@")
if ((${#args[@]} == 0)); then
  args=("${files[@]}" "${deselect[@]}")
  echo "deselected: ${deselect[*]}"
fi
rc=0
PYTHONPATH=$out/pkg PYTHONDONTWRITEBYTECODE=1 timeout 1800 "$python" -m pytest -q \
  -p no:cacheprovider "${args[@]}" || rc=$?
phase pytest
summary
[ $rc = 0 ] || { echo "python-s390x: pytest failed ($rc)" >&2; exit 1; }
echo "python-s390x passed"
