#!/bin/bash
# suricata_inner.sh — tunnels and fragments, with `inner` off and on.
#  - demo-gre.pcap (the demo wrapped in GRE, tests/tools/mktunnel.py): seqwatch alone
#    does not decode GRE; the plugin with inner: no gives exactly what seqwatch run
#    gives, and counts the tunnel-inner packets it skipped; with inner: yes it is fed
#    Suricata's decoded inner packets and finds the demo's attack: the demo's alerts
#    except mac_change (the inner packet has no link header), in single and autofp.
#  - demo-frag.pcap (every packet of the demo in 16-byte IP fragments, same
#    timestamps): the plugin never feeds IP fragments (autofp spreads them over the
#    threads, since they have no flow) but Suricata's rebuilt datagrams, whatever
#    `inner` says: the demo's alert set, what seqwatch run gives by reassembling the
#    fragments itself, with Suricata's flow_id, in single and autofp.
. "$(dirname "$0")/lib.sh"
demo=$SRC/tests/traces/demo-hijack.pcap
gre=$SRC/tests/suricata/traces/demo-gre.pcap
frag=$SRC/tests/suricata/traces/demo-frag.pcap
mkyaml "$T/off.yaml"
mkyaml "$T/on.yaml" "inner: yes"
standalone "$demo" "$T/demo.json" || fail "seqwatch run demo"
$EVE alerts "$T/demo.json" >"$T/demo.set"
grep -v '^mac_change ' "$T/demo.set" >"$T/demo-nomac.set"

# GRE
standalone "$gre" "$T/gre.json" || fail "seqwatch run gre"
$EVE alerts "$T/gre.json" >"$T/gre.set"
suri "$T/off.yaml" "$gre" "$T/o" --runmode single || exit 1
$EVE alerts "$T/o/eve.json" >"$T/pl.set"
diff "$T/gre.set" "$T/pl.set" || fail "gre, inner: no: the plugin differs from seqwatch run"
read -r dec fed _ inner _ < <($EVE counts "$T/o/eve.json")
echo "gre, inner: no: $(wc -l <"$T/pl.set") alerts as seqwatch run; fed $fed = decoder.pkts $dec; $inner inner packets skipped"
[ "$fed" = "$dec" ] || fail "gre: fed $fed, decoded $dec"
[ "$inner" -gt 0 ] || fail "gre: no inner packet was skipped"
for m in single autofp; do
  suri "$T/on.yaml" "$gre" "$T/o" --runmode "$m" || exit 1
  $EVE alerts "$T/o/eve.json" >"$T/pl.set"
  diff "$T/demo-nomac.set" "$T/pl.set" || fail "gre, inner: yes ($m): not the demo's alerts (< want, > plugin)"
  read -r dec fed _ inner _ < <($EVE counts "$T/o/eve.json")
  echo "gre, inner: yes ($m): $(wc -l <"$T/pl.set") alerts = the demo's without mac_change; fed $fed (decoder.pkts $dec), $inner skipped"
  [ "$inner" = 0 ] || fail "gre: inner: yes skipped $inner packets"
  [ "$fed" -gt "$dec" ] || fail "gre: inner: yes fed $fed, not more than the $dec wire packets"
  $EVE flowcheck "$T/o/eve.json" >/dev/null || fail "gre ($m): flow_id not Suricata's"
done

# IP fragments
standalone "$frag" "$T/frag.json" || fail "seqwatch run frag"
$EVE alerts "$T/frag.json" >"$T/frag.set"
diff "$T/demo.set" "$T/frag.set" || fail "frag: seqwatch run does not give the demo's alerts on the fragments"
for y in off on; do
  for m in single autofp; do
    suri "$T/$y.yaml" "$frag" "$T/o" --runmode "$m" || exit 1
    $EVE alerts "$T/o/eve.json" >"$T/pl.set"
    diff "$T/demo.set" "$T/pl.set" || fail "frag, inner: $y ($m): not the demo's alerts (< want, > plugin)"
    read -r dec fed _ _ _ frags _ < <($EVE counts "$T/o/eve.json")
    echo "frag, inner: $y ($m): $(wc -l <"$T/pl.set") alerts = the demo's; $frags fragments skipped (decoder.pkts $dec), $fed rebuilt datagrams fed"
    [ "$frags" = "$dec" ] || fail "frag: $frags fragments skipped of $dec wire packets (all are fragments)"
    [ "$fed" = 46 ] || fail "frag: fed $fed, want the demo's 46 packets rebuilt"
    $EVE flowcheck "$T/o/eve.json" >/dev/null || fail "frag ($m): flow_id not Suricata's"
  done
done
echo "PASS"
