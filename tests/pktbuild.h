/*
 * pktbuild.h — a small packet builder for tests: Ethernet (with VLAN tags) / SLL /
 * raw IP frames carrying IPv4 or IPv6 and TCP with options and correct checksums;
 * an in-memory trace of timestamped frames that can be fed to the engine or written
 * to a pcap file with libpcap; and a conversation helper that keeps both sides'
 * sequence numbers so a scenario reads like a ladder diagram.
 */
#ifndef SW_PKTBUILD_H
#define SW_PKTBUILD_H
#include <stdint.h>
#include <stddef.h>

/* One TCP segment to build. Zero-initialise, then set what matters. */
typedef struct pb_seg {
    int      ip_version;          /* 4 (default when 0) or 6 */
    const char *src, *dst;        /* textual addresses */
    uint16_t sport, dport;
    uint8_t  ttl;                 /* 0 -> 64 */
    uint16_t ip_id;
    uint32_t seq, ack;
    uint8_t  flags;               /* SW_TH_* values */
    uint16_t win;                 /* raw window field */
    uint16_t urg;
    int      mss;                 /* > 0: MSS option */
    int      wscale;              /* >= 0: window-scale option (set -1 for none; 0 means none when has_wscale is 0) */
    int      has_wscale;
    int      sack_perm;
    int      ts;                  /* 1: timestamp option with tsval/tsecr */
    uint32_t tsval, tsecr;
    int      nsack;               /* SACK blocks */
    uint32_t sack[4][2];
    int      tfo_cookie_len;      /* > 0: TFO option with this cookie length (bytes 0xAB) */
    const uint8_t *payload;
    uint32_t len;
    /* link layer */
    uint8_t  src_mac[6], dst_mac[6];  /* zero -> defaults */
    int      nvlan;               /* 0..2 */
    uint16_t vlan[2];
    int      qinq;                /* 1: outer tag uses 0x88a8 */
    /* damage */
    int      bad_ip_csum, bad_tcp_csum;
    int      ipv4_options;        /* bytes of IPv4 NOP options (multiple of 4, <= 40) */
    int      ipv6_ext;            /* 1: insert hop-by-hop + destination-options headers */
} pb_seg;

/* Build a frame for linktype (1 Ethernet, 101 raw, 113 SLL, 276 SLL2, 0 NULL;
 * also 108 LOOP, 12/14 DLT_RAW, 228 IPv4, 229 IPv6). Checksums are correct unless
 * bad_ip_csum/bad_tcp_csum. Returns the frame length, or 0 if cap is too small, an
 * address does not parse, the TCP options exceed 40 bytes or the link type is
 * unknown. (pb_trace_add aborts on such a segment: it is a bug in the test.) */
size_t pb_build(uint8_t *buf, size_t cap, int linktype, const pb_seg *s);

/* An in-memory trace. */
typedef struct pb_frame {
    uint64_t ts_us;
    uint32_t len;
    uint8_t *data;
} pb_frame;

typedef struct pb_trace {
    int linktype;
    pb_frame *frames;
    size_t n, cap;
    uint64_t now_us;              /* clock for the next frame (advanced by pb_tick) */
} pb_trace;

void pb_trace_init(pb_trace *t, int linktype, uint64_t start_us);
void pb_trace_free(pb_trace *t);
void pb_trace_add(pb_trace *t, const pb_seg *s);           /* build and append at now_us */
void pb_trace_add_raw(pb_trace *t, const uint8_t *frame, size_t len);
void pb_tick(pb_trace *t, uint64_t us);                    /* advance the clock */
int  pb_trace_write(const pb_trace *t, const char *path);  /* pcap via libpcap; 0 ok */
/* Call fn for every frame in order. */
void pb_trace_each(const pb_trace *t,
                   void (*fn)(void *user, int linktype, uint64_t ts_us, const uint8_t *f, uint32_t len),
                   void *user);

/* One IP fragment of a frame pb_build made (link types 1, 113, raw IP; IPv4, or IPv6
 * without extension headers): bytes [off, off+len) of its IP payload (the TCP header
 * and data), MF as given, identification id (IPv6: a fragment header is inserted).
 * off must be a multiple of 8. bytes: if not NULL, len bytes sent instead of the
 * original ones (an overlap carrying different data). Returns the length written to
 * out, or 0 if it does not fit or the frame is not one it handles. */
size_t pb_fragment(uint8_t *out, size_t cap, int linktype, const uint8_t *frame, size_t flen,
                   uint32_t off, uint32_t len, int mf, uint32_t id, const uint8_t *bytes);
/* pb_fragment appended to t at its clock (aborts if it cannot be built). */
void pb_trace_add_frag(pb_trace *t, const uint8_t *frame, size_t flen, uint32_t off, uint32_t len,
                       int mf, uint32_t id, const uint8_t *bytes);

/* A conversation between a client (side 0) and a server (side 1). */
typedef struct pb_conn {
    pb_trace *t;
    int ip_version;
    const char *ip[2];
    uint16_t port[2];
    uint32_t nxt[2];              /* next sequence number each side will send */
    uint32_t ackv[2];             /* what each side acknowledges (next expected from the other) */
    uint16_t win[2];
    uint8_t  ttl[2];
    int      ts;                  /* timestamps on every segment */
    uint32_t tsval[2];            /* each side's clock */
    int      tick_us;             /* clock advance per packet (default 1000) */
    /* internal: both tsval clocks follow the trace clock at 1 per ms */
    uint64_t clock_us;            /* trace time the clocks were last advanced to */
    uint32_t ts_last[2];          /* last tsval each side sent (echoed as tsecr) */
} pb_conn;

void pb_conn_init(pb_conn *c, pb_trace *t, const char *cip, uint16_t cport,
                  const char *sip, uint16_t sport, uint32_t cisn, uint32_t sisn);
/* The three-way handshake (SYN, SYN-ACK, ACK), with MSS 1460, wscale 7, SACK-perm
 * (and timestamps if c->ts); SYN/SYN-ACK window 64240, later segments use win[]
 * (default 502, i.e. 64256 bytes scaled). Every conversation segment is stamped at
 * the trace clock, which then advances by tick_us. */
void pb_conn_handshake(pb_conn *c);
/* Side `side` sends len bytes of data with flags (ACK|PSH added); sequence numbers
 * advance; the other side's ack is NOT advanced (call pb_conn_ack). */
void pb_conn_send(pb_conn *c, int side, const void *data, uint32_t len);
/* Side `side` sends a pure ACK of everything it has received. */
void pb_conn_ack(pb_conn *c, int side);
/* FIN (with ACK) from side. */
void pb_conn_fin(pb_conn *c, int side);
/* Raw control: build a segment from side with explicit fields; returns nothing,
 * does not change c's counters. Fields left 0 in *over default from c. */
void pb_conn_raw(pb_conn *c, int side, const pb_seg *over);
/* Fill a pb_seg with c's addressing for side (seq/ack/win/ttl/ts from c). */
void pb_conn_seg(const pb_conn *c, int side, pb_seg *s);

#endif
