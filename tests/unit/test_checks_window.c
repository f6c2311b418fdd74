/*
 * test_checks_window.c — seq_out_of_window, data_beyond_window and ack_unsent_data
 * from pktbuild traces through the detector and the checks, and the sensor-loss
 * look-alikes that must stay quiet (an ACK of bytes the sensor missed, a segment
 * that only looked beyond the window because a window update was missed).
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

static const char EVIL[] = "echo owned >> /etc/passwd\n";

/* Injected data far beyond the server's window; the server answers with a
 * duplicate ACK that still excludes it. */
static void test_seq_oow_beyond(void **st)
{
    (void)st;
    pb_trace t;
    pb_trace_init(&t, 1, 1700000000000000ull);
    pb_conn c;
    h_conn(&c, &t, 0);
    h_chat(&c, 2);
    h_raw(&c, 0, c.nxt[0] + 20000000u, c.ackv[0], SW_TH_ACK | SW_TH_PSH, EVIL, sizeof EVIL - 1);
    pb_conn_ack(&c, 1);
    h_chat(&c, 1);
    h_close(&c);
    h_run(&H, &t);
    h_expect_set(&H, SW_EV_SEQ_OUT_OF_WINDOW, -1);
    const h_event *e = h_find(&H, SW_EV_SEQ_OUT_OF_WINDOW);
    assert_string_equal(h_str(e, "position"), "beyond_window");
    assert_int_equal(h_int(e, "receiver_ack_after"), h_int(e, "rcv_nxt"));
    assert_true(h_ruled_out(e, "sensor_loss"));
    assert_true(h_ruled_out(e, "zero_window_probe"));
    h_ladder_marks(e, "P.");
    pb_trace_free(&t);
}

/* Injected data far before the window (older than any retransmission can be). */
static void test_seq_oow_before(void **st)
{
    (void)st;
    pb_trace t;
    pb_trace_init(&t, 1, 1700000000000000ull);
    pb_conn c;
    h_conn(&c, &t, 0);
    h_chat(&c, 2);
    h_raw(&c, 0, c.nxt[0] - 5000000u, c.ackv[0], SW_TH_ACK | SW_TH_PSH, EVIL, sizeof EVIL - 1);
    pb_conn_ack(&c, 1);
    h_chat(&c, 1);
    h_close(&c);
    h_run(&H, &t);
    h_expect_set(&H, SW_EV_SEQ_OUT_OF_WINDOW, -1);
    const h_event *e = h_find(&H, SW_EV_SEQ_OUT_OF_WINDOW);
    assert_string_equal(h_str(e, "position"), "before_window");
    assert_true(h_ruled_out(e, "retransmission"));
    pb_trace_free(&t);
}

/* Benign: the segment looked beyond the window only because the sensor missed the
 * receiver's ACKs; the receiver's next ACK covers it. */
static void test_beyond_missed_acks_benign(void **st)
{
    (void)st;
    pb_trace t;
    pb_trace_init(&t, 1, 1700000000000000ull);
    pb_conn c;
    h_conn(&c, &t, 0);
    char blk[1400];
    memset(blk, 'b', sizeof blk);
    /* the client sends 100 KB; the sensor sees none of the server's ACKs (and none of
     * the data except the last segment) */
    uint32_t base = c.nxt[0];
    c.nxt[0] += 100000;
    c.ackv[1] = c.nxt[0];
    pb_conn_send(&c, 0, blk, sizeof blk);
    pb_conn_ack(&c, 1);
    (void)base;
    h_chat(&c, 1);
    h_close(&c);
    h_run(&H, &t);
    h_expect_none(&H);
    assert_true(H.cnt.held >= 1);     /* the suspicion was raised ... */
    assert_true(H.cnt.cleared >= 1);  /* ... and cleared by the next packet */
    pb_trace_free(&t);
}

/* The client sends past the right edge of a small window; the server keeps what
 * fits and its ACK and window still exclude the rest. */
static void test_data_beyond_window(void **st)
{
    (void)st;
    pb_trace t;
    pb_trace_init(&t, 1, 1700000000000000ull);
    pb_conn c;
    h_conn(&c, &t, 0);
    char blk[1400];
    memset(blk, 'd', sizeof blk);
    c.win[1] = 8;                                /* 8 << 7 = 1024 bytes */
    for (int i = 0; i < 80; i++) {
        pb_conn_send(&c, 0, blk, 1000);
        pb_conn_ack(&c, 1);
    }
    uint32_t rcv = c.nxt[0];
    pb_conn_send(&c, 0, blk, 1400);              /* 376 bytes past the edge */
    c.win[1] = 0;
    h_raw(&c, 1, c.nxt[1], rcv + 1024, SW_TH_ACK, NULL, 0);
    h_run(&H, &t);
    h_expect_set(&H, SW_EV_DATA_BEYOND_WINDOW, -1);
    const h_event *e = h_find(&H, SW_EV_DATA_BEYOND_WINDOW);
    assert_int_equal(h_int(e, "bytes_past_right_edge"), 376);
    assert_int_equal(h_int(e, "window_right"), (json_int_t)(rcv + 1024));
    assert_int_equal(h_int(e, "receiver_ack_after"), (json_int_t)(rcv + 1024));
    pb_trace_free(&t);
}

/* A forged ACK for bytes the client never sent; the client answers with a
 * challenge ACK (RFC 5961 5.2). */
static void test_ack_unsent_challenge(void **st)
{
    (void)st;
    pb_trace t;
    pb_trace_init(&t, 1, 1700000000000000ull);
    pb_conn c;
    h_conn(&c, &t, 0);
    h_chat(&c, 2);
    h_raw(&c, 1, c.nxt[1], c.nxt[0] + 5000u, SW_TH_ACK, NULL, 0);
    pb_conn_ack(&c, 0);                          /* challenge ACK */
    h_chat(&c, 1);
    h_close(&c);
    h_run(&H, &t);
    h_expect_set(&H, SW_EV_ACK_UNSENT_DATA, SW_EV_CHALLENGE_ACK, -1);
    const h_event *e = h_find(&H, SW_EV_ACK_UNSENT_DATA);
    assert_int_equal(h_int(e, "bytes_never_sent"), 5000);
    assert_int_equal(e->dir, 1);
    assert_true(h_has_related(e, "challenge_ack"));
    assert_true(h_ruled_out(e, "sensor_loss"));
    pb_trace_free(&t);
}

/* The same without a challenge ACK: the client simply goes on below the ACK. */
static void test_ack_unsent_continue(void **st)
{
    (void)st;
    pb_trace t;
    pb_trace_init(&t, 1, 1700000000000000ull);
    pb_conn c;
    h_conn(&c, &t, 0);
    h_chat(&c, 2);
    h_raw(&c, 1, c.nxt[1], c.nxt[0] + 5000u, SW_TH_ACK, NULL, 0);
    h_chat(&c, 2);
    pb_tick(&t, 2000000);
    h_close(&c);
    h_run(&H, &t);
    h_expect_set(&H, SW_EV_ACK_UNSENT_DATA, -1);
    const h_event *e = h_find(&H, SW_EV_ACK_UNSENT_DATA);
    assert_non_null(json_object_get(e->evidence, "other_side_after"));
    pb_trace_free(&t);
}

/* Benign: the sensor missed the client's data, the server acknowledges it, and the
 * client's next segment starts past the ACK. */
static void test_ack_of_missed_data_benign(void **st)
{
    (void)st;
    pb_trace t;
    pb_trace_init(&t, 1, 1700000000000000ull);
    pb_conn c;
    h_conn(&c, &t, 0);
    h_chat(&c, 2);
    c.nxt[0] += 1000;                            /* 1000 bytes the sensor never saw */
    pb_conn_ack(&c, 1);
    h_chat(&c, 2);
    h_close(&c);
    h_run(&H, &t);
    h_expect_none(&H);
    assert_true(H.cnt.held >= 1);     /* the suspicion was raised ... */
    assert_true(H.cnt.cleared >= 1);  /* ... and cleared by the next packet */
    pb_trace_free(&t);
}

/* Benign: one direction is never seen (asymmetric capture): ACKs of its bytes cannot
 * be judged. Variant 0 drops every client packet, variant 1 keeps its SYN. */
static void test_asymmetric_benign(void **st)
{
    (void)st;
    for (int keep_syn = 0; keep_syn < 2; keep_syn++) {
        pb_trace full, t;
        pb_trace_init(&full, 1, 1700000000000000ull);
        pb_trace_init(&t, 1, 1700000000000000ull);
        pb_conn c;
        h_conn(&c, &full, 0);
        h_chat(&c, 4);
        h_close(&c);
        for (size_t i = 0; i < full.n; i++) {
            /* Ethernet + IPv4: the source address ends at byte 29; 10.0.0.1 is the client */
            if (full.frames[i].data[29] == 1 && !(keep_syn && i == 0))
                continue;
            t.now_us = full.frames[i].ts_us;
            pb_trace_add_raw(&t, full.frames[i].data, full.frames[i].len);
        }
        h_run(&H, &t);
        h_expect_none(&H);
        pb_trace_free(&full);
        pb_trace_free(&t);
    }
}

/* A forged ACK with an enormous window cannot move the right edge that a later
 * injection is judged against (and an attacker's own out-of-window data is not the
 * legitimate party falling out of sync: no takeover). */
static void test_edge_not_moved_by_forged_ack(void **st)
{
    (void)st;
    pb_trace t;
    pb_trace_init(&t, 1, 1700000000000000ull);
    pb_conn c;
    h_conn(&c, &t, 0);
    h_chat(&c, 2);
    pb_seg s;
    memset(&s, 0, sizeof s);
    s.seq = c.nxt[1];
    s.ack = c.nxt[0] + 40000000u;
    s.flags = SW_TH_ACK;
    s.win = 65535;                               /* x 128: 8 MB */
    pb_conn_raw(&c, 1, &s);                      /* forged ACK of unsent data */
    h_raw(&c, 0, c.nxt[0] + 5000000u, c.ackv[0], SW_TH_ACK | SW_TH_PSH, EVIL, sizeof EVIL - 1);
    pb_conn_ack(&c, 1);
    h_chat(&c, 1);
    pb_tick(&t, 2000000);
    h_close(&c);
    h_run(&H, &t);
    h_expect_set(&H, SW_EV_ACK_UNSENT_DATA, SW_EV_SEQ_OUT_OF_WINDOW, -1);
    pb_trace_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_seq_oow_beyond, setup, teardown),
        cmocka_unit_test_setup_teardown(test_seq_oow_before, setup, teardown),
        cmocka_unit_test_setup_teardown(test_beyond_missed_acks_benign, setup, teardown),
        cmocka_unit_test_setup_teardown(test_data_beyond_window, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ack_unsent_challenge, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ack_unsent_continue, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ack_of_missed_data_benign, setup, teardown),
        cmocka_unit_test_setup_teardown(test_asymmetric_benign, setup, teardown),
        cmocka_unit_test_setup_teardown(test_edge_not_moved_by_forged_ack, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
