/*
 * fuzz_decode.c — libFuzzer target for sw_decode(): the input is decoded as a frame
 * of every supported link type, with checksum verification on and off. The frame is
 * an exact-size heap copy so any read past caplen is caught by ASan. Checks the
 * decoder's own promises: a known result, and for SW_DEC_TCP every pointer and length
 * inside the frame. sw_decode_endpoints (the dispatch's read) must give what sw_decode
 * gives: the same addresses and ports, none where decoding fails below TCP.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "detector/packet.h"

static const int link_types[] = { 1, 113, 276, 101, 12, 14, 228, 229, 0, 108 };

static void check(const sw_packet *p, sw_decode_result r, const uint8_t *f, uint32_t n)
{
    if ((int)r < 0 || r >= SW_DEC_NRESULTS)
        abort();
    if (r != SW_DEC_TCP)
        return;
    if (!p->tcp_hdr || p->tcp_hdr < f || p->tcp_hdr + p->tcp_hlen > f + n)
        abort();
    if (p->payload < f || p->payload + p->payload_len > f + n)
        abort();
    if (p->payload_len > p->payload_wire_len || p->tcp_hlen < 20)
        abort();
    if (p->opt.nsack > SW_MAX_SACK || p->sport == 0 || p->dport == 0)
        abort();
    if (p->ip_version != 4 && p->ip_version != 6)
        abort();
    if (p->snap_truncated != (p->payload_len < p->payload_wire_len))
        abort();
}

/* The endpoints agree with the full decode (verify off) of the same frame. */
static void check_endpoints(int lt, const uint8_t *f, uint32_t n, uint32_t wire)
{
    sw_packet p;
    sw_endpoints ep;
    sw_decode_result full = sw_decode(&p, lt, 0, f, n, wire, 0);
    sw_decode_result r = sw_decode_endpoints(&ep, lt, f, n, wire);
    int tcp_layer = full >= SW_DEC_ERR_TCP_TRUNCATED && full <= SW_DEC_ERR_TCP_BAD_PORT;
    if (full == SW_DEC_TCP || full == SW_DEC_NOT_TCP || full == SW_DEC_FRAGMENT || tcp_layer) {
        if (ep.src != p.src_ip || ep.dst != p.dst_ip || ep.ip_version != p.ip_version)
            abort();
        if ((full == SW_DEC_TCP || full == SW_DEC_ERR_TCP_BAD_PORT) &&
            (r != SW_DEC_TCP || ep.sport != p.sport || ep.dport != p.dport))
            abort();
        if (!tcp_layer && full != SW_DEC_TCP && (r != full || ep.sport || ep.dport))
            abort();
    } else if (r != full || ep.src || ep.dst || ep.sport || ep.dport) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *f;
    uint32_t n, wire;
    size_t i;
    if (size > 70000)
        return 0;
    n = (uint32_t)size;
    f = malloc(n ? n : 1);
    if (!f)
        return 0;
    if (n)
        memcpy(f, data, n);
    /* the last input byte also decides how much longer the frame was on the wire,
     * so snap-length cuts are explored too */
    wire = n + (n ? data[n - 1] % 4 * 37 : 0);
    for (i = 0; i < sizeof link_types / sizeof *link_types; i++) {
        for (int verify = 0; verify <= 1; verify++) {
            sw_packet p;
            sw_decode_result r = sw_decode(&p, link_types[i], 0, f, n, n, verify);
            check(&p, r, f, n);
            r = sw_decode(&p, link_types[i], 0, f, n, wire, verify);
            check(&p, r, f, n);
        }
        check_endpoints(link_types[i], f, n, n);
        check_endpoints(link_types[i], f, n, wire);
    }
    free(f);
    return 0;
}
