#!/usr/bin/python3
"""mkcorpus_defrag.py — writes the seed corpus of fuzz_defrag under
tests/fuzz/corpus/defrag/: a few fragment series in the target's record format
(policy byte, then [u16 length][u8 time step][raw IP packet] records). Built with
struct alone, deterministic; the files are committed.

usage: mkcorpus_defrag.py
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus", "defrag")


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def tcp_segment(payload):
    # ports 40000 -> 80, seq 1000, ack 2000, ACK|PSH, window 100; checksum left 0
    return struct.pack("!HHIIBBHHH", 40000, 80, 1000, 2000, 5 << 4, 0x18, 100, 0, 0) + payload


def v4_frag(data, off, mf, ident=7, proto=6):
    tot = 20 + len(data)
    fo = (0x2000 if mf else 0) | (off // 8)
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, tot, ident, fo, 64, proto, 0,
                    bytes([192, 0, 2, 1]), bytes([192, 0, 2, 2]))
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + data


def v6_frag(data, off, mf, ident=9):
    src = bytes.fromhex("20010db8000000000000000000000001")
    dst = bytes.fromhex("20010db8000000000000000000000002")
    fh = struct.pack("!BBHI", 6, 0, off | (1 if mf else 0), ident)
    return struct.pack("!IHBB", 0x60000000, len(fh) + len(data), 44, 64) + src + dst + fh + data


def rec(pkt, step=0):
    return struct.pack("!HB", len(pkt), step) + pkt


def put(name, policy, pkts):
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(bytes([policy]) + b"".join(pkts))


seg = tcp_segment(b"GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n" + b"A" * 24)
put("v4-in-order", 0, [rec(v4_frag(seg[:32], 0, 1)), rec(v4_frag(seg[32:], 32, 0))])
put("v4-out-of-order", 0, [rec(v4_frag(seg[40:], 40, 0)), rec(v4_frag(seg[:16], 0, 1)),
                           rec(v4_frag(seg[16:40], 16, 1))])
put("v4-overlap-linux", 0, [rec(v4_frag(seg[:40], 0, 1)), rec(v4_frag(b"X" * 24, 32, 1)),
                            rec(v4_frag(seg[56:], 56, 0))])
put("v4-overlap-bsd", 3, [rec(v4_frag(seg[8:40], 8, 1)), rec(v4_frag(b"Y" * 40, 0, 1)),
                          rec(v4_frag(seg[40:], 40, 0))])
put("v4-tiny-first", 2, [rec(v4_frag(seg[:8], 0, 1)), rec(v4_frag(seg[8:], 8, 0))])
put("v4-timeout", 0, [rec(v4_frag(seg[:32], 0, 1)), rec(v4_frag(seg[32:], 32, 0), 62)])
put("v6-in-order", 0, [rec(v6_frag(seg[:32], 0, 1)), rec(v6_frag(seg[32:], 32, 0))])
put("v6-dup", 1, [rec(v6_frag(seg[:48], 0, 1)), rec(v6_frag(b"Z" * 16, 16, 1)),
                  rec(v6_frag(seg[48:], 48, 0))])
put("flood", 0, [rec(v4_frag(seg[:16], 0, 1, ident=i)) for i in range(12)])
