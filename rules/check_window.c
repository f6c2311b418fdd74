/*
 * check_window.c — sequence and acknowledgement space: seq_out_of_window,
 * data_beyond_window, ack_unsent_data.
 *
 * Sensor loss is not an attack. Where the sensor may simply have missed packets
 * (an ACK or window update of the receiver, data of the other side), the check
 * waits for the next packet that settles it, and drops the suspicion when that
 * packet shows the segment was acceptable after all:
 *  - a segment beyond the receiver's right edge waits for the receiver's next ACK:
 *    the receiver's ACKs only grow, and a sender cannot have been offered more than
 *    that ACK plus its window; if the receiver acknowledges the bytes, or its window
 *    covers them, the sensor had missed an update and nothing is said;
 *  - an ACK of bytes the other side was not seen sending waits for that side: if its
 *    next segments reach the acknowledged number, the sensor had missed them.
 * Old segments are judged against the receiver's own ACK (which the sensor saw), with
 * the largest window it ever offered as the bound for legitimate retransmissions,
 * keepalives and zero-window probes.
 *
 * Invariants: at most one pending judgement per kind and direction (a burst of
 * segments adds to its count); nothing is judged without a baseline for the receiver
 * (midstream pickup, a direction never seen).
 */
#include <string.h>

#include "rules/ck_families.h"
#include "rules/ck_event.h"
#include "rules/ck_emit.h"
#include "rules/ck_pend.h"
#include "rules/ck_spray.h"
#include "rules/fingerprint_cmp.h"

enum { WK_BEYOND = 1, WK_DBW, WK_ACK };

/* ------------------------------------------------------- seq_out_of_window -- */

/* u.beyond: seq, end, right edge at the trigger, segs (count), probe (probe-sized) */
static int resolve_beyond(sw_checks *c, ck_flow *fs, const sw_flow *f, ck_pend *pd, const sw_pkt_obs *o)
{
    (void)c; (void)fs;
    if (!o)
        return CK_DROP;           /* the receiver never answered: loss not ruled out */
    const sw_packet *p = o->pkt;
    if (o->dir == pd->dir || !(p->flags & SW_TH_ACK) || (p->flags & (SW_TH_RST | SW_TH_SYN)))
        return CK_KEEP;
    if (SEQ_GT(p->ack, pd->u.beyond.seq))
        return CK_DROP;           /* it took the bytes: the sensor had missed its window */
    uint32_t edge = p->ack + ck_win(f, p, o->dir);
    if (SEQ_GT(pd->u.beyond.edge, edge))
        edge = pd->u.beyond.edge;
    if (SEQ_LT(pd->u.beyond.seq, edge) || (pd->u.beyond.seq == edge && pd->u.beyond.probe))
        return CK_DROP;           /* its window covers it after all */
    ck_ev_u(&pd->ev, "receiver_ack_after", p->ack);
    ck_ev_u(&pd->ev, "receiver_window_after", ck_win(f, p, o->dir));
    ck_ev_u(&pd->ev, "segments", pd->u.beyond.segs);
    ck_ruled_out(&pd->ev, "sensor_loss", NULL);
    return CK_EMIT;
}

/* u.beyond: seq, data end, edge at the trigger, segs (count) */
static int resolve_dbw(sw_checks *c, ck_flow *fs, const sw_flow *f, ck_pend *pd, const sw_pkt_obs *o)
{
    (void)c; (void)fs;
    if (!o)
        return CK_DROP;
    const sw_packet *p = o->pkt;
    if (o->dir == pd->dir || !(p->flags & SW_TH_ACK) || (p->flags & (SW_TH_RST | SW_TH_SYN)))
        return CK_KEEP;
    if (SEQ_GEQ(p->ack, pd->u.beyond.end))
        return CK_DROP;
    uint32_t edge = p->ack + ck_win(f, p, o->dir);
    if (SEQ_GT(pd->u.beyond.edge, edge))
        edge = pd->u.beyond.edge;
    if (SEQ_LEQ(pd->u.beyond.end, edge))
        return CK_DROP;
    ck_ev_u(&pd->ev, "receiver_ack_after", p->ack);
    ck_ev_u(&pd->ev, "receiver_window_after", ck_win(f, p, o->dir));
    ck_ev_u(&pd->ev, "segments", pd->u.beyond.segs);
    ck_ruled_out(&pd->ev, "sensor_loss", NULL);
    return CK_EMIT;
}

static void window_evidence(sw_event *ev, const sw_pkt_obs *o, uint32_t w, uint32_t edge)
{
    const sw_packet *p = o->pkt;
    ck_ev_u(ev, "seq", p->seq);
    ck_ev_u(ev, "len", ck_payload(p));
    ck_ev_b(ev, "fin", (p->flags & SW_TH_FIN) != 0);
    ck_ev_u(ev, "rcv_nxt", o->rcv_nxt);
    ck_ev_u(ev, "rcv_wnd", o->rcv_wnd);
    ck_ev_u(ev, "rcv_wnd_max", w);
    ck_ev_u(ev, "window_left", o->rcv_nxt);
    ck_ev_u(ev, "window_right", edge);
    ck_ev_u(ev, "sender_snd_nxt", o->snd_nxt_before);
}

/* Sender-consistent: the segment lies near the sender's own stream position, as its
 * own data would (used to keep the sender's real traffic out of blind_spray). */
static int sender_consistent(const sw_pkt_obs *o, uint32_t w)
{
    return SEQ_IN(o->pkt->seq, o->snd_nxt_before - w, o->snd_nxt_before + w + 1);
}

/* The segment cannot be its endpoint's own falling out of sync: a foreign
 * fingerprint, the negotiated timestamps missing, or far from the sender's own
 * position beyond the window (a blind guess; before the window, a far position may be
 * the real end in a sequence space the tracker does not hold). Such a
 * seq_out_of_window is no takeover link. */
static int not_real_endpoint(const ck_flow *fs, const sw_flow *f, const sw_pkt_obs *o, uint32_t w,
                             int beyond)
{
    uint32_t marks = ck_fp_diff(fs, f, o);
    return ck_fp_foreign(marks) || (marks & CK_FP_TS_MISSING) ||
           (beyond && !sender_consistent(o, w));
}

static void oow_checks(sw_checks *c, ck_flow *fs, const sw_flow *f, const sw_pkt_obs *o)
{
    const sw_packet *p = o->pkt;
    int s = o->dir;
    uint32_t plen = ck_payload(p);
    int fin = (p->flags & SW_TH_FIN) != 0;
    if (o->hints & (SW_SEG_KEEPALIVE | SW_SEG_ZWP))
        return;
    uint32_t seq = p->seq, end = seq + o->seg_len;
    uint32_t w = ck_rwnd_max(fs, o);
    uint32_t edge = ck_redge(fs, o);

    if (SEQ_LT(seq, o->rcv_nxt)) {
        /* old: a retransmission or old duplicate stays within the largest window the
         * receiver ever offered (the sender's unacknowledged bytes never exceed it) */
        if (!SEQ_LEQ(end, o->rcv_nxt) || !SEQ_LT(seq, o->rcv_nxt - w - 1u))
            return;
        if (!sender_consistent(o, w))
            ck_spray_count(c, fs, f, o, "data");
        sw_event ev;
        if (ck_event_begin(c, fs, f, p, s, SW_EV_SEQ_OUT_OF_WINDOW, &ev) == 0) {
            window_evidence(&ev, o, w, edge);
            if (not_real_endpoint(fs, f, o, w, 0))
                ck_ev_b(&ev, "sender_foreign", 1);   /* not the real endpoint's: no escalation */
            ck_ev_s(&ev, "position", "before_window");
            ck_ev_u(&ev, "bytes_before_window", (uint32_t)(o->rcv_nxt - end));
            ck_ev_u(&ev, "oldest_legitimate_seq", o->rcv_nxt - w - 1u);
            ck_ruled_out(&ev, "retransmission", "old_duplicate", "keepalive",
                         "zero_window_probe", NULL);
            ck_emit(c, fs, f, &ev);
        }
        return;
    }

    if (SEQ_GEQ(seq, edge)) {
        int probe = plen <= 1 && !fin;
        if (seq == edge && probe)
            return;                           /* window probe at the right edge */
        if (!sender_consistent(o, w))
            ck_spray_count(c, fs, f, o, "data");
        ck_pend *pd = ck_pend_find(fs, resolve_beyond, s);
        if (pd) {
            pd->u.beyond.segs++;
            return;
        }
        pd = ck_pend_add(c, fs, f, resolve_beyond, WK_BEYOND, s, p->ts_us,
                         p->ts_us + CK_RESPONSE_US, o);
        if (!pd)
            return;
        pd->u.beyond.seq = seq;
        pd->u.beyond.end = end;
        pd->u.beyond.edge = edge;
        pd->u.beyond.segs = 1;
        pd->u.beyond.probe = (uint8_t)probe;
        if (ck_event_begin(c, fs, f, p, s, SW_EV_SEQ_OUT_OF_WINDOW, &pd->ev) == 0) {
            window_evidence(&pd->ev, o, w, edge);
            if (not_real_endpoint(fs, f, o, w, 1))
                ck_ev_b(&pd->ev, "sender_foreign", 1);
            ck_ev_s(&pd->ev, "position", "beyond_window");
            ck_ev_u(&pd->ev, "bytes_beyond_right_edge", (uint32_t)(seq - edge));
            ck_ruled_out(&pd->ev, "keepalive", "zero_window_probe", "window_shrink", NULL);
        }
        return;
    }

    if (plen > 0 && SEQ_GT(seq + plen, edge)) {
        ck_pend *pd = ck_pend_find(fs, resolve_dbw, s);
        if (pd) {
            pd->u.beyond.segs++;
            return;
        }
        pd = ck_pend_add(c, fs, f, resolve_dbw, WK_DBW, s, p->ts_us,
                         p->ts_us + CK_RESPONSE_US, o);
        if (!pd)
            return;
        pd->u.beyond.seq = seq;
        pd->u.beyond.end = seq + plen;
        pd->u.beyond.edge = edge;
        pd->u.beyond.segs = 1;
        if (ck_event_begin(c, fs, f, p, s, SW_EV_DATA_BEYOND_WINDOW, &pd->ev) == 0) {
            window_evidence(&pd->ev, o, w, edge);
            ck_ev_u(&pd->ev, "bytes_past_right_edge", (uint32_t)(seq + plen - edge));
            ck_ruled_out(&pd->ev, "zero_window_probe", "window_shrink", NULL);
        }
    }
}

/* ---------------------------------------------------------- ack_unsent_data -- */

/* u.unsent: ack, the other side's snd_nxt at the trigger, acks (count). Confirmed when the
 * other side is seen again below the ACK and nothing of it reaches the ACK before
 * the deadline; at once when it answers with a challenge ACK. */
static int resolve_ack(sw_checks *c, ck_flow *fs, const sw_flow *f, ck_pend *pd, const sw_pkt_obs *o)
{
    (void)c; (void)f;
    if (!o) {
        fs->d[pd->dir].ack_unsent_on = 0;
        if (!pd->confirmed)
            return CK_DROP;
        ck_ev_u(&pd->ev, "acks", pd->u.unsent.acks);
        return CK_EMIT;
    }
    if (o->dir == pd->dir)
        return CK_KEEP;
    const sw_packet *p = o->pkt;
    if (p->flags & (SW_TH_SYN | SW_TH_RST))
        return CK_KEEP;
    uint32_t end = p->seq + o->seg_len;
    if (SEQ_GEQ(end, pd->u.unsent.ack) || SEQ_GEQ(p->seq, pd->u.unsent.ack)) {
        fs->d[pd->dir].ack_unsent_on = 0;
        return CK_DROP;           /* its bytes were there: the sensor had missed them */
    }
    if (!pd->confirmed) {
        pd->confirmed = 1;
        ck_ev_o(&pd->ev, "other_side_after", ck_pkt_json(f, p, o->dir));
    }
    if (ck_ev_live(&pd->chal)) {
        fs->d[pd->dir].ack_unsent_on = 0;
        ck_ev_u(&pd->ev, "acks", pd->u.unsent.acks);
        return CK_EMIT;
    }
    return CK_KEEP;
}

static void ack_unsent(sw_checks *c, ck_flow *fs, const sw_flow *f, const sw_pkt_obs *o)
{
    const sw_packet *p = o->pkt;
    int s = o->dir, r = 1 - s;
    const sw_tcp_end *re = &f->conn.end[r];
    if (o->ack_class != SW_ACK_UNSENT || !re->seen)
        return;
    if (fs->d[s].ack_unsent_on) {
        ck_pend *pd = ck_pend_find(fs, resolve_ack, s);
        if (pd) {
            pd->u.unsent.acks++;
            return;
        }
    }
    ck_pend *pd = ck_pend_add(c, fs, f, resolve_ack, WK_ACK, s, p->ts_us,
                              p->ts_us + CK_RESPONSE_US, o);
    if (!pd)
        return;
    fs->d[s].ack_unsent_on = 1;
    pd->flags |= CK_PF_CHALLENGE;
    pd->u.unsent.ack = p->ack;
    pd->u.unsent.peer_nxt = o->peer_snd_nxt;
    pd->u.unsent.acks = 1;
    if (ck_event_begin(c, fs, f, p, s, SW_EV_ACK_UNSENT_DATA, &pd->ev) == 0) {
        ck_ev_u(&pd->ev, "ack", p->ack);
        ck_ev_u(&pd->ev, "other_side_snd_nxt", o->peer_snd_nxt);
        ck_ev_u(&pd->ev, "bytes_never_sent", (uint32_t)(p->ack - o->peer_snd_nxt));
        ck_ev_u(&pd->ev, "previous_ack", o->peer_ack_max);
        ck_ev_u(&pd->ev, "seq", p->seq);
        ck_ev_u(&pd->ev, "len", ck_payload(p));
        ck_ruled_out(&pd->ev, "sensor_loss", "reordering", "asymmetric_capture", NULL);
    }
}

/* ------------------------------------------------------------------- entry -- */

void ck_window_packet(sw_checks *c, ck_flow *fs, const sw_flow *f, const sw_pkt_obs *o)
{
    const sw_packet *p = o->pkt;
    int s = o->dir, r = 1 - s;
    if (p->flags & (SW_TH_SYN | SW_TH_RST))
        return;
    if (o->seq_class == SW_SEQ_UNKNOWN || !f->conn.end[r].seen || f->conn.reset || fs->confused)
        return;
    if (!ck_synced(o->state_before[r]) || !ck_synced(o->state_before[s]))
        return;
    if (ck_payload(p) > 0 || (p->flags & SW_TH_FIN))
        oow_checks(c, fs, f, o);
    if (p->flags & SW_TH_ACK)
        ack_unsent(c, fs, f, o);
}
