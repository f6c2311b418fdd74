/*
 * isn_stage.h — the cross-connection ISN stage: one table of the ISNs each server
 * host chose on its recent connections, behind isn_predictable.
 *
 * The checks see one connection at a time (and with --workers only some of the
 * connections); they hand each connection's first SYN-ACK to this stage as a note
 * (sw_checks_set_isn_sink). The engine owns one stage and applies the notes of all
 * its shards in frame order, so the table, and the alerts, are the same whatever the
 * number of workers. The stage also adds a flagged host's summary to the other events
 * of that host (sw_isn_stage_relate).
 */
#ifndef SW_ISN_STAGE_H
#define SW_ISN_STAGE_H
#include "rules/checks.h"

typedef struct sw_isn_stage sw_isn_stage;

/* emit gets isn_predictable events (cleared after the call, as for the checks). */
sw_isn_stage *sw_isn_stage_new(const sw_tunables *t, sw_event_emit_fn emit, void *user);
void sw_isn_stage_free(sw_isn_stage *s);
void sw_isn_stage_set_tunables(sw_isn_stage *s, const sw_tunables *t);
/* Enter the ISN a note carries; emits isn_predictable when it is due (once per host).
 * The note stays the caller's. */
void sw_isn_stage_apply(sw_isn_stage *s, const sw_isn_note *note);
/* Attach the server host's isn_predictable summary (if flagged) to ev->related. */
void sw_isn_stage_relate(sw_isn_stage *s, sw_event *ev);
/* Hosts evicted from the full table; notes lost to a failed allocation. */
uint64_t sw_isn_stage_evictions(const sw_isn_stage *s);
uint64_t sw_isn_stage_alloc_failures(const sw_isn_stage *s);

#endif
