/*
 * show_pcap.c — the connection of one alert outside seqwatch: the filters that
 * select it in the original capture (a tshark display filter with the time bounds
 * of the packets held, the same without bounds for every use of the 4-tuple, and a
 * BPF filter for tcpdump), and the packets held for the alert (and its chain)
 * written as a pcap file through libpcap.
 *
 * Invariants: seqwatch keeps packet headers, never payload, so each written record
 * is an IPv4/IPv6 + TCP header built from the stored fields, cut there (caplen) and
 * keeping the packet's original length (len) — tools show "[Packet size limited
 * during capture]", never invented bytes; the TCP checksum is left 0 (it covers the
 * payload seqwatch does not have), the IP ID is 0, the window is the stored one
 * capped at 65535 (stored scaled). Shell words are single-quoted.
 */
#include "storage/show.h"
#include "storage/show_model.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>

static void shell_quoted(FILE *out, const char *s)
{
    fputc('\'', out);
    for (; *s; s++) {
        if (*s == '\'')
            fputs("'\\''", out);
        else
            fputc(*s, out);
    }
    fputc('\'', out);
}

static int is_v6(const char *ip)
{
    return ip && strchr(ip, ':') != NULL;
}

/* an address as a filter may hold it: only [0-9a-fA-F.:] (anything else is refused) */
static int plain_addr(const char *ip)
{
    if (!ip || !*ip || strlen(ip) > 45)
        return 0;
    for (const char *p = ip; *p; p++)
        if (!strchr("0123456789abcdefABCDEF.:", *p))
            return 0;
    return 1;
}

void sw_show_filters(FILE *out, const json_t *doc, const sw_show_opts *o)
{
    sw_show_model *m = malloc(sizeof *m);
    if (!m)
        return;
    sw_show_model_build(m, doc, o);
    const char *c = m->client_ip, *s = m->server_ip;
    if (!plain_addr(c) || !plain_addr(s) || m->client_port < 0 || m->server_port < 0) {
        fputs("filters   not available: the alert has no usable addresses and ports\n", out);
        sw_show_model_free(m);
        return;
    }
    const char *ipf = is_v6(c) ? "ipv6" : "ip";
    char tuple[512];
    snprintf(tuple, sizeof tuple,
             "((%s.src==%s && tcp.srcport==%" JSON_INTEGER_FORMAT " && %s.dst==%s && tcp.dstport==%"
             JSON_INTEGER_FORMAT ") || (%s.src==%s && tcp.srcport==%" JSON_INTEGER_FORMAT
             " && %s.dst==%s && tcp.dstport==%" JSON_INTEGER_FORMAT "))",
             ipf, c, m->client_port, ipf, s, m->server_port, ipf, s, m->server_port, ipf, c,
             m->client_port);
    uint64_t t0 = 0, t1 = 0;
    int have = 0;
    /* widened by each time's tolerance (ladder times are rebuilt from encoded gaps)
     * and 1 us (tshark compares seconds with a fraction) */
    for (size_t i = 0; i < m->n; i++)
        if (m->rows[i].has_ts) {
            const sw_show_row *r = &m->rows[i];
            uint64_t lo = r->ts > r->tol + 1 ? r->ts - r->tol - 1 : 0, hi = r->ts + r->tol + 1;
            if (!have || lo < t0)
                t0 = lo;
            if (!have || hi > t1)
                t1 = hi;
            have = 1;
        }
    const json_t *h = json_object_get(doc, "hijack");
    json_int_t inst = 0;
    const json_t *iv = json_object_get(h, "conn_instance");
    if (json_is_integer(iv))
        inst = json_integer_value(iv);
    const json_t *pf = json_object_get(doc, "pcap_filename");
    const char *file = json_is_string(pf) ? json_string_value(pf) : NULL;
    fprintf(out, "filters   the connection %s <-> %s", m->client, m->server);
    if (inst > 0)
        fprintf(out, " (its use number %" JSON_INTEGER_FORMAT " of the 4-tuple)", inst + 1);
    fputc('\n', out);
    if (have) {
        uint64_t a = t0, b = t1;
        fprintf(out, "  tshark display filter, the packets held (%zu) and what came between them:\n"
                     "    %s && frame.time_epoch >= %" PRIu64 ".%06" PRIu64
                     " && frame.time_epoch <= %" PRIu64 ".%06" PRIu64 "\n",
                m->n, tuple, a / 1000000, a % 1000000, b / 1000000, b % 1000000);
    }
    fprintf(out, "  tshark display filter, every use of the 4-tuple:\n    %s\n", tuple);
    char bpf[640];
    size_t k = 0;
    const json_t *vl = json_object_get(doc, "vlan");
    size_t i;
    const json_t *v;
    json_array_foreach((json_t *)vl, i, v)
        if (json_is_integer(v) && k < sizeof bpf)
            k += (size_t)snprintf(bpf + k, sizeof bpf - k, "vlan %" JSON_INTEGER_FORMAT " and ",
                                  json_integer_value(v));
    if (k < sizeof bpf)
        snprintf(bpf + k, sizeof bpf - k,
                 "tcp and ((src host %s and src port %" JSON_INTEGER_FORMAT " and dst host %s and "
                 "dst port %" JSON_INTEGER_FORMAT ") or (src host %s and src port %"
                 JSON_INTEGER_FORMAT " and dst host %s and dst port %" JSON_INTEGER_FORMAT "))",
                 c, m->client_port, s, m->server_port, s, m->server_port, c, m->client_port);
    fprintf(out, "  BPF (tcpdump; no time bounds):\n    %s\n", bpf);
    if (file) {
        fputs("  in the original capture:\n    tshark -r ", out);
        shell_quoted(out, file);
        fputs(" -w connection.pcap -Y ", out);
        char full[1024];
        if (have)
            snprintf(full, sizeof full, "%s && frame.time_epoch >= %" PRIu64 ".%06" PRIu64
                                        " && frame.time_epoch <= %" PRIu64 ".%06" PRIu64,
                     tuple, t0 / 1000000, t0 % 1000000, t1 / 1000000, t1 % 1000000);
        else
            snprintf(full, sizeof full, "%s", tuple);
        shell_quoted(out, full);
        fputs("\n    tcpdump -r ", out);
        shell_quoted(out, file);
        fputs(" -w connection.pcap ", out);
        shell_quoted(out, bpf);
        fputc('\n', out);
    } else {
        fputs("  (the alert names no capture file, pcap_filename: a live interface, stdin, or\n"
              "  another sensor's record)\n", out);
    }
    sw_show_model_free(m);
}

static uint16_t ip_csum(const unsigned char *b, size_t n)
{
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < n; i += 2)
        sum += (uint32_t)b[i] << 8 | b[i + 1];
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

static void put16(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 8);
    p[1] = (unsigned char)v;
}

static void put32(unsigned char *p, uint32_t v)
{
    put16(p, v >> 16);
    put16(p + 2, v);
}

static int ival(const json_t *p, const char *key, json_int_t lo, json_int_t hi, json_int_t *out)
{
    const json_t *v = json_object_get(p, key);
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
        return 0;
    *out = json_integer_value(v);
    return 1;
}

static unsigned tcp_flags(const json_t *v)
{
    if (json_is_integer(v))
        return (unsigned)json_integer_value(v) & 0xff;
    unsigned f = 0;
    for (const char *s = json_is_string(v) ? json_string_value(v) : ""; *s; s++) {
        switch (*s) {
        case 'F': f |= 0x01; break;
        case 'S': f |= 0x02; break;
        case 'R': f |= 0x04; break;
        case 'P': f |= 0x08; break;
        case '.': case 'A': f |= 0x10; break;
        case 'U': f |= 0x20; break;
        case 'E': f |= 0x40; break;
        case 'W': case 'C': f |= 0x80; break;
        default: break;
        }
    }
    return f;
}

long sw_show_write_pcap(const char *path, const json_t *doc, const sw_show_opts *o, char *err,
                        size_t errlen)
{
    sw_show_model *m = malloc(sizeof *m);
    if (!m) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    sw_show_model_build(m, doc, o);
    unsigned char a4[2][4], a6[2][16];
    int v6 = is_v6(m->client_ip);
    int ok = m->client_ip && m->server_ip && m->client_port >= 0 && m->server_port >= 0 &&
             (v6 ? inet_pton(AF_INET6, m->client_ip, a6[0]) == 1 &&
                       inet_pton(AF_INET6, m->server_ip, a6[1]) == 1
                 : inet_pton(AF_INET, m->client_ip, a4[0]) == 1 &&
                       inet_pton(AF_INET, m->server_ip, a4[1]) == 1);
    if (!ok) {
        snprintf(err, errlen, "the alert has no usable addresses and ports: no capture written");
        sw_show_model_free(m);
        return -1;
    }
    if (m->n == 0) {       /* nothing held: no empty file */
        sw_show_model_free(m);
        return 0;
    }
    pcap_t *dead = pcap_open_dead(DLT_RAW, 65535);
    pcap_dumper_t *d = dead ? pcap_dump_open(dead, path) : NULL;
    if (!d) {
        snprintf(err, errlen, "cannot write %s: %s", path, dead ? pcap_geterr(dead) : "libpcap");
        if (dead)
            pcap_close(dead);
        sw_show_model_free(m);
        return -1;
    }
    long n = 0;
    for (size_t i = 0; i < m->n; i++) {
        const sw_show_row *r = &m->rows[i];
        const json_t *p = r->p;
        json_int_t seq = 0, ack = 0, len = 0, win = 0, ttl = 64, tsval, tsecr;
        /* rows rebuilt from an overlap's evidence have no ack or window: not written */
        if (r->dir < 0 || !r->has_ts || !ival(p, "seq", 0, 0xffffffffll, &seq) ||
            json_is_true(json_object_get(p, "from_evidence")))
            continue;
        ival(p, "ack", 0, 0xffffffffll, &ack);
        ival(p, "len", 0, 65000, &len);
        ival(p, "win", 0, 0x7fffffff, &win);
        ival(p, "ttl", 0, 255, &ttl);
        int has_ts = ival(p, "tsval", 0, 0xffffffffll, &tsval) &&
                     ival(p, "tsecr", 0, 0xffffffffll, &tsecr);
        unsigned char pkt[40 + 32];
        memset(pkt, 0, sizeof pkt);
        size_t iph = v6 ? 40 : 20, tcph = has_ts ? 32 : 20;
        int s = r->dir == 0 ? 0 : 1;    /* sender: 0 client, 1 server */
        unsigned char *ip = pkt, *t = pkt + iph;
        if (v6) {
            ip[0] = 0x60;
            put16(ip + 4, (uint32_t)(tcph + (size_t)len));
            ip[6] = 6;
            ip[7] = (unsigned char)ttl;
            memcpy(ip + 8, a6[s], 16);
            memcpy(ip + 24, a6[!s], 16);
        } else {
            ip[0] = 0x45;
            put16(ip + 2, (uint32_t)(iph + tcph + (size_t)len));
            ip[8] = (unsigned char)ttl;
            ip[9] = 6;
            memcpy(ip + 12, a4[s], 4);
            memcpy(ip + 16, a4[!s], 4);
            put16(ip + 10, ip_csum(ip, 20));
        }
        put16(t, (uint32_t)(s == 0 ? m->client_port : m->server_port));
        put16(t + 2, (uint32_t)(s == 0 ? m->server_port : m->client_port));
        put32(t + 4, (uint32_t)seq);
        put32(t + 8, (uint32_t)ack);
        t[12] = (unsigned char)((tcph / 4) << 4);
        t[13] = (unsigned char)tcp_flags(json_object_get(p, "flags"));
        put16(t + 14, (uint32_t)(win > 65535 ? 65535 : win));
        if (has_ts) {
            t[20] = 1;
            t[21] = 1;
            t[22] = 8;
            t[23] = 10;
            put32(t + 24, (uint32_t)tsval);
            put32(t + 28, (uint32_t)tsecr);
        }
        struct pcap_pkthdr ph;
        memset(&ph, 0, sizeof ph);
        ph.ts.tv_sec = (time_t)(r->ts / 1000000u);
        ph.ts.tv_usec = (suseconds_t)(r->ts % 1000000u);
        ph.caplen = (bpf_u_int32)(iph + tcph);
        ph.len = (bpf_u_int32)(iph + tcph + (size_t)len);
        pcap_dump((unsigned char *)d, &ph, pkt);
        n++;
    }
    int bad = pcap_dump_flush(d) != 0;
    pcap_dump_close(d);
    pcap_close(dead);
    sw_show_model_free(m);
    if (bad) {
        snprintf(err, errlen, "error writing %s", path);
        return -1;
    }
    return n;
}
