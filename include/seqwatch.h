/*
 * seqwatch.h — the public API of the seqwatch engine, and the only public header.
 *
 * Another sensor or IDS embeds the engine through this API: create an engine from a
 * configuration, feed it link-layer frames with their capture timestamp and link type,
 * receive alerts and reassembled stream data through callbacks, flush at the end,
 * read statistics, free. Everything the engine does is driven by packet time (the
 * timestamps passed to sw_engine_feed), never the wall clock, so the same frames in
 * the same order always give the same alerts.
 *
 * Thread safety: one engine must be used from one thread at a time. The alert
 * callback is invoked from inside sw_engine_feed / sw_engine_flush / sw_engine_poll on
 * the caller's thread. With workers > 1 the engine runs that many worker threads of its
 * own (connections spread over them, both directions on one); the alerts are the same
 * as with one worker (only the order of alerts raised at the same moment for different
 * connections, at timeouts or the final flush, can differ), but the stream callback is
 * then called from the worker threads, one call at a time (chunks of one connection
 * stay in order).
 */
#ifndef SEQWATCH_H
#define SEQWATCH_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* 2: sw_engine_feed2 (a host tag per frame, returned with every alert of that
 *    connection as sw_alert.host_tag), sw_engine_advance, sw_alert.host_tag and
 *    sw_alert.conn_instance. Version 1 calls are unchanged. */
#define SW_API_VERSION 2

/* Marks the functions the shared library exports: the library is built with
 * -fvisibility=hidden, so everything else in it stays internal. */
#if defined(__GNUC__) || defined(__clang__)
#define SW_API __attribute__((visibility("default")))
#else
#define SW_API
#endif

/* Link types accepted by sw_engine_feed: the libpcap DLT_* / LINKTYPE_* numbers. */
#define SW_LINK_NULL      0    /* BSD loopback, host-order 4-byte family */
#define SW_LINK_ETHERNET  1
#define SW_LINK_RAW       101  /* LINKTYPE_RAW: raw IPv4 or IPv6 */
#define SW_LINK_LOOP      108  /* OpenBSD loopback, network-order family */
#define SW_LINK_LINUX_SLL 113
#define SW_LINK_IPV4      228
#define SW_LINK_IPV6      229
#define SW_LINK_LINUX_SLL2 276
#define SW_LINK_DLT_RAW12 12   /* DLT_RAW as some platforms number it */
#define SW_LINK_DLT_RAW14 14

/* How IP and TCP checksums are treated. */
typedef enum sw_checksum_mode {
    SW_CHECKSUM_ON = 0,   /* verify; a bad packet is counted and changes no state */
    SW_CHECKSUM_OFF = 1,  /* do not verify (captures taken on a host with offload) */
    SW_CHECKSUM_AUTO = 2, /* verify, but take the packets of a host whose own outgoing
                             TCP packets show the offload signature (the default) */
} sw_checksum_mode;

/* Which bytes the IP defragmenter keeps where fragments overlap: the receiving stack's
 * policy (docs/decoding.md has the table). */
typedef enum sw_frag_policy {
    SW_FRAG_LINUX = 0,    /* Linux 6.x (default): a fragment inside what is held is a
                             duplicate (dropped); any other overlap drops the datagram */
    SW_FRAG_FIRST,        /* the bytes that came first */
    SW_FRAG_LAST,         /* the bytes that came last */
    SW_FRAG_BSD,          /* the old bytes, unless the new fragment starts before the old */
    SW_FRAG_WINDOWS,      /* the old bytes, unless the new fragment starts before and ends
                             after the old one */
    SW_FRAG_SOLARIS,      /* the old bytes, unless the new fragment starts before and ends
                             at or after the old one */
} sw_frag_policy;

typedef struct sw_engine sw_engine;

/* Engine configuration. Always initialise with sw_config_init() and then change
 * only what you need: fields added in later versions get safe defaults there.
 * The numeric fields' defaults and ranges are one table (common/sw_config_table.h
 * in the source, docs/operations.md): sw_engine_new moves a nonzero value outside
 * its range to the nearer end; 0 keeps the meaning given below. */
typedef struct sw_config {
    uint32_t struct_size;          /* set by sw_config_init */

    /* flow table */
    uint32_t max_flows;            /* cap on tracked flows (default 1000000) */
    int      seed_set;             /* if 1, hash_seed is used instead of a random seed */
    uint8_t  hash_seed[16];
    uint32_t timeout_syn;          /* seconds, embryonic connections (default 30; 0: never) */
    uint32_t timeout_established;  /* seconds, established (default 3600; 0: never) */
    uint32_t timeout_closing;      /* seconds, FIN/RST/TIME_WAIT (default 60; 0: never) */
    sw_checksum_mode checksum;

    /* reassembly */
    uint64_t stream_memcap;        /* bytes of stream data held in all flows (default 256 MiB) */
    uint64_t stream_flow_cap;      /* bytes held per flow (default 4 MiB) */
    uint64_t stream_depth;         /* stop storing a direction after this many bytes (0 = unlimited) */
    uint32_t retain_seconds;       /* keep delivered bytes comparable this long (default 30) */
    uint64_t retain_bytes;         /* and at most this many per direction (default 256 KiB) */

    /* detection */
    const char *rules_file;        /* NULL: the built-in default rules; a file replaces them */
    const char *rules_text;        /* rules given as text (takes precedence over rules_file) */
    const char *const *vars;       /* NULL-terminated list of "NAME=VALUE" rule variables */
    int      anomalies;            /* 1: also emit informational events as anomaly records */
    const char *sensor_name;       /* tag for every alert (default: host name) */
    uint32_t history_packets;      /* packets kept per connection for the alert ladder (default 8) */

    /* outputs (sinks) the engine writes itself; NULL = none. The alert callback
     * is called in addition to these. */
    const char *json_path;         /* JSON lines: a file (appended, mode 0640) or "-" for stdout */
    const char *db_path;           /* SQLite database (created and migrated) */
    const char *source_name;       /* what is being read, for the runs table ("eth0", "x.pcap") */

    /* threading */
    uint32_t workers;              /* worker threads (default 1: run on the caller's thread;
                                      2..256: connections are spread over that many
                                      threads, max_flows and stream_memcap shared out) */

    /* the capture file read, written as "pcap_filename" in every alert (NULL: a
     * live capture, no such field) */
    const char *pcap_filename;
    /* site rules (API version 2; added at the end so older callers keep working) */
    const char *const *rules_files; /* NULL-terminated site rule files loaded on top of the
                                       base rules (the built-in default rules, or rules_file /
                                       rules_text when set): a site rule with the sid of a base
                                       rule replaces it; site rules are matched first */
    int      no_default_rules;     /* 1: no built-in default rules (only rules_files, or
                                      rules_file / rules_text when set) */
    const char *threshold_file;    /* suppress / threshold lines in Suricata's
                                      threshold.config syntax, or NULL (reloaded with the
                                      rules) */
    /* IP defragmentation */
    sw_frag_policy frag_policy;    /* overlap policy (default SW_FRAG_LINUX) */
    uint32_t frag_max_contexts;    /* datagrams being reassembled at once (default 1024) */
    uint64_t frag_memcap;          /* bytes of fragment data held (default 4 MiB) */
    uint32_t frag_max_fragments;   /* fragments per datagram (default 128) */

    /* VLAN: 0 (default) a flow is keyed by its VLAN tags as well as its addresses and
     * ports; 1 the tags are ignored, so a connection whose two directions carry
     * different VLAN IDs (a trunk capture at a router) is one connection */
    int      vlan_ignore;

    /* stream reassembly policy (docs/reassembly.md): which copy of a byte still queued
     * out of order the stream carries where segments overlap: 0 (default) Linux's rule
     * (the segment that starts earlier), 1 the first copy seen. Alerts do not depend
     * on it (both versions are compared either way), only the reassembled bytes. */
    int      stream_overlap;
} sw_config;

SW_API void sw_config_init(sw_config *cfg);

/* An alert, as the rule engine raised it. All pointers are valid only during the
 * callback. `json` is the complete alert document (EVE-compatible, see docs/schema.md). */
typedef struct sw_alert {
    uint64_t    ts_us;        /* packet time, microseconds since the epoch */
    const char *event;        /* catalogue event name, e.g. "overlap_mismatch" */
    const char *event_type;   /* "alert" or "anomaly" */
    uint32_t    sid, gid, rev;
    int         severity;     /* 1 (high) .. 3 (low), as in Suricata */
    const char *msg;
    uint64_t    flow_id;
    const char *src_ip, *dest_ip;
    uint16_t    src_port, dest_port;
    const char *alert_id;
    const char *json;         /* one line, no trailing newline */
    /* since SW_API_VERSION 2 */
    uint64_t    host_tag;     /* the tag passed with the last frame of this connection
                                 through sw_engine_feed2 (0: none, or fed with
                                 sw_engine_feed, or workers > 1) — also for alerts
                                 raised later (timeouts, the final flush) */
    uint32_t    conn_instance; /* the connection instance (reuse of one 4-tuple) */
    int         update;       /* 1: the closing update of a folded alert: same alert_id,
                                 hijack.fold gives the count and the first/last times
                                 (docs/schema.md); not counted as a new alert */
} sw_alert;

typedef void (*sw_alert_cb)(void *user, const sw_alert *alert);

/* Reassembled stream data and stream notices. All pointers in a chunk (data,
 * src_ip, dest_ip) are valid only during the callback. */
typedef enum sw_stream_kind {
    SW_STREAM_DATA = 0,   /* in-order bytes: data[0..len) at stream offset `offset` */
    SW_STREAM_GAP  = 1,   /* `len` bytes at `offset` were never seen (sensor loss) */
    SW_STREAM_FIN  = 2,   /* the sender closed this direction at `offset` */
    SW_STREAM_RST  = 3,   /* the connection was reset */
    SW_STREAM_CLOSE = 4,  /* final notice: this direction will get no more calls */
} sw_stream_kind;

typedef struct sw_stream_chunk {
    uint64_t    flow_id;
    uint32_t    conn_instance;    /* distinguishes reuses of one 4-tuple */
    int         dir;              /* 0 = client to server, 1 = server to client */
    sw_stream_kind kind;
    uint64_t    offset;           /* stream offset (0 = first byte after the SYN) */
    const uint8_t *data;          /* for SW_STREAM_DATA */
    uint32_t    len;
    uint32_t    flags;            /* SW_CHUNK_* */
    const char *src_ip, *dest_ip; /* of this direction's sender and receiver */
    uint16_t    src_port, dest_port;
    uint64_t    conn_start_us;    /* packet time of the connection's first packet */
    uint64_t    ts_us;            /* packet time of the packet that caused this call */
} sw_stream_chunk;

#define SW_CHUNK_URGENT    0x1u   /* the chunk contains urgent-pointer data */
#define SW_CHUNK_MIDSTREAM 0x2u   /* connection picked up without its handshake */
#define SW_CHUNK_OOB       0x4u   /* the urgent byte, alone: a default socket (no
                                     SO_OOBINLINE) does not read it in the stream
                                     (`seqwatch streams --stream-urgent`) */

typedef void (*sw_stream_cb)(void *user, const sw_stream_chunk *chunk);

/* Counters. Every cap and every drop has one. */
typedef struct sw_stats {
    uint64_t packets, bytes;
    uint64_t tcp_packets, non_tcp_packets, non_ip_packets;
    uint64_t decode_errors;            /* sum of the by-reason counters */
    uint64_t checksum_errors;          /* ip + tcp */
    uint64_t fragments;                /* IP fragment frames (each goes to the defragmenter) */
    uint64_t flows;                    /* TCP flows created (4-tuple entries) */
    uint64_t flows_active;
    uint64_t flows_evicted_cap;        /* evicted because max_flows was reached */
    uint64_t flows_timed_out;
    uint64_t tcp_connections;          /* connection instances, reuse counts again */
    uint64_t conn_handshake, conn_midstream, conn_reset, conn_closed, conn_timed_out;
    uint64_t stream_bytes_delivered, stream_gaps, stream_gap_bytes;
    uint64_t stream_overlaps, stream_overlap_mismatches;
    uint64_t stream_memcap_evictions, stream_depth_reached;
    uint64_t stream_mem_in_use, stream_mem_peak;  /* held segments: header + bytes, as
                                                      --stream-memcap counts them; with
                                                      workers > 1 the peak is the sum of
                                                      each worker's own peak (an upper
                                                      bound: the peaks need not coincide) */
    uint64_t events, alerts, alerts_suppressed, anomalies;
    uint64_t first_ts_us, last_ts_us;
    /* notes on decoded TCP segments (not errors: the segment was processed) */
    uint64_t tcp_bad_options;          /* a malformed TCP option was ignored */
    uint64_t snap_truncated;           /* the payload was cut by the snap length */
    /* caps that were hit (besides flows_evicted_cap and stream_memcap_evictions) */
    uint64_t stream_segments_refused;  /* out-of-order data refused at the stream caps
                                          (the range is later declared as a gap) */
    uint64_t threshold_evictions;      /* rule threshold states dropped, oldest first,
                                          because their table was full */
    uint64_t stream_payload_peak;      /* peak of the stream bytes held (payload only,
                                          without segment headers); summed over
                                          workers like stream_mem_peak */
    /* the engine's own outputs: records (alerts and anomalies) delivered, and per
     * output how many were written and how many failed (the database's counts are
     * final after sw_engine_close_outputs) */
    uint64_t records;
    uint64_t out_json_written, out_json_failed;
    uint64_t out_db_written, out_db_failed;
    uint64_t out_lost;                 /* records in none of the engine's outputs */
    uint64_t frames;                   /* calls of sw_engine_feed: the frame numbers
                                          alerts carry as pcap_cnt (from 1) */
    uint64_t alerts_folded;            /* repeats counted into an earlier alert's fold */
    uint64_t fold_evictions;           /* folds closed early because their table was full */
    uint64_t incident_evictions;       /* connections whose incident was forgotten early
                                          because its table was full (later alerts unlinked) */
    /* IP defragmentation (`fragments` above counts every fragment frame) */
    uint64_t frag_reassembled;         /* datagrams completed and decoded as one packet */
    uint64_t frag_timed_out;           /* contexts dropped at their timeout (30 s IPv4, 60 s IPv6) */
    uint64_t frag_evicted;             /* contexts dropped, stalest first, at the context or byte cap */
    uint64_t frag_too_many;            /* datagrams dropped at the fragments-per-datagram cap */
    uint64_t frag_overlaps;            /* fragments overlapping data already held */
    uint64_t frag_overlap_mismatches;  /* ... with different bytes (ip_fragment_overlap) */
    uint64_t frag_overlap_drops;       /* datagrams the policy drops for an overlap (linux) */
    uint64_t frag_duplicates;          /* fragments wholly inside data held (dropped by linux) */
    uint64_t frag_invalid;             /* fragments a receiver rejects: empty, past 65535, end
                                          inconsistent with the last fragment, header too long */
    uint64_t frag_cut;                 /* fragments cut by the snap length (not reassembled) */
    uint64_t frag_tiny_tcp;            /* first fragments too short to hold the TCP header */
    uint64_t frag_not_tcp;             /* IPv4 fragments of another protocol (not reassembled) */
    uint64_t frag_mem_peak;            /* peak bytes of fragment data held */
    /* checksum mode auto */
    uint64_t checksum_offload_accepted;/* packets taken without a valid checksum: their
                                          sender showed the offload signature */
    uint64_t offload_hosts;            /* hosts treated as offloading (workers > 1: summed
                                          per worker; sw_engine_offload_hosts merges) */
    uint64_t offload_hosts_refused;    /* signature packets dropped: host table full */
} sw_stats;

/* Create an engine. On failure returns NULL and writes a one-line reason to err. */
SW_API sw_engine *sw_engine_new(const sw_config *cfg, char *err, size_t errlen);

SW_API void sw_engine_set_alert_cb(sw_engine *e, sw_alert_cb cb, void *user);
SW_API void sw_engine_set_stream_cb(sw_engine *e, sw_stream_cb cb, void *user);

/* Feed one captured frame. linktype is a SW_LINK_* value; caplen bytes are at
 * frame; wirelen is the original length on the wire. Returns 0, or -1 if the link
 * type is not supported (the frame is then not counted). */
SW_API int sw_engine_feed(sw_engine *e, int linktype, uint64_t ts_us,
                          const uint8_t *frame, uint32_t caplen, uint32_t wirelen);

/* Since SW_API_VERSION 2. A frame as a host IDS hands it over. */
typedef struct sw_frame {
    int            linktype;   /* SW_LINK_* */
    uint64_t       ts_us;      /* capture time */
    const uint8_t *data;
    uint32_t       caplen, wirelen;
    uint64_t       host_tag;   /* the host's id of this frame's connection (e.g.
                                  Suricata's flow_id); 0 = none */
} sw_frame;

/* sw_engine_feed with a host tag: the tag is remembered per connection instance
 * (the last non-zero tag of its frames) and returned as sw_alert.host_tag in every
 * alert of that connection, including those raised at a timeout or at the flush.
 * With workers > 1 tags are not kept (host_tag is then 0). Returns as sw_engine_feed. */
SW_API int sw_engine_feed2(sw_engine *e, const sw_frame *f);

/* Packet time has reached ts_us without a frame (a host's capture timeout while
 * the link is idle): expire the connections that have timed out by then, raising
 * their alerts now. Time never goes back: an older ts_us does nothing. */
SW_API void sw_engine_advance(sw_engine *e, uint64_t ts_us);

/* With workers > 1: hand over the frames still queued and deliver the alerts that are
 * ready. Call it when the capture is idle (a read timeout), so alerts do not wait for
 * the next frame. A no-op with one worker. */
SW_API void sw_engine_poll(sw_engine *e);

/* True if sw_engine_feed accepts this link type. */
SW_API int sw_linktype_supported(int linktype);

/* End every connection: final stream flushes, pending checks, close notices. */
SW_API void sw_engine_flush(sw_engine *e);

/* Replace the rules without losing flow state. rules_file NULL reloads the configured
 * set (the base rules, every rules_files entry, read again); a file replaces the base
 * rules file and reloads the rest. On error the old rules stay and err holds
 * "file:line: reason". Returns 0 on success. */
SW_API int sw_engine_reload_rules(sw_engine *e, const char *rules_file, char *err, size_t errlen);

SW_API void sw_engine_get_stats(const sw_engine *e, sw_stats *out);

/* Reopen the JSON-lines file (log rotation). Returns 0, or -1 with err filled. */
SW_API int sw_engine_reopen_outputs(sw_engine *e, char *err, size_t errlen);

/* Tell the engine the capture's drop counter (live capture), for the runs table. */
SW_API void sw_engine_set_capture_drops(sw_engine *e, uint64_t drops);

/* Finish the outputs: commit every queued alert to the database, record the run,
 * flush the JSON lines. Called by sw_engine_free too; call it explicitly to learn
 * whether everything was written (returns -1 with err filled if not). */
SW_API int sw_engine_close_outputs(sw_engine *e, char *err, size_t errlen);

/* The decode-error counters by reason: returns the number of reasons; names[i] and
 * counts[i] are filled for i < min(n, max). */
SW_API size_t sw_engine_decode_errors(const sw_engine *e, const char **names, uint64_t *counts, size_t max);

SW_API void sw_engine_free(sw_engine *e);

SW_API const char *sw_version(void);

/* A host checksum mode auto treated as offloading (sw_engine_offload_hosts). */
typedef struct sw_offload_host {
    char     addr[46];            /* textual address */
    uint64_t packets;             /* its packets taken without a valid checksum */
} sw_offload_host;

/* The hosts treated as offloading (checksum mode auto), sorted by their textual
 * address: returns their number; out[i] is filled for i < max (the first max hosts
 * learned, sorted). With workers > 1, call it after sw_engine_flush (a host learned
 * by several workers appears once, its counts added). */
SW_API size_t sw_engine_offload_hosts(const sw_engine *e, sw_offload_host *out, size_t max);

/* A frag policy by its name ("linux", "first", "last", "bsd", "windows", "solaris"):
 * the sw_frag_policy value, or -1. */
SW_API int sw_frag_policy_from_name(const char *name);

#ifdef __cplusplus
}
#endif
#endif /* SEQWATCH_H */
