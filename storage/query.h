/*
 * query.h — reading alerts back: filters turned into parameterised SQL, output as an
 * aligned table, a JSON array, JSON lines (the stored documents) or CSV (RFC 4180),
 * and summary statistics (by event, severity, host pair, time bucket).
 */
#ifndef SW_QUERY_H
#define SW_QUERY_H
#include <stdint.h>
#include <stddef.h>
#include <stdio.h>
#include <sqlite3.h>

#define SW_QUERY_MAX_VALUES 32

typedef struct sw_query_filter {
    int      has_since, has_until;
    uint64_t since_us;                 /* ts_us >= since (inclusive) */
    uint64_t until_us;                 /* ts_us <  until (exclusive) */
    const char *events[SW_QUERY_MAX_VALUES];   /* any of; matches seqwatch event names */
    size_t   nevents;
    int64_t  sids[SW_QUERY_MAX_VALUES];        /* any of */
    size_t   nsids;
    int      severities[SW_QUERY_MAX_VALUES];  /* any of */
    size_t   nseverities;
    const char *ip;                    /* src or dest */
    const char *src, *dst;
    int      port;                     /* src or dest port; -1 = any */
    const char *sensor;
    int      has_flow;
    int64_t  flow_id;
    const char *source;                /* "seqwatch" or "suricata"; NULL = any */
    uint64_t limit;                    /* 0 = all; else the most recent `limit` */
    const char *community_id;          /* Community ID v1 string; NULL = any */
    int64_t  run_id;                   /* runs.id the alerts came from; 0 = any */
} sw_query_filter;

void sw_query_filter_init(sw_query_filter *f);

/* "2h", "30s", "15m", "7d", "2w" (before now_us), "now", or an ISO-8601 time (see
 * sw_parse_timestamp). Returns 0 or -1. */
int sw_query_parse_time(const char *s, uint64_t now_us, uint64_t *out);

typedef enum sw_query_format {
    SW_QFMT_TABLE = 0,
    SW_QFMT_JSON,
    SW_QFMT_JSONL,
    SW_QFMT_CSV,
} sw_query_format;

/* Returns 0 and the format for "table", "json", "jsonl", "csv"; -1 otherwise. */
int sw_query_format_parse(const char *s, sw_query_format *out);

/* Print the matching alerts in time order. Returns the number printed, or -1 (err). */
long sw_query_print(sqlite3 *db, const sw_query_filter *f, sw_query_format fmt, FILE *out,
                    char *err, size_t errlen);

typedef enum sw_query_bucket {
    SW_BUCKET_AUTO = 0,   /* hour if the alerts span at most 48 hours, else day */
    SW_BUCKET_MINUTE,
    SW_BUCKET_HOUR,
    SW_BUCKET_DAY,
} sw_query_bucket;

int sw_query_bucket_parse(const char *s, sw_query_bucket *out);

/* Counts of the matching alerts by event, by severity, by host pair (the top `top`)
 * and per time bucket, as text (json = 0) or one JSON object. 0 or -1 (err). */
int sw_query_stats(sqlite3 *db, const sw_query_filter *f, sw_query_bucket bucket, int top,
                   int json, FILE *out, char *err, size_t errlen);

/* One line per incident (the alerts of one connection instance; docs/detections.md,
 * "Incidents"): connection (client -> server), verdict (the parent's event, "-"
 * without one), most severe severity, first and last time (a folded alert's last
 * repeat included), the alerts and the events with their counts (merged events
 * included). Table (json = 0) or a JSON array. Returns the number of incidents or
 * -1 (err). */
long sw_query_incidents(sqlite3 *db, const sw_query_filter *f, int json, FILE *out, char *err,
                        size_t errlen);

/* Find an alert by its id or a unique prefix of it. Returns 1 and the stored id and
 * document (malloc'd), 0 if none matches, -1 on error, -2 if the prefix is
 * ambiguous (err lists some of the candidates). */
int sw_query_find(sqlite3 *db, const char *id_or_prefix, char **alert_id, char **doc,
                  char *err, size_t errlen);

#endif
