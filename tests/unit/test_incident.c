/*
 * test_incident.c — correlation (rules/incident.c): a verdict becomes the parent of
 * its connection instance's earlier alerts (hijack.incident.chain) and links the
 * later ones (hijack.incident_id); a higher verdict takes over the incident, a lesser
 * one joins it; closing updates get the link; the end of an instance forgets it; the
 * table and the chain are bounded and counted; the validator (sw_incidents_validate)
 * names each invariant broken by hand, and SW_VALIDATE builds abort on one. This file
 * compiles incident.c itself (the entries' layout, to corrupt them; its definitions
 * take the place of the library's copy for this program).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>

#include "rules/incident.c"
#include "validate_harness.h"

static json_t *doc_of(const char *id, const char *event)
{
    return json_pack("{s:s, s:{s:s}}", "alert_id", id, "hijack", "event", event);
}

/* Note an alert; returns its document (caller frees). */
static json_t *note(sw_incidents *t, uint64_t flow, uint32_t inst, sw_event_id id, const char *aid)
{
    json_t *d = doc_of(aid, sw_event_def_get(id)->name);
    sw_incidents_note(t, flow, inst, id, d);
    return d;
}

static const char *link_of(const json_t *d)
{
    return json_string_value(json_object_get(json_object_get(d, "hijack"), "incident_id"));
}

static const json_t *inc_of(const json_t *d)
{
    return json_object_get(json_object_get(d, "hijack"), "incident");
}

/* The chain of a parent, as "a,b,c". */
static const char *chain_of(const json_t *d, char *buf, size_t len)
{
    size_t i, o = 0;
    json_t *v;
    buf[0] = 0;
    json_array_foreach(json_object_get(inc_of(d), "chain"), i, v)
        o += (size_t)snprintf(buf + o, len - o, "%s%s", o ? "," : "", json_string_value(v));
    return buf;
}

static void test_parent_and_links(void **state)
{
    (void)state;
    char b[256];
    sw_incidents *t = sw_incidents_new(16);
    assert_non_null(t);
    json_t *a1 = note(t, 1, 0, SW_EV_TTL_ANOMALY, "a1");
    json_t *a2 = note(t, 1, 0, SW_EV_OVERLAP_MISMATCH, "a2");
    json_t *o1 = note(t, 2, 0, SW_EV_OVERLAP_MISMATCH, "o1");      /* another connection */
    json_t *p1 = note(t, 1, 1, SW_EV_RST_INJECTION, "p1");         /* another instance */
    assert_null(link_of(a1));                                       /* no verdict yet */
    assert_null(link_of(a2));
    json_t *d1 = note(t, 1, 0, SW_EV_DESYNC, "d1");                 /* a verdict: parent */
    assert_string_equal(link_of(d1), "d1");
    assert_string_equal(json_string_value(json_object_get(inc_of(d1), "id")), "d1");
    assert_string_equal(json_string_value(json_object_get(inc_of(d1), "verdict")), "desync");
    assert_string_equal(chain_of(d1, b, sizeof b), "a1,a2");
    json_t *a3 = note(t, 1, 0, SW_EV_FIN_INJECTION, "a3");          /* after it: linked */
    assert_string_equal(link_of(a3), "d1");
    assert_null(inc_of(a3));
    /* the takeover verdict ranks higher: it takes the incident, desync included */
    json_t *tk = note(t, 1, 0, SW_EV_SESSION_TAKEOVER, "tk");
    assert_string_equal(link_of(tk), "tk");
    assert_string_equal(chain_of(tk, b, sizeof b), "a1,a2,d1,a3");
    /* a lesser verdict afterwards joins it */
    json_t *st = note(t, 1, 0, SW_EV_ACK_STORM, "st");
    assert_string_equal(link_of(st), "tk");
    assert_null(inc_of(st));
    /* a closing update of a chain member gets the link */
    json_t *u = doc_of("a2", "overlap_mismatch");
    sw_incidents_update(t, 1, 0, u);
    assert_string_equal(link_of(u), "tk");
    json_decref(u);
    /* the other connection and instance are untouched */
    json_t *o2 = note(t, 2, 0, SW_EV_FIN_INJECTION, "o2");
    assert_null(link_of(o2));
    u = doc_of("o1", "overlap_mismatch");
    sw_incidents_update(t, 2, 0, u);
    assert_null(link_of(u));
    json_decref(u);
    assert_null(link_of(p1));
    /* the instance ended: forgotten; the next alert there starts afresh */
    sw_incidents_end(t, 1, 0);
    json_t *a4 = note(t, 1, 0, SW_EV_FIN_INJECTION, "a4");
    assert_null(link_of(a4));
    json_t *d2 = note(t, 1, 0, SW_EV_DESYNC, "d2");
    assert_string_equal(chain_of(d2, b, sizeof b), "a4");
    json_t *all[] = { a1, a2, o1, p1, d1, a3, tk, st, o2, a4, d2 };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        json_decref(all[i]);
    assert_int_equal(sw_incidents_evictions(t), 0);
    sw_incidents_free(t);
}

static void test_bounds(void **state)
{
    (void)state;
    sw_incidents *t = sw_incidents_new(2);
    char id[16];
    /* a long chain: the first SW_INCIDENT_CHAIN_MAX ids are listed, the rest counted */
    for (int i = 0; i < SW_INCIDENT_CHAIN_MAX + 3; i++) {
        snprintf(id, sizeof id, "c%d", i);
        json_decref(note(t, 7, 0, SW_EV_OVERLAP_MISMATCH, id));
    }
    json_t *tk = note(t, 7, 0, SW_EV_SESSION_TAKEOVER, "tk");
    assert_int_equal(json_array_size(json_object_get(inc_of(tk), "chain")), SW_INCIDENT_CHAIN_MAX);
    assert_int_equal(sw_incidents_truncated(t), 4);                 /* 3 members + tk */
    json_decref(tk);
    /* two connections fit; a third forgets the one idle longest (7), counted */
    json_decref(note(t, 8, 0, SW_EV_OVERLAP_MISMATCH, "e1"));
    json_decref(note(t, 7, 0, SW_EV_FIN_INJECTION, "x"));           /* 7 active again */
    json_decref(note(t, 9, 0, SW_EV_OVERLAP_MISMATCH, "g1"));       /* 8 goes */
    assert_int_equal(sw_incidents_evictions(t), 1);
    json_t *l = note(t, 7, 0, SW_EV_FIN_INJECTION, "y");
    assert_string_equal(link_of(l), "tk");                          /* 7 still known */
    json_decref(l);
    json_t *d = note(t, 8, 0, SW_EV_DESYNC, "d8");                 /* 8 forgotten: e1 unlisted */
    assert_int_equal(json_array_size(json_object_get(inc_of(d), "chain")), 0);
    json_decref(d);
    assert_int_equal(sw_incidents_evictions(t), 2);
    /* no verdict events rank */
    assert_int_equal(sw_incident_rank(SW_EV_OVERLAP_MISMATCH), 0);
    assert_true(sw_incident_rank(SW_EV_SESSION_TAKEOVER) > sw_incident_rank(SW_EV_DESYNC));
    assert_int_equal(sw_incident_rank(SW_EV_ACK_STORM), sw_incident_rank(SW_EV_DESYNC));
    /* documents without a hijack object or an alert_id are left alone */
    json_t *bad = json_pack("{s:s}", "alert_id", "z");
    sw_incidents_note(t, 7, 0, SW_EV_DESYNC, bad);
    sw_incidents_note(t, 7, 0, SW_EV_DESYNC, NULL);
    assert_null(json_object_get(bad, "hijack"));
    json_decref(bad);
    sw_incidents_free(t);
}

/* A table with three instances (one with a parent) and one forgotten: a free entry. */
static sw_incidents *healthy(void)
{
    sw_incidents *t = sw_incidents_new(8);
    assert_non_null(t);
    memset(t->seed, 0, sizeof t->seed); /* the same chains every run */
    const char *ids[] = { "a1", "a2", "a3", "b1", "c1", "d1" };
    const uint64_t flows[] = { 1, 1, 1, 2, 3, 4 };
    const sw_event_id evs[] = { SW_EV_OVERLAP_MISMATCH, SW_EV_DESYNC, SW_EV_SESSION_TAKEOVER,
                                SW_EV_TTL_ANOMALY, SW_EV_ACK_STORM, SW_EV_MAC_CHANGE };
    for (int i = 0; i < 6; i++)
        json_decref(note(t, flows[i], 0, evs[i], ids[i]));
    sw_incidents_end(t, 2, 0);
    assert_null(sw_incidents_validate(t));
    return t;
}

static void test_validator(void **state)
{
    (void)state;
    sw_incidents *t = healthy();
    uint32_t i1 = find(t, 1, 0), i3 = find(t, 3, 0), i4 = find(t, 4, 0);
    assert_true(i1 != NIL && i3 != NIL && i4 != NIL);
    inc_entry *x = &t->e[i1];
    assert_int_equal(x->rank, 2);
    assert_int_equal(x->nids, 3);

    x->nids = SW_INCIDENT_CHAIN_MAX + 1;
    expect_broken(sw_incidents_validate(t), "SW_INCIDENT_CHAIN_MAX");
    x->nids = 3;
    x->rank = 3;
    expect_broken(sw_incidents_validate(t), "rank above");
    x->rank = 1;                        /* a takeover recorded as rank 1 */
    expect_broken(sw_incidents_validate(t), "parent's rank");
    x->rank = 2;
    x->parent[0] = 0;
    expect_broken(sw_incidents_validate(t), "without its alert_id");
    snprintf(x->parent, sizeof x->parent, "a3");
    memset(x->ids[1], 'z', sizeof x->ids[1]);
    expect_broken(sw_incidents_validate(t), "not terminated");
    snprintf(x->ids[1], sizeof x->ids[1], "a2");
    assert_null(sw_incidents_validate(t));

    x->flow_id ^= 0x100;                /* its key no longer leads to its chain */
    expect_broken(sw_incidents_validate(t), "not found under its key");
    x->flow_id ^= 0x100;
    t->e[i4].flow_id = 3;               /* two entries with one key */
    assert_non_null(sw_incidents_validate(t));
    t->e[i4].flow_id = 4;

    uint32_t p = t->e[i3].lprev;
    t->e[i3].lprev = NIL;
    expect_broken(sw_incidents_validate(t), "prev link");
    t->e[i3].lprev = p;
    uint32_t tail = t->lru_tail;
    t->lru_tail = i1;
    expect_broken(sw_incidents_validate(t), "activity tail");
    t->lru_tail = tail;

    uint32_t fh = t->free_head;         /* the forgotten instance's entry */
    assert_true(fh != NIL);
    t->free_head = i3;                  /* an entry in use on the free list too */
    uint32_t hn = t->e[i3].hnext;
    t->e[i3].hnext = NIL;
    expect_broken(sw_incidents_validate(t), "both free and in use");
    t->e[i3].hnext = hn;
    t->free_head = fh;

    t->nused++;                         /* one more in use than listed */
    assert_non_null(sw_incidents_validate(t));
    t->nused--;
    assert_null(sw_incidents_validate(t));
    sw_incidents_free(t);
}

/* SW_VALIDATE builds (sanitizers, fuzz): an operation on a broken table aborts. */
static void note_on_broken(void)
{
    sw_incidents *t = healthy();
    t->e[find(t, 1, 0)].rank = 3;
    json_decref(note(t, 1, 0, SW_EV_OVERLAP_MISMATCH, "a4"));   /* must not return */
}

static void test_validate_aborts(void **state)
{
    (void)state;
    expect_abort(note_on_broken, "rank above");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parent_and_links),
        cmocka_unit_test(test_bounds),
        cmocka_unit_test(test_validator),
        cmocka_unit_test(test_validate_aborts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
