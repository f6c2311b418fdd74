#!/usr/bin/python3
"""mktunnel.py IN.pcap gre|frag OUT.pcap — derive a test trace from a capture
(tests/traces/demo-gre.pcap and demo-frag.pcap come from demo-hijack.pcap):

  gre   every frame's IP packet wrapped in GRE (outer 198.51.100.1 <-> 198.51.100.2
        by direction, the original Ethernet header kept): what a sensor on a tunnel
        link sees. A host that decodes GRE sees the inner attack; seqwatch alone does
        not decode tunnels.
  frag  every IPv4 packet with more than 16 bytes of IP payload split into IP
        fragments of 16 payload bytes, all with the original frame's timestamp and
        link header: a receiver reassembles exactly the original packet.
"""
import sys

from scapy.all import GRE, IP, Ether, PcapReader, PcapWriter, fragment

src, mode, out = sys.argv[1:4]
w = PcapWriter(out, linktype=1, sync=True)
first = None
for p in PcapReader(src):
    if Ether not in p or IP not in p:
        w.write(p)
        continue
    eth, ip = p[Ether], p[IP]
    if first is None:
        first = ip.src
    if mode == "gre":
        fwd = ip.src == first
        outer = IP(src="198.51.100.1" if fwd else "198.51.100.2",
                   dst="198.51.100.2" if fwd else "198.51.100.1", ttl=64, id=0)
        q = Ether(src=eth.src, dst=eth.dst) / outer / GRE(proto=0x0800) / ip.copy()
        q.time = p.time
        w.write(q)
    elif mode == "frag":
        if len(ip.payload) > 16:
            for f in fragment(ip.copy(), fragsize=16):
                q = Ether(src=eth.src, dst=eth.dst) / f
                q.time = p.time
                w.write(q)
        else:
            w.write(p)
    else:
        sys.exit(__doc__)
w.close()
