/*
 * eve_map.c — the table from outside signatures to seqwatch events, so that
 * `query --event overlap_mismatch` finds an ingested Suricata
 * stream.reassembly_overlap_different_data alert too. Only signatures whose meaning
 * fits a seqwatch event are listed (the event catalogue's "equivalent" strings say
 * the same); Suricata's decoder-event range (sid 2200000-2200xxx) has no entry: no
 * seqwatch event is about malformed headers, so those alerts are ingested without an
 * event name.
 *
 * Invariants: a plain constant table, searched linearly (it is small); a name longer
 * than 128 bytes never matches; no allocation.
 */
#include "storage/eve_map.h"

#include <strings.h>
#include <string.h>

static const sw_eve_map_entry table[] = {
    /* Suricata rules/stream-events.rules (gid 1) */
    {1, 2210007, "3whs_synack_with_wrong_ack", "synack_bad_ack"},
    {1, 2210011, "4whs_synack_with_wrong_ack", "synack_bad_ack"},
    {1, 2210004, "3whs_synack_resend_with_different_ack", "synack_conflict"},
    {1, 2210005, "3whs_synack_resend_with_diff_seq", "synack_conflict"},
    {1, 2210055, "3whs_synack_flood", "synack_conflict"},
    {1, 2210023, "est_synack_resend_with_different_ack", "synack_conflict"},
    {1, 2210024, "est_synack_resend_with_diff_seq", "synack_conflict"},
    {1, 2210027, "est_syn_resend_diff_seq", "syn_in_established"},
    {1, 2210028, "est_syn_toclient", "syn_in_established"},
    {1, 2210020, "est_packet_out_of_window", "seq_out_of_window"},
    {1, 2210015, "closewait_ack_out_of_window", "seq_out_of_window"},
    {1, 2210029, "est_invalid_ack", "ack_unsent_data"},
    {1, 2210045, "pkt_invalid_ack", "ack_unsent_data"},
    {1, 2210058, "suspected_rst_inject", "rst_injection"},
    {1, 2210016, "closewait_fin_out_of_window", "fin_injection"},
    {1, 2210038, "fin_out_of_window", "fin_injection"},
    {1, 2210050, "reassembly_overlap_different_data", "overlap_mismatch"},
    {1, 2210044, "pkt_invalid_timestamp", "tsval_regression"},
    /* Snort 3 stream_tcp (gid 129) */
    {129, 1, "SYN on established session", "syn_in_established"},
    {129, 4, "TCP timestamp is outside of PAWS window", "tsval_regression"},
    {129, 9, "TCP client possibly hijacked, different ethernet address", "mac_change"},
    {129, 10, "TCP server possibly hijacked, different ethernet address", "mac_change"},
    {129, 15, "reset outside window", "rst_out_of_window"},
    {129, 16, "FIN number is greater than prior FIN", "fin_injection"},
};

const char *sw_eve_map_sid(uint32_t gid, uint32_t sid)
{
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (table[i].gid == gid && table[i].sid == sid)
            return table[i].event;
    return NULL;
}

const char *sw_eve_map_name(const char *name)
{
    if (!name || strnlen(name, 130) > 128)
        return NULL;
    if (strncasecmp(name, "stream.", 7) == 0)
        name += 7;
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (table[i].gid == 1 && strcasecmp(table[i].name, name) == 0)
            return table[i].event;
    return NULL;
}

const sw_eve_map_entry *sw_eve_map_table(size_t *n)
{
    *n = sizeof table / sizeof table[0];
    return table;
}
