/*
 * test_fold.c — repeats fold (rules/fold.c): which occurrences fold (same event,
 * rule, connection instance, direction; overlaps: every range, the distinct ranges
 * listed with their counts), the closing
 * update's count/first/last/last evidence, the idle rule, the end-of-input close,
 * the close when a connection instance ends,
 * and the bounded table (the oldest fold closes early and is counted); the
 * validator (sw_fold_validate) names each invariant broken by hand, and SW_VALIDATE
 * builds abort on one. This file compiles fold.c itself (the entries' layout, to
 * corrupt them; its definitions take the place of the library's copy here).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>

#include "rules/fold.c"
#include "validate_harness.h"

typedef struct closed {
    int n;
    uint64_t count[16], first[16], last[16];
    int has_last_ev[16];
    size_t absorbed[16];
    uint32_t range_count[16];
    char ranges[16][512];       /* "seq/len/count ..." */
    char id[16][16];
} closed;

static void on_close(void *user, json_t *doc, const sw_fold_info *info)
{
    closed *c = user;
    if (c->n >= 16)
        return;
    c->count[c->n] = info->count;
    c->first[c->n] = info->first_us;
    c->last[c->n] = info->last_us;
    c->has_last_ev[c->n] = info->last_evidence != NULL;
    c->absorbed[c->n] = info->absorbed ? json_array_size(info->absorbed) : 0;
    c->range_count[c->n] = info->range_count;
    c->ranges[c->n][0] = 0;
    size_t i;
    json_t *r;
    json_array_foreach(info->ranges, i, r) {
        size_t o = strlen(c->ranges[c->n]);
        snprintf(c->ranges[c->n] + o, sizeof(c->ranges[0]) - o, "%s%lld/%lld/%lld", i ? " " : "",
                 (long long)json_integer_value(json_object_get(r, "seq")),
                 (long long)json_integer_value(json_object_get(r, "len")),
                 (long long)json_integer_value(json_object_get(r, "count")));
    }
    snprintf(c->id[c->n], sizeof(c->id[0]), "%s", json_string_value(json_object_get(doc, "alert_id")));
    c->n++;
}

static sw_event ev_at(sw_event_id id, uint64_t flow, uint32_t inst, int dir, uint64_t ts, uint32_t seq)
{
    sw_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.id = id;
    ev.flow_id = flow;
    ev.conn_instance = inst;
    ev.dir = dir;
    ev.ts_us = ts;
    ev.evidence = json_pack("{s:I, s:I}", "seq", (json_int_t)seq, "len", (json_int_t)(seq % 10 + 1));
    return ev;
}

static json_t *doc_for(const char *id, const sw_event *ev)
{
    return json_pack("{s:s, s:{s:O}}", "alert_id", id, "hijack", "evidence", ev->evidence);
}

/* Offer ev (raised by rule 1:sid): 1 if it folded, else open a fold for it as
 * alert `id`. */
static int offer_sid(sw_fold *f, sw_event *ev, const char *id, uint32_t sid)
{
    int r = sw_fold_repeat(f, ev, 1, sid);
    if (!r) {
        json_t *d = doc_for(id, ev);
        sw_fold_open(f, ev, 1, sid, d);
        json_decref(d);
    }
    json_decref(ev->evidence);
    ev->evidence = NULL;
    return r;
}

static int offer(sw_fold *f, sw_event *ev, const char *id)
{
    return offer_sid(f, ev, id, 2300011);
}

static void test_same_range_folds(void **state)
{
    (void)state;
    closed c;
    memset(&c, 0, sizeof(c));
    sw_fold *f = sw_fold_new(64, 60000000u, on_close, &c);
    assert_non_null(f);
    sw_event ev = ev_at(SW_EV_OVERLAP_MISMATCH, 7, 0, 1, 1000000, 500);
    assert_int_equal(offer(f, &ev, "a1"), 0);                 /* the first: an alert */
    for (int i = 1; i <= 292; i++) {                          /* its retransmissions */
        ev = ev_at(SW_EV_OVERLAP_MISMATCH, 7, 0, 1, 1000000 + (uint64_t)i * 100000, 500);
        assert_int_equal(offer(f, &ev, "x"), 1);
    }
    /* not repeats: the other direction, another connection instance, another flow,
     * another event */
    ev = ev_at(SW_EV_OVERLAP_MISMATCH, 7, 0, 0, 2000000, 500);
    assert_int_equal(offer(f, &ev, "a3"), 0);
    ev = ev_at(SW_EV_OVERLAP_MISMATCH, 7, 1, 1, 2000000, 500);
    assert_int_equal(offer(f, &ev, "a4"), 0);
    ev = ev_at(SW_EV_OVERLAP_MISMATCH, 8, 0, 1, 2000000, 500);
    assert_int_equal(offer(f, &ev, "a5"), 0);
    ev = ev_at(SW_EV_TTL_ANOMALY, 7, 0, 1, 2000000, 500);
    assert_int_equal(offer(f, &ev, "a6"), 0);
    /* for other events the range does not matter, and they list none */
    ev = ev_at(SW_EV_TTL_ANOMALY, 7, 0, 1, 2100000, 777);
    assert_int_equal(offer(f, &ev, "x"), 1);
    assert_int_equal(sw_fold_folded(f), 293);
    assert_int_equal(c.n, 0);                                  /* nothing closed yet */

    sw_fold_expire(f, UINT64_MAX);                             /* the end of the input */
    assert_int_equal(c.n, 2);                                  /* only folds with repeats */
    int oi = strcmp(c.id[0], "a1") == 0 ? 0 : 1;
    assert_string_equal(c.id[oi], "a1");
    assert_int_equal(c.count[oi], 293);
    assert_int_equal(c.first[oi], 1000000);
    assert_int_equal(c.last[oi], 1000000 + 292ull * 100000);
    assert_false(c.has_last_ev[oi]);                           /* same evidence as the first */
    assert_int_equal(c.range_count[oi], 0);                    /* one range: no list */
    assert_string_equal(c.ranges[oi], "");
    assert_string_equal(c.id[1 - oi], "a6");
    assert_int_equal(c.count[1 - oi], 2);
    assert_true(c.has_last_ev[1 - oi]);                        /* seq 777: it differs */
    assert_int_equal(c.range_count[1 - oi], 0);
    sw_fold_free(f);
}

/* Another injected range on the same connection and direction folds into the first
 * overlap's alert: the closing update lists the distinct ranges in order of first
 * appearance, each with its count, and counts them beyond the list. */
static void test_ranges_fold(void **state)
{
    (void)state;
    closed c;
    memset(&c, 0, sizeof(c));
    sw_fold *f = sw_fold_new(64, 60000000u, on_close, &c);
    assert_non_null(f);
    uint64_t t = 1000000;
    sw_event ev = ev_at(SW_EV_OVERLAP_MISMATCH, 7, 0, 1, t, 500);
    assert_int_equal(offer(f, &ev, "a1"), 0);
    ev = ev_at(SW_EV_OVERLAP_MISMATCH, 7, 0, 1, t += 1000, 500);      /* retransmitted */
    assert_int_equal(offer(f, &ev, "x"), 1);
    ev = ev_at(SW_EV_OVERLAP_MISMATCH, 7, 0, 1, t += 1000, 900);      /* a second range */
    assert_int_equal(offer(f, &ev, "x"), 1);
    ev = ev_at(SW_EV_OVERLAP_MISMATCH, 7, 0, 1, t += 1000, 500);      /* the first again */
    assert_int_equal(offer(f, &ev, "x"), 1);
    ev = ev_at(SW_EV_OVERLAP_MISMATCH, 7, 0, 1, t += 1000, 901);      /* a third */
    assert_int_equal(offer(f, &ev, "x"), 1);
    sw_fold_end(f, 7, 0);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.id[0], "a1");
    assert_int_equal(c.count[0], 5);
    assert_int_equal(c.range_count[0], 3);
    assert_string_equal(c.ranges[0], "500/1/3 900/1/1 901/2/1");
    assert_true(c.has_last_ev[0]);                            /* range 901: it differs */

    /* more ranges than are listed: the first SW_FOLD_RANGES_MAX listed, all counted
     * (a start other than the previous occurrence's is a new range) */
    memset(&c, 0, sizeof(c));
    ev = ev_at(SW_EV_OVERLAP_MISMATCH, 9, 0, 0, t, 0);
    assert_int_equal(offer(f, &ev, "b1"), 0);
    for (uint32_t i = 1; i < SW_FOLD_RANGES_MAX + 4; i++) {
        for (int k = 0; k < 2; k++) {                          /* each one twice */
            ev = ev_at(SW_EV_OVERLAP_MISMATCH, 9, 0, 0, t += 1000, i * 10);
            assert_int_equal(offer(f, &ev, "x"), 1);
        }
    }
    sw_fold_expire(f, UINT64_MAX);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.count[0], 1 + 2 * (SW_FOLD_RANGES_MAX + 3));
    assert_int_equal(c.range_count[0], SW_FOLD_RANGES_MAX + 4);
    int listed = 1;
    for (const char *p = c.ranges[0]; *p; p++)
        listed += *p == ' ';
    assert_int_equal(listed, SW_FOLD_RANGES_MAX);
    assert_non_null(strstr(c.ranges[0], "0/1/1 10/1/2 20/1/2"));
    sw_fold_free(f);
}

static void test_idle_starts_a_new_alert(void **state)
{
    (void)state;
    closed c;
    memset(&c, 0, sizeof(c));
    sw_fold *f = sw_fold_new(64, 60000000u, on_close, &c);
    sw_event ev = ev_at(SW_EV_RST_INJECTION, 1, 0, 0, 1000000, 0);
    assert_int_equal(offer(f, &ev, "b1"), 0);
    ev = ev_at(SW_EV_RST_INJECTION, 1, 0, 0, 60999999, 0);     /* 59.999999 s later */
    assert_int_equal(offer(f, &ev, "x"), 1);
    ev = ev_at(SW_EV_RST_INJECTION, 1, 0, 0, 120999999, 0);    /* 60 s after the last */
    assert_int_equal(offer(f, &ev, "b2"), 0);                  /* a new alert ... */
    assert_int_equal(c.n, 1);                                  /* ... and b1's update */
    assert_string_equal(c.id[0], "b1");
    assert_int_equal(c.count[0], 2);
    /* expiry by time closes idle folds only */
    sw_fold_expire(f, 120999999 + 59999999);
    assert_int_equal(c.n, 1);
    ev = ev_at(SW_EV_RST_INJECTION, 1, 0, 0, 121000000, 0);
    assert_int_equal(offer(f, &ev, "x"), 1);
    sw_fold_expire(f, 121000000 + 60000000);
    assert_int_equal(c.n, 2);
    assert_string_equal(c.id[1], "b2");
    /* a fold without repeats closes silently */
    ev = ev_at(SW_EV_RST_INJECTION, 2, 0, 0, 1, 0);
    assert_int_equal(offer(f, &ev, "b3"), 0);
    sw_fold_expire(f, UINT64_MAX);
    assert_int_equal(c.n, 2);
    sw_fold_free(f);
}

static void test_bounded_table(void **state)
{
    (void)state;
    closed c;
    memset(&c, 0, sizeof(c));
    sw_fold *f = sw_fold_new(4, 60000000u, on_close, &c);
    char id[16];
    for (uint64_t flow = 1; flow <= 4; flow++) {
        snprintf(id, sizeof(id), "c%llu", (unsigned long long)flow);
        sw_event ev = ev_at(SW_EV_DESYNC, flow, 0, 0, flow, 0);
        assert_int_equal(offer(f, &ev, id), 0);
        ev = ev_at(SW_EV_DESYNC, flow, 0, 0, flow + 10, 0);
        assert_int_equal(offer(f, &ev, "x"), 1);
    }
    sw_event ev = ev_at(SW_EV_DESYNC, 1, 0, 0, 100, 0);         /* flow 1 active again */
    assert_int_equal(offer(f, &ev, "x"), 1);
    ev = ev_at(SW_EV_DESYNC, 5, 0, 0, 200, 0);                  /* full: flow 2 goes */
    assert_int_equal(offer(f, &ev, "c5"), 0);
    assert_int_equal(sw_fold_evictions(f), 1);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.id[0], "c2");
    assert_int_equal(c.count[0], 2);
    ev = ev_at(SW_EV_DESYNC, 1, 0, 0, 300, 0);                  /* flow 1 still folds */
    assert_int_equal(offer(f, &ev, "x"), 1);
    sw_fold_expire(f, UINT64_MAX);
    assert_int_equal(c.n, 4);                                   /* c1, c3, c4 (c5 had none) */
    for (int i = 1; i < 4; i++)
        if (!strcmp(c.id[i], "c1"))
            assert_int_equal(c.count[i], 4);
    sw_fold_free(f);
}

static void test_connection_end_closes(void **state)
{
    (void)state;
    closed c;
    memset(&c, 0, sizeof(c));
    sw_fold *f = sw_fold_new(64, 60000000u, on_close, &c);
    /* instance 0 of flow 9: two folds with repeats, one without; instance 1 and flow
     * 10 one fold each */
    sw_event ev = ev_at(SW_EV_OVERLAP_MISMATCH, 9, 0, 1, 100, 500);
    assert_int_equal(offer(f, &ev, "d1"), 0);
    ev = ev_at(SW_EV_RST_INJECTION, 9, 0, 0, 200, 0);
    assert_int_equal(offer(f, &ev, "d2"), 0);
    ev = ev_at(SW_EV_DESYNC, 9, 0, 0, 250, 0);
    assert_int_equal(offer(f, &ev, "d3"), 0);
    ev = ev_at(SW_EV_OVERLAP_MISMATCH, 9, 1, 1, 260, 500);
    assert_int_equal(offer(f, &ev, "e1"), 0);
    ev = ev_at(SW_EV_OVERLAP_MISMATCH, 10, 0, 1, 270, 500);
    assert_int_equal(offer(f, &ev, "g1"), 0);
    for (uint64_t t = 300; t < 310; t++) {
        ev = ev_at(SW_EV_OVERLAP_MISMATCH, 9, 0, 1, t, 500);
        assert_int_equal(offer(f, &ev, "x"), 1);
        ev = ev_at(SW_EV_RST_INJECTION, 9, 0, 0, t, 0);
        assert_int_equal(offer(f, &ev, "x"), 1);
        ev = ev_at(SW_EV_OVERLAP_MISMATCH, 9, 1, 1, t, 500);
        assert_int_equal(offer(f, &ev, "x"), 1);
        ev = ev_at(SW_EV_OVERLAP_MISMATCH, 10, 0, 1, t, 500);
        assert_int_equal(offer(f, &ev, "x"), 1);
    }
    sw_fold_end(f, 9, 0);                     /* long before any idle time */
    assert_int_equal(c.n, 2);                 /* d1, d2, oldest first; d3 had no repeat */
    assert_string_equal(c.id[0], "d1");
    assert_int_equal(c.count[0], 11);
    assert_int_equal(c.first[0], 100);
    assert_int_equal(c.last[0], 309);
    assert_string_equal(c.id[1], "d2");
    assert_int_equal(c.count[1], 11);
    /* the ended instance's next occurrence is a new alert; the others still fold */
    ev = ev_at(SW_EV_OVERLAP_MISMATCH, 9, 0, 1, 400, 500);
    assert_int_equal(offer(f, &ev, "d4"), 0);
    ev = ev_at(SW_EV_OVERLAP_MISMATCH, 9, 1, 1, 400, 500);
    assert_int_equal(offer(f, &ev, "x"), 1);
    sw_fold_end(f, 9, 0);                     /* d4 has no repeats: nothing written */
    sw_fold_end(f, 9, 0);                     /* a second end finds nothing */
    sw_fold_end(f, 77, 3);                    /* nor does an unknown connection */
    assert_int_equal(c.n, 2);
    sw_fold_end(f, 9, 1);
    assert_int_equal(c.n, 3);
    assert_string_equal(c.id[2], "e1");
    assert_int_equal(c.count[2], 12);
    sw_fold_expire(f, UINT64_MAX);
    assert_int_equal(c.n, 4);
    assert_string_equal(c.id[3], "g1");
    sw_fold_free(f);
}

/* Other events counted into an open fold: listed in its update, even without repeats. */
static void test_absorb(void **state)
{
    (void)state;
    closed c;
    memset(&c, 0, sizeof(c));
    sw_fold *f = sw_fold_new(64, 60000000u, on_close, &c);
    sw_event tk = ev_at(SW_EV_SESSION_TAKEOVER, 3, 0, 1, 100, 0);
    assert_int_equal(offer(f, &tk, "t1"), 0);
    sw_event to = ev_at(SW_EV_SESSION_TAKEOVER, 3, 0, 1, 0, 0);   /* the fold's key */
    json_decref(to.evidence);
    to.evidence = NULL;
    json_t *entry = json_pack("{s:s}", "event", "ack_storm");
    for (int i = 0; i < SW_FOLD_ABSORB_MAX + 2; i++)
        assert_int_equal(sw_fold_absorb(f, &to, 1, 2300011, entry), 1);
    assert_int_equal(sw_fold_absorb(f, &to, 1, 2300012, entry), 0);   /* another rule */
    to.dir = 0;
    assert_int_equal(sw_fold_absorb(f, &to, 1, 2300011, entry), 0);   /* another direction */
    to.dir = 1;
    to.conn_instance = 1;
    assert_int_equal(sw_fold_absorb(f, &to, 1, 2300011, entry), 0);   /* another instance */
    json_decref(entry);
    assert_int_equal(sw_fold_folded(f), SW_FOLD_ABSORB_MAX + 2);
    sw_fold_end(f, 3, 0);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.id[0], "t1");
    assert_int_equal(c.count[0], 1);                         /* no repeat of its own */
    assert_int_equal(c.absorbed[0], SW_FOLD_ABSORB_MAX);     /* listed up to the cap */
    to.conn_instance = 0;
    entry = json_pack("{s:s}", "event", "ack_storm");
    assert_int_equal(sw_fold_absorb(f, &to, 1, 2300011, entry), 0);   /* closed */
    json_decref(entry);
    sw_fold_free(f);
}

/* A quiet fold (no document: an event merged into another's record) counts its
 * repeats and writes nothing; nothing can be absorbed into it. */
static void test_quiet_fold(void **state)
{
    (void)state;
    closed c;
    memset(&c, 0, sizeof(c));
    sw_fold *f = sw_fold_new(64, 60000000u, on_close, &c);
    sw_event ev = ev_at(SW_EV_MAC_CHANGE, 4, 0, 0, 100, 0);
    assert_int_equal(sw_fold_repeat(f, &ev, 1, 2300016), 0);
    sw_fold_open(f, &ev, 1, 2300016, NULL);
    for (int i = 0; i < 3; i++)
        assert_int_equal(sw_fold_repeat(f, &ev, 1, 2300016), 1);
    json_t *entry = json_pack("{s:s}", "event", "ack_storm");
    assert_int_equal(sw_fold_absorb(f, &ev, 1, 2300016, entry), 0);
    json_decref(entry);
    json_decref(ev.evidence);
    assert_int_equal(sw_fold_folded(f), 3);
    sw_fold_end(f, 4, 0);
    sw_fold_expire(f, UINT64_MAX);
    assert_int_equal(c.n, 0);
    sw_fold_free(f);
}

/* More open folds on one connection than sw_fold_end closes in one batch. */
static void test_connection_end_many(void **state)
{
    (void)state;
    closed c;
    memset(&c, 0, sizeof(c));
    sw_fold *f = sw_fold_new(256, 60000000u, on_close, &c);
    for (uint32_t r = 0; r < 150; r++) {         /* 150 rules' folds on one instance */
        sw_event ev = ev_at(SW_EV_OVERLAP_MISMATCH, 5, 2, 0, 10 + r, 1000 * (r + 1));
        assert_int_equal(offer_sid(f, &ev, r == 0 ? "h0" : "h", 3000000 + r), 0);
        ev = ev_at(SW_EV_OVERLAP_MISMATCH, 5, 2, 0, 1000 + r, 1000 * (r + 1));
        assert_int_equal(offer_sid(f, &ev, "x", 3000000 + r), 1);
    }
    sw_fold_end(f, 5, 2);
    assert_int_equal(c.n, 16);                /* the recorder keeps 16 of the 150 */
    assert_string_equal(c.id[0], "h0");       /* the oldest first */
    c.n = 0;
    sw_fold_expire(f, UINT64_MAX);
    assert_int_equal(c.n, 0);                 /* all 150 were closed */
    sw_fold_free(f);
}

/* Folds on three connections (one with two ranges, one quiet) and one closed: a
 * free entry. The seed is fixed: the same chains every run. */
static sw_fold *healthy(closed *c)
{
    sw_fold *f = sw_fold_new(16, 60000000u, on_close, c);
    assert_non_null(f);
    memset(f->seed, 0, sizeof f->seed);
    sw_event ev = ev_at(SW_EV_OVERLAP_MISMATCH, 1, 0, 0, 100, 500);
    offer(f, &ev, "a1");
    ev = ev_at(SW_EV_OVERLAP_MISMATCH, 1, 0, 0, 200, 900);
    offer(f, &ev, "x");
    ev = ev_at(SW_EV_TTL_ANOMALY, 2, 0, 0, 300, 0);
    offer(f, &ev, "b1");
    ev = ev_at(SW_EV_MAC_CHANGE, 3, 0, 1, 400, 0);
    sw_fold_open(f, &ev, 1, 2300014, NULL);          /* quiet */
    json_decref(ev.evidence);
    ev = ev_at(SW_EV_DESYNC, 4, 0, 0, 500, 0);
    offer(f, &ev, "d1");
    sw_fold_end(f, 2, 0);
    assert_null(sw_fold_validate(f));
    return f;
}

static void test_validator(void **state)
{
    (void)state;
    closed c;
    memset(&c, 0, sizeof(c));
    sw_fold *f = healthy(&c);
    sw_event ev = ev_at(SW_EV_OVERLAP_MISMATCH, 1, 0, 0, 0, 0);
    fold_key k;
    make_key(&k, &ev, 1, 2300011);
    json_decref(ev.evidence);
    uint32_t i1 = find(f, &k);
    assert_true(i1 != NIL);
    fold_entry *x = &f->e[i1];
    assert_int_equal(x->count, 2);
    assert_int_equal(x->nranges, 2);

    x->count = 0;
    expect_broken(sw_fold_validate(f), "count 0");
    x->count = 2;
    x->first_us = x->last_us + 1;
    expect_broken(sw_fold_validate(f), "first occurrence after the last");
    x->first_us = 100;
    x->nranges = 3;
    expect_broken(sw_fold_validate(f), "more distinct ranges than occurrences");
    x->nranges = 1;
    expect_broken(sw_fold_validate(f), "range list longer");
    x->nranges = 2;
    assert_null(sw_fold_validate(f));

    x->key.dir ^= 1;                  /* its key no longer leads to its chain */
    expect_broken(sw_fold_validate(f), "not found under its key");
    x->key.dir ^= 1;
    uint32_t p = x->lprev, nx = x->lnext;
    assert_true(nx != NIL);
    f->e[nx].lprev = NIL;
    expect_broken(sw_fold_validate(f), "prev link");
    f->e[nx].lprev = i1;
    x->lprev = p;
    uint32_t tail = f->lru_tail;
    f->lru_tail = i1;
    expect_broken(sw_fold_validate(f), "activity tail");
    f->lru_tail = tail;

    uint32_t fh = f->free_head;       /* the closed fold's entry */
    assert_true(fh != NIL);
    f->e[fh].doc = json_object();
    expect_broken(sw_fold_validate(f), "free entry still holding");
    json_decref(f->e[fh].doc);
    f->e[fh].doc = NULL;
    f->nused++;                       /* one more open than listed */
    assert_non_null(sw_fold_validate(f));
    f->nused--;
    assert_null(sw_fold_validate(f));
    sw_fold_free(f);
}

/* SW_VALIDATE builds (sanitizers, fuzz): an operation on a broken table aborts. */
static void repeat_on_broken(void)
{
    closed c;
    memset(&c, 0, sizeof(c));
    sw_fold *f = healthy(&c);
    for (uint32_t i = f->lru_head; i != NIL; i = f->e[i].lnext)
        f->e[i].nranges = 0;
    sw_event ev = ev_at(SW_EV_OVERLAP_MISMATCH, 1, 0, 0, 600, 500);
    offer(f, &ev, "x");               /* must not return */
}

static void test_validate_aborts(void **state)
{
    (void)state;
    expect_abort(repeat_on_broken, "range list longer");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_range_folds),
        cmocka_unit_test(test_ranges_fold),
        cmocka_unit_test(test_idle_starts_a_new_alert),
        cmocka_unit_test(test_bounded_table),
        cmocka_unit_test(test_connection_end_closes),
        cmocka_unit_test(test_connection_end_many),
        cmocka_unit_test(test_absorb),
        cmocka_unit_test(test_quiet_fold),
        cmocka_unit_test(test_validator),
        cmocka_unit_test(test_validate_aborts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
