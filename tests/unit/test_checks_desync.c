/*
 * test_checks_desync.c — desync, ack_storm and session_takeover from pktbuild traces
 * through the detector and the checks: data injected into the client's stream makes
 * the server acknowledge bytes the real client never sent; both ends then refuse
 * each other's segments (Joncheray's desynchronized state), and their pure ACKs
 * bounce (the ACK storm). With a foreign TTL on the injected segment, or the real
 * client's bytes colliding with the injected ones, the chain is a takeover. One-sided
 * trouble (a burst of spurious retransmissions) stays quiet.
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

/* Inject 9 bytes into the client's stream (with TTL ttl), let the server answer the
 * injected command, then n rounds of bouncing pure ACKs. Returns the real client's
 * position. */
static uint32_t hijack(pb_trace *t, pb_conn *c, uint8_t ttl, int n, int real_data)
{
    pb_trace_init(t, 1, 1700000000000000ull);
    h_conn(c, t, 0);
    h_chat(c, 2);
    uint32_t x = c->nxt[0];                          /* where the real client is */
    pb_seg s;
    memset(&s, 0, sizeof s);
    s.seq = x;
    s.ack = c->ackv[0];
    s.flags = DATA;
    s.payload = (const uint8_t *)"id;uname\n";
    s.len = 9;
    s.ttl = ttl;
    pb_conn_raw(c, 0, &s);                           /* injected */
    char out[20];
    memset(out, 'o', sizeof out);
    uint32_t sseq = c->nxt[1];
    h_raw(c, 1, sseq, x + 9, DATA, out, sizeof out); /* the server answers the attacker */
    c->nxt[1] += sizeof out;
    if (real_data)                                   /* the real client types something */
        h_raw(c, 0, x, c->ackv[0], DATA, "ls -la /\n", 9);
    for (int i = 0; i < n; i++) {
        /* the client refuses the server's ACK of unsent bytes; the server refuses the
         * client's old sequence number; and again */
        h_raw(c, 0, x, sseq, SW_TH_ACK, NULL, 0);
        h_raw(c, 1, c->nxt[1], x + 9, SW_TH_ACK, NULL, 0);
    }
    return x;
}

static void test_desync(void **st)
{
    (void)st;
    pb_trace t;
    pb_conn c;
    uint32_t x = hijack(&t, &c, 64, 4, 0);
    h_run(&H, &t);
    h_expect_set(&H, SW_EV_DESYNC, -1);
    assert_int_equal(H.count[SW_EV_DESYNC], 1);
    const h_event *e = h_find(&H, SW_EV_DESYNC);
    json_t *cl = json_object_get(e->evidence, "client");
    assert_int_equal(json_integer_value(json_object_get(cl, "declared_snd_nxt")), x);
    assert_int_equal(json_integer_value(json_object_get(cl, "peer_expects")), x + 9);
    assert_int_equal(json_integer_value(json_object_get(cl, "offset")), -9);
    pb_trace_free(&t);
}

static void test_ack_storm(void **st)
{
    (void)st;
    pb_trace t;
    pb_conn c;
    hijack(&t, &c, 64, 15, 0);
    h_run(&H, &t);
    /* an ACK storm is a desynchronized connection by definition */
    h_expect_set(&H, SW_EV_DESYNC, SW_EV_ACK_STORM, -1);
    assert_int_equal(H.count[SW_EV_ACK_STORM], 1);
    const h_event *e = h_find(&H, SW_EV_ACK_STORM);
    assert_int_equal(h_int(e, "pure_acks"), 20);
    assert_true(h_int(e, "from_client") >= 2 && h_int(e, "from_server") >= 2);
    pb_trace_free(&t);
}

/* The injected segment came with another TTL: injection + desync = takeover. */
static void test_takeover_ttl(void **st)
{
    (void)st;
    pb_trace t;
    pb_conn c;
    hijack(&t, &c, 47, 4, 0);
    h_run(&H, &t);
    h_expect_set(&H, SW_EV_TTL_ANOMALY, SW_EV_DESYNC, SW_EV_SESSION_TAKEOVER, -1);
    assert_int_equal(H.count[SW_EV_SESSION_TAKEOVER], 1);
    const h_event *e = h_find(&H, SW_EV_SESSION_TAKEOVER);
    assert_string_equal(h_str(e, "injection"), "ttl_anomaly");
    assert_string_equal(h_str(e, "out_of_sync"), "desync");
    assert_string_equal(h_str(e, "injected_toward"), "server");
    json_t *chain = json_object_get(e->evidence, "chain");
    assert_true(json_array_size(chain) >= 2);
    pb_trace_free(&t);
}

/* The real client's bytes collide with the injected ones: overlap_mismatch + desync
 * (+ the ACK storm) = takeover. */
static void test_takeover_overlap(void **st)
{
    (void)st;
    pb_trace t;
    pb_conn c;
    hijack(&t, &c, 64, 15, 1);
    h_run(&H, &t);
    h_expect_set(&H, SW_EV_OVERLAP_MISMATCH, SW_EV_DESYNC, SW_EV_ACK_STORM,
                 SW_EV_SESSION_TAKEOVER, -1);
    assert_int_equal(H.count[SW_EV_SESSION_TAKEOVER], 1);
    const h_event *e = h_find(&H, SW_EV_SESSION_TAKEOVER);
    assert_string_equal(h_str(e, "injection"), "overlap_mismatch");
    pb_trace_free(&t);
}

/* Benign: a burst of spurious retransmissions answered by duplicate ACKs (only one
 * side is "unacceptable"). */
static void test_spurious_retrans_burst_benign(void **st)
{
    (void)st;
    pb_trace t;
    pb_trace_init(&t, 1, 1700000000000000ull);
    pb_conn c;
    h_conn(&c, &t, 0);
    h_chat(&c, 2);
    uint32_t x = c.nxt[0];
    char blk[1000];
    memset(blk, 'z', sizeof blk);
    for (int i = 0; i < 5; i++)
        pb_conn_send(&c, 0, blk, sizeof blk);
    pb_conn_ack(&c, 1);
    for (int i = 0; i < 5; i++) {                   /* all resent, all already acked */
        h_raw(&c, 0, x + 1000u * (uint32_t)i, c.ackv[0], DATA, blk, sizeof blk);
        pb_conn_ack(&c, 1);
    }
    h_chat(&c, 1);
    h_close(&c);
    h_run(&H, &t);
    h_expect_none(&H);
    pb_trace_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_desync, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ack_storm, setup, teardown),
        cmocka_unit_test_setup_teardown(test_takeover_ttl, setup, teardown),
        cmocka_unit_test_setup_teardown(test_takeover_overlap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_spurious_retrans_burst_benign, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
