/*
 * test_checks_overlap.c — overlap_mismatch from a pktbuild trace through the
 * detector, reassembly and the checks: an injected segment raced the real one;
 * several ranges hit by one packet make one event; the keepalive garbage byte and
 * true retransmissions stay quiet.
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

/* The attacker's bytes arrive first at the client's position; the server takes
 * and acknowledges them; the real client's bytes for the same range come later. */
static void test_overlap_mismatch(void **st)
{
    (void)st;
    pb_trace t;
    pb_trace_init(&t, 1, 1700000000000000ull);
    pb_conn c;
    h_conn(&c, &t, 1);
    h_chat(&c, 2);
    uint32_t x = c.nxt[0];
    h_raw(&c, 0, x, c.ackv[0], DATA, "rm -rf /\n", 9);     /* injected */
    c.ackv[1] = x + 9;
    h_raw(&c, 1, c.nxt[1], x + 9, SW_TH_ACK, NULL, 0);      /* the server takes it */
    pb_conn_send(&c, 0, "uptime;w\n", 9);                   /* the real client */
    h_raw(&c, 1, c.nxt[1], x + 9, SW_TH_ACK, NULL, 0);
    h_run(&H, &t);
    h_expect_set(&H, SW_EV_OVERLAP_MISMATCH, -1);
    assert_int_equal(H.count[SW_EV_OVERLAP_MISMATCH], 1);
    const h_event *e = h_find(&H, SW_EV_OVERLAP_MISMATCH);
    assert_int_equal(h_int(e, "seq"), x);
    assert_int_equal(h_int(e, "len"), 9);
    assert_string_equal(h_str(e, "arrived_first"), "first_version");
    assert_string_equal(h_str(e, "receiver_acknowledged"), "first_version");
    json_t *v1 = json_object_get(e->evidence, "first_version");
    json_t *v2 = json_object_get(e->evidence, "second_version");
    assert_string_equal(json_string_value(json_object_get(v1, "printable")), "rm -rf /.");
    assert_string_equal(json_string_value(json_object_get(v2, "hex")), "757074696d653b770a");
    assert_non_null(json_object_get(v1, "tsval"));
    assert_true(h_ruled_out(e, "retransmission"));
    pb_trace_free(&t);
}

/* One forged segment over two stored ones: one event, two ranges. The receiver had
 * not acknowledged them yet: which version it kept is unknown. */
static void test_overlap_two_ranges(void **st)
{
    (void)st;
    pb_trace t;
    pb_trace_init(&t, 1, 1700000000000000ull);
    pb_conn c;
    h_conn(&c, &t, 0);
    h_chat(&c, 1);
    uint32_t x = c.nxt[0];
    pb_conn_send(&c, 0, "abcd", 4);
    pb_conn_send(&c, 0, "efgh", 4);
    h_raw(&c, 0, x, c.ackv[0], DATA, "ABCDEFGH", 8);
    pb_conn_ack(&c, 1);
    h_chat(&c, 1);
    h_run(&H, &t);
    h_expect_set(&H, SW_EV_OVERLAP_MISMATCH, -1);
    assert_int_equal(H.count[SW_EV_OVERLAP_MISMATCH], 1);
    const h_event *e = h_find(&H, SW_EV_OVERLAP_MISMATCH);
    assert_int_equal(h_int(e, "ranges_count"), 2);
    assert_int_equal(h_int(e, "bytes_differing_total"), 8);
    assert_string_equal(h_str(e, "receiver_acknowledged"), "unknown");
    pb_trace_free(&t);
}

/* Benign: a keepalive carrying one garbage byte at snd_una-1, and an exact
 * retransmission. */
static void test_keepalive_byte_and_retrans_benign(void **st)
{
    (void)st;
    pb_trace t;
    pb_trace_init(&t, 1, 1700000000000000ull);
    pb_conn c;
    h_conn(&c, &t, 0);
    h_chat(&c, 2);
    pb_tick(&t, 7200000000ull);
    h_raw(&c, 0, c.nxt[0] - 1u, c.ackv[0], SW_TH_ACK, "\0", 1);
    pb_conn_ack(&c, 1);
    uint32_t x = c.nxt[0];
    pb_conn_send(&c, 0, "hello", 5);
    h_raw(&c, 0, x, c.ackv[0], DATA, "hello", 5);
    pb_conn_ack(&c, 1);
    h_close(&c);
    h_run(&H, &t);
    h_expect_none(&H);
    pb_trace_free(&t);
}


/* TTL-limited chaff: the server is 3 hops beyond the sensor; a copy with TTL 3
 * expires on the way. It carries other bytes than the real client's: an insertion
 * attempt (severity 3), never an overlap_mismatch, and the stream has the real bytes. */
static void ins_raw(pb_conn *c, int side, uint32_t seq, uint8_t ttl, const char *data)
{
    pb_seg s;
    memset(&s, 0, sizeof s);
    s.seq = seq;
    s.ack = c->ackv[side];
    s.flags = DATA;
    s.ttl = ttl;
    s.payload = (const uint8_t *)data;
    s.len = (uint32_t)strlen(data);
    pb_conn_raw(c, side, &s);
}

static void test_insertion_attempt_ttl(void **st)
{
    (void)st;
    pb_trace t;
    pb_trace_init(&t, 1, 1700000000000000ull);
    pb_conn c;
    pb_conn_init(&c, &t, "10.0.0.1", 40000, "10.0.0.2", 80, 1000000u, 5000000u);
    c.ttl[1] = 61;
    pb_conn_handshake(&c);
    h_chat(&c, 1);
    uint32_t x = c.nxt[0];
    ins_raw(&c, 0, x, 3, "rm -rf /\n");                     /* expires before the server */
    pb_conn_send(&c, 0, "uptime;w\n", 9);                   /* the real client */
    pb_conn_ack(&c, 1);
    h_close(&c);
    h_run(&H, &t);
    h_expect_set(&H, SW_EV_INSERTION_ATTEMPT, SW_EV_TTL_ANOMALY, -1);
    const h_event *e = h_find(&H, SW_EV_INSERTION_ATTEMPT);
    assert_int_equal(h_int(e, "seq"), x);
    assert_string_equal(h_str(e, "reason"), "ttl");
    assert_string_equal(h_str(e, "undeliverable_version"), "first_version");
    assert_string_equal(h_str(e, "receiver_has"), "second_version");
    assert_int_equal(h_int(e, "receiver_hops"), 3);
    json_t *v1 = json_object_get(e->evidence, "first_version");
    assert_string_equal(json_string_value(json_object_get(v1, "printable")), "rm -rf /.");
    assert_int_equal(json_integer_value(json_object_get(v1, "ttl")), 3);
    pb_trace_free(&t);

    /* the same copy with one hop to spare reaches the server: an overlap_mismatch */
    pb_trace_init(&t, 1, 1700000000000000ull);
    pb_conn_init(&c, &t, "10.0.0.1", 40000, "10.0.0.2", 80, 1000000u, 5000000u);
    c.ttl[1] = 61;
    pb_conn_handshake(&c);
    h_chat(&c, 1);
    x = c.nxt[0];
    ins_raw(&c, 0, x, 4, "rm -rf /\n");
    pb_conn_send(&c, 0, "uptime;w\n", 9);
    pb_conn_ack(&c, 1);
    h_close(&c);
    h_free(&H);
    h_init(&H);
    h_run(&H, &t);
    assert_int_equal(H.count[SW_EV_INSERTION_ATTEMPT], 0);
    assert_int_equal(H.count[SW_EV_OVERLAP_MISMATCH], 1);
    pb_trace_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_overlap_mismatch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_overlap_two_ranges, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keepalive_byte_and_retrans_benign, setup, teardown),
        cmocka_unit_test_setup_teardown(test_insertion_attempt_ttl, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
