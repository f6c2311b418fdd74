/*
 * dispatch.h — several shards over the worker pool (engine-internal), behind
 * sw_config.workers > 1.
 *
 * The caller's thread (the one calling sw_engine_feed) reads the capture and hands
 * each frame to one shard, chosen by a keyed hash of the frame's two endpoints (read
 * by the decoder, sw_decode_endpoints) that is the same in both directions, so a
 * connection lives on one shard, run by one worker with no lock per packet. The
 * shards' events and ISN notes come back to the caller's thread merged in the order
 * of the frames that caused them, and go to the engine's callbacks there: the engine
 * runs what spans connections (the ISN stage, the rule engine) on them. So the alerts
 * are the same for every number of workers, and the alert callback keeps running on
 * the caller's thread.
 */
#ifndef SW_DISPATCH_H
#define SW_DISPATCH_H
#include "seqwatch.h"
#include "src/shard.h"

typedef struct sw_dispatch sw_dispatch;

/* cfg->workers shards (2..256); merged is what the engine gets, on its thread, in
 * frame order (its stream member is not used: see sw_dispatch_set_stream_cb). */
sw_dispatch *sw_dispatch_new(const sw_config *cfg, const sw_shard_out *merged, char *err,
                             size_t errlen);
/* What shard i must be built with (its outputs go to its worker's list). */
void sw_dispatch_shard_out(sw_dispatch *d, unsigned i, sw_shard_out *out);
/* Give shard i to the dispatch (it frees it); then start, once all are given. */
void sw_dispatch_set_shard(sw_dispatch *d, unsigned i, sw_shard *s);
int sw_dispatch_start(sw_dispatch *d, char *err, size_t errlen);

void sw_dispatch_set_stream_cb(sw_dispatch *d, sw_stream_cb cb, void *user);
/* Hand one frame (its capture number frame_no) to its shard's worker. */
void sw_dispatch_feed(sw_dispatch *d, uint64_t frame_no, int linktype, uint64_t ts_us,
                      const uint8_t *frame, uint32_t caplen, uint32_t wirelen);
/* Hand over everything queued and deliver what is finished (an idle capture). */
void sw_dispatch_poll(sw_dispatch *d);
/* End every connection on every shard, wait, deliver every output. */
void sw_dispatch_flush(sw_dispatch *d);
void sw_dispatch_set_tunables(sw_dispatch *d, const sw_tunables *t);
/* Sum of the shards' counters (as of their workers' last report; exact after a
 * flush). */
void sw_dispatch_stats(sw_dispatch *d, sw_stats *out);
uint64_t sw_dispatch_decode_count(sw_dispatch *d, int reason);
/* The offloading hosts of every shard, merged by address (after a flush). */
size_t sw_dispatch_offload_hosts(sw_dispatch *d, sw_offload_host *out, size_t max);
/* Frames shard i was given so far (tests of the dispatch). 0 for i >= the count. */
uint64_t sw_dispatch_shard_frames(const sw_dispatch *d, unsigned i);
void sw_dispatch_free(sw_dispatch *d);

#endif
