#!/bin/bash
# alert_counts.sh OLD NEW [CAPTURE...] — alerts before/after on every capture (the
# bundled traces, the public captures under $SW_SHARED_DIR/pcaps, and the CAPTUREs
# given, e.g. an e2e lab scenario's capture.pcap kept with --keep): the alert records each
# program writes (JSON lines minus closing updates = database rows), the closing
# updates, and the most alert records one connection instance got. Prints a
# Markdown table of the captures whose counts differ, then the totals — the table in
# docs/detections.md ("Repeats fold") comes from here.
set -u
here=$(cd "$(dirname "$0")" && pwd); src=$(cd "$here/../.." && pwd)
[ $# -ge 2 ] || { echo "usage: alert_counts.sh OLD NEW [CAPTURE...]" >&2; exit 2; }
old=$1 new=$2; shift 2
pcaps=${SW_SHARED_DIR:-$src/../shared}/pcaps
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
files=()
while IFS= read -r -d '' f; do files+=("$f"); done < <(
  { find "$src/tests/traces" -type f \( -name '*.pcap' -o -name '*.pcapng' \) -print0
    [ -d "$pcaps" ] && find "$pcaps" -type f \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.tcpdump' \) -print0
  } | sort -z; for f in "$@"; do printf '%s\0' "$f"; done)
for f in "${files[@]}"; do
  rel=${f#"$src"/}; rel=${rel#"$pcaps"/}
  extra=(); [ -f "$src/tests/expect/$rel.args" ] && read -r -a extra <"$src/tests/expect/$rel.args"
  for side in old new; do
    prog=$old; [ $side = new ] && prog=$new
    rm -f "$tmp/$side.json"
    "$prog" run -r "$f" --no-db --json "$tmp/$side.json" -q --sensor x "${extra[@]}" >/dev/null 2>&1 || : >"$tmp/$side.json"
  done
  python3 - "$rel" "$tmp/old.json" "$tmp/new.json" <<'PY' >>"$tmp/rows"
import json, sys, collections
def load(p):
    recs, upd = [], 0
    for l in open(p):
        try: d = json.loads(l)
        except ValueError: continue
        if d.get("hijack", {}).get("fold", {}).get("final"): upd += 1; continue
        recs.append(d)
    per = collections.Counter((d.get("flow_id"), d.get("hijack", {}).get("conn_instance")) for d in recs)
    return len(recs), upd, max(per.values()) if per else 0
o, n = load(sys.argv[2]), load(sys.argv[3])
print("\t".join(map(str, [sys.argv[1], o[0], n[0], n[1], o[2], n[2]])))
PY
done
python3 - "$tmp/rows" <<'PY'
import sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
print("| capture | alerts before | alerts after (rows) | closing updates | most per connection before | after |")
print("|---|---:|---:|---:|---:|---:|")
t = [0, 0, 0]
for r in rows:
    v = list(map(int, r[1:]))
    t[0] += v[0]; t[1] += v[1]; t[2] += v[2]
    if v[0] != v[1] or v[2]:
        print(f"| {r[0]} | {v[0]} | {v[1]} | {v[2]} | {v[3]} | {v[4]} |")
print(f"| **all {len(rows)} captures** | **{t[0]}** | **{t[1]}** | **{t[2]}** | | |")
PY
