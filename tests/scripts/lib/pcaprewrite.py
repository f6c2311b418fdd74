#!/usr/bin/env python3
"""pcaprewrite.py — rewrite a little-endian microsecond pcap file record by record,
for the capture fault tests.

usage: pcaprewrite.py IN OUT MODE [ARG]
  reverse    timestamps in reverse order (time runs backwards all through)
  jumpback   the second half of the records moved one day back
  snap N     every record cut to N captured bytes (the original length is kept), and
             the file's snap length set to N, as a capture with -s N would be
  offsets    print the byte offset of every record (OUT is ignored)
"""
import struct
import sys

src, dst, mode = sys.argv[1], sys.argv[2], sys.argv[3]
d = open(src, "rb").read()
hdr, off, recs = bytearray(d[:24]), 24, []
while off + 16 <= len(d):
    s, us, incl, orig = struct.unpack_from("<IIII", d, off)
    recs.append([s, us, incl, orig, d[off + 16:off + 16 + incl]]); off += 16 + incl
if mode == "reverse":
    ts = [(r[0], r[1]) for r in recs][::-1]
    for r, t in zip(recs, ts): r[0], r[1] = t
elif mode == "jumpback":
    for r in recs[len(recs) // 2:]: r[0] -= 86400
elif mode == "offsets":
    off = 24
    for r in recs:
        print(off); off += 16 + r[2]
    sys.exit(0)
elif mode == "snap":
    n = int(sys.argv[4]); struct.pack_into("<I", hdr, 16, n)
    for r in recs: r[4] = r[4][:n]; r[2] = len(r[4])
with open(dst, "wb") as f:
    f.write(hdr)
    for s, us, incl, orig, data in recs: f.write(struct.pack("<IIII", s, us, incl, orig) + data)
