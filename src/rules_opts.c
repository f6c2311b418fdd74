/*
 * rules_opts.c — the rule options shared by `seqwatch run` and `seqwatch rules`, and
 * the --config file: a small key = value file for what would otherwise be repeated
 * on every command line (docs/rules.md, "Configuration file"):
 *
 *     var HOME_NET = [10.0.0.0/8, 192.168.0.0/16]
 *     rules = local.rules                 (repeatable; relative to the file's folder)
 *     default-rules = no                  (as --no-default-rules)
 *     threshold-file = threshold.config   (as --threshold-file)
 *
 * Invariants: every line is either blank, a comment, or a known setting, else the
 * load fails with "FILE:LINE: what is wrong"; a variable's value is checked where it
 * is written (with the variables before it); the command line wins over the file:
 * --var replaces the file's variable of that name, --rules files come after the
 * file's, --threshold-file replaces the file's, --no-default-rules cannot be undone
 * by the file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/ruleset.h"
#include "src/cli.h"
#include "src/rules_opts.h"

#define CONFIG_MAX_BYTES (1u << 20)

void sw_rules_opts_init(sw_rules_opts *o, const char *prog)
{
    memset(o, 0, sizeof(*o));
    o->prog = prog;
    o->prefix = "";
}

int sw_rules_opts_add_file(sw_rules_opts *o, const char *path)
{
    if (o->ncli_files == SW_RULES_OPT_FILES) {
        fprintf(stderr, "%s: too many --rules options (at most %d)\n", o->prog, SW_RULES_OPT_FILES);
        return 2;
    }
    o->cli_files[o->ncli_files++] = path;
    return 0;
}

int sw_rules_opts_add_var(sw_rules_opts *o, const char *item)
{
    if (!strchr(item, '=') || item[0] == '=') {
        fprintf(stderr, "%s: invalid value '%s' for --var (expected NAME=VALUE)\n", o->prog, item);
        return 2;
    }
    if (o->ncli_vars == SW_RULES_OPT_VARS) {
        fprintf(stderr, "%s: too many --var options (at most %d)\n", o->prog, SW_RULES_OPT_VARS);
        return 2;
    }
    o->cli_vars[o->ncli_vars++] = item;
    return 0;
}

static char *keep(sw_rules_opts *o, char *s)
{
    if (s && o->nowned == sizeof(o->owned) / sizeof(o->owned[0])) {
        free(s);
        return NULL;
    }
    if (s)
        o->owned[o->nowned++] = s;
    return s;
}

/* Length of a variable item's name ("NAME=..." or "$NAME=..."), skipping the '$'. */
static size_t var_name(const char *item, const char **name)
{
    *name = item[0] == '$' ? item + 1 : item;
    const char *eq = strchr(*name, '=');
    return eq ? (size_t)(eq - *name) : strlen(*name);
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        s[--n] = 0;
    return s;
}

/* A path from the config file: relative paths are relative to the file's folder. */
static char *config_path(const char *config, const char *p)
{
    const char *slash = strrchr(config, '/');
    if (p[0] == '/' || !slash)
        return strdup(p);
    size_t dl = (size_t)(slash - config) + 1, pl = strlen(p);
    char *out = malloc(dl + pl + 1);
    if (out) {
        memcpy(out, config, dl);
        memcpy(out + dl, p, pl + 1);
    }
    return out;
}

static int read_config(sw_rules_opts *o, size_t *nfiles, size_t *nvars)
{
    const char *path = o->config;
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "%s: %s: %s\n", o->prog, path, strerror(errno));
        return 1;
    }
    char line[8192];
    unsigned ln = 0;
    size_t total = 0;
    int rc = 0;
    while (fgets(line, sizeof(line), f)) {
        ln++;
        size_t len = strlen(line);
        total += len;
        if (total > CONFIG_MAX_BYTES) {
            fprintf(stderr, "%s%s:%u: configuration file too large (max %u bytes)\n", o->prefix, path, ln, CONFIG_MAX_BYTES);
            rc = 1;
            break;
        }
        if (len && line[len - 1] == '\n')
            line[--len] = 0;
        else if (!feof(f)) {
            fprintf(stderr, "%s%s:%u: line too long (max %zu bytes)\n", o->prefix, path, ln, sizeof(line) - 2);
            rc = 1;
            break;
        }
        char *s = trim(line);
        if (!*s || *s == '#')
            continue;
        char *eq = strchr(s, '=');
        if (!eq) {
            fprintf(stderr, "%s%s:%u: expected 'setting = value' (var NAME = VALUE, rules = FILE, "
                            "threshold-file = FILE, default-rules = yes|no)\n", o->prefix, path, ln);
            rc = 1;
            break;
        }
        *eq = 0;
        char *key = trim(s), *val = trim(eq + 1);
        if (!*val) {
            fprintf(stderr, "%s%s:%u: %s has no value\n", o->prefix, path, ln, key);
            rc = 1;
            break;
        }
        if (!strncmp(key, "var", 3) && (key[3] == ' ' || key[3] == '\t')) {
            char *name = trim(key + 3);
            if (*nvars == SW_RULES_OPT_VARS) {
                fprintf(stderr, "%s%s:%u: too many variables (at most %d)\n", o->prefix, path, ln, SW_RULES_OPT_VARS);
                rc = 1;
                break;
            }
            size_t need = strlen(name) + strlen(val) + 2;
            char *item = keep(o, malloc(need));
            if (!item) {
                fprintf(stderr, "%s: out of memory\n", o->prog);
                rc = 1;
                break;
            }
            snprintf(item, need, "%s=%s", name, val);
            /* check the value here, so the message names this line */
            o->vars[*nvars] = item;
            o->vars[*nvars + 1] = NULL;
            char err[1024];
            sw_rules_spec spec;
            memset(&spec, 0, sizeof(spec));
            spec.vars = o->vars;
            sw_ruleset *rs = sw_ruleset_load(&spec, err, sizeof(err));
            if (!rs) {
                const char *msg = err;
                size_t pl = strlen("--var ") + strlen(item) + 2;
                if (!strncmp(err, "--var ", 6) && strlen(err) > pl && !strncmp(err + 6, item, strlen(item)))
                    msg = err + pl;
                fprintf(stderr, "%s%s:%u: var %s: %s\n", o->prefix, path, ln, name, msg);
                rc = 1;
                break;
            }
            sw_ruleset_free(rs);
            (*nvars)++;
        } else if (!strcmp(key, "rules")) {
            if (*nfiles == SW_RULES_OPT_FILES) {
                fprintf(stderr, "%s%s:%u: too many rule files (at most %d)\n", o->prefix, path, ln, SW_RULES_OPT_FILES);
                rc = 1;
                break;
            }
            char *p = keep(o, config_path(path, val));
            if (!p) {
                fprintf(stderr, "%s: out of memory\n", o->prog);
                rc = 1;
                break;
            }
            o->files[(*nfiles)++] = p;
        } else if (!strcmp(key, "default-rules")) {
            int b = sw_cli_parse_bool(val);
            if (b < 0) {
                fprintf(stderr, "%s%s:%u: default-rules: expected yes or no, not '%s'\n", o->prefix, path, ln, val);
                rc = 1;
                break;
            }
            if (!b)
                o->no_default_rules = 1;
        } else if (!strcmp(key, "threshold-file")) {
            if (o->config_threshold) {
                fprintf(stderr, "%s%s:%u: threshold-file given twice\n", o->prefix, path, ln);
                rc = 1;
                break;
            }
            o->config_threshold = 1;
            char *p = keep(o, config_path(path, val));
            if (!p) {
                fprintf(stderr, "%s: out of memory\n", o->prog);
                rc = 1;
                break;
            }
            if (!o->threshold_file)       /* --threshold-file wins */
                o->threshold_file = p;
        } else {
            fprintf(stderr, "%s%s:%u: unknown setting '%s' (var NAME, rules, threshold-file, default-rules)\n", o->prefix, path, ln, key);
            rc = 1;
            break;
        }
    }
    if (!rc && ferror(f)) {
        fprintf(stderr, "%s: %s: read error\n", o->prog, path);
        rc = 1;
    }
    fclose(f);
    return rc;
}

int sw_rules_opts_resolve(sw_rules_opts *o)
{
    size_t nfiles = 0, nvars = 0;
    o->files[0] = o->vars[0] = NULL;
    if (o->config && read_config(o, &nfiles, &nvars) != 0)
        return 1;
    for (size_t i = 0; i < o->ncli_files; i++) {
        if (nfiles == SW_RULES_OPT_FILES) {
            fprintf(stderr, "%s: too many rule files (at most %d)\n", o->prog, SW_RULES_OPT_FILES);
            return 1;
        }
        o->files[nfiles++] = o->cli_files[i];
    }
    size_t nconf = nvars;
    for (size_t i = 0; i < o->ncli_vars; i++) {
        const char *cn, *item = o->cli_vars[i];
        size_t cl = var_name(item, &cn), j;
        for (j = 0; j < nconf; j++) {
            const char *fn;
            size_t fl = var_name(o->vars[j], &fn);
            if (fl == cl && !memcmp(fn, cn, cl))
                break;
        }
        if (j < nconf) {            /* the command line wins, in the file's place */
            o->vars[j] = item;
            continue;
        }
        if (nvars == SW_RULES_OPT_VARS) {
            fprintf(stderr, "%s: too many variables (at most %d)\n", o->prog, SW_RULES_OPT_VARS);
            return 1;
        }
        o->vars[nvars++] = item;
    }
    o->files[nfiles] = NULL;
    o->vars[nvars] = NULL;
    return 0;
}

void sw_rules_opts_free(sw_rules_opts *o)
{
    for (size_t i = 0; i < o->nowned; i++)
        free(o->owned[i]);
    o->nowned = 0;
}
