/*
 * check_spray.c — blind_spray: a burst of segments far outside the receiver's window
 * (RSTs, SYNs, data), as a blind attacker sends to hit an unknown sequence number.
 * The other checks count each such segment here (ck_spray_count); spray_count of
 * them within spray_ms is one blind_spray.
 *
 * Invariants: one blind_spray per burst (spray_on), a burst ends after a quiet gap
 * of spray_ms; no allocation.
 */
#include "rules/ck_spray.h"
#include "rules/ck_event.h"
#include "rules/ck_emit.h"


void ck_spray_count(sw_checks *c, ck_flow *fs, const sw_flow *f, const sw_pkt_obs *o, const char *what)
{
    uint32_t now = ck_ms(f, o->pkt->ts_us);
    uint32_t win = c->cfg.tun.spray_ms;
    if (!fs->spray_n || now - fs->spray_last_ms > win) {
        fs->spray_on = 0;                 /* a quiet gap: a new burst */
        fs->spray_start_ms = now;
        fs->spray_n = 0;
    } else if (now - fs->spray_start_ms > win) {
        fs->spray_start_ms = now;         /* the same burst, a new counting window */
        fs->spray_n = 0;
    }
    fs->spray_last_ms = now;
    if (fs->spray_n < UINT16_MAX)
        fs->spray_n++;
    if (fs->spray_n < c->cfg.tun.spray_count || fs->spray_on)
        return;
    fs->spray_on = 1;
    sw_event ev;
    if (ck_event_begin(c, fs, f, o->pkt, o->dir, SW_EV_BLIND_SPRAY, &ev) == 0) {
        ck_ev_u(&ev, "segments", fs->spray_n);
        ck_ev_u(&ev, "interval_ms", now - fs->spray_start_ms);
        ck_ev_u(&ev, "spray_count", c->cfg.tun.spray_count);
        ck_ev_u(&ev, "spray_ms", win);
        ck_ev_s(&ev, "last_kind", what);
        ck_ev_u(&ev, "rcv_nxt", o->rcv_nxt);
        ck_ev_u(&ev, "rcv_wnd", o->rcv_wnd);
        ck_ruled_out(&ev, "sensor_loss", "retransmission", NULL);
        ck_emit(c, fs, f, &ev);
    }
}
