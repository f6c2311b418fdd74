/*
 * dispatch.c — several shards over the worker pool (src/dispatch.h): which shard a
 * frame belongs to, packet time for idle shards, the shards' outputs back in frame
 * order, their counters summed.
 *
 * Invariants:
 *  - Both directions of a connection go to the same shard (the hash orders the two
 *    endpoints), so each flow's state is touched by one thread only.
 *  - Shard 0 runs on the caller's thread, which also reads the capture and copies
 *    frames into the rings: it is dealt a smaller share of the connections.
 *  - Idle shards are told about packet time (ticks, at least every TICK_US of packet
 *    time), so their flows time out in step with the capture.
 *  - A shard's outputs are moved to its worker's output list while its frame runs and
 *    delivered by the pool in frame order; only ticks and the final flush go to every
 *    shard.
 *  - A shard's counters are copied under its lock by its own worker (when idle, after
 *    a wait, every few thousand frames): the caller never reads a shard that runs.
 */
#include "src/dispatch.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "src/workers.h"
#include "detector/packet.h"

#define TICK_US     1000000ull          /* packet time between two ticks of an idle shard */
#define MERGE_EVERY 64u                 /* frames between two merge attempts */
/* Connections are dealt in shares: SHARE_CALLER for shard 0, whose worker also reads
 * the capture, decodes the endpoints for the dispatch and copies frames into the
 * rings, SHARE_THREAD for each worker thread. With 2 workers the caller's thread gets
 * a sixth of the connections; the measurements behind 1:5 are in docs/performance.md
 * ("Worker shares"). */
#define SHARE_CALLER 1u
#define SHARE_THREAD 5u
#define HASH_WORDS  9u                  /* two IPv6 addresses and the ports */

enum { K_FRAME = 1, K_TICK, K_FLUSH };  /* work items (src/workers.h) */

enum { O_EVENT = 1, O_ISN };

typedef struct d_out {
    sw_pool_out link;                   /* first: the pool's */
    int kind;
    sw_event ev;
    sw_isn_note *note;
} d_out;

typedef struct slot {
    struct sw_dispatch *d;
    unsigned id;
    sw_shard *shard;
    uint64_t frames;                    /* frames given to this shard (caller's thread) */
    uint64_t told_us;                   /* latest packet time it was given */
    pthread_mutex_t st_mu;              /* the counters as of the last report */
    sw_stats st;
    uint64_t dec[SW_DEC_NRESULTS];
} slot;

struct sw_dispatch {
    unsigned n;
    slot *s;
    sw_pool *pool;
    sw_shard_out merged;
    uint64_t key[HASH_WORDS + 1];       /* random: the dispatch hash's key */
    sw_stream_cb stream_cb;
    void *stream_user;
    pthread_mutex_t stream_mu;
    uint64_t now_us;
    unsigned since_merge;
};

/* ------------------------------------------------------ the shards' side -- */

/* A shard's event moves to its worker's output list (its JSON members are taken
 * over, so the checks' clear after this call frees nothing). */
static void shard_event(void *user, sw_event *ev)
{
    slot *sl = user;
    d_out *o = calloc(1, sizeof *o);
    if (!o)
        return;
    o->kind = O_EVENT;
    o->ev = *ev;
    ev->evidence = ev->packets = ev->related = ev->ruled_out = NULL;
    sw_pool_output(sl->d->pool, sl->id, &o->link);
}

static void shard_isn(void *user, const sw_isn_note *note)
{
    slot *sl = user;
    d_out *o = calloc(1, sizeof *o);
    if (o && !(o->note = sw_isn_note_dup(note))) {
        free(o);
        o = NULL;
    }
    if (!o)
        return;
    o->kind = O_ISN;
    sw_pool_output(sl->d->pool, sl->id, &o->link);
}

static void shard_stream(void *user, const sw_stream_chunk *c)
{
    slot *sl = user;
    sw_dispatch *d = sl->d;
    /* the callback changes only while every worker waits (sw_dispatch_set_stream_cb) */
    if (!d->stream_cb)
        return;
    pthread_mutex_lock(&d->stream_mu);
    d->stream_cb(d->stream_user, c);
    pthread_mutex_unlock(&d->stream_mu);
}

static void run(void *ctx, unsigned w, const sw_work *it)
{
    sw_dispatch *d = ctx;
    sw_shard *sh = d->s[w].shard;
    switch (it->kind) {
    case K_FRAME:
        sw_shard_feed(sh, it->u64b, 0, it->i32, it->u64a, it->data, it->len, it->u32);
        break;
    case K_TICK: sw_shard_tick(sh, it->u64a); break;
    case K_FLUSH: sw_shard_flush(sh); break;
    default: break;
    }
}

static void report(void *ctx, unsigned w)
{
    sw_dispatch *d = ctx;
    slot *sl = &d->s[w];
    if (!sl->shard)
        return;
    pthread_mutex_lock(&sl->st_mu);
    memset(&sl->st, 0, sizeof sl->st);
    sw_shard_stats(sl->shard, &sl->st);
    for (int r = 0; r < SW_DEC_NRESULTS; r++)
        sl->dec[r] = sw_shard_decode_count(sl->shard, r);
    pthread_mutex_unlock(&sl->st_mu);
}

/* On the caller's thread, in frame order. */
static void deliver(void *ctx, sw_pool_out *po)
{
    sw_dispatch *d = ctx;
    d_out *o = (d_out *)po;
    if (o->kind == O_ISN) {
        if (d->merged.isn)
            d->merged.isn(d->merged.isn_user, o->note);
        sw_isn_note_free(o->note);
    } else {
        if (d->merged.event)
            d->merged.event(d->merged.event_user, &o->ev);
        sw_event_clear(&o->ev);
    }
    free(o);
}

static void discard(void *ctx, sw_pool_out *po)
{
    (void)ctx;
    d_out *o = (d_out *)po;
    if (o->kind == O_ISN)
        sw_isn_note_free(o->note);
    else
        sw_event_clear(&o->ev);
    free(o);
}

/* ----------------------------------------------------------------- set-up -- */

sw_dispatch *sw_dispatch_new(const sw_config *cfg, const sw_shard_out *merged, char *err,
                             size_t errlen)
{
    unsigned n = cfg->workers;
    sw_dispatch *d = calloc(1, sizeof *d);
    if (!d || n < 2 || n > 256) {
        if (err && errlen)
            snprintf(err, errlen, d ? "workers: %u is out of range (2..256)" : "out of memory", n);
        free(d);
        return NULL;
    }
    d->n = n;
    d->merged = *merged;
    pthread_mutex_init(&d->stream_mu, NULL);
    if (cfg->seed_set) {
        /* a fixed seed (tests, benchmarks): the key is derived from it, all 80 bytes
         * of it (more than one generichash output gives) */
        uint8_t k32[randombytes_SEEDBYTES];
        crypto_generichash(k32, sizeof k32, cfg->hash_seed, sizeof cfg->hash_seed,
                           (const uint8_t *)"seqwatch.workers", 16);
        randombytes_buf_deterministic(d->key, sizeof d->key, k32);
    } else {
        randombytes_buf(d->key, sizeof d->key);
    }
    d->s = calloc(n, sizeof *d->s);
    if (!d->s) {
        if (err && errlen)
            snprintf(err, errlen, "out of memory");
        sw_dispatch_free(d);
        return NULL;
    }
    for (unsigned i = 0; i < n; i++) {
        d->s[i].d = d;
        d->s[i].id = i;
        pthread_mutex_init(&d->s[i].st_mu, NULL);
    }
    static const sw_pool_ops ops = { run, report, deliver, discard };
    d->pool = sw_pool_new(n, &ops, d, err, errlen);
    if (!d->pool) {
        sw_dispatch_free(d);
        return NULL;
    }
    return d;
}

void sw_dispatch_shard_out(sw_dispatch *d, unsigned i, sw_shard_out *out)
{
    memset(out, 0, sizeof *out);
    out->event = shard_event;
    out->event_user = &d->s[i];
    out->isn = shard_isn;
    out->isn_user = &d->s[i];
    out->stream = shard_stream;
    out->stream_user = &d->s[i];
}

void sw_dispatch_set_shard(sw_dispatch *d, unsigned i, sw_shard *s)
{
    d->s[i].shard = s;
}

int sw_dispatch_start(sw_dispatch *d, char *err, size_t errlen)
{
    for (unsigned i = 0; i < d->n; i++)
        if (!d->s[i].shard) {
            if (err && errlen)
                snprintf(err, errlen, "shard %u missing", i);
            return -1;
        }
    return sw_pool_start(d->pool, err, errlen);
}

void sw_dispatch_set_stream_cb(sw_dispatch *d, sw_stream_cb cb, void *user)
{
    sw_pool_wait(d->pool);
    pthread_mutex_lock(&d->stream_mu);
    d->stream_cb = cb;
    d->stream_user = user;
    pthread_mutex_unlock(&d->stream_mu);
    for (unsigned i = 0; i < d->n; i++)      /* waited: no worker is running a frame */
        sw_shard_want_names(d->s[i].shard, cb != NULL);
}

/* ------------------------------------------------------------- dispatch -- */

/* memcmp's sign for two addresses of al bytes (4 or 16), a word at a time in network
 * order: inline, where the library call was a tenth of the dispatch's own cost. */
static inline int addr_cmp(const uint8_t *a, const uint8_t *b, size_t al)
{
    for (size_t i = 0; i < al; i += 4) {
        uint32_t x = (uint32_t)a[i] << 24 | (uint32_t)a[i + 1] << 16 | (uint32_t)a[i + 2] << 8 | a[i + 3];
        uint32_t y = (uint32_t)b[i] << 24 | (uint32_t)b[i + 1] << 16 | (uint32_t)b[i + 2] << 8 | b[i + 3];
        if (x != y)
            return x < y ? -1 : 1;
    }
    return 0;
}

/* Which shard a frame belongs to: a keyed hash of its two endpoints, ordered so both
 * directions agree. Frames that are not IP go to shard 0; fragments hash on their
 * addresses only (a later fragment carries no ports). */
static unsigned pick(const sw_dispatch *d, int linktype, const uint8_t *frame, uint32_t caplen,
                     uint32_t wirelen, int *is_tcp)
{
    sw_endpoints ep;
    sw_decode_result r = sw_decode_endpoints(&ep, linktype, frame, caplen, wirelen);
    *is_tcp = r == SW_DEC_TCP;
    if (!ep.src || (ep.ip_version != 4 && ep.ip_version != 6))
        return 0;
    size_t al = ep.ip_version == 6 ? 16 : 4;
    const uint8_t *a = ep.src, *b = ep.dst;
    uint16_t sp = ep.sport, dp = ep.dport;
    int c = addr_cmp(a, b, al);
    if (c > 0 || (c == 0 && sp > dp)) {
        const uint8_t *t = a; a = b; b = t;
        uint16_t tp = sp; sp = dp; dp = tp;
    }
    /* Multilinear hash of the 32-bit words (addresses, then the two ports) with the
     * random key, top 32 bits kept: strongly universal, so without the key nobody can
     * line up connections on one shard. It only spreads load; the flow tables hash
     * with SipHash. */
    uint32_t w[HASH_WORDS];
    size_t nw = 0;
    memcpy(w, a, al);
    memcpy(w + al / 4, b, al);
    nw = al / 2;
    w[nw++] = (uint32_t)sp << 16 | dp;
    uint64_t h = d->key[0];
    for (size_t i = 0; i < nw; i++)
        h += d->key[i + 1] * (uint64_t)w[i];
    uint64_t total = SHARE_CALLER + SHARE_THREAD * (d->n - 1u);
    uint64_t share = ((h >> 32) * total) >> 32;
    return share < SHARE_CALLER ? 0 : 1u + (unsigned)((share - SHARE_CALLER) / SHARE_THREAD);
}

static void send_kind(sw_dispatch *d, unsigned i, int kind, uint64_t ts_us)
{
    sw_work it = { .kind = (uint16_t)kind, .u64a = ts_us };
    sw_pool_send(d->pool, i, &it);
}

void sw_dispatch_feed(sw_dispatch *d, uint64_t frame_no, int linktype, uint64_t ts_us,
                      const uint8_t *frame, uint32_t caplen, uint32_t wirelen)
{
    int is_tcp = 0;
    unsigned k = pick(d, linktype, frame, caplen, wirelen, &is_tcp);
    slot *sl = &d->s[k];
    sl->frames++;
    sw_work it = { .kind = K_FRAME, .i32 = linktype, .len = caplen, .u32 = wirelen,
                   .u64a = ts_us, .u64b = frame_no, .data = frame };
    sw_pool_send(d->pool, k, &it);
    if (ts_us > sl->told_us)
        sl->told_us = ts_us;
    if (is_tcp && ts_us > d->now_us) {
        d->now_us = ts_us;
        /* the others learn the time too, so their idle flows expire in step */
        for (unsigned i = 0; i < d->n; i++) {
            slot *o = &d->s[i];
            if (o != sl && ts_us >= o->told_us + TICK_US) {
                send_kind(d, i, K_TICK, ts_us);
                o->told_us = ts_us;
            }
        }
    }
    if (++d->since_merge >= MERGE_EVERY) {
        d->since_merge = 0;
        sw_pool_merge(d->pool);
    }
}

void sw_dispatch_poll(sw_dispatch *d)
{
    sw_pool_publish(d->pool);
    sw_pool_merge(d->pool);
}

void sw_dispatch_flush(sw_dispatch *d)
{
    /* the threads flush while shard 0 does */
    for (unsigned i = d->n; i-- > 0;)
        send_kind(d, i, K_FLUSH, d->now_us);
    sw_pool_wait(d->pool);
    sw_pool_merge(d->pool);
}

void sw_dispatch_set_tunables(sw_dispatch *d, const sw_tunables *t)
{
    sw_pool_wait(d->pool);
    for (unsigned i = 0; i < d->n; i++)
        sw_shard_set_tunables(d->s[i].shard, t);
}

/* ------------------------------------------------------------- counters -- */

/* The sum below walks sw_stats as an array of counters. */
_Static_assert(sizeof(sw_stats) % sizeof(uint64_t) == 0, "sw_stats holds uint64_t counters only");

void sw_dispatch_stats(sw_dispatch *d, sw_stats *out)
{
    report(d, 0);                   /* shard 0 is this thread's: always current */
    memset(out, 0, sizeof *out);
    for (unsigned i = 0; i < d->n; i++) {
        slot *sl = &d->s[i];
        pthread_mutex_lock(&sl->st_mu);
        const sw_stats *s = &sl->st;
        uint64_t first = out->first_ts_us, last = out->last_ts_us;
        /* every counter is a sum, except the packet-time bounds; the peaks
         * (stream_mem_peak, stream_payload_peak) are sums of each shard's own
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
        pthread_mutex_unlock(&sl->st_mu);
    }
}

uint64_t sw_dispatch_decode_count(sw_dispatch *d, int reason)
{
    if (reason < 0 || reason >= SW_DEC_NRESULTS)
        return 0;
    report(d, 0);
    uint64_t n = 0;
    for (unsigned i = 0; i < d->n; i++) {
        pthread_mutex_lock(&d->s[i].st_mu);
        n += d->s[i].dec[reason];
        pthread_mutex_unlock(&d->s[i].st_mu);
    }
    return n;
}

size_t sw_dispatch_offload_hosts(sw_dispatch *d, sw_offload_host *out, size_t max)
{
    size_t n = 0;
    sw_offload_host one[64];
    for (unsigned i = 0; i < d->n; i++) {
        size_t k = sw_shard_offload_hosts(d->s[i].shard, one, 64);
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

uint64_t sw_dispatch_shard_frames(const sw_dispatch *d, unsigned i)
{
    return i < d->n ? d->s[i].frames : 0;
}

void sw_dispatch_free(sw_dispatch *d)
{
    if (!d)
        return;
    sw_pool_free(d->pool);          /* stops the threads, delivers what is left */
    if (d->s) {
        for (unsigned i = 0; i < d->n; i++) {
            sw_shard_free(d->s[i].shard);
            pthread_mutex_destroy(&d->s[i].st_mu);
        }
        free(d->s);
    }
    pthread_mutex_destroy(&d->stream_mu);
    free(d);
}
