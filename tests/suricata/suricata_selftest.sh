#!/bin/bash
# suricata_selftest.sh — the refusal path of the plugin's run-time layout self-test,
# in Debian's real suricata. The test build of the plugin (seqwatch-suricata-
# selftest.so, compiled with SW_SURI_TEST_HOOKS, never installed) reads the field
# named by SW_SURI_TEST_LAYOUT through a shifted view, as a plugin built for another
# Packet layout would. For each such field the plugin must refuse to register, with
# the error naming the build, the running Suricata and what differed; Suricata runs
# on without it (7.0: a warning that eve-log.seqwatch has no module, exit 0) and its
# eve.json has its own records but no seqwatch alert and no seqwatch counter.
# Without the variable the same test build registers and gives the demo's alerts,
# so the refusals come from the self-test alone.
. "$(dirname "$0")/lib.sh"
PLUGIN=${SW_SURICATA_SELFTEST_SO:?SW_SURICATA_SELFTEST_SO not set}
[ -f "$PLUGIN" ] || fail "test build of the plugin not built: $PLUGIN"
demo=$SRC/tests/traces/demo-hijack.pcap
mkyaml "$T/s.yaml"
standalone "$demo" "$T/sa.json" || fail "seqwatch run"
$EVE alerts "$T/sa.json" >"$T/sa.set"
[ -s "$T/sa.set" ] || fail "standalone gave no alerts on the demo"

# control: no skew, the test build works like the plugin
unset SW_SURI_TEST_LAYOUT
suri "$T/s.yaml" "$demo" "$T/ok" --runmode single || exit 1
$EVE alerts "$T/ok/eve.json" >"$T/ok.set"
cmp -s "$T/sa.set" "$T/ok.set" || fail "the test build without a skew differs from seqwatch run"
echo "no skew: registered, $(wc -l <"$T/ok.set") alerts as seqwatch run"

# field -> the reason the self-test must give (an extended regular expression; the
# length read through the skewed view is whatever lies there)
declare -A why=(
  [pktlen]='packet length read back as [0-9]+, want 33 \(pktlen offset differs\)$'
  [data]='packet data not where this build expects it \(sizeof\(Packet\) or ext_pkt offset differs\)$'
  [pcap_cnt]='a fresh packet has non-zero flow/root/pcap_cnt \(offsets differ\)$'
)
ver=$("$SURI" -V | sed -nE 's/.*version (.*)$/\1/p')
[ -n "$ver" ] || fail "cannot read the version from suricata -V"
for field in pktlen data pcap_cnt; do
  o=$T/$field
  mkdir -p "$o"
  SW_SURI_TEST_LAYOUT=$field "$SURI" -c "$T/s.yaml" -S /dev/null -r "$demo" -l "$o" --runmode single \
      >"$o/stdout" 2>&1
  rc=$?
  log=$o/suricata.log
  [ $rc -eq 0 ] || { tail -5 "$o/stdout" "$log"; fail "$field: suricata exited $rc; it should run on without the plugin"; }
  msg="seqwatch: not registering: this plugin was built for Debian suricata ${SW_SURICATA_LAYOUT:-}, and the running Suricata $ver does not match it: "
  grep -F "$msg" "$log" | grep 'Error' | grep -Eq "${why[$field]}" \
    || { grep -i seqwatch "$log"; fail "$field: no refusal error '$msg${why[$field]}'"; }
  ! grep -q 'seqwatch .*plugin registered' "$log" || fail "$field: the plugin registered anyway"
  grep -q 'No output module named eve-log.seqwatch' "$log" \
    || fail "$field: Suricata did not report the missing eve-log.seqwatch module"
  [ -s "$o/eve.json" ] || fail "$field: Suricata wrote no eve.json"
  n_sw=$($EVE alerts "$o/eve.json" | wc -l)
  n_flow=$(grep -c '"event_type":"flow"' "$o/eve.json")
  [ "$n_sw" -eq 0 ] || fail "$field: $n_sw seqwatch alerts in eve.json from a refused plugin"
  [ "$n_flow" -gt 0 ] || fail "$field: eve.json has no flow record: Suricata did not run the capture"
  ! grep -q '"seqwatch"' "$o/eve.json" || fail "$field: seqwatch counters in Suricata's stats"
  echo "$field: refused ($(grep -F "$msg" "$log" | sed 's/.*does not match it: //')), Suricata exit 0, eve.json: $n_flow flow records, 0 seqwatch alerts"
done
# the installed plugin has no hook: the variable changes nothing there
! grep -aq SW_SURI_TEST_LAYOUT "$SW_SURICATA_PLUGIN_SO" || fail "the plugin itself contains the test hook"
PLUGIN=$SW_SURICATA_PLUGIN_SO
mkyaml "$T/p.yaml"
SW_SURI_TEST_LAYOUT=pktlen suri "$T/p.yaml" "$demo" "$T/p" --runmode single || exit 1
echo "the plugin itself ignores SW_SURI_TEST_LAYOUT: registered"
echo "PASS"
