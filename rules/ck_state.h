/*
 * ck_state.h — the per-flow check state every check family reads and writes: the
 * constants that are not rule tunables, one direction's baselines (ck_dir), the flow
 * record with its packet-history ring (ck_flow), the rare records hanging off it
 * (ck_aux), the checks object and the small inline helpers over packets and windows.
 * The helper modules (ck_ring, ck_event, ck_emit, ck_pend, ck_spray) and the
 * families (check_*.c) build on it; it depends on none of them. Private to rules/.
 *
 * Per-flow state (flow->obs_state) is one allocation: ck_flow followed by the ring
 * of cfg.history_packets entries. Pending events and rarely needed records (the
 * previous instance, the takeover chain) hang off it and are allocated only when a
 * check needs them; each is bounded (CK_MAX_PENDING, CK_CHAIN_MAX).
 */
#ifndef SW_CK_STATE_H
#define SW_CK_STATE_H
#include <stdint.h>
#include "rules/checks.h"
#include "detector/seq.h"
#include "detector/tcp_conn.h"

/* ---- constants that are not rule tunables (documented in docs/detections.md) ---- */
#define CK_MAX_HISTORY     64         /* cap on cfg.history_packets */
#define CK_MAX_PENDING     4          /* pending events per flow */
#define CK_RESPONSE_US     1000000u   /* how long a suspicious segment waits for the
                                         receiver's answer (challenge ACK, later ACK) */
#define CK_WATCH_US        30000000u  /* how long a continuation watch lasts */
#define CK_RST_ALIVE_US    200000u    /* a non-RST segment this long after its side's RST
                                         cannot be reordering: the side is still alive */
#define CK_EARLY_US        5000000u   /* RST -> new SYN interval for early desync */
#define CK_BASE_PKTS       3          /* packets that form a TTL baseline */
#define CK_REBASE_PKTS     8          /* consecutive packets with a new value that make it
                                         the baseline (route change, failover, new clock) */
#define CK_TS_BACK_SLACK   1000u      /* TSval ticks a segment may lag (reordering) */
#define CK_TS_ECHO_SLACK   1000u      /* TSecr ticks beyond the peer's clock estimate */
#define CK_DUP_CAPTURE_US  1000u      /* same segment seen twice within less: one capture
                                         point saw both sides of a router */
#define CK_HEX_MAX         256        /* bytes of each overlap version in the evidence */
#define CK_CHAIN_MAX       8          /* events remembered for session_takeover */
#define CK_ISN_HOSTS       4096       /* server hosts in the ISN table */
#define CK_ISN_KEEP        SW_TUN_ISN_KEEP  /* ISNs kept per host (rules/tunables.h) */
#define CK_ISN_TINY        (1u << 20) /* |ISN delta| below this is predictable */

/* One packet of the history ring (16 bytes). */
typedef struct ck_hist {
    uint32_t seq, ack;
    uint16_t dt;             /* time since the previous entry: mantissa << exponent
                                (11 + 5 bits, see ck_dt_enc): exact below 2048 us,
                                within 1/1024 above, saturating at ~51 days */
    uint16_t len_dir;        /* payload bytes (15 bits, saturating) | direction << 15 */
    uint16_t win;            /* raw window field */
    uint8_t  flags;          /* TCP flags */
    uint8_t  ttl;
} ck_hist;

static inline uint16_t ck_dt_enc(uint64_t us)
{
    unsigned e = 0;
    while (e < 31 && (us >> e) > 2047u)
        e++;
    uint64_t m = us >> e;
    if (m > 2047u)
        m = 2047u;
    return (uint16_t)(m | ((uint64_t)e << 11));
}

static inline uint64_t ck_dt_dec(uint16_t v)
{
    return (uint64_t)(v & 2047u) << (v >> 11);
}

/* What the checks keep about one direction (its sender) of the current instance. */
typedef struct ck_dir {
    uint32_t edge_max;       /* highest right edge (ack + window) this end advertised */
    uint32_t wnd_max;        /* largest window it advertised */
    uint32_t decl_nxt;       /* its SND.NXT as its own latest segments declare it */
    uint32_t fin_seq;        /* sequence number of its first FIN */
    uint32_t data_hi;        /* end of the highest payload byte seen from it (has_data_hi) */
    uint32_t edges[4];       /* its last distinct right edges (ack + window), newest at edge_i */
    uint32_t tsval_max;      /* its clock: highest TSval (mod 2^32) ... */
    uint32_t tsval_min;      /* ... lowest TSval */
    uint32_t ts_max_ms;      /* flow time (ms) when tsval_max was seen */
    uint32_t ack_up_ms;      /* flow time (ms) when its ACK last advanced */
    uint8_t  ttl_base, ttl_n;/* TTL baseline and packets that agreed with it */
    uint8_t  unacc;          /* consecutive segments unacceptable to the other end */
    uint8_t  ttl_alt;        /* another TTL seen in this direction (0: none) */
    uint8_t  mac[6];
    uint8_t  has_edge:1, has_decl:1, has_ts:1, has_mac:1,
             fin_on:1, fin_fired:1, ack_unsent_on:1, ts_miss_fired:1;
    uint8_t  syn_multi:1,    /* SYNs with different ISNs came from this side (several
                                incarnations, each with its own timestamp clock) */
             ttl_alt_base:1, /* the baseline TTL came after the other TTL: two
                                senders interleave */
             has_data_hi:1,
             edge_i:2, edge_n:3;  /* edges[]: newest, how many (0..4) */
    uint16_t ip_id_last;     /* IP ID of its last packet judged its own (fingerprint_cmp.c) */
    uint8_t  ip_id_seq;      /* consecutive small forward IP ID steps (saturating) */
    uint8_t  fp_n;           /* packets entered in ip_id_last/win_raw (saturating) */
    uint16_t win_raw;        /* raw window field of that packet */
    uint16_t fp_pad;
} ck_dir;

struct ck_pend;
struct ck_aux;

typedef struct ck_flow {
    ck_dir   d[2];
    uint64_t ring_last_us;   /* time of the newest ring entry */
    uint8_t  ring_head;      /* index of the next slot to write */
    uint8_t  ring_n;         /* entries in use */
    uint8_t  npend;
    uint8_t  synack_seen:1, syn_retx:1, syn_alt:1, storm_on:1, spray_on:1,
             takeover_done:1, desync_done:1,
             confused:1;     /* the handshake completed on an ISN the tracker does not
                                hold: sequence checks stay quiet for this instance */
    uint32_t inst;           /* connection instance this state describes */
    uint32_t synack_isn, synack_ack;   /* the first SYN-ACK of the instance */
    uint32_t syn_alt_isn;    /* another ISN the client's SYN carried (a re-connect) */
    uint32_t synack_alt_isn; /* another ISN a later SYN-ACK carried */
    uint32_t synack_ms;
    uint8_t  synack_ttl;
    uint8_t  storm_side[2];
    uint8_t  rstw_hs;        /* the RST watch is of a handshake RST (check_reset.c) */
    uint32_t storm_start_ms;
    uint16_t storm_n, spray_n;
    uint32_t spray_start_ms, spray_last_ms;
    uint32_t emitted;        /* bit per sw_event_id emitted on this instance */
    uint32_t n_ev;           /* events numbered on this instance (sw_event.ordinal) */
    uint64_t rstw_us;        /* RST watch: time of an accepted RST, 0 when off */
    uint32_t rstw_seq;       /* its sequence number */
    uint32_t rstw_nxt;       /* its sender's snd_nxt before it */
    uint32_t rstw_rcv;       /* the receiver's rcv_nxt before it */
    uint8_t  rstw_dir, rstw_flags, rstw_ttl;
    uint8_t  rst_beyond_n;   /* RSTs beyond the receiver's window in this instance */
    struct ck_pend *pend;    /* pending events, oldest first */
    struct ck_aux  *aux;     /* rare records, allocated on demand */
    ck_hist  ring[];         /* cfg.history_packets entries */
} ck_flow;

/* The previous connection instance of the flow, kept when it ends. */
typedef struct ck_prev {
    uint64_t end_us;
    uint32_t instance;
    uint32_t isn[2], snd_nxt[2], ack_max[2];
    uint32_t wnd_max;
    uint8_t  state[2];
    uint8_t  outcome;
    uint8_t  valid:1, handshake_done:1, rst_by_client:1, rst_by_server:1, data_seen:1,
             isn_known_client:1, isn_known_server:1;
} ck_prev;

typedef struct ck_chain_ent {
    uint64_t ts_us;
    uint8_t  id;
    uint8_t  dir;
    uint8_t  injection;      /* 1 injection-class, 2 out-of-sync-class */
} ck_chain_ent;

#define CK_FP_STASH 4            /* the fingerprint events: ttl, mac, tsval, tsecr */

typedef struct ck_aux {
    ck_prev  prev;
    uint8_t  nchain;
    ck_chain_ent chain[CK_CHAIN_MAX];
    /* fingerprint events of one packet decided while another of that packet is still
     * pending: delivered together (sw_event.group_more) when the last is decided */
    uint8_t  nstash;
    sw_event stash[CK_FP_STASH];
} ck_aux;

struct sw_checks;
/* Takeover correlation of an event about to be delivered (check_desync.c, reached
 * through the family table of checks.c): 1 and *tk filled when ev completes a chain. */
typedef int (*ck_chain_fn)(struct sw_checks *c, ck_flow *fs, const sw_flow *f, const sw_event *ev,
                           sw_event *tk);

/* ---- the checks object ---- */

struct sw_checks {
    sw_checks_config cfg;
    sw_event_emit_fn emit;
    void *user;
    sw_isn_sink_fn isn_sink;     /* ISN notes go there (the engine's ISN stage); unset:
                                    they are not taken */
    void *isn_user;
    ck_chain_fn chain;           /* takeover correlation (the family table sets it) */
    uint64_t n_alloc_fail, n_pend_forced, n_pend_dropped, n_events, n_pend_held, n_pend_emitted;
};

/* ---- small helpers ---- */

static inline int ck_synced(uint8_t st)
{
    return st == SW_TCPS_ESTABLISHED || st == SW_TCPS_FIN_WAIT_1 || st == SW_TCPS_FIN_WAIT_2 ||
           st == SW_TCPS_CLOSE_WAIT || st == SW_TCPS_CLOSING || st == SW_TCPS_LAST_ACK;
}

/* b - a for packet times, 0 when time went backwards. */
static inline uint64_t ck_dt(uint64_t b, uint64_t a)
{
    return b > a ? b - a : 0;
}

/* Flow time in ms (relative to the flow's first packet). */
static inline uint32_t ck_ms(const sw_flow *f, uint64_t ts_us)
{
    return ts_us > f->first_us ? (uint32_t)((ts_us - f->first_us) / 1000u) : 0;
}

/* Capture reordering: a segment whose ACK is below its sender's highest ACK, within
 * CK_REORDER_MS of the packet that raised it (one queue of a multi-core capture
 * running behind another: microseconds in the lab's traces). */
#define CK_REORDER_MS 2u
static inline int ck_reordered(const sw_flow *f, const ck_dir *s, const sw_pkt_obs *o)
{
    return o->ack_class == SW_ACK_OLD && ck_ms(f, o->pkt->ts_us) - s->ack_up_ms <= CK_REORDER_MS;
}

/* A packet's window in bytes as its sender's peer applies it. */
static inline uint32_t ck_win(const sw_flow *f, const sw_packet *p, int dir)
{
    if (p->flags & SW_TH_SYN)
        return p->window;
    return (uint32_t)p->window << f->conn.end[dir & 1].wshift;
}

static inline uint32_t ck_payload(const sw_packet *p)
{
    return p->payload_wire_len > p->payload_len ? p->payload_wire_len : p->payload_len;
}

static inline int ck_pure_ack(const sw_packet *p)
{
    return (p->flags & SW_TH_ACK) && ck_payload(p) == 0 &&
           !(p->flags & (SW_TH_SYN | SW_TH_FIN | SW_TH_RST));
}

/* Largest window the receiver of o has ever offered (tracker's or ours). */
static inline uint32_t ck_rwnd_max(const ck_flow *fs, const sw_pkt_obs *o)
{
    uint32_t w = o->rcv_wnd_max;
    const ck_dir *r = &fs->d[1 - o->dir];
    if (r->has_edge && r->wnd_max > w)
        w = r->wnd_max;
    if (o->rcv_wnd > w)
        w = o->rcv_wnd;
    return w;
}

/* The receiver's right edge: the highest it ever advertised, at least rcv_nxt+wnd. */
static inline uint32_t ck_redge(const ck_flow *fs, const sw_pkt_obs *o)
{
    uint32_t e = o->rcv_nxt + o->rcv_wnd;
    const ck_dir *r = &fs->d[1 - o->dir];
    if (r->has_edge && SEQ_GT(r->edge_max, e))
        e = r->edge_max;
    return e;
}

/* ---- ck_state.c: the flow state ---- */

/* The flow's check state (in the observer's slot of the flow, *state), allocated on
 * its first observation and reset when a new connection instance starts. NULL when
 * memory is short (counted) or there is no slot. */
ck_flow *ck_flow_get_slow(struct sw_checks *c, const sw_flow *f, void **state);
static inline ck_flow *ck_flow_get(struct sw_checks *c, const sw_flow *f, void **state)
{
    ck_flow *fs = state ? *state : NULL;
    if (fs && fs->inst == f->conn.instance)
        return fs;                    /* the common case, once per observation */
    return ck_flow_get_slow(c, f, state);
}
ck_aux *ck_aux_get(struct sw_checks *c, ck_flow *fs);
/* Update of the per-direction baselines after all checks ran on a packet. */
void ck_dir_update(struct sw_checks *c, ck_flow *fs, const sw_flow *f, const sw_pkt_obs *o);

/* Check one flow's check state against the bounds above (ring_n and ring_head
 * within cfg.history_packets, npend the length of the pending list and at most
 * CK_MAX_PENDING, nchain at most CK_CHAIN_MAX, edge_n at most 4): NULL when they
 * hold, else a static string naming the first broken one. SW_VALIDATE builds run it
 * after every observation (common/sw_assert.h). */
const char *ck_flow_validate(const struct sw_checks *c, const ck_flow *fs);

/* True if seq is one of the right edges (ack + window) end d advertised lately: a
 * pure ACK from the other end may carry such an edge instead of its SND.NXT (Linux
 * does when it has sent past the window it was last offered). */
static inline int ck_is_recent_edge(const ck_dir *d, uint32_t seq)
{
    for (int i = 0; i < d->edge_n && i < 4; i++)
        if (d->edges[i] == seq)
            return 1;
    return 0;
}

#endif
