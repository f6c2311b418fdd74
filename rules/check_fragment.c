/*
 * check_fragment.c — ip_fragment_overlap: the defragmenter saw two fragments of one
 * datagram overlap with different bytes (detector/defrag.c publishes it through
 * on_frag_overlap before its policy's choice is applied). A sender's own stack never
 * re-fragments one datagram into fragments whose bytes differ, so the only sources
 * are an attacker playing the receiver's reassembly policy against the sensor
 * (Ptacek & Newsham 1998) and broken middleboxes.
 *
 * The evidence carries both versions (hex and printable, at most CK_HEX_MAX bytes
 * each), the two fragments' offsets and lengths, the IP identification, the policy
 * and which version it kept ("first_version", "second_version", or "none" when the
 * policy drops the whole datagram, as Linux does).
 *
 * Invariants: the event belongs to the connection of the first fragment's ports when
 * the detector tracks it (its flow id, numbering and packet ladder); otherwise it
 * stands alone (flow_id 0, addresses of the fragment, ports when known).
 */
#include <string.h>

#include "detector/defrag.h"
#include "rules/ck_families.h"
#include "rules/ck_event.h"
#include "rules/ck_emit.h"
#include "rules/ck_pend.h"

/* {hex, printable} of at most CK_HEX_MAX bytes */
static json_t *frag_version(const uint8_t *b, uint32_t n, uint32_t frag_off, uint32_t frag_len)
{
    static const char hx[] = "0123456789abcdef";
    char hex[CK_HEX_MAX * 2 + 1], pr[CK_HEX_MAX + 1];
    if (n > CK_HEX_MAX)
        n = CK_HEX_MAX;
    for (uint32_t i = 0; i < n; i++) {
        hex[2 * i] = hx[b[i] >> 4];
        hex[2 * i + 1] = hx[b[i] & 15];
        pr[i] = (b[i] >= 0x20 && b[i] < 0x7f) ? (char)b[i] : '.';
    }
    hex[2 * n] = 0;
    pr[n] = 0;
    return json_pack("{s:s,s:s,s:I,s:I}", "hex", hex, "printable", pr,
                     "fragment_offset", (json_int_t)frag_off, "fragment_len", (json_int_t)frag_len);
}

void ck_frag_overlap(void *ctx, const sw_frag_overlap_obs *o, const sw_flow *f, void **state,
                     int dir)
{
    sw_checks *c = ctx;
    sw_event ev;
    ck_flow *fs = f && state ? *state : NULL;
    const sw_packet *p = o->pkt;
    if (fs) {
        if (ck_event_begin(c, fs, f, NULL, dir, SW_EV_IP_FRAGMENT_OVERLAP, &ev))
            return;
    } else {
        memset(&ev, 0, sizeof ev);
        ev.id = SW_EV_IP_FRAGMENT_OVERLAP;
        ev.evidence = json_object();
        ev.ruled_out = json_array();
        if (!ev.evidence || !ev.ruled_out) {
            sw_event_clear(&ev);
            return;
        }
        ev.dir = 0;
    }
    /* the fragment's own addresses: it is the packet that made this fire */
    ev.ts_us = p->ts_us;
    ev.ip_version = o->ip_version;
    size_t al = o->ip_version == 6 ? 16 : 4;
    memcpy(ev.src_ip, o->src_ip, al);
    memcpy(ev.dst_ip, o->dst_ip, al);
    ev.sport = o->have_ports ? o->sport : 0;
    ev.dport = o->have_ports ? o->dport : 0;
    ev.nvlan = p->nvlan > 2 ? 2 : p->nvlan;
    ev.vlan[0] = p->vlan[0];
    ev.vlan[1] = p->vlan[1];

    static const char *const kept[] = { "first_version", "second_version", "none" };
    ck_ev_u(&ev, "ip_id", o->id);
    ck_ev_u(&ev, "ip_proto", o->proto);
    ck_ev_u(&ev, "offset", o->offset);
    ck_ev_u(&ev, "len", o->len);
    ck_ev_u(&ev, "bytes_shown", o->len > CK_HEX_MAX ? CK_HEX_MAX : o->len);
    ck_ev_u(&ev, "bytes_differing", o->bytes_differing);
    ck_ev_o(&ev, "first_version", frag_version(o->old_bytes, o->len, o->old_frag_off, o->old_frag_len));
    ck_ev_o(&ev, "second_version", frag_version(o->new_bytes, o->len, o->new_frag_off, o->new_frag_len));
    ck_ev_s(&ev, "frag_policy", sw_frag_policy_name(o->policy));
    ck_ev_s(&ev, "policy_kept", kept[o->kept > 2 ? 2 : o->kept]);
    ck_ev_b(&ev, "datagram_dropped", o->kept == 2);
    ck_ev_u(&ev, "ttl", p->ttl);
    ck_ev_u(&ev, "interval_us", ck_dt(p->ts_us, o->first_us));
    ck_ev_b(&ev, "connection_tracked", fs != NULL);
    ck_ruled_out(&ev, "retransmission", NULL);
    ck_deliver(c, fs, &ev);
}
