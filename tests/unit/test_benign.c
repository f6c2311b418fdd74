/*
 * test_benign.c — ordinary traffic that must raise no event at all (issue 5, "no
 * false alarms"): retransmissions and spurious retransmissions, loss and reordering
 * at the sensor (every single dropped frame and every swapped pair of a whole
 * conversation), keepalives, zero-window probes, window shrinking, midstream pickup,
 * 4-tuple reuse after TIME_WAIT, simultaneous open and close, application RST abort,
 * RST after FIN, TCP Fast Open, SACK recovery — with and without timestamps.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "checks_harness.h"
#include "detector/packet.h"

static harness H;

static int setup(void **st) { (void)st; h_init(&H); return 0; }
static int teardown(void **st) { (void)st; h_free(&H); return 0; }

#define DATA (SW_TH_ACK | SW_TH_PSH)

static char BLK[1448];

static void quiet(const pb_trace *t)
{
    h_free(&H);
    h_init(&H);
    h_run(&H, t);
    h_expect_none(&H);
}

/* A whole conversation: handshake, requests, a bulk response, close. */
static void conversation(pb_trace *t, int ts)
{
    pb_conn c;
    pb_trace_init(t, 1, 1700000000000000ull);
    h_conn(&c, t, ts);
    h_chat(&c, 2);
    pb_conn_send(&c, 0, "GET /big\r\n\r\n", 12);
    pb_conn_ack(&c, 1);
    for (int i = 0; i < 12; i++) {
        pb_conn_send(&c, 1, BLK, sizeof BLK);
        if (i % 2)
            pb_conn_ack(&c, 0);
    }
    pb_conn_ack(&c, 0);
    h_close(&c);
}

static void copy_frames(pb_trace *dst, const pb_trace *src, size_t skip, size_t swap)
{
    pb_trace_init(dst, src->linktype, src->frames[0].ts_us);
    for (size_t i = 0; i < src->n; i++) {
        if (i == skip)
            continue;
        size_t j = i;
        if (swap != (size_t)-1 && swap + 1 < src->n) {
            if (i == swap)
                j = swap + 1;
            else if (i == swap + 1)
                j = swap;
        }
        dst->now_us = src->frames[i].ts_us;      /* times stay in order */
        pb_trace_add_raw(dst, src->frames[j].data, src->frames[j].len);
    }
}

/* The sensor loses any one frame of the conversation. */
static void test_single_loss(void **st)
{
    (void)st;
    for (int ts = 0; ts < 2; ts++) {
        pb_trace full;
        conversation(&full, ts);
        quiet(&full);
        for (size_t k = 0; k < full.n; k++) {
            pb_trace t;
            copy_frames(&t, &full, k, (size_t)-1);
            h_free(&H);
            h_init(&H);
            h_run(&H, &t);
            if (H.n)
                fprintf(stderr, "ts %d drop %zu\n", ts, k);
            h_expect_none(&H);
            pb_trace_free(&t);
        }
        pb_trace_free(&full);
    }
}

/* The sensor sees any two neighbouring frames in the other order. */
static void test_reordering(void **st)
{
    (void)st;
    for (int ts = 0; ts < 2; ts++) {
        pb_trace full;
        conversation(&full, ts);
        for (size_t k = 0; k + 1 < full.n; k++) {
            pb_trace t;
            copy_frames(&t, &full, (size_t)-1, k);
            h_free(&H);
            h_init(&H);
            h_run(&H, &t);
            if (H.n)
                fprintf(stderr, "ts %d swap %zu/%zu\n", ts, k, k + 1);
            h_expect_none(&H);
            pb_trace_free(&t);
        }
        pb_trace_free(&full);
    }
}

/* The sensor misses a long stretch: 300 KB of the server's data and the client's
 * ACKs for it. */
static void test_long_loss(void **st)
{
    (void)st;
    for (int ts = 0; ts < 2; ts++) {
        pb_trace t;
        pb_trace_init(&t, 1, 1700000000000000ull);
        pb_conn c;
        h_conn(&c, &t, ts);
        h_chat(&c, 1);
        pb_trace lost;
        pb_trace_init(&lost, 1, t.now_us);
        c.t = &lost;
        for (int i = 0; i < 200; i++) {
            pb_conn_send(&c, 1, BLK, sizeof BLK);
            pb_conn_ack(&c, 0);
        }
        c.t = &t;
        t.now_us = lost.now_us;
        pb_trace_free(&lost);
        pb_conn_send(&c, 1, BLK, sizeof BLK);
        pb_conn_ack(&c, 0);
        h_chat(&c, 1);
        h_close(&c);
        quiet(&t);
        pb_trace_free(&t);
    }
}

/* Retransmissions (the server's ACK was lost after the sensor) and spurious
 * retransmissions (acked, resent anyway, answered with a duplicate ACK). */
static void test_retransmissions(void **st)
{
    (void)st;
    for (int ts = 0; ts < 2; ts++) {
        pb_trace t;
        pb_trace_init(&t, 1, 1700000000000000ull);
        pb_conn c;
        h_conn(&c, &t, ts);
        h_chat(&c, 1);
        uint32_t x = c.nxt[0];
        pb_conn_send(&c, 0, BLK, 1000);
        pb_conn_send(&c, 0, BLK, 1000);
        pb_tick(&t, 200000);
        /* RTO: both resent (with the clock's current TSval), then acked */
        h_raw(&c, 0, x, c.ackv[0], DATA, BLK, 1000);
        h_raw(&c, 0, x + 1000, c.ackv[0], DATA, BLK, 1000);
        pb_conn_ack(&c, 1);
        /* spurious: resent after the ACK */
        pb_tick(&t, 300000);
        h_raw(&c, 0, x, c.ackv[0], DATA, BLK, 1000);
        pb_conn_ack(&c, 1);
        h_raw(&c, 0, x + 1000, c.ackv[0], DATA, BLK, 1000);
        pb_conn_ack(&c, 1);
        h_chat(&c, 1);
        h_close(&c);
        quiet(&t);
        pb_trace_free(&t);
    }
}

/* Keepalives: 0-byte (Linux) and 1-byte garbage (Windows), answered, repeated. */
static void test_keepalives(void **st)
{
    (void)st;
    for (int ts = 0; ts < 2; ts++) {
        pb_trace t;
        pb_trace_init(&t, 1, 1700000000000000ull);
        pb_conn c;
        h_conn(&c, &t, ts);
        h_chat(&c, 2);
        for (int i = 0; i < 4; i++) {
            pb_tick(&t, 7200000000ull);
            h_raw(&c, i % 2, c.nxt[i % 2] - 1u, c.ackv[i % 2], SW_TH_ACK,
                  (i / 2) ? "\0" : NULL, (i / 2) ? 1 : 0);
            pb_conn_ack(&c, 1 - i % 2);
        }
        h_chat(&c, 1);
        h_close(&c);
        quiet(&t);
        pb_trace_free(&t);
    }
}

/* Zero-window probes: the server's window closes; the client probes with one byte
 * at the edge (refused) and with seq-1 (Linux); the window opens again. */
static void test_zero_window_probes(void **st)
{
    (void)st;
    for (int ts = 0; ts < 2; ts++) {
        pb_trace t;
        pb_trace_init(&t, 1, 1700000000000000ull);
        pb_conn c;
        h_conn(&c, &t, ts);
        h_chat(&c, 1);
        pb_conn_send(&c, 0, BLK, 1400);
        c.win[1] = 0;
        pb_conn_ack(&c, 1);                       /* window 0 */
        uint32_t x = c.nxt[0];
        for (int i = 0; i < 3; i++) {
            pb_tick(&t, 200000u << i);
            h_raw(&c, 0, x, c.ackv[0], SW_TH_ACK, BLK, 1);      /* 1-byte probe */
            pb_conn_ack(&c, 1);                                  /* refused: ack x, win 0 */
            pb_tick(&t, 200000u << i);
            h_raw(&c, 0, x - 1u, c.ackv[0], SW_TH_ACK, NULL, 0); /* Linux probe */
            pb_conn_ack(&c, 1);
        }
        c.win[1] = 502;
        pb_conn_ack(&c, 1);                       /* the window opens */
        pb_conn_send(&c, 0, BLK, 1400);
        pb_conn_ack(&c, 1);
        h_close(&c);
        quiet(&t);
        pb_trace_free(&t);
    }
}

/* Window shrinking: the server shrinks its window while the client's earlier
 * segments (sent into the larger window) are still arriving. */
static void test_window_shrinking(void **st)
{
    (void)st;
    for (int ts = 0; ts < 2; ts++) {
        pb_trace t;
        pb_trace_init(&t, 1, 1700000000000000ull);
        pb_conn c;
        h_conn(&c, &t, ts);
        h_chat(&c, 1);
        uint32_t x = c.nxt[0];
        for (int i = 0; i < 20; i++)              /* 28 KB in flight */
            pb_conn_send(&c, 0, BLK, 1400);
        c.win[1] = 4;                             /* 512 bytes, right edge moves left */
        h_raw(&c, 1, c.nxt[1], x + 2800, SW_TH_ACK, NULL, 0);
        for (int i = 0; i < 3; i++)               /* more of what was already in flight */
            h_raw(&c, 0, x + 1400u * (uint32_t)(17 + i), c.ackv[0], DATA, BLK, 1400);
        c.win[1] = 502;
        pb_conn_ack(&c, 1);
        h_close(&c);
        quiet(&t);
        pb_trace_free(&t);
    }
}

/* Midstream pickup: the capture starts in the middle of conversations (the first
 * packet from either side), with scaled windows the sensor cannot know. */
static void test_midstream(void **st)
{
    (void)st;
    for (int ts = 0; ts < 2; ts++) {
        for (int first = 3; first <= 6; first++) {
            pb_trace full, t;
            conversation(&full, ts);
            pb_trace_init(&t, 1, full.frames[first].ts_us);
            for (size_t i = (size_t)first; i < full.n; i++) {
                t.now_us = full.frames[i].ts_us;
                pb_trace_add_raw(&t, full.frames[i].data, full.frames[i].len);
            }
            quiet(&t);
            pb_trace_free(&t);
            pb_trace_free(&full);
        }
    }
}

/* 4-tuple reuse after TIME_WAIT, with a higher and with a lower new ISN. */
static void test_reuse_after_time_wait(void **st)
{
    (void)st;
    for (int ts = 0; ts < 2; ts++) {
        pb_trace t;
        pb_trace_init(&t, 1, 1700000000000000ull);
        static const uint32_t isn[3][2] = { { 1000000, 5000000 }, { 90000000, 700 },
                                            { 5000, 4000000000u } };
        for (int k = 0; k < 3; k++) {
            pb_conn c;
            pb_conn_init(&c, &t, "10.0.0.1", 40000, "10.0.0.2", 80, isn[k][0], isn[k][1]);
            c.ts = ts;
            pb_conn_handshake(&c);
            h_chat(&c, 2);
            h_close(&c);
            pb_tick(&t, 1000000);
        }
        quiet(&t);
        pb_trace_free(&t);
    }
}

static void syn_opt(pb_conn *c, int side, uint32_t seq, uint32_t ack, uint8_t flags, int ts,
                    const void *data, uint32_t len, int tfo)
{
    pb_seg s;
    memset(&s, 0, sizeof s);
    s.seq = seq;
    s.ack = ack;
    s.flags = flags;
    s.win = 64240;
    s.mss = 1460;
    s.has_wscale = 1;
    s.wscale = 7;
    s.sack_perm = 1;
    s.ts = ts;
    s.payload = data;
    s.len = len;
    s.tfo_cookie_len = tfo;
    if (ts && (flags & SW_TH_ACK))
        s.tsecr = c->ts_last[1 - side];
    pb_conn_raw(c, side, &s);
    if (ts)
        c->ts_last[side] = c->tsval[side];   /* raw segments are not recorded for echoing */
}

/* Simultaneous open (SYNs cross, both send SYN-ACKs) and simultaneous close. */
static void test_simultaneous_open_close(void **st)
{
    (void)st;
    for (int ts = 0; ts < 2; ts++) {
        pb_trace t;
        pb_trace_init(&t, 1, 1700000000000000ull);
        pb_conn c;
        pb_conn_init(&c, &t, "10.0.0.1", 5001, "10.0.0.2", 5002, 1000u, 9000u);
        c.ts = ts;
        syn_opt(&c, 0, 1000, 0, SW_TH_SYN, ts, NULL, 0, 0);
        syn_opt(&c, 1, 9000, 0, SW_TH_SYN, ts, NULL, 0, 0);
        syn_opt(&c, 0, 1000, 9001, SW_TH_SYN | SW_TH_ACK, ts, NULL, 0, 0);
        syn_opt(&c, 1, 9000, 1001, SW_TH_SYN | SW_TH_ACK, ts, NULL, 0, 0);
        c.nxt[0] = 1001;
        c.nxt[1] = 9001;
        c.ackv[0] = 9001;
        c.ackv[1] = 1001;
        h_chat(&c, 2);
        /* both close at once: the FINs cross */
        pb_conn_fin(&c, 0);
        pb_conn_fin(&c, 1);
        pb_conn_ack(&c, 0);
        pb_conn_ack(&c, 1);
        quiet(&t);
        pb_trace_free(&t);
    }
}

/* The application aborts: an RST at exactly the next sequence number (client with
 * data in flight, then the server side on another connection). */
static void test_application_abort(void **st)
{
    (void)st;
    for (int ts = 0; ts < 2; ts++) {
        pb_trace t;
        pb_trace_init(&t, 1, 1700000000000000ull);
        pb_conn c;
        h_conn(&c, &t, ts);
        h_chat(&c, 2);
        pb_conn_send(&c, 0, BLK, 1000);                     /* not yet acknowledged */
        h_raw(&c, 0, c.nxt[0], c.ackv[0], SW_TH_RST | SW_TH_ACK, NULL, 0);
        h_raw(&c, 1, c.nxt[1], c.nxt[0], DATA, BLK, 100);   /* in flight */
        h_raw(&c, 0, c.nxt[0], 0, SW_TH_RST, NULL, 0);      /* answered with RST */

        pb_conn d;
        pb_conn_init(&d, &t, "10.0.0.1", 40001, "10.0.0.2", 80, 77u, 99u);
        d.ts = ts;
        pb_conn_handshake(&d);
        h_chat(&d, 1);
        h_raw(&d, 1, d.nxt[1], d.ackv[1], SW_TH_RST | SW_TH_ACK, NULL, 0);
        quiet(&t);
        pb_trace_free(&t);
    }
}

/* RST after FIN: the client closes; the server still sends; the client's stack
 * answers with an RST; and a FIN followed by an RST from the same side (linger 0). */
static void test_rst_after_fin(void **st)
{
    (void)st;
    for (int ts = 0; ts < 2; ts++) {
        pb_trace t;
        pb_trace_init(&t, 1, 1700000000000000ull);
        pb_conn c;
        h_conn(&c, &t, ts);
        h_chat(&c, 2);
        pb_conn_fin(&c, 0);
        pb_conn_ack(&c, 1);
        pb_conn_send(&c, 1, BLK, 500);
        h_raw(&c, 0, c.nxt[0], 0, SW_TH_RST, NULL, 0);

        pb_conn d;
        pb_conn_init(&d, &t, "10.0.0.1", 40001, "10.0.0.2", 80, 77u, 99u);
        d.ts = ts;
        pb_conn_handshake(&d);
        h_chat(&d, 1);
        pb_conn_fin(&d, 1);
        h_raw(&d, 1, d.nxt[1], d.ackv[1], SW_TH_RST | SW_TH_ACK, NULL, 0);
        quiet(&t);
        pb_trace_free(&t);
    }
}

/* A window update overtakes queued data on the wire (seen in the e2e lab on a veth
 * bridge): the client's pure ACK carries the sequence number after data and a FIN
 * that the capture shows only afterwards. The FIN is where the data ends: not an
 * injection. */
static void test_window_update_overtakes_queued_fin(void **st)
{
    (void)st;
    for (int ts = 0; ts < 2; ts++) {
        pb_trace t;
        pb_trace_init(&t, 1, 1700000000000000ull);
        pb_conn c;
        h_conn(&c, &t, ts);
        h_chat(&c, 2);
        uint32_t q = c.nxt[0];                 /* queued: 1000 bytes, then the FIN */
        h_raw(&c, 0, q + 1000 + 1, c.ackv[0], SW_TH_ACK, NULL, 0);   /* the overtaking ACK */
        h_raw(&c, 0, q, c.ackv[0], SW_TH_ACK, BLK, 500);
        h_raw(&c, 0, q + 500, c.ackv[0], SW_TH_ACK | SW_TH_PSH | SW_TH_FIN, BLK, 500);
        c.nxt[0] = q + 1001;
        pb_conn_ack(&c, 1);
        pb_conn_fin(&c, 1);
        pb_conn_ack(&c, 0);
        quiet(&t);
        pb_trace_free(&t);
    }
}

/* TCP Fast Open: data on the SYN; the server takes it (ACK past it) or refuses the
 * cookie (ACK of the SYN only, the client sends the data again). */
static void test_tcp_fast_open(void **st)
{
    (void)st;
    for (int ts = 0; ts < 2; ts++) {
        for (int accept = 0; accept < 2; accept++) {
            pb_trace t;
            pb_trace_init(&t, 1, 1700000000000000ull);
            pb_conn c;
            pb_conn_init(&c, &t, "10.0.0.1", 40000, "10.0.0.2", 443, 1000u, 9000u);
            c.ts = ts;
            syn_opt(&c, 0, 1000, 0, SW_TH_SYN, ts, "hello tfo", 9, 8);
            syn_opt(&c, 1, 9000, accept ? 1010 : 1001, SW_TH_SYN | SW_TH_ACK, ts, NULL, 0, 0);
            c.nxt[1] = 9001;
            if (accept) {
                c.nxt[0] = 1010;
                pb_conn_ack(&c, 0);
            } else {
                c.nxt[0] = 1001;
                pb_conn_ack(&c, 0);
                pb_conn_send(&c, 0, "hello tfo", 9);
            }
            pb_conn_ack(&c, 1);
            h_chat(&c, 2);
            h_close(&c);
            quiet(&t);
            pb_trace_free(&t);
        }
    }
}

/* SACK recovery: one segment of six is lost (variant 0: after the sensor, which saw
 * it; variant 1: before the sensor); duplicate ACKs with SACK blocks; the segment is
 * resent; everything is acknowledged. */
static void test_sack_recovery(void **st)
{
    (void)st;
    for (int ts = 0; ts < 2; ts++) {
        for (int before = 0; before < 2; before++) {
            pb_trace t;
            pb_trace_init(&t, 1, 1700000000000000ull);
            pb_conn c;
            h_conn(&c, &t, ts);
            h_chat(&c, 1);
            uint32_t x = c.nxt[0];
            for (int i = 0; i < 6; i++) {
                if (i == 1 && before) {
                    c.nxt[0] += 1400;             /* never reaches the sensor */
                    continue;
                }
                pb_conn_send(&c, 0, BLK, 1400);
            }
            for (int i = 2; i < 6; i++) {         /* dup ACKs, growing SACK block */
                pb_seg s;
                memset(&s, 0, sizeof s);
                s.seq = c.nxt[1];
                s.ack = x + 1400;
                s.flags = SW_TH_ACK;
                s.nsack = 1;
                s.sack[0][0] = x + 2800;
                s.sack[0][1] = x + 1400u * (uint32_t)(i + 1);
                pb_conn_raw(&c, 1, &s);
            }
            h_raw(&c, 0, x + 1400, c.ackv[0], DATA, BLK, 1400);   /* fast retransmit */
            pb_conn_ack(&c, 1);
            h_chat(&c, 1);
            h_close(&c);
            quiet(&t);
            pb_trace_free(&t);
        }
    }
}

/* Patterns found in the public captures (docs/detections.md), as pktbuild traces. */

/* A stack that closes during connect sends its FIN at the ISN (the SYN's slot). */
static void test_fin_during_connect(void **st)
{
    (void)st;
    pb_trace t;
    pb_trace_init(&t, 1, 1700000000000000ull);
    pb_conn c;
    pb_conn_init(&c, &t, "10.0.0.1", 40000, "10.0.0.2", 443, 1000u, 9000u);
    syn_opt(&c, 0, 1000, 0, SW_TH_SYN, 0, NULL, 0, 0);
    h_raw(&c, 0, 1000, 0, SW_TH_FIN, NULL, 0);
    syn_opt(&c, 1, 9000, 1001, SW_TH_SYN | SW_TH_ACK, 0, NULL, 0, 0);
    h_raw(&c, 0, 1000, 9001, SW_TH_FIN | SW_TH_ACK, NULL, 0);
    h_raw(&c, 1, 9001, 0, SW_TH_RST, NULL, 0);
    quiet(&t);
    pb_trace_free(&t);
}

/* A SYN proxy / load balancer 18 hops away with initial TTL 255 does the handshake,
 * some ACKs and the FIN for a server whose own segments come with initial TTL 64. */
static void test_colocated_proxy_ttl(void **st)
{
    (void)st;
    pb_trace t;
    pb_trace_init(&t, 1, 1700000000000000ull);
    pb_conn c;
    pb_conn_init(&c, &t, "10.0.0.1", 40000, "10.0.0.2", 80, 1000u, 9000u);
    c.ttl[0] = 128;
    c.ttl[1] = 237;                      /* the proxy */
    pb_conn_handshake(&c);
    c.ttl[1] = 46;                       /* the server */
    h_chat(&c, 3);
    for (int i = 0; i < 3; i++) {
        pb_conn_send(&c, 0, "GET /\r\n\r\n", 9);
        c.ttl[1] = 237;
        pb_conn_ack(&c, 1);              /* the proxy acks */
        c.ttl[1] = 46;
        pb_conn_send(&c, 1, BLK, 900);
        pb_conn_ack(&c, 0);
    }
    pb_conn_fin(&c, 0);
    c.ttl[1] = 237;
    pb_conn_ack(&c, 1);
    pb_conn_fin(&c, 1);
    pb_conn_ack(&c, 0);
    quiet(&t);
    pb_trace_free(&t);
}

/* A scanner's SYNs with random ISNs on the same 4-tuple before the real connection. */
static void test_scanner_syns_first(void **st)
{
    (void)st;
    for (int ts = 0; ts < 2; ts++) {
        pb_trace t;
        pb_trace_init(&t, 1, 1700000000000000ull);
        pb_conn c;
        pb_conn_init(&c, &t, "10.0.0.1", 45511, "10.0.0.2", 80, 4291095205u, 1611862386u);
        c.ts = ts;
        for (uint32_t i = 0; i < 6; i++) {
            h_raw(&c, 0, 1317897315u + i * 123456789u, 0, SW_TH_SYN, NULL, 0);
            pb_tick(&t, 160000);
        }
        pb_conn_handshake(&c);
        h_chat(&c, 2);
        h_close(&c);
        quiet(&t);
        pb_trace_free(&t);
    }
}

/* A server answers the client's repeated SYN with a new incarnation (another ISN and
 * timestamp clock); the client completes the second one. */
static void test_reanswered_syn(void **st)
{
    (void)st;
    for (int ts = 0; ts < 2; ts++) {
        pb_trace t;
        pb_trace_init(&t, 1, 1700000000000000ull);
        pb_conn c;
        pb_conn_init(&c, &t, "10.0.0.1", 51615, "10.0.0.2", 443, 2633933729u, 3212050950u);
        c.ts = ts;
        syn_opt(&c, 0, 2633933729u, 0, SW_TH_SYN, ts, NULL, 0, 0);
        syn_opt(&c, 1, 3212050950u, 2633933730u, SW_TH_SYN | SW_TH_ACK, ts, NULL, 0, 0);
        pb_tick(&t, 400000);
        syn_opt(&c, 0, 2633933729u, 0, SW_TH_SYN, ts, NULL, 0, 0);
        c.tsval[1] += 543967133u;        /* the new incarnation's clock */
        syn_opt(&c, 1, 97572840u, 2633933730u, SW_TH_SYN | SW_TH_ACK, ts, NULL, 0, 0);
        c.tsval[1] -= 543967133u;
        syn_opt(&c, 1, 3212050950u, 2633933730u, SW_TH_SYN | SW_TH_ACK, ts, NULL, 0, 0);
        c.tsval[1] += 543967133u;
        syn_opt(&c, 1, 97572840u, 2633933730u, SW_TH_SYN | SW_TH_ACK, ts, NULL, 0, 0);
        c.nxt[0] = 2633933730u;
        c.nxt[1] = 97572841u;
        pb_conn_ack(&c, 0);
        h_chat(&c, 2);
        h_close(&c);
        quiet(&t);
        pb_trace_free(&t);
    }
}

int main(void)
{
    memset(BLK, 'b', sizeof BLK);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_single_loss, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reordering, setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_loss, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retransmissions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keepalives, setup, teardown),
        cmocka_unit_test_setup_teardown(test_zero_window_probes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_window_shrinking, setup, teardown),
        cmocka_unit_test_setup_teardown(test_midstream, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reuse_after_time_wait, setup, teardown),
        cmocka_unit_test_setup_teardown(test_simultaneous_open_close, setup, teardown),
        cmocka_unit_test_setup_teardown(test_application_abort, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rst_after_fin, setup, teardown),
        cmocka_unit_test_setup_teardown(test_window_update_overtakes_queued_fin, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tcp_fast_open, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sack_recovery, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fin_during_connect, setup, teardown),
        cmocka_unit_test_setup_teardown(test_colocated_proxy_ttl, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scanner_syns_first, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reanswered_syn, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
