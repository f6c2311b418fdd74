/*
 * test_capture.c — the libpcap wrapper: reading pcap files written by pktbuild
 * (micro- and nanosecond), pcapng, standard input, BPF filters, damaged files (the
 * error names a byte offset), missing files and bad filters (one-line messages), and
 * a live capture on the loopback interface when the process may capture.
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

#include "detector/capture.h"
#include "detector/packet.h"
#include "pktbuild.h"

static char dir[] = "/tmp/sw_test_capture_XXXXXX";

static int setup(void **state)
{
    (void)state;
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    char cmd[256];
    (void)state;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* A trace of two conversations (ports 80 and 22), 8 frames each. */
static void make_trace(pb_trace *t)
{
    pb_conn c;
    pb_trace_init(t, 1, 1700000000123456ULL);
    pb_conn_init(&c, t, "10.0.0.1", 40000, "10.0.0.2", 80, 100, 200);
    pb_conn_handshake(&c);
    pb_conn_send(&c, 0, "GET /", 5);
    pb_conn_ack(&c, 1);
    pb_conn_fin(&c, 0);
    pb_conn_fin(&c, 1);
    pb_conn_ack(&c, 0);
    pb_conn_init(&c, t, "10.0.0.3", 40001, "10.0.0.4", 22, 300, 400);
    pb_conn_handshake(&c);
    pb_conn_send(&c, 1, "SSH-2.0", 7);
    pb_conn_ack(&c, 0);
    pb_conn_fin(&c, 0);
    pb_conn_fin(&c, 1);
    pb_conn_ack(&c, 0);
}

static void path_of(char *buf, size_t n, const char *name)
{
    snprintf(buf, n, "%s/%s", dir, name);
}

static void test_read_file(void **state)
{
    pb_trace t;
    char path[512], err[512];
    sw_capture *c;
    const uint8_t *f;
    uint32_t cl, wl;
    uint64_t ts, last_off = 0;
    size_t i = 0;
    int r;
    (void)state;
    make_trace(&t);
    path_of(path, sizeof path, "a.pcap");
    assert_int_equal(pb_trace_write(&t, path), 0);
    c = sw_capture_open_file(path, NULL, err, sizeof err);
    assert_non_null(c);
    assert_int_equal(sw_capture_linktype(c), 1);
    assert_int_equal(sw_capture_is_live(c), 0);
    assert_int_equal(sw_capture_stats(c, NULL, NULL, NULL), -1);
    assert_null(sw_capture_warning(c));
    while ((r = sw_capture_next(c, &f, &cl, &wl, &ts)) == 1) {
        assert_true(i < t.n);
        assert_int_equal(cl, t.frames[i].len);
        assert_int_equal(wl, t.frames[i].len);
        assert_int_equal(ts, t.frames[i].ts_us);
        assert_memory_equal(f, t.frames[i].data, cl);
        assert_true(sw_capture_offset(c) > last_off);
        last_off = sw_capture_offset(c);
        i++;
    }
    assert_int_equal(r, 0);
    assert_int_equal(i, t.n);
    assert_int_equal(sw_capture_size(c), last_off);
    assert_int_equal(sw_capture_next(c, &f, &cl, &wl, &ts), 0);   /* stays at the end */
    assert_string_equal(sw_capture_error(c), "");
    sw_capture_close(c);
    pb_trace_free(&t);
}

static int count_frames(sw_capture *c)
{
    const uint8_t *f;
    uint32_t cl, wl;
    uint64_t ts;
    int n = 0, r;
    while ((r = sw_capture_next(c, &f, &cl, &wl, &ts)) == 1)
        n++;
    return r == 0 ? n : -1;
}

static void test_filter(void **state)
{
    pb_trace t;
    char path[512], err[512];
    sw_capture *c;
    (void)state;
    make_trace(&t);
    path_of(path, sizeof path, "f.pcap");
    assert_int_equal(pb_trace_write(&t, path), 0);
    c = sw_capture_open_file(path, "tcp port 22", err, sizeof err);
    assert_non_null(c);
    assert_int_equal(count_frames(c), 8);
    assert_int_equal(t.n, 16);
    sw_capture_close(c);
    c = sw_capture_open_file(path, "", err, sizeof err);
    assert_non_null(c);
    assert_int_equal(count_frames(c), (int)t.n);
    sw_capture_close(c);
    c = sw_capture_open_file(path, "tcp port", err, sizeof err);
    assert_null(c);
    assert_non_null(strstr(err, "bad filter expression 'tcp port': "));
    assert_null(strchr(err, '\n'));
    pb_trace_free(&t);
}

static void test_missing_and_garbage(void **state)
{
    char path[512], err[512], want[600];
    FILE *f;
    (void)state;
    path_of(path, sizeof path, "nope.pcap");
    assert_null(sw_capture_open_file(path, NULL, err, sizeof err));
    snprintf(want, sizeof want, "cannot read capture %s: ", path);
    assert_memory_equal(err, want, strlen(want));
    assert_non_null(strstr(err, "No such file"));
    /* the path is not repeated */
    assert_null(strstr(err + strlen(want), path));

    path_of(path, sizeof path, "garbage.pcap");
    f = fopen(path, "wb");
    assert_non_null(f);
    fputs("this is not a capture file at all, just text\n", f);
    fclose(f);
    assert_null(sw_capture_open_file(path, NULL, err, sizeof err));
    snprintf(want, sizeof want, "cannot read capture %s: ", path);
    assert_memory_equal(err, want, strlen(want));
    assert_null(strchr(err, '\n'));
}

static void test_truncated_file(void **state)
{
    pb_trace t;
    char path[512], err[512];
    sw_capture *c;
    FILE *f;
    long size;
    const uint8_t *fr;
    uint32_t cl, wl;
    uint64_t ts;
    int n = 0, r;
    (void)state;
    make_trace(&t);
    path_of(path, sizeof path, "t.pcap");
    assert_int_equal(pb_trace_write(&t, path), 0);
    f = fopen(path, "rb+");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    size = ftell(f);
    fclose(f);
    assert_int_equal(truncate(path, size - 10), 0);   /* cut the last record */
    c = sw_capture_open_file(path, NULL, err, sizeof err);
    assert_non_null(c);
    while ((r = sw_capture_next(c, &fr, &cl, &wl, &ts)) == 1)
        n++;
    assert_int_equal(r, -1);
    assert_int_equal(n, (int)t.n - 1);
    assert_non_null(strstr(sw_capture_error(c), "byte"));
    assert_non_null(strstr(sw_capture_error(c), "truncated"));
    assert_null(strchr(sw_capture_error(c), '\n'));
    assert_int_equal(sw_capture_next(c, &fr, &cl, &wl, &ts), -1);  /* stays failed */
    sw_capture_close(c);
    pb_trace_free(&t);
}

static void test_nanosecond_file(void **state)
{
    char path[512], err[512];
    pcap_t *pd;
    pcap_dumper_t *d;
    struct pcap_pkthdr h;
    uint8_t frame[2048];
    pb_seg s;
    size_t n;
    sw_capture *c;
    const uint8_t *f;
    uint32_t cl, wl;
    uint64_t ts;
    (void)state;
    memset(&s, 0, sizeof s);
    s.sport = 1; s.dport = 2; s.flags = SW_TH_SYN;
    n = pb_build(frame, sizeof frame, 1, &s);
    assert_true(n > 0);
    path_of(path, sizeof path, "ns.pcap");
    pd = pcap_open_dead_with_tstamp_precision(1, 65535, PCAP_TSTAMP_PRECISION_NANO);
    assert_non_null(pd);
    d = pcap_dump_open(pd, path);
    assert_non_null(d);
    memset(&h, 0, sizeof h);
    h.ts.tv_sec = 1700000000;
    h.ts.tv_usec = 123456789;             /* nanoseconds in a nanosecond file */
    h.caplen = h.len = (uint32_t)n;
    pcap_dump((u_char *)d, &h, frame);
    pcap_dump_close(d);
    pcap_close(pd);
    c = sw_capture_open_file(path, NULL, err, sizeof err);
    assert_non_null(c);
    assert_int_equal(sw_capture_next(c, &f, &cl, &wl, &ts), 1);
    assert_int_equal(ts, 1700000000123456ULL);
    sw_capture_close(c);
}

static void test_stdin(void **state)
{
    pb_trace t;
    char path[512], err[512];
    sw_capture *c;
    (void)state;
    make_trace(&t);
    path_of(path, sizeof path, "in.pcap");
    assert_int_equal(pb_trace_write(&t, path), 0);
    assert_non_null(freopen(path, "rb", stdin));
    c = sw_capture_open_file("-", NULL, err, sizeof err);
    assert_non_null(c);
    assert_int_equal(count_frames(c), (int)t.n);
    sw_capture_close(c);
    pb_trace_free(&t);
    /* an empty standard input */
    assert_non_null(freopen("/dev/null", "rb", stdin));
    assert_null(sw_capture_open_file("-", NULL, err, sizeof err));
    assert_memory_equal(err, "cannot read capture from standard input: ", 41);
}

static void test_pcapng(void **state)
{
    const char *shared = getenv("SW_SHARED_DIR");
    char path[4096], err[512];
    sw_capture *c;
    FILE *f;
    int n;
    (void)state;
    if (!shared) {
        fprintf(stderr, "SKIP: SW_SHARED_DIR is not set: pcapng reading not tested\n");
        skip();
    }
    snprintf(path, sizeof path, "%s/pcaps/seed-labs-writeups/ManualRST.pcapng", shared);
    f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "SKIP: %s is absent\n", path);
        skip();
    }
    fclose(f);
    c = sw_capture_open_file(path, NULL, err, sizeof err);
    assert_non_null(c);
    n = count_frames(c);
    assert_true(n > 0);
    assert_true(sw_capture_size(c) > 0);
    sw_capture_close(c);
}

static void test_live(void **state)
{
    char err[512];
    sw_capture *c;
    const uint8_t *f;
    uint32_t cl, wl;
    uint64_t ts, recv = 0, drop = 0, ifdrop = 0;
    int r, i;
    (void)state;
    assert_null(sw_capture_open_live("sw-no-such-if0", NULL, 0, 0, 0, 1, err, sizeof err));
    assert_memory_equal(err, "cannot capture on sw-no-such-if0: ", 34);
    assert_null(strchr(err, '\n'));
    c = sw_capture_open_live("lo", "tcp port 1", 0, 65535, 1 << 20, 1, err, sizeof err);
    if (!c) {
        fprintf(stderr, "SKIP: cannot capture on lo here: %s\n", err);
        skip();
    }
    assert_int_equal(sw_capture_is_live(c), 1);
    assert_int_equal(sw_capture_linktype(c), 1);
    /* nothing matches the filter: reads time out */
    for (i = 0; i < 3; i++) {
        r = sw_capture_next(c, &f, &cl, &wl, &ts);
        assert_true(r == 2 || r == 1);
    }
    assert_int_equal(sw_capture_stats(c, &recv, &drop, &ifdrop), 0);
    assert_int_equal(sw_capture_offset(c), 0);
    sw_capture_breakloop(c);
    assert_int_equal(sw_capture_next(c, &f, &cl, &wl, &ts), 0);
    sw_capture_close(c);
    assert_null(sw_capture_open_live("lo", "tcp port", 0, 0, 0, 1, err, sizeof err));
    assert_non_null(strstr(err, "bad filter expression 'tcp port'"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_file),
        cmocka_unit_test(test_filter),
        cmocka_unit_test(test_missing_and_garbage),
        cmocka_unit_test(test_truncated_file),
        cmocka_unit_test(test_nanosecond_file),
        cmocka_unit_test(test_stdin),
        cmocka_unit_test(test_pcapng),
        cmocka_unit_test(test_live),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
