/*
 * writer.c — the one thread that writes alerts into SQLite. Producers push alert
 * texts into a bounded queue (a mutex and a condition variable: one push per alert,
 * never per packet); the thread takes the whole queue at once and commits it in
 * transactions of at most batch_max alerts, when batch_max are waiting or the
 * oldest has waited batch_ms of wall-clock time (the writer is about durability, so
 * wall time is right here; detection never sees it).
 *
 * Invariants: push never touches SQLite and never waits for it. An alert leaves the
 * writer's hands only when the transaction holding it has committed (or it is an
 * unusable document, counted as invalid); a failed transaction (busy, locked,
 * read-only, disk full, I/O error) is rolled back and retried with exponential
 * backoff, reopening the connection after repeated failures. Queued plus in-hand
 * alerts never exceed queue_max: beyond it push drops and counts. Alerts are
 * committed in push order. Stop drains everything, giving up only after
 * stop_timeout_ms of continuous failure, and says how many were not written.
 * Each queued item is one allocation: the flags (SW_PUSH_ELSEWHERE: the alert is
 * also in another output, so the writer can say how many of the alerts it lost are
 * in no output at all), the index columns the producer took from the document
 * (sw_store_row, its texts copied behind the alert's text) and the text: the writer
 * thread stores the text as given and never parses it.
 */
#include "storage/store.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct witem {
    unsigned flags;
    int usable;                /* row is filled (else the document was unusable) */
    sw_store_row row;          /* texts point behind text, into this allocation */
    char text[];
} witem;

struct sw_store_writer {
    sw_store_writer_opts o;
    char *path;
    char *sensor, *source, *rules_hash;
    uint64_t start_us;

    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    /* under mu */
    witem **in;                /* queued alerts, in push order */
    size_t in_n, in_cap;
    size_t held;               /* taken by the thread, not yet committed */
    uint64_t first_in_ms;      /* monotonic time the oldest queued alert arrived */
    int stopping;
    sw_run_info end;           /* set by stop */
    sw_store_writer_stats st;
    int drop_noticed;

    /* thread only */
    sqlite3 *db;
    int64_t run_id;
    int fail_streak;
    uint64_t failing_since_ms;
    int failure_reported;
    size_t lost;               /* given up on at stop */
};

/* Whether another output has a queued item. */
static int item_elsewhere(const witem *item) { return (item->flags & SW_PUSH_ELSEWHERE) != 0; }

/* With mu held: count items[0..n) that are lost for the database. */
static void count_lost(sw_store_writer *w, witem **items, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (items[i] && !item_elsewhere(items[i]))
            w->st.lost_nowhere++;
}

static void check_drop_notice(sw_store_writer *w);

/* Bounded copy that always terminates (truncation of a message is fine). */
static void copy_str(char *dst, size_t n, const char *src)
{
    size_t l = strlen(src);
    if (l >= n)
        l = n - 1;
    memcpy(dst, src, l);
    dst[l] = '\0';
}

static uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void sleep_ms(uint32_t ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static void default_log(void *user, const char *msg)
{
    (void)user;
    fprintf(stderr, "seqwatch: %s\n", msg);
}

static void notice(sw_store_writer *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void notice(sw_store_writer *w, const char *fmt, ...)
{
    char msg[512];
    int n = snprintf(msg, sizeof msg, "database %s: ", w->path);
    va_list ap;
    va_start(ap, fmt);
    if (n > 0 && (size_t)n < sizeof msg)
        vsnprintf(msg + n, sizeof msg - (size_t)n, fmt, ap);
    va_end(ap);
    w->o.log(w->o.log_user, msg);
}

void sw_store_writer_opts_init(sw_store_writer_opts *o)
{
    memset(o, 0, sizeof *o);
    o->batch_max = 256;
    o->batch_ms = 500;
    o->queue_max = 100000;
    o->backoff_min_ms = 10;
    o->backoff_max_ms = 2000;
    o->stop_timeout_ms = 15000;
    o->log = default_log;
}

static void set_error(sw_store_writer *w, const char *msg)
{
    pthread_mutex_lock(&w->mu);
    copy_str(w->st.last_error, sizeof w->st.last_error, msg);
    w->st.failing = 1;
    w->st.retries++;
    pthread_mutex_unlock(&w->mu);
}

/* A failed attempt: remember it, report it (at once, or after 5 s of plain lock
 * contention, which is normal for short moments), and close the connection after a
 * few failures in a row so the next attempt starts afresh (a file made writable
 * again, a disk with space again). */
static void attempt_failed(sw_store_writer *w, int code, const char *msg)
{
    uint64_t now = mono_ms();
    if (w->fail_streak++ == 0)
        w->failing_since_ms = now;
    set_error(w, msg);
    int busy = (code & 0xff) == SQLITE_BUSY || (code & 0xff) == SQLITE_LOCKED;
    if (!w->failure_reported && (!busy || now - w->failing_since_ms >= 5000)) {
        pthread_mutex_lock(&w->mu);
        uint64_t pending = w->st.pending;
        pthread_mutex_unlock(&w->mu);
        notice(w, "%s; %llu alert(s) kept queued and retried",
               msg, (unsigned long long)pending);
        w->failure_reported = 1;
    }
    if (w->fail_streak % 4 == 0 && w->db) {
        sw_store_close(w->db);
        w->db = NULL;
    }
}

static void attempt_succeeded(sw_store_writer *w)
{
    if (w->failure_reported)
        notice(w, "writable again; queued alerts are being committed");
    w->fail_streak = 0;
    w->failure_reported = 0;
    pthread_mutex_lock(&w->mu);
    w->st.failing = 0;
    pthread_mutex_unlock(&w->mu);
}

static uint32_t backoff_ms(const sw_store_writer *w)
{
    uint64_t d = w->o.backoff_min_ms ? w->o.backoff_min_ms : 1;
    for (int i = 1; i < w->fail_streak && d < w->o.backoff_max_ms; i++)
        d *= 2;
    return (uint32_t)(d < w->o.backoff_max_ms ? d : w->o.backoff_max_ms);
}

/* Open the connection and record the run, if not done yet. 0 ok, else the code. */
static int ensure_open(sw_store_writer *w, char *msg, size_t msglen)
{
    int code = SQLITE_OK;
    if (!w->db) {
        w->db = sw_store_open_ex(w->path, 0, &code, msg, msglen);
        if (!w->db)
            return code ? code : SQLITE_ERROR;
        if (w->o.on_open)
            w->o.on_open(w->o.on_open_user, w->db);
    }
    if (w->run_id < 0) {
        sw_run_info run = {.sensor = w->sensor, .source = w->source,
                           .rules_hash = w->rules_hash, .start_us = w->start_us};
        w->run_id = sw_store_run_begin(w->db, &run);
        if (w->run_id < 0) {
            snprintf(msg, msglen, "%s", sqlite3_errmsg(w->db));
            return sqlite3_extended_errcode(w->db);
        }
    }
    return SQLITE_OK;
}

/* One transaction over items[0..n). Items found unusable are freed and set NULL
 * (they stay out of retries). Returns SQLITE_OK when committed. */
static int commit_batch(sw_store_writer *w, witem **items, size_t n, uint64_t *written,
                        uint64_t *dups, uint64_t *invalid, char *msg, size_t msglen)
{
    sqlite3 *db = w->db;
    uint64_t wr = 0, du = 0;
    int rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        snprintf(msg, msglen, "%s", sqlite3_errmsg(db));
        return sqlite3_extended_errcode(db);
    }
    for (size_t i = 0; i < n; i++) {
        if (!items[i])
            continue;
        int r = -1;
        char ierr[256];
        if (items[i]->usable)
            r = sw_store_insert_row(db, &items[i]->row, items[i]->text, w->run_id, ierr,
                                    sizeof ierr);
        if (r == -2) {
            snprintf(msg, msglen, "%s", ierr);
            rc = sqlite3_extended_errcode(db);
            sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
            return rc ? rc : SQLITE_ERROR;
        }
        if (r == 1)
            wr++;
        else if (r == 0)
            du++;
        else {
            (*invalid)++;     /* out of the batch for good, whatever happens next */
            if (!item_elsewhere(items[i])) {
                pthread_mutex_lock(&w->mu);
                w->st.lost_nowhere++;
                pthread_mutex_unlock(&w->mu);
            }
            free(items[i]);
            items[i] = NULL;
        }
    }
    rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        snprintf(msg, msglen, "%s", sqlite3_errmsg(db));
        rc = sqlite3_extended_errcode(db);
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return rc ? rc : SQLITE_ERROR;
    }
    *written += wr;
    *dups += du;
    return SQLITE_OK;
}

/* Commit items[0..n) in transactions of batch_max, retrying failures. Returns the
 * number of items left uncommitted (only non-zero when stopping and out of time). */
static size_t commit_all(sw_store_writer *w, witem **items, size_t n)
{
    size_t done = 0;
    uint64_t give_up_at = 0;
    while (done < n) {
        size_t chunk = n - done < w->o.batch_max ? n - done : w->o.batch_max;
        char msg[300] = "";
        uint64_t wr = 0, du = 0, inv = 0;
        int rc = ensure_open(w, msg, sizeof msg);
        if (rc == SQLITE_OK)
            rc = commit_batch(w, items + done, chunk, &wr, &du, &inv, msg, sizeof msg);
        if (rc == SQLITE_OK) {
            attempt_succeeded(w);
            for (size_t i = done; i < done + chunk; i++)
                free(items[i]);
            done += chunk;
            give_up_at = 0;
            pthread_mutex_lock(&w->mu);
            w->st.written += wr;
            w->st.duplicates += du;
            w->st.invalid += inv;
            w->st.commits++;
            w->held -= chunk;
            w->st.pending -= chunk;
            pthread_mutex_unlock(&w->mu);
            continue;
        }
        if (inv) {
            pthread_mutex_lock(&w->mu);
            w->st.invalid += inv;
            pthread_mutex_unlock(&w->mu);
        }
        attempt_failed(w, rc, msg);
        check_drop_notice(w);
        pthread_mutex_lock(&w->mu);
        int stopping = w->stopping;
        pthread_mutex_unlock(&w->mu);
        if (stopping) {
            uint64_t now = mono_ms();
            if (!give_up_at)
                give_up_at = now + w->o.stop_timeout_ms;
            if (now >= give_up_at)
                break;
        }
        sleep_ms(backoff_ms(w));
    }
    size_t left = n - done;
    if (left) {
        pthread_mutex_lock(&w->mu);
        count_lost(w, items + done, left);
        pthread_mutex_unlock(&w->mu);
    }
    for (size_t i = done; i < n; i++)
        free(items[i]);
    if (left) {
        pthread_mutex_lock(&w->mu);
        w->held -= left;
        w->st.pending -= left;
        pthread_mutex_unlock(&w->mu);
    }
    return left;
}

static void check_drop_notice(sw_store_writer *w)
{
    pthread_mutex_lock(&w->mu);
    if (w->drop_noticed != 1) {
        pthread_mutex_unlock(&w->mu);
        return;
    }
    w->drop_noticed = 2;
    uint64_t dropped = w->st.dropped;
    pthread_mutex_unlock(&w->mu);
    notice(w, "queue full (%zu alerts waiting): alerts beyond it are not stored in the "
              "database and are counted (%llu so far)",
           w->o.queue_max, (unsigned long long)dropped);
}

/* With mu held: wait until there is work (a full batch, a batch past its deadline,
 * a pending open/run record whose retry time has come) or stop is requested. */
static void wait_for_work(sw_store_writer *w, uint64_t retry_at)
{
    for (;;) {
        if (w->stopping || w->in_n >= w->o.batch_max)
            return;
        uint64_t now = mono_ms();
        int need_open = !w->db || w->run_id < 0;
        if (w->in_n > 0 && now >= w->first_in_ms + w->o.batch_ms)
            return;
        if (w->in_n == 0 && need_open && now >= retry_at)
            return;
        uint64_t deadline = UINT64_MAX;
        if (w->in_n > 0)
            deadline = w->first_in_ms + w->o.batch_ms;
        if (need_open && retry_at < deadline)
            deadline = retry_at;
        if (deadline == UINT64_MAX) {
            pthread_cond_wait(&w->cv, &w->mu);
            continue;
        }
        uint64_t wait = deadline > now ? deadline - now : 0;
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_sec += (time_t)(wait / 1000);
        ts.tv_nsec += (long)(wait % 1000) * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&w->cv, &w->mu, &ts);
    }
}

static void *writer_main(void *arg)
{
    sw_store_writer *w = arg;
    witem **spare = NULL;
    size_t spare_cap = 0;
    int give_up = 0;
    uint64_t retry_at = 0;

    pthread_mutex_lock(&w->mu);
    for (;;) {
        wait_for_work(w, retry_at);
        if (w->stopping && w->in_n == 0)
            break;
        /* Take the whole queue; the producers get the spare array. */
        witem **items = w->in;
        size_t n = w->in_n;
        size_t cap = w->in_cap;
        w->in = spare;
        w->in_cap = spare_cap;
        w->in_n = 0;
        w->held += n;
        pthread_mutex_unlock(&w->mu);

        if (give_up) {
            w->lost += n;
            pthread_mutex_lock(&w->mu);
            count_lost(w, items, n);
            pthread_mutex_unlock(&w->mu);
            for (size_t i = 0; i < n; i++)
                free(items[i]);
            pthread_mutex_lock(&w->mu);
            w->held -= n;
            w->st.pending -= n;
            pthread_mutex_unlock(&w->mu);
        } else if (n > 0) {
            size_t left = commit_all(w, items, n);
            if (left) {
                w->lost += left;
                give_up = 1;
            }
        } else {
            char msg[300];
            int rc = ensure_open(w, msg, sizeof msg);
            if (rc == SQLITE_OK) {
                attempt_succeeded(w);
            } else {
                attempt_failed(w, rc, msg);
                retry_at = mono_ms() + backoff_ms(w);
            }
        }
        spare = items;
        spare_cap = cap;
        check_drop_notice(w);
        pthread_mutex_lock(&w->mu);
    }
    pthread_mutex_unlock(&w->mu);
    free(spare);

    /* The run's end counters, retried like a batch. */
    if (!give_up) {
        uint64_t give_up_at = mono_ms() + w->o.stop_timeout_ms;
        for (;;) {
            char msg[300];
            int rc = ensure_open(w, msg, sizeof msg);
            if (rc == SQLITE_OK) {
                pthread_mutex_lock(&w->mu);
                uint64_t written = w->st.written, dropped = w->st.dropped;
                pthread_mutex_unlock(&w->mu);
                if (sw_store_run_end(w->db, w->run_id, &w->end, written, dropped) == 0)
                    break;
                snprintf(msg, sizeof msg, "%s", sqlite3_errmsg(w->db));
                rc = sqlite3_extended_errcode(w->db);
            }
            attempt_failed(w, rc, msg);
            if (mono_ms() >= give_up_at)
                break;
            sleep_ms(backoff_ms(w));
        }
    }
    sw_store_close(w->db);
    w->db = NULL;
    return NULL;
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

/* Free the writer itself: its strings, and its lock and condition variable once
 * they were initialised (sync_ready). */
static void writer_release(sw_store_writer *w, int sync_ready)
{
    if (sync_ready) {
        pthread_cond_destroy(&w->cv);
        pthread_mutex_destroy(&w->mu);
    }
    free(w->path);
    free(w->sensor);
    free(w->source);
    free(w->rules_hash);
    free(w);
}

sw_store_writer *sw_store_writer_start_opts(const char *path, const sw_run_info *run,
                                            const sw_store_writer_opts *opts,
                                            char *err, size_t errlen)
{
    if (!path || !*path) {
        snprintf(err, errlen, "empty database path");
        return NULL;
    }
    sw_store_writer *w = calloc(1, sizeof *w);
    if (!w) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (opts)
        w->o = *opts;
    else
        sw_store_writer_opts_init(&w->o);
    if (!w->o.batch_max)
        w->o.batch_max = 256;
    if (!w->o.queue_max)
        w->o.queue_max = 100000;
    if (!w->o.backoff_max_ms)
        w->o.backoff_max_ms = 2000;
    if (!w->o.log)
        w->o.log = default_log;
    w->path = strdup(path);
    if (run) {
        w->sensor = dup_or_null(run->sensor);
        w->source = dup_or_null(run->source);
        w->rules_hash = dup_or_null(run->rules_hash);
        w->start_us = run->start_us;
    }
    w->run_id = -1;

    /* Open once here so a misconfiguration is reported to the caller at once. */
    int code = SQLITE_OK;
    char msg[512];
    w->db = sw_store_open_ex(path, 0, &code, msg, sizeof msg);
    if (w->db && w->o.on_open)
        w->o.on_open(w->o.on_open_user, w->db);
    if (!w->db) {
        int base = code & 0xff;
        int transient = base == SQLITE_BUSY || base == SQLITE_LOCKED || base == SQLITE_READONLY ||
                        base == SQLITE_FULL || base == SQLITE_IOERR || base == SQLITE_PROTOCOL ||
                        base == SQLITE_NOMEM;
        if (!transient) {
            snprintf(err, errlen, "%s", msg);
            writer_release(w, 0);
            return NULL;
        }
        notice(w, "%s; will retry (alerts are queued)",
               msg + (strncmp(msg, path, strlen(path)) == 0 && msg[strlen(path)] == ':'
                          ? strlen(path) + 2 : 0));
        w->failure_reported = 1;
        w->fail_streak = 1;
        w->failing_since_ms = mono_ms();
        w->st.failing = 1;
        copy_str(w->st.last_error, sizeof w->st.last_error, msg);
    }

    pthread_mutex_init(&w->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&w->cv, &ca);
    pthread_condattr_destroy(&ca);
    if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
        snprintf(err, errlen, "cannot start the database writer thread");
        sw_store_close(w->db);
        writer_release(w, 1);
        return NULL;
    }
    return w;
}

sw_store_writer *sw_store_writer_start(const char *path, const sw_run_info *run,
                                       char *err, size_t errlen)
{
    return sw_store_writer_start_opts(path, run, NULL, err, errlen);
}

void sw_store_writer_push(sw_store_writer *w, const char *json_text)
{
    sw_store_writer_push_ex(w, json_text, 0);
}

void sw_store_writer_push_ex(sw_store_writer *w, const char *json_text, unsigned flags)
{
    if (!w || !json_text)
        return;
    json_error_t jerr;
    json_t *doc = json_loads(json_text, JSON_REJECT_DUPLICATES, &jerr);
    sw_store_writer_push_doc(w, doc, json_text, flags);
    json_decref(doc);
}

/* One queue item: the text, the row (if any) with its texts copied behind it. */
static witem *item_new(const char *text, const sw_store_row *row, unsigned flags)
{
    size_t tl = strlen(text), extra = 0;
    for (int k = 0; row && k < SW_ROW_NTEXT; k++)
        if (row->t[k].p)
            extra += row->t[k].n + 1;
    witem *it = malloc(sizeof *it + tl + 1 + extra);
    if (!it)
        return NULL;
    it->flags = flags & SW_PUSH_ELSEWHERE;
    it->usable = row != NULL;
    memcpy(it->text, text, tl + 1);
    if (row) {
        memcpy(&it->row, row, offsetof(sw_store_row, idbuf));   /* not the buffers */
        it->row.chain = NULL;
        char *p = it->text + tl + 1;
        for (int k = 0; k < SW_ROW_NTEXT; k++)
            if (row->t[k].p) {
                memcpy(p, row->t[k].p, row->t[k].n);
                p[row->t[k].n] = '\0';
                it->row.t[k].p = p;
                p += row->t[k].n + 1;
            }
    }
    return it;
}

void sw_store_writer_push_doc(sw_store_writer *w, const json_t *doc, const char *json_text,
                              unsigned flags)
{
    if (!w || !json_text)
        return;
    sw_store_row row;
    char err[160];
    int ok = sw_store_row_from_doc(doc, &row, err, sizeof err) == 0;
    witem *copy = item_new(json_text, ok ? &row : NULL, flags);
    sw_store_row_clear(&row);
    pthread_mutex_lock(&w->mu);
    if (!copy || w->in_n + w->held >= w->o.queue_max) {
        w->st.dropped++;
        if (!(flags & SW_PUSH_ELSEWHERE))
            w->st.lost_nowhere++;
        if (!w->drop_noticed)
            w->drop_noticed = 1;
        pthread_mutex_unlock(&w->mu);
        free(copy);
        return;
    }
    if (w->in_n == w->in_cap) {
        size_t nc = w->in_cap ? w->in_cap * 2 : 64;
        if (nc > w->o.queue_max)
            nc = w->o.queue_max;
        witem **ni = realloc(w->in, nc * sizeof *ni);
        if (!ni) {
            w->st.dropped++;
            if (!(flags & SW_PUSH_ELSEWHERE))
                w->st.lost_nowhere++;
            pthread_mutex_unlock(&w->mu);
            free(copy);
            return;
        }
        w->in = ni;
        w->in_cap = nc;
    }
    if (w->in_n == 0)
        w->first_in_ms = mono_ms();
    w->in[w->in_n++] = copy;
    w->st.queued++;
    w->st.pending++;
    if (w->in_n == w->o.batch_max || w->in_n == 1)
        pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

void sw_store_writer_get_stats(sw_store_writer *w, sw_store_writer_stats *out)
{
    memset(out, 0, sizeof *out);
    if (!w)
        return;
    pthread_mutex_lock(&w->mu);
    *out = w->st;
    pthread_mutex_unlock(&w->mu);
}

int sw_store_writer_stop(sw_store_writer *w, const sw_run_info *run, char *err, size_t errlen)
{
    return sw_store_writer_stop_ex(w, run, NULL, err, errlen);
}

int sw_store_writer_stop_ex(sw_store_writer *w, const sw_run_info *run,
                            sw_store_writer_stats *final, char *err, size_t errlen)
{
    if (!w)
        return 0;
    pthread_mutex_lock(&w->mu);
    if (run)
        w->end = *run;
    w->end.sensor = w->end.source = w->end.rules_hash = NULL;
    w->stopping = 1;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    size_t lost = w->lost;

    int rc = 0;
    w->st.given_up = lost;
    if (final)
        *final = w->st;
    /* Where the alerts the database lost really are (the pusher said which are
     * also in another output). */
    uint64_t failed = lost + w->st.dropped + w->st.invalid, nowhere = w->st.lost_nowhere;
    char where[160];
    if (nowhere == 0)
        snprintf(where, sizeof where, "the JSON lines output has them");
    else if (nowhere == failed)
        snprintf(where, sizeof where, "they are in neither output");
    else
        snprintf(where, sizeof where, "%llu of them are in the JSON lines output, %llu are in "
                 "neither output", (unsigned long long)(failed - nowhere), (unsigned long long)nowhere);
    if (lost) {
        snprintf(err, errlen, "%zu alert(s) could not be written to the database (%s); %s",
                 lost + (size_t)w->st.dropped, w->st.last_error, where);
        rc = -1;
    } else if (w->st.dropped) {
        snprintf(err, errlen, "%llu alert(s) were dropped from the database queue (queue "
                              "full); %s", (unsigned long long)w->st.dropped, where);
        rc = -1;
    }
    for (size_t i = 0; i < w->in_n; i++)
        free(w->in[i]);
    free(w->in);
    writer_release(w, 1);
    return rc;
}
