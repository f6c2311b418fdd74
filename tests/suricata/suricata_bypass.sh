#!/bin/bash
# suricata_bypass.sh — the documented limitation: once Suricata bypasses a flow
# (here a rule with the `bypass` keyword on the demo's established connection), its
# packets no longer reach any packet logger, so seqwatch is blind to the rest of it.
# The plugin counts such flows (seqwatch.bypassed_flows) and warns at start-up when a
# bypass feature is configured (stream.bypass here).
. "$(dirname "$0")/lib.sh"
demo=$SRC/tests/traces/demo-hijack.pcap
echo 'alert tcp any any -> any any (msg:"seqwatch test: bypass the flow"; flow:established; bypass; sid:1000001; rev:1;)' >"$T/bypass.rules"
mkyaml "$T/s.yaml"
standalone "$demo" "$T/sa.json" || fail "seqwatch run"
$EVE alerts "$T/sa.json" >"$T/sa.set"
# without the rule: everything delivered, nothing counted
suri "$T/s.yaml" "$demo" "$T/o" --runmode single || exit 1
read -r dec fed _ _ byp _ < <($EVE counts "$T/o/eve.json")
[ "$fed" = "$dec" ] && [ "$byp" = 0 ] || fail "without bypass: fed $fed of $dec, bypassed $byp"
! grep -q 'seqwatch: stream.bypass is on' "$T/o/suricata.log" || fail "bypass warning without bypass"
# with it
rm -rf "$T/o"; mkdir "$T/o"
"$SURI" -c "$T/s.yaml" -S "$T/bypass.rules" -r "$demo" -l "$T/o" --runmode single \
    --set stream.bypass=yes >/dev/null 2>&1 || fail "suricata with the bypass rule"
read -r dec fed _ _ byp _ < <($EVE counts "$T/o/eve.json")
$EVE alerts "$T/o/eve.json" >"$T/pl.set"
echo "bypass rule: fed $fed of $dec packets, $byp bypassed flow(s), $(wc -l <"$T/pl.set") of $(wc -l <"$T/sa.set") alerts"
[ "$byp" = 1 ] || fail "bypassed_flows is $byp, want 1 (the demo has one connection)"
[ "$fed" -lt "$dec" ] || fail "the bypassed flow was still delivered ($fed of $dec)"
[ "$(wc -l <"$T/pl.set")" -lt "$(wc -l <"$T/sa.set")" ] || fail "no alert was lost: the limitation is not shown"
comm -13 "$T/sa.set" "$T/pl.set" | grep -q . && fail "alerts that standalone does not give"
grep -q 'Warning: .*seqwatch: stream.bypass is on' "$T/o/suricata.log" || fail "no start-up warning for stream.bypass"
echo "PASS"
