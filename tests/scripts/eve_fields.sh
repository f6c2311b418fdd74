#!/bin/bash
# eve_fields.sh — the EVE fields other tools join on, checked on real runs:
#  - flow_id below 2^51 (exact in jq 1.6 / JavaScript doubles) and the same in two runs;
#  - host (not sensor) = --sensor; pcap_filename = the file read (absent for stdin);
#  - pcap_cnt = the number of the frame whose time is the alert's trigger packet
#    (frames counted independently here from the pcap file);
#  - community_id = Community ID v1 computed here independently (python hashlib);
#  - run_id: two captures into one database, `query --run N` and `--community-id`
#    find each run's own alerts; a bad --community-id is refused (exit 2).
set -u
. "$(dirname "$0")/lib/hostile_common.sh"
[ -x "$MKA" ] || fail "tool not built: $MKA"
"$MKA" a.pcap 300 > /dev/null || fail "mkalerts a"
"$MKA" b.pcap 40 > /dev/null || fail "mkalerts b"
"$P" run -r a.pcap --no-db --json r1.jsonl --sensor edge-1 -q || fail "run 1"
"$P" run -r a.pcap --no-db --json r2.jsonl --sensor edge-1 -q || fail "run 2"
"$P" run -r - --no-db --json r3.jsonl -q < b.pcap || fail "run from stdin"

python3 - a.pcap r1.jsonl r2.jsonl r3.jsonl <<'PY' || fail "fields"
import base64, hashlib, ipaddress, json, struct, sys
pcap, j1, j2, j3 = sys.argv[1:5]
# frame times, numbered from 1 (classic pcap, microsecond or nanosecond magic)
data = open(pcap, "rb").read()
magic = data[:4]
end = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
nano = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
off, times = 24, [None]
while off + 16 <= len(data):
    sec, frac, incl, _ = struct.unpack(end + "IIII", data[off:off + 16])
    times.append(sec * 1000000 + (frac // 1000 if nano else frac))
    off += 16 + incl

def cid(src, dst, sp, dp, proto=6):
    a, b = ipaddress.ip_address(src).packed, ipaddress.ip_address(dst).packed
    if (a, sp) > (b, dp):
        a, b, sp, dp = b, a, dp, sp
    h = hashlib.sha1(struct.pack("!H", 0) + a + b + struct.pack("!BBHH", proto, 0, sp, dp))
    return "1:" + base64.b64encode(h.digest()).decode()

d1 = [json.loads(l) for l in open(j1)]
d2 = [json.loads(l) for l in open(j2)]
assert d1, "no alerts"
assert [d["flow_id"] for d in d1] == [d["flow_id"] for d in d2], "flow_id differs between runs"
checked = 0
for d in d1:
    assert 0 < d["flow_id"] < 2 ** 51, d["flow_id"]
    assert d["host"] == "edge-1" and "sensor" not in d, d.get("host")
    assert d["pcap_filename"] == "a.pcap", d.get("pcap_filename")
    assert d["community_id"] == cid(d["src_ip"], d["dest_ip"], d["src_port"], d["dest_port"]), d
    n = d["pcap_cnt"]
    assert 1 <= n < len(times), n
    trig = [p for p in d["hijack"]["packets"] if p.get("trigger")]
    if trig:
        assert times[n] == trig[0]["ts_us"], ("pcap_cnt", n, times[n], trig[0]["ts_us"], d["hijack"]["event"])
        checked += 1
assert checked > 0, "no alert with a trigger packet"
for l in open(j3):
    assert "pcap_filename" not in json.loads(l), "pcap_filename for stdin"
print("   %d alerts: flow_id < 2^51 and stable, host, pcap_filename, community_id ok; "
      "pcap_cnt = trigger frame for %d" % (len(d1), checked))
PY
echo "ok: EVE fields"

# with worker threads the frame numbers travel through the rings: the same pcap_cnt
"$P" run -r a.pcap --no-db --json w2.jsonl --sensor edge-1 -q --workers 2 || fail "run --workers 2"
python3 - r1.jsonl w2.jsonl <<'PY' || fail "pcap_cnt with --workers 2"
import json, sys
a, b = ([sorted((d["alert_id"], d["pcap_cnt"]) for d in map(json.loads, open(f)))] for f in sys.argv[1:3])
assert a == b, "pcap_cnt differs with --workers 2"
PY
echo "ok: pcap_cnt the same with --workers 2"

"$P" run -r a.pcap --db x.db --no-json -q || fail "db run a"
"$P" run -r b.pcap --db x.db --no-json -q --sensor edge-2 || fail "db run b"   # b.pcap repeats a.pcap's first connections: another sensor, other alert ids
n1=$("$P" query --db x.db --run 1 --format jsonl | wc -l)
n2=$("$P" query --db x.db --run 2 --format jsonl | wc -l)
[ "$n1" -eq "$(wc -l < r1.jsonl)" ] && [ "$n2" -eq "$(wc -l < r3.jsonl)" ] ||
  fail "query --run: $n1 / $n2, want $(wc -l < r1.jsonl) / $(wc -l < r3.jsonl)"
src=$(sqlite3 x.db "SELECT r.source FROM alerts a JOIN runs r ON r.id = a.run_id WHERE a.run_id = 2 LIMIT 1")
[ "$src" = b.pcap ] || fail "run 2 source: $src"
c=$(head -1 r3.jsonl | python3 -c "import json,sys; print(json.load(sys.stdin)['community_id'])")
want=$(grep -c "\"community_id\":\"$c\"" r1.jsonl r3.jsonl | awk -F: '{s+=$2} END {print s}')
got=$("$P" query --db x.db --community-id "$c" --format jsonl | wc -l)
[ "$got" -eq "$want" ] || fail "--community-id $c: $got, want $want"
"$P" query --db x.db --community-id 1:nonsense 2> e.err; rc=$?
[ "$rc" -eq 2 ] || fail "bad --community-id: exit $rc"
echo "ok: run_id (run 1: $n1 alerts, run 2: $n2 from $src), --community-id finds $got"

# a gzip-compressed capture (libpcap cannot read one; seqwatch reads it through zlib):
# the same alerts as the plain file; a cut-short .gz is an error after what was read
gzip -c a.pcap > a.pcap.gz
"$P" run -r a.pcap.gz --no-db --json gz.jsonl --sensor edge-1 -q || fail "run .gz"
cmp -s <(sed 's/"pcap_filename":"[^"]*",//' gz.jsonl) <(sed 's/"pcap_filename":"[^"]*",//' r1.jsonl) ||
  fail "the .gz capture gave other alerts"
head -c 4000 a.pcap.gz > cut.pcap.gz
"$P" run -r cut.pcap.gz --no-db --json cut.jsonl -q 2> cut.err; rc=$?
[ "$rc" -eq 1 ] && grep -q "cut.pcap.gz: capture file damaged" cut.err || fail "cut .gz: exit $rc: $(cat cut.err)"
echo "ok: .gz capture: $(wc -l < gz.jsonl) alerts as from the plain file; cut short: exit 1 after $(wc -l < cut.jsonl) alerts"
