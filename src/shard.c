/*
 * shard.c — one shard (src/shard.h): a detector whose observer is a checks object,
 * with the host's tag of each frame noted per connection on the way when asked, and
 * the stream chunks going to the engine's stream sink beside the checks.
 *
 * Invariants: the shard owns its detector, checks and tag table and frees them in
 * reverse order; the observer order is the detector's (observer.h), and the tag
 * interposition only adds (a connection's tag is noted before its checks run and
 * forgotten after its last events: on_conn_end and on_flow_free run the checks first).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "src/shard.h"
#include "src/host_tag.h"
#include "detector/detector.h"

/* struct sw_shard is in shard.h (the inline feed reads it). */

void sw_shard_config(const sw_config *cfg, unsigned n, sw_config *out)
{
    *out = *cfg;
    out->workers = 1;
    if (n <= 1)
        return;
    out->max_flows = cfg->max_flows / n + (cfg->max_flows % n != 0);
    out->stream_memcap = cfg->stream_memcap / n;
    if (!out->seed_set) {
        randombytes_buf(out->hash_seed, sizeof out->hash_seed);
        out->seed_set = 1;
    }
}

/* ------------------------------------------------------- the shard observer -- */

/* The detector's observer is the shard's: it notes the host's tag of a connection
 * (when asked), passes the rest to the checks, and delivers stream chunks to the
 * engine's stream sink directly (rules/ takes no part in them). */

static void tag_packet(void *ctx, const sw_pkt_obs *o)
{
    sw_shard *s = ctx;
    if (s->cur_tag && o->flow)
        sw_host_tags_set(s->tags, o->flow->conn.flow_id, s->cur_tag);
    if (s->checks_obs.on_packet)
        s->checks_obs.on_packet(s->checks_obs.ctx, o);
}

static void pass_state(void *ctx, const sw_state_obs *o)
{
    sw_shard *s = ctx;
    if (s->checks_obs.on_state)
        s->checks_obs.on_state(s->checks_obs.ctx, o);
}

static void pass_overlap(void *ctx, const sw_overlap_obs *o)
{
    sw_shard *s = ctx;
    if (s->checks_obs.on_overlap)
        s->checks_obs.on_overlap(s->checks_obs.ctx, o);
}

/* Stream chunks go straight to the engine's sink: the checks never see them. */
static void pass_stream(void *ctx, const sw_flow *flow, const sw_stream_chunk *c)
{
    sw_shard *s = ctx;
    (void)flow;
    if (s->stream)
        s->stream(s->stream_user, c);
}

static void pass_frag_overlap(void *ctx, const sw_frag_overlap_obs *o, const sw_flow *flow,
                              void **state, int dir)
{
    sw_shard *s = ctx;
    if (s->checks_obs.on_frag_overlap)
        s->checks_obs.on_frag_overlap(s->checks_obs.ctx, o, flow, state, dir);
}

static void tag_conn_start(void *ctx, const sw_conn_obs *o)
{
    sw_shard *s = ctx;
    if (s->cur_tag && o->flow)
        sw_host_tags_set(s->tags, o->flow->conn.flow_id, s->cur_tag);
    if (s->checks_obs.on_conn_start)
        s->checks_obs.on_conn_start(s->checks_obs.ctx, o);
}

static void tag_conn_end(void *ctx, const sw_conn_obs *o)
{
    sw_shard *s = ctx;
    if (s->checks_obs.on_conn_end)
        s->checks_obs.on_conn_end(s->checks_obs.ctx, o);
    if (o->flow)
        sw_host_tags_del(s->tags, o->flow->conn.flow_id);
}

static void tag_flow_free(void *ctx, const sw_flow *f, void **state)
{
    sw_shard *s = ctx;
    if (s->checks_obs.on_flow_free)
        s->checks_obs.on_flow_free(s->checks_obs.ctx, f, state);
    sw_host_tags_del(s->tags, f->conn.flow_id);
}

/* ------------------------------------------------------------------ shard -- */

sw_shard *sw_shard_new(const sw_config *cfg, const sw_checks_config *cc, const sw_shard_out *out,
                       int host_tags, char *err, size_t errlen)
{
    sw_shard *s = calloc(1, sizeof *s);
    if (s)
        s->checks = sw_checks_new(cc, out->event, out->event_user);
    if (!s || !s->checks) {
        if (err && errlen)
            snprintf(err, errlen, "out of memory");
        free(s);
        return NULL;
    }
    sw_checks_set_isn_sink(s->checks, out->isn, out->isn_user);
    sw_checks_observer(s->checks, &s->checks_obs);
    s->stream = out->stream;
    s->stream_user = out->stream_user;
    s->host_tags = host_tags;
    s->tags_cap = cfg->max_flows;
    sw_observer obs = {
        .ctx = s, .on_packet = tag_packet, .on_state = pass_state,
        .on_conn_start = tag_conn_start, .on_conn_end = tag_conn_end,
        .on_overlap = pass_overlap, .on_stream = pass_stream, .on_flow_free = tag_flow_free,
        .on_frag_overlap = pass_frag_overlap,
    };
    s->det = sw_detector_new(cfg, &obs, err, errlen);
    if (!s->det) {
        sw_shard_free(s);
        return NULL;
    }
    sw_detector_want_names(s->det, 0);       /* until a stream callback is set */
    return s;
}

void sw_shard_free(sw_shard *s)
{
    if (!s)
        return;
    sw_detector_free(s->det);
    sw_host_tags_free(s->tags);
    sw_checks_free(s->checks);
    free(s);
}

int sw_shard_feed_tagged(sw_shard *s, uint64_t frame_no, uint64_t host_tag, int linktype,
                         uint64_t ts_us, const uint8_t *frame, uint32_t caplen, uint32_t wirelen)
{
    if (s->host_tags && !s->tags)
        s->tags = sw_host_tags_new(s->tags_cap);
        /* without memory for the table the alerts only lack host_tag */
    s->cur_tag = s->tags ? host_tag : 0;
    sw_detector_set_frame(s->det, frame_no);
    int rc = sw_detector_feed(s->det, linktype, ts_us, frame, caplen, wirelen);
    s->cur_tag = 0;
    return rc;
}

void sw_shard_tick(sw_shard *s, uint64_t ts_us) { sw_detector_tick(s->det, ts_us); }

void sw_shard_flush(sw_shard *s) { sw_detector_flush(s->det); }

void sw_shard_want_names(sw_shard *s, int on) { sw_detector_want_names(s->det, on); }

void sw_shard_set_tunables(sw_shard *s, const sw_tunables *t) { sw_checks_set_tunables(s->checks, t); }

void sw_shard_stats(const sw_shard *s, sw_stats *out) { sw_detector_stats(s->det, out); }

uint64_t sw_shard_decode_count(const sw_shard *s, int reason)
{
    return sw_detector_decode_count(s->det, reason);
}

size_t sw_shard_offload_hosts(const sw_shard *s, sw_offload_host *out, size_t max)
{
    return sw_detector_offload_hosts(s->det, out, max);
}

uint64_t sw_shard_host_tag(const sw_shard *s, uint64_t flow_id)
{
    return s ? sw_host_tags_get(s->tags, flow_id) : 0;
}
