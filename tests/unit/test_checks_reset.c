/*
 * test_checks_reset.c — rst_injection (in window but not exact, with and without
 * possible sensor loss, and the exact RST after which the "resetting" side keeps
 * sending), rst_out_of_window (before and beyond the window), blind_spray (RSTs and
 * data), fin_injection (data after the FIN, a FIN behind data already sent), each
 * from a pktbuild trace through the detector and the checks.
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

#define RSTF SW_TH_RST
#define DATA (SW_TH_ACK | SW_TH_PSH)

static void start(pb_trace *t, pb_conn *c)
{
    pb_trace_init(t, 1, 1700000000000000ull);
    h_conn(c, t, 0);
    h_chat(c, 2);
}

/* An in-window RST past everything the client was seen sending: the sensor might
 * have missed bytes, so only the server's challenge ACK makes it an event. */
static void test_rst_in_window_challenge(void **st)
{
    (void)st;
    pb_trace t;
    pb_conn c;
    start(&t, &c);
    h_raw(&c, 0, c.nxt[0] + 10000u, 0, RSTF, NULL, 0);
    pb_conn_ack(&c, 1);                            /* challenge ACK */
    h_chat(&c, 1);
    h_run(&H, &t);
    h_expect_set(&H, SW_EV_RST_INJECTION, SW_EV_CHALLENGE_ACK, -1);
    const h_event *e = h_find(&H, SW_EV_RST_INJECTION);
    assert_string_equal(h_str(e, "position"), "in_window_not_exact");
    assert_int_equal(h_int(e, "offset_from_rcv_nxt"), 10000);
    assert_true(h_has_related(e, "challenge_ack"));
    assert_true(h_ruled_out(e, "application_abort"));
    assert_true(h_ruled_out(e, "sensor_loss"));
    h_ladder_marks(e, "R");
    pb_trace_free(&t);
}

/* Benign twin: the same RST position but nothing corroborates it (the client may
 * really have sent those bytes): no event. */
static void test_rst_in_window_unconfirmed_benign(void **st)
{
    (void)st;
    pb_trace t;
    pb_conn c;
    start(&t, &c);
    c.nxt[0] += 10000u;                             /* bytes the sensor missed */
    h_raw(&c, 0, c.nxt[0], 0, RSTF, NULL, 0);
    h_run(&H, &t);
    h_expect_none(&H);
    assert_true(H.cnt.cleared >= 1);
    pb_trace_free(&t);
}

/* An RST inside the client's unacknowledged bytes: no stack resets from there. */
static void test_rst_in_window_unacked(void **st)
{
    (void)st;
    pb_trace t;
    pb_conn c;
    start(&t, &c);
    char blk[3000];
    memset(blk, 'u', sizeof blk);
    uint32_t rcv = c.nxt[0];
    pb_conn_send(&c, 0, blk, sizeof blk);
    h_raw(&c, 0, rcv + 1000u, 0, RSTF, NULL, 0);
    pb_conn_ack(&c, 1);
    h_chat(&c, 1);
    h_run(&H, &t);
    h_expect_set(&H, SW_EV_RST_INJECTION, -1);
    const h_event *e = h_find(&H, SW_EV_RST_INJECTION);
    assert_int_equal(h_int(e, "offset_from_rcv_nxt"), 1000);
    assert_int_equal(h_int(e, "sender_snd_nxt"), (json_int_t)(rcv + 3000u));
    pb_trace_free(&t);
}

/* An RST at exactly the right number, after which the client keeps sending. */
static void test_rst_exact_then_continues(void **st)
{
    (void)st;
    pb_trace t;
    pb_conn c;
    start(&t, &c);
    h_raw(&c, 0, c.nxt[0], 0, RSTF, NULL, 0);     /* forged, exact */
    h_chat(&c, 1);                                 /* the real client goes on */
    h_run(&H, &t);
    h_expect_set(&H, SW_EV_RST_INJECTION, -1);
    const h_event *e = h_find(&H, SW_EV_RST_INJECTION);
    assert_string_equal(h_str(e, "position"), "exact");
    assert_string_equal(h_str(e, "confirmed_by"), "new data past the reset point");
    h_ladder_marks(e, "R");
    pb_trace_free(&t);
}

/* An RST far before the window. */
static void test_rst_oow_before(void **st)
{
    (void)st;
    pb_trace t;
    pb_conn c;
    start(&t, &c);
    h_raw(&c, 0, c.nxt[0] - 5000000u, 0, RSTF, NULL, 0);
    h_chat(&c, 1);
    h_close(&c);
    h_run(&H, &t);
    h_expect_set(&H, SW_EV_RST_OUT_OF_WINDOW, -1);
    const h_event *e = h_find(&H, SW_EV_RST_OUT_OF_WINDOW);
    assert_string_equal(h_str(e, "position"), "before_window");
    pb_trace_free(&t);
}

/* An RST far beyond the window; the connection goes on (the server ignored it). */
static void test_rst_oow_beyond(void **st)
{
    (void)st;
    pb_trace t;
    pb_conn c;
    start(&t, &c);
    h_raw(&c, 0, c.nxt[0] + 50000000u, 0, RSTF, NULL, 0);
    h_chat(&c, 1);
    h_close(&c);
    h_run(&H, &t);
    h_expect_set(&H, SW_EV_RST_OUT_OF_WINDOW, -1);
    const h_event *e = h_find(&H, SW_EV_RST_OUT_OF_WINDOW);
    assert_string_equal(h_str(e, "position"), "beyond_window");
    assert_string_equal(h_str(e, "confirmed_by"), "the receiver went on with the connection");
    pb_trace_free(&t);
}

/* Benign twin: a lone RST beyond the window after which the connection ends: the
 * sensor may have missed the bytes that would put it in the window. */
static void test_rst_beyond_then_silence_benign(void **st)
{
    (void)st;
    pb_trace t;
    pb_conn c;
    start(&t, &c);
    h_raw(&c, 0, c.nxt[0] + 50000000u, 0, RSTF, NULL, 0);
    h_run(&H, &t);
    h_expect_none(&H);
    pb_trace_free(&t);
}

/* Blind reset spraying: many RSTs at guessed numbers within a second. */
static void test_blind_spray_rst(void **st)
{
    (void)st;
    pb_trace t;
    pb_conn c;
    start(&t, &c);
    for (uint32_t i = 1; i <= 14; i++) {
        h_raw(&c, 0, c.nxt[0] + i * 300000000u, 0, RSTF, NULL, 0);
        pb_tick(&t, 20000);
    }
    h_chat(&c, 1);
    h_close(&c);
    h_run(&H, &t);
    h_expect_set(&H, SW_EV_RST_OUT_OF_WINDOW, SW_EV_BLIND_SPRAY, -1);
    assert_int_equal(H.count[SW_EV_BLIND_SPRAY], 1);
    assert_true(H.count[SW_EV_RST_OUT_OF_WINDOW] >= 10);
    const h_event *e = h_find(&H, SW_EV_BLIND_SPRAY);
    assert_int_equal(h_int(e, "segments"), 10);
    pb_trace_free(&t);
}

/* Blind data spraying at guessed numbers. */
static void test_blind_spray_data(void **st)
{
    (void)st;
    pb_trace t;
    pb_conn c;
    start(&t, &c);
    for (uint32_t i = 1; i <= 12; i++) {
        h_raw(&c, 0, c.nxt[0] + i * 300000000u, c.ackv[0], DATA, "x\n", 2);
        pb_tick(&t, 20000);
    }
    pb_conn_ack(&c, 1);
    h_chat(&c, 1);
    h_close(&c);
    h_run(&H, &t);
    h_expect_set(&H, SW_EV_SEQ_OUT_OF_WINDOW, SW_EV_BLIND_SPRAY, -1);
    assert_int_equal(H.count[SW_EV_BLIND_SPRAY], 1);
    const h_event *e = h_find(&H, SW_EV_BLIND_SPRAY);
    assert_string_equal(h_str(e, "last_kind"), "data");
    pb_trace_free(&t);
}

/* A forged FIN at the client's position; the real client then sends more data. */
static void test_fin_then_data(void **st)
{
    (void)st;
    pb_trace t;
    pb_conn c;
    start(&t, &c);
    uint32_t x = c.nxt[0];
    h_raw(&c, 0, x, c.ackv[0], SW_TH_FIN | SW_TH_ACK, NULL, 0);   /* forged */
    pb_conn_send(&c, 0, "more data\n", 10);                          /* the real client */
    pb_conn_ack(&c, 1);
    h_run(&H, &t);
    h_expect_set(&H, SW_EV_FIN_INJECTION, -1);
    const h_event *e = h_find(&H, SW_EV_FIN_INJECTION);
    assert_string_equal(h_str(e, "reason"), "data_after_fin");
    assert_int_equal(h_int(e, "fin_seq"), x);
    pb_trace_free(&t);
}

/* A forged FIN behind data the client has already sent. */
static void test_fin_behind_data(void **st)
{
    (void)st;
    pb_trace t;
    pb_conn c;
    start(&t, &c);
    char blk[3000];
    memset(blk, 'q', sizeof blk);
    uint32_t rcv = c.nxt[0];
    pb_conn_send(&c, 0, blk, sizeof blk);
    h_raw(&c, 0, rcv, c.ackv[0], SW_TH_FIN | SW_TH_ACK, NULL, 0);
    pb_conn_ack(&c, 1);
    h_close(&c);
    h_run(&H, &t);
    h_expect_set(&H, SW_EV_FIN_INJECTION, -1);
    const h_event *e = h_find(&H, SW_EV_FIN_INJECTION);
    assert_string_equal(h_str(e, "reason"), "fin_behind_sent_data");
    assert_int_equal(H.count[SW_EV_FIN_INJECTION], 1);
    pb_trace_free(&t);
}

/* ---- RSTs during the handshake ---- */

static void hs_seg(pb_trace *t, int side, uint8_t flags, uint32_t seq, uint32_t ack, uint8_t ttl)
{
    pb_seg s;
    memset(&s, 0, sizeof s);
    s.src = side ? "10.0.0.2" : "10.0.0.1";
    s.dst = side ? "10.0.0.1" : "10.0.0.2";
    s.sport = side ? 80 : 40000;
    s.dport = side ? 40000 : 80;
    s.flags = flags;
    s.seq = seq;
    s.ack = ack;
    s.win = 64240;
    s.wscale = -1;
    s.ttl = ttl;
    if (flags & SW_TH_SYN)
        s.mss = 1460;
    pb_trace_add(t, &s);
    pb_tick(t, 1000);
}

/* bug-3286 style: a forged RST-ACK acknowledging the client's SYN, then the real
 * SYN-ACK and the connection goes on: the "resetting" server never reset. */
static void test_handshake_rst_accepted_then_continued(void **st)
{
    (void)st;
    pb_trace t;
    pb_trace_init(&t, 1, 1700000000000000ull);
    hs_seg(&t, 0, SW_TH_SYN, 1000, 0, 64);
    hs_seg(&t, 1, SW_TH_RST | SW_TH_ACK, 0, 1001, 50);         /* forged */
    hs_seg(&t, 1, SW_TH_SYN | SW_TH_ACK, 5000, 1001, 64);      /* the real server */
    hs_seg(&t, 0, SW_TH_ACK, 1001, 5001, 64);
    h_run(&H, &t);
    h_expect_set(&H, SW_EV_RST_INJECTION, -1);
    const h_event *e = h_find(&H, SW_EV_RST_INJECTION);
    assert_string_equal(h_str(e, "position"), "handshake");
    assert_int_equal(e->dir, 1);
    assert_int_equal(h_int(e, "rst_ttl"), 50);
    pb_trace_free(&t);
}

/* rst-inject-rae style: the forged RST acknowledges the ISN itself: the client in
 * SYN_SENT drops it and completes the handshake. */
static void test_handshake_rst_rejected(void **st)
{
    (void)st;
    pb_trace t;
    pb_trace_init(&t, 1, 1700000000000000ull);
    hs_seg(&t, 0, SW_TH_SYN, 1000, 0, 64);
    hs_seg(&t, 1, SW_TH_RST | SW_TH_ACK, 0, 1000, 46);
    hs_seg(&t, 1, SW_TH_SYN | SW_TH_ACK, 5000, 1001, 64);
    hs_seg(&t, 0, SW_TH_ACK, 1001, 5001, 64);
    h_run(&H, &t);
    h_expect_set(&H, SW_EV_RST_OUT_OF_WINDOW, -1);
    const h_event *e = h_find(&H, SW_EV_RST_OUT_OF_WINDOW);
    assert_string_equal(h_str(e, "position"), "handshake");
    assert_string_equal(h_str(e, "reason"), "ack_does_not_acknowledge_syn");
    assert_string_equal(h_str(e, "receiver_state"), "SYN_SENT");
    pb_trace_free(&t);
}

/* A closed port: RST-ACK to the SYN; the client tries again later with a new SYN
 * (a new attempt): nothing. A scanner's RST to the SYN-ACK: nothing. */
static void test_handshake_rst_benign(void **st)
{
    (void)st;
    pb_trace t;
    pb_trace_init(&t, 1, 1700000000000000ull);
    hs_seg(&t, 0, SW_TH_SYN, 1000, 0, 64);
    hs_seg(&t, 1, SW_TH_RST | SW_TH_ACK, 0, 1001, 64);
    pb_tick(&t, 1000000);
    hs_seg(&t, 0, SW_TH_SYN, 9000, 0, 64);
    hs_seg(&t, 1, SW_TH_RST | SW_TH_ACK, 0, 9001, 64);
    pb_tick(&t, 1000000);
    hs_seg(&t, 0, SW_TH_SYN, 20000, 0, 64);
    hs_seg(&t, 1, SW_TH_SYN | SW_TH_ACK, 7000, 20001, 64);
    hs_seg(&t, 0, SW_TH_RST, 20001, 0, 64);                    /* SYN scan */
    h_run(&H, &t);
    h_expect_set(&H, -1);
    pb_trace_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_handshake_rst_accepted_then_continued, setup, teardown),
        cmocka_unit_test_setup_teardown(test_handshake_rst_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_handshake_rst_benign, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rst_in_window_challenge, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rst_in_window_unconfirmed_benign, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rst_in_window_unacked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rst_exact_then_continues, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rst_oow_before, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rst_oow_beyond, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rst_beyond_then_silence_benign, setup, teardown),
        cmocka_unit_test_setup_teardown(test_blind_spray_rst, setup, teardown),
        cmocka_unit_test_setup_teardown(test_blind_spray_data, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fin_then_data, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fin_behind_data, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
