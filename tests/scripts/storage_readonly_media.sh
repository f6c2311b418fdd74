#!/bin/bash
# storage_readonly_media.sh — `query` and `show` on a database that cannot be written:
#  1. on a read-only file system (a tmpfs remounted read-only: a forensic copy), where
#     SQLite cannot create the WAL's -shm file: opened as immutable, every alert read;
#  2. a file the user may not read: "Permission denied", exit 1;
#  3. the query filters are refused before any database is opened (exit 2).
# Needs root (mount, and su to nobody for 2), else skipped.
set -u
. "$(dirname "$0")/lib/hostile_common.sh"
[ -x "$MKA" ] || fail "tool not built: $MKA"
mount_tmpfs "$T/m" 8m || { echo "SKIP: mounting a tmpfs is not permitted here"; exit 77; }
"$MKA" t.pcap 200 > /dev/null || fail "mkalerts"
"$P" run -r t.pcap --db m/a.db --no-json -q || fail "run"
[ ! -e m/a.db-shm ] || fail "the run left a -shm file (the case needs a closed database)"
mount -o remount,ro "$T/m" || fail "remount read-only"
n=$("$P" query --db m/a.db --format jsonl 2> q.err | wc -l)
[ "$n" -eq 200 ] || fail "query on read-only media: $n alerts: $(cat q.err)"
id=$("$P" query --db m/a.db --limit 1 --format jsonl | python3 -c "import json,sys; print(json.load(sys.stdin)['alert_id'])")
"$P" show --db m/a.db "$id" > s.out 2> s.err || fail "show on read-only media: $(cat s.err)"
grep -q "$id" s.out || fail "show output"
echo "ok: query ($n alerts) and show on a read-only file system"
mount -o remount,rw "$T/m"

cp m/a.db p.db && chmod 600 p.db
if id nobody > /dev/null 2>&1 && command -v su > /dev/null; then
  chmod 755 "$T"
  su nobody -s /bin/sh -c "'$P' query --db '$T/p.db'" > /dev/null 2> p.err; rc=$?
  [ "$rc" -eq 1 ] && grep -q "p.db: Permission denied" p.err || fail "unreadable database: exit $rc: $(cat p.err)"
  echo "ok: $(cat p.err)"
else
  echo "skipped: no 'nobody' user for the permission case"
fi

for a in "--event overlap_mismath" "--ip 10.0.0.300" "--src ::g" "--severity 4" "--severity 0" "--community-id 1:abc"; do
  # shellcheck disable=SC2086
  "$P" query --db nonexistent.db $a > /dev/null 2> f.err; rc=$?
  [ "$rc" -eq 2 ] || fail "query $a: exit $rc: $(cat f.err)"
done
"$P" query --db nonexistent.db --event overlap_mismath 2> f.err
grep -Fq "unknown event 'overlap_mismath' (see \`seqwatch events\`)" f.err || fail "message: $(cat f.err)"
echo "ok: bad filters refused with exit 2 ($(cat f.err))"
