/*
 * ck_event.c — the event builder: identity fields from the packet or the flow key,
 * the ladder of the connection, evidence members and the ruled-out list.
 *
 * Invariants: an event begun with ck_event_begin has evidence and ruled_out (or was
 * cleared and -1 returned, counted as an allocation failure); a ruled-out name
 * appears once.
 */
#include <stdarg.h>
#include <string.h>

#include "rules/ck_event.h"

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
    ev->packets = ck_ladder(c, fs, f, mark_ts, mark_seq, mark_flags);
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

