/*
 * rule_internal.h — the parsed form of a rule file, shared by the parser
 * (rule_parse.c) and the rule engine (ruleset.c). Not for other modules: they use
 * rules/ruleset.h.
 */
#ifndef SW_RULE_INTERNAL_H
#define SW_RULE_INTERNAL_H
#include <stdint.h>
#include <stddef.h>
#include "rules/event.h"
#include "rules/ruleset.h"

/* Caps (documented in docs/rules.md). Hitting one fails the load with a message. */
#define SW_RULES_MAX        65536u        /* rules in one set */
#define SW_RULE_TEXT_MAX    (64u << 20)   /* bytes in one rule file */
#define SW_RULE_LINE_MAX    65536u        /* bytes in one logical line (continuations joined) */
#define SW_LIST_DEPTH_MAX   8             /* [ ] nesting, variable references count as a level */
#define SW_LIST_ITEMS_MAX   1024u         /* elements of one [ ] list */
#define SW_SET_NODES_MAX    4096u         /* entries of one address/port after variable expansion */
#define SW_VARS_MAX         1024u         /* variables (file + command line) */
#define SW_VAR_NAME_MAX     64u           /* bytes in a variable name */
#define SW_RULE_FILES_MAX   64u           /* site rule files in one set (besides the base) */
#define SW_TUN_MAX          8             /* tunable options (rule_parse.c checks the count) */
#define SW_TF_ENTRIES_MAX   65536u        /* suppress/threshold lines in a threshold file */

#define SW_NODE_NONE UINT32_MAX

/* One node of an address or port expression. nodes[0] of a set is the root. A LIST
 * matches a value when (it has no positive element or a positive element matches)
 * and no negated element matches; a negated node inverts its own result. */
enum { SW_NODE_ANY = 0, SW_NODE_NET, SW_NODE_PORTS, SW_NODE_LIST };

typedef struct sw_setnode {
    uint8_t  kind;
    uint8_t  neg;
    uint8_t  family;        /* NET: 4 or 6 */
    uint8_t  prefix;        /* NET: prefix length */
    uint8_t  addr[16];      /* NET: network, host bits cleared (IPv4 in the first 4 bytes) */
    uint16_t lo, hi;        /* PORTS: inclusive range */
    uint32_t child;         /* LIST: first element, or SW_NODE_NONE */
    uint32_t next;          /* next element of the enclosing list, or SW_NODE_NONE */
} sw_setnode;

typedef struct sw_set {
    sw_setnode *nodes;
    uint32_t    n;
} sw_set;

enum { SW_THR_NONE = 0, SW_THR_LIMIT, SW_THR_THRESHOLD, SW_THR_BOTH, SW_THR_BACKOFF };
enum { SW_TRACK_SRC = 0, SW_TRACK_DST, SW_TRACK_FLOW, SW_TRACK_RULE, SW_TRACK_BOTH,
       SW_TRACK_EITHER /* suppress only */, SW_TRACK_NONE /* suppress without ip */ };

typedef struct sw_threshold {
    uint8_t  type;          /* SW_THR_* */
    uint8_t  track;         /* SW_TRACK_* */
    uint32_t count;
    uint32_t seconds;       /* not used by backoff */
    uint32_t multiplier;    /* backoff only */
} sw_threshold;

typedef struct sw_rule {
    unsigned     line;      /* first line of the rule */
    uint8_t      pass;      /* 1: pass rule, 0: alert rule */
    uint8_t      bidir;     /* 1: <> */
    int8_t       flow_dir;  /* -1 any, 0 to_server, 1 to_client */
    sw_event_id  event;
    sw_set       src, sport, dst, dport;
    uint32_t     sid, gid, rev;
    int          priority;
    char        *msg;
    char        *classtype;
    char        *metadata;  /* NULL if none */
    sw_threshold thr;
    uint16_t     srcfile;   /* index into sw_ruleset.src_names */
    uint8_t      base;      /* 1: from the base (default) rules, 0: a site rule file */
    uint8_t      replaced;  /* base rule replaced by a site rule with its sid (parse time) */
    uint8_t      tun_mask;  /* bit t: this rule sets tunable t to tun_val[t] */
    uint32_t     tun_val[SW_TUN_MAX];
    int32_t      tf_thr;    /* threshold file: the entry that replaces thr, or -1 (finish) */
    uint8_t      tf_sup;    /* threshold file: 1 if a suppress entry names this rule (finish) */
} sw_rule;

/* One line of a threshold file (Suricata's threshold.config syntax). */
enum { SW_TF_SUPPRESS = 0, SW_TF_THRESHOLD };
typedef struct sw_tfentry {
    uint8_t      kind;      /* SW_TF_* */
    uint8_t      track;     /* suppress: SW_TRACK_SRC/DST/EITHER/NONE */
    uint32_t     gid, sid;  /* 0 = every gid / every sid */
    sw_set       ip;        /* suppress with track: the addresses it silences */
    sw_threshold thr;       /* threshold */
    unsigned     line;
} sw_tfentry;

struct sw_ruleset {
    sw_rule    *rules;      /* file order */
    size_t      n;
    /* per event: indices into rules, file order; pass and alert rules apart */
    uint32_t   *pass_idx[SW_EV_COUNT];
    uint32_t    npass[SW_EV_COUNT];
    uint32_t   *alert_idx[SW_EV_COUNT];
    uint32_t    nalert[SW_EV_COUNT];
    sw_tunables tun;
    char        hash[65];
    char      **src_names;  /* the base and each site file, load order */
    size_t      nsrc;
    size_t      nreplaced;  /* base rules replaced by a site rule with the same sid */
    sw_tfentry *tf;         /* threshold file entries, file order */
    size_t      ntf;
    int         tf_src;     /* src_names index of the threshold file, or -1 */
};

/* ruleset.c */
void sw_rule_release(sw_rule *r);
void sw_tunables_default(sw_tunables *t);
/* Builds the per-event indices (site rules before base rules, each in load order) and
 * stores the hash (sha256 of every source's bytes in load order); 0, or -1 on
 * allocation failure. */
int sw_ruleset_finish(sw_ruleset *rs, const unsigned char sha256[32]);
int sw_set_match_addr(const sw_set *s, int ip_version, const uint8_t *ip);
int sw_set_match_port(const sw_set *s, uint16_t port);

#endif
