/*
 * rule_parse.c — the rule-file parser: Suricata/Snort-style lines
 *     action proto src sport direction dst dport (options)
 * plus `var` / `ipvar` / `portvar` definitions, comments and backslash continuations,
 * into the sw_ruleset the rule engine (ruleset.c) matches events against.
 *
 * Invariants: the whole text is validated before anything is returned; on the first
 * error the load fails with "file:line: what is wrong" (line = first line of the
 * logical line) and every allocation is released, so nothing is ever half-loaded.
 * Every input is bounded: file size, logical line length, rule count, list nesting,
 * list size, expanded address/port entries, variable count (caps in rule_internal.h).
 * Command-line variables ("NAME=VALUE") win over `var` lines of the same name.
 * A set may be built from several sources (the base rules, then site files): a
 * site rule replaces the base rule with its sid; HOME_NET and EXTERNAL_NET exist
 * ("any") until something defines them, and a `var` line may redefine them only
 * before a rule used them (so every rule sees one value).
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sodium.h>
#include "rules/rule_internal.h"

enum { VK_ANY = 0, VK_ADDR, VK_PORT };

typedef struct var_def {
    char     name[SW_VAR_NAME_MAX + 1];
    char    *value;
    uint8_t  kind;        /* VK_*: what the value may be used as */
    uint8_t  cmdline;     /* given in the vars list */
    uint8_t  builtin;     /* the built-in default, not yet defined by anyone */
    uint8_t  used;        /* a rule used it (use_src:use_line the first such rule) */
    uint16_t src, use_src;
    unsigned line;        /* defining line (file vars) */
    unsigned use_line;
} var_def;

/* Variables that exist before anything defines them, so every rule file (the
 * default rules, a site file loaded without them) may use them. */
static const struct { const char *name, *value; } builtin_vars[] = {
    { "HOME_NET", "any" },
    { "EXTERNAL_NET", "any" },
};

/* Tunable options (rules/tunables.h): name, owning event, range. Order = index in
 * tun_* arrays. */
#define TUN_ENUM(name, event, def, min, max, unit) TUN_##name,
enum { SW_TUNABLES(TUN_ENUM) TUN_COUNT };
#undef TUN_ENUM

static const struct {
    const char *name;
    sw_event_id event;
    uint32_t    min, max;
} tunable_defs[TUN_COUNT] = {
#define TUN_DEF(name, event, def, min, max, unit) { #name, event, min, max },
    SW_TUNABLES(TUN_DEF)
#undef TUN_DEF
};
_Static_assert(TUN_COUNT <= SW_TUN_MAX, "sw_rule.tun_val too small");

typedef struct parser {
    const char *fname;
    unsigned    line;
    const char *cmdvar;            /* non-NULL while checking a command-line variable */
    char       *err;
    size_t      errlen;
    int         failed;
    var_def    *vars;
    size_t      nvars, capvars;
    sw_rule    *rules;
    size_t      nrules, caprules;
    uint32_t   *sidtab;            /* open addressing: rule index + 1, 0 = empty */
    size_t      sidcap;
    char       *vbuf;              /* option value scratch, SW_RULE_LINE_MAX + 1 bytes */
    uint32_t    tun_val[TUN_COUNT];
    unsigned    tun_line[TUN_COUNT]; /* 0 = not set */
    uint16_t    tun_src[TUN_COUNT];
    uint16_t    src;               /* source being parsed (index into src_names) */
    int         base;              /* 1: parsing the base rules */
    int         in_rule;           /* 1: parsing a rule header (variables count as used) */
    char      **src_names;
    size_t      nsrc, nreplaced;
    int         tf_mode;           /* 1: parsing a threshold file */
    sw_tfentry *tf;
    size_t      ntf, captf;
} parser;

static int fail(parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(parser *p, const char *fmt, ...)
{
    if (p->failed)
        return -1;
    p->failed = 1;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (p->err && p->errlen) {
        if (p->cmdvar)
            snprintf(p->err, p->errlen, "--var %s: %s", p->cmdvar, msg);
        else
            snprintf(p->err, p->errlen, "%s:%u: %s", p->fname, p->line, msg);
    }
    return -1;
}

static int is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static const char *skip_ws(const char *s, const char *e)
{
    while (s < e && is_ws(*s))
        s++;
    return s;
}

static int is_name_char(char c)
{
    return isalnum((unsigned char)c) || c == '_';
}

/* Decimal without sign; 1..10 digits; <= max. */
static int parse_u32(const char *s, size_t n, uint64_t min, uint64_t max, uint32_t *out)
{
    if (n == 0 || n > 10)
        return -1;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (v < min || v > max)
        return -1;
    *out = (uint32_t)v;
    return 0;
}

/* ---------------------------------------------------------------- variables -- */

static var_def *var_find(parser *p, const char *name, size_t n)
{
    for (size_t i = 0; i < p->nvars; i++)
        if (strlen(p->vars[i].name) == n && memcmp(p->vars[i].name, name, n) == 0)
            return &p->vars[i];
    return NULL;
}

static int valid_var_name(const char *s, size_t n)
{
    if (n == 0 || n > SW_VAR_NAME_MAX)
        return 0;
    if (!(isalpha((unsigned char)s[0]) || s[0] == '_'))
        return 0;
    for (size_t i = 1; i < n; i++)
        if (!is_name_char(s[i]))
            return 0;
    return 1;
}

/* ---------------------------------------------------- address / port sets -- */

typedef struct setctx {
    parser     *p;
    sw_set     *set;
    uint32_t    cap;
    int         port;             /* 1: ports, 0: addresses */
    const char *var;              /* variable being expanded, for messages */
    char       *msg;
    size_t      msglen;
    int         bad;
} setctx;

static uint32_t set_err(setctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static uint32_t set_err(setctx *c, const char *fmt, ...)
{
    if (!c->bad) {
        c->bad = 1;
        char m[384];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(m, sizeof(m), fmt, ap);
        va_end(ap);
        if (c->var)
            snprintf(c->msg, c->msglen, "%s (in $%s)", m, c->var);
        else
            snprintf(c->msg, c->msglen, "%s", m);
    }
    return SW_NODE_NONE;
}

static uint32_t set_node(setctx *c, uint8_t kind)
{
    if (c->set->n >= SW_SET_NODES_MAX)
        return set_err(c, "%s list too large (max %u entries after variable expansion)",
                       c->port ? "port" : "address", SW_SET_NODES_MAX);
    if (c->set->n == c->cap) {
        uint32_t ncap = c->cap ? c->cap * 2 : 4;
        if (ncap > SW_SET_NODES_MAX)
            ncap = SW_SET_NODES_MAX;
        sw_setnode *nn = realloc(c->set->nodes, ncap * sizeof(*nn));
        if (!nn)
            return set_err(c, "out of memory");
        c->set->nodes = nn;
        c->cap = ncap;
    }
    uint32_t i = c->set->n++;
    sw_setnode *nd = &c->set->nodes[i];
    memset(nd, 0, sizeof(*nd));
    nd->kind = kind;
    nd->child = SW_NODE_NONE;
    nd->next = SW_NODE_NONE;
    return i;
}

static uint32_t parse_net_literal(setctx *c, const char *s, size_t n)
{
    char buf[64];
    if (n >= sizeof(buf))
        return set_err(c, "bad address '%.64s...'", s);
    memcpy(buf, s, n);
    buf[n] = 0;
    char *slash = strchr(buf, '/');
    if (slash)
        *slash = 0;
    uint8_t addr[16] = {0};
    int family = strchr(buf, ':') ? 6 : 4;
    if (inet_pton(family == 6 ? AF_INET6 : AF_INET, buf, addr) != 1)
        return set_err(c, "bad address '%.*s'", (int)n, s);
    unsigned maxbits = family == 6 ? 128 : 32;
    uint32_t prefix = maxbits;
    if (slash) {
        const char *ps = slash + 1;
        if (parse_u32(ps, strlen(ps), 0, maxbits, &prefix) != 0)
            return set_err(c, "bad prefix length in '%.*s' (0..%u)", (int)n, s, maxbits);
    }
    /* clear host bits */
    for (unsigned b = prefix; b < maxbits; b++)
        addr[b / 8] &= (uint8_t)~(0x80u >> (b % 8));
    uint32_t i = set_node(c, SW_NODE_NET);
    if (i == SW_NODE_NONE)
        return i;
    sw_setnode *nd = &c->set->nodes[i];
    nd->family = (uint8_t)family;
    nd->prefix = (uint8_t)prefix;
    memcpy(nd->addr, addr, 16);
    return i;
}

static uint32_t parse_port_literal(setctx *c, const char *s, size_t n)
{
    const char *colon = memchr(s, ':', n);
    uint32_t lo, hi;
    if (!colon) {
        if (parse_u32(s, n, 0, 65535, &lo) != 0)
            return set_err(c, "bad port '%.*s' (0..65535, N:M, any)", (int)n, s);
        hi = lo;
    } else {
        size_t ln = (size_t)(colon - s), rn = n - ln - 1;
        if (ln == 0 && rn == 0)
            return set_err(c, "bad port range ':'");
        if (ln == 0)
            lo = 0;
        else if (parse_u32(s, ln, 0, 65535, &lo) != 0)
            return set_err(c, "bad port range '%.*s'", (int)n, s);
        if (rn == 0)
            hi = 65535;
        else if (parse_u32(colon + 1, rn, 0, 65535, &hi) != 0)
            return set_err(c, "bad port range '%.*s'", (int)n, s);
        if (lo > hi)
            return set_err(c, "bad port range '%.*s' (start above end)", (int)n, s);
    }
    uint32_t i = set_node(c, SW_NODE_PORTS);
    if (i == SW_NODE_NONE)
        return i;
    c->set->nodes[i].lo = (uint16_t)lo;
    c->set->nodes[i].hi = (uint16_t)hi;
    return i;
}

static uint32_t parse_elem(setctx *c, const char **sp, const char *e, int depth);

static uint32_t parse_var_ref(setctx *c, const char **sp, const char *e, int depth)
{
    const char *s = *sp + 1, *t = s;
    while (s < e && is_name_char(*s))
        s++;
    size_t n = (size_t)(s - t);
    if (n == 0)
        return set_err(c, "'$' without a variable name");
    var_def *v = var_find(c->p, t, n);
    if (!v)
        return set_err(c, "undefined variable $%.*s", (int)(n > 64 ? 64 : n), t);
    if (c->p->in_rule && !v->used) {
        v->used = 1;
        v->use_src = c->p->src;
        v->use_line = c->p->line;
    }
    if (c->port && v->kind == VK_ADDR)
        return set_err(c, "$%s is an address variable, used as a port", v->name);
    if (!c->port && v->kind == VK_PORT)
        return set_err(c, "$%s is a port variable, used as an address", v->name);
    if (depth >= SW_LIST_DEPTH_MAX)
        return set_err(c, "lists and variables nested too deep (max %d levels)", SW_LIST_DEPTH_MAX);
    const char *saved = c->var;
    c->var = v->name;
    const char *vs = v->value, *ve = v->value + strlen(v->value);
    uint32_t i = parse_elem(c, &vs, ve, depth + 1);
    if (i != SW_NODE_NONE) {
        vs = skip_ws(vs, ve);
        if (vs < ve)
            i = set_err(c, "unexpected '%c'", *vs);
    }
    c->var = saved;
    *sp = s;
    return i;
}

static uint32_t parse_elem(setctx *c, const char **sp, const char *e, int depth)
{
    const char *s = skip_ws(*sp, e);
    const char *what = c->port ? "port" : "address";
    if (s >= e)
        return set_err(c, "missing %s", what);
    if (*s == '!') {
        *sp = s + 1;
        uint32_t i = parse_elem(c, sp, e, depth);
        if (i == SW_NODE_NONE)
            return i;
        sw_setnode *nd = &c->set->nodes[i];
        if (nd->kind == SW_NODE_ANY && !nd->neg)
            return set_err(c, "'!any' matches nothing");
        nd->neg ^= 1;
        return i;
    }
    if (*s == '[') {
        if (depth >= SW_LIST_DEPTH_MAX)
            return set_err(c, "lists and variables nested too deep (max %d levels)", SW_LIST_DEPTH_MAX);
        uint32_t li = set_node(c, SW_NODE_LIST);
        if (li == SW_NODE_NONE)
            return li;
        s++;
        uint32_t last = SW_NODE_NONE, count = 0;
        for (;;) {
            s = skip_ws(s, e);
            if (s >= e)
                return set_err(c, "unbalanced '[' in %s", what);
            if (*s == ']') {
                if (count == 0)
                    return set_err(c, "empty %s list", what);
                s++;
                break;
            }
            if (count > 0) {
                if (*s != ',')
                    return set_err(c, "expected ',' or ']' in %s list, found '%c'", what, *s);
                s = skip_ws(s + 1, e);
            }
            if (++count > SW_LIST_ITEMS_MAX)
                return set_err(c, "%s list has more than %u elements", what, SW_LIST_ITEMS_MAX);
            *sp = s;
            uint32_t ci = parse_elem(c, sp, e, depth + 1);
            if (ci == SW_NODE_NONE)
                return ci;
            s = *sp;
            if (last == SW_NODE_NONE)
                c->set->nodes[li].child = ci;
            else
                c->set->nodes[last].next = ci;
            last = ci;
        }
        *sp = s;
        return li;
    }
    if (*s == '$')  {
        *sp = s;
        return parse_var_ref(c, sp, e, depth);
    }
    const char *t = s;
    while (s < e && *s != ',' && *s != ']' && *s != '[' && !is_ws(*s))
        s++;
    size_t n = (size_t)(s - t);
    if (n == 0)
        return set_err(c, "unexpected '%c' in %s", *t, what);
    *sp = s;
    if (n == 3 && memcmp(t, "any", 3) == 0)
        return set_node(c, SW_NODE_ANY);
    return c->port ? parse_port_literal(c, t, n) : parse_net_literal(c, t, n);
}

/* Parse a whole address (port=0) or port (port=1) expression. On error returns -1 with
 * msg filled and out empty. */
static int parse_set(parser *p, const char *s, size_t n, int port, sw_set *out,
                     char *msg, size_t msglen)
{
    setctx c = { .p = p, .set = out, .cap = 0, .port = port, .var = NULL,
                 .msg = msg, .msglen = msglen, .bad = 0 };
    out->nodes = NULL;
    out->n = 0;
    const char *sp = s, *e = s + n;
    uint32_t root = parse_elem(&c, &sp, e, 0);
    if (root != SW_NODE_NONE) {
        sp = skip_ws(sp, e);
        if (sp < e)
            root = set_err(&c, "unexpected '%c' in %s", *sp, port ? "port" : "address");
    }
    if (root == SW_NODE_NONE || root != 0) {
        if (!c.bad)
            snprintf(msg, msglen, "internal error parsing %s", port ? "port" : "address");
        free(out->nodes);
        out->nodes = NULL;
        out->n = 0;
        return -1;
    }
    return 0;
}

/* Define a variable. kind VK_ANY: the value must be an address or a port. */
static int define_var(parser *p, const char *name, size_t nlen, const char *val, size_t vlen,
                      int kind, int cmdline)
{
    if (!valid_var_name(name, nlen))
        return fail(p, "bad variable name '%.*s'", (int)(nlen > 64 ? 64 : nlen), name);
    if (vlen == 0)
        return fail(p, "variable %.*s has no value", (int)nlen, name);
    var_def *old = var_find(p, name, nlen);
    if (old && old->cmdline && cmdline)
        return fail(p, "variable %s given twice", old->name);
    if (old && !old->cmdline && !old->builtin) {
        if (old->src == p->src)
            return fail(p, "variable %s already defined at line %u", old->name, old->line);
        return fail(p, "variable %s already defined at %s:%u; set it with --var or --config "
                    "instead", old->name, p->src_names[old->src], old->line);
    }
    /* the same value again (a copy of the old default.rules: `var HOME_NET any`) changes
     * nothing: accepted */
    if (old && old->builtin && old->used && strlen(old->value) == vlen &&
        memcmp(old->value, val, vlen) == 0)
        return 0;
    if (old && old->builtin && old->used)
        return fail(p, "variable %s was already used with its built-in value '%s' (%s:%u); "
                    "set it with --var or --config instead", old->name, old->value,
                    p->src_names[old->use_src], old->use_line);

    /* Validate the value now, so the error points at the definition. */
    char m1[256], m2[256];
    sw_set tmp;
    int as_addr = -1, as_port = -1;
    if (kind != VK_PORT) {
        as_addr = parse_set(p, val, vlen, 0, &tmp, m1, sizeof(m1));
        free(tmp.nodes);
    }
    if (kind != VK_ADDR && as_addr != 0) {
        as_port = parse_set(p, val, vlen, 1, &tmp, m2, sizeof(m2));
        free(tmp.nodes);
    }
    if (kind == VK_ADDR && as_addr != 0)
        return fail(p, "ipvar %.*s: %s", (int)nlen, name, m1);
    if (kind == VK_PORT && as_port != 0)
        return fail(p, "portvar %.*s: %s", (int)nlen, name, m2);
    if (kind == VK_ANY && as_addr != 0 && as_port != 0) {
        if (cmdline)
            return fail(p, "neither an address (%s) nor a port (%s)", m1, m2);
        return fail(p, "var %.*s is neither an address (%s) nor a port (%s)", (int)nlen, name, m1, m2);
    }
    if (kind == VK_ANY)
        kind = as_addr == 0 && as_port == 0 ? VK_ANY : as_addr == 0 ? VK_ADDR : VK_PORT;

    if (old && old->cmdline)   /* a file line for a command-line variable: the latter wins */
        return 0;
    if (old) {                 /* the first definition of a built-in variable */
        char *nv = malloc(vlen + 1);
        if (!nv)
            return fail(p, "out of memory");
        memcpy(nv, val, vlen);
        nv[vlen] = 0;
        free(old->value);
        old->value = nv;
        old->kind = (uint8_t)kind;
        old->builtin = 0;
        old->cmdline = (uint8_t)cmdline;
        old->src = p->src;
        old->line = p->line;
        return 0;
    }
    if (p->nvars >= SW_VARS_MAX)
        return fail(p, "too many variables (max %u)", SW_VARS_MAX);
    if (p->nvars == p->capvars) {
        size_t nc = p->capvars ? p->capvars * 2 : 16;
        var_def *nv = realloc(p->vars, nc * sizeof(*nv));
        if (!nv)
            return fail(p, "out of memory");
        p->vars = nv;
        p->capvars = nc;
    }
    var_def *v = &p->vars[p->nvars];
    memset(v, 0, sizeof(*v));
    memcpy(v->name, name, nlen);
    v->value = malloc(vlen + 1);
    if (!v->value)
        return fail(p, "out of memory");
    memcpy(v->value, val, vlen);
    v->value[vlen] = 0;
    v->kind = (uint8_t)kind;
    v->cmdline = (uint8_t)cmdline;
    v->src = p->src;
    v->line = p->line;
    p->nvars++;
    return 0;
}

static int define_builtin_vars(parser *p)
{
    for (size_t i = 0; i < sizeof(builtin_vars) / sizeof(builtin_vars[0]); i++) {
        const char *n = builtin_vars[i].name, *v = builtin_vars[i].value;
        if (define_var(p, n, strlen(n), v, strlen(v), VK_ADDR, 0) != 0)
            return -1;
        var_find(p, n, strlen(n))->builtin = 1;
    }
    return 0;
}

static int cmdline_var(parser *p, const char *item)
{
    p->cmdvar = item;
    const char *eq = strchr(item, '=');
    if (!eq) {
        fail(p, "expected NAME=VALUE");
        return -1;
    }
    const char *name = item;
    if (*name == '$')
        name++;
    const char *val = skip_ws(eq + 1, eq + 1 + strlen(eq + 1));
    size_t vlen = strlen(val);
    while (vlen && is_ws(val[vlen - 1]))
        vlen--;
    if (vlen > SW_RULE_LINE_MAX)
        return fail(p, "value too long (max %u bytes)", SW_RULE_LINE_MAX);
    int r = define_var(p, name, (size_t)(eq - name), val, vlen, VK_ANY, 1);
    if (r == 0)
        p->cmdvar = NULL;
    return r;
}

/* `var NAME VALUE`, `ipvar ...`, `portvar ...`; s points after the keyword. */
static int var_line(parser *p, int kind, const char *s, const char *e)
{
    s = skip_ws(s, e);
    const char *name = s;
    while (s < e && !is_ws(*s))
        s++;
    size_t nlen = (size_t)(s - name);
    s = skip_ws(s, e);
    const char *val = s;
    size_t vlen = (size_t)(e - s);
    while (vlen && is_ws(val[vlen - 1]))
        vlen--;
    if (nlen == 0 || vlen == 0)
        return fail(p, "%s needs a name and a value", kind == VK_ADDR ? "ipvar" : kind == VK_PORT ? "portvar" : "var");
    if (name[0] == '$')
        return fail(p, "write the variable name without '$' in its definition");
    return define_var(p, name, nlen, val, vlen, kind, 0);
}

/* -------------------------------------------------------------------- rules -- */

enum { OPT_MSG = 0, OPT_EVENT, OPT_SID, OPT_REV, OPT_GID, OPT_CLASSTYPE, OPT_PRIORITY, OPT_FLOW,
       OPT_THRESHOLD, OPT_METADATA, OPT_TUNABLE0 };

static int option_id(const char *name, size_t n)
{
    static const char *const names[] = { "msg", "event", "sid", "rev", "gid", "classtype",
                                         "priority", "flow", "threshold", "metadata" };
    for (int i = 0; i < (int)(sizeof(names) / sizeof(names[0])); i++)
        if (strlen(names[i]) == n && memcmp(names[i], name, n) == 0)
            return i;
    for (int i = 0; i < TUN_COUNT; i++)
        if (strlen(tunable_defs[i].name) == n && memcmp(tunable_defs[i].name, name, n) == 0)
            return OPT_TUNABLE0 + i;
    return -1;
}

typedef struct rule_build {
    sw_rule  r;
    int      have_event;
    uint32_t seen;                 /* bit per option id (metadata may repeat) */
    uint32_t tun_val[TUN_COUNT];
    uint8_t  tun_set[TUN_COUNT];
} rule_build;

static char *dup_str(const char *s)
{
    size_t n = strlen(s);
    char *d = malloc(n + 1);
    if (d)
        memcpy(d, s, n + 1);
    return d;
}

/* Trim and split on ','. Calls fn for each piece; empty pieces are an error. */
typedef int (*piece_fn)(parser *p, rule_build *b, const char *s, size_t n);

static int for_each_piece(parser *p, rule_build *b, const char *opt, const char *v, piece_fn fn)
{
    const char *s = v, *e = v + strlen(v);
    for (;;) {
        const char *c = memchr(s, ',', (size_t)(e - s));
        const char *pe = c ? c : e;
        const char *a = skip_ws(s, pe), *z = pe;
        while (z > a && is_ws(z[-1]))
            z--;
        if (z == a)
            return fail(p, "%s: empty element", opt);
        if (fn(p, b, a, (size_t)(z - a)) != 0)
            return -1;
        if (!c)
            break;
        s = c + 1;
    }
    return 0;
}

static int flow_piece(parser *p, rule_build *b, const char *s, size_t n)
{
    int dir = -2;
#define IS(w) (n == strlen(w) && memcmp(s, w, n) == 0)
    if (IS("to_server") || IS("from_client"))
        dir = 0;
    else if (IS("to_client") || IS("from_server"))
        dir = 1;
    else if (IS("established") || IS("stateless"))
        return 0;   /* accepted for compatibility: every event belongs to a tracked connection */
    else
        return fail(p, "flow: unsupported keyword '%.*s' (to_server, to_client, from_client, "
                    "from_server, established, stateless)", (int)(n > 64 ? 64 : n), s);
#undef IS
    if (b->r.flow_dir >= 0 && b->r.flow_dir != dir)
        return fail(p, "flow: conflicting directions");
    b->r.flow_dir = (int8_t)dir;
    return 0;
}

static int threshold_piece(parser *p, rule_build *b, const char *s, size_t n)
{
    const char *e = s + n, *k = s;
    while (s < e && !is_ws(*s))
        s++;
    size_t kn = (size_t)(s - k);
    s = skip_ws(s, e);
    const char *v = s;
    size_t vn = (size_t)(e - s);
    for (size_t i = 0; i < vn; i++)
        if (is_ws(v[i]))
            return fail(p, "threshold: expected 'key value', found '%.*s'", (int)(n > 64 ? 64 : n), k);
    if (vn == 0)
        return fail(p, "threshold: '%.*s' needs a value", (int)(kn > 64 ? 64 : kn), k);
    sw_threshold *t = &b->r.thr;
#define KEY(w) (kn == strlen(w) && memcmp(k, w, kn) == 0)
#define VAL(w) (vn == strlen(w) && memcmp(v, w, vn) == 0)
    static const char *const keys[] = { "type", "track", "count", "seconds", "multiplier" };
    int ki = -1;
    for (int i = 0; i < 5; i++)
        if (KEY(keys[i]))
            ki = i;
    if (ki < 0)
        return fail(p, "threshold: unknown key '%.*s' (type, track, count, seconds, multiplier)",
                    (int)(kn > 64 ? 64 : kn), k);
    /* seen bits for threshold keys live above the option bits */
    uint32_t bit = 1u << (24 + ki);
    if (b->seen & bit)
        return fail(p, "threshold: '%s' given twice", keys[ki]);
    b->seen |= bit;
    switch (ki) {
    case 0:
        if (VAL("limit")) t->type = SW_THR_LIMIT;
        else if (VAL("threshold")) t->type = SW_THR_THRESHOLD;
        else if (VAL("both")) t->type = SW_THR_BOTH;
        else if (VAL("backoff")) t->type = SW_THR_BACKOFF;
        else return fail(p, "threshold: bad type '%.*s' (limit, threshold, both, backoff)",
                         (int)(vn > 64 ? 64 : vn), v);
        break;
    case 1:
        if (VAL("by_src")) t->track = SW_TRACK_SRC;
        else if (VAL("by_dst")) t->track = SW_TRACK_DST;
        else if (VAL("by_flow")) t->track = SW_TRACK_FLOW;
        else if (VAL("by_rule")) t->track = SW_TRACK_RULE;
        else if (VAL("by_both")) t->track = SW_TRACK_BOTH;
        else return fail(p, "threshold: bad track '%.*s' (by_src, by_dst, by_both, by_flow, by_rule)",
                         (int)(vn > 64 ? 64 : vn), v);
        break;
    case 2:
        if (parse_u32(v, vn, 1, UINT32_MAX, &t->count) != 0)
            return fail(p, "threshold: bad count '%.*s' (1..4294967295)", (int)(vn > 64 ? 64 : vn), v);
        break;
    case 3:
        if (parse_u32(v, vn, 1, 31536000, &t->seconds) != 0)
            return fail(p, "threshold: bad seconds '%.*s' (1..31536000)", (int)(vn > 64 ? 64 : vn), v);
        break;
    case 4:
        if (parse_u32(v, vn, 2, 1000000, &t->multiplier) != 0)
            return fail(p, "threshold: bad multiplier '%.*s' (2..1000000)", (int)(vn > 64 ? 64 : vn), v);
        break;
    }
#undef KEY
#undef VAL
    return 0;
}

/* The keys a threshold needs, once threshold_piece has read them all. */
static int threshold_check(parser *p, rule_build *b)
{
    uint32_t seen = b->seen >> 24;
    sw_threshold *t = &b->r.thr;
    if (!(seen & 1))
        return fail(p, "threshold: missing type");
    if (!(seen & 2))
        return fail(p, "threshold: missing track");
    if (!(seen & 4))
        return fail(p, "threshold: missing count");
    if (t->type == SW_THR_BACKOFF) {
        if (seen & 8)
            return fail(p, "threshold: backoff takes multiplier, not seconds");
        if (!(seen & 16))
            return fail(p, "threshold: backoff needs a multiplier");
    } else {
        if (!(seen & 8))
            return fail(p, "threshold: missing seconds");
        if (seen & 16)
            return fail(p, "threshold: multiplier is only for type backoff");
    }
    return 0;
}

static int parse_threshold(parser *p, rule_build *b, const char *v)
{
    if (for_each_piece(p, b, "threshold", v, threshold_piece) != 0)
        return -1;
    return threshold_check(p, b);
}

static int valid_classtype(const char *s)
{
    if (!*s || strlen(s) > 128)
        return 0;
    for (; *s; s++)
        if (!(isalnum((unsigned char)*s) || *s == '-' || *s == '_' || *s == '.'))
            return 0;
    return 1;
}

static int apply_option(parser *p, rule_build *b, int id, const char *name, const char *v)
{
    sw_rule *r = &b->r;
    if (id != OPT_METADATA) {
        if (b->seen & (1u << id))
            return fail(p, "duplicate option '%s'", name);
        b->seen |= 1u << id;
    }
    switch (id) {
    case OPT_MSG:
        r->msg = dup_str(v);
        return r->msg ? 0 : fail(p, "out of memory");
    case OPT_EVENT: {
        int ev = sw_event_lookup(v);
        if (ev < 0)
            return fail(p, "unknown event '%.64s' (see `seqwatch events`)", v);
        r->event = (sw_event_id)ev;
        b->have_event = 1;
        return 0;
    }
    case OPT_SID:
        if (parse_u32(v, strlen(v), 1, UINT32_MAX, &r->sid) != 0)
            return fail(p, "bad sid '%.64s' (1..4294967295)", v);
        return 0;
    case OPT_REV:
        if (parse_u32(v, strlen(v), 0, UINT32_MAX, &r->rev) != 0)
            return fail(p, "bad rev '%.64s' (0..4294967295)", v);
        return 0;
    case OPT_GID:
        if (parse_u32(v, strlen(v), 1, UINT32_MAX, &r->gid) != 0)
            return fail(p, "bad gid '%.64s' (1..4294967295)", v);
        return 0;
    case OPT_CLASSTYPE:
        if (!valid_classtype(v))
            return fail(p, "bad classtype '%.64s' (letters, digits, '-', '_', '.')", v);
        r->classtype = dup_str(v);
        return r->classtype ? 0 : fail(p, "out of memory");
    case OPT_PRIORITY: {
        uint32_t pr;
        if (parse_u32(v, strlen(v), 1, 255, &pr) != 0)
            return fail(p, "bad priority '%.64s' (1..255)", v);
        r->priority = (int)pr;
        return 0;
    }
    case OPT_FLOW:
        return for_each_piece(p, b, "flow", v, flow_piece);
    case OPT_THRESHOLD:
        return parse_threshold(p, b, v);
    case OPT_METADATA: {
        size_t vl = strlen(v);
        if (!r->metadata) {
            r->metadata = dup_str(v);
            return r->metadata ? 0 : fail(p, "out of memory");
        }
        size_t ol = strlen(r->metadata);
        if (ol + 2 + vl > SW_RULE_LINE_MAX)
            return fail(p, "metadata too long");
        char *nm = realloc(r->metadata, ol + 2 + vl + 1);
        if (!nm)
            return fail(p, "out of memory");
        memcpy(nm + ol, ", ", 2);
        memcpy(nm + ol + 2, v, vl + 1);
        r->metadata = nm;
        return 0;
    }
    default: {
        int t = id - OPT_TUNABLE0;
        uint32_t val;
        if (parse_u32(v, strlen(v), tunable_defs[t].min, tunable_defs[t].max, &val) != 0)
            return fail(p, "bad %s '%.64s' (%u..%u)", name, v, tunable_defs[t].min, tunable_defs[t].max);
        b->tun_val[t] = val;
        b->tun_set[t] = 1;
        return 0;
    }
    }
}

/* Parse "(opt; opt: value; ...)" starting just after '('. */
static int parse_options(parser *p, rule_build *b, const char *s, const char *e)
{
    int closed = 0;
    while (!closed) {
        s = skip_ws(s, e);
        if (s >= e)
            return fail(p, "missing ')' at end of rule");
        if (*s == ')') {
            s++;
            break;
        }
        const char *nm = s;
        while (s < e && (is_name_char(*s) || *s == '-'))
            s++;
        size_t nlen = (size_t)(s - nm);
        if (nlen == 0)
            return fail(p, "expected an option name, found '%c'", *s);
        char name[48];
        snprintf(name, sizeof(name), "%.*s", (int)(nlen > 40 ? 40 : nlen), nm);
        int id = option_id(nm, nlen);
        if (id < 0)
            return fail(p, "unknown option '%s'", name);
        s = skip_ws(s, e);
        if (s >= e)
            return fail(p, "missing ')' at end of rule");
        if (*s != ':')
            return fail(p, "option '%s' needs a value ('%s: value;')", name, name);
        s = skip_ws(s + 1, e);
        size_t vl = 0;
        char *v = p->vbuf;
        if (s < e && *s == '"') {
            s++;
            for (;;) {
                if (s >= e)
                    return fail(p, "unterminated quoted string in option '%s'", name);
                char ch = *s;
                if (ch == '"') {
                    s++;
                    break;
                }
                if (ch == '\\') {
                    if (s + 1 >= e)
                        return fail(p, "unterminated quoted string in option '%s'", name);
                    char nx = s[1];
                    if (nx != '"' && nx != ';' && nx != '\\')
                        return fail(p, "bad escape '\\%c' in option '%s' (only \\\", \\; and \\\\)",
                                    nx, name);
                    v[vl++] = nx;
                    s += 2;
                    continue;
                }
                v[vl++] = ch;
                s++;
            }
            s = skip_ws(s, e);
            if (s >= e)
                return fail(p, "missing ')' at end of rule");
            if (*s == ';')
                s++;
            else if (*s != ')')
                return fail(p, "expected ';' after the quoted value of option '%s'", name);
        } else {
            int found = 0;
            while (s < e) {
                char ch = *s;
                if (ch == '\\' && s + 1 < e && (s[1] == ';' || s[1] == '\\' || s[1] == '"')) {
                    v[vl++] = s[1];
                    s += 2;
                    continue;
                }
                if (ch == ';') {
                    s++;
                    found = 1;
                    break;
                }
                if (ch == '"')
                    return fail(p, "unexpected '\"' in the value of option '%s'", name);
                v[vl++] = ch;
                s++;
            }
            if (!found) {
                /* last option without ';': its value ends at the closing ')' */
                while (vl && is_ws(v[vl - 1]))
                    vl--;
                if (vl == 0 || v[vl - 1] != ')')
                    return fail(p, "missing ')' at end of rule");
                vl--;
                closed = 1;
            }
            while (vl && is_ws(v[vl - 1]))
                vl--;
            if (vl == 0)
                return fail(p, "option '%s' needs a value", name);
        }
        v[vl] = 0;
        if (apply_option(p, b, id, name, v) != 0)
            return -1;
    }
    s = skip_ws(s, e);
    if (s < e)
        return fail(p, "unexpected text after ')'");
    return 0;
}

/* Header tokens: whitespace separated, brackets may hold whitespace. */
static int next_token(parser *p, const char **sp, const char *e, const char **tok, size_t *tlen)
{
    const char *s = skip_ws(*sp, e), *t = s;
    int depth = 0;
    while (s < e) {
        char ch = *s;
        if (ch == '[')
            depth++;
        else if (ch == ']') {
            if (depth == 0)
                return fail(p, "unbalanced ']' in rule header");
            depth--;
        } else if (depth == 0 && (is_ws(ch) || ch == '('))
            break;
        s++;
    }
    if (depth > 0)
        return fail(p, "unbalanced '[' in rule header");
    *tok = t;
    *tlen = (size_t)(s - t);
    *sp = s;
    return 0;
}

/* The sid table's slot for sid: the one holding the rule with that sid, or the empty
 * one where it goes. NULL when out of memory (p failed). */
static uint32_t *sid_slot(parser *p, uint32_t sid)
{
    if (p->nrules * 2 >= p->sidcap) {
        size_t nc = p->sidcap ? p->sidcap * 2 : 64;
        uint32_t *nt = calloc(nc, sizeof(*nt));
        if (!nt) {
            fail(p, "out of memory");
            return NULL;
        }
        for (size_t i = 0; i < p->sidcap; i++) {
            if (!p->sidtab[i])
                continue;
            uint32_t s2 = p->rules[p->sidtab[i] - 1].sid;
            size_t h = (size_t)(s2 * 2654435761u) & (nc - 1);
            while (nt[h])
                h = (h + 1) & (nc - 1);
            nt[h] = p->sidtab[i];
        }
        free(p->sidtab);
        p->sidtab = nt;
        p->sidcap = nc;
    }
    size_t h = (size_t)(sid * 2654435761u) & (p->sidcap - 1);
    while (p->sidtab[h] && p->rules[p->sidtab[h] - 1].sid != sid)
        h = (h + 1) & (p->sidcap - 1);
    return &p->sidtab[h];
}

/* The tunables in effect, from the rules not replaced (after a replacement). */
static void tun_recompute(parser *p)
{
    memset(p->tun_line, 0, sizeof(p->tun_line));
    for (size_t i = 0; i < p->nrules; i++) {
        const sw_rule *r = &p->rules[i];
        if (r->replaced)
            continue;
        for (int t = 0; t < TUN_COUNT; t++) {
            if ((r->tun_mask & (1u << t)) && !p->tun_line[t]) {
                p->tun_val[t] = r->tun_val[t];
                p->tun_line[t] = r->line;
                p->tun_src[t] = r->srcfile;
            }
        }
    }
}

static int rule_line(parser *p, int pass, const char *s, const char *e)
{
    rule_build b;
    memset(&b, 0, sizeof(b));
    b.r.line = p->line;
    b.r.pass = (uint8_t)pass;
    b.r.flow_dir = -1;
    b.r.gid = 1;
    b.r.rev = 1;
    sw_rule *r = &b.r;

    const char *tok[6];
    size_t tl[6];
    for (int i = 0; i < 6; i++) {
        if (next_token(p, &s, e, &tok[i], &tl[i]) != 0)
            goto bad;
        if (tl[i] == 0) {
            fail(p, "incomplete rule header (expected: action proto src sport -> dst dport (options))");
            goto bad;
        }
    }
    /* tok: proto src sport dir dst dport */
#define TOKIS(i, w) (tl[i] == strlen(w) && memcmp(tok[i], w, tl[i]) == 0)
    if (!(TOKIS(0, "tcp") || TOKIS(0, "ip") || TOKIS(0, "any"))) {
        fail(p, "unsupported protocol '%.*s' (tcp, ip or any)", (int)(tl[0] > 32 ? 32 : tl[0]), tok[0]);
        goto bad;
    }
    if (TOKIS(3, "->"))
        r->bidir = 0;
    else if (TOKIS(3, "<>"))
        r->bidir = 1;
    else {
        fail(p, "bad direction '%.*s' (-> or <>)", (int)(tl[3] > 32 ? 32 : tl[3]), tok[3]);
        goto bad;
    }
#undef TOKIS
    char msg[400];
    p->in_rule = 1;
    if (parse_set(p, tok[1], tl[1], 0, &r->src, msg, sizeof(msg)) != 0 ||
        parse_set(p, tok[2], tl[2], 1, &r->sport, msg, sizeof(msg)) != 0 ||
        parse_set(p, tok[4], tl[4], 0, &r->dst, msg, sizeof(msg)) != 0 ||
        parse_set(p, tok[5], tl[5], 1, &r->dport, msg, sizeof(msg)) != 0) {
        p->in_rule = 0;
        fail(p, "%s", msg);
        goto bad;
    }
    p->in_rule = 0;
    s = skip_ws(s, e);
    if (s >= e) {
        fail(p, "missing '(' options");
        goto bad;
    }
    if (*s != '(') {
        const char *t = s;
        while (s < e && !is_ws(*s))
            s++;
        fail(p, "unexpected '%.*s' after the rule header", (int)(s - t > 32 ? 32 : s - t), t);
        goto bad;
    }
    if (parse_options(p, &b, s + 1, e) != 0)
        goto bad;

    if (!b.have_event) {
        fail(p, "missing event option");
        goto bad;
    }
    if (r->sid == 0) {
        fail(p, "missing sid option");
        goto bad;
    }
    if (r->pass && r->thr.type != SW_THR_NONE) {
        fail(p, "threshold has no meaning on a pass rule");
        goto bad;
    }
    uint32_t *slot = sid_slot(p, r->sid);
    if (!slot)
        goto bad;
    if (*slot) {
        sw_rule *o = &p->rules[*slot - 1];
        if (o->base && !p->base) {           /* a site rule replaces the base rule */
            o->replaced = 1;
            p->nreplaced++;
            if (o->tun_mask)
                tun_recompute(p);
        } else if (o->srcfile == p->src) {
            fail(p, "duplicate sid %u (first used at line %u)", r->sid, o->line);
            goto bad;
        } else {
            fail(p, "duplicate sid %u (first used at %s:%u)", r->sid, p->src_names[o->srcfile], o->line);
            goto bad;
        }
    }
    r->srcfile = p->src;
    r->base = (uint8_t)p->base;
    for (int t = 0; t < TUN_COUNT; t++) {
        if (!b.tun_set[t])
            continue;
        r->tun_mask |= (uint8_t)(1u << t);
        r->tun_val[t] = b.tun_val[t];
        if (tunable_defs[t].event != r->event) {
            fail(p, "option %s applies only to rules for event %s", tunable_defs[t].name,
                 sw_event_def_get(tunable_defs[t].event)->name);
            goto bad;
        }
        if (p->tun_line[t] && p->tun_val[t] != b.tun_val[t]) {
            if (p->tun_src[t] == p->src)
                fail(p, "%s %u conflicts with %u set at line %u", tunable_defs[t].name, b.tun_val[t],
                     p->tun_val[t], p->tun_line[t]);
            else
                fail(p, "%s %u conflicts with %u set at %s:%u", tunable_defs[t].name, b.tun_val[t],
                     p->tun_val[t], p->src_names[p->tun_src[t]], p->tun_line[t]);
            goto bad;
        }
    }
    const sw_event_def *def = sw_event_def_get(r->event);
    if (!r->msg)
        r->msg = dup_str(def->description);
    if (!r->classtype)
        r->classtype = dup_str(def->classtype);
    if (!r->msg || !r->classtype) {
        fail(p, "out of memory");
        goto bad;
    }
    if (r->priority == 0)
        r->priority = def->severity;

    if (p->nrules >= SW_RULES_MAX) {
        fail(p, "too many rules (max %u)", SW_RULES_MAX);
        goto bad;
    }
    if (p->nrules == p->caprules) {
        size_t nc = p->caprules ? p->caprules * 2 : 32;
        sw_rule *nr = realloc(p->rules, nc * sizeof(*nr));
        if (!nr) {
            fail(p, "out of memory");
            goto bad;
        }
        p->rules = nr;
        p->caprules = nc;
    }
    p->rules[p->nrules] = *r;
    *slot = (uint32_t)(p->nrules + 1);   /* the table is not resized since sid_slot */
    p->nrules++;
    for (int t = 0; t < TUN_COUNT; t++) {
        if (b.tun_set[t] && !p->tun_line[t]) {
            p->tun_val[t] = b.tun_val[t];
            p->tun_line[t] = p->line;
            p->tun_src[t] = p->src;
        }
    }
    return 0;
bad:
    sw_rule_release(&b.r);
    return -1;
}

static int word_is(const char *s, size_t n, const char *w)
{
    return n == strlen(w) && memcmp(s, w, n) == 0;
}

/* ----------------------------------------------------------- threshold file -- */

/* One line of a threshold file:
 *   suppress gen_id G, sig_id S[, track by_src|by_dst|by_either, ip ADDRESS]
 *   threshold gen_id G, sig_id S, type T, track K, count N, seconds T   (event_filter too)
 * Keys are comma-separated "key value" pairs; commas inside [ ] belong to the value. */
static int tf_line(parser *p, const char *w, size_t wn, const char *s, const char *e)
{
    int kind;
    if (word_is(w, wn, "suppress"))
        kind = SW_TF_SUPPRESS;
    else if (word_is(w, wn, "threshold") || word_is(w, wn, "event_filter"))
        kind = SW_TF_THRESHOLD;
    else if (word_is(w, wn, "rate_filter"))
        return fail(p, "rate_filter is not supported: seqwatch is passive and has no action for "
                    "it to change (use threshold ... type limit to cap alerts)");
    else
        return fail(p, "unknown keyword '%.*s' (expected suppress, threshold or event_filter)",
                    (int)(wn > 32 ? 32 : wn), w);
    if (p->ntf >= SW_TF_ENTRIES_MAX)
        return fail(p, "too many entries (max %u)", SW_TF_ENTRIES_MAX);
    sw_tfentry x;
    memset(&x, 0, sizeof(x));
    x.kind = (uint8_t)kind;
    x.track = SW_TRACK_NONE;
    x.line = p->line;
    rule_build b;                 /* threshold keys are read as the rule option's */
    memset(&b, 0, sizeof(b));
    unsigned seen = 0;            /* 1 gen_id, 2 sig_id, 4 track (suppress), 8 ip */
    const char *ipv = NULL;
    size_t ipn = 0;
    while (s < e) {
        const char *a = skip_ws(s, e), *z = a;
        int depth = 0;
        while (z < e && (depth > 0 || *z != ',')) {
            if (*z == '[')
                depth++;
            else if (*z == ']' && depth > 0)
                depth--;
            z++;
        }
        s = z < e ? z + 1 : e;
        while (z > a && is_ws(z[-1]))
            z--;
        if (z == a)
            return fail(p, "empty element");
        const char *k = a;
        while (a < z && !is_ws(*a))
            a++;
        size_t kn = (size_t)(a - k);
        const char *v = skip_ws(a, z);
        size_t vn = (size_t)(z - v);
        unsigned bit = word_is(k, kn, "gen_id") ? 1 : word_is(k, kn, "sig_id") ? 2 : 0;
        if (kind == SW_TF_SUPPRESS && !bit)
            bit = word_is(k, kn, "track") ? 4 : word_is(k, kn, "ip") ? 8 : 0;
        if (!bit) {
            if (kind == SW_TF_SUPPRESS)
                return fail(p, "suppress: unknown key '%.*s' (gen_id, sig_id, track, ip)",
                            (int)(kn > 32 ? 32 : kn), k);
            if (threshold_piece(p, &b, k, (size_t)(z - k)) != 0)
                return -1;
            continue;
        }
        if (seen & bit)
            return fail(p, "'%.*s' given twice", (int)kn, k);
        seen |= bit;
        if (vn == 0)
            return fail(p, "'%.*s' needs a value", (int)kn, k);
        if (bit == 1 && parse_u32(v, vn, 0, UINT32_MAX, &x.gid) != 0)
            return fail(p, "bad gen_id '%.*s' (0..4294967295, 0 = every gid)", (int)(vn > 32 ? 32 : vn), v);
        if (bit == 2 && parse_u32(v, vn, 0, UINT32_MAX, &x.sid) != 0)
            return fail(p, "bad sig_id '%.*s' (0..4294967295, 0 = every sid)", (int)(vn > 32 ? 32 : vn), v);
        if (bit == 4) {
            if (word_is(v, vn, "by_src")) x.track = SW_TRACK_SRC;
            else if (word_is(v, vn, "by_dst")) x.track = SW_TRACK_DST;
            else if (word_is(v, vn, "by_either")) x.track = SW_TRACK_EITHER;
            else return fail(p, "suppress: bad track '%.*s' (by_src, by_dst, by_either)",
                             (int)(vn > 32 ? 32 : vn), v);
        }
        if (bit == 8) {
            ipv = v;
            ipn = vn;
        }
    }
    if (!(seen & 1))
        return fail(p, "missing gen_id");
    if (!(seen & 2))
        return fail(p, "missing sig_id");
    if (kind == SW_TF_SUPPRESS) {
        if ((seen & 4) && !(seen & 8))
            return fail(p, "suppress: track needs an ip");
        if ((seen & 8) && !(seen & 4))
            return fail(p, "suppress: ip needs a track (by_src, by_dst or by_either)");
        if (ipv) {
            char msg[400];
            p->in_rule = 1;
            int r = parse_set(p, ipv, ipn, 0, &x.ip, msg, sizeof(msg));
            p->in_rule = 0;
            if (r != 0)
                return fail(p, "suppress: ip: %s", msg);
        }
    } else {
        if (threshold_check(p, &b) != 0)
            return -1;
        x.thr = b.r.thr;
        for (size_t i = 0; i < p->ntf; i++) {
            const sw_tfentry *o = &p->tf[i];
            if (o->kind == SW_TF_THRESHOLD && o->gid == x.gid && o->sid == x.sid)
                return fail(p, "a threshold for gen_id %u, sig_id %u is already set at line %u",
                            x.gid, x.sid, o->line);
        }
    }
    if (p->ntf == p->captf) {
        size_t nc = p->captf ? p->captf * 2 : 16;
        sw_tfentry *nt = realloc(p->tf, nc * sizeof(*nt));
        if (!nt) {
            free(x.ip.nodes);
            return fail(p, "out of memory");
        }
        p->tf = nt;
        p->captf = nc;
    }
    p->tf[p->ntf++] = x;
    return 0;
}

static int process_line(parser *p, const char *s, const char *e)
{
    s = skip_ws(s, e);
    if (s >= e || *s == '#')
        return 0;
    const char *w = s;
    while (s < e && !is_ws(*s) && *s != '(')
        s++;
    size_t n = (size_t)(s - w);
    if (p->tf_mode)
        return tf_line(p, w, n, s, e);
    if (word_is(w, n, "alert"))
        return rule_line(p, 0, s, e);
    if (word_is(w, n, "pass"))
        return rule_line(p, 1, s, e);
    if (word_is(w, n, "var"))
        return var_line(p, VK_ANY, s, e);
    if (word_is(w, n, "ipvar"))
        return var_line(p, VK_ADDR, s, e);
    if (word_is(w, n, "portvar"))
        return var_line(p, VK_PORT, s, e);
    static const char *const actions[] = { "drop", "reject", "rejectsrc", "rejectdst", "rejectboth",
                                           "sdrop", "log", "activate", "dynamic", "block", "react" };
    for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
        if (word_is(w, n, actions[i]))
            return fail(p, "unsupported action '%s' (seqwatch is passive: alert or pass)", actions[i]);
    return fail(p, "unknown keyword '%.*s' (expected alert, pass, var, ipvar or portvar)",
                (int)(n > 32 ? 32 : n), w);
}

static void parser_free(parser *p)
{
    for (size_t i = 0; i < p->nvars; i++)
        free(p->vars[i].value);
    free(p->vars);
    for (size_t i = 0; i < p->nrules; i++)
        sw_rule_release(&p->rules[i]);
    free(p->rules);
    free(p->sidtab);
    free(p->vbuf);
    for (size_t i = 0; i < p->ntf; i++)
        free(p->tf[i].ip.nodes);
    free(p->tf);
    if (p->src_names) {
        for (size_t i = 0; i < p->nsrc; i++)
            free(p->src_names[i]);
        free(p->src_names);
    }
}

/* Parse one source's text (logical lines: continuations joined) into p. */
static int parse_source(parser *p, const char *text, char *lbuf)
{
    size_t len = strlen(text);
    p->line = 0;
    if (len > SW_RULE_TEXT_MAX)
        return fail(p, "rule text too large (max %u bytes)", SW_RULE_TEXT_MAX);
    const char *s = text, *end = text + len;
    unsigned lineno = 0;
    while (s < end) {
        unsigned start = lineno + 1;
        size_t ll = 0;
        int toolong = 0;
        for (;;) {
            const char *nl = memchr(s, '\n', (size_t)(end - s));
            const char *le = nl ? nl : end;
            lineno++;
            size_t n = (size_t)(le - s);
            if (n && s[n - 1] == '\r')
                n--;
            int cont = n && s[n - 1] == '\\';
            if (cont)
                n--;
            if (!toolong && ll + n > SW_RULE_LINE_MAX)
                toolong = 1;
            if (!toolong) {
                memcpy(lbuf + ll, s, n);
                ll += n;
            }
            s = nl ? nl + 1 : end;
            if (!cont || s >= end)
                break;
        }
        p->line = start;
        if (toolong)
            return fail(p, "line too long (max %u bytes)", SW_RULE_LINE_MAX);
        if (process_line(p, lbuf, lbuf + ll) != 0)
            return -1;
    }
    p->line = lineno;
    return 0;
}

/* Read a whole rule file (NUL-terminated copy). NULL with err filled on failure. */
static char *read_rule_file(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (err && errlen)
            snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 65536, len = 0;
    char *buf = malloc(cap + 1);
    int toolarge = 0;
    while (buf) {
        if (len == cap) {
            if (cap >= SW_RULE_TEXT_MAX) {
                toolarge = 1;
                break;
            }
            size_t nc = cap * 2 > SW_RULE_TEXT_MAX ? SW_RULE_TEXT_MAX : cap * 2;
            char *nb = realloc(buf, nc + 1);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap = nc;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    int rerr = ferror(f), rerrno = errno;   /* e.g. EISDIR: the path is a directory */
    fclose(f);
    if (!buf || rerr || toolarge) {
        if (err && errlen)
            snprintf(err, errlen, "%s: %s", path,
                     !buf ? "out of memory" : toolarge ? "rule file too large"
                     : rerrno ? strerror(rerrno) : "read error");
        free(buf);
        return NULL;
    }
    buf[len] = 0;
    const char *nul = memchr(buf, 0, len);
    if (nul) {
        unsigned line = 1;
        for (const char *q = buf; q < nul; q++)
            line += *q == '\n';
        if (err && errlen)
            snprintf(err, errlen, "%s:%u: NUL byte in rule file", path, line);
        free(buf);
        return NULL;
    }
    return buf;
}

static int add_source(parser *p, const char *name)
{
    char **nn = realloc(p->src_names, (p->nsrc + 1) * sizeof(char *));
    if (!nn)
        return fail(p, "out of memory");
    p->src_names = nn;
    if (!(nn[p->nsrc] = dup_str(name)))
        return fail(p, "out of memory");
    p->src = (uint16_t)p->nsrc++;
    p->fname = p->src_names[p->src];
    return 0;
}

sw_ruleset *sw_ruleset_load(const sw_rules_spec *spec, char *err, size_t errlen)
{
    parser p;
    memset(&p, 0, sizeof(p));
    p.fname = "<rules>";
    p.err = err;
    p.errlen = errlen;
    if (err && errlen)
        err[0] = 0;
    size_t nfiles = 0;
    while (spec->files && spec->files[nfiles])
        nfiles++;
    char *lbuf = NULL, *fbuf = NULL;
    sw_ruleset *rs = NULL;
    crypto_hash_sha256_state hs;
    crypto_hash_sha256_init(&hs);
    if (nfiles > SW_RULE_FILES_MAX) {
        fail(&p, "too many rule files (max %u)", SW_RULE_FILES_MAX);
        goto out;
    }
    p.vbuf = malloc(SW_RULE_LINE_MAX + 1);
    lbuf = malloc(SW_RULE_LINE_MAX + 1);
    if (!p.vbuf || !lbuf) {
        fail(&p, "out of memory");
        goto out;
    }
    if (define_builtin_vars(&p) != 0)
        goto out;
    for (size_t i = 0; spec->vars && spec->vars[i]; i++)
        if (cmdline_var(&p, spec->vars[i]) != 0)
            goto out;

    /* the base: text, a file, or nothing */
    if (spec->base_text || spec->base_file) {
        const char *text = spec->base_text;
        const char *name = text ? (spec->base_name ? spec->base_name : "<rules>") : spec->base_file;
        if (!text && !(text = fbuf = read_rule_file(spec->base_file, err, errlen))) {
            p.failed = 1;
            goto out;
        }
        if (add_source(&p, name) != 0)
            goto out;
        p.base = 1;
        if (parse_source(&p, text, lbuf) != 0)
            goto out;
        crypto_hash_sha256_update(&hs, (const unsigned char *)text, strlen(text));
        free(fbuf);
        fbuf = NULL;
    }
    p.base = 0;
    for (size_t f = 0; f < nfiles; f++) {
        if (!(fbuf = read_rule_file(spec->files[f], err, errlen))) {
            p.failed = 1;
            goto out;
        }
        if (add_source(&p, spec->files[f]) != 0 || parse_source(&p, fbuf, lbuf) != 0)
            goto out;
        crypto_hash_sha256_update(&hs, (const unsigned char *)fbuf, strlen(fbuf));
        free(fbuf);
        fbuf = NULL;
    }

    int tf_src = -1;
    if (spec->threshold_text || spec->threshold_file) {
        const char *text = spec->threshold_text;
        const char *name = text ? (spec->threshold_name ? spec->threshold_name : "<threshold>")
                                : spec->threshold_file;
        if (!text && !(text = fbuf = read_rule_file(spec->threshold_file, err, errlen))) {
            p.failed = 1;
            goto out;
        }
        if (add_source(&p, name) != 0)
            goto out;
        tf_src = p.src;
        p.tf_mode = 1;
        if (parse_source(&p, text, lbuf) != 0)
            goto out;
        p.tf_mode = 0;
        crypto_hash_sha256_update(&hs, (const unsigned char *)text, strlen(text));
        free(fbuf);
        fbuf = NULL;
    }

    rs = calloc(1, sizeof(*rs));
    if (!rs) {
        fail(&p, "out of memory");
        goto out;
    }
    rs->tf = p.tf;
    rs->ntf = p.ntf;
    rs->tf_src = tf_src;
    p.tf = NULL;
    p.ntf = 0;
    /* drop the base rules that site rules replaced */
    size_t keep = 0;
    for (size_t i = 0; i < p.nrules; i++) {
        if (p.rules[i].replaced)
            sw_rule_release(&p.rules[i]);
        else
            p.rules[keep++] = p.rules[i];
    }
    rs->rules = p.rules;
    rs->n = keep;
    rs->nreplaced = p.nreplaced;
    rs->src_names = p.src_names;
    rs->nsrc = p.nsrc;
    p.src_names = NULL;
    p.nsrc = 0;
    p.rules = NULL;
    p.nrules = 0;
    sw_tunables_default(&rs->tun);
#define TUN_TAKE(name, event, def, min, max, unit) \
    if (p.tun_line[TUN_##name]) rs->tun.name = p.tun_val[TUN_##name];
    SW_TUNABLES(TUN_TAKE)
#undef TUN_TAKE
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(&hs, h);
    if (sw_ruleset_finish(rs, h) != 0) {
        sw_ruleset_free(rs);
        rs = NULL;
        fail(&p, "out of memory");
        goto out;
    }
out:
    free(fbuf);
    free(lbuf);
    parser_free(&p);
    return rs;
}

sw_ruleset *sw_ruleset_load_text(const char *name, const char *text, const char *const *vars,
                                 char *err, size_t errlen)
{
    if (!text) {
        if (err && errlen)
            snprintf(err, errlen, "%s:0: no rule text", name ? name : "<rules>");
        return NULL;
    }
    sw_rules_spec spec = { .base_name = name ? name : "<rules>", .base_text = text, .vars = vars };
    return sw_ruleset_load(&spec, err, errlen);
}

sw_ruleset *sw_ruleset_load_file(const char *path, const char *const *vars, char *err, size_t errlen)
{
    sw_rules_spec spec = { .base_file = path, .vars = vars };
    return sw_ruleset_load(&spec, err, errlen);
}
