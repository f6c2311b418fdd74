/*
 * tcp_track.c — the passive TCP state machine for both endpoints of a connection,
 * reconstructed from the wire (RFC 9293 states; every packet the sensor sees is
 * assumed delivered, and what an end sends reveals what it must have received).
 *
 * For each packet a const classification (classify) computes the observation
 * (seq/ack classes, hints, the receiver's window, the deliverability verdict) from
 * the state BEFORE the packet; only then do the short apply_* steps update it.
 *
 * Deliverability: a segment past the receiver's window (window), one whose TTL /
 * hop limit at the sensor does not exceed the receiver's estimated hop distance
 * (ttl), or one the receiver's PAWS test drops (paws, RFC 7323 5.3 as Linux
 * applies it) could not have been accepted; such a copy changes no sequence state,
 * its ACK is not learned and its RST resets nothing (PAWS exempts RSTs).
 *
 * Invariants:
 *  - All sequence comparisons use detector/seq.h (modulo 2^32).
 *  - An end's snd_nxt only moves forward, and only by segments the receiver would
 *    accept: a segment classified BEYOND the receiver's window, or a SYN carrying a
 *    different ISN than the end's known one, changes no sequence state.
 *  - An end's ack_max only moves forward, and never past what the other end was
 *    seen to send (an ACK of unsent data is reported, not learned). An ACK of bytes
 *    that were sent in a segment classified BEYOND (our view of the window was
 *    stale, e.g. a window update the sensor missed) is accepted and moves the other
 *    end's snd_nxt up to it, so the tracker heals instead of staying desynchronised.
 *  - Window scaling is applied only when both SYNs carried the option (shift
 *    clamped to 14); SYN windows are never scaled. Where the handshake was not
 *    seen the shift is assumed to be 14, so a window is never underestimated.
 *  - Once an accepted RST reset the connection, its states no longer change; only
 *    a new SYN (a new instance, decided by the caller) starts over.
 */
#include "detector/tcp_track.h"

#include <string.h>
#include "detector/seq.h"

int sw_tcp_track_used(const sw_tcp_conn *c)
{
    return c->end[0].seen || c->end[1].seen;
}

void sw_tcp_track_begin(sw_tcp_conn *c, uint32_t instance, uint64_t start_us)
{
    memset(c, 0, sizeof *c);
    c->instance = instance;
    c->start_us = start_us;
}

static int end_syn_seen(const sw_tcp_end *e)
{
    return e->syn_seen || e->synack_seen;
}

static int end_has_isn(const sw_tcp_end *e)
{
    return e->syn_seen || e->synack_seen || e->isn_inferred;
}

int sw_tcp_track_starts_instance(const sw_tcp_conn *c, const sw_packet *p, int src_ep)
{
    if (!sw_tcp_track_used(c))
        return 1;
    if ((p->flags & (SW_TH_SYN | SW_TH_ACK | SW_TH_RST)) != SW_TH_SYN)
        return 0;
    if (c->reset || c->closed)
        return 1;
    /* A new attempt: the end that opened with a SYN sends a SYN with another ISN
     * while nothing at all was seen from the other end. A stack keeps its ISN when
     * it retransmits a SYN, so another ISN means the earlier attempt was given up
     * (and the peer, which never answered, holds no state for it). Once the peer
     * has answered, a SYN with another ISN is not a new instance. */
    int dir = src_ep == c->client_ep ? 0 : 1;
    const sw_tcp_end *e = &c->end[dir], *o = &c->end[1 - dir];
    if (!c->midstream && !c->simultaneous_open && e->syn_seen && !e->synack_seen &&
        e->state == SW_TCPS_SYN_SENT && p->seq != e->isn && !o->seen)
        return 1;
    int over = 0;
    for (int i = 0; i < 2; i++) {
        uint8_t s = c->end[i].state;
        if (s == SW_TCPS_CLOSED || s == SW_TCPS_TIME_WAIT)
            over = 1;
        else if (s != SW_TCPS_NONE)
            return 0;
    }
    return over;
}

uint32_t sw_tcp_track_stream_base(const sw_tcp_conn *c, int dir)
{
    const sw_tcp_end *e = &c->end[dir & 1];
    return end_has_isn(e) ? e->isn + 1 : e->isn;
}

sw_flow_tclass sw_tcp_track_tclass(const sw_tcp_conn *c)
{
    if (c->reset || c->end[0].fin_sent || c->end[1].fin_sent)
        return SW_FLOW_T_CLOSING;
    if (c->handshake_done)
        return SW_FLOW_T_ESTABLISHED;
    if (c->midstream && c->end[0].seen && c->end[1].seen)
        return SW_FLOW_T_ESTABLISHED;
    return SW_FLOW_T_EMBRYONIC;
}

/* Window-scale shifts from what is known of the two SYNs. */
static void recompute_scale(sw_tcp_conn *c)
{
    sw_tcp_end *a = &c->end[0], *b = &c->end[1];
    int as = end_syn_seen(a), bs = end_syn_seen(b);
    if (as && bs) {
        c->wscale_ok = a->has_wscale && b->has_wscale;
        c->ts_ok = a->ts_syn && b->ts_syn;
        c->sack_ok = a->sack_perm && b->sack_perm;
        for (int i = 0; i < 2; i++) {
            c->end[i].wshift = c->wscale_ok ? c->end[i].wscale : 0;
            c->end[i].wshift_guess = 0;
        }
        return;
    }
    c->wscale_ok = 0;
    if ((as && !a->has_wscale) || (bs && !b->has_wscale)) {
        /* a SYN without the option: scaling cannot be in effect */
        for (int i = 0; i < 2; i++) {
            c->end[i].wshift = 0;
            c->end[i].wshift_guess = 0;
        }
        return;
    }
    for (int i = 0; i < 2; i++) {
        sw_tcp_end *e = &c->end[i];
        if (end_syn_seen(e)) {          /* offered: the most it can be */
            e->wshift = e->wscale;
            e->wshift_guess = 0;
        } else {
            e->wshift = 14;
            e->wshift_guess = 1;
        }
    }
}

/* Client of a connection picked up without its SYN. */
static int guess_client(const sw_packet *p, int src_ep)
{
    if (p->sport >= 1024 && p->dport < 1024)
        return src_ep;
    if (p->dport >= 1024 && p->sport < 1024)
        return 1 - src_ep;
    return src_ep;
}

/* Set up a fresh instance from its first packet. Returns hints to add. */
static uint32_t init_conn(sw_tcp_conn *c, const sw_packet *p, int src_ep)
{
    uint8_t fl = p->flags;
    uint32_t hints = SW_SEG_NEW_CONN;
    if ((fl & (SW_TH_SYN | SW_TH_RST)) == SW_TH_SYN) {
        if (fl & SW_TH_ACK) {
            /* SYN-ACK first: the SYN was missed; the receiver is the client and
             * its ISN is implied by the ACK. */
            c->client_ep = (uint8_t)(1 - src_ep);
            sw_tcp_end *cl = &c->end[0];
            cl->isn = p->ack - 1;
            cl->isn_inferred = 1;
            cl->snd_nxt = p->ack;
            cl->nxt_known = 1;
            cl->state = SW_TCPS_SYN_SENT;
        } else {
            c->client_ep = (uint8_t)src_ep;
        }
    } else {
        c->client_ep = (uint8_t)guess_client(p, src_ep);
        c->midstream = 1;
        c->end[0].state = SW_TCPS_ESTABLISHED;
        c->end[1].state = SW_TCPS_ESTABLISHED;
    }
    recompute_scale(c);
    return hints;
}

static void set_state(sw_tcp_end *e, sw_tcp_state s)
{
    e->state = (uint8_t)s;
}

/* ---- deliverability ---- */

const char *sw_deliv_name(int v)
{
    static const char *const names[SW_DELIV_COUNT] = {
        [SW_DELIV_OK] = "ok", [SW_DELIV_WINDOW] = "window", [SW_DELIV_PAWS] = "paws",
        [SW_DELIV_TTL] = "ttl", [SW_DELIV_CHECKSUM] = "checksum", [SW_DELIV_STATE] = "state",
    };
    return v >= 0 && v < SW_DELIV_COUNT ? names[v] : "unknown";
}

/* Hops between the sensor and an end, from the highest TTL / hop limit seen from it:
 * the nearest common initial value (64, 128, 255) above it minus it. 0 when nothing
 * was seen. */
unsigned sw_tcp_end_hops(const sw_tcp_end *e)
{
    if (!e->ttl_known)
        return 0;
    unsigned t = e->ttl_max;
    unsigned init = t <= 64 ? 64 : t <= 128 ? 128 : 255;
    return init - t;
}

/* PAWS (RFC 7323 5.3, as Linux applies it): a non-RST segment carrying data or a FIN
 * whose TSval is more than TCP_PAWS_WINDOW (1) tick older than the receiver's
 * TS.Recent is dropped, when both ends negotiated timestamps and the receiver is
 * synchronized. TS.Recent is not valid after 24 days of silence. Pure ACKs are left
 * out (Linux exempts some, tcp_disordered_ack). */
#define PAWS_WINDOW   1u
#define PAWS_24DAYS_US (24ull * 86400 * 1000000)

static int paws_rejects(const sw_tcp_conn *c, const sw_tcp_end *s, const sw_tcp_end *r,
                        const sw_packet *p, uint32_t seg_len)
{
    if (!c->ts_ok || !p->opt.has_ts || !s->ts_recent_set || seg_len == 0)
        return 0;
    if (p->flags & (SW_TH_RST | SW_TH_SYN))
        return 0;
    if (r->state < SW_TCPS_ESTABLISHED || r->state == SW_TCPS_CLOSED)
        return 0;
    if (p->ts_us > s->last_us && p->ts_us - s->last_us > PAWS_24DAYS_US)
        return 0;
    return (int32_t)(s->ts_recent - p->opt.tsval) > (int32_t)PAWS_WINDOW;
}

/* TTL / hop limit: a copy whose TTL at the sensor is not larger than the hops from
 * the sensor to the receiver expires on the way. Only when the receiver is at least
 * one hop away and the sender's own packets clear that distance (otherwise the
 * estimate does not fit this path and gives no verdict). */
static int ttl_expires(const sw_tcp_end *s, const sw_tcp_end *r, const sw_packet *p)
{
    unsigned hops = sw_tcp_end_hops(r);
    if (hops == 0 || !s->ttl_known || s->ttl_max <= hops)
        return 0;
    return p->ttl <= hops;
}

/* ---- one packet: classify (const), then apply ---- */

/* What the packet is and how it falls against the state before it. */
typedef struct tk_pkt {
    int syn, ack, rst, fin;
    uint32_t plen, seq, seg_len, adv_win;
    int base_known, hs_syn, accepted;
    sw_seq_class sc;
    sw_ack_class ac;
} tk_pkt;

/* Data or a FIN (no SYN, no RST) that the receiver's handshake state refuses (RFC
 * 9293 3.10.7.3 and 3.10.7.4, as Linux does it):
 *  - SYN_SENT takes only a SYN (or an RST): anything else is dropped (answered with an
 *    RST when its ACK is bad). Judged only while the sender's SYN-ACK was not seen:
 *    once it was, the receiver most likely has it too (a TFO server sends data right
 *    behind its SYN-ACK, before the client's ACK shows here).
 *  - SYN_RCVD takes a segment only with an ACK (Linux: a request socket drops one
 *    without ACK), and only when that ACK acknowledges its SYN-ACK: one that does
 *    not is reset (tcp_check_req returns the listener, which answers with an RST).
 *    Acceptable: past the ISN and up to what the end sent (a TFO server's data
 *    behind its SYN-ACK), or the ISN + 1 of a later SYN-ACK with another ISN
 *    (isn_alt; when the client takes that one, apply_isn_switch has already moved
 *    the ISN before this runs).
 * Not on a midstream or reset connection (no handshake state to judge by). */
static int state_refuses(const sw_tcp_conn *c, const sw_tcp_end *s, const sw_tcp_end *r,
                         const tk_pkt *k, uint32_t ackno)
{
    if (k->syn || k->rst || (k->plen == 0 && !k->fin) || c->midstream || c->reset)
        return 0;
    if (r->state == SW_TCPS_SYN_SENT)
        return !s->synack_seen;
    if (r->state == SW_TCPS_SYN_RCVD) {
        if (!k->ack)
            return 1;
        if (!r->synack_seen || (r->isn_alt_set && ackno == r->isn_alt + 1))
            return 0;
        uint32_t hi = r->isn + 1;       /* snd_nxt may lag (an RST seen first set it) */
        if (SEQ_GT(r->snd_nxt, hi))
            hi = r->snd_nxt;
        if (r->hi_known && SEQ_GT(r->seq_hi, hi))
            hi = r->seq_hi;
        return SEQ_LEQ(ackno, r->isn) || SEQ_GT(ackno, hi);
    }
    return 0;
}

static void classify(const sw_tcp_conn *c, const sw_packet *p, int dir, sw_pkt_obs *o,
                     tk_pkt *k)
{
    const sw_tcp_end *s = &c->end[dir], *r = &c->end[1 - dir];
    uint8_t fl = p->flags;
    k->syn = (fl & SW_TH_SYN) != 0;
    k->ack = (fl & SW_TH_ACK) != 0;
    k->rst = (fl & SW_TH_RST) != 0;
    k->fin = (fl & SW_TH_FIN) != 0;
    k->plen = p->payload_wire_len > p->payload_len ? p->payload_wire_len : p->payload_len;
    k->seq = p->seq;
    uint32_t seq = k->seq, plen = k->plen;
    int syn = k->syn, ack = k->ack;
    uint32_t seg_len = plen + (uint32_t)syn + (uint32_t)k->fin;
    k->seg_len = seg_len;

    o->dir = dir;
    o->seg_len = seg_len;
    o->snd_nxt_before = s->snd_nxt;
    o->peer_snd_nxt = r->snd_nxt;
    o->peer_ack_max = s->ack_max;

    /* --- the receiver's window before this packet --- */
    int base_known = 1;
    uint32_t rcv_nxt = 0;
    if (r->ack_seen)
        rcv_nxt = r->ack_max;
    else if (s->nxt_known)
        rcv_nxt = s->snd_nxt;
    else
        base_known = 0;
    k->base_known = base_known;
    uint32_t rwnd = r->seen ? r->win : SW_TCP_MAX_WINDOW;
    uint32_t rwnd_max = r->seen ? r->win_max : SW_TCP_MAX_WINDOW;
    o->rcv_nxt = rcv_nxt;
    o->rcv_wnd = rwnd;
    o->rcv_wnd_max = rwnd_max;

    sw_seq_class sc;
    if (!base_known) {
        sc = SW_SEQ_UNKNOWN;
    } else if (seq == rcv_nxt) {
        sc = SW_SEQ_EXACT;
    } else if (SEQ_LT(seq, rcv_nxt)) {
        sc = (seg_len > 0 && SEQ_GT(seq + seg_len, rcv_nxt)) ? SW_SEQ_OLD_PARTIAL : SW_SEQ_OLD;
    } else if (SEQ_LT(seq, rcv_nxt + (rwnd ? rwnd : 1)) ||
               (seg_len == 0 && SEQ_LEQ(seq, rcv_nxt + rwnd))) {
        /* A segment without data exactly at the right edge is acceptable: a sender
         * whose data filled the window sends its ACKs from there (Linux accepts
         * seq <= rcv_nxt + window). */
        sc = SW_SEQ_IN_WINDOW;
    } else {
        sc = SW_SEQ_BEYOND;
    }
    k->sc = sc;
    o->seq_class = (uint8_t)sc;

    sw_ack_class ac;
    if (!ack)
        ac = SW_ACK_NONE;
    else if (!r->nxt_known)
        ac = SW_ACK_UNKNOWN;
    else if (SEQ_GT(p->ack, r->snd_nxt) &&
             !(r->hi_known && SEQ_LEQ(p->ack, r->seq_hi)))
        ac = SW_ACK_UNSENT;
    else if (end_has_isn(r) && SEQ_LEQ(p->ack, r->isn))
        ac = SW_ACK_OLD;               /* acknowledges nothing the other end sent */
    else if (s->ack_seen && SEQ_LT(p->ack, s->ack_max))
        ac = SW_ACK_OLD;
    else if (s->ack_seen && p->ack == s->ack_max)
        ac = SW_ACK_DUP;
    else
        ac = SW_ACK_OK;
    k->ac = ac;
    o->ack_class = (uint8_t)ac;

    /* --- deliverability --- */
    o->rcv_hops = (uint8_t)sw_tcp_end_hops(r);
    if (state_refuses(c, s, r, k, p->ack))
        o->verdict = SW_DELIV_STATE;
    else if (sc == SW_SEQ_BEYOND)
        o->verdict = SW_DELIV_WINDOW;
    else if (ttl_expires(s, r, p))
        o->verdict = SW_DELIV_TTL;
    else if (paws_rejects(c, s, r, p, seg_len))
        o->verdict = SW_DELIV_PAWS;
    else
        o->verdict = SW_DELIV_OK;

    /* --- hints --- */
    uint32_t raw_win = p->window;
    uint32_t adv_win = syn ? raw_win : (raw_win << s->wshift);
    k->adv_win = adv_win;
    if (s->nxt_known && seg_len > 0 && SEQ_LEQ(seq + seg_len, s->snd_nxt))
        o->hints |= SW_SEG_RETRANS;
    if (s->nxt_known && !(fl & (SW_TH_SYN | SW_TH_FIN | SW_TH_RST)) && plen <= 1 &&
        seq == s->snd_nxt - 1)
        o->hints |= SW_SEG_KEEPALIVE;
    if (base_known && r->seen && r->win == 0 && !(fl & (SW_TH_SYN | SW_TH_RST)) &&
        ((plen == 1 && seq == rcv_nxt) || (plen == 0 && seq == rcv_nxt - 1)))
        o->hints |= SW_SEG_ZWP;
    if (plen > 0 && (!s->nxt_known || SEQ_GT(seq + (uint32_t)syn + plen, s->snd_nxt)))
        o->hints |= SW_SEG_NEW_DATA;
    int pure_ack = ack && plen == 0 && !(fl & (SW_TH_SYN | SW_TH_FIN | SW_TH_RST));
    if (pure_ack)
        o->hints |= SW_SEG_PURE_ACK;
    if (pure_ack && s->seen && s->ack_seen && p->ack == s->ack_max && adv_win != s->win)
        o->hints |= SW_SEG_WIN_UPDATE;
    if (c->midstream)
        o->hints |= SW_SEG_MIDSTREAM;
    if (syn && end_syn_seen(s) && seq == s->isn &&
        ((ack && s->synack_seen) || (!ack && s->syn_seen)))
        o->hints |= SW_SEG_DUP_SYN;
    if (s->ttl_known && s->ttl_max > p->ttl && (unsigned)(s->ttl_max - p->ttl) > SW_TTL_DOUBT)
        o->hints |= SW_SEG_TTL_DOUBTFUL;

    /* A SYN is part of the handshake when it is this end's first SYN while the end
     * is still unsynchronized (NONE: anything it sent before, such as the bare ACK
     * of a split handshake, changed nothing at its peer), or when it repeats the
     * known ISN; a SYN with another ISN on a live connection is published and
     * otherwise ignored. */
    int hs_syn = 0;
    if (syn && !k->rst) {
        if (end_has_isn(s))
            hs_syn = seq == s->isn;            /* retransmission (or the missed SYN) */
        else
            hs_syn = !c->midstream && !c->reset && s->state == SW_TCPS_NONE;
    }
    k->hs_syn = hs_syn;
    k->accepted = o->verdict == SW_DELIV_OK && !(syn && !hs_syn);
}

/* The sender's identity marks and its highest byte seen (seq_hi). */
static void apply_sender(sw_tcp_end *s, const sw_packet *p, const tk_pkt *k)
{
    s->seen = 1;
    s->pkts++;
    s->last_us = p->ts_us;
    /* ttl_max learns from every packet: a forged one can only raise it, which makes
     * the TTL verdict more lenient, never stricter */
    if (!s->ttl_known) {
        s->ttl_base = p->ttl;
        s->ttl_max = p->ttl;
        s->ttl_known = 1;
    } else if (p->ttl > s->ttl_max) {
        s->ttl_max = p->ttl;
    }
    if (p->has_mac) {
        memcpy(s->mac, p->src_mac, 6);
        s->mac_known = 1;
    }
    if (k->syn && !k->hs_syn) {
        if (k->ack && s->synack_seen && k->seq != s->isn) {
            s->isn_alt = k->seq;        /* a SYN-ACK with another ISN: remembered */
            s->isn_alt_set = 1;
        }
        return;
    }
    /* seq_hi: the sender's highest byte seen, extended by undeliverable segments only
     * when they continue what it already sent (an isolated far segment is not
     * trusted): if the receiver then acknowledges them, it did take them */
    uint32_t hi = k->seq + k->seg_len;
    uint32_t top = s->hi_known ? s->seq_hi : s->snd_nxt;
    if (s->nxt_known && SEQ_GT(s->snd_nxt, top))
        top = s->snd_nxt;
    int extend = k->accepted || !(s->hi_known || s->nxt_known) || SEQ_LEQ(k->seq, top);
    if (extend && (!s->hi_known || SEQ_GT(hi, s->seq_hi))) {
        s->seq_hi = hi;
        s->hi_known = 1;
    }
}

/* A handshake SYN or SYN-ACK: options, ISN and the handshake states. */
static void apply_syn(sw_tcp_conn *c, sw_tcp_end *s, sw_tcp_end *r, const sw_packet *p,
                      const tk_pkt *k)
{
    if (!end_syn_seen(s)) {
        s->isn = k->seq;
        s->isn_inferred = 0;
        s->has_wscale = p->opt.has_wscale;
        s->wscale = p->opt.wscale > 14 ? 14 : p->opt.wscale;
        s->sack_perm = p->opt.sack_perm;
        s->ts_syn = p->opt.has_ts;
        if (p->opt.has_mss)
            s->mss = p->opt.mss;
    }
    s->isn_known = 1;
    if (k->ack)
        s->synack_seen = 1;
    else
        s->syn_seen = 1;
    recompute_scale(c);
    if (c->reset)
        return;
    if (!k->ack) {
        if (r->state == SW_TCPS_SYN_SENT && !r->synack_seen && s->state == SW_TCPS_NONE) {
            c->simultaneous_open = 1;   /* SYNs crossed */
            set_state(r, SW_TCPS_SYN_RCVD);
        }
        if (s->state == SW_TCPS_NONE)
            set_state(s, SW_TCPS_SYN_SENT);
    } else if (s->state == SW_TCPS_NONE || s->state == SW_TCPS_SYN_SENT) {
        set_state(s, SW_TCPS_SYN_RCVD);
    }
}

/* The ACK of an accepted segment: what the sender has received. */
static void apply_ack(sw_tcp_conn *c, sw_tcp_end *s, sw_tcp_end *r, const sw_packet *p,
                      const tk_pkt *k)
{
    sw_ack_class ac = k->ac;
    if (!(k->ack && k->accepted && (ac == SW_ACK_OK || ac == SW_ACK_UNKNOWN || ac == SW_ACK_DUP)))
        return;
    if (ac != SW_ACK_DUP && (!s->ack_seen || SEQ_GT(p->ack, s->ack_max)))
        s->ack_max = p->ack;
    if (ac == SW_ACK_OK && SEQ_GT(p->ack, r->snd_nxt)) {
        /* it acknowledges bytes the other end sent in a segment classified BEYOND
         * our (stale) view of the window, or judged undeliverable: the receiver
         * took them, so do we */
        r->snd_nxt = p->ack;
    }
    s->ack_seen = 1;
    if (c->reset)
        return;
    if (s->state == SW_TCPS_SYN_SENT && !k->syn) {
        /* it acknowledges the other end's SYN: the SYN-ACK was missed */
        set_state(s, SW_TCPS_ESTABLISHED);
        if (r->state == SW_TCPS_NONE) {
            r->isn = p->ack - 1;
            r->isn_inferred = 1;
            if (!r->nxt_known) {
                r->snd_nxt = p->ack;
                r->nxt_known = 1;
            }
            set_state(r, SW_TCPS_SYN_RCVD);
        }
    }
    int acks_syn = end_has_isn(r) && SEQ_GT(p->ack, r->isn);
    if ((r->state == SW_TCPS_SYN_SENT && k->syn && acks_syn) ||
        (r->state == SW_TCPS_SYN_RCVD && acks_syn))
        set_state(r, SW_TCPS_ESTABLISHED);
    if (r->fin_sent && SEQ_GEQ(p->ack, r->fin_seq + 1)) {
        if (r->state == SW_TCPS_FIN_WAIT_1)
            set_state(r, SW_TCPS_FIN_WAIT_2);
        else if (r->state == SW_TCPS_CLOSING)
            set_state(r, SW_TCPS_TIME_WAIT);
        else if (r->state == SW_TCPS_LAST_ACK)
            set_state(r, SW_TCPS_CLOSED);
    }
}

/* One-sided capture: nothing of the other end was seen, but this end (in SYN_RCVD:
 * it sent a SYN-ACK) acknowledges more than the other end's SYN. An end accepts data
 * or a FIN only once synchronized, so it is ESTABLISHED: the other end's ACK of its
 * SYN went past the sensor. */
static void apply_one_sided(sw_tcp_conn *c, sw_tcp_end *s, const sw_tcp_end *r,
                            const sw_packet *p, const tk_pkt *k)
{
    if (k->ack && !k->syn && !k->rst && !c->reset && k->accepted &&
        s->state == SW_TCPS_SYN_RCVD && !r->seen && end_has_isn(r) &&
        SEQ_GT(p->ack, r->isn + 1))
        set_state(s, SW_TCPS_ESTABLISHED);
}

/* An accepted segment's sequence range, window and timestamps. */
static void apply_seq(sw_tcp_end *s, const sw_tcp_end *r, const sw_packet *p, const tk_pkt *k)
{
    uint32_t seq = k->seq, end = seq + k->seg_len;
    if (!s->nxt_known) {
        /* first baseline of this end (midstream): not below what the other end
         * already acknowledged of it */
        if (!end_has_isn(s))
            s->isn = seq;
        s->snd_nxt = end;
        if (r->ack_seen && SEQ_GT(r->ack_max, end))
            s->snd_nxt = r->ack_max;
        s->nxt_known = 1;
    } else if (SEQ_GT(end, s->snd_nxt)) {
        s->snd_nxt = end;
    }
    if (k->plen > 0)
        s->data_seen = 1;
    /* RFC 9293 3.10.7.4: take the window only from a segment at least as new as the
     * one that last set it (SND.WL1 / SND.WL2), so an older segment delivered after a
     * window update cannot shrink the window back. */
    uint32_t wack = k->ack ? p->ack : s->wnd_ack;
    sw_ack_class ac = k->ac;
    int ack_usable = !k->ack || ac == SW_ACK_OK || ac == SW_ACK_DUP || ac == SW_ACK_UNKNOWN;
    if (ack_usable && (!s->win_set || SEQ_GT(seq, s->wnd_seq) ||
                       (seq == s->wnd_seq && SEQ_GEQ(wack, s->wnd_ack)))) {
        s->win = k->adv_win;
        s->wnd_seq = seq;
        s->wnd_ack = wack;
        s->win_set = 1;
    }
    if (k->adv_win > s->win_max)
        s->win_max = k->adv_win;
    if (p->opt.has_ts) {
        s->tsval_last = p->opt.tsval;
        s->tsecr_last = p->opt.tsecr;
        if (!s->ts_seen || SEQ_GT(p->opt.tsval, s->tsval_max)) {
            s->tsval_max = p->opt.tsval;
            s->tsval_ts_us = p->ts_us;
        }
        s->ts_seen = 1;
        /* TS.Recent (RFC 7323 4.3): from a segment that starts at or below the
         * receiver's last ACK (Linux: !after(seq, rcv_wup)); a SYN sets it too */
        if (k->syn || !k->base_known || k->sc == SW_SEQ_EXACT || k->sc == SW_SEQ_OLD ||
            k->sc == SW_SEQ_OLD_PARTIAL) {
            s->ts_recent = p->opt.tsval;
            s->ts_recent_set = 1;
        }
    }
}

/* An accepted segment's FIN. */
static void apply_fin(sw_tcp_conn *c, sw_tcp_end *s, sw_tcp_end *r, const tk_pkt *k)
{
    if (!k->fin || s->fin_sent || c->reset)
        return;
    s->fin_sent = 1;
    s->fin_seq = k->seq + (uint32_t)k->syn + k->plen;
    switch (s->state) {
    case SW_TCPS_ESTABLISHED:
    case SW_TCPS_SYN_RCVD:
        set_state(s, SW_TCPS_FIN_WAIT_1);
        break;
    case SW_TCPS_CLOSE_WAIT:
        /* Its ACK tells whether it had received the peer's FIN when it sent its own:
         * if not, the FINs crossed (simultaneous close). */
        if (r->fin_sent && s->ack_seen && SEQ_GEQ(s->ack_max, r->fin_seq + 1))
            set_state(s, SW_TCPS_LAST_ACK);
        else
            set_state(s, SW_TCPS_CLOSING);
        break;
    default:
        break;
    }
    switch (r->state) {
    case SW_TCPS_ESTABLISHED:
    case SW_TCPS_SYN_RCVD:
        set_state(r, SW_TCPS_CLOSE_WAIT);
        break;
    case SW_TCPS_FIN_WAIT_1:
        set_state(r, SW_TCPS_CLOSING);
        break;
    case SW_TCPS_FIN_WAIT_2:
        set_state(r, SW_TCPS_TIME_WAIT);
        break;
    default:
        break;
    }
    if (r->fin_sent)
        c->closed = 1;
}

/* An RST the receiver would accept resets the connection. An undeliverable copy
 * (TTL) resets nothing; PAWS does not apply to an RST (RFC 7323 5.3). */
static void apply_rst(sw_tcp_conn *c, sw_tcp_end *s, sw_tcp_end *r, const sw_packet *p,
                      const tk_pkt *k, const sw_pkt_obs *o, sw_tcp_result *res)
{
    if (!k->rst || c->reset)
        return;
    if (o->verdict == SW_DELIV_TTL || o->verdict == SW_DELIV_CHECKSUM)
        return;
    int ok;
    sw_seq_class sc = k->sc;
    if (r->state == SW_TCPS_SYN_SENT)
        ok = k->ack && end_has_isn(r) && SEQ_GT(p->ack, r->isn) && SEQ_LEQ(p->ack, r->snd_nxt);
    else
        ok = sc == SW_SEQ_EXACT || sc == SW_SEQ_IN_WINDOW || sc == SW_SEQ_UNKNOWN;
    if (!ok)
        return;
    res->rst_accepted = 1;
    c->reset = 1;
    s->rst_sent = 1;
    set_state(s, SW_TCPS_CLOSED);
    set_state(r, SW_TCPS_CLOSED);
}

static void collect_transitions(sw_tcp_conn *c, const uint8_t before[2], sw_tcp_result *res)
{
    if (!c->handshake_done && !c->midstream && !c->reset &&
        c->end[0].state >= SW_TCPS_ESTABLISHED && c->end[0].state != SW_TCPS_CLOSED &&
        c->end[1].state >= SW_TCPS_ESTABLISHED && c->end[1].state != SW_TCPS_CLOSED) {
        c->handshake_done = 1;
        res->handshake_completed = 1;
    }
    for (int e = 0; e < 2; e++) {
        if (c->end[e].state != before[e]) {
            res->tr[res->ntr].end = (uint8_t)e;
            res->tr[res->ntr].from = before[e];
            res->tr[res->ntr].to = c->end[e].state;
            res->ntr++;
        }
    }
}

/* A SYN-ACK re-sent with another ISN, and the client acknowledges that one: the
 * client took it (the first never reached it, or was a forgery that lost the race
 * at the client), so the server's sequence space follows the ISN the client
 * acknowledged. Only while the client has acknowledged nothing else and no data of
 * the server was taken. Runs before classify, which then judges the ACK against it. */
static int apply_isn_switch(sw_tcp_conn *c, int dir, const sw_packet *p)
{
    sw_tcp_end *s = &c->end[dir], *r = &c->end[1 - dir];
    if ((p->flags & (SW_TH_ACK | SW_TH_SYN | SW_TH_RST)) != SW_TH_ACK || c->reset)
        return 0;
    if (!r->isn_alt_set || !r->synack_seen || r->data_seen || s->ack_seen)
        return 0;
    if (p->ack != r->isn_alt + 1 || p->ack == r->isn + 1)
        return 0;
    r->isn = r->isn_alt;
    r->snd_nxt = r->isn + 1;
    r->seq_hi = r->snd_nxt;
    r->isn_alt_set = 0;
    return 1;
}

void sw_tcp_track_packet(sw_tcp_conn *c, const sw_packet *p, int src_ep,
                         sw_pkt_obs *o, sw_tcp_result *res)
{
    memset(res, 0, sizeof *res);
    const sw_packet *keep_pkt = o->pkt;
    const sw_flow *keep_flow = o->flow;
    memset(o, 0, sizeof *o);
    o->pkt = keep_pkt;
    o->flow = keep_flow;

    o->state_before[0] = c->end[0].state;
    o->state_before[1] = c->end[1].state;
    uint8_t before[2] = { c->end[0].state, c->end[1].state };
    if (!sw_tcp_track_used(c))
        o->hints |= init_conn(c, p, src_ep);

    int dir = (src_ep == c->client_ep) ? 0 : 1;
    res->isn_switched = (uint8_t)apply_isn_switch(c, dir, p);
    tk_pkt k;
    classify(c, p, dir, o, &k);
    res->accepted = (uint8_t)k.accepted;

    sw_tcp_end *s = &c->end[dir], *r = &c->end[1 - dir];
    apply_sender(s, p, &k);
    if (k.hs_syn)
        apply_syn(c, s, r, p, &k);
    apply_ack(c, s, r, p, &k);
    apply_one_sided(c, s, r, p, &k);
    if (k.accepted) {
        apply_seq(s, r, p, &k);
        apply_fin(c, s, r, &k);
    }
    apply_rst(c, s, r, p, &k, o, res);
    collect_transitions(c, before, res);
}
