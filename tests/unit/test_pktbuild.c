/*
 * test_pktbuild.c — the packet builder's contract, checked through sw_decode: the
 * conversation helper's sequence/ack bookkeeping, handshake options, timestamp
 * clocks and echoes, raw overrides, trace clock, and writing a pcap that libpcap
 * reads back unchanged.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "detector/packet.h"
#include "pktbuild.h"

static void decode_frame(const pb_trace *t, size_t i, sw_packet *p)
{
    assert_true(i < t->n);
    assert_int_equal(sw_decode(p, t->linktype, t->frames[i].ts_us, t->frames[i].data,
                               t->frames[i].len, t->frames[i].len, 1), SW_DEC_TCP);
}

static void test_conversation(void **state)
{
    pb_trace t;
    pb_conn c;
    sw_packet p;
    (void)state;
    pb_trace_init(&t, 1, 5000000);
    pb_conn_init(&c, &t, "10.0.0.1", 1111, "10.0.0.2", 80, 0xfffffffeu, 7000);
    c.ts = 1;
    pb_conn_handshake(&c);
    assert_int_equal(t.n, 3);

    decode_frame(&t, 0, &p);            /* SYN */
    assert_int_equal(p.flags, SW_TH_SYN);
    assert_int_equal(p.seq, 0xfffffffeu);
    assert_int_equal(p.ack, 0);
    assert_int_equal(p.opt.mss, 1460);
    assert_true(p.opt.has_wscale);
    assert_int_equal(p.opt.wscale, 7);
    assert_true(p.opt.sack_perm);
    assert_true(p.opt.has_ts);
    assert_int_equal(p.opt.tsecr, 0);
    assert_int_equal(p.ts_us, 5000000);
    uint32_t c_ts0 = p.opt.tsval;

    decode_frame(&t, 1, &p);            /* SYN-ACK */
    assert_int_equal(p.flags, SW_TH_SYN | SW_TH_ACK);
    assert_int_equal(p.seq, 7000);
    assert_int_equal(p.ack, 0xffffffffu);
    assert_int_equal(p.sport, 80);
    assert_int_equal(p.opt.tsecr, c_ts0);
    assert_int_equal(p.ts_us, 5001000);
    uint32_t s_ts1 = p.opt.tsval;

    decode_frame(&t, 2, &p);            /* ACK */
    assert_int_equal(p.flags, SW_TH_ACK);
    assert_int_equal(p.seq, 0xffffffffu);
    assert_int_equal(p.ack, 7001);
    assert_int_equal(p.window, 502);
    assert_false(p.opt.has_mss);
    assert_int_equal(p.opt.tsecr, s_ts1);
    assert_int_equal(p.opt.tsval, c_ts0 + 2);   /* two 1 ms ticks later */

    /* data wraps the sequence space; the receiver's ack is not advanced */
    pb_conn_send(&c, 0, "abcdef", 6);
    decode_frame(&t, 3, &p);
    assert_int_equal(p.flags, SW_TH_ACK | SW_TH_PSH);
    assert_int_equal(p.seq, 0xffffffffu);
    assert_int_equal(p.payload_len, 6);
    assert_memory_equal(p.payload, "abcdef", 6);
    assert_int_equal(c.nxt[0], 5);
    assert_int_equal(c.ackv[1], 0xffffffffu);
    pb_conn_ack(&c, 1);
    decode_frame(&t, 4, &p);
    assert_int_equal(p.ack, 5);
    assert_int_equal(p.seq, 7001);

    /* raw: explicit fields override, the rest comes from c, counters unchanged */
    pb_seg o;
    memset(&o, 0, sizeof o);
    o.seq = 123;
    o.flags = SW_TH_RST;
    o.ttl = 9;
    pb_conn_raw(&c, 1, &o);
    decode_frame(&t, 5, &p);
    assert_int_equal(p.seq, 123);
    assert_int_equal(p.flags, SW_TH_RST);
    assert_int_equal(p.ttl, 9);
    assert_int_equal(p.ack, 5);
    assert_int_equal(p.sport, 80);
    assert_int_equal(c.nxt[1], 7001);

    /* a manual tick moves both timestamp clocks */
    pb_tick(&t, 1000000);
    pb_conn_fin(&c, 1);
    decode_frame(&t, 6, &p);
    assert_int_equal(p.flags, SW_TH_FIN | SW_TH_ACK);
    assert_true(p.opt.tsval >= s_ts1 + 1000);
    assert_int_equal(c.nxt[1], 7002);
    pb_trace_free(&t);
}

static void test_ipv6_conn_and_write(void **state)
{
    pb_trace t;
    pb_conn c;
    char path[] = "/tmp/sw_test_pktbuild_XXXXXX";
    char err[PCAP_ERRBUF_SIZE];
    int fd;
    pcap_t *pc;
    struct pcap_pkthdr *h;
    const u_char *d;
    size_t i = 0;
    (void)state;
    pb_trace_init(&t, 113, 1700000000000000ULL);
    pb_conn_init(&c, &t, "2001:db8::1", 5555, "2001:db8::2", 443, 1, 2);
    assert_int_equal(c.ip_version, 6);
    pb_conn_handshake(&c);
    pb_conn_send(&c, 1, "x", 1);
    fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(pb_trace_write(&t, path), 0);
    pc = pcap_open_offline(path, err);
    assert_non_null(pc);
    assert_int_equal(pcap_datalink(pc), 113);
    while (pcap_next_ex(pc, &h, &d) == 1) {
        sw_packet p;
        assert_true(i < t.n);
        assert_int_equal(h->caplen, t.frames[i].len);
        assert_int_equal((uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec, t.frames[i].ts_us);
        assert_memory_equal(d, t.frames[i].data, h->caplen);
        assert_int_equal(sw_decode(&p, 113, 0, d, h->caplen, h->len, 1), SW_DEC_TCP);
        assert_int_equal(p.ip_version, 6);
        i++;
    }
    assert_int_equal(i, t.n);
    pcap_close(pc);
    unlink(path);
    pb_trace_free(&t);

    /* raw IP traces are written with the raw link type */
    pb_trace_init(&t, 101, 0);
    pb_conn_init(&c, &t, "10.0.0.1", 1, "10.0.0.2", 2, 1, 2);
    pb_conn_handshake(&c);
    fd = mkstemp(path);
    close(fd);
    assert_int_equal(pb_trace_write(&t, path), 0);
    pc = pcap_open_offline(path, err);
    assert_non_null(pc);
    assert_int_equal(pcap_datalink(pc), DLT_RAW);
    pcap_close(pc);
    unlink(path);
    pb_trace_free(&t);
}

static void test_build_limits(void **state)
{
    uint8_t buf[128];
    pb_seg s;
    (void)state;
    memset(&s, 0, sizeof s);
    s.sport = 1;
    s.dport = 2;
    assert_int_equal(pb_build(buf, sizeof buf, 1, &s), 54);
    assert_int_equal(pb_build(buf, 53, 1, &s), 0);          /* cap too small */
    assert_int_equal(pb_build(buf, sizeof buf, 4242, &s), 0); /* unknown link */
    s.src = "not an address";
    assert_int_equal(pb_build(buf, sizeof buf, 1, &s), 0);
    s.src = NULL;
    s.ts = 1;
    s.mss = 1460;
    s.nsack = 4;                                             /* 4 + 12 + 36 > 40 */
    assert_int_equal(pb_build(buf, sizeof buf, 1, &s), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conversation),
        cmocka_unit_test(test_ipv6_conn_and_write),
        cmocka_unit_test(test_build_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
