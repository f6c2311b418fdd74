/*
 * workers.c — the worker pool (src/workers.h): rings and threads that move the
 * client's work items to its run callback, and its outputs back in item order.
 *
 * Invariants:
 *  - Worker 0 runs on the caller's thread (the client keeps it a smaller share of the
 *    work, since that thread also reads the capture). Its items are not copied.
 *  - Every item carries a number (seq), increasing over all workers. A worker
 *    thread's input is a single-producer single-consumer byte ring, fixed size,
 *    allocated once (no allocation per item); item bytes are copied into it.
 *  - A worker appends its outputs to its own list, tagged with the seq of the item
 *    being run, before it publishes that seq as done. The merger delivers outputs with
 *    seq <= B, where B is the smallest done seq over the workers that still have
 *    queued items: nothing with a smaller seq can appear later. Delivery is in (seq,
 *    worker) order, which is the order of one worker's output, since an item goes to
 *    one worker.
 *  - Waiting is on condition variables, after a short spin; the flags and the ring
 *    indexes are C11 atomics, and the handshake that puts a thread to sleep re-checks
 *    under its mutex, so no wake-up is lost.
 */
#define _GNU_SOURCE 1   /* pthread_setname_np */
#include "src/workers.h"
#include "common/sw_config_table.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sodium.h>

#define RING_BYTES  (8u << 20)          /* per worker; an item is cut at a quarter */
#define PUBLISH_EVERY 16u               /* records between two publications of head */
#define TAIL_EVERY  32u                 /* records between two publications of tail */
#define IDLE_EVERY  4096u               /* records between two idle calls of a busy worker */
#define SPIN        2000                /* pause loops (tens of microseconds) before sleeping */

/* The pool's own record kinds, above the client's */
enum { R_SYNC = SW_WORK_KIND_MAX + 1, R_STOP, R_WRAP };

typedef struct rec_hdr {
    uint32_t size;                      /* bytes of the record, header included, 8-aligned */
    uint32_t pad;
    uint64_t idx;
    sw_work it;                         /* it.data: set by the consumer, to the bytes after */
} rec_hdr;

typedef struct worker {
    struct sw_pool *pool;
    unsigned id;
    pthread_t th;
    int started;
    int on_caller;                      /* worker 0: runs inside sw_pool_send */

    uint8_t *buf;
    uint64_t cap;

    /* written by the producer */
    _Alignas(64) _Atomic uint64_t head;
    _Atomic int prod_waiting;
    /* written by the consumer */
    _Alignas(64) _Atomic uint64_t tail;
    _Atomic uint64_t done_idx;
    _Atomic int cons_waiting;
    _Atomic uint64_t nout;              /* outputs appended so far */

    /* producer-private */
    _Alignas(64) uint64_t whead;        /* written but maybe not published */
    uint64_t tail_seen;
    unsigned unpub;
    uint64_t pushed_idx;                /* idx of the last record queued */
    uint64_t nout_merged;

    /* consumer-private */
    _Alignas(64) uint64_t cur_idx;

    pthread_mutex_t mu;
    pthread_cond_t cv_data, cv_space;

    pthread_mutex_t out_mu;
    sw_pool_out *out_head, *out_tail;
} worker;

struct sw_pool {
    unsigned n;
    worker *w;
    sw_pool_ops ops;
    void *ctx;
    uint64_t idx;
};

/* ------------------------------------------------------------------ rings -- */

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/* Make a ring position visible to the other side, and wake that side if it went to
 * sleep waiting for it (the fence pairs with the one in its sleep handshake). */
static void hand_over(worker *w, _Atomic uint64_t *pos, uint64_t v, _Atomic int *waiting,
                      pthread_cond_t *cv)
{
    atomic_store_explicit(pos, v, memory_order_release);
    atomic_thread_fence(memory_order_seq_cst);
    if (atomic_load_explicit(waiting, memory_order_relaxed)) {
        pthread_mutex_lock(&w->mu);
        pthread_cond_signal(cv);
        pthread_mutex_unlock(&w->mu);
    }
}

static void publish(worker *w)
{
    if (w->unpub == 0)
        return;
    w->unpub = 0;
    hand_over(w, &w->head, w->whead, &w->cons_waiting, &w->cv_data);
}

/* Every worker thread's queued records become visible (worker 0 has none). */
static void publish_all(sw_pool *p)
{
    for (unsigned i = 0; i < p->n; i++)
        publish(&p->w[i]);
}

/* Wait until need bytes are free after whead. */
static void wait_space(worker *w, uint64_t need)
{
    if (w->cap - (w->whead - w->tail_seen) >= need)
        return;
    publish(w);
    for (int i = 0;; i++) {
        w->tail_seen = atomic_load_explicit(&w->tail, memory_order_acquire);
        if (w->cap - (w->whead - w->tail_seen) >= need)
            return;
        if (i < SPIN) {
            cpu_relax();
            continue;
        }
        pthread_mutex_lock(&w->mu);
        atomic_store_explicit(&w->prod_waiting, 1, memory_order_relaxed);
        atomic_thread_fence(memory_order_seq_cst);
        w->tail_seen = atomic_load_explicit(&w->tail, memory_order_acquire);
        if (w->cap - (w->whead - w->tail_seen) < need)
            pthread_cond_wait(&w->cv_space, &w->mu);
        atomic_store_explicit(&w->prod_waiting, 0, memory_order_relaxed);
        pthread_mutex_unlock(&w->mu);
    }
}

/* Queue one record (its bytes may be NULL). */
static void push(sw_pool *p, worker *w, int kind, const sw_work *it)
{
    uint32_t caplen = it ? it->len : 0;
    if (caplen > w->cap / 4)
        caplen = (uint32_t)(w->cap / 4);   /* larger than any snap length in use */
    uint64_t size = (sizeof(rec_hdr) + (uint64_t)caplen + 7u) & ~7ull;
    uint64_t pos = w->whead & (w->cap - 1);
    uint64_t room = w->cap - pos;
    if (room < size) {
        /* not enough contiguous room before the end: a wrap marker fills it */
        wait_space(w, room + size);
        rec_hdr *m = (rec_hdr *)(w->buf + pos);
        if (room >= sizeof(rec_hdr)) {
            m->size = (uint32_t)room;
            m->it.kind = R_WRAP;
        }
        w->whead += room;
        pos = 0;
    } else {
        wait_space(w, size);
    }
    rec_hdr *h = (rec_hdr *)(w->buf + pos);
    h->size = (uint32_t)size;
    if (it)
        h->it = *it;
    else
        memset(&h->it, 0, sizeof h->it);
    h->it.kind = (uint16_t)kind;
    h->it.len = caplen;
    h->idx = ++p->idx;
    if (caplen)
        memcpy(h + 1, it->data, caplen);
    w->whead += size;
    w->pushed_idx = h->idx;
    /* the client's items go out in batches; the pool's own at once */
    if (++w->unpub >= PUBLISH_EVERY || (unsigned)kind > SW_WORK_KIND_MAX)
        publish(w);
}

/* ----------------------------------------------------------------- worker -- */

static void idle(worker *w)
{
    if (w->pool->ops.idle)
        w->pool->ops.idle(w->pool->ctx, w->id);
}

void sw_pool_output(sw_pool *p, unsigned i, sw_pool_out *o)
{
    worker *w = &p->w[i];
    o->seq = w->cur_idx;
    o->next = NULL;
    pthread_mutex_lock(&w->out_mu);
    if (w->out_tail)
        w->out_tail->next = o;
    else
        w->out_head = o;
    w->out_tail = o;
    pthread_mutex_unlock(&w->out_mu);
    atomic_fetch_add_explicit(&w->nout, 1, memory_order_release);
}

static void *worker_main(void *arg)
{
    worker *w = arg;
#ifdef __linux__
    char name[16];
    snprintf(name, sizeof name, "sw-worker%u", w->id % 1000u);
    pthread_setname_np(pthread_self(), name);    /* shows in top -H, perf, ps -L */
#endif
    uint64_t tail = atomic_load_explicit(&w->tail, memory_order_relaxed);
    uint64_t head = tail;
    unsigned untail = 0, since_report = 0;
    for (;;) {
        if (tail == head) {
            head = atomic_load_explicit(&w->head, memory_order_acquire);
            if (tail == head) {
                /* idle: report, hand back the room, then spin a little and sleep */
                if (since_report) {
                    idle(w);
                    since_report = 0;
                }
                hand_over(w, &w->tail, tail, &w->prod_waiting, &w->cv_space);
                untail = 0;
                for (int i = 0; i < SPIN && tail == head; i++) {
                    cpu_relax();
                    head = atomic_load_explicit(&w->head, memory_order_acquire);
                }
                if (tail == head) {
                    pthread_mutex_lock(&w->mu);
                    atomic_store_explicit(&w->cons_waiting, 1, memory_order_relaxed);
                    atomic_thread_fence(memory_order_seq_cst);
                    head = atomic_load_explicit(&w->head, memory_order_acquire);
                    while (tail == head) {
                        pthread_cond_wait(&w->cv_data, &w->mu);
                        head = atomic_load_explicit(&w->head, memory_order_acquire);
                    }
                    atomic_store_explicit(&w->cons_waiting, 0, memory_order_relaxed);
                    pthread_mutex_unlock(&w->mu);
                }
                continue;
            }
        }
        rec_hdr *h = (rec_hdr *)(w->buf + (tail & (w->cap - 1)));
        uint64_t room = w->cap - (tail & (w->cap - 1));
        if (room < sizeof(rec_hdr) || h->it.kind == R_WRAP) {
            tail += room;
            continue;
        }
        int stop = 0;
        w->cur_idx = h->idx;

        unsigned kind = h->it.kind;
        if (kind <= SW_WORK_KIND_MAX) {
            h->it.data = (const uint8_t *)(h + 1);   /* the record is ours until tail moves */
            w->pool->ops.run(w->pool->ctx, w->id, &h->it);
            since_report++;
        } else if (kind == R_STOP) {
            stop = 1;
        }
        uint64_t idx = h->idx;
        tail += h->size;
        /* after a sync the caller reads what idle published: it runs first */
        if (kind == R_SYNC || since_report >= IDLE_EVERY) {
            idle(w);
            since_report = 0;
        }
        atomic_store_explicit(&w->done_idx, idx, memory_order_release);
        if (++untail >= TAIL_EVERY) {
            untail = 0;
            hand_over(w, &w->tail, tail, &w->prod_waiting, &w->cv_space);
        }
        if (stop) {
            atomic_store_explicit(&w->tail, tail, memory_order_release);
            return NULL;
        }
    }
}

/* ------------------------------------------------------------------- pool -- */

sw_pool *sw_pool_new(unsigned n, const sw_pool_ops *ops, void *ctx, char *err, size_t errlen)
{
    sw_pool *p = calloc(1, sizeof *p);
    if (!p || n < 2 || n > SW_CFG_WORKERS_MAX) {
        if (err && errlen)
            snprintf(err, errlen, p ? "workers: %u is out of range (2..%u)" : "out of memory", n, SW_CFG_WORKERS_MAX);
        free(p);
        return NULL;
    }
    p->n = n;
    p->ops = *ops;
    p->ctx = ctx;
    p->w = calloc(n, sizeof *p->w);
    if (!p->w)
        goto oom;
    for (unsigned i = 0; i < n; i++) {
        worker *w = &p->w[i];
        w->pool = p;
        w->id = i;
        w->cap = RING_BYTES;
        pthread_mutex_init(&w->mu, NULL);
        pthread_cond_init(&w->cv_data, NULL);
        pthread_cond_init(&w->cv_space, NULL);
        pthread_mutex_init(&w->out_mu, NULL);
        w->on_caller = i == 0;
        w->buf = w->on_caller ? NULL : malloc(w->cap);
        if (!w->on_caller && !w->buf)
            goto oom;
    }
    return p;
oom:
    if (err && errlen)
        snprintf(err, errlen, "out of memory");
    sw_pool_free(p);
    return NULL;
}

int sw_pool_start(sw_pool *p, char *err, size_t errlen)
{
    for (unsigned i = 0; i < p->n; i++) {
        worker *w = &p->w[i];
        idle(w);
        if (w->on_caller || w->started)
            continue;
        int rc = pthread_create(&w->th, NULL, worker_main, w);
        if (rc != 0) {
            if (err && errlen)
                snprintf(err, errlen, "cannot start worker thread %u: %s", i, strerror(rc));
            return -1;
        }
        w->started = 1;
    }
    return 0;
}

unsigned sw_pool_size(const sw_pool *p) { return p->n; }

void sw_pool_send(sw_pool *p, unsigned i, const sw_work *item)
{
    worker *w = &p->w[i];
    if (!w->on_caller) {
        push(p, w, item->kind, item);
        return;
    }
    /* worker 0: run now, on this thread */
    w->cur_idx = ++p->idx;
    p->ops.run(p->ctx, 0, item);
    w->pushed_idx = w->cur_idx;
    atomic_store_explicit(&w->done_idx, w->cur_idx, memory_order_relaxed);
}

void sw_pool_merge(sw_pool *p)
{
    int any = 0;
    for (unsigned i = 0; i < p->n; i++)
        if (atomic_load_explicit(&p->w[i].nout, memory_order_relaxed) != p->w[i].nout_merged)
            any = 1;
    if (!any)
        return;
    /* the bound: nothing at or below B can still appear */
    uint64_t bound = UINT64_MAX;
    for (unsigned i = 0; i < p->n; i++) {
        worker *w = &p->w[i];
        uint64_t d = atomic_load_explicit(&w->done_idx, memory_order_acquire);
        if (d != w->pushed_idx && d < bound)
            bound = d;
    }
    /* take each worker's ready prefix */
    sw_pool_out *q[SW_CFG_WORKERS_MAX];
    for (unsigned i = 0; i < p->n; i++) {
        worker *w = &p->w[i];
        q[i] = NULL;
        pthread_mutex_lock(&w->out_mu);
        sw_pool_out *h = w->out_head, *last = NULL;
        uint64_t taken = 0;
        for (sw_pool_out *o = h; o && o->seq <= bound; o = o->next) {
            last = o;
            taken++;
        }
        if (last) {
            q[i] = h;
            w->out_head = last->next;
            if (!w->out_head)
                w->out_tail = NULL;
            last->next = NULL;
        }
        pthread_mutex_unlock(&w->out_mu);
        w->nout_merged += taken;
    }
    /* deliver in (seq, worker) order */
    for (;;) {
        int best = -1;
        for (unsigned i = 0; i < p->n; i++)
            if (q[i] && (best < 0 || q[i]->seq < q[best]->seq))
                best = (int)i;
        if (best < 0)
            break;
        sw_pool_out *o = q[best];
        q[best] = o->next;
        p->ops.deliver(p->ctx, o);
    }
}

void sw_pool_publish(sw_pool *p)
{
    publish_all(p);
}

void sw_pool_wait(sw_pool *p)
{
    for (unsigned i = 0; i < p->n; i++)
        if (p->w[i].started)
            push(p, &p->w[i], R_SYNC, NULL);
    for (unsigned i = 0; i < p->n; i++) {
        worker *w = &p->w[i];
        if (!w->started)
            continue;
        for (int spin = 0;
             atomic_load_explicit(&w->done_idx, memory_order_acquire) != w->pushed_idx; spin++) {
            if (spin < SPIN) {
                cpu_relax();
            } else {
                struct timespec ts = { 0, 20000 };
                nanosleep(&ts, NULL);
            }
        }
    }
    idle(&p->w[0]);                 /* worker 0 is this thread's */
}

void sw_pool_free(sw_pool *p)
{
    if (!p)
        return;
    if (p->w) {
        for (unsigned i = 0; i < p->n; i++) {
            worker *w = &p->w[i];
            if (w->started) {
                push(p, w, R_STOP, NULL);
                pthread_join(w->th, NULL);
            }
        }
        sw_pool_merge(p);
        for (unsigned i = 0; i < p->n; i++) {
            worker *w = &p->w[i];
            /* outputs never merged (a worker that did not start) */
            for (sw_pool_out *o = w->out_head, *nx; o; o = nx) {
                nx = o->next;
                if (p->ops.discard)
                    p->ops.discard(p->ctx, o);
            }
            free(w->buf);
            pthread_mutex_destroy(&w->mu);
            pthread_cond_destroy(&w->cv_data);
            pthread_cond_destroy(&w->cv_space);
            pthread_mutex_destroy(&w->out_mu);
        }
        free(p->w);
    }
    free(p);
}
