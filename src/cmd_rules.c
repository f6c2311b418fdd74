/*
 * cmd_rules.c — `seqwatch rules check [FILE]...` validates a rule set the way
 * `seqwatch run` loads it (the built-in default rules, then the site files given as
 * arguments, --rules or in --config; all or nothing) and warns about what loads but
 * cannot be meant (an event no rule alerts on, an alert rule a pass rule silences);
 * `seqwatch rules list [FILE]...` prints the loaded rules.
 *
 * A validation failure is printed as the loader reports it, "FILE:LINE: what is
 * wrong", alone on stderr (so editors and CI can jump to it), with exit status 1.
 * Warnings go to stderr as "warning: ..." and do not change the exit status.
 * Holds no parsing logic: everything goes through rules/ruleset.h.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "rules/ruleset.h"
#include "src/commands.h"
#include "src/rules_opts.h"

extern const char sw_default_rules_text[];

#define DEFAULT_NAME "<built-in default.rules>"

static void rules_usage(FILE *f)
{
    fprintf(f,
"usage: seqwatch rules check [FILE]... [RULE OPTIONS]\n"
"       seqwatch rules list [FILE]... [--json] [RULE OPTIONS]\n"
"\n"
"check   validate the rule set `seqwatch run --rules FILE...` would load: the\n"
"        built-in default rules, then each FILE (site rules). Prints\n"
"        \"FILE: N rules OK\" for each file and a line for the default rules, and\n"
"        exits 0, or prints \"FILE:LINE: what is wrong\" on stderr and exits 1.\n"
"        Nothing is half-loaded: one bad line fails the set. Warns on stderr\n"
"        (\"warning: ...\", exit status unchanged) about events no alert rule\n"
"        covers and alert rules that a pass rule silences entirely.\n"
"list    print the loaded rules (without FILE: the built-in default rules):\n"
"        sid, action, event and msg, one rule a line, in load order.\n"
"\n"
"Rule options (as for seqwatch run):\n"
"      --rules FILE       a site rule file, like a FILE argument (repeatable)\n"
"      --no-default-rules leave the built-in default rules out\n"
"      --var NAME=VALUE   set a rule variable (repeatable); it wins over a file's\n"
"                         `var NAME ...` line, e.g. --var HOME_NET=10.0.0.0/8\n"
"      --threshold-file FILE  suppress/threshold lines (threshold.config syntax);\n"
"                         check warns about lines that name no loaded alert rule\n"
"      --config FILE      variables and rule files from a configuration file\n"
"Other options:\n"
"      --json             list: one JSON array of rule objects instead of text\n"
"  -h, --help             this help\n"
"\n"
"Rule syntax: docs/rules.md. Events: `seqwatch events`, docs/detections.md.\n");
}

static int do_list(const sw_ruleset *rs, int json)
{
    size_t n = sw_ruleset_count(rs);
    if (json) {
        json_t *arr = json_array();
        for (size_t i = 0; i < n; i++) {
            sw_rule_info r;
            if (sw_ruleset_rule_info(rs, i, &r) != 0)
                continue;
            json_array_append_new(arr, json_pack("{s:I, s:I, s:I, s:s, s:s, s:s, s:s, s:i, s:I, s:s, s:b}",
                "sid", (json_int_t)r.sid, "gid", (json_int_t)r.gid, "rev", (json_int_t)r.rev,
                "action", r.pass ? "pass" : "alert", "event", r.event, "msg", r.msg,
                "classtype", r.classtype, "priority", r.priority, "line", (json_int_t)r.line,
                "file", r.file, "default", r.base));
        }
        char *s = json_dumps(arr, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        json_decref(arr);
        if (!s)
            return 1;
        puts(s);
        free(s);
        return 0;
    }
    printf("%-9s %-6s %-19s %s\n", "SID", "ACTION", "EVENT", "MSG");
    for (size_t i = 0; i < n; i++) {
        sw_rule_info r;
        if (sw_ruleset_rule_info(rs, i, &r) != 0)
            continue;
        printf("%-9u %-6s %-19s %s\n", r.sid, r.pass ? "pass" : "alert", r.event, r.msg);
    }
    return 0;
}

static void print_warning(void *user, const char *msg)
{
    (void)user;
    fprintf(stderr, "warning: %s\n", msg);
}

/* check: one line per site file, one for the default rules, then the warnings. */
static void do_check(const sw_ruleset *rs, const char *const *files, int defaults,
                     const char *threshold_file)
{
    size_t n = sw_ruleset_count(rs), nbase = 0;
    for (size_t f = 0; files[f]; f++) {
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
            sw_rule_info r;
            if (sw_ruleset_rule_info(rs, i, &r) == 0 && !r.base && !strcmp(r.file, files[f]))
                k++;
        }
        printf("%s: %zu rules OK\n", files[f], k);
    }
    for (size_t i = 0; i < n; i++) {
        sw_rule_info r;
        if (sw_ruleset_rule_info(rs, i, &r) == 0 && r.base)
            nbase++;
    }
    if (defaults)
        printf("%s: %zu rules (%zu replaced by site rules with their sid)\n", DEFAULT_NAME, nbase,
               sw_ruleset_replaced(rs));
    if (threshold_file)
        printf("%s: %zu entries OK\n", threshold_file, sw_ruleset_threshold_entries(rs));
    sw_ruleset_lint(rs, print_warning, NULL);
}

int sw_cmd_rules(int argc, char **argv)
{
    if (argc < 2) {
        rules_usage(stderr);
        return 2;
    }
    const char *action = argv[1];
    if (!strcmp(action, "-h") || !strcmp(action, "--help")) {
        rules_usage(stdout);
        return 0;
    }
    int check = !strcmp(action, "check"), list = !strcmp(action, "list");
    if (!check && !list) {
        fprintf(stderr, "seqwatch rules: unknown action '%s' (check or list; see 'seqwatch rules --help')\n",
                action);
        return 2;
    }

    static const struct option opts[] = {
        {"var", required_argument, NULL, 'v'},
        {"rules", required_argument, NULL, 'R'},
        {"no-default-rules", no_argument, NULL, 'N'},
        {"config", required_argument, NULL, 'C'},
        {"threshold-file", required_argument, NULL, 'T'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    static sw_rules_opts ro;     /* static: large, and one command per process */
    sw_rules_opts_init(&ro, "seqwatch rules");
    int json = 0, c;
    int sub_argc = argc - 1;
    char **sub_argv = argv + 1;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(sub_argc, sub_argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case 'v':
            if (sw_rules_opts_add_var(&ro, optarg))
                return 2;
            break;
        case 'R':
            if (sw_rules_opts_add_file(&ro, optarg))
                return 2;
            break;
        case 'N':
            ro.no_default_rules = 1;
            break;
        case 'C':
            ro.config = optarg;
            break;
        case 'T':
            ro.threshold_file = optarg;
            break;
        case 'j':
            json = 1;
            break;
        case 'h':
            rules_usage(stdout);
            return 0;
        case ':':
            fprintf(stderr, "seqwatch rules: option '%s' needs a value\n", sub_argv[optind - 1]);
            return 2;
        default:
            fprintf(stderr, "seqwatch rules: unknown option '%s' (see 'seqwatch rules --help')\n",
                    sub_argv[optind - 1]);
            return 2;
        }
    }
    if (check && json) {
        fprintf(stderr, "seqwatch rules: --json is for list\n");
        return 2;
    }
    for (int i = optind; i < sub_argc; i++)
        if (sw_rules_opts_add_file(&ro, sub_argv[i]))
            return 2;
    if (sw_rules_opts_resolve(&ro) != 0) {
        sw_rules_opts_free(&ro);
        return 1;
    }
    if (ro.no_default_rules && !ro.files[0] && !ro.threshold_file) {
        fprintf(stderr, "seqwatch rules: --no-default-rules needs a rule FILE\n");
        sw_rules_opts_free(&ro);
        return 2;
    }

    char err[1024];
    sw_rules_spec spec;
    memset(&spec, 0, sizeof(spec));
    if (!ro.no_default_rules) {
        spec.base_name = DEFAULT_NAME;
        spec.base_text = sw_default_rules_text;
    }
    spec.files = ro.files;
    spec.vars = ro.vars;
    spec.threshold_file = ro.threshold_file;
    sw_ruleset *rs = sw_ruleset_load(&spec, err, sizeof(err));
    if (!rs) {
        fprintf(stderr, "%s\n", err);
        sw_rules_opts_free(&ro);
        return 1;
    }
    int rc = 0;
    if (check)
        do_check(rs, ro.files, !ro.no_default_rules, ro.threshold_file);
    else
        rc = do_list(rs, json);
    sw_ruleset_free(rs);
    sw_rules_opts_free(&ro);
    if (fflush(stdout) != 0)
        rc = 1;
    return rc;
}
