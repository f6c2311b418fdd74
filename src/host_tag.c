/*
 * host_tag.c — the table behind sw_engine_feed2's host tag: seqwatch flow_id (one per
 * connection instance) -> the host's tag of the last frame of that connection, so an
 * alert raised later than its packet (a timeout, the final flush) still carries the
 * host's own identifier of the connection (Suricata's flow_id in the plugin).
 *
 * Invariants: open addressing with linear probing and backward-shift deletion, so no
 * tombstones; the load stays at most one half (the table doubles, up to the cap, and
 * refuses new keys with a counter at the cap); key 0 marks an empty slot (flow ids
 * are never 0). Keys are seqwatch flow ids, already outputs of a keyed hash with a
 * per-run secret, so an attacker cannot aim at one probe sequence; they are mixed
 * once more anyway. Memory is allocated only when the table grows, never per packet
 * in the steady state.
 */
#include <stdlib.h>
#include <string.h>

#include "src/host_tag.h"

typedef struct slot {
    uint64_t key, tag;
} slot;

struct sw_host_tags {
    slot *s;
    uint32_t mask;      /* size - 1, size a power of two */
    uint32_t n;
    uint32_t cap;
    uint64_t refused;
};

static uint32_t mix(uint64_t k)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdull;
    k ^= k >> 33;
    return (uint32_t)k;
}

sw_host_tags *sw_host_tags_new(uint32_t cap)
{
    sw_host_tags *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->cap = cap ? cap : 1u << 20;
    t->mask = 1023;
    t->s = calloc(t->mask + 1u, sizeof(slot));
    if (!t->s) {
        free(t);
        return NULL;
    }
    return t;
}

void sw_host_tags_free(sw_host_tags *t)
{
    if (!t)
        return;
    free(t->s);
    free(t);
}

static slot *find(const sw_host_tags *t, uint64_t key)
{
    for (uint32_t i = mix(key) & t->mask;; i = (i + 1) & t->mask) {
        if (t->s[i].key == key || t->s[i].key == 0)
            return &t->s[i];
    }
}

static int grow(sw_host_tags *t)
{
    uint32_t size = (t->mask + 1u) * 2u;
    if (size == 0)
        return -1;
    slot *old = t->s;
    uint32_t old_size = t->mask + 1u;
    slot *ns = calloc(size, sizeof(slot));
    if (!ns)
        return -1;
    t->s = ns;
    t->mask = size - 1;
    for (uint32_t i = 0; i < old_size; i++)
        if (old[i].key)
            *find(t, old[i].key) = old[i];
    free(old);
    return 0;
}

void sw_host_tags_set(sw_host_tags *t, uint64_t key, uint64_t tag)
{
    if (!t || key == 0)
        return;
    if (tag == 0) {
        sw_host_tags_del(t, key);
        return;
    }
    slot *s = find(t, key);
    if (s->key == key) {
        s->tag = tag;
        return;
    }
    if (t->n >= t->cap) {
        t->refused++;
        return;
    }
    if ((uint64_t)(t->n + 1) * 2 > (uint64_t)t->mask + 1) {
        if (grow(t) != 0) {
            t->refused++;
            return;
        }
        s = find(t, key);
    }
    s->key = key;
    s->tag = tag;
    t->n++;
}

uint64_t sw_host_tags_get(const sw_host_tags *t, uint64_t key)
{
    if (!t || key == 0)
        return 0;
    const slot *s = find(t, key);
    return s->key == key ? s->tag : 0;
}

void sw_host_tags_del(sw_host_tags *t, uint64_t key)
{
    if (!t || key == 0)
        return;
    slot *s = find(t, key);
    if (s->key != key)
        return;
    /* Backward-shift: move later members of the probe run into the hole. */
    uint32_t hole = (uint32_t)(s - t->s);
    for (uint32_t i = (hole + 1) & t->mask; t->s[i].key; i = (i + 1) & t->mask) {
        uint32_t home = mix(t->s[i].key) & t->mask;
        /* i's entry may move to hole if home is not cyclically in (hole, i]. */
        if (((i - home) & t->mask) >= ((i - hole) & t->mask)) {
            t->s[hole] = t->s[i];
            hole = i;
        }
    }
    t->s[hole].key = 0;
    t->s[hole].tag = 0;
    t->n--;
}

uint64_t sw_host_tags_refused(const sw_host_tags *t) { return t ? t->refused : 0; }
