/*
 * store.h — the SQLite alert store: schema (versioned with PRAGMA user_version and
 * migrated forward on open), WAL mode, file mode 0640, the batched writer thread,
 * the runs table.
 */
#ifndef SW_STORE_H
#define SW_STORE_H
#include <stdint.h>
#include <stddef.h>
#include <jansson.h>
#include <sqlite3.h>

#define SW_STORE_SCHEMA_VERSION 1

/* Open (creating and migrating) the database. readonly: open for queries only. */
sqlite3 *sw_store_open(const char *path, int readonly, char *err, size_t errlen);
void sw_store_close(sqlite3 *db);

/* Insert one alert document (text must be its JSON). Returns 1 inserted, 0 duplicate
 * (alert_id already present), -1 error (err filled). Caller manages transactions. */
int sw_store_insert(sqlite3 *db, const json_t *doc, const char *text, char *err, size_t errlen);

/* Run bookkeeping (the runs table). */
typedef struct sw_run_info {
    const char *sensor, *source, *rules_hash;
    uint64_t start_us, end_us;
    uint64_t packets, drops, flows, alerts;
} sw_run_info;

/* The writer thread: alerts queued, committed in batches (by count and by time),
 * busy/locked retried with backoff, nothing dropped. */
typedef struct sw_store_writer sw_store_writer;
sw_store_writer *sw_store_writer_start(const char *path, const sw_run_info *run,
                                       char *err, size_t errlen);
/* Queue one alert (the text is copied). Never blocks on SQLite. */
void sw_store_writer_push(sw_store_writer *w, const char *json_text);
/* Commit everything queued, record the run's end counters, stop the thread.
 * Returns 0, or -1 if some alerts could not be written (err says why). */
int sw_store_writer_stop(sw_store_writer *w, const sw_run_info *run, char *err, size_t errlen);

#endif
