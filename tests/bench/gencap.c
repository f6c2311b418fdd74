/*
 * gencap.c — deterministic generator of large synthetic TCP captures for the
 * benchmark (tests/bench/run_bench.sh).
 *
 * Two modes:
 *   mixed  --concurrent C slots each hold one connection in progress; every packet
 *          comes from a slot picked at random, and a finished connection is replaced
 *          by a new one, until --packets N frames are written. Connections are many
 *          short request/response exchanges (1-3 rounds, 20 B .. 80 KB responses),
 *          about 1 % long bulk transfers (256 KiB .. 16 MiB, downloads and uploads),
 *          and a few refused (SYN, RST). Endings are FIN by either side or RST.
 *          Data segments are sometimes retransmitted (identical bytes) or sent out
 *          of order (the receiver answers with a duplicate ACK).
 *   open   --concurrent N connections are opened and left open: handshake, a small
 *          request and its ACK, a small response and its ACK (7 packets each), generated
 *          in interleaved batches of 1024. For memory measurements.
 *
 * Invariants: the output depends only on the options (own PRNG, packet-time clock
 * starting at a fixed epoch); frames are valid Ethernet/IPv4 or IPv6/TCP with correct
 * checksums built by tests/pktbuild.c; a retransmitted range always carries the same
 * bytes (payload is a function of connection, direction and stream offset); every
 * connection has a distinct 4-tuple (client address and port come from the
 * connection number); frames are streamed to the file with pcap_dump, so memory is
 * bounded by the slot table, never by the capture size.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pcap/pcap.h>

#include "pktbuild.h"

/* TCP header flags (RFC 9293). */
enum { F_FIN = 0x01, F_SYN = 0x02, F_RST = 0x04, F_PSH = 0x08, F_ACK = 0x10 };

#define EPOCH_S     1700000000ull
#define OPEN_BATCH  1024u
#define MAX_PACKETS 1000000000ull
#define MAX_CONC    (1u << 24)
#define PATTERN     65536u

/* ---- PRNG: splitmix64 to seed, xorshift64* to run ---- */

static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

typedef struct rng { uint64_t s; } rng;

static void rng_seed(rng *r, uint64_t seed)
{
    uint64_t s = seed;
    r->s = splitmix64(&s) | 1;
}

static uint64_t rng_next(rng *r)
{
    uint64_t x = r->s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    r->s = x;
    return x * 0x2545f4914f6cdd1dull;
}

static uint32_t rng_below(rng *r, uint32_t n) { return (uint32_t)((rng_next(r) >> 32) % n); }
static int rng_permille(rng *r, uint32_t pm) { return rng_below(r, 1000) < pm; }

/* ---- one connection ---- */

enum phase { P_SYN, P_SYNACK, P_ACK3, P_XFER, P_FIN_A, P_FIN_B, P_FIN_C, P_RST, P_REFUSE, P_DONE };
enum kind { K_SHORT, K_BULK, K_REFUSED, K_OPEN };

typedef struct conn {
    uint64_t no;              /* connection number: addresses, ports, parameters */
    uint64_t sent[2];         /* stream bytes side d has sent (offset of its next new byte) */
    uint64_t todo;            /* bytes left in the current transfer (sender xdir) */
    uint64_t resp;            /* size of the response that follows the current request */
    uint64_t held_off, rtx_off;
    uint32_t isn[2];
    uint32_t ts_off[2];       /* each side's timestamp clock offset */
    uint32_t ts_last[2];      /* last tsval each side sent (echoed as tsecr) */
    uint32_t salt[2];         /* payload pattern offset per direction */
    uint16_t held_len, rtx_len;
    uint16_t mss, sport, dport;
    uint8_t  phase, kind, xdir, rounds, unacked, closer, v6, ts;
    uint8_t  held_next_done, dupack_done, server, ttl[2];
    uint16_t ipid[2];
} conn;

typedef struct gen {
    rng r;
    uint64_t seed;
    uint64_t now_us, step_us;
    uint64_t next_no;
    uint32_t v6_pct, impair_pm;
    uint8_t *pattern;         /* PATTERN + 2048 random bytes */
    pcap_dumper_t *dump;
    uint8_t frame[2048];
    /* counters */
    uint64_t packets, bytes, conns, conns_v6, rtx, ooo, dupacks, fins, rsts, refused;
    /* conns: connections whose SYN was written */
} gen;

static void fmt_client(const conn *c, char *buf, size_t n)
{
    uint64_t h = c->no;
    if (c->v6)
        snprintf(buf, n, "fd00:b::%x:%x:%x", (unsigned)((h >> 32) & 0xffff),
                 (unsigned)((h >> 16) & 0xffff), (unsigned)(h & 0xffff));
    else
        snprintf(buf, n, "10.%u.%u.%u", 16u + (unsigned)((h >> 16) & 15),
                 (unsigned)((h >> 8) & 255), (unsigned)(h & 255));
}

static void fmt_server(const conn *c, char *buf, size_t n)
{
    if (c->v6)
        snprintf(buf, n, "fd00:a::%x", 1u + c->server);
    else
        snprintf(buf, n, "10.0.0.%u", 1u + c->server);
}

static void conn_start(gen *g, conn *c, int kind_hint)
{
    static const uint16_t ports[] = {80, 443, 8080, 22, 25, 993, 5432, 3306};
    uint64_t s = g->seed ^ (g->next_no * 0xd6e8feb86659fd93ull);
    rng cr;
    rng_seed(&cr, splitmix64(&s));
    memset(c, 0, sizeof(*c));
    c->no = g->next_no++;
    c->v6 = rng_below(&cr, 100) < g->v6_pct;
    c->isn[0] = (uint32_t)rng_next(&cr);
    c->isn[1] = (uint32_t)rng_next(&cr);
    c->ts_off[0] = (uint32_t)rng_next(&cr);
    c->ts_off[1] = (uint32_t)rng_next(&cr);
    c->salt[0] = (uint32_t)rng_next(&cr);
    c->salt[1] = (uint32_t)rng_next(&cr);
    c->ipid[0] = (uint16_t)rng_next(&cr);
    c->ipid[1] = (uint16_t)rng_next(&cr);
    c->ts = rng_below(&cr, 100) < 80;
    uint32_t m = rng_below(&cr, 100);
    c->mss = (uint16_t)(m < 2 ? 536 : m < 12 ? 1380 : c->v6 ? 1440 : 1460);
    c->server = (uint8_t)rng_below(&cr, 32);
    c->dport = ports[rng_below(&cr, sizeof(ports) / sizeof(ports[0]))];
    /* distinct 4-tuple per connection number: the low 20 bits choose the client
     * address, the rest (with a per-address shift) the port */
    uint32_t h = (uint32_t)(c->no & 0xfffff);
    c->sport = (uint16_t)(1024 + ((c->no >> 20) + h * 2654435761u) % 64000);
    c->ttl[0] = (uint8_t)(64 - rng_below(&cr, 12));
    c->ttl[1] = (uint8_t)(64 - rng_below(&cr, 12));
    c->closer = (uint8_t)rng_below(&cr, 2);
    c->phase = P_SYN;
    if (kind_hint == K_OPEN) {
        c->kind = K_OPEN;
        c->rounds = 1;
    } else {
        uint32_t k = rng_below(&cr, 1000);
        c->kind = k < 10 ? K_BULK : k < 20 ? K_REFUSED : K_SHORT;
        c->rounds = (uint8_t)(c->kind == K_SHORT ? 1 + rng_below(&cr, 3) : 1);
    }
}

/* Sizes of the next request and its response. */
static void next_round(gen *g, conn *c)
{
    rng *r = &g->r;
    uint64_t q, a;
    if (c->kind == K_BULK) {
        uint64_t base = 262144ull << rng_below(r, 6);
        uint64_t big = base + rng_below(r, (uint32_t)base);
        if (rng_below(r, 10) < 7) {   /* download */
            q = 60 + rng_below(r, 400);
            a = big;
        } else {                      /* upload */
            q = big;
            a = 20 + rng_below(r, 300);
        }
    } else if (c->kind == K_OPEN) {
        q = 16 + rng_below(r, 300);
        a = 16 + rng_below(r, 300);
    } else {
        uint32_t base = 20u << rng_below(r, 12);
        q = 40 + rng_below(r, 660);
        a = base + rng_below(r, base);
    }
    c->rounds--;
    c->xdir = 0;
    c->todo = q;
    c->resp = a;
}

static void emit(gen *g, conn *c, int side, uint8_t flags, uint64_t seq_off, int syn_fin_extra_ack,
                 const uint8_t *payload, uint32_t len)
{
    char a[64], b[64];
    pb_seg s;
    int o = 1 - side;
    memset(&s, 0, sizeof(s));
    s.ip_version = c->v6 ? 6 : 4;
    if (side == 0) {
        fmt_client(c, a, sizeof(a));
        fmt_server(c, b, sizeof(b));
        s.src = a; s.dst = b;
        s.sport = c->sport; s.dport = c->dport;
    } else {
        fmt_server(c, a, sizeof(a));
        fmt_client(c, b, sizeof(b));
        s.src = a; s.dst = b;
        s.sport = c->dport; s.dport = c->sport;
    }
    s.ttl = c->ttl[side];
    s.ip_id = c->ipid[side]++;
    s.flags = flags;
    s.seq = (flags & F_SYN) ? c->isn[side] : c->isn[side] + 1 + (uint32_t)seq_off;
    if (flags & F_ACK)
        s.ack = c->isn[o] + 1 + (uint32_t)c->sent[o] + (uint32_t)syn_fin_extra_ack;
    if (flags & F_SYN) {
        s.win = 64240;
        s.mss = c->mss;
        s.has_wscale = 1;
        s.wscale = 7;
        s.sack_perm = 1;
    } else {
        s.win = (flags & F_RST) ? 0 : 502;
    }
    if (c->ts && !(flags & F_RST)) {
        uint32_t tsv = c->ts_off[side] + (uint32_t)(g->now_us / 1000);
        s.ts = 1;
        s.tsval = tsv;
        s.tsecr = (flags == F_SYN) ? 0 : c->ts_last[o];
        c->ts_last[side] = tsv;
    }
    s.payload = payload;
    s.len = len;
    size_t n = pb_build(g->frame, sizeof(g->frame), 1, &s);
    if (!n) {
        fprintf(stderr, "gencap: internal error: frame not built\n");
        exit(1);
    }
    struct pcap_pkthdr h;
    h.ts.tv_sec = (time_t)(g->now_us / 1000000);
    h.ts.tv_usec = (suseconds_t)(g->now_us % 1000000);
    h.caplen = h.len = (bpf_u_int32)n;
    pcap_dump((u_char *)g->dump, &h, g->frame);
    g->packets++;
    g->bytes += n;
    g->now_us += g->step_us / 2 + rng_below(&g->r, (uint32_t)g->step_us + 1);
}

static const uint8_t *payload_at(const gen *g, const conn *c, int side, uint64_t off)
{
    return g->pattern + ((c->salt[side] + off) & (PATTERN - 1));
}

/* A new data segment from the current sender. */
static void send_new(gen *g, conn *c)
{
    int s = c->xdir;
    uint32_t len = c->todo < c->mss - (c->ts ? 12u : 0u) ? (uint32_t)c->todo : c->mss - (c->ts ? 12u : 0u);
    uint64_t off = c->sent[s];
    c->sent[s] += len;
    c->todo -= len;
    emit(g, c, s, F_ACK | F_PSH, off, 0, payload_at(g, c, s, off), len);
    c->unacked++;
}

/* Emit the next packet of c. Returns 1 when the connection has ended. */
static int conn_step(gen *g, conn *c)
{
    int s = c->xdir, r = 1 - c->xdir;
    switch (c->phase) {
    case P_SYN:
        emit(g, c, 0, F_SYN, 0, 0, NULL, 0);
        g->conns++;
        g->conns_v6 += c->v6;
        c->phase = c->kind == K_REFUSED ? P_REFUSE : P_SYNACK;
        return 0;
    case P_REFUSE:
        /* RST|ACK with seq 0 acknowledging the SYN (ack = SYN seq + 1) */
        emit(g, c, 1, F_RST | F_ACK, (uint32_t)(0u - c->isn[1] - 1u), 0, NULL, 0);
        g->refused++;
        c->phase = P_DONE;
        return 1;
    case P_SYNACK:
        emit(g, c, 1, F_SYN | F_ACK, 0, 0, NULL, 0);
        c->phase = P_ACK3;
        return 0;
    case P_ACK3:
        emit(g, c, 0, F_ACK, 0, 0, NULL, 0);
        c->phase = P_XFER;
        next_round(g, c);
        return 0;
    case P_XFER:
        if (c->held_len) {
            if (!c->held_next_done) {
                send_new(g, c);
                c->held_next_done = 1;
                return 0;
            }
            if (!c->dupack_done) {
                /* the receiver acknowledges only up to the hole */
                uint64_t keep = c->sent[s];
                c->sent[s] = c->held_off;
                emit(g, c, r, F_ACK, c->sent[r], 0, NULL, 0);
                c->sent[s] = keep;
                c->dupack_done = 1;
                g->dupacks++;
                return 0;
            }
            emit(g, c, s, F_ACK | F_PSH, c->held_off, 0, payload_at(g, c, s, c->held_off), c->held_len);
            c->held_len = 0;
            c->unacked++;
            g->ooo++;
            return 0;
        }
        if (c->rtx_len) {
            emit(g, c, s, F_ACK | F_PSH, c->rtx_off, 0, payload_at(g, c, s, c->rtx_off), c->rtx_len);
            c->rtx_len = 0;
            g->rtx++;
            return 0;
        }
        if (c->unacked >= 2 || (c->todo == 0 && c->unacked)) {
            emit(g, c, r, F_ACK, c->sent[r], 0, NULL, 0);
            c->unacked = 0;
            return 0;
        }
        if (c->todo) {
            uint32_t seg = c->mss - (c->ts ? 12u : 0u);
            if (c->todo > seg && rng_permille(&g->r, g->impair_pm)) {
                /* hold this segment back: the next one goes first */
                c->held_off = c->sent[s];
                c->held_len = (uint16_t)seg;
                c->sent[s] += seg;
                c->todo -= seg;
                c->held_next_done = 0;
                c->dupack_done = 0;
                return conn_step(g, c);
            }
            uint64_t off = c->sent[s];
            send_new(g, c);
            if (rng_permille(&g->r, g->impair_pm)) {
                c->rtx_off = off;
                c->rtx_len = (uint16_t)(c->sent[s] - off);
            }
            return 0;
        }
        /* the transfer is complete and acknowledged */
        if (c->xdir == 0) {
            c->xdir = 1;
            c->todo = c->resp;
            return conn_step(g, c);
        }
        if (c->rounds) {
            next_round(g, c);
            return conn_step(g, c);
        }
        if (c->kind == K_OPEN) {
            c->phase = P_DONE;
            return 1;
        }
        c->phase = rng_below(&g->r, 100) < 4 ? P_RST : P_FIN_A;
        return conn_step(g, c);
    case P_RST:
        emit(g, c, c->closer, F_RST | F_ACK, c->sent[c->closer], 0, NULL, 0);
        g->rsts++;
        c->phase = P_DONE;
        return 1;
    case P_FIN_A:
        emit(g, c, c->closer, F_FIN | F_ACK, c->sent[c->closer], 0, NULL, 0);
        c->phase = P_FIN_B;
        return 0;
    case P_FIN_B: {
        int o = 1 - c->closer;
        emit(g, c, o, F_FIN | F_ACK, c->sent[o], 1, NULL, 0);
        c->phase = P_FIN_C;
        return 0;
    }
    case P_FIN_C:
        /* acknowledge the peer's FIN; own seq is past its own FIN */
        emit(g, c, c->closer, F_ACK, c->sent[c->closer] + 1, 1, NULL, 0);
        g->fins++;
        c->phase = P_DONE;
        return 1;
    default:
        return 1;
    }
}

static void usage(FILE *f)
{
    fprintf(f,
"usage: gencap -o FILE [--mode mixed|open] [--packets N] [--concurrent N] [--seed S]\n"
"              [--v6-percent P] [--impair-permille M]\n"
"\n"
"Write a deterministic synthetic TCP capture (pcap, Ethernet) to FILE ('-' = stdout).\n"
"  --mode mixed       short and bulk connections, --concurrent in progress at once,\n"
"                     until --packets frames (default)\n"
"  --mode open        --concurrent connections opened (handshake + a little data\n"
"                     each, 7 packets) and never closed; --packets is ignored\n"
"  --packets N        frames to write in mixed mode (default 1000000, at most 1e9)\n"
"  --concurrent N     connections in progress / open (default 1000, at most 16M)\n"
"  --seed S           PRNG seed (default 1); same options, same bytes\n"
"  --v6-percent P     share of IPv6 connections (default 40)\n"
"  --impair-permille M  per data segment: chance of a retransmission and, separately,\n"
"                     of an out-of-order pair (default 3 each)\n");
}

static int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || end == s || *end || s[0] == '-' || v > max)
        return -1;
    *out = v;
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"out", required_argument, 0, 'o'},
        {"mode", required_argument, 0, 'm'},
        {"packets", required_argument, 0, 'n'},
        {"concurrent", required_argument, 0, 'c'},
        {"seed", required_argument, 0, 's'},
        {"v6-percent", required_argument, 0, '6'},
        {"impair-permille", required_argument, 0, 'i'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    const char *out = NULL;
    int open_mode = 0;
    uint64_t npackets = 1000000, conc = 1000, seed = 1, v6 = 40, impair = 3;
    int ch;
    while ((ch = getopt_long(argc, argv, "o:m:n:c:s:h", opts, NULL)) != -1) {
        switch (ch) {
        case 'o': out = optarg; break;
        case 'm':
            if (!strcmp(optarg, "open")) open_mode = 1;
            else if (!strcmp(optarg, "mixed")) open_mode = 0;
            else { fprintf(stderr, "gencap: --mode must be mixed or open\n"); return 2; }
            break;
        case 'n':
            if (parse_u64(optarg, MAX_PACKETS, &npackets) || !npackets) {
                fprintf(stderr, "gencap: bad --packets '%s'\n", optarg); return 2;
            }
            break;
        case 'c':
            if (parse_u64(optarg, MAX_CONC, &conc) || !conc) {
                fprintf(stderr, "gencap: bad --concurrent '%s'\n", optarg); return 2;
            }
            break;
        case 's':
            if (parse_u64(optarg, UINT64_MAX, &seed)) {
                fprintf(stderr, "gencap: bad --seed '%s'\n", optarg); return 2;
            }
            break;
        case '6':
            if (parse_u64(optarg, 100, &v6)) { fprintf(stderr, "gencap: bad --v6-percent\n"); return 2; }
            break;
        case 'i':
            if (parse_u64(optarg, 200, &impair)) { fprintf(stderr, "gencap: bad --impair-permille\n"); return 2; }
            break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (!out || optind < argc) {
        usage(stderr);
        return 2;
    }

    static gen g;
    g.seed = seed;
    rng_seed(&g.r, seed ^ 0x5eb5eb5eb5eb5ebull);
    g.v6_pct = (uint32_t)v6;
    g.impair_pm = (uint32_t)impair;
    g.now_us = EPOCH_S * 1000000ull;
    /* mean packet spacing: 10 us, less when many connections are in progress so a
     * slot's mean gap stays near 2 s of packet time (far below every timeout) */
    g.step_us = open_mode ? 2 : (conc > 200000 ? 2000000 / conc : 10);
    if (g.step_us < 2)
        g.step_us = 2;
    g.pattern = malloc(PATTERN + 2048);
    if (!g.pattern) { fprintf(stderr, "gencap: out of memory\n"); return 1; }
    {
        rng pr;
        rng_seed(&pr, seed ^ 0xa5a5a5a5a5a5a5a5ull);
        for (size_t i = 0; i < PATTERN + 2048; i += 8) {
            uint64_t v = rng_next(&pr);
            memcpy(g.pattern + i, &v, 8);
        }
    }

    pcap_t *dead = pcap_open_dead(DLT_EN10MB, 65535);
    FILE *fp = strcmp(out, "-") ? fopen(out, "wb") : stdout;
    if (!dead || !fp) {
        fprintf(stderr, "gencap: cannot open %s: %s\n", out, strerror(errno));
        return 1;
    }
    setvbuf(fp, NULL, _IOFBF, 1 << 22);
    g.dump = pcap_dump_fopen(dead, fp);
    if (!g.dump) {
        fprintf(stderr, "gencap: %s\n", pcap_geterr(dead));
        return 1;
    }

    size_t nslots = open_mode ? (conc < OPEN_BATCH ? conc : OPEN_BATCH) : conc;
    conn *slots = calloc(nslots, sizeof(conn));
    if (!slots) { fprintf(stderr, "gencap: out of memory for %zu slots\n", nslots); return 1; }

    if (open_mode) {
        /* batches of connections, every stage of the batch interleaved */
        for (uint64_t done = 0; done < conc; done += nslots) {
            size_t nb = conc - done < nslots ? (size_t)(conc - done) : nslots;
            for (size_t i = 0; i < nb; i++)
                conn_start(&g, &slots[i], K_OPEN);
            int live = 1;
            while (live) {
                live = 0;
                for (size_t i = 0; i < nb; i++) {
                    if (slots[i].phase == P_DONE)
                        continue;
                    if (!conn_step(&g, &slots[i]))
                        live = 1;
                }
            }
        }
    } else {
        for (size_t i = 0; i < nslots; i++)
            conn_start(&g, &slots[i], K_SHORT);
        while (g.packets < npackets) {
            conn *c = &slots[nslots == 1 ? 0 : (size_t)(rng_next(&g.r) % nslots)];
            if (conn_step(&g, c))
                conn_start(&g, c, K_SHORT);
        }
    }

    int rc = 0;
    if (pcap_dump_flush(g.dump) != 0 || ferror(fp)) {
        fprintf(stderr, "gencap: write error on %s: %s\n", out, strerror(errno));
        rc = 1;
    }
    pcap_dump_close(g.dump);
    pcap_close(dead);
    fprintf(stderr,
            "gencap: %" PRIu64 " packets, %" PRIu64 " bytes, %.1f s of packet time; %" PRIu64
            " connections started (%" PRIu64 " IPv6, %" PRIu64 " refused), %" PRIu64 " FIN-closed, %" PRIu64
            " reset; %" PRIu64 " retransmissions, %" PRIu64 " out-of-order segments\n",
            g.packets, g.bytes, (double)(g.now_us - EPOCH_S * 1000000ull) / 1e6, g.conns, g.conns_v6,
            g.refused, g.fins, g.rsts, g.rtx, g.ooo);
    free(slots);
    free(g.pattern);
    return rc;
}
