#!/bin/bash
# faults_db_locked.sh — the alert database is locked by another process holding a
# write transaction (BEGIN EXCLUSIVE) for 8 s while seqwatch runs. The sensor keeps
# going: every packet is read and every alert is in the JSON lines while the lock is
# still held; stderr says once that the database is locked and that alerts are queued,
# then that it is writable again; at the end every alert is in the database and the
# exit status is 0.
set -u
. "$(dirname "$0")/lib/hostile_common.sh"
[ -x "$MKA" ] || fail "tool not built: $MKA"
"$MKA" t.pcap 600 > /dev/null || fail "mkalerts"
"$P" run -r t.pcap --db a.db --no-json -q --sensor first || fail "first run: exit $?"
[ "$(db_count a.db first)" -eq 600 ] || fail "first run: $(db_count a.db first) rows"

python3 - a.db 8 <<'PY' &
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=10)
c.execute("BEGIN EXCLUSIVE")
open(sys.argv[1] + ".locked", "w").close()
time.sleep(float(sys.argv[2]))
c.execute("COMMIT")
open(sys.argv[1] + ".unlocked", "w").close()
PY
PIDS="$!"
for _ in $(seq 100); do [ -e a.db.locked ] && break; sleep 0.1; done
[ -e a.db.locked ] || fail "could not take the lock"

"$P" run -r t.pcap --db a.db --json b.jsonl --sensor locked -q --summary-json b.sum 2> err &
run_pid=$!
PIDS="$PIDS $run_pid"
wait_for err "database a\\.db: database is locked; will retry" 6 || fail "no 'locked' notice: $(cat err)"
# while the lock is held: every packet read, every alert in the JSON lines
for _ in $(seq 50); do [ "$(lines b.jsonl)" -eq 600 ] && break; sleep 0.1; done
[ ! -e a.db.unlocked ] || fail "the lock was released too early for the test"
[ "$(lines b.jsonl)" -eq 600 ] || fail "JSON lines while locked: $(lines b.jsonl) of 600"
echo "ok: while the database was locked: 600 alerts in the JSON lines, process still running"
wait "$run_pid"; rc=$?
[ "$rc" -eq 0 ] || fail "exit $rc: $(cat err)"
grep -q "writable again" err || fail "no recovery notice: $(cat err)"
[ "$(grep -c 'database is locked' err)" -eq 1 ] || fail "the failure was reported more than once: $(cat err)"
[ "$(db_count a.db locked)" -eq 600 ] || fail "database: $(db_count a.db locked) of 600 alerts"
[ "$(sj b 'd["packets"]')" -gt 0 ] || fail "summary"
echo "stderr: $(tr '\n' '|' < err)"
echo "ok: every alert committed once the lock was released"
