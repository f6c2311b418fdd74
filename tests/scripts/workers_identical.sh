#!/bin/bash
# workers_identical.sh — `--workers N` must not change what seqwatch reports: every
# bundled trace, the e2e attack traces and (when ../shared is beside the repository)
# every public capture is run with --workers 1, 2 and 3, and the alert documents (all
# of their fields, one sorted JSON line each) and the summary's counters must be the
# same. The exceptions are the summary's timing and memory figures (elapsed seconds,
# stream.mem_peak and stream.payload_peak: with several workers each is the sum of
# each worker's own peak).
set -u
prog=${SW_PROGRAM:?}; src=${SW_SOURCE_DIR:?}
pcaps=${SW_SHARED_DIR:-$src/../shared}/pcaps
tmp=${KEEP_TMP:-$(mktemp -d)}; mkdir -p "$tmp"; [ -n "${KEEP_TMP:-}" ] || trap 'rm -rf "$tmp"' EXIT
files=()
while IFS= read -r -d '' f; do files+=("$f"); done < <(
  find "$src/tests/traces" "$src/tests/e2e" -type f \( -name '*.pcap' -o -name '*.pcapng' \) -print0 2>/dev/null | sort -z)
if [ -d "$pcaps" ]; then
  while IFS= read -r -d '' f; do
    [ "${f#"$pcaps"/}" = "zeek/ldap/gap-data-missing.pcapng" ] && continue  # libpcap cannot read it
    files+=("$f")
  done < <(find "$pcaps" -type f \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.tcpdump' \) -print0 | sort -z)
else
  echo "note: $pcaps not found; only the bundled traces are compared"
fi
[ ${#files[@]} -gt 0 ] || { echo "SKIP: no captures found"; exit 77; }

norm() {  # alerts file, summary file -> one normalised text
  python3 - "$1" "$2" <<'PY'
import json, os, sys
rows = []
if os.path.exists(sys.argv[1]):
    rows = sorted(json.dumps(json.loads(l), sort_keys=True) for l in open(sys.argv[1]))
s = json.load(open(sys.argv[2]))
for k in ("elapsed_seconds", "packets_per_second", "workers"):
    s.pop(k, None)
if isinstance(s.get("stream"), dict):
    s["stream"].pop("mem_peak", None)
    s["stream"].pop("payload_peak", None)
print("\n".join(rows))
print(json.dumps(s, sort_keys=True))
PY
}

# One more capture where the connections of all the others run at the same time: every
# Ethernet capture is converted to pcap (editcap) and shifted to start within the same
# second, and the packets are merged in time order — many concurrent connections, the
# attacks among them, spread over the workers.
if command -v editcap >/dev/null; then
  i=0
  for f in "${files[@]}"; do
    editcap -F pcap "$f" "$tmp/part$i.pcap" >/dev/null 2>&1 && i=$((i + 1))
  done
  python3 - "$tmp/merged.pcap" "$tmp"/part*.pcap <<'PY'
import heapq, struct, sys
out, parts = sys.argv[1], sys.argv[2:]
T0 = 1_800_000_000 * 10**6
streams = []
for n, path in enumerate(sorted(parts)):
    b = open(path, "rb").read()
    if len(b) < 24:
        continue
    magic = struct.unpack("<I", b[:4])[0]
    if magic == 0xa1b2c3d4: scale = 1
    elif magic == 0xa1b23c4d: scale = 1000          # nanosecond pcap
    else: continue
    if struct.unpack("<I", b[20:24])[0] != 1:         # Ethernet only
        continue
    pk, o = [], 24
    while o + 16 <= len(b):
        s, frac, cl, wl = struct.unpack("<IIII", b[o:o + 16])
        if o + 16 + cl > len(b): break
        pk.append((s * 10**6 + frac // scale, wl, b[o + 16:o + 16 + cl])); o += 16 + cl
    if not pk:
        continue
    base = min(p[0] for p in pk)
    streams.append([(T0 + n * 1000 + t - base, n, k, wl, d) for k, (t, wl, d) in enumerate(pk)])
with open(out, "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 262144, 1))
    for t, n, k, wl, d in heapq.merge(*[sorted(s, key=lambda x: (x[0], x[2])) for s in streams]):
        f.write(struct.pack("<IIII", t // 10**6, t % 10**6, len(d), wl)); f.write(d)
PY
  files+=("$tmp/merged.pcap")
else
  echo "note: editcap (wireshark-common) not found; no merged capture"
fi

pass=0; fail=0; alerts=0
for f in "${files[@]}"; do
  rel=${f#"$src"/}; rel=${rel#"$pcaps"/}; rel=${rel#"$tmp"/}
  extra=(); [ -f "$src/tests/expect/$rel.args" ] && read -r -a extra <"$src/tests/expect/$rel.args"
  ok=1
  for w in 1 2 3; do
    rm -f "$tmp/a$w.json"
    if ! "$prog" run -r "$f" --no-db --json "$tmp/a$w.json" --summary-json "$tmp/s$w.json" -q \
         --sensor same --workers $w "${extra[@]}" >"$tmp/out" 2>"$tmp/err"; then
      echo "FAIL $rel: --workers $w failed: $(head -c 300 "$tmp/err")"; ok=0; break
    fi
    norm "$tmp/a$w.json" "$tmp/s$w.json" >"$tmp/n$w"
    if [ $w -gt 1 ] && ! diff -u "$tmp/n1" "$tmp/n$w" >"$tmp/diff"; then
      echo "FAIL $rel: --workers $w reports differently from --workers 1:"
      sed 's/^/    /' "$tmp/diff" | tail -n +3 | cut -c1-400 | head -20; ok=0; break
    fi
  done
  if [ $ok = 1 ]; then
    pass=$((pass + 1)); [ -s "$tmp/a1.json" ] && alerts=$((alerts + $(wc -l <"$tmp/a1.json")))
  else
    fail=$((fail + 1))
  fi
done
echo "$pass captures identical with 1, 2 and 3 workers ($alerts alerts each), $fail differ"
[ $fail -eq 0 ]
