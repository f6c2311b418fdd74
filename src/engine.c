/*
 * engine.c — the public API (include/seqwatch.h), and the one place where the three
 * layers meet: shards (a detector with its checks: observations -> events) -> the ISN
 * stage (what spans connections) -> rule engine (alerts) -> sinks (alert callback,
 * JSON lines, SQLite writer thread). One shard runs on the caller's thread; with
 * workers > 1 the engine builds one per worker and src/dispatch.c spreads the frames.
 *
 * Invariants: data moves one way; the engine owns every object it creates and frees
 * them in reverse order; an alert is rendered to JSON once and that same text goes to
 * every sink, so the JSON lines, the database and the callback always agree.
 */
#include <stddef.h>
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
#include "rules/isn_stage.h"
#include "rules/ruleset.h"
#include "rules/fold.h"
#include "rules/incident.h"
#include "storage/alert_json.h"
#include "storage/jsonl.h"
#include "storage/store.h"
#include "src/shard.h"
#include "src/dispatch.h"
#include "common/sw_config_table.h"

extern const char sw_default_rules_text[];

#define GROUP_MAX 8              /* alerting events merged into one record, at most */

struct sw_engine {
    sw_config cfg;
    char *sensor;
    char *rules_file;            /* NULL: built-in rules */
    char *rules_text;            /* rules given as text (kept for reloads) */
    char **rules_files;          /* NULL-terminated copies of the site rule files */
    char *threshold_file;
    char *json_path, *db_path, *source_name, *pcap_filename;
    uint64_t frames;             /* frames fed: the number of the last one (pcap_cnt) */
    char **vars;                 /* NULL-terminated copies */

    sw_shard *shard;             /* one worker: the shard, on the caller's thread */
    sw_dispatch *disp;           /* more: their shards over the pool (shard is NULL) */
    sw_isn_stage *isn;           /* the per-host ISN table, fed by every shard */
    sw_ruleset *rules;
    sw_matcher *matcher;
    sw_fold *fold;               /* repeats fold (rules/fold.c), driven by event times */
    sw_incidents *inc;           /* correlation (rules/incident.c) */

    sw_alert_cb alert_cb;
    void *alert_user;
    sw_stream_cb stream_cb;
    void *stream_user;

    sw_jsonl *jsonl;
    sw_store_writer *writer;
    sw_run_info run;
    uint64_t capture_drops;
    int outputs_closed;
    uint64_t records;            /* delivered to the outputs */
    uint64_t json_written, json_failed, db_written, db_failed, lost;  /* final, at close */

    uint64_t events, alerts, suppressed, passed, anomalies, ordinal, updates;

    /* One packet's alert group (sw_event.group_more): the alerting members, until the
     * group's last event; then one alert record (the most severe member, the others
     * in hijack.also). */
    struct grp_member { sw_event ev; sw_rule_match m; json_t *doc; sw_alert_keys k; } grp[GROUP_MAX];
    int grp_n;
};

/* Repeats fold: at most FOLD_MAX open folds; an occurrence FOLD_IDLE_US (packet time)
 * or more after its fold's last repeat is a new alert (docs/detections.md). Folds
 * close with their update when their connection instance ends (the checks' end mark,
 * delivered in order with the instance's events), then, at the end (sw_engine_flush),
 * or when the table is full — not by other connections' times, so every --workers N
 * gives the same. */
#define FOLD_MAX     16384u
#define FOLD_IDLE_US (60ull * 1000000u)
/* Incidents: connection instances with alerts followed at once (forgotten at their
 * end mark, or the one idle longest when full). */
#define INCIDENT_MAX 4096u

/* The numeric fields come from common/sw_config_table.h, with their ranges. */
SW_CONFIG_TABLE(SW_CONFIG_CHECK_FIELD)

void sw_config_init(sw_config *c)
{
    memset(c, 0, sizeof(*c));
    c->struct_size = sizeof(*c);
    SW_CONFIG_TABLE(SW_CONFIG_SET_DEFAULT)
    c->checksum = SW_CHECKSUM_AUTO;
    c->frag_policy = SW_FRAG_LINUX;
}

const char *sw_version(void) { return SW_VERSION; }

int sw_frag_policy_from_name(const char *name) { return sw_frag_policy_parse(name); }

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

static void set_err(char *err, size_t len, const char *msg)
{
    if (err && len)
        snprintf(err, len, "%s", msg);
}

/* Load the rule set the configuration names: the base (text, file, or the built-in
 * rules unless no_default_rules) and the site rule files on top of it. */
static sw_ruleset *load_rules(const sw_config *cfg, char *err, size_t errlen)
{
    sw_rules_spec spec;
    memset(&spec, 0, sizeof(spec));
    if (cfg->rules_text) {
        spec.base_name = "<rules>";
        spec.base_text = cfg->rules_text;
    } else if (cfg->rules_file) {
        spec.base_file = cfg->rules_file;
    } else if (!cfg->no_default_rules) {
        spec.base_name = "<built-in default.rules>";
        spec.base_text = sw_default_rules_text;
    }
    spec.files = cfg->rules_files;
    spec.vars = cfg->vars;
    spec.threshold_file = cfg->threshold_file;
    return sw_ruleset_load(&spec, err, errlen);
}

/* Write one rendered document to every sink. ts_us/event/flow/ports come from the
 * document's event; update marks a fold's closing update. */
static void emit(sw_engine *e, json_t *doc, const sw_alert_keys *k, uint64_t ts_us, sw_event_id id,
                 const sw_rule_match *m, const char *etype, uint64_t flow_id,
                 uint32_t conn_instance, uint16_t sport, uint16_t dport, int update);

/* Render and deliver one record to every sink; *keep (if not NULL) gets a reference
 * to the document. */
static void deliver(sw_engine *e, const sw_event *ev, const sw_rule_match *m, const char *etype,
                    json_t **keep)
{
    /* The alert_id's ordinal: the event's number within its connection (so the ids do
     * not depend on how connections interleave, e.g. with --workers); an event without
     * one gets a run-wide number from a separate range. */
    uint64_t ordinal = ev->ordinal ? ev->ordinal : (1ull << 63) | ++e->ordinal;
    sw_alert_keys k;
    json_t *doc = sw_alert_to_json_keys(ev, m, etype, e->sensor, ordinal, e->pcap_filename, &k);
    if (!doc)
        return;
    if (m)                               /* an alert: its incident links */
        sw_incidents_note(e->inc, ev->flow_id, ev->conn_instance, ev->id, doc);
    emit(e, doc, &k, ev->ts_us, ev->id, m, etype, ev->flow_id, ev->conn_instance, ev->sport, ev->dport, 0);
    if (keep)
        *keep = json_incref(doc);
    json_decref(doc);
}

/* k: the document's addresses and alert_id as rendered (not read back from doc). */
static void emit(sw_engine *e, json_t *doc, const sw_alert_keys *k, uint64_t ts_us, sw_event_id id,
                 const sw_rule_match *m, const char *etype, uint64_t flow_id,
                 uint32_t conn_instance, uint16_t sport, uint16_t dport, int update)
{
    char *text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (text) {
        int in_json = 0;
        e->records++;
        if (e->jsonl)
            in_json = sw_jsonl_write(e->jsonl, text) == 0;
        if (e->writer)
            sw_store_writer_push_doc(e->writer, doc, text, in_json ? SW_PUSH_ELSEWHERE : 0);
        if (e->alert_cb) {
            const sw_event_def *def = sw_event_def_get(id);
            sw_alert a;
            memset(&a, 0, sizeof(a));
            a.ts_us = ts_us;
            a.update = update;
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
            a.flow_id = flow_id;
            a.src_ip = k->src_ip;
            a.dest_ip = k->dest_ip;
            a.src_port = sport;
            a.dest_port = dport;
            a.alert_id = k->alert_id;
            a.json = text;
            a.host_tag = sw_shard_host_tag(e->shard, flow_id);   /* one worker only */
            a.conn_instance = conn_instance;
            e->alert_cb(e->alert_user, &a);
        }
        free(text);
    }
}

/* A string member's text into out ("" if it is not a string). */
static void copy_text(char *out, size_t len, const json_t *v)
{
    snprintf(out, len, "%s", json_is_string(v) ? json_string_value(v) : "");
}

/* A fold closes after absorbing repeats: one update of its first alert. */
static void on_fold_close(void *user, json_t *doc, const sw_fold_info *info)
{
    sw_engine *e = user;
    json_t *h = json_object_get(doc, "hijack");
    json_t *alert = json_object_get(doc, "alert");
    if (!json_is_object(h))
        return;
    char first[40], last[40];
    sw_format_timestamp(info->first_us, first, sizeof(first));
    sw_format_timestamp(info->last_us, last, sizeof(last));
    json_t *fold = json_pack("{s:I, s:s, s:s, s:b}", "count", (json_int_t)info->count,
                             "first", first, "last", last, "final", 1);
    if (!fold)
        return;
    if (info->last_evidence)
        json_object_set(fold, "last_evidence", info->last_evidence);
    if (info->ranges) {          /* several injected ranges (docs/detections.md, "Repeats fold") */
        json_object_set_new(fold, "range_count", json_integer((json_int_t)info->range_count));
        json_object_set(fold, "ranges", info->ranges);
    }
    if (info->absorbed) {
        /* the lesser verdicts raised after this parent (docs/detections.md, "Incidents") */
        json_t *also = json_object_get(h, "also");
        if (!json_is_array(also)) {
            also = json_array();
            json_object_set_new(h, "also", also);
        }
        json_array_extend(also, info->absorbed);
        json_object_set_new(fold, "absorbed", json_integer((json_int_t)json_array_size(info->absorbed)));
    }
    json_object_set_new(h, "fold", fold);
    sw_rule_match m;
    memset(&m, 0, sizeof(m));
    json_t *v;
    if (json_is_object(alert)) {
        m.sid = (uint32_t)json_integer_value(json_object_get(alert, "signature_id"));
        m.gid = (uint32_t)json_integer_value(json_object_get(alert, "gid"));
        m.rev = (uint32_t)json_integer_value(json_object_get(alert, "rev"));
        m.priority = (int)json_integer_value(json_object_get(alert, "severity"));
        m.msg = json_string_value(json_object_get(alert, "signature"));
    }
    int id = sw_event_lookup(json_string_value(json_object_get(h, "event")));
    uint64_t flow = (v = json_object_get(doc, "flow_id")) && json_is_integer(v)
                        ? (uint64_t)json_integer_value(v) : 0;
    uint16_t sport = (uint16_t)json_integer_value(json_object_get(doc, "src_port"));
    uint16_t dport = (uint16_t)json_integer_value(json_object_get(doc, "dest_port"));
    uint32_t inst = (uint32_t)json_integer_value(json_object_get(h, "conn_instance"));
    /* the fold's stored document (rendered when its first alert was): its keys */
    sw_alert_keys k;
    copy_text(k.src_ip, sizeof k.src_ip, json_object_get(doc, "src_ip"));
    copy_text(k.dest_ip, sizeof k.dest_ip, json_object_get(doc, "dest_ip"));
    copy_text(k.alert_id, sizeof k.alert_id, json_object_get(doc, "alert_id"));
    e->updates++;
    sw_incidents_update(e->inc, flow, inst, doc);
    emit(e, doc, &k, info->first_us, id < 0 ? SW_EV_COUNT : (sw_event_id)id, &m, "alert", flow,
         inst, sport, dport, 1);
}

/* A member of an alert group, as hijack.also lists it: what its own alert would
 * have said (event, rule, severity, evidence, benign causes ruled out). */
static json_t *also_entry(const json_t *doc)
{
    const json_t *h = json_object_get(doc, "hijack"), *a = json_object_get(doc, "alert");
    json_t *o = json_object();
    if (!o)
        return NULL;
    static const char *const hk[] = { "event", "evidence", "ruled_out" };
    static const char *const ak[] = { "signature_id", "severity", "signature" };
    for (size_t i = 0; i < 3; i++) {
        json_t *v = json_object_get(h, hk[i]);
        if (v)
            json_object_set(o, hk[i], v);
        v = json_object_get(a, ak[i]);
        if (v)
            json_object_set(o, ak[i], v);
    }
    return o;
}

/* The group's last event came: one record for its alerting members. A member that
 * repeats an open fold of its own is counted there; of the others the most severe
 * (the lowest priority number; the first of equals) is the record, its fold takes
 * the record's repeats, and the rest go into its hijack.also, each with a quiet fold
 * of its own (its repeats counted, no update), so a later packet with the same
 * differences folds and one with a new difference raises that one. */
static void group_flush(sw_engine *e)
{
    int n = e->grp_n, p = -1;
    int rep[GROUP_MAX];
    if (!n)
        return;
    e->grp_n = 0;
    for (int i = 0; i < n; i++) {
        struct grp_member *g = &e->grp[i];
        rep[i] = !g->doc || sw_fold_repeat(e->fold, &g->ev, g->m.gid, g->m.sid);
        if (!rep[i] && (p < 0 || g->m.priority < e->grp[p].m.priority))
            p = i;
    }
    if (p >= 0) {
        struct grp_member *pm = &e->grp[p];
        json_t *h = json_object_get(pm->doc, "hijack");
        json_t *also = json_is_object(h) ? json_array() : NULL;
        for (int i = 0; also && i < n; i++)
            if (i != p && !rep[i]) {
                json_array_append_new(also, also_entry(e->grp[i].doc));
                sw_fold_open(e->fold, &e->grp[i].ev, e->grp[i].m.gid, e->grp[i].m.sid, NULL);
            }
        if (also && json_array_size(also))
            json_object_set_new(h, "also", also);
        else
            json_decref(also);
        e->alerts++;
        sw_incidents_note(e->inc, pm->ev.flow_id, pm->ev.conn_instance, pm->ev.id, pm->doc);
        emit(e, pm->doc, &pm->k, pm->ev.ts_us, pm->ev.id, &pm->m, "alert", pm->ev.flow_id,
             pm->ev.conn_instance, pm->ev.sport, pm->ev.dport, 0);
        sw_fold_open(e->fold, &pm->ev, pm->m.gid, pm->m.sid, pm->doc);
    }
    for (int i = 0; i < n; i++) {
        json_decref(e->grp[i].doc);
        sw_event_clear(&e->grp[i].ev);
    }
}

/* An alerting member of a group: rendered now (the event is cleared after the call),
 * raised at the group's end. */
static void group_add(sw_engine *e, const sw_event *ev, const sw_rule_match *m)
{
    if (e->grp_n == GROUP_MAX)
        group_flush(e);                  /* cannot happen with today's checks */
    struct grp_member *g = &e->grp[e->grp_n++];
    uint64_t ordinal = ev->ordinal ? ev->ordinal : (1ull << 63) | ++e->ordinal;
    g->doc = sw_alert_to_json_keys(ev, m, "alert", e->sensor, ordinal, e->pcap_filename, &g->k);
    g->ev = *ev;                         /* the fold key needs the evidence only */
    g->ev.evidence = json_incref(ev->evidence);
    g->ev.packets = g->ev.related = g->ev.ruled_out = NULL;
    g->m = *m;
}

static void on_event_match(sw_engine *e, sw_event *ev);

/* A lesser verdict after its connection's parent (an ack_storm after the takeover it
 * follows from): counted into the parent's fold, listed in its closing update's
 * hijack.also with its own timestamp, instead of a record of its own. 1 if so. */
static int absorb_verdict(sw_engine *e, const sw_event *ev, const sw_rule_match *m)
{
    int rank = sw_incident_rank(ev->id);
    sw_event to;
    uint32_t gid, sid;
    int dir;
    memset(&to, 0, sizeof(to));
    if (!rank || ev->group_more || e->grp_n ||
        !sw_incidents_parent(e->inc, ev->flow_id, ev->conn_instance, rank, &to.id, &gid, &sid, &dir))
        return 0;
    to.flow_id = ev->flow_id;
    to.conn_instance = ev->conn_instance;
    to.dir = dir;
    uint64_t ordinal = ev->ordinal ? ev->ordinal : (1ull << 63) | ++e->ordinal;
    json_t *doc = sw_alert_to_json_ex(ev, m, "alert", e->sensor, ordinal, e->pcap_filename);
    json_t *entry = doc ? also_entry(doc) : NULL;
    if (entry)
        json_object_set(entry, "timestamp", json_object_get(doc, "timestamp"));
    int ok = entry && sw_fold_absorb(e->fold, &to, gid, sid, entry);
    json_decref(entry);
    json_decref(doc);
    return ok;
}

/* The checks' emit callback: every event passes through the rule engine. */
static void on_event(void *user, sw_event *ev)
{
    sw_engine *e = user;
    if (ev->id == SW_EV_CONN_END) {
        group_flush(e);                  /* (a group never spans an end mark) */
        sw_fold_end(e->fold, ev->flow_id, ev->conn_instance);
        sw_incidents_end(e->inc, ev->flow_id, ev->conn_instance);   /* after its updates */
        return;
    }
    on_event_match(e, ev);
    if (!ev->group_more)
        group_flush(e);
}

static void on_event_match(sw_engine *e, sw_event *ev)
{
    const sw_event_def *def = sw_event_def_get(ev->id);
    e->events++;
    if (def && def->informational) {
        if (e->cfg.anomalies) {
            e->anomalies++;
            deliver(e, ev, NULL, "anomaly", NULL);
        }
        return;
    }
    sw_rule_match m;
    memset(&m, 0, sizeof(m));
    switch (sw_ruleset_match(e->rules, e->matcher, ev, &m)) {
    case SW_MATCH_ALERT: {
        if (ev->group_more || e->grp_n) {
            group_add(e, ev, &m);        /* one record for the packet's group */
            break;
        }
        if (absorb_verdict(e, ev, &m))
            break;                       /* counted into its parent's fold */
        if (sw_fold_repeat(e->fold, ev, m.gid, m.sid))
            break;                       /* a repeat: counted into its fold */
        e->alerts++;
        json_t *doc = NULL;
        deliver(e, ev, &m, "alert", &doc);
        sw_fold_open(e->fold, ev, m.gid, m.sid, doc);
        json_decref(doc);
        break;
    }
    case SW_MATCH_SUPPRESSED:
        /* a repeat of a folded alert that a threshold would have suppressed counts in
         * the fold: the fold shows how often it happened */
        if (!sw_fold_repeat(e->fold, ev, m.gid, m.sid))
            e->suppressed++;
        break;
    case SW_MATCH_PASS:
        e->passed++;
        break;
    case SW_MATCH_NONE:
        break;
    }
}

/* A shard's event (in frame order): the ISN stage adds what it knows of the server
 * host, then the rule engine. */
static void on_shard_event(void *user, sw_event *ev)
{
    sw_engine *e = user;
    if (ev->id != SW_EV_CONN_END)
        sw_isn_stage_relate(e->isn, ev);
    on_event(e, ev);
}

/* A shard's ISN note (in frame order): the ISN stage may raise isn_predictable. */
static void on_shard_isn(void *user, const sw_isn_note *note)
{
    sw_engine *e = user;
    sw_isn_stage_apply(e->isn, note);
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

/* The shards: one on the caller's thread (with the host's tags), or cfg.workers of
 * them, each with its share of the caps, behind the dispatch. Every shard's events
 * and ISN notes reach on_shard_event / on_shard_isn on the caller's thread, in frame
 * order. */
static int build_shards(sw_engine *e, char *err, size_t errlen)
{
    sw_checks_config cc;
    memset(&cc, 0, sizeof(cc));
    cc.history_packets = e->cfg.history_packets;
    cc.tun = *sw_ruleset_tunables(e->rules);
    cc.end_marks = 1;            /* the folds and incidents of a connection close with it */
    sw_shard_out out = {
        .event = on_shard_event, .event_user = e, .isn = on_shard_isn, .isn_user = e,
        .stream = on_stream, .stream_user = e,
    };
    if (e->cfg.workers <= 1) {
        e->shard = sw_shard_new(&e->cfg, &cc, &out, 1, err, errlen);
        return e->shard ? 0 : -1;
    }
    e->disp = sw_dispatch_new(&e->cfg, &out, err, errlen);
    if (!e->disp)
        return -1;
    sw_config wc;
    sw_shard_config(&e->cfg, e->cfg.workers, &wc);
    for (unsigned i = 0; i < e->cfg.workers; i++) {
        sw_shard_out so;
        sw_dispatch_shard_out(e->disp, i, &so);
        sw_shard *sh = sw_shard_new(&wc, &cc, &so, 0, err, errlen);
        if (!sh)
            return -1;
        sw_dispatch_set_shard(e->disp, i, sh);
    }
    return sw_dispatch_start(e->disp, err, errlen);
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
    /* A caller built against API version 1 passes the shorter struct: the fields it
     * lacks keep their sw_config_init defaults. */
    sw_config full;
    if (cfg_in->struct_size == offsetof(sw_config, rules_files)) {
        sw_config_init(&full);
        memcpy(&full, cfg_in, offsetof(sw_config, rules_files));
        full.struct_size = sizeof(sw_config);
        cfg_in = &full;
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
    e->pcap_filename = dup_or_null(cfg_in->pcap_filename);
    e->cfg.pcap_filename = e->pcap_filename;
    e->vars = dup_vars(cfg_in->vars);
    e->rules_text = dup_or_null(cfg_in->rules_text);
    e->threshold_file = dup_or_null(cfg_in->threshold_file);
    e->rules_files = cfg_in->rules_files ? dup_vars(cfg_in->rules_files) : NULL;
    /* Pointers in the copy refer to our own strings from here on. */
    e->cfg.sensor_name = e->sensor;
    e->cfg.rules_file = e->rules_file;
    e->cfg.json_path = e->json_path;
    e->cfg.db_path = e->db_path;
    e->cfg.source_name = e->source_name;
    e->cfg.vars = (const char *const *)e->vars;
    e->cfg.rules_text = e->rules_text;
    e->cfg.rules_files = (const char *const *)e->rules_files;
    e->cfg.threshold_file = e->threshold_file;
    if (!e->sensor || !e->vars || (cfg_in->rules_text && !e->rules_text) ||
        (cfg_in->rules_files && !e->rules_files) ||
        (cfg_in->threshold_file && !e->threshold_file)) {
        set_err(err, errlen, "out of memory");
        goto fail;
    }
    {
        sw_config *c = &e->cfg;
        SW_CONFIG_TABLE(SW_CONFIG_CLAMP)
    }
    if (e->cfg.workers == 0)
        e->cfg.workers = 1;

    e->rules = load_rules(cfg_in, err, errlen);
    if (!e->rules)
        goto fail;
    e->matcher = sw_matcher_new(65536);
    e->fold = sw_fold_new(FOLD_MAX, FOLD_IDLE_US, on_fold_close, e);
    e->inc = sw_incidents_new(INCIDENT_MAX);
    e->isn = sw_isn_stage_new(sw_ruleset_tunables(e->rules), on_event, e);
    if (!e->matcher || !e->isn || !e->fold || !e->inc) {
        set_err(err, errlen, "out of memory");
        goto fail;
    }
    if (build_shards(e, err, errlen) != 0)
        goto fail;

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
    if (e->disp)
        sw_dispatch_set_stream_cb(e->disp, cb, user);
    else
        sw_shard_want_names(e->shard, cb != NULL);
}

static int feed(sw_engine *e, uint64_t host_tag, int linktype, uint64_t ts_us,
                const uint8_t *frame, uint32_t caplen, uint32_t wirelen)
{
    e->frames++;    /* every frame counts, as in the file (Wireshark's numbers) */
    if (!sw_linktype_supported(linktype))
        return -1;
    if (e->run.start_us == 0)
        e->run.start_us = ts_us;
    if (ts_us > e->run.end_us)
        e->run.end_us = ts_us;
    if (e->disp) {
        sw_dispatch_feed(e->disp, e->frames, linktype, ts_us, frame, caplen, wirelen);
        return 0;
    }
    return sw_shard_feed(e->shard, e->frames, host_tag, linktype, ts_us, frame, caplen, wirelen);
}

int sw_engine_feed(sw_engine *e, int linktype, uint64_t ts_us,
                   const uint8_t *frame, uint32_t caplen, uint32_t wirelen)
{
    return feed(e, 0, linktype, ts_us, frame, caplen, wirelen);
}

int sw_engine_feed2(sw_engine *e, const sw_frame *f)
{
    /* the host's tags are kept with one worker only (the shard notes them) */
    return feed(e, f->host_tag, f->linktype, f->ts_us, f->data, f->caplen, f->wirelen);
}

void sw_engine_advance(sw_engine *e, uint64_t ts_us)
{
    if (!e || ts_us <= e->run.end_us)
        return;
    if (e->run.start_us == 0)
        return;     /* nothing fed yet: there is nothing to expire */
    e->run.end_us = ts_us;
    if (e->shard)
        sw_shard_tick(e->shard, ts_us);
    /* with several shards their time moves with the frames they are given */
}

void sw_engine_poll(sw_engine *e)
{
    if (e && e->disp)
        sw_dispatch_poll(e->disp);
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
    if (e && e->shard)
        sw_shard_flush(e->shard);
    if (e && e->disp)
        sw_dispatch_flush(e->disp);
    if (e)
        sw_fold_expire(e->fold, UINT64_MAX);   /* every fold closes with its update */
}

int sw_engine_reload_rules(sw_engine *e, const char *rules_file, char *err, size_t errlen)
{
    sw_config c = e->cfg;
    if (rules_file) {
        c.rules_text = NULL;
        c.rules_file = rules_file;
    }
    sw_ruleset *rs = load_rules(&c, err, errlen);
    if (!rs)
        return -1;
    if (rules_file && (!e->rules_file || strcmp(rules_file, e->rules_file) != 0)) {
        free(e->rules_file);
        e->rules_file = strdup(rules_file);
        e->cfg.rules_file = e->rules_file;
        free(e->rules_text);
        e->rules_text = NULL;
        e->cfg.rules_text = NULL;
    }
    sw_ruleset_free(e->rules);
    e->rules = rs;
    e->run.rules_hash = sw_ruleset_hash(rs);
    sw_isn_stage_set_tunables(e->isn, sw_ruleset_tunables(rs));
    if (e->shard)
        sw_shard_set_tunables(e->shard, sw_ruleset_tunables(rs));
    if (e->disp)
        sw_dispatch_set_tunables(e->disp, sw_ruleset_tunables(rs));
    return 0;
}

void sw_engine_get_stats(const sw_engine *e, sw_stats *out)
{
    memset(out, 0, sizeof(*out));
    if (e->shard)
        sw_shard_stats(e->shard, out);
    if (e->disp)
        sw_dispatch_stats(e->disp, out);
    out->events = e->events;
    out->alerts = e->alerts;
    out->alerts_suppressed = e->suppressed;
    out->anomalies = e->anomalies;
    out->threshold_evictions = sw_matcher_evictions(e->matcher);
    out->records = e->records;
    out->out_json_written = e->json_written;
    out->out_json_failed = e->json_failed;
    out->out_db_written = e->db_written;
    out->out_db_failed = e->db_failed;
    out->out_lost = e->lost;
    out->frames = e->frames;
    if (!e->outputs_closed) {
        /* still running: the counts so far (the database's pending ones are in neither) */
        sw_jsonl_stats js;
        sw_jsonl_counts(e->jsonl, &js);
        out->out_json_written = js.written;
        out->out_json_failed = js.failed;
        if (e->writer) {
            sw_store_writer_stats ws;
            sw_store_writer_get_stats(e->writer, &ws);
            out->out_db_written = ws.written + ws.duplicates;
            out->out_db_failed = ws.dropped + ws.invalid;
        }
    }
    out->alerts_folded = sw_fold_folded(e->fold);
    out->fold_evictions = sw_fold_evictions(e->fold);
    out->incident_evictions = sw_incidents_evictions(e->inc);
}

size_t sw_engine_decode_errors(const sw_engine *e, const char **names, uint64_t *counts, size_t max)
{
    size_t n = 0;
    for (int r = SW_DEC_ERR_FIRST; r < SW_DEC_NRESULTS; r++, n++) {
        if (n < max) {
            names[n] = sw_decode_reason_name((sw_decode_result)r);
            counts[n] = e->shard ? sw_shard_decode_count(e->shard, r)
                      : e->disp ? sw_dispatch_decode_count(e->disp, r) : 0;
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
    size_t n = e->shard ? sw_shard_offload_hosts(e->shard, out, max)
             : e->disp ? sw_dispatch_offload_hosts(e->disp, out, max) : 0;
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
    char dberr[512] = "", jerr[512] = "";
    sw_jsonl_stats js = {0};
    int json_sync_failed = 0;
    if (e->jsonl) {
        if (sw_jsonl_close(e->jsonl, &js) != 0)
            rc = -1;
        json_sync_failed = js.sync_failed;
        e->jsonl = NULL;
    }
    e->json_written = js.written;
    e->json_failed = js.failed;
    if (e->writer) {
        sw_stats st;
        sw_engine_get_stats(e, &st);
        e->run.packets = st.packets;
        e->run.drops = e->capture_drops;
        e->run.flows = st.tcp_connections;
        e->run.alerts = e->alerts;
        sw_store_writer_stats ws;
        if (sw_store_writer_stop_ex(e->writer, &e->run, &ws, dberr, sizeof dberr) != 0)
            rc = -1;
        else if (ws.invalid) {   /* the writer's callers may push junk; ours never do */
            snprintf(dberr, sizeof dberr, "%llu alert(s) were refused by the database as unusable",
                     (unsigned long long)ws.invalid);
            rc = -1;
        }
        e->writer = NULL;
        e->db_written = ws.written + ws.duplicates;
        e->db_failed = ws.given_up + ws.dropped + ws.invalid;
        e->lost = ws.lost_nowhere;
    } else if (e->json_path) {
        e->lost = js.failed;
    }
    e->outputs_closed = 1;
    /* Say where the alerts really are: the writer's message covers the alerts the
     * database lost (and which of them the JSON lines have); JSON failures are
     * spelled out here, with what the database made of them. */
    if (js.failed) {
        const char *p = e->json_path && strcmp(e->json_path, "-") ? e->json_path : "stdout";
        if (!e->db_path)
            snprintf(jerr, sizeof jerr, "JSON output %s: %llu of %llu alert(s) not written; "
                     "they are in neither output", p, (unsigned long long)js.failed,
                     (unsigned long long)e->records);
        else
            snprintf(jerr, sizeof jerr, "JSON output %s: %llu of %llu alert(s) not written; "
                     "%llu of them are in the database, %llu in neither output", p,
                     (unsigned long long)js.failed, (unsigned long long)e->records,
                     (unsigned long long)(js.failed - (e->lost < js.failed ? e->lost : js.failed)),
                     (unsigned long long)e->lost);
    } else if (json_sync_failed) {
        const char *p = e->json_path ? e->json_path : "stdout";
        snprintf(jerr, sizeof jerr, "JSON output %s: the file could not be synced or closed; "
                 "alerts written may not be on disk", p);
    }
    if (err && errlen)
        snprintf(err, errlen, "%s%s%s", jerr, jerr[0] && dberr[0] ? "\n" : "", dberr);
    return rc;
}

void sw_engine_free(sw_engine *e)
{
    if (!e)
        return;
    /* Flows end (and may emit their last events) before the sinks close. */
    sw_engine_flush(e);
    sw_engine_close_outputs(e, NULL, 0);
    sw_dispatch_free(e->disp);
    sw_shard_free(e->shard);
    sw_isn_stage_free(e->isn);
    sw_matcher_free(e->matcher);
    for (int i = 0; i < e->grp_n; i++) {  /* a group is complete after every delivery */
        json_decref(e->grp[i].doc);
        sw_event_clear(&e->grp[i].ev);
    }
    sw_fold_free(e->fold);
    sw_incidents_free(e->inc);
    sw_ruleset_free(e->rules);
    if (e->vars) {
        for (char **v = e->vars; *v; v++)
            free(*v);
        free(e->vars);
    }
    free(e->sensor);
    free(e->rules_file);
    free(e->rules_text);
    free(e->threshold_file);
    if (e->rules_files) {
        for (char **f = e->rules_files; *f; f++)
            free(*f);
        free(e->rules_files);
    }
    free(e->json_path);
    free(e->db_path);
    free(e->source_name);
    free(e->pcap_filename);
    free(e);
}
