/*
 * fold.h — repeats fold: the same event of the same rule on the same connection
 * instance and direction becomes one alert with a count, instead of one alert each
 * time (for overlap_mismatch: every injected range and its retransmissions, the
 * distinct ranges listed in the closing update).
 */
#ifndef SW_FOLD_H
#define SW_FOLD_H
#include <stdint.h>
#include <jansson.h>
#include "rules/event.h"

typedef struct sw_fold sw_fold;

/* What a closed fold absorbed: count occurrences (the first alert included) from
 * first_us to last_us; last_evidence is the last repeat's evidence (NULL when it
 * equals the first's). */
typedef struct sw_fold_info {
    uint64_t count;
    uint64_t first_us, last_us;
    json_t  *last_evidence;
    json_t  *absorbed;       /* array of the other events absorbed (sw_fold_absorb), or NULL */
    json_t  *ranges;         /* overlap_mismatch with 2+ distinct ranges: [{seq, len, count}]
                                (the first SW_FOLD_RANGES_MAX), else NULL */
    uint32_t range_count;    /* distinct ranges when ranges is set, else 0 */
} sw_fold_info;
#define SW_FOLD_RANGES_MAX 16

/* Called for each fold that closes after absorbing repeats (count >= 2) or other
 * events (sw_fold_absorb), with the
 * first alert's document (the callee may add to it; the fold frees it after). */
typedef void (*sw_fold_close_cb)(void *user, json_t *doc, const sw_fold_info *info);

/* At most max_entries open folds (the one idle longest is closed early when full,
 * and counted); an occurrence idle_us or more after its fold's last repeat starts a
 * new alert (closing the old fold). */
sw_fold *sw_fold_new(uint32_t max_entries, uint64_t idle_us, sw_fold_close_cb cb, void *user);
void sw_fold_free(sw_fold *f);          /* does not call the callback */

/* If an open fold matches ev (raised by rule gid:sid) and its last repeat is less
 * than idle_us before ev, count it there and return 1: the caller raises nothing.
 * Otherwise return 0 (a fold idle too long is closed first). */
int sw_fold_repeat(sw_fold *f, const sw_event *ev, uint32_t gid, uint32_t sid);
/* Open a fold for the alert just raised for ev; doc is its document (a reference is
 * taken). With doc NULL a quiet fold: its repeats are counted, it writes no update
 * (an event merged into another's record: docs/detections.md, "One packet, one
 * alert"). */
void sw_fold_open(sw_fold *f, const sw_event *ev, uint32_t gid, uint32_t sid, json_t *doc);
/* Close the folds whose last repeat is idle_us or more before now_us (all of them
 * with UINT64_MAX: the end of the input). */
void sw_fold_expire(sw_fold *f, uint64_t now_us);

/* Count another event into the open fold of the alert raised for `to` (by rule
 * gid:sid): entry (a reference is taken) is listed in its closing update. At most
 * SW_FOLD_ABSORB_MAX entries are listed; later ones are counted only. Returns 1 if
 * that fold is open (the caller raises nothing), else 0. */
#define SW_FOLD_ABSORB_MAX 8
int sw_fold_absorb(sw_fold *f, const sw_event *to, uint32_t gid, uint32_t sid, json_t *entry);

/* The connection instance ended: close its folds (each that absorbed repeats with its
 * update), oldest first. A later occurrence on the same instance is a new alert. */
void sw_fold_end(sw_fold *f, uint64_t flow_id, uint32_t conn_instance);

/* The invariants of fold.c's file comment (common/sw_assert.h): NULL when they hold,
 * else a static string naming the first one broken. */
const char *sw_fold_validate(const sw_fold *f);

uint64_t sw_fold_evictions(const sw_fold *f);   /* closed early because the table was full */
uint64_t sw_fold_folded(const sw_fold *f);      /* repeats absorbed */

#endif
