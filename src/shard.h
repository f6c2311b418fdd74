/*
 * shard.h — one shard: a detector with its checks (engine-internal).
 *
 * A shard is the unit of detection state: its own flow table, trackers, reassembly
 * and per-flow check state, touched by one thread. The engine builds one shard for
 * sw_config.workers = 1 (the program's default, and each of the Suricata plugin's
 * per-thread engines), and one per worker for more (src/dispatch.c spreads the frames
 * over them). What spans connections is not in a shard: a shard hands its events and
 * its ISN notes out (sw_shard_out), and the engine runs the ISN stage and the rule
 * engine on them in frame order.
 */
#ifndef SW_SHARD_H
#define SW_SHARD_H
#include "seqwatch.h"
#include "detector/detector.h"
#include "rules/checks.h"

typedef struct sw_shard sw_shard;

/* Where a shard's outputs go; called on the thread that feeds the shard. */
typedef struct sw_shard_out {
    sw_event_emit_fn event;      /* each event (cleared after the call) */
    void *event_user;
    sw_isn_sink_fn isn;          /* each ISN note (the callee copies what it keeps) */
    void *isn_user;
    sw_stream_cb stream;         /* each delivered stream chunk (NULL: none) */
    void *stream_user;
} sw_shard_out;

/* The configuration each of n shards gets from the engine's: the same settings, its
 * share of the caps (max_flows, stream_memcap), one flow-hash seed for all. */
void sw_shard_config(const sw_config *cfg, unsigned n, sw_config *out);
/* host_tags: note the host's tag of each frame per connection (sw_shard_host_tag);
 * only for a shard whose alerts are read on its own thread. */
sw_shard *sw_shard_new(const sw_config *cfg, const sw_checks_config *cc, const sw_shard_out *out,
                       int host_tags, char *err, size_t errlen);
void sw_shard_free(sw_shard *s);
/* One frame: frame_no its number in the capture (pcap_cnt), host_tag the host's tag
 * (0: none). Returns 0, or -1 for an unsupported link type. */
static inline int sw_shard_feed(sw_shard *s, uint64_t frame_no, uint64_t host_tag, int linktype,
                                uint64_t ts_us, const uint8_t *frame, uint32_t caplen,
                                uint32_t wirelen);
/* Packet time has reached ts_us (sw_detector_tick). */
void sw_shard_tick(sw_shard *s, uint64_t ts_us);
/* End every connection. */
void sw_shard_flush(sw_shard *s);
void sw_shard_want_names(sw_shard *s, int on);
void sw_shard_set_tunables(sw_shard *s, const sw_tunables *t);
void sw_shard_stats(const sw_shard *s, sw_stats *out);
uint64_t sw_shard_decode_count(const sw_shard *s, int reason);
size_t sw_shard_offload_hosts(const sw_shard *s, sw_offload_host *out, size_t max);
/* The host's tag last fed for a live connection (0: none or not noted). */
uint64_t sw_shard_host_tag(const sw_shard *s, uint64_t flow_id);

/* ---- the per-frame path, inline (an untagged frame goes straight to the detector) ---- */

struct sw_shard {
    sw_detector *det;
    sw_checks *checks;
    sw_observer checks_obs;      /* the checks' observer (the shard's interposes on it) */
    sw_stream_cb stream;         /* stream chunks go there, not through the checks */
    void *stream_user;
    int host_tags;
    uint32_t tags_cap;
    struct sw_host_tags *tags;   /* created on the first tagged frame */
    uint64_t cur_tag;            /* of the frame being fed */
};

int sw_shard_feed_tagged(sw_shard *s, uint64_t frame_no, uint64_t host_tag, int linktype,
                         uint64_t ts_us, const uint8_t *frame, uint32_t caplen, uint32_t wirelen);

static inline int sw_shard_feed(sw_shard *s, uint64_t frame_no, uint64_t host_tag, int linktype,
                                uint64_t ts_us, const uint8_t *frame, uint32_t caplen,
                                uint32_t wirelen)
{
    if (host_tag)
        return sw_shard_feed_tagged(s, frame_no, host_tag, linktype, ts_us, frame, caplen, wirelen);
    sw_detector_set_frame(s->det, frame_no);
    return sw_detector_feed(s->det, linktype, ts_us, frame, caplen, wirelen);
}

#endif
