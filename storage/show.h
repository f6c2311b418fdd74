/*
 * show.h — one alert for a person: header lines, a one-sentence verdict built from
 * the evidence, the evidence as fields (byte strings as hex and ASCII, two versions
 * of overlapping bytes side by side with the differences marked, times and
 * durations readable), what was ruled out, related events, and a ladder diagram of
 * the connection's last packets with the offending and the forged ones marked; the
 * same ladder as a self-contained HTML or SVG flow graph; the connection as a
 * capture (the headers seqwatch holds) and as tshark / BPF filters.
 */
#ifndef SW_SHOW_H
#define SW_SHOW_H
#include <stddef.h>
#include <stdio.h>
#include <jansson.h>

typedef struct sw_show_opts {
    int absolute;                  /* raw sequence numbers instead of relative ones */
    const json_t *const *related;  /* other alerts of the same connection instance: the
                                      chain members a verdict names are drawn from them */
    size_t nrelated;
} sw_show_opts;

/* alert_id: the id the alert is stored under (EVE records have none of their own). */
void sw_show_alert(FILE *out, const char *alert_id, const json_t *doc);
void sw_show_alert_opts(FILE *out, const char *alert_id, const json_t *doc,
                        const sw_show_opts *o);

/* Only the ladder; returns the number of packets drawn (0: the document has none). */
int sw_show_ladder(FILE *out, const json_t *doc);
int sw_show_ladder_opts(FILE *out, const json_t *doc, const sw_show_opts *o);

/* One sentence saying what the evidence shows (no trailing newline). Always fills
 * buf (the description, at worst). */
void sw_show_verdict(const json_t *doc, const sw_show_opts *o, char *buf, size_t len);

/* Whether `other` (an alert of the same connection) is a member of doc's chain
 * (doc is a verdict: its evidence has "chain"): same flow and instance, and an entry
 * naming its alert_id, or its event, direction and time. */
int sw_show_in_chain(const json_t *doc, const json_t *other);

/* The flow graph: a whole HTML page (svg_only 0) or a standalone SVG document.
 * Every string from the document is escaped. Returns 0, or -1 on a write error. */
int sw_show_graph(FILE *out, const char *alert_id, const json_t *doc, const sw_show_opts *o,
                  int svg_only);

/* The tshark display filter and the BPF filter that select the connection (the
 * display filter with the instance's time bounds), as lines "tshark -Y ..." etc. */
void sw_show_filters(FILE *out, const json_t *doc, const sw_show_opts *o);

/* Write the packets held for the alert (and its chain) as a pcap file of raw IP:
 * headers only (seqwatch keeps no payload): each record is cut after the TCP header
 * and keeps the packet's original length. Returns the number of packets written
 * (0: none held, no file is created), or -1 (err filled). */
long sw_show_write_pcap(const char *path, const json_t *doc, const sw_show_opts *o, char *err,
                        size_t errlen);

#endif
