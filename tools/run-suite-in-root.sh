#!/usr/bin/env bash
# Runs the Python test suite on an interpreter inside a Debian root made by
# tools/debian-unstable-root.sh: copies this tree into the root, makes a fresh
# venv there, installs '.[test]' into it and runs pytest.
#   bash tools/run-suite-in-root.sh 3.14 [pytest args...]
#   ATOMICS_DEBROOT=/path bash tools/run-suite-in-root.sh 3.15 -q
# Default pytest args: -q -p no:cacheprovider. Needs root (chroot, mount).
# The root gets /proc and a fresh /dev/shm (multiprocessing) for the run, and
# the host's DNS, CA bundle and pip configuration, through which the package
# registry is reached; all mounts are undone on exit.
set -euo pipefail
[[ $# -ge 1 ]] || { echo "usage: $0 3.N [pytest args...]" >&2; exit 2; }
ver=$1; shift
args=("$@")
((${#args[@]})) || args=(-q -p no:cacheprovider)
tree=$(cd "$(dirname "$0")/.." && pwd)
root=$(bash "$tree/tools/debian-unstable-root.sh")
[[ -x $root/usr/bin/python$ver ]] || { echo "run-suite-in-root: no python$ver in $root" >&2; exit 1; }

mounts=()
cleanup() {
  local i
  for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do umount -l "${mounts[i]}" 2>/dev/null || true; done
}
trap cleanup EXIT
mount_in() { # type source dir
  mkdir -p "$3"
  mount -t "$1" "$2" "$3"
  mounts+=("$3")
}
mount_in proc proc "$root/proc"
mount_in tmpfs shm "$root/dev/shm"
# debootstrap makes the basic device nodes; make sure the ones tests use exist
for dev in null zero urandom random; do
  [[ -e $root/dev/$dev ]] || cp -a "/dev/$dev" "$root/dev/$dev"
done

# what the host reaches the network and the registry with
cp -L /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
cp -L /etc/hosts "$root/etc/hosts" 2>/dev/null || true
ca=${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}
if [[ -f $ca ]]; then
  mkdir -p "$root/etc/ssl/certs"
  cp -L "$ca" "$root/etc/ssl/certs/ca-certificates.crt"
fi
# pip's configuration files, with what lies beside them (a constraints file)
for conf in /etc/pip.conf /etc/xdg/pip "$HOME/.config/pip" "$HOME/.pip"; do
  if [[ -e $conf ]]; then
    mkdir -p "$root$(dirname "$conf")"
    rm -rf "${root:?}$conf"
    cp -rL "$conf" "$root$conf"
  fi
done

# The tree as git sees it (tracked and new files, not build output), copied so
# that nothing built inside the root lands in the host's tree.
work=/atomics-$ver
rm -rf "${root:?}$work"
mkdir -p "$root$work/src"
(cd "$tree" && git ls-files -z --cached --others --exclude-standard |
  while IFS= read -r -d '' f; do [[ -e $f ]] && printf '%s\0' "$f"; done |
  tar --null -T - -cf -) | tar -xf - -C "$root$work/src"

# Pass the registry settings pip reads from the environment (index, proxies).
envs=(HOME=/root PATH=/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8
  SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt PIP_DISABLE_PIP_VERSION_CHECK=1)
while IFS='=' read -r name value; do
  case $name in
    PIP_CERT | PIP_FIND_LINKS) ;; # host paths
    PIP_* | http_proxy | https_proxy | no_proxy | HTTP_PROXY | HTTPS_PROXY | NO_PROXY | ATOMICS_*)
      envs+=("$name=$value") ;;
  esac
done < <(env)

script='set -eu
w=$1
shift
cd "$w"
python'"$ver"' -m venv venv
# (the host pip configuration may name wheel directories the root lacks)
{ venv/bin/pip install -q --config-settings=build-dir="$w/build" "./src[test]" 2>&1 ||
  echo "pip install failed" >"$w/pip-failed"; } | grep -v "^WARNING: Location .* is ignored" || true
[ ! -e "$w/pip-failed" ] || exit 1
cd src
exec "$w/venv/bin/python" -m pytest "$@"'
chroot "$root" /usr/bin/env -i "${envs[@]}" /bin/sh -c "$script" sh "$work" "${args[@]}"
