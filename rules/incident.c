/*
 * incident.c — correlation (docs/detections.md, "Incidents"). For each connection
 * instance with alerts, the alert_ids raised on it (in order) and its parent: the
 * most conclusive verdict raised so far. A verdict ranked at least as high as the
 * current parent becomes the parent; its document gets hijack.incident {id, verdict,
 * chain: every earlier alert_id of the instance} and hijack.incident_id (its own id).
 * A record written after it on the instance (an alert, a lesser verdict, a closing
 * update) gets hijack.incident_id = the parent's id. Alerts written before it carry
 * no link themselves: the parent's chain lists them (the database stores the link on
 * their rows, storage/store.c).
 *
 * Invariants: what an instance gets depends only on its own alerts, in their order
 * (the engine delivers a connection's events in its order whatever the worker
 * count); at most max entries (the one idle longest is forgotten when full,
 * counted); at most SW_INCIDENT_CHAIN_MAX ids per instance (later ones counted, not
 * listed); keys hashed with a seeded SipHash; an entry is on exactly one bucket
 * chain and the activity list. sw_incidents_validate checks them (SW_VALIDATE
 * builds: the entry touched after every operation, the whole table amortized).
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "common/sw_assert.h"
#include "common/sw_list.h"
#include "rules/incident.h"

#define ID_MAX 63                   /* our alert_ids are 36 characters */
#define NIL UINT32_MAX

typedef struct inc_entry {
    uint64_t flow_id;
    uint32_t inst;
    uint16_t nids;
    uint8_t  rank;                  /* the parent's rank, 0: no parent yet */
    uint8_t  p_dir;                 /* the parent's direction, event and rule */
    uint16_t p_event;
    uint32_t p_gid, p_sid;
    char     parent[ID_MAX + 1];
    char     ids[SW_INCIDENT_CHAIN_MAX][ID_MAX + 1];
    uint32_t hnext;
    uint32_t lprev, lnext;  /* activity list (common/sw_list.h) */
} inc_entry;

struct sw_incidents {
    uint32_t   max, nused, nalloc, nbuckets;
    inc_entry *e;
    uint32_t  *buckets;
    uint32_t   free_head;           /* chained through hnext */
    uint32_t    lru_head, lru_tail; /* activity: head = idle longest */
    uint64_t   evictions, truncated;
    uint64_t   v_ops, v_next;       /* SW_VALIDATE: operations, the next whole-table walk */
    uint8_t    seed[crypto_shorthash_KEYBYTES];
};

int sw_incident_rank(sw_event_id id)
{
    switch (id) {
    case SW_EV_SESSION_TAKEOVER:
        return 2;
    case SW_EV_DESYNC:
    case SW_EV_ACK_STORM:
        return 1;
    default:
        return 0;
    }
}

sw_incidents *sw_incidents_new(uint32_t max_conns)
{
    if (sodium_init() < 0)
        return NULL;
    sw_incidents *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->max = max_conns ? max_conns : 1;
    t->nbuckets = 1;
    while (t->nbuckets < t->max && t->nbuckets < (1u << 20))
        t->nbuckets <<= 1;
    t->buckets = malloc(t->nbuckets * sizeof(uint32_t));
    if (!t->buckets) {
        free(t);
        return NULL;
    }
    for (uint32_t i = 0; i < t->nbuckets; i++)
        t->buckets[i] = NIL;
    t->free_head = NIL;
    t->lru_head = t->lru_tail = NIL;
    randombytes_buf(t->seed, sizeof(t->seed));
    return t;
}

void sw_incidents_free(sw_incidents *t)
{
    if (!t)
        return;
    free(t->e);
    free(t->buckets);
    free(t);
}

uint64_t sw_incidents_evictions(const sw_incidents *t) { return t ? t->evictions : 0; }
uint64_t sw_incidents_truncated(const sw_incidents *t) { return t ? t->truncated : 0; }

static uint32_t bucket_of(const sw_incidents *t, uint64_t flow_id, uint32_t inst)
{
    uint64_t k[2] = { flow_id, inst }, h;
    crypto_shorthash((unsigned char *)&h, (const unsigned char *)k, sizeof(k), t->seed);
    return (uint32_t)(h ^ (h >> 32)) & (t->nbuckets - 1);
}

static uint32_t find(const sw_incidents *t, uint64_t flow_id, uint32_t inst)
{
    for (uint32_t i = t->buckets[bucket_of(t, flow_id, inst)]; i != NIL; i = t->e[i].hnext)
        if (t->e[i].flow_id == flow_id && t->e[i].inst == inst)
            return i;
    return NIL;
}

/* Entry i (on the activity list): its fields and its place on its key's chain. */
static const char *entry_check(const sw_incidents *t, uint32_t i)
{
    const inc_entry *x = &t->e[i];
    if (x->nids > SW_INCIDENT_CHAIN_MAX)
        return "incident: more chain ids than SW_INCIDENT_CHAIN_MAX";
    if (x->rank > 2)
        return "incident: a parent rank above session_takeover's";
    if (x->rank && (!memchr(x->parent, 0, sizeof(x->parent)) || !x->parent[0]))
        return "incident: a parent without its alert_id";
    if (x->rank && x->rank != sw_incident_rank((sw_event_id)x->p_event))
        return "incident: the parent's event does not have the parent's rank";
    for (uint16_t k = 0; k < x->nids; k++)
        if (!memchr(x->ids[k], 0, sizeof(x->ids[k])) || !x->ids[k][0])
            return "incident: a chain id that is empty or not terminated";
    if (find(t, x->flow_id, x->inst) != i)
        return "incident: an entry not found under its key (wrong chain, or a duplicate key)";
    return NULL;
}

const char *sw_incidents_validate(const sw_incidents *t)
{
    if (!t)
        return NULL;
    if (t->nused > t->max || t->nalloc > t->max)
        return "incident: more entries than max_conns";
    if (t->nused > t->nalloc)
        return "incident: more entries in use than allocated";
    /* The activity list: consistent links, every entry in use exactly once. */
    uint32_t n = 0, prev = NIL;
    for (uint32_t i = t->lru_head; i != NIL; prev = i, i = t->e[i].lnext) {
        if (i >= t->nalloc)
            return "incident: activity list leads outside the table";
        if (++n > t->nused)
            return "incident: more entries on the activity list than in use (a cycle or a stray)";
        if (t->e[i].lprev != prev)
            return "incident: activity list prev link broken";
        const char *m = entry_check(t, i);
        if (m)
            return m;
    }
    if (t->lru_tail != prev)
        return "incident: activity tail is not the last entry of the list";
    if (n != t->nused)
        return "incident: entries in use missing from the activity list";
    /* The chains hold exactly the entries in use (each was found on its own above). */
    uint32_t on_chains = 0;
    for (uint32_t b = 0; b < t->nbuckets; b++)
        for (uint32_t i = t->buckets[b]; i != NIL; i = t->e[i].hnext) {
            if (i >= t->nalloc)
                return "incident: a hash chain leads outside the table";
            if (++on_chains > t->nused)
                return "incident: more entries on the hash chains than in use (a free one, or a cycle)";
            if (bucket_of(t, t->e[i].flow_id, t->e[i].inst) != b)
                return "incident: an entry on the chain of another bucket";
        }
    if (on_chains != t->nused)
        return "incident: entries in use missing from the hash chains";
    /* Free entries: below the high-water mark (nused + free), which the table holds. */
    uint32_t nfree = 0;
    for (uint32_t i = t->free_head; i != NIL; i = t->e[i].hnext) {
        if (i >= t->nalloc || ++nfree > t->nalloc - t->nused)
            return "incident: free list too long or leads outside the table";
    }
    for (uint32_t i = t->free_head; i != NIL; i = t->e[i].hnext) {
        if (i >= t->nused + nfree)
            return "incident: a free entry above the entries handed out";
        if (find(t, t->e[i].flow_id, t->e[i].inst) == i)
            return "incident: an entry both free and in use";
    }
    return NULL;
}

/* After an operation (SW_VALIDATE builds): entry i (NIL: none) at once, the whole
 * table once per (64 + entries in use) operations (amortized O(1)). */
static void validate_after(sw_incidents *t, uint32_t i)
{
#if defined(SW_VALIDATE)
    if (i != NIL)
        SW_VALIDATE_RUN(entry_check(t, i));
    if (++t->v_ops >= t->v_next) {
        SW_VALIDATE_RUN(sw_incidents_validate(t));
        t->v_next = t->v_ops + 64 + t->nused;
    }
#else
    (void)t;
    (void)i;
#endif
}

static void forget(sw_incidents *t, uint32_t i)
{
    inc_entry *x = &t->e[i];
    uint32_t *pp = &t->buckets[bucket_of(t, x->flow_id, x->inst)];
    while (*pp != NIL && *pp != i)
        pp = &t->e[*pp].hnext;
    if (*pp == i)
        *pp = x->hnext;
    SW_ILIST_UNLINK(t->e, t->lru_head, t->lru_tail, i, lprev, lnext, NIL);
    x->hnext = t->free_head;
    t->free_head = i;
    t->nused--;
}

static inc_entry *get(sw_incidents *t, uint64_t flow_id, uint32_t inst)
{
    uint32_t i = find(t, flow_id, inst);
    if (i != NIL) {
        SW_ILIST_UNLINK(t->e, t->lru_head, t->lru_tail, i, lprev, lnext, NIL);
        SW_ILIST_PUSH_TAIL(t->e, t->lru_head, t->lru_tail, i, lprev, lnext, NIL);
        return &t->e[i];
    }
    if (t->nused == t->max && t->lru_head != NIL) {
        forget(t, t->lru_head);          /* full: the one idle longest goes */
        t->evictions++;
    }
    if (t->free_head != NIL) {
        i = t->free_head;
        t->free_head = t->e[i].hnext;
    } else {
        if (t->nused == t->nalloc) {
            if (t->nalloc == t->max)
                return NULL;             /* cannot happen: full means forgotten above */
            uint32_t na = t->nalloc ? t->nalloc * 2 : 16;
            if (na > t->max)
                na = t->max;
            inc_entry *ne = realloc(t->e, (size_t)na * sizeof(*ne));
            if (!ne)
                return NULL;             /* no memory: the alert goes out unlinked */
            t->e = ne;
            t->nalloc = na;
        }
        i = t->nused;    /* entries below nused are in use or on the free list */
    }
    inc_entry *x = &t->e[i];
    memset(x, 0, offsetof(inc_entry, ids));
    x->flow_id = flow_id;
    x->inst = inst;
    uint32_t b = bucket_of(t, flow_id, inst);
    x->hnext = t->buckets[b];
    t->buckets[b] = i;
    x->lprev = x->lnext = NIL;
    SW_ILIST_PUSH_TAIL(t->e, t->lru_head, t->lru_tail, i, lprev, lnext, NIL);
    t->nused++;
    return x;
}

void sw_incidents_note(sw_incidents *t, uint64_t flow_id, uint32_t conn_instance, sw_event_id id,
                       json_t *doc)
{
    json_t *h = doc ? json_object_get(doc, "hijack") : NULL;
    const char *aid = json_string_value(json_object_get(doc, "alert_id"));
    if (!t || !json_is_object(h) || !aid || strlen(aid) > ID_MAX)
        return;
    inc_entry *x = get(t, flow_id, conn_instance);
    if (!x)
        return;
    int rank = sw_incident_rank(id);
    if (rank && rank >= x->rank) {
        json_t *chain = json_array();
        for (uint16_t i = 0; chain && i < x->nids; i++)
            json_array_append_new(chain, json_string(x->ids[i]));
        json_t *inc = chain ? json_pack("{s:s, s:O, s:o}", "id", aid, "verdict",
                                        json_object_get(h, "event"), "chain", chain)
                            : NULL;
        if (inc) {
            json_object_set_new(h, "incident", inc);
            json_object_set_new(h, "incident_id", json_string(aid));
            x->rank = (uint8_t)rank;
            memcpy(x->parent, aid, strlen(aid) + 1);
            const json_t *a = json_object_get(doc, "alert");
            const char *d = json_string_value(json_object_get(h, "direction"));
            x->p_event = (uint16_t)id;
            x->p_gid = (uint32_t)json_integer_value(json_object_get(a, "gid"));
            x->p_sid = (uint32_t)json_integer_value(json_object_get(a, "signature_id"));
            x->p_dir = d && strcmp(d, "to_client") == 0;
        }
    } else if (x->rank) {
        json_object_set_new(h, "incident_id", json_string(x->parent));
    }
    if (x->nids < SW_INCIDENT_CHAIN_MAX)
        memcpy(x->ids[x->nids++], aid, strlen(aid) + 1);
    else
        t->truncated++;
    validate_after(t, (uint32_t)(x - t->e));
}

int sw_incidents_parent(const sw_incidents *t, uint64_t flow_id, uint32_t conn_instance, int rank,
                        sw_event_id *id, uint32_t *gid, uint32_t *sid, int *dir)
{
    uint32_t i = t ? find(t, flow_id, conn_instance) : NIL;
    if (i == NIL || t->e[i].rank <= rank)
        return 0;
    *id = (sw_event_id)t->e[i].p_event;
    *gid = t->e[i].p_gid;
    *sid = t->e[i].p_sid;
    *dir = t->e[i].p_dir;
    return 1;
}

void sw_incidents_update(sw_incidents *t, uint64_t flow_id, uint32_t conn_instance, json_t *doc)
{
    json_t *h = doc ? json_object_get(doc, "hijack") : NULL;
    if (!t || !json_is_object(h))
        return;
    uint32_t i = find(t, flow_id, conn_instance);
    if (i != NIL && t->e[i].rank)
        json_object_set_new(h, "incident_id", json_string(t->e[i].parent));
}

void sw_incidents_end(sw_incidents *t, uint64_t flow_id, uint32_t conn_instance)
{
    if (!t)
        return;
    uint32_t i = find(t, flow_id, conn_instance);
    if (i != NIL)
        forget(t, i);
    validate_after(t, NIL);
}
