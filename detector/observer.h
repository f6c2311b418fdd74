/*
 * observer.h — what the detector publishes. The detector does not judge: for each
 * TCP packet it reports where the packet's seq and ack fall against the windows it
 * has reconstructed, state transitions, connection starts and ends, overlaps found
 * by reassembly (with both versions of the bytes), gaps, and the reassembled stream.
 * The checks in rules/ implement this interface. Every pointer in an observation is
 * valid only during the call. An observer sees the flow read-only (const sw_flow);
 * the one thing of it it writes is its own per-flow slot, passed as state.
 */
#ifndef SW_OBSERVER_H
#define SW_OBSERVER_H
#include <stdint.h>
#include "detector/packet.h"
#include "detector/flow.h"
#include "detector/defrag.h"
#include "seqwatch.h"

/* Where a segment's sequence range falls against the receiver's window. */
typedef enum sw_seq_class {
    SW_SEQ_UNKNOWN = 0,   /* no baseline for the receiver yet (midstream, first packet) */
    SW_SEQ_EXACT,         /* starts exactly at the receiver's next expected byte */
    SW_SEQ_IN_WINDOW,     /* starts inside [rcv_nxt, rcv_nxt + window) but not at rcv_nxt */
    SW_SEQ_OLD,           /* wholly before rcv_nxt: a retransmission or old duplicate */
    SW_SEQ_OLD_PARTIAL,   /* starts before rcv_nxt and reaches past it */
    SW_SEQ_BEYOND,        /* starts at or past the right edge of the window */
} sw_seq_class;

/* Where a segment's ACK falls against what the other side has sent. */
typedef enum sw_ack_class {
    SW_ACK_NONE = 0,      /* ACK flag not set */
    SW_ACK_UNKNOWN,       /* no baseline for the other side yet */
    SW_ACK_OK,            /* acknowledges bytes sent, at or above the previous ACK */
    SW_ACK_DUP,           /* equal to the previous ACK (duplicate ACK / pure ACK) */
    SW_ACK_OLD,           /* below the previous highest ACK of this sender */
    SW_ACK_UNSENT,        /* beyond the highest sequence the other side has sent */
} sw_ack_class;

/* Packet-kind hints the tracker can tell from the numbers alone. */
#define SW_SEG_RETRANS      0x0001u  /* repeats bytes already sent by this side */
#define SW_SEG_KEEPALIVE    0x0002u  /* seq = snd_nxt-1, 0 or 1 byte, receiver's window open */
#define SW_SEG_ZWP          0x0004u  /* window probe: receiver's window is 0, 1 byte (or 0) at rcv_nxt */
#define SW_SEG_NEW_DATA     0x0008u  /* carries bytes past this side's previous snd_nxt */
#define SW_SEG_PURE_ACK     0x0010u  /* ACK only, no data, no SYN/FIN/RST */
#define SW_SEG_WIN_UPDATE   0x0020u
#define SW_SEG_NEW_CONN     0x0040u  /* this packet started a new connection instance */
#define SW_SEG_MIDSTREAM    0x0080u  /* connection picked up without handshake */
#define SW_SEG_DUP_SYN      0x0100u  /* retransmitted SYN or SYN-ACK (same ISN) */
#define SW_SEG_BAD_CSUM     0x0200u  /* checksum bad: counted, no state change (reported only) */
#define SW_SEG_TTL_DOUBTFUL 0x0400u  /* TTL/hop limit far (> SW_TTL_DOUBT) below the sender's
                                        highest: maybe from another host (not a verdict) */

/* Whether the receiver could have accepted a segment (the tracker's verdict, judged
 * against the state before it; see docs/tracking.md "Deliverability"). Anything but
 * SW_DELIV_OK: the copy changes no sequence state, answers no ACK, and reassembly
 * keeps its bytes aside as evidence instead of in the stream. */
typedef enum sw_deliv {
    SW_DELIV_OK = 0,
    SW_DELIV_WINDOW,      /* seq_class BEYOND: past the right edge of the receiver's window */
    SW_DELIV_PAWS,        /* RFC 7323 5.3: TSval older than the receiver's TS.Recent */
    SW_DELIV_TTL,         /* TTL / hop limit expires before it reaches the receiver */
    SW_DELIV_CHECKSUM,    /* reserved for the checksum mode (bad checksum, verified) */
    SW_DELIV_STATE,       /* data or FIN the receiver's handshake state refuses: SYN_SENT
                             (no SYN, the sender's SYN-ACK not seen), SYN_RCVD (no ACK, or
                             an ACK not acknowledging its SYN) */
    SW_DELIV_COUNT
} sw_deliv;
const char *sw_deliv_name(int v);

typedef struct sw_pkt_obs {
    const sw_packet *pkt;
    const sw_flow *flow;      /* the flow; flow->conn is the state AFTER this packet */
    void    **state;          /* the observer's slot in the flow (flow->obs_state): the one
                                 thing of the flow an observer writes */
    int       dir;            /* 0 client->server, 1 server->client */
    uint32_t  hints;          /* SW_SEG_* */
    uint8_t   seq_class;      /* sw_seq_class */
    uint8_t   ack_class;      /* sw_ack_class */
    uint8_t   state_before[2];/* both ends' states before this packet */
    uint32_t  seg_len;        /* payload bytes + SYN + FIN (sequence space consumed) */
    /* the receiver's window as it stood before this packet */
    uint32_t  rcv_nxt;        /* receiver's next expected seq (its highest ACK, else sender's snd_nxt) */
    uint32_t  rcv_wnd;        /* receiver's last advertised window, scaled */
    uint32_t  rcv_wnd_max;    /* largest window the receiver ever advertised, scaled */
    /* the sender's and the other side's positions before this packet */
    uint32_t  snd_nxt_before; /* sender's highest seq+len before */
    uint32_t  peer_snd_nxt;   /* highest seq the other side has sent (bound for a valid ACK) */
    uint32_t  peer_ack_max;   /* previous highest ACK from this sender */
    uint8_t   verdict;        /* sw_deliv */
    uint8_t   rcv_hops;       /* estimated hops from the sensor to the receiver (0: unknown
                                 or none) */
} sw_pkt_obs;

typedef struct sw_state_obs {
    const sw_flow *flow;
    const sw_packet *pkt;     /* the packet that caused it (NULL on timeout/flush) */
    int      end;             /* which end changed: 0 client, 1 server */
    uint8_t  from, to;        /* sw_tcp_state */
} sw_state_obs;

/* A new connection instance began on a flow (SYN, or midstream pickup). The previous
 * instance on the same flow, if any, was ended first with on_conn_end. */
typedef struct sw_conn_obs {
    const sw_flow *flow;
    void   **state;           /* the observer's slot in the flow (flow->obs_state) */
    const sw_packet *pkt;     /* NULL at end by timeout/eviction/flush */
    uint8_t  outcome;         /* sw_conn_outcome, for on_conn_end */
} sw_conn_obs;

/* Two versions of one sequence range, from reassembly. */
typedef struct sw_seg_meta {
    uint64_t ts_us;
    uint32_t seq;             /* first byte of the segment */
    uint32_t len;
    uint8_t  ttl;
    uint8_t  has_ts;
    uint16_t ip_id;
    uint32_t tsval, tsecr;
    uint8_t  flags;
    uint8_t  has_mac;
    uint8_t  src_mac[6];
} sw_seg_meta;

typedef enum sw_overlap_kind {
    SW_OVL_EXACT_RETRANS = 0, /* same range, same bytes */
    SW_OVL_PARTIAL_SAME,      /* overlapping part identical */
    SW_OVL_MISMATCH,          /* overlapping part differs */
} sw_overlap_kind;

typedef struct sw_overlap_obs {
    const sw_flow *flow;
    void   **state;           /* the observer's slot in the flow (flow->obs_state) */
    int      dir;
    uint8_t  kind;            /* sw_overlap_kind */
    uint8_t  old_delivered;   /* the old bytes had already been delivered in order */
    uint32_t seq;             /* overlapping range [seq, seq+len) */
    uint32_t len;
    uint64_t stream_offset;   /* offset of seq in the direction's stream */
    const uint8_t *old_bytes; /* the version seen first (len bytes) */
    const uint8_t *new_bytes; /* the version seen now (len bytes) */
    sw_seg_meta old_meta;     /* the packet that carried the first version */
    sw_seg_meta new_meta;     /* the packet that carried this version */
    const sw_packet *pkt;     /* the current packet */
    uint8_t  aside;           /* 0: both versions were deliverable; 1: the old version is
                                 an undeliverable copy kept aside; 2: the new one is */
    uint8_t  aside_reason;    /* sw_deliv of that copy */
} sw_overlap_obs;

typedef struct sw_observer {
    void *ctx;
    void (*on_packet)(void *ctx, const sw_pkt_obs *o);
    void (*on_state)(void *ctx, const sw_state_obs *o);
    void (*on_conn_start)(void *ctx, const sw_conn_obs *o);
    void (*on_conn_end)(void *ctx, const sw_conn_obs *o);
    void (*on_overlap)(void *ctx, const sw_overlap_obs *o);
    /* reassembled data, gaps, FIN/RST/close notices (flow_id etc. filled in) */
    void (*on_stream)(void *ctx, const sw_flow *flow, const sw_stream_chunk *c);
    /* the flow is about to be freed: release what *state (flow->obs_state) holds */
    void (*on_flow_free)(void *ctx, const sw_flow *flow, void **state);
    /* IP fragments overlapped with different bytes (before the datagram is complete;
     * flow: the connection of the first fragment's ports if it is tracked, else NULL;
     * state: its observer slot, NULL with it; dir: the fragment sender's direction on
     * that flow) */
    void (*on_frag_overlap)(void *ctx, const sw_frag_overlap_obs *o, const sw_flow *flow,
                            void **state, int dir);
} sw_observer;

#endif

/* Order of calls for one TCP packet: on_conn_end (old instance, on reuse) ->
 * on_conn_start (new instance) -> on_state (each transition) -> on_packet ->
 * on_overlap / on_stream (from reassembly of this packet's payload, and of the other
 * direction when this packet's ACK lets a gap be declared). */
