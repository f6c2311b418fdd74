#!/usr/bin/python3
"""frag_policy_probe.py — which bytes does this machine's Linux kernel deliver for
overlapping IP fragments? The evidence behind seqwatch's default --frag-policy linux
(docs/decoding.md, "Fragments"). Two network namespaces (fa, fb) joined by a veth;
the fragments of one UDP datagram (56 bytes of 'A') are sent as raw Ethernet frames
from fa, some carrying 'X' instead; a UDP socket in fb prints what it received, or
NOTHING. The reassembly code (inet_frag_queue_insert) is the same for UDP and TCP.
Needs root; prints one line per case and the kernel release.

usage: python3 tests/e2e/frag_policy_probe.py
"""
import os, socket, struct, subprocess, sys, time

def sh(c): subprocess.run(c, shell=True, check=True)
def csum(b):
    if len(b) % 2: b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b)//2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff

def setup():
    sh("ip netns del fa 2>/dev/null; ip netns del fb 2>/dev/null; true")
    sh("ip netns add fa; ip netns add fb")
    sh("ip link add va netns fa type veth peer name vb netns fb")
    sh("ip -n fa addr add 10.77.0.1/24 dev va; ip -n fb addr add 10.77.0.2/24 dev vb")
    sh("ip -n fa addr add fd77::1/64 dev va nodad; ip -n fb addr add fd77::2/64 dev vb nodad")
    sh("ip -n fa link set va up; ip -n fb link set vb up; ip -n fa link set lo up; ip -n fb link set lo up")
    time.sleep(0.5)

def mac(ns, dev):
    return bytes.fromhex(subprocess.check_output(f"ip netns exec {ns} cat /sys/class/net/{dev}/address", shell=True).decode().strip().replace(":", ""))

def v4frag(data, off, mf, ident):
    tot = 20 + len(data)
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, tot, ident, (0x2000 if mf else 0) | off // 8, 64, 17, 0,
                    socket.inet_aton("10.77.0.1"), socket.inet_aton("10.77.0.2"))
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return b"\x08\x00", h + data

def v6frag(data, off, mf, ident):
    src = socket.inet_pton(socket.AF_INET6, "fd77::1"); dst = socket.inet_pton(socket.AF_INET6, "fd77::2")
    fh = struct.pack("!BBHI", 17, 0, off | (1 if mf else 0), ident)
    return b"\x86\xdd", struct.pack("!IHBB", 0x60000000, 8 + len(data), 44, 64) + src + dst + fh + data

def udp(v, payload, port):
    u = struct.pack("!HHHH", 40000, port, 8 + len(payload), 0) + payload
    if v == 6:
        src = socket.inet_pton(socket.AF_INET6, "fd77::1"); dst = socket.inet_pton(socket.AF_INET6, "fd77::2")
        ph = src + dst + struct.pack("!I3xB", len(u), 17)
        u = u[:6] + struct.pack("!H", csum(ph + u) or 0xffff) + u[8:]
    return u

def case(v, name, frags_spec, port):
    """frags_spec: list of (off, length, mf, replacement_byte or None); the UDP datagram's
    payload is 'A'*56 so that udp header + payload = 64 bytes; the checksum (IPv6) is for
    the original bytes."""
    dg = udp(v, b"A" * 56, port)
    r = subprocess.Popen(["ip", "netns", "exec", "fb", "python3", "-c", f"""
import socket,sys
s=socket.socket(socket.AF_INET{'6' if v == 6 else ''}, socket.SOCK_DGRAM); s.bind(('{'fd77::2' if v == 6 else '10.77.0.2'}',{port})); s.settimeout(2)
try:
    d=s.recv(100); print(d.decode())
except socket.timeout: print('NOTHING')
"""], stdout=subprocess.PIPE)
    time.sleep(0.4)
    frames = []
    for off, ln, mf, rep in frags_spec:
        data = dg[off:off + ln] if rep is None else bytes([rep]) * ln
        et, pkt = (v6frag if v == 6 else v4frag)(data, off, mf, 0x1234 + port)
        frames.append((DMAC + SMAC + et + pkt).hex())
    subprocess.run(["ip", "netns", "exec", "fa", "python3", "-c", """
import socket,sys,time
s=socket.socket(socket.AF_PACKET, socket.SOCK_RAW); s.bind(("va", 0))
for h in sys.stdin.read().split():
    s.send(bytes.fromhex(h)); time.sleep(0.05)
"""], input="\n".join(frames).encode(), check=True)
    out = r.communicate()[0].decode().strip()
    print(f"IPv{v} {name}: {out}")

setup()
DMAC = mac("fb", "vb"); SMAC = mac("fa", "va")
subprocess.run("ip netns exec fa ip neigh add 10.77.0.2 lladdr %s dev va" % DMAC.hex(":"), shell=True)
port = 5000
for v in (4, 6):
    port += 1; case(v, "in order (control)", [(0, 32, 1, None), (32, 32, 0, None)], port)
    port += 1; case(v, "duplicate inside held data, different bytes (X at 16..24)", [(0, 40, 1, None), (16, 8, 1, ord('X')), (40, 24, 0, None)], port)
    port += 1; case(v, "partial overlap, different bytes (X at 24..40 over 0..32)", [(0, 32, 1, None), (24, 16, 1, ord('X')), (40, 24, 0, None)], port)
    port += 1; case(v, "partial overlap, same bytes", [(0, 32, 1, None), (24, 16, 1, None), (40, 24, 0, None)], port)
    port += 1; case(v, "overlap then a fresh complete set (same id)", [(0, 32, 1, None), (24, 16, 1, ord('X')), (0, 32, 1, None), (32, 32, 0, None)], port)
sh("ip netns del fa; ip netns del fb")
print("kernel", os.uname().release)
