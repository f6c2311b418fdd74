/*
 * test_reasm.c — unit tests of TCP stream reassembly (detector/reasm.c), driven
 * directly through sw_reasm_* with an observer that records every stream chunk and
 * every overlap observation. The recorder checks on every call that DATA and GAP
 * chunks arrive at consecutive offsets, so each test also checks delivery order.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "detector/reasm.h"

/* ---- recording observer ---- */

typedef struct rec_chunk {
    int kind, dir;
    uint64_t off;
    uint32_t len, flags;
    uint64_t ts;
} rec_chunk;

typedef struct rec_ovl {
    int kind, dir, old_delivered, aside, reason;
    uint32_t seq, len;
    uint64_t off;
    uint8_t *oldb, *newb;
    sw_seg_meta om, nm;
} rec_ovl;

typedef struct rec {
    rec_chunk *ch;
    size_t nch, capch;
    rec_ovl *ov;
    size_t nov, capov;
    uint8_t *stream[2];           /* delivered bytes (gaps not filled) */
    size_t slen[2], scap[2];
    uint64_t pos[2];              /* next expected offset (data + gaps) */
    int closed[2];
    int keep_ovl_bytes;
    int multi;                    /* several flows share dir numbers: count only */
    uint64_t bytes;
} rec;

static void on_stream(void *ctx, const sw_flow *flow, const sw_stream_chunk *c)
{
    (void)flow;
    rec *r = ctx;
    int d = c->dir;
    if (!r->multi)
        assert_false(r->closed[d]);
    if (r->nch == r->capch) {
        r->capch = r->capch ? r->capch * 2 : 64;
        r->ch = realloc(r->ch, r->capch * sizeof *r->ch);
        assert_non_null(r->ch);
    }
    if (c->kind == SW_STREAM_DATA)
        r->bytes += c->len;
    if (r->multi)
        return;
    r->ch[r->nch++] = (rec_chunk){ c->kind, d, c->offset, c->len, c->flags, c->ts_us };
    if (c->kind == SW_STREAM_DATA || c->kind == SW_STREAM_GAP) {
        assert_int_equal(c->offset, r->pos[d]);
        assert_true(c->len > 0);
        r->pos[d] += c->len;
    }
    if (c->kind == SW_STREAM_DATA) {
        if (r->slen[d] + c->len > r->scap[d]) {
            r->scap[d] = (r->slen[d] + c->len) * 2;
            r->stream[d] = realloc(r->stream[d], r->scap[d]);
            assert_non_null(r->stream[d]);
        }
        memcpy(r->stream[d] + r->slen[d], c->data, c->len);
        r->slen[d] += c->len;
    }
    if (c->kind == SW_STREAM_CLOSE)
        r->closed[d] = 1;
}

static void on_overlap(void *ctx, const sw_overlap_obs *o)
{
    rec *r = ctx;
    if (r->nov == r->capov) {
        r->capov = r->capov ? r->capov * 2 : 16;
        r->ov = realloc(r->ov, r->capov * sizeof *r->ov);
        assert_non_null(r->ov);
    }
    rec_ovl *v = &r->ov[r->nov++];
    memset(v, 0, sizeof *v);
    v->kind = o->kind;
    v->dir = o->dir;
    v->old_delivered = o->old_delivered;
    v->aside = o->aside;
    v->reason = o->aside_reason;
    v->seq = o->seq;
    v->len = o->len;
    v->off = o->stream_offset;
    v->om = o->old_meta;
    v->nm = o->new_meta;
    if (r->keep_ovl_bytes) {
        v->oldb = malloc(o->len);
        v->newb = malloc(o->len);
        assert_non_null(v->oldb);
        assert_non_null(v->newb);
        memcpy(v->oldb, o->old_bytes, o->len);
        memcpy(v->newb, o->new_bytes, o->len);
    }
}

static void rec_free(rec *r)
{
    for (size_t i = 0; i < r->nov; i++) {
        free(r->ov[i].oldb);
        free(r->ov[i].newb);
    }
    free(r->ov);
    free(r->ch);
    free(r->stream[0]);
    free(r->stream[1]);
    memset(r, 0, sizeof *r);
}

static size_t count_kind(const rec *r, int kind)
{
    size_t n = 0;
    for (size_t i = 0; i < r->nch; i++)
        n += r->ch[i].kind == kind;
    return n;
}

static const rec_chunk *find_kind(const rec *r, int kind, size_t nth)
{
    for (size_t i = 0; i < r->nch; i++)
        if (r->ch[i].kind == kind && nth-- == 0)
            return &r->ch[i];
    return NULL;
}

/* ---- fixture ---- */

typedef struct fx {
    rec r;
    sw_reasm_config cfg;
    sw_reasm_ctx *c;
    sw_flow flow;
    sw_reasm_dir *d[2];
    uint32_t base[2];
    uint64_t now;
} fx;

static int fx_policy = SW_REASM_OVL_LINUX;   /* overlap policy of the default config */

static void fx_start(fx *f, const sw_reasm_config *cfg, uint32_t base)
{
    memset(f, 0, sizeof *f);
    f->r.keep_ovl_bytes = 1;
    if (cfg) {
        f->cfg = *cfg;
    } else {
        f->cfg.memcap = 64u << 20;
        f->cfg.flow_cap = 16u << 20;
        f->cfg.retain_seconds = 30;
        f->cfg.retain_bytes = 256u << 10;
        f->cfg.overlap_policy = fx_policy;
    }
    sw_observer obs = { .ctx = &f->r, .on_overlap = on_overlap, .on_stream = on_stream };
    f->c = sw_reasm_ctx_new(&f->cfg, &obs);
    assert_non_null(f->c);
    f->base[0] = base;
    f->now = 1700000000000000ull;
    sw_stream_chunk t = { .flow_id = 42, .src_ip = "10.0.0.1", .dest_ip = "10.0.0.2",
                          .src_port = 1234, .dest_port = 80, .dir = 0 };
    f->d[0] = sw_reasm_dir_new(f->c, &f->flow, 0, base, &t);
    assert_non_null(f->d[0]);
    f->flow.rdir[0] = f->d[0];
}

static void fx_open_dir1(fx *f, uint32_t base)
{
    sw_stream_chunk t = { .flow_id = 42, .src_ip = "10.0.0.2", .dest_ip = "10.0.0.1",
                          .src_port = 80, .dest_port = 1234, .dir = 1 };
    f->base[1] = base;
    f->d[1] = sw_reasm_dir_new(f->c, &f->flow, 1, base, &t);
    assert_non_null(f->d[1]);
    f->flow.rdir[1] = f->d[1];
}

static void fx_close(fx *f, int dir)
{
    if (f->d[dir]) {
        sw_reasm_dir_close(f->c, f->d[dir], f->now);
        f->d[dir] = NULL;
        f->flow.rdir[dir] = NULL;
    }
}

static void fx_end(fx *f)
{
    fx_close(f, 0);
    fx_close(f, 1);
    sw_reasm_counters k;
    sw_reasm_counters_get(f->c, &k);
    assert_int_equal(k.mem_in_use, 0);
    sw_reasm_ctx_free(f->c);
    rec_free(&f->r);
}

/* Send bytes at stream offset off of direction dir (seq = base + off). */
static void fx_seg_full(fx *f, int dir, uint64_t off, const void *data, uint32_t len,
                        int fin, int urg, uint8_t ttl)
{
    sw_seg_meta m;
    memset(&m, 0, sizeof m);
    m.ts_us = f->now;
    m.seq = f->base[dir] + (uint32_t)off;
    m.len = len;
    m.ttl = ttl;
    m.ip_id = (uint16_t)(off & 0xffff);
    sw_reasm_segment(f->c, f->d[dir], f->base[dir] + (uint32_t)off, data, len, fin, urg, &m, NULL);
    f->now += 1000;
}

static void fx_seg(fx *f, uint64_t off, const void *data, uint32_t len)
{
    fx_seg_full(f, 0, off, data, len, 0, 0, 64);
}

/* A stream of recognisable bytes: byte i of the "original" is pat(i). */
static uint8_t pat(uint64_t i) { return (uint8_t)(i * 7 + (i >> 8) * 13 + 1); }

static uint8_t *pat_buf(uint64_t off, uint32_t len)
{
    uint8_t *b = malloc(len ? len : 1);
    assert_non_null(b);
    for (uint32_t i = 0; i < len; i++)
        b[i] = pat(off + i);
    return b;
}

static void send_pat(fx *f, uint64_t off, uint32_t len)
{
    uint8_t *b = pat_buf(off, len);
    fx_seg(f, off, b, len);
    free(b);
}

static void check_pat(const rec *r, int dir, uint64_t from, size_t len)
{
    assert_true(r->slen[dir] >= len);
    for (size_t i = 0; i < len; i++)
        if (r->stream[dir][i] != pat(from + i))
            fail_msg("byte %zu differs: %02x != %02x", i, r->stream[dir][i], pat(from + i));
}

static sw_reasm_counters counters(const fx *f)
{
    sw_reasm_counters k;
    sw_reasm_counters_get(f->c, &k);
    return k;
}

/* ---- tests ---- */

static void test_in_order(void **st)
{
    (void)st;
    fx f;
    fx_start(&f, NULL, 1000);
    send_pat(&f, 0, 100);
    send_pat(&f, 100, 50);
    send_pat(&f, 150, 1);
    assert_int_equal(f.r.slen[0], 151);
    check_pat(&f.r, 0, 0, 151);
    assert_int_equal(count_kind(&f.r, SW_STREAM_DATA), 3);
    const rec_chunk *c = find_kind(&f.r, SW_STREAM_DATA, 1);
    assert_int_equal(c->off, 100);
    assert_int_equal(c->len, 50);
    assert_int_equal(f.r.nov, 0);
    sw_reasm_dir_info di;
    sw_reasm_dir_info_get(f.d[0], &di);
    assert_int_equal(di.bytes_delivered, 151);
    assert_int_equal(di.next_offset, 151);
    assert_int_equal(di.gaps, 0);
    sw_reasm_counters k = counters(&f);
    assert_int_equal(k.bytes_delivered, 151);
    assert_true(k.mem_in_use > 151);     /* retained copies, with their overhead */
    fx_close(&f, 0);
    assert_int_equal(count_kind(&f.r, SW_STREAM_CLOSE), 1);
    assert_int_equal(count_kind(&f.r, SW_STREAM_GAP), 0);
    assert_int_equal(f.r.ch[f.r.nch - 1].kind, SW_STREAM_CLOSE);
    fx_end(&f);
}

static void test_out_of_order(void **st)
{
    (void)st;
    fx f;
    fx_start(&f, NULL, 5);
    send_pat(&f, 200, 100);
    send_pat(&f, 100, 100);
    assert_int_equal(f.r.slen[0], 0);            /* nothing before the hole is filled */
    assert_int_equal(count_kind(&f.r, SW_STREAM_DATA), 0);
    send_pat(&f, 0, 100);
    assert_int_equal(f.r.slen[0], 300);
    check_pat(&f.r, 0, 0, 300);
    assert_int_equal(f.r.nov, 0);
    send_pat(&f, 300, 10);
    assert_int_equal(f.r.slen[0], 310);
    check_pat(&f.r, 0, 0, 310);
    fx_end(&f);
}

static void test_duplicates(void **st)
{
    (void)st;
    fx f;
    fx_start(&f, NULL, 777);
    send_pat(&f, 0, 100);
    send_pat(&f, 0, 100);          /* exact retransmission of delivered bytes */
    send_pat(&f, 200, 50);
    send_pat(&f, 200, 50);         /* duplicate of queued bytes */
    assert_int_equal(f.r.nov, 2);
    assert_int_equal(f.r.ov[0].kind, SW_OVL_EXACT_RETRANS);
    assert_int_equal(f.r.ov[0].old_delivered, 1);
    assert_int_equal(f.r.ov[0].off, 0);
    assert_int_equal(f.r.ov[0].len, 100);
    assert_int_equal(f.r.ov[0].seq, 777);
    assert_int_equal(f.r.ov[1].kind, SW_OVL_EXACT_RETRANS);
    assert_int_equal(f.r.ov[1].old_delivered, 0);
    assert_int_equal(f.r.ov[1].off, 200);
    assert_int_equal(f.r.slen[0], 100);            /* duplicates never delivered twice */
    sw_reasm_counters k = counters(&f);
    assert_int_equal(k.overlaps, 2);
    assert_int_equal(k.overlap_mismatches, 0);
    fx_end(&f);
}

/* One overlap shape: old bytes [os, oe) queued first (ttl 50), then new bytes
 * [ns, ne) (ttl 99), equal to the old ones or not. Checks every observation and
 * that the stream finally carries the version the policy (fx_policy) says: the
 * first one, or Linux's (the new segment wins over an old one it starts before, or
 * starts with and ends after; the old ones here are not adjacent, so none joined). */
typedef struct shape {
    const char *name;
    uint64_t old_s[3], old_e[3];
    int nold;
    uint64_t ns, ne;
} shape;

static void run_shape(const shape *sh, int differ)
{
    fx f;
    fx_start(&f, NULL, 0xfffffff0u);   /* also crosses 2^32 */
    uint8_t oldv[200], newv[200];
    for (int i = 0; i < 200; i++) {
        oldv[i] = pat((uint64_t)i);
        newv[i] = differ ? (uint8_t)(oldv[i] ^ 0x5a) : oldv[i];
    }
    for (int i = 0; i < sh->nold; i++)
        fx_seg_full(&f, 0, sh->old_s[i], oldv + sh->old_s[i],
                    (uint32_t)(sh->old_e[i] - sh->old_s[i]), 0, 0, 50);
    assert_int_equal(f.r.nov, 0);
    fx_seg_full(&f, 0, sh->ns, newv + sh->ns, (uint32_t)(sh->ne - sh->ns), 0, 0, 99);

    /* one observation per stored segment overlapped, in offset order */
    size_t expect = 0;
    for (int i = 0; i < sh->nold; i++) {
        uint64_t a = sh->old_s[i] > sh->ns ? sh->old_s[i] : sh->ns;
        uint64_t b = sh->old_e[i] < sh->ne ? sh->old_e[i] : sh->ne;
        if (a >= b)
            continue;
        assert_true(expect < f.r.nov);
        const rec_ovl *o = &f.r.ov[expect++];
        assert_int_equal(o->off, a);
        assert_int_equal(o->len, b - a);
        assert_int_equal(o->seq, (uint32_t)(0xfffffff0u + a));
        assert_int_equal(o->old_delivered, 0);
        if (differ)
            assert_int_equal(o->kind, SW_OVL_MISMATCH);
        else if (a == sh->old_s[i] && b == sh->old_e[i] && a == sh->ns && b == sh->ne)
            assert_int_equal(o->kind, SW_OVL_EXACT_RETRANS);
        else
            assert_int_equal(o->kind, SW_OVL_PARTIAL_SAME);
        assert_memory_equal(o->oldb, oldv + a, b - a);    /* first seen */
        assert_memory_equal(o->newb, newv + a, b - a);    /* now */
        assert_int_equal(o->om.ttl, 50);
        assert_int_equal(o->nm.ttl, 99);
        assert_int_equal(o->om.seq, (uint32_t)(0xfffffff0u + sh->old_s[i]));
        assert_int_equal(o->nm.seq, (uint32_t)(0xfffffff0u + sh->ns));
    }
    assert_int_equal(f.r.nov, expect);
    sw_reasm_counters k = counters(&f);
    assert_int_equal(k.overlaps, expect);
    assert_int_equal(k.overlap_mismatches, differ ? expect : 0);

    /* fill the start; the stream keeps the first version of every byte */
    fx_seg_full(&f, 0, 0, oldv, 1, 0, 0, 50);
    uint64_t hi = sh->ne;
    for (int i = 0; i < sh->nold; i++)
        if (sh->old_e[i] > hi) hi = sh->old_e[i];
    uint8_t expectb[200];
    memset(expectb, 0, sizeof expectb);
    uint8_t have[200] = {0};
    expectb[0] = oldv[0]; have[0] = 1;
    for (int i = 0; i < sh->nold; i++)
        for (uint64_t j = sh->old_s[i]; j < sh->old_e[i]; j++) { expectb[j] = oldv[j]; have[j] = 1; }
    for (uint64_t j = sh->ns; j < sh->ne; j++)
        if (!have[j]) { expectb[j] = newv[j]; have[j] = 1; }
    if (fx_policy == SW_REASM_OVL_LINUX)
        for (int i = 0; i < sh->nold; i++)
            if (sh->ns < sh->old_s[i] || (sh->ns == sh->old_s[i] && sh->ne > sh->old_e[i]))
                for (uint64_t j = sh->old_s[i]; j < sh->old_e[i]; j++)
                    if (j >= sh->ns && j < sh->ne)
                        expectb[j] = newv[j];
    size_t contiguous = 0;
    while (contiguous < hi && have[contiguous]) contiguous++;
    assert_int_equal(f.r.slen[0], contiguous);
    assert_memory_equal(f.r.stream[0], expectb, contiguous);
    fx_end(&f);
}

static const shape shapes[] = {
    { "new before old",     {10}, {20}, 1, 5, 15 },
    { "new after old",      {10}, {20}, 1, 15, 25 },
    { "new inside old",     {10}, {20}, 1, 12, 18 },
    { "new covers old",     {10}, {20}, 1, 5, 25 },
    { "same range",         {10}, {20}, 1, 10, 20 },
    { "same start, longer", {10}, {20}, 1, 10, 30 },
    { "same end, earlier",  {10}, {20}, 1, 3, 20 },
    { "spans several",      {10, 25, 35}, {20, 30, 40}, 3, 5, 45 },
    { "spans several, ends inside", {10, 25, 35}, {20, 30, 40}, 3, 15, 37 },
    { "starts at 1, fills", {10, 25}, {20, 30}, 2, 1, 30 },
};

static void test_overlap_shapes_same(void **st)
{
    (void)st;
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        print_message("shape (same bytes): %s\n", shapes[i].name);
        run_shape(&shapes[i], 0);
    }
}

static void test_overlap_shapes_differ(void **st)
{
    (void)st;
    for (int pol = 0; pol < 2; pol++) {
        fx_policy = pol ? SW_REASM_OVL_FIRST : SW_REASM_OVL_LINUX;
        for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
            print_message("shape (different bytes, %s): %s\n", pol ? "first" : "linux",
                          shapes[i].name);
            run_shape(&shapes[i], 1);
        }
    }
    fx_policy = SW_REASM_OVL_LINUX;
}

/* The out-of-order cases of tests/e2e/reasm_truth.py, with what a real Linux 6.18
 * receiver's application read (docs/reassembly.md), and what policy first gives. */
static void ovl_case(int policy, const char *const *segs, const uint64_t *offs, int n,
                     const char *expect)
{
    fx_policy = policy;
    fx f;
    fx_start(&f, NULL, 1000);
    for (int i = 0; i < n; i++)
        fx_seg(&f, offs[i], segs[i], (uint32_t)strlen(segs[i]));
    fx_close(&f, 0);
    assert_int_equal(f.r.slen[0], strlen(expect));
    assert_memory_equal(f.r.stream[0], expect, strlen(expect));
    fx_end(&f);
    fx_policy = SW_REASM_OVL_LINUX;
}

static void test_overlap_linux_policy(void **st)
{
    (void)st;
    /* queued, then the in-order segment over it: the in-order bytes */
    const char *a[] = { "XXXXX", "helloworld" };
    const uint64_t ao[] = { 5, 0 };
    ovl_case(SW_REASM_OVL_LINUX, a, ao, 2, "helloworld");
    ovl_case(SW_REASM_OVL_FIRST, a, ao, 2, "helloXXXXX");
    /* queued, then one starting earlier and covering it */
    const char *b[] = { "XYZ", "efghij", "abcd", "klmnop" };
    const uint64_t bo[] = { 5, 4, 0, 10 };
    ovl_case(SW_REASM_OVL_LINUX, b, bo, 4, "abcdefghijklmnop");
    ovl_case(SW_REASM_OVL_FIRST, b, bo, 4, "abcdeXYZijklmnop");
    /* queued, then one starting later: the first bytes either way */
    const char *c[] = { "efgh", "QRST", "abcd", "klmnop" };
    const uint64_t co[] = { 4, 6, 0, 10 };
    ovl_case(SW_REASM_OVL_LINUX, c, co, 4, "abcdefghSTklmnop");
    ovl_case(SW_REASM_OVL_FIRST, c, co, 4, "abcdefghSTklmnop");
    /* queued, then one starting earlier and ending inside it */
    const char *d[] = { "QRST", "efgh", "abcd", "klmnop" };
    const uint64_t dof[] = { 6, 4, 0, 10 };
    ovl_case(SW_REASM_OVL_LINUX, d, dof, 4, "abcdefghSTklmnop");
    ovl_case(SW_REASM_OVL_FIRST, d, dof, 4, "abcdefQRSTklmnop");
    /* two adjacent queued segments join one buffer; one inside it is dropped */
    const char *e[] = { "ef", "gh", "XYZ", "abcd", "ijklmnop" };
    const uint64_t eo[] = { 4, 6, 5, 0, 8 };
    ovl_case(SW_REASM_OVL_LINUX, e, eo, 5, "abcdefghijklmnop");
    ovl_case(SW_REASM_OVL_FIRST, e, eo, 5, "abcdefghijklmnop");
    /* same start, longer: replaces; same start, not longer: dropped */
    const char *g[] = { "XY", "efgh", "abcd" };
    const uint64_t go[] = { 4, 4, 0 };
    ovl_case(SW_REASM_OVL_LINUX, g, go, 3, "abcdefgh");
    ovl_case(SW_REASM_OVL_FIRST, g, go, 3, "abcdXYgh");
    const char *h[] = { "efgh", "XY", "abcd" };
    const uint64_t ho[] = { 4, 4, 0 };
    ovl_case(SW_REASM_OVL_LINUX, h, ho, 3, "abcdefgh");
}

/* The old version arrives after the new one in the other order: whichever came
 * first is "old" and is kept. */
static void test_overlap_first_version_kept(void **st)
{
    (void)st;
    fx f;
    fx_start(&f, NULL, 100);
    fx_seg_full(&f, 0, 5, "EVIL!", 5, 0, 0, 200);    /* injected first, queued */
    fx_seg_full(&f, 0, 5, "good.", 5, 0, 0, 60);     /* genuine second */
    fx_seg_full(&f, 0, 0, "hello", 5, 0, 0, 60);
    assert_int_equal(f.r.nov, 1);
    assert_int_equal(f.r.ov[0].kind, SW_OVL_MISMATCH);
    assert_memory_equal(f.r.ov[0].oldb, "EVIL!", 5);
    assert_memory_equal(f.r.ov[0].newb, "good.", 5);
    assert_int_equal(f.r.ov[0].om.ttl, 200);
    assert_int_equal(f.r.ov[0].nm.ttl, 60);
    assert_int_equal(f.r.slen[0], 10);
    assert_memory_equal(f.r.stream[0], "helloEVIL!", 10);
    fx_end(&f);
}

static void test_late_twin_after_delivery(void **st)
{
    (void)st;
    fx f;
    fx_start(&f, NULL, 4000);
    fx_seg_full(&f, 0, 0, "GET / HTTP/1.1\r\n", 16, 0, 0, 64);
    fx_seg_full(&f, 0, 16, "Host: a\r\n\r\n", 11, 0, 0, 64);
    assert_int_equal(f.r.slen[0], 27);
    /* a twin of the second segment with other bytes, overlapping the first too */
    fx_seg_full(&f, 0, 11, "1.0\r\nHost: b\r\n\r\n", 16, 0, 0, 30);
    assert_int_equal(f.r.nov, 2);
    assert_int_equal(f.r.ov[0].kind, SW_OVL_MISMATCH);   /* "1.1\r\n" vs "1.0\r\n" */
    assert_int_equal(f.r.ov[0].off, 11);
    assert_int_equal(f.r.ov[0].len, 5);
    assert_memory_equal(f.r.ov[0].oldb, "1.1\r\n", 5);
    assert_int_equal(f.r.ov[0].old_delivered, 1);
    assert_int_equal(f.r.ov[1].kind, SW_OVL_MISMATCH);
    assert_int_equal(f.r.ov[1].off, 16);
    assert_int_equal(f.r.ov[1].len, 11);
    assert_int_equal(f.r.ov[1].old_delivered, 1);
    assert_memory_equal(f.r.ov[1].oldb, "Host: a\r\n\r\n", 11);
    assert_memory_equal(f.r.ov[1].newb, "Host: b\r\n\r\n", 11);
    assert_int_equal(f.r.ov[1].om.ttl, 64);
    assert_int_equal(f.r.ov[1].nm.ttl, 30);
    assert_int_equal(f.r.slen[0], 27);       /* nothing delivered twice */
    /* a later exact twin of a delivered segment */
    fx_seg_full(&f, 0, 0, "GET / HTTP/1.1\r\n", 16, 0, 0, 64);
    assert_int_equal(f.r.nov, 3);
    assert_int_equal(f.r.ov[2].kind, SW_OVL_EXACT_RETRANS);
    assert_int_equal(f.r.ov[2].old_delivered, 1);
    fx_end(&f);
}

static void test_retention_time(void **st)
{
    (void)st;
    sw_reasm_config cfg = { .memcap = 1u << 20, .flow_cap = 1u << 20,
                            .retain_seconds = 2, .retain_bytes = 1u << 20 };
    fx f;
    fx_start(&f, &cfg, 1);
    send_pat(&f, 0, 100);
    f.now += 1000000;                 /* 1 s later: still retained */
    send_pat(&f, 0, 100);
    assert_int_equal(f.r.nov, 1);
    f.now += 3000000;                 /* more than 2 s after delivery */
    send_pat(&f, 0, 100);
    assert_int_equal(f.r.nov, 1);     /* no longer comparable */
    assert_int_equal(counters(&f).mem_in_use, 0);
    /* idle directions are swept by the traffic of others */
    fx_open_dir1(&f, 9);
    fx_seg_full(&f, 1, 0, "abc", 3, 0, 0, 64);
    assert_true(counters(&f).mem_in_use > 0);
    f.now += 5000000;
    send_pat(&f, 100, 10);            /* other direction's packet at a later time */
    sw_reasm_counters k = counters(&f);
    fx_seg_full(&f, 1, 0, "abX", 3, 0, 0, 64);
    assert_int_equal(f.r.nov, 1);     /* dir 1's old bytes expired */
    assert_true(k.mem_in_use > 0);
    fx_end(&f);
}

static void test_retention_bytes(void **st)
{
    (void)st;
    sw_reasm_config cfg = { .memcap = 1u << 20, .flow_cap = 1u << 20,
                            .retain_seconds = 100, .retain_bytes = 250 };
    fx f;
    fx_start(&f, &cfg, 1);
    for (int i = 0; i < 10; i++)
        send_pat(&f, (uint64_t)i * 100, 100);
    assert_int_equal(f.r.slen[0], 1000);
    send_pat(&f, 0, 100);             /* oldest: dropped */
    assert_int_equal(f.r.nov, 0);
    send_pat(&f, 700, 100);           /* 800..999 kept; 700 not (250 bytes) */
    assert_int_equal(f.r.nov, 0);
    send_pat(&f, 800, 200);
    assert_int_equal(f.r.nov, 2);
    assert_int_equal(f.r.ov[0].off, 800);
    assert_int_equal(f.r.ov[1].off, 900);
    assert_int_equal(counters(&f).memcap_evictions, 0);   /* retention, not cap */
    fx_end(&f);
}

static void test_no_retention(void **st)
{
    (void)st;
    sw_reasm_config cfg = { .memcap = 1u << 20, .flow_cap = 1u << 20 };
    fx f;
    fx_start(&f, &cfg, 1);
    send_pat(&f, 0, 100);
    assert_int_equal(counters(&f).mem_in_use, 0);
    assert_int_equal(counters(&f).mem_peak, 0);   /* delivered straight from the packet */
    send_pat(&f, 0, 100);
    assert_int_equal(f.r.nov, 0);
    send_pat(&f, 200, 100);                       /* queued data is still held */
    assert_true(counters(&f).mem_in_use > 100);
    send_pat(&f, 150, 100);
    assert_int_equal(f.r.nov, 1);
    fx_end(&f);
}

static void test_wraparound(void **st)
{
    (void)st;
    fx f;
    fx_start(&f, NULL, 0xffffff00u);
    send_pat(&f, 0, 200);               /* seq 0xffffff00 .. 0xffffffc8 */
    send_pat(&f, 400, 100);             /* seq already wrapped (0x90), queued */
    send_pat(&f, 200, 200);             /* crosses 2^32 */
    assert_int_equal(f.r.slen[0], 500);
    check_pat(&f.r, 0, 0, 500);
    send_pat(&f, 250, 10);              /* twin across the wrap */
    assert_int_equal(f.r.nov, 1);
    assert_int_equal(f.r.ov[0].seq, (uint32_t)(0xffffff00u + 250));
    assert_int_equal(f.r.ov[0].off, 250);
    fx_end(&f);
    /* a base just below 2^31: offsets keep growing across the signed boundary */

    fx_start(&f, NULL, 0x7fffff00u);
    for (uint64_t off = 0; off < (1u << 20); off += 1000)
        send_pat(&f, off, 1000);
    assert_int_equal(f.r.slen[0], (1u << 20) + 1000 - (1u << 20) % 1000);
    check_pat(&f.r, 0, 0, f.r.slen[0]);
    fx_end(&f);
}

static void test_large_window_backwards(void **st)
{
    (void)st;
    sw_reasm_config cfg = { .memcap = 64u << 20, .flow_cap = 16u << 20,
                            .retain_seconds = 30, .retain_bytes = 256u << 10 };
    fx f;
    fx_start(&f, &cfg, 0xfff00000u);    /* the 4 MiB also crosses 2^32 */
    const uint32_t total = 4u << 20, mss = 1448;
    uint32_t nseg = (total + mss - 1) / mss;
    for (uint32_t i = nseg; i-- > 1;) {
        uint64_t off = (uint64_t)i * mss;
        uint32_t len = off + mss > total ? (uint32_t)(total - off) : mss;
        send_pat(&f, off, len);
    }
    assert_int_equal(f.r.slen[0], 0);
    sw_reasm_counters k = counters(&f);
    assert_int_equal(k.segments_dropped_cap, 0);
    assert_true(k.mem_in_use >= total - mss);
    assert_true(k.mem_in_use <= cfg.flow_cap);
    send_pat(&f, 0, mss);
    assert_int_equal(f.r.slen[0], total);
    check_pat(&f.r, 0, 0, total);
    k = counters(&f);
    assert_true(k.mem_in_use <= 2 * (256u << 10));   /* back to retention only */
    fx_end(&f);
}

static void test_gap_by_ack(void **st)
{
    (void)st;
    fx f;
    fx_start(&f, NULL, 50000);
    send_pat(&f, 0, 100);
    send_pat(&f, 200, 100);
    send_pat(&f, 400, 100);
    assert_int_equal(f.r.slen[0], 100);
    sw_reasm_ack(f.c, f.d[0], 50000 + 150, f.now);     /* ACK inside the hole */
    const rec_chunk *g = find_kind(&f.r, SW_STREAM_GAP, 0);
    assert_non_null(g);
    assert_int_equal(g->off, 100);
    assert_int_equal(g->len, 50);
    assert_int_equal(f.r.slen[0], 100);
    sw_reasm_ack(f.c, f.d[0], 50000 + 300, f.now);     /* past the second segment */
    g = find_kind(&f.r, SW_STREAM_GAP, 1);
    assert_non_null(g);
    assert_int_equal(g->off, 150);
    assert_int_equal(g->len, 50);
    assert_int_equal(f.r.slen[0], 200);                 /* 200..299 delivered */
    sw_reasm_ack(f.c, f.d[0], 50000 + 300, f.now);     /* duplicate ACK: nothing */
    sw_reasm_ack(f.c, f.d[0], 50000 + 100, f.now);     /* old ACK: nothing */
    assert_int_equal(count_kind(&f.r, SW_STREAM_GAP), 2);
    /* a late copy of the gap's bytes is ignored (the gap is final) */
    send_pat(&f, 100, 100);
    assert_int_equal(f.r.slen[0], 200);
    /* data after the gap keeps flowing */
    send_pat(&f, 300, 100);
    assert_int_equal(f.r.slen[0], 400);
    send_pat(&f, 500, 10);
    assert_int_equal(f.r.slen[0], 410);
    sw_reasm_dir_info di;
    sw_reasm_dir_info_get(f.d[0], &di);
    assert_int_equal(di.gaps, 1);          /* two notices, one hole [100, 200) */
    assert_int_equal(di.gap_bytes, 100);
    assert_int_equal(di.next_offset, 510);
    sw_reasm_counters k = counters(&f);
    assert_int_equal(k.gaps, 1);
    assert_int_equal(k.gap_bytes, 100);
    /* sensor loss: an ACK past everything that was ever seen */
    sw_reasm_ack(f.c, f.d[0], 50000 + 600, f.now);
    g = find_kind(&f.r, SW_STREAM_GAP, 2);
    assert_non_null(g);
    assert_int_equal(g->off, 510);
    assert_int_equal(g->len, 90);
    sw_reasm_dir_info_get(f.d[0], &di);
    assert_int_equal(di.gaps, 2);          /* a second hole, after delivered data */
    fx_end(&f);
}

static void test_gap_by_close(void **st)
{
    (void)st;
    fx f;
    fx_start(&f, NULL, 7);
    send_pat(&f, 0, 10);
    send_pat(&f, 20, 10);
    send_pat(&f, 50, 10);
    fx_seg_full(&f, 0, 80, NULL, 0, 1, 0, 64);        /* FIN at 80, data before it lost */
    fx_close(&f, 0);
    /* DATA 0-10, GAP 10-20, DATA 20-30, GAP 30-50, DATA 50-60, GAP 60-80, FIN, CLOSE */
    assert_int_equal(count_kind(&f.r, SW_STREAM_GAP), 3);
    assert_int_equal(count_kind(&f.r, SW_STREAM_DATA), 3);
    const rec_chunk *g = find_kind(&f.r, SW_STREAM_GAP, 2);
    assert_int_equal(g->off, 60);
    assert_int_equal(g->len, 20);
    const rec_chunk *fin = find_kind(&f.r, SW_STREAM_FIN, 0);
    assert_non_null(fin);
    assert_int_equal(fin->off, 80);
    assert_int_equal(f.r.ch[f.r.nch - 1].kind, SW_STREAM_CLOSE);
    assert_int_equal(f.r.ch[f.r.nch - 2].kind, SW_STREAM_FIN);
    assert_int_equal(f.r.slen[0], 30);
    fx_end(&f);
}

static void test_fin_with_data(void **st)
{
    (void)st;
    fx f;
    fx_start(&f, NULL, 100);
    fx_seg_full(&f, 0, 5, "world", 5, 1, 0, 64);   /* data+FIN first, out of order */
    assert_int_equal(count_kind(&f.r, SW_STREAM_FIN), 0);
    fx_seg_full(&f, 0, 0, "hello", 5, 0, 0, 64);
    assert_int_equal(f.r.slen[0], 10);
    assert_memory_equal(f.r.stream[0], "helloworld", 10);
    const rec_chunk *fin = find_kind(&f.r, SW_STREAM_FIN, 0);
    assert_non_null(fin);
    assert_int_equal(fin->off, 10);
    assert_int_equal(f.r.ch[f.r.nch - 1].kind, SW_STREAM_FIN);
    /* a twin before the FIN is acknowledged is compared */
    fx_seg_full(&f, 0, 0, "hello", 5, 0, 0, 64);
    assert_int_equal(f.r.nov, 1);
    assert_true(counters(&f).mem_in_use > 0);
    /* the ACK of the FIN declares no gap (the FIN is not a byte); the retained
     * bytes stay for a while (what the receiver accepted, to compare late copies) */
    sw_reasm_ack(f.c, f.d[0], 100 + 10, f.now);
    assert_true(counters(&f).mem_in_use > 0);
    sw_reasm_ack(f.c, f.d[0], 100 + 11, f.now);
    sw_reasm_ack(f.c, f.d[0], 100 + 11, f.now);     /* a duplicate ACK of the FIN */
    assert_int_equal(count_kind(&f.r, SW_STREAM_GAP), 0);
    assert_true(counters(&f).mem_in_use > 0);
    /* a late copy with other bytes after the FIN was acknowledged (the genuine
     * response behind an injector's data + FIN) is still a conflict */
    f.now += 100000;
    fx_seg_full(&f, 0, 0, "HELLO", 5, 0, 0, 64);
    assert_int_equal(f.r.nov, 2);
    assert_int_equal(f.r.ov[1].kind, SW_OVL_MISMATCH);
    assert_int_equal(f.r.ov[1].old_delivered, 1);
    assert_memory_equal(f.r.stream[0], "helloworld", 10);   /* never delivered twice */
    /* a retransmitted FIN: one notice only */
    fx_seg_full(&f, 0, 5, "world", 5, 1, 0, 64);
    assert_int_equal(count_kind(&f.r, SW_STREAM_FIN), 1);
    assert_int_equal(f.r.nov, 3);
    /* half a second after the FIN's ACK the closed direction's bytes are released:
     * a copy then is no longer compared */
    f.now += 500000;
    fx_seg_full(&f, 0, 0, "HELLO", 5, 0, 0, 64);
    assert_int_equal(f.r.nov, 3);
    assert_int_equal(counters(&f).mem_in_use, 0);
    fx_close(&f, 0);
    assert_int_equal(count_kind(&f.r, SW_STREAM_GAP), 0);
    assert_int_equal(count_kind(&f.r, SW_STREAM_FIN), 1);
    fx_end(&f);
}

static void test_rst_mid_stream(void **st)
{
    (void)st;
    fx f;
    fx_start(&f, NULL, 100);
    fx_open_dir1(&f, 900);
    send_pat(&f, 0, 100);
    send_pat(&f, 200, 100);
    fx_seg_full(&f, 1, 0, "ok", 2, 0, 0, 64);
    sw_reasm_rst(f.c, f.d[0], f.now);
    sw_reasm_rst(f.c, f.d[1], f.now);
    sw_reasm_rst(f.c, f.d[0], f.now);             /* once per direction */
    assert_int_equal(count_kind(&f.r, SW_STREAM_RST), 2);
    const rec_chunk *r = find_kind(&f.r, SW_STREAM_RST, 0);
    assert_int_equal(r->off, 100);
    assert_int_equal(r->dir, 0);
    fx_close(&f, 0);
    fx_close(&f, 1);
    /* the data queued after the hole is never read by a reset socket (Linux purges
     * its out-of-order queue in tcp_reset/tcp_done): neither delivered nor a gap */
    assert_int_equal(f.r.slen[0], 100);
    assert_int_equal(count_kind(&f.r, SW_STREAM_GAP), 0);
    assert_int_equal(count_kind(&f.r, SW_STREAM_CLOSE), 2);
    assert_int_equal(f.r.slen[1], 2);
    fx_end(&f);
}

/* Data after an accepted RST is held: a reset socket reads nothing more, so it is
 * dropped at close; if the receiver acknowledges it, the RST did not take (the
 * client of suricata-verify bug-3286 went on) and it is delivered, holes before it
 * becoming gaps as for any ACK. */
static void test_data_after_rst(void **st)
{
    (void)st;
    fx f;
    fx_start(&f, NULL, 100);
    fx_seg(&f, 0, "hello", 5);
    sw_reasm_rst(f.c, f.d[0], f.now);
    fx_seg(&f, 5, "after", 5);                    /* in order, after the RST */
    assert_int_equal(f.r.slen[0], 5);
    fx_close(&f, 0);
    assert_int_equal(f.r.slen[0], 5);
    assert_memory_equal(f.r.stream[0], "hello", 5);
    assert_int_equal(count_kind(&f.r, SW_STREAM_GAP), 0);
    fx_end(&f);

    fx_start(&f, NULL, 100);
    fx_seg(&f, 0, "hello", 5);
    sw_reasm_rst(f.c, f.d[0], f.now);
    fx_seg(&f, 5, "world", 5);
    fx_seg(&f, 15, "again", 5);                   /* past a hole */
    assert_int_equal(f.r.slen[0], 5);
    sw_reasm_ack(f.c, f.d[0], 100 + 10, f.now);   /* the receiver took "world" */
    assert_int_equal(f.r.slen[0], 10);
    assert_memory_equal(f.r.stream[0], "helloworld", 10);
    fx_seg(&f, 20, "later", 5);                   /* still held until acknowledged */
    assert_int_equal(f.r.slen[0], 10);
    sw_reasm_ack(f.c, f.d[0], 100 + 20, f.now);   /* past the hole: a gap, then "again" */
    assert_int_equal(f.r.slen[0], 15);
    assert_memory_equal(f.r.stream[0] + 10, "again", 5);
    assert_int_equal(count_kind(&f.r, SW_STREAM_GAP), 1);
    fx_close(&f, 0);                              /* "later" was never acknowledged */
    assert_int_equal(f.r.slen[0], 15);
    assert_int_equal(count_kind(&f.r, SW_STREAM_RST), 1);
    fx_end(&f);
}

/* An ACK the tracker could not place still releases held bytes it covers, but
 * never more than the highest byte seen, and nothing when nothing is held. */
static void test_ack_held(void **st)
{
    (void)st;
    fx f;
    fx_start(&f, NULL, 100);
    fx_seg_full(&f, 0, 0, "", 0, 1, 0, 64);       /* a (forged) FIN at offset 0 */
    fx_seg(&f, 10, "reply", 5);                   /* held past it */
    sw_reasm_ack_held(f.c, f.d[0], 100 + 20, f.now);   /* past everything seen: ignored */
    assert_int_equal(f.r.slen[0], 0);
    sw_reasm_ack_held(f.c, f.d[0], 100 + 15, f.now);   /* the receiver took it */
    assert_int_equal(f.r.slen[0], 5);
    assert_memory_equal(f.r.stream[0], "reply", 5);
    assert_int_equal(count_kind(&f.r, SW_STREAM_GAP), 1);
    fx_end(&f);

    fx_start(&f, NULL, 100);
    fx_seg(&f, 5, "later", 5);                    /* nothing held: no effect */
    sw_reasm_ack_held(f.c, f.d[0], 100 + 10, f.now);
    assert_int_equal(f.r.slen[0], 0);
    assert_int_equal(count_kind(&f.r, SW_STREAM_GAP), 0);
    fx_end(&f);
}

/* Bytes past a FIN: held; dropped once the receiver acknowledges the FIN (a socket
 * that took the FIN never reads past it), and later ones ignored; delivered when the
 * receiver acknowledges bytes past the FIN (it did not take that FIN). */
static void test_data_after_fin(void **st)
{
    (void)st;
    fx f;
    fx_start(&f, NULL, 100);
    fx_seg_full(&f, 0, 0, "hello", 5, 1, 0, 64);  /* data + FIN at 5 */
    uint64_t retained_mem = counters(&f).mem_in_use;   /* "hello", retained */
    fx_seg(&f, 5, "XYZ", 3);                      /* after the FIN */
    fx_seg(&f, 3, "loEV", 4);                     /* across the FIN: "EV" is held */
    assert_int_equal(f.r.slen[0], 5);
    assert_true(counters(&f).mem_in_use > retained_mem);
    sw_reasm_ack(f.c, f.d[0], 100 + 6, f.now);    /* the FIN is acknowledged */
    /* held bytes dropped; the retained "hello" stays for late copies */
    assert_int_equal(counters(&f).mem_in_use, retained_mem);
    fx_seg(&f, 5, "QQ", 2);                       /* ignored */
    assert_int_equal(counters(&f).mem_in_use, retained_mem);
    fx_close(&f, 0);
    assert_int_equal(f.r.slen[0], 5);
    assert_memory_equal(f.r.stream[0], "hello", 5);
    assert_int_equal(count_kind(&f.r, SW_STREAM_GAP), 0);
    assert_int_equal(count_kind(&f.r, SW_STREAM_FIN), 1);
    fx_end(&f);

    /* a FIN nobody acknowledged: the bytes past it are not delivered at close */
    fx_start(&f, NULL, 100);
    fx_seg_full(&f, 0, 0, "hello", 5, 1, 0, 64);
    fx_seg(&f, 5, "XYZ", 3);
    fx_close(&f, 0);
    assert_int_equal(f.r.slen[0], 5);
    assert_int_equal(count_kind(&f.r, SW_STREAM_GAP), 0);
    fx_end(&f);

    /* the receiver acknowledges past the FIN: it did not take it */
    fx_start(&f, NULL, 100);
    fx_seg_full(&f, 0, 0, "hello", 5, 1, 0, 64);
    fx_seg(&f, 5, "world", 5);
    sw_reasm_ack(f.c, f.d[0], 100 + 10, f.now);
    assert_int_equal(f.r.slen[0], 10);
    assert_memory_equal(f.r.stream[0], "helloworld", 10);
    fx_seg(&f, 10, "!", 1);                       /* nothing held any more */
    assert_int_equal(f.r.slen[0], 11);
    fx_end(&f);
}

static void test_urgent(void **st)
{
    (void)st;
    fx f;
    fx_start(&f, NULL, 100);
    fx_seg_full(&f, 0, 0, "mal", 3, 0, 0, 64);
    fx_seg_full(&f, 0, 4, "cious", 5, 0, 0, 64);
    fx_seg_full(&f, 0, 3, "i", 1, 0, 1, 64);
    assert_int_equal(f.r.slen[0], 9);
    assert_memory_equal(f.r.stream[0], "malicious", 9);
    assert_int_equal(find_kind(&f.r, SW_STREAM_DATA, 0)->flags & SW_CHUNK_URGENT, 0);
    assert_int_equal(find_kind(&f.r, SW_STREAM_DATA, 1)->flags & SW_CHUNK_URGENT, SW_CHUNK_URGENT);
    assert_int_equal(find_kind(&f.r, SW_STREAM_DATA, 2)->flags & SW_CHUNK_URGENT, 0);
    fx_end(&f);
}

static void test_depth(void **st)
{
    (void)st;
    sw_reasm_config cfg = { .memcap = 1u << 20, .flow_cap = 1u << 20, .depth = 1000,
                            .retain_seconds = 30, .retain_bytes = 4096 };
    fx f;
    fx_start(&f, &cfg, 3);
    for (int i = 0; i < 15; i++)
        send_pat(&f, (uint64_t)i * 100, 100);
    assert_int_equal(f.r.slen[0], 1000);
    check_pat(&f.r, 0, 0, 1000);
    sw_reasm_counters k = counters(&f);
    assert_int_equal(k.depth_reached, 1);
    assert_int_equal(k.bytes_delivered, 1000);
    send_pat(&f, 2000, 100);                          /* beyond: not stored */
    assert_true(counters(&f).mem_in_use <= 11 * 256);
    sw_reasm_ack(f.c, f.d[0], 3 + 5000, f.now);        /* no gap past depth */
    fx_close(&f, 0);
    assert_int_equal(count_kind(&f.r, SW_STREAM_GAP), 0);
    assert_int_equal(f.r.slen[0], 1000);
    assert_int_equal(counters(&f).depth_reached, 1);
    fx_end(&f);
}

static void test_flow_cap(void **st)
{
    (void)st;
    sw_reasm_config cfg = { .memcap = 64u << 20, .flow_cap = 64u << 10,
                            .retain_seconds = 30, .retain_bytes = 1u << 20 };
    fx f;
    fx_start(&f, &cfg, 1);
    fx_open_dir1(&f, 1);
    /* retained bytes of both directions fill the flow's share */
    uint8_t buf[1000];
    memset(buf, 'a', sizeof buf);
    for (int i = 0; i < 40; i++)
        fx_seg_full(&f, 1, (uint64_t)i * 1000, buf, 1000, 0, 0, 64);
    for (int i = 0; i < 40; i++)
        fx_seg(&f, (uint64_t)i * 1000, buf, 1000);
    sw_reasm_counters k = counters(&f);
    assert_true(k.mem_in_use <= cfg.flow_cap);
    assert_true(k.memcap_evictions > 0);              /* oldest retained went first */
    assert_int_equal(k.segments_dropped_cap, 0);      /* in-order data always flows */
    assert_int_equal(f.r.slen[0], 40000);
    /* out-of-order data now: retained bytes are evicted, then new data refused */
    uint64_t ev = k.memcap_evictions;
    for (int i = 0; i < 100; i++)
        fx_seg(&f, 41000 + (uint64_t)i * 1000, buf, 1000);
    k = counters(&f);
    assert_true(k.mem_in_use <= cfg.flow_cap);
    assert_true(k.memcap_evictions > ev);
    assert_true(k.segments_dropped_cap > 0);
    uint64_t dropped = k.segments_dropped_cap;
    /* the refused data is a gap at close; what was held comes out */
    fx_close(&f, 0);
    k = counters(&f);
    assert_true(k.gaps >= 2);     /* 40000..41000, and the refused tail */
    assert_int_equal(f.r.pos[0], 41000 + 100 * 1000);   /* every offset accounted for */
    assert_int_equal(f.r.slen[0], 40000 + (100 - dropped) * 1000);
    fx_end(&f);
}

static void test_memcap_global(void **st)
{
    (void)st;
    sw_reasm_config cfg = { .memcap = 128u << 10, .flow_cap = 1u << 20,
                            .retain_seconds = 30, .retain_bytes = 1u << 20 };
    rec r = { .keep_ovl_bytes = 0, .multi = 1 };
    sw_observer obs = { .ctx = &r, .on_overlap = on_overlap, .on_stream = on_stream };
    sw_reasm_ctx *c = sw_reasm_ctx_new(&cfg, &obs);
    sw_flow flows[8];
    sw_reasm_dir *d[8];
    memset(flows, 0, sizeof flows);
    uint8_t buf[1400];
    memset(buf, 'z', sizeof buf);
    uint64_t now = 1000000;
    for (int i = 0; i < 8; i++) {
        sw_stream_chunk t = { .flow_id = (uint64_t)i, .dir = 0 };
        d[i] = sw_reasm_dir_new(c, &flows[i], 0, 1000, &t);
        flows[i].rdir[0] = d[i];
    }
    /* flow 0 retains its bytes first; later flows evict them (oldest first) */
    for (int round = 0; round < 30; round++)
        for (int i = 0; i < 8; i++) {
            sw_seg_meta m = { .ts_us = now };
            sw_reasm_segment(c, d[i], 1000 + (uint32_t)round * 1400, buf, 1400, 0, 0, &m, NULL);
            now += 10;
        }
    sw_reasm_counters k;
    sw_reasm_counters_get(c, &k);
    assert_true(k.mem_in_use <= cfg.memcap);
    assert_true(k.mem_peak <= cfg.memcap);
    assert_true(k.memcap_evictions > 0);
    assert_int_equal(k.bytes_delivered, 8 * 30 * 1400);
    assert_int_equal(r.bytes, 8 * 30 * 1400);
    /* the first direction's early bytes were evicted; the last one's are still there */
    sw_seg_meta m = { .ts_us = now };
    r.nov = 0;
    sw_reasm_segment(c, d[0], 1000, buf, 1400, 0, 0, &m, NULL);
    assert_int_equal(r.nov, 0);
    sw_reasm_segment(c, d[7], 1000 + 29 * 1400, buf, 1400, 0, 0, &m, NULL);
    assert_int_equal(r.nov, 1);
    /* out of order under the global cap: retained first, then refused */
    for (int i = 0; i < 200; i++)
        sw_reasm_segment(c, d[3], 1000 + 50000 + (uint32_t)i * 1400, buf, 1400, 0, 0, &m, NULL);
    sw_reasm_counters_get(c, &k);
    assert_true(k.mem_in_use <= cfg.memcap);
    assert_true(k.segments_dropped_cap > 0);
    for (int i = 0; i < 8; i++)
        sw_reasm_dir_close(c, d[i], now);
    sw_reasm_counters_get(c, &k);
    assert_int_equal(k.mem_in_use, 0);
    sw_reasm_ctx_free(c);
    free(r.ch);
    free(r.ov);
    free(r.stream[0]);
    free(r.stream[1]);
}

static void test_flood_tiny_out_of_order(void **st)
{
    (void)st;
    sw_reasm_config cfg = { .memcap = 64u << 20, .flow_cap = 4u << 20,
                            .retain_seconds = 30, .retain_bytes = 256u << 10 };
    fx f;
    fx_start(&f, &cfg, 12345);
    f.r.keep_ovl_bytes = 0;
    /* 100k one-byte segments, every other offset, backwards: nothing coalesces */
    for (uint32_t i = 100000; i-- > 0;) {
        uint8_t b = pat(1 + 2 * (uint64_t)i);
        fx_seg(&f, 1 + 2 * (uint64_t)i, &b, 1);
    }
    sw_reasm_counters k = counters(&f);
    assert_true(k.mem_in_use <= cfg.flow_cap);
    assert_true(k.mem_peak <= cfg.flow_cap);
    assert_true(k.segments_dropped_cap > 0);
    assert_true(k.segments_dropped_cap < 100000);
    /* overlap flood: each big segment overlaps thousands of stored one-byte nodes,
     * with other bytes; observations per segment stay bounded */
    uint8_t big[4000];
    memset(big, 0xee, sizeof big);
    uint64_t ov0 = k.overlaps;
    size_t nobs0 = f.r.nov;
    for (int i = 0; i < 50; i++)
        fx_seg(&f, 190000, big, sizeof big);
    k = counters(&f);
    assert_true(k.overlaps - ov0 >= 2000);
    assert_true(f.r.nov - nobs0 <= 50 * 2 * 16);
    assert_true(k.overlap_reports_capped > 0);
    assert_true(k.mem_in_use <= cfg.flow_cap);
    /* a 1-byte flood of overlapping retransmissions of one stored byte */
    uint64_t ov1 = k.overlaps;
    for (int i = 0; i < 100000; i++) {
        uint8_t b = (uint8_t)i;
        fx_seg(&f, 199999, &b, 1);
    }
    k = counters(&f);
    assert_int_equal(k.overlaps - ov1, 100000);
    assert_true(k.mem_in_use <= cfg.flow_cap);
    /* fill everything in order: what is held comes out; refused bytes are gaps */
    fx_seg(&f, 0, big, 1);
    fx_close(&f, 0);
    assert_int_equal(f.r.pos[0], 200000);
    fx_end(&f);
}

static void test_reports_capped_mismatch_not_hidden(void **st)
{
    (void)st;
    fx f;
    fx_start(&f, NULL, 0);
    /* 40 one-byte nodes with equal bytes, then one that will differ */
    for (int i = 0; i < 40; i++) {
        uint8_t b = 'A';
        fx_seg(&f, 10 + (uint64_t)i * 2, &b, 1);
    }
    uint8_t c = 'B';
    fx_seg(&f, 100, &c, 1);
    uint8_t big[100];
    memset(big, 'A', sizeof big);
    fx_seg(&f, 5, big, 96);       /* covers offsets 5..100: 40 same, 1 mismatch */
    sw_reasm_counters k = counters(&f);
    assert_int_equal(k.overlaps, 41);
    assert_int_equal(k.overlap_mismatches, 1);
    size_t mis = 0, same = 0;
    for (size_t i = 0; i < f.r.nov; i++) {
        if (f.r.ov[i].kind == SW_OVL_MISMATCH) mis++; else same++;
    }
    assert_int_equal(mis, 1);        /* the mismatch is published despite the cap */
    assert_int_equal(same, 16);
    assert_int_equal(k.overlap_reports_capped, 24);
    fx_end(&f);
}

static void test_before_base_and_template(void **st)
{
    (void)st;
    fx f;
    fx_start(&f, NULL, 1000);
    fx_seg_full(&f, 0, (uint64_t)-5 & 0xffffffffu, "xxxxxhello", 10, 0, 0, 64); /* seq 995 */
    assert_int_equal(f.r.slen[0], 5);
    assert_memory_equal(f.r.stream[0], "hello", 5);
    fx_seg_full(&f, 0, (uint64_t)-100 & 0xffffffffu, "old", 3, 0, 0, 64);         /* wholly before */
    assert_int_equal(f.r.slen[0], 5);
    const rec_chunk *c = find_kind(&f.r, SW_STREAM_DATA, 0);
    assert_int_equal(c->off, 0);
    assert_int_equal(c->dir, 0);
    fx_end(&f);
}


/* Copies kept aside (undeliverable): never stream bytes; compared with the genuine
 * bytes before and after them; at most 4 per direction (the oldest goes); promoted
 * when the receiver acknowledges their range with no genuine byte seen; their memory
 * is released at close. */
static void fx_aside(fx *f, uint64_t off, const char *data, int reason)
{
    sw_seg_meta m;
    memset(&m, 0, sizeof m);
    m.ts_us = f->now;
    m.seq = f->base[0] + (uint32_t)off;
    m.len = (uint32_t)strlen(data);
    m.ttl = 2;
    sw_reasm_aside(f->c, f->d[0], f->base[0] + (uint32_t)off, (const uint8_t *)data,
                   (uint32_t)strlen(data), reason, &m, NULL);
    f->now += 1000;
}

static void test_aside_copies(void **st)
{
    (void)st;
    fx f;
    fx_start(&f, NULL, 1000);
    fx_seg(&f, 0, "abcd", 4);
    fx_aside(&f, 0, "ABCD", SW_DELIV_TTL);       /* against retained genuine bytes */
    assert_int_equal(f.r.nov, 1);
    assert_int_equal(f.r.ov[0].aside, 2);
    assert_int_equal(f.r.ov[0].kind, SW_OVL_MISMATCH);
    assert_int_equal(f.r.ov[0].reason, SW_DELIV_TTL);
    for (int i = 0; i < 6; i++)                  /* six copies ahead: four are kept */
        fx_aside(&f, 4 + 4 * (uint64_t)i, "XXXX", SW_DELIV_PAWS);
    sw_reasm_counters k = counters(&f);
    assert_int_equal(k.aside_kept, 6);
    assert_int_equal(k.overlaps, 0);             /* copies aside never count as overlaps */
    assert_int_equal(f.r.slen[0], 4);            /* nothing of them delivered */
    send_pat(&f, 4, 24);                         /* the genuine bytes over all six */
    assert_int_equal(f.r.nov, 1 + 4);            /* the two oldest were dropped */
    for (size_t i = 1; i < f.r.nov; i++) {
        assert_int_equal(f.r.ov[i].aside, 1);
        assert_int_equal(f.r.ov[i].reason, SW_DELIV_PAWS);
        assert_int_equal(f.r.ov[i].om.ttl, 2);
        assert_int_equal(f.r.ov[i].old_delivered, 0);
    }
    assert_int_equal(f.r.slen[0], 28);
    assert_memory_equal(f.r.stream[0], "abcd", 4);
    k = counters(&f);
    assert_int_equal(k.aside_mismatches, 5);
    /* a copy whose range the receiver acknowledges with no genuine byte seen */
    fx_aside(&f, 28, "took", SW_DELIV_TTL);
    fx_aside(&f, 40, "late", SW_DELIV_TTL);      /* beyond the ACK: stays aside */
    sw_reasm_ack(f.c, f.d[0], 1000 + 32, f.now);
    assert_int_equal(f.r.slen[0], 32);
    assert_memory_equal(f.r.stream[0] + 28, "took", 4);
    k = counters(&f);
    assert_int_equal(k.aside_promoted, 1);
    assert_true(k.mem_in_use > 0);
    fx_end(&f);                                   /* checks mem_in_use == 0 */
}

/* Random segments (random places, lengths and versions of the bytes) against a
 * model: with no ACK and no cap, the stream after close carries, at every offset,
 * the first version seen, and a gap where no version was ever seen. Retention is
 * small so that retained segments are dropped all along (tree deletions). */
static void test_random_against_model(void **st)
{
    (void)st;
    enum { SPAN = 20000 };
    static int16_t model[SPAN];
    static int16_t got[SPAN];
    for (uint64_t seed = 1; seed <= 20; seed++) {
        sw_reasm_config cfg = { .memcap = 64u << 20, .flow_cap = 64u << 20,
                                .retain_seconds = 30, .retain_bytes = 1000,
                                .overlap_policy = SW_REASM_OVL_FIRST };  /* the model's */
        fx f;
        fx_start(&f, &cfg, (uint32_t)(seed * 0x9e3779b9u));
        f.r.keep_ovl_bytes = 0;
        for (int i = 0; i < SPAN; i++)
            model[i] = -1;
        uint64_t x = seed * 0x2545f4914f6cdd1dull;
        uint64_t hi = 0;
        for (int n = 0; n < 3000; n++) {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            uint64_t off = x % (SPAN - 300);
            uint32_t len = 1 + (uint32_t)((x >> 20) % 300);
            if (n % 7 == 0 && hi < SPAN - 300) {     /* keep the in-order edge moving */
                off = f.r.pos[0];
                len = 1 + (uint32_t)((x >> 30) % 200);
            }
            uint8_t buf[300], ver = (uint8_t)(x >> 40);
            for (uint32_t j = 0; j < len; j++) {
                buf[j] = (uint8_t)(pat(off + j) ^ (ver & 3));
                if (model[off + j] < 0)
                    model[off + j] = buf[j];
            }
            if (off + len > hi)
                hi = off + len;
            fx_seg(&f, off, buf, len);
        }
        fx_close(&f, 0);
        assert_int_equal(f.r.pos[0], hi);
        size_t data_pos = 0;
        for (size_t i = 0; i < f.r.nch; i++) {
            const rec_chunk *c = &f.r.ch[i];
            if (c->kind == SW_STREAM_DATA) {
                for (uint32_t j = 0; j < c->len; j++)
                    got[c->off + j] = f.r.stream[0][data_pos + j];
                data_pos += c->len;
            } else if (c->kind == SW_STREAM_GAP) {
                for (uint32_t j = 0; j < c->len; j++)
                    got[c->off + j] = -1;
            }
        }
        for (uint64_t i = 0; i < hi; i++)
            if (got[i] != model[i])
                fail_msg("seed %llu offset %llu: got %d, model %d", (unsigned long long)seed,
                         (unsigned long long)i, got[i], model[i]);
        sw_reasm_counters k = counters(&f);
        assert_true(k.overlaps > 0);
        fx_end(&f);
    }
}


/* Random segments, ACKs, RSTs and two directions under small caps: the caps hold
 * after every call, every offset is delivered or declared a gap exactly once
 * (checked by the recorder), and everything is freed at the end. */
static void test_random_caps_and_acks(void **st)
{
    (void)st;
    uint64_t dropped = 0;
    for (uint64_t seed = 1; seed <= 10; seed++) {
        sw_reasm_config cfg = { .memcap = 256u << 10, .flow_cap = 48u << 10,
                                .depth = seed % 3 == 0 ? 30000 : 0,
                                .retain_seconds = 1, .retain_bytes = 8000 };
        fx f;
        fx_start(&f, &cfg, (uint32_t)(0xffff0000u + seed * 977));
        fx_open_dir1(&f, (uint32_t)(seed * 31337));
        f.r.keep_ovl_bytes = 0;
        uint64_t x = seed * 0x9e3779b97f4a7c15ull;
        uint8_t buf[1500];
        for (int n = 0; n < 20000; n++) {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            int dir = (int)(x & 1);
            uint64_t base = f.r.pos[dir];
            uint64_t off = base + (x >> 8) % 60000;
            if ((x >> 40) % 4 == 0 && base > 3000)
                off = base - (x >> 24) % 3000;           /* a retransmission */
            uint32_t len = (uint32_t)((x >> 32) % sizeof buf);
            for (uint32_t j = 0; j < len; j++)
                buf[j] = (uint8_t)(pat(off + j) ^ ((x >> 50) & 1));
            switch ((x >> 56) % 16) {
            case 0:
                sw_reasm_ack(f.c, f.d[dir], f.base[dir] + (uint32_t)(base + (x >> 12) % 20000), f.now);
                break;
            case 1:
                if (n % 1000 == 0)
                    sw_reasm_rst(f.c, f.d[dir], f.now);
                break;
            case 2:
                f.now += 700000;                          /* retention expires now and then */
                break;
            default:
                fx_seg_full(&f, dir, off, buf, len, (x >> 60) == 0, 0, 64);
            }
            sw_reasm_counters k = counters(&f);
            if (k.mem_in_use > cfg.flow_cap)
                fail_msg("seed %llu step %d: %llu bytes held, flow cap %llu", (unsigned long long)seed, n,
                         (unsigned long long)k.mem_in_use, (unsigned long long)cfg.flow_cap);
        }
        sw_reasm_counters k = counters(&f);
        print_message("seed %llu: dropped %llu evicted %llu gaps %llu overlaps %llu peak %llu\n",
                      (unsigned long long)seed, (unsigned long long)k.segments_dropped_cap,
                      (unsigned long long)k.memcap_evictions, (unsigned long long)k.gaps,
                      (unsigned long long)k.overlaps, (unsigned long long)k.mem_peak);
        dropped += k.segments_dropped_cap;
        assert_true(k.gaps > 0);
        assert_true(k.mem_peak <= cfg.flow_cap);
        if (cfg.depth)
            assert_true(f.r.pos[0] <= cfg.depth && f.r.pos[1] <= cfg.depth);
        fx_end(&f);
    }
    assert_true(dropped > 0);       /* the caps were really exercised */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_in_order),
        cmocka_unit_test(test_out_of_order),
        cmocka_unit_test(test_duplicates),
        cmocka_unit_test(test_overlap_shapes_same),
        cmocka_unit_test(test_overlap_shapes_differ),
        cmocka_unit_test(test_overlap_first_version_kept),
        cmocka_unit_test(test_overlap_linux_policy),
        cmocka_unit_test(test_late_twin_after_delivery),
        cmocka_unit_test(test_retention_time),
        cmocka_unit_test(test_retention_bytes),
        cmocka_unit_test(test_no_retention),
        cmocka_unit_test(test_wraparound),
        cmocka_unit_test(test_large_window_backwards),
        cmocka_unit_test(test_gap_by_ack),
        cmocka_unit_test(test_gap_by_close),
        cmocka_unit_test(test_fin_with_data),
        cmocka_unit_test(test_rst_mid_stream),
        cmocka_unit_test(test_data_after_rst),
        cmocka_unit_test(test_data_after_fin),
        cmocka_unit_test(test_ack_held),
        cmocka_unit_test(test_urgent),
        cmocka_unit_test(test_depth),
        cmocka_unit_test(test_flow_cap),
        cmocka_unit_test(test_memcap_global),
        cmocka_unit_test(test_flood_tiny_out_of_order),
        cmocka_unit_test(test_reports_capped_mismatch_not_hidden),
        cmocka_unit_test(test_before_base_and_template),
        cmocka_unit_test(test_aside_copies),
        cmocka_unit_test(test_random_against_model),
        cmocka_unit_test(test_random_caps_and_acks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
