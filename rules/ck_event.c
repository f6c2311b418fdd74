/*
 * ck_event.c — the event builder: identity fields from the packet or the flow key,
 * the ladder of the connection, evidence members and the ruled-out list.
 *
 * Invariants: an event begun with ck_event_begin has a draft (or -1 was returned,
 * counted as an allocation failure); the draft holds each key once, in the order it
 * was first set, at most CK_EV_FIELDS of them and CK_EV_STR bytes of strings (more:
 * it is rendered at once and the event goes on as JSON); a ruled-out name appears
 * once; the rendered JSON is what setting the members one by one gave.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "common/sw_assert.h"
#include "rules/ck_event.h"
#include "rules/evidence_keys.h"

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

/* ------------------------------------------------------------ key table -- */

#define EVK_U 'u'
#define EVK_I 'i'
#define EVK_S 's'
#define EVK_B 'b'
#define EVK_O 'o'
static const struct { const char *key; char kind; } evk_rows[] = {
#define EVK_ROW(event, key, kind) { #key, EVK_##kind },
    SW_EVIDENCE_KEYS(EVK_ROW)
#undef EVK_ROW
};

const char *ck_ev_key_validate(const char *key, char kind)
{
    for (size_t i = 0; i < sizeof evk_rows / sizeof evk_rows[0]; i++)
        if (evk_rows[i].kind == kind && strcmp(evk_rows[i].key, key) == 0)
            return NULL;
    return "checks: an evidence key (or its kind) missing from rules/evidence_keys.h";
}

/* ------------------------------------------------------------------ draft -- */

#define CK_EV_FIELDS 40          /* evidence members of one event (the most today: 30) */
#define CK_EV_RULED  12          /* ruled-out names */
#define CK_EV_STR    768         /* bytes of the string values */

enum { CKF_U = 1, CKF_I, CKF_S, CKF_B, CKF_O };

typedef struct ck_ev_field {
    const char *key;             /* a string literal of the check */
    uint8_t type;                /* CKF_* */
    union {
        uint64_t u;
        int64_t i;
        int b;
        uint16_t s;              /* offset in str */
        json_t *o;               /* owned */
    } v;
} ck_ev_field;

struct sw_ev_draft {
    uint8_t nf, nr;
    uint16_t str_used;
    uint8_t has_ladder;
    uint8_t mark_flags;
    uint32_t mark_seq;
    uint64_t mark_ts;
    ck_ev_field f[CK_EV_FIELDS];
    const char *ruled[CK_EV_RULED];   /* string literals of the checks */
    char str[CK_EV_STR];
    ck_ladder_snap ladder;            /* last: allocated with only the ladder.n entries
                                         the ring held */
};

void sw_ev_draft_free(struct sw_ev_draft *d)
{
    if (!d)
        return;
    for (unsigned i = 0; i < d->nf; i++)
        if (d->f[i].type == CKF_O)
            json_decref(d->f[i].v.o);
    free(d);
}

/* The slot of key in the draft (the same key replaces its value in place, as a
 * JSON object member would), or a new one; NULL when the draft is full. */
static ck_ev_field *draft_slot(struct sw_ev_draft *d, const char *key)
{
    for (unsigned i = 0; i < d->nf; i++) {
        if (d->f[i].key == key || strcmp(d->f[i].key, key) == 0) {
            if (d->f[i].type == CKF_O)
                json_decref(d->f[i].v.o);
            return &d->f[i];
        }
    }
    if (d->nf == CK_EV_FIELDS)
        return NULL;
    ck_ev_field *s = &d->f[d->nf++];
    s->key = key;
    return s;
}

static json_t *field_json(const struct sw_ev_draft *d, const ck_ev_field *x)
{
    switch (x->type) {
    case CKF_U: return json_integer((json_int_t)x->v.u);
    case CKF_I: return json_integer((json_int_t)x->v.i);
    case CKF_S: return json_string(d->str + x->v.s);
    case CKF_B: return json_boolean(x->v.b);
    case CKF_O: return json_incref(x->v.o);
    }
    return NULL;
}

int ck_ev_render(sw_event *ev)
{
    struct sw_ev_draft *d = ev->draft;
    if (!d)
        return 0;
    ev->draft = NULL;
    ev->evidence = json_object();
    ev->ruled_out = json_array();
    if (!ev->evidence || !ev->ruled_out) {
        sw_ev_draft_free(d);
        sw_event_clear(ev);
        return -1;
    }
    if (d->has_ladder)
        ev->packets = ck_ladder_render(&d->ladder, d->mark_ts, d->mark_seq, d->mark_flags);
    for (unsigned i = 0; i < d->nf; i++)
        json_object_set_new(ev->evidence, d->f[i].key, field_json(d, &d->f[i]));
    for (unsigned i = 0; i < d->nr; i++)
        json_array_append_new(ev->ruled_out, json_string(d->ruled[i]));
    sw_ev_draft_free(d);
    return 0;
}

/* The draft cannot take more: it becomes JSON now and the event goes on in JSON. */
static void draft_spill(sw_event *ev)
{
    (void)ck_ev_render(ev);
}

/* The draft's field for key, its kind set (the caller sets the value), or NULL: the
 * event has no draft, or its draft was full and the event went on as JSON. */
static ck_ev_field *draft_field(sw_event *ev, const char *key, uint8_t type)
{
    if (!ev->draft)
        return NULL;
    ck_ev_field *x = draft_slot(ev->draft, key);
    if (!x) {
        draft_spill(ev);
        return NULL;
    }
    x->type = type;
    return x;
}

json_t *ck_ev_get_o(const sw_event *ev, const char *key)
{
    const struct sw_ev_draft *d = ev->draft;
    if (!d)
        return ev->evidence ? json_object_get(ev->evidence, key) : NULL;
    for (unsigned i = 0; i < d->nf; i++)
        if (strcmp(d->f[i].key, key) == 0)
            return d->f[i].type == CKF_O ? d->f[i].v.o : NULL;
    return NULL;
}

/* ----------------------------------------------------------------- begin -- */

int ck_event_begin_mark(sw_checks *c, ck_flow *fs, const sw_flow *f, const sw_packet *p,
                        int dir, sw_event_id id, sw_event *ev,
                        uint64_t mark_ts, uint32_t mark_seq, uint8_t mark_flags)
{
    ck_event_ident(f, p, dir, id, ev);
    /* the ladder copy takes only the entries the ring holds */
    unsigned n = c->cfg.history_packets ? fs->ring_n : 0;
    if (n > CK_MAX_HISTORY)
        n = CK_MAX_HISTORY;
    struct sw_ev_draft *d = malloc(offsetof(struct sw_ev_draft, ladder) +
                                   offsetof(ck_ladder_snap, e) + n * sizeof(ck_hist));
    if (!d) {
        c->n_alloc_fail++;
        return -1;
    }
    d->nf = d->nr = 0;
    d->str_used = 0;
    d->has_ladder = 0;
    d->mark_ts = mark_ts;
    d->mark_seq = mark_seq;
    d->mark_flags = mark_flags;
    if (n) {
        ck_ladder_snap_take(c, fs, f, &d->ladder);
        d->has_ladder = 1;
    }
    ev->draft = d;
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
    SW_VALIDATE_RUN(ck_ev_key_validate(key, 'u'));
    ck_ev_field *x = draft_field(ev, key, CKF_U);
    if (x) {
        x->v.u = v;
        return;
    }
    if (ev->evidence)
        json_object_set_new(ev->evidence, key, json_integer((json_int_t)v));
}

void ck_ev_i(sw_event *ev, const char *key, int64_t v)
{
    SW_VALIDATE_RUN(ck_ev_key_validate(key, 'i'));
    ck_ev_field *x = draft_field(ev, key, CKF_I);
    if (x) {
        x->v.i = v;
        return;
    }
    if (ev->evidence)
        json_object_set_new(ev->evidence, key, json_integer((json_int_t)v));
}

void ck_ev_s(sw_event *ev, const char *key, const char *v)
{
    SW_VALIDATE_RUN(ck_ev_key_validate(key, 's'));
    if (!v)
        return;                       /* (as a JSON member: nothing set) */
    if (ev->draft) {
        struct sw_ev_draft *d = ev->draft;
        size_t n = strlen(v) + 1;
        if (n <= (size_t)(CK_EV_STR - d->str_used)) {
            ck_ev_field *x = draft_slot(d, key);
            if (x) {
                memcpy(d->str + d->str_used, v, n);
                x->type = CKF_S;
                x->v.s = d->str_used;
                d->str_used = (uint16_t)(d->str_used + n);
                return;
            }
        }
        draft_spill(ev);
    }
    if (ev->evidence)
        json_object_set_new(ev->evidence, key, json_string(v));
}

void ck_ev_b(sw_event *ev, const char *key, int v)
{
    SW_VALIDATE_RUN(ck_ev_key_validate(key, 'b'));
    ck_ev_field *x = draft_field(ev, key, CKF_B);
    if (x) {
        x->v.b = v;
        return;
    }
    if (ev->evidence)
        json_object_set_new(ev->evidence, key, json_boolean(v));
}

void ck_ev_o(sw_event *ev, const char *key, json_t *v)
{
    SW_VALIDATE_RUN(ck_ev_key_validate(key, 'o'));
    if (!v)
        return;
    ck_ev_field *x = draft_field(ev, key, CKF_O);
    if (x) {
        x->v.o = v;
        return;
    }
    if (ev->evidence)
        json_object_set_new(ev->evidence, key, v);
    else
        json_decref(v);
}

static void draft_ruled_out(sw_event *ev, const char *s)
{
    struct sw_ev_draft *d = ev->draft;
    for (unsigned i = 0; i < d->nr; i++)
        if (d->ruled[i] == s || strcmp(d->ruled[i], s) == 0)
            return;
    if (d->nr < CK_EV_RULED) {
        d->ruled[d->nr++] = s;
        return;
    }
    draft_spill(ev);
    if (ev->ruled_out)
        json_array_append_new(ev->ruled_out, json_string(s));
}

void ck_ruled_out(sw_event *ev, ...)
{
    va_list ap;
    va_start(ap, ev);
    const char *s;
    while ((s = va_arg(ap, const char *)) != NULL) {
        if (ev->draft) {
            draft_ruled_out(ev, s);
            continue;
        }
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

