/*
 * test_validate.c — the structure validators (common/sw_assert.h) catch what they
 * claim to: each test builds a healthy structure through its API, checks that the
 * validator passes it, then breaks one invariant by hand and expects the validator
 * to name it (and passes again once repaired). Reassembly nodes are private to
 * reasm.c, so this file compiles reasm.c itself (its definitions take the place of
 * the library's copy for this program). With SW_VALIDATE (sanitizer and fuzz
 * builds) a last test shows the wiring: an operation on a corrupted table aborts
 * with "invariant broken".
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "detector/reasm.c"     /* the nodes' layout, to corrupt them */
#include "detector/flow.h"
#include "rules/ck_state.h"
#include "rules/ck_pend.h"
#include "validate_harness.h"

#define SEC 1000000ull

/* ---- reassembly ---- */

static void seg(sw_reasm_ctx *c, sw_reasm_dir *d, uint32_t seq, uint32_t len, uint64_t ts)
{
    uint8_t buf[64];
    memset(buf, 'a' + (int)(seq % 26), sizeof buf);
    sw_seg_meta m;
    memset(&m, 0, sizeof m);
    m.ts_us = ts;
    m.seq = seq;
    m.len = len;
    sw_reasm_segment(c, d, seq, buf, len, 0, 0, &m, NULL);
}

static void test_reasm_validator(void **state)
{
    (void)state;
    sw_reasm_config cfg = { .memcap = 1u << 20, .flow_cap = 1u << 20, .retain_seconds = 30,
                            .retain_bytes = 1u << 16 };
    sw_reasm_ctx *c = sw_reasm_ctx_new(&cfg, NULL);
    assert_non_null(c);
    sw_reasm_dir *d = sw_reasm_dir_new(c, NULL, 0, 1000, NULL);
    assert_non_null(d);
    seg(c, d, 1000, 10, 1 * SEC);       /* delivered, retained */
    seg(c, d, 1010, 10, 1 * SEC);       /* delivered, retained: the index exists */
    seg(c, d, 1040, 10, 2 * SEC);       /* queued */
    seg(c, d, 1060, 10, 2 * SEC);       /* queued */
    seg(c, d, 1080, 10, 2 * SEC);       /* queued */
    assert_null(sw_reasm_dir_validate(c, d));
    assert_null(sw_reasm_ctx_validate(c));
    assert_non_null(d->ret);
    assert_non_null(d->qhead);
    assert_int_equal(d->qhead->off, 40);

    rnode *q2 = d->qhead->next;
    uint64_t off = q2->off;
    q2->off = 45;                       /* overlaps the node at 40..50 */
    expect_broken(sw_reasm_dir_validate(c, d), "overlap");
    q2->off = off;

    d->mem += 8;
    expect_broken(sw_reasm_dir_validate(c, d), "d->mem");
    d->mem -= 8;

    d->retained -= 1;
    expect_broken(sw_reasm_dir_validate(c, d), "d->retained");
    d->retained += 1;

    rnode *qh = d->qhead;
    d->qhead = qh->next;
    expect_broken(sw_reasm_dir_validate(c, d), "qhead");
    d->qhead = qh;

    uint8_t h = d->root->h;
    d->root->h = (uint8_t)(h + 1) & 63u;
    expect_broken(sw_reasm_dir_validate(c, d), "AVL height");
    d->root->h = h & 63u;

    rnode *l = NL(d->root);
    NL(d->root) = NULL;                 /* a queued node falls out of the tree */
    expect_broken(sw_reasm_dir_validate(c, d), "tree");
    NL(d->root) = l;

    /* a queued node allocated without room for its tree links (as an in-order node
     * is) would have them written past its end */
    unsigned qcls = d->qhead->cls;
    assert_int_not_equal(qcls, class_of(node_need(d->qhead->len, 0)));
    d->qhead->cls = (uint8_t)class_of(node_need(d->qhead->len, 0)) & 127u;
    expect_broken(sw_reasm_dir_validate(c, d), "size class");
    d->qhead->cls = qcls & 127u;
    /* the in-order nodes were allocated without them */
    assert_int_equal(d->head->cls, class_of(node_need(d->head->len, 0)));

    /* the cold part: an urgent offset needs one; every one is free or held */
    assert_null(d->cold);
    d->urg_set = 1;
    expect_broken(sw_reasm_dir_validate(c, d), "urg_set without a cold part");
    d->urg_set = 0;
    c->cold_used++;
    expect_broken(sw_reasm_ctx_validate(c), "cold parts");
    c->cold_used--;

    rnode *r0 = d->ret->v[d->ret->lo];
    d->ret->v[d->ret->lo] = d->ret->v[d->ret->lo + 1];
    expect_broken(sw_reasm_dir_validate(c, d), "retained index");
    d->ret->v[d->ret->lo] = r0;

    d->in_lru = 0;
    expect_broken(sw_reasm_dir_validate(c, d), "LRU");
    d->in_lru = 1;

    c->pool_bytes += 8;
    expect_broken(sw_reasm_ctx_validate(c), "pool_bytes");
    c->pool_bytes -= 8;

    assert_null(sw_reasm_dir_validate(c, d));
    assert_null(sw_reasm_ctx_validate(c));
    sw_reasm_dir_close(c, d, 3 * SEC);
    sw_reasm_ctx_free(c);
}

/* ---- flow table ---- */

static sw_flow_key mkkey(uint16_t port)
{
    sw_flow_key k;
    memset(&k, 0, sizeof k);
    k.addr[0][0] = 10;
    k.addr[1][0] = 10;
    k.addr[1][3] = 1;
    k.port[0] = port;
    k.port[1] = 80;
    k.ip_version = 4;
    return k;
}

static sw_flow_table *mktable(void)
{
    sw_flow_table_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.max_flows = 64;
    for (int i = 0; i < 16; i++)
        cfg.seed[i] = (uint8_t)(i * 13 + 5);
    cfg.timeout[SW_FLOW_T_EMBRYONIC] = 30;
    cfg.timeout[SW_FLOW_T_ESTABLISHED] = 3600;
    cfg.timeout[SW_FLOW_T_CLOSING] = 60;
    sw_flow_table *t = sw_flow_table_new(&cfg, NULL, NULL);
    assert_non_null(t);
    return t;
}

static void test_flow_validator(void **state)
{
    (void)state;
    sw_flow_table *t = mktable();
    sw_flow_key k1 = mkkey(1001), k2 = mkkey(1002), k3 = mkkey(1003);
    sw_flow *f1 = sw_flow_create(t, &k1, 1 * SEC);
    sw_flow *f2 = sw_flow_create(t, &k2, 2 * SEC);
    sw_flow *f3 = sw_flow_create(t, &k3, 3 * SEC);
    assert_non_null(f1);
    assert_non_null(f2);
    assert_non_null(f3);
    sw_flow_set_class(t, f3, SW_FLOW_T_ESTABLISHED);
    assert_null(sw_flow_table_validate(t));

    uint64_t last = f1->last_us;
    f1->last_us = f2->last_us + 1;      /* the head is no longer the oldest */
    expect_broken(sw_flow_table_validate(t), "ordered by last_us");
    f1->last_us = last;

    f2->hash ^= 1;                      /* on a chain its hash does not lead to */
    assert_non_null(sw_flow_table_validate(t));
    f2->hash ^= 1;

    f3->tclass = SW_FLOW_T_CLOSING;     /* class changed without moving lists */
    assert_non_null(sw_flow_table_validate(t));
    f3->tclass = SW_FLOW_T_ESTABLISHED;

    sw_flow *next = f1->lru_next;
    f1->lru_next = NULL;                /* f2 falls off the embryonic list */
    assert_non_null(sw_flow_table_validate(t));
    f1->lru_next = next;

    assert_null(sw_flow_table_validate(t));
    sw_flow_table_free(t);
}

/* ---- check state ---- */

static void test_checks_validator(void **state)
{
    (void)state;
    sw_checks_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.history_packets = 8;
    sw_checks *c = sw_checks_new(&cfg, NULL, NULL);
    assert_non_null(c);
    ck_flow *fs = calloc(1, sizeof *fs + 8 * sizeof(ck_hist));
    assert_non_null(fs);
    fs->ring_n = 8;
    fs->ring_head = 3;
    assert_null(ck_flow_validate(c, fs));

    fs->ring_n = 9;
    expect_broken(ck_flow_validate(c, fs), "ring_n");
    fs->ring_n = 8;
    fs->ring_head = 8;
    expect_broken(ck_flow_validate(c, fs), "ring_head");
    fs->ring_head = 3;

    ck_pend p[CK_MAX_PENDING + 1];
    memset(p, 0, sizeof p);
    for (int i = 0; i < CK_MAX_PENDING; i++)
        p[i].next = &p[i + 1];
    fs->pend = &p[0];
    fs->npend = CK_MAX_PENDING + 1;
    expect_broken(ck_flow_validate(c, fs), "CK_MAX_PENDING");
    p[CK_MAX_PENDING - 1].next = NULL;
    fs->npend = CK_MAX_PENDING;
    assert_null(ck_flow_validate(c, fs));
    fs->npend = CK_MAX_PENDING - 1;
    expect_broken(ck_flow_validate(c, fs), "npend");
    fs->pend = NULL;
    fs->npend = 0;

    assert_null(ck_flow_validate(c, fs));
    free(fs);
    sw_checks_free(c);
}

/* ---- SW_VALIDATE builds abort on a broken invariant ---- */

static void touch_broken_flow(void)
{
    sw_flow_table *t = mktable();
    sw_flow_key k = mkkey(2000);
    sw_flow *f = sw_flow_create(t, &k, 1 * SEC);
    f->hash ^= 1;
    sw_flow_touch(t, f, 2 * SEC);   /* must not return */
}

static void test_validate_aborts(void **state)
{
    (void)state;
    expect_abort(touch_broken_flow, "hash");
}

/* The per-connection memory budget (docs/performance.md): a layout change that
 * grows these on LP64 should be a decision, not an accident. */
static void test_layout_sizes(void **state)
{
    (void)state;
#if UINTPTR_MAX == UINT64_MAX
    assert_true(sizeof(sw_reasm_dir) <= 128);   /* two cache lines */
    assert_true(sizeof(rnode) <= 72);           /* header of a retained segment */
    assert_true(sizeof(sw_flow) <= 344);
#endif
    /* the tree links of a queued node fit after its bytes, 8-aligned */
    assert_int_equal(offsetof(rnode, data) % 8, 0);
    assert_true(node_need(1, 1) >= sizeof(rnode) + 8 + sizeof(tlinks));
    assert_int_equal(node_need(5, 0), sizeof(rnode) + 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout_sizes),
        cmocka_unit_test(test_reasm_validator),
        cmocka_unit_test(test_flow_validator),
        cmocka_unit_test(test_checks_validator),
        cmocka_unit_test(test_validate_aborts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
