#!/usr/bin/python3
"""mkcorpus.py — (re)writes the seed corpora of the fuzz targets under
tests/fuzz/corpus/<target>/ from the test traces, the test data, the default rules
and frames built here. Deterministic; the files are committed, so this only needs to
run again when a format changes. Needs scapy (Debian python3-scapy) and, for the
ingest seeds, a built seqwatch (alert lines of the demo capture).

usage: mkcorpus.py [SEQWATCH_PROGRAM]
"""
import gzip
import os
import struct
import subprocess
import sys
import tempfile

from scapy.all import (ARP, IP, IPv6, IPv6ExtHdrDestOpt, IPv6ExtHdrFragment,
                       IPv6ExtHdrHopByHop, TCP, UDP, Dot1AD, Dot1Q, Ether, rdpcap,
                       wrpcap)

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.normpath(os.path.join(HERE, "..", ".."))
OUT = os.path.join(HERE, "corpus")
DEMO = os.path.join(SRC, "tests", "traces", "demo-hijack.pcap")


def put(target, name, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def tcp4(**kw):
    return IP(src="10.0.0.1", dst="10.0.0.2") / TCP(sport=40000, dport=80, **kw)


def tcp6(**kw):
    return IPv6(src="2001:db8::1", dst="2001:db8::2") / TCP(sport=40000, dport=443, **kw)


def sll(l3, proto=0x0800):
    # Linux cooked v1: packet type, ARPHRD, address length, 8 address bytes, protocol
    return struct.pack(">HHH8sH", 0, 1, 6, b"\x02\x00\x00\x00\x00\x01\x00\x00", proto) + bytes(l3)


def sll2(l3, proto=0x0800):
    return struct.pack(">HHIHBB8s", proto, 0, 2, 1, 0, 6, b"\x02\x00\x00\x00\x00\x01\x00\x00") + bytes(l3)


def decode_seeds():
    # fuzz_decode decodes every input as every link type: raw L2/L3 bytes are enough
    for i, p in enumerate(rdpcap(DEMO)[:8]):
        put("decode", "demo-%02d" % i, bytes(p))
    opts = [("MSS", 1460), ("WScale", 7), ("SAckOK", b""), ("Timestamp", (1, 2)),
            ("SAck", (100, 200, 300, 400))]
    seeds = {
        "eth-syn-opts": Ether() / tcp4(flags="S", options=opts),
        "eth-vlan": Ether() / Dot1Q(vlan=5) / tcp4(flags="PA") / b"hello",
        "eth-qinq": Ether() / Dot1AD(vlan=7) / Dot1Q(vlan=5) / tcp4(flags="A"),
        "eth-ipv4-options": Ether() / IP(src="10.0.0.1", dst="10.0.0.2", options=b"\x01" * 8) /
                            TCP(sport=1, dport=2, flags="A"),
        "eth-ipv4-fragment": Ether() / IP(src="10.0.0.1", dst="10.0.0.2", flags="MF", frag=0) /
                             TCP(sport=1, dport=2) / (b"x" * 24),
        "eth-ipv6-ext": Ether() / IPv6(src="2001:db8::1", dst="2001:db8::2") / IPv6ExtHdrHopByHop() /
                        IPv6ExtHdrDestOpt() / TCP(sport=1, dport=2, flags="S"),
        "eth-ipv6-frag": Ether() / IPv6(src="2001:db8::1", dst="2001:db8::2") /
                         IPv6ExtHdrFragment(m=1) / TCP(sport=1, dport=2),
        "eth-udp": Ether() / IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=53, dport=53) / b"q",
        "eth-arp": Ether() / ARP(),
        "eth-tfo": Ether() / tcp4(flags="S", options=[("TFO", b"\xab" * 8)]) / b"early",
        "raw-ipv6-ts": tcp6(flags="A", options=[("NOP", None), ("NOP", None), ("Timestamp", (5, 6))]),
    }
    for name, p in seeds.items():
        put("decode", name, bytes(p))
    put("decode", "sll-ipv4", sll(tcp4(flags="SA")))
    put("decode", "sll2-ipv6", sll2(tcp6(flags="R"), 0x86dd))
    put("decode", "null-ipv4", struct.pack("<I", 2) + bytes(tcp4(flags="F")))
    put("decode", "loop-ipv6", struct.pack(">I", 24) + bytes(tcp6(flags="A") / b"data"))


def rules_seeds():
    with open(os.path.join(SRC, "rules", "default.rules"), "rb") as f:
        put("rules", "default.rules", f.read())
    put("rules", "vars-lists.rules", b"""var HOME_NET [10.0.0.0/8, 192.168.0.0/16, !192.168.7.0/24]
ipvar DMZ 2001:db8::/32
portvar WEB [80, 443, 8000:8100, !8080]
var EXTERNAL_NET !$HOME_NET
pass tcp 10.1.2.3 any <> any any (event:seq_out_of_window; sid:1000001;)
alert tcp $EXTERNAL_NET any -> $HOME_NET $WEB (msg:"RST injection"; event:rst_injection; \\
    classtype:attempted-dos; priority:1; flow:to_server,established; sid:2300008; rev:3; \\
    metadata:created 2024, metadata:team x;)
alert ip $DMZ :1023 <> any 1024: (event:overlap_mismatch; gid:3; sid:7;)
""")
    put("rules", "thresholds.rules", b"""# every threshold type and track
alert tcp any any <> any any (event:rst_injection; threshold: type limit, track by_flow, count 1, seconds 60; sid:1;)
alert tcp any any <> any any (event:seq_out_of_window; threshold: type threshold, track by_src, count 5, seconds 10; sid:2;)
alert tcp any any <> any any (event:overlap_mismatch; threshold: type both, track by_dst, count 2, seconds 1; sid:3;)
alert tcp any any <> any any (event:ack_storm; threshold: type backoff, track by_rule, count 1, multiplier 10; sid:4;)\r
""")
    put("rules", "bad-line.rules", b"alert tcp any any -> any any (event:rst_injection; sid:1;)\n"
                                   b"drop tcp any any -> any any (event:rst_injection; sid:2;)\n")


# --- fuzz_engine's compact format (see fuzz_engine.c) ---
def seg(conn, d, flags, soff, aoff, win=0x2000, payload=b"", opts=None, step=1, attacker=0):
    tag = (conn & 3) | (d << 2) | (attacker << 3) | ((1 if opts is not None else 0) << 4) | (step << 5)
    flag_bits = 0
    for ch, bit in (("F", 1), ("S", 2), ("R", 4), ("P", 8), ("A", 16), ("U", 32)):
        if ch in flags:
            flag_bits |= bit
    n = len(payload)
    b = bytes([tag, flag_bits]) + struct.pack(">i", soff)[1:] + struct.pack(">i", aoff)[1:]
    b += struct.pack(">H", win) + bytes([n & 0xff, n >> 8, 0])
    if opts is not None:
        b += bytes(opts)
    return b + payload


def engine_seeds():
    syn_opts = [0x0f, 7, 3]            # MSS, wscale 7, SACK-perm, timestamps (+3 ms)
    ts = [0x08, 1]
    hs = (seg(0, 0, "S", 0, 0, opts=syn_opts, step=0) +
          seg(0, 1, "SA", 0, 1, opts=syn_opts) +
          seg(0, 0, "A", 1, 1, opts=ts))
    chat = (seg(0, 0, "PA", 1, 1, payload=b"GET / HTTP/1.1\r\n\r\n", opts=ts) +
            seg(0, 1, "PA", 1, 19, payload=b"HTTP/1.1 200 OK\r\n\r\nhello", opts=ts) +
            seg(0, 0, "A", 19, 25, opts=ts))
    close = (seg(0, 0, "FA", 19, 25, opts=ts) + seg(0, 1, "FA", 25, 20, opts=ts) +
             seg(0, 0, "A", 20, 26, opts=ts, step=3))
    put("engine", "handshake-chat-close", b"\x00" + hs + chat + close)
    put("engine", "checksums-on", b"\x01" + hs + chat + close)
    # a forged segment over the client's range with other bytes and another TTL
    inj = (seg(0, 0, "PA", 19, 25, payload=b"rm -rf /tmp/x\n", attacker=1) +
           seg(0, 1, "A", 25, 33) +
           seg(0, 0, "PA", 19, 25, payload=b"ls -l /home/\n", opts=ts) +
           seg(0, 1, "A", 25, 33, step=0) + seg(0, 0, "A", 32, 25, step=0) * 4)
    put("engine", "injection-overlap", b"\x02" + hs + chat + inj)
    # RSTs: far out of window, then in window; a new SYN on the reused tuple
    rst = (seg(0, 1, "R", 0x400000, 0, attacker=1) + seg(0, 1, "R", 30, 0, attacker=1) +
           seg(0, 1, "R", 25, 0) + seg(0, 0, "S", 0x300000, 0, opts=syn_opts, step=4))
    put("engine", "rst-storm", b"\x00" + hs + chat + rst)
    # out of order, holes and overlaps on one connection, then timeouts
    ooo = b""
    for i in range(24):
        off = 1 + ((i * 7) % 24) * 50
        ooo += seg(1, 0, "PA", off, 1, payload=bytes([65 + i % 26]) * 60, step=1)
    hs1 = (seg(1, 0, "S", 0, 0, opts=syn_opts, step=0) + seg(1, 1, "SA", 0, 1, opts=syn_opts) +
           seg(1, 0, "A", 1, 1))
    put("engine", "out-of-order", b"\x04" + hs1 + ooo + seg(1, 1, "A", 1, 1300, step=5))
    # IPv6 connection with SACK, and a sequence space that wraps (ISN 0xfffff000 + 0x30000)
    hs3 = (seg(3, 0, "S", 0, 0, opts=syn_opts, step=0) + seg(3, 1, "SA", 0, 1, opts=syn_opts) +
           seg(3, 0, "A", 1, 1))
    bulk = b"".join(seg(3, 0, "A", 1 + k * 1000, 1, payload=b"z" * 1000, step=1) for k in range(8))
    sack = seg(3, 1, "A", 1, 1001, opts=[0x10, 0x0f, 0xa1, 0x17, 0x71])
    put("engine", "ipv6-wrap-sack", b"\x00" + hs3 + bulk + sack)
    # midstream pickup, time going backwards, and raw Ethernet frames from the demo
    mid = seg(2, 0, "PA", 5000, 7000, payload=b"midstream") + seg(2, 1, "A", 7000, 5009, step=6)
    raw = b""
    for p in rdpcap(DEMO)[:30]:
        fb = bytes(p)
        raw += bytes([0xE1]) + struct.pack(">H", len(fb)) + fb
    put("engine", "midstream-backwards", b"\x00" + mid)
    put("engine", "demo-ethernet", b"\x00" + raw)


def ingest_seeds(program):
    with open(os.path.join(SRC, "tests", "data", "eve_sample.json"), "rb") as f:
        eve = f.read()
    put("ingest", "eve-sample", b"\x00" + eve)
    put("ingest", "eve-strict", b"\x01" + eve)
    lines = b""
    if program:
        with tempfile.TemporaryDirectory() as t:
            out = os.path.join(t, "a.jsonl")
            subprocess.run([program, "run", "-r", DEMO, "--no-db", "--json", out, "--anomalies",
                            "-q", "--sensor", "fuzz", "--seed", "00" * 16], check=True)
            with open(out, "rb") as f:
                lines = f.read()
        put("ingest", "seqwatch-demo", b"\x08" + lines)
    bad = (b"\n   \n{not json\n[1,2]\n{\"event_type\":\"flow\"}\n{\"event_type\":\"alert\"}\n"
           b"{\"event_type\":\"alert\",\"alert\":{},\"timestamp\":\"yesterday\"}\n"
           b"{\"a\":1,\"a\":2}\n\x00\n")
    put("ingest", "mixed-bad-lines", b"\x06" + lines[:2000] + bad + eve[:1500])
    # a real-looking eve.json (byte-order mark, anomaly records, a cut line), plain
    # and gzip-compressed (ingest reads .gz through zlib), and a cut-short .gz
    with open(os.path.join(SRC, "tests", "data", "suricata_stream_eve.json"), "rb") as f:
        stream_eve = f.read()
    put("ingest", "suricata-stream-eve", b"\x00" + stream_eve)
    gz = gzip.compress(stream_eve, mtime=0)
    put("ingest", "suricata-stream-eve-gz", b"\x00" + gz)
    put("ingest", "gz-cut-short", b"\x00" + gz[:len(gz) // 2])


def pcap_seeds():
    with open(DEMO, "rb") as f:
        demo = f.read()
    put("pcap", "demo.pcap", demo)
    put("pcap", "demo-truncated.pcap", demo[:len(demo) - 37])
    gz = gzip.compress(demo, mtime=0)        # read through zlib, as a .pcap.gz file is
    put("pcap", "demo.pcap.gz", gz)
    put("pcap", "demo-cut.pcap.gz", gz[:len(gz) // 2])
    pkts = rdpcap(DEMO)
    with tempfile.TemporaryDirectory() as t:
        ng = os.path.join(t, "d.pcapng")
        subprocess.run(["editcap", "-F", "pcapng", DEMO, ng], check=True)
        with open(ng, "rb") as f:
            put("pcap", "demo.pcapng", f.read())
        ns = os.path.join(t, "d-ns.pcap")
        subprocess.run(["editcap", "-F", "nsecpcap", DEMO, ns], check=True)
        with open(ns, "rb") as f:
            put("pcap", "demo-nsec.pcap", f.read()[:3000])
        raw = os.path.join(t, "raw.pcap")
        wrpcap(raw, [tcp4(flags="S"), tcp6(flags="SA"), tcp4(flags="A") / b"x"], linktype=101)
        with open(raw, "rb") as f:
            put("pcap", "raw-ip.pcap", f.read())
        snap = os.path.join(t, "snap.pcap")
        subprocess.run(["editcap", "-s", "60", DEMO, snap], check=True)
        with open(snap, "rb") as f:
            put("pcap", "snaplen-60.pcap", f.read())
    # a big-endian file with one record whose lengths are absurd
    be = struct.pack(">IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1)
    be += struct.pack(">IIII", 1700000000, 5, 0xffffff, 60) + bytes(pkts[0])[:60]
    put("pcap", "bigendian-badlen.pcap", be)


def main():
    program = sys.argv[1] if len(sys.argv) > 1 else None
    decode_seeds()
    rules_seeds()
    engine_seeds()
    ingest_seeds(program)
    pcap_seeds()


if __name__ == "__main__":
    main()
