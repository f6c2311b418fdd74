#!/bin/bash
# storage_kill9.sh — kill -9 of `seqwatch run` while it is committing: the database
# passes PRAGMA integrity_check, holds at least every row that was visible before the
# kill, every row is one of the alerts written as JSON lines, and every JSON line is
# complete.
set -u
. "$(dirname "$0")/lib/storage_common.sh"
need_alerts
cd "$T"
"$MK" t.pcap 4000 >/dev/null || fail "mkalerts"
mkfifo feed
python3 "$FEED" t.pcap 40 0.05 120 > feed & PIDS="$PIDS $!"
"$P" run -r feed --json k.jsonl --db k.db -q 2> run.err & pid=$!
seen=0
for _ in $(seq 1 600); do
  [ -f k.db ] && seen=$(db_rows k.db 2>/dev/null || echo 0)
  [ "${seen:-0}" -ge 100 ] && break
  sleep 0.1
done
[ "${seen:-0}" -ge 100 ] || fail "fewer than 100 rows committed after 60 s ($seen)"
kill -9 "$pid"; wait "$pid" 2>/dev/null
[ "$(db_integrity k.db)" = ok ] || fail "integrity_check after kill -9"
rows=$(db_rows k.db)
[ "$rows" -ge "$seen" ] || fail "$seen rows were committed before the kill, $rows after"
python3 - k.db k.jsonl <<'PY' || fail "database rows and JSON lines disagree"
import json, sqlite3, sys
docs = set()
for line in open(sys.argv[2]):
    json.loads(line)               # every line complete
    docs.add(line.rstrip("\n"))
c = sqlite3.connect(sys.argv[1])
for (d,) in c.execute("SELECT doc FROM alerts"):
    if d not in docs:
        sys.exit(1)
PY
"$P" query --db k.db --format jsonl > /dev/null || fail "query after kill -9"
echo "ok: $seen rows seen before the kill, $rows after, integrity ok"
