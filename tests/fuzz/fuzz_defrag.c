/*
 * fuzz_defrag.c — libFuzzer target for the IP defragmenter (detector/defrag.c). The
 * input's first byte picks the overlap policy and the VLAN mode; the rest is a series
 * of records [u16 big-endian length][u8 time step][length bytes], each an exact-size
 * heap copy decoded as a raw IPv4/IPv6 packet; every fragment goes to the
 * defragmenter (small caps, so eviction, the byte cap, the fragment cap and the
 * timeouts are all reached). Checks its promises: a completed datagram is a whole IP
 * packet within the output limits that decodes without reading outside itself, and
 * every overlap report points at bytes inside its range.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "detector/defrag.h"
#include "detector/packet.h"

static void on_ovl(void *u, const sw_frag_overlap_obs *o)
{
    volatile uint8_t x = 0;
    (void)u;
    if (o->len == 0 || o->offset + o->len > 65536u || o->kept > 2)
        abort();
    for (uint32_t i = 0; i < o->len; i++)   /* both versions readable (ASan) */
        x ^= (uint8_t)(o->old_bytes[i] ^ o->new_bytes[i]);
    (void)x;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    sw_defrag_config c;
    memset(&c, 0, sizeof c);
    c.policy = data[0] % 6;
    c.vlan_aware = (data[0] >> 3) & 1;
    c.max_contexts = 8;
    c.memcap = 8192;
    c.max_fragments = 16;
    c.timeout_v4_s = 30;
    c.timeout_v6_s = 60;
    sw_defrag *d = sw_defrag_new(&c, on_ovl, NULL);
    if (!d)
        return 0;
    uint64_t ts = 1000000;
    size_t pos = 1;
    while (pos + 3 <= size) {
        uint32_t n = (uint32_t)(data[pos] << 8 | data[pos + 1]);
        ts += (uint64_t)data[pos + 2] * 500000u;       /* up to 127 s per step */
        pos += 3;
        if (n > size - pos)
            n = (uint32_t)(size - pos);
        uint8_t *f = malloc(n ? n : 1);
        if (!f)
            break;
        memcpy(f, data + pos, n);
        pos += n;
        sw_packet p;
        if (sw_decode(&p, 101, ts, f, n, n, 0) == SW_DEC_FRAGMENT) {
            const uint8_t *dg;
            uint32_t len = 0, nf = 0;
            if (sw_defrag_add(d, &p, &dg, &len, &nf)) {
                if (len < 20 || len > 512 + 65536 || nf == 0 || nf > 16)
                    abort();
                uint8_t *copy = malloc(len);
                if (!copy)
                    abort();
                memcpy(copy, dg, len);
                sw_packet q;
                sw_decode_result r = sw_decode(&q, (copy[0] >> 4) == 6 ? 229 : 228, ts, copy,
                                               len, len, 1);
                if ((int)r < 0 || r >= SW_DEC_NRESULTS)   /* may be a fragment again (nested) */
                    abort();
                free(copy);
            }
        }
        free(f);
    }
    sw_defrag_expire(d, ts + 120000000u);
    sw_defrag_counters k;
    sw_defrag_counters_get(d, &k);
    if (k.active != 0 || k.mem_peak > 8192)
        abort();
    sw_defrag_free(d);
    return 0;
}
