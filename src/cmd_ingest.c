/*
 * cmd_ingest.c — `seqwatch ingest FILE...`: load JSON-lines alert logs (seqwatch's
 * own, from any sensor, and Suricata EVE alerts) into the database; storage/ingest.c
 * does the work. Prints the problems as FILE:LINE (the first 100, then a count) and
 * a one-line summary on stderr.
 *
 * Exit status: 0 when the load went through and found alerts (new or already
 * stored: loading a file twice succeeds) or had no bad line; 1 when it found no
 * alert at all but bad lines, a file could not be read, --strict refused the load,
 * or the database failed; 2 usage error.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/cli.h"
#include "src/commands.h"
#include "storage/ingest.h"
#include "storage/store.h"

#define MAX_REPORTS 100

static void ingest_usage(FILE *f)
{
    fprintf(f,
"usage: seqwatch ingest [OPTIONS] FILE...\n"
"\n"
"Load JSON-lines alert logs into the database ('-' reads stdin; FILE may be\n"
"gzip-compressed, and a UTF-8 byte-order mark is accepted): seqwatch alerts and\n"
"anomaly records from any sensor, and Suricata EVE 'alert' and 'anomaly' records\n"
"(eve.json), which are stored under the same columns; Suricata's stream-event\n"
"signatures get the seqwatch event name they mean (see docs/schema.md), so\n"
"'seqwatch query --event' finds them. Loading is idempotent: a record already\n"
"in the database (same alert_id, or for records without one the same content) is\n"
"counted as a duplicate and not added again.\n"
"\n"
"Other EVE records (flow, dns, stats...) are counted by type in the summary line,\n"
"quietly. Lines that are not JSON, not an EVE record or lack a usable timestamp\n"
"are reported as FILE:LINE on stderr and skipped; the rest of the file still\n"
"loads. Blank lines are ignored. A summary line says how many records were\n"
"loaded, duplicate and skipped, and the other records by type.\n"
"\n"
"Options:\n"
"      --strict             any bad line or unreadable file fails the whole ingest\n"
"                           and nothing is written\n"
"      --max-line SIZE      longest line accepted (default 16M)\n"
"      --db FILE            the alert database (default seqwatch.db; created if missing)\n"
"  -q, --quiet              no summary line (problems are still reported)\n"
"  -h, --help               this help\n"
"\n"
"Exit status: 0 success (alerts loaded or already stored, skipped lines\n"
"reported); 1 no alert found but bad lines, a file could not be read, --strict\n"
"refused the load, or a database error; 2 usage error.\n");
}

enum { O_STRICT = 256, O_MAX_LINE, O_DB };

static const struct option ingest_opts[] = {
    {"strict", no_argument, 0, O_STRICT},
    {"max-line", required_argument, 0, O_MAX_LINE},
    {"db", required_argument, 0, O_DB},
    {"quiet", no_argument, 0, 'q'},
    {"help", no_argument, 0, 'h'},
    {0, 0, 0, 0},
};

typedef struct reporter {
    unsigned long n;
} reporter;

static void report(void *user, const char *msg)
{
    reporter *r = user;
    if (r->n < MAX_REPORTS)
        fprintf(stderr, "seqwatch ingest: %s\n", msg);
    else if (r->n == MAX_REPORTS)
        fprintf(stderr, "seqwatch ingest: further problems are counted, not listed\n");
    r->n++;
}

int sw_cmd_ingest(int argc, char **argv)
{
    const char *db_path = "seqwatch.db";
    int quiet = 0;
    sw_ingest_opts o;
    sw_ingest_opts_init(&o);
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "qh", ingest_opts, NULL)) != -1) {
        uint64_t v;
        switch (c) {
        case 'h':
            ingest_usage(stdout);
            return 0;
        case 'q': quiet = 1; break;
        case O_STRICT: o.strict = 1; break;
        case O_MAX_LINE:
            if (sw_cli_parse_size(optarg, &v) != 0 || v < 2 || v > (1ull << 30)) {
                fprintf(stderr, "seqwatch ingest: invalid value '%s' for --max-line (2 .. 1G)\n",
                        optarg);
                return 2;
            }
            o.max_line = (size_t)v;
            break;
        case O_DB: db_path = optarg; break;
        default:
            fprintf(stderr, "seqwatch ingest: unknown option or missing value '%s' (see "
                            "'seqwatch ingest --help')\n", argv[optind - 1]);
            return 2;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "seqwatch ingest: give at least one FILE ('-' = stdin) (see 'seqwatch "
                        "ingest --help')\n");
        return 2;
    }
    int stdin_count = 0;
    for (int i = optind; i < argc; i++)
        stdin_count += strcmp(argv[i], "-") == 0;
    if (stdin_count > 1) {
        fprintf(stderr, "seqwatch ingest: '-' (stdin) given more than once\n");
        return 2;
    }

    char err[1024];
    sqlite3 *db = sw_store_open(db_path, 0, err, sizeof err);
    if (!db) {
        fprintf(stderr, "seqwatch ingest: %s\n", err);
        return 1;
    }
    /* a running sensor commits every half second: wait for it rather than fail */
    sqlite3_busy_timeout(db, 30000);
    reporter rep = {0};
    o.report = report;
    o.report_user = &rep;
    sw_ingest_stats st;
    int r = sw_ingest_files(db, (const char *const *)argv + optind, (size_t)(argc - optind), &o,
                            &st, err, sizeof err);
    sw_store_close(db);
    int rc = 0;
    if (r != 0) {
        fprintf(stderr, "seqwatch ingest: %s%s\n", err,
                o.strict ? "; nothing was written (--strict)" : "");
        rc = 1;
    }
    if (!quiet) {
        fprintf(stderr, "seqwatch ingest: loaded %llu, duplicate %llu, skipped %llu%s",
                (unsigned long long)st.loaded, (unsigned long long)st.duplicate,
                (unsigned long long)st.skipped,
                r != 0 && o.strict ? " (rolled back)" : "");
        /* other EVE records are expected in an eve.json: counted, not problems */
        if (st.not_alert) {
            fprintf(stderr, "; %llu records that are not alerts:", (unsigned long long)st.not_alert);
            for (size_t i = 0; i < SW_INGEST_TYPES && st.types[i].name[0]; i++)
                fprintf(stderr, "%s %s %llu", i ? "," : "", st.types[i].name,
                        (unsigned long long)st.types[i].n);
            if (st.types_other)
                fprintf(stderr, ", other %llu", (unsigned long long)st.types_other);
        }
        fputc('\n', stderr);
    }
    if (st.files_failed)
        rc = 1;
    if (st.loaded == 0 && st.duplicate == 0 && st.skipped > 0)
        rc = 1;
    return rc;
}
