/*
 * test_checks_handshake.c — synack_bad_ack, synack_conflict, early_desync,
 * syn_in_established and isn_predictable, each from a pktbuild trace fed through
 * the detector and the checks, plus the benign look-alikes of each (missed SYN,
 * SYN-cookie re-answer, abort and reconnect, peer reboot recovery, random ISNs,
 * one 4-tuple reused); data and FINs to an end in SYN-SENT / SYN-RCVD that it
 * refuses, and their look-alikes (missed SYN-ACK, data right behind a SYN-ACK).
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

#define SYNF SW_TH_SYN
#define SA   (SW_TH_SYN | SW_TH_ACK)
#define ACKF SW_TH_ACK
#define RSTF SW_TH_RST

static void syn_seg(pb_conn *c, int side, uint32_t seq, uint32_t ack, uint8_t flags)
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
    pb_conn_raw(c, side, &s);
}

/* A forged SYN-ACK acknowledging the wrong ISN races the real one (after it). */
static void test_synack_bad_ack_after_real(void **st)
{
    (void)st;
    pb_trace t;
    pb_trace_init(&t, 1, 1700000000000000ull);
    pb_conn c;
    pb_conn_init(&c, &t, "10.0.0.1", 40000, "10.0.0.2", 80, 1000u, 900000u);
    syn_seg(&c, 0, 1000, 0, SYNF);
    syn_seg(&c, 1, 900000, 1001, SA);               /* the real answer */
    syn_seg(&c, 1, 777777, 4242, SA);               /* forged, wrong ACK */
    c.nxt[0] = 1001; c.nxt[1] = 900001;
    pb_conn_ack(&c, 0);
    h_chat(&c, 2);
    h_close(&c);
    h_run(&H, &t);
    h_expect_set(&H, SW_EV_SYNACK_BAD_ACK, -1);
    const h_event *e = h_find(&H, SW_EV_SYNACK_BAD_ACK);
    assert_int_equal(h_int(e, "ack"), 4242);
    assert_int_equal(h_int(e, "expected_ack"), 1001);
    assert_int_equal(e->dir, 1);
    assert_string_equal(h_str(e, "client_answer_meaning"), "the client acknowledged another SYN-ACK");
    assert_true(h_ruled_out(e, "tcp_fast_open"));
    h_ladder_marks(e, "S.");
    pb_trace_free(&t);
}

/* The forged SYN-ACK comes first; the client refuses it with an RST (RFC 9293). */
static void test_synack_bad_ack_first(void **st)
{
    (void)st;
    pb_trace t;
    pb_trace_init(&t, 1, 1700000000000000ull);
    pb_conn c;
    pb_conn_init(&c, &t, "10.0.0.1", 40000, "10.0.0.2", 80, 1000u, 900000u);
    syn_seg(&c, 0, 1000, 0, SYNF);
    syn_seg(&c, 1, 777777, 4242, SA);
    h_raw(&c, 0, 4242, 0, RSTF, NULL, 0);
    h_run(&H, &t);
    h_expect_set(&H, SW_EV_SYNACK_BAD_ACK, -1);
    const h_event *e = h_find(&H, SW_EV_SYNACK_BAD_ACK);
    assert_string_equal(h_str(e, "client_answer_meaning"), "the client refused the SYN-ACK (RST)");
    pb_trace_free(&t);
}

/* Benign: the client's second SYN (another ISN) went past the sensor; the SYN-ACK
 * answers it and the client goes on in that space. */
static void test_synack_missed_syn_benign(void **st)
{
    (void)st;
    pb_trace t;
    pb_trace_init(&t, 1, 1700000000000000ull);
    pb_conn c;
    pb_conn_init(&c, &t, "10.0.0.1", 40000, "10.0.0.2", 80, 1000u, 900000u);
    syn_seg(&c, 0, 1000, 0, SYNF);
    pb_tick(&t, 3000000);
    syn_seg(&c, 1, 900000, 50001, SA);      /* answers a SYN with ISN 50000 we never saw */
    c.nxt[0] = 50001; c.nxt[1] = 900001;
    pb_conn_ack(&c, 0);
    h_run(&H, &t);
    h_expect_none(&H);
    assert_true(H.cnt.held >= 1);     /* the suspicion was raised ... */
    assert_true(H.cnt.cleared >= 1);  /* ... and cleared by the next packet */
    pb_trace_free(&t);
}

/* Two SYN-ACKs for one SYN with different ISNs; the client takes the first. */
static void test_synack_conflict(void **st)
{
    (void)st;
    pb_trace t;
    pb_trace_init(&t, 1, 1700000000000000ull);
    pb_conn c;
    pb_conn_init(&c, &t, "10.0.0.1", 40000, "10.0.0.2", 80, 1000u, 900000u);
    syn_seg(&c, 0, 1000, 0, SYNF);
    syn_seg(&c, 1, 123456, 1001, SA);       /* forged, faster */
    syn_seg(&c, 1, 900000, 1001, SA);       /* real */
    c.nxt[0] = 1001; c.nxt[1] = 123457;
    pb_conn_ack(&c, 0);                      /* acknowledges the forged one */
    h_raw(&c, 1, 123457, 0, RSTF, NULL, 0);  /* the real server refuses that ACK */
    h_run(&H, &t);
    h_expect_set(&H, SW_EV_SYNACK_CONFLICT, -1);
    const h_event *e = h_find(&H, SW_EV_SYNACK_CONFLICT);
    assert_string_equal(h_str(e, "client_acknowledged"), "first");
    json_t *a = json_object_get(e->evidence, "first_synack");
    json_t *b = json_object_get(e->evidence, "second_synack");
    assert_int_equal(json_integer_value(json_object_get(a, "isn")), 123456);
    assert_int_equal(json_integer_value(json_object_get(b, "isn")), 900000);
    pb_trace_free(&t);
}

/* Benign: the client repeats its SYN and a SYN-cookie server answers again with a
 * new cookie; retransmitted SYN-ACKs (same ISN) are nothing either. */
static void test_synack_cookie_resend_benign(void **st)
{
    (void)st;
    pb_trace t;
    pb_trace_init(&t, 1, 1700000000000000ull);
    pb_conn c;
    pb_conn_init(&c, &t, "10.0.0.1", 40000, "10.0.0.2", 80, 1000u, 900000u);
    syn_seg(&c, 0, 1000, 0, SYNF);
    syn_seg(&c, 1, 900000, 1001, SA);
    syn_seg(&c, 1, 900000, 1001, SA);       /* retransmitted */
    pb_tick(&t, 1000000);
    syn_seg(&c, 0, 1000, 0, SYNF);          /* client repeats its SYN */
    syn_seg(&c, 1, 960000, 1001, SA);       /* a new cookie */
    h_run(&H, &t);
    h_expect_none(&H);
    pb_trace_free(&t);
}

/* Joncheray's early desynchronization: the attacker resets the server's young
 * connection and re-opens it with another ISN; the real client goes on in the
 * old space. */
static void test_early_desync(void **st)
{
    (void)st;
    pb_trace t;
    pb_trace_init(&t, 1, 1700000000000000ull);
    pb_conn c;
    pb_conn_init(&c, &t, "10.0.0.1", 40000, "10.0.0.2", 23, 1000u, 900000u);
    pb_conn_handshake(&c);                            /* client 1001, server 900001 */
    h_raw(&c, 0, 1001, 0, RSTF, NULL, 0);             /* forged reset of the server */
    syn_seg(&c, 0, 77000, 0, SYNF);                   /* forged new SYN */
    syn_seg(&c, 1, 3000000, 77001, SA);               /* the server answers it */
    h_raw(&c, 0, 77001, 3000001, ACKF, NULL, 0);      /* forged completion */
    h_raw(&c, 0, 1001, 900001, ACKF | SW_TH_PSH, "ls -l\n", 6);   /* the real client */
    h_raw(&c, 1, 3000001, 77001, ACKF, NULL, 0);      /* the server acks in its space */
    h_run(&H, &t);
    h_expect_set(&H, SW_EV_EARLY_DESYNC, -1);
    const h_event *e = h_find(&H, SW_EV_EARLY_DESYNC);
    assert_int_equal(h_int(e, "old_client_isn"), 1000);
    assert_int_equal(h_int(e, "new_client_isn"), 77000);
    assert_int_equal(h_int(e, "client_seq"), 1001);
    assert_int_equal(h_int(e, "new_server_isn"), 3000000);
    pb_trace_free(&t);
}

/* Benign: the client aborts and reconnects on the same port at once. */
static void test_abort_reconnect_benign(void **st)
{
    (void)st;
    pb_trace t;
    pb_trace_init(&t, 1, 1700000000000000ull);
    pb_conn c;
    pb_conn_init(&c, &t, "10.0.0.1", 40000, "10.0.0.2", 23, 1000u, 900000u);
    pb_conn_handshake(&c);
    h_raw(&c, 0, 1001, 0, RSTF, NULL, 0);
    pb_conn_init(&c, &t, "10.0.0.1", 40000, "10.0.0.2", 23, 77000u, 3000000u);
    pb_conn_handshake(&c);
    h_chat(&c, 2);
    h_close(&c);
    h_run(&H, &t);
    h_expect_none(&H);
    pb_trace_free(&t);
}

/* A blind SYN inside an established connection: the server answers with a
 * challenge ACK, and the real client goes on with the connection. */
static void test_syn_in_established(void **st)
{
    (void)st;
    pb_trace t;
    pb_trace_init(&t, 1, 1700000000000000ull);
    pb_conn c;
    h_conn(&c, &t, 0);
    h_chat(&c, 2);
    syn_seg(&c, 0, 424242, 0, SYNF);            /* forged */
    pb_conn_ack(&c, 1);                          /* challenge ACK */
    h_chat(&c, 1);                               /* the real client goes on */
    h_close(&c);
    h_run(&H, &t);
    h_expect_set(&H, SW_EV_SYN_IN_ESTABLISHED, SW_EV_CHALLENGE_ACK, -1);
    const h_event *e = h_find(&H, SW_EV_SYN_IN_ESTABLISHED);
    assert_int_equal(h_int(e, "syn_seq"), 424242);
    assert_true(h_has_related(e, "challenge_ack"));
    assert_true(h_ruled_out(e, "peer_reboot_recovery"));
    const h_event *ch = h_find(&H, SW_EV_CHALLENGE_ACK);
    assert_string_equal(h_str(ch, "answers"), "syn_in_established");
    assert_int_equal(ch->dir, 1);
    pb_trace_free(&t);
}

/* Benign: the client rebooted and reconnects from the same port; the server's
 * challenge ACK makes it reset the stale connection, then the SYN goes through. */
static void test_peer_reboot_benign(void **st)
{
    (void)st;
    pb_trace t;
    pb_trace_init(&t, 1, 1700000000000000ull);
    pb_conn c;
    h_conn(&c, &t, 0);
    h_chat(&c, 2);
    pb_tick(&t, 60000000);
    syn_seg(&c, 0, 424242, 0, SYNF);
    pb_conn_ack(&c, 1);                          /* challenge ACK */
    h_raw(&c, 0, c.ackv[1], 0, RSTF, NULL, 0);   /* the rebooted client resets */
    pb_tick(&t, 1000000);
    pb_conn_init(&c, &t, "10.0.0.1", 40000, "10.0.0.2", 80, 424242u, 6000000u);
    pb_conn_handshake(&c);
    h_chat(&c, 1);
    h_close(&c);
    h_run(&H, &t);
    h_expect_none(&H);
    assert_true(H.cnt.held >= 1);     /* the suspicion was raised ... */
    assert_true(H.cnt.cleared >= 1);  /* ... and cleared by the next packet */
    pb_trace_free(&t);
}

/* Connections to one server whose ISNs step by a constant. */
static void isn_series(pb_trace *t, uint32_t (*isn)(int), int n)
{
    for (int i = 0; i < n; i++) {
        pb_conn c;
        pb_conn_init(&c, t, "10.0.0.1", (uint16_t)(41000 + i), "10.0.0.9", 513,
                     (uint32_t)(7777u * (unsigned)i + 99u) * 2654435761u, isn(i));
        pb_conn_handshake(&c);
        h_chat(&c, 1);
        h_close(&c);
        pb_tick(t, 500000);
    }
}

static uint32_t isn_const(int i) { return 128000u + 64000u * (uint32_t)i; }
static uint32_t isn_random(int i) { return (uint32_t)(i + 1) * 2654435761u ^ 0x5bd1e995u; }

static void test_isn_predictable(void **st)
{
    (void)st;
    pb_trace t;
    pb_trace_init(&t, 1, 1700000000000000ull);
    isn_series(&t, isn_const, 6);
    /* then a blind reset against that host: the alert carries the ISN summary */
    pb_conn c;
    pb_conn_init(&c, &t, "10.0.0.1", 42000, "10.0.0.9", 513, 31337u, isn_const(6));
    pb_conn_handshake(&c);
    h_chat(&c, 2);
    h_raw(&c, 0, c.ackv[1] - 50000000u, 0, RSTF, NULL, 0);
    h_chat(&c, 1);
    h_run(&H, &t);
    h_expect_set(&H, SW_EV_ISN_PREDICTABLE, SW_EV_RST_OUT_OF_WINDOW, -1);
    assert_int_equal(H.count[SW_EV_ISN_PREDICTABLE], 1);
    const h_event *e = h_find(&H, SW_EV_ISN_PREDICTABLE);
    assert_string_equal(h_str(e, "pattern"), "constant_increment");
    assert_string_equal(h_str(e, "host"), "10.0.0.9");
    const h_event *r = h_find(&H, SW_EV_RST_OUT_OF_WINDOW);
    assert_true(h_has_related(r, "isn_predictable"));
    pb_trace_free(&t);
}

/* Benign: random ISNs; and one 4-tuple reused with clock-driven ISNs (RFC 6528). */
static void test_isn_random_benign(void **st)
{
    (void)st;
    pb_trace t;
    pb_trace_init(&t, 1, 1700000000000000ull);
    isn_series(&t, isn_random, 8);
    for (int i = 0; i < 8; i++) {
        pb_conn c;
        pb_conn_init(&c, &t, "10.0.0.1", 45000, "10.0.0.7", 80, 1000u + 99999u * (uint32_t)i,
                     5000000u + 250000u * (uint32_t)i);
        pb_conn_handshake(&c);
        h_chat(&c, 1);
        h_close(&c);
        pb_tick(&t, 2000000);
    }
    h_run(&H, &t);
    h_expect_none(&H);
    pb_trace_free(&t);
}

/* ---- data / FIN to an end in SYN-SENT or SYN-RCVD ---- */

#define PA (SW_TH_PSH | SW_TH_ACK)

/* The real handshake and a short exchange after whatever the test sent first. */
static void finish_handshake(pb_conn *c, int synack)
{
    if (synack)
        syn_seg(c, 1, 900000, 1001, SA);
    c->nxt[0] = 1001; c->nxt[1] = 900001;
    pb_conn_ack(c, 0);
    h_chat(c, 2);
    h_close(c);
}

/* Forged data and a FIN "from the server" before any SYN-ACK: the client in
 * SYN-SENT drops both, then takes the real SYN-ACK (its ACK is the SYN-ACK's, not
 * the data's). Each is judged on its own (data and FIN wait side by side). */
static void test_data_to_syn_sent(void **st)
{
    (void)st;
    pb_trace t;
    pb_trace_init(&t, 1, 1700000000000000ull);
    pb_conn c;
    pb_conn_init(&c, &t, "10.0.0.1", 40000, "10.0.0.2", 80, 1000u, 900000u);
    syn_seg(&c, 0, 1000, 0, SYNF);
    h_raw(&c, 1, 123456, 1001, PA, "FORGED", 6);
    h_raw(&c, 1, 123462, 1001, SW_TH_FIN | SW_TH_ACK, NULL, 0);
    finish_handshake(&c, 1);
    h_run(&H, &t);
    h_expect_set(&H, SW_EV_SEQ_OUT_OF_WINDOW, SW_EV_FIN_INJECTION, -1);
    assert_int_equal(h_int(h_find(&H, SW_EV_FIN_INJECTION), "fin_seq"), 123462);
    const h_event *e = h_find(&H, SW_EV_SEQ_OUT_OF_WINDOW);
    assert_int_equal(e->dir, 1);
    assert_string_equal(h_str(e, "position"), "handshake");
    assert_string_equal(h_str(e, "receiver_state"), "SYN_SENT");
    assert_string_equal(h_str(e, "reason"), "syn_sent_takes_only_a_syn");
    assert_int_equal(h_int(e, "seq"), 123456);
    assert_int_equal(h_int(e, "len"), 6);
    assert_true(h_ruled_out(e, "missed_synack"));
    pb_trace_free(&t);
}

/* A forged FIN to the client in SYN-SENT: fin_injection at the handshake; the
 * forgery has no answer but the client's SYN retransmission. */
static void test_fin_to_syn_sent(void **st)
{
    (void)st;
    pb_trace t;
    pb_trace_init(&t, 1, 1700000000000000ull);
    pb_conn c;
    pb_conn_init(&c, &t, "10.0.0.1", 40000, "10.0.0.2", 80, 1000u, 900000u);
    syn_seg(&c, 0, 1000, 0, SYNF);
    h_raw(&c, 1, 5555, 1001, SW_TH_FIN | SW_TH_ACK, NULL, 0);
    pb_tick(&t, 1000000);
    syn_seg(&c, 0, 1000, 0, SYNF);                    /* the client's SYN again */
    finish_handshake(&c, 1);
    h_run(&H, &t);
    h_expect_set(&H, SW_EV_FIN_INJECTION, -1);
    const h_event *e = h_find(&H, SW_EV_FIN_INJECTION);
    assert_string_equal(h_str(e, "position"), "handshake");
    assert_string_equal(h_str(e, "receiver_state"), "SYN_SENT");
    assert_int_equal(h_int(e, "fin_seq"), 5555);
    pb_trace_free(&t);
}

/* Data "from the client" (flags, ack) to the server in SYN-RCVD that its request
 * socket refuses: raised at once with `reason`; the real client then completes the
 * handshake and its first request covers the refused bytes: they were kept aside,
 * the receiver has the real ones (insertion_attempt, reason "state"). */
static void refused_by_syn_rcvd(uint8_t flags, uint32_t ack, const char *reason)
{
    pb_trace t;
    pb_trace_init(&t, 1, 1700000000000000ull);
    pb_conn c;
    pb_conn_init(&c, &t, "10.0.0.1", 40000, "10.0.0.2", 80, 1000u, 900000u);
    syn_seg(&c, 0, 1000, 0, SYNF);
    syn_seg(&c, 1, 900000, 1001, SA);
    h_raw(&c, 0, 1001, ack, flags, "rm -rf /", 8);
    finish_handshake(&c, 0);
    h_run(&H, &t);
    h_expect_set(&H, SW_EV_SEQ_OUT_OF_WINDOW, SW_EV_INSERTION_ATTEMPT, -1);
    const h_event *e = h_find(&H, SW_EV_SEQ_OUT_OF_WINDOW);
    assert_int_equal(e->dir, 0);
    assert_string_equal(h_str(e, "position"), "handshake");
    assert_string_equal(h_str(e, "receiver_state"), "SYN_RCVD");
    assert_string_equal(h_str(e, "reason"), reason);
    if (flags & SW_TH_ACK)
        assert_int_equal(h_int(e, "ack"), ack);
    e = h_find(&H, SW_EV_INSERTION_ATTEMPT);
    assert_string_equal(h_str(e, "reason"), "state");
    assert_string_equal(h_str(e, "receiver_has"), "second_version");
    pb_trace_free(&t);
}

/* Without ACK: Linux's request socket drops it. */
static void test_data_no_ack_to_syn_rcvd(void **st)
{
    (void)st;
    refused_by_syn_rcvd(SW_TH_PSH, 0, "no_ack_in_syn_rcvd");
}

/* With an ACK that does not acknowledge the server's SYN-ACK: the request socket
 * hands it to the listener, which resets it. */
static void test_data_bad_ack_to_syn_rcvd(void **st)
{
    (void)st;
    refused_by_syn_rcvd(PA, 123456, "ack_does_not_acknowledge_syn");
}

/* The refused segment lacks the timestamps the handshake negotiated, so it is also
 * tsval_regression (a foreign sender's data); still, a segment the receiver's
 * handshake state refused shows nothing of the real endpoints' sync: no
 * session_takeover from the two (the e2e lab's handshake_bad_ack once gave one). */
static void test_refused_handshake_no_takeover(void **st)
{
    (void)st;
    pb_trace t;
    pb_trace_init(&t, 1, 1700000000000000ull);
    pb_conn c;
    pb_conn_init(&c, &t, "10.0.0.1", 40000, "10.0.0.2", 80, 1000u, 900000u);
    c.ts = 1;
    syn_seg(&c, 0, 1000, 0, SYNF);
    syn_seg(&c, 1, 900000, 1001, SA);
    c.ts = 0;
    h_raw(&c, 0, 1001, 1000000, PA, "INJECTED id\n", 12);
    c.ts = 1;
    finish_handshake(&c, 0);
    h_run(&H, &t);
    assert_true(H.count[SW_EV_SEQ_OUT_OF_WINDOW] > 0);
    assert_true(H.count[SW_EV_TSVAL_REGRESSION] > 0);
    assert_int_equal(H.count[SW_EV_SESSION_TAKEOVER], 0);
    pb_trace_free(&t);
}

/* The server re-sends its SYN-ACK with another ISN and the client takes the second;
 * its first data carries that ACK (no pure ACK first): the two SYN-ACKs are
 * synack_conflict, but the data is what the server accepts (not refused). And a TFO
 * server's data right behind its SYN-ACK, acknowledged with the client's first data
 * while the server is still SYN-RCVD here: silent. */
static void test_syn_rcvd_ack_benign(void **st)
{
    (void)st;
    pb_trace t;
    pb_trace_init(&t, 1, 1700000000000000ull);
    pb_conn c;
    pb_conn_init(&c, &t, "10.0.0.1", 40000, "10.0.0.2", 80, 1000u, 900000u);
    syn_seg(&c, 0, 1000, 0, SYNF);
    syn_seg(&c, 1, 900000, 1001, SA);
    syn_seg(&c, 1, 2900000, 1001, SA);                     /* another ISN */
    h_raw(&c, 0, 1001, 2900001, PA, "GET /\r\n", 7);
    c.nxt[0] = 1008; c.nxt[1] = 2900001;
    h_chat(&c, 2);
    h_close(&c);
    pb_conn d;
    pb_conn_init(&d, &t, "10.0.0.1", 40001, "10.0.0.2", 80, 5000u, 700000u);
    syn_seg(&d, 0, 5000, 0, SYNF);
    syn_seg(&d, 1, 700000, 5001, SA);
    h_raw(&d, 1, 700001, 5001, PA, "banner\n", 7);        /* TFO-style */
    h_raw(&d, 0, 5001, 700008, PA, "hi\n", 3);
    d.nxt[0] = 5004; d.nxt[1] = 700008;
    h_chat(&d, 2);
    h_close(&d);
    h_run(&H, &t);
    h_expect_set(&H, SW_EV_SYNACK_CONFLICT, -1);
    assert_string_equal(h_str(h_find(&H, SW_EV_SYNACK_CONFLICT), "client_acknowledged"), "second");
    pb_trace_free(&t);
}

/* Benign: the sensor missed the SYN-ACK; the server's first data comes in while the
 * client is SYN-SENT here, and the client's ACK takes it. And a TFO-style server
 * sending data right behind its SYN-ACK, before the client's ACK: silent. */
static void test_handshake_data_benign(void **st)
{
    (void)st;
    pb_trace t;
    pb_trace_init(&t, 1, 1700000000000000ull);
    pb_conn c;
    pb_conn_init(&c, &t, "10.0.0.1", 40000, "10.0.0.2", 80, 1000u, 900000u);
    syn_seg(&c, 0, 1000, 0, SYNF);
    h_raw(&c, 1, 900001, 1001, PA, "220 hello\r\n", 11);   /* SYN-ACK not captured */
    h_raw(&c, 0, 1001, 900012, SW_TH_ACK, NULL, 0);
    c.nxt[0] = 1001; c.nxt[1] = 900012;
    h_chat(&c, 2);
    h_close(&c);
    pb_conn d;
    pb_conn_init(&d, &t, "10.0.0.1", 40001, "10.0.0.2", 80, 5000u, 700000u);
    syn_seg(&d, 0, 5000, 0, SYNF);
    syn_seg(&d, 1, 700000, 5001, SA);
    h_raw(&d, 1, 700001, 5001, PA, "banner\n", 7);
    h_raw(&d, 0, 5001, 700008, SW_TH_ACK, NULL, 0);
    d.nxt[0] = 5001; d.nxt[1] = 700008;
    h_chat(&d, 2);
    h_close(&d);
    h_run(&H, &t);
    h_expect_none(&H);
    pb_trace_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_synack_bad_ack_after_real, setup, teardown),
        cmocka_unit_test_setup_teardown(test_synack_bad_ack_first, setup, teardown),
        cmocka_unit_test_setup_teardown(test_synack_missed_syn_benign, setup, teardown),
        cmocka_unit_test_setup_teardown(test_synack_conflict, setup, teardown),
        cmocka_unit_test_setup_teardown(test_synack_cookie_resend_benign, setup, teardown),
        cmocka_unit_test_setup_teardown(test_early_desync, setup, teardown),
        cmocka_unit_test_setup_teardown(test_abort_reconnect_benign, setup, teardown),
        cmocka_unit_test_setup_teardown(test_syn_in_established, setup, teardown),
        cmocka_unit_test_setup_teardown(test_peer_reboot_benign, setup, teardown),
        cmocka_unit_test_setup_teardown(test_isn_predictable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_isn_random_benign, setup, teardown),
        cmocka_unit_test_setup_teardown(test_data_to_syn_sent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fin_to_syn_sent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_data_no_ack_to_syn_rcvd, setup, teardown),
        cmocka_unit_test_setup_teardown(test_handshake_data_benign, setup, teardown),
        cmocka_unit_test_setup_teardown(test_data_bad_ack_to_syn_rcvd, setup, teardown),
        cmocka_unit_test_setup_teardown(test_syn_rcvd_ack_benign, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused_handshake_no_takeover, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
