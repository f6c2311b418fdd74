/*
 * checks.c — the observer that turns the detector's observations into catalogue
 * events: the table of check families and the observer callbacks that run them. The
 * machinery the families share is in helper modules: the flow state (ck_state.c),
 * the packet-history ring and ladder (ck_ring.c), the event builder (ck_event.c),
 * pending events (ck_pend.c), the emit path (ck_emit.c), blind spray
 * (check_spray.c) and the fingerprint comparison (fingerprint_cmp.c). The families
 * in check_*.c judge.
 *
 * Invariants:
 *  - Per-flow state is allocated on the flow's first observation and freed in
 *    on_flow_free; its size is fixed by cfg.history_packets (capped at
 *    CK_MAX_HISTORY). Pending events are capped at CK_MAX_PENDING per flow: the
 *    oldest is decided early when a new one needs its slot (counted).
 *  - Every pending event is decided exactly once: emitted or dropped, at the latest
 *    when its instance ends (or its flow, for watches that span instances).
 *  - The families run on each packet in the order of the table below.
 *  - Time is packet time only. The same observations give the same events.
 *  - An event handed to the emit callback is cleared right after the call.
 */
#include <stdlib.h>
#include <string.h>

#include "common/sw_assert.h"
#include "rules/ck_families.h"
#include "rules/ck_event.h"
#include "rules/ck_emit.h"
#include "rules/ck_pend.h"

/* The families, in the order they judge a packet (after the ring and the pending
 * events have seen it, unless an early desync owns it): X(name) runs
 * ck_<name>_packet. Expanded into direct calls (the table runs on every packet). */
#define CK_FAMILIES(X) \
    X(handshake)       \
    X(reset)           \
    X(window)          \
    X(inject)          /* before the fingerprint baselines move */ \
    X(fingerprint)     \
    X(desync)

/* ------------------------------------------------------------------ config -- */

static void tun_defaults(sw_tunables *t)
{
    /* a zero the range excludes is the default (a caller that cleared its config);
     * the rest is kept within rules/tunables.h's ranges */
#define TUN_FIX(name, event, def, min, max, unit) t->name = sw_tun_fix(t->name, def, min, max);
    SW_TUNABLES(TUN_FIX)
#undef TUN_FIX
    /* isn_min_conns is read by the ISN stage (rules/isn_stage.c) */
}

sw_checks *sw_checks_new(const sw_checks_config *cfg, sw_event_emit_fn emit, void *user)
{
    sw_checks *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    if (cfg)
        c->cfg = *cfg;
    else
        c->cfg.history_packets = 8;
    if (c->cfg.history_packets > CK_MAX_HISTORY)
        c->cfg.history_packets = CK_MAX_HISTORY;
    tun_defaults(&c->cfg.tun);
    c->emit = emit;
    c->user = user;
    c->chain = ck_desync_chain;
    return c;
}

void sw_checks_free(sw_checks *c)
{
    if (!c)
        return;
    free(c);
}

void sw_checks_set_tunables(sw_checks *c, const sw_tunables *t)
{
    if (!c || !t)
        return;
    c->cfg.tun = *t;
    tun_defaults(&c->cfg.tun);
}

void sw_checks_get_counters(const sw_checks *c, sw_checks_counters *out)
{
    memset(out, 0, sizeof *out);
    out->events = c->n_events;
    out->held = c->n_pend_held;
    out->confirmed = c->n_pend_emitted;
    out->cleared = c->n_pend_dropped;
    out->forced = c->n_pend_forced;
    out->alloc_failures = c->n_alloc_fail;
}


void sw_checks_set_isn_sink(sw_checks *c, sw_isn_sink_fn fn, void *user)
{
    c->isn_sink = fn;
    c->isn_user = user;
}

/* ck_flow.emitted keeps one bit per event. */
_Static_assert(SW_EV_COUNT <= 32, "ck_flow.emitted is a uint32_t: at most 32 events");

#define CK_VALIDATE(c, fs) SW_VALIDATE_RUN(ck_flow_validate((c), (fs)))

/* --------------------------------------------------------------- observer -- */

static void ob_packet_run(sw_checks *c, ck_flow *fs, const sw_flow *f, const sw_pkt_obs *o)
{
    ck_ring_push(c, fs, o);
    ck_pend_step(c, fs, f, o);
    if (ck_early_desync_owns(c, fs, f, o)) {
        ck_dir_update(c, fs, f, o);
        return;
    }
#define CK_RUN_FAMILY(name) ck_##name##_packet(c, fs, f, o);
    CK_FAMILIES(CK_RUN_FAMILY)
#undef CK_RUN_FAMILY
    ck_dir_update(c, fs, f, o);
}

static void ob_packet(void *ctx, const sw_pkt_obs *o)
{
    sw_checks *c = ctx;
    const sw_flow *f = o->flow;
    if (!f || !o->pkt || (o->hints & SW_SEG_BAD_CSUM))
        return;
    ck_flow *fs = ck_flow_get(c, f, o->state);
    if (!fs)
        return;
    ob_packet_run(c, fs, f, o);
    CK_VALIDATE(c, *o->state);
}

static void ob_conn_start(void *ctx, const sw_conn_obs *o)
{
    sw_checks *c = ctx;
    if (o->flow)
        (void)ck_flow_get(c, o->flow, o->state);
}

/* The end mark of the instance fs describes, when it emitted events: at its end and
 * again when its flow is freed (events decided then for an instance that already
 * ended are followed by a mark too; a second mark finds nothing open). */
static void end_mark(sw_checks *c, ck_flow *fs, const sw_flow *f)
{
    if (!c->cfg.end_marks || !c->emit || !fs->n_ev)
        return;
    sw_event ev;
    ck_event_ident(f, NULL, 0, SW_EV_CONN_END, &ev);
    ev.conn_instance = fs->inst;
    c->emit(c->user, &ev);
    sw_event_clear(&ev);
}

static void ob_conn_end(void *ctx, const sw_conn_obs *o)
{
    sw_checks *c = ctx;
    const sw_flow *f = o->flow;
    ck_flow *fs = f && o->state ? *o->state : NULL;
    if (!fs)
        return;
    ck_pend_finish_instance(c, fs, f, 0);
    const sw_tcp_conn *cn = &f->conn;
    /* Keep what early desync needs: a young instance that ended with an RST. */
    if (o->outcome == SW_CONN_RESET && !cn->end[0].data_seen && !cn->end[1].data_seen) {
        ck_aux *a = ck_aux_get(c, fs);
        if (a) {
            ck_prev *pv = &a->prev;
            memset(pv, 0, sizeof *pv);
            pv->valid = 1;
            /* the time of the RST (the last packet of the side that sent it) */
            int rs = cn->end[0].rst_sent ? 0 : 1;
            pv->end_us = cn->end[rs].last_us ? cn->end[rs].last_us
                                             : (o->pkt ? o->pkt->ts_us : f->last_us);
            pv->instance = cn->instance;
            for (int i = 0; i < 2; i++) {
                pv->isn[i] = cn->end[i].isn;
                pv->snd_nxt[i] = cn->end[i].snd_nxt;
                pv->ack_max[i] = cn->end[i].ack_max;
                pv->state[i] = cn->end[i].state;
            }
            pv->wnd_max = cn->end[0].win_max > cn->end[1].win_max ? cn->end[0].win_max
                                                                  : cn->end[1].win_max;
            pv->outcome = o->outcome;
            pv->handshake_done = cn->handshake_done;
            pv->rst_by_client = cn->end[0].rst_sent;
            pv->rst_by_server = cn->end[1].rst_sent;
            pv->isn_known_client = cn->end[0].syn_seen;
            pv->isn_known_server = cn->end[1].synack_seen;
        }
    } else if (fs->aux) {
        fs->aux->prev.valid = 0;
    }
    end_mark(c, fs, f);
    CK_VALIDATE(c, fs);
}

static void ob_overlap(void *ctx, const sw_overlap_obs *o)
{
    sw_checks *c = ctx;
    if (!o->flow)
        return;
    ck_flow *fs = ck_flow_get(c, o->flow, o->state);
    if (fs)
        ck_overlap(c, fs, o->flow, o);
    CK_VALIDATE(c, fs);
}

static void ob_flow_free(void *ctx, const sw_flow *f, void **state)
{
    sw_checks *c = ctx;
    ck_flow *fs = *state;
    if (!fs)
        return;
    ck_pend_finish_instance(c, fs, f, 1);
    ck_stash_release(c, fs, 0);          /* (empty: every pending event was decided) */
    end_mark(c, fs, f);
    free(fs->aux);
    free(fs);
    *state = NULL;
}

void sw_checks_observer(sw_checks *c, sw_observer *out)
{
    memset(out, 0, sizeof *out);
    out->ctx = c;
    out->on_packet = ob_packet;
    out->on_conn_start = ob_conn_start;
    out->on_conn_end = ob_conn_end;
    out->on_overlap = ob_overlap;
    out->on_flow_free = ob_flow_free;
    out->on_frag_overlap = ck_frag_overlap;
}
