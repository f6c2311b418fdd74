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
/* The same, with "pcap_filename" (the capture file read; NULL or "" for none). */
json_t *sw_alert_to_json_ex(const sw_event *ev, const sw_rule_match *m, const char *event_type,
                            const char *sensor, uint64_t ordinal, const char *pcap_filename);

/* The document's fields a caller needs again (the observer callback, the store's
 * index), as they were rendered, so nobody reads them back out of the document. */
#define SW_IP_TEXT_MAX 46        /* INET6_ADDRSTRLEN */
typedef struct sw_alert_keys {
    char src_ip[SW_IP_TEXT_MAX], dest_ip[SW_IP_TEXT_MAX];
    char alert_id[37];
} sw_alert_keys;
/* sw_alert_to_json_ex that also fills *keys (if not NULL). */
json_t *sw_alert_to_json_keys(const sw_event *ev, const sw_rule_match *m, const char *event_type,
                              const char *sensor, uint64_t ordinal, const char *pcap_filename,
                              sw_alert_keys *keys);

/* Community ID v1 of a flow, "1:" + base64(SHA-1), seed 0 for EVE. Addresses are 4
 * or 16 bytes in network order. 0, or -1 if out is too small. */
#define SW_COMMUNITY_ID_LEN 32   /* "1:" + 28 characters + NUL, rounded up */
int sw_community_id(int ip_version, const uint8_t *src, const uint8_t *dst, uint16_t sport,
                    uint16_t dport, uint8_t proto, uint16_t seed, char *out, size_t len);
/* The same from textual addresses (IPv4 or IPv6, both the same family); -1 if unparsable. */
int sw_community_id_text(const char *src_ip, const char *dst_ip, uint16_t sport, uint16_t dport,
                         uint8_t proto, char *out, size_t len);

/* The document as one line (compact, keys in insertion order, no newline); free(). */
char *sw_alert_dumps(const json_t *doc);

/* "2023-09-18T06:13:41.532140+0000" (UTC), out must hold 32 bytes. */
void sw_format_timestamp(uint64_t ts_us, char *out, size_t len);

/* Parse an ISO-8601 time: "YYYY-MM-DD", optionally followed by "THH:MM[:SS[.frac]]"
 * (or a space instead of T) and "Z", "+HHMM", "+HH:MM", "+HH" (no zone = UTC).
 * Returns 0 and the UTC time in microseconds, or -1. */
int sw_parse_timestamp(const char *s, uint64_t *ts_us);

/* The description EVE prints as alert.category for a classtype ("misc-attack" ->
 * "Misc Attack"); unknown classtypes are returned as given, NULL gives "". */
const char *sw_classtype_description(const char *classtype);

/* alert_id: the first 16 bytes of a sha256 over the inputs, in UUID form
 * (version 8, RFC 9562 variant), lower-case, 36 characters. */
void sw_alert_id(const char *sensor, uint64_t flow_id, uint32_t conn_instance, uint64_t ts_us,
                 uint32_t sid, const char *event, uint64_t ordinal, char out[37]);
/* The same UUID form of any sha256 digest (used for content-hash ids on ingest). */
void sw_uuid_from_digest(const uint8_t digest[32], char out[37]);

#endif
