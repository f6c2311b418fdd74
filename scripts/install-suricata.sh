#!/bin/bash
# install-suricata.sh [BUILD_DIR] — install Debian's Suricata 1:7.0.10 and what the
# seqwatch plugin build needs, through a PRIVATE apt configuration under
# BUILD_DIR/apt (default: build/apt). The system's /etc/apt is never changed: the
# private sources.list, pin file, package lists and download cache all live there.
#
# What it does, each step only when needed (the script is idempotent):
#   1. suricata 1:7.0.10 from bookworm-backports (on trixie: trixie itself). Pinning
#      takes only suricata and libhtp2 from the newer suite, everything else from
#      the release the machine runs.
#   2. the upstream source tarball suricata_7.0.10.orig.tar.xz (the exact upstream
#      tree the Debian package is built from), unpacked into
#      BUILD_DIR/suricata-src/suricata-7.0.10. The plugin is compiled against its
#      headers with the pinned configure header plugins/suricata/config/
#      7.0.10-debian-amd64/autoconf.h (see docs/suricata.md, "ABI"), so no configure
#      run and none of Suricata's build dependencies are needed.
#   3. prints the source directory on the last line: SURICATA_SOURCE_DIR=...
#
# Exit status: 0 on success; 3 when the package cannot be had here (no archive, wrong
# architecture, other version) with one line saying why — scripts/test.sh then skips
# the suricata lane; 1 on any other failure.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bdir=${1:-$top/build}
mkdir -p "$bdir"
bdir=$(cd "$bdir" && pwd)
apt_dir=$bdir/apt
src_dir=$bdir/suricata-src
want_ver="1:7.0.10"
upstream=7.0.10
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

say() { echo "install-suricata: $*" >&2; }
cannot() { say "cannot install Suricata here: $*"; exit 3; }
# shellcheck source=scripts/private-apt.sh
. "$top/scripts/private-apt.sh"

arch=$(dpkg --print-architecture 2>/dev/null || echo unknown)
[ "$arch" = amd64 ] || cannot "architecture $arch (the pinned configure header is for amd64)"
# shellcheck disable=SC1091
. /etc/os-release
case "${VERSION_CODENAME:-}" in
  bookworm) base=bookworm; newer=bookworm-backports ;;
  trixie)   base=trixie;   newer=trixie ;;
  *) cannot "Debian ${VERSION_CODENAME:-unknown} (supported: bookworm with backports, trixie)" ;;
esac

installed_ver() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || true; }
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

# --- the private apt configuration -------------------------------------------------
papt_init "$apt_dir"
mkdir -p "$src_dir"
keyring=$PAPT_KEYRING
mirror=${SW_DEBIAN_MIRROR:-http://deb.debian.org/debian}
{
  echo "deb [signed-by=$keyring] $mirror $base main"
  [ "$base" = bookworm ] && echo "deb [signed-by=$keyring] $mirror $base-updates main"
  echo "deb [signed-by=$keyring] ${SW_DEBIAN_SECURITY:-http://deb.debian.org/debian-security} $base-security main"
  [ "$newer" != "$base" ] && echo "deb [signed-by=$keyring] $mirror $newer main"
  echo "deb-src [signed-by=$keyring] $mirror $newer main"
  # trixie carries the same upstream tarball; a second source of it if one mirror lacks it
  [ "$newer" != trixie ] && echo "deb-src [signed-by=$keyring] $mirror trixie main"
} >"$apt_dir/etc/sources.list"
cat >"$apt_dir/etc/preferences" <<EOF
# Only what the plugin needs comes from $newer; everything else from $base.
Package: *
Pin: release n=$newer
Pin-Priority: 100

Package: suricata libhtp2
Pin: release n=$newer
Pin-Priority: 990
EOF

updated=0
apt_update() {
  [ $updated -eq 0 ] || return 0
  say "apt-get update (private lists in $apt_dir/state)"
  "${APT[@]}" update -qq >"$apt_dir/update.log" 2>&1 || { tail -5 "$apt_dir/update.log" >&2; cannot "apt-get update failed (no access to $mirror?)"; }
  updated=1
}

# --- 1. the package ------------------------------------------------------------------
t0=$(date +%s.%N)
if [ "$(installed_ver suricata)" = "$want_ver-1~bpo12+1" ] || [[ "$(installed_ver suricata)" == "$want_ver"-* ]]; then
  say "suricata $(installed_ver suricata) already installed"
else
  [ -z "$(installed_ver suricata)" ] || say "suricata $(installed_ver suricata) installed; replacing it with $want_ver"
  apt_update
  cand=$("${APT[@]}" install -s suricata 2>/dev/null | sed -n 's/^Inst suricata (\([^ ]*\) .*/\1/p' | head -1)
  [[ "$cand" == "$want_ver"-* ]] || cannot "the archive offers suricata '${cand:-none}', not $want_ver (the version the pinned header fits)"
  say "installing suricata $cand"
  DEBIAN_FRONTEND=noninteractive $SUDO "${APT[@]}" install -y --no-install-recommends \
      -o Dpkg::Options::=--force-confold suricata >"$apt_dir/install.log" 2>&1 \
      || { tail -20 "$apt_dir/install.log" >&2; say "apt-get install suricata failed"; exit 1; }
  # Debian starts the service on install; a test machine does not want it running.
  if command -v systemctl >/dev/null && systemctl is-active -q suricata 2>/dev/null; then
    $SUDO systemctl stop suricata || true
    $SUDO systemctl disable -q suricata || true
  fi
fi
t1=$(date +%s.%N)
# The plugin build needs headers of these (Suricata's own headers include them).
need=(libpcap-dev libjansson-dev libpcre2-dev libmagic-dev)
miss=()
for p in "${need[@]}"; do have_pkg "$p" || miss+=("$p"); done
if [ ${#miss[@]} -gt 0 ]; then
  apt_update
  say "installing ${miss[*]}"
  DEBIAN_FRONTEND=noninteractive $SUDO "${APT[@]}" install -y --no-install-recommends "${miss[@]}" \
      >>"$apt_dir/install.log" 2>&1 || { tail -20 "$apt_dir/install.log" >&2; exit 1; }
fi

# --- 2. the upstream source ----------------------------------------------------------
tree=$src_dir/suricata-$upstream
t2=$(date +%s.%N)
if [ -f "$tree/src/decode.h" ] && [ -f "$tree/.seqwatch-unpacked" ]; then
  say "source already unpacked in $tree"
else
  apt_update
  # Only the orig tarball is needed (Debian's patches do not touch the headers the
  # plugin uses). Its name and SHA-256 come from the signed source index.
  papt_fetch_orig "$upstream" "$src_dir" "$newer" trixie
  tarball=$PAPT_TARBALL
  rm -rf "$tree"
  tar -C "$src_dir" -xf "$tarball"
  [ -f "$tree/src/decode.h" ] || { say "unpacked tarball has no src/decode.h"; exit 1; }
  touch "$tree/.seqwatch-unpacked"
fi
# The tarball carries the release maker's configure output (/usr/local paths, other
# features); the plugin must be built with the pinned header of the Debian package,
# and suricata-common.h would find this one first (the plugin's CMake refuses it).
if [ -f "$tree/src/autoconf.h" ]; then mv "$tree/src/autoconf.h" "$tree/src/autoconf.h.upstream"; fi
t3=$(date +%s.%N)
awk -v a="$t0" -v b="$t1" -v c="$t2" -v d="$t3" 'BEGIN { printf "install-suricata: timings: package %.1f s, source %.1f s\n", b - a, d - c }' >&2
suricata -V >&2 || true
echo "SURICATA_SOURCE_DIR=$tree"
