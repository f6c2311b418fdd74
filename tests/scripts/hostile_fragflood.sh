#!/bin/bash
# hostile_fragflood.sh — a flood of IP fragments: 1M IPv4 and IPv6 fragments
# (SW_HOSTILE_N) from random sources with random ids and offsets, a third of them
# first fragments carrying a TCP header, and four legitimate connections talking
# through it. Every fragment starts a reassembly context (its own source and id), so
# the defragmenter runs at its context cap (1024) the whole time, dropping the
# stalest context for each new one; its memory is allocated once.
# Asserts: every fragment counted exactly (fragments == N), none becomes a flow, a
# datagram or a decode error, contexts were evicted at the cap and the fragment data
# held never passed the 4 MiB memcap, the legitimate connections are intact and
# their injection detected, and peak RSS at N is within a small margin of peak RSS at
# N/10. Prints both, and the defragmenter's peak.
set -u
. "$(dirname "$0")/lib/hostile_common.sh"
N=${SW_HOSTILE_N:-1000000}

"$MKH" fragflood small.pcap $((N / 10)) > small.json || fail "mkhostile fragflood"
"$MKH" fragflood large.pcap "$N" > large.json || fail "mkhostile fragflood"
run small small.pcap
run large large.pcap
for r in small large; do
  want=$(mj $r.json 'm["flood_packets"]')
  [ "$(sj $r 'd["fragments"]')" -eq "$want" ] || fail "$r: fragments $(sj $r 'd["fragments"]'), want $want"
  [ "$(sj $r 'd["flows"]')" -eq 4 ] || fail "$r: flows $(sj $r 'd["flows"]'): a fragment made a flow"
  [ "$(sj $r 'd["decode_errors_total"]')" -eq 0 ] || fail "$r: decode errors $(sj $r 'd["decode_errors"]')"
  [ "$(sj $r 'd["connections"]["closed"]')" -eq 4 ] || fail "$r: connections $(sj $r 'd["connections"]')"
  [ "$(sj $r 'd["stream"]["gaps"]')" -eq 0 ] || fail "$r: stream gaps"
  [ "$(alerts_on $r 10.9.0.1 50000 overlap_mismatch)" -ge 1 ] || fail "$r: the injection was missed"
  [ "$(sj $r 'd["defrag"]["reassembled"]')" -eq 0 ] || fail "$r: a random fragment completed a datagram"
  kept=$(sj $r 'd["fragments"] - d["defrag"]["not_tcp"] - d["defrag"]["invalid"] - d["defrag"]["overlaps"]')
  ev=$(sj $r 'd["defrag"]["evicted"]')
  [ "$ev" -gt 0 ] && [ "$ev" -le "$kept" ] || fail "$r: evicted $ev of $kept kept fragments"
  [ "$(sj $r 'd["defrag"]["mem_peak"]')" -le 4194304 ] || fail "$r: fragment data $(sj $r 'd["defrag"]["mem_peak"]') over the memcap"
done
rs=$(cat small.rss); rl=$(cat large.rss)
# flat: ten times the fragments may not cost more than 25% + 16 MB more memory
[ "$rl" -le $((rs + rs / 4 + 16384)) ] || fail "peak RSS grew with the fragment count: $rs KB -> $rl KB"

echo "figure: fragment flood$BUILD_NOTE"
echo "  N/10 = $((N / 10)) fragments: $(figures small)"
echo "  N = $N fragments: $(figures large)"
echo "  defragmenter at N: contexts evicted $(sj large 'd["defrag"]["evicted"]'), fragment data peak $(sj large 'd["defrag"]["mem_peak"]') bytes (cap 4194304)"
echo "ok"
