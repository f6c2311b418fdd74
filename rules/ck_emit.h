/*
 * ck_emit.h — the emit path: takeover correlation, the numbering of a connection's
 * events, and the fingerprint events of one packet delivered as one alert. Private
 * to rules/; depends on ck_state.h (and reads the pending list, ck_pend.h's type).
 */
#ifndef SW_CK_EMIT_H
#define SW_CK_EMIT_H
#include "rules/ck_state.h"

/* Emit (and clear) an event: takeover correlation, attached informational events. */
void ck_emit(struct sw_checks *c, ck_flow *fs, const sw_flow *f, sw_event *ev);
/* Deliver an event that needs no takeover correlation (fs may be NULL). */
void ck_deliver(struct sw_checks *c, ck_flow *fs, sw_event *ev);
/* After a pending decision: the stashed fingerprint events go when no other event
 * of their packet is still pending (fs may be NULL). */
void ck_stash_check(struct sw_checks *c, ck_flow *fs);
/* Deliver the stashed events now, the last marked group_more = last_more. */
void ck_stash_release(struct sw_checks *c, ck_flow *fs, int last_more);

#endif
