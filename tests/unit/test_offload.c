/*
 * test_offload.c — checksum mode auto (detector/offload.c, the pipeline's use of it):
 * a capture taken on a client with TX checksum offload (its outgoing segments carry
 * the folded pseudo-header sum instead of a checksum) is tracked on both sides and
 * the client is reported as offloading; bad-checksum chaff without the signature, and
 * signature packets in the name of a host whose checksums verify, are still dropped;
 * mode on drops the offloaded packets, mode off takes everything.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "detector/packet.h"
#include "pktbuild.h"
#include "seqwatch.h"

#define CLIENT "10.0.0.1"
#define SERVER "10.0.0.2"

/* Ethernet + IPv4 (no options) frames only. */
static int from_client(const uint8_t *f) { return f[26] == 10 && f[27] == 0 && f[28] == 0 && f[29] == 1; }

/* Put the offload signature (folded pseudo-header sum) into the TCP checksum field. */
static void offload_sig(uint8_t *f, uint32_t len)
{
    uint32_t tl = len - 14 - 20, s = 6 + tl;
    for (int i = 26; i < 34; i += 2)
        s += (uint32_t)(f[i] << 8 | f[i + 1]);
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    f[14 + 20 + 16] = (uint8_t)(s >> 8);
    f[14 + 20 + 17] = (uint8_t)s;
}

/* A conversation; the client's frames from index `from` on get the signature. */
static void conversation(pb_trace *t, pb_conn *c)
{
    pb_trace_init(t, 1, 1700000000000000ull);
    pb_conn_init(c, t, CLIENT, 40000, SERVER, 80, 1000, 5000);
    pb_conn_handshake(c);
    pb_conn_send(c, 0, "GET / HTTP/1.0\r\n\r\n", 18);
    pb_conn_ack(c, 1);
    pb_conn_send(c, 1, "HTTP/1.0 200 OK\r\n\r\nhello", 24);
    pb_conn_ack(c, 0);
}

static void finish(pb_trace *t, pb_conn *c)
{
    pb_conn_fin(c, 0);
    pb_conn_fin(c, 1);
    pb_conn_ack(c, 0);
    for (size_t i = 0; i < t->n; i++)
        if (from_client(t->frames[i].data))
            offload_sig(t->frames[i].data, t->frames[i].len);
}

typedef struct { uint64_t bytes[2]; } rec;

static void on_stream(void *u, const sw_stream_chunk *ch)
{
    rec *r = u;
    if (ch->kind == SW_STREAM_DATA)
        r->bytes[ch->dir & 1] += ch->len;
}

static void feed(void *u, int lt, uint64_t ts, const uint8_t *f, uint32_t len)
{
    sw_engine_feed(u, lt, ts, f, len, len);
}

static sw_engine *run(pb_trace *t, int mode, rec *r, sw_stats *st)
{
    sw_config cfg;
    sw_config_init(&cfg);
    assert_int_equal(cfg.checksum, SW_CHECKSUM_AUTO);     /* the default */
    cfg.checksum = (sw_checksum_mode)mode;
    cfg.sensor_name = "unit";
    cfg.seed_set = 1;
    char err[256];
    sw_engine *e = sw_engine_new(&cfg, err, sizeof err);
    assert_non_null(e);
    sw_engine_set_stream_cb(e, on_stream, r);
    pb_trace_each(t, feed, e);
    sw_engine_flush(e);
    sw_engine_get_stats(e, st);
    return e;
}

static void test_auto_takes_offloading_client(void **s)
{
    (void)s;
    pb_trace t;
    pb_conn c;
    conversation(&t, &c);
    finish(&t, &c);
    rec r = {{0, 0}};
    sw_stats st;
    sw_engine *e = run(&t, SW_CHECKSUM_AUTO, &r, &st);
    assert_int_equal(st.checksum_errors, 0);
    assert_int_equal(st.conn_handshake, 1);
    assert_int_equal(r.bytes[0], 18);
    assert_int_equal(r.bytes[1], 24);
    assert_true(st.checksum_offload_accepted >= 5);
    sw_offload_host h[4];
    assert_int_equal(sw_engine_offload_hosts(e, h, 4), 1);
    assert_string_equal(h[0].addr, CLIENT);
    assert_int_equal(h[0].packets, st.checksum_offload_accepted);
    sw_engine_free(e);

    /* on: the client's packets are dropped; off: everything is taken */
    memset(&r, 0, sizeof r);
    e = run(&t, SW_CHECKSUM_ON, &r, &st);
    assert_true(st.checksum_errors >= 5);
    assert_int_equal(r.bytes[0], 0);
    assert_int_equal(sw_engine_offload_hosts(e, h, 4), 0);
    sw_engine_free(e);
    memset(&r, 0, sizeof r);
    e = run(&t, SW_CHECKSUM_OFF, &r, &st);
    assert_int_equal(st.checksum_errors, 0);
    assert_int_equal(r.bytes[0], 18);
    sw_engine_free(e);
    pb_trace_free(&t);
}

/* Chaff: a segment with a wrong checksum that is not the signature is dropped, also
 * from the offloading host. */
static void test_auto_drops_chaff_without_signature(void **s)
{
    (void)s;
    pb_trace t;
    pb_conn c;
    conversation(&t, &c);
    pb_seg sg;
    pb_conn_seg(&c, 1, &sg);                      /* the server's next bytes, forged */
    sg.flags = SW_TH_ACK | SW_TH_PSH;
    sg.payload = (const uint8_t *)"EVIL";
    sg.len = 4;
    sg.bad_tcp_csum = 1;
    pb_trace_add(&t, &sg);
    pb_conn_seg(&c, 0, &sg);
    sg.flags = SW_TH_ACK | SW_TH_PSH;
    sg.payload = (const uint8_t *)"EVIL";
    sg.len = 4;
    sg.bad_tcp_csum = 1;
    pb_trace_add(&t, &sg);
    size_t chaff_client = t.n - 1;
    finish(&t, &c);
    /* finish() gave every client frame the signature: make the chaff's checksum wrong
     * again, and not the signature */
    t.frames[chaff_client].data[14 + 20 + 16] ^= 0x5a;
    rec r = {{0, 0}};
    sw_stats st;
    sw_engine *e = run(&t, SW_CHECKSUM_AUTO, &r, &st);
    assert_int_equal(st.checksum_errors, 2);
    assert_int_equal(r.bytes[0], 18);
    assert_int_equal(r.bytes[1], 24);
    sw_engine_free(e);
    pb_trace_free(&t);
}

/* Spoofing: a signature packet in the name of the server, whose checksums verified on
 * this connection, is chaff and dropped; the server is not learned. */
static void test_auto_refuses_signature_from_verifying_host(void **s)
{
    (void)s;
    pb_trace t;
    pb_conn c;
    conversation(&t, &c);
    pb_seg sg;
    pb_conn_seg(&c, 1, &sg);
    sg.flags = SW_TH_ACK | SW_TH_PSH;
    sg.payload = (const uint8_t *)"EVIL";
    sg.len = 4;
    pb_trace_add(&t, &sg);
    size_t spoof = t.n - 1;
    finish(&t, &c);
    offload_sig(t.frames[spoof].data, t.frames[spoof].len);
    rec r = {{0, 0}};
    sw_stats st;
    sw_engine *e = run(&t, SW_CHECKSUM_AUTO, &r, &st);
    assert_int_equal(st.checksum_errors, 1);
    assert_int_equal(r.bytes[1], 24);                /* not 28: EVIL never reached the stream */
    sw_offload_host h[4];
    assert_int_equal(sw_engine_offload_hosts(e, h, 4), 1);
    assert_string_equal(h[0].addr, CLIENT);
    sw_engine_free(e);
    pb_trace_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_auto_takes_offloading_client),
        cmocka_unit_test(test_auto_drops_chaff_without_signature),
        cmocka_unit_test(test_auto_refuses_signature_from_verifying_host),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
