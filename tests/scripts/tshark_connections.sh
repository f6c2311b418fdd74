#!/bin/bash
# tshark_connections.sh — on every public capture in $SW_SHARED_DIR/pcaps, the number
# of TCP connections seqwatch reports (tcp_connections in --summary-json) equals the
# number of TCP streams tshark numbers in the same file, or the difference is
# explained in docs/connection-counts.md (a table row: file, tshark, seqwatch, why).
# Every run must also exit cleanly (under the sanitizer build: no crash, no leak).
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
doc=$src/docs/connection-counts.md
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0
while IFS= read -r -d '' f; do
  rel=${f#"$pcaps"/}
  # libpcap cannot read this one (documented in the MANIFEST); its conversion is tested.
  [ "$rel" = "zeek/ldap/gap-data-missing.pcapng" ] && continue
  want=$(tshark -r "$f" -T fields -e tcp.stream 2>/dev/null | grep -v '^$' | sort -u | wc -l)
  if ! "$prog" run -r "$f" --no-db --no-json -q --summary-json "$tmp/s.json" >"$tmp/out" 2>"$tmp/err"; then
    echo "FAIL $rel: seqwatch run exited with an error: $(head -c 300 "$tmp/err")"
    fail=$((fail + 1)); continue
  fi
  got=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["tcp_connections"])' "$tmp/s.json")
  if [ "$got" = "$want" ]; then
    pass=$((pass + 1)); continue
  fi
  # An explained difference: "| rel | tshark | seqwatch | why |" in the doc.
  row=$(grep -F "| \`$rel\` |" "$doc" 2>/dev/null | head -1)
  exp_t=$(awk -F'|' '{gsub(/ /,"",$3); print $3}' <<<"$row")
  exp_s=$(awk -F'|' '{gsub(/ /,"",$4); print $4}' <<<"$row")
  if [ -n "$row" ] && [ "$exp_t" = "$want" ] && [ "$exp_s" = "$got" ]; then
    echo "ok   $rel: tshark $want, seqwatch $got (explained in docs/connection-counts.md)"
    pass=$((pass + 1))
  else
    echo "FAIL $rel: tshark $want, seqwatch $got (no matching explanation in docs/connection-counts.md)"
    fail=$((fail + 1))
  fi
done < <(find "$pcaps" -type f \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.tcpdump' \) -print0 | sort -z)
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
