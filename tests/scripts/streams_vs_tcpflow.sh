#!/usr/bin/env bash
# streams_vs_tcpflow.sh — compare `seqwatch streams` with tcpflow, direction by
# direction, on every capture under $SW_SHARED_DIR/pcaps and tests/traces/.
#
# For each capture both tools write one file per connection direction; directions
# are paired by addresses and ports (and, for a reused address/port pair, by start
# time). Equal bytes pass. A difference passes only when it is one of the known
# differences listed in docs/reassembly.md ("Known differences with tcpflow"), each
# checked mechanically here:
#   KD1 gap        seqwatch declared gaps: the bytes before the first gap must be
#                  equal, or the files equal with seqwatch's gaps filled with zeros
#   KD2 overlap    the capture holds two versions of some bytes (seqwatch keeps the
#                  first, tcpflow the last): `seqwatch run` reported an
#                  overlap_mismatch on that direction
#   KD3 checksum   seqwatch ignored packets with bad checksums: with
#                  --checksum off the files are equal
#   KD4 instances  the two tools cut a reused address/port pair into a different
#                  number of connections: compared as the concatenation in time
#                  order when that is equal, otherwise listed and not compared
#   KD5 start      picked up without a handshake, or data before the ISN+1: one
#                  file is a suffix of the other
#   KD6 tail       one file is a prefix of the other and the direction saw a FIN,
#                  a RST or a gap (bytes after the end, or past a gap)
#   KD7 padding    tcpflow wrote link-layer padding/trailer/FCS bytes (beyond the
#                  IP length) as data: its extra bytes all come from those of the
#                  direction's frames (tshark lists them)
#   KD8 tracker    seqwatch delivered a prefix (or nothing) of tcpflow's bytes and
#                  either `seqwatch run` raised a window or handshake event on the
#                  connection, or tcpflow's remaining bytes start with a hole of at
#                  least 4 KiB (zeros): data far outside the window
#   KD9 two ISNs   the sender of the direction sent SYN-ACKs (or SYNs) with two
#                  different sequence numbers (tshark), seqwatch follows the first
#                  and delivered a prefix (or nothing) of tcpflow's bytes
#   KD10 RST data  tcpflow wrote the payload of the direction's RST segments, which
#                  no receiver reads (seqwatch does not deliver it): seqwatch's bytes
#                  are a prefix and tcpflow's extra bytes are as many as those
#                  payloads hold (tshark tcp.len; tshark hands the bytes themselves to
#                  the application dissectors)
#   KD11 urgent    seqwatch leaves out the byte named by an urgent pointer (a socket
#                  without SO_OOBINLINE does not read it): with --stream-urgent
#                  inline the files are equal
#   KD12 SYN data  data carried on a SYN that no SYN-ACK acknowledged (TCP Fast Open
#                  not taken) is not a stream byte for seqwatch; tcpflow writes it:
#                  tcpflow's bytes are those SYN payloads (tshark tcp.len) followed
#                  by seqwatch's (and padding)
# Checks are combined where needed (e.g. KD3+KD1: checksum off, then a gap).
# Prints one line per difference and a summary "N passed, M failed"; exits 1 if any
# difference is unexplained, 77 (skipped) when there is nothing to compare.
set -u

prog=${SW_PROGRAM:-}
src=${SW_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
shared=${SW_SHARED_DIR:-$src/../shared}

if [ -z "$prog" ] || [ ! -x "$prog" ]; then
    echo "SKIP: SW_PROGRAM is not set to the built seqwatch program"
    exit 77
fi
if ! command -v tcpflow >/dev/null 2>&1; then
    echo "SKIP: tcpflow is not installed"
    exit 77
fi
if ! command -v python3 >/dev/null 2>&1; then
    echo "SKIP: python3 is not installed"
    exit 77
fi

captures=()
if [ -d "$shared/pcaps" ]; then
    while IFS= read -r f; do captures+=("$f"); done < <(find "$shared/pcaps" -type f \
        \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.tcpdump' -o -name '*.cap' \) | LC_ALL=C sort)
fi
if [ -d "$src/tests/traces" ]; then
    while IFS= read -r f; do captures+=("$f"); done < <(find "$src/tests/traces" -type f \
        \( -name '*.pcap' -o -name '*.pcapng' \) | LC_ALL=C sort)
fi
if [ ${#captures[@]} -eq 0 ]; then
    echo "SKIP: no captures found (looked in $shared/pcaps and $src/tests/traces)"
    exit 77
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/sw-streams-tcpflow.XXXXXX")
trap 'rm -rf "$work"' EXIT

python3 - "$prog" "$work" "${captures[@]}" <<'PYEOF'
import json, os, subprocess, sys, xml.etree.ElementTree as ET
from collections import defaultdict
from datetime import datetime, timezone

prog, work, caps = sys.argv[1], sys.argv[2], sys.argv[3:]
passed = failed = 0
explained = defaultdict(int)
skipped = []
WINDOW_EVENTS = ("seq_out_of_window", "data_beyond_window", "synack_conflict", "synack_bad_ack",
                 "syn_in_established", "desync", "early_desync", "rst_out_of_window", "ack_unsent_data")

def run(cmd, cwd=None):
    try:
        return subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except OSError as e:        # e.g. tshark missing: that check then explains nothing
        return subprocess.CompletedProcess(cmd, 127, b"", str(e).encode())

def readb(path):
    if not path or not os.path.exists(path):
        return b""
    with open(path, "rb") as fh:
        return fh.read()

def key(d):
    return (d["src_ip"], int(d["src_port"]), d["dest_ip"], int(d["dest_port"]))

def sw_streams(cap, out, extra=()):
    man = out + ".manifest"
    r = run([prog, "streams", "-r", cap, "-o", out, "--manifest", man, "-q"] + list(extra))
    if r.returncode != 0:
        return None, r.stderr.decode(errors="replace").strip()
    res = defaultdict(list)
    with open(man) as fh:
        for line in fh:
            d = json.loads(line)
            res[key(d)].append(d)
    for k in res:
        res[k].sort(key=lambda d: (d["start_us"], d["conn_instance"]))
    return res, ""

def tcpflow_dirs(cap, out):
    os.makedirs(out, exist_ok=True)
    r = run(["tcpflow", "-r", os.path.abspath(cap), "-o", "tf"], cwd=out)
    rep = os.path.join(out, "tf", "report.xml")
    if r.returncode != 0 or not os.path.exists(rep):
        return None
    try:
        root = ET.parse(rep).getroot()
    except ET.ParseError:
        return None
    res = defaultdict(list)
    for fo in root.iter():
        if not fo.tag.endswith("fileobject"):
            continue
        fn = tf = None
        for ch in fo:
            if ch.tag.endswith("filename"):
                fn = ch.text
            elif ch.tag.endswith("tcpflow"):
                tf = ch.attrib
        if not fn or tf is None:
            continue
        try:
            t = datetime.strptime(tf.get("startime", ""), "%Y-%m-%dT%H:%M:%S.%fZ")
            t = t.replace(tzinfo=timezone.utc).timestamp()
        except ValueError:
            t = 0.0
        k = (tf.get("src_ipn"), int(tf.get("srcport", 0)), tf.get("dst_ipn"), int(tf.get("dstport", 0)))
        res[k].append((t, os.path.join(out, fn)))
    for k in res:
        res[k].sort()
    return res

class Capture:
    """Facts about one capture, computed on first use."""
    def __init__(self, cap, out):
        self.cap, self.out = cap, out
        self._pads = self._nocsum = None
        self._events = {}

    def pads(self, k):
        """Bytes beyond the IP length (padding, trailer, FCS) per frame of direction k."""
        if self._pads is None:
            self._pads = defaultdict(list)
            r = run(["tshark", "-r", self.cap, "-Y", "eth.padding or eth.trailer or eth.fcs",
                     "-T", "fields", "-E", "separator=/t", "-e", "ip.src", "-e", "ipv6.src",
                     "-e", "tcp.srcport", "-e", "ip.dst", "-e", "ipv6.dst", "-e", "tcp.dstport",
                     "-e", "eth.padding", "-e", "eth.trailer", "-e", "eth.fcs"])
            for line in r.stdout.decode(errors="replace").splitlines():
                f = line.split("\t")
                if len(f) < 9 or not f[2] or not f[5]:
                    continue
                src, dst = f[0] or f[1], f[3] or f[4]
                blob = b""
                for h in (f[6], f[7]):
                    h = h.replace(":", "")
                    if h:
                        blob += bytes.fromhex(h)
                if f[8].startswith("0x"):
                    blob += int(f[8], 16).to_bytes(4, "big")
                if blob:
                    self._pads[(src, int(f[2].split(",")[0]), dst, int(f[5].split(",")[0]))].append(blob)
        return self._pads.get(k, [])

    def events(self, k, csum):
        """Event names `seqwatch run` reported on direction k, and on k or its reverse."""
        if csum not in self._events:
            ev = self._events[csum] = defaultdict(set)
            js = self.out + ".alerts-%s.json" % csum
            run([prog, "run", "-r", self.cap, "--no-db", "--json", js, "--anomalies", "-q",
                 "--checksum", csum])
            if os.path.exists(js):
                with open(js) as fh:
                    for line in fh:
                        try:
                            a = json.loads(line)
                        except ValueError:
                            continue
                        ev_name = ((a.get("hijack") or {}).get("event") or
                                   (a.get("alert") or {}).get("signature", ""))
                        kk = (a.get("src_ip"), int(a.get("src_port") or 0), a.get("dest_ip"),
                              int(a.get("dest_port") or 0))
                        ev[kk].add(str(ev_name))
        ev = self._events[csum]
        rev = (k[2], k[3], k[0], k[1])
        return ev.get(k, set()), ev.get(k, set()) | ev.get(rev, set())

    def syn_isns(self, k):
        """Distinct sequence numbers of the SYNs / SYN-ACKs the sender of k sent."""
        if not hasattr(self, "_isns"):
            self._isns = defaultdict(set)
            r = run(["tshark", "-r", self.cap, "-Y", "tcp.flags.syn == 1", "-T", "fields",
                     "-E", "separator=/t", "-e", "ip.src", "-e", "ipv6.src", "-e", "tcp.srcport",
                     "-e", "ip.dst", "-e", "ipv6.dst", "-e", "tcp.dstport", "-e", "tcp.seq_raw"])
            for line in r.stdout.decode(errors="replace").splitlines():
                f = line.split("\t")
                if len(f) < 7 or not f[2] or not f[5] or not f[6]:
                    continue
                kk = (f[0] or f[1], int(f[2].split(",")[0]), f[3] or f[4], int(f[5].split(",")[0]))
                self._isns[kk].add(int(f[6].split(",")[0]))
        return self._isns.get(k, set())

    def _lens(self, attr, filt, k):
        """The payload lengths (tshark tcp.len) of the segments of direction k that
        match display filter filt, read once per capture and kept in self.<attr>."""
        if not hasattr(self, attr):
            m = defaultdict(list)
            r = run(["tshark", "-r", self.cap, "-Y", filt,
                     "-T", "fields", "-E", "separator=/t", "-e", "ip.src", "-e", "ipv6.src",
                     "-e", "tcp.srcport", "-e", "ip.dst", "-e", "ipv6.dst", "-e", "tcp.dstport",
                     "-e", "tcp.len"])
            for line in r.stdout.decode(errors="replace").splitlines():
                f = line.split("\t")
                if len(f) < 7 or not f[2] or not f[5] or not f[6]:
                    continue
                kk = (f[0] or f[1], int(f[2].split(",")[0]), f[3] or f[4], int(f[5].split(",")[0]))
                m[kk].append(int(f[6].split(",")[0]))
            setattr(self, attr, m)
        return getattr(self, attr).get(k, [])

    def rst_payloads(self, k):
        """The payload lengths of the RST segments of direction k."""
        return self._lens("_rstp", "tcp.flags.reset == 1 and tcp.len > 0", k)

    def syn_payloads(self, k):
        """The payload lengths of the SYN (not SYN-ACK) segments of direction k."""
        return self._lens("_synp", "tcp.flags.syn == 1 and tcp.flags.ack == 0 and tcp.len > 0", k)

    def urginline(self):
        if not hasattr(self, "_urg"):
            self._urg, _ = sw_streams(self.cap, self.out + "-urg", ["--stream-urgent", "inline"])
            self._urg = self._urg or {}
        return self._urg

    def nocsum(self):
        if self._nocsum is None:
            self._nocsum, _ = sw_streams(self.cap, self.out + "-nocsum", ["--checksum", "off"])
            self._nocsum = self._nocsum or {}
        return self._nocsum

def padding_only(tail, pads):
    if not tail:
        return True
    allb = b"".join(pads)
    return len(tail) <= len(allb) and set(tail) <= set(allb)

def zero_filled(d):
    data = readb(d["file"])
    if not d.get("gaps") or d.get("gap_list_truncated"):
        return data
    out, pos = bytearray(), 0
    for g in d["gap_list"]:
        out += data[pos:g["file_offset"]] + b"\0" * g["len"]
        pos = g["file_offset"]
    return bytes(out + data[pos:])

def explain(C, k, sd, tfiles, csum="on"):
    """None if equal, else (reason or None, description)."""
    pads = C.pads(k)
    # tcpflow starts a new file for packets after a FIN: drop files of padding only
    tparts = [readb(p) for _, p in tfiles]
    if len(tparts) > 1:
        tparts = [t for t in tparts if not padding_only(t, pads)] or tparts[:1]
    b = b"".join(tparts)
    a = b"".join(readb(d["file"]) for d in sd)
    if a == b:
        return None
    what = "seqwatch %d bytes, tcpflow %d bytes" % (len(a), len(b))
    sdd = [d for d in sd if d["bytes"] or d["gaps"]]
    if len(sdd) > 1 or len(tparts) > 1:
        if len(sdd) != len(tparts):
            return "KD4", what + ", %d seqwatch connection(s) vs %d tcpflow file(s): not compared" % (
                len(sdd), len(tparts))
    gaps = sum(d["gaps"] for d in sd)
    if b.startswith(a) and padding_only(b[len(a):], pads) and b != a:
        return "KD7", what + ", tcpflow's extra bytes are link-layer padding"
    if gaps:
        z = b"".join(zero_filled(d) for d in sd)
        if z == b or (b.startswith(z) and padding_only(b[len(z):], pads)):
            return "KD1", what + ", equal with seqwatch's gaps zero-filled"
        first = sd[0]["gap_list"][0]["file_offset"] if len(sd) == 1 and sd[0]["gap_list"] else 0
        if a[:first] == b[:first]:
            return "KD1", what + ", %d gap(s), equal before the first gap" % gaps
    own, _ = C.events(k, csum)
    if any("overlap_mismatch" in e for e in own):
        n = sum(1 for x, y in zip(a, b) if x != y) + abs(len(a) - len(b))
        return "KD2", what + ", %d byte(s) differ; seqwatch reported overlap_mismatch" % n
    if a and b and len(a) != len(b) and (a.endswith(b) or b.endswith(a)):
        return "KD5", what + ", one is a suffix of the other"
    if (gaps or any(d["fin"] or d["rst"] for d in sd)) and (a.startswith(b) or b.startswith(a)):
        return "KD6", what + ", one is a prefix of the other"
    rp = sum(C.rst_payloads(k))
    if rp and b.startswith(a) and len(b) - len(a) == rp:
        return "KD10", what + ", tcpflow's extra bytes are the RST payload(s)"
    sp = max(C.syn_payloads(k) or [0])
    if sp and (b[sp:] == a or (b[sp:].startswith(a) and padding_only(b[sp + len(a):], pads))):
        return "KD12", what + ", tcpflow's extra bytes are SYN data no SYN-ACK acknowledged"
    if b.startswith(a):
        _, both = C.events(k, csum)
        hits = sorted(e for e in both if any(w in e for w in WINDOW_EVENTS))
        if hits:
            return "KD8", what + ", seqwatch's bytes are a prefix; it reported %s" % ",".join(hits)
        hole = len(b) - len(b[len(a):].lstrip(b"\0")) - len(a)
        if hole >= 4096:
            return "KD8", what + ", seqwatch's bytes are a prefix; tcpflow's rest starts with a %d-byte hole" % hole
        isns = C.syn_isns(k)
        if len(isns) > 1:
            return "KD9", what + ", seqwatch's bytes are a prefix; the sender used ISNs %s" % (
                ",".join(str(i) for i in sorted(isns)))
    n = min(len(a), len(b))
    first = next((i for i in range(n) if a[i] != b[i]), n)
    return None, what + ", first difference at byte %d" % first

for ci, cap in enumerate(caps):
    out = os.path.join(work, str(ci))
    os.makedirs(out)
    tf = tcpflow_dirs(cap, os.path.join(out, "tcpflow"))
    if tf is None:
        skipped.append((cap, "tcpflow cannot read it"))
        continue
    sw, err = sw_streams(cap, os.path.join(out, "sw"))
    if sw is None:
        print("  [FAIL] %s: seqwatch streams failed: %s" % (cap, err))
        failed += 1
        continue
    C = Capture(cap, os.path.join(out, "x"))
    name = os.path.relpath(cap)
    for k in sorted(set(sw) | set(tf)):
        sd, td = sw.get(k, []), tf.get(k, [])
        if not td and not any(d["bytes"] for d in sd):
            continue                      # nothing on either side (gaps only)
        r = explain(C, k, sd, td)
        if r is None:
            passed += 1
            continue
        why, what = r
        if why is None:
            alt = C.urginline().get(k, [])
            if alt and explain(C, k, alt, td) is None:
                why, what = "KD11", what + ", equal with --stream-urgent inline"
        if why is None:
            alt = C.nocsum().get(k, [])
            if alt:
                r2 = explain(C, k, alt, td, "off")
                if r2 is None:
                    why, what = "KD3", what + ", equal with --checksum off"
                elif r2[0]:
                    why, what = "KD3+" + r2[0], r2[1] + " (with --checksum off)"
        if why:
            explained[why] += 1
            passed += 1
            print("  [%s] %s %s:%d -> %s:%d: %s" % ((why, name) + k + (what,)))
        else:
            failed += 1
            print("  [FAIL] %s %s:%d -> %s:%d: %s" % ((name,) + k + (what,)))

for cap, why in skipped:
    print("  [skip] %s: %s" % (os.path.relpath(cap), why))
print("explained differences: %s" % (", ".join("%s %d" % kv for kv in sorted(explained.items())) or "none"))
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
PYEOF
