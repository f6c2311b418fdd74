# storage_common.sh — shared by the storage_*.sh script tests: the program, the
# alert-trace generator, a scratch directory, and small helpers. Sourced, not run.
P=${SW_PROGRAM:?SW_PROGRAM not set}
SRC=${SW_SOURCE_DIR:?SW_SOURCE_DIR not set}
MK=${SW_BINARY_DIR:?SW_BINARY_DIR not set}/tests/mkalerts
FEED="$SRC/tests/scripts/lib/slowfeed.py"
[ -x "$P" ] || { echo "program not built: $P"; exit 1; }
[ -x "$MK" ] || { echo "tool not built: $MK"; exit 1; }
T=$(mktemp -d)
PIDS=""
cleanup() { for p in $PIDS; do kill "$p" 2>/dev/null; done; rm -rf "$T"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }

# rows in the alerts table of database $1 (read-only, waits for a writer's lock)
db_rows() {
  python3 - "$1" <<'PY'
import sqlite3, sys
c = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True, timeout=10)
print(c.execute("SELECT COUNT(*) FROM alerts").fetchone()[0])
PY
}

# PRAGMA integrity_check of database $1
db_integrity() {
  python3 - "$1" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1], timeout=10)
print(c.execute("PRAGMA integrity_check").fetchone()[0])
PY
}

# lines of file $1 (0 if missing)
lines() { if [ -f "$1" ]; then wc -l < "$1" | tr -d ' '; else echo 0; fi; }

# Skip (exit 77) when the program raises no alert on the generated trace: the
# checks that raise synack_bad_ack / rst_out_of_window are not built in yet.
need_alerts() {
  "$MK" "$T/probe.pcap" 4 >/dev/null || fail "mkalerts"
  "$P" run -r "$T/probe.pcap" --json "$T/probe.jsonl" --no-db -q >/dev/null 2>&1
  if [ "$(lines "$T/probe.jsonl")" -eq 0 ]; then
    echo "SKIP: seqwatch run raises no alert on the mkalerts trace (checks not implemented yet)"
    exit 77
  fi
}
