/*
 * offload.h — checksum mode auto: the hosts whose own outgoing TCP packets show the
 * checksum offload signature (the TCP checksum field holds the folded pseudo-header
 * sum that the NIC was to complete). Only their packets are taken without a valid
 * checksum. docs/decoding.md ("Checksums") says how auto decides and what it costs.
 */
#ifndef SW_OFFLOAD_H
#define SW_OFFLOAD_H
#include <stddef.h>
#include <stdint.h>
#include "detector/packet.h"
#include "seqwatch.h"

typedef struct sw_offload sw_offload;

sw_offload *sw_offload_new(uint32_t max_hosts, const uint8_t seed[16]);
void sw_offload_free(sw_offload *o);

/* Does the TCP checksum field of p (decoded as far as its TCP header) hold the
 * offload signature? */
int sw_offload_signature(const sw_packet *p);

/* p's sender showed the signature. If it is a learned offloading host, count it and
 * return 1. Otherwise, if may_add, learn it (return 1; 0 if the table is full, which
 * is counted); if not, return 0. */
int sw_offload_learn(sw_offload *o, const sw_packet *p, int may_add);

/* The hosts learned, in the order learned: returns their number; out[i] for i < max. */
size_t sw_offload_hosts(const sw_offload *o, sw_offload_host *out, size_t max);
uint64_t sw_offload_refused(const sw_offload *o);

#endif
