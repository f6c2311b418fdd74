/*
 * eve_map.h — which seqwatch event an outside record means: Suricata's stream-event
 * signatures (gid 1, sid 2210000-2210066) and anomaly event names, and Snort 3's
 * stream_tcp rules (gid 129). The table is data (eve_map.c), listed in docs/schema.md.
 */
#ifndef SW_EVE_MAP_H
#define SW_EVE_MAP_H
#include <stddef.h>
#include <stdint.h>

typedef struct sw_eve_map_entry {
    uint32_t gid, sid;          /* the signature (gid 1 = Suricata, 129 = Snort 3 stream) */
    const char *name;           /* Suricata's stream-event name (no "stream." prefix), or
                                   Snort's rule message */
    const char *event;          /* the seqwatch event name */
} sw_eve_map_entry;

/* The seqwatch event of a signature, or NULL. */
const char *sw_eve_map_sid(uint32_t gid, uint32_t sid);
/* The seqwatch event of a Suricata anomaly/stream event name ("stream.NAME" or
 * "NAME", any case, at most 128 bytes), or NULL. */
const char *sw_eve_map_name(const char *name);
/* The whole table (for docs and tests). */
const sw_eve_map_entry *sw_eve_map_table(size_t *n);

#endif
