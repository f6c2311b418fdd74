/*
 * ck_state.c — the per-flow check state: allocated on a flow's first observation,
 * reset when a new connection instance starts, the per-direction baselines updated
 * after all checks ran on a packet, and the validator of its bounds.
 *
 * Invariants: one allocation per flow, its size fixed by cfg.history_packets
 * (capped at CK_MAX_HISTORY); the aux record is allocated on demand and kept for the
 * flow's life; a new instance starts from cleared per-instance fields.
 */
#include <stdlib.h>
#include <string.h>

#include "rules/ck_state.h"
#include "rules/ck_pend.h"

static void flow_reset_instance(ck_flow *fs, uint32_t inst)
{
    memset(fs->d, 0, sizeof fs->d);
    fs->inst = inst;
    fs->synack_seen = 0;
    fs->syn_retx = 0;
    fs->syn_alt = 0;
    fs->storm_on = 0;
    fs->spray_on = 0;
    fs->takeover_done = 0;
    fs->desync_done = 0;
    fs->synack_isn = fs->synack_ack = fs->synack_ms = 0;
    fs->syn_alt_isn = 0;
    fs->synack_alt_isn = 0;
    fs->confused = 0;
    fs->synack_ttl = 0;
    fs->storm_side[0] = fs->storm_side[1] = 0;
    fs->storm_start_ms = fs->spray_start_ms = fs->spray_last_ms = 0;
    fs->rstw_us = 0;
    fs->rstw_hs = 0;
    fs->rst_beyond_n = 0;
    fs->storm_n = fs->spray_n = 0;
    fs->emitted = 0;
    fs->n_ev = 0;
    if (fs->aux)
        fs->aux->nchain = 0;
}

ck_flow *ck_flow_get_slow(sw_checks *c, const sw_flow *f, void **state)
{
    if (!state)
        return NULL;
    ck_flow *fs = *state;
    if (!fs) {
        size_t n = sizeof *fs + (size_t)c->cfg.history_packets * sizeof(ck_hist);
        fs = calloc(1, n);
        if (!fs) {
            c->n_alloc_fail++;
            return NULL;
        }
        *state = fs;
        fs->inst = f->conn.instance;
        return fs;
    }
    if (fs->inst != f->conn.instance)
        flow_reset_instance(fs, f->conn.instance);
    return fs;
}

ck_aux *ck_aux_get(sw_checks *c, ck_flow *fs)
{
    if (!fs->aux) {
        fs->aux = calloc(1, sizeof *fs->aux);
        if (!fs->aux)
            c->n_alloc_fail++;
    }
    return fs->aux;
}

void ck_dir_update(sw_checks *c, ck_flow *fs, const sw_flow *f, const sw_pkt_obs *o)
{
    (void)c;
    const sw_packet *p = o->pkt;
    ck_dir *s = &fs->d[o->dir];
    uint8_t fl = p->flags;
    if (o->ack_class == SW_ACK_OK)
        s->ack_up_ms = ck_ms(f, p->ts_us);
    /* an ACK of unsent data says nothing true about the receiver's window (and a
     * forged one must not move the edge that later injections are judged against) */
    if ((fl & SW_TH_ACK) && !(fl & SW_TH_RST) && o->ack_class != SW_ACK_UNSENT) {
        uint32_t w = ck_win(f, p, o->dir);
        uint32_t edge = p->ack + w;
        if (!s->has_edge || SEQ_GT(edge, s->edge_max))
            s->edge_max = edge;
        if (!s->edge_n || s->edges[s->edge_i] != edge) {
            s->edge_i = (uint8_t)((s->edge_i + 1) & 3);
            s->edges[s->edge_i] = edge;
            if (s->edge_n < 4)
                s->edge_n++;
        }
        if (!s->has_edge || w > s->wnd_max)
            s->wnd_max = w;
        s->has_edge = 1;
    }
    if (fl & SW_TH_RST)
        return;
    uint32_t plen = ck_payload(p);
    if (plen > 0 && !(o->hints & SW_SEG_KEEPALIVE)) {
        uint32_t dend = p->seq + ((fl & SW_TH_SYN) ? 1u : 0u) + plen;
        if (!s->has_data_hi || SEQ_GT(dend, s->data_hi))
            s->data_hi = dend;
        s->has_data_hi = 1;
    }
    if (fl & SW_TH_SYN) {
        s->decl_nxt = p->seq + 1 + ck_payload(p);
        s->has_decl = 1;
    } else if (ck_pure_ack(p)) {
        /* a window-edge sequence number below what it already sent says nothing
         * about its SND.NXT; nor does an old pure ACK that the capture shows late
         * (its ACK is below one this end already sent: it was sent before them) */
        int edge_form = s->has_decl && SEQ_LT(p->seq, s->decl_nxt) &&
                        ck_is_recent_edge(&fs->d[1 - o->dir], p->seq);
        int stale = s->has_decl && SEQ_LT(p->seq, s->decl_nxt) && ck_reordered(f, s, o);
        if (!(o->hints & (SW_SEG_KEEPALIVE | SW_SEG_ZWP)) && !edge_form && !stale) {
            s->decl_nxt = p->seq;
            s->has_decl = 1;
        }
    } else if (o->seg_len > 0 && !(o->hints & SW_SEG_KEEPALIVE)) {
        uint32_t end = p->seq + o->seg_len;
        if (!s->has_decl || SEQ_GT(end, s->decl_nxt))
            s->decl_nxt = end;
        s->has_decl = 1;
    }
}

/* ck_flow.emitted keeps one bit per event. */
_Static_assert(SW_EV_COUNT <= 32, "ck_flow.emitted is a uint32_t: at most 32 events");

/* ------------------------------------------------------------- validation -- */

const char *ck_flow_validate(const sw_checks *c, const ck_flow *fs)
{
    if (!fs)
        return NULL;
    uint32_t h = c->cfg.history_packets;
    if (h > CK_MAX_HISTORY)
        return "checks: history_packets above CK_MAX_HISTORY";
    if (fs->ring_n > h)
        return "checks: ring_n above history_packets";
    if (h ? fs->ring_head >= h : fs->ring_head != 0)
        return "checks: ring_head outside the ring";
    unsigned n = 0;
    for (const ck_pend *p = fs->pend; p; p = p->next) {
        if (++n > CK_MAX_PENDING)
            return "checks: more than CK_MAX_PENDING pending events";
        if (p->dir > 1)
            return "checks: pending event with a direction other than 0 or 1";
    }
    if (n != fs->npend)
        return "checks: npend is not the length of the pending list";
    if (fs->aux && fs->aux->nchain > CK_CHAIN_MAX)
        return "checks: nchain above CK_CHAIN_MAX";
    if (fs->aux && fs->aux->nstash > CK_FP_STASH)
        return "checks: nstash above CK_FP_STASH";
    for (int i = 0; i < 2; i++)
        if (fs->d[i].edge_n > 4)
            return "checks: edge_n above the 4 edges kept";
    return NULL;
}
