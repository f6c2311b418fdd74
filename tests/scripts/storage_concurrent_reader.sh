#!/bin/bash
# storage_concurrent_reader.sh — another process reads the database during a run:
# first holding a read transaction (a snapshot) open, then holding the write lock
# for 3 s. The run goes on, ends normally, and every alert is committed; the
# reader's snapshot does not move while it is held.
set -u
. "$(dirname "$0")/lib/storage_common.sh"
need_alerts
cd "$T"
"$MK" t.pcap 1500 >/dev/null || fail "mkalerts"
"$P" ingest --db r.db /dev/null 2>/dev/null || fail "creating the database"
python3 - r.db > reader.out 2>&1 <<'PY' & rpid=$!; PIDS="$PIDS $rpid"
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
c.execute("BEGIN")
before = c.execute("SELECT COUNT(*) FROM alerts").fetchone()[0]
time.sleep(3)
during = c.execute("SELECT COUNT(*) FROM alerts").fetchone()[0]
c.execute("COMMIT")
print("snapshot", before, during, flush=True)
c.execute("BEGIN IMMEDIATE")        # the sensor's commits now wait
time.sleep(3)
c.execute("COMMIT")
print("lock released", flush=True)
PY
mkfifo feed
python3 "$FEED" t.pcap 50 0.05 0 > feed & PIDS="$PIDS $!"
"$P" run -r feed --json c.jsonl --db r.db -q 2> run.err; rc=$?
wait "$rpid"
[ $rc -eq 0 ] || fail "run exit $rc: $(cat run.err)"
read -r _ before during < <(grep '^snapshot' reader.out) || fail "reader: $(cat reader.out)"
[ "$before" = "$during" ] || fail "the reader's snapshot moved ($before -> $during)"
grep -q '^lock released' reader.out || fail "reader: $(cat reader.out)"
n=$(lines c.jsonl); rows=$(db_rows r.db)
[ "$n" -gt 0 ] || fail "no alerts"
[ "$rows" -eq "$n" ] || fail "$n alerts as JSON lines, $rows in the database"
echo "ok: $n alerts committed around a reader"
