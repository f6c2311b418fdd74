#!/bin/bash
# hostile_collide.sh — connections engineered to collide in a weak flow hash: 200000
# connections (SW_HOSTILE_N) whose 4-tuples all give the same value under a plain XOR
# of addresses and ports (a table hashed that way would chain all of them in one
# bucket: every lookup O(N)), against a control of pseudo-random addresses; each
# connection sends SYN, then SYN-ACK, then ACK in three passes, so every packet of the
# second and third pass is a lookup in a table holding all N flows. seqwatch hashes
# with keyed SipHash (random key per run), so the crafted set is as cheap as the
# control. Asserts: no flow lost or merged (every handshake completes, no eviction
# below the cap), and the results do not depend on the hash key (two --seed values
# give identical summaries). Prints the time per packet of both captures.
set -u
. "$(dirname "$0")/lib/hostile_common.sh"
N=${SW_HOSTILE_N:-200000}

"$MKH" collide collide.pcap "$N" > collide.json || fail "mkhostile collide"
"$MKH" collide-control control.pcap "$N" > control.json || fail "mkhostile collide-control"

# the crafted set really collides under the weak hash
python3 - collide.pcap "$N" <<'PY' || fail "the crafted connections do not collide under XOR"
import struct, sys
f = open(sys.argv[1], "rb"); f.read(24)
vals = set(); n = 0
while n < int(sys.argv[2]):
    h = f.read(16)
    if len(h) < 16: break
    incl = struct.unpack("<IIII", h)[2]
    p = f.read(incl)
    ip = p[14:34]; tcp = p[34:38]
    src, dst = struct.unpack(">II", ip[12:20]); sp, dp = struct.unpack(">HH", tcp)
    vals.add(src ^ dst ^ (sp << 16 | dp)); n += 1
print("weak hash: %d connections -> %d distinct XOR value(s)" % (n, len(vals)))
sys.exit(0 if len(vals) == 1 else 1)
PY

for r in collide control; do
  run $r $r.pcap --max-flows $((N + N / 4))
  [ "$(sj $r 'd["flows"]')" -eq "$N" ] || fail "$r: flows $(sj $r 'd["flows"]'), want $N"
  [ "$(sj $r 'd["flows_evicted"]')" -eq 0 ] || fail "$r: evictions below the cap"
  [ "$(sj $r 'd["connections"]["handshake_completed"]')" -eq "$N" ] || fail "$r: handshakes $(sj $r 'd["connections"]')"
  [ "$(sj $r 'd["connections"]["midstream"]')" -eq 0 ] || fail "$r: midstream"
done
# the key changes nothing but the table layout
for s in 0123456789abcdef0123456789abcdef fedcba9876543210fedcba9876543210; do
  run seed$s collide.pcap --max-flows $((N + N / 4)) --seed $s
  sj seed$s '{k: v for k, v in d.items() if k not in ("elapsed_seconds", "packets_per_second")}' > seed$s.counts
done
cmp -s seed0123456789abcdef0123456789abcdef.counts seedfedcba9876543210fedcba9876543210.counts ||
  fail "two hash keys gave different results"

echo "figure: hash-collision attempt, $N connections, 3 packets each$BUILD_NOTE"
echo "  control (random addresses): $(figures control)"
echo "  crafted (one XOR bucket): $(figures collide)"
python3 - <<'PY'
import json
a = json.load(open("collide.sum")); b = json.load(open("control.sum"))
print("  time per packet crafted / control: %.2f" % ((a["elapsed_seconds"] / a["packets"]) / (b["elapsed_seconds"] / b["packets"])))
PY
echo "ok"
