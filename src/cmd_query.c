/*
 * cmd_query.c — `seqwatch query`: search the alert database. Options become a
 * sw_query_filter (storage/query.c turns it into parameterised SQL); output is a
 * table on a terminal and JSON lines otherwise, unless --format says; --stats prints
 * counts instead of alerts.
 *
 * Holds no SQL of its own: parsing options, opening the database read-only, printing.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "src/cli.h"
#include "src/commands.h"
#include "storage/query.h"
#include "storage/store.h"
#include "rules/event.h"

static void query_usage(FILE *f)
{
    fprintf(f,
"usage: seqwatch query [OPTIONS]\n"
"\n"
"Search the alert database and print the matching alerts in time order.\n"
"Filters combine with AND; a list (a,b or a repeated option) matches any of its values.\n"
"\n"
"Filters:\n"
"      --since TIME         alerts at or after TIME\n"
"      --until TIME         alerts before TIME\n"
"                           TIME is relative to now (30s, 15m, 2h, 7d, 2w), 'now', or\n"
"                           ISO 8601: 2024-03-05, 2024-03-05T14:02, 2024-03-05 14:02:11.5,\n"
"                           with Z, +0100 or +01:00 (no zone means UTC)\n"
"      --event NAME[,NAME]  seqwatch event name(s), e.g. overlap_mismatch\n"
"      --sid N[,N]          rule signature id(s)\n"
"      --severity N[,N]     severity (1 high, 2 medium, 3 low)\n"
"                           Unknown event names, addresses that are not IPv4/IPv6\n"
"                           and severities outside 1..3 are refused (exit 2)\n"
"      --ip ADDR            ADDR as source or destination\n"
"      --src ADDR           source address\n"
"      --dst ADDR           destination address\n"
"      --port N             N as source or destination port\n"
"      --sensor NAME        alerts from this sensor\n"
"      --flow ID            alerts of this flow_id\n"
"      --community-id ID    alerts of this connection's Community ID (1:...=), as\n"
"                           Zeek, Suricata and Arkime write it\n"
"      --run N              alerts raised by run N (the runs table's id; see\n"
"                           docs/schema.md)\n"
"      --source KIND        'seqwatch' (own alerts) or 'suricata' (ingested EVE alerts)\n"
"      --limit N            only the N most recent matching alerts\n"
"\n"
"Output:\n"
"      --format FORMAT      table, json (an array), jsonl (the stored documents,\n"
"                           one per line) or csv (RFC 4180); default: table on a\n"
"                           terminal, jsonl otherwise\n"
"      --stats              counts by event, by severity, by host pair, by connection\n"
"                           and per time bucket instead of the alerts (--format\n"
"                           table or json)\n"
"      --incidents          one line per incident (the alerts of one connection):\n"
"                           time span, verdict, severity, connection, events with\n"
"                           their counts (--format table or json)\n"
"      --bucket SIZE        time bucket of --stats: auto, minute, hour, day (default\n"
"                           auto: hour when the alerts span 48 hours or less, else day)\n"
"      --top N              host pairs and connections listed by --stats (default 10)\n"
"      --db FILE            the alert database (default seqwatch.db)\n"
"  -h, --help               this help\n"
"\n"
"Examples:\n"
"  seqwatch query --since 2h --event overlap_mismatch,rst_injection\n"
"  seqwatch query --ip 10.0.0.5 --severity 1 --format csv > alerts.csv\n"
"  seqwatch query --since 7d --stats\n"
"  seqwatch query --since 1d --incidents\n"
"\n"
"Exit status: 0 success (also when nothing matches), 1 runtime error, 2 usage error.\n");
}

enum {
    O_SINCE = 256, O_UNTIL, O_EVENT, O_SID, O_SEVERITY, O_IP, O_SRC, O_DST, O_PORT, O_SENSOR,
    O_FLOW, O_SOURCE, O_LIMIT, O_FORMAT, O_STATS, O_BUCKET, O_TOP, O_DB, O_COMMUNITY_ID, O_RUN,
    O_INCIDENTS,
};

static const struct option query_opts[] = {
    {"since", required_argument, 0, O_SINCE},
    {"until", required_argument, 0, O_UNTIL},
    {"event", required_argument, 0, O_EVENT},
    {"sid", required_argument, 0, O_SID},
    {"severity", required_argument, 0, O_SEVERITY},
    {"ip", required_argument, 0, O_IP},
    {"src", required_argument, 0, O_SRC},
    {"dst", required_argument, 0, O_DST},
    {"port", required_argument, 0, O_PORT},
    {"sensor", required_argument, 0, O_SENSOR},
    {"flow", required_argument, 0, O_FLOW},
    {"community-id", required_argument, 0, O_COMMUNITY_ID},
    {"run", required_argument, 0, O_RUN},
    {"source", required_argument, 0, O_SOURCE},
    {"limit", required_argument, 0, O_LIMIT},
    {"format", required_argument, 0, O_FORMAT},
    {"stats", no_argument, 0, O_STATS},
    {"incidents", no_argument, 0, O_INCIDENTS},
    {"bucket", required_argument, 0, O_BUCKET},
    {"top", required_argument, 0, O_TOP},
    {"db", required_argument, 0, O_DB},
    {"help", no_argument, 0, 'h'},
    {0, 0, 0, 0},
};

static int bad_value(const char *opt, const char *val)
{
    fprintf(stderr, "seqwatch query: invalid value '%s' for --%s (see 'seqwatch query --help')\n",
            val, opt);
    return 2;
}

/* Split a comma list (in place) and call add for each item; -1 if one is bad or
 * there are too many. */
static int split_list(char *s, size_t *n, int (*add)(void *ctx, size_t i, const char *item),
                      void *ctx)
{
    char *save = NULL;
    for (char *tok = strtok_r(s, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ')
            tok++;
        if (!*tok || *n >= SW_QUERY_MAX_VALUES)
            return -1;
        int r = add(ctx, *n, tok);
        if (r != 0)
            return r;
        (*n)++;
    }
    return 0;
}

/* Event names are checked against the catalogue (as rule files are). */
static int add_event(void *ctx, size_t i, const char *item)
{
    if (sw_event_lookup(item) < 0) {
        fprintf(stderr, "seqwatch query: unknown event '%.64s' (see `seqwatch events`)\n", item);
        return -2;
    }
    ((sw_query_filter *)ctx)->events[i] = item;
    return 0;
}

/* An IPv4 or IPv6 address (what the database stores). */
static int valid_ip(const char *s)
{
    unsigned char a[16];
    return inet_pton(AF_INET, s, a) == 1 || inet_pton(AF_INET6, s, a) == 1;
}

/* "1:" + base64 of a 20-byte SHA-1 (28 characters, one '=' of padding). */
static int valid_community_id(const char *s)
{
    if (strncmp(s, "1:", 2) != 0 || strlen(s) != 30 || s[29] != '=')
        return 0;
    for (int i = 2; i < 29; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '+' && s[i] != '/')
            return 0;
    return 1;
}

static int add_sid(void *ctx, size_t i, const char *item)
{
    uint64_t v;
    if (sw_cli_parse_uint(item, UINT32_MAX, &v) != 0)
        return -1;
    ((sw_query_filter *)ctx)->sids[i] = (int64_t)v;
    return 0;
}

static int add_severity(void *ctx, size_t i, const char *item)
{
    uint64_t v;
    if (sw_cli_parse_uint(item, 3, &v) != 0 || v < 1)
        return -1;     /* severities are 1 (high) .. 3 (low), as in Suricata */
    ((sw_query_filter *)ctx)->severities[i] = (int)v;
    return 0;
}

int sw_cmd_query(int argc, char **argv)
{
    sw_query_filter f;
    sw_query_filter_init(&f);
    const char *db_path = "seqwatch.db";
    int stats = 0, incidents = 0, have_format = 0;
    uint64_t top = 10;
    sw_query_format fmt = SW_QFMT_TABLE;
    sw_query_bucket bucket = SW_BUCKET_AUTO;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    uint64_t now_us = (uint64_t)now.tv_sec * 1000000u + (uint64_t)now.tv_nsec / 1000u;
    /* list options keep pointers into their (copied) arguments until the end */
    char *lists[3 * 16];
    size_t nlists = 0;
    int rc = 2;

    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "h", query_opts, NULL)) != -1) {
        uint64_t v;
        switch (c) {
        case 'h':
            query_usage(stdout);
            rc = 0;
            goto out;
        case O_SINCE:
            if (sw_query_parse_time(optarg, now_us, &f.since_us) != 0) {
                bad_value("since", optarg);
                goto out;
            }
            f.has_since = 1;
            break;
        case O_UNTIL:
            if (sw_query_parse_time(optarg, now_us, &f.until_us) != 0) {
                bad_value("until", optarg);
                goto out;
            }
            f.has_until = 1;
            break;
        case O_EVENT:
        case O_SID:
        case O_SEVERITY: {
            if (nlists >= sizeof lists / sizeof lists[0]) {
                bad_value(c == O_EVENT ? "event" : c == O_SID ? "sid" : "severity", optarg);
                goto out;
            }
            char *copy = strdup(optarg);
            lists[nlists++] = copy;
            int r = c == O_EVENT      ? split_list(copy, &f.nevents, add_event, &f)
                    : c == O_SID      ? split_list(copy, &f.nsids, add_sid, &f)
                                      : split_list(copy, &f.nseverities, add_severity, &f);
            if (r == -2)
                goto out;      /* already said why */
            if (r != 0) {
                bad_value(c == O_EVENT ? "event" : c == O_SID ? "sid" : "severity", optarg);
                goto out;
            }
            break;
        }
        case O_IP:
        case O_SRC:
        case O_DST:
            if (!valid_ip(optarg)) {
                bad_value(c == O_IP ? "ip" : c == O_SRC ? "src" : "dst", optarg);
                goto out;
            }
            *(c == O_IP ? &f.ip : c == O_SRC ? &f.src : &f.dst) = optarg;
            break;
        case O_COMMUNITY_ID:
            if (!valid_community_id(optarg)) {
                bad_value("community-id", optarg);
                goto out;
            }
            f.community_id = optarg;
            break;
        case O_RUN:
            if (sw_cli_parse_uint(optarg, INT64_MAX, &v) != 0 || v == 0) {
                bad_value("run", optarg);
                goto out;
            }
            f.run_id = (int64_t)v;
            break;
        case O_PORT:
            if (sw_cli_parse_uint(optarg, 65535, &v) != 0) {
                bad_value("port", optarg);
                goto out;
            }
            f.port = (int)v;
            break;
        case O_SENSOR: f.sensor = optarg; break;
        case O_FLOW:
            if (sw_cli_parse_uint(optarg, INT64_MAX, &v) != 0) {
                bad_value("flow", optarg);
                goto out;
            }
            f.has_flow = 1;
            f.flow_id = (int64_t)v;
            break;
        case O_SOURCE:
            if (strcmp(optarg, "seqwatch") != 0 && strcmp(optarg, "suricata") != 0) {
                bad_value("source", optarg);
                goto out;
            }
            f.source = optarg;
            break;
        case O_LIMIT:
            if (sw_cli_parse_uint(optarg, INT64_MAX, &v) != 0 || v == 0) {
                bad_value("limit", optarg);
                goto out;
            }
            f.limit = v;
            break;
        case O_FORMAT:
            if (sw_query_format_parse(optarg, &fmt) != 0) {
                bad_value("format", optarg);
                goto out;
            }
            have_format = 1;
            break;
        case O_STATS: stats = 1; break;
        case O_INCIDENTS: incidents = 1; break;
        case O_BUCKET:
            if (sw_query_bucket_parse(optarg, &bucket) != 0) {
                bad_value("bucket", optarg);
                goto out;
            }
            break;
        case O_TOP:
            if (sw_cli_parse_uint(optarg, 100000, &top) != 0 || top == 0) {
                bad_value("top", optarg);
                goto out;
            }
            break;
        case O_DB: db_path = optarg; break;
        default:
            if (optopt && optopt < 256)
                fprintf(stderr, "seqwatch query: unknown option '-%c' (see 'seqwatch query --help')\n",
                        optopt);
            else
                fprintf(stderr, "seqwatch query: unknown option or missing value '%s' (see "
                                "'seqwatch query --help')\n", argv[optind - 1]);
            goto out;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "seqwatch query: unexpected argument '%s' (see 'seqwatch query --help')\n",
                argv[optind]);
        goto out;
    }
    if (!have_format)
        fmt = isatty(STDOUT_FILENO) ? SW_QFMT_TABLE : SW_QFMT_JSONL;
    if (stats && incidents) {
        fprintf(stderr, "seqwatch query: --stats and --incidents are two different reports\n");
        goto out;
    }
    if ((stats || incidents) && have_format && fmt != SW_QFMT_TABLE && fmt != SW_QFMT_JSON) {
        fprintf(stderr, "seqwatch query: --%s prints --format table or json\n",
                stats ? "stats" : "incidents");
        goto out;
    }
    if (f.has_since && f.has_until && f.until_us <= f.since_us) {
        fprintf(stderr, "seqwatch query: --until is not after --since\n");
        goto out;
    }

    char err[512];
    sqlite3 *db = sw_store_open(db_path, 1, err, sizeof err);
    if (!db) {
        fprintf(stderr, "seqwatch query: %s\n", err);
        rc = 1;
        goto out;
    }
    sqlite3_busy_timeout(db, 5000);
    if (stats) {
        rc = sw_query_stats(db, &f, bucket, (int)top, fmt == SW_QFMT_JSON, stdout, err,
                            sizeof err) == 0 ? 0 : 1;
    } else if (incidents) {
        rc = sw_query_incidents(db, &f, have_format && fmt == SW_QFMT_JSON, stdout, err,
                                sizeof err) >= 0 ? 0 : 1;
    } else {
        rc = sw_query_print(db, &f, fmt, stdout, err, sizeof err) >= 0 ? 0 : 1;
    }
    if (rc)
        fprintf(stderr, "seqwatch query: %s\n", err);
    sw_store_close(db);
    /* A failed write to stdout is reported by main() at exit (close_stdout). */
out:
    for (size_t i = 0; i < nlists; i++)
        free(lists[i]);
    return rc;
}
