/*
 * bench_reasm.c — reassembly throughput through the public engine API.
 *
 * Builds in memory (tests/pktbuild.c) one bulk transfer: handshake, N server
 * segments of MSS bytes with a few percent of them sent out of order (swapped with
 * the next one) and a few percent retransmitted later with the same bytes, the
 * client acknowledging every second segment as a real receiver would (cumulative
 * ACK of what is contiguous), then FINs. The trace is fed to the engine with a
 * stream callback that counts the delivered bytes; only the feed + flush loop is
 * timed. Prints packets/s and MB/s of payload; asserts nothing.
 *
 * usage: bench_reasm [-n SEGMENTS] [-m MSS] [-r REORDER_PERCENT] [-R RETRANS_PERCENT]
 *                    [-c CONNECTIONS] [-k RETAIN_KIB] [-M MEMCAP_MIB]
 * Connections run one after the other; -c splits the segments among them.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "seqwatch.h"
#include "pktbuild.h"

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_PSH 0x08
#define TH_ACK 0x10

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static uint64_t rng_state = 0x2545f4914f6cdd1dull;
static uint32_t rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32);
}

typedef struct counts {
    uint64_t bytes, chunks, gaps, closes;
} counts;

static void on_stream(void *user, const sw_stream_chunk *c)
{
    counts *k = user;
    if (c->kind == SW_STREAM_DATA) {
        k->bytes += c->len;
        k->chunks++;
    } else if (c->kind == SW_STREAM_GAP) {
        k->gaps++;
    } else if (c->kind == SW_STREAM_CLOSE) {
        k->closes++;
    }
}

static void add(pb_trace *t, const char *src, const char *dst, uint16_t sp, uint16_t dp,
                uint32_t seq, uint32_t ack, uint8_t flags, const uint8_t *pl, uint32_t len)
{
    pb_seg s;
    memset(&s, 0, sizeof s);
    s.src = src;
    s.dst = dst;
    s.sport = sp;
    s.dport = dp;
    s.seq = seq;
    s.ack = ack;
    s.flags = flags;
    s.win = 65535;
    s.payload = pl;
    s.len = len;
    if (flags & TH_SYN) {
        s.mss = 1460;
        s.has_wscale = 1;
        s.wscale = 7;
        s.sack_perm = 1;
    }
    pb_trace_add(t, &s);
    pb_tick(t, 20);
}

/* One bulk download from server 10.0.0.2:80 to client 10.0.x.y:port. */
static void gen_conn(pb_trace *t, unsigned idx, uint32_t nseg, uint32_t mss,
                     unsigned reorder_pct, unsigned retrans_pct, const uint8_t *payload,
                     uint64_t *payload_bytes)
{
    char cip[32];
    snprintf(cip, sizeof cip, "10.1.%u.%u", (idx >> 8) & 0xff, idx & 0xff);
    const char *sip = "10.0.0.2";
    uint16_t cport = (uint16_t)(40000 + (idx % 20000)), sport = 80;
    uint32_t cisn = 1000 + idx * 7919u, sisn = 0xfff00000u + idx * 104729u; /* server seq wraps */

    add(t, cip, sip, cport, sport, cisn, 0, TH_SYN, NULL, 0);
    add(t, sip, cip, sport, cport, sisn, cisn + 1, TH_SYN | TH_ACK, NULL, 0);
    add(t, cip, sip, cport, sport, cisn + 1, sisn + 1, TH_ACK, NULL, 0);
    static const char req[] = "GET /big HTTP/1.1\r\nHost: bench\r\n\r\n";
    add(t, cip, sip, cport, sport, cisn + 1, sisn + 1, TH_ACK | TH_PSH,
        (const uint8_t *)req, sizeof req - 1);
    uint32_t cnxt = cisn + 1 + (uint32_t)(sizeof req - 1);
    *payload_bytes += sizeof req - 1;

    /* the order the server's segments go on the wire */
    uint32_t *order = malloc(sizeof *order * (size_t)nseg * 2);
    uint32_t n = 0;
    uint32_t pending_retrans[8];
    unsigned npend = 0;
    for (uint32_t i = 0; i < nseg; i++) {
        if (i + 1 < nseg && rnd() % 100 < reorder_pct) {
            order[n++] = i + 1;
            order[n++] = i;
            i++;
        } else {
            order[n++] = i;
        }
        if (npend && rnd() % 4 == 0)
            order[n++] = pending_retrans[--npend];
        if (npend < 8 && rnd() % 100 < retrans_pct)
            pending_retrans[npend++] = order[n - 1];
    }
    while (npend)
        order[n++] = pending_retrans[--npend];

    /* a receiver: cumulative ACK of the contiguous part, every second segment */
    uint8_t *got = calloc(nseg, 1);
    uint32_t contiguous = 0;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t i = order[k];
        uint32_t off = i * mss;
        add(t, sip, cip, sport, cport, sisn + 1 + off, cnxt, TH_ACK, payload + (off % 4096), mss);
        *payload_bytes += mss;
        got[i] = 1;
        while (contiguous < nseg && got[contiguous])
            contiguous++;
        if (k % 2 == 1 || k + 1 == n)
            add(t, cip, sip, cport, sport, cnxt, sisn + 1 + contiguous * mss, TH_ACK, NULL, 0);
    }
    uint32_t send = sisn + 1 + nseg * mss;
    add(t, sip, cip, sport, cport, send, cnxt, TH_FIN | TH_ACK, NULL, 0);
    add(t, cip, sip, cport, sport, cnxt, send + 1, TH_FIN | TH_ACK, NULL, 0);
    add(t, sip, cip, sport, cport, send + 1, cnxt + 1, TH_ACK, NULL, 0);
    free(got);
    free(order);
}

static void feed_one(void *user, int linktype, uint64_t ts, const uint8_t *f, uint32_t len)
{
    sw_engine_feed(user, linktype, ts, f, len, len);
}

int main(int argc, char **argv)
{
    uint32_t nseg = 200000, mss = 1448;
    unsigned reorder = 3, retrans = 2, nconn = 1;
    long retain_kib = -1, memcap_mib = -1;
    int o;
    while ((o = getopt(argc, argv, "n:m:r:R:c:k:M:h")) != -1) {
        switch (o) {
        case 'n': nseg = (uint32_t)strtoul(optarg, NULL, 10); break;
        case 'm': mss = (uint32_t)strtoul(optarg, NULL, 10); break;
        case 'r': reorder = (unsigned)strtoul(optarg, NULL, 10); break;
        case 'R': retrans = (unsigned)strtoul(optarg, NULL, 10); break;
        case 'c': nconn = (unsigned)strtoul(optarg, NULL, 10); break;
        case 'k': retain_kib = strtol(optarg, NULL, 10); break;
        case 'M': memcap_mib = strtol(optarg, NULL, 10); break;
        default:
            fprintf(stderr, "usage: bench_reasm [-n SEGMENTS] [-m MSS] [-r REORDER%%] "
                            "[-R RETRANS%%] [-c CONNECTIONS] [-k RETAIN_KIB] [-M MEMCAP_MIB]\n");
            return o == 'h' ? 0 : 2;
        }
    }
    if (!nseg || !mss || mss > 8960 || !nconn) {
        fprintf(stderr, "bench_reasm: bad parameters\n");
        return 2;
    }
    uint8_t payload[4096 + 9000];
    for (size_t i = 0; i < sizeof payload; i++)
        payload[i] = (uint8_t)(i * 31 + 7);

    pb_trace t;
    pb_trace_init(&t, SW_LINK_ETHERNET, 1700000000000000ull);
    uint64_t payload_bytes = 0;
    double g0 = now_s();
    for (unsigned c = 0; c < nconn; c++)
        gen_conn(&t, c, nseg / nconn ? nseg / nconn : 1, mss, reorder, retrans, payload, &payload_bytes);
    double g1 = now_s();

    sw_config cfg;
    sw_config_init(&cfg);
    cfg.seed_set = 1;
    if (retain_kib >= 0)
        cfg.retain_bytes = (uint64_t)retain_kib << 10;
    if (memcap_mib > 0)
        cfg.stream_memcap = (uint64_t)memcap_mib << 20;
    char err[256];
    sw_engine *e = sw_engine_new(&cfg, err, sizeof err);
    if (!e) {
        fprintf(stderr, "bench_reasm: %s\n", err);
        pb_trace_free(&t);
        return 1;
    }
    counts k;
    memset(&k, 0, sizeof k);
    sw_engine_set_stream_cb(e, on_stream, &k);

    double t0 = now_s();
    pb_trace_each(&t, feed_one, e);
    sw_engine_flush(e);
    double t1 = now_s();

    sw_stats st;
    sw_engine_get_stats(e, &st);
    double secs = t1 - t0;
    printf("bench_reasm: %u connection(s), %u segments of %u bytes, reorder %u%%, retransmit %u%%, "
           "retain %llu KiB, memcap %llu MiB\n", nconn, nseg, mss, reorder, retrans,
           (unsigned long long)(cfg.retain_bytes >> 10), (unsigned long long)(cfg.stream_memcap >> 20));
    printf("  trace      %zu packets, %" PRIu64 " payload bytes (built in %.2f s)\n",
           t.n, payload_bytes, g1 - g0);
    printf("  feed       %.3f s: %.0f packets/s, %.1f MB/s of payload\n", secs,
           secs > 0 ? (double)t.n / secs : 0.0, secs > 0 ? (double)payload_bytes / secs / 1e6 : 0.0);
    printf("  delivered  %" PRIu64 " bytes in %" PRIu64 " chunks, %" PRIu64 " gaps, %" PRIu64 " closes\n",
           k.bytes, k.chunks, k.gaps, k.closes);
    printf("  engine     overlaps %" PRIu64 " (mismatch %" PRIu64 "), stream mem peak %" PRIu64
           " bytes, memcap evictions %" PRIu64 ", alerts %" PRIu64 "\n",
           st.stream_overlaps, st.stream_overlap_mismatches, st.stream_mem_peak,
           st.stream_memcap_evictions, st.alerts);
    sw_engine_free(e);
    pb_trace_free(&t);
    return 0;
}
