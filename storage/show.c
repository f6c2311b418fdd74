/*
 * show.c -- renders one stored alert document for a terminal: what, when, which rule,
 * which connection and in what state, the evidence, and the ladder (sequence)
 * diagram of the connection's last packets -- client on the left, server on the
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
#include "storage/show_model.h"

#include <ctype.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

/* how evidence values are rendered: sequence numbers of the alert's direction also
 * relative to the ladder's base */
typedef struct ev_ctx {
    int space;          /* the alert sender's sequence space, -1 unknown */
    uint32_t base;
    int has_base;
} ev_ctx;

static void print_value(FILE *out, const char *indent, const char *key, const json_t *v,
                        size_t keyw, int skip_bytes, const ev_ctx *cx);

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
static void print_object(FILE *out, const char *indent, const json_t *obj, int skip_bytes,
                         const ev_ctx *cx)
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
        print_value(out, indent, key, v, keyw, is_source, cx);
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

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* A scalar as a person reads it: times of day for *ts_us, durations for other *_us,
 * sequence numbers of the alert's direction with their relative value too. */
static char *scalar_text(const char *key, const json_t *v, const ev_ctx *cx)
{
    char buf[160];
    if (json_is_integer(v) && json_integer_value(v) >= 0) {
        uint64_t u = (uint64_t)json_integer_value(v);
        if (ends_with(key, "ts_us") || !strcmp(key, "ts")) {
            sw_format_timestamp(u, buf, sizeof buf);
            return strdup(buf);
        }
        if (ends_with(key, "_us")) {
            sw_show_duration(u, buf, sizeof buf);
            return strdup(buf);
        }
        if (cx && cx->has_base && u <= 0xffffffffu &&
            (!strcmp(key, "seq") || !strcmp(key, "segment_seq"))) {
            snprintf(buf, sizeof buf, "%" PRIu64 " (relative %" PRIu32 ")", u,
                     (uint32_t)u - cx->base);
            return strdup(buf);
        }
    }
    if (json_is_string(v))
        return strdup(json_string_value(v));
    if (json_is_array(v) && json_array_size(v)) {   /* scalars: "a, b, c" */
        size_t i, cap = 0, k = 0;
        const json_t *x;
        json_array_foreach((json_t *)v, i, x)
            if (json_is_object(x) || json_is_array(x))
                return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER);
        char *out = NULL;
        json_array_foreach((json_t *)v, i, x) {
            char *t = scalar_text(key, x, cx);
            size_t need = k + (t ? strlen(t) : 1) + 3;
            if (need > cap) {
                char *grown = realloc(out, cap = need * 2);
                if (!grown) {
                    free(t);
                    free(out);
                    return NULL;
                }
                out = grown;
            }
            k += (size_t)snprintf(out + k, cap - k, "%s%s", i ? ", " : "", t ? t : "?");
            free(t);
        }
        return out;
    }
    return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER);
}

/* One array element: an object as "key value, key value", else the scalar. */
static void print_item(FILE *out, const json_t *v, const ev_ctx *cx)
{
    if (!json_is_object(v)) {
        char *t = scalar_text("", v, cx);
        fputs(t ? t : "?", out);
        free(t);
        return;
    }
    const char *k;
    const json_t *x;
    const char *sep = "";
    json_object_foreach((json_t *)v, k, x) {
        char *t = scalar_text(k, x, cx);
        fprintf(out, "%s%s %s", sep, k, t ? t : "?");
        free(t);
        sep = ", ";
    }
}

static void print_value(FILE *out, const char *indent, const char *key, const json_t *v,
                        size_t keyw, int skip_bytes, const ev_ctx *cx)
{
    if (json_is_object(v)) {
        fprintf(out, "%s%s\n", indent, key);
        char in2[64];
        snprintf(in2, sizeof in2, "%s  ", strlen(indent) < 40 ? indent : "");
        print_object(out, in2, v, skip_bytes, cx);
        return;
    }
    if (json_is_array(v)) {
        size_t i, nobj = 0;
        const json_t *x;
        json_array_foreach((json_t *)v, i, x)
            nobj += json_is_object(x) || json_is_array(x);
        if (nobj == 0) {      /* scalars: one line */
            fprintf(out, "%s%-*s  ", indent, (int)keyw, key);
            json_array_foreach((json_t *)v, i, x) {
                if (i)
                    fputs(", ", out);
                print_item(out, x, cx);
            }
            fprintf(out, "%s\n", json_array_size(v) ? "" : "(none)");
            return;
        }
        fprintf(out, "%s%s\n", indent, key);
        json_array_foreach((json_t *)v, i, x) {
            fprintf(out, "%s  - ", strlen(indent) < 40 ? indent : "");
            print_item(out, x, cx);
            fputc('\n', out);
        }
        return;
    }
    char *s = scalar_text(key, v, cx);
    fprintf(out, "%s%-*s  %s\n", indent, (int)keyw, key, s ? s : "?");
    free(s);
}

/* ---- times ------------------------------------------------------------------- */

void sw_show_clock(uint64_t ts_us, char *buf, size_t len)
{
    time_t secs = (time_t)(ts_us / 1000000u);
    struct tm tm;
    char hms[16] = "??:??:??";
    if (gmtime_r(&secs, &tm))
        strftime(hms, sizeof hms, "%H:%M:%S", &tm);
    snprintf(buf, len, "%s.%06u", hms, (unsigned)(ts_us % 1000000u));
}

void sw_show_duration(uint64_t us, char *buf, size_t len)
{
    if (us < 1000)
        snprintf(buf, len, "%" PRIu64 " us", us);
    else if (us < 1000000)
        snprintf(buf, len, "%.1f ms", (double)us / 1000.0);
    else if (us < 120000000)
        snprintf(buf, len, "%.3f s", (double)us / 1e6);
    else
        snprintf(buf, len, "%" PRIu64 " min %" PRIu64 " s", us / 60000000, us / 1000000 % 60);
}

/* ---- ladder model -------------------------------------------------------------- */

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

/* the flags carry this letter ('.' and 'A' both mean ACK) */
static int has_flag(const json_t *p, char c)
{
    char fl[16];
    flag_letters(json_object_get(p, "flags"), fl, sizeof fl);
    if (c == 'A')
        return strchr(fl, 'A') || strchr(fl, '.');
    return strchr(fl, c) != NULL;
}

/* 0 = client to server, 1 = server to client, -1 unknown */
static int dir_value(const json_t *d)
{
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

static int packet_dir(const json_t *p)
{
    return dir_value(json_object_get(p, "dir"));
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

static int u32_field(const json_t *p, const char *key, uint32_t *out)
{
    json_int_t v;
    if (!has_int(p, key, &v) || v < 0 || v > 0xffffffffll)
        return 0;
    *out = (uint32_t)v;
    return 1;
}

uint32_t sw_show_seq(const sw_show_model *m, int dir, uint32_t seq)
{
    if (m->absolute || dir < 0 || !m->has_base[dir])
        return seq;
    return seq - m->base[dir];
}

void sw_show_row_label(const sw_show_model *m, const sw_show_row *r, char *buf, size_t len)
{
    const json_t *p = r->p;
    char fl[16];
    flag_letters(json_object_get(p, "flags"), fl, sizeof fl);
    size_t k = (size_t)snprintf(buf, len, "%s", fl);
    static const char *const fields[] = {"seq", "ack", "len", "win", "ttl"};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0] && k < len; i++) {
        json_int_t v;
        uint32_t u;
        if (i < 2 && r->dir >= 0 && u32_field(p, fields[i], &u)) {
            /* seq in the sender's space, ack in the other's */
            int space = i == 0 ? r->dir : !r->dir;
            k += (size_t)snprintf(buf + k, len - k, " %s=%" PRIu32, fields[i],
                                  sw_show_seq(m, space, u));
        } else if (has_int(p, fields[i], &v)) {
            k += (size_t)snprintf(buf + k, len - k, " %s=%" JSON_INTEGER_FORMAT, fields[i], v);
        }
    }
}

static void mark(sw_show_row *r, unsigned bits, const char *why)
{
    r->marks |= bits;
    if (why && !r->why[0])
        snprintf(r->why, sizeof r->why, "%s", why);
}

static int is_event(const char *ev, const char *const *list)
{
    for (size_t i = 0; ev && list[i]; i++)
        if (!strcmp(ev, list[i]))
            return 1;
    return 0;
}

/* events whose triggering packet is the one believed forged */
static const char *const trigger_forged[] = {
    "synack_bad_ack", "syn_in_established", "data_beyond_window", "rst_injection",
    "rst_out_of_window", "fin_injection", "ttl_anomaly", "tsval_regression",
    "tsecr_unsent_echo", "mac_change", "insertion_attempt", "data_injection", NULL};

/* The version of overlapping bytes believed forged: "first_version",
 * "second_version", or NULL when the evidence does not say. */
const char *sw_show_forged_version(const json_t *ev)
{
    const json_t *v1 = json_object_get(ev, "first_version");
    const json_t *v2 = json_object_get(ev, "second_version");
    if (!json_is_object(v1) || !json_is_object(v2))
        return NULL;
    const char *ttl = str(ev, "foreign_by_ttl");
    if (ttl && !strcmp(ttl, "first_version"))
        return "first_version";
    if (ttl && !strcmp(ttl, "second_version"))
        return "second_version";
    const json_t *m1 = json_object_get(v1, "ttl_matches_baseline");
    const json_t *m2 = json_object_get(v2, "ttl_matches_baseline");
    if (json_is_false(m1) && json_is_true(m2))
        return "first_version";
    if (json_is_true(m1) && json_is_false(m2))
        return "second_version";
    /* a data_injection (a delivered foreign-looking segment) was held over the range */
    if (json_is_array(json_object_get(ev, "foreign_fingerprint")))
        return "first_version";
    return NULL;
}

/* Ladder times are rebuilt from encoded gaps (exact below 2 ms, within 1/1024 of
 * each gap above, rules/ck_state.h): a packet's time is exact for the newest
 * of its ladder and drifts by at most age/1024 for older ones. */
static uint64_t time_tolerance(uint64_t ts, uint64_t last)
{
    return 2 + (last > ts ? last - ts : 0) / 1024;
}

static int near(uint64_t a, uint64_t b, uint64_t tol)
{
    return (a > b ? a - b : b - a) <= tol;
}

/* the same packet in two ladders: same header fields, times within tolerance */
static int same_packet(const sw_show_row *r, const json_t *b, int has_ts, uint64_t ts,
                       uint64_t tol)
{
    static const char *const keys[] = {"dir", "flags", "seq", "ack", "len", "ttl", "win"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (!json_equal(json_object_get(r->p, keys[i]), json_object_get(b, keys[i])) &&
            (json_object_get(r->p, keys[i]) || json_object_get(b, keys[i])))
            return 0;
    if (r->has_ts != has_ts)
        return 0;
    return !has_ts || near(r->ts, ts, r->tol + tol);
}

static sw_show_row *new_row(sw_show_model *m, const json_t *p, int has, uint64_t ts, uint64_t tol)
{
    if (m->n == SW_SHOW_ROWS_MAX) {
        m->dropped++;
        return NULL;
    }
    sw_show_row *r = &m->rows[m->n++];
    memset(r, 0, sizeof *r);
    r->p = p;
    r->has_ts = has;
    r->ts = ts;
    r->tol = tol;
    r->dir = packet_dir(p);
    r->order = m->n - 1;
    r->src = r->claimed = m->ndocs;
    return r;
}

/* The row of an overlap version (same direction and segment start, time within
 * the row's tolerance), or NULL. */
static sw_show_row *version_row(sw_show_model *m, const json_t *ver, int adir)
{
    uint64_t vts;
    uint32_t vseq, pseq;
    if (!packet_ts(ver, &vts) || !u32_field(ver, "segment_seq", &vseq))
        return NULL;
    for (size_t j = 0; j < m->n; j++) {
        sw_show_row *r = &m->rows[j];
        if (r->has_ts && near(vts, r->ts, r->tol) && u32_field(r->p, "seq", &pseq) &&
            pseq == vseq && (adir < 0 || r->dir == adir))
            return r;
    }
    return NULL;
}

/* A version no ladder holds (it came before the ladders' packets): a row from the
 * evidence's headers (time, flags, seq, len, TTL; no ack or window), owned by m. */
static sw_show_row *version_as_row(sw_show_model *m, const json_t *ver, int adir)
{
    uint64_t vts;
    json_int_t seq, len = 0, x;
    if (adir < 0 || !packet_ts(ver, &vts) || !has_int(ver, "segment_seq", &seq))
        return NULL;
    has_int(ver, "segment_len", &len);
    if (!m->extra && !(m->extra = json_array()))
        return NULL;
    json_t *p = json_pack("{s:I, s:s, s:I, s:I, s:b}", "ts_us", (json_int_t)vts, "dir",
                          adir ? "to_client" : "to_server", "seq", seq, "len", len,
                          "from_evidence", 1);
    if (!p || json_array_append_new(m->extra, p) != 0)
        return NULL;
    if (str(ver, "flags"))
        json_object_set_new(p, "flags", json_string(str(ver, "flags")));
    if (has_int(ver, "ttl", &x))
        json_object_set_new(p, "ttl", json_integer(x));
    return new_row(m, p, 1, vts, 0);
}

/* Mark the two versions of an overlap. In a verdict's chain (related) with neither
 * version foreign-looking, the one the receiver kept is the injection: the verdict
 * means its real sender then fell out of sync with it. */
static size_t mark_versions(sw_show_model *m, const json_t *ev, int adir, int related)
{
    const char *fv = sw_show_forged_version(ev);
    const char *kept = str(ev, "receiver_has");
    const char *acked = str(ev, "receiver_acknowledged");
    if (!kept && acked && !strcmp(acked, "first_version"))
        kept = "first_version";
    size_t added = 0;
    for (int v = 0; v < 2; v++) {
        const char *name = v ? "second_version" : "first_version";
        const json_t *ver = json_object_get(ev, name);
        if (!json_is_object(ver))
            return added;
        sw_show_row *r = version_row(m, ver, adir);
        if (!r && (r = version_as_row(m, ver, adir)) != NULL)
            added++;
        if (!r)
            continue;
        uint64_t vts;
        if (packet_ts(ver, &vts)) {   /* the evidence's time is exact, the ladder's rebuilt */
            r->ts = vts;
            r->tol = 0;
        }
        const char *which = v ? "second version" : "first version";
        const char *src = json_is_true(json_object_get(r->p, "from_evidence"))
                              ? ", headers from the evidence" : "";
        unsigned bits;
        const char *what;
        if (fv) {
            int forged = !strcmp(fv, name);
            bits = forged ? SW_ROW_FORGED | (related ? SW_ROW_INJECTED : 0) : SW_ROW_GENUINE;
            what = forged ? "forged" : "genuine";
        } else if (related && kept) {
            int inj = !strcmp(kept, name);
            bits = inj ? SW_ROW_INJECTED : SW_ROW_GENUINE;
            what = inj ? "the version the receiver kept" : "the real sender's";
        } else {
            bits = SW_ROW_VERSION;
            what = "overlap";
        }
        r->marks |= bits;
        snprintf(r->why, sizeof r->why, "%s: %s%s", what, which, src);
    }
    return added;
}

/* Add one document's packets (deduplicated) and mark them; returns rows added. */
static size_t add_doc(sw_show_model *m, const json_t *doc, int related)
{
    const json_t *h = json_object_get(doc, "hijack");
    const json_t *pk = json_object_get(h, "packets");
    const json_t *ev = json_object_get(h, "evidence");
    const char *event = str(h, "event");
    int adir = dir_value(json_object_get(h, "direction"));
    size_t added = 0;
    uint64_t last = 0, ts;
    /* the events merged into this alert (hijack.also: the same packet's other
     * findings) are named on its trigger row */
    char also[96] = "";
    const json_t *al = json_object_get(h, "also");
    for (size_t i = 0, k = 0; i < json_array_size(al) && k < sizeof also; i++) {
        const char *an = str(json_array_get(al, i), "event");
        if (an)
            k += (size_t)snprintf(also + k, sizeof also - k, "%s%s", k ? ", " : "with ", an);
    }
    for (size_t i = 0; i < json_array_size(pk); i++)
        if (packet_ts(json_array_get(pk, i), &ts) && ts > last)
            last = ts;
    for (size_t i = 0; i < json_array_size(pk); i++) {
        const json_t *p = json_array_get(pk, i);
        if (!json_is_object(p))
            continue;
        int has = packet_ts(p, &ts);
        uint64_t tol = has ? time_tolerance(ts, last) : 0;
        /* the same packet in another document's ladder: the nearest in time not
         * already taken by this document (two dup ACKs of one ladder stay two) */
        sw_show_row *r = NULL;
        uint64_t best = 0;
        for (size_t j = 0; j < m->n; j++) {
            sw_show_row *c = &m->rows[j];
            if (c->src == m->ndocs || c->claimed == m->ndocs || !same_packet(c, p, has, ts, tol))
                continue;
            uint64_t d = has ? (c->ts > ts ? c->ts - ts : ts - c->ts) : 0;
            if (!r || d < best) {
                r = c;
                best = d;
            }
        }
        if (r)
            r->claimed = m->ndocs;
        if (r && has && tol < r->tol) {   /* keep the more exact time */
            r->p = p;
            r->ts = ts;
            r->tol = tol;
        }
        if (!r) {
            if (!(r = new_row(m, p, has, ts, tol)))
                continue;
            added++;
        }
        int trig = json_is_true(json_object_get(p, "trigger")) ||
                   json_is_true(json_object_get(p, "mark"));
        char why[96];
        if (trig && (is_event(event, trigger_forged) ||
                     json_is_true(json_object_get(ev, "sender_foreign")))) {
            snprintf(why, sizeof why, "forged (%s)", event);
            mark(r, SW_ROW_FORGED | (related ? SW_ROW_INJECTED : 0), why);
        }
        if (trig && !related)
            mark(r, SW_ROW_TRIGGER, also[0] ? also : NULL);
        if (trig && related) {
            snprintf(why, sizeof why, "%s", event ? event : "chain");
            mark(r, SW_ROW_CHAIN, why);
        }
    }
    /* the two versions of an overlap, matched by time and segment start (their
     * marks say more than the chain's event name) */
    if (json_is_object(ev))
        added += mark_versions(m, ev, adir, related);
    m->ndocs++;
    return added;
}

void sw_show_model_free(sw_show_model *m)
{
    if (m)
        json_decref(m->extra);
    free(m);
}

static int row_cmp(const void *a, const void *b)
{
    const sw_show_row *x = a, *y = b;
    if (x->has_ts != y->has_ts)
        return x->has_ts ? -1 : 1;
    if (x->ts != y->ts)
        return x->ts < y->ts ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;   /* then as added */
}

/* Relative 0 of each sequence space: the ISN when the ladder shows it (a SYN of that
 * direction, or the other side's SYN-ACK acknowledging it), as Wireshark counts;
 * else the lowest number seen in it (its sender's seq, the other side's ack), so
 * that every value shown is >= 0. */
static void find_bases(sw_show_model *m)
{
    for (size_t i = 0; i < m->n; i++) {
        const sw_show_row *r = &m->rows[i];
        uint32_t v;
        if (r->dir < 0)
            continue;
        if (has_flag(r->p, 'S') && u32_field(r->p, "seq", &v)) {
            if (!m->base_is_isn[r->dir]) {
                m->base[r->dir] = v;
                m->has_base[r->dir] = m->base_is_isn[r->dir] = 1;
            }
            /* a SYN-ACK acknowledges the other side's ISN + 1 */
            if (has_flag(r->p, 'A') && !m->base_is_isn[!r->dir] && u32_field(r->p, "ack", &v)) {
                m->base[!r->dir] = v - 1;
                m->has_base[!r->dir] = m->base_is_isn[!r->dir] = 1;
            }
            continue;
        }
        for (int k = 0; k < 2; k++) {
            int space = k == 0 ? r->dir : !r->dir;
            if (m->base_is_isn[space])
                continue;
            if (k == 1 && !has_flag(r->p, 'A'))
                continue;
            if (!u32_field(r->p, k == 0 ? "seq" : "ack", &v))
                continue;
            if (!m->has_base[space] || (int32_t)(v - m->base[space]) < 0) {
                m->base[space] = v;
                m->has_base[space] = 1;
            }
        }
    }
}

/* The impersonated side's real position at the loss of sync: its SND.NXT as its own
 * latest segments declare it, and what its peer expects from it (the injected bytes
 * lie between). From the out-of-sync alert of the chain (desync or ack_storm). */
static int real_position(const json_t *ev, int side, uint32_t *snd_nxt, uint32_t *expects)
{
    const json_t *me = json_object_get(ev, side ? "server" : "client");
    const json_t *peer = json_object_get(ev, side ? "client" : "server");
    if (!u32_field(me, "declared_snd_nxt", snd_nxt))
        return 0;
    return u32_field(me, "peer_expects", expects) ||      /* desync */
           u32_field(peer, "expects_seq", expects);       /* ack_storm */
}

/* In a verdict's ladder: packets of the impersonated direction, up to the loss of
 * sync, that reach beyond the real sender's declared SND.NXT into what its peer
 * accepted from the attacker. The real sender never sent those sequence numbers:
 * its own segments end at or below its SND.NXT, which only grows. */
static void mark_beyond_real(sw_show_model *m, const json_t *doc, const sw_show_opts *o)
{
    const json_t *ev = json_object_get(json_object_get(doc, "hijack"), "evidence");
    const char *toward = str(ev, "injected_toward");
    json_int_t until;
    if (!toward || !has_int(ev, "out_of_sync_ts_us", &until) || !o)
        return;
    int side = !strcmp(toward, "server") ? 0 : 1;    /* the impersonated sender */
    uint32_t nxt = 0, exp = 0;
    int have = 0;
    for (size_t i = 0; i < o->nrelated && !have; i++) {
        const json_t *oh = json_object_get(o->related[i], "hijack");
        if (sw_show_in_chain(doc, o->related[i]) && str(oh, "event") &&
            str(ev, "out_of_sync") && !strcmp(str(oh, "event"), str(ev, "out_of_sync")))
            have = real_position(json_object_get(oh, "evidence"), side, &nxt, &exp);
    }
    if (!have || (int32_t)(exp - nxt) <= 0)
        return;
    for (size_t i = 0; i < m->n; i++) {
        sw_show_row *r = &m->rows[i];
        uint32_t seq, end;
        json_int_t len = 0;
        if (r->dir != side || !r->has_ts || r->ts > (uint64_t)until || r->marks & SW_ROW_INJECTED ||
            json_is_true(json_object_get(r->p, "from_evidence")) || !u32_field(r->p, "seq", &seq))
            continue;
        has_int(r->p, "len", &len);
        end = seq + (uint32_t)len;   /* a pure ACK carries its sender's SND.NXT: end = seq */
        if ((int32_t)(end - nxt) > 0 && (int32_t)(end - exp) <= 0) {
            r->marks |= SW_ROW_INJECTED;
            snprintf(r->why, sizeof r->why, "not the %s's: beyond its SND.NXT (%" PRIu32 ")",
                     side ? "server" : "client", sw_show_seq(m, side, nxt));
        }
    }
}

void sw_show_model_build(sw_show_model *m, const json_t *doc, const sw_show_opts *o)
{
    memset(m, 0, sizeof *m);
    const json_t *h = json_object_get(doc, "hijack");
    m->absolute = o && o->absolute;
    /* the client is the sender when the alert's packet went to the server */
    const char *dirn = str(h, "direction");
    m->src_is_client = !(dirn && strcmp(dirn, "to_client") == 0);
    char a[80], b[80];
    endpoint(a, sizeof a, str(doc, "src_ip"), json_object_get(doc, "src_port"));
    endpoint(b, sizeof b, str(doc, "dest_ip"), json_object_get(doc, "dest_port"));
    snprintf(m->client, sizeof m->client, "%s", m->src_is_client ? a : b);
    snprintf(m->server, sizeof m->server, "%s", m->src_is_client ? b : a);
    m->client_ip = str(doc, m->src_is_client ? "src_ip" : "dest_ip");
    m->server_ip = str(doc, m->src_is_client ? "dest_ip" : "src_ip");
    m->client_port = m->server_port = -1;
    has_int(doc, m->src_is_client ? "src_port" : "dest_port", &m->client_port);
    has_int(doc, m->src_is_client ? "dest_port" : "src_port", &m->server_port);
    add_doc(m, doc, 0);
    for (size_t i = 0; o && i < o->nrelated; i++)
        if (sw_show_in_chain(doc, o->related[i]))
            m->from_related += add_doc(m, o->related[i], 1);
    qsort(m->rows, m->n, sizeof m->rows[0], row_cmp);
    find_bases(m);
    mark_beyond_real(m, doc, o);
}

/* ---- chain --------------------------------------------------------------------- */

int sw_show_in_chain(const json_t *doc, const json_t *other)
{
    const json_t *h = json_object_get(doc, "hijack");
    const json_t *oh = json_object_get(other, "hijack");
    const json_t *chain = json_object_get(json_object_get(h, "evidence"), "chain");
    const json_t *ichain = json_object_get(json_object_get(h, "incident"), "chain");
    if ((!json_is_array(chain) && !json_is_array(ichain)) || !json_is_object(oh) || doc == other)
        return 0;
    if (!json_equal(json_object_get(doc, "flow_id"), json_object_get(other, "flow_id")) ||
        !json_equal(json_object_get(h, "conn_instance"), json_object_get(oh, "conn_instance")))
        return 0;
    const char *oid = str(other, "alert_id"), *oev = str(oh, "event");
    /* an alert the verdict lists as its incident's chain (hijack.incident.chain) */
    size_t k;
    const json_t *id;
    json_array_foreach((json_t *)ichain, k, id)
        if (oid && json_is_string(id) && !strcmp(json_string_value(id), oid))
            return 1;
    /* an alert that names this verdict as its incident */
    const char *inc = str(other, "incident_id") ? str(other, "incident_id")
                                                : str(oh, "incident_id");
    if (inc && str(doc, "alert_id") && !strcmp(inc, str(doc, "alert_id")))
        return 1;
    uint64_t ots = 0;
    const char *otime = str(other, "timestamp");
    int have_ots = otime && sw_parse_timestamp(otime, &ots) == 0;
    size_t i;
    const json_t *c;
    json_array_foreach((json_t *)chain, i, c) {
        const char *cid = str(c, "alert_id");
        if (cid && oid && !strcmp(cid, oid))
            return 1;
        uint64_t cts;
        if (!cid && oev && str(c, "event") && !strcmp(str(c, "event"), oev) && have_ots &&
            packet_ts(c, &cts) && cts == ots &&
            dir_value(json_object_get(c, "dir")) == dir_value(json_object_get(oh, "direction")))
            return 1;
    }
    return 0;
}

/* ---- text ladder --------------------------------------------------------------- */

static void row_note(const sw_show_row *r, char *buf, size_t len)
{
    buf[0] = '\0';
    if (r->marks & SW_ROW_TRIGGER)
        snprintf(buf, len, "  <== ALERT%s%s", r->why[0] ? ", " : "", r->why);
    else if (r->marks & (SW_ROW_FORGED | SW_ROW_GENUINE | SW_ROW_INJECTED))
        snprintf(buf, len, "  <== %s%s", r->marks & SW_ROW_INJECTED ? "INJECTED, " : "",
                 r->why);
    else if (r->marks & (SW_ROW_CHAIN | SW_ROW_VERSION))
        snprintf(buf, len, "  <-- %s", r->why);
}

int sw_show_ladder_opts(FILE *out, const json_t *doc, const sw_show_opts *o)
{
    sw_show_model *m = malloc(sizeof *m);
    if (!m)
        return 0;
    sw_show_model_build(m, doc, o);
    if (m->n == 0) {
        sw_show_model_free(m);
        return 0;
    }
    char client[110], server[110];
    snprintf(client, sizeof client, "client %s", m->client);
    snprintf(server, sizeof server, "server %s", m->server);
    size_t labw = 0;
    uint64_t t0 = 0;
    int have_t0 = 0;
    for (size_t i = 0; i < m->n; i++) {
        char lab[160];
        sw_show_row_label(m, &m->rows[i], lab, sizeof lab);
        if (strlen(lab) > labw)
            labw = strlen(lab);
        if (!have_t0 && m->rows[i].has_ts) {
            t0 = m->rows[i].ts;
            have_t0 = 1;
        }
    }
    /* arrow: "|-- label --...-->|" ; inner width between the bars */
    size_t inner = labw + 8;
    if (inner < strlen(client) + strlen(server) + 6)
        inner = strlen(client) + strlen(server) + 6;
    const int tw = 13 + 17;   /* time of day, then seconds from the first */
    fprintf(out, "%*s%s", tw, "", client);
    size_t used = strlen(client);
    size_t total = inner + 2;
    fprintf(out, "%*s%s\n", (int)(total > used + strlen(server) ? total - used - strlen(server) : 1),
            "", server);
    for (size_t i = 0; i < m->n; i++) {
        const sw_show_row *r = &m->rows[i];
        char tcol[64] = "";
        if (have_t0 && r->has_ts) {
            int neg = r->ts < t0;
            uint64_t d = neg ? t0 - r->ts : r->ts - t0;
            char clk[32];
            sw_show_clock(r->ts, clk, sizeof clk);
            snprintf(tcol, sizeof tcol, "%s  %c%" PRIu64 ".%06" PRIu64, clk, neg ? '-' : '+',
                     d / 1000000, d % 1000000);
        }
        char lab[160];
        sw_show_row_label(m, r, lab, sizeof lab);
        int dir = r->dir;
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
        char note[140];
        row_note(r, note, sizeof note);
        fprintf(out, "  %-*s%s%s\n", tw - 2, tcol, line, note);
    }
    if (m->dropped)
        fprintf(out, "  (%zu more packets not drawn)\n", m->dropped);
    int n = (int)m->n;
    sw_show_model_free(m);
    return n;
}

int sw_show_ladder(FILE *out, const json_t *doc)
{
    return sw_show_ladder_opts(out, doc, NULL);
}

/* ---- the verdict sentence ---------------------------------------------------- */

typedef struct sbuf {
    char *b;
    size_t len, k;
} sbuf;

__attribute__((format(printf, 2, 3))) static void sb_add(sbuf *s, const char *fmt, ...)
{
    if (s->k >= s->len)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(s->b + s->k, s->len - s->k, fmt, ap);
    va_end(ap);
    if (n > 0)
        s->k = s->k + (size_t)n < s->len ? s->k + (size_t)n : s->len - 1;
}

static const char *plural(json_int_t n)
{
    return n == 1 || n == -1 ? "" : "s";
}

/* "TTL 51, IP-ID 4919, MAC 02:de:ad:be:ef:01" from a version / packet object */
static void fingerprint(sbuf *s, const json_t *v)
{
    json_int_t x;
    const char *sep = "";
    if (has_int(v, "ttl", &x)) {
        sb_add(s, "TTL %" JSON_INTEGER_FORMAT, x);
        sep = ", ";
    }
    if (has_int(v, "ip_id", &x)) {
        sb_add(s, "%sIP-ID %" JSON_INTEGER_FORMAT, sep, x);
        sep = ", ";
    }
    if (str(v, "mac")) {
        sb_add(s, "%sMAC %s", sep, str(v, "mac"));
        sep = ", ";
    }
    if (!*sep)
        sb_add(s, "no fingerprint recorded");
}

static const char *peer(int to_server, int receiver)
{
    return (to_server ? receiver : !receiver) ? "the server" : "the client";
}

static void verdict_overlap(sbuf *s, const json_t *ev, int to_server)
{
    const char *fv = sw_show_forged_version(ev);
    const json_t *v1 = json_object_get(ev, "first_version");
    const json_t *v2 = json_object_get(ev, "second_version");
    json_int_t n = 0, iv = -1;
    has_int(ev, "len", &n);
    has_int(ev, "interval_us", &iv);
    char gap[32] = "?";
    if (iv >= 0)
        sw_show_duration((uint64_t)iv, gap, sizeof gap);
    const char *rcv = peer(to_server, 1);
    const char *acked = str(ev, "receiver_acknowledged");
    const char *has = str(ev, "receiver_has");
    if (!fv) {
        sb_add(s, "%s received two different versions of %" JSON_INTEGER_FORMAT
                  " byte%s %s apart (", rcv, n, plural(n), gap);
        static const char *const fp[] = {"ttl", "ip_id", "mac"};
        int same = 1;
        for (size_t i = 0; i < sizeof fp / sizeof fp[0]; i++)
            same &= json_equal(json_object_get(v1, fp[i]), json_object_get(v2, fp[i])) ||
                    (!json_object_get(v1, fp[i]) && !json_object_get(v2, fp[i]));
        if (same) {
            sb_add(s, "both with ");
            fingerprint(s, v1);
        } else {
            sb_add(s, "first: ");
            fingerprint(s, v1);
            sb_add(s, "; second: ");
            fingerprint(s, v2);
        }
        sb_add(s, "); %s", acked && !strcmp(acked, "first_version")
                               ? "it had acknowledged the first"
                               : "which one it kept depends on its stack");
        return;
    }
    int forged_first = !strcmp(fv, "first_version");
    const json_t *f = forged_first ? v1 : v2;
    int kept_forged = -1;   /* -1 unknown */
    if (has)
        kept_forged = !strcmp(has, fv);
    else if (acked && !strcmp(acked, "first_version"))
        kept_forged = forged_first;
    if (kept_forged == 1) {
        sb_add(s, "%s accepted the forged version -- ", rcv);
        fingerprint(s, f);
        sb_add(s, " -- %s %s the genuine one", gap, forged_first ? "before" : "after");
    } else if (kept_forged == 0) {
        sb_add(s, "%s kept the genuine version; a forged one -- ", rcv);
        fingerprint(s, f);
        sb_add(s, " -- came %s %s it%s", gap, forged_first ? "before" : "after",
               has ? " and could not reach it" : "");
    } else {
        sb_add(s, "a forged version -- ");
        fingerprint(s, f);
        sb_add(s, " -- went to %s %s %s the genuine one; which one it kept depends on its stack",
               rcv, gap, forged_first ? "before" : "after");
    }
    if (n > 0)
        sb_add(s, " (%" JSON_INTEGER_FORMAT " byte%s)", n, plural(n));
}

static void verdict_chain(sbuf *s, const json_t *ev)
{
    const json_t *chain = json_object_get(ev, "chain");
    json_int_t t = -1, iv = -1;
    has_int(ev, "injection_ts_us", &t);
    has_int(ev, "interval_us", &iv);
    const char *toward = str(ev, "injected_toward");
    sb_add(s, "the connection was taken over: data injected toward the %s",
           toward ? toward : "other side");
    if (t >= 0) {
        char clk[32];
        sw_show_clock((uint64_t)t, clk, sizeof clk);
        sb_add(s, " at %s", clk);
    }
    size_t i, j;
    const json_t *c, *d;
    const char *sep = " (";
    json_array_foreach((json_t *)chain, i, c) {
        const char *role = str(c, "role"), *name = str(c, "event");
        if (!name || !role || strcmp(role, "injection"))
            continue;
        int seen = 0, times = 0;   /* each event once, with its count */
        json_array_foreach((json_t *)chain, j, d) {
            const char *r2 = str(d, "role"), *e2 = str(d, "event");
            if (e2 && r2 && !strcmp(r2, "injection") && !strcmp(e2, name)) {
                seen |= j < i;
                times++;
            }
        }
        if (seen)
            continue;
        sb_add(s, "%s%s", sep, name);
        if (times > 1)
            sb_add(s, " x%d", times);
        sep = ", ";
    }
    if (strcmp(sep, " ("))
        sb_add(s, ")");
    sb_add(s, ", then the real endpoints fell out of sync (%s)",
           str(ev, "out_of_sync") ? str(ev, "out_of_sync") : "?");
    if (iv >= 0) {
        char gap[32];
        sw_show_duration((uint64_t)iv, gap, sizeof gap);
        sb_add(s, " %s later", gap);
    }
}

/* " -- the packet: FP. with 56 bytes, TTL 64, to the client at 10:09:49.248700" */
static void trigger_summary(sbuf *s, const json_t *h, int to_server)
{
    const json_t *pk = json_object_get(h, "packets");
    size_t i;
    const json_t *p;
    json_array_foreach((json_t *)pk, i, p) {
        if (!json_is_object(p) || !json_is_true(json_object_get(p, "trigger")))
            continue;
        char fl[16];
        flag_letters(json_object_get(p, "flags"), fl, sizeof fl);
        json_int_t v;
        sb_add(s, " -- the packet: %s", fl);
        if (has_int(p, "len", &v) && v > 0)
            sb_add(s, " with %" JSON_INTEGER_FORMAT " byte%s", v, plural(v));
        if (has_int(p, "ttl", &v))
            sb_add(s, ", TTL %" JSON_INTEGER_FORMAT, v);
        sb_add(s, ", to %s", peer(to_server, 1));
        uint64_t ts;
        if (packet_ts(p, &ts)) {
            char clk[32];
            sw_show_clock(ts, clk, sizeof clk);
            sb_add(s, " at %s", clk);
        }
        return;
    }
}

void sw_show_verdict(const json_t *doc, const sw_show_opts *o, char *buf, size_t len)
{
    (void)o;
    sbuf sb = {buf, len, 0};
    sbuf *s = &sb;
    if (len)
        buf[0] = '\0';
    const json_t *h = json_object_get(doc, "hijack");
    const json_t *ev = json_object_get(h, "evidence");
    const char *event = str(h, "event");
    const char *d = str(h, "direction");
    int to_server = !(d && !strcmp(d, "to_client"));
    const char *snd = peer(to_server, 0), *rcv = peer(to_server, 1);
    json_int_t a = 0, b = 0, c = 0;
    if (!json_is_object(h) || !event) {
        const char *sig = str(json_object_get(doc, "alert"), "signature");
        sb_add(s, "%s (a record from another sensor: no hijack analysis)", sig ? sig : "an alert");
        return;
    }
    if (!json_is_object(ev))
        ev = NULL;
    if (ev && json_is_object(json_object_get(ev, "first_version")) &&
        json_is_object(json_object_get(ev, "second_version"))) {
        verdict_overlap(s, ev, to_server);
    } else if (ev && json_is_array(json_object_get(ev, "chain"))) {
        verdict_chain(s, ev);
    } else if (ev && !strcmp(event, "ttl_anomaly") && has_int(ev, "ttl", &a) &&
               has_int(ev, "baseline_ttl", &b)) {
        sb_add(s, "a segment to %s carried TTL %" JSON_INTEGER_FORMAT " where %s's packets have %"
                  JSON_INTEGER_FORMAT, rcv, a, snd, b);
        if (has_int(ev, "len", &c) && json_is_true(json_object_get(ev, "in_window_data")))
            sb_add(s, ", with %" JSON_INTEGER_FORMAT " byte%s of in-window data", c, plural(c));
        if (json_is_object(json_object_get(ev, "baseline_resumed")))
            sb_add(s, "; the usual TTL came back after it (two senders)");
    } else if (ev && !strcmp(event, "mac_change") && str(ev, "mac") && str(ev, "baseline_mac")) {
        sb_add(s, "a segment to %s came from MAC %s, not %s's %s", rcv, str(ev, "mac"), snd,
               str(ev, "baseline_mac"));
        if (has_int(ev, "ttl", &a) && has_int(ev, "baseline_ttl", &b) && a != b)
            sb_add(s, " (TTL %" JSON_INTEGER_FORMAT " instead of %" JSON_INTEGER_FORMAT ")", a, b);
        if (has_int(ev, "len", &c) && json_is_true(json_object_get(ev, "in_window_data")))
            sb_add(s, ", with %" JSON_INTEGER_FORMAT " byte%s of in-window data", c, plural(c));
    } else if (ev && !strcmp(event, "tsval_regression")) {
        const char *why = str(ev, "reason");
        if (why && !strcmp(why, "timestamp_missing"))
            sb_add(s, "a segment to %s lacked the TCP timestamps %s always sends", rcv, snd);
        else if (has_int(ev, "tsval", &a) && has_int(ev, "clock_tsval_max", &b))
            sb_add(s, "a segment to %s carried TSval %" JSON_INTEGER_FORMAT ", behind %s's clock at %"
                      JSON_INTEGER_FORMAT, rcv, a, snd, b);
        else
            sb_add(s, "a segment to %s does not fit %s's timestamp clock (%s)", rcv, snd,
                   why ? why : "?");
        if (has_int(ev, "ttl", &a))
            sb_add(s, ", TTL %" JSON_INTEGER_FORMAT, a);
        if (has_int(ev, "len", &c) && json_is_true(json_object_get(ev, "in_window_data")))
            sb_add(s, ", with %" JSON_INTEGER_FORMAT " byte%s of in-window data", c, plural(c));
    } else if (ev && !strcmp(event, "desync")) {
        const json_t *cl = json_object_get(ev, "client"), *sv = json_object_get(ev, "server");
        sb_add(s, "the client and the server no longer agree on the sequence numbers");
        if (has_int(cl, "offset", &a) && has_int(sv, "offset", &b))
            sb_add(s, ": the client is %" JSON_INTEGER_FORMAT " byte%s %s where the server expects"
                      " it, the server %" JSON_INTEGER_FORMAT " byte%s %s",
                   a < 0 ? -a : a, plural(a), a < 0 ? "behind" : "ahead of", b < 0 ? -b : b,
                   plural(b), b < 0 ? "behind" : "ahead");
        if (str(ev, "last_reason"))
            sb_add(s, " (%s)", str(ev, "last_reason"));
    } else if (ev && !strcmp(event, "ack_storm") && has_int(ev, "pure_acks", &a)) {
        sb_add(s, "%" JSON_INTEGER_FORMAT " pure ACKs", a);
        if (has_int(ev, "interval_ms", &b))
            sb_add(s, " in %" JSON_INTEGER_FORMAT " ms", b);
        if (has_int(ev, "from_client", &b) && has_int(ev, "from_server", &c))
            sb_add(s, " (%" JSON_INTEGER_FORMAT " from the client, %" JSON_INTEGER_FORMAT
                      " from the server)", b, c);
        sb_add(s, ": the two ends keep answering sequence numbers they disagree on");
    } else {
        const char *desc = str(h, "description");
        sb_add(s, "%s", desc && *desc ? desc : event);
        trigger_summary(s, h, to_server);
    }
}

/* ---- the whole alert ----------------------------------------------------------- */

static const char *const shown_top[] = {
    "timestamp", "flow_id", "event_type", "src_ip", "src_port", "dest_ip", "dest_port", "proto",
    "vlan", "alert", "sensor", "host", "alert_id", "hijack", "anomaly", "pcap_filename", NULL};

void sw_show_alert(FILE *out, const char *alert_id, const json_t *doc)
{
    sw_show_alert_opts(out, alert_id, doc, NULL);
}

void sw_show_alert_opts(FILE *out, const char *alert_id, const json_t *doc,
                        const sw_show_opts *o)
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
        char verdict[1024];
        sw_show_verdict(doc, o, verdict, sizeof verdict);
        fprintf(out, "verdict   %s\n", verdict);
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
    if (str(doc, "pcap_filename"))
        fprintf(out, "capture   %s (seqwatch show --pcap prints the filters for it)\n",
                str(doc, "pcap_filename"));

    if (h) {
        const json_t *ev = json_object_get(h, "evidence");
        if (json_is_object(ev) && json_object_size(ev)) {
            fputs("\nevidence\n", out);
            ev_ctx cx = {-1, 0, 0};
            sw_show_model *m = o && o->absolute ? NULL : malloc(sizeof *m);
            if (m) {
                sw_show_model_build(m, doc, o);
                cx.space = m->src_is_client ? 0 : 1;
                cx.base = m->base[cx.space];
                cx.has_base = m->has_base[cx.space];
                sw_show_model_free(m);
            }
            print_object(out, "  ", ev, 0, &cx);
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
                        char *s = scalar_text(key, x, NULL);
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
            sw_show_model *m = malloc(sizeof *m);
            if (m) {
                sw_show_model_build(m, doc, o);
                fprintf(out, "\nladder (last %zu packets of the connection", json_array_size(pk));
                if (m->from_related)
                    fprintf(out, ", and %zu from the alerts of its chain", m->from_related);
                fputs("; UTC time, seconds from the first)\n", out);
                for (int d = 0; d < 2; d++) {
                    if (m->absolute || !m->has_base[d])
                        continue;
                    fprintf(out, "          %s seq relative: 0 = %" PRIu32 "%s\n",
                            d ? "server" : "client", m->base[d],
                            m->base_is_isn[d] ? " (its ISN)" : " (the lowest in the ladder)");
                }
                sw_show_model_free(m);
            }
            sw_show_ladder_opts(out, doc, o);
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
