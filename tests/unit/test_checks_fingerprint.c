/*
 * test_checks_fingerprint.c — ttl_anomaly, mac_change, tsval_regression (missing,
 * backwards, jump ahead) and tsecr_unsent_echo from pktbuild traces through the
 * detector and the checks: a forged segment with foreign values among the real
 * sender's, confirmed when the real values resume; and the benign look-alikes: a
 * route change, a gateway failover, the same segment captured on both sides of a
 * router, reordered timestamps.
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

static const uint8_t MAC_X[6] = { 0x02, 0xde, 0xad, 0xbe, 0xef, 0x01 };

static void start(pb_trace *t, pb_conn *c, int ts)
{
    pb_trace_init(t, 1, 1700000000000000ull);
    h_conn(c, t, ts);
    h_chat(c, 2);
}

/* A pure ACK from the client's side with fields overridden by *over. */
static void forged_ack(pb_conn *c, pb_seg *over)
{
    over->seq = c->nxt[0];
    over->ack = c->ackv[0];
    over->flags = SW_TH_ACK;
    pb_conn_raw(c, 0, over);
}

/* The client sends data with its own fields, but from another MAC / TTL. */
static void send_as(pb_conn *c, const uint8_t *mac, uint8_t ttl, const char *d, uint32_t n)
{
    pb_seg s;
    pb_conn_seg(c, 0, &s);
    s.flags = SW_TH_ACK | SW_TH_PSH;
    s.payload = (const uint8_t *)d;
    s.len = n;
    if (mac)
        memcpy(s.src_mac, mac, 6);
    if (ttl)
        s.ttl = ttl;
    pb_trace_add(c->t, &s);
    pb_tick(c->t, 1000);
    c->nxt[0] += n;
}

static void test_ttl_anomaly(void **st)
{
    (void)st;
    pb_trace t;
    pb_conn c;
    start(&t, &c, 0);
    pb_seg o;
    memset(&o, 0, sizeof o);
    o.ttl = 40;
    forged_ack(&c, &o);
    h_chat(&c, 1);
    h_close(&c);
    h_run(&H, &t);
    h_expect_set(&H, SW_EV_TTL_ANOMALY, -1);
    const h_event *e = h_find(&H, SW_EV_TTL_ANOMALY);
    assert_int_equal(h_int(e, "ttl"), 40);
    assert_int_equal(h_int(e, "baseline_ttl"), 64);
    assert_true(h_int(e, "baseline_packets") >= 3);
    assert_true(h_ruled_out(e, "route_change"));
    assert_non_null(json_object_get(e->evidence, "baseline_resumed"));
    h_ladder_marks(e, ".");
    pb_trace_free(&t);
}

/* An injector at the server's distance with another initial TTL: its first segment is
 * a bare ACK (routine for a device next to the server), then the real server speaks,
 * then the injector sends data: two senders interleave, raised at once. */
static void test_ttl_interleaved_injector(void **st)
{
    (void)st;
    pb_trace t;
    pb_conn c;
    pb_trace_init(&t, 1, 1700000000000000ull);
    pb_conn_init(&c, &t, "10.0.0.1", 40000, "10.0.0.2", 80, 1000000u, 5000000u);
    c.ttl[1] = 63;                                /* one hop away, initial TTL 64 */
    pb_conn_handshake(&c);
    h_chat(&c, 2);
    pb_seg o;
    memset(&o, 0, sizeof o);
    o.ttl = 127;
    o.seq = c.nxt[1];
    o.ack = c.ackv[1];
    o.flags = SW_TH_ACK;
    pb_conn_raw(&c, 1, &o);                       /* the injector's ACK */
    pb_conn_ack(&c, 1);                           /* the real server */
    o.flags = SW_TH_ACK | SW_TH_PSH;
    o.payload = (const uint8_t *)"HTTP/1.1 302 Found\r\nLocation: http://evil/\r\n\r\n";
    o.len = 46;
    pb_conn_raw(&c, 1, &o);                       /* injected response */
    h_run(&H, &t);
    h_expect_set(&H, SW_EV_TTL_ANOMALY, -1);
    const h_event *e = h_find(&H, SW_EV_TTL_ANOMALY);
    assert_int_equal(h_int(e, "ttl"), 127);
    assert_int_equal(h_int(e, "hops"), h_int(e, "baseline_hops"));
    assert_true(json_is_true(json_object_get(e->evidence, "interleaved_with_baseline")));
    assert_true(json_is_true(json_object_get(e->evidence, "in_window_data")));
    pb_trace_free(&t);
}

/* Benign: the route changes for good (TTL 64 -> 52). */
static void test_route_change_benign(void **st)
{
    (void)st;
    pb_trace t;
    pb_conn c;
    start(&t, &c, 0);
    c.ttl[0] = 52;
    h_chat(&c, 8);
    h_close(&c);
    h_run(&H, &t);
    h_expect_none(&H);
    assert_true(H.cnt.cleared >= 1);
    pb_trace_free(&t);
}

static void test_mac_change(void **st)
{
    (void)st;
    pb_trace t;
    pb_conn c;
    start(&t, &c, 0);
    pb_seg o;
    memset(&o, 0, sizeof o);
    memcpy(o.src_mac, MAC_X, 6);
    forged_ack(&c, &o);
    h_chat(&c, 1);
    h_close(&c);
    h_run(&H, &t);
    h_expect_set(&H, SW_EV_MAC_CHANGE, -1);
    const h_event *e = h_find(&H, SW_EV_MAC_CHANGE);
    assert_string_equal(h_str(e, "mac"), "02:de:ad:be:ef:01");
    assert_string_equal(h_str(e, "baseline_mac"), "02:00:00:00:00:01");
    pb_trace_free(&t);
}

/* Benign: the gateway fails over to another MAC for good. */
static void test_gateway_failover_benign(void **st)
{
    (void)st;
    pb_trace t;
    pb_conn c;
    start(&t, &c, 0);
    for (int i = 0; i < 10; i++) {
        send_as(&c, MAC_X, 0, "ping\n", 5);
        pb_conn_ack(&c, 1);
    }
    h_run(&H, &t);
    h_expect_none(&H);
    assert_true(H.cnt.cleared >= 1);
    pb_trace_free(&t);
}

/* Benign: one capture point sees each client segment twice, before and after a
 * router (other MAC, TTL - 1), 100 us apart. */
static void test_duplicate_capture_benign(void **st)
{
    (void)st;
    pb_trace t;
    pb_conn c;
    start(&t, &c, 0);
    static const uint8_t RTR[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0xfe };
    for (int i = 0; i < 5; i++) {
        pb_seg s;
        pb_conn_seg(&c, 0, &s);
        s.flags = SW_TH_ACK | SW_TH_PSH;
        s.payload = (const uint8_t *)"data\n";
        s.len = 5;
        pb_trace_add(&t, &s);
        pb_tick(&t, 100);
        memcpy(s.src_mac, RTR, 6);
        s.ttl = 63;
        pb_trace_add(&t, &s);
        pb_tick(&t, 900);
        c.nxt[0] += 5;
        pb_conn_ack(&c, 1);
    }
    h_close(&c);
    h_run(&H, &t);
    h_expect_none(&H);
    pb_trace_free(&t);
}

static void test_tsval_backwards(void **st)
{
    (void)st;
    pb_trace t;
    pb_conn c;
    start(&t, &c, 1);
    pb_seg o;
    memset(&o, 0, sizeof o);
    o.tsval = c.tsval[0] - 100000u;
    forged_ack(&c, &o);
    h_chat(&c, 1);
    h_close(&c);
    h_run(&H, &t);
    h_expect_set(&H, SW_EV_TSVAL_REGRESSION, -1);
    const h_event *e = h_find(&H, SW_EV_TSVAL_REGRESSION);
    assert_string_equal(h_str(e, "reason"), "backwards");
    assert_true(h_int(e, "tsval_delta") <= -99000);
    pb_trace_free(&t);
}

static void test_tsval_jump(void **st)
{
    (void)st;
    pb_trace t;
    pb_conn c;
    start(&t, &c, 1);
    pb_seg o;
    memset(&o, 0, sizeof o);
    o.tsval = c.tsval[0] + 50000000u;
    forged_ack(&c, &o);
    h_chat(&c, 1);
    h_close(&c);
    h_run(&H, &t);
    h_expect_set(&H, SW_EV_TSVAL_REGRESSION, -1);
    const h_event *e = h_find(&H, SW_EV_TSVAL_REGRESSION);
    assert_string_equal(h_str(e, "reason"), "jump_ahead");
    assert_int_equal(h_int(e, "allowed_ahead") / 1000, 600);
    pb_trace_free(&t);
}

static void test_tsval_missing(void **st)
{
    (void)st;
    pb_trace t;
    pb_conn c;
    start(&t, &c, 1);
    c.ts = 0;
    pb_seg o;
    memset(&o, 0, sizeof o);
    forged_ack(&c, &o);
    c.ts = 1;
    h_chat(&c, 1);
    h_close(&c);
    h_run(&H, &t);
    h_expect_set(&H, SW_EV_TSVAL_REGRESSION, -1);
    const h_event *e = h_find(&H, SW_EV_TSVAL_REGRESSION);
    assert_string_equal(h_str(e, "reason"), "timestamp_missing");
    pb_trace_free(&t);
}

static void test_tsecr_unsent_echo(void **st)
{
    (void)st;
    pb_trace t;
    pb_conn c;
    start(&t, &c, 1);
    pb_seg o;
    memset(&o, 0, sizeof o);
    o.tsecr = c.tsval[1] + 10000000u;
    forged_ack(&c, &o);
    h_chat(&c, 1);
    h_close(&c);
    h_run(&H, &t);
    h_expect_set(&H, SW_EV_TSECR_UNSENT_ECHO, -1);
    const h_event *e = h_find(&H, SW_EV_TSECR_UNSENT_ECHO);
    assert_string_equal(h_str(e, "position"), "above_peer_clock");
    assert_true(h_int(e, "tsecr") > h_int(e, "peer_clock_bound"));
    pb_trace_free(&t);
}

/* Benign: timestamps with reordering (an older segment arrives after a newer one),
 * a long idle period, and a TSecr echoing a TSval the sensor missed. */
static void test_timestamps_benign(void **st)
{
    (void)st;
    pb_trace t;
    pb_conn c;
    start(&t, &c, 1);
    /* two segments swapped on the wire */
    pb_trace tmp;
    pb_trace_init(&tmp, 1, t.now_us);
    pb_trace *save = c.t;
    c.t = &tmp;
    pb_conn_send(&c, 0, "first-", 6);
    pb_conn_send(&c, 0, "second", 6);
    c.t = save;
    t.now_us = tmp.now_us;
    pb_trace_add_raw(&t, tmp.frames[1].data, tmp.frames[1].len);
    pb_trace_add_raw(&t, tmp.frames[0].data, tmp.frames[0].len);
    pb_trace_free(&tmp);
    pb_conn_ack(&c, 1);
    /* idle for an hour, then more */
    pb_tick(&t, 3600000000ull);
    h_chat(&c, 2);
    /* the server sends a segment the sensor misses; the client echoes its TSval */
    pb_trace tmp2;
    pb_trace_init(&tmp2, 1, t.now_us);
    c.t = &tmp2;
    pb_conn_send(&c, 1, "lost", 4);
    c.t = save;
    t.now_us = tmp2.now_us;
    pb_trace_free(&tmp2);
    pb_conn_ack(&c, 0);
    h_chat(&c, 1);
    h_close(&c);
    h_run(&H, &t);
    h_expect_none(&H);
    pb_trace_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_ttl_anomaly, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ttl_interleaved_injector, setup, teardown),
        cmocka_unit_test_setup_teardown(test_route_change_benign, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mac_change, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gateway_failover_benign, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicate_capture_benign, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tsval_backwards, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tsval_jump, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tsval_missing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tsecr_unsent_echo, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timestamps_benign, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
