/*
 * checks.c — the observer that turns the detector's observations into catalogue
 * events. It owns the per-flow check state (flow->obs_state), the ring of the last
 * packets of each connection (the ladder every event carries), the event builder,
 * the pending events (suspicious segments that wait for the receiver's answer or for
 * corroboration before they are emitted or dropped) and the emit path (takeover
 * correlation, attached informational events). The families in check_*.c judge.
 *
 * Invariants:
 *  - Per-flow state is allocated on the flow's first observation and freed in
 *    on_flow_free; its size is fixed by cfg.history_packets (capped at
 *    CK_MAX_HISTORY). Pending events are capped at CK_MAX_PENDING per flow: the
 *    oldest is decided early when a new one needs its slot (counted).
 *  - Every pending event is decided exactly once: emitted or dropped, at the latest
 *    when its instance ends (or its flow, for watches that span instances).
 *  - Time is packet time only. The same observations give the same events.
 *  - An event handed to the emit callback is cleared right after the call.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/sw_assert.h"
#include "rules/check_internal.h"

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

void sw_checks_set_stream_forward(sw_checks *c, sw_stream_cb fwd, void *user)
{
    c->fwd = fwd;
    c->fwd_user = user;
}

/* ------------------------------------------------------------- flow state -- */

static void flow_reset_instance(ck_flow *fs, uint32_t inst)
{
    memset(fs->d, 0, sizeof fs->d);
    fs->inst = inst;
    fs->synack_seen = 0;
    fs->syn_retx = 0;
    fs->syn_alt = 0;
    fs->storm_on = 0;
    fs->spray_on = 0;
    fs->takeover_done = 0;
    fs->desync_done = 0;
    fs->synack_isn = fs->synack_ack = fs->synack_ms = 0;
    fs->syn_alt_isn = 0;
    fs->synack_alt_isn = 0;
    fs->confused = 0;
    fs->synack_ttl = 0;
    fs->storm_side[0] = fs->storm_side[1] = 0;
    fs->storm_start_ms = fs->spray_start_ms = fs->spray_last_ms = 0;
    fs->rstw_us = 0;
    fs->rstw_hs = 0;
    fs->rst_beyond_n = 0;
    fs->storm_n = fs->spray_n = 0;
    fs->emitted = 0;
    fs->n_ev = 0;
    if (fs->aux)
        fs->aux->nchain = 0;
}

static ck_flow *flow_get(sw_checks *c, sw_flow *f)
{
    ck_flow *fs = f->obs_state;
    if (!fs) {
        size_t n = sizeof *fs + (size_t)c->cfg.history_packets * sizeof(ck_hist);
        fs = calloc(1, n);
        if (!fs) {
            c->n_alloc_fail++;
            return NULL;
        }
        f->obs_state = fs;
        fs->inst = f->conn.instance;
        return fs;
    }
    if (fs->inst != f->conn.instance)
        flow_reset_instance(fs, f->conn.instance);
    return fs;
}

ck_aux *ck_aux_get(sw_checks *c, ck_flow *fs)
{
    if (!fs->aux) {
        fs->aux = calloc(1, sizeof *fs->aux);
        if (!fs->aux)
            c->n_alloc_fail++;
    }
    return fs->aux;
}

/* ------------------------------------------------------------------- ring -- */

static void ring_push(const sw_checks *c, ck_flow *fs, const sw_pkt_obs *o)
{
    uint32_t h = c->cfg.history_packets;
    if (!h)
        return;
    const sw_packet *p = o->pkt;
    ck_hist *e = &fs->ring[fs->ring_head];
    uint64_t dt = 0;
    if (fs->ring_n && p->ts_us > fs->ring_last_us)
        dt = p->ts_us - fs->ring_last_us;
    e->dt = ck_dt_enc(dt);
    e->seq = p->seq;
    e->ack = p->ack;
    uint32_t len = ck_payload(p);
    e->len_dir = (uint16_t)((len > 0x7fff ? 0x7fff : len) | ((unsigned)(o->dir & 1) << 15));
    e->win = p->window;
    e->flags = p->flags;
    e->ttl = p->ttl;
    if (!fs->ring_n || p->ts_us > fs->ring_last_us)
        fs->ring_last_us = p->ts_us;
    fs->ring_head = (uint8_t)(fs->ring_head + 1u == h ? 0u : fs->ring_head + 1u);
    if (fs->ring_n < h)
        fs->ring_n++;
}

/* Index of the i-th oldest entry (i < ring_n). head < h, ring_n <= h and i < ring_n,
 * so the sum is below 2h: one subtraction instead of a division. */
static const ck_hist *ring_at(const sw_checks *c, const ck_flow *fs, unsigned i)
{
    uint32_t h = c->cfg.history_packets;
    SW_ASSERT(i < fs->ring_n && fs->ring_n <= h && fs->ring_head < h);
    uint32_t k = fs->ring_head + h - fs->ring_n + i;
    return &fs->ring[k >= h ? k - h : k];
}

/* Runs several times per packet (once per check that asks): no division. */
int ck_dup_capture(const sw_checks *c, const ck_flow *fs)
{
    if (fs->ring_n < 2)
        return 0;
    uint32_t h = c->cfg.history_packets;              /* >= ring_n >= 2 */
    uint32_t lb = fs->ring_head ? fs->ring_head - 1u : h - 1u;   /* newest */
    uint32_t la = lb ? lb - 1u : h - 1u;                         /* the one before */
    const ck_hist *a = &fs->ring[la], *b = &fs->ring[lb];
    return a->len_dir == b->len_dir && a->seq == b->seq && a->ack == b->ack &&
           a->flags == b->flags && ck_dt_dec(b->dt) < CK_DUP_CAPTURE_US;
}

void ck_flags_str(uint8_t fl, char out[12])
{
    /* tcpdump's letters and order */
    static const struct { uint8_t bit; char ch; } t[] = {
        { SW_TH_FIN, 'F' }, { SW_TH_SYN, 'S' }, { SW_TH_RST, 'R' }, { SW_TH_PSH, 'P' },
        { SW_TH_ACK, '.' }, { SW_TH_URG, 'U' }, { SW_TH_ECE, 'E' }, { SW_TH_CWR, 'W' },
    };
    size_t n = 0;
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (fl & t[i].bit)
            out[n++] = t[i].ch;
    if (!n)
        out[n++] = '-';
    out[n] = 0;
}

const char *ck_dir_name(int dir)
{
    return dir ? "to_client" : "to_server";
}

void ck_ladder_snap_take(const sw_checks *c, const ck_flow *fs, const sw_flow *f,
                         ck_ladder_snap *s)
{
    unsigned n = c->cfg.history_packets ? fs->ring_n : 0;
    if (n > CK_MAX_HISTORY)
        n = CK_MAX_HISTORY;
    s->n = (uint8_t)n;
    s->last_us = fs->ring_last_us;
    s->wshift[0] = f->conn.end[0].wshift;
    s->wshift[1] = f->conn.end[1].wshift;
    for (unsigned i = 0; i < n; i++)
        s->e[i] = *ring_at(c, fs, i);
}

json_t *ck_ladder_render(const ck_ladder_snap *s, uint64_t mark_ts, uint32_t mark_seq,
                         uint8_t mark_flags)
{
    if (!s->n)
        return NULL;
    uint64_t ts[CK_MAX_HISTORY];
    unsigned n = s->n;
    ts[n - 1] = s->last_us;
    for (unsigned i = n - 1; i > 0; i--) {
        uint64_t dt = ck_dt_dec(s->e[i].dt);
        ts[i - 1] = ts[i] >= dt ? ts[i] - dt : 0;
    }
    json_t *a = json_array();
    if (!a)
        return NULL;
    /* the trigger: the newest entry with its seq and flags whose (reconstructed) time
     * is the trigger's, within the time encoding's precision */
    int marked = 0;
    for (unsigned i = n; mark_ts && i-- > 0;) {
        const ck_hist *e = &s->e[i];
        uint64_t d = ts[i] > mark_ts ? ts[i] - mark_ts : mark_ts - ts[i];
        uint64_t age = s->last_us > mark_ts ? s->last_us - mark_ts : 0;
        if (e->seq == mark_seq && e->flags == mark_flags && d <= 1 + age / 1024u) {
            marked = (int)i + 1;
            break;
        }
    }
    for (unsigned i = 0; i < n; i++) {
        const ck_hist *e = &s->e[i];
        char fl[12];
        ck_flags_str(e->flags, fl);
        int dir = e->len_dir >> 15;
        uint32_t win = (e->flags & SW_TH_SYN) ? e->win : (uint32_t)e->win << s->wshift[dir];
        json_t *o = json_pack("{s:I,s:s,s:s,s:I,s:I,s:I,s:I,s:I}",
                              "ts_us", (json_int_t)ts[i], "dir", ck_dir_name(dir),
                              "flags", fl, "seq", (json_int_t)e->seq, "ack", (json_int_t)e->ack,
                              "len", (json_int_t)(e->len_dir & 0x7fff), "win", (json_int_t)win,
                              "ttl", (json_int_t)e->ttl);
        if (!o)
            continue;
        if (marked == (int)i + 1)
            json_object_set_new(o, "trigger", json_true());
        json_array_append_new(a, o);
    }
    return a;
}

static json_t *ladder(const sw_checks *c, const ck_flow *fs, const sw_flow *f,
                      uint64_t mark_ts, uint32_t mark_seq, uint8_t mark_flags)
{
    if (!c->cfg.history_packets || !fs->ring_n)
        return NULL;
    ck_ladder_snap s;
    ck_ladder_snap_take(c, fs, f, &s);
    return ck_ladder_render(&s, mark_ts, mark_seq, mark_flags);
}

/* ----------------------------------------------------------------- events -- */

void ck_event_ident(const sw_flow *f, const sw_packet *p, int dir, sw_event_id id, sw_event *ev)
{
    memset(ev, 0, sizeof *ev);
    ev->id = id;
    const sw_tcp_conn *cn = &f->conn;
    if (p) {
        ev->ts_us = p->ts_us;
        ev->ip_version = p->ip_version;
        size_t al = p->ip_version == 6 ? 16 : 4;
        memcpy(ev->src_ip, p->src_ip, al);
        memcpy(ev->dst_ip, p->dst_ip, al);
        ev->sport = p->sport;
        ev->dport = p->dport;
        ev->nvlan = p->nvlan > 2 ? 2 : p->nvlan;
        ev->vlan[0] = p->vlan[0];
        ev->vlan[1] = p->vlan[1];
    } else {
        int sep = dir == 0 ? cn->client_ep : 1 - cn->client_ep;
        ev->ts_us = f->last_us;
        ev->ip_version = f->key.ip_version;
        size_t al = f->key.ip_version == 6 ? 16 : 4;
        memcpy(ev->src_ip, f->key.addr[sep], al);
        memcpy(ev->dst_ip, f->key.addr[1 - sep], al);
        ev->sport = f->key.port[sep];
        ev->dport = f->key.port[1 - sep];
        ev->nvlan = f->key.nvlan > 2 ? 2 : f->key.nvlan;
        ev->vlan[0] = f->key.vlan[0];
        ev->vlan[1] = f->key.vlan[1];
    }
    ev->dir = dir;
    ev->frame_no = p ? p->frame_no : f->last_frame;
    ev->flow_id = cn->flow_id;
    ev->conn_instance = cn->instance;
    ev->client_state = cn->end[0].state;
    ev->server_state = cn->end[1].state;
}

int ck_event_begin_mark(sw_checks *c, ck_flow *fs, const sw_flow *f, const sw_packet *p,
                        int dir, sw_event_id id, sw_event *ev,
                        uint64_t mark_ts, uint32_t mark_seq, uint8_t mark_flags)
{
    ck_event_ident(f, p, dir, id, ev);
    ev->evidence = json_object();
    ev->ruled_out = json_array();
    if (!ev->evidence || !ev->ruled_out) {
        sw_event_clear(ev);
        c->n_alloc_fail++;
        return -1;
    }
    ev->packets = ladder(c, fs, f, mark_ts, mark_seq, mark_flags);
    if (p && p->ip_frags)              /* a reassembled IP datagram */
        ck_ev_u(ev, "ip_fragments", p->ip_frags);
    return 0;
}

int ck_event_begin(sw_checks *c, ck_flow *fs, const sw_flow *f, const sw_packet *p, int dir,
                   sw_event_id id, sw_event *ev)
{
    if (p)
        return ck_event_begin_mark(c, fs, f, p, dir, id, ev, p->ts_us, p->seq, p->flags);
    return ck_event_begin_mark(c, fs, f, NULL, dir, id, ev, 0, 0, 0);
}

void ck_ev_u(sw_event *ev, const char *key, uint64_t v)
{
    if (ev->evidence)
        json_object_set_new(ev->evidence, key, json_integer((json_int_t)v));
}

void ck_ev_i(sw_event *ev, const char *key, int64_t v)
{
    if (ev->evidence)
        json_object_set_new(ev->evidence, key, json_integer((json_int_t)v));
}

void ck_ev_s(sw_event *ev, const char *key, const char *v)
{
    if (ev->evidence)
        json_object_set_new(ev->evidence, key, json_string(v));
}

void ck_ev_b(sw_event *ev, const char *key, int v)
{
    if (ev->evidence)
        json_object_set_new(ev->evidence, key, json_boolean(v));
}

void ck_ev_o(sw_event *ev, const char *key, json_t *v)
{
    if (ev->evidence && v)
        json_object_set_new(ev->evidence, key, v);
    else
        json_decref(v);
}

void ck_ruled_out(sw_event *ev, ...)
{
    va_list ap;
    va_start(ap, ev);
    const char *s;
    while ((s = va_arg(ap, const char *)) != NULL) {
        if (!ev->ruled_out)
            continue;
        int dup = 0;
        size_t i;
        json_t *v;
        json_array_foreach(ev->ruled_out, i, v)
            if (json_is_string(v) && strcmp(json_string_value(v), s) == 0)
                dup = 1;
        if (!dup)
            json_array_append_new(ev->ruled_out, json_string(s));
    }
    va_end(ap);
}

json_t *ck_pkt_json(const sw_flow *f, const sw_packet *p, int dir)
{
    char fl[12];
    ck_flags_str(p->flags, fl);
    json_t *o = json_pack("{s:I,s:s,s:s,s:I,s:I,s:I,s:I,s:I}",
                          "ts_us", (json_int_t)p->ts_us, "dir", ck_dir_name(dir), "flags", fl,
                          "seq", (json_int_t)p->seq, "ack", (json_int_t)p->ack,
                          "len", (json_int_t)ck_payload(p), "win", (json_int_t)ck_win(f, p, dir),
                          "ttl", (json_int_t)p->ttl);
    if (o && p->opt.has_ts) {
        json_object_set_new(o, "tsval", json_integer(p->opt.tsval));
        json_object_set_new(o, "tsecr", json_integer(p->opt.tsecr));
    }
    return o;
}

void ck_related_add(sw_event *ev, json_t *r)
{
    if (!r)
        return;
    if (!ev->related)
        ev->related = json_array();
    if (ev->related)
        json_array_append_new(ev->related, r);
    else
        json_decref(r);
}

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
        if (p->ev.evidence && fingerprint_event(p->ev.id) && same_packet(&p->ev, ev))
            return 1;
    return 0;
}

/* Deliver the stashed events, all marked as followed by another of their group but
 * the last, which gets last_more. */
static void stash_release(sw_checks *c, ck_flow *fs, int last_more)
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
static void stash_check(sw_checks *c, ck_flow *fs)
{
    if (fs && fs->aux && fs->aux->nstash && !fp_pending(fs, &fs->aux->stash[0]))
        stash_release(c, fs, 0);
}

/* Hand one event to the callback and clear it. The fingerprint events of one packet are one alert:
 * one decided while another of its packet is still pending waits in the flow's stash
 * (other events pass meanwhile); the last one decided brings the stash out just
 * before it, each marked group_more. */
static void deliver(sw_checks *c, ck_flow *fs, sw_event *ev)
{
    if (fs && (unsigned)ev->id < 32)
        fs->emitted |= 1u << ev->id;
    if (fs && !ev->ordinal)
        ev->ordinal = ++fs->n_ev;    /* a connection's events are numbered in its own order,
                                        whatever else runs beside it (--workers) */
    c->n_events++;
    if (fs && ev->evidence && fingerprint_event(ev->id)) {
        ck_aux *a = fs->aux;
        if (a && a->nstash && !same_packet(&a->stash[0], ev))
            stash_release(c, fs, 0);          /* another packet's: that group is over */
        if (!ev->group_more && fp_pending(fs, ev) && (a = ck_aux_get(c, fs)) != NULL &&
            a->nstash < CK_FP_STASH) {
            a->stash[a->nstash++] = *ev;      /* taken over: the caller's clear frees nothing */
            ev->evidence = ev->packets = ev->related = ev->ruled_out = NULL;
            return;
        }
        stash_release(c, fs, 1);              /* this one completes the group */
    }
    emit_now(c, ev);
}

void ck_deliver(sw_checks *c, ck_flow *fs, sw_event *ev)
{
    deliver(c, fs, ev);
}

void sw_checks_set_isn_sink(sw_checks *c, sw_isn_sink_fn fn, void *user)
{
    c->isn_sink = fn;
    c->isn_user = user;
}

void ck_emit(sw_checks *c, ck_flow *fs, sw_flow *f, sw_event *ev)
{
    if (!ev->evidence)
        return;
    sw_event tk;
    memset(&tk, 0, sizeof tk);
    int have = ev->id != SW_EV_SESSION_TAKEOVER && ck_desync_chain(c, fs, f, ev, &tk);
    if (have)
        ev->group_more = 1;          /* the verdict it completes is the same alert */
    deliver(c, fs, ev);
    if (have)
        deliver(c, fs, &tk);
}

/* ---------------------------------------------------------------- pending -- */

ck_pend *ck_pend_add(sw_checks *c, ck_flow *fs, sw_flow *f, ck_resolve_fn fn, uint8_t kind,
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

static void pend_emit(sw_checks *c, ck_flow *fs, sw_flow *f, ck_pend *pd)
{
    c->n_pend_emitted++;
    if (pd->ev.evidence) {
        if (pd->chal.evidence) {
            json_t *r = json_pack("{s:s,s:I,s:s,s:I,s:I}", "event", "challenge_ack",
                                  "ts_us", (json_int_t)pd->chal.ts_us,
                                  "dir", ck_dir_name(pd->chal.dir),
                                  "seq", (json_int_t)pd->v[6], "ack", (json_int_t)pd->v[7]);
            ck_related_add(&pd->ev, r);
            ck_ev_b(&pd->ev, "challenge_ack_seen", 1);
        }
        ck_emit(c, fs, f, &pd->ev);
        if (pd->chal.evidence)
            deliver(c, fs, &pd->chal);
    }
}

void ck_pend_drop(sw_checks *c, ck_flow *fs, ck_pend *pd)
{
    c->n_pend_dropped++;
    pend_unlink(fs, pd);
    pend_free(pd);
    stash_check(c, fs);
}

void ck_pend_finish(sw_checks *c, ck_flow *fs, sw_flow *f, ck_pend *pd)
{
    pend_unlink(fs, pd);
    if (pd->resolve(c, fs, f, pd, NULL) == CK_EMIT)
        pend_emit(c, fs, f, pd);
    else if (pd->flags & CK_PF_DONE)
        c->n_pend_emitted++;       /* its event went out directly */
    else
        c->n_pend_dropped++;
    pend_free(pd);
    stash_check(c, fs);
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

static void pend_step(sw_checks *c, ck_flow *fs, sw_flow *f, const sw_pkt_obs *o)
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
        if ((pd->flags & CK_PF_CHALLENGE) && !pd->chal.evidence && o->dir != pd->dir &&
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
                pd->v[6] = o->pkt->seq;
                pd->v[7] = o->pkt->ack;
            }
        }
        if (o->dir != pd->dir)
            pd->flags |= CK_PF_RESPONDED;
        int r = pd->resolve(c, fs, f, pd, o);
        if (r == CK_EMIT) {
            pend_unlink(fs, pd);
            pend_emit(c, fs, f, pd);
            pend_free(pd);
            stash_check(c, fs);
        } else if (r == CK_DROP) {
            ck_pend_drop(c, fs, pd);
        }
        pd = next;
    }
}

/* Emit at the receiver's first answer (with the challenge ACK if that is what it
 * was), or at the deadline / end. */
int ck_resolve_response(sw_checks *c, ck_flow *fs, sw_flow *f, ck_pend *pd, const sw_pkt_obs *o)
{
    (void)c; (void)fs; (void)f;
    if (!o)
        return CK_EMIT;
    if (o->dir != pd->dir && (pd->chal.evidence || pd->after[o->dir] >= 2 ||
                              !(pd->flags & CK_PF_CHALLENGE)))
        return CK_EMIT;
    return CK_KEEP;
}

/* ------------------------------------------------------ per-direction state -- */

void ck_dir_update(sw_checks *c, ck_flow *fs, sw_flow *f, const sw_pkt_obs *o)
{
    (void)c;
    const sw_packet *p = o->pkt;
    ck_dir *s = &fs->d[o->dir];
    uint8_t fl = p->flags;
    if (o->ack_class == SW_ACK_OK)
        s->ack_up_ms = ck_ms(f, p->ts_us);
    /* an ACK of unsent data says nothing true about the receiver's window (and a
     * forged one must not move the edge that later injections are judged against) */
    if ((fl & SW_TH_ACK) && !(fl & SW_TH_RST) && o->ack_class != SW_ACK_UNSENT) {
        uint32_t w = ck_win(f, p, o->dir);
        uint32_t edge = p->ack + w;
        if (!s->has_edge || SEQ_GT(edge, s->edge_max))
            s->edge_max = edge;
        if (!s->edge_n || s->edges[s->edge_i] != edge) {
            s->edge_i = (uint8_t)((s->edge_i + 1) & 3);
            s->edges[s->edge_i] = edge;
            if (s->edge_n < 4)
                s->edge_n++;
        }
        if (!s->has_edge || w > s->wnd_max)
            s->wnd_max = w;
        s->has_edge = 1;
    }
    if (fl & SW_TH_RST)
        return;
    uint32_t plen = ck_payload(p);
    if (plen > 0 && !(o->hints & SW_SEG_KEEPALIVE)) {
        uint32_t dend = p->seq + ((fl & SW_TH_SYN) ? 1u : 0u) + plen;
        if (!s->has_data_hi || SEQ_GT(dend, s->data_hi))
            s->data_hi = dend;
        s->has_data_hi = 1;
    }
    if (fl & SW_TH_SYN) {
        s->decl_nxt = p->seq + 1 + ck_payload(p);
        s->has_decl = 1;
    } else if (ck_pure_ack(p)) {
        /* a window-edge sequence number below what it already sent says nothing
         * about its SND.NXT; nor does an old pure ACK that the capture shows late
         * (its ACK is below one this end already sent: it was sent before them) */
        int edge_form = s->has_decl && SEQ_LT(p->seq, s->decl_nxt) &&
                        ck_is_recent_edge(&fs->d[1 - o->dir], p->seq);
        int stale = s->has_decl && SEQ_LT(p->seq, s->decl_nxt) && ck_reordered(f, s, o);
        if (!(o->hints & (SW_SEG_KEEPALIVE | SW_SEG_ZWP)) && !edge_form && !stale) {
            s->decl_nxt = p->seq;
            s->has_decl = 1;
        }
    } else if (o->seg_len > 0 && !(o->hints & SW_SEG_KEEPALIVE)) {
        uint32_t end = p->seq + o->seg_len;
        if (!s->has_decl || SEQ_GT(end, s->decl_nxt))
            s->decl_nxt = end;
        s->has_decl = 1;
    }
}

/* ck_flow.emitted keeps one bit per event. */
_Static_assert(SW_EV_COUNT <= 32, "ck_flow.emitted is a uint32_t: at most 32 events");

/* ------------------------------------------------------------- validation -- */

const char *ck_flow_validate(const sw_checks *c, const ck_flow *fs)
{
    if (!fs)
        return NULL;
    uint32_t h = c->cfg.history_packets;
    if (h > CK_MAX_HISTORY)
        return "checks: history_packets above CK_MAX_HISTORY";
    if (fs->ring_n > h)
        return "checks: ring_n above history_packets";
    if (h ? fs->ring_head >= h : fs->ring_head != 0)
        return "checks: ring_head outside the ring";
    unsigned n = 0;
    for (const ck_pend *p = fs->pend; p; p = p->next) {
        if (++n > CK_MAX_PENDING)
            return "checks: more than CK_MAX_PENDING pending events";
        if (p->dir > 1)
            return "checks: pending event with a direction other than 0 or 1";
    }
    if (n != fs->npend)
        return "checks: npend is not the length of the pending list";
    if (fs->aux && fs->aux->nchain > CK_CHAIN_MAX)
        return "checks: nchain above CK_CHAIN_MAX";
    if (fs->aux && fs->aux->nstash > CK_FP_STASH)
        return "checks: nstash above CK_FP_STASH";
    for (int i = 0; i < 2; i++)
        if (fs->d[i].edge_n > 4)
            return "checks: edge_n above the 4 edges kept";
    return NULL;
}

#define CK_VALIDATE(c, fs) SW_VALIDATE_RUN(ck_flow_validate((c), (fs)))

/* --------------------------------------------------------------- observer -- */

static void ob_packet_run(sw_checks *c, ck_flow *fs, sw_flow *f, const sw_pkt_obs *o)
{
    ring_push(c, fs, o);
    pend_step(c, fs, f, o);
    if (ck_early_desync_owns(c, fs, f, o)) {
        ck_dir_update(c, fs, f, o);
        return;
    }
    ck_handshake_packet(c, fs, f, o);
    ck_reset_packet(c, fs, f, o);
    ck_window_packet(c, fs, f, o);
    ck_inject_packet(c, fs, f, o);        /* before the fingerprint baselines move */
    ck_fingerprint_packet(c, fs, f, o);
    ck_desync_packet(c, fs, f, o);
    ck_dir_update(c, fs, f, o);
}

static void ob_packet(void *ctx, const sw_pkt_obs *o)
{
    sw_checks *c = ctx;
    sw_flow *f = o->flow;
    if (!f || !o->pkt || (o->hints & SW_SEG_BAD_CSUM))
        return;
    ck_flow *fs = flow_get(c, f);
    if (!fs)
        return;
    ob_packet_run(c, fs, f, o);
    CK_VALIDATE(c, f->obs_state);
}

static void ob_conn_start(void *ctx, const sw_conn_obs *o)
{
    sw_checks *c = ctx;
    if (o->flow)
        (void)flow_get(c, o->flow);
}

static void finish_instance(sw_checks *c, ck_flow *fs, sw_flow *f, int all)
{
    ck_pend *pd = fs->pend;
    while (pd) {
        ck_pend *next = pd->next;
        if (all || !(pd->flags & CK_PF_ACROSS))
            ck_pend_finish(c, fs, f, pd);
        pd = next;
    }
}

/* The end mark of the instance fs describes, when it emitted events: at its end and
 * again when its flow is freed (events decided then for an instance that already
 * ended are followed by a mark too; a second mark finds nothing open). */
static void end_mark(sw_checks *c, ck_flow *fs, sw_flow *f)
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
    sw_flow *f = o->flow;
    ck_flow *fs = f ? f->obs_state : NULL;
    if (!fs)
        return;
    finish_instance(c, fs, f, 0);
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
    ck_flow *fs = flow_get(c, o->flow);
    if (fs)
        ck_overlap(c, fs, o->flow, o);
    CK_VALIDATE(c, o->flow->obs_state);
}

static void ob_stream(void *ctx, sw_flow *f, const sw_stream_chunk *ch)
{
    sw_checks *c = ctx;
    (void)f;
    if (c->fwd)
        c->fwd(c->fwd_user, ch);
}

static void ob_flow_free(void *ctx, sw_flow *f)
{
    sw_checks *c = ctx;
    ck_flow *fs = f->obs_state;
    if (!fs)
        return;
    finish_instance(c, fs, f, 1);
    stash_release(c, fs, 0);          /* (empty: every pending event was decided) */
    end_mark(c, fs, f);
    free(fs->aux);
    free(fs);
    f->obs_state = NULL;
}

void sw_checks_observer(sw_checks *c, sw_observer *out)
{
    memset(out, 0, sizeof *out);
    out->ctx = c;
    out->on_packet = ob_packet;
    out->on_conn_start = ob_conn_start;
    out->on_conn_end = ob_conn_end;
    out->on_overlap = ob_overlap;
    out->on_stream = ob_stream;
    out->on_flow_free = ob_flow_free;
    out->on_frag_overlap = ck_frag_overlap;
}
