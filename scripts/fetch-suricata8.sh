#!/bin/bash
# fetch-suricata8.sh [BUILD_DIR] — fetch what the Suricata 8.0 build, link check and
# run tests of the seqwatch plugin need, from Debian sid, through a PRIVATE apt configuration under
# BUILD_DIR/suricata8/apt (default BUILD_DIR: build). Nothing is installed and the
# system's /etc/apt is never changed:
#   1. the binary package suricata 1:8.0.7 (apt-get download, hash-checked by apt),
#      unpacked with dpkg-deb -x into BUILD_DIR/suricata8/root. It is not installed
#      (it needs libc6 >= 2.39); the link check reads its dynamic symbols and
#      machine code.
#   2. the upstream tarball suricata_8.0.7.orig.tar.gz (name and SHA-256 from sid's
#      signed source index), unpacked into BUILD_DIR/suricata-src/suricata-8.0.7.
#   3. the check that the pinned configure header plugins/suricata/config/
#      8.0.7-debian-amd64/autoconf.h still matches: ./configure with the flags below
#      is run in that tree, once (about 25 s; needs rustc >= 1.75, libelf-dev,
#      libbpf-dev, libcap-ng-dev), and its src/autoconf.h must equal the pinned one
#      (the plugin's CMake checks it again). Where configure cannot run, the check
#      is skipped with a line saying why and the pinned header is used.
#   4. sid's run-time libraries for that binary, unpacked into BUILD_DIR/suricata8/
#      sysroot, and BUILD_DIR/suricata8/suricata, which runs the binary with sid's
#      own loader and those libraries (see step 4 below).
# The last three lines are SURICATA8_SOURCE_DIR=..., SURICATA8_BINARY=... and
# SURICATA8_RUN=... (empty when sid's binary does not run here).
# Everything is cached under BUILD_DIR: a second run downloads nothing.
#
# Exit status: 0 on success; 3 when the packages cannot be had (no archive access,
# another architecture, sid offers another version than the pinned layout), with
# one line saying why — scripts/test.sh then skips the 8.0 tests; 1 otherwise
# (including a pinned header that no longer matches configure).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bdir=${1:-$top/build}
mkdir -p "$bdir"
bdir=$(cd "$bdir" && pwd)
dir=$bdir/suricata8
apt_dir=$dir/apt
upstream=8.0.7
layout=$upstream-debian-amd64
pinned=$top/plugins/suricata/config/$layout/autoconf.h
tree=$bdir/suricata-src/suricata-$upstream
root=$dir/root
# The flags of the pinned header: those of the 7.0.10 one (Debian's debian/rules
# that need no heavy build-deps; sid's .dsc and debian/ are not on every mirror).
CONFIGURE_FLAGS=(--prefix=/usr --sysconfdir=/etc --localstatedir=/var --enable-af-packet
                 --enable-ebpf --enable-gccprotect --disable-gccmarch-native)

say() { echo "fetch-suricata8: $*" >&2; }
cannot() { say "cannot fetch Suricata 8.0 here: $*"; exit 3; }
# shellcheck source=scripts/private-apt.sh
. "$top/scripts/private-apt.sh"
run=$dir/suricata
done_() {
  echo "SURICATA8_SOURCE_DIR=$tree"
  echo "SURICATA8_BINARY=$root/usr/bin/suricata"
  if [ -x "$run" ] && "$run" -V >/dev/null 2>&1; then echo "SURICATA8_RUN=$run"; else echo "SURICATA8_RUN="; fi
  exit 0
}

[ -f "$pinned" ] || { say "no pinned header $pinned"; exit 1; }
pin_sha=$(sha256sum "$pinned" | cut -d' ' -f1)
stamp=$dir/.fetched-$upstream
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$pin_sha" ] && [ -x "$root/usr/bin/suricata" ] \
   && [ -f "$tree/src/decode.h" ] && [ -x "$run" ]; then
  say "cached in $dir and $tree"
  done_
fi

arch=$(dpkg --print-architecture 2>/dev/null || echo unknown)
[ "$arch" = amd64 ] || cannot "architecture $arch (the pinned layout is for amd64)"
mirror=${SW_DEBIAN_MIRROR:-http://deb.debian.org/debian}
papt_init "$apt_dir"
mkdir -p "$dir/dl" "$bdir/suricata-src"
printf 'deb [signed-by=%s] %s sid main\ndeb-src [signed-by=%s] %s sid main\n' \
  "$PAPT_KEYRING" "$mirror" "$PAPT_KEYRING" "$mirror" >"$apt_dir/etc/sources.list"
: >"$apt_dir/etc/preferences"
t0=$(date +%s.%N)
say "apt-get update (private lists of sid in $apt_dir/state)"
"${APT[@]}" update -qq >"$dir/update.log" 2>&1 \
  || { tail -3 "$dir/update.log" >&2; cannot "apt-get update failed (no access to $mirror?)"; }
# apt-get update exits 0 when an index could not be fetched: look for sid's lists
ls "$apt_dir"/state/lists/*_dists_sid_main_binary-amd64_Packages* >/dev/null 2>&1 \
  || { grep -E '^(W|E):' "$dir/update.log" | head -3 >&2; cannot "no package list of sid from $mirror"; }

# --- 1. the binary package --------------------------------------------------------
deb=$("${APT[@]}" download --print-uris "suricata:amd64" 2>/dev/null | awk '{print $2}' | head -1) || true
case "$deb" in
  suricata_1%3a$upstream-*_amd64.deb) ;;
  *) cannot "sid offers '${deb:-no suricata}', not $upstream (the version of the pinned layout $layout)" ;;
esac
if [ ! -s "$dir/dl/$deb" ]; then
  say "downloading $deb"
  (cd "$dir/dl" && "${APT[@]}" download "suricata:amd64" >"$dir/download.log" 2>&1) \
    || { tail -3 "$dir/download.log" >&2; cannot "apt-get download suricata failed"; }
fi
rm -rf "$root"
dpkg-deb -x "$dir/dl/$deb" "$root"
[ -x "$root/usr/bin/suricata" ] || { say "$deb has no usr/bin/suricata"; exit 1; }

# --- 2. the upstream source -------------------------------------------------------
papt_fetch_orig "$upstream" "$dir/dl" sid
tarball=$PAPT_TARBALL
rm -rf "$tree"
tar -C "$bdir/suricata-src" -xf "$tarball"
[ -f "$tree/src/decode.h" ] || { say "unpacked tarball has no src/decode.h"; exit 1; }
t1=$(date +%s.%N)

# --- 3. does the pinned configure header still match? -----------------------------
why=""
rustc=$(command -v rustc || true)
[ -n "$rustc" ] || [ ! -x "$HOME/.cargo/bin/rustc" ] || rustc=$HOME/.cargo/bin/rustc
if [ -z "$rustc" ]; then
  why="no rustc (8.0's configure checks for rustc >= 1.75; nothing is compiled)"
elif ! printf '%s\n1.75.0\n' "$("$rustc" --version | awk '{print $2}')" | sort -V -C -r 2>/dev/null; then
  why="$("$rustc" --version) is older than 1.75"
else
  for p in libelf-dev libbpf-dev libcap-ng-dev libyaml-dev libpcap-dev libjansson-dev libpcre2-dev zlib1g-dev; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || why="$why $p"
  done
  [ -z "$why" ] || why="configure's build-deps missing:$why"
fi
if [ -n "$why" ]; then
  say "configure check SKIPPED: $why; the pinned $layout header is used unchecked"
else
  say "configure ${CONFIGURE_FLAGS[*]} (the pinned header's flags)"
  (cd "$tree" && PATH=$(dirname "$rustc"):$PATH ./configure "${CONFIGURE_FLAGS[@]}") >"$dir/configure.log" 2>&1 \
    || { tail -15 "$dir/configure.log" >&2; say "configure failed ($dir/configure.log)"; exit 1; }
  if ! cmp -s "$tree/src/autoconf.h" "$pinned"; then
    diff -u "$pinned" "$tree/src/autoconf.h" | head -40 >&2 || true
    say "the pinned $pinned no longer matches configure's output: update it (and layout-asserts.h)"
    exit 1
  fi
  say "configure check: src/autoconf.h equals the pinned $layout header"
fi

# --- 4. a private sid userland to run the binary in -------------------------------
# sid's binary needs sid's libc (>= 2.39). Its run-time libraries (every lib*
# package of its dependency closure, computed by apt against an empty status, and
# nettle for the plugin) are unpacked into BUILD_DIR/suricata8/sysroot, and
# BUILD_DIR/suricata8/suricata starts the binary with sid's own dynamic loader and
# that library path first. Nothing is installed; the kernel is this machine's. A
# library sid does not have is found in this machine's directories after it: the
# plugin built here needs bookworm's libsodium.so.23 (sid has libsodium.so.26).
t2=$(date +%s.%N)
sysroot=$dir/sysroot
rm -rf "$sysroot" "$run" "$dir/libs"
: >"$dir/empty-status"
closure=$("${APT[@]}" -o Dir::State::status="$dir/empty-status" -s install --no-install-recommends \
            suricata 2>/dev/null | awk '/^Inst / {print $2}' | grep -E '^lib' | grep -v '^libpython' || true)
if [ -z "$closure" ]; then
  say "cannot compute the run-time libraries of sid's suricata: the 8.0 run tests will skip"
else
  mkdir -p "$dir/libs"
  # shellcheck disable=SC2086
  # against the empty status too: sid's candidates, not this machine's installed versions
  if (cd "$dir/libs" && "${APT[@]}" -o Dir::State::status="$dir/empty-status" download \
        $closure libnettle8t64 \
        >"$dir/libs.log" 2>&1); then
    for f in "$dir"/libs/*.deb; do dpkg-deb -x "$f" "$sysroot"; done
    lib=$sysroot/usr/lib/x86_64-linux-gnu
    printf '#!/bin/sh\n# Debian sid'"'"'s suricata %s, run with sid'"'"'s loader and libraries (fetch-suricata8.sh)\nexec "%s" --library-path "%s" "%s" "$@"\n' \
      "$upstream" "$lib/ld-linux-x86-64.so.2" "$lib" "$root/usr/bin/suricata" >"$run"
    chmod +x "$run"
    if "$run" -V >&2; then
      say "sid's suricata runs here through $run ($(ls "$dir"/libs/*.deb | wc -l) library packages, $(du -sh "$dir/libs" | cut -f1))"
    else
      say "sid's suricata does not run through $run: the 8.0 run tests will skip"
    fi
  else
    tail -3 "$dir/libs.log" >&2
    say "cannot download sid's run-time libraries: the 8.0 run tests will skip"
  fi
fi
t3=$(date +%s.%N)
awk -v a="$t0" -v b="$t1" -v c="$t2" -v d="$t3" 'BEGIN { printf "fetch-suricata8: timings: fetch %.1f s, configure check %.1f s, sid libraries %.1f s\n", b - a, c - b, d - c }' >&2
echo "$pin_sha" >"$stamp"
done_
