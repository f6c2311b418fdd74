/* SPDX-License-Identifier: GPL-2.0-only
 *
 * seqwatch-suricata.c — seqwatch as a Suricata 7.0 plugin. Suricata loads this shared
 * object through `plugins:` in suricata.yaml; it registers an eve-log sub-module
 * "seqwatch" (enabled by `- seqwatch:` under an eve-log output's `types:`), which is
 * a packet logger: every packet thread (single: W#01; autofp: the W#NN flow workers;
 * workers: W#NN-<iface>) gets its own seqwatch engine (cfg.workers = 1) and feeds it
 * every real packet with its link type and capture time. Every seqwatch alert is
 * written through Suricata's EVE writer into the same eve.json, with Suricata's own
 * flow_id of the connection (the engine's host tag, so also for alerts raised later
 * than their packet), pcap_cnt, in_iface, and the host / pcap_filename Suricata adds.
 *
 * Licence: this file builds against Suricata's internal headers and is loaded into
 * its address space, so the built plugin (with the BSD-2-Clause seqwatch engine
 * linked in statically) is distributed under the GPL, version 2. See
 * plugins/suricata/README.md.
 *
 * Invariants:
 *  - Suricata's packet-logger thread init must never fail (7.0 pairs loggers with
 *    thread data by position): configuration errors stop Suricata in InitSub; a
 *    thread whose engine cannot be made runs without one and says so.
 *  - Pseudo packets (stream end, flow timeout, capture timeout, flushes) are never
 *    fed; a capture-timeout packet advances seqwatch's time (sw_engine_advance).
 *  - Tunnel-inner packets (p->root) are fed only with `inner: yes`; a standalone
 *    seqwatch never sees them. IP fragments are never fed; Suricata's rebuilt
 *    datagram is, always: fragments carry no flow, so autofp spreads them over the
 *    threads and no thread's own defragmenter would see a whole datagram. Suricata's
 *    defrag policy therefore decides overlaps here, not seqwatch's --frag-policy.
 *  - The Packet layout this file was compiled against is checked at compile time
 *    (layout-asserts.h) and against the running binary in Init (refuse to register).
 *  - One SQLite writer for all threads (db:), fed under a mutex.
 */
#include "suricata-common.h"
#include "suricata-plugin.h"
#include "decode.h"
#include "flow.h"
#include "flow-storage.h"
#include "conf.h"
#include "counters.h"
#include "output.h"
#include "output-packet.h"
#include "output-json.h"
#include "threadvars.h"
#include "util-cpu.h"
#include "util-debug.h"
#include "util-device.h"
#include "rust.h"

#include <jansson.h>
#include <pthread.h>

#include "seqwatch.h"
#include "storage/store.h"
#include "compat.h"
#include "layout-asserts.h"

#define SWS_EXPORT __attribute__((visibility("default")))

/* The plugin-wide context (one per `- seqwatch:` entry). */
typedef struct SwCtx {
    OutputJsonCtx *eve;
    char *rules;               /* a site rule file, loaded on top of the default rules */
    int no_default_rules;      /* default-rules: no */
    int suri_host;             /* Suricata writes "host" itself (sensor-name is set) */
    char **vars;               /* NULL-terminated "NAME=VALUE" */
    char *sensor;
    sw_checksum_mode checksum;
    int anomalies, inner;
    uint32_t threads;          /* the caps are split over this many threads */
    uint64_t max_flows, stream_memcap;    /* totals */
    uint32_t history;
    sw_store_writer *db;
    char *db_path;
    pthread_mutex_t db_lock;
    uint64_t db_alerts, db_packets;
    uint32_t threads_started;
    pthread_mutex_t lock;
} SwCtx;

/* One packet thread. */
typedef struct SwThread {
    SwCtx *ctx;
    ThreadVars *tv;
    OutputJsonThreadCtx *eve;
    sw_engine *e;
    const Packet *cur;         /* the packet being fed, during sw_engine_feed2 */
    int64_t cur_flow_id;
    char iface[64];
    uint64_t fed, pseudo, inner_skipped, link_unsupported, bypassed_flows, eve_errors, alerts;
    uint64_t late_alerts;      /* alerts not raised during a packet of their connection */
    uint64_t frag_skipped;     /* IP fragments not fed (their rebuilt datagram is) */
    uint16_t c_frag;
    uint16_t c_fed, c_alerts, c_pseudo, c_inner, c_unsupported, c_bypassed, c_eve_errors,
        c_tcp, c_csum, c_flows, c_evicted, c_memcap, c_late;
} SwThread;

static FlowStorageId g_bypass_mark = {.id = -1};
static int g_enabled; /* an eve-log output enabled `- seqwatch` (InitSub ran) */

/* ---- configuration -------------------------------------------------------------- */

static const char *child(ConfNode *conf, const char *key)
{
    return conf ? ConfNodeLookupChildValue(conf, key) : NULL;
}

/* yes/no/true/false/on/off; def when absent; -1 when present and not a boolean. */
static int child_bool(ConfNode *conf, const char *key, int def)
{
    const char *v = child(conf, key);
    if (!v)
        return def;
    if (ConfValIsTrue(v))
        return 1;
    if (ConfValIsFalse(v))
        return 0;
    return -1;
}

/* A size with an optional kb/mb/gb suffix (powers of 1024). 0 ok, -1 bad. */
static int parse_size(const char *v, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long n = strtoull(v, &end, 10);
    if (errno || end == v)
        return -1;
    while (*end == ' ')
        end++;
    uint64_t mul = 1;
    if (!strcasecmp(end, "kb") || !strcasecmp(end, "k"))
        mul = 1024ull;
    else if (!strcasecmp(end, "mb") || !strcasecmp(end, "m"))
        mul = 1024ull * 1024;
    else if (!strcasecmp(end, "gb") || !strcasecmp(end, "g"))
        mul = 1024ull * 1024 * 1024;
    else if (*end)
        return -1;
    if (n > UINT64_MAX / mul)
        return -1;
    *out = n * mul;
    return 0;
}

/* Add NAME=VALUE, replacing an earlier value of NAME (the engine refuses a name
 * given twice). */
static int add_var(char ***vars, size_t *n, const char *name, const char *val)
{
    size_t nl = strlen(name), len = nl + strlen(val) + 2;
    char *item = malloc(len);
    if (!item)
        return -1;
    snprintf(item, len, "%s=%s", name, val);
    /* in place: a later variable may refer to this one ($HOME_NET) */
    for (size_t i = 0; i < *n; i++) {
        if (strncmp((*vars)[i], name, nl) == 0 && (*vars)[i][nl] == '=') {
            free((*vars)[i]);
            (*vars)[i] = item;
            return 0;
        }
    }
    char **nv = realloc(*vars, (*n + 2) * sizeof(char *));
    if (!nv) {
        free(item);
        return -1;
    }
    *vars = nv;
    nv[*n] = item;
    nv[++*n] = NULL;
    return 0;
}

/* The rule variables: Suricata's vars.address-groups and vars.port-groups (unless
 * `suricata-vars: no`), then the plugin's own `vars:` map, which replaces a value
 * of the same name. */
static int collect_vars(ConfNode *conf, char ***vars)
{
    size_t n = 0;
    *vars = calloc(1, sizeof(char *));
    if (!*vars)
        return -1;
    int from_suri = child_bool(conf, "suricata-vars", 1);
    if (from_suri < 0) {
        SCLogError("seqwatch: suricata-vars: expected yes or no");
        return -1;
    }
    const char *groups[] = {"vars.address-groups", "vars.port-groups"};
    for (size_t g = 0; from_suri && g < 2; g++) {
        ConfNode *node = ConfGetNode(groups[g]), *c;
        if (!node)
            continue;
        TAILQ_FOREACH (c, &node->head, next) {
            if (c->name && c->val && add_var(vars, &n, c->name, c->val) != 0)
                return -1;
        }
    }
    ConfNode *own = conf ? ConfNodeLookupChild(conf, "vars") : NULL, *c;
    if (own) {
        TAILQ_FOREACH (c, &own->head, next) {
            if (!c->name || !c->val)
                continue;
            /* Suricata's yaml loader turns '_' in keys into '-' (outside its own
             * vars section): HOME_NET arrives as HOME-NET. Variable names have no
             * '-', so turn it back. */
            char name[128];
            snprintf(name, sizeof name, "%s", c->name);
            for (char *q = name; *q; q++)
                if (*q == '-')
                    *q = '_';
            if (add_var(vars, &n, name, c->val) != 0)
                return -1;
        }
    }
    return 0;
}

static void free_vars(char **vars)
{
    for (size_t i = 0; vars && vars[i]; i++)
        free(vars[i]);
    free(vars);
}

/* checksum: auto (default) follows Suricata — off when stream.checksum-validation is
 * off or the pcap-file capture says checksum-checks: no; otherwise seqwatch's own
 * auto mode (offloading hosts learned, everyone else verified), as `seqwatch run`. */
static int checksum_mode(ConfNode *conf, sw_checksum_mode *out)
{
    const char *v = child(conf, "checksum");
    if (v && ConfValIsTrue(v)) {
        *out = SW_CHECKSUM_ON;
        return 0;
    }
    if (v && ConfValIsFalse(v)) {
        *out = SW_CHECKSUM_OFF;
        return 0;
    }
    if (v && strcmp(v, "auto") != 0) {
        SCLogError("seqwatch: checksum: '%s': expected auto, yes or no", v);
        return -1;
    }
    *out = SW_CHECKSUM_AUTO;
    int b;
    if (ConfGetBool("stream.checksum-validation", &b) == 1 && !b)
        *out = SW_CHECKSUM_OFF;
    const char *pc;
    if (ConfGet("pcap-file.checksum-checks", &pc) == 1 && ConfValIsFalse(pc))
        *out = SW_CHECKSUM_OFF;
    return 0;
}

/* Warn about every Suricata feature that stops packet delivery for a flow: from
 * then on the packet logger, and so seqwatch, sees nothing of it. */
static void warn_bypass(void)
{
    int b;
    const char *v;
    if (ConfGetBool("stream.bypass", &b) == 1 && b)
        SCLogWarning("seqwatch: stream.bypass is on: flows past the reassembly depth are no "
                     "longer delivered to seqwatch (counter seqwatch.bypassed_flows)");
    if (ConfGet("app-layer.protocols.tls.encryption-handling", &v) == 1 && v &&
        strcmp(v, "bypass") == 0)
        SCLogWarning("seqwatch: app-layer.protocols.tls.encryption-handling is bypass: "
                     "encrypted TLS flows are no longer delivered to seqwatch");
    ConfNode *afp = ConfGetNode("af-packet"), *c;
    if (afp) {
        TAILQ_FOREACH (c, &afp->head, next) {
            const char *x = ConfNodeLookupChildValue(c, "xdp-mode");
            const char *bp = ConfNodeLookupChildValue(c, "bypass");
            if ((bp && ConfValIsTrue(bp)) || (x && strcmp(x, "none") != 0))
                SCLogWarning("seqwatch: af-packet bypass/XDP is configured: bypassed flows "
                             "never reach seqwatch");
        }
    }
    SCLogConfig("seqwatch: rules with the `bypass` keyword stop delivery of their flows "
                "to seqwatch too (counted as seqwatch.bypassed_flows)");
}

/* ---- the runtime layout self-test ----------------------------------------------- */

#ifdef SW_SURI_TEST_HOOKS
/* Test build only (target seqwatch_suricata_selftest, never installed): the self-test
 * reads the field SW_SURI_TEST_LAYOUT names (pktlen, data or pcap_cnt) through a
 * view shifted the way a plugin built for another layout would read it, so the
 * refusal path runs in a real Suricata (tests/suricata/suricata_selftest.sh). */
static int test_skew(const char *field)
{
    const char *v = getenv("SW_SURI_TEST_LAYOUT");
    return v && strcmp(v, field) == 0;
}
#define ST_AT(p, off, type) (*(const type *)((const uint8_t *)(p) + (off)))
/* pktlen read 4 bytes further on (where ext_pkt's low half is) */
#define ST_PKT_LEN(p) \
    (test_skew("pktlen") ? ST_AT(p, offsetof(Packet, pktlen) + 4, uint32_t) : GET_PKT_LEN(p))
/* the data looked for inside the struct, as if sizeof(Packet) were smaller */
#define ST_PKT_DATA(p) \
    (test_skew("data") ? (const uint8_t *)(p) + offsetof(Packet, pktlen) : GET_PKT_DATA(p))
/* pcap_cnt read where pktlen is */
#define ST_PCAP_CNT(p) \
    (test_skew("pcap_cnt") ? (uint64_t)ST_AT(p, offsetof(Packet, pktlen), uint32_t) : (p)->pcap_cnt)
#else
#define ST_PKT_LEN(p)  GET_PKT_LEN(p)
#define ST_PKT_DATA(p) GET_PKT_DATA(p)
#define ST_PCAP_CNT(p) ((p)->pcap_cnt)
#endif

/* Ask the running binary to fill a packet and read it back through this file's view
 * of the Packet struct. A plugin built against another configuration would read the
 * wrong offsets here; it then refuses to register. */
static int layout_selftest(char *why, size_t len)
{
    static const uint8_t probe[] = "seqwatch-layout-probe-0123456789";
    Packet *p = PacketGetFromAlloc();
    if (!p) {
        snprintf(why, len, "PacketGetFromAlloc failed");
        return -1;
    }
    int rc = 0;
    if (PacketCopyData(p, probe, sizeof probe) != 0) {
        snprintf(why, len, "PacketCopyData failed");
        rc = -1;
    } else if (ST_PKT_LEN(p) != sizeof probe) {
        snprintf(why, len, "packet length read back as %u, want %zu (pktlen offset differs)",
                 (unsigned)ST_PKT_LEN(p), sizeof probe);
        rc = -1;
    } else if (memcmp(ST_PKT_DATA(p), probe, sizeof probe) != 0) {
        snprintf(why, len, "packet data not where this build expects it (sizeof(Packet) "
                 "or ext_pkt offset differs)");
        rc = -1;
    } else if (p->flow != NULL || p->root != NULL || ST_PCAP_CNT(p) != 0) {
        snprintf(why, len, "a fresh packet has non-zero flow/root/pcap_cnt (offsets differ)");
        rc = -1;
    }
    PacketFree(p);
    return rc;
}

/* ---- alerts --------------------------------------------------------------------- */

static void on_alert(void *user, const sw_alert *a)
{
    SwThread *t = user;
    t->alerts++;
    json_error_t je;
    json_t *doc = json_loads(a->json, 0, &je);
    if (!doc) {
        t->eve_errors++;
        return;
    }
    /* Suricata's writer adds host (when sensor-name is set); seqwatch's frame number
     * is its own count, not Suricata's pcap_cnt: set below only when known */
    if (t->ctx->suri_host)
        json_object_del(doc, "host");
    json_object_del(doc, "pcap_cnt");
    int64_t suri_flow = (int64_t)a->host_tag;
    if (suri_flow > 0) {
        json_t *own = json_object_get(doc, "flow_id");
        if (own)
            json_object_set(doc, "seqwatch_flow_id", own);
        json_object_set_new(doc, "flow_id", json_integer(suri_flow));
    }
    if (t->cur && suri_flow > 0 && suri_flow == t->cur_flow_id) {
        if (t->cur->pcap_cnt)
            json_object_set_new(doc, "pcap_cnt", json_integer((json_int_t)t->cur->pcap_cnt));
    } else {
        t->late_alerts++;
    }
    if (t->iface[0])
        json_object_set_new(doc, "in_iface", json_string(t->iface));
    char *text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(doc);
    if (!text) {
        t->eve_errors++;
        return;
    }
    size_t n = strlen(text);
    if (n < 2 || text[0] != '{' || text[n - 1] != '}') {
        free(text);
        t->eve_errors++;
        return;
    }
    if (t->ctx->db) {
        pthread_mutex_lock(&t->ctx->db_lock);
        sw_store_writer_push(t->ctx->db, text);
        t->ctx->db_alerts++;
        pthread_mutex_unlock(&t->ctx->db_lock);
    }
    /* JsonBuilder takes the members as preformatted text: the document without its
     * braces. OutputJsonBuilderBuffer adds host and pcap_filename, closes it and
     * writes it under the EVE file's lock. */
    text[n - 1] = '\0';
    JsonBuilder *jb = jb_new_object();
    if (!jb || (n > 2 && !jb_set_formatted(jb, text + 1)) ||
        SW_OUTPUT_JSON_BUFFER(t->tv, t->cur, jb, t->eve) < 0)
        t->eve_errors++;
    if (jb)
        jb_free(jb);
    free(text);
}

/* ---- stats ---------------------------------------------------------------------- */

static void register_counters(SwThread *t, ThreadVars *tv)
{
    t->c_fed = StatsRegisterCounter("seqwatch.packets", tv);
    t->c_alerts = StatsRegisterCounter("seqwatch.alerts", tv);
    t->c_late = StatsRegisterCounter("seqwatch.alerts_late", tv);
    t->c_pseudo = StatsRegisterCounter("seqwatch.pseudo_skipped", tv);
    t->c_inner = StatsRegisterCounter("seqwatch.inner_skipped", tv);
    t->c_frag = StatsRegisterCounter("seqwatch.fragments_skipped", tv);
    t->c_unsupported = StatsRegisterCounter("seqwatch.link_unsupported", tv);
    t->c_bypassed = StatsRegisterCounter("seqwatch.bypassed_flows", tv);
    t->c_eve_errors = StatsRegisterCounter("seqwatch.eve_errors", tv);
    t->c_tcp = StatsRegisterCounter("seqwatch.tcp_packets", tv);
    t->c_csum = StatsRegisterCounter("seqwatch.checksum_errors", tv);
    t->c_flows = StatsRegisterCounter("seqwatch.connections", tv);
    t->c_evicted = StatsRegisterCounter("seqwatch.flows_evicted_cap", tv);
    t->c_memcap = StatsRegisterCounter("seqwatch.stream_memcap_evictions", tv);
}

static void update_counters(SwThread *t)
{
    sw_stats st;
    memset(&st, 0, sizeof st);
    if (t->e)
        sw_engine_get_stats(t->e, &st);
    ThreadVars *tv = t->tv;
    /* fed and link_unsupported are counted per packet (StatsIncr) */
    StatsSetUI64(tv, t->c_alerts, t->alerts);
    StatsSetUI64(tv, t->c_late, t->late_alerts);
    StatsSetUI64(tv, t->c_pseudo, t->pseudo);
    StatsSetUI64(tv, t->c_inner, t->inner_skipped);
    StatsSetUI64(tv, t->c_frag, t->frag_skipped);
    StatsSetUI64(tv, t->c_bypassed, t->bypassed_flows);
    StatsSetUI64(tv, t->c_eve_errors, t->eve_errors);
    StatsSetUI64(tv, t->c_tcp, st.tcp_packets);
    StatsSetUI64(tv, t->c_csum, st.checksum_errors);
    StatsSetUI64(tv, t->c_flows, st.tcp_connections);
    StatsSetUI64(tv, t->c_evicted, st.flows_evicted_cap);
    StatsSetUI64(tv, t->c_memcap, st.stream_memcap_evictions);
}

/* ---- the packet logger ---------------------------------------------------------- */

static SwCondResult SwCondition(ThreadVars *tv, void *data, const Packet *p)
{
    return SW_COND_TRUE;
}

static int is_pseudo(const Packet *p)
{
    if (PKT_IS_PSEUDOPKT(p))
        return 1;
    switch (p->pkt_src) {
    case PKT_SRC_FFR:
    case PKT_SRC_STREAM_TCP_DETECTLOG_FLUSH:
    case PKT_SRC_DETECT_RELOAD_FLUSH:
    case PKT_SRC_CAPTURE_TIMEOUT:
    case PKT_SRC_SHUTDOWN_FLUSH:
        return 1;
    default:
        return 0;
    }
}

static uint64_t ts_us(SCTime_t ts)
{
    return (uint64_t)SCTIME_SECS(ts) * 1000000u + (uint64_t)SCTIME_USECS(ts);
}

static void *bypass_mark_alloc(unsigned int size) { return NULL; }
static void bypass_mark_free(void *x) { }

/* The first packet of a flow in a bypassed state is the last one delivered: count
 * the flow once (a mark in the flow's storage). */
static void note_bypass(SwThread *t, const Packet *p)
{
    Flow *f = p->flow;
    if (!f || g_bypass_mark.id < 0)
        return;
    if (f->flow_state != FLOW_STATE_LOCAL_BYPASSED && f->flow_state != FLOW_STATE_CAPTURE_BYPASSED)
        return;
    if (FlowGetStorageById(f, g_bypass_mark) != NULL)
        return;
    FlowSetStorageById(f, g_bypass_mark, (void *)1);
    t->bypassed_flows++;
}

static int SwLog(ThreadVars *tv, void *data, const Packet *p)
{
    SwThread *t = data;
    if (!t || !t->e)
        return 0;
    if (is_pseudo(p)) {
        t->pseudo++;
        if (p->pkt_src == PKT_SRC_CAPTURE_TIMEOUT)
            sw_engine_advance(t->e, ts_us(p->ts));
        /* the stats Suricata writes at shutdown come after the last pseudo packets
         * (flow timeouts) but before the thread's end: keep them current here */
        update_counters(t);
        return 0;
    }
    /* IP fragments: Suricata's rebuilt datagram is fed instead (it has the flow, so
     * autofp gives it the flow's thread, while the fragments are spread round-robin
     * and no per-thread defragmenter could see a whole datagram) */
    if (p->flags & PKT_IS_FRAGMENT) {
        t->frag_skipped++;
        StatsIncr(tv, t->c_frag);   /* a thread may see nothing else (autofp) */
        return 0;
    }
    if (p->root != NULL && p->pkt_src != PKT_SRC_DEFRAG && !t->ctx->inner) {
        t->inner_skipped++;
        return 0;
    }
    if (!t->iface[0] && p->livedev)
        snprintf(t->iface, sizeof t->iface, "%s", p->livedev->dev);
    note_bypass(t, p);
    sw_frame fr = {
        .linktype = p->datalink,
        .ts_us = ts_us(p->ts),
        .data = GET_PKT_DATA(p),
        .caplen = GET_PKT_LEN(p),
        .wirelen = GET_PKT_LEN(p),   /* Suricata keeps no wire length */
        .host_tag = p->flow ? (uint64_t)FlowGetId(p->flow) : 0,
    };
    t->cur = p;
    t->cur_flow_id = (int64_t)fr.host_tag;
    if (sw_engine_feed2(t->e, &fr) != 0) {
        t->link_unsupported++;
        StatsIncr(tv, t->c_unsupported);
    } else {
        t->fed++;
        StatsIncr(tv, t->c_fed);   /* exact in every stats record */
    }
    t->cur = NULL;
    t->cur_flow_id = 0;
    if ((t->fed & 255) == 0)
        update_counters(t);
    return 0;
}

static TmEcode SwThreadInit(ThreadVars *tv, const void *initdata, void **data)
{
    /* Never fail (see the invariants): a thread without an engine logs why. */
    SwThread *t = SCCalloc(1, sizeof(*t));
    *data = t;
    if (!t) {
        SCLogError("seqwatch: %s: out of memory; this thread runs without seqwatch", tv->name);
        return TM_ECODE_OK;
    }
    const OutputCtx *octx = initdata;
    SwCtx *c = octx->data;
    t->ctx = c;
    t->tv = tv;
    register_counters(t, tv);
    t->eve = CreateEveThreadCtx(tv, c->eve);
    if (!t->eve) {
        SCLogError("seqwatch: %s: cannot open the EVE writer; this thread runs without seqwatch",
                   tv->name);
        return TM_ECODE_OK;
    }
    pthread_mutex_lock(&c->lock);
    uint32_t n = ++c->threads_started;
    pthread_mutex_unlock(&c->lock);
    if (n == c->threads + 1)
        SCLogWarning("seqwatch: more packet threads (%u so far) than `threads: %u`: the "
                     "engines' caps together exceed max-flows/stream-memcap; set threads",
                     n, c->threads);
    sw_config cfg;
    sw_config_init(&cfg);
    const char *site[2] = {c->rules, NULL};
    cfg.rules_files = c->rules ? site : NULL;
    cfg.no_default_rules = c->no_default_rules;
    cfg.vars = (const char *const *)c->vars;
    cfg.sensor_name = c->sensor;
    cfg.checksum = c->checksum;
    cfg.anomalies = c->anomalies;
    cfg.workers = 1;
    if (c->history)
        cfg.history_packets = c->history;
    uint64_t mf = c->max_flows / c->threads, mc = c->stream_memcap / c->threads;
    cfg.max_flows = (uint32_t)(mf < 1024 ? 1024 : mf > UINT32_MAX ? UINT32_MAX : mf);
    cfg.stream_memcap = mc < (1u << 20) ? (1u << 20) : mc;
    cfg.source_name = tv->name;
    char err[512];
    t->e = sw_engine_new(&cfg, err, sizeof err);
    if (!t->e) {
        SCLogError("seqwatch: %s: %s; this thread runs without seqwatch", tv->name, err);
        return TM_ECODE_OK;
    }
    sw_engine_set_alert_cb(t->e, on_alert, t);
    SCLogConfig("seqwatch: %s: engine started (max-flows %u, stream-memcap %" PRIu64 ")",
                tv->name, cfg.max_flows, cfg.stream_memcap);
    return TM_ECODE_OK;
}

static TmEcode SwThreadDeinit(ThreadVars *tv, void *data)
{
    SwThread *t = data;
    if (!t)
        return TM_ECODE_OK;
    if (t->e) {
        /* The last connections end here; their alerts still reach eve.json (the EVE
         * file closes after the threads). */
        sw_engine_flush(t->e);
        update_counters(t);
        char err[512];
        if (sw_engine_close_outputs(t->e, err, sizeof err) != 0)
            SCLogError("seqwatch: %s: %s", tv->name, err);
        sw_stats st;
        sw_engine_get_stats(t->e, &st);
        SCLogNotice("seqwatch: %s: fed %" PRIu64 " packets (%" PRIu64 " TCP), skipped %" PRIu64
                    " pseudo and %" PRIu64 " inner, %" PRIu64 " unsupported link, %" PRIu64
                    " alerts (%" PRIu64 " late), %" PRIu64 " bypassed flows, %" PRIu64
                    " EVE write errors",
                    tv->name, t->fed, st.tcp_packets, t->pseudo, t->inner_skipped,
                    t->link_unsupported, t->alerts, t->late_alerts, t->bypassed_flows,
                    t->eve_errors);
        if (t->ctx->db) {
            pthread_mutex_lock(&t->ctx->db_lock);
            t->ctx->db_packets += t->fed;
            pthread_mutex_unlock(&t->ctx->db_lock);
        }
        sw_engine_free(t->e);
    }
    if (t->eve)
        FreeEveThreadCtx(t->eve);
    SCFree(t);
    return TM_ECODE_OK;
}

/* ---- the sub-module's context --------------------------------------------------- */

static void SwCtxFree(SwCtx *c)
{
    if (!c)
        return;
    free(c->rules);
    free(c->sensor);
    free(c->db_path);
    free_vars(c->vars);
    pthread_mutex_destroy(&c->lock);
    pthread_mutex_destroy(&c->db_lock);
    free(c);
}

static void SwDeInitCtx(OutputCtx *octx)
{
    SwCtx *c = octx->data;
    if (c && c->db) {
        sw_run_info run = {.sensor = c->sensor ? c->sensor : "", .source = "suricata",
                           .packets = c->db_packets, .alerts = c->db_alerts};
        char err[512];
        if (sw_store_writer_stop(c->db, &run, err, sizeof err) != 0)
            SCLogError("seqwatch: database %s: %s", c->db_path, err);
        c->db = NULL;
    }
    SwCtxFree(c);
    SCFree(octx);
}

static OutputInitResult SwInitSub(ConfNode *conf, OutputCtx *parent)
{
    OutputInitResult r = {NULL, false};
    SwCtx *c = calloc(1, sizeof(*c));
    if (!c)
        return r;
    pthread_mutex_init(&c->lock, NULL);
    pthread_mutex_init(&c->db_lock, NULL);
    c->eve = parent->data;
    const char *v;
    if ((v = child(conf, "rules")))
        c->rules = strdup(v);
    if ((v = child(conf, "sensor-name")))
        c->sensor = strdup(v);
    if (collect_vars(conf, &c->vars) != 0 || checksum_mode(conf, &c->checksum) != 0)
        goto fail;
    c->anomalies = child_bool(conf, "anomalies", 0);
    c->inner = child_bool(conf, "inner", 0);
    int defaults = child_bool(conf, "default-rules", 1);
    c->no_default_rules = defaults == 0;
    const char *sn;
    c->suri_host = ConfGet("sensor-name", &sn) == 1 && sn && sn[0];
    if (c->anomalies < 0 || c->inner < 0 || defaults < 0) {
        SCLogError("seqwatch: anomalies/inner/default-rules: expected yes or no");
        goto fail;
    }
    c->threads = UtilCpuGetNumProcessorsOnline();
    if ((v = child(conf, "threads"))) {
        char *end;
        unsigned long n = strtoul(v, &end, 10);
        if (*end || n < 1 || n > 4096) {
            SCLogError("seqwatch: threads: '%s': expected 1..4096", v);
            goto fail;
        }
        c->threads = (uint32_t)n;
    }
    if (c->threads < 1)
        c->threads = 1;
    sw_config d;
    sw_config_init(&d);
    c->max_flows = d.max_flows;
    c->stream_memcap = d.stream_memcap;
    if ((v = child(conf, "max-flows")) && (parse_size(v, &c->max_flows) != 0 || c->max_flows < 1)) {
        SCLogError("seqwatch: max-flows: '%s': expected a count", v);
        goto fail;
    }
    if ((v = child(conf, "stream-memcap")) && parse_size(v, &c->stream_memcap) != 0) {
        SCLogError("seqwatch: stream-memcap: '%s': expected a size (e.g. 256mb)", v);
        goto fail;
    }
    if ((v = child(conf, "history"))) {
        char *end;
        unsigned long n = strtoul(v, &end, 10);
        if (*end || n > 1024) {
            SCLogError("seqwatch: history: '%s': expected 0..1024", v);
            goto fail;
        }
        c->history = (uint32_t)n;
    }
    /* Validate the rules and variables now, where a failure stops Suricata. */
    sw_config cfg;
    sw_config_init(&cfg);
    const char *site[2] = {c->rules, NULL};
    cfg.rules_files = c->rules ? site : NULL;
    cfg.no_default_rules = c->no_default_rules;
    cfg.vars = (const char *const *)c->vars;
    cfg.sensor_name = c->sensor ? c->sensor : "seqwatch";
    char err[512];
    sw_engine *probe = sw_engine_new(&cfg, err, sizeof err);
    if (!probe) {
        SCLogError("seqwatch: %s", err);
        goto fail;
    }
    sw_engine_free(probe);
    if ((v = child(conf, "db"))) {
        c->db_path = strdup(v);
        sw_run_info run = {.sensor = c->sensor ? c->sensor : "", .source = "suricata"};
        c->db = sw_store_writer_start(c->db_path, &run, err, sizeof err);
        if (!c->db) {
            SCLogError("seqwatch: database %s: %s", v, err);
            goto fail;
        }
    }
    warn_bypass();
    OutputCtx *octx = SCCalloc(1, sizeof(*octx));
    if (!octx)
        goto fail;
    octx->data = c;
    octx->DeInit = SwDeInitCtx;
    SCLogConfig("seqwatch %s: rules %s, checksum %s, inner %s, caps split over %u threads "
                "(max-flows %" PRIu64 ", stream-memcap %" PRIu64 ")%s%s",
                sw_version(), c->rules ? c->rules : "built-in",
                c->checksum == SW_CHECKSUM_ON ? "on" : c->checksum == SW_CHECKSUM_AUTO ? "auto" : "off", c->inner ? "yes" : "no", c->threads,
                c->max_flows, c->stream_memcap, c->db ? ", database " : "",
                c->db ? c->db_path : "");
    g_enabled = 1;
    r.ctx = octx;
    r.ok = true;
    return r;
fail:
    if (c->db)
        sw_store_writer_stop(c->db, NULL, err, sizeof err);
    c->db = NULL;
    SwCtxFree(c);
    return r;
}

/* ---- registration --------------------------------------------------------------- */

#if SW_HAVE_LOGGING_READY
/* Called once the outputs are set up: a plugin that no eve-log output enabled sees
 * no packet, which would otherwise go unnoticed. */
static void SwLoggingReady(void *arg)
{
    if (!g_enabled)
        SCLogWarning("seqwatch: the plugin is loaded, but no eve-log output lists "
                     "`- seqwatch` under its types: seqwatch sees no packets");
}
#endif

static void SwPluginInit(void)
{
    char why[256];
    if (layout_selftest(why, sizeof why) != 0) {
        SCLogError("seqwatch: not registering: this plugin was built for %s, and the running "
                   "Suricata %s does not match it: %s",
                   SW_SURICATA_BUILD, PROG_VER, why);
        return;
    }
    g_bypass_mark = FlowStorageRegister("seqwatch.bypass", sizeof(void *), bypass_mark_alloc,
                                        bypass_mark_free);
    SW_REGISTER_PACKET_SUBMODULE("eve-log", "SeqwatchLog", "eve-log.seqwatch", SwInitSub, SwLog,
                                 SwCondition, SwThreadInit, SwThreadDeinit);
#if SW_HAVE_LOGGING_READY
    SCRegisterOnLoggingReady(SwLoggingReady, NULL);
#endif
    SCLogNotice("seqwatch %s: plugin registered (eve-log type 'seqwatch', built for %s)",
                sw_version(), SW_SURICATA_BUILD);
}

static SCPlugin g_plugin = {
#if SW_SURICATA_MAJOR >= 8
    /* 8.0's RegisterPlugin refuses a plugin whose version is not its SC_API_VERSION */
    .version = SC_API_VERSION,
    .suricata_version = SC_PACKAGE_VERSION,
    .plugin_version = SW_VERSION_STRING,
#endif
    .name = "seqwatch",
    .license = "GPLv2",
    .author = "the seqwatch authors",
    .Init = SwPluginInit,
};

SWS_EXPORT SCPlugin *SCPluginRegister(void);
SCPlugin *SCPluginRegister(void)
{
    return &g_plugin;
}
