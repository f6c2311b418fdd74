/*
 * tcp_track.h — the passive TCP state machine (RFC 9293 as seen from the wire) for
 * both endpoints of one connection. It classifies every packet against the state
 * BEFORE the packet (sw_pkt_obs: seq/ack classes, hints, windows) and then updates
 * both ends. It does not judge and emits no events. See docs/tracking.md.
 */
#ifndef SW_TCP_TRACK_H
#define SW_TCP_TRACK_H
#include <stdint.h>
#include "detector/packet.h"
#include "detector/tcp_conn.h"
#include "detector/flow.h"
#include "detector/observer.h"

/* The largest window an end can advertise (65535 << 14): used where the receiver's
 * window is not known yet, so that nothing is classified BEYOND without evidence. */
#define SW_TCP_MAX_WINDOW (65535u << 14)

/* A TTL / hop limit more than this far below the sender's highest is doubtful
 * (SW_SEG_TTL_DOUBTFUL): not a verdict, a hint for the fingerprint checks. */
#define SW_TTL_DOUBT 16u

/* One end's state change caused by a packet. */
typedef struct sw_tcp_trans {
    uint8_t end;        /* 0 client, 1 server */
    uint8_t from, to;   /* sw_tcp_state */
} sw_tcp_trans;

typedef struct sw_tcp_result {
    sw_tcp_trans tr[2]; /* at most one (collapsed) transition per end */
    int      ntr;
    uint8_t  accepted;            /* the segment's sequence range was taken into the
                                     sender's state (not BEYOND, not a SYN with a new ISN) */
    uint8_t  rst_accepted;        /* an RST the receiver would accept: the connection is reset */
    uint8_t  handshake_completed; /* this packet completed the handshake */
    uint8_t  isn_switched;        /* the receiver's ISN changed to the one of its re-sent
                                     SYN-ACK that this packet acknowledges */
} sw_tcp_result;

/* 1 if packet p, sent by flow-key endpoint src_ep, begins a new connection instance
 * on c: c is unused, or p is a SYN (without ACK/RST) and either the current instance
 * is over (reset, FINs both ways, or both ends CLOSED/TIME_WAIT) or p is a new
 * attempt (another ISN from the end whose SYN opened the instance, while nothing
 * was seen from the other end). The caller ends the old instance, then calls
 * sw_tcp_track_begin, then sw_tcp_track_packet. */
int sw_tcp_track_starts_instance(const sw_tcp_conn *c, const sw_packet *p, int src_ep);

/* 1 if any packet was tracked on c (c holds a connection instance). */
int sw_tcp_track_used(const sw_tcp_conn *c);

/* Clear c for connection instance `instance` starting at packet time start_us. */
void sw_tcp_track_begin(sw_tcp_conn *c, uint32_t instance, uint64_t start_us);

/* Track one packet sent by flow-key endpoint src_ep. Fills o (everything except
 * o->pkt and o->flow) from the state before the packet, then updates c. */
void sw_tcp_track_packet(sw_tcp_conn *c, const sw_packet *p, int src_ep,
                         sw_pkt_obs *o, sw_tcp_result *res);

/* Sequence number of stream offset 0 for direction dir (0 client->server): ISN+1
 * when the end's SYN was seen (or its ISN inferred), else the first seq seen. */
uint32_t sw_tcp_track_stream_base(const sw_tcp_conn *c, int dir);

/* Hops between the sensor and end e, estimated from the highest TTL / hop limit seen
 * from it: the nearest common initial value (64, 128, 255) at or above it, minus
 * it. 0 when nothing was seen from e. */
unsigned sw_tcp_end_hops(const sw_tcp_end *e);

/* The flow-table timeout class the connection belongs in. */
sw_flow_tclass sw_tcp_track_tclass(const sw_tcp_conn *c);

#endif
