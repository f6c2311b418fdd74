#!/bin/bash
# benign_traces.sh — captures of ordinary traffic committed in tests/traces/benign-*.pcap
# (cut from the end-to-end lab's real Linux transfers, payload trimmed to 120 bytes a
# frame) must raise no alert with the default rules. Each once raised a false alarm:
#   benign-window-limited-acks.pcap  pure ACKs whose sequence field is the window
#       edge the sender knows (Linux tcp_acceptable_seq), behind the peer's ACK:
#       was a false desync
#   benign-ack-overtakes-fin.pcap    a window update overtaking queued data and the
#       FIN on the wire: was a false fin_injection
#   benign-capture-reorder.pcap      an IPv6 bulk transfer whose capture shows a burst
#       of the server's older pure ACKs after its newer data (capture queues on two
#       cores): was a false desync
set -u
prog=${SW_PROGRAM:?}; src=${SW_SOURCE_DIR:?}
pass=0; fail=0
for f in "$src"/tests/traces/benign-*.pcap; do
  n=$("$prog" run -r "$f" --no-db -q | wc -l)
  if [ "$n" -eq 0 ]; then pass=$((pass + 1)); echo "ok   $(basename "$f"): no alert"
  else fail=$((fail + 1)); echo "FAIL $(basename "$f"): $n alert(s):"; "$prog" run -r "$f" --no-db -q | cut -c1-300; fi
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
