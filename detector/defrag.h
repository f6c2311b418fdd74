/*
 * defrag.h — IP defragmentation (IPv4, and IPv6 fragment headers) between decode and
 * the flow table. Fragments are collected per datagram (source, destination,
 * identification, IPv4 protocol, VLAN tags) in a fixed pool; a datagram that is
 * complete comes back as one contiguous IP packet to be decoded once. Overlaps are
 * resolved by the receiver's policy (sw_frag_policy) and reported with both versions
 * of the bytes.
 */
#ifndef SW_DEFRAG_H
#define SW_DEFRAG_H
#include <stdint.h>
#include "detector/packet.h"
#include "seqwatch.h"

typedef struct sw_defrag sw_defrag;

typedef struct sw_defrag_config {
    int      policy;                 /* sw_frag_policy */
    uint32_t max_contexts;           /* datagrams held at once */
    uint64_t memcap;                 /* bytes of fragment data held (in 512-byte blocks) */
    uint32_t max_fragments;          /* fragments kept per datagram */
    uint32_t timeout_v4_s, timeout_v6_s;   /* from the first fragment, packet time */
    int      vlan_aware;             /* VLAN tags are part of the key */
    uint8_t  seed[16];               /* hash key */
} sw_defrag_config;

/* Overlapping fragments with different bytes. Pointers valid during the call only. */
typedef struct sw_frag_overlap_obs {
    const sw_packet *pkt;            /* the fragment that overlapped */
    uint8_t  ip_version;
    const uint8_t *src_ip, *dst_ip;
    uint32_t id;
    uint8_t  proto;
    uint8_t  have_ports;             /* the first fragment (offset 0) was seen: ports known */
    uint16_t sport, dport;
    int      policy;                 /* sw_frag_policy */
    uint32_t offset, len;            /* overlapping range in the datagram's data */
    const uint8_t *old_bytes;        /* the bytes held before (len bytes) */
    const uint8_t *new_bytes;        /* the new fragment's bytes for the range */
    uint32_t old_frag_off, old_frag_len;   /* the fragment held before */
    uint32_t new_frag_off, new_frag_len;   /* the new fragment */
    uint32_t bytes_differing;
    uint8_t  kept;                   /* 0 the old bytes, 1 the new bytes, 2 neither: the
                                        datagram was dropped (linux policy) */
    uint64_t first_us;               /* time of the datagram's first fragment */
} sw_frag_overlap_obs;

typedef void (*sw_frag_overlap_fn)(void *user, const sw_frag_overlap_obs *o);

typedef struct sw_defrag_counters {
    uint64_t reassembled, timed_out, evicted, too_many, overlaps, overlap_mismatches,
             overlap_drops, duplicates, invalid, cut, tiny_tcp, not_tcp, mem_peak, active;
} sw_defrag_counters;

/* NULL on allocation failure. Everything is allocated here, never per packet. */
sw_defrag *sw_defrag_new(const sw_defrag_config *cfg, sw_frag_overlap_fn fn, void *user);
void sw_defrag_free(sw_defrag *d);

/* Take one fragment (a view sw_decode returned SW_DEC_FRAGMENT for). Returns 1 when
 * it completed its datagram: *out then holds the whole IP packet (header with the
 * fragment fields cleared, then the data), *outlen bytes, valid until the next call,
 * and *nfrags the number of fragments kept. Returns 0 otherwise. */
int sw_defrag_add(sw_defrag *d, const sw_packet *p, const uint8_t **out, uint32_t *outlen,
                  uint32_t *nfrags);

/* Drop the contexts whose timeout has passed at packet time now_us. */
void sw_defrag_expire(sw_defrag *d, uint64_t now_us);

void sw_defrag_counters_get(const sw_defrag *d, sw_defrag_counters *c);

/* "linux", "first", ...; -1 / NULL for an unknown one. */
int sw_frag_policy_parse(const char *s);
const char *sw_frag_policy_name(int policy);

#endif
