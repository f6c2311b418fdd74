/*
 * ck_event.h — the event builder the check families use: an event's identity from
 * its packet (or the flow key), its ladder, and the evidence members. Private to
 * rules/; depends on ck_state.h and ck_ring.h.
 *
 * An event begun here keeps its evidence typed (a draft: key / typed value pairs in
 * the order first set, the ruled-out names, a copy of the ladder) until it is
 * delivered: ck_ev_render turns the draft into the JSON members then, so a suspicion
 * that is dropped (most pending events) never builds JSON. ck_ev_o values (packet
 * descriptions, fingerprint lists) are JSON already. An event without a draft (built
 * with JSON members directly) takes the ck_ev_* calls into its JSON at once.
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
/* The event exists (begun, not cleared): it has a draft or JSON evidence. */
static inline int ck_ev_live(const sw_event *ev)
{
    return ev->draft != NULL || ev->evidence != NULL;
}
/* Render the draft into evidence / ruled_out / packets and free it (nothing when
 * there is none). Returns 0, or -1 when memory is short (the event is cleared). */
int ck_ev_render(sw_event *ev);
/* NULL when key with values of this kind ('u', 'i', 's', 'b', 'o') has a row in
 * rules/evidence_keys.h, else a static message (SW_VALIDATE builds check each
 * member set). */
const char *ck_ev_key_validate(const char *key, char kind);
/* A JSON member of the evidence (a ck_ev_o value) or NULL; the event keeps it. */
json_t *ck_ev_get_o(const sw_event *ev, const char *key);

/* A compact description of a packet (seq, ack, flags, len, ttl, ...). New reference. */
json_t *ck_pkt_json(const sw_flow *f, const sw_packet *p, int dir);
/* Append r (stolen; NULL: nothing) to ev->related. */
void ck_related_add(sw_event *ev, json_t *r);

#endif
