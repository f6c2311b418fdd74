/*
 * show.c — renders one stored alert document for a terminal: what, when, which rule,
 * which connection and in what state, the evidence, and the ladder (sequence)
 * diagram of the connection's last packets — client on the left, server on the
 * right, one arrow per packet labelled with flags, seq, ack, length, window and TTL,
 * the packet that made the check fire marked "<== ALERT".
 *
 * Invariants: reads only the document (works for any sensor's alerts and for
 * Suricata EVE records, which simply have no hijack section); every field is
 * optional and type-checked before use; output is plain ASCII apart from what the
 * document's own strings contain; hex dumps are capped.
 */
#include "storage/show.h"
#include "storage/alert_json.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define HEX_MAX_BYTES 1024

static const char *str(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static int has_int(const json_t *obj, const char *key, json_int_t *out)
{
    const json_t *v = json_object_get(obj, key);
    if (json_is_integer(v)) {
        *out = json_integer_value(v);
        return 1;
    }
    return 0;
}

static void endpoint(char *buf, size_t len, const char *ip, const json_t *port)
{
    if (!ip)
        ip = "?";
    if (json_is_integer(port))
        snprintf(buf, len, strchr(ip, ':') ? "[%s]:%" JSON_INTEGER_FORMAT : "%s:%" JSON_INTEGER_FORMAT,
                 ip, json_integer_value(port));
    else
        snprintf(buf, len, "%s", ip);
}

/* ---- evidence ------------------------------------------------------------------ */

static int hex_value(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* A byte string: a hex value under a key that names bytes. */
static int is_bytes(const char *key, const json_t *v)
{
    if (!json_is_string(v))
        return 0;
    size_t n = json_string_length(v);
    const char *s = json_string_value(v);
    if (n < 2 || n % 2)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (hex_value((unsigned char)s[i]) < 0)
            return 0;
    return strcmp(key, "hex") == 0 || strstr(key, "bytes") || strstr(key, "data") ||
           strstr(key, "payload") || strstr(key, "_hex");
}

static size_t decode_hex(const char *s, size_t n, unsigned char *out, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i + 1 < n && k < cap; i += 2)
        out[k++] = (unsigned char)(hex_value((unsigned char)s[i]) * 16 +
                                   hex_value((unsigned char)s[i + 1]));
    return k;
}

static void hex_row(FILE *out, const unsigned char *b, size_t n, size_t off, size_t row)
{
    for (size_t i = 0; i < 16; i++) {
        if (i == 8)
            fputc(' ', out);
        if (off + i < n && i < row)
            fprintf(out, "%02x ", b[off + i]);
        else
            fputs("   ", out);
    }
    fputs(" |", out);
    for (size_t i = 0; i < row && off + i < n; i++)
        fputc(isprint(b[off + i]) ? b[off + i] : '.', out);
    fputs("|", out);
}

static void hexdump(FILE *out, const char *indent, const char *hex)
{
    unsigned char buf[HEX_MAX_BYTES];
    size_t total = strlen(hex) / 2;
    size_t n = decode_hex(hex, strlen(hex), buf, sizeof buf);
    for (size_t off = 0; off < n; off += 16) {
        fprintf(out, "%s%04zx  ", indent, off);
        hex_row(out, buf, n, off, 16);
        fputc('\n', out);
    }
    if (total > n)
        fprintf(out, "%s... %zu more bytes\n", indent, total - n);
}

/* Spaces after a row's ASCII column so that labels after it line up. */
static int ascii_pad(size_t n, size_t off)
{
    size_t shown = n > off ? (n - off < 16 ? n - off : 16) : 0;
    return (int)(16 - shown + 2);
}

/* Two versions of the same bytes, row by row, differences marked. */
static void compare_bytes(FILE *out, const char *ka, const char *a, const char *kb, const char *b)
{
    static unsigned char x[HEX_MAX_BYTES], y[HEX_MAX_BYTES];
    size_t nx = decode_hex(a, strlen(a), x, sizeof x);
    size_t ny = decode_hex(b, strlen(b), y, sizeof y);
    size_t n = nx > ny ? nx : ny;
    size_t differ = 0;
    for (size_t i = 0; i < n; i++)
        if (i >= nx || i >= ny || x[i] != y[i])
            differ++;
    fprintf(out, "  %s vs %s: %zu and %zu bytes, %zu differ%s\n", ka, kb, strlen(a) / 2,
            strlen(b) / 2, differ, differ ? " (marked ^^)" : "");
    for (size_t off = 0; off < n; off += 16) {
        fprintf(out, "    %04zx  ", off);
        hex_row(out, x, nx, off, 16);
        fprintf(out, "%*s%s\n", ascii_pad(nx, off), "", ka);
        fputs("          ", out);
        hex_row(out, y, ny, off, 16);
        fprintf(out, "%*s%s\n", ascii_pad(ny, off), "", kb);
        int any = 0;
        char marks[64];
        size_t m = 0;
        for (size_t i = 0; i < 16 && off + i < n; i++) {
            if (i == 8)
                marks[m++] = ' ';
            int d = off + i >= nx || off + i >= ny || x[off + i] != y[off + i];
            any |= d;
            marks[m++] = d ? '^' : ' ';
            marks[m++] = d ? '^' : ' ';
            marks[m++] = ' ';
        }
        marks[m] = '\0';
        while (m > 0 && marks[m - 1] == ' ')
            marks[--m] = '\0';
        if (any)
            fprintf(out, "          %s\n", marks);
    }
    if (strlen(a) / 2 > nx || strlen(b) / 2 > ny)
        fprintf(out, "    (only the first %d bytes are shown)\n", HEX_MAX_BYTES);
}

static void print_value(FILE *out, const char *indent, const char *key, const json_t *v,
                        size_t keyw, int skip_bytes);

/* The byte string an evidence entry carries: the value itself (a byte string under
 * a byte-naming key), or the "hex" member of an object (one version of overlapping
 * bytes: {"hex": ..., "printable": ..., ts_us, ttl...}). */
static const char *entry_bytes(const char *key, const json_t *v)
{
    if (is_bytes(key, v))
        return json_string_value(v);
    const json_t *h = json_is_object(v) ? json_object_get(v, "hex") : NULL;
    if (h && is_bytes("hex", h))
        return json_string_value(h);
    return NULL;
}

/* skip_bytes: leave out byte strings and their "printable" rendering (they are
 * shown by the comparison block of the parent). */
static void print_object(FILE *out, const char *indent, const json_t *obj, int skip_bytes)
{
    const char *key;
    const json_t *v;
    size_t keyw = 0;
    const char *bkeys[2] = {NULL, NULL};
    const char *bvals[2] = {NULL, NULL};
    int nbytes = 0;
    json_object_foreach((json_t *)obj, key, v) {
        const char *b = entry_bytes(key, v);
        if (b) {
            if (nbytes < 2) {
                bkeys[nbytes] = key;
                bvals[nbytes] = b;
            }
            nbytes++;
        }
        int skipped = is_bytes(key, v) || (skip_bytes && strcmp(key, "printable") == 0 &&
                                           json_object_get(obj, "hex"));
        if (strlen(key) > keyw && !json_is_object(v) && !skipped)
            keyw = strlen(key);
    }
    int compare = nbytes == 2;
    json_object_foreach((json_t *)obj, key, v) {
        if (is_bytes(key, v) || (skip_bytes && strcmp(key, "printable") == 0 &&
                                 json_object_get(obj, "hex")))
            continue;
        int is_source = compare && (key == bkeys[0] || key == bkeys[1]);
        print_value(out, indent, key, v, keyw, is_source);
    }
    if (compare) {
        compare_bytes(out, bkeys[0], bvals[0], bkeys[1], bvals[1]);
        return;
    }
    if (skip_bytes)
        return;
    json_object_foreach((json_t *)obj, key, v) {
        if (is_bytes(key, v)) {
            fprintf(out, "%s%s (%zu bytes)\n", indent, key, json_string_length(v) / 2);
            char in2[64];
            snprintf(in2, sizeof in2, "%s  ", indent);
            hexdump(out, in2, json_string_value(v));
        }
    }
}

static void print_value(FILE *out, const char *indent, const char *key, const json_t *v,
                        size_t keyw, int skip_bytes)
{
    if (json_is_object(v)) {
        fprintf(out, "%s%s\n", indent, key);
        char in2[64];
        snprintf(in2, sizeof in2, "%s  ", strlen(indent) < 40 ? indent : "");
        print_object(out, in2, v, skip_bytes);
        return;
    }
    char *s = json_is_string(v) ? strdup(json_string_value(v))
                                : json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER);
    fprintf(out, "%s%-*s  %s\n", indent, (int)keyw, key, s ? s : "?");
    free(s);
}

/* ---- ladder -------------------------------------------------------------------- */

/* flags given as a string are shown as they are; as a number, as letters */
static void flag_letters(const json_t *v, char *buf, size_t len)
{
    if (json_is_string(v)) {
        snprintf(buf, len, "%s", json_string_value(v));
        return;
    }
    if (!json_is_integer(v)) {
        snprintf(buf, len, "?");
        return;
    }
    json_int_t f = json_integer_value(v);
    static const struct { int bit; char c; } fl[] = {
        {0x02, 'S'}, {0x01, 'F'}, {0x04, 'R'}, {0x08, 'P'}, {0x10, 'A'}, {0x20, 'U'},
        {0x40, 'E'}, {0x80, 'C'}};
    size_t k = 0;
    for (size_t i = 0; i < sizeof fl / sizeof fl[0] && k + 1 < len; i++)
        if (f & fl[i].bit)
            buf[k++] = fl[i].c;
    if (k == 0 && len > 1)
        buf[k++] = '.';
    buf[k] = '\0';
}

/* 0 = client to server, 1 = server to client, -1 unknown */
static int packet_dir(const json_t *p)
{
    const json_t *d = json_object_get(p, "dir");
    if (json_is_integer(d))
        return json_integer_value(d) == 0 ? 0 : 1;
    if (json_is_string(d)) {
        const char *s = json_string_value(d);
        if (!strcmp(s, "to_server") || !strcmp(s, "c2s") || !strcmp(s, "client"))
            return 0;
        if (!strcmp(s, "to_client") || !strcmp(s, "s2c") || !strcmp(s, "server"))
            return 1;
    }
    return -1;
}

static int packet_ts(const json_t *p, uint64_t *ts)
{
    const json_t *t = json_object_get(p, "ts_us");
    if (!t)
        t = json_object_get(p, "ts");
    if (json_is_integer(t) && json_integer_value(t) >= 0) {
        *ts = (uint64_t)json_integer_value(t);
        return 1;
    }
    if (json_is_string(t) && sw_parse_timestamp(json_string_value(t), ts) == 0)
        return 1;
    return 0;
}

static void packet_label(const json_t *p, char *buf, size_t len)
{
    char fl[16];
    flag_letters(json_object_get(p, "flags"), fl, sizeof fl);
    size_t k = (size_t)snprintf(buf, len, "%s", fl);
    static const char *const fields[] = {"seq", "ack", "len", "win", "ttl"};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0] && k < len; i++) {
        json_int_t v;
        if (has_int(p, fields[i], &v))
            k += (size_t)snprintf(buf + k, len - k, " %s=%" JSON_INTEGER_FORMAT, fields[i], v);
    }
}

int sw_show_ladder(FILE *out, const json_t *doc)
{
    const json_t *h = json_object_get(doc, "hijack");
    const json_t *pk = json_object_get(h, "packets");
    if (!json_is_array(pk) || json_array_size(pk) == 0)
        return 0;
    /* the client is the sender when the alert's packet went to the server */
    const char *dirn = str(h, "direction");
    int src_is_client = !(dirn && strcmp(dirn, "to_client") == 0);
    char a[80], b[80], client[90], server[90];
    endpoint(a, sizeof a, str(doc, "src_ip"), json_object_get(doc, "src_port"));
    endpoint(b, sizeof b, str(doc, "dest_ip"), json_object_get(doc, "dest_port"));
    snprintf(client, sizeof client, "client %s", src_is_client ? a : b);
    snprintf(server, sizeof server, "server %s", src_is_client ? b : a);

    size_t n = json_array_size(pk);
    size_t labw = 0;
    uint64_t t0 = 0;
    int have_t0 = 0;
    for (size_t i = 0; i < n; i++) {
        const json_t *p = json_array_get(pk, i);
        char lab[160];
        packet_label(p, lab, sizeof lab);
        if (strlen(lab) > labw)
            labw = strlen(lab);
        uint64_t ts;
        if (!have_t0 && packet_ts(p, &ts)) {
            t0 = ts;
            have_t0 = 1;
        }
    }
    /* arrow: "|-- label --...-->|" ; inner width between the bars */
    size_t inner = labw + 8;
    if (inner < strlen(client) + strlen(server) - 2)
        inner = strlen(client) + strlen(server) - 2;
    const int tw = 13;   /* time column */
    fprintf(out, "%*s%s", tw, "", client);
    size_t used = strlen(client);
    size_t total = inner + 2;
    fprintf(out, "%*s%s\n", (int)(total > used + strlen(server) ? total - used - strlen(server) : 1),
            "", server);
    for (size_t i = 0; i < n; i++) {
        const json_t *p = json_array_get(pk, i);
        if (!json_is_object(p))
            continue;
        char tcol[32] = "";
        uint64_t ts;
        if (have_t0 && packet_ts(p, &ts)) {
            int neg = ts < t0;
            uint64_t d = neg ? t0 - ts : ts - t0;
            snprintf(tcol, sizeof tcol, "%c%" PRIu64 ".%06" PRIu64, neg ? '-' : '+', d / 1000000,
                     d % 1000000);
        }
        char lab[160];
        packet_label(p, lab, sizeof lab);
        int dir = packet_dir(p);
        char line[400];
        size_t k = 0;
        line[k++] = '|';
        size_t lead = 3;
        if (dir == 1) {
            line[k++] = '<';
            lead = 2;
        }
        for (size_t j = 0; j < lead; j++)
            line[k++] = dir < 0 ? ' ' : '-';
        line[k++] = ' ';
        memcpy(line + k, lab, strlen(lab));
        k += strlen(lab);
        line[k++] = ' ';
        while (k < inner + 1 - (dir == 0 ? 1 : 0))
            line[k++] = dir < 0 ? ' ' : '-';
        if (dir == 0)
            line[k++] = '>';
        line[k++] = '|';
        line[k] = '\0';
        int mark = json_is_true(json_object_get(p, "trigger")) ||
                   json_is_true(json_object_get(p, "mark"));
        fprintf(out, "  %-*s%s%s\n", tw - 2, tcol, line, mark ? "  <== ALERT" : "");
    }
    return (int)n;
}

/* ---- the whole alert ----------------------------------------------------------- */

static const char *const shown_top[] = {
    "timestamp", "flow_id", "event_type", "src_ip", "src_port", "dest_ip", "dest_port", "proto",
    "vlan", "alert", "sensor", "host", "alert_id", "hijack", "anomaly", NULL};

void sw_show_alert(FILE *out, const char *alert_id, const json_t *doc)
{
    const json_t *h = json_object_get(doc, "hijack");
    const json_t *al = json_object_get(doc, "alert");
    if (!json_is_object(h))
        h = NULL;
    if (!json_is_object(al))
        al = NULL;

    fprintf(out, "alert     %s\n", alert_id ? alert_id : (str(doc, "alert_id") ? str(doc, "alert_id") : "?"));
    const char *ts = str(doc, "timestamp");
    uint64_t us;
    if (ts && sw_parse_timestamp(ts, &us) == 0) {
        char norm[40];
        sw_format_timestamp(us, norm, sizeof norm);
        fprintf(out, "time      %s%s%s%s\n", norm, strcmp(norm, ts) ? " (logged as " : "",
                strcmp(norm, ts) ? ts : "", strcmp(norm, ts) ? ")" : "");
    } else {
        fprintf(out, "time      %s\n", ts ? ts : "?");
    }
    const char *etype = str(doc, "event_type");
    if (h) {
        fprintf(out, "event     %s (%s)\n", str(h, "event") ? str(h, "event") : "?",
                etype ? etype : "?");
        if (str(h, "description") && *str(h, "description"))
            fprintf(out, "          %s\n", str(h, "description"));
    } else {
        fprintf(out, "event     %s record from another sensor (no hijack analysis)\n",
                etype ? etype : "?");
    }
    if (al) {
        json_int_t gid = 0, sid = 0, rev = 0, sev = 0;
        has_int(al, "gid", &gid);
        has_int(al, "signature_id", &sid);
        has_int(al, "rev", &rev);
        fprintf(out, "rule      [%" JSON_INTEGER_FORMAT ":%" JSON_INTEGER_FORMAT ":%" JSON_INTEGER_FORMAT
                     "] %s\n", gid, sid, rev, str(al, "signature") ? str(al, "signature") : "");
        fprintf(out, "          ");
        if (str(al, "category") && *str(al, "category"))
            fprintf(out, "%s, ", str(al, "category"));
        if (has_int(al, "severity", &sev))
            fprintf(out, "severity %" JSON_INTEGER_FORMAT " (%s)", sev,
                    sev <= 1 ? "high" : sev == 2 ? "medium" : "low");
        if (str(al, "action"))
            fprintf(out, ", action %s", str(al, "action"));
        fputc('\n', out);
    }
    char a[80], b[80];
    endpoint(a, sizeof a, str(doc, "src_ip"), json_object_get(doc, "src_port"));
    endpoint(b, sizeof b, str(doc, "dest_ip"), json_object_get(doc, "dest_port"));
    fprintf(out, "packet    %s -> %s %s", a, b, str(doc, "proto") ? str(doc, "proto") : "");
    json_int_t fid;
    if (has_int(doc, "flow_id", &fid))
        fprintf(out, ", flow_id %" JSON_INTEGER_FORMAT, fid);
    const json_t *vl = json_object_get(doc, "vlan");
    if (json_is_array(vl) && json_array_size(vl)) {
        char *v = json_dumps(vl, JSON_COMPACT);
        fprintf(out, ", vlan %s", v ? v : "?");
        free(v);
    }
    fputc('\n', out);
    if (h) {
        const char *d = str(h, "direction");
        json_int_t inst;
        fprintf(out, "          %s", d ? d : "direction unknown");
        if (d)
            fprintf(out, " (sent by the %s)", strcmp(d, "to_client") == 0 ? "server" : "client");
        if (has_int(h, "conn_instance", &inst))
            fprintf(out, ", connection instance %" JSON_INTEGER_FORMAT, inst);
        fputc('\n', out);
        fprintf(out, "states    client %s, server %s\n",
                str(h, "client_state") ? str(h, "client_state") : "?",
                str(h, "server_state") ? str(h, "server_state") : "?");
    }
    const char *sensor = str(doc, "sensor") ? str(doc, "sensor") : str(doc, "host");
    if (sensor)
        fprintf(out, "sensor    %s\n", sensor);

    if (h) {
        const json_t *ev = json_object_get(h, "evidence");
        if (json_is_object(ev) && json_object_size(ev)) {
            fputs("\nevidence\n", out);
            print_object(out, "  ", ev, 0);
        }
        const json_t *ro = json_object_get(h, "ruled_out");
        if (json_is_array(ro) && json_array_size(ro)) {
            fputs("\nruled out\n", out);
            size_t i;
            const json_t *v;
            json_array_foreach((json_t *)ro, i, v) {
                char *s = json_is_string(v) ? strdup(json_string_value(v))
                                            : json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
                fprintf(out, "  - %s\n", s ? s : "?");
                free(s);
            }
        }
        const json_t *rel = json_object_get(h, "related");
        if (json_is_array(rel) && json_array_size(rel)) {
            fputs("\nrelated\n", out);
            size_t i;
            const json_t *v;
            json_array_foreach((json_t *)rel, i, v) {
                if (json_is_object(v) && str(v, "event")) {
                    fprintf(out, "  - %s\n", str(v, "event"));
                    const char *key;
                    const json_t *x;
                    json_object_foreach((json_t *)v, key, x) {
                        if (strcmp(key, "event") == 0)
                            continue;
                        char *s = json_is_string(x) ? strdup(json_string_value(x))
                                                    : json_dumps(x, JSON_COMPACT | JSON_ENCODE_ANY);
                        fprintf(out, "      %s: %s\n", key, s ? s : "?");
                        free(s);
                    }
                } else {
                    char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
                    fprintf(out, "  - %s\n", s ? s : "?");
                    free(s);
                }
            }
        }
        const json_t *pk = json_object_get(h, "packets");
        if (json_is_array(pk) && json_array_size(pk)) {
            fprintf(out, "\nladder (last %zu packets of the connection, seconds from the first)\n",
                    json_array_size(pk));
            sw_show_ladder(out, doc);
        } else {
            fputs("\nladder    no packets recorded with this alert\n", out);
        }
    } else {
        /* whatever else the other sensor logged, so nothing is hidden */
        const char *key;
        const json_t *v;
        int header = 0;
        json_object_foreach((json_t *)doc, key, v) {
            int known = 0;
            for (int i = 0; shown_top[i]; i++)
                if (strcmp(key, shown_top[i]) == 0)
                    known = 1;
            if (known)
                continue;
            if (!header) {
                fputs("\nother fields\n", out);
                header = 1;
            }
            char *s = json_is_string(v) ? strdup(json_string_value(v))
                                        : json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY |
                                                            JSON_PRESERVE_ORDER);
            fprintf(out, "  %-12s  %s\n", key, s ? s : "?");
            free(s);
        }
        fputs("\nladder    not available: the record carries no packet history\n", out);
    }
}
