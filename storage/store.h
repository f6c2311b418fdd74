/*
 * store.h — the SQLite alert store: schema (versioned with PRAGMA user_version and
 * migrated forward on open), WAL mode, file mode 0640, the batched writer thread,
 * the runs table. See docs/schema.md.
 */
#ifndef SW_STORE_H
#define SW_STORE_H
#include <stdint.h>
#include <stddef.h>
#include <jansson.h>
#include <sqlite3.h>

/* Number of migration steps; a database at this user_version is current. */
#define SW_STORE_SCHEMA_VERSION 4
/* Longest alert_id accepted (seqwatch's own are 36: UUID form). */
#define SW_STORE_ALERT_ID_MAX 128

/* Open (creating and migrating) the database. readonly: open for queries only (an
 * older schema is first migrated through a short read-write connection). */
sqlite3 *sw_store_open(const char *path, int readonly, char *err, size_t errlen);
/* The same, also giving the SQLite result code of a failure in *code. */
sqlite3 *sw_store_open_ex(const char *path, int readonly, int *code, char *err, size_t errlen);
void sw_store_close(sqlite3 *db);

/* PRAGMA user_version, or -1. */
int sw_store_schema_version(sqlite3 *db);
/* Apply migration steps up to target (tests build older schemas with this). */
int sw_store_migrate(sqlite3 *db, int target, char *err, size_t errlen);

/* Insert one alert document (text, if not NULL, must be its JSON; it is stored as
 * given). Returns 1 inserted, 0 duplicate (alert_id already present), -1 the document
 * is unusable (no timestamp, bad alert_id, rejected by a constraint: retrying cannot
 * help), -2 database error (busy, full, read-only...: sqlite3_errcode(db) says which).
 * err is filled on failure. Caller manages transactions. */
int sw_store_insert(sqlite3 *db, const json_t *doc, const char *text, char *err, size_t errlen);
/* The same, linking the alert to the runs row run_id (0: no run, e.g. ingested). The
 * community_id column is the document's, or computed from its addresses, ports and
 * proto (TCP/UDP/SCTP) when it has none. */
int sw_store_insert_run(sqlite3 *db, const json_t *doc, const char *text, int64_t run_id,
                        char *err, size_t errlen);

/* An alert's index columns, taken from its document once (on the producer's side,
 * so the writer thread never parses the text again). A text with p NULL is SQL
 * NULL; the texts point into the document or into the row's buffers (chain is
 * owned: sw_store_row_clear). */
typedef struct sw_store_text { const char *p; size_t n; } sw_store_text;
enum {
    SW_ROW_ALERT_ID, SW_ROW_TS, SW_ROW_EVENT, SW_ROW_EVENT_TYPE, SW_ROW_SIGNATURE,
    SW_ROW_CATEGORY, SW_ROW_SRC_IP, SW_ROW_DEST_IP, SW_ROW_PROTO, SW_ROW_SENSOR,
    SW_ROW_COMMUNITY_ID, SW_ROW_INCIDENT_ID, SW_ROW_LINK_ID, SW_ROW_LINK_CHAIN,
    SW_ROW_NTEXT
};
enum { SW_ROW_SID, SW_ROW_GID, SW_ROW_REV, SW_ROW_SEVERITY, SW_ROW_SRC_PORT,
       SW_ROW_DEST_PORT, SW_ROW_FLOW_ID, SW_ROW_NINT };
typedef struct sw_store_row {
    sw_store_text t[SW_ROW_NTEXT];   /* LINK_ID/LINK_CHAIN: hijack.incident's id and chain */
    int64_t i[SW_ROW_NINT];
    unsigned have_i;                 /* bit k: i[k] is set (else SQL NULL) */
    uint64_t ts_us;
    int ours;                        /* a seqwatch document (source column) */
    int fold_update;                 /* a fold's closing update: upsert */
    char *chain;                     /* owned text of LINK_CHAIN */
    char idbuf[SW_STORE_ALERT_ID_MAX + 1], tsbuf[40], sigbuf[160], cidbuf[32];
} sw_store_row;
/* Fill *row from doc (valid while doc lives). 0, or -1 the document is unusable (err
 * says why), -2 out of memory. Clear the row after either. */
int sw_store_row_from_doc(const json_t *doc, sw_store_row *row, char *err, size_t errlen);
void sw_store_row_clear(sw_store_row *row);
/* sw_store_insert_run of a row and its document's text (required). */
int sw_store_insert_row(sqlite3 *db, const sw_store_row *row, const char *text, int64_t run_id,
                        char *err, size_t errlen);

/* The id a document is stored under: its "alert_id", or, when it has none (Suricata
 * EVE records), a content hash (sha256 of the compact key-sorted dump, UUID form).
 * Returns -1 if alert_id is present but unusable. */
int sw_store_alert_id(const json_t *doc, char *out, size_t len);
void sw_store_content_id(const json_t *doc, char out[37]);

/* Run bookkeeping (the runs table). */
typedef struct sw_run_info {
    const char *sensor, *source, *rules_hash;
    uint64_t start_us, end_us;
    uint64_t packets, drops, flows, alerts;
} sw_run_info;

/* Insert a runs row; returns its id or -1. */
int64_t sw_store_run_begin(sqlite3 *db, const sw_run_info *run);
/* Record the end counters of run id (and start_us, if it was not known at begin).
 * 0 or -1. */
int sw_store_run_end(sqlite3 *db, int64_t id, const sw_run_info *run, uint64_t db_written,
                     uint64_t db_dropped);

/* The writer thread: alerts queued, committed in batches (by count and by time),
 * busy/locked retried with backoff, nothing dropped. */
typedef struct sw_store_writer sw_store_writer;

typedef struct sw_store_writer_opts {
    size_t   batch_max;        /* commit when this many are queued (default 256) */
    uint32_t batch_ms;         /* ... or when the oldest has waited this long (default 500) */
    size_t   queue_max;        /* alerts held for the database at most (default 100000);
                                  beyond it alerts are dropped from the DB queue and counted */
    uint32_t backoff_min_ms;   /* first retry delay after a failed commit (default 10) */
    uint32_t backoff_max_ms;   /* retry delay cap (default 2000) */
    uint32_t stop_timeout_ms;  /* how long stop keeps retrying a failing database (default 15000) */
    /* Notices (database failing / recovered / queue full). Default: one line on stderr
     * "seqwatch: database FILE: ...". Called from the writer thread. */
    void   (*log)(void *user, const char *msg);
    void    *log_user;
    /* Called after each (re)open of the connection, e.g. to set
     * pragmas (tests use it to emulate a full disk with max_page_count). */
    void   (*on_open)(void *user, sqlite3 *db);
    void    *on_open_user;
} sw_store_writer_opts;

void sw_store_writer_opts_init(sw_store_writer_opts *o);

/* Start the writer. Returns NULL (err says why) only for errors retrying cannot fix
 * (cannot create the file, not a database, newer schema); a database that is locked,
 * read-only or full at start is reported through log and retried. */
sw_store_writer *sw_store_writer_start(const char *path, const sw_run_info *run,
                                       char *err, size_t errlen);
sw_store_writer *sw_store_writer_start_opts(const char *path, const sw_run_info *run,
                                            const sw_store_writer_opts *opts,
                                            char *err, size_t errlen);
/* Queue one alert (the text is copied). Never blocks on SQLite. */
void sw_store_writer_push(sw_store_writer *w, const char *json_text);
/* The same, with flags: SW_PUSH_ELSEWHERE = the alert is also in another output (the
 * JSON lines), so losing it here does not lose it altogether. */
#define SW_PUSH_ELSEWHERE 1u
void sw_store_writer_push_ex(sw_store_writer *w, const char *json_text, unsigned flags);
/* The same for a document in hand and its text (json_text must be doc's JSON, e.g.
 * sw_alert_dumps): the index columns are taken from doc now, so the writer thread
 * never parses the text. doc NULL or unusable: counted invalid, like junk text. */
void sw_store_writer_push_doc(sw_store_writer *w, const json_t *doc, const char *json_text,
                              unsigned flags);

typedef struct sw_store_writer_stats {
    uint64_t queued;           /* accepted by push */
    uint64_t written;          /* committed as new rows */
    uint64_t duplicates;       /* committed but already present (same alert_id) */
    uint64_t invalid;          /* unusable documents (bad JSON, no timestamp) */
    uint64_t dropped;          /* refused by push because the queue was at queue_max */
    uint64_t commits, retries; /* transactions committed, failed attempts retried */
    uint64_t pending;          /* queued or in hand, not yet committed */
    int      failing;          /* the last attempt failed */
    char     last_error[256];
    uint64_t given_up;         /* left uncommitted when stop ran out of time */
    uint64_t lost_nowhere;     /* not stored (dropped, invalid or given up on) and not
                                  pushed with SW_PUSH_ELSEWHERE */
} sw_store_writer_stats;
void sw_store_writer_get_stats(sw_store_writer *w, sw_store_writer_stats *out);

/* Commit everything queued, record the run's end counters, stop the thread, free w.
 * Returns 0, or -1 if some alerts could not be written (err says why and how many). */
int sw_store_writer_stop(sw_store_writer *w, const sw_run_info *run, char *err, size_t errlen);
/* The same, also giving the final counters in *final (may be NULL). */
int sw_store_writer_stop_ex(sw_store_writer *w, const sw_run_info *run,
                            sw_store_writer_stats *final, char *err, size_t errlen);

#endif
