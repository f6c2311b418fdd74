/*
 * flow.c — the flow table: a chained hash table of TCP flows keyed by the canonical
 * bidirectional key, hashed with SipHash-2-4 (libsodium crypto_shorthash) under a
 * per-run seed.
 *
 * Invariants:
 *  - Flow slots come from chunks of up to SW_FLOW_CHUNK slots and a free list; the
 *    number of slots ever allocated never exceeds max_flows. Nothing is allocated
 *    for a packet unless a new flow needs a slot and the free list is empty, or the
 *    bucket array grows.
 *  - The bucket array grows with the live flows (doubled, and every chain rebuilt,
 *    when they outnumber the buckets), up to the size for max_flows (one bucket per
 *    two flows); it never shrinks. A bucket is found from the low bits of the
 *    flow's stored 32-bit hash, so no key is hashed again when it grows.
 *  - Every live flow is on exactly one hash chain and on exactly one LRU list (the
 *    list of its timeout class), and each LRU list is ordered by last_us, oldest at
 *    the head. This holds because last_us is taken from the table clock, which only
 *    moves forward (max of every time seen), and a flow is appended at the tail
 *    whenever it is touched or changes class.
 *  - The release callback runs exactly once per flow, before its slot goes back to
 *    the free list.
 *  - t->oldest_us[c] is at most the last_us of every flow on list c: the list's
 *    smallest last_us never decreases (the head is the oldest, and a flow joins at
 *    the tail with the table clock), so a value read from the head stays a bound and
 *    expiry need not read the head (a cache miss) until the bound itself is due.
 *  - t->recent[] holds NULL or live flows, each in the slot recent_slot() gives for
 *    its key (cleared when that flow is dropped); a lookup compares the slot's flow
 *    with the key before hashing. The slot function is not keyed: colliding keys
 *    only make each other fall back to the keyed table, so it costs an attacker's
 *    packets no more than before.
 */
#include "common/sw_assert.h"
#include "common/sw_list.h"
#include "detector/flow.h"

#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#define SW_FLOW_CHUNK       1024u
#define SW_FLOW_MIN_BUCKETS 64u
#define SW_FLOW_MAX_BUCKETS (1u << 22)
#define SW_FLOW_RECENT_BITS 12u
#define SW_FLOW_RECENT      (1u << SW_FLOW_RECENT_BITS)

typedef struct flow_chunk {
    struct flow_chunk *next;
    uint32_t n;
    sw_flow flows[];
} flow_chunk;

typedef struct flow_lru {
    sw_flow *head, *tail;
} flow_lru;

struct sw_flow_table {
    sw_flow_table_config cfg;
    sw_flow **buckets;
    uint32_t  mask;
    uint32_t  max_mask;           /* mask of the largest bucket array (for max_flows) */
    flow_chunk *chunks;
    sw_flow  *free_list;          /* linked through chain_next */
    uint32_t  allocated;          /* slots ever allocated (<= max_flows) */
    flow_lru  lru[SW_FLOW_T_COUNT];
    uint64_t  now_us;             /* table clock: the largest time seen */
    sw_flow_release_fn release;
    void     *user;
    sw_flow_counters ctr;
    sw_flow  *recent[SW_FLOW_RECENT]; /* recently used flows, direct-mapped by recent_slot() */
    uint64_t  oldest_us[SW_FLOW_T_COUNT]; /* per class: <= last_us of every flow on its list */
    uint64_t  v_ops, v_next;      /* SW_VALIDATE: operations, next full check */
};

uint64_t sw_keyed_hash(const uint8_t seed[16], const void *data, size_t len)
{
    unsigned char out[crypto_shorthash_BYTES];
    crypto_shorthash(out, (const unsigned char *)data, (unsigned long long)len, seed);
    uint64_t h = 0;
    for (int i = crypto_shorthash_BYTES - 1; i >= 0; i--)   /* little-endian, on every host */
        h = (h << 8) | out[i];
    return h;
}

static uint32_t pow2_at_least(uint32_t n)
{
    uint32_t p = 1;
    while (p < n && p < SW_FLOW_MAX_BUCKETS)
        p <<= 1;
    return p;
}

sw_flow_table *sw_flow_table_new(const sw_flow_table_config *cfg,
                                 sw_flow_release_fn release, void *user)
{
    if (sodium_init() < 0)
        return NULL;
    sw_flow_table *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->cfg = *cfg;
    if (t->cfg.max_flows == 0)
        t->cfg.max_flows = 1;
    uint32_t nb = pow2_at_least(t->cfg.max_flows / 2);
    if (nb < SW_FLOW_MIN_BUCKETS)
        nb = SW_FLOW_MIN_BUCKETS;
    t->max_mask = nb - 1;
    nb = SW_FLOW_MIN_BUCKETS;
    t->buckets = calloc(nb, sizeof *t->buckets);
    if (!t->buckets) {
        free(t);
        return NULL;
    }
    t->mask = nb - 1;
    t->release = release;
    t->user = user;
    return t;
}

static inline uint64_t load_be64(const uint8_t *b)
{
    uint64_t v;
    memcpy(&v, b, 8);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

/* memcmp(a, b, 16)'s sign, without the library call (bytes in order = big-endian words). */
static inline int addr_cmp(const uint8_t a[16], const uint8_t b[16])
{
    uint64_t x = load_be64(a), y = load_be64(b);
    if (x == y) {
        x = load_be64(a + 8);
        y = load_be64(b + 8);
    }
    return x < y ? -1 : x > y;
}

void sw_flow_key_from_packet(sw_flow_key *k, int *src_ep, const sw_packet *p)
{
    memset(k, 0, sizeof *k);
    size_t alen = p->ip_version == 6 ? 16 : 4;
    uint8_t sa[16] = {0}, da[16] = {0};
    memcpy(sa, p->src_ip, alen);
    memcpy(da, p->dst_ip, alen);
    int c = addr_cmp(sa, da);
    int src_first = c < 0 || (c == 0 && p->sport <= p->dport);
    int se = src_first ? 0 : 1;
    memcpy(k->addr[se], sa, sizeof sa);
    memcpy(k->addr[1 - se], da, sizeof da);
    k->port[se] = p->sport;
    k->port[1 - se] = p->dport;
    k->nvlan = p->nvlan > 2 ? 2 : p->nvlan;
    for (int i = 0; i < k->nvlan; i++)
        k->vlan[i] = p->vlan[i];
    k->ip_version = p->ip_version;
    if (src_ep)
        *src_ep = se;
}

static inline uint64_t table_hash(const sw_flow_table *t, const sw_flow_key *k)
{
    return sw_keyed_hash(t->cfg.seed, k, sizeof *k);
}

/* A cheap mix of the whole key for the recent-flow cache (not the table's hash). */
static inline uint32_t recent_slot(const sw_flow_key *k)
{
    const uint8_t *b = (const uint8_t *)k;
    uint64_t x = 0, w;
    for (size_t i = 0; i + 8 <= sizeof *k; i += 8) {
        memcpy(&w, b + i, 8);
        x = (x ^ w) * 0x9e3779b97f4a7c15ull;
    }
    return (uint32_t)(x >> (64 - SW_FLOW_RECENT_BITS));
}

sw_flow *sw_flow_lookup(sw_flow_table *t, const sw_flow_key *k)
{
    /* Few connections are busy at once: their flows are found in the small cache
     * first, which spares the keyed hash and the walk of a cold bucket. */
    uint32_t slot = recent_slot(k);
    sw_flow *r = t->recent[slot];
    if (r && memcmp(&r->key, k, sizeof *k) == 0)
        return r;
    uint32_t h = (uint32_t)table_hash(t, k);
    for (sw_flow *f = t->buckets[h & t->mask]; f; f = f->chain_next)
        if (f->hash == h && memcmp(&f->key, k, sizeof *k) == 0) {
            t->recent[slot] = f;
            return f;
        }
    return NULL;
}

/* --- LRU lists --- */

static void lru_unlink(sw_flow_table *t, sw_flow *f)
{
    flow_lru *l = &t->lru[f->tclass];
    SW_DLIST_UNLINK(l->head, l->tail, f, lru_prev, lru_next);
}

static void lru_append(sw_flow_table *t, sw_flow *f)
{
    flow_lru *l = &t->lru[f->tclass];
    SW_DLIST_PUSH_TAIL(l->head, l->tail, f, lru_prev, lru_next);
}

static void chain_unlink(sw_flow_table *t, sw_flow *f)
{
    sw_flow **pp = &t->buckets[f->hash & t->mask];
    while (*pp && *pp != f)
        pp = &(*pp)->chain_next;
    if (*pp)
        *pp = f->chain_next;
    f->chain_next = NULL;
}

/* Unlink, release, return the slot to the free list. */
static void flow_drop(sw_flow_table *t, sw_flow *f, int why)
{
    uint32_t slot = recent_slot(&f->key);
    if (t->recent[slot] == f)
        t->recent[slot] = NULL;
    chain_unlink(t, f);
    lru_unlink(t, f);
    t->ctr.active--;
    if (t->release)
        t->release(t->user, f, why);
    f->chain_next = t->free_list;
    t->free_list = f;
}

static inline void clock_advance(sw_flow_table *t, uint64_t now_us)
{
    if (now_us > t->now_us)
        t->now_us = now_us;
}

/* The stalest flow to evict at the cap: embryonic first (cheapest to lose, and what
 * a SYN flood fills the table with), then closing, then established. */
static sw_flow *eviction_victim(sw_flow_table *t)
{
    static const sw_flow_tclass order[SW_FLOW_T_COUNT] = {
        SW_FLOW_T_EMBRYONIC, SW_FLOW_T_CLOSING, SW_FLOW_T_ESTABLISHED
    };
    for (int i = 0; i < SW_FLOW_T_COUNT; i++)
        if (t->lru[order[i]].head)
            return t->lru[order[i]].head;
    return NULL;
}

static int grow(sw_flow_table *t)
{
    uint32_t n = t->cfg.max_flows - t->allocated;
    if (n > SW_FLOW_CHUNK)
        n = SW_FLOW_CHUNK;
    flow_chunk *c = malloc(sizeof *c + (size_t)n * sizeof(sw_flow));
    if (!c)
        return -1;
    c->n = n;
    c->next = t->chunks;
    t->chunks = c;
    t->allocated += n;
    for (uint32_t i = n; i-- > 0;) {
        c->flows[i].chain_next = t->free_list;
        t->free_list = &c->flows[i];
    }
    return 0;
}

/* Double the bucket array (when the live flows outnumber the buckets and it is
 * below its largest size) and rebuild the chains. On allocation failure the table
 * keeps its array: longer chains, nothing lost. */
static void maybe_grow_buckets(sw_flow_table *t)
{
    if (t->ctr.active <= (uint64_t)t->mask + 1 || t->mask >= t->max_mask)
        return;
    uint32_t nb = (t->mask + 1) * 2;
    sw_flow **nbk = calloc(nb, sizeof *nbk);
    if (!nbk)
        return;
    uint32_t nmask = nb - 1;
    for (uint32_t i = 0; i <= t->mask; i++) {
        sw_flow *f = t->buckets[i];
        while (f) {
            sw_flow *nx = f->chain_next;
            sw_flow **b = &nbk[f->hash & nmask];
            f->chain_next = *b;
            *b = f;
            f = nx;
        }
    }
    free(t->buckets);
    t->buckets = nbk;
    t->mask = nmask;
}

/* --- validation (common/sw_assert.h) --- */

/* One flow: on its class's list with consistent links and in order with its
 * neighbours, on the chain of its bucket, its hash that of its key. */
static const char *flow_check(const sw_flow_table *t, const sw_flow *f)
{
    if (f->tclass >= SW_FLOW_T_COUNT)
        return "flow: timeout class out of range";
    const flow_lru *l = &t->lru[f->tclass];
    if (f->lru_prev ? f->lru_prev->lru_next != f : l->head != f)
        return "flow: not linked on the LRU list of its class (prev side)";
    if (f->lru_next ? f->lru_next->lru_prev != f : l->tail != f)
        return "flow: not linked on the LRU list of its class (next side)";
    if (f->lru_prev && f->lru_prev->last_us > f->last_us)
        return "flow: LRU list not ordered by last_us";
    if (f->last_us > t->now_us || f->first_us > f->last_us)
        return "flow: last_us after the table clock or before first_us";
    if (f->last_us < t->oldest_us[f->tclass])
        return "flow: last_us below its class's oldest_us bound";
    if (f->hash != (uint32_t)table_hash(t, &f->key))
        return "flow: stored hash is not the hash of its key";
    uint64_t n = 0;
    const sw_flow *g = t->buckets[f->hash & t->mask];
    for (; g && g != f; g = g->chain_next)
        if (++n > t->ctr.active)
            return "flow: hash chain longer than the live flows (a cycle)";
    if (!g)
        return "flow: not on the chain of its bucket";
    return NULL;
}

const char *sw_flow_table_validate(const sw_flow_table *t)
{
    if (!t)
        return NULL;
    uint64_t on_lists = 0, on_chains = 0;
    for (int c = 0; c < SW_FLOW_T_COUNT; c++) {
        const sw_flow *prev = NULL;
        for (const sw_flow *f = t->lru[c].head; f; prev = f, f = f->lru_next) {
            if (++on_lists > t->ctr.active)
                return "flow: more flows on the LRU lists than live flows (a cycle or a stray)";
            if (f->tclass != c)
                return "flow: a flow sits on the LRU list of another class";
            if (f->lru_prev != prev)
                return "flow: LRU prev link broken";
            if (prev && prev->last_us > f->last_us)
                return "flow: LRU list not ordered by last_us";
            const char *e = flow_check(t, f);
            if (e)
                return e;
        }
        if (t->lru[c].tail != prev)
            return "flow: LRU tail is not the last flow of its list";
    }
    if (on_lists != t->ctr.active)
        return "flow: live flows missing from the LRU lists";
    for (uint32_t b = 0; b <= t->mask; b++)
        for (const sw_flow *f = t->buckets[b]; f; f = f->chain_next) {
            if (++on_chains > t->ctr.active)
                return "flow: more flows on the hash chains than live flows (one on two chains?)";
            if ((f->hash & t->mask) != b)
                return "flow: a flow sits on the chain of another bucket";
        }
    if (on_chains != t->ctr.active)
        return "flow: live flows missing from the hash chains";
    if (t->allocated > t->cfg.max_flows)
        return "flow: more slots allocated than max_flows";
    uint64_t nfree = 0;
    for (const sw_flow *f = t->free_list; f; f = f->chain_next)
        if (++nfree > t->allocated)
            return "flow: free list longer than the slots allocated";
    if (nfree + t->ctr.active != t->allocated)
        return "flow: live and free slots do not add up to the slots allocated";
    for (uint32_t i = 0; i < SW_FLOW_RECENT; i++) {
        const sw_flow *r = t->recent[i];
        if (r && recent_slot(&r->key) != i)
            return "flow: a recent-flow slot holds a flow of another slot";
        if (r && flow_check(t, r))
            return "flow: a recent-flow slot holds a flow that is not live";
    }
    return NULL;
}

/* After an operation (SW_VALIDATE builds): flow f (NULL: none) at once, the whole
 * table once per (64 + live flows) operations (amortized O(1) per flow). */
static void validate_after(sw_flow_table *t, const sw_flow *f)
{
#if defined(SW_VALIDATE)
    if (f)
        SW_VALIDATE_RUN(flow_check(t, f));
    if (++t->v_ops >= t->v_next) {
        SW_VALIDATE_RUN(sw_flow_table_validate(t));
        t->v_next = t->v_ops + 64 + t->ctr.active;
    }
#else
    (void)t;
    (void)f;
#endif
}

sw_flow *sw_flow_create(sw_flow_table *t, const sw_flow_key *k, uint64_t now_us)
{
    clock_advance(t, now_us);
    if (!t->free_list) {
        if (t->allocated < t->cfg.max_flows) {
            if (grow(t) < 0)
                return NULL;
        } else {
            sw_flow *v = eviction_victim(t);
            if (!v)
                return NULL;
            t->ctr.evicted_cap++;
            flow_drop(t, v, SW_CONN_EVICTED);
        }
    }
    sw_flow *f = t->free_list;
    t->free_list = f->chain_next;
    memset(f, 0, sizeof *f);
    f->key = *k;
    f->hash = (uint32_t)table_hash(t, k);
    f->first_us = f->last_us = t->now_us;
    f->tclass = SW_FLOW_T_EMBRYONIC;
    sw_flow **b = &t->buckets[f->hash & t->mask];
    f->chain_next = *b;
    *b = f;
    lru_append(t, f);
    t->recent[recent_slot(k)] = f;
    t->ctr.created++;
    t->ctr.active++;
    maybe_grow_buckets(t);
    validate_after(t, f);
    return f;
}

void sw_flow_touch(sw_flow_table *t, sw_flow *f, uint64_t now_us)
{
    clock_advance(t, now_us);
    f->last_us = t->now_us;
    if (t->lru[f->tclass].tail != f) {
        lru_unlink(t, f);
        lru_append(t, f);
    }
    validate_after(t, f);
}

void sw_flow_set_class(sw_flow_table *t, sw_flow *f, sw_flow_tclass c)
{
    if ((unsigned)c >= SW_FLOW_T_COUNT || f->tclass == c)
        return;
    lru_unlink(t, f);
    f->tclass = (uint8_t)c;
    f->last_us = t->now_us;   /* the class change is activity: keeps the list ordered */
    lru_append(t, f);
    validate_after(t, f);
}

size_t sw_flow_expire(sw_flow_table *t, uint64_t now_us)
{
    clock_advance(t, now_us);
    size_t n = 0;
    for (int c = 0; c < SW_FLOW_T_COUNT; c++) {
        if (t->cfg.timeout[c] == 0)
            continue;                       /* 0: no time-based expiry for this class */
        uint64_t to = (uint64_t)t->cfg.timeout[c] * 1000000u;
        if (t->oldest_us[c] + to >= t->now_us)
            continue;                       /* nothing on the list can be due yet */
        sw_flow *h;
        while ((h = t->lru[c].head) != NULL && h->last_us + to < t->now_us) {
            t->ctr.timed_out++;
            flow_drop(t, h, SW_CONN_TIMED_OUT);
            n++;
        }
        t->oldest_us[c] = h ? h->last_us : t->now_us;
    }
    if (n)
        validate_after(t, NULL);
    return n;
}

void sw_flow_remove(sw_flow_table *t, sw_flow *f, int why)
{
    t->ctr.removed++;
    flow_drop(t, f, why);
    validate_after(t, NULL);
}

void sw_flow_flush(sw_flow_table *t)
{
    for (int c = 0; c < SW_FLOW_T_COUNT; c++)
        while (t->lru[c].head)
            flow_drop(t, t->lru[c].head, SW_CONN_OPEN);
}

void sw_flow_table_free(sw_flow_table *t)
{
    if (!t)
        return;
    SW_VALIDATE_RUN(sw_flow_table_validate(t));
    sw_flow_flush(t);
    while (t->chunks) {
        flow_chunk *n = t->chunks->next;
        free(t->chunks);
        t->chunks = n;
    }
    free(t->buckets);
    free(t);
}

void sw_flow_table_counters(const sw_flow_table *t, sw_flow_counters *c)
{
    *c = t->ctr;
}

size_t sw_flow_table_mem(const sw_flow_table *t)
{
    size_t n = sizeof *t + ((size_t)t->mask + 1) * sizeof *t->buckets;
    for (const flow_chunk *c = t->chunks; c; c = c->next)
        n += sizeof *c + (size_t)c->n * sizeof(sw_flow);
    return n;
}
