/*
 * incident.h — correlation (docs/detections.md, "Incidents"): the alert records of
 * one connection instance, and the verdict that concludes them. A verdict alert
 * (session_takeover; desync, ack_storm) is the incident's parent: its document lists
 * the alert_ids of the instance's earlier alerts (hijack.incident.chain), and every
 * record written after it on the instance (alerts, closing updates) carries its id
 * (hijack.incident_id).
 */
#ifndef SW_INCIDENT_H
#define SW_INCIDENT_H
#include <stdint.h>
#include <jansson.h>
#include "rules/event.h"

typedef struct sw_incidents sw_incidents;

/* At most max_conns connection instances followed (the one idle longest is
 * forgotten when full, counted); each keeps up to SW_INCIDENT_CHAIN_MAX alert ids. */
#define SW_INCIDENT_CHAIN_MAX 32
sw_incidents *sw_incidents_new(uint32_t max_conns);
void sw_incidents_free(sw_incidents *t);

/* 2 session_takeover, 1 desync / ack_storm, 0 not a verdict. */
int sw_incident_rank(sw_event_id id);

/* An alert record about to be written for event id on (flow_id, conn_instance); doc
 * is its document (alert_id set). Adds hijack.incident / hijack.incident_id to doc
 * as the instance's incident says, and notes the alert. */
void sw_incidents_note(sw_incidents *t, uint64_t flow_id, uint32_t conn_instance, sw_event_id id,
                       json_t *doc);
/* The parent of (flow_id, conn_instance) when it ranks above `rank`: 1 and its
 * event, rule and direction (the key of its fold), else 0. */
int sw_incidents_parent(const sw_incidents *t, uint64_t flow_id, uint32_t conn_instance, int rank,
                        sw_event_id *id, uint32_t *gid, uint32_t *sid, int *dir);
/* A closing update (same alert_id as an alert noted earlier) about to be written:
 * hijack.incident_id when the instance has a parent by now. */
void sw_incidents_update(sw_incidents *t, uint64_t flow_id, uint32_t conn_instance, json_t *doc);
/* The instance ended: forget it. */
void sw_incidents_end(sw_incidents *t, uint64_t flow_id, uint32_t conn_instance);

/* The invariants of incident.c's file comment (common/sw_assert.h): NULL when they
 * hold, else a static string naming the first one broken. */
const char *sw_incidents_validate(const sw_incidents *t);

uint64_t sw_incidents_evictions(const sw_incidents *t);
uint64_t sw_incidents_truncated(const sw_incidents *t);  /* ids beyond the chain cap */

#endif
