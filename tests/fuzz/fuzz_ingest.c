/*
 * fuzz_ingest.c — libFuzzer target for JSON ingestion (what `seqwatch ingest` does
 * with an eve.json or a seqwatch JSON-lines file) and for everything that later reads
 * the ingested documents back: the query printers (table, JSON, JSON lines, CSV), the
 * statistics and `show`.
 *
 * Input: byte 0 chooses the options (bit0 strict, bit1 a 200-byte line limit, bits2-3
 * commit every 1/3/10000 lines); the rest is the file, written to a memfd and loaded
 * through its /proc/self/fd path with sw_ingest_files, exactly as a file on disk (so
 * input that starts as gzip data goes through zlib, as a .gz log does). The
 * database is one in-memory SQLite database per process, emptied after every input
 * so each input runs alone.
 *
 * Checked besides the sanitizers: every problem report starts with "NAME:LINE: ";
 * the counters add up (loaded + duplicate + skipped + not_alert <= lines; a .gz input
 * that is corrupt counts as one failed file); the database holds
 * exactly `loaded` rows, and none after a refused strict load (nothing
 * half-loaded); every stored row can be printed, shown and found by a prefix.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <jansson.h>

#include "storage/ingest.h"
#include "storage/query.h"
#include "storage/show.h"
#include "storage/store.h"

static sqlite3 *db;
static int memfd = -1;
static char path[64];
static FILE *devnull;

static void on_report(void *user, const char *msg)
{
    size_t n = strlen(path);
    (void)user;
    if (strncmp(msg, path, n) != 0 || msg[n] != ':')
        abort();
}

static int64_t count_rows(void)
{
    sqlite3_stmt *st;
    int64_t n = -1;
    if (sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM alerts", -1, &st, NULL) != SQLITE_OK)
        abort();
    if (sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

/* Print every format and the statistics, and show every stored row. */
static void read_back(void)
{
    char err[512];
    sw_query_filter f;
    sw_query_filter_init(&f);
    for (int fmt = SW_QFMT_TABLE; fmt <= SW_QFMT_CSV; fmt++)
        if (sw_query_print(db, &f, (sw_query_format)fmt, devnull, err, sizeof err) < 0)
            abort();
    if (sw_query_stats(db, &f, SW_BUCKET_AUTO, 5, 0, devnull, err, sizeof err) != 0 ||
        sw_query_stats(db, &f, SW_BUCKET_MINUTE, 5, 1, devnull, err, sizeof err) != 0)
        abort();
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT alert_id, doc FROM alerts LIMIT 16", -1, &st, NULL) != SQLITE_OK)
        abort();
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(st, 0);
        const char *text = (const char *)sqlite3_column_text(st, 1);
        json_error_t je;
        json_t *doc = text ? json_loads(text, 0, &je) : NULL;
        if (!id || !json_is_object(doc))
            abort();   /* only JSON objects are ever stored */
        sw_show_alert(devnull, id, doc);
        /* the flow graph, the filters and the capture of the held headers */
        sw_show_opts so = {0, (const json_t *const *)&doc, 1};
        if (sw_show_graph(devnull, id, doc, &so, 0) != 0 || sw_show_graph(devnull, id, doc, &so, 1) != 0)
            abort();
        sw_show_filters(devnull, doc, &so);
        sw_show_write_pcap("/dev/null", doc, &so, err, sizeof err);
        json_decref(doc);
        /* a prefix of the id finds it again */
        char pre[9];
        snprintf(pre, sizeof pre, "%s", id);
        char *fid = NULL, *fdoc = NULL;
        int r = sw_query_find(db, pre, &fid, &fdoc, err, sizeof err);
        if (r < -2 || r == 0)
            abort();
        free(fid);
        free(fdoc);
    }
    sqlite3_finalize(st);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512];
    if (size < 1 || size > (1u << 20))
        return 0;
    if (!db) {
        db = sw_store_open(":memory:", 0, err, sizeof err);
        memfd = memfd_create("fuzz_ingest.jsonl", 0);
        devnull = fopen("/dev/null", "w");
        if (!db || memfd < 0 || !devnull)
            abort();
        snprintf(path, sizeof path, "/proc/self/fd/%d", memfd);
    }
    if (ftruncate(memfd, 0) != 0 || pwrite(memfd, data + 1, size - 1, 0) != (ssize_t)(size - 1))
        abort();

    sw_ingest_opts o;
    sw_ingest_opts_init(&o);
    o.strict = data[0] & 1;
    if (data[0] & 2)
        o.max_line = 200;
    static const uint32_t every[4] = { 1, 3, 10000, 2 };
    o.commit_every = every[data[0] >> 2 & 3];
    o.report = on_report;
    sw_ingest_stats st;
    const char *files[1] = { path };
    int rc = sw_ingest_files(db, files, 1, &o, &st, err, sizeof err);
    if (st.loaded + st.duplicate + st.skipped + st.not_alert > st.lines || st.files_failed > 1)
        abort();
    int64_t rows = count_rows();
    /* only committed rows are counted as loaded; a refused strict load left none */
    if (rows != (int64_t)st.loaded || (rc != 0 && o.strict && rows != 0))
        abort();
    if (rows > 0)
        read_back();
    if (sqlite3_exec(db, "DELETE FROM alerts", NULL, NULL, NULL) != SQLITE_OK)
        abort();
    return 0;
}
