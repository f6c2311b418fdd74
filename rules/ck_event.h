/*
 * ck_event.h — the event builder the check families use: an event's identity from
 * its packet (or the flow key), its ladder, and the evidence members. Private to
 * rules/; depends on ck_state.h and ck_ring.h.
 */
#ifndef SW_CK_EVENT_H
#define SW_CK_EVENT_H
#include <jansson.h>
#include "rules/ck_ring.h"

/* Start an event from a packet (p may be NULL: addresses from the flow key, dir is
 * the sender's direction). The ladder marks the ring entry that matches mark_ts /
 * mark_seq / mark_flags (mark_ts 0: none). Returns 0, or -1 (ev cleared). */
int ck_event_begin(struct sw_checks *c, ck_flow *fs, const sw_flow *f, const sw_packet *p,
                   int dir, sw_event_id id, sw_event *ev);
int ck_event_begin_mark(struct sw_checks *c, ck_flow *fs, const sw_flow *f, const sw_packet *p,
                        int dir, sw_event_id id, sw_event *ev,
                        uint64_t mark_ts, uint32_t mark_seq, uint8_t mark_flags);
/* Fill the identity fields of an event (no JSON members). */
void ck_event_ident(const sw_flow *f, const sw_packet *p, int dir, sw_event_id id, sw_event *ev);
void ck_ev_u(sw_event *ev, const char *key, uint64_t v);
void ck_ev_i(sw_event *ev, const char *key, int64_t v);
void ck_ev_s(sw_event *ev, const char *key, const char *v);
void ck_ev_b(sw_event *ev, const char *key, int v);
void ck_ev_o(sw_event *ev, const char *key, json_t *v);   /* steals v */
void ck_ruled_out(sw_event *ev, ...);                     /* NULL-terminated strings */
/* A compact description of a packet (seq, ack, flags, len, ttl, ...). New reference. */
json_t *ck_pkt_json(const sw_flow *f, const sw_packet *p, int dir);
/* Append r (stolen; NULL: nothing) to ev->related. */
void ck_related_add(sw_event *ev, json_t *r);

#endif
