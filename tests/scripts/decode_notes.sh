#!/bin/bash
# decode_notes.sh — the decoder's notes on valid TCP segments reach the run summary:
# `tcp_bad_options` and `snap_truncated` in --summary-json and the "decode notes"
# line on stderr, with the counts tshark finds in two public captures:
#   suricata-verify/tcp-empty-sack.pcap: segments carrying a SACK option of length 2
#     (no block: malformed, ignored);
#   zeek/tcp/timestamp.pcap: TCP frames captured shorter than they were on the wire
#     (every one with its headers complete, so none is a decode error).
set -u
prog=${SW_PROGRAM:?SW_PROGRAM not set}
src=${SW_SOURCE_DIR:?}
pcaps=${SW_SHARED_DIR:-$src/../shared}/pcaps
if [ ! -d "$pcaps" ]; then
  echo "SKIP: $pcaps not found (the shared public captures are not beside the repository)"
  exit 77
fi
if ! command -v tshark >/dev/null; then
  echo "SKIP: tshark is not installed (apt-get install tshark)"
  exit 77
fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0
key() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }

check() {   # rel tshark-filter key
  local f=$pcaps/$1 want got line
  if [ ! -f "$f" ]; then
    echo "SKIP $1: not found"; return
  fi
  want=$(tshark -r "$f" -Y "$2" 2>/dev/null | wc -l)
  if ! "$prog" run -r "$f" --no-db --no-json --no-progress --summary-json "$tmp/s.json" 2>"$tmp/err" >/dev/null; then
    echo "FAIL $1: seqwatch run failed: $(head -c 300 "$tmp/err")"; fail=1; return
  fi
  got=$(key "$tmp/s.json" "$3")
  if [ "$got" != "$want" ] || [ "$want" -eq 0 ]; then
    echo "FAIL $1: $3 = $got, tshark finds $want"; fail=1; return
  fi
  if [ "$3" = snap_truncated ] && [ "$(key "$tmp/s.json" decode_errors_total)" != 0 ]; then
    echo "FAIL $1: decode errors, the counts are not comparable"; fail=1; return
  fi
  line=$(grep '^  decode notes ' "$tmp/err")
  case "$3" in
    tcp_bad_options) pat="malformed option $got," ;;
    *) pat="snap length $got" ;;
  esac
  if [[ "$line" != *"$pat"* ]]; then
    echo "FAIL $1: summary line '$line' does not say '$pat'"; fail=1; return
  fi
  echo "ok   $1: $3 $got"
}

check suricata-verify/tcp-empty-sack.pcap 'tcp.option_kind == 5 && tcp.option_len == 2' tcp_bad_options
check zeek/tcp/timestamp.pcap 'tcp && frame.cap_len < frame.len' snap_truncated
[ "$fail" -eq 0 ]
