/*
 * test_workers.c — the worker pool (src/workers.c) and the dispatch of frames over
 * shards (src/dispatch.c). The pool is transport only: opaque items reach the run
 * callback of the worker they were sent to, with their bytes, and the outputs come
 * back in the order of the items that made them, whichever worker ran them. The
 * dispatch spreads connections over every shard, both directions of a connection on
 * the same one, with a random key and with a key derived from a fixed seed; frames
 * that are not the plain Ethernet/IP/TCP case (VLAN tags, IPv6 extension headers,
 * IPv4 options, raw IP) go where their connection's other frames go.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "seqwatch.h"
#include "src/workers.h"
#include "src/dispatch.h"
#include "detector/packet.h"
#include "pktbuild.h"

#define NCONN 300

static void drop_event(void *user, sw_event *ev)
{
    (void)user;
    (void)ev;
}

static void drop_isn(void *user, const sw_isn_note *n)
{
    (void)user;
    (void)n;
}

/* cfg->workers shards behind a dispatch, as the engine builds them. */
static sw_dispatch *dispatch_new(const sw_config *cfg)
{
    sw_checks_config cc;
    memset(&cc, 0, sizeof cc);
    cc.history_packets = 8;
    sw_shard_out merged = { .event = drop_event, .isn = drop_isn };
    char err[256];
    sw_dispatch *d = sw_dispatch_new(cfg, &merged, err, sizeof err);
    assert_non_null(d);
    sw_config wc;
    sw_shard_config(cfg, cfg->workers, &wc);
    for (unsigned i = 0; i < cfg->workers; i++) {
        sw_shard_out so;
        sw_dispatch_shard_out(d, i, &so);
        sw_shard *sh = sw_shard_new(&wc, &cc, &so, 0, err, sizeof err);
        assert_non_null(sh);
        sw_dispatch_set_shard(d, i, sh);
    }
    assert_int_equal(sw_dispatch_start(d, err, sizeof err), 0);
    return d;
}

typedef struct {
    sw_dispatch *p;
    uint64_t frame_no;
} feeder;

static void feed_pool(void *u, int lt, uint64_t ts, const uint8_t *f, uint32_t len)
{
    feeder *fd = u;
    sw_dispatch_feed(fd->p, ++fd->frame_no, lt, ts, f, len, len);
}

/* NCONN short connections from distinct ports, some of them over IPv6. */
static void build(pb_trace *t, int linktype)
{
    pb_trace_init(t, linktype, 1700000000000000ull);
    for (int i = 0; i < NCONN; i++) {
        pb_conn c;
        if (i % 3 == 0)
            pb_conn_init(&c, t, "2001:db8::1", (uint16_t)(20000 + i), "2001:db8::2", 443,
                         1000u + (uint32_t)i, 900000u + (uint32_t)i);
        else
            pb_conn_init(&c, t, "10.0.0.1", (uint16_t)(20000 + i), "10.0.0.2", 80,
                         1000u + (uint32_t)i, 900000u + (uint32_t)i);
        pb_conn_handshake(&c);
        pb_conn_send(&c, 0, "GET / HTTP/1.0\r\n\r\n", 18);
        pb_conn_send(&c, 1, "HTTP/1.0 200 OK\r\n\r\n", 19);
        pb_conn_fin(&c, 0);
        pb_conn_fin(&c, 1);
    }
}

static void spread(unsigned workers, int seeded, int linktype)
{
    sw_config cfg;
    sw_config_init(&cfg);
    cfg.workers = workers;
    if (seeded) {
        cfg.seed_set = 1;
        for (int i = 0; i < 16; i++)
            cfg.hash_seed[i] = (uint8_t)i;
    }
    feeder fd = { dispatch_new(&cfg), 0 };
    pb_trace t;
    build(&t, linktype);
    pb_trace_each(&t, feed_pool, &fd);
    sw_dispatch_flush(fd.p);
    uint64_t total = 0;
    for (unsigned i = 0; i < workers; i++) {
        uint64_t n = sw_dispatch_shard_frames(fd.p, i);
        /* every worker has a share: with NCONN connections, an empty one means the
         * dispatch is broken (e.g. a key left at zero) */
        if (n == 0)
            fail_msg("worker %u of %u got no frame (seeded %d, link %d)", i, workers, seeded,
                     linktype);
        total += n;
    }
    assert_int_equal(total, t.n);
    /* no connection was split: every one completed its handshake on one worker */
    sw_stats st;
    sw_dispatch_stats(fd.p, &st);
    assert_int_equal(st.conn_handshake, NCONN);
    assert_int_equal(st.conn_midstream, 0);
    assert_int_equal(st.conn_closed, NCONN);
    pb_trace_free(&t);
    sw_dispatch_free(fd.p);
}

static void test_spread_random_key(void **state)
{
    (void)state;
    spread(2, 0, SW_LINK_ETHERNET);
    spread(3, 0, SW_LINK_ETHERNET);
}

static void test_spread_seeded_key(void **state)
{
    (void)state;
    spread(2, 1, SW_LINK_ETHERNET);
    spread(4, 1, SW_LINK_ETHERNET);
}

static void test_spread_other_links(void **state)
{
    (void)state;
    spread(2, 1, SW_LINK_RAW);       /* not the direct path: sw_decode decides */
    spread(2, 0, 113);               /* Linux cooked capture */
}

/* Frames of one connection in several encodings (VLAN tag, IPv4 options, neither)
 * still meet
 * on one worker: the slow path hashes the same endpoints as the direct one. */
static void test_mixed_encodings_one_worker(void **state)
{
    (void)state;
    sw_config cfg;
    sw_config_init(&cfg);
    cfg.workers = 2;
    sw_dispatch *p = dispatch_new(&cfg);
    uint64_t frame_no = 0;
    for (int i = 0; i < 64; i++) {
        uint8_t fr[256];
        pb_seg s;
        memset(&s, 0, sizeof s);
        s.src = "192.0.2.7";
        s.dst = "198.51.100.9";
        s.sport = (uint16_t)(30000 + i);
        s.dport = 80;
        s.flags = SW_TH_SYN;
        s.nvlan = i & 1;           /* half of them tagged (not the direct path) */
        s.vlan[0] = 42;
        s.seq = 1;
        size_t n1 = pb_build(fr, sizeof fr, SW_LINK_ETHERNET, &s);
        assert_true(n1 > 0);
        uint64_t before[2] = { sw_dispatch_shard_frames(p, 0), sw_dispatch_shard_frames(p, 1) };
        sw_dispatch_feed(p, ++frame_no, SW_LINK_ETHERNET, 1000, fr, (uint32_t)n1, (uint32_t)n1);
        unsigned w = sw_dispatch_shard_frames(p, 1) > before[1];
        /* the reply, with IPv4 options (not the direct path) */
        s.src = "198.51.100.9";
        s.dst = "192.0.2.7";
        s.sport = 80;
        s.dport = (uint16_t)(30000 + i);
        s.flags = SW_TH_SYN | SW_TH_ACK;
        s.ack = 2;
        s.ipv4_options = 8;
        size_t n2 = pb_build(fr, sizeof fr, SW_LINK_ETHERNET, &s);
        assert_true(n2 > 0);
        before[0] = sw_dispatch_shard_frames(p, 0);
        before[1] = sw_dispatch_shard_frames(p, 1);
        sw_dispatch_feed(p, ++frame_no, SW_LINK_ETHERNET, 2000, fr, (uint32_t)n2, (uint32_t)n2);
        assert_int_equal(sw_dispatch_shard_frames(p, w) - before[w], 1);
    }
    sw_dispatch_flush(p);
    sw_dispatch_free(p);
}

/* ------------------------------------------------------- the bare pool -- */

#define POOL_ITEMS 20000u

typedef struct {
    sw_pool_out link;
    uint64_t item;                  /* the item's number, as sent */
    unsigned worker;
} t_out;

typedef struct {
    sw_pool *p;
    uint64_t ran[4];                /* items each worker ran (its own thread only) */
    uint64_t bad_bytes;             /* items whose bytes did not arrive intact */
    uint64_t next;                  /* the next item number deliver expects */
    uint64_t delivered, out_of_order, discarded;
} t_pool;

static void t_run(void *ctx, unsigned w, const sw_work *it)
{
    t_pool *tp = ctx;
    tp->ran[w]++;
    /* the bytes are the item number, repeated */
    for (uint32_t i = 0; i + 8 <= it->len; i += 8) {
        uint64_t v;
        memcpy(&v, it->data + i, 8);
        if (v != it->u64a)
            tp->bad_bytes++;
    }
    if (it->kind != 7 || it->i32 != -5 || it->u32 != (uint32_t)it->u64a * 3u ||
        it->u64b != ~it->u64a)
        tp->bad_bytes++;
    /* every third item makes two outputs, the others one */
    for (int k = 0; k < (it->u64a % 3 == 0 ? 2 : 1); k++) {
        t_out *o = calloc(1, sizeof *o);
        assert_non_null(o);
        o->item = it->u64a;
        o->worker = w;
        sw_pool_output(tp->p, w, &o->link);
    }
}

static void t_deliver(void *ctx, sw_pool_out *po)
{
    t_pool *tp = ctx;
    t_out *o = (t_out *)po;
    /* in item order: the same item twice in a row, or the next one */
    if (o->item != tp->next && o->item != tp->next - 1)
        tp->out_of_order++;
    if (o->item == tp->next)
        tp->next++;
    tp->delivered++;
    free(o);
}

static void t_discard(void *ctx, sw_pool_out *po)
{
    ((t_pool *)ctx)->discarded++;
    free(po);
}

static void test_pool_transport_order(void **state)
{
    (void)state;
    static const sw_pool_ops ops = { t_run, NULL, t_deliver, t_discard };
    t_pool tp;
    memset(&tp, 0, sizeof tp);
    char err[256];
    tp.p = sw_pool_new(4, &ops, &tp, err, sizeof err);
    assert_non_null(tp.p);
    assert_int_equal(sw_pool_size(tp.p), 4);
    assert_int_equal(sw_pool_start(tp.p, err, sizeof err), 0);
    uint64_t expect_out = 0, sent[4] = {0};
    for (uint64_t n = 0; n < POOL_ITEMS; n++) {
        uint64_t bytes[40];
        uint32_t len = (uint32_t)(n % 41) * 8u;       /* 0 .. 320 bytes */
        for (unsigned i = 0; i < len / 8; i++)
            bytes[i] = n;
        sw_work it = { .kind = 7, .i32 = -5, .len = len, .u32 = (uint32_t)n * 3u,
                       .u64a = n, .u64b = ~n, .data = (const uint8_t *)bytes };
        /* an uneven spread: long runs on one worker, then another */
        unsigned w = (unsigned)((n / 97) * 7 % 4);
        sw_pool_send(tp.p, w, &it);
        sent[w]++;
        expect_out += n % 3 == 0 ? 2 : 1;
        if (n % 50 == 0)
            sw_pool_merge(tp.p);
    }
    sw_pool_publish(tp.p);
    sw_pool_wait(tp.p);
    sw_pool_merge(tp.p);
    for (unsigned w = 0; w < 4; w++)
        assert_int_equal(tp.ran[w], sent[w]);
    assert_int_equal(tp.bad_bytes, 0);
    assert_int_equal(tp.out_of_order, 0);
    assert_int_equal(tp.delivered, expect_out);
    assert_int_equal(tp.next, POOL_ITEMS);
    sw_pool_free(tp.p);
    assert_int_equal(tp.discarded, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spread_random_key),
        cmocka_unit_test(test_spread_seeded_key),
        cmocka_unit_test(test_spread_other_links),
        cmocka_unit_test(test_mixed_encodings_one_worker),
        cmocka_unit_test(test_pool_transport_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
