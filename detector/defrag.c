/*
 * defrag.c — IP defragmentation: fragments (views sw_decode returned SW_DEC_FRAGMENT
 * for) are collected per datagram and a complete datagram is handed back as one IP
 * packet, to be decoded once like any other. docs/decoding.md ("Fragments") is the
 * user's description; keep it in step.
 *
 * Invariants:
 *  - Nothing is allocated after sw_defrag_new(): contexts, fragment records and the
 *    data blocks (DF_BLOCK bytes each, memcap / DF_BLOCK of them) come from pools made
 *    there. A context maps its datagram's data offsets to blocks through a page table,
 *    so a fragment is copied once, into the blocks it covers, and the datagram once,
 *    into the output buffer.
 *  - Every cap has a counter: contexts (the stalest — oldest first fragment — is
 *    dropped for a new one), data blocks (the stalest other context is dropped; the
 *    datagram itself if it alone is too big), fragments per datagram (the datagram is
 *    dropped). A context lives at most its family's timeout from its first fragment
 *    (packet time: 30 s IPv4 as Linux's ipfrag_time, 60 s IPv6).
 *  - Contexts are found by a keyed hash (SipHash, per-run seed) of (IP version,
 *    source, destination, identification, IPv4 protocol, VLAN tags).
 *  - What a fragment may be is checked as Linux's ip_fragment.c / reassembly.c do
 *    (non-last fragments cut to a multiple of 8 bytes; an empty fragment, one ending
 *    past 65535 bytes or past the last fragment's end is refused), and overlaps are
 *    resolved by the configured policy; the default is what Linux 6.x does (RFC 5722,
 *    applied by Linux to IPv4 too): a fragment wholly inside the data already held is
 *    a duplicate and dropped, any other overlap drops the whole datagram.
 *  - Every overlap whose bytes differ is published (sw_frag_overlap_fn) with both
 *    versions, before the policy's choice is applied.
 */
#include "detector/defrag.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "detector/flow.h"

#define DF_BLOCK 512u
#define DF_MAX_DATA 65536u               /* data offsets + lengths stay below this */
#define DF_NBLK (DF_MAX_DATA / DF_BLOCK)
#define DF_HDR_MAX 512u                  /* IPv4 header / IPv6 unfragmentable part kept */
#define DF_IP_MAX 65535u                 /* IPv4 total length / IPv6 payload length limit */
#define NIL UINT32_MAX
#define PROTO_TCP 6

typedef struct df_frag {
    uint32_t off, end;                   /* [off, end) of the datagram's data */
} df_frag;

typedef struct df_ctx {
    /* key */
    uint8_t  ipv, proto, nvlan, in_use;
    uint16_t vlan[2];
    uint32_t id;
    uint8_t  src[16], dst[16];
    /* links: hash chain, age list of its family (oldest first) */
    uint32_t hnext, aprev, anext;
    uint64_t first_us, deadline_us;
    uint32_t maxend;                     /* largest end seen */
    uint32_t total;                      /* data length, once the last fragment is in */
    uint8_t  have_last, have_first, have_ports, fproto;
    uint16_t sport, dport;
    uint32_t nfrags;
    uint32_t hdr_len, nh_pos;
    uint32_t blk[DF_NBLK];               /* data block index + 1; 0 = none */
    uint8_t  hdr[DF_HDR_MAX];            /* the first fragment's header */
    df_frag *frags;                      /* cfg.max_fragments records */
} df_ctx;

struct sw_defrag {
    sw_defrag_config cfg;
    sw_frag_overlap_fn fn;
    void *user;
    df_ctx *ctx;
    df_frag *frag_mem;
    uint32_t free_ctx;                   /* free list through hnext */
    uint32_t *bucket;
    uint32_t bucket_mask;
    uint8_t *blocks;
    uint32_t *free_blk;
    uint32_t nblk, nblk_free;
    uint32_t ahead[2], atail[2];         /* age lists: 0 IPv4, 1 IPv6 */
    uint32_t active;
    sw_defrag_counters n;
    df_frag tmp[DF_MAX_DATA / 8];        /* scratch: overlapping records, sorted copies */
    uint8_t old[DF_MAX_DATA];            /* the held bytes of an overlap, for evidence */
    uint8_t out[DF_HDR_MAX + DF_MAX_DATA];
};

static const char *const policy_names[] = {
    [SW_FRAG_LINUX] = "linux", [SW_FRAG_FIRST] = "first", [SW_FRAG_LAST] = "last",
    [SW_FRAG_BSD] = "bsd", [SW_FRAG_WINDOWS] = "windows", [SW_FRAG_SOLARIS] = "solaris",
};

int sw_frag_policy_parse(const char *s)
{
    if (!s)
        return -1;
    for (size_t i = 0; i < sizeof policy_names / sizeof policy_names[0]; i++)
        if (strcmp(s, policy_names[i]) == 0)
            return (int)i;
    return -1;
}

const char *sw_frag_policy_name(int policy)
{
    if (policy < 0 || (size_t)policy >= sizeof policy_names / sizeof policy_names[0])
        return NULL;
    return policy_names[policy];
}

sw_defrag *sw_defrag_new(const sw_defrag_config *cfg, sw_frag_overlap_fn fn, void *user)
{
    sw_defrag *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->cfg = *cfg;
    if (!d->cfg.max_contexts)
        d->cfg.max_contexts = 1;
    if (!d->cfg.max_fragments)
        d->cfg.max_fragments = 1;
    if (d->cfg.max_fragments > DF_MAX_DATA / 8)
        d->cfg.max_fragments = DF_MAX_DATA / 8;
    uint64_t nb = d->cfg.memcap / DF_BLOCK;
    if (nb < 1)
        nb = 1;
    if (nb > (1u << 24))
        nb = 1u << 24;                   /* 8 GiB of fragments is beyond any sensor */
    d->nblk = (uint32_t)nb;
    d->fn = fn;
    d->user = user;
    uint32_t nbk = 1;
    while (nbk < d->cfg.max_contexts * 2u && nbk < (1u << 30))
        nbk <<= 1;
    d->bucket_mask = nbk - 1;
    d->ctx = calloc(d->cfg.max_contexts, sizeof *d->ctx);
    d->frag_mem = calloc((size_t)d->cfg.max_contexts * d->cfg.max_fragments, sizeof *d->frag_mem);
    d->bucket = malloc((size_t)nbk * sizeof *d->bucket);
    d->blocks = malloc((size_t)d->nblk * DF_BLOCK);
    d->free_blk = malloc((size_t)d->nblk * sizeof *d->free_blk);
    if (!d->ctx || !d->frag_mem || !d->bucket || !d->blocks || !d->free_blk) {
        sw_defrag_free(d);
        return NULL;
    }
    for (uint32_t i = 0; i < nbk; i++)
        d->bucket[i] = NIL;
    for (uint32_t i = 0; i < d->cfg.max_contexts; i++) {
        d->ctx[i].frags = d->frag_mem + (size_t)i * d->cfg.max_fragments;
        d->ctx[i].hnext = i + 1 < d->cfg.max_contexts ? i + 1 : NIL;
    }
    d->free_ctx = 0;
    for (uint32_t i = 0; i < d->nblk; i++)
        d->free_blk[i] = d->nblk - 1 - i;
    d->nblk_free = d->nblk;
    d->ahead[0] = d->ahead[1] = d->atail[0] = d->atail[1] = NIL;
    return d;
}

void sw_defrag_free(sw_defrag *d)
{
    if (!d)
        return;
    free(d->ctx);
    free(d->frag_mem);
    free(d->bucket);
    free(d->blocks);
    free(d->free_blk);
    free(d);
}

/* ---- contexts ---- */

typedef struct df_key {
    uint8_t  ipv, proto, nvlan, pad;
    uint16_t vlan[2];
    uint32_t id;
    uint8_t  src[16], dst[16];
} df_key;

static void key_of(const sw_defrag *d, const sw_packet *p, df_key *k)
{
    memset(k, 0, sizeof *k);
    size_t al = p->ip_version == 6 ? 16 : 4;
    k->ipv = p->ip_version;
    /* IPv4 fragments all carry the protocol; for IPv6 only the first says what
     * follows, and Linux keys without it */
    k->proto = p->ip_version == 4 ? p->frag_proto : 0;
    if (d->cfg.vlan_aware) {
        k->nvlan = p->nvlan > 2 ? 2 : p->nvlan;
        for (int i = 0; i < k->nvlan; i++)
            k->vlan[i] = p->vlan[i];
    }
    k->id = p->frag_id;
    memcpy(k->src, p->src_ip, al);
    memcpy(k->dst, p->dst_ip, al);
}

static int key_eq(const df_ctx *c, const df_key *k)
{
    return c->ipv == k->ipv && c->proto == k->proto && c->id == k->id && c->nvlan == k->nvlan &&
           c->vlan[0] == k->vlan[0] && c->vlan[1] == k->vlan[1] &&
           memcmp(c->src, k->src, 16) == 0 && memcmp(c->dst, k->dst, 16) == 0;
}

static uint32_t bucket_of(const sw_defrag *d, const df_key *k)
{
    return (uint32_t)sw_keyed_hash(d->cfg.seed, k, sizeof *k) & d->bucket_mask;
}

static void release(sw_defrag *d, uint32_t ci)
{
    df_ctx *c = &d->ctx[ci];
    df_key k;
    memset(&k, 0, sizeof k);
    k.ipv = c->ipv; k.proto = c->proto; k.nvlan = c->nvlan;
    k.vlan[0] = c->vlan[0]; k.vlan[1] = c->vlan[1]; k.id = c->id;
    memcpy(k.src, c->src, 16);
    memcpy(k.dst, c->dst, 16);
    uint32_t *pp = &d->bucket[bucket_of(d, &k)];
    while (*pp != NIL && *pp != ci)
        pp = &d->ctx[*pp].hnext;
    if (*pp == ci)
        *pp = c->hnext;
    int fam = c->ipv == 6;
    if (c->aprev != NIL)
        d->ctx[c->aprev].anext = c->anext;
    else
        d->ahead[fam] = c->anext;
    if (c->anext != NIL)
        d->ctx[c->anext].aprev = c->aprev;
    else
        d->atail[fam] = c->aprev;
    for (uint32_t b = 0; b < DF_NBLK; b++)
        if (c->blk[b]) {
            d->free_blk[d->nblk_free++] = c->blk[b] - 1;
            c->blk[b] = 0;
        }
    c->in_use = 0;
    c->hnext = d->free_ctx;
    d->free_ctx = ci;
    d->active--;
}

/* The context whose first fragment is oldest, other than `keep`; NIL if none. */
static uint32_t stalest(const sw_defrag *d, uint32_t keep)
{
    uint32_t best = NIL;
    for (int fam = 0; fam < 2; fam++) {
        uint32_t i = d->ahead[fam];
        if (i != NIL && i == keep)
            i = d->ctx[i].anext;
        if (i != NIL && (best == NIL || d->ctx[i].first_us < d->ctx[best].first_us))
            best = i;
    }
    return best;
}

static uint32_t find(const sw_defrag *d, const df_key *k, uint32_t b)
{
    for (uint32_t i = d->bucket[b]; i != NIL; i = d->ctx[i].hnext)
        if (key_eq(&d->ctx[i], k))
            return i;
    return NIL;
}

static uint32_t create(sw_defrag *d, const df_key *k, uint32_t b, const sw_packet *p)
{
    if (d->free_ctx == NIL) {
        uint32_t v = stalest(d, NIL);
        if (v == NIL)
            return NIL;
        d->n.evicted++;
        release(d, v);
        b = bucket_of(d, k);
    }
    uint32_t ci = d->free_ctx;
    df_ctx *c = &d->ctx[ci];
    d->free_ctx = c->hnext;
    df_frag *fr = c->frags;
    memset(c, 0, offsetof(df_ctx, blk));
    c->frags = fr;
    c->ipv = k->ipv; c->proto = k->proto; c->nvlan = k->nvlan;
    c->vlan[0] = k->vlan[0]; c->vlan[1] = k->vlan[1]; c->id = k->id;
    memcpy(c->src, k->src, 16);
    memcpy(c->dst, k->dst, 16);
    c->in_use = 1;
    c->first_us = p->ts_us;
    c->deadline_us = p->ts_us + (uint64_t)(k->ipv == 6 ? d->cfg.timeout_v6_s : d->cfg.timeout_v4_s) * 1000000u;
    c->hnext = d->bucket[b];
    d->bucket[b] = ci;
    int fam = k->ipv == 6;
    c->anext = NIL;
    c->aprev = d->atail[fam];
    if (c->aprev != NIL)
        d->ctx[c->aprev].anext = ci;
    else
        d->ahead[fam] = ci;
    d->atail[fam] = ci;
    d->active++;
    return ci;
}

void sw_defrag_expire(sw_defrag *d, uint64_t now_us)
{
    if (!d || !d->active)
        return;
    for (int fam = 0; fam < 2; fam++)
        while (d->ahead[fam] != NIL && d->ctx[d->ahead[fam]].deadline_us <= now_us) {
            d->n.timed_out++;
            release(d, d->ahead[fam]);
        }
}

/* ---- data blocks ---- */

/* Blocks [off, end) needs that c does not have yet. */
static uint32_t blocks_missing(const df_ctx *c, uint32_t off, uint32_t end)
{
    uint32_t n = 0;
    for (uint32_t b = off / DF_BLOCK; b <= (end - 1) / DF_BLOCK; b++)
        n += c->blk[b] == 0;
    return n;
}

/* Make the blocks of [off, end) present, dropping the stalest other contexts for
 * them. -1 if the datagram alone is over the cap. */
static int blocks_get(sw_defrag *d, uint32_t ci, uint32_t off, uint32_t end)
{
    df_ctx *c = &d->ctx[ci];
    uint32_t need = blocks_missing(c, off, end);
    while (d->nblk_free < need) {
        uint32_t v = stalest(d, ci);
        if (v == NIL)
            return -1;
        d->n.evicted++;
        release(d, v);
    }
    for (uint32_t b = off / DF_BLOCK; b <= (end - 1) / DF_BLOCK; b++)
        if (!c->blk[b])
            c->blk[b] = d->free_blk[--d->nblk_free] + 1;
    uint64_t used = (uint64_t)(d->nblk - d->nblk_free) * DF_BLOCK;
    if (used > d->n.mem_peak)
        d->n.mem_peak = used;
    return 0;
}

static void data_write(sw_defrag *d, const df_ctx *c, uint32_t off, const uint8_t *src, uint32_t len)
{
    while (len) {
        uint32_t b = off / DF_BLOCK, o = off % DF_BLOCK, n = DF_BLOCK - o;
        if (n > len)
            n = len;
        memcpy(d->blocks + (size_t)(c->blk[b] - 1) * DF_BLOCK + o, src, n);
        off += n; src += n; len -= n;
    }
}

static void data_read(const sw_defrag *d, const df_ctx *c, uint32_t off, uint8_t *dst, uint32_t len)
{
    while (len) {
        uint32_t b = off / DF_BLOCK, o = off % DF_BLOCK, n = DF_BLOCK - o;
        if (n > len)
            n = len;
        memcpy(dst, d->blocks + (size_t)(c->blk[b] - 1) * DF_BLOCK + o, n);
        off += n; dst += n; len -= n;
    }
}

/* ---- overlaps ---- */

static void sort_frags(df_frag *a, uint32_t n)
{
    for (uint32_t i = 1; i < n; i++) {
        df_frag x = a[i];
        uint32_t j = i;
        while (j > 0 && a[j - 1].off > x.off) {
            a[j] = a[j - 1];
            j--;
        }
        a[j] = x;
    }
}

/* Does the union of a[0..n) (sorted) cover [off, end)? */
static int covers(const df_frag *a, uint32_t n, uint32_t off, uint32_t end)
{
    uint32_t pos = off;
    for (uint32_t i = 0; i < n && pos < end; i++) {
        if (a[i].off > pos)
            return 0;
        if (a[i].end > pos)
            pos = a[i].end;
    }
    return pos >= end;
}

/* Under the policy, do the new bytes win over the held fragment o? */
static int new_wins(int policy, uint32_t off, uint32_t end, const df_frag *o)
{
    switch (policy) {
    case SW_FRAG_LAST:    return 1;
    case SW_FRAG_BSD:     return off < o->off;
    case SW_FRAG_WINDOWS: return off < o->off && end > o->end;
    case SW_FRAG_SOLARIS: return off < o->off && end >= o->end;
    default:              return 0;          /* first; linux never writes over */
    }
}

static int count_diff(const uint8_t *a, const uint8_t *b, uint32_t n)
{
    int k = 0;
    for (uint32_t i = 0; i < n; i++)
        k += a[i] != b[i];
    return k;
}

/* ---- the datagram ---- */

static uint32_t build(sw_defrag *d, const df_ctx *c)
{
    uint8_t *o = d->out;
    memcpy(o, c->hdr, c->hdr_len);
    data_read(d, c, 0, o + c->hdr_len, c->total);
    if (c->ipv == 4) {
        uint32_t tot = c->hdr_len + c->total;
        o[2] = (uint8_t)(tot >> 8);
        o[3] = (uint8_t)tot;
        o[6] &= 0xc0;                    /* keep DF and the reserved bit; MF, offset 0 */
        o[7] = 0;
        o[10] = o[11] = 0;
        uint64_t s = sw_csum_acc(0, o, c->hdr_len);
        while (s >> 16)
            s = (s & 0xffffu) + (s >> 16);
        uint16_t ck = (uint16_t)~s;
        memcpy(o + 10, &ck, 2);          /* the sum is in native order: so is ck */
    } else {
        uint32_t pl = c->hdr_len - 40 + c->total;
        o[4] = (uint8_t)(pl >> 8);
        o[5] = (uint8_t)pl;
        o[c->nh_pos] = c->fproto;        /* the fragment header is left out */
    }
    return c->hdr_len + c->total;
}

/* Is the datagram complete? (first and last fragments in, no hole) */
static int complete(df_ctx *c, df_frag *tmp)
{
    if (!c->have_last || !c->have_first)
        return 0;
    memcpy(tmp, c->frags, c->nfrags * sizeof *tmp);
    sort_frags(tmp, c->nfrags);
    return covers(tmp, c->nfrags, 0, c->total);
}

int sw_defrag_add(sw_defrag *d, const sw_packet *p, const uint8_t **out, uint32_t *outlen,
                  uint32_t *nfrags)
{
    if (p->frag_cut) {
        d->n.cut++;
        return 0;
    }
    if (p->ip_version == 4 && p->frag_proto != PROTO_TCP) {
        d->n.not_tcp++;                  /* every IPv4 fragment names its protocol */
        return 0;
    }
    sw_defrag_expire(d, p->ts_us);

    uint32_t off = p->frag_off, end = off + p->frag_len;
    int mf = p->frag_mf != 0;
    if (mf)
        end &= ~7u;                      /* a non-last fragment is cut to 8-byte units */
    uint32_t extra = p->ip_version == 4 ? p->frag_hdr_len : p->frag_hdr_len - 40;
    if (p->frag_len == 0 || end <= off || p->frag_hdr_len > DF_HDR_MAX ||
        (uint64_t)extra + end > DF_IP_MAX || end > DF_MAX_DATA - 1) {
        d->n.invalid++;
        return 0;
    }

    df_key k;
    key_of(d, p, &k);
    uint32_t b = bucket_of(d, &k);
    uint32_t ci = find(d, &k, b);
    if (ci == NIL) {
        ci = create(d, &k, b, p);
        if (ci == NIL)
            return 0;
    }
    df_ctx *c = &d->ctx[ci];

    /* the end of the datagram, as the last fragment says (Linux's checks) */
    if (!mf) {
        if (end < c->maxend || (c->have_last && end != c->total))
            goto invalid;
    } else if (c->have_last && end > c->total) {
        goto invalid;
    }

    /* overlaps with what is held */
    df_frag *tmp = d->tmp;
    uint32_t nov = 0, first_diff = NIL;
    int diff_total = 0;
    for (uint32_t i = 0; i < c->nfrags; i++) {
        const df_frag *r = &c->frags[i];
        uint32_t lo = off > r->off ? off : r->off, hi = end < r->end ? end : r->end;
        if (lo >= hi)
            continue;
        tmp[nov++] = *r;
        data_read(d, c, lo, d->old, hi - lo);
        int nd = count_diff(d->old, p->frag_data + (lo - off), hi - lo);
        if (nd && first_diff == NIL)
            first_diff = i;
        diff_total += nd;
    }
    int drop_all = 0, dup = 0;
    if (nov) {
        d->n.overlaps++;
        if (d->cfg.policy == SW_FRAG_LINUX) {
            sort_frags(tmp, nov);
            if (covers(tmp, nov, off, end))
                dup = 1;
            else
                drop_all = 1;
        }
    }
    if (first_diff != NIL) {
        const df_frag *r = &c->frags[first_diff];
        uint32_t lo = off > r->off ? off : r->off, hi = end < r->end ? end : r->end;
        d->n.overlap_mismatches++;
        if (d->fn) {
            sw_frag_overlap_obs o;
            memset(&o, 0, sizeof o);
            o.pkt = p;
            o.ip_version = p->ip_version;
            o.src_ip = p->src_ip;
            o.dst_ip = p->dst_ip;
            o.id = p->frag_id;
            o.proto = c->have_first ? c->fproto : p->frag_proto;
            o.have_ports = c->have_ports;
            o.sport = c->sport;
            o.dport = c->dport;
            if (!c->have_ports && off == 0 && (p->ip_version == 4 || p->frag_proto == PROTO_TCP) &&
                p->frag_len >= 4) {
                o.have_ports = 1;
                o.sport = (uint16_t)(p->frag_data[0] << 8 | p->frag_data[1]);
                o.dport = (uint16_t)(p->frag_data[2] << 8 | p->frag_data[3]);
            }
            o.policy = d->cfg.policy;
            o.offset = lo;
            o.len = hi - lo;
            data_read(d, c, lo, d->old, hi - lo);
            o.old_bytes = d->old;
            o.new_bytes = p->frag_data + (lo - off);
            o.old_frag_off = r->off;
            o.old_frag_len = r->end - r->off;
            o.new_frag_off = off;
            o.new_frag_len = end - off;
            o.bytes_differing = (uint32_t)diff_total;
            o.kept = drop_all ? 2 : dup ? 0 : (uint8_t)new_wins(d->cfg.policy, off, end, r);
            o.first_us = c->first_us;
            d->fn(d->user, &o);
        }
    }
    if (dup) {
        d->n.duplicates++;
        return 0;
    }
    if (drop_all) {
        d->n.overlap_drops++;
        release(d, ci);
        return 0;
    }
    if (c->nfrags >= d->cfg.max_fragments) {
        d->n.too_many++;
        release(d, ci);
        return 0;
    }
    if (blocks_get(d, ci, off, end) < 0) {
        d->n.evicted++;
        release(d, ci);
        return 0;
    }

    /* write the bytes the policy gives the new fragment: all but the ranges of held
     * fragments that win over it */
    uint32_t np = 0;
    for (uint32_t i = 0; i < c->nfrags; i++) {
        const df_frag *r = &c->frags[i];
        uint32_t lo = off > r->off ? off : r->off, hi = end < r->end ? end : r->end;
        if (lo < hi && !new_wins(d->cfg.policy, off, end, r)) {
            tmp[np].off = lo;
            tmp[np].end = hi;
            np++;
        }
    }
    sort_frags(tmp, np);
    uint32_t pos = off;
    for (uint32_t i = 0; i <= np && pos < end; i++) {
        uint32_t stop = i < np ? tmp[i].off : end;
        if (stop > end)
            stop = end;
        if (stop > pos)
            data_write(d, c, pos, p->frag_data + (pos - off), stop - pos);
        if (i < np && tmp[i].end > pos)
            pos = tmp[i].end;
    }
    c->frags[c->nfrags].off = off;
    c->frags[c->nfrags].end = end;
    c->nfrags++;
    if (end > c->maxend)
        c->maxend = end;
    if (!mf) {
        c->have_last = 1;
        c->total = end;
    }
    if (off == 0 && !c->have_first) {
        c->have_first = 1;
        c->hdr_len = p->frag_hdr_len;
        c->nh_pos = p->frag_nh_pos;
        c->fproto = p->frag_proto;
        memcpy(c->hdr, p->ip_hdr, c->hdr_len);
        if (c->fproto == PROTO_TCP) {
            uint32_t n = end;
            if (n >= 4) {
                c->have_ports = 1;
                c->sport = (uint16_t)(p->frag_data[0] << 8 | p->frag_data[1]);
                c->dport = (uint16_t)(p->frag_data[2] << 8 | p->frag_data[3]);
            }
            /* a first fragment that cuts the TCP header (RFC 1858 tiny fragments) */
            if (n < 20 || (n > 12 && n < (uint32_t)(p->frag_data[12] >> 4) * 4))
                d->n.tiny_tcp++;
        }
    }
    if (complete(c, tmp)) {
        *outlen = build(d, c);
        *out = d->out;
        *nfrags = c->nfrags;
        d->n.reassembled++;
        release(d, ci);
        return 1;
    }
    return 0;

invalid:
    d->n.invalid++;
    if (c->nfrags == 0)
        release(d, ci);
    return 0;
}

void sw_defrag_counters_get(const sw_defrag *d, sw_defrag_counters *c)
{
    *c = d->n;
    c->active = d->active;
}
