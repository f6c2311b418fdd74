/*
 * pktbuild.c — packet builder for the tests (see pktbuild.h).
 *
 * Builds one frame per pb_seg: a link header (Ethernet with 0..2 VLAN tags, Linux
 * SLL/SLL2, raw IP, BSD NULL/LOOP), an IPv4 or IPv6 header (optional IPv4 NOP options
 * or IPv6 hop-by-hop + destination-options headers) and a TCP header with options
 * padded to a multiple of 4 bytes. Checksums are always correct unless a damage flag
 * asks otherwise; a damaged checksum is changed by a value that cannot be congruent to
 * 0 mod 0xffff, so it never accidentally stays valid.
 *
 * Invariants: pb_build never writes past buf[cap); a frame that would not fit (or
 * TCP options over 40 bytes) gives 0. The trace owns a copy of every frame. pb_conn
 * keeps both sides' sequence numbers and timestamp clocks; the clocks follow the trace
 * clock at one tick per millisecond.
 */
#include "pktbuild.h"
#include "detector/packet.h"

#include <arpa/inet.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PB_MAX_FRAME 65600

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);  p[3] = (uint8_t)v;
}

/* One's-complement sum of a byte run, folded later. */
static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
    size_t i;
    for (i = 0; i + 1 < n; i += 2)
        sum += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (n & 1)
        sum += (uint32_t)p[n - 1] << 8;
    return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

/* Build TCP options into o (40 bytes max); returns the padded length or -1. */
static int build_tcp_opts(uint8_t *o, const pb_seg *s)
{
    uint8_t tmp[64];
    int n = 0, i;
    if (s->mss > 0) {
        tmp[n++] = 2; tmp[n++] = 4; put16(tmp + n, (uint16_t)s->mss); n += 2;
    }
    if (s->sack_perm && s->ts) {
        tmp[n++] = 4; tmp[n++] = 2;
    } else if (s->sack_perm) {
        tmp[n++] = 1; tmp[n++] = 1; tmp[n++] = 4; tmp[n++] = 2;
    } else if (s->ts) {
        tmp[n++] = 1; tmp[n++] = 1;
    }
    if (s->ts) {
        tmp[n++] = 8; tmp[n++] = 10;
        put32(tmp + n, s->tsval); n += 4;
        put32(tmp + n, s->tsecr); n += 4;
    }
    if (s->has_wscale || s->wscale > 0) {
        if (s->wscale >= 0) {
            tmp[n++] = 1; tmp[n++] = 3; tmp[n++] = 3; tmp[n++] = (uint8_t)s->wscale;
        }
    }
    if (s->nsack > 0) {
        int k = s->nsack > 4 ? 4 : s->nsack;
        if (n + 4 + 8 * k > 60)
            return -1;
        tmp[n++] = 1; tmp[n++] = 1;
        tmp[n++] = 5; tmp[n++] = (uint8_t)(2 + 8 * k);
        for (i = 0; i < k; i++) {
            put32(tmp + n, s->sack[i][0]); n += 4;
            put32(tmp + n, s->sack[i][1]); n += 4;
        }
    }
    if (s->tfo_cookie_len > 0) {
        int cl = s->tfo_cookie_len > 16 ? 16 : s->tfo_cookie_len;
        if (n + 2 + cl > 60)
            return -1;
        tmp[n++] = 34; tmp[n++] = (uint8_t)(2 + cl);
        memset(tmp + n, 0xAB, (size_t)cl); n += cl;
    }
    while (n % 4)
        tmp[n++] = 1;                      /* NOP padding, as Linux does */
    if (n > 40)
        return -1;
    memcpy(o, tmp, (size_t)n);
    return n;
}

static int parse_addr(int v, const char *txt, const char *dflt, uint8_t *out)
{
    return inet_pton(v == 6 ? AF_INET6 : AF_INET, txt ? txt : dflt, out) == 1;
}

static int mac_is_zero(const uint8_t *m)
{
    static const uint8_t z[6];
    return memcmp(m, z, 6) == 0;
}

/* Link-layer header length for linktype (without VLAN tags), or -1. */
static int link_hlen(int linktype)
{
    switch (linktype) {
    case 1:   return 14;
    case 101: case 12: case 14: case 228: case 229: return 0;
    case 113: return 16;
    case 276: return 20;
    case 0: case 108: return 4;
    default:  return -1;
    }
}

size_t pb_build(uint8_t *buf, size_t cap, int linktype, const pb_seg *s)
{
    int v = s->ip_version == 6 ? 6 : 4;
    uint8_t src[16], dst[16];
    uint8_t opts[40];
    int optlen, lh, nvlan = s->nvlan < 0 ? 0 : (s->nvlan > 2 ? 2 : s->nvlan);
    size_t iphl, exthl = 0, tcphl, total, off = 0;
    uint8_t *ip, *tcp;
    uint32_t sum;
    uint16_t c;

    if (!parse_addr(v, s->src, v == 6 ? "2001:db8::1" : "10.0.0.1", src) ||
        !parse_addr(v, s->dst, v == 6 ? "2001:db8::2" : "10.0.0.2", dst))
        return 0;
    optlen = build_tcp_opts(opts, s);
    if (optlen < 0)
        return 0;
    lh = link_hlen(linktype);
    if (lh < 0)
        return 0;
    if (linktype == 1)
        lh += 4 * nvlan;
    if (v == 4) {
        int o = s->ipv4_options;
        if (o < 0 || o > 40 || o % 4)
            return 0;
        iphl = 20 + (size_t)o;
    } else {
        iphl = 40;
        exthl = s->ipv6_ext ? 16 : 0;
    }
    tcphl = 20 + (size_t)optlen;
    total = (size_t)lh + iphl + exthl + tcphl + s->len;
    if (total > cap || iphl + exthl + tcphl + s->len > 65535 + (v == 6 ? 40 : 0))
        return 0;
    memset(buf, 0, total - s->len);

    /* link layer */
    switch (linktype) {
    case 1: {
        static const uint8_t dsrc[6] = {0x02, 0, 0, 0, 0, 0x01};
        static const uint8_t ddst[6] = {0x02, 0, 0, 0, 0, 0x02};
        int i;
        memcpy(buf, mac_is_zero(s->dst_mac) ? ddst : s->dst_mac, 6);
        memcpy(buf + 6, mac_is_zero(s->src_mac) ? dsrc : s->src_mac, 6);
        off = 12;
        for (i = 0; i < nvlan; i++) {
            uint16_t tpid = (i == 0 && nvlan == 2 && s->qinq) ? 0x88a8 : 0x8100;
            if (i == 0 && nvlan == 1 && s->qinq)
                tpid = 0x88a8;
            put16(buf + off, tpid);
            put16(buf + off + 2, (uint16_t)(s->vlan[i] & 0x0fff));
            off += 4;
        }
        put16(buf + off, v == 6 ? 0x86dd : 0x0800);
        off += 2;
        break;
    }
    case 113:
        put16(buf, 0);                     /* packet to us */
        put16(buf + 2, 1);                 /* ARPHRD_ETHER */
        put16(buf + 4, 6);
        memcpy(buf + 6, mac_is_zero(s->src_mac) ? (const uint8_t[6]){0x02, 0, 0, 0, 0, 0x01} : s->src_mac, 6);
        put16(buf + 14, v == 6 ? 0x86dd : 0x0800);
        off = 16;
        break;
    case 276:
        put16(buf, v == 6 ? 0x86dd : 0x0800);
        put32(buf + 4, 2);                 /* interface index */
        put16(buf + 8, 1);                 /* ARPHRD_ETHER */
        buf[10] = 0;                       /* packet to us */
        buf[11] = 6;
        memcpy(buf + 12, mac_is_zero(s->src_mac) ? (const uint8_t[6]){0x02, 0, 0, 0, 0, 0x01} : s->src_mac, 6);
        off = 20;
        break;
    case 0: {
        uint32_t fam = v == 6 ? 30 : 2;    /* BSD values, host byte order */
        memcpy(buf, &fam, 4);
        off = 4;
        break;
    }
    case 108:
        put32(buf, v == 6 ? 30 : 2);       /* network byte order */
        off = 4;
        break;
    default:
        off = 0;
        break;
    }

    /* network layer */
    ip = buf + off;
    if (v == 4) {
        ip[0] = (uint8_t)(0x40 | (iphl / 4));
        ip[1] = 0;
        put16(ip + 2, (uint16_t)(iphl + tcphl + s->len));
        put16(ip + 4, s->ip_id);
        put16(ip + 6, 0x4000);             /* DF */
        ip[8] = s->ttl ? s->ttl : 64;
        ip[9] = 6;
        memcpy(ip + 12, src, 4);
        memcpy(ip + 16, dst, 4);
        if (iphl > 20)
            memset(ip + 20, 1, iphl - 20); /* NOP options */
        c = csum_fold(csum_add(0, ip, iphl));
        if (s->bad_ip_csum)
            c ^= 0x0101;
        put16(ip + 10, c);
    } else {
        ip[0] = 0x60;
        put16(ip + 4, (uint16_t)(exthl + tcphl + s->len));
        ip[6] = s->ipv6_ext ? 0 : 6;
        ip[7] = s->ttl ? s->ttl : 64;
        memcpy(ip + 8, src, 16);
        memcpy(ip + 24, dst, 16);
        if (s->ipv6_ext) {
            uint8_t *e = ip + 40;
            e[0] = 60; e[1] = 0; e[2] = 1; e[3] = 4;   /* hop-by-hop: PadN(4) */
            e[8] = 6;  e[9] = 0; e[10] = 1; e[11] = 4; /* dest opts: PadN(4) */
        }
    }

    /* transport layer */
    tcp = ip + iphl + exthl;
    put16(tcp, s->sport);
    put16(tcp + 2, s->dport);
    put32(tcp + 4, s->seq);
    put32(tcp + 8, s->ack);
    tcp[12] = (uint8_t)((tcphl / 4) << 4);
    tcp[13] = s->flags;
    put16(tcp + 14, s->win);
    put16(tcp + 18, s->urg);
    memcpy(tcp + 20, opts, (size_t)optlen);
    if (s->len)
        memcpy(tcp + tcphl, s->payload, s->len);

    if (v == 4) {
        uint8_t ph[12];
        memcpy(ph, src, 4);
        memcpy(ph + 4, dst, 4);
        ph[8] = 0; ph[9] = 6;
        put16(ph + 10, (uint16_t)(tcphl + s->len));
        sum = csum_add(0, ph, 12);
    } else {
        uint8_t ph[40];
        memcpy(ph, src, 16);
        memcpy(ph + 16, dst, 16);
        put32(ph + 32, (uint32_t)(tcphl + s->len));
        ph[36] = ph[37] = ph[38] = 0; ph[39] = 6;
        sum = csum_add(0, ph, 40);
    }
    sum = csum_add(sum, tcp, tcphl + s->len);
    c = csum_fold(sum);
    if (s->bad_tcp_csum)
        c ^= 0x0101;
    put16(tcp + 16, c);
    return total;
}

/* ---- traces ---- */

void pb_trace_init(pb_trace *t, int linktype, uint64_t start_us)
{
    memset(t, 0, sizeof *t);
    t->linktype = linktype;
    t->now_us = start_us;
}

void pb_trace_free(pb_trace *t)
{
    size_t i;
    for (i = 0; i < t->n; i++)
        free(t->frames[i].data);
    free(t->frames);
    t->frames = NULL;
    t->n = t->cap = 0;
}

void pb_trace_add_raw(pb_trace *t, const uint8_t *frame, size_t len)
{
    pb_frame *f;
    if (t->n == t->cap) {
        size_t nc = t->cap ? t->cap * 2 : 64;
        pb_frame *nf = realloc(t->frames, nc * sizeof *nf);
        if (!nf) {
            fprintf(stderr, "pktbuild: out of memory\n");
            abort();
        }
        t->frames = nf;
        t->cap = nc;
    }
    f = &t->frames[t->n];
    f->data = malloc(len ? len : 1);
    if (!f->data) {
        fprintf(stderr, "pktbuild: out of memory\n");
        abort();
    }
    if (len)
        memcpy(f->data, frame, len);
    f->len = (uint32_t)len;
    f->ts_us = t->now_us;
    t->n++;
}

void pb_trace_add(pb_trace *t, const pb_seg *s)
{
    uint8_t *buf = malloc(PB_MAX_FRAME);
    size_t n = buf ? pb_build(buf, PB_MAX_FRAME, t->linktype, s) : 0;
    if (n == 0) {
        /* a test asked for something unbuildable: fail loudly, never silently */
        fprintf(stderr, "pktbuild: cannot build segment (linktype %d, bad address, "
                "options over 40 bytes or bad ipv4_options)\n", t->linktype);
        abort();
    }
    pb_trace_add_raw(t, buf, n);
    free(buf);
}

void pb_tick(pb_trace *t, uint64_t us) { t->now_us += us; }

int pb_trace_write(const pb_trace *t, const char *path)
{
    pcap_t *pd;
    pcap_dumper_t *d;
    size_t i;
    int dlt = t->linktype, rc = 0;
    if (dlt == 101)
        dlt = 12;                          /* DLT_RAW; libpcap writes LINKTYPE_RAW (101) */
    pd = pcap_open_dead(dlt, 262144);
    if (!pd)
        return -1;
    d = pcap_dump_open(pd, path);
    if (!d) {
        pcap_close(pd);
        return -1;
    }
    for (i = 0; i < t->n; i++) {
        struct pcap_pkthdr h;
        memset(&h, 0, sizeof h);
        h.ts.tv_sec = (time_t)(t->frames[i].ts_us / 1000000);
        h.ts.tv_usec = (suseconds_t)(t->frames[i].ts_us % 1000000);
        h.caplen = h.len = t->frames[i].len;
        pcap_dump((u_char *)d, &h, t->frames[i].data);
    }
    if (pcap_dump_flush(d) != 0)
        rc = -1;
    pcap_dump_close(d);
    pcap_close(pd);
    return rc;
}

void pb_trace_each(const pb_trace *t,
                   void (*fn)(void *user, int linktype, uint64_t ts_us, const uint8_t *f, uint32_t len),
                   void *user)
{
    size_t i;
    for (i = 0; i < t->n; i++)
        fn(user, t->linktype, t->frames[i].ts_us, t->frames[i].data, t->frames[i].len);
}

/* ---- conversations ---- */

#define PB_SYN_WIN 64240

/* Advance both timestamp clocks to the trace clock (1 tick per ms). */
static void conn_sync_clocks(pb_conn *c)
{
    uint64_t ms;
    if (c->t->now_us <= c->clock_us)
        return;
    ms = (c->t->now_us - c->clock_us) / 1000;
    c->tsval[0] += (uint32_t)ms;
    c->tsval[1] += (uint32_t)ms;
    c->clock_us += ms * 1000;
}

void pb_conn_init(pb_conn *c, pb_trace *t, const char *cip, uint16_t cport,
                  const char *sip, uint16_t sport, uint32_t cisn, uint32_t sisn)
{
    memset(c, 0, sizeof *c);
    c->t = t;
    c->ip_version = strchr(cip, ':') ? 6 : 4;
    c->ip[0] = cip;
    c->ip[1] = sip;
    c->port[0] = cport;
    c->port[1] = sport;
    c->nxt[0] = cisn;
    c->nxt[1] = sisn;
    c->win[0] = c->win[1] = 502;           /* x 128 (wscale 7) = 64256 bytes */
    c->ttl[0] = c->ttl[1] = 64;
    c->tsval[0] = 1000000;
    c->tsval[1] = 7000000;
    c->tick_us = 1000;
    c->clock_us = t->now_us;
}

void pb_conn_seg(const pb_conn *c, int side, pb_seg *s)
{
    int o = !side;
    memset(s, 0, sizeof *s);
    s->ip_version = c->ip_version;
    s->src = c->ip[side];
    s->dst = c->ip[o];
    s->sport = c->port[side];
    s->dport = c->port[o];
    s->ttl = c->ttl[side];
    s->seq = c->nxt[side];
    s->ack = c->ackv[side];
    s->flags = SW_TH_ACK;
    s->win = c->win[side];
    s->wscale = -1;
    if (c->ts) {
        s->ts = 1;
        s->tsval = c->tsval[side];
        s->tsecr = c->ts_last[o];
    }
}

/* Append s, then advance the trace clock by one tick. */
static void conn_emit(pb_conn *c, int side, const pb_seg *s, int record_ts)
{
    pb_trace_add(c->t, s);
    if (record_ts && s->ts)
        c->ts_last[side] = s->tsval;
    pb_tick(c->t, (uint64_t)(c->tick_us > 0 ? c->tick_us : 0));
}

static void conn_syn(pb_conn *c, int side, int synack)
{
    pb_seg s;
    conn_sync_clocks(c);
    pb_conn_seg(c, side, &s);
    s.flags = synack ? (SW_TH_SYN | SW_TH_ACK) : SW_TH_SYN;
    if (!synack)
        s.ack = 0;
    s.win = PB_SYN_WIN;
    s.mss = 1460;
    s.has_wscale = 1;
    s.wscale = 7;
    s.sack_perm = 1;
    if (!synack)
        s.tsecr = 0;
    conn_emit(c, side, &s, 1);
    c->nxt[side]++;
}

void pb_conn_handshake(pb_conn *c)
{
    conn_syn(c, 0, 0);
    c->ackv[1] = c->nxt[0];
    conn_syn(c, 1, 1);
    pb_conn_ack(c, 0);
}

void pb_conn_send(pb_conn *c, int side, const void *data, uint32_t len)
{
    pb_seg s;
    conn_sync_clocks(c);
    pb_conn_seg(c, side, &s);
    s.flags = SW_TH_ACK | SW_TH_PSH;
    s.payload = data;
    s.len = len;
    conn_emit(c, side, &s, 1);
    c->nxt[side] += len;
}

void pb_conn_ack(pb_conn *c, int side)
{
    pb_seg s;
    conn_sync_clocks(c);
    c->ackv[side] = c->nxt[!side];
    pb_conn_seg(c, side, &s);
    s.flags = SW_TH_ACK;
    conn_emit(c, side, &s, 1);
}

void pb_conn_fin(pb_conn *c, int side)
{
    pb_seg s;
    conn_sync_clocks(c);
    pb_conn_seg(c, side, &s);
    s.flags = SW_TH_FIN | SW_TH_ACK;
    conn_emit(c, side, &s, 1);
    c->nxt[side]++;
}

void pb_conn_raw(pb_conn *c, int side, const pb_seg *over)
{
    pb_seg s;
    conn_sync_clocks(c);
    pb_conn_seg(c, side, &s);
    if (over->ip_version) s.ip_version = over->ip_version;
    if (over->src)   s.src = over->src;
    if (over->dst)   s.dst = over->dst;
    if (over->sport) s.sport = over->sport;
    if (over->dport) s.dport = over->dport;
    if (over->ttl)   s.ttl = over->ttl;
    if (over->ip_id) s.ip_id = over->ip_id;
    if (over->seq)   s.seq = over->seq;
    if (over->ack)   s.ack = over->ack;
    if (over->flags) s.flags = over->flags;
    if (over->win)   s.win = over->win;
    if (over->urg)   s.urg = over->urg;
    if (over->mss)   s.mss = over->mss;
    if (over->has_wscale || over->wscale > 0) {
        s.has_wscale = 1;
        s.wscale = over->wscale;
    }
    if (over->sack_perm) s.sack_perm = 1;
    if (over->ts)    s.ts = 1;
    if (over->tsval) s.tsval = over->tsval;
    if (over->tsecr) s.tsecr = over->tsecr;
    if (over->nsack) {
        s.nsack = over->nsack;
        memcpy(s.sack, over->sack, sizeof s.sack);
    }
    if (over->tfo_cookie_len) s.tfo_cookie_len = over->tfo_cookie_len;
    if (over->len) {
        s.payload = over->payload;
        s.len = over->len;
    }
    if (!mac_is_zero(over->src_mac)) memcpy(s.src_mac, over->src_mac, 6);
    if (!mac_is_zero(over->dst_mac)) memcpy(s.dst_mac, over->dst_mac, 6);
    if (over->nvlan) {
        s.nvlan = over->nvlan;
        memcpy(s.vlan, over->vlan, sizeof s.vlan);
        s.qinq = over->qinq;
    }
    s.bad_ip_csum = over->bad_ip_csum;
    s.bad_tcp_csum = over->bad_tcp_csum;
    s.ipv4_options = over->ipv4_options;
    s.ipv6_ext = over->ipv6_ext;
    conn_emit(c, side, &s, 0);
}

/* ---- IP fragments ---- */

/* Offset of the IP header in a frame pb_build made; -1 if the link type is not one of
 * those pb_fragment handles. */
static long ip_offset(int linktype, const uint8_t *f, size_t len)
{
    size_t off;
    uint16_t et;
    switch (linktype) {
    case 1:
        off = 12;
        break;
    case 113:
        off = 14;
        break;
    case 101: case 12: case 14: case 228: case 229:
        return 0;
    default:
        return -1;
    }
    for (;;) {
        if (off + 2 > len)
            return -1;
        et = (uint16_t)(f[off] << 8 | f[off + 1]);
        if (et != 0x8100 && et != 0x88a8 && et != 0x9100)
            return (long)off + 2;
        off += 4;
    }
}

size_t pb_fragment(uint8_t *out, size_t cap, int linktype, const uint8_t *frame, size_t flen,
                   uint32_t off, uint32_t len, int mf, uint32_t id, const uint8_t *bytes)
{
    long io = ip_offset(linktype, frame, flen);
    if (io < 0 || (size_t)io + 40 > flen)
        return 0;
    const uint8_t *ip = frame + io;
    if ((ip[0] >> 4) == 4) {
        size_t hl = (size_t)(ip[0] & 15) * 4;
        size_t tot = (size_t)(ip[2] << 8 | ip[3]);
        if ((off & 7) || tot < hl || off + len > tot - hl || (size_t)io + hl + len > cap ||
            (size_t)io + tot > flen)
            return 0;
        memcpy(out, frame, (size_t)io + hl);
        uint8_t *o = out + io;
        memcpy(o + hl, bytes ? bytes : ip + hl + off, len);
        put16(o + 2, (uint16_t)(hl + len));
        put16(o + 4, (uint16_t)id);
        put16(o + 6, (uint16_t)((mf ? 0x2000 : 0) | (off / 8)));
        o[10] = o[11] = 0;
        put16(o + 10, csum_fold(csum_add(0, o, hl)));
        return (size_t)io + hl + len;
    }
    if ((ip[0] >> 4) == 6) {
        size_t pl = (size_t)(ip[4] << 8 | ip[5]);
        if ((off & 7) || off + len > pl || (size_t)io + 48 + len > cap || (size_t)io + 40 + pl > flen)
            return 0;
        memcpy(out, frame, (size_t)io + 40);
        uint8_t *o = out + io;
        o[40] = ip[6];                     /* fragment header: next header of the original */
        o[41] = 0;
        put16(o + 42, (uint16_t)(off | (mf ? 1 : 0)));
        put32(o + 44, id);
        o[6] = 44;
        memcpy(o + 48, bytes ? bytes : ip + 40 + off, len);
        put16(o + 4, (uint16_t)(8 + len));
        return (size_t)io + 48 + len;
    }
    return 0;
}

void pb_trace_add_frag(pb_trace *t, const uint8_t *frame, size_t flen, uint32_t off, uint32_t len,
                       int mf, uint32_t id, const uint8_t *bytes)
{
    uint8_t buf[70000];
    size_t n = pb_fragment(buf, sizeof buf, t->linktype, frame, flen, off, len, mf, id, bytes);
    if (!n) {
        fprintf(stderr, "pb_trace_add_frag: cannot fragment (off %u len %u)\n", off, len);
        abort();
    }
    pb_trace_add_raw(t, buf, n);
}
