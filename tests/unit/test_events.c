/*
 * test_events.c — the event catalogue: one row per id in id order, unique names that
 * look like the rest of the project's identifiers, every field set, name lookup round
 * trip, the informational set, default sids, and sw_event_clear releasing the JSON.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>

#include "rules/event.h"

static const char *const expected_names[SW_EV_COUNT] = {
    "synack_bad_ack", "synack_conflict", "early_desync", "syn_in_established",
    "seq_out_of_window", "data_beyond_window", "ack_unsent_data", "rst_injection",
    "rst_out_of_window", "fin_injection", "overlap_mismatch", "ttl_anomaly",
    "tsval_regression", "tsecr_unsent_echo", "challenge_ack", "mac_change", "ack_storm",
    "desync", "session_takeover", "blind_spray", "isn_predictable", "ip_fragment_overlap", "insertion_attempt",
    "data_injection",
};

static void test_rows_in_order(void **state)
{
    (void)state;
    for (int i = 0; i < SW_EV_COUNT; i++) {
        const sw_event_def *d = sw_event_def_get((sw_event_id)i);
        assert_non_null(d);
        assert_int_equal(d->id, i);
        assert_string_equal(d->name, expected_names[i]);
    }
    assert_null(sw_event_def_get(SW_EV_COUNT));
    assert_null(sw_event_def_get((sw_event_id)-1));
}

static void test_names_unique_and_lookup(void **state)
{
    (void)state;
    for (int i = 0; i < SW_EV_COUNT; i++) {
        const char *n = sw_event_def_get((sw_event_id)i)->name;
        for (const char *p = n; *p; p++)
            assert_true((*p >= 'a' && *p <= 'z') || *p == '_');
        for (int j = i + 1; j < SW_EV_COUNT; j++)
            assert_string_not_equal(n, sw_event_def_get((sw_event_id)j)->name);
        assert_int_equal(sw_event_lookup(n), i);
    }
    assert_int_equal(sw_event_lookup("no_such_event"), -1);
    assert_int_equal(sw_event_lookup(""), -1);
    assert_int_equal(sw_event_lookup("DESYNC"), -1);
    assert_int_equal(sw_event_lookup(NULL), -1);
}

static void test_every_field_set(void **state)
{
    (void)state;
    for (int i = 0; i < SW_EV_COUNT; i++) {
        const sw_event_def *d = sw_event_def_get((sw_event_id)i);
        assert_non_null(d->description);
        assert_true(strlen(d->description) > 20);
        assert_null(strchr(d->description, '\n'));
        assert_in_range(d->severity, 1, 3);
        assert_in_range(d->informational, 0, 1);
        assert_non_null(d->classtype);
        assert_true(strlen(d->classtype) > 0);
        assert_int_equal(d->default_sid, 2300001u + (uint32_t)i);
        assert_non_null(d->equivalent);
        /* "none", or the three parts in order */
        if (strcmp(d->equivalent, "none") != 0) {
            const char *s = strstr(d->equivalent, "Suricata: ");
            const char *n = strstr(d->equivalent, "; Snort 3: ");
            const char *z = strstr(d->equivalent, "; Zeek: ");
            assert_true(s == d->equivalent);
            assert_non_null(n);
            assert_non_null(z);
            assert_true(n < z);
        }
    }
}

static void test_informational_and_severity(void **state)
{
    (void)state;
    for (int i = 0; i < SW_EV_COUNT; i++) {
        const sw_event_def *d = sw_event_def_get((sw_event_id)i);
        int want = i == SW_EV_CHALLENGE_ACK || i == SW_EV_ISN_PREDICTABLE;
        assert_int_equal(d->informational, want);
    }
    const sw_event_id high[] = { SW_EV_SESSION_TAKEOVER, SW_EV_OVERLAP_MISMATCH, SW_EV_EARLY_DESYNC,
                                 SW_EV_SYNACK_CONFLICT, SW_EV_RST_INJECTION, SW_EV_DATA_INJECTION };
    for (size_t i = 0; i < sizeof(high) / sizeof(high[0]); i++)
        assert_int_equal(sw_event_def_get(high[i])->severity, 1);
    const sw_event_id low[] = { SW_EV_TTL_ANOMALY, SW_EV_TSVAL_REGRESSION, SW_EV_MAC_CHANGE,
                                SW_EV_INSERTION_ATTEMPT };
    for (size_t i = 0; i < sizeof(low) / sizeof(low[0]); i++)
        assert_int_equal(sw_event_def_get(low[i])->severity, 3);
}

static void test_event_clear(void **state)
{
    (void)state;
    sw_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.evidence = json_pack("{s:i}", "seq", 1);
    ev.packets = json_array();
    ev.related = json_array();
    ev.ruled_out = json_pack("[s]", "gap");
    sw_event_clear(&ev);   /* ASan's leak check verifies the release */
    assert_null(ev.evidence);
    assert_null(ev.packets);
    assert_null(ev.related);
    assert_null(ev.ruled_out);
    sw_event_clear(&ev);   /* idempotent */
    sw_event_clear(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rows_in_order),
        cmocka_unit_test(test_names_unique_and_lookup),
        cmocka_unit_test(test_every_field_set),
        cmocka_unit_test(test_informational_and_severity),
        cmocka_unit_test(test_event_clear),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
