/*
 * store.c — the SQLite alert store: opening (file created mode 0640, WAL journal,
 * synchronous=NORMAL), the versioned schema and its forward migrations, inserting
 * one alert document (columns extracted from the document with jansson, so
 * seqwatch alerts and Suricata EVE alerts map the same way), and the runs table.
 *
 * Invariants: PRAGMA user_version is the number of migration steps applied; a new
 * database is built by running every step in order, so the upgrade path is the
 * creation path and is exercised every time. Migration runs in one IMMEDIATE
 * transaction (re-reading the version inside it), so two processes opening an old
 * database at once migrate it once. Every statement is parameterised; prepared
 * statements are owned by the connection and finalised by sw_store_close.
 */
#include "storage/store.h"
#include "storage/alert_json.h"
#include "storage/eve_map.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- schema ----------------------------------------------------------------- */

/* Step 1: the core alerts table and the runs table. */
static const char schema_step1[] =
    "CREATE TABLE alerts ("
    "  id INTEGER PRIMARY KEY,"
    "  alert_id TEXT NOT NULL UNIQUE,"
    "  ts TEXT NOT NULL,"
    "  event TEXT,"
    "  signature_id INTEGER,"
    "  severity INTEGER,"
    "  src_ip TEXT, src_port INTEGER,"
    "  dest_ip TEXT, dest_port INTEGER,"
    "  flow_id INTEGER,"
    "  sensor TEXT,"
    "  doc TEXT NOT NULL CHECK (json_valid(doc)));"
    "CREATE INDEX alerts_ts ON alerts(ts);"
    "CREATE INDEX alerts_event ON alerts(event);"
    "CREATE INDEX alerts_sid ON alerts(signature_id);"
    "CREATE INDEX alerts_src ON alerts(src_ip);"
    "CREATE INDEX alerts_dest ON alerts(dest_ip);"
    "CREATE INDEX alerts_flow ON alerts(flow_id);"
    "CREATE TABLE runs ("
    "  id INTEGER PRIMARY KEY,"
    "  sensor TEXT, source TEXT, rules_hash TEXT,"
    "  start_us INTEGER, end_us INTEGER,"
    "  packets INTEGER, drops INTEGER, flows INTEGER, alerts INTEGER);";

/* Step 2: the remaining EVE columns (filled from the stored documents), the time
 * index on microseconds, the indexes on severity/ports/sensor, the database-queue
 * counters of a run, and the views for ad-hoc SQL. */
static const char schema_step2[] =
    "ALTER TABLE alerts ADD COLUMN ts_us INTEGER;"
    "ALTER TABLE alerts ADD COLUMN event_type TEXT;"
    "ALTER TABLE alerts ADD COLUMN gid INTEGER;"
    "ALTER TABLE alerts ADD COLUMN rev INTEGER;"
    "ALTER TABLE alerts ADD COLUMN signature TEXT;"
    "ALTER TABLE alerts ADD COLUMN category TEXT;"
    "ALTER TABLE alerts ADD COLUMN proto TEXT;"
    "ALTER TABLE alerts ADD COLUMN source TEXT NOT NULL DEFAULT 'seqwatch';"
    "UPDATE alerts SET"
    "  ts_us = sw_ts_us(json_extract(doc, '$.timestamp')),"
    "  event_type = json_extract(doc, '$.event_type'),"
    "  gid = json_extract(doc, '$.alert.gid'),"
    "  rev = json_extract(doc, '$.alert.rev'),"
    "  signature = json_extract(doc, '$.alert.signature'),"
    "  category = json_extract(doc, '$.alert.category'),"
    "  proto = json_extract(doc, '$.proto'),"
    "  source = CASE WHEN json_type(doc, '$.hijack') = 'object'"
    "           THEN 'seqwatch' ELSE 'suricata' END;"
    "DROP INDEX alerts_ts;"
    "CREATE INDEX alerts_ts_us ON alerts(ts_us);"
    "CREATE INDEX alerts_severity ON alerts(severity);"
    "CREATE INDEX alerts_src_port ON alerts(src_port);"
    "CREATE INDEX alerts_dest_port ON alerts(dest_port);"
    "CREATE INDEX alerts_sensor ON alerts(sensor);"
    "ALTER TABLE runs ADD COLUMN db_written INTEGER;"
    "ALTER TABLE runs ADD COLUMN db_dropped INTEGER;"
    "CREATE VIEW alert_evidence AS SELECT"
    "  alert_id, ts, event, signature_id, severity, sensor,"
    "  src_ip, src_port, dest_ip, dest_port, flow_id,"
    "  json_extract(doc, '$.hijack.direction') AS direction,"
    "  json_extract(doc, '$.hijack.client_state') AS client_state,"
    "  json_extract(doc, '$.hijack.server_state') AS server_state,"
    "  json_extract(doc, '$.hijack.evidence') AS evidence,"
    "  json_extract(doc, '$.hijack.ruled_out') AS ruled_out"
    "  FROM alerts WHERE source = 'seqwatch';"
    "CREATE VIEW alert_packets AS SELECT"
    "  a.alert_id AS alert_id, p.key AS n,"
    "  json_extract(p.value, '$.ts_us') AS ts_us,"
    "  json_extract(p.value, '$.dir') AS dir,"
    "  json_extract(p.value, '$.flags') AS flags,"
    "  json_extract(p.value, '$.seq') AS seq,"
    "  json_extract(p.value, '$.ack') AS ack,"
    "  json_extract(p.value, '$.len') AS len,"
    "  json_extract(p.value, '$.win') AS win,"
    "  json_extract(p.value, '$.ttl') AS ttl,"
    "  json_extract(p.value, '$.tsval') AS tsval,"
    "  json_extract(p.value, '$.tsecr') AS tsecr,"
    "  COALESCE(json_extract(p.value, '$.trigger'), 0) AS trigger"
    "  FROM alerts a, json_each(a.doc, '$.hijack.packets') p;"
    "CREATE VIEW alerts_by_event AS SELECT"
    "  COALESCE(event, signature) AS event, source, COUNT(*) AS alerts,"
    "  MIN(ts) AS first, MAX(ts) AS last"
    "  FROM alerts GROUP BY 1, 2;"
    "CREATE VIEW alerts_by_hosts AS SELECT"
    "  src_ip, dest_ip, COUNT(*) AS alerts, COUNT(DISTINCT COALESCE(event, signature)) AS kinds,"
    "  MIN(ts) AS first, MAX(ts) AS last"
    "  FROM alerts GROUP BY src_ip, dest_ip;";

/* Step 3: the Community ID of every alert (indexed; taken from the document, or
 * computed from its addresses and ports for TCP/UDP/SCTP), and the run each alert
 * came from (NULL for alerts stored before, or ingested). */
static const char schema_step3[] =
    "ALTER TABLE alerts ADD COLUMN community_id TEXT;"
    "ALTER TABLE alerts ADD COLUMN run_id INTEGER REFERENCES runs(id);"
    "UPDATE alerts SET community_id = COALESCE(json_extract(doc, '$.community_id'),"
    "  sw_community_id(src_ip, src_port, dest_ip, dest_port, proto));"
    "CREATE INDEX alerts_community_id ON alerts(community_id);"
    "CREATE INDEX alerts_run ON alerts(run_id);";

/* Step 4: the incident an alert belongs to (docs/detections.md, "Incidents"): the
 * alert_id of its parent verdict, from the document's hijack.incident_id or, for an
 * alert written before its parent, from the parent's hijack.incident.chain. Rows
 * stored before the step come from versions without incidents: NULL. */
static const char schema_step4[] =
    "ALTER TABLE alerts ADD COLUMN incident_id TEXT;"
    "UPDATE alerts SET incident_id = json_extract(doc, '$.hijack.incident_id')"
    "  WHERE json_type(doc, '$.hijack.incident_id') = 'text';"
    "CREATE INDEX alerts_incident ON alerts(incident_id);";

static const char *const schema_steps[SW_STORE_SCHEMA_VERSION] = {
    schema_step1,
    schema_step2,
    schema_step3,
    schema_step4,
};

/* The IP protocol number of an EVE "proto" (name or number); 0 if none fits. */
static uint8_t proto_number(const char *p)
{
    if (!p)
        return 0;
    if (!strcasecmp(p, "TCP"))
        return 6;
    if (!strcasecmp(p, "UDP"))
        return 17;
    if (!strcasecmp(p, "SCTP"))
        return 132;
    char *end;
    long v = strtol(p, &end, 10);
    return *p && !*end && (v == 6 || v == 17 || v == 132) ? (uint8_t)v : 0;
}

/* Community ID of a port-based flow from its EVE fields, or -1. */
static int community_id_of(const char *src, long sport, const char *dst, long dport,
                           const char *proto, char *out, size_t len)
{
    uint8_t pn = proto_number(proto);
    if (!pn || sport < 0 || sport > 65535 || dport < 0 || dport > 65535)
        return -1;
    return sw_community_id_text(src, dst, (uint16_t)sport, (uint16_t)dport, pn, out, len);
}

/* sw_community_id(src_ip, src_port, dest_ip, dest_port, proto): for the migration. */
static void sql_community_id(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    char out[SW_COMMUNITY_ID_LEN];
    if (sqlite3_value_type(argv[1]) == SQLITE_INTEGER && sqlite3_value_type(argv[3]) == SQLITE_INTEGER &&
        community_id_of((const char *)sqlite3_value_text(argv[0]), (long)sqlite3_value_int64(argv[1]),
                        (const char *)sqlite3_value_text(argv[2]), (long)sqlite3_value_int64(argv[3]),
                        (const char *)sqlite3_value_text(argv[4]), out, sizeof out) == 0)
        sqlite3_result_text(ctx, out, -1, SQLITE_TRANSIENT);
    else
        sqlite3_result_null(ctx);
}

/* sw_ts_us(text): microseconds of an ISO-8601 timestamp, NULL if unparsable. Used
 * by the migrations; registered on every connection this module opens. */
static void sql_ts_us(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    const unsigned char *s = sqlite3_value_text(argv[0]);
    uint64_t ts;
    if (s && sw_parse_timestamp((const char *)s, &ts) == 0)
        sqlite3_result_int64(ctx, (sqlite3_int64)ts);
    else
        sqlite3_result_null(ctx);
}

int sw_store_schema_version(sqlite3 *db)
{
    sqlite3_stmt *st;
    int v = -1;
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
        return -1;
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return v;
}

static int exec(sqlite3 *db, const char *sql, char *err, size_t errlen)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "%s", msg ? msg : sqlite3_errstr(rc));
        sqlite3_free(msg);
    }
    return rc;
}

static int has_table(sqlite3 *db, const char *name)
{
    sqlite3_stmt *st;
    int found = 0;
    if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_schema WHERE type='table' AND name=?1",
                           -1, &st, NULL) != SQLITE_OK)
        return 0;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    found = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return found;
}

int sw_store_migrate(sqlite3 *db, int target, char *err, size_t errlen)
{
    if (target < 0 || target > SW_STORE_SCHEMA_VERSION)
        target = SW_STORE_SCHEMA_VERSION;
    int rc = exec(db, "BEGIN IMMEDIATE", err, errlen);
    if (rc != SQLITE_OK)
        return rc;
    int v = sw_store_schema_version(db);
    if (v < 0) {
        snprintf(err, errlen, "cannot read the schema version: %s", sqlite3_errmsg(db));
        rc = sqlite3_errcode(db);
        goto fail;
    }
    if (v > SW_STORE_SCHEMA_VERSION) {
        snprintf(err, errlen,
                 "schema version %d is newer than this seqwatch understands (%d)", v,
                 SW_STORE_SCHEMA_VERSION);
        rc = SQLITE_ERROR;
        goto fail;
    }
    if (v == 0 && has_table(db, "alerts")) {
        snprintf(err, errlen, "not a seqwatch database (it has an alerts table but no "
                              "schema version)");
        rc = SQLITE_ERROR;
        goto fail;
    }
    for (int step = v; step < target; step++) {
        char msg[256];
        rc = exec(db, schema_steps[step], msg, sizeof msg);
        if (rc != SQLITE_OK) {
            snprintf(err, errlen, "migration to schema version %d failed: %s", step + 1, msg);
            goto fail;
        }
    }
    if (target > v) {
        char sql[64];
        snprintf(sql, sizeof sql, "PRAGMA user_version = %d", target);
        if ((rc = exec(db, sql, err, errlen)) != SQLITE_OK)
            goto fail;
    }
    if ((rc = exec(db, "COMMIT", err, errlen)) != SQLITE_OK)
        goto fail;
    return SQLITE_OK;
fail:
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

/* ---- open / close ------------------------------------------------------------ */

static int is_special_path(const char *path)
{
    return strcmp(path, ":memory:") == 0 || strncmp(path, "file:", 5) == 0;
}

/* Create the file with mode 0640 (whatever the umask) before SQLite opens it;
 * SQLite gives the -wal and -shm files the database file's permissions. */
static int create_file(const char *path, char *err, size_t errlen)
{
    int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
    if (fd < 0) {
        if (errno == EEXIST)
            return 0;
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (fchmod(fd, 0640) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    close(fd);
    return 0;
}

static sqlite3 *open_conn(const char *path, int readonly, int *code, char *err, size_t errlen)
{
    sqlite3 *db = NULL;
    int flags = readonly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    flags |= SQLITE_OPEN_URI;
    int rc = sqlite3_open_v2(path, &db, flags, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", path,
                 db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
        *code = rc;
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, 1000);
    /* No direct writes to the schema or other ways of corrupting the file. (The
     * schema must stay "trusted": its CHECK and views use the JSON functions, which
     * SQLite before 3.45 does not mark innocuous.) */
    sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)NULL);
    sqlite3_create_function(db, "sw_ts_us", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
                            sql_ts_us, NULL, NULL);
    sqlite3_create_function(db, "sw_community_id", 5, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
                            sql_community_id, NULL, NULL);
    *code = SQLITE_OK;
    return db;
}

/* Read-only media (a forensic copy on a read-only mount or in a directory we may not
 * write): SQLite cannot create the -shm file a WAL database needs. Without a -wal
 * file (seqwatch checkpoints and removes it at close) the database is opened as
 * immutable=1: nothing else can be changing it. With a -wal file but no -shm, the
 * WAL cannot be read safely: immutable too, with a warning that the newest
 * transactions (in the -wal file) are not seen. Returns the URI to open instead of
 * path (free it), or NULL to open path as it is. */
static char *readonly_media_uri(const char *path)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == dir)
        dir[1] = '\0';
    else
        *slash = '\0';
    if (access(dir, W_OK) == 0)
        return NULL;
    char wal[4200], shm[4200];
    snprintf(wal, sizeof wal, "%s-wal", path);
    snprintf(shm, sizeof shm, "%s-shm", path);
    struct stat st;
    int has_wal = stat(wal, &st) == 0 && st.st_size > 0;
    if (has_wal && access(shm, R_OK) == 0)
        return NULL;   /* SQLite reads a WAL database with both files present */
    if (has_wal)
        fprintf(stderr, "seqwatch: warning: %s: the directory is not writable and there is no "
                        "-shm file: opened as immutable, transactions still in %s are not seen\n",
                path, wal);
    size_t n = strlen(path);
    char *uri = malloc(3 * n + 32);
    if (!uri)
        return NULL;
    size_t o = (size_t)sprintf(uri, "file:");
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)path[i];
        if (c == '%' || c == '?' || c == '#')
            o += (size_t)sprintf(uri + o, "%%%02X", c);
        else
            uri[o++] = (char)c;
    }
    sprintf(uri + o, "?immutable=1");
    return uri;
}

sqlite3 *sw_store_open_ex(const char *path, int readonly, int *code, char *err, size_t errlen)
{
    int dummy;
    if (!code)
        code = &dummy;
    *code = SQLITE_OK;
    if (err && errlen)
        err[0] = '\0';
    if (!path || !*path) {
        snprintf(err, errlen, "empty database path");
        *code = SQLITE_MISUSE;
        return NULL;
    }
    if (readonly && !is_special_path(path) && access(path, F_OK) != 0) {
        snprintf(err, errlen, "%s: no such database", path);
        *code = SQLITE_CANTOPEN;
        return NULL;
    }
    /* SQLite says "unable to open database file" for every cause: say which. */
    if (!is_special_path(path) && access(path, F_OK) == 0 &&
        access(path, readonly ? R_OK : R_OK | W_OK) != 0 && (readonly || errno != EROFS)) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        *code = errno == EACCES ? SQLITE_PERM : SQLITE_CANTOPEN;
        return NULL;
    }
    if (readonly && !is_special_path(path)) {
        char *uri = readonly_media_uri(path);
        if (uri) {
            sqlite3 *db = sw_store_open_ex(uri, 1, code, err, errlen);
            free(uri);
            return db;
        }
    }
    if (!readonly && !is_special_path(path) && create_file(path, err, errlen) != 0) {
        *code = SQLITE_CANTOPEN;
        return NULL;
    }
    char msg[512];
    sqlite3 *db = open_conn(path, readonly, code, err, errlen);
    if (!db)
        return NULL;
    if (!readonly) {
        if (sqlite3_db_readonly(db, "main") == 1) {
            snprintf(err, errlen, "%s: database is read-only", path);
            *code = SQLITE_READONLY;
            goto fail;
        }
        /* WAL: readers never block the writer and the writer never blocks readers;
         * synchronous=NORMAL: a committed transaction survives the process being
         * killed (it is in the WAL file), a power cut may lose the last ones. */
        sqlite3_stmt *st;
        int rc = sqlite3_prepare_v2(db, "PRAGMA journal_mode=WAL", -1, &st, NULL);
        if (rc == SQLITE_OK) {
            rc = sqlite3_step(st);
            if (rc == SQLITE_ROW) {
                const char *mode = (const char *)sqlite3_column_text(st, 0);
                rc = SQLITE_OK;
                if (!mode || (strcmp(mode, "wal") != 0 && strcmp(mode, "memory") != 0)) {
                    snprintf(msg, sizeof msg, "cannot switch to WAL mode (journal mode is %s)",
                             mode ? mode : "?");
                    rc = SQLITE_ERROR;
                }
            } else {
                snprintf(msg, sizeof msg, "%s", sqlite3_errmsg(db));
            }
            sqlite3_finalize(st);
        } else {
            snprintf(msg, sizeof msg, "%s", sqlite3_errmsg(db));
        }
        if (rc != SQLITE_OK) {
            snprintf(err, errlen, "%s: %s", path, msg);
            *code = rc;
            goto fail;
        }
        if ((rc = exec(db, "PRAGMA synchronous=NORMAL", msg, sizeof msg)) != SQLITE_OK ||
            (rc = sw_store_migrate(db, SW_STORE_SCHEMA_VERSION, msg, sizeof msg)) != SQLITE_OK) {
            snprintf(err, errlen, "%s: %s", path, msg);
            *code = rc;
            goto fail;
        }
        return db;
    }
    /* Read-only: the schema must be current. An older one is migrated through a
     * short read-write connection first (if the file is writable). */
    int v = sw_store_schema_version(db);
    if (v < 0) {
        snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(db));
        *code = sqlite3_errcode(db);
        goto fail;
    }
    if (v > SW_STORE_SCHEMA_VERSION) {
        snprintf(err, errlen, "%s: schema version %d is newer than this seqwatch understands (%d)",
                 path, v, SW_STORE_SCHEMA_VERSION);
        *code = SQLITE_ERROR;
        goto fail;
    }
    if (v == 0 && !has_table(db, "alerts")) {
        snprintf(err, errlen, "%s: not a seqwatch database (no alerts table)", path);
        *code = SQLITE_ERROR;
        goto fail;
    }
    if (v < SW_STORE_SCHEMA_VERSION) {
        sw_store_close(db);
        sqlite3 *rw = sw_store_open_ex(path, 0, code, msg, sizeof msg);
        if (!rw) {
            snprintf(err, errlen, "schema version %d needs migrating to %d: %s", v,
                     SW_STORE_SCHEMA_VERSION, msg);
            return NULL;
        }
        sw_store_close(rw);
        return sw_store_open_ex(path, 1, code, err, errlen);
    }
    return db;
fail:
    sw_store_close(db);
    return NULL;
}

sqlite3 *sw_store_open(const char *path, int readonly, char *err, size_t errlen)
{
    return sw_store_open_ex(path, readonly, NULL, err, errlen);
}

void sw_store_close(sqlite3 *db)
{
    if (!db)
        return;
    sqlite3_stmt *st;
    while ((st = sqlite3_next_stmt(db, NULL)) != NULL)
        sqlite3_finalize(st);
    sqlite3_close(db);
}

/* A prepared statement for sql (a string constant of this file), prepared once per
 * connection and kept by it: found again by its text among the connection's
 * statements. The statement is reset and its bindings cleared. */
static sqlite3_stmt *cached_stmt(sqlite3 *db, const char *sql)
{
    for (sqlite3_stmt *st = sqlite3_next_stmt(db, NULL); st; st = sqlite3_next_stmt(db, st)) {
        const char *s = sqlite3_sql(st);
        if (s && strcmp(s, sql) == 0 && !sqlite3_stmt_busy(st)) {
            sqlite3_reset(st);
            sqlite3_clear_bindings(st);
            return st;
        }
    }
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK)
        return NULL;
    return st;
}

/* ---- insert ------------------------------------------------------------------ */

static const char insert_sql[] =
    "INSERT INTO alerts (alert_id, ts, ts_us, event, event_type, signature_id, gid, rev,"
    " signature, category, severity, src_ip, src_port, dest_ip, dest_port, proto, flow_id,"
    " sensor, source, doc, community_id, run_id, incident_id)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,"
    " ?18, ?19, ?20, ?21, ?22, ?23)"
    " ON CONFLICT (alert_id) DO NOTHING";

/* An incident's parent links the alerts of its chain, stored before it. */
static const char link_chain_sql[] =
    "UPDATE alerts SET incident_id = ?1"
    " WHERE alert_id IN (SELECT value FROM json_each(?2)) AND alert_id <> ?1"
    " AND flow_id IS ?3 AND sensor IS ?4";

/* A folded alert's closing update (hijack.fold.final, docs/schema.md) replaces the
 * stored document of its alert_id (count, last time) instead of adding a row. */
static const char upsert_sql[] =
    "INSERT INTO alerts (alert_id, ts, ts_us, event, event_type, signature_id, gid, rev,"
    " signature, category, severity, src_ip, src_port, dest_ip, dest_port, proto, flow_id,"
    " sensor, source, doc, incident_id)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,"
    " ?18, ?19, ?20, ?23)"
    " ON CONFLICT (alert_id) DO UPDATE SET doc = excluded.doc,"
    " incident_id = COALESCE(excluded.incident_id, incident_id)";

/* 1 when doc is a fold's closing update. */
static int is_fold_update(const json_t *hijack)
{
    const json_t *fold = hijack ? json_object_get(hijack, "fold") : NULL;
    return json_is_object(fold) && json_is_true(json_object_get(fold, "final"));
}

static void bind_text(sqlite3_stmt *st, int i, const sw_store_text *t)
{
    if (t->p)
        sqlite3_bind_text(st, i, t->p, (int)t->n, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

static void bind_row_int(sqlite3_stmt *st, int i, const sw_store_row *r, int k)
{
    if (r->have_i & (1u << k))
        sqlite3_bind_int64(st, i, (sqlite3_int64)r->i[k]);
    else
        sqlite3_bind_null(st, i);
}

void sw_store_content_id(const json_t *doc, char out[37])
{
    uint8_t digest[crypto_hash_sha256_BYTES];
    char *canon = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
    crypto_hash_sha256(digest, (const unsigned char *)(canon ? canon : ""),
                       canon ? strlen(canon) : 0);
    free(canon);
    sw_uuid_from_digest(digest, out);
}

int sw_store_alert_id(const json_t *doc, char *out, size_t len)
{
    const json_t *id = json_object_get(doc, "alert_id");
    if (id) {
        const char *s = json_string_value(id);
        size_t n = s ? json_string_length(id) : 0;
        if (!s || n == 0 || n >= len || n > SW_STORE_ALERT_ID_MAX || strlen(s) != n)
            return -1;
        memcpy(out, s, n + 1);
        return 0;
    }
    if (len < 37)
        return -1;
    sw_store_content_id(doc, out);
    return 0;
}

/* A parent's document (hijack.incident with an id and a chain): the rows of its
 * chain point to it — only rows of the same connection (flow_id and sensor), so a
 * document ingested from elsewhere cannot claim other connections' alerts. Also for
 * a parent already stored (ingesting a file again). */
static int link_chain(sqlite3 *db, const sw_store_row *r, char *err, size_t errlen)
{
    sqlite3_stmt *st = cached_stmt(db, link_chain_sql);
    if (!st) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(db));
        return -1;
    }
    bind_text(st, 1, &r->t[SW_ROW_LINK_ID]);
    bind_text(st, 2, &r->t[SW_ROW_LINK_CHAIN]);
    bind_row_int(st, 3, r, SW_ROW_FLOW_ID);       /* only rows of its own connection */
    bind_text(st, 4, &r->t[SW_ROW_SENSOR]);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_DONE)
        snprintf(err, errlen, "%s", sqlite3_errmsg(db));
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

int sw_store_insert(sqlite3 *db, const json_t *doc, const char *text, char *err, size_t errlen)
{
    return sw_store_insert_run(db, doc, text, 0, err, errlen);
}

/* A string member as a row text (NULL p when absent or not a string). */
static void text_of(sw_store_text *t, const json_t *obj, const char *key)
{
    const json_t *v = obj ? json_object_get(obj, key) : NULL;
    t->p = json_is_string(v) ? json_string_value(v) : NULL;
    t->n = t->p ? json_string_length(v) : 0;
}

static void text_set(sw_store_text *t, const char *s)
{
    t->p = s;
    t->n = s ? strlen(s) : 0;
}

static void int_of(sw_store_row *r, int k, const json_t *obj, const char *key)
{
    const json_t *v = obj ? json_object_get(obj, key) : NULL;
    if (json_is_integer(v)) {
        r->i[k] = (int64_t)json_integer_value(v);
        r->have_i |= 1u << k;
    }
}

void sw_store_row_clear(sw_store_row *row)
{
    if (row) {
        free(row->chain);
        row->chain = NULL;
    }
}

int sw_store_row_from_doc(const json_t *doc, sw_store_row *r, char *err, size_t errlen)
{
    memset(r, 0, offsetof(sw_store_row, idbuf));
    if (!json_is_object(doc)) {
        snprintf(err, errlen, "not a JSON object");
        return -1;
    }
    if (sw_store_alert_id(doc, r->idbuf, sizeof r->idbuf) != 0) {
        snprintf(err, errlen, "alert_id must be a non-empty string of at most %d bytes",
                 SW_STORE_ALERT_ID_MAX);
        return -1;
    }
    text_set(&r->t[SW_ROW_ALERT_ID], r->idbuf);
    const char *ts_text = json_string_value(json_object_get(doc, "timestamp"));
    if (!ts_text || sw_parse_timestamp(ts_text, &r->ts_us) != 0) {
        snprintf(err, errlen, "missing or unreadable timestamp");
        return -1;
    }
    sw_format_timestamp(r->ts_us, r->tsbuf, sizeof r->tsbuf);
    text_set(&r->t[SW_ROW_TS], r->tsbuf);

    const json_t *alert = json_object_get(doc, "alert");
    if (!json_is_object(alert))
        alert = NULL;
    const json_t *hijack = json_object_get(doc, "hijack");
    if (!json_is_object(hijack))
        hijack = NULL;
    r->ours = hijack != NULL;
    r->fold_update = is_fold_update(hijack);
    if (hijack) {
        text_of(&r->t[SW_ROW_EVENT], hijack, "event");
    } else {
        /* an outside record: the seqwatch event its signature or anomaly means */
        const json_t *an = json_object_get(doc, "anomaly");
        if (alert && json_is_integer(json_object_get(alert, "signature_id")))
            text_set(&r->t[SW_ROW_EVENT],
                     sw_eve_map_sid((uint32_t)json_integer_value(json_object_get(alert, "gid")),
                                    (uint32_t)json_integer_value(json_object_get(alert, "signature_id"))));
        else if (json_is_object(an))
            text_set(&r->t[SW_ROW_EVENT], sw_eve_map_name(json_string_value(json_object_get(an, "event"))));
    }
    text_of(&r->t[SW_ROW_EVENT_TYPE], doc, "event_type");
    int_of(r, SW_ROW_SID, alert, "signature_id");
    int_of(r, SW_ROW_GID, alert, "gid");
    int_of(r, SW_ROW_REV, alert, "rev");
    text_of(&r->t[SW_ROW_SIGNATURE], alert, "signature");
    if (!alert && !hijack) {
        /* a Suricata anomaly record has no signature: show its type and event there */
        const json_t *an = json_object_get(doc, "anomaly");
        const char *atype = json_string_value(json_object_get(an, "type"));
        const char *aev = json_string_value(json_object_get(an, "event"));
        if (aev) {
            snprintf(r->sigbuf, sizeof r->sigbuf, "anomaly %s%s%s", atype ? atype : "",
                     atype ? " " : "", aev);
            text_set(&r->t[SW_ROW_SIGNATURE], r->sigbuf);
        }
    }
    text_of(&r->t[SW_ROW_CATEGORY], alert, "category");
    int_of(r, SW_ROW_SEVERITY, alert, "severity");
    text_of(&r->t[SW_ROW_SRC_IP], doc, "src_ip");
    int_of(r, SW_ROW_SRC_PORT, doc, "src_port");
    text_of(&r->t[SW_ROW_DEST_IP], doc, "dest_ip");
    int_of(r, SW_ROW_DEST_PORT, doc, "dest_port");
    text_of(&r->t[SW_ROW_PROTO], doc, "proto");
    int_of(r, SW_ROW_FLOW_ID, doc, "flow_id");
    /* Suricata names its sensor "host" (sensor-name in suricata.yaml). */
    text_of(&r->t[SW_ROW_SENSOR], doc,
            json_is_string(json_object_get(doc, "sensor")) ? "sensor" : "host");
    text_of(&r->t[SW_ROW_COMMUNITY_ID], doc, "community_id");
    const json_t *sp = json_object_get(doc, "src_port"), *dp = json_object_get(doc, "dest_port");
    if (!r->t[SW_ROW_COMMUNITY_ID].p && json_is_integer(sp) && json_is_integer(dp) &&
        community_id_of(json_string_value(json_object_get(doc, "src_ip")), (long)json_integer_value(sp),
                        json_string_value(json_object_get(doc, "dest_ip")), (long)json_integer_value(dp),
                        json_string_value(json_object_get(doc, "proto")), r->cidbuf, sizeof r->cidbuf) == 0)
        text_set(&r->t[SW_ROW_COMMUNITY_ID], r->cidbuf);
    text_of(&r->t[SW_ROW_INCIDENT_ID], hijack, "incident_id");
    const json_t *inc = hijack ? json_object_get(hijack, "incident") : NULL;
    const json_t *lid = json_object_get(inc, "id"), *chain = json_object_get(inc, "chain");
    if (json_is_string(lid) && json_is_array(chain) && json_array_size(chain) > 0) {
        r->chain = json_dumps(chain, JSON_COMPACT);
        if (!r->chain) {
            snprintf(err, errlen, "out of memory");
            return -2;
        }
        text_of(&r->t[SW_ROW_LINK_ID], inc, "id");
        text_set(&r->t[SW_ROW_LINK_CHAIN], r->chain);
    }
    return 0;
}

int sw_store_insert_run(sqlite3 *db, const json_t *doc, const char *text, int64_t run_id,
                        char *err, size_t errlen)
{
    sw_store_row row;
    int r = sw_store_row_from_doc(doc, &row, err, errlen);
    char *owned = NULL;
    if (r == 0 && !text) {
        owned = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
        if (!owned) {
            snprintf(err, errlen, "out of memory");
            r = -2;
        }
        text = owned;
    }
    if (r == 0)
        r = sw_store_insert_row(db, &row, text, run_id, err, errlen);
    sw_store_row_clear(&row);
    free(owned);
    return r;
}

int sw_store_insert_row(sqlite3 *db, const sw_store_row *r, const char *text, int64_t run_id,
                        char *err, size_t errlen)
{
    sqlite3_stmt *st = cached_stmt(db, r->fold_update ? upsert_sql : insert_sql);
    if (!st) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(db));
        return -2;
    }
    static const struct { int col, k; } texts[] = {
        { 1, SW_ROW_ALERT_ID }, { 2, SW_ROW_TS }, { 4, SW_ROW_EVENT }, { 5, SW_ROW_EVENT_TYPE },
        { 9, SW_ROW_SIGNATURE }, { 10, SW_ROW_CATEGORY }, { 12, SW_ROW_SRC_IP },
        { 14, SW_ROW_DEST_IP }, { 16, SW_ROW_PROTO }, { 18, SW_ROW_SENSOR },
        { 21, SW_ROW_COMMUNITY_ID }, { 23, SW_ROW_INCIDENT_ID },
    };
    static const struct { int col, k; } ints[] = {
        { 6, SW_ROW_SID }, { 7, SW_ROW_GID }, { 8, SW_ROW_REV }, { 11, SW_ROW_SEVERITY },
        { 13, SW_ROW_SRC_PORT }, { 15, SW_ROW_DEST_PORT }, { 17, SW_ROW_FLOW_ID },
    };
    for (size_t k = 0; k < sizeof texts / sizeof texts[0]; k++)
        bind_text(st, texts[k].col, &r->t[texts[k].k]);
    for (size_t k = 0; k < sizeof ints / sizeof ints[0]; k++)
        bind_row_int(st, ints[k].col, r, ints[k].k);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)r->ts_us);
    sqlite3_bind_text(st, 19, r->ours ? "seqwatch" : "suricata", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 20, text, -1, SQLITE_TRANSIENT);
    if (run_id > 0)
        sqlite3_bind_int64(st, 22, run_id);

    int rc = sqlite3_step(st);
    int result;
    if (rc == SQLITE_DONE) {
        result = sqlite3_changes(db) > 0 ? 1 : 0;
    } else if ((rc & 0xff) == SQLITE_CONSTRAINT) {
        snprintf(err, errlen, "rejected by the database: %s", sqlite3_errmsg(db));
        result = -1;
    } else {
        snprintf(err, errlen, "%s", sqlite3_errmsg(db));
        result = -2;
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (result >= 0 && r->ours && r->t[SW_ROW_LINK_ID].p && link_chain(db, r, err, errlen) != 0)
        result = -2;
    return result;
}

/* ---- runs -------------------------------------------------------------------- */

static const char run_begin_sql[] =
    "INSERT INTO runs (sensor, source, rules_hash, start_us) VALUES (?1, ?2, ?3, ?4)";
static const char run_end_sql[] =
    "UPDATE runs SET end_us = ?2, packets = ?3, drops = ?4, flows = ?5, alerts = ?6,"
    " db_written = ?7, db_dropped = ?8, start_us = COALESCE(start_us, ?9) WHERE id = ?1";

int64_t sw_store_run_begin(sqlite3 *db, const sw_run_info *run)
{
    sqlite3_stmt *st = cached_stmt(db, run_begin_sql);
    if (!st)
        return -1;
    if (run->sensor)
        sqlite3_bind_text(st, 1, run->sensor, -1, SQLITE_TRANSIENT);
    if (run->source)
        sqlite3_bind_text(st, 2, run->source, -1, SQLITE_TRANSIENT);
    if (run->rules_hash)
        sqlite3_bind_text(st, 3, run->rules_hash, -1, SQLITE_TRANSIENT);
    if (run->start_us)
        sqlite3_bind_int64(st, 4, (sqlite3_int64)run->start_us);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE ? (int64_t)sqlite3_last_insert_rowid(db) : -1;
}

int sw_store_run_end(sqlite3 *db, int64_t id, const sw_run_info *run, uint64_t db_written,
                     uint64_t db_dropped)
{
    sqlite3_stmt *st = cached_stmt(db, run_end_sql);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    if (run->end_us)
        sqlite3_bind_int64(st, 2, (sqlite3_int64)run->end_us);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)run->packets);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)run->drops);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)run->flows);
    sqlite3_bind_int64(st, 6, (sqlite3_int64)run->alerts);
    sqlite3_bind_int64(st, 7, (sqlite3_int64)db_written);
    sqlite3_bind_int64(st, 8, (sqlite3_int64)db_dropped);
    /* a run's first packet time is often known only after the run began */
    if (run->start_us)
        sqlite3_bind_int64(st, 9, (sqlite3_int64)run->start_us);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE ? 0 : -1;
}
