/*
 * test_vlan.c — --vlan ignore: a connection whose two directions carry different
 * VLAN IDs (a trunk capture at a router that routes between two VLANs, as in zeek's
 * ldap/gap-data-missing capture) is one connection with ignore, and two half
 * connections with the default (VLAN-aware: the tags are part of a flow's identity,
 * so equal 4-tuples on different VLANs stay apart).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "detector/packet.h"
#include "pktbuild.h"
#include "seqwatch.h"

/* Client frames on VLAN 10, server frames on VLAN 20. */
static void trace(pb_trace *t)
{
    pb_conn c;
    pb_trace_init(t, 1, 1700000000000000ull);
    pb_conn_init(&c, t, "10.0.0.1", 40000, "10.0.1.2", 389, 1000, 5000);
    pb_conn_handshake(&c);
    pb_conn_send(&c, 0, "bind", 4);
    pb_conn_ack(&c, 1);
    pb_conn_send(&c, 1, "ok", 2);
    pb_conn_ack(&c, 0);
    pb_conn_fin(&c, 0);
    pb_conn_fin(&c, 1);
    pb_conn_ack(&c, 0);
    /* rebuild each frame with a tag: 802.1Q after the MACs */
    for (size_t i = 0; i < t->n; i++) {
        pb_frame *f = &t->frames[i];
        int client = f->data[26] == 10 && f->data[29] == 1;
        uint8_t *d = malloc(f->len + 4);
        assert_non_null(d);
        memcpy(d, f->data, 12);
        d[12] = 0x81; d[13] = 0x00;
        uint16_t vid = client ? 10 : 20;
        d[14] = (uint8_t)(vid >> 8); d[15] = (uint8_t)vid;
        memcpy(d + 16, f->data + 12, f->len - 12);
        free(f->data);
        f->data = d;
        f->len += 4;
    }
}

static void feed(void *u, int lt, uint64_t ts, const uint8_t *f, uint32_t len)
{
    sw_engine_feed(u, lt, ts, f, len, len);
}

static void run(int ignore, sw_stats *st)
{
    pb_trace t;
    trace(&t);
    sw_config cfg;
    sw_config_init(&cfg);
    assert_int_equal(cfg.vlan_ignore, 0);         /* the default is VLAN-aware */
    cfg.vlan_ignore = ignore;
    cfg.sensor_name = "unit";
    cfg.seed_set = 1;
    char err[256];
    sw_engine *e = sw_engine_new(&cfg, err, sizeof err);
    assert_non_null(e);
    pb_trace_each(&t, feed, e);
    sw_engine_flush(e);
    sw_engine_get_stats(e, st);
    sw_engine_free(e);
    pb_trace_free(&t);
}

static void test_vlan_ignore_joins_directions(void **s)
{
    (void)s;
    sw_stats st;
    run(1, &st);
    assert_int_equal(st.flows, 1);
    assert_int_equal(st.tcp_connections, 1);
    assert_int_equal(st.conn_handshake, 1);
    assert_int_equal(st.conn_closed, 1);
    assert_int_equal(st.stream_bytes_delivered, 6);
}

static void test_vlan_aware_keeps_them_apart(void **s)
{
    (void)s;
    sw_stats st;
    run(0, &st);
    assert_int_equal(st.flows, 2);
    assert_int_equal(st.tcp_connections, 2);      /* two half connections */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vlan_ignore_joins_directions),
        cmocka_unit_test(test_vlan_aware_keeps_them_apart),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
