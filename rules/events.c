/*
 * events.c — the event catalogue: one row per sw_event_id with its name, description,
 * default severity, informational flag, default classtype, the sid of its rule in
 * rules/default.rules and the nearest Suricata / Snort 3 / Zeek equivalent.
 *
 * Invariants: the table has exactly SW_EV_COUNT rows (checked at compile time), row i
 * describes event id i (checked by the unit tests), every name is unique, and default
 * sids are 2300001 + id (gid 1). The "equivalent" string is always either "none" or
 * three parts "Suricata: ...; Snort 3: ...; Zeek: ..." so that tools can split it.
 * docs/detections.md says the same things in prose; keep the two in step.
 */
#include <string.h>
#include "rules/event.h"

#define SID0 2300001u

static const sw_event_def sw_catalogue[] = {
    { SW_EV_SYNACK_BAD_ACK, "synack_bad_ack",
      "SYN-ACK whose acknowledgement number is not the client's ISN + 1",
      2, 0, "protocol-command-decode", SID0 + 0,
      "Suricata: stream.3whs_synack_with_wrong_ack (and stream.4whs_synack_with_wrong_ack); "
      "Snort 3: none; Zeek: weird bad_SYN_ack" },
    { SW_EV_SYNACK_CONFLICT, "synack_conflict",
      "two SYN-ACKs answer the same SYN with different ISNs (a forged one raced the real one)",
      1, 0, "misc-attack", SID0 + 1,
      "Suricata: stream.3whs_synack_resend_with_diff_seq; Snort 3: none; "
      "Zeek: approximately weird SYN_seq_jump" },
    { SW_EV_EARLY_DESYNC, "early_desync",
      "a half-open connection is reset and re-opened with another ISN on the same 4-tuple, "
      "leaving client and server in different sequence spaces",
      1, 0, "misc-attack", SID0 + 2,
      "Suricata: none; Snort 3: none; Zeek: approximately weird SYN_after_reset" },
    { SW_EV_SYN_IN_ESTABLISHED, "syn_in_established",
      "a SYN with a new ISN inside an established connection (RFC 5961 blind SYN)",
      2, 0, "attempted-dos", SID0 + 3,
      "Suricata: stream.est_syn_resend_diff_seq; Snort 3: 129:1 (SYN on established session); "
      "Zeek: weird SYN_inside_connection / SYN_seq_jump" },
    { SW_EV_SEQ_OUT_OF_WINDOW, "seq_out_of_window",
      "a segment carrying data or FIN lies wholly outside the receiver's acceptable range",
      2, 0, "protocol-command-decode", SID0 + 4,
      "Suricata: stream.est_packet_out_of_window; Snort 3: none; "
      "Zeek: approximately weird TCP_seq_underflow_or_misorder" },
    { SW_EV_DATA_BEYOND_WINDOW, "data_beyond_window",
      "data past the right edge of the receiver's advertised window (beyond a 1-byte probe)",
      2, 0, "protocol-command-decode", SID0 + 5,
      "Suricata: approximately stream.est_packet_out_of_window; Snort 3: none; Zeek: none" },
    { SW_EV_ACK_UNSENT_DATA, "ack_unsent_data",
      "an ACK beyond the highest sequence number the other side has sent (RFC 5961)",
      2, 0, "bad-unknown", SID0 + 6,
      "Suricata: stream.pkt_invalid_ack (and stream.est_invalid_ack); "
      "Snort 3: approximately 129:17 (ACK number is greater than prior FIN); Zeek: none" },
    { SW_EV_RST_INJECTION, "rst_injection",
      "an in-window RST not at the exact next sequence (RFC 5961 blind reset), or one after "
      "which the resetting side keeps sending",
      1, 0, "attempted-dos", SID0 + 7,
      "Suricata: stream.suspected_rst_inject; "
      "Snort 3: 129:8 (data sent on stream after TCP reset sent); Zeek: weird data_after_reset" },
    { SW_EV_RST_OUT_OF_WINDOW, "rst_out_of_window",
      "an RST whose sequence number lies outside the receiver's window",
      2, 0, "attempted-dos", SID0 + 8,
      "Suricata: none dedicated (stream.rst_invalid_ack covers an RST with an invalid ACK); "
      "Snort 3: 129:15 (reset outside window); Zeek: none" },
    { SW_EV_FIN_INJECTION, "fin_injection",
      "a FIN not at the sender's stream position, or one after which the same side sends "
      "new data beyond it",
      2, 0, "misc-attack", SID0 + 9,
      "Suricata: approximately stream.fin_out_of_window; "
      "Snort 3: 129:16 (FIN number is greater than prior FIN); "
      "Zeek: weird FIN_advanced_last_seq" },
    { SW_EV_OVERLAP_MISMATCH, "overlap_mismatch",
      "the same sequence range was seen twice with different bytes",
      1, 0, "misc-attack", SID0 + 10,
      "Suricata: stream.reassembly_overlap_different_data; Snort 3: none; "
      "Zeek: event rexmit_inconsistency (notice Conn::Retransmission_Inconsistency)" },
    { SW_EV_TTL_ANOMALY, "ttl_anomaly",
      "a segment's TTL / hop limit differs from its direction's baseline by more than ttl_delta",
      3, 0, "bad-unknown", SID0 + 11,
      "none" },
    { SW_EV_TSVAL_REGRESSION, "tsval_regression",
      "negotiated timestamps missing, going backwards or jumping implausibly ahead (RFC 7323)",
      3, 0, "bad-unknown", SID0 + 12,
      "Suricata: stream.pkt_invalid_timestamp; "
      "Snort 3: 129:4 (TCP timestamp is outside of PAWS window), 129:14 (TCP timestamp is missing); "
      "Zeek: none" },
    { SW_EV_TSECR_UNSENT_ECHO, "tsecr_unsent_echo",
      "a segment's TSecr echoes a TSval the peer has never sent",
      2, 0, "bad-unknown", SID0 + 13,
      "none" },
    { SW_EV_CHALLENGE_ACK, "challenge_ack",
      "the receiver answered a suspicious in-window RST/SYN/data segment with an RFC 5961 "
      "challenge ACK (informational)",
      3, 1, "misc-activity", SID0 + 14,
      "none" },
    { SW_EV_MAC_CHANGE, "mac_change",
      "a direction's source MAC address changed inside a connection",
      3, 0, "bad-unknown", SID0 + 15,
      "Suricata: none; Snort 3: 129:9 / 129:10 (TCP client / server possibly hijacked, "
      "different ethernet address); Zeek: none" },
    { SW_EV_ACK_STORM, "ack_storm",
      "both ends exchange a burst of pure ACKs each unacceptable to the other (ACK storm)",
      2, 0, "misc-attack", SID0 + 16,
      "none" },
    { SW_EV_DESYNC, "desync",
      "a sustained state in which each endpoint's segments fall outside what the other expects",
      2, 0, "misc-attack", SID0 + 17,
      "Suricata: approximately repeated stream.est_packet_out_of_window in both directions; "
      "Snort 3: none; Zeek: none" },
    { SW_EV_SESSION_TAKEOVER, "session_takeover",
      "an injection followed by the legitimate party falling out of sync: the connection was "
      "taken over",
      1, 0, "attempted-admin", SID0 + 18,
      "none" },
    { SW_EV_BLIND_SPRAY, "blind_spray",
      "many out-of-window RST/SYN/data segments aimed at one connection in a short time",
      2, 0, "attempted-dos", SID0 + 19,
      "Suricata: none (each segment may raise stream.est_packet_out_of_window); "
      "Snort 3: approximately repeated 129:15 (reset outside window); "
      "Zeek: approximately weird RST_storm" },
    { SW_EV_ISN_PREDICTABLE, "isn_predictable",
      "a host's initial sequence numbers across connections follow a predictable pattern "
      "(informational)",
      3, 1, "misc-activity", SID0 + 20,
      "none" },
    { SW_EV_IP_FRAGMENT_OVERLAP, "ip_fragment_overlap",
      "two IP fragments of one datagram overlap with different bytes: the receiver's "
      "reassembly policy decides which bytes its TCP layer gets",
      2, 0, "misc-attack", SID0 + 21,
      "Suricata: decoder.ipv4.frag_overlap / decoder.ipv6.frag_overlap (any overlap); "
      "Snort 3: 123:8 (overlap); Zeek: weird fragment_inconsistency / fragment_overlap" },
    { SW_EV_INSERTION_ATTEMPT, "insertion_attempt",
      "a segment the receiver could not accept (TTL expires before it, PAWS-old timestamp, "
      "outside its window) carries different bytes from the real ones for the same range",
      3, 0, "misc-attack", SID0 + 22,
      "Suricata: none; Snort 3: none (stream normalizer: 129:4 for PAWS); "
      "Zeek: none" },
    { SW_EV_DATA_INJECTION, "data_injection",
      "the receiver accepted in-window data whose sender fingerprint (TTL, MAC, timestamps, "
      "IP ID) is not the real sender's",
      1, 0, "attempted-admin", SID0 + 23,
      "Suricata: none; Snort 3: approximately 129:9 / 129:10 (TCP client / server possibly "
      "hijacked, different ethernet address); Zeek: none" },
};

_Static_assert(sizeof(sw_catalogue) / sizeof(sw_catalogue[0]) == SW_EV_COUNT,
               "the event catalogue must have one row per sw_event_id");

const sw_event_def *sw_event_def_get(sw_event_id id)
{
    if ((int)id < 0 || (int)id >= SW_EV_COUNT)
        return NULL;
    return &sw_catalogue[id];
}

int sw_event_lookup(const char *name)
{
    if (!name)
        return -1;
    for (int i = 0; i < SW_EV_COUNT; i++)
        if (strcmp(sw_catalogue[i].name, name) == 0)
            return i;
    return -1;
}

void sw_event_clear(sw_event *ev)
{
    if (!ev)
        return;
    json_decref(ev->evidence);
    json_decref(ev->packets);
    json_decref(ev->related);
    json_decref(ev->ruled_out);
    ev->evidence = ev->packets = ev->related = ev->ruled_out = NULL;
    sw_ev_draft_free(ev->draft);
    ev->draft = NULL;
}
