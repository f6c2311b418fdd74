# hostile_common.sh — shared by the hostile_*.sh and faults_*.sh script tests: the
# program, the capture generator, a scratch directory, a measured run and JSON
# helpers. Sourced, not run.
#
# Measured runs print figures (peak RSS from /usr/bin/time, wall time per packet from
# the summary); the tests ASSERT only facts that do not depend on timing: counters,
# caps, what was detected.
P=${SW_PROGRAM:?SW_PROGRAM not set}
SRC=${SW_SOURCE_DIR:?SW_SOURCE_DIR not set}
BIN=${SW_BINARY_DIR:?SW_BINARY_DIR not set}
MKH=$BIN/tests/mkhostile
MKA=$BIN/tests/mkalerts
[ -x "$P" ] || { echo "program not built: $P"; exit 1; }
[ -x "$MKH" ] || { echo "tool not built: $MKH"; exit 1; }
T=$(mktemp -d)
PIDS=""
MOUNTS=""
cleanup() {
  for p in $PIDS; do kill "$p" 2>/dev/null; done
  for m in $MOUNTS; do umount "$m" 2>/dev/null; done
  rm -rf "$T"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
cd "$T" || exit 1

# A sanitizer build is much slower: say so next to the figures.
BUILD_NOTE=""
if grep -q '^SW_SANITIZE:BOOL=ON' "$BIN/CMakeCache.txt" 2>/dev/null; then
  BUILD_NOTE=" (ASan+UBSan build: figures not representative)"
fi

# run NAME PCAP [options...]: seqwatch run on PCAP, JSON lines to NAME.jsonl, summary
# to NAME.sum, peak RSS (KB) to NAME.rss; fails the test on a non-zero exit.
run() {
  local name=$1 pcap=$2; shift 2
  local timer=()
  [ -x /usr/bin/time ] && timer=(/usr/bin/time -f %M -o "$name.rss")
  "${timer[@]}" "$P" run -r "$pcap" --no-db --json "$name.jsonl" -q --summary-json "$name.sum" "$@" \
      2> "$name.err" || fail "run $name: exit $?: $(cat "$name.err")"
  [ -s "$name.rss" ] || echo 0 > "$name.rss"
}

# sj NAME EXPR: a value of NAME.sum (python expression over the dict d)
sj() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1.sum"; }

# mj FILE EXPR: a value of the generator's description (m)
mj() { python3 -c "import json,sys; m=json.load(open(sys.argv[1])); print($2)" "$1"; }

# figures NAME: "peak RSS X MB, Y us/packet (N packets)"
figures() {
  python3 - "$1" <<'PY'
import json, sys
n = sys.argv[1]
d = json.load(open(n + ".sum"))
rss = int(open(n + ".rss").read().split()[-1] or 0)
pk = d["packets"] or 1
print("peak RSS %.1f MB, %.2f us/packet (%d packets in %.2f s)" %
      (rss / 1024.0, d["elapsed_seconds"] * 1e6 / pk, d["packets"], d["elapsed_seconds"]))
PY
}

# alerts_on NAME SRC_IP DEST_PORT EVENT: alerts of EVENT on a connection of SRC_IP
alerts_on() {
  python3 - "$1.jsonl" "$2" "$3" "$4" <<'PY'
import json, sys
path, ip, port, ev = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
n = 0
for line in open(path):
    a = json.loads(line)
    if a["hijack"]["event"] != ev:
        continue
    if ip in (a["src_ip"], a["dest_ip"]) and port in (a["src_port"], a["dest_port"]):
        n += 1
print(n)
PY
}

# ---- database fault helpers (faults_db_*.sh) ----
FEED="$SRC/tests/scripts/lib/slowfeed.py"

# db_count DB SENSOR: alerts of SENSOR in DB (read-only; waits for a writer's lock;
# fails the test if the database cannot be read)
db_count() {
  python3 - "$1" "$2" <<'PY'
import sqlite3, sys
c = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True, timeout=20)
if not c.execute("SELECT 1 FROM sqlite_master WHERE name = 'alerts'").fetchone():
    print(0)   # the schema itself never got written (a full disk from the start)
else:
    print(c.execute("SELECT COUNT(*) FROM alerts WHERE sensor = ?", (sys.argv[2],)).fetchone()[0])
PY
}

# wait_for FILE REGEX SECONDS: wait until FILE has a line matching REGEX
wait_for() {
  local i
  for ((i = 0; i < $3 * 10; i++)); do
    grep -Eq "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

# mount_tmpfs DIR SIZE: a small tmpfs on DIR (unmounted at exit); 1 if not permitted
mount_tmpfs() {
  mkdir -p "$1"
  mount -t tmpfs -o "size=$2,mode=0755" tmpfs "$1" 2>/dev/null || return 1
  MOUNTS="$1 $MOUNTS"
}

# lines FILE: lines of FILE (0 if missing)
lines() { if [ -f "$1" ]; then wc -l < "$1" | tr -d ' '; else echo 0; fi; }

# wait_lines_above FILE N SECONDS: poll (every 0.1 s) until FILE has more than N
# lines; prints the count reached, returns 1 on timeout. Replaces fixed sleeps.
wait_lines_above() {
  local i n
  for ((i = 0; i < $3 * 10; i++)); do
    n=$(lines "$1")
    [ "$n" -gt "$2" ] && { echo "$n"; return 0; }
    sleep 0.1
  done
  lines "$1"
  return 1
}
