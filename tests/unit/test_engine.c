/*
 * test_engine.c — the public API end to end: a trace built with the packet builder
 * goes through sw_engine_feed; alerts arrive through the callback with a complete
 * JSON document, stream bytes arrive in order, stats count what was fed, and a
 * bad configuration or rule text is refused with a clear message.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <unistd.h>
#include <cmocka.h>
#include <jansson.h>
#include <pcap/pcap.h>

#include "seqwatch.h"
#include "detector/packet.h"
#include "pktbuild.h"

typedef struct {
    int alerts;
    char events[16][48];
    uint64_t stream_bytes[2];
    int closes;
    json_t *last_doc;
} rec_t;

static void on_alert(void *u, const sw_alert *a)
{
    rec_t *r = u;
    if (r->alerts < 16)
        snprintf(r->events[r->alerts], sizeof(r->events[0]), "%s", a->event);
    r->alerts++;
    json_error_t je;
    json_decref(r->last_doc);
    r->last_doc = json_loads(a->json, 0, &je);
}

static void on_stream(void *u, const sw_stream_chunk *c)
{
    rec_t *r = u;
    if (c->kind == SW_STREAM_DATA && c->dir >= 0 && c->dir <= 1)
        r->stream_bytes[c->dir] += c->len;
    if (c->kind == SW_STREAM_CLOSE)
        r->closes++;
}

static void feed(void *u, int lt, uint64_t ts, const uint8_t *f, uint32_t len)
{
    sw_engine_feed(u, lt, ts, f, len, len);
}

static sw_engine *new_engine(rec_t *r)
{
    sw_config cfg;
    sw_config_init(&cfg);
    cfg.sensor_name = "unit";
    cfg.seed_set = 1;
    char err[256];
    sw_engine *e = sw_engine_new(&cfg, err, sizeof(err));
    assert_non_null(e);
    sw_engine_set_alert_cb(e, on_alert, r);
    sw_engine_set_stream_cb(e, on_stream, r);
    return e;
}

static void test_clean_session_streams_and_no_alert(void **state)
{
    (void)state;
    rec_t r;
    memset(&r, 0, sizeof(r));
    sw_engine *e = new_engine(&r);
    pb_trace t;
    pb_trace_init(&t, 1, 1700000000000000ull);
    pb_conn c;
    pb_conn_init(&c, &t, "10.1.0.1", 40000, "10.1.0.2", 80, 1000, 5000);
    c.ts = 1;
    pb_conn_handshake(&c);
    pb_conn_send(&c, 0, "GET / HTTP/1.0\r\n\r\n", 18);
    pb_conn_ack(&c, 1);
    pb_conn_send(&c, 1, "HTTP/1.0 200 OK\r\n\r\nhello", 24);
    pb_conn_ack(&c, 0);
    pb_conn_fin(&c, 0);
    pb_conn_ack(&c, 1);
    pb_conn_fin(&c, 1);
    pb_conn_ack(&c, 0);
    pb_trace_each(&t, feed, e);
    sw_engine_flush(e);
    sw_stats st;
    sw_engine_get_stats(e, &st);
    assert_int_equal(st.packets, t.n);
    assert_int_equal(st.tcp_connections, 1);
    assert_int_equal(st.conn_handshake, 1);
    assert_int_equal(r.stream_bytes[0], 18);
    assert_int_equal(r.stream_bytes[1], 24);
    assert_int_equal(r.alerts, 0);
    sw_engine_free(e);
    pb_trace_free(&t);
    json_decref(r.last_doc);
}

static void test_synack_bad_ack_alert_has_eve_fields(void **state)
{
    (void)state;
    rec_t r;
    memset(&r, 0, sizeof(r));
    sw_engine *e = new_engine(&r);
    pb_trace t;
    pb_trace_init(&t, 1, 1700000000000000ull);
    pb_conn c;
    pb_conn_init(&c, &t, "10.1.0.1", 40001, "10.1.0.2", 80, 1000, 5000);
    pb_seg s;
    pb_conn_seg(&c, 0, &s);
    s.flags = SW_TH_SYN;
    s.ack = 0;
    s.mss = 1460;
    pb_trace_add(&t, &s);
    pb_tick(&t, 1000);
    pb_conn_seg(&c, 1, &s);
    s.flags = SW_TH_SYN | SW_TH_ACK;
    s.ack = 777777;          /* not the client's ISN + 1 */
    s.mss = 1460;
    pb_trace_add(&t, &s);
    pb_trace_each(&t, feed, e);
    sw_engine_flush(e);
    assert_true(r.alerts >= 1);
    int found = 0;
    for (int i = 0; i < r.alerts && i < 16; i++)
        found |= strcmp(r.events[i], "synack_bad_ack") == 0;
    assert_true(found);
    sw_engine_free(e);
    pb_trace_free(&t);
    json_decref(r.last_doc);
}

/* A SYN and a SYN-ACK that acknowledges `ack` instead of the client's ISN + 1. */
static void synack_bad_trace(pb_trace *t, uint16_t sport, uint32_t ack)
{
    pb_trace_init(t, 1, 1700000000000000ull);
    pb_conn c;
    pb_conn_init(&c, t, "10.1.0.1", sport, "10.1.0.2", 80, 1000, 5000);
    pb_seg s;
    pb_conn_seg(&c, 0, &s);
    s.flags = SW_TH_SYN;
    s.ack = 0;
    pb_trace_add(t, &s);
    pb_conn_seg(&c, 1, &s);
    s.flags = SW_TH_SYN | SW_TH_ACK;
    s.ack = ack;
    pb_trace_add(t, &s);
}

static void test_alert_document_fields(void **state)
{
    (void)state;
    rec_t r;
    memset(&r, 0, sizeof(r));
    sw_engine *e = new_engine(&r);
    pb_trace t;
    synack_bad_trace(&t, 40002, 424242);
    pb_trace_each(&t, feed, e);
    sw_engine_flush(e);
    assert_non_null(r.last_doc);
    const char *keys[] = {"timestamp", "flow_id", "pcap_cnt", "event_type", "src_ip", "src_port",
                          "dest_ip", "dest_port", "proto", "community_id", "alert", "host",
                          "alert_id", "hijack"};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        assert_non_null(json_object_get(r.last_doc, keys[i]));
    assert_string_equal(json_string_value(json_object_get(r.last_doc, "event_type")), "alert");
    assert_string_equal(json_string_value(json_object_get(r.last_doc, "host")), "unit");
    /* the SYN-ACK, the second frame fed, raised it */
    assert_int_equal(json_integer_value(json_object_get(r.last_doc, "pcap_cnt")), 2);
    assert_true(json_integer_value(json_object_get(r.last_doc, "flow_id")) < (1ll << 51));
    json_t *h = json_object_get(r.last_doc, "hijack");
    assert_string_equal(json_string_value(json_object_get(h, "event")), "synack_bad_ack");
    sw_engine_free(e);
    pb_trace_free(&t);
    json_decref(r.last_doc);
}

static void test_bad_rules_refused(void **state)
{
    (void)state;
    sw_config cfg;
    sw_config_init(&cfg);
    cfg.rules_text = "alert tcp any any -> any any (msg:\"x\"; event:no_such_event; sid:1;)\n";
    char err[256] = "";
    sw_engine *e = sw_engine_new(&cfg, err, sizeof(err));
    assert_null(e);
    assert_non_null(strstr(err, ":1:"));
}

static void test_uninitialised_config_refused(void **state)
{
    (void)state;
    sw_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    char err[256] = "";
    assert_null(sw_engine_new(&cfg, err, sizeof(err)));
    assert_true(strlen(err) > 0);
}

static void test_unknown_linktype(void **state)
{
    (void)state;
    rec_t r;
    memset(&r, 0, sizeof(r));
    sw_engine *e = new_engine(&r);
    uint8_t junk[64] = {0};
    assert_int_equal(sw_engine_feed(e, 9999, 1, junk, sizeof(junk), sizeof(junk)), -1);
    assert_false(sw_linktype_supported(9999));
    assert_true(sw_linktype_supported(SW_LINK_ETHERNET));
    sw_engine_free(e);
}

/* A trace whose SYN-ACK acknowledges the wrong ISN: one synack_bad_ack event. */
static int synack_alerts(const sw_config *cfg, sw_engine **keep)
{
    rec_t r;
    memset(&r, 0, sizeof(r));
    char err[512] = "";
    sw_engine *e = sw_engine_new(cfg, err, sizeof(err));
    if (!e)
        fail_msg("engine: %s", err);
    sw_engine_set_alert_cb(e, on_alert, &r);
    pb_trace t;
    synack_bad_trace(&t, 40001, 777777);
    pb_trace_each(&t, feed, e);
    sw_engine_flush(e);
    pb_trace_free(&t);
    json_decref(r.last_doc);
    if (keep)
        *keep = e;
    else
        sw_engine_free(e);
    return r.alerts;
}

static void test_site_rule_files(void **state)
{
    (void)state;
    char site[] = "/tmp/sw_engine_site_XXXXXX";
    int fd = mkstemp(site);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("pass tcp 10.1.0.0/16 any <> any any (event:synack_bad_ack; sid:1000001;)\n", f);
    fclose(f);
    const char *files[] = { site, NULL };
    sw_config cfg;
    sw_config_init(&cfg);
    cfg.seed_set = 1;
    assert_true(synack_alerts(&cfg, NULL) >= 1);          /* the default rules alert */
    cfg.rules_files = files;
    assert_int_equal(synack_alerts(&cfg, NULL), 0);       /* the site pass rule silences */

    /* a site alert rule without the default rules; SIGHUP-style reload re-reads it */
    f = fopen(site, "w");
    fputs("alert tcp any any <> any any (event:synack_bad_ack; sid:1000002;)\n", f);
    fclose(f);
    cfg.no_default_rules = 1;
    sw_engine *e = NULL;
    assert_int_equal(synack_alerts(&cfg, &e), 1);
    f = fopen(site, "w");
    fputs("alert tcp any any <> any any (event:synack_bad_ack; sid:1000002; bogus:1;)\n", f);
    fclose(f);
    char err[512] = "";
    assert_int_equal(sw_engine_reload_rules(e, NULL, err, sizeof(err)), -1);
    char expect[600];
    snprintf(expect, sizeof(expect), "%s:1: ", site);
    assert_memory_equal(err, expect, strlen(expect));
    f = fopen(site, "w");
    fputs("# nothing\n", f);
    fclose(f);
    assert_int_equal(sw_engine_reload_rules(e, NULL, err, sizeof(err)), 0);
    sw_engine_free(e);
    unlink(site);

    /* a caller built against API version 1 passes the shorter struct */
    sw_config_init(&cfg);
    cfg.seed_set = 1;
    cfg.struct_size = (uint32_t)offsetof(sw_config, rules_files);
    assert_true(synack_alerts(&cfg, NULL) >= 1);
}

/* ---- the demo capture: one hijacked connection ---- */

typedef struct {
    int n;
    json_t *docs[32];
} docs_t;

static void keep_doc(void *u, const sw_alert *a)
{
    docs_t *d = u;
    json_error_t je;
    if (d->n < 32)
        d->docs[d->n++] = json_loads(a->json, 0, &je);
}

/* Run the demo capture; 0 and nothing recorded without SW_SOURCE_DIR. */
static int run_demo(sw_config *cfg, docs_t *d)
{
    memset(d, 0, sizeof(*d));
    const char *src = getenv("SW_SOURCE_DIR");
    if (!src)
        return 0;
    char path[4096], eb[PCAP_ERRBUF_SIZE], err[256];
    snprintf(path, sizeof path, "%s/tests/traces/demo-hijack.pcap", src);
    pcap_t *pc = pcap_open_offline(path, eb);
    assert_non_null(pc);
    cfg->sensor_name = "unit";
    cfg->seed_set = 1;
    sw_engine *e = sw_engine_new(cfg, err, sizeof(err));
    assert_non_null(e);
    sw_engine_set_alert_cb(e, keep_doc, d);
    struct pcap_pkthdr *h;
    const u_char *data;
    while (pcap_next_ex(pc, &h, &data) == 1)
        sw_engine_feed(e, pcap_datalink(pc), (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec,
                       data, h->caplen, h->len);
    pcap_close(pc);
    sw_engine_free(e);
    return 1;
}

/* The demo with a threshold file of the given text. */
static void run_demo_suppressed(const char *threshold, docs_t *d)
{
    char tf[] = "/tmp/sw_engine_thr_XXXXXX";
    int fd = mkstemp(tf);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    assert_non_null(f);
    fputs(threshold, f);
    fclose(f);
    sw_config cfg;
    sw_config_init(&cfg);
    cfg.threshold_file = tf;
    run_demo(&cfg, d);
    unlink(tf);
}

static void docs_free(docs_t *d)
{
    for (int i = 0; i < d->n; i++)
        json_decref(d->docs[i]);
}

static const char *doc_event(const json_t *doc)
{
    return json_string_value(json_object_get(json_object_get(doc, "hijack"), "event"));
}

/* hijack.also of doc: the events it lists, comma-separated, into buf. */
static const char *also_events(const json_t *doc, char *buf, size_t len)
{
    json_t *also = json_object_get(json_object_get(doc, "hijack"), "also");
    size_t i, o = 0;
    json_t *v;
    buf[0] = 0;
    json_array_foreach(also, i, v) {
        assert_true(json_is_object(json_object_get(v, "evidence")));
        assert_true(json_is_integer(json_object_get(v, "signature_id")));
        o += (size_t)snprintf(buf + o, len - o, "%s%s", o ? "," : "",
                              json_string_value(json_object_get(v, "event")));
    }
    return buf;
}

/* The forged packet's three fingerprint events are one alert, the desync that
 * completes the takeover is in the verdict's alert, the ack_storm after it is in the
 * verdict's closing update; each event is still matched by the rules on its own:
 * suppressing the most severe member leaves the others. */
static void test_demo_one_alert_per_packet(void **state)
{
    (void)state;
    docs_t d;
    sw_config cfg;
    sw_config_init(&cfg);
    if (!run_demo(&cfg, &d))
        skip();
    char b[256];
    assert_int_equal(d.n, 4);
    assert_string_equal(doc_event(d.docs[0]), "tsval_regression");
    assert_string_equal(also_events(d.docs[0], b, sizeof b), "ttl_anomaly,mac_change");
    assert_string_equal(doc_event(d.docs[1]), "overlap_mismatch");
    assert_string_equal(also_events(d.docs[1], b, sizeof b), "");
    assert_string_equal(doc_event(d.docs[2]), "session_takeover");
    assert_string_equal(also_events(d.docs[2], b, sizeof b), "desync");
    /* the ack storm that follows the takeover: counted into the verdict, listed in its
     * closing update (same alert_id) with its own timestamp */
    assert_string_equal(doc_event(d.docs[3]), "session_takeover");
    assert_string_equal(also_events(d.docs[3], b, sizeof b), "desync,ack_storm");
    json_t *f3 = json_object_get(json_object_get(d.docs[3], "hijack"), "fold");
    assert_true(json_is_true(json_object_get(f3, "final")));
    assert_int_equal(json_integer_value(json_object_get(f3, "count")), 1);
    assert_int_equal(json_integer_value(json_object_get(f3, "absorbed")), 1);
    json_t *st = json_array_get(json_object_get(json_object_get(d.docs[3], "hijack"), "also"), 1);
    assert_string_equal(json_string_value(json_object_get(st, "timestamp")),
                        "2023-11-14T22:13:21.179000+0000");
    /* the verdict is the incident's parent: it lists the two alerts before it, the
     * ack_storm after it points to it */
    const char *ids[4];
    for (int i = 0; i < 4; i++)
        ids[i] = json_string_value(json_object_get(d.docs[i], "alert_id"));
    json_t *h2 = json_object_get(d.docs[2], "hijack");
    json_t *inc = json_object_get(h2, "incident");
    assert_string_equal(json_string_value(json_object_get(inc, "id")), ids[2]);
    assert_string_equal(json_string_value(json_object_get(inc, "verdict")), "session_takeover");
    json_t *chain = json_object_get(inc, "chain");
    assert_int_equal(json_array_size(chain), 2);
    assert_string_equal(json_string_value(json_array_get(chain, 0)), ids[0]);
    assert_string_equal(json_string_value(json_array_get(chain, 1)), ids[1]);
    assert_string_equal(json_string_value(json_object_get(h2, "incident_id")), ids[2]);
    assert_string_equal(ids[3], ids[2]);                   /* the update */
    assert_string_equal(json_string_value(json_object_get(json_object_get(d.docs[3], "hijack"),
                                                          "incident_id")), ids[2]);
    for (int i = 0; i < 2; i++)       /* written before the verdict: linked by its chain */
        assert_null(json_object_get(json_object_get(d.docs[i], "hijack"), "incident_id"));
    docs_free(&d);

    run_demo_suppressed("suppress gen_id 1, sig_id 2300013\n"       /* tsval_regression */
                        "suppress gen_id 1, sig_id 2300018\n", &d); /* desync */
    assert_int_equal(d.n, 4);
    assert_string_equal(doc_event(d.docs[0]), "ttl_anomaly");    /* the first of equals */
    assert_string_equal(also_events(d.docs[0], b, sizeof b), "mac_change");
    assert_string_equal(doc_event(d.docs[2]), "session_takeover");
    assert_string_equal(also_events(d.docs[2], b, sizeof b), "");
    docs_free(&d);

    /* an ack_storm suppressed by its rule is not absorbed either: no update */
    run_demo_suppressed("suppress gen_id 1, sig_id 2300017\n", &d);  /* ack_storm */
    assert_int_equal(d.n, 3);
    assert_string_equal(also_events(d.docs[2], b, sizeof b), "desync");
    docs_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clean_session_streams_and_no_alert),
        cmocka_unit_test(test_synack_bad_ack_alert_has_eve_fields),
        cmocka_unit_test(test_alert_document_fields),
        cmocka_unit_test(test_bad_rules_refused),
        cmocka_unit_test(test_uninitialised_config_refused),
        cmocka_unit_test(test_unknown_linktype),
        cmocka_unit_test(test_site_rule_files),
        cmocka_unit_test(test_demo_one_alert_per_packet),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
