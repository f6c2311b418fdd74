/*
 * test_defrag.c — IP defragmentation (detector/defrag.c) with fragments made by
 * pktbuild: in order, out of order, IPv4 and IPv6, duplicates, overlaps under every
 * policy, tiny first fragments that split the TCP header, timeouts, the context /
 * byte / fragment caps, refused fragments; and through the engine: a fragmented
 * segment reaches the stream and the checks (its alerts say how many fragments it
 * came in), overlapping fragments raise ip_fragment_overlap on the connection.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detector/defrag.h"
#include "detector/packet.h"
#include "pktbuild.h"
#include "seqwatch.h"

#define PLEN 44u                        /* TCP payload: IP payload = 20 + 44 = 64 bytes */
static uint8_t PAY[PLEN];
static int g_noverify;                  /* overlaps replaced bytes: the TCP checksum fails */

typedef struct {
    int n;
    sw_frag_overlap_obs last;
    uint8_t old[64], neu[64];
} obs_rec;

static void on_ovl(void *u, const sw_frag_overlap_obs *o)
{
    obs_rec *r = u;
    r->n++;
    r->last = *o;
    memcpy(r->old, o->old_bytes, o->len < 64 ? o->len : 64);
    memcpy(r->neu, o->new_bytes, o->len < 64 ? o->len : 64);
}

static sw_defrag *mk(int policy, uint32_t ctxs, uint64_t memcap, uint32_t frags, obs_rec *r)
{
    sw_defrag_config c;
    memset(&c, 0, sizeof c);
    c.policy = policy;
    c.max_contexts = ctxs;
    c.memcap = memcap;
    c.max_fragments = frags;
    c.timeout_v4_s = 30;
    c.timeout_v6_s = 60;
    c.vlan_aware = 1;
    sw_defrag *d = sw_defrag_new(&c, on_ovl, r);
    assert_non_null(d);
    return d;
}

/* The unfragmented frame: Ethernet, TCP with PLEN bytes of payload. */
static size_t whole(uint8_t *buf, int v, uint16_t sport)
{
    for (unsigned i = 0; i < PLEN; i++)
        PAY[i] = (uint8_t)('A' + i % 26);
    pb_seg s;
    memset(&s, 0, sizeof s);
    s.ip_version = v;
    s.src = v == 6 ? "2001:db8::1" : "192.0.2.1";
    s.dst = v == 6 ? "2001:db8::2" : "192.0.2.2";
    s.sport = sport;
    s.dport = 80;
    s.seq = 1000;
    s.ack = 2000;
    s.flags = SW_TH_ACK | SW_TH_PSH;
    s.win = 100;
    s.payload = PAY;
    s.len = PLEN;
    size_t n = pb_build(buf, 2048, 1, &s);
    assert_true(n > 0);
    return n;
}

/* Feed one fragment; returns 1 if it completed the datagram (decoded into *out). */
static int add(sw_defrag *d, const uint8_t *fr, size_t fl, uint32_t off, uint32_t len, int mf,
               uint32_t id, const uint8_t *bytes, uint64_t ts, sw_packet *out, uint32_t *nfrags)
{
    uint8_t f[2048];
    size_t n = pb_fragment(f, sizeof f, 1, fr, fl, off, len, mf, id, bytes);
    assert_true(n > 0);
    sw_packet p;
    assert_int_equal(sw_decode(&p, 1, ts, f, (uint32_t)n, (uint32_t)n, 1), SW_DEC_FRAGMENT);
    const uint8_t *dg;
    uint32_t dl, nf = 0;
    static uint8_t keep[70000];
    if (!sw_defrag_add(d, &p, &dg, &dl, &nf))
        return 0;
    memcpy(keep, dg, dl);
    if (nfrags)
        *nfrags = nf;
    if (out) {
        int ipv = (keep[0] >> 4) == 6 ? SW_LINK_IPV6 : SW_LINK_IPV4;
        /* bytes replaced by an overlap break the TCP checksum: decode without it */
        assert_int_equal(sw_decode(out, ipv, ts, keep, dl, dl, !g_noverify), SW_DEC_TCP);
    }
    return 1;
}

static sw_defrag_counters ctr(const sw_defrag *d)
{
    sw_defrag_counters c;
    sw_defrag_counters_get(d, &c);
    return c;
}

static void in_order(int v)
{
    uint8_t fr[2048];
    size_t fl = whole(fr, v, 1234);
    obs_rec r = {0};
    sw_defrag *d = mk(SW_FRAG_LINUX, 16, 1 << 20, 16, &r);
    sw_packet p;
    uint32_t nf = 0;
    assert_int_equal(add(d, fr, fl, 0, 24, 1, 7, NULL, 1, &p, NULL), 0);
    assert_int_equal(add(d, fr, fl, 24, 40, 0, 7, NULL, 2, &p, &nf), 1);
    assert_int_equal(nf, 2);
    assert_int_equal(p.payload_len, PLEN);
    assert_memory_equal(p.payload, PAY, PLEN);
    assert_int_equal(p.sport, 1234);
    assert_int_equal(p.seq, 1000);
    assert_int_equal(p.csum_checked, 1);     /* the TCP checksum held over the whole */
    assert_int_equal(ctr(d).reassembled, 1);
    assert_int_equal(ctr(d).active, 0);
    assert_int_equal(r.n, 0);
    sw_defrag_free(d);
}

static void test_ipv4_in_order(void **st) { (void)st; in_order(4); }
static void test_ipv6_in_order(void **st) { (void)st; in_order(6); }

static void out_of_order(int v)
{
    uint8_t fr[2048];
    size_t fl = whole(fr, v, 1234);
    obs_rec r = {0};
    sw_defrag *d = mk(SW_FRAG_LINUX, 16, 1 << 20, 16, &r);
    sw_packet p;
    uint32_t nf = 0;
    assert_int_equal(add(d, fr, fl, 40, 24, 0, 9, NULL, 1, &p, NULL), 0);   /* last first */
    assert_int_equal(add(d, fr, fl, 0, 16, 1, 9, NULL, 2, &p, NULL), 0);
    assert_int_equal(add(d, fr, fl, 16, 24, 1, 9, NULL, 3, &p, &nf), 1);
    assert_int_equal(nf, 3);
    assert_memory_equal(p.payload, PAY, PLEN);
    assert_int_equal(r.n, 0);
    sw_defrag_free(d);
}

static void test_ipv4_out_of_order(void **st) { (void)st; out_of_order(4); }
static void test_ipv6_out_of_order(void **st) { (void)st; out_of_order(6); }

/* Same bytes again: a duplicate, dropped, no overlap report. */
static void test_duplicate_same_bytes(void **st)
{
    (void)st;
    uint8_t fr[2048];
    size_t fl = whole(fr, 4, 1);
    obs_rec r = {0};
    sw_defrag *d = mk(SW_FRAG_LINUX, 16, 1 << 20, 16, &r);
    sw_packet p;
    assert_int_equal(add(d, fr, fl, 0, 32, 1, 1, NULL, 1, &p, NULL), 0);
    assert_int_equal(add(d, fr, fl, 8, 16, 1, 1, NULL, 2, &p, NULL), 0);
    assert_int_equal(add(d, fr, fl, 32, 32, 0, 1, NULL, 3, &p, NULL), 1);
    assert_int_equal(ctr(d).duplicates, 1);
    assert_int_equal(ctr(d).overlaps, 1);
    assert_int_equal(ctr(d).overlap_mismatches, 0);
    assert_int_equal(r.n, 0);
    sw_defrag_free(d);
}

/* Linux: a fragment inside what is held is a duplicate whatever its bytes: the first
 * bytes stay, and the difference is reported (kept = old). */
static void test_linux_duplicate_different_bytes(void **st)
{
    (void)st;
    uint8_t fr[2048], evil[16];
    size_t fl = whole(fr, 4, 1);
    memset(evil, 'X', sizeof evil);
    obs_rec r = {0};
    sw_defrag *d = mk(SW_FRAG_LINUX, 16, 1 << 20, 16, &r);
    sw_packet p;
    uint32_t nf;
    assert_int_equal(add(d, fr, fl, 0, 48, 1, 1, NULL, 1, &p, NULL), 0);
    assert_int_equal(add(d, fr, fl, 24, 16, 1, 1, evil, 2, &p, NULL), 0);
    assert_int_equal(r.n, 1);
    assert_int_equal(r.last.offset, 24);
    assert_int_equal(r.last.len, 16);
    assert_int_equal(r.last.kept, 0);
    assert_int_equal(r.last.old_frag_off, 0);
    assert_int_equal(r.last.old_frag_len, 48);
    assert_int_equal(r.last.new_frag_off, 24);
    assert_int_equal(r.last.have_ports, 1);
    assert_int_equal(r.last.sport, 1);
    assert_memory_equal(r.neu, evil, 16);
    assert_memory_equal(r.old, PAY + 4, 16);   /* data offset 24 = payload byte 4 */
    assert_int_equal(add(d, fr, fl, 48, 16, 0, 1, NULL, 3, &p, &nf), 1);
    assert_memory_equal(p.payload, PAY, PLEN);  /* the first bytes */
    assert_int_equal(nf, 2);
    sw_defrag_free(d);
}

/* Linux (RFC 5722, applied to IPv4 too): a partial overlap drops the datagram. */
static void linux_partial_overlap(int v)
{
    uint8_t fr[2048], evil[24];
    size_t fl = whole(fr, v, 1);
    memset(evil, 'X', sizeof evil);
    obs_rec r = {0};
    sw_defrag *d = mk(SW_FRAG_LINUX, 16, 1 << 20, 16, &r);
    sw_packet p;
    assert_int_equal(add(d, fr, fl, 0, 32, 1, 5, NULL, 1, &p, NULL), 0);
    assert_int_equal(add(d, fr, fl, 24, 24, 1, 5, evil, 2, &p, NULL), 0);
    assert_int_equal(r.n, 1);
    assert_int_equal(r.last.kept, 2);
    assert_int_equal(r.last.offset, 24);
    assert_int_equal(r.last.len, 8);
    assert_int_equal(ctr(d).overlap_drops, 1);
    assert_int_equal(ctr(d).active, 0);
    /* the rest alone does not make a datagram */
    assert_int_equal(add(d, fr, fl, 48, 16, 0, 5, NULL, 3, &p, NULL), 0);
    assert_int_equal(ctr(d).reassembled, 0);
    sw_defrag_free(d);
}

static void test_ipv4_linux_overlap_drops(void **st) { (void)st; linux_partial_overlap(4); }

/* As the kernel of the e2e machine does (tests/e2e/frag_policy_probe.py): a partial
 * overlap with the same bytes drops the datagram too (no report: nothing differs), and
 * a fresh complete set with the same id afterwards is reassembled. */
static void linux_same_bytes_then_fresh(int v)
{
    uint8_t fr[2048];
    size_t fl = whole(fr, v, 1);
    obs_rec r = {0};
    sw_defrag *d = mk(SW_FRAG_LINUX, 16, 1 << 20, 16, &r);
    sw_packet p;
    assert_int_equal(add(d, fr, fl, 0, 32, 1, 6, NULL, 1, &p, NULL), 0);
    assert_int_equal(add(d, fr, fl, 24, 16, 1, 6, NULL, 2, &p, NULL), 0);
    assert_int_equal(ctr(d).overlap_drops, 1);
    assert_int_equal(ctr(d).active, 0);
    assert_int_equal(r.n, 0);
    assert_int_equal(add(d, fr, fl, 0, 32, 1, 6, NULL, 4, &p, NULL), 0);
    assert_int_equal(add(d, fr, fl, 32, 32, 0, 6, NULL, 5, &p, NULL), 1);
    assert_memory_equal(p.payload, PAY, PLEN);
    sw_defrag_free(d);
}

static void test_linux_same_bytes_overlap_then_fresh_set(void **st)
{
    (void)st;
    linux_same_bytes_then_fresh(4);
    linux_same_bytes_then_fresh(6);
}
static void test_ipv6_linux_overlap_drops(void **st) { (void)st; linux_partial_overlap(6); }

/* The policies on three overlaps of a held fragment A by a new fragment B (different
 * bytes): which version of the overlapping part ends up in the datagram. */
static char kept_by(int policy, uint32_t aoff, uint32_t alen, uint32_t boff, uint32_t blen,
                    uint32_t probe)
{
    uint8_t fr[2048], a[64], b[64];
    size_t fl = whole(fr, 4, 1);
    memset(a, 'a', sizeof a);
    memset(b, 'b', sizeof b);
    obs_rec r = {0};
    sw_defrag *d = mk(policy, 16, 1 << 20, 16, &r);
    sw_packet p;
    int done = 0;
    g_noverify = 1;
    done |= add(d, fr, fl, aoff, alen, 1, 3, a, 1, &p, NULL);
    done |= add(d, fr, fl, boff, blen, 1, 3, b, 2, &p, NULL);
    assert_int_equal(r.n, 1);
    if (aoff > 0 && boff > 0)
        done |= add(d, fr, fl, 0, 8, 1, 3, NULL, 3, &p, NULL);
    uint32_t tail = aoff + alen > boff + blen ? aoff + alen : boff + blen;
    done |= add(d, fr, fl, tail, 64 - tail, 0, 3, NULL, 4, &p, NULL);
    assert_int_equal(done, 1);
    char c = (char)p.tcp_hdr[probe];
    assert_int_equal(r.last.kept, c == 'b');
    g_noverify = 0;
    sw_defrag_free(d);
    return c;
}

static void test_policies(void **st)
{
    (void)st;
    /* B starts after A: only last takes B */
    assert_int_equal(kept_by(SW_FRAG_FIRST, 8, 24, 16, 24, 20), 'a');
    assert_int_equal(kept_by(SW_FRAG_LAST, 8, 24, 16, 24, 20), 'b');
    assert_int_equal(kept_by(SW_FRAG_BSD, 8, 24, 16, 24, 20), 'a');
    assert_int_equal(kept_by(SW_FRAG_WINDOWS, 8, 24, 16, 24, 20), 'a');
    assert_int_equal(kept_by(SW_FRAG_SOLARIS, 8, 24, 16, 24, 20), 'a');
    /* B starts before and ends after A */
    assert_int_equal(kept_by(SW_FRAG_FIRST, 16, 8, 8, 32, 20), 'a');
    assert_int_equal(kept_by(SW_FRAG_LAST, 16, 8, 8, 32, 20), 'b');
    assert_int_equal(kept_by(SW_FRAG_BSD, 16, 8, 8, 32, 20), 'b');
    assert_int_equal(kept_by(SW_FRAG_WINDOWS, 16, 8, 8, 32, 20), 'b');
    assert_int_equal(kept_by(SW_FRAG_SOLARIS, 16, 8, 8, 32, 20), 'b');
    /* B starts before A and ends where A ends */
    assert_int_equal(kept_by(SW_FRAG_BSD, 16, 16, 8, 24, 20), 'b');
    assert_int_equal(kept_by(SW_FRAG_WINDOWS, 16, 16, 8, 24, 20), 'a');
    assert_int_equal(kept_by(SW_FRAG_SOLARIS, 16, 16, 8, 24, 20), 'b');
}

/* A first fragment of 8 bytes holds only the ports and seq: counted, still reassembled. */
static void test_tiny_first_fragment_splits_tcp_header(void **st)
{
    (void)st;
    uint8_t fr[2048];
    size_t fl = whole(fr, 4, 77);
    obs_rec r = {0};
    sw_defrag *d = mk(SW_FRAG_LINUX, 16, 1 << 20, 16, &r);
    sw_packet p;
    assert_int_equal(add(d, fr, fl, 0, 8, 1, 4, NULL, 1, &p, NULL), 0);
    assert_int_equal(ctr(d).tiny_tcp, 1);
    assert_int_equal(add(d, fr, fl, 8, 56, 0, 4, NULL, 2, &p, NULL), 1);
    assert_int_equal(p.sport, 77);
    assert_int_equal(p.tcp_hlen, 20);
    assert_memory_equal(p.payload, PAY, PLEN);
    sw_defrag_free(d);
}

/* An overlap that rewrites the TCP header (ports) of a tiny first fragment. */
static void test_overlap_rewrites_tcp_header(void **st)
{
    (void)st;
    uint8_t fr[2048], evil[16];
    size_t fl = whole(fr, 4, 77);
    memcpy(evil, fr + 14 + 20 + 8, 16);
    evil[5] = 0x02;                              /* TCP flags byte (header offset 13) */
    obs_rec r = {0};
    sw_defrag *d = mk(SW_FRAG_LAST, 16, 1 << 20, 16, &r);
    sw_packet p;
    assert_int_equal(add(d, fr, fl, 0, 24, 1, 4, NULL, 1, &p, NULL), 0);
    assert_int_equal(add(d, fr, fl, 8, 16, 1, 4, evil, 2, &p, NULL), 0);
    assert_int_equal(r.n, 1);
    assert_int_equal(r.last.bytes_differing, 1);
    g_noverify = 1;
    assert_int_equal(add(d, fr, fl, 24, 40, 0, 4, NULL, 3, &p, NULL), 1);
    g_noverify = 0;
    assert_int_equal(p.flags, 0x02);             /* last: the new bytes */
    sw_defrag_free(d);
}

static void test_timeouts(void **st)
{
    (void)st;
    uint8_t f4[2048], f6[2048];
    size_t l4 = whole(f4, 4, 1), l6;
    obs_rec r = {0};
    sw_defrag *d = mk(SW_FRAG_LINUX, 16, 1 << 20, 16, &r);
    sw_packet p;
    uint64_t t0 = 1000000000ull;
    assert_int_equal(add(d, f4, l4, 0, 24, 1, 1, NULL, t0, &p, NULL), 0);
    l6 = whole(f6, 6, 1);
    assert_int_equal(add(d, f6, l6, 0, 24, 1, 1, NULL, t0, &p, NULL), 0);
    /* 31 s later: IPv4 gone (30 s), IPv6 still there (60 s) */
    assert_int_equal(add(d, f4, l4, 24, 40, 0, 1, NULL, t0 + 31000000, &p, NULL), 0);
    assert_int_equal(ctr(d).timed_out, 1);
    assert_int_equal(add(d, f6, l6, 24, 40, 0, 1, NULL, t0 + 31000000, &p, NULL), 1);
    sw_defrag_expire(d, t0 + 31000000 + 30000000);
    assert_int_equal(ctr(d).timed_out, 2);      /* the lone IPv4 tail fragment */
    assert_int_equal(ctr(d).active, 0);
    sw_defrag_free(d);
}

/* More datagrams than contexts: the stalest goes first. */
static void test_context_cap_drops_stalest(void **st)
{
    (void)st;
    uint8_t fr[2048];
    size_t fl = whole(fr, 4, 1);
    obs_rec r = {0};
    sw_defrag *d = mk(SW_FRAG_LINUX, 4, 1 << 20, 16, &r);
    sw_packet p;
    for (uint32_t id = 1; id <= 5; id++)
        assert_int_equal(add(d, fr, fl, 0, 24, 1, id, NULL, id, &p, NULL), 0);
    assert_int_equal(ctr(d).evicted, 1);
    assert_int_equal(ctr(d).active, 4);
    assert_int_equal(add(d, fr, fl, 24, 40, 0, 1, NULL, 10, &p, NULL), 0);  /* id 1 was dropped */
    assert_int_equal(add(d, fr, fl, 24, 40, 0, 5, NULL, 11, &p, NULL), 1);
    assert_int_equal(add(d, fr, fl, 24, 40, 0, 2, NULL, 12, &p, NULL), 0);  /* evicted by id 1's tail */
    assert_int_equal(ctr(d).evicted, 2);
    sw_defrag_free(d);
}

static void test_fragment_and_byte_caps(void **st)
{
    (void)st;
    uint8_t fr[2048];
    size_t fl = whole(fr, 4, 1);
    obs_rec r = {0};
    sw_packet p;
    sw_defrag *d = mk(SW_FRAG_LINUX, 16, 1 << 20, 4, &r);
    for (uint32_t off = 0; off < 40; off += 8)
        assert_int_equal(add(d, fr, fl, off, 8, 1, 1, NULL, 1, &p, NULL), 0);
    assert_int_equal(ctr(d).too_many, 1);
    assert_int_equal(ctr(d).active, 0);
    sw_defrag_free(d);

    /* one block of 512 bytes: a second datagram evicts the first */
    d = mk(SW_FRAG_LINUX, 16, 512, 16, &r);
    assert_int_equal(add(d, fr, fl, 0, 24, 1, 1, NULL, 1, &p, NULL), 0);
    assert_int_equal(add(d, fr, fl, 0, 24, 1, 2, NULL, 2, &p, NULL), 0);
    assert_int_equal(ctr(d).evicted, 1);
    assert_int_equal(ctr(d).mem_peak, 512);
    assert_int_equal(add(d, fr, fl, 24, 40, 0, 2, NULL, 3, &p, NULL), 1);
    sw_defrag_free(d);
}

static void test_refused_fragments(void **st)
{
    (void)st;
    uint8_t fr[2048];
    size_t fl = whole(fr, 4, 1);
    obs_rec r = {0};
    sw_defrag *d = mk(SW_FRAG_LINUX, 16, 1 << 20, 16, &r);
    sw_packet p;
    assert_int_equal(add(d, fr, fl, 32, 32, 0, 1, NULL, 1, &p, NULL), 0);      /* end = 64 */
    assert_int_equal(add(d, fr, fl, 48, 8, 0, 1, NULL, 1, &p, NULL), 0);       /* last again, earlier end */
    assert_int_equal(ctr(d).invalid, 1);
    assert_int_equal(ctr(d).overlaps, 0);
    /* a non-last fragment of 4 bytes is cut to 0: refused */
    assert_int_equal(add(d, fr, fl, 0, 4, 1, 2, NULL, 1, &p, NULL), 0);
    assert_int_equal(ctr(d).invalid, 2);

    /* not TCP: an IPv4 fragment of another protocol is not kept */
    uint8_t f[2048];
    size_t n = pb_fragment(f, sizeof f, 1, fr, fl, 0, 24, 1, 3, NULL);
    f[14 + 9] = 17;
    sw_packet q;
    assert_int_equal(sw_decode(&q, 1, 1, f, (uint32_t)n, (uint32_t)n, 0), SW_DEC_FRAGMENT);
    const uint8_t *dg;
    uint32_t dl, nf;
    assert_int_equal(sw_defrag_add(d, &q, &dg, &dl, &nf), 0);
    assert_int_equal(ctr(d).not_tcp, 1);
    /* cut by the snap length */
    assert_int_equal(sw_decode(&q, 1, 1, f, (uint32_t)n - 4, (uint32_t)n, 0), SW_DEC_FRAGMENT);
    f[14 + 9] = 6;
    assert_int_equal(sw_decode(&q, 1, 1, f, (uint32_t)n - 4, (uint32_t)n, 0), SW_DEC_FRAGMENT);
    assert_int_equal(sw_defrag_add(d, &q, &dg, &dl, &nf), 0);
    assert_int_equal(ctr(d).cut, 1);
    sw_defrag_free(d);
}

/* ---- through the engine ---- */

typedef struct {
    int alerts;
    char events[16][48];
    json_t *docs[16];
    uint64_t bytes[2];
    uint64_t flow_id;
} eng_rec;

static void e_alert(void *u, const sw_alert *a)
{
    eng_rec *r = u;
    if (r->alerts < 16) {
        snprintf(r->events[r->alerts], sizeof r->events[0], "%s", a->event);
        json_error_t je;
        r->docs[r->alerts] = json_loads(a->json, 0, &je);
    }
    r->alerts++;
}

static void e_stream(void *u, const sw_stream_chunk *c)
{
    eng_rec *r = u;
    if (c->kind == SW_STREAM_DATA)
        r->bytes[c->dir & 1] += c->len;
    r->flow_id = c->flow_id;
}

static void e_feed(void *u, int lt, uint64_t ts, const uint8_t *f, uint32_t len)
{
    sw_engine_feed(u, lt, ts, f, len, len);
}

static void eng_free(eng_rec *r)
{
    for (int i = 0; i < r->alerts && i < 16; i++)
        json_decref(r->docs[i]);
}

/* A handshake, then the client's 44 bytes sent as fragments (chosen by the caller). */
static sw_engine *eng_conn(eng_rec *r, pb_trace *t, pb_conn *c, int v, int policy,
                           uint8_t *fr, size_t *fl)
{
    sw_config cfg;
    sw_config_init(&cfg);
    cfg.sensor_name = "unit";
    cfg.seed_set = 1;
    cfg.frag_policy = policy;
    char err[256];
    sw_engine *e = sw_engine_new(&cfg, err, sizeof err);
    assert_non_null(e);
    sw_engine_set_alert_cb(e, e_alert, r);
    sw_engine_set_stream_cb(e, e_stream, r);
    pb_trace_init(t, 1, 1700000000000000ull);
    pb_conn_init(c, t, v == 6 ? "2001:db8::1" : "10.0.0.1", 40000,
                 v == 6 ? "2001:db8::2" : "10.0.0.2", 80, 1000, 5000);
    pb_conn_handshake(c);
    for (unsigned i = 0; i < PLEN; i++)
        PAY[i] = (uint8_t)('A' + i % 26);
    pb_seg s;
    pb_conn_seg(c, 0, &s);
    s.flags = SW_TH_ACK | SW_TH_PSH;
    s.payload = PAY;
    s.len = PLEN;
    s.ip_id = 0x4242;
    *fl = pb_build(fr, 2048, 1, &s);
    assert_true(*fl > 0);
    c->nxt[0] += PLEN;
    return e;
}

static void engine_fragmented_segment(int v)
{
    eng_rec r;
    memset(&r, 0, sizeof r);
    pb_trace t;
    pb_conn c;
    uint8_t fr[2048];
    size_t fl;
    sw_engine *e = eng_conn(&r, &t, &c, v, SW_FRAG_LINUX, fr, &fl);
    pb_trace_add_frag(&t, fr, fl, 32, 32, 0, 0x4242, NULL);
    pb_trace_add_frag(&t, fr, fl, 0, 32, 1, 0x4242, NULL);
    pb_tick(&t, 1000);
    pb_conn_ack(&c, 1);
    pb_conn_fin(&c, 0);
    pb_conn_fin(&c, 1);
    pb_conn_ack(&c, 0);
    pb_trace_each(&t, e_feed, e);
    sw_engine_flush(e);
    sw_stats st;
    sw_engine_get_stats(e, &st);
    assert_int_equal(st.fragments, 2);
    assert_int_equal(st.frag_reassembled, 1);
    assert_int_equal(r.bytes[0], PLEN);          /* the stream got the datagram's data */
    assert_int_equal(r.alerts, 0);
    sw_engine_free(e);
    pb_trace_free(&t);
    eng_free(&r);
}

static void test_engine_ipv4_fragmented_segment(void **st) { (void)st; engine_fragmented_segment(4); }
static void test_engine_ipv6_fragmented_segment(void **st) { (void)st; engine_fragmented_segment(6); }

/* Overlapping fragments with different bytes: ip_fragment_overlap on the connection;
 * under linux the datagram is dropped, so the stream never gets those bytes. */
static void test_engine_overlap_alert(void **st)
{
    (void)st;
    eng_rec r;
    memset(&r, 0, sizeof r);
    pb_trace t;
    pb_conn c;
    uint8_t fr[2048], evil[24];
    size_t fl;
    memset(evil, 'X', sizeof evil);
    sw_engine *e = eng_conn(&r, &t, &c, 4, SW_FRAG_LINUX, fr, &fl);
    pb_trace_add_frag(&t, fr, fl, 0, 40, 1, 0x4242, NULL);
    pb_trace_add_frag(&t, fr, fl, 32, 24, 1, 0x4242, evil);
    pb_trace_add_frag(&t, fr, fl, 56, 8, 0, 0x4242, NULL);
    pb_trace_each(&t, e_feed, e);
    sw_engine_flush(e);
    sw_stats s;
    sw_engine_get_stats(e, &s);
    assert_int_equal(s.frag_overlap_drops, 1);
    assert_int_equal(s.frag_reassembled, 0);
    assert_int_equal(r.bytes[0], 0);
    int found = -1;
    for (int i = 0; i < r.alerts && i < 16; i++)
        if (strcmp(r.events[i], "ip_fragment_overlap") == 0)
            found = i;
    assert_true(found >= 0);
    json_t *doc = r.docs[found];
    json_t *ev = json_object_get(json_object_get(doc, "hijack"), "evidence");
    assert_non_null(ev);
    assert_string_equal(json_string_value(json_object_get(ev, "policy_kept")), "none");
    assert_string_equal(json_string_value(json_object_get(ev, "frag_policy")), "linux");
    assert_int_equal(json_integer_value(json_object_get(ev, "offset")), 32);
    assert_int_equal(json_integer_value(json_object_get(ev, "len")), 8);
    assert_true(json_is_true(json_object_get(ev, "connection_tracked")));
    assert_int_equal(json_integer_value(json_object_get(doc, "src_port")), 40000);
    assert_true(json_integer_value(json_object_get(doc, "flow_id")) != 0);
    sw_engine_free(e);
    pb_trace_free(&t);
    eng_free(&r);
}

/* An alert raised by a reassembled segment says how many fragments it came in. */
static void test_engine_alert_says_fragments(void **st)
{
    (void)st;
    eng_rec r;
    memset(&r, 0, sizeof r);
    pb_trace t;
    pb_conn c;
    uint8_t fr[2048];
    size_t fl;
    sw_engine *e = eng_conn(&r, &t, &c, 4, SW_FRAG_LINUX, fr, &fl);
    /* the client's segment acknowledges data the server never sent */
    pb_seg s;
    pb_conn_seg(&c, 0, &s);
    s.flags = SW_TH_ACK | SW_TH_PSH;
    s.payload = PAY;
    s.len = PLEN;
    s.ack += 100000;
    fl = pb_build(fr, 2048, 1, &s);
    pb_trace_add_frag(&t, fr, fl, 0, 16, 1, 0x99, NULL);
    pb_trace_add_frag(&t, fr, fl, 16, 24, 1, 0x99, NULL);
    pb_trace_add_frag(&t, fr, fl, 40, 24, 0, 0x99, NULL);
    pb_conn_ack(&c, 1);
    pb_conn_send(&c, 1, "ok", 2);
    pb_conn_ack(&c, 0);
    pb_conn_send(&c, 0, "more", 4);
    pb_conn_ack(&c, 1);
    pb_tick(&t, 2000000);
    pb_conn_fin(&c, 0);
    pb_conn_fin(&c, 1);
    pb_conn_ack(&c, 0);
    pb_trace_each(&t, e_feed, e);
    sw_engine_flush(e);
    int found = -1;
    for (int i = 0; i < r.alerts && i < 16; i++)
        if (strcmp(r.events[i], "ack_unsent_data") == 0)
            found = i;
    assert_true(found >= 0);
    json_t *ev = json_object_get(json_object_get(r.docs[found], "hijack"), "evidence");
    assert_int_equal(json_integer_value(json_object_get(ev, "ip_fragments")), 3);
    sw_engine_free(e);
    pb_trace_free(&t);
    eng_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ipv4_in_order),
        cmocka_unit_test(test_ipv6_in_order),
        cmocka_unit_test(test_ipv4_out_of_order),
        cmocka_unit_test(test_ipv6_out_of_order),
        cmocka_unit_test(test_duplicate_same_bytes),
        cmocka_unit_test(test_linux_duplicate_different_bytes),
        cmocka_unit_test(test_ipv4_linux_overlap_drops),
        cmocka_unit_test(test_ipv6_linux_overlap_drops),
        cmocka_unit_test(test_linux_same_bytes_overlap_then_fresh_set),
        cmocka_unit_test(test_policies),
        cmocka_unit_test(test_tiny_first_fragment_splits_tcp_header),
        cmocka_unit_test(test_overlap_rewrites_tcp_header),
        cmocka_unit_test(test_timeouts),
        cmocka_unit_test(test_context_cap_drops_stalest),
        cmocka_unit_test(test_fragment_and_byte_caps),
        cmocka_unit_test(test_refused_fragments),
        cmocka_unit_test(test_engine_ipv4_fragmented_segment),
        cmocka_unit_test(test_engine_ipv6_fragmented_segment),
        cmocka_unit_test(test_engine_overlap_alert),
        cmocka_unit_test(test_engine_alert_says_fragments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
