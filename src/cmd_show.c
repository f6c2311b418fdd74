/*
 * cmd_show.c — `seqwatch show ALERT_ID`: one alert from the database, with a
 * one-sentence verdict, its evidence and the ladder diagram of the connection's last
 * packets (storage/show.c draws it; for a verdict, with the packets of its chain's
 * alerts), or the stored document itself with --json; the ladder as an HTML or SVG
 * flow graph (--html, --svg); the connection's held packets as a capture and the
 * filters that select it in the original file (--pcap).
 *
 * Holds no SQL of its own: options, lookup by id or unique prefix (and the other
 * alerts of the same flow through sw_query_print), printing.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "src/commands.h"
#include "storage/query.h"
#include "storage/show.h"
#include "storage/store.h"

static void show_usage(FILE *f)
{
    fprintf(f,
"usage: seqwatch show [OPTIONS] ALERT_ID\n"
"\n"
"Print one alert: when and what, a one-sentence verdict built from the evidence,\n"
"the rule, the connection and the TCP states of both ends, the evidence as fields\n"
"(the two versions of overlapping bytes as hex and ASCII, differences marked;\n"
"times and durations readable), the benign explanations that were ruled out,\n"
"related events, and a ladder diagram of the connection's last packets: client on\n"
"the left, server on the right, one arrow per packet with flags, seq, ack, len,\n"
"win and ttl, the packet that raised the alert marked '<== ALERT', the one\n"
"believed forged '<== forged' (and the genuine version of overlapped bytes). For\n"
"a verdict (session_takeover) the ladder also holds the packets of the alerts of\n"
"its chain, the injected segment marked '<== INJECTED'. Sequence numbers are\n"
"relative: 0 is the ISN when the ladder shows the handshake (as in Wireshark),\n"
"else the lowest number seen.\n"
"\n"
"ALERT_ID is the alert_id of the alert (as 'seqwatch query' prints it) or any\n"
"unique prefix of it. Alerts ingested from Suricata are shown without a ladder.\n"
"\n"
"Options:\n"
"      --json               print the stored JSON document (pretty) instead\n"
"      --absolute           raw sequence and acknowledgment numbers\n"
"      --html FILE          also write the ladder as a flow graph: a\n"
"                           self-contained HTML page (no script, nothing fetched)\n"
"      --svg FILE           the same flow graph as a standalone SVG image\n"
"      --pcap FILE          write the packets held for the alert (and its chain)\n"
"                           as a capture: headers only (seqwatch keeps no\n"
"                           payload); then print the tshark and BPF filters that\n"
"                           select the connection in the original capture\n"
"      --filter             only print those filters\n"
"      --db FILE            the alert database (default seqwatch.db)\n"
"  -h, --help               this help\n"
"\n"
"Exit status: 0 success, 1 no such alert, ambiguous prefix or runtime error,\n"
"2 usage error.\n");
}

enum { O_JSON = 256, O_DB, O_ABSOLUTE, O_HTML, O_SVG, O_PCAP, O_FILTER };

static const struct option show_opts[] = {
    {"json", no_argument, 0, O_JSON},
    {"db", required_argument, 0, O_DB},
    {"absolute", no_argument, 0, O_ABSOLUTE},
    {"html", required_argument, 0, O_HTML},
    {"svg", required_argument, 0, O_SVG},
    {"pcap", required_argument, 0, O_PCAP},
    {"filter", no_argument, 0, O_FILTER},
    {"help", no_argument, 0, 'h'},
    {0, 0, 0, 0},
};

/* The other alerts of the alert's flow (a verdict's chain is drawn from them), at
 * most RELATED_MAX, those of its chain only: stored in out, their number returned
 * (the caller frees each). */
#define RELATED_MAX 64

static size_t load_related(sqlite3 *db, const json_t *doc, json_t **out)
{
    const json_t *fid = json_object_get(doc, "flow_id");
    const json_t *h = json_object_get(doc, "hijack");
    if (!json_is_integer(fid) || !json_is_array(json_object_get(json_object_get(h, "evidence"),
                                                                "chain")))
        return 0;
    sw_query_filter f;
    sw_query_filter_init(&f);
    f.has_flow = 1;
    f.flow_id = json_integer_value(fid);
    FILE *tmp = tmpfile();
    if (!tmp)
        return 0;
    char err[256];
    size_t n = 0;
    if (sw_query_print(db, &f, SW_QFMT_JSONL, tmp, err, sizeof err) > 0) {
        rewind(tmp);
        char *line = NULL;
        size_t cap = 0;
        while (n < RELATED_MAX && getline(&line, &cap, tmp) > 0) {
            json_t *o = json_loads(line, 0, NULL);
            if (o && sw_show_in_chain(doc, o))
                out[n++] = o;
            else
                json_decref(o);
        }
        free(line);
    }
    fclose(tmp);
    return n;
}

static int write_graph(const char *path, const char *id, const json_t *doc,
                       const sw_show_opts *o, int svg)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "seqwatch show: cannot write %s: %s\n", path, strerror(errno));
        return 1;
    }
    int bad = sw_show_graph(f, id, doc, o, svg) != 0;
    bad |= fclose(f) != 0;
    if (bad) {
        fprintf(stderr, "seqwatch show: error writing %s\n", path);
        return 1;
    }
    fprintf(stderr, "seqwatch show: wrote the flow graph to %s\n", path);
    return 0;
}

int sw_cmd_show(int argc, char **argv)
{
    const char *db_path = "seqwatch.db";
    const char *html = NULL, *svg = NULL, *pcap = NULL;
    int as_json = 0, filter_only = 0;
    sw_show_opts so = {0, NULL, 0};
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "h", show_opts, NULL)) != -1) {
        switch (c) {
        case 'h':
            show_usage(stdout);
            return 0;
        case O_JSON: as_json = 1; break;
        case O_DB: db_path = optarg; break;
        case O_ABSOLUTE: so.absolute = 1; break;
        case O_HTML: html = optarg; break;
        case O_SVG: svg = optarg; break;
        case O_PCAP: pcap = optarg; break;
        case O_FILTER: filter_only = 1; break;
        default:
            fprintf(stderr, "seqwatch show: unknown option or missing value '%s' (see 'seqwatch "
                            "show --help')\n", argv[optind - 1]);
            return 2;
        }
    }
    if (as_json && (html || svg || pcap || filter_only)) {
        fprintf(stderr, "seqwatch show: --json prints the document alone; drop --html, --svg, "
                        "--pcap and --filter\n");
        return 2;
    }
    if (optind != argc - 1) {
        fprintf(stderr, "seqwatch show: give exactly one ALERT_ID (see 'seqwatch show --help')\n");
        return 2;
    }
    const char *want = argv[optind];
    if (!*want) {
        fprintf(stderr, "seqwatch show: empty ALERT_ID\n");
        return 2;
    }
    char err[1024];
    sqlite3 *db = sw_store_open(db_path, 1, err, sizeof err);
    if (!db) {
        fprintf(stderr, "seqwatch show: %s\n", err);
        return 1;
    }
    sqlite3_busy_timeout(db, 5000);
    char *id = NULL, *text = NULL;
    int r = sw_query_find(db, want, &id, &text, err, sizeof err);
    json_t *related[RELATED_MAX];
    json_t *doc = NULL;
    if (r == 1) {
        json_error_t je;
        doc = json_loads(text, 0, &je);
        if (!doc)
            fprintf(stderr, "seqwatch show: the stored document of %s is not readable JSON: %s\n",
                    id, je.text);
        else if (!as_json)
            so.nrelated = load_related(db, doc, related);
        so.related = (const json_t *const *)related;
    }
    sw_store_close(db);
    if (r == 0) {
        fprintf(stderr, "seqwatch show: no alert with id or id prefix '%s' in %s\n", want, db_path);
        return 1;
    }
    if (r == -2) {
        fprintf(stderr, "seqwatch show: '%s' matches several alerts: %s\n", want, err);
        return 1;
    }
    if (r < 0) {
        fprintf(stderr, "seqwatch show: %s\n", err);
        return 1;
    }
    int rc = 0;
    if (!doc) {
        rc = 1;
    } else if (as_json) {
        char *s = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        printf("%s\n", s ? s : text);
        free(s);
    } else if (filter_only) {
        sw_show_filters(stdout, doc, &so);
    } else {
        sw_show_alert_opts(stdout, id, doc, &so);
        if (html)
            rc |= write_graph(html, id, doc, &so, 0);
        if (svg)
            rc |= write_graph(svg, id, doc, &so, 1);
        if (pcap) {
            long n = sw_show_write_pcap(pcap, doc, &so, err, sizeof err);
            if (n < 0) {
                fprintf(stderr, "seqwatch show: %s\n", err);
                rc = 1;
            } else if (n == 0) {
                printf("\ncapture   no packets are held with this alert: %s not written (the\n"
                       "          filters below select the connection in a capture)\n", pcap);
            } else {
                printf("\ncapture   %ld packets written to %s: the headers seqwatch holds (no "
                       "payload is kept;\n          each record is cut after the TCP header "
                       "and keeps its original length)\n", n, pcap);
            }
        }
        if (pcap) {
            fputc('\n', stdout);
            sw_show_filters(stdout, doc, &so);
        }
    }
    for (size_t i = 0; i < so.nrelated; i++)
        json_decref(related[i]);
    json_decref(doc);
    free(id);
    free(text);
    if (fflush(stdout) != 0) {
        fprintf(stderr, "seqwatch show: error writing the output\n");
        rc = 1;
    }
    return rc;
}
