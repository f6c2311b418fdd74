/*
 * test_flow.c — the flow table through its own API: canonical keys (both directions,
 * VLANs, IPv6), lookup/create/remove, LRU timeouts per class by packet time (also
 * when time goes backwards), the cap with eviction order and counters, the slab
 * (no growth past the cap, slots reused), seeded-hash determinism, and the memory
 * per flow.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detector/flow.h"

/* ---- helpers ---- */

typedef struct rel_log {
    int n;
    int why[64];
    uint16_t port[64];         /* key port[0] of each released flow */
} rel_log;

static void on_release(void *user, sw_flow *f, int why)
{
    rel_log *l = user;
    if (l->n < 64) {
        l->why[l->n] = why;
        l->port[l->n] = f->key.port[0];
    }
    l->n++;
}

static void mkpkt(sw_packet *p, uint8_t *sa, uint8_t *da, const char *src, const char *dst,
                  uint16_t sport, uint16_t dport)
{
    memset(p, 0, sizeof *p);
    int v6 = strchr(src, ':') != NULL;
    p->ip_version = v6 ? 6 : 4;
    assert_int_equal(inet_pton(v6 ? AF_INET6 : AF_INET, src, sa), 1);
    assert_int_equal(inet_pton(v6 ? AF_INET6 : AF_INET, dst, da), 1);
    p->src_ip = sa;
    p->dst_ip = da;
    p->sport = sport;
    p->dport = dport;
}

static sw_flow_key key_of(const char *src, const char *dst, uint16_t sport, uint16_t dport,
                          int *ep)
{
    uint8_t sa[16], da[16];
    sw_packet p;
    sw_flow_key k;
    mkpkt(&p, sa, da, src, dst, sport, dport);
    sw_flow_key_from_packet(&k, ep, &p);
    return k;
}

static sw_flow_table *table(uint32_t max, rel_log *log, uint32_t t_syn, uint32_t t_est,
                            uint32_t t_close)
{
    sw_flow_table_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.max_flows = max;
    for (int i = 0; i < 16; i++)
        cfg.seed[i] = (uint8_t)(i * 7 + 1);
    cfg.timeout[SW_FLOW_T_EMBRYONIC] = t_syn;
    cfg.timeout[SW_FLOW_T_ESTABLISHED] = t_est;
    cfg.timeout[SW_FLOW_T_CLOSING] = t_close;
    sw_flow_table *t = sw_flow_table_new(&cfg, on_release, log);
    assert_non_null(t);
    return t;
}

#define SEC 1000000ull

/* ---- tests ---- */

static void test_key_both_directions(void **state)
{
    (void)state;
    int ep1 = -1, ep2 = -1;
    sw_flow_key a = key_of("10.0.0.2", "10.0.0.1", 40000, 80, &ep1);
    sw_flow_key b = key_of("10.0.0.1", "10.0.0.2", 80, 40000, &ep2);
    assert_memory_equal(&a, &b, sizeof a);
    assert_int_equal(ep1, 1);          /* 10.0.0.1 sorts lower: endpoint 0 */
    assert_int_equal(ep2, 0);
    assert_int_equal(a.port[0], 80);
    assert_int_equal(a.port[1], 40000);
    assert_int_equal(a.ip_version, 4);
    /* IPv4 addresses occupy 4 bytes, the rest is zero */
    for (int i = 4; i < 16; i++)
        assert_int_equal(a.addr[0][i], 0);

    /* same address both sides: ports decide */
    sw_flow_key c = key_of("10.0.0.1", "10.0.0.1", 5000, 4000, &ep1);
    sw_flow_key d = key_of("10.0.0.1", "10.0.0.1", 4000, 5000, &ep2);
    assert_memory_equal(&c, &d, sizeof c);
    assert_int_equal(ep1, 1);
    assert_int_equal(ep2, 0);

    /* IPv6 */
    sw_flow_key e = key_of("2001:db8::2", "2001:db8::1", 1, 2, &ep1);
    sw_flow_key f = key_of("2001:db8::1", "2001:db8::2", 2, 1, &ep2);
    assert_memory_equal(&e, &f, sizeof e);
    assert_int_not_equal(ep1, ep2);
    assert_int_equal(e.ip_version, 6);

    /* lookup from either direction finds the same flow */
    rel_log log = {0};
    sw_flow_table *t = table(16, &log, 30, 3600, 60);
    sw_flow *fl = sw_flow_create(t, &a, 1 * SEC);
    assert_non_null(fl);
    assert_ptr_equal(sw_flow_lookup(t, &b), fl);
    assert_ptr_equal(sw_flow_lookup(t, &a), fl);
    assert_null(sw_flow_lookup(t, &c));
    sw_flow_table_free(t);
    assert_int_equal(log.n, 1);
    assert_int_equal(log.why[0], SW_CONN_OPEN);
}

static void test_vlan_distinguishes(void **state)
{
    (void)state;
    uint8_t sa[16], da[16];
    sw_packet p;
    sw_flow_key k0, k10, k10b, k20_30;
    int ep;
    mkpkt(&p, sa, da, "192.0.2.1", "192.0.2.2", 1234, 80);
    sw_flow_key_from_packet(&k0, &ep, &p);
    p.nvlan = 1;
    p.vlan[0] = 10;
    sw_flow_key_from_packet(&k10, &ep, &p);
    /* the reverse direction on the same VLAN gives the same key */
    mkpkt(&p, sa, da, "192.0.2.2", "192.0.2.1", 80, 1234);
    p.nvlan = 1;
    p.vlan[0] = 10;
    sw_flow_key_from_packet(&k10b, &ep, &p);
    p.nvlan = 2;
    p.vlan[0] = 20;
    p.vlan[1] = 30;
    sw_flow_key_from_packet(&k20_30, &ep, &p);
    assert_memory_equal(&k10, &k10b, sizeof k10);
    assert_memory_not_equal(&k0, &k10, sizeof k0);
    assert_memory_not_equal(&k10, &k20_30, sizeof k0);

    rel_log log = {0};
    sw_flow_table *t = table(16, &log, 30, 3600, 60);
    sw_flow *f0 = sw_flow_create(t, &k0, SEC);
    sw_flow *f10 = sw_flow_create(t, &k10, SEC);
    sw_flow *f2 = sw_flow_create(t, &k20_30, SEC);
    assert_true(f0 != f10 && f10 != f2 && f0 != f2);
    assert_ptr_equal(sw_flow_lookup(t, &k10b), f10);
    assert_ptr_equal(sw_flow_lookup(t, &k0), f0);
    assert_ptr_equal(sw_flow_lookup(t, &k20_30), f2);
    sw_flow_table_free(t);
}

static void test_timeouts_per_class(void **state)
{
    (void)state;
    rel_log log = {0};
    sw_flow_table *t = table(64, &log, 30, 3600, 60);
    sw_flow_key ke = key_of("10.0.0.1", "10.0.0.2", 1001, 80, NULL);
    sw_flow_key ks = key_of("10.0.0.1", "10.0.0.2", 1002, 80, NULL);
    sw_flow_key kc = key_of("10.0.0.1", "10.0.0.2", 1003, 80, NULL);
    sw_flow *fe = sw_flow_create(t, &ke, 100 * SEC);     /* stays embryonic */
    sw_flow *fs = sw_flow_create(t, &ks, 100 * SEC);
    sw_flow *fc = sw_flow_create(t, &kc, 100 * SEC);
    sw_flow_set_class(t, fs, SW_FLOW_T_ESTABLISHED);
    sw_flow_set_class(t, fc, SW_FLOW_T_CLOSING);
    (void)fe;

    /* exactly at the timeout: not yet */
    assert_int_equal(sw_flow_expire(t, 130 * SEC), 0);
    assert_int_equal(sw_flow_expire(t, 130 * SEC + 1), 1);
    assert_int_equal(log.n, 1);
    assert_int_equal(log.port[0], 1001);   /* the embryonic one */
    assert_int_equal(log.why[0], SW_CONN_TIMED_OUT);
    assert_null(sw_flow_lookup(t, &ke));
    assert_non_null(sw_flow_lookup(t, &ks));

    /* activity keeps the established flow; the closing one goes at 60 s */
    sw_flow_touch(t, fs, 150 * SEC);
    assert_int_equal(sw_flow_expire(t, 160 * SEC + 1), 1);
    assert_null(sw_flow_lookup(t, &kc));
    assert_int_equal(sw_flow_expire(t, 150 * SEC + 3600 * SEC), 0);
    assert_int_equal(sw_flow_expire(t, 150 * SEC + 3600 * SEC + 1), 1);
    assert_null(sw_flow_lookup(t, &ks));

    sw_flow_counters c;
    sw_flow_table_counters(t, &c);
    assert_int_equal(c.created, 3);
    assert_int_equal(c.timed_out, 3);
    assert_int_equal(c.active, 0);
    sw_flow_table_free(t);
    assert_int_equal(log.n, 3);
}

static void test_time_backwards(void **state)
{
    (void)state;
    rel_log log = {0};
    sw_flow_table *t = table(64, &log, 30, 3600, 60);
    sw_flow_key k1 = key_of("10.0.0.1", "10.0.0.2", 1001, 80, NULL);
    sw_flow_key k2 = key_of("10.0.0.1", "10.0.0.2", 1002, 80, NULL);
    sw_flow *f1 = sw_flow_create(t, &k1, 100 * SEC);
    sw_flow *f2 = sw_flow_create(t, &k2, 110 * SEC);
    /* a packet stamped earlier than the table clock counts as "now" (max semantics) */
    sw_flow_touch(t, f1, 105 * SEC);
    assert_true(f1->last_us == 110 * SEC);
    assert_true(f2->last_us == 110 * SEC);
    /* an expiry call with an older time does nothing and does not move the clock back */
    assert_int_equal(sw_flow_expire(t, 50 * SEC), 0);
    assert_int_equal(sw_flow_expire(t, 140 * SEC), 0);
    assert_int_equal(sw_flow_expire(t, 140 * SEC + 1), 2);
    sw_flow_table_free(t);
}

static void test_timeout_zero_never(void **state)
{
    (void)state;
    rel_log log = {0};
    sw_flow_table *t = table(8, &log, 0, 3600, 60);
    sw_flow_key k = key_of("10.0.0.1", "10.0.0.2", 1001, 80, NULL);
    sw_flow_create(t, &k, SEC);
    assert_int_equal(sw_flow_expire(t, 1000000 * SEC), 0);
    assert_non_null(sw_flow_lookup(t, &k));
    sw_flow_table_free(t);
}

static void test_cap_eviction_order(void **state)
{
    (void)state;
    rel_log log = {0};
    sw_flow_table *t = table(4, &log, 30, 3600, 60);
    sw_flow_key k[8];
    sw_flow *f[8];
    for (int i = 0; i < 8; i++)
        k[i] = key_of("10.0.0.1", "10.0.0.2", (uint16_t)(2000 + i), 80, NULL);
    /* 0: established (oldest), 1: closing, 2: embryonic, 3: embryonic (newer) */
    for (int i = 0; i < 4; i++)
        f[i] = sw_flow_create(t, &k[i], (uint64_t)(10 + i) * SEC);
    sw_flow_set_class(t, f[0], SW_FLOW_T_ESTABLISHED);
    sw_flow_set_class(t, f[1], SW_FLOW_T_CLOSING);
    /* the stalest embryonic goes first (flow 2), then the other embryonic (3), then
     * the closing one (1), then the established one (0) */
    f[4] = sw_flow_create(t, &k[4], 20 * SEC);
    assert_int_equal(log.n, 1);
    assert_int_equal(log.why[0], SW_CONN_EVICTED);
    assert_null(sw_flow_lookup(t, &k[2]));
    sw_flow_set_class(t, f[4], SW_FLOW_T_ESTABLISHED);
    f[5] = sw_flow_create(t, &k[5], 21 * SEC);
    assert_null(sw_flow_lookup(t, &k[3]));
    sw_flow_set_class(t, f[5], SW_FLOW_T_ESTABLISHED);
    f[6] = sw_flow_create(t, &k[6], 22 * SEC);
    assert_null(sw_flow_lookup(t, &k[1]));
    sw_flow_set_class(t, f[6], SW_FLOW_T_ESTABLISHED);
    f[7] = sw_flow_create(t, &k[7], 23 * SEC);
    assert_null(sw_flow_lookup(t, &k[0]));    /* stalest established */
    assert_non_null(sw_flow_lookup(t, &k[4]));
    assert_non_null(sw_flow_lookup(t, &k[7]));
    assert_int_equal(log.n, 4);
    for (int i = 0; i < 4; i++)
        assert_int_equal(log.why[i], SW_CONN_EVICTED);

    sw_flow_counters c;
    sw_flow_table_counters(t, &c);
    assert_int_equal(c.created, 8);
    assert_int_equal(c.evicted_cap, 4);
    assert_int_equal(c.active, 4);
    sw_flow_remove(t, f[7], SW_CONN_CLOSED);
    sw_flow_table_counters(t, &c);
    assert_int_equal(c.removed, 1);
    assert_int_equal(c.active, 3);
    assert_int_equal(log.why[4], SW_CONN_CLOSED);
    sw_flow_flush(t);
    sw_flow_table_counters(t, &c);
    assert_int_equal(c.active, 0);
    assert_int_equal(log.n, 8);
    sw_flow_table_free(t);
    assert_int_equal(log.n, 8);      /* flushed flows are not released twice */
}

static void test_slab_bounded(void **state)
{
    (void)state;
    rel_log log = {0};
    const uint32_t max = 3000;
    sw_flow_table *t = table(max, &log, 30, 3600, 60);
    size_t mem0 = sw_flow_table_mem(t);
    uint64_t now = SEC;
    for (uint32_t i = 0; i < 3 * max; i++) {
        char src[32];
        snprintf(src, sizeof src, "10.%u.%u.%u", (i >> 16) & 255, (i >> 8) & 255, i & 255);
        sw_flow_key k = key_of(src, "10.255.0.1", 40000, 80, NULL);
        assert_non_null(sw_flow_create(t, &k, now));
        now += 1000;
    }
    size_t mem = sw_flow_table_mem(t);
    sw_flow_counters c;
    sw_flow_table_counters(t, &c);
    assert_int_equal(c.active, max);
    assert_int_equal(c.evicted_cap, 2 * max);
    /* the slots never exceed the cap: memory is the same as for exactly max flows,
     * plus the bucket array, which grows with the live flows up to one bucket per
     * two flows (max / 2 rounded up to a power of two: 2048 pointers here) */
    size_t bucket_max = 2048 * sizeof(sw_flow *);
    assert_true(mem - mem0 <= (size_t)max * sizeof(sw_flow) + 8 * 64 + bucket_max);
    assert_true(mem - mem0 >= (size_t)max * sizeof(sw_flow));
    /* after the array grew, every live flow (the last max created) is found, and
     * the evicted ones are not */
    for (uint32_t i = 0; i < 3 * max; i++) {
        char src[32];
        snprintf(src, sizeof src, "10.%u.%u.%u", (i >> 16) & 255, (i >> 8) & 255, i & 255);
        sw_flow_key k = key_of(src, "10.255.0.1", 40000, 80, NULL);
        sw_flow *g = sw_flow_lookup(t, &k);
        if (i >= 2 * max) {
            assert_non_null(g);
            assert_memory_equal(&g->key, &k, sizeof k);
        } else {
            assert_null(g);
        }
    }
    print_message("sizeof(sw_flow) = %zu bytes; table for %u flows = %zu bytes "
                  "(%.1f bytes per flow incl. buckets)\n",
                  sizeof(sw_flow), max, mem, (double)mem / max);
    assert_true(sizeof(sw_flow) < 400);
    assert_true((double)mem / max < 512.0);
    sw_flow_table_free(t);
}

static void test_seeded_hash(void **state)
{
    (void)state;
    uint8_t s1[16], s2[16];
    for (int i = 0; i < 16; i++) {
        s1[i] = (uint8_t)i;
        s2[i] = (uint8_t)(i + 1);
    }
    sw_flow_key k = key_of("10.0.0.1", "10.0.0.2", 1234, 80, NULL);
    uint64_t a = sw_keyed_hash(s1, &k, sizeof k);
    uint64_t b = sw_keyed_hash(s1, &k, sizeof k);
    uint64_t c = sw_keyed_hash(s2, &k, sizeof k);
    assert_true(a == b);
    assert_true(a != c);
    /* SipHash-2-4 reference vector (key 00..0f, empty message) */
    assert_true(sw_keyed_hash(s1, "", 0) == 0x726fdb47dd0e0e31ull);

    /* two tables with the same seed place a key identically */
    rel_log log = {0};
    sw_flow_table *t1 = table(16, &log, 30, 3600, 60);
    sw_flow_table *t2 = table(16, &log, 30, 3600, 60);
    sw_flow *f1 = sw_flow_create(t1, &k, SEC);
    sw_flow *f2 = sw_flow_create(t2, &k, SEC);
    assert_true(f1->hash == f2->hash);
    sw_flow_table_free(t1);
    sw_flow_table_free(t2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_both_directions),
        cmocka_unit_test(test_vlan_distinguishes),
        cmocka_unit_test(test_timeouts_per_class),
        cmocka_unit_test(test_time_backwards),
        cmocka_unit_test(test_timeout_zero_never),
        cmocka_unit_test(test_cap_eviction_order),
        cmocka_unit_test(test_slab_bounded),
        cmocka_unit_test(test_seeded_hash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
