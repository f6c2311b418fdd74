/*
 * reasm.h — TCP stream reassembly for one direction of a connection.
 * Segments are stored by sequence number (mod 2^32) until they can be delivered in
 * order; delivered bytes are retained for a while so that a late twin of a segment
 * is still compared byte for byte. Every overlap is classified and reported; holes
 * become gap notices once the receiver has acknowledged past them or the flow ends.
 * Memory is bounded by a global cap and a per-flow cap.
 */
#ifndef SW_REASM_H
#define SW_REASM_H
#include <stdint.h>
#include <stddef.h>
#include "detector/observer.h"

typedef struct sw_reasm_config {
    uint64_t memcap;          /* global bytes of payload held (queued + retained) */
    uint64_t flow_cap;        /* per direction pair (flow) */
    uint64_t depth;           /* stop storing a direction after this many stream bytes (0 = no limit) */
    uint32_t retain_seconds;  /* keep delivered bytes comparable this long (packet time) */
    uint64_t retain_bytes;    /* and at most this many per direction */
    int overlap_policy;       /* sw_reasm_overlap: which copy of a queued byte is read */
} sw_reasm_config;

/* Which version of a byte the stream carries where a new segment overlaps bytes
 * still queued (out of order). Bytes already delivered are never replaced. */
typedef enum sw_reasm_overlap {
    SW_REASM_OVL_LINUX = 0,   /* Linux tcp_data_queue_ofo (default): the segment that
                                 starts earlier wins, at the same start the longer one;
                                 a segment starting where a queued one ends joins it */
    SW_REASM_OVL_FIRST = 1,   /* the first copy seen wins */
} sw_reasm_overlap;

typedef struct sw_reasm_ctx sw_reasm_ctx;     /* global: config, memory accounting, counters */
typedef struct sw_reasm_dir sw_reasm_dir;     /* one direction of one connection */

typedef struct sw_reasm_counters {
    uint64_t bytes_delivered, gaps, gap_bytes, overlaps, overlap_mismatches;
    uint64_t memcap_evictions, depth_reached, segments_dropped_cap;
    uint64_t mem_in_use, mem_peak;
    uint64_t overlap_reports_capped;  /* overlaps counted but not published (per-segment cap) */
    /* mem_in_use / mem_peak count what the caps bound: each held segment's allocation
     * (its header + bytes, rounded to its size class). These count its bytes only. */
    uint64_t payload_in_use, payload_peak;
    /* undeliverable copies (sw_reasm_aside): kept, differing from the genuine bytes,
     * not kept (cap), promoted (the receiver acknowledged their range) */
    uint64_t aside_kept, aside_mismatches, aside_refused, aside_promoted;
} sw_reasm_counters;

/* obs receives on_overlap and on_stream calls. */
sw_reasm_ctx *sw_reasm_ctx_new(const sw_reasm_config *cfg, const sw_observer *obs);
void sw_reasm_ctx_free(sw_reasm_ctx *c);
void sw_reasm_counters_get(const sw_reasm_ctx *c, sw_reasm_counters *out);

/* Start a direction whose stream offset 0 is sequence number base_seq (ISN+1, or
 * the first sequence number seen on midstream pickup). Every sw_stream_chunk of the
 * direction carries its dir, kind, offset, bytes, ts_us and flags (SW_CHUNK_MIDSTREAM
 * when chunk_tmpl is not NULL and has it; SW_CHUNK_URGENT per chunk); the
 * connection's fields (flow_id, conn_instance, addresses, ports, conn_start_us)
 * are left zero for the observer to fill from the flow it is given — a direction
 * does not store them. Store the result in flow->rdir[dir]: the per-flow cap is
 * shared with the direction found in flow->rdir[1 - dir] (looked up when needed,
 * so clear flow->rdir[dir] when the direction is closed; flow may be NULL: no
 * shared cap). */
sw_reasm_dir *sw_reasm_dir_new(sw_reasm_ctx *c, sw_flow *flow, int dir, uint32_t base_seq,
                               const sw_stream_chunk *chunk_tmpl);

/* A segment of this direction: payload at seq (may be 0 bytes with FIN). urgent is
 * the segment's urgent pointer when it has URG (0: none): the byte it names is
 * delivered as a chunk of its own with SW_CHUNK_OOB. meta
 * describes the packet (for overlap evidence). pkt is the current packet. */
void sw_reasm_segment(sw_reasm_ctx *c, sw_reasm_dir *d, uint32_t seq,
                      const uint8_t *data, uint32_t len, int fin, int urgent,
                      const sw_seg_meta *meta, const sw_packet *pkt);

/* A copy the tracker judged undeliverable (reason: sw_deliv): never stream bytes.
 * It is compared with the genuine bytes of its range already held (on_overlap with
 * aside = 2) and kept aside to be compared with those that come later (aside = 1).
 * If the receiver acknowledges its whole range before any genuine byte of it was
 * seen, it did accept the copy: sw_reasm_ack then makes it stream bytes. */
void sw_reasm_aside(sw_reasm_ctx *c, sw_reasm_dir *d, uint32_t seq, const uint8_t *data,
                    uint32_t len, int reason, const sw_seg_meta *meta, const sw_packet *pkt);

/* The receiver of this direction acknowledged up to ack: holes below it are
 * declared gaps and data after them is delivered. Pass only ACKs the tracker
 * found plausible (not beyond what the sender has sent, as far as it can tell):
 * a gap is final, bytes that arrive for it later are not delivered. */
void sw_reasm_ack(sw_reasm_ctx *c, sw_reasm_dir *d, uint32_t ack, uint64_t now_us);

/* An ACK the tracker could not place (its view is confused by an RST or a FIN that
 * the receiver ignored, e.g. suricata-verify bug-3286: a forged RST and FIN before
 * the real SYN-ACK) still shows that the receiver took the bytes held after the RST
 * or past the FIN that it covers, as long as it acknowledges no more than the
 * highest byte seen: then it acts as sw_reasm_ack. Does nothing when nothing is
 * held. */
void sw_reasm_ack_held(sw_reasm_ctx *c, sw_reasm_dir *d, uint32_t ack, uint64_t now_us);

/* RST seen on the connection. */
void sw_reasm_rst(sw_reasm_ctx *c, sw_reasm_dir *d, uint64_t now_us);

/* End of the direction: deliver what can be delivered, declare remaining holes as
 * gaps, send the CLOSE notice and free everything. d is invalid afterwards. c must
 * be the context that made d (nothing is done when it is NULL); every direction is
 * closed before its context is freed. */
void sw_reasm_dir_close(sw_reasm_ctx *c, sw_reasm_dir *d, uint64_t now_us);

/* Check the invariants listed in reasm.c: NULL when they hold, else a static string
 * naming the first broken one. dir_validate walks one direction (its nodes, tree,
 * retained index and accounting; with c, its share of the context's counters and
 * caps and its LRU links); ctx_validate walks the context's LRU list and node pool.
 * SW_VALIDATE builds run them after every operation (common/sw_assert.h). */
const char *sw_reasm_dir_validate(const sw_reasm_ctx *c, const sw_reasm_dir *d);
const char *sw_reasm_ctx_validate(const sw_reasm_ctx *c);

/* Per-direction figures for the streams manifest and the summary. */
typedef struct sw_reasm_dir_info {
    uint64_t bytes_delivered, gaps, gap_bytes;   /* gaps saturates at 2^21 - 1 */
    uint64_t next_offset;     /* stream offset of the next expected byte */
} sw_reasm_dir_info;
void sw_reasm_dir_info_get(const sw_reasm_dir *d, sw_reasm_dir_info *out);

#endif
