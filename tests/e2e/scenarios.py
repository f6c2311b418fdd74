"""scenarios.py — the end-to-end scenarios: what the endpoints and the attacker do, and
what seqwatch must report. One table (SCENARIOS), each entry readable on its own.

expect: a list of groups; every group must be matched by at least one alert on the
scenario's connection, in file mode AND in live mode ("any of" where several catalogue
events are legitimately right). forbid: events that must not appear on it at all
(an escalation the attack must not be mistaken for). A benign scenario expects no alert at all. Events
other than the expected ones on the attacked connection are shown but do not fail a
scenario (an attack has consequences: challenge ACKs, storms); an alert on any other
connection does.

Each run(ctx) starts the server, the attacker and the client (in that order, each
ready before the next starts); the harness then waits for all of them.
"""
import time


class Scenario:
    def __init__(self, name, kind, what, why, run, expect=(), families=(4, 6), late_capture=False,
                 stream_checks=(), forbid=(), topology="flat", capture="bridge", background=False,
                 summary=(), setup=None):
        self.name, self.kind, self.what, self.why, self.run = name, kind, what, why, run
        self.topology = topology        # "flat" (one link) or "routed" (server behind rtr)
        self.capture = capture          # "bridge" (the sensor's hub) or "client" (its eth0)
        self.background = background    # a second, untouched connection runs alongside
        # setup(ctx): namespace settings made before the capture and the background
        # connection start (e.g. TX checksum offload on the client's interface)
        self.setup = setup
        # (key, minimum) pairs that both modes' --summary-json must reach, e.g.
        # ("defrag.reassembled", 1): proof that the scenario did what it says
        self.summary = list(summary)
        self.expect = [list(g) for g in expect]
        self.forbid = list(forbid)
        self.families = families
        self.late_capture = late_capture
        self.stream_checks = list(stream_checks)


# ----------------------------------------------------------------------------- attacks

def run_rst_blind(ctx):
    ctx.server("stream", chunk=200, interval=0.02, duration=2.5)
    ctx.attacker("rst_blind", after=10, offset=5000)
    ctx.client("read")


def run_rst_exact(ctx):
    ctx.server("stream", chunk=200, interval=0.05, duration=2.0)
    ctx.attacker("rst_exact", after=10)
    ctx.client("read")


def run_inject_data(ctx):
    ctx.server("echo")
    ctx.attacker("inject_data", after=3, payload="INJECTED cat /etc/shadow")
    ctx.client("commands", count=12, interval=0.15)


def run_inject_data_frag(ctx):
    ctx.server("echo")
    ctx.attacker("inject_data_frag", after=3, payload="INJECTED cat /etc/shadow")
    ctx.client("commands", count=12, interval=0.15)


def run_frag_overlap(ctx):
    ctx.server("echo")
    ctx.attacker("frag_overlap", after=3, payload="INJECTED cat /etc/shadow")
    ctx.client("commands", count=12, interval=0.15)


def run_race_response(ctx):
    ctx.server("echo", delay=0.2, fixed=64)
    ctx.attacker("race_response", after=1, length=64, payload="FORGED-RESPONSE download http://evil/")
    ctx.client("request", fixed=64, count=3, interval=0.3)


def run_synack_race(ctx):
    ctx.server("echo")
    ctx.attacker("synack_race", timeout=4)
    ctx.client("commands", count=4, interval=0.15)


def run_before_real_synack(ctx, attack):
    """The server's SYN-ACKs are dropped in its own namespace (before the link) until
    the attacker has injected, so its packets reach the client first; the kernel's
    retransmission (~1 s later) is the real SYN-ACK arriving second."""
    ctx.nft("srv", "inet", "e2e_synack", """
table inet e2e_synack {
    chain first_synack_lost {
        type filter hook output priority 0; policy accept;
        tcp sport %d tcp flags & (syn|ack) == syn|ack drop
    }
}
""" % ctx.port)
    ctx.server("echo", accept_timeout=5)
    att = ctx.attacker(attack, timeout=4)
    ctx.client("commands", wait_connected=False, count=4, interval=0.15)
    att.wait_event("inject", 5)
    time.sleep(0.2)
    ctx.nft_delete("srv", "inet", "e2e_synack")
    ctx.wait_connected(5)


def run_synack_race_win(ctx):
    # the forged SYN-ACK wins the race
    run_before_real_synack(ctx, "synack_race")


def run_handshake_data(ctx):
    # the forged data and FIN reach the client while it is in SYN-SENT
    run_before_real_synack(ctx, "handshake_data")


def run_handshake_rst_client(ctx):
    # the forged RSTs reach the client while it is in SYN-SENT
    run_before_real_synack(ctx, "handshake_rst_client")


def run_handshake_rst_server(ctx):
    """The client's packets after its SYN (the ACK of the SYN-ACK, its first
    commands) are dropped in its own namespace (before the link) until the attacker
    has reset the server's half-open connection: the server sits in SYN-RCVD when the
    forged RST arrives. The client's retransmissions then reach a listener that no
    longer knows the connection."""
    run_client_ack_held(ctx, "handshake_rst_server", commands=4)


def run_handshake_bad_ack(ctx):
    # as above, the forged segment data whose ACK is not of the server's SYN-ACK; the
    # half-open connection survives it and the real client completes it
    run_client_ack_held(ctx, "handshake_bad_ack", commands=8, payload="INJECTED id")


def run_client_ack_held(ctx, attack, commands, **how):
    """The client's ACK and data held back in its namespace while the attacker acts on
    the server's SYN-ACK (the server in SYN-RCVD), then released."""
    ctx.nft("cli", "inet", "e2e_ack", """
table inet e2e_ack {
    chain client_ack_held {
        type filter hook output priority 0; policy accept;
        tcp dport %d tcp flags & (syn|ack) == ack drop
    }
}
""" % ctx.port)
    ctx.server("echo", accept_timeout=3)
    att = ctx.attacker(attack, timeout=4, **how)
    ctx.client("commands", count=commands, interval=0.15)
    att.wait_event("inject", 5)
    time.sleep(0.1)
    ctx.nft_delete("cli", "inet", "e2e_ack")


def run_early_desync(ctx):
    ctx.server("echo", conns=2, accept_timeout=6)
    ctx.attacker("early_desync", timeout=5)
    ctx.client("commands", wait=0.5, count=8, interval=0.15)


def run_inject_fin(ctx):
    ctx.server("echo", hold=2.0)
    ctx.attacker("inject_fin", after=3)
    ctx.client("commands", count=10, interval=0.15)


def run_spray(ctx):
    ctx.server("stream", chunk=100, interval=0.05, duration=2.5)
    ctx.attacker("spray", count=200, gap=0.002)
    ctx.client("read")


def run_data_spray(ctx):
    ctx.server("stream", chunk=100, interval=0.05, duration=2.5)
    ctx.attacker("data_spray", count=60, gap=0.01)
    ctx.client("read")


def run_ttl_inject(ctx):
    ctx.server("echo")
    ctx.attacker("ttl_inject", after=3, ttl=113, payload="INJECTED id; uname -a")
    ctx.client("commands", count=8, interval=0.15)


def run_ack_ahead(ctx):
    ctx.server("echo")
    ctx.attacker("ack_ahead", after=3, ahead=1000000)
    ctx.client("commands", count=8, interval=0.15)


def run_syn_established(ctx):
    ctx.server("echo")
    ctx.attacker("syn_established", after=3)
    ctx.client("commands", count=8, interval=0.15)


def run_takeover(ctx):
    ctx.server("echo")
    ctx.attacker("takeover", after=2, count=5, gap=0.1)
    ctx.client("commands", count=6, interval=0.15, pause_after=2, pause=3.0)


# Undeliverable copies (issue 14). The chaff is the client's next segment in every
# respect but one: a TTL / hop limit that expires at the router (routed topology), or
# a TSval the server's PAWS test rejects.
UNDELIVERABLE_FORBID = ["overlap_mismatch", "data_injection", "desync", "ack_storm", "session_takeover"]
INJECTION = ["overlap_mismatch", "desync", "ack_storm", "data_injection"]


def chaff_run(attack, **how):
    """A choreography: the echo server, the chaff attack (`chaff` alone, or
    `chaff_inject` with the injected command) after 3 commands, the commands client."""
    def run(ctx):
        ctx.server("echo")
        if attack in ("chaff_inject", "csum_chaff_inject"):
            ctx.attacker(attack, after=3, payload="INJECTED cat /etc/shadow", **how)
        else:
            ctx.attacker(attack, after=3, **how)
        ctx.client("commands", count=12, interval=0.15)
    return run


run_ttl_chaff = chaff_run("chaff", chaff="ttl", ttl=1)
run_ttl_chaff_inject = chaff_run("chaff_inject", chaff="ttl", ttl=1)
run_paws_chaff = chaff_run("chaff", chaff="paws", paws_back=100000)
run_paws_chaff_inject = chaff_run("chaff_inject", chaff="paws", paws_back=100000)
run_csum_chaff_inject = chaff_run("csum_chaff_inject")


def client_offload_on(ctx):
    # TX checksum offload on the client's interface: its outgoing packets carry
    # partial checksums (the pseudo-header sum) at its own packet tap
    ctx.lab.nsx("cli", "ethtool", "-K", "eth0", "tx", "on")


def run_offload_injection(ctx):
    ctx.server("echo")
    ctx.attacker("inject_data", after=3, payload="INJECTED cat /etc/shadow")
    ctx.client("commands", count=12, interval=0.15)


# ----------------------------------------------------------------------------- benign

def run_bulk(ctx, conns, parallel, lo, hi):
    ctx.bulk = dict(seed="e2e-%s-v%d" % (ctx.sc.name, ctx.fam), count=conns, min_bytes=lo, max_bytes=hi)
    ctx.server("bulk", conns=conns, seed="e2e-%s-v%d" % (ctx.sc.name, ctx.fam))
    ctx.client("bulk", wait_connected=False, count=conns, parallel=parallel, min_bytes=lo, max_bytes=hi,
               seed="e2e-%s-v%d" % (ctx.sc.name, ctx.fam))


def run_bulk_clean(ctx):
    run_bulk(ctx, 16, 4, 50000, 800000)


def run_bulk_loss(ctx):
    # 1 % of TCP frames lost before the sensor (bridge prerouting) and 1 % after it
    # (bridge forward): the endpoints retransmit; nothing is an attack.
    ctx.nft("sen", "bridge", "e2e_loss", """
table bridge e2e_loss {
    chain before_sensor {
        type filter hook prerouting priority 0; policy accept;
        meta l4proto tcp numgen random mod 100 < 1 drop
    }
    chain after_sensor {
        type filter hook forward priority 0; policy accept;
        meta l4proto tcp numgen random mod 100 < 1 drop
    }
}
""")
    run_bulk(ctx, 4, 2, 500000, 1000000)


def run_many_short(ctx):
    run_bulk(ctx, 60, 6, 50, 3000)


def run_keepalive(ctx):
    ctx.server("echo")
    ctx.client("keepalive", idle=4.5)


def run_zero_window(ctx):
    ctx.server("noread", pause=2.5, rcvbuf=32768)
    ctx.client("send", total=2000000)


def run_simclose(ctx):
    at = time.time() + 1.5
    ctx.server("simclose", at=at)
    ctx.client("simclose", at=at)
    # Both FINs are dropped after the sensor saw them (bridge forward), so each end
    # retransmits its FIN into a peer that has already sent its own: a real
    # simultaneous close (FIN_WAIT_1 -> CLOSING on both sides).
    time.sleep(max(0.0, at - time.time() - 0.3))
    ctx.nft("sen", "bridge", "e2e_fin", """
table bridge e2e_fin {
    chain after_sensor {
        type filter hook forward priority 0; policy accept;
        meta l4proto tcp tcp flags & fin == fin drop
    }
}
""")
    time.sleep(max(0.0, at - time.time() + 0.15))
    ctx.nft_delete("sen", "bridge", "e2e_fin")


def run_rst_abort(ctx):
    ctx.server("stream", chunk=1000, interval=0.005, duration=3.0)
    ctx.client("abort", read_bytes=20000)


def run_tuple_reuse(ctx):
    ctx.server("closefirst", conns=5)
    ctx.client("reuse", count=5, interval=0.3, source_port=41000 + ctx.fam)


def run_routed_clean(ctx):
    run_bulk(ctx, 6, 3, 50000, 400000)


def run_frag_mtu(ctx):
    # Real fragmentation by a router: the server sends full-size segments without DF
    # (ip_no_pmtu_disc), the router's hub-side link has an MTU of 1000, so each one
    # reaches the hub as two IPv4 fragments. The client's route to the server has
    # MTU 1000 (its own segments fit) but advertises MSS 1460.
    a = ctx.a
    ctx.lab.nsx("srv", "sysctl", "-qw", "net.ipv4.ip_no_pmtu_disc=1")
    ctx.lab.nsx("rtr", "ip", "link", "set", "eth0", "mtu", "1000")
    ctx.lab.nsx("cli", "ip", "-4", "route", "replace", a["srv_net"], "via", a["rtr"], "mtu", "1000",
                "advmss", "1460")
    run_bulk(ctx, 4, 2, 100000, 400000)


def run_offload_clean(ctx):
    # TX checksum offload on the client's interface, captured there: the client's
    # outgoing packets carry partial checksums (the pseudo-header sum), the server's
    # verify. seqwatch's --checksum auto (the default) must learn the client.
    ctx.lab.nsx("cli", "ethtool", "-K", "eth0", "tx", "on")
    ctx.server("echo")
    ctx.client("commands", count=20, interval=0.05)


def run_midstream(ctx):
    ctx.server("echo")
    ctx.client("commands", count=40, interval=0.1)
    time.sleep(1.0)
    ctx.start_capture()


SCENARIOS = [
    # --- attacks ---------------------------------------------------------------------
    Scenario("rst_blind_inwindow", "attack",
             "while the server streams data, the attacker sends one RST to the client at the "
             "client's next expected sequence number + 5000 (inside its window, not exact), no timestamps",
             "an in-window RST off the exact sequence number is the blind reset RFC 5961 defends against; "
             "Linux answers with a challenge ACK and the server keeps sending",
             run_rst_blind, expect=[["rst_injection"]]),
    Scenario("rst_exact", "attack",
             "while the server streams data, the attacker resets the client with an RST (as the server) "
             "at exactly the next sequence number; the client's kernel drops the connection",
             "the RST is at the exact sequence number, but the side that 'reset' keeps sending data "
             "after it (and the client RSTs that data): the reset was not the server's",
             run_rst_exact, expect=[["rst_injection"]]),
    Scenario("data_injection", "attack",
             "classic hijack: after 3 commands the attacker inserts 'INJECTED cat /etc/shadow' as the "
             "client with the right seq/ack; the server executes it, the real client is desynchronized "
             "and its next commands cover the injected range with other bytes",
             "the real client's later bytes overlap the injected bytes with different content; the two "
             "stacks then disagree on the sequence space (desync, ACK storm)",
             run_inject_data, expect=[["overlap_mismatch", "desync", "ack_storm"]]),
    Scenario("data_injection_frag", "attack",
             "the classic hijack with the injected segment sent as IP fragments of 24 bytes in "
             "reverse order (IPv4 with DF cleared; IPv6 fragment headers); the server's kernel "
             "reassembles them and executes the command",
             "seqwatch reassembles the fragments as the receiver does, so the injection is seen "
             "like an unfragmented one",
             run_inject_data_frag, expect=[["overlap_mismatch", "desync", "ack_storm"]]),
    Scenario("frag_overlap", "attack",
             "an injected command in two IP fragments, and between them a third that overlaps the "
             "end of the first and the start of the second with other bytes",
             "overlapping fragments with different bytes are an evasion; Linux drops the datagram "
             "(RFC 5722, for IPv4 too), so nothing reaches the server and the connection goes on",
             run_frag_overlap, expect=[["ip_fragment_overlap"]]),
    Scenario("response_race", "attack",
             "the server answers each request after 200 ms; on the first request the attacker "
             "immediately sends a forged 64-byte answer in the same sequence range",
             "the server's real answer arrives later over the same sequence range with different bytes",
             run_race_response, expect=[["overlap_mismatch"]]),
    Scenario("synack_race", "attack",
             "on the client's SYN the attacker sends a forged SYN-ACK with another ISN; the real one "
             "(from the kernel, faster) arrives first here",
             "two SYN-ACKs with different ISNs answer one SYN",
             run_synack_race, expect=[["synack_conflict"]]),
    Scenario("synack_race_win", "attack",
             "as synack_race, but the server's first SYN-ACK is lost before the link, so the forged "
             "one wins and the kernel's retransmitted SYN-ACK arrives second",
             "two SYN-ACKs with different ISNs answer one SYN; the client acknowledged the forged one",
             run_synack_race_win, expect=[["synack_conflict", "synack_bad_ack"]]),
    Scenario("handshake_data", "attack",
             "on the client's SYN, the attacker sends data and a FIN as the server before any "
             "SYN-ACK (the server's first SYN-ACK is lost before the link); the client in SYN-SENT "
             "drops both and completes the handshake with the retransmitted SYN-ACK",
             "an end in SYN-SENT takes only a SYN: data and FIN before the handshake are forged "
             "(position handshake); their bytes never become the server's stream",
             run_handshake_data, expect=[["seq_out_of_window"], ["fin_injection"]], background=True),
    Scenario("early_desync", "attack",
             "on the server's SYN-ACK the attacker RSTs the server's side as the client, opens it again "
             "with a SYN carrying another ISN and completes that handshake",
             "the server's connection is reset and reopened on the same 4-tuple with another ISN right "
             "after the handshake while the real client keeps the first one",
             run_early_desync, expect=[["early_desync", "desync"]]),
    Scenario("fin_injection", "attack",
             "after 3 commands the attacker sends a FIN as the client at the exact sequence number; "
             "the real client keeps sending commands",
             "the 'closed' direction carries real data after its FIN",
             run_inject_fin, expect=[["fin_injection"]]),
    Scenario("blind_spray", "attack",
             "the attacker sprays 200 RSTs at the client stepping through the sequence space "
             "(1 MiB apart, all far outside the window)",
             "many out-of-window RSTs on one connection in a short time is a blind attack",
             run_spray, expect=[["blind_spray", "rst_out_of_window"]]),
    Scenario("blind_data_spray", "attack",
             "the attacker sprays 60 data segments with far-off ACKs, alternately as the client and "
             "as the server, all 1 GiB outside the windows and without timestamps; the real stacks "
             "answer with duplicate / challenge ACKs and the stream finishes normally",
             "a blind spray of forged segments: the real endpoints never lose sync (issue 14)",
             run_data_spray, expect=[["blind_spray", "seq_out_of_window"]],
             forbid=["desync", "ack_storm", "session_takeover"]),
    Scenario("ttl_injection", "attack",
             "after 3 commands the attacker inserts data as the client with TTL/hop limit 113 and no "
             "TCP timestamps on a connection whose packets all have 64 and timestamps",
             "the segment does not come from the client's stack: another TTL and a missing option",
             run_ttl_inject, expect=[["ttl_anomaly"]]),
    Scenario("ack_ahead", "attack",
             "after 3 commands the attacker sends a pure ACK as the client acknowledging 1,000,000 "
             "bytes beyond what the server sent",
             "an ACK for data the server never sent",
             run_ack_ahead, expect=[["ack_unsent_data"]]),
    Scenario("syn_in_established", "attack",
             "after 3 commands the attacker sends a SYN (another ISN) on the established 4-tuple",
             "a SYN inside an established connection (Linux answers with a challenge ACK)",
             run_syn_established, expect=[["syn_in_established"]]),
    Scenario("session_takeover", "attack",
             "after 2 commands the client goes quiet; the attacker sends 5 commands as the client and "
             "ACKs each answer (it carries the conversation); the real client resumes later, "
             "desynchronized",
             "the conversation continues with a sender that is not the real client",
             run_takeover, expect=[["session_takeover"]]),
    Scenario("ttl_chaff", "attack",
             "routed topology (the server one router hop behind the hub): after 3 commands the "
             "attacker sends the client's next segment with other bytes and TTL / hop limit 1, "
             "which expires at the router; the real client's next command covers the range",
             "a copy that could not reach the server (TTL not above the hop distance the "
             "server's own packets show) is kept aside, not compared as the first version",
             run_ttl_chaff, expect=[["insertion_attempt"]], forbid=UNDELIVERABLE_FORBID,
             topology="routed", background=True),
    Scenario("ttl_chaff_injection", "attack",
             "routed topology: the attacker sends TTL-1 chaff carrying the real client's next "
             "command, then the injected command (TTL 64) over the same range; the server executes "
             "it, the real client's next command covers it with other bytes",
             "the chaff never arrived, so the injection is judged against the real client's bytes",
             run_ttl_chaff_inject, expect=[["insertion_attempt"], INJECTION],
             topology="routed", background=True),
    Scenario("paws_chaff", "attack",
             "after 3 commands the attacker sends the client's next segment with other bytes and "
             "a TSval 100 s older than the client's clock (PAWS, RFC 7323 5); the real client's "
             "next command covers the range",
             "a copy the server's PAWS test drops is kept aside, not compared as the first version",
             run_paws_chaff, expect=[["insertion_attempt"]], forbid=UNDELIVERABLE_FORBID,
             background=True),
    Scenario("paws_chaff_injection", "attack",
             "PAWS chaff (an old TSval) carrying the real client's next command, then the injected "
             "command (current TSval) over the same range",
             "the chaff never arrived, so the injection is judged against the real client's bytes",
             run_paws_chaff_inject, expect=[["insertion_attempt"], INJECTION], background=True),
    Scenario("csum_chaff_injection", "attack",
             "after 3 commands the attacker sends a copy with a wrong TCP checksum carrying the "
             "real client's next commands over the range of the injected command, the injected "
             "command itself 5 ms later, and 5 ms after it a second bad-checksum copy right "
             "behind the injection; the server's kernel drops both chaff copies and executes "
             "the command, the real client's next command covers it",
             "bad-checksum copies never reach the receiver: dropped and counted "
             "(checksum_errors), never a version; the injection is judged against the real "
             "client's bytes",
             run_csum_chaff_inject, expect=[INJECTION], background=True,
             summary=[("checksum_errors", 2)]),
    Scenario("handshake_rst_client", "attack",
             "the server's first SYN-ACK is lost before the link; on the client's SYN the "
             "attacker sends, as the server, an RST without ACK (Linux in SYN-SENT drops it) "
             "and then an RST-ACK acknowledging the SYN (the client's kernel takes it: "
             "connect() fails with ECONNREFUSED); the server's retransmitted SYN-ACK follows",
             "an RST an end in SYN-SENT rejects is out of window at the handshake; one it "
             "accepts is forged when its side then answers the SYN",
             run_handshake_rst_client, expect=[["rst_out_of_window"], ["rst_injection"]],
             background=True),
    Scenario("handshake_rst_server", "attack",
             "the client's ACK of the SYN-ACK is held back in its namespace; on the server's "
             "SYN-ACK the attacker sends, as the client, an RST at the server's rcv_nxt; "
             "Linux's request socket takes it and drops the half-open connection, and the "
             "listener resets the real client's retransmitted data",
             "an RST the end in SYN-RCVD accepts is forged when its side then goes on with "
             "the handshake (the ACK of the SYN-ACK, data)",
             run_handshake_rst_server, expect=[["rst_injection"]], background=True),
    Scenario("handshake_bad_ack", "attack",
             "the client's ACK of the SYN-ACK is held back in its namespace; on the server's "
             "SYN-ACK the attacker sends, as the client, a command at the right sequence "
             "number whose ACK is 100000 past the server's ISN + 1; Linux's request socket "
             "hands it to the listener, which resets it, and the real client then completes "
             "the handshake and sends its commands over the same range",
             "an end in SYN-RCVD takes data only with the ACK of its SYN-ACK: the segment is "
             "refused (position handshake, reason ack_does_not_acknowledge_syn)",
             run_handshake_bad_ack, expect=[["seq_out_of_window"]],
             forbid=["desync", "ack_storm", "session_takeover"], background=True),
    Scenario("offload_injection", "attack",
             "TX checksum offload on the client's interface and the capture taken there "
             "(tcpdump and the live sensor in the client's namespace); after 3 commands the "
             "attacker inserts a command as the client (the hub floods it to the client's "
             "interface too), the server executes it",
             "--checksum auto learns the offloading client and keeps its partial-checksum "
             "packets, so the real client's bytes that cover the injection are seen",
             run_offload_injection, expect=[INJECTION], capture="client", background=True,
             setup=client_offload_on, summary=[("checksum.offload_accepted", 10)]),
    # --- benign ----------------------------------------------------------------------
    Scenario("bulk_clean", "benign",
             "16 connections (4 at a time) each carrying 50 KB-800 KB of known data in each direction",
             "plain transfers",
             run_bulk_clean, stream_checks=["exact", "sensor-loss", "sensor-reorder"]),
    Scenario("bulk_loss", "benign",
             "4 bulk connections of 0.5-1 MB each way with 1 % random loss before and 1 % after the "
             "sensor (nftables numgen on the bridge)",
             "loss, retransmissions, SACK and duplicate segments are normal",
             run_bulk_loss, stream_checks=["exact"]),
    Scenario("many_short", "benign",
             "60 short connections, 6 at a time, 50 B-3 KB each way",
             "connection churn is normal",
             run_many_short, families=(4,)),
    Scenario("keepalive", "benign",
             "an idle connection with SO_KEEPALIVE, TCP_KEEPIDLE=1 s, TCP_KEEPINTVL=1 s for 4.5 s",
             "keepalive probes sit one byte below the window on purpose",
             run_keepalive),
    Scenario("zero_window", "benign",
             "the server stops reading for 2.5 s (32 KB receive buffer) while the client sends 2 MB",
             "zero windows and window probes are flow control",
             run_zero_window),
    Scenario("simultaneous_close", "benign",
             "both ends shut down at the same instant; their first FINs are lost after the sensor so "
             "they cross (both ends go FIN_WAIT_1 -> CLOSING)",
             "simultaneous close is legal TCP",
             run_simclose),
    Scenario("rst_abort", "benign",
             "the client reads 20 KB of a stream and closes with SO_LINGER 0 (RST) while data is in flight",
             "an application abort is a real RST from a real endpoint",
             run_rst_abort),
    Scenario("tuple_reuse", "benign",
             "5 connections one after another from the same client port to the same server port "
             "(SO_REUSEADDR; the server closes first, so its TIME_WAIT accepts the newer SYN)",
             "reusing a 4-tuple is normal",
             run_tuple_reuse),
    Scenario("midstream", "benign",
             "the capture (tcpdump and the live sensor) starts 1 s after the connection was established",
             "a connection picked up without its handshake is not an attack",
             run_midstream, late_capture=True),
    Scenario("routed_clean", "benign",
             "the routed topology (server one router hop behind the hub: its packets arrive with "
             "TTL / hop limit 63) carrying 6 bulk connections, no chaff",
             "a server some hops away is not an undeliverable copy",
             run_routed_clean, topology="routed", stream_checks=["exact"]),
    Scenario("frag_mtu", "benign",
             "routed topology, the router's hub-side MTU 1000 and the server's DF off: every "
             "full-size server segment reaches the hub as two IPv4 fragments (4 bulk connections)",
             "routers fragment; seqwatch reassembles and sees plain transfers",
             run_frag_mtu, topology="routed", families=(4,), stream_checks=["exact"],
             summary=[("defrag.reassembled", 100)]),
    Scenario("offload_clean", "benign",
             "TX checksum offload on the client's interface and the capture taken there (tcpdump "
             "and the live sensor in the client's namespace); 20 commands",
             "partial checksums of an offloading host are its own packets, not chaff",
             run_offload_clean, capture="client",
             summary=[("checksum.offload_accepted", 10)]),
]
