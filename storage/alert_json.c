/*
 * alert_json.c — an event and the rule that matched it, as one EVE-compatible JSON
 * document (field names of Suricata's EVE "alert" records plus a "hijack" object;
 * documented field by field in docs/schema.md), and the timestamp helpers shared by
 * the storage layer.
 *
 * Invariants: the document depends only on its inputs (no clock, no randomness, no
 * addresses of objects), keys are inserted in one fixed order, so the same event
 * gives the same bytes; alert_id is a deterministic function of (sensor, flow_id,
 * conn_instance, ts_us, sid, event, ordinal). Inputs owned by the event are copied,
 * never shared, so the document outlives the event.
 */
#include "storage/alert_json.h"
#include "common/tcp_state.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <limits.h>
#include <nettle/sha1.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void sw_format_timestamp(uint64_t ts_us, char *out, size_t len)
{
    if (!out || len == 0)
        return;
    time_t secs = (time_t)(ts_us / 1000000u);
    unsigned usec = (unsigned)(ts_us % 1000000u);
    struct tm tm;
    if (!gmtime_r(&secs, &tm)) {
        snprintf(out, len, "1970-01-01T00:00:00.000000+0000");
        return;
    }
    snprintf(out, len, "%04d-%02d-%02dT%02d:%02d:%02d.%06u+0000", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, usec);
}

/* Reads exactly n digits; returns -1 if they are not all there. */
static int read_digits(const char **p, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*p)[i]))
            return -1;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    return v;
}

int sw_parse_timestamp(const char *s, uint64_t *ts_us)
{
    if (!s)
        return -1;
    const char *p = s;
    while (*p == ' ')
        p++;
    int year = read_digits(&p, 4);
    if (year < 1970 || *p++ != '-')
        return -1;
    int mon = read_digits(&p, 2);
    if (mon < 1 || mon > 12 || *p++ != '-')
        return -1;
    int day = read_digits(&p, 2);
    if (day < 1 || day > 31)
        return -1;
    int hour = 0, min = 0, sec = 0;
    long usec = 0;
    long off_s = 0;
    if (*p == 'T' || *p == 't' || (*p == ' ' && isdigit((unsigned char)p[1]))) {
        p++;
        hour = read_digits(&p, 2);
        if (hour < 0 || hour > 23 || *p++ != ':')
            return -1;
        min = read_digits(&p, 2);
        if (min < 0 || min > 59)
            return -1;
        if (*p == ':') {
            p++;
            sec = read_digits(&p, 2);
            if (sec < 0 || sec > 59)
                return -1;
            if (*p == '.' || *p == ',') {
                p++;
                int nd = 0;
                long scale = 100000;
                if (!isdigit((unsigned char)*p))
                    return -1;
                while (isdigit((unsigned char)*p)) {
                    if (nd < 6) {
                        usec += (*p - '0') * scale;
                        scale /= 10;
                    }
                    nd++;
                    p++;
                }
            }
        }
        if (*p == 'Z' || *p == 'z') {
            p++;
        } else if (*p == '+' || *p == '-') {
            int sign = *p == '-' ? -1 : 1;
            p++;
            int oh = read_digits(&p, 2);
            if (oh < 0 || oh > 23)
                return -1;
            int om = 0;
            if (*p == ':')
                p++;
            if (isdigit((unsigned char)*p)) {
                om = read_digits(&p, 2);
                if (om < 0 || om > 59)
                    return -1;
            }
            off_s = sign * (oh * 3600L + om * 60L);
        }
    }
    while (*p == ' ')
        p++;
    if (*p != '\0')
        return -1;
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    tm.tm_year = year - 1900;
    tm.tm_mon = mon - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = min;
    tm.tm_sec = sec;
    time_t t = timegm(&tm);
    if (t == (time_t)-1)
        return -1;
    /* timegm normalises out-of-range days (Feb 31): reject those. */
    struct tm back;
    if (!gmtime_r(&t, &back) || back.tm_mday != day || back.tm_mon != mon - 1)
        return -1;
    long long total = (long long)t - off_s;
    if (total < 0)
        return -1;
    *ts_us = (uint64_t)total * 1000000u + (uint64_t)usec;
    return 0;
}

/* Classtypes of the usual classification.config, with their descriptions (what EVE
 * prints as alert.category). Unknown classtypes are shown as they are. */
static const struct {
    const char *name, *description;
} classtypes[] = {
    {"attempted-admin", "Attempted Administrator Privilege Gain"},
    {"attempted-user", "Attempted User Privilege Gain"},
    {"successful-admin", "Successful Administrator Privilege Gain"},
    {"successful-user", "Successful User Privilege Gain"},
    {"attempted-dos", "Attempted Denial of Service"},
    {"denial-of-service", "Detection of a Denial of Service Attack"},
    {"attempted-recon", "Attempted Information Leak"},
    {"successful-recon-limited", "Information Leak"},
    {"network-scan", "Detection of a Network Scan"},
    {"misc-attack", "Misc Attack"},
    {"misc-activity", "Misc activity"},
    {"bad-unknown", "Potentially Bad Traffic"},
    {"protocol-command-decode", "Generic Protocol Command Decode"},
    {"policy-violation", "Potential Corporate Privacy Violation"},
    {"suspicious-login", "An attempted login using a suspicious username was detected"},
    {"tcp-connection", "A TCP connection was detected"},
    {"not-suspicious", "Not Suspicious Traffic"},
    {"unknown", "Unknown Traffic"},
};

const char *sw_classtype_description(const char *classtype)
{
    if (!classtype)
        return "";
    for (size_t i = 0; i < sizeof classtypes / sizeof classtypes[0]; i++)
        if (strcmp(classtypes[i].name, classtype) == 0)
            return classtypes[i].description;
    return classtype;
}

/* Names of the TCP states as they appear in documents (sw_tcp_state_name, from the
 * neutral common/tcp_state.h); "unknown" keeps the document well-formed for values
 * outside the enum. */
static const char *state_name(uint8_t s)
{
    if (s < SW_TCPS_COUNT) {
        const char *n = sw_tcp_state_name((sw_tcp_state)s);
        if (n)
            return n;
    }
    return "unknown";
}

static void format_ip(int version, const uint8_t *addr, char *out, size_t len)
{
    if (!inet_ntop(version == 6 ? AF_INET6 : AF_INET, addr, out, (socklen_t)len))
        snprintf(out, len, "invalid");
}

static void hash_u64(crypto_hash_sha256_state *st, uint64_t v)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (56 - 8 * i));
    crypto_hash_sha256_update(st, b, sizeof b);
}

static void hash_str(crypto_hash_sha256_state *st, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    hash_u64(st, n);   /* length prefix: ("ab","c") and ("a","bc") differ */
    if (n)
        crypto_hash_sha256_update(st, (const unsigned char *)s, n);
}

void sw_uuid_from_digest(const uint8_t digest[32], char out[37])
{
    uint8_t b[16];
    memcpy(b, digest, 16);
    b[6] = (uint8_t)((b[6] & 0x0f) | 0x80);  /* version 8: application-defined */
    b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);  /* RFC 9562 variant */
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = hex[b[i] >> 4];
        out[o++] = hex[b[i] & 15];
    }
    out[o] = '\0';
}

void sw_alert_id(const char *sensor, uint64_t flow_id, uint32_t conn_instance, uint64_t ts_us,
                 uint32_t sid, const char *event, uint64_t ordinal, char out[37])
{
    crypto_hash_sha256_state st;
    uint8_t digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_init(&st);
    hash_str(&st, "seqwatch-alert-id/1");
    hash_str(&st, sensor);
    hash_u64(&st, flow_id);
    hash_u64(&st, conn_instance);
    hash_u64(&st, ts_us);
    hash_u64(&st, sid);
    hash_str(&st, event);
    hash_u64(&st, ordinal);
    crypto_hash_sha256_final(&st, digest);
    sw_uuid_from_digest(digest, out);
}

/* Suricata prints rule metadata as {"key": ["value", ...]}. The option text is
 * "key value, key value, ..."; entries without a value are kept with "". */
static json_t *metadata_object(const char *text)
{
    json_t *obj = json_object();
    const char *p = text;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        if (!*p)
            break;
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
            n--;
        size_t k = 0;
        while (k < n && p[k] != ' ' && p[k] != '\t')
            k++;
        size_t v = k;
        while (v < n && (p[v] == ' ' || p[v] == '\t'))
            v++;
        char key[128];
        size_t kl = k < sizeof key - 1 ? k : sizeof key - 1;
        memcpy(key, p, kl);
        key[kl] = '\0';
        json_t *arr = json_object_get(obj, key);
        if (!arr) {
            arr = json_array();
            json_object_set_new(obj, key, arr);
        }
        json_array_append_new(arr, json_stringn(p + v, n - v));
        p += n;
    }
    return obj;
}

static json_t *copy_or_empty(const json_t *v, int want_array)
{
    if (v)
        return json_deep_copy(v);
    return want_array ? json_array() : json_object();
}

/* Community ID v1 (the flow hash Zeek, Suricata and Arkime share): SHA-1 over the
 * seed (2 bytes, network order), the two addresses, the protocol, one zero byte and
 * the two ports (network order), the endpoints ordered so the smaller address (then
 * port) comes first; "1:" + base64 of the digest. */
int sw_community_id(int ip_version, const uint8_t *src, const uint8_t *dst, uint16_t sport,
                    uint16_t dport, uint8_t proto, uint16_t seed, char *out, size_t len)
{
    size_t al = ip_version == 6 ? 16 : 4;
    if (!src || !dst || len < SW_COMMUNITY_ID_LEN)
        return -1;
    int c = memcmp(src, dst, al);
    if (c > 0 || (c == 0 && sport > dport)) {
        const uint8_t *t = src;
        src = dst;
        dst = t;
        uint16_t tp = sport;
        sport = dport;
        dport = tp;
    }
    uint8_t buf[2 + 16 + 16 + 2 + 4];
    size_t o = 0;
    buf[o++] = (uint8_t)(seed >> 8);
    buf[o++] = (uint8_t)seed;
    memcpy(buf + o, src, al);
    o += al;
    memcpy(buf + o, dst, al);
    o += al;
    buf[o++] = proto;
    buf[o++] = 0;
    buf[o++] = (uint8_t)(sport >> 8);
    buf[o++] = (uint8_t)sport;
    buf[o++] = (uint8_t)(dport >> 8);
    buf[o++] = (uint8_t)dport;
    struct sha1_ctx ctx;
    uint8_t digest[SHA1_DIGEST_SIZE];
    sha1_init(&ctx);
    sha1_update(&ctx, o, buf);
    sha1_digest(&ctx, sizeof digest, digest);
    memcpy(out, "1:", 2);
    sodium_bin2base64(out + 2, len - 2, digest, sizeof digest, sodium_base64_VARIANT_ORIGINAL);
    return 0;
}

int sw_community_id_text(const char *src_ip, const char *dst_ip, uint16_t sport, uint16_t dport,
                         uint8_t proto, char *out, size_t len)
{
    uint8_t a[16], b[16];
    int v = 4;
    if (!src_ip || !dst_ip)
        return -1;
    if (inet_pton(AF_INET, src_ip, a) == 1 && inet_pton(AF_INET, dst_ip, b) == 1)
        v = 4;
    else if (inet_pton(AF_INET6, src_ip, a) == 1 && inet_pton(AF_INET6, dst_ip, b) == 1)
        v = 6;
    else
        return -1;
    return sw_community_id(v, a, b, sport, dport, proto, 0, out, len);
}

json_t *sw_alert_to_json(const sw_event *ev, const sw_rule_match *m, const char *event_type,
                         const char *sensor, uint64_t ordinal)
{
    return sw_alert_to_json_ex(ev, m, event_type, sensor, ordinal, NULL);
}

json_t *sw_alert_to_json_ex(const sw_event *ev, const sw_rule_match *m, const char *event_type,
                            const char *sensor, uint64_t ordinal, const char *pcap_filename)
{
    return sw_alert_to_json_keys(ev, m, event_type, sensor, ordinal, pcap_filename, NULL);
}

json_t *sw_alert_to_json_keys(const sw_event *ev, const sw_rule_match *m, const char *event_type,
                              const char *sensor, uint64_t ordinal, const char *pcap_filename,
                              sw_alert_keys *keys)
{
    if (!ev)
        return NULL;
    if (!event_type)
        event_type = m ? "alert" : "anomaly";
    const sw_event_def *def = sw_event_def_get(ev->id);
    const char *evname = def && def->name ? def->name : "unknown";

    char ts[40], src[SW_IP_TEXT_MAX], dst[SW_IP_TEXT_MAX], id[37];
    sw_format_timestamp(ev->ts_us, ts, sizeof ts);
    format_ip(ev->ip_version, ev->src_ip, src, sizeof src);
    format_ip(ev->ip_version, ev->dst_ip, dst, sizeof dst);
    sw_alert_id(sensor ? sensor : "", ev->flow_id, ev->conn_instance, ev->ts_us, m ? m->sid : 0,
                evname, ordinal, id);
    if (keys) {
        memcpy(keys->src_ip, src, sizeof src);
        memcpy(keys->dest_ip, dst, sizeof dst);
        memcpy(keys->alert_id, id, sizeof id);
    }

    json_t *doc = json_object();
    json_object_set_new(doc, "timestamp", json_string(ts));
    json_object_set_new(doc, "flow_id", json_integer((json_int_t)(ev->flow_id & INT64_MAX)));
    if (ev->frame_no)
        json_object_set_new(doc, "pcap_cnt", json_integer((json_int_t)(ev->frame_no & INT64_MAX)));
    json_object_set_new(doc, "event_type", json_string(event_type));
    json_object_set_new(doc, "src_ip", json_string(src));
    json_object_set_new(doc, "src_port", json_integer(ev->sport));
    json_object_set_new(doc, "dest_ip", json_string(dst));
    json_object_set_new(doc, "dest_port", json_integer(ev->dport));
    json_object_set_new(doc, "proto", json_string("TCP"));
    if (ev->nvlan > 0) {
        json_t *v = json_array();
        for (int i = 0; i < ev->nvlan && i < 2; i++)
            json_array_append_new(v, json_integer(ev->vlan[i]));
        json_object_set_new(doc, "vlan", v);
    }
    char cid[SW_COMMUNITY_ID_LEN];
    if (sw_community_id(ev->ip_version, ev->src_ip, ev->dst_ip, ev->sport, ev->dport, 6, 0,
                        cid, sizeof cid) == 0)
        json_object_set_new(doc, "community_id", json_string(cid));
    if (m) {
        json_t *a = json_object();
        json_object_set_new(a, "action", json_string("allowed"));
        json_object_set_new(a, "gid", json_integer(m->gid));
        json_object_set_new(a, "signature_id", json_integer(m->sid));
        json_object_set_new(a, "rev", json_integer(m->rev));
        json_object_set_new(a, "signature", json_string(m->msg ? m->msg : evname));
        json_object_set_new(a, "category", json_string(sw_classtype_description(m->classtype)));
        json_object_set_new(a, "severity", json_integer(m->priority));
        if (m->metadata && *m->metadata)
            json_object_set_new(a, "metadata", metadata_object(m->metadata));
        json_object_set_new(doc, "alert", a);
    } else {
        /* Suricata's anomaly records carry {type, event}. */
        json_t *a = json_object();
        json_object_set_new(a, "type", json_string("stream"));
        json_object_set_new(a, "event", json_string(evname));
        json_object_set_new(doc, "anomaly", a);
    }
    /* EVE's name for the sensor (Suricata's sensor-name). */
    json_object_set_new(doc, "host", json_string(sensor ? sensor : ""));
    if (pcap_filename && *pcap_filename)
        json_object_set_new(doc, "pcap_filename", json_string(pcap_filename));
    json_object_set_new(doc, "alert_id", json_string(id));

    json_t *h = json_object();
    json_object_set_new(h, "event", json_string(evname));
    json_object_set_new(h, "description",
                        json_string(def && def->description ? def->description : ""));
    json_object_set_new(h, "direction", json_string(ev->dir ? "to_client" : "to_server"));
    json_object_set_new(h, "client_state", json_string(state_name(ev->client_state)));
    json_object_set_new(h, "server_state", json_string(state_name(ev->server_state)));
    json_object_set_new(h, "conn_instance", json_integer(ev->conn_instance));
    json_object_set_new(h, "evidence", copy_or_empty(ev->evidence, 0));
    json_object_set_new(h, "packets", copy_or_empty(ev->packets, 1));
    json_object_set_new(h, "related", copy_or_empty(ev->related, 1));
    json_object_set_new(h, "ruled_out", copy_or_empty(ev->ruled_out, 1));
    json_object_set_new(doc, "hijack", h);
    return doc;
}

char *sw_alert_dumps(const json_t *doc)
{
    return json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
}
