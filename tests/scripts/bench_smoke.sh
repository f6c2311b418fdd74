#!/bin/bash
# bench_smoke.sh — keeps the benchmark's capture generator (tests/bench/gencap) from
# rotting: a small mixed capture and a small open-connections capture must be valid
# pcap files with the requested number of frames, correct IP/TCP checksums, both IP
# versions, retransmissions and out-of-order segments, and the same bytes for the
# same seed (different bytes for another seed). Times nothing.
set -u
GENCAP=${SW_BINARY_DIR:?SW_BINARY_DIR not set}/tests/bench/gencap
[ -x "$GENCAP" ] || { echo "gencap not built: $GENCAP"; exit 1; }
command -v tshark >/dev/null || { echo "tshark missing: skipped"; exit 77; }
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$GENCAP" -o "$T/m.pcap" --packets 10000 --concurrent 200 --seed 3 --impair-permille 20 2>"$T/log" ||
  fail "gencap mixed: $(cat "$T/log")"
cat "$T/log"
n=$(tshark -r "$T/m.pcap" -T fields -e frame.number 2>/dev/null | wc -l)
[ "$n" = 10000 ] || fail "mixed capture has $n frames, expected 10000"
# every frame is TCP over IPv4 or IPv6, and the checksums are right
ntcp=$(tshark -r "$T/m.pcap" -Y tcp -T fields -e frame.number 2>/dev/null | wc -l)
[ "$ntcp" = 10000 ] || fail "$ntcp TCP frames of 10000"
bad=$(tshark -r "$T/m.pcap" -o ip.check_checksum:TRUE -o tcp.check_checksum:TRUE \
      -Y 'ip.checksum.status == 0 || tcp.checksum.status == 0' -T fields -e frame.number 2>/dev/null | wc -l)
[ "$bad" = 0 ] || fail "$bad frames with a bad checksum"
v6=$(tshark -r "$T/m.pcap" -Y ipv6 -T fields -e frame.number 2>/dev/null | wc -l)
[ "$v6" -gt 1000 ] && [ "$v6" -lt 9000 ] || fail "$v6 IPv6 frames of 10000: expected both versions"
rtx=$(tshark -r "$T/m.pcap" -Y 'tcp.analysis.retransmission || tcp.analysis.out_of_order' -T fields -e frame.number 2>/dev/null | wc -l)
[ "$rtx" -gt 0 ] || fail "no retransmitted or out-of-order segment"
# a retransmitted or reordered range carries the same bytes as the first copy
if command -v python3 >/dev/null; then
  tshark -r "$T/m.pcap" -Y 'tcp.len > 0' -T fields -e tcp.stream -e tcp.srcport -e tcp.seq_raw -e tcp.payload 2>/dev/null |
  python3 -c '
import sys
held, again, differ = {}, 0, 0
for line in sys.stdin:
    stream, sport, seq, payload = line.rstrip("\n").split("\t")
    m = held.setdefault((stream, sport), {})
    for i, b in enumerate(bytes.fromhex(payload.replace(":", ""))):
        o = (int(seq) + i) & 0xffffffff
        if o in m:
            again += 1
            differ += m[o] != b
        else:
            m[o] = b
print("bytes sent twice:", again, "different:", differ)
sys.exit(0 if again > 0 and differ == 0 else 1)' || fail "retransmitted bytes missing or different"
fi
# SYNs and the connections gencap reports started
syn=$(tshark -r "$T/m.pcap" -Y 'tcp.flags.syn == 1 && tcp.flags.ack == 0' -T fields -e frame.number 2>/dev/null | wc -l)
started=$(sed -n 's/.* \([0-9]*\) connections started.*/\1/p' "$T/log")
[ "$syn" = "$started" ] || fail "$syn SYNs, gencap says $started connections started"

# deterministic: same seed, same bytes; another seed, other bytes
"$GENCAP" -o "$T/m2.pcap" --packets 10000 --concurrent 200 --seed 3 --impair-permille 20 2>/dev/null
cmp -s "$T/m.pcap" "$T/m2.pcap" || fail "same seed gave different captures"
"$GENCAP" -o "$T/m3.pcap" --packets 10000 --concurrent 200 --seed 4 --impair-permille 20 2>/dev/null
cmp -s "$T/m.pcap" "$T/m3.pcap" && fail "different seeds gave the same capture"

# open mode: N connections, each with a handshake and data, none closed
"$GENCAP" -o "$T/o.pcap" --mode open --concurrent 1500 --impair-permille 0 2>"$T/log" || fail "gencap open: $(cat "$T/log")"
n=$(tshark -r "$T/o.pcap" -T fields -e frame.number 2>/dev/null | wc -l)
[ "$n" = $((1500 * 7)) ] || fail "open capture has $n frames, expected $((1500 * 7))"
syn=$(tshark -r "$T/o.pcap" -Y 'tcp.flags.syn == 1 && tcp.flags.ack == 0' -T fields -e frame.number 2>/dev/null | wc -l)
[ "$syn" = 1500 ] || fail "open capture has $syn SYNs, expected 1500"
fin=$(tshark -r "$T/o.pcap" -Y 'tcp.flags.fin == 1 || tcp.flags.reset == 1' -T fields -e frame.number 2>/dev/null | wc -l)
[ "$fin" = 0 ] || fail "open capture closes $fin connections"
streams=$(tshark -r "$T/o.pcap" -Y 'tcp.len > 0' -T fields -e tcp.stream 2>/dev/null | sort -u | wc -l)
[ "$streams" = 1500 ] || fail "$streams connections carry data, expected 1500"
echo "bench_smoke: ok"
