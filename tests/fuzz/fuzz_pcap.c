/*
 * fuzz_pcap.c — libFuzzer target for capture-file input: the input is a pcap or
 * pcapng file, read the way `seqwatch run -r` reads one (detector/capture.c on top
 * of libpcap: header checks, per-record reads, the damage message with its byte
 * offset) and every frame is fed to an engine with small caps.
 *
 * The bytes are written to a memfd opened through its /proc/self/fd path, so
 * sw_capture_open_file runs unchanged (libpcap's fopen, fstat of the size, ftell of
 * the offset). At most 4096 frames are fed per input.
 *
 * Checked besides the sanitizers: a refused file gives a one-line message naming
 * the file; a damaged one a one-line message; frames have caplen <= 262144 (libpcap's
 * cap) and packet time never makes the engine's caps slip (flows_active <=
 * max_flows, stream memory <= memcap).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "seqwatch.h"
#include "detector/capture.h"

#define MAX_FLOWS 16
#define MEMCAP    (64u << 10)

static int memfd = -1;
static char path[64];

static void on_alert(void *user, const sw_alert *a)
{
    (void)user;
    if (!a->json || a->json[0] != '{' || !a->alert_id[0])
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[1024];
    if (size > (4u << 20))
        return 0;
    if (memfd < 0) {
        memfd = memfd_create("fuzz.pcap", 0);
        if (memfd < 0)
            abort();
        snprintf(path, sizeof path, "/proc/self/fd/%d", memfd);
    }
    if (ftruncate(memfd, 0) != 0 || (size && pwrite(memfd, data, size, 0) != (ssize_t)size))
        abort();

    sw_capture *cap = sw_capture_open_file(path, NULL, err, sizeof err);
    if (!cap) {
        if (strncmp(err, "cannot read capture ", 20) != 0 || strchr(err, '\n'))
            abort();
        return 0;
    }
    int lt = sw_capture_linktype(cap);
    sw_engine *e = NULL;
    if (sw_linktype_supported(lt)) {
        sw_config cfg;
        sw_config_init(&cfg);
        cfg.max_flows = MAX_FLOWS;
        cfg.seed_set = 1;
        cfg.checksum = SW_CHECKSUM_OFF;   /* so mutated frames still reach the tracker */
        cfg.stream_memcap = MEMCAP;
        cfg.stream_flow_cap = MEMCAP / 2;
        cfg.retain_bytes = 8192;
        cfg.sensor_name = "fuzz";
        e = sw_engine_new(&cfg, err, sizeof err);
        if (!e)
            abort();
        sw_engine_set_alert_cb(e, on_alert, NULL);
    }
    const uint8_t *frame;
    uint32_t caplen, wirelen;
    uint64_t ts;
    int r = 0;
    for (int n = 0; n < 4096; n++) {
        r = sw_capture_next(cap, &frame, &caplen, &wirelen, &ts);
        if (r != 1)
            break;
        if (caplen > 262144)
            abort();
        if (e) {
            sw_engine_feed(e, lt, ts, frame, caplen, wirelen);
            sw_stats st;
            sw_engine_get_stats(e, &st);
            if (st.flows_active > MAX_FLOWS || st.stream_mem_in_use > MEMCAP)
                abort();
        }
    }
    if (r < 0) {
        const char *m = sw_capture_error(cap);
        if (!m[0] || strchr(m, '\n'))
            abort();
        /* and it keeps saying so without touching libpcap again */
        if (sw_capture_next(cap, &frame, &caplen, &wirelen, &ts) != -1)
            abort();
    }
    if (e) {
        sw_engine_flush(e);
        sw_engine_free(e);
    }
    sw_capture_close(cap);
    return 0;
}
