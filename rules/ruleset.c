/*
 * ruleset.c — the rule engine: turns a catalogue event into a verdict (alert, pass,
 * suppressed by a threshold, or nothing) using a loaded rule set, and keeps the
 * threshold state in a bounded matcher.
 *
 * Invariants: rules are indexed by event id, so matching one event costs only the
 * rules written for that event; pass rules are consulted before alert rules, and
 * among alert rules the first matching one in file order decides. Informational
 * events never produce a verdict here (they travel as evidence of other alerts).
 * Threshold windows use packet time (ev->ts_us) only. The matcher's table holds at
 * most max_entries entries keyed with a seeded SipHash (libsodium crypto_shorthash);
 * when full, the least recently used entry is evicted and counted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "common/sw_list.h"
#include "rules/rule_internal.h"

/* ------------------------------------------------------------- rule sets -- */

void sw_tunables_default(sw_tunables *t)
{
    *t = *sw_ruleset_tunables(NULL);
}

void sw_rule_release(sw_rule *r)
{
    free(r->src.nodes);
    free(r->sport.nodes);
    free(r->dst.nodes);
    free(r->dport.nodes);
    free(r->msg);
    free(r->classtype);
    free(r->metadata);
    memset(r, 0, sizeof(*r));
}

static int tf_names(const sw_tfentry *x, const sw_rule *r)
{
    return (x->gid == 0 || x->gid == r->gid) && (x->sid == 0 || x->sid == r->sid);
}

int sw_ruleset_finish(sw_ruleset *rs, const unsigned char sha256[32])
{
    /* threshold file: per rule, the threshold entry in effect (an exact gid:sid entry
     * wins over the rule's own threshold option, which wins over a wildcard entry)
     * and whether any suppress entry names it */
    for (size_t i = 0; i < rs->n; i++) {
        sw_rule *r = &rs->rules[i];
        r->tf_thr = -1;
        r->tf_sup = 0;
        int wild = -1;
        for (size_t j = 0; j < rs->ntf; j++) {
            const sw_tfentry *x = &rs->tf[j];
            if (!tf_names(x, r))
                continue;
            if (x->kind == SW_TF_SUPPRESS)
                r->tf_sup = 1;
            else if (x->gid == r->gid && x->sid == r->sid)
                r->tf_thr = (int32_t)j;
            else if (wild < 0)
                wild = (int)j;
        }
        if (r->tf_thr < 0 && r->thr.type == SW_THR_NONE && wild >= 0)
            r->tf_thr = wild;
    }
    for (size_t i = 0; i < rs->n; i++) {
        const sw_rule *r = &rs->rules[i];
        if (r->pass)
            rs->npass[r->event]++;
        else
            rs->nalert[r->event]++;
    }
    for (int e = 0; e < SW_EV_COUNT; e++) {
        if (rs->npass[e] && !(rs->pass_idx[e] = malloc(rs->npass[e] * sizeof(uint32_t))))
            return -1;
        if (rs->nalert[e] && !(rs->alert_idx[e] = malloc(rs->nalert[e] * sizeof(uint32_t))))
            return -1;
        rs->npass[e] = rs->nalert[e] = 0;
    }
    for (int base = 0; base < 2; base++) {          /* site rules first */
        for (size_t i = 0; i < rs->n; i++) {
            const sw_rule *r = &rs->rules[i];
            if (r->base != base)
                continue;
            if (r->pass)
                rs->pass_idx[r->event][rs->npass[r->event]++] = (uint32_t)i;
            else
                rs->alert_idx[r->event][rs->nalert[r->event]++] = (uint32_t)i;
        }
    }
    sodium_bin2hex(rs->hash, sizeof(rs->hash), sha256, crypto_hash_sha256_BYTES);
    return 0;
}

void sw_ruleset_free(sw_ruleset *rs)
{
    if (!rs)
        return;
    for (size_t i = 0; i < rs->n; i++)
        sw_rule_release(&rs->rules[i]);
    free(rs->rules);
    for (int e = 0; e < SW_EV_COUNT; e++) {
        free(rs->pass_idx[e]);
        free(rs->alert_idx[e]);
    }
    for (size_t i = 0; i < rs->nsrc; i++)
        free(rs->src_names[i]);
    free(rs->src_names);
    for (size_t i = 0; i < rs->ntf; i++)
        free(rs->tf[i].ip.nodes);
    free(rs->tf);
    free(rs);
}

size_t sw_ruleset_count(const sw_ruleset *rs)
{
    return rs ? rs->n : 0;
}

const sw_tunables *sw_ruleset_tunables(const sw_ruleset *rs)
{
#define TUN_DEFAULT(name, event, def, min, max, unit) .name = (def),
    static const sw_tunables defaults = { SW_TUNABLES(TUN_DEFAULT) };
#undef TUN_DEFAULT
    return rs ? &rs->tun : &defaults;
}

const char *sw_ruleset_hash(const sw_ruleset *rs)
{
    return rs ? rs->hash : "";
}

int sw_ruleset_rule_info(const sw_ruleset *rs, size_t i, sw_rule_info *out)
{
    if (!rs || i >= rs->n)
        return -1;
    const sw_rule *r = &rs->rules[i];
    out->sid = r->sid;
    out->gid = r->gid;
    out->rev = r->rev;
    out->pass = r->pass;
    out->event = sw_event_def_get(r->event)->name;
    out->msg = r->msg;
    out->classtype = r->classtype;
    out->priority = r->priority;
    out->line = r->line;
    out->file = r->srcfile < rs->nsrc ? rs->src_names[r->srcfile] : "";
    out->base = r->base;
    return 0;
}

size_t sw_ruleset_replaced(const sw_ruleset *rs)
{
    return rs ? rs->nreplaced : 0;
}

size_t sw_ruleset_threshold_entries(const sw_ruleset *rs)
{
    return rs ? rs->ntf : 0;
}

/* 1 when set a is "any" (matches every address or port). */
static int set_is_any(const sw_set *a)
{
    return a->n == 1 && a->nodes[0].kind == SW_NODE_ANY && !a->nodes[0].neg;
}

static int set_same(const sw_set *a, const sw_set *b)
{
    return a->n == b->n && memcmp(a->nodes, b->nodes, a->n * sizeof(*a->nodes)) == 0;
}

/* 1 when pass rule p's field set covers alert rule a's: `any`, or the same expression. */
static int covers(const sw_set *p, const sw_set *a)
{
    return set_is_any(p) || set_same(p, a);
}

/* 1 when pass rule p matches every event alert rule a matches (conservatively: fields
 * that are `any` or written the same; a `<>` alert rule needs a `<>` pass rule or a
 * pass rule whose fields are all `any`). */
static int pass_shadows(const sw_rule *p, const sw_rule *a)
{
    if (p->flow_dir >= 0 && p->flow_dir != a->flow_dir)
        return 0;
    int straight = covers(&p->src, &a->src) && covers(&p->sport, &a->sport) &&
                   covers(&p->dst, &a->dst) && covers(&p->dport, &a->dport);
    if (!a->bidir)
        return straight || (p->bidir && covers(&p->src, &a->dst) && covers(&p->sport, &a->dport) &&
                            covers(&p->dst, &a->src) && covers(&p->dport, &a->sport));
    int all_any = set_is_any(&p->src) && set_is_any(&p->sport) && set_is_any(&p->dst) &&
                  set_is_any(&p->dport);
    return all_any || (p->bidir && straight);
}

static void rule_where(const sw_ruleset *rs, const sw_rule *r, char *buf, size_t len)
{
    snprintf(buf, len, "%s:%u", r->srcfile < rs->nsrc ? rs->src_names[r->srcfile] : "?", r->line);
}

size_t sw_ruleset_lint(const sw_ruleset *rs, sw_rule_warn_fn fn, void *user)
{
    if (!rs)
        return 0;
    size_t n = 0, nuncov = 0, ul = 0;
    char msg[2048], w1[600], w2[600], uncov[1024] = "";
    for (int e = 0; e < SW_EV_COUNT; e++) {
        const sw_event_def *def = sw_event_def_get((sw_event_id)e);
        if (def->informational)
            continue;
        if (rs->nalert[e] == 0) {
            int k = snprintf(uncov + ul, sizeof(uncov) - ul, "%s%s", nuncov ? ", " : "", def->name);
            if (k > 0 && (size_t)k < sizeof(uncov) - ul)
                ul += (size_t)k;
            nuncov++;
            continue;
        }
        for (uint32_t i = 0; i < rs->nalert[e]; i++) {
            const sw_rule *a = &rs->rules[rs->alert_idx[e][i]];
            for (uint32_t j = 0; j < rs->npass[e]; j++) {
                const sw_rule *p = &rs->rules[rs->pass_idx[e][j]];
                if (!pass_shadows(p, a))
                    continue;
                rule_where(rs, a, w1, sizeof(w1));
                rule_where(rs, p, w2, sizeof(w2));
                snprintf(msg, sizeof(msg), "%s: alert rule sid %u (%s) never alerts: pass rule sid %u at %s "
                         "silences everything it matches", w1, a->sid, def->name, p->sid, w2);
                if (fn)
                    fn(user, msg);
                n++;
                break;
            }
        }
    }
    /* threshold file lines that name no loaded alert rule */
    for (size_t j = 0; j < rs->ntf; j++) {
        const sw_tfentry *x = &rs->tf[j];
        int hit = 0;
        for (size_t i = 0; i < rs->n && !hit; i++)
            hit = !rs->rules[i].pass && tf_names(x, &rs->rules[i]);
        if (hit)
            continue;
        snprintf(msg, sizeof(msg), "%s:%u: %s gen_id %u, sig_id %u names no loaded alert rule",
                 rs->tf_src >= 0 ? rs->src_names[rs->tf_src] : "?", x->line,
                 x->kind == SW_TF_SUPPRESS ? "suppress" : "threshold", x->gid, x->sid);
        if (fn)
            fn(user, msg);
        n++;
    }
    if (nuncov) {
        snprintf(msg, sizeof(msg), "%zu event%s no alert rule and never raise%s an alert: %s", nuncov,
                 nuncov == 1 ? " has" : "s have", nuncov == 1 ? "s" : "", uncov);
        if (fn)
            fn(user, msg);
        n++;
    }
    return n;
}

/* -------------------------------------------------------------- matching -- */

static int node_match(const sw_set *s, uint32_t i, int ipv, const uint8_t *ip, int port);

static int node_match_raw(const sw_set *s, const sw_setnode *nd, int ipv, const uint8_t *ip, int port)
{
    switch (nd->kind) {
    case SW_NODE_ANY:
        return 1;
    case SW_NODE_NET: {
        if (!ip || nd->family != ipv)
            return 0;
        unsigned full = nd->prefix / 8, rest = nd->prefix % 8;
        if (memcmp(nd->addr, ip, full) != 0)
            return 0;
        if (rest) {
            uint8_t mask = (uint8_t)(0xffu << (8 - rest));
            if ((ip[full] & mask) != nd->addr[full])
                return 0;
        }
        return 1;
    }
    case SW_NODE_PORTS:
        return port >= nd->lo && port <= nd->hi;
    case SW_NODE_LIST: {
        int any_pos = 0, pos_hit = 0;
        for (uint32_t c = nd->child; c != SW_NODE_NONE; c = s->nodes[c].next) {
            const sw_setnode *cn = &s->nodes[c];
            if (cn->neg) {
                if (node_match_raw(s, cn, ipv, ip, port))
                    return 0;
            } else {
                any_pos = 1;
                if (!pos_hit && node_match(s, c, ipv, ip, port))
                    pos_hit = 1;
            }
        }
        return !any_pos || pos_hit;
    }
    }
    return 0;
}

static int node_match(const sw_set *s, uint32_t i, int ipv, const uint8_t *ip, int port)
{
    const sw_setnode *nd = &s->nodes[i];
    int r = node_match_raw(s, nd, ipv, ip, port);
    return nd->neg ? !r : r;
}

int sw_set_match_addr(const sw_set *s, int ip_version, const uint8_t *ip)
{
    if (!s->n)
        return 0;
    return node_match(s, 0, ip_version, ip, -1);
}

int sw_set_match_port(const sw_set *s, uint16_t port)
{
    if (!s->n)
        return 0;
    return node_match(s, 0, 0, NULL, port);
}

static int rule_matches(const sw_rule *r, const sw_event *ev)
{
    if (r->flow_dir >= 0 && r->flow_dir != ev->dir)
        return 0;
    if (sw_set_match_addr(&r->src, ev->ip_version, ev->src_ip) &&
        sw_set_match_port(&r->sport, ev->sport) &&
        sw_set_match_addr(&r->dst, ev->ip_version, ev->dst_ip) &&
        sw_set_match_port(&r->dport, ev->dport))
        return 1;
    return r->bidir &&
           sw_set_match_addr(&r->src, ev->ip_version, ev->dst_ip) &&
           sw_set_match_port(&r->sport, ev->dport) &&
           sw_set_match_addr(&r->dst, ev->ip_version, ev->src_ip) &&
           sw_set_match_port(&r->dport, ev->sport);
}

/* --------------------------------------------------------------- matcher -- */

typedef struct thr_key {
    uint32_t gid, sid;
    uint8_t  type, track, ipver, pad;
    uint32_t conn_instance;
    uint64_t flow_id;
    uint8_t  ip[16];
    uint8_t  ip2[16];       /* by_both: the destination */
} thr_key;

typedef struct thr_entry {
    thr_key  key;
    uint64_t start_us;      /* window start (packet time) */
    uint32_t count;         /* matches in the window (backoff: ever) */
    uint32_t next_alert;    /* backoff: the count that alerts next, 0 = never again */
    uint32_t hnext;         /* bucket chain */
    uint32_t lprev, lnext;  /* recency list, head = least recently used */
} thr_entry;

#define NIL UINT32_MAX

struct sw_matcher {
    uint32_t   max;
    thr_entry *e;
    uint32_t   nalloc, nused;
    uint32_t  *buckets;
    uint32_t   nbuckets;    /* power of two */
    uint32_t   lru_head, lru_tail;
    uint8_t    seed[crypto_shorthash_KEYBYTES];
    uint64_t   evictions;
};

sw_matcher *sw_matcher_new(uint32_t max_entries)
{
    if (sodium_init() < 0)
        return NULL;
    sw_matcher *m = calloc(1, sizeof(*m));
    if (!m)
        return NULL;
    m->max = max_entries ? max_entries : 1;
    m->nbuckets = 64;
    m->buckets = malloc(m->nbuckets * sizeof(uint32_t));
    if (!m->buckets) {
        free(m);
        return NULL;
    }
    for (uint32_t i = 0; i < m->nbuckets; i++)
        m->buckets[i] = NIL;
    m->lru_head = m->lru_tail = NIL;
    randombytes_buf(m->seed, sizeof(m->seed));
    return m;
}

void sw_matcher_free(sw_matcher *m)
{
    if (!m)
        return;
    free(m->e);
    free(m->buckets);
    free(m);
}

uint64_t sw_matcher_evictions(const sw_matcher *m)
{
    return m ? m->evictions : 0;
}

size_t sw_matcher_entries(const sw_matcher *m)
{
    return m ? m->nused : 0;
}

static uint32_t key_hash(const sw_matcher *m, const thr_key *k)
{
    uint64_t h;
    crypto_shorthash((unsigned char *)&h, (const unsigned char *)k, sizeof(*k), m->seed);
    return (uint32_t)(h ^ (h >> 32));
}

static void lru_unlink(sw_matcher *m, uint32_t i)
{
    SW_ILIST_UNLINK(m->e, m->lru_head, m->lru_tail, i, lprev, lnext, NIL);
}

static void lru_push_tail(sw_matcher *m, uint32_t i)
{
    SW_ILIST_PUSH_TAIL(m->e, m->lru_head, m->lru_tail, i, lprev, lnext, NIL);
}

static void bucket_unlink(sw_matcher *m, uint32_t i)
{
    uint32_t b = key_hash(m, &m->e[i].key) & (m->nbuckets - 1);
    uint32_t *pp = &m->buckets[b];
    while (*pp != NIL) {
        if (*pp == i) {
            *pp = m->e[i].hnext;
            return;
        }
        pp = &m->e[*pp].hnext;
    }
}

static void maybe_grow_buckets(sw_matcher *m)
{
    if (m->nused <= m->nbuckets || m->nbuckets >= (1u << 24))
        return;
    uint32_t nb = m->nbuckets * 2;
    uint32_t *b = malloc(nb * sizeof(uint32_t));
    if (!b)
        return;   /* keep the longer chains; still correct */
    for (uint32_t i = 0; i < nb; i++)
        b[i] = NIL;
    for (uint32_t i = 0; i < m->nused; i++) {
        uint32_t h = key_hash(m, &m->e[i].key) & (nb - 1);
        m->e[i].hnext = b[h];
        b[h] = i;
    }
    free(m->buckets);
    m->buckets = b;
    m->nbuckets = nb;
}

/* Find or create the entry for k; *fresh = 1 when it was created. NULL only when out of
 * memory with nothing to evict. */
static thr_entry *matcher_get(sw_matcher *m, const thr_key *k, int *fresh)
{
    uint32_t h = key_hash(m, k);
    for (uint32_t i = m->buckets[h & (m->nbuckets - 1)]; i != NIL; i = m->e[i].hnext) {
        if (memcmp(&m->e[i].key, k, sizeof(*k)) == 0) {
            lru_unlink(m, i);
            lru_push_tail(m, i);
            *fresh = 0;
            return &m->e[i];
        }
    }
    uint32_t i;
    if (m->nused < m->max && m->nused == m->nalloc) {
        uint32_t na = m->nalloc ? m->nalloc * 2 : 64;
        if (na > m->max)
            na = m->max;
        thr_entry *ne = realloc(m->e, (size_t)na * sizeof(*ne));
        if (ne) {
            m->e = ne;
            m->nalloc = na;
        }
    }
    if (m->nused < m->nalloc) {
        i = m->nused++;
    } else {
        if (m->lru_head == NIL)
            return NULL;
        i = m->lru_head;            /* evict the least recently used entry */
        bucket_unlink(m, i);
        lru_unlink(m, i);
        m->evictions++;
    }
    thr_entry *x = &m->e[i];
    memset(x, 0, sizeof(*x));
    x->key = *k;
    x->lprev = x->lnext = NIL;
    uint32_t b = h & (m->nbuckets - 1);
    x->hnext = m->buckets[b];
    m->buckets[b] = i;
    lru_push_tail(m, i);
    maybe_grow_buckets(m);
    *fresh = 1;
    return &m->e[i];   /* m->e is not reallocated by maybe_grow_buckets */
}

/* 1: alert, 0: suppressed. t is the rule's threshold or the threshold file's. */
static int threshold_allows(sw_matcher *mt, const sw_rule *r, const sw_threshold *t,
                            const sw_event *ev)
{
    thr_key k;
    memset(&k, 0, sizeof(k));
    k.gid = r->gid;
    k.sid = r->sid;
    k.type = t->type;
    k.track = t->track;
    switch (t->track) {
    case SW_TRACK_SRC:
        k.ipver = ev->ip_version;
        memcpy(k.ip, ev->src_ip, 16);
        break;
    case SW_TRACK_DST:
        k.ipver = ev->ip_version;
        memcpy(k.ip, ev->dst_ip, 16);
        break;
    case SW_TRACK_BOTH:
        k.ipver = ev->ip_version;
        memcpy(k.ip, ev->src_ip, 16);
        memcpy(k.ip2, ev->dst_ip, 16);
        break;
    case SW_TRACK_FLOW:
        k.flow_id = ev->flow_id;
        k.conn_instance = ev->conn_instance;
        break;
    default:
        break;
    }
    if (!mt)
        return 1;
    int fresh;
    thr_entry *x = matcher_get(mt, &k, &fresh);
    if (!x)
        return 1;   /* no memory at all: fail open, an alert is better than silence */
    uint64_t ts = ev->ts_us;

    if (t->type == SW_THR_BACKOFF) {
        if (fresh)
            x->next_alert = t->count;
        if (x->count < UINT32_MAX)
            x->count++;
        if (x->next_alert && x->count == x->next_alert) {
            uint64_t nx = (uint64_t)x->next_alert * t->multiplier;
            x->next_alert = nx > UINT32_MAX ? 0 : (uint32_t)nx;
            return 1;
        }
        return 0;
    }

    uint64_t span = (uint64_t)t->seconds * 1000000u;
    if (fresh || (ts >= x->start_us && ts - x->start_us >= span)) {
        x->start_us = ts;
        x->count = 0;
    }
    if (x->count < UINT32_MAX)
        x->count++;
    switch (t->type) {
    case SW_THR_LIMIT:
        return x->count <= t->count;
    case SW_THR_THRESHOLD:
        if (x->count >= t->count) {
            x->count = 0;
            return 1;
        }
        return 0;
    case SW_THR_BOTH:
        return x->count == t->count;
    }
    return 1;
}

/* 1 when a suppress entry of the threshold file silences rule r's event. */
static int suppressed(const sw_ruleset *rs, const sw_rule *r, const sw_event *ev)
{
    for (size_t j = 0; j < rs->ntf; j++) {
        const sw_tfentry *x = &rs->tf[j];
        if (x->kind != SW_TF_SUPPRESS || !tf_names(x, r))
            continue;
        switch (x->track) {
        case SW_TRACK_NONE:
            return 1;
        case SW_TRACK_SRC:
            if (sw_set_match_addr(&x->ip, ev->ip_version, ev->src_ip))
                return 1;
            break;
        case SW_TRACK_DST:
            if (sw_set_match_addr(&x->ip, ev->ip_version, ev->dst_ip))
                return 1;
            break;
        case SW_TRACK_EITHER:
            if (sw_set_match_addr(&x->ip, ev->ip_version, ev->src_ip) ||
                sw_set_match_addr(&x->ip, ev->ip_version, ev->dst_ip))
                return 1;
            break;
        }
    }
    return 0;
}

static void fill_match(const sw_rule *r, sw_rule_match *out)
{
    if (!out)
        return;
    out->sid = r->sid;
    out->gid = r->gid;
    out->rev = r->rev;
    out->msg = r->msg;
    out->classtype = r->classtype;
    out->priority = r->priority;
    out->metadata = r->metadata;
}

sw_match_verdict sw_ruleset_match(const sw_ruleset *rs, sw_matcher *mt, const sw_event *ev,
                                  sw_rule_match *out)
{
    if (!rs || !ev || (int)ev->id < 0 || ev->id >= SW_EV_COUNT)
        return SW_MATCH_NONE;
    const sw_event_def *def = sw_event_def_get(ev->id);
    if (def->informational)
        return SW_MATCH_NONE;
    for (uint32_t i = 0; i < rs->npass[ev->id]; i++) {
        const sw_rule *r = &rs->rules[rs->pass_idx[ev->id][i]];
        if (rule_matches(r, ev)) {
            fill_match(r, out);
            return SW_MATCH_PASS;
        }
    }
    for (uint32_t i = 0; i < rs->nalert[ev->id]; i++) {
        const sw_rule *r = &rs->rules[rs->alert_idx[ev->id][i]];
        if (!rule_matches(r, ev))
            continue;
        fill_match(r, out);
        if (r->tf_sup && suppressed(rs, r, ev))
            return SW_MATCH_SUPPRESSED;
        const sw_threshold *t = r->tf_thr >= 0 ? &rs->tf[r->tf_thr].thr : &r->thr;
        if (t->type != SW_THR_NONE && !threshold_allows(mt, r, t, ev))
            return SW_MATCH_SUPPRESSED;
        return SW_MATCH_ALERT;
    }
    return SW_MATCH_NONE;
}
