/*
 * flow.h — the flow table: TCP flows keyed by (addresses, ports, VLANs) in both
 * directions at once, found with a keyed hash (random seed per run), expired by
 * packet time per TCP state, capped at max_flows with eviction of the stalest.
 */
#ifndef SW_FLOW_H
#define SW_FLOW_H
#include <stdint.h>
#include <stddef.h>
#include "detector/packet.h"
#include "detector/tcp_conn.h"

/* Canonical bidirectional key: endpoint 0 is the one that sorts lower by
 * (address bytes, port), so both directions of a flow give the same key.
 * IPv4 addresses occupy the first 4 bytes, the rest are zero. */
typedef struct sw_flow_key {
    uint8_t  addr[2][16];
    uint16_t port[2];
    uint16_t vlan[2];
    uint8_t  ip_version;
    uint8_t  nvlan;
    uint8_t  pad[2];
} sw_flow_key;

struct sw_reasm_dir;

/* Timeout classes: a flow sits on the LRU list of its class. */
typedef enum sw_flow_tclass {
    SW_FLOW_T_EMBRYONIC = 0,  /* handshake not complete */
    SW_FLOW_T_ESTABLISHED,
    SW_FLOW_T_CLOSING,        /* FIN/RST seen, TIME_WAIT */
    SW_FLOW_T_COUNT
} sw_flow_tclass;

typedef struct sw_flow {
    sw_flow_key key;                      /* 44 bytes */
    uint32_t hash;                        /* low 32 bits of the keyed hash (fills the
                                             key's tail to 8-byte alignment) */
    struct sw_flow *chain_next;           /* hash bucket chain */
    struct sw_flow *lru_prev, *lru_next;  /* list of its timeout class, oldest first */
    uint64_t last_us;                     /* packet time of the last packet */
    uint64_t first_us;                    /* packet time of the first (the checks' clock) */
    sw_tcp_conn conn;                     /* the current connection instance */
    struct sw_reasm_dir *rdir[2];         /* reassembly per direction (lazily created) */
    void    *obs_state;                   /* owned by the observer (checks), freed through it */
    uint64_t last_frame;                  /* frame number of the last packet (0: unknown) */
    uint8_t  tclass;                      /* sw_flow_tclass */
    uint8_t  csum_ok[2];                  /* key endpoint sent a packet whose checksum
                                             verified (checksum mode auto) */
    /* the three bytes above share the last 8-byte word; a new field goes there (5
     * bytes are left) or costs 8 bytes per flow (sizeof is 344 on x86-64) */
} sw_flow;

typedef struct sw_flow_table sw_flow_table;

typedef struct sw_flow_table_config {
    uint32_t max_flows;
    uint8_t  seed[16];
    uint32_t timeout[SW_FLOW_T_COUNT];   /* seconds per class */
} sw_flow_table_config;

/* Called for every flow leaving the table (timeout, eviction, flush) before it is
 * freed; why is SW_CONN_TIMED_OUT, SW_CONN_EVICTED or SW_CONN_OPEN (flush). */
typedef void (*sw_flow_release_fn)(void *user, sw_flow *f, int why);

sw_flow_table *sw_flow_table_new(const sw_flow_table_config *cfg,
                                 sw_flow_release_fn release, void *user);
void sw_flow_table_free(sw_flow_table *t);   /* releases every flow (why = SW_CONN_OPEN) */

/* Build the canonical key of a decoded packet; *dir_ep is set to the key endpoint
 * (0 or 1) that sent the packet. */
void sw_flow_key_from_packet(sw_flow_key *k, int *src_ep, const sw_packet *p);

/* Find the flow of key, or NULL. */
sw_flow *sw_flow_lookup(sw_flow_table *t, const sw_flow_key *k);
/* Create a flow (evicting the stalest if at the cap). Never NULL unless out of memory. */
sw_flow *sw_flow_create(sw_flow_table *t, const sw_flow_key *k, uint64_t now_us);
/* Record activity: moves the flow to the tail of its class list. */
void sw_flow_touch(sw_flow_table *t, sw_flow *f, uint64_t now_us);
void sw_flow_set_class(sw_flow_table *t, sw_flow *f, sw_flow_tclass c);
/* Expire flows idle past their class timeout at packet time now_us. Returns count. */
size_t sw_flow_expire(sw_flow_table *t, uint64_t now_us);
/* Remove and release one flow now. */
void sw_flow_remove(sw_flow_table *t, sw_flow *f, int why);
/* Release every flow (end of run). */
void sw_flow_flush(sw_flow_table *t);

typedef struct sw_flow_counters {
    uint64_t created, active, evicted_cap, timed_out, removed;
} sw_flow_counters;
void sw_flow_table_counters(const sw_flow_table *t, sw_flow_counters *c);
/* Bytes held by the table itself: flow slots allocated so far plus the bucket array. */
size_t sw_flow_table_mem(const sw_flow_table *t);

/* Check the table's invariants (see flow.c): every live flow on exactly one hash
 * chain (its bucket's) and one LRU list (its class's), each list ordered by last_us,
 * slots accounted, the recent-flow cache holding live flows. NULL when they hold,
 * else a static string naming the first broken one. SW_VALIDATE builds run it after
 * operations (common/sw_assert.h). */
const char *sw_flow_table_validate(const sw_flow_table *t);

/* Keyed 64-bit hash (SipHash-2-4 through libsodium) of arbitrary bytes. */
uint64_t sw_keyed_hash(const uint8_t seed[16], const void *data, size_t len);

#endif
