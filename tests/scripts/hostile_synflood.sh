#!/bin/bash
# hostile_synflood.sh — a SYN flood from 1M spoofed sources (SW_HOSTILE_N to change)
# through a flow table capped at 100000 flows, with four legitimate connections
# talking all through it and an injection on one of them near the end.
# Asserts: the cap holds (every flow beyond the cap evicted and counted: flows -
# evicted = the cap), the legitimate connections are never evicted (no midstream
# re-pickup, all four handshakes, all four closed, every byte of both directions
# reassembled without a gap by `seqwatch streams`), and the injection on one of them
# is still detected. Prints peak RSS and time per packet for a control capture of the
# same size (well-behaved connections) and for the flood.
set -u
. "$(dirname "$0")/lib/hostile_common.sh"
N=${SW_HOSTILE_N:-1000000}
CAP=100000

"$MKH" benign control.pcap "$N" > control.json || fail "mkhostile benign"
"$MKH" synflood flood.pcap "$N" > flood.json || fail "mkhostile synflood"
run control control.pcap --max-flows $CAP
run flood flood.pcap --max-flows $CAP

flows=$(sj flood 'd["flows"]'); evicted=$(sj flood 'd["flows_evicted"]'); tout=$(sj flood 'd["flows_timed_out"]')
[ "$flows" -eq $((N + 4)) ] || fail "flows $flows, want $((N + 4)) (every spoofed SYN a flow, plus 4)"
[ $((flows - evicted - tout)) -le $CAP ] || fail "flows left in the table: $((flows - evicted - tout)) > $CAP"
[ "$evicted" -eq $((flows - CAP)) ] || fail "evicted $evicted, want $((flows - CAP)) (the cap is reached and held)"
[ "$(sj flood 'd["tcp_connections"]')" -eq "$flows" ] || fail "tcp_connections"
[ "$(sj flood 'd["connections"]["midstream"]')" -eq 0 ] || fail "a legitimate connection was evicted (midstream pickup)"
[ "$(sj flood 'd["connections"]["handshake_completed"]')" -eq 4 ] || fail "handshakes: $(sj flood 'd["connections"]')"
[ "$(sj flood 'd["connections"]["closed"]')" -eq 4 ] || fail "closed: $(sj flood 'd["connections"]')"
[ "$(alerts_on flood 10.9.0.1 50000 overlap_mismatch)" -ge 1 ] || fail "the injection during the flood was not detected"
[ "$(alerts_on control 10.9.0.1 50000 overlap_mismatch)" -ge 1 ] || fail "the injection in the control was not detected"

# every byte of the legitimate connections is reassembled (none lost to eviction)
"$P" streams -r flood.pcap -o streams --max-flows $CAP -q > manifest.jsonl || fail "streams exit $?"
python3 - manifest.jsonl flood.json <<'PY' || fail "legitimate streams incomplete"
import json, sys
man = [json.loads(l) for l in open(sys.argv[1])]
m = json.load(open(sys.argv[2]))
for c in m["legit"]:
    for d, key in (("c2s", "c2s_bytes"), ("s2c", "s2c_bytes")):
        rows = [r for r in man if r["dir"] == d and r["src_port" if d == "c2s" else "dest_port"] == c["src_port"]
                and c["src_ip"] in (r["src_ip"], r["dest_ip"])]
        if len(rows) != 1 or rows[0]["bytes"] != c[key] or rows[0]["gaps"] != 0 or rows[0]["midstream"]:
            print("connection %s:%d %s: %s, want %d bytes" % (c["src_ip"], c["src_port"], d, rows, c[key]))
            sys.exit(1)
PY

echo "figure: SYN flood, $N spoofed sources, --max-flows $CAP$BUILD_NOTE"
echo "  control ($N packets of well-behaved connections): $(figures control)"
echo "  flood: $(figures flood)"
echo "  flows $flows, evicted at the cap $evicted, legitimate connections intact (4/4, every byte, injection detected)"
echo "ok"
