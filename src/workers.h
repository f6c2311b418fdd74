/*
 * workers.h — the worker pool behind sw_config.workers > 1 (engine-internal).
 *
 * The caller's thread (the one calling sw_engine_feed) reads the capture and hands
 * each frame to one worker, chosen by a keyed hash of the frame's two endpoints that is
 * the same in both directions, so a connection lives on one worker. Each worker owns a
 * detector and a checks object: its flows, their reassembly and check state, with no
 * lock per packet. The workers' events come back to the caller's thread, which merges
 * them in the order of the frames that caused them (sw_pool_merge) and runs what spans
 * connections there: the per-host ISN table and the rule engine with its thresholds.
 * So the alerts are the same for every number of workers, and the alert callback keeps
 * running on the caller's thread.
 */
#ifndef SW_WORKERS_H
#define SW_WORKERS_H
#include "seqwatch.h"
#include "rules/checks.h"

typedef struct sw_pool sw_pool;

/* Called on the merging (caller's) thread, in frame order: an event to match and
 * deliver (the callee may keep nothing; the event is cleared after the call). */
typedef void (*sw_pool_event_fn)(void *user, sw_event *ev);

/* cfg->workers workers (>= 2). isn_checks: the caller's checks object that holds the
 * ISN table (its emit callback receives isn_predictable). */
sw_pool *sw_pool_new(const sw_config *cfg, const sw_checks_config *cc, sw_checks *isn_checks,
                     sw_pool_event_fn on_event, void *user, char *err, size_t errlen);
void sw_pool_set_stream_cb(sw_pool *p, sw_stream_cb cb, void *user);
/* Hand one frame to its worker. */
/* The capture's frame number of the next frame fed (see sw_detector_set_frame). */
void sw_pool_set_frame(sw_pool *p, uint64_t frame_no);
void sw_pool_feed(sw_pool *p, int linktype, uint64_t ts_us, const uint8_t *frame,
                  uint32_t caplen, uint32_t wirelen);
/* Deliver every event whose turn has come (cheap when there is none). */
void sw_pool_merge(sw_pool *p);
/* Hand over everything queued and deliver what is finished (an idle capture). */
void sw_pool_poll(sw_pool *p);
/* End every connection on every worker, wait, deliver every event. */
void sw_pool_flush(sw_pool *p);
/* Wait until every worker has processed everything (they are then idle). */
void sw_pool_quiesce(sw_pool *p);
void sw_pool_set_tunables(sw_pool *p, const sw_tunables *t);
/* Sum of the workers' detector counters (as of their last report; exact after a
 * flush or quiesce). */
void sw_pool_stats(sw_pool *p, sw_stats *out);
uint64_t sw_pool_decode_count(sw_pool *p, int reason);
/* The offloading hosts of every worker, merged by address (after a flush). */
size_t sw_pool_offload_hosts(sw_pool *p, sw_offload_host *out, size_t max);
/* Frames worker i was given so far (tests of the dispatch; quiesce first for an exact
 * figure). 0 for i >= the number of workers. */
uint64_t sw_pool_worker_frames(sw_pool *p, unsigned i);
void sw_pool_free(sw_pool *p);

#endif
