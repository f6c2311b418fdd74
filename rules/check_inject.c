/*
 * check_inject.c — data_injection: the receiver accepted in-window data whose sender
 * fingerprint is foreign (fingerprint_cmp.c: at least two strong marks among TTL,
 * MAC, missing timestamps, TSval behind the clock, IPv4 ID off the sequence).
 *
 * A deliverable data segment at or inside the receiver's window, carrying new bytes,
 * with a foreign fingerprint, is held (the event built at once with the bytes and the
 * differences). It becomes an alert when the receiver's ACK covers it (the receiver
 * took the bytes) and then either the hold ends (CK_WATCH_US, the connection's end)
 * or the real sender speaks again without re-sending that range. When the real
 * sender's bytes for the range do come, reassembly reports an overlap_mismatch,
 * which supersedes the held event (ck_inject_superseded): one alert per injection.
 * Not acknowledged by the end of the hold: dropped (the receiver did not take it).
 *
 * Every other packet that is deliverable and not foreign enters the sender's IP ID /
 * window fingerprint (ck_fp_learn) after the checks have seen it.
 *
 * Invariants: at most one held data_injection per direction (a later foreign
 * segment extends its range, u.inject.end); pending fields (u.inject): seq of the first
 * injected byte, end of the injected range, marks (fingerprint), segs (segments).
 */
#include <string.h>

#include "rules/ck_families.h"
#include "rules/ck_event.h"
#include "rules/ck_emit.h"
#include "rules/ck_pend.h"
#include "rules/fingerprint_cmp.h"
#include "detector/tcp_track.h"

#define INJ_SHOW 64u   /* bytes of the injected payload shown */

static json_t *payload_json(const sw_packet *p)
{
    static const char hx[] = "0123456789abcdef";
    char h[INJ_SHOW * 2 + 1], t[INJ_SHOW + 1];
    uint32_t n = p->payload_len > INJ_SHOW ? INJ_SHOW : p->payload_len;
    for (uint32_t i = 0; i < n; i++) {
        uint8_t b = p->payload[i];
        h[2 * i] = hx[b >> 4];
        h[2 * i + 1] = hx[b & 15];
        t[i] = (b >= 0x20 && b < 0x7f) ? (char)b : '.';
    }
    h[2 * n] = 0;
    t[n] = 0;
    return json_pack("{s:s,s:s,s:I}", "hex", h, "printable", t, "bytes_shown", (json_int_t)n);
}

/* kind 0: waiting for the receiver's ACK; confirmed: the ACK covered the range */
static int resolve_inj(sw_checks *c, ck_flow *fs, const sw_flow *f, ck_pend *pd, const sw_pkt_obs *o)
{
    (void)c;
    (void)f;
    if (!o)
        return pd->confirmed ? CK_EMIT : CK_DROP;
    const sw_packet *p = o->pkt;
    if (o->dir != pd->dir) {
        if (!pd->confirmed && (p->flags & SW_TH_ACK) && !(p->flags & SW_TH_RST) &&
            o->verdict == SW_DELIV_OK && o->ack_class != SW_ACK_UNSENT &&
            SEQ_GEQ(p->ack, pd->u.inject.end)) {
            pd->confirmed = 1;
            ck_ev_u(&pd->ev, "receiver_ack", p->ack);
            ck_ev_u(&pd->ev, "receiver_ack_ts_us", p->ts_us);
        }
        return CK_KEEP;
    }
    /* the sender's direction: the real sender going on past the range, without
     * re-sending it, settles it once the receiver took the bytes */
    if (pd->confirmed && o->verdict == SW_DELIV_OK && ck_payload(p) > 0 &&
        SEQ_GEQ(p->seq, pd->u.inject.end) && !ck_fp_foreign(ck_fp_diff(fs, f, o))) {
        ck_ruled_out(&pd->ev, "retransmission", NULL);
        return CK_EMIT;
    }
    return CK_KEEP;
}

uint32_t ck_inject_superseded(sw_checks *c, ck_flow *fs, int dir, uint32_t seq, uint32_t len)
{
    ck_pend *pd = ck_pend_find(fs, resolve_inj, dir);
    if (!pd)
        return 0;
    if (!(SEQ_LT(seq, pd->u.inject.end) && SEQ_GT(seq + len, pd->u.inject.seq)))
        return 0;
    uint32_t marks = pd->u.inject.marks;
    ck_pend_drop(c, fs, pd);
    return marks;
}

void ck_inject_packet(sw_checks *c, ck_flow *fs, const sw_flow *f, const sw_pkt_obs *o)
{
    const sw_packet *p = o->pkt;
    uint32_t plen = ck_payload(p);
    uint32_t marks = ck_fp_diff(fs, f, o);
    int foreign = ck_fp_foreign(marks);
    if (o->verdict == SW_DELIV_OK && !foreign && !(p->flags & SW_TH_RST))
        ck_fp_learn(fs, o);
    if (!foreign || o->verdict != SW_DELIV_OK || plen == 0 || fs->confused ||
        (p->flags & (SW_TH_SYN | SW_TH_RST)) || !(o->hints & SW_SEG_NEW_DATA) ||
        (o->hints & (SW_SEG_KEEPALIVE | SW_SEG_ZWP)) ||
        (o->seq_class != SW_SEQ_EXACT && o->seq_class != SW_SEQ_IN_WINDOW) ||
        ck_dup_capture(c, fs))
        return;
    int s = o->dir;
    uint32_t end = p->seq + plen;
    ck_pend *pd = ck_pend_find(fs, resolve_inj, s);
    if (pd) {                       /* more of the same injection */
        if (SEQ_GT(end, pd->u.inject.end))
            pd->u.inject.end = end;
        pd->u.inject.marks |= marks;
        pd->u.inject.segs++;
        ck_ev_u(&pd->ev, "segments", pd->u.inject.segs);
        ck_ev_u(&pd->ev, "len", pd->u.inject.end - pd->u.inject.seq);
        return;
    }
    pd = ck_pend_add(c, fs, f, resolve_inj, 0, s, p->ts_us, p->ts_us + CK_WATCH_US, o);
    if (!pd)
        return;
    pd->u.inject.seq = p->seq;
    pd->u.inject.end = end;
    pd->u.inject.marks = marks;
    pd->u.inject.segs = 1;
    sw_event *ev = &pd->ev;
    if (ck_event_begin(c, fs, f, p, s, SW_EV_DATA_INJECTION, ev))
        return;
    ck_ev_u(ev, "seq", p->seq);
    ck_ev_u(ev, "len", plen);
    ck_ev_u(ev, "stream_offset", (uint32_t)(p->seq - sw_tcp_track_stream_base(&f->conn, s)));
    ck_ev_u(ev, "segments", 1);
    ck_ev_o(ev, "payload", payload_json(p));
    ck_ev_o(ev, "fingerprint_differences", ck_fp_json(fs, f, p, s, marks));
    ck_ev_u(ev, "rcv_nxt", o->rcv_nxt);
    ck_ev_b(ev, "in_window_data", 1);
    ck_ruled_out(ev, "route_change", "gateway_failover", "sensor_loss", NULL);
}
