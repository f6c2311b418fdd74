/*
 * fuzz_engine.c — libFuzzer target for the whole engine fed a sequence of frames, so
 * the flow table, the TCP tracker, reassembly, the checks and the rule engine are
 * fuzzed with state. One engine per input (small caps: 6 flows, 24 KiB of stream
 * memory, short timeouts) so evictions, memcap pressure and timeouts happen within
 * a few hundred bytes of input.
 *
 * Input format (everything optional; the input simply ends):
 *   byte 0   config: bit0 verify checksums, bit1 anomaly records, bit2 no ladder
 *            history, bits4-5 link type of raw records (Ethernet, raw IP, SLL, SLL2)
 *   records  tag byte T, then:
 *     T < 0xE0  a segment the harness builds on one of four connections (three
 *               IPv4, one IPv6; raw IP link type, correct checksums unless the
 *               options ask for a bad one). T: bits0-1 connection, bit2 direction
 *               (1 = server to client), bit3 "attacker" (other TTL), bit4 an option
 *               byte follows, bits5-7 time step. Then flags(1), seq offset (3,
 *               signed, from the sender's ISN), ack offset (3, signed, from the
 *               peer's ISN), window(2), payload length(1), [options(1) + their
 *               bytes], payload (from the input; cut short when it ends).
 *     T >= 0xE0 a raw frame of the config's link type: bits0-2 time step, length
 *               (2, at most 4096), the frame bytes.
 *   Time steps: 0, 1 ms, 10 ms, 200 ms, 2 s, 20 s, 6 = one second BACKWARDS
 *   (timestamps that go back must not break anything), and for raw records also
 *   7 = 400 s (past every timeout).
 *
 * Checked besides the sanitizers: every alert's JSON parses as an object whose
 * alert_id and event match the callback's fields; stream chunks point at readable
 * bytes; flows_active <= max_flows and stream memory <= memcap at every step; after
 * the flush no stream memory is held.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "seqwatch.h"

#define MAX_FLOWS   6
#define MEMCAP      (24u << 10)
#define FLOW_CAP    (12u << 10)
#define RAW_MAX     4096
#define MAX_RECORDS 2000

static const int raw_links[4] = { SW_LINK_ETHERNET, SW_LINK_RAW, SW_LINK_LINUX_SLL, SW_LINK_LINUX_SLL2 };
/* time steps: segments use 0..6, raw records 0..7 */
static const int64_t steps_us[8] = { 0, 1000, 10000, 200000, 2000000, 20000000, -1000000, 400000000 };

typedef struct rd {
    const uint8_t *p;
    size_t n;
} rd;

static int get(rd *r, size_t k, const uint8_t **out)
{
    if (r->n < k)
        return 0;
    *out = r->p;
    r->p += k;
    r->n -= k;
    return 1;
}

static uint32_t be(const uint8_t *b, int k)
{
    uint32_t v = 0;
    for (int i = 0; i < k; i++)
        v = v << 8 | b[i];
    return v;
}

static void put16(uint8_t *b, uint32_t v) { b[0] = (uint8_t)(v >> 8); b[1] = (uint8_t)v; }
static void put32(uint8_t *b, uint32_t v) { put16(b, v >> 16); put16(b + 2, v); }

static uint32_t csum_add(uint32_t s, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        s += (uint32_t)b[i] << 8 | b[i + 1];
    if (n & 1)
        s += (uint32_t)b[n - 1] << 8;
    return s;
}

static uint16_t csum_fold(uint32_t s)
{
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

/* the four connections: client address/port, server address/port, ISNs */
typedef struct conn {
    int v6;
    uint8_t ip[2][16];
    uint16_t port[2];
    uint32_t isn[2];
    uint32_t tsval[2];
} conn;

static void conns_init(conn c[4])
{
    memset(c, 0, 4 * sizeof *c);
    for (int i = 0; i < 4; i++) {
        c[i].port[0] = (uint16_t)(40000 + i);
        c[i].port[1] = i == 3 ? 443 : 80;
        c[i].isn[0] = 0xfffff000u + (uint32_t)i * 0x10000u;  /* wraps soon */
        c[i].isn[1] = 0x7fff0000u + (uint32_t)i * 0x777u;
        c[i].tsval[0] = 1000u * (uint32_t)(i + 1);
        c[i].tsval[1] = 0xfffffff0u;                        /* wraps soon */
        if (i == 3) {
            c[i].v6 = 1;
            c[i].ip[0][0] = 0x20; c[i].ip[0][1] = 0x01; c[i].ip[0][2] = 0x0d; c[i].ip[0][3] = 0xb8;
            memcpy(c[i].ip[1], c[i].ip[0], 16);
            c[i].ip[0][15] = 1;
            c[i].ip[1][15] = 0x64;
        } else {
            c[i].ip[0][0] = 10; c[i].ip[0][3] = (uint8_t)(1 + i);
            c[i].ip[1][0] = 10; c[i].ip[1][3] = 100;
        }
    }
}

/* Build a segment record into f (LINKTYPE_RAW). Returns the frame length, 0 when the
 * input ended inside the fixed part. */
static uint32_t build_segment(rd *r, uint8_t tag, conn *cs, uint8_t *f)
{
    const uint8_t *b;
    if (!get(r, 12, &b))
        return 0;
    conn *c = &cs[tag & 3];
    int dir = tag >> 2 & 1, attacker = tag >> 3 & 1;
    uint8_t flags = b[0];
    int32_t soff = (int32_t)(be(b + 1, 3) << 8) >> 8;
    int32_t aoff = (int32_t)(be(b + 4, 3) << 8) >> 8;
    uint16_t win = (uint16_t)be(b + 7, 2);
    uint32_t plen = b[9] | (uint32_t)(b[10] & 3) << 8;   /* up to 1023 */
    uint8_t urg_lo = b[11];

    uint8_t opt[40];
    size_t olen = 0;
    int bad_csum = 0;
    if (tag & 0x10) {
        const uint8_t *o;
        if (get(r, 1, &o)) {
            uint8_t ob = o[0];
            const uint8_t *v;
            if (ob & 1) { opt[olen++] = 2; opt[olen++] = 4; put16(opt + olen, 1460); olen += 2; }
            if ((ob & 2) && get(r, 1, &v)) {
                opt[olen++] = 1; opt[olen++] = 3; opt[olen++] = 3; opt[olen++] = (uint8_t)(v[0] & 15);
            }
            if (ob & 4) { opt[olen++] = 1; opt[olen++] = 1; opt[olen++] = 4; opt[olen++] = 2; }
            if (ob & 8) {
                /* timestamps: the sender's clock moves on; tsecr echoes the peer's */
                const uint8_t *j;
                uint32_t step = get(r, 1, &j) ? j[0] : 1;
                c->tsval[dir] += step;
                opt[olen++] = 1; opt[olen++] = 1; opt[olen++] = 8; opt[olen++] = 10;
                put32(opt + olen, (ob & 0x40) ? c->tsval[dir] - 0x40000000u : c->tsval[dir]);
                put32(opt + olen + 4, c->tsval[!dir]);
                olen += 8;
            }
            if ((ob & 0x10) && get(r, 4, &v)) {
                uint32_t left = c->isn[!dir] + (uint32_t)be(v, 2), right = left + be(v + 2, 2);
                opt[olen++] = 1; opt[olen++] = 1; opt[olen++] = 5; opt[olen++] = 10;
                put32(opt + olen, left);
                put32(opt + olen + 4, right);
                olen += 8;
            }
            if ((ob & 0x20) && get(r, 1, &v)) {   /* a raw, possibly malformed, option */
                opt[olen++] = v[0];
                if (olen < sizeof opt && get(r, 1, &v))
                    opt[olen++] = v[0];
            }
            bad_csum = ob >> 7;
            while (olen % 4)
                opt[olen++] = 0;
        }
    }
    if (plen > r->n)
        plen = (uint32_t)r->n;
    const uint8_t *pay = r->p;
    r->p += plen;
    r->n -= plen;

    size_t ihl = c->v6 ? 40 : 20, thl = 20 + olen;
    uint32_t tot = (uint32_t)(ihl + thl + plen);
    uint8_t *ip = f, *th = f + ihl;
    memset(f, 0, ihl + thl);
    if (c->v6) {
        ip[0] = 0x60;
        put16(ip + 4, (uint32_t)(thl + plen));
        ip[6] = 6;
        ip[7] = attacker ? 47 : 64;
        memcpy(ip + 8, c->ip[dir], 16);
        memcpy(ip + 24, c->ip[!dir], 16);
    } else {
        ip[0] = 0x45;
        put16(ip + 2, tot);
        put16(ip + 4, (uint32_t)(urg_lo * 7u));
        ip[6] = 0x40;
        ip[8] = attacker ? 47 : 64;
        ip[9] = 6;
        memcpy(ip + 12, c->ip[dir], 4);
        memcpy(ip + 16, c->ip[!dir], 4);
        put16(ip + 10, csum_fold(csum_add(0, ip, 20)));
    }
    put16(th, c->port[dir]);
    put16(th + 2, c->port[!dir]);
    put32(th + 4, c->isn[dir] + (uint32_t)soff);
    put32(th + 8, c->isn[!dir] + (uint32_t)aoff);
    th[12] = (uint8_t)(thl / 4 << 4);
    th[13] = flags;
    put16(th + 14, win);
    put16(th + 18, (flags & 0x20) ? urg_lo : 0);
    memcpy(th + 20, opt, olen);
    memcpy(th + thl, pay, plen);
    /* TCP checksum over the pseudo header */
    uint8_t ph[40];
    size_t phl;
    if (c->v6) {
        memcpy(ph, c->ip[dir], 16);
        memcpy(ph + 16, c->ip[!dir], 16);
        put32(ph + 32, (uint32_t)(thl + plen));
        put32(ph + 36, 6);
        phl = 40;
    } else {
        memcpy(ph, c->ip[dir], 4);
        memcpy(ph + 4, c->ip[!dir], 4);
        ph[8] = 0;
        ph[9] = 6;
        put16(ph + 10, (uint32_t)(thl + plen));
        phl = 12;
    }
    uint16_t sum = csum_fold(csum_add(csum_add(0, ph, phl), th, thl + plen));
    put16(th + 16, bad_csum ? (uint16_t)(sum ^ 0x5a5a) : sum);
    return tot;
}

static int verbose = -1;   /* SW_FUZZ_VERBOSE=1: print alerts and counters (seed checks) */

static void on_alert(void *user, const sw_alert *a)
{
    (void)user;
    if (verbose > 0)
        fprintf(stderr, "alert %s (%s)\n", a->event, a->event_type);
    json_error_t e;
    json_t *doc = json_loads(a->json, 0, &e);
    if (!json_is_object(doc))
        abort();
    const char *id = json_string_value(json_object_get(doc, "alert_id"));
    const char *et = json_string_value(json_object_get(doc, "event_type"));
    if (!id || strcmp(id, a->alert_id) != 0 || !et || strcmp(et, a->event_type) != 0)
        abort();
    if (!a->event || !a->event[0] || a->severity < 1 || a->severity > 3)
        abort();
    json_decref(doc);
}

static volatile uint32_t sink;

static void on_stream(void *user, const sw_stream_chunk *c)
{
    (void)user;
    if (c->dir != 0 && c->dir != 1)
        abort();
    if (c->kind == SW_STREAM_DATA) {
        if (!c->data || !c->len)
            abort();
        uint32_t s = 0;
        for (uint32_t i = 0; i < c->len; i += 61)
            s += c->data[i];
        s += c->data[c->len - 1];
        sink += s;
    }
}

static void check_caps(const sw_engine *e)
{
    sw_stats st;
    sw_engine_get_stats(e, &st);
    if (st.flows_active > MAX_FLOWS || st.stream_mem_in_use > MEMCAP || st.stream_mem_peak > MEMCAP)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > (1u << 18))
        return 0;
    if (verbose < 0)
        verbose = getenv("SW_FUZZ_VERBOSE") && atoi(getenv("SW_FUZZ_VERBOSE")) > 0;
    uint8_t cfgb = data[0];
    sw_config cfg;
    sw_config_init(&cfg);
    cfg.max_flows = MAX_FLOWS;
    cfg.seed_set = 1;                 /* reproducible: a crash replays the same way */
    memset(cfg.hash_seed, 0x5e, sizeof cfg.hash_seed);
    cfg.timeout_syn = 5;
    cfg.timeout_established = 300;
    cfg.timeout_closing = 10;
    cfg.checksum = (cfgb & 1) ? SW_CHECKSUM_ON : SW_CHECKSUM_OFF;
    cfg.stream_memcap = MEMCAP;
    cfg.stream_flow_cap = FLOW_CAP;
    cfg.retain_seconds = 3;
    cfg.retain_bytes = 4096;
    cfg.anomalies = cfgb >> 1 & 1;
    cfg.history_packets = (cfgb & 4) ? 0 : 8;
    cfg.sensor_name = "fuzz";
    int rawlink = raw_links[cfgb >> 4 & 3];

    char err[256];
    sw_engine *e = sw_engine_new(&cfg, err, sizeof err);
    if (!e)
        abort();
    sw_engine_set_alert_cb(e, on_alert, NULL);
    sw_engine_set_stream_cb(e, on_stream, NULL);

    conn cs[4];
    conns_init(cs);
    rd r = { data + 1, size - 1 };
    uint64_t ts = 1700000000000000ull;
    uint8_t *f = malloc(RAW_MAX);
    if (!f)
        abort();
    const uint8_t *t;
    for (int nrec = 0; nrec < MAX_RECORDS && get(&r, 1, &t); nrec++) {
        uint8_t tag = t[0];
        int link;
        uint32_t len;
        if (tag < 0xE0) {
            ts += (uint64_t)steps_us[tag >> 5];
            link = SW_LINK_RAW;
            len = build_segment(&r, tag, cs, f);
            if (!len)
                break;
        } else {
            const uint8_t *lb;
            ts += (uint64_t)steps_us[tag & 7];
            if (!get(&r, 2, &lb))
                break;
            len = be(lb, 2) % (RAW_MAX + 1);
            if (len > r.n)
                len = (uint32_t)r.n;
            memcpy(f, r.p, len);
            r.p += len;
            r.n -= len;
            link = rawlink;
        }
        /* an exact-size copy, so a read past the frame is caught */
        uint8_t *fr = malloc(len ? len : 1);
        if (!fr)
            abort();
        memcpy(fr, f, len);
        if (sw_engine_feed(e, link, ts, fr, len, len + (tag & 0x80 ? tag % 3 * 100u : 0)) != 0)
            abort();
        free(fr);
        check_caps(e);
    }
    free(f);
    sw_engine_flush(e);
    sw_stats st;
    sw_engine_get_stats(e, &st);
    if (verbose > 0)
        fprintf(stderr, "packets %llu tcp %llu errors %llu connections %llu handshake %llu "
                "midstream %llu delivered %llu overlaps %llu mismatches %llu gaps %llu "
                "events %llu alerts %llu suppressed %llu evicted %llu timed out %llu\n",
                (unsigned long long)st.packets, (unsigned long long)st.tcp_packets,
                (unsigned long long)st.decode_errors, (unsigned long long)st.tcp_connections,
                (unsigned long long)st.conn_handshake, (unsigned long long)st.conn_midstream,
                (unsigned long long)st.stream_bytes_delivered, (unsigned long long)st.stream_overlaps,
                (unsigned long long)st.stream_overlap_mismatches, (unsigned long long)st.stream_gaps,
                (unsigned long long)st.events, (unsigned long long)st.alerts,
                (unsigned long long)st.alerts_suppressed, (unsigned long long)st.flows_evicted_cap,
                (unsigned long long)st.flows_timed_out);
    if (st.stream_mem_in_use != 0 || st.flows_active != 0)
        abort();
    sw_engine_free(e);
    return 0;
}
