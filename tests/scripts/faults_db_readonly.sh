#!/bin/bash
# faults_db_readonly.sh — the alert database becomes read-only (as root: the small
# tmpfs holding it is remounted read-only; otherwise: the file is chmod 0444):
#  1. it is made writable again while seqwatch is still reading a (slowly fed)
#     capture: the sensor kept going, JSON lines were written meanwhile, and every
#     queued alert is committed after the recovery; exit 0;
#  2. it stays read-only: the run ends with exit 1 and one clear line saying how many
#     alerts could not be written and that the JSON lines have them; they do.
set -u
. "$(dirname "$0")/lib/hostile_common.sh"
[ -x "$MKA" ] || fail "tool not built: $MKA"
"$MKA" t.pcap 600 > /dev/null || fail "mkalerts"
if [ "$(id -u)" -eq 0 ]; then
  mount_tmpfs "$T/d" 64m || { echo "SKIP: mounting a tmpfs is not permitted here"; exit 77; }
  make_ro() { mount -o remount,ro "$T/d"; }
  make_rw() { mount -o remount,rw "$T/d"; }
  how="tmpfs remounted read-only"
else
  mkdir -p d
  make_ro() { chmod 0444 d/a.db; }
  make_rw() { chmod 0644 d/a.db; }
  how="file mode 0444"
fi
"$P" run -r t.pcap --db d/a.db --no-json -q --sensor first || fail "first run: exit $?"

# 1. read-only, then writable again while the capture is still being read
make_ro || fail "make read-only"
python3 "$FEED" t.pcap 400 0.4 0 | "$P" run -r - --db d/a.db --json b.jsonl --sensor ro -q 2> err &
PIDS="$!"
wait_for err "database d/a\\.db: .*read-only" 10 || fail "no read-only notice: $(cat err)"
n1=$(lines b.jsonl); n2=$(wait_lines_above b.jsonl "$n1" 10)
[ "$n2" -gt "$n1" ] || fail "the sensor stopped writing JSON lines while the database was read-only ($n1 -> $n2)"
make_rw || fail "make writable"
wait $PIDS; rc=$?
[ "$rc" -eq 0 ] || fail "recovery run: exit $rc: $(cat err)"
grep -q "writable again" err || fail "no recovery notice: $(cat err)"
[ "$(lines b.jsonl)" -eq 600 ] || fail "JSON lines: $(lines b.jsonl)"
[ "$(db_count d/a.db ro)" -eq 600 ] || fail "database after recovery: $(db_count d/a.db ro) of 600"
echo "ok: read-only ($how) then writable: JSON lines grew meanwhile ($n1 -> $n2), all 600 committed afterwards"
echo "   stderr: $(tr '\n' '|' < err)"

# 2. read-only to the end
make_ro || fail "make read-only"
"$P" run -r t.pcap --db d/a.db --json c.jsonl --sensor ro2 -q 2> err; rc=$?
[ "$rc" -eq 1 ] || fail "stays read-only: exit $rc, want 1"
grep -q "^seqwatch run: 600 alert(s) could not be written to the database (.*read-only.*); the JSON lines output has them\$" err ||
  fail "message: $(cat err)"
[ "$(lines c.jsonl)" -eq 600 ] || fail "JSON lines: $(lines c.jsonl)"
make_rw
[ "$(db_count d/a.db ro2)" -eq 0 ] || fail "rows appeared in a read-only database"
echo "ok: read-only to the end: exit 1, $(tail -1 err)"
