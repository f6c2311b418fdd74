/*
 * check_overlap.c — overlap_mismatch: reassembly saw one sequence range twice with
 * different bytes. Retransmissions (same bytes) never get here; the only benign
 * source of differing bytes is the keepalive that carries one garbage byte at
 * snd_una-1 (a byte the receiver already acknowledged), which is ignored.
 *
 * The evidence carries both versions (hex and printable, at most CK_HEX_MAX bytes
 * each), which arrived first, each version's TTL / IP ID / timestamps / MAC / time,
 * which version looks foreign to the direction's TTL baseline, and which version the
 * receiver acknowledged when that is knowable (it had acknowledged the range before
 * the second version arrived: it kept the first) — else "unknown".
 *
 * insertion_attempt: the same comparison where one version is a copy the tracker
 * judged undeliverable (kept aside by reassembly: TTL expires before the receiver,
 * PAWS-old TSval, far outside the window). It names that version, the reason, and
 * keeps both versions; the genuine bytes are what the receiver has.
 *
 * Invariants: the overlaps one packet causes become one event (ranges merged into a
 * pending event that is emitted at the flow's next packet or end).
 */
#include <stdio.h>
#include <string.h>

#include "rules/ck_families.h"
#include "rules/ck_event.h"
#include "rules/ck_emit.h"
#include "rules/ck_pend.h"
#include "rules/fingerprint_cmp.h"
#include "detector/tcp_track.h"

static json_t *bytes_hex(const uint8_t *b, uint32_t n)
{
    static const char hx[] = "0123456789abcdef";
    char buf[CK_HEX_MAX * 2 + 1];
    if (n > CK_HEX_MAX)
        n = CK_HEX_MAX;
    for (uint32_t i = 0; i < n; i++) {
        buf[i * 2] = hx[b[i] >> 4];
        buf[i * 2 + 1] = hx[b[i] & 15];
    }
    buf[n * 2] = 0;
    return json_string(buf);
}

static json_t *bytes_printable(const uint8_t *b, uint32_t n)
{
    char buf[CK_HEX_MAX + 1];
    if (n > CK_HEX_MAX)
        n = CK_HEX_MAX;
    for (uint32_t i = 0; i < n; i++)
        buf[i] = (b[i] >= 0x20 && b[i] < 0x7f) ? (char)b[i] : '.';
    buf[n] = 0;
    return json_string(buf);
}

static json_t *version_json(const sw_seg_meta *m, const uint8_t *b, uint32_t n, const ck_dir *sd)
{
    char fl[12];
    ck_flags_str(m->flags, fl);
    json_t *v = json_pack("{s:o,s:o,s:I,s:I,s:I,s:I,s:I,s:s}",
                          "hex", bytes_hex(b, n), "printable", bytes_printable(b, n),
                          "ts_us", (json_int_t)m->ts_us, "segment_seq", (json_int_t)m->seq,
                          "segment_len", (json_int_t)m->len, "ttl", (json_int_t)m->ttl,
                          "ip_id", (json_int_t)m->ip_id, "flags", fl);
    if (!v)
        return NULL;
    if (m->has_ts) {
        json_object_set_new(v, "tsval", json_integer(m->tsval));
        json_object_set_new(v, "tsecr", json_integer(m->tsecr));
    }
    if (m->has_mac) {
        char mac[18];
        snprintf(mac, sizeof mac, "%02x:%02x:%02x:%02x:%02x:%02x", m->src_mac[0], m->src_mac[1],
                 m->src_mac[2], m->src_mac[3], m->src_mac[4], m->src_mac[5]);
        json_object_set_new(v, "mac", json_string(mac));
    }
    if (sd->ttl_n >= CK_BASE_PKTS)
        json_object_set_new(v, "ttl_matches_baseline",
                            json_boolean(m->ttl == sd->ttl_base));
    return v;
}

/* Emitted at the flow's next packet: every range of the trigger packet is in. */
static int resolve_ovl(sw_checks *c, ck_flow *fs, const sw_flow *f, ck_pend *pd, const sw_pkt_obs *o)
{
    (void)c; (void)fs; (void)f; (void)o;
    return CK_EMIT;
}

/* The same for insertion_attempt (its own function: pending events are found by it). */
static int resolve_ins(sw_checks *c, ck_flow *fs, const sw_flow *f, ck_pend *pd, const sw_pkt_obs *o)
{
    (void)c; (void)fs; (void)f; (void)o; (void)pd;
    return CK_EMIT;
}

void ck_overlap(sw_checks *c, ck_flow *fs, const sw_flow *f, const sw_overlap_obs *o)
{
    if (o->kind != SW_OVL_MISMATCH || !o->len)
        return;
    int s = o->dir & 1, r = 1 - s;
    const sw_tcp_end *re = &f->conn.end[r];
    /* a keepalive's garbage byte at snd_una-1, which the receiver already has */
    if (o->len == 1 && o->new_meta.len <= 1 && re->ack_seen && o->seq == re->ack_max - 1u)
        return;

    const sw_packet *p = o->pkt;
    uint64_t ts = p ? p->ts_us : o->new_meta.ts_us;
    ck_resolve_fn fn = o->aside ? resolve_ins : resolve_ovl;
    sw_event_id evid = o->aside ? SW_EV_INSERTION_ATTEMPT : SW_EV_OVERLAP_MISMATCH;
    ck_pend *pd = ck_pend_find(fs, fn, s);
    if (pd && pd->ts_us == ts && pd->u.overlap.seq == o->new_meta.seq && ck_ev_live(&pd->ev)) {
        /* another range hit by the same packet */
        pd->u.overlap.ranges++;
        json_t *ranges = ck_ev_get_o(&pd->ev, "ranges");
        if (ranges && json_array_size(ranges) < CK_CHAIN_MAX)
            json_array_append_new(ranges, json_pack("{s:I,s:I,s:I}", "seq", (json_int_t)o->seq,
                                                    "len", (json_int_t)o->len,
                                                    "stream_offset",
                                                    (json_int_t)o->stream_offset));
        ck_ev_u(&pd->ev, "ranges_count", pd->u.overlap.ranges);
        ck_ev_u(&pd->ev, "bytes_differing_total", (pd->u.overlap.bytes += o->len));
        return;
    }
    if (pd)
        ck_pend_finish(c, fs, f, pd);
    pd = ck_pend_add(c, fs, f, fn, 1, s, ts, ts + CK_RESPONSE_US, NULL);
    if (!pd)
        return;
    pd->u.overlap.seq = o->new_meta.seq;
    pd->u.overlap.ranges = 1;
    pd->u.overlap.bytes = o->len;
    sw_event *ev = &pd->ev;
    int rc = ck_event_begin(c, fs, f, p, s, evid, ev);
    if (rc)
        return;
    const ck_dir *sd = &fs->d[s];
    ck_ev_u(ev, "seq", o->seq);
    ck_ev_u(ev, "len", o->len);
    ck_ev_u(ev, "stream_offset", o->stream_offset);
    ck_ev_u(ev, "bytes_shown", o->len > CK_HEX_MAX ? CK_HEX_MAX : o->len);
    uint32_t ndiff = 0, first_diff = o->len;
    for (uint32_t i = 0; i < o->len; i++)
        if (o->old_bytes[i] != o->new_bytes[i]) {
            if (first_diff == o->len)
                first_diff = i;
            ndiff++;
        }
    ck_ev_u(ev, "bytes_differing", ndiff);
    ck_ev_u(ev, "first_difference_at", first_diff);
    ck_ev_o(ev, "first_version", version_json(&o->old_meta, o->old_bytes, o->len, sd));
    ck_ev_o(ev, "second_version", version_json(&o->new_meta, o->new_bytes, o->len, sd));
    ck_ev_s(ev, "arrived_first", "first_version");
    ck_ev_b(ev, "first_version_delivered", o->old_delivered);
    ck_ev_u(ev, "interval_us", ck_dt(o->new_meta.ts_us, o->old_meta.ts_us));
    if (o->aside) {
        /* the receiver has the genuine version; the other never reached it */
        const char *und = o->aside == 1 ? "first_version" : "second_version";
        ck_ev_s(ev, "undeliverable_version", und);
        ck_ev_s(ev, "reason", sw_deliv_name(o->aside_reason));
        ck_ev_s(ev, "receiver_has", o->aside == 1 ? "second_version" : "first_version");
        if (o->aside_reason == SW_DELIV_TTL && p)
            ck_ev_u(ev, "receiver_hops", sw_tcp_end_hops(&f->conn.end[r]));
        if (o->aside_reason == SW_DELIV_PAWS)
            ck_ev_u(ev, "ts_recent", f->conn.end[s].ts_recent);
    } else {
        /* The receiver had acknowledged the range before the second version came: it
         * kept the first. Otherwise its stack's overlap policy decides (unknown). */
        int acked = re->ack_seen && SEQ_GEQ(re->ack_max, o->seq + o->len);
        ck_ev_s(ev, "receiver_acknowledged", acked ? "first_version" : "unknown");
        /* a data_injection held over this range: this event is the alert for it */
        uint32_t marks = ck_inject_superseded(c, fs, s, o->seq, o->len);
        if (marks)
            ck_ev_o(ev, "foreign_fingerprint", ck_fp_names(marks));
    }
    if (sd->ttl_n >= CK_BASE_PKTS) {
        int m1 = o->old_meta.ttl == sd->ttl_base, m2 = o->new_meta.ttl == sd->ttl_base;
        ck_ev_s(ev, "foreign_by_ttl", m1 && !m2 ? "second_version"
                                      : m2 && !m1 ? "first_version" : "unknown");
        ck_ev_u(ev, "baseline_ttl", sd->ttl_base);
    }
    ck_ev_o(ev, "ranges", json_pack("[{s:I,s:I,s:I}]", "seq", (json_int_t)o->seq,
                                    "len", (json_int_t)o->len,
                                    "stream_offset", (json_int_t)o->stream_offset));
    if (o->aside) {
        ck_ev_b(ev, "in_window_data", o->aside_reason != SW_DELIV_WINDOW);
        ck_ruled_out(ev, "retransmission", "keepalive_garbage_byte", NULL);
    } else {
        ck_ev_b(ev, "in_window_data", 1);
        ck_ruled_out(ev, "retransmission", "keepalive_garbage_byte", "sensor_loss", NULL);
    }
}
