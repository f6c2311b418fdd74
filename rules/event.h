/*
 * event.h — the event catalogue and the event record the checks emit.
 * An event name is the same string in code, rule files, JSON and the database.
 */
#ifndef SW_EVENT_H
#define SW_EVENT_H
#include <stdint.h>
#include <jansson.h>

/* Keep in step with the table in events.c and docs/detections.md. */
typedef enum sw_event_id {
    SW_EV_SYNACK_BAD_ACK = 0,
    SW_EV_SYNACK_CONFLICT,
    SW_EV_EARLY_DESYNC,
    SW_EV_SYN_IN_ESTABLISHED,
    SW_EV_SEQ_OUT_OF_WINDOW,
    SW_EV_DATA_BEYOND_WINDOW,
    SW_EV_ACK_UNSENT_DATA,
    SW_EV_RST_INJECTION,
    SW_EV_RST_OUT_OF_WINDOW,
    SW_EV_FIN_INJECTION,
    SW_EV_OVERLAP_MISMATCH,
    SW_EV_TTL_ANOMALY,
    SW_EV_TSVAL_REGRESSION,
    SW_EV_TSECR_UNSENT_ECHO,
    SW_EV_CHALLENGE_ACK,
    SW_EV_MAC_CHANGE,
    SW_EV_ACK_STORM,
    SW_EV_DESYNC,
    SW_EV_SESSION_TAKEOVER,
    SW_EV_BLIND_SPRAY,
    SW_EV_ISN_PREDICTABLE,
    SW_EV_IP_FRAGMENT_OVERLAP,
    SW_EV_INSERTION_ATTEMPT,
    SW_EV_DATA_INJECTION,
    SW_EV_COUNT
} sw_event_id;

/* Not a catalogue event: the end mark of a connection instance (sw_checks_config
 * .end_marks). It follows the instance's last event and carries only flow_id,
 * conn_instance, ts_us and the addresses; no evidence. */
#define SW_EV_CONN_END ((sw_event_id)(SW_EV_COUNT + 8))

typedef struct sw_event_def {
    sw_event_id id;
    const char *name;
    const char *description;  /* one line */
    int         severity;     /* default: 1 high, 2 medium, 3 low */
    int         informational;/* 1: never an alert by itself */
    const char *classtype;    /* default classtype */
    uint32_t    default_sid;  /* sid of its rule in rules/default.rules */
    const char *equivalent;   /* nearest Suricata/Snort/Zeek equivalent, or "none" */
} sw_event_def;

const sw_event_def *sw_event_def_get(sw_event_id id);
/* Returns the id, or -1 for an unknown name. */
int sw_event_lookup(const char *name);

/* One event, self-contained: the rule engine and the alert writer need nothing else.
 * Addresses/ports are those of the packet that made the check fire (its sender is
 * src). evidence / packets / related are owned by the event (json_decref'd by
 * sw_event_clear). */
typedef struct sw_event {
    sw_event_id id;
    uint64_t ts_us;
    uint8_t  ip_version;
    uint8_t  src_ip[16], dst_ip[16];
    uint16_t sport, dport;
    uint8_t  nvlan;
    uint16_t vlan[2];
    int      dir;              /* 0 to_server, 1 to_client */
    uint64_t flow_id;
    uint32_t conn_instance;
    uint32_t ordinal;          /* the event's number within its connection instance, from 1
                                  (0: not numbered); part of the alert_id */
    uint8_t  client_state, server_state;   /* sw_tcp_state */
    json_t  *evidence;         /* object: the numbers that made it fire */
    json_t  *packets;          /* array: the connection's last packets (ladder), or NULL */
    json_t  *related;          /* array of informational events attached, or NULL */
    json_t  *ruled_out;        /* array of strings: benign explanations ruled out, or NULL */
    uint64_t frame_no;         /* capture frame number of the packet that made the check
                                  fire; for events raised without a packet (timeout,
                                  flush) the connection's last packet; 0: unknown */
    uint8_t  group_more;       /* 1: the next event delivered is of the same packet and
                                  belongs to the same alert (the fingerprint events of one
                                  packet, an event and the verdict it completes); the
                                  group's last event has 0 (docs/detections.md) */
    struct sw_ev_draft *draft; /* rules/ only: the evidence, ruled-out list and ladder of an
                                  event being built, kept typed until it is delivered
                                  (rules/ck_event.h); NULL in every event the checks hand
                                  out (they are rendered into the JSON members first) */
} sw_event;

/* Frees ev's JSON members and draft. */
void sw_event_clear(sw_event *ev);
/* Frees a draft (rules/ck_event.c; sw_event_clear calls it). */
void sw_ev_draft_free(struct sw_ev_draft *d);

#endif
