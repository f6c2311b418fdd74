/*
 * check_reset.c — connection teardown: rst_injection, rst_out_of_window,
 * fin_injection (blind_spray, which these checks feed, is check_spray.c).
 *
 * A real stack resets from where it stands: its RST carries its own next sequence
 * number (snd_nxt), or the acknowledgement number of the segment it answers (the
 * receiver's rcv_nxt). That is the application abort and the RST after FIN, and it
 * is never reported by itself. An RST inside the window at any other number is the
 * RFC 5961 blind reset; when it lies past what the sensor saw its sender send, the
 * sensor may have missed bytes, so it waits for corroboration (the receiver's
 * challenge ACK, or the "resetting" side going on sending). An exact RST is watched:
 * if its side keeps sending afterwards (new data past the reset point, or anything
 * once reordering is ruled out), it did not send the RST.
 *
 * During the handshake (the RST's receiver in SYN_SENT or SYN_RCVD): an RST the
 * receiver accepts (SYN_SENT: its ACK acknowledges the SYN; SYN_RCVD: in window) is
 * watched too — its side answering the handshake afterwards (a SYN-ACK, the ACK of
 * the SYN-ACK, data) proves it did not send it: rst_injection, position "handshake".
 * One the receiver rejects is rst_out_of_window, position "handshake" (a real stack
 * never sends one: it answers a SYN with an RST acknowledging it).
 *
 * Invariants: one RST watch per flow (the first accepted RST of the instance), held
 * in the flow state, no allocation; at most one pending out-of-window judgement per
 * direction; one fin_injection per direction and instance; one blind_spray per burst.
 */
#include <string.h>

#include "rules/ck_families.h"
#include "rules/ck_event.h"
#include "rules/ck_emit.h"
#include "rules/ck_pend.h"
#include "rules/ck_spray.h"

enum { RK_INWIN = 1, RK_BEYOND };

/* ------------------------------------------------------------ in-window RST -- */

/* u.rst_in: the RST seq, corroborate: it needs corroboration. */
static int resolve_inwin(sw_checks *c, ck_flow *fs, const sw_flow *f, ck_pend *pd, const sw_pkt_obs *o)
{
    (void)c; (void)fs;
    if (!o)
        return (!pd->u.rst_in.corroborate || pd->confirmed) ? CK_EMIT : CK_DROP;
    const sw_packet *p = o->pkt;
    if (o->dir == pd->dir) {
        if (p->flags & SW_TH_SYN)
            return pd->u.rst_in.corroborate ? CK_DROP : CK_EMIT;
        if (!(p->flags & SW_TH_RST) &&
            (SEQ_GT(p->seq + o->seg_len, pd->u.rst_in.seq) || ck_dt(p->ts_us, pd->ts_us) >= CK_RST_ALIVE_US)) {
            pd->confirmed = 1;
            ck_ev_o(&pd->ev, "sender_continued", ck_pkt_json(f, p, o->dir));
            ck_ruled_out(&pd->ev, "sensor_loss", NULL);
            return CK_EMIT;
        }
        return CK_KEEP;
    }
    if (ck_ev_live(&pd->chal)) {
        pd->confirmed = 1;
        ck_ruled_out(&pd->ev, "sensor_loss", NULL);
        return CK_EMIT;
    }
    if (!pd->u.rst_in.corroborate && pd->after[o->dir] >= 2)
        return CK_EMIT;
    return CK_KEEP;
}

/* u.rst_out: the RST seq and the edge at the trigger. Confirmed when the receiver goes on with
 * the connection and its window still excludes the RST, or by a second one. */
static int resolve_beyond(sw_checks *c, ck_flow *fs, const sw_flow *f, ck_pend *pd, const sw_pkt_obs *o)
{
    (void)c; (void)fs;
    if (!o)
        return pd->confirmed ? CK_EMIT : CK_DROP;
    if (pd->confirmed)
        return CK_EMIT;
    const sw_packet *p = o->pkt;
    if (o->dir == pd->dir || !(p->flags & SW_TH_ACK) || (p->flags & (SW_TH_RST | SW_TH_SYN)))
        return CK_KEEP;
    if (SEQ_GT(p->ack, pd->u.rst_out.seq))
        return CK_DROP;
    uint32_t edge = p->ack + ck_win(f, p, o->dir);
    if (SEQ_GT(pd->u.rst_out.edge, edge))
        edge = pd->u.rst_out.edge;
    if (SEQ_LT(pd->u.rst_out.seq, edge))
        return CK_DROP;
    ck_ev_u(&pd->ev, "receiver_ack_after", p->ack);
    ck_ev_u(&pd->ev, "receiver_window_after", ck_win(f, p, o->dir));
    ck_ev_s(&pd->ev, "confirmed_by", "the receiver went on with the connection");
    ck_ruled_out(&pd->ev, "sensor_loss", NULL);
    return CK_EMIT;
}

static void rst_evidence(sw_event *ev, ck_flow *fs, const sw_pkt_obs *o, uint32_t edge)
{
    const sw_packet *p = o->pkt;
    ck_ev_u(ev, "rst_seq", p->seq);
    ck_ev_u(ev, "rcv_nxt", o->rcv_nxt);
    ck_ev_u(ev, "rcv_wnd", o->rcv_wnd);
    ck_ev_u(ev, "window_right", edge);
    ck_ev_u(ev, "sender_snd_nxt", o->snd_nxt_before);
    ck_ev_i(ev, "offset_from_rcv_nxt", (int32_t)(p->seq - o->rcv_nxt));
    ck_ev_u(ev, "ttl", p->ttl);
    if (fs->d[o->dir].ttl_n)
        ck_ev_u(ev, "sender_ttl_baseline", fs->d[o->dir].ttl_base);
    if (p->opt.has_ts) {
        ck_ev_u(ev, "tsval", p->opt.tsval);
        ck_ev_u(ev, "tsecr", p->opt.tsecr);
    }
    if (p->flags & SW_TH_ACK)
        ck_ev_u(ev, "ack", p->ack);
}

/* An RST to an end in SYN_SENT or SYN_RCVD (below). */
static void handshake_rst(sw_checks *c, ck_flow *fs, const sw_flow *f, const sw_pkt_obs *o);

static void rst_checks(sw_checks *c, ck_flow *fs, const sw_flow *f, const sw_pkt_obs *o)
{
    const sw_packet *p = o->pkt;
    int s = o->dir, r = 1 - s;
    if ((o->state_before[r] == SW_TCPS_SYN_SENT || o->state_before[r] == SW_TCPS_SYN_RCVD) &&
        !f->conn.midstream) {
        handshake_rst(c, fs, f, o);
        return;
    }
    if (o->seq_class == SW_SEQ_UNKNOWN || !ck_synced(o->state_before[r]))
        return;
    uint32_t seq = p->seq;
    const ck_dir *sd = &fs->d[s];
    int exact = seq == o->rcv_nxt || seq == o->snd_nxt_before ||
                (sd->fin_on && (seq == sd->fin_seq || seq == sd->fin_seq + 1));
    uint32_t w = ck_rwnd_max(fs, o);
    uint32_t edge = ck_redge(fs, o);
    uint32_t right = edge == o->rcv_nxt ? o->rcv_nxt + 1 : edge;

    if (exact) {
        /* the application abort / RST after FIN; watch whether its side goes on */
        if (!fs->rstw_us) {
            fs->rstw_us = p->ts_us;
            fs->rstw_seq = seq;
            fs->rstw_nxt = o->snd_nxt_before;
            fs->rstw_rcv = o->rcv_nxt;
            fs->rstw_dir = (uint8_t)s;
            fs->rstw_flags = p->flags;
            fs->rstw_ttl = p->ttl;
        }
        return;
    }

    if (SEQ_GEQ(seq, o->rcv_nxt) && SEQ_LT(seq, right)) {
        /* in the window, not at the exact number: RFC 5961 blind reset */
        int loss = SEQ_GT(seq, o->snd_nxt_before);
        ck_pend *pd = ck_pend_add(c, fs, f, resolve_inwin, RK_INWIN, s, p->ts_us,
                                  p->ts_us + (loss ? CK_WATCH_US : CK_RESPONSE_US), o);
        if (!pd)
            return;
        pd->flags |= CK_PF_CHALLENGE;
        pd->u.rst_in.seq = seq;
        pd->u.rst_in.corroborate = (uint8_t)loss;
        if (ck_event_begin(c, fs, f, p, s, SW_EV_RST_INJECTION, &pd->ev) == 0) {
            rst_evidence(&pd->ev, fs, o, edge);
            ck_ev_s(&pd->ev, "position", "in_window_not_exact");
            ck_ev_u(&pd->ev, "expected_seq", o->rcv_nxt);
            ck_ruled_out(&pd->ev, "application_abort", "rst_after_fin", NULL);
            if (!loss)
                ck_ruled_out(&pd->ev, "sensor_loss", NULL);
        }
        return;
    }

    /* outside the window */
    if (SEQ_LT(seq, o->rcv_nxt)) {
        /* an RST answering an old segment carries that segment's (old) ACK: it stays
         * within the largest window; anything older is not an answer */
        if (!SEQ_LT(seq, o->rcv_nxt - w - 1u))
            return;
        ck_spray_count(c, fs, f, o, "rst");
        sw_event ev;
        if (ck_event_begin(c, fs, f, p, s, SW_EV_RST_OUT_OF_WINDOW, &ev) == 0) {
            rst_evidence(&ev, fs, o, edge);
            ck_ev_s(&ev, "position", "before_window");
            ck_ev_u(&ev, "oldest_legitimate_seq", o->rcv_nxt - w - 1u);
            ck_ruled_out(&ev, "rst_answering_old_segment", "application_abort", NULL);
            ck_emit(c, fs, f, &ev);
        }
        return;
    }
    if (!SEQ_IN(seq, o->snd_nxt_before - w, o->snd_nxt_before + w + 1))
        ck_spray_count(c, fs, f, o, "rst");
    if (fs->rst_beyond_n < UINT8_MAX)
        fs->rst_beyond_n++;
    ck_pend *prev = ck_pend_find(fs, resolve_beyond, s);
    if (prev)
        prev->confirmed = 1;      /* a stack resets once: two such RSTs are not loss */
    ck_pend *pd = ck_pend_add(c, fs, f, resolve_beyond, RK_BEYOND, s, p->ts_us,
                              p->ts_us + CK_WATCH_US, o);
    if (!pd)
        return;
    pd->u.rst_out.seq = seq;
    pd->u.rst_out.edge = edge;
    if (fs->rst_beyond_n >= 2)
        pd->confirmed = 1;
    if (ck_event_begin(c, fs, f, p, s, SW_EV_RST_OUT_OF_WINDOW, &pd->ev) == 0) {
        rst_evidence(&pd->ev, fs, o, edge);
        ck_ev_s(&pd->ev, "position", "beyond_window");
        ck_ev_u(&pd->ev, "bytes_beyond_right_edge", (uint32_t)(seq - edge));
        ck_ev_u(&pd->ev, "rsts_beyond_window", fs->rst_beyond_n);
        ck_ruled_out(&pd->ev, "application_abort", NULL);
    }
}

/* The side of an exact RST keeps sending: new data past the reset point, or any
 * non-RST segment later than reordering allows. */
/* The watched RST's side went on: rst_injection, marked at the RST in the ladder. */
static void watch_fire(sw_checks *c, ck_flow *fs, const sw_flow *f, const sw_pkt_obs *o,
                       const char *position, const char *confirmed_by)
{
    const sw_packet *p = o->pkt;
    sw_event ev;
    if (ck_event_begin_mark(c, fs, f, p, o->dir, SW_EV_RST_INJECTION, &ev,
                            fs->rstw_us, fs->rstw_seq, fs->rstw_flags))
        return;
    ck_ev_u(&ev, "rst_seq", fs->rstw_seq);
    ck_ev_u(&ev, "rst_ts_us", fs->rstw_us);
    ck_ev_u(&ev, "rst_ttl", fs->rstw_ttl);
    ck_ev_u(&ev, "rcv_nxt", fs->rstw_rcv);
    if (!fs->rstw_hs)
        ck_ev_u(&ev, "sender_snd_nxt", fs->rstw_nxt);
    ck_ev_s(&ev, "position", position);
    ck_ev_s(&ev, "confirmed_by", confirmed_by);
    ck_ev_o(&ev, "sender_continued", ck_pkt_json(f, p, o->dir));
    ck_ev_u(&ev, "continued_after_us", ck_dt(p->ts_us, fs->rstw_us));
    if (fs->d[o->dir].ttl_n)
        ck_ev_u(&ev, "sender_ttl_baseline", fs->d[o->dir].ttl_base);
    ck_ruled_out(&ev, "application_abort", "reordering", NULL);
    ck_emit(c, fs, f, &ev);
}

/* The RST's side goes on with the handshake it reset: a SYN-ACK (or a SYN-ACK
 * retransmission), the ACK of the other end's SYN-ACK, data. A new SYN without ACK
 * is a new attempt, not a continuation. */
static void handshake_watch(sw_checks *c, ck_flow *fs, const sw_flow *f, const sw_pkt_obs *o)
{
    const sw_packet *p = o->pkt;
    if (p->flags & (SW_TH_RST | SW_TH_FIN))
        return;                       /* a FIN after it proves nothing (forged alike) */
    if (ck_dt(p->ts_us, fs->rstw_us) > CK_WATCH_US ||
        (p->flags & (SW_TH_SYN | SW_TH_ACK)) == SW_TH_SYN) {
        fs->rstw_us = 0;
        fs->rstw_hs = 0;
        return;
    }
    if (!(p->flags & SW_TH_ACK))
        return;
    watch_fire(c, fs, f, o, "handshake",
               (p->flags & SW_TH_SYN) ? "the reset side answered the SYN"
                                      : "the reset side went on with the handshake");
    fs->rstw_us = 0;
    fs->rstw_hs = 0;
}

/* An RST to an end in SYN_SENT or SYN_RCVD. */
static void handshake_rst(sw_checks *c, ck_flow *fs, const sw_flow *f, const sw_pkt_obs *o)
{
    const sw_packet *p = o->pkt;
    int s = o->dir, r = 1 - s;
    if (o->verdict == SW_DELIV_TTL || o->verdict == SW_DELIV_CHECKSUM)
        return;                       /* it never reached the receiver */
    int accepted = f->conn.reset && f->conn.end[r].state == SW_TCPS_CLOSED;
    if (accepted) {
        if (!fs->rstw_us) {
            fs->rstw_us = p->ts_us;
            fs->rstw_seq = p->seq;
            fs->rstw_nxt = o->snd_nxt_before;
            fs->rstw_rcv = o->rcv_nxt;
            fs->rstw_dir = (uint8_t)s;
            fs->rstw_flags = p->flags;
            fs->rstw_ttl = p->ttl;
            fs->rstw_hs = 1;
        }
        return;
    }
    /* a client refusing a SYN-ACK whose ACK it did not accept answers with an RST at
     * that ACK (RFC 9293 3.10.7.3): the SYN-ACK was the odd one (synack_bad_ack) */
    if (o->state_before[r] == SW_TCPS_SYN_RCVD && fs->synack_seen && p->seq == fs->synack_ack)
        return;
    ck_spray_count(c, fs, f, o, "rst");
    sw_event ev;
    if (ck_event_begin(c, fs, f, p, s, SW_EV_RST_OUT_OF_WINDOW, &ev) == 0) {
        rst_evidence(&ev, fs, o, o->rcv_nxt + o->rcv_wnd);
        ck_ev_s(&ev, "position", "handshake");
        ck_ev_s(&ev, "receiver_state", sw_tcp_state_name((sw_tcp_state)o->state_before[r]));
        ck_ev_s(&ev, "reason", o->state_before[r] == SW_TCPS_SYN_SENT
                                   ? ((p->flags & SW_TH_ACK) ? "ack_does_not_acknowledge_syn"
                                                             : "no_ack_in_syn_sent")
                                   : "outside_window");
        ck_ruled_out(&ev, "application_abort", NULL);
        ck_emit(c, fs, f, &ev);
    }
}

static void rst_watch(sw_checks *c, ck_flow *fs, const sw_flow *f, const sw_pkt_obs *o)
{
    const sw_packet *p = o->pkt;
    if (!fs->rstw_us || o->dir != fs->rstw_dir || p->ts_us == fs->rstw_us)
        return;
    if (fs->rstw_hs) {
        handshake_watch(c, fs, f, o);
        return;
    }
    if (p->flags & SW_TH_SYN) {
        fs->rstw_us = 0;          /* a new connection from that side */
        return;
    }
    if (p->flags & SW_TH_RST)
        return;
    if (ck_dt(p->ts_us, fs->rstw_us) > CK_WATCH_US) {
        fs->rstw_us = 0;
        return;
    }
    uint32_t point = SEQ_MAX(fs->rstw_seq, fs->rstw_nxt);
    int beyond = ck_payload(p) > 0 && SEQ_GT(p->seq + ck_payload(p), point);
    int late = ck_dt(p->ts_us, fs->rstw_us) >= CK_RST_ALIVE_US;
    if (!beyond && !late)
        return;
    watch_fire(c, fs, f, o, "exact", beyond ? "new data past the reset point"
                                            : "the side kept sending after its reset");
    fs->rstw_us = 0;
}

/* -------------------------------------------------------------- fin_injection -- */

static void fin_fire(sw_checks *c, ck_flow *fs, const sw_flow *f, const sw_pkt_obs *o, const char *why,
                     uint32_t fin_seq)
{
    ck_dir *sd = &fs->d[o->dir];
    if (sd->fin_fired)
        return;
    sd->fin_fired = 1;
    const sw_packet *p = o->pkt;
    sw_event ev;
    if (ck_event_begin(c, fs, f, p, o->dir, SW_EV_FIN_INJECTION, &ev) == 0) {
        ck_ev_s(&ev, "reason", why);
        ck_ev_u(&ev, "fin_seq", fin_seq);
        ck_ev_u(&ev, "seq", p->seq);
        ck_ev_u(&ev, "len", ck_payload(p));
        ck_ev_u(&ev, "sender_snd_nxt", o->snd_nxt_before);
        ck_ev_u(&ev, "rcv_nxt", o->rcv_nxt);
        ck_ev_u(&ev, "ttl", p->ttl);
        if (sd->ttl_n)
            ck_ev_u(&ev, "sender_ttl_baseline", sd->ttl_base);
        ck_ruled_out(&ev, "retransmitted_fin", "reordering", NULL);
        ck_emit(c, fs, f, &ev);
    }
}

static void fin_checks(sw_checks *c, ck_flow *fs, const sw_flow *f, const sw_pkt_obs *o)
{
    const sw_packet *p = o->pkt;
    int s = o->dir;
    ck_dir *sd = &fs->d[s];
    const sw_tcp_end *se = &f->conn.end[s];
    if ((p->flags & SW_TH_RST) || o->seq_class == SW_SEQ_UNKNOWN ||
        o->seq_class == SW_SEQ_BEYOND || se->pkts < 2)
        return;
    uint32_t plen = ck_payload(p);
    uint32_t start = p->seq + ((p->flags & SW_TH_SYN) ? 1u : 0u);
    if (sd->fin_on && plen > 0 && SEQ_GT(start + plen, sd->fin_seq)) {
        fin_fire(c, fs, f, o, "data_after_fin", sd->fin_seq);
        return;
    }
    if (!(p->flags & SW_TH_FIN))
        return;
    uint32_t fp = start + plen;
    if (sd->fin_on) {
        if (fp != sd->fin_seq)
            fin_fire(c, fs, f, o, "second_fin_elsewhere", sd->fin_seq);
        return;
    }
    sd->fin_on = 1;
    sd->fin_seq = fp;
    /* behind payload bytes it sent: not the SYN's own slot (a stack closing during
     * connect sends its FIN at the ISN), and not merely behind the sequence number of
     * a pure ACK (a window update can overtake queued data on the wire and carry
     * the sequence number after that data and the FIN) */
    if (sd->has_data_hi && SEQ_LT(fp, sd->data_hi) && SEQ_LT(fp, o->snd_nxt_before) &&
        (!se->isn_known || SEQ_GT(fp, se->isn)))
        fin_fire(c, fs, f, o, "fin_behind_sent_data", fp);
}

/* ------------------------------------------------------------------- entry -- */

void ck_reset_packet(sw_checks *c, ck_flow *fs, const sw_flow *f, const sw_pkt_obs *o)
{
    if (fs->confused)
        return;
    rst_watch(c, fs, f, o);
    fin_checks(c, fs, f, o);
    if (o->pkt->flags & SW_TH_RST)
        rst_checks(c, fs, f, o);
}
