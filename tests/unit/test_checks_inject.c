/*
 * test_checks_inject.c — data_injection (rules/check_inject.c, fingerprint_cmp.c): a
 * data segment at the client's next sequence number from another MAC, without the
 * negotiated timestamps, that the server acknowledges is a severity-1 injection even
 * when the real client never speaks again (the SEED-lab hijack); when the real bytes
 * do come, overlap_mismatch is the one alert and names the foreign marks; a foreign
 * segment the receiver does not acknowledge, and a real sender whose TTL moves by one
 * and whose window changes, raise nothing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "checks_harness.h"

static harness H;

static int setup(void **st) { (void)st; h_init(&H); return 0; }
static int teardown(void **st) { (void)st; h_free(&H); return 0; }

static const uint8_t EVIL_MAC[6] = { 0x02, 0x42, 0xfa, 0xa7, 0x22, 0x45 };

/* A segment from the client's addresses at its next sequence number: from another
 * MAC and without timestamps when forged, else like the client's own. */
static void client_seg(pb_conn *c, pb_trace *t, int forged, uint8_t ttl, uint16_t win,
                       const char *data)
{
    pb_seg s;
    pb_conn_seg(c, 0, &s);
    s.flags = SW_TH_ACK | SW_TH_PSH;
    s.payload = (const uint8_t *)data;
    s.len = (uint32_t)strlen(data);
    if (ttl)
        s.ttl = ttl;
    if (win)
        s.win = win;
    if (forged) {
        s.ts = 0;
        memcpy(s.src_mac, EVIL_MAC, 6);
    }
    pb_trace_add(t, &s);
    pb_tick(t, 1000);
}

/* The server acknowledges up to upto (the client's bytes so far). */
static void server_acks(pb_conn *c, uint32_t upto)
{
    c->nxt[0] = upto;
    pb_conn_ack(c, 1);
}

static void test_injection_acked_sender_silent(void **st)
{
    (void)st;
    pb_trace t;
    pb_trace_init(&t, 1, 1700000000000000ull);
    pb_conn c;
    h_conn(&c, &t, 1);
    h_chat(&c, 2);
    uint32_t x = c.nxt[0];
    client_seg(&c, &t, 1, 0, 8192, "\rtouch session.txt\r");
    server_acks(&c, x + 19);
    pb_conn_send(&c, 1, "$ ", 2);                  /* the server answers; the client is gone */
    h_run(&H, &t);
    assert_int_equal(H.count[SW_EV_DATA_INJECTION], 1);
    assert_int_equal(H.count[SW_EV_OVERLAP_MISMATCH], 0);
    const h_event *e = h_find(&H, SW_EV_DATA_INJECTION);
    assert_int_equal(e->dir, 0);
    assert_int_equal(h_int(e, "seq"), x);
    assert_int_equal(h_int(e, "len"), 19);
    assert_int_equal(h_int(e, "receiver_ack"), x + 19);
    json_t *d = json_object_get(e->evidence, "fingerprint_differences");
    assert_true(json_array_size(d) >= 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(d, 0), "mark")), "mac");
    assert_string_equal(json_string_value(json_object_get(json_array_get(d, 1), "mark")),
                        "timestamps");
    json_t *pl = json_object_get(e->evidence, "payload");
    assert_string_equal(json_string_value(json_object_get(pl, "printable")), ".touch session.txt.");
    assert_int_equal(sw_event_def_get(SW_EV_DATA_INJECTION)->severity, 1);
    pb_trace_free(&t);
}

static void test_injection_then_real_bytes(void **st)
{
    (void)st;
    pb_trace t;
    pb_trace_init(&t, 1, 1700000000000000ull);
    pb_conn c;
    h_conn(&c, &t, 1);
    h_chat(&c, 2);
    uint32_t x = c.nxt[0];
    client_seg(&c, &t, 1, 0, 0, "rm -rf /\n");
    server_acks(&c, x + 9);
    c.nxt[0] = x;
    client_seg(&c, &t, 0, 0, 0, "uptime;w\n");      /* the real client, same range */
    c.nxt[0] = x + 9;
    h_close(&c);
    h_run(&H, &t);
    assert_int_equal(H.count[SW_EV_DATA_INJECTION], 0);
    assert_int_equal(H.count[SW_EV_OVERLAP_MISMATCH], 1);
    const h_event *e = h_find(&H, SW_EV_OVERLAP_MISMATCH);
    json_t *ff = json_object_get(e->evidence, "foreign_fingerprint");
    assert_int_equal(json_array_size(ff), 2);
    assert_string_equal(json_string_value(json_array_get(ff, 0)), "mac");
    pb_trace_free(&t);
}

static void test_foreign_not_acked(void **st)
{
    (void)st;
    pb_trace t;
    pb_trace_init(&t, 1, 1700000000000000ull);
    pb_conn c;
    h_conn(&c, &t, 1);
    h_chat(&c, 2);
    uint32_t x = c.nxt[0];
    client_seg(&c, &t, 1, 0, 0, "rm -rf /\n");
    server_acks(&c, x);                             /* a duplicate ACK: not taken */
    server_acks(&c, x);
    h_run(&H, &t);
    assert_int_equal(H.count[SW_EV_DATA_INJECTION], 0);
    pb_trace_free(&t);
}

static void test_real_sender_small_changes_benign(void **st)
{
    (void)st;
    /* the client's TTL moves by one (route flap) and its window jumps: one weak
     * mark and one not counted, never foreign */
    pb_trace t;
    pb_trace_init(&t, 1, 1700000000000000ull);
    pb_conn c;
    h_conn(&c, &t, 1);
    h_chat(&c, 3);
    uint32_t x = c.nxt[0];
    client_seg(&c, &t, 0, 63, 8192, "more data\n");
    server_acks(&c, x + 10);
    h_chat(&c, 1);
    h_close(&c);
    h_run(&H, &t);
    assert_int_equal(H.count[SW_EV_DATA_INJECTION], 0);
    assert_int_equal(H.count[SW_EV_OVERLAP_MISMATCH], 0);
    pb_trace_free(&t);
}

/* A blind spray: forged segments far outside both windows, with far-off ACKs, from
 * another MAC and without the negotiated timestamps, in both directions; the real
 * stacks answer each with a duplicate ACK and finish normally. The forged segments
 * are not the endpoints' own: no desync, ack_storm or session_takeover. */
static void blind_spray_run(int spoof_mac)
{
    pb_trace t;
    pb_trace_init(&t, 1, 1700000000000000ull);
    pb_conn c;
    h_conn(&c, &t, 1);
    h_chat(&c, 2);
    for (int i = 0; i < 24; i++) {
        int side = i & 1;
        pb_seg s;
        pb_conn_seg(&c, side, &s);
        s.flags = SW_TH_ACK | SW_TH_PSH;
        s.seq = c.nxt[side] + 0x40000000u + (uint32_t)i * 1000u;
        s.ack = c.ackv[side] + 0x30000000u + (uint32_t)i * 777u;
        s.payload = (const uint8_t *)"spray";
        s.len = 5;
        s.ts = 0;
        if (!spoof_mac)
            memcpy(s.src_mac, EVIL_MAC, 6);
        pb_trace_add(&t, &s);
        pb_tick(&t, 1000);
        pb_conn_ack(&c, 1 - side);                 /* the real receiver's duplicate ACK */
    }
    h_chat(&c, 1);
    h_close(&c);
    h_run(&H, &t);
    assert_int_equal(H.count[SW_EV_DESYNC], 0);
    assert_int_equal(H.count[SW_EV_ACK_STORM], 0);
    assert_int_equal(H.count[SW_EV_SESSION_TAKEOVER], 0);
    assert_int_equal(H.count[SW_EV_DATA_INJECTION], 0);
    assert_true(H.count[SW_EV_BLIND_SPRAY] + H.count[SW_EV_SEQ_OUT_OF_WINDOW] > 0);
    pb_trace_free(&t);
}

static void test_blind_spray_no_escalation(void **st)
{
    (void)st;
    blind_spray_run(0);
}

/* The same spray with the endpoints' own MACs (the e2e lab's attacker spoofs them):
 * one mark only (timestamps missing), but the segments are far from their senders'
 * positions and their ACKs far past anything sent: still no escalation. */
static void test_blind_spray_spoofed_mac_no_escalation(void **st)
{
    (void)st;
    blind_spray_run(1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_injection_acked_sender_silent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_injection_then_real_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_foreign_not_acked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_real_sender_small_changes_benign, setup, teardown),
        cmocka_unit_test_setup_teardown(test_blind_spray_no_escalation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_blind_spray_spoofed_mac_no_escalation, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
