/*
 * ck_families.h — the entry points of the check families (rules/check_*.c), which
 * checks.c lists in its table, and the few things one family offers another or the
 * ISN stage. The families build on the helper modules (ck_state, ck_ring, ck_event,
 * ck_emit, ck_pend, ck_spray, fingerprint_cmp); no helper includes this header.
 * Private to rules/.
 */
#ifndef SW_CK_FAMILIES_H
#define SW_CK_FAMILIES_H
#include "rules/ck_state.h"
#include "rules/ck_ring.h"

/* One packet through a family's checks (checks.c runs them in its table's order). */
void ck_handshake_packet(struct sw_checks *c, ck_flow *fs, const sw_flow *f, const sw_pkt_obs *o);
void ck_window_packet(struct sw_checks *c, ck_flow *fs, const sw_flow *f, const sw_pkt_obs *o);
void ck_reset_packet(struct sw_checks *c, ck_flow *fs, const sw_flow *f, const sw_pkt_obs *o);
void ck_fingerprint_packet(struct sw_checks *c, ck_flow *fs, const sw_flow *f, const sw_pkt_obs *o);
void ck_desync_packet(struct sw_checks *c, ck_flow *fs, const sw_flow *f, const sw_pkt_obs *o);
void ck_overlap(struct sw_checks *c, ck_flow *fs, const sw_flow *f, const sw_overlap_obs *o);
/* the observer's on_frag_overlap (check_fragment.c) */
void ck_frag_overlap(void *ctx, const sw_frag_overlap_obs *o, const sw_flow *f, void **state,
                     int dir);

/* ---- check_inject.c: data_injection ---- */
void ck_inject_packet(struct sw_checks *c, ck_flow *fs, const sw_flow *f, const sw_pkt_obs *o);
/* An overlap_mismatch over [seq, seq+len) of dir: the pending data_injection there is
 * superseded; returns its fingerprint marks (0: none pending). */
uint32_t ck_inject_superseded(struct sw_checks *c, ck_flow *fs, int dir, uint32_t seq,
                              uint32_t len);

/* 1 if the packet belongs to an old sequence space left by an early desync (the
 * window checks then stay quiet: early_desync explains it). */
int ck_early_desync_owns(struct sw_checks *c, ck_flow *fs, const sw_flow *f, const sw_pkt_obs *o);


/* ---- check_desync.c: takeover correlation (the emit path reaches it as c->chain) ---- */
/* Takeover correlation: called by ck_emit (through c->chain) for every event before it is delivered.
 * Returns 1 and fills *tk when the event completes a takeover chain. */
int ck_desync_chain(struct sw_checks *c, ck_flow *fs, const sw_flow *f, const sw_event *ev,
                    sw_event *tk);

/* ---- check_handshake.c: the ISN notes for the ISN stage (rules/isn_stage.c) ---- */

/* An ISN observation on its way from a connection's checks to the ISN stage
 * (rules/isn_stage.c). The sink gets it with the live connection (c .. o, valid
 * during the call only) and the ISN fields; the event is built from the connection
 * only if the stage raises one. A kept copy (sw_isn_note_dup) takes everything
 * isn_predictable needs, since the flow moves on meanwhile, and has c == NULL. */
struct sw_isn_note {
    uint8_t  ipv;
    uint8_t  addr[16];
    uint32_t isn;
    uint32_t tuple;
    uint32_t ordinal;        /* the event number the connection reserved for it */
    struct sw_checks *c;     /* live: the checks, flow state, flow and packet */
    ck_flow *fs;
    const sw_flow *f;
    const sw_pkt_obs *o;
    /* a copy: */
    sw_event ev;             /* identity fields only */
    uint32_t mark_seq;
    uint8_t  mark_flags;
    uint16_t ip_frags;
    ck_ladder_snap ladder;
};
/* The isn_predictable event of a note, identity, ladder and empty evidence filled,
 * as ck_event_begin gives. Returns 0, or -1 when memory is short. */
int ck_isn_note_event(const sw_isn_note *n, sw_event *ev);


#endif
