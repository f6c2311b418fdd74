/*
 * test_decode.c — sw_decode() against frames built by pktbuild and hand-patched
 * frames: every link type, VLAN tags, IPv4 options, IPv6 extension chains, every TCP
 * option, every malformation with its reason, truncation at every length (each
 * truncated copy is its own heap block so ASan sees any over-read), snap-length cuts,
 * Ethernet padding, the zeek checksum captures from the shared directory, and the
 * checksum sum against a one-word-at-a-time reference.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detector/packet.h"
#include "pktbuild.h"

static const uint8_t PAYLOAD[] = "hello, world";
#define PLEN 12u

/* ---- helpers ---- */

static void default_seg(pb_seg *s, int v)
{
    memset(s, 0, sizeof *s);
    s->ip_version = v;
    s->src = v == 6 ? "2001:db8::10" : "192.0.2.10";
    s->dst = v == 6 ? "2001:db8::20" : "198.51.100.20";
    s->sport = 40000;
    s->dport = 443;
    s->seq = 0xfffffff0u;
    s->ack = 12345;
    s->flags = SW_TH_ACK | SW_TH_PSH;
    s->win = 502;
    s->ttl = 57;
    s->ip_id = 0x1234;
    s->payload = PAYLOAD;
    s->len = PLEN;
}

static size_t build(uint8_t *buf, int lt, const pb_seg *s)
{
    size_t n = pb_build(buf, 2048, lt, s);
    assert_true(n > 0);
    return n;
}

/* Decode a private heap copy of exactly caplen bytes so ASan catches over-reads. */
static sw_decode_result dec2(sw_packet *p, int lt, const uint8_t *f, uint32_t caplen,
                             uint32_t wirelen, int verify)
{
    static uint8_t *copy;
    sw_decode_result r;
    free(copy);
    copy = malloc(caplen ? caplen : 1);
    assert_non_null(copy);
    if (caplen)
        memcpy(copy, f, caplen);
    r = sw_decode(p, lt, 77, copy, caplen, wirelen, verify);
    assert_true((int)r >= 0 && r < SW_DEC_NRESULTS);
    return r;
}

static sw_decode_result dec(sw_packet *p, int lt, const uint8_t *f, size_t n, int verify)
{
    return dec2(p, lt, f, (uint32_t)n, (uint32_t)n, verify);
}

/* An independent, byte-at-a-time checksum for patching frames in tests. */
static uint32_t sum16(uint32_t s, const uint8_t *p, size_t n)
{
    size_t i;
    for (i = 0; i + 1 < n; i += 2)
        s += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (n & 1)
        s += (uint32_t)p[n - 1] << 8;
    return s;
}

static uint16_t fold(uint32_t s)
{
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

static void fix_ip4(uint8_t *ip)
{
    size_t hl = (size_t)(ip[0] & 0xf) * 4;
    uint16_t c;
    ip[10] = ip[11] = 0;
    c = fold(sum16(0, ip, hl));
    ip[10] = (uint8_t)(c >> 8);
    ip[11] = (uint8_t)c;
}

/* Recompute the TCP checksum: tcp points at the header, l4len bytes, pseudo
 * addresses given. */
static void fix_tcp(int v, const uint8_t *src, const uint8_t *dst, uint8_t *tcp, uint32_t l4len)
{
    uint32_t s;
    uint8_t tail[8] = { (uint8_t)(l4len >> 24), (uint8_t)(l4len >> 16), (uint8_t)(l4len >> 8),
                        (uint8_t)l4len, 0, 0, 0, 6 };
    uint16_t c;
    int alen = v == 6 ? 16 : 4;
    tcp[16] = tcp[17] = 0;
    s = sum16(0, src, (size_t)alen);
    s = sum16(s, dst, (size_t)alen);
    if (v == 6) {
        s = sum16(s, tail, 8);
    } else {
        uint8_t t4[4] = { 0, 6, (uint8_t)(l4len >> 8), (uint8_t)l4len };
        s = sum16(s, t4, 4);
    }
    s = sum16(s, tcp, l4len);
    c = fold(s);
    tcp[16] = (uint8_t)(c >> 8);
    tcp[17] = (uint8_t)c;
}

/* For a raw (lt 101) IPv4 frame without options: fix both checksums. */
static void fix_raw4(uint8_t *f)
{
    uint32_t tot = (uint32_t)(f[2] << 8 | f[3]);
    uint32_t hl = (uint32_t)(f[0] & 0xf) * 4;
    fix_ip4(f);
    fix_tcp(4, f + 12, f + 16, f + hl, tot - hl);
}

/* ---- link types ---- */

static void check_fields(const sw_packet *p, int v, const pb_seg *s)
{
    uint8_t a[16];
    assert_int_equal(p->ip_version, v);
    assert_int_equal(inet_pton(v == 6 ? AF_INET6 : AF_INET, s->src, a), 1);
    assert_memory_equal(p->src_ip, a, v == 6 ? 16 : 4);
    assert_int_equal(inet_pton(v == 6 ? AF_INET6 : AF_INET, s->dst, a), 1);
    assert_memory_equal(p->dst_ip, a, v == 6 ? 16 : 4);
    assert_int_equal(p->sport, s->sport);
    assert_int_equal(p->dport, s->dport);
    assert_int_equal(p->seq, s->seq);
    assert_int_equal(p->ack, s->ack);
    assert_int_equal(p->flags, s->flags);
    assert_int_equal(p->window, s->win);
    assert_int_equal(p->ttl, s->ttl);
    assert_int_equal(p->tcp_hlen, 20);
    assert_int_equal(p->payload_len, s->len);
    assert_int_equal(p->payload_wire_len, s->len);
    assert_memory_equal(p->payload, s->payload, s->len);
    assert_int_equal(p->csum_checked, 1);
    assert_int_equal(p->snap_truncated, 0);
    assert_int_equal(p->bad_options, 0);
    assert_int_equal(p->ts_us, 77);
    if (v == 4) {
        assert_int_equal(p->ip_id, s->ip_id);
        assert_int_equal(p->ip_df, 1);
    }
}

static void test_link_types(void **state)
{
    static const int lts[] = { 1, 113, 276, 101, 12, 14, 0, 108, 228, 229 };
    uint8_t buf[2048];
    size_t i;
    int v;
    (void)state;
    for (i = 0; i < sizeof lts / sizeof *lts; i++) {
        for (v = 4; v <= 6; v += 2) {
            pb_seg s;
            sw_packet p;
            size_t n;
            if ((lts[i] == 228 && v == 6) || (lts[i] == 229 && v == 4))
                continue;
            default_seg(&s, v);
            n = build(buf, lts[i], &s);
            assert_int_equal(dec(&p, lts[i], buf, n, 1), SW_DEC_TCP);
            check_fields(&p, v, &s);
            assert_int_equal(p.linktype, lts[i]);
            assert_int_equal(p.nvlan, 0);
            if (lts[i] == 1) {
                static const uint8_t dm[6] = {0x02, 0, 0, 0, 0, 0x02}, sm[6] = {0x02, 0, 0, 0, 0, 0x01};
                assert_int_equal(p.has_mac, 1);
                assert_memory_equal(p.dst_mac, dm, 6);
                assert_memory_equal(p.src_mac, sm, 6);
            } else if (lts[i] == 113 || lts[i] == 276) {
                static const uint8_t sm[6] = {0x02, 0, 0, 0, 0, 0x01};
                assert_int_equal(p.has_mac, 1);
                assert_memory_equal(p.src_mac, sm, 6);
            } else {
                assert_int_equal(p.has_mac, 0);
            }
        }
    }
}

static void test_mac_addresses(void **state)
{
    uint8_t buf[2048];
    pb_seg s;
    sw_packet p;
    size_t n;
    static const uint8_t sm[6] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55};
    static const uint8_t dm[6] = {0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb};
    (void)state;
    default_seg(&s, 4);
    memcpy(s.src_mac, sm, 6);
    memcpy(s.dst_mac, dm, 6);
    n = build(buf, 1, &s);
    assert_int_equal(dec(&p, 1, buf, n, 1), SW_DEC_TCP);
    assert_memory_equal(p.src_mac, sm, 6);
    assert_memory_equal(p.dst_mac, dm, 6);
    /* SLL with an address length other than 6: no MAC */
    n = build(buf, 113, &s);
    buf[5] = 4;
    assert_int_equal(dec(&p, 113, buf, n, 1), SW_DEC_TCP);
    assert_int_equal(p.has_mac, 0);
    n = build(buf, 276, &s);
    assert_int_equal(dec(&p, 276, buf, n, 1), SW_DEC_TCP);
    assert_memory_equal(p.src_mac, sm, 6);
}

static void test_null_loop_families(void **state)
{
    static const uint32_t v6fam[] = { 24, 28, 30 };
    uint8_t buf[2048];
    pb_seg s;
    sw_packet p;
    size_t n, i;
    (void)state;
    for (int v = 4; v <= 6; v += 2) {
        default_seg(&s, v);
        for (i = 0; i < (v == 6 ? 3u : 1u); i++) {
            uint32_t fam = v == 6 ? v6fam[i] : 2;
            n = build(buf, 0, &s);
            /* little-endian (as written by x86 BSD / macOS) */
            buf[0] = (uint8_t)fam; buf[1] = 0; buf[2] = 0; buf[3] = 0;
            assert_int_equal(dec(&p, 0, buf, n, 1), SW_DEC_TCP);
            assert_int_equal(p.ip_version, v);
            /* big-endian (a capture made on a big-endian host) */
            buf[0] = 0; buf[3] = (uint8_t)fam;
            assert_int_equal(dec(&p, 0, buf, n, 1), SW_DEC_TCP);
            assert_int_equal(p.ip_version, v);
            /* LOOP is network order only */
            assert_int_equal(dec(&p, 108, buf, n, 1), SW_DEC_TCP);
            buf[0] = (uint8_t)fam; buf[3] = 0;
            assert_int_equal(dec(&p, 108, buf, n, 1), SW_DEC_NOT_IP);
        }
        n = build(buf, 0, &s);
        buf[0] = 99; buf[1] = buf[2] = buf[3] = 0;
        assert_int_equal(dec(&p, 0, buf, n, 1), SW_DEC_NOT_IP);
        n = build(buf, 108, &s);
        assert_int_equal(dec(&p, 108, buf, n, 1), SW_DEC_TCP);
    }
}

static void test_vlan(void **state)
{
    uint8_t buf[2048], big[2048];
    pb_seg s;
    sw_packet p;
    size_t n;
    (void)state;
    for (int v = 4; v <= 6; v += 2) {
        default_seg(&s, v);
        s.nvlan = 1;
        s.vlan[0] = 100;
        n = build(buf, 1, &s);
        assert_int_equal(buf[12], 0x81);
        assert_int_equal(dec(&p, 1, buf, n, 1), SW_DEC_TCP);
        assert_int_equal(p.nvlan, 1);
        assert_int_equal(p.vlan[0], 100);
        check_fields(&p, v, &s);

        s.nvlan = 2;
        s.vlan[0] = 4000;
        s.vlan[1] = 7;
        s.qinq = 1;
        n = build(buf, 1, &s);
        assert_int_equal(buf[12], 0x88);
        assert_int_equal(buf[13], 0xa8);
        assert_int_equal(buf[16], 0x81);
        assert_int_equal(dec(&p, 1, buf, n, 1), SW_DEC_TCP);
        assert_int_equal(p.nvlan, 2);
        assert_int_equal(p.vlan[0], 4000);
        assert_int_equal(p.vlan[1], 7);
        check_fields(&p, v, &s);

        /* old-style QinQ 0x9100 outer tag */
        buf[12] = 0x91; buf[13] = 0x00;
        assert_int_equal(dec(&p, 1, buf, n, 1), SW_DEC_TCP);
        assert_int_equal(p.nvlan, 2);

        /* priority bits are not part of the VLAN ID */
        buf[14] |= 0xe0;
        assert_int_equal(dec(&p, 1, buf, n, 1), SW_DEC_TCP);
        assert_int_equal(p.vlan[0], 4000);

        /* three tags: insert one more */
        memcpy(big, buf, 16);
        big[16] = 0x81; big[17] = 0x00; big[18] = 0x00; big[19] = 0x05;
        memcpy(big + 20, buf + 16, n - 16);
        assert_int_equal(dec(&p, 1, big, n + 4, 1), SW_DEC_ERR_VLAN_TOO_MANY);

        /* tag cut short */
        assert_int_equal(dec(&p, 1, buf, 16, 1), SW_DEC_ERR_VLAN_TRUNCATED);
        assert_int_equal(dec(&p, 1, buf, 19, 1), SW_DEC_ERR_VLAN_TRUNCATED);

        /* VLAN on a cooked capture */
        s.nvlan = 0;
        n = build(buf, 113, &s);
        memcpy(big, buf, 14);
        big[14] = 0x81; big[15] = 0x00; big[16] = 0x00; big[17] = 42;
        memcpy(big + 18, buf + 14, n - 14);
        assert_int_equal(dec(&p, 113, big, n + 4, 1), SW_DEC_TCP);
        assert_int_equal(p.nvlan, 1);
        assert_int_equal(p.vlan[0], 42);
    }
}

static void test_not_ip_not_tcp_unknown_link(void **state)
{
    uint8_t buf[2048];
    pb_seg s;
    sw_packet p;
    size_t n;
    (void)state;
    default_seg(&s, 4);
    n = build(buf, 1, &s);
    buf[12] = 0x08; buf[13] = 0x06;     /* ARP */
    assert_int_equal(dec(&p, 1, buf, n, 1), SW_DEC_NOT_IP);
    assert_int_equal(p.has_mac, 1);
    buf[12] = 0x00; buf[13] = 0x40;     /* 802.3 length field */
    assert_int_equal(dec(&p, 1, buf, n, 1), SW_DEC_NOT_IP);

    n = build(buf, 101, &s);
    buf[9] = 17;                        /* UDP */
    fix_ip4(buf);
    assert_int_equal(dec(&p, 101, buf, n, 1), SW_DEC_NOT_TCP);
    assert_int_equal(p.ip_version, 4);
    assert_non_null(p.src_ip);

    default_seg(&s, 6);
    n = build(buf, 101, &s);
    buf[6] = 58;                        /* ICMPv6 */
    assert_int_equal(dec(&p, 101, buf, n, 1), SW_DEC_NOT_TCP);

    assert_int_equal(dec(&p, 999, buf, n, 1), SW_DEC_ERR_UNKNOWN_LINK);
    assert_int_equal(dec(&p, 105, buf, n, 1), SW_DEC_ERR_UNKNOWN_LINK);

    /* raw link with a version that is neither 4 nor 6 */
    buf[0] = 0x50;
    assert_int_equal(dec(&p, 101, buf, n, 1), SW_DEC_ERR_IPV4_BAD_VERSION);
    assert_int_equal(dec(&p, 101, buf, 0, 1), SW_DEC_ERR_LINK_TRUNCATED);
}

/* ---- IPv4 ---- */

static void test_ipv4_options(void **state)
{
    uint8_t buf[2048];
    pb_seg s;
    sw_packet p;
    size_t n;
    (void)state;
    for (int o = 4; o <= 40; o += 4) {
        default_seg(&s, 4);
        s.ipv4_options = o;
        n = build(buf, 1, &s);
        assert_int_equal(dec(&p, 1, buf, n, 1), SW_DEC_TCP);
        assert_int_equal((p.ip_hdr[0] & 0xf) * 4, 20 + o);
        check_fields(&p, 4, &s);
    }
}

static void test_ipv4_malformed(void **state)
{
    uint8_t buf[2048];
    pb_seg s;
    sw_packet p;
    size_t n;
    uint16_t tot;
    (void)state;
    default_seg(&s, 4);
    n = build(buf, 101, &s);
    tot = (uint16_t)(buf[2] << 8 | buf[3]);

    buf[0] = 0x44;                      /* IHL 4 */
    fix_ip4(buf);
    assert_int_equal(dec(&p, 101, buf, n, 1), SW_DEC_ERR_IPV4_BAD_HLEN);
    n = build(buf, 1, &s);
    buf[14] = 0x65;                     /* version 6 under ethertype IPv4 */
    assert_int_equal(dec(&p, 1, buf, n, 1), SW_DEC_ERR_IPV4_BAD_VERSION);

    n = build(buf, 101, &s);
    buf[0] = 0x4f;                      /* IHL 60 > total length (52) */
    buf[2] = 0; buf[3] = 52;
    fix_ip4(buf);
    assert_int_equal(dec(&p, 101, buf, n, 1), SW_DEC_ERR_IPV4_BAD_TOTLEN);
    /* IHL 60 with a total length that allows it, but the frame holds less */
    buf[2] = 0; buf[3] = 60;
    assert_int_equal(dec2(&p, 101, buf, 52, 60, 0), SW_DEC_ERR_IPV4_TRUNCATED);

    n = build(buf, 101, &s);
    buf[2] = (uint8_t)((tot + 10) >> 8); buf[3] = (uint8_t)(tot + 10);
    fix_ip4(buf);
    assert_int_equal(dec(&p, 101, buf, n, 1), SW_DEC_ERR_IPV4_BAD_TOTLEN);
    assert_int_equal(dec(&p, 101, buf, n, 0), SW_DEC_ERR_IPV4_BAD_TOTLEN);
    buf[2] = 0; buf[3] = 19;            /* less than the header */
    fix_ip4(buf);
    assert_int_equal(dec(&p, 101, buf, n, 1), SW_DEC_ERR_IPV4_BAD_TOTLEN);
    buf[2] = 0; buf[3] = 0;             /* 0 (TSO capture on the sender) */
    fix_ip4(buf);
    assert_int_equal(dec(&p, 101, buf, n, 1), SW_DEC_ERR_IPV4_BAD_TOTLEN);
    /* total length leaving less than a TCP header */
    buf[2] = 0; buf[3] = 30;
    fix_ip4(buf);
    assert_int_equal(dec(&p, 101, buf, n, 1), SW_DEC_ERR_TCP_TRUNCATED);
}

static void test_checksums(void **state)
{
    uint8_t buf[2048];
    pb_seg s;
    sw_packet p;
    size_t n;
    (void)state;
    for (int v = 4; v <= 6; v += 2) {
        default_seg(&s, v);
        s.bad_tcp_csum = 1;
        n = build(buf, 1, &s);
        assert_int_equal(dec(&p, 1, buf, n, 1), SW_DEC_ERR_TCP_BAD_CHECKSUM);
        assert_int_equal(dec(&p, 1, buf, n, 0), SW_DEC_TCP);
        assert_int_equal(p.csum_checked, 0);
        assert_int_equal(p.seq, s.seq);
        assert_int_equal(p.payload_len, PLEN);
        /* odd payload length exercises the trailing-byte path */
        s.bad_tcp_csum = 0;
        s.len = 11;
        n = build(buf, 1, &s);
        assert_int_equal(dec(&p, 1, buf, n, 1), SW_DEC_TCP);
        assert_int_equal(p.csum_checked, 1);
        s.bad_tcp_csum = 1;
        n = build(buf, 1, &s);
        assert_int_equal(dec(&p, 1, buf, n, 1), SW_DEC_ERR_TCP_BAD_CHECKSUM);
        /* any single flipped payload bit is caught */
        s.bad_tcp_csum = 0;
        s.len = PLEN;
        n = build(buf, 1, &s);
        for (size_t i = n - PLEN; i < n; i++) {
            buf[i] ^= 0x10;
            assert_int_equal(dec(&p, 1, buf, n, 1), SW_DEC_ERR_TCP_BAD_CHECKSUM);
            buf[i] ^= 0x10;
        }
        assert_int_equal(dec(&p, 1, buf, n, 1), SW_DEC_TCP);
    }
    default_seg(&s, 4);
    s.bad_ip_csum = 1;
    n = build(buf, 1, &s);
    assert_int_equal(dec(&p, 1, buf, n, 1), SW_DEC_ERR_IPV4_BAD_CHECKSUM);
    assert_int_equal(dec(&p, 1, buf, n, 0), SW_DEC_TCP);
    assert_int_equal(p.csum_checked, 0);
}

static void test_fragments(void **state)
{
    uint8_t buf[2048], big[2048];
    pb_seg s;
    sw_packet p;
    size_t n;
    (void)state;
    default_seg(&s, 4);
    n = build(buf, 101, &s);
    buf[6] = 0x20; buf[7] = 0;          /* MF */
    fix_ip4(buf);
    assert_int_equal(dec(&p, 101, buf, n, 1), SW_DEC_FRAGMENT);
    assert_int_equal(p.ip_version, 4);
    assert_int_equal(p.ip_id, 0x1234);
    buf[6] = 0x00; buf[7] = 0x10;       /* offset 16*8 */
    fix_ip4(buf);
    assert_int_equal(dec(&p, 101, buf, n, 1), SW_DEC_FRAGMENT);
    buf[6] = 0x00; buf[7] = 0x00;       /* neither DF nor MF: a whole datagram */
    fix_ip4(buf);
    assert_int_equal(dec(&p, 101, buf, n, 1), SW_DEC_TCP);
    assert_int_equal(p.ip_df, 0);

    /* IPv6 fragment header: insert after the fixed header */
    default_seg(&s, 6);
    n = build(buf, 101, &s);
    for (int atomic = 0; atomic <= 1; atomic++) {
        uint16_t pl = (uint16_t)(n - 40 + 8);
        memcpy(big, buf, 40);
        big[4] = (uint8_t)(pl >> 8); big[5] = (uint8_t)pl;
        big[6] = 44;
        memset(big + 40, 0, 8);
        big[40] = 6;
        big[43] = atomic ? 0 : 1;       /* M flag */
        big[44] = 0xde; big[47] = 0xad; /* identification */
        memcpy(big + 48, buf + 40, n - 40);
        assert_int_equal(dec(&p, 101, big, n + 8, 1), atomic ? SW_DEC_TCP : SW_DEC_FRAGMENT);
        if (atomic)
            check_fields(&p, 6, &s);
        /* non-zero offset */
        big[42] = 0x01; big[43] = 0x00;
        assert_int_equal(dec(&p, 101, big, n + 8, 1), SW_DEC_FRAGMENT);
    }
}

/* ---- IPv6 extension headers ---- */

/* Insert ext (len bytes, next-header bytes filled by the caller except the last,
 * whose next header becomes 6) after the IPv6 header of raw frame in; first is the
 * first header's type. Returns the new length. */
static size_t v6_insert(uint8_t *out, const uint8_t *in, size_t n, uint8_t first,
                        const uint8_t *ext, size_t len)
{
    uint16_t pl = (uint16_t)(n - 40 + len);
    memcpy(out, in, 40);
    out[4] = (uint8_t)(pl >> 8); out[5] = (uint8_t)pl;
    out[6] = first;
    memcpy(out + 40, ext, len);
    memcpy(out + 40 + len, in + 40, n - 40);
    return n + len;
}

static void test_ipv6_ext(void **state)
{
    uint8_t buf[2048], big[2048], ext[256];
    pb_seg s;
    sw_packet p;
    size_t n, m;
    (void)state;
    default_seg(&s, 6);
    s.ipv6_ext = 1;
    n = build(buf, 1, &s);
    assert_int_equal(dec(&p, 1, buf, n, 1), SW_DEC_TCP);
    check_fields(&p, 6, &s);

    default_seg(&s, 6);
    n = build(buf, 101, &s);

    /* AH (length in 4-byte units + 2): 24 bytes -> e[1] = 4 */
    memset(ext, 0, sizeof ext);
    ext[0] = 6; ext[1] = 4;
    m = v6_insert(big, buf, n, 51, ext, 24);
    assert_int_equal(dec(&p, 101, big, m, 1), SW_DEC_TCP);
    check_fields(&p, 6, &s);

    /* hop-by-hop, then routing type 2 with segments left 0, then dest opts */
    memset(ext, 0, sizeof ext);
    ext[0] = 43; ext[1] = 0;
    ext[8] = 60; ext[9] = 2; ext[10] = 2; ext[11] = 0;   /* 24 bytes */
    ext[32] = 6; ext[33] = 0;
    m = v6_insert(big, buf, n, 0, ext, 40);
    assert_int_equal(dec(&p, 101, big, m, 1), SW_DEC_TCP);

    /* hop-by-hop in second place is invalid */
    memset(ext, 0, sizeof ext);
    ext[0] = 0;
    ext[8] = 6;
    m = v6_insert(big, buf, n, 60, ext, 16);
    assert_int_equal(dec(&p, 101, big, m, 1), SW_DEC_ERR_IPV6_BAD_EXT);

    /* no next header */
    memset(ext, 0, sizeof ext);
    ext[0] = 59;
    m = v6_insert(big, buf, n, 60, ext, 8);
    assert_int_equal(dec(&p, 101, big, m, 1), SW_DEC_NOT_TCP);

    /* ESP */
    m = v6_insert(big, buf, n, 50, ext, 8);
    assert_int_equal(dec(&p, 101, big, m, 1), SW_DEC_NOT_TCP);

    /* 8 destination-option headers are fine, 9 are too many */
    for (int k = 8; k <= 9; k++) {
        memset(ext, 0, sizeof ext);
        for (int i = 0; i < k; i++)
            ext[8 * i] = (uint8_t)(i == k - 1 ? 6 : 60);
        m = v6_insert(big, buf, n, 60, ext, (size_t)(8 * k));
        assert_int_equal(dec(&p, 101, big, m, 1),
                         k == 8 ? SW_DEC_TCP : SW_DEC_ERR_IPV6_EXT_CHAIN_TOO_LONG);
    }

    /* an extension header longer than the payload */
    memset(ext, 0, sizeof ext);
    ext[0] = 6; ext[1] = 200;
    m = v6_insert(big, buf, n, 60, ext, 8);
    assert_int_equal(dec(&p, 101, big, m, 1), SW_DEC_ERR_IPV6_BAD_EXT);

    /* payload length 0 (jumbogram) and too large */
    memcpy(big, buf, n);
    big[4] = big[5] = 0;
    assert_int_equal(dec(&p, 101, big, n, 1), SW_DEC_ERR_IPV6_BAD_PAYLEN);
    big[4] = 0x10;
    assert_int_equal(dec(&p, 101, big, n, 1), SW_DEC_ERR_IPV6_BAD_PAYLEN);
    memcpy(big, buf, n);
    big[0] = 0x45;
    assert_int_equal(dec(&p, 229, big, n, 1), SW_DEC_ERR_IPV6_BAD_VERSION);
}

static void test_ipv6_routing_pseudo_header(void **state)
{
    uint8_t buf[2048], big[2048], ext[64];
    uint8_t final_dst[16], hop[16];
    pb_seg s;
    sw_packet p;
    size_t n, m;
    (void)state;
    /* The sender computes the checksum with the final destination; on the wire
     * the IPv6 destination is the next hop and the routing header holds the final
     * one. */
    default_seg(&s, 6);
    n = build(buf, 101, &s);
    memcpy(final_dst, buf + 24, 16);
    assert_int_equal(inet_pton(AF_INET6, "2001:db8:ffff::1", hop), 1);

    memset(ext, 0, sizeof ext);         /* type 2: one address, hdr ext len 2 */
    ext[0] = 6; ext[1] = 2; ext[2] = 2; ext[3] = 1;
    memcpy(ext + 8, final_dst, 16);
    m = v6_insert(big, buf, n, 43, ext, 24);
    memcpy(big + 24, hop, 16);
    assert_int_equal(dec(&p, 101, big, m, 1), SW_DEC_TCP);
    assert_int_equal(p.csum_checked, 1);
    /* with segments left 0 the header destination is final: now the sum is wrong */
    big[43] = 0;
    assert_int_equal(dec(&p, 101, big, m, 1), SW_DEC_ERR_TCP_BAD_CHECKSUM);

    /* type 0 with two addresses: the last one is final */
    memset(ext, 0, sizeof ext);
    ext[0] = 6; ext[1] = 4; ext[2] = 0; ext[3] = 2;
    memcpy(ext + 8, hop, 16);
    memcpy(ext + 24, final_dst, 16);
    m = v6_insert(big, buf, n, 43, ext, 40);
    memcpy(big + 24, hop, 16);
    assert_int_equal(dec(&p, 101, big, m, 1), SW_DEC_TCP);

    /* segment routing (type 4): segment list[0] is final */
    memset(ext, 0, sizeof ext);
    ext[0] = 6; ext[1] = 4; ext[2] = 4; ext[3] = 1;
    memcpy(ext + 8, final_dst, 16);
    memcpy(ext + 24, hop, 16);
    m = v6_insert(big, buf, n, 43, ext, 40);
    memcpy(big + 24, hop, 16);
    assert_int_equal(dec(&p, 101, big, m, 1), SW_DEC_TCP);

    /* unknown routing type with segments left: kept, checksum not verified */
    big[42] = 3;
    assert_int_equal(dec(&p, 101, big, m, 1), SW_DEC_TCP);
    assert_int_equal(p.csum_checked, 0);
}

/* ---- TCP ---- */

static void test_tcp_options_all(void **state)
{
    uint8_t buf[2048];
    pb_seg s;
    sw_packet p;
    size_t n;
    (void)state;
    for (int v = 4; v <= 6; v += 2) {
        default_seg(&s, v);
        s.flags = SW_TH_SYN;
        s.len = 0;
        s.mss = 1460;
        s.has_wscale = 1;
        s.wscale = 7;
        s.sack_perm = 1;
        s.ts = 1;
        s.tsval = 0xdeadbeef;
        s.tsecr = 0x01020304;
        n = build(buf, 1, &s);
        assert_int_equal(dec(&p, 1, buf, n, 1), SW_DEC_TCP);
        assert_int_equal(p.tcp_hlen, 40);
        assert_true(p.opt.has_mss);
        assert_int_equal(p.opt.mss, 1460);
        assert_true(p.opt.has_wscale);
        assert_int_equal(p.opt.wscale, 7);
        assert_true(p.opt.sack_perm);
        assert_true(p.opt.has_ts);
        assert_int_equal(p.opt.tsval, 0xdeadbeef);
        assert_int_equal(p.opt.tsecr, 0x01020304);
        assert_false(p.opt.has_sack);
        assert_false(p.opt.has_tfo);
        assert_int_equal(p.bad_options, 0);
        assert_int_equal(p.payload_len, 0);

        /* TFO with an 8-byte cookie, wscale 14 and beyond (as sent) */
        default_seg(&s, v);
        s.flags = SW_TH_SYN;
        s.mss = 536;
        s.has_wscale = 1;
        s.wscale = 15;
        s.tfo_cookie_len = 8;
        n = build(buf, 1, &s);
        assert_int_equal(dec(&p, 1, buf, n, 1), SW_DEC_TCP);
        assert_true(p.opt.has_tfo);
        assert_int_equal(p.opt.tfo_cookie_len, 8);
        assert_int_equal(p.opt.wscale, 15);
        assert_int_equal(p.opt.mss, 536);
        assert_false(p.opt.has_ts);
        assert_int_equal(p.payload_len, PLEN);

        /* SACK: 3 blocks with timestamps, 4 blocks without */
        for (int nb = 1; nb <= 4; nb++) {
            default_seg(&s, v);
            s.nsack = nb;
            s.ts = nb < 4;
            s.tsval = 5;
            s.tsecr = 6;
            for (int i = 0; i < nb; i++) {
                s.sack[i][0] = 0xfffffff0u + (uint32_t)i * 100;
                s.sack[i][1] = 0xfffffff0u + (uint32_t)i * 100 + 50;
            }
            n = build(buf, 1, &s);
            assert_int_equal(dec(&p, 1, buf, n, 1), SW_DEC_TCP);
            assert_true(p.opt.has_sack);
            assert_int_equal(p.opt.nsack, nb);
            for (int i = 0; i < nb; i++) {
                assert_int_equal(p.opt.sack_left[i], s.sack[i][0]);
                assert_int_equal(p.opt.sack_right[i], s.sack[i][1]);
            }
            assert_int_equal(p.opt.has_ts, nb < 4);
            assert_int_equal(p.bad_options, 0);
            assert_memory_equal(p.payload, PAYLOAD, PLEN);
        }
    }
}

/* Build a raw IPv4 frame whose TCP header has 20 bytes of options and replace
 * them with opt (padded with EOL). */
static size_t frame_with_opts(uint8_t *buf, const uint8_t *opt, size_t olen)
{
    pb_seg s;
    size_t n;
    default_seg(&s, 4);
    s.mss = 1000;
    s.ts = 1;
    s.sack_perm = 1;
    s.has_wscale = 1;
    s.wscale = 2;
    n = build(buf, 101, &s);
    assert_int_equal(buf[20 + 12] >> 4, 10);
    assert_true(olen <= 20);
    memset(buf + 40, 0, 20);
    memcpy(buf + 40, opt, olen);
    fix_raw4(buf);
    return n;
}

static void test_tcp_bad_options(void **state)
{
    uint8_t buf[2048];
    sw_packet p;
    size_t n;
    (void)state;
    {   /* zeek truncated-header.pcap: timestamps with length 8; MSS after it */
        static const uint8_t o[] = { 8, 8, 0, 0, 0, 1, 0, 2, 2, 4, 0x05, 0xb4 };
        n = frame_with_opts(buf, o, sizeof o);
        assert_int_equal(dec(&p, 101, buf, n, 1), SW_DEC_TCP);
        assert_int_equal(p.bad_options, 1);
        assert_false(p.opt.has_ts);
        assert_true(p.opt.has_mss);
        assert_int_equal(p.opt.mss, 1460);
        assert_int_equal(p.payload_len, PLEN);
    }
    {   /* length 1: parsing stops, later options are not seen */
        static const uint8_t o[] = { 1, 99, 1, 2, 4, 0x05, 0xb4 };
        n = frame_with_opts(buf, o, sizeof o);
        assert_int_equal(dec(&p, 101, buf, n, 1), SW_DEC_TCP);
        assert_int_equal(p.bad_options, 1);
        assert_false(p.opt.has_mss);
    }
    {   /* length 0 */
        static const uint8_t o[] = { 3, 0, 7 };
        n = frame_with_opts(buf, o, sizeof o);
        assert_int_equal(dec(&p, 101, buf, n, 1), SW_DEC_TCP);
        assert_int_equal(p.bad_options, 1);
        assert_false(p.opt.has_wscale);
    }
    {   /* runs past the header */
        static const uint8_t o[] = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 8, 10, 0, 0 };
        n = frame_with_opts(buf, o, sizeof o);
        assert_int_equal(dec(&p, 101, buf, n, 1), SW_DEC_TCP);
        assert_int_equal(p.bad_options, 1);
        assert_false(p.opt.has_ts);
    }
    {   /* kind byte in the last position with no room for a length */
        static const uint8_t o[] = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2 };
        n = frame_with_opts(buf, o, sizeof o);
        assert_int_equal(dec(&p, 101, buf, n, 1), SW_DEC_TCP);
        assert_int_equal(p.bad_options, 1);
    }
    {   /* wrong lengths of MSS, wscale, SACK-perm, SACK, TFO: each ignored */
        static const uint8_t o[] = { 2, 3, 0, 3, 4, 0, 0, 4, 3, 0, 5, 6, 0, 0, 0, 0, 34, 19 };
        n = frame_with_opts(buf, o, sizeof o);
        assert_int_equal(dec(&p, 101, buf, n, 1), SW_DEC_TCP);
        assert_int_equal(p.bad_options, 1);
        assert_false(p.opt.has_mss);
        assert_false(p.opt.has_wscale);
        assert_false(p.opt.sack_perm);
        assert_false(p.opt.has_sack);
    }
    {   /* EOL ends parsing without a complaint; unknown kinds are skipped */
        static const uint8_t o[] = { 99, 4, 0xff, 0xff, 3, 3, 9, 0, 2, 4, 1, 1 };
        n = frame_with_opts(buf, o, sizeof o);
        assert_int_equal(dec(&p, 101, buf, n, 1), SW_DEC_TCP);
        assert_int_equal(p.bad_options, 0);
        assert_true(p.opt.has_wscale);
        assert_int_equal(p.opt.wscale, 9);
        assert_false(p.opt.has_mss);
    }
    {   /* TFO cookie request (length 2) */
        static const uint8_t o[] = { 34, 2, 1, 1 };
        n = frame_with_opts(buf, o, sizeof o);
        assert_int_equal(dec(&p, 101, buf, n, 1), SW_DEC_TCP);
        assert_true(p.opt.has_tfo);
        assert_int_equal(p.opt.tfo_cookie_len, 0);
    }
}

static void test_tcp_malformed(void **state)
{
    uint8_t buf[2048];
    pb_seg s;
    sw_packet p;
    size_t n;
    (void)state;
    default_seg(&s, 4);
    s.sport = 0;
    n = build(buf, 1, &s);
    assert_int_equal(dec(&p, 1, buf, n, 1), SW_DEC_ERR_TCP_BAD_PORT);
    default_seg(&s, 6);
    s.dport = 0;
    n = build(buf, 1, &s);
    assert_int_equal(dec(&p, 1, buf, n, 0), SW_DEC_ERR_TCP_BAD_PORT);

    default_seg(&s, 4);
    n = build(buf, 101, &s);
    for (int doff = 0; doff < 5; doff++) {
        buf[32] = (uint8_t)(doff << 4);
        fix_raw4(buf);
        assert_int_equal(dec(&p, 101, buf, n, 1), SW_DEC_ERR_TCP_BAD_HLEN);
    }
    buf[32] = 0xf0;                     /* 60 bytes > 32 bytes of segment */
    fix_raw4(buf);
    assert_int_equal(dec(&p, 101, buf, n, 1), SW_DEC_ERR_TCP_BAD_HLEN);
    buf[32] = 0x80;                     /* 32: the whole segment is header */
    fix_raw4(buf);
    assert_int_equal(dec(&p, 101, buf, n, 1), SW_DEC_TCP);
    assert_int_equal(p.payload_len, 0);
    assert_int_equal(p.tcp_hlen, 32);
    /* reserved bits and all flags */
    buf[32] = 0x5f;
    buf[33] = 0xff;
    fix_raw4(buf);
    assert_int_equal(dec(&p, 101, buf, n, 1), SW_DEC_TCP);
    assert_int_equal(p.reserved_bits, 0xf);
    assert_int_equal(p.flags, 0xff);
}

/* ---- truncation and padding ---- */

static void test_truncation_every_length(void **state)
{
    static const int lts[] = { 1, 113, 276, 101, 0, 108 };
    uint8_t buf[2048];
    pb_seg s;
    sw_packet p;
    (void)state;
    for (size_t li = 0; li < sizeof lts / sizeof *lts; li++) {
        for (int v = 4; v <= 6; v += 2) {
            for (int variant = 0; variant < 2; variant++) {
                size_t n, hdr_end, k;
                default_seg(&s, v);
                s.ts = 1;
                s.mss = 1400;
                s.nvlan = lts[li] == 1 ? variant * 2 : 0;
                s.qinq = 1;
                s.vlan[0] = 10; s.vlan[1] = 20;
                if (v == 4)
                    s.ipv4_options = variant * 12;
                else
                    s.ipv6_ext = variant;
                n = build(buf, lts[li], &s);
                hdr_end = n - PLEN;
                assert_int_equal(dec(&p, lts[li], buf, n, 1), SW_DEC_TCP);
                for (k = 0; k < n; k++) {
                    /* a frame that really was this short: always an error */
                    sw_decode_result r = dec2(&p, lts[li], buf, (uint32_t)k, (uint32_t)k, 1);
                    assert_true(r >= SW_DEC_ERR_FIRST);
                    r = dec2(&p, lts[li], buf, (uint32_t)k, (uint32_t)k, 0);
                    assert_true(r >= SW_DEC_ERR_FIRST);
                    /* cut by the snap length: headers complete -> TCP, marked */
                    r = dec2(&p, lts[li], buf, (uint32_t)k, (uint32_t)n, 1);
                    if (k < hdr_end) {
                        assert_true(r >= SW_DEC_ERR_FIRST);
                    } else {
                        assert_int_equal(r, SW_DEC_TCP);
                        assert_int_equal(p.snap_truncated, 1);
                        assert_int_equal(p.csum_checked, 0);
                        assert_int_equal(p.payload_len, k - hdr_end);
                        assert_int_equal(p.payload_wire_len, PLEN);
                        assert_int_equal(p.seq, s.seq);
                        assert_true(p.opt.has_ts);
                    }
                }
            }
        }
    }
}

/* sw_decode_endpoints (the dispatch's read) agrees with sw_decode on every frame:
 * each link type, IPv4 and IPv6, VLAN tags, IPv4 options, IPv6 extension headers, a
 * fragment, and every truncation (a heap copy of exactly the captured bytes, so ASan
 * sees an over-read). Where sw_decode finds a segment, an untransported datagram or a
 * fragment, the endpoints are its addresses (and ports); where it fails below TCP,
 * there are none; a broken TCP header still gives the addresses and the ports. */
static void endpoints_agree(int lt, const uint8_t *f, uint32_t caplen, uint32_t wirelen)
{
    uint8_t *copy = malloc(caplen ? caplen : 1);
    assert_non_null(copy);
    if (caplen)
        memcpy(copy, f, caplen);
    sw_packet p;
    sw_endpoints ep;
    sw_decode_result full = sw_decode(&p, lt, 77, copy, caplen, wirelen, 0);
    sw_decode_result r = sw_decode_endpoints(&ep, lt, copy, caplen, wirelen);
    int tcp_layer = full >= SW_DEC_ERR_TCP_TRUNCATED && full <= SW_DEC_ERR_TCP_BAD_PORT;
    if (full == SW_DEC_TCP || full == SW_DEC_NOT_TCP || full == SW_DEC_FRAGMENT || tcp_layer) {
        assert_true(ep.src == p.src_ip && ep.dst == p.dst_ip);
        assert_int_equal(ep.ip_version, p.ip_version);
        if (full == SW_DEC_TCP || full == SW_DEC_ERR_TCP_BAD_PORT) {
            assert_int_equal(r, SW_DEC_TCP);
            assert_int_equal(ep.sport, p.sport);
            assert_int_equal(ep.dport, p.dport);
        } else if (!tcp_layer) {
            assert_int_equal(r, full);
            assert_int_equal(ep.sport, 0);
            assert_int_equal(ep.dport, 0);
        }
    } else {
        assert_int_equal(r, full);
        assert_null(ep.src);
        assert_int_equal(ep.sport, 0);
    }
    free(copy);
}

static void test_endpoints_as_decode(void **state)
{
    static const int lts[] = { 1, 113, 276, 101, 0, 108, 12 };
    uint8_t buf[2048];
    pb_seg s;
    (void)state;
    for (size_t li = 0; li < sizeof lts / sizeof *lts; li++) {
        for (int v = 4; v <= 6; v += 2) {
            for (int variant = 0; variant < 3; variant++) {
                default_seg(&s, v);
                s.nvlan = lts[li] == 1 ? variant : 0;
                s.qinq = 1;
                s.vlan[0] = 10; s.vlan[1] = 20;
                if (v == 4)
                    s.ipv4_options = variant * 8;
                else
                    s.ipv6_ext = variant == 1;
                size_t n = build(buf, lts[li], &s);
                if (v == 4 && variant == 2 && lts[li] == 101) {
                    buf[6] = 0x20;                  /* MF: a first fragment */
                    fix_ip4(buf);
                }
                for (size_t k = 0; k <= n; k++) {
                    endpoints_agree(lts[li], buf, (uint32_t)k, (uint32_t)k);
                    endpoints_agree(lts[li], buf, (uint32_t)k, (uint32_t)n);
                }
            }
        }
    }
    endpoints_agree(1, NULL, 0, 0);
    endpoints_agree(999, buf, 60, 60);                  /* unknown link */
}

static void test_snaplen_cut(void **state)
{
    uint8_t buf[2048];
    pb_seg s;
    sw_packet p;
    size_t n;
    (void)state;
    default_seg(&s, 4);
    s.bad_tcp_csum = 1;                 /* unverifiable when cut: not reported */
    n = build(buf, 1, &s);
    assert_int_equal(dec2(&p, 1, buf, (uint32_t)n - 5, (uint32_t)n, 1), SW_DEC_TCP);
    assert_int_equal(p.snap_truncated, 1);
    assert_int_equal(p.payload_len, PLEN - 5);
    assert_int_equal(p.payload_wire_len, PLEN);
    assert_int_equal(p.csum_checked, 0);
    /* the IPv4 header checksum is still checked */
    s.bad_tcp_csum = 0;
    s.bad_ip_csum = 1;
    n = build(buf, 1, &s);
    assert_int_equal(dec2(&p, 1, buf, (uint32_t)n - 5, (uint32_t)n, 1),
                     SW_DEC_ERR_IPV4_BAD_CHECKSUM);
    /* wirelen smaller than caplen is treated as caplen */
    s.bad_ip_csum = 0;
    n = build(buf, 1, &s);
    assert_int_equal(dec2(&p, 1, buf, (uint32_t)n, 10, 1), SW_DEC_TCP);
    assert_int_equal(p.snap_truncated, 0);
}

static void test_ethernet_padding(void **state)
{
    uint8_t buf[2048];
    pb_seg s;
    sw_packet p;
    size_t n;
    (void)state;
    for (int v = 4; v <= 6; v += 2) {
        default_seg(&s, v);
        s.len = 0;
        s.flags = SW_TH_ACK;
        n = build(buf, 1, &s);
        memset(buf + n, 0xAA, 20);      /* trailer/padding, e.g. to 60 bytes + FCS */
        assert_int_equal(dec(&p, 1, buf, n + 20, 1), SW_DEC_TCP);
        assert_int_equal(p.payload_len, 0);
        assert_int_equal(p.payload_wire_len, 0);
        assert_int_equal(p.csum_checked, 1);
        default_seg(&s, v);
        n = build(buf, 1, &s);
        memset(buf + n, 0xAA, 6);
        assert_int_equal(dec(&p, 1, buf, n + 6, 1), SW_DEC_TCP);
        assert_int_equal(p.payload_len, PLEN);
    }
}

/* ---- names, addresses ---- */

static void test_reason_names(void **state)
{
    (void)state;
    for (int i = 0; i < SW_DEC_NRESULTS; i++) {
        const char *a = sw_decode_reason_name((sw_decode_result)i);
        assert_non_null(a);
        assert_string_not_equal(a, "unknown");
        for (const char *c = a; *c; c++)
            assert_true((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_');
        for (int j = 0; j < i; j++)
            assert_string_not_equal(a, sw_decode_reason_name((sw_decode_result)j));
    }
    assert_string_equal(sw_decode_reason_name(SW_DEC_NRESULTS), "unknown");
    assert_string_equal(sw_decode_reason_name(SW_DEC_ERR_TCP_BAD_CHECKSUM), "tcp_bad_checksum");
}

static void test_addr_str(void **state)
{
    uint8_t buf[2048];
    char a[64];
    pb_seg s;
    sw_packet p;
    size_t n;
    (void)state;
    default_seg(&s, 4);
    n = build(buf, 1, &s);
    assert_int_equal(dec(&p, 1, buf, n, 1), SW_DEC_TCP);
    assert_string_equal(sw_addr_str(4, p.src_ip, a, sizeof a), "192.0.2.10");
    assert_string_equal(sw_addr_str(4, p.dst_ip, a, sizeof a), "198.51.100.20");
    default_seg(&s, 6);
    n = build(buf, 1, &s);
    assert_int_equal(dec(&p, 1, buf, n, 1), SW_DEC_TCP);
    assert_string_equal(sw_addr_str(6, p.src_ip, a, sizeof a), "2001:db8::10");
    assert_string_equal(sw_addr_str(6, NULL, a, sizeof a), "?");
    assert_string_equal(sw_addr_str(6, p.src_ip, a, 4), "?");
}

/* ---- public captures ---- */

static int decode_pcap(const char *path, sw_decode_result *results, size_t max, size_t *n)
{
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *pc = pcap_open_offline(path, err);
    struct pcap_pkthdr *h;
    const u_char *d;
    *n = 0;
    if (!pc)
        return -1;
    while (pcap_next_ex(pc, &h, &d) == 1) {
        sw_packet p;
        if (*n < max)
            results[*n] = sw_decode(&p, pcap_datalink(pc), 0, d, h->caplen, h->len, 1);
        (*n)++;
    }
    pcap_close(pc);
    return 0;
}

static void test_zeek_checksum_pcaps(void **state)
{
    const char *dir = getenv("SW_SHARED_DIR");
    char path[4096];
    sw_decode_result r[16];
    size_t n, i;
    FILE *f;
    (void)state;
    if (!dir) {
        fprintf(stderr, "SKIP: SW_SHARED_DIR is not set: zeek checksum captures not tested\n");
        skip();
    }
    snprintf(path, sizeof path, "%s/pcaps/zeek/chksums/ip4-tcp-bad-chksum.pcap", dir);
    f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "SKIP: %s is absent\n", path);
        skip();
    }
    fclose(f);
    assert_int_equal(decode_pcap(path, r, 16, &n), 0);
    assert_true(n >= 1);
    for (i = 0; i < n && i < 16; i++)
        assert_int_equal(r[i], SW_DEC_ERR_TCP_BAD_CHECKSUM);
    snprintf(path, sizeof path, "%s/pcaps/zeek/chksums/ip4-tcp-good-chksum.pcap", dir);
    assert_int_equal(decode_pcap(path, r, 16, &n), 0);
    assert_true(n >= 1);
    for (i = 0; i < n && i < 16; i++)
        assert_int_equal(r[i], SW_DEC_TCP);
}

/* ---- the checksum sum ---- */

/* The one-word-at-a-time sum sw_csum_acc replaced (kept here as the reference). */
static uint64_t ref_csum_acc(uint64_t sum, const uint8_t *p, size_t n)
{
    uint32_t w32;
    uint16_t w16;
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
        uint8_t last[2] = { p[0], 0 };
        memcpy(&w16, last, 2);
        sum += w16;
    }
    return sum;
}

/* Fold to 16 bits with end-around carry. */
static uint16_t fold16(uint64_t s)
{
    while (s >> 16)
        s = (s & 0xffffu) + (s >> 16);
    return (uint16_t)s;
}

/* Same integer as the reference for random data at every alignment and many
 * lengths (0..70 000, which covers every loop tail), with random starting sums;
 * and a sum in two even-length parts folds like the sum in one. */
static void test_csum_acc_matches_reference(void **state)
{
    enum { MAXN = 70000 };
    uint8_t *buf = malloc(MAXN + 64);
    uint64_t x = 0x9e3779b97f4a7c15ull;
    (void)state;
    assert_non_null(buf);
    for (size_t i = 0; i < MAXN + 64; i++) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        buf[i] = (uint8_t)x;
    }
    for (int round = 0; round < 3000; round++) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        size_t align = (size_t)(x % 64);
        size_t n = round < 300 ? (size_t)round : round % 5 == 0 ? (size_t)((x >> 8) % (MAXN + 1))
                                                                 : (size_t)((x >> 8) % 3000);
        uint64_t start = round % 3 == 0 ? 0 : (x >> 20) & 0xffffffffffull;
        const uint8_t *p = buf + align;
        assert_true(sw_csum_acc(start, p, n) == ref_csum_acc(start, p, n));
        if (n >= 2) {
            size_t cut = ((x >> 40) % n) & ~(size_t)1;
            assert_int_equal(fold16(sw_csum_acc(sw_csum_acc(start, p, cut), p + cut, n - cut)),
                             fold16(ref_csum_acc(start, p, n)));
        }
    }
    /* all ones: the largest words, where a lost carry would show */
    memset(buf, 0xff, MAXN);
    for (size_t n = MAXN - 70; n <= MAXN; n++)
        assert_true(sw_csum_acc(0, buf + (n & 7), n - 8) == ref_csum_acc(0, buf + (n & 7), n - 8));
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_link_types),
        cmocka_unit_test(test_mac_addresses),
        cmocka_unit_test(test_null_loop_families),
        cmocka_unit_test(test_vlan),
        cmocka_unit_test(test_not_ip_not_tcp_unknown_link),
        cmocka_unit_test(test_ipv4_options),
        cmocka_unit_test(test_ipv4_malformed),
        cmocka_unit_test(test_checksums),
        cmocka_unit_test(test_fragments),
        cmocka_unit_test(test_ipv6_ext),
        cmocka_unit_test(test_ipv6_routing_pseudo_header),
        cmocka_unit_test(test_tcp_options_all),
        cmocka_unit_test(test_tcp_bad_options),
        cmocka_unit_test(test_tcp_malformed),
        cmocka_unit_test(test_truncation_every_length),
        cmocka_unit_test(test_snaplen_cut),
        cmocka_unit_test(test_endpoints_as_decode),
        cmocka_unit_test(test_ethernet_padding),
        cmocka_unit_test(test_reason_names),
        cmocka_unit_test(test_addr_str),
        cmocka_unit_test(test_zeek_checksum_pcaps),
        cmocka_unit_test(test_csum_acc_matches_reference),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
