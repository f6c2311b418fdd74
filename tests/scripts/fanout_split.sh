#!/bin/bash
# fanout_split.sh — one sensor per core with Linux PACKET_FANOUT: two `seqwatch run -i`
# processes join fanout group 9 on a throwaway network namespace's loopback, and 40
# TCP connections (handshake, a request, a reply, close) run there. Asserted:
#  - together the two processes saw every connection exactly once: the sum of their
#    tcp_connections is 40, every one with its handshake (none picked up midstream,
#    which is what a connection split between the processes would look like), and
#    each process had a share (the kernel's hash spread them);
#  - neither raised an alert on this ordinary traffic;
#  - --fanout is refused with -r (usage error, exit 2).
# A round where the kernel reports dropped packets (a loaded machine) proves nothing
# either way; it is repeated, up to 3 rounds.
# Skipped (77) when not root or where namespaces cannot be made.
set -u
. "$(dirname "$0")/lib/hostile_common.sh"
"$P" run -r "$SRC/tests/traces/demo-hijack.pcap" --fanout 1 --no-db --no-json -q 2>"$T/usage.err"
rc=$?
[ $rc -eq 2 ] || fail "--fanout with -r: exit $rc, expected 2"
grep -q -- "--fanout needs a live capture" "$T/usage.err" || fail "--fanout with -r: $(cat "$T/usage.err")"

[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root"; exit 77; }
command -v ip >/dev/null || { echo "SKIP: no ip(8)"; exit 77; }
NS=swfan$$
ip netns add $NS 2>/dev/null || { echo "SKIP: cannot create a network namespace"; exit 77; }
trap 'ip netns del $NS 2>/dev/null; cleanup' EXIT
ip netns exec $NS ip link set lo up || fail "lo up"
chmod 0755 "$T"

# The traffic: 40 connections on the namespace's loopback.
traffic() {
  ip netns exec $NS python3 - <<'PY'
import socket, threading
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 0)); srv.listen(64); port = srv.getsockname()[1]
def serve():
    for _ in range(40):
        c, _a = srv.accept(); c.sendall(c.recv(100).upper()); c.close()
t = threading.Thread(target=serve); t.start()
for i in range(40):
    s = socket.create_connection(("127.0.0.1", port)); s.sendall(b"hello %d" % i)
    s.recv(100); s.close()
t.join()
PY
}

# The verdict on the two summaries: 0 pass, 1 fail, 3 not conclusive (kernel drops).
verdict() {
  python3 - "$T/s0/sum.json" "$T/s1/sum.json" "$T/s0/a.jsonl" "$T/s1/a.jsonl" <<'PY'
import json, os, sys
s = [json.load(open(p)) for p in sys.argv[1:3]]
conns = [x["tcp_connections"] for x in s]
hs = [x["connections"]["handshake_completed"] for x in s]
mid = [x["connections"]["midstream"] for x in s]
alerts = sum(sum(1 for _ in open(p)) for p in sys.argv[3:5] if os.path.exists(p))
drops = sum(x.get("capture", {}).get("dropped", 0) for x in s)
print("process 0: %d connections (%d packets), process 1: %d connections (%d packets); "
      "handshakes %d + %d, midstream %d + %d, alerts %d, kernel drops %d"
      % (conns[0], s[0]["tcp_packets"], conns[1], s[1]["tcp_packets"], hs[0], hs[1],
         mid[0], mid[1], alerts, drops))
if drops:
    print("the kernel dropped packets: round not conclusive"); sys.exit(3)
ok = sum(conns) == 40 and sum(hs) == 40 and sum(mid) == 0 and min(conns) > 0 and alerts == 0
if not ok:
    print("FAIL: expected 40 connections in all, each with its handshake, none midstream, "
          "a share in each process, no alert")
sys.exit(0 if ok else 1)
PY
}

round() {
  local k i rc
  SP=()
  for k in 0 1; do
    mkdir -p "$T/s$k"; chmod 0777 "$T/s$k"
    ip netns exec $NS "$P" run -i lo --fanout 9 --checksum off --no-db --json "$T/s$k/a.jsonl" \
        --summary-json "$T/s$k/sum.json" -q 2>"$T/s$k/err" &
    SP[$k]=$!; PIDS="$PIDS ${SP[$k]}"
  done
  # both joined: each has its packet socket open and has dropped root
  for k in 0 1; do
    for ((i = 0; i < 100; i++)); do
      awk '/^Uid:/ { exit ($3 == 0) }' /proc/${SP[$k]}/status 2>/dev/null && break
      kill -0 ${SP[$k]} 2>/dev/null || fail "sensor $k exited: $(cat "$T/s$k/err")"
      sleep 0.1
    done
  done
  sleep 0.5
  traffic || fail "traffic"
  sleep 1
  for k in 0 1; do
    kill -TERM ${SP[$k]}; wait ${SP[$k]}; rc=$?
    [ $rc -eq 0 ] || fail "sensor $k exit $rc: $(cat "$T/s$k/err")"
  done
  verdict
}

for r in 1 2 3; do
  rm -rf "$T/s0" "$T/s1"
  round; rc=$?
  [ $rc -eq 0 ] && break
  [ $rc -eq 3 ] || exit 1
  [ $r -eq 3 ] && fail "the kernel dropped packets in 3 rounds"
done
echo "PASS"
