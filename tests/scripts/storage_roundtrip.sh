#!/bin/bash
# storage_roundtrip.sh — a run writes the same alerts to JSON lines and SQLite;
# `query` returns exactly those documents; a second run writes the same bytes;
# ingesting the JSON lines into a new database gives identical rows, and ingesting
# them again adds nothing; every query output format and `show` work on the result.
set -u
. "$(dirname "$0")/lib/storage_common.sh"
need_alerts
cd "$T"
"$MK" t.pcap 300 >/dev/null || fail "mkalerts"
"$P" run -r t.pcap --json a.jsonl --db a.db --sensor rt -q || fail "run exit $?"
n=$(lines a.jsonl)
[ "$n" -gt 0 ] || fail "no alerts"
echo "run: $n alerts"

# the database holds every alert of the JSON lines, byte for byte
"$P" query --db a.db --format jsonl > q.jsonl || fail "query jsonl"
sort a.jsonl > a.sorted; sort q.jsonl > q.sorted
cmp -s a.sorted q.sorted || fail "query --format jsonl differs from the JSON lines"

# deterministic: the same capture gives the same bytes
"$P" run -r t.pcap --json b.jsonl --no-db --sensor rt -q || fail "second run"
cmp -s a.jsonl b.jsonl || fail "a second run wrote different JSON lines"

# ingest into a new database: identical rows (every column but the row id)
"$P" ingest --db c.db a.jsonl 2> ingest.err || fail "ingest exit $?: $(cat ingest.err)"
grep -qx "seqwatch ingest: loaded $n, duplicate 0, skipped 0" ingest.err || fail "ingest: $(cat ingest.err)"
python3 - a.db c.db <<'PY' || fail "rows differ between the run's database and the ingested one"
import sqlite3, sys
cols = ("alert_id, ts, ts_us, event, event_type, signature_id, gid, rev, signature, category,"
        " severity, src_ip, src_port, dest_ip, dest_port, proto, flow_id, sensor, source, doc")
def rows(p):
    c = sqlite3.connect("file:%s?mode=ro" % p, uri=True)
    return c.execute("SELECT %s FROM alerts ORDER BY alert_id" % cols).fetchall()
a, b = rows(sys.argv[1]), rows(sys.argv[2])
sys.exit(0 if a == b and len(a) > 0 else 1)
PY
"$P" ingest --db c.db a.jsonl 2> ingest2.err || fail "second ingest exit $?"
grep -qx "seqwatch ingest: loaded 0, duplicate $n, skipped 0" ingest2.err || fail "second ingest: $(cat ingest2.err)"

# output formats
"$P" query --db a.db --format csv > q.csv || fail "csv"
[ "$(grep -c $'\r$' q.csv)" -eq $((n + 1)) ] || fail "csv: want $((n + 1)) CRLF lines"
head -1 q.csv | grep -q '^alert_id,timestamp,event_type,event,signature_id,' || fail "csv header"
"$P" query --db a.db --format json | python3 -c "import json,sys; d=json.load(sys.stdin); sys.exit(0 if len(d)==$n else 1)" || fail "json"
"$P" query --db a.db --format table > q.txt || fail "table"
[ "$(tail -1 q.txt)" = "($n alerts)" ] || fail "table footer: $(tail -1 q.txt)"
head -1 q.txt | grep -q '^time (UTC) ' || fail "table header"
"$P" query --db a.db > q.default || fail "default format"
cmp -s q.default q.jsonl || fail "default format off a terminal is not jsonl"
"$P" query --db a.db --limit 3 --format jsonl | cmp -s - <(tail -3 q.jsonl) || fail "--limit 3"
"$P" query --db a.db --stats --format json | python3 -c "import json,sys; sys.exit(0 if json.load(sys.stdin)['total']==$n else 1)" || fail "stats total"
"$P" query --db a.db --sensor nobody --format jsonl | cmp -s - /dev/null || fail "--sensor filter"
"$P" query --db a.db --format xml 2>/dev/null; [ $? = 2 ] || fail "bad --format is not a usage error"
"$P" query --db missing.db 2>err; [ $? = 1 ] || fail "missing database: exit"
grep -q "^seqwatch query: .*missing.db: no such database" err || fail "missing database: $(cat err)"
[ ! -e missing.db ] || fail "query created a database"

# show, by a prefix of an id
id=$(head -1 a.jsonl | python3 -c 'import json,sys; print(json.load(sys.stdin)["alert_id"])')
"$P" show --db a.db "${id:0:13}" > show.txt || fail "show exit $?"
grep -qx "alert     $id" show.txt || fail "show: id line"
grep -q '^ladder' show.txt || fail "show: no ladder section"
"$P" show --db a.db --json "$id" | python3 -c "import json,sys; sys.exit(0 if json.load(sys.stdin)['alert_id']=='$id' else 1)" || fail "show --json"
"$P" show --db a.db ffffffff-ffff 2>/dev/null; [ $? = 1 ] || fail "show of an unknown id"
echo "ok: $n alerts round-tripped"
