/*
 * query.c — alerts read back from the store: a filter becomes one parameterised
 * WHERE clause (user text is only ever bound, never pasted into SQL), used by the
 * listing (table, JSON array, JSON lines, CSV) and the statistics.
 *
 * Invariants: results come in time order (ts_us, then insertion order); with a
 * limit, the most recent `limit` rows are kept and still printed oldest first; the
 * jsonl format prints the stored documents byte for byte; CSV follows RFC 4180
 * (CRLF line ends, fields with a comma, quote, CR or LF quoted, quotes doubled).
 */
#include "storage/query.h"
#include "storage/alert_json.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void sw_query_filter_init(sw_query_filter *f)
{
    memset(f, 0, sizeof *f);
    f->port = -1;
}

int sw_query_parse_time(const char *s, uint64_t now_us, uint64_t *out)
{
    if (!s || !*s)
        return -1;
    if (strcmp(s, "now") == 0) {
        *out = now_us;
        return 0;
    }
    /* relative: digits and one unit */
    const char *p = s;
    uint64_t n = 0;
    int digits = 0;
    while (isdigit((unsigned char)*p) && digits < 12) {
        n = n * 10 + (uint64_t)(*p - '0');
        p++;
        digits++;
    }
    if (digits > 0 && p[0] && !p[1]) {
        uint64_t unit;
        switch (*p) {
        case 's': unit = 1; break;
        case 'm': unit = 60; break;
        case 'h': unit = 3600; break;
        case 'd': unit = 86400; break;
        case 'w': unit = 7 * 86400; break;
        default: return -1;
        }
        uint64_t d = n * unit * 1000000u;
        *out = d > now_us ? 0 : now_us - d;
        return 0;
    }
    return sw_parse_timestamp(s, out);
}

int sw_query_format_parse(const char *s, sw_query_format *out)
{
    static const char *names[] = {"table", "json", "jsonl", "csv"};
    for (int i = 0; i < 4; i++)
        if (s && strcmp(s, names[i]) == 0) {
            *out = (sw_query_format)i;
            return 0;
        }
    return -1;
}

int sw_query_bucket_parse(const char *s, sw_query_bucket *out)
{
    static const char *names[] = {"auto", "minute", "hour", "day"};
    for (int i = 0; i < 4; i++)
        if (s && strcmp(s, names[i]) == 0) {
            *out = (sw_query_bucket)i;
            return 0;
        }
    return -1;
}

/* ---- the WHERE clause ------------------------------------------------------------ */

typedef struct qbind {
    int is_text;
    int64_t i;
    char s[64];
} qbind;

typedef struct qwhere {
    char sql[2048];
    size_t len;
    qbind binds[4 * SW_QUERY_MAX_VALUES + 16];
    int nb;
    int overflow;
} qwhere;

static void qw_sql(qwhere *w, const char *frag)
{
    size_t n = strlen(frag);
    if (w->len + n + 1 > sizeof w->sql) {
        w->overflow = 1;
        return;
    }
    memcpy(w->sql + w->len, frag, n + 1);
    w->len += n;
}

static void qw_int(qwhere *w, int64_t v)
{
    if (w->nb >= (int)(sizeof w->binds / sizeof w->binds[0])) {
        w->overflow = 1;
        return;
    }
    w->binds[w->nb].is_text = 0;
    w->binds[w->nb].i = v;
    w->nb++;
    qw_sql(w, "?");
}

static void qw_text(qwhere *w, const char *s)
{
    if (w->nb >= (int)(sizeof w->binds / sizeof w->binds[0])) {
        w->overflow = 1;
        return;
    }
    w->binds[w->nb].is_text = 1;
    snprintf(w->binds[w->nb].s, sizeof w->binds[0].s, "%s", s);
    if (strlen(s) >= sizeof w->binds[0].s)
        w->overflow = 1;
    w->nb++;
    qw_sql(w, "?");
}

/* An address as the store writes it (inet_ntop form), so "2001:DB8::0:1" finds
 * "2001:db8::1"; anything unparsable is matched as given. */
static void canonical_ip(const char *in, char *out, size_t len)
{
    unsigned char a[16];
    if (inet_pton(AF_INET, in, a) == 1 && inet_ntop(AF_INET, a, out, (socklen_t)len))
        return;
    if (inet_pton(AF_INET6, in, a) == 1 && inet_ntop(AF_INET6, a, out, (socklen_t)len))
        return;
    snprintf(out, len, "%s", in);
}

static void build_where(qwhere *w, const sw_query_filter *f)
{
    memset(w, 0, sizeof *w);
    qw_sql(w, " WHERE 1");
    if (f->has_since) {
        qw_sql(w, " AND ts_us >= ");
        qw_int(w, (int64_t)f->since_us);
    }
    if (f->has_until) {
        qw_sql(w, " AND ts_us < ");
        qw_int(w, (int64_t)f->until_us);
    }
    if (f->nevents) {
        qw_sql(w, " AND event IN (");
        for (size_t i = 0; i < f->nevents; i++) {
            if (i)
                qw_sql(w, ",");
            qw_text(w, f->events[i]);
        }
        qw_sql(w, ")");
    }
    if (f->nsids) {
        qw_sql(w, " AND signature_id IN (");
        for (size_t i = 0; i < f->nsids; i++) {
            if (i)
                qw_sql(w, ",");
            qw_int(w, f->sids[i]);
        }
        qw_sql(w, ")");
    }
    if (f->nseverities) {
        qw_sql(w, " AND severity IN (");
        for (size_t i = 0; i < f->nseverities; i++) {
            if (i)
                qw_sql(w, ",");
            qw_int(w, f->severities[i]);
        }
        qw_sql(w, ")");
    }
    char ip[64];
    if (f->ip) {
        canonical_ip(f->ip, ip, sizeof ip);
        qw_sql(w, " AND (src_ip = ");
        qw_text(w, ip);
        qw_sql(w, " OR dest_ip = ");
        qw_text(w, ip);
        qw_sql(w, ")");
    }
    if (f->src) {
        canonical_ip(f->src, ip, sizeof ip);
        qw_sql(w, " AND src_ip = ");
        qw_text(w, ip);
    }
    if (f->dst) {
        canonical_ip(f->dst, ip, sizeof ip);
        qw_sql(w, " AND dest_ip = ");
        qw_text(w, ip);
    }
    if (f->port >= 0) {
        qw_sql(w, " AND (src_port = ");
        qw_int(w, f->port);
        qw_sql(w, " OR dest_port = ");
        qw_int(w, f->port);
        qw_sql(w, ")");
    }
    if (f->sensor) {
        qw_sql(w, " AND sensor = ");
        qw_text(w, f->sensor);
    }
    if (f->has_flow) {
        qw_sql(w, " AND flow_id = ");
        qw_int(w, f->flow_id);
    }
    if (f->source) {
        qw_sql(w, " AND source = ");
        qw_text(w, f->source);
    }
    if (f->community_id) {
        qw_sql(w, " AND community_id = ");
        qw_text(w, f->community_id);
    }
    if (f->run_id > 0) {
        qw_sql(w, " AND run_id = ");
        qw_int(w, f->run_id);
    }
}

/* Prepare head + where + tail and bind the filter's values (and `extra` int binds
 * after them, count nextra). */
static sqlite3_stmt *prepare_filtered(sqlite3 *db, const char *head, const sw_query_filter *f,
                                      const char *tail, const int64_t *extra, int nextra,
                                      char *err, size_t errlen)
{
    qwhere w;
    build_where(&w, f);
    if (w.overflow) {
        snprintf(err, errlen, "too many or too long filter values");
        return NULL;
    }
    size_t n = strlen(head) + w.len + strlen(tail) + 1;
    char *sql = malloc(n);
    if (!sql) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    snprintf(sql, n, "%s%s%s", head, w.sql, tail);
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    free(sql);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(db));
        return NULL;
    }
    for (int i = 0; i < w.nb; i++) {
        if (w.binds[i].is_text)
            sqlite3_bind_text(st, i + 1, w.binds[i].s, -1, SQLITE_TRANSIENT);
        else
            sqlite3_bind_int64(st, i + 1, w.binds[i].i);
    }
    for (int i = 0; i < nextra; i++)
        sqlite3_bind_int64(st, w.nb + i + 1, extra[i]);
    return st;
}

/* ---- listing ---------------------------------------------------------------------- */

enum {
    C_ALERT_ID, C_TS_US, C_TS, C_EVENT, C_EVENT_TYPE, C_SID, C_GID, C_REV, C_SIGNATURE,
    C_CATEGORY, C_SEVERITY, C_SRC_IP, C_SRC_PORT, C_DEST_IP, C_DEST_PORT, C_PROTO, C_FLOW,
    C_SENSOR, C_SOURCE, C_DOC, C_COUNT, C_FOLD
};

#define LIST_COLUMNS                                                                      \
    "alert_id, ts_us, ts, event, event_type, signature_id, gid, rev, signature, category," \
    " severity, src_ip, src_port, dest_ip, dest_port, proto, flow_id, sensor, source, doc, id," \
    " json_extract(doc, '$.hijack.fold.count')"

static const char *col_text(sqlite3_stmt *st, int c)
{
    const unsigned char *v = sqlite3_column_text(st, c);
    return v ? (const char *)v : "";
}

static void csv_field(FILE *out, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

static const char *const csv_header[] = {
    "alert_id", "timestamp", "event_type", "event", "signature_id", "gid", "rev", "signature",
    "category", "severity", "src_ip", "src_port", "dest_ip", "dest_port", "proto", "flow_id",
    "sensor", "source", NULL};
static const int csv_cols[] = {C_ALERT_ID, C_TS, C_EVENT_TYPE, C_EVENT, C_SID, C_GID,
                               C_REV, C_SIGNATURE, C_CATEGORY, C_SEVERITY, C_SRC_IP,
                               C_SRC_PORT, C_DEST_IP, C_DEST_PORT, C_PROTO, C_FLOW,
                               C_SENSOR, C_SOURCE};

/* Table cells. */
enum { T_TIME, T_EVENT, T_SEV, T_SID, T_SRC, T_DST, T_FLOW, T_ID, T_NCOLS };
static const char *const t_header[T_NCOLS] = {"time (UTC)", "event", "sev", "sid",
                                              "src", "dst", "flow", "alert_id"};
static const size_t t_max[T_NCOLS] = {23, 32, 3, 10, 46, 46, 20, 13};
#define ID_PREFIX 13   /* "0123abcd-4567": enough for `seqwatch show` to find it */
static const int t_right[T_NCOLS] = {0, 0, 1, 1, 0, 0, 1, 0};

typedef struct trow {
    char *cell[T_NCOLS];
} trow;

static char *endpoint(const char *ip, sqlite3_stmt *st, int port_col)
{
    char buf[128];
    if (sqlite3_column_type(st, port_col) == SQLITE_NULL)
        snprintf(buf, sizeof buf, "%s", *ip ? ip : "-");
    else if (strchr(ip, ':'))
        snprintf(buf, sizeof buf, "[%s]:%d", ip, sqlite3_column_int(st, port_col));
    else
        snprintf(buf, sizeof buf, "%s:%d", ip, sqlite3_column_int(st, port_col));
    return strdup(buf);
}

static char *fmt_dup(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *fmt_dup(const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return strdup(buf);
}

/* Print s in a cell of width w: cut with '~' when longer. */
static void put_cell(FILE *out, const char *s, size_t w, int right, int last)
{
    size_t n = strlen(s);
    if (n > w) {
        fwrite(s, 1, w - 1, out);
        fputc('~', out);
    } else if (right) {
        fprintf(out, "%*s%s", (int)(w - n), "", s);
    } else {
        fputs(s, out);
        if (!last)
            fprintf(out, "%*s", (int)(w - n), "");
    }
}

static void print_table(FILE *out, trow *rows, size_t n)
{
    size_t w[T_NCOLS];
    for (int c = 0; c < T_NCOLS; c++) {
        w[c] = strlen(t_header[c]);
        for (size_t r = 0; r < n; r++) {
            size_t l = strlen(rows[r].cell[c]);
            if (l > w[c])
                w[c] = l;
        }
        if (w[c] > t_max[c] && t_max[c] >= strlen(t_header[c]))
            w[c] = t_max[c];
    }
    for (int c = 0; c < T_NCOLS; c++) {
        put_cell(out, t_header[c], w[c], t_right[c], c == T_NCOLS - 1);
        fputs(c == T_NCOLS - 1 ? "\n" : "  ", out);
    }
    for (size_t r = 0; r < n; r++)
        for (int c = 0; c < T_NCOLS; c++) {
            put_cell(out, rows[r].cell[c], w[c], t_right[c], c == T_NCOLS - 1);
            fputs(c == T_NCOLS - 1 ? "\n" : "  ", out);
        }
    fprintf(out, "(%zu alert%s)\n", n, n == 1 ? "" : "s");
}

long sw_query_print(sqlite3 *db, const sw_query_filter *f, sw_query_format fmt, FILE *out,
                    char *err, size_t errlen)
{
    sqlite3_stmt *st;
    if (f->limit) {
        int64_t lim = f->limit > INT64_MAX ? INT64_MAX : (int64_t)f->limit;
        st = prepare_filtered(db, "SELECT * FROM (SELECT " LIST_COLUMNS " FROM alerts", f,
                              " ORDER BY ts_us DESC, id DESC LIMIT ?) ORDER BY ts_us, id",
                              &lim, 1, err, errlen);
    } else {
        st = prepare_filtered(db, "SELECT " LIST_COLUMNS " FROM alerts", f,
                              " ORDER BY ts_us, id", NULL, 0, err, errlen);
    }
    if (!st)
        return -1;

    long count = 0;
    trow *rows = NULL;
    size_t rows_cap = 0, nrows = 0;
    if (fmt == SW_QFMT_CSV) {
        for (int i = 0; csv_header[i]; i++)
            fprintf(out, "%s%s", i ? "," : "", csv_header[i]);
        fputs("\r\n", out);
    } else if (fmt == SW_QFMT_JSON) {
        fputs("[", out);
    }
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        switch (fmt) {
        case SW_QFMT_JSONL:
            fprintf(out, "%s\n", col_text(st, C_DOC));
            break;
        case SW_QFMT_JSON: {
            json_error_t je;
            json_t *doc = json_loads(col_text(st, C_DOC), 0, &je);
            char *pretty = doc ? json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
            fprintf(out, "%s\n%s", count ? "," : "", pretty ? pretty : col_text(st, C_DOC));
            free(pretty);
            json_decref(doc);
            break;
        }
        case SW_QFMT_CSV:
            for (size_t i = 0; i < sizeof csv_cols / sizeof csv_cols[0]; i++) {
                if (i)
                    fputc(',', out);
                csv_field(out, col_text(st, csv_cols[i]));
            }
            fputs("\r\n", out);
            break;
        case SW_QFMT_TABLE: {
            if (nrows == rows_cap) {
                size_t nc = rows_cap ? rows_cap * 2 : 64;
                trow *nr = realloc(rows, nc * sizeof *nr);
                if (!nr) {
                    snprintf(err, errlen, "out of memory");
                    count = -1;
                    goto done;
                }
                rows = nr;
                rows_cap = nc;
            }
            trow *r = &rows[nrows++];
            char ts[40];
            uint64_t us = (uint64_t)sqlite3_column_int64(st, C_TS_US);
            sw_format_timestamp(us, ts, sizeof ts);
            ts[10] = ' ';
            ts[23] = '\0';   /* milliseconds */
            r->cell[T_TIME] = strdup(ts);
            if (sqlite3_column_int64(st, C_FOLD) > 1)   /* a folded alert: its count */
                r->cell[T_EVENT] = fmt_dup("%s x%lld", col_text(st, C_EVENT),
                                           (long long)sqlite3_column_int64(st, C_FOLD));
            else if (sqlite3_column_type(st, C_EVENT) != SQLITE_NULL)
                r->cell[T_EVENT] = strdup(col_text(st, C_EVENT));
            else
                r->cell[T_EVENT] = fmt_dup("%s", col_text(st, C_SIGNATURE));
            r->cell[T_SEV] = strdup(col_text(st, C_SEVERITY));
            r->cell[T_SID] = strdup(col_text(st, C_SID));
            r->cell[T_SRC] = endpoint(col_text(st, C_SRC_IP), st, C_SRC_PORT);
            r->cell[T_DST] = endpoint(col_text(st, C_DEST_IP), st, C_DEST_PORT);
            r->cell[T_FLOW] = strdup(col_text(st, C_FLOW));
            r->cell[T_ID] = strndup(col_text(st, C_ALERT_ID), ID_PREFIX);
            for (int c = 0; c < T_NCOLS; c++)
                if (!r->cell[c])
                    r->cell[c] = strdup("");
            break;
        }
        }
        count++;
    }
    if (rc != SQLITE_DONE) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(db));
        count = -1;
        goto done;
    }
    if (fmt == SW_QFMT_JSON)
        fputs(count ? "\n]\n" : "]\n", out);
    else if (fmt == SW_QFMT_TABLE)
        print_table(out, rows, nrows);
done:
    for (size_t r = 0; r < nrows; r++)
        for (int c = 0; c < T_NCOLS; c++)
            free(rows[r].cell[c]);
    free(rows);
    sqlite3_finalize(st);
    return count;
}

/* ---- statistics --------------------------------------------------------------------- */

static void bar(FILE *out, int64_t v, int64_t max)
{
    int n = max > 0 ? (int)((v * 40 + max - 1) / max) : 0;
    for (int i = 0; i < n; i++)
        fputc('#', out);
}

int sw_query_stats(sqlite3 *db, const sw_query_filter *f, sw_query_bucket bucket, int top,
                   int json, FILE *out, char *err, size_t errlen)
{
    sw_query_filter g = *f;
    g.limit = 0;
    if (top <= 0)
        top = 10;
    json_t *res = json_object();
    int ok = 0;
    sqlite3_stmt *st = prepare_filtered(db, "SELECT COUNT(*), MIN(ts_us), MAX(ts_us) FROM alerts",
                                        &g, "", NULL, 0, err, errlen);
    if (!st)
        goto fail;
    int64_t total = 0, first = 0, last = 0;
    if (sqlite3_step(st) == SQLITE_ROW) {
        total = sqlite3_column_int64(st, 0);
        first = sqlite3_column_int64(st, 1);
        last = sqlite3_column_int64(st, 2);
    }
    sqlite3_finalize(st);
    char t1[40] = "", t2[40] = "";
    json_object_set_new(res, "total", json_integer(total));
    if (total) {
        sw_format_timestamp((uint64_t)first, t1, sizeof t1);
        sw_format_timestamp((uint64_t)last, t2, sizeof t2);
        json_object_set_new(res, "first", json_string(t1));
        json_object_set_new(res, "last", json_string(t2));
    }

    json_t *arr = json_array();
    json_object_set_new(res, "by_event", arr);
    st = prepare_filtered(db,
                          "SELECT COALESCE(event, signature, '?') AS e, source, COUNT(*) AS n"
                          " FROM alerts", &g, " GROUP BY e, source ORDER BY n DESC, e",
                          NULL, 0, err, errlen);
    if (!st)
        goto fail;
    while (sqlite3_step(st) == SQLITE_ROW)
        json_array_append_new(arr, json_pack("{s:s, s:s, s:I}", "event", col_text(st, 0),
                                             "source", col_text(st, 1), "count",
                                             (json_int_t)sqlite3_column_int64(st, 2)));
    sqlite3_finalize(st);

    arr = json_array();
    json_object_set_new(res, "by_severity", arr);
    st = prepare_filtered(db, "SELECT severity, COUNT(*) FROM alerts", &g,
                          " GROUP BY severity ORDER BY severity IS NULL, severity",
                          NULL, 0, err, errlen);
    if (!st)
        goto fail;
    while (sqlite3_step(st) == SQLITE_ROW) {
        json_t *sev = sqlite3_column_type(st, 0) == SQLITE_NULL
                          ? json_null() : json_integer(sqlite3_column_int64(st, 0));
        json_array_append_new(arr, json_pack("{s:o, s:I}", "severity", sev, "count",
                                             (json_int_t)sqlite3_column_int64(st, 1)));
    }
    sqlite3_finalize(st);

    /* host pairs, unordered: an injection is seen in both directions */
    arr = json_array();
    json_object_set_new(res, "by_host_pair", arr);
    int64_t topv = top;
    st = prepare_filtered(db,
                          "SELECT min(src_ip, dest_ip) AS a, max(src_ip, dest_ip) AS b,"
                          " COUNT(*) AS n FROM alerts",
                          &g, " GROUP BY a, b ORDER BY n DESC, a, b LIMIT ?", &topv, 1, err,
                          errlen);
    if (!st)
        goto fail;
    while (sqlite3_step(st) == SQLITE_ROW)
        json_array_append_new(arr, json_pack("{s:s, s:s, s:I}", "host_a", col_text(st, 0),
                                             "host_b", col_text(st, 1), "count",
                                             (json_int_t)sqlite3_column_int64(st, 2)));
    sqlite3_finalize(st);

    /* connections (instances for seqwatch's alerts): where the alerts concentrate */
    arr = json_array();
    json_object_set_new(res, "by_connection", arr);
    st = prepare_filtered(db,
                          "SELECT min(src_ip || ':' || src_port, dest_ip || ':' || dest_port) AS a,"
                          " max(src_ip || ':' || src_port, dest_ip || ':' || dest_port) AS b,"
                          " flow_id, json_extract(doc, '$.hijack.conn_instance') AS inst,"
                          " COUNT(*) AS n, COUNT(DISTINCT incident_id) AS inc, MIN(severity)"
                          " FROM alerts",
                          &g, " GROUP BY sensor, flow_id, inst, a, b ORDER BY n DESC, a, b LIMIT ?",
                          &topv, 1, err, errlen);
    if (!st)
        goto fail;
    while (sqlite3_step(st) == SQLITE_ROW) {
        json_t *c = json_pack("{s:s, s:s, s:I, s:I, s:I}", "endpoint_a", col_text(st, 0),
                              "endpoint_b", col_text(st, 1), "flow_id",
                              (json_int_t)sqlite3_column_int64(st, 2), "count",
                              (json_int_t)sqlite3_column_int64(st, 4), "incidents",
                              (json_int_t)sqlite3_column_int64(st, 5));
        if (c && sqlite3_column_type(st, 3) == SQLITE_INTEGER)
            json_object_set_new(c, "conn_instance", json_integer(sqlite3_column_int64(st, 3)));
        if (c && sqlite3_column_type(st, 6) == SQLITE_INTEGER)
            json_object_set_new(c, "severity", json_integer(sqlite3_column_int64(st, 6)));
        json_array_append_new(arr, c);
    }
    sqlite3_finalize(st);

    if (bucket == SW_BUCKET_AUTO)
        bucket = (last - first) <= 48ll * 3600 * 1000000 ? SW_BUCKET_HOUR : SW_BUCKET_DAY;
    const char *bfmt = bucket == SW_BUCKET_MINUTE ? "%Y-%m-%dT%H:%MZ"
                       : bucket == SW_BUCKET_HOUR ? "%Y-%m-%dT%H:00Z" : "%Y-%m-%d";
    const char *bname = bucket == SW_BUCKET_MINUTE ? "minute"
                        : bucket == SW_BUCKET_HOUR ? "hour" : "day";
    json_object_set_new(res, "bucket", json_string(bname));
    arr = json_array();
    json_object_set_new(res, "per_bucket", arr);
    char head[160];
    snprintf(head, sizeof head,
             "SELECT strftime('%s', ts_us / 1000000, 'unixepoch') AS b, COUNT(*) FROM alerts",
             bfmt);
    st = prepare_filtered(db, head, &g, " GROUP BY b ORDER BY b", NULL, 0, err, errlen);
    if (!st)
        goto fail;
    while (sqlite3_step(st) == SQLITE_ROW)
        json_array_append_new(arr, json_pack("{s:s, s:I}", "time", col_text(st, 0), "count",
                                             (json_int_t)sqlite3_column_int64(st, 1)));
    sqlite3_finalize(st);

    if (json) {
        char *s = json_dumps(res, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        fprintf(out, "%s\n", s ? s : "{}");
        free(s);
    } else {
        fprintf(out, "alerts: %lld", (long long)total);
        if (total)
            fprintf(out, " (%s .. %s)", t1, t2);
        fputs("\n", out);
        size_t i;
        json_t *e;
        int64_t max = 0;
        fputs("\nby event\n", out);
        json_array_foreach(json_object_get(res, "by_event"), i, e) {
            const char *src = json_string_value(json_object_get(e, "source"));
            fprintf(out, "  %8lld  %s%s\n",
                    (long long)json_integer_value(json_object_get(e, "count")),
                    json_string_value(json_object_get(e, "event")),
                    src && strcmp(src, "seqwatch") != 0 ? " (suricata)" : "");
        }
        fputs("\nby severity\n", out);
        json_array_foreach(json_object_get(res, "by_severity"), i, e) {
            json_t *sv = json_object_get(e, "severity");
            char sb[24];
            if (json_is_integer(sv))
                snprintf(sb, sizeof sb, "%lld", (long long)json_integer_value(sv));
            else
                snprintf(sb, sizeof sb, "none");
            fprintf(out, "  %8lld  %s\n",
                    (long long)json_integer_value(json_object_get(e, "count")), sb);
        }
        fprintf(out, "\nby host pair (top %d)\n", top);
        json_array_foreach(json_object_get(res, "by_host_pair"), i, e)
            fprintf(out, "  %8lld  %s <-> %s\n",
                    (long long)json_integer_value(json_object_get(e, "count")),
                    json_string_value(json_object_get(e, "host_a")),
                    json_string_value(json_object_get(e, "host_b")));
        fprintf(out, "\nby connection (top %d)\n", top);
        json_array_foreach(json_object_get(res, "by_connection"), i, e) {
            json_t *ci = json_object_get(e, "conn_instance");
            fprintf(out, "  %8lld  %s <-> %s", (long long)json_integer_value(json_object_get(e, "count")),
                    json_string_value(json_object_get(e, "endpoint_a")),
                    json_string_value(json_object_get(e, "endpoint_b")));
            if (json_is_integer(ci))
                fprintf(out, " #%lld", (long long)json_integer_value(ci));
            if (json_integer_value(json_object_get(e, "incidents")))
                fputs("  (verdict)", out);
            fputs("\n", out);
        }
        fprintf(out, "\nper %s (UTC)\n", bname);
        json_array_foreach(json_object_get(res, "per_bucket"), i, e) {
            int64_t c = json_integer_value(json_object_get(e, "count"));
            if (c > max)
                max = c;
        }
        json_array_foreach(json_object_get(res, "per_bucket"), i, e) {
            int64_t c = json_integer_value(json_object_get(e, "count"));
            fprintf(out, "  %-17s %8lld  ", json_string_value(json_object_get(e, "time")),
                    (long long)c);
            bar(out, c, max);
            fputs("\n", out);
        }
    }
    ok = 1;
fail:
    json_decref(res);
    return ok ? 0 : -1;
}

/* ---- incidents ---------------------------------------------------------------------- */

enum { I_SENSOR, I_FLOW, I_INST, I_ALERT_ID, I_INCIDENT, I_EVENT, I_SEVERITY, I_TS_US, I_COUNT,
       I_LAST, I_ALSO, I_DIR, I_SRC, I_SPORT, I_DST, I_DPORT };

/* Add n occurrences of event to the incident's "events" object (insertion order). */
static void inc_count(json_t *events, const char *ev, json_int_t n)
{
    if (!ev || !*ev)
        return;
    json_t *v = json_object_get(events, ev);
    json_object_set_new(events, ev, json_integer((v ? json_integer_value(v) : 0) + n));
}

static json_t *incident_new(sqlite3_stmt *st)
{
    int to_client = strcmp(col_text(st, I_DIR), "to_client") == 0;
    char conn[200];
    /* the connection as client -> server (the first alert's packet may go either way) */
    snprintf(conn, sizeof conn, "%s:%lld -> %s:%lld", col_text(st, to_client ? I_DST : I_SRC),
             (long long)sqlite3_column_int64(st, to_client ? I_DPORT : I_SPORT),
             col_text(st, to_client ? I_SRC : I_DST),
             (long long)sqlite3_column_int64(st, to_client ? I_SPORT : I_DPORT));
    return json_pack("{s:s, s:I, s:I, s:s, s:n, s:n, s:I, s:I, s:I, s:{}}", "sensor",
                     col_text(st, I_SENSOR), "flow_id", (json_int_t)sqlite3_column_int64(st, I_FLOW),
                     "conn_instance", (json_int_t)sqlite3_column_int64(st, I_INST), "connection",
                     conn, "incident_id", "verdict", "severity",
                     (json_int_t)sqlite3_column_int64(st, I_SEVERITY), "first_us",
                     (json_int_t)sqlite3_column_int64(st, I_TS_US), "last_us",
                     (json_int_t)sqlite3_column_int64(st, I_TS_US), "events");
}

static void incident_add(json_t *inc, sqlite3_stmt *st)
{
    json_int_t n = sqlite3_column_type(st, I_COUNT) == SQLITE_INTEGER
                       ? (json_int_t)sqlite3_column_int64(st, I_COUNT) : 1;
    json_t *events = json_object_get(inc, "events");
    inc_count(events, col_text(st, I_EVENT), n);
    json_error_t je;
    json_t *also = json_loads(col_text(st, I_ALSO), 0, &je);
    size_t i;
    json_t *a;
    json_int_t later = 0;                        /* verdicts absorbed after this alert */
    json_array_foreach(also, i, a) {
        const char *at = json_string_value(json_object_get(a, "timestamp"));
        uint64_t t;
        inc_count(events, json_string_value(json_object_get(a, "event")), at ? 1 : n);
        if (at && sw_parse_timestamp(at, &t) == 0 && (json_int_t)t > later)
            later = (json_int_t)t;
    }
    json_decref(also);
    json_int_t sev = (json_int_t)sqlite3_column_int64(st, I_SEVERITY);
    if (sqlite3_column_type(st, I_SEVERITY) == SQLITE_INTEGER &&
        sev < json_integer_value(json_object_get(inc, "severity")))
        json_object_set_new(inc, "severity", json_integer(sev));
    json_int_t last = (json_int_t)sqlite3_column_int64(st, I_TS_US);
    uint64_t fl;
    if (sqlite3_column_type(st, I_LAST) == SQLITE_TEXT &&
        sw_parse_timestamp(col_text(st, I_LAST), &fl) == 0)
        last = (json_int_t)fl;
    if (later > last)
        last = later;
    if (last > json_integer_value(json_object_get(inc, "last_us")))
        json_object_set_new(inc, "last_us", json_integer(last));
    json_object_set_new(inc, "alerts", json_integer(json_integer_value(json_object_get(inc, "alerts")) + 1));
    const char *id = col_text(st, I_ALERT_ID), *pid = col_text(st, I_INCIDENT);
    if (*pid && strcmp(id, pid) == 0) {          /* the parent verdict */
        json_object_set_new(inc, "incident_id", json_string(pid));
        json_object_set_new(inc, "verdict", json_string(col_text(st, I_EVENT)));
    }
}

static void incident_print(FILE *out, json_t *inc)
{
    char t1[40], t2[40];
    sw_format_timestamp((uint64_t)json_integer_value(json_object_get(inc, "first_us")), t1, sizeof t1);
    sw_format_timestamp((uint64_t)json_integer_value(json_object_get(inc, "last_us")), t2, sizeof t2);
    json_object_set_new(inc, "first", json_string(t1));
    json_object_set_new(inc, "last", json_string(t2));
    if (!out)
        return;
    const char *verdict = json_string_value(json_object_get(inc, "verdict"));
    const char *pid = json_string_value(json_object_get(inc, "incident_id"));
    /* 2023-11-14T22:13:20.818000+0000: date and time to the millisecond */
    fprintf(out, "%.10s %.12s .. %.12s  %-8.8s  sev %lld  %-16s  %s  %lld alert%s:",
            t1, t1 + 11, t2 + 11, pid ? pid : "-", (long long)json_integer_value(json_object_get(inc, "severity")),
            verdict ? verdict : "-", json_string_value(json_object_get(inc, "connection")),
            (long long)json_integer_value(json_object_get(inc, "alerts")),
            json_integer_value(json_object_get(inc, "alerts")) == 1 ? "" : "s");
    const char *k;
    json_t *v;
    int first = 1;
    json_object_foreach(json_object_get(inc, "events"), k, v) {
        if (json_integer_value(v) > 1)
            fprintf(out, "%s %s x%lld", first ? "" : ",", k, (long long)json_integer_value(v));
        else
            fprintf(out, "%s %s", first ? "" : ",", k);
        first = 0;
    }
    fputc('\n', out);
}

long sw_query_incidents(sqlite3 *db, const sw_query_filter *f, int json, FILE *out, char *err,
                        size_t errlen)
{
    sw_query_filter g = *f;
    g.limit = 0;
    g.source = "seqwatch";
    sqlite3_stmt *st = prepare_filtered(
        db,
        "SELECT COALESCE(sensor, ''), COALESCE(flow_id, 0),"
        " COALESCE(json_extract(doc, '$.hijack.conn_instance'), 0), alert_id, incident_id,"
        " event, severity, ts_us, json_extract(doc, '$.hijack.fold.count'),"
        " json_extract(doc, '$.hijack.fold.last'), json_extract(doc, '$.hijack.also'),"
        " json_extract(doc, '$.hijack.direction'), src_ip, src_port, dest_ip, dest_port"
        " FROM alerts",
        &g, " AND event_type = 'alert' ORDER BY 1, 2, 3, ts_us, id", NULL, 0, err, errlen);
    if (!st)
        return -1;
    json_t *all = json ? json_array() : NULL, *cur = NULL;
    char key[256] = "", k[256];
    long n = 0;
    int rc;
    if (!json && out)
        fputs("first .. last (UTC)                  incident  sev    verdict           "
              "connection  alerts: events\n", out);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        snprintf(k, sizeof k, "%s|%lld|%lld", col_text(st, I_SENSOR),
                 (long long)sqlite3_column_int64(st, I_FLOW), (long long)sqlite3_column_int64(st, I_INST));
        if (!cur || strcmp(k, key) != 0) {
            if (cur) {
                incident_print(json ? NULL : out, cur);
                if (all)
                    json_array_append(all, cur);
                json_decref(cur);
            }
            cur = incident_new(st);
            json_object_set_new(cur, "alerts", json_integer(0));
            snprintf(key, sizeof key, "%s", k);
            n++;
        }
        if (cur)
            incident_add(cur, st);
    }
    if (cur) {
        incident_print(json ? NULL : out, cur);
        if (all)
            json_array_append(all, cur);
        json_decref(cur);
    }
    if (rc != SQLITE_DONE) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(db));
        n = -1;
    }
    sqlite3_finalize(st);
    if (all && n >= 0 && out) {
        char *s = json_dumps(all, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        fprintf(out, "%s\n", s ? s : "[]");
        free(s);
    }
    json_decref(all);
    return n;
}

/* ---- one alert by id or prefix ------------------------------------------------------ */

static int find_exact(sqlite3 *db, const char *id, char **alert_id, char **doc)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT alert_id, doc FROM alerts WHERE alert_id = ?1", -1, &st,
                           NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    int r = 0;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *alert_id = strdup(col_text(st, 0));
        *doc = strdup(col_text(st, 1));
        r = 1;
    } else if (rc != SQLITE_DONE) {
        r = -1;
    }
    sqlite3_finalize(st);
    return r;
}

static int find_prefix(sqlite3 *db, const char *prefix, char **alert_id, char **doc, char *err,
                       size_t errlen)
{
    size_t n = strlen(prefix);
    char hi[256];
    if (n == 0 || n >= sizeof hi)
        return 0;
    memcpy(hi, prefix, n + 1);
    int bounded = (unsigned char)hi[n - 1] < 0x7f;
    if (bounded)
        hi[n - 1]++;
    sqlite3_stmt *st;
    const char *sql = bounded
        ? "SELECT alert_id, doc FROM alerts WHERE alert_id >= ?1 AND alert_id < ?2"
          " AND substr(alert_id, 1, length(?1)) = ?1 ORDER BY alert_id LIMIT 6"
        : "SELECT alert_id, doc FROM alerts WHERE alert_id >= ?1"
          " AND substr(alert_id, 1, length(?1)) = ?1 ORDER BY alert_id LIMIT 6";
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(db));
        return -1;
    }
    sqlite3_bind_text(st, 1, prefix, -1, SQLITE_TRANSIENT);
    if (bounded)
        sqlite3_bind_text(st, 2, hi, -1, SQLITE_TRANSIENT);
    int found = 0, rc;
    size_t el = 0;
    err[0] = '\0';
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        found++;
        if (found == 1) {
            *alert_id = strdup(col_text(st, 0));
            *doc = strdup(col_text(st, 1));
        }
        if (found <= 5) {
            int w = snprintf(err + el, errlen - el, "%s%s", found > 1 ? " " : "",
                             col_text(st, 0));
            if (w > 0 && el + (size_t)w < errlen)
                el += (size_t)w;
        } else if (el + 4 < errlen) {
            snprintf(err + el, errlen - el, " ...");
        }
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(db));
        found = -1;
    }
    if (found > 1) {
        free(*alert_id);
        free(*doc);
        *alert_id = *doc = NULL;
        return -2;
    }
    if (found == 1)
        err[0] = '\0';
    return found;
}

int sw_query_find(sqlite3 *db, const char *id_or_prefix, char **alert_id, char **doc, char *err,
                  size_t errlen)
{
    *alert_id = *doc = NULL;
    if (err && errlen)
        err[0] = '\0';
    int r = find_exact(db, id_or_prefix, alert_id, doc);
    if (r != 0) {
        if (r < 0)
            snprintf(err, errlen, "%s", sqlite3_errmsg(db));
        return r;
    }
    r = find_prefix(db, id_or_prefix, alert_id, doc, err, errlen);
    if (r != 0)
        return r;
    /* ids are written in lower case: try the prefix lower-cased too */
    char low[256];
    size_t n = strlen(id_or_prefix);
    if (n >= sizeof low)
        return 0;
    int changed = 0;
    for (size_t i = 0; i <= n; i++) {
        low[i] = (char)tolower((unsigned char)id_or_prefix[i]);
        changed |= low[i] != id_or_prefix[i];
    }
    if (!changed)
        return 0;
    r = find_exact(db, low, alert_id, doc);
    if (r != 0)
        return r;
    return find_prefix(db, low, alert_id, doc, err, errlen);
}
