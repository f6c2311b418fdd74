/*
 * show_graph.c — the ladder of one alert as a flow graph, the way Wireshark's Flow
 * Graph draws a conversation: the client and the server as two vertical lines, one
 * arrow per packet labelled with flags, seq, ack, len, window and TTL, times on the
 * left; the packet believed forged, the injected segment of a chain and the alert's
 * own packet highlighted; both versions of overlapping bytes side by side with the
 * differing bytes marked. As a standalone SVG document or an HTML page holding it.
 *
 * Invariants: self-contained (inline CSS and SVG only: no script, no external
 * reference, nothing fetched); every string taken from the document — addresses,
 * names, flags, payload bytes — goes through xml_text(), which escapes markup and
 * replaces control characters; payload bytes are shown as hex and printable ASCII.
 */
#include "storage/show.h"
#include "storage/alert_json.h"
#include "storage/show_model.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define ROW_H      34
#define TOP        150
#define X_TIME     12
#define X_CLIENT   190
#define X_SERVER   720
#define WIDTH      1180
#define BYTES_MAX  256

static const char *jstr(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Text for XML content and attribute values: markup escaped, control characters
 * (which XML 1.0 forbids) replaced by '?'. */
static void xml_text(FILE *out, const char *s)
{
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        case '\'': fputs("&#39;", out); break;
        default:
            if (c < 0x20 || c == 0x7f)
                fputc('?', out);
            else
                fputc(c, out);
        }
    }
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static size_t unhex(const char *s, unsigned char *out, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; s && s[i] && s[i + 1] && k < cap; i += 2) {
        int a = hexval((unsigned char)s[i]), b = hexval((unsigned char)s[i + 1]);
        if (a < 0 || b < 0)
            break;
        out[k++] = (unsigned char)(a * 16 + b);
    }
    return k;
}

static const char *row_class(unsigned marks)
{
    if (marks & (SW_ROW_INJECTED | SW_ROW_FORGED))
        return "forged";
    if (marks & SW_ROW_TRIGGER)
        return "alert";
    if (marks & SW_ROW_GENUINE)
        return "genuine";
    if (marks & SW_ROW_CHAIN)
        return "chain";
    if (marks & SW_ROW_VERSION)
        return "version";
    return "pkt";
}

static const char svg_style[] =
    "text{font-family:DejaVu Sans Mono,monospace;font-size:13px;fill:#222}"
    ".title{font-size:16px;font-weight:bold}.verdict{font-size:14px;fill:#8a1010}"
    ".host{font-weight:bold;font-size:14px}.time{fill:#555;font-size:12px}"
    ".life{stroke:#444;stroke-width:2}"
    ".pkt line{stroke:#3465a4;stroke-width:1.5}.pkt polygon{fill:#3465a4}"
    ".forged rect.bg{fill:#fbd5d5}.forged line{stroke:#c00;stroke-width:3}.forged polygon{fill:#c00}"
    ".alert rect.bg{fill:#ffe8b0}.alert line{stroke:#d07000;stroke-width:3}.alert polygon{fill:#d07000}"
    ".genuine rect.bg{fill:#d8f0d0}.genuine line{stroke:#2a7a2a;stroke-width:2}.genuine polygon{fill:#2a7a2a}"
    ".chain rect.bg{fill:#eee6f6}.chain line{stroke:#6a3d9a;stroke-width:2}.chain polygon{fill:#6a3d9a}"
    ".version rect.bg{fill:#dde8f6}.version line{stroke:#3465a4;stroke-width:2}.version polygon{fill:#3465a4}"
    ".note{font-weight:bold;font-size:12px}.forged .note{fill:#c00}.alert .note{fill:#b05000}"
    ".genuine .note{fill:#2a7a2a}.chain .note{fill:#6a3d9a}"
    ".diff{fill:#c00;font-weight:bold}.cap{font-weight:bold}";

/* Two versions of the overlapping bytes side by side, differing bytes in red. */
static int bytes_height(const json_t *ev)
{
    const char *a = jstr(json_object_get(ev, "first_version"), "hex");
    const char *b = jstr(json_object_get(ev, "second_version"), "hex");
    if (!a || !b)
        return 0;
    size_t n = strlen(a) > strlen(b) ? strlen(a) / 2 : strlen(b) / 2;
    if (n > BYTES_MAX)
        n = BYTES_MAX;
    return 60 + (int)((n + 15) / 16) * 18;
}

/* forged: the version believed forged, or NULL; kept: in a verdict's chain with
 * neither version foreign-looking, the version the receiver kept (the injection). */
static void bytes_side_by_side(FILE *out, const json_t *ev, const char *forged,
                               const char *kept, int y)
{
    const json_t *v[2] = {json_object_get(ev, "first_version"), json_object_get(ev, "second_version")};
    unsigned char b[2][BYTES_MAX];
    size_t n[2];
    for (int i = 0; i < 2; i++)
        n[i] = unhex(jstr(v[i], "hex"), b[i], BYTES_MAX);
    size_t rows = ((n[0] > n[1] ? n[0] : n[1]) + 15) / 16;
    fprintf(out, "<g id=\"overlap\"><text class=\"cap\" x=\"%d\" y=\"%d\">overlapping bytes, "
                 "both versions (differences in red)</text>\n", X_TIME, y);
    for (int i = 0; i < 2; i++) {
        int x = X_TIME + i * 580;
        const char *name = i ? "second_version" : "first_version";
        const char *role = forged ? (!strcmp(forged, name) ? " - forged" : " - genuine")
                           : kept ? (!strcmp(kept, name) ? " - kept by the receiver: injected"
                                                         : " - the real sender's")
                                  : "";
        fprintf(out, "<text class=\"cap\" x=\"%d\" y=\"%d\">%s version%s (%zu bytes)</text>\n", x,
                y + 22, i ? "second" : "first", role, n[i]);
        for (size_t r = 0; r < rows; r++) {
            fprintf(out, "<text x=\"%d\" y=\"%zu\">%04zx ", x, (size_t)y + 42 + r * 18, r * 16);
            for (size_t k = r * 16; k < r * 16 + 16; k++) {
                if (k >= n[i]) {
                    fputs("   ", out);
                    continue;
                }
                int d = k >= n[1 - i] || b[0][k] != b[1][k];
                fprintf(out, d ? "<tspan class=\"diff\">%02x</tspan> " : "%02x ", b[i][k]);
            }
            fputs(" ", out);
            int open = 0;     /* one tspan per run of differing bytes */
            for (size_t k = r * 16; k < r * 16 + 16 && k < n[i]; k++) {
                int d = k >= n[1 - i] || b[0][k] != b[1][k];
                char c[2] = {isprint(b[i][k]) ? (char)b[i][k] : '.', 0};
                if (d && !open)
                    fputs("<tspan class=\"diff\">", out);
                if (!d && open)
                    fputs("</tspan>", out);
                open = d;
                xml_text(out, c);
            }
            if (open)
                fputs("</tspan>", out);
            fputs("</text>\n", out);
        }
    }
    fputs("</g>\n", out);
}

static void svg_body(FILE *out, const char *alert_id, const json_t *doc, const sw_show_model *m,
                     const sw_show_opts *o)
{
    const json_t *h = json_object_get(doc, "hijack");
    const json_t *ev = json_object_get(h, "evidence");
    int bh = bytes_height(ev), from_chain = 0;
    for (size_t i = 0; !bh && o && i < o->nrelated; i++)
        if (sw_show_in_chain(doc, o->related[i])) {
            const json_t *rev = json_object_get(json_object_get(o->related[i], "hijack"), "evidence");
            if ((bh = bytes_height(rev)) != 0) {
                ev = rev;
                from_chain = 1;
            }
        }
    int height = TOP + (int)m->n * ROW_H + 30 + bh + 20;
    fprintf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                 "viewBox=\"0 0 %d %d\" role=\"img\" style=\"max-width:100%%;height:auto\">\n"
                 "<style>%s</style>\n"
                 "<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>\n",
            WIDTH, height, WIDTH, height, svg_style);
    fputs("<title>seqwatch flow graph: ", out);   /* what a screen reader announces */
    xml_text(out, jstr(h, "event") ? jstr(h, "event") : "alert");
    fputs(" ", out);
    xml_text(out, alert_id ? alert_id : jstr(doc, "alert_id"));
    fputs("</title>\n", out);
    fprintf(out, "<text class=\"title\" x=\"%d\" y=\"24\">", X_TIME);
    xml_text(out, jstr(h, "event") ? jstr(h, "event") : "alert");
    fputs(" - alert ", out);
    xml_text(out, alert_id ? alert_id : jstr(doc, "alert_id"));
    fputs(" - ", out);
    xml_text(out, jstr(doc, "timestamp"));
    fputs("</text>\n", out);
    char verdict[1024];
    sw_show_verdict(doc, o, verdict, sizeof verdict);
    /* the verdict on up to two lines */
    size_t vl = strlen(verdict), cut = vl;
    if (vl > 128) {
        cut = 128;
        while (cut > 60 && verdict[cut] != ' ')
            cut--;
    }
    fprintf(out, "<text class=\"verdict\" x=\"%d\" y=\"48\">", X_TIME);
    char save = verdict[cut];
    verdict[cut] = '\0';
    xml_text(out, verdict);
    verdict[cut] = save;
    fputs("</text>\n", out);
    if (cut < vl) {
        fprintf(out, "<text class=\"verdict\" x=\"%d\" y=\"66\">", X_TIME);
        xml_text(out, verdict + cut + 1);
        fputs("</text>\n", out);
    }
    fprintf(out, "<text class=\"time\" x=\"%d\" y=\"90\">sequence numbers %s; forged: red, "
                 "alert: orange, genuine version: green, other alerts of the chain: purple, overlap "
                 "versions: blue</text>\n",
            X_TIME, m->absolute ? "absolute" : "relative");
    fprintf(out, "<text class=\"host\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">client ", X_CLIENT,
            TOP - 22);
    xml_text(out, m->client);
    fprintf(out, "</text>\n<text class=\"host\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">server ",
            X_SERVER, TOP - 22);
    xml_text(out, m->server);
    fputs("</text>\n", out);
    int bottom = TOP + (int)m->n * ROW_H;
    fprintf(out, "<line class=\"life\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n", X_CLIENT,
            TOP - 14, X_CLIENT, bottom);
    fprintf(out, "<line class=\"life\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n", X_SERVER,
            TOP - 14, X_SERVER, bottom);
    for (size_t i = 0; i < m->n; i++) {
        const sw_show_row *r = &m->rows[i];
        int y = TOP + (int)i * ROW_H;
        fprintf(out, "<g class=\"%s\" id=\"pkt%zu\" data-marks=\"%u\">", row_class(r->marks), i,
                r->marks);
        fprintf(out, "<rect class=\"bg\" x=\"0\" y=\"%d\" width=\"%d\" height=\"%d\" "
                     "fill=\"none\"/>", y, WIDTH, ROW_H);
        if (r->has_ts) {
            char clk[32];
            sw_show_clock(r->ts, clk, sizeof clk);
            fprintf(out, "<text class=\"time\" x=\"%d\" y=\"%d\">%s</text>", X_TIME, y + 22, clk);
        }
        char lab[200];
        sw_show_row_label(m, r, lab, sizeof lab);
        int rebuilt = json_is_true(json_object_get(r->p, "from_evidence"));
        if (rebuilt)   /* said on the arrow: the note stays short */
            strncat(lab, " (headers from the evidence)", sizeof lab - strlen(lab) - 1);
        fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">", (X_CLIENT + X_SERVER) / 2,
                y + 14);
        xml_text(out, lab);
        fputs("</text>", out);
        int ya = y + 24;
        if (r->dir >= 0) {
            int x1 = r->dir == 0 ? X_CLIENT : X_SERVER, x2 = r->dir == 0 ? X_SERVER : X_CLIENT;
            int tip = r->dir == 0 ? -10 : 10;
            fprintf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>"
                         "<polygon points=\"%d,%d %d,%d %d,%d\"/>",
                    x1, ya, x2 + tip, ya, x2, ya, x2 + tip, ya - 5, x2 + tip, ya + 5);
        }
        char note[140] = "";
        if (r->marks & SW_ROW_TRIGGER)
            snprintf(note, sizeof note, "ALERT%s%s", r->why[0] ? ": " : "", r->why);
        else if (r->marks & SW_ROW_INJECTED)
            snprintf(note, sizeof note, "INJECTED: %s", r->why);
        else if (r->why[0])
            snprintf(note, sizeof note, "%s", r->why);
        char *suffix = rebuilt ? strstr(note, ", headers from the evidence") : NULL;
        if (suffix)
            *suffix = '\0';
        if (note[0]) {
            fprintf(out, "<text class=\"note\" x=\"%d\" y=\"%d\">", X_SERVER + 12, y + 22);
            xml_text(out, note);
            fputs("</text>", out);
        }
        fputs("</g>\n", out);
    }
    if (m->dropped)
        fprintf(out, "<text class=\"time\" x=\"%d\" y=\"%d\">%zu more packets not drawn</text>\n",
                X_TIME, bottom + 16, m->dropped);
    if (m->n == 0)
        fprintf(out, "<text class=\"cap\" x=\"%d\" y=\"%d\">no packets are recorded with this "
                     "alert%s</text>\n", X_TIME, bottom + 16,
                json_is_object(h) ? "" : " (a record from another sensor)");
    if (bh) {
        const char *fv = sw_show_forged_version(ev);
        const char *kept = jstr(ev, "receiver_has");
        const char *acked = jstr(ev, "receiver_acknowledged");
        if (!kept && acked && !strcmp(acked, "first_version"))
            kept = "first_version";
        bytes_side_by_side(out, ev, fv, from_chain ? kept : NULL, bottom + 40);
    }
    fputs("</svg>\n", out);
}

int sw_show_graph(FILE *out, const char *alert_id, const json_t *doc, const sw_show_opts *o,
                  int svg_only)
{
    sw_show_model *m = malloc(sizeof *m);
    if (!m)
        return -1;
    sw_show_model_build(m, doc, o);
    const json_t *h = json_object_get(doc, "hijack");
    if (svg_only) {
        fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", out);
        svg_body(out, alert_id, doc, m, o);
    } else {
        fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
              "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
              "style-src 'unsafe-inline'\">\n<title>seqwatch ", out);
        xml_text(out, jstr(h, "event") ? jstr(h, "event") : "alert");
        fputs(" ", out);
        xml_text(out, alert_id);
        fputs("</title>\n<style>body{font-family:DejaVu Sans,sans-serif;margin:12px;color:#222}"
              "pre{font-size:12px;background:#f6f6f6;padding:8px;white-space:pre-wrap}</style></head><body>\n", out);
        const json_t *al = json_object_get(doc, "alert");
        fputs("<h1 style=\"font-size:18px\">", out);
        xml_text(out, jstr(al, "signature") ? jstr(al, "signature") : jstr(h, "event"));
        fputs("</h1>\n", out);
        svg_body(out, alert_id, doc, m, o);
        /* the alert as `seqwatch show` prints it: evidence as fields, times readable */
        fputs("<h2 style=\"font-size:16px\">the alert</h2>\n<pre id=\"alert-text\">", out);
        FILE *tmp = tmpfile();
        if (tmp) {
            sw_show_alert_opts(tmp, alert_id, doc, o);
            rewind(tmp);
            char line[4096];
            while (fgets(line, sizeof line, tmp)) {
                size_t n = strlen(line);
                int nl = n && line[n - 1] == '\n';
                if (nl)
                    line[n - 1] = '\0';
                xml_text(out, line);
                if (nl)
                    fputc('\n', out);
            }
            fclose(tmp);
        }
        fputs("</pre>\n</body></html>\n", out);

    }
    sw_show_model_free(m);
    return ferror(out) ? -1 : 0;
}
