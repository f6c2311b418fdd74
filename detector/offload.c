/*
 * offload.c — the table of offloading hosts for checksum mode auto.
 *
 * A capture taken on a host with TX checksum offload shows that host's outgoing TCP
 * packets before the NIC completed the checksum: the checksum field holds the folded
 * one's-complement sum of the pseudo-header (Linux's CHECKSUM_PARTIAL), not a valid
 * checksum. sw_offload_signature() recognises exactly that value. A host is learned
 * from its first signature packet, unless it has already sent a packet with a
 * verified checksum on that connection (then it does not offload, and signature
 * packets in its name are chaff); a learned host's signature packets are taken from
 * then on, whatever else is sent in its name (forged packets carry valid checksums).
 *
 * Invariants: at most max_hosts hosts (open addressing, twice as many slots, keyed
 * SipHash with the per-run seed); when full, new hosts are refused and counted, never
 * evicted (a learned host stays learned for the run). Nothing is allocated after
 * sw_offload_new().
 */
#include "detector/offload.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detector/flow.h"

typedef struct off_host {
    uint8_t  used, ipv;
    uint8_t  addr[16];
    uint64_t packets;
    uint32_t order;                 /* learned as the order-th host */
} off_host;

struct sw_offload {
    uint8_t  seed[16];
    uint32_t max, n, mask;
    uint64_t refused;
    off_host *slot;
};

sw_offload *sw_offload_new(uint32_t max_hosts, const uint8_t seed[16])
{
    sw_offload *o = calloc(1, sizeof *o);
    if (!o)
        return NULL;
    o->max = max_hosts ? max_hosts : 1;
    uint32_t ns = 2;
    while (ns < o->max * 2u && ns < (1u << 24))
        ns <<= 1;
    o->mask = ns - 1;
    memcpy(o->seed, seed, 16);
    o->slot = calloc(ns, sizeof *o->slot);
    if (!o->slot) {
        free(o);
        return NULL;
    }
    return o;
}

void sw_offload_free(sw_offload *o)
{
    if (!o)
        return;
    free(o->slot);
    free(o);
}

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

int sw_offload_signature(const sw_packet *p)
{
    if (!p->tcp_hdr || !p->src_ip || !p->dst_ip)
        return 0;
    uint32_t alen = p->ip_version == 6 ? 16 : 4;
    uint32_t l4 = (uint32_t)p->tcp_hlen + p->payload_wire_len;
    uint64_t s = 0;
    for (uint32_t i = 0; i < alen; i += 2)
        s += be16(p->src_ip + i) + be16(p->dst_ip + i);
    s += 6u + (l4 >> 16) + (l4 & 0xffffu);
    while (s >> 16)
        s = (s & 0xffffu) + (s >> 16);
    uint16_t field = be16(p->tcp_hdr + 16);
    return field == (uint16_t)s;
}

int sw_offload_learn(sw_offload *o, const sw_packet *p, int may_add)
{
    uint8_t key[17];
    memset(key, 0, sizeof key);
    key[0] = p->ip_version;
    memcpy(key + 1, p->src_ip, p->ip_version == 6 ? 16 : 4);
    uint32_t i = (uint32_t)sw_keyed_hash(o->seed, key, sizeof key) & o->mask;
    for (;;) {
        off_host *h = &o->slot[i];
        if (!h->used) {
            if (!may_add)
                return 0;
            if (o->n >= o->max) {
                o->refused++;
                return 0;
            }
            h->used = 1;
            h->ipv = key[0];
            memcpy(h->addr, key + 1, 16);
            h->order = o->n++;
            h->packets = 1;
            return 1;
        }
        if (h->ipv == key[0] && memcmp(h->addr, key + 1, 16) == 0) {
            h->packets++;
            return 1;
        }
        i = (i + 1) & o->mask;
    }
}

size_t sw_offload_hosts(const sw_offload *o, sw_offload_host *out, size_t max)
{
    if (!o)
        return 0;
    for (uint32_t i = 0; i <= o->mask; i++) {
        const off_host *h = &o->slot[i];
        if (!h->used || h->order >= max)
            continue;
        sw_addr_str(h->ipv, h->addr, out[h->order].addr, sizeof out[h->order].addr);
        out[h->order].packets = h->packets;
    }
    return o->n;
}

uint64_t sw_offload_refused(const sw_offload *o) { return o ? o->refused : 0; }
