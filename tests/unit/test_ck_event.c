/*
 * test_ck_event.c — the event builder's typed draft (rules/ck_event.c): an event
 * begun by ck_event_begin keeps its evidence typed and renders it at delivery; the
 * JSON it renders must be exactly what setting the same members on a JSON object
 * gives (values, replaced values keeping their place, key order, skipped NULLs,
 * ruled-out names once each, in order), also when the draft overflows and spills
 * to JSON half way. A pending event that is dropped never has JSON evidence. The
 * keys used are rows of rules/evidence_keys.h (SW_VALIDATE builds check that), and
 * every key the table has is known to the validator while an unknown one is not.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "rules/ck_state.h"
#include "rules/ck_event.h"
#include "rules/evidence_keys.h"

typedef struct fixture {
    sw_checks *c;
    ck_flow *fs;
    sw_flow f;
} fixture;

static void fx_init(fixture *x)
{
    memset(x, 0, sizeof *x);
    x->c = sw_checks_new(NULL, NULL, NULL);
    assert_non_null(x->c);
    x->fs = calloc(1, sizeof *x->fs + 8 * sizeof(ck_hist));
    assert_non_null(x->fs);
    x->f.key.ip_version = 4;
}

static void fx_free(fixture *x)
{
    free(x->fs);
    sw_checks_free(x->c);
}

/* An event built the old way: JSON members from the start, no draft. */
static void json_event(sw_event *ev)
{
    memset(ev, 0, sizeof *ev);
    ev->evidence = json_object();
    ev->ruled_out = json_array();
}

typedef void (*fill_fn)(sw_event *ev, int round);

static void fill_mixed(sw_event *ev, int round)
{
    (void)round;
    ck_ev_u(ev, "seq", 1);
    ck_ev_s(ev, "reason", "two");
    ck_ev_i(ev, "ack_offset", -3);
    ck_ev_b(ev, "in_window", 1);
    ck_ev_o(ev, "chain", json_pack("{s:i}", "x", 5));
    ck_ev_u(ev, "seq", 10);                /* replaced: keeps its place */
    ck_ev_s(ev, "meaning", NULL);          /* nothing set */
    ck_ev_o(ev, "payload", NULL);          /* nothing set */
    ck_ev_o(ev, "chain", json_string("again"));   /* another JSON value replaces it */
    char key_copy[] = "reason";            /* the same key from another string */
    ck_ev_s(ev, key_copy, "three");
    ck_ev_u(ev, "ack", UINT64_MAX >> 1);
    ck_ruled_out(ev, "x1", "x2", "x1", NULL);
    ck_ruled_out(ev, "x2", "x3", NULL);
}

/* Unsigned keys of the table, as many as the overflow needs. */
static const char *u_keys[64];
static unsigned n_u_keys;

static void collect_u_keys(void)
{
    const struct { const char *key; char kind; } rows[] = {
#define ROW(event, key, kind) { #key, #kind[0] },
        SW_EVIDENCE_KEYS(ROW)
#undef ROW
    };
    n_u_keys = 0;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0] && n_u_keys < 64; i++) {
        if (rows[i].kind != 'U')
            continue;
        unsigned j = 0;
        while (j < n_u_keys && strcmp(u_keys[j], rows[i].key) != 0)
            j++;
        if (j == n_u_keys)
            u_keys[n_u_keys++] = rows[i].key;
    }
}

/* More members and string bytes than the draft holds: it spills to JSON midway. */
static void fill_overflow(sw_event *ev, int round)
{
    char longstr[600];
    memset(longstr, 'h', sizeof longstr - 1);
    longstr[sizeof longstr - 1] = 0;
    if (round == 0) {                      /* too many members */
        for (unsigned i = 0; i < n_u_keys; i++)
            ck_ev_u(ev, u_keys[i], i);
        ck_ev_u(ev, u_keys[3], 333);
    } else {                               /* too many string bytes */
        ck_ev_s(ev, "reason", longstr);
        ck_ev_u(ev, "seq", 1);
        ck_ev_s(ev, "meaning", longstr);
        ck_ev_s(ev, "reason", "short");
    }
    static const char *const names[] = {
        "r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "ra", "rb", "rc", "rd",
    };
    for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++)
        ck_ruled_out(ev, names[i], "r0", NULL);
}

static void compare(fill_fn fill, int round)
{
    fixture x;
    fx_init(&x);
    sw_event a, b;
    assert_int_equal(ck_event_begin(x.c, x.fs, &x.f, NULL, 0, SW_EV_DESYNC, &a), 0);
    assert_non_null(a.draft);
    assert_null(a.evidence);               /* nothing rendered while it is built */
    assert_true(ck_ev_live(&a));
    fill(&a, round);
    assert_int_equal(ck_ev_render(&a), 0);
    assert_null(a.draft);
    json_event(&b);
    fill(&b, round);
    char *ja = json_dumps(a.evidence, JSON_COMPACT | JSON_PRESERVE_ORDER);
    char *jb = json_dumps(b.evidence, JSON_COMPACT | JSON_PRESERVE_ORDER);
    assert_string_equal(ja, jb);
    free(ja);
    free(jb);
    ja = json_dumps(a.ruled_out, JSON_COMPACT);
    jb = json_dumps(b.ruled_out, JSON_COMPACT);
    assert_string_equal(ja, jb);
    free(ja);
    free(jb);
    assert_null(a.packets);                /* the ring was empty */
    sw_event_clear(&a);
    sw_event_clear(&b);
    fx_free(&x);
}

static void test_render_same_as_json(void **st)
{
    (void)st;
    compare(fill_mixed, 0);
}

static void test_render_spills(void **st)
{
    (void)st;
    collect_u_keys();
    assert_true(n_u_keys > 45);            /* more than the draft's 40 members */
    compare(fill_overflow, 0);
    compare(fill_overflow, 1);
}

static void test_get_o_and_clear(void **st)
{
    (void)st;
    fixture x;
    fx_init(&x);
    sw_event a;
    assert_int_equal(ck_event_begin(x.c, x.fs, &x.f, NULL, 1, SW_EV_OVERLAP_MISMATCH, &a), 0);
    ck_ev_o(&a, "ranges", json_array());
    ck_ev_u(&a, "len", 2);
    json_t *r = ck_ev_get_o(&a, "ranges");
    assert_non_null(r);
    json_array_append_new(r, json_integer(7));     /* edits the draft's value */
    assert_null(ck_ev_get_o(&a, "len"));           /* not a JSON member */
    assert_null(ck_ev_get_o(&a, "missing"));
    /* a dropped suspicion: cleared with its draft, never rendered */
    sw_event_clear(&a);
    assert_null(a.draft);
    assert_false(ck_ev_live(&a));
    assert_int_equal(ck_event_begin(x.c, x.fs, &x.f, NULL, 1, SW_EV_OVERLAP_MISMATCH, &a), 0);
    ck_ev_o(&a, "ranges", json_array());
    json_array_append_new(ck_ev_get_o(&a, "ranges"), json_integer(7));
    assert_int_equal(ck_ev_render(&a), 0);
    char *j = json_dumps(a.evidence, JSON_COMPACT | JSON_PRESERVE_ORDER);
    assert_string_equal(j, "{\"ranges\":[7]}");
    free(j);
    sw_event_clear(&a);
    fx_free(&x);
}

static void test_key_table(void **st)
{
    (void)st;
    assert_null(ck_ev_key_validate("seq", 'u'));
    assert_null(ck_ev_key_validate("first_synack", 'b'));
    assert_null(ck_ev_key_validate("first_synack", 'o'));
    assert_non_null(ck_ev_key_validate("seq", 's'));          /* wrong kind */
    assert_non_null(ck_ev_key_validate("no_such_key", 'u'));
#define ROW(event, key, kind) assert_null(ck_ev_key_validate(#key, (char)(#kind[0] - 'A' + 'a')));
    SW_EVIDENCE_KEYS(ROW)
#undef ROW
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_render_same_as_json),
        cmocka_unit_test(test_render_spills),
        cmocka_unit_test(test_get_o_and_clear),
        cmocka_unit_test(test_key_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
