#!/bin/bash
# suricata_corpus.sh — every public capture under ../shared/pcaps through Suricata
# with the plugin, in --runmode single and in autofp with 4 flow-worker threads
# (threading.detect-thread-ratio), gives the same alert set as `seqwatch run`
# (event, sid, 4-tuple, connection instance, timestamp), and the plugin is fed
# exactly Suricata's decoder.pkts packets in every run, less the IP fragments, plus
# the datagrams Suricata rebuilt from them. Options of one capture
# (tests/expect/<capture>.args: --checksum off) become the plugin's `checksum: no`;
# both sides use seqwatch's own rule variables (`suricata-vars: no`).
# Skipped when the captures are absent. SW_SURI_CORPUS_LIMIT=N: first N captures.
. "$(dirname "$0")/lib.sh"
pcaps=$SHARED/pcaps
[ -d "$pcaps" ] || { echo "SKIP: no public captures at $pcaps"; exit 77; }
mapfile -d '' files < <(find "$pcaps" -type f \( -name '*.pcap' -o -name '*.pcapng' \) -print0 | sort -z)
[ ${#files[@]} -gt 0 ] || { echo "SKIP: no captures under $pcaps"; exit 77; }
[ -n "${SW_SURI_CORPUS_LIMIT:-}" ] && files=("${files[@]:0:$SW_SURI_CORPUS_LIMIT}")
# seqwatch's own rule variables on both sides (HOME_NET any): the public captures'
# addresses are mostly outside Suricata's RFC 1918 HOME_NET, and the whole alert set
# is what is compared. (The other tests use the default, Suricata's address groups.)
SW_VARS=()
mkyaml "$T/auto.yaml" "suricata-vars: no"
mkyaml "$T/nocsum.yaml" "suricata-vars: no" "checksum: no"
modes=(single autofp)
declare -A same=() differ=() fedbad=()
refused=0 alerts=0 start=$(date +%s)
for f in "${files[@]}"; do
  rel=${f#"$pcaps"/}
  extra=(); [ -f "$SRC/tests/expect/$rel.args" ] && read -r -a extra <"$SRC/tests/expect/$rel.args"
  y=$T/auto.yaml; [[ " ${extra[*]} " == *" --checksum off "* ]] && y=$T/nocsum.yaml
  rm -f "$T/sa.json"
  standalone "$f" "$T/sa.json" "${extra[@]}"; src=$?
  if [ $src -ne 0 ]; then
    # a file libpcap cannot read: Suricata must refuse it too (it logs an error
    # from its pcap reader, and exits 0)
    suri "$y" "$f" "$T/o" || fail "$rel"
    grep -q 'Error: pcap:' "$T/o/suricata.log" \
      || fail "$rel: seqwatch refused it (rc $src) but Suricata read it"
    refused=$((refused + 1)); echo "refused by both: $rel"; continue
  fi
  $EVE alerts "$T/sa.json" >"$T/sa.set"
  alerts=$((alerts + $(wc -l <"$T/sa.set")))
  for m in "${modes[@]}"; do
    args=(--runmode "$m")
    [ "$m" = autofp ] && args+=(--set threading.detect-thread-ratio=2)
    suri "$y" "$f" "$T/o" "${args[@]}" || fail "$rel ($m)"
    $EVE alerts "$T/o/eve.json" >"$T/pl.set"
    if diff -q "$T/sa.set" "$T/pl.set" >/dev/null; then
      same[$m]=$(( ${same[$m]:-0} + 1 ))
    else
      differ[$m]=$(( ${differ[$m]:-0} + 1 ))
      echo "DIFFERENT ($m): $rel"; diff "$T/sa.set" "$T/pl.set" | head -10
    fi
    # IP fragments are not fed, Suricata's rebuilt datagrams are
    read -r dec fed _ _ _ frags rebuilt < <($EVE counts "$T/o/eve.json")
    dec=$((dec - frags + rebuilt))
    logfed=$(sed -n 's/.*seqwatch: W#[^:]*: fed \([0-9]*\) packets.*/\1/p' "$T/o/suricata.log" | awk '{s += $1} END {print s + 0}')
    [ "$logfed" = "$fed" ] || { echo "FED: stats say $fed, the threads' end lines $logfed ($m): $rel"; fed=x; }
    if [ "$dec" != "$fed" ]; then
      fedbad[$m]=$(( ${fedbad[$m]:-0} + 1 )); echo "FED $fed != decoder.pkts - fragments + rebuilt $dec ($m): $rel"
    fi
  done
done
n=$(( ${#files[@]} - refused ))
rc=0
for m in "${modes[@]}"; do
  echo "$m: ${same[$m]:-0}/$n same alert sets, ${fedbad[$m]:-0} fed/decoded mismatches"
  [ "${differ[$m]:-0}" -eq 0 ] && [ "${fedbad[$m]:-0}" -eq 0 ] || rc=1
done
echo "$n captures ($alerts standalone alerts), $refused refused by both, $(( $(date +%s) - start )) s"
[ $rc -eq 0 ] || fail "alert sets or packet counts differ"
echo "PASS"
