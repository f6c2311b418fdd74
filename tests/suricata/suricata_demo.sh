#!/bin/bash
# suricata_demo.sh — the demo capture through `suricata -r` with the plugin gives
# exactly the alerts `seqwatch run` gives; every alert carries Suricata's flow_id of
# its connection (the flow record's), the engine's own id as seqwatch_flow_id,
# pcap_cnt, and the host / pcap_filename Suricata adds; the packets fed equal
# Suricata's decoder.pkts; seqwatch's counters are in Suricata's stats.
. "$(dirname "$0")/lib.sh"
demo=$SRC/tests/traces/demo-hijack.pcap
mkyaml "$T/s.yaml"
suri "$T/s.yaml" "$demo" "$T/out" || exit 1
standalone "$demo" "$T/sa.json" || fail "seqwatch run: $(cat "$T/sa.json.err")"
$EVE alerts "$T/sa.json" >"$T/sa.set"
$EVE alerts "$T/out/eve.json" >"$T/pl.set"
n=$(wc -l <"$T/sa.set")
# the demo's incident: the forged segment's fingerprint alert, the overlap and the
# takeover verdict (docs/detections.md, "Alerts per attacked connection")
for ev in session_takeover overlap_mismatch; do
  grep -q "^$ev " "$T/sa.set" || fail "standalone gave no $ev on the demo"
done
diff "$T/sa.set" "$T/pl.set" || fail "the plugin's alerts differ from seqwatch run's (< standalone, > plugin)"
$EVE updates "$T/sa.json" >"$T/sa.upd"
$EVE updates "$T/out/eve.json" >"$T/pl.upd"
[ -s "$T/sa.upd" ] || fail "standalone wrote no closing update on the demo"
diff "$T/sa.upd" "$T/pl.upd" || fail "the plugin's closing updates differ from seqwatch run's"
echo "same $n alerts and $(wc -l <"$T/sa.upd") closing updates as seqwatch run"
$EVE flowcheck "$T/out/eve.json" || fail "alerts without Suricata's flow_id"
$EVE fields "$T/out/eve.json" flow_id seqwatch_flow_id pcap_cnt host pcap_filename || fail "EVE fields missing"
grep '"hijack"' "$T/out/eve.json" | grep -q '"host":"suricata-test"' || fail "host is not Suricata's sensor-name"
# seqwatch_flow_id is the id standalone seqwatch gives the connection... of this run
# (flow ids are keyed per run), so only its presence and shape are checked above.
read -r dec fed pseudo inner byp _ < <($EVE counts "$T/out/eve.json")
echo "decoder.pkts $dec, seqwatch.packets $fed, pseudo skipped $pseudo, inner skipped $inner"
[ "$fed" = "$dec" ] || fail "fed $fed packets, Suricata decoded $dec"
[ "$pseudo" -gt 0 ] || fail "no pseudo packet was skipped (Suricata sends flow-end ones)"
echo "PASS"
