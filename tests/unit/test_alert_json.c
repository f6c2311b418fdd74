/*
 * test_alert_json.c — the alert document: EVE field names, types and order, the
 * timestamp format the Filebeat Suricata module parses, vlan only when tagged, the
 * anomaly variant, the hijack object (copied, not shared), the classtype table,
 * rule metadata in Suricata's shape, and determinism of bytes and alert_id.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>
#include <jansson.h>

#include "storage/alert_json.h"
#include "detector/tcp_conn.h"

/* 2023-09-18T06:13:41.532140Z */
#define TS_EXAMPLE 1695017621532140ull

static void test_timestamp_format(void **state)
{
    (void)state;
    char buf[40];
    sw_format_timestamp(TS_EXAMPLE, buf, sizeof buf);
    assert_string_equal(buf, "2023-09-18T06:13:41.532140+0000");
    sw_format_timestamp(1709251199000001ull, buf, sizeof buf);   /* leap day */
    assert_string_equal(buf, "2024-02-29T23:59:59.000001+0000");
    sw_format_timestamp(0, buf, sizeof buf);
    assert_string_equal(buf, "1970-01-01T00:00:00.000000+0000");
    assert_int_equal(strlen(buf), 31);
}

static void test_timestamp_parse(void **state)
{
    (void)state;
    uint64_t t;
    assert_int_equal(sw_parse_timestamp("2023-09-18T06:13:41.532140+0000", &t), 0);
    assert_true(t == TS_EXAMPLE);
    assert_int_equal(sw_parse_timestamp("2023-09-18T08:13:41.532140+0200", &t), 0);
    assert_true(t == TS_EXAMPLE);
    assert_int_equal(sw_parse_timestamp("2023-09-18T01:13:41.532140-05:00", &t), 0);
    assert_true(t == TS_EXAMPLE);
    assert_int_equal(sw_parse_timestamp("2023-09-18T06:13:41.532140Z", &t), 0);
    assert_true(t == TS_EXAMPLE);
    assert_int_equal(sw_parse_timestamp("2023-09-18 06:13:41.5321409", &t), 0);
    assert_true(t == TS_EXAMPLE);   /* digits past microseconds are ignored */
    assert_int_equal(sw_parse_timestamp("2023-09-18T06:13:41.5", &t), 0);
    assert_true(t == 1695017621500000ull);
    assert_int_equal(sw_parse_timestamp("2023-09-18T06:13", &t), 0);
    assert_true(t == 1695017580000000ull);
    assert_int_equal(sw_parse_timestamp("2023-09-18", &t), 0);
    assert_true(t == 1694995200000000ull);
    /* every string sw_format_timestamp makes reads back */
    char buf[40];
    for (uint64_t v = 0; v < 4000000000000000ull; v += 123456789012345ull) {
        sw_format_timestamp(v, buf, sizeof buf);
        assert_int_equal(sw_parse_timestamp(buf, &t), 0);
        assert_true(t == v);
    }
    const char *bad[] = {"", "yesterday", "2023-9-18", "2023-02-30", "2023-13-01",
                         "2023-09-18T25:00", "2023-09-18T06:13:41x", "2023-09-18T06:13:41.",
                         "2023-09-18T06:13:41+2", "2023-09-18T06:13:60", "1969-12-31", NULL};
    for (int i = 0; bad[i]; i++)
        assert_int_equal(sw_parse_timestamp(bad[i], &t), -1);
}

static void make_event(sw_event *ev)
{
    memset(ev, 0, sizeof *ev);
    ev->id = SW_EV_SYNACK_BAD_ACK;
    ev->ts_us = TS_EXAMPLE;
    ev->ip_version = 4;
    inet_pton(AF_INET, "192.0.2.20", ev->src_ip);
    inet_pton(AF_INET, "198.51.100.7", ev->dst_ip);
    ev->sport = 80;
    ev->dport = 40000;
    ev->dir = 1;
    ev->flow_id = 1234567890123456ull;
    ev->conn_instance = 3;
    ev->client_state = SW_TCPS_SYN_SENT;
    ev->server_state = SW_TCPS_SYN_RCVD;
    ev->evidence = json_pack("{s:i, s:i, s:i}", "expected_ack", 1001, "ack", 999, "ttl", 33);
    ev->packets = json_pack("[{s:I,s:s,s:s,s:i,s:i,s:i,s:b}]", "ts_us", (json_int_t)TS_EXAMPLE,
                            "dir", "to_client", "flags", "SA", "seq", 5000, "ack", 999, "len", 0,
                            "trigger", 1);
    ev->ruled_out = json_pack("[s]", "retransmission of an earlier SYN-ACK");
}

static const sw_rule_match match = {
    .sid = 2300001, .gid = 1, .rev = 2, .msg = "SEQWATCH SYN-ACK with a bad ACK",
    .classtype = "misc-attack", .priority = 2, .metadata = NULL};

static void test_alert_fields(void **state)
{
    (void)state;
    sw_event ev;
    make_event(&ev);
    ev.frame_no = 17;
    json_t *doc = sw_alert_to_json_ex(&ev, &match, "alert", "sensor-a", 7, "cap/x.pcap");
    assert_non_null(doc);

    /* EVE keys first, in EVE's order, then ours */
    const char *order[] = {"timestamp", "flow_id", "pcap_cnt", "event_type", "src_ip", "src_port",
                           "dest_ip", "dest_port", "proto", "community_id", "alert", "host",
                           "pcap_filename", "alert_id", "hijack", NULL};
    int i = 0;
    const char *key;
    json_t *val;
    json_object_foreach(doc, key, val) {
        assert_non_null(order[i]);
        assert_string_equal(key, order[i]);
        i++;
    }
    assert_null(order[i]);

    assert_string_equal(json_string_value(json_object_get(doc, "timestamp")),
                        "2023-09-18T06:13:41.532140+0000");
    assert_true(json_is_integer(json_object_get(doc, "flow_id")));
    assert_true(json_integer_value(json_object_get(doc, "flow_id")) == 1234567890123456ll);
    assert_string_equal(json_string_value(json_object_get(doc, "event_type")), "alert");
    assert_string_equal(json_string_value(json_object_get(doc, "src_ip")), "192.0.2.20");
    assert_int_equal(json_integer_value(json_object_get(doc, "src_port")), 80);
    assert_string_equal(json_string_value(json_object_get(doc, "dest_ip")), "198.51.100.7");
    assert_int_equal(json_integer_value(json_object_get(doc, "dest_port")), 40000);
    assert_string_equal(json_string_value(json_object_get(doc, "proto")), "TCP");
    assert_null(json_object_get(doc, "vlan"));
    assert_string_equal(json_string_value(json_object_get(doc, "host")), "sensor-a");
    assert_null(json_object_get(doc, "sensor"));
    assert_int_equal(json_integer_value(json_object_get(doc, "pcap_cnt")), 17);
    assert_string_equal(json_string_value(json_object_get(doc, "pcap_filename")), "cap/x.pcap");
    /* the same connection's id whichever way round (computed with the spec's rules) */
    char cid[SW_COMMUNITY_ID_LEN];
    assert_int_equal(sw_community_id_text("198.51.100.7", "192.0.2.20", 40000, 80, 6, cid, sizeof cid), 0);
    assert_string_equal(json_string_value(json_object_get(doc, "community_id")), cid);

    json_t *a = json_object_get(doc, "alert");
    assert_string_equal(json_string_value(json_object_get(a, "action")), "allowed");
    assert_int_equal(json_integer_value(json_object_get(a, "gid")), 1);
    assert_int_equal(json_integer_value(json_object_get(a, "signature_id")), 2300001);
    assert_int_equal(json_integer_value(json_object_get(a, "rev")), 2);
    assert_string_equal(json_string_value(json_object_get(a, "signature")),
                        "SEQWATCH SYN-ACK with a bad ACK");
    assert_string_equal(json_string_value(json_object_get(a, "category")), "Misc Attack");
    assert_int_equal(json_integer_value(json_object_get(a, "severity")), 2);
    assert_null(json_object_get(a, "metadata"));

    const char *id = json_string_value(json_object_get(doc, "alert_id"));
    assert_non_null(id);
    assert_int_equal(strlen(id), 36);
    assert_true(id[8] == '-' && id[13] == '-' && id[18] == '-' && id[23] == '-');
    assert_true(id[14] == '8');                                  /* UUID version 8 */
    assert_non_null(strchr("89ab", id[19]));                     /* RFC 9562 variant */

    json_t *h = json_object_get(doc, "hijack");
    const sw_event_def *def = sw_event_def_get(SW_EV_SYNACK_BAD_ACK);
    assert_string_equal(json_string_value(json_object_get(h, "event")), def->name);
    assert_string_equal(json_string_value(json_object_get(h, "description")), def->description);
    assert_string_equal(json_string_value(json_object_get(h, "direction")), "to_client");
    assert_string_equal(json_string_value(json_object_get(h, "client_state")),
                        sw_tcp_state_name(SW_TCPS_SYN_SENT));
    assert_string_equal(json_string_value(json_object_get(h, "server_state")),
                        sw_tcp_state_name(SW_TCPS_SYN_RCVD));
    assert_int_equal(json_integer_value(json_object_get(h, "conn_instance")), 3);
    assert_true(json_equal(json_object_get(h, "evidence"), ev.evidence));
    assert_true(json_equal(json_object_get(h, "packets"), ev.packets));
    assert_true(json_equal(json_object_get(h, "ruled_out"), ev.ruled_out));
    assert_true(json_is_array(json_object_get(h, "related")));
    assert_int_equal(json_array_size(json_object_get(h, "related")), 0);

    /* the document owns copies: changing the event afterwards changes nothing */
    json_object_set_new(ev.evidence, "ack", json_integer(1));
    assert_int_equal(json_integer_value(json_object_get(json_object_get(h, "evidence"), "ack")), 999);

    json_decref(doc);
    sw_event_clear(&ev);
}

static void test_vlan_ipv6_metadata(void **state)
{
    (void)state;
    sw_event ev;
    make_event(&ev);
    ev.ip_version = 6;
    inet_pton(AF_INET6, "2001:db8::1", ev.src_ip);
    inet_pton(AF_INET6, "2001:db8::2:0:0:7", ev.dst_ip);
    ev.nvlan = 2;
    ev.vlan[0] = 100;
    ev.vlan[1] = 7;
    sw_rule_match m = match;
    m.classtype = "seqwatch-custom";
    m.metadata = "created_at 2024_01_01, tag hijack, tag tcp ,flag";
    json_t *doc = sw_alert_to_json(&ev, &m, "alert", "s", 1);
    assert_string_equal(json_string_value(json_object_get(doc, "src_ip")), "2001:db8::1");
    assert_string_equal(json_string_value(json_object_get(doc, "dest_ip")), "2001:db8::2:0:0:7");
    json_t *v = json_object_get(doc, "vlan");
    assert_int_equal(json_array_size(v), 2);
    assert_int_equal(json_integer_value(json_array_get(v, 0)), 100);
    assert_int_equal(json_integer_value(json_array_get(v, 1)), 7);
    json_t *a = json_object_get(doc, "alert");
    assert_string_equal(json_string_value(json_object_get(a, "category")), "seqwatch-custom");
    json_t *md = json_object_get(a, "metadata");
    json_t *want = json_pack("{s:[s], s:[s,s], s:[s]}", "created_at", "2024_01_01", "tag", "hijack",
                             "tcp", "flag", "");
    assert_true(json_equal(md, want));
    json_decref(want);
    json_decref(doc);
    sw_event_clear(&ev);
}

static void test_anomaly(void **state)
{
    (void)state;
    sw_event ev;
    make_event(&ev);
    ev.id = SW_EV_CHALLENGE_ACK;
    json_t *doc = sw_alert_to_json(&ev, NULL, "anomaly", "s", 1);
    assert_string_equal(json_string_value(json_object_get(doc, "event_type")), "anomaly");
    assert_null(json_object_get(doc, "alert"));
    json_t *an = json_object_get(doc, "anomaly");
    assert_string_equal(json_string_value(json_object_get(an, "type")), "stream");
    assert_string_equal(json_string_value(json_object_get(an, "event")),
                        sw_event_def_get(SW_EV_CHALLENGE_ACK)->name);
    assert_non_null(json_object_get(doc, "hijack"));
    json_decref(doc);
    sw_event_clear(&ev);
}

static void test_determinism(void **state)
{
    (void)state;
    sw_event ev;
    make_event(&ev);
    json_t *d1 = sw_alert_to_json(&ev, &match, "alert", "sensor-a", 7);
    json_t *d2 = sw_alert_to_json(&ev, &match, "alert", "sensor-a", 7);
    char *t1 = sw_alert_dumps(d1), *t2 = sw_alert_dumps(d2);
    assert_string_equal(t1, t2);
    assert_null(strchr(t1, '\n'));
    const char *id = json_string_value(json_object_get(d1, "alert_id"));

    /* the id changes with each of its inputs */
    char other[37];
    sw_alert_id("sensor-a", ev.flow_id, ev.conn_instance, ev.ts_us, match.sid, "synack_bad_ack", 7,
                other);
    assert_string_equal(other, id);
    sw_alert_id("sensor-b", ev.flow_id, ev.conn_instance, ev.ts_us, match.sid, "synack_bad_ack", 7,
                other);
    assert_string_not_equal(other, id);
    sw_alert_id("sensor-a", ev.flow_id, ev.conn_instance, ev.ts_us, match.sid, "synack_bad_ack", 8,
                other);
    assert_string_not_equal(other, id);
    sw_alert_id("sensor-a", ev.flow_id, ev.conn_instance + 1, ev.ts_us, match.sid,
                "synack_bad_ack", 7, other);
    assert_string_not_equal(other, id);
    sw_alert_id("sensor-a", ev.flow_id, ev.conn_instance, ev.ts_us + 1, match.sid,
                "synack_bad_ack", 7, other);
    assert_string_not_equal(other, id);
    /* field boundaries are part of the hash */
    char x1[37], x2[37];
    sw_alert_id("ab", 0, 0, 0, 0, "c", 0, x1);
    sw_alert_id("a", 0, 0, 0, 0, "bc", 0, x2);
    assert_string_not_equal(x1, x2);

    free(t1);
    free(t2);
    json_decref(d1);
    json_decref(d2);
    sw_event_clear(&ev);
}

static void test_classtypes(void **state)
{
    (void)state;
    assert_string_equal(sw_classtype_description("attempted-dos"), "Attempted Denial of Service");
    assert_string_equal(sw_classtype_description("bad-unknown"), "Potentially Bad Traffic");
    assert_string_equal(sw_classtype_description("nope"), "nope");
    assert_string_equal(sw_classtype_description(NULL), "");
    /* every classtype the event catalogue uses has a description */
    for (int id = 0; id < SW_EV_COUNT; id++) {
        const sw_event_def *d = sw_event_def_get((sw_event_id)id);
        assert_non_null(d);
        if (d->classtype)
            assert_string_not_equal(sw_classtype_description(d->classtype), d->classtype);
    }
}

/* The Community ID spec's published baseline (corelight/community-id-spec,
 * baseline/baseline_deflt.json, seed 0): the port-based protocols, both directions. */
static void test_community_id_vectors(void **state)
{
    (void)state;
    static const struct {
        const char *s, *d;
        uint16_t sp, dp;
        uint8_t proto;
        const char *want;
    } v[] = {
        {"128.232.110.120", "66.35.250.204", 34855, 80, 6, "1:LQU9qZlK+B5F3KDmev6m5PMibrg="},
        {"66.35.250.204", "128.232.110.120", 80, 34855, 6, "1:LQU9qZlK+B5F3KDmev6m5PMibrg="},
        {"2001:470:e5bf:dead:4957:2174:e82c:4887", "2607:f8b0:400c:c03::1a", 63943, 25, 6,
         "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4="},
        {"2607:f8b0:400c:c03::1a", "2001:470:e5bf:dead:4957:2174:e82c:4887", 25, 63943, 6,
         "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4="},
        {"192.168.1.52", "8.8.8.8", 54585, 53, 17, "1:d/FP5EW3wiY1vCndhwleRRKHowQ="},
        {"8.8.8.8", "192.168.1.52", 53, 54585, 17, "1:d/FP5EW3wiY1vCndhwleRRKHowQ="},
        {"192.168.170.8", "192.168.170.56", 7, 7, 132, "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs="},
        {"192.168.170.56", "192.168.170.8", 7, 7, 132, "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs="},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        char out[SW_COMMUNITY_ID_LEN];
        assert_int_equal(sw_community_id_text(v[i].s, v[i].d, v[i].sp, v[i].dp, v[i].proto, out,
                                              sizeof out), 0);
        assert_string_equal(out, v[i].want);
    }
    char small[8];
    assert_int_equal(sw_community_id_text("10.0.0.1", "10.0.0.2", 1, 2, 6, small, sizeof small), -1);
    assert_int_equal(sw_community_id_text("10.0.0.1", "::1", 1, 2, 6, small, sizeof small), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_timestamp_format), cmocka_unit_test(test_timestamp_parse),
        cmocka_unit_test(test_alert_fields),     cmocka_unit_test(test_vlan_ipv6_metadata),
        cmocka_unit_test(test_anomaly),          cmocka_unit_test(test_determinism),
        cmocka_unit_test(test_classtypes),       cmocka_unit_test(test_community_id_vectors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
