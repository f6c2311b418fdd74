/*
 * ruleset.h — rule files (Suricata/Snort-style syntax) and the rule engine that
 * turns events into alerts: address/port/direction matching, pass rules, thresholds.
 */
#ifndef SW_RULESET_H
#define SW_RULESET_H
#include <stdint.h>
#include <stddef.h>
#include "rules/event.h"
#include "rules/tunables.h"

typedef struct sw_ruleset sw_ruleset;

/* Check tunables: rule options that change how a check judges. A value set in any
 * loaded rule for the event applies to that event's check. The fields, their
 * defaults and ranges: rules/tunables.h. */
typedef struct sw_tunables {
#define SW_TUN_FIELD(name, event, def, min, max, unit) uint32_t name;
    SW_TUNABLES(SW_TUN_FIELD)
#undef SW_TUN_FIELD
} sw_tunables;

/* Load rules from a file or from text (name is used in error messages). vars is a
 * NULL-terminated list of "NAME=VALUE" (may be NULL). On error returns NULL and
 * err holds "file:line: what is wrong"; nothing is half-loaded. */
sw_ruleset *sw_ruleset_load_file(const char *path, const char *const *vars, char *err, size_t errlen);
sw_ruleset *sw_ruleset_load_text(const char *name, const char *text, const char *const *vars,
                                 char *err, size_t errlen);

/* A rule set made of a base (the built-in default rules, a base file or text, or
 * nothing) and site rule files loaded on top of it, as Suricata loads its rule files:
 * - a site rule whose sid is used by a base rule replaces that base rule;
 * - two site rules with one sid, or two base rules, are an error;
 * - site rules are matched before base rules (each group in load order);
 * - variables: built-in HOME_NET and EXTERNAL_NET ("any") unless vars or a file
 *   defines them; vars ("NAME=VALUE", the command line and --config) win over `var`
 *   lines; a `var` line may redefine a built-in variable only before a rule used it.
 * Errors are "FILE:LINE: what is wrong" for the file that has the problem. */
typedef struct sw_rules_spec {
    const char *base_name;           /* name of base_text in messages */
    const char *base_text;           /* base rules as text, or NULL */
    const char *base_file;           /* base rules from a file (when base_text is NULL), or NULL */
    const char *const *files;        /* NULL-terminated site rule files, may be NULL */
    const char *const *vars;         /* NULL-terminated "NAME=VALUE", may be NULL */
    const char *threshold_file;      /* suppress/threshold lines (threshold.config syntax), or NULL */
    const char *threshold_text;      /* ... given as text instead (wins over threshold_file) */
    const char *threshold_name;      /* name of threshold_text in messages */
} sw_rules_spec;
sw_ruleset *sw_ruleset_load(const sw_rules_spec *spec, char *err, size_t errlen);
void sw_ruleset_free(sw_ruleset *rs);
size_t sw_ruleset_count(const sw_ruleset *rs);
/* The tunables in effect; rs NULL gives the defaults. */
const sw_tunables *sw_ruleset_tunables(const sw_ruleset *rs);
/* sha256 of the rule text, hex (for the runs table). */
const char *sw_ruleset_hash(const sw_ruleset *rs);

/* One loaded rule, for listing (`seqwatch rules list`). Pointers live as long as rs. */
typedef struct sw_rule_info {
    uint32_t sid, gid, rev;
    int      pass;               /* 1: pass rule, 0: alert rule */
    const char *event;           /* catalogue name */
    const char *msg;
    const char *classtype;
    int      priority;
    unsigned line;               /* first line of the rule in its file */
    const char *file;            /* the file (or base name) it comes from */
    int      base;               /* 1: a base (default) rule, 0: a site rule */
} sw_rule_info;
/* Base rules replaced by a site rule with the same sid. */
size_t sw_ruleset_replaced(const sw_ruleset *rs);
/* Suppress and threshold lines loaded from the threshold file. */
size_t sw_ruleset_threshold_entries(const sw_ruleset *rs);
/* Problems a rule set loads with but a user should hear of (`seqwatch rules check`):
 * catalogue events that no alert rule covers, alert rules that a pass rule for the
 * same event silences entirely. Calls fn once per warning, with a one-line message;
 * returns the number of warnings. */
typedef void (*sw_rule_warn_fn)(void *user, const char *msg);
size_t sw_ruleset_lint(const sw_ruleset *rs, sw_rule_warn_fn fn, void *user);
/* Rule i in file order (0 <= i < sw_ruleset_count). Returns 0, or -1 if out of range. */
int sw_ruleset_rule_info(const sw_ruleset *rs, size_t i, sw_rule_info *out);

/* The rule that matched an event and what to do. */
typedef struct sw_rule_match {
    uint32_t sid, gid, rev;
    const char *msg;
    const char *classtype;
    int      priority;           /* severity for the alert: 1..3 (or more) */
    const char *metadata;        /* raw metadata option text, or NULL */
} sw_rule_match;

typedef enum sw_match_verdict {
    SW_MATCH_NONE = 0,           /* no rule for this event: nothing */
    SW_MATCH_ALERT,              /* raise an alert as *m */
    SW_MATCH_PASS,               /* a pass rule silenced it */
    SW_MATCH_SUPPRESSED,         /* a threshold suppressed it */
} sw_match_verdict;

/* Threshold state lives in the matcher, bounded in size. The matcher may be kept
 * across a ruleset reload. */
typedef struct sw_matcher sw_matcher;
sw_matcher *sw_matcher_new(uint32_t max_entries);
void sw_matcher_free(sw_matcher *m);
/* Threshold entries evicted because the matcher was full (oldest first), and in use. */
uint64_t sw_matcher_evictions(const sw_matcher *m);
size_t sw_matcher_entries(const sw_matcher *m);
sw_match_verdict sw_ruleset_match(const sw_ruleset *rs, sw_matcher *mt, const sw_event *ev,
                                  sw_rule_match *out);

#endif
