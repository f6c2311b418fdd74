#!/bin/bash
# show_graph.sh — `seqwatch show ID --html/--svg/--pcap` on the bundled demo's
# session_takeover: the HTML and the SVG flow graph render in headless Chromium
# (Debian's chromium) without a console error and without a blocked fetch, the DOM
# holds the marked packets (the injected segment, the genuine retransmission, the
# alert) and both versions of the overlapping bytes, the PNG screenshot is a real
# picture with the forged row's red highlight; the written capture holds the 18 held
# headers (tshark reads it); the printed tshark filter, run on the original capture,
# selects the connection from its oldest held packet to the alert's.
# The text, capture and filter checks run first; the Chromium part is skipped (77)
# only when chromium is not installed (bash scripts/install-deps.sh test).
set -u
P=${SW_PROGRAM:?SW_PROGRAM not set}
SRC=${SW_SOURCE_DIR:?SW_SOURCE_DIR not set}
DEMO=$SRC/tests/traces/demo-hijack.pcap
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$P" run -r "$DEMO" --db "$T/demo.db" --no-json -q || fail "seqwatch run"
id=$("$P" query --db "$T/demo.db" --event session_takeover --format jsonl --limit 1 |
     sed -n 's/.*"alert_id":"\([^"]*\)".*/\1/p')
[ -n "$id" ] || fail "no session_takeover alert in the demo"
"$P" show --db "$T/demo.db" "$id" --html "$T/flow.html" --svg "$T/flow.svg" --pcap "$T/held.pcap" \
  >"$T/show.txt" 2>"$T/show.err" || fail "show --html --svg --pcap: $(cat "$T/show.err")"
grep -q '<== INJECTED, forged: first version' "$T/show.txt" || fail "text ladder: no injected segment"
grep -q '^capture   18 packets written to ' "$T/show.txt" || fail "text: $(grep '^capture' "$T/show.txt")"

# the capture of the held headers
n=$(tshark -r "$T/held.pcap" 2>/dev/null | wc -l)
[ "$n" = 18 ] || fail "held.pcap: $n packets"
tshark -r "$T/held.pcap" -Y 'ip.ttl==51 && tcp.len==29' 2>/dev/null | grep -q . || fail "held.pcap: no injected segment"
# the printed display filter, on the original capture
filt=$(sed -n '/the packets held/{n;s/^ *//;p;}' "$T/show.txt")
[ -n "$filt" ] || fail "no time-bounded display filter printed"
tshark -r "$DEMO" -Y "$filt" -T fields -e frame.time_epoch 2>/dev/null >"$T/sel" || fail "tshark rejects the filter: $filt"
first=$(head -1 "$T/sel"); last=$(tail -1 "$T/sel")
python3 -c 'import sys; a,b=float(sys.argv[1]),float(sys.argv[2]); sys.exit(0 if abs(a-1700000000.261)<1e-6 and abs(b-1700000001.1748)<1e-6 else 1)' \
  "$first" "$last" || fail "the filter selects $first .. $last, not the held span 1700000000.261 .. 1700000001.1748"
bpf=$(sed -n '/^  BPF/{n;s/^ *//;p;}' "$T/show.txt")
tcpdump -r "$DEMO" -w "$T/bpf.pcap" "$bpf" 2>/dev/null || fail "tcpdump rejects the BPF filter: $bpf"
[ "$(tshark -r "$T/bpf.pcap" 2>/dev/null | wc -l)" = "$(tshark -r "$DEMO" 2>/dev/null | wc -l)" ] ||
  fail "the BPF filter does not select the demo's one connection"

# options: --absolute, --filter alone, --json with another output refused
"$P" show --db "$T/demo.db" "$id" --absolute | grep -q 'P. seq=472727139 ack=2053856454 len=29 win=64256 ttl=51' ||
  fail "--absolute: no raw numbers"
"$P" show --db "$T/demo.db" "$id" --filter >"$T/filter.txt" || fail "--filter"
[ "$(head -1 "$T/filter.txt")" = "filters   the connection 192.168.56.10:50123 <-> 192.168.56.20:23" ] ||
  fail "--filter: $(head -1 "$T/filter.txt")"
"$P" show --db "$T/demo.db" "$id" --json --svg "$T/x.svg" >/dev/null 2>&1; [ $? = 2 ] || fail "--json --svg accepted"

CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROMIUM" ]; then
  echo "SKIP: chromium is not installed (Debian package chromium: bash scripts/install-deps.sh test)"
  exit 77
fi

# Chromium: a private profile, no network (the page fetches nothing; the CSP would
# log any attempt), console messages on stderr.
chrome() {
  HOME=$T timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run \
    --user-data-dir="$T/profile" --enable-logging=stderr --v=0 "$@"
}
for f in flow.html flow.svg; do
  chrome --dump-dom "file://$T/$f" >"$T/$f.dom" 2>"$T/$f.log" || fail "chromium --dump-dom $f: $(tail -3 "$T/$f.log")"
  # page errors: a console message from the page, a blocked load, a parse error
  if grep -E 'CONSOLE|Uncaught|Refused to|net::ERR_|This page contains the following errors|error on line' \
       "$T/$f.log" "$T/$f.dom" >"$T/$f.errs"; then
    fail "$f: errors while loading: $(head -3 "$T/$f.errs")"
  fi
  for want in 'class="forged"' 'INJECTED: forged: first version' 'class="genuine"' \
              'genuine: second version' 'class="alert"' 'ALERT: with desync, ack_storm' \
              'first version - forged (6 bytes)' 'second version - genuine (6 bytes)' \
              'client 192.168.56.10:50123' 'server 192.168.56.20:23'; do
    grep -qF "$want" "$T/$f.dom" || fail "$f: the rendered DOM lacks '$want'"
  done
  [ "$(grep -o '<g class="[a-z]*" id="pkt' "$T/$f.dom" | wc -l)" = 18 ] || fail "$f: not 18 packet arrows"
  chrome --screenshot="$T/$f.png" --window-size=1200,900 "file://$T/$f" >/dev/null 2>"$T/$f.shot.log" ||
    fail "chromium --screenshot $f: $(tail -3 "$T/$f.shot.log")"
  # a real 1200x900 PNG whose pixels include the forged row's highlight (#fbd5d5)
  python3 - "$T/$f.png" <<'PY' || fail "$f: screenshot check"
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat, w = 8, b"", 0
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR":
        w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
    elif kind == b"IDAT":
        idat += body
    pos += 12 + n
assert (w, h) == (1200, 900), (w, h)
assert depth == 8 and ctype in (2, 6), (depth, ctype)
bpp = 3 if ctype == 2 else 4
raw, stride = zlib.decompress(idat), w * bpp
prev, rows, i = bytearray(stride), [], 0
for _ in range(h):
    f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride]); i += 1 + stride
    for x in range(stride):
        a = line[x - bpp] if x >= bpp else 0
        b, c = prev[x], prev[x - bpp] if x >= bpp else 0
        if f == 1: line[x] = (line[x] + a) & 255
        elif f == 2: line[x] = (line[x] + b) & 255
        elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    rows.append(bytes(line)); prev = line
pix = lambda r, x: tuple(r[x * bpp:x * bpp + 3])
colours = {pix(r, x) for r in rows[::3] for x in range(0, w, 3)}
assert (0xfb, 0xd5, 0xd5) in colours, "no forged-row highlight in the picture"
assert len(colours) > 20, "a blank picture"
PY
done

echo "OK show_graph"
