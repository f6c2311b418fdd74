#!/usr/bin/env python3
"""eve_tool.py — helpers of the suricata tests (tests/suricata/*.sh).

  alerts FILE            the seqwatch alert set of a JSON-lines file (seqwatch's own
                         output or Suricata's eve.json): one sorted line per alert,
                         event sid src sport dst dport conn_instance timestamp
                         (a folded alert's closing update, hijack.fold.final, is not
                         an alert of its own: see `updates`)
  updates FILE           the closing updates: the alert's line and "count=N"
  rows FILE              the alerts as a database holds them: one line per alert_id
                         (a closing update replaces its alert's row), as `alerts`
  flowcheck EVE          every seqwatch alert's flow_id is the flow_id of Suricata's
                         flow record of that connection (same 5-tuple, either
                         direction); prints problems, exit 1 if any
  counts EVE             "decoder_pkts fed pseudo inner bypassed fragments rebuilt" from the last stats
                         record (totals)
  fields EVE KEY...      exit 1 unless every seqwatch alert has every KEY
"""
import json
import sys


def records(path):
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                yield json.loads(line)
            except ValueError as e:
                sys.exit("%s:%d: not JSON: %s" % (path, n, e))


def sw_records(path):
    return [d for d in records(path) if "hijack" in d and d.get("event_type") in ("alert", "anomaly")]


def is_update(d):
    return bool((d["hijack"].get("fold") or {}).get("final"))


def sw_alerts(path):
    return [d for d in sw_records(path) if not is_update(d)]


def key(d):
    h = d["hijack"]
    return "%s %s %s %s %s %s %s %s" % (h.get("event"), d.get("alert", {}).get("signature_id"),
                                       d.get("src_ip"), d.get("src_port"), d.get("dest_ip"),
                                       d.get("dest_port"), h.get("conn_instance"), d.get("timestamp"))


def main():
    cmd, path = sys.argv[1], sys.argv[2]
    if cmd == "alerts":
        for k in sorted(key(d) for d in sw_alerts(path)):
            print(k)
    elif cmd == "rows":
        by_id = {}
        for d in sw_records(path):
            by_id[d.get("alert_id")] = d
        for k in sorted(key(d) for d in by_id.values()):
            print(k)
    elif cmd == "updates":
        for k in sorted("%s count=%s" % (key(d), d["hijack"]["fold"].get("count"))
                        for d in sw_records(path) if is_update(d)):
            print(k)
    elif cmd == "flowcheck":
        flows = {}
        for d in records(path):
            if d.get("event_type") == "flow" and d.get("proto") == "TCP":
                a = (d["src_ip"], d["src_port"], d["dest_ip"], d["dest_port"])
                b = (d["dest_ip"], d["dest_port"], d["src_ip"], d["src_port"])
                flows.setdefault(a, set()).add(d["flow_id"])
                flows.setdefault(b, set()).add(d["flow_id"])
        bad = 0
        alerts = sw_alerts(path)
        for d in alerts:
            t = (d["src_ip"], d["src_port"], d["dest_ip"], d["dest_port"])
            if d["flow_id"] not in flows.get(t, set()):
                bad += 1
                print("flow_id %s of %s (%s) is not Suricata's flow record of %s (%s)" %
                      (d["flow_id"], d["hijack"]["event"], d["timestamp"], t, sorted(flows.get(t, []))))
        print("%d alerts, %d with Suricata's flow_id" % (len(alerts), len(alerts) - bad))
        sys.exit(1 if bad else 0)
    elif cmd == "counts":
        last = None
        for d in records(path):
            if d.get("event_type") == "stats":
                last = d["stats"]
        if last is None:
            sys.exit("%s: no stats record" % path)
        s = last.get("seqwatch", {})
        dfr = last.get("defrag", {})
        rebuilt = sum(dfr.get(v, {}).get("reassembled", 0) for v in ("ipv4", "ipv6"))
        print(last["decoder"]["pkts"], s.get("packets", -1), s.get("pseudo_skipped", -1),
              s.get("inner_skipped", -1), s.get("bypassed_flows", -1), s.get("fragments_skipped", -1),
              rebuilt)
    elif cmd == "fields":
        bad = 0
        for d in sw_alerts(path):
            miss = [k for k in sys.argv[3:] if k not in d]
            if miss:
                bad += 1
                print("%s (%s) lacks %s" % (d["hijack"]["event"], d["timestamp"], ",".join(miss)))
        sys.exit(1 if bad else 0)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
