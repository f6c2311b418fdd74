#!/bin/bash
# suricata_stream_ingest.sh — `seqwatch ingest` on an eve.json as Suricata itself
# writes it (issue 15): Debian's suricata, without the plugin, runs its own stream and
# decoder event rules (/etc/suricata/rules/{stream,decoder}-events.rules) over a few
# public captures and writes alert, anomaly, flow and stats records. The test counts
# those records itself and checks that ingest loads every alert and anomaly record,
# counts the others by type without calling them problems, that Suricata's stream
# signatures are found by `query --event` under the seqwatch event they map to, and
# that a second ingest of the same file loads nothing new.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
PC=$SHARED/pcaps/suricata-verify
[ -d "$PC" ] || { echo "SKIP: $PC not found (the shared public captures are not beside the repository)"; exit 77; }
rules=/etc/suricata/rules
[ -f "$rules/stream-events.rules" ] || fail "$rules/stream-events.rules missing (Debian's suricata package ships it)"
cat "$rules/stream-events.rules" "$rules/decoder-events.rules" >"$T/events.rules"
cat >"$T/s.yaml" <<'EOF'
%YAML 1.1
---
vars:
  address-groups:
    HOME_NET: "any"
    EXTERNAL_NET: "any"
stream:
  reassembly:
    check-overlap-different-data: true
outputs:
  - eve-log:
      enabled: yes
      filetype: regular
      filename: eve.json
      pcap-file: true
      types:
        - alert
        - anomaly
        - flow
        - stats:
            totals: yes
            threads: no
logging:
  default-log-level: notice
  outputs:
    - console:
        enabled: no
    - file:
        enabled: yes
        filename: suricata.log
EOF
: >"$T/eve.json"
for f in eve-overlap-payload-04-partial-overlap.pcap output-eve-anomaly-02.pcap \
         tcp-session-stream-out-of-window.pcap bug-8629-async-oneside.pcap security-4710-01.pcap \
         bug-3286-02-linux-evasion.pcap; do
  [ -f "$PC/$f" ] || fail "$PC/$f missing"
  rm -rf "$T/o"; mkdir -p "$T/o"
  "$SURI" -c "$T/s.yaml" -S "$T/events.rules" -r "$PC/$f" -l "$T/o" -k none >"$T/o/stdout" 2>&1 \
    || fail "suricata exited $? on $f: $(tail -n 3 "$T/o/stdout")"
  cat "$T/o/eve.json" >>"$T/eve.json"
done

# What the file holds, counted here: records loaded (alert + anomaly), the others by
# type, and the alerts of the stream signatures checked below.
read -r want_loaded others n_overlap n_rst < <(python3 - "$T/eve.json" <<'PY'
import collections, json, sys
c = collections.Counter(); sid = collections.Counter()
for line in open(sys.argv[1]):
    d = json.loads(line)
    c[d["event_type"]] += 1
    if d["event_type"] == "alert":
        sid[d["alert"]["signature_id"]] += 1
assert c["alert"] >= 5 and c["anomaly"] >= 1, c
assert sid[2210050] >= 1 and sid[2210058] >= 1, sid
others = ",".join("%s=%d" % (t, n) for t, n in sorted(c.items()) if t not in ("alert", "anomaly"))
print(c["alert"] + c["anomaly"], others, sid[2210050], sid[2210058])
PY
) || fail "eve.json does not hold the records this test needs"

"$P" ingest --db "$T/x.db" "$T/eve.json" >"$T/ing.out" 2>"$T/ing.err" || fail "ingest exited $?: $(cat "$T/ing.err")"
last=$(tail -1 "$T/ing.err")
python3 - "$last" "$want_loaded" "$others" <<'PY' || fail "ingest's closing line: $last (want loaded $want_loaded, $others)"
import re, sys
line, want, others = sys.argv[1], int(sys.argv[2]), sys.argv[3]
m = re.match(r"seqwatch ingest: loaded (\d+), duplicate (\d+), skipped (\d+); (\d+) records that are not alerts: (.*)$", line)
assert m, line
assert int(m.group(1)) == want and m.group(2) == "0" and m.group(3) == "0", line
got = dict((k, int(v)) for k, v in (x.strip().split(" ") for x in m.group(5).split(",")))
exp = dict((k, int(v)) for k, v in (x.split("=") for x in others.split(",")))
assert got == exp and int(m.group(4)) == sum(exp.values()), (got, exp)
PY
[ "$(wc -l <"$T/ing.err")" = 1 ] || fail "ingest printed problems for records that are not alerts: $(cat "$T/ing.err")"

# Suricata's stream signatures under the seqwatch events they mean (storage/eve_map.c)
got=$("$P" query --db "$T/x.db" --event overlap_mismatch --format jsonl | grep -c '"signature_id":2210050')
[ "$got" = "$n_overlap" ] || fail "query --event overlap_mismatch: $got Suricata alerts, want $n_overlap"
got=$("$P" query --db "$T/x.db" --event rst_injection --format jsonl | grep -c '"signature_id":2210058')
[ "$got" = "$n_rst" ] || fail "query --event rst_injection: $got Suricata alerts, want $n_rst"
got=$("$P" query --db "$T/x.db" --source suricata --format jsonl | grep -c '"event_type":"anomaly"')
[ "$got" -ge 1 ] || fail "no anomaly record in the database"

# idempotent: the same file again loads nothing new
"$P" ingest --db "$T/x.db" "$T/eve.json" >/dev/null 2>"$T/ing2.err" || fail "second ingest exited $?"
grep -q "loaded 0, duplicate $want_loaded, skipped 0" "$T/ing2.err" || fail "second ingest: $(tail -1 "$T/ing2.err")"
echo "ok: $want_loaded Suricata alert/anomaly records ingested ($others not alerts), overlap $n_overlap, rst $n_rst"
