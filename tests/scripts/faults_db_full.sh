#!/bin/bash
# faults_db_full.sh — the alert database is on a full disk (a 256 KiB tmpfs; needs
# root or a user namespace that may mount, else skipped):
#  1. the disk is enlarged while seqwatch is still reading a (slowly fed) capture: the
#     sensor kept going, the JSON lines (on another file system) have every alert, and
#     every alert is committed once there is room; exit 0;
#  2. the disk stays full: exit 1 and one clear line saying how many alerts could not
#     be written and that the JSON lines have them; they do.
set -u
. "$(dirname "$0")/lib/hostile_common.sh"
[ -x "$MKA" ] || fail "tool not built: $MKA"
mount_tmpfs "$T/d" 256k || { echo "SKIP: mounting a tmpfs is not permitted here"; exit 77; }
"$MKA" t.pcap 600 > /dev/null || fail "mkalerts"

# 1. full, then room again while the capture is still being read
python3 "$FEED" t.pcap 400 0.4 0 | "$P" run -r - --db d/a.db --json b.jsonl --sensor full -q 2> err &
PIDS="$!"
wait_for err "database d/a\\.db: .*full" 10 || fail "no disk-full notice: $(cat err)"
n1=$(lines b.jsonl); n2=$(wait_lines_above b.jsonl "$n1" 10)
[ "$n2" -gt "$n1" ] || fail "the sensor stopped writing JSON lines while the disk was full ($n1 -> $n2)"
mount -o remount,size=64m "$T/d" || fail "cannot enlarge the tmpfs"
wait $PIDS; rc=$?
[ "$rc" -eq 0 ] || fail "recovery run: exit $rc: $(cat err)"
[ "$(lines b.jsonl)" -eq 600 ] || fail "JSON lines: $(lines b.jsonl)"
[ "$(db_count d/a.db full)" -eq 600 ] || fail "database after recovery: $(db_count d/a.db full) of 600"
echo "ok: disk full then room again: JSON lines grew meanwhile ($n1 -> $n2), all 600 committed afterwards"
echo "   stderr: $(tr '\n' '|' < err)"

# 2. full to the end (a fresh 256 KiB file system)
umount "$T/d"
mount_tmpfs "$T/d" 256k || fail "remount"
"$P" run -r t.pcap --db d/a.db --json c.jsonl --sensor full2 -q 2> err; rc=$?
[ "$rc" -eq 1 ] || fail "stays full: exit $rc, want 1"
grep -Eq "^seqwatch run: [0-9]+ alert\\(s\\) could not be written to the database \\(.*full.*\\); the JSON lines output has them\$" err ||
  fail "message: $(cat err)"
lost=$(sed -nE 's/^seqwatch run: ([0-9]+) alert.*/\1/p' err)
[ "$(lines c.jsonl)" -eq 600 ] || fail "JSON lines: $(lines c.jsonl)"
written=$(db_count d/a.db full2) || fail "cannot read the database"
[ -n "$lost" ] && [ $((written + lost)) -eq 600 ] || fail "written $written + lost $lost != 600"
echo "ok: full to the end: exit 1, $written committed before the disk filled, $(tail -1 err)"
