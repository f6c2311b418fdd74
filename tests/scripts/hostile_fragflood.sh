#!/bin/bash
# hostile_fragflood.sh — a flood of IP fragments: 1M IPv4 and IPv6 fragments
# (SW_HOSTILE_N) from random sources with random ids and offsets, a third of them
# first fragments carrying a TCP header, and four legitimate connections talking
# through it. seqwatch recognises and counts fragments but does not reassemble them
# (it holds no fragment memory at all), so memory stays flat whatever the count.
# Asserts: every fragment counted exactly (fragments == N), none becomes a flow or a
# decode error, the legitimate connections are intact and their injection detected,
# and peak RSS at N is within a small margin of peak RSS at N/10. Prints both.
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
done
rs=$(cat small.rss); rl=$(cat large.rss)
# flat: ten times the fragments may not cost more than 25% + 16 MB more memory
[ "$rl" -le $((rs + rs / 4 + 16384)) ] || fail "peak RSS grew with the fragment count: $rs KB -> $rl KB"

echo "figure: fragment flood$BUILD_NOTE"
echo "  N/10 = $((N / 10)) fragments: $(figures small)"
echo "  N = $N fragments: $(figures large)"
echo "ok"
