/*
 * checks.h — the checks: the observer that turns the detector's observations into
 * catalogue events. Each check_*.c file holds one family of checks; checks.c wires
 * them to the observer interface and owns the per-flow check state (bounded).
 */
#ifndef SW_CHECKS_H
#define SW_CHECKS_H
#include "detector/observer.h"
#include "rules/event.h"
#include "rules/ruleset.h"

typedef struct sw_checks sw_checks;

/* Called for each event; the callee takes nothing: it must copy what it keeps
 * (the event and its JSON are cleared after the call returns). */
typedef void (*sw_event_emit_fn)(void *user, sw_event *ev);

typedef struct sw_checks_config {
    uint32_t history_packets;   /* ladder length per connection */
    sw_tunables tun;
    int end_marks;              /* 1: emit SW_EV_CONN_END after the last event of each
                                   connection instance that emitted any (rule stage:
                                   closes its folds and incidents) */
} sw_checks_config;

sw_checks *sw_checks_new(const sw_checks_config *cfg, sw_event_emit_fn emit, void *user);
void sw_checks_free(sw_checks *c);
/* The observer to pass to sw_detector_new. It takes no stream chunks (on_stream is
 * NULL): whoever wants them wires its own sink beside it (src/shard.c). */
void sw_checks_observer(sw_checks *c, sw_observer *out);
void sw_checks_set_tunables(sw_checks *c, const sw_tunables *t);

/* ISN notes: each connection's first SYN-ACK becomes a note for the cross-connection
 * ISN stage (rules/isn_stage.h), which the engine owns and feeds in frame order from
 * every shard. The sink gets a note it does not own (copy it with sw_isn_note_dup to
 * keep it); without a sink no note is taken. */
typedef struct sw_isn_note sw_isn_note;
typedef void (*sw_isn_sink_fn)(void *user, const sw_isn_note *note);
void sw_checks_set_isn_sink(sw_checks *c, sw_isn_sink_fn fn, void *user);
sw_isn_note *sw_isn_note_dup(const sw_isn_note *note);   /* NULL: out of memory */
void sw_isn_note_free(sw_isn_note *note);

/* What the checks did, for statistics and tests. */
typedef struct sw_checks_counters {
    uint64_t events;          /* events handed to the emit callback */
    uint64_t held;            /* suspicions held for corroboration (pending events) */
    uint64_t confirmed;       /* held suspicions raised as events */
    uint64_t cleared;         /* held suspicions dropped: a benign explanation held
                                 (once every flow has ended: held = confirmed + cleared) */
    uint64_t forced;          /* held suspicions decided early because their flow's
                                 slots were full */
    uint64_t alloc_failures;
} sw_checks_counters;
void sw_checks_get_counters(const sw_checks *c, sw_checks_counters *out);

#endif
