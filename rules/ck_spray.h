/*
 * ck_spray.h — blind_spray: the count of far out-of-window RST / SYN / data segments
 * that the reset, handshake and window checks each find. Private to rules/.
 */
#ifndef SW_CK_SPRAY_H
#define SW_CK_SPRAY_H
#include "rules/ck_state.h"

/* Count an out-of-window RST/SYN/data segment for blind_spray (what: its kind). */
void ck_spray_count(struct sw_checks *c, ck_flow *fs, const sw_flow *f, const sw_pkt_obs *o,
                    const char *what);

#endif
