/*
 * cmd_events.c — `seqwatch events`: print the event catalogue (name, severity,
 * informational flag, description), as text or JSON, or one event's details with its
 * nearest equivalent in Suricata, Snort 3 and Zeek.
 *
 * Reads only the catalogue (rules/event.h); the catalogue's "equivalent" string is
 * "none" or "Suricata: ...; Snort 3: ...; Zeek: ..." and is split here for display.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "rules/event.h"
#include "src/commands.h"

static void events_usage(FILE *f)
{
    fprintf(f,
"usage: seqwatch events [--json] [NAME]\n"
"\n"
"Without NAME, print every event seqwatch can raise: name, default severity\n"
"(1 high .. 3 low), whether it is informational (never an alert by itself; it\n"
"travels as evidence inside the alert it corroborates) and a one-line description.\n"
"With NAME, print that event's details: classtype, the sid of its rule in the\n"
"default rules, and its nearest equivalent in Suricata, Snort 3 and Zeek.\n"
"\n"
"Options:\n"
"      --json     machine-readable output (an array, or one object with NAME)\n"
"  -h, --help     this help\n"
"\n"
"Exact conditions and the benign causes each event rules out: docs/detections.md.\n");
}

typedef struct equiv {
    char suricata[512], snort[512], zeek[512];
} equiv;

static void copy_part(char *out, size_t outlen, const char *from, const char *to)
{
    size_t n = to ? (size_t)(to - from) : strlen(from);
    if (n >= outlen)
        n = outlen - 1;
    memcpy(out, from, n);
    out[n] = 0;
}

static void split_equivalent(const char *e, equiv *q)
{
    snprintf(q->suricata, sizeof(q->suricata), "none");
    snprintf(q->snort, sizeof(q->snort), "none");
    snprintf(q->zeek, sizeof(q->zeek), "none");
    if (!e || !strcmp(e, "none"))
        return;
    const char *s = strstr(e, "Suricata: ");
    const char *n = strstr(e, "; Snort 3: ");
    const char *z = strstr(e, "; Zeek: ");
    if (!s || !n || !z || !(s < n && n < z)) {
        copy_part(q->suricata, sizeof(q->suricata), e, NULL);   /* not in the usual form */
        return;
    }
    copy_part(q->suricata, sizeof(q->suricata), s + strlen("Suricata: "), n);
    copy_part(q->snort, sizeof(q->snort), n + strlen("; Snort 3: "), z);
    copy_part(q->zeek, sizeof(q->zeek), z + strlen("; Zeek: "), NULL);
}

static const char *severity_word(int s)
{
    return s == 1 ? "high" : s == 2 ? "medium" : "low";
}

static json_t *event_json(const sw_event_def *d)
{
    equiv q;
    split_equivalent(d->equivalent, &q);
    return json_pack("{s:s, s:s, s:i, s:b, s:s, s:I, s:I, s:b, s:{s:s, s:s, s:s}}",
                     "name", d->name, "description", d->description, "severity", d->severity,
                     "informational", d->informational, "classtype", d->classtype,
                     "default_sid", (json_int_t)d->default_sid, "gid", (json_int_t)1,
                     "in_default_rules", !d->informational,
                     "equivalent", "suricata", q.suricata, "snort", q.snort, "zeek", q.zeek);
}

static int print_json(json_t *v)
{
    if (!v)
        return 1;
    char *s = json_dumps(v, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(v);
    if (!s)
        return 1;
    puts(s);
    free(s);
    return 0;
}

static void print_details(const sw_event_def *d)
{
    equiv q;
    split_equivalent(d->equivalent, &q);
    printf("name:           %s\n", d->name);
    printf("description:    %s\n", d->description);
    printf("severity:       %d (%s)\n", d->severity, severity_word(d->severity));
    printf("informational:  %s\n", d->informational
           ? "yes (never an alert by itself; attached as evidence, or an anomaly record with --anomalies)"
           : "no");
    printf("classtype:      %s\n", d->classtype);
    if (d->informational)
        printf("default rule:   none (sid %u reserved)\n", d->default_sid);
    else
        printf("default rule:   sid %u (gid 1) in default.rules\n", d->default_sid);
    printf("equivalents:\n");
    printf("  Suricata:     %s\n", q.suricata);
    printf("  Snort 3:      %s\n", q.snort);
    printf("  Zeek:         %s\n", q.zeek);
    printf("details:        docs/detections.md, section %s\n", d->name);
}

int sw_cmd_events(int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int json = 0, c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'j':
            json = 1;
            break;
        case 'h':
            events_usage(stdout);
            return 0;
        default:
            fprintf(stderr, "seqwatch events: unknown option '%s' (see 'seqwatch events --help')\n",
                    argv[optind - 1]);
            return 2;
        }
    }
    if (argc - optind > 1) {
        fprintf(stderr, "seqwatch events: at most one event NAME\n");
        return 2;
    }
    int rc = 0;
    if (optind < argc) {
        const char *name = argv[optind];
        int id = sw_event_lookup(name);
        if (id < 0) {
            fprintf(stderr, "seqwatch events: unknown event '%s' (run 'seqwatch events' for the list)\n",
                    name);
            return 2;
        }
        const sw_event_def *d = sw_event_def_get((sw_event_id)id);
        if (json)
            rc = print_json(event_json(d));
        else
            print_details(d);
    } else if (json) {
        json_t *arr = json_array();
        for (int i = 0; i < SW_EV_COUNT; i++)
            json_array_append_new(arr, event_json(sw_event_def_get((sw_event_id)i)));
        rc = print_json(arr);
    } else {
        printf("%-19s %-3s %-4s %s\n", "EVENT", "SEV", "INFO", "DESCRIPTION");
        for (int i = 0; i < SW_EV_COUNT; i++) {
            const sw_event_def *d = sw_event_def_get((sw_event_id)i);
            printf("%-19s %-3d %-4s %s\n", d->name, d->severity, d->informational ? "yes" : "-",
                   d->description);
        }
    }
    if (fflush(stdout) != 0)
        rc = 1;
    return rc;
}
