/*
 * host_tag.h — the host's tag per connection instance (sw_engine_feed2): a table from
 * seqwatch's flow_id to the tag of the last frame fed for that connection.
 */
#ifndef SW_HOST_TAG_H
#define SW_HOST_TAG_H

#include <stdint.h>

typedef struct sw_host_tags sw_host_tags;

/* cap: most entries held (one per live connection instance); 0 = 1 << 20. */
sw_host_tags *sw_host_tags_new(uint32_t cap);
void sw_host_tags_free(sw_host_tags *t);
/* Remember tag for flow_id (tag 0 removes). */
void sw_host_tags_set(sw_host_tags *t, uint64_t flow_id, uint64_t tag);
/* The tag of flow_id, or 0. */
uint64_t sw_host_tags_get(const sw_host_tags *t, uint64_t flow_id);
void sw_host_tags_del(sw_host_tags *t, uint64_t flow_id);
/* Entries refused because the table was at its cap. */
uint64_t sw_host_tags_refused(const sw_host_tags *t);

#endif
