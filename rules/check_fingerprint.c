/*
 * check_fingerprint.c — does a segment come from the stack that sent the rest of its
 * direction? ttl_anomaly, mac_change, tsval_regression, tsecr_unsent_echo.
 *
 * A forged segment differs from its direction's baseline (TTL, source MAC, timestamp
 * clock, timestamp echo) and then the real sender goes on with the old values. A
 * route change, a gateway failover or a clock change differs too, but for good: the
 * new value persists. So each anomaly waits: it is emitted when the baseline value
 * comes back from that direction (two senders share it), and dropped (the new value
 * becomes the baseline) after CK_REBASE_PKTS packets with the new value and none with
 * the old. A segment the sensor saw twice within CK_DUP_CAPTURE_US (both sides of a
 * router on one capture point) is neither judged nor learned.
 *
 * Timestamps (RFC 7323) are judged only when both SYNs negotiated them. The clock
 * bound allows a clock of up to 1 kHz over the packet time elapsed plus
 * tsval_jump_seconds of slack; backwards movement is allowed CK_TS_BACK_SLACK ticks
 * (reordering) and retransmissions are not judged for it. A TSecr must echo a TSval
 * the peer could have sent: not below the first one it sent in its SYN, not above its
 * highest seen plus what its clock can have advanced since (a TSecr of 0 makes no
 * claim and is not judged).
 *
 * Invariants: one pending anomaly per kind and direction; an anomalous value never
 * enters the baseline until it is adopted by the rebase rule.
 */
#include <stdlib.h>
#include <string.h>

#include "rules/ck_families.h"
#include "rules/ck_event.h"
#include "rules/ck_emit.h"
#include "rules/ck_pend.h"

enum { FK_TTL = 1, FK_MAC, FK_TSVAL, FK_TSECR };

static unsigned absdiff(unsigned a, unsigned b)
{
    return a > b ? a - b : b - a;
}

static int in_window_data(const sw_pkt_obs *o)
{
    return ck_payload(o->pkt) > 0 &&
           (o->seq_class == SW_SEQ_EXACT || o->seq_class == SW_SEQ_IN_WINDOW);
}

static void mac_str(const uint8_t *m, char out[18])
{
    static const char hx[] = "0123456789abcdef";
    for (int i = 0; i < 6; i++) {
        out[i * 3] = hx[m[i] >> 4];
        out[i * 3 + 1] = hx[m[i] & 15];
        out[i * 3 + 2] = i < 5 ? ':' : 0;
    }
}

static void resumed(sw_event *ev, const sw_flow *f, const sw_pkt_obs *o, const ck_pend *pd)
{
    ck_ev_o(ev, "baseline_resumed", ck_pkt_json(f, o->pkt, o->dir));
    ck_ev_u(ev, "anomalous_packets", (uint64_t)pd->alt_n + 1u);
}

/* -------------------------------------------------------------------- TTL -- */

/* u.ttl: the baseline and the anomalous TTL */
static int resolve_ttl(sw_checks *c, ck_flow *fs, const sw_flow *f, ck_pend *pd, const sw_pkt_obs *o)
{
    if (!o)
        return CK_DROP;
    if (o->dir != pd->dir || ck_dup_capture(c, fs))
        return CK_KEEP;
    unsigned d = (unsigned)c->cfg.tun.ttl_delta, ttl = o->pkt->ttl;
    if (absdiff(ttl, pd->u.ttl.base) <= d) {
        resumed(&pd->ev, f, o, pd);
        ck_ruled_out(&pd->ev, "route_change", NULL);
        return CK_EMIT;
    }
    if (absdiff(ttl, pd->u.ttl.alt) <= d && ++pd->alt_n + 1u >= CK_REBASE_PKTS) {
        fs->d[pd->dir].ttl_base = (uint8_t)pd->u.ttl.alt;   /* the route changed */
        fs->d[pd->dir].ttl_n = CK_BASE_PKTS;
        return CK_DROP;
    }
    return CK_KEEP;
}

/* Hops from the sender: the usual initial TTLs are 32, 64, 128 and 255. */
static unsigned hops(unsigned ttl)
{
    static const unsigned init[] = { 32, 64, 128, 255 };
    for (unsigned i = 0; i < 4; i++)
        if (ttl <= init[i])
            return init[i] - ttl;
    return 0;
}

/* Another initial TTL at exactly the same distance: a device next to the sender (its
 * load balancer, a SYN proxy) or the host itself using another initial TTL for some
 * segments. */
static int same_distance(unsigned a, unsigned b)
{
    return hops(a) == hops(b) && a != b;
}

static void ttl_evidence(sw_event *ev, const sw_checks *c, const ck_dir *sd, const sw_pkt_obs *o)
{
    const sw_packet *p = o->pkt;
    unsigned ttl = p->ttl;
    ck_ev_u(ev, "ttl", ttl);
    ck_ev_u(ev, "baseline_ttl", sd->ttl_base);
    ck_ev_u(ev, "baseline_packets", sd->ttl_n);
    ck_ev_u(ev, "delta", absdiff(ttl, sd->ttl_base));
    ck_ev_u(ev, "ttl_delta", (unsigned)c->cfg.tun.ttl_delta);
    ck_ev_u(ev, "hops", hops(ttl));
    ck_ev_u(ev, "baseline_hops", hops(sd->ttl_base));
    ck_ev_u(ev, "seq", p->seq);
    ck_ev_u(ev, "len", ck_payload(p));
    ck_ev_b(ev, "in_window_data", in_window_data(o));
    if (p->ip_version == 4)
        ck_ev_u(ev, "ip_id", p->ip_id);
}

static void ttl_check(sw_checks *c, ck_flow *fs, const sw_flow *f, const sw_pkt_obs *o)
{
    const sw_packet *p = o->pkt;
    ck_dir *sd = &fs->d[o->dir];
    unsigned d = (unsigned)c->cfg.tun.ttl_delta, ttl = p->ttl;
    if (sd->ttl_n < CK_BASE_PKTS) {
        if (!sd->ttl_n || absdiff(ttl, sd->ttl_base) > d) {
            sd->ttl_base = (uint8_t)ttl;    /* (re)start the baseline */
            sd->ttl_n = 1;
        } else {
            sd->ttl_n++;
        }
        return;
    }
    if (absdiff(ttl, sd->ttl_base) <= d) {
        if (sd->ttl_n < UINT8_MAX)
            sd->ttl_n++;
        if (sd->ttl_alt)
            sd->ttl_alt_base = 1;
        return;
    }
    /* control segments without payload from a device next to the sender (a load
     * balancer or SYN proxy doing the handshake, ACKs and teardown for it) are
     * routine; data from it is judged like any other */
    int proven = sd->ttl_alt && sd->ttl_alt_base && absdiff(ttl, sd->ttl_alt) <= d;
    sd->ttl_alt = (uint8_t)(ttl ? ttl : 1);
    sd->ttl_alt_base = 0;
    if ((same_distance(ttl, sd->ttl_base) && ck_payload(p) == 0) ||
        ck_pend_find(fs, resolve_ttl, o->dir))
        return;
    if (proven) {
        /* this TTL was seen before, then the baseline, now this TTL again: two senders
         * interleave in one direction; nothing left to wait for */
        sw_event ev;
        if (ck_event_begin(c, fs, f, p, o->dir, SW_EV_TTL_ANOMALY, &ev) == 0) {
            ttl_evidence(&ev, c, sd, o);
            ck_ev_b(&ev, "interleaved_with_baseline", 1);
            ck_ruled_out(&ev, "route_change", "duplicate_capture", NULL);
            ck_emit(c, fs, f, &ev);
        }
        return;
    }
    ck_pend *pd = ck_pend_add(c, fs, f, resolve_ttl, FK_TTL, o->dir, p->ts_us,
                              p->ts_us + CK_WATCH_US, o);
    if (!pd)
        return;
    pd->u.ttl.base = sd->ttl_base;
    pd->u.ttl.alt = ttl;
    if (ck_event_begin(c, fs, f, p, o->dir, SW_EV_TTL_ANOMALY, &pd->ev) == 0) {
        ttl_evidence(&pd->ev, c, sd, o);
        ck_ruled_out(&pd->ev, "duplicate_capture", NULL);
        if (ck_payload(p) == 0)
            ck_ruled_out(&pd->ev, "colocated_stack", NULL);
    }
}

/* -------------------------------------------------------------------- MAC -- */

/* u.mac: the anomalous MAC */
static int resolve_mac(sw_checks *c, ck_flow *fs, const sw_flow *f, ck_pend *pd, const sw_pkt_obs *o)
{
    if (!o)
        return CK_DROP;
    const sw_packet *p = o->pkt;
    if (o->dir != pd->dir || !p->has_mac || ck_dup_capture(c, fs))
        return CK_KEEP;
    ck_dir *sd = &fs->d[pd->dir];
    if (memcmp(p->src_mac, sd->mac, 6) == 0) {
        resumed(&pd->ev, f, o, pd);
        ck_ruled_out(&pd->ev, "gateway_failover", NULL);
        return CK_EMIT;
    }
    if (memcmp(p->src_mac, pd->u.mac.alt, 6) == 0 && ++pd->alt_n + 1u >= CK_REBASE_PKTS) {
        memcpy(sd->mac, pd->u.mac.alt, 6);         /* failover: the new gateway stays */
        return CK_DROP;
    }
    return CK_KEEP;
}

static void mac_check(sw_checks *c, ck_flow *fs, const sw_flow *f, const sw_pkt_obs *o)
{
    const sw_packet *p = o->pkt;
    ck_dir *sd = &fs->d[o->dir];
    if (!p->has_mac)
        return;
    if (!sd->has_mac) {
        memcpy(sd->mac, p->src_mac, 6);
        sd->has_mac = 1;
        return;
    }
    if (memcmp(p->src_mac, sd->mac, 6) == 0 || ck_pend_find(fs, resolve_mac, o->dir))
        return;
    ck_pend *pd = ck_pend_add(c, fs, f, resolve_mac, FK_MAC, o->dir, p->ts_us,
                              p->ts_us + CK_WATCH_US, o);
    if (!pd)
        return;
    memcpy(pd->u.mac.alt, p->src_mac, 6);
    if (ck_event_begin(c, fs, f, p, o->dir, SW_EV_MAC_CHANGE, &pd->ev) == 0) {
        char a[18], b[18];
        mac_str(sd->mac, a);
        mac_str(p->src_mac, b);
        ck_ev_s(&pd->ev, "baseline_mac", a);
        ck_ev_s(&pd->ev, "mac", b);
        ck_ev_u(&pd->ev, "ttl", p->ttl);
        if (fs->d[o->dir].ttl_n)
            ck_ev_u(&pd->ev, "baseline_ttl", fs->d[o->dir].ttl_base);
        ck_ev_u(&pd->ev, "seq", p->seq);
        ck_ev_u(&pd->ev, "len", ck_payload(p));
        ck_ev_b(&pd->ev, "in_window_data", in_window_data(o));
        ck_ruled_out(&pd->ev, "duplicate_capture", NULL);
    }
}

/* ------------------------------------------------------------- TSval clock -- */

static uint64_t jump_ticks(const sw_checks *c, uint32_t elapsed_ms)
{
    /* a clock of at most 1 kHz over the elapsed time, plus the tunable slack */
    return (uint64_t)elapsed_ms + (uint64_t)c->cfg.tun.tsval_jump_seconds * 1000u;
}

/* Is tsval a plausible next reading of a clock that read `base` at base_ms? */
static int clock_fits(const sw_checks *c, uint32_t tsval, uint32_t base, uint32_t base_ms,
                      uint32_t now_ms)
{
    int32_t d = (int32_t)(tsval - base);
    if (d < -(int32_t)CK_TS_BACK_SLACK)
        return 0;
    return d <= 0 || (uint64_t)d <= jump_ticks(c, now_ms - base_ms);
}

/* u.tsval: the clock max and its ms, the anomalous clock and its ms */
static int resolve_tsval(sw_checks *c, ck_flow *fs, const sw_flow *f, ck_pend *pd, const sw_pkt_obs *o)
{
    if (!o)
        return CK_DROP;
    const sw_packet *p = o->pkt;
    if (o->dir != pd->dir || !p->opt.has_ts || (p->flags & SW_TH_RST) || ck_dup_capture(c, fs))
        return CK_KEEP;
    uint32_t now = ck_ms(f, p->ts_us), v = p->opt.tsval;
    if (clock_fits(c, v, pd->u.tsval.clk, pd->u.tsval.clk_ms, now) && now >= pd->u.tsval.clk_ms) {
        resumed(&pd->ev, f, o, pd);
        ck_ruled_out(&pd->ev, "clock_change", NULL);
        return CK_EMIT;
    }
    if (clock_fits(c, v, pd->u.tsval.alt, pd->u.tsval.alt_ms, now)) {
        if (SEQ_GT(v, pd->u.tsval.alt)) {
            pd->u.tsval.alt = v;
            pd->u.tsval.alt_ms = now;
        }
        if (++pd->alt_n + 1u >= CK_REBASE_PKTS) {
            ck_dir *sd = &fs->d[pd->dir];     /* the clock really changed */
            sd->tsval_max = sd->tsval_min = pd->u.tsval.alt;
            sd->ts_max_ms = pd->u.tsval.alt_ms;
            return CK_DROP;
        }
    }
    return CK_KEEP;
}

static void ts_missing(sw_checks *c, ck_flow *fs, const sw_flow *f, const sw_pkt_obs *o)
{
    ck_dir *sd = &fs->d[o->dir];
    if (sd->ts_miss_fired || ck_dup_capture(c, fs))
        return;
    sd->ts_miss_fired = 1;
    const sw_packet *p = o->pkt;
    sw_event ev;
    if (ck_event_begin(c, fs, f, p, o->dir, SW_EV_TSVAL_REGRESSION, &ev) == 0) {
        ck_ev_s(&ev, "reason", "timestamp_missing");
        if (sd->has_ts)
            ck_ev_u(&ev, "clock_tsval_max", sd->tsval_max);
        ck_ev_u(&ev, "seq", p->seq);
        ck_ev_u(&ev, "len", ck_payload(p));
        ck_ev_u(&ev, "ttl", p->ttl);
        ck_ev_b(&ev, "in_window_data", in_window_data(o));
        ck_ruled_out(&ev, "rst_without_timestamp", NULL);
        ck_emit(c, fs, f, &ev);
    }
}

static void tsval_check(sw_checks *c, ck_flow *fs, const sw_flow *f, const sw_pkt_obs *o, int judge)
{
    const sw_packet *p = o->pkt;
    ck_dir *sd = &fs->d[o->dir];
    uint32_t v = p->opt.tsval, now = ck_ms(f, p->ts_us);
    if (!sd->has_ts) {
        sd->has_ts = 1;
        sd->tsval_max = sd->tsval_min = v;
        sd->ts_max_ms = now;
        return;
    }
    if (ck_dup_capture(c, fs) || ck_pend_find(fs, resolve_tsval, o->dir))
        return;
    int32_t d = (int32_t)(v - sd->tsval_max);
    const char *why = NULL;
    if (!judge)
        why = NULL;
    else if (d > 0 && (uint64_t)d > jump_ticks(c, now - sd->ts_max_ms))
        why = "jump_ahead";
    else if (d < -(int32_t)CK_TS_BACK_SLACK && !(o->hints & SW_SEG_RETRANS))
        why = "backwards";
    if (!why) {
        if (d > 0) {
            sd->tsval_max = v;
            sd->ts_max_ms = now;
        }
        if (SEQ_LT(v, sd->tsval_min))
            sd->tsval_min = v;
        return;
    }
    ck_pend *pd = ck_pend_add(c, fs, f, resolve_tsval, FK_TSVAL, o->dir, p->ts_us,
                              p->ts_us + CK_WATCH_US, o);
    if (!pd)
        return;
    pd->u.tsval.clk = sd->tsval_max;
    pd->u.tsval.clk_ms = sd->ts_max_ms;
    pd->u.tsval.alt = v;
    pd->u.tsval.alt_ms = now;
    if (ck_event_begin(c, fs, f, p, o->dir, SW_EV_TSVAL_REGRESSION, &pd->ev) == 0) {
        ck_ev_s(&pd->ev, "reason", why);
        ck_ev_u(&pd->ev, "tsval", v);
        ck_ev_u(&pd->ev, "clock_tsval_max", sd->tsval_max);
        ck_ev_i(&pd->ev, "tsval_delta", d);
        ck_ev_u(&pd->ev, "elapsed_ms", now - sd->ts_max_ms);
        ck_ev_u(&pd->ev, "allowed_ahead", jump_ticks(c, now - sd->ts_max_ms));
        ck_ev_u(&pd->ev, "allowed_behind", CK_TS_BACK_SLACK);
        ck_ev_u(&pd->ev, "seq", p->seq);
        ck_ev_u(&pd->ev, "len", ck_payload(p));
        ck_ev_u(&pd->ev, "ttl", p->ttl);
        ck_ev_b(&pd->ev, "in_window_data", in_window_data(o));
        ck_ruled_out(&pd->ev, "retransmission", "reordering", NULL);
    }
}

/* ------------------------------------------------------------- TSecr echo -- */

static int echo_valid(const sw_checks *c, const ck_flow *fs, const sw_flow *f, int peer,
                      uint32_t echo, uint32_t now, uint32_t *upper)
{
    (void)c;
    const ck_dir *pd = &fs->d[peer];
    uint64_t up = (uint64_t)pd->tsval_max + (now - pd->ts_max_ms) + CK_TS_ECHO_SLACK;
    *upper = (uint32_t)up;
    if (SEQ_GT(echo, *upper))
        return 0;
    if (f->conn.end[peer].ts_syn && f->conn.end[peer].isn_known && !pd->syn_multi &&
        SEQ_LT(echo, pd->tsval_min))
        return 0;
    return 1;
}

/* u.tsecr: the anomalous echo, above: 1 when it was above the peer's clock */
static int resolve_tsecr(sw_checks *c, ck_flow *fs, const sw_flow *f, ck_pend *pd, const sw_pkt_obs *o)
{
    if (!o)
        return CK_DROP;
    const sw_packet *p = o->pkt;
    if (o->dir != pd->dir || !p->opt.has_ts || !(p->flags & SW_TH_ACK) || ck_dup_capture(c, fs))
        return CK_KEEP;
    uint32_t up, e = p->opt.tsecr, now = ck_ms(f, p->ts_us);
    int ok = echo_valid(c, fs, f, 1 - pd->dir, e, now, &up);
    /* the sender's echo (TS.Recent) never goes back: a valid echo below the
     * anomalous one means the anomalous one was not this sender's */
    if (ok && (!pd->u.tsecr.above || SEQ_LT(e, pd->u.tsecr.echo))) {
        resumed(&pd->ev, f, o, pd);
        ck_ruled_out(&pd->ev, "sensor_loss", NULL);
        return CK_EMIT;
    }
    if (++pd->alt_n + 1u >= CK_REBASE_PKTS / 2)
        return CK_DROP;       /* it goes on echoing that high: the peer's clock is there */
    return CK_KEEP;
}

static void tsecr_check(sw_checks *c, ck_flow *fs, const sw_flow *f, const sw_pkt_obs *o)
{
    const sw_packet *p = o->pkt;
    int peer = 1 - o->dir;
    if (!(p->flags & SW_TH_ACK) || !fs->d[peer].has_ts || ck_dup_capture(c, fs))
        return;
    uint32_t up, e = p->opt.tsecr, now = ck_ms(f, p->ts_us);
    /* 0 is what some stacks put before they have a TSval to echo: no claim made */
    if (e == 0 || echo_valid(c, fs, f, peer, e, now, &up) ||
        ck_pend_find(fs, resolve_tsecr, o->dir))
        return;
    ck_pend *pd = ck_pend_add(c, fs, f, resolve_tsecr, FK_TSECR, o->dir, p->ts_us,
                              p->ts_us + CK_WATCH_US, o);
    if (!pd)
        return;
    pd->u.tsecr.echo = e;
    pd->u.tsecr.above = SEQ_GT(e, up);
    if (ck_event_begin(c, fs, f, p, o->dir, SW_EV_TSECR_UNSENT_ECHO, &pd->ev) == 0) {
        ck_ev_u(&pd->ev, "tsecr", e);
        ck_ev_u(&pd->ev, "peer_tsval_min", fs->d[peer].tsval_min);
        ck_ev_u(&pd->ev, "peer_tsval_max", fs->d[peer].tsval_max);
        ck_ev_u(&pd->ev, "peer_clock_bound", up);
        ck_ev_s(&pd->ev, "position", pd->u.tsecr.above ? "above_peer_clock" : "below_peer_first_tsval");
        ck_ev_u(&pd->ev, "tsval", p->opt.tsval);
        ck_ev_u(&pd->ev, "seq", p->seq);
        ck_ev_u(&pd->ev, "len", ck_payload(p));
        ck_ev_u(&pd->ev, "ttl", p->ttl);
        ck_ev_b(&pd->ev, "in_window_data", in_window_data(o));
        ck_ruled_out(&pd->ev, "reordering", NULL);
    }
}

/* ------------------------------------------------------------------- entry -- */

void ck_fingerprint_packet(sw_checks *c, ck_flow *fs, const sw_flow *f, const sw_pkt_obs *o)
{
    const sw_packet *p = o->pkt;
    int dup = ck_dup_capture(c, fs);
    if (!dup)
        ttl_check(c, fs, f, o);
    if (!dup)
        mac_check(c, fs, f, o);
    /* RSTs may lack the option and are not subject to PAWS (RFC 7323 5.2) */
    if (p->flags & SW_TH_RST)
        return;
    int judge = f->conn.ts_ok && !f->conn.midstream;
    if (p->flags & SW_TH_SYN) {
        /* a SYN starts a clock: learned, never judged; one with another ISN than the
         * side's known one is another incarnation (a SYN-cookie or re-answered SYN)
         * with a clock of its own: its first TSval is then no lower bound */
        if (f->conn.end[o->dir].isn_known && p->seq != f->conn.end[o->dir].isn)
            fs->d[o->dir].syn_multi = 1;
        judge = 0;
    }
    if (!p->opt.has_ts) {
        if (judge)
            ts_missing(c, fs, f, o);
        return;
    }
    if (judge)
        tsecr_check(c, fs, f, o);
    tsval_check(c, fs, f, o, judge);   /* SYN clocks are learned before both SYNs are seen */
}
