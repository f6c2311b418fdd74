/*
 * ck_pend.h — pending events: a suspicious segment whose event waits for the
 * receiver's answer (a challenge ACK, a later ACK) or for corroboration before it
 * is emitted or dropped. Private to rules/; depends on ck_state.h, ck_event.h and
 * ck_emit.h.
 */
#ifndef SW_CK_PEND_H
#define SW_CK_PEND_H
#include "rules/ck_state.h"

enum { CK_KEEP = 0, CK_EMIT, CK_DROP };

typedef struct ck_pend ck_pend;
/* Decide a pending event. o is the current packet of the flow (never the trigger),
 * or NULL for the final decision (deadline passed, connection or flow ended). */
typedef int (*ck_resolve_fn)(struct sw_checks *c, ck_flow *fs, const sw_flow *f, ck_pend *pd,
                             const sw_pkt_obs *o);

#define CK_PF_ACROSS    0x01  /* survives the end of its connection instance */
#define CK_PF_CHALLENGE 0x02  /* a challenge ACK answers it: look for one */
#define CK_PF_RESPONDED 0x04  /* the receiver has sent its first packet since */
#define CK_PF_DONE      0x08  /* its event was emitted directly: nothing left to decide */

struct ck_pend {
    ck_pend *next;
    ck_resolve_fn resolve;
    uint8_t  kind;           /* family-specific sub-kind */
    uint8_t  dir;            /* direction of the trigger packet */
    uint8_t  flags;          /* CK_PF_* */
    uint8_t  confirmed;
    uint16_t after[2];       /* packets from each direction since the trigger */
    uint16_t alt_n;          /* packets that repeated the anomalous value */
    uint64_t ts_us;          /* trigger time */
    uint64_t deadline_us;    /* 0: until the instance (or flow) ends */
    uint32_t inst;
    uint32_t rcv_ack;        /* receiver's highest ACK at trigger time */
    uint32_t rcv_snd;        /* receiver's snd_nxt at trigger time */
    uint32_t chal_seq;       /* the challenge ACK's seq and ack, when one was seen */
    uint32_t chal_ack;
    /* what the family keeps about its trigger, by resolver (one member each; the
     * pending event is zeroed when added) */
    union {
        struct { uint32_t next_seq, isn; } bad_ack;       /* synack_bad_ack: where the
                                                             client would go on, the
                                                             SYN-ACK's ISN */
        struct { uint32_t isn1, isn2; } conflict;         /* synack_conflict: both ISNs */
        struct { uint32_t snd_nxt, win, syn_seq; } syn_est;   /* SYN on an established
                                                             connection */
        struct { uint32_t old_cl_nxt, old_sv_nxt, new_isn, old_cl_isn, old_sv_isn, win;
                 uint64_t reset_us; uint8_t noted; } early;   /* early desync */
        struct { uint32_t seq, end; } refused;            /* data to SYN_SENT */
        struct { uint32_t base, alt; } ttl;               /* ttl_anomaly: baseline, new */
        struct { uint32_t clk, clk_ms, alt, alt_ms; } tsval;  /* tsval_regression: the
                                                             clock and the other one */
        struct { uint32_t echo; uint8_t above; } tsecr;   /* tsecr_unsent_echo */
        struct { uint8_t alt[6]; } mac;                   /* mac_change: the new MAC */
        struct { uint32_t seq, end, marks, segs; } inject;    /* data_injection */
        struct { uint32_t seq, ranges, bytes; } overlap;  /* overlap_mismatch */
        struct { uint32_t seq; uint8_t corroborate; } rst_in;  /* in-window RST */
        struct { uint32_t seq, edge; } rst_out;           /* RST beyond the window */
        struct { uint32_t seq, end, edge, segs; uint8_t probe; } beyond;  /* data beyond
                                                             the window */
        struct { uint32_t ack, peer_nxt, acks; } unsent;  /* ack_unsent_data */
    } u;
    sw_event ev;             /* the event, built at trigger time (ev.evidence != NULL) */
    sw_event chal;           /* the challenge_ack event, when one was seen */
};

/* Add a pending event (the oldest is decided early when the flow has
 * CK_MAX_PENDING). Returns NULL when memory is short. */
ck_pend *ck_pend_add(struct sw_checks *c, ck_flow *fs, const sw_flow *f, ck_resolve_fn fn,
                     uint8_t kind, int dir, uint64_t ts_us, uint64_t deadline_us,
                     const sw_pkt_obs *o);
ck_pend *ck_pend_find(ck_flow *fs, ck_resolve_fn fn, int dir);
/* Decide pd now (final decision) and remove it. */
void ck_pend_finish(struct sw_checks *c, ck_flow *fs, const sw_flow *f, ck_pend *pd);
/* Remove pd without emitting. */
void ck_pend_drop(struct sw_checks *c, ck_flow *fs, ck_pend *pd);
/* Show packet o to every pending event of the flow (deadlines, challenge ACKs, the
 * resolvers' decisions). */
void ck_pend_step_list(struct sw_checks *c, ck_flow *fs, const sw_flow *f, const sw_pkt_obs *o);
static inline void ck_pend_step(struct sw_checks *c, ck_flow *fs, const sw_flow *f,
                                const sw_pkt_obs *o)
{
    if (fs->pend)                     /* most flows hold none */
        ck_pend_step_list(c, fs, f, o);
}
/* Decide the pending events of the instance that ended (all: of the flow too). */
void ck_pend_finish_instance(struct sw_checks *c, ck_flow *fs, const sw_flow *f, int all);

#endif
