#!/bin/bash
# suricata_inner.sh — tunnels and fragments, with `inner` off and on.
#  - demo-gre.pcap (the demo wrapped in GRE, tests/tools/mktunnel.py): seqwatch alone
#    does not decode GRE; the plugin with inner: no gives exactly what seqwatch run
#    gives, and counts the tunnel-inner packets it skipped; with inner: yes it is fed
#    Suricata's decoded inner packets and finds the demo's attack: the demo's alerts
#    except mac_change (the inner packet has no link header), in single and autofp.
#  - demo-frag.pcap (every data packet of the demo in 16-byte IP fragments, same
#    timestamps): inner: no gives what seqwatch run gives on the fragments; inner: yes
#    is also fed Suricata's reassembled packets and gives the demo's alert set.
. "$(dirname "$0")/lib.sh"
demo=$SRC/tests/traces/demo-hijack.pcap
gre=$SRC/tests/suricata/traces/demo-gre.pcap
frag=$SRC/tests/suricata/traces/demo-frag.pcap
mkyaml "$T/off.yaml"
mkyaml "$T/on.yaml" "inner: yes"
standalone "$demo" "$T/demo.json" || fail "seqwatch run demo"
$EVE alerts "$T/demo.json" >"$T/demo.set"
grep -v '^mac_change ' "$T/demo.set" >"$T/demo-nomac.set"

for cap in gre frag; do
  f=${!cap}
  standalone "$f" "$T/$cap.json" || fail "seqwatch run $cap"
  $EVE alerts "$T/$cap.json" >"$T/$cap.set"
  suri "$T/off.yaml" "$f" "$T/o" --runmode single || exit 1
  $EVE alerts "$T/o/eve.json" >"$T/pl.set"
  diff "$T/$cap.set" "$T/pl.set" || fail "$cap, inner: no: the plugin differs from seqwatch run"
  read -r dec fed _ inner _ < <($EVE counts "$T/o/eve.json")
  echo "$cap, inner: no: $(wc -l <"$T/pl.set") alerts as seqwatch run; fed $fed = decoder.pkts $dec; $inner inner packets skipped"
  [ "$fed" = "$dec" ] || fail "$cap: fed $fed, decoded $dec"
  [ "$inner" -gt 0 ] || fail "$cap: no inner packet was skipped"
  want=$T/demo.set; [ $cap = gre ] && want=$T/demo-nomac.set
  for m in single autofp; do
    suri "$T/on.yaml" "$f" "$T/o" --runmode "$m" || exit 1
    $EVE alerts "$T/o/eve.json" >"$T/pl.set"
    diff "$want" "$T/pl.set" || fail "$cap, inner: yes ($m): not the demo's alerts (< want, > plugin)"
    read -r dec fed _ inner _ < <($EVE counts "$T/o/eve.json")
    echo "$cap, inner: yes ($m): $(wc -l <"$T/pl.set") alerts = the demo's$([ $cap = gre ] && echo ' without mac_change'); fed $fed (decoder.pkts $dec), $inner skipped"
    [ "$inner" = 0 ] || fail "$cap: inner: yes skipped $inner packets"
    [ "$fed" -gt "$dec" ] || fail "$cap: inner: yes fed $fed, not more than the $dec wire packets"
    $EVE flowcheck "$T/o/eve.json" >/dev/null || fail "$cap ($m): flow_id not Suricata's"
  done
done
echo "PASS"
