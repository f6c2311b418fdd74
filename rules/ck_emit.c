/*
 * ck_emit.c — the emit path of the checks. Every event goes through ck_emit (or
 * ck_deliver when no takeover correlation applies): it is numbered in its
 * connection's own order, marked in ck_flow.emitted, correlated with the takeover
 * chain, and handed to the emit callback. The fingerprint events of one packet are
 * one alert: one decided while another of its packet is still pending waits in the
 * flow's stash (ck_aux.stash) and goes out with the last.
 *
 * Invariants: an event handed to the emit callback is cleared right after the call;
 * nstash <= CK_FP_STASH, and the stash holds events of one packet only.
 */
#include <string.h>

#include "rules/ck_emit.h"
#include "rules/ck_pend.h"
#include "rules/ck_event.h"

/* The fingerprint events: those of one packet are one alert (sw_event.group_more). */
static int fingerprint_event(sw_event_id id)
{
    return id == SW_EV_TTL_ANOMALY || id == SW_EV_MAC_CHANGE || id == SW_EV_TSVAL_REGRESSION ||
           id == SW_EV_TSECR_UNSENT_ECHO;
}

static int same_packet(const sw_event *a, const sw_event *b)
{
    return a->flow_id == b->flow_id && a->conn_instance == b->conn_instance &&
           a->frame_no == b->frame_no && a->ts_us == b->ts_us && a->dir == b->dir;
}

static void emit_now(sw_checks *c, sw_event *ev)
{
    if (c->emit)
        c->emit(c->user, ev);
    sw_event_clear(ev);
}

/* Another fingerprint event of ev's packet still pending on this flow. */
static int fp_pending(const ck_flow *fs, const sw_event *ev)
{
    for (const ck_pend *p = fs->pend; p; p = p->next)
        if (ck_ev_live(&p->ev) && fingerprint_event(p->ev.id) && same_packet(&p->ev, ev))
            return 1;
    return 0;
}

/* Deliver the stashed events, all marked as followed by another of their group but
 * the last, which gets last_more. */
void ck_stash_release(sw_checks *c, ck_flow *fs, int last_more)
{
    ck_aux *a = fs->aux;
    unsigned n = a ? a->nstash : 0;
    if (!n)
        return;
    a->nstash = 0;
    for (unsigned i = 0; i < n; i++) {
        a->stash[i].group_more = i + 1 < n ? 1 : (uint8_t)last_more;
        emit_now(c, &a->stash[i]);
    }
}

/* After a pending decision: when no fingerprint event of the stashed packet is still
 * pending (the last one was dropped, or decided without an event), the stash goes. */
void ck_stash_check(sw_checks *c, ck_flow *fs)
{
    if (fs && fs->aux && fs->aux->nstash && !fp_pending(fs, &fs->aux->stash[0]))
        ck_stash_release(c, fs, 0);
}

/* Hand one event to the callback and clear it. The fingerprint events of one packet are one alert:
 * one decided while another of its packet is still pending waits in the flow's stash
 * (other events pass meanwhile); the last one decided brings the stash out just
 * before it, each marked group_more. */
static void deliver(sw_checks *c, ck_flow *fs, sw_event *ev)
{
    if (ck_ev_render(ev) != 0) {      /* the JSON of a typed draft: now, not before */
        c->n_alloc_fail++;
        return;
    }
    if (fs && (unsigned)ev->id < 32)
        fs->emitted |= 1u << ev->id;
    if (fs && !ev->ordinal)
        ev->ordinal = ++fs->n_ev;    /* a connection's events are numbered in its own order,
                                        whatever else runs beside it (--workers) */
    c->n_events++;
    if (fs && ev->evidence && fingerprint_event(ev->id)) {
        ck_aux *a = fs->aux;
        if (a && a->nstash && !same_packet(&a->stash[0], ev))
            ck_stash_release(c, fs, 0);          /* another packet's: that group is over */
        if (!ev->group_more && fp_pending(fs, ev) && (a = ck_aux_get(c, fs)) != NULL &&
            a->nstash < CK_FP_STASH) {
            a->stash[a->nstash++] = *ev;      /* taken over: the caller's clear frees nothing */
            ev->evidence = ev->packets = ev->related = ev->ruled_out = NULL;
            return;
        }
        ck_stash_release(c, fs, 1);              /* this one completes the group */
    }
    emit_now(c, ev);
}

void ck_deliver(sw_checks *c, ck_flow *fs, sw_event *ev)
{
    deliver(c, fs, ev);
}

void ck_emit(sw_checks *c, ck_flow *fs, const sw_flow *f, sw_event *ev)
{
    if (!ck_ev_live(ev))
        return;
    if (ck_ev_render(ev) != 0) {      /* the correlation below reads the JSON */
        c->n_alloc_fail++;
        return;
    }
    sw_event tk;
    memset(&tk, 0, sizeof tk);
    int have = ev->id != SW_EV_SESSION_TAKEOVER && c->chain && c->chain(c, fs, f, ev, &tk);
    if (have)
        ev->group_more = 1;          /* the verdict it completes is the same alert */
    deliver(c, fs, ev);
    if (have)
        deliver(c, fs, &tk);
}
