/*
 * check_desync.c — the connection's two ends no longer agree: desync, ack_storm,
 * and the session_takeover verdict that correlates an injection with the
 * legitimate party falling out of sync.
 *
 * "Unacceptable to the other end" is judged from what each end shows of itself:
 *  - its sequence side: a pure ACK whose seq (its SND.NXT) is below what the other
 *    end already acknowledged (not a keepalive or window probe), data wholly below
 *    it, or a segment beyond the other end's window;
 *  - its ACK side: an ACK beyond the other end's SND.NXT as that end declares it in
 *    its own latest segments (a pure ACK carries SND.NXT exactly), or beyond anything
 *    the other end sent.
 * One side alone being unacceptable is sensor loss or a retransmission burst; desync
 * needs desync_count consecutive unacceptable segments from EACH side, ack_storm
 * needs ack_storm_count unacceptable pure ACKs from both sides within ack_storm_ms.
 *
 * Only the real endpoints' own packets count (issue 14): a segment the tracker
 * judged undeliverable by TTL, PAWS or checksum never reached its receiver, and one
 * whose fingerprint is foreign (fingerprint_cmp.c) is not its endpoint's; neither
 * counts for desync or ack_storm, nor resets a count; nor does a segment without the
 * timestamps both ends negotiated (RFC 7323: every non-RST segment carries them). A
 * real end sends from its own position and acknowledges what it received: a segment
 * beyond the window farther than the largest window from its sender's position, or
 * an ACK that far past the other end's, is a blind guess, not unacceptable in the
 * desync sense. A seq_out_of_window raised by
 * a foreign packet (sender_foreign) is no "out of sync" link of the takeover chain:
 * a blind spray of forged far out-of-window segments is blind_spray /
 * seq_out_of_window, never session_takeover.
 *
 * Invariants: one desync and one session_takeover per connection instance, one
 * ack_storm per burst; the takeover chain holds at most CK_CHAIN_MAX events.
 */
#include <string.h>

#include "rules/ck_families.h"
#include "rules/ck_event.h"
#include "rules/ck_emit.h"
#include "rules/ck_pend.h"
#include "rules/fingerprint_cmp.h"

static const char *unacceptable(const ck_flow *fs, const sw_flow *f, const sw_pkt_obs *o)
{
    const sw_packet *p = o->pkt;
    int s = o->dir, r = 1 - s;
    if ((p->flags & (SW_TH_SYN | SW_TH_RST)) || o->seq_class == SW_SEQ_UNKNOWN)
        return NULL;
    if (!ck_synced(o->state_before[0]) || !ck_synced(o->state_before[1]) ||
        !f->conn.end[r].seen || f->conn.reset)
        return NULL;
    if (ck_pure_ack(p)) {
        if (SEQ_LT(p->seq, o->rcv_nxt) && p->seq != o->rcv_nxt - 1u &&
            !(o->hints & (SW_SEG_KEEPALIVE | SW_SEG_ZWP)) &&
            !ck_is_recent_edge(&fs->d[r], p->seq))   /* window-limited ACK sequence */
            return "seq_behind_receiver";
    } else if (o->seg_len > 0 && !(o->hints & (SW_SEG_KEEPALIVE | SW_SEG_ZWP))) {
        if (SEQ_LEQ(p->seq + o->seg_len, o->rcv_nxt) && !(o->hints & SW_SEG_NEW_DATA) &&
            o->seq_class == SW_SEQ_OLD && SEQ_LT(p->seq, o->rcv_nxt - 1u))
            return "data_behind_receiver";
        /* a real end sends from its own position: a segment far from it (farther
         * than the largest window) is a blind guess, not that end falling behind */
        if (o->seq_class == SW_SEQ_BEYOND &&
            SEQ_IN(p->seq, o->snd_nxt_before - ck_rwnd_max(fs, o),
                   o->snd_nxt_before + ck_rwnd_max(fs, o) + 1u))
            return "beyond_receiver_window";
    }
    if (p->flags & SW_TH_ACK) {
        const ck_dir *rd = &fs->d[r];
        /* a real end acknowledges what it received: an ACK farther past the other
         * end's SND.NXT than the largest window is a guess, not a desync */
        uint32_t far = o->peer_snd_nxt + ck_rwnd_max(fs, o) + 1u;
        if ((o->ack_class == SW_ACK_UNSENT || (rd->has_decl && SEQ_GT(p->ack, rd->decl_nxt))) &&
            SEQ_GT(p->ack, far))
            return NULL;
        if (o->ack_class == SW_ACK_UNSENT)
            return "ack_of_unsent_data";
        if (rd->has_decl && SEQ_GT(p->ack, rd->decl_nxt))
            return "ack_ahead_of_peer";
    }
    return NULL;
}

static void storm_count(sw_checks *c, ck_flow *fs, const sw_flow *f, const sw_pkt_obs *o)
{
    uint32_t now = ck_ms(f, o->pkt->ts_us), win = c->cfg.tun.ack_storm_ms;
    if (!fs->storm_n || now - fs->storm_start_ms > win) {
        if (fs->storm_n < c->cfg.tun.ack_storm_count)
            fs->storm_on = 0;         /* the last window was quiet: the burst is over */
        fs->storm_start_ms = now;
        fs->storm_n = 0;
        fs->storm_side[0] = fs->storm_side[1] = 0;
    }
    if (fs->storm_n < UINT16_MAX)
        fs->storm_n++;
    if (fs->storm_side[o->dir] < UINT8_MAX)
        fs->storm_side[o->dir]++;
    if (fs->storm_on || fs->storm_n < c->cfg.tun.ack_storm_count ||
        fs->storm_side[0] < 2 || fs->storm_side[1] < 2)
        return;
    fs->storm_on = 1;
    sw_event ev;
    if (ck_event_begin(c, fs, f, o->pkt, o->dir, SW_EV_ACK_STORM, &ev) == 0) {
        ck_ev_u(&ev, "pure_acks", fs->storm_n);
        ck_ev_u(&ev, "from_client", fs->storm_side[0]);
        ck_ev_u(&ev, "from_server", fs->storm_side[1]);
        ck_ev_u(&ev, "interval_ms", now - fs->storm_start_ms);
        ck_ev_u(&ev, "ack_storm_count", c->cfg.tun.ack_storm_count);
        ck_ev_u(&ev, "ack_storm_ms", win);
        for (int i = 0; i < 2; i++) {
            const sw_tcp_end *e = &f->conn.end[i];
            json_t *side = json_pack("{s:I,s:I}", "expects_seq", (json_int_t)e->ack_max,
                                     "declared_snd_nxt", (json_int_t)fs->d[i].decl_nxt);
            ck_ev_o(&ev, i ? "server" : "client", side);
        }
        ck_ruled_out(&ev, "keepalive", "zero_window_probe", "duplicate_acks", "sensor_loss", NULL);
        ck_emit(c, fs, f, &ev);
    }
}

/* The packet's fingerprint is not its sender's: two strong marks, or timestamps
 * missing although the connection negotiated them. */
static int foreign_or_no_ts(const ck_flow *fs, const sw_flow *f, const sw_pkt_obs *o)
{
    uint32_t marks = ck_fp_diff(fs, f, o);
    return ck_fp_foreign(marks) || (marks & CK_FP_TS_MISSING);
}

void ck_desync_packet(sw_checks *c, ck_flow *fs, const sw_flow *f, const sw_pkt_obs *o)
{
    if (fs->confused)
        return;
    /* A segment whose ACK is below one its sender showed a moment ago was sent before
     * that one: the capture shows it late (reordering between capture queues). It
     * says nothing about where the two ends stand now. Later than CK_REORDER_MS, an
     * older ACK is what a desynchronized end sends (its peer's ACKs were advanced by
     * someone else) and is judged. */
    if (ck_reordered(f, &fs->d[o->dir], o))
        return;
    if (o->verdict == SW_DELIV_TTL || o->verdict == SW_DELIV_PAWS ||
        o->verdict == SW_DELIV_CHECKSUM)
        return;                       /* not the real endpoint's own packet */
    /* Only the real endpoint's own packets count, either way (a forged one neither
     * adds to nor clears the count). The fingerprint comparison is asked only when
     * its answer changes something: most packets are acceptable and find the count
     * at zero already. unacceptable() reads state only. */
    const char *why = unacceptable(fs, f, o);
    ck_dir *sd = &fs->d[o->dir];
    if (!why) {
        if (sd->unacc && o->seq_class != SW_SEQ_UNKNOWN &&
            !(o->pkt->flags & (SW_TH_SYN | SW_TH_RST)) && !foreign_or_no_ts(fs, f, o))
            sd->unacc = 0;
        return;
    }
    if (foreign_or_no_ts(fs, f, o))
        return;
    if (sd->unacc < UINT8_MAX)
        sd->unacc++;
    if (ck_pure_ack(o->pkt))
        storm_count(c, fs, f, o);
    uint32_t n = c->cfg.tun.desync_count;
    if (fs->desync_done || fs->d[0].unacc < n || fs->d[1].unacc < n)
        return;
    fs->desync_done = 1;
    sw_event ev;
    if (ck_event_begin(c, fs, f, o->pkt, o->dir, SW_EV_DESYNC, &ev) == 0) {
        ck_ev_u(&ev, "unacceptable_from_client", fs->d[0].unacc);
        ck_ev_u(&ev, "unacceptable_from_server", fs->d[1].unacc);
        ck_ev_u(&ev, "desync_count", n);
        ck_ev_s(&ev, "last_reason", why);
        for (int i = 0; i < 2; i++) {
            const sw_tcp_end *e = &f->conn.end[i];
            const ck_dir *d = &fs->d[i];
            /* what this end says it sent vs what the other end expects of it */
            json_t *side = json_pack("{s:I,s:I,s:i}", "declared_snd_nxt", (json_int_t)d->decl_nxt,
                                     "peer_expects", (json_int_t)f->conn.end[1 - i].ack_max,
                                     "offset", (int)(int32_t)(d->decl_nxt -
                                                              f->conn.end[1 - i].ack_max));
            (void)e;
            ck_ev_o(&ev, i ? "server" : "client", side);
        }
        ck_ruled_out(&ev, "sensor_loss", "retransmission", "keepalive", "zero_window_probe", NULL);
        ck_emit(c, fs, f, &ev);
    }
}

/* --------------------------------------------------------- session_takeover -- */

static int chain_class(const sw_event *ev)
{
    switch (ev->id) {
    case SW_EV_OVERLAP_MISMATCH:
    case SW_EV_ACK_UNSENT_DATA:
    case SW_EV_DATA_INJECTION:
        return 1;
    case SW_EV_TTL_ANOMALY:
    case SW_EV_TSVAL_REGRESSION:
    case SW_EV_TSECR_UNSENT_ECHO:
    case SW_EV_MAC_CHANGE:
        return json_is_true(json_object_get(ev->evidence, "in_window_data")) ? 1 : 0;
    case SW_EV_SEQ_OUT_OF_WINDOW: {
        /* raised by a forged packet, or by a segment the receiver's handshake state
         * refused: it shows nothing of the real endpoints' sync */
        const char *pos = json_string_value(json_object_get(ev->evidence, "position"));
        if (pos && strcmp(pos, "handshake") == 0)
            return 0;
        return json_is_true(json_object_get(ev->evidence, "sender_foreign")) ? 0 : 2;
    }
    case SW_EV_DESYNC:
    case SW_EV_ACK_STORM:
        return 2;
    default:
        return 0;
    }
}

int ck_desync_chain(sw_checks *c, ck_flow *fs, const sw_flow *f, const sw_event *ev, sw_event *tk)
{
    (void)f;
    int k = chain_class(ev);
    if (!k || fs->takeover_done || ev->conn_instance != fs->inst)
        return 0;
    ck_aux *a = ck_aux_get(c, fs);
    if (!a)
        return 0;
    if (a->nchain < CK_CHAIN_MAX) {
        ck_chain_ent *e = &a->chain[a->nchain++];
        e->ts_us = ev->ts_us;
        e->id = (uint8_t)ev->id;
        e->dir = (uint8_t)ev->dir;
        e->injection = (uint8_t)k;
    }
    const ck_chain_ent *inj = NULL, *oos = NULL;
    for (unsigned i = 0; i < a->nchain; i++)
        if (a->chain[i].injection == 1 && (!inj || a->chain[i].ts_us < inj->ts_us))
            inj = &a->chain[i];
    if (!inj)
        return 0;
    /* out of sync: desync or ack_storm, or seq_out_of_window of the party the
     * injection impersonated (its own stream was pushed ahead of it) */
    for (unsigned i = 0; i < a->nchain; i++) {
        const ck_chain_ent *e = &a->chain[i];
        if (e->injection != 2 || e->ts_us < inj->ts_us)
            continue;
        if (e->id == SW_EV_SEQ_OUT_OF_WINDOW && e->dir != inj->dir)
            continue;
        if (!oos || e->ts_us < oos->ts_us)
            oos = e;
    }
    if (!oos)
        return 0;

    memset(tk, 0, sizeof *tk);
    tk->id = SW_EV_SESSION_TAKEOVER;
    tk->ts_us = ev->ts_us;
    tk->ip_version = ev->ip_version;
    memcpy(tk->src_ip, ev->src_ip, sizeof tk->src_ip);
    memcpy(tk->dst_ip, ev->dst_ip, sizeof tk->dst_ip);
    tk->sport = ev->sport;
    tk->dport = ev->dport;
    tk->nvlan = ev->nvlan;
    tk->vlan[0] = ev->vlan[0];
    tk->vlan[1] = ev->vlan[1];
    tk->dir = ev->dir;
    tk->flow_id = ev->flow_id;
    tk->conn_instance = ev->conn_instance;
    tk->client_state = ev->client_state;
    tk->server_state = ev->server_state;
    tk->evidence = json_object();
    tk->ruled_out = json_array();
    tk->packets = ev->packets ? json_deep_copy(ev->packets) : NULL;
    if (!tk->evidence || !tk->ruled_out) {
        sw_event_clear(tk);
        return 0;
    }
    json_t *chain = json_array();
    for (unsigned i = 0; i < a->nchain; i++) {
        const ck_chain_ent *e = &a->chain[i];
        const sw_event_def *d = sw_event_def_get((sw_event_id)e->id);
        json_array_append_new(chain, json_pack("{s:s,s:I,s:s,s:s}", "event", d ? d->name : "?",
                                               "ts_us", (json_int_t)e->ts_us,
                                               "dir", ck_dir_name(e->dir),
                                               "role", e->injection == 1 ? "injection"
                                                                         : "out_of_sync"));
    }
    ck_ev_o(tk, "chain", chain);
    const sw_event_def *di = sw_event_def_get((sw_event_id)inj->id);
    const sw_event_def *dd = sw_event_def_get((sw_event_id)oos->id);
    ck_ev_s(tk, "injection", di ? di->name : "?");
    ck_ev_u(tk, "injection_ts_us", inj->ts_us);
    ck_ev_s(tk, "injected_toward", inj->dir ? "client" : "server");
    ck_ev_s(tk, "out_of_sync", dd ? dd->name : "?");
    ck_ev_u(tk, "out_of_sync_ts_us", oos->ts_us);
    ck_ev_u(tk, "interval_us", oos->ts_us - inj->ts_us);
    ck_ruled_out(tk, "retransmission", "sensor_loss", NULL);
    fs->takeover_done = 1;
    return 1;
}
