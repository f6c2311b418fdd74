#!/bin/bash
# suricata_ingest.sh — the plugin's records in Suricata's eve.json are found by
# seqwatch's own tools: `seqwatch ingest` loads them (flow and stats records are
# skipped), `seqwatch query` finds every one with Suricata's flow_id; and the `db:`
# option stores the same alerts through one writer for all threads (one runs row).
. "$(dirname "$0")/lib.sh"
demo=$SRC/tests/traces/demo-hijack.pcap
mkyaml "$T/s.yaml" "db: $T/plugin.db"
suri "$T/s.yaml" "$demo" "$T/o" --runmode autofp --set threading.detect-thread-ratio=2 || exit 1
$EVE alerts "$T/o/eve.json" >"$T/pl.set"
n=$(wc -l <"$T/pl.set")
[ "$n" -ge 3 ] || fail "only $n alerts in eve.json"
grep -q "^session_takeover " "$T/pl.set" || fail "no session_takeover in eve.json"
"$P" ingest --db "$T/ingest.db" "$T/o/eve.json" >"$T/ingest.out" 2>&1 || fail "ingest: $(cat "$T/ingest.out")"
"$P" ingest --db "$T/ingest.db" "$T/o/eve.json" >"$T/ingest2.out" 2>&1 || fail "second ingest"
flow=$(python3 -c 'import json,sys
for l in open(sys.argv[1]):
    d = json.loads(l)
    if "hijack" in d: print(d["flow_id"]); break' "$T/o/eve.json")
for db in ingest plugin; do
  "$P" query --db "$T/$db.db" --format jsonl >"$T/$db.jsonl" || fail "query $db"
  "$P" query --db "$T/$db.db" --format jsonl --flow "$flow" >"$T/$db.flow.jsonl" || fail "query --flow $db"
  $EVE rows "$T/$db.jsonl" >"$T/$db.set"    # a closing update replaced its alert's row
  echo "$db.db: $(wc -l <"$T/$db.jsonl") alerts, $(wc -l <"$T/$db.flow.jsonl") with Suricata's flow_id $flow"
  diff "$T/pl.set" "$T/$db.set" || fail "$db.db does not hold eve.json's seqwatch alerts"
  [ "$(wc -l <"$T/$db.flow.jsonl")" = "$n" ] || fail "$db.db: query --flow $flow finds not all $n"
done
runs=$(sqlite3 "$T/plugin.db" 'select count(*) from runs')
[ "$runs" = 1 ] || fail "plugin.db has $runs runs rows, want 1 (one writer for all threads)"
grep -Ei 'duplicate' "$T/ingest2.out" | head -1
echo "PASS"
