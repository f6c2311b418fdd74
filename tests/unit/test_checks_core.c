/*
 * test_checks_core.c — the machinery under every check: the ring's time encoding,
 * the ladder (length, order, times, the trigger mark, history_packets 0 and the cap),
 * the event's connection fields, the observer lifecycle driven by hand-built
 * observations (state allocated on first sight, pending decisions made at flow end,
 * the end mark after an instance's last event, state freed), and the per-flow size
 * budget.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "checks_harness.h"
#include "rules/ck_state.h"
#include "detector/packet.h"

static harness H;

static int setup(void **st) { (void)st; h_init(&H); return 0; }
static int teardown(void **st) { (void)st; h_free(&H); return 0; }

static void test_dt_encoding(void **st)
{
    (void)st;
    for (uint64_t v = 0; v < 4096; v++) {
        uint64_t d = ck_dt_dec(ck_dt_enc(v));
        if (v < 2048)
            assert_int_equal(d, v);
        assert_true(d <= v && v - d <= v / 1024);
    }
    uint64_t x = 1;
    for (int i = 0; i < 60; i++, x = x * 3 + 7) {
        uint64_t d = ck_dt_dec(ck_dt_enc(x));
        if (x <= (2047ull << 31))
            assert_true(d <= x && x - d <= x / 1024);
        else
            assert_int_equal(d, 2047ull << 31);      /* saturates (about 51 days) */
    }
}

/* An out-of-window RST after n packets; the event's ladder with history h. */
static void rst_trace(pb_trace *t, int rounds)
{
    pb_trace_init(t, 1, 1700000000000000ull);
    pb_conn c;
    h_conn(&c, t, 0);
    c.tick_us = 1333;
    h_chat(&c, rounds);
    pb_tick(t, 3000000000ull);                      /* a long quiet gap (50 min) */
    h_raw(&c, 0, c.nxt[0] - 9000000u, 0, SW_TH_RST, NULL, 0);
}

static void test_ladder(void **st)
{
    (void)st;
    pb_trace t;
    rst_trace(&t, 3);                               /* 3 + 12 = 15 frames */
    H.history = 6;
    h_run(&H, &t);
    h_expect_set(&H, SW_EV_RST_OUT_OF_WINDOW, -1);
    const h_event *e = h_find(&H, SW_EV_RST_OUT_OF_WINDOW);
    assert_int_equal(json_array_size(e->packets), 6);
    h_ladder_marks(e, "R");
    /* oldest first, times as captured (within the encoding's precision) */
    for (size_t i = 0; i < 6; i++) {
        json_t *p = json_array_get(e->packets, i);
        uint64_t ts = (uint64_t)json_integer_value(json_object_get(p, "ts_us"));
        uint64_t want = t.frames[t.n - 6 + i].ts_us;
        uint64_t d = ts > want ? ts - want : want - ts;
        assert_true(d <= 3000000000ull / 1024);
        if (i == 5)
            assert_int_equal(ts, want);
    }
    json_t *last = json_array_get(e->packets, 5);
    assert_string_equal(json_string_value(json_object_get(last, "dir")), "to_server");
    json_t *prev = json_array_get(e->packets, 4);
    assert_int_equal(json_integer_value(json_object_get(prev, "win")), 502 * 128);
    h_free(&H);

    h_init(&H);
    H.history = 0;
    h_run(&H, &t);
    e = h_find(&H, SW_EV_RST_OUT_OF_WINDOW);
    assert_non_null(e);
    assert_null(e->packets);
    h_free(&H);
    pb_trace_free(&t);

    rst_trace(&t, 20);                              /* 83 frames */
    h_init(&H);
    H.history = 1000;
    h_run(&H, &t);
    e = h_find(&H, SW_EV_RST_OUT_OF_WINDOW);
    assert_int_equal(json_array_size(e->packets), CK_MAX_HISTORY);
    pb_trace_free(&t);
}

/* The event names the connection: addresses, ports, direction, states. */
static void test_event_fields(void **st)
{
    (void)st;
    pb_trace t;
    pb_trace_init(&t, 1, 1700000000000000ull);
    pb_conn c;
    pb_conn_init(&c, &t, "2001:db8::10", 50000, "2001:db8::20", 22, 1000u, 2000u);
    pb_conn_handshake(&c);
    h_chat(&c, 2);
    h_raw(&c, 1, c.nxt[1] + 70000000u, 0, SW_TH_RST, NULL, 0);
    h_chat(&c, 1);
    h_run(&H, &t);
    h_expect_set(&H, SW_EV_RST_OUT_OF_WINDOW, -1);
    const h_event *e = h_find(&H, SW_EV_RST_OUT_OF_WINDOW);
    assert_int_equal(e->dir, 1);
    assert_int_equal(e->instance, 0);
    pb_trace_free(&t);
}

/* ---- hand-built observations ---- */

typedef struct rec_ev { int n; sw_event_id id[8]; uint8_t src[16]; uint16_t sport, dport;
                        int dir; uint8_t cst, sst; uint64_t flow_id;
                        int marks, events_at_mark; uint64_t mark_flow; uint32_t mark_inst;
                        int mark_has_evidence; } rec_ev;

static void rec_emit(void *user, sw_event *ev)
{
    rec_ev *r = user;
    if (ev->id == SW_EV_CONN_END) {               /* cfg.end_marks */
        r->marks++;
        r->events_at_mark = r->n;
        r->mark_flow = ev->flow_id;
        r->mark_inst = ev->conn_instance;
        r->mark_has_evidence = ev->evidence != NULL;
        return;
    }
    if (r->n < 8)
        r->id[r->n] = ev->id;
    r->n++;
    memcpy(r->src, ev->src_ip, 16);
    r->sport = ev->sport;
    r->dport = ev->dport;
    r->dir = ev->dir;
    r->cst = ev->client_state;
    r->sst = ev->server_state;
    r->flow_id = ev->flow_id;
}

static void test_lifecycle_synthetic(void **st)
{
    (void)st;
    rec_ev r;
    memset(&r, 0, sizeof r);
    sw_checks_config cc;
    memset(&cc, 0, sizeof cc);
    cc.history_packets = 4;
    cc.end_marks = 1;
    sw_checks *ck = sw_checks_new(&cc, rec_emit, &r);
    sw_observer ob;
    sw_checks_observer(ck, &ob);
    /* stream chunks do not pass through the checks (the shard wires the sink) */
    assert_null(ob.on_stream);
    assert_non_null(ob.on_packet);

    static const uint8_t cip[4] = { 192, 0, 2, 1 }, sip[4] = { 192, 0, 2, 2 };
    sw_flow f;
    memset(&f, 0, sizeof f);
    f.key.ip_version = 4;
    memcpy(f.key.addr[0], cip, 4);
    memcpy(f.key.addr[1], sip, 4);
    f.key.port[0] = 33000;
    f.key.port[1] = 80;
    f.first_us = 1000000;
    f.conn.flow_id = 4242;
    f.conn.end[0].state = f.conn.end[1].state = SW_TCPS_ESTABLISHED;
    f.conn.end[0].seen = f.conn.end[1].seen = 1;
    f.conn.handshake_done = 1;

    /* the server acknowledges 5000 bytes the client never sent */
    sw_packet p;
    memset(&p, 0, sizeof p);
    p.ts_us = 2000000;
    p.ip_version = 4;
    p.src_ip = sip;
    p.dst_ip = cip;
    p.sport = 80;
    p.dport = 33000;
    p.seq = 7000;
    p.ack = 105000;
    p.flags = SW_TH_ACK;
    p.window = 1000;
    p.ttl = 60;
    sw_pkt_obs o;
    memset(&o, 0, sizeof o);
    o.pkt = &p;
    o.flow = &f;
    o.state = &f.obs_state;
    o.dir = 1;
    o.hints = SW_SEG_PURE_ACK;
    o.seq_class = SW_SEQ_EXACT;
    o.ack_class = SW_ACK_UNSENT;
    o.state_before[0] = o.state_before[1] = SW_TCPS_ESTABLISHED;
    o.rcv_nxt = 7000;
    o.rcv_wnd = o.rcv_wnd_max = 65535;
    o.snd_nxt_before = 7000;
    o.peer_snd_nxt = 100000;
    o.peer_ack_max = 100000;
    f.conn.end[0].snd_nxt = 100000;
    f.conn.end[0].ack_max = 7000;
    f.conn.end[1].snd_nxt = 7000;
    f.conn.end[1].ack_max = 100000;
    ob.on_packet(ob.ctx, &o);
    assert_non_null(f.obs_state);
    assert_int_equal(r.n, 0);                      /* held for corroboration */

    /* the client answers with a challenge ACK: a pure ACK from where it stands
     * (100000), its acknowledgement unchanged */
    sw_packet q = p;
    q.ts_us = 2001000;
    q.src_ip = cip;
    q.dst_ip = sip;
    q.sport = 33000;
    q.dport = 80;
    q.seq = 100000;
    q.ack = 7000;
    sw_pkt_obs oq = o;
    oq.pkt = &q;
    oq.dir = 0;
    oq.ack_class = SW_ACK_DUP;
    oq.rcv_nxt = 100000;
    oq.snd_nxt_before = 100000;
    oq.peer_snd_nxt = 7000;
    oq.peer_ack_max = 7000;
    ob.on_packet(ob.ctx, &oq);
    assert_int_equal(r.n, 2);                      /* ack_unsent_data + challenge_ack */
    assert_int_equal(r.id[0], SW_EV_ACK_UNSENT_DATA);
    assert_int_equal(r.id[1], SW_EV_CHALLENGE_ACK);
    assert_int_equal(r.flow_id, 4242);
    assert_int_equal(r.sport, 33000);               /* the challenge came from the client */
    assert_memory_equal(r.src, cip, 4);
    assert_int_equal(r.cst, SW_TCPS_ESTABLISHED);

    sw_checks_counters cnt;
    sw_checks_get_counters(ck, &cnt);
    assert_int_equal(cnt.events, 2);
    assert_int_equal(cnt.held, 1);
    assert_int_equal(cnt.cleared, 0);

    /* again, but the flow ends before anyone answers: nothing corroborated it */
    p.ts_us += 5000000;
    q.ts_us += 5000000;
    ob.on_packet(ob.ctx, &o);
    sw_conn_obs co = { .flow = &f, .state = &f.obs_state, .pkt = NULL, .outcome = SW_CONN_OPEN };
    assert_int_equal(r.marks, 0);                  /* the instance has not ended */
    ob.on_conn_end(ob.ctx, &co);
    /* its end mark follows its last event: the pending one was decided (dropped) first */
    assert_int_equal(r.marks, 1);
    assert_int_equal(r.events_at_mark, 2);
    assert_int_equal(r.mark_flow, 4242);
    assert_int_equal(r.mark_inst, 0);
    assert_false(r.mark_has_evidence);
    ob.on_flow_free(ob.ctx, &f, &f.obs_state);
    assert_null(f.obs_state);
    assert_int_equal(r.n, 2);
    assert_int_equal(r.marks, 2);                  /* and again when the flow goes */
    sw_checks_get_counters(ck, &cnt);
    assert_int_equal(cnt.held, 2);
    assert_int_equal(cnt.cleared, 1);
    /* a flow the checks never saw, and a second free, are harmless */
    sw_flow g;
    memset(&g, 0, sizeof g);
    ob.on_conn_end(ob.ctx, &(sw_conn_obs){ .flow = &g, .state = &g.obs_state });
    ob.on_flow_free(ob.ctx, &g, &g.obs_state);
    /* an instance without events gets no mark */
    sw_flow q2 = f;
    q2.obs_state = NULL;
    q2.conn.flow_id = 4343;
    sw_pkt_obs oq2 = oq;
    oq2.flow = &q2;
    oq2.state = &q2.obs_state;
    ob.on_packet(ob.ctx, &oq2);                    /* a plain ACK: no event */
    assert_non_null(q2.obs_state);
    ob.on_conn_end(ob.ctx, &(sw_conn_obs){ .flow = &q2, .state = &q2.obs_state,
                                           .outcome = SW_CONN_OPEN });
    ob.on_flow_free(ob.ctx, &q2, &q2.obs_state);
    assert_int_equal(r.marks, 2);
    assert_int_equal(r.n, 2);
    sw_checks_free(ck);
}

/* ---- randomized: hostile and broken traffic ---- */

static uint64_t rng_state;
static uint32_t rnd(void)
{
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(rng_state >> 33);
}

/* Conversations on a few 4-tuples with random segments mixed in: random flags (any
 * combination of SYN/FIN/RST/ACK/PSH), sequence and acknowledgement numbers near and
 * far, windows, TTLs, MACs, timestamp options, payloads. Nothing may crash or leak,
 * every event must be well formed, and every held suspicion decided exactly once. */
static void test_random_traffic(void **st)
{
    (void)st;
    static uint8_t payload[200];
    for (int seed = 1; seed <= 24; seed++) {
        rng_state = (uint64_t)seed * 0x9e3779b97f4a7c15ull;
        for (size_t i = 0; i < sizeof payload; i++)
            payload[i] = (uint8_t)rnd();
        pb_trace t;
        pb_trace_init(&t, 1, 1700000000000000ull);
        pb_conn c[3];
        for (int k = 0; k < 3; k++) {
            pb_conn_init(&c[k], &t, "10.0.0.1", (uint16_t)(40000 + k), "10.0.0.2", 80,
                         rnd(), rnd());
            c[k].ts = (int)(rnd() & 1);
            pb_conn_handshake(&c[k]);
        }
        for (int n = 0; n < 500; n++) {
            pb_conn *x = &c[rnd() % 3];
            int side = (int)(rnd() & 1);
            uint32_t r = rnd() % 10;
            if (r < 3) {
                pb_conn_send(x, side, payload, 1 + rnd() % 150);
            } else if (r < 5) {
                pb_conn_ack(x, side);
            } else {
                pb_seg s;
                memset(&s, 0, sizeof s);
                static const uint32_t far[] = { 0, 1, 100, 70000, 1u << 20, 1u << 30,
                                                0x80000000u, 0xffffffffu };
                s.seq = x->nxt[side] + far[rnd() % 8] * (rnd() & 1 ? 1u : 0xffffffffu);
                s.ack = x->ackv[side] + far[rnd() % 8] * (rnd() & 1 ? 1u : 0xffffffffu);
                s.flags = (uint8_t)(rnd() & 0x1f);
                if (!s.flags)
                    s.flags = SW_TH_ACK;
                s.win = (uint16_t)rnd();
                s.ttl = (uint8_t)((rnd() & 3) == 0 ? 1 + rnd() % 255 : 0);
                if (rnd() % 4 == 0)
                    s.src_mac[5] = (uint8_t)(1 + rnd() % 3), s.src_mac[0] = 2;
                if (rnd() & 1) {
                    s.ts = 1;
                    s.tsval = rnd();
                    s.tsecr = rnd();
                }
                if (rnd() & 1) {
                    s.payload = payload + rnd() % 50;
                    s.len = rnd() % 120;
                }
                pb_conn_raw(x, side, &s);
            }
            if (rnd() % 16 == 0)
                pb_tick(&t, (uint64_t)(rnd() % 3000000));
        }
        h_free(&H);
        h_init(&H);
        H.history = 1 + (uint32_t)seed % 10;
        h_run(&H, &t);
        for (int i = 0; i < H.n; i++) {
            assert_true(json_is_object(H.ev[i].evidence));
            assert_true(json_is_array(H.ev[i].ruled_out));
            assert_true(json_array_size(H.ev[i].packets) <= H.history);
        }
        uint64_t total = 0;
        for (int i = 0; i < SW_EV_COUNT; i++)
            total += (uint64_t)H.count[i];
        assert_int_equal(H.cnt.events, total);
        if (seed == 1)
            fprintf(stderr, "random seed 1: %llu events, %llu held, %llu confirmed, %llu cleared\n",
                    (unsigned long long)total, (unsigned long long)H.cnt.held,
                    (unsigned long long)H.cnt.confirmed, (unsigned long long)H.cnt.cleared);
        assert_int_equal(H.cnt.held, H.cnt.confirmed + H.cnt.cleared);
        assert_int_equal(H.cnt.alloc_failures, 0);
        pb_trace_free(&t);
    }
}

/* The per-flow budget: the checks' share with the default ladder of 8 packets. */
static void test_state_size(void **st)
{
    (void)st;
    size_t per_flow = sizeof(ck_flow) + 8 * sizeof(ck_hist);
    fprintf(stderr, "checks state per flow: %zu bytes (core %zu + 8 x %zu)\n", per_flow,
            sizeof(ck_flow), sizeof(ck_hist));
    assert_true(sizeof(ck_hist) == 16);
    /* 320 until the e2e lab showed two benign Linux behaviours the checks must
     * recognise: 4 recent window edges per side (window-limited ACK sequence
     * numbers) and the highest payload byte per side (a window update overtaking
     * queued data). Bringing the whole flow under 512 bytes is the performance
     * issue's work; this bound keeps the checks' share from growing unnoticed.
     * 376 since data_injection: each side's IPv4 ID sequence and raw window (the
     * fingerprint marks a forged segment is judged by, 8 bytes per side). */
    assert_true(per_flow <= 376);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dt_encoding),
        cmocka_unit_test_setup_teardown(test_ladder, setup, teardown),
        cmocka_unit_test_setup_teardown(test_event_fields, setup, teardown),
        cmocka_unit_test(test_lifecycle_synthetic),
        cmocka_unit_test(test_state_size),
        cmocka_unit_test_setup_teardown(test_random_traffic, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
