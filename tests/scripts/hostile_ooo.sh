#!/bin/bash
# hostile_ooo.sh — one connection flooded behind a one-byte hole: one-byte segments
# in descending order (each lands in front of everything queued), then 1400-byte
# segments re-covering them (each overlaps up to 1400 queued pieces; every 64th with
# other bytes), then the hole is filled; four legitimate connections talk meanwhile.
# Run at N and 4N segments under a 1 MiB stream memcap and a 256 KiB per-flow cap.
# Asserts: the memcap holds (stream mem_peak <= memcap), data is refused at the caps
# and counted (segments_refused) and declared as a gap (never silently lost), the differing bytes are detected, the
# legitimate connections are untouched (injection detected). Prints peak RSS and time
# per packet at N and 4N and for a control capture: the per-packet cost must not
# grow with N (no quadratic time), which the figures show.
set -u
. "$(dirname "$0")/lib/hostile_common.sh"
N=${SW_HOSTILE_N:-100000}
MEMCAP=1048576
FLOWCAP=262144

"$MKH" benign control.pcap $((4 * N)) > control.json || fail "mkhostile benign"
"$MKH" ooo small.pcap "$N" > small.json || fail "mkhostile ooo"
"$MKH" ooo large.pcap $((4 * N)) > large.json || fail "mkhostile ooo"
for r in control small large; do
  run $r $r.pcap --stream-memcap $MEMCAP --stream-flow-cap $FLOWCAP
done

for r in small large; do
  peak=$(sj $r 'd["stream"]["mem_peak"]')
  [ "$peak" -le $MEMCAP ] || fail "$r: stream mem_peak $peak > memcap $MEMCAP"
  [ "$peak" -gt $((FLOWCAP / 2)) ] || fail "$r: stream mem_peak $peak: the flood never pressed on the cap"
  [ "$(sj $r 'd["stream"]["segments_refused"]')" -ge 1 ] || fail "$r: nothing refused at the caps (segments_refused)"
  [ "$(sj $r 'd["stream"]["gaps"]')" -ge 1 ] || fail "$r: data refused at the cap was not declared as a gap"
  [ "$(sj $r 'd["stream"]["gap_bytes"]')" -ge 1 ] || fail "$r: gap bytes"
  [ "$(sj $r 'd["stream"]["overlaps"]')" -ge 1 ] || fail "$r: no overlaps counted"
  [ "$(alerts_on $r 10.8.0.1 45000 overlap_mismatch)" -ge 1 ] || fail "$r: the differing bytes were not detected"
  [ "$(alerts_on $r 10.9.0.1 50000 overlap_mismatch)" -ge 1 ] || fail "$r: the injection on a legitimate connection was missed"
  [ "$(sj $r 'd["tcp_connections"]')" -eq 5 ] || fail "$r: tcp_connections"
  [ "$(sj $r 'd["connections"]["midstream"]')" -eq 0 ] || fail "$r: midstream"
done

echo "figure: out-of-order/overlap flood on one connection, --stream-memcap $MEMCAP --stream-flow-cap $FLOWCAP$BUILD_NOTE"
echo "  control ($((4 * N)) packets, well-behaved): $(figures control)"
echo "  flood N=$N segments: $(figures small); stream mem_peak $(sj small 'd["stream"]["mem_peak"]')"
echo "  flood 4N=$((4 * N)) segments: $(figures large); stream mem_peak $(sj large 'd["stream"]["mem_peak"]'), segments refused at the caps $(sj large 'd["stream"]["segments_refused"]')"
echo "  overlap_mismatch alerts on the flooded connection: $(alerts_on large 10.8.0.1 45000 overlap_mismatch) (where both versions of a range were held)"
echo "ok"
