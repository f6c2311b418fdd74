/*
 * reasm.c — TCP stream reassembly for one direction of a connection.
 *
 * Model. Every direction has a base sequence number (stream offset 0) and a 64-bit
 * position next_off (the next stream byte to deliver). A sequence number is turned
 * into a stream offset relative to next_off (signed 32-bit distance), so wrap-around
 * at 2^32 never shows. Stored bytes live in "nodes": one node per stored range, with
 * the metadata of the packet that carried it, kept in an AVL tree keyed by offset
 * (O(log n) search) and threaded on an offset-ordered list (O(1) walk). Only queued
 * nodes are in the tree; retained ones are indexed by an array in offset order
 * (appended as bytes are delivered, dropped from the front as they age: amortized
 * O(1) each, binary search for a late twin), allocated once a direction holds two
 * of them; its 8 bytes per node are not counted in mem (a node takes >= 80). Nodes never
 * overlap: the FIRST version of a byte is kept and a later copy only fills holes.
 * Nodes below next_off are delivered-and-retained (kept for comparison with late
 * twins); nodes at or above next_off are queued (out of order).
 *
 * Invariants:
 *  - nodes are disjoint, each len >= 1 and <= NODE_MAX, sorted on the list;
 *    retained nodes precede queued ones; d->qhead is the first queued node.
 *    The list is linked both ways; the head's prev is the tail, so appending at the
 *    end (the in-order case) needs no search.
 *  - every node's allocation size (header + data, rounded to its size class) is
 *    counted in d->mem and c->mem; c->mem <= memcap and the flow's two directions
 *    together <= flow_cap (when a cap is hit, the oldest retained nodes go first,
 *    then new out-of-order data is refused).
 *  - a direction is on one of the context's two lists (d->in_lru) iff it holds
 *    retained nodes: the closed list when its FIN was acknowledged (d->fin_acked:
 *    ordered by that time, its bytes kept CLOSED_RETAIN_US), else the LRU list,
 *    ordered by the packet time of its last delivery (oldest first) as long as
 *    packet time never goes backwards. A delivery stamped earlier than the highest
 *    time seen (a reordered or reversed capture) is still appended at the tail, so
 *    from then on the order is not guaranteed (c->lru_unordered says so): sweep may
 *    keep such a direction's bytes past retain_seconds, within the caps.
 *  - bytes are delivered exactly once, in order; each stream offset below next_off
 *    was either delivered as DATA or declared in a GAP notice.
 *  - a node is in the tree iff off >= next_off (queued), in d->ret iff retained
 *    (d->ret is NULL while at most one node, then d->head, is retained).
 *  - the cost of one segment is O(log n + len): every step of the overlap walk
 *    consumes at least one byte of the segment. In-order data (the segment starts
 *    at or after the last stored byte) finds its place from d->qhead and the tail
 *    without searching the tree; insert and remove rebalance only up to the first
 *    subtree whose height did not change.
 *  - copies the tracker judged undeliverable (sw_reasm_aside) are never stream
 *    bytes: at most ASIDE_MAX of them per direction (each cut to ASIDE_LEN_MAX bytes)
 *    wait on d->cold->aside, outside the tree and the list, for the genuine bytes of their
 *    range to be compared with them (reported with aside set; they never count as
 *    overlaps). Their memory counts in d->mem and c->mem but never evicts retained
 *    bytes (a copy that does not fit is not kept). One is promoted to stream bytes
 *    only when the receiver acknowledges its whole range while no genuine byte of it
 *    was seen: the receiver did accept it. The AVL height field holds its reason.
 * Node memory comes from per-size-class free lists in the context (bounded), so the
 * steady in-order case allocates nothing after warm-up. Directions come from slab
 * chunks of the context (no allocator header each), kept until the context is freed.
 */
#include <stdlib.h>
#include <string.h>

#include "common/sw_assert.h"
#include "common/sw_config_table.h"
#include "common/sw_list.h"
#include "detector/reasm.h"
#include "detector/seq.h"

#define NODE_MAX         65536u  /* bytes of data per node (longer pieces are split) */
#define REPORTS_MAX      16u     /* published overlaps per segment, per kind (same / mismatch) */
#define POOL_MAX_BYTES   (16u << 20) /* free node memory kept for reuse */
#define SEG_LEN_MAX      (1u << 24)  /* longer "segments" are cut (never seen on the wire) */
#define NSMALL           32      /* classes of 16k - 8 bytes, k = 1..32 (up to 504) */
#define NCLASS           (NSMALL + 32)   /* < 128: a node keeps its class in 7 bits */
/* what a zero memcap / flow cap stands for: the engine's defaults */
static const sw_config cfg_defaults = { SW_CONFIG_TABLE(SW_CONFIG_INIT) };
#define DIR_SLAB         256u    /* directions per slab chunk */
#define ASIDE_MAX        4u      /* undeliverable copies kept per direction */
#define ASIDE_LEN_MAX    4096u   /* bytes kept of each */
#define CLOSED_RETAIN_US 500000u /* a direction whose FIN was acknowledged keeps its
                                     retained bytes this long (at most retain_seconds):
                                     the genuine copy racing an injector's response +
                                     FIN arrives a round trip later (80 and 104 ms in
                                     the fox-it QUANTUM captures) */

/* What the tree and list walks read comes first (one cache line, not two). */
typedef struct rnode {
    uint64_t off;                 /* stream offset of data[0] */
    uint32_t len;
    uint8_t  h:6,                 /* AVL height (at most 1.44 log2 of the node count) */
             urgent:1, m_has_ts:1;
    uint8_t  cls:7,               /* size class */
             m_has_mac:1;
    uint8_t  m_ttl, m_flags;
    struct rnode *prev, *next;    /* offset order */
    union {
        uint64_t deliv_us;        /* packet time of delivery (retained nodes) */
        uint64_t skb_off;         /* queued nodes: stream offset where the receiver's
                                     buffer holding them starts (overlap policy linux) */
    };
    /* the rest of the packet that carried these bytes (sw_seg_meta, packed: meta_put) */
    uint64_t m_ts_us;
    uint32_t m_seq, m_len, m_tsval, m_tsecr;
    uint16_t m_ip_id;
    uint8_t  m_mac[6];
    uint8_t  data[];              /* len bytes; a node born queued has its tree links
                                     after them (node_links) */
} rnode;

/* The AVL children of a node in the tree. Only a node stored at or above next_off
 * (queued, out of order) ever enters the tree, and a node's len never changes, so
 * its links sit after its bytes (8-aligned) and a node stored already delivered
 * (in-order data kept for late twins: nearly all of them) is allocated without
 * them: 16 bytes less per retained segment. */
typedef struct tlinks {
    struct rnode *l, *r;
} tlinks;
#define LINKS_AT(len) (((size_t)(len) + 7u) & ~(size_t)7u)
static inline tlinks *node_links(const rnode *n)
{
    return (tlinks *)(uintptr_t)(n->data + LINKS_AT(n->len));
}
#define NL(n) (node_links(n)->l)
#define NR(n) (node_links(n)->r)
/* allocation bytes a node of len bytes needs: queued (with links) or not */
static inline size_t node_need(uint32_t len, int queued)
{
    return sizeof(rnode) + (queued ? LINKS_AT(len) + sizeof(tlinks) : len);
}

/* The retained nodes of a direction in offset order, v[lo .. hi): appended at the
 * end as bytes are delivered, removed from the front as they age out. */
typedef struct ret_index {
    uint32_t lo, hi, cap;
    rnode *v[];
} ret_index;
static void meta_put(rnode *n, const sw_seg_meta *m)
{
    static const sw_seg_meta zero;
    if (!m)
        m = &zero;
    n->m_ts_us = m->ts_us;
    n->m_seq = m->seq;
    n->m_len = m->len;
    n->m_tsval = m->tsval;
    n->m_tsecr = m->tsecr;
    n->m_ip_id = m->ip_id;
    n->m_ttl = m->ttl;
    n->m_flags = m->flags;
    memcpy(n->m_mac, m->src_mac, 6);
    n->m_has_ts = m->has_ts != 0;
    n->m_has_mac = m->has_mac != 0;
}

static void meta_get(const rnode *n, sw_seg_meta *m)
{
    memset(m, 0, sizeof *m);
    m->ts_us = n->m_ts_us;
    m->seq = n->m_seq;
    m->len = n->m_len;
    m->tsval = n->m_tsval;
    m->tsecr = n->m_tsecr;
    m->ip_id = n->m_ip_id;
    m->ttl = n->m_ttl;
    m->flags = n->m_flags;
    memcpy(m->src_mac, n->m_mac, 6);
    m->has_ts = n->m_has_ts;
    m->has_mac = n->m_has_mac;
}

struct sw_reasm_dir {
    sw_flow *flow;
    rnode *root, *head, *qhead;   /* tree of queued nodes, lowest node, first queued node */
    struct dir_cold *cold;        /* the rarely used part, NULL until needed */
    ret_index *ret;               /* retained nodes; NULL while there is at most one (head) */
    sw_reasm_dir *lru_prev, *lru_next;
    uint64_t next_off;            /* next stream byte to deliver */
    uint64_t fin_off;             /* offset of the FIN (if fin_seen) */
    uint64_t hi_off;              /* highest end offset of any segment seen */
    uint64_t mem;                 /* allocation bytes held */
    uint64_t retained;            /* payload bytes of retained nodes */
    uint64_t last_deliv_us;
    uint64_t gap_bytes;           /* bytes declared as gaps (next_off - gap_bytes
                                     bytes were delivered) */
    uint32_t base_seq;
    uint32_t gaps:21,             /* holes declared (saturating) */
             dir:1, fin_seen:1, fin_sent:1, rst_sent:1, depth_hit:1, in_lru:1,
             gap_last:1,          /* next_off was last advanced by a gap notice */
             tmpl_mid:1,          /* every chunk carries SW_CHUNK_MIDSTREAM */
             fin_acked:1,         /* the receiver acknowledged the FIN (and no byte
                                     past it): bytes past the FIN are never stream bytes */
             fin_void:1,
             /* fin_void: the receiver acknowledged bytes past the FIN: it did not
                take that FIN, nothing is held for it */
             urg_set:1;           /* cold->urg_off is the urgent byte still to be
                                     delivered (cold is set) */
};

/* The part of a direction that most connections never need: copies kept aside, an
 * urgent pointer, the receiver's acknowledgments after an RST. Made from the
 * context's slab the first time one is needed and returned when the direction
 * closes, so a direction is two cache lines (128 bytes on x86-64) instead of 144.
 * Without it: no copy aside, no urgent byte, rel_off 0. */
typedef struct dir_cold {
    rnode *aside;                 /* undeliverable copies, newest first (next-linked);
                                     a free dir_cold is linked through it */
    uint64_t urg_off;             /* stream offset of the urgent byte (if urg_set) */
    uint64_t rel_off;             /* after an RST: queued bytes starting below this
                                     offset were acknowledged since (deliverable) */
} dir_cold;
#define COLD_SLAB        256u    /* cold parts per slab chunk */
typedef struct cold_chunk {
    struct cold_chunk *next;
    dir_cold v[COLD_SLAB];
} cold_chunk;
#define DIR_GAPS_MAX ((1u << 21) - 1)

/* The receiver's view: bytes at stream offset off are held (stored, not delivered)
 * after an accepted RST until the receiver acknowledges them (a reset socket reads
 * nothing more, so its queued data never reaches the application; an ACK shows the
 * RST did not take), and past a FIN until the receiver acknowledges beyond the FIN
 * (a socket that took the FIN reads nothing after it). */
static int held(const sw_reasm_dir *d, uint64_t off)
{
    if (d->rst_sent && off >= (d->cold ? d->cold->rel_off : 0))
        return 1;
    return d->fin_seen && !d->fin_void && off >= d->fin_off;
}

/* The other direction of d's flow, if live (the pipeline clears flow->rdir[dir]
 * before it closes a direction). It shares the flow cap with d. */
static inline sw_reasm_dir *sib_of(const sw_reasm_dir *d)
{
    sw_reasm_dir *s = d->flow ? d->flow->rdir[1 - d->dir] : NULL;
    return s != d ? s : NULL;
}

/* Directions come from chunks of DIR_SLAB (no allocator header per direction);
 * a free one is linked through lru_next. Chunks are freed with the context. */
typedef struct dir_chunk {
    struct dir_chunk *next;
    sw_reasm_dir v[DIR_SLAB];
} dir_chunk;

struct sw_reasm_ctx {
    sw_reasm_config cfg;
    sw_observer obs;
    sw_reasm_counters cnt;
    uint64_t retain_us;
    int retain_on;
    uint64_t now_us;              /* highest packet time seen */
    sw_reasm_dir *lru_head, *lru_tail;
    sw_reasm_dir *closed_head, *closed_tail; /* directions whose FIN was acknowledged */
    uint64_t closed_us;           /* min(retain_us, CLOSED_RETAIN_US) */
    rnode *pool[NCLASS];
    uint64_t pool_bytes;
    dir_chunk *dchunks;
    sw_reasm_dir *dfree;          /* free directions, linked through lru_next */
    cold_chunk *cchunks;
    dir_cold *cfree;              /* free cold parts, linked through aside */
    uint64_t cold_used;           /* cold parts held by directions */
    uint64_t v_ops, v_next;       /* SW_VALIDATE: operations, next full check */
    uint64_t v_dir_next;          /* SW_VALIDATE: next direction check */
    int lru_unordered;            /* a delivery was stamped before now_us (see above) */
    uint64_t cur_skb;             /* put_bytes: skb_off of the segment being stored */
};

/* d's cold part, made (zeroed, from the context's slab) if it has none; NULL when
 * out of memory. */
static dir_cold *cold_get(sw_reasm_ctx *c, sw_reasm_dir *d)
{
    if (d->cold)
        return d->cold;
    if (!c->cfree) {
        cold_chunk *k = malloc(sizeof *k);
        if (!k)
            return NULL;
        k->next = c->cchunks;
        c->cchunks = k;
        for (unsigned i = COLD_SLAB; i-- > 0;) {
            k->v[i].aside = (rnode *)c->cfree;
            c->cfree = &k->v[i];
        }
    }
    dir_cold *x = c->cfree;
    c->cfree = (dir_cold *)x->aside;
    memset(x, 0, sizeof *x);
    c->cold_used++;
    return d->cold = x;
}

/* ---- size classes ----
 * A class size is 8 bytes short of a multiple of 16, which is what malloc's chunk
 * header rounds up to, so a node wastes no bytes in its chunk. Small nodes (most
 * segments of short exchanges) get a class every 16 bytes up to 504; larger ones 4
 * classes per power of two (512 - 8 .. 128 KiB - 8), at most 25 % rounding. */

static size_t class_size(unsigned i)
{
    if (i < NSMALL)
        return 16u * (i + 1) - 8;
    i -= NSMALL;
    unsigned k = 9 + i / 4, m = 4 + i % 4;
    return ((size_t)m << (k - 2)) - 8;
}

static unsigned class_of(size_t total)
{
    if (total <= 16u * NSMALL - 8)
        return (unsigned)((total + 8 + 15) / 16) - 1;
    size_t t = total + 8;
    unsigned k = 63 - (unsigned)__builtin_clzll((unsigned long long)(t - 1)); /* 2^k < t <= 2^(k+1) */
    size_t step = (size_t)1 << (k - 2);
    unsigned m = (unsigned)((t + step - 1) / step);    /* 5..8 */
    if (m == 8) { k++; m = 4; }
    return NSMALL + (k - 9) * 4 + (m - 4);
}

static rnode *node_alloc(sw_reasm_ctx *c, unsigned cls)
{
    rnode *n = c->pool[cls];
    if (n) {
        c->pool[cls] = n->next;
        c->pool_bytes -= class_size(cls);
        return n;
    }
    return malloc(class_size(cls));
}

static void node_release(sw_reasm_ctx *c, rnode *n)
{
    size_t sz = class_size(n->cls);
    if (c->pool_bytes + sz <= POOL_MAX_BYTES) {
        n->next = c->pool[n->cls];
        c->pool[n->cls] = n;
        c->pool_bytes += sz;
    } else {
        free(n);
    }
}

/* ---- AVL tree keyed by off ---- */

static int ht(const rnode *n) { return n ? n->h : 0; }
static void fixh(rnode *n) { int a = ht(NL(n)), b = ht(NR(n)); n->h = (uint8_t)(1 + (a > b ? a : b)) & 63u; }

static rnode *rot_right(rnode *y)
{
    rnode *x = NL(y);
    NL(y) = NR(x); NR(x) = y;
    fixh(y); fixh(x);
    return x;
}

static rnode *rot_left(rnode *x)
{
    rnode *y = NR(x);
    NR(x) = NL(y); NL(y) = x;
    fixh(x); fixh(y);
    return y;
}

static rnode *balance(rnode *n)
{
    fixh(n);
    int b = ht(NL(n)) - ht(NR(n));
    if (b > 1) {
        if (ht(NL(NL(n))) < ht(NR(NL(n))))
            NL(n) = rot_left(NL(n));
        return rot_right(n);
    }
    if (b < -1) {
        if (ht(NR(NR(n))) < ht(NL(NR(n))))
            NR(n) = rot_right(NR(n));
        return rot_left(n);
    }
    return n;
}

/* A path from the root is no longer than the tree's height, which fits the int8_t
 * h (an AVL tree of height 127 would need more than 2^87 nodes). */
#define AVL_MAX_DEPTH 128

/* Rebalance the nodes on a path of child links (root first), from the deepest up.
 * A subtree that keeps its height after rebalancing leaves its ancestors' balance
 * unchanged, so the walk stops there (an in-order append usually touches one or
 * two nodes instead of every node on the path). */
static void avl_fix_path(rnode **path[], int depth)
{
    while (depth-- > 0) {
        rnode **link = path[depth];
        int8_t old = (*link)->h;
        *link = balance(*link);
        if ((*link)->h == old)
            break;
    }
}

static void avl_insert(rnode **root, rnode *n)
{
    rnode **path[AVL_MAX_DEPTH];
    int depth = 0;
    rnode **link = root;
    while (*link) {
        SW_ASSERT(depth < AVL_MAX_DEPTH);
        path[depth++] = link;
        link = n->off < (*link)->off ? &NL(*link) : &NR(*link);
    }
    NL(n) = NR(n) = NULL;
    n->h = 1;
    *link = n;
    avl_fix_path(path, depth);
}

/* Remove n, which is in the tree (offsets are unique: nodes are disjoint). */
static void avl_remove(rnode **root, rnode *n)
{
    rnode **path[AVL_MAX_DEPTH];
    int depth = 0;
    rnode **link = root;
    while (*link != n) {
        path[depth++] = link;
        link = n->off < (*link)->off ? &NL(*link) : &NR(*link);
    }
    if (!NR(n)) {
        *link = NL(n);
    } else {
        /* replace n by m, the lowest node of its right subtree */
        int at = depth;
        path[depth++] = link;
        rnode **ml = &NR(n);
        while (NL(*ml)) {
            path[depth++] = ml;
            ml = &NL(*ml);
        }
        rnode *m = *ml;
        *ml = NR(m);
        NL(m) = NL(n);
        NR(m) = NR(n);
        m->h = n->h;
        *link = m;
        if (depth > at + 1)
            path[at + 1] = &NR(m);   /* was &NR(n) */
    }
    avl_fix_path(path, depth);
}

/* ---- offset-ordered list: head->prev is the tail (no other node's prev is NULL) ---- */

static rnode *list_tail(const sw_reasm_dir *d) { return d->head ? d->head->prev : NULL; }
static rnode *list_prev(const sw_reasm_dir *d, const rnode *n) { return n == d->head ? NULL : n->prev; }

/* Link n after p (p NULL: at the head). */
static void list_insert_after(sw_reasm_dir *d, rnode *p, rnode *n)
{
    if (!p) {
        n->next = d->head;
        n->prev = d->head ? d->head->prev : n;
        if (d->head)
            d->head->prev = n;
        d->head = n;
    } else {
        n->prev = p;
        n->next = p->next;
        if (p->next)
            p->next->prev = n;
        else
            d->head->prev = n;      /* new tail */
        p->next = n;
    }
}

static void list_unlink(sw_reasm_dir *d, rnode *n)
{
    if (n == d->head) {
        d->head = n->next;
        if (d->head)
            d->head->prev = n->prev;    /* the tail */
    } else {
        n->prev->next = n->next;
        if (n->next)
            n->next->prev = n->prev;
        else
            d->head->prev = n->prev;    /* n was the tail */
    }
}

/* The node with the greatest off <= x in a tree, or NULL. */
static rnode *floor_le(rnode *t, uint64_t x)
{
    rnode *best = NULL;
    while (t) {
        if (t->off <= x) { best = t; t = NR(t); }
        else t = NL(t);
    }
    return best;
}

/* ---- index of retained nodes ---- */

#define RET_CAP_MIN 8u

/* The retained node with the greatest off <= x, or NULL. */
static rnode *ret_floor(const sw_reasm_dir *d, uint64_t x)
{
    const ret_index *r = d->ret;
    if (!r) {
        rnode *h = d->head;
        return h && h->off < d->next_off && h->off <= x ? h : NULL;
    }
    uint32_t lo = r->lo, hi = r->hi;
    if (lo == hi || r->v[lo]->off > x)
        return NULL;
    while (hi - lo > 1) {           /* v[lo]->off <= x < v[hi]->off (hi: past the end) */
        uint32_t mid = lo + (hi - lo) / 2;
        if (r->v[mid]->off <= x)
            lo = mid;
        else
            hi = mid;
    }
    return r->v[lo];
}

/* n (linked on the list) has just become retained: index it. Returns 0 when the
 * index cannot grow (out of memory); n is then not indexed. */
static int ret_add(sw_reasm_dir *d, rnode *n)
{
    ret_index *r = d->ret;
    if (!r) {
        rnode *h = d->head;             /* the retained nodes are the list's first ones */
        if (h == n ? !(n->next && n->next->off < d->next_off) : !(h->next == n && h->off < d->next_off))
            return 1;                   /* n is the only one */
        r = malloc(sizeof *r + RET_CAP_MIN * sizeof r->v[0]);
        if (!r)
            return 0;
        r->cap = RET_CAP_MIN;
        r->lo = 0;
        r->hi = 2;
        r->v[0] = h;
        r->v[1] = h->next;
        d->ret = r;
        return 1;
    }
    if (r->hi == r->cap) {
        uint32_t cnt = r->hi - r->lo;
        if (r->lo >= r->cap / 2) {      /* at least cap/2 removals since the last move */
            memmove(r->v, r->v + r->lo, cnt * sizeof r->v[0]);
        } else {
            if (r->cap > UINT32_MAX / 2)
                return 0;
            ret_index *g = realloc(r, sizeof *r + (size_t)r->cap * 2 * sizeof r->v[0]);
            if (!g)
                return 0;
            r = d->ret = g;
            r->cap *= 2;
            memmove(r->v, r->v + r->lo, cnt * sizeof r->v[0]);
        }
        r->lo = 0;
        r->hi = cnt;
    }
    uint32_t i = r->hi;                 /* in-order data: after every retained node */
    while (i > r->lo && r->v[i - 1]->off > n->off)
        i--;                            /* (not reached: delivery is in offset order) */
    memmove(r->v + i + 1, r->v + i, (r->hi - i) * sizeof r->v[0]);
    r->v[i] = n;
    r->hi++;
    return 1;
}

/* n, a retained node, leaves. */
static void ret_del(sw_reasm_dir *d, rnode *n)
{
    ret_index *r = d->ret;
    if (!r)
        return;
    if (r->lo < r->hi && r->v[r->lo] == n) {
        r->lo++;                        /* the oldest: the usual case */
    } else {
        uint32_t i = r->lo;
        while (i < r->hi && r->v[i] != n)
            i++;
        if (i == r->hi)
            return;
        memmove(r->v + i, r->v + i + 1, (r->hi - i - 1) * sizeof r->v[0]);
        r->hi--;
    }
    uint32_t cnt = r->hi - r->lo;
    if (cnt == 0) {
        free(r);
        d->ret = NULL;
    } else if (r->cap > 64 && cnt < r->cap / 4) {
        memmove(r->v, r->v + r->lo, cnt * sizeof r->v[0]);
        r->lo = 0;
        r->hi = cnt;
        ret_index *g = realloc(r, sizeof *r + (size_t)(r->cap / 2) * sizeof r->v[0]);
        if (g) {
            g->cap /= 2;
            d->ret = g;
        }
    }
}

/* The node with the greatest off <= x, or NULL: queued nodes lie above every
 * retained one. */
static rnode *node_floor(const sw_reasm_dir *d, uint64_t x)
{
    rnode *q = x >= d->next_off ? floor_le(d->root, x) : NULL;
    return q ? q : ret_floor(d, x);
}

/* The first node whose end is past x (the node holding x, or the next one). */
static rnode *first_end_after(const sw_reasm_dir *d, uint64_t x)
{
    /* Usual case (in-order data, x at or past next_off): the first queued node,
     * checked against its neighbour (ends increase along the list), no descent. */
    rnode *q = d->qhead;
    rnode *b = q ? list_prev(d, q) : list_tail(d);
    if ((!b || b->off + b->len <= x) && (!q || q->off + q->len > x))
        return q;
    rnode *f = node_floor(d, x);
    if (f && f->off + f->len > x)
        return f;
    return f ? f->next : d->head;
}

/* ---- LRU of directions holding retained bytes ---- */

static void lru_remove(sw_reasm_ctx *c, sw_reasm_dir *d)
{
    if (!d->in_lru)
        return;
    if (d->fin_acked)
        SW_DLIST_UNLINK(c->closed_head, c->closed_tail, d, lru_prev, lru_next);
    else
        SW_DLIST_UNLINK(c->lru_head, c->lru_tail, d, lru_prev, lru_next);
    d->in_lru = 0;
}

/* d's FIN was just acknowledged: its retained bytes move to the closed list, kept
 * CLOSED_RETAIN_US from now (a late copy of them is still compared). */
static void closed_push(sw_reasm_ctx *c, sw_reasm_dir *d, uint64_t now)
{
    if (!d->in_lru || d->fin_acked)
        return;                   /* nothing retained, or moved already (a later ACK) */
    SW_DLIST_UNLINK(c->lru_head, c->lru_tail, d, lru_prev, lru_next);
    SW_DLIST_PUSH_TAIL(c->closed_head, c->closed_tail, d, lru_prev, lru_next);
    d->last_deliv_us = now > c->now_us ? now : c->now_us;
}

static void lru_touch(sw_reasm_ctx *c, sw_reasm_dir *d, uint64_t now)
{
    if (d->fin_acked) {           /* closed: its time is that of the FIN's ACK */
        if (!d->in_lru) {
            SW_DLIST_PUSH_TAIL(c->closed_head, c->closed_tail, d, lru_prev, lru_next);
            d->in_lru = 1;
        }
        return;
    }
    if (now > d->last_deliv_us)
        d->last_deliv_us = now;
    if (now < c->now_us)
        c->lru_unordered = 1;
    if (d->in_lru && !d->lru_next)
        return;
    lru_remove(c, d);
    SW_DLIST_PUSH_TAIL(c->lru_head, c->lru_tail, d, lru_prev, lru_next);
    d->in_lru = 1;
}

/* ---- node bookkeeping ---- */

/* Free the lowest node of d (the head of its list). */
static void node_free_head(sw_reasm_ctx *c, sw_reasm_dir *d)
{
    rnode *n = d->head;
    SW_ASSERT(n != NULL && d->mem >= class_size(n->cls));
    if (n->off < d->next_off)
        ret_del(d, n);
    else
        avl_remove(&d->root, n);
    list_unlink(d, n);
    if (d->qhead == n)
        d->qhead = n->next;
    size_t sz = class_size(n->cls);
    d->mem -= sz;
    c->cnt.mem_in_use -= sz;
    c->cnt.payload_in_use -= n->len;
    if (n->off < d->next_off) {
        d->retained -= n->len;
        if (d->retained == 0)
            lru_remove(c, d);
    }
    node_release(c, n);
}

/* Drop the oldest retained node of d (cap pressure). */
static int evict_oldest(sw_reasm_ctx *c, sw_reasm_dir *d)
{
    rnode *n = d ? d->head : NULL;
    if (!n || n->off >= d->next_off)
        return 0;
    node_free_head(c, d);
    c->cnt.memcap_evictions++;
    return 1;
}

static int has_retained(const sw_reasm_dir *d)
{
    return d && d->head && d->head->off < d->next_off;
}

/* Make room for `need` more bytes under both caps, evicting retained bytes (oldest
 * first). Returns 1 if the bytes may be stored. */
static int reserve(sw_reasm_ctx *c, sw_reasm_dir *d, uint64_t need)
{
    for (;;) {
        sw_reasm_dir *sib = sib_of(d);
        uint64_t fmem = d->mem + (sib ? sib->mem : 0);
        if (fmem + need > c->cfg.flow_cap) {
            sw_reasm_dir *v = d;
            int a = has_retained(d), b = has_retained(sib);
            if (!a && !b)
                return 0;
            if (!a || (b && sib->head->deliv_us < d->head->deliv_us))
                v = sib;
            evict_oldest(c, v);
            continue;
        }
        if (c->cnt.mem_in_use + need > c->cfg.memcap) {
            sw_reasm_dir *v = c->closed_head ? c->closed_head : c->lru_head;
            if (!v || !evict_oldest(c, v))
                return 0;
            continue;
        }
        return 1;
    }
}

/* Account a node of allocation size sz holding len bytes to d and c (and back). */
static void mem_add(sw_reasm_ctx *c, sw_reasm_dir *d, size_t sz, uint32_t len)
{
    d->mem += sz;
    c->cnt.mem_in_use += sz;
    if (c->cnt.mem_in_use > c->cnt.mem_peak)
        c->cnt.mem_peak = c->cnt.mem_in_use;
    c->cnt.payload_in_use += len;
    if (c->cnt.payload_in_use > c->cnt.payload_peak)
        c->cnt.payload_peak = c->cnt.payload_in_use;
}

static void mem_sub(sw_reasm_ctx *c, sw_reasm_dir *d, size_t sz, uint32_t len)
{
    d->mem -= sz;
    c->cnt.mem_in_use -= sz;
    c->cnt.payload_in_use -= len;
}

/* Store [off, off+len) as one node. The range must be free. Returns 0 if refused. */
static int store(sw_reasm_ctx *c, sw_reasm_dir *d, uint64_t off, const uint8_t *data,
                 uint32_t len, const sw_seg_meta *meta, int urgent, uint64_t now)
{
    SW_ASSERT(len >= 1 && len <= NODE_MAX);
    unsigned cls = class_of(node_need(len, off >= d->next_off));
    size_t sz = class_size(cls);
    if (!reserve(c, d, sz))
        return 0;
    rnode *n = node_alloc(c, cls);
    if (!n)
        return 0;
    n->off = off;
    n->len = len;
    n->cls = (uint8_t)cls & 127u;
    n->urgent = urgent ? 1 : 0;
    if (off < d->next_off)
        n->deliv_us = now;
    else
        n->skb_off = c->cur_skb;
    meta_put(n, meta);
    memcpy(n->data, data, len);

    /* The node before off: usually the tail (appending) or the one before the first
     * queued node (in-order data kept after delivery); checked, else searched. */
    rnode *p = list_tail(d);
    if (p && p->off > off) {
        p = d->qhead ? list_prev(d, d->qhead) : NULL;
        if (!d->qhead || d->qhead->off < off || (p && p->off > off))
            p = node_floor(d, off);
    }
    list_insert_after(d, p, n);
    if (off < d->next_off) {
        if (!ret_add(d, n)) {
            list_unlink(d, n);
            node_release(c, n);
            return 0;
        }
    } else {
        avl_insert(&d->root, n);
    }

    mem_add(c, d, sz, len);
    if (off < d->next_off) {
        d->retained += len;
        lru_touch(c, d, now);
    } else if (!d->qhead || off < d->qhead->off) {
        d->qhead = n;
    }
    return 1;
}

/* Free every queued node at or above offset off (the tail of the list). */
static void drop_queued_from(sw_reasm_ctx *c, sw_reasm_dir *d, uint64_t off)
{
    rnode *n;
    while ((n = list_tail(d)) && n->off >= d->next_off && n->off >= off) {
        avl_remove(&d->root, n);
        if (d->qhead == n)
            d->qhead = NULL;
        list_unlink(d, n);
        mem_sub(c, d, class_size(n->cls), n->len);
        node_release(c, n);
    }
}

/* ---- notices and delivery ---- */

static void emit(sw_reasm_ctx *c, sw_reasm_dir *d, sw_stream_kind kind, uint64_t off,
                 const uint8_t *data, uint32_t len, uint32_t flags, uint64_t ts)
{
    if (!c->obs.on_stream)
        return;
    sw_stream_chunk ch;
    memset(&ch, 0, sizeof ch);
    ch.dir = d->dir;
    ch.kind = kind;
    ch.offset = off;
    ch.data = data;
    ch.len = len;
    ch.flags = (d->tmpl_mid ? SW_CHUNK_MIDSTREAM : 0) | flags;
    ch.ts_us = ts;
    c->obs.on_stream(c->obs.ctx, d->flow, &ch);
}

static void maybe_fin(sw_reasm_ctx *c, sw_reasm_dir *d, uint64_t now)
{
    if (d->fin_seen && !d->fin_sent && d->next_off >= d->fin_off) {
        d->fin_sent = 1;
        emit(c, d, SW_STREAM_FIN, d->fin_off, NULL, 0, 0, now);
    }
}

static void deliver_bytes(sw_reasm_ctx *c, sw_reasm_dir *d, const uint8_t *p, uint32_t len,
                          int urgent, uint64_t now)
{
    if (d->urg_set && d->cold->urg_off >= d->next_off && d->cold->urg_off < d->next_off + len) {
        /* the urgent byte goes alone, flagged: a default socket (no SO_OOBINLINE)
         * reads it only with MSG_OOB, never in the stream (Linux tcp_recvmsg skips it) */
        uint32_t k = (uint32_t)(d->cold->urg_off - d->next_off);
        d->urg_set = 0;
        if (k)
            deliver_bytes(c, d, p, k, urgent, now);
        emit(c, d, SW_STREAM_DATA, d->next_off, p + k, 1, SW_CHUNK_URGENT | SW_CHUNK_OOB, now);
        d->next_off += 1;
        d->gap_last = 0;
        c->cnt.bytes_delivered += 1;
        if (len > k + 1)
            deliver_bytes(c, d, p + k + 1, len - k - 1, urgent, now);
        return;
    }
    emit(c, d, SW_STREAM_DATA, d->next_off, p, len, urgent ? SW_CHUNK_URGENT : 0, now);
    d->next_off += len;
    if (len)
        d->gap_last = 0;
    c->cnt.bytes_delivered += len;
}

/* Deliver every queued node that has become contiguous. */
static void deliver(sw_reasm_ctx *c, sw_reasm_dir *d, uint64_t now)
{
    rnode *n;
    maybe_fin(c, d, now);
    while ((n = d->qhead) && n->off == d->next_off && !held(d, n->off)) {
        d->qhead = n->next;
        avl_remove(&d->root, n);        /* queued -> retained */
        deliver_bytes(c, d, n->data, n->len, n->urgent, now);
        n->deliv_us = now;
        if (ret_add(d, n)) {
            d->retained += n->len;
            lru_touch(c, d, now);
        } else {                        /* no room to index it: drop the copy */
            size_t sz = class_size(n->cls);
            list_unlink(d, n);
            d->mem -= sz;
            c->cnt.mem_in_use -= sz;
            c->cnt.payload_in_use -= n->len;
            c->cnt.memcap_evictions++;
            node_release(c, n);
        }
        maybe_fin(c, d, now);
    }
}

/* A hole may be declared in several notices (the receiver's ACK can move through
 * it in steps, and a notice carries at most 2 GiB); the gap counters count holes:
 * a notice that starts where the previous one ended, with nothing delivered in
 * between, continues the same hole. */
static void gap(sw_reasm_ctx *c, sw_reasm_dir *d, uint64_t len, uint64_t now)
{
    while (len) {   /* a GAP notice carries a 32-bit length */
        uint32_t part = len > 0x80000000ull ? 0x80000000u : (uint32_t)len;
        int same_hole = d->gap_last;
        emit(c, d, SW_STREAM_GAP, d->next_off, NULL, part, 0, now);
        d->next_off += part;
        d->gap_last = 1;
        if (!same_hole) {
            if (d->gaps < DIR_GAPS_MAX)
                d->gaps++;
            c->cnt.gaps++;
        }
        d->gap_bytes += part;
        c->cnt.gap_bytes += part;
        len -= part;
    }
    maybe_fin(c, d, now);
}

/* Declare holes as gaps and deliver until next_off reaches `to`. */
static void advance_to(sw_reasm_ctx *c, sw_reasm_dir *d, uint64_t to, uint64_t now)
{
    for (;;) {
        deliver(c, d, now);
        if (d->next_off >= to)
            break;
        uint64_t end = d->qhead && d->qhead->off < to ? d->qhead->off : to;
        if (end <= d->next_off)
            break;          /* a held node (RST, FIN) stops the walk */
        gap(c, d, end - d->next_off, now);
    }
}

/* ---- retention ---- */

static void trim(sw_reasm_ctx *c, sw_reasm_dir *d, uint64_t now)
{
    rnode *n;
    while ((n = d->head) && n->off < d->next_off) {
        if (!c->retain_on || d->retained > c->cfg.retain_bytes ||
            n->deliv_us + c->retain_us < now)
            node_free_head(c, d);
        else
            break;
    }
}

/* Drop the retained bytes of directions that delivered nothing for retain_seconds. */
static void sweep(sw_reasm_ctx *c, uint64_t now)
{
    if (now > c->now_us)
        c->now_us = now;
    sw_reasm_dir *v;
    while ((v = c->lru_head) && v->last_deliv_us + c->retain_us < c->now_us) {
        while (has_retained(v))
            node_free_head(c, v);
        lru_remove(c, v);
    }
    while ((v = c->closed_head) && v->last_deliv_us + c->closed_us < c->now_us) {
        while (has_retained(v))
            node_free_head(c, v);
        lru_remove(c, v);
    }
}

/* ---- validation (common/sw_assert.h) ---- */

/* In-order walk of the tree: it must visit exactly the list's nodes from *expect
 * on, with correct AVL heights and balance. */
static const char *tree_check(const rnode *t, const rnode **expect, int *h, int depth)
{
    if (!t) {
        *h = 0;
        return NULL;
    }
    if (depth >= AVL_MAX_DEPTH)
        return "reasm: tree deeper than AVL_MAX_DEPTH";
    int hl, hr;
    const char *e = tree_check(NL(t), expect, &hl, depth + 1);
    if (e)
        return e;
    if (t != *expect)
        return "reasm: the tree does not hold exactly the queued nodes in offset order";
    *expect = t->next;
    if ((e = tree_check(NR(t), expect, &hr, depth + 1)) != NULL)
        return e;
    if (t->h != 1 + (hl > hr ? hl : hr))
        return "reasm: AVL height wrong";
    if (hl - hr > 1 || hr - hl > 1)
        return "reasm: AVL tree unbalanced";
    *h = t->h;
    return NULL;
}

/* One direction; *nnodes receives its node count. */
static const char *dir_check(const sw_reasm_ctx *c, const sw_reasm_dir *d, uint64_t *nnodes)
{
    uint64_t mem = 0, retained = 0, payload = 0, nret = 0;
    *nnodes = 0;
    const rnode *prev = NULL, *first_q = NULL;
    for (const rnode *n = d->head; n; prev = n, n = n->next) {
        if (n->len < 1 || n->len > NODE_MAX)
            return "reasm: node length outside 1..NODE_MAX";
        /* a queued node was born queued (next_off never goes back): it has room for
         * its tree links; a retained one may have been born either way */
        if (n->cls >= NCLASS || (n->cls != class_of(node_need(n->len, 1)) &&
                                 (n->off >= d->next_off || n->cls != class_of(node_need(n->len, 0)))))
            return "reasm: node size class does not match its length (and links)";
        if (prev && n->prev != prev)
            return "reasm: list prev link broken";
        if (prev && prev->off + prev->len > n->off)
            return "reasm: nodes overlap or are out of offset order";
        mem += class_size(n->cls);
        payload += n->len;
        ++*nnodes;
        if (n->off < d->next_off) {
            if (first_q)
                return "reasm: a retained node follows a queued one";
            if (n->off + n->len > d->next_off)
                return "reasm: a retained node reaches past next_off";
            retained += n->len;
            nret++;
        } else if (!first_q) {
            first_q = n;
        }
    }
    if (d->head && d->head->prev != prev)
        return "reasm: the head's prev is not the tail";
    if (d->qhead != first_q)
        return "reasm: qhead is not the first queued node";
    /* copies kept aside (sw_reasm_aside) are held in d->mem too, outside the list */
    unsigned naside = 0;
    if (d->urg_set && !d->cold)
        return "reasm: urg_set without a cold part";
    for (const rnode *a = d->cold ? d->cold->aside : NULL; a; a = a->next) {
        if (++naside > ASIDE_MAX)
            return "reasm: more copies kept aside than ASIDE_MAX (or a cycle)";
        mem += class_size(a->cls);
        payload += a->len;
    }
    if (mem != d->mem)
        return "reasm: d->mem is not the sum of its nodes' allocations";
    if (retained != d->retained)
        return "reasm: d->retained is not the sum of its retained nodes' bytes";
    if ((d->retained > 0) != (d->in_lru != 0))
        return "reasm: on the LRU list but no retained bytes, or the reverse";
    int h;
    const rnode *expect = first_q;
    const char *e = tree_check(d->root, &expect, &h, 0);
    if (e)
        return e;
    if (expect)
        return "reasm: a queued node is missing from the tree";
    if (!d->ret) {
        if (nret > 1)
            return "reasm: several retained nodes but no index";
    } else {
        const ret_index *r = d->ret;
        if (r->lo > r->hi || r->hi > r->cap || r->hi - r->lo != nret)
            return "reasm: the retained index does not count the retained nodes";
        const rnode *n = d->head;
        for (uint32_t i = r->lo; i < r->hi; i++, n = n->next)
            if (r->v[i] != n)
                return "reasm: the retained index is not the retained nodes in order";
    }
    if (d->gap_bytes > d->next_off)
        return "reasm: more gap bytes than stream bytes passed";
    if (d->fin_sent && (!d->fin_seen || d->next_off < d->fin_off))
        return "reasm: FIN notice sent before the stream reached the FIN";
    if (c) {
        if (c->cnt.mem_in_use < d->mem || c->cnt.payload_in_use < payload)
            return "reasm: the context counts less memory than one direction holds";
        const sw_reasm_dir *sib = sib_of(d);
        if (d->mem + (sib ? sib->mem : 0) > c->cfg.flow_cap)
            return "reasm: a flow's two directions hold more than flow_cap";
        if (d->in_lru) {
            const sw_reasm_dir *lh = d->fin_acked ? c->closed_head : c->lru_head;
            const sw_reasm_dir *lt = d->fin_acked ? c->closed_tail : c->lru_tail;
            if (d->lru_prev ? d->lru_prev->lru_next != d : lh != d)
                return "reasm: LRU prev link broken";
            if (d->lru_next ? d->lru_next->lru_prev != d : lt != d)
                return "reasm: LRU next link broken";
        }
    }
    return NULL;
}

const char *sw_reasm_dir_validate(const sw_reasm_ctx *c, const sw_reasm_dir *d)
{
    uint64_t n;
    return d ? dir_check(c, d, &n) : NULL;
}

/* The whole context; *nlru receives the length of the LRU list. */
static const char *ctx_check(const sw_reasm_ctx *c, uint64_t *nlru)
{
    uint64_t n = 0, limit = 0, pool = 0;
    *nlru = 0;
    for (const dir_chunk *k = c->dchunks; k; k = k->next)
        limit += DIR_SLAB;
    const sw_reasm_dir *prev = NULL;
    for (const sw_reasm_dir *d = c->lru_head; d; prev = d, d = d->lru_next) {
        if (++n > limit)
            return "reasm: LRU list longer than the directions allocated (a cycle)";
        if (d->lru_prev != prev)
            return "reasm: LRU prev link broken";
        if (!d->in_lru || d->retained == 0 || d->fin_acked)
            return "reasm: a direction on the LRU list holds no retained bytes, or is closed";
        if (prev && prev->last_deliv_us > d->last_deliv_us && !c->lru_unordered)
            return "reasm: LRU list not ordered by last delivery time";
    }
    if (c->lru_tail != prev)
        return "reasm: lru_tail is not the last direction of the list";
    prev = NULL;
    for (const sw_reasm_dir *d = c->closed_head; d; prev = d, d = d->lru_next) {
        if (++n > limit)
            return "reasm: closed list longer than the directions allocated (a cycle)";
        if (d->lru_prev != prev)
            return "reasm: closed list prev link broken";
        if (!d->in_lru || d->retained == 0 || !d->fin_acked)
            return "reasm: a direction on the closed list holds no retained bytes, or is open";
    }
    if (c->closed_tail != prev)
        return "reasm: closed_tail is not the last direction of the closed list";
    for (unsigned i = 0; i < NCLASS; i++)
        for (const rnode *p = c->pool[i]; p; p = p->next) {
            if (p->cls != i)
                return "reasm: a free node sits in another class's pool";
            pool += class_size(i);
        }
    if (pool != c->pool_bytes || pool > POOL_MAX_BYTES)
        return "reasm: pool_bytes miscounted or over POOL_MAX_BYTES";
    if (c->cnt.mem_in_use > c->cfg.memcap)
        return "reasm: memory in use above memcap";
    if (c->cnt.payload_in_use > c->cnt.mem_in_use)
        return "reasm: more payload than memory in use";
    /* cold parts: every one of the slab is either free or held by a direction */
    uint64_t ncold = 0, nfree = 0;
    for (const cold_chunk *k = c->cchunks; k; k = k->next)
        ncold += COLD_SLAB;
    for (const dir_cold *x = c->cfree; x; x = (const dir_cold *)x->aside)
        if (++nfree > ncold)
            return "reasm: cold free list longer than the slab (a cycle)";
    if (nfree + c->cold_used != ncold)
        return "reasm: cold parts neither free nor held (leaked or double-freed)";
    *nlru = n;
    return NULL;
}

const char *sw_reasm_ctx_validate(const sw_reasm_ctx *c)
{
    uint64_t n;
    return c ? ctx_check(c, &n) : NULL;
}

/* After an operation on d (SW_VALIDATE builds): d in full, unless the last direction
 * checked was long (a walk of k nodes is followed by k / 32 operations unchecked, so
 * a queue of thousands of segments does not make a run quadratic), and the context
 * in full once per (64 + LRU length) operations. The cost stays amortized O(1) per
 * operation and per direction on the list. */
static void validate_after(sw_reasm_ctx *c, const sw_reasm_dir *d)
{
#if defined(SW_VALIDATE)
    ++c->v_ops;
    if (d && c->v_ops >= c->v_dir_next) {
        uint64_t k;
        SW_VALIDATE_RUN(dir_check(c, d, &k));
        c->v_dir_next = c->v_ops + k / 32;
    }
    if (c->v_ops >= c->v_next) {
        uint64_t n;
        SW_VALIDATE_RUN(ctx_check(c, &n));
        c->v_next = c->v_ops + 64 + n;
    }
#else
    (void)c;
    (void)d;
#endif
}

/* ---- segments ---- */

/* Publish the overlap of stored node n (the old version) with new bytes over
 * [os, oe). aside: 0 both deliverable, 1 n is a copy kept aside, 2 the new bytes
 * are; reason is that copy's sw_deliv. Copies kept aside never count as overlaps. */
static void report(sw_reasm_ctx *c, sw_reasm_dir *d, const rnode *n, uint64_t os, uint64_t oe,
                   const uint8_t *newp, uint64_t s, uint64_t e, const sw_seg_meta *meta,
                   const sw_packet *pkt, unsigned *nsame, unsigned *nmis, int aside, int reason)
{
    const uint8_t *oldp = n->data + (os - n->off);
    uint32_t olen = (uint32_t)(oe - os);
    int same = memcmp(oldp, newp, olen) == 0;
    uint8_t kind;
    if (!same)
        kind = SW_OVL_MISMATCH;
    else if (os == n->off && oe == n->off + n->len && os == s && oe == e)
        kind = SW_OVL_EXACT_RETRANS;
    else
        kind = SW_OVL_PARTIAL_SAME;
    if (aside) {
        c->cnt.aside_mismatches += !same;
    } else {
        c->cnt.overlaps++;
        if (!same)
            c->cnt.overlap_mismatches++;
    }
    unsigned *k = same ? nsame : nmis;
    if (*k >= REPORTS_MAX) {
        c->cnt.overlap_reports_capped++;
        return;
    }
    (*k)++;
    if (!c->obs.on_overlap)
        return;
    sw_overlap_obs o;
    memset(&o, 0, sizeof o);
    o.flow = d->flow;
    o.state = d->flow ? &d->flow->obs_state : NULL;
    o.dir = d->dir;
    o.kind = kind;
    o.old_delivered = aside != 1 && n->off < d->next_off;
    o.aside = (uint8_t)aside;
    o.aside_reason = (uint8_t)reason;
    o.seq = d->base_seq + (uint32_t)os;
    o.len = olen;
    o.stream_offset = os;
    o.old_bytes = oldp;
    o.new_bytes = newp;
    meta_get(n, &o.old_meta);
    if (meta)
        o.new_meta = *meta;
    o.pkt = pkt;
    c->obs.on_overlap(c->obs.ctx, &o);
}

/* New bytes [a, b) (p points at offset a) that no stored node covers. */
static void fill_hole(sw_reasm_ctx *c, sw_reasm_dir *d, uint64_t a, uint64_t b,
                      const uint8_t *p, const sw_seg_meta *meta, int urgent, uint64_t now)
{
    if (b <= d->next_off)
        return;             /* delivered (or declared a gap) and no longer held */
    if (a < d->next_off) {
        p += d->next_off - a;
        a = d->next_off;
    }
    if (a != d->next_off || held(d, a)) {
        /* out of order (or held after an RST / past a FIN): queue */
        while (a < b) {
            uint32_t n = b - a > NODE_MAX ? NODE_MAX : (uint32_t)(b - a);
            if (!store(c, d, a, p, n, meta, urgent, now))
                break;
            a += n;
            p += n;
        }
        if (a == b)
            return;
        /* refused: if what is queued now reaches this piece, deliver it directly */
        deliver(c, d, now);
        if (a != d->next_off || held(d, a)) {
            c->cnt.segments_dropped_cap++;
            return;
        }
    }
    /* in order: deliver straight from the packet, keep a copy for comparison */
    deliver_bytes(c, d, p, (uint32_t)(b - a), urgent, now);
    maybe_fin(c, d, now);
    if (c->retain_on) {
        while (a < b) {
            uint32_t n = b - a > NODE_MAX ? NODE_MAX : (uint32_t)(b - a);
            if (!store(c, d, a, p, n, meta, urgent, now))
                break;
            a += n;
            p += n;
        }
    }
}

/* Stream offset of seq: its signed distance from next_off (wrap-safe). */
static int64_t seq_off(const sw_reasm_dir *d, uint32_t seq)
{
    return (int64_t)d->next_off + sw_seq_diff(seq, d->base_seq + (uint32_t)d->next_off);
}

/* Clip a segment at stream offset s0 with len bytes to the stream (not before offset
 * 0, not past the depth). Returns 0 when nothing is left; else [*s, *e) and *p. */
static int clip(sw_reasm_ctx *c, sw_reasm_dir *d, int64_t s0, uint32_t len, const uint8_t **p,
                uint64_t *s, uint64_t *e)
{
    if (s0 < 0) {           /* bytes before the stream's start are not stream bytes */
        if ((uint64_t)-s0 >= len)
            return 0;
        *p += -s0;
        *s = 0;
        *e = (uint64_t)(s0 + (int64_t)len);
    } else {
        *s = (uint64_t)s0;
        *e = *s + len;
    }
    if (c->cfg.depth && *e > c->cfg.depth) {
        if (!d->depth_hit) {
            d->depth_hit = 1;
            c->cnt.depth_reached++;
        }
        *e = c->cfg.depth;
        if (*s >= *e)
            return 0;
    }
    return 1;
}

/* Where the receiver's buffer (Linux: the out-of-order skb) holding queued node n
 * ends: n and the queued nodes after it that joined the same buffer, contiguous
 * (at most a few looked at: the walk is bounded). */
static uint64_t skb_end(const rnode *n)
{
    uint64_t end = n->off + n->len;
    for (unsigned i = 0; i < 16 && n->next && n->next->off == end &&
                         n->next->skb_off == n->skb_off; i++) {
        n = n->next;
        end = n->off + n->len;
    }
    return end;
}

/* Overlap policy linux: does a new segment [s, e) win over queued node n? Linux
 * (tcp_data_queue_ofo) drops a new segment that lies inside a queued buffer that
 * starts at or before it, replaces a buffer it covers from the same start, and
 * otherwise keeps both: the one that starts earlier is read first, so its bytes are
 * the ones the application gets. The in-order segment (s <= next_off) always wins. */
static int new_wins(const sw_reasm_dir *d, const rnode *n, uint64_t s, uint64_t e)
{
    if (n->off < d->next_off)
        return 0;                   /* delivered: the application read it already */
    if (s != n->skb_off)
        return s < n->skb_off;
    return e > skb_end(n);
}

/* Genuine bytes [s, e) (p at s): compared with what is stored, holes filled. */
static void put_bytes(sw_reasm_ctx *c, sw_reasm_dir *d, uint64_t s, uint64_t e, const uint8_t *p,
                      const sw_seg_meta *meta, int urgent, const sw_packet *pkt, uint64_t now)
{
    if (e > d->hi_off)
        d->hi_off = e;
    int linux_ovl = c->cfg.overlap_policy == SW_REASM_OVL_LINUX;
    /* The buffer the new bytes go into: their own, or (Linux coalesces a segment
     * that starts where a queued buffer ends into it) that buffer. */
    c->cur_skb = s;
    if (linux_ovl && s > d->next_off) {
        rnode *pv = node_floor(d, s - 1);
        if (pv && pv->off >= d->next_off && pv->off + pv->len == s)
            c->cur_skb = pv->skb_off;
    }
    uint64_t my_skb = c->cur_skb;
    unsigned nsame = 0, nmis = 0;
    uint64_t cur = s;
    rnode *n = first_end_after(d, cur);
    while (cur < e) {
        if (n && n->off <= cur) {
            uint64_t oe = n->off + n->len < e ? n->off + n->len : e;
            report(c, d, n, cur, oe, p + (cur - s), s, e, meta, pkt, &nsame, &nmis, 0, 0);
            if (linux_ovl && new_wins(d, n, s, e)) {
                /* the receiver reads the new bytes here: the stored copy takes them
                 * (and, when it is covered whole, the new packet's metadata) */
                memcpy(n->data + (cur - n->off), p + (cur - s), (size_t)(oe - cur));
                if (cur == n->off && oe == n->off + n->len) {
                    meta_put(n, meta);
                    n->skb_off = my_skb;
                    n->urgent = urgent ? 1 : 0;
                }
            }
            cur = oe;
            n = n->next;
        } else {
            uint64_t he = n && n->off < e ? n->off : e;
            fill_hole(c, d, cur, he, p + (cur - s), meta, urgent, now);
            cur = he;
            n = first_end_after(d, cur);   /* the hole may have changed the tree */
        }
    }
}

/* ---- copies kept aside ---- */

static void aside_unlink(sw_reasm_ctx *c, sw_reasm_dir *d, rnode **pp)
{
    rnode *n = *pp;
    *pp = n->next;
    mem_sub(c, d, class_size(n->cls), n->len);
    node_release(c, n);
}

/* Forget copies older than the retention time (they wait for genuine bytes that
 * would have come by then). */
static void aside_age(sw_reasm_ctx *c, sw_reasm_dir *d, uint64_t now)
{
    if (!d->cold)
        return;
    rnode **pp = &d->cold->aside;
    while (*pp) {
        if (c->retain_on && (*pp)->deliv_us + c->retain_us < now)
            aside_unlink(c, d, pp);
        else
            pp = &(*pp)->next;
    }
}

/* Genuine bytes [s, e) meet the copies kept aside: each overlap is reported (the
 * copy as the old version); a copy whose whole range they cover is done. */
static void aside_compare(sw_reasm_ctx *c, sw_reasm_dir *d, uint64_t s, uint64_t e,
                          const uint8_t *p, const sw_seg_meta *meta, const sw_packet *pkt)
{
    unsigned nsame = 0, nmis = 0;
    if (!d->cold)
        return;
    rnode **pp = &d->cold->aside;
    while (*pp) {
        rnode *n = *pp;
        uint64_t os = n->off > s ? n->off : s;
        uint64_t oe = n->off + n->len < e ? n->off + n->len : e;
        if (os < oe) {
            report(c, d, n, os, oe, p + (os - s), s, e, meta, pkt, &nsame, &nmis, 1, n->h);
            if (s <= n->off && e >= n->off + n->len) {
                aside_unlink(c, d, pp);
                continue;
            }
        }
        pp = &n->next;
    }
}

void sw_reasm_aside(sw_reasm_ctx *c, sw_reasm_dir *d, uint32_t seq, const uint8_t *data,
                    uint32_t len, int reason, const sw_seg_meta *meta, const sw_packet *pkt)
{
    if (!c || !d || !data || !len)
        return;
    uint64_t now = pkt ? pkt->ts_us : meta ? meta->ts_us : c->now_us;
    sweep(c, now);
    aside_age(c, d, now);
    if (len > SEG_LEN_MAX)
        len = SEG_LEN_MAX;
    const uint8_t *p = data;
    uint64_t s, e;
    if (!clip(c, d, seq_off(d, seq), len, &p, &s, &e))
        return;
    /* compared with the genuine bytes already held */
    unsigned nsame = 0, nmis = 0;
    for (rnode *n = first_end_after(d, s); n && n->off < e; n = n->next) {
        uint64_t os = n->off > s ? n->off : s;
        uint64_t oe = n->off + n->len < e ? n->off + n->len : e;
        report(c, d, n, os, oe, p + (os - s), s, e, meta, pkt, &nsame, &nmis, 2, reason);
    }
    if (e <= d->next_off)
        return;             /* no genuine byte of the range is still to come */
    uint32_t keep = e - s > ASIDE_LEN_MAX ? ASIDE_LEN_MAX : (uint32_t)(e - s);
    unsigned cls = class_of(node_need(keep, 0));   /* never in the tree */
    size_t sz = class_size(cls);
    unsigned held = 0;
    dir_cold *k = cold_get(c, d);
    if (!k) {
        c->cnt.aside_refused++;
        return;
    }
    rnode **last = &k->aside;
    for (; *last && (*last)->next; last = &(*last)->next)
        held++;
    if (*last && held + 1 >= ASIDE_MAX)   /* the oldest goes */
        aside_unlink(c, d, last);
    sw_reasm_dir *sib = sib_of(d);
    if (d->mem + (sib ? sib->mem : 0) + sz > c->cfg.flow_cap ||
        c->cnt.mem_in_use + sz > c->cfg.memcap) {
        c->cnt.aside_refused++;
        return;
    }
    rnode *n = node_alloc(c, cls);
    if (!n) {
        c->cnt.aside_refused++;
        return;
    }
    memset(n, 0, sizeof *n);
    n->off = s;
    n->len = keep;
    n->cls = (uint8_t)cls & 127u;
    n->h = (uint8_t)reason & 63u;
    n->deliv_us = now;
    meta_put(n, meta);
    memcpy(n->data, p, keep);
    n->next = k->aside;
    k->aside = n;
    mem_add(c, d, sz, keep);
    c->cnt.aside_kept++;
}

/* The receiver acknowledged up to stream offset `to`: a copy kept aside whose whole
 * range lies below it, with no genuine byte of that range held, was accepted after
 * all (our verdict was wrong): it becomes stream bytes. */
static void aside_promote(sw_reasm_ctx *c, sw_reasm_dir *d, uint64_t to, uint64_t now)
{
    if (!d->cold)
        return;
    rnode **pp = &d->cold->aside;
    while (*pp) {
        rnode *n = *pp;
        uint64_t ne = n->off + n->len;
        rnode *g = first_end_after(d, n->off);
        if (n->off >= d->next_off && ne <= to && !(g && g->off < ne)) {
            *pp = n->next;          /* off the aside list first: put_bytes stores it */
            sw_seg_meta m;
            meta_get(n, &m);
            mem_sub(c, d, class_size(n->cls), n->len);
            put_bytes(c, d, n->off, ne, n->data, &m, 0, NULL, now);
            c->cnt.aside_promoted++;
            node_release(c, n);
            continue;
        }
        pp = &n->next;
    }
}

void sw_reasm_segment(sw_reasm_ctx *c, sw_reasm_dir *d, uint32_t seq,
                      const uint8_t *data, uint32_t len, int fin, int urgent,
                      const sw_seg_meta *meta, const sw_packet *pkt)
{
    if (!c || !d)
        return;
    uint64_t now = pkt ? pkt->ts_us : meta ? meta->ts_us : c->now_us;
    sweep(c, now);
    if (!data)
        len = 0;
    if (len > SEG_LEN_MAX)
        len = SEG_LEN_MAX;

    int64_t s0 = seq_off(d, seq);
    /* The urgent pointer (Linux, tcp_stdurg 0) names the byte at seq + ptr - 1; the
     * receiver takes a pointer to a byte not yet received and later than the one it
     * holds, so a retransmission repeating it changes nothing. */
    if (urgent > 0 && s0 + urgent - 1 >= (int64_t)d->next_off &&
        (!d->urg_set || (uint64_t)(s0 + urgent - 1) > d->cold->urg_off) && cold_get(c, d)) {
        d->cold->urg_off = (uint64_t)(s0 + urgent - 1);
        d->urg_set = 1;
    }
    uint64_t fin_at = 0;
    int fin_ok = 0;
    if (fin && s0 + (int64_t)len >= 0) {
        fin_at = (uint64_t)(s0 + (int64_t)len);
        fin_ok = 1;
    }

    const uint8_t *p = data;
    uint64_t s, e;
    if (len && clip(c, d, s0, len, &p, &s, &e)) {
        /* past a FIN the receiver acknowledged: never stream bytes (not compared) */
        if (d->fin_acked && e > d->fin_off)
            e = d->fin_off > s ? d->fin_off : s;
        if (s < e && d->cold && d->cold->aside) {
            aside_age(c, d, now);
            aside_compare(c, d, s, e, p, meta, pkt);
        }
        /* bytes on both sides of a FIN seen earlier: the part past it is held */
        uint64_t cut = d->fin_seen && !d->fin_void && s < d->fin_off && e > d->fin_off
                       ? d->fin_off : e;
        if (s < cut)
            put_bytes(c, d, s, cut, p, meta, urgent, pkt, now);
        if (cut < e)
            put_bytes(c, d, cut, e, p + (cut - s), meta, urgent, pkt, now);
    }
    if (fin_ok && !d->fin_seen && fin_at >= d->next_off &&
        !(c->cfg.depth && fin_at > c->cfg.depth)) {
        d->fin_seen = 1;
        d->fin_off = fin_at;
    }
    deliver(c, d, now);
    trim(c, d, now);
    validate_after(c, d);
}

void sw_reasm_ack(sw_reasm_ctx *c, sw_reasm_dir *d, uint32_t ack, uint64_t now_us)
{
    if (!c || !d)
        return;
    sweep(c, now_us);
    int64_t a = seq_off(d, ack);
    if (a > (int64_t)d->next_off) {
        uint64_t to = (uint64_t)a;
        int fin_ack = 0;
        if (d->fin_seen && !d->fin_void && to > d->fin_off) {
            if (to > d->fin_off + 1)
                d->fin_void = 1;      /* bytes past the FIN were taken: not that FIN */
            else {
                to = d->fin_off;      /* the FIN takes a sequence number, not a byte */
                fin_ack = 1;
            }
        }
        if (c->cfg.depth && to > c->cfg.depth)
            to = c->cfg.depth;
        if (d->rst_sent && to > (d->cold ? d->cold->rel_off : 0) && cold_get(c, d))
            d->cold->rel_off = to;    /* acknowledged after the RST: the RST did not take */
        if (d->cold && d->cold->aside)
            aside_promote(c, d, to, now_us);
        if (to > d->next_off)
            advance_to(c, d, to, now_us);
        /* The receiver acknowledged the FIN: bytes held past the FIN are dropped (the
         * application never reads them). The retained bytes stay, under the usual
         * retention limits: they are what the receiver accepted, and a late copy of
         * them with other bytes (the genuine response behind an injector's data and
         * FIN, QUANTUM-style) is still a conflict, like one before the FIN. */
        if (fin_ack && d->fin_sent) {
            closed_push(c, d, now_us);    /* while !fin_acked: it leaves the LRU list */
            d->fin_acked = 1;
            drop_queued_from(c, d, d->fin_off);
        }
    }
    trim(c, d, now_us);
    validate_after(c, d);
}

void sw_reasm_ack_held(sw_reasm_ctx *c, sw_reasm_dir *d, uint32_t ack, uint64_t now_us)
{
    if (!c || !d || !(d->rst_sent || (d->fin_seen && !d->fin_void)))
        return;             /* nothing is held */
    int64_t a = seq_off(d, ack);
    if (a <= (int64_t)d->next_off || (uint64_t)a > d->hi_off + 1)
        return;             /* acknowledges nothing held, or more than was ever seen */
    sw_reasm_ack(c, d, ack, now_us);
}

void sw_reasm_rst(sw_reasm_ctx *c, sw_reasm_dir *d, uint64_t now_us)
{
    if (!c || !d)
        return;
    sweep(c, now_us);
    if (!d->rst_sent) {
        d->rst_sent = 1;
        emit(c, d, SW_STREAM_RST, d->next_off, NULL, 0, 0, now_us);
    }
    validate_after(c, d);
}

void sw_reasm_dir_close(sw_reasm_ctx *c, sw_reasm_dir *d, uint64_t now_us)
{
    if (!d || !c)
        return;
    {
        sweep(c, now_us);
        uint64_t to = d->hi_off;
        if (d->fin_seen && d->fin_off > to)
            to = d->fin_off;
        /* what is held is not delivered: after an RST nothing more (no gap either:
         * the receiver did not get those bytes), past a FIN nothing */
        if (d->rst_sent)
            to = d->next_off;
        else if (d->fin_seen && !d->fin_void && to > d->fin_off)
            to = d->fin_off;
        if (to > d->next_off)
            advance_to(c, d, to, now_us);
        deliver(c, d, now_us);
        emit(c, d, SW_STREAM_CLOSE, d->next_off, NULL, 0, 0, now_us);
        while (d->head)
            node_free_head(c, d);
        if (d->cold) {
            while (d->cold->aside)
                aside_unlink(c, d, &d->cold->aside);
            d->cold->aside = (rnode *)c->cfree;
            c->cfree = d->cold;
            d->cold = NULL;
            c->cold_used--;
        }
        lru_remove(c, d);
    }
    validate_after(c, NULL);
    free(d->ret);
    d->ret = NULL;
    d->lru_next = c->dfree;
    c->dfree = d;
}

/* ---- context and directions ---- */

sw_reasm_ctx *sw_reasm_ctx_new(const sw_reasm_config *cfg, const sw_observer *obs)
{
    sw_reasm_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    if (cfg)
        c->cfg = *cfg;
    if (!c->cfg.memcap)
        c->cfg.memcap = cfg_defaults.stream_memcap;
    if (!c->cfg.flow_cap)
        c->cfg.flow_cap = cfg_defaults.stream_flow_cap;
    if (obs)
        c->obs = *obs;
    c->retain_on = c->cfg.retain_seconds > 0 && c->cfg.retain_bytes > 0;
    c->retain_us = (uint64_t)c->cfg.retain_seconds * 1000000u;
    c->closed_us = c->retain_us < CLOSED_RETAIN_US ? c->retain_us : CLOSED_RETAIN_US;
    return c;
}

void sw_reasm_ctx_free(sw_reasm_ctx *c)
{
    if (!c)
        return;
    SW_VALIDATE_RUN(sw_reasm_ctx_validate(c));
    for (unsigned i = 0; i < NCLASS; i++) {
        rnode *n = c->pool[i];
        while (n) {
            rnode *nx = n->next;
            free(n);
            n = nx;
        }
    }
    while (c->dchunks) {
        dir_chunk *nx = c->dchunks->next;
        free(c->dchunks);
        c->dchunks = nx;
    }
    while (c->cchunks) {
        cold_chunk *nx = c->cchunks->next;
        free(c->cchunks);
        c->cchunks = nx;
    }
    free(c);
}

void sw_reasm_counters_get(const sw_reasm_ctx *c, sw_reasm_counters *out)
{
    if (!out)
        return;
    if (!c) {
        memset(out, 0, sizeof *out);
        return;
    }
    *out = c->cnt;
}

sw_reasm_dir *sw_reasm_dir_new(sw_reasm_ctx *c, sw_flow *flow, int dir, uint32_t base_seq,
                               const sw_stream_chunk *chunk_tmpl)
{
    if (!c)
        return NULL;
    if (!c->dfree) {
        dir_chunk *k = malloc(sizeof *k);
        if (!k)
            return NULL;
        k->next = c->dchunks;
        c->dchunks = k;
        for (unsigned i = DIR_SLAB; i-- > 0;) {
            k->v[i].lru_next = c->dfree;
            c->dfree = &k->v[i];
        }
    }
    sw_reasm_dir *d = c->dfree;
    c->dfree = d->lru_next;
    memset(d, 0, sizeof *d);
    d->flow = flow;
    d->dir = (uint8_t)(dir ? 1 : 0);
    d->base_seq = base_seq;
    if (chunk_tmpl && (chunk_tmpl->flags & SW_CHUNK_MIDSTREAM))
        d->tmpl_mid = 1;
    return d;
}

void sw_reasm_dir_info_get(const sw_reasm_dir *d, sw_reasm_dir_info *out)
{
    if (!out)
        return;
    memset(out, 0, sizeof *out);
    if (!d)
        return;
    out->bytes_delivered = d->next_off - d->gap_bytes;
    out->gaps = d->gaps;
    out->gap_bytes = d->gap_bytes;
    out->next_offset = d->next_off;
}
