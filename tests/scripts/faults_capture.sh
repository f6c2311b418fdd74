#!/bin/bash
# faults_capture.sh — damaged and odd captures:
#  - cut in the middle of a packet, or of a record header (pcap and pcapng), or with
#    a record length no reader accepts: the packets before the damage are processed
#    (exactly the alerts of the good packets alone are written), the error names the file and a byte offset inside the
#    damaged record and how many good packets came before; exit 1;
#  - not a capture (garbage, empty): one clear error, exit 1, no output created; a
#    file with only the header is a valid empty capture (exit 0);
#  - timestamps that run backwards (all through, or a one-day jump back): no crash,
#    every connection tracked, the same output twice;
#  - packets cut by a small snap length: headers complete -> every byte that is missing
#    becomes a declared gap, the segments are counted in snap_truncated, and nothing
#    is raised on a clean capture; headers cut -> counted as decode errors.
set -u
. "$(dirname "$0")/lib/hostile_common.sh"
RW="python3 $SRC/tests/scripts/lib/pcaprewrite.py"
[ -x "$MKA" ] || fail "tool not built: $MKA"
"$MKA" t.pcap 50 > /dev/null || fail "mkalerts"
run full t.pcap
full_pk=$(sj full 'd["packets"]'); full_al=$(sj full 'd["alerts"]')
[ "$full_al" -ge 50 ] || fail "the intact capture raised only $full_al alerts"

# damaged NAME FILE GOOD REC_START: exit 1, GOOD packets processed, offset inside
# the damaged record (REC_START .. end of file)
damaged() {
  local name=$1 file=$2 good=$3 start=$4 size
  size=$(stat -c %s "$file")
  "$P" run -r "$file" --no-db --json "$name.jsonl" -q --summary-json "$name.sum" 2> "$name.err"
  local rc=$?
  [ "$rc" -eq 1 ] || fail "$name: exit $rc, want 1"
  [ "$(wc -l < "$name.err")" -eq 1 ] || fail "$name: stderr: $(cat "$name.err")"
  grep -q "^seqwatch run: $file: capture file damaged: .*after $good good packets) (the packets before it were processed)\$" \
      "$name.err" || fail "$name: message: $(cat "$name.err")"
  local at
  at=$(sed -E 's/.*reading stopped at byte ([0-9]+).*/\1/' "$name.err")
  [ "$at" -ge "$start" ] && [ "$at" -le "$size" ] || fail "$name: offset $at not in the damaged record ($start..$size)"
  [ "$(sj "$name" 'd["packets"]')" -eq "$good" ] || fail "$name: packets $(sj "$name" 'd["packets"]'), want $good"
  echo "ok: $name: $(cat "$name.err")"
}

# same_as_prefix NAME FILE LEN: the damaged run wrote exactly the alerts of a run on
# the file's first LEN bytes (the good packets alone)
same_as_prefix() {
  head -c "$3" "$2" > "$1-prefix.pcap"
  run "$1-prefix" "$1-prefix.pcap"
  [ -s "$1.jsonl" ] || fail "$1: no alerts from the good packets"
  # (pcap_filename names each file: compared without it)
  cmp -s <(sed 's/"pcap_filename":"[^"]*",//' "$1.jsonl") <(sed 's/"pcap_filename":"[^"]*",//' "$1-prefix.jsonl") ||
    fail "$1: alerts differ from those of the good packets alone"
}

mapfile -t OFF < <($RW t.pcap /dev/null offsets)
last=${OFF[$((${#OFF[@]} - 1))]}
size=$(stat -c %s t.pcap)
head -c $((size - 20)) t.pcap > cut-data.pcap
damaged cut-data cut-data.pcap $((full_pk - 1)) "$last"
same_as_prefix cut-data t.pcap "$last"
head -c $((last + 9)) t.pcap > cut-header.pcap
damaged cut-header cut-header.pcap $((full_pk - 1)) "$last"
python3 - t.pcap badlen.pcap "${OFF[100]}" <<'PY'
import struct, sys
d = bytearray(open(sys.argv[1], "rb").read())
struct.pack_into("<I", d, int(sys.argv[3]) + 8, 0x7fffffff)
open(sys.argv[2], "wb").write(d)
PY
damaged badlen badlen.pcap 100 "${OFF[100]}"
same_as_prefix badlen t.pcap "${OFF[100]}"
if command -v editcap >/dev/null; then
  editcap -F pcapng t.pcap t.pcapng || fail "editcap"
  ngsize=$(stat -c %s t.pcapng)
  head -c $((ngsize - 30)) t.pcapng > cut.pcapng
  damaged cut-pcapng cut.pcapng $((full_pk - 1)) $((ngsize / 2))
else
  echo "note: editcap missing, pcapng case skipped"
fi

# not a capture at all
printf 'this is not a capture file, just some text that goes on for a while\n' > junk.pcap
: > empty.pcap
for f in junk.pcap empty.pcap; do
  "$P" run -r $f --json x.jsonl --db x.db 2> err; rc=$?
  [ "$rc" -eq 1 ] || fail "$f: exit $rc"
  [ "$(wc -l < err)" -eq 1 ] && grep -q "^seqwatch run: cannot read capture $f: " err || fail "$f: $(cat err)"
  [ ! -e x.jsonl ] && [ ! -e x.db ] || fail "$f: outputs created"
  echo "ok: $f: $(cat err)"
done
head -c 24 t.pcap > header-only.pcap
run header-only header-only.pcap
[ "$(sj header-only 'd["packets"]')" -eq 0 ] || fail "header-only"

# time running backwards
for m in reverse jumpback; do
  $RW t.pcap $m.pcap $m || fail "rewrite $m"
  run $m $m.pcap
  run $m-again $m.pcap
  cmp -s $m.jsonl $m-again.jsonl || fail "$m: two runs wrote different alerts"
  [ "$(sj $m 'd["tcp_connections"]')" -eq 50 ] || fail "$m: tcp_connections $(sj $m 'd["tcp_connections"]')"
  [ "$(sj $m 'd["connections"]["handshake_completed"]')" -eq 50 ] || fail "$m: $(sj $m 'd["connections"]')"
  [ "$(sj $m 'd["flows_timed_out"]')" -eq 0 ] || fail "$m: flows timed out"
  echo "ok: $m: $(sj $m 'd["tcp_connections"]') connections, $(sj $m 'd["alerts"]') alerts, deterministic"
done

# snap length: a clean capture (nothing to detect) cut at 80, 60 and 40 bytes
"$MKH" clean clean.pcap 20000 > clean.json || fail "mkhostile clean"
run clean clean.pcap
[ "$(sj clean 'd["alerts"]')" -eq 0 ] || fail "the clean capture raises alerts"
conns=$(sj clean 'd["tcp_connections"]')
for n in 80 60 40; do
  $RW clean.pcap snap$n.pcap snap $n || fail "rewrite snap $n"
  run snap$n snap$n.pcap
  [ "$(sj snap$n 'd["alerts"]')" -eq 0 ] || fail "snap $n: alerts on a clean capture"
  pk=$(sj snap$n 'd["packets"]'); tcp=$(sj snap$n 'd["tcp_packets"]'); trunc=$(sj snap$n 'd["decode_errors"]["tcp_truncated"]')
  [ $((tcp + trunc)) -eq "$pk" ] || fail "snap $n: tcp $tcp + tcp_truncated $trunc != packets $pk"
  snapc=$(sj snap$n 'd["snap_truncated"]')
  if [ "$n" -eq 80 ]; then
    # Ethernet 14 + IPv4 20 + TCP 32: every header complete, payload cut
    [ "$tcp" -eq "$pk" ] || fail "snap 80: headers were complete, yet $trunc decode errors"
    [ "$(sj snap$n 'd["tcp_connections"]')" -eq "$conns" ] || fail "snap 80: connections"
    [ "$(sj snap$n 'd["connections"]["handshake_completed"]')" -eq "$conns" ] || fail "snap 80: handshakes"
    [ "$(sj snap$n 'd["stream"]["gap_bytes"]')" -gt 0 ] || fail "snap 80: the missing bytes are not declared as gaps"
    [ "$snapc" -gt 0 ] || fail "snap 80: snap_truncated is 0"
  fi
  if [ "$n" -eq 40 ]; then
    [ "$tcp" -eq 0 ] && [ "$(sj snap$n 'd["flows"]')" -eq 0 ] || fail "snap 40: a cut header made a flow"
  fi
  echo "ok: snap $n: $pk packets, $tcp decoded, $trunc with a cut TCP header, gap bytes $(sj snap$n 'd["stream"]["gap_bytes"]'), snap_truncated $snapc"
done
echo "ok"
