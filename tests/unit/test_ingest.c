/*
 * test_ingest.c — loading JSON lines: Suricata EVE alerts from a sample eve.json
 * (non-alert records skipped with file:line), idempotence (a second load adds
 * nothing), malformed and over-long lines reported and skipped while the rest loads,
 * strict mode writing nothing, and the round trip: the same alerts through the
 * JSON-lines writer + ingest and through the database writer give identical rows.
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
#include "storage/ingest.h"
#include "storage/jsonl.h"
#include "storage/alert_json.h"

static char dir[256];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/sw_test_ingest.XXXXXX");
    assert_non_null(mkdtemp(dir));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

typedef struct msgs {
    int n;
    char text[32][600];
} msgs;

static void collect(void *user, const char *msg)
{
    msgs *m = user;
    if (m->n < 32)
        snprintf(m->text[m->n], sizeof m->text[0], "%s", msg);
    m->n++;
}

static sqlite3 *fresh_db(const char *name)
{
    char path[300], err[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    unlink(path);
    sqlite3 *db = sw_store_open(path, 0, err, sizeof err);
    assert_non_null(db);
    return db;
}

static int64_t scalar(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    int64_t v = -1;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

static const char *eve_path(char *buf, size_t len)
{
    const char *src = getenv("SW_SOURCE_DIR");
    snprintf(buf, len, "%s/tests/data/eve_sample.json", src ? src : ".");
    return buf;
}

static void test_eve_sample(void **state)
{
    (void)state;
    char path[512], err[256];
    const char *files[] = {eve_path(path, sizeof path)};
    sqlite3 *db = fresh_db("eve.db");
    msgs m = {0};
    sw_ingest_opts o;
    sw_ingest_opts_init(&o);
    o.report = collect;
    o.report_user = &m;
    sw_ingest_stats st;
    assert_int_equal(sw_ingest_files(db, files, 1, &o, &st, err, sizeof err), 0);
    assert_true(st.lines == 9);
    assert_true(st.loaded == 5);       /* 4 alerts and the anomaly record */
    assert_true(st.skipped == 0);
    assert_true(st.duplicate == 0);
    /* flow, dns and stats records are counted by type, not reported */
    assert_true(st.not_alert == 4);
    assert_int_equal(m.n, 0);
    assert_string_equal(st.types[0].name, "flow");
    assert_true(st.types[0].n == 2);
    assert_string_equal(st.types[1].name, "dns");
    assert_string_equal(st.types[2].name, "stats");

    /* Suricata stream signatures and anomaly events map to seqwatch event names */
    assert_int_equal(scalar(db, "SELECT COUNT(*) FROM alerts WHERE signature_id=2210020"
                                " AND event='seq_out_of_window'"), 1);
    assert_int_equal(scalar(db, "SELECT COUNT(*) FROM alerts WHERE event='ack_unsent_data'"
                                " AND source='suricata'"), 2);   /* sid 2210045 + the anomaly */
    assert_int_equal(scalar(db, "SELECT COUNT(*) FROM alerts WHERE event_type='anomaly'"
                                " AND json_extract(doc,'$.anomaly.event')='stream.pkt_invalid_ack'"), 1);
    assert_int_equal(scalar(db, "SELECT COUNT(*) FROM alerts WHERE source='suricata'"
                                " AND sensor='ids-lab-1' AND event IS NULL AND proto='TCP'"), 2);
    /* 14:02:12.013004+0100 is 13:02:12.013004 UTC */
    assert_int_equal(scalar(db, "SELECT COUNT(*) FROM alerts WHERE signature_id=2210045"
                                " AND ts='2024-03-05T13:02:12.013004+0000'"
                                " AND ts_us=1709643732013004 AND severity=3"
                                " AND src_ip='198.51.100.23' AND dest_port=49822"
                                " AND flow_id=1180234470011983"), 1);
    assert_int_equal(scalar(db, "SELECT COUNT(*) FROM alerts WHERE src_ip='2001:db8:10::7'"
                                " AND signature_id=2210010"), 1);
    assert_int_equal(scalar(db, "SELECT json_extract(doc,'$.vlan[0]') FROM alerts"
                                " WHERE signature_id=2024897"), 30);
    /* alert ids are content hashes in UUID form */
    assert_int_equal(scalar(db, "SELECT COUNT(*) FROM alerts WHERE length(alert_id)=36"
                                " AND substr(alert_id,15,1)='8'"), 5);

    /* idempotent */
    m.n = 0;
    assert_int_equal(sw_ingest_files(db, files, 1, &o, &st, err, sizeof err), 0);
    assert_true(st.loaded == 0);
    assert_true(st.duplicate == 5);
    assert_true(st.skipped == 0);
    assert_int_equal(scalar(db, "SELECT COUNT(*) FROM alerts"), 5);
    sw_store_close(db);
}

static char *make_alert(int i)
{
    sw_event ev;
    memset(&ev, 0, sizeof ev);
    ev.id = (sw_event_id)(i % SW_EV_COUNT);
    ev.ts_us = 1709643732000000ull + (uint64_t)i * 250000u;
    ev.ip_version = i % 3 == 0 ? 6 : 4;
    if (ev.ip_version == 6) {
        inet_pton(AF_INET6, "2001:db8::a", ev.src_ip);
        inet_pton(AF_INET6, "2001:db8::b", ev.dst_ip);
    } else {
        inet_pton(AF_INET, "10.1.1.1", ev.src_ip);
        inet_pton(AF_INET, "10.1.1.2", ev.dst_ip);
    }
    ev.sport = (uint16_t)(1000 + i);
    ev.dport = 80;
    ev.flow_id = 777u + (uint64_t)i;
    ev.dir = i & 1;
    ev.evidence = json_pack("{s:i, s:s}", "i", i, "first_version", "48545450");
    ev.packets = json_pack("[{s:I, s:s, s:s, s:i, s:i, s:i, s:b}]", "ts_us", (json_int_t)ev.ts_us,
                           "dir", "to_server", "flags", "PA", "seq", 1, "ack", 2, "len", 4, "trigger", 1);
    sw_rule_match m = {.sid = 2300001u + (uint32_t)ev.id, .gid = 1, .rev = 1, .msg = "m",
                       .classtype = "misc-attack", .priority = 1 + i % 3};
    json_t *doc = sw_alert_to_json(&ev, i % 5 == 4 ? NULL : &m, i % 5 == 4 ? "anomaly" : "alert",
                                   "rt", (uint64_t)i);
    char *t = sw_alert_dumps(doc);
    json_decref(doc);
    sw_event_clear(&ev);
    return t;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_malformed_lines(void **state)
{
    (void)state;
    char path[300], err[512];
    snprintf(path, sizeof path, "%s/mixed.jsonl", dir);
    char *a1 = make_alert(1), *a2 = make_alert(2), *a3 = make_alert(3);
    sqlite3 *db = fresh_db("mixed.db");
    msgs m = {0};
    sw_ingest_opts o;
    sw_ingest_opts_init(&o);
    o.report = collect;
    o.report_user = &m;
    /* a cap just above the longest alert, and a line one byte over it */
    o.max_line = strlen(a1);
    if (strlen(a2) > o.max_line)
        o.max_line = strlen(a2) + 1;   /* a2 is followed by a CR */
    if (strlen(a3) > o.max_line)
        o.max_line = strlen(a3);
    char *toolong = malloc(o.max_line + 2);
    toolong[0] = '"';
    memset(toolong + 1, 'y', o.max_line - 1);
    toolong[o.max_line] = '"';
    toolong[o.max_line + 1] = '\0';
    char *text = NULL;
    size_t tl = 0;
    FILE *mf = open_memstream(&text, &tl);
    fprintf(mf, "%s\n", a1);                            /* 1 ok */
    fprintf(mf, "{\"timestamp\": \"2024-03-05\", \n");  /* 2 broken */
    fprintf(mf, "\n");                                  /* 3 blank */
    fprintf(mf, "[1,2,3]\n");                           /* 4 not an object */
    fprintf(mf, "%s\r\n", a2);                          /* 5 ok (CRLF) */
    fprintf(mf, "%s\n", toolong);                       /* 6 one byte over the cap */
    fprintf(mf, "{\"event_type\":\"alert\",\"alert\":{\"signature_id\":1}}\n"); /* 7 */
    fprintf(mf, "{\"event_type\":\"alert\"}\n");       /* 8 no alert object */
    fprintf(mf, "%s", a3);                              /* 9 ok, no final newline */
    fclose(mf);
    write_file(path, text);
    free(text);
    free(toolong);

    sw_ingest_stats st;
    const char *files[] = {path};
    assert_int_equal(sw_ingest_files(db, files, 1, &o, &st, err, sizeof err), 0);
    assert_true(st.lines == 9);
    assert_true(st.loaded == 3);
    assert_true(st.skipped == 5);
    assert_int_equal(m.n, 5);
    char pfx[400];
    snprintf(pfx, sizeof pfx, "%s:2: invalid JSON: ", path);
    assert_memory_equal(m.text[0], pfx, strlen(pfx));
    snprintf(pfx, sizeof pfx, "%s:4: ", path);
    assert_memory_equal(m.text[1], pfx, strlen(pfx));
    snprintf(pfx, sizeof pfx, "%s:6: line longer than", path);
    assert_memory_equal(m.text[2], pfx, strlen(pfx));
    snprintf(pfx, sizeof pfx, "%s:7: skipped: missing or unreadable timestamp", path);
    assert_string_equal(m.text[3], pfx);
    snprintf(pfx, sizeof pfx, "%s:8: skipped: alert record without an alert object", path);
    assert_string_equal(m.text[4], pfx);
    /* the CRLF line is stored without its CR */
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT doc FROM alerts ORDER BY id", -1, &s, NULL),
                     SQLITE_OK);
    const char *want[] = {a1, a2, a3};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(sqlite3_step(s), SQLITE_ROW);
        assert_string_equal((const char *)sqlite3_column_text(s, 0), want[i]);
    }
    sqlite3_finalize(s);

    /* strict: the first bad line fails everything, nothing is written */
    sqlite3 *db2 = fresh_db("strict.db");
    m.n = 0;
    o.strict = 1;
    assert_int_equal(sw_ingest_files(db2, files, 1, &o, &st, err, sizeof err), -1);
    assert_non_null(strstr(err, ":2: invalid JSON"));
    assert_true(st.loaded == 0);
    assert_int_equal(scalar(db2, "SELECT COUNT(*) FROM alerts"), 0);

    /* a file that does not exist: reported, the others still load (non-strict) */
    o.strict = 0;
    m.n = 0;
    char missing[300];
    snprintf(missing, sizeof missing, "%s/nope.jsonl", dir);
    const char *two[] = {missing, path};
    assert_int_equal(sw_ingest_files(db2, two, 2, &o, &st, err, sizeof err), 0);
    assert_true(st.files_failed == 1);
    assert_true(st.loaded == 3);
    assert_non_null(strstr(m.text[0], "nope.jsonl: No such file"));
    sw_store_close(db2);
    sw_store_close(db);
    free(a1);
    free(a2);
    free(a3);
}

/* Every column but id, in a stable order, as one text per row. */
static char *rows_text(sqlite3 *db)
{
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db,
        "SELECT alert_id, ts, ts_us, event, event_type, signature_id, gid, rev, signature,"
        " category, severity, src_ip, src_port, dest_ip, dest_port, proto, flow_id, sensor,"
        " source, doc FROM alerts ORDER BY alert_id", -1, &st, NULL), SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW) {
        for (int c = 0; c < sqlite3_column_count(st); c++) {
            const unsigned char *v = sqlite3_column_text(st, c);
            fprintf(f, "%d:%s|", sqlite3_column_type(st, c), v ? (const char *)v : "NULL");
        }
        fputc('\n', f);
    }
    sqlite3_finalize(st);
    fclose(f);
    return out;
}

static void test_round_trip(void **state)
{
    (void)state;
    char jpath[300], dba[300], err[256];
    snprintf(jpath, sizeof jpath, "%s/rt.jsonl", dir);
    snprintf(dba, sizeof dba, "%s/rt_writer.db", dir);
    unlink(jpath);
    unlink(dba);
    sw_jsonl *j = sw_jsonl_open(jpath, err, sizeof err);
    assert_non_null(j);
    sw_store_writer *w = sw_store_writer_start(dba, NULL, err, sizeof err);
    assert_non_null(w);
    for (int i = 0; i < 300; i++) {
        char *t = make_alert(i);
        assert_int_equal(sw_jsonl_write(j, t), 0);
        sw_store_writer_push(w, t);
        free(t);
    }
    sw_jsonl_close(j, NULL);
    assert_int_equal(sw_store_writer_stop(w, NULL, err, sizeof err), 0);

    sqlite3 *db = fresh_db("rt_ingest.db");
    sw_ingest_stats st;
    const char *files[] = {jpath};
    assert_int_equal(sw_ingest_files(db, files, 1, NULL, &st, err, sizeof err), 0);
    assert_true(st.loaded == 300);
    assert_true(st.skipped == 0);
    char *a = rows_text(db);
    sqlite3 *dbw = sw_store_open(dba, 1, err, sizeof err);
    assert_non_null(dbw);
    char *b = rows_text(dbw);
    assert_true(strlen(a) > 300 * 100);
    assert_string_equal(a, b);
    free(a);
    free(b);
    /* and loading the same lines into the writer's database adds nothing */
    sw_store_close(dbw);
    dbw = sw_store_open(dba, 0, err, sizeof err);
    assert_int_equal(sw_ingest_files(dbw, files, 1, NULL, &st, err, sizeof err), 0);
    assert_true(st.loaded == 0 && st.duplicate == 300);
    sw_store_close(dbw);
    sw_store_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_eve_sample),
        cmocka_unit_test(test_malformed_lines),
        cmocka_unit_test(test_round_trip),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
