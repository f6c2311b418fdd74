#!/bin/bash
# hostile_rststorm.sh — an alert flood attempt: 200000 forged RSTs (SW_HOSTILE_N) with
# random sequence numbers, spread over 150 s of packet time, at eight established
# connections (both directions) that keep talking; an injection on one of them near
# the end. Every forged RST is an event (rst_out_of_window, the foreign TTL, the
# burst as blind_spray), and the default rules' thresholds (limit, by_flow, 1 per
# 60 s) turn them into a bounded number of alerts.
# Asserts: for every thresholded rule, at most ceil(150/60) + 1 alerts per flow; the
# rest counted in alerts_suppressed; the total alert count bounded by flows x rules x
# windows; the connections survive (no reset, no gap, all closed) and the injection is
# still detected. Prints time per packet for the storm and for a control capture.
set -u
. "$(dirname "$0")/lib/hostile_common.sh"
N=${SW_HOSTILE_N:-200000}

"$MKH" benign control.pcap "$N" > control.json || fail "mkhostile benign"
"$MKH" rststorm storm.pcap "$N" > storm.json || fail "mkhostile rststorm"
run control control.pcap
run storm storm.pcap

events=$(sj storm 'd["events"]'); alerts=$(sj storm 'd["alerts"]'); supp=$(sj storm 'd["alerts_suppressed"]')
[ "$events" -ge $((N / 2)) ] || fail "only $events events for $N forged RSTs"
[ "$supp" -gt 0 ] || fail "nothing suppressed"
[ $((alerts + supp)) -le "$events" ] || fail "alerts + suppressed > events"
[ "$(sj storm 'd["connections"]["reset"]')" -eq 0 ] || fail "a forged RST reset a connection"
[ "$(sj storm 'd["connections"]["closed"]')" -eq 8 ] || fail "connections: $(sj storm 'd["connections"]')"
[ "$(sj storm 'd["stream"]["gaps"]')" -eq 0 ] || fail "stream gaps"
[ "$(alerts_on storm 10.9.0.1 50000 overlap_mismatch)" -ge 1 ] || fail "the injection during the storm was missed"

# per rule and flow, the thresholds hold; in total, the alerts are bounded
python3 - storm.jsonl "$SRC/rules/default.rules" storm.json <<'PY' || fail "thresholds did not bound the alerts"
import collections, json, math, re, sys
alerts = [json.loads(l) for l in open(sys.argv[1])]
text = open(sys.argv[2]).read().replace("\\\n", " ")
limited = {}
for m in re.finditer(r"threshold:\s*type limit, track by_flow, count (\d+), seconds (\d+);[^)]*sid:(\d+);", text):
    limited[int(m.group(3))] = (int(m.group(1)), int(m.group(2)))
dur = json.load(open(sys.argv[3]))["duration_us"] / 1e6
per = collections.Counter((a["alert"]["signature_id"], a["flow_id"]) for a in alerts)
worst = 0
for (sid, flow), n in per.items():
    if sid in limited:
        count, secs = limited[sid]
        bound = count * (math.ceil(dur / secs) + 1)
        worst = max(worst, n)
        if n > bound:
            print("sid %d flow %d: %d alerts > bound %d" % (sid, flow, n, bound)); sys.exit(1)
sids = {sid for sid, _ in per}
flows = {flow for _, flow in per}
bound = len(flows) * len(sids) * (math.ceil(dur / 60) + 1)
print("  alerts by rule: %s; at most %d per rule and flow; bound %d" %
      (dict(collections.Counter(a["hijack"]["event"] for a in alerts)), worst, bound))
sys.exit(0 if len(alerts) <= bound else 1)
PY

echo "figure: forged-RST storm, $N RSTs over 150 s at 8 connections$BUILD_NOTE"
echo "  control ($N packets, well-behaved): $(figures control)"
echo "  storm: $(figures storm)"
echo "  events $events -> alerts $alerts, suppressed by thresholds $supp, threshold states evicted $(sj storm 'd["threshold_evictions"]')"
echo "ok"
