/*
 * isn_stage.c — the cross-connection ISN stage (rules/isn_stage.h): the per-host ISN
 * table behind isn_predictable, fed with the notes the checks take of each
 * connection's first SYN-ACK, and the summaries it adds to a flagged host's events.
 *
 * Invariants: the table holds at most CK_ISN_HOSTS hosts (keyed SipHash buckets,
 * least recently used host evicted first, counted) and CK_ISN_KEEP ISNs per host;
 * eviction order depends on the notes only, never on the hash seed. Notes are applied
 * on one thread, in the order of the frames that made them (the engine's), so the
 * table is the same for every number of workers. isn_predictable is raised once per
 * host, with the ordinal its connection reserved when the note was taken.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "common/sw_list.h"
#include "rules/isn_stage.h"
#include "rules/ck_families.h"
#include "rules/ck_event.h"

#define ISN_BUCKETS 1024u

typedef struct isn_host {
    uint8_t  addr[16];
    uint8_t  ipv;
    uint8_t  n;              /* ISNs held (oldest first in isn[]) */
    uint8_t  flagged;        /* currently predictable */
    uint8_t  reported;       /* isn_predictable was raised for this host */
    uint32_t last_tuple;     /* 4-tuple of the newest ISN */
    uint32_t isn[CK_ISN_KEEP];
    int32_t  hnext, lprev, lnext;
} isn_host;

typedef struct isn_table {
    uint8_t  key[crypto_shorthash_KEYBYTES];
    int32_t  bucket[ISN_BUCKETS];
    int32_t  lru_head, lru_tail;   /* head: most recently used */
    int32_t  nused;
    uint64_t evicted;
    isn_host h[CK_ISN_HOSTS];
} isn_table;

struct sw_isn_stage {
    isn_table *t;            /* allocated with the first note */
    unsigned min_conns;      /* isn_min_conns, within 3..CK_ISN_KEEP */
    sw_event_emit_fn emit;
    void *user;
    uint64_t alloc_failures;
};

/* ------------------------------------------------------------------ table -- */

static isn_table *table_new(void)
{
    if (sodium_init() < 0)
        return NULL;
    isn_table *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    randombytes_buf(t->key, sizeof t->key);
    for (unsigned i = 0; i < ISN_BUCKETS; i++)
        t->bucket[i] = -1;
    t->lru_head = t->lru_tail = -1;
    return t;
}

static uint32_t isn_bucket(const isn_table *t, int ipv, const uint8_t *addr)
{
    uint8_t in[17], out[crypto_shorthash_BYTES];
    memset(in, 0, sizeof in);
    in[0] = (uint8_t)ipv;
    memcpy(in + 1, addr, ipv == 6 ? 16 : 4);
    crypto_shorthash(out, in, sizeof in, t->key);
    uint32_t v;
    memcpy(&v, out, sizeof v);
    return v % ISN_BUCKETS;
}

static void lru_unlink(isn_table *t, int32_t i)
{
    SW_ILIST_UNLINK(t->h, t->lru_head, t->lru_tail, i, lprev, lnext, -1);
}

static void lru_front(isn_table *t, int32_t i)
{
    SW_ILIST_PUSH_HEAD(t->h, t->lru_head, t->lru_tail, i, lprev, lnext, -1);
}

static int32_t isn_find(const isn_table *t, int ipv, const uint8_t *addr)
{
    size_t al = ipv == 6 ? 16 : 4;
    for (int32_t i = t->bucket[isn_bucket(t, ipv, addr)]; i >= 0; i = t->h[i].hnext)
        if (t->h[i].ipv == ipv && memcmp(t->h[i].addr, addr, al) == 0)
            return i;
    return -1;
}

static int32_t isn_insert(isn_table *t, int ipv, const uint8_t *addr)
{
    int32_t i;
    if (t->nused < CK_ISN_HOSTS) {
        i = t->nused++;
    } else {
        i = t->lru_tail;
        isn_host *old = &t->h[i];
        uint32_t ob = isn_bucket(t, old->ipv, old->addr);
        for (int32_t *pp = &t->bucket[ob]; *pp >= 0; pp = &t->h[*pp].hnext)
            if (*pp == i) {
                *pp = old->hnext;
                break;
            }
        lru_unlink(t, i);
        t->evicted++;
    }
    isn_host *h = &t->h[i];
    memset(h, 0, sizeof *h);
    h->ipv = (uint8_t)ipv;
    memcpy(h->addr, addr, ipv == 6 ? 16 : 4);
    uint32_t b = isn_bucket(t, ipv, addr);
    h->hnext = t->bucket[b];
    t->bucket[b] = i;
    lru_front(t, i);
    return i;
}

/* Predictable: the last m ISNs step by a constant, or every step is tiny. */
static int isn_pattern(const isn_host *h, unsigned m, const char **why)
{
    if (h->n < m || m < 3)
        return 0;
    const uint32_t *v = &h->isn[h->n - m];
    int constant = 1, tiny = 1;
    uint32_t d0 = v[1] - v[0];
    for (unsigned i = 1; i < m; i++) {
        uint32_t d = v[i] - v[i - 1];
        int32_t sd = (int32_t)d;
        if (d != d0)
            constant = 0;
        if (sd >= (int32_t)CK_ISN_TINY || sd <= -(int32_t)CK_ISN_TINY)
            tiny = 0;
    }
    *why = constant ? "constant_increment" : "small_increments";
    return constant || tiny;
}

static json_t *isn_summary(const isn_host *h, unsigned m)
{
    char ab[64];
    if (!sw_addr_str(h->ipv, h->addr, ab, sizeof ab))
        snprintf(ab, sizeof ab, "?");
    if (m > h->n)
        m = h->n;
    json_t *isns = json_array(), *deltas = json_array();
    const uint32_t *v = &h->isn[h->n - m];
    for (unsigned i = 0; i < m; i++) {
        json_array_append_new(isns, json_integer(v[i]));
        if (i)
            json_array_append_new(deltas, json_integer((int32_t)(v[i] - v[i - 1])));
    }
    return json_pack("{s:s,s:s,s:o,s:o}", "event", "isn_predictable", "host", ab,
                     "isns", isns, "deltas", deltas);
}

/* Enter one ISN of a host. Returns the host when isn_predictable is due (once per
 * host), with *why set; NULL otherwise. */
static isn_host *isn_enter(sw_isn_stage *s, int ipv, const uint8_t *addr, uint32_t isn,
                           uint32_t tuple, const char **why)
{
    if (!s->t && !(s->t = table_new())) {
        s->alloc_failures++;
        return NULL;
    }
    isn_table *t = s->t;
    int32_t i = isn_find(t, ipv, addr);
    if (i < 0)
        i = isn_insert(t, ipv, addr);
    else {
        lru_unlink(t, i);
        lru_front(t, i);
    }
    isn_host *h = &t->h[i];
    if (h->n && h->last_tuple == tuple) {
        /* the same 4-tuple again (reuse): its ISN follows its own clock (RFC 6528),
         * which says nothing about other connections; keep the newest only */
        h->isn[h->n - 1] = isn;
        return NULL;
    }
    if (h->n == CK_ISN_KEEP) {
        memmove(h->isn, h->isn + 1, (CK_ISN_KEEP - 1) * sizeof h->isn[0]);
        h->n--;
    }
    h->isn[h->n++] = isn;
    h->last_tuple = tuple;
    int pred = isn_pattern(h, s->min_conns, why);
    h->flagged = (uint8_t)pred;
    if (pred && !h->reported) {
        h->reported = 1;
        return h;
    }
    return NULL;
}

/* The evidence of isn_predictable, added to an event whose identity is filled. */
static void isn_evidence(const sw_isn_stage *s, const isn_host *h, const char *why, sw_event *ev)
{
    unsigned m = s->min_conns;
    json_t *sum = isn_summary(h, m);
    ck_ev_o(ev, "host", json_incref(json_object_get(sum, "host")));
    ck_ev_o(ev, "isns", json_incref(json_object_get(sum, "isns")));
    ck_ev_o(ev, "deltas", json_incref(json_object_get(sum, "deltas")));
    json_decref(sum);
    ck_ev_u(ev, "connections", m);
    ck_ev_s(ev, "pattern", why);
    ck_ruled_out(ev, "same_4tuple_clock", NULL);
}

/* ------------------------------------------------------------------ stage -- */

sw_isn_stage *sw_isn_stage_new(const sw_tunables *t, sw_event_emit_fn emit, void *user)
{
    sw_isn_stage *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->emit = emit;
    s->user = user;
    sw_isn_stage_set_tunables(s, t);
    return s;
}

void sw_isn_stage_free(sw_isn_stage *s)
{
    if (!s)
        return;
    free(s->t);
    free(s);
}

void sw_isn_stage_set_tunables(sw_isn_stage *s, const sw_tunables *t)
{
    /* as rules/default.rules says when a rule set does not: 5; at least 3 (a constant
     * step needs two steps to be seen), at most what the table keeps */
    unsigned m = t ? t->isn_min_conns : 0;
    if (m < 3)
        m = m ? 3 : 5;
    if (m > CK_ISN_KEEP)
        m = CK_ISN_KEEP;
    s->min_conns = m;
}

void sw_isn_stage_apply(sw_isn_stage *s, const sw_isn_note *n)
{
    const char *why = NULL;
    isn_host *h = isn_enter(s, n->ipv, n->addr, n->isn, n->tuple, &why);
    if (!h)
        return;
    sw_event ev;
    if (ck_isn_note_event(n, &ev) != 0) {
        s->alloc_failures++;
        return;
    }
    isn_evidence(s, h, why, &ev);
    if (ck_ev_render(&ev) != 0) {      /* the event's typed draft becomes its JSON */
        s->alloc_failures++;
        return;
    }
    if (s->emit)
        s->emit(s->user, &ev);
    sw_event_clear(&ev);
}

void sw_isn_stage_relate(sw_isn_stage *s, sw_event *ev)
{
    if (ev->id == SW_EV_ISN_PREDICTABLE || !s->t)
        return;
    const uint8_t *srv = ev->dir == 0 ? ev->dst_ip : ev->src_ip;
    int32_t i = isn_find(s->t, ev->ip_version, srv);
    if (i >= 0 && s->t->h[i].flagged)
        ck_related_add(ev, isn_summary(&s->t->h[i], s->min_conns));
}

uint64_t sw_isn_stage_evictions(const sw_isn_stage *s) { return s && s->t ? s->t->evicted : 0; }

uint64_t sw_isn_stage_alloc_failures(const sw_isn_stage *s) { return s ? s->alloc_failures : 0; }
