"""pcapio.py — minimal pcap reading/writing and Ethernet/IP/TCP frame parsing for the
end-to-end lab (no dependency beyond the standard library, so it is fast on captures
of many MB and usable by the attacker's sniffing loop).

Invariants: frames are kept as the captured bytes (never re-encoded); the parser only
reads what the lab itself produces (Ethernet, IPv4 without fragments, IPv6 without
extension headers, TCP) and returns None for anything else.
"""
import ipaddress
import struct

PCAP_MAGIC_US = 0xA1B2C3D4
PCAP_MAGIC_NS = 0xA1B23C4D

FIN, SYN, RST, PSH, ACK, URG = 0x01, 0x02, 0x04, 0x08, 0x10, 0x20


class Pcap:
    """A whole classic pcap file in memory: header fields and a list of records
    [ts_sec, ts_frac, data, wirelen]."""

    def __init__(self, linktype=1, snaplen=262144, nanos=False, endian="<"):
        self.linktype = linktype
        self.snaplen = snaplen
        self.nanos = nanos
        self.endian = endian
        self.records = []

    @classmethod
    def read(cls, path):
        with open(path, "rb") as f:
            buf = f.read()
        if len(buf) < 24:
            raise ValueError("%s: not a pcap file (too short)" % path)
        for endian in ("<", ">"):
            magic = struct.unpack(endian + "I", buf[:4])[0]
            if magic in (PCAP_MAGIC_US, PCAP_MAGIC_NS):
                break
        else:
            raise ValueError("%s: not a classic pcap file" % path)
        _, _, _, _, _, snaplen, linktype = struct.unpack(endian + "IHHiIII", buf[:24])
        p = cls(linktype, snaplen, magic == PCAP_MAGIC_NS, endian)
        off = 24
        rec = struct.Struct(endian + "IIII")
        while off + 16 <= len(buf):
            sec, frac, caplen, wirelen = rec.unpack_from(buf, off)
            off += 16
            if off + caplen > len(buf):
                break  # truncated last record (capture killed): ignore it
            p.records.append([sec, frac, buf[off:off + caplen], wirelen])
            off += caplen
        return p

    def write(self, path):
        e = self.endian
        magic = PCAP_MAGIC_NS if self.nanos else PCAP_MAGIC_US
        with open(path, "wb") as f:
            f.write(struct.pack(e + "IHHiIII", magic, 2, 4, 0, 0, self.snaplen, self.linktype))
            rec = struct.Struct(e + "IIII")
            for sec, frac, data, wirelen in self.records:
                f.write(rec.pack(sec, frac, len(data), wirelen))
                f.write(data)

    def ts(self, i):
        sec, frac = self.records[i][0], self.records[i][1]
        return sec + frac / (1e9 if self.nanos else 1e6)


class Frame:
    """The fields of one Ethernet/IP/TCP frame the lab needs."""

    __slots__ = ("src_mac", "dst_mac", "ipv", "src", "dst", "ttl", "ipid", "flowlabel",
                 "sport", "dport", "seq", "ack", "flags", "win", "opts", "payload",
                 "tsval", "tsecr", "mss", "wscale", "sackok")

    def key(self):
        """Direction key: (src, sport, dst, dport)."""
        return (self.src, self.sport, self.dst, self.dport)

    def conn(self):
        """Direction-free connection key."""
        a, b = (self.src, self.sport), (self.dst, self.dport)
        return (a, b) if a <= b else (b, a)

    def seglen(self):
        return len(self.payload) + (1 if self.flags & SYN else 0) + (1 if self.flags & FIN else 0)

    def flagstr(self):
        s = ""
        for bit, ch in ((SYN, "S"), (FIN, "F"), (RST, "R"), (PSH, "P"), (ACK, "."), (URG, "U")):
            if self.flags & bit:
                s += ch
        return s


def _mac(b):
    return ":".join("%02x" % x for x in b)


def parse_tcp_options(opts, fr):
    fr.tsval = fr.tsecr = fr.mss = fr.wscale = None
    fr.sackok = False
    i = 0
    while i < len(opts):
        kind = opts[i]
        if kind == 0:
            break
        if kind == 1:
            i += 1
            continue
        if i + 1 >= len(opts):
            break
        ln = opts[i + 1]
        if ln < 2 or i + ln > len(opts):
            break
        body = opts[i + 2:i + ln]
        if kind == 8 and ln == 10:
            fr.tsval, fr.tsecr = struct.unpack("!II", body)
        elif kind == 2 and ln == 4:
            fr.mss = struct.unpack("!H", body)[0]
        elif kind == 3 and ln == 3:
            fr.wscale = body[0]
        elif kind == 4:
            fr.sackok = True
        i += ln


def defragment(frames, linktype=1):
    """The frames with each complete set of IPv4 fragments (Ethernet, no VLAN) replaced,
    at its last fragment, by one frame holding the whole datagram: the oracle of the
    lab's stream checks for traffic a router fragmented. Benign traffic only: overlaps
    and incomplete sets are not resolved (an incomplete set disappears)."""
    out, sets = [], {}
    for data in frames:
        if linktype != 1 or len(data) < 34 or data[12:14] != b"\x08\x00" or \
                not struct.unpack("!H", data[20:22])[0] & 0x3FFF:
            out.append(data)
            continue
        ihl = (data[14] & 0x0F) * 4
        tot = struct.unpack("!H", data[16:18])[0]
        frag = struct.unpack("!H", data[20:22])[0]
        key = (data[26:30], data[30:34], data[18:20], data[23])
        st = sets.setdefault(key, {"parts": {}, "total": None, "head": None})
        off = (frag & 0x1FFF) * 8
        st["parts"][off] = data[14 + ihl:14 + tot]
        if off == 0:
            st["head"] = data[:14 + ihl]
        if not frag & 0x2000:
            st["total"] = off + tot - ihl
        if st["total"] is None or st["head"] is None:
            continue
        body, pos = b"", 0
        for o in sorted(st["parts"]):
            if o > pos:
                break
            body += st["parts"][o][pos - o:]
            pos = len(body)
        if pos < st["total"]:
            continue
        del sets[key]
        h = bytearray(st["head"])
        h[16:18] = (len(h) - 14 + st["total"]).to_bytes(2, "big")
        h[20:22] = b"\0\0"
        out.append(bytes(h) + body[:st["total"]])
    return out


def parse_frame(data, linktype=1):
    """Parse an Ethernet (or raw IP) frame carrying TCP. Returns a Frame or None."""
    fr = Frame()
    if linktype == 1:
        if len(data) < 14:
            return None
        fr.dst_mac, fr.src_mac = _mac(data[0:6]), _mac(data[6:12])
        etype = struct.unpack("!H", data[12:14])[0]
        off = 14
        if etype == 0x8100 and len(data) >= 18:
            etype = struct.unpack("!H", data[16:18])[0]
            off = 18
    elif linktype in (101, 228, 229, 12, 14):
        fr.dst_mac = fr.src_mac = None
        off = 0
        etype = 0x0800 if data[:1] and data[0] >> 4 == 4 else 0x86DD
    else:
        return None
    if etype == 0x0800:
        if len(data) < off + 20:
            return None
        vihl = data[off]
        ihl = (vihl & 0x0F) * 4
        tot = struct.unpack("!H", data[off + 2:off + 4])[0]
        fr.ipid = struct.unpack("!H", data[off + 4:off + 6])[0]
        frag = struct.unpack("!H", data[off + 6:off + 8])[0]
        if frag & 0x3FFF:
            return None
        fr.ttl = data[off + 8]
        if data[off + 9] != 6:
            return None
        fr.ipv = 4
        fr.flowlabel = None
        fr.src = str(ipaddress.IPv4Address(data[off + 12:off + 16]))
        fr.dst = str(ipaddress.IPv4Address(data[off + 16:off + 20]))
        end = min(len(data), off + tot)
        off += ihl
    elif etype == 0x86DD:
        if len(data) < off + 40:
            return None
        fr.flowlabel = struct.unpack("!I", data[off:off + 4])[0] & 0xFFFFF
        plen = struct.unpack("!H", data[off + 4:off + 6])[0]
        if data[off + 6] != 6:
            return None
        fr.ttl = data[off + 7]
        fr.ipid = None
        fr.ipv = 6
        fr.src = str(ipaddress.IPv6Address(data[off + 8:off + 24]))
        fr.dst = str(ipaddress.IPv6Address(data[off + 24:off + 40]))
        end = min(len(data), off + 40 + plen)
        off += 40
    else:
        return None
    if end < off + 20:
        return None
    fr.sport, fr.dport, fr.seq, fr.ack = struct.unpack("!HHII", data[off:off + 12])
    doff = (data[off + 12] >> 4) * 4
    fr.flags = data[off + 13]
    fr.win = struct.unpack("!H", data[off + 14:off + 16])[0]
    if doff < 20 or off + doff > end:
        return None
    fr.opts = bytes(data[off + 20:off + doff])
    parse_tcp_options(fr.opts, fr)
    fr.payload = bytes(data[off + doff:end])
    return fr


def norm_ip(s):
    """Canonical text of an address (so 'fd99:0::1' and 'fd99::1' compare equal)."""
    return str(ipaddress.ip_address(s))
