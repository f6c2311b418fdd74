/*
 * check_handshake.c — checks on connection set-up: synack_bad_ack, synack_conflict,
 * early_desync, syn_in_established, the notes of each connection's server ISN for
 * the cross-connection ISN stage (rules/isn_stage.c, isn_predictable), and data or a
 * FIN that an end in SYN-SENT / SYN-RCVD refuses (fin_injection / seq_out_of_window,
 * position "handshake"; the tracker's SW_DELIV_STATE verdict).
 *
 * Each check waits for the other side's answer before it speaks where the answer
 * can clear the suspicion: a client that goes on in the sequence space a "bad"
 * SYN-ACK acknowledged shows the sensor missed its SYN; a peer that answers a SYN
 * inside its connection with an RST was rebooted (RFC 5961 recovery), not attacked.
 *
 * Invariants: one ISN note per connection instance (its first SYN-ACK), taken on the
 * stack and handed to the sink, which copies what it keeps (sw_isn_note_dup); the
 * event is built the same way from the live connection and from a copy.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/ck_families.h"
#include "rules/ck_event.h"
#include "rules/ck_emit.h"
#include "rules/ck_pend.h"
#include "rules/ck_spray.h"

/* ------------------------------------------------------------ ISN notes -- */

sw_isn_note *sw_isn_note_dup(const sw_isn_note *n)
{
    sw_isn_note *d = malloc(sizeof *d);
    if (!d)
        return NULL;
    if (!n->c) {
        *d = *n;
        return d;
    }
    /* the ISN fields, then what the event needs from the connection, now */
    memcpy(d, n, offsetof(sw_isn_note, c));
    d->c = NULL;
    d->fs = NULL;
    d->f = NULL;
    d->o = NULL;
    const sw_packet *p = n->o->pkt;
    ck_event_ident(n->f, p, n->o->dir, SW_EV_ISN_PREDICTABLE, &d->ev);
    d->ev.ordinal = n->ordinal;
    d->mark_seq = p->seq;
    d->mark_flags = p->flags;
    d->ip_frags = p->ip_frags;
    ck_ladder_snap_take(n->c, n->fs, n->f, &d->ladder);
    return d;
}

void sw_isn_note_free(sw_isn_note *n)
{
    free(n);
}

int ck_isn_note_event(const sw_isn_note *n, sw_event *ev)
{
    if (n->c) {
        if (ck_event_begin(n->c, n->fs, n->f, n->o->pkt, n->o->dir, SW_EV_ISN_PREDICTABLE, ev) != 0)
            return -1;
        ev->ordinal = n->ordinal;
        return 0;
    }
    *ev = n->ev;
    ev->evidence = json_object();
    ev->ruled_out = json_array();
    if (!ev->evidence || !ev->ruled_out) {
        sw_event_clear(ev);
        return -1;
    }
    ev->packets = ck_ladder_render(&n->ladder, ev->ts_us, n->mark_seq, n->mark_flags);
    if (n->ip_frags)                   /* a reassembled IP datagram, as ck_event_begin */
        ck_ev_u(ev, "ip_fragments", n->ip_frags);
    return 0;
}

/* A server's ISN from the first SYN-ACK of a connection: a note for the ISN stage
 * (rules/isn_stage.c), which sees every connection. */
static void isn_record(sw_checks *c, ck_flow *fs, const sw_flow *f, const sw_pkt_obs *o)
{
    const sw_packet *p = o->pkt;
    /* The event's number is taken here, whether or not it fires: the stage decides
     * later (with --workers on another thread), without the connection's state. */
    uint32_t ordinal = ++fs->n_ev;
    if (!c->isn_sink)
        return;
    sw_isn_note n;                     /* the copy's fields stay unset: sw_isn_note_dup */
    n.ipv = p->ip_version;
    memset(n.addr, 0, sizeof n.addr);
    memcpy(n.addr, p->src_ip, p->ip_version == 6 ? 16 : 4);
    n.isn = p->seq;
    n.tuple = (uint32_t)f->hash;
    n.ordinal = ordinal;
    n.c = c;
    n.fs = fs;
    n.f = f;
    n.o = o;
    c->isn_sink(c->isn_user, &n);
}

/* ------------------------------------------------------------ SYN-ACKs -- */

enum { HK_BAD_ACK = 1, HK_CONFLICT, HK_SYN_EST, HK_EARLY, HK_REFUSED };

/* synack_bad_ack: dropped if the client goes on in the space the SYN-ACK
 * acknowledged (the sensor missed a SYN); emitted with the client's answer. */
static int resolve_bad_ack(sw_checks *c, ck_flow *fs, const sw_flow *f, ck_pend *pd, const sw_pkt_obs *o)
{
    (void)c; (void)fs;
    if (!o)
        return CK_EMIT;
    if (o->dir == pd->dir)
        return CK_KEEP;
    const sw_packet *p = o->pkt;
    if (p->flags & SW_TH_SYN)
        return CK_KEEP;     /* a retransmitted SYN says nothing yet */
    if (!(p->flags & SW_TH_RST) && (p->flags & SW_TH_ACK) && p->seq == pd->u.bad_ack.next_seq &&
        p->ack == pd->u.bad_ack.isn + 1)
        return CK_DROP;     /* the client accepted it: its SYN went past the sensor */
    ck_ev_o(&pd->ev, "client_answer", ck_pkt_json(f, p, o->dir));
    if (p->flags & SW_TH_RST) {
        ck_ev_s(&pd->ev, "client_answer_meaning", "the client refused the SYN-ACK (RST)");
        ck_ruled_out(&pd->ev, "missed_syn", NULL);
    } else if ((p->flags & SW_TH_ACK) && p->ack != pd->u.bad_ack.isn + 1) {
        ck_ev_s(&pd->ev, "client_answer_meaning",
                "the client acknowledged another SYN-ACK");
        ck_ruled_out(&pd->ev, "missed_syn", NULL);
    }
    return CK_EMIT;
}

/* synack_conflict: emitted once the client has shown which ISN it took. */
static int resolve_conflict(sw_checks *c, ck_flow *fs, const sw_flow *f, ck_pend *pd, const sw_pkt_obs *o)
{
    (void)c; (void)fs; (void)f;
    if (!o) {
        if (!pd->confirmed)
            ck_ev_s(&pd->ev, "client_acknowledged", "unknown");
        return CK_EMIT;
    }
    const sw_packet *p = o->pkt;
    if (o->dir == pd->dir || !(p->flags & SW_TH_ACK) || (p->flags & (SW_TH_SYN | SW_TH_RST)))
        return CK_KEEP;
    if (p->ack == pd->u.conflict.isn1 + 1)
        ck_ev_s(&pd->ev, "client_acknowledged", "first");
    else if (p->ack == pd->u.conflict.isn2 + 1)
        ck_ev_s(&pd->ev, "client_acknowledged", "second");
    else
        return CK_KEEP;
    pd->confirmed = 1;
    ck_ev_u(&pd->ev, "client_ack", p->ack);
    return CK_EMIT;
}

static void synack_checks(sw_checks *c, ck_flow *fs, const sw_flow *f, const sw_pkt_obs *o)
{
    const sw_packet *p = o->pkt;
    int s = o->dir, r = 1 - s;
    const sw_tcp_conn *cn = &f->conn;
    const sw_tcp_end *cl = &cn->end[r];

    if (o->hints & SW_SEG_DUP_SYN)
        return;                                   /* retransmitted SYN-ACK */
    int first = !fs->synack_seen;
    if (first) {
        fs->synack_seen = 1;
        fs->synack_isn = p->seq;
        fs->synack_ack = p->ack;
        fs->synack_ttl = p->ttl;
        fs->synack_ms = ck_ms(f, p->ts_us);
        fs->syn_retx = 0;
        if (!cn->simultaneous_open && !cn->midstream)
            isn_record(c, fs, f, o);
    }

    /* synack_bad_ack: the client's SYN was seen, and the ACK is neither its ISN+1
     * nor (TCP Fast Open) past the SYN's data, nor another SYN's ISN+1 */
    if (cl->syn_seen && !cl->isn_inferred) {
        int ok = SEQ_GT(p->ack, cl->isn) && SEQ_LEQ(p->ack, o->peer_snd_nxt);
        if (fs->syn_alt && p->ack == fs->syn_alt_isn + 1)
            ok = 1;
        if (!ok) {
            if (ck_pend_find(fs, resolve_bad_ack, s))
                return;
            ck_pend *pd = ck_pend_add(c, fs, f, resolve_bad_ack, HK_BAD_ACK, s, p->ts_us,
                                      p->ts_us + CK_RESPONSE_US, o);
            if (pd) {
                pd->u.bad_ack.next_seq = p->ack;          /* where the client would go on */
                pd->u.bad_ack.isn = p->seq;          /* the SYN-ACK's ISN */
                if (ck_event_begin(c, fs, f, p, s, SW_EV_SYNACK_BAD_ACK, &pd->ev) == 0) {
                    ck_ev_u(&pd->ev, "ack", p->ack);
                    ck_ev_u(&pd->ev, "expected_ack", cl->isn + 1u);
                    ck_ev_u(&pd->ev, "client_isn", cl->isn);
                    ck_ev_u(&pd->ev, "synack_isn", p->seq);
                    ck_ev_i(&pd->ev, "ack_offset", (int32_t)(p->ack - (cl->isn + 1u)));
                    ck_ev_u(&pd->ev, "ttl", p->ttl);
                    ck_ev_b(&pd->ev, "first_synack", first);
                    ck_ruled_out(&pd->ev, "retransmitted_syn", "tcp_fast_open", NULL);
                    if (fs->syn_alt)
                        ck_ruled_out(&pd->ev, "client_reconnect", NULL);
                }
            }
            return;
        }
    }
    if (first)
        return;

    /* a second SYN-ACK with another ISN */
    if (p->seq != fs->synack_isn)
        fs->synack_alt_isn = p->seq;
    if (p->seq == fs->synack_isn || (fs->emitted & (1u << SW_EV_SYNACK_CONFLICT)) ||
        ck_pend_find(fs, resolve_conflict, -1))
        return;
    if (p->ack != fs->synack_ack) {
        if (fs->syn_alt && p->ack == fs->syn_alt_isn + 1) {
            /* answers the client's other SYN: a re-connect, start over */
            fs->synack_isn = p->seq;
            fs->synack_ack = p->ack;
        }
        return;
    }
    if (fs->syn_retx) {
        /* the client repeated its SYN in between: a SYN-cookie server answers each
         * SYN afresh, and its cookie may move on (RFC 4987) */
        return;
    }
    ck_pend *pd = ck_pend_add(c, fs, f, resolve_conflict, HK_CONFLICT, s, p->ts_us,
                              p->ts_us + CK_RESPONSE_US, o);
    if (!pd)
        return;
    pd->u.conflict.isn1 = fs->synack_isn;
    pd->u.conflict.isn2 = p->seq;
    if (ck_event_begin(c, fs, f, p, s, SW_EV_SYNACK_CONFLICT, &pd->ev) == 0) {
        uint64_t t1 = f->first_us + (uint64_t)fs->synack_ms * 1000u;
        json_t *v1 = json_pack("{s:I,s:I,s:I,s:I}", "isn", (json_int_t)fs->synack_isn,
                                  "ack", (json_int_t)fs->synack_ack,
                                  "ttl", (json_int_t)fs->synack_ttl, "ts_us", (json_int_t)t1);
        json_t *v2 = json_pack("{s:I,s:I,s:I,s:I}", "isn", (json_int_t)p->seq,
                                   "ack", (json_int_t)p->ack, "ttl", (json_int_t)p->ttl,
                                   "ts_us", (json_int_t)p->ts_us);
        ck_ev_o(&pd->ev, "first_synack", v1);
        ck_ev_o(&pd->ev, "second_synack", v2);
        ck_ev_u(&pd->ev, "client_isn", p->ack - 1u);
        ck_ev_u(&pd->ev, "interval_us", p->ts_us > t1 ? p->ts_us - t1 : 0);
        ck_ruled_out(&pd->ev, "retransmitted_synack", "syn_cookie_resend", "4tuple_reuse", NULL);
    }
}

/* ----------------------------------------------------- syn_in_established -- */

/* Emitted when the SYN's side goes on with the old connection after it (the SYN
 * did not come from the stack that owns the connection). Dropped when that side
 * answers with an RST (a rebooted peer clearing its old connection, RFC 5961 4.2)
 * or the receiver accepts the SYN as a new connection. */
static int resolve_syn_est(sw_checks *c, ck_flow *fs, const sw_flow *f, ck_pend *pd, const sw_pkt_obs *o)
{
    (void)c; (void)fs;
    if (!o)
        return pd->confirmed ? CK_EMIT : CK_DROP;
    const sw_packet *p = o->pkt;
    uint32_t w = pd->u.syn_est.win;
    if (o->dir == pd->dir) {
        if (p->flags & SW_TH_RST)
            return CK_DROP;
        if (p->flags & SW_TH_SYN)
            return CK_KEEP;
        if (SEQ_IN(p->seq, pd->u.syn_est.snd_nxt - w, pd->u.syn_est.snd_nxt + w + 1)) {
            pd->confirmed = 1;
            ck_ev_o(&pd->ev, "sender_continued", ck_pkt_json(f, p, o->dir));
            ck_ruled_out(&pd->ev, "peer_reboot_recovery", NULL);
            return CK_EMIT;
        }
        return CK_KEEP;
    }
    if ((p->flags & (SW_TH_SYN | SW_TH_ACK)) == (SW_TH_SYN | SW_TH_ACK) && p->ack == pd->u.syn_est.syn_seq + 1)
        return CK_DROP;     /* the receiver took it as a new connection: ours was stale */
    return CK_KEEP;
}

static void syn_in_established(sw_checks *c, ck_flow *fs, const sw_flow *f, const sw_pkt_obs *o)
{
    const sw_packet *p = o->pkt;
    int s = o->dir, r = 1 - s;
    const sw_tcp_conn *cn = &f->conn;
    const sw_tcp_end *se = &cn->end[s];
    if (!ck_synced(o->state_before[r]) || cn->reset || se->fin_sent)
        return;
    if ((o->hints & SW_SEG_DUP_SYN) || (se->isn_known && p->seq == se->isn && !cn->midstream))
        return;
    if (o->seq_class == SW_SEQ_BEYOND || o->seq_class == SW_SEQ_OLD)
        ck_spray_count(c, fs, f, o, "syn");
    if (ck_pend_find(fs, resolve_syn_est, s))
        return;
    ck_pend *pd = ck_pend_add(c, fs, f, resolve_syn_est, HK_SYN_EST, s, p->ts_us,
                              p->ts_us + CK_WATCH_US, o);
    if (!pd)
        return;
    pd->flags |= CK_PF_CHALLENGE;
    uint32_t w = ck_rwnd_max(fs, o);
    uint32_t w2 = fs->d[s].has_edge ? fs->d[s].wnd_max : 65535u;
    pd->u.syn_est.snd_nxt = o->snd_nxt_before;
    pd->u.syn_est.win = w > w2 ? w : w2;
    pd->u.syn_est.syn_seq = p->seq;
    if (ck_event_begin(c, fs, f, p, s, SW_EV_SYN_IN_ESTABLISHED, &pd->ev) == 0) {
        ck_ev_u(&pd->ev, "syn_seq", p->seq);
        if (se->isn_known)
            ck_ev_u(&pd->ev, "known_isn", se->isn);
        ck_ev_u(&pd->ev, "sender_snd_nxt", o->snd_nxt_before);
        ck_ev_u(&pd->ev, "rcv_nxt", o->rcv_nxt);
        ck_ev_u(&pd->ev, "rcv_wnd", o->rcv_wnd);
        ck_ev_b(&pd->ev, "in_window", o->seq_class == SW_SEQ_EXACT ||
                                      o->seq_class == SW_SEQ_IN_WINDOW);
        ck_ev_s(&pd->ev, "receiver_state", sw_tcp_state_name((sw_tcp_state)o->state_before[r]));
        ck_ruled_out(&pd->ev, "retransmitted_syn", "4tuple_reuse_after_time_wait", NULL);
    }
}

/* ------------------------------------------------------------ early desync -- */

static int resolve_early(sw_checks *c, ck_flow *fs, const sw_flow *f, ck_pend *pd, const sw_pkt_obs *o)
{
    (void)c; (void)fs; (void)f; (void)o;
    return CK_KEEP;     /* ck_early_desync_owns emits; the final decision drops */
}

/* A young connection reset by its client side, then a new SYN from that side with
 * another ISN within CK_EARLY_US: watch for the client still using the old space. */
static void early_desync_arm(sw_checks *c, ck_flow *fs, const sw_flow *f, const sw_pkt_obs *o)
{
    const sw_packet *p = o->pkt;
    const ck_aux *a = fs->aux;
    if (!a || !a->prev.valid || !(o->hints & SW_SEG_NEW_CONN) || o->dir != 0)
        return;
    const ck_prev *pv = &a->prev;
    if (pv->instance + 1 != f->conn.instance || !pv->rst_by_client || !pv->isn_known_server ||
        p->ts_us < pv->end_us || p->ts_us - pv->end_us > CK_EARLY_US || p->seq == pv->isn[0])
        return;
    ck_pend *pd = ck_pend_add(c, fs, f, resolve_early, HK_EARLY, 0, p->ts_us,
                              p->ts_us + CK_WATCH_US, o);
    if (!pd)
        return;
    uint32_t w = pv->wnd_max ? pv->wnd_max : 65535u;
    pd->u.early.old_cl_nxt = pv->snd_nxt[0];      /* old client space */
    pd->u.early.old_sv_nxt = pv->snd_nxt[1];      /* old server space */
    pd->u.early.new_isn = p->seq;              /* new client ISN */
    pd->u.early.old_cl_isn = pv->isn[0];
    pd->u.early.old_sv_isn = pv->isn[1];
    pd->u.early.win = w;
    pd->u.early.reset_us = pv->end_us;
}

static int near(uint32_t x, uint32_t c, uint32_t w)
{
    return SEQ_IN(x, c - w, c + w + 1);
}

int ck_early_desync_owns(sw_checks *c, ck_flow *fs, const sw_flow *f, const sw_pkt_obs *o)
{
    if (!fs->pend)
        return 0;
    ck_pend *pd = ck_pend_find(fs, resolve_early, -1);
    if (!pd || o->pkt->ts_us == pd->ts_us)
        return 0;
    const sw_packet *p = o->pkt;
    const sw_tcp_conn *cn = &f->conn;
    uint32_t w = pd->u.early.win;
    int old_space = 0;
    if (o->dir == 0 && !(p->flags & SW_TH_SYN)) {
        uint32_t new_srv = cn->end[1].isn_known ? cn->end[1].isn + 1 : 0;
        int seq_old = near(p->seq, pd->u.early.old_cl_nxt, w) && !near(p->seq, pd->u.early.new_isn + 1, w);
        int ack_old = (p->flags & SW_TH_ACK) && near(p->ack, pd->u.early.old_sv_nxt, w) &&
                      !(cn->end[1].isn_known && near(p->ack, new_srv, w));
        old_space = seq_old || ack_old;
    }
    if (!old_space)
        return 0;
    if (!pd->u.early.noted) {
        pd->u.early.noted = 1;
        pd->flags |= CK_PF_DONE;
        sw_event ev;
        if (ck_event_begin(c, fs, f, p, 0, SW_EV_EARLY_DESYNC, &ev) == 0) {
            ck_ev_u(&ev, "reset_ts_us", pd->u.early.reset_us);
            ck_ev_u(&ev, "new_syn_ts_us", pd->ts_us);
            ck_ev_u(&ev, "old_client_isn", pd->u.early.old_cl_isn);
            ck_ev_u(&ev, "old_server_isn", pd->u.early.old_sv_isn);
            ck_ev_u(&ev, "new_client_isn", pd->u.early.new_isn);
            if (cn->end[1].isn_known)
                ck_ev_u(&ev, "new_server_isn", cn->end[1].isn);
            ck_ev_u(&ev, "client_seq", p->seq);
            ck_ev_u(&ev, "client_ack", p->ack);
            ck_ev_u(&ev, "server_expects_seq", cn->end[1].ack_max);
            ck_ev_u(&ev, "instance_reset", cn->instance - 1u);
            ck_ev_s(&ev, "meaning", "the client still uses the sequence space of the reset "
                    "connection while the server is in a new one");
            ck_ruled_out(&ev, "application_abort_reconnect", "4tuple_reuse", NULL);
            ck_emit(c, fs, f, &ev);
        }
    }
    return 1;
}

/* ------------------------------------------ data / FIN the handshake refuses -- */

/* Data or a FIN to an end in SYN_SENT before its peer's SYN-ACK was seen: dropped
 * if the receiver's next packet acknowledges it — an ACK at or up to 1 MiB past the
 * segment's end, other than the ACK of a SYN-ACK the sensor saw (the sensor missed
 * the SYN-ACK and the receiver took the bytes); emitted on any other answer (its ACK
 * of the real SYN-ACK, a retransmitted SYN, an RST refusing the segment) or when
 * none comes. u.refused: the segment's sequence number and its end. */
#define HK_TOOK_SPAN 0x100000u
static int resolve_refused(sw_checks *c, ck_flow *fs, const sw_flow *f, ck_pend *pd, const sw_pkt_obs *o)
{
    (void)c; (void)fs;
    if (!o)
        return CK_EMIT;
    if (o->dir == pd->dir)
        return CK_KEEP;
    const sw_packet *p = o->pkt;
    const sw_tcp_end *snd = &f->conn.end[pd->dir];
    int acks_synack = snd->synack_seen && p->ack == snd->isn + 1;
    if ((p->flags & SW_TH_ACK) && !(p->flags & (SW_TH_SYN | SW_TH_RST)) && !acks_synack &&
        (uint32_t)(p->ack - pd->u.refused.end) < HK_TOOK_SPAN)
        return CK_DROP;
    ck_ev_o(&pd->ev, "receiver_answer", ck_pkt_json(f, p, o->dir));
    ck_ruled_out(&pd->ev, "missed_synack", NULL);
    return CK_EMIT;
}

/* One pending judgement per event: data and a FIN of the same side are separate. */
static int resolve_refused_fin(sw_checks *c, ck_flow *fs, const sw_flow *f, ck_pend *pd, const sw_pkt_obs *o)
{
    return resolve_refused(c, fs, f, pd, o);
}

/* A segment with data or a FIN that the receiver's handshake state refuses (the
 * tracker's SW_DELIV_STATE): a FIN is fin_injection, data seq_out_of_window, both
 * with position "handshake". Once per event and instance. A real end sends neither
 * before the handshake lets it: a server's first segment is its SYN-ACK, a client's
 * data carries the ACK of the SYN-ACK. */
static void handshake_refused(sw_checks *c, ck_flow *fs, const sw_flow *f, const sw_pkt_obs *o)
{
    const sw_packet *p = o->pkt;
    int s = o->dir, r = 1 - s;
    sw_event_id id = (p->flags & SW_TH_FIN) ? SW_EV_FIN_INJECTION : SW_EV_SEQ_OUT_OF_WINDOW;
    int syn_sent = o->state_before[r] == SW_TCPS_SYN_SENT;
    ck_resolve_fn fn = id == SW_EV_FIN_INJECTION ? resolve_refused_fin : resolve_refused;
    if ((fs->emitted & (1u << id)) || (syn_sent && ck_pend_find(fs, fn, s)))
        return;
    sw_event ev, *e = &ev;
    ck_pend *pd = NULL;
    if (syn_sent) {
        pd = ck_pend_add(c, fs, f, fn, HK_REFUSED, s, p->ts_us, p->ts_us + CK_RESPONSE_US, o);
        if (!pd)
            return;
        pd->u.refused.seq = p->seq;
        pd->u.refused.end = p->seq + o->seg_len;
        e = &pd->ev;
    }
    if (ck_event_begin(c, fs, f, p, s, id, e) != 0)
        return;
    ck_ev_s(e, "position", "handshake");
    ck_ev_s(e, "receiver_state", sw_tcp_state_name((sw_tcp_state)o->state_before[r]));
    ck_ev_s(e, "reason", syn_sent ? "syn_sent_takes_only_a_syn"
                         : (p->flags & SW_TH_ACK) ? "ack_does_not_acknowledge_syn"
                                                  : "no_ack_in_syn_rcvd");
    ck_ev_u(e, "seq", p->seq);
    ck_ev_u(e, "len", ck_payload(p));
    if (p->flags & SW_TH_ACK)
        ck_ev_u(e, "ack", p->ack);
    if (id == SW_EV_FIN_INJECTION)
        ck_ev_u(e, "fin_seq", p->seq + ck_payload(p));
    ck_ev_u(e, "ttl", p->ttl);
    if (fs->d[s].ttl_n)
        ck_ev_u(e, "sender_ttl_baseline", fs->d[s].ttl_base);
    if (f->conn.end[r].isn_known)
        ck_ev_u(e, "receiver_isn", f->conn.end[r].isn);
    if (!syn_sent) {
        ck_ruled_out(e, "missed_synack", NULL);
        ck_emit(c, fs, f, e);
    }
}

/* ------------------------------------------------------------------ entry -- */

/* The tracker keeps the first ISN it saw of each side. When the connection that
 * actually runs was set up with another one — the SYN-ACK answers the client's later
 * SYN, or the client acknowledges a later SYN-ACK — its view of that side is not the
 * connection's, and sequence judgements would be about the wrong numbers. */
static void check_confusion(ck_flow *fs, const sw_flow *f, const sw_pkt_obs *o)
{
    const sw_packet *p = o->pkt;
    const sw_tcp_conn *cn = &f->conn;
    if (fs->confused || !(p->flags & SW_TH_ACK))
        return;
    int s = o->dir;
    if (s == 1 && (p->flags & SW_TH_SYN) && fs->syn_alt && p->ack == fs->syn_alt_isn + 1 &&
        cn->end[0].isn != fs->syn_alt_isn)
        fs->confused = 1;
    if (s == 0 && fs->synack_alt_isn && p->ack == fs->synack_alt_isn + 1 &&
        cn->end[1].isn != fs->synack_alt_isn)
        fs->confused = 1;
}

void ck_handshake_packet(sw_checks *c, ck_flow *fs, const sw_flow *f, const sw_pkt_obs *o)
{
    const sw_packet *p = o->pkt;
    uint8_t fl = p->flags;
    if (fl & SW_TH_RST)
        return;
    if (o->verdict == SW_DELIV_STATE) {
        handshake_refused(c, fs, f, o);
        return;
    }
    check_confusion(fs, f, o);
    if ((fl & (SW_TH_SYN | SW_TH_ACK)) == (SW_TH_SYN | SW_TH_ACK)) {
        synack_checks(c, fs, f, o);
        return;
    }
    if (!(fl & SW_TH_SYN))
        return;
    int s = o->dir;
    const sw_tcp_end *se = &f->conn.end[s];
    if (o->hints & SW_SEG_DUP_SYN) {
        if (fs->synack_seen)
            fs->syn_retx = 1;
        return;
    }
    early_desync_arm(c, fs, f, o);
    if (ck_synced(o->state_before[1 - s])) {
        syn_in_established(c, fs, f, o);
    } else if (se->syn_seen && p->seq != se->isn && !f->conn.midstream) {
        /* the client tries again with another ISN before the handshake completed */
        fs->syn_alt = 1;
        fs->syn_alt_isn = p->seq;
    }
}
