/*
 * fingerprint_cmp.c — does a packet come from its direction's real sender? Compares
 * it with what the checks know of that sender before it: the TTL baseline and the
 * source MAC (kept by check_fingerprint.c), whether it sends timestamps and its
 * clock, and the IPv4 ID sequence and raw window of its last packets judged its own
 * (kept here, ck_fp_learn). Used by data_injection (check_inject.c) and to label
 * the escalations' evidence.
 *
 * Marks are meant to be rare on one real sender: TTL off by 2 or more (a route flap
 * moves it by one), an IP ID more than 64 behind or 8192 ahead of a sender whose IDs
 * went up in small steps (a host-wide counter jumps with the host's other traffic),
 * TSval more than CK_TS_BACK_SLACK behind, timestamps missing, another MAC.
 *
 * Invariants: nothing is a mark without a baseline (three TTL packets, a MAC seen, a
 * TSval seen, three sequential IP ID steps); only deliverable packets that are not
 * foreign enter the IP ID / window fingerprint, so a forged packet never becomes
 * the baseline it is judged against.
 */
#include <stdio.h>
#include <string.h>

#include "rules/fingerprint_cmp.h"

#define FP_ID_STEP   64u      /* an IP ID step forward up to this is sequential */
#define FP_ID_BACK   64u      /* an ID this far behind the last is not reordering */
#define FP_ID_JUMP   8192u    /* an ID this far ahead is not the sender's counter */
#define FP_TTL_DIFF  2u       /* TTLs one apart are a route flap, not a mark */
#define FP_ID_SEQ    3u       /* sequential steps that make a sender "sequential" */
#define FP_WIN_RATIO 8u       /* raw windows this many times apart differ (weak mark) */

uint32_t ck_fp_diff(const ck_flow *fs, const sw_flow *f, const sw_pkt_obs *o)
{
    const sw_packet *p = o->pkt;
    const ck_dir *sd = &fs->d[o->dir & 1];
    uint32_t m = 0;
    if (sd->ttl_n >= CK_BASE_PKTS &&
        (p->ttl > sd->ttl_base ? p->ttl - sd->ttl_base : sd->ttl_base - p->ttl) >= (int)FP_TTL_DIFF)
        m |= CK_FP_TTL;
    if (p->has_mac && sd->has_mac && memcmp(p->src_mac, sd->mac, 6) != 0)
        m |= CK_FP_MAC;
    if (f->conn.ts_ok && sd->has_ts && !p->opt.has_ts && !(p->flags & SW_TH_RST))
        m |= CK_FP_TS_MISSING;
    if (p->opt.has_ts && sd->has_ts &&
        (int32_t)(p->opt.tsval - sd->tsval_max) < -(int32_t)CK_TS_BACK_SLACK)
        m |= CK_FP_TS_CLOCK;
    if (p->ip_version == 4 && sd->ip_id_seq >= FP_ID_SEQ) {
        uint16_t fwd = (uint16_t)(p->ip_id - sd->ip_id_last);
        uint16_t back = (uint16_t)(sd->ip_id_last - p->ip_id);
        if (fwd > 32768u ? back > FP_ID_BACK : fwd > FP_ID_JUMP)
            m |= CK_FP_IP_ID;
    }
    if (sd->fp_n >= 2 && !(p->flags & SW_TH_SYN)) {
        uint32_t a = p->window, b = sd->win_raw;
        if ((a + 1) > (b + 1) * FP_WIN_RATIO || (b + 1) > (a + 1) * FP_WIN_RATIO)
            m |= CK_FP_WINDOW;
    }
    return m;
}

int ck_fp_foreign(uint32_t marks)
{
    uint32_t s = marks & CK_FP_STRONG;
    return (s & (s - 1)) != 0;        /* two strong marks or more (no libgcc popcount call) */
}

static void mac_str(const uint8_t m[6], char out[18])
{
    snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

static json_t *mark(const char *name, json_t *seen, json_t *expected)
{
    return json_pack("{s:s,s:o,s:o}", "mark", name, "seen", seen ? seen : json_null(),
                     "expected", expected ? expected : json_null());
}

json_t *ck_fp_json(const ck_flow *fs, const sw_flow *f, const sw_packet *p, int dir,
                   uint32_t marks)
{
    (void)f;
    const ck_dir *sd = &fs->d[dir & 1];
    json_t *a = json_array();
    if (!a)
        return NULL;
    if (marks & CK_FP_TTL)
        json_array_append_new(a, mark("ttl", json_integer(p->ttl), json_integer(sd->ttl_base)));
    if (marks & CK_FP_MAC) {
        char x[18], y[18];
        mac_str(p->src_mac, x);
        mac_str(sd->mac, y);
        json_array_append_new(a, mark("mac", json_string(x), json_string(y)));
    }
    if (marks & CK_FP_TS_MISSING)
        json_array_append_new(a, mark("timestamps", json_string("none"),
                                      json_string("negotiated, sent on every segment")));
    if (marks & CK_FP_TS_CLOCK)
        json_array_append_new(a, mark("tsval", json_integer(p->opt.tsval),
                                      json_integer(sd->tsval_max)));
    if (marks & CK_FP_IP_ID)
        json_array_append_new(a, mark("ip_id", json_integer(p->ip_id),
                                      json_integer((uint16_t)(sd->ip_id_last + 1u))));
    if (marks & CK_FP_WINDOW)
        json_array_append_new(a, mark("window", json_integer(p->window),
                                      json_integer(sd->win_raw)));
    return a;
}

void ck_fp_learn(ck_flow *fs, const sw_pkt_obs *o)
{
    const sw_packet *p = o->pkt;
    ck_dir *sd = &fs->d[o->dir & 1];
    if (p->ip_version == 4) {
        uint16_t step = (uint16_t)(p->ip_id - sd->ip_id_last);
        if (sd->fp_n && step >= 1 && step <= FP_ID_STEP) {
            if (sd->ip_id_seq < UINT8_MAX)
                sd->ip_id_seq++;
        } else if (sd->fp_n && step != 0) {
            sd->ip_id_seq = 0;          /* random, per-destination or reset IDs */
        }
        sd->ip_id_last = p->ip_id;
    }
    if (!(p->flags & SW_TH_SYN))
        sd->win_raw = p->window;
    if (sd->fp_n < UINT8_MAX)
        sd->fp_n++;
}

json_t *ck_fp_names(uint32_t marks)
{
    static const char *const names[] = { "ttl", "mac", "timestamps", "tsval", "ip_id", "window" };
    json_t *a = json_array();
    for (unsigned i = 0; a && i < sizeof names / sizeof names[0]; i++)
        if (marks & (1u << i))
            json_array_append_new(a, json_string(names[i]));
    return a;
}
