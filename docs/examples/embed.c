/*
 * embed.c — how another sensor embeds the seqwatch engine. The host owns the
 * capture (here: libpcap reading a file); it hands each frame to the engine with
 * its timestamp and link type, and gets alerts and reassembled stream data back
 * through callbacks. Built with the project so it cannot rot; outside the tree:
 *
 *   cc embed.c $(pkg-config --cflags --libs seqwatch) -lpcap -o embed
 *
 * usage: embed_example FILE.pcap
 */
#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <seqwatch.h>

struct host_state {
    uint64_t stream_bytes, alerts;
};

static void on_alert(void *user, const sw_alert *a)
{
    struct host_state *h = user;
    h->alerts++;
    /* a->json is the complete EVE-style document; the fields are there for routing. */
    printf("alert %s sid %u sev %d %s:%u -> %s:%u  %s\n", a->event, a->sid, a->severity,
           a->src_ip, a->src_port, a->dest_ip, a->dest_port, a->msg ? a->msg : "");
}

static void on_stream(void *user, const sw_stream_chunk *c)
{
    struct host_state *h = user;
    if (c->kind == SW_STREAM_DATA)
        h->stream_bytes += c->len;   /* a host IDS would run its protocol parsers here */
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s FILE.pcap\n", argv[0]);
        return 2;
    }
    char perr[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline(argv[1], perr);
    if (!p) {
        fprintf(stderr, "%s\n", perr);
        return 1;
    }
    sw_config cfg;
    sw_config_init(&cfg);            /* defaults: built-in rules, no files written */
    cfg.sensor_name = "embedded";
    char err[256];
    sw_engine *e = sw_engine_new(&cfg, err, sizeof(err));
    if (!e) {
        fprintf(stderr, "seqwatch: %s\n", err);
        pcap_close(p);
        return 1;
    }
    struct host_state h = {0, 0};
    sw_engine_set_alert_cb(e, on_alert, &h);
    sw_engine_set_stream_cb(e, on_stream, &h);

    struct pcap_pkthdr *hdr;
    const u_char *frame;
    int lt = pcap_datalink(p);
    while (pcap_next_ex(p, &hdr, &frame) == 1) {
        uint64_t ts = (uint64_t)hdr->ts.tv_sec * 1000000u + (uint64_t)hdr->ts.tv_usec;
        sw_engine_feed(e, lt, ts, frame, hdr->caplen, hdr->len);
    }
    sw_engine_flush(e);              /* end every connection: last events, last stream bytes */
    sw_stats st;
    sw_engine_get_stats(e, &st);
    printf("%" PRIu64 " packets, %" PRIu64 " TCP connections, %" PRIu64 " stream bytes, %" PRIu64 " alerts\n",
           st.packets, st.tcp_connections, h.stream_bytes, h.alerts);
    sw_engine_free(e);
    pcap_close(p);
    return 0;
}
