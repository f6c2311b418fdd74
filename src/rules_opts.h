/*
 * rules_opts.h — the rule options `seqwatch run` and `seqwatch rules` share
 * (--rules, --var, --config, --no-default-rules, --threshold-file) and the --config
 * file they read.
 */
#ifndef SW_RULES_OPTS_H
#define SW_RULES_OPTS_H
#include <stddef.h>

#define SW_RULES_OPT_FILES 64    /* rule files: --rules and `rules =` lines together */
#define SW_RULES_OPT_VARS  256   /* variables: --var and `var` lines together */

typedef struct sw_rules_opts {
    const char *prog;                         /* "seqwatch run", for messages */
    const char *prefix;                       /* before "FILE:LINE: ..." ("" by default) */
    const char *cli_files[SW_RULES_OPT_FILES];
    size_t      ncli_files;
    const char *cli_vars[SW_RULES_OPT_VARS];
    size_t      ncli_vars;
    const char *config;                       /* --config FILE, or NULL */
    int         no_default_rules;             /* --no-default-rules */
    const char *threshold_file;               /* --threshold-file, else the config's */
    /* filled by sw_rules_opts_resolve: the config's entries first, then the command
     * line's (a --var replaces the config's variable of the same name in place) */
    const char *files[SW_RULES_OPT_FILES + 1];
    const char *vars[SW_RULES_OPT_VARS + 1];
    char       *owned[SW_RULES_OPT_FILES + SW_RULES_OPT_VARS + 1];
    int         config_threshold;             /* the config had a threshold-file line */
    size_t      nowned;
} sw_rules_opts;

void sw_rules_opts_init(sw_rules_opts *o, const char *prog);
/* Record one option; 0, or 2 (usage error, printed) when a list is full or a --var
 * has no '='. */
int sw_rules_opts_add_file(sw_rules_opts *o, const char *path);
int sw_rules_opts_add_var(sw_rules_opts *o, const char *item);
/* Read the --config file (if any) and build files[] and vars[]. Returns 0, or 1 with
 * "FILE:LINE: what is wrong" printed on stderr. */
int sw_rules_opts_resolve(sw_rules_opts *o);
void sw_rules_opts_free(sw_rules_opts *o);

#endif
