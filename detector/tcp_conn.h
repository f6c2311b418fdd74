/*
 * tcp_conn.h — the passive view of one TCP connection: both endpoints' state as the
 * sensor reconstructs it from the wire (RFC 9293 states, sequence spaces, windows,
 * options, TTL/MAC/timestamp baselines). Filled by tcp_track.c; read by the checks
 * through observations. Direction index 0 is the client (the side that sent the
 * first SYN, or the guessed client on midstream pickup), 1 the server.
 */
#ifndef SW_TCP_CONN_H
#define SW_TCP_CONN_H
#include <stdint.h>
#include "common/tcp_state.h"

/* sw_tcp_state and sw_tcp_state_name live in common/tcp_state.h (storage names the
 * states in documents without depending on the detector). */

/* How a connection instance ended, for the summary. */
typedef enum sw_conn_outcome {
    SW_CONN_OPEN = 0,        /* still open when the run ended (flushed) */
    SW_CONN_CLOSED,          /* FINs both ways */
    SW_CONN_RESET,
    SW_CONN_TIMED_OUT,
    SW_CONN_EVICTED,
} sw_conn_outcome;

/* One endpoint, as the sender of its direction. All sequence numbers mod 2^32. */
typedef struct sw_tcp_end {
    uint8_t  state;          /* sw_tcp_state */
    uint8_t  wscale;         /* window scale this end offered in its SYN (clamped to 14) */
    uint8_t  ttl_base;       /* TTL/hop limit seen on the handshake or first segments */
    uint8_t  ttl_max;        /* highest TTL/hop limit seen from it: its hop distance to
                                the sensor is estimated from this (sw_tcp_end_hops) */
    uint8_t  mac[6];         /* last source MAC (Ethernet) */
    uint8_t  has_wscale:1,   /* its SYN carried window scale */
             sack_perm:1,    /* its SYN carried SACK-permitted */
             ts_syn:1,       /* its SYN carried timestamps */
             isn_known:1,    /* the SYN of this end was seen */
             seen:1,         /* any packet from this end was seen */
             fin_sent:1,
             rst_sent:1,
             mac_known:1;
    uint8_t  ttl_known:1, ts_seen:1, ack_seen:1, data_seen:1,
             syn_seen:1,     /* it sent a SYN without ACK */
             synack_seen:1,  /* it sent a SYN-ACK */
             nxt_known:1,    /* snd_nxt is a real baseline (a packet of this end was seen,
                                or its ISN was inferred from the peer's SYN-ACK) */
             isn_inferred:1; /* isn = peer's SYN-ACK ack - 1 (its own SYN was not seen) */
    uint8_t  wshift;         /* shift applied to this end's non-SYN windows (0..14) */
    uint8_t  wshift_guess:1, /* scaling unknown (handshake not seen): wshift is 14, the
                                largest possible, so windows are never underestimated */
             hi_known:1,     /* seq_hi is set */
             win_set:1,      /* win, wnd_seq, wnd_ack are set */
             ts_recent_set:1,/* ts_recent is set */
             isn_alt_set:1;  /* isn_alt holds another ISN from a re-sent SYN-ACK */
    uint16_t mss;
    uint32_t isn;            /* initial sequence number (or first seq seen, midstream) */
    uint32_t isn_alt;        /* the ISN of a later SYN-ACK that differs from isn: if the
                                peer acknowledges it, the peer took that one */
    uint32_t snd_nxt;        /* highest seq+len (+SYN/FIN) this end has sent, counting only
                                segments the receiver would accept */
    uint32_t seq_hi;         /* highest seq+len seen from it, also in BEYOND segments that
                                continue what it sent: an ACK up to here acknowledges bytes
                                really sent */
    uint32_t ack_max;        /* highest ACK this end has sent (what it has received) */
    uint32_t win;            /* advertised window, scaled, in bytes: from the newest
                                segment by the RFC 9293 SND.WL1/WL2 rule, so a reordered
                                older segment does not shrink it */
    uint32_t wnd_seq, wnd_ack; /* seq and ack of the segment that set win (WL1, WL2) */
    uint32_t win_max;        /* largest scaled window it ever advertised */
    uint32_t fin_seq;        /* sequence number of its FIN (if fin_sent) */
    uint32_t tsval_last;     /* last TSval it sent */
    uint32_t tsval_max;      /* highest TSval it sent (mod 2^32) */
    uint32_t tsecr_last;
    uint32_t pkts;
    uint32_t ts_recent;      /* the peer's TS.Recent for this end (RFC 7323 4.3): the TSval
                                of its latest deliverable segment that started at or below
                                the peer's last ACK; the PAWS test compares with it */
    uint64_t tsval_ts_us;    /* packet time when tsval_max was seen */
    uint64_t last_us;        /* packet time of its last packet */
} sw_tcp_end;

typedef struct sw_tcp_conn {
    sw_tcp_end end[2];       /* [0] client, [1] server */
    uint32_t instance;       /* 0,1,2,...: connection instance number on this 4-tuple */
    uint8_t  client_ep;      /* which flow-key endpoint (0 or 1) is the client */
    uint8_t  midstream:1,    /* picked up without the SYN */
             handshake_done:1,
             wscale_ok:1,    /* both SYNs carried window scale: scaling applies */
             ts_ok:1,        /* both SYNs carried timestamps */
             sack_ok:1,
             reset:1,
             closed:1,
             simultaneous_open:1;
    uint8_t  outcome;        /* sw_conn_outcome once ended */
    uint64_t start_us;
    uint64_t flow_id;        /* stable id for this connection instance (JSON flow_id) */
} sw_tcp_conn;

#endif
