#!/bin/bash
# suricata_live.sh — live capture: Suricata in af-packet `workers` mode (2 threads,
# cluster_flow fanout) on a veth in a private network namespace, the attack captures
# replayed into the other end with tcpreplay at their own speed; one Suricata run per
# capture. The plugin gives the same alerts as `seqwatch run` on the file (compared
# without timestamps: a live replay is re-timestamped), with Suricata's flow_id and
# the capture interface as in_iface. Skipped where namespaces cannot be made or
# tcpreplay is missing. Captures: the demo, and the fox-it QUANTUM INSERT captures
# shorter than 5 s when ../shared/pcaps is there.
. "$(dirname "$0")/lib.sh"
command -v tcpreplay >/dev/null || { echo "SKIP: tcpreplay is not installed"; exit 77; }
ns=swsuri$$
ip netns add "$ns" 2>/dev/null || { echo "SKIP: cannot create a network namespace"; exit 77; }
trap 'ip netns del "$ns" 2>/dev/null; rm -rf "$T"' EXIT
ip netns exec "$ns" ip link add swv0 type veth peer name swv1 || fail "veth"
for l in swv0 swv1; do ip netns exec "$ns" ip link set "$l" up mtu 65535; done
# frames up to 64 KB (captures taken with TSO), as the study's live runs needed
mkyaml "$T/live.yaml" "threads: 2"
cat >>"$T/live.yaml" <<EOY
af-packet:
  - interface: swv1
    threads: 2
    cluster-id: 98
    cluster-type: cluster_flow
    defrag: no
default-packet-size: 65535
EOY
caps=("$SRC/tests/traces/demo-hijack.pcap")
if [ -d "$SHARED/pcaps/fox-it-quantuminsert" ]; then
  while IFS= read -r f; do
    d=$(capinfos -u -M "$f" 2>/dev/null | sed -n 's/^Capture duration: *\([0-9.]*\).*/\1/p')
    [ -n "$d" ] && awk -v d="$d" 'BEGIN {exit !(d < 5)}' && caps+=("$f")
  done < <(find "$SHARED/pcaps/fox-it-quantuminsert" -name '*.pcap' | sort)
fi
same=0
for f in "${caps[@]}"; do
  extra=(); rel=${f#"$SHARED/pcaps/"}
  [ -f "$SRC/tests/expect/$rel.args" ] && read -r -a extra <"$SRC/tests/expect/$rel.args"
  y=$T/live.yaml
  if [[ " ${extra[*]} " == *" --checksum off "* ]]; then
    sed 's/^        - seqwatch:$/        - seqwatch:\n            checksum: no/' "$T/live.yaml" >"$T/live-nocsum.yaml"; y=$T/live-nocsum.yaml
  fi
  rm -f "$T/sa.json"
  standalone "$f" "$T/sa.json" "${extra[@]}" || fail "seqwatch run $f"
  $EVE alerts "$T/sa.json" | cut -d' ' -f1-7 | sort >"$T/sa.set"
  rm -rf "$T/o"; mkdir "$T/o"
  ip netns exec "$ns" "$SURI" -c "$y" -S /dev/null --af-packet --runmode workers -l "$T/o" >"$T/o/stdout" 2>&1 &
  sp=$!
  for _ in $(seq 1 60); do grep -q 'Engine started' "$T/o/suricata.log" 2>/dev/null && break; sleep 0.5; done
  grep -q 'Engine started' "$T/o/suricata.log" || { kill $sp; fail "suricata did not start: $(tail -n 3 "$T/o/stdout")"; }
  ip netns exec "$ns" tcpreplay -q -i swv0 "$f" >"$T/o/replay" 2>&1 || { kill $sp; fail "tcpreplay: $(cat "$T/o/replay")"; }
  sleep 2
  kill -INT $sp; wait $sp || fail "suricata exited $? after the replay of $f"
  $EVE alerts "$T/o/eve.json" | cut -d' ' -f1-7 | sort >"$T/pl.set"
  fedsum=$(sed -n 's/.*seqwatch: W#[^:]*: fed \([0-9]*\) packets.*/\1/p' "$T/o/suricata.log" | awk '{s += $1} END {print s + 0}')
  threads=$(grep -c 'seqwatch: W#.*-swv1: fed' "$T/o/suricata.log")
  if diff "$T/sa.set" "$T/pl.set" >/dev/null; then
    same=$((same + 1))
  else
    echo "DIFFERENT: $f"; diff "$T/sa.set" "$T/pl.set" | head; fail "live alerts differ"
  fi
  $EVE flowcheck "$T/o/eve.json" >/dev/null || fail "$f: flow_id not Suricata's"
  [ -s "$T/pl.set" ] && { $EVE fields "$T/o/eve.json" in_iface >/dev/null || fail "$f: no in_iface"; }
  echo "$(basename "$f"): $(wc -l <"$T/pl.set") alerts as seqwatch run, $fedsum packets fed over $threads workers threads"
done
echo "$same/${#caps[@]} captures replayed live give the same alerts"
echo "PASS"
