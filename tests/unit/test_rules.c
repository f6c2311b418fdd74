/*
 * test_rules.c — the rule-file parser and the rule engine: every address, port,
 * direction and option construct, variables from the file and from the command line,
 * every error message with its line number, all-or-nothing loading, matching (pass
 * rules, first alert rule wins, flow direction, <>), every threshold type with exact
 * counts in packet time, the four tracking keys, matcher eviction, the rule hash, and
 * the shipped default.rules.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "rules/ruleset.h"
#include "rules/event.h"

extern const char sw_default_rules_text[];

/* ------------------------------------------------------------------ helpers -- */

static sw_ruleset *load(const char *text, const char *const *vars)
{
    char err[512] = "";
    sw_ruleset *rs = sw_ruleset_load_text("t.rules", text, vars, err, sizeof(err));
    if (!rs)
        fail_msg("load failed: %s\n--- text:\n%s", err, text);
    return rs;
}

static void set_ip(uint8_t *out, uint8_t *ver, const char *s)
{
    memset(out, 0, 16);
    if (strchr(s, ':')) {
        assert_int_equal(inet_pton(AF_INET6, s, out), 1);
        *ver = 6;
    } else {
        assert_int_equal(inet_pton(AF_INET, s, out), 1);
        *ver = 4;
    }
}

static sw_event mkev(sw_event_id id, const char *src, uint16_t sport, const char *dst,
                     uint16_t dport, int dir)
{
    sw_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.id = id;
    uint8_t v1, v2;
    set_ip(ev.src_ip, &v1, src);
    set_ip(ev.dst_ip, &v2, dst);
    assert_int_equal(v1, v2);
    ev.ip_version = v1;
    ev.sport = sport;
    ev.dport = dport;
    ev.dir = dir;
    ev.flow_id = 1;
    ev.ts_us = 1000000;
    return ev;
}

/* Verdict of `rule` (text) for an event. */
static sw_match_verdict verdict(sw_ruleset *rs, const sw_event *ev, sw_rule_match *m)
{
    sw_rule_match tmp;
    memset(&tmp, 0, sizeof(tmp));
    return sw_ruleset_match(rs, NULL, ev, m ? m : &tmp);
}

/* Does an address expression (used as src) match ip? */
static int addr_matches(const char *expr, const char *ip, const char *const *vars, const char *prefix)
{
    char text[2048];
    snprintf(text, sizeof(text), "%salert tcp %s any -> any any (event:desync; sid:1;)\n",
             prefix ? prefix : "", expr);
    sw_ruleset *rs = load(text, vars);
    const char *other = strchr(ip, ':') ? "::9" : "9.9.9.9";
    sw_event ev = mkev(SW_EV_DESYNC, ip, 1000, other, 80, 0);
    int r = verdict(rs, &ev, NULL) == SW_MATCH_ALERT;
    sw_ruleset_free(rs);
    return r;
}

static int port_matches(const char *expr, uint16_t port, const char *prefix)
{
    char text[2048];
    snprintf(text, sizeof(text), "%salert tcp any any -> any %s (event:desync; sid:1;)\n",
             prefix ? prefix : "", expr);
    sw_ruleset *rs = load(text, NULL);
    sw_event ev = mkev(SW_EV_DESYNC, "1.1.1.1", 40000, "2.2.2.2", port, 0);
    int r = verdict(rs, &ev, NULL) == SW_MATCH_ALERT;
    sw_ruleset_free(rs);
    return r;
}

/* ---------------------------------------------------------------- addresses -- */

static void test_addresses(void **state)
{
    (void)state;
    assert_true(addr_matches("any", "10.0.0.1", NULL, NULL));
    assert_true(addr_matches("any", "2001:db8::1", NULL, NULL));
    assert_true(addr_matches("10.1.2.3", "10.1.2.3", NULL, NULL));
    assert_false(addr_matches("10.1.2.3", "10.1.2.4", NULL, NULL));
    assert_true(addr_matches("10.0.0.0/8", "10.200.3.4", NULL, NULL));
    assert_false(addr_matches("10.0.0.0/8", "11.0.0.1", NULL, NULL));
    assert_false(addr_matches("10.0.0.0/8", "2001:db8::1", NULL, NULL));
    assert_true(addr_matches("10.1.2.3/8", "10.9.9.9", NULL, NULL));        /* host bits cleared */
    assert_true(addr_matches("192.168.1.128/25", "192.168.1.200", NULL, NULL));
    assert_false(addr_matches("192.168.1.128/25", "192.168.1.127", NULL, NULL));
    assert_true(addr_matches("0.0.0.0/0", "8.8.8.8", NULL, NULL));
    assert_false(addr_matches("0.0.0.0/0", "::1", NULL, NULL));
    /* IPv6 literal and CIDR */
    assert_true(addr_matches("::1", "::1", NULL, NULL));
    assert_false(addr_matches("::1", "::2", NULL, NULL));
    assert_true(addr_matches("2001:db8::/32", "2001:db8:ffff::5", NULL, NULL));
    assert_false(addr_matches("2001:db8::/32", "2001:db9::5", NULL, NULL));
    assert_false(addr_matches("2001:db8::/32", "10.0.0.1", NULL, NULL));
    assert_true(addr_matches("2001:db8:0:1::/63", "2001:db8:0:1:ffff::1", NULL, NULL));
    assert_false(addr_matches("2001:db8:0:2::/63", "2001:db8:0:1::1", NULL, NULL));
    assert_true(addr_matches("fe80::/10", "febf::1", NULL, NULL));
    assert_false(addr_matches("fe80::/10", "fec0::1", NULL, NULL));
    /* negation */
    assert_true(addr_matches("!10.0.0.0/8", "11.0.0.1", NULL, NULL));
    assert_false(addr_matches("!10.0.0.0/8", "10.0.0.1", NULL, NULL));
    assert_true(addr_matches("!10.0.0.0/8", "2001:db8::1", NULL, NULL));
    /* lists, with spaces, negated elements, nesting */
    assert_true(addr_matches("[10.0.0.0/8, 192.168.0.0/16]", "192.168.4.4", NULL, NULL));
    assert_false(addr_matches("[10.0.0.0/8,192.168.0.0/16]", "172.16.0.1", NULL, NULL));
    assert_true(addr_matches("[10.0.0.0/8,!10.1.0.0/16]", "10.2.0.1", NULL, NULL));
    assert_false(addr_matches("[10.0.0.0/8,!10.1.0.0/16]", "10.1.0.1", NULL, NULL));
    assert_false(addr_matches("[10.0.0.0/8,!10.1.0.0/16]", "11.0.0.1", NULL, NULL));
    assert_true(addr_matches("[!10.0.0.0/8]", "11.0.0.1", NULL, NULL));
    assert_false(addr_matches("[!10.0.0.0/8]", "10.0.0.1", NULL, NULL));
    assert_true(addr_matches("[[10.0.0.0/8, !10.1.0.0/16], 192.168.1.1]", "192.168.1.1", NULL, NULL));
    assert_true(addr_matches("[[10.0.0.0/8, !10.1.0.0/16], 192.168.1.1]", "10.2.0.1", NULL, NULL));
    assert_false(addr_matches("[[10.0.0.0/8, !10.1.0.0/16], 192.168.1.1]", "10.1.0.1", NULL, NULL));
    assert_true(addr_matches("![10.0.0.0/8, 192.168.0.0/16]", "172.16.0.1", NULL, NULL));
    assert_false(addr_matches("![10.0.0.0/8, 192.168.0.0/16]", "10.0.0.1", NULL, NULL));
    assert_true(addr_matches("[2001:db8::/32, 10.0.0.0/8]", "2001:db8::7", NULL, NULL));
    assert_true(addr_matches("[any, !10.0.0.1]", "10.0.0.2", NULL, NULL));
    assert_false(addr_matches("[any, !10.0.0.1]", "10.0.0.1", NULL, NULL));
}

static void test_variables(void **state)
{
    (void)state;
    /* from the file */
    assert_true(addr_matches("$HOME_NET", "10.0.0.1", NULL, "var HOME_NET 10.0.0.0/8\n"));
    assert_false(addr_matches("$HOME_NET", "11.0.0.1", NULL, "var HOME_NET 10.0.0.0/8\n"));
    assert_true(addr_matches("$H", "192.168.1.1", NULL, "ipvar H [10.0.0.0/8, 192.168.0.0/16]\n"));
    /* negated variable, variable in a list, variable made of variables */
    assert_true(addr_matches("!$HOME_NET", "11.0.0.1", NULL, "var HOME_NET 10.0.0.0/8\n"));
    assert_false(addr_matches("!$HOME_NET", "10.0.0.1", NULL, "var HOME_NET 10.0.0.0/8\n"));
    assert_true(addr_matches("[$A, 172.16.0.0/12]", "172.16.1.1", NULL, "var A 10.0.0.0/8\n"));
    assert_true(addr_matches("$B", "10.0.0.1", NULL, "var A 10.0.0.0/8\nvar B [$A, 192.168.0.0/16]\n"));
    assert_true(addr_matches("$EXT", "8.8.8.8", NULL,
                             "var HOME_NET 10.0.0.0/8\nvar EXT !$HOME_NET\n"));
    assert_false(addr_matches("$EXT", "10.8.8.8", NULL,
                              "var HOME_NET 10.0.0.0/8\nvar EXT !$HOME_NET\n"));
    /* from the command line, which wins over the file's var line */
    const char *vars[] = { "HOME_NET=192.168.0.0/16", NULL };
    assert_true(addr_matches("$HOME_NET", "192.168.3.3", vars, "var HOME_NET 10.0.0.0/8\n"));
    assert_false(addr_matches("$HOME_NET", "10.0.0.1", vars, "var HOME_NET 10.0.0.0/8\n"));
    assert_true(addr_matches("$HOME_NET", "192.168.3.3", vars, NULL));
    const char *vars2[] = { "$NETS=[10.0.0.0/8, 2001:db8::/32]", NULL };
    assert_true(addr_matches("$NETS", "2001:db8::1", vars2, NULL));
    /* port variables */
    assert_true(port_matches("$WEB", 443, "portvar WEB [80,443]\n"));
    assert_false(port_matches("$WEB", 22, "portvar WEB [80,443]\n"));
    assert_true(port_matches("$P", 8080, "var P 8000:8100\n"));
    assert_true(port_matches("!$WEB", 22, "portvar WEB [80,443]\n"));
}

static void test_ports(void **state)
{
    (void)state;
    assert_true(port_matches("any", 1, NULL));
    assert_true(port_matches("80", 80, NULL));
    assert_false(port_matches("80", 81, NULL));
    assert_true(port_matches("0", 0, NULL));
    assert_true(port_matches("65535", 65535, NULL));
    assert_true(port_matches("1024:", 1024, NULL));
    assert_true(port_matches("1024:", 65535, NULL));
    assert_false(port_matches("1024:", 1023, NULL));
    assert_true(port_matches(":1023", 0, NULL));
    assert_true(port_matches(":1023", 1023, NULL));
    assert_false(port_matches(":1023", 1024, NULL));
    assert_true(port_matches("80:90", 85, NULL));
    assert_false(port_matches("80:90", 91, NULL));
    assert_true(port_matches("[80,443]", 443, NULL));
    assert_false(port_matches("[80,443]", 444, NULL));
    assert_true(port_matches("!80", 81, NULL));
    assert_false(port_matches("!80", 80, NULL));
    assert_true(port_matches("[1:100,!50]", 49, NULL));
    assert_false(port_matches("[1:100,!50]", 50, NULL));
    assert_true(port_matches("[80, [443, 8443]]", 8443, NULL));
    assert_true(port_matches("![80, 443]", 22, NULL));
    assert_false(port_matches("![80, 443]", 443, NULL));
}

static void test_directions_and_flow(void **state)
{
    (void)state;
    sw_ruleset *rs = load(
        "alert tcp 1.1.1.1 any -> 2.2.2.2 80 (event:desync; sid:1;)\n"
        "alert tcp 3.3.3.3 any <> 4.4.4.4 80 (event:ack_storm; sid:2;)\n", NULL);
    sw_event a = mkev(SW_EV_DESYNC, "1.1.1.1", 5000, "2.2.2.2", 80, 0);
    sw_event b = mkev(SW_EV_DESYNC, "2.2.2.2", 80, "1.1.1.1", 5000, 1);
    assert_int_equal(verdict(rs, &a, NULL), SW_MATCH_ALERT);
    assert_int_equal(verdict(rs, &b, NULL), SW_MATCH_NONE);
    sw_event c = mkev(SW_EV_ACK_STORM, "3.3.3.3", 5000, "4.4.4.4", 80, 0);
    sw_event d = mkev(SW_EV_ACK_STORM, "4.4.4.4", 80, "3.3.3.3", 5000, 1);
    sw_event e = mkev(SW_EV_ACK_STORM, "4.4.4.4", 5000, "3.3.3.3", 80, 1);   /* ports swapped */
    assert_int_equal(verdict(rs, &c, NULL), SW_MATCH_ALERT);
    assert_int_equal(verdict(rs, &d, NULL), SW_MATCH_ALERT);
    assert_int_equal(verdict(rs, &e, NULL), SW_MATCH_NONE);
    sw_ruleset_free(rs);

    rs = load("alert tcp any any -> any any (event:desync; flow:to_server; sid:1;)\n"
              "alert tcp any any -> any any (event:ack_storm; flow:to_client; sid:2;)\n"
              "alert tcp any any -> any any (event:blind_spray; flow:established,from_client; sid:3;)\n"
              "alert tcp any any -> any any (event:fin_injection; flow: from_server ; sid:4;)\n"
              "alert tcp any any -> any any (event:mac_change; flow:stateless; sid:5;)\n", NULL);
    struct { sw_event_id id; int dir; sw_match_verdict v; } cases[] = {
        { SW_EV_DESYNC, 0, SW_MATCH_ALERT }, { SW_EV_DESYNC, 1, SW_MATCH_NONE },
        { SW_EV_ACK_STORM, 0, SW_MATCH_NONE }, { SW_EV_ACK_STORM, 1, SW_MATCH_ALERT },
        { SW_EV_BLIND_SPRAY, 0, SW_MATCH_ALERT }, { SW_EV_BLIND_SPRAY, 1, SW_MATCH_NONE },
        { SW_EV_FIN_INJECTION, 0, SW_MATCH_NONE }, { SW_EV_FIN_INJECTION, 1, SW_MATCH_ALERT },
        { SW_EV_MAC_CHANGE, 0, SW_MATCH_ALERT }, { SW_EV_MAC_CHANGE, 1, SW_MATCH_ALERT },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        sw_event ev = mkev(cases[i].id, "1.1.1.1", 1, "2.2.2.2", 2, cases[i].dir);
        assert_int_equal(verdict(rs, &ev, NULL), cases[i].v);
    }
    sw_ruleset_free(rs);

    /* proto ip / any are accepted like tcp */
    rs = load("alert ip any any -> any any (event:desync; sid:1;)\n"
              "alert any any any -> any any (event:ack_storm; sid:2;)\n", NULL);
    assert_int_equal(sw_ruleset_count(rs), 2);
    sw_ruleset_free(rs);
}

static void test_options(void **state)
{
    (void)state;
    sw_ruleset *rs = load(
        "alert tcp any any -> any any (msg:\"quote \\\" semi \\; back \\\\ (paren)\"; event:overlap_mismatch; "
        "sid:42; rev:7; gid:3; classtype:attempted-admin; priority:4; "
        "metadata:created_at 2024_01_01, tag x; metadata: policy balanced;)\n"
        "alert tcp any any -> any any (event:desync; sid:43)\n", NULL);
    sw_rule_match m;
    sw_event ev = mkev(SW_EV_OVERLAP_MISMATCH, "1.1.1.1", 1, "2.2.2.2", 2, 0);
    assert_int_equal(verdict(rs, &ev, &m), SW_MATCH_ALERT);
    assert_int_equal(m.sid, 42);
    assert_int_equal(m.rev, 7);
    assert_int_equal(m.gid, 3);
    assert_int_equal(m.priority, 4);
    assert_string_equal(m.msg, "quote \" semi ; back \\ (paren)");
    assert_string_equal(m.classtype, "attempted-admin");
    assert_string_equal(m.metadata, "created_at 2024_01_01, tag x, policy balanced");
    /* defaults: gid 1, rev 1, catalogue severity, classtype and description */
    ev.id = SW_EV_DESYNC;
    assert_int_equal(verdict(rs, &ev, &m), SW_MATCH_ALERT);
    const sw_event_def *d = sw_event_def_get(SW_EV_DESYNC);
    assert_int_equal(m.sid, 43);
    assert_int_equal(m.gid, 1);
    assert_int_equal(m.rev, 1);
    assert_int_equal(m.priority, d->severity);
    assert_string_equal(m.classtype, d->classtype);
    assert_string_equal(m.msg, d->description);
    assert_null(m.metadata);

    sw_rule_info info;
    assert_int_equal(sw_ruleset_rule_info(rs, 0, &info), 0);
    assert_int_equal(info.sid, 42);
    assert_string_equal(info.event, "overlap_mismatch");
    assert_int_equal(info.line, 1);
    assert_int_equal(info.pass, 0);
    assert_int_equal(sw_ruleset_rule_info(rs, 1, &info), 0);
    assert_int_equal(info.line, 2);
    assert_int_equal(sw_ruleset_rule_info(rs, 2, &info), -1);
    sw_ruleset_free(rs);
}

static void test_tunables(void **state)
{
    (void)state;
    sw_ruleset *rs = load("alert tcp any any -> any any (event:desync; sid:1;)\n", NULL);
    const sw_tunables *t = sw_ruleset_tunables(rs);
    assert_int_equal(t->ttl_delta, 5);
    assert_int_equal(t->ack_storm_count, 20);
    assert_int_equal(t->ack_storm_ms, 1000);
    assert_int_equal(t->spray_count, 10);
    assert_int_equal(t->spray_ms, 2000);
    assert_int_equal(t->desync_count, 3);
    assert_int_equal(t->tsval_jump_seconds, 600);
    assert_int_equal(t->isn_min_conns, 5);
    assert_memory_equal(t, sw_ruleset_tunables(NULL), sizeof(*t));   /* NULL: the defaults */
    sw_ruleset_free(rs);

    rs = load("alert tcp any any -> any any (event:ttl_anomaly; ttl_delta:12; sid:1;)\n"
              "alert tcp any any -> any any (event:ack_storm; ack_storm_count:7; ack_storm_ms:250; sid:2;)\n"
              "alert tcp any any -> any any (event:blind_spray; spray_count:30; spray_ms:5000; sid:3;)\n"
              "alert tcp any any -> any any (event:desync; desync_count:9; sid:4;)\n"
              "alert tcp any any -> any any (event:tsval_regression; tsval_jump_seconds:60; sid:5;)\n"
              "alert tcp any any -> any any (event:isn_predictable; isn_min_conns:11; sid:6;)\n"
              "alert tcp 10.0.0.0/8 any -> any any (event:ttl_anomaly; ttl_delta:12; sid:7;)\n", NULL);
    t = sw_ruleset_tunables(rs);
    assert_int_equal(t->ttl_delta, 12);
    assert_int_equal(t->ack_storm_count, 7);
    assert_int_equal(t->ack_storm_ms, 250);
    assert_int_equal(t->spray_count, 30);
    assert_int_equal(t->spray_ms, 5000);
    assert_int_equal(t->desync_count, 9);
    assert_int_equal(t->tsval_jump_seconds, 60);
    assert_int_equal(t->isn_min_conns, 11);
    sw_ruleset_free(rs);
}

static void test_lines_comments_continuations(void **state)
{
    (void)state;
    sw_ruleset *rs = load(
        "# a comment\r\n"
        "\r\n"
        "   # indented comment\n"
        "#alert tcp any any -> any any (event:desync; sid:1;)\n"
        "alert tcp any any -> any any (msg:\"two \\\n"
        "  lines\"; event:desync; \\\n"
        "  sid:2;)\r\n"
        "#alert tcp any any -> any any (event:desync; \\\n"
        "   sid:2;)\n"
        "pass tcp 10.0.0.1 any -> any any (event:desync; sid:3;)", NULL);
    assert_int_equal(sw_ruleset_count(rs), 2);
    sw_rule_info info;
    assert_int_equal(sw_ruleset_rule_info(rs, 0, &info), 0);
    assert_int_equal(info.sid, 2);
    assert_int_equal(info.line, 5);
    assert_string_equal(info.msg, "two   lines");
    assert_int_equal(sw_ruleset_rule_info(rs, 1, &info), 0);
    assert_int_equal(info.sid, 3);
    assert_int_equal(info.pass, 1);
    assert_int_equal(info.line, 10);
    sw_ruleset_free(rs);

    /* an empty file and a comments-only file are valid, with 0 rules */
    rs = load("", NULL);
    assert_int_equal(sw_ruleset_count(rs), 0);
    sw_ruleset_free(rs);
}

/* ------------------------------------------------------------------- errors -- */

typedef struct err_case {
    const char *text;
    const char *var;          /* one command-line variable, or NULL */
    const char *expect;       /* the whole error message */
} err_case;

#define R(opts) "alert tcp any any -> any any (" opts ")\n"
#define OK1 R("event:desync; sid:1;")

static const err_case err_cases[] = {
    { R("sid:1;"), NULL, "t.rules:1: missing event option" },
    { R("event:desync;"), NULL, "t.rules:1: missing sid option" },
    { OK1 "\n" R("event:desync; sid:1;"), NULL, "t.rules:3: duplicate sid 1 (first used at line 1)" },
    { R("event:nosuch; sid:1;"), NULL, "t.rules:1: unknown event 'nosuch' (see `seqwatch events`)" },
    { R("event:desync; sid:1; content:\"x\";"), NULL, "t.rules:1: unknown option 'content'" },
    { R("event:desync; sid:1; sid:2;"), NULL, "t.rules:1: duplicate option 'sid'" },
    { R("event:desync; sid:0;"), NULL, "t.rules:1: bad sid '0' (1..4294967295)" },
    { R("event:desync; sid:4294967296;"), NULL, "t.rules:1: bad sid '4294967296' (1..4294967295)" },
    { R("event:desync; sid:-1;"), NULL, "t.rules:1: bad sid '-1' (1..4294967295)" },
    { R("event:desync; sid:1; rev:x;"), NULL, "t.rules:1: bad rev 'x' (0..4294967295)" },
    { R("event:desync; sid:1; gid:0;"), NULL, "t.rules:1: bad gid '0' (1..4294967295)" },
    { R("event:desync; sid:1; priority:0;"), NULL, "t.rules:1: bad priority '0' (1..255)" },
    { R("event:desync; sid:1; classtype:bad type;"), NULL,
      "t.rules:1: bad classtype 'bad type' (letters, digits, '-', '_', '.')" },
    { R("event:desync; sid;"), NULL, "t.rules:1: option 'sid' needs a value ('sid: value;')" },
    { R("event:desync; sid:1; msg:\"open;"), NULL, "t.rules:1: unterminated quoted string in option 'msg'" },
    { R("event:desync; sid:1; msg:\"a\\x\";"), NULL,
      "t.rules:1: bad escape '\\x' in option 'msg' (only \\\", \\; and \\\\)" },
    { R("event:desync; sid:1; msg:\"a\" b;"), NULL,
      "t.rules:1: expected ';' after the quoted value of option 'msg'" },
    { "alert tcp any any -> any any (event:desync; sid:1;\n", NULL, "t.rules:1: missing ')' at end of rule" },
    { "alert tcp any any -> any any (event:desync; sid:1;) x\n", NULL, "t.rules:1: unexpected text after ')'" },
    { "alert tcp any any -> any any\n", NULL, "t.rules:1: missing '(' options" },
    { "alert tcp any any -> any any x (sid:1;)\n", NULL, "t.rules:1: unexpected 'x' after the rule header" },
    { "alert tcp any any -> any (sid:1;)\n", NULL,
      "t.rules:1: incomplete rule header (expected: action proto src sport -> dst dport (options))" },
    { "alert udp any any -> any any (event:desync; sid:1;)\n", NULL,
      "t.rules:1: unsupported protocol 'udp' (tcp, ip or any)" },
    { "alert tcp any any <- any any (event:desync; sid:1;)\n", NULL,
      "t.rules:1: bad direction '<-' (-> or <>)" },
    { "drop tcp any any -> any any (event:desync; sid:1;)\n", NULL,
      "t.rules:1: unsupported action 'drop' (seqwatch is passive: alert or pass)" },
    { "hello world\n", NULL,
      "t.rules:1: unknown keyword 'hello' (expected alert, pass, var, ipvar or portvar)" },
    /* addresses */
    { "alert tcp 10.0.0.256 any -> any any (event:desync; sid:1;)\n", NULL, "t.rules:1: bad address '10.0.0.256'" },
    { "alert tcp 10.0.0.0/33 any -> any any (event:desync; sid:1;)\n", NULL,
      "t.rules:1: bad prefix length in '10.0.0.0/33' (0..32)" },
    { "alert tcp 2001:db8::/129 any -> any any (event:desync; sid:1;)\n", NULL,
      "t.rules:1: bad prefix length in '2001:db8::/129' (0..128)" },
    { "alert tcp 2001:db8:::1 any -> any any (event:desync; sid:1;)\n", NULL, "t.rules:1: bad address '2001:db8:::1'" },
    { "alert tcp [10.0.0.1 any -> any any (event:desync; sid:1;)\n", NULL, "t.rules:1: unbalanced '[' in rule header" },
    { "alert tcp 10.0.0.1] any -> any any (event:desync; sid:1;)\n", NULL, "t.rules:1: unbalanced ']' in rule header" },
    { "alert tcp [] any -> any any (event:desync; sid:1;)\n", NULL, "t.rules:1: empty address list" },
    { "alert tcp [1.1.1.1,] any -> any any (event:desync; sid:1;)\n", NULL, "t.rules:1: unexpected ']' in address" },
    { "alert tcp [1.1.1.1 2.2.2.2] any -> any any (event:desync; sid:1;)\n", NULL,
      "t.rules:1: expected ',' or ']' in address list, found '2'" },
    { "alert tcp !any any -> any any (event:desync; sid:1;)\n", NULL, "t.rules:1: '!any' matches nothing" },
    { "alert tcp [[[[[[[[[1.1.1.1]]]]]]]]] any -> any any (event:desync; sid:1;)\n", NULL,
      "t.rules:1: lists and variables nested too deep (max 8 levels)" },
    { "alert tcp $DMZ any -> any any (event:desync; sid:1;)\n", NULL, "t.rules:1: undefined variable $DMZ" },
    { "alert tcp $ any -> any any (event:desync; sid:1;)\n", NULL, "t.rules:1: '$' without a variable name" },
    { "portvar P 80\nalert tcp $P any -> any any (event:desync; sid:1;)\n", NULL,
      "t.rules:2: $P is a port variable, used as an address" },
    { "ipvar N 10.0.0.0/8\nalert tcp any $N -> any any (event:desync; sid:1;)\n", NULL,
      "t.rules:2: $N is an address variable, used as a port" },
    { "var N [10.0.0.0/8, 1.1.1.1x]\n", NULL,
      "t.rules:1: var N is neither an address (bad address '1.1.1.1x') nor a port (bad port '10.0.0.0/8' (0..65535, N:M, any))" },
    { "ipvar N 80:90\n", NULL, "t.rules:1: ipvar N: bad address '80:90'" },
    { "portvar P 10.0.0.1\n", NULL, "t.rules:1: portvar P: bad port '10.0.0.1' (0..65535, N:M, any)" },
    { "var N 10.0.0.0/8\n\nvar N 10.0.0.0/16\n", NULL, "t.rules:3: variable N already defined at line 1" },
    { "var 1N 10.0.0.0/8\n", NULL, "t.rules:1: bad variable name '1N'" },
    { "var $N 10.0.0.0/8\n", NULL, "t.rules:1: write the variable name without '$' in its definition" },
    { "var N\n", NULL, "t.rules:1: var needs a name and a value" },
    { "var A $B\n", NULL, "t.rules:1: var A is neither an address (undefined variable $B) nor a port (undefined variable $B)" },
    { "var A [1.1.1.1, $B]\n", "B=2.2.2.x", "--var B=2.2.2.x: neither an address (bad address '2.2.2.x') nor a port (bad port '2.2.2.x' (0..65535, N:M, any))" },
    { OK1, "HOME_NET", "--var HOME_NET: expected NAME=VALUE" },
    { OK1, "HOME NET=1.1.1.1", "--var HOME NET=1.1.1.1: bad variable name 'HOME NET'" },
    { OK1, "X=", "--var X=: variable X has no value" },
    /* ports */
    { "alert tcp any 65536 -> any any (event:desync; sid:1;)\n", NULL,
      "t.rules:1: bad port '65536' (0..65535, N:M, any)" },
    { "alert tcp any 90:80 -> any any (event:desync; sid:1;)\n", NULL,
      "t.rules:1: bad port range '90:80' (start above end)" },
    { "alert tcp any : -> any any (event:desync; sid:1;)\n", NULL, "t.rules:1: bad port range ':'" },
    { "alert tcp any 1:2:3 -> any any (event:desync; sid:1;)\n", NULL, "t.rules:1: bad port range '1:2:3'" },
    { "alert tcp any [80,[443] -> any any (event:desync; sid:1;)\n", NULL, "t.rules:1: unbalanced '[' in rule header" },
    { "alert tcp any any -> any $WEB (event:desync; sid:1;)\n", NULL, "t.rules:1: undefined variable $WEB" },
    /* flow */
    { R("event:desync; sid:1; flow:to_server,to_client;"), NULL, "t.rules:1: flow: conflicting directions" },
    { R("event:desync; sid:1; flow:only_stream;"), NULL,
      "t.rules:1: flow: unsupported keyword 'only_stream' (to_server, to_client, from_client, from_server, established, stateless)" },
    { R("event:desync; sid:1; flow:to_server,,;"), NULL, "t.rules:1: flow: empty element" },
    /* threshold */
    { R("event:desync; sid:1; threshold: track by_src, count 1, seconds 10;"), NULL, "t.rules:1: threshold: missing type" },
    { R("event:desync; sid:1; threshold: type limit, count 1, seconds 10;"), NULL, "t.rules:1: threshold: missing track" },
    { R("event:desync; sid:1; threshold: type limit, track by_src, seconds 10;"), NULL, "t.rules:1: threshold: missing count" },
    { R("event:desync; sid:1; threshold: type limit, track by_src, count 1;"), NULL, "t.rules:1: threshold: missing seconds" },
    { R("event:desync; sid:1; threshold: type sometimes, track by_src, count 1, seconds 1;"), NULL,
      "t.rules:1: threshold: bad type 'sometimes' (limit, threshold, both, backoff)" },
    { R("event:desync; sid:1; threshold: type limit, track by_either, count 1, seconds 1;"), NULL,
      "t.rules:1: threshold: bad track 'by_either' (by_src, by_dst, by_both, by_flow, by_rule)" },
    { R("event:desync; sid:1; threshold: type limit, track by_src, count 0, seconds 1;"), NULL,
      "t.rules:1: threshold: bad count '0' (1..4294967295)" },
    { R("event:desync; sid:1; threshold: type limit, track by_src, count 1, seconds 0;"), NULL,
      "t.rules:1: threshold: bad seconds '0' (1..31536000)" },
    { R("event:desync; sid:1; threshold: type limit, track by_src, count 1, seconds 1, count 2;"), NULL,
      "t.rules:1: threshold: 'count' given twice" },
    { R("event:desync; sid:1; threshold: type limit, track by_src, count 1, seconds 1, burst 2;"), NULL,
      "t.rules:1: threshold: unknown key 'burst' (type, track, count, seconds, multiplier)" },
    { R("event:desync; sid:1; threshold: type limit, track by_src, count 1 2, seconds 1;"), NULL,
      "t.rules:1: threshold: expected 'key value', found 'count 1 2'" },
    { R("event:desync; sid:1; threshold: type limit, track by_src, count, seconds 1;"), NULL,
      "t.rules:1: threshold: 'count' needs a value" },
    { R("event:desync; sid:1; threshold: type backoff, track by_flow, count 1;"), NULL,
      "t.rules:1: threshold: backoff needs a multiplier" },
    { R("event:desync; sid:1; threshold: type backoff, track by_flow, count 1, seconds 5, multiplier 10;"), NULL,
      "t.rules:1: threshold: backoff takes multiplier, not seconds" },
    { R("event:desync; sid:1; threshold: type limit, track by_flow, count 1, seconds 5, multiplier 10;"), NULL,
      "t.rules:1: threshold: multiplier is only for type backoff" },
    { R("event:desync; sid:1; threshold: type backoff, track by_flow, count 1, multiplier 1;"), NULL,
      "t.rules:1: threshold: bad multiplier '1' (2..1000000)" },
    { "pass tcp any any -> any any (event:desync; sid:1; threshold: type limit, track by_src, count 1, seconds 1;)\n",
      NULL, "t.rules:1: threshold has no meaning on a pass rule" },
    /* tunables */
    { R("event:desync; sid:1; ttl_delta:3;"), NULL, "t.rules:1: option ttl_delta applies only to rules for event ttl_anomaly" },
    { R("event:ttl_anomaly; sid:1; ttl_delta:256;"), NULL, "t.rules:1: bad ttl_delta '256' (0..255)" },
    { R("event:ack_storm; sid:1; ack_storm_count:1;"), NULL, "t.rules:1: bad ack_storm_count '1' (2..1000000)" },
    { R("event:ttl_anomaly; sid:1; ttl_delta:3;") R("event:ttl_anomaly; sid:2; ttl_delta:4;"), NULL,
      "t.rules:2: ttl_delta 4 conflicts with 3 set at line 1" },
    /* line numbers after continuations and blank lines */
    { "# c\n\nalert tcp any any -> any any (event:desync; \\\n sid:1; \\\n)\n"
      "alert tcp any any -> any any (event:desync; sid:1;)\n", NULL,
      "t.rules:6: duplicate sid 1 (first used at line 3)" },
    { "alert tcp any any -> any any (event:desync; \\\n sid:1; \\\n bogus:1;)\n", NULL,
      "t.rules:1: unknown option 'bogus'" },
};

static void test_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(err_cases) / sizeof(err_cases[0]); i++) {
        const err_case *c = &err_cases[i];
        const char *vars[] = { c->var, NULL };
        char err[1024];
        memset(err, 'z', sizeof(err));
        sw_ruleset *rs = sw_ruleset_load_text("t.rules", c->text, c->var ? vars : NULL, err, sizeof(err));
        if (rs || strcmp(err, c->expect) != 0) {
            sw_ruleset_free(rs);
            fail_msg("case %zu: text:\n%s\nexpected: %s\ngot:      %s", i, c->text, c->expect,
                     rs ? "(loaded)" : err);
        }
    }
}

static void test_caps(void **state)
{
    (void)state;
    char err[512];
    /* list with more than 1024 elements */
    size_t cap = 1025 * 12 + 256;
    char *t = malloc(cap);
    assert_non_null(t);
    size_t n = (size_t)snprintf(t, cap, "alert tcp any [");
    for (int i = 0; i < 1025; i++)
        n += (size_t)snprintf(t + n, cap - n, "%s%d", i ? "," : "", i);
    snprintf(t + n, cap - n, "] -> any any (event:desync; sid:1;)\n");
    assert_null(sw_ruleset_load_text("t.rules", t, NULL, err, sizeof(err)));
    assert_string_equal(err, "t.rules:1: port list has more than 1024 elements");
    free(t);

    /* variables multiplying into more than 4096 entries */
    const char *boom =
        "var A [1.1.1.1,1.1.1.2,1.1.1.3,1.1.1.4,1.1.1.5,1.1.1.6,1.1.1.7,1.1.1.8]\n"
        "var B [$A,$A,$A,$A,$A,$A,$A,$A]\n"
        "var C [$B,$B,$B,$B,$B,$B,$B,$B]\n"
        "var D [$C,$C,$C,$C,$C,$C,$C,$C]\n";
    assert_null(sw_ruleset_load_text("t.rules", boom, NULL, err, sizeof(err)));
    assert_string_equal(err, "t.rules:4: var D is neither an address (address list too large "
                             "(max 4096 entries after variable expansion) (in $C)) nor a port "
                             "($C is an address variable, used as a port)");

    /* a logical line longer than 65536 bytes */
    size_t big = 70000;
    t = malloc(big + 128);
    assert_non_null(t);
    strcpy(t, "# x\nalert tcp any any -> any any (msg:\"");
    n = strlen(t);
    memset(t + n, 'a', big);
    strcpy(t + n + big, "\"; event:desync; sid:1;)\n");
    assert_null(sw_ruleset_load_text("t.rules", t, NULL, err, sizeof(err)));
    assert_string_equal(err, "t.rules:2: line too long (max 65536 bytes)");
    free(t);
}

static void test_nothing_half_loaded(void **state)
{
    (void)state;
    char err[512];
    /* two good rules then a bad one: nothing comes back (ASan checks nothing leaks) */
    const char *text = "var HOME_NET 10.0.0.0/8\n"
                       "alert tcp $HOME_NET any -> any any (event:desync; sid:1; metadata:x;)\n"
                       "pass tcp any any -> any any (event:desync; sid:2;)\n"
                       "alert tcp any any -> any any (event:desync; sid:3; ttl_delta:1;)\n";
    assert_null(sw_ruleset_load_text("t.rules", text, NULL, err, sizeof(err)));
    assert_string_equal(err, "t.rules:4: option ttl_delta applies only to rules for event ttl_anomaly");
    /* and the error buffer may be absent */
    assert_null(sw_ruleset_load_text("t.rules", text, NULL, NULL, 0));
    /* a file that does not exist */
    assert_null(sw_ruleset_load_file("/nonexistent/x.rules", NULL, err, sizeof(err)));
    assert_string_equal(err, "/nonexistent/x.rules: No such file or directory");
}

static void test_load_file_and_hash(void **state)
{
    (void)state;
    char path[] = "/tmp/sw_test_rules_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("# comment only\n", f);
    fclose(f);
    char err[512];
    sw_ruleset *rs = sw_ruleset_load_file(path, NULL, err, sizeof(err));
    assert_non_null(rs);
    assert_int_equal(sw_ruleset_count(rs), 0);
    /* sha256("# comment only\n") */
    assert_string_equal(sw_ruleset_hash(rs), "4dfc37c193f6bee408d704ac314050ac915d78691005c06c92c2e7485601137e");
    sw_ruleset_free(rs);
    rs = load("", NULL);
    assert_string_equal(sw_ruleset_hash(rs), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    sw_ruleset_free(rs);

    /* a NUL byte inside a file is reported with its line */
    f = fopen(path, "wb");
    fwrite("# a\n# b\0\n", 1, 9, f);
    fclose(f);
    assert_null(sw_ruleset_load_file(path, NULL, err, sizeof(err)));
    char expect[600];
    snprintf(expect, sizeof(expect), "%s:2: NUL byte in rule file", path);
    assert_string_equal(err, expect);

    f = fopen(path, "w");
    fputs("alert tcp any any -> any any (event:desync; sid:1;)\nalert tcp any any -> any any (sid:2;)\n", f);
    fclose(f);
    assert_null(sw_ruleset_load_file(path, NULL, err, sizeof(err)));
    snprintf(expect, sizeof(expect), "%s:2: missing event option", path);
    assert_string_equal(err, expect);
    unlink(path);
}

/* ----------------------------------------------------------------- matching -- */

static void test_pass_and_first_match(void **state)
{
    (void)state;
    sw_ruleset *rs = load(
        "alert tcp 10.0.0.0/8 any -> any any (event:desync; sid:10;)\n"
        "alert tcp any any -> any any (event:desync; sid:11;)\n"
        "pass tcp 10.9.9.9 any <> any any (event:desync; sid:12;)\n"
        "alert tcp any any -> any any (event:ack_storm; sid:13;)\n"
        "alert tcp any any -> any any (event:challenge_ack; sid:14;)\n", NULL);
    sw_rule_match m;
    sw_event ev = mkev(SW_EV_DESYNC, "10.1.1.1", 1, "2.2.2.2", 2, 0);
    assert_int_equal(verdict(rs, &ev, &m), SW_MATCH_ALERT);
    assert_int_equal(m.sid, 10);                  /* first matching alert rule */
    ev = mkev(SW_EV_DESYNC, "11.1.1.1", 1, "2.2.2.2", 2, 0);
    assert_int_equal(verdict(rs, &ev, &m), SW_MATCH_ALERT);
    assert_int_equal(m.sid, 11);                  /* the first did not match */
    ev = mkev(SW_EV_DESYNC, "10.9.9.9", 1, "2.2.2.2", 2, 0);
    assert_int_equal(verdict(rs, &ev, &m), SW_MATCH_PASS);   /* pass wins though written later */
    assert_int_equal(m.sid, 12);
    ev = mkev(SW_EV_DESYNC, "2.2.2.2", 2, "10.9.9.9", 1, 1);
    assert_int_equal(verdict(rs, &ev, &m), SW_MATCH_PASS);   /* <> */
    /* no rule for the event */
    ev = mkev(SW_EV_RST_INJECTION, "1.1.1.1", 1, "2.2.2.2", 2, 0);
    assert_int_equal(verdict(rs, &ev, &m), SW_MATCH_NONE);
    /* informational events never alert, even with a rule */
    ev = mkev(SW_EV_CHALLENGE_ACK, "1.1.1.1", 1, "2.2.2.2", 2, 0);
    assert_int_equal(verdict(rs, &ev, &m), SW_MATCH_NONE);
    sw_ruleset_free(rs);
}

/* Feed n events of one rule at the given times (seconds, as doubles) and record verdicts. */
static void run_series(sw_ruleset *rs, sw_matcher *mt, sw_event *ev, const double *t, size_t n,
                       char *out)
{
    for (size_t i = 0; i < n; i++) {
        ev->ts_us = 1700000000000000ull + (uint64_t)(t[i] * 1e6 + 0.5);
        sw_rule_match m;
        sw_match_verdict v = sw_ruleset_match(rs, mt, ev, &m);
        out[i] = v == SW_MATCH_ALERT ? 'A' : v == SW_MATCH_SUPPRESSED ? 's' : '?';
    }
    out[n] = 0;
}

static void threshold_case(const char *thr, const double *t, size_t n, const char *expect)
{
    char text[512];
    snprintf(text, sizeof(text), "alert tcp any any -> any any (event:desync; sid:1; threshold: %s;)\n", thr);
    sw_ruleset *rs = load(text, NULL);
    sw_matcher *mt = sw_matcher_new(1000);
    assert_non_null(mt);
    sw_event ev = mkev(SW_EV_DESYNC, "1.1.1.1", 1, "2.2.2.2", 2, 0);
    char got[256];
    run_series(rs, mt, &ev, t, n, got);
    if (strcmp(got, expect) != 0)
        fail_msg("threshold '%s': expected %s got %s", thr, expect, got);
    sw_matcher_free(mt);
    sw_ruleset_free(rs);
}

static void test_threshold_types(void **state)
{
    (void)state;
    /* limit: at most count alerts per window; the window starts at the first match
     * and a match exactly `seconds` later opens a new one */
    const double t1[] = { 0, 1, 2, 3, 9.999999, 10, 10.5, 11, 25 };
    threshold_case("type limit, track by_rule, count 2, seconds 10", t1, 9, "AAsssAAsA");
    /* threshold: every count-th match within the window */
    const double t2[] = { 0, 1, 2, 3, 4, 5, 6, 20, 21, 22 };
    threshold_case("type threshold, track by_rule, count 3, seconds 10", t2, 10, "ssAssAsssA");
    /* both: once per window, when the count-th match is reached */
    const double t3[] = { 0, 1, 2, 3, 4, 5, 10, 11, 12, 13 };
    threshold_case("type both, track by_rule, count 3, seconds 10", t3, 10, "ssAsssssAs");
    /* time going backwards stays in the current window */
    const double t4[] = { 5, 4, 3 };
    threshold_case("type limit, track by_rule, count 1, seconds 10", t4, 3, "Ass");

    /* backoff count 1, multiplier 10: matches 1, 10, 100, 1000 alert */
    sw_ruleset *rs = load("alert tcp any any -> any any (event:desync; sid:1; "
                          "threshold: type backoff, track by_flow, count 1, multiplier 10;)\n", NULL);
    sw_matcher *mt = sw_matcher_new(100);
    sw_event ev = mkev(SW_EV_DESYNC, "1.1.1.1", 1, "2.2.2.2", 2, 0);
    int alerts[8], na = 0;
    for (int i = 1; i <= 2000; i++) {
        ev.ts_us = (uint64_t)i * 1000000000ull;   /* far apart: backoff has no window */
        sw_rule_match m;
        if (sw_ruleset_match(rs, mt, &ev, &m) == SW_MATCH_ALERT) {
            assert_true(na < 8);
            alerts[na++] = i;
        }
    }
    assert_int_equal(na, 4);
    assert_int_equal(alerts[0], 1);
    assert_int_equal(alerts[1], 10);
    assert_int_equal(alerts[2], 100);
    assert_int_equal(alerts[3], 1000);
    sw_matcher_free(mt);
    sw_ruleset_free(rs);

    /* backoff count 2, multiplier 3: 2, 6, 18, 54 */
    rs = load("alert tcp any any -> any any (event:desync; sid:1; "
              "threshold: type backoff, track by_flow, count 2, multiplier 3;)\n", NULL);
    mt = sw_matcher_new(100);
    na = 0;
    for (int i = 1; i <= 100; i++) {
        sw_rule_match m;
        if (sw_ruleset_match(rs, mt, &ev, &m) == SW_MATCH_ALERT)
            alerts[na++] = i;
        assert_true(na <= 4);
    }
    assert_int_equal(na, 4);
    assert_int_equal(alerts[0], 2);
    assert_int_equal(alerts[1], 6);
    assert_int_equal(alerts[2], 18);
    assert_int_equal(alerts[3], 54);
    sw_matcher_free(mt);
    sw_ruleset_free(rs);
}

/* One limit-1 rule per tracking key; feed events that differ in one field. */
static void test_threshold_tracking(void **state)
{
    (void)state;
    sw_ruleset *rs = load(
        "alert tcp any any -> any any (event:desync; sid:1; threshold: type limit, track by_src, count 1, seconds 60;)\n"
        "alert tcp any any -> any any (event:ack_storm; sid:2; threshold: type limit, track by_dst, count 1, seconds 60;)\n"
        "alert tcp any any -> any any (event:blind_spray; sid:3; threshold: type limit, track by_flow, count 1, seconds 60;)\n"
        "alert tcp any any -> any any (event:mac_change; sid:4; threshold: type limit, track by_rule, count 1, seconds 60;)\n",
        NULL);
    sw_matcher *mt = sw_matcher_new(1000);
    sw_rule_match m;
    struct { sw_event_id id; const char *src, *dst; uint64_t flow; uint32_t inst; sw_match_verdict v; } c[] = {
        /* by_src: a new source alerts, a new destination does not */
        { SW_EV_DESYNC, "1.1.1.1", "2.2.2.2", 1, 0, SW_MATCH_ALERT },
        { SW_EV_DESYNC, "1.1.1.1", "3.3.3.3", 2, 0, SW_MATCH_SUPPRESSED },
        { SW_EV_DESYNC, "4.4.4.4", "2.2.2.2", 3, 0, SW_MATCH_ALERT },
        { SW_EV_DESYNC, "::1", "::2", 4, 0, SW_MATCH_ALERT },
        { SW_EV_DESYNC, "::1", "::3", 4, 0, SW_MATCH_SUPPRESSED },
        /* by_dst */
        { SW_EV_ACK_STORM, "1.1.1.1", "2.2.2.2", 1, 0, SW_MATCH_ALERT },
        { SW_EV_ACK_STORM, "5.5.5.5", "2.2.2.2", 2, 0, SW_MATCH_SUPPRESSED },
        { SW_EV_ACK_STORM, "1.1.1.1", "6.6.6.6", 1, 0, SW_MATCH_ALERT },
        /* by_flow: the flow id and the connection instance both count */
        { SW_EV_BLIND_SPRAY, "1.1.1.1", "2.2.2.2", 7, 0, SW_MATCH_ALERT },
        { SW_EV_BLIND_SPRAY, "9.9.9.9", "8.8.8.8", 7, 0, SW_MATCH_SUPPRESSED },
        { SW_EV_BLIND_SPRAY, "1.1.1.1", "2.2.2.2", 7, 1, SW_MATCH_ALERT },
        { SW_EV_BLIND_SPRAY, "1.1.1.1", "2.2.2.2", 8, 0, SW_MATCH_ALERT },
        /* by_rule: one state for everything */
        { SW_EV_MAC_CHANGE, "1.1.1.1", "2.2.2.2", 1, 0, SW_MATCH_ALERT },
        { SW_EV_MAC_CHANGE, "3.3.3.3", "4.4.4.4", 2, 5, SW_MATCH_SUPPRESSED },
    };
    for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
        sw_event ev = mkev(c[i].id, c[i].src, 1, c[i].dst, 2, 0);
        ev.flow_id = c[i].flow;
        ev.conn_instance = c[i].inst;
        ev.ts_us = 1000000 + i;
        if (sw_ruleset_match(rs, mt, &ev, &m) != c[i].v)
            fail_msg("tracking case %zu", i);
    }
    /* the states of different rules are apart: 3 + 2 + 3 + 1 entries */
    assert_int_equal(sw_matcher_entries(mt), 9);
    /* a matcher kept across a reload keeps its state (same gid:sid) */
    sw_ruleset *rs2 = load("alert tcp any any -> any any (event:mac_change; sid:4; "
                           "threshold: type limit, track by_rule, count 1, seconds 60;)\n", NULL);
    sw_event ev = mkev(SW_EV_MAC_CHANGE, "1.1.1.1", 1, "2.2.2.2", 2, 0);
    ev.ts_us = 2000000;
    assert_int_equal(sw_ruleset_match(rs2, mt, &ev, &m), SW_MATCH_SUPPRESSED);
    sw_ruleset_free(rs2);
    sw_matcher_free(mt);
    sw_ruleset_free(rs);
}

static void test_matcher_eviction(void **state)
{
    (void)state;
    sw_ruleset *rs = load("alert tcp any any -> any any (event:desync; sid:1; "
                          "threshold: type limit, track by_flow, count 1, seconds 3600;)\n", NULL);
    sw_matcher *mt = sw_matcher_new(4);
    sw_rule_match m;
    sw_event ev = mkev(SW_EV_DESYNC, "1.1.1.1", 1, "2.2.2.2", 2, 0);
    uint64_t t = 1000000;
#define FLOW(id, expect) do { ev.flow_id = (id); ev.ts_us = t++; \
        assert_int_equal(sw_ruleset_match(rs, mt, &ev, &m), (expect)); } while (0)
    FLOW(1, SW_MATCH_ALERT);
    FLOW(2, SW_MATCH_ALERT);
    FLOW(3, SW_MATCH_ALERT);
    FLOW(4, SW_MATCH_ALERT);
    assert_int_equal(sw_matcher_entries(mt), 4);
    assert_int_equal(sw_matcher_evictions(mt), 0);
    FLOW(1, SW_MATCH_SUPPRESSED);        /* flow 1 is now the most recently used */
    FLOW(5, SW_MATCH_ALERT);             /* evicts flow 2, the least recently used */
    assert_int_equal(sw_matcher_evictions(mt), 1);
    assert_int_equal(sw_matcher_entries(mt), 4);
    FLOW(1, SW_MATCH_SUPPRESSED);        /* still there */
    FLOW(2, SW_MATCH_ALERT);             /* state lost: alerts again, evicts flow 3 */
    assert_int_equal(sw_matcher_evictions(mt), 2);
    FLOW(4, SW_MATCH_SUPPRESSED);
    FLOW(3, SW_MATCH_ALERT);             /* evicts flow 5 */
    assert_int_equal(sw_matcher_evictions(mt), 3);
#undef FLOW
    /* many flows through a small matcher: entries stay capped, every eviction counted */
    for (uint64_t f = 100; f < 10100; f++) {
        ev.flow_id = f;
        ev.ts_us = t++;
        assert_int_equal(sw_ruleset_match(rs, mt, &ev, &m), SW_MATCH_ALERT);
    }
    assert_int_equal(sw_matcher_entries(mt), 4);
    assert_int_equal(sw_matcher_evictions(mt), 3 + 10000);
    sw_matcher_free(mt);

    /* a large matcher grows its table: 20000 distinct flows, none evicted */
    mt = sw_matcher_new(100000);
    for (uint64_t f = 0; f < 20000; f++) {
        ev.flow_id = f;
        assert_int_equal(sw_ruleset_match(rs, mt, &ev, &m), SW_MATCH_ALERT);
    }
    for (uint64_t f = 0; f < 20000; f++) {
        ev.flow_id = f;
        assert_int_equal(sw_ruleset_match(rs, mt, &ev, &m), SW_MATCH_SUPPRESSED);
    }
    assert_int_equal(sw_matcher_entries(mt), 20000);
    assert_int_equal(sw_matcher_evictions(mt), 0);
    sw_matcher_free(mt);
    sw_ruleset_free(rs);
}

/* ------------------------------------------------------------ default.rules -- */

static char *read_default_rules(void)
{
    char path[4096];
    const char *src = getenv("SW_SOURCE_DIR");
    if (src && *src) {
        snprintf(path, sizeof(path), "%s/rules/default.rules", src);
    } else {
        snprintf(path, sizeof(path), "%s", __FILE__);
        char *p = strstr(path, "tests/unit/test_rules.c");
        assert_non_null(p);
        strcpy(p, "rules/default.rules");
    }
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = 0;
    return buf;
}

static void test_default_rules(void **state)
{
    (void)state;
    const char *text = read_default_rules();
    /* the copy built into the library is the same file */
    assert_string_equal(sw_default_rules_text, text);
    sw_ruleset *rs = load(text, NULL);
    int per_event[SW_EV_COUNT] = {0};
    size_t n = sw_ruleset_count(rs), expected = 0;
    for (size_t i = 0; i < n; i++) {
        sw_rule_info info;
        assert_int_equal(sw_ruleset_rule_info(rs, i, &info), 0);
        int id = sw_event_lookup(info.event);
        assert_true(id >= 0);
        const sw_event_def *d = sw_event_def_get((sw_event_id)id);
        per_event[id]++;
        assert_int_equal(info.pass, 0);
        assert_int_equal(info.sid, d->default_sid);
        assert_int_equal(info.gid, 1);
        assert_int_equal(info.priority, d->severity);
        assert_string_equal(info.classtype, d->classtype);
        assert_memory_equal(info.msg, "SEQWATCH ", 9);
    }
    for (int e = 0; e < SW_EV_COUNT; e++) {
        const sw_event_def *d = sw_event_def_get((sw_event_id)e);
        assert_int_equal(per_event[e], d->informational ? 0 : 1);
        expected += !d->informational;
    }
    assert_int_equal(n, expected);
    /* every non-informational event alerts on some connection */
    for (int e = 0; e < SW_EV_COUNT; e++) {
        sw_event ev = mkev((sw_event_id)e, "10.0.0.1", 40000, "10.0.0.2", 80, 0);
        sw_rule_match m;
        sw_match_verdict v = sw_ruleset_match(rs, NULL, &ev, &m);
        assert_int_equal(v, sw_event_def_get((sw_event_id)e)->informational ? SW_MATCH_NONE : SW_MATCH_ALERT);
    }
    sw_ruleset_free(rs);

    /* HOME_NET narrows the rules to connections touching it, in either direction */
    const char *vars[] = { "HOME_NET=10.0.0.0/8", NULL };
    rs = load(text, vars);
    sw_event ev = mkev(SW_EV_OVERLAP_MISMATCH, "1.1.1.1", 40000, "2.2.2.2", 80, 0);
    assert_int_equal(verdict(rs, &ev, NULL), SW_MATCH_NONE);
    ev = mkev(SW_EV_OVERLAP_MISMATCH, "1.1.1.1", 40000, "10.2.2.2", 80, 0);
    assert_int_equal(verdict(rs, &ev, NULL), SW_MATCH_ALERT);
    ev = mkev(SW_EV_OVERLAP_MISMATCH, "10.2.2.2", 80, "1.1.1.1", 40000, 1);
    assert_int_equal(verdict(rs, &ev, NULL), SW_MATCH_ALERT);
    sw_ruleset_free(rs);
}

/* ------------------------------------------------------- site rule files -- */

static void write_file(char *path, const char *text)
{
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void collect_warning(void *user, const char *msg)
{
    char *buf = user;
    strncat(buf, msg, 4095 - strlen(buf));
    strncat(buf, "\n", 4095 - strlen(buf));
}

static void test_site_rules(void **state)
{
    (void)state;
    char site1[] = "/tmp/sw_site1_XXXXXX", site2[] = "/tmp/sw_site2_XXXXXX";
    write_file(site1,
        "# replaces the default rule for overlap_mismatch (sid 2300011), and adds one\n"
        "alert tcp any any <> any any (msg:\"site overlap\"; event:overlap_mismatch; priority:1; sid:2300011; rev:2;)\n"
        "alert tcp 10.9.0.0/16 any -> any any (msg:\"site rst\"; event:rst_injection; priority:1; sid:1000001;)\n");
    write_file(site2, "pass tcp 10.9.9.9 any <> any any (event:rst_injection; sid:1000002;)\n");
    const char *files[] = { site1, site2, NULL };
    char err[1024] = "";
    sw_rules_spec spec = { .base_name = "<built-in default.rules>", .base_text = sw_default_rules_text,
                           .files = files };
    sw_ruleset *rs = sw_ruleset_load(&spec, err, sizeof(err));
    assert_non_null(rs);
    sw_ruleset *def = load(sw_default_rules_text, NULL);
    size_t ndef = sw_ruleset_count(def);
    /* the defaults, minus the one replaced, plus the three site rules */
    assert_int_equal(sw_ruleset_count(rs), ndef - 1 + 3);
    assert_int_equal(sw_ruleset_replaced(rs), 1);
    assert_string_not_equal(sw_ruleset_hash(rs), sw_ruleset_hash(def));
    size_t seen_site = 0, seen_2300011 = 0;
    for (size_t i = 0; i < sw_ruleset_count(rs); i++) {
        sw_rule_info r;
        assert_int_equal(sw_ruleset_rule_info(rs, i, &r), 0);
        if (r.sid == 2300011) {
            seen_2300011++;
            assert_false(r.base);
            assert_string_equal(r.file, site1);
            assert_int_equal(r.line, 2);
            assert_int_equal(r.rev, 2);
        }
        if (!r.base)
            seen_site++;
        else
            assert_string_equal(r.file, "<built-in default.rules>");
    }
    assert_int_equal(seen_2300011, 1);
    assert_int_equal(seen_site, 3);

    /* the replacement decides the overlap alerts */
    sw_event ev = mkev(SW_EV_OVERLAP_MISMATCH, "192.0.2.1", 1000, "198.51.100.2", 23, 0);
    sw_rule_match m;
    assert_int_equal(sw_ruleset_match(rs, NULL, &ev, &m), SW_MATCH_ALERT);
    assert_int_equal(m.sid, 2300011);
    assert_string_equal(m.msg, "site overlap");
    /* site rules are matched before the default rule for the same event */
    ev = mkev(SW_EV_RST_INJECTION, "10.9.1.1", 1000, "198.51.100.2", 23, 0);
    assert_int_equal(sw_ruleset_match(rs, NULL, &ev, &m), SW_MATCH_ALERT);
    assert_int_equal(m.sid, 1000001);
    ev = mkev(SW_EV_RST_INJECTION, "10.8.1.1", 1000, "198.51.100.2", 23, 0);
    assert_int_equal(sw_ruleset_match(rs, NULL, &ev, &m), SW_MATCH_ALERT);
    assert_int_equal(m.sid, 2300008);
    /* a pass rule in a second site file silences the default rule too */
    ev = mkev(SW_EV_RST_INJECTION, "198.51.100.2", 23, "10.9.9.9", 1000, 1);
    assert_int_equal(sw_ruleset_match(rs, NULL, &ev, &m), SW_MATCH_PASS);
    sw_ruleset_free(rs);
    sw_ruleset_free(def);

    /* two site files with one sid: an error naming both places */
    const char *dup[] = { site1, site1, NULL };
    spec.files = dup;
    assert_null(sw_ruleset_load(&spec, err, sizeof(err)));
    char expect[600];
    snprintf(expect, sizeof(expect), "%s:2: duplicate sid 2300011 (first used at %s:2)", site1, site1);
    assert_string_equal(err, expect);

    /* a missing site file */
    const char *missing[] = { "/nonexistent/site.rules", NULL };
    spec.files = missing;
    assert_null(sw_ruleset_load(&spec, err, sizeof(err)));
    assert_string_equal(err, "/nonexistent/site.rules: No such file or directory");
    unlink(site1);
    unlink(site2);
}

static void test_site_variables_and_tunables(void **state)
{
    (void)state;
    char site[] = "/tmp/sw_site3_XXXXXX";
    write_file(site, "var HOME_NET 10.0.0.0/8\nalert tcp $HOME_NET any -> any any (event:desync; sid:1000003;)\n");
    const char *files[] = { site, NULL };
    char err[1024] = "";
    sw_rules_spec spec = { .base_name = "<built-in default.rules>", .base_text = sw_default_rules_text,
                           .files = files };
    /* the default rules used the built-in HOME_NET: a site file may not change it */
    assert_null(sw_ruleset_load(&spec, err, sizeof(err)));
    char expect[600];
    snprintf(expect, sizeof(expect), "%s:1: variable HOME_NET was already used with its built-in value 'any' "
             "(<built-in default.rules>:", site);
    assert_memory_equal(err, expect, strlen(expect));
    assert_non_null(strstr(err, "set it with --var or --config instead"));
    /* ... unless it gives the value in force (a copy of the old default.rules) */
    char same[] = "/tmp/sw_site4_XXXXXX";
    write_file(same, "var HOME_NET any\nvar EXTERNAL_NET any\nalert tcp $HOME_NET any -> any any (event:desync; sid:1000005;)\n");
    const char *same_files[] = { same, NULL };
    spec.files = same_files;
    sw_ruleset *rs0 = sw_ruleset_load(&spec, err, sizeof(err));
    if (!rs0)
        fail_msg("%s", err);
    sw_ruleset_free(rs0);
    unlink(same);
    spec.files = files;
    /* ... a command-line variable does; the file's line is then checked and ignored */
    const char *vars[] = { "HOME_NET=192.168.0.0/16", NULL };
    spec.vars = vars;
    sw_ruleset *rs = sw_ruleset_load(&spec, err, sizeof(err));
    assert_non_null(rs);
    sw_event ev = mkev(SW_EV_DESYNC, "192.168.1.1", 1000, "203.0.113.9", 80, 0);
    sw_rule_match m;
    assert_int_equal(sw_ruleset_match(rs, NULL, &ev, &m), SW_MATCH_ALERT);
    assert_int_equal(m.sid, 1000003);
    ev = mkev(SW_EV_DESYNC, "203.0.113.8", 1000, "203.0.113.9", 80, 0);   /* outside HOME_NET */
    assert_int_equal(sw_ruleset_match(rs, NULL, &ev, &m), SW_MATCH_NONE);
    sw_ruleset_free(rs);
    /* without the default rules the site file defines HOME_NET itself */
    spec.base_text = NULL;
    spec.vars = NULL;
    rs = sw_ruleset_load(&spec, err, sizeof(err));
    assert_non_null(rs);
    assert_int_equal(sw_ruleset_count(rs), 1);
    ev = mkev(SW_EV_DESYNC, "10.1.1.1", 1000, "203.0.113.9", 80, 0);
    assert_int_equal(sw_ruleset_match(rs, NULL, &ev, &m), SW_MATCH_ALERT);
    sw_ruleset_free(rs);
    /* the built-in variables exist for a file alone */
    rs = load("alert tcp $EXTERNAL_NET any <> $HOME_NET any (event:desync; sid:1;)\n", NULL);
    assert_int_equal(sw_ruleset_match(rs, NULL, &ev, &m), SW_MATCH_ALERT);
    sw_ruleset_free(rs);
    unlink(site);
    strcpy(site, "/tmp/sw_site3_XXXXXX");

    /* a site rule replacing the default ttl_anomaly rule sets its own ttl_delta (the
     * default rule's ttl_delta:5 goes with it); another site rule must agree */
    write_file(site, "alert tcp any any <> any any (event:ttl_anomaly; ttl_delta:12; sid:2300012;)\n");
    spec.base_text = sw_default_rules_text;
    rs = sw_ruleset_load(&spec, err, sizeof(err));
    assert_non_null(rs);
    assert_int_equal(sw_ruleset_tunables(rs)->ttl_delta, 12);
    sw_ruleset_free(rs);
    unlink(site);
    strcpy(site, "/tmp/sw_site3_XXXXXX");
    write_file(site, "alert tcp 10.0.0.0/8 any <> any any (event:ttl_anomaly; ttl_delta:12; sid:1000004;)\n");
    assert_null(sw_ruleset_load(&spec, err, sizeof(err)));
    snprintf(expect, sizeof(expect), "%s:1: ttl_delta 12 conflicts with 5 set at <built-in default.rules>:", site);
    assert_memory_equal(err, expect, strlen(expect));
    unlink(site);
}

static void test_lint(void **state)
{
    (void)state;
    char warn[4096] = "";
    sw_ruleset *rs = load(sw_default_rules_text, NULL);
    assert_int_equal(sw_ruleset_lint(rs, collect_warning, warn), 0);
    assert_string_equal(warn, "");
    sw_ruleset_free(rs);

    rs = load("alert tcp any any <> $HOME_NET any (event:overlap_mismatch; sid:1;)\n"
              "alert tcp 10.0.0.0/8 any -> any 23 (event:rst_injection; sid:2;)\n"
              "pass tcp any any -> any 80 (event:overlap_mismatch; sid:3;)\n"
              "pass tcp 10.0.0.0/8 any <> any any (event:rst_injection; sid:4;)\n"
              "alert tcp 10.0.0.0/8 any -> any any (event:desync; sid:5;)\n"
              "pass tcp 10.1.0.0/16 any -> any any (event:desync; sid:6;)\n", NULL);
    /* sid 1 (<>) is not wholly covered by a one-way pass rule to port 80; sid 2 is by sid 4
     * (same source, the rest any); sid 5 only partly by sid 6 */
    size_t n = sw_ruleset_lint(rs, collect_warning, warn);
    assert_int_equal(n, 2);
    assert_non_null(strstr(warn, "t.rules:2: alert rule sid 2 (rst_injection) never alerts: pass rule sid 4 at t.rules:4"));
    assert_null(strstr(warn, "sid 1 "));
    assert_null(strstr(warn, "sid 5 "));
    assert_non_null(strstr(warn, "19 events have no alert rule and never raise an alert: synack_bad_ack, "));
    assert_null(strstr(warn, "challenge_ack"));   /* informational events need no rule */
    sw_ruleset_free(rs);
    warn[0] = 0;
    rs = load("alert tcp any any <> any any (event:overlap_mismatch; sid:1;)\n"
              "pass tcp any any -> any any (event:overlap_mismatch; sid:3;)\n", NULL);
    n = sw_ruleset_lint(rs, collect_warning, warn);
    /* a one-way pass rule whose fields are all `any` matches either way round */
    assert_non_null(strstr(warn, "t.rules:1: alert rule sid 1 (overlap_mismatch) never alerts: pass rule sid 3"));
    assert_int_equal(n, 2);   /* and the 18 events without a rule */
    sw_ruleset_free(rs);
}

/* ----------------------------------------------------------- threshold file -- */

static sw_ruleset *load_with_tf(const char *rules, const char *tf, const char *const *vars,
                                char *err, size_t errlen)
{
    char path[] = "/tmp/sw_tf_XXXXXX";
    write_file(path, tf);
    sw_rules_spec spec = { .base_name = "t.rules", .base_text = rules, .vars = vars,
                           .threshold_file = path };
    sw_ruleset *rs = sw_ruleset_load(&spec, err, errlen);
    if (!rs) {   /* messages name the temporary file: report them as "tf:LINE: ..." */
        size_t pl = strlen(path);
        if (!strncmp(err, path, pl)) {
            memmove(err + 2, err + pl, strlen(err + pl) + 1);
            memcpy(err, "tf", 2);
        }
    }
    unlink(path);
    return rs;
}

static void test_threshold_file_suppress(void **state)
{
    (void)state;
    const char *rules =
        "alert tcp any any <> any any (event:rst_injection; sid:10;)\n"
        "alert tcp any any <> any any (event:fin_injection; sid:11;)\n"
        "alert tcp any any <> any any (event:desync; gid:3; sid:12;)\n"
        "alert tcp any any <> any any (event:ack_storm; sid:13;)\n";
    const char *vars[] = { "DMZ=[203.0.113.0/24]", NULL };
    char err[1024] = "";
    sw_ruleset *rs = load_with_tf(rules,
        "# comments and blank lines\n\n"
        "suppress gen_id 1, sig_id 10, track by_src, ip [10.0.0.0/8, 192.168.1.1]\n"
        "suppress gen_id 1, sig_id 11, track by_dst, ip $DMZ\n"
        "suppress gen_id 3, sig_id 12\n"
        "suppress gen_id 1, sig_id 13, track by_either, ip 198.51.100.7\n", vars, err, sizeof(err));
    if (!rs)
        fail_msg("%s", err);
    assert_int_equal(sw_ruleset_threshold_entries(rs), 4);
    sw_event ev = mkev(SW_EV_RST_INJECTION, "10.2.3.4", 1, "203.0.113.5", 2, 0);
    assert_int_equal(verdict(rs, &ev, NULL), SW_MATCH_SUPPRESSED);     /* by_src */
    ev = mkev(SW_EV_RST_INJECTION, "203.0.113.5", 2, "10.2.3.4", 1, 1);
    assert_int_equal(verdict(rs, &ev, NULL), SW_MATCH_ALERT);          /* 10/8 is the dst */
    ev = mkev(SW_EV_FIN_INJECTION, "10.2.3.4", 1, "203.0.113.5", 2, 0);
    assert_int_equal(verdict(rs, &ev, NULL), SW_MATCH_SUPPRESSED);     /* by_dst, a variable */
    ev = mkev(SW_EV_FIN_INJECTION, "203.0.113.5", 2, "10.2.3.4", 1, 1);
    assert_int_equal(verdict(rs, &ev, NULL), SW_MATCH_ALERT);
    ev = mkev(SW_EV_DESYNC, "192.0.2.1", 1, "192.0.2.2", 2, 0);
    assert_int_equal(verdict(rs, &ev, NULL), SW_MATCH_SUPPRESSED);     /* every event of 3:12 */
    ev = mkev(SW_EV_ACK_STORM, "192.0.2.1", 1, "198.51.100.7", 2, 0);
    assert_int_equal(verdict(rs, &ev, NULL), SW_MATCH_SUPPRESSED);     /* by_either, as dst */
    ev = mkev(SW_EV_ACK_STORM, "198.51.100.7", 1, "192.0.2.1", 2, 0);
    assert_int_equal(verdict(rs, &ev, NULL), SW_MATCH_SUPPRESSED);     /* ... and as src */
    ev = mkev(SW_EV_ACK_STORM, "198.51.100.8", 1, "192.0.2.1", 2, 0);
    assert_int_equal(verdict(rs, &ev, NULL), SW_MATCH_ALERT);
    char warn[4096] = "";
    sw_ruleset_lint(rs, collect_warning, warn);
    assert_null(strstr(warn, "names no loaded alert rule"));
    sw_ruleset_free(rs);

    /* gid 1 is not gid 3; sig_id 0 names every sid of the gid; a line naming no loaded
     * alert rule is a lint warning */
    rs = load_with_tf(rules, "suppress gen_id 1, sig_id 12\nsuppress gen_id 1, sig_id 0, track by_src, ip 10.0.0.0/8\n",
                      NULL, err, sizeof(err));
    assert_non_null(rs);
    ev = mkev(SW_EV_DESYNC, "192.0.2.1", 1, "192.0.2.2", 2, 0);
    assert_int_equal(verdict(rs, &ev, NULL), SW_MATCH_ALERT);
    ev = mkev(SW_EV_ACK_STORM, "10.0.0.1", 1, "192.0.2.1", 2, 0);
    assert_int_equal(verdict(rs, &ev, NULL), SW_MATCH_SUPPRESSED);
    ev = mkev(SW_EV_DESYNC, "10.0.0.1", 1, "192.0.2.2", 2, 0);
    assert_int_equal(verdict(rs, &ev, NULL), SW_MATCH_ALERT);          /* gid 3 */
    warn[0] = 0;
    sw_ruleset_lint(rs, collect_warning, warn);
    assert_non_null(strstr(warn, ":1: suppress gen_id 1, sig_id 12 names no loaded alert rule"));
    assert_null(strstr(warn, ":2: suppress"));
    sw_ruleset_free(rs);
}

static void test_threshold_file_thresholds(void **state)
{
    (void)state;
    const char *rules =
        "alert tcp any any <> any any (event:rst_injection; sid:10; threshold: type limit, track by_flow, count 5, seconds 60;)\n"
        "alert tcp any any <> any any (event:fin_injection; sid:11;)\n"
        "alert tcp any any <> any any (event:desync; sid:12; threshold: type limit, track by_rule, count 2, seconds 60;)\n";
    char err[1024] = "";
    sw_ruleset *rs = load_with_tf(rules,
        "threshold gen_id 1, sig_id 10, type limit, track by_rule, count 1, seconds 60\n"
        "event_filter gen_id 1, sig_id 0, type both, track by_both, count 2, seconds 10\n", NULL, err, sizeof(err));
    if (!rs)
        fail_msg("%s", err);
    sw_matcher *mt = sw_matcher_new(1024);
    sw_rule_match m;
    /* sid 10: the file's exact entry replaces the rule's threshold (limit 1 by_rule) */
    int alerts = 0;
    for (int i = 0; i < 4; i++) {
        sw_event ev = mkev(SW_EV_RST_INJECTION, "192.0.2.1", 1, "192.0.2.2", 2, 0);
        ev.flow_id = (uint64_t)i + 1;                  /* other flows: by_rule still caps */
        alerts += sw_ruleset_match(rs, mt, &ev, &m) == SW_MATCH_ALERT;
    }
    assert_int_equal(alerts, 1);
    /* sid 11 has no threshold: the wildcard entry (both, count 2, by_both) applies */
    int got[4];
    const char *src[4] = { "192.0.2.1", "192.0.2.1", "192.0.2.9", "192.0.2.1" };
    for (int i = 0; i < 4; i++) {
        sw_event ev = mkev(SW_EV_FIN_INJECTION, src[i], 1, "192.0.2.2", 2, 0);
        ev.ts_us = 1000000 + (uint64_t)i;
        got[i] = sw_ruleset_match(rs, mt, &ev, &m);
    }
    assert_int_equal(got[0], SW_MATCH_SUPPRESSED);
    assert_int_equal(got[1], SW_MATCH_ALERT);          /* 2nd of the pair 192.0.2.1 -> .2 */
    assert_int_equal(got[2], SW_MATCH_SUPPRESSED);     /* another pair: its 1st */
    assert_int_equal(got[3], SW_MATCH_SUPPRESSED);     /* both: once per window */
    /* sid 12 keeps its own threshold: a wildcard entry does not override a rule's option */
    alerts = 0;
    for (int i = 0; i < 5; i++) {
        sw_event ev = mkev(SW_EV_DESYNC, "192.0.2.1", 1, "192.0.2.2", 2, 0);
        alerts += sw_ruleset_match(rs, mt, &ev, &m) == SW_MATCH_ALERT;
    }
    assert_int_equal(alerts, 2);
    sw_matcher_free(mt);
    sw_ruleset_free(rs);
}

static void test_threshold_file_errors(void **state)
{
    (void)state;
    static const struct { const char *tf, *want; } cases[] = {
        { "rate_filter gen_id 1, sig_id 10, track by_rule, count 10, seconds 1, new_action pass, timeout 60\n",
          "tf:1: rate_filter is not supported: seqwatch is passive and has no action for it to change (use threshold ... type limit to cap alerts)" },
        { "\nsupress gen_id 1, sig_id 10\n", "tf:2: unknown keyword 'supress' (expected suppress, threshold or event_filter)" },
        { "suppress sig_id 10\n", "tf:1: missing gen_id" },
        { "suppress gen_id 1\n", "tf:1: missing sig_id" },
        { "suppress gen_id 1, sig_id x\n", "tf:1: bad sig_id 'x' (0..4294967295, 0 = every sid)" },
        { "suppress gen_id 1, sig_id 10, track by_src\n", "tf:1: suppress: track needs an ip" },
        { "suppress gen_id 1, sig_id 10, ip 10.0.0.1\n", "tf:1: suppress: ip needs a track (by_src, by_dst or by_either)" },
        { "suppress gen_id 1, sig_id 10, track by_rule, ip 10.0.0.1\n", "tf:1: suppress: bad track 'by_rule' (by_src, by_dst, by_either)" },
        { "suppress gen_id 1, sig_id 10, track by_src, ip 10.0.0.0/33\n", "tf:1: suppress: ip: bad prefix length in '10.0.0.0/33' (0..32)" },
        { "suppress gen_id 1, sig_id 10, track by_src, ip $NOPE\n", "tf:1: suppress: ip: undefined variable $NOPE" },
        { "suppress gen_id 1, sig_id 10, count 3\n", "tf:1: suppress: unknown key 'count' (gen_id, sig_id, track, ip)" },
        { "suppress gen_id 1, sig_id 10, sig_id 11\n", "tf:1: 'sig_id' given twice" },
        { "suppress gen_id 1,, sig_id 10\n", "tf:1: empty element" },
        { "threshold gen_id 1, sig_id 10, type limit, track by_src, count 1\n", "tf:1: threshold: missing seconds" },
        { "threshold gen_id 1, sig_id 10, type flood, track by_src, count 1, seconds 1\n",
          "tf:1: threshold: bad type 'flood' (limit, threshold, both, backoff)" },
        { "threshold gen_id 1, sig_id 10, type limit, track by_src, count 1, seconds 1\n"
          "threshold gen_id 1, sig_id 10, type limit, track by_dst, count 2, seconds 1\n",
          "tf:2: a threshold for gen_id 1, sig_id 10 is already set at line 1" },
    };
    char err[1024];
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        err[0] = 0;
        sw_ruleset *rs = load_with_tf("alert tcp any any <> any any (event:rst_injection; sid:10;)\n",
                                      cases[i].tf, NULL, err, sizeof(err));
        if (rs || strcmp(err, cases[i].want) != 0)
            fail_msg("case %zu:\n%s\nexpected: %s\ngot:      %s", i, cases[i].tf, cases[i].want,
                     rs ? "(loaded)" : err);
    }
    /* a missing threshold file */
    sw_rules_spec spec = { .base_name = "t.rules", .base_text = "", .threshold_file = "/nonexistent/t.config" };
    assert_null(sw_ruleset_load(&spec, err, sizeof(err)));
    assert_string_equal(err, "/nonexistent/t.config: No such file or directory");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_addresses),
        cmocka_unit_test(test_variables),
        cmocka_unit_test(test_ports),
        cmocka_unit_test(test_directions_and_flow),
        cmocka_unit_test(test_options),
        cmocka_unit_test(test_tunables),
        cmocka_unit_test(test_lines_comments_continuations),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_caps),
        cmocka_unit_test(test_nothing_half_loaded),
        cmocka_unit_test(test_load_file_and_hash),
        cmocka_unit_test(test_pass_and_first_match),
        cmocka_unit_test(test_threshold_types),
        cmocka_unit_test(test_threshold_tracking),
        cmocka_unit_test(test_matcher_eviction),
        cmocka_unit_test(test_default_rules),
        cmocka_unit_test(test_site_rules),
        cmocka_unit_test(test_site_variables_and_tunables),
        cmocka_unit_test(test_lint),
        cmocka_unit_test(test_threshold_file_suppress),
        cmocka_unit_test(test_threshold_file_thresholds),
        cmocka_unit_test(test_threshold_file_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
