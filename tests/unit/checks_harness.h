/*
 * checks_harness.h — runs a pktbuild trace through the real detector pipeline with
 * the checks as its observer and records every event (its id, direction, and the
 * JSON of its evidence / related / ruled_out / ladder, copied because the event is
 * cleared after the callback). The checks' ISN notes go to an ISN stage
 * (rules/isn_stage.c), as the engine wires them, so isn_predictable and the host
 * summaries it adds to other events are seen too. Shared by tests/unit/test_checks_*.c and
 * test_benign.c; include after cmocka.h.
 *
 * A test that expects no event must not pass because its frames never reached the
 * checks (a checksum slip in the builder, a wrong link type): by default h_run
 * asserts that every frame decoded and was tracked (decode_errors == 0,
 * checksum_errors == 0, tcp_packets == frames fed, tcp_connections >= 1). A test that feeds damaged or non-TCP frames
 * on purpose sets h->allow_damaged = 1 before h_run and checks h->stats itself.
 */
#ifndef SW_CHECKS_HARNESS_H
#define SW_CHECKS_HARNESS_H
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "detector/detector.h"
#include "rules/checks.h"
#include "rules/isn_stage.h"
#include "rules/event.h"
#include "rules/ruleset.h"
#include "pktbuild.h"

#define H_MAX 512

typedef struct h_event {
    int id, dir;
    uint64_t ts_us;
    uint32_t instance;
    json_t *evidence, *related, *ruled_out, *packets;
} h_event;

typedef struct harness {
    h_event ev[H_MAX];
    int n;
    int count[SW_EV_COUNT];
    sw_tunables tun;
    int tun_set;
    uint32_t history;
    sw_checks_counters cnt;   /* the checks' counters after the run */
    sw_stats stats;           /* the detector's counters after the run */
    int allow_damaged;        /* opt out of the every-frame-tracked assertion */
    sw_isn_stage *isn;        /* during h_run */
} harness;

static inline void h_emit(void *user, sw_event *ev)
{
    harness *h = user;
    assert_true(ev->id >= 0 && ev->id < SW_EV_COUNT);
    assert_non_null(ev->evidence);
    h->count[ev->id]++;
    if (h->n >= H_MAX)
        return;
    h_event *e = &h->ev[h->n++];
    e->id = ev->id;
    e->dir = ev->dir;
    e->ts_us = ev->ts_us;
    e->instance = ev->conn_instance;
    e->evidence = json_deep_copy(ev->evidence);
    e->related = ev->related ? json_deep_copy(ev->related) : NULL;
    e->ruled_out = ev->ruled_out ? json_deep_copy(ev->ruled_out) : NULL;
    e->packets = ev->packets ? json_deep_copy(ev->packets) : NULL;
}

/* The checks' events: the ISN stage's host summary first, as in the engine. */
static inline void h_checks_emit(void *user, sw_event *ev)
{
    harness *h = user;
    sw_isn_stage_relate(h->isn, ev);
    h_emit(user, ev);
}

static inline void h_isn_note(void *user, const sw_isn_note *n)
{
    harness *h = user;
    sw_isn_stage_apply(h->isn, n);
}

static inline void h_feed(void *user, int linktype, uint64_t ts_us, const uint8_t *f, uint32_t len)
{
    assert_int_equal(sw_detector_feed(user, linktype, ts_us, f, len, len), 0);
}

static inline void h_init(harness *h)
{
    memset(h, 0, sizeof *h);
    h->history = 8;
}

static inline void h_free(harness *h)
{
    for (int i = 0; i < h->n; i++) {
        json_decref(h->ev[i].evidence);
        json_decref(h->ev[i].related);
        json_decref(h->ev[i].ruled_out);
        json_decref(h->ev[i].packets);
    }
    h->n = 0;
}

static inline void h_dump(const harness *h)
{
    for (int i = 0; i < h->n; i++) {
        const sw_event_def *d = sw_event_def_get((sw_event_id)h->ev[i].id);
        char *s = json_dumps(h->ev[i].evidence, JSON_COMPACT | JSON_SORT_KEYS);
        char *r = h->ev[i].related ? json_dumps(h->ev[i].related, JSON_COMPACT) : NULL;
        fprintf(stderr, "  event %s dir %d ts %llu: %s%s%s\n", d ? d->name : "?", h->ev[i].dir,
                (unsigned long long)h->ev[i].ts_us, s ? s : "", r ? " related " : "", r ? r : "");
        free(s);
        free(r);
    }
}

/* Feed the trace through a detector + checks, flush, free. */
static inline void h_run(harness *h, const pb_trace *t)
{
    sw_checks_config cc;
    memset(&cc, 0, sizeof cc);
    cc.history_packets = h->history;
    cc.tun = h->tun_set ? h->tun : *sw_ruleset_tunables(NULL);
    h->isn = sw_isn_stage_new(&cc.tun, h_emit, h);
    assert_non_null(h->isn);
    sw_checks *ck = sw_checks_new(&cc, h_checks_emit, h);
    assert_non_null(ck);
    sw_checks_set_isn_sink(ck, h_isn_note, h);
    sw_observer ob;
    sw_checks_observer(ck, &ob);
    sw_config cfg;
    sw_config_init(&cfg);               /* the engine's defaults, then the harness's own: */
    cfg.max_flows = 1000;
    cfg.seed_set = 1;
    cfg.checksum = SW_CHECKSUM_ON;      /* pktbuild's checksums are right */
    cfg.history_packets = h->history;
    char err[256];
    sw_detector *d = sw_detector_new(&cfg, &ob, err, sizeof err);
    assert_non_null(d);
    pb_trace_each(t, h_feed, d);
    sw_detector_flush(d);
    sw_detector_stats(d, &h->stats);
    sw_detector_free(d);
    if (!h->allow_damaged) {
        if (h->stats.decode_errors != 0 || h->stats.checksum_errors != 0 ||
            h->stats.tcp_packets != t->n ||
            (t->n > 0 && h->stats.tcp_connections < 1))
            fail_msg("harness: %zu frames fed, %llu decoded as TCP, %llu decode errors, "
                     "%llu checksum errors, %llu connections (set allow_damaged for "
                     "damaged frames)", t->n,
                     (unsigned long long)h->stats.tcp_packets,
                     (unsigned long long)h->stats.decode_errors,
                     (unsigned long long)h->stats.checksum_errors,
                     (unsigned long long)h->stats.tcp_connections);
    }
    sw_checks_get_counters(ck, &h->cnt);
    sw_checks_free(ck);
    sw_isn_stage_free(h->isn);
    h->isn = NULL;
    if (getenv("H_DUMP")) {
        for (int i = 0; i < h->n; i++) {
            json_t *o = json_pack("{s:i,s:O,s:O*,s:O*,s:O*}", "id", h->ev[i].id,
                                  "evidence", h->ev[i].evidence, "related", h->ev[i].related,
                                  "ruled_out", h->ev[i].ruled_out, "packets", h->ev[i].packets);
            char *s = json_dumps(o, JSON_INDENT(1) | JSON_SORT_KEYS);
            fprintf(stderr, "%s\n", s ? s : "");
            free(s);
            json_decref(o);
        }
    }
}

/* Exactly this set of events (each at least once, nothing else): ids end with -1. */
static inline void h_expect_set(const harness *h, ...)
{
    int want[SW_EV_COUNT] = { 0 };
    va_list ap;
    va_start(ap, h);
    int id;
    while ((id = va_arg(ap, int)) >= 0)
        want[id] = 1;
    va_end(ap);
    int bad = 0;
    for (int i = 0; i < SW_EV_COUNT; i++) {
        if ((want[i] && !h->count[i]) || (!want[i] && h->count[i])) {
            const sw_event_def *d = sw_event_def_get((sw_event_id)i);
            fprintf(stderr, "event %s: expected %s, got %d\n", d ? d->name : "?",
                    want[i] ? "some" : "none", h->count[i]);
            bad = 1;
        }
    }
    if (bad)
        h_dump(h);
    assert_false(bad);
}

static inline void h_expect_none(const harness *h)
{
    if (h->n)
        h_dump(h);
    assert_int_equal(h->n, 0);
}

/* The first recorded event with this id. */
static inline const h_event *h_find(const harness *h, int id)
{
    for (int i = 0; i < h->n; i++)
        if (h->ev[i].id == id)
            return &h->ev[i];
    return NULL;
}

static inline json_int_t h_int(const h_event *e, const char *key)
{
    json_t *v = json_object_get(e->evidence, key);
    assert_true(json_is_integer(v));
    return json_integer_value(v);
}

static inline const char *h_str(const h_event *e, const char *key)
{
    json_t *v = json_object_get(e->evidence, key);
    assert_true(json_is_string(v));
    return json_string_value(v);
}

static inline int h_ruled_out(const h_event *e, const char *what)
{
    size_t i;
    json_t *v;
    json_array_foreach(e->ruled_out, i, v)
        if (json_is_string(v) && strcmp(json_string_value(v), what) == 0)
            return 1;
    return 0;
}

static inline int h_has_related(const h_event *e, const char *name)
{
    size_t i;
    json_t *v;
    if (!e->related)
        return 0;
    json_array_foreach(e->related, i, v)
        if (strcmp(json_string_value(json_object_get(v, "event")) ? json_string_value(
                       json_object_get(v, "event")) : "", name) == 0)
            return 1;
    return 0;
}

/* The ladder has one entry marked as the trigger, with these flags. */
static inline void h_ladder_marks(const h_event *e, const char *flags)
{
    assert_non_null(e->packets);
    size_t i, marked = 0;
    json_t *v;
    json_array_foreach(e->packets, i, v) {
        if (json_is_true(json_object_get(v, "trigger"))) {
            marked++;
            if (flags)
                assert_string_equal(json_string_value(json_object_get(v, "flags")), flags);
        }
    }
    assert_int_equal(marked, 1);
}

/* A client 10.0.0.1:40000 and a server 10.0.0.2:80 with a finished handshake. */
static inline void h_conn(pb_conn *c, pb_trace *t, int ts)
{
    pb_conn_init(c, t, "10.0.0.1", 40000, "10.0.0.2", 80, 1000000u, 5000000u);
    c->ts = ts;
    pb_conn_handshake(c);
}

/* Some request/response traffic. */
static inline void h_chat(pb_conn *c, int rounds)
{
    static const char req[] = "GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n";
    static char resp[1200];
    memset(resp, 'r', sizeof resp);
    for (int i = 0; i < rounds; i++) {
        pb_conn_send(c, 0, req, sizeof req - 1);
        pb_conn_ack(c, 1);
        pb_conn_send(c, 1, resp, sizeof resp);
        pb_conn_ack(c, 0);
    }
}

/* The client closes, the server closes. */
static inline void h_close(pb_conn *c)
{
    pb_conn_fin(c, 0);
    pb_conn_ack(c, 1);
    pb_conn_fin(c, 1);
    pb_conn_ack(c, 0);
}

/* A segment from side with explicit fields (pb_conn_raw with a zeroed base). */
static inline void h_raw(pb_conn *c, int side, uint32_t seq, uint32_t ack, uint8_t flags,
                  const void *data, uint32_t len)
{
    pb_seg s;
    memset(&s, 0, sizeof s);
    s.seq = seq;
    s.ack = ack;
    s.flags = flags;
    s.payload = data;
    s.len = len;
    pb_conn_raw(c, side, &s);
}

#endif
