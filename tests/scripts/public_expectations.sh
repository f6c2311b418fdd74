#!/bin/bash
# public_expectations.sh — every public capture in $SW_SHARED_DIR/pcaps is run with
# the default rules, and what seqwatch reports (alert events per connection, sorted)
# must equal the checked-in expectation file tests/expect/<capture path>.expect.
# Each alert in those files has a short reason in docs/public-captures.md. A capture
# may have tests/expect/<capture path>.args with extra options for its run.
#   --update   rewrite the expectation files from the current program (then review
#              the diff and the reasons in docs/public-captures.md by hand)
set -u
prog=${SW_PROGRAM:?}; src=${SW_SOURCE_DIR:?}
pcaps=${SW_SHARED_DIR:-$src/../shared}/pcaps
update=0; [ "${1:-}" = "--update" ] && update=1
if [ ! -d "$pcaps" ]; then
  echo "SKIP: $pcaps not found (the shared public captures are not beside the repository)"
  exit 77
fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0
while IFS= read -r -d '' f; do
  rel=${f#"$pcaps"/}
  [ "$rel" = "zeek/ldap/gap-data-missing.pcapng" ] && continue   # libpcap cannot read it (MANIFEST)
  exp=$src/tests/expect/$rel.expect
  rm -f "$tmp/a.json"
  # tests/expect/<capture>.args: extra options for that capture (e.g. --checksum off
  # for a capture taken on a host with checksum offload)
  extra=(); [ -f "$src/tests/expect/$rel.args" ] && read -r -a extra <"$src/tests/expect/$rel.args"
  if ! "$prog" run -r "$f" --no-db --json "$tmp/a.json" -q --sensor expect "${extra[@]}" >"$tmp/out" 2>"$tmp/err"; then
    echo "FAIL $rel: seqwatch run failed: $(head -c 300 "$tmp/err")"; fail=$((fail + 1)); continue
  fi
  python3 - "$tmp/a.json" >"$tmp/got" <<'PY'
import json, sys
rows = set()
import os
for line in (open(sys.argv[1]) if os.path.exists(sys.argv[1]) else []):
    d = json.loads(line)
    # an alert's event and the events merged into it (hijack.also: the other
    # fingerprint events of its packet, the event that completed a verdict)
    for ev in [d["hijack"]["event"]] + [a["event"] for a in d["hijack"].get("also", [])]:
        rows.add("%s %s:%s -> %s:%s" % (ev, d["src_ip"], d["src_port"], d["dest_ip"], d["dest_port"]))
for r in sorted(rows):
    print(r)
PY
  if [ $update -eq 1 ]; then
    mkdir -p "$(dirname "$exp")"; cp "$tmp/got" "$exp"; pass=$((pass + 1)); continue
  fi
  if [ ! -f "$exp" ]; then
    echo "FAIL $rel: no expectation file tests/expect/$rel.expect"; fail=$((fail + 1)); continue
  fi
  if diff -u "$exp" "$tmp/got" >"$tmp/diff"; then
    pass=$((pass + 1))
  else
    echo "FAIL $rel: alerts differ from tests/expect/$rel.expect:"; sed 's/^/    /' "$tmp/diff" | tail -n +3
    fail=$((fail + 1))
  fi
done < <(find "$pcaps" -type f \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.tcpdump' \) -print0 | sort -z)
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
