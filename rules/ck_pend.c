/*
 * ck_pend.c — pending events: added by a family with its resolver, shown every
 * later packet of the flow, and decided (emitted or dropped) by the resolver, at
 * the deadline, or when the instance (or the flow) ends. A challenge ACK answering
 * the trigger is looked for on the receiver's first two packets and attached.
 *
 * Invariants: npend is the length of the list and at most CK_MAX_PENDING (the
 * oldest is decided early when a new one needs its slot, counted); every pending
 * event is decided exactly once.
 */
#include <stdlib.h>
#include <string.h>

#include "common/sw_assert.h"
#include "rules/ck_pend.h"
#include "rules/ck_event.h"
#include "rules/ck_emit.h"

ck_pend *ck_pend_add(sw_checks *c, ck_flow *fs, const sw_flow *f, ck_resolve_fn fn, uint8_t kind,
                     int dir, uint64_t ts_us, uint64_t deadline_us, const sw_pkt_obs *o)
{
    if (fs->npend >= CK_MAX_PENDING && fs->pend) {
        c->n_pend_forced++;
        ck_pend_finish(c, fs, f, fs->pend);
    }
    ck_pend *pd = calloc(1, sizeof *pd);
    if (!pd) {
        c->n_alloc_fail++;
        return NULL;
    }
    (void)o;
    c->n_pend_held++;
    pd->resolve = fn;
    pd->kind = kind;
    pd->dir = (uint8_t)dir;
    pd->ts_us = ts_us;
    pd->deadline_us = deadline_us;
    pd->inst = f->conn.instance;
    const sw_tcp_end *r = &f->conn.end[1 - dir];
    pd->rcv_ack = r->ack_max;
    pd->rcv_snd = r->snd_nxt;
    ck_pend **pp = &fs->pend;
    while (*pp)
        pp = &(*pp)->next;
    *pp = pd;
    fs->npend++;
    SW_ASSERT(fs->npend <= CK_MAX_PENDING);
    return pd;
}

ck_pend *ck_pend_find(ck_flow *fs, ck_resolve_fn fn, int dir)
{
    for (ck_pend *p = fs->pend; p; p = p->next)
        if (p->resolve == fn && (dir < 0 || p->dir == dir))
            return p;
    return NULL;
}

static void pend_unlink(ck_flow *fs, ck_pend *pd)
{
    for (ck_pend **pp = &fs->pend; *pp; pp = &(*pp)->next) {
        if (*pp == pd) {
            *pp = pd->next;
            fs->npend--;
            return;
        }
    }
}

static void pend_free(ck_pend *pd)
{
    sw_event_clear(&pd->ev);
    sw_event_clear(&pd->chal);
    free(pd);
}

static void pend_emit(sw_checks *c, ck_flow *fs, const sw_flow *f, ck_pend *pd)
{
    c->n_pend_emitted++;
    if (ck_ev_live(&pd->ev)) {
        if (ck_ev_live(&pd->chal)) {
            json_t *r = json_pack("{s:s,s:I,s:s,s:I,s:I}", "event", "challenge_ack",
                                  "ts_us", (json_int_t)pd->chal.ts_us,
                                  "dir", ck_dir_name(pd->chal.dir),
                                  "seq", (json_int_t)pd->chal_seq, "ack", (json_int_t)pd->chal_ack);
            ck_related_add(&pd->ev, r);
            ck_ev_b(&pd->ev, "challenge_ack_seen", 1);
        }
        ck_emit(c, fs, f, &pd->ev);
        if (ck_ev_live(&pd->chal))
            ck_deliver(c, fs, &pd->chal);
    }
}

void ck_pend_drop(sw_checks *c, ck_flow *fs, ck_pend *pd)
{
    c->n_pend_dropped++;
    pend_unlink(fs, pd);
    pend_free(pd);
    ck_stash_check(c, fs);
}

void ck_pend_finish(sw_checks *c, ck_flow *fs, const sw_flow *f, ck_pend *pd)
{
    pend_unlink(fs, pd);
    if (pd->resolve(c, fs, f, pd, NULL) == CK_EMIT)
        pend_emit(c, fs, f, pd);
    else if (pd->flags & CK_PF_DONE)
        c->n_pend_emitted++;       /* its event went out directly */
    else
        c->n_pend_dropped++;
    pend_free(pd);
    ck_stash_check(c, fs);
}

/* The receiver's RFC 5961 challenge ACK: a pure ACK that does not advance its
 * acknowledgement, sent from its current position, soon after the trigger. */
static int is_challenge(const ck_pend *pd, const sw_pkt_obs *o)
{
    const sw_packet *p = o->pkt;
    return o->dir != pd->dir && ck_pure_ack(p) && p->ack == pd->rcv_ack &&
           SEQ_GEQ(p->seq, pd->rcv_snd) && ck_dt(p->ts_us, pd->ts_us) <= CK_RESPONSE_US &&
           !(o->hints & (SW_SEG_KEEPALIVE | SW_SEG_ZWP));
}

void ck_pend_step_list(sw_checks *c, ck_flow *fs, const sw_flow *f, const sw_pkt_obs *o)
{
    ck_pend *pd = fs->pend;
    while (pd) {
        ck_pend *next = pd->next;
        if (pd->deadline_us && o->pkt->ts_us > pd->deadline_us) {
            ck_pend_finish(c, fs, f, pd);
            pd = next;
            continue;
        }
        if (pd->after[o->dir] < UINT16_MAX)
            pd->after[o->dir]++;
        if ((pd->flags & CK_PF_CHALLENGE) && !ck_ev_live(&pd->chal) && o->dir != pd->dir &&
            pd->after[o->dir] <= 2 && is_challenge(pd, o)) {
            if (ck_event_begin(c, fs, f, o->pkt, o->dir, SW_EV_CHALLENGE_ACK, &pd->chal) == 0) {
                const sw_event_def *d = sw_event_def_get((sw_event_id)pd->ev.id);
                ck_ev_s(&pd->chal, "answers", d ? d->name : "?");
                ck_ev_u(&pd->chal, "answers_ts_us", pd->ts_us);
                ck_ev_u(&pd->chal, "seq", o->pkt->seq);
                ck_ev_u(&pd->chal, "ack", o->pkt->ack);
                ck_ev_u(&pd->chal, "delay_us", ck_dt(o->pkt->ts_us, pd->ts_us));
                ck_ev_s(&pd->chal, "meaning", "the receiver refused the segment and "
                        "re-announced its position (RFC 5961)");
                pd->chal_seq = o->pkt->seq;
                pd->chal_ack = o->pkt->ack;
            }
        }
        if (o->dir != pd->dir)
            pd->flags |= CK_PF_RESPONDED;
        int r = pd->resolve(c, fs, f, pd, o);
        if (r == CK_EMIT) {
            pend_unlink(fs, pd);
            pend_emit(c, fs, f, pd);
            pend_free(pd);
            ck_stash_check(c, fs);
        } else if (r == CK_DROP) {
            ck_pend_drop(c, fs, pd);
        }
        pd = next;
    }
}


void ck_pend_finish_instance(sw_checks *c, ck_flow *fs, const sw_flow *f, int all)
{
    ck_pend *pd = fs->pend;
    while (pd) {
        ck_pend *next = pd->next;
        if (all || !(pd->flags & CK_PF_ACROSS))
            ck_pend_finish(c, fs, f, pd);
        pd = next;
    }
}
