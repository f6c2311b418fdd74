/*
 * test_query.c — reading alerts back: time parsing (relative and ISO 8601), every
 * filter (alone and combined, values bound not pasted: a quote in a value is just
 * a character), --limit keeping the most recent, the four output formats (table,
 * JSON array equal to the stored documents, JSON lines byte for byte, CSV per RFC
 * 4180), the statistics, and finding an alert by id or unique prefix.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <cmocka.h>
#include <jansson.h>

#include "storage/store.h"
#include "storage/query.h"
#include "storage/ingest.h"
#include "storage/alert_json.h"

#define T0 1709643732000000ull   /* 2024-03-05T13:02:12Z */
#define NALERTS 40
#define STEP 120000000ull     /* two minutes between alerts */

static char dir[256];
static sqlite3 *db;
static char *texts[NALERTS];

static void quiet(void *u, const char *m)
{
    (void)u;
    (void)m;
}

/* 40 seqwatch alerts: i-th at T0 + 2i minutes, events cycling over 4, severities
 * 1..3, two host pairs (alternating direction), two sensors; plus the EVE sample. */
static char *make_alert(int i)
{
    static const sw_event_id ids[] = {SW_EV_RST_INJECTION, SW_EV_OVERLAP_MISMATCH,
                                      SW_EV_ACK_STORM, SW_EV_SYNACK_BAD_ACK};
    sw_event ev;
    memset(&ev, 0, sizeof ev);
    ev.id = ids[i % 4];
    ev.ts_us = T0 + (uint64_t)i * STEP;
    ev.ip_version = 4;
    const char *a = i % 10 < 7 ? "10.0.0.1" : "192.0.2.9";
    const char *b = "10.0.0.2";
    inet_pton(AF_INET, i % 2 ? a : b, ev.src_ip);
    inet_pton(AF_INET, i % 2 ? b : a, ev.dst_ip);
    ev.sport = i % 2 ? 40000 : 443;
    ev.dport = i % 2 ? 443 : 40000;
    ev.dir = i % 2 ? 0 : 1;
    ev.flow_id = 5000u + (uint64_t)(i % 3);
    sw_rule_match m = {.sid = 2300001u + (uint32_t)ev.id, .gid = 1, .rev = 1,
                       .msg = i == 7 ? "He said \"hi\", then, left" : "msg",
                       .classtype = "misc-attack", .priority = 1 + i % 3};
    json_t *doc = sw_alert_to_json(&ev, &m, "alert", i % 4 == 3 ? "edge" : "core", (uint64_t)i);
    char *t = sw_alert_dumps(doc);
    json_decref(doc);
    sw_event_clear(&ev);
    return t;
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/sw_test_query.XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    char path[300], err[256];
    snprintf(path, sizeof path, "%s/q.db", dir);
    db = sw_store_open(path, 0, err, sizeof err);
    if (!db)
        return -1;
    sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
    for (int i = 0; i < NALERTS; i++) {
        texts[i] = make_alert(i);
        json_error_t je;
        json_t *d = json_loads(texts[i], 0, &je);
        if (sw_store_insert(db, d, texts[i], err, sizeof err) != 1)
            return -1;
        json_decref(d);
    }
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    const char *src = getenv("SW_SOURCE_DIR");
    char eve[512];
    snprintf(eve, sizeof eve, "%s/tests/data/eve_sample.json", src ? src : ".");
    const char *files[] = {eve};
    sw_ingest_opts o;
    sw_ingest_opts_init(&o);
    o.report = quiet;
    sw_ingest_stats st;
    if (sw_ingest_files(db, files, 1, &o, &st, err, sizeof err) != 0 || st.loaded != 5)   /* 4 alerts and an anomaly record */
        return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    sw_store_close(db);
    for (int i = 0; i < NALERTS; i++)
        free(texts[i]);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Run a query into a string. */
static char *run(const sw_query_filter *f, sw_query_format fmt, long *count)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    char err[256];
    *count = sw_query_print(db, f, fmt, out, err, sizeof err);
    fclose(out);
    assert_true(*count >= 0);
    /* a heap copy: GCC 12 at -O3 takes the memstream buffer for a pointer into this
     * frame (a false -Wdangling-pointer in the callers) */
    char *res = strdup(buf ? buf : "");
    free(buf);
    assert_non_null(res);
    return res;
}

static long count_of(const sw_query_filter *f)
{
    long n;
    free(run(f, SW_QFMT_JSONL, &n));
    return n;
}

static void test_parse_time(void **state)
{
    (void)state;
    uint64_t now = T0, t;
    assert_int_equal(sw_query_parse_time("2h", now, &t), 0);
    assert_true(t == T0 - 7200000000ull);
    assert_int_equal(sw_query_parse_time("30s", now, &t), 0);
    assert_true(t == T0 - 30000000ull);
    assert_int_equal(sw_query_parse_time("15m", now, &t), 0);
    assert_true(t == T0 - 900000000ull);
    assert_int_equal(sw_query_parse_time("7d", now, &t), 0);
    assert_true(t == T0 - 7ull * 86400000000ull);
    assert_int_equal(sw_query_parse_time("1w", now, &t), 0);
    assert_true(t == T0 - 7ull * 86400000000ull);
    assert_int_equal(sw_query_parse_time("now", now, &t), 0);
    assert_true(t == T0);
    assert_int_equal(sw_query_parse_time("2024-03-05T14:02:12+0100", now, &t), 0);
    assert_true(t == T0);
    assert_int_equal(sw_query_parse_time("2024-03-05", now, &t), 0);
    assert_true(t == 1709596800000000ull);
    assert_int_equal(sw_query_parse_time("99999d", now, &t), 0);
    assert_true(t == 0);   /* before the epoch: clamped */
    const char *bad[] = {"", "2", "h", "2x", "2hours", "-2h", "yesterday", NULL};
    for (int i = 0; bad[i]; i++)
        assert_int_equal(sw_query_parse_time(bad[i], now, &t), -1);
}

static void test_filters(void **state)
{
    (void)state;
    sw_query_filter f;
    sw_query_filter_init(&f);
    assert_int_equal(count_of(&f), NALERTS + 5);

    f.source = "seqwatch";
    assert_int_equal(count_of(&f), NALERTS);
    f.source = "suricata";
    assert_int_equal(count_of(&f), 5);     /* 4 alerts and the anomaly record */

    sw_query_filter_init(&f);
    f.has_since = 1;
    f.since_us = T0 + 10 * STEP;                 /* inclusive */
    f.has_until = 1;
    f.until_us = T0 + 20 * STEP;                 /* exclusive */
    f.source = "seqwatch";
    assert_int_equal(count_of(&f), 10);

    sw_query_filter_init(&f);
    f.events[f.nevents++] = "rst_injection";
    assert_int_equal(count_of(&f), 10);
    f.events[f.nevents++] = "ack_storm";
    assert_int_equal(count_of(&f), 20);

    sw_query_filter_init(&f);
    f.sids[f.nsids++] = 2210045;
    assert_int_equal(count_of(&f), 1);
    f.sids[f.nsids++] = 2300001 + SW_EV_OVERLAP_MISMATCH;
    assert_int_equal(count_of(&f), 11);

    sw_query_filter_init(&f);
    f.severities[f.nseverities++] = 1;
    f.source = "seqwatch";
    assert_int_equal(count_of(&f), 14);   /* i % 3 == 0 for i < 40 */
    f.severities[f.nseverities++] = 3;
    assert_int_equal(count_of(&f), 27);

    /* addresses: either side, one side, canonical form */
    sw_query_filter_init(&f);
    f.ip = "192.0.2.9";
    assert_int_equal(count_of(&f), 12);
    f.ip = NULL;
    f.src = "192.0.2.9";
    assert_int_equal(count_of(&f), 8);   /* the odd ones */
    f.src = NULL;
    f.dst = "192.0.2.9";
    assert_int_equal(count_of(&f), 4);
    sw_query_filter_init(&f);
    f.ip = "2001:DB8:10:0:0::7";
    assert_int_equal(count_of(&f), 1);

    sw_query_filter_init(&f);
    f.port = 443;
    assert_int_equal(count_of(&f), NALERTS + 3);   /* two EVE alerts and the anomaly record */
    f.port = 40000;
    assert_int_equal(count_of(&f), NALERTS);

    sw_query_filter_init(&f);
    f.sensor = "edge";
    assert_int_equal(count_of(&f), 10);
    f.sensor = "ids-lab-1";
    assert_int_equal(count_of(&f), 5);
    f.sensor = "edge' OR '1'='1";   /* bound as a value: matches nothing */
    assert_int_equal(count_of(&f), 0);

    sw_query_filter_init(&f);
    f.has_flow = 1;
    f.flow_id = 5001;
    assert_int_equal(count_of(&f), 13);
    f.flow_id = 1180234470011983ll;
    assert_int_equal(count_of(&f), 3);   /* two alerts and the anomaly record of that flow */

    /* combined */
    sw_query_filter_init(&f);
    f.events[f.nevents++] = "overlap_mismatch";
    f.ip = "192.0.2.9";
    f.severities[f.nseverities++] = 2;
    long n = count_of(&f);
    int want = 0;
    for (int i = 0; i < NALERTS; i++)
        if (i % 4 == 1 && i % 10 >= 7 && i % 3 == 1)
            want++;
    assert_int_equal(n, want);
}

static void test_limit_and_order(void **state)
{
    (void)state;
    sw_query_filter f;
    sw_query_filter_init(&f);
    f.source = "seqwatch";
    f.limit = 5;
    long n;
    char *out = run(&f, SW_QFMT_JSONL, &n);
    assert_int_equal(n, 5);
    /* the five most recent, oldest first */
    char *p = out;
    for (int i = NALERTS - 5; i < NALERTS; i++) {
        char *nl = strchr(p, '\n');
        assert_non_null(nl);
        assert_int_equal((size_t)(nl - p), strlen(texts[i]));
        assert_memory_equal(p, texts[i], strlen(texts[i]));
        p = nl + 1;
    }
    assert_int_equal(*p, '\0');
    free(out);
}

static void test_formats(void **state)
{
    (void)state;
    sw_query_filter f;
    sw_query_filter_init(&f);
    f.source = "seqwatch";
    long n;

    /* jsonl: the stored documents, byte for byte */
    char *out = run(&f, SW_QFMT_JSONL, &n);
    assert_int_equal(n, NALERTS);
    size_t off = 0;
    for (int i = 0; i < NALERTS; i++) {
        assert_memory_equal(out + off, texts[i], strlen(texts[i]));
        off += strlen(texts[i]);
        assert_int_equal(out[off], '\n');
        off++;
    }
    free(out);

    /* json: one array of the same documents */
    out = run(&f, SW_QFMT_JSON, &n);
    json_error_t je;
    json_t *arr = json_loads(out, 0, &je);
    assert_non_null(arr);
    assert_int_equal(json_array_size(arr), NALERTS);
    for (int i = 0; i < NALERTS; i++) {
        json_t *d = json_loads(texts[i], 0, &je);
        assert_true(json_equal(d, json_array_get(arr, (size_t)i)));
        json_decref(d);
    }
    json_decref(arr);
    free(out);
    sw_query_filter none;
    sw_query_filter_init(&none);
    none.sensor = "nobody";
    out = run(&none, SW_QFMT_JSON, &n);
    assert_string_equal(out, "[]\n");
    free(out);

    /* csv: header, CRLF, RFC 4180 quoting */
    out = run(&f, SW_QFMT_CSV, &n);
    static const char header[] = "alert_id,timestamp,event_type,event,signature_id,gid,rev,"
                                 "signature,category,severity,src_ip,src_port,dest_ip,"
                                 "dest_port,proto,flow_id,sensor,source\r\n";
    assert_memory_equal(out, header, strlen(header));
    int lines = 0;
    for (char *p = out; (p = strstr(p, "\r\n")); p += 2)
        lines++;
    assert_int_equal(lines, NALERTS + 1);
    assert_null(strstr(out, "\n\n"));
    assert_non_null(strstr(out, ",\"He said \"\"hi\"\", then, left\",Misc Attack,"));
    json_t *d7 = json_loads(texts[7], 0, &je);
    char row7[256];
    snprintf(row7, sizeof row7, "\r\n%s,%s,alert,synack_bad_ack,%d,1,1,\"He said",
             json_string_value(json_object_get(d7, "alert_id")),
             json_string_value(json_object_get(d7, "timestamp")), 2300001 + SW_EV_SYNACK_BAD_ACK);
    assert_non_null(strstr(out, row7));
    json_decref(d7);
    free(out);

    /* table: header, a row per alert with the id prefix, a footer */
    out = run(&f, SW_QFMT_TABLE, &n);
    assert_memory_equal(out, "time (UTC)", 10);
    assert_non_null(strstr(out, "alert_id\n"));
    assert_non_null(strstr(out, "\n(40 alerts)\n"));
    int rows = 0;
    for (char *p = out; (p = strchr(p, '\n')); p++)
        rows++;
    assert_int_equal(rows, NALERTS + 2);
    for (int i = 0; i < NALERTS; i++) {
        json_t *d = json_loads(texts[i], 0, &je);
        char prefix[14];
        snprintf(prefix, sizeof prefix, "%s", json_string_value(json_object_get(d, "alert_id")));
        assert_non_null(strstr(out, prefix));
        json_decref(d);
    }
    assert_non_null(strstr(out, "2024-03-05 13:02:12.000  "));
    assert_non_null(strstr(out, "10.0.0.2:443"));
    /* the rows line up: all have the same width */
    char *row = strchr(out, '\n') + 1;
    size_t w = (size_t)(strchr(row, '\n') - row);
    for (int i = 0; i < NALERTS; i++) {
        assert_int_equal((size_t)(strchr(row, '\n') - row), w);
        row = strchr(row, '\n') + 1;
    }
    free(out);
}

static void test_stats(void **state)
{
    (void)state;
    sw_query_filter f;
    sw_query_filter_init(&f);
    char *buf = NULL;
    size_t len = 0;
    char err[256];
    FILE *out = open_memstream(&buf, &len);
    assert_int_equal(sw_query_stats(db, &f, SW_BUCKET_AUTO, 2, 1, out, err, sizeof err), 0);
    fclose(out);
    json_error_t je;
    json_t *s = json_loads(buf, 0, &je);
    free(buf);
    assert_non_null(s);
    assert_int_equal(json_integer_value(json_object_get(s, "total")), NALERTS + 5);
    assert_string_equal(json_string_value(json_object_get(s, "first")),
                        "2024-03-05T13:02:12.000000+0000");
    json_t *be = json_object_get(s, "by_event");
    assert_int_equal(json_array_size(be), 4 + 4);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(be, 0), "count")), 10);
    json_t *bs = json_object_get(s, "by_severity");
    /* severities 1..3, and the ingested anomaly record, which has none (null) */
    assert_int_equal(json_array_size(bs), 4);
    size_t bi;
    json_t *be1;
    int seen = 0;
    json_array_foreach(bs, bi, be1) {
        json_t *sev = json_object_get(be1, "severity");
        json_int_t cnt = json_integer_value(json_object_get(be1, "count"));
        if (json_is_null(sev)) {
            assert_int_equal(cnt, 1);
            seen |= 1;
        } else if (json_integer_value(sev) == 1) {
            assert_int_equal(cnt, 14);
            seen |= 2;
        } else if (json_integer_value(sev) == 3) {
            assert_int_equal(cnt, 13 + 4);
            seen |= 4;
        }
    }
    assert_int_equal(seen, 7);
    /* unordered host pairs, top 2 */
    json_t *hp = json_object_get(s, "by_host_pair");
    assert_int_equal(json_array_size(hp), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(hp, 0), "host_a")),
                        "10.0.0.1");
    assert_string_equal(json_string_value(json_object_get(json_array_get(hp, 0), "host_b")),
                        "10.0.0.2");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(hp, 0), "count")), 28);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(hp, 1), "count")), 12);
    /* 13:02 .. 14:20: hourly buckets; 13:02 + 2i < 14:00 for i < 29 (+ the EVE ones) */
    assert_string_equal(json_string_value(json_object_get(s, "bucket")), "hour");
    json_t *pb = json_object_get(s, "per_bucket");
    assert_int_equal(json_array_size(pb), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(pb, 0), "time")),
                        "2024-03-05T13:00Z");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(pb, 0), "count")), 29 + 5);
    assert_string_equal(json_string_value(json_object_get(json_array_get(pb, 1), "time")),
                        "2024-03-05T14:00Z");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(pb, 1), "count")), 11);
    json_decref(s);

    /* the text form, with a filter and minute buckets */
    f.events[f.nevents++] = "ack_storm";
    buf = NULL;
    out = open_memstream(&buf, &len);
    assert_int_equal(sw_query_stats(db, &f, SW_BUCKET_MINUTE, 10, 0, out, err, sizeof err), 0);
    fclose(out);
    assert_memory_equal(buf, "alerts: 10 (", 12);
    assert_non_null(strstr(buf, "\nby event\n        10  ack_storm\n"));
    assert_non_null(strstr(buf, "\nper minute (UTC)\n  2024-03-05T13:06Z"));
    free(buf);
}

/* One alert document of flow `flow` (instance 0) at T0 + i seconds. */
static json_t *inc_doc(sw_event_id id, uint64_t flow, int i, int prio)
{
    sw_event ev;
    memset(&ev, 0, sizeof ev);
    ev.id = id;
    ev.ts_us = T0 + (uint64_t)i * 1000000u;
    ev.ip_version = 4;
    inet_pton(AF_INET, "198.51.100.7", ev.src_ip);       /* the client */
    inet_pton(AF_INET, "198.51.100.8", ev.dst_ip);
    ev.sport = 41000;
    ev.dport = 23;
    ev.flow_id = flow;
    sw_rule_match m = {.sid = 2300001u + (uint32_t)id, .gid = 1, .rev = 1, .msg = "m",
                       .classtype = "misc-attack", .priority = prio};
    json_t *doc = sw_alert_to_json(&ev, &m, "alert", "inc", (uint64_t)i + 1);
    sw_event_clear(&ev);
    return doc;
}

static void put(sqlite3 *idb, json_t *doc)
{
    char err[256];
    assert_true(sw_store_insert(idb, doc, NULL, err, sizeof err) >= 0);
}

static const char *row_incident(sqlite3 *idb, const char *alert_id, char *buf, size_t len)
{
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(idb, "SELECT incident_id FROM alerts WHERE alert_id = ?1",
                                        -1, &st, NULL), SQLITE_OK);
    sqlite3_bind_text(st, 1, alert_id, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    const unsigned char *v = sqlite3_column_text(st, 0);
    snprintf(buf, len, "%s", v ? (const char *)v : "NULL");
    sqlite3_finalize(st);
    return buf;
}

/* The stored links of an incident (the parent's chain points the earlier rows to it;
 * later rows and closing updates carry it) and query --incidents over them. */
static void test_incidents(void **state)
{
    (void)state;
    char path[300], err[256], b[64];
    snprintf(path, sizeof path, "%s/inc.db", dir);
    sqlite3 *idb = sw_store_open(path, 0, err, sizeof err);
    assert_non_null(idb);
    json_t *a = inc_doc(SW_EV_TSVAL_REGRESSION, 77, 0, 3);
    json_t *also = json_pack("[{s:s}, {s:s}]", "event", "ttl_anomaly", "event", "mac_change");
    json_object_set_new(json_object_get(a, "hijack"), "also", also);
    json_t *o = inc_doc(SW_EV_OVERLAP_MISMATCH, 77, 1, 1);
    json_t *p = inc_doc(SW_EV_SESSION_TAKEOVER, 77, 2, 1);
    json_t *c = inc_doc(SW_EV_ACK_STORM, 77, 3, 2);
    json_t *lone = inc_doc(SW_EV_FIN_INJECTION, 78, 4, 2);          /* no verdict there */
    const char *aid = json_string_value(json_object_get(a, "alert_id"));
    const char *oid = json_string_value(json_object_get(o, "alert_id"));
    const char *pid = json_string_value(json_object_get(p, "alert_id"));
    const char *cid = json_string_value(json_object_get(c, "alert_id"));
    const char *lid = json_string_value(json_object_get(lone, "alert_id"));
    json_t *ph = json_object_get(p, "hijack");
    json_object_set_new(ph, "incident", json_pack("{s:s, s:s, s:[s,s]}", "id", pid, "verdict",
                                                  "session_takeover", "chain", aid, oid));
    json_object_set_new(ph, "incident_id", json_string(pid));
    json_object_set_new(json_object_get(c, "hijack"), "incident_id", json_string(pid));
    put(idb, a);
    put(idb, o);
    assert_string_equal(row_incident(idb, aid, b, sizeof b), "NULL");
    put(idb, p);
    assert_string_equal(row_incident(idb, aid, b, sizeof b), pid);   /* linked by the chain */
    assert_string_equal(row_incident(idb, oid, b, sizeof b), pid);
    assert_string_equal(row_incident(idb, pid, b, sizeof b), pid);
    put(idb, c);
    assert_string_equal(row_incident(idb, cid, b, sizeof b), pid);
    put(idb, lone);
    assert_string_equal(row_incident(idb, lid, b, sizeof b), "NULL");
    /* a parent of another connection cannot claim it */
    json_t *evil = inc_doc(SW_EV_SESSION_TAKEOVER, 99, 9, 1);
    const char *eid = json_string_value(json_object_get(evil, "alert_id"));
    json_object_set_new(json_object_get(evil, "hijack"), "incident",
                        json_pack("{s:s, s:s, s:[s,s]}", "id", eid, "verdict", "session_takeover",
                                  "chain", lid, aid));
    put(idb, evil);
    assert_string_equal(row_incident(idb, lid, b, sizeof b), "NULL");
    assert_string_equal(row_incident(idb, aid, b, sizeof b), pid);
    sqlite3_exec(idb, "DELETE FROM alerts WHERE flow_id = 99", NULL, NULL, NULL);
    json_decref(evil);
    /* the overlap's closing update (written without the link) keeps the row's link */
    json_t *u = json_deep_copy(o);
    json_object_set_new(json_object_get(u, "hijack"), "fold",
                        json_pack("{s:i, s:s, s:s, s:b}", "count", 5, "first",
                                  "2024-03-05T13:02:13.000000+0000", "last",
                                  "2024-03-05T13:02:40.000000+0000", "final", 1));
    put(idb, u);
    assert_string_equal(row_incident(idb, oid, b, sizeof b), pid);
    /* ingesting the parent again changes nothing */
    put(idb, p);
    assert_string_equal(row_incident(idb, aid, b, sizeof b), pid);
    /* the verdict's closing update lists a later verdict it absorbed */
    json_t *pu = json_deep_copy(p);
    json_t *puh = json_object_get(pu, "hijack");
    json_object_set_new(puh, "fold", json_pack("{s:i, s:s, s:s, s:b, s:i}", "count", 1, "first",
                                               "2024-03-05T13:02:14.000000+0000", "last",
                                               "2024-03-05T13:02:14.000000+0000", "final", 1,
                                               "absorbed", 1));
    json_object_set_new(puh, "also", json_pack("[{s:s, s:s}]", "event", "ack_storm", "timestamp",
                                               "2024-03-05T13:02:50.000000+0000"));
    put(idb, pu);
    json_decref(pu);

    sw_query_filter f;
    sw_query_filter_init(&f);
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    assert_int_equal(sw_query_incidents(idb, &f, 1, out, err, sizeof err), 2);
    fclose(out);
    json_error_t je;
    json_t *arr = json_loads(buf, 0, &je);
    free(buf);
    assert_int_equal(json_array_size(arr), 2);
    json_t *i0 = json_array_get(arr, 0), *i1 = json_array_get(arr, 1);
    assert_string_equal(json_string_value(json_object_get(i0, "verdict")), "session_takeover");
    assert_string_equal(json_string_value(json_object_get(i0, "incident_id")), pid);
    assert_string_equal(json_string_value(json_object_get(i0, "connection")),
                        "198.51.100.7:41000 -> 198.51.100.8:23");
    assert_int_equal(json_integer_value(json_object_get(i0, "severity")), 1);
    assert_int_equal(json_integer_value(json_object_get(i0, "alerts")), 4);
    json_t *ev = json_object_get(i0, "events");
    assert_int_equal(json_integer_value(json_object_get(ev, "overlap_mismatch")), 5);
    assert_int_equal(json_integer_value(json_object_get(ev, "ttl_anomaly")), 1);
    assert_int_equal(json_integer_value(json_object_get(ev, "ack_storm")), 2);  /* c + absorbed */
    assert_int_equal(json_object_size(ev), 6);
    assert_string_equal(json_string_value(json_object_get(i0, "first")),
                        "2024-03-05T13:02:12.000000+0000");
    assert_string_equal(json_string_value(json_object_get(i0, "last")),    /* the absorbed one */
                        "2024-03-05T13:02:50.000000+0000");
    assert_true(json_is_null(json_object_get(i1, "verdict")));
    assert_int_equal(json_integer_value(json_object_get(i1, "alerts")), 1);
    json_decref(arr);
    /* the table: one line per incident after the header */
    buf = NULL;
    out = open_memstream(&buf, &len);
    assert_int_equal(sw_query_incidents(idb, &f, 0, out, err, sizeof err), 2);
    fclose(out);
    assert_non_null(strstr(buf, "session_takeover  198.51.100.7:41000 -> 198.51.100.8:23  4 alerts: "
                                "tsval_regression, ttl_anomaly, mac_change, overlap_mismatch x5,"
                                " session_takeover, ack_storm x2\n"));
    assert_non_null(strstr(buf, "  sev 2  -                 198.51.100.7:41000"));
    free(buf);
    /* --stats counts by connection */
    buf = NULL;
    out = open_memstream(&buf, &len);
    assert_int_equal(sw_query_stats(idb, &f, SW_BUCKET_AUTO, 10, 0, out, err, sizeof err), 0);
    fclose(out);
    assert_non_null(strstr(buf, "\nby connection (top 10)\n"
                                "         4  198.51.100.7:41000 <-> 198.51.100.8:23 #0  (verdict)\n"
                                "         1  198.51.100.7:41000 <-> 198.51.100.8:23 #0\n"));
    free(buf);
    json_t *all[] = { a, o, p, c, lone, u };
    for (size_t i = 0; i < 6; i++)
        json_decref(all[i]);
    sw_store_close(idb);
}

static void test_find(void **state)
{
    (void)state;
    json_error_t je;
    json_t *d = json_loads(texts[3], 0, &je);
    const char *id = json_string_value(json_object_get(d, "alert_id"));
    char *got = NULL, *doc = NULL, err[512];
    assert_int_equal(sw_query_find(db, id, &got, &doc, err, sizeof err), 1);
    assert_string_equal(got, id);
    assert_string_equal(doc, texts[3]);
    free(got);
    free(doc);
    char prefix[16];
    snprintf(prefix, sizeof prefix, "%.10s", id);
    assert_int_equal(sw_query_find(db, prefix, &got, &doc, err, sizeof err), 1);
    assert_string_equal(got, id);
    free(got);
    free(doc);
    for (char *p = prefix; *p; p++)
        *p = (char)(*p >= 'a' && *p <= 'f' ? *p - 32 : *p);
    assert_int_equal(sw_query_find(db, prefix, &got, &doc, err, sizeof err), 1);
    free(got);
    free(doc);
    assert_int_equal(sw_query_find(db, "zzzz", &got, &doc, err, sizeof err), 0);
    assert_null(got);
    /* a one-character prefix shared by several ids is ambiguous */
    int ambiguous = 0;
    for (const char *c = "0123456789abcdef"; *c && !ambiguous; c++) {
        char one[2] = {*c, 0};
        int r = sw_query_find(db, one, &got, &doc, err, sizeof err);
        if (r == -2) {
            ambiguous = 1;
            assert_null(got);
            assert_non_null(strchr(err, ' '));   /* candidates listed */
        } else if (r == 1) {
            free(got);
            free(doc);
        }
    }
    assert_true(ambiguous);   /* 44 ids over 16 first digits */
    json_decref(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_time), cmocka_unit_test(test_filters),
        cmocka_unit_test(test_limit_and_order), cmocka_unit_test(test_formats),
        cmocka_unit_test(test_stats), cmocka_unit_test(test_find),
        cmocka_unit_test(test_incidents),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
