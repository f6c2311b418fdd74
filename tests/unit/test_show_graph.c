/*
 * test_show_graph.c — `seqwatch show` on the bundled demo's real alerts
 * (tests/data/show_demo_alerts.jsonl: the JSON lines of `seqwatch run -r
 * tests/traces/demo-hijack.pcap`): the verdict sentence, the forged packet marked
 * besides the trigger, a verdict's ladder holding its chain's injected segment once,
 * relative and absolute sequence numbers; the HTML/SVG flow graph (marked packets,
 * both byte versions, every hostile string escaped, nothing fetched); the capture of
 * the held headers read back through libpcap; the tshark and BPF filters.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <jansson.h>
#include <pcap/pcap.h>

#include "storage/show.h"

#define NDOCS 7
static json_t *docs[NDOCS];
static size_t ndocs;

static int load(void **state)
{
    (void)state;
    const char *src = getenv("SW_SOURCE_DIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/data/show_demo_alerts.jsonl", src ? src : ".");
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char *line = NULL;
    size_t cap = 0;
    while (ndocs < NDOCS && getline(&line, &cap, f) > 0) {
        docs[ndocs] = json_loads(line, 0, NULL);
        if (!docs[ndocs])
            break;
        ndocs++;
    }
    free(line);
    fclose(f);
    return ndocs == NDOCS ? 0 : -1;
}

static int unload(void **state)
{
    (void)state;
    for (size_t i = 0; i < ndocs; i++)
        json_decref(docs[i]);
    return 0;
}

static json_t *by_event(const char *ev)
{
    for (size_t i = 0; i < ndocs; i++)
        if (!strcmp(json_string_value(json_object_get(json_object_get(docs[i], "hijack"), "event")),
                    ev))
            return docs[i];
    fail_msg("no %s alert in the fixture", ev);
    return NULL;
}

typedef enum { TEXT, HTML, SVG, FILTERS } what;

static char *render(what w, const json_t *doc, const sw_show_opts *o)
{
    FILE *f = tmpfile();
    assert_non_null(f);
    if (w == TEXT)
        sw_show_alert_opts(f, "x", doc, o);
    else if (w == FILTERS)
        sw_show_filters(f, doc, o);
    else
        assert_int_equal(sw_show_graph(f, "x", doc, o, w == SVG), 0);
    long n = ftell(f);
    assert_true(n > 0);
    char *buf = calloc(1, (size_t)n + 1);
    assert_non_null(buf);
    rewind(f);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    return buf;
}

static char *line_with(const char *out, const char *needle)
{
    const char *p = strstr(out, needle);
    if (!p)
        return NULL;
    const char *b = p;
    while (b > out && b[-1] != '\n')
        b--;
    const char *e = strchr(p, '\n');
    return strndup(b, e ? (size_t)(e - b) : strlen(b));
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

static void test_overlap_verdict_and_marks(void **state)
{
    (void)state;
    const json_t *doc = by_event("overlap_mismatch");
    char v[1024];
    sw_show_verdict(doc, NULL, v, sizeof v);
    /* the forged first version (TTL 51, the attacker's MAC) was delivered and ACKed
     * before the real client's retransmission came 354 ms later */
    assert_string_equal(v, "the server accepted the forged version -- TTL 51, IP-ID 4919, MAC "
                           "02:de:ad:be:ef:01 -- 354.0 ms before the genuine one (6 bytes)");
    char *out = render(TEXT, doc, NULL);
    assert_non_null(strstr(out, "\nverdict   the server accepted the forged version"));
    /* the forged packet is marked, not only the one that confirmed the check */
    char *forged = line_with(out, "<== forged: first version");
    assert_non_null(forged);
    assert_non_null(strstr(forged, "|--- P. seq=4 ack=36 len=29 win=64256 ttl=51 "));
    assert_non_null(strstr(forged, "22:13:20.818"));
    char *trig = line_with(out, "<== ALERT");
    assert_non_null(trig);
    assert_non_null(strstr(trig, "len=6 win=64256 ttl=64"));
    assert_non_null(strstr(trig, "genuine: second version"));
    /* relative bases said, evidence values readable */
    assert_non_null(strstr(out, "client seq relative: 0 = 472727135"));
    assert_non_null(strstr(out, "  seq                      472727139 (relative 4)\n"));
    assert_non_null(strstr(out, "  interval_us              354.0 ms\n"));
    assert_non_null(strstr(out, "    ts_us                 2023-11-14T22:13:20.818000+0000\n"));
    assert_non_null(strstr(out, "  foreign_fingerprint      ttl, mac, timestamps\n"));
    assert_non_null(strstr(out, "  ranges\n    - seq 472727139 (relative 4), len 6, stream_offset 19\n"));
    free(forged);
    free(trig);
    free(out);
    /* --absolute: the raw numbers */
    sw_show_opts abs = {1, NULL, 0};
    out = render(TEXT, doc, &abs);
    assert_non_null(strstr(out, "P. seq=472727139 ack=2053856454 len=29 win=64256 ttl=51"));
    assert_null(strstr(out, "seq relative"));
    assert_null(strstr(out, "(relative"));
    free(out);
}

static void test_takeover_chain(void **state)
{
    (void)state;
    const json_t *doc = by_event("session_takeover");
    sw_show_opts o = {0, (const json_t *const *)docs, ndocs};
    char v[1024];
    sw_show_verdict(doc, &o, v, sizeof v);
    assert_string_equal(v, "the connection was taken over: data injected toward the server at "
                           "22:13:20.818000 (tsval_regression, ttl_anomaly, mac_change, "
                           "overlap_mismatch), then the real endpoints fell out of sync (desync) "
                           "356.8 ms later");
    for (size_t i = 0; i < ndocs; i++) {
        const char *ev =
            json_string_value(json_object_get(json_object_get(docs[i], "hijack"), "event"));
        /* every alert but the verdict itself and the ack_storm (after it) is in its chain */
        int want = strcmp(ev, "session_takeover") && strcmp(ev, "ack_storm");
        assert_int_equal(sw_show_in_chain(doc, docs[i]), want);
    }
    char *out = render(TEXT, doc, &o);
    /* the injected segment (not in the verdict's own 8 packets: the storm) is drawn,
     * once, though three ladders hold it with slightly different rebuilt times */
    assert_int_equal(count(out, "len=29 win=64256 ttl=51"), 1);
    char *inj = line_with(out, "<== INJECTED");
    assert_non_null(inj);
    assert_non_null(strstr(inj, "22:13:20.818000"));
    assert_non_null(strstr(inj, "|--- P. seq=4 ack=82 len=29"));
    free(inj);
    /* the genuine retransmission and the storm's last ACK (the alert) */
    assert_int_equal(count(out, "len=6 win=64256 ttl=64"), 1);
    assert_non_null(strstr(out, "<== genuine: second version"));
    char *al = line_with(out, "<== ALERT");
    assert_non_null(al);
    assert_non_null(strstr(al, "22:13:21.174800"));
    free(al);
    assert_non_null(strstr(out, "and 10 from the alerts of its chain"));
    assert_non_null(strstr(out, "  chain\n    - event tsval_regression, ts_us 2023-11-14T22:13:20"));
    free(out);
    /* without the other alerts: only the storm, and no injected segment */
    out = render(TEXT, doc, NULL);
    assert_null(strstr(out, "INJECTED"));
    assert_int_equal(count(out, "ttl=51"), 0);
    free(out);
}

static void test_graph(void **state)
{
    (void)state;
    const json_t *doc = by_event("session_takeover");
    sw_show_opts o = {0, (const json_t *const *)docs, ndocs};
    char *h = render(HTML, doc, &o);
    assert_true(strncmp(h, "<!DOCTYPE html>", 15) == 0);
    assert_non_null(strstr(h, "<svg xmlns=\"http://www.w3.org/2000/svg\""));
    /* one arrow group per packet: 18 (8 own + 10 from the chain), the injected one red */
    assert_int_equal(count(h, "<g class=\""), 18);
    assert_int_equal(count(h, "<g class=\"forged\""), 1);
    assert_int_equal(count(h, "<g class=\"alert\""), 1);
    assert_int_equal(count(h, "<g class=\"genuine\""), 1);
    assert_non_null(strstr(h, "INJECTED: forged (tsval_regression)"));
    /* both versions of the overlapping bytes, taken from the chain's overlap */
    assert_non_null(strstr(h, "first version - forged (6 bytes)"));
    assert_non_null(strstr(h, "second version - genuine (6 bytes)"));
    assert_non_null(strstr(h, "cat /e"));
    /* the text form inside, and nothing that could fetch or run anything */
    assert_non_null(strstr(h, "<pre id=\"alert-text\">"));
    assert_null(strstr(h, "<script"));
    assert_null(strstr(h, "http://"  "example"));
    assert_null(strstr(h, "src="));
    assert_null(strstr(h, "href"));
    assert_null(strstr(h, "url("));
    assert_int_equal(count(h, "://"), count(h, "http://www.w3.org/2000/svg"));
    free(h);
    char *s = render(SVG, doc, &o);
    assert_true(strncmp(s, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg ", 44) == 0);
    assert_int_equal(count(s, "<g class=\"forged\""), 1);
    free(s);
}

/* Attacker-controlled strings (payload bytes, names) cannot break out. */
static void test_graph_escapes(void **state)
{
    (void)state;
    json_t *doc = json_deep_copy(by_event("overlap_mismatch"));
    json_t *h = json_object_get(doc, "hijack");
    json_t *ev = json_object_get(h, "evidence");
    /* "<script>alert(1)</script>" and "\"'&<>" + control bytes as payload */
    json_object_set_new(json_object_get(ev, "first_version"), "hex",
                        json_string("3c7363726970743e616c6572742831293c2f7363726970743e"));
    json_object_set_new(json_object_get(ev, "second_version"), "hex",
                        json_string("2227263c3e000a1b7f"));
    json_object_set_new(doc, "host", json_string("<script>alert('host')</script>"));
    json_object_set_new(doc, "pcap_filename", json_string("a\"b<c>&d'.pcap"));
    json_object_set_new(h, "event", json_string("overlap_mismatch<img src=x onerror=alert(1)>"));
    json_object_set_new(json_object_get(doc, "alert"), "signature",
                        json_string("</title><script>x</script>"));
    for (int svg = 0; svg < 2; svg++) {
        char *out = render(svg ? SVG : HTML, doc, NULL);
        assert_null(strstr(out, "<script"));
        assert_null(strstr(out, "<img"));
        assert_null(strstr(out, "</title><"));
        assert_non_null(strstr(out, "&lt;script&gt;"));
        assert_non_null(strstr(out, "&lt;img src=x onerror=alert(1)&gt;"));
        /* the payload's printable column: <script>alert(1)</script> escaped */
        assert_non_null(strstr(out, "<tspan class=\"diff\">&lt;script&gt;alert(1)</tspan>"));
        assert_non_null(strstr(out, "<tspan class=\"diff\">&lt;/script&gt;</tspan>"));
        /* control bytes are not printed raw */
        assert_null(strchr(out, 0x1b));
        assert_null(strchr(out, 0x7f));
        if (!svg) {
            assert_non_null(strstr(out, "&lt;script&gt;alert(&#39;host&#39;)&lt;/script&gt;"));
            assert_non_null(strstr(out, "a&quot;b&lt;c&gt;&amp;d&#39;.pcap"));
        }
        free(out);
    }
    json_decref(doc);
}

static void test_pcap(void **state)
{
    (void)state;
    const json_t *doc = by_event("session_takeover");
    sw_show_opts o = {0, (const json_t *const *)docs, ndocs};
    char path[] = "/tmp/sw_show_pcap_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    char err[256];
    assert_int_equal(sw_show_write_pcap(path, doc, &o, err, sizeof err), 18);
    char perr[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline(path, perr);
    assert_non_null(p);
    assert_int_equal(pcap_datalink(p), DLT_RAW);
    struct pcap_pkthdr *ph;
    const unsigned char *b;
    int n = 0, injected = 0;
    uint64_t prev = 0;
    while (pcap_next_ex(p, &ph, &b) == 1) {
        n++;
        uint64_t ts = (uint64_t)ph->ts.tv_sec * 1000000u + (uint64_t)ph->ts.tv_usec;
        assert_true(ts >= prev);
        prev = ts;
        assert_true(ph->caplen >= 40);
        assert_int_equal(b[0], 0x45);
        unsigned tot = (unsigned)b[2] << 8 | b[3];
        assert_int_equal(ph->len, tot);       /* the original length is kept */
        unsigned ttl = b[8];
        uint32_t seq = (uint32_t)b[24] << 24 | (uint32_t)b[25] << 16 | (uint32_t)b[26] << 8 | b[27];
        if (ttl == 51) {
            injected++;
            assert_int_equal(ts, 1700000000818000ull);
            assert_int_equal(seq, 472727139u);    /* raw numbers in the capture */
            assert_int_equal(ph->len - ph->caplen, 29);
            assert_memory_equal(b + 12, "\xc0\xa8\x38\x0a", 4);   /* from the client */
            assert_int_equal(b[33], 0x18);                         /* PSH|ACK */
        }
    }
    pcap_close(p);
    unlink(path);
    assert_int_equal(n, 18);
    assert_int_equal(injected, 1);
    assert_true(sw_show_write_pcap("/nonexistent-dir/x.pcap", doc, &o, err, sizeof err) < 0);
    assert_non_null(strstr(err, "/nonexistent-dir/x.pcap"));
}

static void test_filters(void **state)
{
    (void)state;
    const json_t *doc = by_event("session_takeover");
    sw_show_opts o = {0, (const json_t *const *)docs, ndocs};
    char *out = render(FILTERS, doc, &o);
    const char *tuple =
        "((ip.src==192.168.56.10 && tcp.srcport==50123 && ip.dst==192.168.56.20 && "
        "tcp.dstport==23) || (ip.src==192.168.56.20 && tcp.srcport==23 && "
        "ip.dst==192.168.56.10 && tcp.dstport==50123))";
    /* bounds: the real times of the oldest held packet (trace frame 12, 20.261000;
     * the ladder rebuilds it 152 us late) and of the alert's packet (frame 29,
     * 21.174800) are inside; frame 30 (21.175100) of the storm is not */
    char *tl = line_with(out, "frame.time_epoch >= ");
    assert_non_null(tl);
    assert_non_null(strstr(tl, tuple));
    unsigned long long lo_s, lo_f, hi_s, hi_f;
    assert_int_equal(sscanf(strstr(tl, "frame.time_epoch >= "),
                            "frame.time_epoch >= %llu.%llu && frame.time_epoch <= %llu.%llu",
                            &lo_s, &lo_f, &hi_s, &hi_f), 4);
    unsigned long long lo = lo_s * 1000000 + lo_f, hi = hi_s * 1000000 + hi_f;
    assert_true(lo <= 1700000000261000ull && lo > 1700000000230000ull);
    assert_true(hi >= 1700000001174800ull && hi < 1700000001175100ull);
    free(tl);
    assert_non_null(strstr(out, "tcp and ((src host 192.168.56.10 and src port 50123 and dst host "
                                "192.168.56.20 and dst port 23) or (src host 192.168.56.20 and src "
                                "port 23 and dst host 192.168.56.10 and dst port 50123))"));
    assert_non_null(strstr(out, "tshark -r 'tests/traces/demo-hijack.pcap' -w connection.pcap -Y '"));
    free(out);
    /* a hostile file name is single-quoted safely; a bad address gives no filter */
    json_t *d2 = json_deep_copy(doc);
    json_object_set_new(d2, "pcap_filename", json_string("x'; rm -rf / #.pcap"));
    out = render(FILTERS, d2, NULL);
    assert_non_null(strstr(out, "tshark -r 'x'\\''; rm -rf / #.pcap' "));
    free(out);
    json_object_set_new(d2, "src_ip", json_string("1.2.3.4) or (host 5.6.7.8"));
    out = render(FILTERS, d2, NULL);
    assert_non_null(strstr(out, "filters   not available"));
    assert_null(strstr(out, "5.6.7.8"));
    free(out);
    json_decref(d2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_overlap_verdict_and_marks),
        cmocka_unit_test(test_takeover_chain),
        cmocka_unit_test(test_graph),
        cmocka_unit_test(test_graph_escapes),
        cmocka_unit_test(test_pcap),
        cmocka_unit_test(test_filters),
    };
    return cmocka_run_group_tests(tests, load, unload);
}
