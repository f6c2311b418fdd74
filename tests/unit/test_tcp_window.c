/*
 * test_tcp_window.c — two window rules the end-to-end lab showed matter for
 * complete reassembly: (1) a segment without data whose seq is exactly at the
 * receiver's right window edge (the sender filled the window) is acceptable, so its
 * ACK moves the sensor's view; (2) the advertised window is taken only from the
 * newest segment (RFC 9293 SND.WL1/WL2), so an older data segment that arrives after
 * a window update cannot shrink the window back to zero.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "seqwatch.h"
#include "detector/detector.h"
#include "pktbuild.h"

#define MAXP 64
static struct { uint8_t cls[MAXP]; uint32_t rcv_wnd[MAXP]; int n; } R;
static uint64_t gap_bytes;

static void on_packet(void *ctx, const sw_pkt_obs *o)
{
    (void)ctx;
    if (R.n < MAXP) {
        R.cls[R.n] = o->seq_class;
        R.rcv_wnd[R.n] = o->rcv_wnd;
    }
    R.n++;
}

static void on_stream(void *ctx, const sw_flow *f, const sw_stream_chunk *c)
{
    (void)ctx; (void)f;
    if (c->kind == SW_STREAM_GAP)
        gap_bytes += c->len;
}

static void feed(void *u, int lt, uint64_t ts, const uint8_t *f, uint32_t len)
{
    sw_detector_feed(u, lt, ts, f, len, len);
}

static sw_detector *run(pb_trace *t)
{
    memset(&R, 0, sizeof(R));
    gap_bytes = 0;
    sw_config cfg;
    sw_config_init(&cfg);
    sw_observer obs;
    memset(&obs, 0, sizeof(obs));
    obs.on_packet = on_packet;
    obs.on_stream = on_stream;
    char err[128];
    sw_detector *d = sw_detector_new(&cfg, &obs, err, sizeof(err));
    assert_non_null(d);
    pb_trace_each(t, feed, d);
    sw_detector_flush(d);
    return d;
}

static void send_with_win(pb_conn *c, int side, uint16_t win, const uint8_t *data, uint32_t len)
{
    uint16_t saved = c->win[side];
    c->win[side] = win;
    pb_conn_send(c, side, data, len);
    c->win[side] = saved;
}

static void test_pure_ack_at_right_edge_is_accepted(void **state)
{
    (void)state;
    static uint8_t buf[1000];
    memset(buf, 'x', sizeof(buf));
    pb_trace t;
    pb_trace_init(&t, 1, 1000000);
    pb_conn c;
    pb_conn_init(&c, &t, "10.9.0.1", 1111, "10.9.0.2", 2222, 100, 9000);
    pb_conn_handshake(&c);                 /* windows: 502 << 7 = 64256 */
    c.win[0] = 16;                         /* the client advertises 16 << 7 = 2048 bytes */
    pb_conn_ack(&c, 0);
    pb_conn_send(&c, 1, buf, 1000);        /* the server fills the client's window */
    pb_conn_send(&c, 1, buf, 1000);
    pb_conn_send(&c, 1, buf, 48);          /* exactly 2048 bytes: window full */
    /* The server acknowledges client data from the right edge (pure ACK). */
    pb_conn_send(&c, 0, buf, 1000);
    pb_conn_ack(&c, 1);
    int edge_ack = (int)t.n - 1;
    /* The client keeps sending, up to 61 KB past the edge ACK: inside the server's
     * 64256-byte window only if that ACK was taken. */
    for (int i = 0; i < 61; i++)
        pb_conn_send(&c, 0, buf, 1000);
    pb_conn_ack(&c, 1);
    sw_detector *d = run(&t);
    assert_int_equal(R.cls[edge_ack], SW_SEQ_IN_WINDOW);
    assert_int_equal(gap_bytes, 0);
    sw_stats st;
    sw_detector_stats(d, &st);
    assert_int_equal(st.stream_bytes_delivered, 2048 + 62 * 1000);
    sw_detector_free(d);
    pb_trace_free(&t);
}

static void test_reordered_old_segment_does_not_shrink_window(void **state)
{
    (void)state;
    static uint8_t buf[1000];
    memset(buf, 'y', sizeof(buf));
    pb_trace t;
    pb_trace_init(&t, 1, 1000000);
    pb_conn c;
    pb_conn_init(&c, &t, "10.9.0.1", 1112, "10.9.0.2", 2223, 100, 9000);
    pb_conn_handshake(&c);
    /* The server's data carries window 0; its window update (seq after the data)
     * is captured BEFORE the last data segment, as a bridge may reorder them. */
    send_with_win(&c, 1, 0, buf, 1000);
    uint32_t late_seq = c.nxt[1];
    c.nxt[1] += 1000;                      /* the late segment, sent later below */
    pb_seg s;
    pb_conn_seg(&c, 1, &s);                /* window update: seq after the late data */
    s.win = 400;
    pb_trace_add(&t, &s);
    pb_tick(&t, 100);
    pb_conn_seg(&c, 1, &s);                /* the late data segment, window 0 */
    s.seq = late_seq;
    s.win = 0;
    s.payload = buf;
    s.len = 1000;
    pb_trace_add(&t, &s);
    pb_tick(&t, 100);
    int first_client = (int)t.n;
    for (int i = 0; i < 20; i++)           /* the client sends into the 400<<7 window */
        pb_conn_send(&c, 0, buf, 1000);
    sw_detector *d = run(&t);
    assert_int_equal(R.rcv_wnd[first_client], 400u << 7);
    for (int i = first_client; i < first_client + 20; i++)
        assert_int_not_equal(R.cls[i], SW_SEQ_BEYOND);
    sw_detector_free(d);
    pb_trace_free(&t);
}

/* The sensor's copy lost the ACK that opened the window: the data that follows is
 * past the window the sensor knows of, but it is real, and it is reassembled. */
static void test_data_past_a_lost_window_update_is_kept(void **state)
{
    (void)state;
    static uint8_t buf[1000];
    memset(buf, 'z', sizeof(buf));
    pb_trace t;
    pb_trace_init(&t, 1, 1000000);
    pb_conn c;
    pb_conn_init(&c, &t, "10.9.0.1", 1113, "10.9.0.2", 2224, 100, 9000);
    pb_conn_handshake(&c);
    c.win[1] = 8;                          /* the server advertises 8 << 7 = 1024 bytes */
    pb_conn_ack(&c, 1);
    pb_conn_send(&c, 0, buf, 1000);
    c.win[1] = 502;                        /* its ACK opening the window ... */
    c.ackv[1] = c.nxt[0];                  /* ... is not in the sensor's copy */
    for (int i = 0; i < 30; i++)
        pb_conn_send(&c, 0, buf, 1000);
    pb_conn_ack(&c, 1);                    /* a later ACK covers everything */
    sw_detector *d = run(&t);
    sw_stats st;
    sw_detector_stats(d, &st);
    assert_int_equal(gap_bytes, 0);
    assert_int_equal(st.stream_bytes_delivered, 31 * 1000);
    sw_detector_free(d);
    pb_trace_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pure_ack_at_right_edge_is_accepted),
        cmocka_unit_test(test_reordered_old_segment_does_not_shrink_window),
        cmocka_unit_test(test_data_past_a_lost_window_update_is_kept),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
