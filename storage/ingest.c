/*
 * ingest.c — JSON-lines alert logs into the store. A line is a seqwatch document (it
 * has a "hijack" object), a Suricata EVE alert (event_type "alert" with an "alert"
 * object) or a Suricata anomaly record (event_type "anomaly" with an "anomaly"
 * object); all go through sw_store_insert, which maps them to the same columns (and
 * Suricata's stream signatures to seqwatch event names, storage/eve_map.c). Other
 * well-formed EVE records (flow, dns, stats, ...) are counted by type, quietly; only
 * what is broken is reported "NAME:LINE: why" and skipped. Files are read through
 * zlib, so .gz logs are read as they are (plain files pass through unchanged); a
 * UTF-8 byte-order mark at the start of a file is skipped.
 *
 * Invariants: lines are read with a hard length cap (the rest of an over-long line is
 * discarded unread into memory); a line is never half-stored (one INSERT); in strict
 * mode the whole load is one transaction and the first bad line rolls it back; a
 * database error always stops the load (retrying it line by line cannot help).
 */
#include "storage/ingest.h"
#include "storage/store.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <unistd.h>
#include <zlib.h>
#include <stdlib.h>
#include <string.h>

void sw_ingest_opts_init(sw_ingest_opts *o)
{
    memset(o, 0, sizeof *o);
    o->max_line = SW_INGEST_MAX_LINE_DEFAULT;
    o->commit_every = 10000;
}

static void default_report(void *user, const char *msg)
{
    (void)user;
    fprintf(stderr, "%s\n", msg);
}

sw_ingest_outcome sw_ingest_line(sqlite3 *db, const char *line, size_t len, char *msg,
                                 size_t msglen)
{
    size_t b = 0, e = len;
    while (b < e && (line[b] == ' ' || line[b] == '\t' || line[b] == '\r' || line[b] == '\n'))
        b++;
    while (e > b && (line[e - 1] == ' ' || line[e - 1] == '\t' || line[e - 1] == '\r' ||
                     line[e - 1] == '\n'))
        e--;
    if (b == e)
        return SW_INGEST_BLANK;
    if (memchr(line + b, '\0', e - b)) {
        snprintf(msg, msglen, "invalid JSON: NUL byte in the line");
        return SW_INGEST_SKIPPED;
    }
    json_error_t jerr;
    json_t *doc = json_loadb(line + b, e - b, JSON_REJECT_DUPLICATES, &jerr);
    if (!doc) {
        snprintf(msg, msglen, "invalid JSON: %s (column %d)", jerr.text, jerr.column);
        return SW_INGEST_SKIPPED;
    }
    sw_ingest_outcome out;
    const json_t *hijack = json_object_get(doc, "hijack");
    const json_t *et = json_object_get(doc, "event_type");
    if (!json_is_object(doc)) {
        snprintf(msg, msglen, "not a JSON object");
        out = SW_INGEST_SKIPPED;
    } else if (!json_is_object(hijack) &&
               !(json_is_string(et) && strcmp(json_string_value(et), "alert") == 0 &&
                 json_is_object(json_object_get(doc, "alert"))) &&
               !(json_is_string(et) && strcmp(json_string_value(et), "anomaly") == 0 &&
                 json_is_object(json_object_get(doc, "anomaly")))) {
        const char *t = json_string_value(et);
        if (t && (strcmp(t, "alert") == 0 || strcmp(t, "anomaly") == 0)) {
            snprintf(msg, msglen, "skipped: %s record without an %s object", t, t);
            out = SW_INGEST_SKIPPED;
        } else if (t && *t) {
            snprintf(msg, msglen, "%.23s", t);   /* another kind of record: not a problem */
            out = SW_INGEST_NOT_ALERT;
        } else {
            snprintf(msg, msglen, "skipped: no event_type, not an EVE record");
            out = SW_INGEST_SKIPPED;
        }
    } else {
        /* stored as read (minus surrounding white space), so the document a query
         * returns is byte for byte the line that was ingested */
        char *text = malloc(e - b + 1);
        if (!text) {
            snprintf(msg, msglen, "out of memory");
            json_decref(doc);
            return SW_INGEST_DB_ERROR;
        }
        memcpy(text, line + b, e - b);
        text[e - b] = '\0';
        char ierr[256];
        int r = sw_store_insert(db, doc, text, ierr, sizeof ierr);
        free(text);
        if (r == 1) {
            out = SW_INGEST_LOADED;
        } else if (r == 0) {
            out = SW_INGEST_DUPLICATE;
        } else if (r == -1) {
            snprintf(msg, msglen, "skipped: %s", ierr);
            out = SW_INGEST_SKIPPED;
        } else {
            snprintf(msg, msglen, "database: %s", ierr);
            out = SW_INGEST_DB_ERROR;
        }
    }
    json_decref(doc);
    return out;
}

/* Reads one line into *buf (grown as needed up to max bytes). Returns 1 with *len
 * set (*too_long if the line exceeded max: its rest was skipped), 0 at end of file,
 * -1 on a read error (errno), -2 if compressed data is corrupt or cut short. */
static int read_line(gzFile in, char **buf, size_t *cap, size_t max, size_t *len, int *too_long)
{
    size_t n = 0;
    int c;
    *too_long = 0;
    while ((c = gzgetc(in)) != -1) {
        if (c == '\n')
            break;
        if (n >= max) {
            *too_long = 1;
            continue;
        }
        if (n + 1 >= *cap) {
            size_t nc = *cap ? *cap * 2 : 4096;
            if (nc > max + 1)
                nc = max + 1;
            char *nb = realloc(*buf, nc);
            if (!nb) {
                errno = ENOMEM;
                return -1;
            }
            *buf = nb;
            *cap = nc;
        }
        (*buf)[n++] = (char)c;
    }
    if (c == -1) {
        int zerr;
        gzerror(in, &zerr);
        if (zerr != Z_OK && zerr != Z_STREAM_END)
            return zerr == Z_ERRNO ? -1 : -2;   /* -2: corrupt or cut-short .gz data */
        if (n == 0 && !*too_long)
            return 0;
    }
    *len = n;
    return 1;
}

static int begin(sqlite3 *db, char *err, size_t errlen)
{
    if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "cannot start a transaction: %s", sqlite3_errmsg(db));
        return -1;
    }
    return 0;
}

static int commit(sqlite3 *db, char *err, size_t errlen)
{
    if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "commit failed: %s", sqlite3_errmsg(db));
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    return 0;
}

static void report(const sw_ingest_opts *o, const char *name, uint64_t line, const char *what)
{
    char msg[640];
    if (line)
        snprintf(msg, sizeof msg, "%s:%llu: %s", name, (unsigned long long)line, what);
    else
        snprintf(msg, sizeof msg, "%s: %s", name, what);
    o->report(o->report_user, msg);
}

/* One more record of a kind that is not an alert (type names are bounded). */
static void count_type(sw_ingest_stats *st, const char *in)
{
    char type[24];
    size_t k = 0;
    for (; in[k] && k < sizeof type - 1; k++)   /* outside bytes: printable names only */
        type[k] = (in[k] >= 'a' && in[k] <= 'z') || (in[k] >= '0' && in[k] <= '9') ||
                  in[k] == '_' || in[k] == '-' || in[k] == '.' ? in[k] : '?';
    type[k] = '\0';
    st->not_alert++;
    for (size_t i = 0; i < SW_INGEST_TYPES; i++) {
        if (!st->types[i].name[0]) {
            snprintf(st->types[i].name, sizeof st->types[i].name, "%s", type);
            st->types[i].n = 1;
            return;
        }
        if (strcmp(st->types[i].name, type) == 0) {
            st->types[i].n++;
            return;
        }
    }
    st->types_other++;
}

int sw_ingest_files(sqlite3 *db, const char *const *files, size_t nfiles,
                    const sw_ingest_opts *opts, sw_ingest_stats *st, char *err, size_t errlen)
{
    sw_ingest_opts o;
    if (opts)
        o = *opts;
    else
        sw_ingest_opts_init(&o);
    if (!o.max_line)
        o.max_line = SW_INGEST_MAX_LINE_DEFAULT;
    if (!o.commit_every)
        o.commit_every = 10000;
    if (!o.report)
        o.report = default_report;
    memset(st, 0, sizeof *st);
    if (begin(db, err, errlen) != 0)
        return -1;
    char *buf = NULL;
    size_t cap = 0;
    uint32_t since_commit = 0;
    int rc = 0;
    sw_ingest_stats committed = *st;   /* counts as of the last commit */

    for (size_t f = 0; f < nfiles && rc == 0; f++) {
        const char *name = strcmp(files[f], "-") == 0 ? "<stdin>" : files[f];
        int is_stdin = strcmp(files[f], "-") == 0;
        int fd = is_stdin ? dup(STDIN_FILENO) : open(files[f], O_RDONLY | O_CLOEXEC);
        gzFile in = fd >= 0 ? gzdopen(fd, "rb") : NULL;
        if (!in && fd >= 0) {
            close(fd);
            errno = ENOMEM;
        }
        if (!in) {
            report(&o, name, 0, strerror(errno));
            st->files_failed++;
            if (o.strict) {
                snprintf(err, errlen, "%s: %s", name, strerror(errno));
                rc = -1;
            }
            continue;
        }
        uint64_t lineno = 0;
        for (;;) {
            size_t len = 0;
            int too_long = 0;
            int r = read_line(in, &buf, &cap, o.max_line, &len, &too_long);
            if (r == 0)
                break;
            if (r < 0) {
                const char *why = r == -2 ? "gzip data corrupt or cut short" : strerror(errno);
                report(&o, name, lineno + 1, why);
                st->files_failed++;
                if (o.strict) {
                    snprintf(err, errlen, "%s:%llu: %s", name, (unsigned long long)(lineno + 1), why);
                    rc = -1;
                }
                break;
            }
            lineno++;
            st->lines++;
            char msg[512];
            sw_ingest_outcome out;
            const char *text = buf;
            if (lineno == 1 && len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) {
                text += 3;      /* a UTF-8 byte-order mark (editors on Windows write one) */
                len -= 3;
            }
            if (too_long) {
                snprintf(msg, sizeof msg, "line longer than %zu bytes, skipped", o.max_line);
                out = SW_INGEST_SKIPPED;
            } else {
                out = sw_ingest_line(db, text, len, msg, sizeof msg);
            }
            if (out == SW_INGEST_LOADED) {
                st->loaded++;
            } else if (out == SW_INGEST_DUPLICATE) {
                st->duplicate++;
            } else if (out == SW_INGEST_NOT_ALERT) {
                count_type(st, msg);
            } else if (out == SW_INGEST_SKIPPED) {
                st->skipped++;
                report(&o, name, lineno, msg);
                if (o.strict) {
                    snprintf(err, errlen, "%s:%llu: %s", name, (unsigned long long)lineno, msg);
                    rc = -1;
                    break;
                }
            } else if (out == SW_INGEST_DB_ERROR) {
                snprintf(err, errlen, "%s:%llu: %s", name, (unsigned long long)lineno, msg);
                rc = -1;
                break;
            }
            if (!o.strict && ++since_commit >= o.commit_every) {
                since_commit = 0;
                if (commit(db, err, errlen) != 0) {
                    rc = -1;
                    break;
                }
                committed = *st;
                if (begin(db, err, errlen) != 0) {
                    rc = -2;   /* nothing open to roll back */
                    break;
                }
            }
        }
        gzclose(in);
    }
    free(buf);
    if (rc == 0 && commit(db, err, errlen) == 0)
        return 0;
    if (rc != -2)
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    /* the summary counts only what is in the database */
    st->loaded = committed.loaded;
    st->duplicate = committed.duplicate;
    return -1;
}
