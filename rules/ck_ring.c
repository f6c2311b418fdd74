/*
 * ck_ring.c — the packet-history ring of each connection (ck_flow.ring) and the
 * ladder an event carries: a copy of the ring (possibly rendered later, on another
 * thread) and its JSON with the trigger marked.
 *
 * Invariants: ring_n <= cfg.history_packets <= CK_MAX_HISTORY, ring_head <
 * cfg.history_packets; entries are written in packet order, the time of the newest
 * kept exactly (ring_last_us) and the others as encoded gaps (ck_dt_enc).
 */
#include <string.h>

#include "common/sw_assert.h"
#include "rules/ck_ring.h"

/* Index of the i-th oldest entry (i < ring_n). head < h, ring_n <= h and i < ring_n,
 * so the sum is below 2h: one subtraction instead of a division. */
static const ck_hist *ring_at(const sw_checks *c, const ck_flow *fs, unsigned i)
{
    uint32_t h = c->cfg.history_packets;
    SW_ASSERT(i < fs->ring_n && fs->ring_n <= h && fs->ring_head < h);
    uint32_t k = fs->ring_head + h - fs->ring_n + i;
    return &fs->ring[k >= h ? k - h : k];
}

/* Runs several times per packet (once per check that asks): no division. */
int ck_dup_capture(const sw_checks *c, const ck_flow *fs)
{
    if (fs->ring_n < 2)
        return 0;
    uint32_t h = c->cfg.history_packets;              /* >= ring_n >= 2 */
    uint32_t lb = fs->ring_head ? fs->ring_head - 1u : h - 1u;   /* newest */
    uint32_t la = lb ? lb - 1u : h - 1u;                         /* the one before */
    const ck_hist *a = &fs->ring[la], *b = &fs->ring[lb];
    return a->len_dir == b->len_dir && a->seq == b->seq && a->ack == b->ack &&
           a->flags == b->flags && ck_dt_dec(b->dt) < CK_DUP_CAPTURE_US;
}

void ck_flags_str(uint8_t fl, char out[12])
{
    /* tcpdump's letters and order */
    static const struct { uint8_t bit; char ch; } t[] = {
        { SW_TH_FIN, 'F' }, { SW_TH_SYN, 'S' }, { SW_TH_RST, 'R' }, { SW_TH_PSH, 'P' },
        { SW_TH_ACK, '.' }, { SW_TH_URG, 'U' }, { SW_TH_ECE, 'E' }, { SW_TH_CWR, 'W' },
    };
    size_t n = 0;
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (fl & t[i].bit)
            out[n++] = t[i].ch;
    if (!n)
        out[n++] = '-';
    out[n] = 0;
}

const char *ck_dir_name(int dir)
{
    return dir ? "to_client" : "to_server";
}

void ck_ladder_snap_take(const sw_checks *c, const ck_flow *fs, const sw_flow *f,
                         ck_ladder_snap *s)
{
    unsigned n = c->cfg.history_packets ? fs->ring_n : 0;
    if (n > CK_MAX_HISTORY)
        n = CK_MAX_HISTORY;
    s->n = (uint8_t)n;
    s->last_us = fs->ring_last_us;
    s->wshift[0] = f->conn.end[0].wshift;
    s->wshift[1] = f->conn.end[1].wshift;
    for (unsigned i = 0; i < n; i++)
        s->e[i] = *ring_at(c, fs, i);
}

json_t *ck_ladder_render(const ck_ladder_snap *s, uint64_t mark_ts, uint32_t mark_seq,
                         uint8_t mark_flags)
{
    if (!s->n)
        return NULL;
    uint64_t ts[CK_MAX_HISTORY];
    unsigned n = s->n;
    ts[n - 1] = s->last_us;
    for (unsigned i = n - 1; i > 0; i--) {
        uint64_t dt = ck_dt_dec(s->e[i].dt);
        ts[i - 1] = ts[i] >= dt ? ts[i] - dt : 0;
    }
    json_t *a = json_array();
    if (!a)
        return NULL;
    /* the trigger: the newest entry with its seq and flags whose (reconstructed) time
     * is the trigger's, within the time encoding's precision */
    int marked = 0;
    for (unsigned i = n; mark_ts && i-- > 0;) {
        const ck_hist *e = &s->e[i];
        uint64_t d = ts[i] > mark_ts ? ts[i] - mark_ts : mark_ts - ts[i];
        uint64_t age = s->last_us > mark_ts ? s->last_us - mark_ts : 0;
        if (e->seq == mark_seq && e->flags == mark_flags && d <= 1 + age / 1024u) {
            marked = (int)i + 1;
            break;
        }
    }
    for (unsigned i = 0; i < n; i++) {
        const ck_hist *e = &s->e[i];
        char fl[12];
        ck_flags_str(e->flags, fl);
        int dir = e->len_dir >> 15;
        uint32_t win = (e->flags & SW_TH_SYN) ? e->win : (uint32_t)e->win << s->wshift[dir];
        json_t *o = json_pack("{s:I,s:s,s:s,s:I,s:I,s:I,s:I,s:I}",
                              "ts_us", (json_int_t)ts[i], "dir", ck_dir_name(dir),
                              "flags", fl, "seq", (json_int_t)e->seq, "ack", (json_int_t)e->ack,
                              "len", (json_int_t)(e->len_dir & 0x7fff), "win", (json_int_t)win,
                              "ttl", (json_int_t)e->ttl);
        if (!o)
            continue;
        if (marked == (int)i + 1)
            json_object_set_new(o, "trigger", json_true());
        json_array_append_new(a, o);
    }
    return a;
}
