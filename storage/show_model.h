/*
 * show_model.h — internal to storage/show*.c: the connection ladder of one alert as
 * rows (its own packets and, for a verdict, those of the chain's alerts), each with
 * its direction, time and marks (the trigger, the packet believed forged, the genuine
 * one it competed with, the injected segment of a chain), plus the per-direction
 * bases of relative sequence numbers. The text ladder, the HTML/SVG flow graph and
 * the pcap writer all draw from it.
 */
#ifndef SW_SHOW_MODEL_H
#define SW_SHOW_MODEL_H
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "storage/show.h"

#define SW_SHOW_ROWS_MAX 256

enum {
    SW_ROW_TRIGGER  = 1,   /* made this alert's check fire */
    SW_ROW_FORGED   = 2,   /* believed forged (not the real endpoint's) */
    SW_ROW_GENUINE  = 4,   /* the real endpoint's version of an overlapped range */
    SW_ROW_INJECTED = 8,   /* the injection of a verdict's chain */
    SW_ROW_CHAIN    = 16,  /* the trigger of another alert of the chain */
    SW_ROW_VERSION  = 32,  /* one version of an overlap, not known which is forged */
};

typedef struct sw_show_row {
    const json_t *p;       /* the packet object (owned by its document) */
    uint64_t ts;
    uint64_t tol;          /* how far ts may be from the packet's real time (us) */
    int has_ts;
    int dir;               /* 0 client to server, 1 server to client, -1 unknown */
    size_t order;          /* when it was added (ties in time keep this order) */
    size_t src, claimed;   /* the document that added it, the last one that matched it */
    unsigned marks;
    char why[96];          /* what the marks mean, e.g. "forged: first version" */
} sw_show_row;

typedef struct sw_show_model {
    sw_show_row rows[SW_SHOW_ROWS_MAX];
    size_t n, dropped;     /* rows kept; packets left out (cap) */
    size_t from_related;   /* rows that came from the chain's alerts */
    size_t ndocs;          /* documents added so far */
    int src_is_client;     /* the alert's sender is the client */
    char client[96], server[96];     /* endpoint text, "[v6]:port" or "v4:port" */
    const char *client_ip, *server_ip;
    json_int_t client_port, server_port;
    int absolute;
    uint32_t base[2];      /* relative 0 of each direction's sequence space */
    int has_base[2];
    int base_is_isn[2];    /* the base is the SYN's sequence number */
    json_t *extra;         /* owned: packets rebuilt from evidence (overlap versions
                              no ladder holds), marked "from_evidence": true */
} sw_show_model;

/* Fill m (caller allocates it: it is large; free with sw_show_model_free). */
void sw_show_model_build(sw_show_model *m, const json_t *doc, const sw_show_opts *o);
void sw_show_model_free(sw_show_model *m);
/* "P. seq=4 ack=36 len=29 win=64256 ttl=51" (relative unless m->absolute). */
void sw_show_row_label(const sw_show_model *m, const sw_show_row *r, char *buf, size_t len);
/* A sequence number of direction dir as shown (relative or raw). */
uint32_t sw_show_seq(const sw_show_model *m, int dir, uint32_t seq);
/* The version of overlapping bytes believed forged ("first_version" /
 * "second_version"), or NULL when the evidence does not say. */
const char *sw_show_forged_version(const json_t *evidence);
/* "22:13:20.818000" (UTC, time of day). */
void sw_show_clock(uint64_t ts_us, char *buf, size_t len);
/* "354.0 ms", "12 us", "3.250 s". */
void sw_show_duration(uint64_t us, char *buf, size_t len);

#endif
