#!/bin/bash
# storage_sigterm.sh — SIGTERM while `seqwatch run` is still reading: the program
# exits cleanly and every alert it wrote as a JSON line is committed to SQLite.
set -u
. "$(dirname "$0")/lib/storage_common.sh"
need_alerts
cd "$T"
"$MK" t.pcap 2000 >/dev/null || fail "mkalerts"
mkfifo feed
python3 "$FEED" t.pcap 40 0.1 120 > feed & PIDS="$PIDS $!"
"$P" run -r feed --json s.jsonl --db s.db -q 2> run.err & pid=$!
for _ in $(seq 1 300); do [ "$(lines s.jsonl)" -ge 20 ] && break; sleep 0.1; done
[ "$(lines s.jsonl)" -ge 20 ] || fail "no alerts after 30 s"
kill -TERM "$pid"
for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$pid" 2>/dev/null && { kill -9 "$pid"; fail "seqwatch run did not exit within 30 s of SIGTERM"; }
wait "$pid"; rc=$?
[ $rc -eq 0 ] || fail "exit status $rc after SIGTERM: $(cat run.err)"
n=$(lines s.jsonl); rows=$(db_rows s.db)
[ "$rows" -eq "$n" ] || fail "$n alerts written as JSON lines, $rows in the database"
[ "$(db_integrity s.db)" = ok ] || fail "integrity_check"
echo "ok: stopped after $n alerts, all committed"
