/*
 * ck_ring.h — the packet-history ring of a connection and the ladder it becomes in
 * an event (the last cfg.history_packets packets, the trigger marked). Private to
 * rules/; depends on ck_state.h only.
 */
#ifndef SW_CK_RING_H
#define SW_CK_RING_H
#include <jansson.h>
#include "rules/ck_state.h"

/* Enter the packet of o as the newest ring entry. */
void ck_ring_push(const struct sw_checks *c, ck_flow *fs, const sw_pkt_obs *o);

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
/* The ladder of the connection now, the entry matching mark_ts / mark_seq /
 * mark_flags marked as the trigger (mark_ts 0: none). NULL when the ring is off or
 * empty. New reference. */
json_t *ck_ladder(const struct sw_checks *c, const ck_flow *fs, const sw_flow *f,
                  uint64_t mark_ts, uint32_t mark_seq, uint8_t mark_flags);

#endif
