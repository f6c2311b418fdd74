/*
 * cmd_show.c — `seqwatch show ALERT_ID`: one alert from the database, with its
 * evidence and the ladder diagram of the connection's last packets
 * (storage/show.c draws it), or the stored document itself with --json.
 *
 * Holds no SQL of its own: options, lookup by id or unique prefix, printing.
 */
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
"Print one alert: when and what, the rule, the connection and the TCP states of\n"
"both ends, the evidence (the two versions of overlapping bytes as hex and ASCII,\n"
"differences marked), the benign explanations that were ruled out, related events,\n"
"and a ladder diagram of the connection's last packets: client on the left, server\n"
"on the right, one arrow per packet with flags, seq, ack, len, win and ttl, the\n"
"packet that raised the alert marked '<== ALERT'.\n"
"\n"
"ALERT_ID is the alert_id of the alert (as 'seqwatch query' prints it) or any\n"
"unique prefix of it. Alerts ingested from Suricata are shown without a ladder.\n"
"\n"
"Options:\n"
"      --json               print the stored JSON document (pretty) instead\n"
"      --db FILE            the alert database (default seqwatch.db)\n"
"  -h, --help               this help\n"
"\n"
"Exit status: 0 success, 1 no such alert, ambiguous prefix or runtime error,\n"
"2 usage error.\n");
}

enum { O_JSON = 256, O_DB };

static const struct option show_opts[] = {
    {"json", no_argument, 0, O_JSON},
    {"db", required_argument, 0, O_DB},
    {"help", no_argument, 0, 'h'},
    {0, 0, 0, 0},
};

int sw_cmd_show(int argc, char **argv)
{
    const char *db_path = "seqwatch.db";
    int as_json = 0;
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
        default:
            fprintf(stderr, "seqwatch show: unknown option or missing value '%s' (see 'seqwatch "
                            "show --help')\n", argv[optind - 1]);
            return 2;
        }
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
    json_error_t je;
    json_t *doc = json_loads(text, 0, &je);
    int rc = 0;
    if (!doc) {
        fprintf(stderr, "seqwatch show: the stored document of %s is not readable JSON: %s\n", id,
                je.text);
        rc = 1;
    } else if (as_json) {
        char *s = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        printf("%s\n", s ? s : text);
        free(s);
    } else {
        sw_show_alert(stdout, id, doc);
    }
    json_decref(doc);
    free(id);
    free(text);
    if (fflush(stdout) != 0) {
        fprintf(stderr, "seqwatch show: error writing the output\n");
        rc = 1;
    }
    return rc;
}
