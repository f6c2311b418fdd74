/*
 * ingest.h — loading JSON-lines alert logs into the store: seqwatch's own alert and
 * anomaly documents (from any sensor) and Suricata EVE "alert" and "anomaly" records,
 * from plain or gzip-compressed files (a UTF-8 byte-order mark is accepted). Idempotent
 * (alert_id, or a content hash when a record has none); bad lines are reported with
 * file:line and skipped, or, in strict mode, abort the whole load with nothing
 * written.
 */
#ifndef SW_INGEST_H
#define SW_INGEST_H
#include <stdint.h>
#include <stddef.h>
#include <stdio.h>
#include <sqlite3.h>

#define SW_INGEST_MAX_LINE_DEFAULT (16u << 20)

typedef struct sw_ingest_opts {
    int      strict;          /* any bad line fails the whole load, nothing written */
    size_t   max_line;        /* longest line accepted (default 16 MiB) */
    uint32_t commit_every;    /* non-strict: commit after this many lines (default 10000) */
    /* Called for each problem, msg is "NAME:LINE: what" (default: stderr). */
    void   (*report)(void *user, const char *msg);
    void    *report_user;
} sw_ingest_opts;

void sw_ingest_opts_init(sw_ingest_opts *o);

typedef struct sw_ingest_stats {
    uint64_t lines;           /* lines read, blank ones included */
    uint64_t loaded;          /* new rows */
    uint64_t duplicate;       /* already in the database */
    uint64_t skipped;         /* malformed, not an alert, unusable */
    uint64_t files_failed;    /* files that could not be opened or read */
    /* well-formed records that are not alerts (flow, dns, stats, ...): not problems,
     * counted by event_type (the first SW_INGEST_TYPES types seen; the rest in
     * types_other) */
    uint64_t not_alert;
    struct { char name[24]; uint64_t n; } types[16];
    uint64_t types_other;
} sw_ingest_stats;
#define SW_INGEST_TYPES 16

/* What one line is. */
typedef enum sw_ingest_outcome {
    SW_INGEST_BLANK = 0,      /* empty or white space: ignored */
    SW_INGEST_LOADED,
    SW_INGEST_DUPLICATE,
    SW_INGEST_SKIPPED,        /* msg says why */
    SW_INGEST_DB_ERROR,       /* msg says why; stop */
    SW_INGEST_NOT_ALERT,      /* a well-formed record of another kind: msg is its event_type */
} sw_ingest_outcome;

/* Classify and store one line (len bytes, no newline; need not be NUL-terminated). */
sw_ingest_outcome sw_ingest_line(sqlite3 *db, const char *line, size_t len, char *msg,
                                 size_t msglen);

/* Load files in order ("-" is stdin). Transactions are handled here: one for the
 * whole load in strict mode (rolled back on the first bad line or error), else one
 * per commit_every lines. Returns 0 if the load went through (lines may have been
 * skipped: see st), -1 if it stopped (strict failure, database error: err says why;
 * in strict mode nothing was written). A file that cannot be opened is reported,
 * counted in files_failed, and (non-strict) the next file is loaded. */
int sw_ingest_files(sqlite3 *db, const char *const *files, size_t nfiles,
                    const sw_ingest_opts *o, sw_ingest_stats *st, char *err, size_t errlen);

#endif
