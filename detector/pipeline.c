/*
 * pipeline.c — the detector pipeline (detector/detector.h): decode -> defrag -> flow
 * table -> TCP tracker -> reassembly, publishing observations to one observer.
 *
 * Invariants:
 *  - Every frame with a supported link type is counted exactly once, by its decode
 *    result. Only SW_DEC_TCP packets reach the flow table; a packet with a bad
 *    checksum is counted and changes no state (no flow is created for it). The
 *    decoder's notes on SW_DEC_TCP packets (bad_options, snap_truncated) are
 *    counted once per packet carrying them.
 *  - Checksum mode auto: a TCP segment whose checksum fails is taken (decoded again
 *    without verification) only if its checksum field is the offload signature and
 *    its sender is a learned offloading host, or becomes one: it has sent no packet
 *    with a verified checksum on that connection (detector/offload.c). Every other bad checksum
 *    is counted and changes no state, as in mode on.
 *  - An IP fragment is counted as SW_DEC_FRAGMENT and goes to the defragmenter; the
 *    datagram it completes is decoded once (as raw IP, with the link-layer fields of
 *    the completing fragment) and counted again by its own result; a reassembled TCP
 *    segment then takes exactly the path of any other (ip_frags says how many
 *    fragments it came in).
 *  - For one TCP packet the observer sees, in this order: on_conn_end (old instance,
 *    on reuse), on_conn_start (new instance), on_state (each end that changed),
 *    on_packet, then reassembly's on_overlap / on_stream.
 *  - Every connection instance that started ends exactly once with on_conn_end:
 *    on reuse of its 4-tuple, or when its flow leaves the table (timeout, eviction,
 *    flush). Both reassembly directions are closed before on_conn_end; a flow's
 *    reassembly directions and address strings never outlive the instance / flow.
 *  - flow_id depends only on the flow key, the instance number and the instance's
 *    first packet time, hashed under a fixed key: a capture always gives the same ids.
 *  - No allocation per packet: flows come from the table's slab. Stream chunks get
 *    their connection fields (flow_id, instance, addresses, ports, start) from the
 *    flow when they are delivered; the textual addresses are formatted then into
 *    a direct-mapped cache of the detector (SW_NAMES_CACHE flows, by flow hash; an
 *    entry is forgotten when its flow leaves the table), so no flow stores them.
 */
#include "detector/detector.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "detector/defrag.h"
#include "detector/flow.h"
#include "detector/offload.h"
#include "detector/packet.h"
#include "detector/reasm.h"
#include "detector/seq.h"
#include "detector/tcp_track.h"

#define SW_ADDR_STRLEN 46            /* INET6_ADDRSTRLEN */
#define SW_NAMES_CACHE 256u          /* flows whose textual addresses are kept */

/* The textual addresses of one flow's key endpoints, in a direct-mapped cache
 * indexed by the flow's hash. */
typedef struct names_ent {
    const sw_flow *flow;
    char ip[2][SW_ADDR_STRLEN];
} names_ent;

struct sw_detector {
    sw_observer obs;
    sw_observer robs;                /* what reassembly calls: fills chunks, then obs */
    sw_flow_table *ft;
    sw_reasm_ctx *rc;
    sw_defrag *df;
    sw_offload *off;                 /* checksum mode auto: the offloading hosts */
    uint64_t offload_accepted;
    int verify;
    int vlan_ignore;                 /* VLAN tags are not part of the flow key */
    uint64_t now_us;                 /* largest packet time seen */
    uint64_t first_us;
    int any_packet;

    int want_names;                  /* chunks carry textual addresses */
    names_ent names[SW_NAMES_CACHE];

    uint64_t dec[SW_DEC_NRESULTS];
    uint64_t bad_options, snap_truncated;   /* notes on SW_DEC_TCP packets */
    uint64_t packets, bytes;
    uint64_t conns, conn_handshake, conn_midstream, conn_reset, conn_closed, conn_timed_out;
    uint64_t frame_no;               /* number of the next frame fed (sw_detector_set_frame) */
};

/* The fixed key of flow ids (not the per-run seed: ids must be reproducible). */
static const uint8_t FLOW_ID_KEY[16] = {
    's', 'e', 'q', 'w', 'a', 't', 'c', 'h', '.', 'f', 'l', 'o', 'w', '_', 'i', 'd'
};

static uint64_t flow_id_of(const sw_flow *f)
{
    uint8_t buf[sizeof(sw_flow_key) + 12];
    memcpy(buf, &f->key, sizeof f->key);
    size_t o = sizeof f->key;
    for (int i = 0; i < 4; i++)
        buf[o++] = (uint8_t)(f->conn.instance >> (8 * i));
    for (int i = 0; i < 8; i++)
        buf[o++] = (uint8_t)(f->conn.start_us >> (8 * i));
    /* Below 2^51, as Suricata's flow_id: JSON readers that hold numbers as doubles
     * (jq 1.6, JavaScript) keep such an id exact. */
    uint64_t id = sw_keyed_hash(FLOW_ID_KEY, buf, o) & ((1ull << 51) - 1);
    return id ? id : 1;
}

/* ---- stream chunks ---- */

/* Reassembly gives each chunk its direction, kind, offset, bytes and flags; the
 * connection's fields come from the flow (its current instance: reassembly
 * directions are closed before an instance ends). */
static void r_on_stream(void *ctx, const sw_flow *f, const sw_stream_chunk *rc)
{
    sw_detector *d = ctx;
    if (!d->obs.on_stream)
        return;
    const sw_tcp_conn *c = &f->conn;
    int sep = rc->dir == 0 ? c->client_ep : 1 - c->client_ep;   /* sender's key endpoint */
    sw_stream_chunk ch = *rc;
    ch.flow_id = c->flow_id;
    ch.conn_instance = c->instance;
    if (d->want_names) {
        names_ent *ne = &d->names[f->hash % SW_NAMES_CACHE];
        if (ne->flow != f) {
            for (int ep = 0; ep < 2; ep++)
                if (!sw_addr_str(f->key.ip_version, f->key.addr[ep], ne->ip[ep], SW_ADDR_STRLEN))
                    snprintf(ne->ip[ep], SW_ADDR_STRLEN, "?");
            ne->flow = f;
        }
        ch.src_ip = ne->ip[sep];
        ch.dest_ip = ne->ip[1 - sep];
    }
    ch.src_port = f->key.port[sep];
    ch.dest_port = f->key.port[1 - sep];
    ch.conn_start_us = c->start_us;
    if (c->midstream)
        ch.flags |= SW_CHUNK_MIDSTREAM;
    d->obs.on_stream(d->obs.ctx, f, &ch);
}

static void r_on_overlap(void *ctx, const sw_overlap_obs *o)
{
    sw_detector *d = ctx;
    if (d->obs.on_overlap)
        d->obs.on_overlap(d->obs.ctx, o);
}

/* ---- connection instances ---- */

static void end_instance(sw_detector *d, sw_flow *f, const sw_packet *pkt, int why)
{
    sw_tcp_conn *c = &f->conn;
    for (int dir = 0; dir < 2; dir++) {
        if (f->rdir[dir]) {
            sw_reasm_dir *rd = f->rdir[dir];
            f->rdir[dir] = NULL;
            sw_reasm_dir_close(d->rc, rd, d->now_us);
        }
    }
    int outcome = c->reset ? SW_CONN_RESET : c->closed ? SW_CONN_CLOSED : why;
    c->outcome = (uint8_t)outcome;
    switch (outcome) {
    case SW_CONN_RESET: d->conn_reset++; break;
    case SW_CONN_CLOSED: d->conn_closed++; break;
    case SW_CONN_TIMED_OUT: d->conn_timed_out++; break;
    default: break;
    }
    if (d->obs.on_conn_end) {
        sw_conn_obs o = { .flow = f, .state = &f->obs_state, .pkt = pkt,
                           .outcome = (uint8_t)outcome };
        d->obs.on_conn_end(d->obs.ctx, &o);
    }
}

/* The flow table releases a flow (timeout, eviction, flush). */
static void on_release(void *user, sw_flow *f, int why)
{
    sw_detector *d = user;
    if (sw_tcp_track_used(&f->conn))
        end_instance(d, f, NULL, why);
    if (d->obs.on_flow_free)
        d->obs.on_flow_free(d->obs.ctx, f, &f->obs_state);
    f->obs_state = NULL;
    names_ent *ne = &d->names[f->hash % SW_NAMES_CACHE];
    if (ne->flow == f)
        ne->flow = NULL;
}

/* The flow key of a packet; with --vlan ignore without its VLAN tags. */
static void flow_key(const sw_detector *d, sw_flow_key *k, int *src_ep, const sw_packet *p)
{
    sw_flow_key_from_packet(k, src_ep, p);
    if (d->vlan_ignore) {
        k->nvlan = 0;
        k->vlan[0] = k->vlan[1] = 0;
    }
}

/* ---- fragments ---- */

/* The defragmenter saw overlapping fragments with different bytes: publish it with
 * the connection of the first fragment's ports when that is tracked. */
static void df_on_overlap(void *user, const sw_frag_overlap_obs *o)
{
    sw_detector *d = user;
    if (!d->obs.on_frag_overlap)
        return;
    sw_flow *f = NULL;
    int dir = 0;
    if (o->have_ports && o->proto == 6) {
        sw_packet q;
        memset(&q, 0, sizeof q);
        q.ip_version = o->ip_version;
        q.src_ip = o->src_ip;
        q.dst_ip = o->dst_ip;
        q.sport = o->sport;
        q.dport = o->dport;
        q.nvlan = o->pkt->nvlan;
        q.vlan[0] = o->pkt->vlan[0];
        q.vlan[1] = o->pkt->vlan[1];
        sw_flow_key k;
        int src_ep;
        flow_key(d, &k, &src_ep, &q);
        f = sw_flow_lookup(d->ft, &k);
        if (f && sw_tcp_track_used(&f->conn))
            dir = src_ep == f->conn.client_ep ? 0 : 1;
    }
    d->obs.on_frag_overlap(d->obs.ctx, o, f, f ? &f->obs_state : NULL, dir);
}

/* ---- construction ---- */

sw_detector *sw_detector_new(const sw_config *cfg, const sw_observer *obs, char *err, size_t errlen)
{
    if (!cfg) {
        if (err && errlen)
            snprintf(err, errlen, "detector: no configuration");
        return NULL;
    }
    if (sodium_init() < 0) {
        if (err && errlen)
            snprintf(err, errlen, "detector: libsodium initialisation failed");
        return NULL;
    }
    sw_detector *d = calloc(1, sizeof *d);
    if (d)
        d->want_names = 1;
    if (!d)
        goto oom;
    if (obs)
        d->obs = *obs;
    d->verify = cfg->checksum != SW_CHECKSUM_OFF;
    d->vlan_ignore = cfg->vlan_ignore != 0;

    sw_flow_table_config fc;
    memset(&fc, 0, sizeof fc);
    fc.max_flows = cfg->max_flows ? cfg->max_flows : 1;
    if (cfg->seed_set)
        memcpy(fc.seed, cfg->hash_seed, sizeof fc.seed);
    else
        randombytes_buf(fc.seed, sizeof fc.seed);
    fc.timeout[SW_FLOW_T_EMBRYONIC] = cfg->timeout_syn;
    fc.timeout[SW_FLOW_T_ESTABLISHED] = cfg->timeout_established;
    fc.timeout[SW_FLOW_T_CLOSING] = cfg->timeout_closing;
    d->ft = sw_flow_table_new(&fc, on_release, d);
    if (!d->ft)
        goto oom;

    sw_reasm_config rc;
    memset(&rc, 0, sizeof rc);
    rc.memcap = cfg->stream_memcap;
    rc.flow_cap = cfg->stream_flow_cap;
    rc.depth = cfg->stream_depth;
    rc.retain_seconds = cfg->retain_seconds;
    rc.retain_bytes = cfg->retain_bytes;
    rc.overlap_policy = cfg->stream_overlap ? SW_REASM_OVL_FIRST : SW_REASM_OVL_LINUX;
    memset(&d->robs, 0, sizeof d->robs);
    d->robs.ctx = d;
    d->robs.on_stream = r_on_stream;
    d->robs.on_overlap = r_on_overlap;
    d->rc = sw_reasm_ctx_new(&rc, &d->robs);
    if (!d->rc)
        goto oom;

    sw_defrag_config dc;
    memset(&dc, 0, sizeof dc);
    dc.policy = (int)cfg->frag_policy;
    dc.max_contexts = cfg->frag_max_contexts;
    dc.memcap = cfg->frag_memcap;
    dc.max_fragments = cfg->frag_max_fragments;
    dc.timeout_v4_s = 30;            /* Linux net.ipv4.ipfrag_time */
    dc.timeout_v6_s = 60;            /* Linux net.ipv6.ip6frag_time */
    dc.vlan_aware = !d->vlan_ignore;
    memcpy(dc.seed, fc.seed, sizeof dc.seed);
    dc.seed[0] ^= 0x5a;              /* not the flow table's key */
    d->df = sw_defrag_new(&dc, df_on_overlap, d);
    if (!d->df)
        goto oom;
    if (cfg->checksum == SW_CHECKSUM_AUTO) {
        uint8_t os[16];
        memcpy(os, fc.seed, sizeof os);
        os[0] ^= 0xa5;               /* not the flow table's key */
        d->off = sw_offload_new(1024, os);
        if (!d->off)
            goto oom;
    }
    return d;
oom:
    if (err && errlen)
        snprintf(err, errlen, "detector: out of memory");
    sw_detector_free(d);
    return NULL;
}

void sw_detector_free(sw_detector *d)
{
    if (!d)
        return;
    sw_flow_table_free(d->ft);      /* ends what is left, as a flush would */
    sw_reasm_ctx_free(d->rc);
    sw_defrag_free(d->df);
    sw_offload_free(d->off);
    free(d);
}

/* ---- per packet ---- */

static sw_reasm_dir *rdir_get(sw_detector *d, sw_flow *f, int dir)
{
    if (f->rdir[dir])
        return f->rdir[dir];
    f->rdir[dir] = sw_reasm_dir_new(d->rc, f, dir, sw_tcp_track_stream_base(&f->conn, dir), NULL);
    return f->rdir[dir];
}

/* How far past the receiver's right window edge data is still taken as the
 * sensor lagging behind (see reassemble()). */
#define SW_REASM_LAG_MIN (1u << 20)
#define SW_REASM_LAG_MAX (64u << 20)

static void reassemble(sw_detector *d, sw_flow *f, const sw_packet *p, const sw_pkt_obs *o,
                       const sw_tcp_result *res)
{
    int dir = o->dir;
    int syn = (p->flags & SW_TH_SYN) != 0;
    int fin = (p->flags & SW_TH_FIN) != 0 && !p->snap_truncated;
    /* The sensor's view of the receiver's window lags when its copy of the traffic
     * lost or reordered the ACK that opened it: data a little past the right edge is
     * then real data the receiver accepted. It is stored (bounded by the stream
     * caps) rather than lost; the tracker still does not learn from it, and if the
     * receiver really dropped it, the genuine bytes arriving later are compared with
     * it like any other overlap. Segments far beyond every window are not stored. */
    int lagging = 0;
    if (!res->accepted && o->seq_class == SW_SEQ_BEYOND && !syn && !(p->flags & SW_TH_RST)) {
        uint64_t lim = (uint64_t)(o->rcv_wnd_max > o->rcv_wnd ? o->rcv_wnd_max : o->rcv_wnd) * 4;
        if (lim < SW_REASM_LAG_MIN)
            lim = SW_REASM_LAG_MIN;
        if (lim > SW_REASM_LAG_MAX)
            lim = SW_REASM_LAG_MAX;
        lagging = (uint64_t)(uint32_t)(p->seq - o->rcv_nxt) < lim;
    }
    /* An undeliverable copy (TTL, PAWS, far past the window) with data is kept aside
     * as evidence: compared with the genuine bytes of its range, never delivered
     * (unless the receiver's ACK later shows it took it). Only once the sender's
     * stream has a base (its ISN, or a first deliverable segment); a copy far past
     * the window does not open a direction by itself (a blind spray would open
     * one per connection it hits). */
    int aside = !res->accepted && !lagging && o->verdict != SW_DELIV_OK && !syn &&
                !(p->flags & SW_TH_RST) && p->payload_len > 0 &&
                (f->rdir[dir] || (f->conn.end[dir].nxt_known && o->verdict != SW_DELIV_WINDOW));
    /* Data on a SYN (TCP Fast Open) is read only if the server takes it: its SYN-ACK
     * then acknowledges past ISN+1, which promotes the copy (a server without a valid
     * cookie acknowledges ISN+1 only and the client sends the bytes again). A byte
     * sent into a zero window (a probe) is dropped by Linux (tcp_data_queue: zero
     * window); if the receiver's ACK shows it did take it, it is promoted too. */
    int reason = o->verdict;
    if (res->accepted && syn && !(p->flags & SW_TH_ACK) && p->payload_len > 0) {
        aside = 1;
        reason = SW_DELIV_WINDOW;
    }
    if (res->accepted && (o->hints & SW_SEG_ZWP) && p->payload_len == 1 && o->rcv_wnd == 0 &&
        !syn && !(p->flags & (SW_TH_RST | SW_TH_FIN))) {
        aside = 1;
        reason = SW_DELIV_WINDOW;
    }
    /* An RST's payload never reaches the application (Linux discards the segment
     * when it resets the socket, RFC 9293 3.10.7.4; RFC 5961 allows diagnostic text
     * in it): the RST itself is passed below, its bytes are not stream bytes. */
    int rst = (p->flags & SW_TH_RST) != 0;
    if (((res->accepted || lagging) && !rst && (p->payload_len > 0 || fin)) || aside) {
        sw_reasm_dir *rd = rdir_get(d, f, dir);
        if (rd) {
            sw_seg_meta m;
            memset(&m, 0, sizeof m);
            m.ts_us = p->ts_us;
            m.seq = p->seq + (uint32_t)syn;     /* SYN (and TFO) data starts at ISN+1 */
            m.len = p->payload_len;
            m.ttl = p->ttl;
            m.has_ts = p->opt.has_ts;
            m.ip_id = p->ip_id;
            m.tsval = p->opt.tsval;
            m.tsecr = p->opt.tsecr;
            m.flags = p->flags;
            m.has_mac = p->has_mac;
            memcpy(m.src_mac, p->src_mac, 6);
            if (aside)
                sw_reasm_aside(d->rc, rd, m.seq, p->payload, p->payload_len, reason, &m, p);
            else
                sw_reasm_segment(d->rc, rd, m.seq, p->payload, p->payload_len, fin,
                                 (p->flags & SW_TH_URG) ? (p->urgptr ? p->urgptr : 1) : 0,
                                 &m, p);
        }
    }
    if (res->isn_switched && f->rdir[1 - dir]) {
        /* the other end's stream starts at the ISN the receiver acknowledged: its
         * direction (opened on the first ISN) is started again */
        sw_reasm_dir *od = f->rdir[1 - dir];
        f->rdir[1 - dir] = NULL;
        sw_reasm_dir_close(d->rc, od, p->ts_us);
    }
    /* An ACK past bytes of a direction that has nothing stored yet (every segment
     * of it was missed): the receiver got them, so the direction is opened and the
     * ACK declares the gap. More than one past the base: an ACK of base + 1 may be
     * the ACK of a FIN the sensor missed, which is not a byte. */
    if ((p->flags & SW_TH_ACK) && res->accepted && o->ack_class == SW_ACK_OK && !f->rdir[1 - dir] &&
        !rst && f->conn.end[1 - dir].nxt_known &&
        SEQ_GT(p->ack, sw_tcp_track_stream_base(&f->conn, 1 - dir) + 1))
        rdir_get(d, f, 1 - dir);
    if ((p->flags & SW_TH_ACK) && res->accepted && o->ack_class == SW_ACK_OK && f->rdir[1 - dir])
        sw_reasm_ack(d->rc, f->rdir[1 - dir], p->ack, p->ts_us);
    else if ((p->flags & SW_TH_ACK) && !rst && f->rdir[1 - dir] &&
             o->verdict != SW_DELIV_TTL && o->verdict != SW_DELIV_PAWS)
        /* bytes held after an RST or past a FIN: the receiver's ACK decides whether
         * it took the RST / FIN, even when the tracker cannot place the ACK
         * (suricata-verify bug-3286: a forged RST and FIN in SYN-SENT that the
         * client ignored) */
        sw_reasm_ack_held(d->rc, f->rdir[1 - dir], p->ack, p->ts_us);
    if (res->rst_accepted)
        for (int i = 0; i < 2; i++)
            if (f->rdir[i])
                sw_reasm_rst(d->rc, f->rdir[i], p->ts_us);
}

static void track(sw_detector *d, const sw_packet *p)
{
    sw_flow_expire(d->ft, p->ts_us);

    sw_flow_key k;
    int src_ep;
    flow_key(d, &k, &src_ep, p);
    sw_flow *f = sw_flow_lookup(d->ft, &k);
    if (!f) {
        f = sw_flow_create(d->ft, &k, p->ts_us);
        if (!f)
            return;
    }
    sw_flow_touch(d->ft, f, p->ts_us);
    f->last_frame = p->frame_no;
    if (p->csum_checked)
        f->csum_ok[src_ep] = 1;

    int new_inst = 0;
    if (sw_tcp_track_starts_instance(&f->conn, p, src_ep)) {
        uint32_t inst = 0;
        if (sw_tcp_track_used(&f->conn)) {
            end_instance(d, f, p, SW_CONN_CLOSED);
            inst = f->conn.instance + 1;
        }
        sw_tcp_track_begin(&f->conn, inst, p->ts_us);
        new_inst = 1;
    }

    sw_pkt_obs o;
    sw_tcp_result res;
    memset(&o, 0, sizeof o);
    o.pkt = p;
    o.flow = f;
    sw_tcp_track_packet(&f->conn, p, src_ep, &o, &res);
    o.state = &f->obs_state;

    if (new_inst) {
        f->conn.flow_id = flow_id_of(f);
        d->conns++;
        if (f->conn.midstream)
            d->conn_midstream++;
        if (d->obs.on_conn_start) {
            sw_conn_obs co = { .flow = f, .state = &f->obs_state, .pkt = p,
                                .outcome = SW_CONN_OPEN };
            d->obs.on_conn_start(d->obs.ctx, &co);
        }
    }
    if (res.handshake_completed)
        d->conn_handshake++;
    sw_flow_set_class(d->ft, f, sw_tcp_track_tclass(&f->conn));

    if (d->obs.on_state) {
        for (int i = 0; i < res.ntr; i++) {
            sw_state_obs so = { .flow = f, .pkt = p, .end = res.tr[i].end,
                                .from = res.tr[i].from, .to = res.tr[i].to };
            d->obs.on_state(d->obs.ctx, &so);
        }
    }
    if (d->obs.on_packet)
        d->obs.on_packet(d->obs.ctx, &o);

    reassemble(d, f, p, &o, &res);
}

/* A fragment: when it completes its datagram, decode that once and track it. */
static void defragment(sw_detector *d, const sw_packet *fp)
{
    const uint8_t *dg;
    uint32_t len, nfrags;
    if (!sw_defrag_add(d->df, fp, &dg, &len, &nfrags))
        return;
    sw_packet p;
    sw_decode_result r = sw_decode(&p, fp->ip_version == 6 ? SW_LINK_IPV6 : SW_LINK_IPV4,
                                   fp->ts_us, dg, len, len, d->verify);
    p.has_mac = fp->has_mac;
    memcpy(p.src_mac, fp->src_mac, 6);
    memcpy(p.dst_mac, fp->dst_mac, 6);
    p.nvlan = fp->nvlan;
    p.vlan[0] = fp->vlan[0];
    p.vlan[1] = fp->vlan[1];
    p.ip_frags = (uint16_t)(nfrags > 0xffff ? 0xffff : nfrags);
    if ((unsigned)r < SW_DEC_NRESULTS)
        d->dec[r]++;
    if (r == SW_DEC_TCP) {
        d->bad_options += p.bad_options != 0;
        d->snap_truncated += p.snap_truncated != 0;
        track(d, &p);
    }
}

/* Checksum mode auto: may this bad-checksum segment be taken as its sender's
 * offloaded packet? (p is decoded up to its TCP header.) */
static int offload_take(sw_detector *d, const sw_packet *p)
{
    if (!sw_offload_signature(p))
        return 0;
    sw_flow_key k;
    int src_ep;
    flow_key(d, &k, &src_ep, p);
    sw_flow *f = sw_flow_lookup(d->ft, &k);
    /* a sender not yet learned whose checksums verified on this connection does not
     * offload: a signature packet in its name is chaff */
    return sw_offload_learn(d->off, p, !(f && f->csum_ok[src_ep]));
}

int sw_detector_feed(sw_detector *d, int linktype, uint64_t ts_us,
                     const uint8_t *frame, uint32_t caplen, uint32_t wirelen)
{
    sw_packet p;
    sw_decode_result r = sw_decode(&p, linktype, ts_us, frame, caplen, wirelen, d->verify);
    if (r == SW_DEC_ERR_TCP_BAD_CHECKSUM && d->off && offload_take(d, &p)) {
        r = sw_decode(&p, linktype, ts_us, frame, caplen, wirelen, 0);
        d->offload_accepted += r == SW_DEC_TCP;
    }
    if (r == SW_DEC_ERR_UNKNOWN_LINK)
        return -1;
    p.frame_no = d->frame_no;
    d->packets++;
    d->bytes += wirelen;
    if (!d->any_packet) {
        d->any_packet = 1;
        d->first_us = ts_us;
    }
    if (ts_us > d->now_us)
        d->now_us = ts_us;
    if ((unsigned)r < SW_DEC_NRESULTS)
        d->dec[r]++;
    if (r == SW_DEC_TCP) {
        d->bad_options += p.bad_options != 0;
        d->snap_truncated += p.snap_truncated != 0;
        track(d, &p);
    } else if (r == SW_DEC_FRAGMENT) {
        defragment(d, &p);
    }
    return 0;
}

void sw_detector_set_frame(sw_detector *d, uint64_t frame_no)
{
    if (d)
        d->frame_no = frame_no;
}

size_t sw_detector_offload_hosts(const sw_detector *d, sw_offload_host *out, size_t max)
{
    return d ? sw_offload_hosts(d->off, out, max) : 0;
}

void sw_detector_want_names(sw_detector *d, int on)
{
    if (d)
        d->want_names = on != 0;
}

void sw_detector_tick(sw_detector *d, uint64_t ts_us)
{
    if (!d)
        return;
    if (ts_us > d->now_us)
        d->now_us = ts_us;
    sw_flow_expire(d->ft, ts_us);
    sw_defrag_expire(d->df, ts_us);
}

void sw_detector_flush(sw_detector *d)
{
    if (d)
        sw_flow_flush(d->ft);
}

uint64_t sw_detector_decode_count(const sw_detector *d, int reason)
{
    if (!d || reason < 0 || reason >= SW_DEC_NRESULTS)
        return 0;
    return d->dec[reason];
}

void sw_detector_stats(const sw_detector *d, sw_stats *out)
{
    out->packets = d->packets;
    out->bytes = d->bytes;
    out->tcp_packets = d->dec[SW_DEC_TCP];
    out->non_tcp_packets = d->dec[SW_DEC_NOT_TCP];
    out->non_ip_packets = d->dec[SW_DEC_NOT_IP];
    out->fragments = d->dec[SW_DEC_FRAGMENT];
    uint64_t errs = 0;
    for (int r = SW_DEC_ERR_FIRST; r < SW_DEC_NRESULTS; r++)
        errs += d->dec[r];
    out->decode_errors = errs;
    out->checksum_errors = d->dec[SW_DEC_ERR_IPV4_BAD_CHECKSUM] + d->dec[SW_DEC_ERR_TCP_BAD_CHECKSUM];
    out->tcp_bad_options = d->bad_options;
    out->snap_truncated = d->snap_truncated;

    sw_flow_counters fc;
    sw_flow_table_counters(d->ft, &fc);
    out->flows = fc.created;
    out->flows_active = fc.active;
    out->flows_evicted_cap = fc.evicted_cap;
    out->flows_timed_out = fc.timed_out;
    out->tcp_connections = d->conns;
    out->conn_handshake = d->conn_handshake;
    out->conn_midstream = d->conn_midstream;
    out->conn_reset = d->conn_reset;
    out->conn_closed = d->conn_closed;
    out->conn_timed_out = d->conn_timed_out;

    sw_reasm_counters rc;
    memset(&rc, 0, sizeof rc);
    sw_reasm_counters_get(d->rc, &rc);
    out->stream_bytes_delivered = rc.bytes_delivered;
    out->stream_gaps = rc.gaps;
    out->stream_gap_bytes = rc.gap_bytes;
    out->stream_overlaps = rc.overlaps;
    out->stream_overlap_mismatches = rc.overlap_mismatches;
    out->stream_memcap_evictions = rc.memcap_evictions;
    out->stream_depth_reached = rc.depth_reached;
    out->stream_mem_in_use = rc.mem_in_use;
    out->stream_mem_peak = rc.mem_peak;
    out->stream_payload_peak = rc.payload_peak;
    out->stream_segments_refused = rc.segments_dropped_cap;
    sw_defrag_counters dc;
    sw_defrag_counters_get(d->df, &dc);
    out->frag_reassembled = dc.reassembled;
    out->frag_timed_out = dc.timed_out;
    out->frag_evicted = dc.evicted;
    out->frag_too_many = dc.too_many;
    out->frag_overlaps = dc.overlaps;
    out->frag_overlap_mismatches = dc.overlap_mismatches;
    out->frag_overlap_drops = dc.overlap_drops;
    out->frag_duplicates = dc.duplicates;
    out->frag_invalid = dc.invalid;
    out->frag_cut = dc.cut;
    out->frag_tiny_tcp = dc.tiny_tcp;
    out->frag_not_tcp = dc.not_tcp;
    out->frag_mem_peak = dc.mem_peak;
    out->checksum_offload_accepted = d->offload_accepted;
    out->offload_hosts = sw_offload_hosts(d->off, NULL, 0);
    out->offload_hosts_refused = sw_offload_refused(d->off);
    if (d->any_packet) {
        out->first_ts_us = d->first_us;
        out->last_ts_us = d->now_us;
    }
}
