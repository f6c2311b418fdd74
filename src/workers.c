/*
 * workers.c — the worker pool (src/workers.h): frames are spread over worker threads by
 * a symmetric keyed hash of their endpoints; events come back merged in frame order.
 *
 * Invariants:
 *  - Worker 0 runs on the caller's thread (it reads the capture as well, so it gets a
 *    smaller share of the connections than each worker thread: with 2 workers on 2
 *    cores, 2 threads and no core left idle or shared three ways). Its frames are not
 *    copied.
 *  - Every record carries a number (idx), increasing over all workers. A worker
 *    thread's input is a single-producer single-consumer byte ring, fixed size,
 *    allocated once (no allocation per packet); frames are copied into it.
 *  - Both directions of a connection hash to the same worker (the key orders the two
 *    endpoints), so each flow's state is touched by one thread only.
 *  - A worker appends its outputs (events, ISN notes) to its own list, tagged with the
 *    idx of the record being processed, before it publishes that idx as done. The
 *    merger delivers outputs with idx <= B, where B is the smallest done idx over the
 *    workers that still have queued records: nothing with a smaller idx can appear
 *    later. Delivery is in (idx, worker) order, which is the order of one worker's
 *    output, since a frame goes to one worker (only ticks and the final flush go to all).
 *  - Idle workers are told about packet time (ticks, at least every TICK_US of packet
 *    time), so their flows time out in step with the capture.
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

#include "detector/detector.h"
#include "detector/packet.h"

#define RING_BYTES  (8u << 20)          /* per worker; a frame is at most 256 KiB */
#define PUBLISH_EVERY 16u               /* records between two publications of head */
#define TAIL_EVERY  32u                 /* records between two publications of tail */
#define STATS_EVERY 4096u               /* records between two counter reports */
#define TICK_US     1000000ull          /* packet time between two ticks of an idle worker */
#define MERGE_EVERY 64u                 /* frames between two merge attempts */
#define SPIN        2000                /* pause loops (tens of microseconds) before sleeping */
/* Connections are dealt in shares: SHARE_CALLER for worker 0, which also reads the
 * capture, decodes for the dispatch and copies frames into the rings, SHARE_THREAD for
 * each worker thread. With 2 workers the caller's thread gets a sixth of the
 * connections; the measurements behind 1:5 are in docs/performance.md ("Worker
 * shares"). */
#define SHARE_CALLER 1u
#define SHARE_THREAD 5u
#define HASH_WORDS  9u                  /* two IPv6 addresses and the ports */

enum { R_PKT = 1, R_TICK, R_FLUSH, R_SYNC, R_STOP, R_WRAP };

typedef struct rec_hdr {
    uint32_t size;                      /* bytes of the record, header included, 8-aligned */
    uint16_t kind;
    uint16_t pad;
    int32_t  linktype;
    uint32_t caplen, wirelen;
    uint32_t pad2;
    uint64_t ts_us;
    uint64_t idx;
    uint64_t frame_no;                  /* R_PKT: the capture's frame number */
} rec_hdr;

enum { O_EVENT = 1, O_ISN };

typedef struct out_rec {
    struct out_rec *next;
    uint64_t idx;
    int kind;
    sw_event ev;
    sw_isn_note *note;
} out_rec;

typedef struct worker {
    struct sw_pool *pool;
    unsigned id;
    pthread_t th;
    int started;
    int on_caller;                      /* worker 0: runs inside sw_pool_feed */
    sw_detector *det;
    sw_checks *checks;

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
    uint64_t frames;                    /* frames given to this worker */
    uint64_t told_us;                   /* latest packet time this worker was given */
    uint64_t nout_merged;

    /* consumer-private */
    _Alignas(64) uint64_t cur_idx;

    pthread_mutex_t mu;
    pthread_cond_t cv_data, cv_space;

    pthread_mutex_t out_mu;
    out_rec *out_head, *out_tail;

    pthread_mutex_t st_mu;
    sw_stats st;
    uint64_t dec[SW_DEC_NRESULTS];
} worker;

struct sw_pool {
    unsigned n;
    worker *w;
    uint64_t frame_no;                    /* of the next frame fed (sw_pool_set_frame) */
    uint64_t key[HASH_WORDS + 1];         /* random: the dispatch hash's key */
    sw_checks *isn_checks;
    sw_pool_event_fn on_event;
    void *user;
    sw_stream_cb stream_cb;
    void *stream_user;
    pthread_mutex_t stream_mu;
    uint64_t idx;
    uint64_t now_us;
    unsigned since_merge;
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

/* Queue one record (frame bytes may be NULL). */
static void push(sw_pool *p, worker *w, int kind, int linktype, uint64_t ts_us,
                 const uint8_t *data, uint32_t caplen, uint32_t wirelen)
{
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
            m->kind = R_WRAP;
        }
        w->whead += room;
        pos = 0;
    } else {
        wait_space(w, size);
    }
    rec_hdr *h = (rec_hdr *)(w->buf + pos);
    h->size = (uint32_t)size;
    h->kind = (uint16_t)kind;
    h->linktype = linktype;
    h->caplen = caplen;
    h->wirelen = wirelen;
    h->ts_us = ts_us;
    h->idx = ++p->idx;
    h->frame_no = p->frame_no;
    if (caplen)
        memcpy(h + 1, data, caplen);
    w->whead += size;
    w->pushed_idx = h->idx;
    if (++w->unpub >= PUBLISH_EVERY || kind != R_PKT)
        publish(w);
}

/* ----------------------------------------------------------------- worker -- */

static void report(worker *w)
{
    pthread_mutex_lock(&w->st_mu);
    memset(&w->st, 0, sizeof w->st);
    sw_detector_stats(w->det, &w->st);
    for (int r = 0; r < SW_DEC_NRESULTS; r++)
        w->dec[r] = sw_detector_decode_count(w->det, r);
    pthread_mutex_unlock(&w->st_mu);
}

static void out_append(worker *w, out_rec *o)
{
    o->idx = w->cur_idx;
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

/* The worker's checks emit: the event moves to the output list (its JSON members are
 * taken over, so the checks' clear after this call frees nothing). */
static void worker_event(void *user, sw_event *ev)
{
    worker *w = user;
    out_rec *o = calloc(1, sizeof *o);
    if (!o)
        return;
    o->kind = O_EVENT;
    o->ev = *ev;
    ev->evidence = ev->packets = ev->related = ev->ruled_out = NULL;
    out_append(w, o);
}

static void worker_isn(void *user, sw_isn_note *note)
{
    worker *w = user;
    out_rec *o = calloc(1, sizeof *o);
    if (!o) {
        sw_isn_note_free(note);
        return;
    }
    o->kind = O_ISN;
    o->note = note;
    out_append(w, o);
}

static void worker_stream(void *user, const sw_stream_chunk *c)
{
    worker *w = user;
    sw_pool *p = w->pool;
    if (!p->stream_cb)
        return;
    pthread_mutex_lock(&p->stream_mu);
    p->stream_cb(p->stream_user, c);
    pthread_mutex_unlock(&p->stream_mu);
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
                    report(w);
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
        const rec_hdr *h = (const rec_hdr *)(w->buf + (tail & (w->cap - 1)));
        uint64_t room = w->cap - (tail & (w->cap - 1));
        if (room < sizeof(rec_hdr) || h->kind == R_WRAP) {
            tail += room;
            continue;
        }
        int stop = 0;
        w->cur_idx = h->idx;

        switch (h->kind) {
        case R_PKT:
            sw_detector_set_frame(w->det, h->frame_no);
            sw_detector_feed(w->det, h->linktype, h->ts_us, (const uint8_t *)(h + 1),
                             h->caplen, h->wirelen);
            break;
        case R_TICK:
            sw_detector_tick(w->det, h->ts_us);
            break;
        case R_FLUSH:
            sw_detector_flush(w->det);
            break;
        case R_STOP:
            stop = 1;
            break;
        default:
            break;
        }
        uint64_t idx = h->idx;
        tail += h->size;
        if (h->kind != R_PKT || ++since_report >= STATS_EVERY) {
            report(w);
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

sw_pool *sw_pool_new(const sw_config *cfg, const sw_checks_config *cc, sw_checks *isn_checks,
                     sw_pool_event_fn on_event, void *user, char *err, size_t errlen)
{
    unsigned n = cfg->workers;
    sw_pool *p = calloc(1, sizeof *p);
    if (!p || n < 2 || n > SW_CFG_WORKERS_MAX) {
        if (err && errlen)
            snprintf(err, errlen, p ? "workers: %u is out of range (2..%u)" : "out of memory", n, SW_CFG_WORKERS_MAX);
        free(p);
        return NULL;
    }
    p->n = n;
    p->isn_checks = isn_checks;
    p->on_event = on_event;
    p->user = user;
    pthread_mutex_init(&p->stream_mu, NULL);
    if (cfg->seed_set) {
        /* a fixed seed (tests, benchmarks): the key is derived from it, all 80 bytes
         * of it (more than one generichash output gives) */
        uint8_t k32[randombytes_SEEDBYTES];
        crypto_generichash(k32, sizeof k32, cfg->hash_seed, sizeof cfg->hash_seed,
                           (const uint8_t *)"seqwatch.workers", 16);
        randombytes_buf_deterministic(p->key, sizeof p->key, k32);
    } else {
        randombytes_buf(p->key, sizeof p->key);
    }

    /* every worker: the same settings, its share of the caps, one flow-hash seed */
    sw_config wc = *cfg;
    wc.workers = 1;
    wc.max_flows = cfg->max_flows / n + (cfg->max_flows % n != 0);
    wc.stream_memcap = cfg->stream_memcap / n;
    if (!wc.seed_set) {
        randombytes_buf(wc.hash_seed, sizeof wc.hash_seed);
        wc.seed_set = 1;
    }
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
        pthread_mutex_init(&w->st_mu, NULL);
        w->on_caller = i == 0;
        w->buf = w->on_caller ? NULL : malloc(w->cap);
        w->checks = sw_checks_new(cc, worker_event, w);
        if ((!w->on_caller && !w->buf) || !w->checks)
            goto oom;
        sw_checks_set_isn_sink(w->checks, worker_isn, w);
        sw_checks_set_stream_forward(w->checks, worker_stream, w);
        sw_observer obs;
        sw_checks_observer(w->checks, &obs);
        w->det = sw_detector_new(&wc, &obs, err, errlen);
        if (!w->det)
            goto fail;
        sw_detector_want_names(w->det, 0);       /* until a stream callback is set */
    }
    for (unsigned i = 0; i < n; i++) {
        worker *w = &p->w[i];
        report(w);
        if (w->on_caller)
            continue;
        int rc = pthread_create(&w->th, NULL, worker_main, w);
        if (rc != 0) {
            if (err && errlen)
                snprintf(err, errlen, "cannot start worker thread %u: %s", i, strerror(rc));
            goto fail;
        }
        w->started = 1;
    }
    return p;
oom:
    if (err && errlen)
        snprintf(err, errlen, "out of memory");
fail:
    sw_pool_free(p);
    return NULL;
}

void sw_pool_set_stream_cb(sw_pool *p, sw_stream_cb cb, void *user)
{
    sw_pool_quiesce(p);
    pthread_mutex_lock(&p->stream_mu);
    p->stream_cb = cb;
    p->stream_user = user;
    pthread_mutex_unlock(&p->stream_mu);
    for (unsigned i = 0; i < p->n; i++)      /* quiesced: no worker is running a frame */
        sw_detector_want_names(p->w[i].det, cb != NULL);
}

/* Which worker a frame belongs to: a keyed hash of its two endpoints, ordered so both
 * directions agree. Frames that are not IP go to worker 0; fragments hash on their
 * addresses only (a later fragment carries no ports). */
/* The common frame, read directly: Ethernet without VLAN tags, then IPv4 (not a
 * fragment) or IPv6 (no extension header), then TCP. Sets the endpoints exactly as
 * sw_decode would for such a frame; returns 0 for anything else (sw_decode decides). */
static int endpoints_fast(int linktype, const uint8_t *f, uint32_t caplen, const uint8_t **a,
                          const uint8_t **b, size_t *al, uint16_t *sp, uint16_t *dp)
{
    if (linktype != SW_LINK_ETHERNET || caplen < 14 + 20 + 4)
        return 0;
    const uint8_t *ip = f + 14;
    uint32_t left = caplen - 14;
    const uint8_t *tcp;
    if (f[12] == 0x08 && f[13] == 0x00) {
        unsigned ihl = (ip[0] & 15u) * 4u;
        if ((ip[0] >> 4) != 4 || ihl < 20 || ip[9] != 6 || (ip[6] & 0x3f) || ip[7] ||
            left < ihl + 4)
            return 0;                       /* not TCP, options too long, or a fragment */
        *a = ip + 12; *b = ip + 16; *al = 4;
        tcp = ip + ihl;
    } else if (f[12] == 0x86 && f[13] == 0xdd) {
        if ((ip[0] >> 4) != 6 || ip[6] != 6 || left < 40 + 4)
            return 0;
        *a = ip + 8; *b = ip + 24; *al = 16;
        tcp = ip + 40;
    } else {
        return 0;
    }
    *sp = (uint16_t)(tcp[0] << 8 | tcp[1]);
    *dp = (uint16_t)(tcp[2] << 8 | tcp[3]);
    return 1;
}

static unsigned pick(sw_pool *p, int linktype, uint64_t ts_us, const uint8_t *frame,
                     uint32_t caplen, uint32_t wirelen, int *is_tcp)
{
    const uint8_t *a, *b;
    size_t al;
    uint16_t sp = 0, dp = 0;
    if (endpoints_fast(linktype, frame, caplen, &a, &b, &al, &sp, &dp)) {
        *is_tcp = 1;
    } else {
        sw_packet pk;
        sw_decode_result r = sw_decode(&pk, linktype, ts_us, frame, caplen, wirelen, 0);
        *is_tcp = r == SW_DEC_TCP;
        if (!pk.src_ip || !pk.dst_ip || (pk.ip_version != 4 && pk.ip_version != 6))
            return 0;
        al = pk.ip_version == 6 ? 16 : 4;
        if (r == SW_DEC_TCP) {
            sp = pk.sport;
            dp = pk.dport;
        }
        a = pk.src_ip;
        b = pk.dst_ip;
    }
    int c = memcmp(a, b, al);
    if (c > 0 || (c == 0 && sp > dp)) {
        const uint8_t *t = a; a = b; b = t;
        uint16_t tp = sp; sp = dp; dp = tp;
    }
    /* Multilinear hash of the 32-bit words (addresses, then the two ports) with the
     * random key, top 32 bits kept: strongly universal, so without the key nobody can
     * line up connections on one worker. It only spreads load; the flow tables hash
     * with SipHash. */
    uint32_t w[HASH_WORDS];
    size_t nw = 0;
    memcpy(w, a, al);
    memcpy(w + al / 4, b, al);
    nw = al / 2;
    w[nw++] = (uint32_t)sp << 16 | dp;
    uint64_t h = p->key[0];
    for (size_t i = 0; i < nw; i++)
        h += p->key[i + 1] * (uint64_t)w[i];
    uint64_t total = SHARE_CALLER + SHARE_THREAD * (p->n - 1u);
    uint64_t share = ((h >> 32) * total) >> 32;
    return share < SHARE_CALLER ? 0 : 1u + (unsigned)((share - SHARE_CALLER) / SHARE_THREAD);
}

/* Run one record on worker 0, on this thread. */
static void run_inline(sw_pool *p, worker *w, int kind, int linktype, uint64_t ts_us,
                       const uint8_t *frame, uint32_t caplen, uint32_t wirelen)
{
    w->cur_idx = ++p->idx;
    switch (kind) {
    case R_PKT:
        sw_detector_set_frame(w->det, p->frame_no);
        sw_detector_feed(w->det, linktype, ts_us, frame, caplen, wirelen);
        break;
    case R_TICK: sw_detector_tick(w->det, ts_us); break;
    case R_FLUSH: sw_detector_flush(w->det); break;
    default: break;
    }
    w->pushed_idx = w->cur_idx;
    atomic_store_explicit(&w->done_idx, w->cur_idx, memory_order_relaxed);
}

static void to_worker(sw_pool *p, worker *w, int kind, int linktype, uint64_t ts_us,
                      const uint8_t *frame, uint32_t caplen, uint32_t wirelen)
{
    if (w->on_caller)
        run_inline(p, w, kind, linktype, ts_us, frame, caplen, wirelen);
    else
        push(p, w, kind, linktype, ts_us, frame, caplen, wirelen);
}

void sw_pool_set_frame(sw_pool *p, uint64_t frame_no)
{
    p->frame_no = frame_no;
}

void sw_pool_feed(sw_pool *p, int linktype, uint64_t ts_us, const uint8_t *frame,
                  uint32_t caplen, uint32_t wirelen)
{
    int is_tcp = 0;
    unsigned k = pick(p, linktype, ts_us, frame, caplen, wirelen, &is_tcp);
    worker *w = &p->w[k];
    w->frames++;
    to_worker(p, w, R_PKT, linktype, ts_us, frame, caplen, wirelen);
    if (ts_us > w->told_us)
        w->told_us = ts_us;
    if (is_tcp && ts_us > p->now_us) {
        p->now_us = ts_us;
        /* the others learn the time too, so their idle flows expire in step */
        for (unsigned i = 0; i < p->n; i++) {
            worker *o = &p->w[i];
            if (o != w && ts_us >= o->told_us + TICK_US) {
                to_worker(p, o, R_TICK, 0, ts_us, NULL, 0, 0);
                o->told_us = ts_us;
            }
        }
    }
    if (++p->since_merge >= MERGE_EVERY) {
        p->since_merge = 0;
        sw_pool_merge(p);
    }
}

/* Deliver one output on the merging thread. */
static void deliver(sw_pool *p, out_rec *o)
{
    if (o->kind == O_ISN) {
        sw_checks_isn_apply(p->isn_checks, o->note);
    } else {
        sw_checks_isn_relate(p->isn_checks, &o->ev);
        if (p->on_event)
            p->on_event(p->user, &o->ev);
        sw_event_clear(&o->ev);
    }
    free(o);
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
    out_rec *q[SW_CFG_WORKERS_MAX];
    for (unsigned i = 0; i < p->n; i++) {
        worker *w = &p->w[i];
        q[i] = NULL;
        pthread_mutex_lock(&w->out_mu);
        out_rec *h = w->out_head, *last = NULL;
        uint64_t taken = 0;
        for (out_rec *o = h; o && o->idx <= bound; o = o->next) {
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
    /* deliver in (idx, worker) order */
    for (;;) {
        int best = -1;
        for (unsigned i = 0; i < p->n; i++)
            if (q[i] && (best < 0 || q[i]->idx < q[best]->idx))
                best = (int)i;
        if (best < 0)
            break;
        out_rec *o = q[best];
        q[best] = o->next;
        deliver(p, o);
    }
}

static void wait_all_done(sw_pool *p)
{
    publish_all(p);
    for (unsigned i = 0; i < p->n; i++) {
        worker *w = &p->w[i];
        if (w->on_caller)
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
}

void sw_pool_quiesce(sw_pool *p)
{
    for (unsigned i = 0; i < p->n; i++)
        if (!p->w[i].on_caller)
            push(p, &p->w[i], R_SYNC, 0, 0, NULL, 0, 0);
    wait_all_done(p);
}

void sw_pool_poll(sw_pool *p)
{
    publish_all(p);
    sw_pool_merge(p);
}

void sw_pool_flush(sw_pool *p)
{
    /* the threads flush while worker 0 does */
    for (unsigned i = p->n; i-- > 0;)
        to_worker(p, &p->w[i], R_FLUSH, 0, p->now_us, NULL, 0, 0);
    wait_all_done(p);
    sw_pool_merge(p);
}

void sw_pool_set_tunables(sw_pool *p, const sw_tunables *t)
{
    sw_pool_quiesce(p);
    for (unsigned i = 0; i < p->n; i++)
        sw_checks_set_tunables(p->w[i].checks, t);
}

/* The sum below walks sw_stats as an array of counters. */
_Static_assert(sizeof(sw_stats) % sizeof(uint64_t) == 0, "sw_stats holds uint64_t counters only");

void sw_pool_stats(sw_pool *p, sw_stats *out)
{
    report(&p->w[0]);               /* worker 0 is this thread's: always current */
    memset(out, 0, sizeof *out);
    for (unsigned i = 0; i < p->n; i++) {
        worker *w = &p->w[i];
        pthread_mutex_lock(&w->st_mu);
        const sw_stats *s = &w->st;
        uint64_t first = out->first_ts_us, last = out->last_ts_us;
        /* every counter is a sum, except the packet-time bounds; the peaks
         * (stream_mem_peak, stream_payload_peak) are sums of each worker's own
         * peak, an upper bound of the process's peak (documented in seqwatch.h) */
        const uint64_t *src = (const uint64_t *)s;
        uint64_t *dst = (uint64_t *)out;
        for (size_t k = 0; k < sizeof *out / sizeof(uint64_t); k++)
            dst[k] += src[k];
        out->first_ts_us = first;
        out->last_ts_us = last;
        if (s->first_ts_us && (!first || s->first_ts_us < first))
            out->first_ts_us = s->first_ts_us;
        if (s->last_ts_us > last)
            out->last_ts_us = s->last_ts_us;
        pthread_mutex_unlock(&w->st_mu);
    }
}

size_t sw_pool_offload_hosts(sw_pool *p, sw_offload_host *out, size_t max)
{
    size_t n = 0;
    sw_offload_host one[64];
    for (unsigned i = 0; i < p->n; i++) {
        size_t k = sw_detector_offload_hosts(p->w[i].det, one, 64);
        for (size_t j = 0; j < k && j < 64; j++) {
            size_t m = 0;
            while (m < n && m < max && strcmp(out[m].addr, one[j].addr) != 0)
                m++;
            if (m < n && m < max) {
                out[m].packets += one[j].packets;
            } else {
                if (n < max)
                    out[n] = one[j];
                n++;
            }
        }
    }
    return n;
}

uint64_t sw_pool_decode_count(sw_pool *p, int reason)
{
    if (reason < 0 || reason >= SW_DEC_NRESULTS)
        return 0;
    report(&p->w[0]);
    uint64_t n = 0;
    for (unsigned i = 0; i < p->n; i++) {
        pthread_mutex_lock(&p->w[i].st_mu);
        n += p->w[i].dec[reason];
        pthread_mutex_unlock(&p->w[i].st_mu);
    }
    return n;
}

uint64_t sw_pool_worker_frames(sw_pool *p, unsigned i)
{
    return i < p->n ? p->w[i].frames : 0;
}

void sw_pool_free(sw_pool *p)
{
    if (!p)
        return;
    if (p->w) {
        for (unsigned i = 0; i < p->n; i++) {
            worker *w = &p->w[i];
            if (w->started) {
                push(p, w, R_STOP, 0, 0, NULL, 0, 0);
                pthread_join(w->th, NULL);
            }
        }
        sw_pool_merge(p);
        for (unsigned i = 0; i < p->n; i++) {
            worker *w = &p->w[i];
            /* outputs never merged (a worker that did not start) */
            for (out_rec *o = w->out_head, *nx; o; o = nx) {
                nx = o->next;
                if (o->kind == O_ISN)
                    sw_isn_note_free(o->note);
                else
                    sw_event_clear(&o->ev);
                free(o);
            }
            sw_detector_free(w->det);
            sw_checks_free(w->checks);
            free(w->buf);
            pthread_mutex_destroy(&w->mu);
            pthread_cond_destroy(&w->cv_data);
            pthread_cond_destroy(&w->cv_space);
            pthread_mutex_destroy(&w->out_mu);
            pthread_mutex_destroy(&w->st_mu);
        }
        free(p->w);
    }
    pthread_mutex_destroy(&p->stream_mu);
    free(p);
}
