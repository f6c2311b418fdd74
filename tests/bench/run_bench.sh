#!/bin/bash
# run_bench.sh — the seqwatch benchmark (docs/performance.md says what every figure
# means). It prints figures and the targets beside them; it never asserts timing and
# is not a ctest test.
#
#   bash tests/bench/run_bench.sh [--quick] [--profile]      (from the repo root)
#
# Sections:
#   throughput  one interleaved run per capture (ROUNDS rounds, medians): the floor
#               (libpcap loop that only counts), `seqwatch run` with the default
#               rules and outputs (JSON lines to a file, SQLite on /dev/shm), libnids
#               with checksums on; packets/s, Gbit/s, peak RSS, seqwatch/floor and
#               seqwatch/libnids. On the synthetic capture (gencap, mixed) and, when
#               ../shared/bench/mkcapture.sh is present and we are root, on the
#               real-traffic capture.
#   memory      N simultaneous open connections (gencap --mode open, N in OPEN_NS):
#               peak RSS, bytes per tracked connection, throughput per N.
#   scaling     --workers N (N in WORKERS) on the real-traffic capture (else the
#               synthetic one), with the alerts of every N compared with 1 worker.
#   --profile   also `perf record -g` one seqwatch run and print the top symbols.
#
# Environment (defaults in brackets; --quick lowers them):
#   BUILD_DIR  build directory, relative to the repo root or absolute [build-bench];
#              configured with -DCMAKE_BUILD_TYPE=Release and built if missing
#   WORK       where captures and outputs go [/dev/shm/seqwatch-bench]
#   SEQWATCH   a seqwatch program to measure instead of BUILD_DIR/seqwatch
#   ROUNDS [5, quick 3]  MEM_ROUNDS [3, quick 1]  PACKETS [2000000, quick 300000]
#   CONCURRENT [1000]  SEED [1]  OPEN_NS ["10000 100000 1000000", quick "10000 100000"]
#   WORKERS ["1 2"]
#   real capture: SCALE [1] and DIV [1, quick 10] for mkcapture.sh; REAL_CAPTURE
#   [/dev/shm/full.pcap, or /dev/shm/full-sS-divD.pcap when SCALE or DIV is not 1];
#   REGEN=1 regenerates it, NO_REAL=1 skips it.  CLEAN=1 removes WORK at the end.
set -u

QUICK=0 PROFILE=0
for a in "$@"; do
  case $a in
    --quick) QUICK=1 ;;
    --profile) PROFILE=1 ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "run_bench.sh: unknown argument '$a' (see --help)" >&2; exit 2 ;;
  esac
done

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD_DIR=${BUILD_DIR:-build-bench}
case $BUILD_DIR in /*) ;; *) BUILD_DIR=$ROOT/$BUILD_DIR ;; esac
WORK=${WORK:-/dev/shm/seqwatch-bench}
if [ $QUICK = 1 ]; then
  ROUNDS=${ROUNDS:-3}; MEM_ROUNDS=${MEM_ROUNDS:-1}; PACKETS=${PACKETS:-300000}
  OPEN_NS=${OPEN_NS:-"10000 100000"}; DIV=${DIV:-10}
else
  ROUNDS=${ROUNDS:-5}; MEM_ROUNDS=${MEM_ROUNDS:-3}; PACKETS=${PACKETS:-2000000}
  OPEN_NS=${OPEN_NS:-"10000 100000 1000000"}; DIV=${DIV:-1}
fi
CONCURRENT=${CONCURRENT:-1000}
SEED=${SEED:-1}
SCALE=${SCALE:-1}
WORKERS=${WORKERS:-"1 2"}
if [ "$DIV" = 1 ] && [ "$SCALE" = 1 ]; then REAL_DEFAULT=/dev/shm/full.pcap
else REAL_DEFAULT=/dev/shm/full-s$SCALE-div$DIV.pcap; fi
REAL_CAPTURE=${REAL_CAPTURE:-$REAL_DEFAULT}
SHARED=${SW_SHARED_DIR:-$ROOT/../shared}
MKCAPTURE=$SHARED/bench/mkcapture.sh
HASH_SEED=000102030405060708090a0b0c0d0e0f   # fixed flow-hash seed: same alerts every run

die() { echo "run_bench.sh: $*" >&2; exit 1; }
say() { printf '%s\n' "$*"; }

# ---------------------------------------------------------------- tools and build
if [ ! -x /usr/bin/time ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing the 'time' package (GNU time, for peak RSS)"
    apt-get install -y time >/dev/null 2>&1 || { apt-get update >/dev/null 2>&1; apt-get install -y time >/dev/null 2>&1; }
  fi
  [ -x /usr/bin/time ] || die "/usr/bin/time is missing: apt-get install time"
fi
command -v python3 >/dev/null || die "python3 is needed to read the JSON outputs"

if [ ! -f "$BUILD_DIR/CMakeCache.txt" ]; then
  say "configuring $BUILD_DIR (Release)"
  cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release >/dev/null || die "cmake configure failed"
fi
BT=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$BUILD_DIR/CMakeCache.txt")
if grep -q '^SW_SANITIZE:BOOL=ON' "$BUILD_DIR/CMakeCache.txt"; then
  say "WARNING: $BUILD_DIR is a sanitizer build: figures are meaningless"
fi
case $BT in Release|RelWithDebInfo) ;; *) say "WARNING: $BUILD_DIR is a '$BT' build, not Release: figures are not representative" ;; esac
mkdir -p "$WORK" || die "cannot create $WORK"
# build_target NAME FILE: build it; if that fails, an executable left by an earlier
# build is used (with a warning). Returns 1 if there is none.
build_target() {
  if cmake --build "$BUILD_DIR" -j2 --target "$1" >>"$WORK/build.log" 2>&1; then return 0; fi
  if [ -x "$2" ]; then say "WARNING: $1 does not build now (log: $WORK/build.log); using the existing $2"; return 0; fi
  return 1
}
: >"$WORK/build.log"
build_target gencap "$BUILD_DIR/tests/bench/gencap" && build_target floor "$BUILD_DIR/tests/bench/floor" ||
  { tail -20 "$WORK/build.log" >&2; die "gencap and floor are not built (log: $WORK/build.log)"; }
HAVE_SW=0
if [ -n "${SEQWATCH:-}" ]; then
  [ -x "$SEQWATCH" ] || die "SEQWATCH=$SEQWATCH is not an executable"
  HAVE_SW=1
elif build_target seqwatch "$BUILD_DIR/seqwatch"; then HAVE_SW=1
else say "WARNING: seqwatch is not built (log: $WORK/build.log): only the floor and libnids are measured"; fi
HAVE_NIDS=0
if cmake --build "$BUILD_DIR" --target help 2>/dev/null | grep -q nids_bench; then
  build_target nids_bench "$BUILD_DIR/tests/bench/nids_bench" && HAVE_NIDS=1
fi
SW=${SEQWATCH:-$BUILD_DIR/seqwatch}
GENCAP=$BUILD_DIR/tests/bench/gencap
FLOOR=$BUILD_DIR/tests/bench/floor
NIDS=$BUILD_DIR/tests/bench/nids_bench

# ---------------------------------------------------------------- helpers
# run_timed CMD...: runs CMD with stdout/stderr to $WORK/last.{out,err}; sets
# T_WALL (s, monotonic-ish wall clock around the process), T_RSS (peak RSS, KiB), T_RC.
run_timed() {
  local t0 t1
  t0=$(date +%s%N)
  /usr/bin/time -f '%M' -o "$WORK/time.out" "$@" >"$WORK/last.out" 2>"$WORK/last.err"
  T_RC=$?
  t1=$(date +%s%N)
  T_WALL=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", (b - a) / 1e9 }')
  T_RSS=$(tail -n 1 "$WORK/time.out")
}

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END {
  if (NR == 0) { print "nan"; exit }
  if (NR % 2) print v[(NR + 1) / 2]; else printf "%.4f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# calc EXPR: awk arithmetic, printed with the given format
calc() { awk "BEGIN { printf \"$1\", $2 }"; }

# field of a JSON file: jget FILE 'd["stream"]["mem_peak"]'
jget() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2" 2>/dev/null || echo "?"; }

# seqwatch with the default rules and outputs; extra options after the capture
sw_cmd() {
  local cap=$1; shift
  rm -f "$WORK/alerts.json" "$WORK/bench.db" "$WORK/bench.db-wal" "$WORK/bench.db-shm" "$WORK/summary.json"
  SW_ARGS=("$SW" run -r "$cap" --json "$WORK/alerts.json" --db "$WORK/bench.db"
           --summary-json "$WORK/summary.json" -q --no-progress --seed "$HASH_SEED" "$@")
}

verdict() { awk -v v="$1" -v t="$2" -v op="$3" 'BEGIN {
  if (v == "nan" || v == "?" || v == "") { print "(no figure)"; exit }
  ok = (op == "<=") ? (v <= t) : (v >= t); print ok ? "met" : "NOT met" }'; }

fmt_row() {  # name seconds packets bytes rss_kb floor_seconds
  awk -v n="$1" -v s="$2" -v p="$3" -v b="$4" -v r="$5" -v f="$6" 'BEGIN {
    if (s == "nan") { printf "   %-26s %9s\n", n, "failed"; exit }
    printf "   %-26s %9.3f %11.3f %9.2f %12.1f %8.2f\n", n, s, p / s / 1e6, b * 8 / s / 1e9, r / 1024, s / f }'
}

# ---------------------------------------------------------------- throughput
# bench_capture LABEL FILE NIDS_STREAMS: the interleaved run on one capture.
# Leaves SW_MEDIAN (seconds) and FLOOR_PACKETS for the callers.
bench_capture() {
  local label=$1 cap=$2 streams=$3 r
  local ft="" st="" nt="" fr="" sr="" nr="" sw_err=""
  "$FLOOR" "$cap" >/dev/null 2>&1 || { say "   floor cannot read $cap"; return 1; }   # page cache
  local line; line=$("$FLOOR" "$cap")
  FLOOR_PACKETS=$(awk '{ print $3 }' <<<"$line"); local bytes; bytes=$(awk '{ print $5 }' <<<"$line")
  say ""
  say "== Throughput: $label =="
  say "   $cap: $FLOOR_PACKETS packets, $(calc '%.0f' "$bytes / 1e6") MB on the wire; $ROUNDS interleaved round(s), medians"
  for r in $(seq 1 "$ROUNDS"); do
    run_timed "$FLOOR" "$cap"; ft+=" $T_WALL"; fr+=" $T_RSS"
    if [ $HAVE_SW = 1 ]; then
      sw_cmd "$cap"
      run_timed "${SW_ARGS[@]}"
      if [ $T_RC = 0 ]; then st+=" $T_WALL"; sr+=" $T_RSS"
      else sw_err="exit $T_RC: $(head -c 300 "$WORK/last.err")"; fi
    fi
    if [ $HAVE_NIDS = 1 ]; then
      run_timed "$NIDS" --streams "$streams" "$cap"
      [ $T_RC = 0 ] && { nt+=" $T_WALL"; nr+=" $T_RSS"; }
    fi
  done
  local fm sm nm
  fm=$(median <<<"$ft"); sm=$(median <<<"$st"); nm=$(median <<<"$nt")
  say "   program                      seconds  Mpackets/s    Gbit/s  peak RSS MB  x floor"
  fmt_row "floor (libpcap count loop)" "$fm" "$FLOOR_PACKETS" "$bytes" "$(median <<<"$fr")" "$fm"
  if [ $HAVE_SW = 1 ]; then
    fmt_row "seqwatch run (1 worker)" "$sm" "$FLOOR_PACKETS" "$bytes" "$(median <<<"$sr")" "$fm"
  else
    say "   seqwatch run: not built"
  fi
  if [ $HAVE_NIDS = 1 ]; then
    fmt_row "libnids 1.26, checksums on" "$nm" "$FLOOR_PACKETS" "$bytes" "$(median <<<"$nr")" "$fm"
  else
    say "   libnids: not built (apt-get install libnids-dev, then reconfigure $BUILD_DIR)"
  fi
  [ -n "$sw_err" ] && say "   seqwatch failed: $sw_err"
  if [ $HAVE_NIDS = 1 ] && [ "$nm" != nan ]; then
    say "   libnids / floor    = $(calc '%.2f' "$nm / $fm")x"
  fi
  if [ "$sm" != nan ]; then
    local rf rn
    rf=$(calc '%.2f' "$sm / $fm")
    say "   seqwatch / floor   = ${rf}x   target <= 1.50x: $(verdict "$rf" 1.5 '<=')"
    if [ "$nm" != nan ]; then
      rn=$(calc '%.2f' "$sm / $nm")
      say "   seqwatch / libnids = ${rn}x   target <= 1.00x (not slower than libnids): $(verdict "$rn" 1.0 '<=')"
    fi
    # the last seqwatch run's summary: what it found on this capture
    sw_cmd "$cap"; "${SW_ARGS[@]}" >/dev/null 2>&1
    say "   seqwatch: $(jget "$WORK/summary.json" 'd["tcp_connections"]') connections, $(jget "$WORK/summary.json" 'd["alerts"]') alerts, $(jget "$WORK/summary.json" 'd["checksum_errors"]') checksum errors, stream mem peak $(jget "$WORK/summary.json" 'd["stream"]["mem_peak"]') bytes"
  fi
  if [ $HAVE_NIDS = 1 ]; then
    "$NIDS" --streams "$streams" "$cap" >"$WORK/last.out" 2>/dev/null
    say "   libnids: $(awk '{ print $3 " IPv4 connections, " $11 "+" $13 " bytes reassembled, " $15 " warnings" }' "$WORK/last.out") (IPv6 not reassembled by libnids)"
  fi
  SW_MEDIAN=$sm
}

# generate FILE GENCAP-OPTIONS...: a capture is made again only when it is missing
# or was made by another gencap binary or with other options (FILE.gen records both).
generate() {
  local cap=$1; shift
  local id; id="$(sha256sum <"$GENCAP" | cut -c1-16) $*"
  [ -s "$cap" ] && [ "$(cat "$cap.gen" 2>/dev/null)" = "$id" ] && return 0
  say "generating $cap"
  rm -f "$cap.gen"
  "$GENCAP" -o "$cap" "$@" 2>"$WORK/gencap.log" || return 1
  sed 's/^/   /' "$WORK/gencap.log"
  echo "$id" >"$cap.gen"
}

# ---------------------------------------------------------------- captures
say "seqwatch benchmark — $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(uname -r)"
say "build: $BUILD_DIR ($BT)$([ $HAVE_SW = 1 ] && echo ", $("$SW" --version 2>/dev/null | head -n 1)")"
say "work:  $WORK"

MIXED=$WORK/mixed-n$PACKETS-c$CONCURRENT-s$SEED.pcap
if ! generate "$MIXED" --packets "$PACKETS" --concurrent "$CONCURRENT" --seed "$SEED"; then
  die "gencap failed: $(cat "$WORK/gencap.log")"
fi

HAVE_REAL=0
if [ "${NO_REAL:-0}" = 1 ]; then
  say "real-traffic capture: skipped (NO_REAL=1)"
elif [ -s "$REAL_CAPTURE" ] && [ "${REGEN:-0}" != 1 ]; then
  HAVE_REAL=1
elif [ ! -f "$MKCAPTURE" ]; then
  say "real-traffic capture: skipped ($MKCAPTURE not present)"
elif [ "$(id -u)" != 0 ]; then
  say "real-traffic capture: skipped (mkcapture.sh needs root for network namespaces)"
else
  missing=""
  for c in ip:iproute2 ethtool:ethtool nft:nftables tcpdump:tcpdump nginx:nginx-light ab:apache2-utils curl:curl socat:socat; do
    command -v "${c%%:*}" >/dev/null 2>&1 || [ -x "/usr/sbin/${c%%:*}" ] || missing+=" ${c#*:}"
  done
  if [ -n "$missing" ] && command -v apt-get >/dev/null; then
    say "installing the packages mkcapture.sh needs:$missing"
    # shellcheck disable=SC2086
    apt-get install -y $missing >/dev/null 2>&1 || { apt-get update >/dev/null 2>&1; apt-get install -y $missing >/dev/null 2>&1; }
  fi
  say "generating the real-traffic capture: DIV=$DIV $MKCAPTURE $REAL_CAPTURE $SCALE (about 15 s)"
  if DIV=$DIV bash "$MKCAPTURE" "$REAL_CAPTURE" "$SCALE" >"$REAL_CAPTURE.log" 2>&1 && [ -s "$REAL_CAPTURE" ]; then
    HAVE_REAL=1
  else
    say "   mkcapture.sh failed; last lines:"; tail -5 "$REAL_CAPTURE.log" | sed 's/^/   /'
  fi
fi
if [ $HAVE_REAL = 1 ] && [ -f "$REAL_CAPTURE.log" ]; then
  drops=$(sed -n 's/^\([0-9]*\) packets dropped by kernel.*/\1/p' "$REAL_CAPTURE.log")
  say "real-traffic capture $REAL_CAPTURE: $(grep -E 'packets captured' "$REAL_CAPTURE.log"), ${drops:-?} dropped by the kernel"
  [ "${drops:-0}" != 0 ] && say "   WARNING: the capture has holes where tcpdump dropped packets; regenerate on a quiet machine (REGEN=1)"
fi

# ---------------------------------------------------------------- throughput runs
bench_capture "synthetic mixed (gencap --packets $PACKETS --concurrent $CONCURRENT --seed $SEED)" \
  "$MIXED" $(( CONCURRENT * 4 > 65536 ? CONCURRENT * 4 : 65536 ))
if [ $HAVE_REAL = 1 ]; then
  bench_capture "real traffic (mkcapture.sh, SCALE=$SCALE DIV=$DIV)" "$REAL_CAPTURE" 65536
fi

# ---------------------------------------------------------------- memory
if [ $HAVE_SW = 0 ]; then
  say ""; say "seqwatch is not built: no memory or scaling figures"
  [ "${CLEAN:-0}" = 1 ] && rm -rf "$WORK"
  exit 0
fi
say ""
say "== Memory: N simultaneous open connections (gencap --mode open: handshake + a little data, none closed) =="
BASE_CAP=$WORK/open-100-s$SEED.pcap
generate "$BASE_CAP" --mode open --concurrent 100 --seed "$SEED" >/dev/null || die "gencap failed: $(cat "$WORK/gencap.log")"
sw_cmd "$BASE_CAP"; run_timed "${SW_ARGS[@]}"
if [ $T_RC != 0 ]; then
  say "   seqwatch failed on the baseline capture (exit $T_RC): $(head -c 300 "$WORK/last.err")"
else
  BASE_RSS=$T_RSS
  say "   baseline: seqwatch on 100 open connections, peak RSS $(calc '%.1f' "$BASE_RSS / 1024") MB"
  say "        N    packets   seconds  Mpackets/s  peak RSS MB  flows  evicted  payload peak MB  B/conn  B/conn excl. payload"
  FIRST_PPS="" LAST_PPS="" RSS_1M="" EXCL_MAX=""
  for n in $OPEN_NS; do
    cap=$WORK/open-$n-s$SEED.pcap
    generate "$cap" --mode open --concurrent "$n" --seed "$SEED" >/dev/null || die "gencap failed: $(cat "$WORK/gencap.log")"
    pk=$("$FLOOR" "$cap" | awk '{ print $3 }')
    ts="" rs="" ok=1
    for r in $(seq 1 "$MEM_ROUNDS"); do
      sw_cmd "$cap"; run_timed "${SW_ARGS[@]}"
      [ $T_RC = 0 ] || { ok=0; break; }
      ts+=" $T_WALL"; rs+=" $T_RSS"
    done
    if [ $ok = 0 ]; then say "   $n: seqwatch failed (exit $T_RC): $(head -c 200 "$WORK/last.err")"; continue; fi
    tm=$(median <<<"$ts"); rm_=$(median <<<"$rs")
    flows=$(jget "$WORK/summary.json" 'd["flows"]')
    ev=$(jget "$WORK/summary.json" 'd["flows_evicted"]')
    # payload bytes only (segment headers count against the connection); a seqwatch
    # without payload_peak reports mem_peak, which includes the headers
    sp=$(jget "$WORK/summary.json" 'd["stream"].get("payload_peak", d["stream"]["mem_peak"])')
    pps=$(calc '%.0f' "$pk / $tm")
    [ -z "$FIRST_PPS" ] && FIRST_PPS=$pps
    LAST_PPS=$pps LAST_N=$n
    [ "$n" = 1000000 ] && RSS_1M=$rm_
    EXCL_MAX=$(awk -v n="$n" -v r="$rm_" -v b="$BASE_RSS" -v s="$sp" -v m="${EXCL_MAX:-0}" 'BEGIN {
      x = (s == "?") ? 0 : ((r - b) * 1024 - s) / n; printf "%.0f", (x > m ? x : m) }')
    awk -v n="$n" -v p="$pk" -v t="$tm" -v r="$rm_" -v b="$BASE_RSS" -v f="$flows" -v e="$ev" -v s="$sp" 'BEGIN {
      d = (r - b) * 1024
      printf "   %7d %10d %9.3f %11.3f %12.1f %6s %8s %16.1f %7.0f %21.0f\n", n, p, t, p / t / 1e6, r / 1024, f, e,
             s / 1048576, d / n, (s == "?" ? 0 : (d - s) / n) }'
  done
  say "   targets: <= 512 bytes per tracked connection, payload excluded; 1 M connections within 600 MiB RSS"
  [ -n "${EXCL_MAX:-}" ] && say "            largest B/conn excl. payload over N: $EXCL_MAX: $(verdict "$EXCL_MAX" 512 '<=')"
  if [ -n "$RSS_1M" ]; then
    say "            1 M connections: peak RSS $(calc '%.0f' "$RSS_1M / 1024") MB: $(verdict "$RSS_1M" 614400 '<=')"
  fi
  if [ -n "$FIRST_PPS" ]; then
    say "            throughput at N=$LAST_N / at the smallest N = $(calc '%.2f' "$LAST_PPS / $FIRST_PPS") (does not collapse as N grows)"
  fi
fi

# ---------------------------------------------------------------- scaling
say ""
if [ $HAVE_REAL = 1 ]; then SCAP=$REAL_CAPTURE; SLABEL="real traffic"; else SCAP=$MIXED; SLABEL="synthetic mixed (no real capture)"; fi
say "== Scaling: --workers N on $SLABEL =="
TINY=$WORK/tiny.pcap
"$GENCAP" -o "$TINY" --packets 1000 2>/dev/null
sw_cmd "$TINY" --workers 1; "${SW_ARGS[@]}" >/dev/null 2>"$WORK/last.err"; rc=$?
if [ $rc != 0 ]; then
  say "   --workers: not supported by this seqwatch (exit $rc: $(head -c 200 "$WORK/last.err"))"
else
  say "   workers   seconds  Mpackets/s  speedup  peak RSS MB  alerts  alerts vs 1 worker"
  pk=$("$FLOOR" "$SCAP" | awk '{ print $3 }')
  declare -A WT WR
  for w in $WORKERS; do WT[$w]=""; WR[$w]=""; done
  for r in $(seq 1 "$ROUNDS"); do
    for w in $WORKERS; do
      sw_cmd "$SCAP" --workers "$w"; run_timed "${SW_ARGS[@]}"
      [ $T_RC = 0 ] && { WT[$w]+=" $T_WALL"; WR[$w]+=" $T_RSS"; }
      [ "$r" = 1 ] && [ $T_RC = 0 ] && cp "$WORK/alerts.json" "$WORK/alerts-w$w.json"
    done
  done
  t1=""
  for w in $WORKERS; do
    tm=$(median <<<"${WT[$w]}")
    if [ "$tm" = nan ]; then say "   $w: failed: $(head -c 200 "$WORK/last.err")"; continue; fi
    [ -z "$t1" ] && t1=$tm && w1=$w
    na=$(grep -c . "$WORK/alerts-w$w.json" 2>/dev/null || echo 0)
    cmp=$(python3 - "$WORK/alerts-w$w1.json" "$WORK/alerts-w$w.json" <<'EOF'
import json, sys
def load(path):
    out = []
    with open(path) as f:
        for line in f:
            if line.strip():
                d = json.loads(line)
                for k in ("alert_id", "flow_id", "sensor", "host", "pcap_filename"):   # identifiers, not findings
                    d.pop(k, None)
                out.append(json.dumps(d, sort_keys=True))
    return sorted(out)
a, b = load(sys.argv[1]), load(sys.argv[2])
print("identical" if a == b else "DIFFERENT (%d vs %d alerts, %d distinct differ)" % (len(a), len(b), len(set(a) ^ set(b))))
EOF
)
    awk -v w="$w" -v t="$tm" -v p="$pk" -v t1="$t1" -v r="$(median <<<"${WR[$w]}")" -v na="$na" -v c="$cmp" 'BEGIN {
      printf "   %7d %9.3f %11.3f %8.2f %12.1f %7d  %s\n", w, t, p / t / 1e6, t1 / t, r / 1024, na, c }'
    [ "$w" = 2 ] && SPEEDUP2=$(calc '%.2f' "$t1 / $tm")
  done
  say "   target: --workers 2 >= 1.60x single-worker throughput: ${SPEEDUP2:-?}x $(verdict "${SPEEDUP2:-}" 1.6 '>=')"
fi

# ---------------------------------------------------------------- profile
if [ $PROFILE = 1 ]; then
  say ""
  PCAP_P=$MIXED; [ $HAVE_REAL = 1 ] && PCAP_P=$REAL_CAPTURE
  say "== Profile: perf record -g, seqwatch run on $PCAP_P =="
  if command -v perf >/dev/null; then
    sw_cmd "$PCAP_P"
    perf record -q -g -o "$WORK/perf.data" "${SW_ARGS[@]}" >/dev/null 2>&1
    perf report -i "$WORK/perf.data" --no-children --stdio -g none --percent-limit 1 --sort dso,symbol 2>/dev/null |
      grep -E '^ +[0-9.]+%' | head -30 | sed -e 's/[ -]*$//' -e 's/^ */   /'
    say "   (full report: perf report -i $WORK/perf.data)"
  else
    say "   perf not installed (apt-get install linux-perf)"
  fi
fi

[ "${CLEAN:-0}" = 1 ] && rm -rf "$WORK"
exit 0
