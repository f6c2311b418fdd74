/*
 * test_config.c — the tables of settings are the one source of truth:
 * common/sw_config_table.h (the engine's numeric settings) and rules/tunables.h (the
 * check tunables). sw_config_init, the command-line parser, the API clamping, the
 * rule parser and the checks follow them; docs/operations.md, docs/rules.md, the
 * help of `seqwatch run` / `seqwatch streams` and rules/default.rules agree with
 * them (a test fails when one of them is edited alone).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seqwatch.h"
#include "common/sw_config_table.h"
#include "rules/ruleset.h"
#include "rules/event.h"
#include "src/cli.h"

extern const char sw_default_rules_text[];

static const sw_config_row rows[] = { SW_CONFIG_TABLE(SW_CONFIG_ROW) };
#define NROWS (sizeof(rows) / sizeof(rows[0]))

typedef struct tun_row {
    const char *name;
    sw_event_id event;
    uint32_t def, min, max;
    const char *unit;
    size_t offset;
} tun_row;
#define TUN_ROW(name, event, def, min, max, unit) \
    { #name, event, def, min, max, unit, offsetof(sw_tunables, name) },
static const tun_row tuns[] = { SW_TUNABLES(TUN_ROW) };
#define NTUNS (sizeof(tuns) / sizeof(tuns[0]))

static uint64_t field_get(const sw_config *c, const sw_config_row *r)
{
    const unsigned char *p = (const unsigned char *)c + r->offset;
    if (r->size == sizeof(uint64_t)) {
        uint64_t v;
        memcpy(&v, p, sizeof v);
        return v;
    }
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static void field_set(sw_config *c, const sw_config_row *r, uint64_t v)
{
    unsigned char *p = (unsigned char *)c + r->offset;
    if (r->size == sizeof(uint64_t)) {
        memcpy(p, &v, sizeof v);
    } else {
        uint32_t w = (uint32_t)v;
        memcpy(p, &w, sizeof w);
    }
}

/* A value as the docs and the help write it: sizes with K/M/G, the rest decimal. */
static void fmt_value(const sw_config_row *r, uint64_t v, char *out, size_t n)
{
    static const char suf[] = "KMGT";
    if (r->kind == SW_CFG_SIZE && v) {
        int i = -1;
        while (i < 3 && v % 1024 == 0) {
            v /= 1024;
            i++;
        }
        if (i >= 0) {
            snprintf(out, n, "%" PRIu64 "%c", v, suf[i]);
            return;
        }
    }
    snprintf(out, n, "%" PRIu64, v);
}

static char *slurp(const char *rel)
{
    const char *src = getenv("SW_SOURCE_DIR");     /* set by ctest */
    if (!src)
        skip();
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", src, rel);
    FILE *f = fopen(path, "r");
    if (!f)
        fail_msg("cannot open %s", path);
    char *buf = NULL;
    size_t len = 0, cap = 0, k;
    char tmp[65536];
    while ((k = fread(tmp, 1, sizeof tmp, f)) > 0) {
        if (len + k + 1 > cap) {
            cap = (len + k + 1) * 2;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
        memcpy(buf + len, tmp, k);
        len += k;
    }
    fclose(f);
    if (!buf)
        buf = calloc(1, 1);
    buf[len] = 0;
    return buf;
}

/* "default X" in [s, e), X not followed by a digit or letter. */
static int says_default(const char *s, const char *e, const char *val)
{
    char want[64];
    snprintf(want, sizeof want, "default %s", val);
    size_t wl = strlen(want);
    for (const char *p = s; p + wl <= e; p++) {
        if (memcmp(p, want, wl) == 0 && (p + wl == e || !isalnum((unsigned char)p[wl])))
            return 1;
    }
    return 0;
}

/* The first "A..B" in [s, e): 1 found. */
static int range_in(const char *s, const char *e, char *out, size_t n)
{
    for (const char *p = s; p + 3 < e; p++) {
        if (p[0] == '.' && p[1] == '.' && p > s && isdigit((unsigned char)p[-1]) &&
            isdigit((unsigned char)p[2])) {
            const char *a = p;
            while (a > s && isalnum((unsigned char)a[-1]))
                a--;
            const char *b = p + 2;
            while (b < e && isalnum((unsigned char)*b))
                b++;
            snprintf(out, n, "%.*s", (int)(b - a), a);
            return 1;
        }
    }
    return 0;
}

/* --------------------------------------------------------------- engine -- */

static void test_config_init_is_the_table(void **state)
{
    (void)state;
    sw_config c;
    memset(&c, 0xA5, sizeof c);
    sw_config_init(&c);
    assert_int_equal(c.struct_size, sizeof c);
    for (size_t i = 0; i < NROWS; i++) {
        if (field_get(&c, &rows[i]) != rows[i].def)
            fail_msg("sw_config_init: %s is %" PRIu64 ", the table says %" PRIu64, rows[i].field,
                     field_get(&c, &rows[i]), rows[i].def);
    }
    for (size_t i = 0; i < NROWS; i++)     /* a default inside its range, or 0 (off) */
        if (rows[i].def && (rows[i].def < rows[i].min || rows[i].def > rows[i].max))
            fail_msg("%s: default outside %" PRIu64 "..%" PRIu64, rows[i].field, rows[i].min, rows[i].max);
    assert_int_equal(c.checksum, SW_CHECKSUM_AUTO);
    assert_int_equal(c.frag_policy, SW_FRAG_LINUX);
    assert_null(c.rules_file);
    assert_null(c.sensor_name);
    /* the figures the public header's comments give */
    assert_int_equal(c.max_flows, 1000000);
    assert_int_equal(c.stream_memcap, 256u << 20);
    assert_int_equal(c.workers, 1);
}

static void test_cli_follows_the_table(void **state)
{
    (void)state;
    int options = 0;
    for (size_t i = 0; i < NROWS; i++) {
        const sw_config_row *r = &rows[i];
        if (!r->option)
            continue;
        options++;
        char v[64];
        sw_config c;
        sw_config_init(&c);
        snprintf(v, sizeof v, "%" PRIu64, r->min);
        if (sw_cli_parse_config_option(r->option, v, &c) != 0 || field_get(&c, r) != r->min)
            fail_msg("--%s %s (the minimum) refused", r->option, v);
        snprintf(v, sizeof v, "%" PRIu64, r->max);
        if (sw_cli_parse_config_option(r->option, v, &c) != 0 || field_get(&c, r) != r->max)
            fail_msg("--%s %s (the maximum) refused", r->option, v);
        if (r->min > 0) {
            snprintf(v, sizeof v, "%" PRIu64, r->min - 1);
            if (sw_cli_parse_config_option(r->option, v, &c) != -1)
                fail_msg("--%s %s (below the minimum) accepted", r->option, v);
        }
        if (r->max < UINT64_MAX) {
            snprintf(v, sizeof v, "%" PRIu64, r->max + 1);
            if (sw_cli_parse_config_option(r->option, v, &c) != -1)
                fail_msg("--%s %s (above the maximum) accepted", r->option, v);
        }
        assert_int_equal(sw_cli_parse_config_option(r->option, "12x", &c), -1);
        assert_int_equal(sw_cli_parse_config_option(r->option, "", &c), -1);
    }
    assert_true(options >= 11);
    sw_config c;
    sw_config_init(&c);
    assert_int_equal(sw_cli_parse_config_option("stream-memcap", "64M", &c), 0);
    assert_int_equal(c.stream_memcap, 64u << 20);
    assert_int_equal(sw_cli_parse_config_option("workers", "256", &c), 0);
    assert_int_equal(c.workers, 256);
    assert_int_equal(sw_cli_parse_config_option("workers", "257", &c), -1);
    assert_int_equal(sw_cli_parse_config_option("no-such-option", "1", &c), 1);
    assert_int_equal(SW_CFG_WORKERS_MAX, 256);
}

static void test_api_clamp(void **state)
{
    (void)state;
    sw_config cfg, *c = &cfg;
    sw_config_init(c);
    c->workers = 100000;
    c->max_flows = 4000000000u;
    c->timeout_syn = 0;             /* zero keeps its meaning: never */
    c->stream_memcap = 0;           /* ... the reassembler's default */
    c->history_packets = 1000;
    c->retain_seconds = 1000000;
    SW_CONFIG_TABLE(SW_CONFIG_CLAMP)
    assert_int_equal(c->workers, SW_CFG_WORKERS_MAX);
    assert_int_equal(c->max_flows, 100000000);
    assert_int_equal(c->timeout_syn, 0);
    assert_int_equal(c->stream_memcap, 0);
    assert_int_equal(c->history_packets, 64);
    assert_int_equal(c->retain_seconds, 86400);
    /* every default is left alone */
    sw_config d;
    sw_config_init(&d);
    c = &d;
    SW_CONFIG_TABLE(SW_CONFIG_CLAMP)
    sw_config e;
    sw_config_init(&e);
    assert_memory_equal(&d, &e, sizeof d);
    for (size_t i = 0; i < NROWS; i++) {
        sw_config x;
        sw_config_init(&x);
        field_set(&x, &rows[i], rows[i].max);
        c = &x;
        SW_CONFIG_TABLE(SW_CONFIG_CLAMP)
        assert_true(field_get(&x, &rows[i]) == rows[i].max);
    }
}

/* Zero passes the clamping and keeps its meaning: an engine with workers 0 runs on
 * the caller's thread. (A count above the cap is clamped by the same macro as
 * test_api_clamp checks; starting 256 threads here would only cost time.) */
static void test_api_workers_cap(void **state)
{
    (void)state;
    sw_config cfg;
    sw_config_init(&cfg);
    cfg.workers = 0;
    char err[256] = "";
    sw_engine *e = sw_engine_new(&cfg, err, sizeof err);
    if (!e)
        fail_msg("workers 0: %s", err);
    sw_engine_free(e);
}

/* docs/operations.md: each option's row gives the table's default and range. */
static void test_operations_md_agrees(void **state)
{
    (void)state;
    char *doc = slurp("docs/operations.md");
    int bad = 0;
    for (size_t i = 0; i < NROWS; i++) {
        const sw_config_row *r = &rows[i];
        if (!r->option)
            continue;
        char key[96];
        snprintf(key, sizeof key, "\n| `--%s ", r->option);
        const char *s = strstr(doc, key);
        if (!s) {
            fprintf(stderr, "docs/operations.md: no table row for --%s\n", r->option);
            bad++;
            continue;
        }
        s++;
        const char *e = strchr(s, '\n');
        char def[64], range[80], got[64];
        fmt_value(r, r->def, def, sizeof def);
        if (!says_default(s, e, def)) {
            fprintf(stderr, "docs/operations.md: --%s does not say 'default %s'\n", r->option, def);
            bad++;
        }
        int ranged = range_in(s, e, got, sizeof got);
        if (!ranged && r->max != (r->size == sizeof(uint64_t) ? UINT64_MAX : UINT32_MAX)) {
            fprintf(stderr, "docs/operations.md: --%s gives no range (%" PRIu64 "..%" PRIu64 ")\n",
                    r->option, r->min, r->max);
            bad++;
        }
        if (ranged) {
            char lo[32], hi[32];
            fmt_value(r, r->min, lo, sizeof lo);
            fmt_value(r, r->max, hi, sizeof hi);
            snprintf(range, sizeof range, "%s..%s", lo, hi);
            if (strcmp(got, range) != 0) {
                fprintf(stderr, "docs/operations.md: --%s says %s, the table %s\n", r->option, got, range);
                bad++;
            }
        }
    }
    free(doc);
    assert_int_equal(bad, 0);
}

/* A value as prose writes it: sizes in KiB / MiB. */
static void fmt_prose(const sw_config_row *r, uint64_t v, char *out, size_t n)
{
    if (r->kind == SW_CFG_SIZE && v && v % (1u << 20) == 0)
        snprintf(out, n, "%" PRIu64 " MiB", v >> 20);
    else if (r->kind == SW_CFG_SIZE && v && v % (1u << 10) == 0)
        snprintf(out, n, "%" PRIu64 " KiB", v >> 10);
    else
        snprintf(out, n, "%" PRIu64, v);
}

/* docs/security.md's table of limits: a row for one option gives its default first. */
static void test_security_md_agrees(void **state)
{
    (void)state;
    char *doc = slurp("docs/security.md");
    int bad = 0, seen = 0;
    for (size_t i = 0; i < NROWS; i++) {
        const sw_config_row *r = &rows[i];
        if (!r->option)
            continue;
        char key[96], def[64];
        snprintf(key, sizeof key, "(`--%s`) | ", r->option);
        const char *s = strstr(doc, key);
        if (!s)
            continue;
        seen++;
        s += strlen(key);
        fmt_prose(r, r->def, def, sizeof def);
        if (r->def == 0)        /* stream-depth: the table's meaning says 0 = unlimited */
            snprintf(def, sizeof def, "%s", strstr(r->doc, "0 = unlimited") ? "unlimited" : "0");
        size_t dl = strlen(def);
        if (strncmp(s, def, dl) != 0 || isalnum((unsigned char)s[dl])) {
            fprintf(stderr, "docs/security.md: --%s's default is '%.16s', the table %s\n", r->option, s, def);
            bad++;
        }
    }
    free(doc);
    assert_int_equal(bad, 0);
    assert_true(seen >= 4);
}

/* include/seqwatch.h's field comments give the table's defaults (sizes in KiB/MiB). */
static void test_header_agrees(void **state)
{
    (void)state;
    char *h = slurp("include/seqwatch.h");
    int bad = 0, seen = 0;
    for (size_t i = 0; i < NROWS; i++) {
        const sw_config_row *r = &rows[i];
        char key[96];
        snprintf(key, sizeof key, " %s;", r->field);
        const char *s = strstr(h, key);
        if (!s) {
            fprintf(stderr, "include/seqwatch.h: no field %s\n", r->field);
            bad++;
            continue;
        }
        const char *e = strchr(s, '\n');
        if (!strstr(s, "default") || strstr(s, "default") > e)
            continue;
        seen++;
        char def[64];
        fmt_prose(r, r->def, def, sizeof def);
        if (!says_default(s, e, def)) {
            fprintf(stderr, "include/seqwatch.h: %s does not say 'default %s'\n", r->field, def);
            bad++;
        }
    }
    free(h);
    assert_int_equal(bad, 0);
    assert_true(seen >= 12);
}

/* The help of the commands that take the options (and so the man page, generated
 * from it: tests/scripts/help_documented.sh) gives the table's defaults. */
static void check_help(const char *cmd, int *bad, int *seen)
{
    const char *prog = getenv("SW_PROGRAM");
    if (!prog)
        skip();
    char line[512];
    snprintf(line, sizeof line, "'%s' %s --help", prog, cmd);
    FILE *p = popen(line, "r");
    assert_non_null(p);
    char help[65536];
    size_t n = fread(help, 1, sizeof help - 1, p);
    help[n] = 0;
    assert_int_equal(pclose(p), 0);
    for (size_t i = 0; i < NROWS; i++) {
        const sw_config_row *r = &rows[i];
        if (!r->option)
            continue;
        char key[96];
        snprintf(key, sizeof key, "--%s ", r->option);
        const char *s = strstr(help, key);
        if (!s)
            continue;
        (*seen)++;
        /* the option's text: up to the next line that starts an option */
        const char *e = s + strlen(key);
        while ((e = strchr(e, '\n')) != NULL) {
            const char *q = e + 1;
            while (*q == ' ')
                q++;
            if (*q == '-' || *q == '\n' || !*q)
                break;
            e = q;
        }
        if (!e)
            e = help + n;
        char def[64];
        fmt_value(r, r->def, def, sizeof def);
        if (!says_default(s, e, def)) {
            fprintf(stderr, "seqwatch %s --help: --%s does not say 'default %s'\n", cmd, r->option, def);
            (*bad)++;
        }
        const char *am = strstr(s, "at most ");
        if (am && am < e && isdigit((unsigned char)am[8])) {
            char hi[32];
            fmt_value(r, r->max, hi, sizeof hi);
            if (strncmp(am + 8, hi, strlen(hi)) != 0 || isdigit((unsigned char)am[8 + strlen(hi)])) {
                fprintf(stderr, "seqwatch %s --help: --%s says 'at most %.12s', the table %s\n", cmd,
                        r->option, am + 8, hi);
                (*bad)++;
            }
        }
    }
}

static void test_help_agrees(void **state)
{
    (void)state;
    int bad = 0, seen = 0;
    check_help("run", &bad, &seen);
    check_help("streams", &bad, &seen);
    assert_int_equal(bad, 0);
    assert_true(seen >= 16);        /* 11 in run, 5 in streams */
}

/* ------------------------------------------------------------- tunables -- */

static uint32_t tun_get(const sw_tunables *t, const tun_row *r)
{
    uint32_t v;
    memcpy(&v, (const unsigned char *)t + r->offset, sizeof v);
    return v;
}

static void test_tunable_defaults(void **state)
{
    (void)state;
    const sw_tunables *d = sw_ruleset_tunables(NULL);
    for (size_t i = 0; i < NTUNS; i++)
        assert_int_equal(tun_get(d, &tuns[i]), tuns[i].def);
    assert_int_equal(sizeof(sw_tunables), NTUNS * sizeof(uint32_t));
    /* rules/default.rules writes some tunables out: with the table's values */
    char err[512] = "";
    sw_ruleset *rs = sw_ruleset_load_text("default.rules", sw_default_rules_text, NULL, err, sizeof err);
    if (!rs)
        fail_msg("%s", err);
    const sw_tunables *t = sw_ruleset_tunables(rs);
    for (size_t i = 0; i < NTUNS; i++)
        if (tun_get(t, &tuns[i]) != tuns[i].def)
            fail_msg("rules/default.rules sets %s:%u, the table's default is %u", tuns[i].name,
                     tun_get(t, &tuns[i]), tuns[i].def);
    sw_ruleset_free(rs);
}

static sw_ruleset *load_one(const tun_row *r, uint64_t v, char *err, size_t errlen)
{
    char text[512];
    snprintf(text, sizeof text, "alert tcp any any -> any any (event:%s; %s:%" PRIu64 "; sid:1;)\n",
             sw_event_def_get(r->event)->name, r->name, v);
    return sw_ruleset_load_text("t.rules", text, NULL, err, errlen);
}

static void test_tunable_ranges(void **state)
{
    (void)state;
    char err[512];
    for (size_t i = 0; i < NTUNS; i++) {
        const tun_row *r = &tuns[i];
        sw_ruleset *rs = load_one(r, r->min, err, sizeof err);
        if (!rs)
            fail_msg("%s:%u (the minimum): %s", r->name, r->min, err);
        assert_int_equal(tun_get(sw_ruleset_tunables(rs), r), r->min);
        sw_ruleset_free(rs);
        rs = load_one(r, r->max, err, sizeof err);
        if (!rs)
            fail_msg("%s:%u (the maximum): %s", r->name, r->max, err);
        assert_int_equal(tun_get(sw_ruleset_tunables(rs), r), r->max);
        sw_ruleset_free(rs);
        rs = load_one(r, (uint64_t)r->max + 1, err, sizeof err);
        if (rs)
            fail_msg("%s:%u (above the maximum) accepted", r->name, r->max + 1);
        char want[128];
        snprintf(want, sizeof want, "(%u..%u)", r->min, r->max);
        assert_non_null(strstr(err, want));
        if (r->min > 0) {
            rs = load_one(r, r->min - 1, err, sizeof err);
            if (rs)
                fail_msg("%s:%u (below the minimum) accepted", r->name, r->min - 1);
        }
        /* a checks value as the rule parser gives it is kept, a zero the range
         * excludes is the default */
        assert_int_equal(sw_tun_fix(r->min, r->def, r->min, r->max), r->min);
        assert_int_equal(sw_tun_fix(r->max, r->def, r->min, r->max), r->max);
        assert_int_equal(sw_tun_fix(0, r->def, r->min, r->max), r->min > 0 ? r->def : 0);
    }
}

/* docs/rules.md's table of tunables is the table. */
static void test_rules_md_agrees(void **state)
{
    (void)state;
    char *doc = slurp("docs/rules.md");
    int bad = 0;
    for (size_t i = 0; i < NTUNS; i++) {
        const tun_row *r = &tuns[i];
        char want[256];
        snprintf(want, sizeof want, "\n| `%s` | `%s` | %u..%u%s%s | %u |\n", r->name,
                 sw_event_def_get(r->event)->name, r->min, r->max, r->unit[0] ? " " : "", r->unit, r->def);
        if (!strstr(doc, want)) {
            fprintf(stderr, "docs/rules.md lacks the row:%s", want);
            bad++;
        }
    }
    /* and no other row in the table */
    const char *t = strstr(doc, "\n| option | event | range | default |\n");
    assert_non_null(t);
    int nrow = 0;
    for (const char *p = strchr(t + 1, '\n'); p && p[1] == '|'; p = strchr(p + 1, '\n'))
        nrow++;
    assert_int_equal(nrow, (int)NTUNS + 1);    /* + the |---| line */
    free(doc);
    assert_int_equal(bad, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_init_is_the_table),
        cmocka_unit_test(test_cli_follows_the_table),
        cmocka_unit_test(test_api_clamp),
        cmocka_unit_test(test_api_workers_cap),
        cmocka_unit_test(test_operations_md_agrees),
        cmocka_unit_test(test_help_agrees),
        cmocka_unit_test(test_header_agrees),
        cmocka_unit_test(test_security_md_agrees),
        cmocka_unit_test(test_tunable_defaults),
        cmocka_unit_test(test_tunable_ranges),
        cmocka_unit_test(test_rules_md_agrees),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
