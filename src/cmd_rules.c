/*
 * cmd_rules.c — `seqwatch rules check FILE` validates a rule file the way the engine
 * loads it (all or nothing) and `seqwatch rules list [FILE]` prints its rules (the
 * built-in default rules when no FILE is given).
 *
 * A validation failure is printed as the loader reports it, "FILE:LINE: what is
 * wrong", alone on stderr (so editors and CI can jump to it), with exit status 1.
 * Holds no parsing logic: everything goes through rules/ruleset.h.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "rules/ruleset.h"
#include "src/commands.h"

extern const char sw_default_rules_text[];

#define MAX_VARS 256

static void rules_usage(FILE *f)
{
    fprintf(f,
"usage: seqwatch rules check FILE [--var NAME=VALUE]...\n"
"       seqwatch rules list [FILE] [--json] [--var NAME=VALUE]...\n"
"\n"
"check   validate FILE as `seqwatch run --rules FILE` would load it. Prints\n"
"        \"FILE: N rules OK\" and exits 0, or prints \"FILE:LINE: what is wrong\"\n"
"        on stderr and exits 1. Nothing is half-loaded: one bad line fails the file.\n"
"list    print the rules of FILE, or of the built-in default rules without FILE:\n"
"        sid, action, event and msg, one rule a line, in file order.\n"
"\n"
"Options:\n"
"      --var NAME=VALUE   set a rule variable (repeatable); it wins over the file's\n"
"                         `var NAME ...` line, e.g. --var HOME_NET=10.0.0.0/8\n"
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
            json_array_append_new(arr, json_pack("{s:I, s:I, s:I, s:s, s:s, s:s, s:s, s:i, s:I}",
                "sid", (json_int_t)r.sid, "gid", (json_int_t)r.gid, "rev", (json_int_t)r.rev,
                "action", r.pass ? "pass" : "alert", "event", r.event, "msg", r.msg,
                "classtype", r.classtype, "priority", r.priority, "line", (json_int_t)r.line));
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
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *vars[MAX_VARS + 1];
    size_t nvars = 0;
    int json = 0, c;
    int sub_argc = argc - 1;
    char **sub_argv = argv + 1;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(sub_argc, sub_argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case 'v':
            if (nvars == MAX_VARS) {
                fprintf(stderr, "seqwatch rules: too many --var options (at most %d)\n", MAX_VARS);
                return 2;
            }
            vars[nvars++] = optarg;
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
    vars[nvars] = NULL;
    int npos = sub_argc - optind;
    if (check && npos != 1) {
        fprintf(stderr, "seqwatch rules: check needs exactly one FILE\n");
        return 2;
    }
    if (list && npos > 1) {
        fprintf(stderr, "seqwatch rules: list takes at most one FILE\n");
        return 2;
    }
    if (check && json) {
        fprintf(stderr, "seqwatch rules: --json is for list\n");
        return 2;
    }
    const char *file = npos ? sub_argv[optind] : NULL;

    char err[1024];
    sw_ruleset *rs = file ? sw_ruleset_load_file(file, nvars ? vars : NULL, err, sizeof(err))
                          : sw_ruleset_load_text("<built-in default.rules>", sw_default_rules_text,
                                                 nvars ? vars : NULL, err, sizeof(err));
    if (!rs) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    int rc = 0;
    if (check)
        printf("%s: %zu rules OK\n", file, sw_ruleset_count(rs));
    else
        rc = do_list(rs, json);
    sw_ruleset_free(rs);
    if (fflush(stdout) != 0)
        rc = 1;
    return rc;
}
