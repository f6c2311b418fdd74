"""streams_check.py — proves `seqwatch streams` against what the applications really
wrote. The bulk scenarios move known bytes (endpoint.gen) between real Linux stacks;
their capture is given to `seqwatch streams -r CAP -o DIR --manifest M`, and every
direction's sha256 in the manifest must equal the sha256 of the application's bytes.

Variants made from the same capture (the sensor's copy is damaged, never the wire):
  exact           the capture as taken
  sensor-loss     2 % of the frames carrying data are removed from the file (seeded); the
                  holes are computed from what is left, each direction must report exactly
                  that many gaps, and its bytes must be the application's bytes with the
                  holes either zero-filled or left out (both layouts accepted; the report
                  says which) — so the data after every gap is checked at its offset
  sensor-reorder  within each run of same-direction frames of a connection (frames between
                  two frames of the other direction), frames are shuffled in windows of up to 8 frames
                  (never across a frame of the other direction); timestamps stay
                  in capture order. Must give the exact sha256 and no gap.
"""
import hashlib
import json
import os
import random
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import endpoint  # noqa: E402
import pcapio  # noqa: E402
from pcapio import FIN, RST, SYN  # noqa: E402

LOSS_PERCENT = 2
REORDER_WINDOW = 8     # frames shuffled together at most


class Result:
    def __init__(self, name):
        self.name = name
        self.kind = "streams"
        self.ok = False
        self.lines = []
        self.reason = ""


def dkey(ip, port, ip2, port2):
    return (pcapio.norm_ip(ip), int(port), pcapio.norm_ip(ip2), int(port2))


def expected_directions(ctx):
    """{direction key: application bytes} for every bulk connection the client finished."""
    b = ctx.bulk
    sizes = endpoint.bulk_sizes(b["seed"], b["count"], b["min_bytes"], b["max_bytes"])
    out, problems = {}, []
    cli = ctx.procs.get("client")
    recs = cli.find("conn") if cli else []
    for r in recs:
        idx = r["idx"]
        c2s_len, s2c_len = sizes[idx]
        c2s = endpoint.BULK_HDR.pack(idx, s2c_len) + endpoint.gen(b["seed"], idx, "c2s", c2s_len)
        s2c = endpoint.gen(b["seed"], idx, "s2c", s2c_len)
        if hashlib.sha256(c2s).hexdigest() != r["sent_sha"] or not r["recv_ok"]:
            problems.append("connection %d: the applications' own bytes do not check out" % idx)
        cip, cport = r["local"][0], r["local"][1]
        sip, sport = r["remote"][0], r["remote"][1]
        out[dkey(cip, cport, sip, sport)] = c2s
        out[dkey(sip, sport, cip, cport)] = s2c
    if len(recs) != b["count"]:
        problems.append("only %d of %d connections completed" % (len(recs), b["count"]))
    return out, problems


def make_loss(cap, rng):
    out = pcapio.Pcap(cap.linktype, cap.snaplen, cap.nanos, cap.endian)
    dropped = 0
    for rec in cap.records:
        fr = pcapio.parse_frame(rec[2], cap.linktype)
        if fr is not None and fr.payload and not fr.flags & (SYN | FIN | RST) \
                and rng.random() * 100 < LOSS_PERCENT:
            dropped += 1
            continue
        out.records.append(list(rec))
    return out, "%d of %d frames removed" % (dropped, len(cap.records))


def make_reorder(cap, rng):
    frames = [pcapio.parse_frame(r[2], cap.linktype) for r in cap.records]
    runs, cur = [], {}
    for i, fr in enumerate(frames):
        if fr is None:
            continue
        c, d = fr.conn(), fr.key()
        r = cur.get(c)
        if r and r[0] == d:
            r[1].append(i)
        else:
            if r:
                runs.append(r[1])
            cur[c] = (d, [i])
    runs += [r[1] for r in cur.values()]
    recs = [list(r) for r in cap.records]
    moved = 0
    pairs = []
    for run in runs:
        for w in range(0, len(run), REORDER_WINDOW):
            win = run[w:w + REORDER_WINDOW]
            if len(win) < 2:
                continue
            perm = win[:]
            rng.shuffle(perm)
            if perm == win:
                perm = win[1:] + win[:1]
            pairs += zip(win, perm)
    for slot, src in pairs:
        if slot != src:
            moved += 1
        recs[slot] = [cap.records[slot][0], cap.records[slot][1], cap.records[src][2], cap.records[src][3]]
    out = pcapio.Pcap(cap.linktype, cap.snaplen, cap.nanos, cap.endian)
    out.records = recs
    return out, "%d of %d frames moved" % (moved, len(recs))


def missing_ranges(cap, want):
    """For each wanted direction: the byte ranges [a, b) of the application stream that no
    frame of this capture carries (ISN from the direction's SYN)."""
    isn, segs = {}, {}
    for data in pcapio.defragment([rec[2] for rec in cap.records], cap.linktype):
        fr = pcapio.parse_frame(data, cap.linktype)
        if fr is None:
            continue
        k = dkey(fr.src, fr.sport, fr.dst, fr.dport)
        if k not in want:
            continue
        if fr.flags & SYN:
            isn[k] = fr.seq
        if fr.payload:
            segs.setdefault(k, []).append(fr)
    out = {}
    for k, data in want.items():
        if k not in isn:
            out[k] = None
            continue
        ivs = []
        for fr in segs.get(k, []):
            off = (fr.seq - isn[k] - 1) & 0xFFFFFFFF
            if fr.flags & SYN:
                off = 0
            ivs.append((off, off + len(fr.payload)))
        ivs.sort()
        holes, pos = [], 0
        for a, b in ivs:
            if a > pos:
                holes.append((pos, min(a, len(data))))
            pos = max(pos, b)
            if pos >= len(data):
                break
        if pos < len(data):
            holes.append((pos, len(data)))
        out[k] = [(a, b) for a, b in holes if b > a]
    return out


def layouts(data, holes):
    """sha256 of the stream with the holes zero-filled and with the holes left out."""
    zf, cp = hashlib.sha256(), hashlib.sha256()
    pos = 0
    for a, b in holes:
        zf.update(data[pos:a])
        zf.update(b"\0" * (b - a))
        cp.update(data[pos:a])
        pos = b
    zf.update(data[pos:])
    cp.update(data[pos:])
    return zf.hexdigest(), cp.hexdigest()


def first_difference(m, data, holes):
    """Where the written file first departs from the application bytes (diagnostic)."""
    path = m.get("file")
    if not path or not os.path.exists(path):
        return ""
    with open(path, "rb") as f:
        got = f.read()
    if hashlib.sha256(got).hexdigest() != m.get("sha256"):
        return "; the file's sha256 differs from the manifest's"
    cands = []
    if holes:
        zf, cp, pos = bytearray(), bytearray(), 0
        for a, b in holes:
            zf += data[pos:a] + b"\0" * (b - a)
            cp += data[pos:a]
            pos = b
        cands = [bytes(zf + data[pos:]), bytes(cp + data[pos:])]
    else:
        cands = [data]
    best = 0
    for want in cands:
        n = min(len(want), len(got))
        i = next((k for k in range(0, n, 4096) if got[k:k + 4096] != want[k:k + 4096]), None)
        if i is None:
            off = n
        else:
            off = i + next(j for j in range(4096) if i + j >= n or got[i + j] != want[i + j])
        best = max(best, off)
    return "; file first differs at offset %d" % best


def run(program, sres, sc, fam, chk, workdir):
    res = Result("%s/v%d/streams-%s" % (sc.name, fam, chk))
    ctx = getattr(sres, "ctx", None)
    if ctx is None or not os.path.exists(getattr(sres, "pcap", "")):
        res.reason = "no capture (the scenario did not run)"
        return res
    d = os.path.join(os.path.dirname(sres.pcap), "streams-" + chk)
    os.makedirs(d, exist_ok=True)
    want, problems = expected_directions(ctx)
    cap = pcapio.Pcap.read(sres.pcap)
    rng = random.Random(res.name)
    src = sres.pcap
    if chk == "sensor-loss":
        cap, what = make_loss(cap, rng)
        src = os.path.join(d, "lossy.pcap")
        cap.write(src)
        res.lines.append("capture damaged: %s" % what)
    elif chk == "sensor-reorder":
        cap, what = make_reorder(cap, rng)
        src = os.path.join(d, "reordered.pcap")
        cap.write(src)
        res.lines.append("capture damaged: %s" % what)
    holes = missing_ranges(cap, want)
    manifest = os.path.join(d, "manifest.jsonl")
    r = subprocess.run([program, "streams", "-r", src, "-o", os.path.join(d, "out"), "--manifest", manifest],
                       capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        problems.append("seqwatch streams exited %d: %s" % (r.returncode, r.stderr.strip()[-200:]))
    entries = {}
    if os.path.exists(manifest):
        with open(manifest) as f:
            for line in f:
                try:
                    m = json.loads(line)
                    entries.setdefault(dkey(m["src_ip"], m["src_port"], m["dest_ip"], m["dest_port"]), []).append(m)
                except (ValueError, KeyError, TypeError):
                    continue
    n_ok = n_gapped = 0
    bad, used_layout = [], set()
    for k, data in sorted(want.items()):
        ms = entries.get(k)
        name = "%s:%d->%s:%d" % k
        h = holes.get(k)
        if h:
            n_gapped += 1
        if not ms:
            bad.append("%s: not in the manifest" % name)
            continue
        m = ms[0]
        if h is None:
            bad.append("%s: no SYN in the capture" % name)
            continue
        if not h:
            if m.get("sha256") == hashlib.sha256(data).hexdigest() and m.get("gaps") == 0 \
                    and m.get("bytes") == len(data):
                n_ok += 1
            else:
                bad.append("%s: bytes %s gaps %s (want %d bytes, 0 gaps, sha256 %s)%s" % (
                    name, m.get("bytes"), m.get("gaps"), len(data),
                    "equal" if m.get("sha256") == hashlib.sha256(data).hexdigest() else "DIFFERENT",
                    first_difference(m, data, [])))
            continue
        zf, cp = layouts(data, h)
        lost = sum(b - a for a, b in h)
        layout = "zero-filled" if m.get("sha256") == zf else "holes left out" if m.get("sha256") == cp else None
        if layout:
            used_layout.add(layout)
        if layout and m.get("gaps") == len(h):
            n_ok += 1
        else:
            bad.append("%s: gaps %s (want %d), sha256 %s (%d bytes lost of %d; manifest bytes %s)%s" % (
                name, m.get("gaps"), len(h), "matches" if layout else "matches neither layout",
                lost, len(data), m.get("bytes"), "" if layout else first_difference(m, data, h)))
    res.lines.append("directions: %d, correct: %d%s" % (
        len(want), n_ok, (", with gaps: %d (%s)" % (n_gapped, "/".join(sorted(used_layout)) or "-"))
        if chk == "sensor-loss" else ""))
    for b in bad[:6]:
        res.lines.append("mismatch: %s" % b)
    if len(bad) > 6:
        res.lines.append("... %d more mismatches" % (len(bad) - 6))
    problems += ["%d of %d directions wrong" % (len(bad), len(want))] if bad else []
    if chk == "sensor-loss" and not n_gapped:
        problems.append("the damaged capture has no hole (nothing tested)")
    if not want:
        problems.append("no connection to check")
    res.ok = not problems
    res.reason = "; ".join(problems)
    return res


def print_result(res):
    print("[streams] %s" % res.name)
    for line in res.lines:
        print("  " + line)
    print("  verdict:  %s%s" % ("PASS" if res.ok else "FAIL", "" if res.ok else " (%s)" % res.reason))
    print()
    sys.stdout.flush()
