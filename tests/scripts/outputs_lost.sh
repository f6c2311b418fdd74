#!/bin/bash
# outputs_lost.sh — nothing is lost silently on any output. For each failure the run
# must exit non-zero, say once on stderr which output failed and why, and count per
# output in --summary-json; and in every case
#     alerts found in the outputs + alerts reported in neither = alerts raised.
# Cases: a full 1 MiB tmpfs for the JSON lines alone, the database alone and both
# together; /dev/full as stdout; a closed stdout; the files made read-only mid-run
# (`chattr +i`: root ignores permission bits, and a remount read-only is refused
# while files are open for writing); a full disk
# that gets room again, recovered by SIGHUP; --summary-json and query on /dev/full;
# `seqwatch streams` on a full disk. Needs root to mount a tmpfs, else skipped (77).
set -u
. "$(dirname "$0")/lib/hostile_common.sh"
[ -x "$MKA" ] || fail "tool not built: $MKA"
mount_tmpfs "$T/d" 1m || { echo "SKIP: mounting a tmpfs is not permitted here"; exit 77; }
"$MKA" t.pcap 3000 > /dev/null || fail "mkalerts"

# check NAME JSONL DB: the invariant, from NAME.sum; JSONL or DB may be "-" (unused).
# The JSON lines must be whole lines, except at most one cut line at the very end.
check() {
  python3 - "$@" <<'PY' || exit 1
import json, sqlite3, sys, os
name, jpath, dbpath = sys.argv[1:4]
s = json.load(open(name + ".sum"))
o = s["outputs"]
ids = set()
if jpath != "-":
    data = open(jpath, "rb").read() if os.path.exists(jpath) else b""
    lines = data.split(b"\n")
    tail = lines.pop()                # after the last newline: empty or a cut line
    whole = [l for l in lines if l]
    for l in whole:
        ids.add(json.loads(l)["alert_id"])
    cut = 1 if tail else 0
    assert len(whole) == o["json"]["written"], ("json lines", len(whole), o["json"])
    assert o["json"]["written"] + o["json"]["failed"] == s["outputs"]["records"], o
    if cut:
        print("   (%s: one cut line at the end, counted as failed)" % jpath)
if dbpath != "-":
    n = 0
    if os.path.exists(dbpath):
        c = sqlite3.connect("file:%s?mode=ro" % dbpath, uri=True, timeout=20)
        if c.execute("SELECT 1 FROM sqlite_master WHERE name = 'alerts'").fetchone():
            rows = [r[0] for r in c.execute("SELECT alert_id FROM alerts")]
            n = len(rows)
            ids.update(rows)
    assert n == o["db"]["written"], ("db rows", n, o["db"])
    assert o["db"]["written"] + o["db"]["failed"] == o["records"], o
raised = s["alerts"] + s["anomalies"]
assert o["records"] == raised, (o, raised)
assert len(ids) + o["lost"] == raised, ("in outputs", len(ids), "lost", o["lost"], "raised", raised)
print("   %s: raised %d = in outputs %d + in neither %d; %s" % (name, raised, len(ids), o["lost"], o))
PY
}
# rc_is WANT NAME: the exit status saved in NAME.rc
rc_is() { [ "$(cat "$2.rc")" -eq "$1" ] || fail "$2: exit $(cat "$2.rc"), want $1: $(cat "$2.err")"; }
refill() { umount "$T/d"; MOUNTS=${MOUNTS/"$T/d "/}; mount_tmpfs "$T/d" "$1" || fail "remount"; }

# 1. JSON lines alone on the full disk
"$P" run -r t.pcap --no-db --json d/a.jsonl -q --summary-json a.sum 2> a.err; echo $? > a.rc
rc_is 1 a
[ "$(grep -c 'JSON output d/a.jsonl: write failed.*No space left on device' a.err)" -eq 1 ] ||
  fail "want one failure notice with path and reason: $(cat a.err)"
grep -q "alert(s) not written; they are in neither output" a.err || fail "message: $(cat a.err)"
check a d/a.jsonl -
echo "ok: JSON lines alone on a full disk: exit 1, $(grep -c . a.err) lines on stderr"

# 2. the database alone on the full disk
refill 1m
"$P" run -r t.pcap --db d/b.db --no-json -q --summary-json b.sum 2> b.err; echo $? > b.rc
rc_is 1 b
grep -Eq "could not be written to the database \(.*full.*\); they are in neither output" b.err ||
  fail "message: $(cat b.err)"
check b - d/b.db
echo "ok: database alone on a full disk: exit 1"

# 3. both on the full disk: no claim that the JSON lines have what they lack
refill 1m
"$P" run -r t.pcap --db d/c.db --json d/c.jsonl -q --summary-json c.sum 2> c.err; echo $? > c.rc
rc_is 1 c
grep -q "the JSON lines output has them" c.err && fail "false claim: $(cat c.err)"
grep -Eq "[0-9]+ of them are in the JSON lines output, [0-9]+ are in neither output" c.err ||
  fail "message: $(cat c.err)"
check c d/c.jsonl d/c.db
echo "ok: both on a full disk: exit 1, $(grep 'neither output' c.err | tail -1)"

# 4. the database full, the JSON lines elsewhere: the fallback claim is true here
refill 1m
"$P" run -r t.pcap --db d/e.db --json e.jsonl -q --summary-json e.sum 2> e.err; echo $? > e.rc
rc_is 1 e
grep -Eq "could not be written to the database .*; the JSON lines output has them$" e.err ||
  fail "message: $(cat e.err)"
check e e.jsonl d/e.db

# 5. stdout is /dev/full, and stdout closed
"$P" run -r t.pcap --no-db -q --summary-json f.sum > /dev/full 2> f.err; echo $? > f.rc
rc_is 1 f
grep -q "JSON output stdout: write failed.*No space left on device" f.err || fail "$(cat f.err)"
python3 -c "import json,sys; o=json.load(open('f.sum'))['outputs']; sys.exit(not (o['json']['written']==0 and o['lost']==o['records']>0))" ||
  fail "/dev/full counts: $(cat f.sum)"
"$P" run -r t.pcap --no-db -q --summary-json g.sum >&- 2> g.err; echo $? > g.rc
rc_is 1 g
grep -q "JSON output stdout: write failed.*Bad file descriptor" g.err || fail "$(cat g.err)"
python3 -c "import json,sys; o=json.load(open('g.sum'))['outputs']; sys.exit(not (o['lost']==o['records']>0))" ||
  fail "closed stdout counts: $(cat g.sum)"
echo "ok: stdout on /dev/full and closed: exit 1, every alert counted as lost"

# 6. the summary itself and query output on /dev/full; a closed stdout for query
"$P" run -r t.pcap --no-db --no-json -q --summary-json - > /dev/full 2> h.err; echo $? > h.rc
rc_is 1 h
grep -q "cannot write summary to stdout: No space left on device" h.err || fail "$(cat h.err)"
"$P" run -r t.pcap --db q.db --no-json -q 2>/dev/null || fail "query db"
"$P" query --db q.db > /dev/full 2> i.err; echo $? > i.rc
rc_is 1 i
[ "$(grep -c 'No space left on device' i.err)" -eq 1 ] || fail "query: $(cat i.err)"
"$P" query --db q.db >&- 2> j.err; echo $? > j.rc
rc_is 1 j
grep -q "Bad file descriptor" j.err || fail "query, closed stdout: $(cat j.err)"
echo "ok: summary and query output on /dev/full / closed stdout: exit 1, one message"

# 7. the files made read-only mid-run: `chattr +i` on the JSON lines file and the
#    database's files while seqwatch has them open (root ignores permission bits,
#    and a remount read-only is refused while files are open for writing). ext4
#    refuses writes to an immutable file even through an open descriptor, tmpfs
#    does not: the case runs in the scratch directory if its file system does.
immutable_stops_writes() {
  python3 - <<'PY'
import os, subprocess, sys
fd = os.open("probe", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
if subprocess.run(["chattr", "+i", "probe"], capture_output=True).returncode:
    sys.exit(1)
try:
    os.write(fd, b"x"); ok = 1
except OSError:
    ok = 0
subprocess.run(["chattr", "-i", "probe"]); os.unlink("probe")
sys.exit(ok)
PY
}
if immutable_stops_writes; then
  mkdir -p x
  python3 "$FEED" t.pcap 300 0.3 0 | "$P" run -r - --db x/k.db --json x/k.jsonl -q --summary-json k.sum 2> k.err &
  PIDS="$!"
  for i in $(seq 100); do [ "$(lines x/k.jsonl)" -gt 200 ] && [ -f x/k.db-wal ] && break; sleep 0.1; done
  [ "$(lines x/k.jsonl)" -gt 200 ] || fail "no JSON lines before chattr"
  chattr +i x/k.jsonl x/k.db x/k.db-wal || fail "chattr"
  wait $PIDS; echo $? > k.rc; PIDS=""
  chattr -i x/k.jsonl x/k.db x/k.db-wal
  rc_is 1 k
  grep -q "JSON output x/k.jsonl: write failed.*Operation not permitted" k.err || fail "$(cat k.err)"
  check k x/k.jsonl x/k.db
  echo "ok: files made immutable mid-run (chattr +i): exit 1"
else
  echo "skipped: files made immutable mid-run ($(stat -f -c %T .) lets an open descriptor write to an immutable file)"
fi

# 8. a full disk that gets room again: the JSON output stays failed until SIGHUP,
#    then writes again; the file has no half line glued to a later one
refill 8m
head -c 8000k /dev/zero > d/filler 2>/dev/null   # about 190 KB left
python3 "$FEED" t.pcap 200 0.3 0 | "$P" run -r - --no-db --json d/m.jsonl -q --summary-json m.sum 2> m.err &
PIDS="$!"
wait_for m.err "JSON output d/m.jsonl: write failed" 20 || fail "no failure notice: $(cat m.err)"
sleep 0.5
rm -f d/filler
n1=$(lines d/m.jsonl); sleep 1; n2=$(lines d/m.jsonl)
[ "$n1" -eq "$n2" ] || fail "a failed output kept writing without a reopen ($n1 -> $n2)"
kill -HUP "$PIDS"
wait_for m.err "reopened, alerts are written again" 10 || fail "no reopen notice: $(cat m.err)"
wait $PIDS; echo $? > m.rc; PIDS=""
rc_is 1 m
python3 - d/m.jsonl m.sum <<'PY' || fail "after the reopen"
import json, sys
s = json.load(open(sys.argv[2]))["outputs"]
whole = cut = 0
for l in open(sys.argv[1], "rb").read().split(b"\n"):
    if not l:
        continue
    try:
        json.loads(l); whole += 1
    except ValueError:
        cut += 1
        print("   cut line:", l[:60], "...", l[-40:])
assert whole == s["json"]["written"] and cut <= 1, (whole, cut, s)
assert s["json"]["failed"] > 0 and whole > 0 and whole + s["json"]["failed"] == s["records"], s
print("   after SIGHUP: %d whole lines, %d cut line, %d failed while full" % (whole, cut, s["json"]["failed"]))
PY
echo "ok: full, then room and SIGHUP: the output recovered"

# 9. seqwatch streams on a full disk: exit 1 with the file and the reason
refill 64k
"$P" streams -r t.pcap -o d/s --manifest d/manifest.json -q 2> n.err; echo $? > n.rc
rc_is 1 n
grep -q "No space left on device" n.err || fail "streams: $(cat n.err)"
echo "ok: streams on a full disk: $(cat n.err)"
