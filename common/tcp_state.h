/*
 * tcp_state.h — the TCP connection states (RFC 9293 names) as the tracker records
 * them for each endpoint, and their names. Neutral ground: the detector sets the
 * states, the checks read them, storage names them in alert documents, and none
 * of those needs another layer's headers for it.
 */
#ifndef SW_TCP_STATE_H
#define SW_TCP_STATE_H

typedef enum sw_tcp_state {
    SW_TCPS_NONE = 0,      /* nothing seen from/for this end yet */
    SW_TCPS_SYN_SENT,
    SW_TCPS_SYN_RCVD,
    SW_TCPS_ESTABLISHED,
    SW_TCPS_FIN_WAIT_1,
    SW_TCPS_FIN_WAIT_2,
    SW_TCPS_CLOSING,
    SW_TCPS_TIME_WAIT,
    SW_TCPS_CLOSE_WAIT,
    SW_TCPS_LAST_ACK,
    SW_TCPS_CLOSED,
    SW_TCPS_COUNT
} sw_tcp_state;

/* The state's name ("ESTABLISHED"), or "INVALID" outside the enum. */
static inline const char *sw_tcp_state_name(sw_tcp_state s)
{
    static const char *const names[SW_TCPS_COUNT] = {
        [SW_TCPS_NONE] = "NONE",
        [SW_TCPS_SYN_SENT] = "SYN_SENT",
        [SW_TCPS_SYN_RCVD] = "SYN_RCVD",
        [SW_TCPS_ESTABLISHED] = "ESTABLISHED",
        [SW_TCPS_FIN_WAIT_1] = "FIN_WAIT_1",
        [SW_TCPS_FIN_WAIT_2] = "FIN_WAIT_2",
        [SW_TCPS_CLOSING] = "CLOSING",
        [SW_TCPS_TIME_WAIT] = "TIME_WAIT",
        [SW_TCPS_CLOSE_WAIT] = "CLOSE_WAIT",
        [SW_TCPS_LAST_ACK] = "LAST_ACK",
        [SW_TCPS_CLOSED] = "CLOSED",
    };
    return (unsigned)s < SW_TCPS_COUNT ? names[s] : "INVALID";
}

#endif
