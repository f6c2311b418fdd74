/*
 * floor.c — the benchmark's floor: the least any capture-file reader must do.
 * Opens a capture with libpcap, reads every frame with pcap_next_ex and counts
 * frames and their wire lengths; nothing else. Prints one line:
 *   floor: packets N bytes B seconds S
 * (S = wall time of the read loop, monotonic clock). Exit 1 on a read error.
 */
#include <inttypes.h>
#include <stdio.h>
#include <time.h>
#include <pcap/pcap.h>

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    char err[PCAP_ERRBUF_SIZE];
    if (argc != 2) {
        fprintf(stderr, "usage: floor CAPTURE\n");
        return 2;
    }
    double t0 = now_s();
    pcap_t *p = pcap_open_offline(argv[1], err);
    if (!p) {
        fprintf(stderr, "floor: %s\n", err);
        return 1;
    }
    struct pcap_pkthdr *h;
    const u_char *data;
    uint64_t n = 0, bytes = 0;
    int r;
    while ((r = pcap_next_ex(p, &h, &data)) == 1) {
        n++;
        bytes += h->len;
    }
    if (r == PCAP_ERROR) {
        fprintf(stderr, "floor: %s: %s\n", argv[1], pcap_geterr(p));
        pcap_close(p);
        return 1;
    }
    pcap_close(p);
    printf("floor: packets %" PRIu64 " bytes %" PRIu64 " seconds %.6f\n", n, bytes, now_s() - t0);
    return 0;
}
