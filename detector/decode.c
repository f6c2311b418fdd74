/*
 * decode.c — one captured frame to an sw_packet view (link, IP, TCP), in one pass.
 *
 * Invariants: nothing is read outside frame[0..caplen); every length that comes from
 * the frame is checked against both what was captured (caplen) and what the headers
 * claim (wirelen, IP total/payload length) before it is used. Nothing is allocated or
 * copied; the view points into the frame. Payload length comes from the IP length, so
 * Ethernet padding is never payload. Only SW_DEC_TCP produces a complete view; other
 * results leave the fields filled as far as decoding got (the rest zero).
 * Documented in docs/decoding.md; keep it in step.
 */
#include "detector/packet.h"
#include "seqwatch.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#define ETH_P_IPV4 0x0800
#define ETH_P_IPV6 0x86dd
#define ETH_P_8021Q 0x8100
#define ETH_P_8021AD 0x88a8
#define ETH_P_QINQ_OLD 0x9100

#define MAX_VLAN 2
#define MAX_IPV6_EXT 8

/* IP protocol / IPv6 next-header numbers (IANA) */
#define IPPROTO_NUM_HOPOPTS 0
#define IPPROTO_NUM_TCP 6
#define IPPROTO_NUM_ROUTING 43
#define IPPROTO_NUM_FRAGMENT 44
#define IPPROTO_NUM_AH 51
#define IPPROTO_NUM_DSTOPTS 60

/* IPv4 flags / fragment offset field */
#define IPV4_DF 0x4000u
#define IPV4_MF 0x2000u
#define IPV4_OFFMASK 0x1fffu

/* IPv6 fragment header: offset in 8-byte units in the top 13 bits, M in bit 0 */
#define IPV6_FRAG_OFFMASK 0xfff8u
#define IPV6_FRAG_MF 0x0001u

/* IPv6 routing header types whose final destination is known */
#define IPV6_RT_TYPE0 0
#define IPV6_RT_TYPE2 2
#define IPV6_RT_SRH 4

/* BSD loopback address families (AF_INET; AF_INET6 on NetBSD/OpenBSD, FreeBSD, macOS) */
#define BSD_AF_INET 2
#define BSD_AF_INET6_BSD 24
#define BSD_AF_INET6_FREEBSD 28
#define BSD_AF_INET6_DARWIN 30

/* TCP option kinds (IANA) */
#define TCPOPT_EOL 0
#define TCPOPT_NOP 1
#define TCPOPT_MSS 2
#define TCPOPT_WSCALE 3
#define TCPOPT_SACK_PERM 4
#define TCPOPT_SACK 5
#define TCPOPT_TIMESTAMP 8
#define TCPOPT_FASTOPEN 34

/* Each layer's decoder is forced inline into sw_decode(): the split is for the
 * reader, the hot path stays one function. */
#if defined(__GNUC__)
#define DEC_INLINE static inline __attribute__((always_inline))
#else
#define DEC_INLINE static inline
#endif

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/*
 * One's-complement sum over n bytes, accumulated as native-order 32-bit words in
 * 64-bit lanes (the byte order of the words does not change a one's-complement
 * sum except by a final byte swap, and every caller only compares the folded result
 * with 0xffff, which is the same in both orders — so no swap is ever needed, as long
 * as all parts of a sum go through this function). 64 KiB can not overflow 64 bits.
 *
 * The bulk goes 32 bytes at a time through four independent accumulators (each
 * adds the two 32-bit halves of a 64-bit word), so the additions do not wait on one
 * another; the result is the same integer the one-word-at-a-time loop below would
 * give. Folding happens once, in csum_ok().
 *
 * On x86-64 with glibc the function is built twice, for the baseline (SSE2) and for
 * AVX2, and the loader picks the one the CPU runs (an ifunc): the compiler
 * vectorizes the loop 16 or 32 bytes wide; the integer is the same either way.
 */
#if defined(__x86_64__) && defined(__GLIBC__) && defined(__GNUC__) && !defined(__clang__) && \
    !defined(__SANITIZE_ADDRESS__)
#define SW_CSUM_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define SW_CSUM_CLONES
#endif
SW_CSUM_CLONES
uint64_t sw_csum_acc(uint64_t sum, const uint8_t *p, size_t n)
{
    uint32_t w32;
    uint16_t w16;
    if (n >= 32) {
        uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        do {
            uint64_t a, b, c, d;
            memcpy(&a, p, 8); memcpy(&b, p + 8, 8); memcpy(&c, p + 16, 8); memcpy(&d, p + 24, 8);
            /* the two 32-bit halves of a 64-bit word, whatever the host order */
            s0 += (a & 0xffffffffu) + (a >> 32);
            s1 += (b & 0xffffffffu) + (b >> 32);
            s2 += (c & 0xffffffffu) + (c >> 32);
            s3 += (d & 0xffffffffu) + (d >> 32);
            p += 32;
            n -= 32;
        } while (n >= 32);
        sum += s0 + s1 + s2 + s3;
    }
    while (n >= 4) {
        memcpy(&w32, p, 4);
        sum += w32;
        p += 4;
        n -= 4;
    }
    if (n >= 2) {
        memcpy(&w16, p, 2);
        sum += w16;
        p += 2;
        n -= 2;
    }
    if (n) {
        uint8_t last[2] = { p[0], 0 };    /* odd byte is the high half of a word */
        memcpy(&w16, last, 2);
        sum += w16;
    }
    return sum;
}

static int csum_ok(uint64_t sum)
{
    sum = (sum & 0xffffffffu) + (sum >> 32);
    sum = (sum & 0xffffffffu) + (sum >> 32);
    sum = (sum & 0xffffu) + (sum >> 16);
    sum = (sum & 0xffffu) + (sum >> 16);
    return sum == 0xffffu;
}

const char *sw_decode_reason_name(sw_decode_result r)
{
    switch (r) {
    case SW_DEC_TCP:                          return "tcp";
    case SW_DEC_NOT_IP:                       return "not_ip";
    case SW_DEC_NOT_TCP:                      return "not_tcp";
    case SW_DEC_FRAGMENT:                     return "fragment";
    case SW_DEC_ERR_LINK_TRUNCATED:           return "link_truncated";
    case SW_DEC_ERR_VLAN_TRUNCATED:           return "vlan_truncated";
    case SW_DEC_ERR_VLAN_TOO_MANY:            return "vlan_too_many";
    case SW_DEC_ERR_IPV4_TRUNCATED:           return "ipv4_truncated";
    case SW_DEC_ERR_IPV4_BAD_VERSION:         return "ipv4_bad_version";
    case SW_DEC_ERR_IPV4_BAD_HLEN:            return "ipv4_bad_hlen";
    case SW_DEC_ERR_IPV4_BAD_TOTLEN:          return "ipv4_bad_totlen";
    case SW_DEC_ERR_IPV4_BAD_CHECKSUM:        return "ipv4_bad_checksum";
    case SW_DEC_ERR_IPV6_TRUNCATED:           return "ipv6_truncated";
    case SW_DEC_ERR_IPV6_BAD_VERSION:         return "ipv6_bad_version";
    case SW_DEC_ERR_IPV6_BAD_PAYLEN:          return "ipv6_bad_paylen";
    case SW_DEC_ERR_IPV6_BAD_EXT:             return "ipv6_bad_ext";
    case SW_DEC_ERR_IPV6_EXT_CHAIN_TOO_LONG:  return "ipv6_ext_chain_too_long";
    case SW_DEC_ERR_TCP_TRUNCATED:            return "tcp_truncated";
    case SW_DEC_ERR_TCP_BAD_HLEN:             return "tcp_bad_hlen";
    case SW_DEC_ERR_TCP_BAD_CHECKSUM:         return "tcp_bad_checksum";
    case SW_DEC_ERR_TCP_BAD_PORT:             return "tcp_bad_port";
    case SW_DEC_ERR_UNKNOWN_LINK:             return "unknown_link";
    case SW_DEC_NRESULTS:                     break;
    }
    return "unknown";
}

const char *sw_addr_str(int ip_version, const uint8_t *addr, char *buf, size_t len)
{
    if (!buf || len == 0)
        return "";
    if (!addr || !inet_ntop(ip_version == 6 ? AF_INET6 : AF_INET, addr, buf, (socklen_t)len))
        snprintf(buf, len, "?");
    return buf;
}

/*
 * TCP options. Faithful to what a receiving stack does (Linux tcp_parse_options): a
 * length < 2 or running past the header ends parsing; a known option with the wrong
 * length is ignored and parsing goes on. Either way the segment is kept and marked
 * bad_options. Unknown kinds are skipped by their length.
 */
static void parse_tcp_options(sw_packet *p, const uint8_t *o, uint32_t n)
{
    sw_tcp_opts *t = &p->opt;
    uint32_t i = 0;
    while (i < n) {
        uint8_t kind = o[i], len;
        if (kind == TCPOPT_EOL)
            break;
        if (kind == TCPOPT_NOP) {
            i++;
            continue;
        }
        if (i + 1 >= n) {
            p->bad_options = 1;
            break;
        }
        len = o[i + 1];
        if (len < 2 || len > n - i) {
            p->bad_options = 1;
            break;
        }
        switch (kind) {
        case TCPOPT_MSS:
            if (len != 4)
                goto bad_len;
            t->has_mss = 1;
            t->mss = rd16(o + i + 2);
            break;
        case TCPOPT_WSCALE:
            if (len != 3)
                goto bad_len;
            t->has_wscale = 1;
            t->wscale = o[i + 2];
            break;
        case TCPOPT_SACK_PERM:
            if (len != 2)
                goto bad_len;
            t->sack_perm = 1;
            break;
        case TCPOPT_SACK: {
            uint32_t nb, k;
            if (len < 10 || (len - 2) % 8)
                goto bad_len;
            nb = (uint32_t)(len - 2) / 8;
            if (nb > SW_MAX_SACK)
                goto bad_len;          /* cannot fit in 40 bytes of options anyway */
            t->has_sack = 1;
            t->nsack = (uint8_t)nb;
            for (k = 0; k < nb; k++) {
                t->sack_left[k] = rd32(o + i + 2 + 8 * k);
                t->sack_right[k] = rd32(o + i + 6 + 8 * k);
            }
            break;
        }
        case TCPOPT_TIMESTAMP:
            if (len != 10)
                goto bad_len;
            t->has_ts = 1;
            t->tsval = rd32(o + i + 2);
            t->tsecr = rd32(o + i + 6);
            break;
        case TCPOPT_FASTOPEN:
            if (len > 18)
                goto bad_len;
            t->has_tfo = 1;
            t->tfo_cookie_len = (uint8_t)(len - 2);
            break;
        default:
            break;
        }
        i += len;
        continue;
bad_len:
        p->bad_options = 1;
        i += len;
    }
}

/* IPv6 routing header: the final destination for the TCP pseudo-header, or NULL
 * if the header does not say (unknown type) — *unknown is set then. e has elen
 * bytes, all captured. */
DEC_INLINE const uint8_t *ipv6_final_dst(const uint8_t *e, uint32_t elen, int *unknown)
{
    uint8_t type = e[2], segleft = e[3];
    if (segleft == 0)
        return NULL;                   /* already at the final destination */
    switch (type) {
    case IPV6_RT_TYPE0:                /* RFC 2460 type 0: last address in the list */
    case IPV6_RT_TYPE2:                /* RFC 6275 type 2: one address */
        if (elen >= 8 + 16 && (elen - 8) % 16 == 0)
            return e + elen - 16;
        break;
    case IPV6_RT_SRH:                  /* RFC 8754 SRH: segment list[0] is the last hop */
        if (elen >= 8 + 16)
            return e + 8;
        break;
    default:
        break;
    }
    *unknown = 1;
    return NULL;
}

/* Clear the view in 64-byte pieces: compilers store those with a few vector moves,
 * while one memset of the whole view becomes `rep stos`, whose start-up cost was a
 * quarter of this decoder's samples. */
static void packet_clear(sw_packet *p)
{
    unsigned char *b = (unsigned char *)p;
    size_t i = 0;
    for (; i + 64 <= sizeof *p; i += 64)
        memset(b + i, 0, 64);
    memset(b + i, 0, sizeof *p - i);
}

/* What the network layer hands to the TCP decoder: where the segment starts, how
 * many of its bytes were captured and how many the IP length gives, and the
 * pseudo-header sum (when verify is still 1). */
typedef struct l4_view {
    const uint8_t *tcp;
    uint32_t cap, wire;
    uint64_t sum;
    int verify;
} l4_view;

/* The layer decoders take `full` as a constant: 1 for sw_decode (the whole view),
 * 0 for sw_decode_endpoints, which is the same code with the stores of everything
 * but the addresses, the IP version and the segment's position compiled out. */

/* Link layer: the MACs and VLAN tags into p; *off to the network header and *proto
 * to its ethertype. */
DEC_INLINE sw_decode_result decode_link(sw_packet *p, int linktype, const uint8_t *frame,
                                        uint32_t caplen, uint32_t *off_out, uint32_t *proto_out,
                                        const int full)
{
    uint32_t off = 0, proto = 0;
    switch (linktype) {
    case SW_LINK_ETHERNET:
        if (caplen < 14)
            return SW_DEC_ERR_LINK_TRUNCATED;
        if (full) {
            memcpy(p->dst_mac, frame, 6);
            memcpy(p->src_mac, frame + 6, 6);
            p->has_mac = 1;
        }
        proto = rd16(frame + 12);
        off = 14;
        break;
    case SW_LINK_LINUX_SLL:
        if (caplen < 16)
            return SW_DEC_ERR_LINK_TRUNCATED;
        if (full && rd16(frame + 4) == 6) {
            memcpy(p->src_mac, frame + 6, 6);
            p->has_mac = 1;
        }
        proto = rd16(frame + 14);
        off = 16;
        break;
    case SW_LINK_LINUX_SLL2:
        if (caplen < 20)
            return SW_DEC_ERR_LINK_TRUNCATED;
        if (full && frame[11] == 6) {
            memcpy(p->src_mac, frame + 12, 6);
            p->has_mac = 1;
        }
        proto = rd16(frame);
        off = 20;
        break;
    case SW_LINK_RAW: case SW_LINK_DLT_RAW12: case SW_LINK_DLT_RAW14:
        if (caplen < 1)                /* raw IP: the version nibble decides */
            return SW_DEC_ERR_LINK_TRUNCATED;
        switch (frame[0] >> 4) {
        case 4: proto = ETH_P_IPV4; break;
        case 6: proto = ETH_P_IPV6; break;
        default: return SW_DEC_ERR_IPV4_BAD_VERSION;
        }
        break;
    case SW_LINK_IPV4:
        proto = ETH_P_IPV4;
        break;
    case SW_LINK_IPV6:
        proto = ETH_P_IPV6;
        break;
    case SW_LINK_NULL:                 /* BSD NULL: family in the capturer's byte order */
    case SW_LINK_LOOP: {               /* OpenBSD LOOP: network byte order */
        uint32_t be, le;
        int host_order = linktype == SW_LINK_NULL;
        if (caplen < 4)
            return SW_DEC_ERR_LINK_TRUNCATED;
        be = rd32(frame);
        le = (uint32_t)frame[0] | (uint32_t)frame[1] << 8 |
             (uint32_t)frame[2] << 16 | (uint32_t)frame[3] << 24;
        off = 4;
        if (be == BSD_AF_INET || (host_order && le == BSD_AF_INET))
            proto = ETH_P_IPV4;
        else if (be == BSD_AF_INET6_BSD || be == BSD_AF_INET6_FREEBSD || be == BSD_AF_INET6_DARWIN ||
                 (host_order && (le == BSD_AF_INET6_BSD || le == BSD_AF_INET6_FREEBSD ||
                                 le == BSD_AF_INET6_DARWIN)))
            proto = ETH_P_IPV6;
        else
            return SW_DEC_NOT_IP;
        break;
    }
    default:
        return SW_DEC_ERR_UNKNOWN_LINK;
    }

    /* VLAN tags (Ethernet and cooked captures): 802.1Q, 802.1ad, old QinQ 0x9100 */
    unsigned ntags = 0;                /* !full: the count p->nvlan would hold */
    while (proto == ETH_P_8021Q || proto == ETH_P_8021AD || proto == ETH_P_QINQ_OLD) {
        if ((full ? p->nvlan : ntags) == MAX_VLAN)
            return SW_DEC_ERR_VLAN_TOO_MANY;
        if (caplen - off < 4)
            return SW_DEC_ERR_VLAN_TRUNCATED;
        if (full)
            p->vlan[p->nvlan++] = rd16(frame + off) & 0x0fff;
        else
            ntags++;
        proto = rd16(frame + off + 2);
        off += 4;
    }
    *off_out = off;
    *proto_out = proto;
    return SW_DEC_TCP;
}

/* IPv4 header at ip (ip_cap bytes captured, ip_wire on the wire). */
DEC_INLINE sw_decode_result decode_ipv4(sw_packet *p, const uint8_t *ip, uint32_t ip_cap,
                                        uint32_t ip_wire, l4_view *l4, const int full)
{
    uint32_t totlen, hlen;
    uint16_t frag;
    if (ip_cap < 20)
        return SW_DEC_ERR_IPV4_TRUNCATED;
    if (ip[0] >> 4 != 4)
        return SW_DEC_ERR_IPV4_BAD_VERSION;
    hlen = (uint32_t)(ip[0] & 0x0f) * 4;
    if (hlen < 20)
        return SW_DEC_ERR_IPV4_BAD_HLEN;
    totlen = rd16(ip + 2);
    p->ip_version = 4;
    frag = rd16(ip + 6);
    if (full) {
        p->ip_hdr = ip;
        p->ip_tos = ip[1];
        p->ip_id = rd16(ip + 4);
        p->ip_df = (frag & IPV4_DF) != 0;
        p->ttl = ip[8];
    }
    p->src_ip = ip + 12;
    p->dst_ip = ip + 16;
    if (totlen < hlen)
        return SW_DEC_ERR_IPV4_BAD_TOTLEN;
    if (hlen > ip_cap)
        return SW_DEC_ERR_IPV4_TRUNCATED;
    if (totlen > ip_wire)
        return SW_DEC_ERR_IPV4_BAD_TOTLEN;
    if (l4->verify && !csum_ok(sw_csum_acc(0, ip, hlen)))
        return SW_DEC_ERR_IPV4_BAD_CHECKSUM;
    if (frag & (IPV4_MF | IPV4_OFFMASK)) {
        if (!full)
            return SW_DEC_FRAGMENT;
        p->frag_proto = ip[9];
        p->frag_mf = (frag & IPV4_MF) != 0;
        p->frag_hdr_len = hlen;
        p->frag_id = p->ip_id;
        p->frag_off = (uint32_t)(frag & IPV4_OFFMASK) * 8;
        p->frag_data = ip + hlen;
        p->frag_len = totlen - hlen;
        p->frag_cut = totlen > ip_cap;
        return SW_DEC_FRAGMENT;
    }
    if (ip[9] != IPPROTO_NUM_TCP)
        return SW_DEC_NOT_TCP;
    l4->tcp = ip + hlen;
    l4->wire = totlen - hlen;
    l4->cap = (totlen < ip_cap ? totlen : ip_cap) - hlen;
    if (l4->verify) {
        uint8_t ph[4] = { 0, IPPROTO_NUM_TCP, (uint8_t)(l4->wire >> 8), (uint8_t)l4->wire };
        l4->sum = sw_csum_acc(sw_csum_acc(0, ip + 12, 8), ph, 4);
    }
    return SW_DEC_TCP;
}

/* IPv6 header and its extension chain at ip. */
DEC_INLINE sw_decode_result decode_ipv6(sw_packet *p, const uint8_t *ip, uint32_t ip_cap,
                                        uint32_t ip_wire, l4_view *l4, const int full)
{
    uint32_t end, pos = 40, next, nhdr = 0, nh_pos = 6;
    const uint8_t *pseudo_dst;
    int rt_unknown = 0;
    if (ip_cap < 40)
        return SW_DEC_ERR_IPV6_TRUNCATED;
    if (ip[0] >> 4 != 6)
        return SW_DEC_ERR_IPV6_BAD_VERSION;
    p->ip_version = 6;
    if (full) {
        p->ip_hdr = ip;
        p->ip_tos = (uint8_t)((ip[0] << 4) | (ip[1] >> 4));
        p->ttl = ip[7];
    }
    p->src_ip = ip + 8;
    p->dst_ip = ip + 24;
    pseudo_dst = ip + 24;
    end = 40 + (uint32_t)rd16(ip + 4);
    if (end == 40 || end > ip_wire)    /* 0 is a jumbogram (unsupported) or TSO */
        return SW_DEC_ERR_IPV6_BAD_PAYLEN;
    next = ip[6];
    for (;;) {
        const uint8_t *e = ip + pos;
        uint32_t elen;
        if (next == IPPROTO_NUM_TCP)
            break;
        if (next != IPPROTO_NUM_HOPOPTS && next != IPPROTO_NUM_ROUTING &&
            next != IPPROTO_NUM_FRAGMENT && next != IPPROTO_NUM_DSTOPTS && next != IPPROTO_NUM_AH)
            return SW_DEC_NOT_TCP;     /* upper layer, 59 no-next-header, ESP, ... */
        if (++nhdr > MAX_IPV6_EXT)
            return SW_DEC_ERR_IPV6_EXT_CHAIN_TOO_LONG;
        if (next == IPPROTO_NUM_HOPOPTS && pos != 40)
            return SW_DEC_ERR_IPV6_BAD_EXT; /* hop-by-hop must come first */
        if (end - pos < 8)
            return SW_DEC_ERR_IPV6_BAD_EXT;
        if (ip_cap < pos + 8)
            return SW_DEC_ERR_IPV6_TRUNCATED;
        if (next == IPPROTO_NUM_FRAGMENT)
            elen = 8;
        else if (next == IPPROTO_NUM_AH)
            elen = ((uint32_t)e[1] + 2) * 4;
        else
            elen = ((uint32_t)e[1] + 1) * 8;
        if (elen > end - pos)
            return SW_DEC_ERR_IPV6_BAD_EXT;
        if (elen > ip_cap - pos)
            return SW_DEC_ERR_IPV6_TRUNCATED;
        if (next == IPPROTO_NUM_FRAGMENT) {
            uint16_t fo = rd16(e + 2);
            if (fo & (IPV6_FRAG_OFFMASK | IPV6_FRAG_MF)) {
                if (!full)
                    return SW_DEC_FRAGMENT;
                p->frag_proto = e[0];
                p->frag_mf = (fo & IPV6_FRAG_MF) != 0;
                p->frag_hdr_len = pos;
                p->frag_nh_pos = nh_pos;
                p->frag_id = rd32(e + 4);
                p->frag_off = fo & IPV6_FRAG_OFFMASK;
                p->frag_data = e + 8;
                p->frag_len = end - pos - 8;
                p->frag_cut = end > ip_cap;
                return SW_DEC_FRAGMENT;
            }                           /* an atomic fragment (0, M=0) goes on */
        } else if (full && next == IPPROTO_NUM_ROUTING) {
            const uint8_t *fd = ipv6_final_dst(e, elen, &rt_unknown);
            if (fd)
                pseudo_dst = fd;
        }
        next = e[0];
        nh_pos = pos;
        pos += elen;
    }
    l4->tcp = ip + pos;
    l4->wire = end - pos;
    l4->cap = (end < ip_cap ? end : ip_cap) - pos;
    if (rt_unknown)
        l4->verify = 0;                /* cannot know the pseudo-header destination */
    if (l4->verify) {
        uint8_t ph[8] = { (uint8_t)(l4->wire >> 24), (uint8_t)(l4->wire >> 16),
                          (uint8_t)(l4->wire >> 8), (uint8_t)l4->wire, 0, 0, 0, IPPROTO_NUM_TCP };
        l4->sum = sw_csum_acc(sw_csum_acc(sw_csum_acc(0, ip + 8, 16), pseudo_dst, 16), ph, 8);
    }
    return SW_DEC_TCP;
}

/* TCP header, options and payload. */
DEC_INLINE sw_decode_result decode_tcp(sw_packet *p, l4_view *l4)
{
    const uint8_t *tcp = l4->tcp;
    uint32_t hlen;
    if (l4->wire < 20 || l4->cap < 20)
        return SW_DEC_ERR_TCP_TRUNCATED;
    hlen = (uint32_t)(tcp[12] >> 4) * 4;
    if (hlen < 20 || hlen > l4->wire)
        return SW_DEC_ERR_TCP_BAD_HLEN;
    if (hlen > l4->cap)
        return SW_DEC_ERR_TCP_TRUNCATED;
    p->tcp_hdr = tcp;
    p->sport = rd16(tcp);
    p->dport = rd16(tcp + 2);
    p->seq = rd32(tcp + 4);
    p->ack = rd32(tcp + 8);
    p->reserved_bits = tcp[12] & 0x0f;
    p->flags = tcp[13];
    p->tcp_hlen = (uint8_t)hlen;
    p->window = rd16(tcp + 14);
    p->urgptr = rd16(tcp + 18);
    p->payload = tcp + hlen;
    p->payload_len = l4->cap - hlen;
    p->payload_wire_len = l4->wire - hlen;
    if (l4->cap < l4->wire) {
        p->snap_truncated = 1;
        l4->verify = 0;                /* the bytes to verify are not all here */
    }
    if (l4->verify && !csum_ok(sw_csum_acc(l4->sum, tcp, l4->wire)))
        return SW_DEC_ERR_TCP_BAD_CHECKSUM;
    p->csum_checked = (uint8_t)l4->verify;
    if (p->sport == 0 || p->dport == 0)
        return SW_DEC_ERR_TCP_BAD_PORT;
    if (hlen > 20)
        parse_tcp_options(p, tcp + 20, hlen - 20);
    return SW_DEC_TCP;
}

sw_decode_result sw_decode(sw_packet *p, int linktype, uint64_t ts_us,
                           const uint8_t *frame, uint32_t caplen, uint32_t wirelen,
                           int verify_checksums)
{
    uint32_t off = 0, proto = 0;       /* network header offset and ethertype */
    l4_view l4;
    sw_decode_result r;

    packet_clear(p);
    if (wirelen < caplen)
        wirelen = caplen;              /* a broken record header: trust what we hold */
    p->ts_us = ts_us;
    p->frame = frame;
    p->caplen = caplen;
    p->wirelen = wirelen;
    p->linktype = linktype;
    if (!frame)
        caplen = 0;

    r = decode_link(p, linktype, frame, caplen, &off, &proto, 1);
    if (r != SW_DEC_TCP)
        return r;
    l4.verify = verify_checksums != 0;
    l4.sum = 0;
    if (proto == ETH_P_IPV4)
        r = decode_ipv4(p, frame + off, caplen - off, wirelen - off, &l4, 1);
    else if (proto == ETH_P_IPV6)
        r = decode_ipv6(p, frame + off, caplen - off, wirelen - off, &l4, 1);
    else
        return SW_DEC_NOT_IP;
    if (r != SW_DEC_TCP)
        return r;
    return decode_tcp(p, &l4);
}

sw_decode_result sw_decode_endpoints(sw_endpoints *ep, int linktype, const uint8_t *frame,
                                     uint32_t caplen, uint32_t wirelen)
{
    uint32_t off = 0, proto = 0;
    l4_view l4;
    sw_packet p;                       /* the layers write only the endpoints into it */
    sw_decode_result r;

    memset(ep, 0, sizeof *ep);
    if (wirelen < caplen)
        wirelen = caplen;
    if (!frame)
        caplen = 0;
    r = decode_link(&p, linktype, frame, caplen, &off, &proto, 0);
    if (r != SW_DEC_TCP)
        return r;
    l4.verify = 0;
    l4.sum = 0;
    if (proto == ETH_P_IPV4)
        r = decode_ipv4(&p, frame + off, caplen - off, wirelen - off, &l4, 0);
    else if (proto == ETH_P_IPV6)
        r = decode_ipv6(&p, frame + off, caplen - off, wirelen - off, &l4, 0);
    else
        return SW_DEC_NOT_IP;
    if (r != SW_DEC_TCP && r != SW_DEC_FRAGMENT && r != SW_DEC_NOT_TCP)
        return r;
    ep->ip_version = p.ip_version;
    ep->src = p.src_ip;
    ep->dst = p.dst_ip;
    if (r == SW_DEC_TCP) {
        if (l4.cap < 4)
            return SW_DEC_ERR_TCP_TRUNCATED;
        ep->sport = rd16(l4.tcp);
        ep->dport = rd16(l4.tcp + 2);
    }
    return r;
}
