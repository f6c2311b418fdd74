/*
 * fuzz_rules.c — libFuzzer target for the rule-file parser: the input bytes, as a
 * NUL-terminated copy, are loaded with sw_ruleset_load_text (with one command-line
 * variable so the var paths run too). A successful load is also matched against a
 * fixed event per catalogue id and listed, to reach the engine with whatever the
 * parser accepted. Invariants checked by the sanitizers: no out-of-bounds access, no
 * leak, and an error message that always starts with the file name. The same bytes
 * are then loaded as a threshold file (threshold.config syntax) on top of a fixed
 * rule, and matched the same way.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "rules/ruleset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void match_all(sw_ruleset *rs)
{
    static sw_matcher *mt;
    if (!mt)
        mt = sw_matcher_new(64);
    for (int id = 0; id < SW_EV_COUNT; id++) {
        sw_event ev;
        memset(&ev, 0, sizeof(ev));
        ev.id = (sw_event_id)id;
        ev.ip_version = (uint8_t)(id % 2 ? 6 : 4);
        ev.src_ip[0] = 10;
        ev.dst_ip[0] = (uint8_t)(id * 13);
        ev.sport = (uint16_t)(id * 1000);
        ev.dport = 80;
        ev.dir = id % 2;
        ev.flow_id = (uint64_t)id;
        ev.ts_us = (uint64_t)id * 1000000u;
        sw_rule_match m;
        (void)sw_ruleset_match(rs, mt, &ev, &m);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 20))
        return 0;
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = 0;
    static const char *const vars[] = { "FUZZ_NET=[10.0.0.0/8,!10.1.0.0/16]", NULL };
    char err[512];
    sw_ruleset *rs = sw_ruleset_load_text("fuzz.rules", text, vars, err, sizeof(err));
    if (!rs) {
        if (strncmp(err, "fuzz.rules:", 11) != 0 && strncmp(err, "--var ", 6) != 0)
            abort();
    } else {
        match_all(rs);
        sw_rule_info info;
        for (size_t i = 0; i < sw_ruleset_count(rs); i++)
            if (sw_ruleset_rule_info(rs, i, &info) != 0 || !info.event || !info.msg)
                abort();
        (void)sw_ruleset_hash(rs);
        sw_ruleset_free(rs);
    }
    sw_rules_spec spec = { .base_name = "fuzz.rules",
                           .base_text = "alert tcp any any <> any any (event:rst_injection; sid:1;)\n",
                           .vars = vars, .threshold_text = text, .threshold_name = "fuzz.threshold" };
    rs = sw_ruleset_load(&spec, err, sizeof(err));
    if (!rs) {
        if (strncmp(err, "fuzz.threshold:", 15) != 0)
            abort();
    } else {
        match_all(rs);
        (void)sw_ruleset_lint(rs, NULL, NULL);
        sw_ruleset_free(rs);
    }
    free(text);
    return 0;
}
