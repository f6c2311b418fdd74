/*
 * nids_bench.c — the libnids peer of the benchmark: a minimal program that has
 * libnids (1.26, Debian libnids-dev) reassemble every TCP stream of a capture file
 * in both directions, and counts what it was given. Settings: checksums verified
 * (libnids' default; --no-checksum turns verification off), port-scan detection
 * off (scan_num_hosts 0), no BPF filter (every frame is read, as seqwatch does),
 * warnings counted instead of sent to syslog, a stream table sized by --streams.
 * libnids reassembles IPv4 only; IPv6 frames are read and ignored.
 * Prints one line:
 *   nids: connections N closed C reset R bytes_to_server A bytes_to_client B warnings W seconds S
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <nids.h>

static uint64_t g_conns, g_closed, g_reset, g_timed_out, g_to_server, g_to_client, g_warnings;
static unsigned g_touch;

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void on_warning(int type, int err, void *iph, void *data)
{
    (void)type; (void)err; (void)iph; (void)data;
    g_warnings++;
}

static void on_tcp(struct tcp_stream *s, void **param)
{
    (void)param;
    switch (s->nids_state) {
    case NIDS_JUST_EST:
        s->client.collect++;
        s->server.collect++;
        g_conns++;
        break;
    case NIDS_DATA:
        /* look at the new bytes so the delivery is not free */
        if (s->server.count_new) {
            g_to_server += (uint64_t)s->server.count_new;
            g_touch += (unsigned char)s->server.data[s->server.count_new - 1];
        }
        if (s->client.count_new) {
            g_to_client += (uint64_t)s->client.count_new;
            g_touch += (unsigned char)s->client.data[s->client.count_new - 1];
        }
        break;
    case NIDS_CLOSE: g_closed++; break;
    case NIDS_RESET: g_reset++; break;
    case NIDS_TIMED_OUT: g_timed_out++; break;
    default: break;
    }
}

int main(int argc, char **argv)
{
    int checksum = 1;
    long streams = 65536;
    const char *file = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--no-checksum"))
            checksum = 0;
        else if (!strcmp(argv[i], "--streams") && i + 1 < argc)
            streams = strtol(argv[++i], NULL, 10);
        else if (argv[i][0] != '-' && !file)
            file = argv[i];
        else {
            fprintf(stderr, "usage: nids_bench [--no-checksum] [--streams N] CAPTURE\n");
            return 2;
        }
    }
    if (!file || streams < 16 || streams > (1L << 26)) {
        fprintf(stderr, "usage: nids_bench [--no-checksum] [--streams N] CAPTURE\n");
        return 2;
    }
    double t0 = now_s();
    nids_params.filename = (char *)file;
    nids_params.device = NULL;
    nids_params.pcap_filter = NULL;
    nids_params.scan_num_hosts = 0;
    nids_params.n_tcp_streams = (int)streams;
    nids_params.syslog = on_warning;
    if (!nids_init()) {
        fprintf(stderr, "nids_bench: %s\n", nids_errbuf);
        return 1;
    }
    if (!checksum) {
        static struct nids_chksum_ctl all = {0, 0, NIDS_DONT_CHKSUM, 0};
        nids_register_chksum_ctl(&all, 1);
    }
    nids_register_tcp(on_tcp);
    nids_run();
    nids_exit();
    double t = now_s() - t0;
    printf("nids: connections %" PRIu64 " closed %" PRIu64 " reset %" PRIu64 " timed_out %" PRIu64
           " bytes_to_server %" PRIu64 " bytes_to_client %" PRIu64 " warnings %" PRIu64
           " seconds %.6f touch %u\n",
           g_conns, g_closed, g_reset, g_timed_out, g_to_server, g_to_client, g_warnings, t, g_touch & 0xff);
    return 0;
}
