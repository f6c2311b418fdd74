/*
 * ck_ring.h — the packet-history ring of a connection and the ladder it becomes in
 * an event (the last cfg.history_packets packets, the trigger marked). Private to
 * rules/; depends on ck_state.h only.
 */
#ifndef SW_CK_RING_H
#define SW_CK_RING_H
#include <jansson.h>
#include "rules/ck_state.h"

/* Enter the packet of o as the newest ring entry (inline: once per packet). */
static inline void ck_ring_push(const struct sw_checks *c, ck_flow *fs, const sw_pkt_obs *o)
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

/* The packet just before the newest in the ring repeats it (same dir, seq, ack, len,
 * flags) within CK_DUP_CAPTURE_US: the sensor saw one segment twice. */
int ck_dup_capture(const struct sw_checks *c, const ck_flow *fs);

const char *ck_dir_name(int dir);
void ck_flags_str(uint8_t flags, char out[12]);

/* A copy of a connection's ladder, rendered later (possibly on another thread). */
typedef struct ck_ladder_snap {
    uint8_t  n;
    uint8_t  wshift[2];
    uint64_t last_us;
    ck_hist  e[CK_MAX_HISTORY];
} ck_ladder_snap;
void ck_ladder_snap_take(const struct sw_checks *c, const ck_flow *fs, const sw_flow *f,
                         ck_ladder_snap *s);
json_t *ck_ladder_render(const ck_ladder_snap *s, uint64_t mark_ts, uint32_t mark_seq,
                         uint8_t mark_flags);

#endif
