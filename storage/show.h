/*
 * show.h — one alert for a person: header lines, the evidence (byte strings as hex
 * and ASCII, two versions of overlapping bytes side by side with the differences
 * marked), what was ruled out, related events, and a ladder diagram of the
 * connection's last packets with the offending one marked.
 */
#ifndef SW_SHOW_H
#define SW_SHOW_H
#include <stdio.h>
#include <jansson.h>

/* alert_id: the id the alert is stored under (EVE records have none of their own). */
void sw_show_alert(FILE *out, const char *alert_id, const json_t *doc);

/* Only the ladder; returns the number of packets drawn (0: the document has none). */
int sw_show_ladder(FILE *out, const json_t *doc);

#endif
