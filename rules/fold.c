/*
 * fold.c — repeats fold (docs/detections.md, "Repeats fold"). The rule engine's
 * alerts pass here: the first occurrence of (event, rule, connection instance,
 * direction) is raised at once and opens a fold; later occurrences are counted into
 * it (with the last one's evidence; for overlap_mismatch, the distinct injected
 * ranges, each with its count) and raise nothing.
 * A fold that absorbed repeats is closed by one update of the first alert (same
 * alert_id) through the callback: when its connection instance ends (sw_fold_end),
 * when its key comes again idle_us (packet time) or more after its last repeat (that
 * occurrence is then a new alert), at the end of the input (sw_fold_expire with
 * UINT64_MAX), or when the table is full (the one idle longest, counted).
 *
 * Invariants: whether an occurrence folds depends only on its own key's packet
 * times, never on other connections' events or on how they interleave (so
 * --workers N gives the same documents as one worker; only a full table depends
 * on the order); at most max entries; keys hashed with a seeded SipHash (libsodium
 * crypto_shorthash); the activity list is in order of the last repeat as delivered;
 * every open entry is on exactly one key chain and one connection chain; an entry's
 * count is at least 1, its first time not after its last, its lists within their caps.
 * sw_fold_validate checks them (SW_VALIDATE builds: the entry touched after every
 * operation, the whole table amortized).
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "common/sw_assert.h"
#include "common/sw_list.h"
#include "rules/fold.h"

typedef struct fold_key {
    uint64_t flow_id;
    uint32_t conn_instance;
    uint32_t gid, sid;
    uint16_t event;
    uint8_t  dir, pad;
} fold_key;

typedef struct fold_entry {
    fold_key key;
    json_t  *doc;           /* the first alert's document */
    json_t  *last_ev;       /* the last repeat's evidence, or NULL */
    json_t  *absorbed;      /* other events counted in (sw_fold_absorb), or NULL */
    json_t  *ranges;        /* overlap_mismatch: the distinct ranges, once there are 2 */
    uint64_t count, first_us, last_us;
    uint32_t nranges;       /* distinct range starts seen (1 for the first alone) */
    uint32_t first_seq, first_len, last_seq;   /* the first range; the last one's start */
    uint32_t hnext;
    uint32_t lprev, lnext;  /* activity list (common/sw_list.h) */
    uint32_t cnext;         /* connection chain: the entries of one (flow, instance) */
} fold_entry;

#define NIL UINT32_MAX

struct sw_fold {
    uint32_t    max, nused, nalloc, nbuckets;
    fold_entry *e;
    uint32_t   *buckets;
    uint32_t   *cbuckets;           /* by (flow_id, conn_instance), chained through cnext */
    uint32_t    free_head;          /* free entries, chained through hnext */
    uint32_t    lru_head, lru_tail; /* activity: head = idle longest */
    uint64_t    idle_us, evictions, folded;
    uint64_t    v_ops, v_next;      /* SW_VALIDATE: operations, the next whole-table walk */
    sw_fold_close_cb cb;
    void       *user;
    uint8_t     seed[crypto_shorthash_KEYBYTES];
};

sw_fold *sw_fold_new(uint32_t max_entries, uint64_t idle_us, sw_fold_close_cb cb, void *user)
{
    if (sodium_init() < 0)
        return NULL;
    sw_fold *f = calloc(1, sizeof(*f));
    if (!f)
        return NULL;
    f->max = max_entries ? max_entries : 1;
    f->nbuckets = 1;
    while (f->nbuckets < f->max && f->nbuckets < (1u << 20))
        f->nbuckets <<= 1;
    f->buckets = malloc(f->nbuckets * sizeof(uint32_t));
    f->cbuckets = malloc(f->nbuckets * sizeof(uint32_t));
    if (!f->buckets || !f->cbuckets) {
        free(f->buckets);
        free(f->cbuckets);
        free(f);
        return NULL;
    }
    for (uint32_t i = 0; i < f->nbuckets; i++)
        f->buckets[i] = f->cbuckets[i] = NIL;
    f->free_head = NIL;
    f->lru_head = f->lru_tail = NIL;
    f->idle_us = idle_us;
    f->cb = cb;
    f->user = user;
    randombytes_buf(f->seed, sizeof(f->seed));
    return f;
}

static void entry_release(fold_entry *x)
{
    json_decref(x->doc);
    json_decref(x->last_ev);
    json_decref(x->absorbed);
    json_decref(x->ranges);
    x->doc = x->last_ev = x->absorbed = x->ranges = NULL;
}

void sw_fold_free(sw_fold *f)
{
    if (!f)
        return;
    for (uint32_t i = f->lru_head; i != NIL; i = f->e[i].lnext)
        entry_release(&f->e[i]);
    free(f->e);
    free(f->buckets);
    free(f->cbuckets);
    free(f);
}

uint64_t sw_fold_evictions(const sw_fold *f) { return f ? f->evictions : 0; }
uint64_t sw_fold_folded(const sw_fold *f) { return f ? f->folded : 0; }

static void make_key(fold_key *k, const sw_event *ev, uint32_t gid, uint32_t sid)
{
    memset(k, 0, sizeof(*k));
    k->flow_id = ev->flow_id;
    k->conn_instance = ev->conn_instance;
    k->gid = gid;
    k->sid = sid;
    k->event = (uint16_t)ev->id;
    k->dir = (uint8_t)(ev->dir & 1);
}

/* An overlap's range: its evidence's seq and len; 0 if it has none. */
static int range_of(const sw_event *ev, uint32_t *seq, uint32_t *len)
{
    if (ev->id != SW_EV_OVERLAP_MISMATCH || !ev->evidence)
        return 0;
    json_t *s = json_object_get(ev->evidence, "seq"), *l = json_object_get(ev->evidence, "len");
    if (!json_is_integer(s))
        return 0;
    *seq = (uint32_t)json_integer_value(s);
    *len = json_is_integer(l) ? (uint32_t)json_integer_value(l) : 0;
    return 1;
}

static json_t *range_json(uint32_t seq, uint32_t len)
{
    return json_pack("{s:I, s:I, s:I}", "seq", (json_int_t)seq, "len", (json_int_t)len,
                     "count", (json_int_t)1);
}

/* Count ev's range into x: a listed range's count goes up; a new start is a new
 * range (listed while fewer than SW_FOLD_RANGES_MAX are; beyond, a start other than
 * the previous occurrence's counts as new). The list starts with the first range
 * when the second distinct one comes. */
static void note_range(fold_entry *x, const sw_event *ev)
{
    uint32_t seq, len;
    if (!range_of(ev, &seq, &len))
        return;
    if (!x->ranges) {
        if (seq == x->first_seq) {
            x->last_seq = seq;
            return;                      /* the first range again */
        }
        x->ranges = json_array();
        if (!x->ranges || json_array_append_new(x->ranges, range_json(x->first_seq, x->first_len))) {
            json_decref(x->ranges);      /* no memory: ranges not listed, not counted */
            x->ranges = NULL;
            return;
        }
        json_object_set_new(json_array_get(x->ranges, 0), "count",
                            json_integer((json_int_t)x->count - 1));
    }
    size_t i, n = json_array_size(x->ranges);
    for (i = 0; i < n; i++) {
        json_t *r = json_array_get(x->ranges, i);
        if ((uint32_t)json_integer_value(json_object_get(r, "seq")) == seq) {
            json_object_set_new(r, "count",
                                json_integer(json_integer_value(json_object_get(r, "count")) + 1));
            break;
        }
    }
    if (i == n) {
        if (n < SW_FOLD_RANGES_MAX) {
            json_array_append_new(x->ranges, range_json(seq, len));
            x->nranges++;
        } else if (seq != x->last_seq) {
            x->nranges++;
        }
    }
    x->last_seq = seq;
}

static uint32_t bucket_of(const sw_fold *f, const fold_key *k)
{
    uint64_t h;
    crypto_shorthash((unsigned char *)&h, (const unsigned char *)k, sizeof(*k), f->seed);
    return (uint32_t)(h ^ (h >> 32)) & (f->nbuckets - 1);
}

static uint32_t cbucket_of(const sw_fold *f, uint64_t flow_id, uint32_t conn_instance)
{
    uint64_t k[2] = { flow_id, conn_instance }, h;
    crypto_shorthash((unsigned char *)&h, (const unsigned char *)k, sizeof(k), f->seed);
    return (uint32_t)(h ^ (h >> 32)) & (f->nbuckets - 1);
}

static uint32_t find(const sw_fold *f, const fold_key *k)
{
    for (uint32_t i = f->buckets[bucket_of(f, k)]; i != NIL; i = f->e[i].hnext)
        if (memcmp(&f->e[i].key, k, sizeof(*k)) == 0)
            return i;
    return NIL;
}

/* Entry i (open): its fields, and its place on its key chain and connection chain. */
static const char *entry_check(const sw_fold *f, uint32_t i)
{
    const fold_entry *x = &f->e[i];
    if (x->count < 1)
        return "fold: an open fold with count 0";
    if (x->first_us > x->last_us)
        return "fold: first occurrence after the last";
    if (!x->doc && x->absorbed)
        return "fold: a quiet fold with absorbed events (it has no record to list them)";
    if (x->absorbed && json_array_size(x->absorbed) > SW_FOLD_ABSORB_MAX)
        return "fold: more absorbed events listed than SW_FOLD_ABSORB_MAX";
    if (x->ranges && (json_array_size(x->ranges) > SW_FOLD_RANGES_MAX ||
                      json_array_size(x->ranges) > x->nranges || x->nranges < 2))
        return "fold: range list longer than its cap or its count";
    if (x->nranges < 1 || x->nranges > x->count)
        return "fold: more distinct ranges than occurrences";
    if (find(f, &x->key) != i)
        return "fold: an entry not found under its key (wrong chain, or a duplicate key)";
    uint32_t j = f->cbuckets[cbucket_of(f, x->key.flow_id, x->key.conn_instance)], n = 0;
    for (; j != NIL && j != i; j = f->e[j].cnext)
        if (++n > f->nused)
            return "fold: a connection chain longer than the folds open (a cycle)";
    if (j != i)
        return "fold: an entry missing from its connection's chain";
    return NULL;
}

const char *sw_fold_validate(const sw_fold *f)
{
    if (!f)
        return NULL;
    if (f->nused > f->max || f->nalloc > f->max)
        return "fold: more entries than max_entries";
    if (f->nused > f->nalloc)
        return "fold: more entries in use than allocated";
    uint32_t n = 0, prev = NIL;
    for (uint32_t i = f->lru_head; i != NIL; prev = i, i = f->e[i].lnext) {
        if (i >= f->nalloc)
            return "fold: activity list leads outside the table";
        if (++n > f->nused)
            return "fold: more entries on the activity list than open (a cycle or a stray)";
        if (f->e[i].lprev != prev)
            return "fold: activity list prev link broken";
        const char *m = entry_check(f, i);
        if (m)
            return m;
    }
    if (f->lru_tail != prev)
        return "fold: activity tail is not the last entry of the list";
    if (n != f->nused)
        return "fold: open entries missing from the activity list";
    /* Both kinds of chains hold exactly the open entries (each found above). */
    uint32_t on_keys = 0, on_conns = 0;
    for (uint32_t b = 0; b < f->nbuckets; b++) {
        for (uint32_t i = f->buckets[b]; i != NIL; i = f->e[i].hnext) {
            if (i >= f->nalloc || ++on_keys > f->nused)
                return "fold: a key chain with a free entry, a cycle or a stray";
            if (bucket_of(f, &f->e[i].key) != b)
                return "fold: an entry on the key chain of another bucket";
        }
        for (uint32_t i = f->cbuckets[b]; i != NIL; i = f->e[i].cnext) {
            if (i >= f->nalloc || ++on_conns > f->nused)
                return "fold: a connection chain with a free entry, a cycle or a stray";
            if (cbucket_of(f, f->e[i].key.flow_id, f->e[i].key.conn_instance) != b)
                return "fold: an entry on the connection chain of another bucket";
        }
    }
    if (on_keys != f->nused || on_conns != f->nused)
        return "fold: open entries missing from the chains";
    uint32_t nfree = 0;
    for (uint32_t i = f->free_head; i != NIL; i = f->e[i].hnext)
        if (i >= f->nalloc || ++nfree > f->nalloc - f->nused)
            return "fold: free list too long or leads outside the table";
    for (uint32_t i = f->free_head; i != NIL; i = f->e[i].hnext) {
        if (i >= f->nused + nfree)
            return "fold: a free entry above the entries handed out";
        if (f->e[i].doc || f->e[i].last_ev || f->e[i].absorbed || f->e[i].ranges)
            return "fold: a free entry still holding documents";
    }
    return NULL;
}

/* After an operation (SW_VALIDATE builds): entry i (NIL: none) at once, the whole
 * table once per (64 + open folds) operations (amortized O(1)). */
static void validate_after(sw_fold *f, uint32_t i)
{
#if defined(SW_VALIDATE)
    if (i != NIL)
        SW_VALIDATE_RUN(entry_check(f, i));
    if (++f->v_ops >= f->v_next) {
        SW_VALIDATE_RUN(sw_fold_validate(f));
        f->v_next = f->v_ops + 64 + f->nused;
    }
#else
    (void)f;
    (void)i;
#endif
}

/* Close entry i: the update (if it absorbed repeats), then back to the free list. */
static void close_entry(sw_fold *f, uint32_t i)
{
    fold_entry *x = &f->e[i];
    uint32_t *pp = &f->buckets[bucket_of(f, &x->key)];
    while (*pp != NIL && *pp != i)
        pp = &f->e[*pp].hnext;
    if (*pp == i)
        *pp = x->hnext;
    pp = &f->cbuckets[cbucket_of(f, x->key.flow_id, x->key.conn_instance)];
    while (*pp != NIL && *pp != i)
        pp = &f->e[*pp].cnext;
    if (*pp == i)
        *pp = x->cnext;
    SW_ILIST_UNLINK(f->e, f->lru_head, f->lru_tail, i, lprev, lnext, NIL);
    if ((x->count > 1 || x->absorbed) && f->cb && x->doc) {
        sw_fold_info info = { x->count, x->first_us, x->last_us, x->last_ev, x->absorbed,
                              x->ranges, x->ranges ? x->nranges : 0 };
        f->cb(f->user, x->doc, &info);
    }
    entry_release(x);
    x->hnext = f->free_head;
    f->free_head = i;
    f->nused--;
}

int sw_fold_repeat(sw_fold *f, const sw_event *ev, uint32_t gid, uint32_t sid)
{
    if (!f)
        return 0;
    fold_key k;
    make_key(&k, ev, gid, sid);
    uint32_t i = find(f, &k);
    if (i == NIL)
        return 0;
    fold_entry *x = &f->e[i];
    if (ev->ts_us >= x->last_us && ev->ts_us - x->last_us >= f->idle_us) {
        close_entry(f, i);               /* idle too long: this one is a new alert */
        return 0;
    }
    x->count++;
    note_range(x, ev);
    if (ev->ts_us > x->last_us)
        x->last_us = ev->ts_us;
    json_decref(x->last_ev);
    x->last_ev = NULL;
    json_t *first = json_object_get(x->doc, "hijack");
    first = first ? json_object_get(first, "evidence") : NULL;
    if (ev->evidence && !(first && json_equal(first, ev->evidence)))
        x->last_ev = json_deep_copy(ev->evidence);
    SW_ILIST_UNLINK(f->e, f->lru_head, f->lru_tail, i, lprev, lnext, NIL);
    SW_ILIST_PUSH_TAIL(f->e, f->lru_head, f->lru_tail, i, lprev, lnext, NIL);
    f->folded++;
    validate_after(f, i);
    return 1;
}

void sw_fold_open(sw_fold *f, const sw_event *ev, uint32_t gid, uint32_t sid, json_t *doc)
{
    if (!f)
        return;
    fold_key k;
    make_key(&k, ev, gid, sid);
    if (find(f, &k) != NIL)
        return;                          /* cannot happen: the caller asked repeat first */
    if (f->nused == f->max && f->lru_head != NIL) {
        close_entry(f, f->lru_head);     /* full: the one idle longest closes early */
        f->evictions++;
    }
    uint32_t i;
    if (f->free_head != NIL) {
        i = f->free_head;
        f->free_head = f->e[i].hnext;
    } else {
        if (f->nused == f->nalloc) {
            if (f->nalloc == f->max)
                return;                  /* cannot happen: full means evicted above */
            uint32_t na = f->nalloc ? f->nalloc * 2 : 64;
            if (na > f->max)
                na = f->max;
            fold_entry *ne = realloc(f->e, (size_t)na * sizeof(*ne));
            if (!ne)
                return;                  /* no memory: the alert stands alone, unfolded */
            f->e = ne;
            f->nalloc = na;
        }
        i = f->nused;   /* entries below nused are in use or on the free list */
    }
    fold_entry *x = &f->e[i];
    memset(x, 0, sizeof(*x));
    x->key = k;
    x->doc = doc ? json_incref(doc) : NULL;
    x->count = 1;
    x->first_us = x->last_us = ev->ts_us;
    x->nranges = 1;
    if (range_of(ev, &x->first_seq, &x->first_len))
        x->last_seq = x->first_seq;
    uint32_t b = bucket_of(f, &k);
    x->hnext = f->buckets[b];
    f->buckets[b] = i;
    b = cbucket_of(f, k.flow_id, k.conn_instance);
    x->cnext = f->cbuckets[b];
    f->cbuckets[b] = i;
    x->lprev = x->lnext = NIL;
    SW_ILIST_PUSH_TAIL(f->e, f->lru_head, f->lru_tail, i, lprev, lnext, NIL);
    f->nused++;
    validate_after(f, i);
}

void sw_fold_expire(sw_fold *f, uint64_t now_us)
{
    if (!f)
        return;
    while (f->lru_head != NIL) {
        const fold_entry *x = &f->e[f->lru_head];
        if (now_us != UINT64_MAX && (now_us < x->last_us || now_us - x->last_us < f->idle_us))
            break;
        close_entry(f, f->lru_head);
    }
    validate_after(f, NIL);
}

void sw_fold_end(sw_fold *f, uint64_t flow_id, uint32_t conn_instance)
{
    if (!f)
        return;
    /* The chain holds the instance's entries newest first: close the oldest first
     * (the order their first alerts were raised), a batch at a time. */
    for (;;) {
        uint32_t idx[64], n = 0;
        for (uint32_t i = f->cbuckets[cbucket_of(f, flow_id, conn_instance)]; i != NIL;
             i = f->e[i].cnext) {
            const fold_key *k = &f->e[i].key;
            if (k->flow_id == flow_id && k->conn_instance == conn_instance) {
                if (n == 64)
                    memmove(idx, idx + 1, 63 * sizeof(idx[0]));   /* keep the oldest 64 */
                idx[n < 64 ? n++ : 63] = i;
            }
        }
        if (!n)
            break;
        while (n)
            close_entry(f, idx[--n]);
    }
    validate_after(f, NIL);
}

int sw_fold_absorb(sw_fold *f, const sw_event *to, uint32_t gid, uint32_t sid, json_t *entry)
{
    if (!f || !entry)
        return 0;
    fold_key k;
    make_key(&k, to, gid, sid);
    uint32_t i = find(f, &k);
    if (i == NIL || !f->e[i].doc)
        return 0;                        /* not open, or a quiet fold (no record) */
    fold_entry *x = &f->e[i];
    if (!x->absorbed)
        x->absorbed = json_array();
    if (x->absorbed && json_array_size(x->absorbed) < SW_FOLD_ABSORB_MAX)
        json_array_append(x->absorbed, entry);
    f->folded++;
    validate_after(f, i);
    return 1;
}
