#!/usr/bin/env bash
# tests/cross/run.sh: the C core and its C tests on the targets atomics ships
# for, from one x86-64 Debian machine. Every target is built with -Werror;
# the core's objects must not call libatomic (no __atomic_*/__sync_* symbol
# left undefined: those calls may take a lock). Then:
#   run         aarch64 under qemu-user twice (-cpu cortex-a53: no LSE, the
#               ldaxp/stlxp loop; -cpu max: LSE caspal), armhf, ppc64le,
#               s390x, riscv64 under qemu-user; x86-64 with musl (static,
#               on this CPU); i686 on this CPU through the
#               cross C library's loader (qemu-i386 if that fails); win64
#               (mingw-w64) under wine
#   build only  win32 (mingw-w64 i686: running it needs wine32, i386
#               multiarch packages; the 32-bit code paths run as i686 Linux)
#   compile     MSVC x64 and x86 (clang in MSVC mode: the intrinsics path,
#               also scanned for GNU extensions), macOS x86_64 and arm64
#               (src/core/wait.c against declarations of the Win32 calls it
#               makes, and against a Linux C library standing in for the
#               macOS SDK)
#   extension   the CPython extension (src/ext), GIL and free-threaded:
#               ext-win64 with mingw-w64 against CPython 3.13's own Windows
#               headers (PC/pyconfig.h from the source tarball that
#               tools/ft-python.sh caches), ext-macos-x86_64/arm64 with clang
#               for Apple targets (no macOS SDK here: a Linux C library of the
#               same data model stands in for it, so this checks our code's
#               Apple paths, not the SDK)
# Every run target also runs tests/c/test_wait (blocking wait/notify).
# Prints a table of targets with their check counts and times; exits non-zero
# if anything failed. Installs what it needs from Debian (as root, when a
# tool is missing).
#
#   bash tests/cross/run.sh [target ...]     default: all targets
#   ATOMICS_STRESS_SCALE   threaded iterations, default 0.25 here (1 native);
#                          the single-threaded matrix always runs in full
#   ATOMICS_CROSS_DIR      build directory (default build/cross)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
out=${ATOMICS_CROSS_DIR:-$root/build/cross}
export ATOMICS_STRESS_SCALE=${ATOMICS_STRESS_SCALE:-0.25}
all_targets=(aarch64-nolse aarch64-lse i686 armhf ppc64le s390x riscv64 musl-x86_64 win64 win32
             msvc-x64 msvc-x86 macos-x86_64 macos-arm64 ext-win64 ext-macos-x86_64
             ext-macos-arm64)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all_targets[@]}")

# ---- tools -------------------------------------------------------------------
packages=(gcc-aarch64-linux-gnu gcc-i686-linux-gnu gcc-arm-linux-gnueabihf
          gcc-powerpc64le-linux-gnu gcc-s390x-linux-gnu gcc-riscv64-linux-gnu
          libc6-dev-arm64-cross libc6-dev-i386-cross libc6-dev-armhf-cross
          libc6-dev-ppc64el-cross libc6-dev-s390x-cross libc6-dev-riscv64-cross
          qemu-user gcc-mingw-w64-x86-64-posix gcc-mingw-w64-i686-posix wine64 clang
          binutils-multiarch musl-tools)
tools=(aarch64-linux-gnu-gcc i686-linux-gnu-gcc arm-linux-gnueabihf-gcc
       powerpc64le-linux-gnu-gcc s390x-linux-gnu-gcc riscv64-linux-gnu-gcc
       qemu-aarch64 qemu-arm qemu-ppc64le qemu-s390x qemu-riscv64
       x86_64-w64-mingw32-gcc-posix i686-w64-mingw32-gcc-posix /usr/lib/wine/wine64 clang musl-gcc)
missing=0
for t in "${tools[@]}"; do command -v "$t" >/dev/null 2>&1 || missing=1; done
if [ $missing = 1 ]; then
  echo "installing cross toolchains, qemu-user, mingw-w64, wine, clang (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q --no-install-recommends "${packages[@]}" >/dev/null ||
    { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends "${packages[@]}" >/dev/null; }
fi

rm -rf "$out"
mkdir -p "$out"
cflags=(-std=c11 -O2 -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Werror
        -fno-strict-aliasing -Iinclude -Isrc/core)
core=(src/core/native.c src/core/block.c src/core/dispatch.c src/core/fence.c src/core/wait.c)

# Compile-only targets have no C library here: clang's own freestanding
# headers (stddef.h, stdint.h, intrin.h, cpuid.h) plus this one, which
# declares the three ISO C functions the core uses exactly as every hosted C
# library does. Only the core's own code is under test.
mkdir -p "$out/stub-include"
cat >"$out/stub-include/string.h" <<'EOF'
#include <stddef.h>
void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
EOF
# ... and, for the MSVC targets, the Win32 calls of src/core/wait.c as the
# Windows SDK declares them (the mingw-w64 targets build it against real
# headers and run it under wine)
mkdir -p "$out/msvc-include"
cat >"$out/msvc-include/windows.h" <<'EOF'
#include <stddef.h>
typedef int BOOL;
typedef unsigned long DWORD;
typedef void VOID;
typedef void *PVOID;
typedef size_t SIZE_T;
typedef union _LARGE_INTEGER {
    struct { DWORD LowPart; long HighPart; } u;
    long long QuadPart;
} LARGE_INTEGER;
#define WINAPI __stdcall
#define INFINITE 0xFFFFFFFF
__declspec(dllimport) BOOL WINAPI QueryPerformanceCounter(LARGE_INTEGER *lpPerformanceCount);
__declspec(dllimport) BOOL WINAPI QueryPerformanceFrequency(LARGE_INTEGER *lpFrequency);
BOOL WINAPI WaitOnAddress(volatile VOID *Address, PVOID CompareAddress, SIZE_T AddressSize,
                          DWORD dwMilliseconds);
VOID WINAPI WakeByAddressSingle(PVOID Address);
VOID WINAPI WakeByAddressAll(PVOID Address);
EOF

# ---- results -------------------------------------------------------------------
declare -a rows=()
failures=0
row() { rows+=("$(printf '%-14s %-34s %10s  %-6s %6s' "$@")"); }
fail() { echo "FAIL [$1]: $2"; failures=$((failures + 1)); }

# build NAME CC [extra flags...]: core objects (no libatomic calls), test_core
# and the C99 header test, in $out/NAME
build() {
  local name=$1 cc=$2; shift 2
  local dir=$out/$name objs=()
  mkdir -p "$dir"
  for f in "${core[@]}"; do
    local o="$dir/$(basename "$f" .c).o"
    "$cc" "${cflags[@]}" "$@" -c "$f" -o "$o" || return 1
    objs+=("$o")
  done
  local calls
  calls=$(nm -u "${objs[@]}" | grep -E '__atomic_|__sync_' || true)
  if [ -n "$calls" ]; then
    echo "libatomic calls in the $name core:"; echo "$calls"; return 1
  fi
  local libs=(-pthread)
  case $cc in
    *mingw*) libs=(-static -pthread -lsynchronization) ;;
    musl-gcc) libs=(-static -pthread) ;;
  esac
  "$cc" "${cflags[@]}" "$@" tests/c/test_core.c "${objs[@]}" -o "$dir/test_core" "${libs[@]}" || return 1
  "$cc" "${cflags[@]}" "$@" tests/c/test_wait.c "${objs[@]}" -o "$dir/test_wait" "${libs[@]}" || return 1
  "$cc" "${cflags[@]/-std=c11/-std=c99}" "$@" tests/c/test_header_c99.c "${objs[@]}" \
    -o "$dir/test_header_c99" "${libs[@]}" || return 1
}

# built NAME CC [flags...]: build, or record the target ($target) as failed
built() {
  build "$@" && return 0
  fail "$target" build
  row "$target" "(build failed)" - FAIL -
  return 1
}

# run NAME HOW CMD...: runs CMD on test_header_c99 and test_core of NAME
# (the command is given the binary's path last) and records the result
run() {
  local name=$1 how=$2 dir=$out/${3}; shift 3
  local start=$SECONDS log=$out/$name.log status=ok checks=- exe=
  [ -e "$dir/test_core.exe" ] && exe=.exe
  if ! "$@" "$dir/test_header_c99$exe" >"$out/$name.header.log" 2>&1; then
    status=FAIL; fail "$name" "header test (see $out/$name.header.log)"
  fi
  if "$@" "$dir/test_core$exe" >"$log" 2>&1; then :; else
    status=FAIL; fail "$name" "test_core exited non-zero (see $log)"; tail -n 20 "$log"
  fi
  if ! "$@" "$dir/test_wait$exe" >"$out/$name.wait.log" 2>&1; then
    status=FAIL; fail "$name" "test_wait (see $out/$name.wait.log)"; tail -n 20 "$out/$name.wait.log"
  fi
  local last
  # (Windows programs end lines with \r\n)
  last=$(tr -d '\r' <"$log" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -n 1 || true)
  checks=${last%% passed*}
  if [ -z "$last" ] || [ "${last#*passed, }" != "0 failed" ]; then
    [ $status = FAIL ] || fail "$name" "test_core reported failures (see $log)"
    status=FAIL
  fi
  head -n 1 "$log" | tr -d '\r' | sed "s/^/[$name] /"
  row "$name" "$how" "$checks" "$status" "$((SECONDS - start))s"
}

# compile_only NAME HOW CLANG-ARGS...: the core with clang for a target whose
# C library is not here
# (src/core/wait.c also needs the system's headers: $wait_inc, per target)
compile_only() {
  local name=$1 how=$2; shift 2
  local start=$SECONDS status=ok
  mkdir -p "$out/$name"
  for f in "${core[@]}"; do
    local extra=()
    [ "$f" = src/core/wait.c ] && extra=("${wait_inc[@]}")
    clang "$@" -ffreestanding -nostdlibinc -isystem "$out/stub-include" "${extra[@]}" -O2 -Wall \
      -Wextra -Werror -Iinclude -Isrc/core -c "$f" -o "$out/$name/$(basename "$f" .c).o" ||
      { status=FAIL; fail "$name" "compiling $f"; }
  done
  row "$name" "$how" "-" "$status" "$((SECONDS - start))s"
}

# The MSVC path must use no GNU extension: preprocess the core in MSVC mode
# and look at the lines that come from our own files.
gnu_scan() {
  local name=$1 ours found; shift
  ours=$(for f in "${core[@]}"; do
           clang "$@" -ffreestanding -nostdlibinc -isystem "$out/stub-include" \
             -isystem "$out/msvc-include" -Iinclude -Isrc/core -E "$f"
         done | awk '/^# [0-9]+ "/ { ours = ($3 ~ /src\/core|include\/atomics/); next } ours')
  found=$(grep -nE '__atomic_|__sync_|__attribute__|__builtin_|__asm|\basm\b|__int128|__extension__|typeof|\(\{' <<<"$ours" || true)
  # the scan sees our code: the intrinsics are there
  grep -q '_InterlockedCompareExchange' <<<"$ours" || fail "$name" "the GNU-extension scan saw none of our code"
  if [ -n "$found" ]; then
    fail "$name" "GNU extensions in the MSVC preprocessed core:"; echo "$found" | head -n 20
  fi
}

# ext_check NAME HOW GIL-INCLUDES FT-INCLUDES COMPILER ARGS...: every file of
# the extension against a GIL build's headers and a free-threaded build's
# (or the same headers with Py_GIL_DISABLED, where pyconfig.h leaves it to
# the compiler), warnings as errors
ext_check() {
  local name=$1 how=$2 gilinc=$3 ftinc=$4 start=$SECONDS status=ok; shift 4
  for variant in gil ft; do
    local inc=$gilinc def=()
    if [ $variant = ft ]; then
      inc=$ftinc
      grep -q 'define Py_GIL_DISABLED' "$inc/pyconfig.h" || def=(-DPy_GIL_DISABLED=1)
    fi
    for f in src/ext/*.c; do
      "$@" "${def[@]}" -std=c11 -fsyntax-only -Wall -Wextra -Wshadow -Werror -I"$inc" \
        -Iinclude -Isrc/ext -Isrc/core "$f" ||
        { status=FAIL; fail "$name" "compiling $f ($variant)"; }
    done
  done
  row "$name" "$how" "-" "$status" "$((SECONDS - start))s"
}

python_include() { "$1" -c 'import sysconfig; print(sysconfig.get_paths()["include"])'; }

# CPython's headers for Windows: Include/ and PC/pyconfig.h of a source
# tarball (its two @...@ placeholders name the build, not the API)
windows_python_headers() {
  local cache=${ATOMICS_PY_CACHE:-$HOME/.cache/atomics-python} tarball dir=$out/pywin
  tarball=$(ls "$cache"/src/python3.13_3.13.*.orig.tar.xz 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$tarball" ]; then
    bash tools/ft-python.sh >/dev/null || return 1
    tarball=$(ls "$cache"/src/python3.13_3.13.*.orig.tar.xz | sort -V | tail -n 1)
  fi
  mkdir -p "$dir"
  tar -xf "$tarball" -C "$dir" --wildcards --strip-components=1 '*/Include' '*/PC/pyconfig.h.in'
  sed 's/@[A-Z_]*@//' "$dir/PC/pyconfig.h.in" >"$dir/Include/pyconfig.h"
  echo "$dir/Include"
}

qemu_run() { # ARCH SYSROOT [qemu options...] BINARY
  local arch=$1 sysroot=$2; shift 2
  timeout 1200 "qemu-$arch" -L "$sysroot" "$@"
}
i686_run() { # on this CPU when it runs 32-bit code, else under qemu
  if /usr/i686-linux-gnu/lib/ld-linux.so.2 --library-path /usr/i686-linux-gnu/lib \
       "$out/i686/test_header_c99" >/dev/null 2>&1; then
    timeout 1200 /usr/i686-linux-gnu/lib/ld-linux.so.2 --library-path /usr/i686-linux-gnu/lib "$@"
  else
    timeout 1200 qemu-i386 -L /usr/i686-linux-gnu "$@"
  fi
}
wine_run() {
  WINEPREFIX=$out/wineprefix WINEDEBUG=-all timeout 1200 /usr/lib/wine/wine64 "$@"
}
# qemu_linux TRIPLET QEMU_ARCH [NOTE]: builds $target with TRIPLET-gcc and runs
# it under qemu-QEMU_ARCH with the cross C library of /usr/TRIPLET
qemu_linux() {
  local triplet=$1 arch=$2 note=${3:+ ($3)}
  built "$target" "$triplet-gcc" || return 0
  run "$target" "qemu-$arch$note" "$target" qemu_run "$arch" "/usr/$triplet"
}

# ---- targets -----------------------------------------------------------------------
t0=$SECONDS
for target in "${targets[@]}"; do
  echo "=== $target ($(date +%T))"
  case $target in
    aarch64-nolse)
      built aarch64 aarch64-linux-gnu-gcc || continue
      run "$target" "qemu -cpu cortex-a53 (no LSE)" aarch64 \
        qemu_run aarch64 /usr/aarch64-linux-gnu -cpu cortex-a53 ;;
    aarch64-lse)
      [ -x "$out/aarch64/test_core" ] || built aarch64 aarch64-linux-gnu-gcc || continue
      run "$target" "qemu -cpu max (LSE)" aarch64 qemu_run aarch64 /usr/aarch64-linux-gnu -cpu max ;;
    i686)
      # cmpxchg8b for 8 bytes; Debian's default is already i686
      built i686 i686-linux-gnu-gcc -march=i686 || continue
      run "$target" "native 32-bit (cross libc)" i686 i686_run ;;
    armhf)  # Debian armhf is armv7-a with VFP: ldrexd/strexd for 8 bytes
      qemu_linux arm-linux-gnueabihf arm ;;
    ppc64le) qemu_linux powerpc64le-linux-gnu ppc64le ;;
    s390x) qemu_linux s390x-linux-gnu s390x big-endian ;;
    riscv64) qemu_linux riscv64-linux-gnu riscv64 ;;
    musl-x86_64)
      built musl musl-gcc || continue
      run "$target" "musl libc, static, native" musl env ;;
    win64)
      built win64 x86_64-w64-mingw32-gcc-posix || continue
      run "$target" "mingw-w64 + wine" win64 wine_run ;;
    win32)
      start=$SECONDS
      if build win32 i686-w64-mingw32-gcc-posix; then
        row "$target" "mingw-w64 (build only)" - ok "$((SECONDS - start))s"
      else
        fail "$target" build; row "$target" "mingw-w64 (build only)" - FAIL "$((SECONDS - start))s"
      fi ;;
    msvc-x64 | msvc-x86)
      wait_inc=(-isystem "$out/msvc-include")
      if [ $target = msvc-x64 ]; then
        msvc=(--target=x86_64-pc-windows-msvc -mcx16)
      else
        msvc=(--target=i686-pc-windows-msvc -msse2)
      fi
      msvc+=(-fms-compatibility -fms-extensions -std=c11)
      compile_only "$target" "clang MSVC mode (intrinsics)" "${msvc[@]}"
      gnu_scan "$target" "${msvc[@]}" ;;
    macos-x86_64)
      # no macOS SDK here: a Linux C library of the same data model stands in
      wait_inc=(-U__nonnull -isystem /usr/include/x86_64-linux-gnu -isystem /usr/include)
      compile_only "$target" "clang (compile only)" --target=x86_64-apple-macos10.9 -std=c11 \
        -Wpedantic -Wshadow -Wstrict-prototypes -fno-strict-aliasing ;;
    macos-arm64)
      wait_inc=(-U__nonnull -isystem /usr/aarch64-linux-gnu/include)
      compile_only "$target" "clang (compile only)" --target=arm64-apple-macos11 -std=c11 \
        -Wpedantic -Wshadow -Wstrict-prototypes -fno-strict-aliasing ;;
    ext-win64)
      pywin=$(windows_python_headers) || { fail "$target" "no CPython source for the Windows headers"; continue; }
      ext_check "$target" "mingw-w64, CPython 3.13 PC headers" "$pywin" "$pywin" \
        x86_64-w64-mingw32-gcc-posix ;;
    ext-macos-x86_64 | ext-macos-arm64)
      ftpy=$(bash tools/ft-python.sh) || { fail "$target" "no free-threaded CPython"; continue; }
      if [ $target = ext-macos-x86_64 ]; then
        mac=(--target=x86_64-apple-macos10.9 -isystem /usr/include/x86_64-linux-gnu -isystem /usr/include)
      else
        mac=(--target=arm64-apple-macos11 -isystem /usr/aarch64-linux-gnu/include)
      fi
      ext_check "$target" "clang, Linux libc for the SDK" "$(python_include python3)" \
        "$(python_include "$ftpy")" clang -U__nonnull -nostdlibinc \
        -isystem "$(clang -print-resource-dir)/include" "${mac[@]}" ;;
    *)
      fail "$target" "unknown target (known: ${all_targets[*]})" ;;
  esac
done

echo
printf '%-14s %-34s %10s  %-6s %6s\n' target how checks result time
for r in "${rows[@]}"; do echo "$r"; done
echo "total $((SECONDS - t0))s, ATOMICS_STRESS_SCALE=$ATOMICS_STRESS_SCALE"
if [ $failures -ne 0 ]; then
  echo "cross tests: $failures failure(s)"
  exit 1
fi
echo "cross tests passed"
