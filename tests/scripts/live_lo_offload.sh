#!/bin/bash
# live_lo_offload.sh — live capture on the loopback interface, where Linux hands
# packets over with the checksum left to the (absent) NIC: `seqwatch run -i lo` with
# the default checksum mode (auto) sees a real TCP connection made through it —
# handshake, data both ways, close — and reports 127.0.0.1 as an offloading host;
# with --checksum on the same traffic is dropped, and the note (printed even with -q)
# says so. Runs in its own network namespace (its own lo). Skipped (77) when not
# root or where namespaces cannot be made.
set -u
P=${SW_PROGRAM:?SW_PROGRAM not set}
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root"; exit 77; }
command -v ip >/dev/null || { echo "SKIP: no ip(8)"; exit 77; }
NS=swlo$$
ip netns add $NS 2>/dev/null || { echo "SKIP: cannot create a network namespace"; exit 77; }
T=$(mktemp -d)
trap 'ip netns del $NS 2>/dev/null; rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
ip -n $NS link set lo up

# one connection: client sends "ping", server answers "pong ping", both close
talk() {
  ip netns exec $NS python3 - "$1" <<'PY'
import socket, sys, threading
port = int(sys.argv[1])
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", port)); s.listen(1)
def srv():
    c, _ = s.accept(); d = c.recv(100); c.sendall(b"pong " + d); c.close()
t = threading.Thread(target=srv); t.start()
c = socket.create_connection(("127.0.0.1", port)); c.sendall(b"ping")
assert c.recv(100) == b"pong ping"; c.close(); t.join()
PY
}

# run MODE PORT: capture on lo while one connection is made
run() {
  ip netns exec $NS "$P" run -i lo -f "tcp port $2" --no-db --json "$T/$1.jsonl" -q \
      --summary-json "$T/$1.sum" --checksum "$1" 2>"$T/$1.err" &
  local pid=$!
  sleep 1
  talk "$2" || fail "$1: the connection failed"
  sleep 0.5
  kill -INT $pid; wait $pid || fail "$1: seqwatch exit $?: $(cat "$T/$1.err")"
}
sj() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$T/$1.sum"; }

run auto 45678
[ "$(sj auto 'd["tcp_connections"]')" -eq 1 ] || fail "auto: connections $(sj auto 'd["tcp_connections"]')"
[ "$(sj auto 'd["connections"]["handshake_completed"]')" -eq 1 ] || fail "auto: no handshake"
[ "$(sj auto 'd["stream"]["bytes_delivered"]')" -eq 13 ] || fail "auto: bytes $(sj auto 'd["stream"]["bytes_delivered"]')"
[ "$(sj auto 'd["checksum_errors"]')" -eq 0 ] || fail "auto: checksum errors"
[ "$(sj auto '[h["host"] for h in d["checksum"]["offload_hosts"]]')" = "['127.0.0.1']" ] ||
  fail "auto: offload hosts $(sj auto 'd["checksum"]["offload_hosts"]')"

run on 45679
[ "$(sj on 'd["tcp_connections"]')" -eq 0 ] || fail "on: the offloaded packets were taken"
grep -q "had a bad checksum" "$T/on.err" || fail "on: no note under -q: $(cat "$T/on.err")"
echo "ok: lo with auto: 1 connection, $(sj auto 'd["checksum"]["offload_accepted"]') packets taken from 127.0.0.1; with on: none"
