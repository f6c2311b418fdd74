/*
 * alert_json.h — an event and the rule that matched it, as one EVE-compatible JSON
 * document (see docs/schema.md). Deterministic: the same event gives the same bytes.
 */
#ifndef SW_ALERT_JSON_H
#define SW_ALERT_JSON_H
#include <jansson.h>
#include "rules/event.h"
#include "rules/ruleset.h"

/* event_type is "alert" or "anomaly"; m may be NULL for anomaly records.
 * ordinal is the alert's number within the run (makes alert_id unique). Returns a
 * new reference. */
json_t *sw_alert_to_json(const sw_event *ev, const sw_rule_match *m, const char *event_type,
                         const char *sensor, uint64_t ordinal);

/* "2023-09-18T06:13:41.532140+0000" (UTC), out must hold 32 bytes. */
void sw_format_timestamp(uint64_t ts_us, char *out, size_t len);

#endif
