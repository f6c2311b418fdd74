/*
 * engine.c — the public API (include/seqwatch.h), and the one place where the three
 * layers meet: detector (observations) -> checks (events) -> rule engine (alerts) ->
 * sinks (alert callback, JSON lines, SQLite writer thread).
 *
 * Invariants: data moves one way; the engine owns every object it creates and frees
 * them in reverse order; an alert is rendered to JSON once and that same text goes to
 * every sink, so the JSON lines, the database and the callback always agree.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sodium.h>
#include <jansson.h>

#include "seqwatch.h"
#include "detector/detector.h"
#include "detector/defrag.h"
#include "rules/checks.h"
#include "rules/ruleset.h"
#include "storage/alert_json.h"
#include "storage/jsonl.h"
#include "storage/store.h"
#include "src/workers.h"

extern const char sw_default_rules_text[];

struct sw_engine {
    sw_config cfg;
    char *sensor;
    char *rules_file;            /* NULL: built-in rules */
    char *json_path, *db_path, *source_name;
    char **vars;                 /* NULL-terminated copies */

    sw_detector *det;            /* one worker: on the caller's thread */
    sw_pool *pool;               /* more: the worker pool (det is NULL) */
    sw_checks *checks;           /* with a pool: holds the per-host ISN table only */
    sw_ruleset *rules;
    sw_matcher *matcher;

    sw_alert_cb alert_cb;
    void *alert_user;
    sw_stream_cb stream_cb;
    void *stream_user;

    sw_jsonl *jsonl;
    sw_store_writer *writer;
    sw_run_info run;
    uint64_t capture_drops;
    int outputs_closed;

    uint64_t events, alerts, suppressed, passed, anomalies, ordinal;
};

void sw_config_init(sw_config *c)
{
    memset(c, 0, sizeof(*c));
    c->struct_size = sizeof(*c);
    c->max_flows = 1000000;
    c->timeout_syn = 30;
    c->timeout_established = 3600;
    c->timeout_closing = 60;
    c->checksum = SW_CHECKSUM_AUTO;
    c->stream_memcap = 256ull << 20;
    c->stream_flow_cap = 4ull << 20;
    c->stream_depth = 0;
    c->retain_seconds = 30;
    c->retain_bytes = 256u << 10;
    c->history_packets = 8;
    c->workers = 1;
    c->frag_policy = SW_FRAG_LINUX;
    c->frag_max_contexts = 1024;
    c->frag_memcap = 4ull << 20;       /* as Linux's ipfrag_high_thresh */
    c->frag_max_fragments = 128;
}

const char *sw_version(void) { return SW_VERSION; }

int sw_frag_policy_from_name(const char *name) { return sw_frag_policy_parse(name); }

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

static void set_err(char *err, size_t len, const char *msg)
{
    if (err && len)
        snprintf(err, len, "%s", msg);
}

/* Load the rule set the configuration names: text, file, or the built-in rules. */
static sw_ruleset *load_rules(const sw_config *cfg, char *err, size_t errlen)
{
    if (cfg->rules_text)
        return sw_ruleset_load_text("<rules>", cfg->rules_text, cfg->vars, err, errlen);
    if (cfg->rules_file)
        return sw_ruleset_load_file(cfg->rules_file, cfg->vars, err, errlen);
    return sw_ruleset_load_text("<built-in default.rules>", sw_default_rules_text, cfg->vars,
                                err, errlen);
}

/* Render and deliver one record to every sink. */
static void deliver(sw_engine *e, const sw_event *ev, const sw_rule_match *m, const char *etype)
{
    /* The alert_id's ordinal: the event's number within its connection (so the ids do
     * not depend on how connections interleave, e.g. with --workers); an event without
     * one gets a run-wide number from a separate range. */
    uint64_t ordinal = ev->ordinal ? ev->ordinal : (1ull << 63) | ++e->ordinal;
    json_t *doc = sw_alert_to_json(ev, m, etype, e->sensor, ordinal);
    if (!doc)
        return;
    char *text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (text) {
        if (e->jsonl)
            sw_jsonl_write(e->jsonl, text);
        if (e->writer)
            sw_store_writer_push(e->writer, text);
        if (e->alert_cb) {
            const sw_event_def *def = sw_event_def_get(ev->id);
            char src[64], dst[64];
            sw_alert a;
            memset(&a, 0, sizeof(a));
            a.ts_us = ev->ts_us;
            a.event = def ? def->name : "?";
            a.event_type = etype;
            if (m) {
                a.sid = m->sid;
                a.gid = m->gid;
                a.rev = m->rev;
                a.severity = m->priority;
                a.msg = m->msg;
            } else if (def) {
                a.severity = def->severity;
                a.msg = def->description;
            }
            a.flow_id = ev->flow_id;
            json_t *v = json_object_get(doc, "src_ip");
            snprintf(src, sizeof(src), "%s", json_is_string(v) ? json_string_value(v) : "");
            v = json_object_get(doc, "dest_ip");
            snprintf(dst, sizeof(dst), "%s", json_is_string(v) ? json_string_value(v) : "");
            a.src_ip = src;
            a.dest_ip = dst;
            a.src_port = ev->sport;
            a.dest_port = ev->dport;
            v = json_object_get(doc, "alert_id");
            a.alert_id = json_is_string(v) ? json_string_value(v) : "";
            a.json = text;
            e->alert_cb(e->alert_user, &a);
        }
        free(text);
    }
    json_decref(doc);
}

/* The checks' emit callback: every event passes through the rule engine. */
static void on_event(void *user, sw_event *ev)
{
    sw_engine *e = user;
    const sw_event_def *def = sw_event_def_get(ev->id);
    e->events++;
    if (def && def->informational) {
        if (e->cfg.anomalies) {
            e->anomalies++;
            deliver(e, ev, NULL, "anomaly");
        }
        return;
    }
    sw_rule_match m;
    memset(&m, 0, sizeof(m));
    switch (sw_ruleset_match(e->rules, e->matcher, ev, &m)) {
    case SW_MATCH_ALERT:
        e->alerts++;
        deliver(e, ev, &m, "alert");
        break;
    case SW_MATCH_SUPPRESSED:
        e->suppressed++;
        break;
    case SW_MATCH_PASS:
        e->passed++;
        break;
    case SW_MATCH_NONE:
        break;
    }
}

static void on_stream(void *user, const sw_stream_chunk *c)
{
    sw_engine *e = user;
    if (e->stream_cb)
        e->stream_cb(e->stream_user, c);
}

static void default_sensor_name(char *buf, size_t len)
{
    if (gethostname(buf, len) != 0 || !buf[0])
        snprintf(buf, len, "seqwatch");
    buf[len - 1] = 0;
}

static char **dup_vars(const char *const *vars)
{
    size_t n = 0;
    while (vars && vars[n])
        n++;
    char **out = calloc(n + 1, sizeof(char *));
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i++)
        out[i] = strdup(vars[i]);
    return out;
}

sw_engine *sw_engine_new(const sw_config *cfg_in, char *err, size_t errlen)
{
    if (sodium_init() < 0) {
        set_err(err, errlen, "cannot initialise libsodium");
        return NULL;
    }
    sw_config defaults;
    if (!cfg_in) {
        sw_config_init(&defaults);
        cfg_in = &defaults;
    }
    if (cfg_in->struct_size != sizeof(sw_config)) {
        set_err(err, errlen, "sw_config was not initialised with sw_config_init (API mismatch)");
        return NULL;
    }
    if (!sw_frag_policy_name((int)cfg_in->frag_policy)) {
        set_err(err, errlen, "sw_config.frag_policy is not a sw_frag_policy value");
        return NULL;
    }
    sw_engine *e = calloc(1, sizeof(*e));
    if (!e) {
        set_err(err, errlen, "out of memory");
        return NULL;
    }
    e->cfg = *cfg_in;
    char host[256];
    default_sensor_name(host, sizeof(host));
    e->sensor = strdup(cfg_in->sensor_name ? cfg_in->sensor_name : host);
    e->rules_file = dup_or_null(cfg_in->rules_file);
    e->json_path = dup_or_null(cfg_in->json_path);
    e->db_path = dup_or_null(cfg_in->db_path);
    e->source_name = dup_or_null(cfg_in->source_name);
    e->vars = dup_vars(cfg_in->vars);
    /* Pointers in the copy refer to our own strings from here on. */
    e->cfg.sensor_name = e->sensor;
    e->cfg.rules_file = e->rules_file;
    e->cfg.json_path = e->json_path;
    e->cfg.db_path = e->db_path;
    e->cfg.source_name = e->source_name;
    e->cfg.vars = (const char *const *)e->vars;
    e->cfg.rules_text = NULL;
    if (e->cfg.workers == 0)
        e->cfg.workers = 1;

    e->rules = load_rules(cfg_in, err, errlen);
    if (!e->rules)
        goto fail;
    e->matcher = sw_matcher_new(65536);
    sw_checks_config cc;
    memset(&cc, 0, sizeof(cc));
    cc.history_packets = e->cfg.history_packets;
    cc.tun = *sw_ruleset_tunables(e->rules);
    e->checks = sw_checks_new(&cc, on_event, e);
    if (!e->matcher || !e->checks) {
        set_err(err, errlen, "out of memory");
        goto fail;
    }
    sw_checks_set_stream_forward(e->checks, on_stream, e);
    if (e->cfg.workers > 1) {
        e->pool = sw_pool_new(&e->cfg, &cc, e->checks, on_event, e, err, errlen);
        if (!e->pool)
            goto fail;
    } else {
        sw_observer obs;
        sw_checks_observer(e->checks, &obs);
        e->det = sw_detector_new(&e->cfg, &obs, err, errlen);
        if (!e->det)
            goto fail;
        sw_detector_want_names(e->det, 0);       /* until a stream callback is set */
    }

    if (e->json_path) {
        e->jsonl = sw_jsonl_open(e->json_path, err, errlen);
        if (!e->jsonl)
            goto fail;
    }
    e->run.sensor = e->sensor;
    e->run.source = e->source_name ? e->source_name : "";
    e->run.rules_hash = sw_ruleset_hash(e->rules);
    if (e->db_path) {
        e->writer = sw_store_writer_start(e->db_path, &e->run, err, errlen);
        if (!e->writer)
            goto fail;
    }
    return e;
fail:
    sw_engine_free(e);
    return NULL;
}

void sw_engine_set_alert_cb(sw_engine *e, sw_alert_cb cb, void *user)
{
    e->alert_cb = cb;
    e->alert_user = user;
}

void sw_engine_set_stream_cb(sw_engine *e, sw_stream_cb cb, void *user)
{
    e->stream_cb = cb;
    e->stream_user = user;
    if (e->pool)
        sw_pool_set_stream_cb(e->pool, cb, user);
    else
        sw_detector_want_names(e->det, cb != NULL);
}

int sw_engine_feed(sw_engine *e, int linktype, uint64_t ts_us,
                   const uint8_t *frame, uint32_t caplen, uint32_t wirelen)
{
    if (!sw_linktype_supported(linktype))
        return -1;
    if (e->run.start_us == 0)
        e->run.start_us = ts_us;
    if (ts_us > e->run.end_us)
        e->run.end_us = ts_us;
    if (e->pool) {
        sw_pool_feed(e->pool, linktype, ts_us, frame, caplen, wirelen);
        return 0;
    }
    return sw_detector_feed(e->det, linktype, ts_us, frame, caplen, wirelen);
}

void sw_engine_poll(sw_engine *e)
{
    if (e && e->pool)
        sw_pool_poll(e->pool);
}

int sw_linktype_supported(int lt)
{
    switch (lt) {
    case SW_LINK_NULL: case SW_LINK_ETHERNET: case SW_LINK_RAW: case SW_LINK_LOOP:
    case SW_LINK_LINUX_SLL: case SW_LINK_IPV4: case SW_LINK_IPV6: case SW_LINK_LINUX_SLL2:
    case SW_LINK_DLT_RAW12: case SW_LINK_DLT_RAW14:
        return 1;
    default:
        return 0;
    }
}

void sw_engine_flush(sw_engine *e)
{
    if (e && e->det)
        sw_detector_flush(e->det);
    if (e && e->pool)
        sw_pool_flush(e->pool);
}

int sw_engine_reload_rules(sw_engine *e, const char *rules_file, char *err, size_t errlen)
{
    sw_config c = e->cfg;
    c.rules_text = NULL;
    c.rules_file = rules_file ? rules_file : e->rules_file;
    sw_ruleset *rs = load_rules(&c, err, errlen);
    if (!rs)
        return -1;
    if (rules_file && (!e->rules_file || strcmp(rules_file, e->rules_file) != 0)) {
        free(e->rules_file);
        e->rules_file = strdup(rules_file);
        e->cfg.rules_file = e->rules_file;
    }
    sw_ruleset_free(e->rules);
    e->rules = rs;
    e->run.rules_hash = sw_ruleset_hash(rs);
    sw_checks_set_tunables(e->checks, sw_ruleset_tunables(rs));
    if (e->pool)
        sw_pool_set_tunables(e->pool, sw_ruleset_tunables(rs));
    return 0;
}

void sw_engine_get_stats(const sw_engine *e, sw_stats *out)
{
    memset(out, 0, sizeof(*out));
    if (e->det)
        sw_detector_stats(e->det, out);
    if (e->pool)
        sw_pool_stats(e->pool, out);
    out->events = e->events;
    out->alerts = e->alerts;
    out->alerts_suppressed = e->suppressed;
    out->anomalies = e->anomalies;
    out->threshold_evictions = sw_matcher_evictions(e->matcher);
}

size_t sw_engine_decode_errors(const sw_engine *e, const char **names, uint64_t *counts, size_t max)
{
    size_t n = 0;
    for (int r = SW_DEC_ERR_FIRST; r < SW_DEC_NRESULTS; r++, n++) {
        if (n < max) {
            names[n] = sw_decode_reason_name((sw_decode_result)r);
            counts[n] = e->det ? sw_detector_decode_count(e->det, r)
                      : e->pool ? sw_pool_decode_count(e->pool, r) : 0;
        }
    }
    return n;
}

static int offload_host_cmp(const void *a, const void *b)
{
    return strcmp(((const sw_offload_host *)a)->addr, ((const sw_offload_host *)b)->addr);
}

size_t sw_engine_offload_hosts(const sw_engine *e, sw_offload_host *out, size_t max)
{
    if (!e)
        return 0;
    size_t n = e->det ? sw_detector_offload_hosts(e->det, out, max)
             : e->pool ? sw_pool_offload_hosts(e->pool, out, max) : 0;
    if (out && n)                       /* the same order whatever the worker count */
        qsort(out, n < max ? n : max, sizeof *out, offload_host_cmp);
    return n;
}

int sw_engine_reopen_outputs(sw_engine *e, char *err, size_t errlen)
{
    if (!e->jsonl)
        return 0;
    return sw_jsonl_reopen(e->jsonl, err, errlen);
}

void sw_engine_set_capture_drops(sw_engine *e, uint64_t drops) { e->capture_drops = drops; }

int sw_engine_close_outputs(sw_engine *e, char *err, size_t errlen)
{
    int rc = 0;
    if (e->outputs_closed)
        return 0;
    e->outputs_closed = 1;
    if (e->jsonl) {
        sw_jsonl_close(e->jsonl);
        e->jsonl = NULL;
    }
    if (e->writer) {
        sw_stats st;
        sw_engine_get_stats(e, &st);
        e->run.packets = st.packets;
        e->run.drops = e->capture_drops;
        e->run.flows = st.tcp_connections;
        e->run.alerts = e->alerts;
        rc = sw_store_writer_stop(e->writer, &e->run, err, errlen);
        e->writer = NULL;
    }
    return rc;
}

void sw_engine_free(sw_engine *e)
{
    if (!e)
        return;
    /* Flows end (and may emit their last events) before the sinks close. */
    sw_engine_flush(e);
    sw_engine_close_outputs(e, NULL, 0);
    sw_pool_free(e->pool);
    sw_detector_free(e->det);
    sw_checks_free(e->checks);
    sw_matcher_free(e->matcher);
    sw_ruleset_free(e->rules);
    if (e->vars) {
        for (char **v = e->vars; *v; v++)
            free(*v);
        free(e->vars);
    }
    free(e->sensor);
    free(e->rules_file);
    free(e->json_path);
    free(e->db_path);
    free(e->source_name);
    free(e);
}
