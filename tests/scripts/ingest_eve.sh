#!/bin/bash
# ingest_eve.sh — an eve.json as Suricata writes it (tests/data/suricata_stream_eve.json:
# a UTF-8 byte-order mark, stats/flow/dns/tls/fileinfo records, stream-event alerts,
# anomaly records, one line cut short): the non-alert records are counted by type in
# the closing line, only the cut line is a problem (file:line); the alerts and anomaly
# records are loaded, Suricata's stream signatures answer `query --event`; the same
# log gzip-compressed loads the same.
set -u
. "$(dirname "$0")/lib/hostile_common.sh"
F=$SRC/tests/data/suricata_stream_eve.json
"$P" ingest --db a.db "$F" 2> a.err; rc=$?
[ "$rc" -eq 0 ] || fail "ingest: exit $rc: $(cat a.err)"
[ "$(grep -c '' a.err)" -eq 2 ] || fail "want one problem and the closing line: $(cat a.err)"
grep -q "^seqwatch ingest: $F:10: invalid JSON" a.err || fail "the cut line: $(cat a.err)"
grep -q "^seqwatch ingest: loaded 5, duplicate 0, skipped 1; 6 records that are not alerts: stats 1, flow 2, dns 1, tls 1, fileinfo 1$" a.err ||
  fail "closing line: $(tail -1 a.err)"
n=$("$P" query --db a.db --event overlap_mismatch --format jsonl | wc -l)
[ "$n" -eq 2 ] || fail "query --event overlap_mismatch: $n, want 2 (the sid 2210050 alert and the anomaly)"
n=$("$P" query --db a.db --event rst_injection --source suricata --format jsonl | wc -l)
[ "$n" -eq 1 ] || fail "query --event rst_injection: $n"
t=$(sqlite3 a.db "SELECT group_concat(event_type || ':' || COALESCE(event, '-'), ' ') FROM (SELECT * FROM alerts ORDER BY ts_us)")
[ "$t" = "alert:overlap_mismatch anomaly:overlap_mismatch anomaly:- alert:rst_injection alert:-" ] || fail "rows: $t"
echo "ok: eve.json: $(tail -1 a.err)"

gzip -c "$F" > eve.json.gz
"$P" ingest --db b.db eve.json.gz 2> b.err; rc=$?
[ "$rc" -eq 0 ] || fail "ingest .gz: exit $rc: $(cat b.err)"
grep -q "loaded 5, duplicate 0, skipped 1; 6 records" b.err || fail ".gz: $(cat b.err)"
[ "$(sqlite3 a.db 'SELECT group_concat(alert_id) FROM (SELECT alert_id FROM alerts ORDER BY 1)')" = \
  "$(sqlite3 b.db 'SELECT group_concat(alert_id) FROM (SELECT alert_id FROM alerts ORDER BY 1)')" ] || fail ".gz loaded other alerts"
head -c 300 eve.json.gz > cut.json.gz
"$P" ingest --db c.db cut.json.gz 2> c.err; rc=$?
[ "$rc" -eq 1 ] && grep -q "cut.json.gz:[0-9]*: gzip data corrupt or cut short" c.err || fail "truncated .gz: exit $rc: $(cat c.err)"
echo "ok: .gz log loads the same; a truncated .gz: exit 1: $(head -1 c.err)"
