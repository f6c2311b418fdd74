/*
 * detector.h — the detector pipeline: decode -> flow table -> TCP tracker ->
 * reassembly, publishing observations to one observer. One sw_detector per worker.
 */
#ifndef SW_DETECTOR_H
#define SW_DETECTOR_H
#include <stdint.h>
#include "seqwatch.h"
#include "detector/observer.h"

typedef struct sw_detector sw_detector;

/* cfg supplies the flow-table, checksum and reassembly settings. */
sw_detector *sw_detector_new(const sw_config *cfg, const sw_observer *obs, char *err, size_t errlen);
void sw_detector_free(sw_detector *d);

/* Returns 0, or -1 for an unsupported link type. */
/* The capture's number (from 1) of the frame the next sw_detector_feed gets; events
 * raised by that frame carry it (pcap_cnt). 0: unknown. */
void sw_detector_set_frame(sw_detector *d, uint64_t frame_no);
int sw_detector_feed(sw_detector *d, int linktype, uint64_t ts_us,
                     const uint8_t *frame, uint32_t caplen, uint32_t wirelen);
/* Packet time has reached ts_us elsewhere (a worker told about the capture's time
 * while its own flows are quiet): expire what has timed out by then. */
/* Whether stream chunks carry the connection's textual addresses (src_ip, dest_ip).
 * On by default; off when nobody outside reads them (formatting them per chunk showed
 * as 8 % of a run with 1000 interleaved connections). */
void sw_detector_want_names(sw_detector *d, int on);

void sw_detector_tick(sw_detector *d, uint64_t ts_us);
/* End every connection (stream flush, close notices, on_conn_end). */
void sw_detector_flush(sw_detector *d);

/* Fill the detector's share of the counters (packets .. stream_*). */
void sw_detector_stats(const sw_detector *d, sw_stats *out);
/* Checksum mode auto: the hosts treated as offloading (see sw_engine_offload_hosts). */
size_t sw_detector_offload_hosts(const sw_detector *d, sw_offload_host *out, size_t max);
/* Decode errors by reason (SW_DEC_ERR_FIRST .. SW_DEC_NRESULTS-1). */
uint64_t sw_detector_decode_count(const sw_detector *d, int reason);

#endif
