/*
 * test_store.c — the SQLite store: file mode, WAL, schema version, column mapping of
 * seqwatch and EVE documents, duplicates, the json_valid check, migration from a
 * version-1 database written by hand, refusal of newer/foreign schemas; the writer
 * thread: batching by count and by time, a concurrent reader holding a read
 * transaction, a lock holder (busy, retried, nothing dropped), a full disk (retried,
 * recovered on reopen), the queue cap (dropped and counted), invalid documents, the
 * runs table, and kill -9 of a writing process (integrity_check ok, every batch
 * committed before the kill present).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <unistd.h>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <arpa/inet.h>
#include <cmocka.h>
#include <jansson.h>

#include "storage/store.h"
#include "storage/alert_json.h"

static char dir[256];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/sw_test_store.XXXXXX");
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

static void db_path(char *out, size_t len, const char *name)
{
    snprintf(out, len, "%s/%s", dir, name);
}

/* A seqwatch alert document, as the engine makes it, numbered i. */
static char *make_alert(int i, const char *sensor)
{
    sw_event ev;
    memset(&ev, 0, sizeof ev);
    ev.id = (sw_event_id)(i % SW_EV_COUNT);
    ev.ts_us = 1695017621000000ull + (uint64_t)i * 1000u;
    ev.ip_version = 4;
    uint32_t a = htonl(0x0a000001u + (uint32_t)(i % 5)), b = htonl(0x0a000101u);
    memcpy(ev.src_ip, &a, 4);
    memcpy(ev.dst_ip, &b, 4);
    ev.sport = (uint16_t)(40000 + i % 7);
    ev.dport = 443;
    ev.flow_id = 1000u + (uint64_t)(i % 11);
    ev.evidence = json_pack("{s:i}", "n", i);
    sw_rule_match m = {.sid = 2300001u + (uint32_t)(i % SW_EV_COUNT), .gid = 1, .rev = 1,
                       .msg = "test alert", .classtype = "misc-attack",
                       .priority = 1 + i % 3};
    json_t *doc = sw_alert_to_json(&ev, &m, "alert", sensor, (uint64_t)i);
    char *text = sw_alert_dumps(doc);
    json_decref(doc);
    sw_event_clear(&ev);
    return text;
}

static int64_t count_rows(const char *path, const char *where)
{
    char err[256], sql[256];
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        sqlite3_close(db);
        return -1;
    }
    (void)err;
    snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM alerts %s", where ? where : "");
    sqlite3_stmt *st;
    int64_t n = -1;
    sqlite3_busy_timeout(db, 5000);
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW)
            n = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    sqlite3_close(db);
    return n;
}

static void test_open_creates(void **state)
{
    (void)state;
    char path[300], err[256];
    db_path(path, sizeof path, "new.db");
    mode_t old = umask(0);
    sqlite3 *db = sw_store_open(path, 0, err, sizeof err);
    umask(old);
    assert_non_null(db);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0640);
    assert_int_equal(sw_store_schema_version(db), SW_STORE_SCHEMA_VERSION);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
    sqlite3_finalize(st);
    const char *objects[] = {"alerts", "runs", "alert_evidence", "alert_packets",
                             "alerts_by_event", "alerts_by_hosts", "alerts_ts_us",
                             "alerts_severity", "alerts_sensor", NULL};
    for (int i = 0; objects[i]; i++) {
        assert_int_equal(sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_schema WHERE name=?1", -1,
                                            &st, NULL), SQLITE_OK);
        sqlite3_bind_text(st, 1, objects[i], -1, SQLITE_STATIC);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        sqlite3_finalize(st);
    }
    sw_store_close(db);
    /* the WAL file took the database's mode */
    char wal[320];
    snprintf(wal, sizeof wal, "%s-wal", path);
    if (stat(wal, &sb) == 0)
        assert_int_equal(sb.st_mode & 0777, 0640);

    /* read-only open of a missing file is a clear error, and creates nothing */
    db_path(path, sizeof path, "missing.db");
    assert_null(sw_store_open(path, 1, err, sizeof err));
    assert_non_null(strstr(err, "no such database"));
    assert_int_not_equal(access(path, F_OK), 0);
}

static void test_insert_and_columns(void **state)
{
    (void)state;
    char path[300], err[256];
    db_path(path, sizeof path, "ins.db");
    sqlite3 *db = sw_store_open(path, 0, err, sizeof err);
    assert_non_null(db);

    char *text = make_alert(4, "s1");
    json_error_t je;
    json_t *doc = json_loads(text, 0, &je);
    assert_int_equal(sw_store_insert(db, doc, text, err, sizeof err), 1);
    assert_int_equal(sw_store_insert(db, doc, text, err, sizeof err), 0);   /* duplicate */

    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db,
        "SELECT alert_id, ts, ts_us, event, event_type, signature_id, gid, rev, signature,"
        " category, severity, src_ip, src_port, dest_ip, dest_port, proto, flow_id, sensor,"
        " source, doc FROM alerts", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0),
                        json_string_value(json_object_get(doc, "alert_id")));
    assert_string_equal((const char *)sqlite3_column_text(st, 1),
                        json_string_value(json_object_get(doc, "timestamp")));
    assert_true(sqlite3_column_int64(st, 2) == 1695017621004000ll);
    assert_string_equal((const char *)sqlite3_column_text(st, 3),
                        sw_event_def_get((sw_event_id)4)->name);
    assert_string_equal((const char *)sqlite3_column_text(st, 4), "alert");
    assert_int_equal(sqlite3_column_int(st, 5), 2300005);
    assert_int_equal(sqlite3_column_int(st, 6), 1);
    assert_int_equal(sqlite3_column_int(st, 7), 1);
    assert_string_equal((const char *)sqlite3_column_text(st, 8), "test alert");
    assert_string_equal((const char *)sqlite3_column_text(st, 9), "Misc Attack");
    assert_int_equal(sqlite3_column_int(st, 10), 2);
    assert_string_equal((const char *)sqlite3_column_text(st, 11), "10.0.0.5");
    assert_int_equal(sqlite3_column_int(st, 12), 40004);
    assert_string_equal((const char *)sqlite3_column_text(st, 13), "10.0.1.1");
    assert_int_equal(sqlite3_column_int(st, 14), 443);
    assert_string_equal((const char *)sqlite3_column_text(st, 15), "TCP");
    assert_int_equal(sqlite3_column_int(st, 16), 1004);
    assert_string_equal((const char *)sqlite3_column_text(st, 17), "s1");
    assert_string_equal((const char *)sqlite3_column_text(st, 18), "seqwatch");
    assert_string_equal((const char *)sqlite3_column_text(st, 19), text);   /* stored as given */
    assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
    json_decref(doc);
    free(text);

    /* a Suricata EVE alert: no alert_id (content hash), "host" is the sensor,
     * the timestamp's offset is honoured */
    const char *eve =
        "{\"timestamp\":\"2023-09-18T08:13:41.532140+0200\",\"flow_id\":1581267523459837,"
        "\"in_iface\":\"eth0\",\"event_type\":\"alert\",\"src_ip\":\"203.0.113.9\","
        "\"src_port\":4444,\"dest_ip\":\"192.0.2.1\",\"dest_port\":22,\"proto\":\"TCP\","
        "\"alert\":{\"action\":\"allowed\",\"gid\":1,\"signature_id\":2210045,\"rev\":2,"
        "\"signature\":\"SURICATA STREAM Packet with invalid ack\",\"category\":"
        "\"Generic Protocol Command Decode\",\"severity\":3},\"host\":\"ids-1\"}";
    doc = json_loads(eve, 0, &je);
    assert_int_equal(sw_store_insert(db, doc, eve, err, sizeof err), 1);
    /* the same record with other whitespace/key order is the same alert */
    json_t *reordered = json_deep_copy(doc);
    json_object_del(reordered, "timestamp");
    json_object_set(reordered, "timestamp", json_object_get(doc, "timestamp"));
    char *pretty = json_dumps(reordered, JSON_INDENT(2));
    assert_int_equal(sw_store_insert(db, reordered, pretty, err, sizeof err), 0);
    free(pretty);
    json_decref(reordered);
    char cid[37];
    sw_store_content_id(doc, cid);
    assert_int_equal(sqlite3_prepare_v2(db,
        "SELECT ts_us, ts, event, signature_id, severity, sensor, source, flow_id FROM alerts"
        " WHERE alert_id = ?1", -1, &st, NULL), SQLITE_OK);
    sqlite3_bind_text(st, 1, cid, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_true(sqlite3_column_int64(st, 0) == 1695017621532140ll);
    assert_string_equal((const char *)sqlite3_column_text(st, 1), "2023-09-18T06:13:41.532140+0000");
    /* Suricata's stream.pkt_invalid_ack signature means seqwatch's ack_unsent_data */
    assert_string_equal((const char *)sqlite3_column_text(st, 2), "ack_unsent_data");
    assert_int_equal(sqlite3_column_int(st, 3), 2210045);
    assert_int_equal(sqlite3_column_int(st, 4), 3);
    assert_string_equal((const char *)sqlite3_column_text(st, 5), "ids-1");
    assert_string_equal((const char *)sqlite3_column_text(st, 6), "suricata");
    assert_true(sqlite3_column_int64(st, 7) == 1581267523459837ll);
    sqlite3_finalize(st);
    json_decref(doc);

    /* unusable documents */
    doc = json_pack("{s:s}", "event_type", "alert");
    assert_int_equal(sw_store_insert(db, doc, NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "timestamp"));
    json_decref(doc);
    doc = json_pack("{s:s, s:i}", "timestamp", "2023-09-18T06:13:41Z", "alert_id", 5);
    assert_int_equal(sw_store_insert(db, doc, NULL, err, sizeof err), -1);
    json_decref(doc);
    doc = json_pack("{s:s, s:s}", "timestamp", "2023-09-18T06:13:41Z", "alert_id", "x1");
    assert_int_equal(sw_store_insert(db, doc, "{not json", err, sizeof err), -1);  /* json_valid */
    assert_int_equal(sw_store_insert(db, doc, NULL, err, sizeof err), 1);
    json_decref(doc);

    /* the views answer */
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM alert_evidence WHERE "
                                            "json_extract(evidence, '$.n') = 4", -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 1);
    sqlite3_finalize(st);
    sw_store_close(db);
}

/* A database as schema version 1 left it, written here by hand. */
static const char v1_schema[] =
    "CREATE TABLE alerts (id INTEGER PRIMARY KEY, alert_id TEXT NOT NULL UNIQUE,"
    " ts TEXT NOT NULL, event TEXT, signature_id INTEGER, severity INTEGER,"
    " src_ip TEXT, src_port INTEGER, dest_ip TEXT, dest_port INTEGER, flow_id INTEGER,"
    " sensor TEXT, doc TEXT NOT NULL CHECK (json_valid(doc)));"
    "CREATE INDEX alerts_ts ON alerts(ts);"
    "CREATE INDEX alerts_event ON alerts(event);"
    "CREATE INDEX alerts_sid ON alerts(signature_id);"
    "CREATE INDEX alerts_src ON alerts(src_ip);"
    "CREATE INDEX alerts_dest ON alerts(dest_ip);"
    "CREATE INDEX alerts_flow ON alerts(flow_id);"
    "CREATE TABLE runs (id INTEGER PRIMARY KEY, sensor TEXT, source TEXT, rules_hash TEXT,"
    " start_us INTEGER, end_us INTEGER, packets INTEGER, drops INTEGER, flows INTEGER,"
    " alerts INTEGER);"
    "INSERT INTO runs (sensor, source, start_us, end_us, packets) VALUES ('old', 'eth0', 1, 2, 3);"
    "PRAGMA user_version = 1;";

static void test_migration_from_v1(void **state)
{
    (void)state;
    char path[300], err[256];
    db_path(path, sizeof path, "v1.db");
    sqlite3 *raw;
    assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK);
    assert_int_equal(sqlite3_exec(raw, v1_schema, NULL, NULL, NULL), SQLITE_OK);
    char *texts[3];
    for (int i = 0; i < 3; i++) {
        texts[i] = make_alert(i, "old");
        json_error_t je;
        json_t *d = json_loads(texts[i], 0, &je);
        sqlite3_stmt *st;
        assert_int_equal(sqlite3_prepare_v2(raw,
            "INSERT INTO alerts (alert_id, ts, event, signature_id, severity, src_ip, src_port,"
            " dest_ip, dest_port, flow_id, sensor, doc) VALUES (json_extract(?1,'$.alert_id'),"
            " json_extract(?1,'$.timestamp'), json_extract(?1,'$.hijack.event'),"
            " json_extract(?1,'$.alert.signature_id'), json_extract(?1,'$.alert.severity'),"
            " json_extract(?1,'$.src_ip'), json_extract(?1,'$.src_port'),"
            " json_extract(?1,'$.dest_ip'), json_extract(?1,'$.dest_port'),"
            " json_extract(?1,'$.flow_id'), json_extract(?1,'$.sensor'), ?1)", -1, &st, NULL),
            SQLITE_OK);
        sqlite3_bind_text(st, 1, texts[i], -1, SQLITE_STATIC);
        assert_int_equal(sqlite3_step(st), SQLITE_DONE);
        sqlite3_finalize(st);
        json_decref(d);
    }
    sqlite3_close(raw);

    /* a read-only open migrates through a short read-write connection */
    sqlite3 *db = sw_store_open(path, 1, err, sizeof err);
    assert_non_null(db);
    assert_int_equal(sw_store_schema_version(db), SW_STORE_SCHEMA_VERSION);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db,
        "SELECT ts_us, event_type, gid, rev, signature, category, proto, source, doc"
        " FROM alerts ORDER BY id", -1, &st, NULL), SQLITE_OK);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        assert_true(sqlite3_column_int64(st, 0) == 1695017621000000ll + i * 1000);
        assert_string_equal((const char *)sqlite3_column_text(st, 1), "alert");
        assert_int_equal(sqlite3_column_int(st, 2), 1);
        assert_int_equal(sqlite3_column_int(st, 3), 1);
        assert_string_equal((const char *)sqlite3_column_text(st, 4), "test alert");
        assert_string_equal((const char *)sqlite3_column_text(st, 5), "Misc Attack");
        assert_string_equal((const char *)sqlite3_column_text(st, 6), "TCP");
        assert_string_equal((const char *)sqlite3_column_text(st, 7), "seqwatch");
        assert_string_equal((const char *)sqlite3_column_text(st, 8), texts[i]);
    }
    assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
    /* step 3: community_id filled (the migration's SQL function computes what the
     * document says), no run known for rows stored before */
    assert_int_equal(sqlite3_prepare_v2(db,
        "SELECT COUNT(*), SUM(community_id = json_extract(doc, '$.community_id')),"
        " SUM(sw_community_id(src_ip, src_port, dest_ip, dest_port, proto) = community_id),"
        " SUM(run_id IS NULL) FROM alerts", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    for (int c = 0; c < 4; c++)
        assert_int_equal(sqlite3_column_int(st, c), 3);
    sqlite3_finalize(st);
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT sensor, packets, db_dropped FROM runs", -1,
                                        &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "old");
    assert_int_equal(sqlite3_column_int(st, 1), 3);
    assert_int_equal(sqlite3_column_type(st, 2), SQLITE_NULL);
    sqlite3_finalize(st);
    sw_store_close(db);

    /* and a migrated database takes new rows; old ids are still duplicates */
    db = sw_store_open(path, 0, err, sizeof err);
    assert_non_null(db);
    json_error_t je;
    json_t *d = json_loads(texts[1], 0, &je);
    assert_int_equal(sw_store_insert(db, d, texts[1], err, sizeof err), 0);
    json_decref(d);
    char *t = make_alert(9, "new");
    d = json_loads(t, 0, &je);
    assert_int_equal(sw_store_insert(db, d, t, err, sizeof err), 1);
    json_decref(d);
    free(t);
    sw_store_close(db);
    for (int i = 0; i < 3; i++)
        free(texts[i]);

    /* the migration steps of this file agree with the hand-written version 1 */
    db_path(path, sizeof path, "steps.db");
    assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK);
    assert_int_equal(sw_store_migrate(raw, 1, err, sizeof err), SQLITE_OK);
    assert_int_equal(sw_store_schema_version(raw), 1);
    sqlite3_close(raw);
    db = sw_store_open(path, 0, err, sizeof err);
    assert_non_null(db);
    assert_int_equal(sw_store_schema_version(db), SW_STORE_SCHEMA_VERSION);
    sw_store_close(db);
}

static void test_refuses_foreign_and_newer(void **state)
{
    (void)state;
    char path[300], err[256];
    sqlite3 *raw;
    db_path(path, sizeof path, "newer.db");
    assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK);
    assert_int_equal(sqlite3_exec(raw, "CREATE TABLE x(a); PRAGMA user_version = 99;", NULL,
                                  NULL, NULL), SQLITE_OK);
    sqlite3_close(raw);
    assert_null(sw_store_open(path, 0, err, sizeof err));
    assert_non_null(strstr(err, "newer"));
    assert_null(sw_store_open(path, 1, err, sizeof err));
    assert_non_null(strstr(err, "newer"));

    db_path(path, sizeof path, "foreign.db");
    assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK);
    assert_int_equal(sqlite3_exec(raw, "CREATE TABLE alerts(a, b);", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(raw);
    assert_null(sw_store_open(path, 0, err, sizeof err));
    assert_non_null(strstr(err, "not a seqwatch database"));

    db_path(path, sizeof path, "garbage.db");
    FILE *f = fopen(path, "w");
    for (int i = 0; i < 200; i++)
        fputs("this is not a database file. ", f);
    fclose(f);
    assert_null(sw_store_open(path, 0, err, sizeof err));
    assert_null(sw_store_open(path, 1, err, sizeof err));
}

/* ---- the writer ---------------------------------------------------------------- */

typedef struct logbuf {
    pthread_mutex_t mu;
    char text[4096];
} logbuf;

static void capture_log(void *user, const char *msg)
{
    logbuf *l = user;
    pthread_mutex_lock(&l->mu);
    size_t n = strlen(l->text);
    snprintf(l->text + n, sizeof l->text - n, "%s\n", msg);
    pthread_mutex_unlock(&l->mu);
}

static int log_has(logbuf *l, const char *s)
{
    pthread_mutex_lock(&l->mu);
    int r = strstr(l->text, s) != NULL;
    pthread_mutex_unlock(&l->mu);
    return r;
}

static void wait_until_pending_zero(sw_store_writer *w, int max_ms)
{
    sw_store_writer_stats st;
    for (int i = 0; i < max_ms / 10; i++) {
        sw_store_writer_get_stats(w, &st);
        if (st.pending == 0)
            return;
        usleep(10000);
    }
}

static void test_writer_batches(void **state)
{
    (void)state;
    char path[300], err[256];
    db_path(path, sizeof path, "w1.db");
    sw_store_writer_opts o;
    sw_store_writer_opts_init(&o);
    o.batch_max = 50;
    o.batch_ms = 200;
    sw_run_info run = {.sensor = "s1", .source = "trace.pcap", .rules_hash = "abc",
                       .start_us = 1695017621000000ull};
    sw_store_writer *w = sw_store_writer_start_opts(path, &run, &o, err, sizeof err);
    assert_non_null(w);

    /* by time: 3 alerts are committed without anything else happening */
    for (int i = 0; i < 3; i++) {
        char *t = make_alert(i, "s1");
        sw_store_writer_push(w, t);
        free(t);
    }
    int64_t n = 0;
    for (int i = 0; i < 300 && n < 3; i++) {
        usleep(10000);
        n = count_rows(path, NULL);
    }
    assert_int_equal(n, 3);

    /* by count: 1000 alerts in batches of at most 50 */
    for (int i = 3; i < 1003; i++) {
        char *t = make_alert(i, "s1");
        sw_store_writer_push(w, t);
        free(t);
    }
    /* the same alerts again are duplicates, an unparsable one is invalid */
    for (int i = 0; i < 10; i++) {
        char *t = make_alert(i, "s1");
        sw_store_writer_push(w, t);
        free(t);
    }
    sw_store_writer_push(w, "{\"broken\":");
    wait_until_pending_zero(w, 10000);
    sw_store_writer_stats st;
    sw_store_writer_get_stats(w, &st);
    assert_true(st.written == 1003);
    assert_true(st.duplicates == 10);
    assert_true(st.invalid == 1);
    assert_true(st.dropped == 0);
    assert_true(st.commits >= 1000 / 50);

    run.end_us = 1695017700000000ull;
    run.packets = 12345;
    run.flows = 77;
    run.alerts = 1013;
    assert_int_equal(sw_store_writer_stop(w, &run, err, sizeof err), 0);
    assert_int_equal(count_rows(path, NULL), 1003);

    sqlite3 *db = sw_store_open(path, 1, err, sizeof err);
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT sensor, source, rules_hash, start_us, end_us,"
                                            " packets, flows, alerts, db_written, db_dropped"
                                            " FROM runs", -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(s, 0), "s1");
    assert_string_equal((const char *)sqlite3_column_text(s, 1), "trace.pcap");
    assert_string_equal((const char *)sqlite3_column_text(s, 2), "abc");
    assert_true(sqlite3_column_int64(s, 3) == 1695017621000000ll);
    assert_true(sqlite3_column_int64(s, 4) == 1695017700000000ll);
    assert_int_equal(sqlite3_column_int(s, 5), 12345);
    assert_int_equal(sqlite3_column_int(s, 6), 77);
    assert_int_equal(sqlite3_column_int(s, 7), 1013);
    assert_int_equal(sqlite3_column_int(s, 8), 1003);
    assert_int_equal(sqlite3_column_int(s, 9), 0);
    assert_int_equal(sqlite3_step(s), SQLITE_DONE);
    sqlite3_finalize(s);
    sw_store_close(db);
}

/* Every column of every alert row, one line each, in alert_id order (run_id aside). */
static char *dump_rows(const char *path)
{
    char err[256];
    sqlite3 *db = sw_store_open(path, 1, err, sizeof err);
    assert_non_null(db);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db,
        "SELECT alert_id, ts, ts_us, event, event_type, signature_id, gid, rev, signature,"
        " category, severity, src_ip, src_port, dest_ip, dest_port, proto, flow_id, sensor,"
        " source, doc, community_id, incident_id FROM alerts ORDER BY alert_id",
        -1, &st, NULL), SQLITE_OK);
    size_t cap = 1 << 16, n = 0;
    char *out = calloc(1, cap);
    assert_non_null(out);
    while (sqlite3_step(st) == SQLITE_ROW)
        for (int c = 0; c < sqlite3_column_count(st); c++) {
            const char *v = (const char *)sqlite3_column_text(st, c);
            int w = snprintf(out + n, cap - n, "%s%c", v ? v : "<null>", c + 1 < 22 ? '|' : '\n');
            assert_true(w > 0 && (size_t)w < cap - n);
            n += (size_t)w;
        }
    sqlite3_finalize(st);
    sw_store_close(db);
    return out;
}

/* push_doc: the writer thread stores from the row taken at push exactly what
 * sw_store_insert stores from the parsed document, after the caller has dropped the
 * document; NULL and unusable documents are counted invalid. */
static void test_writer_push_doc(void **state)
{
    (void)state;
    char pa[300], pb[300], err[256];
    db_path(pa, sizeof pa, "pd-a.db");
    db_path(pb, sizeof pb, "pd-b.db");
    sqlite3 *db = sw_store_open(pa, 0, err, sizeof err);
    assert_non_null(db);
    sw_run_info run = {.sensor = "s1", .source = "t.pcap", .start_us = 1695017621000000ull};
    sw_store_writer *w = sw_store_writer_start(pb, &run, err, sizeof err);
    assert_non_null(w);
    const char *eve =
        "{\"timestamp\":\"2023-09-18T08:13:41.532140+0200\",\"flow_id\":15812675,"
        "\"event_type\":\"anomaly\",\"src_ip\":\"203.0.113.9\",\"src_port\":4444,"
        "\"dest_ip\":\"192.0.2.1\",\"dest_port\":22,\"proto\":\"TCP\","
        "\"anomaly\":{\"type\":\"stream\",\"event\":\"stream.pkt_invalid_ack\"},\"host\":\"ids-1\"}";
    for (int i = 0; i < 21; i++) {
        char *text = i < 20 ? make_alert(i, "s1") : strdup(eve);
        json_error_t je;
        json_t *doc = json_loads(text, 0, &je);
        assert_non_null(doc);
        assert_int_equal(sw_store_insert(db, doc, text, err, sizeof err), 1);
        sw_store_writer_push_doc(w, doc, text, 0);
        json_object_set_new(doc, "src_ip", json_string("overwritten"));   /* after the push */
        json_decref(doc);
        free(text);
    }
    sw_store_writer_push_doc(w, NULL, "{}", 0);
    json_t *bad = json_pack("{s:s}", "alert_id", "x");                     /* no timestamp */
    sw_store_writer_push_doc(w, bad, "{\"alert_id\":\"x\"}", 0);
    json_decref(bad);
    sw_store_close(db);
    wait_until_pending_zero(w, 10000);
    sw_store_writer_stats st;
    sw_store_writer_get_stats(w, &st);
    assert_true(st.written == 21);
    assert_true(st.invalid == 2);
    assert_int_equal(sw_store_writer_stop(w, &run, err, sizeof err), 0);
    char *a = dump_rows(pa), *b = dump_rows(pb);
    assert_non_null(strstr(a, "anomaly stream stream.pkt_invalid_ack"));
    assert_null(strstr(b, "overwritten"));
    assert_string_equal(a, b);
    free(a);
    free(b);
}

typedef struct reader_arg {
    const char *path;
    volatile int holding, release;
    int64_t before, during;
} reader_arg;

/* Holds one read transaction (a snapshot) until told to let go. */
static void *reader_main(void *p)
{
    reader_arg *r = p;
    sqlite3 *db;
    sqlite3_open_v2(r->path, &db, SQLITE_OPEN_READONLY, NULL);
    sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
    sqlite3_stmt *st;
    sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM alerts", -1, &st, NULL);
    sqlite3_step(st);
    r->before = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    r->holding = 1;
    while (!r->release)
        usleep(5000);
    sqlite3_step(st);
    r->during = sqlite3_column_int64(st, 0);   /* still the snapshot */
    sqlite3_finalize(st);
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    sqlite3_close(db);
    return NULL;
}

static void test_writer_concurrent_reader(void **state)
{
    (void)state;
    char path[300], err[256];
    db_path(path, sizeof path, "w2.db");
    sw_store_writer_opts o;
    sw_store_writer_opts_init(&o);
    o.batch_max = 64;
    o.batch_ms = 50;
    sw_store_writer *w = sw_store_writer_start_opts(path, NULL, &o, err, sizeof err);
    assert_non_null(w);
    for (int i = 0; i < 10; i++) {
        char *t = make_alert(i, "s");
        sw_store_writer_push(w, t);
        free(t);
    }
    wait_until_pending_zero(w, 5000);

    reader_arg r = {.path = path};
    pthread_t th;
    pthread_create(&th, NULL, reader_main, &r);
    while (!r.holding)
        usleep(1000);
    /* while the reader holds its snapshot, batches keep committing */
    for (int i = 10; i < 2010; i++) {
        char *t = make_alert(i, "s");
        sw_store_writer_push(w, t);
        free(t);
    }
    wait_until_pending_zero(w, 10000);
    sw_store_writer_stats st;
    sw_store_writer_get_stats(w, &st);
    assert_true(st.written == 2010);
    assert_int_equal(count_rows(path, NULL), 2010);   /* a new reader sees them all */
    r.release = 1;
    pthread_join(th, NULL);
    assert_int_equal(r.before, 10);
    assert_int_equal(r.during, 10);
    assert_int_equal(sw_store_writer_stop(w, NULL, err, sizeof err), 0);
    assert_int_equal(count_rows(path, NULL), 2010);
}

static void test_writer_lock_holder(void **state)
{
    (void)state;
    char path[300], err[256];
    db_path(path, sizeof path, "w3.db");
    logbuf lb = {.mu = PTHREAD_MUTEX_INITIALIZER};
    sw_store_writer_opts o;
    sw_store_writer_opts_init(&o);
    o.batch_max = 16;
    o.batch_ms = 20;
    o.backoff_max_ms = 50;
    o.log = capture_log;
    o.log_user = &lb;
    sw_store_writer *w = sw_store_writer_start_opts(path, NULL, &o, err, sizeof err);
    assert_non_null(w);
    wait_until_pending_zero(w, 1000);

    /* another process-like connection takes the write lock and keeps it */
    sqlite3 *locker;
    assert_int_equal(sqlite3_open(path, &locker), SQLITE_OK);
    sqlite3_busy_timeout(locker, 10000);   /* the writer may be finishing a transaction */
    assert_int_equal(sqlite3_exec(locker, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    for (int i = 0; i < 100; i++) {
        char *t = make_alert(i, "s");
        sw_store_writer_push(w, t);   /* returns at once although SQLite is locked */
        free(t);
    }
    /* wait (up to 20 s on a loaded machine) until the writer's busy timeout (1 s)
     * has run out at least once */
    sw_store_writer_stats st;
    for (int i = 0; i < 200; i++) {
        sw_store_writer_get_stats(w, &st);
        if (st.retries >= 1 && st.failing)
            break;
        usleep(100 * 1000);
    }
    sw_store_writer_get_stats(w, &st);
    assert_true(st.written == 0);
    assert_true(st.retries >= 1);
    assert_true(st.failing);
    assert_true(st.pending == 100);
    assert_int_equal(sqlite3_exec(locker, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(locker);
    wait_until_pending_zero(w, 10000);
    sw_store_writer_get_stats(w, &st);
    assert_true(st.written == 100);
    assert_false(st.failing);
    /* the first packet's time, unknown at start, is recorded at stop */
    sw_run_info end = {.start_us = 42, .end_us = 43, .alerts = 100};
    assert_int_equal(sw_store_writer_stop(w, &end, err, sizeof err), 0);
    assert_int_equal(count_rows(path, NULL), 100);
    sqlite3 *db = sw_store_open(path, 1, err, sizeof err);
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT start_us, end_us, alerts, db_written FROM runs",
                                        -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(s, 0), 42);
    assert_int_equal(sqlite3_column_int(s, 1), 43);
    assert_int_equal(sqlite3_column_int(s, 2), 100);
    assert_int_equal(sqlite3_column_int(s, 3), 100);
    sqlite3_finalize(s);
    sw_store_close(db);
}

typedef struct disk {
    volatile int full;
} disk;

/* A "full disk": the connection may not grow the file past its current size. */
static void on_open_disk(void *user, sqlite3 *db)
{
    disk *d = user;
    sqlite3_stmt *st;
    if (!d->full) {
        sqlite3_exec(db, "PRAGMA max_page_count = 1073741823", NULL, NULL, NULL);
        return;
    }
    sqlite3_prepare_v2(db, "PRAGMA page_count", -1, &st, NULL);
    sqlite3_step(st);
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA max_page_count = %d", sqlite3_column_int(st, 0));
    sqlite3_finalize(st);
    sqlite3_exec(db, sql, NULL, NULL, NULL);
}

static void test_writer_disk_full(void **state)
{
    (void)state;
    char path[300], err[256];
    db_path(path, sizeof path, "w4.db");
    logbuf lb = {.mu = PTHREAD_MUTEX_INITIALIZER};
    disk d = {.full = 1};
    sw_store_writer_opts o;
    sw_store_writer_opts_init(&o);
    o.batch_max = 32;
    o.batch_ms = 20;
    o.backoff_max_ms = 40;
    o.log = capture_log;
    o.log_user = &lb;
    o.on_open = on_open_disk;
    o.on_open_user = &d;
    sw_store_writer *w = sw_store_writer_start_opts(path, NULL, &o, err, sizeof err);
    assert_non_null(w);
    for (int i = 0; i < 500; i++) {
        char *t = make_alert(i, "s");
        sw_store_writer_push(w, t);
        free(t);
    }
    sw_store_writer_stats st;
    for (int i = 0; i < 200; i++) {
        sw_store_writer_get_stats(w, &st);
        if (st.failing && log_has(&lb, "full"))
            break;
        usleep(10000);
    }
    assert_true(st.failing);
    assert_true(log_has(&lb, "kept queued and retried"));
    assert_true(st.written < 500);
    d.full = 0;   /* space again: the writer reopens and commits the rest */
    wait_until_pending_zero(w, 10000);
    sw_store_writer_get_stats(w, &st);
    assert_true(st.written == 500);
    assert_true(log_has(&lb, "writable again"));
    assert_int_equal(sw_store_writer_stop(w, NULL, err, sizeof err), 0);
    assert_int_equal(count_rows(path, NULL), 500);
}

static void test_writer_queue_cap_and_unwritable(void **state)
{
    (void)state;
    char path[300], err[512];
    db_path(path, sizeof path, "w5.db");
    logbuf lb = {.mu = PTHREAD_MUTEX_INITIALIZER};
    sw_store_writer_opts o;
    sw_store_writer_opts_init(&o);
    o.batch_max = 8;
    o.batch_ms = 10;
    o.queue_max = 40;
    o.backoff_max_ms = 20;
    o.stop_timeout_ms = 300;
    o.log = capture_log;
    o.log_user = &lb;
    sw_store_writer *w = sw_store_writer_start_opts(path, NULL, &o, err, sizeof err);
    assert_non_null(w);
    wait_until_pending_zero(w, 1000);
    sqlite3 *locker;
    assert_int_equal(sqlite3_open(path, &locker), SQLITE_OK);
    sqlite3_busy_timeout(locker, 10000);   /* the writer may be finishing a transaction */
    assert_int_equal(sqlite3_exec(locker, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    for (int i = 0; i < 100; i++) {
        char *t = make_alert(i, "s");
        sw_store_writer_push(w, t);
        free(t);
    }
    sw_store_writer_stats st;
    sw_store_writer_get_stats(w, &st);
    assert_true(st.queued == 40);
    assert_true(st.dropped == 60);
    for (int i = 0; i < 300 && !log_has(&lb, "queue full"); i++)
        usleep(10000);
    assert_true(log_has(&lb, "queue full"));
    assert_int_equal(sqlite3_exec(locker, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    wait_until_pending_zero(w, 10000);
    /* stop with the lock taken again: it retries for stop_timeout_ms, then says so */
    for (int i = 100; i < 110; i++) {
        char *t = make_alert(i, "s");
        sw_store_writer_push(w, t);
        free(t);
    }
    assert_int_equal(sqlite3_exec(locker, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sw_store_writer_stop(w, NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "could not be written"));
    sqlite3_exec(locker, "COMMIT", NULL, NULL, NULL);
    sqlite3_close(locker);
    int64_t n = count_rows(path, NULL);
    assert_true(n >= 40 && n <= 50);

    /* a database that cannot be written at all at start is not fatal */
    char uri[400];
    snprintf(uri, sizeof uri, "file:%s?mode=ro", path);
    lb.text[0] = '\0';
    w = sw_store_writer_start_opts(uri, NULL, &o, err, sizeof err);
    assert_non_null(w);
    assert_true(log_has(&lb, "read-only"));
    char *t = make_alert(500, "s");
    sw_store_writer_push(w, t);
    free(t);
    assert_int_equal(sw_store_writer_stop(w, NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "1 alert(s) could not be written"));

    /* a path that cannot be created is refused at once */
    assert_null(sw_store_writer_start_opts("/nonexistent-dir/x.db", NULL, &o, err, sizeof err));
}

/* kill -9 of a process in the middle of writing: the file passes integrity_check
 * and holds at least every batch the writer had reported committed. */
static void test_kill9_integrity(void **state)
{
    (void)state;
    char path[300], err[256];
    db_path(path, sizeof path, "kill.db");
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        sw_store_writer_opts o;
        sw_store_writer_opts_init(&o);
        o.batch_max = 100;
        o.batch_ms = 5;
        sw_store_writer *w = sw_store_writer_start_opts(path, NULL, &o, err, sizeof err);
        if (!w)
            _exit(3);
        uint64_t last = 0;
        for (int i = 0;; i++) {
            char *t = make_alert(i, "k");
            sw_store_writer_push(w, t);
            free(t);
            if (i % 50 == 0) {
                sw_store_writer_stats st;
                sw_store_writer_get_stats(w, &st);
                if (st.written != last) {
                    last = st.written;
                    if (write(fds[1], &last, sizeof last) != sizeof last)
                        _exit(4);
                }
                usleep(1000);
            }
        }
    }
    close(fds[1]);
    uint64_t committed = 0, v;
    while (committed < 3000 && read(fds[0], &v, sizeof v) == sizeof v)
        committed = v;
    kill(pid, SIGKILL);
    int status;
    waitpid(pid, &status, 0);
    assert_true(WIFSIGNALED(status));
    /* anything reported after our last read was committed too; read what is left */
    while (read(fds[0], &v, sizeof v) == sizeof v)
        committed = v;
    close(fds[0]);
    assert_true(committed >= 3000);

    sqlite3 *db = sw_store_open(path, 0, err, sizeof err);
    assert_non_null(db);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "ok");
    sqlite3_finalize(st);
    sw_store_close(db);
    int64_t n = count_rows(path, NULL);
    assert_true(n >= (int64_t)committed);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_creates),
        cmocka_unit_test(test_insert_and_columns),
        cmocka_unit_test(test_migration_from_v1),
        cmocka_unit_test(test_refuses_foreign_and_newer),
        cmocka_unit_test(test_writer_batches),
        cmocka_unit_test(test_writer_push_doc),
        cmocka_unit_test(test_writer_concurrent_reader),
        cmocka_unit_test(test_writer_lock_holder),
        cmocka_unit_test(test_writer_disk_full),
        cmocka_unit_test(test_writer_queue_cap_and_unwritable),
        cmocka_unit_test(test_kill9_integrity),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
