#!/bin/bash
# suricata_options.sh — the plugin's options do what docs/suricata.md says:
#  - rules: a site rule file is loaded on top of the default rules, as `seqwatch run
#    --rules` does; with `default-rules: no` (here a site file holding only the
#    ACK-storm rule) it is the whole rule set, as with --no-default-rules;
#  - vars: overrides Suricata's address groups (a HOME_NET outside the demo's
#    network silences it, as --var does standalone);
#  - a rule file with an error stops Suricata at start-up with file:line.
. "$(dirname "$0")/lib.sh"
demo=$SRC/tests/traces/demo-hijack.pcap
{ echo 'var HOME_NET any'; awk '/^alert .*ACK storm/ {p=1} p {print} p && /rev:1;\)/ {exit}' "$SRC/rules/default.rules"; } >"$T/site.rules"
grep -q 'event:ack_storm' "$T/site.rules" || fail "could not cut the ack_storm rule from default.rules"
mkyaml "$T/rules.yaml" "rules: $T/site.rules"
suri "$T/rules.yaml" "$demo" "$T/o" || exit 1
standalone "$demo" "$T/sa.json" --rules "$T/site.rules" || fail "seqwatch run --rules"
$EVE alerts "$T/sa.json" >"$T/sa.set"; $EVE alerts "$T/o/eve.json" >"$T/pl.set"
diff "$T/sa.set" "$T/pl.set" || fail "rules: the plugin differs from seqwatch run --rules"
[ "$(cut -d' ' -f1 "$T/pl.set" | sort -u | wc -l)" -gt 1 ] || fail "rules: the default rules were not kept: $(cat "$T/pl.set")"
echo "rules: $(wc -l <"$T/pl.set") alert(s) with the site file on top of the defaults, as seqwatch run --rules"
mkyaml "$T/only.yaml" "rules: $T/site.rules" "default-rules: no"
suri "$T/only.yaml" "$demo" "$T/o" || exit 1
rm -f "$T/sa.json"
standalone "$demo" "$T/sa.json" --no-default-rules --rules "$T/site.rules" || fail "seqwatch run --no-default-rules --rules"
$EVE alerts "$T/sa.json" >"$T/sa.set"; $EVE alerts "$T/o/eve.json" >"$T/pl.set"
diff "$T/sa.set" "$T/pl.set" || fail "default-rules: no: the plugin differs from seqwatch run --no-default-rules"
[ "$(cut -d' ' -f1 "$T/pl.set" | sort -u)" = ack_storm ] || fail "default-rules: no: other events than ack_storm: $(cat "$T/pl.set")"
echo "default-rules: no: $(wc -l <"$T/pl.set") alert(s), ack_storm only, as seqwatch run --no-default-rules --rules"

mkyaml "$T/vars.yaml" "vars:" "  HOME_NET: \"10.99.0.0/16\""
suri "$T/vars.yaml" "$demo" "$T/o" || exit 1
rm -f "$T/sa.json"
SW_VARS=(--var HOME_NET=10.99.0.0/16)
standalone "$demo" "$T/sa.json" || fail "seqwatch run --var: $(cat "$T/sa.json.err")"
$EVE alerts "$T/sa.json" >"$T/sa.set"; $EVE alerts "$T/o/eve.json" >"$T/pl.set"
diff "$T/sa.set" "$T/pl.set" || fail "vars: the plugin differs from seqwatch run --var"
[ ! -s "$T/pl.set" ] || fail "vars: HOME_NET 10.99.0.0/16 still alerts on 192.168.56.x"
echo "vars: HOME_NET override silences the demo, as --var does"

printf 'var HOME_NET any\nalert tcp any any <> $HOME_NET any (msg:"x"; event:no_such_event; sid:1;)\n' >"$T/bad.rules"
mkyaml "$T/bad.yaml" "rules: $T/bad.rules"
rm -rf "$T/o"; mkdir "$T/o"
if "$SURI" -c "$T/bad.yaml" -S /dev/null -r "$demo" -l "$T/o" >"$T/o/stdout" 2>&1; then
  fail "a bad rule file did not stop Suricata"
fi
grep -q "seqwatch: .*bad.rules:2" "$T/o/suricata.log" "$T/o/stdout" \
  || { cat "$T/o/stdout"; fail "no file:line error for the bad rule file"; }
echo "bad rules: Suricata stops: $(grep -ho 'seqwatch: .*bad.rules:2.*' "$T/o/suricata.log" "$T/o/stdout" | head -1)"

# the plugin loaded but no eve-log output enabling it: 8.0 says so (its logging-ready
# hook); 7.0 has no such hook
mkyaml "$T/off.yaml"
sed -i '/- seqwatch:/d' "$T/off.yaml"
rm -rf "$T/o"; mkdir "$T/o"
"$SURI" -c "$T/off.yaml" -S /dev/null -r "$demo" -l "$T/o" >"$T/o/stdout" 2>&1 || fail "suricata without - seqwatch"
[ "$($EVE alerts "$T/o/eve.json" | wc -l)" -eq 0 ] || fail "seqwatch alerts without - seqwatch"
warned=$(grep -c 'seqwatch: the plugin is loaded, but no eve-log output lists' "$T/o/suricata.log")
case ${SW_SURICATA_LAYOUT:-} in
  7.*) [ "$warned" -eq 0 ] || fail "7.0 has no logging-ready hook, yet the warning appeared" ;;
  *) [ "$warned" -eq 1 ] || fail "no warning that no eve-log output enables seqwatch" ;;
esac
echo "no '- seqwatch' under eve-log: no alerts, $warned warning(s) (layout ${SW_SURICATA_LAYOUT:-})"
echo "PASS"
