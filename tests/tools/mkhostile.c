/*
 * mkhostile.c — writes the hostile-traffic captures of the hardening tests
 * (tests/scripts/hostile_*.sh), streamed to the pcap file through libpcap so a
 * million-packet capture never sits in memory. Every capture (but collide*) also
 * carries LEGIT well-behaved connections (10.9.0.1..4, ..8 for rststorm, to
 * 192.0.2.80:443) that handshake first, keep talking all through the flood, and
 * close at the end; on the first of them an injection (a forged segment with another
 * TTL, then the real client's different bytes over the same range) near the end
 * shows that detection still works during the flood (not in 'clean').
 *
 * Kinds (N = packets or flows of the flood):
 *   benign N     the control: N packets of well-behaved 10-packet connections
 *   clean N      the same without the injection on LEGIT connection 0: nothing to see
 *   synflood N   N SYNs from N spoofed sources (distinct addresses and ports) to
 *                192.0.2.80:80, 5 us apart
 *   ooo N        on one connection behind a 1-byte hole: N/2 one-byte segments in
 *                DESCENDING order (every one lands in front of the queue), then N/2
 *                1400-byte segments re-covering them (overlaps, same bytes), every
 *                64th with other bytes; then the hole is filled
 *   collide N    N connections whose addresses differ only so that a plain XOR of the
 *                4-tuple is the same for all (src 10.0.0.0+i, dst 172.16.0.0+i, same
 *                ports): each sends SYN, then (second pass) SYN-ACK, then ACK
 *   collide-control N   the same with pseudo-random addresses
 *   rststorm N   N forged RSTs with random sequence numbers, spread over 150 s, at
 *                the 8 LEGIT connections (both directions), which keep talking
 *   fragflood N  N IPv4/IPv6 fragments (random sources, ids, offsets; a third of them
 *                first fragments that carry a TCP header)
 *
 * Prints one JSON object describing what was written (packets, the flood's packet
 * count, the LEGIT connections and their byte counts, duration). Deterministic.
 *
 * usage: mkhostile KIND OUT.pcap N
 */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detector/packet.h"
#include "pktbuild.h"

#define MAX_LEGIT 8
#define T0_US 1710000000000000ull

/* ---- streaming output: frames go through a pb_trace and are dumped in batches */

typedef struct out {
    pcap_t *pd;
    pcap_dumper_t *d;
    uint64_t packets;
    pb_trace t;
} out;

static void out_flush(out *o)
{
    for (size_t i = 0; i < o->t.n; i++) {
        struct pcap_pkthdr h;
        memset(&h, 0, sizeof h);
        h.ts.tv_sec = (time_t)(o->t.frames[i].ts_us / 1000000);
        h.ts.tv_usec = (suseconds_t)(o->t.frames[i].ts_us % 1000000);
        h.caplen = h.len = o->t.frames[i].len;
        pcap_dump((u_char *)o->d, &h, o->t.frames[i].data);
        free(o->t.frames[i].data);
    }
    o->packets += o->t.n;
    o->t.n = 0;
}

static void out_maybe_flush(out *o)
{
    if (o->t.n >= 4096)
        out_flush(o);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
    uint64_t x = rng_state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    rng_state = x;
    return x * 0x2545f4914f6cdd1dull;
}

static void ip4str(char *buf, size_t n, uint32_t a)
{
    snprintf(buf, n, "%u.%u.%u.%u", a >> 24, a >> 16 & 255, a >> 8 & 255, a & 255);
}

/* ---- the LEGIT connections ---- */

typedef struct legit {
    int n;
    pb_conn c[MAX_LEGIT];
    char cip[MAX_LEGIT][32];
    uint64_t bytes[MAX_LEGIT][2];
    int injected;
} legit;

static void legit_start(legit *l, out *o, int n)
{
    static const char sip[] = "192.0.2.80";
    l->n = n;
    for (int i = 0; i < n; i++) {
        snprintf(l->cip[i], sizeof l->cip[i], "10.9.0.%d", i + 1);
        pb_conn_init(&l->c[i], &o->t, l->cip[i], (uint16_t)(50000 + i), sip, 443,
                     0x11000000u * (uint32_t)(i + 1), 0x22000000u + 977u * (uint32_t)i);
        l->c[i].ts = 1;
        l->c[i].tick_us = 20;
        pb_conn_handshake(&l->c[i]);
    }
}

/* One request/response exchange on every LEGIT connection. */
static void legit_talk(legit *l, uint32_t round)
{
    uint8_t req[64], resp[160];
    for (int i = 0; i < l->n; i++) {
        pb_conn *c = &l->c[i];
        for (size_t k = 0; k < sizeof req; k++)
            req[k] = (uint8_t)('a' + (round + k + (size_t)i) % 26);
        for (size_t k = 0; k < sizeof resp; k++)
            resp[k] = (uint8_t)('A' + (round * 7 + k) % 26);
        pb_conn_send(c, 0, req, sizeof req);
        pb_conn_ack(c, 1);
        pb_conn_send(c, 1, resp, sizeof resp);
        pb_conn_ack(c, 0);
        l->bytes[i][0] += sizeof req;
        l->bytes[i][1] += sizeof resp;
    }
}

/* On LEGIT connection 0: a forged segment as the client (other TTL), then the real
 * client's next bytes over the same range: overlap_mismatch. */
static void legit_inject(legit *l)
{
    pb_conn *c = &l->c[0];
    static const char evil[] = "rm -rf / --no-preserve-root\n";
    static const char real[] = "ls -l /srv/www/htdocs/site\n";
    const uint32_t n = (uint32_t)sizeof evil - 1;
    pb_seg s;
    pb_conn_seg(c, 0, &s);
    s.flags = SW_TH_ACK | SW_TH_PSH;
    s.ttl = 37;
    s.ts = 0;
    s.payload = (const uint8_t *)evil;
    s.len = n;
    pb_trace_add(c->t, &s);
    pb_tick(c->t, 50);
    pb_conn_send(c, 0, real, n);
    pb_conn_ack(c, 1);
    l->bytes[0][0] += n;
    l->injected = 1;
}

static void legit_close(legit *l)
{
    for (int i = 0; i < l->n; i++) {
        pb_conn *c = &l->c[i];
        pb_conn_fin(c, 0);
        c->ackv[1] = c->nxt[0];
        pb_conn_fin(c, 1);
        pb_conn_ack(c, 0);
    }
}

static void legit_json(const legit *l)
{
    printf("\"legit\":[");
    for (int i = 0; i < l->n; i++)
        printf("%s{\"src_ip\":\"%s\",\"src_port\":%u,\"dest_ip\":\"192.0.2.80\",\"dest_port\":443,"
               "\"c2s_bytes\":%llu,\"s2c_bytes\":%llu}", i ? "," : "", l->cip[i], 50000u + (unsigned)i,
               (unsigned long long)l->bytes[i][0], (unsigned long long)l->bytes[i][1]);
    printf("],\"legit_injected\":%d", l->injected);
}

/* ---- floods ---- */

/* A short well-behaved connection: 10 packets. */
static void benign_conn(out *o, uint64_t k)
{
    char cip[32];
    ip4str(cip, sizeof cip, 0x0a400000u + (uint32_t)(k % 4000000u) + 1);
    pb_conn c;
    pb_conn_init(&c, &o->t, cip, (uint16_t)(1024 + k % 60000), "192.0.2.81", 80,
                 (uint32_t)rnd(), (uint32_t)rnd());
    c.tick_us = 5;
    pb_conn_handshake(&c);
    pb_conn_send(&c, 0, "GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n", 37);
    pb_conn_ack(&c, 1);
    pb_conn_send(&c, 1, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 38);
    pb_conn_ack(&c, 0);
    pb_conn_fin(&c, 0);
    c.ackv[1] = c.nxt[0];
    pb_conn_fin(&c, 1);
    pb_conn_ack(&c, 0);
}

static void spoofed_syn(out *o, uint64_t k)
{
    char sip[32];
    /* distinct sources: k spread over 1.0.0.0 - 126.255.255.255 by a bijection */
    uint32_t a = (uint32_t)((k * 2654435761u) % 2113929216u) + 0x01000000u;
    ip4str(sip, sizeof sip, a);
    pb_seg s;
    memset(&s, 0, sizeof s);
    s.src = sip;
    s.dst = "192.0.2.80";
    s.sport = (uint16_t)(1024 + rnd() % 64000);
    s.dport = 80;
    s.seq = (uint32_t)rnd();
    s.flags = SW_TH_SYN;
    s.win = 64240;
    s.mss = 1460;
    s.wscale = -1;
    s.ttl = (uint8_t)(32 + rnd() % 200);
    s.ip_id = (uint16_t)rnd();
    pb_trace_add(&o->t, &s);
    pb_tick(&o->t, 5);
}

/* A fragment: Ethernet + IPv4 (or IPv6 + fragment header), MF set or not. */
static void fragment(out *o, uint64_t k)
{
    uint8_t f[14 + 40 + 8 + 128];
    memset(f, 0, sizeof f);
    f[0] = 0x02; f[5] = 0x01; f[6] = 0x02; f[11] = 0x02;
    int v6 = k % 5 == 4, first = k % 3 == 0;
    uint32_t plen = 8 * (1 + (uint32_t)(rnd() % 12));
    uint16_t off8 = first ? 0 : (uint16_t)(1 + rnd() % 1000);
    uint8_t *pl;
    size_t n;
    if (!v6) {
        f[12] = 0x08; f[13] = 0x00;
        uint8_t *ip = f + 14;
        uint32_t src = (uint32_t)rnd();
        ip[0] = 0x45;
        uint32_t tot = 20 + plen + (first ? 20 : 0);
        ip[2] = (uint8_t)(tot >> 8); ip[3] = (uint8_t)tot;
        uint16_t id = (uint16_t)rnd();
        ip[4] = (uint8_t)(id >> 8); ip[5] = (uint8_t)id;
        uint16_t fo = (uint16_t)((k % 7 ? 0x2000 : 0) | off8);   /* MF on most */
        if (first)
            fo |= 0x2000;
        ip[6] = (uint8_t)(fo >> 8); ip[7] = (uint8_t)fo;
        ip[8] = 64; ip[9] = 6;
        ip[12] = (uint8_t)(src >> 24); ip[13] = (uint8_t)(src >> 16); ip[14] = (uint8_t)(src >> 8); ip[15] = (uint8_t)src;
        ip[16] = 192; ip[17] = 0; ip[18] = 2; ip[19] = 80;
        uint32_t sum = 0;
        for (int i = 0; i < 20; i += 2)
            sum += (uint32_t)ip[i] << 8 | ip[i + 1];
        while (sum >> 16)
            sum = (sum & 0xffff) + (sum >> 16);
        ip[10] = (uint8_t)(~sum >> 8); ip[11] = (uint8_t)~sum;
        pl = ip + 20;
        n = 14 + tot;
    } else {
        f[12] = 0x86; f[13] = 0xdd;
        uint8_t *ip = f + 14;
        ip[0] = 0x60;
        uint32_t pay = 8 + plen + (first ? 20 : 0);
        ip[4] = (uint8_t)(pay >> 8); ip[5] = (uint8_t)pay;
        ip[6] = 44; ip[7] = 64;
        ip[8] = 0x20; ip[9] = 0x01; ip[10] = 0x0d; ip[11] = 0xb8;
        uint64_t r = rnd();
        memcpy(ip + 16, &r, 8);
        ip[24] = 0x20; ip[25] = 0x01; ip[26] = 0x0d; ip[27] = 0xb8; ip[39] = 0x50;
        uint8_t *fh = ip + 40;
        fh[0] = 6;
        uint16_t fo = (uint16_t)(off8 << 3 | 1);
        fh[2] = (uint8_t)(fo >> 8); fh[3] = (uint8_t)fo;
        uint32_t id = (uint32_t)rnd();
        memcpy(fh + 4, &id, 4);
        pl = fh + 8;
        n = 14 + 40 + pay;
    }
    if (first) {               /* a TCP header in the first fragment */
        pl[0] = 0x30; pl[1] = 0x39; pl[2] = 0; pl[3] = 80;
        pl[12] = 0x50; pl[13] = SW_TH_SYN;
        pl += 20;
    }
    memset(pl, 0x41 + (int)(k % 26), plen);
    pb_trace_add_raw(&o->t, f, n);
    pb_tick(&o->t, 5);
}

/* Both sides of one collide* connection take turns: pass 0 SYN, 1 SYN-ACK, 2 ACK. */
static void collide_pkt(out *o, uint64_t i, int pass, int control)
{
    char a[32], b[32];
    uint32_t ca, sa;
    if (control) {
        uint64_t save = rng_state;
        rng_state = 0x1234567ull + i * 0x9e3779b97f4a7c15ull;   /* the same per i in every pass */
        rnd();
        ca = (uint32_t)rnd() | 0x01000000u;
        sa = (uint32_t)rnd() | 0x01000000u;
        rng_state = save;
    } else {
        ca = 0x0a000000u | (uint32_t)i;     /* ca ^ sa == 0x1a100000 for every i < 2^20 */
        sa = 0xac100000u | (uint32_t)i;
    }
    ip4str(a, sizeof a, ca);
    ip4str(b, sizeof b, sa);
    pb_seg s;
    memset(&s, 0, sizeof s);
    s.wscale = -1;
    s.win = 64240;
    uint32_t cisn = (uint32_t)(i * 7919u), sisn = (uint32_t)(i * 104729u);
    if (pass == 1) {
        s.src = b; s.dst = a; s.sport = 80; s.dport = 40000;
        s.flags = SW_TH_SYN | SW_TH_ACK; s.seq = sisn; s.ack = cisn + 1; s.mss = 1460;
    } else {
        s.src = a; s.dst = b; s.sport = 40000; s.dport = 80;
        s.flags = pass == 0 ? SW_TH_SYN : SW_TH_ACK;
        s.seq = pass == 0 ? cisn : cisn + 1;
        s.ack = pass == 0 ? 0 : sisn + 1;
        if (pass == 0)
            s.mss = 1460;
    }
    pb_trace_add(&o->t, &s);
    pb_tick(&o->t, 2);
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: mkhostile benign|clean|synflood|ooo|collide|collide-control|rststorm|fragflood OUT.pcap N\n");
        return 2;
    }
    const char *kind = argv[1];
    long long nl = strtoll(argv[3], NULL, 10);
    if (nl <= 0 || nl > 20000000) {
        fprintf(stderr, "mkhostile: N must be 1..20000000\n");
        return 2;
    }
    uint64_t n = (uint64_t)nl;
    out o;
    memset(&o, 0, sizeof o);
    pb_trace_init(&o.t, 1, T0_US);
    o.pd = pcap_open_dead(DLT_EN10MB, 262144);
    o.d = o.pd ? pcap_dump_open(o.pd, argv[2]) : NULL;
    if (!o.d) {
        fprintf(stderr, "mkhostile: cannot write %s: %s\n", argv[2], o.pd ? pcap_geterr(o.pd) : "pcap_open_dead");
        return 1;
    }
    legit l;
    memset(&l, 0, sizeof l);
    uint64_t flood = 0;
    int collide = !strcmp(kind, "collide") || !strcmp(kind, "collide-control");
    if (!collide)
        legit_start(&l, &o, !strcmp(kind, "rststorm") ? 8 : 4);
    uint32_t round = 0;

    int clean = !strcmp(kind, "clean");
    if (!strcmp(kind, "benign") || clean || !strcmp(kind, "synflood") || !strcmp(kind, "fragflood")) {
        int which = kind[0] == 'b' || clean ? 0 : kind[0] == 's' ? 1 : 2;
        uint64_t units = which == 0 ? n / 10 : n, every = units / 100 ? units / 100 : 1;
        for (uint64_t k = 0; k < units; k++) {
            if (which == 0)
                benign_conn(&o, k), flood += 10;
            else if (which == 1)
                spoofed_syn(&o, k), flood++;
            else
                fragment(&o, k), flood++;
            if (k % every == every - 1)
                legit_talk(&l, round++);
            if (k == units - units / 20 && !clean)
                legit_inject(&l);
            out_maybe_flush(&o);
        }
    } else if (!strcmp(kind, "ooo")) {
        /* the victim connection: client 10.8.0.1:45000 -> 192.0.2.80:8080, the server
         * advertising 65535 << 7 bytes so every segment is inside the window */
        pb_conn v;
        pb_conn_init(&v, &o.t, "10.8.0.1", 45000, "192.0.2.80", 8080, 0xfff00000u, 0x33000000u);
        v.tick_us = 5;
        v.win[1] = 65535;
        pb_conn_handshake(&v);
        uint32_t base = v.nxt[0];   /* stream offset 0: the hole */
        uint64_t tiny = n / 2, big = n - tiny, every = n / 100 ? n / 100 : 1;
        uint8_t buf[1400];
        pb_seg s;
        for (uint64_t k = 0; k < tiny; k++) {
            uint32_t off = (uint32_t)(tiny - k);          /* descending: tiny .. 1 */
            pb_conn_seg(&v, 0, &s);
            s.seq = base + off;
            buf[0] = (uint8_t)('a' + off % 26);
            s.payload = buf;
            s.len = 1;
            pb_trace_add(&o.t, &s);
            pb_tick(&o.t, 5);
            flood++;
            if (flood % every == 0)
                legit_talk(&l, round++);
            out_maybe_flush(&o);
        }
        for (uint64_t k = 0; k < big; k++) {
            uint32_t off = 1 + (uint32_t)((k * 700) % (tiny > 1400 ? tiny - 1400 : 1));
            for (uint32_t j = 0; j < sizeof buf; j++)
                buf[j] = (uint8_t)('a' + (off + j) % 26);
            if (k % 64 == 63)
                buf[100] ^= 0x20;                       /* other bytes: a mismatch */
            pb_conn_seg(&v, 0, &s);
            s.seq = base + off;
            s.payload = buf;
            s.len = sizeof buf;
            pb_trace_add(&o.t, &s);
            pb_tick(&o.t, 5);
            flood++;
            if (flood % every == 0)
                legit_talk(&l, round++);
            if (k == big - big / 20)
                legit_inject(&l);
            out_maybe_flush(&o);
        }
        pb_conn_seg(&v, 0, &s);                          /* the hole */
        buf[0] = 'a';
        s.payload = buf;
        s.len = 1;
        pb_trace_add(&o.t, &s);
        pb_tick(&o.t, 5);
        v.nxt[0] = base + (uint32_t)tiny + 1;
        pb_conn_ack(&v, 1);
        out_flush(&o);
        printf("{\"victim\":{\"src_ip\":\"10.8.0.1\",\"src_port\":45000,\"dest_ip\":\"192.0.2.80\",\"dest_port\":8080,"
               "\"tiny\":%llu,\"big\":%llu},", (unsigned long long)tiny, (unsigned long long)big);
    } else if (collide) {
        int control = !strcmp(kind, "collide-control");
        if (!control && n > (1u << 20)) {
            fprintf(stderr, "mkhostile: collide supports N <= 1048576\n");
            return 2;
        }
        for (int pass = 0; pass < 3; pass++)
            for (uint64_t i = 0; i < n; i++) {
                collide_pkt(&o, i, pass, control);
                flood++;
                out_maybe_flush(&o);
            }
    } else if (!strcmp(kind, "rststorm")) {
        /* N RSTs over 150 s of packet time; the LEGIT connections talk 300 times */
        uint64_t gap = 150000000ull / n, every = n / 300 ? n / 300 : 1;
        if (gap < 1)
            gap = 1;
        for (uint64_t k = 0; k < n; k++) {
            pb_conn *c = &l.c[k % (uint64_t)l.n];
            int side = (int)(k / (uint64_t)l.n % 2);
            pb_seg s;
            memset(&s, 0, sizeof s);
            s.src = c->ip[side]; s.dst = c->ip[!side];
            s.sport = c->port[side]; s.dport = c->port[!side];
            s.flags = SW_TH_RST;
            uint32_t r = (uint32_t)rnd();
            /* random numbers, kept clear of the sender's own position (a real stack
             * resets from where it stands) */
            if (r - c->nxt[side] < (1u << 20) || c->nxt[side] - r < (1u << 20))
                r += 1u << 30;
            s.seq = r;
            s.ttl = 113;
            s.wscale = -1;
            s.ip_id = (uint16_t)rnd();
            pb_trace_add(&o.t, &s);
            pb_tick(&o.t, gap);
            flood++;
            if (k % every == every - 1)
                legit_talk(&l, round++);
            if (k == n - n / 20)
                legit_inject(&l);
            out_maybe_flush(&o);
        }
    } else {
        fprintf(stderr, "mkhostile: unknown kind '%s'\n", kind);
        return 2;
    }
    if (!collide) {
        legit_talk(&l, round++);
        legit_close(&l);
    }
    uint64_t end_us = o.t.now_us;
    out_flush(&o);
    if (pcap_dump_flush(o.d) != 0) {
        fprintf(stderr, "mkhostile: write error on %s\n", argv[2]);
        return 1;
    }
    pcap_dump_close(o.d);
    pcap_close(o.pd);
    pb_trace_free(&o.t);
    if (strcmp(kind, "ooo") != 0)
        printf("{");
    printf("\"kind\":\"%s\",\"packets\":%llu,\"flood_packets\":%llu,\"duration_us\":%llu,",
           kind, (unsigned long long)o.packets, (unsigned long long)flood,
           (unsigned long long)(end_us - T0_US));
    legit_json(&l);
    printf("}\n");
    return 0;
}
